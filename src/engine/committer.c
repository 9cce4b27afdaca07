/* committer.c — see committer.h. */
#include "engine/committer.h"

#include <pthread.h>
#include <stdlib.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/run.h"

#define ABANDON_AFTER 4 /* failed attempts of one job while stopping */

struct tf_committer {
	rd_kafka_t *rk;
	tf_worker_stats *stats;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	tf_commit_job job; /* under mu */
	bool busy;         /* a job is taken and not done */
	bool abandoned;    /* the last job was given up */
	bool stopping, quit;
};

/* Commits job's batch, retrying with backoff; false when abandoned. */
static bool commit_job(tf_committer *c, const tf_commit_job *job)
{
	int64_t backoff = 100;
	int failures = 0;
	tf_err err;
	while ((err = tf_store_commit(job->store))) {
		if (!failures++) {
			tf_warn("store unavailable (%s); pausing consumption and retrying", tf_store_error(job->store));
			atomic_store(&c->stats->store_down, 1);
		}
		pthread_mutex_lock(&c->mu);
		bool give_up = c->stopping && failures >= ABANDON_AFTER;
		pthread_mutex_unlock(&c->mu);
		if (give_up) {
			tf_store_rollback(job->store);
			return false;
		}
		tf_sleep_ms(backoff);
		backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
	}
	if (failures) {
		tf_info("store is back after %d failed attempt%s; consuming again", failures, failures == 1 ? "" : "s");
		atomic_store(&c->stats->store_down, 0);
	}
	if (job->influx)
		tf_influx_batch_submit(job->influx);
	rd_kafka_offsets_store(c->rk, job->offsets);
	atomic_fetch_add(&c->stats->commits, 1);
	atomic_store(&c->stats->last_record_mono_ms, tf_mono_ms()); /* busy committing is not idle */
	if (job->delete_before_ms > 0 && tf_store_delete_ticks_before(job->store, job->delete_before_ms))
		tf_warn("retention: %s", tf_store_error(job->store));
	return true;
}

static void *run(void *arg)
{
	tf_thread_name("tf-commit");
	tf_committer *c = arg;
	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->busy && !c->quit)
			pthread_cond_wait(&c->cv, &c->mu);
		if (!c->busy)
			break;
		tf_commit_job job = c->job;
		pthread_mutex_unlock(&c->mu);
		bool ok = commit_job(c, &job);
		rd_kafka_topic_partition_list_destroy(job.offsets);
		pthread_mutex_lock(&c->mu);
		c->abandoned = !ok;
		c->busy = false;
		atomic_fetch_sub(&c->stats->committing, 1);
		pthread_cond_broadcast(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

tf_err tf_committer_start(rd_kafka_t *rk, tf_worker_stats *stats, tf_committer **out)
{
	tf_committer *c = calloc(1, sizeof *c);
	if (!c)
		return TF_ERR_NOMEM;
	c->rk = rk;
	c->stats = stats;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (pthread_create(&c->thread, NULL, run, c)) {
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->cv);
		free(c);
		return TF_ERR_IO;
	}
	*out = c;
	return TF_OK;
}

/* Waits for the job in flight; called with mu held. */
static bool wait_locked(tf_committer *c)
{
	while (c->busy)
		pthread_cond_wait(&c->cv, &c->mu);
	return !c->abandoned;
}

bool tf_committer_submit(tf_committer *c, const tf_commit_job *job)
{
	pthread_mutex_lock(&c->mu);
	bool ok = wait_locked(c);
	if (ok) {
		c->job = *job;
		c->busy = true;
		atomic_fetch_add(&c->stats->committing, 1);
		pthread_cond_broadcast(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
	return ok;
}

bool tf_committer_busy(tf_committer *c)
{
	pthread_mutex_lock(&c->mu);
	bool busy = c->busy;
	pthread_mutex_unlock(&c->mu);
	return busy;
}

bool tf_committer_wait(tf_committer *c)
{
	pthread_mutex_lock(&c->mu);
	bool ok = wait_locked(c);
	pthread_mutex_unlock(&c->mu);
	return ok;
}

void tf_committer_stopping(tf_committer *c)
{
	pthread_mutex_lock(&c->mu);
	c->stopping = true;
	pthread_mutex_unlock(&c->mu);
}

void tf_committer_stop(tf_committer *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	wait_locked(c);
	c->quit = true;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}

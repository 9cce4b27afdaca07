/* test_web_pool.c — serve's query threads (web/pool.h) on a real SQLite store: jobs run on a pool
 * thread with its own connection and come back on the loop thread; the queue is bounded (the job
 * beyond it is refused, not queued); freeing hands back jobs that never ran. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "net/loop.h"
#include "store/store.h"
#include "test.h"
#include "web/pool.h"

typedef struct {
	int gate; /* > 0: read end of a pipe; run waits for a byte on it (the test keeps the thread busy) */
	pthread_t ran_on, done_on;
	tf_err ping;
	int done, ran;
	tf_loop *loop;
	int *finished; /* counts done calls; stops the loop at 3 */
} job;

static void run(tf_query *q, void *arg)
{
	job *j = arg;
	char c;
	if (j->gate > 0 && read(j->gate, &c, 1) != 1)
		j->ping = TF_ERR_IO;
	j->ran_on = pthread_self();
	j->ping = tf_query_ping(q);
}

static void done(void *arg, bool ran)
{
	job *j = arg;
	j->done++;
	j->ran = ran;
	j->done_on = pthread_self();
	if (j->finished && ++*j->finished == 3)
		tf_loop_stop(j->loop);
}

static void give_up(tf_loop *l, void *ud) { tf_loop_stop(l); }

static void *open_gate_later(void *arg)
{
	usleep(100000);
	if (write(*(int *)arg, "x", 1) != 1)
		perror("gate");
	return NULL;
}

TF_TEST(web_pool_runs_off_the_loop_with_a_bounded_queue)
{
	char path[64], why[256];
	snprintf(path, sizeof path, "/tmp/tickflow-pool-%d.db", (int)getpid());
	char url[80];
	snprintf(url, sizeof url, "sqlite:%s", path);
	tf_store *st = NULL;
	TF_CHECK_EQ_INT(tf_store_open(url, &st, why, sizeof why), TF_OK); /* the file and schema */
	tf_store_close(st);
	tf_loop *l = NULL;
	TF_CHECK_EQ_INT(tf_loop_new(&l), TF_OK);
	tf_web_pool *p = NULL;
	TF_CHECK_EQ_INT(tf_web_pool_new(l, url, 1, 2, &p, why, sizeof why), TF_OK);
	int gate[2];
	TF_CHECK_EQ_INT(pipe(gate), 0);
	int finished = 0;
	job busy = {gate[0], 0, 0, TF_ERR_IO, 0, 0, l, &finished};
	job a = {-1, 0, 0, TF_ERR_IO, 0, 0, l, &finished}, b = a, over = a;
	TF_CHECK_EQ_INT(tf_web_pool_submit(p, run, done, &busy), TF_OK);
	for (int i = 0; i < 5000 && tf_web_pool_queued(p); i++) /* the thread takes it, waits at the gate */
		usleep(1000);
	TF_CHECK_EQ_INT(tf_web_pool_submit(p, run, done, &a), TF_OK);
	TF_CHECK_EQ_INT(tf_web_pool_submit(p, run, done, &b), TF_OK);
	TF_CHECK_EQ_INT(tf_web_pool_submit(p, run, done, &over), TF_ERR_TOO_BIG); /* 2 waiting: full */
	TF_CHECK_EQ_INT((int)tf_web_pool_queued(p), 2);
	TF_CHECK_EQ_INT((int)write(gate[1], "x", 1), 1);
	tf_timer t;
	tf_timer_init(&t);
	tf_timer_start(l, &t, 10000, give_up, NULL);
	tf_loop_run(l);
	tf_timer_stop(l, &t);
	TF_CHECK_EQ_INT(finished, 3);
	TF_CHECK(busy.done == 1 && a.done == 1 && b.done == 1 && over.done == 0);
	TF_CHECK(busy.ran && a.ran && b.ran);
	TF_CHECK_EQ_INT(a.ping, TF_OK);
	TF_CHECK(pthread_equal(a.done_on, pthread_self()));  /* handed back on the loop thread */
	TF_CHECK(!pthread_equal(a.ran_on, pthread_self())); /* run on the pool's thread */
	/* freeing with a job still waiting: the running one finishes (its gate opens 100 ms after the
	 * free began), the waiting one comes back without having run */
	job held = {gate[0], 0, 0, TF_ERR_IO, 0, 0, l, NULL}, never = {-1, 0, 0, TF_ERR_IO, 0, 0, l, NULL};
	TF_CHECK_EQ_INT(tf_web_pool_submit(p, run, done, &held), TF_OK);
	for (int i = 0; i < 5000 && tf_web_pool_queued(p); i++)
		usleep(1000);
	TF_CHECK_EQ_INT(tf_web_pool_submit(p, run, done, &never), TF_OK);
	pthread_t opener;
	pthread_create(&opener, NULL, open_gate_later, &gate[1]);
	tf_web_pool_free(p);
	pthread_join(opener, NULL);
	close(gate[0]);
	close(gate[1]);
	TF_CHECK(held.done == 1 && never.done == 1 && !never.ran);
	tf_loop_free(l);
	unlink(path);
	char side[96];
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
}

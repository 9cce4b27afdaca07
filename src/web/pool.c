/* pool.c — query threads for serve (see pool.h). One mutex guards both lists; jobs are intrusive
 * nodes allocated here (a job node per submit, freed when handed back), so the queue bound is the
 * memory bound. Completion wakes the loop through an eventfd the loop watches (no allocation on
 * the way back, unlike tf_loop_post). */
#include "web/pool.h"

#include "base/run.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

typedef struct node {
	tf_web_job_run run;
	tf_web_job_done done;
	void *job;
	bool ran;
	struct node *next;
} node;

typedef struct {
	node *head, *tail;
	size_t n;
} list;

typedef struct {
	tf_web_pool *p;
	tf_query *q;
	pthread_t t;
	bool started;
} worker;

struct tf_web_pool {
	tf_loop *loop;
	int efd;
	tf_watch *w;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	list queue, completed;  /* under mu */
	bool stopping;          /* under mu */
	size_t max_queued;
	worker *workers;
	int nworkers;
};

static void push(list *l, node *n)
{
	n->next = NULL;
	if (l->tail)
		l->tail->next = n;
	else
		l->head = n;
	l->tail = n;
	l->n++;
}

static node *pop(list *l)
{
	node *n = l->head;
	if (n) {
		l->head = n->next;
		if (!l->head)
			l->tail = NULL;
		l->n--;
	}
	return n;
}

static void *thread_main(void *arg)
{
	tf_thread_name("tf-serve-pool");
	worker *w = arg;
	tf_web_pool *p = w->p;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stopping && !p->queue.head)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stopping)
			break;
		node *n = pop(&p->queue);
		pthread_mutex_unlock(&p->mu);
		n->run(w->q, n->job);
		n->ran = true;
		pthread_mutex_lock(&p->mu);
		push(&p->completed, n);
		uint64_t one = 1;
		if (write(p->efd, &one, sizeof one) < 0 && errno != EAGAIN) {
			/* cannot happen with a valid eventfd; the next completion retries the wake-up */
		}
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Hands every completed job back (loop thread). */
static void deliver(tf_web_pool *p)
{
	pthread_mutex_lock(&p->mu);
	list done = p->completed;
	p->completed = (list){0};
	pthread_mutex_unlock(&p->mu);
	for (node *n; (n = pop(&done));) {
		n->done(n->job, n->ran);
		free(n);
	}
}

static void on_wake(tf_loop *l, int fd, unsigned events, void *ud)
{
	uint64_t v;
	while (read(fd, &v, sizeof v) == (ssize_t)sizeof v)
		;
	deliver(ud);
}

tf_err tf_web_pool_submit(tf_web_pool *p, tf_web_job_run run, tf_web_job_done done, void *job)
{
	node *n = malloc(sizeof *n);
	if (!n)
		return TF_ERR_NOMEM;
	*n = (node){run, done, job, false, NULL};
	pthread_mutex_lock(&p->mu);
	bool full = p->queue.n >= p->max_queued;
	if (!full) {
		push(&p->queue, n);
		pthread_cond_signal(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	if (full)
		free(n);
	return full ? TF_ERR_TOO_BIG : TF_OK;
}

size_t tf_web_pool_queued(tf_web_pool *p)
{
	pthread_mutex_lock(&p->mu);
	size_t n = p->queue.n;
	pthread_mutex_unlock(&p->mu);
	return n;
}

void tf_web_pool_free(tf_web_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nworkers; i++)
		if (p->workers[i].started)
			pthread_join(p->workers[i].t, NULL);
	/* no thread runs now: hand back what completed, then what never ran */
	deliver(p);
	for (node *n; (n = pop(&p->queue));) {
		n->done(n->job, false);
		free(n);
	}
	for (int i = 0; i < p->nworkers; i++)
		tf_query_close(p->workers[i].q);
	if (p->w)
		tf_loop_unwatch(p->loop, p->w);
	if (p->efd >= 0)
		close(p->efd);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->workers);
	free(p);
}

tf_err tf_web_pool_new(tf_loop *l, const char *store_url, int threads, size_t max_queued, tf_web_pool **out,
		       char *why, size_t why_cap)
{
	*out = NULL;
	tf_web_pool *p = calloc(1, sizeof *p);
	if (!p || !(p->workers = calloc((size_t)(threads > 0 ? threads : 1), sizeof *p->workers))) {
		free(p);
		return TF_ERR_NOMEM;
	}
	p->loop = l;
	p->max_queued = max_queued;
	p->nworkers = threads > 0 ? threads : 1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	tf_err err = TF_OK;
	p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->efd < 0 || tf_loop_watch(l, p->efd, TF_LOOP_READ, on_wake, p, &p->w) != TF_OK) {
		snprintf(why, why_cap, "cannot create the query pool's wake-up");
		err = TF_ERR_IO;
		goto fail;
	}
	for (int i = 0; i < p->nworkers; i++)
		if ((err = tf_query_open(store_url, &p->workers[i].q, why, why_cap)))
			goto fail;
	for (int i = 0; i < p->nworkers; i++) {
		p->workers[i].p = p;
		if (pthread_create(&p->workers[i].t, NULL, thread_main, &p->workers[i])) {
			snprintf(why, why_cap, "cannot start a query thread");
			err = TF_ERR_IO;
			goto fail;
		}
		p->workers[i].started = true;
	}
	*out = p;
	return TF_OK;
fail:
	tf_web_pool_free(p);
	return err;
}

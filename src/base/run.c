/* run.c — see run.h. */
#include "base/run.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/log.h"

/* The run of a command that owns the process: its signals stop it. */
static tf_run g_process = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.name = NULL,
};
static _Thread_local tf_run *t_run;

void tf_run_init(tf_run *r, const char *name)
{
	memset(r, 0, sizeof *r);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cond, NULL);
	r->supervised = true;
	r->name = name;
}

void tf_run_destroy(tf_run *r)
{
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->mu);
}

void tf_run_bind(tf_run *r)
{
	t_run = r;
	tf_log_set_thread_component(r ? r->name : NULL);
}

tf_run *tf_run_self(void) { return t_run ? t_run : &g_process; }

void tf_run_on_stop(void (*wake)(void *arg), void *arg)
{
	tf_run *r = tf_run_self();
	pthread_mutex_lock(&r->mu);
	/* Cleared first and set last: a signal handler running in between sees no wake-up, or a whole one. */
	r->wake = NULL;
	r->wake_arg = arg;
	r->wake = wake;
	if (wake && r->stop)
		wake(arg);
	pthread_mutex_unlock(&r->mu);
}

static void on_signal(int sig)
{
	(void)sig;
	g_process.stop = 1;
	void (*wake)(void *) = g_process.wake;
	if (wake)
		wake(g_process.wake_arg);
}

void tf_run_signals(void)
{
	if (tf_run_self()->supervised)
		return;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

const volatile sig_atomic_t *tf_run_stop_flag(void) { return &tf_run_self()->stop; }

bool tf_run_stopping(void) { return tf_run_self()->stop != 0; }

void tf_run_ready(void)
{
	tf_run *r = tf_run_self();
	pthread_mutex_lock(&r->mu);
	r->ready = true;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->mu);
}

void tf_run_request_stop(tf_run *r)
{
	pthread_mutex_lock(&r->mu);
	r->stop = 1;
	if (r->wake)
		r->wake(r->wake_arg);
	pthread_mutex_unlock(&r->mu);
}

void tf_run_mark_done(tf_run *r)
{
	pthread_mutex_lock(&r->mu);
	r->done = true;
	r->wake = NULL;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->mu);
}

/* Waits on r->cond until pred(r) or the deadline; returns pred(r). */
static bool wait_for(tf_run *r, int timeout_ms, bool want_ready)
{
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->mu);
	int rc = 0;
	while (!r->done && !(want_ready && r->ready) && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&r->cond, &r->mu, &dl);
	bool ok = want_ready ? r->ready && !r->done : r->done;
	pthread_mutex_unlock(&r->mu);
	return ok;
}

bool tf_run_wait_ready(tf_run *r, int timeout_ms, bool *done)
{
	bool ok = wait_for(r, timeout_ms, true);
	pthread_mutex_lock(&r->mu);
	*done = r->done;
	pthread_mutex_unlock(&r->mu);
	return ok;
}

bool tf_run_wait_done(tf_run *r, int timeout_ms) { return wait_for(r, timeout_ms, false); }

void tf_thread_name(const char *name)
{
	char n[16];
	snprintf(n, sizeof n, "%s", name);
	pthread_setname_np(pthread_self(), n);
}

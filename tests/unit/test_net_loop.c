/* test_net_loop.c — the event loop: timer order, cancellation, fd readiness, stop, post. */
#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>

#include "base/clock.h"
#include "net/loop.h"
#include "test.h"

static int fired[16], nfired;

static void record(tf_loop *l, void *ud)
{
	fired[nfired++] = (int)(intptr_t)ud;
}

TF_TEST(net_loop_timers_fire_in_deadline_order)
{
	int64_t start = tf_mono_ms();   /* before the loop caches its clock */
	tf_loop *l;
	TF_CHECK_EQ_INT(tf_loop_new(&l), TF_OK);
	static tf_timer t[6];
	nfired = 0;
	int64_t after[6] = { 30, 10, 20, 10, 5, 40 };
	for (int i = 0; i < 6; i++) {
		tf_timer_init(&t[i]);
		TF_CHECK_EQ_INT(tf_timer_start(l, &t[i], after[i], record, (void *)(intptr_t)i), TF_OK);
	}
	tf_timer_stop(l, &t[2]);                     /* cancelled: never fires */
	tf_timer_start(l, &t[5], 1, record, (void *)(intptr_t)5);   /* re-armed earlier */
	while (nfired < 5 && tf_mono_ms() - start < 2000)
		tf_loop_run_once(l, 100);
	bool all = nfired == 5;
	int64_t took = tf_mono_ms() - start;
	tf_loop_free(l);
	TF_CHECK(all);
	int want[5] = { 5, 4, 1, 3, 0 };   /* equal deadlines keep arming order */
	for (int i = 0; i < 5; i++)
		TF_CHECK_EQ_INT(fired[i], want[i]);
	TF_CHECK(!tf_timer_armed(&t[2]));
	TF_CHECK(took >= 30);
}

static void on_readable(tf_loop *l, int fd, unsigned ev, void *ud)
{
	char c;
	TF_CHECK(read(fd, &c, 1) == 1);
	*(char *)ud = c;
	tf_loop_stop(l);
}

TF_TEST(net_loop_watches_fds_and_stops)
{
	tf_loop *l;
	TF_CHECK_EQ_INT(tf_loop_new(&l), TF_OK);
	int p[2];
	TF_CHECK(pipe(p) == 0);
	char got = 0;
	tf_watch *w;
	TF_CHECK_EQ_INT(tf_loop_watch(l, p[0], TF_LOOP_READ, on_readable, &got, &w), TF_OK);
	TF_CHECK(write(p[1], "x", 1) == 1);
	TF_CHECK_EQ_INT(tf_loop_run(l), TF_OK);   /* returns because the callback stopped it */
	TF_CHECK_EQ_INT(got, 'x');
	tf_loop_unwatch(l, w);
	close(p[0]);
	close(p[1]);
	tf_loop_free(l);
}

static void *stop_later(void *arg)
{
	usleep(20000);
	tf_loop_post(arg, record, (void *)(intptr_t)7);
	usleep(20000);
	tf_loop_stop(arg);
	return NULL;
}

TF_TEST(net_loop_post_and_stop_from_another_thread)
{
	tf_loop *l;
	TF_CHECK_EQ_INT(tf_loop_new(&l), TF_OK);
	nfired = 0;
	pthread_t th;
	pthread_create(&th, NULL, stop_later, l);
	TF_CHECK_EQ_INT(tf_loop_run(l), TF_OK);
	pthread_join(th, NULL);
	TF_CHECK_EQ_INT(nfired, 1);
	TF_CHECK_EQ_INT(fired[0], 7);
	tf_loop_free(l);
}

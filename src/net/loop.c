/* loop.c — see loop.h. epoll for fds, a binary min-heap of caller-owned timers, an eventfd that
 * wakes epoll_wait for tf_loop_stop and tf_loop_post.
 *
 * Removing a watcher during dispatch: the watcher is marked dead and parked on a list that is freed
 * after the current batch of epoll events, so a later event in the same batch that points at it is
 * skipped instead of touching freed memory. */
#include "net/loop.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/clock.h"

#define MAX_EVENTS 256

struct tf_watch {
	int fd;
	unsigned events;
	bool dead;
	tf_loop_io_fn fn;
	void *ud;
	struct tf_watch *next_dead;
};

struct posted {
	tf_loop_fn fn;
	void *ud;
	struct posted *next;
};

struct tf_loop {
	int epfd;
	int wakefd;                   /* eventfd: stop and post */
	volatile sig_atomic_t stop;
	int64_t now_ms;
	tf_timer **heap;
	size_t nheap, capheap;
	uint64_t timer_seq;
	struct tf_watch *dead;        /* removed during dispatch, freed after the batch */
	pthread_mutex_t post_mu;
	struct posted *post_head, *post_tail;
};

tf_err tf_loop_new(tf_loop **out)
{
	*out = NULL;
	tf_loop *l = calloc(1, sizeof *l);
	if (!l)
		return TF_ERR_NOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->epfd < 0 || l->wakefd < 0)
		goto fail;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wakefd, &ev) != 0)
		goto fail;
	pthread_mutex_init(&l->post_mu, NULL);
	l->now_ms = tf_mono_ms();
	*out = l;
	return TF_OK;
fail:
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->wakefd >= 0)
		close(l->wakefd);
	free(l);
	return TF_ERR_IO;
}

static void free_dead(tf_loop *l)
{
	while (l->dead) {
		struct tf_watch *w = l->dead;
		l->dead = w->next_dead;
		free(w);
	}
}

void tf_loop_free(tf_loop *l)
{
	if (!l)
		return;
	free_dead(l);
	while (l->post_head) {
		struct posted *p = l->post_head;
		l->post_head = p->next;
		free(p);
	}
	pthread_mutex_destroy(&l->post_mu);
	free(l->heap);
	close(l->epfd);
	close(l->wakefd);
	free(l);
}

int64_t tf_loop_now_ms(const tf_loop *l)
{
	return l->now_ms;
}

void tf_loop_stop(tf_loop *l)
{
	int saved = errno;   /* async-signal-safe: only a flag and a write(2) */
	l->stop = 1;
	uint64_t one = 1;
	ssize_t r = write(l->wakefd, &one, sizeof one);
	(void)r;
	errno = saved;
}

/* ---- watchers ---- */

static uint32_t ep_events(unsigned events)
{
	return (events & TF_LOOP_READ ? EPOLLIN : 0) | (events & TF_LOOP_WRITE ? EPOLLOUT : 0);
}

tf_err tf_loop_watch(tf_loop *l, int fd, unsigned events, tf_loop_io_fn fn, void *ud, tf_watch **out)
{
	*out = NULL;
	tf_watch *w = calloc(1, sizeof *w);
	if (!w)
		return TF_ERR_NOMEM;
	w->fd = fd;
	w->events = events;
	w->fn = fn;
	w->ud = ud;
	struct epoll_event ev = { .events = ep_events(events), .data.ptr = w };
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		free(w);
		return TF_ERR_IO;
	}
	*out = w;
	return TF_OK;
}

tf_err tf_loop_watch_set(tf_loop *l, tf_watch *w, unsigned events)
{
	if (w->events == events)
		return TF_OK;
	struct epoll_event ev = { .events = ep_events(events), .data.ptr = w };
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, w->fd, &ev) != 0)
		return TF_ERR_IO;
	w->events = events;
	return TF_OK;
}

unsigned tf_loop_watch_events(const tf_watch *w)
{
	return w->events;
}

void tf_loop_unwatch(tf_loop *l, tf_watch *w)
{
	if (!w)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->dead = true;
	w->next_dead = l->dead;
	l->dead = w;
}

/* ---- timers: min-heap ordered by (due_ms, seq) ---- */

static bool timer_less(const tf_timer *a, const tf_timer *b)
{
	return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->seq < b->seq);
}

static void heap_set(tf_loop *l, size_t i, tf_timer *t)
{
	l->heap[i] = t;
	t->heap_idx = i;
}

static void heap_up(tf_loop *l, size_t i)
{
	tf_timer *t = l->heap[i];
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!timer_less(t, l->heap[p]))
			break;
		heap_set(l, i, l->heap[p]);
		i = p;
	}
	heap_set(l, i, t);
}

static void heap_down(tf_loop *l, size_t i)
{
	tf_timer *t = l->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && timer_less(l->heap[c + 1], l->heap[c]))
			c++;
		if (!timer_less(l->heap[c], t))
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

void tf_timer_init(tf_timer *t)
{
	memset(t, 0, sizeof *t);
	t->heap_idx = SIZE_MAX;
}

int tf_timer_armed(const tf_timer *t)
{
	/* A zero-initialised timer has heap_idx 0 but no fn: treat fn == NULL as never armed. */
	return t->fn != NULL && t->heap_idx != SIZE_MAX;
}

void tf_timer_stop(tf_loop *l, tf_timer *t)
{
	if (!tf_timer_armed(t))
		return;
	size_t i = t->heap_idx;
	t->heap_idx = SIZE_MAX;
	l->nheap--;
	if (i == l->nheap)
		return;
	tf_timer *moved = l->heap[l->nheap];
	heap_set(l, i, moved);
	heap_down(l, i);
	heap_up(l, moved->heap_idx);
}

tf_err tf_timer_start(tf_loop *l, tf_timer *t, int64_t after_ms, tf_loop_fn fn, void *ud)
{
	tf_timer_stop(l, t);
	if (l->nheap == l->capheap) {
		size_t cap = l->capheap ? l->capheap * 2 : 64;
		tf_timer **h = realloc(l->heap, cap * sizeof *h);
		if (!h)
			return TF_ERR_NOMEM;
		l->heap = h;
		l->capheap = cap;
	}
	t->due_ms = l->now_ms + (after_ms > 0 ? after_ms : 0);
	t->fn = fn;
	t->ud = ud;
	t->seq = l->timer_seq++;
	l->heap[l->nheap] = t;
	t->heap_idx = l->nheap++;
	heap_up(l, t->heap_idx);
	return TF_OK;
}

static void run_timers(tf_loop *l)
{
	/* Timers armed by a callback for "now" wait for the next iteration (seq guard), so a timer
	 * that re-arms itself with 0 ms cannot starve I/O. */
	uint64_t limit = l->timer_seq;
	while (l->nheap && l->heap[0]->due_ms <= l->now_ms && l->heap[0]->seq < limit && !l->stop) {
		tf_timer *t = l->heap[0];
		tf_timer_stop(l, t);
		t->fn(l, t->ud);
	}
}

/* ---- posted calls ---- */

tf_err tf_loop_post(tf_loop *l, tf_loop_fn fn, void *ud)
{
	struct posted *p = malloc(sizeof *p);
	if (!p)
		return TF_ERR_NOMEM;
	p->fn = fn;
	p->ud = ud;
	p->next = NULL;
	pthread_mutex_lock(&l->post_mu);
	if (l->post_tail)
		l->post_tail->next = p;
	else
		l->post_head = p;
	l->post_tail = p;
	pthread_mutex_unlock(&l->post_mu);
	uint64_t one = 1;
	ssize_t r = write(l->wakefd, &one, sizeof one);
	(void)r;
	return TF_OK;
}

static void run_posted(tf_loop *l)
{
	pthread_mutex_lock(&l->post_mu);
	struct posted *p = l->post_head;
	l->post_head = l->post_tail = NULL;
	pthread_mutex_unlock(&l->post_mu);
	while (p) {
		struct posted *next = p->next;
		p->fn(l, p->ud);
		free(p);
		p = next;
	}
}

/* ---- the loop ---- */

static int wait_ms(const tf_loop *l, int timeout_ms)
{
	if (!l->nheap)
		return timeout_ms;
	int64_t d = l->heap[0]->due_ms - l->now_ms;
	if (d < 0)
		d = 0;
	if (timeout_ms >= 0 && d > timeout_ms)
		d = timeout_ms;
	return d > 1000000 ? 1000000 : (int)d;
}

tf_err tf_loop_run_once(tf_loop *l, int timeout_ms)
{
	if (l->stop)
		return TF_ERR_STOPPED;
	struct epoll_event evs[MAX_EVENTS];
	int n = epoll_wait(l->epfd, evs, MAX_EVENTS, wait_ms(l, timeout_ms));
	if (n < 0 && errno != EINTR)
		return TF_ERR_IO;
	l->now_ms = tf_mono_ms();
	for (int i = 0; i < n; i++) {
		tf_watch *w = evs[i].data.ptr;
		if (!w) {
			uint64_t v;
			ssize_t r = read(l->wakefd, &v, sizeof v);
			(void)r;
			run_posted(l);
			continue;
		}
		if (w->dead)
			continue;
		uint32_t e = evs[i].events;
		unsigned ev = (e & EPOLLIN ? TF_LOOP_READ : 0) | (e & EPOLLOUT ? TF_LOOP_WRITE : 0);
		if (e & (EPOLLERR | EPOLLHUP))
			ev = TF_LOOP_READ | TF_LOOP_WRITE;
		w->fn(l, w->fd, ev, w->ud);
	}
	free_dead(l);
	run_timers(l);
	free_dead(l);
	return l->stop ? TF_ERR_STOPPED : TF_OK;
}

tf_err tf_loop_run(tf_loop *l)
{
	tf_err err;
	while ((err = tf_loop_run_once(l, -1)) == TF_OK)
		;
	l->stop = 0;
	return err == TF_ERR_STOPPED ? TF_OK : err;
}

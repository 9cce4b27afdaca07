/* loop.h — a small single-threaded epoll event loop: fd watchers, timers, a stop flag.
 *
 * THREADING: every function here must be called on the loop's own thread, except tf_loop_stop()
 * (also async-signal-safe, so a SIGINT/SIGTERM handler may call it) and tf_loop_post() (any thread).
 * Callbacks run on the loop thread, one at a time; a callback may add or remove any watcher or timer,
 * including its own (removal is deferred internally, so no callback ever sees a freed watcher).
 *
 * Time is CLOCK_MONOTONIC in milliseconds, cached once per iteration (tf_loop_now_ms). */
#ifndef TF_NET_LOOP_H
#define TF_NET_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct tf_loop tf_loop;
typedef struct tf_watch tf_watch;

enum { TF_LOOP_READ = 1u, TF_LOOP_WRITE = 2u };

/* events: TF_LOOP_READ and/or TF_LOOP_WRITE; hang-up and errors are reported as READ|WRITE so the
 * next read or write sees them. */
typedef void (*tf_loop_io_fn)(tf_loop *l, int fd, unsigned events, void *ud);
typedef void (*tf_loop_fn)(tf_loop *l, void *ud);

/* A timer is owned by the caller (embed it in your struct; zero-initialise it, or call
 * tf_timer_init). Its fields are private to loop.c. */
typedef struct tf_timer {
	int64_t due_ms;
	size_t heap_idx;   /* position in the loop's min-heap; SIZE_MAX when not armed */
	tf_loop_fn fn;
	void *ud;
	uint64_t seq;      /* FIFO order among timers due at the same ms */
} tf_timer;

/* Fails with TF_ERR_IO (epoll/eventfd) or TF_ERR_NOMEM. */
tf_err tf_loop_new(tf_loop **out);
/* Frees the loop. Watchers and armed timers must already have been removed by their owners;
 * posted calls not yet run are dropped. NULL is ok. */
void tf_loop_free(tf_loop *l);

/* Runs until tf_loop_stop(); returns TF_OK then (the stop flag is cleared on return), or TF_ERR_IO
 * if epoll_wait fails. */
tf_err tf_loop_run(tf_loop *l);
/* One iteration: waits at most timeout_ms (-1 = until an event or timer, 0 = poll), dispatches
 * what is ready. Returns TF_ERR_STOPPED once tf_loop_stop() was called (flag left set). */
tf_err tf_loop_run_once(tf_loop *l, int timeout_ms);
/* Asks tf_loop_run to return soon. Async-signal-safe and thread-safe. */
void tf_loop_stop(tf_loop *l);
int64_t tf_loop_now_ms(const tf_loop *l);

/* Watches fd (not owned: closing it stays the caller's job, after tf_loop_unwatch). */
tf_err tf_loop_watch(tf_loop *l, int fd, unsigned events, tf_loop_io_fn fn, void *ud, tf_watch **out);
/* Changes the interest set (0 = none, the watcher stays registered). */
tf_err tf_loop_watch_set(tf_loop *l, tf_watch *w, unsigned events);
unsigned tf_loop_watch_events(const tf_watch *w);
/* Unregisters and frees w; no callback for it runs afterwards. NULL is ok. */
void tf_loop_unwatch(tf_loop *l, tf_watch *w);

void tf_timer_init(tf_timer *t);
/* (Re)arms t to fire once, after_ms from now (tf_loop_now_ms). To repeat, re-arm in fn. */
tf_err tf_timer_start(tf_loop *l, tf_timer *t, int64_t after_ms, tf_loop_fn fn, void *ud);
void tf_timer_stop(tf_loop *l, tf_timer *t);    /* no-op when not armed */
int tf_timer_armed(const tf_timer *t);

/* Runs fn(l, ud) on the loop thread soon (FIFO). Callable from any thread; TF_ERR_NOMEM. */
tf_err tf_loop_post(tf_loop *l, tf_loop_fn fn, void *ud);

#endif

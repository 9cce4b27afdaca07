/* run.h — how a long-running command is told to stop, and how it says it is ready.
 *
 * Alone, a command is stopped by SIGINT/SIGTERM. Inside `tickflow up` every command runs on its own
 * thread, the signals go to up, and up stops the commands one at a time in its own order (ingest
 * first, the broker last) so that what is in flight is flushed and committed. Both cases go through
 * this interface, so a command has one code path:
 *
 *   tf_run_on_stop(wake, loop)   where it used to keep a loop pointer for its signal handler
 *   tf_run_signals()             where it used to install SIGINT/SIGTERM handlers (no-op under up)
 *   tf_run_stopping()            where it used to read its own "stop" flag
 *   tf_run_ready()               once it serves (listening, subscribed): up starts the next command
 *
 * A tf_run belongs to one command invocation. Threads a command starts itself do not inherit the
 * binding; they use flags the command passes them (tf_run_stop_flag). */
#ifndef TF_BASE_RUN_H
#define TF_BASE_RUN_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

typedef struct tf_run {
	volatile sig_atomic_t stop;  /* set once, never cleared; read by polling loops */
	void (*wake)(void *arg);     /* async-signal-safe: ends a blocking wait (tf_loop_stop) */
	void *wake_arg;
	pthread_mutex_t mu;          /* orders wake registration against tf_run_request_stop */
	pthread_cond_t cond;         /* ready or done changed */
	bool ready, done;
	bool supervised;             /* signals belong to the supervisor (`tickflow up`) */
	const char *name;            /* the component, for log lines ("broker") */
} tf_run;

/* Initialises r for a supervised command named name (static string). */
void tf_run_init(tf_run *r, const char *name);
void tf_run_destroy(tf_run *r);

/* Binds r to the calling thread: the command it runs next uses r. */
void tf_run_bind(tf_run *r);

/* The calling thread's run: its bound one, else the process-wide one signals control. */
tf_run *tf_run_self(void);

/* Registers (or with NULL clears) the wake-up of the calling command. When a stop was already
 * requested, wake is called at once. Clear it before the object behind arg is freed. */
void tf_run_on_stop(void (*wake)(void *arg), void *arg);

/* Unsupervised: SIGINT/SIGTERM request a stop of the process-wide run; SIGPIPE is ignored.
 * Handlers are installed without SA_RESTART, so blocking calls return early with EINTR. */
void tf_run_signals(void);

/* The flag polling loops read; stays valid while the command runs. */
const volatile sig_atomic_t *tf_run_stop_flag(void);
bool tf_run_stopping(void);

/* The command serves now. */
void tf_run_ready(void);

/* Supervisor side: requests a stop (sets the flag, calls the wake-up), marks the end of the command,
 * and waits for ready-or-done with a timeout. tf_run_wait returns true when ready, false when the
 * command ended or the time ran out (*done tells which). */
void tf_run_request_stop(tf_run *r);
void tf_run_mark_done(tf_run *r);
bool tf_run_wait_ready(tf_run *r, int timeout_ms, bool *done);
bool tf_run_wait_done(tf_run *r, int timeout_ms);

/* Names the calling thread (at most 15 bytes are kept), so that `top -H`, perf and gdb tell the
 * stream's workers from its committers and, under `tickflow up`, one command from another. */
void tf_thread_name(const char *name);

#endif

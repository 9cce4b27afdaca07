/* pool.h — store queries off the event loop: a few threads, each with its own read connection to
 * the store (query.h), run jobs from a bounded queue and hand them back to the loop thread.
 *
 * Why: serve has one loop thread for every HTTP request and SSE client. A query that takes 0.1-0.5 s
 * (/api/top over a large store, the hub's poll of 5m/1h candles) used to run on that thread, and
 * no SSE event left while it ran. Now the loop only validates, queues and writes.
 *
 * Job life:  submit (loop) --queue full--> TF_ERR_TOO_BIG (caller answers 503; nothing queued)
 *              |
 *              v
 *            queued --a thread takes it--> run(q, job) on that thread
 *                                            |
 *                                            v
 *            done(job, true) on the loop <-- completed list + eventfd wake-up
 *            (at tf_web_pool_free: queued jobs get done(job, false) without running)
 *
 * Memory: at most max_queued jobs wait, plus one running per thread; the job's memory is the
 * caller's, handed back in done. THREADING: submit/free on the loop thread; run on a pool thread
 * (it may touch only the job and q); done on the loop thread. */
#ifndef TF_WEB_POOL_H
#define TF_WEB_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "net/loop.h"
#include "store/query.h"

typedef struct tf_web_pool tf_web_pool;

typedef void (*tf_web_job_run)(tf_query *q, void *job);
typedef void (*tf_web_job_done)(void *job, bool ran);

/* Opens `threads` connections to store_url (each thread's own) and starts the threads on loop l.
 * Errors of tf_query_open (why says which), TF_ERR_NOMEM, TF_ERR_IO (eventfd, threads). */
tf_err tf_web_pool_new(tf_loop *l, const char *store_url, int threads, size_t max_queued, tf_web_pool **out,
		       char *why, size_t why_cap);

/* Queues job; TF_ERR_TOO_BIG when max_queued jobs are waiting already (the job stays the caller's). */
tf_err tf_web_pool_submit(tf_web_pool *p, tf_web_job_run run, tf_web_job_done done, void *job);

/* Jobs waiting to run (for /metrics). */
size_t tf_web_pool_queued(tf_web_pool *p);

/* Lets running jobs finish, joins the threads, calls done(job, ran) for every job not yet handed
 * back (ran false for those that never ran), closes the connections and frees. NULL is ok. */
void tf_web_pool_free(tf_web_pool *p);

#endif

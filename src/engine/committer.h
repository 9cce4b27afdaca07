/* committer.h — the thread that writes a stream worker's filled store batches, so that the worker
 * goes on consuming, merging and publishing the live bus while the store commits.
 *
 * Why: a commit takes the store for tens to hundreds of milliseconds (SQLite: the one writer lock,
 * shared by the workers; PostgreSQL: a round trip per table and the server's work). Done inline, the
 * worker stopped for that long: ticks waited in the queue (tick-to-browser latency), and the engine
 * and the store took turns instead of overlapping on two cores.
 *
 * The worker fills a batch into one of its two store connections (tf_store_begin + puts: memory
 * only), marks its engines drained, and submits it; the committer commits it while the worker
 * fills the other connection. One job at a time, in order: tf_committer_submit first waits for the
 * previous job to be done. Exactly-once holds as before: each transaction holds results, state and
 * offsets of one cut of the input; a crash loses at most uncommitted batches, which the restart
 * recomputes from the stored offsets.
 *
 *   idle --submit--> busy --tf_store_commit ok--> idle (offsets stored in librdkafka, InfluxDB
 *                     |  ^                             batch sent, retention run)
 *                     |  +-- fails: log once, back off (100 ms .. 5 s), the same batch again
 *                     +-- fails while stopping, 4th time: abandoned (the log keeps the records)
 */
#ifndef TF_ENGINE_COMMITTER_H
#define TF_ENGINE_COMMITTER_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/worker.h"
#include "store/influx.h"
#include "store/store.h"

typedef struct {
	tf_store *store;                          /* a filled batch; the committer's until the job is done */
	rd_kafka_topic_partition_list_t *offsets; /* stored in librdkafka after the commit (lag monitoring); the
						     committer destroys it */
	tf_influx_batch *influx;                  /* sent after the commit (NULL = none) */
	int64_t delete_before_ms;                 /* > 0: retention, ticks before this are deleted after the commit */
} tf_commit_job;

typedef struct tf_committer tf_committer;

/* Starts the thread. rk: the consumer whose offsets are stored; stats: the worker's (store_down,
 * committing, commits, last_record_mono_ms are updated here). TF_ERR_NOMEM or TF_ERR_IO. */
tf_err tf_committer_start(rd_kafka_t *rk, tf_worker_stats *stats, tf_committer **out);

/* Waits until the previous job is done, then hands job over and returns at once. False when the
 * previous job was abandoned (stopping while the store is down); job is then not taken. */
bool tf_committer_submit(tf_committer *c, const tf_commit_job *job);

/* True while a job is in flight (a submit now would wait for it). */
bool tf_committer_busy(tf_committer *c);

/* Waits until no job is in flight. False when the last one was abandoned. */
bool tf_committer_wait(tf_committer *c);

/* From now on a job that fails a few times is abandoned instead of retried for ever. */
void tf_committer_stopping(tf_committer *c);

/* Waits for the job in flight, stops and joins the thread, frees c (NULL is fine). */
void tf_committer_stop(tf_committer *c);

#endif

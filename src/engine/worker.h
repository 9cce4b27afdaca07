/* worker.h — the threads of `tickflow stream`: each owns some partitions (their engines and
 * two store connections used in turn), consumes their messages from its own librdkafka queue, and commits
 * results + state + next offsets in one store transaction, written by its committer thread
 * (committer.h) while it goes on.
 *
 * Partition life inside a worker (requests come from the consumer thread's rebalance callback):
 *
 *   (not owned) --tf_worker_adopt--> OWNED --message--> OWNED (pending)
 *        ^                             |  ^                   |
 *        |                             |  +---- commit -------+
 *        +------ tf_worker_release ----+   (release commits first, then forgets the engine)
 *
 * Every publish_interval (not at the commit) the changed candles of the smallest interval and the
 * new alerts are published as JSON to the live-bus topics (key = symbol) for `serve`, coalesced to
 * the latest state of each candle (livebus.h). Publishing ahead of the commit is safe because the
 * engine is deterministic: after a crash the replay from the committed offsets recomputes the same
 * states, so the bus may repeat a state but never shows one the store contradicts.
 *
 * Messages of partitions a worker does not own, or below the partition's next offset
 * (re-deliveries after a reassignment), are dropped: the store decides where we are. */
#ifndef TF_ENGINE_WORKER_H
#define TF_ENGINE_WORKER_H

#include <librdkafka/rdkafka.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/engine.h"
#include "engine/watch.h"
#include "store/influx.h"
#include "store/store.h"

typedef struct {
	const char *store_url, *group, *topic, *dlq_topic;
	const char *candles_topic;  /* live bus: changed candles of the smallest interval ("" = off) */
	const char *alerts_topic;   /* live bus: new alerts ("" = off) */
	tf_engine_cfg engine;
	int64_t commit_interval_ms; /* commit at least this often while records flow */
	int64_t publish_interval_ms; /* live bus: publish changes at most this often (0 = after every batch taken) */
	int64_t publish_rate;        /* live bus: messages per second this worker may send on average (0 = no cap) */
	int64_t batch_max;          /* and at most this many records per transaction */
	int64_t retention_ms;       /* ticks older than max event time - this are deleted (0 = keep) */
	bool store_ticks;           /* every tick also in table ticks (false: the topic's log keeps them) */
	tf_influx *influx;          /* optional InfluxDB sink, shared by the workers (NULL = off) */
	tf_watch *watch;            /* the symbols dashboards show: published at every change (NULL = off) */
} tf_worker_cfg;

typedef struct {
	atomic_llong records, late, dlq, commits, last_record_mono_ms;
	atomic_int store_down, committing;
} tf_worker_stats;

typedef struct tf_worker tf_worker;

/* Starts a worker thread with its two store connections, its committer thread and consumer queue. rk is the consumer,
 * producer the DLQ producer (both outlive the worker). TF_ERR_* with why filled on failure. */
tf_err tf_worker_start(const tf_worker_cfg *cfg, rd_kafka_t *rk, rd_kafka_t *producer, tf_worker_stats *stats,
		       tf_worker **out, char *why, size_t why_cap);

/* The worker's queue: the consumer thread forwards assigned partitions' queues to it. */
rd_kafka_queue_t *tf_worker_queue(tf_worker *w);

/* Hands partition p with its restored engine (ownership passes), next offset and stored counters
 * (copied) to the worker; waits until the worker has taken it. */
void tf_worker_adopt(tf_worker *w, int32_t partition, tf_engine *e, int64_t next_offset, const tf_stream_counts *counts);

/* Asks the worker to commit everything pending and forget all its partitions; waits for it. */
void tf_worker_release_all(tf_worker *w);

/* Commits, stops and joins the thread, frees everything. */
void tf_worker_stop(tf_worker *w);

#endif

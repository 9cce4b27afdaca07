/* livebus.h — the live bus of `tickflow stream`: the changed candles of the smallest interval and the
 * new alerts, published as JSON (row_json.h shape, key = symbol) to the bus topics that `serve` pushes
 * to browsers, every --publish-interval instead of after each store commit.
 *
 * Why publishing before the commit is safe: the engine is deterministic. After a crash the worker
 * restores the last committed checkpoint and replays the log from the committed offsets, so it
 * computes exactly the candle states it had published, in the same order; the bus may repeat a state
 * (it is at-least-once), it never shows one the store will contradict.
 *
 * Coalescing: each publish takes the engine's live view (tf_engine_drain_live_part: what changed since
 * the symbol last went out, not since the commit) and sends each changed candle's latest state once,
 * whatever the tick rate in between, after the new finals and alerts. A symbol is forgotten once its
 * candles were queued; a message the producer cannot queue (queue full) stops the publish, and the
 * next one sends that symbol again, so a state may repeat (the bus is at-least-once) but is not lost
 * while the engine holds it.
 *
 *   tick -> engine (live-dirty) --publish--> bus --queued--> forgotten by the live view
 *             (commit-dirty) --commit--> store   (publish_before_commit first)
 *
 * Thread safety: one tf_livebus per worker thread; the producer is shared (librdkafka is thread safe). */
#ifndef TF_ENGINE_LIVEBUS_H
#define TF_ENGINE_LIVEBUS_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

typedef struct {
	const char *candles_topic; /* "" = no candles */
	const char *alerts_topic;  /* "" = no alerts */
	int64_t interval_ms;       /* candles of this interval (the smallest) are published */
} tf_livebus_cfg;

typedef struct {
	int64_t candles, alerts; /* messages queued to the producer */
	int64_t dropped;         /* not queued (producer queue full); retried at the next publish */
} tf_livebus_counts;

typedef struct tf_livebus tf_livebus;

/* Creates a publisher on producer (not owned; must outlive it). cfg's strings must outlive it too.
 * TF_ERR_NOMEM. Free with tf_livebus_free. */
tf_err tf_livebus_new(const tf_livebus_cfg *cfg, rd_kafka_t *producer, tf_livebus **out);
void tf_livebus_free(tf_livebus *b);

/* True when there is a topic to publish to. */
bool tf_livebus_enabled(const tf_livebus *b);

/* Publishes the finals and alerts not published yet and the changed candles of at most max_symbols
 * symbols (engine.h tf_engine_drain_live_part; *done once nothing changed is left). Returns false
 * when something could not be queued (the producer's queue is full): publish again later.
 * tf_livebus_publish: every part at once. */
bool tf_livebus_publish_part(tf_livebus *b, tf_engine *e, size_t max_symbols, bool *done);
bool tf_livebus_publish(tf_livebus *b, tf_engine *e);

/* The same for the n symbols given (the watched ones, engine.h tf_engine_drain_live_some),
 * plus every final candle and alert not published yet; the other symbols' changes stay for
 * tf_livebus_publish. */
bool tf_livebus_publish_some(tf_livebus *b, tf_engine *e, const char (*symbols)[TF_SYMBOL_MAX], size_t n);

/* Counters since creation. */
void tf_livebus_counts_get(const tf_livebus *b, tf_livebus_counts *out);

#endif

/* bus.h — serve's live bus: the topics `tickflow stream` publishes after each store commit
 * (candles.1m: every changed candle of the smallest interval; alerts: every new alert), read by a
 * librdkafka consumer on a thread of its own and handed to the hub on the loop thread.
 *
 * No consumer group: every serve process must see every message (M dashboards behind one stream),
 * so the consumer assigns itself all partitions of the topics, positioned at their end offsets
 * (queried explicitly, so "live" means: everything committed from here on arrives). An alerts
 * topic that does not exist yet is picked up, from its beginning, once it appears.
 *
 * Every message is outside input: at most TF_ROW_JSON_MAX bytes, parsed and validated with
 * store/row_json.h; a bad one is counted and reported at most once per 10 s, never forwarded.
 *
 * States (consumer thread), reported to the sink in order with the messages:
 *
 *   CONNECTING ──(metadata + end offsets + assign)──> LIVE ──(all brokers down)──> DOWN
 *       │ └─ fails: "cannot reach ..." logged once,      ^                           │
 *       │    retried every second                         └──(broker answers again)──┘
 *   sink.state(live=true) on entering LIVE, (live=false) on entering DOWN; a message arriving
 *   while DOWN also means the broker is back.
 *
 * Hand-off: the thread appends to a bounded queue (TF_WEB_BUS_QUEUE items) and posts one drain to
 * the loop (tf_loop_post) when the queue becomes non-empty; a full queue drops messages, counts
 * them, and tells the sink (gap) so the hub can read the store once instead.
 * THREADING: start/stop/counters on the loop thread; sink callbacks run on the loop thread. */
#ifndef TF_WEB_BUS_H
#define TF_WEB_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/watch.h"
#include "net/loop.h"
#include "store/query.h"

#define TF_WEB_BUS_QUEUE 16384

typedef struct tf_web_bus tf_web_bus;

typedef struct {
	void (*state)(void *ud, bool live);
	void (*candle)(void *ud, const tf_q_candle *c);
	void (*alert)(void *ud, const tf_q_alert *a);
	void (*gap)(void *ud);  /* messages were dropped (queue full): read the store once */
	void *ud;
} tf_web_bus_sink;

typedef struct {
	const char *brokers;       /* bootstrap servers, HOST:PORT[,...] */
	const char *candles_topic; /* "candles.1m" */
	const char *alerts_topic;  /* "alerts"; "" = none */
	const char *log_name;      /* component name for the thread's log lines ("serve") */
	const char *watch_topic;   /* where the symbols the pages show go (engine/watch.h); NULL or "" = off */
} tf_web_bus_cfg;

typedef struct {
	int64_t messages, rejected, dropped, reconnects;
} tf_web_bus_counters;

/* Creates the consumer and starts its thread; cfg strings must outlive the bus. Fails only when
 * librdkafka rejects the configuration (TF_ERR_USAGE) or a thread cannot start (TF_ERR_IO); an
 * unreachable broker is not an error (the bus stays CONNECTING and says so). why gets one line. */
tf_err tf_web_bus_start(tf_loop *l, const tf_web_bus_cfg *cfg, const tf_web_bus_sink *sink, tf_web_bus **out,
			char *why, size_t why_cap);
/* Stops the thread, closes the consumer and frees everything. Call once the loop no longer runs
 * (a drain posted but not run yet is dropped by tf_loop_free, never run against a freed bus). */
void tf_web_bus_stop(tf_web_bus *b);

void tf_web_bus_counters_get(tf_web_bus *b, tf_web_bus_counters *out);

/* The symbols the pages show now (their SSE ?candles= lists), for the stream to publish at every
 * change (web/watch_pub.h); nothing without a watch topic. */
void tf_web_bus_watch(tf_web_bus *b, const tf_watch_list *l);

#endif

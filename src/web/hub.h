/* hub.h — the live bus towards browsers: Server-Sent Events at /api/stream.
 *
 * Sources of events: the engine runs in another process (`tickflow stream`). With `serve --brokers`
 * the live bus (web/bus.h) pushes what the stream commits: changed candles of its smallest interval
 * and new alerts, each the moment it arrives. Whatever the bus does not carry, or while it is down,
 * the hub polls the store for (every poll_ms): the current and previous candle of each interval
 * (compared with the previous poll by updates count and final flag) and new alerts. Every second it
 * also reads pipeline statistics from the store (a `stats` event): ticks arriving, and the stream's
 * committed record/late/DLQ counters per partition (also on /metrics). Each change becomes one event with
 * a sequence number, kept in a ring of the last TF_HUB_RING events.
 *
 * Bus and polling (per interval; alerts alike):
 *   polled ──(bus live and a bus candle of this interval arrived)──> pushed by the bus
 *   pushed ──(bus down | bus silent 5 s while ticks reach the store)──> polled
 *   bus (re)connects or dropped messages ──> one full poll (catch-up), then as above
 * Events seen both ways are sent twice at worst (the page upserts), never lost.
 *
 * Clients: GET /api/stream[?symbols=A,B][&candles=C,D] — events of those symbols (plus global ones),
 * and of the candle events (candle, candle_closed) only those of C, D (the page: the symbols on screen),
 *   id: <boot>-<seq>\nevent: candle|candle_closed|alert|stats\ndata: <json>\n\n
 * A ": hb" comment every heartbeat_ms keeps proxies and the browser's connection alive. A client
 * reconnecting with Last-Event-ID gets the events it missed from the ring; when they are gone (or
 * the id is from an earlier serve process) it gets one `reset` event and reloads its data. A client
 * with more than max_queued bytes unsent is dropped (it reconnects and resumes).
 * THREADING: loop thread only (the store queries run on the hub's query thread, see hub.c). */
#ifndef TF_WEB_HUB_H
#define TF_WEB_HUB_H

#include <stdint.h>

#include "net/http_server.h"
#include "net/loop.h"
#include "store/query.h"
#include "web/bus.h"
#include "web/metrics.h"
#include "web/pool.h"

#define TF_HUB_RING 8192
#define TF_HUB_MAX_CLIENTS 4096

typedef struct tf_web_hub tf_web_hub;

typedef struct {
	int64_t poll_ms;      /* store change poll period; 0 = 250 */
	int64_t heartbeat_ms; /* 0 = 15000 */
	size_t max_queued;    /* 0 = 4 MiB */
} tf_web_hub_cfg;

/* Starts polling the store at store_url on l, with the queries on a thread and read connection of
 * the hub's own (web/pool.h), so the loop never waits for the store. m is borrowed. Errors of
 * tf_web_pool_new (why says which), TF_ERR_NOMEM. */
tf_err tf_web_hub_new(tf_loop *l, const char *store_url, tf_web_metrics *m, const tf_web_hub_cfg *cfg, tf_web_hub **out,
		      char *why, size_t why_cap);
/* Stops the timers and frees; streams must already be closed (tf_http_server_free first). */
void tf_web_hub_free(tf_web_hub *h);

/* Handles GET /api/stream on resp: validates ?symbols= (400 in body on error, returns the
 * status), else turns resp into a stream and returns 200. */
int tf_web_hub_subscribe(tf_web_hub *h, const tf_http_request *req, tf_http_resp *resp);
/* The server's on_stream_close for hub streams. */
void tf_web_hub_stream_closed(tf_web_hub *h, tf_http_stream *s, void *user);

/* The live bus feeds the hub through the sink this fills (for tf_web_bus_start); attach the started
 * bus for its counters (in /metrics and the stats event). */
void tf_web_hub_bus_sink(tf_web_hub *h, tf_web_bus_sink *out);
void tf_web_hub_bus_attach(tf_web_hub *h, tf_web_bus *b);

/* Publishes an event (also used by tests): symbol "" = for every client. TF_ERR_NOMEM. */
tf_err tf_web_hub_publish(tf_web_hub *h, const char *event, const char *symbol, const char *json, size_t len);

#endif

/* influx.h — the optional InfluxDB sink of `tickflow stream --influx URL` (DESIGN §6): after each
 * store commit, the candles and alerts that batch produced are written to InfluxDB as line protocol
 * (influx_line.h) over HTTP POST, for Grafana users. SQLite/PostgreSQL stay the source of truth:
 * InfluxDB being slow or down never delays or fails a store commit.
 *
 * Shape: one tf_influx per process owns a bounded in-memory queue of line-protocol chunks and one
 * sender thread with a keep-alive libcurl handle. Each worker thread stages its batch's lines in a
 * tf_influx_batch while the store transaction is built, drops them when the transaction is retried,
 * and submits them once it committed: the chunks (at most max_post_bytes / max_post_points each, so
 * a big batch is split) go to the queue and submit returns at once. The sender POSTs the queue in
 * order, joining small neighbouring chunks up to the same bounds.
 *
 * Sender states (one thread; the queue is FIFO, so later updates of a candle land after earlier ones):
 *
 *            chunk queued                 POST answered 2xx
 *   IDLE -----------------> SENDING ------------------------------> IDLE / SENDING (more queued)
 *                            |    ^
 *    connection error,       |    |  the same POST answered 2xx:
 *    timeout, 5xx, 404 (no   v    |  one info line "back after ..." with the outage's drops
 *    database yet), 401...  DOWN  -- one warning line per outage; retries the same POST after
 *                                    0.1 s, 0.2 s, ... up to 5 s between attempts
 *
 *   400 / 413 from InfluxDB: the POST's points are rejected (not retried: they would fail again),
 *   counted, and logged at most once a minute. InfluxDB 1.x keeps the valid points of a 400
 *   "partial write"; the count is of the POST's points.
 *
 * What can be lost, and how it is counted (tf_influx_stats, and the log; never silently):
 *   - dropped: while InfluxDB is down the queue fills; past max_queue_bytes the OLDEST queued chunks
 *     are dropped (newer candle states supersede older ones). One warning line when dropping starts,
 *     the total in the "back" line.
 *   - unsent: at close the sender keeps going for up to close_drain_ms; what is still queued then
 *     (InfluxDB down at shutdown) is counted and logged in the closing summary.
 *   - invalid: a point whose tag or string cannot be written in line protocol (influx_line.h).
 *   - a crash (kill -9) loses the queue's content without a count: at most what was committed but
 *     not yet written, normally the last second.
 * All of these are still in the store. `tickflow stream --from earliest --influx URL` rebuilds the
 * tables from the log and writes every point again, which repairs InfluxDB: a point with the same
 * series (measurement + tags) and timestamp as an existing one overwrites it, so writing a candle
 * again, or replaying after a crash, is idempotent; the last write of a candle is its latest state.
 *
 * Thread safety: tf_influx_* functions may be called from any thread; a tf_influx_batch belongs to
 * one thread. */
#ifndef TF_STORE_INFLUX_H
#define TF_STORE_INFLUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "engine/engine.h"

#define TF_INFLUX_URL_MAX 2048

typedef struct {
	const char *url;         /* the 1.x write endpoint: http(s)://host:port/write?db=NAME[&rp=..&u=..&p=..]
				  * (InfluxDB 2.x serves it too, with the token as p=) */
	size_t max_post_bytes;   /* body of one POST; 0 = 1 MiB */
	size_t max_post_points;  /* lines in one POST; 0 = 5000 (InfluxDB's advice) */
	size_t max_queue_bytes;  /* queued in memory while InfluxDB is slow or down; 0 = 64 MiB */
	int timeout_ms;          /* one POST, connect included; 0 = 10000 */
	int64_t close_drain_ms;  /* how long tf_influx_close keeps sending; 0 = 5000 */
	int64_t max_backoff_ms;  /* longest wait between retries; 0 = 5000 */
} tf_influx_cfg;

typedef struct {
	uint64_t points_written, posts, bytes_written; /* answered 2xx */
	uint64_t post_us;          /* time spent in those POSTs (InfluxDB's write rate = points / time) */
	uint64_t points_rejected;  /* answered 400/413 */
	uint64_t points_dropped;   /* queue full while InfluxDB was down or slow (oldest first) */
	uint64_t points_invalid;   /* not representable in line protocol */
	uint64_t points_unsent;    /* still queued when close gave up */
	uint64_t outages, failed_posts;
	uint64_t queued_points, queued_bytes; /* now, the POST in flight included */
	bool down;
} tf_influx_stats;

typedef struct tf_influx tf_influx;

/* Checks cfg->url (http or https, a db= parameter, no precision other than ms; adds
 * precision=ms) and starts the sender thread. Does not contact InfluxDB: an unreachable server is
 * an outage like any other. TF_ERR_USAGE with why filled for a bad URL, TF_ERR_NOMEM, TF_ERR_IO
 * (no thread). *out is the caller's; free it with tf_influx_close. Call it before other threads
 * use libcurl (it runs curl_global_init). */
tf_err tf_influx_open(const tf_influx_cfg *cfg, tf_influx **out, char *why, size_t why_cap);

/* Sends what is queued for up to close_drain_ms, counts the rest as unsent, logs one summary
 * line, stops the thread and frees x; the final counts go to *final when it is not NULL. x NULL
 * is a no-op. */
void tf_influx_close(tf_influx *x, tf_influx_stats *final);

void tf_influx_stats_get(tf_influx *x, tf_influx_stats *out);

/* The URL actually posted to (with precision=ms). */
const char *tf_influx_url(const tf_influx *x);

/* A worker's staged points. With sink NULL every call is a no-op, so callers need no checks. */
typedef struct {
	tf_influx *sink;
	tf_buf lines;
	uint64_t points, invalid, dropped; /* of the staged batch */
} tf_influx_batch;

void tf_influx_batch_init(tf_influx_batch *b, tf_influx *sink);
void tf_influx_batch_candle(tf_influx_batch *b, const tf_candle_row *r);
void tf_influx_batch_alert(tf_influx_batch *b, const tf_alert_row *a);
/* Forgets the staged points (the store transaction is being redone; it stages them again). */
void tf_influx_batch_reset(tf_influx_batch *b);
/* Queues the staged points (call after the store committed them) and empties b. Never blocks on
 * the network; points that do not fit the queue are counted as dropped. */
void tf_influx_batch_submit(tf_influx_batch *b);
void tf_influx_batch_free(tf_influx_batch *b);

#endif

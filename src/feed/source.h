/* source.h — the input side of the ingest pipeline: something that produces raw messages.
 *
 * A source hands out one raw message at a time — a WebSocket text frame, a REST body, a replayed
 * line — with the wall-clock time it was received, and knows nothing about decoding or where
 * records go (that is pipeline.c and sink.h). Sources: source_ws.c (Binance or any ws/wss URL,
 * with reconnects, rotation and kline backfill), source_sim.c (in-process simulator),
 * source_replay.c (a --record file), source_yahoo.c (polled v8 chart API). */
#ifndef TF_FEED_SOURCE_H
#define TF_FEED_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "market/market.h"
#include "market/tick.h"

/* How a message's payload is decoded. */
typedef enum {
	TF_FEED_WS,          /* a WebSocket message: tf_market_decode_ws */
	TF_FEED_REST_KLINES, /* GET /api/v3/klines body for (symbol, interval) */
	TF_FEED_YAHOO_CHART, /* GET /v8/finance/chart/<symbol> body */
	TF_FEED_CORRUPT,     /* input that could not even be framed (a bad replay line): dead letter with `reason` */
} tf_feed_format;

typedef struct {
	tf_feed_format format;
	const char *data;             /* payload; owned by the source, valid until its next call */
	size_t len;
	int64_t recv_ms;              /* wall clock when it was received (or recorded) */
	bool binary;                  /* a binary WebSocket frame (never a valid market message) */
	char symbol[TF_SYMBOL_MAX];   /* REST_KLINES, YAHOO_CHART: which symbol was asked for */
	char interval[TF_INTERVAL_MAX]; /* REST_KLINES: "1m" */
	const char *reason;           /* CORRUPT: why; static or owned by the source */
} tf_feed_msg;

typedef struct tf_source tf_source;
struct tf_source {
	const char *name; /* for logs: "ws wss://stream.binance.com:9443/ws/!miniTicker@arr" */
	/* Waits up to timeout_ms for the next message. TF_OK: *msg is filled. TF_ERR_AGAIN: nothing
	 * yet (the source may be waiting to reconnect). TF_ERR_STOPPED: the source has ended (end of a
	 * replay file). Anything else: the source cannot go on (e.g. a certificate that never
	 * verifies); tf_source_error() says why. */
	tf_err (*next)(tf_source *s, tf_feed_msg *msg, int timeout_ms);
	/* Optional: the pipeline tells the source what a message turned out to be. */
	void (*on_server_shutdown)(tf_source *s);          /* {"e":"serverShutdown"}: reconnect early */
	void (*on_tick)(tf_source *s, const tf_feed_msg *msg, const tf_tick *tick); /* a decoded event */
	const char *(*error)(const tf_source *s);          /* text of the last fatal error */
	void (*free)(tf_source *s);
};

static inline void tf_source_free(tf_source *s)
{
	if (s)
		s->free(s);
}

#endif

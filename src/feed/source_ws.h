/* source_ws.h — a WebSocket feed (Binance or any ws/wss URL) that keeps itself connected.
 *
 * Reconnects with exponential backoff and full jitter (backoff.h), rotates the connection before
 * rotate_after (opening the new one before closing the old, so nothing is missed; the pipeline's
 * de-duplication drops the overlap), rotates early on serverShutdown, detects a dead peer with its
 * own ping and a pong timeout (in ws_client), and after a gap backfills kline streams with REST
 * GET /api/v3/klines before resuming. Logs one line per connect, disconnect or failed attempt. */
#ifndef TF_FEED_SOURCE_WS_H
#define TF_FEED_SOURCE_WS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "feed/source.h"

#define TF_BINANCE_WS_URL "wss://stream.binance.com:9443/ws/!miniTicker@arr"

typedef struct {
	const char *url;             /* ws:// or wss:// */
	const char *ca_file;         /* NULL = system CAs (also for the REST backfill) */
	size_t max_message;          /* larger messages fail the connection (it is then re-opened) */
	int connect_timeout_ms;
	int ping_interval_ms, pong_timeout_ms;
	int64_t rotate_after_ms;     /* 0 = never rotate */
	int64_t backoff_base_ms, backoff_max_ms;
	const char *rest_url;        /* base of GET /api/v3/klines for backfill, e.g. https://api.binance.com */
	uint64_t seed;               /* jitter; 0 = from the clock */
	const volatile sig_atomic_t *stop;
} tf_source_ws_opts;

/* Checks the URL (TF_ERR_USAGE with errbuf) and prepares; the first connection is made by the
 * first next(). next() fails (fatally) only when the very first connection attempt fails TLS
 * certificate verification — a configuration problem that retrying cannot fix; every other
 * failure is logged and retried. */
tf_err tf_source_ws_new(const tf_source_ws_opts *o, tf_source **out, char *errbuf, size_t errcap);

/* Kline streams named in a URL (/ws/<a>/<b> or /stream?streams=<a>/<b>): calls fn for each
 * "<sym>@kline_<interval>" with the upper-cased symbol. Exposed for tests. */
void tf_source_ws_kline_streams(const char *url, void (*fn)(void *ud, const char *symbol, const char *interval),
				void *ud);

/* Milliseconds in a Binance kline interval ("1s", "1m", "3m", ..., "1w"); 0 when unknown. */
int64_t tf_kline_interval_ms(const char *interval);

#endif

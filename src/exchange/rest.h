/* rest.h — the exchange's REST API as one pure function from a request (method, path, query,
 * client address, time) to a response (status, weight header, Retry-After, JSON body):
 *
 *   GET /api/v3/ping                      {}                                       weight 1
 *   GET /api/v3/time                      {"serverTime":..}                        weight 1
 *   GET /api/v3/ticker/24hr               all, ?symbol=, ?symbols=["A","B"]        2 / 2..80 / 80
 *   GET /api/v3/klines                    symbol, interval, startTime, endTime, limit   2
 *   GET /api/v3/exchangeInfo              all, ?symbol=, ?symbols=                 20
 *   GET /v8/finance/chart/<SYM>           Yahoo: interval 1m|5m|15m|30m|60m|1h|1d, range 1d|5d|1mo   1
 *
 * Bad parameters get HTTP 400 and Binance's error object ({"code":-1121,"msg":"Invalid symbol."});
 * unknown paths 404; other methods than GET/HEAD 405; beyond the weight budget 429 with
 * {"code":-1003,...} and Retry-After. Every response reports the used weight. Answers use the
 * simulator's state as it is (the last frame's prices); only stocks, which no frame advances, are
 * brought to now_ms. */
#ifndef TF_EXCHANGE_REST_H
#define TF_EXCHANGE_REST_H

#include <stdint.h>

#include "base/buf.h"
#include "exchange/sim.h"
#include "exchange/weight.h"

typedef struct {
	int status;
	int64_t used_weight;     /* for X-MBX-USED-WEIGHT-1M */
	int retry_after;         /* seconds for Retry-After; 0 = no header */
} tf_xrest_meta;

/* Answers one request into body (JSON) and meta. path must not include the query; query is the
 * raw text after '?' ("" when none). peer is the client address ("127.0.0.1:5555").
 * TF_ERR_NOMEM / TF_ERR_TOO_BIG only when body cannot hold the answer (the caller answers 500). */
tf_err tf_xrest_handle(tf_sim *sim, tf_xweight *weight, const char *method, const char *path, const char *query,
		       const char *peer, int64_t now_ms, tf_buf *body, tf_xrest_meta *meta);

/* Percent-decodes a query string into at most max (name, value) pairs, NUL-terminated in place of
 * the pairs' storage (names <= 64 bytes, values <= 8 KiB). TF_ERR_PARSE for a bad escape or NUL,
 * TF_ERR_TOO_BIG beyond the limits. Exposed for tests. */
#define TF_XQUERY_MAX 16
typedef struct {
	char name[64];
	char value[8192];
	int used;
} tf_xparam;
tf_err tf_xquery_parse(const char *query, tf_xparam *out, int max, int *n);

/* Percent-decodes s[0..n) ('+' = space) into out (cap bytes incl. NUL). TF_ERR_PARSE for a bad
 * escape or a NUL, TF_ERR_TOO_BIG when out is too small. */
tf_err tf_xpct_decode(const char *s, size_t n, char *out, size_t cap);

#endif

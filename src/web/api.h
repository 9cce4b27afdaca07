/* api.h — the JSON HTTP API of `tickflow serve` (DESIGN §7) over the store's read side:
 *   /api/symbols?interval=                       symbols with candles
 *   /api/candles?symbol=&interval=&from=&to=&limit=   newest candles in [from, to), oldest first
 *   /api/overview?symbols=&period=&interval=     per-symbol statistics over the period
 *   /api/top?by=volume|gainers|losers|volatility&n=&period=&interval=
 *   /api/anomalies?period=&interval=             |change| > 5 %, volatility > Q3, stored alerts
 *   /api/ticks?symbol=&limit=&before=            raw ticks, newest first
 *   /healthz                                     the store answers
 * Periods are anchored at the newest candle in the store (not the wall clock), so a replayed or
 * paused pipeline still shows its last data. Bad parameters: 400 {"error", "param"}; a busy or
 * unreachable store: 503; unknown path: 404. Never 500 for anything a client sends. */
#ifndef TF_WEB_API_H
#define TF_WEB_API_H

#include <stdbool.h>

#include "base/buf.h"
#include "store/query.h"

/* Whether path (without query) is one of the routes above. */
bool tf_web_api_route(const char *path);

/* Answers an /api/ or /healthz request (path without query). Fills body (JSON) and returns the
 * HTTP status; *handled false when path is not an API route (the caller serves 404 or assets).
 * THREADING: any thread, with a q of its own (serve runs it on its query threads, web/pool.h). */
int tf_web_api_handle(tf_query *q, const char *path, const char *query, tf_buf *body, bool *handled);

/* One candle (with symbol and interval) / alert as a JSON object, as the API and SSE events use. */
tf_err tf_web_candle_json(tf_buf *b, const tf_q_candle *c);
tf_err tf_web_alert_json(tf_buf *b, const tf_q_alert *a);

/* Q3 of v[0..n) (sorted in place) with linear interpolation between closest ranks, as numpy's
 * default percentile does; 0 for n = 0. */
double tf_web_quartile3(double *v, size_t n);

#endif

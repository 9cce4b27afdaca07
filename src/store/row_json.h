/* row_json.h — one candle and one alert as JSON: the ONE definition of their field lists.
 *
 * Written by serve's API (/api/candles, /api/anomalies), serve's SSE events, and `tickflow stream`'s
 * live-bus topics (candles.1m, alerts); read back, validated, by serve's bus consumer (web/bus.c).
 * The stream and serve are different processes, so the shape they exchange lives here and both use it:
 *
 *   candle {"symbol":"BTCUSDT","interval":"1m",          (with_symbol only)
 *           "t":open_time,"o":..,"h":..,"l":..,"c":..,"v":..,   exact decimals as JSON numbers
 *           "n":updates,"final":bool,"ma7":..,"ma25":..,"ret":..,"volatility":..,"change_24h_pct":..,
 *           "last_event_time":ms}                          event time of the candle's newest tick
 *   alert  {"id":..,"symbol":..,"kind":..,"event_time":..,"value":..,"threshold":..,"detail":".."}
 *
 * Doubles are written with 10 significant digits (so a parsed value writes back to the same bytes),
 * absent values (NULL in the store) as null. The engine's rows (tf_candle_row, tf_alert_row) are
 * first turned into the read side's rows (tf_q_candle, tf_q_alert) with the same decimal text the
 * store holds, so the bus and the API print identical bytes for the same committed candle. */
#ifndef TF_STORE_ROW_JSON_H
#define TF_STORE_ROW_JSON_H

#include <stdbool.h>

#include "base/buf.h"
#include "engine/engine.h"
#include "market/json.h"
#include "store/query.h"

#define TF_ROW_JSON_MAX 4096 /* bytes of one candle or alert message, at most (bus input bound) */

/* Appends c (with "symbol" and "interval" when with_symbol). TF_ERR_NOMEM / TF_ERR_TOO_BIG from b. */
tf_err tf_row_json_candle(tf_buf *b, const tf_q_candle *c, bool with_symbol);
tf_err tf_row_json_alert(tf_buf *b, const tf_q_alert *a);

/* The engine's rows as the store holds them (decimal text with 8 decimals). */
void tf_row_from_candle(const tf_candle_row *r, tf_q_candle *out);
void tf_row_from_alert(const tf_alert_row *r, tf_q_alert *out);

/* Parses one message written by tf_row_json_candle(.., with_symbol = true) / tf_row_json_alert.
 * The input is untrusted: at most TF_ROW_JSON_MAX bytes, every field required once (unknown keys
 * ignored), symbols [A-Za-z0-9^.=@_-]{1,31}, decimals as exact JSON numbers, times >= 0, doubles
 * finite. d is the caller's reusable document. TF_ERR_TOO_BIG, TF_ERR_PARSE, TF_ERR_SCHEMA or
 * TF_ERR_RANGE with why filled ("field \"c\": ..."); *out is only valid on TF_OK. */
tf_err tf_row_json_parse_candle(tf_json_doc *d, const char *src, size_t len, tf_q_candle *out, char *why, size_t why_cap);
tf_err tf_row_json_parse_alert(tf_json_doc *d, const char *src, size_t len, tf_q_alert *out, char *why, size_t why_cap);

#endif

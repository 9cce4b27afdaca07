/* render.h — the exchange's JSON payloads, byte for byte in Binance's (and Yahoo's) shapes, built
 * from the simulator's state. Pure functions: each appends to a tf_buf and fails only when the
 * buffer cannot grow (TF_ERR_NOMEM / TF_ERR_TOO_BIG), leaving partial output the caller discards. */
#ifndef TF_EXCHANGE_RENDER_H
#define TF_EXCHANGE_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "exchange/sim.h"

/* {"code":-1121,"msg":"Invalid symbol."}; msg is escaped. */
tf_err tf_xrender_error(tf_buf *out, int code, const char *msg);

/* One GET /api/v3/ticker/24hr object (symbol, priceChange, priceChangePercent with 3 decimals,
 * weightedAvgPrice, prevClosePrice, lastPrice, lastQty, bid/ask, open/high/low, volume,
 * quoteVolume, openTime, closeTime, firstId, lastId, count). */
tf_err tf_xrender_ticker24(const tf_sim *sim, int idx, tf_buf *out);

/* priceChangePercent text ("-3.003") for open and last; "0.000" when open is 0. */
void tf_xrender_pct(tf_dec open, tf_dec last, char out[32]);

/* REST kline row [openTime,"o","h","l","c","v",closeTime,"q",trades,"V","Q","0"]. */
tf_err tf_xrender_kline_row(const tf_sim_kline *k, tf_buf *out);

/* Kline stream event {"e":"kline","E":..,"s":..,"k":{t,T,s,i,f,L,o,c,h,l,v,n,x,q,V,Q,B}}. */
tf_err tf_xrender_kline_event(const char *symbol, const char *interval, const tf_sim_kline *k, int64_t event_ms,
			      tf_buf *out);

/* Trade stream event {"e":"trade","E":..,"s":..,"t":..,"p":..,"q":..,"T":..,"m":..,"M":true}. */
tf_err tf_xrender_trade_event(const char *symbol, const tf_sim_trade *t, int64_t event_ms, tf_buf *out);

/* {"stream":"<name>","data":<payload>} for combined streams. */
tf_err tf_xrender_combined(const char *stream, const char *payload, size_t len, tf_buf *out);

/* GET /api/v3/exchangeInfo for the symbols idx[0..n) (all crypto symbols when idx is NULL). */
tf_err tf_xrender_exchange_info(const tf_sim *sim, int64_t now_ms, int64_t weight_limit, const int *idx, int n,
				tf_buf *out);

/* Yahoo v8 chart for stock idx: bars of interval_ms over the last range_ms up to the symbol's
 * time. interval / range are echoed in meta. */
tf_err tf_xrender_yahoo_chart(const tf_sim *sim, int idx, int64_t interval_ms, int64_t range_ms,
			      const char *interval, const char *range, tf_buf *out);
/* {"chart":{"result":null,"error":{"code":"Not Found","description":"..."}}} */
tf_err tf_xrender_yahoo_error(tf_buf *out, const char *code, const char *description);

/* {"e":"serverShutdown","E":..} */
tf_err tf_xrender_server_shutdown(int64_t event_ms, tf_buf *out);

#endif

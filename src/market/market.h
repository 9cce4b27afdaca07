/* market.h — decoding Binance and Yahoo payloads into ticks.
 *
 * CONTRACT between the market branch (implements) and the feed branch (calls). All input is
 * untrusted: decoders are bounded (size, depth, token count), validate UTF-8, parse decimals
 * exactly, and explain every rejection in a tf_decode_err. */
#ifndef TF_MARKET_MARKET_H
#define TF_MARKET_MARKET_H

#include "base/buf.h"
#include "market/tick.h"

typedef struct {
	char msg[192];  /* e.g. "element 3: field \"c\": expected a decimal string, got a number" */
	size_t offset;  /* byte offset in the input where the problem was found */
} tf_decode_err;

/* Receives decoded events. on_bad is called for a market event inside an otherwise well-formed
 * message that cannot be decoded (so the rest of the message still counts and nothing is lost
 * silently: ingest sends it to the dead-letter topic). Either may return an error to stop. */
typedef struct {
	tf_err (*on_tick)(void *ud, const tf_tick *tick);
	tf_err (*on_bad)(void *ud, const char *raw, size_t raw_len, const tf_decode_err *why);
	void *ud;
} tf_tick_handler;

/* What one WebSocket message was. */
typedef enum {
	TF_MSG_EVENTS,          /* market events, delivered to the handler */
	TF_MSG_REPLY,           /* {"result":...,"id":N}: answer to SUBSCRIBE / LIST_SUBSCRIPTIONS */
	TF_MSG_ERROR,           /* {"code":N,"msg":"..."}; err->msg = "binance error N: ..." */
	TF_MSG_SERVER_SHUTDOWN, /* {"e":"serverShutdown",...}: the server will drop us; reconnect early */
} tf_msg_kind;

/* Decodes one WebSocket text message: a single event (24hrMiniTicker, 24hrTicker, kline, trade,
 * aggTrade), a `!miniTicker@arr` array, or a combined-stream wrapper {"stream":..,"data":..}.
 * Each event's tick.raw slices its own JSON in msg (for an array, the element). Returns
 * TF_ERR_PARSE / TF_ERR_SCHEMA / TF_ERR_TOO_BIG / TF_ERR_RANGE with err filled when the message as
 * a whole is unusable (not JSON, unknown shape); then no handler call was made. */
tf_err tf_market_decode_ws(const char *msg, size_t len, tf_msg_kind *kind, const tf_tick_handler *h,
			   tf_decode_err *err);

/* REST GET /api/v3/klines body: an array of rows for symbol at interval ("1m"), delivered as
 * TF_TICK_KLINE ticks with the row as raw. */
tf_err tf_market_decode_rest_klines(const char *body, size_t len, const char *symbol, const char *interval,
				    const tf_tick_handler *h, tf_decode_err *err);

/* REST GET /api/v3/ticker/24hr body: one object (?symbol=X) or the array of every symbol, each
 * delivered as a TF_TICK_REST_24HR tick (event_time = closeTime, raw = the element). Elements that
 * cannot be decoded go to on_bad ("element 7: field \"lastPrice\": ..."). A Binance error body is
 * TF_ERR_REMOTE with err->msg "binance error -1121: Invalid symbol.". Dead symbols (last price 0,
 * as 1,233 of 2,519 are in samples/) have tick.dead set. */
tf_err tf_market_decode_rest_24hr(const char *body, size_t len, const tf_tick_handler *h, tf_decode_err *err);

/* One market of GET /api/v3/exchangeInfo. */
typedef struct {
	char symbol[TF_SYMBOL_MAX];
	char status[24];      /* "TRADING", "BREAK", "HALT", ... ([A-Z0-9_]) */
	char base_asset[16];  /* "BTC" */
	char quote_asset[16]; /* "USDT" */
} tf_symbol_info;

/* Decodes the "symbols" array of an exchangeInfo body into *out (an array of *n infos the caller
 * frees with free(); NULL/0 on error). Any malformed symbol entry fails the whole body with
 * "symbols[3]: ..." in err; a Binance error body is TF_ERR_REMOTE. */
tf_err tf_market_decode_exchange_info(const char *body, size_t len, tf_symbol_info **out, size_t *n,
				      tf_decode_err *err);

/* Yahoo v8 /v8/finance/chart/<sym> body: one TF_TICK_BAR per bar with a close price; the weekend
 * shape (no "timestamp", "quote":[{}]) is a valid empty result. Yahoo's {"chart":{"error":{..}}}
 * is TF_ERR_REMOTE with the description in err. Bars with a null close are skipped; other nulls set
 * TF_BAR_NO_* in tick.bar.missing. event_time = the bar's timestamp in ms. A bar has no JSON object
 * of its own: raw slices its close value (use tf_market_tick_json for a self-contained record). */
tf_err tf_market_decode_yahoo_chart(const char *body, size_t len, const tf_tick_handler *h, tf_decode_err *err);

/* A Binance error payload {"code":-1121,"msg":"Invalid symbol."} (REST body or WebSocket reply):
 * returns TF_ERR_REMOTE with *code set and err->msg "binance error -1121: Invalid symbol.";
 * TF_ERR_PARSE / TF_ERR_SCHEMA when body is not such a payload. */
tf_err tf_market_decode_binance_error(const char *body, size_t len, int64_t *code, tf_decode_err *err);

/* Appends the normalised JSON line (no newline) for a tick, as `tickflow ingest --out` prints it:
 * {"kind":"miniTicker","symbol":"BTCUSDT","event_time":1592594715775,...,"dead":false}
 * Decimals are printed as exact strings with 8 decimals. */
tf_err tf_market_tick_json(const tf_tick *tick, tf_buf *out);

#endif

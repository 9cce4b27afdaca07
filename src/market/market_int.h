/* market_int.h — internals shared by the decoders in src/market/ (not for other subsystems). */
#ifndef TF_MARKET_MARKET_INT_H
#define TF_MARKET_MARKET_INT_H

#include "market/json.h"
#include "market/market.h"

/* Binance events use one-letter keys; a member pass records where each one is ('A'..'z'). */
#define TF_KEYS_FIRST 'A'
#define TF_KEYS_N ('z' - 'A' + 1)

typedef struct {
	const tf_json_doc *d;
	uint32_t obj;
	uint32_t at[TF_KEYS_N]; /* value token index per letter; 0 = absent */
} tf_market_keys;

/* One pass over object obj's members. Keys longer than one letter are ignored (forward
 * compatibility); a repeated one-letter key is TF_ERR_SCHEMA ("duplicate key \"c\""): we never
 * guess which of two prices is the real one. */
tf_err tf_market_keys_collect(tf_market_keys *k, const tf_json_doc *d, uint32_t obj, tf_decode_err *err);

/* Value token of letter key c, or TF_ERR_SCHEMA "missing field \"c\"". */
tf_err tf_market_keys_need(const tf_market_keys *k, char c, uint32_t *v, tf_decode_err *err);
tf_err tf_market_keys_dec(const tf_market_keys *k, char c, tf_dec *out, tf_decode_err *err);
tf_err tf_market_keys_i64(const tf_market_keys *k, char c, int64_t *out, tf_decode_err *err);
tf_err tf_market_keys_bool(const tf_market_keys *k, char c, bool *out, tf_decode_err *err);
static inline uint32_t tf_market_keys_at(const tf_market_keys *k, char c)
{
	return (unsigned char)c >= TF_KEYS_FIRST && (unsigned char)c < TF_KEYS_FIRST + TF_KEYS_N
		       ? k->at[(unsigned char)c - TF_KEYS_FIRST] : 0;
}

/* One pass over object obj's members for the keys in names[0..n): at[i] gets the value token of
 * names[i] or 0. A repeated listed key is TF_ERR_SCHEMA ("duplicate key \"lastPrice\""); other keys
 * are ignored. n <= 32. */
tf_err tf_market_fields_collect(const tf_json_doc *d, uint32_t obj, const char *const *names, size_t n,
				uint32_t *at, tf_decode_err *err);

/* Reads a symbol string value into out (validated: tf_tick_symbol_valid). TF_ERR_SCHEMA otherwise. */
tf_err tf_market_symbol(const tf_json_doc *d, uint32_t v, const char *field, char out[TF_SYMBOL_MAX],
			tf_decode_err *err);

/* Calls h->on_tick (when set). */
static inline tf_err tf_market_emit(const tf_tick_handler *h, const tf_tick *t)
{
	return h && h->on_tick ? h->on_tick(h->ud, t) : TF_OK;
}

/* Reports an undecodable event to h->on_bad; without on_bad the event's error is returned. */
tf_err tf_market_emit_bad(const tf_tick_handler *h, const tf_json_doc *d, uint32_t v, tf_err why_code,
			  const tf_decode_err *why);

/* Sets tick->raw to token v's bytes (strings include their quotes). */
void tf_market_set_raw(tf_tick *t, const tf_json_doc *d, uint32_t v);

/* Decodes one stream event object (24hrMiniTicker, 24hrTicker, kline, trade, aggTrade) into t. */
tf_err tf_market_decode_event(const tf_json_doc *d, uint32_t obj, tf_tick *t, tf_decode_err *err);

/* A parsed {"code":N,"msg":"..."} at obj: TF_ERR_REMOTE with code and err->msg "binance error N: msg";
 * TF_ERR_SCHEMA when obj is not that shape. */
tf_err tf_market_decode_binance_error_doc(const tf_json_doc *d, uint32_t obj, int64_t *code, tf_decode_err *err);

/* The specialised miniTicker scanner (decode_mini_fast.c): a compact `!miniTicker@arr` frame or one
 * compact miniTicker object on its own (a `ticks` record). Returns false, having called no handler,
 * when msg is not exactly a shape it knows; otherwise delivers every element and sets *result to
 * TF_OK or the handler's error. */
bool tf_market_mini_fast(const char *msg, size_t len, const tf_tick_handler *h, tf_err *result);

/* tf_market_decode_ws without the fast path: the reference decoder (benchmarks, differential fuzz). */
tf_err tf_market_decode_ws_reference(const char *msg, size_t len, tf_msg_kind *kind, const tf_tick_handler *h,
				     tf_decode_err *err);

#endif

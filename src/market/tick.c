/* tick.c — small facts about ticks (kind names, price, symbol rule) and the helpers every decoder
 * shares: one-letter key collection, symbol reading, handler calls. */
#include "market/market_int.h"

const char *tf_tick_kind_name(tf_tick_kind kind)
{
	switch (kind) {
	case TF_TICK_MINI_TICKER: return "miniTicker";
	case TF_TICK_TICKER_24HR: return "ticker24hr";
	case TF_TICK_REST_24HR: return "rest24hr";
	case TF_TICK_KLINE: return "kline";
	case TF_TICK_TRADE: return "trade";
	case TF_TICK_AGG_TRADE: return "aggTrade";
	case TF_TICK_BAR: return "bar";
	}
	return "unknown";
}

tf_dec tf_tick_price(const tf_tick *t)
{
	switch (t->kind) {
	case TF_TICK_MINI_TICKER:
	case TF_TICK_TICKER_24HR:
	case TF_TICK_REST_24HR: return t->s24.last;
	case TF_TICK_KLINE: return t->kline.close;
	case TF_TICK_TRADE:
	case TF_TICK_AGG_TRADE: return t->trade.price;
	case TF_TICK_BAR: return t->bar.close;
	}
	return 0;
}

bool tf_tick_symbol_valid(const char *s, size_t len)
{
	if (len == 0 || len >= TF_SYMBOL_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '^' || c == '.' || c == '=' || c == '-'))
			return false;
	}
	return true;
}

tf_err tf_market_keys_collect(tf_market_keys *k, const tf_json_doc *d, uint32_t obj, tf_decode_err *err)
{
	memset(k->at, 0, sizeof k->at);
	k->d = d;
	k->obj = obj;
	const tf_json_tok *t = d->tok;
	uint32_t key = tf_json_child(obj);
	for (uint32_t m = 0; m < t[obj].size; m++, key = t[key + 1].next) {
		if (t[key].end - t[key].start != 1)
			continue;
		unsigned char c = (unsigned char)d->src[t[key].start];
		if (c < TF_KEYS_FIRST || c >= TF_KEYS_FIRST + TF_KEYS_N)
			continue;
		uint32_t *slot = &k->at[c - TF_KEYS_FIRST];
		if (*slot)
			return tf_json_fail(err, TF_ERR_SCHEMA, t[key].start, "duplicate key \"%c\"", c);
		*slot = key + 1;
	}
	return TF_OK;
}

tf_err tf_market_fields_collect(const tf_json_doc *d, uint32_t obj, const char *const *names, size_t n,
				uint32_t *at, tf_decode_err *err)
{
	size_t lens[32];
	if (n > 32)
		return TF_ERR_INTERNAL;
	for (size_t i = 0; i < n; i++) {
		at[i] = 0;
		lens[i] = strlen(names[i]);
	}
	const tf_json_tok *t = d->tok;
	uint32_t key = tf_json_child(obj);
	for (uint32_t m = 0; m < t[obj].size; m++, key = t[key + 1].next) {
		size_t kl = t[key].end - t[key].start;
		const char *ks = d->src + t[key].start;
		for (size_t i = 0; i < n; i++) {
			if (lens[i] != kl || memcmp(ks, names[i], kl) != 0)
				continue;
			if (at[i])
				return tf_json_fail(err, TF_ERR_SCHEMA, t[key].start, "duplicate key \"%s\"", names[i]);
			at[i] = key + 1;
			break;
		}
	}
	return TF_OK;
}

tf_err tf_market_keys_need(const tf_market_keys *k, char c, uint32_t *v, tf_decode_err *err)
{
	*v = tf_market_keys_at(k, c);
	if (!*v)
		return tf_json_fail(err, TF_ERR_SCHEMA, k->d->tok[k->obj].start, "missing field \"%c\"", c);
	return TF_OK;
}

tf_err tf_market_keys_dec(const tf_market_keys *k, char c, tf_dec *out, tf_decode_err *err)
{
	uint32_t v;
	char name[2] = {c, 0};
	tf_err e = tf_market_keys_need(k, c, &v, err);
	return e ? e : tf_json_dec(k->d, v, name, out, err);
}

tf_err tf_market_keys_i64(const tf_market_keys *k, char c, int64_t *out, tf_decode_err *err)
{
	uint32_t v;
	char name[2] = {c, 0};
	tf_err e = tf_market_keys_need(k, c, &v, err);
	return e ? e : tf_json_i64(k->d, v, name, out, err);
}

tf_err tf_market_keys_bool(const tf_market_keys *k, char c, bool *out, tf_decode_err *err)
{
	uint32_t v;
	char name[2] = {c, 0};
	tf_err e = tf_market_keys_need(k, c, &v, err);
	return e ? e : tf_json_bool(k->d, v, name, out, err);
}

tf_err tf_market_symbol(const tf_json_doc *d, uint32_t v, const char *field, char out[TF_SYMBOL_MAX],
			tf_decode_err *err)
{
	const char *s;
	size_t n;
	tf_err e = tf_json_str(d, v, field, &s, &n, err);
	if (e)
		return e;
	if (!tf_tick_symbol_valid(s, n))
		return tf_json_fail(err, TF_ERR_SCHEMA, d->tok[v].start,
				    "field \"%s\": invalid symbol \"%.*s\" (want 1-31 of A-Z 0-9 ^ . = -)", field,
				    n > 40 ? 40 : (int)n, s);
	memcpy(out, s, n);
	out[n] = '\0';
	return TF_OK;
}

void tf_market_set_raw(tf_tick *t, const tf_json_doc *d, uint32_t v)
{
	const tf_json_tok *k = &d->tok[v];
	size_t q = k->type == TF_JSON_STRING; /* include the quotes */
	t->raw = d->src + k->start - q;
	t->raw_len = k->end - k->start + 2 * q;
}

tf_err tf_market_emit_bad(const tf_tick_handler *h, const tf_json_doc *d, uint32_t v, tf_err why_code,
			  const tf_decode_err *why)
{
	if (!h || !h->on_bad)
		return why_code;
	tf_tick t;
	tf_market_set_raw(&t, d, v);
	return h->on_bad(h->ud, t.raw, t.raw_len, why);
}

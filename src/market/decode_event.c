/* decode_event.c — one Binance stream event object into a tf_tick: 24hrMiniTicker, 24hrTicker,
 * kline, trade (new form and the old one with buyer/seller order ids "b"/"a") and aggTrade.
 *
 * Each event's members are walked once (tf_market_keys_collect) and then read by letter, so a
 * field costs one table lookup, whatever the key order. Unknown letters are ignored, missing
 * required ones and repeated ones are errors naming the field. */
#include "market/market_int.h"

#define TRY(x)                       \
	do {                         \
		if ((e = (x)) != TF_OK) \
			return e;    \
	} while (0)

static tf_err common(const tf_market_keys *k, tf_tick *t, tf_decode_err *err)
{
	tf_err e;
	uint32_t v;
	TRY(tf_market_keys_i64(k, 'E', &t->event_time, err));
	TRY(tf_market_keys_need(k, 's', &v, err));
	return tf_market_symbol(k->d, v, "s", t->symbol, err);
}

static tf_err stats(const tf_market_keys *k, tf_tick_24h *s, tf_decode_err *err)
{
	tf_err e;
	TRY(tf_market_keys_dec(k, 'o', &s->open, err));
	TRY(tf_market_keys_dec(k, 'h', &s->high, err));
	TRY(tf_market_keys_dec(k, 'l', &s->low, err));
	TRY(tf_market_keys_dec(k, 'c', &s->last, err));
	TRY(tf_market_keys_dec(k, 'v', &s->volume, err));
	return tf_market_keys_dec(k, 'q', &s->quote_volume, err);
}

static tf_err mini_ticker(const tf_market_keys *k, tf_tick *t, tf_decode_err *err)
{
	tf_err e;
	t->kind = TF_TICK_MINI_TICKER;
	TRY(common(k, t, err));
	TRY(stats(k, &t->s24, err));
	t->dead = t->s24.last == 0;
	return TF_OK;
}

static tf_err ticker_24hr(const tf_market_keys *k, tf_tick *t, tf_decode_err *err)
{
	tf_err e;
	tf_tick_24h *s = &t->s24;
	t->kind = TF_TICK_TICKER_24HR;
	TRY(common(k, t, err));
	TRY(stats(k, s, err));
	TRY(tf_market_keys_dec(k, 'p', &s->price_change, err));
	TRY(tf_market_keys_dec(k, 'P', &s->price_change_pct, err));
	TRY(tf_market_keys_dec(k, 'w', &s->weighted_avg_price, err));
	TRY(tf_market_keys_dec(k, 'x', &s->prev_close, err));
	TRY(tf_market_keys_i64(k, 'O', &s->open_time, err));
	TRY(tf_market_keys_i64(k, 'C', &s->close_time, err));
	TRY(tf_market_keys_i64(k, 'F', &s->first_id, err));
	TRY(tf_market_keys_i64(k, 'L', &s->last_id, err));
	TRY(tf_market_keys_i64(k, 'n', &s->trades, err));
	t->dead = s->last == 0;
	return TF_OK;
}

static tf_err kline(const tf_market_keys *k, tf_tick *t, tf_decode_err *err)
{
	tf_err e;
	uint32_t kv;
	tf_tick_kline *c = &t->kline;
	t->kind = TF_TICK_KLINE;
	TRY(common(k, t, err));
	TRY(tf_market_keys_need(k, 'k', &kv, err));
	if (k->d->tok[kv].type != TF_JSON_OBJECT)
		return tf_json_fail(err, TF_ERR_SCHEMA, k->d->tok[kv].start, "field \"k\": expected an object, got %s",
				    tf_json_type_name(k->d, kv));
	tf_market_keys kk;
	TRY(tf_market_keys_collect(&kk, k->d, kv, err));
	uint32_t v;
	char sym[TF_SYMBOL_MAX];
	TRY(tf_market_keys_need(&kk, 's', &v, err));
	TRY(tf_market_symbol(k->d, v, "k.s", sym, err));
	if (strcmp(sym, t->symbol) != 0)
		return tf_json_fail(err, TF_ERR_SCHEMA, k->d->tok[v].start,
				    "field \"k.s\": symbol %s differs from the event's %s", sym, t->symbol);
	const char *iv;
	size_t ivn;
	TRY(tf_market_keys_need(&kk, 'i', &v, err));
	TRY(tf_json_str(k->d, v, "k.i", &iv, &ivn, err));
	if (ivn == 0 || ivn >= TF_INTERVAL_MAX)
		return tf_json_fail(err, TF_ERR_SCHEMA, k->d->tok[v].start, "field \"k.i\": invalid interval");
	memcpy(c->interval, iv, ivn);
	c->interval[ivn] = '\0';
	TRY(tf_market_keys_i64(&kk, 't', &c->open_time, err));
	TRY(tf_market_keys_i64(&kk, 'T', &c->close_time, err));
	TRY(tf_market_keys_i64(&kk, 'f', &c->first_trade_id, err));
	TRY(tf_market_keys_i64(&kk, 'L', &c->last_trade_id, err));
	TRY(tf_market_keys_dec(&kk, 'o', &c->open, err));
	TRY(tf_market_keys_dec(&kk, 'h', &c->high, err));
	TRY(tf_market_keys_dec(&kk, 'l', &c->low, err));
	TRY(tf_market_keys_dec(&kk, 'c', &c->close, err));
	TRY(tf_market_keys_dec(&kk, 'v', &c->volume, err));
	TRY(tf_market_keys_dec(&kk, 'q', &c->quote_volume, err));
	TRY(tf_market_keys_dec(&kk, 'V', &c->taker_buy_volume, err));
	TRY(tf_market_keys_dec(&kk, 'Q', &c->taker_buy_quote_volume, err));
	TRY(tf_market_keys_i64(&kk, 'n', &c->trades, err));
	TRY(tf_market_keys_bool(&kk, 'x', &c->closed, err));
	t->dead = c->close == 0;
	return TF_OK;
}

static tf_err trade(const tf_market_keys *k, tf_tick *t, tf_decode_err *err)
{
	tf_err e;
	tf_tick_trade *r = &t->trade;
	t->kind = TF_TICK_TRADE;
	TRY(common(k, t, err));
	TRY(tf_market_keys_i64(k, 't', &r->id, err));
	TRY(tf_market_keys_dec(k, 'p', &r->price, err));
	TRY(tf_market_keys_dec(k, 'q', &r->qty, err));
	TRY(tf_market_keys_i64(k, 'T', &r->trade_time, err));
	TRY(tf_market_keys_bool(k, 'm', &r->buyer_maker, err));
	/* the old form carries the buyer's and seller's order ids; the current one does not */
	if (tf_market_keys_at(k, 'b'))
		TRY(tf_market_keys_i64(k, 'b', &r->buyer_order_id, err));
	if (tf_market_keys_at(k, 'a'))
		TRY(tf_market_keys_i64(k, 'a', &r->seller_order_id, err));
	t->dead = r->price == 0;
	return TF_OK;
}

static tf_err agg_trade(const tf_market_keys *k, tf_tick *t, tf_decode_err *err)
{
	tf_err e;
	tf_tick_trade *r = &t->trade;
	t->kind = TF_TICK_AGG_TRADE;
	TRY(common(k, t, err));
	TRY(tf_market_keys_i64(k, 'a', &r->id, err));
	TRY(tf_market_keys_dec(k, 'p', &r->price, err));
	TRY(tf_market_keys_dec(k, 'q', &r->qty, err));
	TRY(tf_market_keys_i64(k, 'f', &r->first_trade_id, err));
	TRY(tf_market_keys_i64(k, 'l', &r->last_trade_id, err));
	TRY(tf_market_keys_i64(k, 'T', &r->trade_time, err));
	TRY(tf_market_keys_bool(k, 'm', &r->buyer_maker, err));
	t->dead = r->price == 0;
	return TF_OK;
}

static const struct {
	const char *name;
	tf_err (*decode)(const tf_market_keys *k, tf_tick *t, tf_decode_err *err);
} event_types[] = {
	{"24hrMiniTicker", mini_ticker},
	{"24hrTicker", ticker_24hr},
	{"kline", kline},
	{"trade", trade},
	{"aggTrade", agg_trade},
};

tf_err tf_market_decode_event(const tf_json_doc *d, uint32_t obj, tf_tick *t, tf_decode_err *err)
{
	tf_err e;
	memset(t, 0, sizeof *t);
	tf_market_set_raw(t, d, obj);
	if (d->tok[obj].type != TF_JSON_OBJECT)
		return tf_json_fail(err, TF_ERR_SCHEMA, d->tok[obj].start, "expected an event object, got %s",
				    tf_json_type_name(d, obj));
	tf_market_keys k;
	TRY(tf_market_keys_collect(&k, d, obj, err));
	uint32_t ev;
	const char *name;
	size_t n;
	TRY(tf_market_keys_need(&k, 'e', &ev, err));
	TRY(tf_json_str(d, ev, "e", &name, &n, err));
	for (size_t i = 0; i < sizeof event_types / sizeof event_types[0]; i++)
		if (strlen(event_types[i].name) == n && memcmp(event_types[i].name, name, n) == 0)
			return event_types[i].decode(&k, t, err);
	return tf_json_fail(err, TF_ERR_SCHEMA, d->tok[ev].start, "field \"e\": unsupported event type \"%.*s\"",
			    n > 40 ? 40 : (int)n, name);
}

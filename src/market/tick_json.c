/* tick_json.c — the normalised JSON line of a tick (`tickflow ingest --out`).
 *
 * Names for the 24 h kinds match the `ticks` table of DESIGN §6 (open_24h ... quote_volume_24h);
 * klines, trades and bars use their own plain names. Decimals are exact strings with 8 decimals,
 * integers are JSON numbers, and symbols need no escaping because decoders only accept
 * [A-Z0-9^.=-]. Built in a fixed stack buffer and appended to out in one call. */
#include "market/market_int.h"

#define LINE_MAX_BYTES 2048

typedef struct {
	char b[LINE_MAX_BYTES];
	size_t n;
} line;

static void put(line *l, const char *s, size_t n)
{
	if (n > sizeof l->b - l->n)
		n = sizeof l->b - l->n; /* cannot happen: every line is far shorter; checked below */
	memcpy(l->b + l->n, s, n);
	l->n += n;
}

static void put_s(line *l, const char *s)
{
	put(l, s, strlen(s));
}

static void put_i64(line *l, const char *key, int64_t v)
{
	char tmp[24];
	size_t n = 0;
	uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[sizeof tmp - ++n] = (char)('0' + m % 10);
		m /= 10;
	} while (m);
	if (v < 0)
		tmp[sizeof tmp - ++n] = '-';
	put_s(l, ",\"");
	put_s(l, key);
	put_s(l, "\":");
	put(l, tmp + sizeof tmp - n, n);
}

static void put_dec(line *l, const char *key, tf_dec v)
{
	char tmp[TF_DEC_STR_MAX];
	size_t n = tf_dec_format(v, tmp);
	put_s(l, ",\"");
	put_s(l, key);
	put_s(l, "\":\"");
	put(l, tmp, n);
	put_s(l, "\"");
}

static void put_opt_dec(line *l, const char *key, tf_dec v, bool missing)
{
	if (!missing) {
		put_dec(l, key, v);
		return;
	}
	put_s(l, ",\"");
	put_s(l, key);
	put_s(l, "\":null");
}

static void put_bool(line *l, const char *key, bool v)
{
	put_s(l, ",\"");
	put_s(l, key);
	put_s(l, v ? "\":true" : "\":false");
}

static void put_24h(line *l, const tf_tick *t)
{
	const tf_tick_24h *s = &t->s24;
	put_dec(l, "open_24h", s->open);
	put_dec(l, "high_24h", s->high);
	put_dec(l, "low_24h", s->low);
	put_dec(l, "last", s->last);
	put_dec(l, "volume_24h", s->volume);
	put_dec(l, "quote_volume_24h", s->quote_volume);
	if (t->kind == TF_TICK_MINI_TICKER)
		return;
	put_dec(l, "price_change", s->price_change);
	put_dec(l, "price_change_pct", s->price_change_pct);
	put_dec(l, "weighted_avg_price", s->weighted_avg_price);
	put_dec(l, "prev_close", s->prev_close);
	put_i64(l, "trades", s->trades);
	put_i64(l, "first_id", s->first_id);
	put_i64(l, "last_id", s->last_id);
	put_i64(l, "open_time", s->open_time);
	put_i64(l, "close_time", s->close_time);
}

static void put_kline(line *l, const tf_tick_kline *k)
{
	put_s(l, ",\"interval\":\"");
	put_s(l, k->interval); /* decoders accept only short intervals; JSON-safe is checked there */
	put_s(l, "\"");
	put_i64(l, "open_time", k->open_time);
	put_i64(l, "close_time", k->close_time);
	put_dec(l, "open", k->open);
	put_dec(l, "high", k->high);
	put_dec(l, "low", k->low);
	put_dec(l, "close", k->close);
	put_dec(l, "volume", k->volume);
	put_dec(l, "quote_volume", k->quote_volume);
	put_dec(l, "taker_buy_volume", k->taker_buy_volume);
	put_dec(l, "taker_buy_quote_volume", k->taker_buy_quote_volume);
	put_i64(l, "trades", k->trades);
	put_i64(l, "first_trade_id", k->first_trade_id);
	put_i64(l, "last_trade_id", k->last_trade_id);
	put_bool(l, "closed", k->closed);
}

static void put_trade(line *l, const tf_tick *t)
{
	const tf_tick_trade *r = &t->trade;
	if (t->kind == TF_TICK_TRADE) {
		put_i64(l, "trade_id", r->id);
	} else {
		put_i64(l, "agg_id", r->id);
		put_i64(l, "first_trade_id", r->first_trade_id);
		put_i64(l, "last_trade_id", r->last_trade_id);
	}
	put_dec(l, "price", r->price);
	put_dec(l, "qty", r->qty);
	put_i64(l, "trade_time", r->trade_time);
	put_bool(l, "buyer_maker", r->buyer_maker);
	if (t->kind == TF_TICK_TRADE && (r->buyer_order_id || r->seller_order_id)) {
		put_i64(l, "buyer_order_id", r->buyer_order_id);
		put_i64(l, "seller_order_id", r->seller_order_id);
	}
}

static void put_bar(line *l, const tf_tick_bar *b)
{
	put_opt_dec(l, "open", b->open, b->missing & TF_BAR_NO_OPEN);
	put_opt_dec(l, "high", b->high, b->missing & TF_BAR_NO_HIGH);
	put_opt_dec(l, "low", b->low, b->missing & TF_BAR_NO_LOW);
	put_dec(l, "close", b->close);
	put_opt_dec(l, "volume", b->volume, b->missing & TF_BAR_NO_VOLUME);
}

/* Whether s is safe inside a JSON string without escaping. */
static bool plain(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == '"' || *s == '\\' || (unsigned char)*s >= 0x80)
			return false;
	return true;
}

tf_err tf_market_tick_json(const tf_tick *t, tf_buf *out)
{
	if (!plain(t->symbol) || (t->kind == TF_TICK_KLINE && !plain(t->kline.interval)))
		return TF_ERR_INTERNAL; /* decoders never produce these; a hand-built tick might */
	line l;
	l.n = 0;
	put_s(&l, "{\"kind\":\"");
	put_s(&l, tf_tick_kind_name(t->kind));
	put_s(&l, "\",\"symbol\":\"");
	put_s(&l, t->symbol);
	put_s(&l, "\"");
	put_i64(&l, "event_time", t->event_time);
	switch (t->kind) {
	case TF_TICK_MINI_TICKER:
	case TF_TICK_TICKER_24HR:
	case TF_TICK_REST_24HR: put_24h(&l, t); break;
	case TF_TICK_KLINE: put_kline(&l, &t->kline); break;
	case TF_TICK_TRADE:
	case TF_TICK_AGG_TRADE: put_trade(&l, t); break;
	case TF_TICK_BAR: put_bar(&l, &t->bar); break;
	}
	put_bool(&l, "dead", t->dead);
	put_s(&l, "}");
	if (l.n >= sizeof l.b)
		return TF_ERR_INTERNAL;
	return tf_buf_append(out, l.b, l.n);
}

/* decode_rest.c — Binance REST market bodies: GET /api/v3/ticker/24hr (one object, or the array of
 * every symbol) and GET /api/v3/klines (an array of rows). A body that is a Binance error payload
 * is TF_ERR_REMOTE with the exchange's code and message. */
#include "market/market_int.h"

#define TRY(x)                       \
	do {                         \
		if ((e = (x)) != TF_OK) \
			return e;    \
	} while (0)

/* Fields of a /ticker/24hr element, in the order read below. */
enum {
	F_SYMBOL, F_CHANGE, F_CHANGE_PCT, F_WAVG, F_PREV_CLOSE, F_LAST, F_OPEN, F_HIGH, F_LOW, F_VOLUME,
	F_QVOLUME, F_OPEN_TIME, F_CLOSE_TIME, F_FIRST_ID, F_LAST_ID, F_COUNT, F_N_
};
static const char *const rest_24hr_names[F_N_] = {
	"symbol", "priceChange", "priceChangePercent", "weightedAvgPrice", "prevClosePrice", "lastPrice",
	"openPrice", "highPrice", "lowPrice", "volume", "quoteVolume", "openTime", "closeTime", "firstId",
	"lastId", "count",
};

static tf_err need(const tf_json_doc *d, uint32_t obj, const uint32_t *at, int f, tf_decode_err *err)
{
	if (at[f])
		return TF_OK;
	return tf_json_fail(err, TF_ERR_SCHEMA, d->tok[obj].start, "missing field \"%s\"", rest_24hr_names[f]);
}

static tf_err rest_24hr_element(const tf_json_doc *d, uint32_t obj, tf_tick *t, tf_decode_err *err)
{
	tf_err e;
	memset(t, 0, sizeof *t);
	tf_market_set_raw(t, d, obj);
	t->kind = TF_TICK_REST_24HR;
	if (d->tok[obj].type != TF_JSON_OBJECT)
		return tf_json_fail(err, TF_ERR_SCHEMA, d->tok[obj].start, "expected an object, got %s",
				    tf_json_type_name(d, obj));
	uint32_t at[F_N_];
	TRY(tf_market_fields_collect(d, obj, rest_24hr_names, F_N_, at, err));
	for (int f = 0; f < F_N_; f++)
		TRY(need(d, obj, at, f, err));
	tf_tick_24h *s = &t->s24;
	TRY(tf_market_symbol(d, at[F_SYMBOL], "symbol", t->symbol, err));
	struct {
		int f;
		tf_dec *dst;
	} decs[] = {
		{F_CHANGE, &s->price_change}, {F_CHANGE_PCT, &s->price_change_pct}, {F_WAVG, &s->weighted_avg_price},
		{F_PREV_CLOSE, &s->prev_close}, {F_LAST, &s->last}, {F_OPEN, &s->open}, {F_HIGH, &s->high},
		{F_LOW, &s->low}, {F_VOLUME, &s->volume}, {F_QVOLUME, &s->quote_volume},
	};
	for (size_t i = 0; i < sizeof decs / sizeof decs[0]; i++)
		TRY(tf_json_dec(d, at[decs[i].f], rest_24hr_names[decs[i].f], decs[i].dst, err));
	struct {
		int f;
		int64_t *dst;
	} ints[] = {
		{F_OPEN_TIME, &s->open_time}, {F_CLOSE_TIME, &s->close_time}, {F_FIRST_ID, &s->first_id},
		{F_LAST_ID, &s->last_id}, {F_COUNT, &s->trades},
	};
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
		TRY(tf_json_i64(d, at[ints[i].f], rest_24hr_names[ints[i].f], ints[i].dst, err));
	t->event_time = s->close_time; /* the snapshot's time: the end of its 24 h window */
	t->dead = s->last == 0;
	return TF_OK;
}

/* Decodes element v with fn and hands the tick (or the rejection) to the handler. */
static tf_err deliver(const tf_json_doc *d, uint32_t v, long idx, const tf_tick_handler *h, tf_decode_err *err,
		      tf_err (*fn)(const tf_json_doc *, uint32_t, tf_tick *, void *, tf_decode_err *), void *arg)
{
	tf_tick t;
	tf_err e = fn(d, v, &t, arg, err);
	if (e == TF_OK)
		return tf_market_emit(h, &t);
	if (e != TF_ERR_SCHEMA && e != TF_ERR_PARSE && e != TF_ERR_RANGE)
		return e;
	if (idx >= 0)
		tf_json_err_prefix(err, "element %ld", idx);
	return tf_market_emit_bad(h, d, v, e, err);
}

static tf_err rest_24hr_fn(const tf_json_doc *d, uint32_t v, tf_tick *t, void *arg, tf_decode_err *err)
{
	return rest_24hr_element(d, v, t, err);
}

/* Parses body; a Binance error payload becomes TF_ERR_REMOTE. */
static tf_err parse_body(tf_json_doc *d, const char *body, size_t len, tf_decode_err *err)
{
	tf_err e = tf_json_parse(d, body, len, err);
	if (e)
		return e;
	if (d->tok[0].type == TF_JSON_OBJECT && tf_json_find(d, 0, "code") && tf_json_find(d, 0, "msg")) {
		int64_t code;
		return tf_market_decode_binance_error_doc(d, 0, &code, err);
	}
	return TF_OK;
}

tf_err tf_market_decode_rest_24hr(const char *body, size_t len, const tf_tick_handler *h, tf_decode_err *err)
{
	tf_json_doc d;
	tf_json_init(&d);
	tf_err e = parse_body(&d, body, len, err);
	if (e)
		goto out;
	if (d.tok[0].type == TF_JSON_OBJECT) {
		e = deliver(&d, 0, -1, h, err, rest_24hr_fn, NULL);
	} else if (d.tok[0].type == TF_JSON_ARRAY) {
		uint32_t el = tf_json_child(0);
		for (uint32_t k = 0; k < d.tok[0].size && !e; k++, el = d.tok[el].next)
			e = deliver(&d, el, (long)k, h, err, rest_24hr_fn, NULL);
	} else {
		e = tf_json_fail(err, TF_ERR_SCHEMA, d.tok[0].start, "ticker/24hr body: expected an object or an array, got %s",
				 tf_json_type_name(&d, 0));
	}
out:
	tf_json_free(&d);
	return e;
}

/* ---- klines ---- */

typedef struct {
	const char *symbol, *interval;
} kline_args;

static tf_err kline_row(const tf_json_doc *d, uint32_t row, tf_tick *t, void *arg, tf_decode_err *err)
{
	static const char *const names[11] = {
		"open time", "open", "high", "low", "close", "volume", "close time", "quote volume", "trades",
		"taker buy volume", "taker buy quote volume",
	};
	const kline_args *a = arg;
	tf_err e;
	memset(t, 0, sizeof *t);
	tf_market_set_raw(t, d, row);
	t->kind = TF_TICK_KLINE;
	if (d->tok[row].type != TF_JSON_ARRAY)
		return tf_json_fail(err, TF_ERR_SCHEMA, d->tok[row].start, "expected a kline row (an array), got %s",
				    tf_json_type_name(d, row));
	if (d->tok[row].size < 11)
		return tf_json_fail(err, TF_ERR_SCHEMA, d->tok[row].start, "kline row has %u fields, expected 12",
				    d->tok[row].size);
	uint32_t v[11], c = tf_json_child(row);
	for (int i = 0; i < 11; i++, c = d->tok[c].next)
		v[i] = c;
	tf_tick_kline *k = &t->kline;
	TRY(tf_json_i64(d, v[0], names[0], &k->open_time, err));
	TRY(tf_json_dec(d, v[1], names[1], &k->open, err));
	TRY(tf_json_dec(d, v[2], names[2], &k->high, err));
	TRY(tf_json_dec(d, v[3], names[3], &k->low, err));
	TRY(tf_json_dec(d, v[4], names[4], &k->close, err));
	TRY(tf_json_dec(d, v[5], names[5], &k->volume, err));
	TRY(tf_json_i64(d, v[6], names[6], &k->close_time, err));
	TRY(tf_json_dec(d, v[7], names[7], &k->quote_volume, err));
	TRY(tf_json_i64(d, v[8], names[8], &k->trades, err));
	TRY(tf_json_dec(d, v[9], names[9], &k->taker_buy_volume, err));
	TRY(tf_json_dec(d, v[10], names[10], &k->taker_buy_quote_volume, err));
	memcpy(t->symbol, a->symbol, strlen(a->symbol) + 1);
	memcpy(k->interval, a->interval, strlen(a->interval) + 1);
	t->event_time = k->open_time;
	t->dead = k->close == 0;
	return TF_OK;
}

static bool interval_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= TF_INTERVAL_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return true;
}

tf_err tf_market_decode_rest_klines(const char *body, size_t len, const char *symbol, const char *interval,
				    const tf_tick_handler *h, tf_decode_err *err)
{
	if (!symbol || !tf_tick_symbol_valid(symbol, strlen(symbol)))
		return tf_json_fail(err, TF_ERR_USAGE, 0, "invalid symbol argument");
	if (!interval || !interval_valid(interval))
		return tf_json_fail(err, TF_ERR_USAGE, 0, "invalid interval argument");
	tf_json_doc d;
	tf_json_init(&d);
	kline_args a = {symbol, interval};
	tf_err e = parse_body(&d, body, len, err);
	if (e)
		goto out;
	if (d.tok[0].type != TF_JSON_ARRAY) {
		e = tf_json_fail(err, TF_ERR_SCHEMA, d.tok[0].start, "klines body: expected an array of rows, got %s",
				 tf_json_type_name(&d, 0));
		goto out;
	}
	uint32_t el = tf_json_child(0);
	for (uint32_t k = 0; k < d.tok[0].size && !e; k++, el = d.tok[el].next)
		e = deliver(&d, el, (long)k, h, err, kline_row, &a);
out:
	tf_json_free(&d);
	return e;
}

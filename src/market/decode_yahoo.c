/* decode_yahoo.c — Yahoo Finance v8 chart bodies (/v8/finance/chart/<sym>) into TF_TICK_BAR ticks.
 *
 *   {"chart":{"result":[{"meta":{"symbol":"AAPL",..},"timestamp":[t0,..],
 *                        "indicators":{"quote":[{"open":[..],"high":[..],"low":[..],"close":[..],"volume":[..]}]}}],
 *             "error":null}}
 *
 * Timestamps are Unix seconds (event_time = t * 1000). Prices are JSON floats, parsed exactly from
 * their digits and rounded half away from zero to 8 decimals. A bar whose close is null (Yahoo
 * writes nulls for halted minutes) is skipped; other nulls set TF_BAR_NO_* bits. A result without
 * "timestamp" (a weekend, `"quote":[{}]`) is a valid empty result. {"chart":{"error":{"code":..,
 * "description":..}}} is TF_ERR_REMOTE.
 *
 * A bar has no JSON object of its own, so tick.raw slices the bar's close value; consumers that
 * need a self-contained record use tf_market_tick_json. */
#include "market/market_int.h"

enum { Q_OPEN, Q_HIGH, Q_LOW, Q_CLOSE, Q_VOLUME, Q_N_ };
static const char *const quote_names[Q_N_] = {"open", "high", "low", "close", "volume"};

static tf_err chart_error(const tf_json_doc *d, uint32_t ev, tf_decode_err *err)
{
	const char *code = "", *desc = "";
	size_t cn = 0, dn = 0;
	uint32_t c = tf_json_find(d, ev, "code"), s = tf_json_find(d, ev, "description");
	if (c && d->tok[c].type == TF_JSON_STRING) {
		code = d->src + d->tok[c].start;
		cn = d->tok[c].end - d->tok[c].start;
	}
	if (s && d->tok[s].type == TF_JSON_STRING) {
		desc = d->src + d->tok[s].start;
		dn = d->tok[s].end - d->tok[s].start;
	}
	return tf_json_fail(err, TF_ERR_REMOTE, d->tok[ev].start, "yahoo error %.*s: %.*s", cn > 40 ? 40 : (int)cn,
			    code, dn > 120 ? 120 : (int)dn, desc);
}

/* Value token of array arr at index i (arrays are walked in step, so this is the cursor). */
typedef struct {
	uint32_t tok; /* 0 when the series is absent */
} cursor;

static tf_err one_bar(const tf_json_doc *d, int64_t ts_s, const cursor *q, tf_tick *t, tf_decode_err *err)
{
	tf_tick_bar *b = &t->bar;
	tf_dec *dst[Q_N_] = {&b->open, &b->high, &b->low, &b->close, &b->volume};
	static const unsigned miss[Q_N_] = {TF_BAR_NO_OPEN, TF_BAR_NO_HIGH, TF_BAR_NO_LOW, 0, TF_BAR_NO_VOLUME};
	for (int f = 0; f < Q_N_; f++) {
		if (f == Q_CLOSE)
			continue;
		if (!q[f].tok || tf_json_is_null(d, q[f].tok)) {
			b->missing |= miss[f];
			continue;
		}
		tf_err e = tf_json_num_dec(d, q[f].tok, quote_names[f], dst[f], err);
		if (e)
			return e;
	}
	if (ts_s < -(INT64_MAX / 1000) || ts_s > INT64_MAX / 1000)
		return tf_json_fail(err, TF_ERR_RANGE, 0, "field \"timestamp\": out of range");
	t->event_time = ts_s * 1000;
	t->dead = b->close == 0;
	return TF_OK;
}

static tf_err one_result(const tf_json_doc *d, uint32_t res, const tf_tick_handler *h, tf_decode_err *err)
{
	tf_err e;
	char symbol[TF_SYMBOL_MAX];
	if (d->tok[res].type != TF_JSON_OBJECT)
		return tf_json_fail(err, TF_ERR_SCHEMA, d->tok[res].start, "chart result: expected an object, got %s",
				    tf_json_type_name(d, res));
	uint32_t meta = tf_json_find(d, res, "meta");
	if (!meta)
		return tf_json_fail(err, TF_ERR_SCHEMA, d->tok[res].start, "missing field \"meta\"");
	uint32_t sym = tf_json_find(d, meta, "symbol");
	if (!sym)
		return tf_json_fail(err, TF_ERR_SCHEMA, d->tok[meta].start, "missing field \"meta.symbol\"");
	if ((e = tf_market_symbol(d, sym, "meta.symbol", symbol, err)))
		return e;
	uint32_t ts = tf_json_find(d, res, "timestamp");
	if (!ts)
		return TF_OK; /* no bars in the range (weekend, holiday) */
	if (d->tok[ts].type != TF_JSON_ARRAY)
		return tf_json_fail(err, TF_ERR_SCHEMA, d->tok[ts].start, "field \"timestamp\": expected an array, got %s",
				    tf_json_type_name(d, ts));
	uint32_t ind = tf_json_find(d, res, "indicators");
	uint32_t quotes = ind ? tf_json_find(d, ind, "quote") : 0;
	if (!quotes || d->tok[quotes].type != TF_JSON_ARRAY || d->tok[quotes].size < 1 ||
	    d->tok[tf_json_child(quotes)].type != TF_JSON_OBJECT)
		return tf_json_fail(err, TF_ERR_SCHEMA, d->tok[res].start,
				    "field \"indicators.quote\": expected an array holding an object");
	uint32_t quote = tf_json_child(quotes);
	uint32_t n = d->tok[ts].size;
	cursor q[Q_N_];
	for (int f = 0; f < Q_N_; f++) {
		uint32_t a = tf_json_find(d, quote, quote_names[f]);
		if (a && (d->tok[a].type != TF_JSON_ARRAY || d->tok[a].size != n))
			return tf_json_fail(err, TF_ERR_SCHEMA, d->tok[a].start,
					    "field \"%s\": expected an array of %u values like \"timestamp\"", quote_names[f], n);
		if (!a && f == Q_CLOSE)
			return tf_json_fail(err, TF_ERR_SCHEMA, d->tok[quote].start, "missing field \"close\"");
		q[f].tok = a ? tf_json_child(a) : 0;
	}
	uint32_t tsv = tf_json_child(ts);
	for (uint32_t i = 0; i < n; i++) {
		tf_tick t;
		memset(&t, 0, sizeof t);
		t.kind = TF_TICK_BAR;
		memcpy(t.symbol, symbol, sizeof symbol);
		int64_t when;
		e = tf_json_i64(d, tsv, "timestamp", &when, err);
		if (!e && !tf_json_is_null(d, q[Q_CLOSE].tok)) {
			tf_market_set_raw(&t, d, q[Q_CLOSE].tok);
			e = tf_json_num_dec(d, q[Q_CLOSE].tok, "close", &t.bar.close, err);
			if (!e)
				e = one_bar(d, when, q, &t, err);
			if (!e)
				e = tf_market_emit(h, &t);
			else if (e == TF_ERR_SCHEMA || e == TF_ERR_PARSE || e == TF_ERR_RANGE) {
				tf_json_err_prefix(err, "bar %u", i);
				e = tf_market_emit_bad(h, d, q[Q_CLOSE].tok, e, err);
			}
		} else if (e) {
			return e; /* a bad timestamp makes the whole series unusable */
		}
		if (e)
			return e;
		tsv = d->tok[tsv].next;
		for (int f = 0; f < Q_N_; f++)
			if (q[f].tok)
				q[f].tok = d->tok[q[f].tok].next;
	}
	return TF_OK;
}

tf_err tf_market_decode_yahoo_chart(const char *body, size_t len, const tf_tick_handler *h, tf_decode_err *err)
{
	tf_json_doc d;
	tf_json_init(&d);
	tf_err e = tf_json_parse(&d, body, len, err);
	if (e)
		goto out;
	uint32_t chart = tf_json_find(&d, 0, "chart");
	if (!chart || d.tok[chart].type != TF_JSON_OBJECT) {
		e = tf_json_fail(err, TF_ERR_SCHEMA, 0, "chart body: missing object \"chart\"");
		goto out;
	}
	uint32_t ev = tf_json_find(&d, chart, "error");
	if (ev && !tf_json_is_null(&d, ev)) {
		e = chart_error(&d, ev, err);
		goto out;
	}
	uint32_t results = tf_json_find(&d, chart, "result");
	if (!results || d.tok[results].type != TF_JSON_ARRAY) {
		e = tf_json_fail(err, TF_ERR_SCHEMA, results ? d.tok[results].start : d.tok[chart].start,
				 "field \"chart.result\": expected an array");
		goto out;
	}
	uint32_t r = tf_json_child(results);
	for (uint32_t k = 0; k < d.tok[results].size && !e; k++, r = d.tok[r].next)
		e = one_result(&d, r, h, err);
out:
	tf_json_free(&d);
	return e;
}

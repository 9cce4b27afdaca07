/* api.c — the JSON API handlers (see api.h). Each handler validates its parameters first (400
 * naming the parameter), then runs bound queries through query.h and renders rows as they come. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/row_json.h"
#include "web/api.h"
#include "web/json.h"
#include "web/params.h"

#define MAX_TIME 9007199254740991LL /* 2^53-1: exact in JavaScript */
#define MAX_STATS_ROWS 100000

typedef struct {
	tf_buf *b;
	int n;
} emit;

static int bad_param(tf_buf *b, const tf_web_perr *e)
{
	tf_buf_reset(b);
	tf_buf_appendf(b, "{\"error\":");
	tf_wjson_str(b, e->why);
	tf_buf_appendf(b, ",\"param\":");
	tf_wjson_str(b, e->param ? e->param : "");
	tf_buf_appendf(b, "}");
	return 400;
}

static int store_error(tf_buf *b, tf_query *q, tf_err err)
{
	tf_buf_reset(b);
	tf_buf_appendf(b, "{\"error\":");
	tf_wjson_str(b, err == TF_ERR_TOO_BIG ? "response too large" : tf_query_error(q));
	tf_buf_appendf(b, "}");
	return err == TF_ERR_TOO_BIG ? 413 : 503;
}

static tf_err sep(emit *e)
{
	return e->n++ ? tf_buf_append(e->b, ",", 1) : TF_OK;
}

/* ---- /api/symbols ---- */

static tf_err symbol_cb(void *ud, const tf_q_symbol *s)
{
	emit *e = ud;
	tf_err err = sep(e);
	if (!err && !(err = tf_buf_appendf(e->b, "{\"symbol\":")) && !(err = tf_wjson_str(e->b, s->symbol)))
		err = tf_buf_appendf(e->b, ",\"candles\":%" PRId64 ",\"last_time\":%" PRId64 "}", s->candles, s->last_time);
	return err;
}

static int api_symbols(tf_query *q, const char *query, tf_buf *b)
{
	tf_web_perr pe = {0};
	char iv[TF_INTERVAL_MAX];
	int64_t ms;
	if (tf_web_param_only(query, "interval", &pe) || tf_web_param_interval(query, "interval", "1m", iv, &ms, &pe))
		return bad_param(b, &pe);
	emit e = {b, 0};
	tf_buf_appendf(b, "{\"interval\":\"%s\",\"symbols\":[", iv);
	tf_err err = tf_query_symbols(q, iv, symbol_cb, &e);
	if (err)
		return store_error(b, q, err);
	tf_buf_appendf(b, "]}");
	return 200;
}

/* ---- /api/candles ---- */

tf_err tf_web_candle_json(tf_buf *b, const tf_q_candle *c) { return tf_row_json_candle(b, c, true); }

typedef struct {
	emit e;
	int64_t first;
} candles_ctx;

static tf_err candle_cb(void *ud, const tf_q_candle *c)
{
	candles_ctx *x = ud;
	if (!x->e.n)
		x->first = c->open_time;
	tf_err err = sep(&x->e);
	return err ? err : tf_row_json_candle(x->e.b, c, false);
}

static int api_candles(tf_query *q, const char *query, tf_buf *b)
{
	tf_web_perr pe = {0};
	char sym[TF_SYMBOL_MAX], iv[TF_INTERVAL_MAX];
	int64_t ms, from, to, limit;
	if (tf_web_param_only(query, "symbol|interval|from|to|limit", &pe) ||
	    tf_web_param_symbol(query, "symbol", true, sym, &pe) ||
	    tf_web_param_interval(query, "interval", "1m", iv, &ms, &pe) ||
	    tf_web_param_int(query, "from", 0, 0, MAX_TIME, &from, &pe) ||
	    tf_web_param_int(query, "to", MAX_TIME, 0, MAX_TIME, &to, &pe) ||
	    tf_web_param_int(query, "limit", 500, 1, 5000, &limit, &pe))
		return bad_param(b, &pe);
	if (from > to) {
		pe.param = "from";
		snprintf(pe.why, sizeof pe.why, "from must not be after to");
		return bad_param(b, &pe);
	}
	candles_ctx x = {{b, 0}, 0};
	tf_buf_appendf(b, "{\"symbol\":\"%s\",\"interval\":\"%s\",\"candles\":[", sym, iv);
	tf_err err = tf_query_candles(q, sym, iv, from, to, limit, candle_cb, &x);
	if (err)
		return store_error(b, q, err);
	tf_buf_appendf(b, "],\"count\":%d,\"older_than\":", x.e.n);
	if (x.e.n == limit)
		tf_buf_appendf(b, "%" PRId64 "}", x.first);
	else
		tf_buf_appendf(b, "null}");
	return 200;
}

/* ---- statistics: /api/overview, /api/top, /api/anomalies ---- */

typedef struct {
	tf_q_stats *v;
	size_t n, cap;
} stats_list;

static tf_err stats_cb(void *ud, const tf_q_stats *s)
{
	stats_list *l = ud;
	if (l->n == l->cap) {
		if (l->cap >= MAX_STATS_ROWS)
			return TF_ERR_TOO_BIG;
		size_t cap = l->cap ? l->cap * 2 : 64;
		tf_q_stats *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return TF_ERR_NOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *s;
	return TF_OK;
}

static tf_maybe change_pct(const tf_q_stats *s)
{
	tf_maybe m = {s->first_open != 0, 0};
	if (m.valid)
		m.v = (s->last_close - s->first_open) / s->first_open * 100.0;
	return m;
}

static tf_err stats_json(tf_buf *b, const tf_q_stats *s)
{
	tf_err err = tf_buf_appendf(b, "{\"symbol\":");
	if (!err)
		err = tf_wjson_str(b, s->symbol);
	if (!err)
		err = tf_buf_appendf(b, ",\"candles\":%" PRId64 ",\"first_time\":%" PRId64 ",\"last_time\":%" PRId64 ",\"open\":",
				     s->candles, s->first_time, s->last_time);
	if (!err)
		err = tf_wjson_double(b, s->first_open);
	if (!err && !(err = tf_buf_appendf(b, ",\"last\":")))
		err = tf_wjson_double(b, s->last_close);
	if (!err && !(err = tf_buf_appendf(b, ",\"change\":")))
		err = tf_wjson_double(b, s->last_close - s->first_open);
	if (!err && !(err = tf_buf_appendf(b, ",\"change_pct\":")))
		err = tf_wjson_maybe(b, change_pct(s));
	if (!err && !(err = tf_buf_appendf(b, ",\"avg\":")))
		err = tf_wjson_double(b, s->avg_close);
	if (!err && !(err = tf_buf_appendf(b, ",\"max\":")))
		err = tf_wjson_double(b, s->max_high);
	if (!err && !(err = tf_buf_appendf(b, ",\"min\":")))
		err = tf_wjson_double(b, s->min_low);
	if (!err && !(err = tf_buf_appendf(b, ",\"avg_volatility\":")))
		err = tf_wjson_maybe(b, s->avg_rel_vol);
	if (!err && !(err = tf_buf_appendf(b, ",\"volume\":")))
		err = tf_wjson_double(b, s->volume);
	return err ? err : tf_buf_appendf(b, "}");
}

/* Runs the statistics query for period over interval; *from gets the period's start. */
static tf_err load_stats(tf_query *q, const char *iv, int64_t iv_ms, int64_t period, const tf_web_symbols *syms,
			 stats_list *out, int64_t *from, int64_t *to)
{
	int64_t latest;
	bool found;
	tf_err err = tf_query_latest_time(q, iv, &latest, &found);
	if (err)
		return err;
	*to = found ? latest + iv_ms : 0;
	*from = period && found ? latest + iv_ms - period : 0;
	if (!found)
		return TF_OK;
	const char *names[TF_WEB_MAX_SYMBOLS];
	size_t n = syms ? syms->n : 0;
	for (size_t i = 0; i < n; i++)
		names[i] = syms->names[i];
	return tf_query_stats(q, iv, *from, names, n, stats_cb, out);
}

static tf_err period_head(tf_buf *b, const char *iv, int64_t period, int64_t from, int64_t to)
{
	return tf_buf_appendf(b, "\"interval\":\"%s\",\"period_ms\":%" PRId64 ",\"from\":%" PRId64 ",\"to\":%" PRId64, iv,
			      period, from, to);
}

static int api_overview(tf_query *q, const char *query, tf_buf *b)
{
	tf_web_perr pe = {0};
	tf_web_symbols syms;
	char iv[TF_INTERVAL_MAX];
	int64_t ms, period, from, to;
	if (tf_web_param_only(query, "symbols|period|interval", &pe) || tf_web_param_symbols(query, "symbols", &syms, &pe) ||
	    tf_web_param_period(query, "period", "24h", &period, &pe) ||
	    tf_web_param_interval(query, "interval", "1m", iv, &ms, &pe))
		return bad_param(b, &pe);
	stats_list l = {0};
	tf_err err = load_stats(q, iv, ms, period, &syms, &l, &from, &to);
	int status = 200;
	if (err) {
		status = store_error(b, q, err);
		goto out;
	}
	tf_buf_appendf(b, "{");
	period_head(b, iv, period, from, to);
	tf_buf_appendf(b, ",\"symbols\":[");
	for (size_t i = 0; i < l.n; i++) {
		if (i)
			tf_buf_append(b, ",", 1);
		stats_json(b, &l.v[i]);
	}
	tf_buf_appendf(b, "]}");
out:
	free(l.v);
	return status;
}

static _Thread_local const char *g_by; /* sort key for qsort (per query thread) */

static double key(const tf_q_stats *s, bool *valid)
{
	*valid = true;
	if (!strcmp(g_by, "volume"))
		return s->volume;
	if (!strcmp(g_by, "volatility")) {
		*valid = s->avg_rel_vol.valid;
		return s->avg_rel_vol.v;
	}
	tf_maybe m = change_pct(s);
	*valid = m.valid;
	return !strcmp(g_by, "losers") ? -m.v : m.v;
}

/* Descending by key; rows without a value last; ties by symbol. */
static int by_key(const void *pa, const void *pb)
{
	const tf_q_stats *a = pa, *b = pb;
	bool va, vb;
	double ka = key(a, &va), kb = key(b, &vb);
	if (va != vb)
		return va ? -1 : 1;
	if (va && ka != kb)
		return ka > kb ? -1 : 1;
	return strcmp(a->symbol, b->symbol);
}

static int api_top(tf_query *q, const char *query, tf_buf *b)
{
	tf_web_perr pe = {0};
	char iv[TF_INTERVAL_MAX], by[16];
	int64_t ms, period, n, from, to;
	if (tf_web_param_only(query, "by|n|period|interval", &pe) ||
	    tf_web_param_choice(query, "by", "volume|gainers|losers|volatility", "volume", by, sizeof by, &pe) ||
	    tf_web_param_int(query, "n", 5, 1, 100, &n, &pe) || tf_web_param_period(query, "period", "24h", &period, &pe) ||
	    tf_web_param_interval(query, "interval", "1m", iv, &ms, &pe))
		return bad_param(b, &pe);
	stats_list l = {0};
	tf_err err = load_stats(q, iv, ms, period, NULL, &l, &from, &to);
	int status = 200;
	if (err) {
		status = store_error(b, q, err);
		goto out;
	}
	g_by = by;
	qsort(l.v, l.n, sizeof *l.v, by_key);
	tf_buf_appendf(b, "{\"by\":\"%s\",", by);
	period_head(b, iv, period, from, to);
	tf_buf_appendf(b, ",\"symbols\":[");
	for (size_t i = 0, k = 0; i < l.n && k < (size_t)n; i++) {
		bool valid;
		double v = key(&l.v[i], &valid);
		/* gainers are those that gained, losers those that lost */
		if (!valid || (strcmp(by, "gainers") == 0 && v <= 0) || (strcmp(by, "losers") == 0 && v <= 0))
			continue;
		if (k++)
			tf_buf_append(b, ",", 1);
		stats_json(b, &l.v[i]);
	}
	tf_buf_appendf(b, "]}");
out:
	free(l.v);
	return status;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double tf_web_quartile3(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof *v, cmp_double);
	double pos = (double)(n - 1) * 0.75;
	size_t lo = (size_t)pos;
	double frac = pos - (double)lo;
	return lo + 1 < n ? v[lo] + (v[lo + 1] - v[lo]) * frac : v[lo];
}

static tf_err alert_cb(void *ud, const tf_q_alert *a)
{
	emit *e = ud;
	tf_err err = sep(e);
	return err ? err : tf_row_json_alert(e->b, a);
}

tf_err tf_web_alert_json(tf_buf *b, const tf_q_alert *a)
{
	emit e = {b, 0};
	return alert_cb(&e, a);
}

static int api_anomalies(tf_query *q, const char *query, tf_buf *b)
{
	tf_web_perr pe = {0};
	char iv[TF_INTERVAL_MAX];
	int64_t ms, period, from, to, limit, change;
	if (tf_web_param_only(query, "period|interval|limit|change", &pe) ||
	    tf_web_param_period(query, "period", "24h", &period, &pe) ||
	    tf_web_param_interval(query, "interval", "1m", iv, &ms, &pe) ||
	    tf_web_param_int(query, "limit", 200, 1, 5000, &limit, &pe) ||
	    tf_web_param_int(query, "change", 5, 0, 1000, &change, &pe))
		return bad_param(b, &pe);
	stats_list l = {0};
	double *vols = NULL;
	int status = 200;
	tf_err err = load_stats(q, iv, ms, period, NULL, &l, &from, &to);
	if (err)
		goto fail;
	vols = malloc((l.n ? l.n : 1) * sizeof *vols);
	if (!vols) {
		err = TF_ERR_NOMEM;
		goto fail;
	}
	size_t nv = 0;
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].avg_rel_vol.valid)
			vols[nv++] = l.v[i].avg_rel_vol.v;
	double q3 = tf_web_quartile3(vols, nv);
	tf_buf_appendf(b, "{");
	period_head(b, iv, period, from, to);
	tf_buf_appendf(b, ",\"change_threshold_pct\":%" PRId64 ",\"volatility_q3\":", change);
	tf_wjson_double(b, q3);
	tf_buf_appendf(b, ",\"change\":[");
	for (size_t i = 0, k = 0; i < l.n; i++) {
		tf_maybe c = change_pct(&l.v[i]);
		if (!c.valid || fabs(c.v) <= (double)change)
			continue;
		if (k++)
			tf_buf_append(b, ",", 1);
		stats_json(b, &l.v[i]);
	}
	tf_buf_appendf(b, "],\"volatility\":[");
	for (size_t i = 0, k = 0; nv && i < l.n; i++) {
		if (!l.v[i].avg_rel_vol.valid || l.v[i].avg_rel_vol.v <= q3)
			continue;
		if (k++)
			tf_buf_append(b, ",", 1);
		stats_json(b, &l.v[i]);
	}
	tf_buf_appendf(b, "],\"alerts\":[");
	emit e = {b, 0};
	if ((err = tf_query_alerts(q, period ? from : 0, limit, alert_cb, &e)))
		goto fail;
	tf_buf_appendf(b, "]}");
	goto out;
fail:
	status = store_error(b, q, err);
out:
	free(vols);
	free(l.v);
	return status;
}

/* ---- /api/ticks ---- */

static tf_err tick_cb(void *ud, const tf_q_tick *t)
{
	emit *e = ud;
	tf_err err = sep(e);
	if (!err)
		err = tf_buf_appendf(e->b, "{\"event_time\":%" PRId64 ",\"last\":", t->event_time);
	if (!err)
		err = tf_wjson_dec(e->b, t->last);
	if (!err && !(err = tf_buf_appendf(e->b, ",\"open_24h\":")))
		err = tf_wjson_dec(e->b, t->open_24h);
	if (!err && !(err = tf_buf_appendf(e->b, ",\"high_24h\":")))
		err = tf_wjson_dec(e->b, t->high_24h);
	if (!err && !(err = tf_buf_appendf(e->b, ",\"low_24h\":")))
		err = tf_wjson_dec(e->b, t->low_24h);
	if (!err && !(err = tf_buf_appendf(e->b, ",\"volume_24h\":")))
		err = tf_wjson_dec(e->b, t->volume_24h);
	if (!err && !(err = tf_buf_appendf(e->b, ",\"quote_volume_24h\":")))
		err = tf_wjson_dec(e->b, t->quote_volume_24h);
	return err ? err : tf_buf_appendf(e->b, "}");
}

static int api_ticks(tf_query *q, const char *query, tf_buf *b)
{
	tf_web_perr pe = {0};
	char sym[TF_SYMBOL_MAX];
	int64_t limit, before;
	if (tf_web_param_only(query, "symbol|limit|before", &pe) || tf_web_param_symbol(query, "symbol", true, sym, &pe) ||
	    tf_web_param_int(query, "limit", 100, 1, 1000, &limit, &pe) ||
	    tf_web_param_int(query, "before", MAX_TIME, 1, MAX_TIME, &before, &pe))
		return bad_param(b, &pe);
	emit e = {b, 0};
	tf_buf_appendf(b, "{\"symbol\":\"%s\",\"ticks\":[", sym);
	tf_err err = tf_query_ticks(q, sym, before, limit, tick_cb, &e);
	if (err)
		return store_error(b, q, err);
	tf_buf_appendf(b, "]}");
	return 200;
}

static int healthz(tf_query *q, const char *query, tf_buf *b)
{
	tf_err err = tf_query_ping(q);
	if (err)
		return store_error(b, q, err);
	tf_buf_appendf(b, "{\"status\":\"ok\",\"store\":\"%s\"}", tf_query_kind(q));
	return 200;
}

static const struct {
	const char *path;
	int (*fn)(tf_query *q, const char *query, tf_buf *b);
} routes[] = {
	{"/api/symbols", api_symbols}, {"/api/candles", api_candles}, {"/api/overview", api_overview},
	{"/api/top", api_top},         {"/api/anomalies", api_anomalies}, {"/api/ticks", api_ticks},
	{"/healthz", healthz},
};

bool tf_web_api_route(const char *path)
{
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (!strcmp(path, routes[i].path))
			return true;
	return false;
}

int tf_web_api_handle(tf_query *q, const char *path, const char *query, tf_buf *body, bool *handled)
{
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (!strcmp(path, routes[i].path)) {
			*handled = true;
			int status = routes[i].fn(q, query, body);
			/* a body that hit its maximum is cut JSON: say so instead */
			if (status == 200 && body->len && body->data[body->len - 1] != '}')
				status = store_error(body, q, TF_ERR_TOO_BIG);
			return status;
		}
	*handled = false;
	return 404;
}

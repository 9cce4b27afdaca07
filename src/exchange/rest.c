/* rest.c — the REST endpoints (see rest.h): routing, Binance-style parameter validation, weights.
 *
 * Validation order, as Binance does it: parameters are decoded (-1100 for bad escapes), duplicate
 * names are refused (-1101), the weight is charged (429 beyond the budget), then each endpoint
 * reads its parameters (-1102 missing, -1100 illegal characters, -1105 empty, -1120 interval,
 * -1121 symbol, -1128 bad combination) and finally any parameter nobody read is -1104. */
#include "exchange/rest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange/render.h"
#include "exchange/streams.h"

#define MAX_LIST_SYMBOLS 500 /* ?symbols=[...] entries considered (beyond: -1101) */

typedef struct {
	tf_sim *sim;
	tf_xparam *p;
	int np;
	tf_buf *body;
	tf_xrest_meta *meta;
	int64_t now;
} req;

/* ---- query decoding ---------------------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

tf_err tf_xpct_decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (i + 2 >= n)
				return TF_ERR_PARSE;
			int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return TF_ERR_PARSE;
			c = (char)(hi * 16 + lo);
			if (c == '\0')
				return TF_ERR_PARSE;
			i += 2;
		}
		if (o + 1 >= cap)
			return TF_ERR_TOO_BIG;
		out[o++] = c;
	}
	out[o] = '\0';
	return TF_OK;
}

tf_err tf_xquery_parse(const char *query, tf_xparam *out, int max, int *n)
{
	*n = 0;
	const char *p = query;
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		if (len) {
			if (*n >= max)
				return TF_ERR_TOO_BIG;
			const char *eq = memchr(p, '=', len);
			size_t nl = eq ? (size_t)(eq - p) : len;
			tf_xparam *x = &out[*n];
			tf_err err = tf_xpct_decode(p, nl, x->name, sizeof x->name);
			if (!err)
				err = eq ? tf_xpct_decode(eq + 1, len - nl - 1, x->value, sizeof x->value)
					 : tf_xpct_decode("", 0, x->value, sizeof x->value);
			if (err)
				return err;
			x->used = 0;
			(*n)++;
		}
		p += len;
		if (*p == '&')
			p++;
	}
	return TF_OK;
}

/* ---- responses --------------------------------------------------------------------------- */

static tf_err fail(req *r, int status, int code, const char *msg)
{
	r->meta->status = status;
	tf_buf_reset(r->body);
	return tf_xrender_error(r->body, code, msg);
}

static tf_err failf(req *r, int code, const char *fmt, const char *a)
{
	char msg[256];
	snprintf(msg, sizeof msg, fmt, a);
	return fail(r, 400, code, msg);
}

/* The parameter called name, marked read; NULL when absent. */
static const char *param(req *r, const char *name)
{
	for (int i = 0; i < r->np; i++)
		if (strcmp(r->p[i].name, name) == 0) {
			r->p[i].used = 1;
			return r->p[i].value;
		}
	return NULL;
}

static bool symbol_chars_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

#define SYMBOL_RANGE "Illegal characters found in parameter '%s'; legal range is '^[A-Z0-9-_.]{1,20}$'."
#define SYMBOLS_RANGE                                                                                    \
	"Illegal characters found in parameter '%s'; legal range is "                                   \
	"'^\\\\[(\\\"[A-Z0-9-_.]{1,20}\\\"(,\\\"[A-Z0-9-_.]{1,20}\\\"){0,}){0,1}\\\\]$'."

/* Resolves ?symbol= (crypto only). Returns 1 with *idx set, 0 when absent, -1 after writing the
 * error response. */
static int read_symbol(req *r, bool mandatory, int *idx, tf_err *err)
{
	const char *s = param(r, "symbol");
	if (!s) {
		if (mandatory)
			*err = failf(r, -1102, "Mandatory parameter '%s' was not sent, was empty/null, or malformed.", "symbol");
		return mandatory ? -1 : 0;
	}
	if (!*s) {
		*err = failf(r, mandatory ? -1102 : -1105,
			     mandatory ? "Mandatory parameter '%s' was not sent, was empty/null, or malformed."
				       : "Parameter '%s' was empty.",
			     "symbol");
		return -1;
	}
	if (!symbol_chars_ok(s)) {
		*err = failf(r, -1100, SYMBOL_RANGE, "symbol");
		return -1;
	}
	*idx = tf_sim_find(r->sim, s, strlen(s));
	if (*idx < 0 || *idx >= tf_sim_nsymbols(r->sim)) {
		*err = fail(r, 400, -1121, "Invalid symbol.");
		return -1;
	}
	return 1;
}

/* Parses ?symbols=["A","B"] (no spaces, as Binance's pattern) into idx (malloc'd, caller frees).
 * Returns the count, 0 when absent, -1 after writing the error response. */
static int read_symbols(req *r, int **idx, tf_err *err)
{
	*idx = NULL;
	const char *s = param(r, "symbols");
	if (!s)
		return 0;
	size_t len = strlen(s);
	if (len < 2 || s[0] != '[' || s[len - 1] != ']') {
		*err = failf(r, -1100, SYMBOLS_RANGE, "symbols");
		return -1;
	}
	if (len == 2) {
		*err = failf(r, -1102, "Mandatory parameter '%s' was not sent, was empty/null, or malformed.", "symbols");
		return -1;
	}
	int *out = malloc(sizeof(int) * MAX_LIST_SYMBOLS);
	if (!out) {
		*err = TF_ERR_NOMEM;
		return -1;
	}
	int n = 0;
	const char *p = s + 1;
	for (;;) {
		char name[24];
		const char *q = p[0] == '"' ? strchr(p + 1, '"') : NULL;
		size_t nl = q ? (size_t)(q - p - 1) : 0;
		if (!q || nl == 0 || nl >= sizeof name) {
			*err = failf(r, -1100, SYMBOLS_RANGE, "symbols");
			goto bad;
		}
		memcpy(name, p + 1, nl);
		name[nl] = '\0';
		if (!symbol_chars_ok(name)) {
			*err = failf(r, -1100, SYMBOLS_RANGE, "symbols");
			goto bad;
		}
		int i = tf_sim_find(r->sim, name, nl);
		if (i < 0 || i >= tf_sim_nsymbols(r->sim)) {
			*err = fail(r, 400, -1121, "Invalid symbol.");
			goto bad;
		}
		for (int j = 0; j < n; j++)
			if (out[j] == i) {
				*err = fail(r, 400, -1101, "Duplicate values for a parameter detected.");
				goto bad;
			}
		if (n == MAX_LIST_SYMBOLS) {
			*err = fail(r, 400, -1101, "Too many values in parameter 'symbols'.");
			goto bad;
		}
		out[n++] = i;
		p = q + 1;
		if (p[0] == ']' && p[1] == '\0')
			break;
		if (p[0] != ',') {
			*err = failf(r, -1100, SYMBOLS_RANGE, "symbols");
			goto bad;
		}
		p++;
	}
	*idx = out;
	return n;
bad:
	free(out);
	return -1;
}

/* Reads an optional non-negative integer parameter; 1 when present, 0 absent, -1 after error. */
static int read_uint(req *r, const char *name, int64_t *out, tf_err *err)
{
	const char *s = param(r, name);
	if (!s)
		return 0;
	if (!*s) {
		*err = failf(r, -1105, "Parameter '%s' was empty.", name);
		return -1;
	}
	size_t n = strlen(s);
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || n > 18) {
			*err = failf(r, -1100, "Illegal characters found in parameter '%s'; legal range is '^[0-9]{1,20}$'.",
				     name);
			return -1;
		}
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

/* ---- endpoints --------------------------------------------------------------------------- */

static tf_err ticker24(req *r)
{
	tf_err err = TF_OK;
	int idx = -1, *list = NULL;
	bool has_symbols = false;
	for (int i = 0; i < r->np; i++)
		has_symbols |= strcmp(r->p[i].name, "symbols") == 0;
	int one = 0;
	for (int i = 0; i < r->np; i++)
		one |= strcmp(r->p[i].name, "symbol") == 0;
	if (one && has_symbols) {
		param(r, "symbol");
		param(r, "symbols");
		return fail(r, 400, -1128, "Combination of optional parameters invalid.");
	}
	int got = read_symbol(r, false, &idx, &err);
	if (got < 0)
		return err;
	int n = got ? 0 : read_symbols(r, &list, &err);
	if (n < 0)
		return err;
	tf_buf_reset(r->body);
	if (got)
		return tf_xrender_ticker24(r->sim, idx, r->body);
	int count = n ? n : tf_sim_nsymbols(r->sim);
	err = tf_buf_append(r->body, "[", 1);
	for (int i = 0; i < count && !err; i++) {
		if (i)
			err = tf_buf_append(r->body, ",", 1);
		if (!err)
			err = tf_xrender_ticker24(r->sim, n ? list[i] : i, r->body);
	}
	if (!err)
		err = tf_buf_append(r->body, "]", 1);
	free(list);
	return err;
}

static tf_err klines(req *r)
{
	tf_err err = TF_OK;
	int idx;
	if (read_symbol(r, true, &idx, &err) < 0)
		return err;
	const char *iv = param(r, "interval");
	if (!iv || !*iv)
		return failf(r, -1102, "Mandatory parameter '%s' was not sent, was empty/null, or malformed.", "interval");
	int ii = tf_xinterval_parse(iv, strlen(iv));
	if (ii < 0)
		return fail(r, 400, -1120, "Invalid interval.");
	int64_t start = 0, end = 0, limit = 500;
	int has_start, has_end, has_limit;
	if ((has_start = read_uint(r, "startTime", &start, &err)) < 0 || (has_end = read_uint(r, "endTime", &end, &err)) < 0 ||
	    (has_limit = read_uint(r, "limit", &limit, &err)) < 0)
		return err;
	if (has_limit && limit == 0)
		return failf(r, -1130, "Data sent for parameter '%s' is not valid.", "limit");
	if (limit > 1000)
		limit = 1000;
	int64_t ims = tf_xinterval_ms(ii);
	tf_sim_kline *k = malloc(sizeof *k * (size_t)limit);
	if (!k)
		return TF_ERR_NOMEM;
	size_t n;
	if (has_start) {
		n = tf_sim_klines(r->sim, idx, ims, start, has_end ? end : INT64_MAX / 2, k, (size_t)limit);
	} else {
		/* the most recent `limit` candles up to endTime (or now) */
		tf_sim_stats st;
		tf_sim_stats24(r->sim, idx, &st);
		int64_t last = has_end ? end : st.close_time;
		int64_t last_ot = (last >= 0 ? last / ims : 0) * ims;
		n = tf_sim_klines(r->sim, idx, ims, last_ot - (limit - 1) * ims, last, k, (size_t)limit);
	}
	tf_buf_reset(r->body);
	err = tf_buf_append(r->body, "[", 1);
	for (size_t i = 0; i < n && !err; i++) {
		if (i)
			err = tf_buf_append(r->body, ",", 1);
		if (!err)
			err = tf_xrender_kline_row(&k[i], r->body);
	}
	if (!err)
		err = tf_buf_append(r->body, "]", 1);
	free(k);
	return err;
}

static tf_err exchange_info(req *r, int64_t weight_limit)
{
	tf_err err = TF_OK;
	int idx, *list = NULL;
	int got = read_symbol(r, false, &idx, &err);
	if (got < 0)
		return err;
	int n = got ? 0 : read_symbols(r, &list, &err);
	if (n < 0)
		return err;
	tf_buf_reset(r->body);
	err = tf_xrender_exchange_info(r->sim, r->now, weight_limit, got ? &idx : n ? list : NULL, got ? 1 : n, r->body);
	free(list);
	return err;
}

static const struct {
	const char *name;
	int64_t ms;
} yahoo_intervals[] = {
	{"1m", 60000}, {"5m", 300000}, {"15m", 900000}, {"30m", 1800000},
	{"60m", 3600000}, {"1h", 3600000}, {"1d", 86400000},
};
static const struct {
	const char *name;
	int64_t ms;
} yahoo_ranges[] = {{"1d", 86400000}, {"5d", 5 * 86400000LL}, {"1mo", 30 * 86400000LL}};

static tf_err yahoo(req *r, const char *sym)
{
	r->meta->status = 200;
	tf_buf_reset(r->body);
	char up[24];
	size_t n = strlen(sym);
	int idx = -1;
	if (n > 0 && n < sizeof up) {
		for (size_t i = 0; i <= n; i++)
			up[i] = sym[i] >= 'a' && sym[i] <= 'z' ? (char)(sym[i] - 'a' + 'A') : sym[i];
		idx = tf_sim_find(r->sim, up, n);
	}
	if (idx < tf_sim_nsymbols(r->sim)) {
		r->meta->status = 404;
		return tf_xrender_yahoo_error(r->body, "Not Found", "No data found, symbol may be delisted");
	}
	const char *iv = param(r, "interval"), *rg = param(r, "range");
	iv = iv && *iv ? iv : "1d";
	rg = rg && *rg ? rg : "1mo";
	int64_t ims = 0, rms = 0;
	for (size_t i = 0; i < sizeof yahoo_intervals / sizeof yahoo_intervals[0]; i++)
		if (!strcmp(iv, yahoo_intervals[i].name))
			ims = yahoo_intervals[i].ms;
	for (size_t i = 0; i < sizeof yahoo_ranges / sizeof yahoo_ranges[0]; i++)
		if (!strcmp(rg, yahoo_ranges[i].name))
			rms = yahoo_ranges[i].ms;
	char msg[200];
	if (!ims) {
		r->meta->status = 422;
		snprintf(msg, sizeof msg, "Invalid input - interval=%.20s is not supported. Valid intervals: "
			 "[1m, 5m, 15m, 30m, 60m, 1h, 1d]", iv);
		return tf_xrender_yahoo_error(r->body, "Unprocessable Entity", msg);
	}
	if (!rms) {
		r->meta->status = 422;
		snprintf(msg, sizeof msg, "Invalid input - range=%.20s is not supported. Valid ranges: [1d, 5d, 1mo]", rg);
		return tf_xrender_yahoo_error(r->body, "Unprocessable Entity", msg);
	}
	if (ims == 60000 && rms > 7 * 86400000LL) {
		r->meta->status = 422;
		return tf_xrender_yahoo_error(r->body, "Unprocessable Entity",
					      "1m data not available for this range. Only 7 days worth of 1m "
					      "granularity data are allowed to be fetched per request.");
	}
	tf_sim_advance(r->sim, idx, r->now);
	return tf_xrender_yahoo_chart(r->sim, idx, ims, rms, iv, rg, r->body);
}

/* Weight of a request, before validation (Binance charges failed requests too). */
static int64_t weight_of(req *r, const char *path)
{
	if (!strcmp(path, "/api/v3/ticker/24hr")) {
		int n = -1;
		for (int i = 0; i < r->np; i++) {
			if (!strcmp(r->p[i].name, "symbol"))
				return 2;
			if (!strcmp(r->p[i].name, "symbols")) {
				n = 1;
				for (const char *c = r->p[i].value; *c; c++)
					n += *c == ',';
			}
		}
		return n < 0 ? 80 : n <= 20 ? 2 : n <= 100 ? 40 : 80;
	}
	if (!strcmp(path, "/api/v3/klines"))
		return 2;
	if (!strcmp(path, "/api/v3/exchangeInfo"))
		return 20;
	return 1;
}

tf_err tf_xrest_handle(tf_sim *sim, tf_xweight *weight, const char *method, const char *path, const char *query,
		       const char *peer, int64_t now_ms, tf_buf *body, tf_xrest_meta *meta)
{
	meta->status = 200;
	meta->used_weight = 0;
	meta->retry_after = 0;
	tf_buf_reset(body);
	tf_xparam *p = calloc(TF_XQUERY_MAX, sizeof *p);
	if (!p)
		return TF_ERR_NOMEM;
	req r = {.sim = sim, .p = p, .body = body, .meta = meta, .now = now_ms};
	tf_err err = TF_OK;
	bool binance = strncmp(path, "/api/v3/", 8) == 0;
	bool known = !strcmp(path, "/api/v3/ping") || !strcmp(path, "/api/v3/time") ||
		     !strcmp(path, "/api/v3/ticker/24hr") || !strcmp(path, "/api/v3/klines") ||
		     !strcmp(path, "/api/v3/exchangeInfo") ||
		     (!strncmp(path, "/v8/finance/chart/", 18) && path[18] && !strchr(path + 18, '/'));
	tf_err qerr = tf_xquery_parse(query, p, TF_XQUERY_MAX, &r.np);
	/* every response reports the weight used so far; unknown paths and 405s cost nothing */
	int retry = 0;
	int64_t w = known && !qerr ? weight_of(&r, path) : 0;
	bool allowed = tf_xweight_charge(weight, peer, now_ms, w, &meta->used_weight, &retry);
	if (!known) {
		meta->status = 404;
		err = tf_xrender_error(body, -1000, binance ? "Unknown API endpoint." : "Not found.");
		goto out;
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		meta->status = 405;
		err = tf_xrender_error(body, -1000, "Method not allowed; use GET.");
		goto out;
	}
	if (!allowed) {
		meta->status = 429;
		meta->retry_after = retry;
		char msg[200];
		snprintf(msg, sizeof msg,
			 "Too many requests; current limit of IP is %lld requests per minute. Please use the "
			 "websocket for live updates to avoid polling the API.",
			 (long long)weight->limit);
		err = tf_xrender_error(body, -1003, msg);
		goto out;
	}
	if (qerr == TF_ERR_TOO_BIG) {
		err = fail(&r, 400, -1101, "Too many parameters sent for this endpoint.");
		goto out;
	}
	if (qerr) {
		err = fail(&r, 400, -1100, "Illegal characters found in a parameter.");
		goto out;
	}
	for (int i = 0; i < r.np; i++)
		for (int j = 0; j < i; j++)
			if (!strcmp(p[i].name, p[j].name)) {
				err = fail(&r, 400, -1101, "Duplicate values for a parameter detected.");
				goto out;
			}
	if (!strcmp(path, "/api/v3/ping"))
		err = tf_buf_append(body, "{}", 2);
	else if (!strcmp(path, "/api/v3/time"))
		err = tf_buf_appendf(body, "{\"serverTime\":%lld}", (long long)now_ms);
	else if (!strcmp(path, "/api/v3/ticker/24hr"))
		err = ticker24(&r);
	else if (!strcmp(path, "/api/v3/klines"))
		err = klines(&r);
	else if (!strcmp(path, "/api/v3/exchangeInfo"))
		err = exchange_info(&r, weight->limit);
	else {
		err = yahoo(&r, path + 18);
		goto out; /* Yahoo ignores parameters it does not know */
	}
	if (err || meta->status != 200)
		goto out;
	int read = 0;
	for (int i = 0; i < r.np; i++)
		read += p[i].used;
	if (read < r.np) {
		char msg[160];
		snprintf(msg, sizeof msg, "Not all sent parameters were read; read '%d' parameter(s) but was sent '%d'.",
			 read, r.np);
		err = fail(&r, 400, -1104, msg);
	}
out:
	free(p);
	return err;
}

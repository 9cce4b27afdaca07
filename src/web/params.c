/* params.c — query parameter validation for the HTTP API (see params.h). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/http.h"
#include "web/params.h"

static tf_err bad(tf_web_perr *e, const char *param, const char *why)
{
	e->param = param;
	snprintf(e->why, sizeof e->why, "%s", why);
	return TF_ERR_USAGE;
}

/* Gets name's decoded value into out; TF_ERR_NOT_FOUND when absent or empty. */
static tf_err get(const char *query, const char *name, char *out, size_t cap, tf_web_perr *e)
{
	tf_err err = tf_http_query_get(query, name, out, cap, NULL);
	if (err == TF_ERR_NOT_FOUND || (!err && !out[0]))
		return TF_ERR_NOT_FOUND;
	if (err == TF_ERR_TOO_BIG)
		return bad(e, name, "value too long");
	if (err)
		return bad(e, name, "malformed percent-encoding");
	return TF_OK;
}

static bool symbol_ok(char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		s[i] = (char)toupper((unsigned char)s[i]);
		if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

tf_err tf_web_param_symbol(const char *query, const char *name, bool required, char out[TF_SYMBOL_MAX], tf_web_perr *e)
{
	char v[64];
	out[0] = 0;
	tf_err err = get(query, name, v, sizeof v, e);
	if (err == TF_ERR_NOT_FOUND)
		return required ? bad(e, name, "required: a symbol such as BTCUSDT") : TF_OK;
	if (err)
		return err;
	if (!symbol_ok(v))
		return bad(e, name, "a symbol is 1-20 letters and digits, such as BTCUSDT");
	memcpy(out, v, strlen(v) + 1);
	return TF_OK;
}

tf_err tf_web_param_symbols(const char *query, const char *name, tf_web_symbols *out, tf_web_perr *e)
{
	char v[TF_WEB_MAX_SYMBOLS * 24];
	out->n = 0;
	tf_err err = get(query, name, v, sizeof v, e);
	if (err == TF_ERR_NOT_FOUND)
		return TF_OK;
	if (err)
		return err;
	for (char *p = v;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = 0;
		if (!symbol_ok(p))
			return bad(e, name, "a comma-separated list of symbols (1-20 letters and digits each)");
		bool dup = false;
		for (size_t i = 0; i < out->n; i++)
			dup |= !strcmp(out->names[i], p);
		if (!dup) {
			if (out->n == TF_WEB_MAX_SYMBOLS)
				return bad(e, name, "at most 50 symbols");
			memcpy(out->names[out->n++], p, strlen(p) + 1);
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	return TF_OK;
}

tf_err tf_web_param_interval(const char *query, const char *name, const char *def, char out[TF_INTERVAL_MAX],
			     int64_t *ms, tf_web_perr *e)
{
	static const struct {
		const char *name;
		int64_t ms;
	} known[] = {{"1m", 60000}, {"5m", 300000}, {"1h", 3600000}};
	char v[16];
	tf_err err = get(query, name, v, sizeof v, e);
	if (err == TF_ERR_NOT_FOUND)
		snprintf(v, sizeof v, "%s", def);
	else if (err)
		return err;
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (!strcmp(v, known[i].name)) {
			snprintf(out, TF_INTERVAL_MAX, "%s", known[i].name);
			*ms = known[i].ms;
			return TF_OK;
		}
	return bad(e, name, "one of 1m, 5m, 1h");
}

tf_err tf_web_param_period(const char *query, const char *name, const char *def, int64_t *ms, tf_web_perr *e)
{
	static const struct {
		const char *name;
		int64_t ms;
	} known[] = {{"1h", 3600000}, {"24h", 86400000}, {"7d", 7 * 86400000LL}, {"30d", 30 * 86400000LL}, {"all", 0}};
	char v[16];
	tf_err err = get(query, name, v, sizeof v, e);
	if (err == TF_ERR_NOT_FOUND)
		snprintf(v, sizeof v, "%s", def);
	else if (err)
		return err;
	for (char *p = v; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (!strcmp(v, known[i].name)) {
			*ms = known[i].ms;
			return TF_OK;
		}
	return bad(e, name, "one of 1H, 24H, 7D, 30D, All");
}

tf_err tf_web_param_int(const char *query, const char *name, int64_t def, int64_t min, int64_t max, int64_t *out,
			tf_web_perr *e)
{
	char v[32];
	tf_err err = get(query, name, v, sizeof v, e);
	if (err == TF_ERR_NOT_FOUND) {
		*out = def;
		return TF_OK;
	}
	if (err)
		return err;
	const char *p = v[0] == '-' ? v + 1 : v;
	if (!*p || strspn(p, "0123456789") != strlen(p))
		goto range;
	errno = 0;
	char *end;
	long long x = strtoll(v, &end, 10);
	if (errno || *end || x < min || x > max)
		goto range;
	*out = x;
	return TF_OK;
range:
	e->param = name;
	snprintf(e->why, sizeof e->why, "an integer from %" PRId64 " to %" PRId64, min, max);
	return TF_ERR_USAGE;
}

tf_err tf_web_param_choice(const char *query, const char *name, const char *choices, const char *def, char *out,
			   size_t cap, tf_web_perr *e)
{
	char v[32];
	tf_err err = get(query, name, v, sizeof v, e);
	if (err == TF_ERR_NOT_FOUND)
		snprintf(v, sizeof v, "%s", def);
	else if (err)
		return err;
	size_t n = strlen(v);
	for (const char *c = choices; *c;) {
		size_t len = strcspn(c, "|");
		if (len == n && !memcmp(c, v, n)) {
			snprintf(out, cap, "%s", v);
			return TF_OK;
		}
		c += len + (c[len] == '|');
	}
	e->param = name;
	snprintf(e->why, sizeof e->why, "one of %s", choices);
	return TF_ERR_USAGE;
}

tf_err tf_web_param_only(const char *query, const char *known, tf_web_perr *e)
{
	static char name_store[48]; /* e->param must outlive the call; the loop thread is the only user */
	for (const char *p = query; *p;) {
		size_t len = strcspn(p, "&"), nlen = strcspn(p, "=&");
		bool ok = nlen == 0 || (nlen == 1 && p[0] == '_'); /* empty pairs; "_" is a cache-buster */
		for (const char *c = known; !ok && *c;) {
			size_t k = strcspn(c, "|");
			ok = k == nlen && !memcmp(c, p, k);
			c += k + (c[k] == '|');
		}
		if (!ok) {
			snprintf(name_store, sizeof name_store, "%.*s", (int)(nlen < 40 ? nlen : 40), p);
			e->param = name_store;
			snprintf(e->why, sizeof e->why, "unknown parameter; this endpoint takes %s", known);
			return TF_ERR_USAGE;
		}
		p += len + (p[len] == '&');
	}
	return TF_OK;
}

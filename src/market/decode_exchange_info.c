/* decode_exchange_info.c — GET /api/v3/exchangeInfo: the list of symbols with their status and
 * assets (what `ingest` and the simulator need to know which markets exist and which trade). Filters,
 * order types and rate limits are not decoded. */
#include <stdlib.h>

#include "market/market_int.h"

/* [A-Z0-9_] of length 1..max-1, copied with a NUL. */
static tf_err word(const tf_json_doc *d, uint32_t v, const char *field, char *out, size_t max, tf_decode_err *err)
{
	const char *s;
	size_t n;
	tf_err e = tf_json_str(d, v, field, &s, &n, err);
	if (e)
		return e;
	bool ok = n > 0 && n < max;
	for (size_t i = 0; ok && i < n; i++)
		ok = (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_';
	if (!ok)
		return tf_json_fail(err, TF_ERR_SCHEMA, d->tok[v].start, "field \"%s\": invalid value \"%.*s\"", field,
				    n > 40 ? 40 : (int)n, s);
	memcpy(out, s, n);
	out[n] = '\0';
	return TF_OK;
}

static tf_err symbol_info(const tf_json_doc *d, uint32_t obj, tf_symbol_info *si, tf_decode_err *err)
{
	static const char *const names[4] = {"symbol", "status", "baseAsset", "quoteAsset"};
	uint32_t at[4];
	if (d->tok[obj].type != TF_JSON_OBJECT)
		return tf_json_fail(err, TF_ERR_SCHEMA, d->tok[obj].start, "expected an object, got %s",
				    tf_json_type_name(d, obj));
	tf_err e = tf_market_fields_collect(d, obj, names, 4, at, err);
	for (int i = 0; i < 4 && !e; i++)
		if (!at[i])
			e = tf_json_fail(err, TF_ERR_SCHEMA, d->tok[obj].start, "missing field \"%s\"", names[i]);
	if (!e)
		e = tf_market_symbol(d, at[0], "symbol", si->symbol, err);
	if (!e)
		e = word(d, at[1], "status", si->status, sizeof si->status, err);
	if (!e)
		e = word(d, at[2], "baseAsset", si->base_asset, sizeof si->base_asset, err);
	if (!e)
		e = word(d, at[3], "quoteAsset", si->quote_asset, sizeof si->quote_asset, err);
	return e;
}

tf_err tf_market_decode_exchange_info(const char *body, size_t len, tf_symbol_info **out, size_t *n,
				      tf_decode_err *err)
{
	tf_json_doc d;
	tf_json_init(&d);
	tf_symbol_info *list = NULL;
	*out = NULL;
	*n = 0;
	tf_err e = tf_json_parse(&d, body, len, err);
	if (e)
		goto out;
	if (d.tok[0].type != TF_JSON_OBJECT) {
		e = tf_json_fail(err, TF_ERR_SCHEMA, d.tok[0].start, "exchangeInfo body: expected an object, got %s",
				 tf_json_type_name(&d, 0));
		goto out;
	}
	if (tf_json_find(&d, 0, "code") && tf_json_find(&d, 0, "msg")) {
		int64_t code;
		e = tf_market_decode_binance_error_doc(&d, 0, &code, err);
		goto out;
	}
	uint32_t syms = tf_json_find(&d, 0, "symbols");
	if (!syms || d.tok[syms].type != TF_JSON_ARRAY) {
		e = tf_json_fail(err, TF_ERR_SCHEMA, syms ? d.tok[syms].start : 0,
				 syms ? "field \"symbols\": expected an array, got %s" : "missing field \"symbols\"%s",
				 syms ? tf_json_type_name(&d, syms) : "");
		goto out;
	}
	uint32_t count = d.tok[syms].size;
	list = calloc(count ? count : 1, sizeof *list);
	if (!list) {
		e = tf_json_fail(err, TF_ERR_NOMEM, 0, "out of memory for %u symbols", count);
		goto out;
	}
	uint32_t el = tf_json_child(syms);
	for (uint32_t k = 0; k < count; k++, el = d.tok[el].next) {
		e = symbol_info(&d, el, &list[k], err);
		if (e) {
			tf_json_err_prefix(err, "symbols[%u]", k);
			goto out;
		}
	}
	*out = list;
	*n = count;
	list = NULL;
out:
	free(list);
	tf_json_free(&d);
	return e;
}

/* row_json.c — candles and alerts as JSON (see row_json.h). Each row kind has one field table that
 * both the writer and the parser walk, so what is written and what is accepted cannot drift apart. */
#include "store/row_json.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/json.h"

#define MAX_TIME 253402300799999LL /* 9999-12-31T23:59:59.999Z */

typedef enum {
	K_SYMBOL,   /* char[cap]: [A-Za-z0-9^.=@_-]{1,cap-1} */
	K_NAME,     /* char[cap]: [A-Za-z0-9_]{1,cap-1} */
	K_TEXT,     /* char[cap]: any text without backslash or quote, < cap bytes */
	K_DEC,      /* char[cap]: exact decimal text, "" = null */
	K_TIME,     /* int64_t in [0, MAX_TIME] */
	K_OPT_TIME, /* int64_t in [1, MAX_TIME], 0 = null */
	K_COUNT,    /* int64_t >= 0 */
	K_ID,       /* int64_t, as a JSON string (ids are hashes beyond JavaScript's exact integers) */
	K_BOOL,     /* bool */
	K_MAYBE,    /* tf_maybe, finite or null */
} kind;

typedef struct {
	const char *key;
	kind k;
	size_t off, cap;
} field;

#define CF(key, k, member, cap) {key, k, offsetof(tf_q_candle, member), cap}
static const field candle_fields[] = {
	CF("symbol", K_SYMBOL, symbol, TF_SYMBOL_MAX),
	CF("interval", K_NAME, interval, TF_INTERVAL_MAX),
	CF("t", K_TIME, open_time, 0),
	CF("o", K_DEC, open, TF_Q_NUM),
	CF("h", K_DEC, high, TF_Q_NUM),
	CF("l", K_DEC, low, TF_Q_NUM),
	CF("c", K_DEC, close, TF_Q_NUM),
	CF("v", K_DEC, volume, TF_Q_NUM),
	CF("n", K_COUNT, updates, 0),
	CF("final", K_BOOL, final, 0),
	CF("ma7", K_MAYBE, ma7, 0),
	CF("ma25", K_MAYBE, ma25, 0),
	CF("ret", K_MAYBE, ret, 0),
	CF("volatility", K_MAYBE, rel_vol, 0),
	CF("change_24h_pct", K_MAYBE, change_24h_pct, 0),
	CF("last_event_time", K_OPT_TIME, last_event_time, 0),
};
#define CANDLE_NFIELDS (sizeof candle_fields / sizeof candle_fields[0])
#define CANDLE_KEYED 2 /* the first two fields name the series; /api/candles rows omit them */

#define AF(key, k, member, cap) {key, k, offsetof(tf_q_alert, member), cap}
static const field alert_fields[] = {
	AF("id", K_ID, id, 0),
	AF("symbol", K_SYMBOL, symbol, TF_SYMBOL_MAX),
	AF("kind", K_NAME, kind, sizeof(((tf_q_alert *)0)->kind)),
	AF("event_time", K_TIME, event_time, 0),
	AF("value", K_MAYBE, value, 0),
	AF("threshold", K_MAYBE, threshold, 0),
	AF("detail", K_TEXT, detail, sizeof(((tf_q_alert *)0)->detail)),
};
#define ALERT_NFIELDS (sizeof alert_fields / sizeof alert_fields[0])

/* ---- writing ---- */

static tf_err write_value(tf_buf *b, const char *row, const field *f)
{
	const void *p = row + f->off;
	int64_t i;
	tf_err err;
	switch (f->k) {
	case K_SYMBOL:
	case K_NAME:
	case K_TEXT: return tf_wjson_str(b, p);
	case K_DEC: return tf_wjson_dec(b, p);
	case K_BOOL: return tf_buf_append_str(b, *(const bool *)p ? "true" : "false");
	case K_MAYBE: return tf_wjson_maybe(b, *(const tf_maybe *)p);
	case K_ID:
		memcpy(&i, p, sizeof i);
		if ((err = tf_buf_append(b, "\"", 1)) || (err = tf_buf_append_int(b, i)))
			return err;
		return tf_buf_append(b, "\"", 1);
	case K_OPT_TIME:
		memcpy(&i, p, sizeof i);
		return i > 0 ? tf_buf_append_int(b, i) : tf_buf_append(b, "null", 4);
	default:
		memcpy(&i, p, sizeof i);
		return tf_buf_append_int(b, i);
	}
}

/* Written for every changed candle of every commit (the live bus), so no printf: a candle row was a
 * sixth of the stream's instructions with it (callgrind over bench/engine_pipeline.sh's records). */
static tf_err write_fields(tf_buf *b, const void *row, const field *f, size_t n)
{
	tf_err err = tf_buf_append(b, "{", 1);
	for (size_t i = 0; i < n && !err; i++) {
		char key[32];
		size_t k = strlen(f[i].key);
		size_t at = 0;
		if (k > sizeof key - 4)
			return TF_ERR_INTERNAL;
		if (i)
			key[at++] = ',';
		key[at++] = '"';
		memcpy(key + at, f[i].key, k);
		at += k;
		key[at++] = '"';
		key[at++] = ':';
		err = tf_buf_append(b, key, at);
		if (!err)
			err = write_value(b, row, &f[i]);
	}
	return err ? err : tf_buf_append(b, "}", 1);
}

tf_err tf_row_json_candle(tf_buf *b, const tf_q_candle *c, bool with_symbol)
{
	size_t skip = with_symbol ? 0 : CANDLE_KEYED;
	return write_fields(b, c, candle_fields + skip, CANDLE_NFIELDS - skip);
}

tf_err tf_row_json_alert(tf_buf *b, const tf_q_alert *a) { return write_fields(b, a, alert_fields, ALERT_NFIELDS); }

void tf_row_from_candle(const tf_candle_row *r, tf_q_candle *out)
{
	memset(out, 0, sizeof *out);
	memcpy(out->symbol, r->symbol, sizeof out->symbol);
	memcpy(out->interval, r->interval, sizeof out->interval);
	out->open_time = r->open_time;
	_Static_assert(TF_Q_NUM >= TF_DEC_STR_MAX, "decimal text fits");
	tf_dec_format(r->open, out->open);
	tf_dec_format(r->high, out->high);
	tf_dec_format(r->low, out->low);
	tf_dec_format(r->close, out->close);
	tf_dec_format(r->volume, out->volume);
	out->updates = r->updates;
	out->final = r->final;
	out->ma7 = r->ma7;
	out->ma25 = r->ma25;
	out->ret = r->ret;
	out->rel_vol = r->rel_vol;
	out->change_24h_pct = r->change_24h_pct;
	out->last_event_time = r->last_event_time;
}

void tf_row_from_alert(const tf_alert_row *r, tf_q_alert *out)
{
	memset(out, 0, sizeof *out);
	out->id = r->id;
	snprintf(out->symbol, sizeof out->symbol, "%s", r->symbol);
	snprintf(out->kind, sizeof out->kind, "%s", tf_alert_kind_name(r->kind));
	out->event_time = r->event_time;
	/* the store keeps NaN as NULL */
	out->value = (tf_maybe){!isnan(r->value), isnan(r->value) ? 0 : r->value};
	out->threshold = (tf_maybe){!isnan(r->threshold), isnan(r->threshold) ? 0 : r->threshold};
	snprintf(out->detail, sizeof out->detail, "%s", r->detail);
}

/* ---- parsing ---- */

static bool chars_ok(const char *s, size_t n, const char *extra)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c && strchr(extra, c))))
			return false;
	}
	return true;
}

static tf_err fail(char *why, size_t cap, tf_err code, const char *key, const char *what)
{
	snprintf(why, cap, "field \"%s\": %s", key, what);
	return code;
}

static tf_err read_string(const tf_json_doc *d, uint32_t v, const field *f, char *dst, char *why, size_t cap)
{
	const char *s;
	size_t n;
	tf_decode_err de;
	if (tf_json_str(d, v, f->key, &s, &n, &de))
		return fail(why, cap, TF_ERR_SCHEMA, f->key, "expected a string");
	if (n == 0 && f->k != K_TEXT)
		return fail(why, cap, TF_ERR_SCHEMA, f->key, "empty");
	if (n >= f->cap)
		return fail(why, cap, TF_ERR_RANGE, f->key, "too long");
	bool ok = f->k == K_SYMBOL ? chars_ok(s, n, "^.=@_-") : f->k == K_NAME ? chars_ok(s, n, "_")
										 : !memchr(s, '\\', n) && !memchr(s, 0x7f, n);
	if (!ok)
		return fail(why, cap, TF_ERR_SCHEMA, f->key, "unexpected character");
	memcpy(dst, s, n);
	dst[n] = 0;
	return TF_OK;
}

/* A JSON number token's text, NUL-terminated in out (cap bytes); false when v is no number or too long. */
static bool number_text(const tf_json_doc *d, uint32_t v, char *out, size_t cap)
{
	const tf_json_tok *t = &d->tok[v];
	size_t n = t->end - t->start;
	char c = d->src[t->start];
	if (t->type != TF_JSON_PRIMITIVE || c == 'n' || c == 't' || c == 'f' || n >= cap)
		return false;
	memcpy(out, d->src + t->start, n);
	out[n] = 0;
	return true;
}

static tf_err read_int(const tf_json_doc *d, uint32_t v, const field *f, void *dst, char *why, size_t cap)
{
	int64_t i;
	tf_decode_err de;
	if (f->k == K_OPT_TIME && tf_json_is_null(d, v)) {
		i = 0;
		memcpy(dst, &i, sizeof i);
		return TF_OK;
	}
	if (f->k == K_ID) {
		const tf_json_tok *t = &d->tok[v];
		if (t->type != TF_JSON_STRING || tf_json_parse_i64(d->src + t->start, t->end - t->start, &i))
			return fail(why, cap, TF_ERR_SCHEMA, f->key, "expected an integer in a string");
	} else if (tf_json_i64(d, v, f->key, &i, &de)) {
		return fail(why, cap, TF_ERR_SCHEMA, f->key, "expected an integer");
	}
	int64_t lo = f->k == K_ID ? INT64_MIN : f->k == K_OPT_TIME ? 1 : 0;
	int64_t hi = f->k == K_TIME || f->k == K_OPT_TIME ? MAX_TIME : INT64_MAX;
	if (i < lo || i > hi)
		return fail(why, cap, TF_ERR_RANGE, f->key, "out of range");
	memcpy(dst, &i, sizeof i);
	return TF_OK;
}

static tf_err read_value(const tf_json_doc *d, uint32_t v, const field *f, char *row, char *why, size_t cap)
{
	void *dst = row + f->off;
	char num[64];
	tf_decode_err de;
	switch (f->k) {
	case K_SYMBOL:
	case K_NAME:
	case K_TEXT: return read_string(d, v, f, dst, why, cap);
	case K_DEC:
		if (tf_json_is_null(d, v)) {
			*(char *)dst = 0;
			return TF_OK;
		}
		if (!number_text(d, v, dst, f->cap) || !tf_wjson_is_decimal(dst))
			return fail(why, cap, TF_ERR_SCHEMA, f->key, "expected a decimal number");
		return TF_OK;
	case K_BOOL:
		return tf_json_bool(d, v, f->key, dst, &de) ? fail(why, cap, TF_ERR_SCHEMA, f->key, "expected a boolean") : TF_OK;
	case K_MAYBE: {
		tf_maybe m = {false, 0};
		if (!tf_json_is_null(d, v)) {
			if (!number_text(d, v, num, sizeof num))
				return fail(why, cap, TF_ERR_SCHEMA, f->key, "expected a number or null");
			m.v = strtod(num, NULL);
			if (!isfinite(m.v))
				return fail(why, cap, TF_ERR_RANGE, f->key, "out of range");
			m.valid = true;
		}
		memcpy(dst, &m, sizeof m);
		return TF_OK;
	}
	default: return read_int(d, v, f, dst, why, cap);
	}
}

static tf_err parse_fields(tf_json_doc *d, const char *src, size_t len, const field *f, size_t n, void *row, char *why,
			   size_t cap)
{
	if (len > TF_ROW_JSON_MAX) {
		snprintf(why, cap, "%zu bytes, more than %d", len, TF_ROW_JSON_MAX);
		return TF_ERR_TOO_BIG;
	}
	tf_decode_err de;
	tf_err err = tf_json_parse(d, src, len, &de);
	if (err) {
		snprintf(why, cap, "%s", de.msg);
		return err;
	}
	if (d->tok[0].type != TF_JSON_OBJECT) {
		snprintf(why, cap, "expected an object, got %s", tf_json_type_name(d, 0));
		return TF_ERR_SCHEMA;
	}
	uint32_t seen = 0;
	uint32_t k = tf_json_child(0);
	for (uint32_t m = 0; m < d->tok[0].size; m++, k = d->tok[k + 1].next) {
		for (size_t i = 0; i < n; i++) {
			if (!tf_json_eq(d, k, f[i].key, strlen(f[i].key)))
				continue;
			if (seen & (1u << i))
				return fail(why, cap, TF_ERR_SCHEMA, f[i].key, "duplicate key");
			seen |= 1u << i;
			if ((err = read_value(d, k + 1, &f[i], row, why, cap)))
				return err;
			break;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (!(seen & (1u << i)))
			return fail(why, cap, TF_ERR_SCHEMA, f[i].key, "missing");
	return TF_OK;
}

tf_err tf_row_json_parse_candle(tf_json_doc *d, const char *src, size_t len, tf_q_candle *out, char *why, size_t why_cap)
{
	memset(out, 0, sizeof *out);
	return parse_fields(d, src, len, candle_fields, CANDLE_NFIELDS, out, why, why_cap);
}

tf_err tf_row_json_parse_alert(tf_json_doc *d, const char *src, size_t len, tf_q_alert *out, char *why, size_t why_cap)
{
	memset(out, 0, sizeof *out);
	return parse_fields(d, src, len, alert_fields, ALERT_NFIELDS, out, why, why_cap);
}

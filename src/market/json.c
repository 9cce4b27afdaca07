/* json.c — the one place that compiles jsmn (Debian's libjsmn-dev, header-only, v1.1.0), wrapped
 * with the validation jsmn does not do. See json.h.
 *
 * Two passes over the input:
 *   1. validate(): an iterative RFC 8259 checker with a fixed stack of TF_JSON_MAX_DEPTH levels. It
 *      rejects everything jsmn would let through (missing commas, bad literals and numbers,
 *      control characters, bad escapes and lone surrogates, invalid UTF-8, trailing garbage),
 *      enforces the limits, and counts the tokens jsmn will produce, so jsmn runs exactly once
 *      into an array of the right size.
 *   2. jsmn_parse(), then a linear pass that copies the tokens and adds `next` (the index after
 *      each subtree) so iteration never rescans.
 *
 * Validator state machine (one state plus a stack of container kinds):
 *
 *   VALUE ──value──> AFTER ──','──> (in array) VALUE / (in object) KEY
 *     │                 └─']' '}'─> pop ──> AFTER (or END at depth 0)
 *     ├─'['─> push A ─> VALUE_OR_CLOSE ──']'──> pop
 *     └─'{'─> push O ─> KEY_OR_CLOSE ──'}'──> pop
 *   KEY ──string──> COLON ──':'──> VALUE
 *   END: only whitespace may follow. */
#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS /* without it, closing each array element rescans every earlier token: O(n^2) */
#include <jsmn.h>

#include "market/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

_Static_assert(TF_JSON_MAX_INPUT < (size_t)INT32_MAX, "jsmn keeps offsets in int");

tf_err tf_json_fail(tf_decode_err *err, tf_err code, size_t offset, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
		err->offset = offset;
	}
	return code;
}

void tf_json_err_prefix(tf_decode_err *err, const char *fmt, ...)
{
	if (!err)
		return;
	char prefix[64], old[sizeof err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	old[sizeof old - 1] = '\0';
	/* prefix + ": " + old, truncated to fit (the end of a long message matters least) */
	size_t p = strlen(prefix), o = strlen(old), cap = sizeof err->msg - 1;
	if (p > cap - 2)
		p = cap - 2;
	memcpy(err->msg, prefix, p);
	memcpy(err->msg + p, ": ", 2);
	if (o > cap - p - 2)
		o = cap - p - 2;
	memcpy(err->msg + p + 2, old, o);
	err->msg[p + 2 + o] = '\0';
}

void tf_json_init(tf_json_doc *d)
{
	memset(d, 0, sizeof *d);
	d->max_len = TF_JSON_MAX_INPUT;
	d->max_tokens = TF_JSON_MAX_TOKENS;
	d->max_depth = TF_JSON_MAX_DEPTH;
}

void tf_json_free(tf_json_doc *d)
{
	free(d->tok);
	free(d->jtok);
	d->tok = NULL;
	d->jtok = NULL;
	d->tok_cap = d->jtok_cap = d->ntok = 0;
}

/* ---- pass 1: validation ---- */

enum { ST_VALUE, ST_VALUE_OR_CLOSE, ST_KEY, ST_KEY_OR_CLOSE, ST_COLON, ST_AFTER, ST_END };

typedef struct {
	const unsigned char *s;
	size_t len, i;
	uint32_t ntok;
	tf_decode_err *err;
} vstate;

static const char *printable(unsigned char c, char buf[8])
{
	if (c >= 0x20 && c < 0x7f)
		snprintf(buf, 8, "'%c'", c);
	else
		snprintf(buf, 8, "0x%02x", c);
	return buf;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads 4 hex digits at s[i..]; -1 when not hex or truncated. */
static long hex4(const vstate *v, size_t i)
{
	if (v->len - i < 4)
		return -1;
	long u = 0;
	for (int k = 0; k < 4; k++) {
		int h = hexval(v->s[i + (size_t)k]);
		if (h < 0)
			return -1;
		u = u * 16 + h;
	}
	return u;
}

/* Validates one UTF-8 sequence starting at s[i] (a byte >= 0x80); returns its length or 0. Rejects
 * overlong forms, UTF-16 surrogates (U+D800..DFFF) and code points above U+10FFFF (RFC 3629). */
static size_t utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	if (c >= 0xc2 && c <= 0xdf)
		return avail >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (avail < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (avail < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0; /* overlong */
		if (c == 0xf4 && s[1] >= 0x90)
			return 0; /* above U+10FFFF */
		return 4;
	}
	return 0; /* continuation byte, 0xc0/0xc1 (overlong), 0xf5..0xff */
}

/* Bytes a string scan can step over without a second look: printable ASCII other than '"' and '\\'. */
static const unsigned char plain_byte[256] = {
#define R16(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
	R16(0), R16(0),                                    /* 0x00-0x1f: control characters */
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,    /* 0x20-0x2f: '"' needs a look */
	R16(1), R16(1),                                    /* 0x30-0x4f */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,    /* 0x50-0x5f: '\\' needs a look */
	R16(1), R16(1),                                    /* 0x60-0x7f */
	R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), /* 0x80-0xff: UTF-8 */
#undef R16
};

/* v->i at the opening quote; leaves v->i after the closing quote. */
static tf_err scan_string(vstate *v)
{
	const unsigned char *s = v->s;
	size_t start = v->i++;
	for (;;) {
		/* ASCII fast path: the bytes that need no attention */
		size_t i = v->i, end = v->len;
		while (i + 4 <= end && plain_byte[s[i]] && plain_byte[s[i + 1]] && plain_byte[s[i + 2]] && plain_byte[s[i + 3]])
			i += 4;
		while (i < end && plain_byte[s[i]])
			i++;
		v->i = i;
		if (v->i >= v->len)
			return tf_json_fail(v->err, TF_ERR_PARSE, start, "at byte %zu: unterminated string", start);
		unsigned char c = s[v->i];
		if (c == '"') {
			v->i++;
			return TF_OK;
		}
		if (c < 0x20)
			return tf_json_fail(v->err, TF_ERR_PARSE, v->i,
					    "at byte %zu: control character 0x%02x in string", v->i, c);
		if (c >= 0x80) {
			size_t n = utf8_seq(s + v->i, v->len - v->i);
			if (!n)
				return tf_json_fail(v->err, TF_ERR_PARSE, v->i, "at byte %zu: invalid UTF-8", v->i);
			v->i += n;
			continue;
		}
		/* backslash */
		size_t esc = v->i;
		if (v->i + 1 >= v->len)
			return tf_json_fail(v->err, TF_ERR_PARSE, esc, "at byte %zu: unterminated string", start);
		c = s[v->i + 1];
		if (c == 'u') {
			long u = hex4(v, v->i + 2);
			if (u < 0)
				return tf_json_fail(v->err, TF_ERR_PARSE, esc, "at byte %zu: bad \\u escape", esc);
			v->i += 6;
			if (u >= 0xdc00 && u <= 0xdfff)
				return tf_json_fail(v->err, TF_ERR_PARSE, esc, "at byte %zu: lone low surrogate \\u%04lx",
						    esc, u);
			if (u >= 0xd800 && u <= 0xdbff) {
				long lo = v->len - v->i >= 2 && s[v->i] == '\\' && s[v->i + 1] == 'u' ? hex4(v, v->i + 2) : -1;
				if (lo < 0xdc00 || lo > 0xdfff)
					return tf_json_fail(v->err, TF_ERR_PARSE, esc,
							    "at byte %zu: high surrogate \\u%04lx without its low half", esc, u);
				v->i += 6;
			}
			continue;
		}
		if (!strchr("\"\\/bfnrt", c) || c == '\0')
			return tf_json_fail(v->err, TF_ERR_PARSE, esc, "at byte %zu: bad escape '\\%c'", esc,
					    c >= 0x20 && c < 0x7f ? c : '?');
		v->i += 2;
	}
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Number or literal at v->i; leaves v->i after it. */
static tf_err scan_primitive(vstate *v)
{
	const unsigned char *s = v->s;
	size_t start = v->i, i = v->i, n = v->len;
	char cb[8];
	if (s[i] == 't' || s[i] == 'f' || s[i] == 'n') {
		const char *lit = s[i] == 't' ? "true" : s[i] == 'f' ? "false" : "null";
		size_t ln = strlen(lit);
		if (n - i < ln || memcmp(s + i, lit, ln) != 0)
			return tf_json_fail(v->err, TF_ERR_PARSE, start, "at byte %zu: invalid literal (expected %s)",
					    start, lit);
		i += ln;
	} else {
		if (s[i] == '-')
			i++;
		if (i >= n || !is_digit(s[i]))
			return tf_json_fail(v->err, TF_ERR_PARSE, start, "at byte %zu: invalid number", start);
		if (s[i] == '0' && i + 1 < n && is_digit(s[i + 1]))
			return tf_json_fail(v->err, TF_ERR_PARSE, start, "at byte %zu: number with a leading zero",
					    start);
		while (i < n && is_digit(s[i]))
			i++;
		if (i < n && s[i] == '.') {
			i++;
			if (i >= n || !is_digit(s[i]))
				return tf_json_fail(v->err, TF_ERR_PARSE, start,
						    "at byte %zu: invalid number (no digit after '.')", start);
			while (i < n && is_digit(s[i]))
				i++;
		}
		if (i < n && (s[i] == 'e' || s[i] == 'E')) {
			i++;
			if (i < n && (s[i] == '+' || s[i] == '-'))
				i++;
			if (i >= n || !is_digit(s[i]))
				return tf_json_fail(v->err, TF_ERR_PARSE, start,
						    "at byte %zu: invalid number (no digit in exponent)", start);
			while (i < n && is_digit(s[i]))
				i++;
		}
	}
	/* a primitive must end at a delimiter: "truex", "12a" */
	if (i < n && !strchr(" \t\r\n,]}", s[i]))
		return tf_json_fail(v->err, TF_ERR_PARSE, i, "at byte %zu: unexpected %s after %s", i,
				    printable(s[i], cb), s[start] == '-' || is_digit(s[start]) ? "number" : "literal");
	v->i = i;
	return TF_OK;
}

static tf_err count_token(vstate *v, uint32_t max_tokens)
{
	if (++v->ntok > max_tokens)
		return tf_json_fail(v->err, TF_ERR_TOO_BIG, v->i, "at byte %zu: more than %u tokens", v->i,
				    max_tokens);
	return TF_OK;
}

static tf_err validate(const tf_json_doc *d, vstate *v)
{
	uint8_t stack[TF_JSON_MAX_DEPTH + 1]; /* 'A' or 'O' per open container */
	uint32_t depth = 0, max_depth = d->max_depth < TF_JSON_MAX_DEPTH ? d->max_depth : TF_JSON_MAX_DEPTH;
	int st = ST_VALUE;
	tf_err e;
	char cb[8];
	const unsigned char *s = v->s;
	for (;;) {
		while (v->i < v->len && (s[v->i] == ' ' || s[v->i] == '\n' || s[v->i] == '\r' || s[v->i] == '\t'))
			v->i++;
		if (v->i >= v->len) {
			if (st == ST_END)
				return TF_OK;
			if (v->ntok == 0)
				return tf_json_fail(v->err, TF_ERR_PARSE, v->i, "empty input");
			return tf_json_fail(v->err, TF_ERR_PARSE, v->i, "at byte %zu: truncated input (%u unclosed)",
					    v->i, depth);
		}
		unsigned char c = s[v->i];
		switch (st) {
		case ST_END:
			return tf_json_fail(v->err, TF_ERR_PARSE, v->i, "at byte %zu: trailing garbage %s after the value",
					    v->i, printable(c, cb));
		case ST_COLON:
			if (c != ':')
				return tf_json_fail(v->err, TF_ERR_PARSE, v->i, "at byte %zu: expected ':', got %s", v->i,
						    printable(c, cb));
			v->i++;
			st = ST_VALUE;
			continue;
		case ST_AFTER:
			if (c == ',') {
				v->i++;
				st = stack[depth - 1] == 'A' ? ST_VALUE : ST_KEY;
				continue;
			}
			if (c == (stack[depth - 1] == 'A' ? ']' : '}'))
				goto close;
			return tf_json_fail(v->err, TF_ERR_PARSE, v->i, "at byte %zu: expected ',' or '%c', got %s",
					    v->i, stack[depth - 1] == 'A' ? ']' : '}', printable(c, cb));
		case ST_KEY_OR_CLOSE:
			if (c == '}')
				goto close;
			/* fall through */
		case ST_KEY:
			if (c != '"')
				return tf_json_fail(v->err, TF_ERR_PARSE, v->i,
						    "at byte %zu: object key must be a string, got %s", v->i,
						    printable(c, cb));
			if ((e = count_token(v, d->max_tokens)) || (e = scan_string(v)))
				return e;
			st = ST_COLON;
			continue;
		case ST_VALUE_OR_CLOSE:
			if (c == ']')
				goto close;
			/* fall through */
		case ST_VALUE:
			if ((e = count_token(v, d->max_tokens)))
				return e;
			if (c == '[' || c == '{') {
				if (depth >= max_depth)
					return tf_json_fail(v->err, TF_ERR_TOO_BIG, v->i,
							    "at byte %zu: nesting deeper than %u levels", v->i, max_depth);
				stack[depth++] = c == '[' ? 'A' : 'O';
				v->i++;
				st = c == '[' ? ST_VALUE_OR_CLOSE : ST_KEY_OR_CLOSE;
				continue;
			}
			if (c == '"')
				e = scan_string(v);
			else if (c == '-' || is_digit(c) || c == 't' || c == 'f' || c == 'n')
				e = scan_primitive(v);
			else if (c >= 0x80 && !utf8_seq(s + v->i, v->len - v->i))
				e = tf_json_fail(v->err, TF_ERR_PARSE, v->i, "at byte %zu: invalid UTF-8", v->i);
			else
				e = tf_json_fail(v->err, TF_ERR_PARSE, v->i, "at byte %zu: expected a value, got %s",
						 v->i, printable(c, cb));
			if (e)
				return e;
			st = depth ? ST_AFTER : ST_END;
			continue;
		}
		return tf_json_fail(v->err, TF_ERR_INTERNAL, v->i, "validator state %d", st);
	close:
		v->i++;
		depth--;
		st = depth ? ST_AFTER : ST_END;
	}
}

/* ---- pass 2: jsmn, then `next` links ---- */

static tf_err grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
	if (need <= *cap)
		return TF_OK;
	uint32_t ncap = *cap ? *cap : 64;
	while (ncap < need)
		ncap = ncap > UINT32_MAX / 2 ? need : ncap * 2;
	void *np = realloc(*p, (size_t)ncap * elem);
	if (!np)
		return TF_ERR_NOMEM;
	*p = np;
	*cap = ncap;
	return TF_OK;
}

static void link_next(tf_json_doc *d)
{
	uint32_t stack[TF_JSON_MAX_DEPTH + 2], sp = 0;
	tf_json_tok *t = d->tok;
	for (uint32_t i = 0; i < d->ntok; i++) {
		while (sp && t[stack[sp - 1]].end <= t[i].start)
			t[stack[--sp]].next = i;
		if (t[i].type == TF_JSON_OBJECT || t[i].type == TF_JSON_ARRAY)
			stack[sp++] = i;
		else
			t[i].next = i + 1;
	}
	while (sp)
		t[stack[--sp]].next = d->ntok;
}

tf_err tf_json_parse(tf_json_doc *d, const char *src, size_t len, tf_decode_err *err)
{
	d->src = src;
	d->len = len;
	d->ntok = 0;
	if (len > d->max_len)
		return tf_json_fail(err, TF_ERR_TOO_BIG, d->max_len, "input of %zu bytes exceeds the limit of %zu",
				    len, d->max_len);
	vstate v = {.s = (const unsigned char *)src, .len = len, .err = err};
	tf_err e = validate(d, &v);
	if (e)
		return e;
	if (grow(&d->jtok, &d->jtok_cap, v.ntok, sizeof(jsmntok_t)) ||
	    grow((void **)&d->tok, &d->tok_cap, v.ntok, sizeof(tf_json_tok)))
		return tf_json_fail(err, TF_ERR_NOMEM, 0, "out of memory for %u tokens", v.ntok);
	jsmntok_t *jt = d->jtok;
	size_t root = 0;
	while (src[root] == ' ' || src[root] == '\n' || src[root] == '\r' || src[root] == '\t')
		root++;
	if (src[root] != '{' && src[root] != '[' && src[root] != '"') {
		/* jsmn's strict mode wants a delimiter after a top-level primitive: do it here */
		size_t end = root;
		while (end < len && !strchr(" \t\r\n", src[end]))
			end++;
		d->tok[0] = (tf_json_tok){TF_JSON_PRIMITIVE, (uint32_t)root, (uint32_t)end, 0, 1};
		d->ntok = 1;
		return TF_OK;
	}
	jsmn_parser p;
	jsmn_init(&p);
	int r = jsmn_parse(&p, src, len, jt, v.ntok);
	if (r < 0 || (uint32_t)r != v.ntok)
		return tf_json_fail(err, TF_ERR_INTERNAL, p.pos, "at byte %u: jsmn disagrees with the validator (%d)",
				    p.pos, r);
	for (uint32_t i = 0; i < v.ntok; i++)
		d->tok[i] = (tf_json_tok){(uint32_t)jt[i].type, (uint32_t)jt[i].start, (uint32_t)jt[i].end,
					  (uint32_t)jt[i].size, 0};
	d->ntok = v.ntok;
	link_next(d);
	return TF_OK;
}

/* ---- helpers ---- */

uint32_t tf_json_find(const tf_json_doc *d, uint32_t obj, const char *key)
{
	if (obj >= d->ntok || d->tok[obj].type != TF_JSON_OBJECT)
		return 0;
	size_t n = strlen(key);
	uint32_t k = tf_json_child(obj);
	for (uint32_t m = 0; m < d->tok[obj].size; m++, k = d->tok[k + 1].next)
		if (tf_json_eq(d, k, key, n))
			return k + 1;
	return 0;
}

const char *tf_json_type_name(const tf_json_doc *d, uint32_t v)
{
	const tf_json_tok *t = &d->tok[v];
	switch (t->type) {
	case TF_JSON_OBJECT: return "an object";
	case TF_JSON_ARRAY: return "an array";
	case TF_JSON_STRING: return "a string";
	default: break;
	}
	char c = d->src[t->start];
	return c == 'n' ? "null" : c == 't' || c == 'f' ? "a boolean" : "a number";
}

tf_err tf_json_str(const tf_json_doc *d, uint32_t v, const char *field, const char **s, size_t *n,
		   tf_decode_err *err)
{
	const tf_json_tok *t = &d->tok[v];
	if (t->type != TF_JSON_STRING)
		return tf_json_fail(err, TF_ERR_SCHEMA, t->start, "field \"%s\": expected a string, got %s", field,
				    tf_json_type_name(d, v));
	*s = d->src + t->start;
	*n = t->end - t->start;
	return TF_OK;
}

tf_err tf_json_dec(const tf_json_doc *d, uint32_t v, const char *field, tf_dec *out, tf_decode_err *err)
{
	const tf_json_tok *t = &d->tok[v];
	if (t->type != TF_JSON_STRING)
		return tf_json_fail(err, TF_ERR_SCHEMA, t->start, "field \"%s\": expected a decimal string, got %s",
				    field, tf_json_type_name(d, v));
	tf_err e = tf_dec_parse(d->src + t->start, t->end - t->start, out);
	if (e == TF_ERR_RANGE)
		return tf_json_fail(err, e, t->start, "field \"%s\": decimal has more than %d integer digits", field,
				    TF_DEC_MAX_INT_DIGITS);
	if (e) {
		unsigned n = t->end - t->start;
		return tf_json_fail(err, e, t->start, "field \"%s\": invalid decimal \"%.*s\"", field,
				    n > 40 ? 40 : (int)n, d->src + t->start);
	}
	return TF_OK;
}

tf_err tf_json_num_dec(const tf_json_doc *d, uint32_t v, const char *field, tf_dec *out, tf_decode_err *err)
{
	const tf_json_tok *t = &d->tok[v];
	if (t->type != TF_JSON_PRIMITIVE || tf_json_is_null(d, v) || d->src[t->start] == 't' ||
	    d->src[t->start] == 'f')
		return tf_json_fail(err, TF_ERR_SCHEMA, t->start, "field \"%s\": expected a number, got %s", field,
				    tf_json_type_name(d, v));
	tf_err e = tf_dec_parse_number(d->src + t->start, t->end - t->start, out);
	if (e)
		return tf_json_fail(err, e, t->start, "field \"%s\": number %s", field,
				    e == TF_ERR_RANGE ? "out of range" : "invalid");
	return TF_OK;
}

tf_err tf_json_parse_i64(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	bool neg = n > 0 && s[0] == '-';
	i = neg;
	if (i == n)
		return TF_ERR_PARSE;
	if (s[i] == '0' && n - i > 1)
		return TF_ERR_PARSE;
	uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return TF_ERR_PARSE;
		unsigned dgt = (unsigned)(s[i] - '0');
		if (v > (lim - dgt) / 10)
			return TF_ERR_RANGE;
		v = v * 10 + dgt;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return TF_OK;
}

tf_err tf_json_i64(const tf_json_doc *d, uint32_t v, const char *field, int64_t *out, tf_decode_err *err)
{
	const tf_json_tok *t = &d->tok[v];
	char c = d->src[t->start];
	if (t->type != TF_JSON_PRIMITIVE || c == 'n' || c == 't' || c == 'f')
		return tf_json_fail(err, TF_ERR_SCHEMA, t->start, "field \"%s\": expected an integer, got %s", field,
				    tf_json_type_name(d, v));
	tf_err e = tf_json_parse_i64(d->src + t->start, t->end - t->start, out);
	if (e == TF_ERR_RANGE)
		return tf_json_fail(err, e, t->start, "field \"%s\": integer out of range", field);
	if (e)
		return tf_json_fail(err, TF_ERR_SCHEMA, t->start, "field \"%s\": expected an integer, got %.*s", field,
				    (int)(t->end - t->start > 40 ? 40 : t->end - t->start), d->src + t->start);
	return TF_OK;
}

tf_err tf_json_bool(const tf_json_doc *d, uint32_t v, const char *field, bool *out, tf_decode_err *err)
{
	const tf_json_tok *t = &d->tok[v];
	char c = d->src[t->start];
	if (t->type != TF_JSON_PRIMITIVE || (c != 't' && c != 'f'))
		return tf_json_fail(err, TF_ERR_SCHEMA, t->start, "field \"%s\": expected a boolean, got %s", field,
				    tf_json_type_name(d, v));
	*out = c == 't';
	return TF_OK;
}

static tf_err member(const tf_json_doc *d, uint32_t obj, const char *key, uint32_t *v, tf_decode_err *err)
{
	*v = tf_json_find(d, obj, key);
	if (!*v)
		return tf_json_fail(err, TF_ERR_SCHEMA, obj < d->ntok ? d->tok[obj].start : 0, "missing field \"%s\"",
				    key);
	return TF_OK;
}

tf_err tf_json_get_str(const tf_json_doc *d, uint32_t obj, const char *key, const char **s, size_t *n,
		       tf_decode_err *err)
{
	uint32_t v;
	tf_err e = member(d, obj, key, &v, err);
	return e ? e : tf_json_str(d, v, key, s, n, err);
}

tf_err tf_json_get_dec(const tf_json_doc *d, uint32_t obj, const char *key, tf_dec *out, tf_decode_err *err)
{
	uint32_t v;
	tf_err e = member(d, obj, key, &v, err);
	return e ? e : tf_json_dec(d, v, key, out, err);
}

tf_err tf_json_get_i64(const tf_json_doc *d, uint32_t obj, const char *key, int64_t *out, tf_decode_err *err)
{
	uint32_t v;
	tf_err e = member(d, obj, key, &v, err);
	return e ? e : tf_json_i64(d, v, key, out, err);
}

tf_err tf_json_get_bool(const tf_json_doc *d, uint32_t obj, const char *key, bool *out, tf_decode_err *err)
{
	uint32_t v;
	tf_err e = member(d, obj, key, &v, err);
	return e ? e : tf_json_bool(d, v, key, out, err);
}

int tf_json_bench_jsmn_only(tf_json_doc *d, const char *src, size_t len)
{
	jsmn_parser p;
	jsmn_init(&p);
	int n = jsmn_parse(&p, src, len, NULL, 0); /* counting pass, as a jsmn user without a bound would */
	if (n < 0 || grow(&d->jtok, &d->jtok_cap, (uint32_t)n, sizeof(jsmntok_t)))
		return -1;
	jsmn_init(&p);
	return jsmn_parse(&p, src, len, d->jtok, d->jtok_cap);
}

/* json.h — a validated, tokenized JSON document for the market decoders.
 *
 * tf_json_parse checks everything jsmn (the tokenizer underneath, in json.c only) leaves out — size,
 * token count, nesting depth, UTF-8, string escapes and control characters, number and literal
 * grammar, commas and colons, string keys, trailing garbage — in one iterative pass that reports
 * the byte offset of the first problem, then lets jsmn tokenize. The tokens are read in place:
 * strings and numbers point into the caller's input, which must outlive the document.
 *
 * Iterating:   for (uint32_t k = 0, e = tf_json_child(v); k < d->tok[v].size; k++, e = d->tok[e].next)
 * an array's elements are e; an object's members are key e and value e + 1 (keys step by
 * d->tok[e + 1].next). */
#ifndef TF_MARKET_JSON_H
#define TF_MARKET_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/dec.h"
#include "market/market.h"

#define TF_JSON_MAX_INPUT ((size_t)16 << 20) /* bytes */
#define TF_JSON_MAX_TOKENS ((uint32_t)4 << 20)
#define TF_JSON_MAX_DEPTH 32

typedef enum {
	TF_JSON_OBJECT = 1,
	TF_JSON_ARRAY = 2,
	TF_JSON_STRING = 3,
	TF_JSON_PRIMITIVE = 4, /* number, true, false, null */
} tf_json_type;

typedef struct {
	uint32_t type;  /* tf_json_type */
	uint32_t start; /* byte offset; strings: after the opening quote */
	uint32_t end;   /* byte offset past the value; strings: at the closing quote */
	uint32_t size;  /* object: members; array: elements; key strings: 1 */
	uint32_t next;  /* index of the first token after this value's subtree */
} tf_json_tok;

typedef struct {
	const char *src;
	size_t len;
	tf_json_tok *tok;   /* tok[0] is the root */
	uint32_t ntok;
	uint32_t tok_cap;
	void *jtok;         /* jsmn's own tokens, reused between parses */
	uint32_t jtok_cap;
	size_t max_len;     /* limits, set by tf_json_init; callers may lower them */
	uint32_t max_tokens;
	uint32_t max_depth;
} tf_json_doc;

/* A document with the default limits and no memory yet. */
void tf_json_init(tf_json_doc *d);
/* Frees the token arrays; the document may be parsed into again after tf_json_init. */
void tf_json_free(tf_json_doc *d);

/* Validates and tokenizes src[0..len). TF_ERR_PARSE (not JSON, invalid UTF-8, bad escape, trailing
 * garbage, ...), TF_ERR_TOO_BIG (input, token count or depth over the limit), TF_ERR_NOMEM; err
 * holds "at byte N: ..." and the offset. The token arrays grow as needed and are kept for reuse. */
tf_err tf_json_parse(tf_json_doc *d, const char *src, size_t len, tf_decode_err *err);

static inline uint32_t tf_json_child(uint32_t v)
{
	return v + 1;
}

/* Whether token k (a string) is exactly key[0..n) as written (escapes are not decoded). */
static inline bool tf_json_eq(const tf_json_doc *d, uint32_t k, const char *key, size_t n)
{
	const tf_json_tok *t = &d->tok[k];
	return t->type == TF_JSON_STRING && t->end - t->start == n && memcmp(d->src + t->start, key, n) == 0;
}

static inline bool tf_json_is_null(const tf_json_doc *d, uint32_t v)
{
	return d->tok[v].type == TF_JSON_PRIMITIVE && d->src[d->tok[v].start] == 'n';
}

/* Index of the value of key in object obj, or 0 (never a value) when absent or obj is no object. */
uint32_t tf_json_find(const tf_json_doc *d, uint32_t obj, const char *key);

/* "an object", "an array", "a string", "a number", "a boolean", "null". */
const char *tf_json_type_name(const tf_json_doc *d, uint32_t v);

/* Typed reads of value v. field names the value in the error ("field \"c\": expected a decimal
 * string, got a number"); TF_ERR_SCHEMA for a wrong type, TF_ERR_PARSE / TF_ERR_RANGE for a bad
 * decimal or integer. */
tf_err tf_json_str(const tf_json_doc *d, uint32_t v, const char *field, const char **s, size_t *n,
		   tf_decode_err *err);
tf_err tf_json_dec(const tf_json_doc *d, uint32_t v, const char *field, tf_dec *out, tf_decode_err *err);
tf_err tf_json_num_dec(const tf_json_doc *d, uint32_t v, const char *field, tf_dec *out, tf_decode_err *err);
tf_err tf_json_i64(const tf_json_doc *d, uint32_t v, const char *field, int64_t *out, tf_decode_err *err);
tf_err tf_json_bool(const tf_json_doc *d, uint32_t v, const char *field, bool *out, tf_decode_err *err);

/* The same for member key of object obj; a missing key is TF_ERR_SCHEMA ("missing field \"c\""). */
tf_err tf_json_get_str(const tf_json_doc *d, uint32_t obj, const char *key, const char **s, size_t *n,
		       tf_decode_err *err);
tf_err tf_json_get_dec(const tf_json_doc *d, uint32_t obj, const char *key, tf_dec *out, tf_decode_err *err);
tf_err tf_json_get_i64(const tf_json_doc *d, uint32_t obj, const char *key, int64_t *out, tf_decode_err *err);
tf_err tf_json_get_bool(const tf_json_doc *d, uint32_t obj, const char *key, bool *out, tf_decode_err *err);

/* Strict integer text: -?digits, no fraction or exponent, fits int64. */
tf_err tf_json_parse_i64(const char *s, size_t n, int64_t *out);

/* Benchmark hook: runs jsmn alone over src (no validation, no links) into d's arrays; returns the
 * token count or a negative jsmn error. Only bench/bench_decode.c uses it. */
int tf_json_bench_jsmn_only(tf_json_doc *d, const char *src, size_t len);

/* Fills err with a formatted message and offset; returns code. */
tf_err tf_json_fail(tf_decode_err *err, tf_err code, size_t offset, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Prepends "prefix: " to err->msg (for "element 3: field ..."). */
void tf_json_err_prefix(tf_decode_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

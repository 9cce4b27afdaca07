/* test_market_json.c — the validating JSON layer: every malformed input is rejected with a precise
 * message and byte offset, limits hold, and the token tree (next links, find) is right.
 *
 * Duplicate keys: JSON allows them and the document layer keeps them; the decoders reject a repeated
 * key they read ("duplicate key \"c\"", tested in test_market_ws.c) rather than guess which value is
 * real, and tf_json_find returns the first. */
#include <stdlib.h>

#include "market/json.h"
#include "market/market.h"
#include "test.h"

/* Parses s[0..n) and returns the error message ("ok" when accepted). */
static const char *parse_msg(const char *s, size_t n, tf_err *code, size_t *off)
{
	static tf_decode_err err;
	tf_json_doc d;
	tf_json_init(&d);
	memset(&err, 0, sizeof err);
	tf_err e = tf_json_parse(&d, s, n, &err);
	tf_json_free(&d);
	if (code)
		*code = e;
	if (off)
		*off = err.offset;
	return e ? err.msg : "ok";
}

static const char *msg(const char *s)
{
	return parse_msg(s, strlen(s), NULL, NULL);
}

TF_TEST(json_accepts_valid_documents)
{
	TF_CHECK_EQ_STR(msg("{}"), "ok");
	TF_CHECK_EQ_STR(msg(" [ ] \n"), "ok");
	TF_CHECK_EQ_STR(msg("{\"a\":[1,-2.5e+3,true,false,null,\"\\u00e9\\ud83d\\ude00\\n\"]}"), "ok");
	TF_CHECK_EQ_STR(msg("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""), "ok");
	TF_CHECK_EQ_STR(msg("-0"), "ok");
	TF_CHECK_EQ_STR(msg("123"), "ok");
	TF_CHECK_EQ_STR(msg("{\"a\":1,\"a\":2}"), "ok"); /* duplicates: see the file comment */
}

TF_TEST(json_rejects_malformed_input_with_offsets)
{
	tf_err e;
	size_t off;
	TF_CHECK_EQ_STR(parse_msg("", 0, &e, &off), "empty input");
	TF_CHECK_EQ_INT(e, TF_ERR_PARSE);
	TF_CHECK_EQ_STR(msg("   "), "empty input");
	TF_CHECK_EQ_STR(msg("[1,2"), "at byte 4: truncated input (1 unclosed)");
	TF_CHECK_EQ_STR(msg("{\"a\":\"xy"), "at byte 5: unterminated string");
	TF_CHECK_EQ_STR(msg("{\"e\":\"24hrMiniTicker\",\"E\":15"), "at byte 28: truncated input (1 unclosed)");
	TF_CHECK_EQ_STR(parse_msg("{} x", 4, &e, &off), "at byte 3: trailing garbage 'x' after the value");
	TF_CHECK_EQ_INT(off, 3);
	TF_CHECK_EQ_STR(msg("[1][2]"), "at byte 3: trailing garbage '[' after the value");
	TF_CHECK_EQ_STR(msg("[1 2]"), "at byte 3: expected ',' or ']', got '2'");
	TF_CHECK_EQ_STR(msg("{\"a\" 1}"), "at byte 5: expected ':', got '1'");
	TF_CHECK_EQ_STR(msg("{\"a\":1,}"), "at byte 7: object key must be a string, got '}'");
	TF_CHECK_EQ_STR(msg("[1,]"), "at byte 3: expected a value, got ']'");
	TF_CHECK_EQ_STR(msg("{1:2}"), "at byte 1: object key must be a string, got '1'");
	TF_CHECK_EQ_STR(msg("{a:2}"), "at byte 1: object key must be a string, got 'a'");
	TF_CHECK_EQ_STR(msg("[tru]"), "at byte 1: invalid literal (expected true)");
	TF_CHECK_EQ_STR(msg("[truex]"), "at byte 5: unexpected 'x' after literal");
	TF_CHECK_EQ_STR(msg("[nul"), "at byte 1: invalid literal (expected null)");
	TF_CHECK_EQ_STR(msg("[01]"), "at byte 1: number with a leading zero");
	TF_CHECK_EQ_STR(msg("[1.]"), "at byte 1: invalid number (no digit after '.')");
	TF_CHECK_EQ_STR(msg("[1e]"), "at byte 1: invalid number (no digit in exponent)");
	TF_CHECK_EQ_STR(msg("[-]"), "at byte 1: invalid number");
	TF_CHECK_EQ_STR(msg("[+1]"), "at byte 1: expected a value, got '+'");
	TF_CHECK_EQ_STR(msg("[1.5.2]"), "at byte 4: unexpected '.' after number");
	TF_CHECK_EQ_STR(msg("[NaN]"), "at byte 1: expected a value, got 'N'");
	TF_CHECK_EQ_STR(msg("['a']"), "at byte 1: expected a value, got '''");
}

TF_TEST(json_rejects_bad_strings_and_utf8)
{
	TF_CHECK_EQ_STR(msg("[\"a\tb\"]"), "at byte 3: control character 0x09 in string");
	TF_CHECK_EQ_STR(msg("[\"\\x\"]"), "at byte 2: bad escape '\\x'");
	TF_CHECK_EQ_STR(msg("[\"\\u12G4\"]"), "at byte 2: bad \\u escape");
	TF_CHECK_EQ_STR(msg("[\"\\u12\"]"), "at byte 2: bad \\u escape");
	TF_CHECK_EQ_STR(msg("[\"\\ud800\"]"), "at byte 2: high surrogate \\ud800 without its low half");
	TF_CHECK_EQ_STR(msg("[\"\\ud800\\u0041\"]"), "at byte 2: high surrogate \\ud800 without its low half");
	TF_CHECK_EQ_STR(msg("[\"\\udc00\"]"), "at byte 2: lone low surrogate \\udc00");
	TF_CHECK_EQ_STR(msg("[\"\xff\"]"), "at byte 2: invalid UTF-8");
	TF_CHECK_EQ_STR(msg("[\"\x80\"]"), "at byte 2: invalid UTF-8");          /* lone continuation */
	TF_CHECK_EQ_STR(msg("[\"\xc0\xaf\"]"), "at byte 2: invalid UTF-8");      /* overlong '/' */
	TF_CHECK_EQ_STR(msg("[\"\xe0\x80\xaf\"]"), "at byte 2: invalid UTF-8");  /* overlong, 3 bytes */
	TF_CHECK_EQ_STR(msg("[\"\xf0\x80\x80\xaf\"]"), "at byte 2: invalid UTF-8"); /* overlong, 4 bytes */
	TF_CHECK_EQ_STR(msg("[\"\xed\xa0\x80\"]"), "at byte 2: invalid UTF-8");  /* UTF-8 encoded surrogate */
	TF_CHECK_EQ_STR(msg("[\"\xf4\x90\x80\x80\"]"), "at byte 2: invalid UTF-8"); /* above U+10FFFF */
	TF_CHECK_EQ_STR(msg("[\"\xc3\"]"), "at byte 2: invalid UTF-8");          /* truncated sequence */
	TF_CHECK_EQ_STR(msg("[\xc3\xa9]"), "at byte 1: expected a value, got 0xc3");
	TF_CHECK_EQ_STR(msg("[\xff]"), "at byte 1: invalid UTF-8");
}

TF_TEST(json_rejects_nul_bytes)
{
	TF_CHECK_EQ_STR(parse_msg("[\"a\0b\"]", 7, NULL, NULL), "at byte 3: control character 0x00 in string");
	TF_CHECK_EQ_STR(parse_msg("[1,\0]", 5, NULL, NULL), "at byte 3: expected a value, got 0x00");
	TF_CHECK_EQ_STR(parse_msg("{}\0", 3, NULL, NULL), "at byte 2: trailing garbage 0x00 after the value");
	TF_CHECK_EQ_STR(parse_msg("[1\0]", 4, NULL, NULL), "at byte 2: expected ',' or ']', got 0x00");
}

TF_TEST(json_limits_depth_size_and_tokens)
{
	/* 100000 '[' fail at the 33rd, in constant stack */
	size_t n = 100000;
	char *deep = malloc(n);
	TF_CHECK(deep);
	memset(deep, '[', n);
	tf_err e;
	size_t off;
	TF_CHECK_EQ_STR(parse_msg(deep, n, &e, &off), "at byte 32: nesting deeper than 32 levels");
	TF_CHECK_EQ_INT(e, TF_ERR_TOO_BIG);
	TF_CHECK_EQ_INT(off, 32);
	/* exactly 32 levels is fine */
	char ok[64 + 1];
	memset(ok, '[', 32);
	memset(ok + 32, ']', 32);
	TF_CHECK_EQ_STR(parse_msg(ok, 64, NULL, NULL), "ok");
	free(deep);

	/* a 10 MB string is valid JSON and within the 16 MiB limit; 17 MiB is not */
	size_t big = 10u << 20;
	char *s = malloc((17u << 20) + 2);
	TF_CHECK(s);
	s[0] = '"';
	memset(s + 1, 'a', big);
	s[big + 1] = '"';
	TF_CHECK_EQ_STR(parse_msg(s, big + 2, NULL, NULL), "ok");
	memset(s + 1, 'a', 17u << 20);
	s[(17u << 20) + 1] = '"';
	TF_CHECK_EQ_STR(parse_msg(s, (17u << 20) + 2, &e, NULL), "input of 17825794 bytes exceeds the limit of 16777216");
	TF_CHECK_EQ_INT(e, TF_ERR_TOO_BIG);
	free(s);

	/* token limit */
	tf_json_doc d;
	tf_json_init(&d);
	d.max_tokens = 3;
	tf_decode_err err;
	TF_CHECK_EQ_INT(tf_json_parse(&d, "[1,2]", 5, &err), TF_OK);
	TF_CHECK_EQ_INT(tf_json_parse(&d, "[1,2,3]", 7, &err), TF_ERR_TOO_BIG);
	TF_CHECK_EQ_STR(err.msg, "at byte 5: more than 3 tokens");
	tf_json_free(&d);
}

TF_TEST(json_tokens_link_and_find)
{
	const char *s = "{\"a\":[1,[2,3],{\"x\":4}],\"b\":\"str\",\"c\":{}}";
	tf_json_doc d;
	tf_json_init(&d);
	tf_decode_err err;
	TF_CHECK_EQ_INT(tf_json_parse(&d, s, strlen(s), &err), TF_OK);
	/* tokens: 0 {} 1 "a" 2 [] 3 1 4 [] 5 2 6 3 7 {} 8 "x" 9 4 10 "b" 11 "str" 12 "c" 13 {} */
	TF_CHECK_EQ_INT(d.ntok, 14);
	TF_CHECK_EQ_INT(d.tok[0].next, 14);
	TF_CHECK_EQ_INT(d.tok[2].next, 10);
	TF_CHECK_EQ_INT(d.tok[4].next, 7);
	TF_CHECK_EQ_INT(d.tok[7].next, 10);
	TF_CHECK_EQ_INT(tf_json_find(&d, 0, "b"), 11);
	TF_CHECK_EQ_INT(tf_json_find(&d, 0, "c"), 13);
	TF_CHECK_EQ_INT(tf_json_find(&d, 0, "x"), 0);
	TF_CHECK_EQ_INT(tf_json_find(&d, 2, "a"), 0);
	const char *str;
	size_t n;
	TF_CHECK_EQ_INT(tf_json_get_str(&d, 0, "b", &str, &n, &err), TF_OK);
	TF_CHECK_EQ_MEM(str, n, "str");
	TF_CHECK_EQ_INT(tf_json_get_str(&d, 0, "a", &str, &n, &err), TF_ERR_SCHEMA);
	TF_CHECK_EQ_STR(err.msg, "field \"a\": expected a string, got an array");
	TF_CHECK_EQ_INT(err.offset, 5);
	TF_CHECK_EQ_INT(tf_json_get_i64(&d, 0, "zz", &(int64_t){0}, &err), TF_ERR_SCHEMA);
	TF_CHECK_EQ_STR(err.msg, "missing field \"zz\"");
	bool b;
	TF_CHECK_EQ_INT(tf_json_get_bool(&d, 0, "c", &b, &err), TF_ERR_SCHEMA);
	TF_CHECK_EQ_STR(err.msg, "field \"c\": expected a boolean, got an object");
	tf_dec v;
	TF_CHECK_EQ_INT(tf_json_get_dec(&d, 0, "b", &v, &err), TF_ERR_PARSE);
	TF_CHECK_EQ_STR(err.msg, "field \"b\": invalid decimal \"str\"");
	/* iterate the array "a": 1, [2,3], {"x":4} */
	uint32_t a = tf_json_find(&d, 0, "a"), el = tf_json_child(a);
	uint32_t types[3];
	for (uint32_t k = 0; k < d.tok[a].size; k++, el = d.tok[el].next)
		types[k] = d.tok[el].type;
	TF_CHECK_EQ_INT(types[0], TF_JSON_PRIMITIVE);
	TF_CHECK_EQ_INT(types[1], TF_JSON_ARRAY);
	TF_CHECK_EQ_INT(types[2], TF_JSON_OBJECT);
	/* the same document object parses again (arrays reused) */
	TF_CHECK_EQ_INT(tf_json_parse(&d, "[true]", 6, &err), TF_OK);
	TF_CHECK_EQ_INT(d.ntok, 2);
	TF_CHECK_EQ_INT(tf_json_bool(&d, 1, "t", &b, &err), TF_OK);
	TF_CHECK(b);
	tf_json_free(&d);
}

TF_TEST(json_integers_are_strict)
{
	int64_t v;
	TF_CHECK_EQ_INT(tf_json_parse_i64("9223372036854775807", 19, &v), TF_OK);
	TF_CHECK(v == INT64_MAX);
	TF_CHECK_EQ_INT(tf_json_parse_i64("-9223372036854775808", 20, &v), TF_OK);
	TF_CHECK(v == INT64_MIN);
	TF_CHECK_EQ_INT(tf_json_parse_i64("9223372036854775808", 19, &v), TF_ERR_RANGE);
	TF_CHECK_EQ_INT(tf_json_parse_i64("-9223372036854775809", 20, &v), TF_ERR_RANGE);
	TF_CHECK_EQ_INT(tf_json_parse_i64("1e3", 3, &v), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(tf_json_parse_i64("-", 1, &v), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(tf_json_parse_i64("01", 2, &v), TF_ERR_PARSE);
}

TF_TEST(market_decoders_reject_whole_malformed_messages)
{
	tf_msg_kind kind;
	tf_decode_err err;
	tf_tick_handler h = {0};
	const char *trunc = "[{\"e\":\"24hrMiniTicker\",\"E\":1592594715455,\"s\":\"ETHBTC\",\"c\":\"0.024";
	TF_CHECK_EQ_INT(tf_market_decode_ws(trunc, strlen(trunc), &kind, &h, &err), TF_ERR_PARSE);
	TF_CHECK_EQ_STR(err.msg, "at byte 58: unterminated string" /* the quote before 0.024 */);
	TF_CHECK_EQ_INT(tf_market_decode_ws("", 0, &kind, &h, &err), TF_ERR_PARSE);
	TF_CHECK_EQ_STR(err.msg, "empty input");
	TF_CHECK_EQ_INT(tf_market_decode_ws("[] []", 5, &kind, &h, &err), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(tf_market_decode_rest_24hr("[", 1, &h, &err), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(tf_market_decode_yahoo_chart("{\"chart\":\xff}", 11, &h, &err), TF_ERR_PARSE);
	TF_CHECK_EQ_STR(err.msg, "at byte 9: invalid UTF-8");
	tf_symbol_info *si;
	size_t n;
	TF_CHECK_EQ_INT(tf_market_decode_exchange_info("{\"symbols\":[}", 13, &si, &n, &err), TF_ERR_PARSE);
	TF_CHECK_EQ_STR(err.msg, "at byte 12: expected a value, got '}'");
}

/* test_net_http.c — the HTTP head parser, query lookup, head writers, WebSocket keys, addresses. */
#include <stdlib.h>

#include "net/addr.h"
#include "net/http.h"
#include "net/ws_key.h"
#include "test.h"

/* Parses a copy of s (the parser writes into its buffer). */
static tf_err parse_req(const char *s, tf_http_request *req, char *buf, size_t cap, bool *line)
{
	size_t n = strlen(s);
	if (n >= cap)
		return -1;
	memcpy(buf, s, n + 1);
	return tf_http_parse_request(buf, n, req, line);
}

TF_TEST(net_http_parses_get_with_query)
{
	static char buf[1024];
	static tf_http_request req;
	tf_err err = parse_req("GET /api/v3/klines?symbol=BTCUSDT&interval=1m HTTP/1.1\r\nHost: x\r\n"
			       "Accept:  */*  \r\nX-Empty:\r\n\r\nextra", &req, buf, sizeof buf, NULL);
	TF_CHECK_EQ_INT(err, TF_OK);
	TF_CHECK_EQ_STR(req.method, "GET");
	TF_CHECK_EQ_STR(req.target, "/api/v3/klines?symbol=BTCUSDT&interval=1m");
	TF_CHECK_EQ_STR(req.path, "/api/v3/klines");
	TF_CHECK_EQ_STR(req.query, "symbol=BTCUSDT&interval=1m");
	TF_CHECK_EQ_INT(req.minor, 1);
	TF_CHECK_EQ_INT(req.nheaders, 3);
	TF_CHECK_EQ_STR(tf_http_header_get(req.headers, req.nheaders, "accept"), "*/*");
	TF_CHECK_EQ_STR(tf_http_header_get(req.headers, req.nheaders, "X-EMPTY"), "");
	TF_CHECK(tf_http_header_get(req.headers, req.nheaders, "Missing") == NULL);
	TF_CHECK_EQ_INT(req.content_length, -1);
	TF_CHECK(req.keep_alive);
	TF_CHECK(!req.upgrade_websocket);
	TF_CHECK_EQ_INT(req.head_len, strlen(buf + req.head_len) == 5 ? req.head_len : 0);
	TF_CHECK_EQ_MEM(buf + req.head_len, 5, "extra");
}

TF_TEST(net_http_incomplete_heads_ask_for_more)
{
	const char *full = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	static char buf[256];
	static tf_http_request req;
	for (size_t n = 0; n < strlen(full); n++) {
		memcpy(buf, full, n);
		TF_CHECK_EQ_INT(tf_http_parse_request(buf, n, &req, NULL), TF_ERR_AGAIN);
		TF_CHECK(memcmp(buf, full, n) == 0);   /* untouched while incomplete */
	}
	memcpy(buf, full, strlen(full));
	TF_CHECK_EQ_INT(tf_http_parse_request(buf, strlen(full), &req, NULL), TF_OK);
	TF_CHECK_EQ_INT(req.head_len, strlen(full));
}

TF_TEST(net_http_rejects_ambiguous_requests)
{
	static const char *bad[] = {
		"GET / HTTP/1.1\nHost: a\r\n\r\n",                     /* bare LF */
		"GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n",              /* bare CR */
		"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n  folded\r\n\r\n", /* obs-fold */
		"GET / HTTP/1.1\r\nHost : a\r\n\r\n",                  /* space before colon */
		"GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n",            /* empty name */
		"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET / HTTP/1.1\r\n\r\n",                              /* no Host in 1.1 */
		"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
		"GET  / HTTP/1.1\r\nHost: a\r\n\r\n",                  /* two spaces */
		"GET / HTTP/2.0\r\nHost: a\r\n\r\n",
		"GET http://x/ HTTP/1.1\r\nHost: a\r\n\r\n",           /* absolute-form: not a proxy */
		"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",               /* leading empty line */
		"G(T / HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n",               /* control char in value */
		"GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n",
	};
	static char buf[512];
	static tf_http_request req;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		tf_err err = parse_req(bad[i], &req, buf, sizeof buf, NULL);
		if (err != TF_ERR_PARSE)
			tf_test_fail(__FILE__, __LINE__, "case %zu: got %d, want parse error", i, err);
		TF_CHECK(err == TF_ERR_PARSE);
	}
}

TF_TEST(net_http_transfer_encoding_and_content_length)
{
	static char buf[512];
	static tf_http_request req;
	TF_CHECK_EQ_INT(parse_req("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", &req, buf,
				  sizeof buf, NULL), TF_OK);
	TF_CHECK(req.transfer_encoding);
	TF_CHECK_EQ_INT(parse_req("POST /x HTTP/1.0\r\nContent-Length: 0012\r\n\r\n", &req, buf, sizeof buf, NULL),
			TF_OK);
	TF_CHECK_EQ_INT(req.content_length, 12);
	TF_CHECK(!req.keep_alive);   /* 1.0 without keep-alive */
	TF_CHECK_EQ_INT(parse_req("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &req, buf, sizeof buf, NULL),
			TF_OK);
	TF_CHECK(req.keep_alive);
	TF_CHECK_EQ_INT(parse_req("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n", &req, buf,
				  sizeof buf, NULL), TF_OK);
	TF_CHECK(!req.keep_alive);
	TF_CHECK_EQ_INT(parse_req("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n\r\n",
				  &req, buf, sizeof buf, NULL), TF_OK);
	TF_CHECK(req.upgrade_websocket);
}

TF_TEST(net_http_limits)
{
	size_t cap = TF_HTTP_MAX_HEAD * 2;
	char *buf = malloc(cap);
	static tf_http_request req;
	bool line = false;
	/* request line of 8 KiB + 1 without a CRLF yet: too big as soon as it is seen */
	memset(buf, 'a', cap);
	memcpy(buf, "GET /", 5);
	TF_CHECK_EQ_INT(tf_http_parse_request(buf, TF_HTTP_MAX_LINE + 2, &req, &line), TF_ERR_TOO_BIG);
	TF_CHECK(line);
	/* exactly at the limit: fine */
	size_t n = 0;
	memcpy(buf, "GET /", 5);
	n = TF_HTTP_MAX_LINE - 9;
	memcpy(buf + n, " HTTP/1.1\r\nHost: a\r\n\r\n", 23);
	TF_CHECK_EQ_INT(tf_http_parse_request(buf, n + 23, &req, &line), TF_ERR_TOO_BIG); /* path > 2048 */
	TF_CHECK(line);
	memcpy(buf, "GET /?", 6);
	memset(buf + 6, 'a', n - 6);
	memcpy(buf + n, " HTTP/1.1\r\nHost: a\r\n\r\n", 23);
	TF_CHECK_EQ_INT(tf_http_parse_request(buf, n + 23, &req, &line), TF_OK);
	TF_CHECK_EQ_INT(strlen(req.query), n - 6);
	/* 65 headers */
	tf_buf b;
	tf_buf_init(&b, cap);
	tf_buf_appendf(&b, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (int i = 0; i < 64; i++)
		tf_buf_appendf(&b, "X-%d: v\r\n", i);
	tf_buf_appendf(&b, "\r\n");
	TF_CHECK_EQ_INT(tf_http_parse_request(b.data, b.len, &req, &line), TF_ERR_TOO_BIG);
	TF_CHECK(!line);
	/* headers over 16 KiB in total */
	tf_buf_reset(&b);
	tf_buf_appendf(&b, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (int i = 0; i < 20; i++)
		tf_buf_appendf(&b, "X-%d: %0900d\r\n", i, 0);
	tf_buf_appendf(&b, "\r\n");
	TF_CHECK_EQ_INT(tf_http_parse_request(b.data, b.len, &req, &line), TF_ERR_TOO_BIG);
	tf_buf_free(&b);
	free(buf);
}

TF_TEST(net_http_parses_responses)
{
	char buf[256];
	static tf_http_response res;
	const char *s = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: abc\r\n\r\n\x81";
	memcpy(buf, s, strlen(s) + 1);
	TF_CHECK_EQ_INT(tf_http_parse_response(buf, strlen(s), &res), TF_OK);
	TF_CHECK_EQ_INT(res.status, 101);
	TF_CHECK_EQ_STR(res.reason, "Switching Protocols");
	TF_CHECK_EQ_STR(tf_http_header_get(res.headers, res.nheaders, "upgrade"), "websocket");
	TF_CHECK_EQ_INT(res.head_len, strlen(s) - 1);
	s = "HTTP/1.1 404\r\n\r\n";
	memcpy(buf, s, strlen(s) + 1);
	TF_CHECK_EQ_INT(tf_http_parse_response(buf, strlen(s), &res), TF_OK);
	TF_CHECK_EQ_INT(res.status, 404);
	TF_CHECK_EQ_STR(res.reason, "");
	s = "HTTP/1.1 20 OK\r\n\r\n";
	memcpy(buf, s, strlen(s) + 1);
	TF_CHECK_EQ_INT(tf_http_parse_response(buf, strlen(s), &res), TF_ERR_PARSE);
	s = "ICY 200 OK\r\n\r\n";
	memcpy(buf, s, strlen(s) + 1);
	TF_CHECK_EQ_INT(tf_http_parse_response(buf, strlen(s), &res), TF_ERR_PARSE);
}

TF_TEST(net_http_query_lookup_decodes)
{
	char out[32];
	size_t n;
	const char *q = "symbol=BTC%55SDT&x=a+b&empty=&flag&streams=a%2Fb";
	TF_CHECK_EQ_INT(tf_http_query_get(q, "symbol", out, sizeof out, &n), TF_OK);
	TF_CHECK_EQ_STR(out, "BTCUSDT");
	TF_CHECK_EQ_INT(n, 7);
	TF_CHECK_EQ_INT(tf_http_query_get(q, "x", out, sizeof out, NULL), TF_OK);
	TF_CHECK_EQ_STR(out, "a b");
	TF_CHECK_EQ_INT(tf_http_query_get(q, "empty", out, sizeof out, NULL), TF_OK);
	TF_CHECK_EQ_STR(out, "");
	TF_CHECK_EQ_INT(tf_http_query_get(q, "flag", out, sizeof out, NULL), TF_OK);
	TF_CHECK_EQ_STR(out, "");
	TF_CHECK_EQ_INT(tf_http_query_get(q, "streams", out, sizeof out, NULL), TF_OK);
	TF_CHECK_EQ_STR(out, "a/b");
	TF_CHECK_EQ_INT(tf_http_query_get(q, "nope", out, sizeof out, NULL), TF_ERR_NOT_FOUND);
	TF_CHECK_EQ_INT(tf_http_query_get(q, "symbol", out, 7, NULL), TF_ERR_TOO_BIG);
	TF_CHECK_EQ_INT(tf_http_query_get("a=%4", "a", out, sizeof out, NULL), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(tf_http_query_get("a=%zz", "a", out, sizeof out, NULL), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(tf_http_query_get("a=%00", "a", out, sizeof out, NULL), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(tf_http_query_get("", "a", out, sizeof out, NULL), TF_ERR_NOT_FOUND);
}

TF_TEST(net_http_writes_heads)
{
	tf_buf b;
	tf_buf_init(&b, 1024);
	TF_CHECK_EQ_INT(tf_http_write_status(&b, 429), TF_OK);
	TF_CHECK_EQ_INT(tf_http_write_header(&b, "Retry-After", "30"), TF_OK);
	TF_CHECK_EQ_INT(tf_http_write_header(&b, "X-Bad", "a\r\nInjected: 1"), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(tf_http_write_header(&b, "Bad Name", "x"), TF_ERR_PARSE);
	TF_CHECK_EQ_MEM(b.data, b.len, "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 30\r\n");
	tf_buf_free(&b);
}

TF_TEST(net_ws_key_rfc6455_example)
{
	char out[TF_WS_ACCEPT_LEN + 1];
	tf_ws_key_accept("dGhlIHNhbXBsZSBub25jZQ==", out);
	/* RFC 6455 §1.3's own example (the value quoted in our brief, "...TxKGHDZ0J3bUx1UTnwo=", is
	 * not what SHA-1 gives; the RFC's is) */
	TF_CHECK_EQ_STR(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	TF_CHECK(tf_ws_key_valid("dGhlIHNhbXBsZSBub25jZQ=="));
	TF_CHECK(!tf_ws_key_valid("dGhlIHNhbXBsZSBub25jZR=="));  /* 'R' leaves bits beyond 16 bytes */
	TF_CHECK(!tf_ws_key_valid("dGhlIHNhbXBsZSBub25jZQ="));
	TF_CHECK(!tf_ws_key_valid("dGhlIHNhbXBsZSBub25j*Q=="));
	TF_CHECK(!tf_ws_key_valid(""));
	char k1[TF_WS_KEY_LEN + 1], k2[TF_WS_KEY_LEN + 1];
	TF_CHECK_EQ_INT(tf_ws_key_generate(k1), TF_OK);
	TF_CHECK_EQ_INT(tf_ws_key_generate(k2), TF_OK);
	TF_CHECK(tf_ws_key_valid(k1));
	TF_CHECK(strcmp(k1, k2) != 0);
}

TF_TEST(net_addr_parses_host_port)
{
	tf_hostport hp;
	TF_CHECK_EQ_INT(tf_addr_parse("127.0.0.1:9443", &hp), TF_OK);
	TF_CHECK_EQ_STR(hp.host, "127.0.0.1");
	TF_CHECK_EQ_INT(hp.port, 9443);
	TF_CHECK_EQ_INT(tf_addr_parse("[::1]:80", &hp), TF_OK);
	TF_CHECK_EQ_STR(hp.host, "::1");
	TF_CHECK_EQ_INT(tf_addr_parse("localhost:0", &hp), TF_OK);
	TF_CHECK_EQ_STR(hp.host, "localhost");
	TF_CHECK_EQ_INT(tf_addr_parse(":8080", &hp), TF_OK);
	TF_CHECK_EQ_STR(hp.host, "");
	TF_CHECK_EQ_INT(tf_addr_parse("::1:80", &hp), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(tf_addr_parse("host", &hp), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(tf_addr_parse("host:65536", &hp), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(tf_addr_parse("host:", &hp), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(tf_addr_parse("ho st:1", &hp), TF_ERR_PARSE);
	char s[64];
	tf_addr_format("::1", 9, s, sizeof s);
	TF_CHECK_EQ_STR(s, "[::1]:9");
}

TF_TEST(net_url_parses_ws_urls)
{
	static tf_url u;
	TF_CHECK_EQ_INT(tf_url_parse("wss://stream.binance.com:9443/ws/!miniTicker@arr", &u), TF_OK);
	TF_CHECK(u.tls);
	TF_CHECK_EQ_STR(u.host, "stream.binance.com");
	TF_CHECK_EQ_INT(u.port, 9443);
	TF_CHECK(!u.default_port);
	TF_CHECK_EQ_STR(u.path, "/ws/!miniTicker@arr");
	TF_CHECK_EQ_INT(tf_url_parse("ws://[::1]/stream?streams=a/b", &u), TF_OK);
	TF_CHECK_EQ_STR(u.host, "::1");
	TF_CHECK_EQ_INT(u.port, 80);
	TF_CHECK(u.default_port);
	TF_CHECK_EQ_STR(u.path, "/stream?streams=a/b");
	TF_CHECK_EQ_INT(tf_url_parse("WSS://h?x=1", &u), TF_OK);
	TF_CHECK_EQ_INT(u.port, 443);
	TF_CHECK_EQ_STR(u.path, "/?x=1");
	TF_CHECK_EQ_INT(tf_url_parse("ftp://h/", &u), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(tf_url_parse("ws://user@h/", &u), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(tf_url_parse("ws:///x", &u), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(tf_url_parse("ws://h:0/", &u), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(tf_url_parse("ws://h/a b", &u), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(tf_url_parse("ws://h/#frag", &u), TF_ERR_PARSE);
}

/* test_net_server.c — the HTTP server over real sockets on 127.0.0.1: responses, keep-alive,
 * pipelining, bad requests, limits, timeouts, upgrades refused, streaming. */
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/clock.h"
#include "net_fixture.h"
#include "test.h"

static char rbuf[1 << 16];

TF_TEST(net_server_answers_get_and_keeps_alive)
{
	net_fixture f;
	TF_CHECK(net_fixture_start(&f, false, NULL));
	int fd = net_raw_connect(f.port);
	bool ok = fd >= 0 && net_raw_send(fd, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", 32);
	size_t n = ok ? net_raw_read_until(fd, rbuf, sizeof rbuf, "hello", 2000) : 0;
	bool first = strstr(rbuf, "HTTP/1.1 200 OK\r\n") == rbuf && strstr(rbuf, "Content-Length: 5\r\n") &&
		     strstr(rbuf, "Content-Type: text/plain\r\n") && strstr(rbuf, "Connection: keep-alive\r\n") &&
		     n >= 5 && !memcmp(rbuf + n - 5, "hello", 5);
	/* same connection, a second request with a query */
	ok = ok && net_raw_send(fd, "GET /q?x=a%20b HTTP/1.1\r\nHost: x\r\n\r\n", 37);
	n = ok ? net_raw_read_until(fd, rbuf, sizeof rbuf, "x=a b", 2000) : 0;
	bool second = strstr(rbuf, "HTTP/1.1 200 OK\r\n") == rbuf && strstr(rbuf, "\r\n\r\nx=a b");
	if (fd >= 0)
		close(fd);
	net_fixture_stop(&f);
	TF_CHECK(first);
	TF_CHECK(second);
}

TF_TEST(net_server_answers_pipelined_requests_in_order)
{
	net_fixture f;
	TF_CHECK(net_fixture_start(&f, false, NULL));
	int fd = net_raw_connect(f.port);
	const char *reqs = "GET /q?x=1 HTTP/1.1\r\nHost: x\r\n\r\n"
			   "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody"
			   "HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n"
			   "GET /q?x=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	bool ok = fd >= 0 && net_raw_send(fd, reqs, strlen(reqs));
	size_t n = ok ? net_raw_read(fd, rbuf, sizeof rbuf, 3000) : 0;   /* until the server closes */
	const char *a = strstr(rbuf, "x=1"), *b = strstr(rbuf, "body"), *c = strstr(rbuf, "Content-Length: 5");
	const char *d = strstr(rbuf, "x=3");
	if (fd >= 0)
		close(fd);
	net_fixture_stop(&f);
	TF_CHECK(n > 0);
	TF_CHECK(a && b && c && d && a < b && b < c && c < d);
	TF_CHECK(strstr(rbuf, "hello") == NULL);              /* HEAD: no body */
	TF_CHECK(strstr(d - 40, "Connection: close") != NULL || strstr(rbuf, "Connection: close"));
}

static int status_of(uint16_t port, const char *req);

TF_TEST(net_server_finishes_deferred_responses_in_order)
{
	net_fixture f;
	TF_CHECK(net_fixture_start(&f, false, NULL));
	/* a deferred response holds back the pipelined one behind it, which is answered after it */
	int fd = net_raw_connect(f.port);
	const char *reqs = "GET /later?x=1 HTTP/1.1\r\nHost: x\r\n\r\n"
			   "GET /q?x=2 HTTP/1.1\r\nHost: x\r\n\r\n"
			   "HEAD /later?x=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	bool ok = fd >= 0 && net_raw_send(fd, reqs, strlen(reqs));
	size_t n = ok ? net_raw_read(fd, rbuf, sizeof rbuf, 3000) : 0; /* until the server closes */
	const char *a = strstr(rbuf, "later=1"), *b = strstr(rbuf, "x=2"), *c = b ? strstr(b, "HTTP/1.1 200 OK") : NULL;
	bool typed = strstr(rbuf, "Content-Type: text/plain\r\nContent-Length: 7") != NULL;
	if (fd >= 0)
		close(fd);
	/* a client that leaves before its deferred response: the server finishes it into nothing */
	fd = net_raw_connect(f.port);
	const char *gone = "GET /later?x=4 HTTP/1.1\r\nHost: x\r\n\r\n";
	ok = fd >= 0 && net_raw_send(fd, gone, strlen(gone));
	if (fd >= 0)
		close(fd);
	usleep(150000);
	int after = status_of(f.port, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	net_fixture_stop(&f);
	TF_CHECK(n > 0 && a && b && c && a < b);
	TF_CHECK(typed);                          /* headers set before deferring are kept */
	TF_CHECK(strstr(rbuf, "later=3") == NULL); /* HEAD: no body */
	TF_CHECK(ok);
	TF_CHECK_EQ_INT(after, 200);
}

static int status_of_n(uint16_t port, const char *req, size_t len)
{
	int fd = net_raw_connect(port);
	if (fd < 0)
		return -1;
	net_raw_send(fd, req, len);
	net_raw_read(fd, rbuf, sizeof rbuf, 3000);
	close(fd);
	if (strncmp(rbuf, "HTTP/1.1 ", 9) != 0)
		return 0;
	return (int)strtol(rbuf + 9, NULL, 10);
}

static int status_of(uint16_t port, const char *req)
{
	return status_of_n(port, req, strlen(req));
}

TF_TEST(net_server_rejects_bad_requests_with_status)
{
	net_fixture f;
	tf_http_server_opts o = { .max_body = 100 };
	TF_CHECK(net_fixture_start(&f, false, &o));
	int st[10];
	st[0] = status_of(f.port, "GET / HTTP/1.1\nHost: x\n\n");
	st[1] = status_of(f.port, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
	st[2] = status_of(f.port, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n");
	st[3] = status_of(f.port, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
	static char big[TF_HTTP_MAX_HEAD + 100];
	memset(big, 'a', sizeof big);
	memcpy(big, "GET /", 5);
	st[4] = status_of_n(f.port, big, sizeof big);   /* request line too long */
	int n = snprintf(big, sizeof big, "GET / HTTP/1.1\r\nHost: x\r\n");
	for (int i = 0; i < 70; i++)
		n += snprintf(big + n, sizeof big - (size_t)n, "X-%d: y\r\n", i);
	n += snprintf(big + n, sizeof big - (size_t)n, "\r\n");
	st[5] = status_of_n(f.port, big, (size_t)n);     /* too many headers */
	st[6] = status_of(f.port, "GET /limited HTTP/1.1\r\nHost: x\r\n\r\n");
	bool limited_headers = strstr(rbuf, "Retry-After: 7\r\n") && strstr(rbuf, "X-MBX-USED-WEIGHT-1M: 6001\r\n");
	st[7] = status_of(f.port, "GET /ws/echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
				  "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n\r\n");
	st[8] = status_of(f.port, "GET /ws/echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
				  "Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
	bool version_hdr = strstr(rbuf, "Sec-WebSocket-Version: 13\r\n") != NULL;
	st[9] = status_of(f.port, "GET /ws/other HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
				  "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
	size_t conns_after = tf_http_server_conns(f.srv);
	net_fixture_stop(&f);
	int want[10] = { 400, 501, 413, 404, 414, 431, 429, 400, 426, 403 };
	for (int i = 0; i < 10; i++) {
		if (st[i] != want[i])
			tf_test_fail(__FILE__, __LINE__, "case %d: status %d, want %d", i, st[i], want[i]);
		TF_CHECK_EQ_INT(st[i], want[i]);
	}
	TF_CHECK(limited_headers);
	TF_CHECK(version_hdr);
	(void)conns_after;
}

TF_TEST(net_server_drops_slow_headers)
{
	net_fixture f;
	tf_http_server_opts o = { .header_timeout_ms = 300, .idle_timeout_ms = 5000 };
	TF_CHECK(net_fixture_start(&f, false, &o));
	int fd = net_raw_connect(f.port);
	int64_t t0 = tf_mono_ms();
	/* trickle a byte every 100 ms: the header deadline does not move */
	const char *req = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
	bool closed = false;
	for (size_t i = 0; i < strlen(req) && !closed; i++) {
		if (!net_raw_send(fd, req + i, 1))
			closed = true;
		usleep(100000);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 0) == 1 && net_raw_read(fd, rbuf, sizeof rbuf, 100) == 0)
			closed = true;
	}
	int64_t took = tf_mono_ms() - t0;
	close(fd);
	net_fixture_stop(&f);
	TF_CHECK(closed);
	TF_CHECK(took < 3000);
}

TF_TEST(net_server_streams_a_response)
{
	net_fixture f;
	TF_CHECK(net_fixture_start(&f, false, NULL));
	int fd = net_raw_connect(f.port);
	bool ok = fd >= 0 && net_raw_send(fd, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n", 33);
	size_t n = ok ? net_raw_read_until(fd, rbuf, sizeof rbuf, "data: first\n\n", 2000) : 0;
	bool head = n && strstr(rbuf, "HTTP/1.1 200 OK\r\n") == rbuf && !strstr(rbuf, "Content-Length") &&
		    strstr(rbuf, "text/event-stream");
	size_t conns = tf_http_server_conns(f.srv);
	if (fd >= 0)
		close(fd);
	net_fixture_stop(&f);
	TF_CHECK(head);
	TF_CHECK_EQ_INT(conns, 1);
}

/* test_net_ws.c — our WebSocket client against our server (plain and TLS, on 127.0.0.1), and
 * against a scripted raw server for the handshake checks and the ping timeout. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "net/http.h"
#include "net/ws_client.h"
#include "net/ws_key.h"
#include "net_fixture.h"
#include "test.h"

static tf_ws_client *dial(const char *url, const char *ca, size_t max_message, char *err, size_t errcap)
{
	tf_ws_client_opts o = { .url = url, .ca_file = ca, .connect_timeout_ms = 3000, .max_message = max_message };
	tf_ws_client *c = NULL;
	tf_ws_client_connect(&o, &c, err, errcap);
	return c;
}

/* Receives one message within 3 s and compares it. */
static bool expect(tf_ws_client *c, const char *want)
{
	tf_ws_msg m;
	tf_err err = tf_ws_client_recv(c, &m, 3000);
	if (err || m.len != strlen(want) || memcmp(m.data, want, m.len) != 0) {
		fprintf(stdout, "    expected \"%s\", got err %d \"%.*s\" (%s)\n", want, err, (int)(m.len > 80 ? 80 : m.len),
			m.data ? m.data : "", tf_ws_client_error(c));
		return false;
	}
	return true;
}

static bool send_ok(tf_ws_client *c, const char *p, size_t n)
{
	tf_err err = tf_ws_client_send_text(c, p, n);
	if (err)
		fprintf(stdout, "    send of %zu bytes: %d %s\n", n, err, tf_ws_client_error(c));
	return err == TF_OK;
}

static bool echo_session(tf_ws_client *c)
{
	if (!expect(c, "welcome"))
		return false;
	if (!send_ok(c, "abc", 3) || !expect(c, "abc"))
		return false;
	if (!send_ok(c, "ping-me", 7) || !expect(c, "pong:abc"))
		return false;
	if (!send_ok(c, "many:2000", 9))
		return false;
	char want[32];
	for (int i = 0; i < 2000; i++) {
		snprintf(want, sizeof want, "m%d", i);
		if (!expect(c, want))
			return false;
	}
	size_t big = 300000;
	char *p = malloc(big + 1);
	for (size_t i = 0; i < big; i++)
		p[i] = (char)('a' + i % 26);
	p[big] = '\0';
	bool ok = send_ok(c, p, big) && expect(c, p);
	free(p);
	return ok;
}

static bool close_session(tf_ws_client *c)
{
	tf_ws_msg m;
	if (tf_ws_client_send_text(c, "close-me", 8))
		return false;
	tf_err err = tf_ws_client_recv(c, &m, 3000);
	return err == TF_ERR_CLOSED && tf_ws_client_close_code(c) == 4000;
}

TF_TEST(net_ws_client_and_server_talk_over_tcp)
{
	net_fixture f;
	TF_CHECK(net_fixture_start(&f, false, NULL));
	char url[128], err[300] = "";
	snprintf(url, sizeof url, "ws://127.0.0.1:%u/ws/echo?hello", f.port);
	tf_ws_client *c = dial(url, NULL, 0, err, sizeof err);
	bool talked = c && echo_session(c);
	bool closed = c && close_session(c);
	tf_ws_client_free(c);
	/* a second client that closes from its side */
	tf_ws_client *c2 = dial(url, NULL, 0, err, sizeof err);
	bool second = c2 && expect(c2, "welcome");
	tf_ws_client_free(c2);
	int64_t t0 = tf_mono_ms();
	while (__atomic_load_n(&f.ws_closed, __ATOMIC_SEQ_CST) < 2 && tf_mono_ms() - t0 < 3000)
		usleep(10000);
	uint16_t last = __atomic_load_n(&f.last_close_code, __ATOMIC_SEQ_CST);
	net_fixture_stop(&f);
	if (!c)
		fprintf(stdout, "    connect: %s\n", err);
	TF_CHECK(talked);
	TF_CHECK(closed);
	TF_CHECK(second);
	TF_CHECK_EQ_INT(f.ws_closed, 2);
	TF_CHECK_EQ_INT(last, 1000);   /* the client's own close */
}

TF_TEST(net_ws_client_and_server_talk_over_tls)
{
	const char *d = net_fixture_certs();
	TF_CHECK(d[0]);
	net_fixture f;
	TF_CHECK(net_fixture_start(&f, true, NULL));
	char url[128], ca[300], other[300], err[300] = "";
	snprintf(ca, sizeof ca, "%s/ca.pem", d);
	snprintf(other, sizeof other, "%s/other-ca.pem", d);
	snprintf(url, sizeof url, "wss://127.0.0.1:%u/ws/echo?hello", f.port);
	tf_ws_client *c = dial(url, ca, 0, err, sizeof err);
	if (!c)
		fprintf(stdout, "    connect: %s\n", err);
	bool talked = c && echo_session(c);
	bool closed = c && close_session(c);
	tf_ws_client_free(c);
	/* by name: the certificate has DNS:localhost */
	snprintf(url, sizeof url, "wss://localhost:%u/ws/echo?hello", f.port);
	tf_ws_client *c2 = dial(url, ca, 0, err, sizeof err);
	bool by_name = c2 && expect(c2, "welcome");
	tf_ws_client_free(c2);
	/* wrong CA, and the system CAs: both must refuse */
	char err_other[300] = "", err_sys[300] = "";
	tf_ws_client *c3 = dial(url, other, 0, err_other, sizeof err_other);
	tf_ws_client *c4 = dial(url, NULL, 0, err_sys, sizeof err_sys);
	tf_ws_client_free(c3);
	tf_ws_client_free(c4);
	net_fixture_stop(&f);
	TF_CHECK(talked);
	TF_CHECK(closed);
	TF_CHECK(by_name);
	TF_CHECK(c3 == NULL && strstr(err_other, "certificate verify failed"));
	TF_CHECK(c4 == NULL && strstr(err_sys, "certificate verify failed"));
}

TF_TEST(net_ws_client_reports_refusals_clearly)
{
	net_fixture f;
	TF_CHECK(net_fixture_start(&f, false, NULL));
	char url[128], err[300] = "";
	snprintf(url, sizeof url, "ws://127.0.0.1:%u/ws/denied", f.port);
	tf_ws_client *c = dial(url, NULL, 0, err, sizeof err);
	bool refused_403 = c == NULL && strstr(err, "HTTP 403") != NULL;
	uint16_t port = f.port;
	net_fixture_stop(&f);   /* nothing listens on port now */
	snprintf(url, sizeof url, "ws://127.0.0.1:%u/ws/echo", port);
	char err2[300] = "";
	tf_ws_client_opts o = { .url = url, .connect_timeout_ms = 2000 };
	tf_ws_client *c2 = NULL;
	tf_err e2 = tf_ws_client_connect(&o, &c2, err2, sizeof err2);
	char err3[300] = "";
	o.url = "http://127.0.0.1/";
	tf_err e3 = tf_ws_client_connect(&o, &c2, err3, sizeof err3);
	TF_CHECK(refused_403);
	TF_CHECK_EQ_INT(e2, TF_ERR_REFUSED);
	TF_CHECK(strstr(err2, "refused") != NULL);
	TF_CHECK_EQ_INT(e3, TF_ERR_USAGE);
	TF_CHECK(c2 == NULL);
}

TF_TEST(net_ws_message_limits_close_with_1009)
{
	tf_http_server_opts so = { .ws_max_message = 1000 };
	net_fixture f;
	TF_CHECK(net_fixture_start(&f, false, &so));
	char url[128], err[300] = "";
	snprintf(url, sizeof url, "ws://127.0.0.1:%u/ws/echo", f.port);
	static char big[2000];
	memset(big, 'x', sizeof big);
	/* the server refuses a 2000-byte message */
	tf_ws_client *c = dial(url, NULL, 0, err, sizeof err);
	tf_ws_msg m;
	tf_err e1 = c ? tf_ws_client_send_text(c, big, sizeof big) : -1;
	tf_err e2 = c ? tf_ws_client_recv(c, &m, 3000) : -1;
	uint16_t code = c ? tf_ws_client_close_code(c) : 0;
	tf_ws_client_free(c);
	/* the client refuses a 600-byte echo with max_message 500 */
	tf_ws_client *c2 = dial(url, NULL, 500, err, sizeof err);
	tf_err e3 = c2 ? tf_ws_client_send_text(c2, big, 600) : -1;
	tf_err e4 = c2 ? tf_ws_client_recv(c2, &m, 3000) : -1;
	tf_ws_client_free(c2);
	net_fixture_stop(&f);
	TF_CHECK_EQ_INT(e1, TF_OK);
	TF_CHECK_EQ_INT(e2, TF_ERR_CLOSED);
	TF_CHECK_EQ_INT(code, 1009);
	TF_CHECK_EQ_INT(e3, TF_OK);
	TF_CHECK_EQ_INT(e4, TF_ERR_TOO_BIG);
}

/* ---- a scripted server: answers the upgrade (correctly or not), then stays silent ---- */

struct raw_server {
	int lfd;
	uint16_t port;
	bool bad_accept;
	pthread_t th;
};

static void *raw_serve(void *arg)
{
	struct raw_server *r = arg;
	int fd = accept(r->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	static char buf[4096];
	net_raw_read_until(fd, buf, sizeof buf, "\r\n\r\n", 3000);
	const char *k = strstr(buf, "Sec-WebSocket-Key: ");
	char key[TF_WS_KEY_LEN + 1] = "";
	if (k)
		memcpy(key, k + 19, TF_WS_KEY_LEN);
	char acc[TF_WS_ACCEPT_LEN + 1];
	tf_ws_key_accept(r->bad_accept ? "dGhlIHNhbXBsZSBub25jZQ==" : key, acc);
	char resp[256];
	int n = snprintf(resp, sizeof resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
					    "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", acc);
	net_raw_send(fd, resp, (size_t)n);
	net_raw_read(fd, buf, sizeof buf, 1500);   /* swallow pings without answering */
	close(fd);
	return NULL;
}

static bool raw_start(struct raw_server *r, bool bad_accept)
{
	r->bad_accept = bad_accept;
	r->lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t sl = sizeof a;
	if (bind(r->lfd, (struct sockaddr *)&a, sizeof a) || listen(r->lfd, 4) ||
	    getsockname(r->lfd, (struct sockaddr *)&a, &sl))
		return false;
	r->port = ntohs(a.sin_port);
	pthread_create(&r->th, NULL, raw_serve, r);
	return true;
}

static void raw_stop(struct raw_server *r)
{
	shutdown(r->lfd, SHUT_RDWR);
	pthread_join(r->th, NULL);
	close(r->lfd);
}

TF_TEST(net_ws_client_checks_the_accept_key)
{
	struct raw_server r;
	TF_CHECK(raw_start(&r, true));
	char url[128], err[300] = "";
	snprintf(url, sizeof url, "ws://127.0.0.1:%u/x", r.port);
	tf_ws_client_opts o = { .url = url, .connect_timeout_ms = 2000 };
	tf_ws_client *c = NULL;
	tf_err e = tf_ws_client_connect(&o, &c, err, sizeof err);
	raw_stop(&r);
	TF_CHECK_EQ_INT(e, TF_ERR_PROTO);
	TF_CHECK(strstr(err, "Sec-WebSocket-Accept") != NULL);
}

TF_TEST(net_ws_client_detects_a_dead_peer_by_ping)
{
	struct raw_server r;
	TF_CHECK(raw_start(&r, false));
	char url[128], err[300] = "";
	snprintf(url, sizeof url, "ws://127.0.0.1:%u/x", r.port);
	tf_ws_client_opts o = { .url = url, .connect_timeout_ms = 2000, .ping_interval_ms = 100, .pong_timeout_ms = 200 };
	tf_ws_client *c = NULL;
	tf_err e = tf_ws_client_connect(&o, &c, err, sizeof err);
	tf_err got = TF_ERR_AGAIN;
	int64_t t0 = tf_mono_ms();
	tf_ws_msg m;
	while (c && got == TF_ERR_AGAIN && tf_mono_ms() - t0 < 1400)
		got = tf_ws_client_recv(c, &m, 50);
	const char *why = c ? tf_ws_client_error(c) : err;
	bool said = strstr(why, "ping") != NULL;
	tf_ws_client_free(c);
	raw_stop(&r);
	TF_CHECK_EQ_INT(e, TF_OK);
	TF_CHECK_EQ_INT(got, TF_ERR_TIMEOUT);
	TF_CHECK(said);
}

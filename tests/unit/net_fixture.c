/* net_fixture.c — see net_fixture.h. */
#include "net_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"

static char certdir[256];

const char *net_fixture_certs(void)
{
	if (certdir[0])
		return certdir;
	char tmpl[] = "/tmp/tickflow-net-certs.XXXXXX";
	if (!mkdtemp(tmpl))
		return "";
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "cd %s && "
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
		 "  -subj /CN=tickflow-test-ca -keyout ca-key.pem -out ca.pem && "
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
		 "  -subj /CN=other-ca -keyout other-key.pem -out other-ca.pem && "
		 "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=localhost "
		 "  -keyout key.pem -out cert.csr && "
		 "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > ext.cnf && "
		 "openssl x509 -req -in cert.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 "
		 "  -extfile ext.cnf -out cert.pem",
		 tmpl);
	char full[2200];
	snprintf(full, sizeof full, "(%s) >/dev/null 2>&1", cmd);
	if (system(full) != 0)
		return "";
	snprintf(certdir, sizeof certdir, "%s", tmpl);
	return certdir;
}

/* ---- the echo application ---- */

/* /later?x=V: answered 50 ms after the handler returned (a deferred response) with "later=V" */
typedef struct {
	tf_timer t;
	tf_http_deferred *d;
	char text[80];
} later;

static void later_fire(tf_loop *l, void *ud)
{
	later *w = ud;
	tf_http_deferred_finish(w->d, 200, w->text, strlen(w->text));
	free(w);
}

static void defer_later(net_fixture *f, const tf_http_request *req, tf_http_resp *r)
{
	char v[64] = "";
	later *w = calloc(1, sizeof *w);
	if (!w || tf_http_resp_defer(r, &w->d) != TF_OK) {
		free(w);
		tf_http_resp_status(r, 503);
		return;
	}
	tf_http_query_get(req->query, "x", v, sizeof v, NULL);
	snprintf(w->text, sizeof w->text, "later=%s", v);
	tf_timer_init(&w->t);
	tf_timer_start(f->loop, &w->t, 50, later_fire, w);
}

static void handler(void *ud, const tf_http_request *req, const char *body, size_t blen, tf_http_resp *r)
{
	tf_buf *b = tf_http_resp_body(r);
	if (!strcmp(req->path, "/hello")) {
		tf_http_resp_header(r, "Content-Type", "text/plain");
		tf_buf_appendf(b, "hello");
	} else if (!strcmp(req->path, "/echo")) {
		tf_buf_append(b, body ? body : "", blen);
	} else if (!strcmp(req->path, "/q")) {
		char v[64];
		if (tf_http_query_get(req->query, "x", v, sizeof v, NULL) == TF_OK) {
			tf_buf_appendf(b, "x=%s", v);
		} else {
			tf_http_resp_status(r, 400);
			tf_buf_appendf(b, "{\"code\":-1100,\"msg\":\"missing x\"}");
		}
	} else if (!strcmp(req->path, "/later")) {
		tf_http_resp_header(r, "Content-Type", "text/plain");
		defer_later(ud, req, r);
	} else if (!strcmp(req->path, "/limited")) {
		tf_http_resp_status(r, 429);
		tf_http_resp_header(r, "Retry-After", "7");
		tf_http_resp_header(r, "X-MBX-USED-WEIGHT-1M", "6001");
	} else if (!strcmp(req->path, "/events")) {
		tf_http_stream *s;
		tf_http_resp_header(r, "Content-Type", "text/event-stream");
		tf_buf_appendf(b, "data: first\n\n");
		if (tf_http_resp_stream(r, NULL, &s) == TF_OK) {
			/* the rest is sent later, from a timer-less path: right away for the test */
			(void)s;
		}
	} else {
		tf_http_resp_status(r, 404);
	}
}

static int ws_accept(void *ud, const tf_http_request *req, tf_ws_conn *c, void **user)
{
	if (strcmp(req->path, "/ws/echo") != 0)
		return 403;
	if (!strcmp(req->query, "hello"))
		tf_ws_send_text(c, "welcome", 7);   /* queued before the upgrade completes */
	*user = ud;
	return 101;
}

static void ws_message(tf_ws_conn *c, void *user, const char *data, size_t len, bool binary)
{
	if (len == 8 && !memcmp(data, "close-me", 8)) {
		tf_ws_send_text(c, "bye", 3);   /* queued data must reach the peer before the close */
		tf_ws_close(c, 4000, "as you wish");
		return;
	}
	if (len == 7 && !memcmp(data, "ping-me", 7)) {
		tf_ws_send_ping(c, "abc", 3);
		return;
	}
	if (len > 5 && !memcmp(data, "many:", 5)) {   /* "many:N": N numbered messages */
		char num[16];
		snprintf(num, sizeof num, "%.*s", (int)(len - 5 < 15 ? len - 5 : 15), data + 5);
		int n = (int)strtol(num, NULL, 10);
		char m[32];
		for (int i = 0; i < n; i++) {
			int k = snprintf(m, sizeof m, "m%d", i);
			tf_ws_send_text(c, m, (size_t)k);
		}
		return;
	}
	if (binary)
		tf_ws_send_binary(c, data, len);
	else
		tf_ws_send_text(c, data, len);
}

static void ws_pong(tf_ws_conn *c, void *user, const char *data, size_t len)
{
	char m[200];
	int k = snprintf(m, sizeof m, "pong:%.*s", (int)len, data);
	tf_ws_send_text(c, m, (size_t)k);
}

static void ws_close(tf_ws_conn *c, void *user, uint16_t code)
{
	net_fixture *f = user;
	__atomic_add_fetch(&f->ws_closed, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&f->last_close_code, code, __ATOMIC_SEQ_CST);
}

static void *run(void *arg)
{
	net_fixture *f = arg;
	tf_loop_run(f->loop);
	return NULL;
}

bool net_fixture_start(net_fixture *f, bool tls, const tf_http_server_opts *opts)
{
	memset(f, 0, sizeof *f);
	char err[256] = "";
	if (tls) {
		const char *d = net_fixture_certs();
		char cert[300], key[300];
		snprintf(cert, sizeof cert, "%s/cert.pem", d);
		snprintf(key, sizeof key, "%s/key.pem", d);
		if (!d[0] || tf_tls_server_ctx_new(cert, key, &f->tls, err, sizeof err) != TF_OK) {
			fprintf(stderr, "fixture: %s\n", err);
			return false;
		}
	}
	if (tf_loop_new(&f->loop) != TF_OK)
		return false;
	if (opts)
		f->opts = *opts;
	f->opts.listen = "127.0.0.1:0";
	f->opts.tls = f->tls;
	f->opts.handler = handler;
	f->opts.ws_accept = ws_accept;
	f->opts.ws_cb = (tf_ws_callbacks){ ws_message, ws_pong, ws_close };
	f->opts.ud = f;
	if (tf_http_server_new(f->loop, &f->opts, &f->srv, err, sizeof err) != TF_OK) {
		fprintf(stderr, "fixture: %s\n", err);
		tf_loop_free(f->loop);
		return false;
	}
	f->port = tf_http_server_port(f->srv);
	pthread_create(&f->th, NULL, run, f);
	return true;
}

void net_fixture_stop(net_fixture *f)
{
	tf_loop_stop(f->loop);
	pthread_join(f->th, NULL);
	tf_http_server_free(f->srv);
	tf_loop_free(f->loop);
	tf_tls_ctx_free(f->tls);
}

int net_raw_connect(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

bool net_raw_send(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
		if (w <= 0)
			return false;
		s += w;
		n -= (size_t)w;
	}
	return true;
}

size_t net_raw_read_until(int fd, char *buf, size_t cap, const char *until, int timeout_ms)
{
	size_t got = 0;
	int64_t deadline = tf_mono_ms() + timeout_ms;
	buf[0] = '\0';
	while (got + 1 < cap) {
		if (until && strstr(buf, until))
			break;
		int64_t left = deadline - tf_mono_ms();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		ssize_t r = recv(fd, buf + got, cap - 1 - got, 0);
		if (r <= 0)
			break;
		got += (size_t)r;
		buf[got] = '\0';
	}
	return got;
}

size_t net_raw_read(int fd, char *buf, size_t cap, int timeout_ms)
{
	return net_raw_read_until(fd, buf, cap, NULL, timeout_ms);
}

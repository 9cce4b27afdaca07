/* ws_client.c — see ws_client.h. A blocking WebSocket client: tcp.c connects, tls.c wraps (SNI +
 * verification), we send the upgrade request and check the 101 answer, then wslay does the framing
 * (masking our frames, reassembling fragments, answering pings and the close handshake).
 *
 * Everything runs on the caller's thread inside connect/recv/send/free; poll(2) waits with the
 * caller's timeouts. Messages wslay completes are copied into an inbox (one wslay_event_recv can
 * complete several); recv returns them one at a time, each valid until the next call.
 *
 * Connection states:
 *
 *   connect: TCP --> TLS handshake (wss) --> upgrade request --> 101 checked --> OPEN
 *                 any failure: *out = NULL, errbuf says which step and why
 *
 *   OPEN --server close frame--> (wslay echoes it) --> CLOSED: recv returns TF_ERR_CLOSED (sticky)
 *   OPEN --silence >= ping_interval--> PING_SENT --any byte--> OPEN
 *                                          \--pong_timeout, nothing--> FAILED(TF_ERR_TIMEOUT)
 *   OPEN --EOF / I/O / TLS error, protocol error, message > max_message--> FAILED (sticky error)
 *   free: OPEN --> our close(1000) --> wait <= 1 s for the echo --> freed
 */
#include "net/ws_client.h"

#include <errno.h>
#include <openssl/rand.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wslay/wslay.h>

#include "base/buf.h"
#include "base/clock.h"
#include "net/addr.h"
#include "net/http.h"
#include "net/loop.h"
#include "net/stream.h"
#include "net/tcp.h"
#include "net/tls.h"
#include "net/ws_key.h"

#define OUT_SOFT (256u * 1024)
#define CLOSE_WAIT_MS 1000
#define INBOX_SLACK (64u * 1024)

struct tf_ws_client {
	tf_ws_client_opts o;
	tf_url url;
	tf_tls_ctx *tls;
	tf_stream *s;
	wslay_event_context_ptr ctx;
	tf_err fatal;              /* sticky: once set, every call returns it */
	char err[320];
	uint16_t close_code;
	bool close_received;
	bool too_big;
	uint64_t cur_msg_len;      /* data frames of the message being received */
	char *pre;                 /* bytes that came after the 101 head */
	size_t pre_len, pre_off;
	tf_buf inbox;              /* records: 1 byte binary flag, 8 bytes length, payload */
	size_t inbox_off;
	tf_buf out;
	size_t out_off;
	int64_t last_rx_ms;
	int64_t ping_sent_ms;      /* -1: no ping outstanding */
};

static void set_err(tf_ws_client *c, tf_err code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_err(tf_ws_client *c, tf_err code, const char *fmt, ...)
{
	if (c->fatal)
		return;   /* keep the first cause */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
	c->fatal = code;
}

static size_t out_pending(const tf_ws_client *c)
{
	return c->out.len - c->out_off;
}

/* Waits until fd is ready for want (TF_LOOP_READ/WRITE) or deadline. TF_OK, TF_ERR_TIMEOUT, TF_ERR_IO. */
static tf_err wait_fd(int fd, unsigned want, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - tf_mono_ms();
		if (left < 0)
			left = 0;
		struct pollfd p = { .fd = fd };
		p.events = (short)((want & TF_LOOP_READ ? POLLIN : 0) | (want & TF_LOOP_WRITE ? POLLOUT : 0));
		int r = poll(&p, 1, (int)left);
		if (r > 0)
			return TF_OK;
		if (r == 0)
			return TF_ERR_TIMEOUT;
		if (errno != EINTR)
			return TF_ERR_IO;
	}
}

/* ---- wslay callbacks ---- */

static ssize_t recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *ud)
{
	tf_ws_client *c = ud;
	if (c->pre_off < c->pre_len) {
		size_t n = c->pre_len - c->pre_off < len ? c->pre_len - c->pre_off : len;
		memcpy(buf, c->pre + c->pre_off, n);
		c->pre_off += n;
		return (ssize_t)n;
	}
	if (c->inbox.len > c->inbox_off) {
		/* deliver what we have before reading more, so the inbox stays bounded */
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	size_t n = 0;
	tf_err err = tf_stream_read(c->s, buf, len, &n);
	if (err == TF_OK) {
		c->last_rx_ms = tf_mono_ms();
		c->ping_sent_ms = -1;
		return (ssize_t)n;
	}
	if (err == TF_ERR_AGAIN) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (err == TF_ERR_CLOSED)
		set_err(c, TF_ERR_CLOSED, "connection closed by the server without a close frame%s%s",
			c->s->err[0] ? ": " : "", c->s->err);
	else
		set_err(c, err, "%s", c->s->err[0] ? c->s->err : "read failed");
	wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static ssize_t send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags, void *ud)
{
	tf_ws_client *c = ud;
	size_t pend = out_pending(c);
	if (pend >= OUT_SOFT) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (pend == 0) {
		tf_buf_reset(&c->out);
		c->out_off = 0;
	}
	size_t n = len < OUT_SOFT - pend ? len : OUT_SOFT - pend;
	if (n > c->out.max - c->out.len) {   /* compact only when the written part is in the way */
		tf_buf_consume(&c->out, c->out_off);
		c->out_off = 0;
	}
	if (tf_buf_append(&c->out, data, n) != TF_OK) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return (ssize_t)n;
}

static int genmask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *ud)
{
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}

static void frame_start_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_frame_recv_start_arg *a,
			   void *ud)
{
	tf_ws_client *c = ud;
	if (wslay_is_ctrl_frame(a->opcode))
		return;
	c->cur_msg_len = (a->opcode == WSLAY_CONTINUATION_FRAME ? c->cur_msg_len : 0) + a->payload_length;
	if (c->cur_msg_len > c->o.max_message)
		c->too_big = true;   /* wslay refuses it and queues close 1009 */
}

static void msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *a, void *ud)
{
	tf_ws_client *c = ud;
	if (a->opcode == WSLAY_CONNECTION_CLOSE) {
		c->close_received = true;
		c->close_code = a->status_code;
		return;
	}
	if (a->opcode != WSLAY_TEXT_FRAME && a->opcode != WSLAY_BINARY_FRAME)
		return;   /* pings are answered by wslay; pongs only prove the peer is alive */
	uint8_t bin = a->opcode == WSLAY_BINARY_FRAME;
	uint64_t len = a->msg_length;
	if (tf_buf_append(&c->inbox, &bin, 1) || tf_buf_append(&c->inbox, &len, sizeof len) ||
	    tf_buf_append(&c->inbox, a->msg, a->msg_length)) {
		set_err(c, TF_ERR_TOO_BIG, "messages arrive faster than they are read (inbox full)");
		wslay_event_shutdown_read(ctx);
	}
}

static const struct wslay_event_callbacks client_cbs = {
	.recv_callback = recv_cb,
	.send_callback = send_cb,
	.genmask_callback = genmask_cb,
	.on_frame_recv_start_callback = frame_start_cb,
	.on_msg_recv_callback = msg_cb,
};

/* ---- I/O pumps ---- */

/* Hands queued frames to the stream without blocking. */
static void pump_out(tf_ws_client *c)
{
	while (!c->fatal || c->fatal == TF_ERR_TOO_BIG || c->fatal == TF_ERR_PROTO) {
		if (out_pending(c) < OUT_SOFT && wslay_event_want_write(c->ctx) && wslay_event_send(c->ctx) != 0) {
			set_err(c, TF_ERR_IO, "cannot queue frames");
			return;
		}
		if (!out_pending(c))
			return;
		size_t n = 0;
		tf_err err = tf_stream_write(c->s, c->out.data + c->out_off, out_pending(c), &n);
		if (err == TF_ERR_AGAIN)
			return;
		if (err) {
			set_err(c, err, "%s", c->s->err[0] ? c->s->err : "write failed");
			return;
		}
		c->out_off += n;
	}
}

/* Reads and processes what is available; sets c->fatal on failures. */
static void pump_in(tf_ws_client *c)
{
	if (!wslay_event_want_read(c->ctx))
		return;
	int r = wslay_event_recv(c->ctx);
	if (r != 0 && !c->fatal)
		set_err(c, TF_ERR_IO, "WebSocket receive failed (wslay error %d)", r);
	pump_out(c);   /* pongs, close echoes, and the close wslay queued on a bad frame */
	if (!c->fatal && !c->close_received && !wslay_event_get_read_enabled(c->ctx)) {
		/* wslay stopped reading on its own: the code it sent says why */
		uint16_t sent = wslay_event_get_close_sent(c->ctx) ? wslay_event_get_status_code_sent(c->ctx) : 0;
		if (sent == 1009 || c->too_big)
			set_err(c, TF_ERR_TOO_BIG, "message larger than max_message (%zu bytes); closed with 1009",
				c->o.max_message);
		else
			set_err(c, TF_ERR_PROTO, "protocol error from the server (closed with %u: bad frame or invalid UTF-8)",
				(unsigned)sent);
	}
}

/* Waits for readiness (or until deadline) and pumps both ways once. */
static tf_err step(tf_ws_client *c, int64_t deadline)
{
	if (tf_stream_pending(c->s) == 0 && c->pre_off == c->pre_len && c->inbox.len == c->inbox_off) {
		unsigned want = TF_LOOP_READ | (out_pending(c) ? TF_LOOP_WRITE : 0);
		if (out_pending(c))
			want |= tf_stream_want(c->s);
		tf_err err = wait_fd(c->s->fd, want, deadline);
		if (err == TF_ERR_TIMEOUT)
			return TF_ERR_AGAIN;
		if (err) {
			set_err(c, TF_ERR_IO, "poll failed");
			return c->fatal;
		}
	}
	pump_out(c);
	pump_in(c);
	return TF_OK;
}

/* Pops the next inbox message into msg. */
static bool pop_message(tf_ws_client *c, tf_ws_msg *msg)
{
	if (c->inbox.len == c->inbox_off)
		return false;
	const char *p = c->inbox.data + c->inbox_off;
	uint64_t len;
	memcpy(&len, p + 1, sizeof len);
	msg->binary = p[0] != 0;
	msg->data = p + 9;
	msg->len = (size_t)len;
	c->inbox_off += 9 + (size_t)len;
	return true;
}

/* ---- handshake ---- */

static tf_err write_all(tf_ws_client *c, const char *p, size_t n, int64_t deadline)
{
	while (n) {
		size_t w = 0;
		tf_err err = tf_stream_write(c->s, p, n, &w);
		if (err == TF_ERR_AGAIN) {
			if (wait_fd(c->s->fd, tf_stream_want(c->s), deadline) != TF_OK)
				return TF_ERR_TIMEOUT;
			continue;
		}
		if (err)
			return err;
		p += w;
		n -= w;
	}
	return TF_OK;
}

static tf_err tls_handshake(tf_ws_client *c, int64_t deadline, char *errbuf, size_t errcap)
{
	char e[300];
	tf_err err = tf_tls_client_ctx_new(c->o.ca_file, &c->tls, e, sizeof e);
	if (err) {
		snprintf(errbuf, errcap, "%s", e);
		return err;
	}
	int fd = c->s->fd;
	c->s->fd = -1;   /* the TLS stream takes over the fd */
	tf_stream_free(c->s);
	c->s = NULL;
	if (tf_tls_stream_new(c->tls, fd, c->url.host, &c->s) != TF_OK) {
		snprintf(errbuf, errcap, "TLS setup for %s failed", c->url.host);
		return TF_ERR_TLS;
	}
	for (;;) {
		err = tf_stream_handshake(c->s);
		if (err != TF_ERR_AGAIN)
			break;
		if (wait_fd(c->s->fd, tf_stream_want(c->s), deadline) != TF_OK) {
			err = TF_ERR_TIMEOUT;
			snprintf(c->s->err, sizeof c->s->err, "timed out");
			break;
		}
	}
	if (err)
		snprintf(errbuf, errcap, "TLS handshake with %s:%u: %s", c->url.host, (unsigned)c->url.port,
			 c->s->err[0] ? c->s->err : tf_err_str(err));
	return err;
}

/* Checks the 101 answer. */
static tf_err check_response(tf_ws_client *c, const tf_http_response *res, const char *key,
			     char *errbuf, size_t errcap)
{
	const tf_http_header *h = res->headers;
	if (res->status != 101) {
		const char *ra = tf_http_header_get(h, res->nheaders, "Retry-After");
		snprintf(errbuf, errcap, "WebSocket upgrade refused by %s: HTTP %d %s%s%s", c->url.host,
			 res->status, res->reason, ra ? ", Retry-After " : "", ra ? ra : "");
		return TF_ERR_REMOTE;
	}
	const char *up = tf_http_header_get(h, res->nheaders, "Upgrade");
	const char *conn = tf_http_header_get(h, res->nheaders, "Connection");
	const char *acc = tf_http_header_get(h, res->nheaders, "Sec-WebSocket-Accept");
	char want[TF_WS_ACCEPT_LEN + 1];
	tf_ws_key_accept(key, want);
	const char *why = NULL;
	if (!up || !tf_http_has_token(up, "websocket"))
		why = "no 'Upgrade: websocket'";
	else if (!conn || !tf_http_has_token(conn, "upgrade"))
		why = "no 'Connection: Upgrade'";
	else if (!acc || strcmp(acc, want) != 0)
		why = "wrong Sec-WebSocket-Accept";
	else if (tf_http_header_get(h, res->nheaders, "Sec-WebSocket-Extensions"))
		why = "an extension we did not ask for";
	else if (tf_http_header_get(h, res->nheaders, "Sec-WebSocket-Protocol"))
		why = "a subprotocol we did not ask for";
	if (why) {
		snprintf(errbuf, errcap, "bad WebSocket handshake from %s: %s", c->url.host, why);
		return TF_ERR_PROTO;
	}
	return TF_OK;
}

static tf_err upgrade(tf_ws_client *c, int64_t deadline, char *errbuf, size_t errcap)
{
	char key[TF_WS_KEY_LEN + 1];
	if (tf_ws_key_generate(key) != TF_OK) {
		snprintf(errbuf, errcap, "random number generator failed");
		return TF_ERR_INTERNAL;
	}
	char hostport[TF_ADDR_HOST_MAX + 10];
	if (c->url.default_port)
		snprintf(hostport, sizeof hostport, strchr(c->url.host, ':') ? "[%s]" : "%s", c->url.host);
	else
		tf_addr_format(c->url.host, c->url.port, hostport, sizeof hostport);
	tf_buf req;
	tf_buf_init(&req, TF_URL_PATH_MAX + 1024);
	tf_err err = tf_buf_appendf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
				    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nUser-Agent: tickflow\r\n\r\n",
				    c->url.path, hostport, key);
	if (!err)
		err = write_all(c, req.data, req.len, deadline);
	tf_buf_free(&req);
	if (err) {
		snprintf(errbuf, errcap, "sending the upgrade request to %s: %s", c->url.host,
			 c->s->err[0] ? c->s->err : tf_err_str(err));
		return err;
	}
	static const size_t cap = TF_HTTP_MAX_HEAD;
	char *buf = malloc(cap + 1);
	if (!buf)
		return TF_ERR_NOMEM;
	size_t len = 0;
	tf_http_response res;
	for (;;) {
		err = tf_http_parse_response(buf, len, &res);
		if (err != TF_ERR_AGAIN || len == cap)
			break;
		size_t n = 0;
		err = tf_stream_read(c->s, buf + len, cap - len, &n);
		if (err == TF_ERR_AGAIN) {
			if (wait_fd(c->s->fd, tf_stream_want(c->s), deadline) != TF_OK) {
				err = TF_ERR_TIMEOUT;
				break;
			}
			continue;
		}
		if (err)
			break;
		len += n;
	}
	if (err == TF_ERR_AGAIN)
		err = TF_ERR_TOO_BIG;
	if (err == TF_OK)
		err = check_response(c, &res, key, errbuf, errcap);
	else if (err == TF_ERR_PARSE || err == TF_ERR_TOO_BIG)
		snprintf(errbuf, errcap, "%s did not answer with valid HTTP (%s)", c->url.host, tf_err_str(err));
	else
		snprintf(errbuf, errcap, "waiting for the upgrade answer from %s: %s", c->url.host,
			 err == TF_ERR_TIMEOUT ? "timed out" : c->s->err[0] ? c->s->err : tf_err_str(err));
	if (err == TF_OK && len > res.head_len) {
		c->pre_len = len - res.head_len;
		c->pre = malloc(c->pre_len);
		if (!c->pre)
			err = TF_ERR_NOMEM;
		else
			memcpy(c->pre, buf + res.head_len, c->pre_len);
	}
	free(buf);
	return err;
}

static void client_free_now(tf_ws_client *c)
{
	if (c->ctx)
		wslay_event_context_free(c->ctx);
	tf_stream_free(c->s);
	tf_tls_ctx_free(c->tls);
	tf_buf_free(&c->inbox);
	tf_buf_free(&c->out);
	free(c->pre);
	free(c);
}

tf_err tf_ws_client_connect(const tf_ws_client_opts *o, tf_ws_client **out, char *errbuf, size_t errcap)
{
	*out = NULL;
	if (errcap)
		errbuf[0] = '\0';
	tf_ws_client *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(errbuf, errcap, "out of memory");
		return TF_ERR_NOMEM;
	}
	c->o = *o;
	if (c->o.connect_timeout_ms <= 0)
		c->o.connect_timeout_ms = 10000;
	if (!c->o.max_message)
		c->o.max_message = 16u << 20;
	c->ping_sent_ms = -1;
	tf_buf_init(&c->inbox, c->o.max_message + INBOX_SLACK);
	tf_buf_init(&c->out, OUT_SOFT + 1024);
	int64_t deadline = tf_mono_ms() + c->o.connect_timeout_ms;
	tf_err err = o->url ? tf_url_parse(o->url, &c->url) : TF_ERR_PARSE;
	if (err || (strcmp(c->url.scheme, "ws") && strcmp(c->url.scheme, "wss"))) {
		snprintf(errbuf, errcap, "bad WebSocket URL '%s' (want ws://host[:port]/path or wss://...)",
			 o->url ? o->url : "(null)");
		err = TF_ERR_USAGE;
		goto fail;
	}
	int fd;
	err = tf_tcp_connect(c->url.host, c->url.port, c->o.connect_timeout_ms, &fd, errbuf, errcap);
	if (err)
		goto fail;
	err = tf_stream_tcp_new(fd, &c->s);
	if (!err && c->url.tls)
		err = tls_handshake(c, deadline, errbuf, errcap);
	if (!err)
		err = upgrade(c, deadline, errbuf, errcap);
	if (err)
		goto fail;
	if (wslay_event_context_client_init(&c->ctx, &client_cbs, c) != 0) {
		err = TF_ERR_NOMEM;
		snprintf(errbuf, errcap, "out of memory");
		goto fail;
	}
	wslay_event_config_set_max_recv_msg_length(c->ctx, c->o.max_message);
	c->last_rx_ms = tf_mono_ms();
	snprintf(c->err, sizeof c->err, "no error");
	*out = c;
	return TF_OK;
fail:
	if (errcap && !errbuf[0])
		snprintf(errbuf, errcap, "%s", tf_err_str(err));
	client_free_now(c);
	return err;
}

/* Sends our ping after silence, and declares the peer dead when it stays silent after it. Returns
 * the time of the next keep-alive event (INT64_MAX when none). */
static int64_t keepalive(tf_ws_client *c)
{
	if (c->o.ping_interval_ms <= 0)
		return INT64_MAX;
	int64_t now = tf_mono_ms();
	if (c->ping_sent_ms < 0) {
		int64_t due = c->last_rx_ms + c->o.ping_interval_ms;
		if (now < due)
			return due;
		struct wslay_event_msg m = { .opcode = WSLAY_PING, .msg = (const uint8_t *)"tickflow", .msg_length = 8 };
		if (wslay_event_queue_msg(c->ctx, &m) == 0) {
			c->ping_sent_ms = now;
			pump_out(c);
		}
	}
	int pt = c->o.pong_timeout_ms > 0 ? c->o.pong_timeout_ms : c->o.ping_interval_ms;
	int64_t dead = c->ping_sent_ms + pt;
	if (now >= dead) {
		set_err(c, TF_ERR_TIMEOUT, "no answer from the server within %d ms of our ping", pt);
		return INT64_MAX;
	}
	return dead;
}

tf_err tf_ws_client_recv(tf_ws_client *c, tf_ws_msg *msg, int timeout_ms)
{
	msg->data = NULL;
	msg->len = 0;
	msg->binary = false;
	if (c->inbox_off == c->inbox.len) {
		tf_buf_reset(&c->inbox);   /* the previous message is no longer needed */
		c->inbox_off = 0;
	}
	int64_t deadline = tf_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	for (;;) {
		if (pop_message(c, msg))
			return TF_OK;
		if (c->fatal)
			return c->fatal;
		if (c->close_received) {
			pump_out(c);   /* our echo of the close */
			snprintf(c->err, sizeof c->err, "the server closed the connection (code %u)",
				 (unsigned)c->close_code);
			c->fatal = TF_ERR_CLOSED;
			return TF_ERR_CLOSED;
		}
		int64_t ka = keepalive(c);
		if (c->fatal)
			continue;
		int64_t until = ka < deadline ? ka : deadline;
		tf_err err = step(c, until);
		if (err == TF_ERR_AGAIN && tf_mono_ms() >= deadline && c->inbox.len == c->inbox_off &&
		    !c->close_received && !c->fatal)
			return TF_ERR_AGAIN;
	}
}

tf_err tf_ws_client_send_text(tf_ws_client *c, const char *data, size_t len)
{
	if (c->fatal)
		return c->fatal;
	if (c->close_received)
		return TF_ERR_CLOSED;
	struct wslay_event_msg m = { .opcode = WSLAY_TEXT_FRAME, .msg = (const uint8_t *)data, .msg_length = len };
	int r = wslay_event_queue_msg(c->ctx, &m);
	if (r == WSLAY_ERR_NO_MORE_MSG)
		return TF_ERR_CLOSED;
	if (r != 0)
		return TF_ERR_NOMEM;
	int64_t deadline = tf_mono_ms() + c->o.connect_timeout_ms;
	pump_out(c);
	while (!c->fatal && (out_pending(c) || wslay_event_want_write(c->ctx))) {
		if (wait_fd(c->s->fd, TF_LOOP_WRITE | tf_stream_want(c->s), deadline) != TF_OK) {
			set_err(c, TF_ERR_TIMEOUT, "sending timed out after %d ms", c->o.connect_timeout_ms);
			break;
		}
		pump_out(c);
	}
	return c->fatal;
}

uint16_t tf_ws_client_close_code(const tf_ws_client *c)
{
	return c->close_received ? c->close_code : 0;
}

const char *tf_ws_client_error(const tf_ws_client *c)
{
	return c->err;
}

void tf_ws_client_free(tf_ws_client *c)
{
	if (!c)
		return;
	if (!c->fatal && !c->close_received) {
		wslay_event_queue_close(c->ctx, 1000, NULL, 0);
		int64_t deadline = tf_mono_ms() + CLOSE_WAIT_MS;
		pump_out(c);
		/* wait for the server's echo, dropping any data still in flight */
		while (!c->fatal && !c->close_received && tf_mono_ms() < deadline) {
			c->inbox.len = c->inbox_off = 0;
			step(c, deadline);
		}
	}
	client_free_now(c);
}

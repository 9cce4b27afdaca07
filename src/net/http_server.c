/* http_server.c — see http_server.h. Connections are driven by one loop callback (conn_io) and one
 * timer each; the protocol of a connection changes by mode:
 *
 *   accept --(TLS)--> HANDSHAKE --ok--> HTTP <---------------------------------------+
 *                        | fail/timeout   | head + body complete                      |
 *                        v                v                                            |
 *                      closed          handler ---> response appended to out --(keep-alive,
 *                                         |                                     flushed)
 *                                         | bad request / "Connection: close" / error status:
 *                                         |     close after out is flushed
 *                                         | Upgrade: websocket, accepted --> WS (ws_server.c)
 *                                         | tf_http_resp_stream ---------> STREAM (body chunks)
 *                                         | tf_http_resp_defer: HTTP (deferred) -- no further
 *                                         |   request is parsed or read until
 *                                         |   tf_http_deferred_finish appends the response
 *
 * Timeouts (one timer per connection, re-armed after every event to the earliest deadline):
 *   HANDSHAKE, and HTTP while a request head/body is arriving: header_timeout from its first byte
 *     (from accept for the first request) — a slow client cannot extend it by trickling bytes;
 *   HTTP with nothing pending: idle_timeout since the last response;
 *   HTTP/STREAM with output pending: idle_timeout since the last write progress;
 *   WS after a close frame was queued: ws_close_timeout.
 * Pipelined requests are parsed from the input buffer one after the other and their responses
 * appended in order; reading pauses while more than PIPE_OUT_MAX bytes of responses are unsent. */
#include "net/http_server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/log.h"
#include "net/tcp.h"
#include "net/ws_key.h"
#include "net/ws_server_int.h"

#define READ_CHUNK 16384
#define PIPE_OUT_MAX (1u << 20)
#define ACCEPT_BATCH 64

enum mode { M_HANDSHAKE, M_HTTP, M_WS, M_STREAM };

typedef struct tf_http_stream conn;

struct tf_http_stream {
	tf_http_server *srv;
	conn *prev, *next;
	tf_stream *s;
	tf_watch *w;
	tf_timer timer;
	tf_timer kick;            /* WS: read budget was hit, continue soon */
	enum mode mode;
	char peer[64];
	tf_buf in;
	size_t in_off;            /* start of the unprocessed input */
	size_t scanned;           /* input bytes already searched for the end of a head */
	tf_buf out;
	size_t out_off;
	bool close_after_write;
	int64_t head_start;       /* first byte of the current request; -1 when none is pending */
	int64_t idle_since;
	int64_t last_progress;
	int64_t close_start;      /* WS: when our close was first seen queued; -1 none */
	tf_ws_conn *ws;
	void *stream_user;
	bool stream_ending;
	tf_http_deferred *deferred; /* HTTP: the response the application will give later */
};

/* A response the handler deferred (tf_http_resp_defer); c is NULL once the connection is gone. */
struct tf_http_deferred {
	conn *c;
	tf_buf headers;           /* set by the handler before it deferred */
	bool head_only, close;
};

struct tf_http_resp {
	conn *c;
	int status;
	tf_buf headers;
	tf_buf body;
	bool close;
	bool head_only;
	bool stream;
	void *stream_user;
	tf_http_deferred *deferred;
};

struct tf_http_server {
	tf_loop *loop;
	tf_http_server_opts o;
	int lfd;
	uint16_t port;
	tf_watch *lw;
	tf_timer accept_pause;
	conn *conns;
	size_t nconns;
	tf_http_request req;      /* scratch: requests are handled one at a time */
	char *scratch;            /* a copy of the head being parsed (the parser writes NULs) */
	tf_http_resp resp;
	tf_ws_conn_cfg ws_cfg;
};

static void conn_io(tf_loop *l, int fd, unsigned events, void *ud);

/* ---- helpers ---- */

static size_t out_pending(const conn *c)
{
	return c->out.len - c->out_off;
}

static void conn_close(conn *c)
{
	tf_http_server *srv = c->srv;
	tf_loop_unwatch(srv->loop, c->w);
	tf_timer_stop(srv->loop, &c->timer);
	tf_timer_stop(srv->loop, &c->kick);
	if (c->deferred)
		c->deferred->c = NULL; /* the application still finishes (and frees) it */
	if (c->ws)
		tf_ws_conn_free(c->ws);   /* on_close */
	if (c->mode == M_STREAM && srv->o.on_stream_close) {
		c->stream_ending = true;
		srv->o.on_stream_close(srv->o.ud, c, c->stream_user);
	}
	tf_stream_free(c->s);
	tf_buf_free(&c->in);
	tf_buf_free(&c->out);
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->nconns--;
	tf_debug("http: %s closed", c->peer);
	free(c);
}

/* Writes out until the stream blocks. TF_OK or the stream's error. */
static tf_err flush_out(conn *c)
{
	while (out_pending(c)) {
		size_t n = 0;
		tf_err err = tf_stream_write(c->s, c->out.data + c->out_off, out_pending(c), &n);
		if (err == TF_ERR_AGAIN)
			return TF_OK;
		if (err)
			return err;
		c->out_off += n;
		c->last_progress = tf_loop_now_ms(c->srv->loop);
	}
	tf_buf_reset(&c->out);
	c->out_off = 0;
	return TF_OK;
}

static void compact_out(conn *c)
{
	if (c->out_off && c->out_off > c->out.len / 2) {
		tf_buf_consume(&c->out, c->out_off);
		c->out_off = 0;
	}
}

/* ---- responses ---- */

/* Appends a complete response (head + body) to out. */
static tf_err append_response(conn *c, int status, const tf_buf *headers, const char *body,
			      size_t blen, bool head_only, bool close)
{
	compact_out(c);
	tf_err err = tf_http_write_status(&c->out, status);
	if (!err && headers->len)
		err = tf_buf_append(&c->out, headers->data, headers->len);
	if (!err)
		err = tf_buf_appendf(&c->out, "Content-Length: %zu\r\nConnection: %s\r\n\r\n", blen,
				     close ? "close" : "keep-alive");
	if (!err && !head_only && blen)
		err = tf_buf_append(&c->out, body, blen);
	return err;
}

/* A response made by the server itself (errors); the connection closes after it. */
static void error_response(conn *c, int status, const char *extra_name, const char *extra_value)
{
	tf_buf h;
	tf_buf_init(&h, 1024);
	tf_http_write_header(&h, "Content-Type", "text/plain; charset=utf-8");
	if (extra_name)
		tf_http_write_header(&h, extra_name, extra_value);
	char body[96];
	int n = snprintf(body, sizeof body, "%d %s\n", status, tf_http_reason(status));
	if (append_response(c, status, &h, body, (size_t)n, false, true) != TF_OK)
		c->out.len = c->out_off;   /* no room: just close */
	tf_buf_free(&h);
	c->close_after_write = true;
	tf_debug("http: %s -> %d", c->peer, status);
}

/* ---- WebSocket upgrade ---- */

static void ws_wake(void *owner)
{
	conn *c = owner;
	if (c->mode == M_WS)
		tf_loop_watch_set(c->srv->loop, c->w, tf_ws_conn_interest(c->ws) | TF_LOOP_WRITE);
}

/* Validates the upgrade request and offers it to the application. Returns true when the
 * connection became a WebSocket. rest/rest_len: input after this request. */
static bool try_upgrade(conn *c, const tf_http_request *req, const char *rest, size_t rest_len)
{
	tf_http_server *srv = c->srv;
	const tf_http_header *h = req->headers;
	const char *ver = tf_http_header_get(h, req->nheaders, "Sec-WebSocket-Version");
	const char *key = tf_http_header_get(h, req->nheaders, "Sec-WebSocket-Key");
	if (strcmp(req->method, "GET") != 0 || req->minor != 1 || !req->upgrade_websocket ||
	    req->content_length > 0 || !key || !tf_ws_key_valid(key)) {
		error_response(c, 400, NULL, NULL);
		return false;
	}
	if (!ver || strcmp(ver, "13") != 0) {
		error_response(c, 426, "Sec-WebSocket-Version", "13");
		return false;
	}
	if (!srv->o.ws_accept) {
		error_response(c, 404, NULL, NULL);
		return false;
	}
	char accept[TF_WS_ACCEPT_LEN + 1];
	tf_ws_key_accept(key, accept);
	size_t mark = c->out.len;
	if (tf_buf_appendf(&c->out, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
				    "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept)) {
		error_response(c, 503, NULL, NULL);
		return false;
	}
	tf_ws_conn *ws = NULL;
	tf_ws_conn_cfg cfg = srv->ws_cfg;
	cfg.owner = c;
	if (tf_ws_conn_new(c->s, &cfg, c->peer, c->out.data + c->out_off, out_pending(c), rest,
			   rest_len, &ws) != TF_OK) {
		c->out.len = mark;
		error_response(c, 503, NULL, NULL);
		return false;
	}
	c->out.len = mark;   /* the 101 now lives in the ws connection's output */
	void *user = NULL;
	int st = srv->o.ws_accept(srv->o.ud, req, ws, &user);
	if (st != 101) {
		tf_ws_conn_free(ws);   /* not accepted: no on_close */
		error_response(c, st >= 400 && st <= 599 ? st : 500, NULL, NULL);
		return false;
	}
	tf_ws_conn_accepted(ws, user);
	c->ws = ws;
	c->mode = M_WS;
	tf_buf_free(&c->in);
	tf_buf_free(&c->out);
	c->in_off = c->out_off = 0;
	tf_debug("http: %s upgraded to websocket %s", c->peer, req->target);
	return true;
}

/* ---- normal requests ---- */

static void reset_resp(tf_http_resp *r, conn *c, bool head_only)
{
	r->c = c;
	r->status = 200;
	tf_buf_reset(&r->headers);
	tf_buf_reset(&r->body);
	r->close = false;
	r->head_only = head_only;
	r->stream = false;
	r->stream_user = NULL;
	r->deferred = NULL;
}

static void start_stream(conn *c, tf_http_resp *r)
{
	compact_out(c);
	tf_err err = tf_http_write_status(&c->out, r->status);
	if (!err && r->headers.len)
		err = tf_buf_append(&c->out, r->headers.data, r->headers.len);
	if (!err)
		err = tf_buf_append(&c->out, "Connection: close\r\n\r\n", 21);
	if (!err && r->body.len)
		err = tf_buf_append(&c->out, r->body.data, r->body.len);
	if (err) {
		c->close_after_write = true;
		return;
	}
	c->mode = M_STREAM;
	c->stream_user = r->stream_user;
	c->out.max = c->srv->o.ws_max_queued + c->out.len;
	tf_debug("http: %s streaming", c->peer);
}

static void handle(conn *c, tf_http_request *req, const char *body, size_t blen)
{
	tf_http_server *srv = c->srv;
	tf_http_resp *r = &srv->resp;
	reset_resp(r, c, strcmp(req->method, "HEAD") == 0);
	if (srv->o.handler)
		srv->o.handler(srv->o.ud, req, blen ? body : NULL, blen, r);
	else
		r->status = 404;
	if (r->stream && !r->head_only) {
		start_stream(c, r);
		return;
	}
	bool close = r->close || !req->keep_alive;
	if (r->deferred) {
		tf_http_deferred *d = r->deferred;
		d->c = c;
		d->head_only = r->head_only;
		d->close = close;
		tf_buf_reset(&d->headers);
		if (r->headers.len && tf_buf_append(&d->headers, r->headers.data, r->headers.len))
			d->close = true; /* cannot happen: both have the same maximum */
		c->deferred = d;
		tf_debug("http: %s %s %s deferred", c->peer, req->method, req->target);
		return;
	}
	if (r->status < 200 || r->status > 999)
		r->status = 500;
	if (append_response(c, r->status, &r->headers, r->body.data, r->body.len, r->head_only, close)) {
		error_response(c, 500, NULL, NULL);
		return;
	}
	c->close_after_write = close;
	tf_debug("http: %s %s %s -> %d", c->peer, req->method, req->target, r->status);
}

/* Is there possibly a complete head (or a definite error) in the new input? Saves rescanning a
 * partial head for every byte a slow client sends. */
static bool worth_parsing(conn *c)
{
	size_t avail = c->in.len - c->in_off;
	if (avail >= TF_HTTP_MAX_HEAD)
		return true;
	size_t from = c->scanned > c->in_off + 3 ? c->scanned - 3 : c->in_off;
	const char *p = c->in.data + from;
	size_t n = c->in.len - from;
	c->scanned = c->in.len;
	return memmem(p, n, "\r\n\r\n", 4) || memmem(p, n, "\n\n", 2) || memmem(p, n, "\n\r\n", 3);
}

/* Parses and answers every complete request in the input buffer. */
static void process_requests(conn *c)
{
	tf_http_server *srv = c->srv;
	while (c->mode == M_HTTP && !c->deferred && !c->close_after_write && out_pending(c) < PIPE_OUT_MAX &&
	       c->in.len > c->in_off) {
		if (c->head_start < 0)
			c->head_start = tf_loop_now_ms(srv->loop);
		if (c->scanned < c->in_off)
			c->scanned = c->in_off;
		if (!worth_parsing(c))
			return;
		size_t avail = c->in.len - c->in_off;
		size_t copy = avail < TF_HTTP_MAX_HEAD ? avail : TF_HTTP_MAX_HEAD;
		memcpy(srv->scratch, c->in.data + c->in_off, copy);
		tf_http_request *req = &srv->req;
		bool line_too_big = false;
		tf_err err = tf_http_parse_request(srv->scratch, copy, req, &line_too_big);
		if (err == TF_ERR_AGAIN && copy == TF_HTTP_MAX_HEAD)
			err = TF_ERR_TOO_BIG;
		if (err == TF_ERR_AGAIN) {
			c->scanned = c->in.len;   /* incomplete: next time search only the new bytes */
			return;
		}
		if (err) {
			error_response(c, err == TF_ERR_TOO_BIG ? (line_too_big ? 414 : 431) : 400, NULL, NULL);
			return;
		}
		const char *up = tf_http_header_get(req->headers, req->nheaders, "Upgrade");
		if (req->transfer_encoding) {
			error_response(c, 501, NULL, NULL);
			return;
		}
		if (req->content_length > (int64_t)srv->o.max_body) {
			error_response(c, 413, NULL, NULL);
			return;
		}
		size_t total = req->head_len + (size_t)(req->content_length > 0 ? req->content_length : 0);
		if (avail < total) {
			c->scanned = c->in_off;   /* wait for the body, then parse the head again */
			return;
		}
		const char *body = c->in.data + c->in_off + req->head_len;
		size_t blen = total - req->head_len;
		c->in_off += total;
		c->scanned = c->in_off;
		c->head_start = -1;
		if (up && tf_http_has_token(up, "websocket")) {
			try_upgrade(c, req, c->in.data + c->in_off, c->in.len - c->in_off);
			return;
		}
		handle(c, req, body, blen);
		c->idle_since = tf_loop_now_ms(srv->loop);
	}
}

/* Reads until the stream blocks or the input buffer is full. */
static tf_err read_input(conn *c)
{
	if (c->in_off == c->in.len) {
		tf_buf_reset(&c->in);
		c->in_off = c->scanned = 0;
	} else if (c->in_off && c->in.len + READ_CHUNK > c->in.max) {
		tf_buf_consume(&c->in, c->in_off);
		c->scanned -= c->scanned >= c->in_off ? c->in_off : c->scanned;
		c->in_off = 0;
	}
	for (;;) {
		size_t room = c->in.max - c->in.len;
		if (room == 0)
			return TF_OK;
		if (room > READ_CHUNK)
			room = READ_CHUNK;
		if (tf_buf_reserve(&c->in, room) != TF_OK)
			return TF_ERR_NOMEM;
		size_t n = 0;
		tf_err err = tf_stream_read(c->s, c->in.data + c->in.len, room, &n);
		if (err == TF_ERR_AGAIN)
			return TF_OK;
		if (err)
			return err;
		c->in.len += n;
		c->in.data[c->in.len] = '\0';
	}
}

/* ---- timers ---- */

static void on_timeout(tf_loop *l, void *ud)
{
	conn *c = ud;
	tf_debug("http: %s timed out", c->peer);
	conn_close(c);
}

static void on_kick(tf_loop *l, void *ud)
{
	conn *c = ud;
	conn_io(l, -1, 0, c);
}

static int64_t min_deadline(int64_t a, int64_t b)
{
	return a < 0 ? b : (b < 0 || a < b ? a : b);
}

static void update_timer(conn *c)
{
	tf_http_server *srv = c->srv;
	int64_t d = -1;
	switch (c->mode) {
	case M_HANDSHAKE:
		d = c->head_start + srv->o.header_timeout_ms;
		break;
	case M_HTTP:
		if (c->head_start >= 0)
			d = c->head_start + srv->o.header_timeout_ms;
		else if (!out_pending(c))
			d = c->idle_since + srv->o.idle_timeout_ms;
		if (out_pending(c))
			d = min_deadline(d, c->last_progress + srv->o.idle_timeout_ms);
		break;
	case M_STREAM:
		if (out_pending(c))
			d = c->last_progress + srv->o.idle_timeout_ms;
		break;
	case M_WS:
		if (tf_ws_conn_closing(c->ws)) {
			if (c->close_start < 0)
				c->close_start = tf_loop_now_ms(srv->loop);
			d = c->close_start + srv->o.ws_close_timeout_ms;
		}
		break;
	}
	if (d < 0) {
		tf_timer_stop(srv->loop, &c->timer);
		return;
	}
	if (tf_timer_armed(&c->timer) && c->timer.due_ms == d)
		return;
	tf_timer_start(srv->loop, &c->timer, d - tf_loop_now_ms(srv->loop), on_timeout, c);
}

/* ---- per-mode I/O ---- */

/* Returns false when the connection must be closed. */
static bool io_http(conn *c)
{
	for (int round = 0; round < 4; round++) {
		if (c->close_after_write || out_pending(c) >= PIPE_OUT_MAX)
			break;
		size_t before = c->in.len;
		tf_err err = read_input(c);
		if (err && err != TF_ERR_CLOSED)
			return false;
		process_requests(c);
		if (c->mode != M_HTTP)
			return true;
		if (err == TF_ERR_CLOSED) {
			/* the client finished sending: answer what was complete, then close */
			c->close_after_write = true;
			break;
		}
		if (flush_out(c) != TF_OK)
			return false;
		if (c->in.len == before)
			break;
	}
	if (flush_out(c) != TF_OK)
		return false;
	if (c->close_after_write && !out_pending(c) && !c->deferred)
		return false; /* (a deferred response is still owed to a client that stopped sending) */
	unsigned ev = out_pending(c) ? TF_LOOP_WRITE : 0;
	if (!c->close_after_write && !c->deferred && out_pending(c) < PIPE_OUT_MAX && c->in.len < c->in.max)
		ev |= TF_LOOP_READ;
	tf_loop_watch_set(c->srv->loop, c->w, ev);
	return true;
}

static bool io_ws(conn *c)
{
	bool more = tf_ws_conn_io(c->ws);
	if (tf_ws_conn_done(c->ws))
		return false;
	tf_loop_watch_set(c->srv->loop, c->w, tf_ws_conn_interest(c->ws));
	if (more && !tf_timer_armed(&c->kick))
		tf_timer_start(c->srv->loop, &c->kick, 0, on_kick, c);
	return true;
}

static bool io_stream(conn *c)
{
	char sink[4096];
	for (;;) {   /* the client has nothing to say; read only to notice it leaving */
		size_t n;
		tf_err err = tf_stream_read(c->s, sink, sizeof sink, &n);
		if (err == TF_ERR_AGAIN)
			break;
		if (err)
			return false;
	}
	if (flush_out(c) != TF_OK)
		return false;
	if (c->stream_ending && !out_pending(c))
		return false;
	tf_loop_watch_set(c->srv->loop, c->w, TF_LOOP_READ | (out_pending(c) ? TF_LOOP_WRITE : 0));
	return true;
}

static void conn_io(tf_loop *l, int fd, unsigned events, void *ud)
{
	conn *c = ud;
	bool keep = true;
	if (c->mode == M_HANDSHAKE) {
		tf_err err = tf_stream_handshake(c->s);
		if (err == TF_ERR_AGAIN) {
			tf_loop_watch_set(l, c->w, tf_stream_want(c->s));
			update_timer(c);
			return;
		}
		if (err) {
			tf_debug("http: %s %s", c->peer, c->s->err);
			conn_close(c);
			return;
		}
		c->mode = M_HTTP;
	}
	if (c->mode == M_HTTP)
		keep = io_http(c);
	if (keep && c->mode == M_WS)
		keep = io_ws(c);
	else if (keep && c->mode == M_STREAM)
		keep = io_stream(c);
	if (!keep) {
		conn_close(c);
		return;
	}
	update_timer(c);
}

/* ---- accepting ---- */

static void new_conn(tf_http_server *srv, int fd, const char *peer)
{
	conn *c = calloc(1, sizeof *c);
	tf_stream *s = NULL;
	tf_err err = c ? (srv->o.tls ? tf_tls_stream_new(srv->o.tls, fd, NULL, &s) : tf_stream_tcp_new(fd, &s))
		       : TF_ERR_NOMEM;
	if (err) {
		if (!c)
			close(fd);
		free(c);
		return;
	}
	c->srv = srv;
	c->s = s;
	c->mode = srv->o.tls ? M_HANDSHAKE : M_HTTP;
	snprintf(c->peer, sizeof c->peer, "%s", peer);
	tf_buf_init(&c->in, TF_HTTP_MAX_HEAD + srv->o.max_body);
	tf_buf_init(&c->out, srv->o.max_response + PIPE_OUT_MAX + 65536);
	tf_timer_init(&c->timer);
	tf_timer_init(&c->kick);
	c->head_start = c->idle_since = c->last_progress = tf_loop_now_ms(srv->loop);
	c->close_start = -1;
	if (tf_loop_watch(srv->loop, fd, TF_LOOP_READ, conn_io, c, &c->w) != TF_OK) {
		tf_stream_free(s);
		free(c);
		return;
	}
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	srv->nconns++;
	update_timer(c);
	tf_debug("http: %s connected", peer);
}

static void on_accept_resume(tf_loop *l, void *ud)
{
	tf_http_server *srv = ud;
	tf_loop_watch_set(l, srv->lw, TF_LOOP_READ);
}

static void on_accept(tf_loop *l, int fd, unsigned events, void *ud)
{
	tf_http_server *srv = ud;
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		int cfd;
		char peer[64];
		tf_err err = tf_tcp_accept(srv->lfd, &cfd, peer, sizeof peer);
		if (err == TF_ERR_AGAIN)
			return;
		if (err) {
			/* out of fds: pause accepting briefly instead of spinning on a ready listener */
			tf_warn("http: accept on %s: %s; pausing 100 ms", srv->o.listen, strerror(errno));
			tf_loop_watch_set(l, srv->lw, 0);
			tf_timer_start(l, &srv->accept_pause, 100, on_accept_resume, srv);
			return;
		}
		if (srv->nconns >= (size_t)srv->o.max_conns) {
			tf_debug("http: connection limit %d reached, closing %s", srv->o.max_conns, peer);
			close(cfd);
			continue;
		}
		new_conn(srv, cfd, peer);
	}
}

/* ---- public ---- */

tf_err tf_http_server_new(tf_loop *l, const tf_http_server_opts *o, tf_http_server **out,
			  char *errbuf, size_t errcap)
{
	*out = NULL;
	tf_http_server *srv = calloc(1, sizeof *srv);
	if (!srv)
		return TF_ERR_NOMEM;
	srv->loop = l;
	srv->o = *o;
	srv->lfd = -1;
	tf_http_server_opts *so = &srv->o;
	if (so->max_conns <= 0)
		so->max_conns = 1024;
	if (so->header_timeout_ms <= 0)
		so->header_timeout_ms = 10000;
	if (so->idle_timeout_ms <= 0)
		so->idle_timeout_ms = 60000;
	if (so->ws_close_timeout_ms <= 0)
		so->ws_close_timeout_ms = 5000;
	if (!so->max_body)
		so->max_body = 1u << 20;
	if (!so->max_response)
		so->max_response = 64u << 20;
	if (!so->ws_max_message)
		so->ws_max_message = 1u << 20;
	if (!so->ws_max_queued)
		so->ws_max_queued = 64u << 20;
	srv->ws_cfg = (tf_ws_conn_cfg){ .max_message = so->ws_max_message, .max_queued = so->ws_max_queued,
					.cb = &so->ws_cb, .wake = ws_wake };
	tf_timer_init(&srv->accept_pause);
	tf_buf_init(&srv->resp.headers, TF_HTTP_MAX_HEADER_BYTES);
	tf_buf_init(&srv->resp.body, so->max_response);
	srv->scratch = malloc(TF_HTTP_MAX_HEAD + 1);
	tf_err err = srv->scratch ? TF_OK : TF_ERR_NOMEM;
	if (!err)
		err = tf_tcp_listen(so->listen, 511, &srv->lfd, errbuf, errcap);
	if (!err)
		err = tf_tcp_local_port(srv->lfd, &srv->port);
	if (!err)
		err = tf_loop_watch(l, srv->lfd, TF_LOOP_READ, on_accept, srv, &srv->lw);
	if (err) {
		tf_http_server_free(srv);
		return err;
	}
	*out = srv;
	return TF_OK;
}

uint16_t tf_http_server_port(const tf_http_server *s)
{
	return s->port;
}

size_t tf_http_server_conns(const tf_http_server *s)
{
	return s->nconns;
}

void tf_http_server_free(tf_http_server *srv)
{
	if (!srv)
		return;
	while (srv->conns) {
		conn *c = srv->conns;
		if (c->mode == M_WS) {
			tf_ws_close(c->ws, 1001, "server shutting down");
			tf_ws_conn_io(c->ws);   /* one best-effort write of what is queued */
		}
		conn_close(c);
	}
	if (srv->lw)
		tf_loop_unwatch(srv->loop, srv->lw);
	tf_timer_stop(srv->loop, &srv->accept_pause);
	if (srv->lfd >= 0)
		close(srv->lfd);
	tf_buf_free(&srv->resp.headers);
	tf_buf_free(&srv->resp.body);
	free(srv->scratch);
	free(srv);
}

void tf_http_resp_status(tf_http_resp *r, int status)
{
	r->status = status;
}

tf_err tf_http_resp_header(tf_http_resp *r, const char *name, const char *value)
{
	if (!strcasecmp(name, "Content-Length") || !strcasecmp(name, "Connection") ||
	    !strcasecmp(name, "Transfer-Encoding"))
		return TF_ERR_PARSE;
	return tf_http_write_header(&r->headers, name, value);
}

tf_buf *tf_http_resp_body(tf_http_resp *r)
{
	return &r->body;
}

void tf_http_resp_close(tf_http_resp *r)
{
	r->close = true;
}

const char *tf_http_resp_peer(const tf_http_resp *r)
{
	return r->c->peer;
}

tf_err tf_http_resp_stream(tf_http_resp *r, void *user, tf_http_stream **out)
{
	*out = NULL;
	if (r->head_only)
		return TF_ERR_USAGE;
	r->stream = true;
	r->stream_user = user;
	*out = r->c;
	return TF_OK;
}

tf_err tf_http_resp_defer(tf_http_resp *r, tf_http_deferred **out)
{
	*out = NULL;
	if (r->stream || r->deferred)
		return TF_ERR_USAGE;
	tf_http_deferred *d = calloc(1, sizeof *d);
	if (!d)
		return TF_ERR_NOMEM;
	tf_buf_init(&d->headers, r->headers.max);
	r->deferred = d;
	*out = d;
	return TF_OK;
}

void tf_http_deferred_finish(tf_http_deferred *d, int status, const char *body, size_t len)
{
	conn *c = d->c;
	if (c) {
		c->deferred = NULL;
		if (status < 200 || status > 999)
			status = 500;
		if (append_response(c, status, &d->headers, body, len, d->head_only, d->close))
			error_response(c, 500, NULL, NULL);
		else
			c->close_after_write = c->close_after_write || d->close;
		c->idle_since = tf_loop_now_ms(c->srv->loop);
		/* write it and go on with pipelined requests on the next iteration (never inside the
		 * caller, which may be running on behalf of this very connection) */
		tf_timer_start(c->srv->loop, &c->kick, 0, on_kick, c);
	}
	tf_buf_free(&d->headers);
	free(d);
}

tf_err tf_http_stream_send(tf_http_stream *s, const void *data, size_t len)
{
	if (s->mode != M_STREAM || s->stream_ending)
		return TF_ERR_CLOSED;
	compact_out(s);
	tf_err err = tf_buf_append(&s->out, data, len);
	if (err)
		return err;
	tf_loop_watch_set(s->srv->loop, s->w, TF_LOOP_READ | TF_LOOP_WRITE);
	return TF_OK;
}

size_t tf_http_stream_queued(const tf_http_stream *s)
{
	return out_pending(s);
}

void tf_http_stream_end(tf_http_stream *s)
{
	if (s->mode != M_STREAM || s->stream_ending)
		return;
	s->stream_ending = true;
	tf_loop_watch_set(s->srv->loop, s->w, TF_LOOP_READ | TF_LOOP_WRITE);
}

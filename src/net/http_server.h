/* http_server.h — an HTTP/1.1 server (plain or TLS) on a tf_loop, with WebSocket upgrades.
 *
 * One loop thread serves every connection. Per connection: TLS handshake (when configured), then
 * requests read with strict limits (http.h), a header timeout (the whole head must arrive within
 * header_timeout_ms, so slowloris clients are dropped), keep-alive with an idle timeout, pipelined
 * requests answered in order. For each normal request the handler fills in a response (status,
 * headers, body) synchronously; the server adds Content-Length and Connection.
 *
 * A GET with "Upgrade: websocket" is checked (Connection: Upgrade, Sec-WebSocket-Version: 13, a
 * valid 16-byte base64 Sec-WebSocket-Key; otherwise 400, or 426 for another version) and then
 * offered to ws_accept, which accepts it (101, the connection becomes a tf_ws_conn, ws_server.h) or
 * rejects it with an HTTP status. With ws_accept NULL every upgrade gets 404.
 *
 * Deferred responses (for work done on another thread): the handler calls tf_http_resp_defer() and
 * returns; the connection then reads and answers nothing else until the application calls
 * tf_http_deferred_finish() with the status and body (headers are those set before deferring).
 * Pipelined requests behind it wait, so responses stay in order.
 *
 * Streaming responses (for Server-Sent Events): the handler calls tf_http_resp_stream(); the head
 * goes out without Content-Length (the body ends when the connection closes) and the application
 * sends body chunks later with tf_http_stream_send.
 *
 * THREADING: loop thread only, like loop.h. */
#ifndef TF_NET_HTTP_SERVER_H
#define TF_NET_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "net/http.h"
#include "net/loop.h"
#include "net/tls.h"
#include "net/ws_server.h"

typedef struct tf_http_server tf_http_server;
typedef struct tf_http_resp tf_http_resp;       /* the response being built, valid in the handler */
typedef struct tf_http_stream tf_http_stream;   /* a streaming response */
typedef struct tf_http_deferred tf_http_deferred; /* a response given after the handler returned */

/* Fills resp for req. body/body_len: the request body (Content-Length bytes; NULL/0 when none).
 * The default response is 200 with an empty body. */
typedef void (*tf_http_handler_fn)(void *ud, const tf_http_request *req, const char *body,
				   size_t body_len, tf_http_resp *resp);

/* Decides on a valid WebSocket upgrade of req (req->path / req->query name the stream). Return
 * 101 to accept — then *user becomes the connection's user pointer (tf_ws_user) and c is live
 * until ws_cb.on_close; the callback may already queue messages on c — or any status 400..599 to
 * refuse (c is then discarded without on_close). */
typedef int (*tf_ws_accept_fn)(void *ud, const tf_http_request *req, tf_ws_conn *c, void **user);

/* A streaming response ended: the client went away, or after tf_http_stream_end was flushed. */
typedef void (*tf_http_stream_close_fn)(void *ud, tf_http_stream *s, void *user);

typedef struct {
	const char *listen;             /* "127.0.0.1:9443", "[::1]:0" (port 0: any; see _port) */
	tf_tls_ctx *tls;                /* NULL = plain TCP; borrowed, must outlive the server */
	int max_conns;                  /* 0 = 1024; over it new connections are closed at once */
	int header_timeout_ms;          /* TLS handshake + one request head; 0 = 10000 */
	int idle_timeout_ms;            /* keep-alive wait for the next request; 0 = 60000 */
	int ws_close_timeout_ms;        /* wait for the peer's close frame; 0 = 5000 */
	size_t max_body;                /* larger Content-Length: 413; 0 = 1 MiB */
	size_t max_response;            /* cap of a response body; 0 = 64 MiB */
	size_t ws_max_message;          /* 0 = 1 MiB; larger incoming message: close 1009 */
	size_t ws_max_queued;           /* 0 = 64 MiB; tf_ws_send_* beyond: TF_ERR_TOO_BIG */
	tf_http_handler_fn handler;     /* NULL: every request gets 404 */
	tf_ws_accept_fn ws_accept;      /* NULL: upgrades get 404 */
	tf_ws_callbacks ws_cb;
	tf_http_stream_close_fn on_stream_close;
	void *ud;                       /* passed to handler, ws_accept and on_stream_close */
} tf_http_server_opts;

/* Listens and starts serving on loop l. Errors: those of tf_tcp_listen (errbuf says why),
 * TF_ERR_NOMEM, TF_ERR_IO. */
tf_err tf_http_server_new(tf_loop *l, const tf_http_server_opts *o, tf_http_server **out,
			  char *errbuf, size_t errcap);
/* The port actually listened on. */
uint16_t tf_http_server_port(const tf_http_server *s);
/* Number of open connections (HTTP, WebSocket, streaming). */
size_t tf_http_server_conns(const tf_http_server *s);
/* Stops accepting, sends a close frame (1001) to every WebSocket with a best-effort write, calls
 * on_close / on_stream_close for each, closes every connection and frees. NULL ok. */
void tf_http_server_free(tf_http_server *s);

/* ---- building the response, inside the handler ---- */
void tf_http_resp_status(tf_http_resp *r, int status);
/* Adds a header (Content-Type, Retry-After, X-MBX-USED-WEIGHT-1M, Cache-Control...). Content-Length
 * and Connection are the server's. TF_ERR_PARSE for an invalid name/value, TF_ERR_TOO_BIG. */
tf_err tf_http_resp_header(tf_http_resp *r, const char *name, const char *value);
/* The body buffer (capped at max_response); append to it. */
tf_buf *tf_http_resp_body(tf_http_resp *r);
/* Close the connection after this response. */
void tf_http_resp_close(tf_http_resp *r);
const char *tf_http_resp_peer(const tf_http_resp *r);
/* Turns this response into a stream: the head (status + headers set so far) is sent without
 * Content-Length, the body buffer is sent as the first chunk, and the connection stays open for
 * tf_http_stream_send until either side ends it. *out is valid until on_stream_close. */
tf_err tf_http_resp_stream(tf_http_resp *r, void *user, tf_http_stream **out);

/* Defers this response: headers set so far are kept; status and body come with
 * tf_http_deferred_finish, which the caller must call exactly once on the loop thread (also when the
 * client left meanwhile: then it only frees). TF_ERR_USAGE on a stream, TF_ERR_NOMEM. */
tf_err tf_http_resp_defer(tf_http_resp *r, tf_http_deferred **out);
/* Answers a deferred request with status and body (copied; dropped for HEAD) and frees d. A client
 * that closed meanwhile is skipped. If the connection timed out meanwhile, nothing is sent. */
void tf_http_deferred_finish(tf_http_deferred *d, int status, const char *body, size_t len);

/* Queues a chunk of body (copied). TF_ERR_CLOSED once ending, TF_ERR_TOO_BIG beyond ws_max_queued. */
tf_err tf_http_stream_send(tf_http_stream *s, const void *data, size_t len);
size_t tf_http_stream_queued(const tf_http_stream *s);
/* Flushes what is queued, then closes; on_stream_close follows. Idempotent. */
void tf_http_stream_end(tf_http_stream *s);

#endif

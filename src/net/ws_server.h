/* ws_server.h — the server side of a WebSocket connection (RFC 6455, framing by wslay), as the
 * application sees it once tf_http_server has accepted an upgrade (see http_server.h).
 *
 * THREADING: loop thread only. Sending never blocks: messages are queued and written when the
 * socket is writable. tf_ws_queued() reports what is still queued so the application can apply
 * backpressure and drop slow consumers; past the server's ws_max_queued a send fails with
 * TF_ERR_TOO_BIG and queues nothing.
 *
 * Frames from the client must be masked and are unmasked by wslay; ours are not masked. A message
 * larger than ws_max_message closes the connection with 1009; protocol errors close it with 1002.
 * Pings from the client are answered automatically with the same payload.
 *
 * Lifetime: the tf_ws_conn is valid from the accept callback until on_close returns. on_close is
 * called exactly once for every accepted connection — after a close handshake, an I/O error, a
 * protocol error, or tf_http_server_free — and is the place to free the per-connection user data. */
#ifndef TF_NET_WS_SERVER_H
#define TF_NET_WS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct tf_ws_conn tf_ws_conn;

typedef struct {
	/* A complete (reassembled) data message; data is valid during the call only. Text messages
	 * are valid UTF-8 (wslay checks; invalid text closes the connection with 1007). May be NULL. */
	void (*on_message)(tf_ws_conn *c, void *user, const char *data, size_t len, bool binary);
	/* A pong (answer to tf_ws_send_ping, or unsolicited). May be NULL. */
	void (*on_pong)(tf_ws_conn *c, void *user, const char *data, size_t len);
	/* The connection is gone; code is the peer's close code, or 1006 when there was no close
	 * handshake. c must not be used after this returns. May be NULL. */
	void (*on_close)(tf_ws_conn *c, void *user, uint16_t code);
} tf_ws_callbacks;

/* Queues one text (or binary) message. TF_ERR_CLOSED once closing/closed, TF_ERR_TOO_BIG when
 * ws_max_queued would be exceeded, TF_ERR_NOMEM. The data is copied. */
tf_err tf_ws_send_text(tf_ws_conn *c, const char *data, size_t len);
tf_err tf_ws_send_binary(tf_ws_conn *c, const void *data, size_t len);
/* Queues a ping; len <= 125 (else TF_ERR_TOO_BIG). */
tf_err tf_ws_send_ping(tf_ws_conn *c, const void *data, size_t len);
/* Starts the close handshake (code e.g. 1000, 1001 going away, 1008 policy); reason <= 123 bytes
 * (truncated). Queued messages are still sent first. The connection is dropped if the peer does
 * not answer within the server's close timeout. Idempotent. */
void tf_ws_close(tf_ws_conn *c, uint16_t code, const char *reason);

/* Bytes queued but not yet handed to the kernel (messages + frame headers + TLS-less buffer). */
size_t tf_ws_queued(const tf_ws_conn *c);
bool tf_ws_is_open(const tf_ws_conn *c);   /* false once a close was sent or received */
void *tf_ws_user(const tf_ws_conn *c);
void tf_ws_set_user(tf_ws_conn *c, void *user);
const char *tf_ws_peer(const tf_ws_conn *c);   /* "127.0.0.1:51234", for log lines */

#endif

/* ws_server_int.h — what http_server.c (and the fuzz target) need from ws_server.c: creating the
 * server side of a WebSocket connection over a stream, driving its I/O, and tearing it down.
 * Not for applications (they use ws_server.h). Loop thread only. */
#ifndef TF_NET_WS_SERVER_INT_H
#define TF_NET_WS_SERVER_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "net/stream.h"
#include "net/ws_server.h"

typedef struct {
	size_t max_message;           /* largest incoming message (close 1009 beyond) */
	size_t max_queued;            /* tf_ws_send_* fails beyond this many queued bytes */
	const tf_ws_callbacks *cb;
	/* Output became pending outside tf_ws_conn_io (an application send or close): the owner
	 * should wait for writability and call tf_ws_conn_io. */
	void (*wake)(void *owner);
	void *owner;
} tf_ws_conn_cfg;

/* Creates the connection over s (borrowed; the owner closes it after tf_ws_conn_free). out_pre
 * (the 101 response, and anything before it) is written before any frame; in_pre (bytes that
 * arrived after the upgrade request) is parsed before reading from s. Both are copied.
 * TF_ERR_NOMEM. The user pointer and accepted flag are set with tf_ws_conn_accepted. */
tf_err tf_ws_conn_new(tf_stream *s, const tf_ws_conn_cfg *cfg, const char *peer, const void *out_pre,
		      size_t out_len, const void *in_pre, size_t in_len, tf_ws_conn **out);
/* Marks the connection accepted by the application (on_close will be called) with user data. */
void tf_ws_conn_accepted(tf_ws_conn *c, void *user);

/* Reads what is available (at most a budget per call), delivers messages to the callbacks, then
 * writes what the stream takes. Returns true when it stopped reading because of the budget and
 * should be called again soon even without readiness. */
bool tf_ws_conn_io(tf_ws_conn *c);
/* The readiness to wait for: TF_LOOP_READ and/or TF_LOOP_WRITE. */
unsigned tf_ws_conn_interest(const tf_ws_conn *c);
/* Finished: close handshake complete and flushed, or an I/O / protocol failure. */
bool tf_ws_conn_done(const tf_ws_conn *c);
/* A close frame was queued or sent by us (the owner starts the close timeout). */
bool tf_ws_conn_closing(const tf_ws_conn *c);
/* Calls on_close (once, when accepted) and frees. Does not touch the stream. NULL ok. */
void tf_ws_conn_free(tf_ws_conn *c);

#endif

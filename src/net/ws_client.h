/* ws_client.h — a WebSocket client (RFC 6455) over TCP or TLS, for one feed connection.
 *
 * CONTRACT between the net branch (implements, on wslay + OpenSSL) and the feed branch (calls).
 * Blocking with timeouts: the caller owns the loop, so reconnect policy, rotation and stop flags
 * stay in the feed. Pings from the server are answered inside recv with the same payload; close
 * frames are answered; fragmented messages are reassembled up to max_message. */
#ifndef TF_NET_WS_CLIENT_H
#define TF_NET_WS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct tf_ws_client tf_ws_client;

typedef struct {
	const char *url;          /* ws://host[:port]/path?query or wss://... (default ports 80/443) */
	const char *ca_file;      /* PEM CA bundle for wss; NULL = the system CAs. Always verified, SNI set */
	int connect_timeout_ms;   /* TCP + TLS + HTTP upgrade; 0 = 10000 */
	size_t max_message;       /* largest reassembled message; 0 = 16 MiB. Larger: TF_ERR_TOO_BIG, closed 1009 */
	int ping_interval_ms;     /* send our own ping after this much silence; 0 = never */
	int pong_timeout_ms;      /* after our ping, nothing received within this: TF_ERR_TIMEOUT (dead peer) */
} tf_ws_client_opts;

typedef struct {
	const char *data;         /* valid until the next recv or free */
	size_t len;
	bool binary;
} tf_ws_msg;

/* Connects and completes the upgrade. On failure *out is NULL and errbuf holds one line naming the
 * cause (refused, DNS, TLS verify, HTTP status). */
tf_err tf_ws_client_connect(const tf_ws_client_opts *o, tf_ws_client **out, char *errbuf, size_t errcap);

/* Waits up to timeout_ms for the next complete data message. TF_ERR_AGAIN: none yet, connection
 * healthy. TF_ERR_CLOSED: the peer closed (see tf_ws_client_close_code). TF_ERR_TIMEOUT: the peer
 * did not answer our ping. TF_ERR_PROTO / TF_ERR_TOO_BIG / TF_ERR_IO / TF_ERR_TLS: connection is
 * unusable; tf_ws_client_error() says why. */
tf_err tf_ws_client_recv(tf_ws_client *c, tf_ws_msg *msg, int timeout_ms);

tf_err tf_ws_client_send_text(tf_ws_client *c, const char *data, size_t len);
uint16_t tf_ws_client_close_code(const tf_ws_client *c);   /* 0 when none was received */
const char *tf_ws_client_error(const tf_ws_client *c);     /* last error text, never NULL */

/* Sends a close (1000) if the connection is open, waits briefly for the answer, frees. NULL ok. */
void tf_ws_client_free(tf_ws_client *c);

#endif

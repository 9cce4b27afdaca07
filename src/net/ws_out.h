/* ws_out.h — the byte queue between wslay and a stream, shared by the WebSocket server
 * (ws_server.c) and client (ws_client.c).
 *
 * wslay's send callback copies frames into one buffer (so many small frames become one write, and
 * TLS gets large records) until it holds TF_WS_OUT_SOFT bytes; the owner then writes the buffer to
 * its stream with tf_ws_out_write. Bytes data[off..len) are still to be written. */
#ifndef TF_NET_WS_OUT_H
#define TF_NET_WS_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <wslay/wslay.h>

#include "base/buf.h"
#include "net/stream.h"

#define TF_WS_OUT_SOFT (256u * 1024)

typedef struct {
	tf_buf buf;
	size_t off;
} tf_ws_out;

/* extra: bytes allowed beyond the soft limit (e.g. a 101 response queued first). */
void tf_ws_out_init(tf_ws_out *q, size_t extra);
void tf_ws_out_free(tf_ws_out *q);

static inline size_t tf_ws_out_pending(const tf_ws_out *q)
{
	return q->buf.len - q->off;
}

/* The body of a wslay send callback: takes up to len bytes and returns how many, or returns -1 with
 * WSLAY_ERR_WOULDBLOCK set on ctx when the queue is full (WSLAY_ERR_CALLBACK_FAILURE if out of
 * memory). */
ssize_t tf_ws_out_take(tf_ws_out *q, wslay_event_context_ptr ctx, const uint8_t *data, size_t len);

/* One non-blocking write of the pending bytes; TF_OK (some or all written), TF_ERR_AGAIN, or the
 * stream's error. */
tf_err tf_ws_out_write(tf_ws_out *q, tf_stream *s);

#endif

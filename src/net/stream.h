/* stream.h — one byte-stream interface over plain TCP and TLS (and, in tests, memory), so the HTTP
 * and WebSocket code never cares which it talks to.
 *
 * All streams are non-blocking: read and write return TF_ERR_AGAIN when they would block, and then
 * tf_stream_want() says which readiness (TF_LOOP_READ / TF_LOOP_WRITE) to wait for — TLS may need
 * to read while writing and the other way round. Single-threaded. */
#ifndef TF_NET_STREAM_H
#define TF_NET_STREAM_H

#include <stddef.h>

#include "base/err.h"

typedef struct tf_stream tf_stream;

typedef struct {
	/* TF_OK with *n > 0, TF_ERR_AGAIN, TF_ERR_CLOSED (orderly EOF), TF_ERR_IO, TF_ERR_TLS */
	tf_err (*read)(tf_stream *s, void *buf, size_t cap, size_t *n);
	/* TF_OK with 0 < *n <= len, TF_ERR_AGAIN, TF_ERR_CLOSED (peer reset/EPIPE), TF_ERR_IO, TF_ERR_TLS */
	tf_err (*write)(tf_stream *s, const void *buf, size_t len, size_t *n);
	/* TF_OK when the stream is ready for data (TCP: at once), TF_ERR_AGAIN, TF_ERR_TLS */
	tf_err (*handshake)(tf_stream *s);
	/* Bytes already decrypted and buffered inside the stream (TLS), readable without I/O. */
	size_t (*pending)(tf_stream *s);
	/* Best-effort orderly shutdown (TLS close_notify), then close the fd and free. */
	void (*free)(tf_stream *s);
} tf_stream_ops;

struct tf_stream {
	const tf_stream_ops *ops;
	int fd;                 /* -1 for memory streams */
	unsigned want;          /* TF_LOOP_READ/WRITE needed after the last TF_ERR_AGAIN */
	char err[160];          /* last error text ("" when none) */
};

/* Takes ownership of fd (non-blocking). TF_ERR_NOMEM (fd is then closed). */
tf_err tf_stream_tcp_new(int fd, tf_stream **out);

static inline tf_err tf_stream_read(tf_stream *s, void *buf, size_t cap, size_t *n)
{
	return s->ops->read(s, buf, cap, n);
}
static inline tf_err tf_stream_write(tf_stream *s, const void *buf, size_t len, size_t *n)
{
	return s->ops->write(s, buf, len, n);
}
static inline tf_err tf_stream_handshake(tf_stream *s)
{
	return s->ops->handshake(s);
}
static inline size_t tf_stream_pending(tf_stream *s)
{
	return s->ops->pending ? s->ops->pending(s) : 0;
}
static inline unsigned tf_stream_want(const tf_stream *s)
{
	return s->want;
}
/* NULL is ok. */
static inline void tf_stream_free(tf_stream *s)
{
	if (s)
		s->ops->free(s);
}

#endif

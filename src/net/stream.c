/* stream.c — the plain-TCP implementation of the stream interface (stream.h). */
#include "net/stream.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/loop.h"

static tf_err tcp_read(tf_stream *s, void *buf, size_t cap, size_t *n)
{
	*n = 0;
	for (;;) {
		ssize_t r = recv(s->fd, buf, cap, 0);
		if (r > 0) {
			*n = (size_t)r;
			return TF_OK;
		}
		if (r == 0)
			return TF_ERR_CLOSED;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			s->want = TF_LOOP_READ;
			return TF_ERR_AGAIN;
		}
		snprintf(s->err, sizeof s->err, "read: %s", strerror(errno));
		return errno == ECONNRESET ? TF_ERR_CLOSED : TF_ERR_IO;
	}
}

static tf_err tcp_write(tf_stream *s, const void *buf, size_t len, size_t *n)
{
	*n = 0;
	for (;;) {
		ssize_t r = send(s->fd, buf, len, MSG_NOSIGNAL);
		if (r >= 0) {
			*n = (size_t)r;
			return TF_OK;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			s->want = TF_LOOP_WRITE;
			return TF_ERR_AGAIN;
		}
		snprintf(s->err, sizeof s->err, "write: %s", strerror(errno));
		return errno == EPIPE || errno == ECONNRESET ? TF_ERR_CLOSED : TF_ERR_IO;
	}
}

static tf_err tcp_handshake(tf_stream *s)
{
	return TF_OK;
}

static void tcp_free(tf_stream *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

static const tf_stream_ops tcp_ops = {
	.read = tcp_read,
	.write = tcp_write,
	.handshake = tcp_handshake,
	.pending = NULL,
	.free = tcp_free,
};

tf_err tf_stream_tcp_new(int fd, tf_stream **out)
{
	*out = NULL;
	tf_stream *s = calloc(1, sizeof *s);
	if (!s) {
		close(fd);
		return TF_ERR_NOMEM;
	}
	s->ops = &tcp_ops;
	s->fd = fd;
	*out = s;
	return TF_OK;
}

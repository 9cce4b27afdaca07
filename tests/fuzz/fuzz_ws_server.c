/* fuzz_ws_server.c — arbitrary bytes as the frames a client sends to the server side of a
 * WebSocket connection (ws_server.c over wslay), through an in-memory stream. The application
 * echoes every message and pings on every pong, so the send path runs too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/loop.h"
#include "net/stream.h"
#include "net/ws_server_int.h"

typedef struct {
	tf_stream base;
	const uint8_t *in;
	size_t len, off;
	size_t written;
} mem_stream;

static tf_err mem_read(tf_stream *s, void *buf, size_t cap, size_t *n)
{
	mem_stream *m = (mem_stream *)s;
	*n = 0;
	if (m->off == m->len) {
		s->want = TF_LOOP_READ;
		return TF_ERR_AGAIN;
	}
	size_t k = m->len - m->off;
	if (k > cap)
		k = cap;
	if (k > 100)
		k = 100;   /* small reads: frames split across calls */
	memcpy(buf, m->in + m->off, k);
	m->off += k;
	*n = k;
	return TF_OK;
}

static tf_err mem_write(tf_stream *s, const void *buf, size_t len, size_t *n)
{
	((mem_stream *)s)->written += len;
	*n = len;
	return TF_OK;
}

static tf_err mem_handshake(tf_stream *s)
{
	return TF_OK;
}

static void mem_free(tf_stream *s)
{
}

static const tf_stream_ops mem_ops = { mem_read, mem_write, mem_handshake, NULL, mem_free };

static int closes;

static void on_message(tf_ws_conn *c, void *user, const char *data, size_t len, bool binary)
{
	if (binary)
		tf_ws_send_binary(c, data, len);
	else
		tf_ws_send_text(c, data, len);
	if (len && data[0] == 'C')
		tf_ws_close(c, 1000, "bye");
}

static void on_pong(tf_ws_conn *c, void *user, const char *data, size_t len)
{
	tf_ws_send_ping(c, data, len);
}

static void on_close(tf_ws_conn *c, void *user, uint16_t code)
{
	closes++;
}

static const tf_ws_callbacks cbs = { on_message, on_pong, on_close };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mem_stream m = { .base = { .ops = &mem_ops, .fd = -1 }, .in = data, .len = size };
	tf_ws_conn_cfg cfg = { .max_message = 65536, .max_queued = 1 << 20, .cb = &cbs };
	tf_ws_conn *c = NULL;
	const char pre[] = "HTTP/1.1 101 Switching Protocols\r\n\r\n";
	if (tf_ws_conn_new(&m.base, &cfg, "fuzz", pre, sizeof pre - 1, NULL, 0, &c) != TF_OK)
		return 0;
	tf_ws_conn_accepted(c, NULL);
	for (int i = 0; i < 10000 && !tf_ws_conn_done(c); i++) {
		bool more = tf_ws_conn_io(c);
		if (!more && m.off == m.len)
			break;
	}
	(void)tf_ws_queued(c);
	(void)tf_ws_conn_interest(c);
	int before = closes;
	tf_ws_conn_free(c);
	if (closes != before + 1)
		abort();   /* on_close exactly once for an accepted connection */
	return 0;
}

/* ws_server.c — the server side of a WebSocket connection: wslay's event API glued to a tf_stream.
 * The public face is ws_server.h (what applications call); ws_server_int.h is how http_server.c
 * creates and drives a connection after a successful upgrade.
 *
 * wslay does the framing (unmasking, fragment reassembly, control frames, UTF-8 checks, message
 * size limit, close handshake). We do the I/O: wslay's send callback copies frames into one output
 * buffer (so many small frames become one write, and TLS gets large records), which is flushed to
 * the stream; the recv callback first returns bytes that arrived with the upgrade request, then
 * reads the stream directly.
 *
 * Connection states (derived from wslay's flags and ours, see tf_ws_conn_done/_closing):
 *
 *                 tf_ws_conn_new: 101 response queued in out
 *                                  |
 *                                  v
 *        +----------------------- OPEN ------------------------+
 *        | peer's close frame       | tf_ws_close, protocol     | EOF / I/O error
 *        | (wslay queues the echo,  | error, too big (wslay     |
 *        |  stops reading)          | queues our close)         |
 *        v                          v                           |
 *   CLOSE_RECEIVED             CLOSE_QUEUED --(flushed)--> CLOSE_SENT (still reading,
 *        | echo flushed             |                 |        owner's close timeout runs)
 *        |                          |   peer's close  |        |
 *        v                          v                 v        v
 *        +----------------------> DONE <----------------------+
 *                 owner calls tf_ws_conn_free -> on_close(code) once, if accepted
 */
#include "net/ws_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wslay/wslay.h>

#include "base/buf.h"
#include "net/loop.h"
#include "net/ws_server_int.h"

#define OUT_SOFT (256u * 1024)     /* frames are copied into out until it holds this much */
#define READ_BUDGET (1u << 20)     /* bytes read per tf_ws_conn_io call, for fairness */

struct tf_ws_conn {
	wslay_event_context_ptr ctx;
	tf_stream *s;
	tf_ws_conn_cfg cfg;
	void *user;
	bool accepted;
	bool io_failed;         /* EOF or I/O error: nothing more can be sent or read */
	bool close_queued;      /* tf_ws_close was called */
	bool in_io;             /* inside tf_ws_conn_io: wake is not needed */
	bool budget_hit;
	size_t read_this_call;
	tf_buf out;             /* bytes for the stream; out.data[out_off..len) still to write */
	size_t out_off;
	char *in_pre;           /* bytes that came with the upgrade request */
	size_t in_pre_len, in_pre_off;
	char peer[64];
};

static size_t out_pending(const tf_ws_conn *c)
{
	return c->out.len - c->out_off;
}

/* ---- wslay callbacks ---- */

static ssize_t recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *ud)
{
	tf_ws_conn *c = ud;
	if (c->in_pre_off < c->in_pre_len) {
		size_t n = c->in_pre_len - c->in_pre_off;
		if (n > len)
			n = len;
		memcpy(buf, c->in_pre + c->in_pre_off, n);
		c->in_pre_off += n;
		return (ssize_t)n;
	}
	if (c->read_this_call >= READ_BUDGET) {
		c->budget_hit = true;
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	size_t n = 0;
	tf_err err = tf_stream_read(c->s, buf, len, &n);
	if (err == TF_OK) {
		c->read_this_call += n;
		return (ssize_t)n;
	}
	if (err == TF_ERR_AGAIN) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	c->io_failed = true;
	wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static ssize_t send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags, void *ud)
{
	tf_ws_conn *c = ud;
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

static void msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg, void *ud)
{
	tf_ws_conn *c = ud;
	if (!c->accepted)
		return;
	const tf_ws_callbacks *cb = c->cfg.cb;
	if (arg->opcode == WSLAY_TEXT_FRAME || arg->opcode == WSLAY_BINARY_FRAME) {
		if (cb->on_message)
			cb->on_message(c, c->user, (const char *)arg->msg, arg->msg_length,
				       arg->opcode == WSLAY_BINARY_FRAME);
	} else if (arg->opcode == WSLAY_PONG) {
		if (cb->on_pong)
			cb->on_pong(c, c->user, (const char *)arg->msg, arg->msg_length);
	}
	/* pings are answered and close frames echoed by wslay itself */
}

static const struct wslay_event_callbacks wslay_cbs = {
	.recv_callback = recv_cb,
	.send_callback = send_cb,
	.on_msg_recv_callback = msg_cb,
};

/* ---- driving ---- */

tf_err tf_ws_conn_new(tf_stream *s, const tf_ws_conn_cfg *cfg, const char *peer, const void *out_pre,
		      size_t out_len, const void *in_pre, size_t in_len, tf_ws_conn **out)
{
	*out = NULL;
	tf_ws_conn *c = calloc(1, sizeof *c);
	if (!c)
		return TF_ERR_NOMEM;
	c->s = s;
	c->cfg = *cfg;
	snprintf(c->peer, sizeof c->peer, "%s", peer ? peer : "?");
	tf_buf_init(&c->out, (size_t)OUT_SOFT + out_len + 1024);
	if (tf_buf_append(&c->out, out_pre, out_len) != TF_OK)
		goto nomem;
	if (in_len) {
		c->in_pre = malloc(in_len);
		if (!c->in_pre)
			goto nomem;
		memcpy(c->in_pre, in_pre, in_len);
		c->in_pre_len = in_len;
	}
	if (wslay_event_context_server_init(&c->ctx, &wslay_cbs, c) != 0)
		goto nomem;
	wslay_event_config_set_max_recv_msg_length(c->ctx, cfg->max_message);
	*out = c;
	return TF_OK;
nomem:
	tf_buf_free(&c->out);
	free(c->in_pre);
	free(c);
	return TF_ERR_NOMEM;
}

void tf_ws_conn_accepted(tf_ws_conn *c, void *user)
{
	c->accepted = true;
	c->user = user;
}

/* Moves frames from wslay into out and out into the stream until one of them blocks. */
static void pump_out(tf_ws_conn *c)
{
	while (!c->io_failed) {
		if (out_pending(c) < OUT_SOFT && wslay_event_want_write(c->ctx)) {
			if (wslay_event_send(c->ctx) != 0) {
				c->io_failed = true;
				return;
			}
		}
		if (!out_pending(c))
			return;
		size_t n = 0;
		tf_err err = tf_stream_write(c->s, c->out.data + c->out_off, out_pending(c), &n);
		if (err == TF_ERR_AGAIN)
			return;
		if (err) {
			c->io_failed = true;
			return;
		}
		c->out_off += n;
	}
}

bool tf_ws_conn_io(tf_ws_conn *c)
{
	c->in_io = true;
	c->budget_hit = false;
	c->read_this_call = 0;
	if (!c->io_failed && wslay_event_want_read(c->ctx)) {
		int r = wslay_event_recv(c->ctx);
		if (r != 0 && r != WSLAY_ERR_CALLBACK_FAILURE)
			c->io_failed = true;   /* out of memory inside wslay */
		/* On a read failure wslay queued a close frame; try to send it anyway. */
	}
	pump_out(c);
	c->in_io = false;
	return c->budget_hit && !c->io_failed;
}

unsigned tf_ws_conn_interest(const tf_ws_conn *c)
{
	if (c->io_failed)
		return 0;
	unsigned ev = 0;
	if (wslay_event_want_read(c->ctx))
		ev |= TF_LOOP_READ;
	if (out_pending(c) || wslay_event_want_write(c->ctx))
		ev |= TF_LOOP_WRITE;
	/* TLS may need the other direction to make progress */
	if (ev && tf_stream_want(c->s) && (ev & TF_LOOP_WRITE) && out_pending(c))
		ev |= tf_stream_want(c->s);
	return ev;
}

bool tf_ws_conn_done(const tf_ws_conn *c)
{
	if (c->io_failed)
		return true;
	return !wslay_event_want_read(c->ctx) && !wslay_event_want_write(c->ctx) && !out_pending(c);
}

bool tf_ws_conn_closing(const tf_ws_conn *c)
{
	return c->close_queued || c->io_failed || wslay_event_get_close_sent(c->ctx) ||
	       wslay_event_get_close_received(c->ctx) || !wslay_event_get_read_enabled(c->ctx);
}

void tf_ws_conn_free(tf_ws_conn *c)
{
	if (!c)
		return;
	if (c->accepted && c->cfg.cb->on_close) {
		uint16_t code = wslay_event_get_close_received(c->ctx)
					? wslay_event_get_status_code_received(c->ctx)
					: 1006;
		c->io_failed = true;   /* sends from on_close fail with TF_ERR_CLOSED */
		c->cfg.cb->on_close(c, c->user, code);
	}
	wslay_event_context_free(c->ctx);
	tf_buf_free(&c->out);
	free(c->in_pre);
	free(c);
}

/* ---- the application's side (ws_server.h) ---- */

static void wake(tf_ws_conn *c)
{
	if (!c->in_io && c->cfg.wake)
		c->cfg.wake(c->cfg.owner);
}

static tf_err queue(tf_ws_conn *c, uint8_t opcode, const void *data, size_t len)
{
	if (c->io_failed || c->close_queued || !wslay_event_get_write_enabled(c->ctx))
		return TF_ERR_CLOSED;
	if (len > c->cfg.max_queued || tf_ws_queued(c) > c->cfg.max_queued - len)
		return TF_ERR_TOO_BIG;
	struct wslay_event_msg m = { .opcode = opcode, .msg = data, .msg_length = len };
	int r = wslay_event_queue_msg(c->ctx, &m);
	if (r == WSLAY_ERR_NO_MORE_MSG)
		return TF_ERR_CLOSED;
	if (r == WSLAY_ERR_INVALID_ARGUMENT)
		return TF_ERR_TOO_BIG;
	if (r != 0)
		return TF_ERR_NOMEM;
	wake(c);
	return TF_OK;
}

tf_err tf_ws_send_text(tf_ws_conn *c, const char *data, size_t len)
{
	return queue(c, WSLAY_TEXT_FRAME, data, len);
}

tf_err tf_ws_send_binary(tf_ws_conn *c, const void *data, size_t len)
{
	return queue(c, WSLAY_BINARY_FRAME, data, len);
}

tf_err tf_ws_send_ping(tf_ws_conn *c, const void *data, size_t len)
{
	if (len > 125)
		return TF_ERR_TOO_BIG;
	return queue(c, WSLAY_PING, data, len);
}

void tf_ws_close(tf_ws_conn *c, uint16_t code, const char *reason)
{
	if (c->io_failed || c->close_queued)
		return;
	c->close_queued = true;
	size_t rl = reason ? strlen(reason) : 0;
	if (rl > 123)
		rl = 123;
	if (wslay_event_queue_close(c->ctx, code, (const uint8_t *)reason, rl) == WSLAY_ERR_INVALID_ARGUMENT)
		wslay_event_queue_close(c->ctx, 1000, NULL, 0);   /* a code not allowed on the wire */
	wake(c);
}

size_t tf_ws_queued(const tf_ws_conn *c)
{
	return wslay_event_get_queued_msg_length(c->ctx) + out_pending(c);
}

bool tf_ws_is_open(const tf_ws_conn *c)
{
	return !tf_ws_conn_closing(c);
}

void *tf_ws_user(const tf_ws_conn *c)
{
	return c->user;
}

void tf_ws_set_user(tf_ws_conn *c, void *user)
{
	c->user = user;
}

const char *tf_ws_peer(const tf_ws_conn *c)
{
	return c->peer;
}

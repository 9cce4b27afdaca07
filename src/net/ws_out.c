/* ws_out.c — see ws_out.h. */
#include "net/ws_out.h"

void tf_ws_out_init(tf_ws_out *q, size_t extra)
{
	tf_buf_init(&q->buf, (size_t)TF_WS_OUT_SOFT + extra + 1024);
	q->off = 0;
}

void tf_ws_out_free(tf_ws_out *q)
{
	tf_buf_free(&q->buf);
	q->off = 0;
}

ssize_t tf_ws_out_take(tf_ws_out *q, wslay_event_context_ptr ctx, const uint8_t *data, size_t len)
{
	size_t pend = tf_ws_out_pending(q);
	if (pend >= TF_WS_OUT_SOFT) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (pend == 0) {
		tf_buf_reset(&q->buf);
		q->off = 0;
	}
	size_t n = len < TF_WS_OUT_SOFT - pend ? len : TF_WS_OUT_SOFT - pend;
	if (n > q->buf.max - q->buf.len) {   /* compact only when the written part is in the way */
		tf_buf_consume(&q->buf, q->off);
		q->off = 0;
	}
	if (tf_buf_append(&q->buf, data, n) != TF_OK) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return (ssize_t)n;
}

tf_err tf_ws_out_write(tf_ws_out *q, tf_stream *s)
{
	size_t n = 0;
	tf_err err = tf_stream_write(s, q->buf.data + q->off, tf_ws_out_pending(q), &n);
	if (err == TF_OK)
		q->off += n;
	return err;
}

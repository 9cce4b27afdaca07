/* decode_ws.c — what one Binance WebSocket text message is, and its events to the handler.
 *
 * Shapes recognised (anything else is TF_ERR_SCHEMA for the whole message):
 *   [ {event}, ... ]                      `!miniTicker@arr`: each element decoded on its own
 *   {"stream":"...","data":{event}|[..]}  combined stream: raw slices the data (or its elements)
 *   {"e":"serverShutdown",...}            TF_MSG_SERVER_SHUTDOWN
 *   {"e":"<type>",...}                    one event
 *   {"result":...,"id":N}                 TF_MSG_REPLY
 *   {"code":N,"msg":"..."}                TF_MSG_ERROR, err->msg = "binance error N: ..."
 * An element that is not a decodable event goes to on_bad and the rest of the message still counts.
 * Compact `!miniTicker@arr` frames take a specialised scanner first (decode_mini_fast.c). */
#include "market/market_int.h"

/* Decodes event v (an element of an array when idx >= 0) and hands it to the handler. */
static tf_err one_event(const tf_json_doc *d, uint32_t v, long idx, const tf_tick_handler *h, tf_decode_err *err)
{
	tf_tick t;
	tf_err e = tf_market_decode_event(d, v, &t, err);
	if (e == TF_OK)
		return tf_market_emit(h, &t);
	if (e != TF_ERR_SCHEMA && e != TF_ERR_PARSE && e != TF_ERR_RANGE)
		return e;
	if (idx >= 0)
		tf_json_err_prefix(err, "element %ld", idx);
	return tf_market_emit_bad(h, d, v, e, err);
}

static tf_err events(const tf_json_doc *d, uint32_t v, const tf_tick_handler *h, tf_decode_err *err)
{
	if (d->tok[v].type != TF_JSON_ARRAY)
		return one_event(d, v, -1, h, err);
	uint32_t el = tf_json_child(v);
	for (uint32_t k = 0; k < d->tok[v].size; k++, el = d->tok[el].next) {
		tf_err e = one_event(d, el, (long)k, h, err);
		if (e)
			return e;
	}
	return TF_OK;
}

static tf_err object_message(const tf_json_doc *d, tf_msg_kind *kind, const tf_tick_handler *h, tf_decode_err *err)
{
	uint32_t data = tf_json_find(d, 0, "data");
	if (data && tf_json_find(d, 0, "stream")) {
		const char *s;
		size_t n;
		tf_err e = tf_json_str(d, tf_json_find(d, 0, "stream"), "stream", &s, &n, err);
		if (e)
			return e;
		if (d->tok[data].type != TF_JSON_OBJECT && d->tok[data].type != TF_JSON_ARRAY)
			return tf_json_fail(err, TF_ERR_SCHEMA, d->tok[data].start,
					    "field \"data\": expected an object or an array, got %s",
					    tf_json_type_name(d, data));
		*kind = TF_MSG_EVENTS;
		return events(d, data, h, err);
	}
	uint32_t ev = tf_json_find(d, 0, "e");
	if (ev) {
		if (tf_json_eq(d, ev, "serverShutdown", 14)) {
			*kind = TF_MSG_SERVER_SHUTDOWN;
			return TF_OK;
		}
		*kind = TF_MSG_EVENTS;
		return events(d, 0, h, err);
	}
	if (tf_json_find(d, 0, "result") && tf_json_find(d, 0, "id")) {
		*kind = TF_MSG_REPLY;
		return TF_OK;
	}
	if (tf_json_find(d, 0, "code")) {
		int64_t code;
		tf_err e = tf_market_decode_binance_error_doc(d, 0, &code, err);
		if (e != TF_ERR_REMOTE)
			return e;
		*kind = TF_MSG_ERROR;
		return TF_OK;
	}
	return tf_json_fail(err, TF_ERR_SCHEMA, 0,
			    "unknown message: an object without \"e\", \"stream\"+\"data\", \"result\"+\"id\" or \"code\"");
}

tf_err tf_market_decode_ws(const char *msg, size_t len, tf_msg_kind *kind, const tf_tick_handler *h,
			   tf_decode_err *err)
{
	tf_err result;
	*kind = TF_MSG_EVENTS;
	if (tf_market_mini_fast(msg, len, h, &result))
		return result; /* the hot path; see the DESIGN note in decode_mini_fast.c */
	return tf_market_decode_ws_reference(msg, len, kind, h, err);
}

tf_err tf_market_decode_ws_reference(const char *msg, size_t len, tf_msg_kind *kind, const tf_tick_handler *h,
				     tf_decode_err *err)
{
	tf_json_doc d;
	tf_json_init(&d);
	*kind = TF_MSG_EVENTS;
	tf_err e = tf_json_parse(&d, msg, len, err);
	if (e)
		goto out;
	switch (d.tok[0].type) {
	case TF_JSON_ARRAY:
		e = events(&d, 0, h, err);
		break;
	case TF_JSON_OBJECT:
		e = object_message(&d, kind, h, err);
		break;
	default:
		e = tf_json_fail(err, TF_ERR_SCHEMA, d.tok[0].start, "unknown message: %s, not an object or an array",
				 tf_json_type_name(&d, 0));
	}
out:
	tf_json_free(&d);
	return e;
}

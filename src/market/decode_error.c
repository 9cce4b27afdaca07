/* decode_error.c — Binance error payloads {"code":-1121,"msg":"Invalid symbol."}, as REST answers
 * them and as the WebSocket API answers a bad request ({"code":2,"msg":"Invalid request: ..."}). */
#include "market/market_int.h"

tf_err tf_market_decode_binance_error_doc(const tf_json_doc *d, uint32_t obj, int64_t *code, tf_decode_err *err)
{
	const char *msg;
	size_t n;
	if (d->tok[obj].type != TF_JSON_OBJECT)
		return tf_json_fail(err, TF_ERR_SCHEMA, d->tok[obj].start, "error payload: expected an object, got %s",
				    tf_json_type_name(d, obj));
	tf_err e = tf_json_get_i64(d, obj, "code", code, err);
	if (!e)
		e = tf_json_get_str(d, obj, "msg", &msg, &n, err);
	if (e) {
		tf_json_err_prefix(err, "error payload");
		return e;
	}
	return tf_json_fail(err, TF_ERR_REMOTE, d->tok[obj].start, "binance error %lld: %.*s", (long long)*code,
			    n > 150 ? 150 : (int)n, msg);
}

tf_err tf_market_decode_binance_error(const char *body, size_t len, int64_t *code, tf_decode_err *err)
{
	tf_json_doc d;
	tf_json_init(&d);
	tf_err e = tf_json_parse(&d, body, len, err);
	if (!e)
		e = tf_market_decode_binance_error_doc(&d, 0, code, err);
	tf_json_free(&d);
	return e;
}

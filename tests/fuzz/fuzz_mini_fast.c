/* fuzz_mini_fast.c — differential target: whenever the specialised miniTicker scanner accepts an
 * input (a `!miniTicker@arr` frame or a single miniTicker object, the shape of a `ticks` record), the
 * reference path (validate + jsmn + decode) must accept it too and deliver exactly the same ticks
 * (same raw slices, same JSON lines), with nothing sent to on_bad. When the scanner declines it must
 * not have called the handler. Seeds cover both shapes (one_*.json are single records). */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "market/market_int.h"

typedef struct {
	tf_buf lines; /* every tick's JSON line and raw offsets, one after another */
	const char *base;
	size_t calls, bad;
} rec;

static tf_err on_tick(void *ud, const tf_tick *t)
{
	rec *r = ud;
	size_t off[2] = {(size_t)(t->raw - r->base), t->raw_len};
	r->calls++;
	if (tf_buf_append(&r->lines, off, sizeof off) || tf_market_tick_json(t, &r->lines))
		abort();
	return TF_OK;
}

static tf_err on_bad(void *ud, const char *raw, size_t len, const tf_decode_err *why)
{
	((rec *)ud)->bad++;
	return TF_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	rec fast = {.base = s}, ref = {.base = s};
	tf_buf_init(&fast.lines, 1u << 26);
	tf_buf_init(&ref.lines, 1u << 26);
	tf_tick_handler hf = {on_tick, on_bad, &fast}, hr = {on_tick, on_bad, &ref};
	tf_err ef = TF_OK;
	bool took = tf_market_mini_fast(s, size, &hf, &ef);
	if (!took && (fast.calls || fast.bad))
		abort();
	if (took) {
		tf_msg_kind kind;
		tf_decode_err err = {0};
		tf_err er = tf_market_decode_ws_reference(s, size, &kind, &hr, &err);
		if (ef != TF_OK || er != TF_OK || kind != TF_MSG_EVENTS || ref.bad || fast.bad ||
		    fast.calls != ref.calls || fast.lines.len != ref.lines.len ||
		    (fast.lines.len && memcmp(fast.lines.data, ref.lines.data, fast.lines.len) != 0))
			abort();
	}
	tf_buf_free(&fast.lines);
	tf_buf_free(&ref.lines);
	return 0;
}

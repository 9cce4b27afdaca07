/* fuzz_decode_ws.c — libFuzzer target for tf_market_decode_ws (any WebSocket text message). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_ctx c;
	tf_tick_handler h = fuzz_handler(&c, data, size);
	tf_msg_kind kind;
	tf_decode_err err = {0};
	tf_err e = tf_market_decode_ws((const char *)data, size, &kind, &h, &err);
	fuzz_check_err(e, &c, &err, false);
	if (kind != TF_MSG_EVENTS && (c.ticks || c.bad))
		abort();
	return 0;
}

/* fuzz_rest_klines.c — libFuzzer target for tf_market_decode_rest_klines. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_ctx c;
	tf_tick_handler h = fuzz_handler(&c, data, size);
	tf_decode_err err = {0};
	tf_err e = tf_market_decode_rest_klines((const char *)data, size, "BTCUSDT", "1m", &h, &err);
	fuzz_check_err(e, &c, &err, false);
	return 0;
}

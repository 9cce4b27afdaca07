/* fuzz_rest_24hr.c — libFuzzer target for tf_market_decode_rest_24hr. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_ctx c;
	tf_tick_handler h = fuzz_handler(&c, data, size);
	tf_decode_err err = {0};
	fuzz_check_err(tf_market_decode_rest_24hr((const char *)data, size, &h, &err), &c, &err, false);
	return 0;
}

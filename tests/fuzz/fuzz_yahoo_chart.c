/* fuzz_yahoo_chart.c — libFuzzer target for tf_market_decode_yahoo_chart. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_ctx c;
	tf_tick_handler h = fuzz_handler(&c, data, size);
	tf_decode_err err = {0};
	/* bars are delivered as the series is walked, so an error may follow earlier bars */
	fuzz_check_err(tf_market_decode_yahoo_chart((const char *)data, size, &h, &err), &c, &err, true);
	return 0;
}

/* fuzz_exchange_info.c — libFuzzer target for tf_market_decode_exchange_info. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tf_symbol_info *si = NULL;
	size_t n = 0;
	tf_decode_err err = {0};
	tf_err e = tf_market_decode_exchange_info((const char *)data, size, &si, &n, &err);
	if (e && (si || n || !err.msg[0]))
		abort();
	for (size_t i = 0; i < n; i++)
		if (!tf_tick_symbol_valid(si[i].symbol, strlen(si[i].symbol)) || !si[i].status[0] ||
		    !si[i].base_asset[0] || !si[i].quote_asset[0])
			abort();
	free(si);
	return 0;
}

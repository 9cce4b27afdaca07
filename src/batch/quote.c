/* quote.c — quote assets Binance spot has listed (see quote.h); longest suffix wins so that
 * "BTCFDUSD" is FDUSD, not USD-something. */
#include "batch/quote.h"

#include <stdio.h>
#include <string.h>

static const char *const quotes[] = {
	"USDT", "FDUSD", "USDC", "TUSD", "BUSD", "USDP", "USDS", "DAI", "PAX", "UST", "BTC", "ETH", "BNB", "XRP",
	"TRX", "DOGE", "DOT", "EUR", "EURI", "AEUR", "GBP", "TRY", "BRL", "AUD", "RUB", "UAH", "NGN", "ZAR", "IDRT",
	"BIDR", "BKRW", "BVND", "JPY", "PLN", "RON", "ARS", "MXN", "COP", "CZK", "VAI", "IDR",
};

void tf_batch_quote_of(const char *symbol, char *out, size_t cap)
{
	size_t n = strlen(symbol), best = 0;
	const char *q = "";
	for (size_t i = 0; i < sizeof quotes / sizeof quotes[0]; i++) {
		size_t k = strlen(quotes[i]);
		if (k < n && k > best && !strcmp(symbol + n - k, quotes[i])) {
			best = k;
			q = quotes[i];
		}
	}
	snprintf(out, cap, "%s", q);
}

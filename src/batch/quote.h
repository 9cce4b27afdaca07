/* quote.h — the quote asset of a Binance spot symbol ("BTCUSDT" -> "USDT"), derived from the name
 * by the longest known quote suffix. Used so that quote volumes in different currencies are never
 * ranked or summed together. */
#ifndef TF_BATCH_QUOTE_H
#define TF_BATCH_QUOTE_H

#include <stddef.h>

/* Writes the quote asset of symbol into out (cap >= 16); "" when no known quote matches or the
 * symbol is nothing but the quote. */
void tf_batch_quote_of(const char *symbol, char *out, size_t cap);

#endif

/* weight.h — Binance's request-weight budget: every REST request costs a weight (ping 1, klines
 * 2, ticker/24hr of all symbols 80, ...) charged to the client's IP address in fixed one-minute
 * windows (as Binance's X-MBX-USED-WEIGHT-1M counts them); a request that would go past the limit
 * is refused (HTTP 429, Retry-After = seconds until the window ends) and costs nothing. */
#ifndef TF_EXCHANGE_WEIGHT_H
#define TF_EXCHANGE_WEIGHT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

#define TF_XWEIGHT_CLIENTS 256 /* IPs tracked at once; the least recently seen is forgotten */

typedef struct {
	char ip[48];
	int64_t minute;   /* window: ms / 60000 */
	int64_t used;
	int64_t seen_ms;
} tf_xweight_client;

typedef struct {
	int64_t limit;
	tf_xweight_client clients[TF_XWEIGHT_CLIENTS];
} tf_xweight;

void tf_xweight_init(tf_xweight *w, int64_t limit);

/* Charges weight to ip (text; a "host:port" peer is fine, the port is ignored) at now_ms. Returns
 * true when allowed. *used gets the window's weight after the charge (or as it stands when
 * refused); *retry_after_s the whole seconds until the window ends (>= 1), set when refused. */
bool tf_xweight_charge(tf_xweight *w, const char *ip, int64_t now_ms, int64_t weight, int64_t *used,
		       int *retry_after_s);

#endif

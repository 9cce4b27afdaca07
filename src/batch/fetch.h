/* fetch.h — one bounded HTTP(S) GET for the batch path, on libcurl, that also hands back the
 * rate-limit headers Binance sends (Retry-After, X-MBX-USED-WEIGHT-1M). collect decides what to do
 * with them (rest_client.h retries by itself and does not expose headers). */
#ifndef TF_BATCH_FETCH_H
#define TF_BATCH_FETCH_H

#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

typedef struct {
	long status;            /* 0 when no response came */
	int64_t retry_after_ms; /* -1 when absent */
	int64_t used_weight;    /* X-MBX-USED-WEIGHT-1M; -1 when absent */
	tf_buf body;            /* NUL-terminated; owned by the result, freed by tf_batch_fetch_free */
} tf_fetch_result;

/* GETs url within timeout_ms, bodies up to max_body bytes (TF_ERR_TOO_BIG beyond), TLS verified.
 * TF_OK for 2xx; TF_ERR_REMOTE for other statuses; TF_ERR_REFUSED, TF_ERR_TIMEOUT, TF_ERR_TLS,
 * TF_ERR_IO for transport failures, with one line in why. r is always initialised. */
tf_err tf_batch_fetch(const char *url, int64_t timeout_ms, size_t max_body, tf_fetch_result *r, char *why, size_t cap);
void tf_batch_fetch_free(tf_fetch_result *r);

#endif

/* collect.h — one snapshot of GET /api/v3/ticker/24hr (all symbols) into ticker_snapshots.
 *
 *   wait for weight ──> GET ──2xx──> decode ──> put (one transaction) ──> done
 *        ^               │                          │
 *        │   429/418 + Retry-After (≤ max wait)     │ TF_ERR_AGAIN (store busy / down)
 *        ├───────────────┤ 5xx, refused, timeout,   │
 *        └── backoff ────┘ unparsable body ─────────┘   (at most `retries` times, then fail)
 *
 * Other 4xx, a Retry-After longer than the maximum wait, or a store error fail at once. Every row
 * of a call shares one run_ts (the wall-clock ms of the request that succeeded), and rows are
 * written all together or not at all. */
#ifndef TF_BATCH_COLLECT_H
#define TF_BATCH_COLLECT_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define TF_COLLECT_WEIGHT 80 /* Binance's weight of /api/v3/ticker/24hr without symbol */

typedef struct {
	const char *rest_url;      /* "https://api.binance.com" */
	int retries;               /* transient failures retried this many times */
	int64_t backoff_ms;        /* first backoff; doubles each retry, capped at 60 s */
	int64_t timeout_ms;        /* per request */
	int64_t max_retry_wait_ms; /* longest Retry-After we wait for */
	int64_t weight_limit;      /* X-MBX-USED-WEIGHT-1M budget per minute; 0 = ignore */
	size_t max_body;           /* bytes */
} tf_collect_opts;

/* Kept between calls of one process: the last weight the server reported. */
typedef struct {
	int64_t used_weight, at_ms;
} tf_collect_state;

typedef struct {
	int64_t run_ts;
	size_t rows, dead, bad; /* bad: elements that could not be decoded (logged, not stored) */
	int attempts;
	int64_t used_weight;
} tf_collect_result;

/* Runs one collection as drawn above. why gets one line on failure: TF_ERR_REMOTE, TF_ERR_REFUSED,
 * TF_ERR_TIMEOUT, TF_ERR_PARSE (body), TF_ERR_AGAIN / TF_ERR_IO (store), TF_ERR_STOPPED. */
tf_err tf_batch_collect_once(const tf_collect_opts *o, tf_store *s, tf_collect_state *st, tf_collect_result *res,
			     char *why, size_t cap);

/* Decodes a ticker/24hr body into snapshot rows (quote derived, dead flagged: no trades or a zero
 * last price). *rows is malloc'd (caller frees). *bad counts undecodable elements. */
tf_err tf_batch_snapshots_from_body(const char *body, size_t len, tf_snapshot **rows, size_t *n, size_t *bad,
				    char *why, size_t cap);

#endif

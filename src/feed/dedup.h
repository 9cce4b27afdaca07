/* dedup.h — drops records already emitted, per (kind, symbol), by event time.
 *
 * Why: when a WebSocket connection is rotated (the new one opened before the old one is closed)
 * or re-established, the same updates can arrive twice. Per symbol, Binance's E only grows, so a
 * record whose E is older than the last one emitted is a repeat. Records with the SAME E are
 * distinct events when their bytes differ (several trades in one millisecond, a simulator at a
 * high rate), so for equal E we compare a hash of the raw bytes with the last few emitted at that
 * E. `strict` mode (polled sources: "only bars newer than the last seen") drops equal E too.
 *
 * Memory is bounded by max_keys; past it new keys pass through unchecked and are counted. */
#ifndef TF_FEED_DEDUP_H
#define TF_FEED_DEDUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct tf_dedup tf_dedup;

typedef enum {
	TF_DEDUP_NEW,       /* emit it; it is now the last one seen for its key */
	TF_DEDUP_REPEAT,    /* same E and same bytes as one already emitted */
	TF_DEDUP_STALE,     /* E older than the last emitted (or equal, in strict mode) */
} tf_dedup_verdict;

/* max_keys: most (kind, symbol) pairs tracked, >= 1. TF_ERR_NOMEM. */
tf_err tf_dedup_new(size_t max_keys, tf_dedup **out);
void tf_dedup_free(tf_dedup *d);

tf_dedup_verdict tf_dedup_check(tf_dedup *d, int kind, const char *symbol, int64_t event_time, const char *raw,
				size_t raw_len, bool strict);

/* The last E emitted for (kind, symbol); false when none. */
bool tf_dedup_last(const tf_dedup *d, int kind, const char *symbol, int64_t *event_time);

/* Keys that could not be tracked because max_keys was reached. */
uint64_t tf_dedup_untracked(const tf_dedup *d);

#endif

/* watch_pub.h — serve's side of the watched symbols (engine/watch.h): the union of the symbols its
 * pages show (SSE ?candles=) is written to the watch topic when it changes and every
 * TF_WATCH_KEEPALIVE_MS, so that `tickflow stream` publishes those symbols at every change instead of
 * coalescing them with the rest of the market.
 * THREADING: tf_watch_pub_set from any thread; tf_watch_pub_step from one thread (serve's bus thread). */
#ifndef TF_WEB_WATCH_PUB_H
#define TF_WEB_WATCH_PUB_H

#include <stddef.h>

#include "base/err.h"
#include "engine/watch.h"

typedef struct tf_watch_pub tf_watch_pub;

/* A producer for topic (TF_ERR_USAGE when librdkafka rejects the configuration; why gets one line).
 * An unreachable broker is not an error: messages wait in the producer's queue. */
tf_err tf_watch_pub_new(const char *brokers, const char *topic, tf_watch_pub **out, char *why, size_t why_cap);
/* The symbols shown now. */
void tf_watch_pub_set(tf_watch_pub *p, const tf_watch_list *l);
/* Sends the list when it changed or the keep-alive is due; serves the producer's callbacks. */
void tf_watch_pub_step(tf_watch_pub *p);
/* Sends an empty list (so the stream stops at once, not after the TTL), waits up to a second for it,
 * and frees p. */
void tf_watch_pub_free(tf_watch_pub *p);

#endif

/* watch.h — the symbols the dashboards show, so that `tickflow stream` publishes their candles at
 * every change while it coalesces the rest of the market (--publish-rate).
 *
 * Why: at 100,000 records/s the live bus carries about one update a second per symbol (the cap
 * protects serve's fan-out), so a tick waited up to a second for the page showing its symbol.
 * A page shows at most a few symbols; those go out at every change, outside the cap.
 *
 * Protocol, topic `live.watch`: `tickflow serve` writes one message per process, key = its instance
 * id, value = "<ttl_ms> <SYM>,<SYM>,..." (ttl 1..600000, at most TF_WATCH_MAX symbols, the list
 * may be empty), when the union of its pages' symbols changes and every TF_WATCH_KEEPALIVE_MS.
 * `tickflow stream` reads the topic's tail and counts an entry until its timestamp + ttl, so the
 * symbols of a serve that died stop counting by themselves. Values are outside input: a malformed
 * one is ignored and counted, never applied.
 *
 * THREADING: the reader runs its own thread; tf_watch_get may be called from any thread. */
#ifndef TF_ENGINE_WATCH_H
#define TF_ENGINE_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "market/tick.h"

#define TF_WATCH_MAX 256
#define TF_WATCH_TTL_MS 15000
#define TF_WATCH_KEEPALIVE_MS 5000
#define TF_WATCH_VALUE_MAX (16 + TF_WATCH_MAX * TF_SYMBOL_MAX)

/* A set of symbols, sorted (strcmp), NUL-padded names. */
typedef struct {
	size_t n;
	char names[TF_WATCH_MAX][TF_SYMBOL_MAX];
} tf_watch_list;

/* Adds symbol (a valid one, tf_tick_symbol_valid) unless present or the list is full. */
void tf_watch_list_add(tf_watch_list *l, const char *symbol);
bool tf_watch_list_has(const tf_watch_list *l, const char *symbol);
bool tf_watch_list_equal(const tf_watch_list *a, const tf_watch_list *b);

/* The message value; out holds TF_WATCH_VALUE_MAX bytes. Returns its length. */
size_t tf_watch_format(int64_t ttl_ms, const tf_watch_list *l, char *out);
/* Parses a value; TF_ERR_PARSE on anything else than the format above. */
tf_err tf_watch_parse(const char *v, size_t len, int64_t *ttl_ms, tf_watch_list *out);

/* The reader of the watch topic. */
typedef struct tf_watch tf_watch;

/* Starts a consumer of topic (no group: it reads the tail of every partition) on its own thread. A
 * topic that does not exist yet is looked for again every few seconds. TF_ERR_USAGE when librdkafka
 * rejects the configuration, TF_ERR_IO when the thread cannot start. */
tf_err tf_watch_start(const char *brokers, const char *topic, tf_watch **out, char *why, size_t why_cap);
void tf_watch_stop(tf_watch *w);

/* Copies the current union of the live entries into out when it changed since *gen (then updates
 * *gen and returns true). */
bool tf_watch_get(tf_watch *w, uint64_t *gen, tf_watch_list *out);

#endif

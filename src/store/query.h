/* query.h — the store's READ side, for `tickflow serve`: candles, per-symbol period statistics,
 * alerts and raw ticks, with every SQL parameter bound. Kept apart from store.h (the stream
 * engine's write side) so the two evolve independently; both read the schema of DESIGN §6.
 *
 * Prices and volumes are stored as exact decimal TEXT; they come back here as that text (copied
 * into fixed buffers, TF_Q_NUM bytes) so the API can print them without rounding. Aggregates
 * (averages, sums) are doubles. A NULL column gives "" / valid = false.
 *
 * Errors: TF_ERR_AGAIN when the store is busy (retry later), TF_ERR_IO otherwise; tf_query_error()
 * has one line. Thread safety: one tf_query per thread (serve uses one, on its loop thread). */
#ifndef TF_STORE_QUERY_H
#define TF_STORE_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "engine/engine.h"
#include "market/tick.h"

#define TF_Q_NUM 48

typedef struct tf_query tf_query;

typedef struct {
	char symbol[TF_SYMBOL_MAX];
	char interval[TF_INTERVAL_MAX];
	int64_t open_time;
	char open[TF_Q_NUM], high[TF_Q_NUM], low[TF_Q_NUM], close[TF_Q_NUM], volume[TF_Q_NUM];
	int64_t updates;
	bool final;
	tf_maybe ma7, ma25, ret, rel_vol, change_24h_pct;
	int64_t last_event_time; /* event time of the newest tick in the candle; 0 = unknown (NULL) */
} tf_q_candle;

/* Per-symbol statistics over a range of candles of one interval. */
typedef struct {
	char symbol[TF_SYMBOL_MAX];
	int64_t candles, first_time, last_time;
	double first_open, last_close, avg_close, max_high, min_low, volume;
	tf_maybe avg_rel_vol;
} tf_q_stats;

typedef struct {
	int64_t id;
	char symbol[TF_SYMBOL_MAX];
	char kind[24];
	int64_t event_time;
	tf_maybe value, threshold;
	char detail[128];
} tf_q_alert;

typedef struct {
	char symbol[TF_SYMBOL_MAX];
	int64_t event_time;
	char open_24h[TF_Q_NUM], high_24h[TF_Q_NUM], low_24h[TF_Q_NUM], last[TF_Q_NUM], volume_24h[TF_Q_NUM],
		quote_volume_24h[TF_Q_NUM];
} tf_q_tick;

typedef struct {
	char symbol[TF_SYMBOL_MAX];
	int64_t candles, last_time;
} tf_q_symbol;

/* One consumed partition's committed progress (stream_offsets): next offset, records handled, ticks
 * dropped as late, records sent to the dead-letter topic (exactly-once counters, see store.h).
 * group and topic longer than their buffers are cut. */
typedef struct {
	char group[128], topic[128];
	int32_t partition;
	int64_t next_offset, records, late, dlq;
} tf_q_partition;

/* Row callbacks: the row is only valid during the call; an error stops the query and is returned. */
typedef tf_err (*tf_q_candle_fn)(void *ud, const tf_q_candle *c);
typedef tf_err (*tf_q_stats_fn)(void *ud, const tf_q_stats *s);
typedef tf_err (*tf_q_alert_fn)(void *ud, const tf_q_alert *a);
typedef tf_err (*tf_q_tick_fn)(void *ud, const tf_q_tick *t);
typedef tf_err (*tf_q_symbol_fn)(void *ud, const tf_q_symbol *s);
typedef tf_err (*tf_q_partition_fn)(void *ud, const tf_q_partition *p);

/* Opens "sqlite:PATH" (read-only connection; the file must exist) or "postgresql://...". TF_ERR_USAGE
 * for an unknown scheme, TF_ERR_AGAIN when the database cannot be reached yet, TF_ERR_IO otherwise;
 * why gets one line. *out is the caller's (tf_query_close). */
tf_err tf_query_open(const char *url, tf_query **out, char *why, size_t why_cap);
void tf_query_close(tf_query *q);
const char *tf_query_error(const tf_query *q);
const char *tf_query_kind(const tf_query *q);

/* SELECT 1: the store answers. */
tf_err tf_query_ping(tf_query *q);

/* Every symbol with candles of `interval`, in name order. */
tf_err tf_query_symbols(tf_query *q, const char *interval, tf_q_symbol_fn fn, void *ud);

/* Greatest open_time of any candle of interval; *found false when there is none. */
tf_err tf_query_latest_time(tf_query *q, const char *interval, int64_t *open_time, bool *found);

/* The newest `limit` candles of symbol/interval with from <= open_time < to, oldest first. */
tf_err tf_query_candles(tf_query *q, const char *symbol, const char *interval, int64_t from, int64_t to, int64_t limit,
			tf_q_candle_fn fn, void *ud);

/* Every candle of interval with open_time >= from (change detection for SSE), in (symbol,
 * open_time) order, at most limit. */
tf_err tf_query_candles_since(tf_query *q, const char *interval, int64_t from, int64_t limit, tf_q_candle_fn fn,
			      void *ud);

/* Statistics per symbol over candles of interval with open_time >= from; symbols NULL/nsymbols 0
 * means every symbol. Symbols in name order. */
tf_err tf_query_stats(tf_query *q, const char *interval, int64_t from, const char *const *symbols, size_t nsymbols,
		      tf_q_stats_fn fn, void *ud);

/* Alerts with event_time >= from, newest first, at most limit. */
tf_err tf_query_alerts(tf_query *q, int64_t from, int64_t limit, tf_q_alert_fn fn, void *ud);

/* Ticks of symbol with event_time < before, newest first, at most limit. */
tf_err tf_query_ticks(tf_query *q, const char *symbol, int64_t before, int64_t limit, tf_q_tick_fn fn, void *ud);

/* The stream's committed progress, summed over stream_offsets: records handled (*records; a rate is
 * the difference of two calls) and the newest stored tick's event time (*newest, 0 when none). Reads
 * one row per partition, never the ticks table. */
tf_err tf_query_progress(tf_query *q, int64_t *records, int64_t *newest);

/* Every partition the stream committed, in (group, topic, partition) order, at most limit. */
tf_err tf_query_partitions(tf_query *q, int64_t limit, tf_q_partition_fn fn, void *ud);

/* ---- backend interface (query.c dispatches; query_sqlite.c and query_pg.c implement) ---- */
typedef struct {
	const char *kind;
	void (*close)(tf_query *q);
	tf_err (*ping)(tf_query *q);
	tf_err (*symbols)(tf_query *q, const char *interval, tf_q_symbol_fn fn, void *ud);
	tf_err (*latest_time)(tf_query *q, const char *interval, int64_t *open_time, bool *found);
	tf_err (*candles)(tf_query *q, const char *symbol, const char *interval, int64_t from, int64_t to, int64_t limit,
			  tf_q_candle_fn fn, void *ud);
	tf_err (*candles_since)(tf_query *q, const char *interval, int64_t from, int64_t limit, tf_q_candle_fn fn, void *ud);
	tf_err (*stats)(tf_query *q, const char *interval, int64_t from, const char *const *symbols, size_t n,
			tf_q_stats_fn fn, void *ud);
	tf_err (*alerts)(tf_query *q, int64_t from, int64_t limit, tf_q_alert_fn fn, void *ud);
	tf_err (*ticks)(tf_query *q, const char *symbol, int64_t before, int64_t limit, tf_q_tick_fn fn, void *ud);
	tf_err (*progress)(tf_query *q, int64_t *records, int64_t *newest);
	tf_err (*partitions)(tf_query *q, int64_t limit, tf_q_partition_fn fn, void *ud);
} tf_query_ops;

struct tf_query {
	const tf_query_ops *ops;
	char error[256];
};

#define TF_QUERY_MAX_SYMBOLS 64 /* symbols in one stats query */

tf_err tf_query_sqlite_open(const char *path, tf_query **out, char *why, size_t why_cap);
tf_err tf_query_pg_open(const char *conninfo, tf_query **out, char *why, size_t why_cap);

#endif

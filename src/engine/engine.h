/* engine.h — the stream engine of one partition, as pure computation (no I/O).
 *
 * A tf_engine receives the decoded ticks of ONE topic partition in log order and maintains:
 *   - the partition's watermark (greatest event time seen minus the allowed lateness),
 *   - per symbol and interval the open event-time windows (candles) and their history,
 *   - alert episodes (24 h change, cross-sectional volatility, k-sigma return, stale feed).
 * Everything it computes is a function of the partition's record sequence alone, which is what
 * makes exactly-once output possible: a worker that restores the checkpointed state (see
 * tf_engine_save_* / tf_engine_load_*) and replays from the stored offset produces the same rows.
 *
 * Lateness rule: a record is late when the window of the smallest interval that contains it is
 * already final (its end <= watermark). Intervals must be multiples of the smallest, so then every
 * interval's window is final too; a late record changes nothing and is reported to the caller (who
 * sends it to the dead-letter topic). Windows become final when the watermark passes their end.
 *
 * Numbers: prices are exact tf_dec; candle open/high/low/close are the first/extreme/last last-price
 * by EVENT time (ties keep arrival order: the earlier arrival opens, the later closes). miniTicker
 * gives no per-window volume: a window's volume is the increase of the 24 h volume from the last
 * update before the window (or the window's first update, for a symbol's first window) to the
 * window's last update, clamped below at 0, and flagged approximate. Trades give exact volume and
 * VWAP. Ratios whose divisor is zero (dead symbols) are absent (NULL), never inf or nan.
 *
 * Sliding windows (size, slide: 1 min every 5 s) count the partition's records by event time and
 * histogram the returns between consecutive updates of each symbol; a window is emitted when the
 * watermark passes its end (records whose 5 s bucket was already emitted are not counted there).
 * Each window's count is compared with the history of the previous windows (z-score): a trend
 * alert (symbol "@p3") fires once per episode when |z| > trend_z.
 *
 * Thread safety: none; one engine is used by one thread at a time. */
#ifndef TF_ENGINE_ENGINE_H
#define TF_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/dec.h"
#include "market/tick.h"

#define TF_ENGINE_MAX_INTERVALS 8
#define TF_ENGINE_MAX_OPEN 16   /* open windows per symbol and interval (lateness / smallest + 2) */
#define TF_ENGINE_HIST 32       /* final closes kept per symbol and interval (MA25, stddev) */
#define TF_ENGINE_RET_HIST 32   /* final returns of the smallest interval kept (k-sigma alert) */
#define TF_ENGINE_SD_RETURNS 20 /* log returns in the rolling standard deviation */

typedef struct {
	int64_t intervals_ms[TF_ENGINE_MAX_INTERVALS]; /* ascending, each a multiple of the first */
	int nintervals;
	int64_t lateness_ms;        /* watermark = max event time - lateness */
	double change_pct;          /* alert when |change_24h_pct| > this (5.0 = 5 %) */
	double return_k;            /* alert when |1-interval return| > k sigma of its history */
	int return_min_samples;     /* history needed before the k-sigma alert can fire */
	int64_t stale_ms;           /* alert when a symbol has no update for this long (event time) */
	size_t max_symbols;         /* more distinct symbols than this are rejected (TF_ERR_TOO_BIG) */
	int64_t slide_ms;           /* sliding windows: slide (5 s) ... */
	int64_t slide_size_ms;      /* ... and size (1 min), a multiple of the slide */
	double trend_z;             /* trend alert when a window's update count is beyond z sigma of its history */
} tf_engine_cfg;

/* Fills cfg with the defaults: 1m,5m,1h, 2 s lateness, 5 %, k = 4, 10 samples, 60 s, 100,000. */
void tf_engine_cfg_default(tf_engine_cfg *cfg);

/* Checks cfg (intervals ascending multiples of the first, lateness fits TF_ENGINE_MAX_OPEN);
 * TF_ERR_USAGE with why filled when not. */
tf_err tf_engine_cfg_check(const tf_engine_cfg *cfg, char *why, size_t cap);

/* Parses "1m,5m,1h" into cfg->intervals_ms; TF_ERR_USAGE when malformed. */
tf_err tf_engine_parse_intervals(const char *s, tf_engine_cfg *cfg);

/* "1m", "5m", "1h", "1d", or "<n>s"/"<n>ms" for the interval name stored in the candles table. */
void tf_engine_interval_name(int64_t ms, char out[TF_INTERVAL_MAX]);

/* A value that may be absent (SQL NULL). */
typedef struct {
	bool valid;
	double v;
} tf_maybe;

/* One candle as written to the store (upsert key: symbol, interval, open_time). */
typedef struct {
	char symbol[TF_SYMBOL_MAX];
	char interval[TF_INTERVAL_MAX];
	int64_t interval_ms, open_time;
	int64_t last_event_time; /* event time of the candle's newest tick (its close price) */
	tf_dec open, high, low, close, volume, quote_volume, spread;
	int64_t updates;
	bool final, volume_approx;
	tf_maybe mid, ret, rel_vol, ma7, ma25, sd_logret, vwap, change_24h_pct;
} tf_candle_row;

typedef enum { TF_ALERT_CHANGE_24H, TF_ALERT_VOLATILITY, TF_ALERT_RETURN_SIGMA, TF_ALERT_STALE, TF_ALERT_TREND, TF_ALERT_KINDS_ } tf_alert_kind;

/* "change_24h", "volatility", "return_sigma", "stale", "trend". */
const char *tf_alert_kind_name(tf_alert_kind k);

/* One alert (upsert key: id, a hash of symbol, kind and event_time, so replays give the same id). */
typedef struct {
	int64_t id;
	char symbol[TF_SYMBOL_MAX];
	tf_alert_kind kind;
	int64_t event_time;
	double value, threshold;
	char detail[96];
} tf_alert_row;

#define TF_RATE_BINS 8 /* return histogram: <-1%, -1%..-0.1%, -0.1%..-0.01%, -0.01%..0, 0..0.01%, .., >=1% */

/* One sliding window of the partition's (market-wide) activity (upsert key: scope, window_end). */
typedef struct {
	char scope[16];         /* "p3": partition 3 */
	int64_t window_end, size_ms;
	int64_t updates;        /* records in (window_end - size, window_end] by event time */
	double updates_per_s;
	tf_maybe zscore;        /* updates against the history of this scope's windows */
	int64_t hist[TF_RATE_BINS]; /* returns between consecutive updates of a symbol */
} tf_rate_row;

/* Receives the engine's output (tf_engine_drain). Any callback may be NULL. */
typedef struct {
	tf_err (*on_candle)(void *ud, const tf_candle_row *row);
	tf_err (*on_alert)(void *ud, const tf_alert_row *row);
	tf_err (*on_rate)(void *ud, const tf_rate_row *row);   /* sliding windows */
	/* symbol's checkpoint state (an opaque blob for tf_engine_load_symbol) */
	tf_err (*on_symbol_state)(void *ud, const char *symbol, const void *blob, size_t len);
	void *ud;
} tf_engine_sink;

typedef enum { TF_TICK_ACCEPTED, TF_TICK_LATE } tf_verdict;

typedef struct {
	int64_t accepted, late, max_event_time, watermark;
	size_t symbols;
} tf_engine_stats;

typedef struct tf_engine tf_engine;

/* Creates an engine (cfg must pass tf_engine_cfg_check; copied). TF_ERR_NOMEM. Free with
 * tf_engine_free. */
tf_err tf_engine_new(const tf_engine_cfg *cfg, tf_engine **out);
void tf_engine_free(tf_engine *e);

/* Names the engine's scope for rates and market-wide alerts ("p3"; default "p0"). */
void tf_engine_set_scope(tf_engine *e, const char *scope);

/* Processes one tick of this partition. *verdict says whether it was merged or late; for a late
 * tick why gets "late: 1m window 1592594700000 is final (watermark 1592594762000)". Fails only with
 * TF_ERR_TOO_BIG (symbol table full) or TF_ERR_RANGE (event_time <= 0), changing nothing. Ticks of
 * kinds without a price stream (REST, bars) are accepted like miniTickers with their price. */
tf_err tf_engine_add(tf_engine *e, const tf_tick *t, tf_verdict *verdict, char *why, size_t why_cap);

/* A hint, changing nothing: the caller will add t soon (typically the next record, decoded while
 * the current one is added). Starts loading the cache lines of t's symbol state, so that their
 * misses overlap with the work on the current record instead of stalling the next
 * tf_engine_add. Optional; costs a hash and a few prefetch instructions. */
void tf_engine_prefetch(const tf_engine *e, const tf_tick *t);

/* Hands every candle changed and every alert raised since the last tf_engine_drained to sink (in
 * a stable order), and the checkpoint state of every symbol whose state changed. Nothing is cleared:
 * the caller calls tf_engine_drained once what it handed on is durable (its store transaction
 * committed). After a sink error or a failed commit, simply drain again: the same output comes
 * out (as long as no tick was added in between). A sink error stops the drain and is returned. */
tf_err tf_engine_drain(tf_engine *e, const tf_engine_sink *sink);

/* Forgets the pending output after a successful drain was committed. Finalised candles and alerts
 * the live view (below) has not taken by then are forgotten by it too. */
void tf_engine_drained(tf_engine *e);

/* The live view, for a publisher that runs many times between commits (the live bus), a part at a
 * time: hands to sink the finalised candles of interval_ms and the alerts not handed on yet, then the
 * changed open candles of interval_ms of at most max_symbols of the symbols changed since they last
 * went out (in this order, so that a symbol's final candle comes before the next one's first
 * update), forgetting each symbol once handed on. Its cost follows what changed, not the commit.
 * *done tells that nothing changed is left; a symbol that changes again meanwhile goes out in this
 * round if it had not yet, else in the next round, which follows at once. Parts let a publisher of
 * thousands of symbols return to its records in between (one round of 2,000 symbols held the
 * worker 10-38 ms). After a sink error (returned) what was not handed on stays. */
tf_err tf_engine_drain_live_part(tf_engine *e, int64_t interval_ms, size_t max_symbols, const tf_engine_sink *sink,
				 bool *done);

/* The live view of some symbols only, for the symbols a dashboard shows (published at every change
 * while the rest of the market is coalesced): hands to sink the finalised candles of interval_ms
 * and the alerts not handed on yet (all of them: bounded, and a symbol's final must come before its
 * next candle), then the changed open candles of interval_ms of the n symbols (NUL-padded names),
 * forgetting each symbol once handed on; the other symbols' changes stay for tf_engine_drain_live_part.
 * After a sink error (returned) the finals, the alerts and the symbols not handed on yet stay. */
tf_err tf_engine_drain_live_some(tf_engine *e, int64_t interval_ms, const char (*symbols)[TF_SYMBOL_MAX], size_t n,
				 const tf_engine_sink *sink);

/* The partition-level checkpoint (watermark, counters) as a blob appended to out. */
tf_err tf_engine_save_partition(const tf_engine *e, tf_buf *out);

/* Restores state saved by tf_engine_save_partition / on_symbol_state into a fresh engine (same
 * cfg). Blobs are untrusted: TF_ERR_PARSE / TF_ERR_RANGE when malformed, leaving e unchanged. */
tf_err tf_engine_load_partition(tf_engine *e, const void *blob, size_t len);
tf_err tf_engine_load_symbol(tf_engine *e, const void *blob, size_t len);

void tf_engine_stats_get(const tf_engine *e, tf_engine_stats *st);

#endif

/* metrics.h — the numbers of a market report (DESIGN §8) from one batch of snapshot rows: per-symbol
 * metrics, market totals and Top 5s. Pure computation, no I/O: report_cmd streams the rows in, the
 * HTML, JSON and text renderers print this.
 *
 * Definitions (zero-safe: a metric whose divisor is zero is "absent", never inf or nan):
 *   spread = high - low;  mid = (high + low) / 2;  return % = (last - open) / open * 100;
 *   relative volatility % = spread / mid * 100;  volume (M) = quote_volume / 1e6;
 *   date = close_time as YYYY-MM-DD (UTC); epoch = close_time / 1000.
 * Rankings and totals cover the "ranked" rows: not dead and quoted in the chosen currency, because
 * quote volumes in different currencies cannot be compared. Ties break by symbol (ascending).
 *
 * Rows are folded into a tf_report_part as they arrive (one part per reading thread), so a batch of
 * millions of rows is never held in memory: a part keeps the counts, the exact volume sum, the
 * returns and volatilities (for the median and quartiles), the four Top 5s and the largest
 * table_rows rows by volume, per quote currency; tf_report_finish merges the parts. Only
 * keep_all (the JSON output, which lists every symbol) keeps every row. The result does not depend
 * on how the rows were split between parts. */
#ifndef TF_BATCH_METRICS_H
#define TF_BATCH_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define TF_TOP_N 5
#define TF_HIST_BINS 16 /* returns from -20 % to +20 % in 2.5 % steps; the outer bins take the rest */
#define TF_REPORT_MAX_QUOTES 128 /* distinct quote currencies tracked; rows of further ones are counted only as rows */

/* One symbol's metrics (self-contained: copied from its row). */
typedef struct {
	char symbol[TF_SYMBOL_MAX];
	char quote[16];
	double open, high, low, last, spread, mid, ret_pct, rel_vol_pct, volume_m;
	int64_t epoch_s, trades;
	bool has_ret, has_vol, ranked, dead;
} tf_metric;

typedef struct {
	char quote[16];
	size_t count;
} tf_quote_count;

typedef struct {
	/* input */
	int64_t run_ts;          /* the snapshot batch, or the end of the --since window */
	int64_t since_ms;        /* > 0: built from candles of the last since_ms */
	char quote[16];          /* the ranking currency */
	bool quote_defaulted;    /* chosen automatically (USDT when present, else the most common) */
	/* all rows */
	size_t n, dead;
	tf_metric *all;          /* every row in symbol order when the parts kept them (keep_all), else NULL */
	size_t n_all;
	/* ranked rows (live, in quote) */
	size_t ranked, advancers, decliners, unchanged, n_ret, n_vol;
	double total_volume_m, mean_ret_pct, mean_vol_pct, median_ret_pct, vol_q1, vol_median, vol_q3;
	double top5_volume_share; /* % of total_volume_m */
	tf_metric best[TF_TOP_N], worst[TF_TOP_N], by_volume[TF_TOP_N], by_vol[TF_TOP_N];
	size_t n_best, n_worst, n_by_volume, n_by_vol;
	tf_metric *table;        /* the ranked rows with the most volume, most first (at most table_rows) */
	size_t n_table;
	size_t hist[TF_HIST_BINS];
	tf_quote_count quotes[8]; /* live symbols per quote, most common first */
	size_t n_quotes;
} tf_report_data;

typedef struct tf_report_part tf_report_part;

/* A new, empty part. quote NULL or "" keeps what every quote needs (the choice is made at the end);
 * table_rows is the length of the per-symbol table (0: none); keep_all keeps every row's metrics.
 * TF_ERR_NOMEM. The caller frees it with tf_report_part_free. */
tf_err tf_report_part_new(const char *quote, size_t table_rows, bool keep_all, tf_report_part **out);
/* Folds rows[0..n) in. TF_ERR_NOMEM (the part is then unusable). */
tf_err tf_report_part_add(tf_report_part *p, const tf_snapshot *rows, size_t n);
void tf_report_part_free(tf_report_part *p);
/* Rows folded into p so far. */
size_t tf_report_part_rows(const tf_report_part *p);

/* Merges parts[0..nparts) into d; reversed[i] says part i received its rows in descending symbol
 * order (every part holds a contiguous range of symbols, part 0 the lowest). quote NULL or "" picks
 * the default. d owns its memory (tf_report_data_free); the parts are left as they were.
 * TF_ERR_NOMEM; TF_ERR_NOT_FOUND when no live row is quoted in quote (why says which quotes exist). */
tf_err tf_report_finish(tf_report_part *const *parts, const bool *reversed, size_t nparts, const char *quote,
			int64_t run_ts, int64_t since_ms, tf_report_data *d, char *why, size_t cap);

/* Everything from rows[0..n) in one part that keeps every row (d->all) and a table of all ranked
 * rows. Errors as tf_report_finish. */
tf_err tf_report_compute(const tf_snapshot *rows, size_t n, const char *quote, int64_t run_ts, int64_t since_ms,
			 tf_report_data *d, char *why, size_t cap);
void tf_report_data_free(tf_report_data *d);

/* close_time's UTC day as YYYY-MM-DD. */
void tf_report_date(int64_t epoch_s, char out[11]);

/* Lower edge of histogram bin i in % (bin 0 also takes everything below, the last everything above). */
double tf_report_hist_edge(int i);

#endif

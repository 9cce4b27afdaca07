/* metrics.h — the numbers of a market report (DESIGN §8) from one batch of snapshot rows: per-symbol
 * metrics, market totals and Top 5s. Pure computation, no I/O: report_cmd loads the rows, the HTML,
 * JSON and text renderers print this.
 *
 * Definitions (zero-safe: a metric whose divisor is zero is "absent", never inf or nan):
 *   spread = high - low;  mid = (high + low) / 2;  return % = (last - open) / open * 100;
 *   relative volatility % = spread / mid * 100;  volume (M) = quote_volume / 1e6;
 *   date = close_time as YYYY-MM-DD (UTC); epoch = close_time / 1000.
 * Rankings and totals cover the "ranked" rows: not dead and quoted in the chosen currency, because
 * quote volumes in different currencies cannot be compared. Ties break by symbol (ascending). */
#ifndef TF_BATCH_METRICS_H
#define TF_BATCH_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define TF_TOP_N 5
#define TF_HIST_BINS 16 /* returns from -20 % to +20 % in 2.5 % steps; the outer bins take the rest */

typedef struct {
	const tf_snapshot *row;
	double open, high, low, last, spread, mid, ret_pct, rel_vol_pct, volume_m;
	bool has_ret, has_vol, ranked;
	int64_t epoch_s;
	char date[11];
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
	tf_metric *m;
	size_t n, dead;
	/* ranked rows (live, in quote) */
	size_t ranked, advancers, decliners, unchanged, n_ret, n_vol;
	double total_volume_m, mean_ret_pct, mean_vol_pct, median_ret_pct, vol_q1, vol_median, vol_q3;
	double top5_volume_share; /* % of total_volume_m */
	size_t best[TF_TOP_N], worst[TF_TOP_N], by_volume[TF_TOP_N], by_vol[TF_TOP_N]; /* indexes into m */
	size_t n_best, n_worst, n_by_volume, n_by_vol;
	size_t hist[TF_HIST_BINS];
	tf_quote_count quotes[8]; /* live symbols per quote, most common first */
	size_t n_quotes;
} tf_report_data;

/* Computes everything from rows[0..n) (which must outlive d). quote NULL or "" picks the default.
 * TF_ERR_NOMEM; TF_ERR_NOT_FOUND when no live row is quoted in quote (why says which quotes exist). */
tf_err tf_report_compute(const tf_snapshot *rows, size_t n, const char *quote, int64_t run_ts, int64_t since_ms,
			 tf_report_data *d, char *why, size_t cap);
void tf_report_data_free(tf_report_data *d);

/* Lower edge of histogram bin i in % (bin 0 also takes everything below, the last everything above). */
double tf_report_hist_edge(int i);

#endif

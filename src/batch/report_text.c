/* report_text.c — see report_text.h. Every sentence is built from the computed numbers; nothing
 * here is canned commentary. */
#include "batch/report_text.h"

#include <string.h>

#include "batch/report_fmt.h"

const char *tf_report_regime(const tf_report_data *d)
{
	return d->vol_median < 3 ? "calm" : d->vol_median < 8 ? "normal" : "high";
}

#define APPEND(...)                                         \
	do {                                                \
		if ((err = tf_buf_appendf(b, __VA_ARGS__))) \
			return err;                         \
	} while (0)
#define CALL(x)                \
	do {                   \
		if ((err = (x))) \
			return err;     \
	} while (0)

static tf_err list(tf_buf *b, const tf_metric *top, size_t n, int what)
{
	tf_err err;
	for (size_t i = 0; i < n; i++) {
		const tf_metric *m = &top[i];
		APPEND("%s%s ", i ? (i + 1 == n ? " and " : ", ") : "", m->symbol);
		if (what == 0)
			CALL(tf_fmt_pct(b, m->ret_pct, 2));
		else if (what == 1) {
			CALL(tf_fmt_num(b, m->rel_vol_pct, 2));
			APPEND("%%");
		} else {
			CALL(tf_fmt_num(b, m->volume_m, 1));
			APPEND(" M");
		}
	}
	return TF_OK;
}

tf_err tf_report_summary(tf_buf *b, const tf_report_data *d)
{
	tf_err err;
	double adv = d->n_ret ? (double)d->advancers / (double)d->n_ret * 100 : 0;
	const char *tone = adv >= 60 ? "broadly higher" : adv <= 40 ? "broadly lower" : "mixed";
	APPEND("The %s market was %s: %zu of %zu pairs rose, %zu fell and %zu %s unchanged (%.0f%% advancing). ",
	       d->quote, tone, d->advancers, d->n_ret, d->decliners, d->unchanged, d->unchanged == 1 ? "was" : "were", adv);
	APPEND("The average return was ");
	CALL(tf_fmt_pct(b, d->mean_ret_pct, 2));
	APPEND(" and the median ");
	CALL(tf_fmt_pct(b, d->median_ret_pct, 2));
	APPEND(". ");
	if (d->n_best) {
		APPEND("Leaders: ");
		CALL(list(b, d->best, d->n_best < 3 ? d->n_best : 3, 0));
		APPEND(". ");
	}
	if (d->n_worst) {
		APPEND("Laggards: ");
		CALL(list(b, d->worst, d->n_worst < 3 ? d->n_worst : 3, 0));
		APPEND(". ");
	}
	APPEND("Volatility is %s: the median 24-hour range is ", tf_report_regime(d));
	CALL(tf_fmt_num(b, d->vol_median, 2));
	APPEND("%% of the mid price (quartiles ");
	CALL(tf_fmt_num(b, d->vol_q1, 2));
	APPEND("%% and ");
	CALL(tf_fmt_num(b, d->vol_q3, 2));
	APPEND("%%). ");
	APPEND("Traded volume totalled ");
	CALL(tf_fmt_num(b, d->total_volume_m, 1));
	APPEND(" million %s, ", d->quote);
	CALL(tf_fmt_num(b, d->top5_volume_share, 1));
	APPEND("%% of it in the five most traded pairs.");
	return TF_OK;
}

tf_err tf_report_decision_notes(tf_buf *b, const tf_report_data *d)
{
	tf_err err;
	if (d->n_best) {
		const tf_metric *m = &d->best[0];
		APPEND("- Momentum: %s had the strongest 24-hour move (", m->symbol);
		CALL(tf_fmt_pct(b, m->ret_pct, 2));
		APPEND("); moves of this size are often partly retraced.\n");
	}
	if (d->n_by_vol) {
		APPEND("- Risk: ");
		CALL(list(b, d->by_vol, d->n_by_vol < 3 ? d->n_by_vol : 3, 1));
		APPEND(" had the widest ranges; the upper quartile starts at ");
		CALL(tf_fmt_num(b, d->vol_q3, 2));
		APPEND("%%; wider ranges mean larger swings in both directions.\n");
	}
	if (d->n_by_volume) {
		APPEND("- Liquidity: the most traded pairs were ");
		CALL(list(b, d->by_volume, d->n_by_volume < 3 ? d->n_by_volume : 3, 2));
		APPEND(" %s; thinly traded pairs have wider spreads and costlier fills.\n", d->quote);
	}
	APPEND("- Breadth: %zu advancing against %zu declining; a %s tape.\n", d->advancers, d->decliners,
	       d->advancers > d->decliners ? "positive" : d->advancers < d->decliners ? "negative" : "balanced");
	return TF_OK;
}

static tf_err top_text(tf_buf *b, const tf_report_data *d, const char *title, const tf_metric *top, size_t n, int what)
{
	tf_err err;
	APPEND("\n%s\n", title);
	for (size_t i = 0; i < n; i++) {
		const tf_metric *m = &top[i];
		APPEND("  %zu. %-14s ", i + 1, m->symbol);
		if (what == 0)
			CALL(tf_fmt_pct(b, m->ret_pct, 2));
		else if (what == 1) {
			CALL(tf_fmt_num(b, m->rel_vol_pct, 2));
			APPEND("%%");
		} else {
			CALL(tf_fmt_num(b, m->volume_m, 2));
			APPEND(" M %s", d->quote);
		}
		APPEND("\n");
	}
	return TF_OK;
}

tf_err tf_report_text(tf_buf *b, const tf_report_data *d)
{
	tf_err err;
	APPEND("tickflow market report\n");
	if (d->since_ms > 0)
		APPEND("Source: candles of the last %lld s ending ", (long long)(d->since_ms / 1000));
	else
		APPEND("Source: ticker snapshot run_ts %lld, taken ", (long long)d->run_ts);
	CALL(tf_fmt_time(b, d->run_ts));
	APPEND("\nRanked within one quote currency: %s (%zu live pairs)%s; other quotes are not compared.\n\n",
	       d->quote, d->ranked, d->quote_defaulted ? ", chosen by default" : "");
	APPEND("Summary\n");
	CALL(tf_report_summary(b, d));
	APPEND("\n\nMarket totals\n  symbols in batch: %zu (dead: %zu)\n  ranked %s pairs: %zu\n  total volume: ", d->n,
	       d->dead, d->quote, d->ranked);
	CALL(tf_fmt_num(b, d->total_volume_m, 2));
	APPEND(" M %s\n  mean return: ", d->quote);
	CALL(tf_fmt_pct(b, d->mean_ret_pct, 2));
	APPEND("\n  mean volatility: ");
	CALL(tf_fmt_num(b, d->mean_vol_pct, 2));
	APPEND("%%\n");
	CALL(top_text(b, d, "Top 5 best", d->best, d->n_best, 0));
	CALL(top_text(b, d, "Top 5 worst", d->worst, d->n_worst, 0));
	CALL(top_text(b, d, "Top 5 by volume", d->by_volume, d->n_by_volume, 2));
	CALL(top_text(b, d, "Top 5 by volatility", d->by_vol, d->n_by_vol, 1));
	APPEND("\nDecision support\n%s\n", TF_REPORT_DISCLAIMER);
	CALL(tf_report_decision_notes(b, d));
	APPEND("\nThe full report with charts is attached as HTML.\n");
	return TF_OK;
}

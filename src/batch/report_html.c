/* report_html.c — see report_html.h. */
#include "batch/report_html.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "batch/report_fmt.h"
#include "batch/report_text.h"

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

#define TD "<td style=\"padding:4px 8px;border-bottom:1px solid #e5e7eb;text-align:right\">"
#define TDL "<td style=\"padding:4px 8px;border-bottom:1px solid #e5e7eb;text-align:left\">"
#define TH "<th style=\"padding:4px 8px;border-bottom:2px solid #9ca3af;text-align:right;background:#f3f4f6\">"
#define THL "<th style=\"padding:4px 8px;border-bottom:2px solid #9ca3af;text-align:left;background:#f3f4f6\">"
#define TABLE "<table style=\"border-collapse:collapse;font-size:13px;margin:8px 0\">"
#define H2 "<h2 style=\"font-size:18px;margin:24px 0 8px;color:#111827\">"
#define GREEN "#15803d"
#define RED "#b91c1c"

typedef enum { V_RET, V_VOLUME, V_VOL } value_kind;

static double value_of(const tf_metric *m, value_kind k)
{
	return k == V_RET ? m->ret_pct : k == V_VOLUME ? m->volume_m : m->rel_vol_pct;
}

static tf_err value_text(tf_buf *b, const tf_metric *m, value_kind k)
{
	if (k == V_RET)
		return tf_fmt_pct(b, m->ret_pct, 2);
	if (k == V_VOLUME)
		return tf_fmt_num(b, m->volume_m, 2);
	tf_err err = tf_fmt_num(b, m->rel_vol_pct, 2);
	return err ? err : tf_buf_append(b, "%", 1);
}

/* Horizontal bars, one per symbol, length proportional to |value| (the largest fills the width). */
static tf_err bar_chart(tf_buf *b, const tf_metric *list, size_t n, const char *id, value_kind k, const char *title)
{
	tf_err err;
	const int row = 24, label = 110, width = 260, h = (int)n * row + 8;
	double max = 0;
	for (size_t i = 0; i < n; i++)
		max = fmax(max, fabs(value_of(&list[i], k)));
	APPEND("<svg id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	       "role=\"img\" aria-label=\"%s\" style=\"display:block;margin:4px 0\">",
	       id, label + width + 110, h, label + width + 110, h, title);
	for (size_t i = 0; i < n; i++) {
		const tf_metric *m = &list[i];
		double v = value_of(m, k);
		int w = max > 0 ? (int)lround(fabs(v) / max * width) : 0, y = (int)i * row + 4;
		const char *color = k == V_RET ? (v >= 0 ? GREEN : RED) : k == V_VOLUME ? "#1d4ed8" : "#b45309";
		APPEND("<text x=\"%d\" y=\"%d\" font-family=\"sans-serif\" font-size=\"12\" text-anchor=\"end\">", label - 6,
		       y + 15);
		CALL(tf_fmt_html(b, m->symbol));
		APPEND("</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>", label, y + 2, w < 1 ? 1 : w,
		       row - 6, color);
		APPEND("<text x=\"%d\" y=\"%d\" font-family=\"sans-serif\" font-size=\"12\">", label + (w < 1 ? 1 : w) + 6,
		       y + 15);
		CALL(value_text(b, m, k));
		APPEND("</text>");
	}
	APPEND("</svg>");
	return TF_OK;
}

static tf_err top_section(tf_buf *b, const tf_report_data *d, const char *id, const char *chart, const char *title,
			  const tf_metric *list, size_t n, value_kind k)
{
	tf_err err;
	APPEND("<div id=\"%s\">" H2 "%s</h2>", id, title);
	if (!n) {
		APPEND("<p>No ranked symbol has this metric.</p></div>");
		return TF_OK;
	}
	APPEND(TABLE "<tr>" THL "#</th>" THL "Symbol</th>" TH "Last</th>" TH "Return</th>" TH "Volume (M %s)</th>" TH
	       "Volatility</th></tr>",
	       d->quote);
	for (size_t i = 0; i < n; i++) {
		const tf_metric *m = &list[i];
		APPEND("<tr>" TDL "%zu</td>" TDL, i + 1);
		CALL(tf_fmt_html(b, m->symbol));
		APPEND("</td>" TD);
		CALL(tf_fmt_num(b, m->last, 8));
		APPEND("</td>" TD "<span style=\"color:%s\">", m->ret_pct >= 0 ? GREEN : RED);
		CALL(tf_fmt_pct(b, m->ret_pct, 2));
		APPEND("</span></td>" TD);
		CALL(tf_fmt_num(b, m->volume_m, 2));
		APPEND("</td>" TD);
		CALL(value_text(b, m, V_VOL));
		APPEND("</td></tr>");
	}
	APPEND("</table>");
	CALL(bar_chart(b, list, n, chart, k, title));
	APPEND("</div>");
	return TF_OK;
}

/* Vertical bars: how many ranked pairs fall into each 2.5 % band of return. */
static tf_err histogram(tf_buf *b, const tf_report_data *d)
{
	tf_err err;
	const int bw = 34, hh = 160, top = 10, base = top + hh, w = TF_HIST_BINS * bw + 20;
	size_t max = 1;
	for (int i = 0; i < TF_HIST_BINS; i++)
		max = d->hist[i] > max ? d->hist[i] : max;
	APPEND("<div id=\"distribution\">" H2 "Distribution of returns</h2>"
	       "<p style=\"font-size:13px\">Number of %s pairs by 24-hour return, in 2.5%% bands (the outer bands include "
	       "everything beyond &#177;20%%).</p>",
	       d->quote);
	APPEND("<svg id=\"chart-returns\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d "
	       "%d\" role=\"img\" aria-label=\"Distribution of returns\" style=\"display:block\">",
	       w, base + 40, w, base + 40);
	for (int i = 0; i < TF_HIST_BINS; i++) {
		int h = (int)lround((double)d->hist[i] / (double)max * hh), x = 10 + i * bw;
		APPEND("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>", x + 2, base - h, bw - 4, h,
		       tf_report_hist_edge(i) < 0 ? RED : GREEN);
		APPEND("<text x=\"%d\" y=\"%d\" font-family=\"sans-serif\" font-size=\"10\" text-anchor=\"middle\">%zu</text>",
		       x + bw / 2, base - h - 2, d->hist[i]);
		if (i % 2 == 0)
			APPEND("<text x=\"%d\" y=\"%d\" font-family=\"sans-serif\" font-size=\"10\">%+.0f%%</text>", x, base + 14,
			       tf_report_hist_edge(i));
	}
	APPEND("<line x1=\"10\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#6b7280\"/></svg></div>", base, w - 10, base);
	return TF_OK;
}

static tf_err symbol_row(tf_buf *b, const tf_metric *m)
{
	tf_err err;
	APPEND("<tr>" TDL);
	CALL(tf_fmt_html(b, m->symbol));
	char date[11];
	tf_report_date(m->epoch_s, date);
	APPEND("</td>" TDL "%s</td>" TD "%lld</td>", date, (long long)m->epoch_s);
	const double v[] = {m->open, m->high, m->low, m->last, m->spread, m->mid};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		APPEND(TD);
		CALL(tf_fmt_num(b, v[i], 8));
		APPEND("</td>");
	}
	APPEND(TD);
	CALL(m->has_ret ? tf_fmt_pct(b, m->ret_pct, 2) : tf_buf_appendf(b, "n/a"));
	APPEND("</td>" TD);
	CALL(m->has_vol ? value_text(b, m, V_VOL) : tf_buf_appendf(b, "n/a"));
	APPEND("</td>" TD);
	CALL(tf_fmt_num(b, m->volume_m, 3));
	APPEND("</td>" TD "%lld</td></tr>", (long long)m->trades);
	return TF_OK;
}

/* The per-symbol table: the ranked rows with the most volume (metrics.c keeps only those). */
static tf_err symbols_table(tf_buf *b, const tf_report_data *d, size_t cap)
{
	tf_err err;
	size_t shown = d->n_table < cap ? d->n_table : cap;
	APPEND("<div id=\"symbols\">" H2 "Per-symbol statistics</h2><p style=\"font-size:13px\">%zu of %zu live "
	       "%s pairs, by volume. Spread = high &#8722; low; mid = (high + low) / 2; volatility = spread / mid; "
	       "volume in millions of %s.</p>" TABLE "<tr>" THL "Symbol</th>" THL "Date</th>" TH "Epoch (s)</th>" TH
	       "Open</th>" TH "High</th>" TH "Low</th>" TH "Last</th>" TH "Spread</th>" TH "Mid</th>" TH
	       "Return</th>" TH "Volatility</th>" TH "Volume (M)</th>" TH "Trades</th></tr>",
	       shown, d->ranked, d->quote, d->quote);
	for (size_t i = 0; i < shown; i++)
		CALL(symbol_row(b, &d->table[i]));
	APPEND("</table></div>");
	return TF_OK;
}

static tf_err totals(tf_buf *b, const tf_report_data *d)
{
	tf_err err;
	APPEND("<div id=\"totals\">" H2 "Market totals</h2>" TABLE);
	APPEND("<tr>" THL "Symbols in the batch</th>" TD "%zu (%zu dead, not ranked)</td></tr>", d->n, d->dead);
	APPEND("<tr>" THL "Ranked %s pairs (observations)</th>" TD "%zu</td></tr>", d->quote, d->ranked);
	APPEND("<tr>" THL "Total volume</th>" TD);
	CALL(tf_fmt_num(b, d->total_volume_m, 2));
	APPEND(" M %s</td></tr><tr>" THL "Mean return</th>" TD, d->quote);
	CALL(tf_fmt_pct(b, d->mean_ret_pct, 2));
	APPEND("</td></tr><tr>" THL "Mean volatility</th>" TD);
	CALL(tf_fmt_num(b, d->mean_vol_pct, 2));
	APPEND("%%</td></tr><tr>" THL "Advancing / declining / unchanged</th>" TD "%zu / %zu / %zu</td></tr>", d->advancers,
	       d->decliners, d->unchanged);
	APPEND("<tr>" THL "Other quote currencies (live pairs, not compared)</th>" TD);
	size_t shown = 0;
	for (size_t i = 0; i < d->n_quotes; i++)
		if (strcmp(d->quotes[i].quote, d->quote))
			APPEND("%s%s %zu", shown++ ? ", " : "", d->quotes[i].quote, d->quotes[i].count);
	APPEND("%s</td></tr></table></div>", shown ? "" : "none");
	return TF_OK;
}

static tf_err decision(tf_buf *b, const tf_report_data *d)
{
	tf_err err;
	tf_buf notes;
	tf_buf_init(&notes, 1 << 16);
	APPEND("<div id=\"decision-support\">" H2 "Decision support</h2>"
	       "<p style=\"padding:8px;background:#fef3c7;border:1px solid #f59e0b;font-size:13px\"><strong>%s</strong></p><ul "
	       "style=\"font-size:14px\">",
	       TF_REPORT_DISCLAIMER);
	err = tf_report_decision_notes(&notes, d);
	for (char *line = notes.data, *nl; !err && line && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = 0;
		if (!(err = tf_buf_appendf(b, "<li>")) && !(err = tf_fmt_html(b, line + 2)))
			err = tf_buf_appendf(b, "</li>");
	}
	tf_buf_free(&notes);
	if (err)
		return err;
	APPEND("</ul></div>");
	return TF_OK;
}

tf_err tf_report_html(tf_buf *b, const tf_report_data *d, size_t table_rows, int64_t generated_ms)
{
	tf_err err;
	tf_buf t;
	APPEND("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><meta name=\"viewport\" "
	       "content=\"width=device-width\"/><title>tickflow market report ");
	CALL(tf_fmt_time(b, d->run_ts));
	APPEND("</title></head><body style=\"margin:0;padding:16px;font-family:Helvetica,Arial,sans-serif;color:#111827;"
	       "background:#ffffff\"><div style=\"max-width:1100px\"><h1 style=\"font-size:22px;margin:0 0 4px\">Market "
	       "report</h1><p id=\"scope\" style=\"font-size:13px;color:#4b5563\">");
	if (d->since_ms > 0)
		APPEND("Candles of the last %lld minutes ending ", (long long)(d->since_ms / 60000));
	else
		APPEND("Ticker snapshot run_ts %lld, taken ", (long long)d->run_ts);
	CALL(tf_fmt_time(b, d->run_ts));
	APPEND(". Rankings and totals are within one quote currency, <strong>%s</strong> (%zu live pairs%s); "
	       "volumes in other quote currencies are not compared with them. Generated ",
	       d->quote, d->ranked, d->quote_defaulted ? ", chosen by default" : "");
	CALL(tf_fmt_time(b, generated_ms));
	APPEND(".</p><div id=\"summary\">" H2 "Summary</h2><p style=\"font-size:15px;line-height:1.5\">");
	tf_buf_init(&t, 1 << 16);
	err = tf_report_summary(&t, d);
	if (!err)
		err = tf_fmt_html(b, t.data ? t.data : "");
	tf_buf_free(&t);
	if (err)
		return err;
	APPEND("</p></div>");
	CALL(totals(b, d));
	CALL(top_section(b, d, "top-best", "chart-best", "Top 5 best (24-hour return)", d->best, d->n_best, V_RET));
	CALL(top_section(b, d, "top-worst", "chart-worst", "Top 5 worst (24-hour return)", d->worst, d->n_worst, V_RET));
	CALL(top_section(b, d, "top-volume", "chart-volume", "Top 5 by volume", d->by_volume, d->n_by_volume, V_VOLUME));
	CALL(top_section(b, d, "top-volatility", "chart-volatility", "Top 5 by volatility", d->by_vol, d->n_by_vol, V_VOL));
	CALL(histogram(b, d));
	CALL(decision(b, d));
	CALL(symbols_table(b, d, table_rows));
	APPEND("<p style=\"font-size:11px;color:#6b7280;margin-top:24px\">Generated by tickflow report.</p></div></body></html>\n");
	return TF_OK;
}

/* metrics.c — see metrics.h for the definitions. */
#include "batch/metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The nearest double of a decimal, so that the numbers equal what a database computes from the
 * same stored text. Below 2^53 units both the unit count and 1e8 are exact doubles and IEEE
 * division rounds correctly, which is what strtod of the text gives; above, through the text. */
static double dbl(tf_dec v)
{
	if (v > -((tf_dec)1 << 53) && v < ((tf_dec)1 << 53))
		return (double)(int64_t)v / 1e8;
	char s[TF_DEC_STR_MAX];
	tf_dec_format(v, s);
	return strtod(s, NULL);
}

static void fill_metric(tf_metric *m, const tf_snapshot *r)
{
	memset(m, 0, sizeof *m);
	m->row = r;
	m->open = dbl(r->open);
	m->high = dbl(r->high);
	m->low = dbl(r->low);
	m->last = dbl(r->last);
	m->spread = m->high - m->low;
	m->mid = (m->high + m->low) / 2;
	m->volume_m = dbl(r->quote_volume) / 1e6;
	if (r->open != 0) {
		m->has_ret = true;
		m->ret_pct = (m->last - m->open) / m->open * 100;
	}
	if (r->high + r->low != 0) {
		m->has_vol = true;
		m->rel_vol_pct = m->spread / m->mid * 100;
	}
	m->epoch_s = r->close_time / 1000;
	/* a batch shares one or two dates: format each day once */
	static _Thread_local int64_t cached_day = INT64_MIN;
	static _Thread_local char cached[11];
	int64_t day = m->epoch_s >= 0 ? m->epoch_s / 86400 : (m->epoch_s - 86399) / 86400;
	if (day != cached_day) {
		time_t t = (time_t)(day * 86400);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(cached, sizeof cached, "%Y-%m-%d", &tm);
		cached_day = day;
	}
	memcpy(m->date, cached, sizeof m->date);
}

/* Moves the k-th smallest of a[0..n) to a[k], smaller ones before it, larger after (Hoare's
 * quickselect, median-of-three pivot): O(n) on average, where a full sort would be O(n log n). */
static void select_kth(double *a, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		double x = a[lo], y = a[mid], z = a[hi];
		double pivot = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
		size_t i = lo, j = hi;
		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j) {
				double t = a[i];
				a[i] = a[j];
				a[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return;
	}
}

/* Quantile by linear interpolation between closest ranks (as numpy's default); reorders a. */
static double quantile(double *a, size_t n, double q)
{
	if (!n)
		return 0;
	double pos = q * (double)(n - 1);
	size_t i = (size_t)pos;
	double frac = pos - (double)i;
	select_kth(a, n, i);
	if (i + 1 >= n || frac == 0)
		return a[i];
	double next = a[i + 1];
	for (size_t k = i + 2; k < n; k++) /* the (i+1)-th smallest is the least of what lies above */
		next = a[k] < next ? a[k] : next;
	return a[i] + frac * (next - a[i]);
}

typedef enum { BY_RET_DESC, BY_RET_ASC, BY_VOLUME, BY_VOL } order;

/* Whether metric a ranks before b in order o; ties break by symbol. */
static bool before(const tf_metric *a, const tf_metric *b, order o)
{
	double x, y;
	switch (o) {
	case BY_RET_DESC: x = a->ret_pct, y = b->ret_pct; break;
	case BY_RET_ASC: x = -a->ret_pct, y = -b->ret_pct; break;
	case BY_VOLUME: x = a->volume_m, y = b->volume_m; break;
	default: x = a->rel_vol_pct, y = b->rel_vol_pct; break;
	}
	if (x != y)
		return x > y;
	return strcmp(a->row->symbol, b->row->symbol) < 0;
}

/* Keeps the best TF_TOP_N of the ranked rows in top[] by insertion: O(n) for n rows. */
static size_t top_n(const tf_report_data *d, order o, size_t top[TF_TOP_N])
{
	size_t k = 0;
	for (size_t i = 0; i < d->n; i++) {
		const tf_metric *m = &d->m[i];
		if (!m->ranked || ((o == BY_RET_DESC || o == BY_RET_ASC) && !m->has_ret) || (o == BY_VOL && !m->has_vol))
			continue;
		size_t pos = k;
		while (pos > 0 && before(m, &d->m[top[pos - 1]], o))
			pos--;
		if (pos >= TF_TOP_N)
			continue;
		size_t last = k < TF_TOP_N ? k : TF_TOP_N - 1;
		memmove(&top[pos + 1], &top[pos], (last - pos) * sizeof top[0]);
		top[pos] = i;
		if (k < TF_TOP_N)
			k++;
	}
	return k;
}

double tf_report_hist_edge(int i) { return -20.0 + 2.5 * i; }

static void count_quotes(tf_report_data *d)
{
	tf_quote_count all[64];
	size_t na = 0;
	for (size_t i = 0; i < d->n; i++) {
		const tf_snapshot *r = d->m[i].row;
		if (r->dead || !r->quote[0])
			continue;
		size_t k = 0;
		while (k < na && strcmp(all[k].quote, r->quote))
			k++;
		if (k == na) {
			if (na == 64)
				continue;
			snprintf(all[na].quote, sizeof all[na].quote, "%s", r->quote);
			all[na++].count = 0;
		}
		all[k].count++;
	}
	for (size_t i = 0; i < na; i++) /* most common first, then by name: a few dozen at most */
		for (size_t j = i + 1; j < na; j++)
			if (all[j].count > all[i].count ||
			    (all[j].count == all[i].count && strcmp(all[j].quote, all[i].quote) < 0)) {
				tf_quote_count t = all[i];
				all[i] = all[j];
				all[j] = t;
			}
	d->n_quotes = na < 8 ? na : 8;
	memcpy(d->quotes, all, d->n_quotes * sizeof all[0]);
}

static void choose_quote(tf_report_data *d, const char *quote)
{
	if (quote && *quote) {
		snprintf(d->quote, sizeof d->quote, "%s", quote);
		return;
	}
	d->quote_defaulted = true;
	snprintf(d->quote, sizeof d->quote, "%s", d->n_quotes ? d->quotes[0].quote : "USDT");
	for (size_t i = 0; i < d->n_quotes; i++)
		if (!strcmp(d->quotes[i].quote, "USDT"))
			snprintf(d->quote, sizeof d->quote, "USDT");
}

static tf_err aggregate(tf_report_data *d)
{
	double *rets = malloc((d->n ? d->n : 1) * sizeof *rets), *vols = malloc((d->n ? d->n : 1) * sizeof *vols);
	if (!rets || !vols) {
		free(rets);
		free(vols);
		return TF_ERR_NOMEM;
	}
	double sum_ret = 0, sum_vol = 0;
	for (size_t i = 0; i < d->n; i++) {
		tf_metric *m = &d->m[i];
		if (!m->ranked)
			continue;
		d->ranked++;
		d->total_volume_m += m->volume_m;
		if (m->has_ret) {
			rets[d->n_ret++] = m->ret_pct;
			sum_ret += m->ret_pct;
			d->advancers += m->ret_pct > 0;
			d->decliners += m->ret_pct < 0;
			d->unchanged += m->ret_pct == 0;
			int bin = (int)floor((m->ret_pct + 20.0) / 2.5);
			d->hist[bin < 0 ? 0 : bin >= TF_HIST_BINS ? TF_HIST_BINS - 1 : bin]++;
		}
		if (m->has_vol) {
			vols[d->n_vol++] = m->rel_vol_pct;
			sum_vol += m->rel_vol_pct;
		}
	}
	d->mean_ret_pct = d->n_ret ? sum_ret / (double)d->n_ret : 0;
	d->mean_vol_pct = d->n_vol ? sum_vol / (double)d->n_vol : 0;
	d->median_ret_pct = quantile(rets, d->n_ret, 0.5);
	d->vol_q1 = quantile(vols, d->n_vol, 0.25);
	d->vol_median = quantile(vols, d->n_vol, 0.5);
	d->vol_q3 = quantile(vols, d->n_vol, 0.75);
	free(rets);
	free(vols);
	return TF_OK;
}

tf_err tf_report_compute(const tf_snapshot *rows, size_t n, const char *quote, int64_t run_ts, int64_t since_ms,
			 tf_report_data *d, char *why, size_t cap)
{
	memset(d, 0, sizeof *d);
	d->run_ts = run_ts;
	d->since_ms = since_ms;
	d->n = n;
	d->m = calloc(n ? n : 1, sizeof *d->m);
	if (!d->m)
		return TF_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		fill_metric(&d->m[i], &rows[i]);
		d->dead += rows[i].dead;
	}
	count_quotes(d);
	choose_quote(d, quote);
	for (size_t i = 0; i < n; i++)
		d->m[i].ranked = !rows[i].dead && !strcmp(rows[i].quote, d->quote);
	tf_err err = aggregate(d);
	if (err)
		return err;
	if (!d->ranked) {
		size_t len = (size_t)snprintf(why, cap, "no live symbol is quoted in %s; quotes present:", d->quote);
		for (size_t i = 0; i < d->n_quotes && len < cap; i++)
			len += (size_t)snprintf(why + len, cap - len, " %s (%zu)", d->quotes[i].quote, d->quotes[i].count);
		return TF_ERR_NOT_FOUND;
	}
	d->n_best = top_n(d, BY_RET_DESC, d->best);
	d->n_worst = top_n(d, BY_RET_ASC, d->worst);
	d->n_by_volume = top_n(d, BY_VOLUME, d->by_volume);
	d->n_by_vol = top_n(d, BY_VOL, d->by_vol);
	double top = 0;
	for (size_t i = 0; i < d->n_by_volume; i++)
		top += d->m[d->by_volume[i]].volume_m;
	d->top5_volume_share = d->total_volume_m > 0 ? top / d->total_volume_m * 100 : 0;
	return TF_OK;
}

void tf_report_data_free(tf_report_data *d)
{
	free(d->m);
	d->m = NULL;
}

/* metrics.c — see metrics.h for the definitions and the part/finish scheme. */
#include "batch/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What a part keeps of the ranked rows of one quote currency. */
typedef struct {
	size_t ranked, advancers, decliners, unchanged, hist[TF_HIST_BINS];
	tf_dec volume;              /* exact sum of quote_volume: the total is the same whatever the order */
	double *rets, *vols;        /* in arrival order, for the means, the median and the quartiles */
	size_t n_ret, n_vol, cap_ret, cap_vol;
	tf_metric top[4][TF_TOP_N]; /* best, worst, by volume, by volatility; sorted */
	size_t n_top[4];
	tf_metric *table;           /* heap of the table_rows rows with the most volume, the least at the root */
	size_t n_table, cap_table;
} stats;

typedef struct {
	char quote[16];
	size_t live;
	stats *st; /* NULL until a row of this quote is ranked-to-be */
} quote_slot;

struct tf_report_part {
	char want[16];
	size_t table_rows;
	bool keep_all, usdt_seen;
	size_t n, dead, nq, last_q;
	quote_slot q[TF_REPORT_MAX_QUOTES];
	tf_metric *all;
	size_t n_all, cap_all;
};

typedef enum { BY_RET_DESC, BY_RET_ASC, BY_VOLUME, BY_VOL } order;

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

void tf_report_date(int64_t epoch_s, char out[11])
{
	int64_t day = epoch_s >= 0 ? epoch_s / 86400 : (epoch_s - 86399) / 86400;
	time_t t = (time_t)(day * 86400);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(out, 11, "%Y-%m-%d", &tm))
		snprintf(out, 11, "----------");
}

static void fill_metric(tf_metric *m, const tf_snapshot *r)
{
	memcpy(m->symbol, r->symbol, sizeof m->symbol);
	memcpy(m->quote, r->quote, sizeof m->quote);
	m->open = dbl(r->open);
	m->high = dbl(r->high);
	m->low = dbl(r->low);
	m->last = dbl(r->last);
	m->spread = m->high - m->low;
	m->mid = (m->high + m->low) / 2;
	m->volume_m = dbl(r->quote_volume) / 1e6;
	m->has_ret = r->open != 0;
	m->ret_pct = m->has_ret ? (m->last - m->open) / m->open * 100 : 0;
	m->has_vol = r->high + r->low != 0;
	m->rel_vol_pct = m->has_vol ? m->spread / m->mid * 100 : 0;
	m->epoch_s = r->close_time / 1000;
	m->trades = r->trades;
	m->dead = r->dead;
	m->ranked = false;
}

/* Whether metric a ranks before b in order o; ties break by symbol. */
static inline bool before(const tf_metric *a, const tf_metric *b, order o)
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
	return strcmp(a->symbol, b->symbol) < 0;
}

/* Inserts m into the sorted top[0..*n) when it belongs to the first TF_TOP_N. Inlined with a
 * constant o, the usual case (the row does not beat the fifth) is a comparison or two. */
static inline void top_insert(tf_metric *top, size_t *n, const tf_metric *m, order o)
{
	if (*n == TF_TOP_N && !before(m, &top[TF_TOP_N - 1], o))
		return;
	size_t pos = *n < TF_TOP_N ? *n : TF_TOP_N - 1;
	while (pos > 0 && before(m, &top[pos - 1], o)) {
		top[pos] = top[pos - 1];
		pos--;
	}
	top[pos] = *m;
	if (*n < TF_TOP_N)
		(*n)++;
}

/* The per-symbol table's order: more volume first, then by symbol. */
static int by_volume_desc(const void *a, const void *b)
{
	const tf_metric *x = a, *y = b;
	if (x->volume_m != y->volume_m)
		return x->volume_m < y->volume_m ? 1 : -1;
	return strcmp(x->symbol, y->symbol);
}

static void swap_m(tf_metric *a, tf_metric *b)
{
	tf_metric t = *a;
	*a = *b;
	*b = t;
}

/* The table heap keeps the row that sorts last at the root, so a row enters only when it beats
 * that one: O(n log k) for n rows and k kept, not a sort of n. */
static void heap_down(tf_metric *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && by_volume_desc(&h[l], &h[m]) > 0)
			m = l;
		if (r < n && by_volume_desc(&h[r], &h[m]) > 0)
			m = r;
		if (m == i)
			return;
		swap_m(&h[i], &h[m]);
		i = m;
	}
}

static tf_err table_offer(stats *st, size_t cap, const tf_metric *m)
{
	if (st->n_table < cap) {
		if (st->n_table == st->cap_table) {
			size_t nc = st->cap_table ? st->cap_table * 2 : 64;
			nc = nc < cap ? nc : cap;
			tf_metric *t = realloc(st->table, nc * sizeof *t);
			if (!t)
				return TF_ERR_NOMEM;
			st->table = t;
			st->cap_table = nc;
		}
		size_t i = st->n_table++;
		st->table[i] = *m;
		while (i > 0 && by_volume_desc(&st->table[(i - 1) / 2], &st->table[i]) < 0) {
			swap_m(&st->table[(i - 1) / 2], &st->table[i]);
			i = (i - 1) / 2;
		}
	} else if (cap && by_volume_desc(m, &st->table[0]) < 0) {
		st->table[0] = *m;
		heap_down(st->table, st->n_table, 0);
	}
	return TF_OK;
}

static tf_err push(double **a, size_t *n, size_t *cap, double v)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 1024;
		double *t = realloc(*a, nc * sizeof *t);
		if (!t)
			return TF_ERR_NOMEM;
		*a = t;
		*cap = nc;
	}
	(*a)[(*n)++] = v;
	return TF_OK;
}

static tf_err stats_add(stats *st, size_t table_rows, const tf_snapshot *r, const tf_metric *m)
{
	tf_err err;
	st->ranked++;
	st->volume += r->quote_volume;
	if (m->has_ret) {
		if ((err = push(&st->rets, &st->n_ret, &st->cap_ret, m->ret_pct)))
			return err;
		st->advancers += m->ret_pct > 0;
		st->decliners += m->ret_pct < 0;
		st->unchanged += m->ret_pct == 0;
		double b = floor((m->ret_pct + 20.0) / 2.5);
		st->hist[b < 0 ? 0 : b >= TF_HIST_BINS ? TF_HIST_BINS - 1 : (int)b]++;
		top_insert(st->top[BY_RET_DESC], &st->n_top[BY_RET_DESC], m, BY_RET_DESC);
		top_insert(st->top[BY_RET_ASC], &st->n_top[BY_RET_ASC], m, BY_RET_ASC);
	}
	if (m->has_vol) {
		if ((err = push(&st->vols, &st->n_vol, &st->cap_vol, m->rel_vol_pct)))
			return err;
		top_insert(st->top[BY_VOL], &st->n_top[BY_VOL], m, BY_VOL);
	}
	top_insert(st->top[BY_VOLUME], &st->n_top[BY_VOLUME], m, BY_VOLUME);
	return table_offer(st, table_rows, m);
}

static void stats_free(stats *st)
{
	if (!st)
		return;
	free(st->rets);
	free(st->vols);
	free(st->table);
	free(st);
}

tf_err tf_report_part_new(const char *quote, size_t table_rows, bool keep_all, tf_report_part **out)
{
	tf_report_part *p = calloc(1, sizeof *p);
	if (!p)
		return TF_ERR_NOMEM;
	if (quote)
		snprintf(p->want, sizeof p->want, "%s", quote);
	p->table_rows = table_rows;
	p->keep_all = keep_all;
	*out = p;
	return TF_OK;
}

void tf_report_part_free(tf_report_part *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nq; i++)
		stats_free(p->q[i].st);
	free(p->all);
	free(p);
}

size_t tf_report_part_rows(const tf_report_part *p) { return p->n; }

/* The slot of quote q, added when new; NULL past TF_REPORT_MAX_QUOTES. */
static quote_slot *slot_of(tf_report_part *p, const char *q)
{
	if (p->last_q < p->nq && !strcmp(p->q[p->last_q].quote, q))
		return &p->q[p->last_q];
	size_t k = 0;
	while (k < p->nq && strcmp(p->q[k].quote, q))
		k++;
	if (k == p->nq) {
		if (k == TF_REPORT_MAX_QUOTES)
			return NULL;
		snprintf(p->q[k].quote, sizeof p->q[k].quote, "%s", q);
		p->nq++;
	}
	p->last_q = k;
	return &p->q[k];
}

static tf_err keep(tf_report_part *p, const tf_metric *m)
{
	if (p->n_all == p->cap_all) {
		size_t nc = p->cap_all ? p->cap_all * 2 : 1024;
		tf_metric *t = realloc(p->all, nc * sizeof *t);
		if (!t)
			return TF_ERR_NOMEM;
		p->all = t;
		p->cap_all = nc;
	}
	p->all[p->n_all++] = *m;
	return TF_OK;
}

static tf_err add_row(tf_report_part *p, const tf_snapshot *r)
{
	tf_metric m;
	fill_metric(&m, r);
	tf_err err;
	p->n++;
	if (p->keep_all && (err = keep(p, &m)))
		return err;
	if (r->dead) {
		p->dead++;
		return TF_OK;
	}
	if (!r->quote[0])
		return TF_OK;
	quote_slot *q = slot_of(p, r->quote);
	if (!q)
		return TF_OK;
	q->live++;
	bool usdt = !strcmp(r->quote, "USDT");
	p->usdt_seen = p->usdt_seen || usdt;
	/* with a given quote only its rows can rank; by default USDT wins as soon as it is present */
	if (p->want[0] ? strcmp(r->quote, p->want) != 0 : p->usdt_seen && !usdt)
		return TF_OK;
	if (!q->st && !(q->st = calloc(1, sizeof *q->st)))
		return TF_ERR_NOMEM;
	return stats_add(q->st, p->table_rows, r, &m);
}

tf_err tf_report_part_add(tf_report_part *p, const tf_snapshot *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		tf_err err = add_row(p, &rows[i]);
		if (err)
			return err;
	}
	return TF_OK;
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

/* The least of a[0..n) (n > 0). */
static double least(const double *a, size_t n)
{
	double m = a[0];
	for (size_t k = 1; k < n; k++)
		m = a[k] < m ? a[k] : m;
	return m;
}

/* Rank and fraction of quantile q of n values (linear interpolation between closest ranks, as
 * numpy's default). */
static size_t rank_of(size_t n, double q, double *frac)
{
	double pos = q * (double)(n - 1);
	size_t i = (size_t)pos;
	*frac = pos - (double)i;
	return i;
}

/* With a[i] the (i+1)-th smallest of a[0..n) and the larger ones after it: the value at rank i plus
 * frac, interpolated towards the next larger value, which is the least of a[i+1..n) or, when i is
 * the last, above if there is one (has_above). */
static double at_rank(const double *a, size_t n, size_t i, double frac, bool has_above, double above)
{
	if (frac == 0)
		return a[i];
	if (i + 1 < n)
		return a[i] + frac * (least(a + i + 1, n - i - 1) - a[i]);
	return has_above ? a[i] + frac * (above - a[i]) : a[i];
}

/* The median of a[0..n) (reordered); 0 when n is 0. */
static double median(double *a, size_t n)
{
	if (!n)
		return 0;
	double f;
	size_t i = rank_of(n, 0.5, &f);
	select_kth(a, n, i);
	return at_rank(a, n, i, f, false, 0);
}

/* Quartiles and median of a[0..n) (reordered; 0 when n is 0): the median first, then the lower
 * quartile among the values below it and the upper among those above, instead of three
 * selections and three searches over all of them. */
static void quartiles(double *a, size_t n, double *q1, double *q2, double *q3)
{
	*q1 = *q2 = *q3 = 0;
	if (!n)
		return;
	double f1, f2, f3;
	size_t i1 = rank_of(n, 0.25, &f1), i2 = rank_of(n, 0.5, &f2), i3 = rank_of(n, 0.75, &f3);
	select_kth(a, n, i2); /* a[0..i2) <= a[i2] <= a[i2 + 1..n) */
	*q2 = at_rank(a, n, i2, f2, false, 0);
	if (i1 < i2) {
		select_kth(a, i2, i1);
		*q1 = at_rank(a, i2, i1, f1, true, a[i2]);
	} else { /* the same rank (n < 4) */
		*q1 = at_rank(a, n, i2, f1, false, 0);
	}
	if (i3 > i2) {
		select_kth(a + i2 + 1, n - i2 - 1, i3 - i2 - 1);
		*q3 = at_rank(a + i2 + 1, n - i2 - 1, i3 - i2 - 1, f3, false, 0);
	} else {
		*q3 = at_rank(a, n, i2, f3, false, 0);
	}
}

double tf_report_hist_edge(int i) { return -20.0 + 2.5 * i; }

/* Live symbols per quote over all parts, most common first, then by name. */
static size_t count_quotes(tf_report_part *const *parts, size_t nparts, tf_quote_count *all)
{
	size_t na = 0;
	for (size_t p = 0; p < nparts; p++)
		for (size_t i = 0; i < parts[p]->nq; i++) {
			const quote_slot *q = &parts[p]->q[i];
			size_t k = 0;
			while (k < na && strcmp(all[k].quote, q->quote))
				k++;
			if (k == na) {
				if (na == TF_REPORT_MAX_QUOTES)
					continue;
				memcpy(all[na].quote, q->quote, sizeof all[na].quote);
				all[na++].count = 0;
			}
			all[k].count += q->live;
		}
	for (size_t i = 0; i < na; i++) /* a few dozen at most */
		for (size_t j = i + 1; j < na; j++)
			if (all[j].count > all[i].count ||
			    (all[j].count == all[i].count && strcmp(all[j].quote, all[i].quote) < 0)) {
				tf_quote_count t = all[i];
				all[i] = all[j];
				all[j] = t;
			}
	return na;
}

static void choose_quote(tf_report_data *d, const char *quote, const tf_quote_count *all, size_t na)
{
	if (quote && *quote) {
		snprintf(d->quote, sizeof d->quote, "%s", quote);
		return;
	}
	d->quote_defaulted = true;
	snprintf(d->quote, sizeof d->quote, "%s", na ? all[0].quote : "USDT");
	for (size_t i = 0; i < na; i++)
		if (!strcmp(all[i].quote, "USDT"))
			snprintf(d->quote, sizeof d->quote, "USDT");
}

static const stats *stats_of(const tf_report_part *p, const char *quote)
{
	for (size_t i = 0; i < p->nq; i++)
		if (!strcmp(p->q[i].quote, quote))
			return p->q[i].st;
	return NULL;
}

/* Appends src[0..n) to dst at *at, backwards when rev, so the result is in symbol order. */
static void append_ordered(double *dst, size_t *at, const double *src, size_t n, bool rev)
{
	for (size_t i = 0; i < n; i++)
		dst[(*at)++] = src[rev ? n - 1 - i : i];
}

#define QUARTILE_THREAD_MIN 100000 /* values; below, a thread costs more than it saves */

typedef struct {
	double *vols;
	size_t n;
	tf_report_data *d;
} vol_job;

static void *vol_quartiles(void *arg)
{
	vol_job *j = arg;
	quartiles(j->vols, j->n, &j->d->vol_q1, &j->d->vol_median, &j->d->vol_q3);
	return NULL;
}

/* Means, median and quartiles over the ranked rows of every part, in symbol order (so the sums
 * equal one pass over the whole batch, however it was split). */
static tf_err spread_stats(tf_report_data *d, const stats *const *st, const bool *reversed, size_t nparts)
{
	double *rets = malloc((d->n_ret ? d->n_ret : 1) * sizeof *rets), *vols = malloc((d->n_vol ? d->n_vol : 1) * sizeof *vols);
	if (!rets || !vols) {
		free(rets);
		free(vols);
		return TF_ERR_NOMEM;
	}
	size_t nr = 0, nv = 0;
	for (size_t p = 0; p < nparts; p++)
		if (st[p]) {
			append_ordered(rets, &nr, st[p]->rets, st[p]->n_ret, reversed[p]);
			append_ordered(vols, &nv, st[p]->vols, st[p]->n_vol, reversed[p]);
		}
	double sum_ret = 0, sum_vol = 0;
	for (size_t i = 0; i < nr; i++)
		sum_ret += rets[i];
	for (size_t i = 0; i < nv; i++)
		sum_vol += vols[i];
	d->mean_ret_pct = nr ? sum_ret / (double)nr : 0;
	d->mean_vol_pct = nv ? sum_vol / (double)nv : 0;
	/* the volatility quartiles on a thread of their own while this one takes the median return:
	 * selections over a million values are most of what is left after the batch is read */
	vol_job job = {vols, nv, d};
	pthread_t t;
	bool threaded = nv >= QUARTILE_THREAD_MIN && !pthread_create(&t, NULL, vol_quartiles, &job);
	if (!threaded)
		vol_quartiles(&job);
	d->median_ret_pct = median(rets, nr);
	if (threaded)
		pthread_join(t, NULL);
	free(rets);
	free(vols);
	return TF_OK;
}

static tf_err merge_table(tf_report_data *d, const stats *const *st, size_t nparts, size_t table_rows)
{
	size_t total = 0;
	for (size_t p = 0; p < nparts; p++)
		total += st[p] ? st[p]->n_table : 0;
	d->table = malloc((total ? total : 1) * sizeof *d->table);
	if (!d->table)
		return TF_ERR_NOMEM;
	for (size_t p = 0; p < nparts; p++)
		if (st[p] && st[p]->n_table) {
			memcpy(d->table + d->n_table, st[p]->table, st[p]->n_table * sizeof *d->table);
			d->n_table += st[p]->n_table;
		}
	qsort(d->table, d->n_table, sizeof *d->table, by_volume_desc);
	if (d->n_table > table_rows)
		d->n_table = table_rows;
	return TF_OK;
}

/* Every kept row in symbol order, ranked flags set for the chosen quote. */
static tf_err merge_all(tf_report_data *d, tf_report_part *const *parts, const bool *reversed, size_t nparts)
{
	size_t total = 0;
	for (size_t p = 0; p < nparts; p++)
		total += parts[p]->n_all;
	if (!total)
		return TF_OK;
	if (!(d->all = malloc(total * sizeof *d->all)))
		return TF_ERR_NOMEM;
	for (size_t p = 0; p < nparts; p++)
		for (size_t i = 0, n = parts[p]->n_all; i < n; i++) {
			tf_metric *m = &d->all[d->n_all++];
			*m = parts[p]->all[reversed[p] ? n - 1 - i : i];
			m->ranked = !m->dead && !strcmp(m->quote, d->quote);
		}
	return TF_OK;
}

tf_err tf_report_finish(tf_report_part *const *parts, const bool *reversed, size_t nparts, const char *quote,
			int64_t run_ts, int64_t since_ms, tf_report_data *d, char *why, size_t cap)
{
	memset(d, 0, sizeof *d);
	d->run_ts = run_ts;
	d->since_ms = since_ms;
	tf_quote_count all[TF_REPORT_MAX_QUOTES];
	size_t na = count_quotes(parts, nparts, all);
	d->n_quotes = na < 8 ? na : 8;
	memcpy(d->quotes, all, d->n_quotes * sizeof all[0]);
	choose_quote(d, quote, all, na);
	const stats *st[8] = {0};
	if (nparts > 8)
		return TF_ERR_USAGE;
	size_t table_rows = 0;
	tf_dec volume = 0;
	for (size_t p = 0; p < nparts; p++) {
		d->n += parts[p]->n;
		d->dead += parts[p]->dead;
		table_rows = parts[p]->table_rows;
		if (!(st[p] = stats_of(parts[p], d->quote)))
			continue;
		d->ranked += st[p]->ranked;
		d->advancers += st[p]->advancers;
		d->decliners += st[p]->decliners;
		d->unchanged += st[p]->unchanged;
		d->n_ret += st[p]->n_ret;
		d->n_vol += st[p]->n_vol;
		volume += st[p]->volume;
		for (int i = 0; i < TF_HIST_BINS; i++)
			d->hist[i] += st[p]->hist[i];
		for (int o = 0; o < 4; o++) {
			tf_metric *top = o == BY_RET_DESC ? d->best : o == BY_RET_ASC ? d->worst : o == BY_VOLUME ? d->by_volume : d->by_vol;
			size_t *n = o == BY_RET_DESC ? &d->n_best : o == BY_RET_ASC ? &d->n_worst : o == BY_VOLUME ? &d->n_by_volume : &d->n_by_vol;
			for (size_t i = 0; i < st[p]->n_top[o]; i++)
				top_insert(top, n, &st[p]->top[o][i], (order)o);
		}
	}
	d->total_volume_m = dbl(volume) / 1e6;
	tf_err err;
	if ((err = spread_stats(d, st, reversed, nparts)) || (err = merge_table(d, st, nparts, table_rows)) ||
	    (err = merge_all(d, parts, reversed, nparts)))
		return err;
	for (size_t i = 0; i < d->n_table; i++)
		d->table[i].ranked = true;
	for (size_t i = 0; i < TF_TOP_N; i++)
		d->best[i].ranked = d->worst[i].ranked = d->by_volume[i].ranked = d->by_vol[i].ranked = true;
	if (!d->ranked) {
		size_t len = (size_t)snprintf(why, cap, "no live symbol is quoted in %s; quotes present:", d->quote);
		for (size_t i = 0; i < d->n_quotes && len < cap; i++)
			len += (size_t)snprintf(why + len, cap - len, " %s (%zu)", d->quotes[i].quote, d->quotes[i].count);
		return TF_ERR_NOT_FOUND;
	}
	double top = 0;
	for (size_t i = 0; i < d->n_by_volume; i++)
		top += d->by_volume[i].volume_m;
	d->top5_volume_share = d->total_volume_m > 0 ? top / d->total_volume_m * 100 : 0;
	return TF_OK;
}

tf_err tf_report_compute(const tf_snapshot *rows, size_t n, const char *quote, int64_t run_ts, int64_t since_ms,
			 tf_report_data *d, char *why, size_t cap)
{
	tf_report_part *p = NULL;
	memset(d, 0, sizeof *d);
	tf_err err = tf_report_part_new(quote, n, true, &p);
	if (!err)
		err = tf_report_part_add(p, rows, n);
	const bool fwd = false;
	if (!err)
		err = tf_report_finish(&p, &fwd, 1, quote, run_ts, since_ms, d, why, cap);
	tf_report_part_free(p);
	return err;
}

void tf_report_data_free(tf_report_data *d)
{
	free(d->all);
	free(d->table);
	d->all = d->table = NULL;
}

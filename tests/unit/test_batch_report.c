/* test_batch_report.c — the batch path's pure parts: quote derivation, number formatting, report
 * metrics (zero-safe, dead and other quotes excluded, ties by symbol, Top 5 order checked against
 * a naive sort), the aligned schedule and the mail subject encoding. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch/mail.h"
#include "batch/metrics.h"
#include "batch/quote.h"
#include "batch/report_fmt.h"
#include "batch/report_html.h"
#include "batch/report_text.h"
#include "batch/schedule.h"
#include "test.h"

TF_TEST(batch_quote_of)
{
	char q[16];
	const char *cases[][2] = {{"BTCUSDT", "USDT"}, {"ETHBTC", "BTC"}, {"BTCFDUSD", "FDUSD"}, {"FDUSDUSDT", "USDT"},
				  {"BNBTRY", "TRY"}, {"USDT", ""},       {"FOO", ""},         {"TUSDBUSD", "BUSD"}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		tf_batch_quote_of(cases[i][0], q, sizeof q);
		TF_CHECK_EQ_STR(q, cases[i][1]);
	}
}

static const char *fmt(int kind, double v, int dec)
{
	static tf_buf b;
	tf_buf_free(&b);
	tf_buf_init(&b, 256);
	if (kind == 0)
		tf_fmt_num(&b, v, dec);
	else
		tf_fmt_pct(&b, v, dec);
	return b.data ? b.data : "";
}

TF_TEST(batch_format_numbers)
{
	TF_CHECK_EQ_STR(fmt(0, 1234567.891, 2), "1,234,567.89");
	TF_CHECK_EQ_STR(fmt(0, 999.5, 0), "1,000");
	TF_CHECK_EQ_STR(fmt(0, -1234.5, 1), "-1,234.5");
	TF_CHECK_EQ_STR(fmt(0, -0.0001, 2), "0.00");
	TF_CHECK_EQ_STR(fmt(0, 0.00001234, 8), "0.00001234");
	TF_CHECK_EQ_STR(fmt(0, NAN, 2), "-");
	TF_CHECK_EQ_STR(fmt(1, 1.234, 2), "+1.23%");
	TF_CHECK_EQ_STR(fmt(1, -0.4, 2), "-0.40%");
	TF_CHECK_EQ_STR(fmt(1, 0.001, 2), "0.00%");
	TF_CHECK_EQ_STR(fmt(1, 12345.6, 1), "+12,345.6%");
	fmt(0, 0, 0);
	tf_buf b;
	tf_buf_init(&b, 64);
	tf_fmt_html(&b, "<a href=\"x\">&'");
	TF_CHECK_EQ_STR(b.data, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
	tf_buf_free(&b);
}

static tf_snapshot row(const char *sym, double open, double high, double low, double last, double qv, bool dead)
{
	tf_snapshot r;
	memset(&r, 0, sizeof r);
	snprintf(r.symbol, sizeof r.symbol, "%s", sym);
	tf_batch_quote_of(sym, r.quote, sizeof r.quote);
	r.open = (tf_dec)llround(open * 1e8);
	r.high = (tf_dec)llround(high * 1e8);
	r.low = (tf_dec)llround(low * 1e8);
	r.last = (tf_dec)llround(last * 1e8);
	r.quote_volume = (tf_dec)llround(qv * 1e8);
	r.trades = dead ? 0 : 10;
	r.close_time = 1710038820116;
	r.dead = dead;
	return r;
}

TF_TEST(batch_metrics_small_market)
{
	tf_snapshot rows[] = {
		row("AAAUSDT", 10, 12, 9, 11, 5e6, false),  /* +10 %, vol 3/10.5 */
		row("BBBUSDT", 10, 12, 9, 11, 1e6, false),  /* same return as AAA: tie -> by symbol */
		row("CCCUSDT", 4, 4, 2, 2, 9e6, false),     /* -50 % */
		row("DDDUSDT", 0, 0, 0, 0, 0, true),        /* dead: excluded */
		row("EEEUSDT", 0, 1, 1, 1, 2e6, false),     /* open 0: no return, still ranked by volume */
		row("FFFBTC", 1, 3, 1, 3, 1e9, false),      /* another quote: never compared */
		row("GGGUSDT", 5, 5, 5, 5, 0, false),       /* unchanged, zero range */
	};
	tf_report_data d;
	char why[256];
	TF_CHECK_EQ_INT(tf_report_compute(rows, 7, NULL, 42, 0, &d, why, sizeof why), TF_OK);
	TF_CHECK_EQ_STR(d.quote, "USDT");
	TF_CHECK(d.quote_defaulted);
	TF_CHECK_EQ_INT((int)d.n, 7);
	TF_CHECK_EQ_INT((int)d.dead, 1);
	TF_CHECK_EQ_INT((int)d.ranked, 5);
	TF_CHECK_EQ_INT((int)d.n_ret, 4);
	TF_CHECK_EQ_INT((int)d.advancers, 2);
	TF_CHECK_EQ_INT((int)d.decliners, 1);
	TF_CHECK_EQ_INT((int)d.unchanged, 1);
	TF_CHECK(fabs(d.total_volume_m - 17.0) < 1e-9);
	TF_CHECK(fabs(d.mean_ret_pct - (10 + 10 - 50 + 0) / 4.0) < 1e-9);
	TF_CHECK_EQ_INT((int)d.n_best, 4);
	TF_CHECK_EQ_STR(d.best[0].symbol, "AAAUSDT");
	TF_CHECK_EQ_STR(d.best[1].symbol, "BBBUSDT");
	TF_CHECK_EQ_STR(d.best[3].symbol, "CCCUSDT");
	TF_CHECK_EQ_STR(d.worst[0].symbol, "CCCUSDT");
	TF_CHECK_EQ_STR(d.by_volume[0].symbol, "CCCUSDT");
	TF_CHECK_EQ_STR(d.by_volume[1].symbol, "AAAUSDT");
	TF_CHECK_EQ_STR(d.by_volume[2].symbol, "EEEUSDT");
	TF_CHECK_EQ_STR(d.by_vol[0].symbol, "CCCUSDT"); /* 2/3 = 66.7 % */
	TF_CHECK(!d.all[4].has_ret);
	TF_CHECK(d.all[6].has_vol && d.all[6].rel_vol_pct == 0);
	TF_CHECK(!d.all[3].has_ret && !d.all[3].has_vol && !d.all[3].ranked);
	char date[11];
	tf_report_date(d.all[0].epoch_s, date);
	TF_CHECK_EQ_STR(date, "2024-03-10");
	TF_CHECK_EQ_INT((int)(d.all[0].epoch_s - 1710038820), 0);
	/* every number is finite: zero-safe */
	for (size_t i = 0; i < d.n_all; i++)
		TF_CHECK(isfinite(d.all[i].ret_pct) && isfinite(d.all[i].rel_vol_pct));
	/* the words follow the numbers */
	tf_buf b;
	tf_buf_init(&b, 1 << 20);
	TF_CHECK_EQ_INT(tf_report_summary(&b, &d), TF_OK);
	TF_CHECK(strstr(b.data, "2 of 4 pairs rose, 1 fell and 1 was unchanged") != NULL);
	TF_CHECK(strstr(b.data, "Leaders: AAAUSDT +10.00%") != NULL);
	tf_buf_reset(&b);
	TF_CHECK_EQ_INT(tf_report_html(&b, &d, 3, 0), TF_OK);
	TF_CHECK(strstr(b.data, "<!DOCTYPE html>") == b.data);
	TF_CHECK(strstr(b.data, "not investment advice") != NULL);
	TF_CHECK(strstr(b.data, "FFFBTC") == NULL); /* other quotes stay out of tables and charts */
	TF_CHECK(strstr(b.data, "3 of 5 live USDT pairs") != NULL);
	tf_buf_free(&b);
	tf_report_data_free(&d);
	/* another quote on request; an absent one is a clear error */
	TF_CHECK_EQ_INT(tf_report_compute(rows, 7, "BTC", 42, 0, &d, why, sizeof why), TF_OK);
	TF_CHECK_EQ_INT((int)d.ranked, 1);
	tf_report_data_free(&d);
	TF_CHECK_EQ_INT(tf_report_compute(rows, 7, "EUR", 42, 0, &d, why, sizeof why), TF_ERR_NOT_FOUND);
	TF_CHECK(strstr(why, "USDT (5)") != NULL);
	tf_report_data_free(&d);
}

static int cmp_ret_desc(const void *a, const void *b)
{
	const tf_metric *x = *(const tf_metric *const *)a, *y = *(const tf_metric *const *)b;
	if (x->ret_pct != y->ret_pct)
		return x->ret_pct < y->ret_pct ? 1 : -1;
	return strcmp(x->symbol, y->symbol);
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int cmp_ret_asc(const void *a, const void *b)
{
	const tf_metric *x = *(const tf_metric *const *)a, *y = *(const tf_metric *const *)b;
	if (x->ret_pct != y->ret_pct)
		return x->ret_pct < y->ret_pct ? -1 : 1;
	return strcmp(x->symbol, y->symbol);
}

TF_TEST(batch_metrics_top5_matches_naive_sort)
{
	enum { N = 500 };
	tf_snapshot *rows = calloc(N, sizeof *rows);
	unsigned seed = 12345;
	for (int i = 0; i < N; i++) {
		char sym[16];
		snprintf(sym, sizeof sym, "S%03dUSDT", (i * 37) % N);
		seed = seed * 1103515245u + 12345u;
		double open = 1 + (seed >> 16) % 100, last = open * (0.8 + ((seed >> 4) % 41) / 100.0);
		rows[i] = row(sym, open, open * 1.3, open * 0.7, last, i, (seed & 15) == 0);
	}
	tf_report_data d;
	char why[128];
	TF_CHECK_EQ_INT(tf_report_compute(rows, N, "USDT", 1, 0, &d, why, sizeof why), TF_OK);
	const tf_metric **all = malloc(N * sizeof *all);
	size_t n = 0;
	for (size_t i = 0; i < d.n_all; i++)
		if (d.all[i].ranked && d.all[i].has_ret)
			all[n++] = &d.all[i];
	qsort(all, n, sizeof *all, cmp_ret_desc);
	TF_CHECK_EQ_INT((int)d.n_best, 5);
	for (int i = 0; i < 5; i++)
		TF_CHECK_EQ_STR(d.best[i].symbol, all[i]->symbol);
	qsort(all, n, sizeof *all, cmp_ret_asc);
	TF_CHECK_EQ_INT((int)d.n_worst, 5);
	for (int i = 0; i < 5; i++)
		TF_CHECK_EQ_STR(d.worst[i].symbol, all[i]->symbol);
	/* quartiles (quickselect in metrics.c) equal interpolation over a full sort */
	double *v = malloc(N * sizeof *v);
	size_t nv = 0;
	for (size_t i = 0; i < d.n_all; i++)
		if (d.all[i].ranked && d.all[i].has_vol)
			v[nv++] = d.all[i].rel_vol_pct;
	qsort(v, nv, sizeof *v, cmp_dbl);
	const double qs[3] = {0.25, 0.5, 0.75}, got[3] = {d.vol_q1, d.vol_median, d.vol_q3};
	for (int k = 0; k < 3; k++) {
		double pos = qs[k] * (double)(nv - 1), frac = pos - floor(pos);
		size_t i = (size_t)pos;
		double want = v[i] + (i + 1 < nv ? frac * (v[i + 1] - v[i]) : 0);
		TF_CHECK(fabs(got[k] - want) < 1e-12);
	}
	free(v);
	free(all);
	free(rows);
	tf_report_data_free(&d);
}

/* The value at quantile q of sorted v[0..n), interpolated as metrics.c promises (numpy's default). */
static double sorted_quantile(const double *v, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t i = (size_t)pos;
	double frac = pos - (double)i;
	return frac == 0 || i + 1 >= n ? v[i] : v[i] + frac * (v[i + 1] - v[i]);
}

/* The median return and the volatility quartiles (selections, the quartiles on a thread of their
 * own from QUARTILE_THREAD_MIN values) equal those of a full sort exactly, for small sizes where
 * ranks coincide, with repeated values, and for a batch big enough for the thread. */
TF_TEST(batch_metrics_quartiles_match_sort)
{
	const size_t sizes[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 1001, 150003};
	for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
		size_t n = sizes[z];
		tf_snapshot *rows = calloc(n, sizeof *rows);
		unsigned seed = 99 + (unsigned)n;
		for (size_t i = 0; i < n; i++) {
			char sym[48];
			snprintf(sym, sizeof sym, "S%07zuUSDT", i % 10000000);
			seed = seed * 1103515245u + 12345u;
			double open = 1 + (seed >> 16) % 7, last = open * (0.9 + ((seed >> 4) % 9) / 40.0); /* many ties */
			rows[i] = row(sym, open, open * (1.05 + ((seed >> 9) % 5) / 100.0), open * 0.95, last, 1, false);
		}
		tf_report_data d;
		char why[128];
		TF_CHECK_EQ_INT(tf_report_compute(rows, n, "USDT", 1, 0, &d, why, sizeof why), TF_OK);
		double *r = malloc(n * sizeof *r), *v = malloc(n * sizeof *v);
		size_t nr = 0, nv = 0;
		for (size_t i = 0; i < d.n_all; i++) {
			if (d.all[i].has_ret)
				r[nr++] = d.all[i].ret_pct;
			if (d.all[i].has_vol)
				v[nv++] = d.all[i].rel_vol_pct;
		}
		TF_CHECK(nr == n && nv == n);
		qsort(r, nr, sizeof *r, cmp_dbl);
		qsort(v, nv, sizeof *v, cmp_dbl);
		TF_CHECK(d.median_ret_pct == sorted_quantile(r, nr, 0.5));
		TF_CHECK(d.vol_q1 == sorted_quantile(v, nv, 0.25));
		TF_CHECK(d.vol_median == sorted_quantile(v, nv, 0.5));
		TF_CHECK(d.vol_q3 == sorted_quantile(v, nv, 0.75));
		free(r);
		free(v);
		free(rows);
		tf_report_data_free(&d);
	}
}

/* Split anywhere into a lower part read upwards and an upper part read downwards (as the two
 * readers of report_scan.c do), the merged report equals the one-part report exactly. */
TF_TEST(batch_metrics_parts_merge_exactly)
{
	enum { N = 300 };
	tf_snapshot *rows = calloc(N, sizeof *rows), *rev = calloc(N, sizeof *rev);
	unsigned seed = 777;
	for (int i = 0; i < N; i++) {
		char sym[24];
		snprintf(sym, sizeof sym, "S%03d%s", i, i % 4 ? "USDT" : "BTC");
		seed = seed * 1103515245u + 12345u;
		double open = 1 + (seed >> 16) % 50, last = open * (0.7 + ((seed >> 4) % 61) / 100.0);
		rows[i] = row(sym, open, open * 1.2, open * 0.6, last, (seed >> 8) % 1000, (seed & 31) == 0);
	}
	tf_report_data one, two;
	char why[128];
	TF_CHECK_EQ_INT(tf_report_compute(rows, N, NULL, 1, 0, &one, why, sizeof why), TF_OK);
	for (size_t cut = 0; cut <= N; cut += 37) {
		tf_report_part *p[2] = {NULL, NULL};
		TF_CHECK_EQ_INT(tf_report_part_new(NULL, 7, true, &p[0]), TF_OK);
		TF_CHECK_EQ_INT(tf_report_part_new(NULL, 7, true, &p[1]), TF_OK);
		for (size_t i = cut; i < N; i++)
			rev[i - cut] = rows[N - 1 - (i - cut)];
		TF_CHECK_EQ_INT(tf_report_part_add(p[0], rows, cut), TF_OK);
		TF_CHECK_EQ_INT(tf_report_part_add(p[1], rev, N - cut), TF_OK);
		const bool reversed[2] = {false, true};
		TF_CHECK_EQ_INT(tf_report_finish(p, reversed, 2, NULL, 1, 0, &two, why, sizeof why), TF_OK);
		TF_CHECK(two.n == one.n && two.dead == one.dead && two.ranked == one.ranked && two.advancers == one.advancers);
		TF_CHECK(two.total_volume_m == one.total_volume_m && two.mean_ret_pct == one.mean_ret_pct &&
			 two.mean_vol_pct == one.mean_vol_pct && two.median_ret_pct == one.median_ret_pct &&
			 two.vol_q1 == one.vol_q1 && two.vol_q3 == one.vol_q3);
		TF_CHECK(!memcmp(two.hist, one.hist, sizeof one.hist));
		TF_CHECK(two.n_all == N);
		for (size_t i = 0; i < two.n_all; i++)
			TF_CHECK(!strcmp(two.all[i].symbol, one.all[i].symbol) && two.all[i].ranked == one.all[i].ranked);
		for (int i = 0; i < TF_TOP_N; i++)
			TF_CHECK(!strcmp(two.best[i].symbol, one.best[i].symbol) && !strcmp(two.worst[i].symbol, one.worst[i].symbol) &&
				 !strcmp(two.by_volume[i].symbol, one.by_volume[i].symbol) &&
				 !strcmp(two.by_vol[i].symbol, one.by_vol[i].symbol));
		/* the table keeps the 7 rows with the most volume, in the order of the full one */
		TF_CHECK_EQ_INT((int)two.n_table, 7);
		for (size_t i = 0; i < two.n_table && i < one.n_table; i++)
			TF_CHECK_EQ_STR(two.table[i].symbol, one.table[i].symbol);
		tf_report_data_free(&two);
		tf_report_part_free(p[0]);
		tf_report_part_free(p[1]);
	}
	TF_CHECK_EQ_STR(one.quote, "USDT");
	tf_report_data_free(&one);
	free(rows);
	free(rev);
}

TF_TEST(batch_schedule_and_mail_helpers)
{
	TF_CHECK(tf_batch_next_slot(1000, 1000) == 2000);
	TF_CHECK(tf_batch_next_slot(21599999, 21600000) == 21600000); /* --every 6h: 06:00 UTC */
	TF_CHECK(tf_batch_next_slot(21600000, 21600000) == 43200000);
	char s[128];
	TF_CHECK_EQ_INT(tf_batch_mail_encode_subject("r\xc3\xa9port", s, sizeof s), TF_OK);
	TF_CHECK_EQ_STR(s, "=?UTF-8?B?csOpcG9ydA==?=");
	TF_CHECK_EQ_INT(tf_batch_mail_encode_subject("a long subject that does not fit", s, 16), TF_ERR_TOO_BIG);
	TF_CHECK(tf_batch_mail_host_is_local("smtp://127.0.0.1:25"));
	TF_CHECK(tf_batch_mail_host_is_local("smtp://localhost:587"));
	TF_CHECK(tf_batch_mail_host_is_local("smtp://[::1]:587"));
	TF_CHECK(!tf_batch_mail_host_is_local("smtp://smtp.example.com:587"));
	TF_CHECK(!tf_batch_mail_host_is_local("smtp://127.0.0.1.evil.example:587"));
}

/* test_exchange_sim.c — the simulated market: determinism, 24 h statistics against a naive
 * recomputation, GBM volatility, prices on the tick grid, round-robin frames, kline aggregation. */
#include <math.h>
#include <stdlib.h>

#include "exchange/sim.h"
#include "test.h"

#define START 1700000000000LL /* 2023-11-14T22:13:20Z */

static tf_sim *make(uint64_t seed, int n, bool no_jumps)
{
	tf_sim_config c = {.seed = seed, .nsymbols = n, .start_ms = START, .no_jumps = no_jumps};
	tf_sim *s = NULL;
	return tf_sim_new(&c, &s) == TF_OK ? s : NULL;
}

/* Runs `frames` one-second frames and returns all their bytes (caller frees the buffer). */
static void run_frames(tf_sim *s, int frames, size_t max_records, tf_buf *all)
{
	for (int i = 1; i <= frames; i++) {
		size_t n;
		tf_buf_append(all, "\n", 1);
		tf_sim_next_frame(s, START + i * 1000, max_records, all, &n);
	}
}

TF_TEST(exchange_sim_same_seed_same_bytes)
{
	tf_sim *a = make(42, 60, false), *b = make(42, 60, false), *c = make(43, 60, false);
	TF_CHECK(a && b && c);
	tf_buf ba, bb, bc;
	tf_buf_init(&ba, 1 << 24);
	tf_buf_init(&bb, 1 << 24);
	tf_buf_init(&bc, 1 << 24);
	run_frames(a, 20, 60, &ba);
	run_frames(b, 20, 60, &bb);
	run_frames(c, 20, 60, &bc);
	int same = ba.len == bb.len && memcmp(ba.data, bb.data, ba.len) == 0;
	int differs = ba.len != bc.len || memcmp(ba.data, bc.data, ba.len) != 0;
	size_t len = ba.len;
	tf_buf_free(&ba);
	tf_buf_free(&bb);
	tf_buf_free(&bc);
	tf_sim_free(a);
	tf_sim_free(b);
	tf_sim_free(c);
	TF_CHECK(len > 1000);
	TF_CHECK(same);
	TF_CHECK(differs);
}

/* A symbol's path must not depend on who advanced it when: querying in between changes nothing. */
TF_TEST(exchange_sim_path_independent_of_observation)
{
	tf_sim *a = make(7, 10, false), *b = make(7, 10, false);
	TF_CHECK(a && b);
	for (int64_t t = START + 137; t < START + 300000; t += 137)
		tf_sim_advance(b, 0, t);
	tf_sim_advance(a, 0, START + 300000);
	tf_sim_advance(b, 0, START + 300000);
	tf_sim_stats sa, sb;
	tf_sim_stats24(a, 0, &sa);
	tf_sim_stats24(b, 0, &sb);
	tf_sim_free(a);
	tf_sim_free(b);
	TF_CHECK(sa.last == sb.last && sa.volume == sb.volume && sa.quote_volume == sb.quote_volume);
	TF_CHECK(sa.high == sb.high && sa.low == sb.low && sa.count == sb.count && sa.last_id == sb.last_id);
}

/* 24 h figures recomputed naively from the 1-minute klines of the same window. */
static void check_stats_naive(tf_sim *s, int idx)
{
	tf_sim_stats st;
	tf_sim_stats24(s, idx, &st);
	static tf_sim_kline k[1441];
	size_t n = tf_sim_klines(s, idx, 60000, st.open_time, st.close_time, k, 1441);
	TF_CHECK_EQ_INT(n, 1440);
	TF_CHECK_EQ_INT(k[0].open_time, st.open_time);
	tf_dec hi = k[0].high, lo = k[0].low, v = 0, q = 0;
	int64_t count = 0, first = -1, last = -1;
	for (size_t i = 0; i < n; i++) {
		if (k[i].high > hi)
			hi = k[i].high;
		if (k[i].low < lo)
			lo = k[i].low;
		v += k[i].volume;
		q += k[i].quote_volume;
		count += k[i].count;
		if (k[i].count && first < 0)
			first = k[i].first_id;
		if (k[i].count)
			last = k[i].last_id;
	}
	TF_CHECK(hi == st.high);
	TF_CHECK(lo == st.low);
	TF_CHECK(v == st.volume);
	TF_CHECK_EQ_INT(count, st.count);
	TF_CHECK_EQ_INT(first, st.first_id);
	TF_CHECK_EQ_INT(last, st.last_id);
	TF_CHECK_EQ_INT(last - first + 1, count);
	TF_CHECK(k[n - 1].close == st.last);
	/* quote volume: per-minute rounding to 1e-8 may differ by at most half a unit a minute */
	tf_dec diff = q > st.quote_volume ? q - st.quote_volume : st.quote_volume - q;
	TF_CHECK(diff <= (tf_dec)n);
}

TF_TEST(exchange_sim_stats24_match_naive_recomputation)
{
	tf_sim *s = make(11, 40, false);
	TF_CHECK(s);
	for (int i = 0; i < 40; i += 3) {
		check_stats_naive(s, i);
		if (tf_test_failed())
			break;
	}
	/* after 95 live minutes the window has rolled */
	for (int i = 0; i < 40 && !tf_test_failed(); i += 3) {
		tf_sim_advance(s, i, START + 95 * 60000 + 123);
		check_stats_naive(s, i);
	}
	/* open = the close of the minute just before the window: stocks keep 30 days, so it is held */
	int stock = tf_sim_nsymbols(s);
	tf_sim_advance(s, stock, START + 95 * 60000 + 123);
	tf_sim_stats st;
	tf_sim_stats24(s, stock, &st);
	tf_sim_kline before;
	int ok = tf_sim_kline_at(s, stock, 60000, st.open_time - 60000, &before);
	tf_sim_free(s);
	TF_CHECK(ok);
	TF_CHECK(before.close == st.open);
}

/* After 25 live hours the window holds only live minutes: each one left the window through the
 * tail model (simulated again) and klines older than the recent hour are replayed from hour
 * checkpoints. The naive recomputation must still agree, for a busy and a quiet symbol. */
TF_TEST(exchange_sim_stats24_after_a_live_day)
{
	tf_sim *s = make(12, 12, false);
	TF_CHECK(s);
	int idx[2] = {0, 11};
	for (int j = 0; j < 2 && !tf_test_failed(); j++) {
		for (int64_t t = START; t <= START + 25 * 3600000LL + 777; t += 7 * 60000 + 13)
			tf_sim_advance(s, idx[j], t);
		check_stats_naive(s, idx[j]);
	}
	tf_sim_free(s);
}

/* The 24 h high and low come from monotonic queues; when a queue cannot grow they are recomputed
 * from the minutes. Both ways must give the same figures at every step. */
TF_TEST(exchange_sim_high_low_fallback_agrees)
{
	tf_sim *a = make(13, 2, false), *b = make(13, 2, false);
	TF_CHECK(a && b);
	tf_sim_test_no_queues(b);
	int differ = 0;
	for (int64_t t = START; t <= START + 26 * 3600000LL; t += 23 * 60000 + 7)
		for (int i = 0; i < 2 + tf_sim_nstocks(a); i += 3) {
			tf_sim_advance(a, i, t);
			tf_sim_advance(b, i, t);
			tf_sim_stats sa, sb;
			tf_sim_stats24(a, i, &sa);
			tf_sim_stats24(b, i, &sb);
			differ += sa.high != sb.high || sa.low != sb.low || sa.open != sb.open || sa.volume != sb.volume;
		}
	tf_sim_free(a);
	tf_sim_free(b);
	TF_CHECK_EQ_INT(differ, 0);
}

/* Minute log returns of a stock's 30-day history (43,199 of them) against its configured sigma.
 * The standard error of a sample deviation over n returns is sigma/sqrt(2n) (0.34 % here), so a
 * 6 % tolerance is over 15 standard errors: the check cannot flake, yet catches a wrong scale. */
TF_TEST(exchange_sim_gbm_volatility_matches_config)
{
	tf_sim *s = make(5, 5, true);
	TF_CHECK(s);
	for (int j = 0; j < tf_sim_nstocks(s); j++) {
		int idx = tf_sim_nsymbols(s) + j;
		tf_sim_symbol_info info;
		tf_sim_symbol(s, idx, &info);
		size_t max = 30 * 1440;
		tf_sim_kline *k = malloc(max * sizeof *k);
		TF_CHECK(k);
		size_t n = tf_sim_klines(s, idx, 60000, 0, START, k, max);
		double sum = 0, sum2 = 0;
		for (size_t i = 1; i < n; i++) {
			double r = log((double)k[i].close / (double)k[i - 1].close);
			sum += r;
			sum2 += r * r;
		}
		free(k);
		double m = (double)(n - 1);
		double sd = sqrt((sum2 - sum * sum / m) / (m - 1));
		double want = info.sigma_day / sqrt(1440.0);
		if (n < 40000 || fabs(sd / want - 1) > 0.06 || fabs(sum / m) > 4 * want / sqrt(m)) {
			tf_test_fail(__FILE__, __LINE__, "%s: n=%zu sd=%g want %g mean %g", info.symbol, n, sd, want, sum / m);
			break;
		}
	}
	tf_sim_free(s);
}

/* Live trades one by one: pooled standardized 1-minute returns over 2 hours of 12 symbols. */
TF_TEST(exchange_sim_live_gbm_volatility)
{
	tf_sim *s = make(9, 12, true);
	TF_CHECK(s);
	double sum2 = 0;
	int count = 0;
	for (int i = 0; i < 12; i++) {
		tf_sim_symbol_info info;
		tf_sim_symbol(s, i, &info);
		if (info.trades_per_s < 2)
			continue; /* sparse trading makes minute closes stale */
		tf_sim_advance(s, i, START + 121 * 60000);
		tf_sim_kline k[130];
		size_t n = tf_sim_klines(s, i, 60000, START + 60000, START + 120 * 60000, k, 130);
		double want = info.sigma_day / sqrt(1440.0);
		for (size_t j = 1; j < n; j++) {
			double r = log((double)k[j].close / (double)k[j - 1].close) / want;
			sum2 += r * r;
			count++;
		}
	}
	tf_sim_free(s);
	TF_CHECK(count > 500);
	double ratio = sqrt(sum2 / count);
	if (ratio < 0.8 || ratio > 1.2)
		tf_test_fail(__FILE__, __LINE__, "pooled sd ratio %g over %d returns", ratio, count);
}

TF_TEST(exchange_sim_prices_positive_on_tick_grid)
{
	tf_sim *s = make(3, 300, false);
	TF_CHECK(s);
	static tf_sim_kline k[1441];
	for (int i = 0; i < 300; i++) {
		tf_sim_symbol_info info;
		tf_sim_symbol(s, i, &info);
		size_t n = tf_sim_klines(s, i, 60000, 0, START, k, 1441);
		TF_CHECK(n == 1440);
		for (size_t j = 0; j < n; j++) {
			tf_dec p[4] = {k[j].open, k[j].high, k[j].low, k[j].close};
			for (int x = 0; x < 4; x++) {
				TF_CHECK(p[x] > 0);
				TF_CHECK(p[x] % info.tick_size == 0);
			}
			TF_CHECK(k[j].low <= k[j].open && k[j].open <= k[j].high);
			TF_CHECK(k[j].low <= k[j].close && k[j].close <= k[j].high);
			TF_CHECK(k[j].volume % info.step_size == 0);
			TF_CHECK(k[j].taker_base <= k[j].volume);
		}
	}
	tf_sim_free(s);
}

struct trades_seen {
	int n, same_price, off_grid;
	tf_dec prev, tick;
	int64_t prev_id;
	int id_gaps;
};

static void on_trade(void *ud, int idx, const tf_sim_trade *t)
{
	struct trades_seen *ts = ud;
	if (idx != 0)
		return;
	if (ts->n && t->price == ts->prev)
		ts->same_price++;
	if (t->price % ts->tick)
		ts->off_grid++;
	if (ts->n && t->id != ts->prev_id + 1)
		ts->id_gaps++;
	ts->prev = t->price;
	ts->prev_id = t->id;
	ts->n++;
}

/* Rounding to the tick means some trades leave the price where it was. */
TF_TEST(exchange_sim_tick_rounding_and_trade_ids)
{
	tf_sim *s = make(21, 5, false);
	TF_CHECK(s);
	tf_sim_symbol_info info;
	tf_sim_symbol(s, 0, &info);
	struct trades_seen ts = {.tick = info.tick_size};
	tf_sim_on_trade(s, on_trade, &ts);
	tf_sim_stats before, after;
	tf_sim_stats24(s, 0, &before);
	tf_sim_advance(s, 0, START + 60000);
	tf_sim_stats24(s, 0, &after);
	tf_sim_free(s);
	TF_CHECK(ts.n > 100);
	TF_CHECK(ts.same_price > 0);
	TF_CHECK(ts.same_price < ts.n);
	TF_CHECK_EQ_INT(ts.off_grid, 0);
	TF_CHECK_EQ_INT(ts.id_gaps, 0);
	TF_CHECK_EQ_INT(ts.prev_id, after.last_id);
	TF_CHECK_EQ_INT(after.last_id - before.last_id, ts.n);
	TF_CHECK(after.last == ts.prev);
}

/* Small frames take turns: a load run of 200 records/s in frames of 10 every 50 ms shows every
 * one of 200 symbols, and nearly every visit has news. */
TF_TEST(exchange_sim_frames_round_robin)
{
	tf_sim_config c = {.seed = 1, .nsymbols = 200, .start_ms = START,
			   .extra_trade_rate = tf_sim_rate_for(200, 200)};
	tf_sim *s = NULL;
	TF_CHECK(tf_sim_new(&c, &s) == TF_OK);
	static int seen[200];
	memset(seen, 0, sizeof seen);
	tf_buf b;
	tf_buf_init(&b, 1 << 20);
	size_t total = 0;
	for (int i = 0; i < 400; i++) {
		size_t n;
		tf_buf_reset(&b);
		tf_err err = tf_sim_next_frame(s, START + 60000 + i * 50, 10, &b, &n);
		TF_CHECK(err == TF_OK && n <= 10);
		total += n;
		for (int j = 0; j < 200; j++) {
			tf_sim_symbol_info info;
			tf_sim_symbol(s, j, &info);
			char pat[40];
			snprintf(pat, sizeof pat, "\"s\":\"%s\"", info.symbol);
			if (n && strstr(b.data, pat))
				seen[j]++;
		}
		if (n) {
			TF_CHECK(b.data[0] == '[' && b.data[b.len - 1] == ']');
		} else {
			TF_CHECK(b.len == 0);
		}
	}
	tf_buf_free(&b);
	tf_sim_free(s);
	int missing = 0;
	for (int j = 0; j < 200; j++)
		missing += seen[j] == 0;
	TF_CHECK(total > 3800); /* 400 frames of at most 10 */
	TF_CHECK_EQ_INT(missing, 0);
}

/* A frame that does not fit its buffer fails and loses nothing: the next one carries the news. */
TF_TEST(exchange_sim_frame_too_big_keeps_news)
{
	tf_sim *s = make(1, 50, false);
	TF_CHECK(s);
	tf_buf small, big;
	tf_buf_init(&small, 300);
	tf_buf_init(&big, 1 << 20);
	size_t n1 = 0, n2 = 0;
	tf_err e1 = tf_sim_next_frame(s, START + 5000, 50, &small, &n1);
	tf_err e2 = tf_sim_next_frame(s, START + 5000, 50, &big, &n2);
	tf_buf_free(&small);
	tf_buf_free(&big);
	tf_sim_free(s);
	TF_CHECK_EQ_INT(e1, TF_ERR_TOO_BIG);
	TF_CHECK_EQ_INT(n1, 0);
	TF_CHECK_EQ_INT(e2, TF_OK);
	TF_CHECK(n2 > 5);
}

TF_TEST(exchange_sim_klines_aggregate_minutes)
{
	tf_sim *s = make(8, 3, false);
	TF_CHECK(s);
	tf_sim_advance(s, 0, START + 7 * 60000);
	tf_sim_kline m1[60], m15[4];
	int64_t from = (START / 900000) * 900000 - 2 * 900000;
	size_t n1 = tf_sim_klines(s, 0, 60000, from, from + 30 * 60000 - 1, m1, 60);
	size_t n15 = tf_sim_klines(s, 0, 900000, from, from + 900000, m15, 4);
	tf_sim_free(s);
	TF_CHECK_EQ_INT(n1, 30);
	TF_CHECK_EQ_INT(n15, 2);
	for (int c = 0; c < 2; c++) {
		tf_dec v = 0, hi = 0, lo = m1[c * 15].low;
		int64_t cnt = 0;
		for (int j = c * 15; j < c * 15 + 15; j++) {
			v += m1[j].volume;
			cnt += m1[j].count;
			hi = m1[j].high > hi ? m1[j].high : hi;
			lo = m1[j].low < lo ? m1[j].low : lo;
		}
		TF_CHECK(m15[c].open == m1[c * 15].open && m15[c].close == m1[c * 15 + 14].close);
		TF_CHECK(m15[c].volume == v && m15[c].high == hi && m15[c].low == lo);
		TF_CHECK_EQ_INT(m15[c].count, cnt);
		TF_CHECK_EQ_INT(m15[c].first_id, m1[c * 15].first_id);
		TF_CHECK_EQ_INT(m15[c].close_time, m15[c].open_time + 900000 - 1);
		TF_CHECK(m15[c].closed);
	}
}

TF_TEST(exchange_sim_names_and_lookup)
{
	tf_sim *s = make(99, 2000, false);
	TF_CHECK(s);
	TF_CHECK_EQ_INT(tf_sim_find(s, "BTCUSDT", 7), 0);
	TF_CHECK(tf_sim_find(s, "ETHBTC", 6) > 0);
	TF_CHECK(tf_sim_find(s, "AAPL", 4) >= tf_sim_nsymbols(s));
	TF_CHECK_EQ_INT(tf_sim_find(s, "NOPEUSDT", 8), -1);
	TF_CHECK_EQ_INT(tf_sim_find(s, "BTCUSD", 6), -1);
	/* Old minutes are simulated again rather than stored: far below the 2000 x 1440 x 36 bytes
	 * (104 MB) a ring of minute buckets took. */
	TF_CHECK(tf_sim_state_bytes(s) < 2000 * 16384);
	for (int i = 0; i < 2000; i++) {
		tf_sim_symbol_info a;
		tf_sim_symbol(s, i, &a);
		size_t len = strlen(a.symbol);
		TF_CHECK(len >= 5 && len <= 15);
		TF_CHECK_EQ_INT(tf_sim_find(s, a.symbol, len), i); /* unique */
		for (size_t j = 0; j < len; j++)
			TF_CHECK(a.symbol[j] >= 'A' && a.symbol[j] <= 'Z');
	}
	tf_sim_free(s);
}

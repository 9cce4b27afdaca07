/* test_engine.c — the stream engine against hand-computed cases and a naive reference model:
 * candles by event time, out-of-order and late records, approximate volume, zero prices, alert
 * episodes, and checkpoint/restore at random points giving the same tables as one run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/indicators.h"
#include "engine_fixture.h"
#include "market/market.h"
#include "test.h"

/* Drains and, as a committed store would, forgets the output. */
static tf_err drain_all(tf_engine *e, const tf_engine_sink *sink)
{
	tf_err err = tf_engine_drain(e, sink);
	if (!err)
		tf_engine_drained(e);
	return err;
}

/* A table of rows keyed like the store: upserts keep the last write. */
typedef struct {
	tf_candle_row *rows;
	size_t n, cap;
	tf_alert_row *alerts;
	size_t na, cap_a;
	tf_rate_row *rates;
	size_t nr, cap_r;
} table;

static tf_err on_rate(void *ud, const tf_rate_row *r)
{
	table *t = ud;
	for (size_t i = 0; i < t->nr; i++)
		if (t->rates[i].window_end == r->window_end) {
			t->rates[i] = *r;
			return TF_OK;
		}
	if (t->nr == t->cap_r) {
		t->cap_r = t->cap_r ? t->cap_r * 2 : 64;
		t->rates = realloc(t->rates, t->cap_r * sizeof *t->rates);
	}
	t->rates[t->nr++] = *r;
	return TF_OK;
}

static tf_err on_candle(void *ud, const tf_candle_row *r)
{
	table *t = ud;
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->rows[i].symbol, r->symbol) && t->rows[i].interval_ms == r->interval_ms &&
		    t->rows[i].open_time == r->open_time) {
			t->rows[i] = *r;
			return TF_OK;
		}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->rows = realloc(t->rows, t->cap * sizeof *t->rows);
	}
	t->rows[t->n++] = *r;
	return TF_OK;
}

static tf_err on_alert(void *ud, const tf_alert_row *a)
{
	table *t = ud;
	for (size_t i = 0; i < t->na; i++)
		if (t->alerts[i].id == a->id) {
			t->alerts[i] = *a;
			return TF_OK;
		}
	if (t->na == t->cap_a) {
		t->cap_a = t->cap_a ? t->cap_a * 2 : 64;
		t->alerts = realloc(t->alerts, t->cap_a * sizeof *t->alerts);
	}
	t->alerts[t->na++] = *a;
	return TF_OK;
}

static const tf_candle_row *find(const table *t, const char *sym, int64_t iv, int64_t ot)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->rows[i].symbol, sym) && t->rows[i].interval_ms == iv && t->rows[i].open_time == ot)
			return &t->rows[i];
	return NULL;
}

static size_t count_alerts(const table *t, const char *sym, tf_alert_kind k)
{
	size_t n = 0;
	for (size_t i = 0; i < t->na; i++)
		n += !strcmp(t->alerts[i].symbol, sym) && t->alerts[i].kind == k;
	return n;
}

static void table_free(table *t)
{
	free(t->rows);
	free(t->alerts);
	free(t->rates);
}

static tf_engine *make(int64_t lateness)
{
	tf_engine_cfg cfg;
	tf_engine_cfg_default(&cfg);
	cfg.lateness_ms = lateness;
	tf_engine *e = NULL;
	if (tf_engine_new(&cfg, &e))
		return NULL;
	return e;
}

static tf_verdict add(tf_engine *e, tf_tick t)
{
	tf_verdict v = TF_TICK_LATE;
	char why[160];
	if (tf_engine_add(e, &t, &v, why, sizeof why))
		return (tf_verdict)-1;
	return v;
}

#define T0 1700000040000LL /* a minute boundary: 1700000040000 % 60000 == 0 */

TF_TEST(engine_intervals_parse_and_check)
{
	tf_engine_cfg cfg;
	tf_engine_cfg_default(&cfg);
	char why[128];
	TF_CHECK(T0 % 60000 == 0);
	TF_CHECK_EQ_INT(tf_engine_parse_intervals("1m,5m,1h", &cfg), TF_OK);
	TF_CHECK_EQ_INT(cfg.nintervals, 3);
	TF_CHECK_EQ_INT(cfg.intervals_ms[2], 3600000);
	TF_CHECK_EQ_INT(tf_engine_cfg_check(&cfg, why, sizeof why), TF_OK);
	TF_CHECK_EQ_INT(tf_engine_parse_intervals("1m,,5m", &cfg), TF_ERR_USAGE);
	TF_CHECK_EQ_INT(tf_engine_parse_intervals("1m,", &cfg), TF_ERR_USAGE);
	TF_CHECK_EQ_INT(tf_engine_parse_intervals("5x", &cfg), TF_ERR_USAGE);
	TF_CHECK_EQ_INT(tf_engine_parse_intervals("", &cfg), TF_ERR_USAGE);
	TF_CHECK_EQ_INT(tf_engine_parse_intervals("2m,3m", &cfg), TF_OK);
	TF_CHECK_EQ_INT(tf_engine_cfg_check(&cfg, why, sizeof why), TF_ERR_USAGE); /* 3m is no multiple of 2m */
	TF_CHECK_EQ_INT(tf_engine_parse_intervals("5m,1m", &cfg), TF_OK);
	TF_CHECK_EQ_INT(tf_engine_cfg_check(&cfg, why, sizeof why), TF_ERR_USAGE);
	tf_engine_parse_intervals("1s", &cfg);
	cfg.lateness_ms = 60000;
	TF_CHECK_EQ_INT(tf_engine_cfg_check(&cfg, why, sizeof why), TF_ERR_USAGE);
	char name[TF_INTERVAL_MAX];
	tf_engine_interval_name(300000, name);
	TF_CHECK_EQ_STR(name, "5m");
	tf_engine_interval_name(86400000, name);
	TF_CHECK_EQ_STR(name, "1d");
	tf_engine_interval_name(15000, name);
	TF_CHECK_EQ_STR(name, "15s");
}

TF_TEST(engine_candle_by_event_time_with_out_of_order_and_late)
{
	tf_engine *e = make(2000);
	TF_CHECK(e);
	table t = {0};
	tf_engine_sink sink = {on_candle, on_alert, NULL, NULL, &t};
	TF_CHECK_EQ_INT(add(e, mini("BTCUSDT", T0 + 1000, 100, 100, 1000)), TF_TICK_ACCEPTED);
	TF_CHECK_EQ_INT(add(e, mini("BTCUSDT", T0 + 5000, 103, 100, 1010)), TF_TICK_ACCEPTED);
	TF_CHECK_EQ_INT(add(e, mini("BTCUSDT", T0 + 500, 99, 100, 995)), TF_TICK_ACCEPTED); /* out of order: new open */
	TF_CHECK_EQ_INT(add(e, mini("BTCUSDT", T0 + 30000, 101, 100, 1020)), TF_TICK_ACCEPTED);
	TF_CHECK_EQ_INT(drain_all(e, &sink), TF_OK);
	const tf_candle_row *r = find(&t, "BTCUSDT", 60000, T0);
	TF_CHECK(r);
	TF_CHECK(r->open == D(99) && r->high == D(103) && r->low == D(99) && r->close == D(101));
	TF_CHECK_EQ_INT(r->updates, 4);
	TF_CHECK(!r->final && r->volume_approx);
	TF_CHECK(r->volume == D(25)); /* 1020 - 995: first window measures from its earliest update */
	TF_CHECK(r->spread == D(4));
	/* next minute; 1 s past the boundary the watermark (2 s lateness) has not passed it yet */
	TF_CHECK_EQ_INT(add(e, mini("BTCUSDT", T0 + 61000, 102, 100, 1018)), TF_TICK_ACCEPTED);
	TF_CHECK_EQ_INT(add(e, mini("BTCUSDT", T0 + 59999, 104, 100, 1030)), TF_TICK_ACCEPTED); /* still in time */
	TF_CHECK_EQ_INT(add(e, mini("BTCUSDT", T0 + 62000, 105, 100, 1040)), TF_TICK_ACCEPTED); /* wm = T0+60000 */
	TF_CHECK_EQ_INT(add(e, mini("BTCUSDT", T0 + 59000, 1, 100, 1)), TF_TICK_LATE);
	TF_CHECK_EQ_INT(drain_all(e, &sink), TF_OK);
	r = find(&t, "BTCUSDT", 60000, T0);
	TF_CHECK(r && r->final);
	TF_CHECK(r->close == D(104) && r->high == D(104) && r->updates == 5);
	TF_CHECK(r->volume == D(35)); /* 1030 - 995 */
	r = find(&t, "BTCUSDT", 60000, T0 + 60000);
	TF_CHECK(r && !r->final);
	TF_CHECK(r->open == D(102) && r->close == D(105) && r->updates == 2);
	TF_CHECK(r->volume == D(10)); /* 1040 - 1030 (previous window's last) */
	/* the 24 h volume falls (old trades leave the rolling window): clamped at 0 */
	TF_CHECK_EQ_INT(add(e, mini("BTCUSDT", T0 + 63000, 105, 100, 900)), TF_TICK_ACCEPTED);
	TF_CHECK_EQ_INT(drain_all(e, &sink), TF_OK);
	r = find(&t, "BTCUSDT", 60000, T0 + 60000);
	TF_CHECK(r->volume == 0);
	TF_CHECK(r->change_24h_pct.valid && fabs(r->change_24h_pct.v - 5.0) < 1e-12);
	r = find(&t, "BTCUSDT", 300000, T0 - T0 % 300000); /* T0 is 1 min before a 5 min boundary */
	TF_CHECK(r && r->final && r->updates == 5);
	r = find(&t, "BTCUSDT", 300000, T0 + 60000);
	TF_CHECK(r && !r->final && r->updates == 3);
	tf_engine_stats st;
	tf_engine_stats_get(e, &st);
	TF_CHECK_EQ_INT(st.late, 1);
	TF_CHECK_EQ_INT(st.accepted, 8);
	TF_CHECK_EQ_INT(st.watermark, T0 + 61000);
	table_free(&t);
	tf_engine_free(e);
}

TF_TEST(engine_dead_symbol_gives_null_not_inf)
{
	tf_engine *e = make(0);
	table t = {0};
	tf_engine_sink sink = {on_candle, on_alert, NULL, NULL, &t};
	for (int i = 0; i < 3; i++)
		TF_CHECK_EQ_INT(add(e, mini("DEADUSDT", T0 + i * 1000, 0, 0, 0)), TF_TICK_ACCEPTED);
	TF_CHECK_EQ_INT(drain_all(e, &sink), TF_OK);
	const tf_candle_row *r = find(&t, "DEADUSDT", 60000, T0);
	TF_CHECK(r);
	TF_CHECK(!r->ret.valid && !r->rel_vol.valid && !r->change_24h_pct.valid && !r->vwap.valid);
	TF_CHECK(r->mid.valid && r->mid.v == 0);
	TF_CHECK_EQ_INT(t.na, 0);
	TF_CHECK(!tf_ind_ratio(1, 0).valid && !tf_ind_ratio(0, 0).valid && tf_ind_ratio(0, 1).valid);
	table_free(&t);
	tf_engine_free(e);
}

TF_TEST(engine_alerts_once_per_episode)
{
	tf_engine *e = make(0);
	table t = {0};
	tf_engine_sink sink = {on_candle, on_alert, NULL, NULL, &t};
	/* 24 h change: 6 % (raise), 7 % (same episode), 1 % (ends), 8 % (new episode) */
	add(e, mini("ETHUSDT", T0 + 1000, 106, 100, 1));
	add(e, mini("ETHUSDT", T0 + 2000, 107, 100, 1));
	add(e, mini("ETHUSDT", T0 + 3000, 101, 100, 1));
	add(e, mini("ETHUSDT", T0 + 4000, 108, 100, 1));
	add(e, mini("ETHUSDT", T0 + 4500, 94, 100, 1)); /* -6 %: still beyond 5 %, same episode */
	TF_CHECK_EQ_INT(drain_all(e, &sink), TF_OK);
	TF_CHECK_EQ_INT(count_alerts(&t, "ETHUSDT", TF_ALERT_CHANGE_24H), 2);
	/* stale: nothing from ETHUSDT while BTCUSDT moves the watermark 70 s on */
	for (int i = 0; i <= 70; i++)
		add(e, mini("BTCUSDT", T0 + 5000 + i * 1000, 100, 100, 1));
	TF_CHECK_EQ_INT(drain_all(e, &sink), TF_OK);
	TF_CHECK_EQ_INT(count_alerts(&t, "ETHUSDT", TF_ALERT_STALE), 1);
	TF_CHECK_EQ_INT(count_alerts(&t, "BTCUSDT", TF_ALERT_STALE), 0);
	size_t i;
	for (i = 0; i < t.na && t.alerts[i].kind != TF_ALERT_STALE; i++)
		;
	TF_CHECK_EQ_INT(t.alerts[i].event_time, T0 + 4500 + 60000);
	/* ETH comes back, then goes silent again: a second episode */
	add(e, mini("ETHUSDT", T0 + 76000, 100, 100, 1));
	for (int j = 0; j <= 70; j++)
		add(e, mini("BTCUSDT", T0 + 76000 + j * 1000, 100, 100, 1));
	TF_CHECK_EQ_INT(drain_all(e, &sink), TF_OK);
	TF_CHECK_EQ_INT(count_alerts(&t, "ETHUSDT", TF_ALERT_STALE), 2);
	table_free(&t);
	tf_engine_free(e);
}

TF_TEST(engine_volatility_above_cross_sectional_q3)
{
	tf_engine *e = make(0);
	table t = {0};
	tf_engine_sink sink = {on_candle, on_alert, NULL, NULL, &t};
	const char *syms[] = {"AUSDT", "BUSDT", "CUSDT", "DUSDT", "EUSDT"};
	/* minute 0: ranges 1,2,3,4,20 % ; minute 1: same; minute 2: all equal */
	for (int m = 0; m < 3; m++)
		for (int s = 0; s < 5; s++) {
			double range = m == 2 ? 1 : (s == 4 ? 20 : s + 1);
			add(e, mini(syms[s], T0 + m * 60000 + 1000, 100, 100, 1));
			add(e, mini(syms[s], T0 + m * 60000 + 2000, 100 + range, 100, 1));
		}
	add(e, mini("AUSDT", T0 + 4 * 60000, 100, 100, 1)); /* closes minute 2 */
	TF_CHECK_EQ_INT(drain_all(e, &sink), TF_OK);
	/* q3 of {1,2,3,4,20}-ish relative ranges lies between D and E's: only E, once for minutes 0-1 */
	TF_CHECK_EQ_INT(count_alerts(&t, "EUSDT", TF_ALERT_VOLATILITY), 1);
	TF_CHECK_EQ_INT(count_alerts(&t, "DUSDT", TF_ALERT_VOLATILITY), 0);
	TF_CHECK_EQ_INT(count_alerts(&t, "AUSDT", TF_ALERT_VOLATILITY), 0);
	double v[] = {5, 1, 4, 2, 3};
	TF_CHECK(tf_ind_quantile(v, 5, 0.75) == 4);
	double w[] = {1, 2, 3, 4};
	TF_CHECK(tf_ind_quantile(w, 4, 0.75) == 3.25);
	table_free(&t);
	tf_engine_free(e);
}

TF_TEST(engine_return_beyond_k_sigma)
{
	tf_engine *e = make(0);
	table t = {0};
	tf_engine_sink sink = {on_candle, on_alert, NULL, NULL, &t};
	double price = 100;
	for (int m = 0; m < 30; m++) {
		double close = m == 20 || m == 21 ? price * 1.2 : price * (m % 2 ? 1.001 : 0.999);
		add(e, mini("XUSDT", T0 + m * 60000 + 1000, price, price, 1));
		add(e, mini("XUSDT", T0 + m * 60000 + 2000, close, price, 1));
		price = close;
	}
	TF_CHECK_EQ_INT(drain_all(e, &sink), TF_OK);
	/* minutes 20 and 21 both jump: one episode, one alert, stamped at the end of minute 20 */
	TF_CHECK_EQ_INT(count_alerts(&t, "XUSDT", TF_ALERT_RETURN_SIGMA), 1);
	for (size_t i = 0; i < t.na; i++)
		if (t.alerts[i].kind == TF_ALERT_RETURN_SIGMA)
			TF_CHECK_EQ_INT(t.alerts[i].event_time, T0 + 21 * 60000);
	table_free(&t);
	tf_engine_free(e);
}

static tf_err feed_tick(void *ud, const tf_tick *tick)
{
	tf_verdict v;
	char why[160];
	return tf_engine_add(ud, tick, &v, why, sizeof why);
}

TF_TEST(engine_decodes_real_sample_frame)
{
	size_t len;
	char *frame = tf_test_read_sample("unicornfy_spot_miniTicker_arr_raw_26symbols.json", &len);
	TF_CHECK(frame);
	tf_engine *e = make(2000);
	table t = {0};
	tf_engine_sink sink = {on_candle, on_alert, NULL, NULL, &t};
	tf_tick_handler h = {feed_tick, NULL, e};
	tf_msg_kind kind;
	tf_decode_err derr;
	TF_CHECK_EQ_INT(tf_market_decode_ws(frame, len, &kind, &h, &derr), TF_OK);
	TF_CHECK_EQ_INT(drain_all(e, &sink), TF_OK);
	tf_engine_stats st;
	tf_engine_stats_get(e, &st);
	TF_CHECK_EQ_INT(st.accepted, 26);
	TF_CHECK_EQ_INT(st.symbols, 26);
	TF_CHECK_EQ_INT(t.n, 26 * 3); /* one open candle per symbol and interval */
	for (size_t i = 0; i < t.n; i++)
		TF_CHECK(t.rows[i].updates == 1 && !t.rows[i].final && t.rows[i].volume == 0);
	free(frame);
	table_free(&t);
	tf_engine_free(e);
}

/* ---- random streams: reference model and checkpoint/restore ---- */

typedef struct {
	tf_tick t;
	int seq;
} acc_tick;

static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* A stream with jumps, dead symbols, out-of-order and late records and a silent symbol. */
static size_t gen(tf_tick *out, size_t n, int nsym)
{
	double price[16], vol[16];
	for (int s = 0; s < nsym; s++) {
		price[s] = s == 0 ? 0 : 10 + s;
		vol[s] = 1000;
	}
	int64_t now = T0 - 30000;
	for (size_t i = 0; i < n; i++) {
		int s = (int)(rnd() % (uint64_t)nsym);
		if (s == nsym - 1 && i > n / 3 && i < 2 * n / 3)
			s = 1; /* the last symbol goes silent for a while: stale */
		now += (int64_t)(rnd() % (i > 6 * n / 10 && i < 65 * n / 100 ? 40 : 400)); /* a burst: trend */
		int64_t t = now;
		uint64_t r = rnd() % 100;
		if (r < 10)
			t -= (int64_t)(rnd() % 2500); /* out of order, mostly within lateness */
		else if (r < 12)
			t -= 5000 + (int64_t)(rnd() % 60000); /* late */
		if (price[s] > 0) {
			double step = ((double)(rnd() % 2001) - 1000) / 100000.0;
			if (rnd() % 200 == 0)
				step *= 30; /* jump */
			price[s] *= 1 + step;
		}
		vol[s] += (double)(rnd() % 1000) / 10.0 - (rnd() % 10 == 0 ? 60 : 0);
		char sym[16];
		snprintf(sym, sizeof sym, "S%dUSDT", s);
		out[i] = mini(sym, t, price[s], s == 0 ? 0 : 10 + s, vol[s] < 0 ? 0 : vol[s]);
	}
	return n;
}

static int cmp_acc(const void *a, const void *b)
{
	const acc_tick *x = a, *y = b;
	int c = strcmp(x->t.symbol, y->t.symbol);
	if (c)
		return c;
	if (x->t.event_time != y->t.event_time)
		return x->t.event_time < y->t.event_time ? -1 : 1;
	return x->seq - y->seq;
}

static bool maybe_eq(tf_maybe a, tf_maybe b) { return a.valid == b.valid && (!a.valid || a.v == b.v); }

static bool row_eq(const tf_candle_row *a, const tf_candle_row *b)
{
	return !strcmp(a->symbol, b->symbol) && !strcmp(a->interval, b->interval) && a->open_time == b->open_time &&
	       a->open == b->open && a->high == b->high && a->low == b->low && a->close == b->close &&
	       a->volume == b->volume && a->quote_volume == b->quote_volume && a->spread == b->spread &&
	       a->updates == b->updates && a->final == b->final && a->volume_approx == b->volume_approx &&
	       maybe_eq(a->mid, b->mid) && maybe_eq(a->ret, b->ret) && maybe_eq(a->rel_vol, b->rel_vol) &&
	       maybe_eq(a->ma7, b->ma7) && maybe_eq(a->ma25, b->ma25) && maybe_eq(a->sd_logret, b->sd_logret) &&
	       maybe_eq(a->vwap, b->vwap) && maybe_eq(a->change_24h_pct, b->change_24h_pct);
}

/* Naive candles from the accepted ticks sorted by (symbol, event time, arrival), compared with the
 * engine's table. */
static int check_reference(const table *t, acc_tick *acc, size_t nacc, const tf_engine_cfg *cfg, int64_t wm)
{
	qsort(acc, nacc, sizeof *acc, cmp_acc);
	size_t checked = 0;
	for (int k = 0; k < cfg->nintervals; k++) {
		int64_t iv = cfg->intervals_ms[k];
		double closes[4096];
		size_t nc = 0;
		tf_dec prev_vlast = 0;
		bool have_prev = false;
		for (size_t a = 0, b; a < nacc; a = b) {
			if (a == 0 || strcmp(acc[a].t.symbol, acc[a - 1].t.symbol)) {
				nc = 0;
				have_prev = false;
			}
			int64_t ot = acc[a].t.event_time - acc[a].t.event_time % iv;
			tf_dec o = acc[a].t.s24.last, h = o, l = o, c = o, vfirst = acc[a].t.s24.volume, vlast = vfirst;
			int64_t n = 0;
			for (b = a; b < nacc && !strcmp(acc[b].t.symbol, acc[a].t.symbol) &&
				    acc[b].t.event_time - acc[b].t.event_time % iv == ot;
			     b++, n++) {
				tf_dec p = acc[b].t.s24.last;
				h = p > h ? p : h;
				l = p < l ? p : l;
				c = p;
				vlast = acc[b].t.s24.volume;
			}
			tf_dec vref = have_prev ? prev_vlast : vfirst;
			tf_dec vol = vlast > vref ? vlast - vref : 0;
			prev_vlast = vlast;
			have_prev = true;
			if (nc < 4096)
				closes[nc++] = tf_dec_to_double(c);
			const tf_candle_row *r = find(t, acc[a].t.symbol, iv, ot);
			if (!r) {
				tf_test_fail(__FILE__, __LINE__, "no candle %s %lld %lld", acc[a].t.symbol, (long long)iv, (long long)ot);
				return 0;
			}
			tf_maybe ma7 = tf_ind_mean_last(closes, nc, 7);
			if (r->open != o || r->high != h || r->low != l || r->close != c || r->updates != n || r->volume != vol ||
			    r->final != (ot + iv <= wm) || !maybe_eq(r->ma7, ma7)) {
				tf_test_fail(__FILE__, __LINE__, "candle %s %lld %lld differs from the reference", r->symbol,
					     (long long)iv, (long long)ot);
				return 0;
			}
			checked++;
		}
	}
	if (checked != t->n) {
		tf_test_fail(__FILE__, __LINE__, "%zu candles in the table, %zu in the reference", t->n, checked);
		return 0;
	}
	return 1;
}

typedef struct {
	char sym[16][TF_SYMBOL_MAX];
	uint8_t blob[16][8192];
	size_t len[16];
	int n;
} state_store;

static tf_err on_state(void *ud, const char *symbol, const void *blob, size_t len)
{
	state_store *st = ud;
	int i = 0;
	while (i < st->n && strcmp(st->sym[i], symbol))
		i++;
	if (i == 16 || len > sizeof st->blob[0])
		return TF_ERR_TOO_BIG;
	if (i == st->n)
		snprintf(st->sym[st->n++], TF_SYMBOL_MAX, "%s", symbol);
	memcpy(st->blob[i], blob, len);
	st->len[i] = len;
	return TF_OK;
}

typedef struct {
	table *t;
	state_store *st;
} both;

static tf_err fail_candle(void *ud, const tf_candle_row *r)
{
	int *budget = ud;
	return --*budget < 0 ? TF_ERR_IO : TF_OK;
}

static tf_err b_candle(void *ud, const tf_candle_row *r) { return on_candle(((both *)ud)->t, r); }
static tf_err b_alert(void *ud, const tf_alert_row *a) { return on_alert(((both *)ud)->t, a); }
static tf_err b_rate(void *ud, const tf_rate_row *r) { return on_rate(((both *)ud)->t, r); }
static tf_err b_state(void *ud, const char *s, const void *blob, size_t len) { return on_state(((both *)ud)->st, s, blob, len); }

TF_TEST(engine_matches_reference_and_restores_from_checkpoints)
{
	enum { N = 20000, NSYM = 9 };
	static tf_tick ticks[N];
	static acc_tick acc[N];
	rng_state = 0x9e3779b97f4a7c15ULL;
	gen(ticks, N, NSYM);
	tf_engine_cfg cfg;
	tf_engine_cfg_default(&cfg);
	cfg.return_k = 2.5;
	cfg.change_pct = 2.0;
	cfg.stale_ms = 20000;
	/* run A: one engine, drained every 1000 records */
	tf_engine *a = NULL;
	TF_CHECK_EQ_INT(tf_engine_new(&cfg, &a), TF_OK);
	table ta = {0}, tb = {0};
	tf_engine_sink sa = {on_candle, on_alert, on_rate, NULL, &ta};
	size_t nacc = 0, late = 0;
	for (size_t i = 0; i < N; i++) {
		tf_verdict v;
		char why[160];
		TF_CHECK_EQ_INT(tf_engine_add(a, &ticks[i], &v, why, sizeof why), TF_OK);
		if (v == TF_TICK_ACCEPTED)
			acc[nacc++] = (acc_tick){ticks[i], (int)i};
		else {
			late++;
			TF_CHECK(!strncmp(why, "late: 1m window", 15));
		}
		if (i % 1000 == 999)
			TF_CHECK_EQ_INT(drain_all(a, &sa), TF_OK);
	}
	TF_CHECK_EQ_INT(drain_all(a, &sa), TF_OK);
	tf_engine_stats st;
	tf_engine_stats_get(a, &st);
	TF_CHECK(late > 100 && late < N / 10);
	TF_CHECK_EQ_INT(st.late, late);
	TF_CHECK(count_alerts(&ta, "S8USDT", TF_ALERT_STALE) >= 1);
	size_t kinds[TF_ALERT_KINDS_] = {0};
	for (size_t i = 0; i < ta.na; i++)
		kinds[ta.alerts[i].kind]++;
	for (int k = 0; k < TF_ALERT_KINDS_; k++)
		TF_CHECK(kinds[k] > 0);
	TF_CHECK(check_reference(&ta, acc, nacc, &cfg, st.watermark));
	/* run B: drained, checkpointed, destroyed and restored at random points */
	static state_store ss;
	memset(&ss, 0, sizeof ss);
	both bb = {&tb, &ss};
	tf_engine_sink sb = {b_candle, b_alert, b_rate, b_state, &bb};
	tf_buf part;
	tf_buf_init(&part, 1 << 16);
	tf_engine *b = NULL;
	TF_CHECK_EQ_INT(tf_engine_new(&cfg, &b), TF_OK);
	int restores = 0;
	for (size_t i = 0; i < N; i++) {
		tf_verdict v;
		char why[160];
		TF_CHECK_EQ_INT(tf_engine_add(b, &ticks[i], &v, why, sizeof why), TF_OK);
		if (rnd() % 700 == 0) {
			/* a store that fails mid-batch: nothing may be lost by draining again */
			int budget = (int)(rnd() % 20);
			tf_engine_sink failing = {fail_candle, NULL, NULL, NULL, &budget};
			TF_CHECK_EQ_INT(tf_engine_drain(b, &failing), budget < 0 ? TF_ERR_IO : TF_OK);
			TF_CHECK_EQ_INT(drain_all(b, &sb), TF_OK);
			tf_buf_reset(&part);
			TF_CHECK_EQ_INT(tf_engine_save_partition(b, &part), TF_OK);
			tf_engine_free(b);
			b = NULL;
			TF_CHECK_EQ_INT(tf_engine_new(&cfg, &b), TF_OK);
			TF_CHECK_EQ_INT(tf_engine_load_partition(b, part.data, part.len), TF_OK);
			for (int s = 0; s < ss.n; s++)
				TF_CHECK_EQ_INT(tf_engine_load_symbol(b, ss.blob[s], ss.len[s]), TF_OK);
			restores++;
		}
	}
	TF_CHECK_EQ_INT(drain_all(b, &sb), TF_OK);
	TF_CHECK(restores >= 10);
	/* sliding windows: one per 5 s of event time, each identical after the restores */
	TF_CHECK(ta.nr > 100);
	TF_CHECK_EQ_INT(ta.nr, tb.nr);
	for (size_t i = 0; i < ta.nr; i++) {
		const tf_rate_row *x = &ta.rates[i], *y = &tb.rates[i];
		TF_CHECK(x->window_end == y->window_end && x->updates == y->updates && maybe_eq(x->zscore, y->zscore) &&
			 !memcmp(x->hist, y->hist, sizeof x->hist));
	}
	TF_CHECK_EQ_INT(ta.n, tb.n);
	TF_CHECK_EQ_INT(ta.na, tb.na);
	for (size_t i = 0; i < ta.n; i++) {
		const tf_candle_row *r = find(&tb, ta.rows[i].symbol, ta.rows[i].interval_ms, ta.rows[i].open_time);
		TF_CHECK(r && row_eq(r, &ta.rows[i]));
	}
	for (size_t i = 0; i < ta.na; i++) {
		size_t j = 0;
		while (j < tb.na && tb.alerts[j].id != ta.alerts[i].id)
			j++;
		TF_CHECK(j < tb.na && tb.alerts[j].event_time == ta.alerts[i].event_time &&
			 tb.alerts[j].value == ta.alerts[i].value && !strcmp(tb.alerts[j].detail, ta.alerts[i].detail));
	}
	/* every strict prefix of a symbol blob, and a flipped count, is rejected without harm */
	tf_engine *c = NULL;
	TF_CHECK_EQ_INT(tf_engine_new(&cfg, &c), TF_OK);
	for (size_t cut = 0; cut < ss.len[1]; cut++)
		TF_CHECK(tf_engine_load_symbol(c, ss.blob[1], cut) != TF_OK);
	for (size_t cut = 0; cut < part.len; cut++)
		TF_CHECK(tf_engine_load_partition(c, part.data, cut) != TF_OK);
	ss.blob[1][3 + strlen(ss.sym[1]) + 8 + 16 + TF_ALERT_KINDS_] = 200; /* nrets */
	TF_CHECK(tf_engine_load_symbol(c, ss.blob[1], ss.len[1]) != TF_OK);
	tf_engine_stats_get(c, &st);
	TF_CHECK_EQ_INT(st.symbols, 0);
	tf_engine_free(c);
	tf_buf_free(&part);
	tf_engine_free(a);
	tf_engine_free(b);
	table_free(&ta);
	table_free(&tb);
}

static tf_tick trade(const char *sym, int64_t t, double price, double qty)
{
	tf_tick k;
	memset(&k, 0, sizeof k);
	k.kind = TF_TICK_TRADE;
	snprintf(k.symbol, sizeof k.symbol, "%s", sym);
	k.event_time = t;
	k.trade.price = D(price);
	k.trade.qty = D(qty);
	return k;
}

TF_TEST(engine_trades_give_exact_volume_and_vwap)
{
	tf_engine *e = make(2000);
	table t = {0};
	tf_engine_sink sink = {on_candle, on_alert, NULL, NULL, &t};
	TF_CHECK_EQ_INT(add(e, trade("BTCUSDT", T0 + 1000, 10, 1)), TF_TICK_ACCEPTED);
	TF_CHECK_EQ_INT(add(e, trade("BTCUSDT", T0 + 2000, 20, 3)), TF_TICK_ACCEPTED);
	TF_CHECK_EQ_INT(add(e, trade("BTCUSDT", T0 + 3000, 15, 0)), TF_TICK_ACCEPTED);
	TF_CHECK_EQ_INT(drain_all(e, &sink), TF_OK);
	const tf_candle_row *r = find(&t, "BTCUSDT", 60000, T0);
	TF_CHECK(r && !r->volume_approx);
	TF_CHECK(r->volume == D(4) && r->quote_volume == D(70));
	TF_CHECK(r->vwap.valid && r->vwap.v == 17.5);
	TF_CHECK(r->open == D(10) && r->high == D(20) && r->low == D(10) && r->close == D(15));
	TF_CHECK(!r->change_24h_pct.valid);
	/* a zero-quantity window has no VWAP rather than nan */
	TF_CHECK_EQ_INT(add(e, trade("ETHUSDT", T0 + 1000, 10, 0)), TF_TICK_ACCEPTED);
	TF_CHECK_EQ_INT(drain_all(e, &sink), TF_OK);
	r = find(&t, "ETHUSDT", 60000, T0);
	TF_CHECK(r && !r->vwap.valid);
	table_free(&t);
	tf_engine_free(e);
}

/* A window whose close comes from a trade after a miniTicker: change_24h_pct keeps the miniTicker's
 * 24 h figures (the window stores that last price apart from the close only then), also through a
 * checkpoint taken in between and after a later miniTicker takes the close back. */
TF_TEST(engine_change_24h_survives_a_trade_close_and_a_restore)
{
	tf_engine *e = make(2000);
	table t = {0};
	static state_store ss;
	both bt = {&t, &ss};
	tf_engine_sink sink = {b_candle, b_alert, b_rate, b_state, &bt};
	TF_CHECK_EQ_INT(add(e, mini("BTCUSDT", T0 + 1000, 105, 100, 10)), TF_TICK_ACCEPTED);
	TF_CHECK_EQ_INT(add(e, trade("BTCUSDT", T0 + 2000, 90, 1)), TF_TICK_ACCEPTED);
	TF_CHECK_EQ_INT(drain_all(e, &sink), TF_OK);
	const tf_candle_row *r = find(&t, "BTCUSDT", 60000, T0);
	TF_CHECK(r && r->close == D(90) && r->last_event_time == T0 + 2000);
	TF_CHECK(r->change_24h_pct.valid && fabs(r->change_24h_pct.v - 5.0) < 1e-12);
	/* restore from the checkpoint, then a second trade and an older miniTicker (no new close) */
	tf_buf part;
	tf_buf_init(&part, 1 << 20);
	TF_CHECK_EQ_INT(tf_engine_save_partition(e, &part), TF_OK);
	tf_engine *b = make(2000);
	TF_CHECK_EQ_INT(tf_engine_load_partition(b, part.data, part.len), TF_OK);
	for (int i = 0; i < ss.n; i++)
		TF_CHECK_EQ_INT(tf_engine_load_symbol(b, ss.blob[i], ss.len[i]), TF_OK);
	for (int pass = 0; pass < 2; pass++) {
		tf_engine *x = pass ? b : e;
		TF_CHECK_EQ_INT(add(x, trade("BTCUSDT", T0 + 3000, 80, 1)), TF_TICK_ACCEPTED);
		TF_CHECK_EQ_INT(add(x, mini("BTCUSDT", T0 + 1500, 120, 100, 11)), TF_TICK_ACCEPTED);
		TF_CHECK_EQ_INT(drain_all(x, &sink), TF_OK);
		r = find(&t, "BTCUSDT", 60000, T0);
		TF_CHECK(r && r->close == D(80) && r->high == D(120) && r->updates == 4);
		TF_CHECK(r->change_24h_pct.valid && fabs(r->change_24h_pct.v - 5.0) < 1e-12);
		/* a newer miniTicker takes the close and the 24 h figures */
		TF_CHECK_EQ_INT(add(x, mini("BTCUSDT", T0 + 4000, 110, 100, 12)), TF_TICK_ACCEPTED);
		TF_CHECK_EQ_INT(drain_all(x, &sink), TF_OK);
		r = find(&t, "BTCUSDT", 60000, T0);
		TF_CHECK(r && r->close == D(110));
		TF_CHECK(r->change_24h_pct.valid && fabs(r->change_24h_pct.v - 10.0) < 1e-12);
	}
	tf_buf_free(&part);
	table_free(&t);
	tf_engine_free(e);
	tf_engine_free(b);
}

TF_TEST(engine_sliding_windows_rates_and_trend)
{
	tf_engine *e = make(0);
	tf_engine_set_scope(e, "p7");
	table t = {0};
	tf_engine_sink sink = {on_candle, on_alert, on_rate, NULL, &t};
	/* one update a second for 5 minutes, price rising 0.05 % each time; then 20 a second */
	double price = 100;
	for (int i = 0; i < 300; i++, price *= 1.0005)
		add(e, mini("BTCUSDT", T0 + i * 1000, price, 100, 1));
	for (int i = 0; i < 400; i++)
		add(e, mini("ETHUSDT", T0 + 300000 + i * 50, 100, 100, 1));
	TF_CHECK_EQ_INT(drain_all(e, &sink), TF_OK);
	TF_CHECK(t.nr > 60);
	const tf_rate_row *r = NULL;
	for (size_t i = 0; i < t.nr; i++)
		if (t.rates[i].window_end == T0 + 120000)
			r = &t.rates[i];
	TF_CHECK(r && !strcmp(r->scope, "p7") && r->size_ms == 60000);
	TF_CHECK_EQ_INT(r->updates, 60); /* (T0 + 60 s, T0 + 120 s] by 5 s buckets: 60 records */
	TF_CHECK(r->updates_per_s == 1.0);
	TF_CHECK_EQ_INT(r->hist[5], 60); /* +0.05 %: the 0.01 %..0.1 % bin */
	TF_CHECK(r->zscore.valid && r->zscore.v > 0); /* a full window above the ramp-up history */
	/* the burst: one trend alert for partition 7 */
	size_t trend = count_alerts(&t, "@p7", TF_ALERT_TREND);
	TF_CHECK_EQ_INT(trend, 1);
	table_free(&t);
	tf_engine_free(e);
}

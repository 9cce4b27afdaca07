/* test_exchange_rest.c — the REST endpoints (validation, weights, 429) and every payload the
 * exchange emits, decoded back with the market branch's decoders (the consumers tickflow itself
 * uses) and compared with the simulator's state. */
#include <stdlib.h>

#include "exchange/render.h"
#include "exchange/rest.h"
#include "exchange/streams.h"
#include "market/market.h"
#include "market_collect.h"
#include "test.h"

#define START 1700000000000LL

static tf_sim *make(int n)
{
	tf_sim_config c = {.seed = 42, .nsymbols = n, .start_ms = START};
	tf_sim *s = NULL;
	return tf_sim_new(&c, &s) == TF_OK ? s : NULL;
}

typedef struct {
	tf_sim *sim;
	tf_xweight w;
	tf_buf body;
	tf_xrest_meta meta;
} fixture;

static fixture *fx_new(int n, int64_t limit)
{
	fixture *f = calloc(1, sizeof *f);
	f->sim = make(n);
	tf_xweight_init(&f->w, limit);
	tf_buf_init(&f->body, 1 << 26);
	return f;
}

static void fx_free(fixture *f)
{
	tf_sim_free(f->sim);
	tf_buf_free(&f->body);
	free(f);
}

/* GET path?query at time t (default: the sim's time); returns the status. */
static int get(fixture *f, const char *path, const char *query)
{
	tf_err err = tf_xrest_handle(f->sim, &f->w, "GET", path, query, "127.0.0.1:4242", START + 1000, &f->body, &f->meta);
	return err ? -1 : f->meta.status;
}

static int64_t error_code(fixture *f)
{
	int64_t code = 0;
	tf_decode_err derr;
	if (tf_market_decode_binance_error(f->body.data, f->body.len, &code, &derr) != TF_ERR_REMOTE)
		return 0;
	return code;
}

TF_TEST(exchange_rest_ping_time_404)
{
	fixture *f = fx_new(30, 6000);
	TF_CHECK_EQ_INT(get(f, "/api/v3/ping", ""), 200);
	TF_CHECK_EQ_STR(f->body.data, "{}");
	TF_CHECK_EQ_INT(f->meta.used_weight, 1);
	TF_CHECK_EQ_INT(get(f, "/api/v3/time", ""), 200);
	TF_CHECK_EQ_STR(f->body.data, "{\"serverTime\":1700000001000}");
	TF_CHECK_EQ_INT(get(f, "/api/v3/nope", ""), 404);
	TF_CHECK_EQ_INT(f->meta.used_weight, 2); /* reported, not charged */
	TF_CHECK_EQ_INT(get(f, "/", ""), 404);
	TF_CHECK_EQ_INT(get(f, "/api/v3/ping", "x=1"), 400);
	TF_CHECK_EQ_INT(error_code(f), -1104);
	TF_CHECK(tf_xrest_handle(f->sim, &f->w, "POST", "/api/v3/ping", "", "1.2.3.4:5", START, &f->body, &f->meta) == TF_OK);
	TF_CHECK_EQ_INT(f->meta.status, 405);
	fx_free(f);
}

TF_TEST(exchange_rest_ticker24_matches_stream_state)
{
	fixture *f = fx_new(40, 6000);
	tf_buf frame;
	tf_buf_init(&frame, 1 << 20);
	size_t nrec;
	TF_CHECK(tf_sim_next_frame(f->sim, START + 1000, 40, &frame, &nrec) == TF_OK);
	collect mini, rest;
	tf_tick_handler hm = collect_handler(&mini);
	tf_tick_handler hr = collect_handler(&rest);
	tf_msg_kind kind;
	tf_decode_err derr;
	TF_CHECK(tf_market_decode_ws(frame.data, frame.len, &kind, &hm, &derr) == TF_OK);
	TF_CHECK_EQ_INT(mini.n, nrec);
	TF_CHECK_EQ_INT(mini.bad, 0);
	TF_CHECK_EQ_INT(get(f, "/api/v3/ticker/24hr", ""), 200);
	TF_CHECK_EQ_INT(f->meta.used_weight, 80);
	TF_CHECK(tf_market_decode_rest_24hr(f->body.data, f->body.len, &hr, &derr) == TF_OK);
	TF_CHECK_EQ_INT(rest.n, 40);
	TF_CHECK_EQ_INT(rest.bad, 0);
	/* every frame element has the same figures as the REST answer of that symbol */
	for (size_t i = 0; i < mini.n; i++) {
		const tf_tick *m = &mini.ticks[i];
		const tf_tick *r = NULL;
		for (size_t j = 0; j < rest.n; j++)
			if (!strcmp(rest.ticks[j].symbol, m->symbol))
				r = &rest.ticks[j];
		TF_CHECK(r);
		TF_CHECK(m->s24.last == r->s24.last && m->s24.open == r->s24.open);
		TF_CHECK(m->s24.high == r->s24.high && m->s24.low == r->s24.low);
		TF_CHECK(m->s24.volume == r->s24.volume && m->s24.quote_volume == r->s24.quote_volume);
		TF_CHECK_EQ_INT(r->s24.last_id - r->s24.first_id + 1, r->s24.trades);
		TF_CHECK_EQ_INT(m->event_time, START + 1000);
	}
	/* priceChangePercent is printed with 3 decimals, and agrees with the prices */
	char pct[32];
	tf_xrender_pct(rest.ticks[0].s24.open, rest.ticks[0].s24.last, pct);
	const char *p = strstr(rest.ticks[0].raw, "\"priceChangePercent\":\"");
	TF_CHECK(p && strncmp(p + 22, pct, strlen(pct)) == 0 && p[22 + strlen(pct)] == '"');
	TF_CHECK(strchr(pct, '.') && strlen(strchr(pct, '.')) == 4);
	tf_buf_free(&frame);
	collect_free(&mini);
	collect_free(&rest);
	fx_free(f);
}

TF_TEST(exchange_rest_pct_rounding)
{
	char b[32];
	tf_xrender_pct(100000000, 103003000, b);
	TF_CHECK_EQ_STR(b, "3.003");
	tf_xrender_pct(6263613000000, 6075518000000, b); /* Binance's sample: -3.003 */
	TF_CHECK_EQ_STR(b, "-3.003");
	tf_xrender_pct(0, 5, b);
	TF_CHECK_EQ_STR(b, "0.000");
	tf_xrender_pct(100000000, 99999000, b);
	TF_CHECK_EQ_STR(b, "-0.001");
}

TF_TEST(exchange_rest_ticker24_parameters)
{
	fixture *f = fx_new(40, 6000);
	TF_CHECK_EQ_INT(get(f, "/api/v3/ticker/24hr", "symbol=ETHBTC"), 200);
	TF_CHECK(strncmp(f->body.data, "{\"symbol\":\"ETHBTC\"", 18) == 0);
	TF_CHECK_EQ_INT(f->meta.used_weight, 2);
	TF_CHECK_EQ_INT(get(f, "/api/v3/ticker/24hr", "symbols=%5B%22BTCUSDT%22,%22ETHUSDT%22%5D"), 200);
	collect c;
	tf_tick_handler h = collect_handler(&c);
	tf_decode_err derr;
	TF_CHECK(tf_market_decode_rest_24hr(f->body.data, f->body.len, &h, &derr) == TF_OK);
	TF_CHECK_EQ_INT(c.n, 2);
	TF_CHECK_EQ_STR(c.ticks[0].symbol, "BTCUSDT");
	TF_CHECK_EQ_STR(c.ticks[1].symbol, "ETHUSDT");
	collect_free(&c);
	TF_CHECK_EQ_INT(f->meta.used_weight, 4);
	static const struct {
		const char *query;
		int64_t code;
	} bad[] = {
		{"symbol=btcusdt", -1100},           {"symbol=NOPEUSDT", -1121},
		{"symbol=", -1105},                   {"symbol=BTCUSDT&symbols=[\"ETHUSDT\"]", -1128},
		{"symbols=[BTCUSDT]", -1100},         {"symbols=[\"BTCUSDT\",\"NOPE\"]", -1121},
		{"symbols=[\"BTCUSDT\",\"BTCUSDT\"]", -1101}, {"symbols=[]", -1102},
		{"symbols=[\"BTCUSDT\"", -1100},      {"symbol=BTCUSDT&symbol=ETHUSDT", -1101},
		{"symbol=BTCUSDT&foo=1", -1104},      {"symbol=%ZZ", -1100},
		{"symbol=AAPL", -1121},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int st = get(f, "/api/v3/ticker/24hr", bad[i].query);
		if (st != 400 || error_code(f) != bad[i].code) {
			tf_test_fail(__FILE__, __LINE__, "%s: status %d body %s", bad[i].query, st, f->body.data);
			break;
		}
	}
	fx_free(f);
}

TF_TEST(exchange_rest_klines)
{
	fixture *f = fx_new(10, 6000);
	TF_CHECK_EQ_INT(get(f, "/api/v3/klines", "symbol=BTCUSDT&interval=1m"), 200);
	TF_CHECK_EQ_INT(f->meta.used_weight, 2);
	collect c;
	tf_tick_handler h = collect_handler(&c);
	tf_decode_err derr;
	TF_CHECK(tf_market_decode_rest_klines(f->body.data, f->body.len, "BTCUSDT", "1m", &h, &derr) == TF_OK);
	TF_CHECK_EQ_INT(c.n, 500); /* the default limit */
	tf_sim_stats st;
	tf_sim_stats24(f->sim, 0, &st);
	const tf_tick_kline *last = &c.ticks[c.n - 1].kline;
	TF_CHECK(last->close == st.last); /* the open candle ends at the current price */
	TF_CHECK_EQ_INT(last->open_time, st.close_time / 60000 * 60000);
	for (size_t i = 1; i < c.n; i++)
		TF_CHECK_EQ_INT(c.ticks[i].kline.open_time - c.ticks[i - 1].kline.open_time, 60000);
	collect_free(&c);
	/* a window by startTime/endTime, 5m */
	char q[160];
	int64_t from = (START / 300000 - 10) * 300000;
	snprintf(q, sizeof q, "symbol=BTCUSDT&interval=5m&startTime=%lld&endTime=%lld", (long long)from,
		 (long long)(from + 3 * 300000));
	TF_CHECK_EQ_INT(get(f, "/api/v3/klines", q), 200);
	h = collect_handler(&c);
	TF_CHECK(tf_market_decode_rest_klines(f->body.data, f->body.len, "BTCUSDT", "5m", &h, &derr) == TF_OK);
	TF_CHECK_EQ_INT(c.n, 4);
	TF_CHECK_EQ_INT(c.ticks[0].kline.open_time, from);
	TF_CHECK_EQ_INT(c.ticks[0].kline.close_time, from + 300000 - 1);
	collect_free(&c);
	snprintf(q, sizeof q, "symbol=BTCUSDT&interval=1m&startTime=%lld&limit=3", (long long)from);
	TF_CHECK_EQ_INT(get(f, "/api/v3/klines", q), 200);
	h = collect_handler(&c);
	TF_CHECK(tf_market_decode_rest_klines(f->body.data, f->body.len, "BTCUSDT", "1m", &h, &derr) == TF_OK);
	TF_CHECK_EQ_INT(c.n, 3);
	collect_free(&c);
	TF_CHECK_EQ_INT(get(f, "/api/v3/klines", "symbol=BTCUSDT&interval=1m&limit=5000"), 200);
	h = collect_handler(&c);
	TF_CHECK(tf_market_decode_rest_klines(f->body.data, f->body.len, "BTCUSDT", "1m", &h, &derr) == TF_OK);
	TF_CHECK_EQ_INT(c.n, 1000); /* capped at Binance's maximum */
	collect_free(&c);
	static const struct {
		const char *query;
		int64_t code;
	} bad[] = {
		{"interval=1m", -1102},                        {"symbol=BTCUSDT", -1102},
		{"symbol=BTCUSDT&interval=2m", -1120},         {"symbol=BTCUSDT&interval=1m&limit=abc", -1100},
		{"symbol=BTCUSDT&interval=1m&limit=0", -1130}, {"symbol=BTCUSDT&interval=1m&startTime=-5", -1100},
		{"symbol=NOPE&interval=1m", -1121},            {"symbol=BTCUSDT&interval=1m&x=", -1104},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int s = get(f, "/api/v3/klines", bad[i].query);
		if (s != 400 || error_code(f) != bad[i].code) {
			tf_test_fail(__FILE__, __LINE__, "%s: status %d body %s", bad[i].query, s, f->body.data);
			break;
		}
	}
	fx_free(f);
}

TF_TEST(exchange_rest_weight_limit_429)
{
	fixture *f = fx_new(10, 200);
	TF_CHECK_EQ_INT(get(f, "/api/v3/ticker/24hr", ""), 200);
	TF_CHECK_EQ_INT(get(f, "/api/v3/ticker/24hr", ""), 200);
	TF_CHECK_EQ_INT(f->meta.used_weight, 160);
	TF_CHECK_EQ_INT(get(f, "/api/v3/ticker/24hr", ""), 429);
	TF_CHECK_EQ_INT(error_code(f), -1003);
	TF_CHECK_EQ_INT(f->meta.used_weight, 160);
	TF_CHECK(f->meta.retry_after >= 1 && f->meta.retry_after <= 60);
	TF_CHECK_EQ_INT(get(f, "/api/v3/exchangeInfo", ""), 200); /* 20 still fits */
	TF_CHECK_EQ_INT(f->meta.used_weight, 180);
	/* another IP has its own budget; the next minute starts afresh */
	TF_CHECK(tf_xrest_handle(f->sim, &f->w, "GET", "/api/v3/ticker/24hr", "", "10.0.0.2:1", START + 1000, &f->body,
				 &f->meta) == TF_OK);
	TF_CHECK_EQ_INT(f->meta.status, 200);
	TF_CHECK(tf_xrest_handle(f->sim, &f->w, "GET", "/api/v3/ticker/24hr", "", "127.0.0.1:9", START + 61000,
				 &f->body, &f->meta) == TF_OK);
	TF_CHECK_EQ_INT(f->meta.status, 200);
	TF_CHECK_EQ_INT(f->meta.used_weight, 80);
	fx_free(f);
}

TF_TEST(exchange_rest_exchange_info)
{
	fixture *f = fx_new(50, 6000);
	TF_CHECK_EQ_INT(get(f, "/api/v3/exchangeInfo", ""), 200);
	TF_CHECK_EQ_INT(f->meta.used_weight, 20);
	tf_symbol_info *info = NULL;
	size_t n = 0;
	tf_decode_err derr;
	TF_CHECK(tf_market_decode_exchange_info(f->body.data, f->body.len, &info, &n, &derr) == TF_OK);
	TF_CHECK_EQ_INT(n, 50);
	TF_CHECK_EQ_STR(info[0].symbol, "BTCUSDT");
	TF_CHECK_EQ_STR(info[0].base_asset, "BTC");
	TF_CHECK_EQ_STR(info[0].quote_asset, "USDT");
	TF_CHECK_EQ_STR(info[0].status, "TRADING");
	free(info);
	TF_CHECK(strstr(f->body.data, "\"tickSize\":\"0.01000000\""));
	TF_CHECK_EQ_INT(get(f, "/api/v3/exchangeInfo", "symbol=ETHBTC"), 200);
	TF_CHECK(tf_market_decode_exchange_info(f->body.data, f->body.len, &info, &n, &derr) == TF_OK);
	TF_CHECK_EQ_INT(n, 1);
	TF_CHECK_EQ_STR(info[0].symbol, "ETHBTC");
	free(info);
	TF_CHECK_EQ_INT(get(f, "/api/v3/exchangeInfo", "symbol=NOPE"), 400);
	TF_CHECK_EQ_INT(error_code(f), -1121);
	fx_free(f);
}

TF_TEST(exchange_rest_yahoo_chart)
{
	fixture *f = fx_new(5, 6000);
	TF_CHECK_EQ_INT(get(f, "/v8/finance/chart/AAPL", "interval=1d&range=1mo"), 200);
	collect c;
	tf_tick_handler h = collect_handler(&c);
	tf_decode_err derr;
	TF_CHECK(tf_market_decode_yahoo_chart(f->body.data, f->body.len, &h, &derr) == TF_OK);
	TF_CHECK(c.n >= 29 && c.n <= 31);
	TF_CHECK_EQ_STR(c.ticks[0].symbol, "AAPL");
	collect_free(&c);
	TF_CHECK_EQ_INT(get(f, "/v8/finance/chart/msft", "interval=5m&range=1d"), 200);
	h = collect_handler(&c);
	TF_CHECK(tf_market_decode_yahoo_chart(f->body.data, f->body.len, &h, &derr) == TF_OK);
	TF_CHECK(c.n >= 288 && c.n <= 289);
	TF_CHECK(c.ticks[0].bar.close > 0 && c.ticks[0].bar.missing == 0);
	collect_free(&c);
	TF_CHECK_EQ_INT(get(f, "/v8/finance/chart/NOPE", ""), 404);
	h = collect_handler(&c);
	TF_CHECK(tf_market_decode_yahoo_chart(f->body.data, f->body.len, &h, &derr) == TF_ERR_REMOTE);
	TF_CHECK_EQ_INT(get(f, "/v8/finance/chart/BTCUSDT", ""), 404); /* crypto is not on Yahoo here */
	TF_CHECK_EQ_INT(get(f, "/v8/finance/chart/AAPL", "interval=7m"), 422);
	TF_CHECK(tf_market_decode_yahoo_chart(f->body.data, f->body.len, &h, &derr) == TF_ERR_REMOTE);
	TF_CHECK_EQ_INT(get(f, "/v8/finance/chart/AAPL", "interval=1m&range=1mo"), 422);
	TF_CHECK_EQ_INT(get(f, "/v8/finance/chart/AAPL", "interval=1m&range=\"%22"), 422);
	TF_CHECK(strstr(f->body.data, "range=\\\"\\\" is not"));
	collect_free(&c);
	fx_free(f);
}

/* Stream payloads: kline and trade events, combined wrapping, replies, errors, serverShutdown. */
struct trade_cap {
	tf_sim_trade t;
	int idx, n;
};

static void cap_trade(void *ud, int idx, const tf_sim_trade *t)
{
	struct trade_cap *c = ud;
	c->t = *t;
	c->idx = idx;
	c->n++;
}

TF_TEST(exchange_stream_payloads_decode)
{
	tf_sim *sim = make(5);
	TF_CHECK(sim);
	struct trade_cap tc = {.n = 0};
	tf_sim_on_trade(sim, cap_trade, &tc);
	tf_sim_advance(sim, 0, START + 61000);
	TF_CHECK(tc.n > 0);
	tf_buf b;
	tf_buf_init(&b, 1 << 20);
	collect c;
	tf_tick_handler h = collect_handler(&c);
	tf_msg_kind kind;
	tf_decode_err derr;
	/* trade */
	TF_CHECK(tf_xrender_trade_event("BTCUSDT", &tc.t, START + 61001, &b) == TF_OK);
	TF_CHECK(tf_market_decode_ws(b.data, b.len, &kind, &h, &derr) == TF_OK);
	TF_CHECK(kind == TF_MSG_EVENTS && c.n == 1 && c.ticks[0].kind == TF_TICK_TRADE);
	TF_CHECK(c.ticks[0].trade.price == tc.t.price && c.ticks[0].trade.qty == tc.t.qty);
	TF_CHECK_EQ_INT(c.ticks[0].trade.id, tc.t.id);
	/* kline, wrapped as a combined stream */
	tf_sim_kline k;
	TF_CHECK(tf_sim_kline_at(sim, 0, 60000, START, &k));
	tf_buf ev;
	tf_buf_init(&ev, 1 << 20);
	TF_CHECK(tf_xrender_kline_event("BTCUSDT", "1m", &k, START + 61001, &ev) == TF_OK);
	tf_buf_reset(&b);
	TF_CHECK(tf_xrender_combined("btcusdt@kline_1m", ev.data, ev.len, &b) == TF_OK);
	TF_CHECK(tf_market_decode_ws(b.data, b.len, &kind, &h, &derr) == TF_OK);
	TF_CHECK(c.n == 2 && c.ticks[1].kind == TF_TICK_KLINE);
	TF_CHECK(c.ticks[1].kline.closed == k.closed && k.closed);
	TF_CHECK(c.ticks[1].kline.close == k.close && c.ticks[1].kline.volume == k.volume);
	TF_CHECK_EQ_INT(c.ticks[1].kline.trades, k.count);
	TF_CHECK_EQ_INT(c.ticks[1].kline.first_trade_id, k.first_id);
	TF_CHECK_EQ_STR(c.ticks[1].kline.interval, "1m");
	/* a single miniTicker */
	tf_buf_reset(&b);
	TF_CHECK(tf_sim_mini_ticker_json(sim, 0, START + 61002, &b) == TF_OK);
	TF_CHECK(tf_market_decode_ws(b.data, b.len, &kind, &h, &derr) == TF_OK);
	TF_CHECK(c.n == 3 && c.ticks[2].kind == TF_TICK_MINI_TICKER);
	/* serverShutdown, control replies and errors */
	tf_buf_reset(&b);
	tf_xrender_server_shutdown(START, &b);
	TF_CHECK(tf_market_decode_ws(b.data, b.len, &kind, &h, &derr) == TF_OK);
	TF_CHECK(kind == TF_MSG_SERVER_SHUTDOWN);
	static tf_xsubs subs;
	subs.n = 0;
	bool combined = false;
	tf_json_doc doc;
	tf_json_init(&doc);
	tf_xcontrol_result res;
	const char *msgs[] = {"{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@trade\"],\"id\":1}",
			      "{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":3}", "{\"method\":\"NOPE\",\"id\":4}", "{"};
	tf_msg_kind want[] = {TF_MSG_REPLY, TF_MSG_REPLY, TF_MSG_ERROR, TF_MSG_ERROR};
	for (int i = 0; i < 4; i++) {
		tf_buf_reset(&b);
		TF_CHECK(tf_xcontrol_handle(sim, &subs, &combined, msgs[i], strlen(msgs[i]), &doc, &b, &res) == TF_OK);
		tf_err e = tf_market_decode_ws(b.data, b.len, &kind, &h, &derr);
		if (e != TF_OK || kind != want[i]) {
			tf_test_fail(__FILE__, __LINE__, "reply %s: err %d kind %d", b.data, e, (int)kind);
			break;
		}
	}
	TF_CHECK_EQ_INT(c.n, 3);
	TF_CHECK_EQ_INT(c.bad, 0);
	tf_json_free(&doc);
	tf_buf_free(&ev);
	tf_buf_free(&b);
	collect_free(&c);
	tf_sim_free(sim);
}

TF_TEST(exchange_query_parse)
{
	tf_xparam *p = calloc(TF_XQUERY_MAX, sizeof *p);
	int n;
	TF_CHECK(tf_xquery_parse("a=1&&b=x%20y+z&c", p, TF_XQUERY_MAX, &n) == TF_OK);
	TF_CHECK_EQ_INT(n, 3);
	TF_CHECK_EQ_STR(p[1].name, "b");
	TF_CHECK_EQ_STR(p[1].value, "x y z");
	TF_CHECK_EQ_STR(p[2].value, "");
	TF_CHECK(tf_xquery_parse("a=%4", p, TF_XQUERY_MAX, &n) == TF_ERR_PARSE);
	TF_CHECK(tf_xquery_parse("a=%00", p, TF_XQUERY_MAX, &n) == TF_ERR_PARSE);
	TF_CHECK(tf_xquery_parse("a=1&a=2&a=3", p, 2, &n) == TF_ERR_TOO_BIG);
	free(p);
}

/* test_market_rest.c — REST bodies from samples/: ticker/24hr (single and all 2,519 symbols),
 * klines, exchangeInfo, Binance error payloads; and the Yahoo v8 chart fixtures, whose real body
 * sits under .response.bodyJson (found with the json API and passed on as a slice). Expected values
 * were read from the files with python3. */
#include <stdlib.h>

#include "market/json.h"
#include "market/market.h"
#include "market_collect.h"
#include "test.h"

TF_TEST(market_rest_24hr_single_object)
{
	size_t len;
	char *s = tf_test_read_sample("nautilus_rest_ticker_24hr_BTCUSDT_single.json", &len);
	TF_CHECK(s);
	collect c;
	tf_tick_handler h = collect_handler(&c);
	tf_decode_err err = {0};
	TF_CHECK_EQ_INT(tf_market_decode_rest_24hr(s, len, &h, &err), TF_OK);
	TF_CHECK_EQ_INT(c.n, 1);
	const tf_tick *t = &c.ticks[0];
	char b[TF_DEC_STR_MAX];
	TF_CHECK_EQ_INT(t->kind, TF_TICK_REST_24HR);
	TF_CHECK_EQ_STR(t->symbol, "BTCUSDT");
	TF_CHECK_EQ_STR(dstr(t->s24.price_change, b), "-1880.95000000");
	TF_CHECK_EQ_STR(dstr(t->s24.price_change_pct, b), "-3.00300000");
	TF_CHECK_EQ_STR(dstr(t->s24.weighted_avg_price, b), "61979.85540978");
	TF_CHECK_EQ_STR(dstr(t->s24.prev_close, b), "62636.13000000");
	TF_CHECK_EQ_STR(dstr(t->s24.last, b), "60755.18000000");
	TF_CHECK_EQ_STR(dstr(t->s24.open, b), "62636.13000000");
	TF_CHECK_EQ_STR(dstr(t->s24.high, b), "63732.39000000");
	TF_CHECK_EQ_STR(dstr(t->s24.low, b), "60000.00000000");
	TF_CHECK_EQ_STR(dstr(t->s24.volume, b), "53076.84650000");
	TF_CHECK_EQ_STR(dstr(t->s24.quote_volume, b), "3289695271.67717710");
	TF_CHECK_EQ_INT(t->s24.open_time, 1634858001452);
	TF_CHECK_EQ_INT(t->s24.close_time, 1634944401452);
	TF_CHECK_EQ_INT(t->event_time, 1634944401452);
	TF_CHECK_EQ_INT(t->s24.first_id, 1109901940);
	TF_CHECK_EQ_INT(t->s24.last_id, 1111482582);
	TF_CHECK_EQ_INT(t->s24.trades, 1580643);
	TF_CHECK(!t->dead);
	TF_CHECK(t->raw == s && t->raw_len == len - 1); /* the whole object, without the final newline */
	collect_free(&c);
	free(s);
}

TF_TEST(market_rest_24hr_all_symbols_with_dead_ones)
{
	size_t len;
	char *s = tf_test_read_sample("onchainmonitor_rest_ticker_24hr_ALL_symbols.json", &len);
	TF_CHECK(s);
	collect c;
	tf_tick_handler h = collect_handler(&c);
	tf_decode_err err = {0};
	TF_CHECK_EQ_INT(tf_market_decode_rest_24hr(s, len, &h, &err), TF_OK);
	TF_CHECK_EQ_INT(c.n, 2519);
	TF_CHECK_EQ_INT(c.bad, 0);
	size_t dead = 0;
	tf_dec qsum = 0;
	int64_t trades = 0;
	for (size_t i = 0; i < c.n; i++) {
		dead += c.ticks[i].dead;
		qsum += c.ticks[i].s24.quote_volume;
		trades += c.ticks[i].s24.trades;
		if (c.ticks[i].dead)
			TF_CHECK(c.ticks[i].s24.last == 0);
	}
	TF_CHECK_EQ_INT(dead, 1233);
	char b[TF_DEC_STR_MAX];
	TF_CHECK_EQ_STR(dstr(qsum, b), "68755747339.23279748"); /* exact sum, as Python's Decimal gives */
	TF_CHECK_EQ_INT(trades, 78204038);
	TF_CHECK_EQ_STR(c.ticks[0].symbol, "ETHBTC");
	TF_CHECK_EQ_STR(c.ticks[2518].symbol, "ARTRY");
	/* a dead one: BCCBTC, count 0, firstId -1 */
	const tf_tick *bcc = NULL;
	for (size_t i = 0; i < c.n; i++)
		if (strcmp(c.ticks[i].symbol, "BCCBTC") == 0)
			bcc = &c.ticks[i];
	TF_CHECK(bcc && bcc->dead);
	TF_CHECK_EQ_INT(bcc->s24.first_id, -1);
	TF_CHECK_EQ_INT(bcc->s24.trades, 0);
	TF_CHECK_EQ_STR(dstr(bcc->s24.prev_close, b), "0.07908100");
	/* the 14-digit PEPEUSDT volume survives exactly */
	for (size_t i = 0; i < c.n; i++)
		if (strcmp(c.ticks[i].symbol, "PEPEUSDT") == 0)
			TF_CHECK_EQ_STR(dstr(c.ticks[i].s24.volume, b), "79310965841885.00000000");
	collect_free(&c);
	free(s);
}

TF_TEST(market_rest_24hr_rejects_bad_elements_one_by_one)
{
	const char *body = "[{\"symbol\":\"AB\"},7]";
	collect c;
	tf_tick_handler h = collect_handler(&c);
	tf_decode_err err = {0};
	TF_CHECK_EQ_INT(tf_market_decode_rest_24hr(body, strlen(body), &h, &err), TF_OK);
	TF_CHECK_EQ_INT(c.bad, 2);
	TF_CHECK_EQ_STR(c.last_bad.msg, "element 1: expected an object, got a number");
	TF_CHECK_EQ_INT(tf_market_decode_rest_24hr("\"x\"", 3, &h, &err), TF_ERR_SCHEMA);
	TF_CHECK(strstr(err.msg, "expected an object or an array, got a string"));
	const char *e1121 = "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}";
	TF_CHECK_EQ_INT(tf_market_decode_rest_24hr(e1121, strlen(e1121), &h, &err), TF_ERR_REMOTE);
	TF_CHECK_EQ_STR(err.msg, "binance error -1121: Invalid symbol.");
	collect_free(&c);
}

TF_TEST(market_rest_klines_rows)
{
	size_t len;
	char *s = tf_test_read_sample("nautilus_rest_klines_BTCUSDT_1m.json", &len);
	TF_CHECK(s);
	collect c;
	tf_tick_handler h = collect_handler(&c);
	tf_decode_err err = {0};
	TF_CHECK_EQ_INT(tf_market_decode_rest_klines(s, len, "BTCUSDT", "1m", &h, &err), TF_OK);
	TF_CHECK_EQ_INT(c.n, 10);
	char b[TF_DEC_STR_MAX];
	const tf_tick *t = &c.ticks[0];
	TF_CHECK_EQ_INT(t->kind, TF_TICK_KLINE);
	TF_CHECK_EQ_STR(t->symbol, "BTCUSDT");
	TF_CHECK_EQ_STR(t->kline.interval, "1m");
	TF_CHECK_EQ_INT(t->event_time, 1634943780000);
	TF_CHECK_EQ_INT(t->kline.open_time, 1634943780000);
	TF_CHECK_EQ_STR(dstr(t->kline.open, b), "60685.22000000");
	TF_CHECK_EQ_STR(dstr(t->kline.high, b), "60729.84000000");
	TF_CHECK_EQ_STR(dstr(t->kline.low, b), "60670.90000000");
	TF_CHECK_EQ_STR(dstr(t->kline.close, b), "60719.27000000");
	TF_CHECK_EQ_STR(dstr(t->kline.volume, b), "21.63272000");
	TF_CHECK_EQ_INT(t->kline.close_time, 1634943839999);
	TF_CHECK_EQ_STR(dstr(t->kline.quote_volume, b), "1313200.01340410");
	TF_CHECK_EQ_INT(t->kline.trades, 617);
	TF_CHECK_EQ_STR(dstr(t->kline.taker_buy_volume, b), "12.28492000");
	TF_CHECK_EQ_STR(dstr(t->kline.taker_buy_quote_volume, b), "745719.41022840");
	TF_CHECK(t->raw[0] == '[' && t->raw[t->raw_len - 1] == ']');
	t = &c.ticks[9];
	TF_CHECK_EQ_INT(t->kline.open_time, 1634944320000);
	TF_CHECK_EQ_STR(dstr(t->kline.close, b), "60739.85000000");
	TF_CHECK_EQ_STR(dstr(t->kline.volume, b), "0.04734000");
	TF_CHECK_EQ_INT(t->kline.close_time, 1634944379999);
	TF_CHECK_EQ_STR(dstr(t->kline.quote_volume, b), "2875.42449900");
	TF_CHECK_EQ_INT(t->kline.trades, 7);
	collect_free(&c);

	h = collect_handler(&c);
	TF_CHECK_EQ_INT(tf_market_decode_rest_klines(s, len, "btc usdt", "1m", &h, &err), TF_ERR_USAGE);
	TF_CHECK_EQ_INT(tf_market_decode_rest_klines(s, len, "BTCUSDT", "1m\"", &h, &err), TF_ERR_USAGE);
	const char *bad = "[[1,\"1\",\"1\",\"1\",\"1\",\"1\",2,\"1\",3,\"1\"],[1,\"1\",\"1\",\"1\",\"1\",\"1\",2,\"1\",\"3\",\"1\",\"1\",\"0\"]]";
	TF_CHECK_EQ_INT(tf_market_decode_rest_klines(bad, strlen(bad), "BTCUSDT", "1m", &h, &err), TF_OK);
	TF_CHECK_EQ_INT(c.bad, 2);
	TF_CHECK_EQ_STR(c.last_bad.msg, "element 1: field \"trades\": expected an integer, got a string");
	TF_CHECK_EQ_INT(tf_market_decode_rest_klines("{}", 2, "BTCUSDT", "1m", &h, &err), TF_ERR_SCHEMA);
	TF_CHECK(strstr(err.msg, "expected an array of rows, got an object"));
	collect_free(&c);
	free(s);
}

TF_TEST(market_exchange_info_symbols)
{
	size_t len;
	char *s = tf_test_read_sample("nautilus_rest_exchangeInfo_spot.json", &len);
	TF_CHECK(s);
	tf_symbol_info *si;
	size_t n;
	tf_decode_err err = {0};
	TF_CHECK_EQ_INT(tf_market_decode_exchange_info(s, len, &si, &n, &err), TF_OK);
	TF_CHECK_EQ_INT(n, 2);
	TF_CHECK_EQ_STR(si[0].symbol, "BTCUSDT");
	TF_CHECK_EQ_STR(si[0].status, "TRADING");
	TF_CHECK_EQ_STR(si[0].base_asset, "BTC");
	TF_CHECK_EQ_STR(si[0].quote_asset, "USDT");
	TF_CHECK_EQ_STR(si[1].symbol, "ETHUSDT");
	TF_CHECK_EQ_STR(si[1].base_asset, "ETH");
	free(si);
	free(s);

	const char *bad = "{\"symbols\":[{\"symbol\":\"A\",\"status\":\"TRADING\",\"baseAsset\":\"A\",\"quoteAsset\":\"B\"},"
			  "{\"symbol\":\"B\",\"status\":\"TRADING\",\"baseAsset\":\"b\",\"quoteAsset\":\"B\"}]}";
	TF_CHECK_EQ_INT(tf_market_decode_exchange_info(bad, strlen(bad), &si, &n, &err), TF_ERR_SCHEMA);
	TF_CHECK_EQ_STR(err.msg, "symbols[1]: field \"baseAsset\": invalid value \"b\"");
	TF_CHECK(si == NULL && n == 0);
	TF_CHECK_EQ_INT(tf_market_decode_exchange_info("{}", 2, &si, &n, &err), TF_ERR_SCHEMA);
	TF_CHECK_EQ_STR(err.msg, "missing field \"symbols\"");
	const char *miss = "{\"symbols\":[{\"symbol\":\"A\",\"baseAsset\":\"A\",\"quoteAsset\":\"B\"}]}";
	TF_CHECK_EQ_INT(tf_market_decode_exchange_info(miss, strlen(miss), &si, &n, &err), TF_ERR_SCHEMA);
	TF_CHECK_EQ_STR(err.msg, "symbols[0]: missing field \"status\"");
	const char *e = "{\"code\":-1003,\"msg\":\"Too many requests.\"}";
	TF_CHECK_EQ_INT(tf_market_decode_exchange_info(e, strlen(e), &si, &n, &err), TF_ERR_REMOTE);
	TF_CHECK_EQ_STR(err.msg, "binance error -1003: Too many requests.");
}

TF_TEST(market_binance_error_payloads)
{
	int64_t code = 0;
	tf_decode_err err = {0};
	const char *e = "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}";
	TF_CHECK_EQ_INT(tf_market_decode_binance_error(e, strlen(e), &code, &err), TF_ERR_REMOTE);
	TF_CHECK_EQ_INT(code, -1121);
	TF_CHECK_EQ_STR(err.msg, "binance error -1121: Invalid symbol.");
	TF_CHECK_EQ_INT(tf_market_decode_binance_error("{\"code\":1}", 10, &code, &err), TF_ERR_SCHEMA);
	TF_CHECK_EQ_STR(err.msg, "error payload: missing field \"msg\"");
	TF_CHECK_EQ_INT(tf_market_decode_binance_error("[]", 2, &code, &err), TF_ERR_SCHEMA);
	TF_CHECK_EQ_INT(tf_market_decode_binance_error("{", 1, &code, &err), TF_ERR_PARSE);
}

/* Reads a Yahoo fixture and finds the real body under .response.bodyJson. */
static char *yahoo_body(const char *name, const char **body, size_t *blen)
{
	size_t len;
	char *s = tf_test_read_sample(name, &len);
	if (!s)
		return NULL;
	tf_json_doc d;
	tf_json_init(&d);
	tf_decode_err err;
	uint32_t resp = 0, bj = 0;
	if (tf_json_parse(&d, s, len, &err) == TF_OK && (resp = tf_json_find(&d, 0, "response")) &&
	    (bj = tf_json_find(&d, resp, "bodyJson")) && d.tok[bj].type == TF_JSON_OBJECT) {
		*body = s + d.tok[bj].start;
		*blen = d.tok[bj].end - d.tok[bj].start;
	} else {
		free(s);
		s = NULL;
	}
	tf_json_free(&d);
	return s;
}

TF_TEST(market_yahoo_chart_daily_bars)
{
	const char *body;
	size_t blen;
	char *s = yahoo_body("yahoo_nyf2_chart-AAPL-2020-08-31-to-2020-11-07.json", &body, &blen);
	TF_CHECK(s);
	collect c;
	tf_tick_handler h = collect_handler(&c);
	tf_decode_err err = {0};
	TF_CHECK_EQ_INT(tf_market_decode_yahoo_chart(body, blen, &h, &err), TF_OK);
	TF_CHECK_EQ_INT(c.n, 49);
	char b[TF_DEC_STR_MAX];
	const tf_tick *t = &c.ticks[0];
	TF_CHECK_EQ_INT(t->kind, TF_TICK_BAR);
	TF_CHECK_EQ_STR(t->symbol, "AAPL");
	TF_CHECK_EQ_INT(t->event_time, 1598880600000);
	TF_CHECK_EQ_STR(dstr(t->bar.open, b), "127.58000183");  /* 127.58000183105469 */
	TF_CHECK_EQ_STR(dstr(t->bar.high, b), "131.00000000");
	TF_CHECK_EQ_STR(dstr(t->bar.low, b), "126.00000000");
	TF_CHECK_EQ_STR(dstr(t->bar.close, b), "129.03999329"); /* 129.0399932861328 */
	TF_CHECK_EQ_STR(dstr(t->bar.volume, b), "225702700.00000000");
	TF_CHECK_EQ_INT(t->bar.missing, 0);
	TF_CHECK_EQ_MEM(t->raw, t->raw_len, "129.0399932861328");
	t = &c.ticks[48];
	TF_CHECK_EQ_INT(t->event_time, 1604673000000);
	TF_CHECK_EQ_STR(dstr(t->bar.open, b), "118.31999969");  /* 118.31999969482422 */
	TF_CHECK_EQ_STR(dstr(t->bar.high, b), "119.19999695");  /* 119.19999694824219 */
	TF_CHECK_EQ_STR(dstr(t->bar.low, b), "116.12999725");   /* 116.12999725341797 */
	TF_CHECK_EQ_STR(dstr(t->bar.close, b), "118.69000244"); /* 118.69000244140625 */
	TF_CHECK_EQ_STR(dstr(t->bar.volume, b), "114457900.00000000");
	tf_buf out;
	tf_buf_init(&out, 4096);
	TF_CHECK_EQ_INT(tf_market_tick_json(t, &out), TF_OK);
	TF_CHECK_EQ_STR(out.data, "{\"kind\":\"bar\",\"symbol\":\"AAPL\",\"event_time\":1604673000000,"
				  "\"open\":\"118.31999969\",\"high\":\"119.19999695\",\"low\":\"116.12999725\","
				  "\"close\":\"118.69000244\",\"volume\":\"114457900.00000000\",\"dead\":false}");
	tf_buf_free(&out);
	collect_free(&c);
	free(s);
}

TF_TEST(market_yahoo_chart_weekend_is_empty_and_valid)
{
	const char *body;
	size_t blen;
	char *s = yahoo_body("yahoo_nyf2_chart-AAPL-2025-02-01-to-2025-02-02-includePrePost-false-interval-1m.json",
			     &body, &blen);
	TF_CHECK(s);
	collect c;
	tf_tick_handler h = collect_handler(&c);
	tf_decode_err err = {0};
	TF_CHECK_EQ_INT(tf_market_decode_yahoo_chart(body, blen, &h, &err), TF_OK);
	TF_CHECK_EQ_INT(c.n + c.bad, 0);
	collect_free(&c);
	free(s);
}

TF_TEST(market_yahoo_chart_nulls_errors_and_bad_shapes)
{
	const char *body =
		"{\"chart\":{\"result\":[{\"meta\":{\"symbol\":\"^GSPC\"},\"timestamp\":[60,120,180],"
		"\"indicators\":{\"quote\":[{\"open\":[1.5,null,2],\"high\":[2,2,2],\"low\":[1,1,1],"
		"\"close\":[1.75,null,\"x\"],\"volume\":[null,0,1e3]}]}}],\"error\":null}}";
	collect c;
	tf_tick_handler h = collect_handler(&c);
	tf_decode_err err = {0};
	TF_CHECK_EQ_INT(tf_market_decode_yahoo_chart(body, strlen(body), &h, &err), TF_OK);
	TF_CHECK_EQ_INT(c.n, 1); /* bar 1 skipped (null close), bar 2 rejected */
	TF_CHECK_EQ_INT(c.bad, 1);
	TF_CHECK_EQ_STR(c.ticks[0].symbol, "^GSPC");
	TF_CHECK_EQ_INT(c.ticks[0].event_time, 60000);
	TF_CHECK_EQ_INT(c.ticks[0].bar.missing, TF_BAR_NO_VOLUME);
	TF_CHECK_EQ_STR(c.last_bad.msg, "bar 2: field \"close\": expected a number, got a string");
	collect_free(&c);

	const char *e = "{\"chart\":{\"result\":null,\"error\":{\"code\":\"Not Found\",\"description\":\"No data found, symbol may be delisted\"}}}";
	h = collect_handler(&c);
	TF_CHECK_EQ_INT(tf_market_decode_yahoo_chart(e, strlen(e), &h, &err), TF_ERR_REMOTE);
	TF_CHECK_EQ_STR(err.msg, "yahoo error Not Found: No data found, symbol may be delisted");
	const char *mism = "{\"chart\":{\"result\":[{\"meta\":{\"symbol\":\"A\"},\"timestamp\":[1,2],"
			   "\"indicators\":{\"quote\":[{\"close\":[1]}]}}]}}";
	TF_CHECK_EQ_INT(tf_market_decode_yahoo_chart(mism, strlen(mism), &h, &err), TF_ERR_SCHEMA);
	TF_CHECK_EQ_STR(err.msg, "field \"close\": expected an array of 2 values like \"timestamp\"");
	TF_CHECK_EQ_INT(tf_market_decode_yahoo_chart("{\"chart\":1}", 11, &h, &err), TF_ERR_SCHEMA);
	TF_CHECK_EQ_STR(err.msg, "chart body: missing object \"chart\"");
	const char *badsym = "{\"chart\":{\"result\":[{\"meta\":{\"symbol\":\"a b\"}}]}}";
	TF_CHECK_EQ_INT(tf_market_decode_yahoo_chart(badsym, strlen(badsym), &h, &err), TF_ERR_SCHEMA);
	TF_CHECK(strstr(err.msg, "invalid symbol \"a b\""));
	TF_CHECK_EQ_INT(c.n + c.bad, 0);
	collect_free(&c);
}

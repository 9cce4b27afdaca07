/* test_market_ws.c — tf_market_decode_ws over the real recorded frames in samples/ and the message
 * shapes around them (replies, errors, serverShutdown), plus tf_market_tick_json lines. Expected
 * values were read from the sample files themselves (python3 json over the same bytes). */
#include <stdlib.h>

#include "base/buf.h"
#include "market/market.h"
#include "market/market_int.h"
#include "market_collect.h"
#include "test.h"

static tf_err decode(const char *s, tf_msg_kind *kind, collect *c, tf_decode_err *err)
{
	tf_tick_handler h = collect_handler(c);
	return tf_market_decode_ws(s, strlen(s), kind, &h, err);
}

TF_TEST(market_ws_decodes_the_26_symbol_miniticker_array)
{
	size_t len;
	char *s = tf_test_read_sample("unicornfy_spot_miniTicker_arr_raw_26symbols.json", &len);
	TF_CHECK(s);
	collect c;
	tf_tick_handler h = collect_handler(&c);
	tf_msg_kind kind;
	tf_decode_err err = {0};
	TF_CHECK_EQ_INT(tf_market_decode_ws(s, len, &kind, &h, &err), TF_OK);
	TF_CHECK_EQ_INT(kind, TF_MSG_EVENTS);
	TF_CHECK_EQ_INT(c.n, 26);
	TF_CHECK_EQ_INT(c.bad, 0);
	char b[TF_DEC_STR_MAX];
	const tf_tick *t = &c.ticks[0];
	TF_CHECK_EQ_INT(t->kind, TF_TICK_MINI_TICKER);
	TF_CHECK_EQ_STR(t->symbol, "ETHBTC");
	TF_CHECK_EQ_INT(t->event_time, 1592594715455);
	TF_CHECK_EQ_STR(dstr(t->s24.last, b), "0.02456700");
	TF_CHECK_EQ_STR(dstr(t->s24.open, b), "0.02459800");
	TF_CHECK_EQ_STR(dstr(t->s24.high, b), "0.02470900");
	TF_CHECK_EQ_STR(dstr(t->s24.low, b), "0.02438100");
	TF_CHECK_EQ_STR(dstr(t->s24.volume, b), "163116.18600000");
	TF_CHECK_EQ_STR(dstr(t->s24.quote_volume, b), "4006.04936991");
	TF_CHECK(!t->dead);
	/* raw is the element exactly as received */
	TF_CHECK(t->raw == s + 1);
	TF_CHECK_EQ_MEM(t->raw, t->raw_len,
			"{\"e\":\"24hrMiniTicker\",\"E\":1592594715455,\"s\":\"ETHBTC\",\"c\":\"0.02456700\","
			"\"o\":\"0.02459800\",\"h\":\"0.02470900\",\"l\":\"0.02438100\",\"v\":\"163116.18600000\","
			"\"q\":\"4006.04936991\"}");
	t = &c.ticks[1];
	TF_CHECK_EQ_STR(t->symbol, "BTCUSDT");
	TF_CHECK_EQ_INT(t->event_time, 1592594715775);
	TF_CHECK_EQ_STR(dstr(t->s24.last, b), "9342.70000000");
	TF_CHECK_EQ_STR(dstr(t->s24.quote_volume, b), "446546826.58722200");
	t = &c.ticks[25];
	TF_CHECK_EQ_STR(t->symbol, "KNCUSDT");
	TF_CHECK_EQ_INT(t->event_time, 1592594715431);
	TF_CHECK_EQ_STR(dstr(t->s24.last, b), "1.19900000");
	TF_CHECK_EQ_STR(dstr(t->s24.quote_volume, b), "1109490.22233400");
	TF_CHECK(t->raw + t->raw_len == s + len - 1 || t->raw + t->raw_len == s + len - 2); /* before ']' */
	/* elements tile the frame: each raw starts after the previous one and a comma */
	for (size_t i = 1; i < c.n; i++)
		TF_CHECK(c.ticks[i].raw == c.ticks[i - 1].raw + c.ticks[i - 1].raw_len + 1);
	collect_free(&c);
	free(s);
}

/* Splits a .jsonl sample into lines (in place); returns the count. */
static size_t lines(char *s, size_t len, char **out, size_t max)
{
	size_t n = 0;
	char *p = s, *end = s + len;
	while (p < end && n < max) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		*nl = '\0';
		if (nl > p)
			out[n++] = p;
		p = nl + 1;
	}
	return n;
}

TF_TEST(market_ws_decodes_every_unicornfy_message)
{
	size_t len;
	char *s = tf_test_read_sample("unicornfy_spot_ws_messages.jsonl", &len);
	TF_CHECK(s);
	char *ln[16];
	TF_CHECK_EQ_INT(lines(s, len, ln, 16), 6);
	collect c;
	tf_msg_kind kind;
	tf_decode_err err = {0};
	char b[TF_DEC_STR_MAX];

	/* 0: combined aggTrade */
	TF_CHECK_EQ_INT(decode(ln[0], &kind, &c, &err), TF_OK);
	TF_CHECK_EQ_INT(c.n, 1);
	tf_tick *t = &c.ticks[0];
	TF_CHECK_EQ_INT(t->kind, TF_TICK_AGG_TRADE);
	TF_CHECK_EQ_STR(t->symbol, "BTCUSDT");
	TF_CHECK_EQ_INT(t->event_time, 1592584651517);
	TF_CHECK_EQ_INT(t->trade.id, 315753210);
	TF_CHECK_EQ_STR(dstr(t->trade.price, b), "9319.00000000");
	TF_CHECK_EQ_STR(dstr(t->trade.qty, b), "0.01864900");
	TF_CHECK_EQ_INT(t->trade.first_trade_id, 343675554);
	TF_CHECK_EQ_INT(t->trade.last_trade_id, 343675554);
	TF_CHECK_EQ_INT(t->trade.trade_time, 1592584651516);
	TF_CHECK(t->trade.buyer_maker);
	TF_CHECK(t->raw == strstr(ln[0], "{\"e\""));
	TF_CHECK_EQ_INT(t->raw_len, strlen(ln[0]) - (size_t)(t->raw - ln[0]) - 1); /* data, not the wrapper */
	collect_free(&c);

	/* 1: trade, old form with buyer/seller order ids */
	TF_CHECK_EQ_INT(decode(ln[1], &kind, &c, &err), TF_OK);
	TF_CHECK_EQ_INT(c.n, 1);
	t = &c.ticks[0];
	TF_CHECK_EQ_INT(t->kind, TF_TICK_TRADE);
	TF_CHECK_EQ_INT(t->event_time, 1592591955766);
	TF_CHECK_EQ_INT(t->trade.id, 343719861);
	TF_CHECK_EQ_STR(dstr(t->trade.price, b), "9302.00000000");
	TF_CHECK_EQ_STR(dstr(t->trade.qty, b), "0.00101900");
	TF_CHECK_EQ_INT(t->trade.buyer_order_id, 2517144287);
	TF_CHECK_EQ_INT(t->trade.seller_order_id, 2517144235);
	TF_CHECK_EQ_INT(t->trade.trade_time, 1592591955765);
	TF_CHECK(!t->trade.buyer_maker);
	collect_free(&c);

	/* 2: 24hrTicker */
	TF_CHECK_EQ_INT(decode(ln[2], &kind, &c, &err), TF_OK);
	TF_CHECK_EQ_INT(c.n, 1);
	t = &c.ticks[0];
	TF_CHECK_EQ_INT(t->kind, TF_TICK_TICKER_24HR);
	TF_CHECK_EQ_INT(t->event_time, 1592593727005);
	TF_CHECK_EQ_STR(dstr(t->s24.price_change, b), "-65.00000000");
	TF_CHECK_EQ_STR(dstr(t->s24.price_change_pct, b), "-0.69300000");
	TF_CHECK_EQ_STR(dstr(t->s24.weighted_avg_price, b), "9343.29777965");
	TF_CHECK_EQ_STR(dstr(t->s24.prev_close, b), "9383.27000000");
	TF_CHECK_EQ_STR(dstr(t->s24.last, b), "9318.48000000");
	TF_CHECK_EQ_STR(dstr(t->s24.open, b), "9383.48000000");
	TF_CHECK_EQ_STR(dstr(t->s24.high, b), "9438.30000000");
	TF_CHECK_EQ_STR(dstr(t->s24.low, b), "9215.79000000");
	TF_CHECK_EQ_STR(dstr(t->s24.volume, b), "48745.36667100");
	TF_CHECK_EQ_STR(dstr(t->s24.quote_volume, b), "455442476.18534620");
	TF_CHECK_EQ_INT(t->s24.open_time, 1592507327001);
	TF_CHECK_EQ_INT(t->s24.close_time, 1592593727001);
	TF_CHECK_EQ_INT(t->s24.first_id, 343178738);
	TF_CHECK_EQ_INT(t->s24.last_id, 343729077);
	TF_CHECK_EQ_INT(t->s24.trades, 550340);
	collect_free(&c);

	/* 3: the raw 26-symbol array again, inside the jsonl */
	TF_CHECK_EQ_INT(decode(ln[3], &kind, &c, &err), TF_OK);
	TF_CHECK_EQ_INT(c.n, 26);
	TF_CHECK_EQ_STR(c.ticks[0].symbol, "ETHBTC");
	collect_free(&c);

	/* 4: combined miniTicker */
	TF_CHECK_EQ_INT(decode(ln[4], &kind, &c, &err), TF_OK);
	TF_CHECK_EQ_INT(c.n, 1);
	t = &c.ticks[0];
	TF_CHECK_EQ_INT(t->kind, TF_TICK_MINI_TICKER);
	TF_CHECK_EQ_INT(t->event_time, 1601628771865);
	TF_CHECK_EQ_STR(dstr(t->s24.last, b), "10456.56000000");
	TF_CHECK_EQ_STR(dstr(t->s24.open, b), "10884.90000000");
	TF_CHECK_EQ_STR(dstr(t->s24.high, b), "10912.83000000");
	TF_CHECK_EQ_STR(dstr(t->s24.low, b), "10385.02000000");
	TF_CHECK_EQ_STR(dstr(t->s24.volume, b), "64483.09756200");
	TF_CHECK_EQ_STR(dstr(t->s24.quote_volume, b), "685180788.34970800");
	collect_free(&c);

	/* 5: combined kline_1m */
	TF_CHECK_EQ_INT(decode(ln[5], &kind, &c, &err), TF_OK);
	TF_CHECK_EQ_INT(c.n, 1);
	t = &c.ticks[0];
	TF_CHECK_EQ_INT(t->kind, TF_TICK_KLINE);
	TF_CHECK_EQ_INT(t->event_time, 1601630228469);
	TF_CHECK_EQ_STR(t->kline.interval, "1m");
	TF_CHECK_EQ_INT(t->kline.open_time, 1601630220000);
	TF_CHECK_EQ_INT(t->kline.close_time, 1601630279999);
	TF_CHECK_EQ_INT(t->kline.first_trade_id, 427033476);
	TF_CHECK_EQ_INT(t->kline.last_trade_id, 427033658);
	TF_CHECK_EQ_STR(dstr(t->kline.open, b), "10437.32000000");
	TF_CHECK_EQ_STR(dstr(t->kline.close, b), "10441.80000000");
	TF_CHECK_EQ_STR(dstr(t->kline.high, b), "10441.80000000");
	TF_CHECK_EQ_STR(dstr(t->kline.low, b), "10437.32000000");
	TF_CHECK_EQ_STR(dstr(t->kline.volume, b), "20.63957400");
	TF_CHECK_EQ_INT(t->kline.trades, 183);
	TF_CHECK(!t->kline.closed);
	TF_CHECK_EQ_STR(dstr(t->kline.quote_volume, b), "215452.69236872");
	TF_CHECK_EQ_STR(dstr(t->kline.taker_buy_volume, b), "19.31210700");
	TF_CHECK_EQ_STR(dstr(t->kline.taker_buy_quote_volume, b), "201593.99488069");
	collect_free(&c);
	free(s);
}

TF_TEST(market_ws_decodes_every_cryptofeed_frame)
{
	static const struct {
		tf_tick_kind kind;
		int64_t e;
		const char *sym, *price;
		int closed;
	} want[20] = {
		{TF_TICK_AGG_TRADE, 1633998523963, "NKNUSDT", "0.35280000", 0},
		{TF_TICK_KLINE, 1633998523963, "NKNUSDT", "0.35280000", 0},
		{TF_TICK_KLINE, 1633998534486, "LRCBTC", "0.00000638", 0},
		{TF_TICK_AGG_TRADE, 1633998534486, "LRCBTC", "0.00000638", 0},
		{TF_TICK_AGG_TRADE, 1633998288468, "OMGBUSD", "13.80480000", 0},
		{TF_TICK_AGG_TRADE, 1633998288468, "OMGBUSD", "13.80760000", 0},
		{TF_TICK_KLINE, 1633998288469, "OMGBUSD", "13.80480000", 0},
		{TF_TICK_AGG_TRADE, 1633998289098, "OMGBUSD", "13.80040000", 0},
		{TF_TICK_KLINE, 1633998290610, "OMGBUSD", "13.80040000", 0},
		{TF_TICK_AGG_TRADE, 1633998291814, "OMGBUSD", "13.78140000", 0},
		{TF_TICK_AGG_TRADE, 1633998291907, "OMGBUSD", "13.77690000", 0},
		{TF_TICK_AGG_TRADE, 1633998291911, "OMGBUSD", "13.77690000", 0},
		{TF_TICK_AGG_TRADE, 1633998291912, "OMGBUSD", "13.77690000", 0},
		{TF_TICK_AGG_TRADE, 1633998291915, "OMGBUSD", "13.77690000", 0},
		{TF_TICK_AGG_TRADE, 1633998292142, "OMGBUSD", "13.76640000", 0},
		{TF_TICK_KLINE, 1633998294628, "OMGBUSD", "13.76640000", 0},
		{TF_TICK_KLINE, 1633998301755, "OMGBUSD", "13.76640000", 1},
		{TF_TICK_AGG_TRADE, 1633998301755, "OMGBUSD", "13.76040000", 0},
		{TF_TICK_AGG_TRADE, 1633998301807, "OMGBUSD", "13.76040000", 0},
		{TF_TICK_KLINE, 1633998304672, "OMGBUSD", "13.76040000", 0},
	};
	size_t len;
	char *s = tf_test_read_sample("cryptofeed_extracted_kline_aggTrade_combined.jsonl", &len);
	TF_CHECK(s);
	char *ln[32];
	TF_CHECK_EQ_INT(lines(s, len, ln, 32), 20);
	char b[TF_DEC_STR_MAX];
	for (size_t i = 0; i < 20; i++) {
		collect c;
		tf_msg_kind kind;
		tf_decode_err err = {0};
		TF_CHECK_EQ_INT(decode(ln[i], &kind, &c, &err), TF_OK);
		TF_CHECK_EQ_INT(kind, TF_MSG_EVENTS);
		TF_CHECK_EQ_INT(c.n, 1);
		TF_CHECK_EQ_INT(c.ticks[0].kind, want[i].kind);
		TF_CHECK_EQ_INT(c.ticks[0].event_time, want[i].e);
		TF_CHECK_EQ_STR(c.ticks[0].symbol, want[i].sym);
		TF_CHECK_EQ_STR(dstr(tf_tick_price(&c.ticks[0]), b), want[i].price);
		if (want[i].kind == TF_TICK_KLINE)
			TF_CHECK_EQ_INT(c.ticks[0].kline.closed, want[i].closed);
		collect_free(&c);
	}
	free(s);
}

TF_TEST(market_ws_recognises_replies_errors_and_shutdown)
{
	collect c;
	tf_msg_kind kind;
	tf_decode_err err = {0};
	TF_CHECK_EQ_INT(decode("{\"result\":null,\"id\":1}", &kind, &c, &err), TF_OK);
	TF_CHECK_EQ_INT(kind, TF_MSG_REPLY);
	TF_CHECK_EQ_INT(decode("{\"result\":[\"btcusdt@trade\"],\"id\":3}", &kind, &c, &err), TF_OK);
	TF_CHECK_EQ_INT(kind, TF_MSG_REPLY);
	TF_CHECK_EQ_INT(decode("{\"e\":\"serverShutdown\",\"E\":1699999999999}", &kind, &c, &err), TF_OK);
	TF_CHECK_EQ_INT(kind, TF_MSG_SERVER_SHUTDOWN);
	TF_CHECK_EQ_INT(decode("{\"code\":2,\"msg\":\"Invalid request: unknown variant\"}", &kind, &c, &err), TF_OK);
	TF_CHECK_EQ_INT(kind, TF_MSG_ERROR);
	TF_CHECK_EQ_STR(err.msg, "binance error 2: Invalid request: unknown variant");
	TF_CHECK_EQ_INT(c.n + c.bad, 0);
	TF_CHECK_EQ_INT(decode("{\"hello\":1}", &kind, &c, &err), TF_ERR_SCHEMA);
	TF_CHECK(strstr(err.msg, "unknown message"));
	TF_CHECK_EQ_INT(decode("42", &kind, &c, &err), TF_ERR_SCHEMA);
	TF_CHECK(strstr(err.msg, "a number, not an object or an array"));
	TF_CHECK_EQ_INT(decode("{\"code\":\"x\",\"msg\":\"m\"}", &kind, &c, &err), TF_ERR_SCHEMA);
	TF_CHECK(strstr(err.msg, "field \"code\": expected an integer, got a string"));
}

TF_TEST(market_ws_sends_bad_elements_to_on_bad_and_keeps_the_rest)
{
	const char *msg =
		"[{\"e\":\"24hrMiniTicker\",\"E\":1,\"s\":\"AAA\",\"c\":\"1\",\"o\":\"1\",\"h\":\"1\",\"l\":\"1\",\"v\":\"1\",\"q\":\"1\"},"
		"{\"e\":\"24hrMiniTicker\",\"E\":2,\"s\":\"BBB\",\"c\":1.5,\"o\":\"1\",\"h\":\"1\",\"l\":\"1\",\"v\":\"1\",\"q\":\"1\"},"
		"{\"e\":\"24hrMiniTicker\",\"E\":3,\"s\":\"CCC\",\"c\":\"0.00000000\",\"o\":\"0\",\"h\":\"0\",\"l\":\"0\",\"v\":\"0\",\"q\":\"0\"},"
		"7,"
		"{\"e\":\"depthUpdate\",\"E\":4,\"s\":\"DDD\"}]";
	collect c;
	tf_msg_kind kind;
	tf_decode_err err = {0};
	tf_tick_handler h = collect_handler(&c);
	TF_CHECK_EQ_INT(tf_market_decode_ws(msg, strlen(msg), &kind, &h, &err), TF_OK);
	TF_CHECK_EQ_INT(c.n, 2);
	TF_CHECK_EQ_INT(c.bad, 3);
	TF_CHECK_EQ_STR(c.ticks[0].symbol, "AAA");
	TF_CHECK(!c.ticks[0].dead);
	TF_CHECK_EQ_STR(c.ticks[1].symbol, "CCC");
	TF_CHECK(c.ticks[1].dead);
	TF_CHECK_EQ_STR(c.last_bad.msg, "element 4: field \"e\": unsupported event type \"depthUpdate\"");
	TF_CHECK_EQ_STR(c.last_bad_raw, "{\"e\":\"depthUpdate\",\"E\":4,\"s\":\"DDD\"}");
	collect_free(&c);

	/* the first bad element's message names the element and the field */
	const char *one = "[{\"e\":\"24hrMiniTicker\",\"E\":2,\"s\":\"BBB\",\"c\":1.5,\"o\":\"1\",\"h\":\"1\",\"l\":\"1\",\"v\":\"1\",\"q\":\"1\"}]";
	h = collect_handler(&c);
	TF_CHECK_EQ_INT(tf_market_decode_ws(one, strlen(one), &kind, &h, &err), TF_OK);
	TF_CHECK_EQ_INT(c.bad, 1);
	TF_CHECK_EQ_STR(c.last_bad.msg, "element 0: field \"c\": expected a decimal string, got a number");
	TF_CHECK_EQ_INT(c.last_bad.offset, strstr(one, "1.5") - one);
	collect_free(&c);

	/* without on_bad the element's error stops the message */
	tf_tick_handler h2 = {collect_tick, NULL, &c};
	memset(&c, 0, sizeof c);
	TF_CHECK_EQ_INT(tf_market_decode_ws(one, strlen(one), &kind, &h2, &err), TF_ERR_SCHEMA);
	TF_CHECK(strstr(err.msg, "expected a decimal string"));

	/* a handler error stops at once and is returned */
	h = collect_handler(&c);
	c.stop_after = 1;
	TF_CHECK_EQ_INT(tf_market_decode_ws(msg, strlen(msg), &kind, &h, &err), TF_ERR_STOPPED);
	TF_CHECK_EQ_INT(c.n, 1);
	TF_CHECK_EQ_INT(c.bad, 0);
	collect_free(&c);
}

/* Decodes a single-event message expected to be rejected through on_bad; returns the reason. */
static const char *bad_reason(const char *msg, char out[192])
{
	collect c;
	tf_msg_kind kind;
	tf_decode_err err = {0};
	tf_tick_handler h = collect_handler(&c);
	tf_err e = tf_market_decode_ws(msg, strlen(msg), &kind, &h, &err);
	snprintf(out, 192, "%s", e ? err.msg : c.bad == 1 && c.n == 0 ? c.last_bad.msg : "(accepted)");
	collect_free(&c);
	return out;
}

TF_TEST(market_ws_event_errors_name_the_field)
{
	char r[192];
	TF_CHECK_EQ_STR(bad_reason("{\"e\":\"24hrMiniTicker\",\"E\":1,\"s\":\"AAA\",\"o\":\"1\",\"h\":\"1\",\"l\":\"1\",\"v\":\"1\",\"q\":\"1\"}", r),
			"missing field \"c\"");
	TF_CHECK_EQ_STR(bad_reason("{\"e\":\"24hrMiniTicker\",\"E\":\"1\",\"s\":\"AAA\",\"c\":\"1\",\"o\":\"1\",\"h\":\"1\",\"l\":\"1\",\"v\":\"1\",\"q\":\"1\"}", r),
			"field \"E\": expected an integer, got a string");
	TF_CHECK_EQ_STR(bad_reason("{\"e\":\"24hrMiniTicker\",\"E\":1.5,\"s\":\"AAA\",\"c\":\"1\",\"o\":\"1\",\"h\":\"1\",\"l\":\"1\",\"v\":\"1\",\"q\":\"1\"}", r),
			"field \"E\": expected an integer, got 1.5");
	TF_CHECK_EQ_STR(bad_reason("{\"e\":\"24hrMiniTicker\",\"E\":99999999999999999999,\"s\":\"AAA\",\"c\":\"1\",\"o\":\"1\",\"h\":\"1\",\"l\":\"1\",\"v\":\"1\",\"q\":\"1\"}", r),
			"field \"E\": integer out of range");
	TF_CHECK_EQ_STR(bad_reason("{\"e\":\"24hrMiniTicker\",\"E\":1,\"s\":\"btcusdt\",\"c\":\"1\",\"o\":\"1\",\"h\":\"1\",\"l\":\"1\",\"v\":\"1\",\"q\":\"1\"}", r),
			"field \"s\": invalid symbol \"btcusdt\" (want 1-31 of A-Z 0-9 ^ . = -)");
	TF_CHECK_EQ_STR(bad_reason("{\"e\":\"24hrMiniTicker\",\"E\":1,\"s\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"c\":\"1\",\"o\":\"1\",\"h\":\"1\",\"l\":\"1\",\"v\":\"1\",\"q\":\"1\"}", r),
			"field \"s\": invalid symbol \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\" (want 1-31 of A-Z 0-9 ^ . = -)");
	TF_CHECK_EQ_STR(bad_reason("{\"e\":\"24hrMiniTicker\",\"E\":1,\"s\":\"AAA\",\"c\":\"123456789012345678901.0\",\"o\":\"1\",\"h\":\"1\",\"l\":\"1\",\"v\":\"1\",\"q\":\"1\"}", r),
			"field \"c\": decimal has more than 20 integer digits");
	TF_CHECK_EQ_STR(bad_reason("{\"e\":\"24hrMiniTicker\",\"E\":1,\"s\":\"AAA\",\"c\":\"1.123456789\",\"o\":\"1\",\"h\":\"1\",\"l\":\"1\",\"v\":\"1\",\"q\":\"1\"}", r),
			"field \"c\": invalid decimal \"1.123456789\"");
	TF_CHECK_EQ_STR(bad_reason("{\"e\":\"24hrMiniTicker\",\"E\":1,\"s\":\"AAA\",\"c\":\"1\",\"c\":\"2\",\"o\":\"1\",\"h\":\"1\",\"l\":\"1\",\"v\":\"1\",\"q\":\"1\"}", r),
			"duplicate key \"c\"");
	TF_CHECK_EQ_STR(bad_reason("{\"e\":7}", r), "field \"e\": expected a string, got a number");
	TF_CHECK_EQ_STR(bad_reason("{\"e\":\"kline\",\"E\":1,\"s\":\"AAA\",\"k\":[]}", r),
			"field \"k\": expected an object, got an array");
	TF_CHECK_EQ_STR(bad_reason("{\"e\":\"kline\",\"E\":1,\"s\":\"AAA\",\"k\":{\"s\":\"BBB\"}}", r),
			"field \"k.s\": symbol BBB differs from the event's AAA");
	TF_CHECK_EQ_STR(bad_reason("{\"e\":\"trade\",\"E\":1,\"s\":\"AAA\",\"t\":1,\"p\":\"1\",\"q\":\"1\",\"T\":1,\"m\":1}", r),
			"field \"m\": expected a boolean, got a number");
	TF_CHECK_EQ_STR(bad_reason("{\"stream\":\"x\",\"data\":5}", r),
			"field \"data\": expected an object or an array, got a number");
}

TF_TEST(market_tick_json_prints_normalised_lines)
{
	size_t len;
	char *s = tf_test_read_sample("unicornfy_spot_ws_messages.jsonl", &len);
	TF_CHECK(s);
	char *ln[16];
	TF_CHECK_EQ_INT(lines(s, len, ln, 16), 6);
	static const char *want[6] = {
		"{\"kind\":\"aggTrade\",\"symbol\":\"BTCUSDT\",\"event_time\":1592584651517,\"agg_id\":315753210,"
		"\"first_trade_id\":343675554,\"last_trade_id\":343675554,\"price\":\"9319.00000000\","
		"\"qty\":\"0.01864900\",\"trade_time\":1592584651516,\"buyer_maker\":true,\"dead\":false}",
		"{\"kind\":\"trade\",\"symbol\":\"BTCUSDT\",\"event_time\":1592591955766,\"trade_id\":343719861,"
		"\"price\":\"9302.00000000\",\"qty\":\"0.00101900\",\"trade_time\":1592591955765,\"buyer_maker\":false,"
		"\"buyer_order_id\":2517144287,\"seller_order_id\":2517144235,\"dead\":false}",
		"{\"kind\":\"ticker24hr\",\"symbol\":\"BTCUSDT\",\"event_time\":1592593727005,\"open_24h\":\"9383.48000000\","
		"\"high_24h\":\"9438.30000000\",\"low_24h\":\"9215.79000000\",\"last\":\"9318.48000000\","
		"\"volume_24h\":\"48745.36667100\",\"quote_volume_24h\":\"455442476.18534620\","
		"\"price_change\":\"-65.00000000\",\"price_change_pct\":\"-0.69300000\","
		"\"weighted_avg_price\":\"9343.29777965\",\"prev_close\":\"9383.27000000\",\"trades\":550340,"
		"\"first_id\":343178738,\"last_id\":343729077,\"open_time\":1592507327001,\"close_time\":1592593727001,"
		"\"dead\":false}",
		"{\"kind\":\"miniTicker\",\"symbol\":\"ETHBTC\",\"event_time\":1592594715455,\"open_24h\":\"0.02459800\","
		"\"high_24h\":\"0.02470900\",\"low_24h\":\"0.02438100\",\"last\":\"0.02456700\","
		"\"volume_24h\":\"163116.18600000\",\"quote_volume_24h\":\"4006.04936991\",\"dead\":false}",
		"{\"kind\":\"miniTicker\",\"symbol\":\"BTCUSDT\",\"event_time\":1601628771865,\"open_24h\":\"10884.90000000\","
		"\"high_24h\":\"10912.83000000\",\"low_24h\":\"10385.02000000\",\"last\":\"10456.56000000\","
		"\"volume_24h\":\"64483.09756200\",\"quote_volume_24h\":\"685180788.34970800\",\"dead\":false}",
		"{\"kind\":\"kline\",\"symbol\":\"BTCUSDT\",\"event_time\":1601630228469,\"interval\":\"1m\","
		"\"open_time\":1601630220000,\"close_time\":1601630279999,\"open\":\"10437.32000000\","
		"\"high\":\"10441.80000000\",\"low\":\"10437.32000000\",\"close\":\"10441.80000000\","
		"\"volume\":\"20.63957400\",\"quote_volume\":\"215452.69236872\",\"taker_buy_volume\":\"19.31210700\","
		"\"taker_buy_quote_volume\":\"201593.99488069\",\"trades\":183,\"first_trade_id\":427033476,"
		"\"last_trade_id\":427033658,\"closed\":false,\"dead\":false}",
	};
	tf_buf out;
	tf_buf_init(&out, 1 << 16);
	for (int i = 0; i < 6; i++) {
		collect c;
		tf_msg_kind kind;
		tf_decode_err err = {0};
		TF_CHECK_EQ_INT(decode(ln[i], &kind, &c, &err), TF_OK);
		TF_CHECK(c.n >= 1);
		tf_buf_reset(&out);
		TF_CHECK_EQ_INT(tf_market_tick_json(&c.ticks[0], &out), TF_OK);
		TF_CHECK_EQ_STR(out.data, want[i]);
		collect_free(&c);
	}
	/* a line never exceeds the buffer's maximum silently */
	tf_tick t = {.kind = TF_TICK_MINI_TICKER, .symbol = "X", .event_time = -5};
	tf_buf small;
	tf_buf_init(&small, 20);
	TF_CHECK_EQ_INT(tf_market_tick_json(&t, &small), TF_ERR_TOO_BIG);
	tf_buf_free(&small);
	tf_buf_free(&out);
	free(s);
}

/* Runs msg through the fast scanner and the reference path; both must agree tick for tick. */
static void fast_equals_reference(const char *msg, size_t len, bool fast_expected)
{
	collect f, r;
	tf_tick_handler hf = collect_handler(&f), hr = collect_handler(&r);
	tf_err ef = TF_ERR_INTERNAL;
	bool took = tf_market_mini_fast(msg, len, &hf, &ef);
	TF_CHECK_EQ_INT(took, fast_expected);
	tf_msg_kind kind;
	tf_decode_err err = {0};
	TF_CHECK_EQ_INT(tf_market_decode_ws_reference(msg, len, &kind, &hr, &err), TF_OK);
	if (took) {
		TF_CHECK_EQ_INT(ef, TF_OK);
		TF_CHECK_EQ_INT(f.n, r.n);
		for (size_t i = 0; i < f.n; i++) {
			TF_CHECK(f.ticks[i].raw == r.ticks[i].raw && f.ticks[i].raw_len == r.ticks[i].raw_len);
			TF_CHECK_EQ_STR(f.ticks[i].symbol, r.ticks[i].symbol);
			TF_CHECK(memcmp(&f.ticks[i].s24, &r.ticks[i].s24, sizeof f.ticks[i].s24) == 0);
			TF_CHECK_EQ_INT(f.ticks[i].event_time, r.ticks[i].event_time);
			TF_CHECK_EQ_INT(f.ticks[i].dead, r.ticks[i].dead);
		}
	} else {
		TF_CHECK_EQ_INT(f.n + f.bad, 0);
	}
	collect_free(&f);
	collect_free(&r);
}

TF_TEST(market_ws_fast_path_matches_the_reference)
{
	size_t len;
	char *s = tf_test_read_sample("unicornfy_spot_miniTicker_arr_raw_26symbols.json", &len);
	TF_CHECK(s);
	/* the sample file ends with a newline: the fast path declines, the reference decodes */
	fast_equals_reference(s, len, s[len - 1] == ']');
	while (len && s[len - 1] != ']')
		len--;
	fast_equals_reference(s, len, true);
	const char *odd = "[{\"q\":\"1.5\",\"v\":\"-0.00000000\",\"l\":\"0\",\"h\":\"12345678901234567890.12345678\",\"o\":\"7\","
			  "\"c\":\"0.1\",\"s\":\"^GSPC\",\"E\":-0,\"e\":\"24hrMiniTicker\"}]";
	fast_equals_reference(odd, strlen(odd), true);
	const char *ws = "[ {\"e\":\"24hrMiniTicker\",\"E\":1,\"s\":\"A\",\"c\":\"1\",\"o\":\"1\",\"h\":\"1\",\"l\":\"1\",\"v\":\"1\",\"q\":\"1\"}]";
	fast_equals_reference(ws, strlen(ws), false);
	const char *extra = "[{\"e\":\"24hrMiniTicker\",\"E\":1,\"s\":\"A\",\"c\":\"1\",\"o\":\"1\",\"h\":\"1\",\"l\":\"1\",\"v\":\"1\",\"q\":\"1\",\"x\":2}]";
	fast_equals_reference(extra, strlen(extra), false);
	/* 19-digit integers are left to the reference path's overflow-checked parser */
	const char *e19 = "[{\"e\":\"24hrMiniTicker\",\"E\":1592594715459259471,\"s\":\"A\",\"c\":\"1\",\"o\":\"1\",\"h\":\"1\",\"l\":\"1\",\"v\":\"1\",\"q\":\"1\"}]";
	fast_equals_reference(e19, strlen(e19), false);
	const char *e18 = "[{\"e\":\"24hrMiniTicker\",\"E\":159259471545925947,\"s\":\"A\",\"c\":\"1\",\"o\":\"1\",\"h\":\"1\",\"l\":\"1\",\"v\":\"1\",\"q\":\"1\"}]";
	fast_equals_reference(e18, strlen(e18), true);
	free(s);
}

TF_TEST(market_ws_fast_path_single_records_match_the_reference)
{
	size_t len;
	char *s = tf_test_read_sample("unicornfy_spot_miniTicker_arr_raw_26symbols.json", &len);
	TF_CHECK(s);
	/* every element of the frame on its own, as ingest writes it into a `ticks` record */
	collect c;
	tf_tick_handler h = collect_handler(&c);
	tf_msg_kind kind;
	tf_decode_err err = {0};
	TF_CHECK_EQ_INT(tf_market_decode_ws_reference(s, len, &kind, &h, &err), TF_OK);
	TF_CHECK(c.n >= 20);
	for (size_t i = 0; i < c.n; i++) {
		fast_equals_reference(c.ticks[i].raw, c.ticks[i].raw_len, true);
		/* the record and a trailing newline or space: declined, the reference decodes it */
		char buf[512];
		TF_CHECK(c.ticks[i].raw_len + 1 < sizeof buf);
		memcpy(buf, c.ticks[i].raw, c.ticks[i].raw_len);
		buf[c.ticks[i].raw_len] = i % 2 ? '\n' : ' ';
		fast_equals_reference(buf, c.ticks[i].raw_len + 1, false);
	}
	collect_free(&c);
	const char *one = "{\"e\":\"24hrMiniTicker\",\"E\":1,\"s\":\"A\",\"c\":\"1\",\"o\":\"1\",\"h\":\"1\",\"l\":\"1\",\"v\":\"1\",\"q\":\"1\"}";
	fast_equals_reference(one, strlen(one), true);
	h = collect_handler(&c);
	/* the public entry point: the whole record is the tick's raw slice */
	TF_CHECK_EQ_INT(tf_market_decode_ws(one, strlen(one), &kind, &h, &err), TF_OK);
	TF_CHECK_EQ_INT(kind, TF_MSG_EVENTS);
	TF_CHECK_EQ_INT(c.n, 1);
	TF_CHECK(c.ticks[0].raw == one && c.ticks[0].raw_len == strlen(one));
	collect_free(&c);
	h = collect_handler(&c);
	const char *extra = "{\"e\":\"24hrMiniTicker\",\"E\":1,\"s\":\"A\",\"c\":\"1\",\"o\":\"1\",\"h\":\"1\",\"l\":\"1\",\"v\":\"1\",\"q\":\"1\",\"x\":2}";
	fast_equals_reference(extra, strlen(extra), false);
	const char *esc = "{\"e\":\"24hrMiniTicker\",\"E\":1,\"s\":\"\\u0041\",\"c\":\"1\",\"o\":\"1\",\"h\":\"1\",\"l\":\"1\",\"v\":\"1\",\"q\":\"1\"}";
	fast_equals_reference(esc, strlen(esc), false);
	/* shapes the scanner must not take: a truncated record, two objects, a missing key */
	TF_CHECK(!tf_market_mini_fast(one, strlen(one) - 1, &h, &(tf_err){0}));
	char two[256];
	snprintf(two, sizeof two, "%s%s", one, one);
	TF_CHECK(!tf_market_mini_fast(two, strlen(two), &h, &(tf_err){0}));
	const char *noq = "{\"e\":\"24hrMiniTicker\",\"E\":1,\"s\":\"A\",\"c\":\"1\",\"o\":\"1\",\"h\":\"1\",\"l\":\"1\",\"v\":\"1\"}";
	TF_CHECK(!tf_market_mini_fast(noq, strlen(noq), &h, &(tf_err){0}));
	TF_CHECK_EQ_INT(c.n + c.bad, 0);
	collect_free(&c);
	free(s);
}

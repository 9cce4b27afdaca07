/* test_exchange_streams.c — stream names, subscription sets and the control messages answered as
 * Binance documents them. */
#include "exchange/streams.h"
#include "test.h"

#define START 1700000000000LL

static tf_sim *sim60(void)
{
	tf_sim_config c = {.seed = 42, .nsymbols = 60, .start_ms = START};
	tf_sim *s = NULL;
	return tf_sim_new(&c, &s) == TF_OK ? s : NULL;
}

TF_TEST(exchange_stream_names_parse_and_print)
{
	tf_sim *sim = sim60();
	TF_CHECK(sim);
	static const char *good[] = {"!miniTicker@arr", "btcusdt@miniTicker", "ethbtc@kline_1m", "btcusdt@kline_12h",
				     "bnbusdt@kline_1d", "solusdt@trade"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		tf_xstream st, back;
		char name[TF_XSTREAM_NAME_MAX];
		TF_CHECK_EQ_INT(tf_xstream_parse(sim, good[i], strlen(good[i]), &st), TF_OK);
		tf_xstream_name(sim, &st, name, sizeof name);
		TF_CHECK_EQ_STR(name, good[i]);
		tf_xstream_from_key(tf_xstream_key(&st), &back);
		TF_CHECK(back.kind == st.kind && back.sym == st.sym && back.interval == st.interval);
	}
	static const char *bad[] = {"", "btcusdt", "BTCUSDT@trade", "btcusdt@kline_2m", "btcusdt@kline_", "nopeusdt@trade",
				    "btcusdt@ticker", "aapl@trade", "@trade", "btcusdt@trade ", "!miniTicker@arr2",
				    "btcusdt@miniticker"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		tf_xstream st;
		if (tf_xstream_parse(sim, bad[i], strlen(bad[i]), &st) != TF_ERR_NOT_FOUND) {
			tf_test_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
			break;
		}
	}
	tf_sim_free(sim);
}

TF_TEST(exchange_stream_list_from_path)
{
	tf_sim *sim = sim60();
	TF_CHECK(sim);
	static tf_xsubs subs;
	char bad[80];
	subs.n = 0;
	const char *l = "btcusdt@trade/btcusdt@kline_1m/btcusdt@trade";
	TF_CHECK_EQ_INT(tf_xstream_parse_list(sim, l, strlen(l), &subs, bad, sizeof bad), TF_OK);
	TF_CHECK_EQ_INT(subs.n, 2); /* duplicates count once */
	subs.n = 0;
	l = "btcusdt@trade/zzz@trade";
	TF_CHECK_EQ_INT(tf_xstream_parse_list(sim, l, strlen(l), &subs, bad, sizeof bad), TF_ERR_NOT_FOUND);
	TF_CHECK_EQ_STR(bad, "zzz@trade");
	subs.n = 0;
	TF_CHECK_EQ_INT(tf_xstream_parse_list(sim, "btcusdt@trade//ethbtc@trade", 27, &subs, bad, sizeof bad), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(tf_xstream_parse_list(sim, "", 0, &subs, bad, sizeof bad), TF_ERR_PARSE);
	tf_sim_free(sim);
}

TF_TEST(exchange_subs_limit_1024)
{
	static tf_xsubs subs;
	subs.n = 0;
	for (uint32_t k = 1; k <= TF_XSTREAM_MAX_PER_CONN; k++)
		TF_CHECK_EQ_INT(tf_xsubs_add(&subs, k), TF_OK);
	TF_CHECK_EQ_INT(tf_xsubs_add(&subs, 5), TF_OK); /* already there */
	TF_CHECK_EQ_INT(tf_xsubs_add(&subs, 99999), TF_ERR_TOO_BIG);
	TF_CHECK(tf_xsubs_remove(&subs, 7));
	TF_CHECK(!tf_xsubs_has(&subs, 7));
	TF_CHECK(!tf_xsubs_remove(&subs, 7));
	TF_CHECK_EQ_INT(subs.n, TF_XSTREAM_MAX_PER_CONN - 1);
	TF_CHECK_EQ_INT(subs.keys[6], 8); /* order kept */
}

/* Sends msg and compares the reply with want. */
static int exchange(tf_sim *sim, tf_xsubs *subs, bool *combined, const char *msg, const char *want)
{
	tf_json_doc doc;
	tf_json_init(&doc);
	tf_buf reply;
	tf_buf_init(&reply, 1 << 20);
	tf_xcontrol_result res;
	tf_err err = tf_xcontrol_handle(sim, subs, combined, msg, strlen(msg), &doc, &reply, &res);
	int ok = err == TF_OK && reply.data && strcmp(reply.data, want) == 0;
	if (!ok)
		printf("    sent %s\n    got  %s\n    want %s\n", msg, reply.data ? reply.data : "(none)", want);
	tf_buf_free(&reply);
	tf_json_free(&doc);
	return ok;
}

TF_TEST(exchange_control_subscribe_list_unsubscribe)
{
	tf_sim *sim = sim60();
	TF_CHECK(sim);
	static tf_xsubs subs;
	subs.n = 0;
	bool combined = false;
	TF_CHECK(exchange(sim, &subs, &combined,
			  "{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@trade\",\"ethusdt@kline_1m\"],\"id\":1}",
			  "{\"result\":null,\"id\":1}"));
	TF_CHECK(exchange(sim, &subs, &combined, "{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":3}",
			  "{\"result\":[\"btcusdt@trade\",\"ethusdt@kline_1m\"],\"id\":3}"));
	TF_CHECK(exchange(sim, &subs, &combined, "{\"method\":\"UNSUBSCRIBE\",\"params\":[\"btcusdt@trade\"],\"id\":312}",
			  "{\"result\":null,\"id\":312}"));
	TF_CHECK(exchange(sim, &subs, &combined, " {\"id\":4, \"method\":\"LIST_SUBSCRIPTIONS\"}",
			  "{\"result\":[\"ethusdt@kline_1m\"],\"id\":4}"));
	/* a bad stream changes nothing, even next to good ones */
	TF_CHECK(exchange(sim, &subs, &combined,
			  "{\"method\":\"SUBSCRIBE\",\"params\":[\"solusdt@trade\",\"btcusdt@depth\"],\"id\":5}",
			  "{\"code\":2,\"msg\":\"Invalid request: unknown stream\",\"id\":5}"));
	TF_CHECK_EQ_INT(subs.n, 1);
	TF_CHECK(exchange(sim, &subs, &combined, "{\"method\":\"SET_PROPERTY\",\"params\":[\"combined\",true],\"id\":6}",
			  "{\"result\":null,\"id\":6}"));
	TF_CHECK(combined);
	TF_CHECK(exchange(sim, &subs, &combined, "{\"method\":\"GET_PROPERTY\",\"params\":[\"combined\"],\"id\":7}",
			  "{\"result\":true,\"id\":7}"));
	tf_sim_free(sim);
}

TF_TEST(exchange_control_errors_as_binance)
{
	tf_sim *sim = sim60();
	TF_CHECK(sim);
	static tf_xsubs subs;
	subs.n = 0;
	bool combined = false;
	TF_CHECK(exchange(sim, &subs, &combined, "{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@trade\"]",
			  "{\"code\":3,\"msg\":\"Invalid JSON: expected value at line 1 column 49\"}"));
	TF_CHECK(exchange(sim, &subs, &combined, "{\"method\":\"SUBSCRIBE\",\"params\":[],\"id\":-1}",
			  "{\"code\":2,\"msg\":\"Invalid request: request ID must be an unsigned integer\"}"));
	TF_CHECK(exchange(sim, &subs, &combined, "{\"method\":\"SUBSCRIBE\",\"params\":[]}",
			  "{\"code\":2,\"msg\":\"Invalid request: request ID must be an unsigned integer\"}"));
	TF_CHECK(exchange(sim, &subs, &combined, "{\"method\":\"SUBSCRIBE\",\"params\":[],\"id\":\"x\"}",
			  "{\"code\":2,\"msg\":\"Invalid request: request ID must be an unsigned integer\"}"));
	TF_CHECK(exchange(sim, &subs, &combined, "{\"method\":\"SUBSCRIBX\",\"params\":[],\"id\":9}",
			  "{\"code\":2,\"msg\":\"Invalid request: unknown variant `SUBSCRIBX`, expected one of "
			  "`SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY` at line 1 "
			  "column 21\",\"id\":9}"));
	TF_CHECK(exchange(sim, &subs, &combined, "{\"params\":[],\"id\":10}",
			  "{\"code\":2,\"msg\":\"Invalid request: missing field `method` at line 1 column 21\",\"id\":10}"));
	TF_CHECK(exchange(sim, &subs, &combined, "{\"method\":\"SET_PROPERTY\",\"params\":[\"color\",true],\"id\":11}",
			  "{\"code\":0,\"msg\":\"Unknown property\",\"id\":11}"));
	TF_CHECK(exchange(sim, &subs, &combined, "{\"method\":\"SET_PROPERTY\",\"params\":[\"combined\",1],\"id\":12}",
			  "{\"code\":1,\"msg\":\"Invalid value type: expected Boolean\",\"id\":12}"));
	TF_CHECK(exchange(sim, &subs, &combined, "{\"method\":\"SET_PROPERTY\",\"params\":[1,true],\"id\":13}",
			  "{\"code\":2,\"msg\":\"Invalid request: property name must be a string\",\"id\":13}"));
	TF_CHECK(exchange(sim, &subs, &combined, "{\"method\":\"GET_PROPERTY\",\"params\":[\"combined\",2],\"id\":14}",
			  "{\"code\":2,\"msg\":\"Invalid request: too many parameters\",\"id\":14}"));
	TF_CHECK(exchange(sim, &subs, &combined, "[1,2]", "{\"code\":2,\"msg\":\"Invalid request: expected a JSON object\"}"));
	TF_CHECK(exchange(sim, &subs, &combined, "{\"method\":\"SUBSCRIBE\",\"params\":\"btcusdt@trade\",\"id\":15}",
			  "{\"code\":2,\"msg\":\"Invalid request: params must be an array of stream names\",\"id\":15}"));
	/* a method name that would break the JSON of the reply is sanitised */
	TF_CHECK(exchange(sim, &subs, &combined, "{\"method\":\"A\\\"B\",\"id\":16}",
			  "{\"code\":2,\"msg\":\"Invalid request: unknown variant `A??B`, expected one of `SUBSCRIBE`, "
			  "`UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY` at line 1 column 16\",\"id\":16}"));
	TF_CHECK_EQ_INT(subs.n, 0);
	tf_sim_free(sim);
}

/* 1024 streams a connection: a SUBSCRIBE that would pass the limit is refused whole. */
TF_TEST(exchange_control_stream_limit)
{
	tf_sim_config c = {.seed = 1, .nsymbols = 300, .start_ms = START};
	tf_sim *sim = NULL;
	TF_CHECK(tf_sim_new(&c, &sim) == TF_OK);
	static tf_xsubs subs;
	subs.n = 0;
	bool combined = false;
	tf_buf msg;
	tf_buf_init(&msg, 1 << 20);
	tf_buf_appendf(&msg, "{\"method\":\"SUBSCRIBE\",\"id\":1,\"params\":[");
	int n = 0;
	for (int i = 0; i < 300; i++)
		for (int k = 0; k < 4 && n < 1020; k++, n++) {
			tf_xstream st = {.kind = k == 3 ? TF_XS_TRADE : TF_XS_KLINE, .sym = i, .interval = k == 3 ? -1 : k};
			char name[TF_XSTREAM_NAME_MAX];
			tf_xstream_name(sim, &st, name, sizeof name);
			tf_buf_appendf(&msg, "%s\"%s\"", n ? "," : "", name);
		}
	tf_buf_appendf(&msg, "]}");
	int ok1 = exchange(sim, &subs, &combined, msg.data, "{\"result\":null,\"id\":1}");
	int n1 = subs.n;
	int ok2 = exchange(sim, &subs, &combined,
			   "{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@miniTicker\",\"ethusdt@miniTicker\","
			   "\"bnbusdt@miniTicker\",\"solusdt@miniTicker\",\"xrpusdt@miniTicker\"],\"id\":2}",
			   "{\"code\":2,\"msg\":\"Invalid request: too many streams (at most 1024 a connection)\",\"id\":2}");
	int n2 = subs.n;
	int ok3 = exchange(sim, &subs, &combined,
			   "{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@miniTicker\",\"ethusdt@miniTicker\","
			   "\"bnbusdt@miniTicker\",\"solusdt@miniTicker\"],\"id\":3}",
			   "{\"result\":null,\"id\":3}");
	tf_buf_free(&msg);
	tf_sim_free(sim);
	TF_CHECK(ok1 && ok2 && ok3);
	TF_CHECK_EQ_INT(n1, 1020);
	TF_CHECK_EQ_INT(n2, 1020);
	TF_CHECK_EQ_INT(subs.n, 1024);
}

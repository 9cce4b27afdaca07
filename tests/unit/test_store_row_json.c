/* test_store_row_json.c — the one candle/alert JSON shape: an engine row written as the stream's bus
 * writes it reads back (as serve's bus consumer reads it) to the same row and the same bytes; the
 * API's per-row form omits symbol and interval; malformed, oversized and out-of-range messages are
 * rejected with the field named. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "store/row_json.h"
#include "test.h"

static tf_candle_row engine_row(void)
{
	tf_candle_row r;
	memset(&r, 0, sizeof r);
	snprintf(r.symbol, sizeof r.symbol, "BTCUSDT");
	snprintf(r.interval, sizeof r.interval, "1m");
	r.interval_ms = 60000;
	r.open_time = 1700000040000;
	r.last_event_time = 1700000052115;
	r.open = 237701169;     /* 2.37701169 */
	r.high = 240095606;
	r.low = 232156731;
	r.close = 232362862;
	r.volume = 1407100000000;
	r.updates = 108;
	r.ret = (tf_maybe){true, -0.02245805951};
	r.rel_vol = (tf_maybe){true, 1.0 / 3.0};
	r.change_24h_pct = (tf_maybe){true, -3.04478802};
	r.ma7 = (tf_maybe){false, 0};
	return r;
}

TF_TEST(row_json_candle_round_trip)
{
	tf_candle_row r = engine_row();
	tf_q_candle c, back;
	tf_row_from_candle(&r, &c);
	tf_buf b, b2;
	tf_buf_init(&b, TF_ROW_JSON_MAX);
	tf_buf_init(&b2, TF_ROW_JSON_MAX);
	TF_CHECK(tf_row_json_candle(&b, &c, true) == TF_OK);
	TF_CHECK_EQ_STR(b.data, "{\"symbol\":\"BTCUSDT\",\"interval\":\"1m\",\"t\":1700000040000,\"o\":2.37701169,"
				"\"h\":2.40095606,\"l\":2.32156731,\"c\":2.32362862,\"v\":14071.00000000,\"n\":108,"
				"\"final\":false,\"ma7\":null,\"ma25\":null,\"ret\":-0.02245805951,"
				"\"volatility\":0.3333333333,\"change_24h_pct\":-3.04478802,\"last_event_time\":1700000052115}");
	tf_json_doc d;
	tf_json_init(&d);
	char why[200];
	TF_CHECK(tf_row_json_parse_candle(&d, b.data, b.len, &back, why, sizeof why) == TF_OK);
	TF_CHECK(tf_row_json_candle(&b2, &back, true) == TF_OK);
	TF_CHECK_EQ_STR(b2.data, b.data);
	TF_CHECK_EQ_STR(back.close, "2.32362862");
	TF_CHECK_EQ_INT(back.last_event_time, 1700000052115);
	TF_CHECK(!back.ma7.valid && back.ret.valid);
	/* the API's rows leave out the series */
	tf_buf_reset(&b2);
	TF_CHECK(tf_row_json_candle(&b2, &back, false) == TF_OK);
	TF_CHECK(!strncmp(b2.data, "{\"t\":1700000040000,", 19));
	/* an older row without last_event_time (NULL in the store) */
	back.last_event_time = 0;
	tf_buf_reset(&b2);
	TF_CHECK(tf_row_json_candle(&b2, &back, true) == TF_OK);
	TF_CHECK(strstr(b2.data, "\"last_event_time\":null}") != NULL);
	TF_CHECK(tf_row_json_parse_candle(&d, b2.data, b2.len, &back, why, sizeof why) == TF_OK);
	TF_CHECK_EQ_INT(back.last_event_time, 0);
	tf_json_free(&d);
	tf_buf_free(&b);
	tf_buf_free(&b2);
}

TF_TEST(row_json_alert_round_trip)
{
	tf_alert_row r;
	memset(&r, 0, sizeof r);
	r.id = -8070450532247928832LL; /* ids are hashes: beyond JavaScript's exact integers */
	snprintf(r.symbol, sizeof r.symbol, "@p3");
	r.kind = TF_ALERT_TREND;
	r.event_time = 1700000060000;
	r.value = 5.5;
	r.threshold = NAN;
	snprintf(r.detail, sizeof r.detail, "updates 12 vs mean 3.1 (z 5.5)");
	tf_q_alert a, back;
	tf_row_from_alert(&r, &a);
	tf_buf b, b2;
	tf_buf_init(&b, TF_ROW_JSON_MAX);
	tf_buf_init(&b2, TF_ROW_JSON_MAX);
	TF_CHECK(tf_row_json_alert(&b, &a) == TF_OK);
	TF_CHECK_EQ_STR(b.data, "{\"id\":\"-8070450532247928832\",\"symbol\":\"@p3\",\"kind\":\"trend\","
				"\"event_time\":1700000060000,\"value\":5.5,\"threshold\":null,"
				"\"detail\":\"updates 12 vs mean 3.1 (z 5.5)\"}");
	tf_json_doc d;
	tf_json_init(&d);
	char why[200];
	TF_CHECK(tf_row_json_parse_alert(&d, b.data, b.len, &back, why, sizeof why) == TF_OK);
	TF_CHECK(tf_row_json_alert(&b2, &back) == TF_OK);
	TF_CHECK_EQ_STR(b2.data, b.data);
	TF_CHECK_EQ_INT(back.id, r.id);
	tf_json_free(&d);
	tf_buf_free(&b);
	tf_buf_free(&b2);
}

/* Replaces the first occurrence of from in s with to (fits in out). */
static const char *edit(const char *s, const char *from, const char *to, char *out, size_t cap)
{
	const char *p = strstr(s, from);
	snprintf(out, cap, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
	return out;
}

TF_TEST(row_json_rejects_bad_messages)
{
	tf_candle_row r = engine_row();
	tf_q_candle c, back;
	tf_row_from_candle(&r, &c);
	tf_buf b;
	tf_buf_init(&b, TF_ROW_JSON_MAX);
	TF_CHECK(tf_row_json_candle(&b, &c, true) == TF_OK);
	tf_json_doc d;
	tf_json_init(&d);
	char why[200], m[TF_ROW_JSON_MAX * 2];
	static const struct {
		const char *from, *to, *why;
		tf_err err;
	} cases[] = {
		{"\"c\":2.32362862", "\"c\":\"2.32362862\"", "field \"c\": expected a decimal number", TF_ERR_SCHEMA},
		{"\"c\":2.32362862", "\"c\":2.3e1", "field \"c\": expected a decimal number", TF_ERR_SCHEMA},
		{"\"t\":1700000040000", "\"t\":-1", "field \"t\": out of range", TF_ERR_RANGE},
		{"\"t\":1700000040000", "\"t\":99999999999999999", "field \"t\": out of range", TF_ERR_RANGE},
		{"\"n\":108", "\"n\":1.5", "field \"n\": expected an integer", TF_ERR_SCHEMA},
		{"\"symbol\":\"BTCUSDT\"", "\"symbol\":\"BTC\\\"USDT\"", "field \"symbol\": unexpected character", TF_ERR_SCHEMA},
		{"\"symbol\":\"BTCUSDT\"", "\"symbol\":\"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456\"", "field \"symbol\": too long", TF_ERR_RANGE},
		{"\"symbol\":\"BTCUSDT\"", "\"symbol\":\"\"", "field \"symbol\": empty", TF_ERR_SCHEMA},
		{"\"final\":false", "\"final\":0", "field \"final\": expected a boolean", TF_ERR_SCHEMA},
		{",\"n\":108", "", "field \"n\": missing", TF_ERR_SCHEMA},
		{"\"n\":108", "\"n\":108,\"n\":109", "field \"n\": duplicate key", TF_ERR_SCHEMA},
		{"\"ret\":-0.02245805951", "\"ret\":1e999", "field \"ret\": out of range", TF_ERR_RANGE},
		{"\"last_event_time\":1700000052115", "\"last_event_time\":0", "field \"last_event_time\": out of range", TF_ERR_RANGE},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		edit(b.data, cases[i].from, cases[i].to, m, sizeof m);
		tf_err err = tf_row_json_parse_candle(&d, m, strlen(m), &back, why, sizeof why);
		if (err != cases[i].err || strcmp(why, cases[i].why)) {
			tf_test_fail(__FILE__, __LINE__, "case %zu (%s): got %d \"%s\"", i, m, err, why);
			return;
		}
	}
	/* unknown keys are ignored (a newer stream may add fields) */
	edit(b.data, "\"n\":108", "\"n\":108,\"extra\":[1,{}]", m, sizeof m);
	TF_CHECK(tf_row_json_parse_candle(&d, m, strlen(m), &back, why, sizeof why) == TF_OK);
	/* not an object, not JSON, too big */
	TF_CHECK(tf_row_json_parse_candle(&d, "[1]", 3, &back, why, sizeof why) == TF_ERR_SCHEMA);
	TF_CHECK(tf_row_json_parse_candle(&d, "{\"t\":", 5, &back, why, sizeof why) == TF_ERR_PARSE);
	memset(m, ' ', TF_ROW_JSON_MAX + 1);
	TF_CHECK(tf_row_json_parse_candle(&d, m, TF_ROW_JSON_MAX + 1, &back, why, sizeof why) == TF_ERR_TOO_BIG);
	const char *alert = "{\"id\":7,\"symbol\":\"X\",\"kind\":\"stale\",\"event_time\":1,\"value\":null,\"threshold\":null,\"detail\":\"\"}";
	tf_q_alert a;
	TF_CHECK(tf_row_json_parse_alert(&d, alert, strlen(alert), &a, why, sizeof why) == TF_ERR_SCHEMA);
	TF_CHECK_EQ_STR(why, "field \"id\": expected an integer in a string");
	tf_json_free(&d);
	tf_buf_free(&b);
}

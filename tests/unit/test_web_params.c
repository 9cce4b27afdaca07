/* test_web_params.c — the API's parameter validation, JSON writers and quartile. */
#include <string.h>

#include "test.h"
#include "web/api.h"
#include "web/json.h"
#include "web/params.h"

TF_TEST(web_param_symbol)
{
	tf_web_perr e = {0};
	char s[TF_SYMBOL_MAX];
	TF_CHECK_EQ_INT(tf_web_param_symbol("symbol=btcusdt", "symbol", true, s, &e), TF_OK);
	TF_CHECK_EQ_STR(s, "BTCUSDT");
	TF_CHECK_EQ_INT(tf_web_param_symbol("x=1", "symbol", true, s, &e), TF_ERR_USAGE);
	TF_CHECK_EQ_STR(e.param, "symbol");
	TF_CHECK_EQ_INT(tf_web_param_symbol("symbol=BTC%2FUSDT", "symbol", true, s, &e), TF_ERR_USAGE);
	TF_CHECK_EQ_INT(tf_web_param_symbol("symbol=%zz", "symbol", true, s, &e), TF_ERR_USAGE);
	TF_CHECK_EQ_INT(tf_web_param_symbol("symbol=AAAAAAAAAAAAAAAAAAAAA", "symbol", true, s, &e), TF_ERR_USAGE);
	TF_CHECK_EQ_INT(tf_web_param_symbol("", "symbol", false, s, &e), TF_OK);
	TF_CHECK_EQ_STR(s, "");
}

TF_TEST(web_param_lists_and_ranges)
{
	tf_web_perr e = {0};
	tf_web_symbols l;
	TF_CHECK_EQ_INT(tf_web_param_symbols("symbols=A,b,A", "symbols", &l, &e), TF_OK);
	TF_CHECK_EQ_INT((int)l.n, 2);
	TF_CHECK_EQ_STR(l.names[1], "B");
	TF_CHECK_EQ_INT(tf_web_param_symbols("symbols=A,,B", "symbols", &l, &e), TF_ERR_USAGE);
	int64_t v, ms;
	TF_CHECK_EQ_INT(tf_web_param_int("n=7", "n", 5, 1, 100, &v, &e), TF_OK);
	TF_CHECK_EQ_INT((int)v, 7);
	TF_CHECK_EQ_INT(tf_web_param_int("n=7x", "n", 5, 1, 100, &v, &e), TF_ERR_USAGE);
	TF_CHECK_EQ_INT(tf_web_param_int("n=+7", "n", 5, 1, 100, &v, &e), TF_ERR_USAGE);
	TF_CHECK_EQ_INT(tf_web_param_int("n=99999999999999999999", "n", 5, 1, 100, &v, &e), TF_ERR_USAGE);
	TF_CHECK_EQ_INT(tf_web_param_int("", "n", 5, 1, 100, &v, &e), TF_OK);
	TF_CHECK_EQ_INT((int)v, 5);
	TF_CHECK_EQ_INT(tf_web_param_period("period=7D", "period", "24h", &ms, &e), TF_OK);
	TF_CHECK(ms == 7 * 86400000LL);
	TF_CHECK_EQ_INT(tf_web_param_period("period=All", "period", "24h", &ms, &e), TF_OK);
	TF_CHECK(ms == 0);
	char iv[TF_INTERVAL_MAX], by[16];
	TF_CHECK_EQ_INT(tf_web_param_interval("interval=5m", "interval", "1m", iv, &ms, &e), TF_OK);
	TF_CHECK(ms == 300000);
	TF_CHECK_EQ_INT(tf_web_param_interval("interval=1d", "interval", "1m", iv, &ms, &e), TF_ERR_USAGE);
	TF_CHECK_EQ_INT(tf_web_param_choice("by=losers", "by", "volume|gainers|losers", "volume", by, sizeof by, &e), TF_OK);
	TF_CHECK_EQ_STR(by, "losers");
	TF_CHECK_EQ_INT(tf_web_param_choice("by=lose", "by", "volume|gainers|losers", "volume", by, sizeof by, &e),
			TF_ERR_USAGE);
	TF_CHECK_EQ_INT(tf_web_param_only("a=1&b=2&_=3", "a|b", &e), TF_OK);
	TF_CHECK_EQ_INT(tf_web_param_only("a=1&bb=2", "a|b", &e), TF_ERR_USAGE);
	TF_CHECK_EQ_STR(e.param, "bb");
}

TF_TEST(web_json_and_quartile)
{
	tf_buf b;
	tf_buf_init(&b, 1024);
	tf_wjson_str(&b, "a\"\\\n\x01\xff");
	TF_CHECK_EQ_MEM(b.data, b.len, "\"a\\\"\\\\\\u000a\\u0001\xef\xbf\xbd\"");
	TF_CHECK(tf_wjson_is_decimal("0.00000000") && tf_wjson_is_decimal("-12.5") && tf_wjson_is_decimal("7"));
	TF_CHECK(!tf_wjson_is_decimal("") && !tf_wjson_is_decimal("1e5") && !tf_wjson_is_decimal("01") &&
		 !tf_wjson_is_decimal("1.") && !tf_wjson_is_decimal("NaN"));
	tf_buf_reset(&b);
	tf_wjson_dec(&b, "inf");
	TF_CHECK_EQ_MEM(b.data, b.len, "null");
	double v[] = {4, 1, 3, 2}; /* sorted 1 2 3 4: position 2.25 -> 3.25 */
	TF_CHECK(tf_web_quartile3(v, 4) == 3.25);
	double one[] = {9};
	TF_CHECK(tf_web_quartile3(one, 1) == 9);
	tf_buf_free(&b);
}

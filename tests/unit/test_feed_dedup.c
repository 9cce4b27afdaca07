/* test_feed_dedup.c — de-duplication of records by (kind, symbol, E, bytes). */
#include <stdio.h>

#include "feed/dedup.h"
#include "test.h"

#define CHECK_V(d, kind, sym, e, raw, strict, want) \
	TF_CHECK_EQ_INT(tf_dedup_check(d, kind, sym, e, raw, sizeof raw - 1, strict), want)

TF_TEST(feed_dedup_drops_overlap_and_older)
{
	tf_dedup *d;
	TF_CHECK_EQ_INT(tf_dedup_new(100, &d), TF_OK);
	CHECK_V(d, 0, "BTCUSDT", 1000, "{\"E\":1000,\"c\":\"1\"}", false, TF_DEDUP_NEW);
	CHECK_V(d, 0, "BTCUSDT", 2000, "{\"E\":2000,\"c\":\"2\"}", false, TF_DEDUP_NEW);
	/* the same events again, as a second connection delivers them during a rotation */
	CHECK_V(d, 0, "BTCUSDT", 1000, "{\"E\":1000,\"c\":\"1\"}", false, TF_DEDUP_STALE);
	CHECK_V(d, 0, "BTCUSDT", 2000, "{\"E\":2000,\"c\":\"2\"}", false, TF_DEDUP_REPEAT);
	/* other symbols and kinds are independent */
	CHECK_V(d, 0, "ETHBTC", 1000, "{\"E\":1000}", false, TF_DEDUP_NEW);
	CHECK_V(d, 4, "BTCUSDT", 1500, "{\"E\":1500}", false, TF_DEDUP_NEW);
	CHECK_V(d, 0, "BTCUSDT", 2001, "{\"E\":2001,\"c\":\"3\"}", false, TF_DEDUP_NEW);
	int64_t last = 0;
	TF_CHECK(tf_dedup_last(d, 0, "BTCUSDT", &last));
	TF_CHECK_EQ_INT(last, 2001);
	TF_CHECK(!tf_dedup_last(d, 1, "BTCUSDT", &last));
	tf_dedup_free(d);
}

TF_TEST(feed_dedup_same_e_different_bytes_are_distinct)
{
	/* Two trades in one millisecond are two events; only a byte-identical repeat is dropped. */
	tf_dedup *d;
	TF_CHECK_EQ_INT(tf_dedup_new(100, &d), TF_OK);
	CHECK_V(d, 4, "BTCUSDT", 5, "{\"t\":1}", false, TF_DEDUP_NEW);
	CHECK_V(d, 4, "BTCUSDT", 5, "{\"t\":2}", false, TF_DEDUP_NEW);
	CHECK_V(d, 4, "BTCUSDT", 5, "{\"t\":1}", false, TF_DEDUP_REPEAT);
	CHECK_V(d, 4, "BTCUSDT", 5, "{\"t\":2}", false, TF_DEDUP_REPEAT);
	/* strict mode (polled bars: only newer ones) drops equal E whatever the bytes */
	CHECK_V(d, 6, "AAPL", 60000, "{\"c\":1}", true, TF_DEDUP_NEW);
	CHECK_V(d, 6, "AAPL", 60000, "{\"c\":2}", true, TF_DEDUP_STALE);
	CHECK_V(d, 6, "AAPL", 120000, "{\"c\":2}", true, TF_DEDUP_NEW);
	tf_dedup_free(d);
}

TF_TEST(feed_dedup_many_symbols_and_bounded_keys)
{
	tf_dedup *d;
	TF_CHECK_EQ_INT(tf_dedup_new(3000, &d), TF_OK);
	char sym[32];
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 3000; i++) {
			snprintf(sym, sizeof sym, "SYM%dUSDT", i);
			TF_CHECK_EQ_INT(tf_dedup_check(d, 0, sym, 100 + round, "x", 1, false), TF_DEDUP_NEW);
			TF_CHECK_EQ_INT(tf_dedup_check(d, 0, sym, 100 + round, "x", 1, false), TF_DEDUP_REPEAT);
		}
	}
	TF_CHECK_EQ_INT(tf_dedup_untracked(d), 0);
	/* beyond max_keys new keys pass through (counted), old keys are still checked */
	TF_CHECK_EQ_INT(tf_dedup_check(d, 0, "NEWSYM", 1, "x", 1, false), TF_DEDUP_NEW);
	TF_CHECK_EQ_INT(tf_dedup_check(d, 0, "NEWSYM", 1, "x", 1, false), TF_DEDUP_NEW);
	TF_CHECK_EQ_INT(tf_dedup_untracked(d), 2);
	TF_CHECK_EQ_INT(tf_dedup_check(d, 0, "SYM7USDT", 101, "x", 1, false), TF_DEDUP_REPEAT);
	tf_dedup_free(d);
}

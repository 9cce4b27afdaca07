/* test_engine_watch.c — the watched-symbols message of the live bus (engine/watch.h): format and
 * parse round trip, a sorted list without duplicates, and every malformed value rejected. */
#include <stdio.h>
#include <string.h>

#include "engine/watch.h"
#include "test.h"

TF_TEST(watch_message_round_trip_and_rejects)
{
	static tf_watch_list l, back;
	memset(&l, 0, sizeof l);
	tf_watch_list_add(&l, "ETHUSDT");
	tf_watch_list_add(&l, "BTCUSDT");
	tf_watch_list_add(&l, "ETHUSDT");
	TF_CHECK_EQ_INT((long long)l.n, 2);
	TF_CHECK_EQ_STR(l.names[0], "BTCUSDT");
	TF_CHECK(tf_watch_list_has(&l, "ETHUSDT") && !tf_watch_list_has(&l, "XRPUSDT"));
	char v[TF_WATCH_VALUE_MAX];
	size_t n = tf_watch_format(15000, &l, v);
	TF_CHECK_EQ_STR(v, "15000 BTCUSDT,ETHUSDT");
	int64_t ttl = 0;
	TF_CHECK_EQ_INT(tf_watch_parse(v, n, &ttl, &back), TF_OK);
	TF_CHECK(ttl == 15000 && tf_watch_list_equal(&l, &back));
	TF_CHECK_EQ_INT(tf_watch_parse("15000 ", 6, &ttl, &back), TF_OK); /* nothing watched */
	TF_CHECK_EQ_INT((long long)back.n, 0);
	static const char *bad[] = {"", "15000", "x A", "0 A", "600001 A", "15000 a", "15000 A,", "15000 ,A", "15000 A,,B",
				    "15000  A", "15000 A B", "-1 A", "15000 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		TF_CHECK_EQ_INT(tf_watch_parse(bad[i], strlen(bad[i]), &ttl, &back), TF_ERR_PARSE);
	/* a full list is kept whole, and one more symbol is refused */
	static tf_watch_list full;
	memset(&full, 0, sizeof full);
	for (int i = 0; i < TF_WATCH_MAX + 10; i++) {
		char s[16];
		snprintf(s, sizeof s, "S%03d", i);
		tf_watch_list_add(&full, s);
	}
	TF_CHECK_EQ_INT((long long)full.n, TF_WATCH_MAX);
	n = tf_watch_format(600000, &full, v);
	TF_CHECK(n < sizeof v);
	TF_CHECK_EQ_INT(tf_watch_parse(v, n, &ttl, &back), TF_OK);
	TF_CHECK(tf_watch_list_equal(&full, &back));
}

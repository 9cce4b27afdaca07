/* test_feed_backoff.c — reconnect delays: bounds of the exponential schedule, full jitter range,
 * the floor that prevents a hot loop, and the reset after a healthy connection. */
#include "feed/backoff.h"
#include "test.h"

TF_TEST(feed_backoff_ceiling_doubles_to_max)
{
	tf_backoff b;
	tf_backoff_init(&b, 250, 30000, 42);
	const int64_t want[] = {250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
	for (int i = 0; i < 10; i++) {
		TF_CHECK_EQ_INT(tf_backoff_ceiling(&b), want[i]);
		int64_t d = tf_backoff_next(&b);
		TF_CHECK(d >= 50 && d <= want[i]);
	}
	for (int i = 0; i < 100; i++) /* stays capped, no overflow after many failures */
		TF_CHECK(tf_backoff_next(&b) <= 30000);
	TF_CHECK_EQ_INT(tf_backoff_ceiling(&b), 30000);
}

TF_TEST(feed_backoff_full_jitter_spans_the_range)
{
	/* Many draws at a fixed attempt: all within [floor, ceiling], spread over the whole range
	 * (full jitter, not "ceiling +- a little"). */
	tf_backoff b;
	tf_backoff_init(&b, 1000, 1000, 7);
	int64_t lo = 1000, hi = 0, buckets[4] = {0};
	for (int i = 0; i < 4000; i++) {
		int64_t d = tf_backoff_next(&b);
		TF_CHECK(d >= 50 && d <= 1000);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
		buckets[d * 4 / 1001]++;
	}
	TF_CHECK(lo < 100);
	TF_CHECK(hi > 900);
	for (int i = 0; i < 4; i++)
		TF_CHECK(buckets[i] > 600); /* each quarter gets a fair share of 4000 draws */
}

TF_TEST(feed_backoff_resets_after_a_healthy_minute)
{
	tf_backoff b;
	tf_backoff_init(&b, 250, 30000, 1);
	for (int i = 0; i < 5; i++)
		tf_backoff_next(&b);
	TF_CHECK_EQ_INT(tf_backoff_ceiling(&b), 8000);
	tf_backoff_connection_ended(&b, 59999); /* not healthy long enough: keep backing off */
	TF_CHECK_EQ_INT(tf_backoff_ceiling(&b), 8000);
	tf_backoff_connection_ended(&b, 60000);
	TF_CHECK_EQ_INT(tf_backoff_ceiling(&b), 250);
	TF_CHECK(tf_backoff_next(&b) <= 250);
}

TF_TEST(feed_backoff_same_seed_same_delays)
{
	tf_backoff a, b;
	tf_backoff_init(&a, 250, 30000, 99);
	tf_backoff_init(&b, 250, 30000, 99);
	for (int i = 0; i < 20; i++)
		TF_CHECK_EQ_INT(tf_backoff_next(&a), tf_backoff_next(&b));
}

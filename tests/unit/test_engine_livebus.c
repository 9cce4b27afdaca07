/* test_engine_livebus.c — the stream's live-bus publisher (engine/livebus.c) on a real engine and a
 * real librdkafka producer without brokers (messages stay queued and are counted): only candles of
 * the smallest interval, each state once, again after it changed, finals and alerts once each; a
 * publish leaves the store's view (tf_engine_drain) whole; a full producer queue keeps the view for
 * the next publish. */
#include <librdkafka/rdkafka.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/livebus.h"
#include "engine_fixture.h"
#include "test.h"

#define T0 1700000040000LL /* a minute boundary */

/* a miniTicker tick with 24 h volume 1000 */
static tf_tick tick(const char *sym, int64_t t, double last, double open24) { return mini(sym, t, last, open24, 1000); }

static int add(tf_engine *e, tf_tick t)
{
	tf_verdict v;
	char why[160];
	return tf_engine_add(e, &t, &v, why, sizeof why) == TF_OK && v == TF_TICK_ACCEPTED;
}

static rd_kafka_t *queue_only_producer(const char *max_messages)
{
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	char err[256];
	rd_kafka_conf_set(c, "log_level", "0", err, sizeof err); /* no brokers: nothing to say about it */
	rd_kafka_conf_set(c, "queue.buffering.max.messages", max_messages, err, sizeof err);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
	if (!rk)
		rd_kafka_conf_destroy(c);
	return rk;
}

/* An engine (1m,5m,1h) and its publisher on a producer without brokers holding max_messages. */
typedef struct {
	tf_engine *e;
	rd_kafka_t *rk;
	tf_livebus *b;
} fixture;

static bool fixture_new(fixture *f, const char *max_messages)
{
	tf_engine_cfg cfg;
	tf_engine_cfg_default(&cfg);
	*f = (fixture){NULL, queue_only_producer(max_messages), NULL};
	tf_livebus_cfg bc = {"candles.1m", "alerts", cfg.intervals_ms[0]};
	return f->rk && tf_engine_new(&cfg, &f->e) == TF_OK && tf_livebus_new(&bc, f->rk, &f->b) == TF_OK;
}

static void fixture_free(fixture *f)
{
	tf_livebus_free(f->b);
	if (f->rk)
		rd_kafka_destroy(f->rk);
	tf_engine_free(f->e);
}

/* What a committed store transaction does to the engine. */
static void commit(tf_engine *e)
{
	tf_engine_sink none = {NULL, NULL, NULL, NULL, NULL};
	tf_engine_drain(e, &none);
	tf_engine_drained(e);
}

static tf_err count_candle(void *ud, const tf_candle_row *r)
{
	(void)r;
	++*(int *)ud;
	return TF_OK;
}

/* Candles the store's drain would write now. */
static int store_candles(tf_engine *e)
{
	int n = 0;
	tf_engine_sink sink = {count_candle, NULL, NULL, NULL, &n};
	tf_engine_drain(e, &sink);
	return n;
}

TF_TEST(livebus_publishes_each_candle_state_once)
{
	fixture f;
	TF_CHECK(fixture_new(&f, "100000"));
	tf_engine *e = f.e;
	tf_livebus *b = f.b;
	rd_kafka_t *rk = f.rk;
	tf_livebus_counts n;

	TF_CHECK(add(e, tick("AAAUSDT", T0 + 1000, 100, 100)) && add(e, tick("AAAUSDT", T0 + 2000, 101, 100)));
	TF_CHECK(add(e, tick("BBBUSDT", T0 + 1500, 50, 50)));
	TF_CHECK(add(e, tick("CCCUSDT", T0 + 1700, 10, 10)) && add(e, tick("CCCUSDT", T0 + 2500, 10.1, 10)));
	TF_CHECK(tf_livebus_publish(b, e));
	tf_livebus_counts_get(b, &n);
	TF_CHECK_EQ_INT(n.candles, 3); /* one 1m candle per symbol; the 5m and 1h ones are not on the bus */
	TF_CHECK_EQ_INT(rd_kafka_outq_len(rk), 3);

	TF_CHECK(tf_livebus_publish(b, e)); /* nothing changed: nothing sent again */
	tf_livebus_counts_get(b, &n);
	TF_CHECK_EQ_INT(n.candles, 3);

	TF_CHECK(add(e, tick("BBBUSDT", T0 + 3000, 51, 50))); /* one candle changed: that one only */
	TF_CHECK(tf_livebus_publish(b, e));
	tf_livebus_counts_get(b, &n);
	TF_CHECK_EQ_INT(n.candles, 4);

	/* the publishes left the store's view whole: 3 symbols x 3 intervals */
	TF_CHECK_EQ_INT(store_candles(e), 9);
	commit(e); /* the engine forgot its output; nothing left for the bus either */
	TF_CHECK(tf_livebus_publish(b, e));
	tf_livebus_counts_get(b, &n);
	TF_CHECK_EQ_INT(n.candles, 4);

	TF_CHECK(add(e, tick("AAAUSDT", T0 + 4000, 102, 100))); /* changed after the commit: sent */
	TF_CHECK(tf_livebus_publish(b, e));
	tf_livebus_counts_get(b, &n);
	TF_CHECK_EQ_INT(n.candles, 5);

	/* +8 % over 24 h: one change alert, sent once, and not again after the commit */
	TF_CHECK(add(e, tick("CCCUSDT", T0 + 5000, 10.8, 10)));
	TF_CHECK(tf_livebus_publish(b, e));
	TF_CHECK(tf_livebus_publish(b, e));
	tf_livebus_counts_get(b, &n);
	TF_CHECK_EQ_INT(n.alerts, 1);
	TF_CHECK_EQ_INT(n.candles, 6);
	commit(e);
	TF_CHECK(tf_livebus_publish(b, e));
	tf_livebus_counts_get(b, &n);
	TF_CHECK_EQ_INT(n.alerts, 1);
	TF_CHECK_EQ_INT(n.dropped, 0);
	TF_CHECK_EQ_INT(rd_kafka_outq_len(rk), 7);

	/* the next minute's tick moves the watermark past T0 + 60 s: three finals, once each, before
	 * the new minute's candle */
	TF_CHECK(add(e, tick("BBBUSDT", T0 + 63000, 52, 50)));
	TF_CHECK(tf_livebus_publish(b, e));
	TF_CHECK(tf_livebus_publish(b, e));
	tf_livebus_counts_get(b, &n);
	TF_CHECK_EQ_INT(n.candles, 10);

	tf_livebus_free(b);
	rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE);
	rd_kafka_destroy(rk);
	tf_engine_free(e);
}

TF_TEST(livebus_full_queue_keeps_the_view_for_the_next_publish)
{
	fixture f;
	TF_CHECK(fixture_new(&f, "4"));
	tf_engine *e = f.e;
	tf_livebus *b = f.b;
	rd_kafka_t *rk = f.rk;
	TF_CHECK(add(e, tick("AAAUSDT", T0 + 1000, 100, 100)) && add(e, tick("BBBUSDT", T0 + 1500, 50, 50)));
	TF_CHECK(add(e, tick("CCCUSDT", T0 + 1700, 10, 10)));
	TF_CHECK(tf_livebus_publish(b, e));
	TF_CHECK_EQ_INT(rd_kafka_outq_len(rk), 3);
	TF_CHECK(add(e, tick("AAAUSDT", T0 + 2000, 101, 100)) && add(e, tick("BBBUSDT", T0 + 2500, 51, 50)));
	TF_CHECK(!tf_livebus_publish(b, e)); /* room for one of two */
	tf_livebus_counts n;
	tf_livebus_counts_get(b, &n);
	TF_CHECK_EQ_INT(n.candles, 4);
	TF_CHECK_EQ_INT(n.dropped, 1);
	rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE); /* the queue drained */
	rd_kafka_poll(rk, 0);
	TF_CHECK_EQ_INT(rd_kafka_outq_len(rk), 0);
	TF_CHECK(tf_livebus_publish(b, e)); /* the one that did not fit (the other was queued) */
	TF_CHECK_EQ_INT(rd_kafka_outq_len(rk), 1);
	TF_CHECK(tf_livebus_publish(b, e)); /* all queued: nothing more */
	TF_CHECK_EQ_INT(rd_kafka_outq_len(rk), 1);
	rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE);
	fixture_free(&f);
}

/* A publish in parts (the worker's, between its records): each part its symbols only; a symbol that
 * changes again after it went out comes once more, in the next round; done once nothing is left. */
TF_TEST(livebus_publishes_in_parts)
{
	fixture f;
	TF_CHECK(fixture_new(&f, "100000"));
	tf_engine *e = f.e;
	tf_livebus *b = f.b;
	rd_kafka_t *rk = f.rk;
	TF_CHECK(add(e, tick("AAAUSDT", T0 + 1000, 100, 100)) && add(e, tick("BBBUSDT", T0 + 1500, 50, 50)));
	TF_CHECK(add(e, tick("CCCUSDT", T0 + 1700, 10, 10)));
	bool done = true;
	TF_CHECK(tf_livebus_publish_part(b, e, 2, &done) && !done);
	TF_CHECK_EQ_INT(rd_kafka_outq_len(rk), 2);
	TF_CHECK(add(e, tick("AAAUSDT", T0 + 2000, 101, 100))); /* went out already: the next round */
	TF_CHECK(tf_livebus_publish_part(b, e, 2, &done) && !done); /* CCC, the rest of the round */
	TF_CHECK_EQ_INT(rd_kafka_outq_len(rk), 3);
	TF_CHECK(tf_livebus_publish_part(b, e, 2, &done) && done); /* AAA again, and nothing is left */
	TF_CHECK_EQ_INT(rd_kafka_outq_len(rk), 4);
	TF_CHECK(tf_livebus_publish_part(b, e, 2, &done) && done);
	TF_CHECK_EQ_INT(rd_kafka_outq_len(rk), 4);
	tf_livebus_counts n;
	tf_livebus_counts_get(b, &n);
	TF_CHECK_EQ_INT(n.candles, 4);
	rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE);
	fixture_free(&f);
}

TF_TEST(livebus_off_without_topics)
{
	tf_engine_cfg cfg;
	tf_engine_cfg_default(&cfg);
	tf_engine *e = NULL;
	TF_CHECK_EQ_INT(tf_engine_new(&cfg, &e), TF_OK);
	rd_kafka_t *rk = queue_only_producer("100000");
	TF_CHECK(rk);
	tf_livebus *b = NULL;
	tf_livebus_cfg bc = {"", "", cfg.intervals_ms[0]};
	TF_CHECK_EQ_INT(tf_livebus_new(&bc, rk, &b), TF_OK);
	TF_CHECK(!tf_livebus_enabled(b));
	TF_CHECK(add(e, tick("AAAUSDT", T0 + 1000, 100, 90)));
	TF_CHECK(tf_livebus_publish(b, e));
	TF_CHECK_EQ_INT(rd_kafka_outq_len(rk), 0);
	tf_livebus_free(b);
	rd_kafka_destroy(rk);
	tf_engine_free(e);
}

static const char watched[][TF_SYMBOL_MAX] = {"BBBUSDT", "ZZZUSDT"}; /* ZZZ: no record yet */

/* Publishing the watched symbols alone: their changes go at once and leave the view; the other
 * symbols' changes stay for the full publish; a final candle goes out with the first of the two
 * publishes after it, before the next candle's update. */
TF_TEST(livebus_publishes_watched_symbols_apart)
{
	fixture f;
	TF_CHECK(fixture_new(&f, "100000"));
	tf_engine *e = f.e;
	tf_livebus *b = f.b;
	tf_livebus_counts n;

	TF_CHECK(add(e, tick("AAAUSDT", T0 + 1000, 100, 100)) && add(e, tick("BBBUSDT", T0 + 1000, 50, 50)));
	TF_CHECK(tf_livebus_publish_some(b, e, watched, 2));
	tf_livebus_counts_get(b, &n);
	TF_CHECK_EQ_INT(n.candles, 1); /* BBB's open 1m candle only */
	TF_CHECK(tf_livebus_publish_some(b, e, watched, 2));
	tf_livebus_counts_get(b, &n);
	TF_CHECK_EQ_INT(n.candles, 1); /* nothing new of BBB */
	TF_CHECK(add(e, tick("BBBUSDT", T0 + 2000, 50.5, 50)));
	TF_CHECK(tf_livebus_publish_some(b, e, watched, 2));
	tf_livebus_counts_get(b, &n);
	TF_CHECK_EQ_INT(n.candles, 2); /* BBB changed again: published again */
	TF_CHECK(tf_livebus_publish(b, e));
	tf_livebus_counts_get(b, &n);
	TF_CHECK_EQ_INT(n.candles, 3); /* AAA's waited for the full publish; BBB's is not sent twice */

	/* the next minute, past the lateness: both 1m candles become final */
	TF_CHECK(add(e, tick("BBBUSDT", T0 + 63000, 51, 50)));
	TF_CHECK(tf_livebus_publish_some(b, e, watched, 2));
	tf_livebus_counts_get(b, &n);
	TF_CHECK_EQ_INT(n.candles, 6); /* the two finals, then BBB's new candle */
	TF_CHECK(tf_livebus_publish(b, e));
	tf_livebus_counts_get(b, &n);
	TF_CHECK_EQ_INT(n.candles, 6); /* the finals went once; AAA did not change */
	/* the store's view is whole: AAA's three, BBB's five (T0 + 63 s opened a new 1m and a new 5m window) */
	TF_CHECK_EQ_INT(store_candles(e), 3 + 5);

	fixture_free(&f);
}

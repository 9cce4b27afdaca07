/* livebus.c — publishes a worker's changed candles and new alerts to the live bus between commits
 * (see livebus.h for why this is safe and how it coalesces). */
#include "engine/livebus.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "store/row_json.h"

struct tf_livebus {
	tf_livebus_cfg cfg;
	rd_kafka_t *producer;
	tf_buf json;
	tf_livebus_counts counts;
	int64_t dropped_logged;
};

tf_err tf_livebus_new(const tf_livebus_cfg *cfg, rd_kafka_t *producer, tf_livebus **out)
{
	tf_livebus *b = calloc(1, sizeof *b);
	if (!b)
		return TF_ERR_NOMEM;
	b->cfg = *cfg;
	b->producer = producer;
	tf_buf_init(&b->json, TF_ROW_JSON_MAX);
	*out = b;
	return TF_OK;
}

void tf_livebus_free(tf_livebus *b)
{
	if (!b)
		return;
	tf_buf_free(&b->json);
	free(b);
}

bool tf_livebus_enabled(const tf_livebus *b) { return b->cfg.candles_topic[0] || b->cfg.alerts_topic[0]; }

/* Queues b->json to topic with key; TF_ERR_AGAIN when the producer's queue is full (or it refuses),
 * which stops the drain: the next publish sends the view again. */
static tf_err produce(tf_livebus *b, const char *topic, const char *key)
{
	rd_kafka_resp_err_t err = rd_kafka_producev(b->producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
						    RD_KAFKA_V_VALUE(b->json.data, b->json.len),
						    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
	if (err) {
		b->counts.dropped++;
		return TF_ERR_AGAIN;
	}
	return TF_OK;
}

static tf_err on_candle(void *ud, const tf_candle_row *r)
{
	tf_livebus *b = ud;
	if (!b->cfg.candles_topic[0])
		return TF_OK;
	tf_q_candle q;
	tf_row_from_candle(r, &q);
	tf_buf_reset(&b->json);
	if (tf_row_json_candle(&b->json, &q, true)) { /* cannot happen within TF_ROW_JSON_MAX; never retried */
		b->counts.dropped++;
		return TF_OK;
	}
	tf_err err = produce(b, b->cfg.candles_topic, r->symbol);
	if (!err)
		b->counts.candles++;
	return err;
}

static tf_err on_alert(void *ud, const tf_alert_row *a)
{
	tf_livebus *b = ud;
	if (!b->cfg.alerts_topic[0])
		return TF_OK;
	tf_q_alert q;
	tf_row_from_alert(a, &q);
	tf_buf_reset(&b->json);
	if (tf_row_json_alert(&b->json, &q)) { /* cannot happen within TF_ROW_JSON_MAX; never retried */
		b->counts.dropped++;
		return TF_OK;
	}
	tf_err err = produce(b, b->cfg.alerts_topic, a->symbol);
	if (!err)
		b->counts.alerts++;
	return err;
}

bool tf_livebus_publish_part(tf_livebus *b, tf_engine *e, size_t max_symbols, bool *done)
{
	/* without topics the view is still taken, so that it stays empty */
	tf_engine_sink sink = {NULL, NULL, NULL, NULL, b};
	if (tf_livebus_enabled(b))
		sink = (tf_engine_sink){on_candle, on_alert, NULL, NULL, b};
	if (tf_engine_drain_live_part(e, b->cfg.interval_ms, max_symbols, &sink, done) == TF_OK)
		return true;
	if (b->counts.dropped - b->dropped_logged >= 1000) {
		tf_warn("live bus: %lld messages not queued so far (producer queue full); they are sent again later",
			(long long)b->counts.dropped);
		b->dropped_logged = b->counts.dropped;
	}
	return false;
}

bool tf_livebus_publish(tf_livebus *b, tf_engine *e)
{
	bool done = false;
	while (!done)
		if (!tf_livebus_publish_part(b, e, SIZE_MAX, &done))
			return false;
	return true;
}

bool tf_livebus_publish_some(tf_livebus *b, tf_engine *e, const char (*symbols)[TF_SYMBOL_MAX], size_t n)
{
	if (!tf_livebus_enabled(b))
		return true;
	tf_engine_sink sink = {on_candle, on_alert, NULL, NULL, b};
	return tf_engine_drain_live_some(e, b->cfg.interval_ms, symbols, n, &sink) == TF_OK;
}

void tf_livebus_counts_get(const tf_livebus *b, tf_livebus_counts *out) { *out = b->counts; }

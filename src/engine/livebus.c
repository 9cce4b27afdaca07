/* livebus.c — publishes a worker's changed candles and new alerts to the live bus between commits
 * (see livebus.h for why this is safe and how it coalesces). */
#include "engine/livebus.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "store/row_json.h"

#define SENT_MIN_CAP 1024
#define SENT_MAX_CAP (1u << 22) /* beyond this many candles between commits, publish without memory */

/* What was sent for one candle since the last commit; valid only when epoch == the table's epoch,
 * so forgetting everything at a commit is one increment. Linear probing; no deletions within an
 * epoch, so an entry of another epoch ends a probe chain. */
typedef struct {
	char symbol[TF_SYMBOL_MAX];
	int64_t open_time, updates;
	uint32_t epoch;
	bool final;
} sent;

struct tf_livebus {
	tf_livebus_cfg cfg;
	rd_kafka_t *producer;
	sent *v;
	size_t cap, n; /* n = entries of the current epoch */
	uint32_t epoch;
	tf_buf json;
	tf_livebus_counts counts;
	int64_t dropped_logged;
};

typedef struct {
	tf_livebus *b;
	size_t alert_i, *alerts_sent;
	bool all_queued;
} pub_ctx;

static uint64_t key_hash(const char *symbol, int64_t open_time)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a, then the time mixed in */
	for (const unsigned char *p = (const unsigned char *)symbol; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	h ^= (uint64_t)open_time + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h ^ (h >> 29);
}

/* The entry of (symbol, open_time), or the empty slot where it belongs. */
static sent *slot_of(sent *v, size_t cap, uint32_t epoch, const char *symbol, int64_t open_time)
{
	size_t i = key_hash(symbol, open_time) & (cap - 1);
	while (v[i].epoch == epoch && (v[i].open_time != open_time || strcmp(v[i].symbol, symbol)))
		i = (i + 1) & (cap - 1);
	return &v[i];
}

/* Doubles the table (keeping the current epoch's entries). False when it may not or cannot grow. */
static bool grow(tf_livebus *b)
{
	size_t cap = b->cap ? b->cap * 2 : SENT_MIN_CAP;
	if (cap > SENT_MAX_CAP)
		return false;
	sent *v = calloc(cap, sizeof *v);
	if (!v)
		return false;
	uint32_t epoch = b->epoch;
	for (size_t i = 0; i < b->cap; i++)
		if (b->v[i].epoch == epoch)
			*slot_of(v, cap, epoch, b->v[i].symbol, b->v[i].open_time) = b->v[i];
	free(b->v);
	b->v = v;
	b->cap = cap;
	return true;
}

tf_err tf_livebus_new(const tf_livebus_cfg *cfg, rd_kafka_t *producer, tf_livebus **out)
{
	tf_livebus *b = calloc(1, sizeof *b);
	if (!b)
		return TF_ERR_NOMEM;
	b->cfg = *cfg;
	b->producer = producer;
	b->epoch = 1; /* calloc'd entries (epoch 0) are empty */
	tf_buf_init(&b->json, TF_ROW_JSON_MAX);
	if (!grow(b)) {
		tf_livebus_free(b);
		return TF_ERR_NOMEM;
	}
	*out = b;
	return TF_OK;
}

void tf_livebus_free(tf_livebus *b)
{
	if (!b)
		return;
	tf_buf_free(&b->json);
	free(b->v);
	free(b);
}

bool tf_livebus_enabled(const tf_livebus *b) { return b->cfg.candles_topic[0] || b->cfg.alerts_topic[0]; }

/* Queues b->json to topic with key; false when the producer's queue is full (or it refuses). */
static bool produce(tf_livebus *b, const char *topic, const char *key)
{
	rd_kafka_resp_err_t err = rd_kafka_producev(b->producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
						    RD_KAFKA_V_VALUE(b->json.data, b->json.len),
						    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
	if (err) {
		b->counts.dropped++;
		return false;
	}
	return true;
}

static tf_err on_candle(void *ud, const tf_candle_row *r)
{
	pub_ctx *c = ud;
	tf_livebus *b = c->b;
	if (!b->cfg.candles_topic[0] || r->interval_ms != b->cfg.interval_ms)
		return TF_OK;
	if (b->n >= b->cap / 2)
		grow(b); /* when it cannot, the table stays as it is: lookups still work, inserts may not */
	sent *s = slot_of(b->v, b->cap, b->epoch, r->symbol, r->open_time);
	bool known = s->epoch == b->epoch;
	if (known && s->updates == r->updates && s->final == r->final)
		return TF_OK;
	tf_q_candle q;
	tf_row_from_candle(r, &q);
	tf_buf_reset(&b->json);
	if (tf_row_json_candle(&b->json, &q, true)) { /* cannot happen within TF_ROW_JSON_MAX; never retried */
		b->counts.dropped++;
		return TF_OK;
	}
	if (!produce(b, b->cfg.candles_topic, r->symbol)) {
		c->all_queued = false;
		return TF_OK;
	}
	b->counts.candles++;
	if (!known && b->n + 1 >= b->cap)
		return TF_OK; /* full and cannot grow: sent without memory (it may be sent again) */
	if (!known) {
		snprintf(s->symbol, sizeof s->symbol, "%s", r->symbol);
		s->open_time = r->open_time;
		s->epoch = b->epoch;
		b->n++;
	}
	s->updates = r->updates;
	s->final = r->final;
	return TF_OK;
}

static tf_err on_alert(void *ud, const tf_alert_row *a)
{
	pub_ctx *c = ud;
	tf_livebus *b = c->b;
	size_t i = c->alert_i++;
	if (!b->cfg.alerts_topic[0] || i < *c->alerts_sent)
		return TF_OK;
	tf_q_alert q;
	tf_row_from_alert(a, &q);
	tf_buf_reset(&b->json);
	if (tf_row_json_alert(&b->json, &q)) { /* cannot happen within TF_ROW_JSON_MAX; never retried */
		b->counts.dropped++;
		if (c->all_queued)
			*c->alerts_sent = i + 1;
		return TF_OK;
	}
	if (!produce(b, b->cfg.alerts_topic, a->symbol)) {
		c->all_queued = false;
		return TF_OK;
	}
	b->counts.alerts++;
	if (c->all_queued) /* keep the count a prefix: after a failure, later alerts are sent again */
		*c->alerts_sent = i + 1;
	return TF_OK;
}

bool tf_livebus_publish(tf_livebus *b, tf_engine *e, size_t *alerts_sent)
{
	if (!tf_livebus_enabled(b))
		return true;
	pub_ctx c = {b, 0, alerts_sent, true};
	tf_engine_sink sink = {on_candle, on_alert, NULL, NULL, &c};
	tf_engine_drain(e, &sink); /* the callbacks never fail; a message not queued is counted */
	if (!c.all_queued && b->counts.dropped - b->dropped_logged >= 1000) {
		tf_warn("live bus: %lld messages not queued so far (producer queue full); they are sent again later",
			(long long)b->counts.dropped);
		b->dropped_logged = b->counts.dropped;
	}
	return c.all_queued;
}

void tf_livebus_committed(tf_livebus *b)
{
	b->n = 0;
	if (++b->epoch == 0) { /* wrapped: entries of epoch 0 would look current again */
		memset(b->v, 0, b->cap * sizeof *b->v);
		b->epoch = 1;
	}
}

void tf_livebus_counts_get(const tf_livebus *b, tf_livebus_counts *out) { *out = b->counts; }

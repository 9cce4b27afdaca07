/* bus.c — serve's live-bus consumer thread and its hand-off to the loop (see bus.h for the states). */
#include "web/bus.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/run.h"
#include "kafka/rdk.h"
#include "store/row_json.h"
#include "web/watch_pub.h"

#define RETRY_MS 1000      /* CONNECTING / DOWN: how often the broker is asked again */
#define REFRESH_MS 10000   /* LIVE: how often new topics / partitions are looked for */
#define REJECT_LOG_MS 10000
#define META_TIMEOUT_MS 2000

typedef enum { IT_UP, IT_DOWN, IT_CANDLE, IT_ALERT } item_kind;

typedef struct {
	item_kind kind;
	union {
		tf_q_candle c;
		tf_q_alert a;
	} u;
} item;

typedef struct {
	item *v;
	size_t n, cap;
} item_vec;

typedef enum { S_CONNECTING, S_LIVE, S_DOWN } bus_state;

struct tf_web_bus {
	tf_loop *loop;
	tf_web_bus_cfg cfg;
	tf_web_bus_sink sink;
	rd_kafka_t *rk;
	tf_watch_pub *watch; /* NULL without a watch topic */
	pthread_t thread;
	atomic_int stop;
	atomic_int all_down; /* set by the error callback (consumer thread) */
	atomic_llong messages, rejected, dropped, reconnects;

	pthread_mutex_t mu;  /* guards pend, posted, gap */
	item_vec pend;
	bool posted, gap;
	item_vec work;       /* loop thread: the batch being delivered */

	/* consumer thread only */
	bus_state st;
	tf_json_doc doc;
	rd_kafka_topic_partition_list_t *assigned; /* offsets = next to consume */
	int64_t next_try_ms, next_refresh_ms;
	int64_t reject_window_ms, reject_count;
	char reject_last[300];
	bool said_unreachable;
};

/* ---- hand-off to the loop thread ---- */

static void drain(tf_loop *l, void *ud)
{
	tf_web_bus *b = ud;
	pthread_mutex_lock(&b->mu);
	item_vec t = b->work;
	b->work = b->pend;
	b->pend = t;
	b->pend.n = 0;
	bool gap = b->gap;
	b->gap = b->posted = false;
	pthread_mutex_unlock(&b->mu);
	const tf_web_bus_sink *s = &b->sink;
	for (size_t i = 0; i < b->work.n; i++) {
		item *it = &b->work.v[i];
		if (it->kind == IT_UP || it->kind == IT_DOWN)
			s->state(s->ud, it->kind == IT_UP);
		else if (it->kind == IT_CANDLE)
			s->candle(s->ud, &it->u.c);
		else
			s->alert(s->ud, &it->u.a);
	}
	b->work.n = 0;
	if (gap)
		s->gap(s->ud);
}

/* Queues it for the loop (state changes are never dropped; messages are when the queue is full). */
static void push(tf_web_bus *b, const item *it)
{
	pthread_mutex_lock(&b->mu);
	bool state = it->kind == IT_UP || it->kind == IT_DOWN;
	if (b->pend.n == b->pend.cap && (state || b->pend.cap < TF_WEB_BUS_QUEUE)) {
		size_t cap = b->pend.cap ? b->pend.cap * 2 : 64;
		item *v = realloc(b->pend.v, cap * sizeof *v);
		if (v) {
			b->pend.v = v;
			b->pend.cap = cap;
		}
	}
	if (b->pend.n < b->pend.cap && (state || b->pend.n < TF_WEB_BUS_QUEUE)) {
		b->pend.v[b->pend.n++] = *it;
	} else {
		atomic_fetch_add(&b->dropped, 1);
		b->gap = true;
	}
	if (!b->posted)
		b->posted = tf_loop_post(b->loop, drain, b) == TF_OK;
	pthread_mutex_unlock(&b->mu);
}

static void push_state(tf_web_bus *b, bool up)
{
	item it = {.kind = up ? IT_UP : IT_DOWN};
	push(b, &it);
}

/* ---- validation ---- */

static void reject_flush(tf_web_bus *b, int64_t now)
{
	if (!b->reject_count || now - b->reject_window_ms < REJECT_LOG_MS)
		return;
	tf_warn("live bus: rejected %lld message%s (latest: %s)", (long long)b->reject_count,
		b->reject_count == 1 ? "" : "s", b->reject_last);
	b->reject_count = 0;
	b->reject_window_ms = now;
}

/* Counts a bad message; one warning line per REJECT_LOG_MS at most. */
static void reject(tf_web_bus *b, const rd_kafka_message_t *m, const char *why)
{
	atomic_fetch_add(&b->rejected, 1);
	snprintf(b->reject_last, sizeof b->reject_last, "%s partition %d offset %lld: %s", rd_kafka_topic_name(m->rkt),
		 (int)m->partition, (long long)m->offset, why);
	b->reject_count++;
	reject_flush(b, tf_mono_ms());
}

static void note_offset(tf_web_bus *b, const rd_kafka_message_t *m)
{
	rd_kafka_topic_partition_t *p =
		b->assigned ? rd_kafka_topic_partition_list_find(b->assigned, rd_kafka_topic_name(m->rkt), m->partition) : NULL;
	if (p)
		p->offset = m->offset + 1;
}

static void handle(tf_web_bus *b, const rd_kafka_message_t *m)
{
	if (m->err) {
		if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
			tf_debug("live bus: %s", rd_kafka_message_errstr(m));
		return;
	}
	note_offset(b, m);
	const char *topic = rd_kafka_topic_name(m->rkt);
	bool alert = b->cfg.alerts_topic[0] && !strcmp(topic, b->cfg.alerts_topic);
	item it;
	char why[200];
	tf_err err;
	if (!m->payload || !m->len) {
		snprintf(why, sizeof why, "empty message");
		err = TF_ERR_SCHEMA;
	} else if (alert) {
		it.kind = IT_ALERT;
		err = tf_row_json_parse_alert(&b->doc, m->payload, m->len, &it.u.a, why, sizeof why);
	} else {
		it.kind = IT_CANDLE;
		err = tf_row_json_parse_candle(&b->doc, m->payload, m->len, &it.u.c, why, sizeof why);
	}
	if (err) {
		reject(b, m, why);
		return;
	}
	atomic_fetch_add(&b->messages, 1);
	push(b, &it);
}

/* ---- assignment ---- */

/* Partitions of topic (0 when it does not exist). TF_ERR_REFUSED when the broker does not answer. */
static tf_err partitions(tf_web_bus *b, const char *topic, int *n, char *why, size_t cap)
{
	*n = 0;
	rd_kafka_topic_t *t = rd_kafka_topic_new(b->rk, topic, NULL);
	if (!t) {
		snprintf(why, cap, "topic %s: %s", topic, rd_kafka_err2str(rd_kafka_last_error()));
		return TF_ERR_USAGE;
	}
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t e = rd_kafka_metadata(b->rk, 0, t, &md, META_TIMEOUT_MS);
	if (!e && md->topic_cnt == 1 && !md->topics[0].err)
		*n = md->topics[0].partition_cnt;
	else if (!e && md->topic_cnt == 1 && md->topics[0].err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
		e = md->topics[0].err;
	if (md)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(t);
	if (e) {
		snprintf(why, cap, "cannot reach broker %s (%s)", b->cfg.brokers, rd_kafka_err2str(e));
		return TF_ERR_REFUSED;
	}
	return TF_OK;
}

/* Adds the partitions of topic missing from l, at their end offset (at_end) or their beginning. */
static tf_err add_partitions(tf_web_bus *b, rd_kafka_topic_partition_list_t *l, const char *topic, int n, bool at_end,
			     char *why, size_t cap)
{
	for (int p = 0; p < n; p++) {
		if (atomic_load(&b->stop)) {
			snprintf(why, cap, "stopping");
			return TF_ERR_STOPPED;
		}
		if (rd_kafka_topic_partition_list_find(l, topic, p))
			continue;
		int64_t lo = 0, hi = RD_KAFKA_OFFSET_BEGINNING;
		if (at_end) {
			rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(b->rk, topic, p, &lo, &hi, META_TIMEOUT_MS);
			if (e) {
				snprintf(why, cap, "cannot read the end of %s/%d from %s (%s)", topic, p, b->cfg.brokers,
					 rd_kafka_err2str(e));
				return TF_ERR_REFUSED;
			}
		}
		rd_kafka_topic_partition_list_add(l, topic, p)->offset = hi;
	}
	return TF_OK;
}

/* Builds (first call: every partition at its end) or extends (later: new partitions and topics
 * from their beginning) the assignment. *changed tells whether it was (re)applied. */
static tf_err assign(tf_web_bus *b, bool *changed, char *why, size_t cap)
{
	bool first = !b->assigned;
	*changed = false;
	int nc = 0, na = 0;
	tf_err err = partitions(b, b->cfg.candles_topic, &nc, why, cap);
	if (!err && b->cfg.alerts_topic[0])
		err = partitions(b, b->cfg.alerts_topic, &na, why, cap);
	if (err)
		return err;
	if (first && !nc) {
		snprintf(why, cap, "topic %s does not exist on %s yet (is `tickflow stream` running?)", b->cfg.candles_topic,
			 b->cfg.brokers);
		return TF_ERR_NOT_FOUND;
	}
	rd_kafka_topic_partition_list_t *l =
		first ? rd_kafka_topic_partition_list_new(nc + na) : rd_kafka_topic_partition_list_copy(b->assigned);
	int before = l->cnt;
	if (!(err = add_partitions(b, l, b->cfg.candles_topic, nc, first, why, cap)))
		err = add_partitions(b, l, b->cfg.alerts_topic, na, first, why, cap);
	if (!err && (first || l->cnt != before)) {
		rd_kafka_resp_err_t e = rd_kafka_assign(b->rk, l);
		if (e) {
			snprintf(why, cap, "cannot assign the bus topics: %s", rd_kafka_err2str(e));
			err = TF_ERR_REFUSED;
		} else {
			*changed = true;
		}
	}
	if (err) {
		rd_kafka_topic_partition_list_destroy(l);
		return err;
	}
	if (b->assigned)
		rd_kafka_topic_partition_list_destroy(b->assigned);
	b->assigned = l;
	return TF_OK;
}

/* ---- the consumer thread ---- */

static void go_live(tf_web_bus *b, const char *how)
{
	atomic_store(&b->all_down, 0);
	b->st = S_LIVE;
	b->said_unreachable = false;
	b->next_refresh_ms = tf_mono_ms() + REFRESH_MS;
	push_state(b, true);
	tf_info("live bus: %s %s%s%s from %s; candles and alerts are pushed as the stream publishes them", how,
		b->cfg.candles_topic, b->cfg.alerts_topic[0] ? " and " : "", b->cfg.alerts_topic, b->cfg.brokers);
}

static void step_connecting(tf_web_bus *b, int64_t now)
{
	rd_kafka_message_t *m = rd_kafka_consumer_poll(b->rk, 50); /* serves (and forgets) error events */
	if (m)
		rd_kafka_message_destroy(m);
	if (now < b->next_try_ms)
		return;
	char why[300];
	bool changed;
	tf_err err = assign(b, &changed, why, sizeof why);
	if (!err) {
		go_live(b, "consuming");
		return;
	}
	if (!b->said_unreachable && err == TF_ERR_NOT_FOUND) /* normal before the stream's first commit */
		tf_info("live bus: %s; polling the store until it does", why);
	else if (!b->said_unreachable)
		tf_warn("live bus: %s; polling the store until it answers", why);
	b->said_unreachable = true;
	b->next_try_ms = tf_mono_ms() + RETRY_MS;
}

static void step_running(tf_web_bus *b, int64_t now)
{
	rd_kafka_message_t *m = rd_kafka_consumer_poll(b->rk, 100);
	if (m) {
		if (!m->err && b->st == S_DOWN) {
			atomic_fetch_add(&b->reconnects, 1);
			go_live(b, "broker is back; consuming");
		}
		handle(b, m);
		rd_kafka_message_destroy(m);
	}
	now = tf_mono_ms();
	reject_flush(b, now);
	char why[300];
	bool changed;
	if (b->st == S_LIVE && atomic_exchange(&b->all_down, 0)) {
		b->st = S_DOWN;
		b->next_try_ms = now + RETRY_MS;
		push_state(b, false);
		tf_warn("live bus: lost broker %s; polling the store until it is back", b->cfg.brokers);
	} else if (b->st == S_DOWN && now >= b->next_try_ms) {
		const struct rd_kafka_metadata *md = NULL;
		atomic_store(&b->all_down, 0);
		if (rd_kafka_metadata(b->rk, 0, NULL, &md, META_TIMEOUT_MS) == RD_KAFKA_RESP_ERR_NO_ERROR) {
			atomic_fetch_add(&b->reconnects, 1);
			go_live(b, "broker is back; consuming");
		}
		if (md)
			rd_kafka_metadata_destroy(md);
		b->next_try_ms = tf_mono_ms() + RETRY_MS;
	} else if (b->st == S_LIVE && now >= b->next_refresh_ms) {
		b->next_refresh_ms = now + REFRESH_MS;
		if (assign(b, &changed, why, sizeof why) == TF_OK && changed)
			tf_info("live bus: now consuming %d partitions", b->assigned->cnt);
	}
}

static void *run(void *arg)
{
	tf_thread_name("tf-serve-bus");
	tf_web_bus *b = arg;
	tf_log_set_thread_component(b->cfg.log_name);
	while (!atomic_load(&b->stop)) {
		int64_t now = tf_mono_ms();
		if (b->st == S_CONNECTING)
			step_connecting(b, now);
		else
			step_running(b, now);
		if (b->watch)
			tf_watch_pub_step(b->watch);
	}
	return NULL;
}

/* ---- librdkafka plumbing ---- */

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	tf_web_bus *b = opaque;
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
		atomic_store(&b->all_down, 1);
	else if (err != RD_KAFKA_RESP_ERR__TRANSPORT)
		tf_debug("live bus: kafka: %s", reason);
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	if (level <= 2)
		tf_warn("live bus: kafka: %s: %s", fac, buf);
}

static rd_kafka_t *make_consumer(tf_web_bus *b, char *why, size_t cap)
{
	static const char *const kv[][2] = {
		{"client.id", "tickflow-serve"},
		{"auto.offset.reset", "latest"},
		{"fetch.wait.max.ms", "100"},
		{"socket.nagle.disable", "true"},
		{"reconnect.backoff.max.ms", "1000"},
		{"queued.max.messages.kbytes", "16384"},
		{"topic.metadata.refresh.interval.ms", "10000"},
	};
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	rd_kafka_conf_set_error_cb(c, on_error);
	rd_kafka_conf_set_log_cb(c, on_log);
	rd_kafka_conf_set_opaque(c, b);
	return tf_rdk_assign_consumer(c, b->cfg.brokers, "serve", kv, sizeof kv / sizeof kv[0], why, cap);
}

tf_err tf_web_bus_start(tf_loop *l, const tf_web_bus_cfg *cfg, const tf_web_bus_sink *sink, tf_web_bus **out,
			char *why, size_t why_cap)
{
	*out = NULL;
	tf_web_bus *b = calloc(1, sizeof *b);
	if (!b)
		return TF_ERR_NOMEM;
	b->loop = l;
	b->cfg = *cfg;
	b->sink = *sink;
	tf_json_init(&b->doc);
	b->doc.max_len = TF_ROW_JSON_MAX;
	pthread_mutex_init(&b->mu, NULL);
	if (cfg->watch_topic && cfg->watch_topic[0] && tf_watch_pub_new(cfg->brokers, cfg->watch_topic, &b->watch, why, why_cap)) {
		tf_web_bus_stop(b);
		return TF_ERR_USAGE;
	}
	if (!(b->rk = make_consumer(b, why, why_cap))) {
		tf_web_bus_stop(b);
		return TF_ERR_USAGE;
	}
	if (pthread_create(&b->thread, NULL, run, b)) {
		snprintf(why, why_cap, "cannot start the live-bus thread");
		rd_kafka_destroy(b->rk);
		b->rk = NULL;
		tf_web_bus_stop(b);
		return TF_ERR_IO;
	}
	*out = b;
	return TF_OK;
}

void tf_web_bus_stop(tf_web_bus *b)
{
	if (!b)
		return;
	if (b->rk) {
		atomic_store(&b->stop, 1);
		pthread_join(b->thread, NULL);
		rd_kafka_consumer_close(b->rk);
		rd_kafka_destroy(b->rk);
	}
	tf_watch_pub_free(b->watch);
	if (b->assigned)
		rd_kafka_topic_partition_list_destroy(b->assigned);
	tf_json_free(&b->doc);
	pthread_mutex_destroy(&b->mu);
	free(b->pend.v);
	free(b->work.v);
	free(b);
}

void tf_web_bus_counters_get(tf_web_bus *b, tf_web_bus_counters *out)
{
	out->messages = atomic_load(&b->messages);
	out->rejected = atomic_load(&b->rejected);
	out->dropped = atomic_load(&b->dropped);
	out->reconnects = atomic_load(&b->reconnects);
}

void tf_web_bus_watch(tf_web_bus *b, const tf_watch_list *l)
{
	if (b->watch)
		tf_watch_pub_set(b->watch, l);
}

/* worker.c — one processing thread of `tickflow stream` (see worker.h for the partition states).
 *
 * Loop: take a request from the consumer thread if any (adopt / release), consume up to 1,000
 * messages from the worker's queue, decode and merge them, and commit when batch_max records are
 * pending or commit_interval has passed. A commit is one store transaction holding the ticks, the
 * changed candles, the alerts, the engines' checkpoint state and every partition's next offset;
 * only after it succeeds are the offsets also stored in librdkafka (Kafka-side commits exist for
 * lag monitoring only). When the store fails the worker stops consuming, logs one line, and
 * retries the same batch with backoff until it succeeds (nothing skipped, nothing doubled). */
#include "engine/worker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "market/market.h"
#include "store/row_json.h"

#define MAX_TICKS_PER_RECORD 64

typedef struct {
	int32_t partition;
	tf_engine *e;
	int64_t next;      /* next offset expected; -1 = take whatever comes first */
	bool pending;
	tf_stream_counts counts; /* totals up to next (committed with it, see store.h) */
} slot;

typedef enum { REQ_NONE, REQ_ADOPT, REQ_RELEASE, REQ_STOP } req_kind;

typedef struct {
	const char *topic;
	char key[TF_SYMBOL_MAX];
	char *json; /* malloc'd; librdkafka frees it once produced (RD_KAFKA_MSG_F_FREE) */
	size_t len;
} bus_msg;

struct tf_worker {
	tf_worker_cfg cfg;
	rd_kafka_t *rk, *producer;
	rd_kafka_queue_t *q;
	tf_store *store;
	tf_worker_stats *stats;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	req_kind req;          /* under mu; REQ_NONE when done */
	slot req_slot;
	slot *slots;
	size_t nslots, cap_slots;
	tf_tick *ticks;        /* accepted ticks of the open batch */
	size_t nticks, cap_ticks;
	int64_t pending_records, last_commit_ms, retention_max_t, last_retention_ms;
	bus_msg *bus;          /* live-bus messages of the batch being committed */
	size_t nbus, cap_bus;
	tf_influx_batch influx; /* InfluxDB points of the batch being committed */
};

/* ---- dead-letter topic ---- */

static void dlq(tf_worker *w, slot *s, const rd_kafka_message_t *m, const char *why)
{
	char src[48];
	snprintf(src, sizeof src, "%d/%lld", (int)m->partition, (long long)m->offset);
	rd_kafka_timestamp_type_t tt;
	int64_t ts = rd_kafka_message_timestamp(m, &tt);
	for (int tries = 0; tries < 100; tries++) {
		rd_kafka_resp_err_t err = rd_kafka_producev(
			w->producer, RD_KAFKA_V_TOPIC(w->cfg.dlq_topic), RD_KAFKA_V_KEY(m->key, m->key_len),
			RD_KAFKA_V_VALUE(m->payload, m->len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			RD_KAFKA_V_TIMESTAMP(ts > 0 ? ts : 0), RD_KAFKA_V_HEADER("reason", why, -1),
			RD_KAFKA_V_HEADER("source", src, -1), RD_KAFKA_V_END);
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			if (err)
				tf_warn("cannot queue record %s for %s: %s", src, w->cfg.dlq_topic, rd_kafka_err2str(err));
			break;
		}
		rd_kafka_poll(w->producer, 10);
	}
	atomic_fetch_add(&w->stats->dlq, 1);
	s->counts.dlq++;
}

/* ---- decoding and merging ---- */

typedef struct {
	tf_tick ticks[MAX_TICKS_PER_RECORD];
	int n;
	bool bad;
	char why[200];
} decoded;

static tf_err on_tick(void *ud, const tf_tick *t)
{
	decoded *d = ud;
	if (d->n == MAX_TICKS_PER_RECORD)
		return TF_ERR_TOO_BIG;
	d->ticks[d->n] = *t;
	d->ticks[d->n].raw = NULL;
	d->ticks[d->n].raw_len = 0;
	d->n++;
	return TF_OK;
}

static tf_err on_bad(void *ud, const char *raw, size_t len, const tf_decode_err *why)
{
	decoded *d = ud;
	if (!d->bad)
		snprintf(d->why, sizeof d->why, "decode: %s", why->msg);
	d->bad = true;
	return TF_OK;
}

static slot *find_slot(tf_worker *w, int32_t p)
{
	for (size_t i = 0; i < w->nslots; i++)
		if (w->slots[i].partition == p)
			return &w->slots[i];
	return NULL;
}

static tf_err keep_tick(tf_worker *w, const tf_tick *t)
{
	if (w->nticks == w->cap_ticks) {
		size_t cap = w->cap_ticks ? w->cap_ticks * 2 : 1024;
		tf_tick *ticks = realloc(w->ticks, cap * sizeof *ticks);
		if (!ticks)
			return TF_ERR_NOMEM;
		w->ticks = ticks;
		w->cap_ticks = cap;
	}
	w->ticks[w->nticks++] = *t;
	return TF_OK;
}

static void handle(tf_worker *w, rd_kafka_message_t *m)
{
	if (m->err) {
		if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
			tf_warn("consumer: %s", rd_kafka_message_errstr(m));
		return;
	}
	slot *s = find_slot(w, m->partition);
	if (!s || (s->next >= 0 && m->offset < s->next))
		return; /* not ours (any more), or delivered again after a reassignment */
	static _Thread_local decoded d;
	d.n = 0;
	d.bad = false;
	tf_tick_handler h = {on_tick, on_bad, &d};
	tf_msg_kind kind;
	tf_decode_err derr;
	tf_err err = m->payload ? tf_market_decode_ws(m->payload, m->len, &kind, &h, &derr) : TF_ERR_SCHEMA;
	if (err || kind != TF_MSG_EVENTS || d.bad || d.n == 0) {
		if (!d.bad)
			snprintf(d.why, sizeof d.why, "decode: %s", !m->payload ? "empty value"
								     : err		 ? derr.msg
								     : kind != TF_MSG_EVENTS ? "not a market event"
											     : "no event in record");
		dlq(w, s, m, d.why);
	} else {
		for (int i = 0; i < d.n; i++) {
			tf_verdict v;
			char why[200];
			err = tf_engine_add(s->e, &d.ticks[i], &v, why, sizeof why);
			if (err == TF_ERR_RANGE || err == TF_ERR_TOO_BIG) {
				snprintf(why, sizeof why, "%s", err == TF_ERR_RANGE ? "range: event time out of range"
										      : "symbols: the engine's symbol table is full");
				dlq(w, s, m, why);
			} else if (err) {
				tf_error("partition %d offset %lld: %s", (int)m->partition, (long long)m->offset,
					 tf_err_str(err));
				exit(1); /* out of memory: a restart resumes from the store */
			} else if (v == TF_TICK_LATE) {
				atomic_fetch_add(&w->stats->late, 1);
				s->counts.late++;
				dlq(w, s, m, why);
			} else if (keep_tick(w, &d.ticks[i])) {
				tf_error("out of memory");
				exit(1);
			}
			if (d.ticks[i].event_time > w->retention_max_t)
				w->retention_max_t = d.ticks[i].event_time;
		}
	}
	s->next = m->offset + 1;
	s->pending = true;
	s->counts.records++;
	w->pending_records++;
	atomic_fetch_add(&w->stats->records, 1);
	atomic_store(&w->stats->last_record_mono_ms, tf_mono_ms());
}

/* ---- commit ---- */

typedef struct {
	tf_worker *w;
	int32_t partition;
} sink_ctx;

static tf_err bus_add(tf_worker *w, const char *topic, const char *key, tf_buf *json)
{
	if (w->nbus == w->cap_bus) {
		size_t cap = w->cap_bus ? w->cap_bus * 2 : 256;
		bus_msg *m = realloc(w->bus, cap * sizeof *m);
		if (!m)
			return TF_ERR_NOMEM;
		w->bus = m;
		w->cap_bus = cap;
	}
	bus_msg *m = &w->bus[w->nbus++];
	m->topic = topic;
	snprintf(m->key, sizeof m->key, "%s", key);
	m->len = json->len;
	m->json = json->data; /* ownership moves to the message */
	json->data = NULL;
	return TF_OK;
}

static void bus_clear(tf_worker *w)
{
	for (size_t i = 0; i < w->nbus; i++)
		free(w->bus[i].json);
	w->nbus = 0;
}

static tf_err sink_candle(void *ud, const tf_candle_row *r)
{
	tf_worker *w = ((sink_ctx *)ud)->w;
	tf_err err = tf_store_put_candle(w->store, r);
	tf_influx_batch_candle(&w->influx, r);
	if (err || !w->cfg.candles_topic[0] || r->interval_ms != w->cfg.engine.intervals_ms[0])
		return err;
	tf_q_candle c;
	tf_row_from_candle(r, &c);
	tf_buf b;
	tf_buf_init(&b, TF_ROW_JSON_MAX);
	err = tf_row_json_candle(&b, &c, true);
	if (!err)
		err = bus_add(w, w->cfg.candles_topic, r->symbol, &b);
	tf_buf_free(&b);
	return err;
}

static tf_err sink_alert(void *ud, const tf_alert_row *a)
{
	tf_worker *w = ((sink_ctx *)ud)->w;
	tf_err err = tf_store_put_alert(w->store, a);
	tf_influx_batch_alert(&w->influx, a);
	if (err || !w->cfg.alerts_topic[0])
		return err;
	tf_q_alert q;
	tf_row_from_alert(a, &q);
	tf_buf b;
	tf_buf_init(&b, TF_ROW_JSON_MAX);
	err = tf_row_json_alert(&b, &q);
	if (!err)
		err = bus_add(w, w->cfg.alerts_topic, a->symbol, &b);
	tf_buf_free(&b);
	return err;
}

static tf_err sink_rate(void *ud, const tf_rate_row *r) { return tf_store_put_rate(((sink_ctx *)ud)->w->store, r); }

/* Publishes the committed batch's bus messages (best effort: a full queue drops with a warning). */
static void bus_publish(tf_worker *w)
{
	size_t dropped = 0;
	for (size_t i = 0; i < w->nbus; i++) {
		bus_msg *m = &w->bus[i];
		rd_kafka_resp_err_t err = rd_kafka_producev(w->producer, RD_KAFKA_V_TOPIC(m->topic),
							    RD_KAFKA_V_KEY(m->key, strlen(m->key)), RD_KAFKA_V_VALUE(m->json, m->len),
							    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE), RD_KAFKA_V_END);
		if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			rd_kafka_poll(w->producer, 50);
			err = rd_kafka_producev(w->producer, RD_KAFKA_V_TOPIC(m->topic), RD_KAFKA_V_KEY(m->key, strlen(m->key)),
						RD_KAFKA_V_VALUE(m->json, m->len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
						RD_KAFKA_V_END);
		}
		if (err) {
			free(m->json);
			dropped++;
		}
	}
	if (dropped)
		tf_warn("live bus: %zu messages dropped (producer queue full)", dropped);
	w->nbus = 0;
}
static tf_err sink_state(void *ud, const char *symbol, const void *blob, size_t len)
{
	sink_ctx *c = ud;
	return tf_store_put_state(c->w->store, c->w->cfg.group, c->w->cfg.topic, c->partition, symbol, blob, len);
}

static tf_err commit_once(tf_worker *w)
{
	bus_clear(w); /* a retry drains again and rebuilds them */
	tf_influx_batch_reset(&w->influx);
	tf_err err = tf_store_begin(w->store);
	for (size_t i = 0; !err && i < w->nticks; i++)
		err = tf_store_put_tick(w->store, &w->ticks[i]);
	tf_buf part;
	tf_buf_init(&part, 1 << 16);
	for (size_t i = 0; !err && i < w->nslots; i++) {
		slot *s = &w->slots[i];
		if (!s->pending)
			continue;
		sink_ctx c = {w, s->partition};
		tf_engine_sink sink = {sink_candle, sink_alert, sink_rate, sink_state, &c};
		tf_buf_reset(&part);
		if (!(err = tf_engine_drain(s->e, &sink)) && !(err = tf_engine_save_partition(s->e, &part)) &&
		    !(err = tf_store_put_state(w->store, w->cfg.group, w->cfg.topic, s->partition, "", part.data, part.len)))
			err = tf_store_put_offset(w->store, w->cfg.group, w->cfg.topic, s->partition, s->next, &s->counts);
	}
	tf_buf_free(&part);
	if (!err)
		err = tf_store_commit(w->store);
	if (err)
		tf_store_rollback(w->store);
	return err;
}

/* Commits the open batch, retrying with backoff while the store is unavailable. Returns false only
 * when asked to stop while the store is still down (the log keeps the records for next time). */
static bool commit(tf_worker *w, bool stopping)
{
	bool any = false;
	for (size_t i = 0; i < w->nslots; i++)
		any |= w->slots[i].pending;
	if (!any)
		return true;
	int64_t backoff = 100;
	int failures = 0;
	tf_err err;
	atomic_fetch_add(&w->stats->committing, 1);
	while ((err = commit_once(w))) {
		if (!failures++) {
			tf_warn("store unavailable (%s); pausing consumption and retrying", tf_store_error(w->store));
			atomic_store(&w->stats->store_down, 1);
		}
		if (stopping && failures > 3) {
			bus_clear(w);
			atomic_fetch_sub(&w->stats->committing, 1);
			return false;
		}
		struct timespec ts = {backoff / 1000, (backoff % 1000) * 1000000};
		nanosleep(&ts, NULL);
		backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
	}
	atomic_fetch_sub(&w->stats->committing, 1);
	bus_publish(w);
	tf_influx_batch_submit(&w->influx);
	if (failures) {
		tf_info("store is back after %d failed attempt%s; consuming again", failures, failures == 1 ? "" : "s");
		atomic_store(&w->stats->store_down, 0);
	}
	/* offsets for lag monitoring only */
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)w->nslots);
	for (size_t i = 0; i < w->nslots; i++) {
		slot *s = &w->slots[i];
		if (s->pending) {
			tf_engine_drained(s->e);
			rd_kafka_topic_partition_list_add(l, w->cfg.topic, s->partition)->offset = s->next;
		}
		s->pending = false;
	}
	rd_kafka_offsets_store(w->rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	w->nticks = 0;
	w->pending_records = 0;
	w->last_commit_ms = tf_mono_ms();
	atomic_store(&w->stats->last_record_mono_ms, w->last_commit_ms); /* busy committing is not idle */
	atomic_fetch_add(&w->stats->commits, 1);
	if (w->cfg.retention_ms > 0 && w->last_commit_ms - w->last_retention_ms > 60000) {
		w->last_retention_ms = w->last_commit_ms;
		if (tf_store_delete_ticks_before(w->store, w->retention_max_t - w->cfg.retention_ms))
			tf_warn("retention: %s", tf_store_error(w->store));
	}
	return true;
}

static void release_all(tf_worker *w, bool stopping)
{
	commit(w, stopping);
	for (size_t i = 0; i < w->nslots; i++)
		tf_engine_free(w->slots[i].e);
	w->nslots = 0;
	w->nticks = 0;
	w->pending_records = 0;
}

/* Serves a request of the consumer thread; returns false on REQ_STOP. */
static bool serve_request(tf_worker *w)
{
	pthread_mutex_lock(&w->mu);
	req_kind r = w->req;
	pthread_mutex_unlock(&w->mu);
	if (r == REQ_NONE)
		return true;
	if (r == REQ_ADOPT) {
		if (w->nslots == w->cap_slots) {
			size_t cap = w->cap_slots ? w->cap_slots * 2 : 16;
			slot *s = realloc(w->slots, cap * sizeof *s);
			if (!s) {
				tf_error("out of memory");
				exit(1);
			}
			w->slots = s;
			w->cap_slots = cap;
		}
		w->slots[w->nslots++] = w->req_slot;
	} else {
		release_all(w, r == REQ_STOP);
	}
	pthread_mutex_lock(&w->mu);
	w->req = REQ_NONE;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return r != REQ_STOP;
}

static void *run(void *arg)
{
	tf_worker *w = arg;
	rd_kafka_message_t *msgs[1000];
	w->last_commit_ms = tf_mono_ms();
	for (;;) {
		if (!serve_request(w))
			break;
		ssize_t n = rd_kafka_consume_batch_queue(w->q, 50, msgs, 1000);
		for (ssize_t i = 0; i < n; i++) {
			handle(w, msgs[i]);
			rd_kafka_message_destroy(msgs[i]);
			if (w->pending_records >= w->cfg.batch_max)
				commit(w, false);
		}
		if (w->pending_records && (n <= 0 || tf_mono_ms() - w->last_commit_ms >= w->cfg.commit_interval_ms))
			commit(w, false);
	}
	return NULL;
}

static void request(tf_worker *w, req_kind r)
{
	pthread_mutex_lock(&w->mu);
	w->req = r;
	rd_kafka_queue_yield(w->q); /* wake the worker from its consume call */
	while (w->req != REQ_NONE)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

void tf_worker_adopt(tf_worker *w, int32_t partition, tf_engine *e, int64_t next_offset, const tf_stream_counts *counts)
{
	w->req_slot = (slot){partition, e, next_offset, false, *counts};
	request(w, REQ_ADOPT);
}

void tf_worker_release_all(tf_worker *w) { request(w, REQ_RELEASE); }

rd_kafka_queue_t *tf_worker_queue(tf_worker *w) { return w->q; }

tf_err tf_worker_start(const tf_worker_cfg *cfg, rd_kafka_t *rk, rd_kafka_t *producer, tf_worker_stats *stats,
		       tf_worker **out, char *why, size_t why_cap)
{
	tf_worker *w = calloc(1, sizeof *w);
	if (!w)
		return TF_ERR_NOMEM;
	w->cfg = *cfg;
	w->rk = rk;
	w->producer = producer;
	w->stats = stats;
	tf_influx_batch_init(&w->influx, cfg->influx);
	tf_err err;
	for (int k = 0; (err = tf_store_open(cfg->store_url, &w->store, why, why_cap)) == TF_ERR_AGAIN && k < 60; k++)
		usleep(k < 6 ? (100000u << k) : 5000000u);
	if (err) {
		free(w);
		return err;
	}
	w->q = rd_kafka_queue_new(rk);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->thread, NULL, run, w)) {
		snprintf(why, why_cap, "cannot start a worker thread");
		rd_kafka_queue_destroy(w->q);
		tf_store_close(w->store);
		free(w);
		return TF_ERR_IO;
	}
	*out = w;
	return TF_OK;
}

void tf_worker_stop(tf_worker *w)
{
	if (!w)
		return;
	request(w, REQ_STOP);
	pthread_join(w->thread, NULL);
	rd_kafka_queue_destroy(w->q);
	tf_store_close(w->store);
	bus_clear(w);
	tf_influx_batch_free(&w->influx);
	free(w->bus);
	free(w->slots);
	free(w->ticks);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}

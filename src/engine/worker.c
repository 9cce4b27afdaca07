/* worker.c — one processing thread of `tickflow stream` (see worker.h for the partition states).
 *
 * Loop: take a request from the consumer thread if any (adopt / release), take the messages waiting
 * in the worker's queue (up to 1,000; when there are none, wait for one until the next deadline),
 * decode and merge them, publish the changed candles and new alerts to the live bus when
 * publish_interval has passed since the last publish (livebus.h: before the commit, coalesced), and
 * commit when batch_max records are pending, or when commit_interval has passed or the queue has been
 * idle for IDLE_COMMIT_MS and the committer is free (a due commit waits for the previous one to be
 * stored while records keep being merged and published: only batch_max, a rebalance or the stop make
 * the worker wait for the store). A commit is one store transaction holding the ticks, the
 * changed candles, the alerts, the engines' checkpoint state and every partition's next offset.
 * The worker fills it into one of its two store connections and hands it to its committer thread
 * (committer.h), then goes on with the next records into the other connection; only after the
 * transaction succeeds are the offsets also stored in librdkafka (Kafka-side commits exist for lag
 * monitoring only). When the store fails the committer logs one line and retries the same batch
 * with backoff until it succeeds, and the worker stops consuming at its next commit, which waits
 * for that one (nothing skipped, nothing doubled). */
#include "engine/worker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/run.h"
#include "engine/committer.h"
#include "engine/livebus.h"
#include "market/market.h"

#define MAX_TICKS_PER_RECORD 64
/* The watched symbols' publishes (watch.h). 1 ms sent ~400 one-message produce requests a second for
 * a page of 8 symbols at 100,000 records/s; 5 ms added 2.5 ms on average (tick-to-bus p50 6-7 ms
 * against 4-5 ms with 2, same sitting) */
#define WATCHED_INTERVAL_MS 2
#define IDLE_COMMIT_MS 50 /* commit what is pending once the queue has been empty this long */
#define MAX_WAIT_MS 50    /* longest wait for a message (requests of the consumer thread wake it anyway) */
#define BUSY_RECHECK_MS 2 /* a commit is due but the committer is busy: look again this soon */
#define PUBLISH_SHARE 5   /* publishing takes at most 1/PUBLISH_SHARE of a worker's time (spacing grows) */
#define PUBLISH_BURST_S 5 /* --publish-rate's bucket holds this many seconds of messages */
/* A publish of the whole market (2,000 changed symbols at 100,000 records/s) held the worker
 * 10-38 ms once a second, and every tick on its way to a dashboard with it: parts of this many
 * symbols (~1-2 ms), with the records that came meanwhile handled in between. */
#define PUBLISH_PART_SYMBOLS 256

typedef struct {
	int32_t partition;
	tf_engine *e;
	int64_t next;      /* next offset expected; -1 = take whatever comes first */
	bool pending;
	bool unpublished;  /* ticks merged since the last live-bus publish */
	tf_stream_counts counts; /* totals up to next (committed with it, see store.h) */
} slot;

typedef enum { REQ_NONE, REQ_ADOPT, REQ_RELEASE, REQ_STOP } req_kind;

struct tf_worker {
	tf_worker_cfg cfg;
	rd_kafka_t *rk, *producer;
	rd_kafka_queue_t *q;
	tf_store *stores[2];    /* the batch being filled goes into stores[fill], the other may be committing */
	int fill;
	tf_committer *committer;
	tf_worker_stats *stats;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	req_kind req;          /* under mu; REQ_NONE when done */
	slot req_slot;
	slot *slots;
	size_t nslots, cap_slots;
	tf_tick_row *ticks;    /* accepted ticks of the open batch, as ticks-table rows */
	size_t nticks, cap_ticks;
	int64_t pending_records, last_commit_ms, retention_max_t, last_retention_ms;
	tf_livebus *bus;       /* live-bus publisher (livebus.h) */
	bool unpublished;      /* some slot has unpublished ticks */
	int64_t last_publish_ms, last_msg_ms;
	int64_t publish_gap_ms; /* publish_interval, or more when publishing got expensive */
	int64_t publish_milli_tokens; /* --publish-rate's token bucket, in 1/1000 messages (no rounding
				       * loss at a publish every millisecond) */
	tf_influx_batch influx[2]; /* InfluxDB points of the batch in stores[i] */
	tf_watch_list *watched; /* cfg.watch's symbols (watch.h), copied when they change */
	uint64_t watch_gen;
	int64_t last_watched_ms; /* last publish of the watched symbols alone */
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
		tf_tick_row *ticks = realloc(w->ticks, cap * sizeof *ticks);
		if (!ticks)
			return TF_ERR_NOMEM;
		w->ticks = ticks;
		w->cap_ticks = cap;
	}
	tf_tick_row_from(t, &w->ticks[w->nticks++]);
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
			} else if (w->cfg.store_ticks && keep_tick(w, &d.ticks[i])) {
				tf_error("out of memory");
				exit(1);
			} else if (d.ticks[i].event_time > s->counts.newest) {
				s->counts.newest = d.ticks[i].event_time;
			}
			if (d.ticks[i].event_time > w->retention_max_t)
				w->retention_max_t = d.ticks[i].event_time;
		}
	}
	if (d.n > 0 && !d.bad) {
		s->unpublished = true;
		w->unpublished = true;
	}
	s->next = m->offset + 1;
	s->pending = true;
	s->counts.records++;
	w->pending_records++;
	atomic_fetch_add(&w->stats->records, 1);
}

/* ---- commit ---- */

typedef struct {
	tf_worker *w;
	int32_t partition;
} sink_ctx;

static tf_err sink_candle(void *ud, const tf_candle_row *r)
{
	tf_worker *w = ((sink_ctx *)ud)->w;
	tf_err err = tf_store_put_candle(w->stores[w->fill], r);
	tf_influx_batch_candle(&w->influx[w->fill], r);
	return err;
}

static tf_err sink_alert(void *ud, const tf_alert_row *a)
{
	tf_worker *w = ((sink_ctx *)ud)->w;
	tf_err err = tf_store_put_alert(w->stores[w->fill], a);
	tf_influx_batch_alert(&w->influx[w->fill], a);
	return err;
}

static tf_err sink_rate(void *ud, const tf_rate_row *r)
{
	tf_worker *w = ((sink_ctx *)ud)->w;
	return tf_store_put_rate(w->stores[w->fill], r);
}

/* ---- live bus (livebus.h) ---- */

/* Publishes a part of every slot's unpublished changes (PUBLISH_PART_SYMBOLS symbols a slot): the
 * rest follows at the next turn of the loop, after the records that came meanwhile. */
static void publish(tf_worker *w)
{
	int64_t t0 = tf_mono_ns(), now_ms = t0 / 1000000;
	tf_livebus_counts before, after;
	tf_livebus_counts_get(w->bus, &before);
	bool more = false, failed = false;
	for (size_t i = 0; i < w->nslots; i++) {
		slot *s = &w->slots[i];
		if (!s->unpublished)
			continue;
		bool done = false;
		if (!tf_livebus_publish_part(w->bus, s->e, PUBLISH_PART_SYMBOLS, &done))
			failed = true;
		else if (done)
			s->unpublished = false;
		else
			more = true;
	}
	w->unpublished = more || failed;
	/* the next part at once, after the records that came meanwhile */
	w->publish_gap_ms = more && !failed ? 0 : w->cfg.publish_interval_ms;
	/* Keep the bus within --publish-rate on average: every message is fanned out to every
	 * dashboard, so a sustained flood widens the spacing (coalescing more per candle) instead of
	 * flooding serve, and bounds the worker's time spent publishing. A token bucket of
	 * PUBLISH_BURST_S seconds lets a burst through at once (every 1m candle of the partition closing
	 * in the same instant, Binance's once-a-second frame of every symbol), so that the updates after
	 * it do not wait. Without a cap, the spacing keeps publishing under 1/PUBLISH_SHARE of the
	 * worker's time instead. */
	if (w->cfg.publish_rate <= 0) {
		int64_t took_ms = ((tf_mono_ns() - t0) * (PUBLISH_SHARE - 1) + 999999) / 1000000;
		if (took_ms > w->publish_gap_ms)
			w->publish_gap_ms = took_ms;
	} else {
		tf_livebus_counts_get(w->bus, &after);
		int64_t sent = after.candles + after.alerts - before.candles - before.alerts;
		int64_t cap = w->cfg.publish_rate * PUBLISH_BURST_S * 1000;
		w->publish_milli_tokens += (now_ms - w->last_publish_ms) * w->cfg.publish_rate - sent * 1000;
		if (w->publish_milli_tokens > cap)
			w->publish_milli_tokens = cap;
		int64_t rate_ms = w->publish_milli_tokens < 0 ? -w->publish_milli_tokens / w->cfg.publish_rate + 1 : 0;
		if (rate_ms > w->publish_gap_ms)
			w->publish_gap_ms = rate_ms;
	}
	w->last_publish_ms = now_ms;
}

/* The symbols some dashboard shows, every WATCHED_INTERVAL_MS, outside --publish-interval and
 * --publish-rate: a page sees each of their changes, not one coalesced update a second (watch.h).
 * Sends also the finals and alerts not published yet (bounded, and first, see engine.h). Not
 * counted against the bucket: a few symbols' changes, and exactly what the pages ask for. Returns
 * false when some could not be queued. */
static bool publish_watched(tf_worker *w, int64_t now_ms)
{
	bool all = true;
	for (size_t i = 0; i < w->nslots; i++)
		if (w->slots[i].unpublished)
			all &= tf_livebus_publish_some(w->bus, w->slots[i].e,
						       (const char (*)[TF_SYMBOL_MAX])w->watched->names, w->watched->n);
	w->last_watched_ms = now_ms;
	return all;
}

/* Before a commit makes the engines forget their finals and alerts: those on the bus (a few tries
 * when the producer's queue is full; what still does not fit is lost to the bus, the store has it),
 * and the watched symbols' changes, which would otherwise wait for the batch to be filled (~10 ms at
 * 100,000 records/s). Only those: the other open candles' live changes outlive the commit and wait
 * for their publish, which --publish-rate spaces. Publishing every changed symbol here (2,000
 * candles at 100,000 records/s) held the worker 7-17 ms at each commit. */
static void publish_before_commit(tf_worker *w)
{
	for (int tries = 0; !publish_watched(w, tf_mono_ms()) && tries < 5; tries++)
		usleep(10000);
}

static tf_err sink_state(void *ud, const char *symbol, const void *blob, size_t len)
{
	sink_ctx *c = ud;
	return tf_store_put_state(c->w->stores[c->w->fill], c->w->cfg.group, c->w->cfg.topic, c->partition, symbol, blob, len);
}

/* Fills the open batch into stores[fill] (memory only: no SQL yet). Fails only for lack of memory
 * or a batch beyond the store's maximum. */
static tf_err fill_batch(tf_worker *w)
{
	tf_store *st = w->stores[w->fill];
	tf_influx_batch_reset(&w->influx[w->fill]);
	tf_err err = tf_store_begin(st);
	for (size_t i = 0; !err && i < w->nticks; i++)
		err = tf_store_put_tick(st, &w->ticks[i]);
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
		    !(err = tf_store_put_state(st, w->cfg.group, w->cfg.topic, s->partition, "", part.data, part.len)))
			err = tf_store_put_offset(st, w->cfg.group, w->cfg.topic, s->partition, s->next, &s->counts);
	}
	tf_buf_free(&part);
	if (err)
		tf_store_rollback(st);
	return err;
}

typedef enum {
	COMMIT_ASYNC,    /* hand the batch to the committer and go on */
	COMMIT_SYNC,     /* and wait until it (and any before it) is stored: partitions are released */
	COMMIT_STOPPING, /* the same, but give up if the store stays down (the log keeps the records) */
} commit_mode;

/* Commits the open batch (see the file comment). Returns false only when stopping while the store
 * is still down. */
static bool commit(tf_worker *w, commit_mode mode)
{
	bool any = false;
	for (size_t i = 0; i < w->nslots; i++)
		any |= w->slots[i].pending;
	if (mode == COMMIT_STOPPING)
		tf_committer_stopping(w->committer);
	if (!any)
		return mode == COMMIT_ASYNC || tf_committer_wait(w->committer);
	publish_before_commit(w);
	tf_err err;
	for (int64_t backoff = 100; (err = fill_batch(w)); backoff = backoff * 2 > 5000 ? 5000 : backoff * 2) {
		tf_error("cannot build a store batch: %s", tf_store_error(w->stores[w->fill]));
		if (mode == COMMIT_STOPPING)
			return false;
		tf_sleep_ms(backoff);
	}
	/* the batch owns the output now: the engines forget it, as does the publisher */
	tf_commit_job job = {w->stores[w->fill], rd_kafka_topic_partition_list_new((int)w->nslots), &w->influx[w->fill], 0};
	for (size_t i = 0; i < w->nslots; i++) {
		slot *s = &w->slots[i];
		if (s->pending) {
			tf_engine_drained(s->e);
			rd_kafka_topic_partition_list_add(job.offsets, w->cfg.topic, s->partition)->offset = s->next;
		}
		s->pending = false;
	}
	w->nticks = 0;
	w->pending_records = 0;
	w->last_commit_ms = tf_mono_ms();
	atomic_store(&w->stats->last_record_mono_ms, w->last_commit_ms); /* busy committing is not idle */
	if (w->cfg.retention_ms > 0 && w->last_commit_ms - w->last_retention_ms > 60000) {
		w->last_retention_ms = w->last_commit_ms;
		job.delete_before_ms = w->retention_max_t - w->cfg.retention_ms;
	}
	if (!tf_committer_submit(w->committer, &job)) {
		tf_store_rollback(job.store);
		rd_kafka_topic_partition_list_destroy(job.offsets);
		return false;
	}
	w->fill ^= 1;
	return mode == COMMIT_ASYNC || tf_committer_wait(w->committer);
}

static void release_all(tf_worker *w, bool stopping)
{
	commit(w, stopping ? COMMIT_STOPPING : COMMIT_SYNC);
	for (size_t i = 0; i < w->nslots; i++)
		tf_engine_free(w->slots[i].e);
	w->unpublished = false;
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

/* True when the pending records should be committed by time: the commit interval passed or the
 * queue has been idle long enough. */
static bool commit_due(const tf_worker *w, int64_t now)
{
	return w->pending_records &&
	       (now - w->last_msg_ms >= IDLE_COMMIT_MS || now - w->last_commit_ms >= w->cfg.commit_interval_ms);
}

/* How long the loop may wait for a message: until the next publish or commit is due, at most
 * MAX_WAIT_MS (a due commit waiting for a busy committer: BUSY_RECHECK_MS). */
static int wait_ms(const tf_worker *w, int64_t now)
{
	int64_t until = now + MAX_WAIT_MS;
	if (w->unpublished && w->last_publish_ms + w->publish_gap_ms < until)
		until = w->last_publish_ms + w->publish_gap_ms;
	if (w->unpublished && w->watched->n && w->last_watched_ms + WATCHED_INTERVAL_MS < until)
		until = w->last_watched_ms + WATCHED_INTERVAL_MS;
	if (w->pending_records) {
		int64_t commit_at = w->last_msg_ms + IDLE_COMMIT_MS;
		if (w->last_commit_ms + w->cfg.commit_interval_ms < commit_at)
			commit_at = w->last_commit_ms + w->cfg.commit_interval_ms;
		if (commit_at <= now && tf_committer_busy(w->committer))
			commit_at = now + BUSY_RECHECK_MS;
		if (commit_at < until)
			until = commit_at;
	}
	return until > now ? (int)(until - now) : 0;
}

/* Takes what waits in the queue without blocking (a batch call with a timeout would hold the first
 * message until the batch is full or the timeout passed); when nothing waits, blocks for one. */
static ssize_t take(tf_worker *w, rd_kafka_message_t **msgs, size_t cap)
{
	ssize_t n = rd_kafka_consume_batch_queue(w->q, 0, msgs, cap);
	if (n != 0)
		return n;
	int ms = wait_ms(w, tf_mono_ms());
	if (ms == 0)
		return 0;
	msgs[0] = rd_kafka_consume_queue(w->q, ms);
	return msgs[0] ? 1 : 0;
}

static void *run(void *arg)
{
	tf_thread_name("tf-worker");
	tf_worker *w = arg;
	rd_kafka_message_t *msgs[1000];
	w->last_commit_ms = w->last_msg_ms = w->last_publish_ms = tf_mono_ms();
	w->publish_gap_ms = w->cfg.publish_interval_ms;
	w->publish_milli_tokens = w->cfg.publish_rate * PUBLISH_BURST_S * 1000;
	for (;;) {
		if (!serve_request(w))
			break;
		ssize_t n = take(w, msgs, 1000);
		for (ssize_t i = 0; i < n; i++) {
			handle(w, msgs[i]);
			rd_kafka_message_destroy(msgs[i]);
			if (w->pending_records >= w->cfg.batch_max)
				commit(w, COMMIT_ASYNC);
		}
		int64_t now = tf_mono_ms();
		if (n > 0) {
			w->last_msg_ms = now;
			/* once a batch: a clock read per record showed in profiles */
			atomic_store(&w->stats->last_record_mono_ms, now);
		}
		if (w->cfg.watch)
			tf_watch_get(w->cfg.watch, &w->watch_gen, w->watched);
		if (w->unpublished && now - w->last_publish_ms >= w->publish_gap_ms) {
			/* the watched symbols first: a publish of the whole market (Binance's frame of every
			 * symbol, a minute's finals) is thousands of messages that serve reads in order */
			if (w->watched->n)
				publish_watched(w, now);
			publish(w);
		} else if (w->unpublished && w->watched->n && now - w->last_watched_ms >= WATCHED_INTERVAL_MS)
			publish_watched(w, now);
		if (commit_due(w, now) && !tf_committer_busy(w->committer))
			commit(w, COMMIT_ASYNC);
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
	w->req_slot = (slot){partition, e, next_offset, false, false, *counts};
	request(w, REQ_ADOPT);
}

void tf_worker_release_all(tf_worker *w) { request(w, REQ_RELEASE); }

rd_kafka_queue_t *tf_worker_queue(tf_worker *w) { return w->q; }

/* Frees what tf_worker_start made (the thread is not running). */
static void free_worker(tf_worker *w)
{
	tf_committer_stop(w->committer);
	if (w->q)
		rd_kafka_queue_destroy(w->q);
	for (int i = 0; i < 2; i++) {
		if (w->stores[i])
			tf_store_close(w->stores[i]);
		tf_influx_batch_free(&w->influx[i]);
	}
	tf_livebus_free(w->bus);
	free(w->watched);
	free(w->slots);
	free(w->ticks);
	free(w);
}

tf_err tf_worker_start(const tf_worker_cfg *cfg, rd_kafka_t *rk, rd_kafka_t *producer, tf_worker_stats *stats,
		       tf_worker **out, char *why, size_t why_cap)
{
	tf_worker *w = calloc(1, sizeof *w);
	if (!w)
		return TF_ERR_NOMEM;
	w->cfg = *cfg;
	if (!(w->watched = calloc(1, sizeof *w->watched))) {
		free(w);
		return TF_ERR_NOMEM;
	}
	w->rk = rk;
	w->producer = producer;
	w->stats = stats;
	for (int i = 0; i < 2; i++)
		tf_influx_batch_init(&w->influx[i], cfg->influx);
	tf_livebus_cfg bc = {cfg->candles_topic, cfg->alerts_topic, cfg->engine.intervals_ms[0]};
	tf_err err = tf_livebus_new(&bc, producer, &w->bus);
	if (err) {
		snprintf(why, why_cap, "out of memory");
		goto fail;
	}
	for (int i = 0; i < 2; i++)
		for (int k = 0; (err = tf_store_open(cfg->store_url, &w->stores[i], why, why_cap)) == TF_ERR_AGAIN && k < 60; k++)
			usleep(k < 6 ? (100000u << k) : 5000000u);
	if (err)
		goto fail;
	if ((err = tf_committer_start(rk, stats, &w->committer))) {
		snprintf(why, why_cap, "cannot start a committer thread");
		goto fail;
	}
	w->q = rd_kafka_queue_new(rk);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->thread, NULL, run, w)) {
		snprintf(why, why_cap, "cannot start a worker thread");
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		err = TF_ERR_IO;
		goto fail;
	}
	*out = w;
	return TF_OK;
fail:
	free_worker(w);
	return err;
}

void tf_worker_stop(tf_worker *w)
{
	if (!w)
		return;
	request(w, REQ_STOP);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free_worker(w);
}

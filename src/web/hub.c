/* hub.c — SSE clients, the event ring and the store change poller (see hub.h).
 *
 * Client life:   subscribe ──> [live] ──(queued > max)──> end (dropped slow)
 *                                 │  └──(peer closes / server stops)──> closed (on_stream_close)
 *                                 └── every publish: frame queued if the filter matches */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "store/row_json.h"
#include "web/api.h"
#include "web/hub.h"
#include "web/json.h"
#include "web/params.h"

typedef struct {
	uint64_t seq;
	bool candle;  /* a candle event (candle, candle_closed): subject to ?candles= */
	char symbol[TF_SYMBOL_MAX];
	char *frame; /* "id: ..\nevent: ..\ndata: ..\n\n" */
	size_t len;
} event;

typedef struct client {
	tf_http_stream *s;
	tf_web_symbols filter;  /* ?symbols=: n = 0: everything */
	tf_web_symbols candles; /* ?candles=: candle events of only these (n = 0: of all) */
	struct client *prev, *next;
} client;

typedef struct {
	char symbol[TF_SYMBOL_MAX];
	int64_t open_time, fp; /* fp = updates * 2 + final */
} seen;

typedef struct {
	seen *v;
	size_t n, cap;
} seen_list;

static const struct {
	const char *name;
	int64_t ms;
} intervals[] = {{"1m", 60000}, {"5m", 300000}, {"1h", 3600000}};
#define NIV 3
_Static_assert(NIV == TF_WM_INTERVALS, "metrics count the polls of each interval");
#define MAX_POLL_ROWS 200000
#define ALERT_IDS 1024
#define FULL_POLL_MS 5000   /* read the store's candles at least this often, changed or not */
#define BUS_SILENCE_MS 5000 /* a live bus without candles this long while ticks arrive: poll again */

struct tf_web_hub {
	tf_loop *loop;
	tf_web_pool *pool; /* the hub's own query thread */
	tf_web_metrics *m;
	tf_web_hub_cfg cfg;
	int64_t boot;
	uint64_t seq;
	event ring[TF_HUB_RING];
	client *clients;
	size_t nclients;
	tf_timer poll_timer, hb_timer;
	bool primed, polling, stopping;
	uint64_t force_gen; /* counts forced polls (a force during a poll is not cleared by it) */
	seen_list prev[NIV], cur; /* the query thread's while a poll is out */
	int64_t alert_ids[ALERT_IDS];
	size_t alert_next;
	int64_t alert_since;
	int64_t last_stats_ms, tick_newest;
	int64_t records_total; /* the stream's committed record count at the last stats poll */
	/* the stream's progress (tf_query_progress) when candles and alerts were last read, and when
	 * (mono ms; 0 = not yet) */
	int64_t polled_records, polled_newest, polled_at_ms;
	tf_q_partition *parts[2]; /* stream_offsets rows: [0] shown in /metrics, [1] being read */
	size_t nparts[2], cap_parts[2];
	tf_buf scratch;
	/* the live bus: what it covers is not polled (see hub.h) */
	tf_web_bus *bus;
	bool bus_configured, bus_live, bus_silent, bus_alerts_seen, force_poll;
	int64_t bus_candle_ms[NIV]; /* when the last bus candle of each interval arrived (mono); 0 = never */
	int64_t bus_last_ms, ticks_since_bus;
	tf_watch_list watch; /* scratch of watch_update */
};

/* ---- event ring and fan-out ---- */

static bool listed(const tf_web_symbols *l, const char *symbol)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->names[i], symbol))
			return true;
	return false;
}

/* Whether c gets an event of symbol ("" = market-wide: everyone): ?symbols= limits every event,
 * ?candles= only the candle events (a page shows the candles of the symbols on screen, but its
 * anomalies list takes every alert). */
static bool wants(const client *c, const char *symbol, bool candle)
{
	if (!symbol[0])
		return true;
	if (c->filter.n && !listed(&c->filter, symbol))
		return false;
	return !candle || !c->candles.n || listed(&c->candles, symbol);
}

static void send_to(tf_web_hub *h, client *c, const char *frame, size_t len)
{
	if (tf_http_stream_queued(c->s) > h->cfg.max_queued) {
		h->m->sse_dropped_slow++;
		tf_http_stream_end(c->s);
		return;
	}
	if (tf_http_stream_send(c->s, frame, len) != TF_OK)
		tf_http_stream_end(c->s);
}

tf_err tf_web_hub_publish(tf_web_hub *h, const char *name, const char *symbol, const char *json, size_t len)
{
	uint64_t seq = ++h->seq;
	event *e = &h->ring[seq % TF_HUB_RING];
	free(e->frame);
	e->frame = NULL;
	size_t cap = len + strlen(name) + 80;
	if (!(e->frame = malloc(cap)))
		return TF_ERR_NOMEM;
	int head = snprintf(e->frame, cap, "id: %" PRId64 "-%" PRIu64 "\nevent: %s\ndata: ", h->boot, seq, name);
	memcpy(e->frame + head, json, len);
	memcpy(e->frame + head + len, "\n\n", 2);
	e->len = (size_t)head + len + 2;
	e->seq = seq;
	snprintf(e->symbol, sizeof e->symbol, "%s", symbol);
	e->candle = !strncmp(name, "candle", 6);
	h->m->sse_events++;
	for (client *c = h->clients, *next; c; c = next) {
		next = c->next;
		if (wants(c, symbol, e->candle))
			send_to(h, c, e->frame, e->len);
	}
	return TF_OK;
}

/* ---- clients ---- */

static int bad(tf_http_resp *resp, const char *param, const char *why)
{
	tf_buf *b = tf_http_resp_body(resp);
	tf_buf_appendf(b, "{\"error\":");
	tf_wjson_str(b, why);
	tf_buf_appendf(b, ",\"param\":");
	tf_wjson_str(b, param);
	tf_buf_appendf(b, "}");
	tf_http_resp_header(resp, "Content-Type", "application/json");
	tf_http_resp_status(resp, 400);
	return 400;
}

/* Appends the events after last_id that c wants to out (the first chunk of its stream: nothing
 * can be sent on a stream before the handler returns), or a reset event when they are gone. */
static void resume(tf_web_hub *h, client *c, const char *last_id, tf_buf *out)
{
	long long boot = 0;
	unsigned long long seq = 0;
	char tail;
	bool ok = sscanf(last_id, "%lld-%llu%c", &boot, &seq, &tail) == 2 && boot == h->boot && seq <= h->seq &&
		  (h->seq - seq) < TF_HUB_RING;
	if (!ok) {
		h->m->sse_reset++;
		tf_buf_appendf(out, "id: %" PRId64 "-%" PRIu64 "\nevent: reset\ndata: {}\n\n", h->boot, h->seq);
		return;
	}
	h->m->sse_resumed++;
	for (uint64_t s = seq + 1; s <= h->seq; s++) {
		event *e = &h->ring[s % TF_HUB_RING];
		if (e->frame && e->seq == s && wants(c, e->symbol, e->candle) && tf_buf_append(out, e->frame, e->len))
			break;
	}
}

/* The symbols the pages show (their ?candles= lists) go to the stream through the bus, which
 * then publishes them at every change (engine/watch.h). Pages without ?candles= take the
 * coalesced updates of every symbol and add nothing. */
static void watch_update(tf_web_hub *h)
{
	if (!h->bus)
		return;
	for (client *c = h->clients; c; c = c->next)
		for (size_t i = 0; i < c->candles.n; i++)
			tf_watch_list_add(&h->watch, c->candles.names[i]);
	tf_web_bus_watch(h->bus, &h->watch);
	h->watch.n = 0;
}

int tf_web_hub_subscribe(tf_web_hub *h, const tf_http_request *req, tf_http_resp *resp)
{
	tf_web_perr pe = {0};
	client *c = calloc(1, sizeof *c);
	if (!c)
		return bad(resp, "", "out of memory");
	if (tf_web_param_only(req->query, "symbols|candles", &pe) ||
	    tf_web_param_symbols(req->query, "symbols", &c->filter, &pe) ||
	    tf_web_param_symbols(req->query, "candles", &c->candles, &pe)) {
		free(c);
		return bad(resp, pe.param, pe.why);
	}
	if (h->nclients >= TF_HUB_MAX_CLIENTS) {
		free(c);
		tf_http_resp_status(resp, 503);
		tf_buf_appendf(tf_http_resp_body(resp), "{\"error\":\"too many event streams\"}");
		return 503;
	}
	tf_http_resp_header(resp, "Content-Type", "text/event-stream");
	tf_http_resp_header(resp, "Cache-Control", "no-store");
	tf_http_resp_header(resp, "X-Accel-Buffering", "no");
	tf_buf_appendf(tf_http_resp_body(resp), "retry: 1000\n: tickflow %" PRId64 "\n\n", h->boot);
	const char *last = tf_http_header_get(req->headers, req->nheaders, "Last-Event-ID");
	if (last && *last)
		resume(h, c, last, tf_http_resp_body(resp));
	if (tf_http_resp_stream(resp, c, &c->s) != TF_OK) {
		free(c);
		tf_http_resp_status(resp, 503);
		return 503;
	}
	c->next = h->clients;
	if (h->clients)
		h->clients->prev = c;
	h->clients = c;
	h->nclients++;
	h->m->sse_clients = (int64_t)h->nclients;
	if (c->candles.n)
		watch_update(h);
	return 200;
}

void tf_web_hub_stream_closed(tf_web_hub *h, tf_http_stream *s, void *user)
{
	client *c = user;
	if (!c)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		h->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	h->nclients--;
	h->m->sse_clients = (int64_t)h->nclients;
	bool watched = c->candles.n > 0;
	free(c);
	if (watched)
		watch_update(h);
}

/* ---- the store poller ----
 *
 * The queries run on the hub's own query thread (web/pool.h), never on the loop: one poll job at a
 * time, built from the hub's state on the loop (which intervals the bus does not cover, where the
 * alerts and ticks were last seen), run on the thread, and handed back to the loop which publishes
 * what it found and arms the next poll:
 *
 *   timer --on_poll: job from the hub's state--> [thread] poll_run: queries, candle diffs
 *     ^                                                  |
 *     +---- poll_ms ---- poll_done: publish, metrics <---+
 *
 * While a job is out, the thread owns prev[], cur and parts[1]; the loop touches none of them. */

#define MAX_POLL_ALERTS 500

/* One SSE event found by the thread, published by the loop. */
typedef struct {
	const char *name;
	char symbol[TF_SYMBOL_MAX];
	size_t off, len; /* JSON in poll_job.json */
} found_event;

typedef struct {
	tf_web_hub *h;
	/* in: decided on the loop */
	bool poll_iv[NIV], alerts, stats, primed;
	bool unless_unchanged;               /* skip the candles and alerts when the progress is ... */
	int64_t last_records, last_newest;   /* ... still this (no stream commit since they were read) */
	int64_t alert_from;
	uint64_t force_gen;
	/* out: filled on the thread */
	tf_err err;
	char why[256];
	int iv;
	found_event *ev;
	size_t nev, cap_ev;
	tf_buf json;
	tf_q_alert alert_rows[MAX_POLL_ALERTS];
	size_t nalerts;
	int64_t records, newest, run_ns; /* records: the stream's committed total (tf_query_progress) */
	bool progress_read;
} poll_job;

static void poll_job_free(poll_job *j)
{
	free(j->ev);
	tf_buf_free(&j->json);
	free(j);
}

static int seen_cmp(const void *a, const void *b)
{
	const seen *x = a, *y = b;
	int c = strcmp(x->symbol, y->symbol);
	return c ? c : (x->open_time > y->open_time) - (x->open_time < y->open_time);
}

static tf_err add_event(poll_job *j, const char *name, const char *symbol, size_t off)
{
	if (j->nev == j->cap_ev) {
		size_t cap = j->cap_ev ? j->cap_ev * 2 : 64;
		found_event *v = realloc(j->ev, cap * sizeof *v);
		if (!v)
			return TF_ERR_NOMEM;
		j->ev = v;
		j->cap_ev = cap;
	}
	found_event *e = &j->ev[j->nev++];
	e->name = name;
	snprintf(e->symbol, sizeof e->symbol, "%s", symbol);
	e->off = off;
	e->len = j->json.len - off;
	return TF_OK;
}

static tf_err candle_seen(void *ud, const tf_q_candle *c)
{
	poll_job *j = ud;
	tf_web_hub *h = j->h;
	seen_list *l = &h->cur;
	if (l->n == l->cap) {
		if (l->cap >= MAX_POLL_ROWS)
			return TF_ERR_TOO_BIG;
		size_t cap = l->cap ? l->cap * 2 : 256;
		seen *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return TF_ERR_NOMEM;
		l->v = v;
		l->cap = cap;
	}
	seen *s = &l->v[l->n++];
	snprintf(s->symbol, sizeof s->symbol, "%s", c->symbol);
	s->open_time = c->open_time;
	s->fp = c->updates * 2 + c->final;
	if (!j->primed)
		return TF_OK;
	seen *old = h->prev[j->iv].n ? bsearch(s, h->prev[j->iv].v, h->prev[j->iv].n, sizeof *s, seen_cmp) : NULL;
	if (old && old->fp == s->fp)
		return TF_OK;
	size_t off = j->json.len;
	tf_err err = tf_web_candle_json(&j->json, c);
	if (err)
		return err;
	bool closed = c->final && (!old || !(old->fp & 1));
	return add_event(j, closed ? "candle_closed" : "candle", c->symbol, off);
}

static tf_err poll_candles(tf_query *q, poll_job *j)
{
	tf_web_hub *h = j->h;
	for (int i = 0; i < NIV; i++) {
		if (!j->poll_iv[i])
			continue;
		int64_t latest;
		bool found;
		tf_err err = tf_query_latest_time(q, intervals[i].name, &latest, &found);
		if (err)
			return err;
		j->iv = i;
		h->cur.n = 0;
		if (found && (err = tf_query_candles_since(q, intervals[i].name, latest - intervals[i].ms, MAX_POLL_ROWS,
							   candle_seen, j)))
			return err;
		seen_list t = h->prev[i];
		h->prev[i] = h->cur;
		h->cur = t;
	}
	return TF_OK;
}

static tf_err alert_row(void *ud, const tf_q_alert *a)
{
	poll_job *j = ud;
	if (j->nalerts < MAX_POLL_ALERTS)
		j->alert_rows[j->nalerts++] = *a;
	return TF_OK;
}

static tf_err partition_seen(void *ud, const tf_q_partition *p)
{
	tf_web_hub *h = ud;
	if (h->nparts[1] == h->cap_parts[1]) {
		size_t cap = h->cap_parts[1] ? h->cap_parts[1] * 2 : 16;
		if (cap > TF_WM_MAX_PARTITIONS)
			return TF_OK; /* the query's LIMIT already stops here */
		tf_q_partition *v = realloc(h->parts[1], cap * sizeof *v);
		if (!v)
			return TF_ERR_NOMEM;
		h->parts[1] = v;
		h->cap_parts[1] = cap;
	}
	h->parts[1][h->nparts[1]++] = *p;
	return TF_OK;
}

/* True when j reads candles or alerts (after poll_run: when it did). */
static bool reads_changes(const poll_job *j)
{
	bool any = j->alerts;
	for (int i = 0; i < NIV; i++)
		any |= j->poll_iv[i];
	return any;
}

/* On the query thread: every query of one poll. */
static void poll_run(tf_query *q, void *arg)
{
	poll_job *j = arg;
	int64_t t0 = tf_mono_ns();
	tf_err err = TF_OK;
	bool changes = reads_changes(j);
	/* The progress first: a commit landing during the queries below shows as a change next time */
	if (changes || j->stats) {
		tf_err perr = tf_query_progress(q, &j->records, &j->newest);
		j->progress_read = !perr;
		if (j->stats)
			err = perr; /* only the stats need it: without it the candles are simply read */
	}
	if (!err && changes && j->progress_read && j->unless_unchanged && j->records == j->last_records &&
	    j->newest == j->last_newest) {
		for (int i = 0; i < NIV; i++)
			j->poll_iv[i] = false;
		j->alerts = false;
	}
	if (!err)
		err = poll_candles(q, j);
	/* alerts may be committed slightly out of event-time order: look a minute back (the loop skips
	 * known ids) */
	if (!err && j->alerts)
		err = tf_query_alerts(q, j->alert_from, MAX_POLL_ALERTS, alert_row, j);
	if (!err && j->stats) {
		j->h->nparts[1] = 0;
		err = tf_query_partitions(q, TF_WM_MAX_PARTITIONS, partition_seen, j->h);
	}
	j->err = err;
	if (err)
		snprintf(j->why, sizeof j->why, "%s", err == TF_ERR_NOMEM ? "out of memory" : tf_query_error(q));
	j->run_ns = tf_mono_ns() - t0;
}

static bool bus_covers(const tf_web_hub *h, int iv)
{
	return h->bus_live && !h->force_poll && !h->bus_silent && (iv < 0 ? h->bus_alerts_seen : h->bus_candle_ms[iv] > 0);
}

/* Remembers a->id; false when it was known already (seen on the bus or by an earlier poll). */
static bool alert_new(tf_web_hub *h, const tf_q_alert *a)
{
	for (size_t i = 0; i < ALERT_IDS; i++)
		if (h->alert_ids[i] == a->id)
			return false;
	h->alert_ids[h->alert_next++ % ALERT_IDS] = a->id;
	if (a->event_time > h->alert_since)
		h->alert_since = a->event_time;
	return true;
}

/* Once a second: the bus's counters, and whether a live bus went silent while the store changes
 * (a stream without --candles-topic, or one publishing elsewhere): then candles are polled again. */
static void bus_watch(tf_web_hub *h, int64_t new_ticks)
{
	if (!h->bus_configured)
		return;
	if (h->bus) {
		tf_web_bus_counters c;
		tf_web_bus_counters_get(h->bus, &c);
		h->m->bus_messages = c.messages;
		h->m->bus_rejected = c.rejected;
		h->m->bus_dropped = c.dropped;
		h->m->bus_reconnects = c.reconnects;
	}
	h->ticks_since_bus += new_ticks;
	bool silent = h->bus_live && h->bus_last_ms && tf_mono_ms() - h->bus_last_ms > BUS_SILENCE_MS && h->ticks_since_bus > 0;
	if (silent && !h->bus_silent)
		tf_warn("live bus: no candle for %d s while ticks reach the store; polling the store for candles (does "
			"`tickflow stream` publish to the bus?)", BUS_SILENCE_MS / 1000);
	h->bus_silent = silent;
}

/* The partitions the thread read become the ones /metrics shows. */
static void partitions_swap(tf_web_hub *h)
{
	tf_q_partition *v = h->parts[0];
	size_t cap = h->cap_parts[0];
	h->parts[0] = h->parts[1];
	h->nparts[0] = h->nparts[1];
	h->cap_parts[0] = h->cap_parts[1];
	h->parts[1] = v;
	h->cap_parts[1] = cap;
	h->m->partitions = h->parts[0];
	h->m->npartitions = h->nparts[0];
}

/* ",\"late\":N,\"dlq\":N,\"records_committed\":N" summed over every partition, or nulls before the
 * stream committed anything. */
static tf_err stats_counts(tf_web_hub *h, tf_buf *b)
{
	if (!h->nparts[0])
		return tf_buf_appendf(b, ",\"late\":null,\"dlq\":null,\"records_committed\":null");
	int64_t late = 0, dlq = 0, records = 0;
	for (size_t i = 0; i < h->nparts[0]; i++) {
		late += h->parts[0][i].late;
		dlq += h->parts[0][i].dlq;
		records += h->parts[0][i].records;
	}
	return tf_buf_appendf(b, ",\"late\":%" PRId64 ",\"dlq\":%" PRId64 ",\"records_committed\":%" PRId64, late, dlq,
			      records);
}

/* On the loop, with the stats part of a finished poll. */
static tf_err publish_stats(tf_web_hub *h, const poll_job *j)
{
	int64_t now = tf_mono_ms();
	double secs = h->last_stats_ms ? (double)(now - h->last_stats_ms) / 1000.0 : 0;
	bool first = !h->last_stats_ms;
	h->last_stats_ms = now;
	/* records since the last poll; a rebuild (--from) restarts the stream's counters */
	int64_t count = first || j->records < h->records_total ? 0 : j->records - h->records_total;
	h->records_total = j->records;
	if (!first) {
		h->m->pipeline_records += count;
		h->m->pipeline_records_per_s = secs > 0 ? (double)count / secs : 0;
	}
	if (j->newest > h->tick_newest)
		h->tick_newest = j->newest;
	partitions_swap(h);
	bus_watch(h, count);
	h->m->pipeline_newest_event_ms = h->tick_newest;
	h->m->pipeline_lag_ms = h->tick_newest ? tf_now_ms() - h->tick_newest : 0;
	if (first)
		return TF_OK;
	tf_buf_reset(&h->scratch);
	tf_err err = tf_buf_appendf(&h->scratch,
				    "{\"time\":%" PRId64 ",\"records_per_s\":%.3f,\"records_total\":%" PRId64
				    ",\"newest_event_time\":%" PRId64 ",\"lag_ms\":%" PRId64 ",\"candle_updates\":%" PRId64
				    ",\"sse_clients\":%zu,\"poll_ms\":%.3f,\"bus\":\"%s\"",
				    tf_now_ms(), h->m->pipeline_records_per_s, h->m->pipeline_records, h->tick_newest,
				    h->m->pipeline_lag_ms, h->m->candle_updates, h->nclients, h->m->poll_last_s * 1000.0,
				    !h->bus_configured ? "off" : h->bus_live && !h->bus_silent ? "live" : "polling");
	if (!err)
		err = stats_counts(h, &h->scratch);
	if (!err)
		err = tf_buf_append(&h->scratch, "}", 1);
	return err ? err : tf_web_hub_publish(h, "stats", "", h->scratch.data, h->scratch.len);
}

static void on_poll(tf_loop *l, void *ud);

/* On the loop: what the thread found goes out; the next poll is armed. */
static void poll_done(void *arg, bool ran)
{
	poll_job *j = arg;
	tf_web_hub *h = j->h;
	h->polling = false;
	if (!ran || h->stopping) {
		poll_job_free(j);
		return;
	}
	h->m->polls++;
	h->m->poll_last_s = (double)j->run_ns / 1e9;
	for (int i = 0; i < NIV; i++)
		h->m->candle_polls[i] += j->poll_iv[i];
	tf_err err = j->err;
	for (size_t i = 0; !err && i < j->nev; i++) {
		h->m->candle_updates++;
		err = tf_web_hub_publish(h, j->ev[i].name, j->ev[i].symbol, j->json.data + j->ev[i].off, j->ev[i].len);
	}
	for (size_t i = 0; !err && i < j->nalerts; i++) {
		const tf_q_alert *a = &j->alert_rows[i];
		if (!alert_new(h, a) || !j->primed)
			continue;
		tf_buf_reset(&h->scratch);
		if (!(err = tf_web_alert_json(&h->scratch, a)))
			err = tf_web_hub_publish(h, "alert", a->symbol, h->scratch.data, h->scratch.len);
	}
	if (!err && j->stats)
		err = publish_stats(h, j);
	if (err) {
		if (!h->m->poll_errors++ || err != TF_ERR_AGAIN)
			tf_warn("serve: store poll failed: %s", j->err ? j->why : tf_err_str(err));
	} else {
		h->primed = true;
		if (j->progress_read && reads_changes(j)) {
			h->polled_records = j->records;
			h->polled_newest = j->newest;
			h->polled_at_ms = tf_mono_ms();
		}
		if (h->force_gen == j->force_gen)
			h->force_poll = false; /* (a force that came while the job was out stays) */
	}
	poll_job_free(j);
	tf_timer_start(h->loop, &h->poll_timer, h->cfg.poll_ms, on_poll, h);
}

static void on_poll(tf_loop *l, void *ud)
{
	tf_web_hub *h = ud;
	poll_job *j = calloc(1, sizeof *j);
	if (!j) {
		tf_timer_start(l, &h->poll_timer, h->cfg.poll_ms, on_poll, h);
		return;
	}
	j->h = h;
	for (int i = 0; i < NIV; i++)
		j->poll_iv[i] = !bus_covers(h, i);
	j->alerts = !bus_covers(h, -1);
	j->alert_from = h->alert_since - 60000;
	j->stats = tf_mono_ms() - h->last_stats_ms >= 1000;
	j->primed = h->primed;
	/* What the bus does not cover changes in the store only when the stream commits, once a second
	 * by default: reading every symbol's candles at each poll (8,000 rows for 2,000 symbols, 4 times
	 * a second) found nothing new 3 times in 4 and took 5 % of a core. Forced and first polls read,
	 * and at least every FULL_POLL_MS whatever the progress says (a writer other than the stream). */
	j->unless_unchanged =
	    h->primed && h->polled_at_ms && !h->force_poll && tf_mono_ms() - h->polled_at_ms < FULL_POLL_MS;
	j->last_records = h->polled_records;
	j->last_newest = h->polled_newest;
	j->force_gen = h->force_gen;
	tf_buf_init(&j->json, 256u << 20);
	if (tf_web_pool_submit(h->pool, poll_run, poll_done, j) != TF_OK) {
		poll_job_free(j);
		tf_timer_start(l, &h->poll_timer, h->cfg.poll_ms, on_poll, h);
		return;
	}
	h->polling = true;
}

/* ---- the live bus (callbacks on the loop thread, see web/bus.h) ---- */

static void bus_state(void *ud, bool live)
{
	tf_web_hub *h = ud;
	h->bus_live = live;
	h->m->bus_up = live;
	h->force_poll = true; /* up: catch up on what was committed before the bus's start offsets */
	h->force_gen++;
	h->ticks_since_bus = 0; /* silence counts from here */
	if (h->bus_last_ms)
		h->bus_last_ms = tf_mono_ms();
}

static void bus_gap(void *ud)
{
	tf_web_hub *h = ud;
	h->force_poll = true;
	h->force_gen++;
}

static void bus_candle(void *ud, const tf_q_candle *c)
{
	tf_web_hub *h = ud;
	int64_t now = tf_mono_ms();
	for (int i = 0; i < NIV; i++)
		if (!strcmp(c->interval, intervals[i].name))
			h->bus_candle_ms[i] = now;
	if (h->bus_silent)
		tf_info("live bus: candles arrive again; the store is no longer polled for them");
	h->bus_silent = false;
	h->bus_last_ms = now;
	h->ticks_since_bus = 0;
	tf_buf_reset(&h->scratch);
	if (tf_row_json_candle(&h->scratch, c, true) == TF_OK &&
	    tf_web_hub_publish(h, c->final ? "candle_closed" : "candle", c->symbol, h->scratch.data, h->scratch.len) == TF_OK) {
		h->m->candle_updates++;
		h->m->candle_updates_bus++;
	}
}

static void bus_alert(void *ud, const tf_q_alert *a)
{
	tf_web_hub *h = ud;
	h->bus_alerts_seen = true;
	if (!alert_new(h, a))
		return;
	tf_buf_reset(&h->scratch);
	if (tf_row_json_alert(&h->scratch, a) == TF_OK)
		tf_web_hub_publish(h, "alert", a->symbol, h->scratch.data, h->scratch.len);
}

void tf_web_hub_bus_sink(tf_web_hub *h, tf_web_bus_sink *out)
{
	h->bus_configured = true;
	h->m->bus_configured = 1;
	*out = (tf_web_bus_sink){bus_state, bus_candle, bus_alert, bus_gap, h};
}

void tf_web_hub_bus_attach(tf_web_hub *h, tf_web_bus *b) { h->bus = b; }

static void on_heartbeat(tf_loop *l, void *ud)
{
	tf_web_hub *h = ud;
	char frame[48];
	int n = snprintf(frame, sizeof frame, ": hb %" PRId64 "\n\n", tf_now_ms());
	for (client *c = h->clients, *next; c; c = next) {
		next = c->next;
		send_to(h, c, frame, (size_t)n);
	}
	tf_timer_start(l, &h->hb_timer, h->cfg.heartbeat_ms, on_heartbeat, h);
}

tf_err tf_web_hub_new(tf_loop *l, const char *store_url, tf_web_metrics *m, const tf_web_hub_cfg *cfg, tf_web_hub **out,
		      char *why, size_t why_cap)
{
	tf_web_hub *h = calloc(1, sizeof *h);
	if (!h)
		return TF_ERR_NOMEM;
	h->loop = l;
	h->m = m;
	h->cfg = *cfg;
	if (!h->cfg.poll_ms)
		h->cfg.poll_ms = 250;
	if (!h->cfg.heartbeat_ms)
		h->cfg.heartbeat_ms = 15000;
	if (!h->cfg.max_queued)
		h->cfg.max_queued = 4u << 20;
	h->boot = tf_now_ms();
	tf_buf_init(&h->scratch, 1u << 20);
	tf_timer_init(&h->poll_timer);
	tf_timer_init(&h->hb_timer);
	tf_err err = tf_web_pool_new(l, store_url, 1, 2, &h->pool, why, why_cap);
	if (!err)
		err = tf_timer_start(l, &h->poll_timer, 0, on_poll, h);
	if (!err)
		err = tf_timer_start(l, &h->hb_timer, h->cfg.heartbeat_ms, on_heartbeat, h);
	if (err) {
		tf_web_hub_free(h);
		return err;
	}
	*out = h;
	return TF_OK;
}

void tf_web_hub_free(tf_web_hub *h)
{
	if (!h)
		return;
	h->stopping = true;
	tf_web_pool_free(h->pool); /* a poll still out is handed back (and dropped) here */
	tf_timer_stop(h->loop, &h->poll_timer);
	tf_timer_stop(h->loop, &h->hb_timer);
	for (size_t i = 0; i < TF_HUB_RING; i++)
		free(h->ring[i].frame);
	for (int i = 0; i < NIV; i++)
		free(h->prev[i].v);
	free(h->cur.v);
	free(h->parts[0]);
	free(h->parts[1]);
	tf_buf_free(&h->scratch);
	while (h->clients) {
		client *c = h->clients;
		h->clients = c->next;
		free(c);
	}
	free(h);
}

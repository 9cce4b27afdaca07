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
	char symbol[TF_SYMBOL_MAX];
	char *frame; /* "id: ..\nevent: ..\ndata: ..\n\n" */
	size_t len;
} event;

typedef struct client {
	tf_http_stream *s;
	tf_web_symbols filter; /* n = 0: everything */
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
#define BUS_SILENCE_MS 5000 /* a live bus without candles this long while ticks arrive: poll again */

struct tf_web_hub {
	tf_loop *loop;
	tf_query *q;
	tf_web_metrics *m;
	tf_web_hub_cfg cfg;
	int64_t boot;
	uint64_t seq;
	event ring[TF_HUB_RING];
	client *clients;
	size_t nclients;
	tf_timer poll_timer, hb_timer;
	bool primed;
	seen_list prev[NIV], cur;
	int iv; /* interval being polled (for the candle callback) */
	int64_t alert_ids[ALERT_IDS];
	size_t alert_next;
	int64_t alert_since;
	int64_t last_stats_ms, tick_newest, tick_window;
	tf_buf scratch;
	/* the live bus: what it covers is not polled (see hub.h) */
	tf_web_bus *bus;
	bool bus_configured, bus_live, bus_silent, bus_alerts_seen, force_poll;
	int64_t bus_candle_ms[NIV]; /* when the last bus candle of each interval arrived (mono); 0 = never */
	int64_t bus_last_ms, ticks_since_bus;
};

/* ---- event ring and fan-out ---- */

static bool wants(const client *c, const char *symbol)
{
	if (!c->filter.n || !symbol[0])
		return true;
	for (size_t i = 0; i < c->filter.n; i++)
		if (!strcmp(c->filter.names[i], symbol))
			return true;
	return false;
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
	h->m->sse_events++;
	for (client *c = h->clients, *next; c; c = next) {
		next = c->next;
		if (wants(c, symbol))
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
		if (e->frame && e->seq == s && wants(c, e->symbol) && tf_buf_append(out, e->frame, e->len))
			break;
	}
}

int tf_web_hub_subscribe(tf_web_hub *h, const tf_http_request *req, tf_http_resp *resp)
{
	tf_web_perr pe = {0};
	client *c = calloc(1, sizeof *c);
	if (!c)
		return bad(resp, "", "out of memory");
	if (tf_web_param_only(req->query, "symbols", &pe) || tf_web_param_symbols(req->query, "symbols", &c->filter, &pe)) {
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
	free(c);
}

/* ---- the store poller ---- */

static int seen_cmp(const void *a, const void *b)
{
	const seen *x = a, *y = b;
	int c = strcmp(x->symbol, y->symbol);
	return c ? c : (x->open_time > y->open_time) - (x->open_time < y->open_time);
}

static tf_err candle_seen(void *ud, const tf_q_candle *c)
{
	tf_web_hub *h = ud;
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
	if (!h->primed)
		return TF_OK;
	seen *old = h->prev[h->iv].n ? bsearch(s, h->prev[h->iv].v, h->prev[h->iv].n, sizeof *s, seen_cmp) : NULL;
	if (old && old->fp == s->fp)
		return TF_OK;
	tf_buf_reset(&h->scratch);
	tf_err err = tf_web_candle_json(&h->scratch, c);
	if (err)
		return err;
	h->m->candle_updates++;
	bool closed = c->final && (!old || !(old->fp & 1));
	return tf_web_hub_publish(h, closed ? "candle_closed" : "candle", c->symbol, h->scratch.data, h->scratch.len);
}

static bool bus_covers(const tf_web_hub *h, int iv)
{
	return h->bus_live && !h->force_poll && !h->bus_silent && (iv < 0 ? h->bus_alerts_seen : h->bus_candle_ms[iv] > 0);
}

static tf_err poll_candles(tf_web_hub *h)
{
	for (int i = 0; i < NIV; i++) {
		if (bus_covers(h, i))
			continue;
		h->m->candle_polls[i]++;
		int64_t latest;
		bool found;
		tf_err err = tf_query_latest_time(h->q, intervals[i].name, &latest, &found);
		if (err)
			return err;
		h->iv = i;
		h->cur.n = 0;
		if (found && (err = tf_query_candles_since(h->q, intervals[i].name, latest - intervals[i].ms, MAX_POLL_ROWS,
							   candle_seen, h)))
			return err;
		seen_list t = h->prev[i];
		h->prev[i] = h->cur;
		h->cur = t;
	}
	return TF_OK;
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

static tf_err alert_seen(void *ud, const tf_q_alert *a)
{
	tf_web_hub *h = ud;
	if (!alert_new(h, a) || !h->primed)
		return TF_OK;
	tf_buf_reset(&h->scratch);
	tf_err err = tf_web_alert_json(&h->scratch, a);
	return err ? err : tf_web_hub_publish(h, "alert", a->symbol, h->scratch.data, h->scratch.len);
}

static tf_err poll_alerts(tf_web_hub *h)
{
	if (bus_covers(h, -1))
		return TF_OK;
	/* alerts may be committed slightly out of event-time order: look a minute back, skip known ids */
	return tf_query_alerts(h->q, h->alert_since - 60000, 500, alert_seen, h);
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

static tf_err poll_stats(tf_web_hub *h)
{
	int64_t now = tf_mono_ms();
	if (now - h->last_stats_ms < 1000)
		return TF_OK;
	int64_t count, newest;
	tf_err err = tf_query_tick_summary(h->q, h->tick_newest, &count, &newest);
	if (err)
		return err;
	double secs = h->last_stats_ms ? (double)(now - h->last_stats_ms) / 1000.0 : 0;
	bool first = !h->last_stats_ms;
	h->last_stats_ms = now;
	if (!first) {
		h->m->pipeline_records += count;
		h->m->pipeline_records_per_s = secs > 0 ? (double)count / secs : 0;
	}
	if (newest > h->tick_newest)
		h->tick_newest = newest;
	bus_watch(h, count);
	h->m->pipeline_newest_event_ms = h->tick_newest;
	h->m->pipeline_lag_ms = h->tick_newest ? tf_now_ms() - h->tick_newest : 0;
	if (first)
		return TF_OK;
	tf_buf_reset(&h->scratch);
	err = tf_buf_appendf(&h->scratch,
			     "{\"time\":%" PRId64 ",\"records_per_s\":%.3f,\"records_total\":%" PRId64
			     ",\"newest_event_time\":%" PRId64 ",\"lag_ms\":%" PRId64 ",\"candle_updates\":%" PRId64
			     ",\"sse_clients\":%zu,\"poll_ms\":%.3f,\"late\":null,\"dlq\":null,\"bus\":\"%s\"}",
			     tf_now_ms(), h->m->pipeline_records_per_s, h->m->pipeline_records, h->tick_newest,
			     h->m->pipeline_lag_ms, h->m->candle_updates, h->nclients, h->m->poll_last_s * 1000.0,
			     !h->bus_configured ? "off" : h->bus_live && !h->bus_silent ? "live" : "polling");
	return err ? err : tf_web_hub_publish(h, "stats", "", h->scratch.data, h->scratch.len);
}

static void on_poll(tf_loop *l, void *ud)
{
	tf_web_hub *h = ud;
	int64_t t0 = tf_mono_ns();
	tf_err err = poll_candles(h);
	if (!err)
		err = poll_alerts(h);
	if (!err)
		err = poll_stats(h);
	h->m->polls++;
	h->m->poll_last_s = (double)(tf_mono_ns() - t0) / 1e9;
	if (err) {
		if (!h->m->poll_errors++ || err != TF_ERR_AGAIN)
			tf_warn("serve: store poll failed: %s", tf_query_error(h->q));
	} else {
		h->primed = true;
		h->force_poll = false;
	}
	tf_timer_start(l, &h->poll_timer, h->cfg.poll_ms, on_poll, h);
}

/* ---- the live bus (callbacks on the loop thread, see web/bus.h) ---- */

static void bus_state(void *ud, bool live)
{
	tf_web_hub *h = ud;
	h->bus_live = live;
	h->m->bus_up = live;
	h->force_poll = true; /* up: catch up on what was committed before the bus's start offsets */
	h->ticks_since_bus = 0; /* silence counts from here */
	if (h->bus_last_ms)
		h->bus_last_ms = tf_mono_ms();
}

static void bus_gap(void *ud) { ((tf_web_hub *)ud)->force_poll = true; }

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

tf_err tf_web_hub_new(tf_loop *l, tf_query *q, tf_web_metrics *m, const tf_web_hub_cfg *cfg, tf_web_hub **out)
{
	tf_web_hub *h = calloc(1, sizeof *h);
	if (!h)
		return TF_ERR_NOMEM;
	h->loop = l;
	h->q = q;
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
	tf_err err = tf_timer_start(l, &h->poll_timer, 0, on_poll, h);
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
	tf_timer_stop(h->loop, &h->poll_timer);
	tf_timer_stop(h->loop, &h->hb_timer);
	for (size_t i = 0; i < TF_HUB_RING; i++)
		free(h->ring[i].frame);
	for (int i = 0; i < NIV; i++)
		free(h->prev[i].v);
	free(h->cur.v);
	tf_buf_free(&h->scratch);
	while (h->clients) {
		client *c = h->clients;
		h->clients = c->next;
		free(c);
	}
	free(h);
}

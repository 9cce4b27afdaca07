/* source_ws.c — see source_ws.h.
 *
 * Connection state machine (one thread; next() advances it):
 *
 *            connect fails (log + backoff)
 *             +------+
 *             v      |        connect ok [gap: queue kline backfill]
 *   +---> WAITING ---+----------------------------------------> CONNECTED <----+
 *   |     (until retry_at)                                       |    |        |
 *   |                                                            |    | age >= rotate_after, or
 *   |   recv fails: closed, ping timeout, too big, I/O, TLS      |    | serverShutdown: open a
 *   +--- (log once with the backoff delay; gap = true) ----------+    | NEW connection first
 *                                                                     v        |
 *                                                                 ROTATING ----+
 *                                                 drain what the OLD one already received, then
 *                                                 close it; duplicates are dropped by the pipeline
 *
 * A failed rotation keeps the current connection and tries again after a backoff delay. */
#include "feed/source_ws.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "feed/backoff.h"
#include "net/rest_client.h"
#include "net/ws_client.h"

#define MAX_KLINE_STREAMS 64
#define DRAIN_GRACE_MS 200      /* old connection quiet this long: it has nothing more for us */
#define DRAIN_MAX_MS 2000
#define BACKFILL_LIMIT 1000     /* Binance's largest page */

typedef enum { ST_WAITING, ST_CONNECTED, ST_ROTATING } ws_state;

typedef struct {
	char symbol[TF_SYMBOL_MAX];
	char interval[TF_INTERVAL_MAX];
	int64_t interval_ms;
	int64_t last_e;             /* newest E seen on the stream; 0 = none yet */
	int64_t last_closed_open;   /* open time of the newest closed kline seen; 0 = none */
	bool pending;               /* backfill queued */
} kline_stream;

typedef struct {
	tf_source base;
	tf_source_ws_opts o;
	char *url, *rest_url, *ca_file;
	char name[300];
	ws_state state;
	tf_ws_client *cur, *old;
	int64_t connected_at, retry_at, drain_until, next_rotation_try;
	bool ever_connected, rotate_requested, gap;
	tf_backoff backoff;
	kline_stream klines[MAX_KLINE_STREAMS];
	int nklines;
	tf_rest_response rest;
	bool rest_live;
	char error[512];
} ws_source;

static const struct {
	const char *name;
	int64_t ms;
} intervals[] = {
	{"1s", 1000}, {"1m", 60000}, {"3m", 180000}, {"5m", 300000}, {"15m", 900000}, {"30m", 1800000},
	{"1h", 3600000}, {"2h", 7200000}, {"4h", 14400000}, {"6h", 21600000}, {"8h", 28800000},
	{"12h", 43200000}, {"1d", 86400000}, {"3d", 259200000}, {"1w", 604800000},
};

int64_t tf_kline_interval_ms(const char *interval)
{
	for (size_t i = 0; i < sizeof intervals / sizeof intervals[0]; i++)
		if (strcmp(intervals[i].name, interval) == 0)
			return intervals[i].ms;
	return 0;
}

/* One stream name [p, p+n): "btcusdt@kline_1m" → fn("BTCUSDT", "1m"). */
static void kline_name(const char *p, size_t n, void (*fn)(void *, const char *, const char *), void *ud)
{
	const char *at = memchr(p, '@', n);
	static const char tag[] = "@kline_";
	if (!at || (size_t)(p + n - at) <= sizeof tag - 1 || memcmp(at, tag, sizeof tag - 1) != 0)
		return;
	size_t slen = (size_t)(at - p), ilen = (size_t)(p + n - at) - (sizeof tag - 1);
	char sym[TF_SYMBOL_MAX], iv[8];
	if (slen == 0 || slen >= sizeof sym || ilen >= sizeof iv)
		return;
	for (size_t i = 0; i < slen; i++) {
		if (!isalnum((unsigned char)p[i]))
			return;
		sym[i] = (char)toupper((unsigned char)p[i]);
	}
	sym[slen] = '\0';
	memcpy(iv, at + sizeof tag - 1, ilen);
	iv[ilen] = '\0';
	fn(ud, sym, iv);
}

static void split_names(const char *p, const char *end, void (*fn)(void *, const char *, const char *), void *ud)
{
	while (p < end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		const char *e = slash ? slash : end;
		kline_name(p, (size_t)(e - p), fn, ud);
		p = e + 1;
	}
}

void tf_source_ws_kline_streams(const char *url, void (*fn)(void *ud, const char *symbol, const char *interval),
				void *ud)
{
	const char *scheme = strstr(url, "://");
	const char *path = scheme ? strchr(scheme + 3, '/') : NULL;
	if (!path)
		return;
	const char *query = strchr(path, '?');
	const char *path_end = query ? query : path + strlen(path);
	if ((size_t)(path_end - path) > 4 && strncmp(path, "/ws/", 4) == 0)
		split_names(path + 4, path_end, fn, ud);
	if (query) {
		const char *s = strstr(query, "streams=");
		if (s && (s[-1] == '?' || s[-1] == '&')) {
			s += 8;
			const char *amp = strchr(s, '&');
			split_names(s, amp ? amp : s + strlen(s), fn, ud);
		}
	}
}

static void add_kline(void *ud, const char *symbol, const char *interval)
{
	ws_source *w = ud;
	int64_t ms = tf_kline_interval_ms(interval);
	if (!ms || w->nklines == MAX_KLINE_STREAMS)
		return;
	kline_stream *k = &w->klines[w->nklines++];
	memset(k, 0, sizeof *k);
	snprintf(k->symbol, sizeof k->symbol, "%s", symbol);
	snprintf(k->interval, sizeof k->interval, "%s", interval);
	k->interval_ms = ms;
}

static tf_err open_conn(ws_source *w, tf_ws_client **c, char *errbuf, size_t errcap)
{
	tf_ws_client_opts co = {
		.url = w->url,
		.ca_file = w->ca_file,
		.connect_timeout_ms = w->o.connect_timeout_ms,
		.max_message = w->o.max_message,
		.ping_interval_ms = w->o.ping_interval_ms,
		.pong_timeout_ms = w->o.pong_timeout_ms,
	};
	return tf_ws_client_connect(&co, c, errbuf, errcap);
}

static void queue_backfill(ws_source *w)
{
	for (int i = 0; i < w->nklines; i++)
		w->klines[i].pending = w->klines[i].last_e > 0;
}

/* WAITING: connect when the backoff delay is over. */
static tf_err step_waiting(ws_source *w, int timeout_ms)
{
	int64_t now = tf_mono_ms();
	if (now < w->retry_at) {
		tf_sleep_ms(w->retry_at - now < timeout_ms ? w->retry_at - now : timeout_ms);
		return TF_ERR_AGAIN;
	}
	char errbuf[400] = "";
	tf_ws_client *c = NULL;
	tf_err err = open_conn(w, &c, errbuf, sizeof errbuf);
	if (err) {
		if (err == TF_ERR_TLS && !w->ever_connected) {
			snprintf(w->error, sizeof w->error, "%s; check the server certificate or pass --ca-file", errbuf);
			return err;
		}
		int64_t delay = tf_backoff_next(&w->backoff);
		tf_warn("cannot connect to %s: %s; retrying in %lld ms", w->url, errbuf, (long long)delay);
		w->retry_at = tf_mono_ms() + delay;
		return TF_ERR_AGAIN;
	}
	w->cur = c;
	w->state = ST_CONNECTED;
	w->connected_at = tf_mono_ms();
	w->next_rotation_try = 0;
	w->rotate_requested = false;
	tf_info("connected to %s%s", w->url, w->gap && w->nklines ? "; backfilling klines missed in the gap" : "");
	w->ever_connected = true;
	if (w->gap)
		queue_backfill(w);
	w->gap = false;
	return TF_OK;
}

static void lost(ws_source *w, tf_err err)
{
	int64_t age = tf_mono_ms() - w->connected_at;
	uint16_t code = tf_ws_client_close_code(w->cur);
	tf_backoff_connection_ended(&w->backoff, age);
	int64_t delay = tf_backoff_next(&w->backoff);
	char why[160];
	if (err == TF_ERR_CLOSED && code)
		snprintf(why, sizeof why, "closed by the server (close code %u)", code);
	else if (err == TF_ERR_CLOSED)
		snprintf(why, sizeof why, "closed by the server");
	else if (err == TF_ERR_TIMEOUT)
		snprintf(why, sizeof why, "no pong within %d ms: dead peer", w->o.pong_timeout_ms);
	else
		snprintf(why, sizeof why, "%s", tf_err_str(err));
	tf_warn("connection to %s lost after %.1f s: %s (%s); reconnecting in %lld ms", w->url, (double)age / 1000.0,
		why, tf_ws_client_error(w->cur), (long long)delay);
	tf_ws_client_free(w->cur);
	w->cur = NULL;
	w->state = ST_WAITING;
	w->retry_at = tf_mono_ms() + delay;
	w->gap = true;
}

static void start_rotation(ws_source *w, const char *why)
{
	char errbuf[400] = "";
	tf_ws_client *c = NULL;
	if (open_conn(w, &c, errbuf, sizeof errbuf) != TF_OK) {
		int64_t delay = tf_backoff_next(&w->backoff);
		tf_warn("rotation (%s): cannot open the new connection: %s; keeping the current one, retrying in %lld ms",
			why, errbuf, (long long)delay);
		w->next_rotation_try = tf_mono_ms() + delay;
		return;
	}
	tf_info("rotating the connection to %s (%s): new one open, draining the old one", w->url, why);
	w->old = w->cur;
	w->cur = c;
	w->connected_at = tf_mono_ms();
	w->drain_until = w->connected_at + DRAIN_MAX_MS;
	w->rotate_requested = false;
	w->next_rotation_try = 0;
	w->state = ST_ROTATING;
}

static void fill(tf_feed_msg *m, const tf_ws_msg *wm)
{
	memset(m, 0, sizeof *m);
	m->format = TF_FEED_WS;
	m->data = wm->data;
	m->len = wm->len;
	m->binary = wm->binary;
	m->recv_ms = tf_now_ms();
}

/* Fetches one queued kline backfill; TF_OK with *m filled, TF_ERR_AGAIN when nothing was fetched. */
static tf_err step_backfill(ws_source *w, kline_stream *k, tf_feed_msg *m)
{
	k->pending = false;
	int64_t now = tf_now_ms();
	/* From the first kline not seen closed (or the one open when the gap began) ... */
	int64_t start = k->last_closed_open ? k->last_closed_open + k->interval_ms
					    : k->last_e / k->interval_ms * k->interval_ms;
	int64_t end = now / k->interval_ms * k->interval_ms - 1; /* ... to the last one closed by now */
	if (end < start)
		return TF_ERR_AGAIN;
	char url[600], errbuf[600];
	snprintf(url, sizeof url, "%s/api/v3/klines?symbol=%s&interval=%s&startTime=%lld&endTime=%lld&limit=%d",
		 w->rest_url, k->symbol, k->interval, (long long)start, (long long)end, BACKFILL_LIMIT);
	tf_rest_opts ro = {.ca_file = w->ca_file, .max_body = w->o.max_message, .max_retries = 2,
			   .max_retry_wait_ms = 10000, .stop = w->o.stop};
	if (w->rest_live)
		tf_rest_response_free(&w->rest);
	tf_err err = tf_rest_get(&ro, url, &w->rest, errbuf, sizeof errbuf);
	w->rest_live = true;
	if (err) {
		tf_warn("kline backfill for %s %s failed, the gap stays open: %s", k->symbol, k->interval, errbuf);
		return TF_ERR_AGAIN;
	}
	tf_info("kline backfill for %s %s: %zu bytes from %s", k->symbol, k->interval, w->rest.body.len, w->rest_url);
	memset(m, 0, sizeof *m);
	m->format = TF_FEED_REST_KLINES;
	m->data = w->rest.body.data ? w->rest.body.data : "";
	m->len = w->rest.body.len;
	m->recv_ms = tf_now_ms();
	snprintf(m->symbol, sizeof m->symbol, "%s", k->symbol);
	snprintf(m->interval, sizeof m->interval, "%s", k->interval);
	return TF_OK;
}

static tf_err step_connected(ws_source *w, tf_feed_msg *m, int timeout_ms)
{
	for (int i = 0; i < w->nklines; i++)
		if (w->klines[i].pending && step_backfill(w, &w->klines[i], m) == TF_OK)
			return TF_OK;
	int64_t now = tf_mono_ms();
	bool due = w->o.rotate_after_ms && now - w->connected_at >= w->o.rotate_after_ms;
	if ((due || w->rotate_requested) && now >= w->next_rotation_try) {
		start_rotation(w, w->rotate_requested ? "server shutdown announced" : "connection age");
		if (w->state == ST_ROTATING)
			return TF_ERR_AGAIN; /* the caller comes straight back to drain the old one */
	}
	tf_ws_msg wm;
	tf_err err = tf_ws_client_recv(w->cur, &wm, timeout_ms);
	if (err == TF_OK) {
		fill(m, &wm);
		return TF_OK;
	}
	if (err != TF_ERR_AGAIN)
		lost(w, err);
	return TF_ERR_AGAIN;
}

static tf_err step_rotating(ws_source *w, tf_feed_msg *m)
{
	tf_ws_msg wm;
	tf_err err = tf_mono_ms() < w->drain_until ? tf_ws_client_recv(w->old, &wm, DRAIN_GRACE_MS) : TF_ERR_AGAIN;
	if (err == TF_OK) {
		fill(m, &wm);
		return TF_OK;
	}
	tf_ws_client_free(w->old);
	w->old = NULL;
	w->state = ST_CONNECTED;
	tf_info("rotation complete: old connection closed");
	return TF_ERR_AGAIN;
}

static tf_err ws_next(tf_source *s, tf_feed_msg *m, int timeout_ms)
{
	ws_source *w = (ws_source *)s;
	if (w->o.stop && *w->o.stop)
		return TF_ERR_AGAIN;
	tf_err err;
	switch (w->state) {
	case ST_WAITING:
		err = step_waiting(w, timeout_ms);
		return err == TF_OK ? TF_ERR_AGAIN : err; /* connected: messages come on the next call */
	case ST_CONNECTED:
		return step_connected(w, m, timeout_ms);
	case ST_ROTATING:
		return step_rotating(w, m);
	}
	return TF_ERR_INTERNAL;
}

static void ws_on_server_shutdown(tf_source *s)
{
	ws_source *w = (ws_source *)s;
	if (w->state == ST_CONNECTED)
		w->rotate_requested = true;
}

static void ws_on_tick(tf_source *s, const tf_feed_msg *m, const tf_tick *t)
{
	ws_source *w = (ws_source *)s;
	if (t->kind != TF_TICK_KLINE)
		return;
	for (int i = 0; i < w->nklines; i++) {
		kline_stream *k = &w->klines[i];
		if (strcmp(k->symbol, t->symbol) != 0 || strcmp(k->interval, t->kline.interval) != 0)
			continue;
		if (t->event_time > k->last_e)
			k->last_e = t->event_time;
		if (t->kline.closed && t->kline.open_time > k->last_closed_open)
			k->last_closed_open = t->kline.open_time;
	}
}

static const char *ws_error(const tf_source *s)
{
	return ((const ws_source *)s)->error;
}

static void ws_free(tf_source *s)
{
	ws_source *w = (ws_source *)s;
	tf_ws_client_free(w->old);
	tf_ws_client_free(w->cur);
	if (w->rest_live)
		tf_rest_response_free(&w->rest);
	free(w->url);
	free(w->rest_url);
	free(w->ca_file);
	free(w);
}

tf_err tf_source_ws_new(const tf_source_ws_opts *o, tf_source **out, char *errbuf, size_t errcap)
{
	*out = NULL;
	if (!o->url || (strncmp(o->url, "ws://", 5) != 0 && strncmp(o->url, "wss://", 6) != 0) ||
	    strlen(o->url) > 256) {
		snprintf(errbuf, errcap, "invalid WebSocket URL '%.300s'; write ws://HOST:PORT/PATH or wss://...",
			 o->url ? o->url : "");
		return TF_ERR_USAGE;
	}
	ws_source *w = calloc(1, sizeof *w);
	if (!w)
		return TF_ERR_NOMEM;
	w->o = *o;
	w->url = strdup(o->url);
	w->rest_url = strdup(o->rest_url ? o->rest_url : "https://api.binance.com");
	w->ca_file = o->ca_file ? strdup(o->ca_file) : NULL;
	if (!w->url || !w->rest_url || (o->ca_file && !w->ca_file)) {
		ws_free(&w->base);
		return TF_ERR_NOMEM;
	}
	size_t rl = strlen(w->rest_url);
	while (rl && w->rest_url[rl - 1] == '/')
		w->rest_url[--rl] = '\0';
	snprintf(w->name, sizeof w->name, "ws %s", w->url);
	w->base = (tf_source){w->name, ws_next, ws_on_server_shutdown, ws_on_tick, ws_error, ws_free};
	uint64_t seed = o->seed ? o->seed : (uint64_t)tf_mono_ns() ^ ((uint64_t)tf_now_ms() << 20);
	tf_backoff_init(&w->backoff, o->backoff_base_ms ? o->backoff_base_ms : 250,
			o->backoff_max_ms ? o->backoff_max_ms : 30000, seed);
	tf_source_ws_kline_streams(w->url, add_kline, w);
	w->state = ST_WAITING;
	*out = &w->base;
	return TF_OK;
}

/* server.c — the exchange on the network (see server.h): REST through rest.c, WebSocket streams
 * fanned out from the simulator, Binance's connection rules.
 *
 * A WebSocket connection's life, as this file drives it:
 *
 *   upgrade /ws/<streams> | /stream?streams= | /ws | /stream     (unknown stream: HTTP 400)
 *      |
 *      v
 *   OPEN --- every tick: frames, miniTicker, klines (each ~2 s), trades as they happen
 *      |  \-- every ping interval: ping; any pong refreshes last_pong
 *      |
 *      +-- > 5 messages (data or pong) in one second ....... close 1008 "Too many messages"
 *      +-- no pong within pong timeout ...................... close 1008 "Pong timeout"
 *      +-- older than max-conn-age .... {"e":"serverShutdown"} then close 1001
 *      +-- output queue past its bound (slow consumer) ..... close 1008 "Slow consumer"
 *      v
 *   CLOSING (no more sends; net closes after the handshake or its timeout)
 *      |
 *      v
 *   on_close: one log line, freed
 *
 * Each such event logs one line; messages themselves are never logged. */
#include "exchange/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "exchange/render.h"
#include "exchange/rest.h"
#include "exchange/streams.h"
#include "exchange/weight.h"
#include "net/http_server.h"
#include "net/tls.h"

#define TICK_MS 100            /* Binance pace: frames each second, checks each tick */
#define KLINE_EVERY_MS 2000    /* Binance: kline updates every 2 s */
#define MSG_PER_SECOND 5       /* Binance: 5 incoming messages a second */
#define MAX_CONTROL_MESSAGE 65536

typedef struct {
	uint32_t key;
	int64_t open_time;      /* open time of the candle last sent, 0 before the first */
	int64_t last_emit;      /* monotonic ms */
} kline_state;

typedef struct xconn xconn;
struct xconn {
	tf_xserver *srv;
	tf_ws_conn *ws;
	xconn *prev, *next;
	tf_xsubs subs;
	kline_state *kl;        /* one per kline subscription */
	int nkl;
	bool combined;
	bool closing;           /* we asked to close; nothing more is sent */
	int64_t opened, last_pong, next_ping; /* monotonic ms */
	int64_t win_start;
	int win_count;
	uint64_t sent;
	char peer[64];
};

struct tf_xserver {
	tf_loop *loop;
	tf_sim *sim;
	tf_xserver_opts o;
	tf_tls_ctx *tls;
	tf_http_server *http;
	tf_xweight weight;
	xconn *conns;
	size_t nconns;
	int *trade_subs;        /* per symbol: connections subscribed to its @trade */
	tf_timer tick;
	int64_t tick_ms;
	int64_t next_frame;     /* wall ms of the next frame at Binance pace */
	int64_t last_tick;      /* wall ms of the previous tick (rate accounting) */
	double quota;           /* records owed under --rate */
	tf_buf frame, msg, wrap, trade;
	tf_json_doc doc;
};

/* ---- sending ----------------------------------------------------------------------------- */

static void drop(xconn *c, uint16_t code, const char *why)
{
	if (c->closing)
		return;
	c->closing = true;
	tf_info("dropping %s: %s", c->peer, why);
	tf_ws_close(c->ws, code, why);
}

/* Sends payload of stream `stream` on c, wrapped when the connection is combined. A full output
 * queue drops the connection (slow consumer). */
static void send_payload(xconn *c, const char *stream, const char *payload, size_t len)
{
	if (c->closing)
		return;
	tf_xserver *s = c->srv;
	const char *data = payload;
	size_t n = len;
	if (c->combined) {
		tf_buf_reset(&s->wrap);
		if (tf_xrender_combined(stream, payload, len, &s->wrap) != TF_OK) {
			drop(c, 1011, "Message too large");
			return;
		}
		data = s->wrap.data;
		n = s->wrap.len;
	}
	if (tf_ws_queued(c->ws) + n > s->o.max_queued) {
		drop(c, 1008, "Slow consumer");
		return;
	}
	tf_err err = tf_ws_send_text(c->ws, data, n);
	if (err == TF_ERR_TOO_BIG)
		drop(c, 1008, "Slow consumer");
	else if (err == TF_OK)
		c->sent++;
}

static void stream_name(tf_xserver *s, uint32_t key, char *out, size_t cap)
{
	tf_xstream st;
	tf_xstream_from_key(key, &st);
	tf_xstream_name(s->sim, &st, out, cap);
}

/* ---- subscriptions bookkeeping ----------------------------------------------------------- */

/* Recounts trade subscribers and rebuilds c's kline states (keeping those still subscribed). */
static void subs_changed(xconn *c, const tf_xsubs *before)
{
	tf_xserver *s = c->srv;
	for (int i = 0; before && i < before->n; i++) {
		tf_xstream st;
		tf_xstream_from_key(before->keys[i], &st);
		if (st.kind == TF_XS_TRADE)
			s->trade_subs[st.sym]--;
	}
	int nkl = 0;
	for (int i = 0; i < c->subs.n; i++) {
		tf_xstream st;
		tf_xstream_from_key(c->subs.keys[i], &st);
		if (st.kind == TF_XS_TRADE)
			s->trade_subs[st.sym]++;
		nkl += st.kind == TF_XS_KLINE;
	}
	kline_state *kl = nkl ? calloc((size_t)nkl, sizeof *kl) : NULL;
	if (nkl && !kl) {
		drop(c, 1011, "Out of memory");
		nkl = 0;
	}
	int k = 0;
	for (int i = 0; i < c->subs.n && kl; i++) {
		tf_xstream st;
		tf_xstream_from_key(c->subs.keys[i], &st);
		if (st.kind != TF_XS_KLINE)
			continue;
		kl[k].key = c->subs.keys[i];
		for (int j = 0; j < c->nkl; j++)
			if (c->kl[j].key == kl[k].key)
				kl[k] = c->kl[j];
		k++;
	}
	free(c->kl);
	c->kl = kl;
	c->nkl = nkl;
}

/* ---- per-tick work ----------------------------------------------------------------------- */

static void send_klines(xconn *c, int64_t wall, int64_t mono)
{
	tf_xserver *s = c->srv;
	for (int i = 0; i < c->nkl && !c->closing; i++) {
		kline_state *k = &c->kl[i];
		tf_xstream st;
		tf_xstream_from_key(k->key, &st);
		int64_t ims = tf_xinterval_ms(st.interval);
		tf_sim_stats stats;
		tf_sim_stats24(s->sim, st.sym, &stats);
		tf_sim_kline cur, prev;
		if (!tf_sim_kline_at(s->sim, st.sym, ims, stats.close_time, &cur))
			continue;
		tf_sim_symbol_info info;
		tf_sim_symbol(s->sim, st.sym, &info);
		char name[TF_XSTREAM_NAME_MAX];
		stream_name(s, k->key, name, sizeof name);
		/* the candle we were following closed: send its final state, x = true */
		if (k->open_time && k->open_time != cur.open_time &&
		    tf_sim_kline_at(s->sim, st.sym, ims, k->open_time, &prev) && prev.closed) {
			tf_buf_reset(&s->msg);
			if (tf_xrender_kline_event(info.symbol, tf_xinterval_name(st.interval), &prev, wall, &s->msg) == TF_OK)
				send_payload(c, name, s->msg.data, s->msg.len);
			k->last_emit = 0;
		}
		if (k->open_time == cur.open_time && mono - k->last_emit < KLINE_EVERY_MS)
			continue;
		k->open_time = cur.open_time;
		k->last_emit = mono;
		tf_buf_reset(&s->msg);
		if (tf_xrender_kline_event(info.symbol, tf_xinterval_name(st.interval), &cur, wall, &s->msg) == TF_OK)
			send_payload(c, name, s->msg.data, s->msg.len);
	}
}

/* After a frame: the array to !miniTicker@arr subscribers, each element to <sym>@miniTicker. */
static void fan_out_frame(tf_xserver *s, int64_t wall)
{
	size_t nidx;
	const int *idx = tf_sim_last_frame(s->sim, &nidx);
	for (xconn *c = s->conns; c; c = c->next) {
		for (int i = 0; i < c->subs.n && !c->closing; i++) {
			tf_xstream st;
			tf_xstream_from_key(c->subs.keys[i], &st);
			if (st.kind == TF_XS_ALL_MINI) {
				send_payload(c, "!miniTicker@arr", s->frame.data, s->frame.len);
				continue;
			}
			if (st.kind != TF_XS_MINI)
				continue;
			for (size_t j = 0; j < nidx; j++)
				if (idx[j] == st.sym) {
					char name[TF_XSTREAM_NAME_MAX];
					stream_name(s, c->subs.keys[i], name, sizeof name);
					tf_buf_reset(&s->msg);
					if (tf_sim_mini_ticker_json(s->sim, st.sym, wall, &s->msg) == TF_OK)
						send_payload(c, name, s->msg.data, s->msg.len);
					break;
				}
		}
	}
}

static void make_frame(tf_xserver *s, int64_t wall, size_t max)
{
	size_t n = 0;
	tf_buf_reset(&s->frame);
	tf_err err = tf_sim_next_frame(s->sim, wall, max, &s->frame, &n);
	if (err) {
		tf_warn("frame at %lld not built: %s", (long long)wall, tf_err_str(err));
		return;
	}
	if (n)
		fan_out_frame(s, wall);
	s->quota -= (double)n;
}

/* Under --rate: as many frames as the records owed, each symbol at most once a frame. */
static void rate_frames(tf_xserver *s, int64_t wall)
{
	int64_t dt = s->last_tick ? wall - s->last_tick : 0;
	s->quota += s->o.rate * (double)dt / 1000.0;
	double cap = s->o.rate; /* never owe more than a second's worth */
	if (s->quota > cap)
		s->quota = cap;
	size_t nsym = (size_t)tf_sim_nsymbols(s->sim);
	while (s->quota >= 1) {
		size_t want = s->quota > (double)nsym ? nsym : (size_t)s->quota;
		double before = s->quota;
		make_frame(s, wall, want);
		if (s->quota == before)
			break; /* no symbol has news at this millisecond */
	}
}

static void conn_checks(xconn *c, int64_t wall, int64_t mono)
{
	tf_xserver *s = c->srv;
	if (mono - c->opened >= s->o.max_conn_age_ms) {
		tf_buf_reset(&s->msg);
		tf_xrender_server_shutdown(wall, &s->msg);
		if (tf_ws_send_text(c->ws, s->msg.data, s->msg.len) == TF_OK)
			c->sent++;
		drop(c, 1001, "Connection reached its maximum age");
		return;
	}
	if (mono - c->last_pong >= s->o.pong_timeout_ms) {
		drop(c, 1008, "Pong timeout");
		return;
	}
	if (mono >= c->next_ping) {
		char payload[24];
		int n = snprintf(payload, sizeof payload, "%lld", (long long)wall);
		tf_ws_send_ping(c->ws, payload, (size_t)n);
		c->next_ping = mono + s->o.ping_interval_ms;
	}
}

static void on_tick(tf_loop *l, void *ud)
{
	tf_xserver *s = ud;
	int64_t wall = tf_now_ms(), mono = tf_loop_now_ms(l);
	/* trades: keep subscribed symbols current so trades go out as they happen */
	for (int i = 0; i < tf_sim_nsymbols(s->sim); i++)
		if (s->trade_subs[i] > 0)
			tf_sim_advance(s->sim, i, wall);
	if (s->o.rate > 0) {
		rate_frames(s, wall);
	} else if (wall >= s->next_frame) {
		make_frame(s, wall, (size_t)tf_sim_nsymbols(s->sim));
		s->next_frame = (wall / 1000 + 1) * 1000;
	}
	s->last_tick = wall;
	for (xconn *c = s->conns; c; c = c->next) {
		if (c->closing)
			continue;
		send_klines(c, wall, mono);
		if (!c->closing)
			conn_checks(c, wall, mono);
	}
	tf_timer_start(l, &s->tick, s->tick_ms, on_tick, s);
}

/* The simulator's trade hook: one event to each subscriber of the symbol's @trade. */
static void on_trade(void *ud, int idx, const tf_sim_trade *t)
{
	tf_xserver *s = ud;
	if (idx >= tf_sim_nsymbols(s->sim) || s->trade_subs[idx] <= 0)
		return;
	tf_xstream st = {.kind = TF_XS_TRADE, .sym = idx, .interval = -1};
	uint32_t key = tf_xstream_key(&st);
	tf_sim_symbol_info info;
	tf_sim_symbol(s->sim, idx, &info);
	char name[TF_XSTREAM_NAME_MAX];
	tf_xstream_name(s->sim, &st, name, sizeof name);
	tf_buf_reset(&s->trade);
	if (tf_xrender_trade_event(info.symbol, t, tf_now_ms(), &s->trade) != TF_OK)
		return;
	for (xconn *c = s->conns; c; c = c->next)
		if (tf_xsubs_has(&c->subs, key))
			send_payload(c, name, s->trade.data, s->trade.len);
}

/* ---- WebSocket callbacks ----------------------------------------------------------------- */

/* Counts an incoming message; more than 5 in a second drops the connection (Binance's rule). */
static bool over_rate(xconn *c)
{
	int64_t now = tf_loop_now_ms(c->srv->loop);
	if (now - c->win_start >= 1000) {
		c->win_start = now;
		c->win_count = 0;
	}
	if (++c->win_count > MSG_PER_SECOND) {
		drop(c, 1008, "Too many messages");
		return true;
	}
	return false;
}

static void ws_message(tf_ws_conn *ws, void *user, const char *data, size_t len, bool binary)
{
	xconn *c = user;
	if (c->closing || over_rate(c))
		return;
	tf_xserver *s = c->srv;
	if (len > MAX_CONTROL_MESSAGE) {
		drop(c, 1009, "Message too large");
		return;
	}
	tf_xsubs *before = malloc(sizeof *before);
	if (!before) {
		drop(c, 1011, "Out of memory");
		return;
	}
	*before = c->subs;
	tf_buf_reset(&s->msg);
	tf_xcontrol_result res;
	tf_err err = tf_xcontrol_handle(s->sim, &c->subs, &c->combined, data, len, &s->doc, &s->msg, &res);
	if (res.changed)
		subs_changed(c, before);
	free(before);
	if (err) {
		drop(c, 1011, "Internal error");
		return;
	}
	/* replies are never wrapped, even on combined connections (as Binance) */
	if (tf_ws_send_text(ws, s->msg.data, s->msg.len) == TF_OK)
		c->sent++;
}

static void ws_pong(tf_ws_conn *ws, void *user, const char *data, size_t len)
{
	xconn *c = user;
	if (c->closing || over_rate(c))
		return;
	c->last_pong = tf_loop_now_ms(c->srv->loop);
}

static void ws_close(tf_ws_conn *ws, void *user, uint16_t code)
{
	xconn *c = user;
	tf_xserver *s = c->srv;
	tf_xsubs *before = malloc(sizeof *before);
	if (before) {
		*before = c->subs;
		c->subs.n = 0;
		subs_changed(c, before);
		free(before);
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	tf_info("%s closed (code %u) after %.1f s, %llu messages sent, %zu connections left", c->peer,
		(unsigned)code, (double)(tf_loop_now_ms(s->loop) - c->opened) / 1000.0, (unsigned long long)c->sent,
		s->nconns);
	free(c->kl);
	free(c);
}

/* Reads the stream list of the upgrade target. Returns 101 or an HTTP status to refuse with. */
static int parse_target(tf_xserver *s, const tf_http_request *req, xconn *c)
{
	char list[8192];
	char bad[80];
	const char *path = req->path;
	if (!strcmp(path, "/ws") || !strcmp(path, "/ws/") || (!strcmp(path, "/stream") && !*req->query))
		return 101;
	if (!strncmp(path, "/ws/", 4)) {
		if (tf_xpct_decode(path + 4, strlen(path + 4), list, sizeof list) != TF_OK)
			return 400;
	} else if (!strcmp(path, "/stream")) {
		if (tf_http_query_get(req->query, "streams", list, sizeof list, NULL) != TF_OK)
			return 400;
		c->combined = true;
	} else {
		return 404;
	}
	tf_err err = tf_xstream_parse_list(s->sim, list, strlen(list), &c->subs, bad, sizeof bad);
	if (err) {
		tf_info("refusing %s %s: %s%s", c->peer, req->target,
			err == TF_ERR_TOO_BIG ? "more than 1024 streams" : "unknown stream ", bad);
		return 400;
	}
	return 101;
}

static int ws_accept(void *ud, const tf_http_request *req, tf_ws_conn *ws, void **user)
{
	tf_xserver *s = ud;
	xconn *c = calloc(1, sizeof *c);
	if (!c)
		return 503;
	c->srv = s;
	c->ws = ws;
	snprintf(c->peer, sizeof c->peer, "%s", tf_ws_peer(ws));
	if (!strcmp(req->path, "/stream"))
		c->combined = true;
	int status = parse_target(s, req, c);
	if (status != 101) {
		free(c);
		return status;
	}
	int64_t now = tf_loop_now_ms(s->loop);
	c->opened = c->last_pong = c->win_start = now;
	c->next_ping = now + s->o.ping_interval_ms;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	subs_changed(c, NULL);
	*user = c;
	tf_info("%s connected to %s (%d streams%s, %zu connections)", c->peer, req->target, c->subs.n,
		c->combined ? ", combined" : "", s->nconns);
	return 101;
}

/* ---- REST -------------------------------------------------------------------------------- */

static void http_handler(void *ud, const tf_http_request *req, const char *body, size_t body_len, tf_http_resp *resp)
{
	tf_xserver *s = ud;
	tf_xrest_meta meta;
	tf_buf *out = tf_http_resp_body(resp);
	tf_err err = tf_xrest_handle(s->sim, &s->weight, req->method, req->path, req->query, tf_http_resp_peer(resp),
				     tf_now_ms(), out, &meta);
	if (err) {
		tf_buf_reset(out);
		tf_xrender_error(out, -1000, "An unknown error occurred while processing the request.");
		meta.status = 500;
	}
	tf_http_resp_status(resp, meta.status);
	tf_http_resp_header(resp, "Content-Type", "application/json;charset=UTF-8");
	char num[32];
	snprintf(num, sizeof num, "%lld", (long long)meta.used_weight);
	tf_http_resp_header(resp, "X-MBX-USED-WEIGHT-1M", num);
	if (meta.retry_after) {
		snprintf(num, sizeof num, "%d", meta.retry_after);
		tf_http_resp_header(resp, "Retry-After", num);
	}
}

/* ---- lifecycle --------------------------------------------------------------------------- */

tf_err tf_xserver_new(tf_loop *l, tf_sim *sim, const tf_xserver_opts *o, tf_xserver **out, char *errbuf,
		      size_t errcap)
{
	*out = NULL;
	tf_err err = TF_ERR_NOMEM;
	tf_xserver *s = calloc(1, sizeof *s);
	if (!s)
		goto out;
	s->loop = l;
	s->sim = sim;
	s->o = *o;
	tf_xweight_init(&s->weight, o->weight_limit);
	tf_timer_init(&s->tick);
	tf_json_init(&s->doc);
	s->doc.max_len = MAX_CONTROL_MESSAGE;
	tf_buf_init(&s->frame, (size_t)1 << 30);
	tf_buf_init(&s->msg, (size_t)1 << 20);
	tf_buf_init(&s->wrap, (size_t)1 << 30);
	tf_buf_init(&s->trade, 4096);
	s->trade_subs = calloc((size_t)tf_sim_nsymbols(sim), sizeof *s->trade_subs);
	if (!s->trade_subs)
		goto out;
	if (o->tls_cert && (err = tf_tls_server_ctx_new(o->tls_cert, o->tls_key, &s->tls, errbuf, errcap)))
		goto out;
	tf_http_server_opts ho = {
		.listen = o->listen,
		.tls = s->tls,
		.max_conns = o->max_conns,
		.ws_max_message = MAX_CONTROL_MESSAGE,
		.ws_max_queued = o->max_queued,
		.handler = http_handler,
		.ws_accept = ws_accept,
		.ws_cb = {.on_message = ws_message, .on_pong = ws_pong, .on_close = ws_close},
		.ud = s,
	};
	if ((err = tf_http_server_new(l, &ho, &s->http, errbuf, errcap)))
		goto out;
	tf_sim_on_trade(sim, on_trade, s);
	s->tick_ms = TICK_MS;
	if (o->rate > 0) {
		/* about 50 records a frame at low rates, a frame every millisecond at high ones */
		double ms = 50.0 * 1000.0 / o->rate;
		s->tick_ms = ms < 1 ? 1 : ms > TICK_MS ? TICK_MS : (int64_t)ms;
	}
	s->next_frame = (tf_now_ms() / 1000 + 1) * 1000;
	if ((err = tf_timer_start(l, &s->tick, s->tick_ms, on_tick, s)))
		goto out;
	*out = s;
	s = NULL;
out:
	tf_xserver_free(s);
	return err;
}

uint16_t tf_xserver_port(const tf_xserver *s)
{
	return tf_http_server_port(s->http);
}

void tf_xserver_free(tf_xserver *s)
{
	if (!s)
		return;
	tf_timer_stop(s->loop, &s->tick);
	tf_http_server_free(s->http); /* on_close for every connection */
	tf_sim_on_trade(s->sim, NULL, NULL);
	tf_tls_ctx_free(s->tls);
	free(s->trade_subs);
	tf_buf_free(&s->frame);
	tf_buf_free(&s->msg);
	tf_buf_free(&s->wrap);
	tf_buf_free(&s->trade);
	tf_json_free(&s->doc);
	free(s);
}

/* server.c — the broker's network side on the shared event loop (src/net/loop.h, src/net/tcp.h): one
 * thread serves every connection (no thread per client), length-prefixed framing with a maximum frame
 * size, in-order responses through per-connection slot queues, back-pressure when a client does not
 * read its responses, and a 10 ms tick timer (held-fetch deadlines, group timers, retention, idle
 * connections). Held fetches are also re-checked right after each batch of reads that appended data.
 *
 * A malformed or oversized frame closes only its connection, with one log line. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/run.h"
#include "broker/broker_int.h"
#include "net/addr.h"
#include "net/tcp.h"

#define READ_CHUNK (256u << 10)
#define MAX_QUEUED_BYTES (64u << 20) /* stop reading a client that does not read its responses */
#define MAX_SLOTS 4096
#define IDLE_TIMEOUT_MS (10 * 60 * 1000)

#define TICK_MS 10

static void stop_loop(void *loop) { tf_loop_stop(loop); } /* async-signal-safe */

tf_slot *tf_srv_slot_new(tf_conn *c, int16_t api_key, int16_t version, int32_t corr)
{
	tf_slot *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->conn = c;
	s->api_key = api_key;
	s->version = version;
	s->corr = corr;
	tf_buf_init(&s->out, c->b->cfg.max_frame + 64);
	if (c->tail)
		c->tail->next = s;
	else
		c->head = s;
	c->tail = s;
	c->nslots++;
	return s;
}

void tf_srv_slot_writer(tf_slot *s, tf_kw *w)
{
	tf_buf_reset(&s->out);
	tf_kw_init(w, &s->out);
	tf_kw_i32(w, 0);
	tf_kw_i32(w, s->corr);
	/* Response header v1 (tagged fields) only for flexible versions; ApiVersions always uses v0 and
	 * no other API is served at a flexible version. */
	s->header = s->out.len;
}

static void unlink_slot(tf_conn *c, tf_slot *s)
{
	tf_slot **pp = &c->head;
	tf_slot *prev = NULL;
	while (*pp && *pp != s) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (!*pp)
		return;
	*pp = s->next;
	if (c->tail == s)
		c->tail = prev;
	c->nslots--;
}

static void slot_free(tf_slot *s)
{
	tf_buf_free(&s->out);
	free(s);
}

void tf_srv_slot_drop(tf_slot *s)
{
	tf_conn *c = s->conn;
	unlink_slot(c, s);
	slot_free(s);
	tf_conn_flush(c);
}

void tf_srv_slot_done(tf_slot *s)
{
	tf_put_be32((uint8_t *)s->out.data, (uint32_t)(s->out.len - 4));
	s->ready = true;
	s->cancel = NULL;
	s->owner = NULL;
	s->conn->queued_bytes += s->out.len;
	tf_conn_flush(s->conn);
}

static void update_events(tf_conn *c)
{
	if (c->fd < 0 || c->closing)
		return;
	uint32_t ev = 0;
	if (c->queued_bytes < MAX_QUEUED_BYTES && c->nslots < MAX_SLOTS)
		ev |= TF_LOOP_READ;
	if (c->head && c->head->ready)
		ev |= TF_LOOP_WRITE;
	if (ev == c->events || !c->watch)
		return;
	if (tf_loop_watch_set(c->b->loop, c->watch, ev) == TF_OK)
		c->events = ev;
}

void tf_conn_flush(tf_conn *c)
{
	while (c->head && c->head->ready) {
		tf_slot *s = c->head;
		if (c->fd < 0) { /* no socket (fuzzing): discard */
			c->head_sent = s->out.len;
		}
		while (c->head_sent < s->out.len) {
			ssize_t w = send(c->fd, s->out.data + c->head_sent, s->out.len - c->head_sent, MSG_NOSIGNAL);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				goto out;
			if (w <= 0) {
				tf_debug("conn %s: send failed: %s", c->peer, strerror(errno));
				c->closing = true;
				return;
			}
			c->head_sent += (size_t)w;
		}
		c->queued_bytes -= s->out.len;
		c->head_sent = 0;
		unlink_slot(c, s);
		slot_free(s);
	}
out:
	update_events(c);
}

tf_conn *tf_conn_new(tf_broker *b, int fd, const char *peer)
{
	tf_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->b = b;
	c->fd = fd;
	c->id = ++b->next_conn_id;
	snprintf(c->peer, sizeof c->peer, "%s", peer);
	tf_buf_init(&c->in, b->cfg.max_frame + 4);
	c->next = b->conns;
	if (b->conns)
		b->conns->prev = c;
	b->conns = c;
	b->nconns++;
	c->last_active_ms = tf_mono_ms();
	return c;
}

void tf_conn_free(tf_conn *c)
{
	tf_broker *b = c->b;
	/* Cancel pending slots first so their owners (held fetches, group members) forget them. */
	for (tf_slot *s = c->head; s; s = s->next)
		if (!s->ready && s->cancel)
			s->cancel(s);
	while (c->head) {
		tf_slot *s = c->head;
		c->head = s->next;
		slot_free(s);
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		b->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	b->nconns--;
	if (c->watch)
		tf_loop_unwatch(b->loop, c->watch);
	if (c->fd >= 0)
		close(c->fd);
	tf_buf_free(&c->in);
	free(c);
}

/* Processes every complete frame in c->in. Returns false when the connection must close. */
static bool process_frames(tf_conn *c)
{
	tf_broker *b = c->b;
	while (c->in.len - c->in_off >= 4) {
		if (c->queued_bytes >= MAX_QUEUED_BYTES || c->nslots >= MAX_SLOTS)
			break; /* back-pressure: resume when responses drain */
		uint8_t *p = (uint8_t *)c->in.data + c->in_off;
		int32_t size = (int32_t)tf_be32(p);
		if (size < 8 || (size_t)size > b->cfg.max_frame) {
			tf_warn("conn %s: frame size %" PRId32 " outside 8..%zu; closing", c->peer, size, b->cfg.max_frame);
			return false;
		}
		if (c->in.len - c->in_off < (size_t)size + 4)
			break;
		tf_err err = tf_broker_handle_frame(b, c, p + 4, (size_t)size);
		if (err) {
			tf_warn("conn %s: malformed request (%s); closing", c->peer, tf_err_str(err));
			return false;
		}
		c->in_off += (size_t)size + 4;
		if (c->closing)
			return false;
	}
	if (c->in_off > 0 && (c->in_off == c->in.len || c->in_off > (1u << 20))) {
		tf_buf_consume(&c->in, c->in_off);
		c->in_off = 0;
	}
	return true;
}

/* Returns false when the connection must close. */
static bool on_readable(tf_conn *c)
{
	for (int rounds = 0; rounds < 16; rounds++) {
		size_t want = READ_CHUNK;
		if (c->in.len - c->in_off >= 4) {
			/* Read a large frame's remainder at once. */
			uint32_t size = tf_be32((uint8_t *)c->in.data + c->in_off);
			size_t have = c->in.len - c->in_off;
			if ((size_t)size + 4 > have && size <= c->b->cfg.max_frame && (size_t)size + 4 - have > want)
				want = (size_t)size + 4 - have;
		}
		if (c->in.len + want > c->in.max) {
			if (c->in_off) {
				tf_buf_consume(&c->in, c->in_off);
				c->in_off = 0;
			}
			if (c->in.len + want > c->in.max)
				want = c->in.max - c->in.len;
			if (want == 0)
				return process_frames(c);
		}
		if (tf_buf_reserve(&c->in, want) != TF_OK)
			return false;
		ssize_t r = recv(c->fd, c->in.data + c->in.len, want, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r <= 0) {
			if (r < 0)
				tf_debug("conn %s: recv: %s", c->peer, strerror(errno));
			return false;
		}
		c->in.len += (size_t)r;
		c->last_active_ms = tf_mono_ms();
		if (!process_frames(c))
			return false;
		if ((size_t)r < want)
			break;
	}
	return true;
}

static void close_conn(tf_conn *c, const char *why)
{
	tf_debug("conn %s closed (%s)", c->peer, why);
	tf_conn_free(c);
}

static void on_conn_io(tf_loop *l, int fd, unsigned events, void *ud)
{
	tf_conn *c = ud;
	tf_broker *b = c->b;
	const char *why = NULL;
	if ((events & TF_LOOP_READ) && !on_readable(c))
		why = "read";
	if (!why && (events & TF_LOOP_WRITE))
		tf_conn_flush(c);
	if (!why && c->closing)
		why = "write";
	/* Frames left unprocessed under back-pressure resume once responses drained. */
	if (!why && c->in.len - c->in_off >= 4 && c->queued_bytes < MAX_QUEUED_BYTES && c->nslots < MAX_SLOTS &&
	    !process_frames(c))
		why = "frame";
	if (why)
		close_conn(c, why);
	if (b->data_arrived) { /* wake held fetches now, not at the next tick */
		b->data_arrived = false;
		tf_fetch_check_held(b, tf_mono_ms(), false);
	}
}

static void on_accept(tf_loop *l, int fd, unsigned events, void *ud)
{
	tf_broker *b = ud;
	for (;;) {
		int cfd;
		char peer[64];
		tf_err err = tf_tcp_accept(b->lfd, &cfd, peer, sizeof peer);
		if (err == TF_ERR_AGAIN)
			return;
		if (err) {
			tf_warn("accept: %s", strerror(errno));
			return;
		}
		tf_conn *c = tf_conn_new(b, cfd, peer);
		if (!c) {
			close(cfd);
			continue;
		}
		c->events = TF_LOOP_READ;
		if (tf_loop_watch(b->loop, cfd, TF_LOOP_READ, on_conn_io, c, &c->watch) != TF_OK) {
			tf_conn_free(c);
			continue;
		}
		tf_debug("conn %s accepted", peer);
	}
}

static void on_tick(tf_loop *l, void *ud)
{
	tf_broker *b = ud;
	int64_t now = tf_mono_ms();
	tf_broker_tick(b, now);
	for (tf_conn *c = b->conns, *next; c; c = next) {
		next = c->next;
		if (c->closing) /* a deferred completion's send failed */
			close_conn(c, "send");
		else if (!c->head && now - c->last_active_ms > IDLE_TIMEOUT_MS)
			close_conn(c, "idle");
	}
	if (tf_timer_start(l, &b->tick, TICK_MS, on_tick, b) != TF_OK)
		tf_loop_stop(l);
}

static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

tf_err tf_server_run(tf_broker *b)
{
	raise_fd_limit();
	char hostport[300], errbuf[256];
	tf_addr_format(b->cfg.host, (uint16_t)b->cfg.port, hostport, sizeof hostport);
	tf_err err = tf_tcp_listen(hostport, 512, &b->lfd, errbuf, sizeof errbuf);
	if (err) {
		snprintf(b->why, sizeof b->why, "%s; to listen elsewhere pass --listen HOST:PORT", errbuf);
		return err;
	}
	if ((err = tf_loop_new(&b->loop)) != TF_OK)
		goto out;
	if ((err = tf_loop_watch(b->loop, b->lfd, TF_LOOP_READ, on_accept, b, &b->lwatch)) != TF_OK)
		goto out;
	tf_timer_init(&b->tick);
	if ((err = tf_timer_start(b->loop, &b->tick, TICK_MS, on_tick, b)) != TF_OK)
		goto out;
	tf_run_on_stop(stop_loop, b->loop);
	tf_run_signals();
	tf_info("broker listening on %s, data in %s", hostport, b->cfg.data_dir);
	tf_run_ready();
	err = tf_loop_run(b->loop);
	tf_info("broker stopping");
	tf_topics_sync(b);
	tf_groups_sync(b);
out:
	tf_run_on_stop(NULL, NULL);
	while (b->conns)
		tf_conn_free(b->conns);
	if (b->loop) {
		tf_timer_stop(b->loop, &b->tick);
		tf_loop_unwatch(b->loop, b->lwatch);
		b->lwatch = NULL;
		tf_loop_free(b->loop);
		b->loop = NULL;
	}
	close(b->lfd);
	b->lfd = -1;
	return err;
}

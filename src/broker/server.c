/* server.c — the broker's network side: one epoll event loop serving every connection (no thread per
 * client), length-prefixed framing with a maximum frame size, in-order responses through per-connection
 * slot queues, back-pressure when a client does not read its responses, and the periodic tick
 * (held fetches, group timers, fsync, retention).
 *
 * This is the broker's own minimal loop: the shared src/net/ event loop was not available when this
 * was written. Everything loop-specific is in this file (tf_server_run, on_readable, on_writable);
 * the rest of the broker only sees tf_conn/tf_slot, so switching to src/net/loop.h touches only here.
 *
 * A malformed or oversized frame closes only its connection, with one log line. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "broker/broker_int.h"

#define READ_CHUNK (256u << 10)
#define MAX_QUEUED_BYTES (64u << 20) /* stop reading a client that does not read its responses */
#define MAX_SLOTS 4096
#define IDLE_TIMEOUT_MS (10 * 60 * 1000)

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) { g_stop = 1; }

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
		ev |= EPOLLIN;
	if (c->head && c->head->ready)
		ev |= EPOLLOUT;
	if (ev == c->events)
		return;
	struct epoll_event e = {.events = ev, .data.ptr = c};
	if (epoll_ctl(c->b->epfd, EPOLL_CTL_MOD, c->fd, &e) == 0)
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
	if (c->fd >= 0)
		epoll_ctl(c->b->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	tf_conn_free(c);
}

static void on_accept(tf_broker *b)
{
	for (;;) {
		struct sockaddr_in sa;
		socklen_t sl = sizeof sa;
		int fd = accept4(b->lfd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				tf_warn("accept: %s", strerror(errno));
			return;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		char ip[INET_ADDRSTRLEN], peer[64];
		inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof ip);
		snprintf(peer, sizeof peer, "%s:%d", ip, ntohs(sa.sin_port));
		tf_conn *c = tf_conn_new(b, fd, peer);
		if (!c) {
			close(fd);
			continue;
		}
		struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
		c->events = EPOLLIN;
		if (epoll_ctl(b->epfd, EPOLL_CTL_ADD, fd, &e) != 0) {
			tf_conn_free(c);
			continue;
		}
		tf_debug("conn %s accepted", peer);
	}
}

static tf_err listen_on(tf_broker *b)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)b->cfg.port)};
	if (inet_pton(AF_INET, b->cfg.host, &sa.sin_addr) != 1) {
		tf_error("--listen: '%s' is not an IPv4 address", b->cfg.host);
		return TF_ERR_USAGE;
	}
	b->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(b->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (b->lfd < 0 || bind(b->lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(b->lfd, 512) != 0) {
		tf_error("cannot listen on %s:%d: %s", b->cfg.host, b->cfg.port, strerror(errno));
		return TF_ERR_IO;
	}
	return TF_OK;
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
	tf_err err = listen_on(b);
	if (err)
		return err;
	b->epfd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event le = {.events = EPOLLIN, .data.ptr = NULL};
	if (b->epfd < 0 || epoll_ctl(b->epfd, EPOLL_CTL_ADD, b->lfd, &le) != 0) {
		tf_error("epoll: %s", strerror(errno));
		return TF_ERR_IO;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	tf_info("broker listening on %s:%d, data in %s", b->cfg.host, b->cfg.port, b->cfg.data_dir);
	struct epoll_event evs[256];
	int64_t last_idle_check = tf_mono_ms();
	while (!g_stop && !b->stop) {
		int timeout = 10;
		int64_t now = tf_mono_ms();
		int64_t dl = tf_fetch_next_deadline(b);
		if (dl >= 0 && dl - now < timeout)
			timeout = dl > now ? (int)(dl - now) : 0;
		int n = epoll_wait(b->epfd, evs, 256, timeout);
		if (n < 0 && errno != EINTR) {
			tf_error("epoll_wait: %s", strerror(errno));
			return TF_ERR_IO;
		}
		for (int i = 0; i < n; i++) {
			tf_conn *c = evs[i].data.ptr;
			if (!c) {
				if (evs[i].events)
					on_accept(b);
				continue;
			}
			const char *why = NULL;
			if ((evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) && !on_readable(c))
				why = "read";
			if (!why && (evs[i].events & EPOLLOUT))
				tf_conn_flush(c);
			if (!why && c->closing)
				why = "write";
			/* Frames left unprocessed under back-pressure resume once responses drained. */
			if (!why && c->in.len - c->in_off >= 4 && c->queued_bytes < MAX_QUEUED_BYTES &&
			    c->nslots < MAX_SLOTS && !process_frames(c))
				why = "frame";
			if (why) {
				for (int j = i + 1; j < n; j++)
					if (evs[j].data.ptr == c)
						evs[j].data.ptr = NULL, evs[j].events = 0;
				close_conn(c, why);
			}
		}
		now = tf_mono_ms();
		tf_broker_tick(b, now);
		/* Connections closed by a deferred completion's failed send. */
		for (tf_conn *c = b->conns, *next; c; c = next) {
			next = c->next;
			if (c->closing)
				close_conn(c, "send");
		}
		if (now - last_idle_check > 1000) {
			last_idle_check = now;
			for (tf_conn *c = b->conns, *next; c; c = next) {
				next = c->next;
				if (!c->head && now - c->last_active_ms > IDLE_TIMEOUT_MS)
					close_conn(c, "idle");
			}
		}
	}
	tf_info("broker stopping");
	tf_topics_sync(b);
	tf_groups_sync(b);
	close(b->lfd);
	close(b->epfd);
	return TF_OK;
}

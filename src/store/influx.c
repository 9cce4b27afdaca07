/* influx.c — see influx.h: the staged batches, the bounded queue and the sender thread. One libcurl
 * easy handle lives in the sender thread for the whole run (keep-alive: one connection, not one per
 * POST, which is why net/rest_client.c, a GET client with a handle per call, is not used here). */
#include "store/influx.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/run.h"
#include "store/influx_line.h"

#define DEFAULT_POST_BYTES (1u << 20)
#define DEFAULT_POST_POINTS 5000
#define DEFAULT_QUEUE_BYTES (64u << 20)
#define DEFAULT_TIMEOUT_MS 10000
#define DEFAULT_DRAIN_MS 5000
#define DEFAULT_MAX_BACKOFF_MS 5000
#define RESPONSE_MAX 1024      /* bytes of an answer kept for the log */
#define REJECT_LOG_EVERY_MS 60000

typedef struct chunk {
	struct chunk *next;
	size_t len;
	uint64_t points;
	char data[];
} chunk;

typedef enum { POST_OK, POST_REJECTED, POST_RETRY } post_result;

struct tf_influx {
	tf_influx_cfg cfg;
	char url[TF_INFLUX_URL_MAX + 32]; /* with precision=ms */
	char shown[TF_INFLUX_URL_MAX + 32]; /* for the log: the p= value hidden */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* under mu */
	chunk *head, *tail;
	size_t qbytes;
	uint64_t qpoints, inflight_points, inflight_bytes;
	bool closing, drop_logged;
	int64_t deadline_ms;          /* monotonic; set by close */
	int64_t down_since_ms, last_reject_log_ms;
	uint64_t outage_dropped, outage_fails, reject_unlogged;
	tf_influx_stats st;
	/* sender thread only */
	CURL *curl;
	struct curl_slist *headers;
	tf_buf post, resp;
	char curl_err[CURL_ERROR_SIZE];
};

/* ---- URL ---- */

/* Value of query parameter name in q ("a=1&b=2"), length in *n; NULL when absent. */
static const char *query_param(const char *q, const char *name, size_t *n)
{
	size_t nl = strlen(name);
	for (const char *p = q; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
		if (!strncmp(p, name, nl) && p[nl] == '=') {
			const char *v = p + nl + 1;
			*n = strcspn(v, "&");
			return v;
		}
	}
	return NULL;
}

/* Checks and completes the URL into x->url and x->shown. */
static tf_err set_url(tf_influx *x, const char *url, char *why, size_t why_cap)
{
	tf_err err = TF_ERR_USAGE;
	char *q = NULL, *full = NULL;
	CURLU *u = curl_url();
	if (!u)
		return TF_ERR_NOMEM;
	if (strlen(url) > TF_INFLUX_URL_MAX) {
		snprintf(why, why_cap, "URL longer than %d bytes", TF_INFLUX_URL_MAX);
		goto out;
	}
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			snprintf(why, why_cap, "URL contains a space or control character");
			goto out;
		}
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
		snprintf(why, why_cap, "'%.80s' is not an http:// or https:// URL", url);
		goto out;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) || curl_url_get(u, CURLUPART_QUERY, &q, 0) != CURLUE_OK) {
		snprintf(why, why_cap, "'%.80s' is not a write URL like http://127.0.0.1:8086/write?db=tickflow", url);
		goto out;
	}
	size_t n = 0;
	const char *v = query_param(q, "precision", &n);
	if (v && !(n == 2 && !strncmp(v, "ms", 2))) {
		snprintf(why, why_cap, "precision=%.*s: tickflow writes millisecond timestamps (precision=ms)", (int)(n > 16 ? 16 : n), v);
		goto out;
	}
	if (!(query_param(q, "db", &n) && n)) {
		snprintf(why, why_cap, "no database in '%.80s' (add ?db=NAME, e.g. http://127.0.0.1:8086/write?db=tickflow)", url);
		goto out;
	}
	if ((!v && curl_url_set(u, CURLUPART_QUERY, "precision=ms", CURLU_APPENDQUERY)) ||
	    curl_url_get(u, CURLUPART_URL, &full, 0) || strlen(full) >= sizeof x->url) {
		snprintf(why, why_cap, "cannot build the write URL from '%.80s'", url);
		goto out;
	}
	snprintf(x->url, sizeof x->url, "%s", full);
	snprintf(x->shown, sizeof x->shown, "%s", full);
	char *p = strstr(x->shown, "?p=") ? strstr(x->shown, "?p=") : strstr(x->shown, "&p=");
	if (p) { /* never log a password */
		size_t keep = (size_t)(p + 3 - x->shown), rest = strcspn(p + 3, "&");
		memmove(x->shown + keep + 3, p + 3 + rest, strlen(p + 3 + rest) + 1);
		memcpy(x->shown + keep, "***", 3);
	}
	err = TF_OK;
out:
	curl_free(q);
	curl_free(full);
	curl_url_cleanup(u);
	return err;
}

/* ---- one POST ---- */

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	tf_buf *b = ud;
	size_t len = size * n, room = b->max - b->len;
	tf_buf_append(b, p, len < room ? len : room); /* the rest is not needed for a log line */
	return len;
}

static tf_err curl_setup(tf_influx *x)
{
	if (!(x->curl = curl_easy_init()))
		return TF_ERR_NOMEM;
	x->headers = curl_slist_append(NULL, "Content-Type: text/plain; charset=utf-8");
	struct curl_slist *h = x->headers ? curl_slist_append(x->headers, "Expect:") : NULL; /* no 100-continue wait */
	if (!h)
		return TF_ERR_NOMEM;
	x->headers = h;
	CURL *c = x->curl;
	curl_easy_setopt(c, CURLOPT_URL, x->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(x->cfg.timeout_ms < 3000 ? x->cfg.timeout_ms : 3000));
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)x->cfg.timeout_ms);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "tickflow/0.1");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &x->resp);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->curl_err);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	return TF_OK;
}

/* POSTs x->post. why gets one line for the log when the result is not POST_OK. */
static post_result post_once(tf_influx *x, char *why, size_t cap)
{
	tf_buf_reset(&x->resp);
	x->curl_err[0] = '\0';
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDS, x->post.data);
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->post.len);
	CURLcode rc = curl_easy_perform(x->curl);
	long status = 0;
	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		snprintf(why, cap, "%s", x->curl_err[0] ? x->curl_err : curl_easy_strerror(rc));
		return POST_RETRY;
	}
	if (status >= 200 && status <= 299)
		return POST_OK;
	const char *body = x->resp.data ? x->resp.data : "";
	size_t n = strcspn(body, "\r\n");
	snprintf(why, cap, "HTTP %ld%s%.*s", status, n ? ": " : "", (int)(n > 300 ? 300 : n), body);
	/* 400: a malformed line or a partial write; 413: body too large. Sending again cannot help.
	 * Anything else (5xx, 404 database not found, 401/403, 429) may pass once the server or its
	 * configuration is fixed, so it is treated as an outage. */
	return status == 400 || status == 413 ? POST_REJECTED : POST_RETRY;
}

/* ---- sender thread ---- */

/* Moves queued chunks into x->post while the POST stays within bounds (at least one). Under mu. */
static void take_chunks(tf_influx *x)
{
	uint64_t points = 0;
	while (x->head) {
		chunk *c = x->head;
		if (x->post.len && (x->post.len + c->len > x->cfg.max_post_bytes || points + c->points > x->cfg.max_post_points))
			break;
		if (tf_buf_append(&x->post, c->data, c->len)) {
			if (x->post.len)
				break; /* out of memory: send what we have, the chunk stays queued */
			x->st.points_dropped += c->points; /* not even one chunk: count it, never spin on it */
		} else {
			points += c->points;
		}
		x->head = c->next;
		if (!x->head)
			x->tail = NULL;
		x->qbytes -= c->len;
		x->qpoints -= c->points;
		free(c);
	}
	x->inflight_points = points;
	x->inflight_bytes = x->post.len;
}

/* Sleeps backoff ms (less when close's deadline comes first). Under mu; submits may wake it early. */
static void backoff_wait(tf_influx *x, int64_t backoff)
{
	int64_t until = tf_mono_ms() + backoff;
	for (;;) {
		int64_t limit = x->closing && x->deadline_ms < until ? x->deadline_ms : until;
		int64_t left = limit - tf_mono_ms();
		if (left <= 0)
			return;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (time_t)(left / 1000);
		ts.tv_nsec += (long)(left % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&x->cv, &x->mu, &ts);
	}
}

/* Bookkeeping after an answered POST (2xx, or 400/413 which also proves the server is up). Under mu. */
static void server_up(tf_influx *x)
{
	if (x->st.down) {
		tf_info("influx: writing to InfluxDB again after %.1f s (%llu failed POSTs); %llu points dropped during the outage",
			(double)(tf_mono_ms() - x->down_since_ms) / 1000.0, (unsigned long long)x->outage_fails,
			(unsigned long long)x->outage_dropped);
		x->st.down = false;
	}
	x->drop_logged = false;
	x->outage_fails = x->outage_dropped = 0;
}

static void on_result(tf_influx *x, post_result r, const char *why, int64_t us, int64_t *backoff)
{
	if (r == POST_RETRY) {
		x->st.failed_posts++;
		x->outage_fails++;
		if (!x->st.down) {
			x->st.down = true;
			x->st.outages++;
			x->down_since_ms = tf_mono_ms();
			tf_warn("influx: cannot write to %s (%s); retrying with backoff and queueing up to %.1f MiB in memory "
				"(the store keeps committing)", x->shown, why, (double)x->cfg.max_queue_bytes / 1048576.0);
		}
		*backoff = *backoff ? *backoff * 2 : 100;
		if (*backoff > x->cfg.max_backoff_ms)
			*backoff = x->cfg.max_backoff_ms;
		return;
	}
	*backoff = 0;
	server_up(x);
	if (r == POST_OK) {
		x->st.points_written += x->inflight_points;
		x->st.posts++;
		x->st.bytes_written += x->post.len;
		x->st.post_us += (uint64_t)us;
	} else {
		x->st.points_rejected += x->inflight_points;
		int64_t now = tf_mono_ms();
		if (!x->last_reject_log_ms || now - x->last_reject_log_ms >= REJECT_LOG_EVERY_MS) {
			tf_warn("influx: InfluxDB rejected %llu points (%s)%s", (unsigned long long)x->inflight_points, why,
				x->reject_unlogged ? "; more were rejected since the last such line" : "");
			x->last_reject_log_ms = now;
			x->reject_unlogged = 0;
		} else {
			x->reject_unlogged += x->inflight_points;
		}
	}
	tf_buf_reset(&x->post);
	x->inflight_points = x->inflight_bytes = 0;
}

static void *run(void *arg)
{
	tf_thread_name("tf-influx");
	tf_influx *x = arg;
	int64_t backoff = 0;
	char why[512];
	pthread_mutex_lock(&x->mu);
	for (;;) {
		if (!x->post.len) {
			while (!x->head && !x->closing)
				pthread_cond_wait(&x->cv, &x->mu);
			if (!x->head)
				break; /* closing, everything sent */
			take_chunks(x);
			if (!x->post.len)
				continue;
		}
		if (x->closing && tf_mono_ms() >= x->deadline_ms)
			break;
		pthread_mutex_unlock(&x->mu);
		int64_t t0 = tf_mono_ns();
		post_result r = x->curl ? post_once(x, why, sizeof why) : POST_RETRY;
		int64_t us = (tf_mono_ns() - t0) / 1000;
		if (!x->curl)
			snprintf(why, sizeof why, "cannot create a curl handle");
		pthread_mutex_lock(&x->mu);
		on_result(x, r, why, us, &backoff);
		if (backoff)
			backoff_wait(x, backoff);
	}
	/* what is left could not be sent before the deadline */
	x->st.points_unsent += x->inflight_points + x->qpoints;
	x->inflight_points = x->inflight_bytes = 0;
	while (x->head) {
		chunk *c = x->head;
		x->head = c->next;
		free(c);
	}
	x->tail = NULL;
	x->qbytes = 0;
	x->qpoints = 0;
	pthread_mutex_unlock(&x->mu);
	return NULL;
}

/* ---- open / close / stats ---- */

tf_err tf_influx_open(const tf_influx_cfg *cfg, tf_influx **out, char *why, size_t why_cap)
{
	*out = NULL;
	if (!cfg->url || !cfg->url[0]) {
		snprintf(why, why_cap, "no InfluxDB URL");
		return TF_ERR_USAGE;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tf_influx *x = calloc(1, sizeof *x);
	if (!x) {
		curl_global_cleanup();
		return TF_ERR_NOMEM;
	}
	x->cfg = *cfg;
	if (!x->cfg.max_post_bytes)
		x->cfg.max_post_bytes = DEFAULT_POST_BYTES;
	if (!x->cfg.max_post_points)
		x->cfg.max_post_points = DEFAULT_POST_POINTS;
	if (!x->cfg.max_queue_bytes)
		x->cfg.max_queue_bytes = DEFAULT_QUEUE_BYTES;
	if (x->cfg.timeout_ms <= 0)
		x->cfg.timeout_ms = DEFAULT_TIMEOUT_MS;
	if (x->cfg.close_drain_ms <= 0)
		x->cfg.close_drain_ms = DEFAULT_DRAIN_MS;
	if (x->cfg.max_backoff_ms <= 0)
		x->cfg.max_backoff_ms = DEFAULT_MAX_BACKOFF_MS;
	x->cfg.url = NULL; /* the caller's string is not kept */
	tf_err err = set_url(x, cfg->url, why, why_cap);
	if (err) {
		free(x);
		curl_global_cleanup();
		return err;
	}
	tf_buf_init(&x->post, x->cfg.max_queue_bytes + x->cfg.max_post_bytes);
	tf_buf_init(&x->resp, RESPONSE_MAX);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&x->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&x->mu, NULL);
	if (curl_setup(x))
		tf_warn("influx: cannot set up libcurl; InfluxDB writes will fail and be counted");
	if (pthread_create(&x->thread, NULL, run, x)) {
		snprintf(why, why_cap, "cannot start the InfluxDB sender thread");
		curl_slist_free_all(x->headers);
		curl_easy_cleanup(x->curl);
		pthread_cond_destroy(&x->cv);
		pthread_mutex_destroy(&x->mu);
		free(x);
		curl_global_cleanup();
		return TF_ERR_IO;
	}
	*out = x;
	return TF_OK;
}

void tf_influx_close(tf_influx *x, tf_influx_stats *final)
{
	if (!x)
		return;
	pthread_mutex_lock(&x->mu);
	x->closing = true;
	x->deadline_ms = tf_mono_ms() + x->cfg.close_drain_ms;
	pthread_cond_broadcast(&x->cv);
	pthread_mutex_unlock(&x->mu);
	pthread_join(x->thread, NULL);
	tf_influx_stats s = x->st;
	if (final)
		*final = s;
	uint64_t lost = s.points_rejected + s.points_dropped + s.points_invalid + s.points_unsent;
	tf_log(lost ? TF_LOG_WARN : TF_LOG_INFO,
	       "influx: %llu points written in %llu POSTs (%.1f MB, %.3f s in POSTs); %llu rejected, %llu dropped (queue full), "
	       "%llu invalid, %llu unsent at shutdown%s",
	       (unsigned long long)s.points_written, (unsigned long long)s.posts, (double)s.bytes_written / 1e6,
	       (double)s.post_us / 1e6,
	       (unsigned long long)s.points_rejected, (unsigned long long)s.points_dropped,
	       (unsigned long long)s.points_invalid, (unsigned long long)s.points_unsent,
	       lost ? " (all are in the store; --from earliest --influx rewrites them)" : "");
	curl_slist_free_all(x->headers);
	curl_easy_cleanup(x->curl);
	tf_buf_free(&x->post);
	tf_buf_free(&x->resp);
	pthread_cond_destroy(&x->cv);
	pthread_mutex_destroy(&x->mu);
	free(x);
	curl_global_cleanup();
}

void tf_influx_stats_get(tf_influx *x, tf_influx_stats *out)
{
	pthread_mutex_lock(&x->mu);
	*out = x->st;
	out->queued_points = x->qpoints + x->inflight_points;
	out->queued_bytes = x->qbytes + x->inflight_bytes;
	pthread_mutex_unlock(&x->mu);
}

const char *tf_influx_url(const tf_influx *x) { return x->url; }

/* ---- staging and submitting ---- */

void tf_influx_batch_init(tf_influx_batch *b, tf_influx *sink)
{
	memset(b, 0, sizeof *b);
	b->sink = sink;
	tf_buf_init(&b->lines, sink ? sink->cfg.max_queue_bytes : 0);
}

static void staged(tf_influx_batch *b, tf_err err)
{
	if (!err)
		b->points++;
	else if (err == TF_ERR_PARSE)
		b->invalid++;
	else
		b->dropped++; /* more than the whole queue holds, or out of memory */
}

void tf_influx_batch_candle(tf_influx_batch *b, const tf_candle_row *r)
{
	if (b->sink)
		staged(b, tf_influx_line_candle(&b->lines, r));
}

void tf_influx_batch_alert(tf_influx_batch *b, const tf_alert_row *a)
{
	if (b->sink)
		staged(b, tf_influx_line_alert(&b->lines, a));
}

void tf_influx_batch_reset(tf_influx_batch *b)
{
	tf_buf_reset(&b->lines);
	b->points = b->invalid = b->dropped = 0;
}

/* Cuts the staged lines into chunks of at most max_post_bytes / max_post_points (a single longer
 * line makes a chunk of its own) and returns them as a list; *lost counts points of chunks that
 * could not be allocated. */
static chunk *cut(const tf_influx *x, const tf_buf *lines, uint64_t *lost)
{
	chunk *first = NULL, **link = &first;
	size_t at = 0;
	while (at < lines->len) {
		size_t end = at;
		uint64_t points = 0;
		while (end < lines->len && points < x->cfg.max_post_points) {
			const char *nl = memchr(lines->data + end, '\n', lines->len - end);
			size_t next = nl ? (size_t)(nl - lines->data) + 1 : lines->len;
			if (points && next - at > x->cfg.max_post_bytes)
				break;
			end = next;
			points++;
		}
		chunk *c = malloc(sizeof *c + (end - at));
		if (c) {
			c->next = NULL;
			c->len = end - at;
			c->points = points;
			memcpy(c->data, lines->data + at, end - at);
			*link = c;
			link = &c->next;
		} else {
			*lost += points;
		}
		at = end;
	}
	return first;
}

void tf_influx_batch_submit(tf_influx_batch *b)
{
	tf_influx *x = b->sink;
	if (!x)
		return;
	uint64_t lost = b->dropped;
	chunk *list = cut(x, &b->lines, &lost);
	pthread_mutex_lock(&x->mu);
	x->st.points_invalid += b->invalid;
	while (list) {
		chunk *c = list;
		list = c->next;
		c->next = NULL;
		if (x->tail)
			x->tail->next = c;
		else
			x->head = c;
		x->tail = c;
		x->qbytes += c->len;
		x->qpoints += c->points;
	}
	while (x->head && x->qbytes > x->cfg.max_queue_bytes) { /* bounded: the oldest go first */
		chunk *c = x->head;
		x->head = c->next;
		if (!x->head)
			x->tail = NULL;
		x->qbytes -= c->len;
		x->qpoints -= c->points;
		lost += c->points;
		free(c);
	}
	if (lost) {
		x->st.points_dropped += lost;
		x->outage_dropped += lost;
		if (!x->drop_logged)
			tf_warn("influx: queue full (%.1f MiB); dropping the oldest points until InfluxDB catches up "
				"(they stay in the store)", (double)x->cfg.max_queue_bytes / 1048576.0);
		x->drop_logged = true;
	}
	pthread_cond_signal(&x->cv);
	pthread_mutex_unlock(&x->mu);
	tf_influx_batch_reset(b);
}

void tf_influx_batch_free(tf_influx_batch *b)
{
	tf_buf_free(&b->lines);
	b->sink = NULL;
}

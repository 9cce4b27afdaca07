/* test_store_influx.c — the InfluxDB sink: line-protocol escaping and exact decimals
 * (store/influx_line.h), URL checks, and the sender (store/influx.h) against a scripted HTTP server
 * on 127.0.0.1 that answers each POST with the next status of its script: 2xx written, 5xx retried,
 * 400 rejected, a refused port queued then dropped and counted, big batches split. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "store/influx.h"
#include "store/influx_line.h"
#include "test.h"

static const char *esc(tf_buf *b, const char *s, tf_influx_part part, tf_err *err)
{
	tf_buf_reset(b);
	*err = tf_influx_escape(b, s, strlen(s), part);
	return b->data ? b->data : "";
}

TF_TEST(influx_escapes_each_part_of_a_line)
{
	tf_buf b;
	tf_buf_init(&b, 1024);
	tf_err err;
	TF_CHECK_EQ_STR(esc(&b, "a,b c=d", TF_INFLUX_MEASUREMENT, &err), "a\\,b\\ c=d");
	TF_CHECK_EQ_INT(err, TF_OK);
	TF_CHECK_EQ_STR(esc(&b, "a,b c=d", TF_INFLUX_KEY, &err), "a\\,b\\ c\\=d");
	TF_CHECK_EQ_STR(esc(&b, "EURUSD=X", TF_INFLUX_KEY, &err), "EURUSD\\=X");
	TF_CHECK_EQ_STR(esc(&b, "q\"u\\o, x=1", TF_INFLUX_STRING, &err), "\"q\\\"u\\\\o, x=1\"");
	TF_CHECK_EQ_STR(esc(&b, "", TF_INFLUX_STRING, &err), "\"\"");
	TF_CHECK_EQ_INT(err, TF_OK);
	TF_CHECK_EQ_STR(esc(&b, "\xe2\x82\xac", TF_INFLUX_KEY, &err), "\xe2\x82\xac"); /* UTF-8 passes */
	/* not representable: empty tag, backslash in a tag, control characters anywhere */
	const struct {
		const char *s;
		tf_influx_part part;
	} bad[] = {{"", TF_INFLUX_KEY},	       {"", TF_INFLUX_MEASUREMENT}, {"a\\", TF_INFLUX_KEY},
		   {"a\\b", TF_INFLUX_MEASUREMENT}, {"a\nb", TF_INFLUX_KEY},     {"a\rb", TF_INFLUX_STRING},
		   {"a\tb", TF_INFLUX_STRING},       {"a\x7f", TF_INFLUX_KEY}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		tf_buf_reset(&b);
		tf_buf_append(&b, "keep", 4);
		TF_CHECK_EQ_INT(tf_influx_escape(&b, bad[i].s, strlen(bad[i].s), bad[i].part), TF_ERR_PARSE);
		TF_CHECK_EQ_STR(b.data, "keep");
	}
	tf_buf_free(&b);
}

static tf_candle_row sample_candle(void)
{
	tf_candle_row r;
	memset(&r, 0, sizeof r);
	snprintf(r.symbol, sizeof r.symbol, "EURUSD=X");
	snprintf(r.interval, sizeof r.interval, "1m");
	r.interval_ms = 60000;
	r.open_time = 1700000040000;
	r.open = 150000000;                                      /* 1.5 */
	r.high = (tf_dec)10000000000;                            /* 100 */
	r.low = 1;                                               /* 0.00000001 */
	r.close = -250000000;                                    /* -2.5 */
	r.volume = (tf_dec)7900000000000012345LL * 1000 + 678;  /* 79000000000000.12345678: beyond a double */
	r.quote_volume = 0;
	r.spread = 12345678;                                     /* 0.12345678 */
	r.updates = 37;
	r.final = true;
	r.mid = (tf_maybe){true, 0.1};
	r.ret = (tf_maybe){true, 0.0 / 0.0};                     /* NaN is never written */
	r.ma7 = (tf_maybe){false, 1.0};                          /* absent */
	r.change_24h_pct = (tf_maybe){true, -5.25};
	return r;
}

TF_TEST(influx_candle_line_has_exact_decimals_and_sorted_tags)
{
	tf_buf b;
	tf_buf_init(&b, 4096);
	tf_candle_row r = sample_candle();
	TF_CHECK_EQ_INT(tf_influx_line_candle(&b, &r), TF_OK);
	TF_CHECK_EQ_STR(b.data, "candles,interval=1m,symbol=EURUSD\\=X open=1.5,high=100,low=0.00000001,close=-2.5,"
				"volume=79000000000000.12345678,quote_volume=0,spread=0.12345678,updates=37i,final=true,"
				"volume_approx=false,mid=0.10000000000000001,change_24h_pct=-5.25 1700000040000\n");
	/* a symbol that cannot be a tag leaves the buffer as it was */
	size_t len = b.len;
	snprintf(r.symbol, sizeof r.symbol, "BAD\\");
	TF_CHECK_EQ_INT(tf_influx_line_candle(&b, &r), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(b.len, len);
	tf_buf_free(&b);
	/* a full buffer: TOO_BIG, nothing half-written */
	tf_buf_init(&b, 60);
	r = sample_candle();
	TF_CHECK_EQ_INT(tf_influx_line_candle(&b, &r), TF_ERR_TOO_BIG);
	TF_CHECK_EQ_INT(b.len, 0);
	tf_buf_free(&b);
}

TF_TEST(influx_alert_line_quotes_its_detail)
{
	tf_buf b;
	tf_buf_init(&b, 4096);
	tf_alert_row a;
	memset(&a, 0, sizeof a);
	a.id = -42;
	snprintf(a.symbol, sizeof a.symbol, "@p3");
	a.kind = TF_ALERT_CHANGE_24H;
	a.event_time = 1700000012345;
	a.value = 6.5;
	a.threshold = 5;
	snprintf(a.detail, sizeof a.detail, "say \"hi\" \\ o, k=v");
	TF_CHECK_EQ_INT(tf_influx_line_alert(&b, &a), TF_OK);
	TF_CHECK_EQ_STR(b.data, "alerts,kind=change_24h,symbol=@p3 id=-42i,value=6.5,threshold=5,"
				"detail=\"say \\\"hi\\\" \\\\ o, k=v\" 1700000012345\n");
	tf_buf_free(&b);
}

TF_TEST(influx_open_checks_the_url)
{
	const char *bad[] = {"", "ftp://127.0.0.1/write?db=a", "http://127.0.0.1:8086/write", "http://127.0.0.1:8086/write?db=",
			     "http://127.0.0.1:8086/write?db=a&precision=s", "http://127.0.0.1:8086/write?db=a b",
			     "127.0.0.1:8086/write?db=a", "http://h:8086/api/v2/write?bucket=b&org=o"};
	char why[256];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		tf_influx *x = NULL;
		why[0] = '\0';
		TF_CHECK_EQ_INT(tf_influx_open(&(tf_influx_cfg){.url = bad[i]}, &x, why, sizeof why), TF_ERR_USAGE);
		TF_CHECK(x == NULL && why[0]);
	}
	const struct {
		const char *in, *out;
	} good[] = {{"http://127.0.0.1:8086/write?db=a", "http://127.0.0.1:8086/write?db=a&precision=ms"},
		    {"https://h:1/write?precision=ms&db=a", "https://h:1/write?precision=ms&db=a"},
		    {"http://h:8086/write?db=a&rp=r&u=me&p=secret", "http://h:8086/write?db=a&rp=r&u=me&p=secret&precision=ms"}};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		tf_influx *x = NULL;
		TF_CHECK_EQ_INT(tf_influx_open(&(tf_influx_cfg){.url = good[i].in}, &x, why, sizeof why), TF_OK);
		TF_CHECK_EQ_STR(tf_influx_url(x), good[i].out);
		tf_influx_close(x, NULL);
	}
}

/* ---- a scripted InfluxDB: answers each POST with the next status (then 204), keep-alive ---- */

typedef struct {
	int fd, port;
	const int *script;
	int nscript;
	pthread_t th;
	pthread_mutex_t mu;
	int requests;        /* under mu */
	char target[256];    /* the request target of the first POST */
	tf_buf bodies;       /* every 2xx-answered body, concatenated */
	volatile int stop;
} fake_influx;

/* Reads one request (head + Content-Length body) from c into req; false on EOF or stop. */
static bool read_request(fake_influx *f, int c, tf_buf *req, size_t *head_len, size_t *body_len)
{
	tf_buf_reset(req);
	for (;;) {
		char *end = req->data ? strstr(req->data, "\r\n\r\n") : NULL;
		if (end) {
			*head_len = (size_t)(end + 4 - req->data);
			const char *cl = strcasestr(req->data, "\r\nContent-Length:");
			*body_len = cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0;
			if (req->len >= *head_len + *body_len)
				return true;
		}
		struct pollfd p = {c, POLLIN, 0};
		if (f->stop)
			return false;
		if (poll(&p, 1, 50) <= 0)
			continue;
		char tmp[65536];
		ssize_t n = read(c, tmp, sizeof tmp);
		if (n <= 0 || tf_buf_append(req, tmp, (size_t)n))
			return false;
	}
}

static void *fake_run(void *arg)
{
	fake_influx *f = arg;
	tf_buf req;
	tf_buf_init(&req, 64 << 20);
	while (!f->stop) {
		struct pollfd p = {f->fd, POLLIN, 0};
		if (poll(&p, 1, 50) <= 0)
			continue;
		int c = accept(f->fd, NULL, NULL);
		if (c < 0)
			continue;
		size_t head, body;
		while (read_request(f, c, &req, &head, &body)) {
			pthread_mutex_lock(&f->mu);
			int i = f->requests++;
			if (i == 0)
				sscanf(req.data, "POST %255s", f->target);
			int status = i < f->nscript ? f->script[i] : 204;
			if (status / 100 == 2)
				tf_buf_append(&f->bodies, req.data + head, body);
			pthread_mutex_unlock(&f->mu);
			char resp[256];
			const char *msg = status == 400 ? "{\"error\":\"unable to parse 'x': invalid field format\"}" : "";
			int n = snprintf(resp, sizeof resp, "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n\r\n%s", status, strlen(msg), msg);
			if (write(c, resp, (size_t)n) != n)
				break;
		}
		close(c);
	}
	tf_buf_free(&req);
	return NULL;
}

static bool fake_start(fake_influx *f, const int *script, int n)
{
	memset(f, 0, sizeof *f);
	f->script = script;
	f->nscript = n;
	pthread_mutex_init(&f->mu, NULL);
	tf_buf_init(&f->bodies, 64 << 20);
	f->fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	if (f->fd < 0 || bind(f->fd, (struct sockaddr *)&a, sizeof a) || listen(f->fd, 8) ||
	    getsockname(f->fd, (struct sockaddr *)&a, &al))
		return false;
	f->port = ntohs(a.sin_port);
	return pthread_create(&f->th, NULL, fake_run, f) == 0;
}

static void fake_stop(fake_influx *f)
{
	f->stop = 1;
	pthread_join(f->th, NULL);
	close(f->fd);
	tf_buf_free(&f->bodies);
	pthread_mutex_destroy(&f->mu);
}

static tf_influx *open_sink(int port, size_t post_points, size_t queue_bytes)
{
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/write?db=t", port);
	tf_influx_cfg cfg = {.url = url, .max_post_points = post_points, .max_queue_bytes = queue_bytes,
			     .timeout_ms = 2000, .close_drain_ms = 3000, .max_backoff_ms = 50};
	char why[256];
	tf_influx *x = NULL;
	return tf_influx_open(&cfg, &x, why, sizeof why) ? NULL : x;
}

/* Stages n candles (open_time base + i minutes) and submits them as one committed batch. */
static void submit_candles(tf_influx_batch *b, int n, int64_t base)
{
	tf_candle_row r = sample_candle();
	for (int i = 0; i < n; i++) {
		r.open_time = base + i * 60000;
		tf_influx_batch_candle(b, &r);
	}
	tf_influx_batch_submit(b);
}

static bool wait_written(tf_influx *x, uint64_t points, uint64_t rejected)
{
	tf_influx_stats s;
	for (int64_t until = tf_mono_ms() + 5000; tf_mono_ms() < until; usleep(5000)) {
		tf_influx_stats_get(x, &s);
		if (s.points_written == points && s.points_rejected == rejected && !s.queued_points)
			return true;
	}
	return false;
}

TF_TEST(influx_sink_writes_retries_and_splits)
{
	static const int script[] = {503, 500, 204, 400};
	fake_influx f;
	TF_CHECK(fake_start(&f, script, 4));
	tf_influx *x = open_sink(f.port, 2, 0);
	TF_CHECK(x != NULL);
	tf_influx_batch b;
	tf_influx_batch_init(&b, x);
	/* a staged batch that is reset (the store transaction was redone) is not sent */
	tf_candle_row r = sample_candle();
	tf_influx_batch_candle(&b, &r);
	tf_influx_batch_reset(&b);
	/* 5 points, 2 per POST: 3 POSTs; the first is retried twice (503, 500) then written */
	submit_candles(&b, 5, 1700000040000);
	bool ok = wait_written(x, 3, 2); /* POSTs: 503, 500, 204 (2 points), 400 (2 points), 204 (1 point) */
	tf_influx_stats s;
	tf_influx_stats_get(x, &s);
	tf_influx_batch_free(&b);
	tf_influx_close(x, NULL);
	pthread_mutex_lock(&f.mu);
	int requests = f.requests;
	char target[256];
	memcpy(target, f.target, sizeof target);
	size_t lines = 0;
	for (size_t i = 0; i < f.bodies.len; i++)
		lines += f.bodies.data[i] == '\n';
	bool first_line = f.bodies.data && !strncmp(f.bodies.data, "candles,interval=1m,symbol=EURUSD\\=X open=1.5,", 45);
	pthread_mutex_unlock(&f.mu);
	fake_stop(&f);
	TF_CHECK(ok);
	TF_CHECK_EQ_INT(requests, 5);
	TF_CHECK_EQ_STR(target, "/write?db=t&precision=ms");
	TF_CHECK_EQ_INT(lines, 3);
	TF_CHECK(first_line);
	TF_CHECK_EQ_INT(s.posts, 2);
	TF_CHECK_EQ_INT(s.failed_posts, 2);
	TF_CHECK_EQ_INT(s.outages, 1);
	TF_CHECK(!s.down);
	TF_CHECK_EQ_INT(s.points_dropped + s.points_unsent + s.points_invalid, 0);
}

TF_TEST(influx_sink_counts_what_an_outage_costs)
{
	/* a port nobody listens on: every POST fails; a queue of ~2 KB keeps only the newest points */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	TF_CHECK(fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof a) && !getsockname(fd, (struct sockaddr *)&a, &al));
	tf_influx *x = open_sink(ntohs(a.sin_port), 0, 2048); /* bound, not listening: refused */
	TF_CHECK(x != NULL);
	tf_influx_batch b;
	tf_influx_batch_init(&b, x);
	for (int k = 0; k < 20; k++)
		submit_candles(&b, 5, 1700000040000 + k * 300000);
	tf_candle_row bad = sample_candle();
	snprintf(bad.symbol, sizeof bad.symbol, "A\\B");
	tf_influx_batch_candle(&b, &bad);
	tf_influx_batch_submit(&b);
	tf_influx_stats s;
	tf_influx_stats_get(x, &s);
	TF_CHECK(s.points_dropped > 0);
	TF_CHECK_EQ_INT(s.points_invalid, 1);
	TF_CHECK(s.queued_bytes <= 2048 + 2048); /* the queue plus at most one POST in flight */
	uint64_t dropped = s.points_dropped;
	tf_influx_batch_free(&b);
	int64_t t0 = tf_mono_ms();
	/* close keeps trying for close_drain_ms (3 s), then counts what is left as unsent */
	tf_influx_close(x, &s);
	close(fd);
	TF_CHECK(tf_mono_ms() - t0 >= 2900 && tf_mono_ms() - t0 < 6000);
	TF_CHECK(s.points_unsent > 0);
	TF_CHECK_EQ_INT(s.points_dropped, dropped);
	TF_CHECK_EQ_INT(s.points_written, 0);
	TF_CHECK_EQ_INT(s.points_dropped + s.points_unsent, 100);
	TF_CHECK(s.down && s.outages == 1);
}

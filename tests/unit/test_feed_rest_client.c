/* test_feed_rest_client.c — the libcurl REST client against a scripted HTTP server on 127.0.0.1
 * (a thread in this process): Retry-After handling, body limit, timeout, refused connection. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/rest_client.h"
#include "test.h"

typedef struct {
	int fd;
	int port;
	const char *const *responses; /* one per connection; NULL = read the request, never answer */
	int n;
	int served;
	int hold_ms;                  /* how long to keep a silent connection open */
	pthread_t th;
} script_server;

static void *serve(void *arg)
{
	script_server *s = arg;
	for (int i = 0; i < s->n; i++) {
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			break;
		char req[4096];
		size_t got = 0;
		while (got < sizeof req - 1) { /* read the request head */
			ssize_t r = read(c, req + got, sizeof req - 1 - got);
			if (r <= 0)
				break;
			got += (size_t)r;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		s->served++;
		if (s->responses[i]) {
			ssize_t w = write(c, s->responses[i], strlen(s->responses[i]));
			(void)w;
		} else {
			usleep((useconds_t)s->hold_ms * 1000);
		}
		close(c);
	}
	return NULL;
}

static int server_start(script_server *s)
{
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof a) || listen(s->fd, 8) ||
	    getsockname(s->fd, (struct sockaddr *)&a, &al))
		return -1;
	s->port = ntohs(a.sin_port);
	return pthread_create(&s->th, NULL, serve, s);
}

static void server_stop(script_server *s)
{
	pthread_join(s->th, NULL);
	close(s->fd);
}

TF_TEST(feed_rest_retry_after_is_honoured)
{
	static const char *const resp[] = {
		"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nContent-Length: 40\r\nConnection: close\r\n\r\n"
		"{\"code\":-1003,\"msg\":\"Too many requests.\"}",
		"HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: close\r\n\r\n[[1,\"2\"]]",
	};
	script_server s = {.responses = resp, .n = 2};
	TF_CHECK_EQ_INT(server_start(&s), 0);
	char url[128], errbuf[256] = "";
	snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v3/klines?symbol=BTCUSDT", s.port);
	tf_rest_opts o = {.max_retries = 2, .timeout_ms = 5000};
	tf_rest_response r;
	tf_err err = tf_rest_get(&o, url, &r, errbuf, sizeof errbuf);
	server_stop(&s);
	TF_CHECK_EQ_INT(s.served, 2);
	TF_CHECK_EQ_INT(err, TF_OK);
	TF_CHECK_EQ_INT(r.status, 200);
	TF_CHECK_EQ_MEM(r.body.data, r.body.len, "[[1,\"2\"]]");
	tf_rest_response_free(&r);
}

TF_TEST(feed_rest_long_retry_after_goes_back_to_the_caller)
{
	static const char *const resp[] = {
		"HTTP/1.1 418 I'm a teapot\r\nretry-after: 120\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
	};
	script_server s = {.responses = resp, .n = 1};
	TF_CHECK_EQ_INT(server_start(&s), 0);
	char url[128], errbuf[256] = "";
	snprintf(url, sizeof url, "http://127.0.0.1:%d/x", s.port);
	tf_rest_opts o = {.max_retries = 3, .max_retry_wait_ms = 10000};
	tf_rest_response r;
	tf_err err = tf_rest_get(&o, url, &r, errbuf, sizeof errbuf);
	server_stop(&s);
	TF_CHECK_EQ_INT(err, TF_ERR_REMOTE);
	TF_CHECK_EQ_INT(r.status, 418);
	TF_CHECK_EQ_INT(r.retry_after_ms, 120000);
	TF_CHECK(strstr(errbuf, "HTTP 418") != NULL);
	tf_rest_response_free(&r);
}

TF_TEST(feed_rest_body_limit_and_timeout_and_refused)
{
	static char big[9000];
	int n = snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n");
	memset(big + n, 'x', 5000);
	big[n + 5000] = '\0';
	const char *const resp[] = {big, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" "abcdefghijklmnopqrstuvwxyz", NULL};
	script_server s = {.responses = resp, .n = 3, .hold_ms = 1500};
	TF_CHECK_EQ_INT(server_start(&s), 0);
	char url[128], errbuf[256] = "";
	snprintf(url, sizeof url, "http://127.0.0.1:%d/big", s.port);
	tf_rest_opts o = {.max_body = 1000, .timeout_ms = 400};
	tf_rest_response r;
	TF_CHECK_EQ_INT(tf_rest_get(&o, url, &r, errbuf, sizeof errbuf), TF_ERR_TOO_BIG); /* announced size */
	tf_rest_response_free(&r);
	o.max_body = 10;
	TF_CHECK_EQ_INT(tf_rest_get(&o, url, &r, errbuf, sizeof errbuf), TF_ERR_TOO_BIG); /* no length: counted */
	TF_CHECK(r.body.len <= 10);
	tf_rest_response_free(&r);
	TF_CHECK_EQ_INT(tf_rest_get(&o, url, &r, errbuf, sizeof errbuf), TF_ERR_TIMEOUT);
	tf_rest_response_free(&r);
	server_stop(&s);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/gone", s.port); /* listener closed now */
	TF_CHECK_EQ_INT(tf_rest_get(&o, url, &r, errbuf, sizeof errbuf), TF_ERR_REFUSED);
	TF_CHECK(strstr(errbuf, "/gone") != NULL);
	tf_rest_response_free(&r);
	TF_CHECK_EQ_INT(tf_rest_get(&o, "ftp://127.0.0.1/x", &r, errbuf, sizeof errbuf), TF_ERR_USAGE);
	tf_rest_response_free(&r);
}

TF_TEST(feed_rest_parse_retry_after)
{
	TF_CHECK_EQ_INT(tf_rest_parse_retry_after(" 30\r\n", 5), 30000);
	TF_CHECK_EQ_INT(tf_rest_parse_retry_after("0", 1), 0);
	TF_CHECK_EQ_INT(tf_rest_parse_retry_after("-1", 2), -1);
	TF_CHECK_EQ_INT(tf_rest_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 29), -1);
	TF_CHECK_EQ_INT(tf_rest_parse_retry_after("", 0), -1);
	TF_CHECK_EQ_INT(tf_rest_parse_retry_after("99999999999", 11), -1);
}

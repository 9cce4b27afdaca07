/* net_ws.c — WebSocket push throughput over loopback: our server sends batched frames of ~100 KB
 * (1,000 records of 100 bytes, as the exchange simulator will), our client receives them. Prints
 * records/s and MB/s for plain TCP, against the target of 1,000,000 records/s from the brief. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "net/http_server.h"
#include "net/ws_client.h"

#define RECORD 100
#define PER_FRAME 1000
#define SECONDS 3

static char frame[RECORD * PER_FRAME];
static tf_ws_conn *conn;
static tf_timer tick;

static void feed(tf_loop *l, void *ud)
{
	/* keep ~4 MB queued: the backpressure an application applies with tf_ws_queued */
	while (conn && tf_ws_queued(conn) < (4u << 20))
		if (tf_ws_send_text(conn, frame, sizeof frame) != TF_OK)
			break;
	tf_timer_start(l, &tick, 1, feed, NULL);
}

static int accept_ws(void *ud, const tf_http_request *req, tf_ws_conn *c, void **user)
{
	conn = c;
	return 101;
}

static void on_close(tf_ws_conn *c, void *user, uint16_t code)
{
	conn = NULL;
}

static void *run(void *arg)
{
	tf_loop_run(arg);
	return NULL;
}

int main(void)
{
	for (size_t i = 0; i < sizeof frame; i++)
		frame[i] = (i % RECORD == RECORD - 1) ? ',' : (char)('a' + i % 26);
	tf_loop *l;
	tf_loop_new(&l);
	tf_http_server_opts o = { .listen = "127.0.0.1:0", .ws_accept = accept_ws,
				  .ws_cb = { .on_close = on_close } };
	tf_http_server *srv;
	char err[256];
	if (tf_http_server_new(l, &o, &srv, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	tf_timer_init(&tick);
	tf_timer_start(l, &tick, 1, feed, NULL);
	pthread_t th;
	pthread_create(&th, NULL, run, l);
	char url[64];
	snprintf(url, sizeof url, "ws://127.0.0.1:%u/ws", tf_http_server_port(srv));
	tf_ws_client_opts co = { .url = url };
	tf_ws_client *c;
	if (tf_ws_client_connect(&co, &c, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	int64_t t0 = tf_mono_ns(), bytes = 0, frames = 0;
	tf_ws_msg m;
	while (tf_mono_ns() - t0 < SECONDS * 1000000000LL) {
		if (tf_ws_client_recv(c, &m, 1000) == TF_OK) {
			bytes += (int64_t)m.len;
			frames++;
		}
	}
	double s = (double)(tf_mono_ns() - t0) / 1e9;
	double rps = (double)frames * PER_FRAME / s;
	tf_ws_client_free(c);
	tf_loop_stop(l);
	pthread_join(th, NULL);
	tf_timer_stop(l, &tick);
	tf_http_server_free(srv);
	tf_loop_free(l);
	printf("%-34s %14s %10s %8s\n", "net: ws push over loopback", "records/s", "MB/s", "ratio");
	printf("%-34s %14.0f %10.1f %7.2fx  (target 1,000,000 records/s)\n", "100 B records, 100 KB frames",
	       rps, (double)bytes / s / 1e6, rps / 1e6);
	return 0;
}

/* serve_cmd.c — `tickflow serve`: the dashboard page (embedded assets), the JSON API (api.c), the
 * SSE live bus (hub.c) and /metrics (metrics.c) on one HTTP server (net/http_server.h, the same
 * server the exchange simulator uses). Routing, the optional token, and a clean stop on
 * SIGINT/SIGTERM live here.
 *
 * API requests are validated for routing on the loop and answered by a query thread
 * (web/pool.h): the loop defers the response (tf_http_resp_defer) and finishes it when the job comes
 * back, so SSE events keep flowing while a slow query runs. A full queue answers 503 at once. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/opt.h"
#include "base/run.h"
#include "cmd.h"
#include "net/http_server.h"
#include "store/query.h"
#include "store/store.h"
#include "web/api.h"
#include "web/assets.h"
#include "web/bus.h"
#include "web/hub.h"
#include "web/metrics.h"
#include "web/pool.h"

#define MAX_RESPONSE (32u << 20)
#define DEFERRED (-1) /* route(): the response comes later */

typedef struct {
	tf_web_pool *pool; /* API queries */
	tf_web_hub *hub;
	tf_web_metrics m;
	const char *token;
} serve;

/* One API request on its way through the query pool. */
typedef struct {
	serve *sv;
	tf_http_deferred *d;
	char *path, *query; /* copies: the request's strings live only during the handler */
	tf_buf body;
	int status, route;
	int64_t t0;
} api_job;

static void api_job_free(api_job *j)
{
	free(j->path);
	free(j->query);
	tf_buf_free(&j->body);
	free(j);
}

static void api_run(tf_query *q, void *arg)
{
	api_job *j = arg;
	bool handled;
	j->status = tf_web_api_handle(q, j->path, j->query, &j->body, &handled);
}

static void api_done(void *arg, bool ran)
{
	api_job *j = arg;
	if (!ran) {
		tf_buf_reset(&j->body);
		tf_buf_appendf(&j->body, "{\"error\":\"server stopping\"}");
		j->status = 503;
	}
	if (j->d)
		tf_http_deferred_finish(j->d, j->status, j->body.data, j->body.len);
	tf_web_metrics_request(&j->sv->m, j->route, j->status, (double)(tf_mono_ns() - j->t0) / 1e9);
	api_job_free(j);
}

/* Queues an API request for a query thread; 503 with a JSON error when the queue is full. */
static int api_defer(serve *sv, const tf_http_request *req, tf_http_resp *resp)
{
	tf_buf *b = tf_http_resp_body(resp);
	tf_http_resp_header(resp, "Content-Type", "application/json");
	api_job *j = calloc(1, sizeof *j);
	if (!j || !(j->path = strdup(req->path)) || !(j->query = strdup(req->query ? req->query : ""))) {
		if (j)
			api_job_free(j);
		tf_buf_appendf(b, "{\"error\":\"out of memory\"}");
		return 503;
	}
	j->sv = sv;
	j->route = tf_web_metrics_route(req->path);
	j->t0 = tf_mono_ns();
	tf_buf_init(&j->body, MAX_RESPONSE);
	tf_err err = tf_web_pool_submit(sv->pool, api_run, api_done, j);
	if (err) {
		api_job_free(j);
		sv->m.api_rejected++;
		tf_http_resp_header(resp, "Retry-After", "1");
		tf_buf_appendf(b, "{\"error\":\"%s\"}", err == TF_ERR_TOO_BIG ? "server busy: too many queries waiting; retry" : "out of memory");
		return 503;
	}
	if (tf_http_resp_defer(resp, &j->d) != TF_OK) {
		/* the job is queued and will run; without a response to finish, it only frees itself */
		tf_buf_appendf(b, "{\"error\":\"out of memory\"}");
		j->d = NULL;
		return 503;
	}
	return DEFERRED;
}

static void stop_loop(void *loop) { tf_loop_stop(loop); } /* async-signal-safe */

/* Compares without an early exit, so the time taken does not reveal a matching prefix. */
static bool same_secret(const char *a, const char *b, size_t blen)
{
	size_t alen = strlen(a);
	unsigned char d = alen != blen;
	for (size_t i = 0; i < blen; i++)
		d |= (unsigned char)(a[i % (alen ? alen : 1)] ^ b[i]);
	return d == 0 && alen == blen;
}

static bool authorized(const serve *sv, const tf_http_request *req)
{
	if (!sv->token)
		return true;
	const char *auth = tf_http_header_get(req->headers, req->nheaders, "Authorization");
	if (auth && !strncasecmp(auth, "Bearer ", 7) && same_secret(sv->token, auth + 7, strlen(auth + 7)))
		return true;
	for (size_t i = 0; i < req->nheaders; i++) {
		if (strcasecmp(req->headers[i].name, "Cookie"))
			continue;
		for (const char *p = req->headers[i].value; (p = strstr(p, "tf_token=")); p += 9)
			if (p == req->headers[i].value || p[-1] == ' ' || p[-1] == ';')
				if (same_secret(sv->token, p + 9, strcspn(p + 9, "; ")))
					return true;
	}
	return false;
}

static const char login_page[] =
	"<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content='width=device-width'>"
	"<title>tickflow login</title><body style='font-family:system-ui;background:#0f1419;color:#e6e6e6;display:grid;"
	"place-items:center;height:100vh;margin:0'><form method=post action=/login><h1>tickflow</h1>"
	"<label>Token <input name=token type=password autofocus></label> <button>Sign in</button></form></body></html>";

/* POST /login with token=...: sets the cookie when it matches. */
static void login(serve *sv, const tf_http_request *req, const char *body, size_t len, tf_http_resp *resp)
{
	if (!strcmp(req->method, "GET")) {
		tf_http_resp_header(resp, "Content-Type", "text/html; charset=utf-8");
		tf_buf_append(tf_http_resp_body(resp), login_page, sizeof login_page - 1);
		return;
	}
	char form[512] = "", tok[256];
	if (len >= sizeof form || !sv->token) {
		tf_http_resp_status(resp, 400);
		return;
	}
	memcpy(form, body, len);
	form[len] = 0;
	if (tf_http_query_get(form, "token", tok, sizeof tok, NULL) == TF_OK && same_secret(sv->token, tok, strlen(tok))) {
		char cookie[320];
		snprintf(cookie, sizeof cookie, "tf_token=%s; Path=/; HttpOnly; SameSite=Strict", sv->token);
		tf_http_resp_header(resp, "Set-Cookie", cookie);
		tf_http_resp_header(resp, "Location", "/");
		tf_http_resp_status(resp, 303);
		return;
	}
	tf_http_resp_status(resp, 401);
	tf_http_resp_header(resp, "Content-Type", "text/html; charset=utf-8");
	tf_buf_append(tf_http_resp_body(resp), login_page, sizeof login_page - 1);
}

static int route(serve *sv, const tf_http_request *req, const char *body, size_t len, tf_http_resp *resp)
{
	tf_buf *b = tf_http_resp_body(resp);
	if (!strcmp(req->path, "/login") && sv->token) {
		login(sv, req, body, len, resp);
		return 0;
	}
	if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD")) {
		tf_http_resp_header(resp, "Allow", "GET, HEAD");
		tf_buf_appendf(b, "{\"error\":\"method not allowed\"}");
		return 405;
	}
	if (strcmp(req->path, "/healthz") && !authorized(sv, req)) {
		if (!strcmp(req->path, "/")) {
			tf_http_resp_header(resp, "Location", "/login");
			return 303;
		}
		tf_http_resp_header(resp, "WWW-Authenticate", "Bearer");
		tf_buf_appendf(b, "{\"error\":\"a token is required (Authorization: Bearer, or sign in at /login)\"}");
		return 401;
	}
	if (!strcmp(req->path, "/api/stream"))
		return tf_web_hub_subscribe(sv->hub, req, resp);
	if (!strcmp(req->path, "/metrics")) {
		tf_http_resp_header(resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
		sv->m.api_queued = (int64_t)tf_web_pool_queued(sv->pool);
		tf_web_metrics_render(&sv->m, b);
		return 200;
	}
	if (tf_web_api_route(req->path))
		return api_defer(sv, req, resp);
	for (size_t i = 0; i < tf_web_nassets; i++)
		if (!strcmp(req->path, tf_web_assets[i].path)) {
			tf_http_resp_header(resp, "Content-Type", tf_web_assets[i].type);
			tf_http_resp_header(resp, "Cache-Control", "no-cache");
			tf_buf_append(b, tf_web_assets[i].data, tf_web_assets[i].len);
			return 200;
		}
	tf_http_resp_header(resp, "Content-Type", "application/json");
	tf_buf_appendf(b, "{\"error\":\"no such path\"}");
	return 404;
}

static void handler(void *ud, const tf_http_request *req, const char *body, size_t len, tf_http_resp *resp)
{
	serve *sv = ud;
	int64_t t0 = tf_mono_ns();
	tf_http_resp_header(resp, "X-Content-Type-Options", "nosniff");
	int status = route(sv, req, body, len, resp);
	if (status == DEFERRED)
		return; /* api_done finishes it and counts it */
	if (status)
		tf_http_resp_status(resp, status);
	else
		status = 200;
	if (!strcmp(req->method, "HEAD"))
		tf_buf_reset(tf_http_resp_body(resp));
	tf_web_metrics_request(&sv->m, tf_web_metrics_route(req->path), status, (double)(tf_mono_ns() - t0) / 1e9);
}

static void on_stream_close(void *ud, tf_http_stream *s, void *user)
{
	serve *sv = ud;
	tf_web_hub_stream_closed(sv->hub, s, user);
}

static bool loopback(const char *listen)
{
	return !strncmp(listen, "127.", 4) || !strncmp(listen, "[::1]:", 6) || !strncmp(listen, "localhost:", 10);
}

int tf_cmd_serve(int argc, char **argv)
{
	const char *store_url, *http, *token, *brokers, *candles_topic, *alerts_topic, *watch_topic;
	int64_t poll_ms, hb_ms, max_conns, query_threads, query_queue;
	tf_opt opts[] = {
		{"store", TF_OPT_STR, "sqlite:tickflow.db", "sqlite:PATH or postgresql://user@host:port/db (read)", &store_url, 0, 0, NULL},
		{"http", TF_OPT_STR, "127.0.0.1:8080", "address of the dashboard, API and /metrics (host:port; port 0 = any)", &http, 0, 0, NULL},
		{"token", TF_OPT_STR, NULL, "require this bearer token (or the cookie from /login); needed to listen beyond loopback", &token, 0, 0, NULL},
		{"poll", TF_OPT_DURATION, "250ms", "how often the store is polled for changed candles and alerts (those the live bus does not push)", &poll_ms, 10, 60000, NULL},
		{"heartbeat", TF_OPT_DURATION, "15s", "SSE heartbeat comment period", &hb_ms, 100, 3600000, NULL},
		{"brokers", TF_OPT_STR, NULL, "live push: consume the stream's bus topics from these Kafka brokers (HOST:PORT,...) instead of polling the store for them", &brokers, 0, 0, NULL},
		{"candles-topic", TF_OPT_STR, "candles.1m", "live bus: topic of changed candles (stream --candles-topic)", &candles_topic, 0, 0, NULL},
		{"alerts-topic", TF_OPT_STR, "alerts", "live bus: topic of new alerts (stream --alerts-topic; \"\" = poll the store for alerts)", &alerts_topic, 0, 0, NULL},
		{"watch-topic", TF_OPT_STR, "live.watch", "live bus: where the symbols the pages show go, for the stream to publish at every change (stream --watch-topic; \"\" = off)", &watch_topic, 0, 0, NULL},
		{"max-connections", TF_OPT_INT, "2048", "open connections at most (HTTP and SSE)", &max_conns, 1, 100000, NULL},
		{"query-threads", TF_OPT_INT, "2", "threads (each with its own store connection) answering API requests", &query_threads, 1, 64, NULL},
		{"query-queue", TF_OPT_INT, "64", "API requests waiting for a query thread at most; beyond, 503 at once", &query_queue, 1, 100000, NULL},
		{NULL, 0, NULL, NULL, NULL, 0, 0, NULL},
	};
	tf_cmd_spec spec = {"serve", "dashboard, HTTP API, Server-Sent Events and /metrics over the store",
			    "Serves the dashboard page (embedded), the JSON API (/api/symbols, /api/candles, /api/overview,\n"
			    "/api/top, /api/anomalies, /api/ticks), live updates as Server-Sent Events (/api/stream) and\n"
			    "Prometheus metrics (/metrics), reading what `tickflow stream` writes to the store.",
			    opts};
	tf_opt_outcome outcome;
	if (tf_opt_parse(&spec, argc, argv, &outcome) != TF_OK)
		return TF_EXIT_USAGE;
	if (outcome == TF_OPT_HELP_SHOWN)
		return TF_EXIT_OK;
	if (token && (!*token || strlen(token) > 200 || strcspn(token, " ;,\"\\") != strlen(token))) {
		fprintf(stderr, "tickflow serve: --token must be 1-200 characters without spaces, ';', ',', quotes or '\\'\n");
		return TF_EXIT_USAGE;
	}
	if (!token && !loopback(http)) {
		fprintf(stderr, "tickflow serve: refusing to listen on %s without --token; pass --token (or TICKFLOW_TOKEN) "
				"or keep a loopback address\n", http);
		return TF_EXIT_USAGE;
	}
	int rc = TF_EXIT_FAILURE;
	char why[256];
	serve sv = {.token = token};
	tf_loop *loop = NULL;
	tf_http_server *srv = NULL;
	tf_web_bus *bus = NULL;
	/* the write side creates or migrates the schema, so serve may start before stream */
	tf_store *st = NULL;
	tf_err err = tf_store_open(store_url, &st, why, sizeof why);
	tf_store_close(st);
	if (err) {
		fprintf(stderr, "tickflow serve: cannot open store %s: %s\n", store_url, why);
		return err == TF_ERR_USAGE ? TF_EXIT_USAGE : TF_EXIT_FAILURE;
	}
	if (tf_loop_new(&loop) != TF_OK)
		goto out;
	tf_web_hub_cfg hc = {poll_ms, hb_ms, 0};
	if ((err = tf_web_pool_new(loop, store_url, (int)query_threads, (size_t)query_queue, &sv.pool, why, sizeof why)) ||
	    (err = tf_web_hub_new(loop, store_url, &sv.m, &hc, &sv.hub, why, sizeof why))) {
		fprintf(stderr, "tickflow serve: cannot open store %s: %s\n", store_url, why);
		rc = err == TF_ERR_USAGE ? TF_EXIT_USAGE : TF_EXIT_FAILURE;
		goto out;
	}
	if (brokers && *brokers) {
		tf_web_bus_sink sink;
		tf_web_hub_bus_sink(sv.hub, &sink);
		tf_web_bus_cfg bc = {brokers, candles_topic && *candles_topic ? candles_topic : "candles.1m",
				     alerts_topic ? alerts_topic : "", "serve", watch_topic};
		if ((err = tf_web_bus_start(loop, &bc, &sink, &bus, why, sizeof why))) {
			fprintf(stderr, "tickflow serve: --brokers %s: %s\n", brokers, why);
			rc = err == TF_ERR_USAGE ? TF_EXIT_USAGE : TF_EXIT_FAILURE;
			goto out;
		}
		tf_web_hub_bus_attach(sv.hub, bus);
	}
	tf_http_server_opts o = {.listen = http, .max_conns = (int)max_conns, .header_timeout_ms = 10000,
				 .idle_timeout_ms = 60000, .max_body = 4096, .max_response = 32u << 20,
				 .ws_max_queued = 8u << 20, .handler = handler, .on_stream_close = on_stream_close, .ud = &sv};
	if ((err = tf_http_server_new(loop, &o, &srv, why, sizeof why))) {
		fprintf(stderr, "tickflow serve: %s; to listen elsewhere pass --http HOST:PORT\n", why);
		goto out;
	}
	tf_info("serve: http://%s%s (port %u), store %s", http, token ? " (token required)" : "",
		(unsigned)tf_http_server_port(srv), strncmp(store_url, "sqlite:", 7) ? "postgresql" : "sqlite");
	tf_run_on_stop(stop_loop, loop);
	tf_run_signals();
	tf_run_ready();
	rc = tf_loop_run(loop) == TF_OK ? TF_EXIT_OK : TF_EXIT_FAILURE;
	tf_info("serve: stopping");
out:
	tf_run_on_stop(NULL, NULL);
	tf_web_bus_stop(bus); /* the loop no longer runs: a drain it posted is dropped, not run */
	tf_web_pool_free(sv.pool); /* answers what is still deferred while the connections exist */
	tf_http_server_free(srv);
	tf_web_hub_free(sv.hub);
	tf_loop_free(loop);
	return rc;
}

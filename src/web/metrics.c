/* metrics.c — Prometheus text exposition of serve's counters (see metrics.h). */
#include <inttypes.h>
#include <string.h>
#include <stddef.h>

#include "web/metrics.h"

static const char *const route_names[TF_WM_ROUTES] = {"symbols", "candles", "overview", "top", "anomalies", "ticks",
						       "stream",  "healthz", "metrics",  "asset", "login", "other"};
static const double bounds[TF_WM_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
					     0.05,   0.1,   0.25,   0.5,   1,    2.5};

int tf_web_metrics_route(const char *path)
{
	static const char *const paths[] = {"/api/symbols", "/api/candles", "/api/overview", "/api/top",
					    "/api/anomalies", "/api/ticks",  "/api/stream",   "/healthz",
					    "/metrics"};
	for (int i = 0; i < (int)(sizeof paths / sizeof paths[0]); i++)
		if (!strcmp(path, paths[i]))
			return i;
	if (!strcmp(path, "/login"))
		return TF_WM_LOGIN;
	if (!strcmp(path, "/") || !strncmp(path, "/assets/", 8))
		return TF_WM_ASSET;
	return TF_WM_OTHER;
}

void tf_web_metrics_request(tf_web_metrics *m, int route, int status, double seconds)
{
	int cls = status / 100 - 1;
	if (route >= 0 && route < TF_WM_ROUTES && cls >= 0 && cls < 5)
		m->requests[route][cls]++;
	for (int i = 0; i < TF_WM_BUCKETS; i++)
		if (seconds <= bounds[i]) {
			m->latency_buckets[i]++;
			break;
		}
	m->latency_count++;
	m->latency_sum_s += seconds;
}

/* A label value as the exposition format wants it: backslash, double quote and newline escaped. */
static tf_err label(tf_buf *o, const char *v)
{
	tf_err err = TF_OK;
	for (; *v && !err; v++)
		err = *v == '\\' ? tf_buf_append(o, "\\\\", 2)
		      : *v == '"' ? tf_buf_append(o, "\\\"", 2)
		      : *v == '\n' ? tf_buf_append(o, "\\n", 2)
				   : tf_buf_append(o, v, 1);
	return err;
}

/* The stream's counters per consumer group, topic and partition: the partition is the unit the
 * stream commits exactly once, so these are exact per series; sum() gives the pipeline's totals. */
static tf_err render_partitions(const tf_web_metrics *m, tf_buf *o)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} fam[] = {
		{"tickflow_stream_records_total", "Records the stream consumed and committed (exactly-once, from the store).",
		 offsetof(tf_q_partition, records)},
		{"tickflow_stream_late_records_total", "Ticks the stream dropped as late (each also sent to the dead-letter topic).",
		 offsetof(tf_q_partition, late)},
		{"tickflow_stream_dlq_records_total", "Records the stream sent to the dead-letter topic (late, undecodable, out of range).",
		 offsetof(tf_q_partition, dlq)},
	};
	tf_err err = TF_OK;
	for (size_t f = 0; f < sizeof fam / sizeof fam[0] && !err; f++) {
		err = tf_buf_appendf(o, "# HELP %s %s\n# TYPE %s counter\n", fam[f].name, fam[f].help, fam[f].name);
		for (size_t i = 0; i < m->npartitions && !err; i++) {
			const tf_q_partition *p = &m->partitions[i];
			int64_t v;
			memcpy(&v, (const char *)p + fam[f].off, sizeof v);
			err = tf_buf_appendf(o, "%s{group=\"", fam[f].name);
			if (!err)
				err = label(o, p->group);
			if (!err)
				err = tf_buf_appendf(o, "\",topic=\"");
			if (!err)
				err = label(o, p->topic);
			if (!err)
				err = tf_buf_appendf(o, "\",partition=\"%d\"} %" PRId64 "\n", (int)p->partition, v);
		}
	}
	return err;
}

tf_err tf_web_metrics_render(const tf_web_metrics *m, tf_buf *o)
{
	tf_err err = tf_buf_appendf(o, "# HELP tickflow_http_requests_total HTTP requests answered, by route and status class.\n"
				       "# TYPE tickflow_http_requests_total counter\n");
	for (int r = 0; !err && r < TF_WM_ROUTES; r++)
		for (int c = 0; !err && c < 5; c++)
			if (m->requests[r][c])
				err = tf_buf_appendf(o, "tickflow_http_requests_total{route=\"%s\",code=\"%dxx\"} %lld\n",
						     route_names[r], c + 1, (long long)m->requests[r][c]);
	if (!err)
		err = tf_buf_appendf(o, "# HELP tickflow_http_request_duration_seconds Time to answer an HTTP request.\n"
				       "# TYPE tickflow_http_request_duration_seconds histogram\n");
	int64_t cum = 0;
	for (int i = 0; !err && i < TF_WM_BUCKETS; i++) {
		cum += m->latency_buckets[i];
		err = tf_buf_appendf(o, "tickflow_http_request_duration_seconds_bucket{le=\"%g\"} %lld\n", bounds[i],
				     (long long)cum);
	}
	if (!err)
		err = tf_buf_appendf(
			o,
			"tickflow_http_request_duration_seconds_bucket{le=\"+Inf\"} %lld\n"
			"tickflow_http_request_duration_seconds_sum %.6f\n"
			"tickflow_http_request_duration_seconds_count %lld\n"
			"# HELP tickflow_sse_clients Open Server-Sent Events streams.\n# TYPE tickflow_sse_clients gauge\n"
			"tickflow_sse_clients %lld\n"
			"# HELP tickflow_sse_events_total Events published to SSE clients.\n# TYPE tickflow_sse_events_total counter\n"
			"tickflow_sse_events_total %lld\n"
			"# HELP tickflow_sse_dropped_slow_total SSE clients dropped because they did not keep up.\n"
			"# TYPE tickflow_sse_dropped_slow_total counter\ntickflow_sse_dropped_slow_total %lld\n"
			"# HELP tickflow_sse_resumed_total Reconnections resumed from Last-Event-ID.\n"
			"# TYPE tickflow_sse_resumed_total counter\ntickflow_sse_resumed_total %lld\n"
			"# HELP tickflow_sse_reset_total Reconnections too old to resume (the page reloads its data).\n"
			"# TYPE tickflow_sse_reset_total counter\ntickflow_sse_reset_total %lld\n"
			"# HELP tickflow_store_polls_total Change polls of the store.\n# TYPE tickflow_store_polls_total counter\n"
			"tickflow_store_polls_total %lld\n"
			"# HELP tickflow_store_poll_errors_total Failed change polls.\n# TYPE tickflow_store_poll_errors_total counter\n"
			"tickflow_store_poll_errors_total %lld\n"
			"# HELP tickflow_store_poll_seconds Duration of the last change poll.\n# TYPE tickflow_store_poll_seconds gauge\n"
			"tickflow_store_poll_seconds %.6f\n"
			"# HELP tickflow_pipeline_records_total Ticks seen arriving in the store since serve started.\n"
			"# TYPE tickflow_pipeline_records_total counter\ntickflow_pipeline_records_total %lld\n"
			"# HELP tickflow_pipeline_records_per_second Ticks per second arriving in the store.\n"
			"# TYPE tickflow_pipeline_records_per_second gauge\ntickflow_pipeline_records_per_second %.3f\n"
			"# HELP tickflow_pipeline_lag_seconds Wall clock minus the newest stored event time.\n"
			"# TYPE tickflow_pipeline_lag_seconds gauge\ntickflow_pipeline_lag_seconds %.3f\n"
			"# HELP tickflow_candle_updates_total Candle changes published.\n"
			"# TYPE tickflow_candle_updates_total counter\ntickflow_candle_updates_total %lld\n",
			(long long)m->latency_count, m->latency_sum_s, (long long)m->latency_count, (long long)m->sse_clients,
			(long long)m->sse_events, (long long)m->sse_dropped_slow, (long long)m->sse_resumed,
			(long long)m->sse_reset, (long long)m->polls, (long long)m->poll_errors, m->poll_last_s,
			(long long)m->pipeline_records, m->pipeline_records_per_s, (double)m->pipeline_lag_ms / 1000.0,
			(long long)m->candle_updates);
	if (!err)
		err = tf_buf_appendf(
			o,
			"# HELP tickflow_candle_updates_bus_total Candle changes published as they arrived on the live bus.\n"
			"# TYPE tickflow_candle_updates_bus_total counter\ntickflow_candle_updates_bus_total %lld\n"
			"# HELP tickflow_store_candle_polls_total Candle change queries run against the store, by interval.\n"
			"# TYPE tickflow_store_candle_polls_total counter\n",
			(long long)m->candle_updates_bus);
	static const char *const iv[TF_WM_INTERVALS] = {"1m", "5m", "1h"};
	for (int i = 0; !err && i < TF_WM_INTERVALS; i++)
		err = tf_buf_appendf(o, "tickflow_store_candle_polls_total{interval=\"%s\"} %lld\n", iv[i],
				     (long long)m->candle_polls[i]);
	if (!err)
		err = render_partitions(m, o);
	if (!err)
		err = tf_buf_appendf(o,
				     "# HELP tickflow_api_queue API requests waiting for a query thread.\n"
				     "# TYPE tickflow_api_queue gauge\ntickflow_api_queue %" PRId64 "\n"
				     "# HELP tickflow_api_rejected_total API requests answered 503 because the query queue was full.\n"
				     "# TYPE tickflow_api_rejected_total counter\ntickflow_api_rejected_total %" PRId64 "\n",
				     m->api_queued, m->api_rejected);
	if (!err && m->bus_configured)
		err = tf_buf_appendf(
			o,
			"# HELP tickflow_bus_up Whether the live bus delivers (1) or serve polls the store instead (0).\n"
			"# TYPE tickflow_bus_up gauge\ntickflow_bus_up %lld\n"
			"# HELP tickflow_bus_messages_total Valid live-bus messages received.\n"
			"# TYPE tickflow_bus_messages_total counter\ntickflow_bus_messages_total %lld\n"
			"# HELP tickflow_bus_rejected_total Live-bus messages rejected as malformed.\n"
			"# TYPE tickflow_bus_rejected_total counter\ntickflow_bus_rejected_total %lld\n"
			"# HELP tickflow_bus_dropped_total Live-bus messages dropped because the loop fell behind.\n"
			"# TYPE tickflow_bus_dropped_total counter\ntickflow_bus_dropped_total %lld\n"
			"# HELP tickflow_bus_reconnects_total Times the broker came back after being lost.\n"
			"# TYPE tickflow_bus_reconnects_total counter\ntickflow_bus_reconnects_total %lld\n",
			(long long)m->bus_up, (long long)m->bus_messages, (long long)m->bus_rejected, (long long)m->bus_dropped,
			(long long)m->bus_reconnects);
	return err;
}

/* metrics.h — counters of `tickflow serve` and their Prometheus text rendering (/metrics):
 * HTTP requests by route and status class, request latency histogram, SSE clients and events,
 * and the pipeline figures the SSE poller derives from the store. Loop thread only. */
#ifndef TF_WEB_METRICS_H
#define TF_WEB_METRICS_H

#include <stdint.h>

#include "base/buf.h"
#include "store/query.h"

enum { TF_WM_SYMBOLS, TF_WM_CANDLES, TF_WM_OVERVIEW, TF_WM_TOP, TF_WM_ANOMALIES, TF_WM_TICKS, TF_WM_STREAM,
       TF_WM_HEALTHZ, TF_WM_METRICS, TF_WM_ASSET, TF_WM_LOGIN, TF_WM_OTHER, TF_WM_ROUTES };

#define TF_WM_BUCKETS 12
#define TF_WM_INTERVALS 3 /* 1m, 5m, 1h: the intervals the hub polls, in its order */

typedef struct {
	int64_t requests[TF_WM_ROUTES][5];      /* status class 1xx..5xx */
	int64_t latency_buckets[TF_WM_BUCKETS]; /* cumulative at render time */
	int64_t latency_count;
	double latency_sum_s;
	int64_t sse_clients, sse_events, sse_dropped_slow, sse_resumed, sse_reset;
	int64_t polls, poll_errors;
	double poll_last_s;
	int64_t pipeline_records, pipeline_newest_event_ms, pipeline_lag_ms, candle_updates;
	double pipeline_records_per_s;
	/* the live bus (serve --brokers) */
	int64_t bus_configured, bus_up, bus_messages, bus_rejected, bus_dropped, bus_reconnects;
	int64_t candle_updates_bus;               /* candle events that came from the bus */
	int64_t candle_polls[TF_WM_INTERVALS];    /* candle change queries run, per interval (1m, 5m, 1h) */
	/* the stream's committed per-partition counters (store table stream_offsets), read once a second;
	 * partitions is borrowed from the hub (npartitions rows, at most TF_WM_MAX_PARTITIONS) */
	const tf_q_partition *partitions;
	size_t npartitions;
	/* API requests and the query threads (web/pool.h) */
	int64_t api_queued, api_rejected;
} tf_web_metrics;

#define TF_WM_MAX_PARTITIONS 1024 /* rows of stream_offsets exposed (bounds the /metrics size) */

/* Route index of an HTTP path (TF_WM_OTHER when unknown). */
int tf_web_metrics_route(const char *path);
void tf_web_metrics_request(tf_web_metrics *m, int route, int status, double seconds);
/* Appends the Prometheus text exposition (format 0.0.4) to out. */
tf_err tf_web_metrics_render(const tf_web_metrics *m, tf_buf *out);

#endif

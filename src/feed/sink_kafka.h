/* sink_kafka.h — the Kafka producer sink of `tickflow ingest` (the default output; see sink.h).
 *
 * Records go to one topic (key = symbol, value = the element's JSON exactly as received, Kafka
 * timestamp = E), dead letters to another (value = the raw bytes, header `reason`, timestamp = the
 * receive time). It is built on librdkafka, so it behaves the same against `tickflow broker` and a
 * real Kafka: acks=all, idempotence, linger and batching for throughput, delivery reports counted.
 *
 * Threading: all sink calls and delivery reports happen on the caller's thread (rd_kafka_poll is
 * only called from the sink); librdkafka's own log lines come from its threads through tf_log. */
#ifndef TF_FEED_SINK_KAFKA_H
#define TF_FEED_SINK_KAFKA_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "feed/sink.h"

typedef struct {
	uint64_t produced;  /* accepted by the producer (records and dead letters) */
	uint64_t delivered; /* acknowledged by the broker */
	uint64_t failed;    /* delivery failed, or still undelivered when the sink was closed */
} tf_sink_kafka_stats;

typedef struct {
	const char *brokers;       /* bootstrap list "HOST:PORT[,HOST:PORT...]" */
	const char *topic;         /* records */
	const char *dlq_topic;     /* dead letters */
	const char *compression;   /* none | gzip | snappy | lz4 | zstd */
	bool idempotence;          /* enable.idempotence (the broker must support InitProducerId) */
	int connect_timeout_ms;    /* how long to wait for the broker at start */
	int flush_timeout_ms;      /* how long close waits for outstanding deliveries */
	size_t max_message;        /* largest value we may send (a whole dead-lettered message) */
	const volatile sig_atomic_t *stop; /* stops waiting for room in a full queue; may be NULL */
	tf_sink_kafka_stats *stats; /* caller-owned, outlives the sink; updated as reports arrive */
} tf_sink_kafka_opts;

/* Creates the producer and checks within connect_timeout_ms that the brokers answer a metadata
 * request. TF_ERR_REFUSED when they do not (errbuf holds the one line to show), TF_ERR_USAGE for
 * a configuration librdkafka rejects, TF_ERR_NOMEM. close returns TF_ERR_IO when any record could
 * not be delivered (failed deliveries, or records still queued after flush_timeout_ms). */
tf_err tf_sink_kafka_new(const tf_sink_kafka_opts *o, tf_sink **out, char *errbuf, size_t errcap);

#endif

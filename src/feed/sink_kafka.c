/* sink_kafka.c — the Kafka producer sink (see sink_kafka.h), a thin layer over librdkafka.
 *
 * Life of the sink:
 *
 *   new ──rd_kafka_new──> STARTING ──metadata answered──> RUNNING ──close──> FLUSHING ──> freed
 *                            │                               │                  │
 *                            └─ no answer within the bound ─>└─ (fatal error) ─>└─ undelivered
 *                               TF_ERR_REFUSED, one line         writes fail        records: close
 *                                                                                   returns TF_ERR_IO
 *
 * While STARTING, librdkafka's connection errors are logged at debug level only: the caller prints
 * one clear line if the broker never answers. Delivery reports are served by rd_kafka_poll on the
 * caller's thread (in write every POLL_EVERY records, in flush, and while the queue is full), so the
 * counters need no locks. */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "feed/sink_kafka.h"

#define POLL_EVERY 1024          /* records between non-blocking polls for delivery reports */
#define FULL_QUEUE_POLL_MS 50    /* wait for deliveries when the local queue is full */
#define FAILURES_LOGGED 10       /* first failed deliveries logged one by one; all are counted */

typedef struct {
	tf_sink base;
	rd_kafka_t *rk;
	rd_kafka_topic_t *topic, *dlq;
	tf_sink_kafka_stats own_stats, *st;
	const volatile sig_atomic_t *stop;
	int flush_timeout_ms;
	unsigned since_poll;
	atomic_int running;      /* 0 while STARTING: demote librdkafka's connection errors */
	char brokers[256];
} kafka_sink;

/* librdkafka log lines (syslog levels) → tf_log. Called from librdkafka's threads. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	kafka_sink *k = rd_kafka_opaque(rk);
	tf_log_level l = level <= 3 ? TF_LOG_ERROR : level == 4 ? TF_LOG_WARN : level <= 6 ? TF_LOG_INFO : TF_LOG_DEBUG;
	/* FAIL lines repeat what on_error reports; before RUNNING the caller gives the one line */
	if (l < TF_LOG_INFO && (strcmp(fac, "FAIL") == 0 || (k && !atomic_load(&k->running))))
		l = TF_LOG_DEBUG;
	if (tf_log_enabled(l))
		tf_log(l, "kafka %s: %s", fac, buf);
}

/* Errors librdkafka reports to the application (served by rd_kafka_poll, our thread). */
static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	kafka_sink *k = opaque;
	bool fatal = err == RD_KAFKA_RESP_ERR__FATAL;
	if (!fatal && !atomic_load(&k->running))
		tf_debug("kafka: %s", reason);
	else if (fatal || err != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
		tf_error("kafka%s: %s", fatal ? " (fatal)" : "", reason);
	else
		tf_warn("kafka: %s", reason);
}

/* One delivery report per message (served by rd_kafka_poll, our thread). */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	kafka_sink *k = opaque;
	if (!m->err) {
		k->st->delivered++;
		return;
	}
	if (k->st->failed++ < FAILURES_LOGGED)
		tf_error("kafka: a record for topic %s (key %.*s) was not delivered: %s%s", rd_kafka_topic_name(m->rkt),
			 m->key ? (int)(m->key_len > 64 ? 64 : m->key_len) : 0, m->key ? (const char *)m->key : "",
			 rd_kafka_err2str(m->err), k->st->failed == FAILURES_LOGGED ? " (further failures only counted)" : "");
}

/* Hands one message to librdkafka, waiting for room while the local queue is full (back-pressure
 * instead of loss). hdrs, when given, is owned by librdkafka on success and freed here otherwise.
 * TF_ERR_STOPPED when stop is set while waiting; TF_ERR_IO when librdkafka refuses the message. */
static tf_err produce(kafka_sink *k, rd_kafka_topic_t *t, const char *key, size_t key_len, const char *val,
		      size_t val_len, int64_t ts, rd_kafka_headers_t *hdrs)
{
	rd_kafka_resp_err_t e;
	for (;;) {
		if (hdrs)
			e = rd_kafka_producev(k->rk, RD_KAFKA_V_RKT(t), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
					      RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE((void *)val, val_len),
					      RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
		else
			e = rd_kafka_producev(k->rk, RD_KAFKA_V_RKT(t), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
					      RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE((void *)val, val_len),
					      RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_END);
		if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		if (k->stop && *k->stop) {
			tf_warn("kafka: stopped while waiting for room in the full producer queue");
			if (hdrs)
				rd_kafka_headers_destroy(hdrs);
			return TF_ERR_STOPPED;
		}
		rd_kafka_poll(k->rk, FULL_QUEUE_POLL_MS);
	}
	if (e) {
		if (hdrs)
			rd_kafka_headers_destroy(hdrs);
		k->st->failed++;
		tf_error("kafka: cannot produce to topic %s: %s", rd_kafka_topic_name(t), rd_kafka_err2str(e));
		return TF_ERR_IO;
	}
	k->st->produced++;
	if (++k->since_poll >= POLL_EVERY) {
		k->since_poll = 0;
		rd_kafka_poll(k->rk, 0);
	}
	return TF_OK;
}

static tf_err kafka_write(tf_sink *s, const tf_feed_record *r)
{
	kafka_sink *k = (kafka_sink *)s;
	return produce(k, k->topic, r->key, r->key_len, r->value, r->value_len, r->timestamp_ms, NULL);
}

static tf_err kafka_dead_letter(tf_sink *s, const char *raw, size_t len, const char *reason, int64_t recv_ms)
{
	kafka_sink *k = (kafka_sink *)s;
	rd_kafka_headers_t *h = rd_kafka_headers_new(1);
	if (!h)
		return TF_ERR_NOMEM;
	rd_kafka_header_add(h, "reason", -1, reason, -1);
	return produce(k, k->dlq, NULL, 0, raw, len, recv_ms, h);
}

/* Serves delivery reports without waiting: a flush here must not stall the pipeline (librdkafka
 * sends on its own after linger.ms). A fatal producer error stops the pipeline. */
static tf_err kafka_flush(tf_sink *s)
{
	kafka_sink *k = (kafka_sink *)s;
	k->since_poll = 0;
	rd_kafka_poll(k->rk, 0);
	char why[256];
	rd_kafka_resp_err_t e = rd_kafka_fatal_error(k->rk, why, sizeof why);
	if (e) {
		tf_error("kafka: the producer failed: %s", why);
		return TF_ERR_IO;
	}
	return TF_OK;
}

static void kafka_free(kafka_sink *k)
{
	if (k->topic)
		rd_kafka_topic_destroy(k->topic);
	if (k->dlq)
		rd_kafka_topic_destroy(k->dlq);
	if (k->rk)
		rd_kafka_destroy(k->rk);
	free(k);
}

/* Waits up to flush_timeout_ms for every outstanding delivery; what is still queued then is
 * purged and counted as failed. TF_ERR_IO when any record of the run was not delivered. */
static tf_err kafka_close(tf_sink *s)
{
	kafka_sink *k = (kafka_sink *)s;
	rd_kafka_resp_err_t e = rd_kafka_flush(k->rk, k->flush_timeout_ms);
	if (e) {
		tf_error("kafka: %d records still undelivered after waiting %d ms; giving up on them",
			 rd_kafka_outq_len(k->rk), k->flush_timeout_ms);
		rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_poll(k->rk, 0); /* the purged messages' reports: counted as failed */
	}
	tf_err err = k->st->failed ? TF_ERR_IO : TF_OK;
	if (err)
		tf_error("kafka: %" PRIu64 " of %" PRIu64 " records could not be delivered to %s", k->st->failed,
			 k->st->produced, k->brokers);
	else
		tf_info("kafka: %" PRIu64 " records delivered to %s", k->st->delivered, k->brokers);
	kafka_free(k);
	return err;
}

/* Sets one property; TF_ERR_USAGE (errbuf says which) when librdkafka rejects it. */
static tf_err set(rd_kafka_conf_t *c, const char *name, const char *value, char *errbuf, size_t errcap)
{
	char why[256];
	if (rd_kafka_conf_set(c, name, value, why, sizeof why) == RD_KAFKA_CONF_OK)
		return TF_OK;
	snprintf(errbuf, errcap, "kafka setting %s=%s rejected: %s", name, value, why);
	return TF_ERR_USAGE;
}

static tf_err configure(rd_kafka_conf_t *c, const tf_sink_kafka_opts *o, char *errbuf, size_t errcap)
{
	char max_bytes[32];
	size_t mb = o->max_message + 65536; /* a whole dead-lettered message plus batch overhead */
	snprintf(max_bytes, sizeof max_bytes, "%zu", mb < 1000000 ? (size_t)1000000 : mb > 1000000000 ? (size_t)1000000000 : mb);
	const char *kv[][2] = {
		{"bootstrap.servers", o->brokers},
		{"client.id", "tickflow-ingest"},
		{"acks", "all"},
		{"enable.idempotence", o->idempotence ? "true" : "false"},
		{"linger.ms", "1"}, /* at 100,000 records/s still ~100 records a batch; 5 ms cost tick-to-browser latency */
		{"socket.nagle.disable", "true"},
		{"batch.num.messages", "10000"},
		{"queue.buffering.max.messages", "1000000"},
		{"compression.type", o->compression},
		{"message.max.bytes", max_bytes},
		/* murmur2 on the key, as Java producers do: a symbol lands in the same partition
		 * whichever kind of client wrote it */
		{"partitioner", "murmur2_random"},
	};
	for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
		tf_err err = set(c, kv[i][0], kv[i][1], errbuf, errcap);
		if (err)
			return err;
	}
	return TF_OK;
}

/* STARTING → RUNNING: the brokers answer a metadata request within the bound. */
static tf_err check_reachable(kafka_sink *k, const tf_sink_kafka_opts *o, char *errbuf, size_t errcap)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t e = rd_kafka_metadata(k->rk, 0, NULL, &md, o->connect_timeout_ms);
	if (md)
		rd_kafka_metadata_destroy(md);
	if (e) {
		snprintf(errbuf, errcap,
			 "cannot reach broker %.200s (%s within %d ms); start one with 'tickflow broker' or pass --brokers",
			 o->brokers, rd_kafka_err2str(e), o->connect_timeout_ms);
		return TF_ERR_REFUSED;
	}
	atomic_store(&k->running, 1);
	tf_info("kafka: connected to %s; records to topic %s, dead letters to %s", o->brokers, o->topic, o->dlq_topic);
	return TF_OK;
}

tf_err tf_sink_kafka_new(const tf_sink_kafka_opts *o, tf_sink **out, char *errbuf, size_t errcap)
{
	*out = NULL;
	tf_err err = TF_OK;
	char why[512];
	kafka_sink *k = calloc(1, sizeof *k);
	if (!k)
		return TF_ERR_NOMEM;
	k->base = (tf_sink){kafka_write, kafka_dead_letter, kafka_flush, kafka_close};
	k->st = o->stats ? o->stats : &k->own_stats;
	*k->st = (tf_sink_kafka_stats){0};
	k->stop = o->stop;
	k->flush_timeout_ms = o->flush_timeout_ms;
	snprintf(k->brokers, sizeof k->brokers, "%s", o->brokers);
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	if (!c) {
		err = TF_ERR_NOMEM;
		goto out;
	}
	rd_kafka_conf_set_opaque(c, k);
	rd_kafka_conf_set_log_cb(c, on_log);
	rd_kafka_conf_set_error_cb(c, on_error);
	rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
	if ((err = configure(c, o, errbuf, errcap))) {
		rd_kafka_conf_destroy(c);
		goto out;
	}
	if (!(k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, why, sizeof why))) { /* owns c on success only */
		rd_kafka_conf_destroy(c);
		snprintf(errbuf, errcap, "cannot create the Kafka producer: %s", why);
		err = TF_ERR_USAGE;
		goto out;
	}
	k->topic = rd_kafka_topic_new(k->rk, o->topic, NULL);
	k->dlq = rd_kafka_topic_new(k->rk, o->dlq_topic, NULL);
	if (!k->topic || !k->dlq) {
		snprintf(errbuf, errcap, "invalid topic name '%.100s' or '%.100s': %s", o->topic, o->dlq_topic,
			 rd_kafka_err2str(rd_kafka_last_error()));
		err = TF_ERR_USAGE;
		goto out;
	}
	err = check_reachable(k, o, errbuf, errcap);
out:
	if (err) {
		kafka_free(k);
		return err;
	}
	*out = &k->base;
	return TF_OK;
}

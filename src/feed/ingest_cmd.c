/* ingest_cmd.c — `tickflow ingest`: options, the chosen source and sink, signals, and the exit
 * summary. The work itself is pipeline.c (decode, split, de-duplicate) between a source
 * (source_*.c) and a sink (sink_*.c). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/opt.h"
#include "base/run.h"
#include "cmd.h"
#include "feed/pipeline.h"
#include "feed/sink.h"
#include "feed/sink_kafka.h"
#include "feed/source_replay.h"
#include "feed/source_sim.h"
#include "feed/source_ws.h"
#include "feed/source_yahoo.h"

static struct {
	const char *source, *ca_file, *out, *format, *dlq, *record, *yahoo_url, *rest_url;
	const char *brokers, *topic, *dlq_topic, *compression;
	int64_t broker_timeout, flush_timeout;
	bool idempotence;
	int64_t max_message, symbols, seed, limit;
	int64_t poll, duration, rotate_after, ping_interval, pong_timeout, connect_timeout, backoff_base, backoff_max;
	double speed, rate;
	bool decode, stats;
} g;

static tf_opt opts[] = {
	{"source", TF_OPT_STR, "binance",
	 "where ticks come from: binance | url:WS_OR_WSS_URL | sim | replay:FILE | yahoo:SYM1,SYM2", &g.source, 0, 0, NULL},
	{"brokers", TF_OPT_STR, "127.0.0.1:9092", "Kafka bootstrap brokers HOST:PORT[,HOST:PORT] (tickflow broker or Kafka); records go there unless --out is given",
	 &g.brokers, 0, 0, NULL},
	{"topic", TF_OPT_STR, "ticks", "Kafka topic of the records (key = symbol, value = raw JSON, timestamp = E)", &g.topic, 0, 0,
	 NULL},
	{"dlq-topic", TF_OPT_STR, "ticks.dlq", "Kafka topic of dead letters (value = raw bytes, header reason)", &g.dlq_topic, 0, 0,
	 NULL},
	{"compression", TF_OPT_CHOICE, "none", "Kafka batch compression", &g.compression, 0, 0, "none|gzip|snappy|lz4|zstd"},
	{"idempotence", TF_OPT_BOOL, "true", "Kafka idempotent producer (no duplicates on retry); --no-idempotence for brokers without InitProducerId",
	 &g.idempotence, 0, 0, NULL},
	{"broker-timeout", TF_OPT_DURATION, "10s", "Kafka: give up when the brokers do not answer within this at start", &g.broker_timeout,
	 100, 600000, NULL},
	{"flush-timeout", TF_OPT_DURATION, "10s", "Kafka: at exit, wait this long for outstanding deliveries (undelivered: exit 1)",
	 &g.flush_timeout, 0, 600000, NULL},
	{"out", TF_OPT_STR, NULL, "write one JSON line per record to FILE ('-' = stdout) instead of Kafka", &g.out, 0, 0, NULL},
	{"format", TF_OPT_CHOICE, "tick",
	 "--out line format: tick = normalised tick JSON; record = {\"key\",\"timestamp\",\"value\"} with the raw element as a string",
	 &g.format, 0, 0, "tick|record"},
	{"dlq", TF_OPT_STR, NULL, "with --out: write dead letters (undecodable input + reason) as JSON lines to FILE; unset: a warning log line each",
	 &g.dlq, 0, 0, NULL},
	{"record", TF_OPT_STR, NULL, "also write every raw message with its receive time to FILE (replay:FILE plays it back)",
	 &g.record, 0, 0, NULL},
	{"ca-file", TF_OPT_STR, NULL, "PEM CA bundle to verify wss:// and https:// servers; unset: the system CAs", &g.ca_file,
	 0, 0, NULL},
	{"max-message", TF_OPT_INT, "1048576", "largest WebSocket message or REST body in bytes; larger fails that connection",
	 &g.max_message, 1024, 1 << 28, NULL},
	{"limit", TF_OPT_INT, "0", "stop after N records (0 = no limit)", &g.limit, 0, INT64_MAX, NULL},
	{"duration", TF_OPT_DURATION, "0s", "stop after this long (0s = run until stopped)", &g.duration, 0, 0, NULL},
	{"speed", TF_OPT_DOUBLE, "1", "replay: multiple of the recorded pace (0 = as fast as possible)", &g.speed, 0, 1000000,
	 NULL},
	{"rate", TF_OPT_DOUBLE, "0", "sim: records per second (0 = Binance's pace: changed symbols once a second)", &g.rate, 0,
	 1000000000, NULL},
	{"symbols", TF_OPT_INT, "200", "sim: number of simulated symbols", &g.symbols, 1, 5000, NULL},
	{"seed", TF_OPT_INT, "1", "sim: random seed (same seed, same prices)", &g.seed, 0, INT64_MAX, NULL},
	{"yahoo-url", TF_OPT_STR, "https://query1.finance.yahoo.com", "yahoo: base URL of the v8 chart API", &g.yahoo_url, 0,
	 0, NULL},
	{"poll", TF_OPT_DURATION, "60s", "yahoo: time between polls of each symbol", &g.poll, 1000, 86400000, NULL},
	{"rest-url", TF_OPT_STR, "https://api.binance.com", "base URL of GET /api/v3/klines, used to backfill kline streams after a gap",
	 &g.rest_url, 0, 0, NULL},
	{"rotate-after", TF_OPT_DURATION, "23h", "open a fresh WebSocket connection (before closing the old) after this long; 0s = never",
	 &g.rotate_after, 0, 0, NULL},
	{"ping-interval", TF_OPT_DURATION, "30s", "send our own ping after this much silence from the server", &g.ping_interval,
	 100, 3600000, NULL},
	{"pong-timeout", TF_OPT_DURATION, "10s", "no answer to our ping within this: the peer is dead, reconnect", &g.pong_timeout,
	 100, 3600000, NULL},
	{"connect-timeout", TF_OPT_DURATION, "10s", "TCP + TLS + WebSocket upgrade", &g.connect_timeout, 100, 600000, NULL},
	{"backoff-base", TF_OPT_DURATION, "250ms", "first reconnect delay ceiling (doubles per failure, full jitter)",
	 &g.backoff_base, 1, 3600000, NULL},
	{"backoff-max", TF_OPT_DURATION, "30s", "largest reconnect delay", &g.backoff_max, 1, 3600000, NULL},
	{"decode", TF_OPT_BOOL, "true", "decode messages into records; --no-decode only counts messages (to measure transport)",
	 &g.decode, 0, 0, NULL},
	{"stats", TF_OPT_BOOL, "false", "print a one-line summary (counts, CPU time per record) on stderr at exit", &g.stats, 0,
	 0, NULL},
	{NULL, 0, NULL, NULL, NULL, 0, 0, NULL},
};

static const tf_cmd_spec spec = {
	"ingest",
	"read a market feed (Binance, simulator, replay, Yahoo) and emit one record per symbol update",
	"Each message is decoded and split into one record per symbol: key = symbol, value = the\n"
	"element's JSON exactly as received, timestamp = its E. Records go to Kafka topic --topic at\n"
	"--brokers (acks=all, idempotent), or with --out to a JSON-lines file. Undecodable input goes to\n"
	"--dlq-topic (or --dlq FILE with --out) with the reason. A record Kafka did not acknowledge by\n"
	"exit makes the exit status 1. WebSocket sources reconnect with backoff and jitter, rotate before\n"
	"24 h and backfill kline streams over REST after a gap. SIGINT/SIGTERM flush and exit 0.",
	opts,
};

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static tf_err make_source(tf_source **src, char *errbuf, size_t errcap)
{
	const char *s = g.source;
	if (strcmp(s, "binance") == 0 || has_prefix(s, "url:")) {
		tf_source_ws_opts o = {
			.url = has_prefix(s, "url:") ? s + 4 : TF_BINANCE_WS_URL,
			.ca_file = g.ca_file,
			.max_message = (size_t)g.max_message,
			.connect_timeout_ms = (int)g.connect_timeout,
			.ping_interval_ms = (int)g.ping_interval,
			.pong_timeout_ms = (int)g.pong_timeout,
			.rotate_after_ms = g.rotate_after,
			.backoff_base_ms = g.backoff_base,
			.backoff_max_ms = g.backoff_max,
			.rest_url = g.rest_url,
			.stop = tf_run_stop_flag(),
		};
		return tf_source_ws_new(&o, src, errbuf, errcap);
	}
	if (strcmp(s, "sim") == 0) {
		tf_source_sim_opts o = {(uint64_t)g.seed, (int)g.symbols, g.rate};
		return tf_source_sim_new(&o, src, errbuf, errcap);
	}
	if (has_prefix(s, "replay:")) {
		tf_source_replay_opts o = {s + 7, g.speed, (size_t)g.max_message};
		return tf_source_replay_new(&o, src, errbuf, errcap);
	}
	if (has_prefix(s, "yahoo:")) {
		tf_source_yahoo_opts o = {s + 6, g.yahoo_url, g.poll, g.ca_file, (size_t)g.max_message, tf_run_stop_flag()};
		return tf_source_yahoo_new(&o, src, errbuf, errcap);
	}
	snprintf(errbuf, errcap, "unknown --source '%.200s'; use binance, url:WSS_URL, sim, replay:FILE or yahoo:SYMS", s);
	return TF_ERR_USAGE;
}

/* The JSON-lines sink with --out, the Kafka producer otherwise. TF_ERR_USAGE for --dlq without --out. */
static tf_err make_sink(tf_sink **sink, tf_sink_kafka_stats *ks, char *errbuf, size_t errcap)
{
	if (g.out)
		return tf_sink_jsonl_new(g.out, g.dlq, strcmp(g.format, "record") == 0 ? TF_JSONL_RECORDS : TF_JSONL_TICKS,
					 sink, errbuf, errcap);
	if (g.dlq) {
		snprintf(errbuf, errcap, "--dlq FILE goes with --out; with Kafka, dead letters go to --dlq-topic (%.100s)",
			 g.dlq_topic);
		return TF_ERR_USAGE;
	}
	tf_sink_kafka_opts o = {
		.brokers = g.brokers,
		.topic = g.topic,
		.dlq_topic = g.dlq_topic,
		.compression = g.compression,
		.idempotence = g.idempotence,
		.connect_timeout_ms = (int)g.broker_timeout,
		.flush_timeout_ms = (int)g.flush_timeout,
		.max_message = (size_t)g.max_message,
		.stop = tf_run_stop_flag(),
		.stats = ks,
	};
	return tf_sink_kafka_new(&o, sink, errbuf, errcap);
}

static void report(const tf_pipeline_stats *st, int64_t elapsed_ms, const tf_sink_kafka_stats *ks)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
		     (double)ru.ru_stime.tv_usec / 1e6;
	char line[800];
	int n = snprintf(line, sizeof line,
		 "messages=%llu bytes=%llu records=%llu dead_letters=%llu duplicates=%llu replies=%llu "
		 "server_errors=%llu elapsed_s=%.3f cpu_s=%.3f cpu_us_per_record=%.3f",
		 (unsigned long long)st->messages, (unsigned long long)st->bytes, (unsigned long long)st->records,
		 (unsigned long long)st->dead_letters, (unsigned long long)st->duplicates,
		 (unsigned long long)st->replies, (unsigned long long)st->server_errors, (double)elapsed_ms / 1000.0, cpu,
		 st->records ? cpu * 1e6 / (double)st->records : 0.0);
	if (ks && n > 0 && (size_t)n < sizeof line)
		snprintf(line + n, sizeof line - (size_t)n, " kafka_produced=%llu kafka_delivered=%llu kafka_failed=%llu",
			 (unsigned long long)ks->produced, (unsigned long long)ks->delivered, (unsigned long long)ks->failed);
	if (g.stats)
		fprintf(stderr, "tickflow ingest stats: %s\n", line);
	else
		tf_info("done: %s", line);
}

int tf_cmd_ingest(int argc, char **argv)
{
	tf_opt_outcome outcome;
	tf_err err = tf_opt_parse(&spec, argc, argv, &outcome);
	if (err)
		return TF_EXIT_USAGE;
	if (outcome == TF_OPT_HELP_SHOWN)
		return TF_EXIT_OK;
	int rc = TF_EXIT_FAILURE;
	char errbuf[600] = "";
	tf_source *src = NULL;
	tf_sink *sink = NULL;
	tf_pipeline *p = NULL;
	if ((err = make_source(&src, errbuf, sizeof errbuf))) {
		fprintf(stderr, "tickflow ingest: %s\n", errbuf);
		rc = err == TF_ERR_USAGE ? TF_EXIT_USAGE : TF_EXIT_FAILURE;
		goto out;
	}
	tf_sink_kafka_stats ks = {0};
	if ((err = make_sink(&sink, &ks, errbuf, sizeof errbuf))) {
		fprintf(stderr, "tickflow ingest: %s\n", errbuf);
		rc = err == TF_ERR_USAGE ? TF_EXIT_USAGE : TF_EXIT_FAILURE;
		goto out;
	}
	tf_pipeline_opts po = {
		.source = src,
		.sink = sink,
		.record_path = g.record,
		.max_message = (size_t)g.max_message,
		.decode = g.decode,
		.limit = (uint64_t)g.limit,
		.duration_ms = g.duration,
		.stop = tf_run_stop_flag(),
	};
	if ((err = tf_pipeline_new(&po, &p, errbuf, sizeof errbuf))) {
		fprintf(stderr, "tickflow ingest: %s\n", errbuf);
		goto out;
	}
	tf_run_signals(); /* no SA_RESTART: blocking waits return early and see the stop flag */
	tf_info("reading %s", src->name);
	tf_run_ready();
	int64_t t0 = tf_mono_ms();
	err = tf_pipeline_run(p);
	int64_t elapsed = tf_mono_ms() - t0;
	tf_err cerr = tf_sink_close(sink);
	sink = NULL;
	report(tf_pipeline_stats_get(p), elapsed, g.out ? NULL : &ks);
	if (err && src->error && err != TF_ERR_IO)
		fprintf(stderr, "tickflow ingest: %s: %s\n", src->name, src->error(src)[0] ? src->error(src) : tf_err_str(err));
	rc = err || cerr ? TF_EXIT_FAILURE : TF_EXIT_OK;
out:
	tf_pipeline_free(p);
	tf_sink_close(sink);
	tf_source_free(src);
	return rc;
}

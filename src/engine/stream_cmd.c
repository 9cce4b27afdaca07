/* stream_cmd.c — `tickflow stream`: one member of a librdkafka consumer group on the ticks topic.
 *
 * The consumer thread (this file) only serves the group: on assignment it reads each partition's
 * next offset and engine state from the store, hands the partition to a worker thread (round
 * robin, like one Spark task per partition), forwards the partition's queue to that worker and
 * assigns at the stored offset; on revocation it makes every worker commit and forget its
 * partitions before giving them up. Workers (worker.c) do the processing and the transactions.
 *
 * Starting position of a partition: --from earliest|latest|<ISO time> (the first time this
 * process is given the partition: its stored state is dropped and tables are rebuilt from there;
 * upserts make a rebuild over the same log give the same tables); otherwise the store's offset;
 * a partition the store has never seen starts at the beginning of the log. */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/opt.h"
#include "base/run.h"
#include "cmd.h"
#include "engine/worker.h"

#define MAX_WORKERS 64
#define MAX_PARTITIONS 4096

typedef struct {
	tf_worker_cfg wcfg;
	const char *from; /* NULL: stored offsets */
	int64_t from_ms;
	tf_store *store;  /* the consumer thread's own connection (offsets, state) */
	tf_worker *workers[MAX_WORKERS];
	int nworkers, next_worker;
	uint8_t reset_done[MAX_PARTITIONS];
	tf_worker_stats stats;
	bool assigned;
} stream;

static atomic_int restore_failed; /* a partition could not be restored: stop, exit 1 */
static const char *brokers_opt;
static atomic_int brokers_down_logged; /* the "cannot reach broker" line was logged for this outage */

/* "2024-03-10T12:00:00Z" / "2024-03-10T12:00:00.250Z" / "2024-03-10" (UTC) into ms. */
static tf_err parse_iso(const char *s, int64_t *ms)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end) {
		memset(&tm, 0, sizeof tm);
		end = strptime(s, "%Y-%m-%d", &tm);
	}
	if (!end)
		return TF_ERR_USAGE;
	int64_t frac = 0;
	if (*end == '.') {
		int digits = 0;
		for (end++; *end >= '0' && *end <= '9'; end++, digits++)
			if (digits < 3)
				frac = frac * 10 + (*end - '0');
		for (; digits < 3; digits++)
			frac *= 10;
	}
	if (*end == 'Z')
		end++;
	if (*end)
		return TF_ERR_USAGE;
	*ms = (int64_t)timegm(&tm) * 1000 + frac;
	return TF_OK;
}

/* ---- restoring a partition from the store ---- */

static tf_err load_blob(void *ud, const char *symbol, const void *blob, size_t len)
{
	tf_engine *e = ud;
	return symbol[0] ? tf_engine_load_symbol(e, blob, len) : tf_engine_load_partition(e, blob, len);
}

/* Called between attempts of a store call that failed with TF_ERR_AGAIN: logs once, backs off. */
static void retry_wait(tf_store *store, int attempt)
{
	if (!attempt)
		tf_warn("store unavailable (%s); retrying", tf_store_error(store));
	int64_t ms = attempt < 6 ? 100LL << attempt : 5000;
	usleep((useconds_t)(ms > 5000 ? 5000 : ms) * 1000);
}

/* Builds the engine of partition p and decides its offset (elem->offset) and counters. */
static tf_err restore(stream *st, rd_kafka_t *rk, rd_kafka_topic_partition_t *elem, tf_engine **out, int64_t *next,
		      tf_stream_counts *counts)
{
	const char *g = st->wcfg.group, *t = st->wcfg.topic;
	int32_t p = elem->partition;
	tf_engine *e = NULL;
	tf_err err = tf_engine_new(&st->wcfg.engine, &e);
	if (err)
		return err;
	char scope[16];
	snprintf(scope, sizeof scope, "p%d", (int)p);
	tf_engine_set_scope(e, scope);
	*next = -1;
	*counts = (tf_stream_counts){0};
	if (st->from && p < MAX_PARTITIONS && !st->reset_done[p]) {
		st->reset_done[p] = 1;
		for (int k = 0; (err = tf_store_reset_partition(st->store, g, t, p)) == TF_ERR_AGAIN && !tf_run_stopping(); k++)
			retry_wait(st->store, k);
		if (err)
			goto fail;
		if (!strcmp(st->from, "earliest")) {
			elem->offset = RD_KAFKA_OFFSET_BEGINNING;
		} else if (!strcmp(st->from, "latest")) {
			elem->offset = RD_KAFKA_OFFSET_END;
		} else {
			rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
			rd_kafka_topic_partition_list_add(l, t, p)->offset = st->from_ms;
			rd_kafka_resp_err_t kerr = rd_kafka_offsets_for_times(rk, l, 10000);
			elem->offset = kerr ? RD_KAFKA_OFFSET_BEGINNING : l->elems[0].offset < 0 ? RD_KAFKA_OFFSET_END : l->elems[0].offset;
			if (kerr)
				tf_warn("partition %d: cannot look up --from %s (%s); starting at the beginning", (int)p,
					st->from, rd_kafka_err2str(kerr));
			rd_kafka_topic_partition_list_destroy(l);
		}
		tf_info("partition %d: rebuilding from %s", (int)p, st->from);
		*out = e;
		return TF_OK;
	}
	bool found = false;
	int64_t off = 0;
	for (int k = 0; (err = tf_store_get_offset(st->store, g, t, p, &off, counts, &found)) == TF_ERR_AGAIN && !tf_run_stopping(); k++)
		retry_wait(st->store, k);
	if (err)
		goto fail;
	if (!found) {
		elem->offset = RD_KAFKA_OFFSET_BEGINNING;
		tf_info("partition %d: no stored offset; starting at the beginning of the log", (int)p);
		*out = e;
		return TF_OK;
	}
	/* load into a fresh engine each attempt, so a retry after a lost connection starts clean */
	for (;;) {
		err = tf_store_load_state(st->store, g, t, p, load_blob, e);
		if (err != TF_ERR_AGAIN || tf_run_stopping())
			break;
		tf_engine_free(e);
		e = NULL;
		retry_wait(st->store, 3);
		if ((err = tf_engine_new(&st->wcfg.engine, &e)))
			return err;
		tf_engine_set_scope(e, scope);
	}
	if (err) {
		tf_error("partition %d: stored engine state is unusable (%s); rebuild with --from earliest",
			 (int)p, err == TF_ERR_PARSE || err == TF_ERR_RANGE ? "corrupt" : tf_store_error(st->store));
		goto fail;
	}
	elem->offset = off;
	*next = off;
	tf_engine_stats es;
	tf_engine_stats_get(e, &es);
	tf_info("partition %d: resuming at offset %" PRId64 " with %zu symbols restored", (int)p, off, es.symbols);
	*out = e;
	return TF_OK;
fail:
	tf_engine_free(e);
	return err;
}

/* ---- rebalancing ---- */

static void forward(rd_kafka_t *rk, const char *topic, int32_t p, rd_kafka_queue_t *to)
{
	rd_kafka_queue_t *pq = rd_kafka_queue_get_partition(rk, topic, p);
	if (pq) {
		rd_kafka_queue_forward(pq, to);
		rd_kafka_queue_destroy(pq);
	}
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	stream *st = opaque;
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		for (int i = 0; i < parts->cnt; i++) {
			rd_kafka_topic_partition_t *el = &parts->elems[i];
			tf_engine *e = NULL;
			int64_t next;
			tf_stream_counts counts;
			if (restore(st, rk, el, &e, &next, &counts)) {
				atomic_store(&restore_failed, 1);
				rd_kafka_assign(rk, NULL);
				return;
			}
			tf_worker *w = st->workers[st->next_worker++ % st->nworkers];
			tf_worker_adopt(w, el->partition, e, next, &counts);
			forward(rk, el->topic, el->partition, tf_worker_queue(w));
		}
		rd_kafka_assign(rk, parts);
		st->assigned = true;
		atomic_store(&brokers_down_logged, 0);
		atomic_store(&st->stats.last_record_mono_ms, tf_mono_ms()); /* --exit-idle counts from here */
		tf_info("assigned %d partition%s of %s", parts->cnt, parts->cnt == 1 ? "" : "s", st->wcfg.topic);
	} else {
		for (int i = 0; i < st->nworkers; i++)
			tf_worker_release_all(st->workers[i]);
		for (int i = 0; i < parts->cnt; i++)
			forward(rk, parts->elems[i].topic, parts->elems[i].partition, NULL);
		rd_kafka_assign(rk, NULL);
		tf_info("released %d partition%s (results committed)", parts->cnt, parts->cnt == 1 ? "" : "s");
	}
}

/* ---- setup ---- */

static bool conf_set(rd_kafka_conf_t *c, const char *k, const char *v)
{
	char errstr[256];
	if (rd_kafka_conf_set(c, k, v, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
		fprintf(stderr, "tickflow stream: librdkafka %s=%s: %s\n", k, v, errstr);
		return false;
	}
	return true;
}

/* librdkafka's own log: only critical lines; errors come through on_kafka_error. */
static void on_kafka_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	if (level <= 2)
		tf_warn("kafka: %s: %s", fac, buf);
}

/* One clear line per outage instead of librdkafka's per-connection noise (it keeps retrying). */
static void on_kafka_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
		if (!atomic_exchange(&brokers_down_logged, 1))
			tf_error("cannot reach broker %s (%s); start one with 'tickflow broker' or pass --brokers; retrying",
				 brokers_opt, reason);
	} else if (err != RD_KAFKA_RESP_ERR__TRANSPORT) {
		tf_warn("kafka: %s", reason);
	}
}

static rd_kafka_t *make_client(rd_kafka_type_t type, const char *brokers, const char *group, int64_t session_ms,
			       stream *st)
{
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	char num[32];
	/* no Nagle: small fetch requests and bus batches go out at once (latency, issue 5) */
	bool ok = conf_set(c, "bootstrap.servers", brokers) && conf_set(c, "client.id", "tickflow-stream") &&
		  conf_set(c, "socket.nagle.disable", "true");
	if (type == RD_KAFKA_CONSUMER) {
		snprintf(num, sizeof num, "%lld", (long long)session_ms);
		ok = ok && conf_set(c, "group.id", group) && conf_set(c, "enable.auto.commit", "true") &&
		     conf_set(c, "enable.auto.offset.store", "false") && conf_set(c, "auto.offset.reset", "earliest") &&
		     conf_set(c, "session.timeout.ms", num);
		/* librdkafka prefetches up to 64 MB per consumer by default, held as one allocation per
		 * record: with a consumer per thread that was most of the stream's memory (420 MB resident
		 * over bench/engine_pipeline.sh's 400,000 records) and heap growth its page faults. 16 MB
		 * is still ~90,000 records, a second of a 100,000 records/s feed, per thread. */
		ok = ok && conf_set(c, "queued.max.messages.kbytes", "16384");
		snprintf(num, sizeof num, "%lld", (long long)(session_ms / 4 > 100 ? session_ms / 4 : 100));
		ok = ok && conf_set(c, "heartbeat.interval.ms", num);
		rd_kafka_conf_set_rebalance_cb(c, on_rebalance);
	} else {
		/* the live bus publishes a burst every --publish-interval: 1 ms gathers the burst into one
		 * request without adding much to tick-to-browser latency */
		ok = ok && conf_set(c, "linger.ms", "1");
	}
	rd_kafka_conf_set_log_cb(c, on_kafka_log);
	rd_kafka_conf_set_error_cb(c, on_kafka_error);
	rd_kafka_conf_set_opaque(c, st);
	if (!ok) {
		rd_kafka_conf_destroy(c);
		return NULL;
	}
	char errstr[256];
	rd_kafka_t *rk = rd_kafka_new(type, c, errstr, sizeof errstr);
	if (!rk) {
		fprintf(stderr, "tickflow stream: cannot create a Kafka client: %s\n", errstr);
		rd_kafka_conf_destroy(c);
	}
	return rk;
}

int tf_cmd_stream(int argc, char **argv)
{
	const char *brokers, *group, *topic, *dlq, *store_url, *intervals, *from, *bus_candles, *bus_alerts, *watch_topic;
	int64_t lateness, threads, commit_ms, batch, stale, session, exit_idle, max_symbols, ret_min, retention;
	int64_t slide, slide_size, publish_ms, publish_rate;
	const char *influx_url;
	bool store_ticks;
	double change_pct, ret_k, trend_z;
	tf_opt opts[] = {
		{"brokers", TF_OPT_STR, "127.0.0.1:9092", "Kafka bootstrap servers (tickflow broker or a Kafka cluster)", &brokers, 0, 0, NULL},
		{"group", TF_OPT_STR, "tickflow", "consumer group: members share the partitions", &group, 0, 0, NULL},
		{"topic", TF_OPT_STR, "ticks", "topic of ticks (key = symbol, value = event JSON)", &topic, 0, 0, NULL},
		{"dlq-topic", TF_OPT_STR, "ticks.dlq", "topic for late and undecodable records (header 'reason')", &dlq, 0, 0, NULL},
		{"candles-topic", TF_OPT_STR, "candles.1m", "live bus: changed candles of the smallest interval (\"\" = off)", &bus_candles, 0, 0, NULL},
		{"alerts-topic", TF_OPT_STR, "alerts", "live bus: new alerts (\"\" = off)", &bus_alerts, 0, 0, NULL},
		{"watch-topic", TF_OPT_STR, "live.watch", "live bus: the symbols dashboards show (written by serve), published at every change outside --publish-rate (\"\" = off)", &watch_topic, 0, 0, NULL},
		{"store", TF_OPT_STR, "sqlite:tickflow.db", "sqlite:PATH or postgresql://user@host:port/db", &store_url, 0, 0, NULL},
		{"intervals", TF_OPT_STR, "1m,5m,1h", "candle intervals, each a multiple of the first", &intervals, 0, 0, NULL},
		{"lateness", TF_OPT_DURATION, "2s", "allowed lateness: watermark = max event time - lateness", &lateness, 0, 0, NULL},
		{"threads", TF_OPT_INT, "0", "worker threads (0 = number of cores)", &threads, 0, MAX_WORKERS, NULL},
		{"from", TF_OPT_STR, NULL, "earliest|latest|ISO time: rebuild tables from there instead of the stored offsets", &from, 0, 0, NULL},
		{"commit-interval", TF_OPT_DURATION, "1s", "commit results and offsets at least this often", &commit_ms, 0, 0, NULL},
		{"publish-interval", TF_OPT_DURATION, "1ms", "live bus: publish changed candles and alerts this often, ahead of the commit", &publish_ms, 0, 60000, NULL},
		{"publish-rate", TF_OPT_INT, "2000", "live bus: at most this many messages/s per thread on average; more changes are coalesced (0 = no cap)", &publish_rate, 0, 100000000, NULL},
		/* 500,000, not 100,000: at 100,000 records/s a 100,000 batch filled as the commit interval
		 * ended, and whenever the store took longer than a second (SQLite: 0.4-0.9 s a batch) the full
		 * batch waited for the one before: the worker stopped for up to 300 ms, and with it every
		 * tick on its way to a dashboard (tick-to-bus p99 216-1,205 ms against 30-44 ms) */
		{"batch", TF_OPT_INT, "500000", "at most this many records per store transaction (the commit interval cuts batches; a full one waits for the previous commit)", &batch, 1, 10000000, NULL},
		{"change-pct", TF_OPT_DOUBLE, "5", "alert when |24 h change| exceeds this many percent", &change_pct, 0, 0, NULL},
		{"return-k", TF_OPT_DOUBLE, "4", "alert when a candle return is beyond k standard deviations", &ret_k, 0, 0, NULL},
		{"return-samples", TF_OPT_INT, "10", "returns needed before the k-sigma alert can fire", &ret_min, 2, 32, NULL},
		{"stale", TF_OPT_DURATION, "60s", "alert when a symbol has no update for this long (event time)", &stale, 0, 0, NULL},
		{"slide", TF_OPT_DURATION, "5s", "sliding windows (table rates): slide ...", &slide, 0, 0, NULL},
		{"slide-size", TF_OPT_DURATION, "1m", "... and size, a multiple of the slide", &slide_size, 0, 0, NULL},
		{"trend-z", TF_OPT_DOUBLE, "4", "trend alert when a window's updates are beyond z sigma of its history", &trend_z, 0, 0, NULL},
		{"max-symbols", TF_OPT_INT, "100000", "symbols per partition before records go to the DLQ", &max_symbols, 1, 10000000, NULL},
		/* off: the broker's log already holds every tick, and at 100,000 records/s their inserts
		 * are two thirds of the SQLite writer's time (bench/latency_browser.sh, LAT_UP_ARGS) */
		{"store-ticks", TF_OPT_BOOL, "true", "keep every tick in table ticks too (--no-store-ticks: candles, alerts and rates only; the topic keeps the ticks for its retention)", &store_ticks, 0, 0, NULL},
		{"retention", TF_OPT_DURATION, "0s", "delete ticks older than this behind the newest (0 = keep all)", &retention, 0, 0, NULL},
		{"session-timeout", TF_OPT_DURATION, "10s", "consumer group session timeout (a dead member's partitions move after it)", &session, 0, 0, NULL},
		{"influx", TF_OPT_STR, NULL, "also write candles and alerts to InfluxDB: http://127.0.0.1:8086/write?db=tickflow", &influx_url, 0, 0, NULL},
		{"exit-idle", TF_OPT_DURATION, "0s", "exit 0 after this long without records (0 = run until SIGINT/SIGTERM)", &exit_idle, 0, 0, NULL},
		{NULL, 0, NULL, NULL, NULL, 0, 0, NULL},
	};
	tf_cmd_spec spec = {"stream", "the stream engine: candles, indicators and alerts into the store",
			    "One member of a Kafka consumer group on --topic. Builds event-time candles per symbol for "
			    "each --intervals, indicators and alerts, and writes them with the consumed offsets in one "
			    "store transaction (exactly-once: kill it at any instant and restart, the tables come out "
			    "the same). Late and undecodable records go to --dlq-topic with a 'reason' header.",
			    opts};
	tf_opt_outcome outcome;
	if (tf_opt_parse(&spec, argc, argv, &outcome) != TF_OK)
		return TF_EXIT_USAGE;
	if (outcome == TF_OPT_HELP_SHOWN)
		return TF_EXIT_OK;
	static stream st;
	memset(&st, 0, sizeof st);
	tf_worker_cfg *wc = &st.wcfg;
	wc->store_url = store_url;
	wc->group = group;
	wc->topic = topic;
	wc->dlq_topic = dlq;
	wc->candles_topic = bus_candles ? bus_candles : "";
	wc->alerts_topic = bus_alerts ? bus_alerts : "";
	wc->commit_interval_ms = commit_ms;
	wc->publish_interval_ms = publish_ms;
	wc->publish_rate = publish_rate;
	wc->batch_max = batch;
	wc->retention_ms = retention;
	wc->store_ticks = store_ticks;
	tf_engine_cfg_default(&wc->engine);
	wc->engine.lateness_ms = lateness;
	wc->engine.change_pct = change_pct;
	wc->engine.return_k = ret_k;
	wc->engine.return_min_samples = (int)ret_min;
	wc->engine.stale_ms = stale;
	wc->engine.max_symbols = (size_t)max_symbols;
	wc->engine.slide_ms = slide;
	wc->engine.slide_size_ms = slide_size;
	wc->engine.trend_z = trend_z;
	char why[300];
	if (tf_engine_parse_intervals(intervals, &wc->engine)) {
		fprintf(stderr, "tickflow stream: --intervals '%s' is not a list like 1m,5m,1h\n", intervals);
		return TF_EXIT_USAGE;
	}
	if (tf_engine_cfg_check(&wc->engine, why, sizeof why)) {
		fprintf(stderr, "tickflow stream: %s\n", why);
		return TF_EXIT_USAGE;
	}
	st.from = from;
	brokers_opt = brokers;
	if (from && strcmp(from, "earliest") && strcmp(from, "latest") && parse_iso(from, &st.from_ms)) {
		fprintf(stderr, "tickflow stream: --from '%s' is not earliest, latest or an ISO time (2024-03-10T12:00:00Z)\n", from);
		return TF_EXIT_USAGE;
	}
	if (threads == 0)
		threads = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
	if (threads > MAX_WORKERS)
		threads = MAX_WORKERS;
	int rc = TF_EXIT_FAILURE;
	rd_kafka_t *rk = NULL, *producer = NULL;
	tf_run_signals();
	tf_err err;
	for (int k = 0; (err = tf_store_open(store_url, &st.store, why, sizeof why)) == TF_ERR_AGAIN && !tf_run_stopping(); k++) {
		if (!k)
			tf_warn("store unavailable (%s); retrying", why);
		usleep(k < 6 ? (100000u << k) : 5000000u);
	}
	if (err) {
		fprintf(stderr, "tickflow stream: cannot open the store: %s\n", why);
		return err == TF_ERR_USAGE ? TF_EXIT_USAGE : TF_EXIT_FAILURE;
	}
	if (influx_url && tf_influx_open(&(tf_influx_cfg){.url = influx_url}, &wc->influx, why, sizeof why)) {
		fprintf(stderr, "tickflow stream: --influx: %s\n", why);
		rc = TF_EXIT_USAGE;
		goto out;
	}
	if (!(producer = make_client(RD_KAFKA_PRODUCER, brokers, group, session, &st)) ||
	    !(rk = make_client(RD_KAFKA_CONSUMER, brokers, group, session, &st)))
		goto out;
	rd_kafka_poll_set_consumer(rk);
	if (watch_topic && watch_topic[0] && wc->candles_topic[0] &&
	    (err = tf_watch_start(brokers, watch_topic, &wc->watch, why, sizeof why))) {
		fprintf(stderr, "tickflow stream: %s\n", why);
		goto out;
	}
	for (int i = 0; i < threads; i++) {
		if ((err = tf_worker_start(wc, rk, producer, &st.stats, &st.workers[i], why, sizeof why))) {
			fprintf(stderr, "tickflow stream: %s\n", why);
			goto out;
		}
		st.nworkers++;
	}
	rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(sub, topic, RD_KAFKA_PARTITION_UA);
	rd_kafka_resp_err_t kerr = rd_kafka_subscribe(rk, sub);
	rd_kafka_topic_partition_list_destroy(sub);
	if (kerr) {
		fprintf(stderr, "tickflow stream: cannot subscribe to %s: %s\n", topic, rd_kafka_err2str(kerr));
		goto out;
	}
	tf_info("group %s, topic %s, store %s, %d thread%s", group, topic, tf_store_kind(st.store), st.nworkers,
		st.nworkers == 1 ? "" : "s");
	atomic_store(&st.stats.last_record_mono_ms, tf_mono_ms());
	int64_t last_log = tf_mono_ms(), last_records = 0;
	tf_run_ready();
	while (!tf_run_stopping() && !atomic_load(&restore_failed)) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
		if (m) {
			if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				tf_warn("consumer: %s", rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
		}
		rd_kafka_poll(producer, 0);
		int64_t now = tf_mono_ms();
		if (atomic_load(&st.stats.store_down) || atomic_load(&st.stats.committing))
			atomic_store(&st.stats.last_record_mono_ms, now); /* waiting for the store is not idleness */
		if (exit_idle > 0 && st.assigned && now - atomic_load(&st.stats.last_record_mono_ms) > exit_idle) {
			tf_info("no records for %lld ms; exiting (--exit-idle)", (long long)exit_idle);
			break;
		}
		if (now - last_log >= 10000) {
			long long r = atomic_load(&st.stats.records);
			tf_info("%lld records (%.0f/s), %lld late, %lld to %s, %lld commits", r,
				(double)(r - last_records) * 1000.0 / (double)(now - last_log), (long long)atomic_load(&st.stats.late),
				(long long)atomic_load(&st.stats.dlq), dlq, (long long)atomic_load(&st.stats.commits));
			last_log = now;
			last_records = r;
		}
	}
	rc = atomic_load(&restore_failed) ? TF_EXIT_FAILURE : TF_EXIT_OK;
	rd_kafka_consumer_close(rk); /* revokes: workers commit and forget their partitions */
out:
	for (int i = 0; i < st.nworkers; i++)
		tf_worker_stop(st.workers[i]);
	tf_watch_stop(wc->watch);
	if (rk)
		rd_kafka_destroy(rk);
	if (producer) {
		if (rd_kafka_flush(producer, 10000))
			tf_warn("%d dead-letter records not delivered", rd_kafka_outq_len(producer));
		rd_kafka_destroy(producer);
	}
	tf_store_close(st.store);
	tf_influx_close(wc->influx, NULL); /* after the workers: their last commits are queued */
	tf_info("stopped after %lld records (%lld late, %lld to %s)", (long long)atomic_load(&st.stats.records),
		(long long)atomic_load(&st.stats.late), (long long)atomic_load(&st.stats.dlq), dlq);
	return rc;
}

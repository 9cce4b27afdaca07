/* rdk_bench.c — librdkafka load for bench/broker.sh: produce N records of 100 bytes (acks=all) and
 * time it, consume them back from the beginning and time it, then measure produce-to-consume latency
 * at a fixed rate (p50/p99). The target is a broker address or "mock", librdkafka's own in-process
 * mock cluster (rd_kafka_mock_cluster_new), measured the same way for comparison.
 *
 *   rdk_bench TARGET N RATE SECONDS   ->  one line: "produce_rps produce_MBps consume_rps p50_ms p99_ms"
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define VALUE 100

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void set(rd_kafka_conf_t *c, const char *k, const char *v)
{
	char err[256];
	if (rd_kafka_conf_set(c, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) {
		fprintf(stderr, "%s: %s\n", k, err);
		exit(2);
	}
}

static long acked;
static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *o)
{
	if (!m->err)
		acked++;
}

static rd_kafka_t *producer(const char *brokers, const char *linger)
{
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	set(c, "bootstrap.servers", brokers);
	set(c, "linger.ms", linger);
	if (getenv("RDK_DEBUG"))
		set(c, "debug", getenv("RDK_DEBUG"));
	set(c, "queue.buffering.max.messages", "1000000");
	set(c, "batch.num.messages", "100000");
	set(c, "batch.size", "4000000");
	rd_kafka_conf_set_dr_msg_cb(c, dr_cb);
	char err[256];
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
	if (!rk) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	return rk;
}

static rd_kafka_t *consumer(const char *brokers, const char *topic, int nparts, int64_t start)
{
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	set(c, "bootstrap.servers", brokers);
	set(c, "group.id", "bench");
	set(c, "enable.auto.commit", "false");
	set(c, "fetch.wait.max.ms", "100");
	set(c, "queued.min.messages", "1000000");
	char err[256];
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err);
	if (!rk)
		exit(1);
	rd_kafka_poll_set_consumer(rk);
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(nparts);
	for (int p = 0; p < nparts; p++)
		rd_kafka_topic_partition_list_add(l, topic, p)->offset = start;
	rd_kafka_assign(rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	return rk;
}

static double produce_n(const char *brokers, const char *topic, long n)
{
	rd_kafka_t *rk = producer(brokers, "5");
	char val[VALUE];
	memset(val, 'x', sizeof val);
	acked = 0;
	/* warm-up: metadata and connection */
	rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(val, sizeof val), RD_KAFKA_V_END);
	rd_kafka_flush(rk, 10000);
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(val, sizeof val),
					 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
			rd_kafka_poll(rk, 1);
	}
	rd_kafka_flush(rk, 60000);
	double dt = now_s() - t0;
	if (acked != n + 1)
		fprintf(stderr, "only %ld of %ld acknowledged\n", acked, n + 1);
	rd_kafka_destroy(rk);
	return n / dt;
}

static double consume_n(const char *brokers, const char *topic, int nparts, long n)
{
	rd_kafka_t *rk = consumer(brokers, topic, nparts, RD_KAFKA_OFFSET_BEGINNING);
	long got = 0;
	double t0 = 0;
	while (got < n) {
		if (t0 && now_s() - t0 > 20) { /* the rate so far is the answer; keeps `make bench` short */
			fprintf(stderr, "consume: stopped after 20 s at %ld of %ld records\n", got, n);
			break;
		}
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 1000);
		if (!m)
			continue;
		if (!m->err) {
			if (!t0)
				t0 = now_s();
			got++;
		}
		rd_kafka_message_destroy(m);
	}
	double dt = now_s() - t0;
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return got / dt;
}

struct lat_args {
	const char *brokers, *topic;
	int rate, seconds;
};

static void *lat_producer(void *p)
{
	struct lat_args *a = p;
	rd_kafka_t *rk = producer(a->brokers, "0");
	char val[VALUE];
	memset(val, 'y', sizeof val);
	long total = (long)a->rate * a->seconds;
	double t0 = now_s();
	for (long i = 0; i < total; i++) {
		double due = t0 + (double)i / a->rate;
		while (now_s() < due) /* sleep, not spin: two cores are shared with the broker and consumer */
			rd_kafka_poll(rk, 1);
		double t = now_s();
		memcpy(val, &t, sizeof t);
		while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(a->topic), RD_KAFKA_V_VALUE(val, sizeof val),
					 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
			rd_kafka_poll(rk, 1);
	}
	rd_kafka_flush(rk, 10000);
	if (rd_kafka_outq_len(rk) > 0)
		fprintf(stderr, "latency producer: %d records not delivered\n", rd_kafka_outq_len(rk));
	rd_kafka_destroy(rk);
	return NULL;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void latency(const char *brokers, const char *topic, int nparts, int rate, int seconds, double *p50, double *p99)
{
	/* Create the topic first, or the consumer resolves END only after auto-creation and skips. */
	rd_kafka_t *pk = producer(brokers, "0");
	rd_kafka_producev(pk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE("warm", 4), RD_KAFKA_V_END);
	rd_kafka_flush(pk, 10000);
	rd_kafka_destroy(pk);
	rd_kafka_t *rk = consumer(brokers, topic, nparts, RD_KAFKA_OFFSET_END);
	/* Start producing only once every partition has a fetch position (END resolved). */
	rd_kafka_topic_partition_list_t *pos = rd_kafka_topic_partition_list_new(nparts);
	for (int p = 0; p < nparts; p++)
		rd_kafka_topic_partition_list_add(pos, topic, p);
	for (int i = 0; i < 100; i++) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 50);
		if (m)
			rd_kafka_message_destroy(m);
		rd_kafka_position(rk, pos);
		int ready = 0;
		for (int p = 0; p < nparts; p++)
			ready += pos->elems[p].offset >= 0;
		if (ready == nparts)
			break;
	}
	rd_kafka_topic_partition_list_destroy(pos);
	long total = (long)rate * seconds, got = 0;
	double *lat = calloc((size_t)total, sizeof *lat);
	struct lat_args a = {brokers, topic, rate, seconds};
	pthread_t th;
	pthread_create(&th, NULL, lat_producer, &a);
	double end = now_s() + seconds + 15;
	while (got < total && now_s() < end) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
		if (!m)
			continue;
		if (!m->err && m->len == VALUE) {
			double t;
			memcpy(&t, m->payload, sizeof t);
			lat[got++] = (now_s() - t) * 1000;
		}
		rd_kafka_message_destroy(m);
	}
	pthread_join(th, NULL);
	qsort(lat, (size_t)got, sizeof *lat, cmp_d);
	*p50 = got ? lat[got / 2] : -1;
	*p99 = got ? lat[(long)(got * 0.99)] : -1;
	if (got < total)
		fprintf(stderr, "latency: only %ld of %ld records seen\n", got, total);
	free(lat);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: rdk_bench TARGET|mock N RATE SECONDS\n");
		return 2;
	}
	long n = strtol(argv[2], NULL, 10);
	int rate = (int)strtol(argv[3], NULL, 10), seconds = (int)strtol(argv[4], NULL, 10);
	const char *brokers = argv[1];
	rd_kafka_t *mock_rk = NULL;
	rd_kafka_mock_cluster_t *mc = NULL;
	int nparts = 4;
	if (!strcmp(brokers, "mock")) {
		char err[256];
		rd_kafka_conf_t *c = rd_kafka_conf_new();
		mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
		mc = rd_kafka_mock_cluster_new(mock_rk, 1);
		rd_kafka_mock_topic_create(mc, "bench", nparts, 1);
		rd_kafka_mock_topic_create(mc, "lat", nparts, 1);
		brokers = rd_kafka_mock_cluster_bootstraps(mc);
	}
	double prps = produce_n(brokers, "bench", n);
	double crps = consume_n(brokers, "bench", nparts, n + 1);
	double p50, p99;
	latency(brokers, "lat", nparts, rate, seconds, &p50, &p99);
	printf("%.0f %.1f %.0f %.2f %.2f\n", prps, prps * VALUE / 1e6, crps, p50, p99);
	if (mc)
		rd_kafka_mock_cluster_destroy(mc);
	if (mock_rk)
		rd_kafka_destroy(mock_rk);
	return 0;
}

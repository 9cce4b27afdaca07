/* rdk_check.c — a librdkafka 2.0.2 client used by tests/integration/broker_rdkafka.sh against
 * `tickflow broker`. Built by that script with `cc ... -lrdkafka`.
 *
 *   rdk_check produce BROKER TOPIC N CODEC IDEMPOTENT [PARTITION TS0]
 *       N records key "k<i%50>" value "v<i>", acks=all; exits 1 unless all N are delivered.
 *       With PARTITION >= 0 all go there with timestamps TS0+i.
 *   rdk_check consume BROKER TOPIC GROUP N
 *       high-level consumer (earliest), reads exactly N records, prints "value" lines, commits them
 *       synchronously, closes; exits 1 on timeout (30 s) or error.
 *   rdk_check times BROKER TOPIC PARTITION TS
 *       prints the offset offsets_for_times returns for TS.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

static int delivered, failed;

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	if (m->err) {
		if (failed++ < 5)
			fprintf(stderr, "delivery failed: %s\n", rd_kafka_err2str(m->err));
	} else {
		delivered++;
	}
}

static rd_kafka_conf_t *conf_new(const char *brokers)
{
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	char err[256];
	if (rd_kafka_conf_set(c, "bootstrap.servers", brokers, err, sizeof err) != RD_KAFKA_CONF_OK) {
		fprintf(stderr, "%s\n", err);
		exit(2);
	}
	return c;
}

static void set(rd_kafka_conf_t *c, const char *k, const char *v)
{
	char err[256];
	if (rd_kafka_conf_set(c, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) {
		fprintf(stderr, "%s=%s: %s\n", k, v, err);
		exit(2);
	}
}

static int produce(const char *brokers, const char *topic, int n, const char *codec, int idem, int part, int64_t ts0)
{
	rd_kafka_conf_t *c = conf_new(brokers);
	set(c, "compression.codec", codec);
	set(c, "enable.idempotence", idem ? "true" : "false");
	set(c, "linger.ms", "5");
	rd_kafka_conf_set_dr_msg_cb(c, dr_cb);
	char err[256];
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
	if (!rk) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char key[32], val[64];
		snprintf(key, sizeof key, "k%d", i % 50);
		snprintf(val, sizeof val, "v%d", i);
		rd_kafka_resp_err_t e;
		for (;;) {
			e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
					      RD_KAFKA_V_VALUE(val, strlen(val)), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
					      RD_KAFKA_V_PARTITION(part >= 0 ? part : RD_KAFKA_PARTITION_UA),
					      RD_KAFKA_V_TIMESTAMP(part >= 0 ? ts0 + i : 0), RD_KAFKA_V_END);
			if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
				break;
			rd_kafka_poll(rk, 10);
		}
		if (e) {
			fprintf(stderr, "produce: %s\n", rd_kafka_err2str(e));
			return 1;
		}
		rd_kafka_poll(rk, 0);
	}
	rd_kafka_flush(rk, 30000);
	rd_kafka_destroy(rk);
	printf("delivered %d failed %d\n", delivered, failed);
	return delivered == n && failed == 0 ? 0 : 1;
}

static int consume(const char *brokers, const char *topic, const char *group, int n)
{
	rd_kafka_conf_t *c = conf_new(brokers);
	set(c, "group.id", group);
	set(c, "auto.offset.reset", "earliest");
	set(c, "enable.auto.commit", "false");
	set(c, "enable.auto.offset.store", "false");
	char err[256];
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err);
	if (!rk) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	rd_kafka_poll_set_consumer(rk);
	rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(sub, topic, RD_KAFKA_PARTITION_UA);
	rd_kafka_subscribe(rk, sub);
	rd_kafka_topic_partition_list_destroy(sub);
	int got = 0, rc = 0;
	time_t deadline = time(NULL) + 30;
	while (got < n) {
		if (time(NULL) > deadline) {
			fprintf(stderr, "timeout after %d of %d records\n", got, n);
			rc = 1;
			break;
		}
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
		if (!m)
			continue;
		if (m->err) {
			if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				fprintf(stderr, "consume: %s\n", rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
			continue;
		}
		printf("%.*s\n", (int)m->len, (const char *)m->payload);
		rd_kafka_topic_partition_list_t *o = rd_kafka_topic_partition_list_new(1);
		rd_kafka_topic_partition_list_add(o, topic, m->partition)->offset = m->offset + 1;
		rd_kafka_offsets_store(rk, o);
		rd_kafka_topic_partition_list_destroy(o);
		got++;
		rd_kafka_message_destroy(m);
	}
	rd_kafka_resp_err_t e = rd_kafka_commit(rk, NULL, 0);
	if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET) {
		fprintf(stderr, "commit: %s\n", rd_kafka_err2str(e));
		rc = 1;
	}
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return rc;
}

static int times(const char *brokers, const char *topic, int part, int64_t ts)
{
	char err[256];
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf_new(brokers), err, sizeof err);
	if (!rk)
		return 1;
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, topic, part)->offset = ts;
	rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(rk, l, 10000);
	int rc = 0;
	if (e || l->elems[0].err) {
		fprintf(stderr, "offsets_for_times: %s\n", rd_kafka_err2str(e ? e : l->elems[0].err));
		rc = 1;
	} else {
		printf("%" PRId64 "\n", l->elems[0].offset);
	}
	rd_kafka_topic_partition_list_destroy(l);
	rd_kafka_destroy(rk);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 7 && !strcmp(argv[1], "produce"))
		return produce(argv[2], argv[3], (int)strtol(argv[4], NULL, 10), argv[5], argv[6][0] == '1',
			       argc >= 9 ? (int)strtol(argv[7], NULL, 10) : -1, argc >= 9 ? strtoll(argv[8], NULL, 10) : 0);
	if (argc == 6 && !strcmp(argv[1], "consume"))
		return consume(argv[2], argv[3], argv[4], (int)strtol(argv[5], NULL, 10));
	if (argc == 6 && !strcmp(argv[1], "times"))
		return times(argv[2], argv[3], (int)strtol(argv[4], NULL, 10), strtoll(argv[5], NULL, 10));
	fprintf(stderr, "usage: see the comment at the top of rdk_check.c\n");
	return 2;
}

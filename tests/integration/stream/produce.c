/* produce.c — test helper: produces records into a Kafka topic with librdkafka, as ingest would.
 * Reads lines "partition<TAB>key<TAB>timestamp<TAB>value" from stdin and produces each one to
 * that partition, with that key, value and record timestamp. Exits 0 once every record is
 * acknowledged, 1 on any delivery failure.  usage: produce BROKERS TOPIC < records.tsv */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	if (m->err) {
		failed++;
		fprintf(stderr, "produce: delivery failed: %s\n", rd_kafka_err2str(m->err));
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: produce BROKERS TOPIC < records.tsv\n");
		return 2;
	}
	char errstr[256];
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	if (rd_kafka_conf_set(c, "bootstrap.servers", argv[1], errstr, sizeof errstr) ||
	    rd_kafka_conf_set(c, "linger.ms", "20", errstr, sizeof errstr) ||
	    rd_kafka_conf_set(c, "enable.idempotence", "true", errstr, sizeof errstr)) {
		fprintf(stderr, "produce: %s\n", errstr);
		return 1;
	}
	rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, errstr, sizeof errstr);
	if (!rk) {
		fprintf(stderr, "produce: %s\n", errstr);
		return 1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long count = 0;
	while ((n = getline(&line, &cap, stdin)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		char *key = strchr(line, '\t'), *ts = key ? strchr(key + 1, '\t') : NULL, *val = ts ? strchr(ts + 1, '\t') : NULL;
		if (!val) {
			fprintf(stderr, "produce: bad line %ld\n", count + 1);
			return 1;
		}
		*key++ = *ts++ = *val++ = '\0';
		int32_t part = (int32_t)strtol(line, NULL, 10);
		long long t = strtoll(ts, NULL, 10);
		for (;;) {
			rd_kafka_resp_err_t err = rd_kafka_producev(
				rk, RD_KAFKA_V_TOPIC(argv[2]), RD_KAFKA_V_PARTITION(part), RD_KAFKA_V_KEY(key, strlen(key)),
				RD_KAFKA_V_VALUE(val, strlen(val)), RD_KAFKA_V_TIMESTAMP(t), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				RD_KAFKA_V_END);
			if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
				rd_kafka_poll(rk, 10);
				continue;
			}
			if (err) {
				fprintf(stderr, "produce: %s\n", rd_kafka_err2str(err));
				return 1;
			}
			break;
		}
		count++;
		rd_kafka_poll(rk, 0);
	}
	free(line);
	if (rd_kafka_flush(rk, 60000)) {
		fprintf(stderr, "produce: %d records not acknowledged\n", rd_kafka_outq_len(rk));
		return 1;
	}
	rd_kafka_destroy(rk);
	printf("%ld\n", count);
	return failed ? 1 : 0;
}

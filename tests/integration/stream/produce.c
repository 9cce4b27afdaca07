/* produce.c — test helper: produces records into a Kafka topic with librdkafka, as ingest would.
 * Reads lines "partition<TAB>key<TAB>timestamp<TAB>value" from stdin and produces each one to
 * that partition, with that key, value and record timestamp. Exits 0 once every record is
 * acknowledged, 1 on any delivery failure.  usage: produce BROKERS TOPIC < records.tsv
 *
 * Paced mode (the lag benchmark): produce BROKERS TOPIC RATE SECONDS < records.tsv produces RATE
 * records a second for SECONDS, cycling through the input; each pass is shifted later in event time
 * (timestamp and the value's "E") by the input's span + 1 minute, so windows keep closing: a replay
 * of the log, its event time running about a thousand times faster than the wall clock. With a
 * fifth argument "live" the event time of every record is instead the wall clock when it is sent, as
 * in a live feed (candles close once a minute, whatever the rate). In C because a Python feeder
 * took a whole core of the two at 100,000 records/s. */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	if (m->err) {
		failed++;
		fprintf(stderr, "produce: delivery failed: %s\n", rd_kafka_err2str(m->err));
	}
}

static int produce_one(rd_kafka_t *rk, const char *topic, int32_t part, const char *key, const char *val,
		       size_t val_len, long long t)
{
	for (;;) {
		rd_kafka_resp_err_t err = rd_kafka_producev(
			rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(part), RD_KAFKA_V_KEY(key, strlen(key)),
			RD_KAFKA_V_VALUE((void *)val, val_len), RD_KAFKA_V_TIMESTAMP(t),
			RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
		if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			rd_kafka_poll(rk, 10);
			continue;
		}
		if (err) {
			fprintf(stderr, "produce: %s\n", rd_kafka_err2str(err));
			return 1;
		}
		rd_kafka_poll(rk, 0);
		return 0;
	}
}

typedef struct {
	int32_t part;
	long long t;
	char *key, *val; /* val: the JSON; e_at/e_len: where its "E" digits are (e_len 0 = none) */
	size_t e_at, e_len;
	long sym;   /* index of the key among the distinct keys (live mode) */
} rec;

static int by_key(const void *a, const void *b) { return strcmp((*(rec *const *)a)->key, (*(rec *const *)b)->key); }

/* Numbers the distinct keys of recs 0..; returns how many there are, -1 without memory. */
static long number_keys(rec *recs, long n)
{
	rec **by = malloc((size_t)n * sizeof *by);
	if (!by)
		return -1;
	for (long i = 0; i < n; i++)
		by[i] = &recs[i];
	qsort(by, (size_t)n, sizeof *by, by_key);
	long k = -1;
	for (long i = 0; i < n; i++) {
		if (i == 0 || strcmp(by[i]->key, by[i - 1]->key))
			k++;
		by[i]->sym = k;
	}
	free(by);
	return k + 1;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long long wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The paced mode: recs cycled at rate records/s for secs seconds (live: event time = wall clock,
 * made strictly increasing per key as an exchange's event times are). */
static long paced(rd_kafka_t *rk, const char *topic, rec *recs, long n, long rate, long secs, int live)
{
	long nsym = live ? number_keys(recs, n) : 0;
	long long *last = nsym > 0 ? calloc((size_t)nsym, sizeof *last) : NULL;
	if (live && !last)
		return -1;
	long long lo = recs[0].t, hi = recs[0].t;
	for (long i = 1; i < n; i++) {
		lo = recs[i].t < lo ? recs[i].t : lo;
		hi = recs[i].t > hi ? recs[i].t : hi;
	}
	long long span = hi - lo + 60000;
	char val[4096];
	double t0 = now_s();
	long total = rate * secs;
	for (long i = 0; i < total; i++) {
		rec *r = &recs[i % n];
		long long t = r->t + (long long)(i / n) * span;
		if (live) {
			t = wall_ms();
			if (t <= last[r->sym])
				t = last[r->sym] + 1;
			last[r->sym] = t;
		}
		size_t len = strlen(r->val);
		if (len + 24 >= sizeof val)
			continue;
		size_t o = r->e_at, rest = len - r->e_at - r->e_len;
		memcpy(val, r->val, o);
		if (r->e_len)
			o += (size_t)snprintf(val + o, 24, "%lld", t);
		memcpy(val + o, r->val + r->e_at + r->e_len, rest + 1);
		o += rest;
		if (produce_one(rk, topic, r->part, r->key, val, o, t)) {
			free(last);
			return -1;
		}
		if (i % 1000 == 999) {
			double ahead = (double)(i + 1) / (double)rate - (now_s() - t0);
			if (ahead > 0)
				nanosleep(&(struct timespec){(time_t)ahead, (long)((ahead - (double)(time_t)ahead) * 1e9)}, NULL);
		}
	}
	free(last);
	return total;
}

int main(int argc, char **argv)
{
	int live = argc == 6 && strcmp(argv[5], "live") == 0;
	if (argc != 3 && argc != 5 && !live) {
		fprintf(stderr, "usage: produce BROKERS TOPIC [RATE SECONDS [live]] < records.tsv\n");
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
	rec *recs = NULL;
	long nrecs = 0, cap_recs = 0;
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
		count++;
		if (argc == 3) {
			if (produce_one(rk, argv[2], part, key, val, strlen(val), t))
				return 1;
			continue;
		}
		if (nrecs == cap_recs) {
			cap_recs = cap_recs ? cap_recs * 2 : 4096;
			recs = realloc(recs, (size_t)cap_recs * sizeof *recs);
			if (!recs)
				return 1;
		}
		rec *r = &recs[nrecs++];
		r->part = part;
		r->t = t;
		r->key = strdup(key);
		r->val = strdup(val);
		if (!r->key || !r->val)
			return 1;
		char *e = strstr(r->val, "\"E\":");
		r->e_at = e ? (size_t)(e - r->val) + 4 : 0;
		r->e_len = e ? strspn(e + 4, "0123456789") : 0;
	}
	if (argc >= 5) {
		if (!nrecs) {
			fprintf(stderr, "produce: no records on stdin\n");
			return 1;
		}
		count = paced(rk, argv[2], recs, nrecs, strtol(argv[3], NULL, 10), strtol(argv[4], NULL, 10), live);
		for (long i = 0; i < nrecs; i++) {
			free(recs[i].key);
			free(recs[i].val);
		}
		free(recs);
		if (count < 0)
			return 1;
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

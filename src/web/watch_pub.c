/* watch_pub.c — see watch_pub.h. */
#include "web/watch_pub.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "kafka/rdk.h"

struct tf_watch_pub {
	rd_kafka_t *rk;
	char topic[256];
	char key[96];          /* this serve process */
	pthread_mutex_t mu;    /* guards want, changed */
	tf_watch_list want;
	bool changed;
	tf_watch_list sending; /* the stepping thread's copy */
	int64_t next_keepalive_ms;
	char value[TF_WATCH_VALUE_MAX];
};

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	if (level <= 2)
		tf_warn("live bus: kafka: %s: %s", fac, buf);
}

tf_err tf_watch_pub_new(const char *brokers, const char *topic, tf_watch_pub **out, char *why, size_t why_cap)
{
	*out = NULL;
	tf_watch_pub *p = calloc(1, sizeof *p);
	if (!p)
		return TF_ERR_NOMEM;
	snprintf(p->topic, sizeof p->topic, "%s", topic);
	char host[40] = "";
	gethostname(host, sizeof host - 1);
	snprintf(p->key, sizeof p->key, "serve-%s-%ld-%lld", host, (long)getpid(), (long long)tf_now_ms());
	pthread_mutex_init(&p->mu, NULL);
	static const char *const kv[][2] = {
		{"client.id", "tickflow-serve-watch"},
		{"linger.ms", "0"},
		{"socket.nagle.disable", "true"},
		{"message.timeout.ms", "10000"}, /* a list older than that is replaced by a newer one anyway */
		{"reconnect.backoff.max.ms", "1000"},
	};
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	rd_kafka_conf_set_log_cb(c, on_log);
	if (!(p->rk = tf_rdk_new(RD_KAFKA_PRODUCER, c, brokers, kv, sizeof kv / sizeof kv[0], why, why_cap))) {
		pthread_mutex_destroy(&p->mu);
		free(p);
		return TF_ERR_USAGE;
	}
	*out = p;
	return TF_OK;
}

void tf_watch_pub_set(tf_watch_pub *p, const tf_watch_list *l)
{
	pthread_mutex_lock(&p->mu);
	if (!tf_watch_list_equal(&p->want, l)) {
		p->want = *l;
		p->changed = true;
	}
	pthread_mutex_unlock(&p->mu);
}

static void send_list(tf_watch_pub *p, const tf_watch_list *l)
{
	size_t n = tf_watch_format(TF_WATCH_TTL_MS, l, p->value);
	rd_kafka_resp_err_t err = rd_kafka_producev(p->rk, RD_KAFKA_V_TOPIC(p->topic), RD_KAFKA_V_KEY(p->key, strlen(p->key)),
						    RD_KAFKA_V_VALUE(p->value, n), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
						    RD_KAFKA_V_END);
	if (err)
		tf_debug("live bus: watched symbols not queued: %s", rd_kafka_err2str(err));
}

void tf_watch_pub_step(tf_watch_pub *p)
{
	int64_t now = tf_mono_ms();
	pthread_mutex_lock(&p->mu);
	bool changed = p->changed;
	if (changed)
		p->sending = p->want;
	p->changed = false;
	pthread_mutex_unlock(&p->mu);
	/* keep-alives only while some page watches: an empty list was said once and expires anyway */
	if (changed || (p->sending.n && now >= p->next_keepalive_ms)) {
		send_list(p, &p->sending);
		p->next_keepalive_ms = now + TF_WATCH_KEEPALIVE_MS;
	}
	rd_kafka_poll(p->rk, 0);
}

void tf_watch_pub_free(tf_watch_pub *p)
{
	if (!p)
		return;
	if (p->sending.n) {
		tf_watch_list none = {0};
		send_list(p, &none);
	}
	rd_kafka_flush(p->rk, 1000);
	rd_kafka_destroy(p->rk);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

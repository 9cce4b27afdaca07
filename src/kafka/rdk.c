/* rdk.c — see rdk.h. */
#include "kafka/rdk.h"

#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "base/clock.h"

static bool set(rd_kafka_conf_t *c, const char *name, const char *value, char *why, size_t why_cap)
{
	char errstr[256];
	if (rd_kafka_conf_set(c, name, value, errstr, sizeof errstr) == RD_KAFKA_CONF_OK)
		return true;
	snprintf(why, why_cap, "librdkafka: %s", errstr);
	return false;
}

/* kv on c; false (why filled) at the first refused setting */
static bool set_all(rd_kafka_conf_t *c, const char *const kv[][2], size_t n, char *why, size_t why_cap)
{
	bool ok = true;
	for (size_t i = 0; ok && i < n; i++)
		ok = set(c, kv[i][0], kv[i][1], why, why_cap);
	return ok;
}

static rd_kafka_t *create(rd_kafka_type_t type, rd_kafka_conf_t *c, char *why, size_t why_cap)
{
	char errstr[256];
	rd_kafka_t *rk = rd_kafka_new(type, c, errstr, sizeof errstr); /* owns c on success only */
	if (!rk) {
		snprintf(why, why_cap, "librdkafka: %s", errstr);
		rd_kafka_conf_destroy(c);
	}
	return rk;
}

rd_kafka_t *tf_rdk_new(rd_kafka_type_t type, rd_kafka_conf_t *conf, const char *brokers, const char *const kv[][2],
		       size_t n, char *why, size_t why_cap)
{
	rd_kafka_conf_t *c = conf ? conf : rd_kafka_conf_new();
	if (!set(c, "bootstrap.servers", brokers, why, why_cap) || !set_all(c, kv, n, why, why_cap)) {
		rd_kafka_conf_destroy(c);
		return NULL;
	}
	return create(type, c, why, why_cap);
}

rd_kafka_t *tf_rdk_assign_consumer(rd_kafka_conf_t *conf, const char *brokers, const char *name,
				   const char *const kv[][2], size_t n, char *why, size_t why_cap)
{
	static const char *const assign_only[][2] = {
		{"enable.auto.commit", "false"},
		{"enable.auto.offset.store", "false"},
		{"allow.auto.create.topics", "false"},
	};
	rd_kafka_conf_t *c = conf ? conf : rd_kafka_conf_new();
	char group[96];
	snprintf(group, sizeof group, "tickflow-%s-%ld-%lld", name, (long)getpid(), (long long)tf_now_ms());
	if (!set(c, "bootstrap.servers", brokers, why, why_cap) || !set(c, "group.id", group, why, why_cap) ||
	    !set_all(c, assign_only, sizeof assign_only / sizeof assign_only[0], why, why_cap) ||
	    !set_all(c, kv, n, why, why_cap)) {
		rd_kafka_conf_destroy(c);
		return NULL;
	}
	rd_kafka_t *rk = create(RD_KAFKA_CONSUMER, c, why, why_cap);
	if (rk)
		rd_kafka_poll_set_consumer(rk);
	return rk;
}

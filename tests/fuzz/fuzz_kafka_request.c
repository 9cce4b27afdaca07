/* fuzz_kafka_request.c — libFuzzer target for the broker's request decoder: each input is one request
 * frame (header + body, without the 4-byte size) handed to tf_broker_handle_frame on a broker with a
 * real (temporary) data directory and one topic, through a socketless connection. Any crash, leak or
 * out-of-bounds read is a bug; malformed input must only yield an error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "broker/broker_int.h"

static tf_broker broker;
static bool ready;
static char dir[64];

static void teardown(void)
{
	tf_broker_free(&broker);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/tf-fuzz-broker.%d", (int)getpid());
	tf_log_setup(TF_LOG_ERROR, TF_LOG_TEXT, "fuzz");
	tf_broker_cfg cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.data_dir = dir;
	snprintf(cfg.host, sizeof cfg.host, "127.0.0.1");
	cfg.port = 9092;
	cfg.partitions = 2;
	cfg.max_frame = 1 << 20;
	cfg.fsync_interval_ms = 1000;
	cfg.retention_check_ms = 1000;
	cfg.max_topics = 4;
	cfg.auto_create = false;
	cfg.log.segment_bytes = 1 << 20;
	cfg.log.retention_ms = 0;
	cfg.log.retention_bytes = 4 << 20;
	cfg.log.fsync = TF_FSYNC_NEVER;
	if (tf_broker_init(&broker, &cfg) != TF_OK)
		abort();
	tf_topic *t;
	(void)tf_topic_create(&broker, "t", 1, 2, &t);
	ready = true;
	atexit(teardown);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ready)
		setup();
	if (size > (1 << 20))
		return 0;
	uint8_t *frame = malloc(size + 1);
	if (!frame)
		return 0;
	memcpy(frame, data, size);
	tf_conn *c = tf_conn_new(&broker, -1, "fuzz");
	if (c) {
		(void)tf_broker_handle_frame(&broker, c, frame, size);
		tf_conn_free(c);
	}
	free(frame);
	return 0;
}

/* broker_cmd.c — `tickflow broker`: options, then the event loop until SIGINT/SIGTERM.
 *
 * Durability (--fsync): every acknowledged record has been written to the segment file (the page
 * cache) before its Produce response, so it survives `kill -9` of the broker in every mode. Power
 * loss is another matter: `always` fdatasyncs before acknowledging (survives power loss); `interval`
 * (default) has a background thread syncfs() the data directory every --fsync-interval, so it may
 * lose the last interval of records (the event loop never waits for the disk); `never` leaves it to the
 * kernel (about 30 s). Kafka without replication makes the same trade. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/opt.h"
#include "broker/broker_int.h"
#include "cmd.h"

/* Splits "host:port". */
static tf_err parse_listen(const char *s, char *host, size_t cap, int *port)
{
	const char *colon = strrchr(s, ':');
	if (!colon || colon == s || (size_t)(colon - s) >= cap)
		return TF_ERR_USAGE;
	char *end;
	long p = strtol(colon + 1, &end, 10);
	if (*end || p <= 0 || p > 65535)
		return TF_ERR_USAGE;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	*port = (int)p;
	return TF_OK;
}

int tf_cmd_broker(int argc, char **argv)
{
	const char *listen = NULL, *data_dir = NULL, *fsync = NULL;
	int64_t partitions = 0, retention_ms = 0, retention_bytes = 0, segment_bytes = 0, max_frame = 0;
	int64_t fsync_interval = 0, retention_check = 0;
	bool auto_create = true;
	tf_opt opts[] = {
		{"listen", TF_OPT_STR, "127.0.0.1:9092", "address to listen on and advertise in Metadata", &listen, 0, 0, NULL},
		{"data-dir", TF_OPT_STR, "./tickflow-data/broker", "directory of partition logs and group offsets", &data_dir, 0, 0, NULL},
		{"partitions", TF_OPT_INT, "4", "partitions of auto-created topics", &partitions, 1, TF_BROKER_MAX_PARTITIONS, NULL},
		{"retention", TF_OPT_DURATION, "7d", "delete segments whose newest record is older (0 = keep)", &retention_ms, 0, 0, NULL},
		{"retention-bytes", TF_OPT_INT, "-1", "per partition: delete oldest segments beyond this size (-1 = no limit)", &retention_bytes, -1, INT64_MAX, NULL},
		{"segment-bytes", TF_OPT_INT, "67108864", "roll to a new segment file at this size", &segment_bytes, 1024, 1LL << 40, NULL},
		{"fsync", TF_OPT_CHOICE, "interval", "always: before each ack; interval: every --fsync-interval; never", &fsync, 0, 0, "always|interval|never"},
		{"fsync-interval", TF_OPT_DURATION, "1s", "period of fsync in --fsync interval mode", &fsync_interval, 0, 0, NULL},
		{"max-frame", TF_OPT_INT, "104857600", "largest request accepted, in bytes", &max_frame, 1024, 1LL << 30, NULL},
		{"retention-check", TF_OPT_DURATION, "5s", "how often retention runs", &retention_check, 0, 0, NULL},
		{"auto-create", TF_OPT_BOOL, "true", "create unknown topics on first use (Metadata)", &auto_create, 0, 0, NULL},
		{NULL, 0, NULL, NULL, NULL, 0, 0, NULL},
	};
	tf_cmd_spec spec = {"broker", "durable single-node Kafka-protocol broker",
			    "Serves the Kafka wire protocol (Produce, Fetch, ListOffsets, Metadata, consumer groups, "
			    "offsets, InitProducerId, CreateTopics, DescribeConfigs) for librdkafka, kcat and kafkajs. "
			    "Every acknowledged record survives kill -9; --fsync always also survives power loss, "
			    "interval may lose the last interval on power loss.",
			    opts};
	tf_opt_outcome outcome;
	if (tf_opt_parse(&spec, argc, argv, &outcome) != TF_OK)
		return TF_EXIT_USAGE;
	if (outcome == TF_OPT_HELP_SHOWN)
		return TF_EXIT_OK;
	tf_broker_cfg cfg;
	memset(&cfg, 0, sizeof cfg);
	if (parse_listen(listen, cfg.host, sizeof cfg.host, &cfg.port) != TF_OK) {
		fprintf(stderr, "tickflow broker: --listen '%s' is not HOST:PORT (e.g. 127.0.0.1:9092)\n", listen);
		return TF_EXIT_USAGE;
	}
	cfg.data_dir = data_dir;
	cfg.partitions = (int)partitions;
	cfg.max_frame = (size_t)max_frame;
	cfg.fsync_interval_ms = fsync_interval > 0 ? fsync_interval : 1000;
	cfg.retention_check_ms = retention_check > 0 ? retention_check : 5000;
	cfg.max_topics = 10000;
	cfg.auto_create = auto_create;
	cfg.log.segment_bytes = (uint64_t)segment_bytes;
	cfg.log.retention_ms = retention_ms;
	cfg.log.retention_bytes = retention_bytes;
	cfg.log.fsync = !strcmp(fsync, "always") ? TF_FSYNC_ALWAYS : !strcmp(fsync, "never") ? TF_FSYNC_NEVER : TF_FSYNC_INTERVAL;
	static tf_broker b;
	tf_err err = tf_broker_init(&b, &cfg);
	if (err == TF_OK)
		err = tf_server_run(&b);
	tf_broker_free(&b);
	if (err) {
		fprintf(stderr, "tickflow broker: %s\n", b.why[0] ? b.why : tf_err_str(err));
		return err == TF_ERR_USAGE ? TF_EXIT_USAGE : TF_EXIT_FAILURE;
	}
	return TF_EXIT_OK;
}

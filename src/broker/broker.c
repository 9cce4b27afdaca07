/* broker.c — the request table and the request decoder: one frame in, one handler called.
 *
 * The table below is the only list of what this broker serves; ApiVersions answers from it. Ranges
 * contain every point librdkafka 2.0.2's feature map needs (its producer compresses with gzip, snappy or lz4
 * only when Produce 0 is in range, and zstd when 0..7 is; Produce 2 + Fetch 2 for MsgVer1; Produce 3 +
 * Fetch 4 for MsgVer2, Produce 7 +
 * Fetch 10 for ZSTD, FindCoordinator 0 for groups, InitProducerId 0 for idempotence, ListOffsets 1
 * for offsets_for_times) and stay below the first flexible version of each API, except ApiVersions 3
 * which librdkafka sends first. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <time.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/clock.h"
#include "base/dir.h"
#include "base/log.h"
#include "base/run.h"
#include "broker/broker_int.h"

#define NEVER_FLEX 127

const tf_api tf_broker_apis[] = {
	{0, 0, 7, NEVER_FLEX, tf_h_produce, "Produce"},
	{1, 2, 11, NEVER_FLEX, tf_h_fetch, "Fetch"},
	{2, 1, 3, NEVER_FLEX, tf_h_list_offsets, "ListOffsets"},
	{3, 0, 4, NEVER_FLEX, tf_h_metadata, "Metadata"},
	{8, 2, 7, NEVER_FLEX, tf_h_offset_commit, "OffsetCommit"},
	{9, 1, 5, NEVER_FLEX, tf_h_offset_fetch, "OffsetFetch"},
	{10, 0, 2, NEVER_FLEX, tf_h_find_coordinator, "FindCoordinator"},
	{11, 0, 5, NEVER_FLEX, tf_h_join_group, "JoinGroup"},
	{12, 0, 3, NEVER_FLEX, tf_h_heartbeat, "Heartbeat"},
	{13, 0, 1, NEVER_FLEX, tf_h_leave_group, "LeaveGroup"},
	{14, 0, 3, NEVER_FLEX, tf_h_sync_group, "SyncGroup"},
	{18, 0, 3, 3, tf_h_api_versions, "ApiVersions"},
	{19, 0, 3, NEVER_FLEX, tf_h_create_topics, "CreateTopics"},
	{22, 0, 1, NEVER_FLEX, tf_h_init_producer_id, "InitProducerId"},
	{32, 0, 2, NEVER_FLEX, tf_h_describe_configs, "DescribeConfigs"},
};
const int tf_broker_napis = (int)(sizeof tf_broker_apis / sizeof tf_broker_apis[0]);

static const tf_api *find_api(int16_t key)
{
	for (int i = 0; i < tf_broker_napis; i++)
		if (tf_broker_apis[i].key == key)
			return &tf_broker_apis[i];
	return NULL;
}

tf_err tf_broker_handle_frame(tf_broker *b, tf_conn *c, uint8_t *frame, size_t n)
{
	tf_req rq;
	memset(&rq, 0, sizeof rq);
	rq.b = b;
	rq.conn = c;
	tf_kr_init(&rq.r, frame, n);
	rq.api_key = tf_kr_i16(&rq.r);
	rq.version = tf_kr_i16(&rq.r);
	rq.corr = tf_kr_i32(&rq.r);
	rq.client_id = tf_kr_str(&rq.r);
	if (!tf_kr_ok(&rq.r))
		return TF_ERR_PARSE;
	const tf_api *api = find_api(rq.api_key);
	if (!api) {
		tf_warn("conn %s: unsupported api key %d", c->peer, rq.api_key);
		return TF_ERR_PROTO;
	}
	/* ApiVersions answers any version (with UNSUPPORTED_VERSION when too new); others must fit. */
	if (rq.api_key != 18 && (rq.version < api->min || rq.version > api->max)) {
		tf_warn("conn %s: %s v%d is outside %d..%d", c->peer, api->name, rq.version, api->min, api->max);
		return TF_ERR_PROTO;
	}
	if (rq.version >= api->flex_from && rq.version <= api->max)
		tf_kr_tags(&rq.r);
	if (!tf_kr_ok(&rq.r))
		return TF_ERR_PARSE;
	rq.body = frame + rq.r.pos;
	rq.body_len = n - rq.r.pos;
	tf_kr_init(&rq.r, rq.body, rq.body_len);
	rq.slot = tf_srv_slot_new(c, rq.api_key, rq.version, rq.corr);
	if (!rq.slot)
		return TF_ERR_NOMEM;
	tf_srv_slot_writer(rq.slot, &rq.w);
	tf_err err = api->handler(&rq);
	if (err == TF_OK) {
		if (rq.w.err) {
			tf_error("conn %s: %s response too large or out of memory", c->peer, api->name);
			return rq.w.err;
		}
		tf_srv_slot_done(rq.slot);
		return TF_OK;
	}
	if (err == TF_BROKER_DEFER)
		return TF_OK;
	if (err == TF_BROKER_NO_RESPONSE) {
		tf_srv_slot_drop(rq.slot);
		return TF_OK;
	}
	return err;
}

/* The --fsync interval thread: syncfs() on the data directory every fsync_interval_ms. It touches
 * no broker state (only its own directory fd), so it needs no lock with the event loop. */
static void *syncer_main(void *arg)
{
	tf_thread_name("tf-broker-sync");
	tf_broker *b = arg;
	int dfd = open(b->cfg.data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	pthread_mutex_lock(&b->sync_mu);
	while (!b->sync_stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t ns = ts.tv_nsec + (b->cfg.fsync_interval_ms % 1000) * 1000000;
		ts.tv_sec += b->cfg.fsync_interval_ms / 1000 + ns / 1000000000;
		ts.tv_nsec = ns % 1000000000;
		pthread_cond_timedwait(&b->sync_cv, &b->sync_mu, &ts);
		pthread_mutex_unlock(&b->sync_mu);
		if (dfd >= 0 && syncfs(dfd) != 0)
			tf_error("syncfs %s: %s", b->cfg.data_dir, strerror(errno));
		pthread_mutex_lock(&b->sync_mu);
	}
	pthread_mutex_unlock(&b->sync_mu);
	if (dfd >= 0)
		close(dfd);
	return NULL;
}

static void start_syncer(tf_broker *b)
{
	pthread_mutex_init(&b->sync_mu, NULL);
	pthread_cond_init(&b->sync_cv, NULL);
	b->syncer_running = pthread_create(&b->syncer, NULL, syncer_main, b) == 0;
	if (!b->syncer_running)
		tf_warn("cannot start the fsync thread; syncing on the event loop instead");
}

static void stop_syncer(tf_broker *b)
{
	if (!b->syncer_running)
		return;
	pthread_mutex_lock(&b->sync_mu);
	b->sync_stop = true;
	pthread_cond_signal(&b->sync_cv);
	pthread_mutex_unlock(&b->sync_mu);
	pthread_join(b->syncer, NULL);
	b->syncer_running = false;
	pthread_mutex_destroy(&b->sync_mu);
	pthread_cond_destroy(&b->sync_cv);
}

tf_err tf_broker_init(tf_broker *b, const tf_broker_cfg *cfg)
{
	memset(b, 0, sizeof *b);
	b->cfg = *cfg;
	b->offsets_fd = -1;
	b->lfd = -1;
	b->next_pid = tf_now_ms() * 1000; /* unique across restarts without persisting a counter */
	b->last_sync_ms = b->last_retention_ms = tf_mono_ms();
	/* created with its parents; a read-only or unwritable directory is refused here, not on the
	 * first produce (pass --data-dir to put it elsewhere) */
	tf_err err = tf_dir_ensure(cfg->data_dir, "--data-dir", b->why, sizeof b->why);
	if (err)
		return err;
	err = tf_topics_load(b);
	if (err == TF_OK)
		err = tf_groups_load(b);
	if (err == TF_OK && cfg->log.fsync == TF_FSYNC_INTERVAL)
		start_syncer(b);
	return err;
}

void tf_broker_free(tf_broker *b)
{
	stop_syncer(b);
	while (b->conns)
		tf_conn_free(b->conns);
	tf_groups_free(b);
	tf_topics_free(b);
	free(b->member_seed);
}

void tf_broker_tick(tf_broker *b, int64_t now_ms)
{
	if (b->data_arrived) {
		b->data_arrived = false;
		tf_fetch_check_held(b, now_ms, false);
	} else {
		tf_fetch_check_held(b, now_ms, true);
	}
	if (now_ms - b->last_group_tick_ms >= 50) {
		b->last_group_tick_ms = now_ms;
		tf_groups_tick(b, now_ms);
	}
	if (b->cfg.log.fsync == TF_FSYNC_INTERVAL && !b->syncer_running &&
	    now_ms - b->last_sync_ms >= b->cfg.fsync_interval_ms) {
		b->last_sync_ms = now_ms;
		tf_topics_sync(b);
		tf_groups_sync(b);
	}
	if (now_ms - b->last_retention_ms >= b->cfg.retention_check_ms) {
		b->last_retention_ms = now_ms;
		tf_topics_retain(b, tf_now_ms());
	}
}

/* test_broker_group.c — consumer-group state transitions through the real request decoder: frames go
 * into tf_broker_handle_frame, responses come back over a socketpair and are decoded here. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "broker/broker_int.h"
#include "broker/group.h"
#include "test.h"

typedef struct {
	tf_broker b;
	char dir[64];
	tf_conn *c[2];
	int peer[2];
	int32_t corr;
} fixture;

static int fx_init(fixture *f)
{
	memset(f, 0, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/tf-grouptest.%d", (int)getpid());
	tf_broker_cfg cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.data_dir = f->dir;
	snprintf(cfg.host, sizeof cfg.host, "127.0.0.1");
	cfg.port = 9092;
	cfg.partitions = 1;
	cfg.max_frame = 1 << 20;
	cfg.fsync_interval_ms = 1000;
	cfg.retention_check_ms = 1000;
	cfg.max_topics = 10;
	cfg.log.segment_bytes = 1 << 20;
	cfg.log.retention_bytes = -1;
	cfg.log.fsync = TF_FSYNC_NEVER;
	if (tf_broker_init(&f->b, &cfg) != TF_OK)
		return -1;
	for (int i = 0; i < 2; i++) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
			return -1;
		f->c[i] = tf_conn_new(&f->b, sv[0], i ? "member-b" : "member-a");
		f->peer[i] = sv[1];
	}
	return 0;
}

static void fx_free(fixture *f)
{
	tf_broker_free(&f->b);
	for (int i = 0; i < 2; i++)
		close(f->peer[i]);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", f->dir);
}

/* Sends a request (header + body) on connection i. */
static tf_err send_req(fixture *f, int i, int16_t key, int16_t ver, const tf_buf *body)
{
	tf_buf fr;
	tf_buf_init(&fr, 1 << 20);
	tf_kw w;
	tf_kw_init(&w, &fr);
	tf_kw_i16(&w, key);
	tf_kw_i16(&w, ver);
	tf_kw_i32(&w, ++f->corr);
	tf_kw_strz(&w, "unit");
	tf_kw_raw(&w, body->data, body->len);
	tf_err err = tf_broker_handle_frame(&f->b, f->c[i], (uint8_t *)fr.data, fr.len);
	tf_buf_free(&fr);
	return err;
}

/* True when a response is waiting on connection i; reads it into r (after the correlation id). */
static bool recv_resp(fixture *f, int i, uint8_t *buf, size_t cap, tf_kr *r)
{
	uint8_t sz[4];
	if (recv(f->peer[i], sz, 4, MSG_DONTWAIT) != 4)
		return false;
	uint32_t n = tf_be32(sz);
	if (n > cap || recv(f->peer[i], buf, n, MSG_WAITALL) != (ssize_t)n)
		return false;
	tf_kr_init(r, buf + 4, n - 4);
	return true;
}

static void join_body(tf_buf *b, const char *member)
{
	tf_buf_reset(b);
	tf_kw w;
	tf_kw_init(&w, b);
	tf_kw_strz(&w, "grp");
	tf_kw_i32(&w, 10000);  /* session timeout */
	tf_kw_i32(&w, 20000);  /* rebalance timeout */
	tf_kw_strz(&w, member);
	tf_kw_strz(&w, NULL);  /* group instance id */
	tf_kw_strz(&w, "consumer");
	tf_kw_i32(&w, 1);
	tf_kw_strz(&w, "range");
	tf_kw_bytes(&w, "meta", 4);
}

typedef struct {
	int16_t err;
	int32_t gen, nmembers;
	char leader[128], member[128];
} join_resp;

static bool read_join(fixture *f, int i, join_resp *j)
{
	uint8_t buf[4096];
	tf_kr r;
	if (!recv_resp(f, i, buf, sizeof buf, &r))
		return false;
	(void)tf_kr_i32(&r); /* throttle */
	j->err = tf_kr_i16(&r);
	j->gen = tf_kr_i32(&r);
	(void)tf_kr_str(&r);
	tf_kstr l = tf_kr_str(&r), m = tf_kr_str(&r);
	snprintf(j->leader, sizeof j->leader, "%.*s", l.len > 0 ? (int)l.len : 0, l.p ? l.p : "");
	snprintf(j->member, sizeof j->member, "%.*s", m.len > 0 ? (int)m.len : 0, m.p ? m.p : "");
	j->nmembers = tf_kr_i32(&r);
	return tf_kr_ok(&r);
}

static void member_body(tf_buf *b, int32_t gen, const char *member)
{
	tf_buf_reset(b);
	tf_kw w;
	tf_kw_init(&w, b);
	tf_kw_strz(&w, "grp");
	tf_kw_i32(&w, gen);
	tf_kw_strz(&w, member);
	tf_kw_strz(&w, NULL);
}

static int16_t heartbeat(fixture *f, int i, int32_t gen, const char *member)
{
	tf_buf b;
	tf_buf_init(&b, 4096);
	member_body(&b, gen, member);
	int16_t err = -100;
	if (send_req(f, i, 12, 3, &b) == TF_OK) {
		uint8_t buf[256];
		tf_kr r;
		if (recv_resp(f, i, buf, sizeof buf, &r)) {
			(void)tf_kr_i32(&r);
			err = tf_kr_i16(&r);
		}
	}
	tf_buf_free(&b);
	return err;
}

/* SyncGroup v3; the leader passes assignments "A:<id>" for every id in ids. */
static tf_err sync_req(fixture *f, int i, int32_t gen, const char *member, int n, char ids[][128])
{
	tf_buf b;
	tf_buf_init(&b, 4096);
	member_body(&b, gen, member);
	tf_kw w;
	tf_kw_init(&w, &b);
	tf_kw_i32(&w, n);
	for (int k = 0; k < n; k++) {
		char a[160];
		int len = snprintf(a, sizeof a, "A:%s", ids[k]);
		tf_kw_strz(&w, ids[k]);
		tf_kw_bytes(&w, a, len);
	}
	tf_err err = send_req(f, i, 14, 3, &b);
	tf_buf_free(&b);
	return err;
}

static bool read_sync(fixture *f, int i, int16_t *err, char *assign, size_t cap)
{
	uint8_t buf[4096];
	tf_kr r;
	if (!recv_resp(f, i, buf, sizeof buf, &r))
		return false;
	(void)tf_kr_i32(&r);
	*err = tf_kr_i16(&r);
	const uint8_t *p;
	int32_t n;
	tf_kr_bytes(&r, &p, &n);
	snprintf(assign, cap, "%.*s", n > 0 ? (int)n : 0, p ? (const char *)p : "");
	return tf_kr_ok(&r);
}

static tf_group *grp(fixture *f) { return tf_group_get(&f->b, "grp", 3, false); }

TF_TEST(broker_group_state_transitions)
{
	fixture f;
	TF_CHECK_EQ_INT(fx_init(&f), 0);
	tf_buf body;
	tf_buf_init(&body, 4096);
	join_resp j, ja, jb;
	char ids[2][128], assign[256];
	int16_t err;

	/* A: empty member id -> MEMBER_ID_REQUIRED with an id; joining with it completes at once. */
	join_body(&body, "");
	TF_CHECK_EQ_INT(send_req(&f, 0, 11, 5, &body), 0);
	TF_CHECK(read_join(&f, 0, &j));
	TF_CHECK_EQ_INT(j.err, 79);
	TF_CHECK(strlen(j.member) > 0);
	snprintf(ids[0], sizeof ids[0], "%s", j.member);
	join_body(&body, ids[0]);
	TF_CHECK_EQ_INT(send_req(&f, 0, 11, 5, &body), 0);
	TF_CHECK(read_join(&f, 0, &j));
	TF_CHECK_EQ_INT(j.err, 0);
	TF_CHECK_EQ_INT(j.gen, 1);
	TF_CHECK_EQ_STR(j.leader, ids[0]);
	TF_CHECK_EQ_INT(j.nmembers, 1);
	TF_CHECK_EQ_INT(grp(&f)->state, TF_GROUP_COMPLETING);
	/* An unknown member id is refused. */
	join_body(&body, "nobody");
	TF_CHECK_EQ_INT(send_req(&f, 1, 11, 5, &body), 0);
	TF_CHECK(read_join(&f, 1, &j));
	TF_CHECK_EQ_INT(j.err, 25);

	/* Leader's SyncGroup -> Stable with its assignment. */
	TF_CHECK_EQ_INT(sync_req(&f, 0, 1, ids[0], 1, ids), 0);
	TF_CHECK(read_sync(&f, 0, &err, assign, sizeof assign));
	TF_CHECK_EQ_INT(err, 0);
	TF_CHECK(!strncmp(assign, "A:", 2));
	TF_CHECK_EQ_INT(grp(&f)->state, TF_GROUP_STABLE);
	TF_CHECK_EQ_INT(heartbeat(&f, 0, 1, ids[0]), 0);

	/* B joins: PreparingRebalance; B's join waits, A's heartbeat says REBALANCE_IN_PROGRESS. */
	join_body(&body, "");
	TF_CHECK_EQ_INT(send_req(&f, 1, 11, 5, &body), 0);
	TF_CHECK(read_join(&f, 1, &j));
	TF_CHECK_EQ_INT(j.err, 79);
	snprintf(ids[1], sizeof ids[1], "%s", j.member);
	join_body(&body, ids[1]);
	TF_CHECK_EQ_INT(send_req(&f, 1, 11, 5, &body), 0);
	TF_CHECK(!read_join(&f, 1, &j));
	TF_CHECK_EQ_INT(grp(&f)->state, TF_GROUP_PREPARING);
	TF_CHECK_EQ_INT(heartbeat(&f, 0, 1, ids[0]), 27);
	/* A rejoins: generation 2, A stays leader and alone gets the member list. */
	join_body(&body, ids[0]);
	TF_CHECK_EQ_INT(send_req(&f, 0, 11, 5, &body), 0);
	TF_CHECK(read_join(&f, 0, &ja));
	TF_CHECK(read_join(&f, 1, &jb));
	TF_CHECK_EQ_INT(ja.gen, 2);
	TF_CHECK_EQ_INT(jb.gen, 2);
	TF_CHECK_EQ_STR(ja.leader, ids[0]);
	TF_CHECK_EQ_INT(ja.nmembers, 2);
	TF_CHECK_EQ_INT(jb.nmembers, 0);
	/* B's sync waits for the leader's; then both get their own assignment. */
	TF_CHECK_EQ_INT(sync_req(&f, 1, 2, ids[1], 0, ids), 0);
	TF_CHECK(!read_sync(&f, 1, &err, assign, sizeof assign));
	TF_CHECK_EQ_INT(sync_req(&f, 0, 2, ids[0], 2, ids), 0);
	TF_CHECK(read_sync(&f, 0, &err, assign, sizeof assign));
	TF_CHECK_EQ_INT(err, 0);
	TF_CHECK(read_sync(&f, 1, &err, assign, sizeof assign));
	TF_CHECK_EQ_INT(err, 0);
	TF_CHECK(!strcmp(assign + 2, ids[1]));
	TF_CHECK_EQ_INT(grp(&f)->state, TF_GROUP_STABLE);
	/* Wrong generation and unknown members. */
	TF_CHECK_EQ_INT(heartbeat(&f, 1, 1, ids[1]), 22);
	TF_CHECK_EQ_INT(heartbeat(&f, 1, 2, "ghost"), 25);
	TF_CHECK_EQ_INT(heartbeat(&f, 1, 2, ids[1]), 0);

	/* B leaves: rebalance; A's next heartbeat says so. */
	member_body(&body, 0, ids[1]);
	body.len -= 2; /* LeaveGroup v1: group, member only (drop the instance id) */
	memmove(body.data + 5, body.data + 9, body.len - 5);
	body.len -= 4; /* ... and the generation */
	TF_CHECK_EQ_INT(send_req(&f, 1, 13, 1, &body), 0);
	uint8_t buf[256];
	tf_kr r;
	TF_CHECK(recv_resp(&f, 1, buf, sizeof buf, &r));
	(void)tf_kr_i32(&r);
	TF_CHECK_EQ_INT(tf_kr_i16(&r), 0);
	TF_CHECK_EQ_INT(grp(&f)->nmembers, 1);
	TF_CHECK_EQ_INT(grp(&f)->state, TF_GROUP_PREPARING);
	TF_CHECK_EQ_INT(heartbeat(&f, 0, 2, ids[0]), 27);

	/* Session timeout: A never rejoins; past its session it is removed and the group is empty. */
	tf_groups_tick(&f.b, tf_mono_ms() + 60000);
	TF_CHECK_EQ_INT(grp(&f)->nmembers, 0);
	TF_CHECK_EQ_INT(grp(&f)->state, TF_GROUP_EMPTY);
	tf_buf_free(&body);
	fx_free(&f);
}

/* handlers_group.c — decoding and encoding of the group APIs (JoinGroup 0-5, SyncGroup 0-3,
 * Heartbeat 0-3, LeaveGroup 0-1, OffsetCommit 2-7, OffsetFetch 1-5); the coordinator logic is in
 * group.c. */
#include <stdlib.h>
#include <string.h>

#include "broker/group.h"

tf_err tf_h_join_group(tf_req *rq)
{
	tf_kr *r = &rq->r;
	int16_t v = rq->version;
	tf_join_args a;
	memset(&a, 0, sizeof a);
	a.client_id = rq->client_id;
	a.group_id = tf_kr_str(r);
	a.session_timeout_ms = tf_kr_i32(r);
	a.rebalance_timeout_ms = v >= 1 ? tf_kr_i32(r) : a.session_timeout_ms;
	a.member_id = tf_kr_str(r);
	a.instance_id = (tf_kstr){NULL, -1};
	if (v >= 5)
		a.instance_id = tf_kr_str(r);
	a.protocol_type = tf_kr_str(r);
	a.nprotos = tf_kr_array(r, 6);
	if (!tf_kr_ok(r) || a.nprotos < 0 || a.nprotos > 64)
		return TF_ERR_PARSE;
	tf_kstr names[64];
	const uint8_t *meta[64];
	int32_t meta_len[64];
	for (int32_t i = 0; i < a.nprotos; i++) {
		names[i] = tf_kr_str(r);
		tf_kr_bytes(r, &meta[i], &meta_len[i]);
		if (names[i].len < 0)
			r->bad = true;
	}
	if (!tf_kr_ok(r))
		return TF_ERR_PARSE;
	a.proto_names = names;
	a.proto_meta = meta;
	a.proto_meta_len = meta_len;
	return tf_group_join(rq, &a);
}

tf_err tf_h_sync_group(tf_req *rq)
{
	tf_kr *r = &rq->r;
	tf_kstr group = tf_kr_str(r);
	int32_t gen = tf_kr_i32(r);
	tf_kstr member = tf_kr_str(r);
	if (rq->version >= 3)
		(void)tf_kr_str(r);
	int32_t n = tf_kr_array(r, 6);
	if (!tf_kr_ok(r) || n < 0)
		return TF_ERR_PARSE;
	tf_kstr *ids = calloc((size_t)n + 1, sizeof *ids);
	const uint8_t **as = calloc((size_t)n + 1, sizeof *as);
	int32_t *al = calloc((size_t)n + 1, sizeof *al);
	tf_err err = TF_ERR_NOMEM;
	if (!ids || !as || !al)
		goto out;
	for (int32_t i = 0; i < n; i++) {
		ids[i] = tf_kr_str(r);
		tf_kr_bytes(r, &as[i], &al[i]);
	}
	err = TF_ERR_PARSE;
	if (!tf_kr_ok(r))
		goto out;
	err = tf_group_sync(rq, group, gen, member, n, ids, as, al);
out:
	free(ids);
	free(as);
	free(al);
	return err;
}

tf_err tf_h_heartbeat(tf_req *rq)
{
	tf_kr *r = &rq->r;
	tf_kstr group = tf_kr_str(r);
	int32_t gen = tf_kr_i32(r);
	tf_kstr member = tf_kr_str(r);
	if (rq->version >= 3)
		(void)tf_kr_str(r);
	if (!tf_kr_ok(r))
		return TF_ERR_PARSE;
	int16_t err = tf_group_heartbeat(rq->b, group, gen, member);
	if (rq->version >= 1)
		tf_kw_i32(&rq->w, 0);
	tf_kw_i16(&rq->w, err);
	return TF_OK;
}

tf_err tf_h_leave_group(tf_req *rq)
{
	tf_kr *r = &rq->r;
	tf_kstr group = tf_kr_str(r);
	tf_kstr member = tf_kr_str(r);
	if (!tf_kr_ok(r))
		return TF_ERR_PARSE;
	int16_t err = tf_group_leave(rq->b, group, member);
	if (rq->version >= 1)
		tf_kw_i32(&rq->w, 0);
	tf_kw_i16(&rq->w, err);
	return TF_OK;
}

/* Skips/validates the topics section of an OffsetCommit request. */
static bool commit_layout_ok(tf_kr r, int16_t v)
{
	int32_t nt = tf_kr_array(&r, 6);
	for (int32_t t = 0; t < nt && tf_kr_ok(&r); t++) {
		(void)tf_kr_str(&r);
		int32_t np = tf_kr_array(&r, 14);
		for (int32_t p = 0; p < np && tf_kr_ok(&r); p++) {
			(void)tf_kr_i32(&r);
			(void)tf_kr_i64(&r);
			if (v >= 6)
				(void)tf_kr_i32(&r);
			(void)tf_kr_str(&r);
		}
	}
	return tf_kr_ok(&r) && nt >= 0 && tf_kr_left(&r) == 0;
}

tf_err tf_h_offset_commit(tf_req *rq)
{
	tf_kr *r = &rq->r;
	int16_t v = rq->version;
	tf_kstr group = tf_kr_str(r);
	int32_t gen = tf_kr_i32(r);
	tf_kstr member = tf_kr_str(r);
	if (v >= 7)
		(void)tf_kr_str(r);
	if (v >= 2 && v <= 4)
		(void)tf_kr_i64(r); /* retention time */
	if (!tf_kr_ok(r) || !commit_layout_ok(*r, v))
		return TF_ERR_PARSE;
	int16_t check = tf_group_commit_check(rq->b, group, gen, member);
	tf_kw *w = &rq->w;
	if (v >= 3)
		tf_kw_i32(w, 0);
	int32_t nt = tf_kr_array(r, 6);
	tf_kw_i32(w, nt);
	for (int32_t t = 0; t < nt; t++) {
		tf_kstr topic = tf_kr_str(r);
		int32_t np = tf_kr_array(r, 14);
		tf_kw_str(w, topic.p, topic.len < 0 ? 0 : topic.len);
		tf_kw_i32(w, np);
		for (int32_t p = 0; p < np; p++) {
			int32_t part = tf_kr_i32(r);
			int64_t off = tf_kr_i64(r);
			if (v >= 6)
				(void)tf_kr_i32(r);
			tf_kstr meta = tf_kr_str(r);
			int16_t err = check;
			if (!err)
				err = tf_group_commit(rq->b, group, topic, part, off, meta);
			tf_kw_i32(w, part);
			tf_kw_i16(w, err);
		}
	}
	return TF_OK;
}

static void write_fetched(tf_req *rq, tf_kstr group, tf_kstr topic, int32_t part)
{
	const tf_group_offset *o = tf_group_committed(rq->b, group, topic, part);
	tf_kw *w = &rq->w;
	tf_kw_i32(w, part);
	tf_kw_i64(w, o ? o->offset : -1);
	if (rq->version >= 5)
		tf_kw_i32(w, -1); /* leader epoch */
	tf_kw_strz(w, o ? (o->meta ? o->meta : "") : "");
	tf_kw_i16(w, 0);
}

tf_err tf_h_offset_fetch(tf_req *rq)
{
	tf_kr *r = &rq->r;
	int16_t v = rq->version;
	tf_kstr group = tf_kr_str(r);
	int32_t nt = tf_kr_array(r, 6);
	size_t at = r->pos;
	for (int32_t t = 0; t < nt && tf_kr_ok(r); t++) {
		(void)tf_kr_str(r);
		int32_t np = tf_kr_array(r, 4);
		tf_kr_skip(r, np > 0 ? (size_t)np * 4 : 0);
	}
	if (!tf_kr_ok(r) || (nt < 0 && v < 2))
		return TF_ERR_PARSE;
	r->pos = at;
	tf_kw *w = &rq->w;
	if (v >= 3)
		tf_kw_i32(w, 0);
	if (nt < 0) { /* all committed offsets of the group */
		tf_group *g = tf_group_get(rq->b, group.p, group.len, false);
		int n = g ? g->noffsets : 0;
		tf_kw_i32(w, n);
		for (int i = 0; i < n; i++) {
			tf_kstr topic = {g->offsets[i].topic, (int32_t)strlen(g->offsets[i].topic)};
			tf_kw_str(w, topic.p, topic.len);
			tf_kw_i32(w, 1);
			write_fetched(rq, group, topic, g->offsets[i].part);
		}
	} else {
		tf_kw_i32(w, nt);
		for (int32_t t = 0; t < nt; t++) {
			tf_kstr topic = tf_kr_str(r);
			int32_t np = tf_kr_array(r, 4);
			tf_kw_str(w, topic.p, topic.len < 0 ? 0 : topic.len);
			tf_kw_i32(w, np);
			for (int32_t p = 0; p < np; p++)
				write_fetched(rq, group, topic, tf_kr_i32(r));
		}
	}
	if (v >= 2)
		tf_kw_i16(w, 0);
	return TF_OK;
}

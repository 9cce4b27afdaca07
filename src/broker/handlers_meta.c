/* handlers_meta.c — cluster-level APIs: ApiVersions (from the request table), Metadata (advertises the
 * listen address; auto-creates topics), FindCoordinator (this node), InitProducerId (idempotent
 * producers), CreateTopics and DescribeConfigs. Field layouts follow
 * /work/shared/kafka/layouts/<Api>.txt (Kafka 3.8.0 schemas). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "broker/broker_int.h"

#define E_UNSUPPORTED_VERSION 35

tf_err tf_h_api_versions(tf_req *rq)
{
	const tf_api *self = NULL;
	for (int i = 0; i < tf_broker_napis; i++)
		if (tf_broker_apis[i].key == 18)
			self = &tf_broker_apis[i];
	int16_t v = rq->version;
	tf_kw *w = &rq->w;
	if (v > self->max) {
		/* Too new: answer in v0 form with UNSUPPORTED_VERSION so the client retries lower. */
		tf_kw_i16(w, E_UNSUPPORTED_VERSION);
		tf_kw_i32(w, tf_broker_napis);
		for (int i = 0; i < tf_broker_napis; i++) {
			tf_kw_i16(w, tf_broker_apis[i].key);
			tf_kw_i16(w, tf_broker_apis[i].min);
			tf_kw_i16(w, tf_broker_apis[i].max);
		}
		return TF_OK;
	}
	if (v >= 3) {
		(void)tf_kr_cstr(&rq->r); /* client_software_name */
		(void)tf_kr_cstr(&rq->r); /* client_software_version */
		tf_kr_tags(&rq->r);
		if (!tf_kr_ok(&rq->r))
			return TF_ERR_PARSE;
	}
	tf_kw_i16(w, 0);
	if (v >= 3)
		tf_kw_uvarint(w, (uint64_t)tf_broker_napis + 1);
	else
		tf_kw_i32(w, tf_broker_napis);
	for (int i = 0; i < tf_broker_napis; i++) {
		tf_kw_i16(w, tf_broker_apis[i].key);
		tf_kw_i16(w, tf_broker_apis[i].min);
		tf_kw_i16(w, tf_broker_apis[i].max);
		if (v >= 3)
			tf_kw_uvarint(w, 0);
	}
	if (v >= 1)
		tf_kw_i32(w, 0);
	if (v >= 3)
		tf_kw_uvarint(w, 0);
	return TF_OK;
}

static void write_topic_md(tf_kw *w, int16_t v, int16_t err, const char *name, int32_t nlen, const tf_topic *t)
{
	tf_kw_i16(w, err);
	tf_kw_str(w, name, nlen);
	if (v >= 1)
		tf_kw_i8(w, 0); /* is_internal */
	int n = t ? t->nparts : 0;
	tf_kw_i32(w, n);
	for (int p = 0; p < n; p++) {
		tf_kw_i16(w, 0);
		tf_kw_i32(w, p);
		tf_kw_i32(w, TF_BROKER_NODE_ID);
		tf_kw_i32(w, 1); /* replicas */
		tf_kw_i32(w, TF_BROKER_NODE_ID);
		tf_kw_i32(w, 1); /* isr */
		tf_kw_i32(w, TF_BROKER_NODE_ID);
	}
}

tf_err tf_h_metadata(tf_req *rq)
{
	tf_kr *r = &rq->r;
	tf_broker *b = rq->b;
	int16_t v = rq->version;
	int32_t n = tf_kr_array(r, 2);
	/* Validate the whole request before acting on it. */
	size_t topics_at = r->pos;
	for (int32_t i = 0; i < n; i++)
		(void)tf_kr_str(r);
	bool allow_create = true;
	if (v >= 4)
		allow_create = tf_kr_i8(r) != 0;
	if (!tf_kr_ok(r))
		return TF_ERR_PARSE;
	tf_kw *w = &rq->w;
	if (v >= 3)
		tf_kw_i32(w, 0);
	tf_kw_i32(w, 1);
	tf_kw_i32(w, TF_BROKER_NODE_ID);
	tf_kw_strz(w, b->cfg.host);
	tf_kw_i32(w, b->cfg.port);
	if (v >= 1)
		tf_kw_i16(w, -1); /* rack: null */
	if (v >= 2)
		tf_kw_strz(w, "tickflow");
	if (v >= 1)
		tf_kw_i32(w, TF_BROKER_NODE_ID);
	/* v0: empty array = all topics; v1+: null = all topics. */
	if (n < 0 || (n == 0 && v == 0)) {
		tf_kw_i32(w, b->ntopics);
		for (int i = 0; i < b->ntopics; i++)
			write_topic_md(w, v, 0, b->topics[i]->name, (int32_t)strlen(b->topics[i]->name), b->topics[i]);
		return TF_OK;
	}
	r->pos = topics_at;
	tf_kw_i32(w, n);
	for (int32_t i = 0; i < n; i++) {
		tf_kstr name = tf_kr_str(r);
		tf_topic *t = tf_topic_find(b, name.p, name.len);
		int16_t err = 0;
		if (!t && !tf_topic_name_valid(name.p, name.len))
			err = 17;
		else if (!t && allow_create && b->cfg.auto_create) {
			int e = tf_topic_create(b, name.p, name.len, b->cfg.partitions, &t);
			if (e && e != 36)
				err = (int16_t)(e < 0 ? -1 : e);
		} else if (!t)
			err = 3; /* UNKNOWN_TOPIC_OR_PARTITION */
		write_topic_md(w, v, t ? 0 : err, name.p, name.len < 0 ? 0 : name.len, t);
	}
	return TF_OK;
}

tf_err tf_h_find_coordinator(tf_req *rq)
{
	tf_kr *r = &rq->r;
	(void)tf_kr_str(r);
	int8_t type = rq->version >= 1 ? tf_kr_i8(r) : 0;
	if (!tf_kr_ok(r))
		return TF_ERR_PARSE;
	tf_kw *w = &rq->w;
	int16_t err = type == 0 ? 0 : 15; /* transactions: COORDINATOR_NOT_AVAILABLE */
	if (rq->version >= 1)
		tf_kw_i32(w, 0);
	tf_kw_i16(w, err);
	if (rq->version >= 1)
		tf_kw_strz(w, err ? "transactions are not supported" : NULL);
	tf_kw_i32(w, err ? -1 : TF_BROKER_NODE_ID);
	tf_kw_strz(w, err ? "" : rq->b->cfg.host);
	tf_kw_i32(w, err ? -1 : rq->b->cfg.port);
	return TF_OK;
}

tf_err tf_h_init_producer_id(tf_req *rq)
{
	tf_kr *r = &rq->r;
	tf_kstr txn = tf_kr_str(r);
	(void)tf_kr_i32(r);
	if (!tf_kr_ok(r))
		return TF_ERR_PARSE;
	tf_kw *w = &rq->w;
	tf_kw_i32(w, 0);
	if (txn.len >= 0) {
		tf_kw_i16(w, 15); /* no transaction coordinator here */
		tf_kw_i64(w, -1);
		tf_kw_i16(w, -1);
		return TF_OK;
	}
	tf_kw_i16(w, 0);
	tf_kw_i64(w, rq->b->next_pid++);
	tf_kw_i16(w, 0);
	return TF_OK;
}

tf_err tf_h_create_topics(tf_req *rq)
{
	tf_kr *r = &rq->r;
	int16_t v = rq->version;
	int32_t n = tf_kr_array(r, 12);
	size_t at = r->pos;
	/* First pass: validate the layout. */
	for (int32_t i = 0; i < n && tf_kr_ok(r); i++) {
		(void)tf_kr_str(r);
		(void)tf_kr_i32(r);
		(void)tf_kr_i16(r);
		int32_t na = tf_kr_array(r, 8);
		for (int32_t a = 0; a < na && tf_kr_ok(r); a++) {
			(void)tf_kr_i32(r);
			int32_t nb = tf_kr_array(r, 4);
			tf_kr_skip(r, nb > 0 ? (size_t)nb * 4 : 0);
		}
		int32_t nc = tf_kr_array(r, 4);
		for (int32_t c = 0; c < nc && tf_kr_ok(r); c++) {
			(void)tf_kr_str(r);
			(void)tf_kr_str(r);
		}
	}
	(void)tf_kr_i32(r);
	bool validate_only = v >= 1 ? tf_kr_i8(r) != 0 : false;
	if (!tf_kr_ok(r) || n < 0)
		return TF_ERR_PARSE;
	r->pos = at;
	tf_kw *w = &rq->w;
	if (v >= 2)
		tf_kw_i32(w, 0);
	tf_kw_i32(w, n);
	for (int32_t i = 0; i < n; i++) {
		tf_kstr name = tf_kr_str(r);
		int32_t np = tf_kr_i32(r);
		int16_t rf = tf_kr_i16(r);
		int32_t na = tf_kr_array(r, 8);
		int32_t max_part = -1;
		for (int32_t a = 0; a < na; a++) {
			int32_t pi = tf_kr_i32(r);
			if (pi > max_part)
				max_part = pi;
			int32_t nb = tf_kr_array(r, 4);
			tf_kr_skip(r, nb > 0 ? (size_t)nb * 4 : 0);
		}
		int32_t nc = tf_kr_array(r, 4);
		for (int32_t c = 0; c < nc; c++) {
			(void)tf_kr_str(r);
			(void)tf_kr_str(r);
		}
		if (np == -1)
			np = na > 0 ? max_part + 1 : rq->b->cfg.partitions;
		int16_t err = 0;
		const char *msg = NULL;
		if (rf != -1 && rf != 1) {
			err = 38; /* INVALID_REPLICATION_FACTOR */
			msg = "this single-node broker supports replication factor 1";
		} else if (!tf_topic_name_valid(name.p, name.len)) {
			err = 17;
		} else if (tf_topic_find(rq->b, name.p, name.len)) {
			err = 36;
			msg = "topic already exists";
		} else if (np <= 0 || np > TF_BROKER_MAX_PARTITIONS) {
			err = 37;
		} else if (!validate_only) {
			tf_topic *t;
			int e = tf_topic_create(rq->b, name.p, name.len, np, &t);
			err = (int16_t)(e < 0 ? -1 : e);
		}
		tf_kw_str(w, name.p, name.len < 0 ? 0 : name.len);
		tf_kw_i16(w, err);
		if (v >= 1)
			tf_kw_strz(w, msg);
	}
	return TF_OK;
}

/* Topic configuration as this broker applies it (the same for every topic). */
static void write_configs(tf_req *rq, tf_kr *keys, int32_t nkeys, bool topic)
{
	const tf_broker_cfg *c = &rq->b->cfg;
	char retention_ms[32], retention_bytes[32], segment_bytes[32], partitions[32], max_frame[32];
	snprintf(retention_ms, sizeof retention_ms, "%" PRId64, c->log.retention_ms > 0 ? c->log.retention_ms : -1);
	snprintf(retention_bytes, sizeof retention_bytes, "%" PRId64, c->log.retention_bytes);
	snprintf(segment_bytes, sizeof segment_bytes, "%" PRIu64, c->log.segment_bytes);
	snprintf(partitions, sizeof partitions, "%d", c->partitions);
	snprintf(max_frame, sizeof max_frame, "%zu", c->max_frame);
	const char *tc[][2] = {{"cleanup.policy", "delete"}, {"compression.type", "producer"},
			       {"retention.ms", retention_ms}, {"retention.bytes", retention_bytes},
			       {"segment.bytes", segment_bytes}, {"message.timestamp.type", "CreateTime"},
			       {"max.message.bytes", max_frame}};
	const char *bc[][2] = {{"num.partitions", partitions}, {"log.retention.ms", retention_ms},
			       {"log.segment.bytes", segment_bytes}, {"socket.request.max.bytes", max_frame},
			       {"auto.create.topics.enable", c->auto_create ? "true" : "false"}};
	const char *(*cfgs)[2] = topic ? tc : bc;
	int ncfg = topic ? (int)(sizeof tc / sizeof tc[0]) : (int)(sizeof bc / sizeof bc[0]);
	/* Which ones: all when keys are null, else those named (in our list). */
	bool want[8] = {false};
	int count = 0;
	for (int i = 0; i < ncfg; i++) {
		if (nkeys < 0) {
			want[i] = true;
		} else {
			size_t save = keys->pos;
			for (int32_t k = 0; k < nkeys; k++) {
				tf_kstr s = tf_kr_str(keys);
				if (s.len == (int32_t)strlen(cfgs[i][0]) && memcmp(s.p, cfgs[i][0], (size_t)s.len) == 0)
					want[i] = true;
			}
			keys->pos = save;
		}
		count += want[i];
	}
	tf_kw *w = &rq->w;
	tf_kw_i32(w, count);
	for (int i = 0; i < ncfg; i++) {
		if (!want[i])
			continue;
		tf_kw_strz(w, cfgs[i][0]);
		tf_kw_strz(w, cfgs[i][1]);
		tf_kw_i8(w, 1); /* read only */
		if (rq->version == 0)
			tf_kw_i8(w, 0); /* is_default */
		else
			tf_kw_i8(w, topic ? 5 : 4); /* DEFAULT_CONFIG / STATIC_BROKER_CONFIG */
		tf_kw_i8(w, 0); /* sensitive */
		if (rq->version >= 1)
			tf_kw_i32(w, 0); /* synonyms */
	}
}

tf_err tf_h_describe_configs(tf_req *rq)
{
	tf_kr *r = &rq->r;
	int32_t n = tf_kr_array(r, 7);
	size_t at = r->pos;
	for (int32_t i = 0; i < n && tf_kr_ok(r); i++) {
		(void)tf_kr_i8(r);
		(void)tf_kr_str(r);
		int32_t nk = tf_kr_array(r, 2);
		for (int32_t k = 0; k < nk && tf_kr_ok(r); k++)
			(void)tf_kr_str(r);
	}
	if (rq->version >= 1)
		(void)tf_kr_i8(r);
	if (!tf_kr_ok(r) || n < 0)
		return TF_ERR_PARSE;
	r->pos = at;
	tf_kw *w = &rq->w;
	tf_kw_i32(w, 0);
	tf_kw_i32(w, n);
	for (int32_t i = 0; i < n; i++) {
		int8_t type = tf_kr_i8(r);
		tf_kstr name = tf_kr_str(r);
		int32_t nk = tf_kr_array(r, 2);
		tf_kr keys = *r;
		for (int32_t k = 0; k < nk; k++)
			(void)tf_kr_str(r);
		int16_t err = 0;
		const char *msg = NULL;
		bool topic = type == 2;
		if (topic && !tf_topic_find(rq->b, name.p, name.len)) {
			err = 3;
			msg = "unknown topic";
		} else if (!topic && type != 4) {
			err = 42; /* INVALID_REQUEST */
			msg = "only topic and broker resources are described";
		}
		tf_kw_i16(w, err);
		tf_kw_strz(w, msg);
		tf_kw_i8(w, type);
		tf_kw_str(w, name.p, name.len < 0 ? 0 : name.len);
		if (err)
			tf_kw_i32(w, 0);
		else
			write_configs(rq, &keys, nk, topic);
	}
	return TF_OK;
}

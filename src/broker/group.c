/* group.c — see group.h for the state machine; this file holds the transitions, session timeouts,
 * deferred JoinGroup/SyncGroup responses, and the durable offset store. */
#include "broker/group.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "kafka/crc32c.h"

#define E_ILLEGAL_GENERATION 22
#define E_INCONSISTENT_GROUP_PROTOCOL 23
#define E_INVALID_GROUP_ID 24
#define E_UNKNOWN_MEMBER_ID 25
#define E_INVALID_SESSION_TIMEOUT 26
#define E_REBALANCE_IN_PROGRESS 27
#define E_MEMBER_ID_REQUIRED 79
#define MAX_GROUPS 10000
#define MAX_MEMBERS 1000
#define MAX_OFFSETS_FILE (256u << 20)
#define COMPACT_AFTER (64u << 20) /* rewrite the offsets file once this much was appended */

static const char *const state_names[] = {"Empty", "PreparingRebalance", "CompletingRebalance", "Stable"};
const char *tf_group_state_name(tf_group_state s) { return state_names[s]; }

static bool kstr_eq(tf_kstr a, const char *s)
{
	return s && a.len >= 0 && (size_t)a.len == strlen(s) && memcmp(a.p, s, (size_t)a.len) == 0;
}

static char *kstr_dup(tf_kstr s) { return s.len < 0 ? NULL : strndup(s.p ? s.p : "", (size_t)s.len); }

static void set_state(tf_group *g, tf_group_state s)
{
	if (g->state != s)
		tf_debug("group %s: %s -> %s (generation %d)", g->id, state_names[g->state], state_names[s], g->generation);
	g->state = s;
}

tf_group *tf_group_get(tf_broker *b, const char *id, int32_t len, bool create)
{
	if (len < 0)
		return NULL;
	for (int i = 0; i < b->ngroups; i++)
		if ((int32_t)strlen(b->groups[i]->id) == len && memcmp(b->groups[i]->id, id, (size_t)len) == 0)
			return b->groups[i];
	if (!create || len == 0 || b->ngroups >= MAX_GROUPS)
		return NULL;
	if (b->ngroups == b->capgroups) {
		int cap = b->capgroups ? b->capgroups * 2 : 8;
		tf_group **ng = realloc(b->groups, (size_t)cap * sizeof *ng);
		if (!ng)
			return NULL;
		b->groups = ng;
		b->capgroups = cap;
	}
	tf_group *g = calloc(1, sizeof *g);
	if (!g || !(g->id = strndup(id, (size_t)len))) {
		free(g);
		return NULL;
	}
	g->b = b;
	b->groups[b->ngroups++] = g;
	return g;
}

tf_member *tf_group_member(tf_group *g, const char *id, int32_t len)
{
	if (!g || len <= 0)
		return NULL;
	for (int i = 0; i < g->nmembers; i++)
		if ((int32_t)strlen(g->members[i]->id) == len && memcmp(g->members[i]->id, id, (size_t)len) == 0)
			return g->members[i];
	return NULL;
}

static void free_protos(tf_member *m)
{
	for (int i = 0; i < m->nprotos; i++) {
		free(m->protos[i].name);
		free(m->protos[i].meta);
	}
	free(m->protos);
	m->protos = NULL;
	m->nprotos = 0;
}

/* ---- deferred responses ---- */

static void cancel_join(tf_slot *s) { ((tf_member *)s->owner)->join_slot = NULL; }
static void cancel_sync(tf_slot *s) { ((tf_member *)s->owner)->sync_slot = NULL; }

/* Writes a JoinGroup response body for member m (or for an error with member id `mid`). */
static void write_join(tf_kw *w, int16_t v, int16_t err, const tf_group *g, const char *mid, bool with_members)
{
	if (v >= 2)
		tf_kw_i32(w, 0);
	tf_kw_i16(w, err);
	tf_kw_i32(w, err ? -1 : g->generation);
	tf_kw_strz(w, err ? "" : g->protocol);
	tf_kw_strz(w, err ? "" : g->leader);
	tf_kw_strz(w, mid ? mid : "");
	if (!with_members || err) {
		tf_kw_i32(w, 0);
		return;
	}
	tf_kw_i32(w, g->nmembers);
	for (int i = 0; i < g->nmembers; i++) {
		const tf_member *m = g->members[i];
		tf_kw_strz(w, m->id);
		if (v >= 5)
			tf_kw_strz(w, m->instance_id);
		const tf_group_proto *p = NULL;
		for (int k = 0; k < m->nprotos; k++)
			if (!strcmp(m->protos[k].name, g->protocol))
				p = &m->protos[k];
		tf_kw_bytes(w, p ? p->meta : NULL, p ? p->meta_len : 0);
	}
}

static void answer_join(tf_member *m, int16_t err)
{
	tf_slot *s = m->join_slot;
	if (!s)
		return;
	m->join_slot = NULL;
	tf_kw w;
	tf_srv_slot_writer(s, &w);
	bool leader = m->g->leader && !strcmp(m->g->leader, m->id);
	write_join(&w, s->version, err, m->g, m->id, leader);
	tf_srv_slot_done(s);
}

static void write_sync(tf_kw *w, int16_t v, int16_t err, const uint8_t *a, int32_t alen)
{
	if (v >= 1)
		tf_kw_i32(w, 0);
	tf_kw_i16(w, err);
	tf_kw_bytes(w, err ? NULL : a, err ? 0 : alen);
}

static void answer_sync(tf_member *m, int16_t err)
{
	tf_slot *s = m->sync_slot;
	if (!s)
		return;
	m->sync_slot = NULL;
	tf_kw w;
	tf_srv_slot_writer(s, &w);
	write_sync(&w, s->version, err, m->assignment, m->assignment_len);
	tf_srv_slot_done(s);
}

/* ---- transitions ---- */

static void remove_member(tf_group *g, int i, const char *why)
{
	tf_member *m = g->members[i];
	tf_info("group %s: member %s leaves (%s)", g->id, m->id, why);
	answer_join(m, E_UNKNOWN_MEMBER_ID);
	answer_sync(m, E_UNKNOWN_MEMBER_ID);
	free_protos(m);
	free(m->assignment);
	free(m->instance_id);
	free(m->id);
	free(m);
	g->members[i] = g->members[--g->nmembers];
}

static void prepare_rebalance(tf_group *g, int64_t now)
{
	if (g->state == TF_GROUP_PREPARING)
		return;
	for (int i = 0; i < g->nmembers; i++)
		answer_sync(g->members[i], E_REBALANCE_IN_PROGRESS);
	int32_t timeout = 0;
	for (int i = 0; i < g->nmembers; i++)
		if (g->members[i]->rebalance_timeout_ms > timeout)
			timeout = g->members[i]->rebalance_timeout_ms;
	g->rebalance_deadline_ms = now + timeout;
	set_state(g, TF_GROUP_PREPARING);
}

static bool supports(const tf_member *m, const char *proto)
{
	for (int k = 0; k < m->nprotos; k++)
		if (!strcmp(m->protos[k].name, proto))
			return true;
	return false;
}

static void complete_join(tf_group *g)
{
	for (int i = g->nmembers - 1; i >= 0; i--)
		if (!g->members[i]->join_slot)
			remove_member(g, i, "did not rejoin in time");
	g->generation++;
	free(g->protocol);
	g->protocol = NULL;
	if (g->nmembers == 0) {
		free(g->leader);
		g->leader = NULL;
		free(g->protocol_type);
		g->protocol_type = NULL;
		set_state(g, TF_GROUP_EMPTY);
		return;
	}
	/* The first protocol (in the first member's order of preference) that every member supports. */
	const tf_member *m0 = g->members[0];
	for (int k = 0; k < m0->nprotos && !g->protocol; k++) {
		bool all = true;
		for (int i = 1; i < g->nmembers && all; i++)
			all = supports(g->members[i], m0->protos[k].name);
		if (all)
			g->protocol = strdup(m0->protos[k].name);
	}
	if (!g->protocol)
		g->protocol = strdup(m0->nprotos ? m0->protos[0].name : "");
	if (!g->leader || !tf_group_member(g, g->leader, (int32_t)strlen(g->leader))) {
		free(g->leader);
		g->leader = strdup(g->members[0]->id);
	}
	set_state(g, TF_GROUP_COMPLETING);
	tf_info("group %s: generation %d with %d member(s), protocol %s, leader %s", g->id, g->generation,
		g->nmembers, g->protocol ? g->protocol : "?", g->leader ? g->leader : "?");
	for (int i = 0; i < g->nmembers; i++) {
		free(g->members[i]->assignment);
		g->members[i]->assignment = NULL;
		g->members[i]->assignment_len = 0;
		answer_join(g->members[i], 0);
	}
}

static bool all_joined(const tf_group *g)
{
	for (int i = 0; i < g->nmembers; i++)
		if (!g->members[i]->join_slot)
			return false;
	return true;
}

static void maybe_complete(tf_group *g, int64_t now)
{
	if (g->state == TF_GROUP_PREPARING && (all_joined(g) || now >= g->rebalance_deadline_ms))
		complete_join(g);
}

static bool take_pending(tf_group *g, tf_kstr id)
{
	for (int i = 0; i < g->npending; i++)
		if (kstr_eq(id, g->pending_ids[i])) {
			free(g->pending_ids[i]);
			g->pending_ids[i] = g->pending_ids[--g->npending];
			return true;
		}
	return false;
}

static char *new_member_id(tf_broker *b, tf_kstr client_id)
{
	char buf[320];
	static uint64_t seq;
	snprintf(buf, sizeof buf, "%.*s-%016" PRIx64 "-%" PRIu64, client_id.len > 0 ? (int)(client_id.len > 200 ? 200 : client_id.len) : 0,
		 client_id.p ? client_id.p : "", (uint64_t)tf_now_ms() * 2654435761u, ++seq);
	return strdup(buf);
}

static bool compatible(const tf_group *g, const tf_join_args *a, const tf_member *self)
{
	if (g->nmembers == 0 || (g->nmembers == 1 && self))
		return true;
	if (g->protocol_type && !kstr_eq(a->protocol_type, g->protocol_type))
		return false;
	for (int32_t k = 0; k < a->nprotos; k++) {
		char name[256];
		int32_t len = a->proto_names[k].len;
		if (len < 0 || len >= (int32_t)sizeof name)
			continue;
		memcpy(name, a->proto_names[k].p, (size_t)len);
		name[len] = '\0';
		bool all = true;
		for (int i = 0; i < g->nmembers && all; i++)
			if (g->members[i] != self)
				all = supports(g->members[i], name);
		if (all)
			return true;
	}
	return false;
}

static tf_err set_protos(tf_member *m, const tf_join_args *a)
{
	free_protos(m);
	m->protos = calloc((size_t)a->nprotos + 1, sizeof *m->protos);
	if (!m->protos)
		return TF_ERR_NOMEM;
	for (int32_t k = 0; k < a->nprotos; k++) {
		tf_group_proto *p = &m->protos[m->nprotos++];
		p->name = kstr_dup(a->proto_names[k]);
		p->meta_len = a->proto_meta_len[k];
		p->meta = malloc((size_t)p->meta_len + 1);
		if (!p->name || !p->meta)
			return TF_ERR_NOMEM;
		if (p->meta_len)
			memcpy(p->meta, a->proto_meta[k], (size_t)p->meta_len);
	}
	return TF_OK;
}

tf_err tf_group_join(tf_req *rq, const tf_join_args *a)
{
	int64_t now = tf_mono_ms();
	tf_kw *w = &rq->w;
	int16_t v = rq->version;
	if (a->group_id.len <= 0) {
		write_join(w, v, E_INVALID_GROUP_ID, NULL, NULL, false);
		return TF_OK;
	}
	if (a->session_timeout_ms < 1000 || a->session_timeout_ms > 3600000) {
		write_join(w, v, E_INVALID_SESSION_TIMEOUT, NULL, NULL, false);
		return TF_OK;
	}
	tf_group *g = tf_group_get(rq->b, a->group_id.p, a->group_id.len, true);
	if (!g)
		return TF_ERR_NOMEM;
	tf_member *m = tf_group_member(g, a->member_id.p, a->member_id.len);
	if (a->nprotos <= 0 || a->protocol_type.len <= 0 || !compatible(g, a, m)) {
		write_join(w, v, E_INCONSISTENT_GROUP_PROTOCOL, NULL, NULL, false);
		return TF_OK;
	}
	if (!m && a->member_id.len <= 0 && v >= 4) {
		/* Hand out an id; the client joins again with it (KIP-394). */
		char *id = new_member_id(rq->b, a->client_id);
		if (!id)
			return TF_ERR_NOMEM;
		if (g->npending == (int)(sizeof g->pending_ids / sizeof g->pending_ids[0])) {
			free(g->pending_ids[g->next_pending]);
			g->pending_ids[g->next_pending] = id;
			g->next_pending = (g->next_pending + 1) % g->npending;
		} else {
			g->pending_ids[g->npending++] = id;
		}
		write_join(w, v, E_MEMBER_ID_REQUIRED, NULL, id, false);
		return TF_OK;
	}
	if (!m && a->member_id.len > 0 && !take_pending(g, a->member_id)) {
		write_join(w, v, E_UNKNOWN_MEMBER_ID, NULL, NULL, false);
		return TF_OK;
	}
	if (!m) {
		if (g->nmembers >= MAX_MEMBERS) {
			write_join(w, v, E_UNKNOWN_MEMBER_ID, NULL, NULL, false);
			return TF_OK;
		}
		if (g->nmembers == g->capmembers) {
			int cap = g->capmembers ? g->capmembers * 2 : 8;
			tf_member **nm = realloc(g->members, (size_t)cap * sizeof *nm);
			if (!nm)
				return TF_ERR_NOMEM;
			g->members = nm;
			g->capmembers = cap;
		}
		m = calloc(1, sizeof *m);
		if (!m)
			return TF_ERR_NOMEM;
		m->g = g;
		m->id = a->member_id.len > 0 ? kstr_dup(a->member_id) : new_member_id(rq->b, a->client_id);
		if (!m->id) {
			free(m);
			return TF_ERR_NOMEM;
		}
		g->members[g->nmembers++] = m;
		tf_info("group %s: member %s joins", g->id, m->id);
	}
	m->session_timeout_ms = a->session_timeout_ms;
	m->rebalance_timeout_ms = a->rebalance_timeout_ms > 0 ? a->rebalance_timeout_ms : a->session_timeout_ms;
	free(m->instance_id);
	m->instance_id = kstr_dup(a->instance_id);
	m->last_seen_ms = now;
	if (set_protos(m, a) != TF_OK)
		return TF_ERR_NOMEM;
	if (!g->protocol_type)
		g->protocol_type = kstr_dup(a->protocol_type);
	if (m->join_slot) /* a second join while the first waits: the first is answered as superseded */
		answer_join(m, E_REBALANCE_IN_PROGRESS);
	m->join_slot = rq->slot;
	rq->slot->owner = m;
	rq->slot->cancel = cancel_join;
	prepare_rebalance(g, now);
	maybe_complete(g, now);
	return TF_BROKER_DEFER;
}

tf_err tf_group_sync(tf_req *rq, tf_kstr group_id, int32_t generation, tf_kstr member_id, int32_t n,
		     const tf_kstr *ids, const uint8_t *const *assign, const int32_t *assign_len)
{
	tf_kw *w = &rq->w;
	tf_group *g = tf_group_get(rq->b, group_id.p, group_id.len, false);
	tf_member *m = tf_group_member(g, member_id.p, member_id.len);
	int16_t err = 0;
	if (!m)
		err = E_UNKNOWN_MEMBER_ID;
	else if (generation != g->generation)
		err = E_ILLEGAL_GENERATION;
	else if (g->state == TF_GROUP_PREPARING)
		err = E_REBALANCE_IN_PROGRESS;
	if (err) {
		write_sync(w, rq->version, err, NULL, 0);
		return TF_OK;
	}
	m->last_seen_ms = tf_mono_ms();
	if (g->state == TF_GROUP_STABLE) {
		write_sync(w, rq->version, 0, m->assignment, m->assignment_len);
		return TF_OK;
	}
	/* CompletingRebalance */
	answer_sync(m, E_REBALANCE_IN_PROGRESS);
	m->sync_slot = rq->slot;
	rq->slot->owner = m;
	rq->slot->cancel = cancel_sync;
	if (g->leader && !strcmp(g->leader, m->id)) {
		for (int32_t i = 0; i < n; i++) {
			tf_member *t = tf_group_member(g, ids[i].p, ids[i].len);
			if (!t)
				continue;
			free(t->assignment);
			t->assignment = malloc((size_t)assign_len[i] + 1);
			if (!t->assignment)
				return TF_ERR_NOMEM;
			t->assignment_len = assign_len[i];
			if (assign_len[i])
				memcpy(t->assignment, assign[i], (size_t)assign_len[i]);
		}
		set_state(g, TF_GROUP_STABLE);
		for (int i = 0; i < g->nmembers; i++)
			answer_sync(g->members[i], 0);
	}
	return TF_BROKER_DEFER;
}

int16_t tf_group_heartbeat(tf_broker *b, tf_kstr group_id, int32_t generation, tf_kstr member_id)
{
	tf_group *g = tf_group_get(b, group_id.p, group_id.len, false);
	tf_member *m = tf_group_member(g, member_id.p, member_id.len);
	if (!m)
		return E_UNKNOWN_MEMBER_ID;
	m->last_seen_ms = tf_mono_ms();
	if (g->state == TF_GROUP_PREPARING)
		return E_REBALANCE_IN_PROGRESS;
	if (generation != g->generation)
		return E_ILLEGAL_GENERATION;
	return 0;
}

int16_t tf_group_leave(tf_broker *b, tf_kstr group_id, tf_kstr member_id)
{
	tf_group *g = tf_group_get(b, group_id.p, group_id.len, false);
	tf_member *m = tf_group_member(g, member_id.p, member_id.len);
	if (!m)
		return E_UNKNOWN_MEMBER_ID;
	for (int i = 0; i < g->nmembers; i++)
		if (g->members[i] == m) {
			remove_member(g, i, "LeaveGroup");
			break;
		}
	int64_t now = tf_mono_ms();
	if (g->nmembers == 0) {
		g->generation++;
		free(g->leader);
		g->leader = NULL;
		free(g->protocol);
		g->protocol = NULL;
		free(g->protocol_type);
		g->protocol_type = NULL;
		set_state(g, TF_GROUP_EMPTY);
	} else {
		prepare_rebalance(g, now);
		maybe_complete(g, now);
	}
	return 0;
}

void tf_groups_tick(tf_broker *b, int64_t now)
{
	for (int gi = 0; gi < b->ngroups; gi++) {
		tf_group *g = b->groups[gi];
		bool expired = false;
		for (int i = g->nmembers - 1; i >= 0; i--) {
			tf_member *m = g->members[i];
			if (!m->join_slot && now - m->last_seen_ms > m->session_timeout_ms) {
				remove_member(g, i, "session timeout");
				expired = true;
			}
		}
		if (expired) {
			if (g->nmembers == 0 && g->state != TF_GROUP_PREPARING) {
				g->generation++;
				set_state(g, TF_GROUP_EMPTY);
			} else {
				prepare_rebalance(g, now);
			}
		}
		maybe_complete(g, now);
	}
}

/* ---- offsets ---- */

int16_t tf_group_commit_check(tf_broker *b, tf_kstr group_id, int32_t generation, tf_kstr member_id)
{
	if (group_id.len <= 0)
		return E_INVALID_GROUP_ID;
	tf_group *g = tf_group_get(b, group_id.p, group_id.len, true);
	if (!g)
		return E_INVALID_GROUP_ID;
	if (generation < 0 && member_id.len <= 0)
		return g->state == TF_GROUP_EMPTY ? 0 : E_ILLEGAL_GENERATION; /* standalone commit */
	tf_member *m = tf_group_member(g, member_id.p, member_id.len);
	if (!m)
		return E_UNKNOWN_MEMBER_ID;
	if (generation != g->generation)
		return E_ILLEGAL_GENERATION;
	if (g->state == TF_GROUP_COMPLETING)
		return E_REBALANCE_IN_PROGRESS;
	m->last_seen_ms = tf_mono_ms();
	return 0;
}

static tf_group_offset *find_offset(tf_group *g, tf_kstr topic, int32_t part)
{
	for (int i = 0; i < g->noffsets; i++)
		if (g->offsets[i].part == part && kstr_eq(topic, g->offsets[i].topic))
			return &g->offsets[i];
	return NULL;
}

/* Sets the in-memory offset (no I/O). */
static int16_t store_offset(tf_group *g, tf_kstr topic, int32_t part, int64_t offset, tf_kstr meta)
{
	tf_group_offset *o = find_offset(g, topic, part);
	if (!o) {
		if (g->noffsets == g->capoffsets) {
			int cap = g->capoffsets ? g->capoffsets * 2 : 16;
			tf_group_offset *no = realloc(g->offsets, (size_t)cap * sizeof *no);
			if (!no)
				return -1;
			g->offsets = no;
			g->capoffsets = cap;
		}
		o = &g->offsets[g->noffsets];
		memset(o, 0, sizeof *o);
		if (!(o->topic = kstr_dup(topic)))
			return -1;
		o->part = part;
		g->noffsets++;
	}
	free(o->meta);
	o->meta = kstr_dup(meta);
	o->offset = offset;
	return 0;
}

/* Record: u32 payload length | u32 CRC-32C(payload) | payload: u16 group | u16 topic | i32 part |
 * i64 offset | i16 meta (-1 null). */
static size_t encode_record(uint8_t *buf, size_t cap, const char *group, tf_kstr topic, int32_t part,
			    int64_t offset, tf_kstr meta)
{
	size_t gl = strlen(group), tl = (size_t)topic.len, ml = meta.len > 0 ? (size_t)meta.len : 0;
	size_t n = 8 + 2 + gl + 2 + tl + 4 + 8 + 2 + ml;
	if (n > cap || gl > 0xffff || tl > 0xffff || ml > 0x7fff)
		return 0;
	uint8_t *p = buf + 8;
	tf_put_be16(p, (uint16_t)gl), memcpy(p + 2, group, gl), p += 2 + gl;
	tf_put_be16(p, (uint16_t)tl), memcpy(p + 2, topic.p, tl), p += 2 + tl;
	tf_put_be32(p, (uint32_t)part), p += 4;
	tf_put_be64(p, (uint64_t)offset), p += 8;
	tf_put_be16(p, (uint16_t)(meta.len < 0 ? -1 : (int16_t)ml)), p += 2;
	if (ml)
		memcpy(p, meta.p, ml);
	tf_put_be32(buf, (uint32_t)(n - 8));
	tf_put_be32(buf + 4, tf_crc32c(0, buf + 8, n - 8));
	return n;
}

static tf_err compact(tf_broker *b, const char *path);
static tf_err reopen_offsets(tf_broker *b);

static void offsets_path(const tf_broker *b, char *path, size_t cap)
{
	snprintf(path, cap, "%s/__group_offsets.tfo", b->cfg.data_dir);
}

int16_t tf_group_commit(tf_broker *b, tf_kstr group_id, tf_kstr topic, int32_t part, int64_t offset, tf_kstr meta)
{
	tf_group *g = tf_group_get(b, group_id.p, group_id.len, true);
	if (!g || topic.len <= 0)
		return 3;
	if (meta.len > 4096)
		return 12; /* OFFSET_METADATA_TOO_LARGE */
	uint8_t buf[8 + 2 + 256 + 2 + 256 + 14 + 4096 + 64];
	size_t n = encode_record(buf, sizeof buf, g->id, topic, part, offset, meta);
	if (n == 0)
		return 3;
	if (b->offsets_fd >= 0) {
		/* a short write (disk full) would leave a torn record that hides every later commit from
		 * replay: cut the file back to where this record started */
		off_t start = lseek(b->offsets_fd, 0, SEEK_END);
		ssize_t w = write(b->offsets_fd, buf, n);
		if (w != (ssize_t)n) {
			int e = w < 0 ? errno : ENOSPC;
			if (start >= 0 && ftruncate(b->offsets_fd, start) != 0)
				tf_error("cannot truncate group offsets back: %s", strerror(errno));
			tf_error("cannot write group offsets: %s; the commit is refused", strerror(e));
			return -1;
		}
		b->offsets_dirty = true;
		if (b->cfg.log.fsync == TF_FSYNC_ALWAYS)
			tf_groups_sync(b);
	}
	int16_t err = store_offset(g, topic, part, offset, meta);
	b->offsets_bytes += n;
	if (b->offsets_bytes > COMPACT_AFTER) { /* only the latest offset per partition matters */
		char path[4096];
		offsets_path(b, path, sizeof path);
		if (compact(b, path) == TF_OK && reopen_offsets(b) == TF_OK)
			b->offsets_bytes = 0;
		else
			tf_error("cannot compact %s: %s", path, strerror(errno));
	}
	return err;
}

const tf_group_offset *tf_group_committed(tf_broker *b, tf_kstr group_id, tf_kstr topic, int32_t part)
{
	tf_group *g = tf_group_get(b, group_id.p, group_id.len, false);
	return g ? find_offset(g, topic, part) : NULL;
}

void tf_groups_sync(tf_broker *b)
{
	if (b->offsets_fd >= 0 && b->offsets_dirty) {
		b->offsets_dirty = false;
		if (fdatasync(b->offsets_fd) != 0)
			tf_error("fdatasync group offsets: %s", strerror(errno));
	}
}

/* Replays the offsets file; stops at the first torn or corrupt record. */
static void replay(tf_broker *b, const uint8_t *p, size_t n)
{
	size_t pos = 0;
	while (n - pos >= 8) {
		uint32_t len = tf_be32(p + pos);
		if (len > n - pos - 8 || tf_crc32c(0, p + pos + 8, len) != tf_be32(p + pos + 4))
			break;
		tf_kr r;
		tf_kr_init(&r, p + pos + 8, len);
		uint16_t gl = (uint16_t)tf_kr_i16(&r);
		const uint8_t *gp = tf_kr_take(&r, gl);
		uint16_t tl = (uint16_t)tf_kr_i16(&r);
		const uint8_t *tp = tf_kr_take(&r, tl);
		int32_t part = tf_kr_i32(&r);
		int64_t off = tf_kr_i64(&r);
		tf_kstr meta = tf_kr_str(&r);
		if (!tf_kr_ok(&r))
			break;
		tf_group *g = tf_group_get(b, (const char *)gp, gl, true);
		tf_kstr topic = {(const char *)tp, tl};
		if (g)
			store_offset(g, topic, part, off, meta);
		pos += 8 + len;
	}
	if (pos < n)
		tf_warn("group offsets: ignored %zu bytes of torn or corrupt tail", n - pos);
}

/* Writes every live offset to a new file and renames it over the old one. */
static tf_err compact(tf_broker *b, const char *path)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return TF_ERR_IO;
	tf_err err = TF_OK;
	for (int gi = 0; gi < b->ngroups && !err; gi++) {
		tf_group *g = b->groups[gi];
		for (int i = 0; i < g->noffsets && !err; i++) {
			uint8_t buf[8 + 2 + 256 + 2 + 256 + 14 + 4096 + 64];
			tf_group_offset *o = &g->offsets[i];
			tf_kstr topic = {o->topic, (int32_t)strlen(o->topic)};
			tf_kstr meta = {o->meta, o->meta ? (int32_t)strlen(o->meta) : -1};
			size_t n = encode_record(buf, sizeof buf, g->id, topic, o->part, o->offset, meta);
			if (n && write(fd, buf, n) != (ssize_t)n)
				err = TF_ERR_IO;
		}
	}
	if (!err && fsync(fd) != 0)
		err = TF_ERR_IO;
	close(fd);
	if (!err && rename(tmp, path) != 0)
		err = TF_ERR_IO;
	return err;
}

static tf_err reopen_offsets(tf_broker *b)
{
	char path[4096];
	offsets_path(b, path, sizeof path);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return TF_ERR_IO;
	if (b->offsets_fd >= 0)
		close(b->offsets_fd);
	b->offsets_fd = fd;
	return TF_OK;
}

tf_err tf_groups_load(tf_broker *b)
{
	char path[4096];
	offsets_path(b, path, sizeof path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		struct stat st;
		if (fstat(fd, &st) == 0 && st.st_size > 0 && (uint64_t)st.st_size <= MAX_OFFSETS_FILE) {
			uint8_t *p = malloc((size_t)st.st_size);
			if (p && pread(fd, p, (size_t)st.st_size, 0) == st.st_size)
				replay(b, p, (size_t)st.st_size);
			free(p);
		}
		close(fd);
		if (compact(b, path) != TF_OK) {
			tf_error("cannot rewrite %s: %s", path, strerror(errno));
			return TF_ERR_IO;
		}
	}
	if (reopen_offsets(b) != TF_OK) {
		tf_error("cannot open %s: %s", path, strerror(errno));
		return TF_ERR_IO;
	}
	int n = 0;
	for (int i = 0; i < b->ngroups; i++)
		n += b->groups[i]->noffsets;
	if (n)
		tf_info("loaded %d committed offsets of %d group(s)", n, b->ngroups);
	return TF_OK;
}

void tf_groups_free(tf_broker *b)
{
	tf_groups_sync(b);
	for (int gi = 0; gi < b->ngroups; gi++) {
		tf_group *g = b->groups[gi];
		while (g->nmembers)
			remove_member(g, g->nmembers - 1, "shutdown");
		free(g->members);
		for (int i = 0; i < g->npending; i++)
			free(g->pending_ids[i]);
		for (int i = 0; i < g->noffsets; i++) {
			free(g->offsets[i].topic);
			free(g->offsets[i].meta);
		}
		free(g->offsets);
		free(g->protocol_type);
		free(g->protocol);
		free(g->leader);
		free(g->id);
		free(g);
	}
	free(b->groups);
	b->groups = NULL;
	b->ngroups = 0;
	if (b->offsets_fd >= 0)
		close(b->offsets_fd);
	b->offsets_fd = -1;
}

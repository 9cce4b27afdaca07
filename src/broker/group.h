/* group.h — the consumer-group coordinator of this single node, and committed offsets.
 *
 *  State machine of a group (Kafka's classic protocol; transitions in group.c):
 *
 *              join (first member)               all members rejoined, or rebalance
 *   +-------+ ----------------------> +-----------+  timeout (laggards dropped)   +------------+
 *   | Empty |                         | Preparing | ----------------------------> | Completing |
 *   +-------+ <---------------------- | Rebalance | <---------------------------- | Rebalance  |
 *       ^      last member left /     +-----------+   join, leave, session expiry  +------------+
 *       |      expired                   ^    ^                                        |
 *       |                                |    | join, leave, session expiry            | leader's
 *       |                                |    |                                        | SyncGroup
 *       |                                |  +--------+ <-------------------------------+
 *       +--------------------------------+--| Stable |
 *            last member left / expired     +--------+
 *
 *  PreparingRebalance: JoinGroup responses are held until every known member has (re)joined;
 *  Heartbeat answers REBALANCE_IN_PROGRESS so members rejoin. Completion bumps the generation,
 *  picks a protocol every member supports, names a leader, and answers all joins (the leader gets the
 *  member list). CompletingRebalance: SyncGroup from followers is held until the leader's SyncGroup
 *  brings the assignments; then Stable. JoinGroup v4+ with an empty member id gets MEMBER_ID_REQUIRED
 *  and a fresh id to join with.
 *
 * Offsets: OffsetCommit appends records to <data-dir>/__group_offsets.tfo (length + CRC-32C framed,
 * fsync per --fsync), replayed and compacted on start, so commits survive restarts. */
#ifndef TF_BROKER_GROUP_H
#define TF_BROKER_GROUP_H

#include "broker/broker_int.h"

typedef enum { TF_GROUP_EMPTY, TF_GROUP_PREPARING, TF_GROUP_COMPLETING, TF_GROUP_STABLE } tf_group_state;

typedef struct {
	char *name;
	uint8_t *meta;
	int32_t meta_len;
} tf_group_proto;

typedef struct tf_member {
	tf_group *g;
	char *id;
	char *instance_id;         /* NULL: dynamic member */
	int32_t session_timeout_ms, rebalance_timeout_ms;
	int nprotos;
	tf_group_proto *protos;
	uint8_t *assignment;
	int32_t assignment_len;
	int64_t last_seen_ms;
	tf_slot *join_slot, *sync_slot;
} tf_member;

typedef struct {
	char *topic;
	int32_t part;
	int64_t offset;
	char *meta;                /* NULL = null metadata */
} tf_group_offset;

struct tf_group {
	tf_broker *b;
	char *id;
	tf_group_state state;
	int32_t generation;
	char *protocol_type, *protocol, *leader;
	tf_member **members;
	int nmembers, capmembers;
	char *pending_ids[32];     /* ids handed out with MEMBER_ID_REQUIRED, not yet joined */
	int npending, next_pending;
	int64_t rebalance_deadline_ms;
	tf_group_offset *offsets;
	int noffsets, capoffsets;
};

const char *tf_group_state_name(tf_group_state s);
tf_group *tf_group_get(tf_broker *b, const char *id, int32_t len, bool create);
tf_member *tf_group_member(tf_group *g, const char *id, int32_t len);

/* A decoded JoinGroup; strings point into the request (copied when kept). */
typedef struct {
	tf_kstr group_id, member_id, instance_id, protocol_type, client_id;
	int32_t session_timeout_ms, rebalance_timeout_ms;
	int32_t nprotos;
	tf_kstr *proto_names;
	const uint8_t **proto_meta;
	int32_t *proto_meta_len;
} tf_join_args;

/* Handles JoinGroup: answers at once (errors, MEMBER_ID_REQUIRED) or parks the slot until the
 * rebalance completes. Returns TF_OK (response written to rq->w), TF_BROKER_DEFER or TF_ERR_NOMEM. */
tf_err tf_group_join(tf_req *rq, const tf_join_args *a);
/* SyncGroup: assignments[i] for member ids[i] when the caller is the leader. */
tf_err tf_group_sync(tf_req *rq, tf_kstr group_id, int32_t generation, tf_kstr member_id, int32_t n,
		     const tf_kstr *ids, const uint8_t *const *assign, const int32_t *assign_len);
int16_t tf_group_heartbeat(tf_broker *b, tf_kstr group_id, int32_t generation, tf_kstr member_id);
int16_t tf_group_leave(tf_broker *b, tf_kstr group_id, tf_kstr member_id);
/* Checks whether a commit from (generation, member) is allowed: Kafka error code. */
int16_t tf_group_commit_check(tf_broker *b, tf_kstr group_id, int32_t generation, tf_kstr member_id);
/* Stores one committed offset (durably, per --fsync). Kafka error code. */
int16_t tf_group_commit(tf_broker *b, tf_kstr group_id, tf_kstr topic, int32_t part, int64_t offset, tf_kstr meta);
const tf_group_offset *tf_group_committed(tf_broker *b, tf_kstr group_id, tf_kstr topic, int32_t part);

#endif

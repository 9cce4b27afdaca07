/* broker_int.h — internals shared by the broker's files: configuration, the broker object, topics,
 * connections and their in-order response slots, and the request context handlers receive.
 *
 * Threading: everything here runs on the broker's single event-loop thread (server.c); no locks.
 *
 * Responses: each request that will be answered gets a slot appended to its connection's queue at
 * decode time, so responses leave in request order even when a slot is completed later (a Fetch
 * held until data arrives, a JoinGroup waiting for the other members). A slot that is still pending
 * when its connection closes is cancelled through slot->cancel, which lets its owner forget it. */
#ifndef TF_BROKER_INT_H
#define TF_BROKER_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "broker/log.h"
#include "kafka/wire.h"
#include "net/loop.h"

#define TF_BROKER_NODE_ID 0
#define TF_BROKER_MAX_PARTITIONS 1024

typedef struct {
	const char *data_dir;
	char host[256];
	int port;
	int partitions;           /* default for auto-created topics */
	size_t max_frame;         /* largest request accepted */
	int64_t fsync_interval_ms;
	int64_t retention_check_ms;
	int max_topics;
	bool auto_create;
	tf_log_cfg log;
} tf_broker_cfg;

typedef struct {
	char *name;
	int nparts;
	tf_plog **parts;
} tf_topic;

typedef struct tf_broker tf_broker;
typedef struct tf_conn tf_conn;
typedef struct tf_slot tf_slot;
typedef struct tf_group tf_group;

struct tf_slot {
	tf_slot *next;
	tf_conn *conn;
	tf_buf out;     /* 4-byte size, correlation id, body */
	size_t header;  /* bytes of size + response header */
	bool ready;
	void (*cancel)(tf_slot *s); /* called when the connection closes while pending */
	void *owner;
	int16_t api_key, version;
	int32_t corr;
};

struct tf_conn {
	tf_conn *next, *prev;
	tf_broker *b;
	int fd;
	uint64_t id;
	char peer[64];
	tf_buf in;
	size_t in_off;
	tf_slot *head, *tail;
	size_t head_sent;
	size_t queued_bytes;
	int nslots;
	uint32_t events;
	tf_watch *watch;          /* NULL for socketless connections (fuzzing, unit tests) */
	bool closing;
	int64_t last_active_ms;
};

struct tf_held_fetch;

struct tf_broker {
	tf_broker_cfg cfg;
	tf_topic **topics;
	int ntopics, captopics;
	tf_group **groups;
	int ngroups, capgroups;
	int offsets_fd;           /* durable group offsets, append-only */
	bool offsets_dirty;
	uint64_t offsets_bytes;   /* written since the last compaction */
	int64_t next_pid;
	/* server (src/net/loop.h) */
	tf_loop *loop;
	tf_watch *lwatch;
	tf_timer tick;
	int lfd;
	tf_conn *conns;
	int nconns;
	uint64_t next_conn_id;
	struct tf_held_fetch *held;
	bool data_arrived;        /* an append happened: re-check held fetches */
	volatile int stop;
	/* --fsync interval: a thread calls syncfs(2) on the data directory every interval so that the
	 * event loop never blocks on a flush of hundreds of megabytes. */
	pthread_t syncer;
	bool syncer_running;
	pthread_mutex_t sync_mu;
	pthread_cond_t sync_cv;
	bool sync_stop;
	int64_t last_sync_ms, last_retention_ms, last_group_tick_ms;
	char *member_seed;
	char why[320];            /* why init or start failed, one line for the operator ("" = see err) */
};

/* The request being handled: header fields, a reader over the body, and the response slot. */
typedef struct {
	tf_broker *b;
	tf_conn *conn;
	int16_t api_key, version;
	int32_t corr;
	tf_kstr client_id;
	uint8_t *body;            /* mutable: Produce rewrites batch offsets in place */
	size_t body_len;
	tf_kr r;
	tf_slot *slot;            /* NULL when no response will be sent (acks=0) */
	tf_kw w;                  /* writes the response body into slot->out */
} tf_req;

/* Handler results beyond TF_OK (response complete) and TF_ERR_PARSE (malformed: close). */
enum { TF_BROKER_DEFER = 2000, TF_BROKER_NO_RESPONSE };

typedef tf_err (*tf_api_handler)(tf_req *rq);
typedef struct {
	int16_t key, min, max, flex_from;
	tf_api_handler handler;
	const char *name;
} tf_api;

extern const tf_api tf_broker_apis[];
extern const int tf_broker_napis;

/* broker.c: decodes one frame (without its 4-byte size) and dispatches it. TF_ERR_PARSE / TF_ERR_PROTO
 * mean the connection must close (the caller logs why). */
tf_err tf_broker_handle_frame(tf_broker *b, tf_conn *c, uint8_t *frame, size_t n);
/* Creates/checks the data directory and loads topics and groups; on failure b->why says why. */
tf_err tf_broker_init(tf_broker *b, const tf_broker_cfg *cfg);
void tf_broker_free(tf_broker *b);
void tf_broker_tick(tf_broker *b, int64_t now_ms);

/* server.c */
tf_slot *tf_srv_slot_new(tf_conn *c, int16_t api_key, int16_t version, int32_t corr);
void tf_srv_slot_writer(tf_slot *s, tf_kw *w);  /* resets the body; w writes it */
void tf_srv_slot_done(tf_slot *s);               /* marks ready and sends what can be sent */
void tf_srv_slot_drop(tf_slot *s);               /* removes an unanswered slot (acks=0) */
void tf_conn_flush(tf_conn *c);
tf_conn *tf_conn_new(tf_broker *b, int fd, const char *peer);
void tf_conn_free(tf_conn *c);
tf_err tf_server_run(tf_broker *b);

/* topic.c */
tf_err tf_topics_load(tf_broker *b);
tf_topic *tf_topic_find(tf_broker *b, const char *name, int32_t len);
/* Kafka error: 0, 17 INVALID_TOPIC_EXCEPTION, 36 TOPIC_ALREADY_EXISTS, 37 INVALID_PARTITIONS, -1 I/O. */
int tf_topic_create(tf_broker *b, const char *name, int32_t len, int nparts, tf_topic **out);
bool tf_topic_name_valid(const char *name, int32_t len);
void tf_topics_free(tf_broker *b);
void tf_topics_sync(tf_broker *b);
void tf_topics_retain(tf_broker *b, int64_t now_ms);

/* fetch (handlers_data.c): wakes or expires held fetches; frees them when a connection closes. */
void tf_fetch_check_held(tf_broker *b, int64_t now_ms, bool expire_only);
int64_t tf_fetch_next_deadline(tf_broker *b);

/* group.c */
tf_err tf_groups_load(tf_broker *b);
void tf_groups_free(tf_broker *b);
void tf_groups_tick(tf_broker *b, int64_t now_ms);
void tf_groups_sync(tf_broker *b);

/* handlers */
tf_err tf_h_api_versions(tf_req *rq);
tf_err tf_h_metadata(tf_req *rq);
tf_err tf_h_find_coordinator(tf_req *rq);
tf_err tf_h_init_producer_id(tf_req *rq);
tf_err tf_h_create_topics(tf_req *rq);
tf_err tf_h_describe_configs(tf_req *rq);
tf_err tf_h_produce(tf_req *rq);
tf_err tf_h_fetch(tf_req *rq);
tf_err tf_h_list_offsets(tf_req *rq);
tf_err tf_h_join_group(tf_req *rq);
tf_err tf_h_sync_group(tf_req *rq);
tf_err tf_h_heartbeat(tf_req *rq);
tf_err tf_h_leave_group(tf_req *rq);
tf_err tf_h_offset_commit(tf_req *rq);
tf_err tf_h_offset_fetch(tf_req *rq);

#endif

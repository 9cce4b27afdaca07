/* log.h — a partition's log: its segments in offset order, the append path (validate, assign offsets,
 * write, roll), reads by offset and by time, retention, fsync, and the idempotent-producer state.
 *
 * Directory <data-dir>/<topic>-<partition>/ holds NNNN.log (+ NNNN.index once closed). On open the
 * last segment is recovered (CRC check, torn tail truncated); earlier ones load their index files.
 * Not thread-safe: owned by the broker's event-loop thread. */
#ifndef TF_BROKER_LOG_H
#define TF_BROKER_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "broker/segment.h"

typedef enum { TF_FSYNC_NEVER, TF_FSYNC_INTERVAL, TF_FSYNC_ALWAYS } tf_fsync_mode;

typedef struct {
	uint64_t segment_bytes;   /* roll when the active segment would exceed this */
	int64_t retention_ms;     /* delete segments whose newest record is older; <= 0 = keep */
	int64_t retention_bytes;  /* delete oldest segments while the rest is at least this; < 0 = keep */
	tf_fsync_mode fsync;
} tf_log_cfg;

#define TF_LOG_PRODUCERS_MAX 64 /* idempotent producers remembered per partition */
#define TF_LOG_DEDUP 5          /* recent batches per producer kept for duplicate detection */

typedef struct {
	int64_t pid;
	int16_t epoch;
	int32_t last_seq;
	struct { int32_t first_seq, last_seq; int64_t base; } recent[TF_LOG_DEDUP];
	int nrecent, next_slot;
	int64_t last_used;
} tf_producer_state;

typedef struct tf_plog {
	char *dir;
	const tf_log_cfg *cfg;
	tf_segment *segs;
	size_t nsegs, capsegs;
	int64_t start_offset, next_offset;
	bool dirty;
	uint64_t total_bytes;
	tf_producer_state prod[TF_LOG_PRODUCERS_MAX];
	int nprod;
	int64_t clock; /* increments per append, for LRU of producer states */
} tf_plog;

/* Opens (creating when missing) the log in dir; recovers the last segment. Caller owns *out and
 * frees it with tf_plog_close. TF_ERR_IO / TF_ERR_NOMEM. */
tf_err tf_plog_open(const char *dir, const tf_log_cfg *cfg, tf_plog **out);
void tf_plog_close(tf_plog *l);

/* Validates the RecordBatches in p[0..n) (magic 2, CRC-32C, counts), assigns them consecutive
 * offsets from next_offset (rewriting baseOffset in place), and appends them. Returns a Kafka error
 * code (0 ok, 2 CORRUPT_MESSAGE, 87 INVALID_RECORD, 45 OUT_OF_ORDER_SEQUENCE_NUMBER, 10
 * MESSAGE_TOO_LARGE, 56 KAFKA_STORAGE_ERROR when the write failed, e.g. disk full: the partial write
 * is cut off again and nothing was appended, except with --fsync always when only the fsync failed)
 * and *base the first offset assigned (or the original offset of a duplicate idempotent batch, which
 * is not written again). */
int tf_plog_append(tf_plog *l, uint8_t *p, size_t n, int64_t *base);

/* Appends whole batches from offset on (up to max_bytes, at least one batch) to out. Kafka error:
 * 0, or 1 OFFSET_OUT_OF_RANGE when offset < start_offset or > next_offset; -1 on I/O failure. */
int tf_plog_read(tf_plog *l, int64_t offset, size_t max_bytes, tf_buf *out);

/* First record with timestamp >= ts; *offset -1 when there is none. */
tf_err tf_plog_find_time(tf_plog *l, int64_t ts, int64_t *offset, int64_t *found_ts);

/* fdatasync the active segment when there are unsynced appends. */
tf_err tf_plog_sync(tf_plog *l);

/* Applies retention by age (now_ms) and size; returns the number of segments deleted. */
int tf_plog_retain(tf_plog *l, int64_t now_ms);

#endif

/* segment.h — one segment of a partition log: a file of RecordBatches (NNNN.log, named after its base
 * offset), an in-memory sparse offset/time index (one entry per >= TF_SEG_INDEX_INTERVAL bytes), and
 * an index file (NNNN.index) written when the segment is closed, so restarts need not rescan it.
 *
 * Batches are stored exactly as produced, with the broker's base offsets. The sparse index is
 * (offset - base, file position, greatest timestamp of all batches before that position) so both
 * offset lookups and time lookups (ListOffsets) binary-search it and then scan at most one interval.
 * Not thread-safe: one event loop thread owns every segment. */
#ifndef TF_BROKER_SEGMENT_H
#define TF_BROKER_SEGMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

#define TF_SEG_INDEX_INTERVAL 4096

typedef struct {
	uint32_t rel_offset;
	uint32_t pos;
	int64_t max_ts_before;
} tf_seg_entry;


typedef struct tf_segment {
	int64_t base;       /* first offset this segment may hold (file name) */
	int64_t next;       /* offset after the last batch */
	int64_t max_ts;     /* greatest batch maxTimestamp, -1 when empty */
	int64_t mtime_ms;   /* file modification time at open, for retention of timestamp-less data */
	uint64_t size;      /* bytes of valid batches */
	uint64_t since_idx; /* bytes appended since the last index entry */
	int fd;
	char *path;         /* NNNN.log; NNNN.index beside it */
	tf_seg_entry *idx;
	size_t nidx, capidx;
} tf_segment;

typedef struct {
	uint64_t truncated_bytes; /* torn tail removed by recovery */
	uint64_t batches;
} tf_seg_recovery;

/* Callback for each valid batch seen while recovering (producer-state rebuild). */
typedef void (*tf_seg_batch_fn)(void *ctx, const uint8_t *hdr61, uint64_t pos);

/* Creates an empty segment file for base in dir. TF_ERR_IO (errno) when it cannot. */
tf_err tf_seg_create(const char *dir, int64_t base, tf_segment *s);

/* Opens an existing segment. recover = true: reads every batch, checks CRC-32C and offset order,
 * truncates the file at the first bad or torn batch (rep says how much) and rebuilds the index.
 * recover = false: loads the index file when it is valid, else rebuilds the index from headers;
 * next_hint is the following segment's base (the end of this one). */
tf_err tf_seg_open(const char *path, int64_t base, bool recover, int64_t next_hint, tf_seg_recovery *rep,
		   tf_seg_batch_fn fn, void *ctx, tf_segment *s);

/* Appends n bytes of already validated batches holding offsets [first, next); max_ts their greatest
 * timestamp; sizes[i] the size of each batch for indexing. TF_ERR_IO on write failure (the file is
 * truncated back). */
tf_err tf_seg_append(tf_segment *s, const uint8_t *p, const uint32_t *sizes, const int64_t *bases,
		     const int64_t *maxts, int nbatches);

/* Appends to out whole batches starting with the one holding `offset`, up to max_bytes (at least one
 * batch even when larger). *got = bytes added (0 when offset >= next). TF_ERR_IO / TF_ERR_TOO_BIG. */
tf_err tf_seg_read(tf_segment *s, int64_t offset, size_t max_bytes, tf_buf *out, size_t *got);

/* Finds the first record with timestamp >= ts: offset and found_ts, or *offset = -1 when none. */
tf_err tf_seg_find_time(tf_segment *s, int64_t ts, int64_t *offset, int64_t *found_ts);

/* Writes the index file (called when the segment stops being active). */
tf_err tf_seg_write_index(tf_segment *s);
tf_err tf_seg_sync(tf_segment *s);
void tf_seg_close(tf_segment *s);
/* Closes and deletes the segment's files. */
void tf_seg_delete(tf_segment *s);

#endif

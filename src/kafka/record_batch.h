/* record_batch.h — Kafka RecordBatch v2 (magic 2): header parsing, CRC-32C validation, base-offset
 * rewrite, and a record iterator for uncompressed batches.
 *
 * Layout (61-byte header, big-endian): baseOffset i64 @0 | batchLength i32 @8 (bytes after it) |
 * partitionLeaderEpoch i32 @12 | magic i8 @16 | crc u32 @17 | attributes i16 @21 | lastOffsetDelta
 * i32 @23 | baseTimestamp i64 @27 | maxTimestamp i64 @35 | producerId i64 @43 | producerEpoch i16 @51 |
 * baseSequence i32 @53 | recordCount i32 @57 | records @61. The CRC covers bytes [21, end), so the
 * broker rewrites baseOffset and partitionLeaderEpoch without recomputing it. Compressed batches
 * (attributes bits 0-2) are stored and served as they are. */
#ifndef TF_KAFKA_RECORD_BATCH_H
#define TF_KAFKA_RECORD_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "kafka/wire.h"

#define TF_RB_HEADER 61
#define TF_RB_LOG_OVERHEAD 12 /* baseOffset + batchLength */
#define TF_RB_ATTR_CODEC 0x07
#define TF_RB_ATTR_TXN 0x10
#define TF_RB_ATTR_CONTROL 0x20

typedef struct {
	int64_t base_offset;
	int32_t length;          /* batchLength: total size is length + 12 */
	int8_t magic;
	uint32_t crc;
	int16_t attributes;
	int32_t last_offset_delta;
	int64_t base_timestamp, max_timestamp;
	int64_t producer_id;
	int16_t producer_epoch;
	int32_t base_sequence;
	int32_t record_count;
} tf_rb_header;

/* Parses the header at p (n bytes available; needs >= 61). TF_ERR_PARSE when short, magic != 2,
 * or batchLength is too small/too large for n (only the header is read, the CRC is not checked). */
tf_err tf_rb_parse_header(const uint8_t *p, size_t n, tf_rb_header *h);

/* Full check of one batch occupying exactly p[0..n): header, magic, CRC-32C, record count agrees with
 * lastOffsetDelta. Kafka error codes: 2 CORRUPT_MESSAGE (CRC, length), 87 INVALID_RECORD (counts). */
tf_err tf_rb_validate(const uint8_t *p, size_t n, tf_rb_header *h);

/* Total size (batchLength + 12) of the batch at p, or 0 when fewer than 12 bytes or a bad length. */
size_t tf_rb_size(const uint8_t *p, size_t n);

/* Sets baseOffset (and partitionLeaderEpoch = 0) in place; the CRC stays valid. */
void tf_rb_set_base_offset(uint8_t *p, int64_t base_offset);

/* CRC-32C the batch at p should carry (computed over [21, n)). */
uint32_t tf_rb_compute_crc(const uint8_t *p, size_t n);

/* One record of an uncompressed batch; slices point into the batch. */
typedef struct {
	int64_t offset, timestamp;
	const uint8_t *key, *value;
	int32_t key_len, value_len; /* -1 = null */
	int32_t header_count;
} tf_record;

typedef struct {
	tf_kr r;
	tf_rb_header h;
	int32_t index;
} tf_rb_iter;

/* Starts iterating an uncompressed, validated batch; TF_ERR_PARSE for compressed batches. */
tf_err tf_rb_iter_init(tf_rb_iter *it, const uint8_t *p, size_t n);
/* Next record: TF_OK, TF_ERR_NOT_FOUND at the end, TF_ERR_PARSE when malformed. */
tf_err tf_rb_iter_next(tf_rb_iter *it, tf_record *rec);

/* Appends a complete uncompressed batch of `count` records (keys/values may be NULL = null) to w;
 * used by tests and tools. */
void tf_rb_write(tf_kw *w, int64_t base_offset, int64_t timestamp, int count,
		 const char *const *keys, const char *const *values);

#endif

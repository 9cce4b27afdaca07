/* wire.h — bounds-checked reader and writer for the Kafka wire protocol.
 *
 * The reader never reads past its end: a short or malformed field sets a sticky error flag and
 * yields zero/empty values, so a decoder reads a whole message and checks tf_kr_ok() once at the end
 * (the same idea as librdkafka's rd_kafka_buf_read_* macros jumping to err_parse). Big-endian
 * integers, zigzag varint/varlong (record fields), unsigned varints (compact lengths, tag counts),
 * int16-length and compact strings, int32 and compact arrays, tagged fields (skipped).
 *
 * The writer appends to a tf_buf with a maximum; the first failure (TF_ERR_TOO_BIG / NOMEM) is kept
 * in w->err and later writes do nothing. Length prefixes known only afterwards are reserved with
 * tf_kw_reserve() and filled with tf_kw_patch_i32(). */
#ifndef TF_KAFKA_WIRE_H
#define TF_KAFKA_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

typedef struct {
	const uint8_t *p;
	size_t len, pos;
	bool bad;
} tf_kr;

/* A string slice into the reader's input (not NUL-terminated); null when len < 0 on the wire. */
typedef struct {
	const char *p;
	int32_t len; /* -1 = null */
} tf_kstr;

void tf_kr_init(tf_kr *r, const void *p, size_t len);
static inline bool tf_kr_ok(const tf_kr *r) { return !r->bad; }
static inline size_t tf_kr_left(const tf_kr *r) { return r->bad ? 0 : r->len - r->pos; }
int8_t tf_kr_i8(tf_kr *r);
int16_t tf_kr_i16(tf_kr *r);
int32_t tf_kr_i32(tf_kr *r);
int64_t tf_kr_i64(tf_kr *r);
uint32_t tf_kr_u32(tf_kr *r);
uint64_t tf_kr_uvarint(tf_kr *r);         /* at most 10 bytes */
int32_t tf_kr_varint(tf_kr *r);           /* zigzag, 32 bits */
int64_t tf_kr_varlong(tf_kr *r);          /* zigzag, 64 bits */
tf_kstr tf_kr_str(tf_kr *r);              /* int16 length, -1 = null */
tf_kstr tf_kr_cstr(tf_kr *r);             /* compact: uvarint length+1, 0 = null */
/* Bytes with an int32 length (-1 = null -> *p NULL, *n 0). */
void tf_kr_bytes(tf_kr *r, const uint8_t **p, int32_t *n);
/* Array count with an int32 length; -1 (null) gives -1. A count that cannot fit in the bytes left
 * (each element needs at least min_elem bytes) marks the reader bad, so loops stay bounded. */
int32_t tf_kr_array(tf_kr *r, size_t min_elem);
int32_t tf_kr_carray(tf_kr *r, size_t min_elem); /* compact: uvarint n+1, 0 = null -> -1 */
void tf_kr_skip(tf_kr *r, size_t n);
void tf_kr_tags(tf_kr *r);                /* skips a tagged-field section */
const uint8_t *tf_kr_take(tf_kr *r, size_t n); /* n bytes or NULL (reader bad) */

typedef struct {
	tf_buf *b;
	tf_err err;
} tf_kw;

void tf_kw_init(tf_kw *w, tf_buf *b);
void tf_kw_raw(tf_kw *w, const void *p, size_t n);
void tf_kw_i8(tf_kw *w, int8_t v);
void tf_kw_i16(tf_kw *w, int16_t v);
void tf_kw_i32(tf_kw *w, int32_t v);
void tf_kw_i64(tf_kw *w, int64_t v);
void tf_kw_uvarint(tf_kw *w, uint64_t v);
void tf_kw_varint(tf_kw *w, int32_t v);
void tf_kw_varlong(tf_kw *w, int64_t v);
void tf_kw_str(tf_kw *w, const char *p, int32_t len);   /* len -1 = null */
void tf_kw_cstr(tf_kw *w, const char *p, int32_t len);  /* compact; len -1 = null */
void tf_kw_strz(tf_kw *w, const char *s);               /* NUL-terminated, NULL = null */
void tf_kw_bytes(tf_kw *w, const void *p, int32_t len); /* int32 length; len -1 = null */
size_t tf_kw_reserve(tf_kw *w, size_t n);               /* returns the offset of n zero bytes */
void tf_kw_patch_i32(tf_kw *w, size_t at, int32_t v);

/* Big-endian helpers for fixed layouts (record batch headers, index files). */
static inline uint32_t tf_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t tf_be64(const uint8_t *p) { return (uint64_t)tf_be32(p) << 32 | tf_be32(p + 4); }
static inline uint16_t tf_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline void tf_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline void tf_put_be64(uint8_t *p, uint64_t v)
{
	tf_put_be32(p, (uint32_t)(v >> 32));
	tf_put_be32(p + 4, (uint32_t)v);
}
static inline void tf_put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

#endif

/* wire.c — see wire.h. */
#include "kafka/wire.h"

#include <string.h>

void tf_kr_init(tf_kr *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->pos = 0;
	r->bad = false;
}

const uint8_t *tf_kr_take(tf_kr *r, size_t n)
{
	if (r->bad || r->len - r->pos < n) {
		r->bad = true;
		return NULL;
	}
	const uint8_t *p = r->p + r->pos;
	r->pos += n;
	return p;
}

void tf_kr_skip(tf_kr *r, size_t n) { (void)tf_kr_take(r, n); }

int8_t tf_kr_i8(tf_kr *r)
{
	const uint8_t *p = tf_kr_take(r, 1);
	return p ? (int8_t)p[0] : 0;
}

int16_t tf_kr_i16(tf_kr *r)
{
	const uint8_t *p = tf_kr_take(r, 2);
	return p ? (int16_t)tf_be16(p) : 0;
}

int32_t tf_kr_i32(tf_kr *r)
{
	const uint8_t *p = tf_kr_take(r, 4);
	return p ? (int32_t)tf_be32(p) : 0;
}

uint32_t tf_kr_u32(tf_kr *r)
{
	const uint8_t *p = tf_kr_take(r, 4);
	return p ? tf_be32(p) : 0;
}

int64_t tf_kr_i64(tf_kr *r)
{
	const uint8_t *p = tf_kr_take(r, 8);
	return p ? (int64_t)tf_be64(p) : 0;
}

uint64_t tf_kr_uvarint(tf_kr *r)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 70; shift += 7) {
		const uint8_t *p = tf_kr_take(r, 1);
		if (!p)
			return 0;
		if (shift == 63 && (p[0] & 0x7e)) /* would overflow 64 bits */
			break;
		v |= (uint64_t)(p[0] & 0x7f) << shift;
		if (!(p[0] & 0x80))
			return v;
	}
	r->bad = true;
	return 0;
}

int64_t tf_kr_varlong(tf_kr *r)
{
	uint64_t u = tf_kr_uvarint(r);
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

int32_t tf_kr_varint(tf_kr *r)
{
	size_t start = r->pos;
	uint64_t u = tf_kr_uvarint(r);
	if (u > 0xffffffffu || r->pos - start > 5) {
		r->bad = true;
		return 0;
	}
	return (int32_t)((uint32_t)(u >> 1) ^ -(uint32_t)(u & 1));
}

tf_kstr tf_kr_str(tf_kr *r)
{
	tf_kstr s = {NULL, -1};
	int16_t n = tf_kr_i16(r);
	if (n < 0) {
		if (n != -1)
			r->bad = true;
		return s;
	}
	const uint8_t *p = tf_kr_take(r, (size_t)n);
	if (p) {
		s.p = (const char *)p;
		s.len = n;
	}
	return s;
}

tf_kstr tf_kr_cstr(tf_kr *r)
{
	tf_kstr s = {NULL, -1};
	uint64_t n = tf_kr_uvarint(r);
	if (r->bad || n == 0)
		return s;
	if (n - 1 > 0x7fffffff) {
		r->bad = true;
		return s;
	}
	const uint8_t *p = tf_kr_take(r, (size_t)(n - 1));
	if (p) {
		s.p = (const char *)p;
		s.len = (int32_t)(n - 1);
	}
	return s;
}

void tf_kr_bytes(tf_kr *r, const uint8_t **p, int32_t *n)
{
	*p = NULL;
	*n = 0;
	int32_t len = tf_kr_i32(r);
	if (len < 0) {
		if (len != -1)
			r->bad = true;
		return;
	}
	*p = tf_kr_take(r, (size_t)len);
	if (*p)
		*n = len;
}

static int32_t check_count(tf_kr *r, int64_t n, size_t min_elem)
{
	if (r->bad)
		return 0;
	if (n < 0)
		return -1;
	if (min_elem == 0)
		min_elem = 1;
	if ((uint64_t)n > (r->len - r->pos) / min_elem) {
		r->bad = true;
		return 0;
	}
	return (int32_t)n;
}

int32_t tf_kr_array(tf_kr *r, size_t min_elem)
{
	int32_t n = tf_kr_i32(r);
	if (n < -1) {
		r->bad = true;
		return 0;
	}
	return check_count(r, n, min_elem);
}

int32_t tf_kr_carray(tf_kr *r, size_t min_elem)
{
	uint64_t n = tf_kr_uvarint(r);
	if (r->bad)
		return 0;
	if (n > 0x7fffffff) {
		r->bad = true;
		return 0;
	}
	return check_count(r, (int64_t)n - 1, min_elem);
}

void tf_kr_tags(tf_kr *r)
{
	uint64_t n = tf_kr_uvarint(r);
	if (n > tf_kr_left(r)) {
		r->bad = true;
		return;
	}
	for (uint64_t i = 0; i < n && !r->bad; i++) {
		(void)tf_kr_uvarint(r); /* tag */
		uint64_t size = tf_kr_uvarint(r);
		if (size > tf_kr_left(r)) {
			r->bad = true;
			return;
		}
		tf_kr_skip(r, (size_t)size);
	}
}

void tf_kw_init(tf_kw *w, tf_buf *b)
{
	w->b = b;
	w->err = TF_OK;
}

void tf_kw_raw(tf_kw *w, const void *p, size_t n)
{
	if (w->err || n == 0)
		return;
	w->err = tf_buf_append(w->b, p, n);
}

void tf_kw_i8(tf_kw *w, int8_t v) { tf_kw_raw(w, &v, 1); }

void tf_kw_i16(tf_kw *w, int16_t v)
{
	uint8_t p[2];
	tf_put_be16(p, (uint16_t)v);
	tf_kw_raw(w, p, 2);
}

void tf_kw_i32(tf_kw *w, int32_t v)
{
	uint8_t p[4];
	tf_put_be32(p, (uint32_t)v);
	tf_kw_raw(w, p, 4);
}

void tf_kw_i64(tf_kw *w, int64_t v)
{
	uint8_t p[8];
	tf_put_be64(p, (uint64_t)v);
	tf_kw_raw(w, p, 8);
}

void tf_kw_uvarint(tf_kw *w, uint64_t v)
{
	uint8_t p[10];
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	tf_kw_raw(w, p, n);
}

void tf_kw_varint(tf_kw *w, int32_t v)
{
	tf_kw_uvarint(w, (uint32_t)(((uint32_t)v << 1) ^ (uint32_t)(v >> 31)));
}

void tf_kw_varlong(tf_kw *w, int64_t v)
{
	tf_kw_uvarint(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void tf_kw_str(tf_kw *w, const char *p, int32_t len)
{
	if (len < 0) {
		tf_kw_i16(w, -1);
		return;
	}
	if (len > 0x7fff) {
		if (!w->err)
			w->err = TF_ERR_TOO_BIG;
		return;
	}
	tf_kw_i16(w, (int16_t)len);
	tf_kw_raw(w, p, (size_t)len);
}

void tf_kw_cstr(tf_kw *w, const char *p, int32_t len)
{
	if (len < 0) {
		tf_kw_uvarint(w, 0);
		return;
	}
	tf_kw_uvarint(w, (uint64_t)len + 1);
	tf_kw_raw(w, p, (size_t)len);
}

void tf_kw_strz(tf_kw *w, const char *s)
{
	tf_kw_str(w, s, s ? (int32_t)strlen(s) : -1);
}

void tf_kw_bytes(tf_kw *w, const void *p, int32_t len)
{
	tf_kw_i32(w, len < 0 ? -1 : len);
	if (len > 0)
		tf_kw_raw(w, p, (size_t)len);
}

size_t tf_kw_reserve(tf_kw *w, size_t n)
{
	static const uint8_t zero[16];
	size_t at = w->b->len;
	while (n > 0) {
		size_t k = n < sizeof zero ? n : sizeof zero;
		tf_kw_raw(w, zero, k);
		n -= k;
	}
	return at;
}

void tf_kw_patch_i32(tf_kw *w, size_t at, int32_t v)
{
	if (w->err || at + 4 > w->b->len)
		return;
	tf_put_be32((uint8_t *)w->b->data + at, (uint32_t)v);
}

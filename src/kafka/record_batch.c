/* record_batch.c — see record_batch.h. */
#include "kafka/record_batch.h"

#include <string.h>

#include "kafka/crc32c.h"

size_t tf_rb_size(const uint8_t *p, size_t n)
{
	if (n < TF_RB_LOG_OVERHEAD)
		return 0;
	int32_t len = (int32_t)tf_be32(p + 8);
	if (len < TF_RB_HEADER - TF_RB_LOG_OVERHEAD)
		return 0;
	return (size_t)len + TF_RB_LOG_OVERHEAD;
}

tf_err tf_rb_parse_header(const uint8_t *p, size_t n, tf_rb_header *h)
{
	if (n < TF_RB_HEADER)
		return TF_ERR_PARSE;
	h->base_offset = (int64_t)tf_be64(p);
	h->length = (int32_t)tf_be32(p + 8);
	h->magic = (int8_t)p[16];
	h->crc = tf_be32(p + 17);
	h->attributes = (int16_t)tf_be16(p + 21);
	h->last_offset_delta = (int32_t)tf_be32(p + 23);
	h->base_timestamp = (int64_t)tf_be64(p + 27);
	h->max_timestamp = (int64_t)tf_be64(p + 35);
	h->producer_id = (int64_t)tf_be64(p + 43);
	h->producer_epoch = (int16_t)tf_be16(p + 51);
	h->base_sequence = (int32_t)tf_be32(p + 53);
	h->record_count = (int32_t)tf_be32(p + 57);
	if (h->magic != 2 || h->length < TF_RB_HEADER - TF_RB_LOG_OVERHEAD)
		return TF_ERR_PARSE;
	return TF_OK;
}

uint32_t tf_rb_compute_crc(const uint8_t *p, size_t n)
{
	return n < 21 ? 0 : tf_crc32c(0, p + 21, n - 21);
}

tf_err tf_rb_validate(const uint8_t *p, size_t n, tf_rb_header *h)
{
	if (tf_rb_parse_header(p, n, h) != TF_OK)
		return 2; /* CORRUPT_MESSAGE */
	if ((size_t)h->length + TF_RB_LOG_OVERHEAD != n)
		return 2;
	if (tf_rb_compute_crc(p, n) != h->crc)
		return 2;
	if (h->record_count <= 0 || h->last_offset_delta != h->record_count - 1)
		return 87; /* INVALID_RECORD */
	return TF_OK;
}

void tf_rb_set_base_offset(uint8_t *p, int64_t base_offset)
{
	tf_put_be64(p, (uint64_t)base_offset);
	tf_put_be32(p + 12, 0);
}

tf_err tf_rb_iter_init(tf_rb_iter *it, const uint8_t *p, size_t n)
{
	if (tf_rb_parse_header(p, n, &it->h) != TF_OK || (size_t)it->h.length + 12 > n)
		return TF_ERR_PARSE;
	if (it->h.attributes & TF_RB_ATTR_CODEC)
		return TF_ERR_PARSE;
	tf_kr_init(&it->r, p + TF_RB_HEADER, (size_t)it->h.length + 12 - TF_RB_HEADER);
	it->index = 0;
	return TF_OK;
}

tf_err tf_rb_iter_next(tf_rb_iter *it, tf_record *rec)
{
	if (it->index >= it->h.record_count)
		return tf_kr_left(&it->r) == 0 ? TF_ERR_NOT_FOUND : TF_ERR_PARSE;
	tf_kr *r = &it->r;
	int32_t len = tf_kr_varint(r);
	if (len < 0 || (size_t)len > tf_kr_left(r))
		return TF_ERR_PARSE;
	tf_kr sub;
	tf_kr_init(&sub, tf_kr_take(r, (size_t)len), (size_t)len);
	(void)tf_kr_i8(&sub); /* attributes, unused */
	rec->timestamp = it->h.base_timestamp + tf_kr_varlong(&sub);
	rec->offset = it->h.base_offset + tf_kr_varint(&sub);
	rec->key_len = tf_kr_varint(&sub);
	rec->key = rec->key_len > 0 ? tf_kr_take(&sub, (size_t)rec->key_len) : NULL;
	if (rec->key_len < -1)
		sub.bad = true;
	rec->value_len = tf_kr_varint(&sub);
	rec->value = rec->value_len > 0 ? tf_kr_take(&sub, (size_t)rec->value_len) : NULL;
	if (rec->value_len < -1)
		sub.bad = true;
	rec->header_count = tf_kr_varint(&sub);
	for (int32_t i = 0; i < rec->header_count && tf_kr_ok(&sub); i++) {
		int32_t kl = tf_kr_varint(&sub);
		tf_kr_skip(&sub, kl > 0 ? (size_t)kl : 0);
		int32_t vl = tf_kr_varint(&sub);
		tf_kr_skip(&sub, vl > 0 ? (size_t)vl : 0);
		if (kl < 0 || vl < -1)
			sub.bad = true;
	}
	if (!tf_kr_ok(&sub) || tf_kr_left(&sub) != 0 || rec->header_count < 0)
		return TF_ERR_PARSE;
	it->index++;
	return TF_OK;
}

void tf_rb_write(tf_kw *w, int64_t base_offset, int64_t timestamp, int count,
		 const char *const *keys, const char *const *values)
{
	size_t start = w->b->len;
	tf_kw_i64(w, base_offset);
	tf_kw_i32(w, 0);  /* length, patched */
	tf_kw_i32(w, 0);  /* leader epoch */
	tf_kw_i8(w, 2);
	tf_kw_i32(w, 0);  /* crc, patched */
	tf_kw_i16(w, 0);  /* attributes */
	tf_kw_i32(w, count - 1);
	tf_kw_i64(w, timestamp);
	tf_kw_i64(w, timestamp);
	tf_kw_i64(w, -1); /* producer id */
	tf_kw_i16(w, -1);
	tf_kw_i32(w, -1);
	tf_kw_i32(w, count);
	for (int i = 0; i < count; i++) {
		const char *k = keys ? keys[i] : NULL, *v = values ? values[i] : NULL;
		int32_t kl = k ? (int32_t)strlen(k) : -1, vl = v ? (int32_t)strlen(v) : -1;
		tf_buf tmp;
		tf_buf_init(&tmp, 1 << 20);
		tf_kw rw;
		tf_kw_init(&rw, &tmp);
		tf_kw_i8(&rw, 0);
		tf_kw_varlong(&rw, 0);
		tf_kw_varint(&rw, i);
		tf_kw_varint(&rw, kl);
		if (kl > 0)
			tf_kw_raw(&rw, k, (size_t)kl);
		tf_kw_varint(&rw, vl);
		if (vl > 0)
			tf_kw_raw(&rw, v, (size_t)vl);
		tf_kw_varint(&rw, 0);
		if (rw.err && !w->err)
			w->err = rw.err;
		tf_kw_varint(w, (int32_t)tmp.len);
		tf_kw_raw(w, tmp.data, tmp.len);
		tf_buf_free(&tmp);
	}
	if (w->err)
		return;
	uint8_t *p = (uint8_t *)w->b->data + start;
	size_t n = w->b->len - start;
	tf_put_be32(p + 8, (uint32_t)(n - 12));
	tf_put_be32(p + 17, tf_rb_compute_crc(p, n));
}

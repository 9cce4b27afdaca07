/* test_kafka_wire.c — wire codec round trips and clean failures on short input; CRC-32C vectors;
 * record batch validation. */
#include <stdlib.h>

#include "kafka/crc32c.h"
#include "kafka/record_batch.h"
#include "kafka/wire.h"
#include "test.h"

TF_TEST(kafka_wire_roundtrip)
{
	tf_buf b;
	tf_buf_init(&b, 4096);
	tf_kw w;
	tf_kw_init(&w, &b);
	tf_kw_i8(&w, -5);
	tf_kw_i16(&w, -30000);
	tf_kw_i32(&w, 0x12345678);
	tf_kw_i64(&w, -1234567890123LL);
	tf_kw_varint(&w, -64);
	tf_kw_varint(&w, 300);
	tf_kw_varlong(&w, INT64_MIN);
	tf_kw_uvarint(&w, 0xffffffffffffffffULL);
	tf_kw_strz(&w, "topic");
	tf_kw_strz(&w, NULL);
	tf_kw_cstr(&w, "ab", 2);
	tf_kw_cstr(&w, NULL, -1);
	tf_kw_bytes(&w, "xyz", 3);
	tf_kw_i32(&w, 2); /* array of two int32 */
	tf_kw_i32(&w, 7);
	tf_kw_i32(&w, 8);
	tf_kw_uvarint(&w, 1); /* one tagged field: tag 3, 2 bytes */
	tf_kw_uvarint(&w, 3);
	tf_kw_uvarint(&w, 2);
	tf_kw_i16(&w, 0);
	TF_CHECK_EQ_INT(w.err, 0);

	tf_kr r;
	tf_kr_init(&r, b.data, b.len);
	TF_CHECK_EQ_INT(tf_kr_i8(&r), -5);
	TF_CHECK_EQ_INT(tf_kr_i16(&r), -30000);
	TF_CHECK_EQ_INT(tf_kr_i32(&r), 0x12345678);
	TF_CHECK_EQ_INT(tf_kr_i64(&r), -1234567890123LL);
	TF_CHECK_EQ_INT(tf_kr_varint(&r), -64);
	TF_CHECK_EQ_INT(tf_kr_varint(&r), 300);
	TF_CHECK(tf_kr_varlong(&r) == INT64_MIN);
	TF_CHECK(tf_kr_uvarint(&r) == 0xffffffffffffffffULL);
	tf_kstr s = tf_kr_str(&r);
	TF_CHECK_EQ_MEM(s.p, (size_t)s.len, "topic");
	TF_CHECK_EQ_INT(tf_kr_str(&r).len, -1);
	s = tf_kr_cstr(&r);
	TF_CHECK_EQ_MEM(s.p, (size_t)s.len, "ab");
	TF_CHECK_EQ_INT(tf_kr_cstr(&r).len, -1);
	const uint8_t *p;
	int32_t n;
	tf_kr_bytes(&r, &p, &n);
	TF_CHECK_EQ_MEM(p, (size_t)n, "xyz");
	TF_CHECK_EQ_INT(tf_kr_array(&r, 4), 2);
	TF_CHECK_EQ_INT(tf_kr_i32(&r), 7);
	TF_CHECK_EQ_INT(tf_kr_i32(&r), 8);
	tf_kr_tags(&r);
	TF_CHECK(tf_kr_ok(&r));
	TF_CHECK_EQ_INT(tf_kr_left(&r), 0);
	/* Reading past the end fails cleanly and stays failed. */
	TF_CHECK_EQ_INT(tf_kr_i32(&r), 0);
	TF_CHECK(!tf_kr_ok(&r));
	TF_CHECK_EQ_INT(tf_kr_i8(&r), 0);
	tf_buf_free(&b);
}

TF_TEST(kafka_wire_varint_bytes)
{
	/* Known encodings (Kafka ByteUtils): zigzag 0->00, -1->01, 1->02, 300 -> ac 02 (unsigned). */
	tf_buf b;
	tf_buf_init(&b, 64);
	tf_kw w;
	tf_kw_init(&w, &b);
	tf_kw_varint(&w, 0);
	tf_kw_varint(&w, -1);
	tf_kw_varint(&w, 1);
	tf_kw_uvarint(&w, 300);
	TF_CHECK_EQ_INT(b.len, 5);
	TF_CHECK(memcmp(b.data, "\x00\x01\x02\xac\x02", 5) == 0);
	tf_buf_free(&b);
}

TF_TEST(kafka_wire_rejects_bad_input)
{
	/* A string length larger than what is left. */
	const uint8_t s1[] = {0x00, 0x10, 'a', 'b'};
	tf_kr r;
	tf_kr_init(&r, s1, sizeof s1);
	TF_CHECK_EQ_INT(tf_kr_str(&r).len, -1);
	TF_CHECK(!tf_kr_ok(&r));
	/* An array count that cannot fit in the rest of the input (2 billion elements). */
	const uint8_t a1[] = {0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0};
	tf_kr_init(&r, a1, sizeof a1);
	TF_CHECK_EQ_INT(tf_kr_array(&r, 4), 0);
	TF_CHECK(!tf_kr_ok(&r));
	/* Negative lengths other than -1. */
	const uint8_t s2[] = {0xff, 0xfe};
	tf_kr_init(&r, s2, sizeof s2);
	(void)tf_kr_str(&r);
	TF_CHECK(!tf_kr_ok(&r));
	/* An unterminated varint, and one longer than 10 bytes. */
	const uint8_t v1[] = {0x80, 0x80};
	tf_kr_init(&r, v1, sizeof v1);
	(void)tf_kr_uvarint(&r);
	TF_CHECK(!tf_kr_ok(&r));
	const uint8_t v2[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
	tf_kr_init(&r, v2, sizeof v2);
	(void)tf_kr_uvarint(&r);
	TF_CHECK(!tf_kr_ok(&r));
	/* A 32-bit varint needing 6 bytes. */
	const uint8_t v3[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
	tf_kr_init(&r, v3, sizeof v3);
	(void)tf_kr_varint(&r);
	TF_CHECK(!tf_kr_ok(&r));
	/* A tagged section claiming more bytes than exist. */
	const uint8_t t1[] = {0x01, 0x00, 0x7f};
	tf_kr_init(&r, t1, sizeof t1);
	tf_kr_tags(&r);
	TF_CHECK(!tf_kr_ok(&r));
}

TF_TEST(kafka_wire_writer_cap)
{
	tf_buf b;
	tf_buf_init(&b, 6);
	tf_kw w;
	tf_kw_init(&w, &b);
	tf_kw_i32(&w, 1);
	tf_kw_i32(&w, 2);
	TF_CHECK_EQ_INT(w.err, TF_ERR_TOO_BIG);
	TF_CHECK_EQ_INT(b.len, 4);
	tf_buf_free(&b);
}

TF_TEST(kafka_crc32c_vectors)
{
	/* RFC 3720 appendix B.4 and the common check value. */
	TF_CHECK_EQ_INT(tf_crc32c(0, "123456789", 9), 0xE3069283u);
	uint8_t buf[32];
	memset(buf, 0, sizeof buf);
	TF_CHECK_EQ_INT(tf_crc32c(0, buf, 32), 0x8A9136AAu);
	memset(buf, 0xff, sizeof buf);
	TF_CHECK_EQ_INT(tf_crc32c(0, buf, 32), 0x62A8AB43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	TF_CHECK_EQ_INT(tf_crc32c(0, buf, 32), 0x46DD794Eu);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	TF_CHECK_EQ_INT(tf_crc32c(0, buf, 32), 0x113FDB5Cu);
	/* Incremental equals one shot, across unaligned splits. */
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	TF_CHECK_EQ_INT(tf_crc32c(tf_crc32c(0, buf, 13), buf + 13, 19), 0x46DD794Eu);
}

TF_TEST(kafka_record_batch_roundtrip)
{
	tf_buf b;
	tf_buf_init(&b, 1 << 16);
	tf_kw w;
	tf_kw_init(&w, &b);
	const char *keys[] = {"BTCUSDT", NULL, "ETHUSDT"};
	const char *vals[] = {"{\"c\":\"1.5\"}", "v2", NULL};
	tf_rb_write(&w, 0, 1600000000000LL, 3, keys, vals);
	TF_CHECK_EQ_INT(w.err, 0);
	tf_rb_header h;
	TF_CHECK_EQ_INT(tf_rb_validate((uint8_t *)b.data, b.len, &h), 0);
	TF_CHECK_EQ_INT(h.record_count, 3);
	TF_CHECK_EQ_INT(tf_rb_size((uint8_t *)b.data, b.len), b.len);
	/* Rewriting the base offset keeps the CRC valid. */
	tf_rb_set_base_offset((uint8_t *)b.data, 1000);
	TF_CHECK_EQ_INT(tf_rb_validate((uint8_t *)b.data, b.len, &h), 0);
	TF_CHECK_EQ_INT(h.base_offset, 1000);
	tf_rb_iter it;
	tf_record rec;
	TF_CHECK_EQ_INT(tf_rb_iter_init(&it, (uint8_t *)b.data, b.len), 0);
	TF_CHECK_EQ_INT(tf_rb_iter_next(&it, &rec), 0);
	TF_CHECK_EQ_INT(rec.offset, 1000);
	TF_CHECK_EQ_MEM(rec.key, (size_t)rec.key_len, "BTCUSDT");
	TF_CHECK_EQ_MEM(rec.value, (size_t)rec.value_len, "{\"c\":\"1.5\"}");
	TF_CHECK_EQ_INT(tf_rb_iter_next(&it, &rec), 0);
	TF_CHECK_EQ_INT(rec.key_len, -1);
	TF_CHECK_EQ_INT(rec.offset, 1001);
	TF_CHECK_EQ_INT(tf_rb_iter_next(&it, &rec), 0);
	TF_CHECK_EQ_INT(rec.value_len, -1);
	TF_CHECK_EQ_INT(rec.timestamp, 1600000000000LL);
	TF_CHECK_EQ_INT(tf_rb_iter_next(&it, &rec), TF_ERR_NOT_FOUND);
	/* Any flipped bit inside the CRC-covered range is caught; so is a wrong length. */
	for (size_t i = 21; i < b.len; i += 7) {
		b.data[i] ^= 0x10;
		TF_CHECK_EQ_INT(tf_rb_validate((uint8_t *)b.data, b.len, &h), 2);
		b.data[i] ^= 0x10;
	}
	TF_CHECK_EQ_INT(tf_rb_validate((uint8_t *)b.data, b.len - 1, &h), 2);
	TF_CHECK_EQ_INT(tf_rb_validate((uint8_t *)b.data, 30, &h), 2);
	b.data[16] = 1; /* magic 1 */
	TF_CHECK_EQ_INT(tf_rb_validate((uint8_t *)b.data, b.len, &h), 2);
	tf_buf_free(&b);
}

/* test_broker_log.c — partition log: append/read, index lookups across rolled segments, recovery of a
 * torn or garbage tail, time lookups, retention, idempotent duplicates. Uses a temp directory. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "broker/log.h"
#include "kafka/record_batch.h"
#include "test.h"

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/tf-logtest.XXXXXX";
	char *d = mkdtemp(tmpl);
	return d ? strdup(d) : NULL;
}

static void rmrf(const char *d)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", d);
}

/* A batch of `count` records with values "v<i>" and timestamp ts. */
static void make_batch(tf_buf *b, int count, int64_t ts, int first)
{
	tf_buf_reset(b);
	tf_kw w;
	tf_kw_init(&w, b);
	char vals[64][16];
	const char *v[64];
	for (int i = 0; i < count && i < 64; i++) {
		snprintf(vals[i], sizeof vals[i], "v%d", first + i);
		v[i] = vals[i];
	}
	tf_rb_write(&w, 0, ts, count, NULL, v);
}

/* Offset of the first record of the first batch in buf, and the number of records it holds. */
static int64_t first_offset(const tf_buf *b) { return (int64_t)tf_be64((const uint8_t *)b->data); }

TF_TEST(broker_log_append_read_roll_reopen)
{
	char *dir = tmpdir();
	TF_CHECK(dir);
	tf_log_cfg cfg = {.segment_bytes = 2000, .retention_ms = 0, .retention_bytes = -1, .fsync = TF_FSYNC_NEVER};
	tf_plog *l;
	TF_CHECK_EQ_INT(tf_plog_open(dir, &cfg, &l), 0);
	tf_buf b, out;
	tf_buf_init(&b, 1 << 20);
	tf_buf_init(&out, 1 << 20);
	int64_t base;
	for (int i = 0; i < 200; i++) { /* 200 batches of 5 records: offsets 0..999 */
		make_batch(&b, 5, 1000 + i, i * 5);
		TF_CHECK_EQ_INT(tf_plog_append(l, (uint8_t *)b.data, b.len, &base), 0);
		TF_CHECK_EQ_INT(base, i * 5);
	}
	TF_CHECK_EQ_INT(l->next_offset, 1000);
	TF_CHECK(l->nsegs > 10);
	/* Every offset is found, whichever segment and index interval it is in. */
	for (int64_t off = 0; off < 1000; off += 37) {
		tf_buf_reset(&out);
		TF_CHECK_EQ_INT(tf_plog_read(l, off, 100, &out), 0);
		TF_CHECK(out.len > 0);
		int64_t fo = first_offset(&out);
		TF_CHECK(fo <= off && off < fo + 5);
	}
	tf_buf_reset(&out);
	TF_CHECK_EQ_INT(tf_plog_read(l, 1000, 100, &out), 0);
	TF_CHECK_EQ_INT(out.len, 0);
	TF_CHECK_EQ_INT(tf_plog_read(l, 1001, 100, &out), 1);
	/* Time lookup: batch i has timestamp 1000+i, holding offsets 5i..5i+4. */
	int64_t off, ts;
	TF_CHECK_EQ_INT(tf_plog_find_time(l, 1100, &off, &ts), 0);
	TF_CHECK_EQ_INT(off, 500);
	TF_CHECK_EQ_INT(ts, 1100);
	TF_CHECK_EQ_INT(tf_plog_find_time(l, 0, &off, &ts), 0);
	TF_CHECK_EQ_INT(off, 0);
	TF_CHECK_EQ_INT(tf_plog_find_time(l, 5000, &off, &ts), 0);
	TF_CHECK_EQ_INT(off, -1);
	size_t nsegs = l->nsegs;
	tf_plog_close(l);
	/* Reopen: same content, closed segments come from their index files. */
	TF_CHECK_EQ_INT(tf_plog_open(dir, &cfg, &l), 0);
	TF_CHECK_EQ_INT(l->nsegs, nsegs);
	TF_CHECK_EQ_INT(l->next_offset, 1000);
	tf_buf_reset(&out);
	TF_CHECK_EQ_INT(tf_plog_read(l, 777, 10, &out), 0);
	TF_CHECK_EQ_INT(first_offset(&out), 775);
	TF_CHECK_EQ_INT(tf_plog_find_time(l, 1150, &off, &ts), 0);
	TF_CHECK_EQ_INT(off, 750);
	make_batch(&b, 2, 5000, 0);
	TF_CHECK_EQ_INT(tf_plog_append(l, (uint8_t *)b.data, b.len, &base), 0);
	TF_CHECK_EQ_INT(base, 1000);
	/* Size retention keeps at least retention_bytes. */
	cfg.retention_bytes = 3000;
	int del = tf_plog_retain(l, 0);
	TF_CHECK(del > 0);
	TF_CHECK(l->start_offset > 0);
	TF_CHECK(l->total_bytes >= 3000);
	TF_CHECK_EQ_INT(tf_plog_read(l, 0, 100, &out), 1);
	/* Age retention: everything is older than 1 ms at time 1e12; the active segment rolls too. */
	cfg.retention_bytes = -1;
	cfg.retention_ms = 1;
	tf_plog_retain(l, 1000000000000LL);
	TF_CHECK_EQ_INT(l->nsegs, 1);
	TF_CHECK_EQ_INT(l->start_offset, 1002);
	TF_CHECK_EQ_INT(l->next_offset, 1002);
	tf_plog_close(l);
	tf_buf_free(&b);
	tf_buf_free(&out);
	rmrf(dir);
	free(dir);
}

static void recovery_case(int mode)
{
	char *dir = tmpdir();
	TF_CHECK(dir);
	tf_log_cfg cfg = {.segment_bytes = 1 << 20, .retention_ms = 0, .retention_bytes = -1, .fsync = TF_FSYNC_NEVER};
	tf_plog *l;
	TF_CHECK_EQ_INT(tf_plog_open(dir, &cfg, &l), 0);
	tf_buf b, out;
	tf_buf_init(&b, 1 << 20);
	tf_buf_init(&out, 1 << 20);
	int64_t base;
	for (int i = 0; i < 10; i++) {
		make_batch(&b, 3, 100, 0);
		TF_CHECK_EQ_INT(tf_plog_append(l, (uint8_t *)b.data, b.len, &base), 0);
	}
	uint64_t good = l->segs[0].size;
	char path[512];
	snprintf(path, sizeof path, "%s", l->segs[0].path);
	tf_plog_close(l);
	int fd = open(path, O_WRONLY | O_APPEND);
	TF_CHECK(fd >= 0);
	if (mode == 0) { /* torn: half of an 11th batch */
		make_batch(&b, 3, 100, 0);
		TF_CHECK(write(fd, b.data, b.len / 2) == (ssize_t)(b.len / 2));
	} else if (mode == 1) { /* garbage */
		TF_CHECK(write(fd, "garbage garbage garbage garbage garbage garbage garbage garbage garbage!!", 72) == 72);
	} else { /* a whole batch whose last byte is flipped: CRC mismatch */
		make_batch(&b, 3, 100, 0);
		tf_rb_set_base_offset((uint8_t *)b.data, 30);
		b.data[b.len - 1] ^= 1;
		TF_CHECK(write(fd, b.data, b.len) == (ssize_t)b.len);
	}
	close(fd);
	TF_CHECK_EQ_INT(tf_plog_open(dir, &cfg, &l), 0);
	TF_CHECK_EQ_INT(l->next_offset, 30);
	TF_CHECK_EQ_INT(l->segs[0].size, good);
	tf_buf_reset(&out);
	TF_CHECK_EQ_INT(tf_plog_read(l, 27, 1 << 20, &out), 0);
	TF_CHECK_EQ_INT(first_offset(&out), 27);
	make_batch(&b, 1, 100, 0);
	TF_CHECK_EQ_INT(tf_plog_append(l, (uint8_t *)b.data, b.len, &base), 0);
	TF_CHECK_EQ_INT(base, 30);
	tf_plog_close(l);
	tf_buf_free(&b);
	tf_buf_free(&out);
	rmrf(dir);
	free(dir);
}

TF_TEST(broker_log_recovery_torn_tail) { recovery_case(0); }
TF_TEST(broker_log_recovery_garbage_tail) { recovery_case(1); }
TF_TEST(broker_log_recovery_bad_crc) { recovery_case(2); }

TF_TEST(broker_log_rejects_corrupt_and_dedups)
{
	char *dir = tmpdir();
	TF_CHECK(dir);
	tf_log_cfg cfg = {.segment_bytes = 1 << 20, .retention_ms = 0, .retention_bytes = -1, .fsync = TF_FSYNC_NEVER};
	tf_plog *l;
	TF_CHECK_EQ_INT(tf_plog_open(dir, &cfg, &l), 0);
	tf_buf b;
	tf_buf_init(&b, 1 << 20);
	int64_t base;
	make_batch(&b, 3, 100, 0);
	b.data[b.len - 2] ^= 4;
	TF_CHECK_EQ_INT(tf_plog_append(l, (uint8_t *)b.data, b.len, &base), 2);
	TF_CHECK_EQ_INT(tf_plog_append(l, (uint8_t *)b.data, 20, &base), 2);
	TF_CHECK_EQ_INT(l->next_offset, 0);
	/* Idempotent producer 7, epoch 0: sequence 0..2, then the same batch again (a retry). */
	make_batch(&b, 3, 100, 0);
	uint8_t *p = (uint8_t *)b.data;
	tf_put_be64(p + 43, 7);
	tf_put_be16(p + 51, 0);
	tf_put_be32(p + 53, 0);
	tf_put_be32(p + 17, tf_rb_compute_crc(p, b.len));
	TF_CHECK_EQ_INT(tf_plog_append(l, p, b.len, &base), 0);
	TF_CHECK_EQ_INT(base, 0);
	TF_CHECK_EQ_INT(tf_plog_append(l, p, b.len, &base), 0);
	TF_CHECK_EQ_INT(base, 0);
	TF_CHECK_EQ_INT(l->next_offset, 3);
	/* A gap in the sequence (5 instead of 3) is out of order. */
	tf_put_be32(p + 53, 5);
	tf_put_be32(p + 17, tf_rb_compute_crc(p, b.len));
	TF_CHECK_EQ_INT(tf_plog_append(l, p, b.len, &base), 45);
	tf_put_be32(p + 53, 3);
	tf_put_be32(p + 17, tf_rb_compute_crc(p, b.len));
	TF_CHECK_EQ_INT(tf_plog_append(l, p, b.len, &base), 0);
	TF_CHECK_EQ_INT(base, 3);
	/* Producer state survives a restart (rebuilt from the recovered segment). */
	tf_plog_close(l);
	TF_CHECK_EQ_INT(tf_plog_open(dir, &cfg, &l), 0);
	TF_CHECK_EQ_INT(tf_plog_append(l, p, b.len, &base), 0);
	TF_CHECK_EQ_INT(base, 3);
	TF_CHECK_EQ_INT(l->next_offset, 6);
	tf_plog_close(l);
	tf_buf_free(&b);
	rmrf(dir);
	free(dir);
}

/* segment.c — see segment.h. */
#include "broker/segment.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "kafka/crc32c.h"
#include "kafka/record_batch.h"
#include "kafka/wire.h"

#define INDEX_MAGIC "TFIDX001"
#define MAX_BATCH (256u << 20) /* refuse to believe a stored batch is larger */

static char *index_path(const char *log_path)
{
	size_t n = strlen(log_path);
	char *p = malloc(n + 3);
	if (!p)
		return NULL;
	memcpy(p, log_path, n - 4);
	memcpy(p + n - 4, ".index", 7);
	return p;
}

static tf_err add_entry(tf_segment *s, int64_t offset, uint64_t pos)
{
	if (s->nidx == s->capidx) {
		size_t cap = s->capidx ? s->capidx * 2 : 64;
		tf_seg_entry *e = realloc(s->idx, cap * sizeof *e);
		if (!e)
			return TF_ERR_NOMEM;
		s->idx = e;
		s->capidx = cap;
	}
	s->idx[s->nidx++] = (tf_seg_entry){(uint32_t)(offset - s->base), (uint32_t)pos, s->max_ts};
	s->since_idx = 0;
	return TF_OK;
}

/* Records one batch (at pos, size bytes) in the in-memory state. */
static tf_err note_batch(tf_segment *s, int64_t base, int64_t last, int64_t maxts, uint64_t pos, uint64_t size)
{
	tf_err err = TF_OK;
	if (s->nidx == 0 || s->since_idx >= TF_SEG_INDEX_INTERVAL)
		err = add_entry(s, base, pos);
	s->since_idx += size;
	if (maxts > s->max_ts)
		s->max_ts = maxts;
	s->next = last + 1;
	s->size = pos + size;
	return err;
}

static void seg_init(tf_segment *s, int64_t base)
{
	memset(s, 0, sizeof *s);
	s->base = base;
	s->next = base;
	s->max_ts = -1;
	s->fd = -1;
}

tf_err tf_seg_create(const char *dir, int64_t base, tf_segment *s)
{
	seg_init(s, base);
	char path[4096];
	snprintf(path, sizeof path, "%s/%020" PRId64 ".log", dir, base);
	s->path = strdup(path);
	if (!s->path)
		return TF_ERR_NOMEM;
	s->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (s->fd < 0) {
		tf_error("cannot create segment %s: %s", path, strerror(errno));
		free(s->path);
		s->path = NULL;
		return TF_ERR_IO;
	}
	if (ftruncate(s->fd, 0) != 0) {
		tf_error("cannot truncate new segment %s: %s", path, strerror(errno));
		close(s->fd);
		s->fd = -1;
		free(s->path);
		s->path = NULL;
		return TF_ERR_IO;
	}
	s->mtime_ms = 0;
	return TF_OK;
}

static tf_err load_index(tf_segment *s, int64_t next_hint)
{
	char *ip = index_path(s->path);
	if (!ip)
		return TF_ERR_NOMEM;
	tf_err err = TF_ERR_PARSE;
	uint8_t *buf = NULL;
	int fd = open(ip, O_RDONLY | O_CLOEXEC);
	free(ip);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < 28 || (st.st_size - 28) % 16 != 0 ||
	    st.st_size > (64 << 20))
		goto out;
	buf = malloc((size_t)st.st_size);
	if (!buf || pread(fd, buf, (size_t)st.st_size, 0) != st.st_size)
		goto out;
	size_t n = (size_t)st.st_size;
	if (memcmp(buf, INDEX_MAGIC, 8) != 0 || tf_crc32c(0, buf, n - 4) != tf_be32(buf + n - 4))
		goto out;
	int64_t next = (int64_t)tf_be64(buf + 8);
	if (next != next_hint && next_hint >= 0)
		goto out;
	s->next = next;
	s->max_ts = (int64_t)tf_be64(buf + 16);
	size_t count = (n - 28) / 16;
	for (size_t i = 0; i < count; i++) {
		const uint8_t *e = buf + 24 + i * 16;
		tf_seg_entry en = {tf_be32(e), tf_be32(e + 4), (int64_t)tf_be64(e + 8)};
		if (en.pos >= s->size || (i > 0 && en.pos <= s->idx[s->nidx - 1].pos))
			goto out;
		int64_t saved = s->max_ts;
		s->max_ts = en.max_ts_before;
		err = add_entry(s, s->base + en.rel_offset, en.pos);
		s->max_ts = saved;
		if (err)
			goto out;
		err = TF_ERR_PARSE;
	}
	err = TF_OK;
out:
	if (err && s->nidx) {
		s->nidx = 0;
		s->next = s->base;
		s->max_ts = -1;
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

tf_err tf_seg_write_index(tf_segment *s)
{
	size_t n = 24 + s->nidx * 16 + 4;
	uint8_t *buf = malloc(n);
	char *ip = index_path(s->path);
	tf_err err = TF_ERR_NOMEM;
	int fd = -1;
	if (!buf || !ip)
		goto out;
	memcpy(buf, INDEX_MAGIC, 8);
	tf_put_be64(buf + 8, (uint64_t)s->next);
	tf_put_be64(buf + 16, (uint64_t)s->max_ts);
	for (size_t i = 0; i < s->nidx; i++) {
		uint8_t *e = buf + 24 + i * 16;
		tf_put_be32(e, s->idx[i].rel_offset);
		tf_put_be32(e + 4, s->idx[i].pos);
		tf_put_be64(e + 8, (uint64_t)s->idx[i].max_ts_before);
	}
	tf_put_be32(buf + n - 4, tf_crc32c(0, buf, n - 4));
	err = TF_ERR_IO;
	fd = open(ip, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, n) != (ssize_t)n)
		goto out;
	err = TF_OK;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(ip);
	return err;
}

/* Reads the segment sequentially from 0; verifies each batch (CRC when recover) and stops at the
 * first bad one. *valid = bytes of good batches. */
static tf_err scan(tf_segment *s, uint64_t file_size, bool recover, tf_seg_batch_fn fn, void *ctx,
		   uint64_t *valid, uint64_t *nbatches)
{
	size_t cap = 4u << 20;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return TF_ERR_NOMEM;
	tf_err err = TF_OK;
	uint64_t pos = 0;
	int64_t expect = s->base;
	*nbatches = 0;
	while (pos + TF_RB_HEADER <= file_size) {
		uint8_t hdr[TF_RB_HEADER];
		if (pread(s->fd, hdr, sizeof hdr, (off_t)pos) != (ssize_t)sizeof hdr) {
			err = TF_ERR_IO;
			break;
		}
		tf_rb_header h;
		if (tf_rb_parse_header(hdr, sizeof hdr, &h) != TF_OK)
			break;
		uint64_t size = (uint64_t)h.length + TF_RB_LOG_OVERHEAD;
		if (size > MAX_BATCH || pos + size > file_size || h.base_offset < expect ||
		    h.record_count <= 0 || h.last_offset_delta != h.record_count - 1)
			break;
		if (recover) {
			if (size > cap) {
				uint8_t *nb = realloc(buf, size);
				if (!nb) {
					err = TF_ERR_NOMEM;
					break;
				}
				buf = nb;
				cap = size;
			}
			if (pread(s->fd, buf, size, (off_t)pos) != (ssize_t)size) {
				err = TF_ERR_IO;
				break;
			}
			if (tf_rb_compute_crc(buf, size) != h.crc)
				break;
			if (fn)
				fn(ctx, buf, pos);
		}
		int64_t last = h.base_offset + h.last_offset_delta;
		if ((err = note_batch(s, h.base_offset, last, h.max_timestamp, pos, size)))
			break;
		expect = last + 1;
		pos += size;
		(*nbatches)++;
	}
	free(buf);
	*valid = pos;
	return err;
}

tf_err tf_seg_open(const char *path, int64_t base, bool recover, int64_t next_hint, tf_seg_recovery *rep,
		   tf_seg_batch_fn fn, void *ctx, tf_segment *s)
{
	seg_init(s, base);
	memset(rep, 0, sizeof *rep);
	s->path = strdup(path);
	if (!s->path)
		return TF_ERR_NOMEM;
	s->fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
	struct stat st;
	if (s->fd < 0 || fstat(s->fd, &st) != 0) {
		tf_error("cannot open segment %s: %s", path, strerror(errno));
		return TF_ERR_IO;
	}
	s->mtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
	uint64_t file_size = (uint64_t)st.st_size;
	s->size = file_size;
	if (!recover && load_index(s, next_hint) == TF_OK)
		return TF_OK;
	s->size = 0;
	uint64_t valid = 0;
	tf_err err = scan(s, file_size, recover, fn, ctx, &valid, &rep->batches);
	if (err)
		return err;
	if (valid < file_size) {
		if (!recover) {
			tf_warn("segment %s: unreadable batch at byte %" PRIu64 "; serving what precedes it", path, valid);
		} else {
			rep->truncated_bytes = file_size - valid;
			if (ftruncate(s->fd, (off_t)valid) != 0) {
				tf_error("cannot truncate %s: %s", path, strerror(errno));
				return TF_ERR_IO;
			}
		}
	}
	s->size = valid;
	if (s->nidx == 0)
		s->next = next_hint >= 0 && !recover ? next_hint : s->base;
	return TF_OK;
}

/* Write failures come in floods (every produce retry fails while the disk is full): log the first
 * one, then at most one line a minute with a count, and one line when writes succeed again.
 * Only the broker's event loop thread appends, so plain statics suffice. */
static struct {
	int64_t failed, last_log_ms;
} g_write_trouble;

static void write_failed(const char *path, int e)
{
	int64_t now = tf_mono_ms();
	if (g_write_trouble.failed++ == 0 || now - g_write_trouble.last_log_ms >= 60000) {
		g_write_trouble.last_log_ms = now;
		tf_error("write to %s failed: %s; produce requests are refused (KAFKA_STORAGE_ERROR, nothing "
			 "acknowledged) until writes succeed%s (%" PRId64 " failed so far)", path, strerror(e),
			 e == ENOSPC || e == EDQUOT ? ": free space in --data-dir" : "", g_write_trouble.failed);
	}
}

static void write_ok(void)
{
	if (g_write_trouble.failed) {
		tf_info("log writes succeed again after %" PRId64 " failed appends", g_write_trouble.failed);
		g_write_trouble.failed = 0;
	}
}

tf_err tf_seg_append(tf_segment *s, const uint8_t *p, const uint32_t *sizes, const int64_t *bases,
		     const int64_t *maxts, int nbatches)
{
	uint64_t total = 0;
	for (int i = 0; i < nbatches; i++)
		total += sizes[i];
	uint64_t done = 0;
	while (done < total) {
		ssize_t w = write(s->fd, p + done, total - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : ENOSPC;
			if (ftruncate(s->fd, (off_t)s->size) != 0)
				tf_error("cannot truncate %s back to %" PRIu64 " bytes: %s", s->path, s->size, strerror(errno));
			write_failed(s->path, e);
			return TF_ERR_IO;
		}
		done += (uint64_t)w;
	}
	write_ok();
	uint64_t pos = s->size;
	for (int i = 0; i < nbatches; i++) {
		const uint8_t *b = p + (pos - s->size);
		int64_t last = bases[i] + (int32_t)tf_be32(b + 23);
		tf_err err = note_batch(s, bases[i], last, maxts[i], pos, sizes[i]);
		if (err)
			return err;
		pos += sizes[i];
	}
	return TF_OK;
}

/* Last index entry at or before offset (binary search); position to start scanning from. */
static uint64_t index_floor(const tf_segment *s, int64_t offset)
{
	size_t lo = 0, hi = s->nidx;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (s->base + s->idx[mid].rel_offset <= offset)
			lo = mid;
		else
			hi = mid;
	}
	return s->nidx ? s->idx[lo].pos : 0;
}

/* Position of the batch holding offset, scanning headers from the index entry. */
static tf_err locate(const tf_segment *s, int64_t offset, uint64_t *at)
{
	uint64_t pos = index_floor(s, offset);
	while (pos + TF_RB_HEADER <= s->size) {
		uint8_t h[27];
		if (pread(s->fd, h, sizeof h, (off_t)pos) != (ssize_t)sizeof h)
			return TF_ERR_IO;
		int64_t base = (int64_t)tf_be64(h);
		uint64_t size = (uint64_t)(int32_t)tf_be32(h + 8) + TF_RB_LOG_OVERHEAD;
		int64_t last = base + (int32_t)tf_be32(h + 23);
		if (last >= offset) {
			*at = pos;
			return TF_OK;
		}
		pos += size;
	}
	return TF_ERR_NOT_FOUND;
}

tf_err tf_seg_read(tf_segment *s, int64_t offset, size_t max_bytes, tf_buf *out, size_t *got)
{
	*got = 0;
	if (offset >= s->next)
		return TF_OK;
	uint64_t pos;
	tf_err err = locate(s, offset, &pos);
	if (err == TF_ERR_NOT_FOUND)
		return TF_OK;
	if (err)
		return err;
	uint64_t avail = s->size - pos;
	size_t want = max_bytes < avail ? max_bytes : (size_t)avail;
	if (want < TF_RB_LOG_OVERHEAD)
		want = avail < TF_RB_LOG_OVERHEAD ? (size_t)avail : TF_RB_LOG_OVERHEAD;
	size_t start = out->len;
	if ((err = tf_buf_reserve(out, want)))
		return err;
	ssize_t r = pread(s->fd, out->data + start, want, (off_t)pos);
	if (r != (ssize_t)want)
		return TF_ERR_IO;
	/* Keep whole batches only; if even the first does not fit, read all of it (KIP-74). */
	const uint8_t *p = (const uint8_t *)out->data + start;
	size_t keep = 0;
	while (keep + TF_RB_LOG_OVERHEAD <= want) {
		size_t bs = tf_rb_size(p + keep, want - keep);
		if (bs == 0 || keep + bs > want)
			break;
		keep += bs;
	}
	if (keep == 0) {
		size_t bs = tf_rb_size(p, want);
		if (bs == 0 || bs > avail || bs > MAX_BATCH)
			return TF_ERR_IO;
		if ((err = tf_buf_reserve(out, bs)))
			return err;
		if (pread(s->fd, out->data + start, bs, (off_t)pos) != (ssize_t)bs)
			return TF_ERR_IO;
		keep = bs;
	}
	out->len = start + keep;
	out->data[out->len] = '\0';
	*got = keep;
	return TF_OK;
}

/* Within one uncompressed batch, the first record with timestamp >= ts. */
static tf_err time_in_batch(const tf_segment *s, uint64_t pos, uint64_t size, int64_t ts, int64_t *offset,
			    int64_t *found_ts)
{
	uint8_t *b = malloc(size);
	if (!b)
		return TF_ERR_NOMEM;
	tf_err err = TF_ERR_IO;
	if (pread(s->fd, b, size, (off_t)pos) != (ssize_t)size)
		goto out;
	tf_rb_iter it;
	tf_record rec;
	err = TF_ERR_PARSE;
	if (tf_rb_iter_init(&it, b, size) != TF_OK)
		goto out;
	while ((err = tf_rb_iter_next(&it, &rec)) == TF_OK) {
		if (rec.timestamp >= ts) {
			*offset = rec.offset;
			*found_ts = rec.timestamp;
			goto out;
		}
	}
out:
	free(b);
	return err;
}

tf_err tf_seg_find_time(tf_segment *s, int64_t ts, int64_t *offset, int64_t *found_ts)
{
	*offset = -1;
	*found_ts = -1;
	if (s->max_ts < ts || s->nidx == 0)
		return TF_OK;
	size_t lo = 0, hi = s->nidx;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (s->idx[mid].max_ts_before < ts)
			lo = mid;
		else
			hi = mid;
	}
	uint64_t pos = s->idx[lo].pos;
	while (pos + TF_RB_HEADER <= s->size) {
		uint8_t hb[TF_RB_HEADER];
		tf_rb_header h;
		if (pread(s->fd, hb, sizeof hb, (off_t)pos) != (ssize_t)sizeof hb ||
		    tf_rb_parse_header(hb, sizeof hb, &h) != TF_OK)
			return TF_ERR_IO;
		uint64_t size = (uint64_t)h.length + TF_RB_LOG_OVERHEAD;
		if (h.max_timestamp >= ts) {
			if (!(h.attributes & TF_RB_ATTR_CODEC) &&
			    time_in_batch(s, pos, size, ts, offset, found_ts) == TF_OK)
				return TF_OK;
			*offset = h.base_offset;
			*found_ts = h.max_timestamp;
			return TF_OK;
		}
		pos += size;
	}
	return TF_OK;
}

tf_err tf_seg_sync(tf_segment *s)
{
	if (s->fd >= 0 && fdatasync(s->fd) != 0) {
		tf_error("fdatasync %s: %s", s->path, strerror(errno));
		return TF_ERR_IO;
	}
	return TF_OK;
}

void tf_seg_close(tf_segment *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->idx);
	s->idx = NULL;
	s->nidx = s->capidx = 0;
	free(s->path);
	s->path = NULL;
}

void tf_seg_delete(tf_segment *s)
{
	if (s->path) {
		char *ip = index_path(s->path);
		unlink(s->path);
		if (ip)
			unlink(ip);
		free(ip);
	}
	tf_seg_close(s);
}

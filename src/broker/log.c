/* log.c — see log.h. */
#include "broker/log.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "kafka/record_batch.h"

#define MAX_BATCHES_PER_APPEND 256

#define KAFKA_STORAGE_ERROR 56 /* Kafka's code for a failed log write; retriable for clients */

static tf_segment *active(tf_plog *l) { return &l->segs[l->nsegs - 1]; }

static tf_err push_segment(tf_plog *l, tf_segment *s)
{
	if (l->nsegs == l->capsegs) {
		size_t cap = l->capsegs ? l->capsegs * 2 : 8;
		tf_segment *n = realloc(l->segs, cap * sizeof *n);
		if (!n)
			return TF_ERR_NOMEM;
		l->segs = n;
		l->capsegs = cap;
	}
	l->segs[l->nsegs++] = *s;
	return TF_OK;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Base offsets of the NNNN.log files in dir, sorted. Caller frees *bases. */
static tf_err list_segments(const char *dir, int64_t **bases, size_t *n)
{
	*bases = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return TF_ERR_IO;
	size_t cap = 0;
	struct dirent *e;
	tf_err err = TF_OK;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len != 24 || strcmp(e->d_name + 20, ".log") != 0)
			continue;
		char *end;
		errno = 0;
		long long v = strtoll(e->d_name, &end, 10);
		if (errno || end != e->d_name + 20 || v < 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			int64_t *nb = realloc(*bases, cap * sizeof *nb);
			if (!nb) {
				err = TF_ERR_NOMEM;
				break;
			}
			*bases = nb;
		}
		(*bases)[(*n)++] = v;
	}
	closedir(d);
	if (*n)
		qsort(*bases, *n, sizeof **bases, cmp_i64);
	return err;
}

static tf_producer_state *find_producer(tf_plog *l, int64_t pid)
{
	for (int i = 0; i < l->nprod; i++)
		if (l->prod[i].pid == pid)
			return &l->prod[i];
	return NULL;
}

static tf_producer_state *add_producer(tf_plog *l, int64_t pid)
{
	tf_producer_state *p;
	if (l->nprod < TF_LOG_PRODUCERS_MAX) {
		p = &l->prod[l->nprod++];
	} else { /* forget the least recently used */
		p = &l->prod[0];
		for (int i = 1; i < l->nprod; i++)
			if (l->prod[i].last_used < p->last_used)
				p = &l->prod[i];
	}
	memset(p, 0, sizeof *p);
	p->pid = pid;
	return p;
}

static void remember(tf_plog *l, int64_t pid, int16_t epoch, int32_t first, int32_t last, int64_t base)
{
	tf_producer_state *p = find_producer(l, pid);
	if (!p)
		p = add_producer(l, pid);
	if (p->epoch != epoch) {
		p->nrecent = 0;
		p->next_slot = 0;
	}
	p->epoch = epoch;
	p->last_seq = last;
	p->recent[p->next_slot].first_seq = first;
	p->recent[p->next_slot].last_seq = last;
	p->recent[p->next_slot].base = base;
	p->next_slot = (p->next_slot + 1) % TF_LOG_DEDUP;
	if (p->nrecent < TF_LOG_DEDUP)
		p->nrecent++;
	p->last_used = ++l->clock;
}

/* Recovery callback: rebuild producer state from the batches of the last segment. */
static void on_recovered_batch(void *ctx, const uint8_t *b, uint64_t pos)
{
	tf_plog *l = ctx;
	tf_rb_header h;
	if (tf_rb_parse_header(b, TF_RB_HEADER, &h) == TF_OK && h.producer_id >= 0 && h.base_sequence >= 0)
		remember(l, h.producer_id, h.producer_epoch, h.base_sequence,
			 h.base_sequence + h.last_offset_delta, h.base_offset);
}

tf_err tf_plog_open(const char *dir, const tf_log_cfg *cfg, tf_plog **out)
{
	*out = NULL;
	tf_plog *l = calloc(1, sizeof *l);
	if (!l)
		return TF_ERR_NOMEM;
	l->cfg = cfg;
	l->dir = strdup(dir);
	int64_t *bases = NULL;
	size_t nb = 0;
	tf_err err = TF_ERR_NOMEM;
	if (!l->dir)
		goto out;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		tf_error("cannot create %s: %s", dir, strerror(errno));
		err = TF_ERR_IO;
		goto out;
	}
	if ((err = list_segments(dir, &bases, &nb)))
		goto out;
	for (size_t i = 0; i < nb; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%020" PRId64 ".log", dir, bases[i]);
		bool last = i + 1 == nb;
		tf_segment s;
		tf_seg_recovery rep;
		err = tf_seg_open(path, bases[i], last, last ? -1 : bases[i + 1], &rep, on_recovered_batch, l, &s);
		if (err == TF_OK)
			err = push_segment(l, &s);
		if (err) {
			tf_seg_close(&s);
			goto out;
		}
		if (rep.truncated_bytes)
			tf_warn("recovery: %s: truncated %" PRIu64 " bytes of torn or corrupt tail after %" PRIu64
				" good batches", path, rep.truncated_bytes, rep.batches);
		l->total_bytes += s.size;
	}
	if (l->nsegs == 0) {
		tf_segment s;
		if ((err = tf_seg_create(dir, 0, &s)) || (err = push_segment(l, &s)))
			goto out;
	}
	l->start_offset = l->segs[0].base;
	l->next_offset = active(l)->next;
	err = TF_OK;
out:
	free(bases);
	if (err) {
		tf_plog_close(l);
		return err;
	}
	*out = l;
	return TF_OK;
}

void tf_plog_close(tf_plog *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nsegs; i++) {
		if (i + 1 == l->nsegs && l->dirty)
			tf_seg_sync(&l->segs[i]);
		tf_seg_close(&l->segs[i]);
	}
	free(l->segs);
	free(l->dir);
	free(l);
}

static tf_err roll(tf_plog *l)
{
	tf_segment *old = active(l);
	if (l->cfg->fsync != TF_FSYNC_NEVER && l->dirty)
		(void)tf_seg_sync(old);
	l->dirty = false;
	(void)tf_seg_write_index(old);
	tf_segment s;
	tf_err err = tf_seg_create(l->dir, l->next_offset, &s);
	if (err == TF_OK && (err = push_segment(l, &s)) != TF_OK)
		tf_seg_delete(&s);
	return err;
}

/* Idempotence check of one batch: 0 append, 46 duplicate (*dup_base set), 45 out of order. */
static int check_sequence(tf_plog *l, const tf_rb_header *h, int64_t *dup_base)
{
	if (h->producer_id < 0 || h->base_sequence < 0)
		return 0;
	tf_producer_state *p = find_producer(l, h->producer_id);
	if (!p || h->producer_epoch != p->epoch)
		return 0; /* new producer, new epoch, or state lost: accept */
	for (int i = 0; i < p->nrecent; i++)
		if (p->recent[i].first_seq == h->base_sequence &&
		    p->recent[i].last_seq == h->base_sequence + h->last_offset_delta) {
			*dup_base = p->recent[i].base;
			return 46;
		}
	int32_t expect = p->last_seq == INT32_MAX ? 0 : p->last_seq + 1;
	return h->base_sequence == expect ? 0 : 45;
}

int tf_plog_append(tf_plog *l, uint8_t *p, size_t n, int64_t *base)
{
	uint32_t sizes[MAX_BATCHES_PER_APPEND];
	int64_t bases[MAX_BATCHES_PER_APPEND], maxts[MAX_BATCHES_PER_APPEND];
	tf_rb_header hs[MAX_BATCHES_PER_APPEND];
	int nbatches = 0;
	size_t pos = 0;
	*base = -1;
	if (n == 0)
		return 87;
	while (pos < n) {
		size_t bs = tf_rb_size(p + pos, n - pos);
		if (bs == 0 || bs > n - pos || nbatches == MAX_BATCHES_PER_APPEND)
			return 2;
		int kerr = tf_rb_validate(p + pos, bs, &hs[nbatches]);
		if (kerr)
			return kerr;
		if (hs[nbatches].attributes & (TF_RB_ATTR_CONTROL | TF_RB_ATTR_TXN))
			return 87; /* no transactions on this broker */
		sizes[nbatches++] = (uint32_t)bs;
		pos += bs;
	}
	if (nbatches == 1) {
		int64_t dup;
		int s = check_sequence(l, &hs[0], &dup);
		if (s == 46) {
			*base = dup;
			return 0;
		}
		if (s)
			return s;
	}
	if (n > l->cfg->segment_bytes && n > (256u << 20))
		return 10;
	if (active(l)->size > 0 && active(l)->size + n > l->cfg->segment_bytes) {
		if (roll(l) != TF_OK)
			return KAFKA_STORAGE_ERROR;
	}
	int64_t next = l->next_offset;
	pos = 0;
	for (int i = 0; i < nbatches; i++) {
		tf_rb_set_base_offset(p + pos, next);
		bases[i] = next;
		maxts[i] = hs[i].max_timestamp;
		next += hs[i].record_count;
		pos += sizes[i];
	}
	/* a failed write (disk full, I/O error) is cut back off the segment and nothing is acknowledged:
	 * the client gets a retriable KAFKA_STORAGE_ERROR and may send the same batch again */
	if (tf_seg_append(active(l), p, sizes, bases, maxts, nbatches) != TF_OK)
		return KAFKA_STORAGE_ERROR;
	for (int i = 0; i < nbatches; i++)
		if (hs[i].producer_id >= 0 && hs[i].base_sequence >= 0)
			remember(l, hs[i].producer_id, hs[i].producer_epoch, hs[i].base_sequence,
				 hs[i].base_sequence + hs[i].last_offset_delta, bases[i]);
	*base = l->next_offset;
	l->next_offset = next;
	l->total_bytes += n;
	l->dirty = true;
	if (l->cfg->fsync == TF_FSYNC_ALWAYS && tf_plog_sync(l) != TF_OK)
		return KAFKA_STORAGE_ERROR;
	return 0;
}

/* Segment holding offset: the last with base <= offset. */
static size_t find_segment(const tf_plog *l, int64_t offset)
{
	size_t lo = 0, hi = l->nsegs;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (l->segs[mid].base <= offset)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int tf_plog_read(tf_plog *l, int64_t offset, size_t max_bytes, tf_buf *out)
{
	if (offset < l->start_offset || offset > l->next_offset)
		return 1;
	for (size_t i = find_segment(l, offset); i < l->nsegs; i++) {
		size_t got;
		tf_err err = tf_seg_read(&l->segs[i], offset, max_bytes, out, &got);
		if (err == TF_ERR_TOO_BIG)
			return 0; /* the response is full; the client fetches again */
		if (err) {
			tf_error("read %s at offset %" PRId64 ": %s", l->segs[i].path, offset, tf_err_str(err));
			return -1;
		}
		if (got)
			return 0;
	}
	return 0;
}

tf_err tf_plog_find_time(tf_plog *l, int64_t ts, int64_t *offset, int64_t *found_ts)
{
	*offset = -1;
	*found_ts = -1;
	for (size_t i = 0; i < l->nsegs; i++) {
		tf_err err = tf_seg_find_time(&l->segs[i], ts, offset, found_ts);
		if (err || *offset >= 0)
			return err;
	}
	return TF_OK;
}

tf_err tf_plog_sync(tf_plog *l)
{
	if (!l->dirty)
		return TF_OK;
	l->dirty = false;
	return tf_seg_sync(active(l));
}

static void drop_first(tf_plog *l)
{
	l->total_bytes -= l->segs[0].size;
	tf_seg_delete(&l->segs[0]);
	memmove(l->segs, l->segs + 1, (l->nsegs - 1) * sizeof *l->segs);
	l->nsegs--;
	l->start_offset = l->segs[0].base;
}

int tf_plog_retain(tf_plog *l, int64_t now_ms)
{
	const tf_log_cfg *c = l->cfg;
	int deleted = 0;
	/* Roll an active segment whose data has all expired, so that it can go too. */
	tf_segment *a = active(l);
	if (c->retention_ms > 0 && a->size > 0) {
		int64_t newest = a->max_ts >= 0 ? a->max_ts : now_ms;
		if (newest < now_ms - c->retention_ms)
			(void)roll(l);
	}
	while (l->nsegs > 1) {
		tf_segment *s = &l->segs[0];
		int64_t newest = s->max_ts >= 0 ? s->max_ts : s->mtime_ms;
		bool old = c->retention_ms > 0 && newest < now_ms - c->retention_ms;
		bool big = c->retention_bytes >= 0 && l->total_bytes - s->size >= (uint64_t)c->retention_bytes;
		if (!old && !big)
			break;
		tf_info("retention: deleting %s (offsets %" PRId64 "..%" PRId64 ", %s)", s->path, s->base,
			s->next - 1, old ? "age" : "size");
		drop_first(l);
		deleted++;
	}
	return deleted;
}

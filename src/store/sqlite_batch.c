/* sqlite_batch.c — the in-memory rows of one SQLite transaction (see sqlite_batch.h). */
#include "store/sqlite_batch.h"

#include <stdlib.h>
#include <string.h>

#define NBUFS 10

/* Every buffer of b, for init, free and reset. */
static void bufs(tf_sqb *b, tf_buf *all[NBUFS])
{
	tf_buf *list[NBUFS] = {&b->ticks,   &b->candles, &b->alerts,     &b->rates,        &b->states,
			       &b->offsets, &b->bytes,   &b->tick_order, &b->candle_order, &b->keys};
	memcpy(all, list, sizeof list);
}

void tf_sqb_init(tf_sqb *b)
{
	memset(b, 0, sizeof *b);
	tf_buf *all[NBUFS];
	bufs(b, all);
	for (size_t i = 0; i < NBUFS; i++)
		tf_buf_init(all[i], TF_SQB_MAX_BYTES);
}

void tf_sqb_free(tf_sqb *b)
{
	tf_buf *all[NBUFS];
	bufs(b, all);
	for (size_t i = 0; i < NBUFS; i++)
		tf_buf_free(all[i]);
}

void tf_sqb_reset(tf_sqb *b)
{
	tf_buf *all[NBUFS];
	bufs(b, all);
	for (size_t i = 0; i < NBUFS; i++)
		tf_buf_reset(all[i]);
	b->seq = 0;
}

tf_err tf_sqb_tick_add(tf_sqb *b, const tf_tick_row *t)
{
	tf_sqb_tick r;
	memset(&r, 0, sizeof r);
	r.row = *t;
	r.seq = b->seq++;
	return tf_buf_append(&b->ticks, &r, sizeof r);
}

tf_err tf_sqb_candle_add(tf_sqb *b, const tf_candle_row *row)
{
	tf_sqb_candle c;
	memset(&c, 0, sizeof c);
	c.row = *row;
	c.seq = b->seq++;
	return tf_buf_append(&b->candles, &c, sizeof c);
}

tf_err tf_sqb_alert_add(tf_sqb *b, const tf_alert_row *a) { return tf_buf_append(&b->alerts, a, sizeof *a); }

tf_err tf_sqb_rate_add(tf_sqb *b, const tf_rate_row *r) { return tf_buf_append(&b->rates, r, sizeof *r); }

/* Appends s with its NUL to bytes; its offset in *off. */
static tf_err put_str(tf_sqb *b, const char *s, size_t n, size_t *off)
{
	*off = b->bytes.len;
	tf_err err = tf_buf_append(&b->bytes, s, n);
	return err ? err : tf_buf_append(&b->bytes, "", 1);
}

static tf_err keyed(tf_sqb *b, tf_buf *to, const char *group, const char *topic, int32_t partition, const char *symbol,
		    const void *blob, size_t len, int64_t next, const tf_stream_counts *counts)
{
	tf_sqb_keyed k;
	memset(&k, 0, sizeof k);
	k.partition = partition;
	k.next_offset = next;
	if (counts)
		k.counts = *counts;
	k.blob_len = len;
	size_t mark = b->bytes.len;
	tf_err err = put_str(b, group, strlen(group), &k.group);
	if (!err)
		err = put_str(b, topic, strlen(topic), &k.topic);
	if (!err)
		err = put_str(b, symbol, strlen(symbol), &k.symbol);
	if (!err)
		err = put_str(b, blob, len, &k.blob);
	if (!err)
		err = tf_buf_append(to, &k, sizeof k);
	if (err)
		b->bytes.len = mark; /* nothing half-added */
	return err;
}

tf_err tf_sqb_state_add(tf_sqb *b, const char *group, const char *topic, int32_t partition, const char *symbol,
			const void *blob, size_t len)
{
	return keyed(b, &b->states, group, topic, partition, symbol, blob, len, 0, NULL);
}

tf_err tf_sqb_offset_add(tf_sqb *b, const char *group, const char *topic, int32_t partition, int64_t next,
			 const tf_stream_counts *counts)
{
	return keyed(b, &b->offsets, group, topic, partition, "", "", 0, next, counts);
}

/* Sorting compares keys, not rows: a row is ~150 bytes and its symbol a string, so qsort over the
 * rows spent its time in strcmp and in moving rows (a tenth of a SQLite commit at 2,000 symbols,
 * perf over bench/engine_pipeline.sh). A key holds the first 16 bytes of the symbol as two
 * big-endian words (unsigned order of the words = strcmp order of the bytes, NUL-padded), the
 * time, the put order and the row's index; the rows stay where they are, read through the sorted
 * indexes (moving them into order cost its page faults what the sort gained). */
typedef struct {
	uint64_t s0, s1, s2;        /* symbol bytes 0-7 and 8-15; s2: interval (candles) */
	int64_t t;
	uint32_t seq, idx;
	const char *rest;           /* the symbol from byte 16 (NULL when it is shorter) */
} sort_key;

static uint64_t be_word(const char *p)
{
	uint64_t w = 0;
	for (int i = 0; i < 8; i++)
		w = w << 8 | (unsigned char)p[i];
	return w;
}

/* symbol: NUL-terminated within cap bytes; bytes after the NUL are not read into the key */
static void key_symbol(sort_key *k, const char *symbol, size_t cap)
{
	char b[16] = {0};
	size_t n = strnlen(symbol, cap);
	memcpy(b, symbol, n < 16 ? n : 16);
	k->s0 = be_word(b);
	k->s1 = be_word(b + 8);
	k->rest = n >= 16 ? symbol + 16 : NULL;
}

static int cmp_key(const void *pa, const void *pb)
{
	const sort_key *a = pa, *b = pb;
	if (a->s0 != b->s0)
		return a->s0 < b->s0 ? -1 : 1;
	if (a->s1 != b->s1)
		return a->s1 < b->s1 ? -1 : 1;
	if (a->rest || b->rest) { /* equal first 16 bytes: the longer or greater tail sorts later */
		int c = strcmp(a->rest ? a->rest : "", b->rest ? b->rest : "");
		if (c)
			return c;
	}
	if (a->s2 != b->s2)
		return a->s2 < b->s2 ? -1 : 1;
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Sorts the n keys and writes their row indexes, in order, to order. */
static tf_err sort_keys(sort_key *keys, size_t n, tf_buf *order)
{
	qsort(keys, n, sizeof *keys, cmp_key);
	tf_err err = tf_buf_reserve(order, n * sizeof(uint32_t));
	if (err)
		return err;
	uint32_t *o = (uint32_t *)(void *)order->data;
	for (size_t i = 0; i < n; i++)
		o[i] = keys[i].idx;
	order->len = n * sizeof(uint32_t);
	return TF_OK;
}

tf_err tf_sqb_sort(tf_sqb *b)
{
	size_t nt = tf_sqb_count(&b->ticks, sizeof(tf_sqb_tick)), nc = tf_sqb_count(&b->candles, sizeof(tf_sqb_candle));
	size_t nk = nt > nc ? nt : nc;
	tf_buf_reset(&b->tick_order);
	tf_buf_reset(&b->candle_order);
	tf_buf_reset(&b->keys);
	tf_err err = tf_buf_reserve(&b->keys, nk * sizeof(sort_key) + 1);
	if (err)
		return err;
	sort_key *keys = (sort_key *)(void *)b->keys.data;
	const tf_sqb_tick *t = (const tf_sqb_tick *)(const void *)b->ticks.data;
	for (size_t i = 0; i < nt; i++) {
		key_symbol(&keys[i], t[i].row.symbol, sizeof t[i].row.symbol);
		keys[i].s2 = 0;
		keys[i].t = t[i].row.event_time;
		keys[i].seq = t[i].seq;
		keys[i].idx = (uint32_t)i;
	}
	if ((err = sort_keys(keys, nt, &b->tick_order)))
		return err;
	const tf_sqb_candle *c = (const tf_sqb_candle *)(const void *)b->candles.data;
	for (size_t i = 0; i < nc; i++) {
		char iv[8] = {0};
		key_symbol(&keys[i], c[i].row.symbol, sizeof c[i].row.symbol);
		memcpy(iv, c[i].row.interval, strnlen(c[i].row.interval, sizeof iv));
		keys[i].s2 = be_word(iv);
		keys[i].t = c[i].row.open_time;
		keys[i].seq = c[i].seq;
		keys[i].idx = (uint32_t)i;
	}
	return sort_keys(keys, nc, &b->candle_order);
}

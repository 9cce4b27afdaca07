/* sqlite_batch.c — the in-memory rows of one SQLite transaction (see sqlite_batch.h). */
#include "store/sqlite_batch.h"

#include <stdlib.h>
#include <string.h>

void tf_sqb_init(tf_sqb *b)
{
	memset(b, 0, sizeof *b);
	tf_buf *all[] = {&b->ticks, &b->candles, &b->alerts, &b->rates, &b->states, &b->offsets, &b->bytes};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		tf_buf_init(all[i], TF_SQB_MAX_BYTES);
}

void tf_sqb_free(tf_sqb *b)
{
	tf_buf *all[] = {&b->ticks, &b->candles, &b->alerts, &b->rates, &b->states, &b->offsets, &b->bytes};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		tf_buf_free(all[i]);
}

void tf_sqb_reset(tf_sqb *b)
{
	tf_buf *all[] = {&b->ticks, &b->candles, &b->alerts, &b->rates, &b->states, &b->offsets, &b->bytes};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
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

static int cmp_tick(const void *pa, const void *pb)
{
	const tf_sqb_tick *a = pa, *b = pb;
	int c = strcmp(a->row.symbol, b->row.symbol);
	if (c)
		return c;
	if (a->row.event_time != b->row.event_time)
		return a->row.event_time < b->row.event_time ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int cmp_candle(const void *pa, const void *pb)
{
	const tf_sqb_candle *a = pa, *b = pb;
	int c = strcmp(a->row.symbol, b->row.symbol);
	if (!c)
		c = strcmp(a->row.interval, b->row.interval);
	if (c)
		return c;
	if (a->row.open_time != b->row.open_time)
		return a->row.open_time < b->row.open_time ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void tf_sqb_sort(tf_sqb *b)
{
	if (b->ticks.len)
		qsort(b->ticks.data, tf_sqb_count(&b->ticks, sizeof(tf_sqb_tick)), sizeof(tf_sqb_tick), cmp_tick);
	if (b->candles.len)
		qsort(b->candles.data, tf_sqb_count(&b->candles, sizeof(tf_sqb_candle)), sizeof(tf_sqb_candle), cmp_candle);
}

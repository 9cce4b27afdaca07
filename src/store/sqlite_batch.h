/* sqlite_batch.h — one SQLite store transaction's writes, held in memory until commit.
 *
 * Why: SQLite has one writer at a time, and the stream workers used to hold it from
 * tf_store_begin to tf_store_commit, i.e. also while the engine drained and the live bus was
 * formatted, so two workers took turns instead of running in parallel; and rows went into the
 * B-trees in arrival order (random symbols), so every insert walked to a different leaf. Now the
 * puts only copy their rows here (no lock, no SQL); commit sorts ticks and candles by their
 * primary key, then takes the writer and executes everything at once (store_sqlite.c). The
 * PostgreSQL backend keeps its ticks here too, to COPY them in key order (store_pg.c).
 *
 * Sorting keeps the outcome of the sequential upserts: rows with the same key stay in put order
 * (ties broken by a sequence number), so the last one still wins. Every array has a maximum
 * (TF_SQB_MAX_BYTES in all); a put beyond it is TF_ERR_TOO_BIG. */
#ifndef TF_STORE_SQLITE_BATCH_H
#define TF_STORE_SQLITE_BATCH_H

#include "base/buf.h"
#include "engine/engine.h"
#include "market/tick.h"
#include "store/store.h"

#define TF_SQB_MAX_BYTES ((size_t)1 << 30) /* per kind of row */

/* A ticks-table row in put order. */
typedef struct {
	tf_tick_row row;
	uint32_t seq;
} tf_sqb_tick;

typedef struct {
	tf_candle_row row;
	uint32_t seq;
} tf_sqb_candle;

/* A state blob or an offset of one partition; strings and blobs live in tf_sqb.bytes. */
typedef struct {
	size_t group, topic, symbol, blob; /* offsets into bytes (strings NUL-terminated) */
	size_t blob_len;
	int32_t partition;
	int64_t next_offset;               /* offsets only */
	tf_stream_counts counts;           /* offsets only */
} tf_sqb_keyed;

typedef struct {
	tf_buf ticks, candles, alerts, rates, states, offsets; /* arrays of the row types above */
	tf_buf bytes;
	tf_buf tick_order, candle_order; /* uint32 row indexes in key order (tf_sqb_sort), else empty */
	tf_buf keys;                     /* tf_sqb_sort's scratch, kept so that no commit faults it in */
	uint32_t seq;
} tf_sqb;

void tf_sqb_init(tf_sqb *b);
void tf_sqb_free(tf_sqb *b);
/* Forgets every row (keeps the memory for the next batch). */
void tf_sqb_reset(tf_sqb *b);

/* Each copies its arguments; TF_ERR_NOMEM or TF_ERR_TOO_BIG. */
tf_err tf_sqb_tick_add(tf_sqb *b, const tf_tick_row *t);
tf_err tf_sqb_candle_add(tf_sqb *b, const tf_candle_row *r);
tf_err tf_sqb_alert_add(tf_sqb *b, const tf_alert_row *a);
tf_err tf_sqb_rate_add(tf_sqb *b, const tf_rate_row *r);
tf_err tf_sqb_state_add(tf_sqb *b, const char *group, const char *topic, int32_t partition, const char *symbol,
			const void *blob, size_t len);
tf_err tf_sqb_offset_add(tf_sqb *b, const char *group, const char *topic, int32_t partition, int64_t next,
			 const tf_stream_counts *counts);

/* Orders ticks by (symbol, event_time) and candles by (symbol, interval, open_time), put order
 * within equal keys, for tf_sqb_tick_at / tf_sqb_candle_at (the rows themselves stay where they
 * are: moving ~150-byte rows cost more than the comparisons). Puts after it undo the order.
 * TF_ERR_NOMEM: nothing is ordered (the PostgreSQL backend relies on the order, so a commit fails). */
tf_err tf_sqb_sort(tf_sqb *b);

static inline size_t tf_sqb_count(const tf_buf *rows, size_t elem) { return rows->len / elem; }

/* Row i (< count) of rows (elem bytes each) in the order of order when it covers them all (after a
 * successful tf_sqb_sort), else in put order. */
static inline const void *tf_sqb_row_at(const tf_buf *rows, size_t elem, const tf_buf *order, size_t i)
{
	if (order->len == tf_sqb_count(rows, elem) * sizeof(uint32_t))
		i = ((const uint32_t *)(const void *)order->data)[i];
	return rows->data + i * elem;
}

static inline const tf_sqb_tick *tf_sqb_tick_at(const tf_sqb *b, size_t i)
{
	return (const tf_sqb_tick *)tf_sqb_row_at(&b->ticks, sizeof(tf_sqb_tick), &b->tick_order, i);
}

static inline const tf_sqb_candle *tf_sqb_candle_at(const tf_sqb *b, size_t i)
{
	return (const tf_sqb_candle *)tf_sqb_row_at(&b->candles, sizeof(tf_sqb_candle), &b->candle_order, i);
}
static inline const char *tf_sqb_str(const tf_sqb *b, size_t off) { return b->bytes.data + off; }

#endif

/* store.h — where the stream engine's results live: one interface, two backends with the same
 * logical schema (DESIGN §6): SQLite (`sqlite:PATH`, WAL, prepared statements in transactions) and
 * PostgreSQL (`postgresql://...`, libpq, COPY into staging tables then upserts).
 *
 * Tables: ticks, candles, alerts, rates (sliding windows), ticker_snapshots, stream_offsets,
 * stream_state (the engine's checkpoint), schema_version. Opening a store creates or migrates the schema.
 *
 * Writes happen in batches: tf_store_begin, any number of tf_store_put_*, tf_store_commit. All of a
 * batch commits atomically or not at all; this is how results and consumed offsets commit together
 * (exactly-once). Every write is an upsert on the table's key (ticks: symbol, event_time; candles:
 * symbol, interval, open_time; alerts: id; stream_offsets: consumer_group, topic, partition), so
 * writing a batch again after a crash changes nothing.
 *
 * Errors: TF_ERR_AGAIN when the store is temporarily unusable (SQLite busy/locked, PostgreSQL
 * connection lost or server restarting, disk full): roll back, wait, retry the whole batch.
 * TF_ERR_IO for anything else. tf_store_error() says what happened in one line.
 * Thread safety: one tf_store per thread. */
#ifndef TF_STORE_STORE_H
#define TF_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "market/tick.h"

#define TF_STORE_SCHEMA_VERSION 2

typedef struct tf_store tf_store;

/* Opens "sqlite:PATH" or "postgresql://..." / "postgres://..." and migrates the schema.
 * TF_ERR_USAGE for an unknown scheme, TF_ERR_AGAIN when the server cannot be reached yet,
 * TF_ERR_IO otherwise; why gets one line. *out is owned by the caller (tf_store_close). */
tf_err tf_store_open(const char *url, tf_store **out, char *why, size_t why_cap);
void tf_store_close(tf_store *s);

/* The last error of s as one line ("sqlite: database is locked"). */
const char *tf_store_error(const tf_store *s);

/* "sqlite" or "postgresql". */
const char *tf_store_kind(const tf_store *s);

tf_err tf_store_begin(tf_store *s);
tf_err tf_store_put_tick(tf_store *s, const tf_tick *t);
tf_err tf_store_put_candle(tf_store *s, const tf_candle_row *r);
tf_err tf_store_put_alert(tf_store *s, const tf_alert_row *a);
tf_err tf_store_put_rate(tf_store *s, const tf_rate_row *r);
/* symbol "" holds the partition-level state */
tf_err tf_store_put_state(tf_store *s, const char *group, const char *topic, int32_t partition, const char *symbol,
			  const void *blob, size_t len);
tf_err tf_store_put_offset(tf_store *s, const char *group, const char *topic, int32_t partition, int64_t next_offset);
tf_err tf_store_commit(tf_store *s);
void tf_store_rollback(tf_store *s);

/* The stored next offset of a partition; *found false when none. */
tf_err tf_store_get_offset(tf_store *s, const char *group, const char *topic, int32_t partition, int64_t *next_offset,
			   bool *found);

/* Calls fn for each stored state blob of the partition ("" first, then symbols in order). The blob
 * is only valid during the call. An error from fn stops and is returned. */
typedef tf_err (*tf_store_state_fn)(void *ud, const char *symbol, const void *blob, size_t len);
tf_err tf_store_load_state(tf_store *s, const char *group, const char *topic, int32_t partition, tf_store_state_fn fn,
			   void *ud);

/* Forgets the partition's offset and state (for --from: rebuild from the log). Its own transaction. */
tf_err tf_store_reset_partition(tf_store *s, const char *group, const char *topic, int32_t partition);

/* Retention: deletes ticks with event_time < before_ms (candles are the roll-up and stay). Its own
 * transaction. */
tf_err tf_store_delete_ticks_before(tf_store *s, int64_t before_ms);

/* ---- backend interface (store.c dispatches; store_sqlite.c and store_pg.c implement) ---- */

typedef struct {
	const char *kind;
	void (*close)(tf_store *s);
	tf_err (*begin)(tf_store *s);
	tf_err (*put_tick)(tf_store *s, const tf_tick *t);
	tf_err (*put_candle)(tf_store *s, const tf_candle_row *r);
	tf_err (*put_alert)(tf_store *s, const tf_alert_row *a);
	tf_err (*put_rate)(tf_store *s, const tf_rate_row *r);
	tf_err (*put_state)(tf_store *s, const char *group, const char *topic, int32_t partition, const char *symbol,
			    const void *blob, size_t len);
	tf_err (*put_offset)(tf_store *s, const char *group, const char *topic, int32_t partition, int64_t next_offset);
	tf_err (*commit)(tf_store *s);
	void (*rollback)(tf_store *s);
	tf_err (*get_offset)(tf_store *s, const char *group, const char *topic, int32_t partition, int64_t *next,
			     bool *found);
	tf_err (*load_state)(tf_store *s, const char *group, const char *topic, int32_t partition, tf_store_state_fn fn,
			     void *ud);
	tf_err (*reset_partition)(tf_store *s, const char *group, const char *topic, int32_t partition);
	tf_err (*delete_ticks_before)(tf_store *s, int64_t before_ms);
} tf_store_ops;

struct tf_store {
	const tf_store_ops *ops;
	char error[256];
};

/* The return histogram of r as "3,0,12,..." (both backends store it so). */
void tf_store_hist_text(const tf_rate_row *r, char *out, size_t cap);

tf_err tf_store_sqlite_open(const char *path, tf_store **out, char *why, size_t why_cap);
tf_err tf_store_pg_open(const char *conninfo, tf_store **out, char *why, size_t why_cap);

#endif

/* store.h — where the stream engine's results live: one interface, two backends with the same
 * logical schema (DESIGN §6): SQLite (`sqlite:PATH`, WAL, prepared statements in transactions) and
 * PostgreSQL (`postgresql://...`, libpq, COPY into staging tables then upserts).
 *
 * Tables: ticks, candles, alerts, rates (sliding windows), ticker_snapshots, stream_offsets (next
 * offset and the partition's record/late/DLQ counters), stream_state (the engine's checkpoint),
 * schema_version. Opening a store creates or migrates the schema.
 *
 * Writes happen in batches: tf_store_begin, any number of tf_store_put_*, tf_store_commit. All of a
 * batch commits atomically or not at all; this is how results and consumed offsets commit together
 * (exactly-once). Every write is an upsert on the table's key (ticks: symbol, event_time; candles:
 * symbol, interval, open_time; alerts: id; stream_offsets: consumer_group, topic, partition), so
 * writing a batch again after a crash changes nothing.
 *
 * Errors: TF_ERR_AGAIN when the store is temporarily unusable (SQLite busy/locked, PostgreSQL
 * connection lost or server restarting, disk full): wait and call tf_store_commit again — a failed
 * commit keeps its batch, and nothing of it is stored (the PostgreSQL backend reconnects first) —
 * or tf_store_rollback to drop the batch. TF_ERR_IO for anything else. tf_store_error() says what
 * happened in one line.
 * Thread safety: a tf_store is used by one thread at a time (it may be handed to another thread
 * between batches, as the stream's committer does). */
#ifndef TF_STORE_STORE_H
#define TF_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "market/tick.h"

#define TF_STORE_SCHEMA_VERSION 8
/* 2: ticker_snapshots.dead and .quote (batch); 3: table rates (sliding windows); 4: candles.last_event_time;
 * 5: stream_offsets.records, .late, .dlq; 6: stream_offsets.newest_event_time, no index ticks_time;
 * 7: SQLite's stream_state a rowid table (checkpoints in the page, not in overflow pages);
 * 8: ticker_snapshots WITHOUT ROWID (SQLite) */

/* What the stream consumed from one partition, from its first offset (or the --from point) up to
 * next_offset: records handled, ticks dropped as late, records sent to the dead-letter topic.
 * Stored in the same row and transaction as the next offset, so the counters are exactly-once:
 * a crash and restart, or a rebuild with --from earliest, gives the same numbers. */
typedef struct {
	int64_t records, late, dlq;
	int64_t newest; /* greatest event time of the ticks stored from the partition (0: none) */
} tf_stream_counts;

typedef struct tf_store tf_store;

/* One row of the ticks table: all the store keeps of a tick. A stream worker holds a transaction's
 * worth of these (up to --batch, 100,000 by default), so it is a fifth of a tf_tick's size. */
typedef struct {
	char symbol[TF_SYMBOL_MAX];
	int64_t event_time;
	bool is24; /* open..quote_volume are the 24 h figures; otherwise only last (the tick's price) */
	tf_dec open, high, low, last, volume, quote_volume;
} tf_tick_row;

/* The ticks-table row of t. */
void tf_tick_row_from(const tf_tick *t, tf_tick_row *out);

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
tf_err tf_store_put_tick(tf_store *s, const tf_tick_row *t);
tf_err tf_store_put_candle(tf_store *s, const tf_candle_row *r);
tf_err tf_store_put_alert(tf_store *s, const tf_alert_row *a);
tf_err tf_store_put_rate(tf_store *s, const tf_rate_row *r);
/* symbol "" holds the partition-level state */
tf_err tf_store_put_state(tf_store *s, const char *group, const char *topic, int32_t partition, const char *symbol,
			  const void *blob, size_t len);
/* counts: the partition's totals up to next_offset (NULL = zeros) */
tf_err tf_store_put_offset(tf_store *s, const char *group, const char *topic, int32_t partition, int64_t next_offset,
			   const tf_stream_counts *counts);
tf_err tf_store_commit(tf_store *s);
void tf_store_rollback(tf_store *s);

/* The stored next offset of a partition and its counters (counts may be NULL); *found false when
 * none (then *counts is zeroed). */
tf_err tf_store_get_offset(tf_store *s, const char *group, const char *topic, int32_t partition, int64_t *next_offset,
			   tf_stream_counts *counts, bool *found);

/* Calls fn for each stored state blob of the partition ("" first, then symbols in order). The blob
 * is only valid during the call. An error from fn stops and is returned. */
typedef tf_err (*tf_store_state_fn)(void *ud, const char *symbol, const void *blob, size_t len);
tf_err tf_store_load_state(tf_store *s, const char *group, const char *topic, int32_t partition, tf_store_state_fn fn,
			   void *ud);

/* Forgets the partition's offset, counters and state (for --from: rebuild from the log). Its own transaction. */
tf_err tf_store_reset_partition(tf_store *s, const char *group, const char *topic, int32_t partition);

/* Retention: deletes ticks with event_time < before_ms (candles are the roll-up and stay). Its own
 * transaction. */
tf_err tf_store_delete_ticks_before(tf_store *s, int64_t before_ms);

/* ---- backend interface (store.c dispatches; store_sqlite.c and store_pg.c implement) ---- */

typedef struct {
	const char *kind;
	void (*close)(tf_store *s);
	tf_err (*begin)(tf_store *s);
	tf_err (*put_tick)(tf_store *s, const tf_tick_row *t);
	tf_err (*put_candle)(tf_store *s, const tf_candle_row *r);
	tf_err (*put_alert)(tf_store *s, const tf_alert_row *a);
	tf_err (*put_rate)(tf_store *s, const tf_rate_row *r);
	tf_err (*put_state)(tf_store *s, const char *group, const char *topic, int32_t partition, const char *symbol,
			    const void *blob, size_t len);
	tf_err (*put_offset)(tf_store *s, const char *group, const char *topic, int32_t partition, int64_t next_offset,
			     const tf_stream_counts *counts);
	tf_err (*commit)(tf_store *s);
	void (*rollback)(tf_store *s);
	tf_err (*get_offset)(tf_store *s, const char *group, const char *topic, int32_t partition, int64_t *next,
			     tf_stream_counts *counts, bool *found);
	tf_err (*load_state)(tf_store *s, const char *group, const char *topic, int32_t partition, tf_store_state_fn fn,
			     void *ud);
	tf_err (*reset_partition)(tf_store *s, const char *group, const char *topic, int32_t partition);
	tf_err (*delete_ticks_before)(tf_store *s, int64_t before_ms);
	void *(*native)(tf_store *s); /* sqlite3 * or PGconn *, for the batch code in snapshots_*.c */
} tf_store_ops;

struct tf_store {
	const tf_store_ops *ops;
	char error[256];
};

/* The return histogram of r as "3,0,12,..." (both backends store it so). */
void tf_store_hist_text(const tf_rate_row *r, char *out, size_t cap);

tf_err tf_store_sqlite_open(const char *path, tf_store **out, char *why, size_t why_cap);
tf_err tf_store_pg_open(const char *conninfo, tf_store **out, char *why, size_t why_cap);

/* ---- ticker snapshots: the batch path (collect / report, DESIGN §8); snapshots*.c ---- */

/* One row of ticker_snapshots. quote is the quote asset derived from the symbol by collect ("USDT";
 * "" when unknown); dead marks symbols without trades or with price zero (stored, never ranked). */
typedef struct {
	char symbol[TF_SYMBOL_MAX];
	char quote[16];
	tf_dec open, high, low, last, volume, quote_volume, price_change_pct;
	int64_t trades, close_time;
	bool dead;
} tf_snapshot;

#define TF_SNAPSHOT_MAX_ROWS 50000000 /* loads refuse more rows than this (TF_ERR_TOO_BIG) */

/* Writes rows[0..n) with one run_ts in one transaction of its own: all rows or none. An existing
 * row with the same (run_ts, symbol) is an error (TF_ERR_IO). TF_ERR_AGAIN when the store is busy
 * or unreachable (retry the whole batch). */
tf_err tf_store_put_snapshots(tf_store *s, int64_t run_ts, const tf_snapshot *rows, size_t n);

/* The greatest run_ts in ticker_snapshots; *found false when the table is empty. */
tf_err tf_store_latest_run(tf_store *s, int64_t *run_ts, bool *found);

/* Loads the rows of one run_ts ordered by symbol into *rows (malloc'd, the caller frees; NULL when
 * *n is 0). TF_ERR_PARSE when a stored decimal is malformed, TF_ERR_TOO_BIG over
 * TF_SNAPSHOT_MAX_ROWS. */
tf_err tf_store_load_snapshots(tf_store *s, int64_t run_ts, tf_snapshot **rows, size_t *n);

/* Summarises candles of one interval with from_ms <= open_time < to_ms per symbol as snapshot rows
 * (open = first open, high = max, low = min, last = last close, volume and quote_volume summed,
 * trades = number of candles, close_time = last open_time, price_change_pct = 0, quote and dead
 * left for the caller). Ordered by symbol; ownership as tf_store_load_snapshots. */
tf_err tf_store_load_candle_summary(tf_store *s, const char *interval, int64_t from_ms, int64_t to_ms,
				    tf_snapshot **rows, size_t *n);

/* Receives the rows of a scan a chunk at a time (rows[0..n) are valid during the call only); sets
 * *stop to end the scan early. An error ends the scan and is returned by it. */
typedef tf_err (*tf_snapshot_sink)(void *ctx, const tf_snapshot *rows, size_t n, bool *stop);
#define TF_SNAPSHOT_CHUNK 256 /* rows per sink call at most */

/* Streams the rows of one run_ts to sink without holding the batch in memory, ordered by symbol
 * (descending when desc; SQLite compares bytes, PostgreSQL uses the column's collation). Only what a
 * report reads is filled: volume and price_change_pct are 0, and with brief trades and close_time
 * too (two columns fewer per row; tf_store_snapshot_details fetches them for the rows a report
 * shows). SQLite reads through a memory map; PostgreSQL streams COPY ... TO STDOUT. TF_ERR_PARSE
 * when a stored value is malformed (s->error names it), TF_ERR_TOO_BIG over TF_SNAPSHOT_MAX_ROWS,
 * TF_ERR_AGAIN / TF_ERR_IO from the database, or the sink's error. */
tf_err tf_store_scan_snapshots(tf_store *s, int64_t run_ts, bool desc, bool brief, tf_snapshot_sink sink, void *ctx);

/* What a brief scan leaves out, for one symbol of a batch. */
typedef struct {
	char symbol[TF_SYMBOL_MAX]; /* in */
	int64_t trades, close_time; /* out: from the stored row */
	bool found;                 /* out: false when the batch has no row of symbol */
} tf_snapshot_detail;
#define TF_SNAPSHOT_DETAILS_MAX 4096 /* symbols per tf_store_snapshot_details call at most */

/* Fills trades and close_time of d[0..n) (n <= TF_SNAPSHOT_DETAILS_MAX; a symbol may repeat) from
 * batch run_ts: one key lookup per symbol (SQLite) or one query for all (PostgreSQL). TF_ERR_USAGE
 * past the maximum; otherwise errors as tf_store_scan_snapshots. */
tf_err tf_store_snapshot_details(tf_store *s, int64_t run_ts, tf_snapshot_detail *d, size_t n);

/* Whether the scans' symbol order is strcmp's (SQLite: always; PostgreSQL: when the column's
 * collation is C, POSIX or C.UTF-8), so that two scans from both ends can tell where they meet. */
tf_err tf_store_snapshot_order_bytewise(tf_store *s, bool *out);

/* Backend parts of the above (snapshots_sqlite.c, snapshots_pg.c); native is ops->native(s). */
tf_err tf_snapshots_sqlite_put(tf_store *s, void *native, int64_t run_ts, const tf_snapshot *rows, size_t n);
tf_err tf_snapshots_sqlite_latest(tf_store *s, void *native, int64_t *run_ts, bool *found);
tf_err tf_snapshots_sqlite_load(tf_store *s, void *native, const char *interval, int64_t run_ts, int64_t to_ms,
				tf_snapshot **rows, size_t *n);
tf_err tf_snapshots_sqlite_scan(tf_store *s, void *native, int64_t run_ts, bool desc, bool brief, tf_snapshot_sink sink,
				void *ctx);
tf_err tf_snapshots_sqlite_details(tf_store *s, void *native, int64_t run_ts, tf_snapshot_detail *d, size_t n);
tf_err tf_snapshots_pg_bytewise(tf_store *s, void *native, bool *out);
tf_err tf_snapshots_pg_scan(tf_store *s, void *native, int64_t run_ts, bool desc, bool brief, tf_snapshot_sink sink,
			    void *ctx);
tf_err tf_snapshots_pg_details(tf_store *s, void *native, int64_t run_ts, tf_snapshot_detail *d, size_t n);
tf_err tf_snapshots_pg_put(tf_store *s, void *native, int64_t run_ts, const tf_snapshot *rows, size_t n);
tf_err tf_snapshots_pg_latest(tf_store *s, void *native, int64_t *run_ts, bool *found);
tf_err tf_snapshots_pg_load(tf_store *s, void *native, const char *interval, int64_t run_ts, int64_t to_ms,
			    tf_snapshot **rows, size_t *n);

#endif

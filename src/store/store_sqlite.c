/* store_sqlite.c — the SQLite backend (default, single machine): WAL journal, one prepared
 * statement per kind of write, each batch in one BEGIN IMMEDIATE ... COMMIT. The puts of a batch
 * are collected in memory (sqlite_batch.h) and executed, ticks and candles in key order, when it
 * commits: the writer lock is held only for the SQL itself.
 *
 * Decimals are stored as TEXT with exactly 8 decimals ("0.02456700"): SQLite's REAL would round
 * them, and the engine's numbers are exact (CAST(close AS REAL) in queries that want a double).
 * Indicators are REAL, NULL when undefined. With synchronous=NORMAL in WAL mode a committed batch
 * survives the process being killed (-9); on power loss the last batches may be lost, never torn.
 * Several workers (threads or processes) may share one file: writers queue on the lock
 * (busy_timeout), and a lock held too long surfaces as TF_ERR_AGAIN. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/dir.h"
#include "base/log.h"
#include "store/sqlite_batch.h"
#include "store/sqlite_checkpoint.h"
#include "store/store.h"

enum { ST_TICK, ST_CANDLE, ST_ALERT, ST_RATE, ST_STATE, ST_OFFSET, ST_GET_OFFSET, ST_LOAD_STATE, ST_N };

static const char *const stmt_sql[ST_N] = {
	"INSERT OR REPLACE INTO ticks(symbol,event_time,open_24h,high_24h,low_24h,last,volume_24h,quote_volume_24h) "
	"VALUES(?,?,?,?,?,?,?,?)",
	"INSERT OR REPLACE INTO candles(symbol,interval,open_time,open,high,low,close,volume,quote_volume,updates,final,"
	"volume_approx,spread,mid,ret,rel_volatility,ma7,ma25,stddev_logret,vwap,change_24h_pct,last_event_time) "
	"VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	"INSERT OR REPLACE INTO alerts(id,symbol,kind,event_time,value,threshold,detail) VALUES(?,?,?,?,?,?,?)",
	"INSERT OR REPLACE INTO rates(scope,window_end,size_ms,updates,updates_per_s,zscore,returns_hist) VALUES(?,?,?,?,?,?,?)",
	"INSERT OR REPLACE INTO stream_state(consumer_group,topic,partition,symbol,state) VALUES(?,?,?,?,?)",
	"INSERT OR REPLACE INTO stream_offsets(consumer_group,topic,partition,next_offset,records,late,dlq,"
	"newest_event_time) VALUES(?,?,?,?,?,?,?,?)",
	"SELECT next_offset,records,late,dlq,newest_event_time FROM stream_offsets WHERE consumer_group=? AND topic=? AND "
	"partition=?",
	"SELECT symbol,state FROM stream_state WHERE consumer_group=? AND topic=? AND partition=? ORDER BY symbol",
};

/* Migrations: migration[i] takes the schema from version i to i + 1. */
static const char *const migration[] = {
	"CREATE TABLE ticks(symbol TEXT NOT NULL, event_time INTEGER NOT NULL, open_24h TEXT, high_24h TEXT,"
	" low_24h TEXT, last TEXT, volume_24h TEXT, quote_volume_24h TEXT, PRIMARY KEY(symbol, event_time)) WITHOUT ROWID;"
	"CREATE INDEX ticks_time ON ticks(event_time);"
	"CREATE TABLE candles(symbol TEXT NOT NULL, interval TEXT NOT NULL, open_time INTEGER NOT NULL, open TEXT,"
	" high TEXT, low TEXT, close TEXT, volume TEXT, quote_volume TEXT, updates INTEGER, final INTEGER,"
	" volume_approx INTEGER, spread TEXT, mid REAL, ret REAL, rel_volatility REAL, ma7 REAL, ma25 REAL,"
	" stddev_logret REAL, vwap REAL, change_24h_pct REAL, PRIMARY KEY(symbol, interval, open_time)) WITHOUT ROWID;"
	"CREATE INDEX candles_interval_time ON candles(interval, open_time);"
	"CREATE TABLE alerts(id INTEGER PRIMARY KEY, symbol TEXT NOT NULL, kind TEXT NOT NULL,"
	" event_time INTEGER NOT NULL, value REAL, threshold REAL, detail TEXT);"
	"CREATE INDEX alerts_time ON alerts(event_time);"
	"CREATE TABLE ticker_snapshots(run_ts INTEGER NOT NULL, symbol TEXT NOT NULL, open TEXT, high TEXT, low TEXT,"
	" last TEXT, volume TEXT, quote_volume TEXT, price_change_pct TEXT, trades INTEGER, close_time INTEGER,"
	" PRIMARY KEY(run_ts, symbol));"
	"CREATE TABLE stream_offsets(consumer_group TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL,"
	" next_offset INTEGER NOT NULL, PRIMARY KEY(consumer_group, topic, partition));"
	"CREATE TABLE stream_state(consumer_group TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL,"
	" symbol TEXT NOT NULL, state BLOB NOT NULL, PRIMARY KEY(consumer_group, topic, partition, symbol)) WITHOUT ROWID;",
	/* 2 (batch): dead-symbol flag and quote asset of each snapshot row */
	"ALTER TABLE ticker_snapshots ADD COLUMN dead INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE ticker_snapshots ADD COLUMN quote TEXT NOT NULL DEFAULT '';",
	/* 3: sliding windows (market-wide per partition) */
	"CREATE TABLE rates(scope TEXT NOT NULL, window_end INTEGER NOT NULL, size_ms INTEGER NOT NULL,"
	" updates INTEGER NOT NULL, updates_per_s REAL, zscore REAL, returns_hist TEXT,"
	" PRIMARY KEY(scope, window_end)) WITHOUT ROWID",
	/* 4: event time of each candle's newest tick (tick-to-browser latency; NULL for older rows) */
	"ALTER TABLE candles ADD COLUMN last_event_time INTEGER",
	/* 5: the partition's counters, committed with its offset (exactly-once; serve's /metrics) */
	"ALTER TABLE stream_offsets ADD COLUMN records INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE stream_offsets ADD COLUMN late INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE stream_offsets ADD COLUMN dlq INTEGER NOT NULL DEFAULT 0",
	/* 6: the newest stored event time per partition replaces the index on ticks(event_time), a
	 * second B-tree insert per tick that only fed "newest tick" and "ticks since" queries (29% of a
	 * tick's insert, callgrind over bench/engine_pipeline.sh's records); retention deletes by the
	 * primary key, symbol by symbol */
	"ALTER TABLE stream_offsets ADD COLUMN newest_event_time INTEGER NOT NULL DEFAULT 0;"
	"DROP INDEX IF EXISTS ticks_time",
	/* 7: stream_state as a rowid table. A symbol's checkpoint is 1.1-5.6 KB (1.5 KB on average at
	 * 2,000 symbols); WITHOUT ROWID rows are index entries, kept in the page only up to ~1,000 bytes
	 * of a 4 KB page, so every checkpoint went to overflow pages, freed and allocated again at each
	 * commit (76 us a row, a tenth of the writer's time). A rowid table keeps up to ~4,000 bytes in
	 * the page: half the cost a row (the primary key becomes a small separate index). */
	"CREATE TABLE stream_state_v7(consumer_group TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL,"
	" symbol TEXT NOT NULL, state BLOB NOT NULL, PRIMARY KEY(consumer_group, topic, partition, symbol));"
	"INSERT INTO stream_state_v7 SELECT consumer_group, topic, partition, symbol, state FROM stream_state;"
	"DROP TABLE stream_state;"
	"ALTER TABLE stream_state_v7 RENAME TO stream_state",
	/* 8: ticker_snapshots WITHOUT ROWID, its rows in the primary key's B-tree: reading a batch
	 * walked the key's index and looked every row up by rowid in the table (a report over 1M rows:
	 * 0.57 s -> 0.41 s). The rows are copied over in this migration's one transaction. */
	"CREATE TABLE ticker_snapshots_v8(run_ts INTEGER NOT NULL, symbol TEXT NOT NULL, open TEXT, high TEXT,"
	" low TEXT, last TEXT, volume TEXT, quote_volume TEXT, price_change_pct TEXT, trades INTEGER, close_time INTEGER,"
	" dead INTEGER NOT NULL DEFAULT 0, quote TEXT NOT NULL DEFAULT '', PRIMARY KEY(run_ts, symbol)) WITHOUT ROWID;"
	"INSERT INTO ticker_snapshots_v8(run_ts,symbol,open,high,low,last,volume,quote_volume,price_change_pct,trades,"
	"close_time,dead,quote) SELECT run_ts,symbol,open,high,low,last,volume,quote_volume,price_change_pct,trades,"
	"close_time,dead,quote FROM ticker_snapshots ORDER BY run_ts, symbol;"
	"DROP TABLE ticker_snapshots;"
	"ALTER TABLE ticker_snapshots_v8 RENAME TO ticker_snapshots",
};
_Static_assert(sizeof migration / sizeof migration[0] == TF_STORE_SCHEMA_VERSION, "one migration per schema version");

/* SQLite has one writer at a time; threads of this process queue here instead of sleeping in
 * SQLite's busy handler (which polls in steps of up to 100 ms). Other processes still meet
 * the busy handler. Held only inside sq_commit. */
static pthread_mutex_t writer = PTHREAD_MUTEX_INITIALIZER;

typedef struct {
	tf_store base;
	sqlite3 *db;
	sqlite3_stmt *st[ST_N];
	tf_sqb batch;   /* the open batch's rows */
	char dec[24][TF_DEC_STR_MAX]; /* bound decimal texts, by parameter number */
	tf_sqlite_ckpt *ckpt; /* NULL: SQLite's automatic checkpoint (in-memory database, no thread) */
} sq_store;

static tf_err fail(sq_store *q, int rc, const char *what)
{
	int prim = rc & 0xff;
	/* a full disk is transient for the engine (it pauses and retries), but say what to do */
	snprintf(q->base.error, sizeof q->base.error, "sqlite: %s: %s%s", what, q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc),
		 prim == SQLITE_FULL ? " (free space on the store's file system; nothing committed is lost)" : "");
	return prim == SQLITE_BUSY || prim == SQLITE_LOCKED || prim == SQLITE_FULL || prim == SQLITE_IOERR ? TF_ERR_AGAIN
													     : TF_ERR_IO;
}

static tf_err exec(sq_store *q, const char *sql)
{
	int rc = sqlite3_exec(q->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? TF_OK : fail(q, rc, "exec");
}

static tf_err step_done(sq_store *q, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? TF_OK : fail(q, rc, what);
}

/* Binds v's text from q's scratch slot for parameter i: no copy inside SQLite (the slot lives
 * until step_done has reset the statement). */
static void bind_dec(sq_store *q, sqlite3_stmt *st, int i, tf_dec v)
{
	size_t n = tf_dec_format(v, q->dec[i]);
	sqlite3_bind_text(st, i, q->dec[i], (int)n, SQLITE_STATIC);
}

static void bind_maybe(sqlite3_stmt *st, int i, tf_maybe m)
{
	if (m.valid)
		sqlite3_bind_double(st, i, m.v);
	else
		sqlite3_bind_null(st, i);
}

static void sq_close(tf_store *s)
{
	sq_store *q = (sq_store *)s;
	for (int i = 0; i < ST_N; i++)
		sqlite3_finalize(q->st[i]);
	tf_sqlite_ckpt_detach(q->ckpt, q->db);
	sqlite3_close(q->db);
	tf_sqb_free(&q->batch);
	free(q);
}

static tf_err sq_begin(tf_store *s)
{
	tf_sqb_reset(&((sq_store *)s)->batch);
	return TF_OK;
}

static void sq_rollback(tf_store *s) { tf_sqb_reset(&((sq_store *)s)->batch); }

static tf_err sq_put_tick(tf_store *s, const tf_tick_row *t) { return tf_sqb_tick_add(&((sq_store *)s)->batch, t); }

static tf_err sq_put_candle(tf_store *s, const tf_candle_row *r)
{
	return tf_sqb_candle_add(&((sq_store *)s)->batch, r);
}

static tf_err sq_put_alert(tf_store *s, const tf_alert_row *a) { return tf_sqb_alert_add(&((sq_store *)s)->batch, a); }

static tf_err sq_put_rate(tf_store *s, const tf_rate_row *r) { return tf_sqb_rate_add(&((sq_store *)s)->batch, r); }

static tf_err sq_put_state(tf_store *s, const char *group, const char *topic, int32_t partition, const char *symbol,
			   const void *blob, size_t len)
{
	return tf_sqb_state_add(&((sq_store *)s)->batch, group, topic, partition, symbol, blob, len);
}

static tf_err sq_put_offset(tf_store *s, const char *group, const char *topic, int32_t partition, int64_t next,
			    const tf_stream_counts *counts)
{
	return tf_sqb_offset_add(&((sq_store *)s)->batch, group, topic, partition, next, counts);
}

/* ---- executing a batch (inside BEGIN IMMEDIATE, writer held) ---- */

static tf_err exec_tick(sq_store *q, const tf_tick_row *t)
{
	sqlite3_stmt *st = q->st[ST_TICK];
	sqlite3_bind_text(st, 1, t->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, t->event_time);
	if (t->is24) {
		bind_dec(q, st, 3, t->open);
		bind_dec(q, st, 4, t->high);
		bind_dec(q, st, 5, t->low);
		bind_dec(q, st, 7, t->volume);
		bind_dec(q, st, 8, t->quote_volume);
	}
	bind_dec(q, st, 6, t->last);
	return step_done(q, st, "insert tick");
}

static tf_err exec_candle(sq_store *q, const tf_candle_row *r)
{
	sqlite3_stmt *st = q->st[ST_CANDLE];
	sqlite3_bind_text(st, 1, r->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->interval, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, r->open_time);
	bind_dec(q, st, 4, r->open);
	bind_dec(q, st, 5, r->high);
	bind_dec(q, st, 6, r->low);
	bind_dec(q, st, 7, r->close);
	bind_dec(q, st, 8, r->volume);
	bind_dec(q, st, 9, r->quote_volume);
	sqlite3_bind_int64(st, 10, r->updates);
	sqlite3_bind_int(st, 11, r->final);
	sqlite3_bind_int(st, 12, r->volume_approx);
	bind_dec(q, st, 13, r->spread);
	bind_maybe(st, 14, r->mid);
	bind_maybe(st, 15, r->ret);
	bind_maybe(st, 16, r->rel_vol);
	bind_maybe(st, 17, r->ma7);
	bind_maybe(st, 18, r->ma25);
	bind_maybe(st, 19, r->sd_logret);
	bind_maybe(st, 20, r->vwap);
	bind_maybe(st, 21, r->change_24h_pct);
	sqlite3_bind_int64(st, 22, r->last_event_time);
	return step_done(q, st, "upsert candle");
}

static tf_err exec_alert(sq_store *q, const tf_alert_row *a)
{
	sqlite3_stmt *st = q->st[ST_ALERT];
	sqlite3_bind_int64(st, 1, a->id);
	sqlite3_bind_text(st, 2, a->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, tf_alert_kind_name(a->kind), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, a->event_time);
	sqlite3_bind_double(st, 5, a->value);
	sqlite3_bind_double(st, 6, a->threshold);
	sqlite3_bind_text(st, 7, a->detail, -1, SQLITE_STATIC);
	return step_done(q, st, "upsert alert");
}

/* "3,0,12,...": the return histogram as text, the same in both backends. */
void tf_store_hist_text(const tf_rate_row *r, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	for (int i = 0; i < TF_RATE_BINS && n < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s%lld", i ? "," : "", (long long)r->hist[i]);
}

static tf_err exec_rate(sq_store *q, const tf_rate_row *r)
{
	sqlite3_stmt *st = q->st[ST_RATE];
	char hist[256];
	tf_store_hist_text(r, hist, sizeof hist);
	sqlite3_bind_text(st, 1, r->scope, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->window_end);
	sqlite3_bind_int64(st, 3, r->size_ms);
	sqlite3_bind_int64(st, 4, r->updates);
	sqlite3_bind_double(st, 5, r->updates_per_s);
	bind_maybe(st, 6, r->zscore);
	sqlite3_bind_text(st, 7, hist, -1, SQLITE_TRANSIENT);
	return step_done(q, st, "upsert rate");
}

static void bind_gtp(sqlite3_stmt *st, const char *group, const char *topic, int32_t partition)
{
	sqlite3_bind_text(st, 1, group, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, topic, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, partition);
}

static tf_err exec_state(sq_store *q, const tf_sqb_keyed *k)
{
	sqlite3_stmt *st = q->st[ST_STATE];
	const tf_sqb *b = &q->batch;
	bind_gtp(st, tf_sqb_str(b, k->group), tf_sqb_str(b, k->topic), k->partition);
	sqlite3_bind_text(st, 4, tf_sqb_str(b, k->symbol), -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, tf_sqb_str(b, k->blob), (int)k->blob_len, SQLITE_STATIC);
	return step_done(q, st, "upsert state");
}

static tf_err exec_offset(sq_store *q, const tf_sqb_keyed *k)
{
	sqlite3_stmt *st = q->st[ST_OFFSET];
	const tf_sqb *b = &q->batch;
	bind_gtp(st, tf_sqb_str(b, k->group), tf_sqb_str(b, k->topic), k->partition);
	sqlite3_bind_int64(st, 4, k->next_offset);
	sqlite3_bind_int64(st, 5, k->counts.records);
	sqlite3_bind_int64(st, 6, k->counts.late);
	sqlite3_bind_int64(st, 7, k->counts.dlq);
	sqlite3_bind_int64(st, 8, k->counts.newest);
	return step_done(q, st, "upsert offset");
}

/* Every row of the batch (ticks and candles already in key order). */
static tf_err exec_batch(sq_store *q)
{
	tf_sqb *b = &q->batch;
	tf_err err = TF_OK;
	for (size_t i = 0, n = tf_sqb_count(&b->ticks, sizeof(tf_sqb_tick)); !err && i < n; i++)
		err = exec_tick(q, &tf_sqb_tick_at(b, i)->row);
	for (size_t i = 0, n = tf_sqb_count(&b->candles, sizeof(tf_sqb_candle)); !err && i < n; i++)
		err = exec_candle(q, &tf_sqb_candle_at(b, i)->row);
	const tf_alert_row *a = (const tf_alert_row *)b->alerts.data;
	for (size_t i = 0, n = tf_sqb_count(&b->alerts, sizeof *a); !err && i < n; i++)
		err = exec_alert(q, &a[i]);
	const tf_rate_row *r = (const tf_rate_row *)b->rates.data;
	for (size_t i = 0, n = tf_sqb_count(&b->rates, sizeof *r); !err && i < n; i++)
		err = exec_rate(q, &r[i]);
	const tf_sqb_keyed *k = (const tf_sqb_keyed *)b->states.data;
	for (size_t i = 0, n = tf_sqb_count(&b->states, sizeof *k); !err && i < n; i++)
		err = exec_state(q, &k[i]);
	k = (const tf_sqb_keyed *)b->offsets.data;
	for (size_t i = 0, n = tf_sqb_count(&b->offsets, sizeof *k); !err && i < n; i++)
		err = exec_offset(q, &k[i]);
	return err;
}

/* Takes the writer, runs the batch in one transaction, releases. On failure nothing of it stays
 * and the batch is kept (the caller rolls back and puts it again). */
static tf_err sq_commit(tf_store *s)
{
	sq_store *q = (sq_store *)s;
	/* before taking the writer: a tenth of the time it was held (2,000 symbols) */
	tf_err err = tf_sqb_sort(&q->batch);
	if (err)
		return err;
	pthread_mutex_lock(&writer);
	err = exec(q, "BEGIN IMMEDIATE");
	if (!err && !(err = exec_batch(q)))
		err = exec(q, "COMMIT");
	if (err && !sqlite3_get_autocommit(q->db))
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&writer);
	if (!err)
		tf_sqb_reset(&q->batch);
	return err;
}

static tf_err sq_get_offset(tf_store *s, const char *group, const char *topic, int32_t partition, int64_t *next,
			    tf_stream_counts *counts, bool *found)
{
	sq_store *q = (sq_store *)s;
	sqlite3_stmt *st = q->st[ST_GET_OFFSET];
	bind_gtp(st, group, topic, partition);
	int rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW;
	if (*found) {
		*next = sqlite3_column_int64(st, 0);
		counts->records = sqlite3_column_int64(st, 1);
		counts->late = sqlite3_column_int64(st, 2);
		counts->dlq = sqlite3_column_int64(st, 3);
		counts->newest = sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? TF_OK : fail(q, rc, "read offset");
}

static tf_err sq_load_state(tf_store *s, const char *group, const char *topic, int32_t partition, tf_store_state_fn fn,
			    void *ud)
{
	sq_store *q = (sq_store *)s;
	sqlite3_stmt *st = q->st[ST_LOAD_STATE];
	bind_gtp(st, group, topic, partition);
	tf_err err = TF_OK;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *sym = (const char *)sqlite3_column_text(st, 0);
		const void *blob = sqlite3_column_blob(st, 1);
		size_t len = (size_t)sqlite3_column_bytes(st, 1);
		if ((err = fn(ud, sym ? sym : "", blob, len)))
			break;
	}
	if (!err && rc != SQLITE_DONE)
		err = fail(q, rc, "read state");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return err;
}

static tf_err sq_reset_partition(tf_store *s, const char *group, const char *topic, int32_t partition)
{
	sq_store *q = (sq_store *)s;
	char *sql = sqlite3_mprintf("BEGIN IMMEDIATE;"
				    "DELETE FROM stream_offsets WHERE consumer_group=%Q AND topic=%Q AND partition=%d;"
				    "DELETE FROM stream_state WHERE consumer_group=%Q AND topic=%Q AND partition=%d;COMMIT",
				    group, topic, partition, group, topic, partition);
	if (!sql)
		return TF_ERR_NOMEM;
	tf_err err = exec(q, sql);
	sqlite3_free(sql);
	if (err)
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

static tf_err sq_delete_ticks_before(tf_store *s, int64_t before_ms)
{
	sq_store *q = (sq_store *)s;
	/* By the primary key (symbol, event_time), symbol by symbol: there is no index on event_time
	 * (schema 6). Each symbol is one seek; the subquery steps to the next symbol the same way. */
	char *sql = sqlite3_mprintf("WITH RECURSIVE s(symbol) AS (SELECT min(symbol) FROM ticks UNION ALL"
				    " SELECT (SELECT min(symbol) FROM ticks WHERE symbol > s.symbol) FROM s WHERE s.symbol"
				    " IS NOT NULL) DELETE FROM ticks WHERE symbol IN (SELECT symbol FROM s) AND event_time < %lld",
				    (long long)before_ms);
	if (!sql)
		return TF_ERR_NOMEM;
	tf_err err = exec(q, sql);
	sqlite3_free(sql);
	return err;
}

static void *sq_native(tf_store *s) { return ((sq_store *)s)->db; }

static const tf_store_ops sq_ops = {
	"sqlite", sq_close, sq_begin, sq_put_tick, sq_put_candle, sq_put_alert, sq_put_rate, sq_put_state, sq_put_offset,
	sq_commit, sq_rollback, sq_get_offset, sq_load_state, sq_reset_partition, sq_delete_ticks_before,
	sq_native,
};

/* Brings the schema to TF_STORE_SCHEMA_VERSION, one migration per transaction. */
static tf_err migrate(sq_store *q)
{
	tf_err err = exec(q, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)");
	if (err)
		return err;
	for (;;) {
		if ((err = exec(q, "BEGIN IMMEDIATE")))
			return err;
		sqlite3_stmt *st = NULL;
		int version = 0, rc = sqlite3_prepare_v2(q->db, "SELECT max(version) FROM schema_version", -1, &st, NULL);
		if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
			version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		if (version > TF_STORE_SCHEMA_VERSION) {
			sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
			snprintf(q->base.error, sizeof q->base.error,
				 "sqlite: schema version %d is newer than this tickflow (%d); upgrade tickflow", version,
				 TF_STORE_SCHEMA_VERSION);
			return TF_ERR_IO;
		}
		if (version == TF_STORE_SCHEMA_VERSION)
			return exec(q, "COMMIT");
		char *sql = sqlite3_mprintf("%s;INSERT INTO schema_version VALUES(%d)", migration[version], version + 1);
		err = sql ? exec(q, sql) : TF_ERR_NOMEM;
		sqlite3_free(sql);
		if (!err)
			err = exec(q, "COMMIT");
		if (err) {
			sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
			return err;
		}
	}
}

tf_err tf_store_sqlite_open(const char *path, tf_store **out, char *why, size_t why_cap)
{
	sq_store *q = calloc(1, sizeof *q);
	if (!q)
		return TF_ERR_NOMEM;
	q->base.ops = &sq_ops;
	tf_sqb_init(&q->batch);
	tf_err err = TF_OK;
	/* the database's directory is ours: create it, and refuse a read-only or unwritable one now */
	if (strcmp(path, ":memory:") != 0 &&
	    (err = tf_dir_ensure_parent(path, "directory of the SQLite store", q->base.error, sizeof q->base.error)))
		goto out;
	int rc = sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		err = fail(q, rc, path);
		goto out;
	}
	sqlite3_busy_timeout(q->db, 10000);
	/* Memory: a stream process holds one connection per worker thread plus one, and `tickflow up`
	 * must stay under 100 MB with 2,000 symbols. 16 MiB of page cache per connection holds the hot
	 * right edge of every symbol's ticks and candles (2,000 symbols ~ 8 MiB of leaf pages); no mmap,
	 * because mapped pages of a growing database count as resident memory of the process. */
	if ((err = exec(q, "PRAGMA journal_mode=WAL")) || (err = exec(q, "PRAGMA synchronous=NORMAL")) ||
	    (err = exec(q, "PRAGMA cache_size=-16384")) || (err = exec(q, "PRAGMA mmap_size=0")) ||
	    (err = migrate(q)))
		goto out;
	/* checkpoints off the commit's path (sqlite_checkpoint.h); without the thread, SQLite's own */
	if (strcmp(path, ":memory:") != 0 && tf_sqlite_ckpt_attach(q->db, path, &q->ckpt))
		tf_warn("sqlite: no checkpoint thread; checkpoints stay in the commits");
	for (int i = 0; i < ST_N; i++)
		if ((rc = sqlite3_prepare_v3(q->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &q->st[i], NULL)) != SQLITE_OK) {
			err = fail(q, rc, "prepare");
			goto out;
		}
	*out = &q->base;
	return TF_OK;
out:
	snprintf(why, why_cap, "%s", q->base.error);
	sq_close(&q->base);
	return err;
}

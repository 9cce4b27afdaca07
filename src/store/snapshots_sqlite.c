/* snapshots_sqlite.c — ticker_snapshots in SQLite: a batch is one BEGIN IMMEDIATE ... COMMIT with
 * one prepared INSERT (never INSERT OR REPLACE: a run is written once); loads read text columns. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/snapshots_int.h"

static tf_err fail(tf_store *s, sqlite3 *db, int rc, const char *what)
{
	snprintf(s->error, sizeof s->error, "sqlite: %s: %s", what, sqlite3_errmsg(db));
	int prim = rc & 0xff;
	return prim == SQLITE_BUSY || prim == SQLITE_LOCKED || prim == SQLITE_FULL || prim == SQLITE_IOERR ? TF_ERR_AGAIN
														    : TF_ERR_IO;
}

static tf_err bind_row(sqlite3_stmt *st, int64_t run_ts, const tf_snapshot *r)
{
	char d[7][TF_DEC_STR_MAX];
	const tf_dec v[7] = {r->open, r->high, r->low, r->last, r->volume, r->quote_volume, r->price_change_pct};
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, run_ts);
	sqlite3_bind_text(st, 2, r->symbol, -1, SQLITE_TRANSIENT);
	for (int i = 0; i < 7; i++) {
		tf_snap_dec(v[i], d[i]);
		sqlite3_bind_text(st, 3 + i, d[i], -1, SQLITE_TRANSIENT);
	}
	sqlite3_bind_int64(st, 10, r->trades);
	sqlite3_bind_int64(st, 11, r->close_time);
	sqlite3_bind_int(st, 12, r->dead);
	sqlite3_bind_text(st, 13, r->quote, -1, SQLITE_TRANSIENT);
	return TF_OK;
}

tf_err tf_snapshots_sqlite_put(tf_store *s, void *native, int64_t run_ts, const tf_snapshot *rows, size_t n)
{
	sqlite3 *db = native;
	sqlite3_stmt *st = NULL;
	tf_err err = TF_OK;
	int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return fail(s, db, rc, "begin");
	rc = sqlite3_prepare_v2(db,
				"INSERT INTO ticker_snapshots(run_ts,symbol,open,high,low,last,volume,quote_volume,"
				"price_change_pct,trades,close_time,dead,quote) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
				-1, &st, NULL);
	if (rc != SQLITE_OK) {
		err = fail(s, db, rc, "prepare snapshot insert");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		bind_row(st, run_ts, &rows[i]);
		if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
			err = fail(s, db, rc, "insert snapshot");
			goto out;
		}
	}
	if ((rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
		err = fail(s, db, rc, "commit");
out:
	sqlite3_finalize(st);
	if (err)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

tf_err tf_snapshots_sqlite_latest(tf_store *s, void *native, int64_t *run_ts, bool *found)
{
	sqlite3 *db = native;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT max(run_ts) FROM ticker_snapshots", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(s, db, rc, "latest run");
	rc = sqlite3_step(st);
	tf_err err = rc == SQLITE_ROW ? TF_OK : fail(s, db, rc, "latest run");
	if (!err && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*run_ts = sqlite3_column_int64(st, 0);
		*found = true;
	}
	sqlite3_finalize(st);
	return err;
}

tf_err tf_snapshots_sqlite_load(tf_store *s, void *native, const char *interval, int64_t from, int64_t to,
				tf_snapshot **rows, size_t *n)
{
	sqlite3 *db = native;
	sqlite3_stmt *st = NULL;
	tf_snap_list l = {.candles = interval != NULL};
	const char *sql = interval ? "SELECT " CND_SELECT_COLS " FROM candles WHERE interval=?1 AND open_time>=?2 AND "
				     "open_time<?3 ORDER BY symbol, open_time"
				   : "SELECT " SNAP_SELECT_COLS " FROM ticker_snapshots WHERE run_ts=?2 ORDER BY symbol";
	*rows = NULL;
	*n = 0;
	tf_err err = TF_OK;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		err = fail(s, db, rc, "load");
		goto out;
	}
	if (interval)
		sqlite3_bind_text(st, 1, interval, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, to);
	int ncols = interval ? CND_NCOLS : SNAP_NCOLS;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *col[SNAP_NCOLS];
		int len[SNAP_NCOLS];
		for (int i = 0; i < ncols; i++) {
			col[i] = (const char *)sqlite3_column_text(st, i);
			len[i] = sqlite3_column_bytes(st, i);
		}
		if ((err = tf_snap_list_add(s, &l, col, len)))
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = fail(s, db, rc, "load");
out:
	sqlite3_finalize(st);
	if (err) {
		free(l.rows);
		return err;
	}
	*rows = l.rows;
	*n = l.n;
	return TF_OK;
}

/* An integer column: read as an integer (no text round trip) unless the database holds something
 * else there, which is then parsed (and refused when it is no integer); NULL is 0. */
static tf_err int_col(tf_store *s, sqlite3_stmt *st, int c, const char *name, int64_t *out)
{
	sqlite3_value *x = sqlite3_column_value(st, c);
	int t = sqlite3_value_type(x);
	*out = 0;
	if (t == SQLITE_INTEGER)
		*out = sqlite3_value_int64(x);
	else if (t != SQLITE_NULL)
		return tf_snap_int(s, (const char *)sqlite3_value_text(x), sqlite3_value_bytes(x), name, out);
	return TF_OK;
}

/* One row of the report's columns (REP_BRIEF_COLS, or REP_SELECT_COLS unless brief). Each column
 * is fetched once as a value and read through sqlite3_value_*: one API call fewer per column than
 * sqlite3_column_text + sqlite3_column_bytes, each of which looks the column up again (a million
 * rows of ten columns). The values are unprotected, which is safe here: the statement and its
 * connection belong to this thread alone (scan_conn). */
static tf_err scan_row(tf_store *s, sqlite3_stmt *st, bool brief, tf_snapshot *r)
{
	const char *col[REP_NCOLS];
	int len[REP_NCOLS];
	for (int i = REP_SYMBOL; i <= REP_QUOTE; i++) {
		sqlite3_value *v = sqlite3_column_value(st, i);
		col[i] = (const char *)sqlite3_value_text(v);
		len[i] = sqlite3_value_bytes(v);
	}
	int64_t dead = 0;
	tf_err err = tf_snap_fill_report(s, r, col, len);
	if (!err)
		err = int_col(s, st, REP_DEAD, "dead", &dead);
	r->trades = r->close_time = 0;
	if (!err && !brief && !(err = int_col(s, st, REP_TRADES, "trades", &r->trades)))
		err = int_col(s, st, REP_CLOSE_TIME, "close_time", &r->close_time);
	r->dead = dead != 0;
	return err;
}

/* A read-only connection of the scan's own to the store's file, without SQLite's per-call mutex
 * (only this thread uses it: a million rows of ten columns are ten million API calls), reading
 * pages straight from the page cache through a memory map instead of copying each through read()
 * (SQLite caps the size at its compile-time maximum). NULL for an in-memory database or when it
 * cannot be opened: the scan then uses the store's connection. */
static sqlite3 *scan_conn(sqlite3 *db)
{
	const char *file = sqlite3_db_filename(db, "main");
	sqlite3 *own = NULL;
	if (!file || !*file)
		return NULL;
	if (sqlite3_open_v2(file, &own, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		sqlite3_close(own);
		return NULL;
	}
	sqlite3_busy_timeout(own, 5000);
	sqlite3_exec(own, "PRAGMA mmap_size=2147418112", NULL, NULL, NULL);
	return own;
}

tf_err tf_snapshots_sqlite_scan(tf_store *s, void *native, int64_t run_ts, bool desc, bool brief, tf_snapshot_sink sink,
				void *ctx)
{
	sqlite3 *own = scan_conn(native), *db = own ? own : native;
	sqlite3_stmt *st = NULL;
	tf_snapshot *rows = malloc(TF_SNAPSHOT_CHUNK * sizeof *rows);
	tf_err err = TF_OK;
	if (!rows) {
		err = TF_ERR_NOMEM;
		goto out;
	}
	static const char *const sql[2][2] = {
		{"SELECT " REP_SELECT_COLS " FROM ticker_snapshots WHERE run_ts=?1 ORDER BY symbol",
		 "SELECT " REP_SELECT_COLS " FROM ticker_snapshots WHERE run_ts=?1 ORDER BY symbol DESC"},
		{"SELECT " REP_BRIEF_COLS " FROM ticker_snapshots WHERE run_ts=?1 ORDER BY symbol",
		 "SELECT " REP_BRIEF_COLS " FROM ticker_snapshots WHERE run_ts=?1 ORDER BY symbol DESC"},
	};
	int rc = sqlite3_prepare_v2(db, sql[brief][desc], -1, &st, NULL);
	if (rc != SQLITE_OK) {
		err = fail(s, db, rc, "scan");
		goto out;
	}
	sqlite3_bind_int64(st, 1, run_ts);
	size_t n = 0, total = 0;
	bool stop = false;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (++total > TF_SNAPSHOT_MAX_ROWS) {
			snprintf(s->error, sizeof s->error, "more than %d rows to load", TF_SNAPSHOT_MAX_ROWS);
			err = TF_ERR_TOO_BIG;
			goto out;
		}
		if ((err = scan_row(s, st, brief, &rows[n])))
			goto out;
		if (++n == TF_SNAPSHOT_CHUNK) {
			if ((err = sink(ctx, rows, n, &stop)))
				goto out;
			n = 0;
		}
	}
	if (!stop && rc != SQLITE_DONE) {
		err = fail(s, db, rc, "scan");
		goto out;
	}
	if (!stop && n)
		err = sink(ctx, rows, n, &stop);
out:
	sqlite3_finalize(st);
	sqlite3_close(own);
	free(rows);
	return err;
}

tf_err tf_snapshots_sqlite_details(tf_store *s, void *native, int64_t run_ts, tf_snapshot_detail *d, size_t n)
{
	sqlite3 *db = native;
	sqlite3_stmt *st = NULL;
	tf_err err = TF_OK;
	int rc = sqlite3_prepare_v2(db, "SELECT trades, close_time FROM ticker_snapshots WHERE run_ts=?1 AND symbol=?2", -1,
				    &st, NULL);
	if (rc != SQLITE_OK)
		return fail(s, db, rc, "details");
	sqlite3_bind_int64(st, 1, run_ts);
	for (size_t i = 0; i < n && !err; i++) {
		sqlite3_bind_text(st, 2, d[i].symbol, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			d[i].found = true;
			if (!(err = int_col(s, st, 0, "trades", &d[i].trades)))
				err = int_col(s, st, 1, "close_time", &d[i].close_time);
		} else if (rc != SQLITE_DONE) {
			err = fail(s, db, rc, "details");
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return err;
}

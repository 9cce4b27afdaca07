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

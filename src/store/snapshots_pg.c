/* snapshots_pg.c — ticker_snapshots in PostgreSQL: a batch is BEGIN, one COPY ... FROM STDIN of
 * every row, COMMIT (all or nothing); loads read text columns. A lost connection is TF_ERR_AGAIN
 * (the engine's tf_store_begin reconnects; collect reopens the store). */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "store/snapshots_int.h"

#define PG_SNAP_COPY_MAX (1u << 30)

static tf_err fail(tf_store *s, PGconn *c, PGresult *res, const char *what)
{
	const char *m = res ? PQresultErrorMessage(res) : "";
	if (!*m)
		m = c ? PQerrorMessage(c) : "no connection";
	snprintf(s->error, sizeof s->error, "postgresql: %s: %.*s", what, (int)strcspn(m, "\n"), m);
	bool again = !c || PQstatus(c) == CONNECTION_BAD;
	if (res) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		again = again || (state && (!strncmp(state, "08", 2) || !strncmp(state, "57P", 3) ||
					    !strncmp(state, "40", 2) || !strcmp(state, "53100")));
		PQclear(res);
	}
	return again ? TF_ERR_AGAIN : TF_ERR_IO;
}

static tf_err exec_ok(tf_store *s, PGconn *c, const char *sql)
{
	PGresult *res = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		return fail(s, c, res, sql);
	PQclear(res);
	return TF_OK;
}

/* Symbols are [A-Z0-9^.=-] and quotes [A-Z0-9]: nothing to escape in COPY text. */
static tf_err copy_rows(tf_buf *b, int64_t run_ts, const tf_snapshot *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const tf_snapshot *r = &rows[i];
		char d[7][TF_DEC_STR_MAX];
		const tf_dec v[7] = {r->open, r->high, r->low, r->last, r->volume, r->quote_volume, r->price_change_pct};
		for (int k = 0; k < 7; k++)
			tf_snap_dec(v[k], d[k]);
		tf_err err = tf_buf_appendf(b, "%lld\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%lld\t%lld\t%d\t%s\n", (long long)run_ts,
					    r->symbol, d[0], d[1], d[2], d[3], d[4], d[5], d[6], (long long)r->trades,
					    (long long)r->close_time, r->dead ? 1 : 0, r->quote);
		if (err)
			return err;
	}
	return TF_OK;
}

tf_err tf_snapshots_pg_put(tf_store *s, void *native, int64_t run_ts, const tf_snapshot *rows, size_t n)
{
	PGconn *c = native;
	tf_buf b;
	tf_buf_init(&b, PG_SNAP_COPY_MAX);
	tf_err err;
	if (!c || PQstatus(c) != CONNECTION_OK) {
		err = fail(s, c, NULL, "connection");
		goto out;
	}
	if ((err = copy_rows(&b, run_ts, rows, n)))
		goto out;
	if ((err = exec_ok(s, c, "BEGIN")))
		goto out;
	PGresult *res = PQexec(c, "COPY ticker_snapshots(run_ts,symbol,open,high,low,last,volume,quote_volume,"
				  "price_change_pct,trades,close_time,dead,quote) FROM STDIN");
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		err = fail(s, c, res, "copy");
		goto rollback;
	}
	PQclear(res);
	if (PQputCopyData(c, (const char *)b.data, (int)b.len) != 1 || PQputCopyEnd(c, NULL) != 1) {
		err = fail(s, c, NULL, "copy data");
		goto rollback;
	}
	res = PQgetResult(c);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		err = fail(s, c, res, "copy");
		while ((res = PQgetResult(c)))
			PQclear(res);
		goto rollback;
	}
	PQclear(res);
	while ((res = PQgetResult(c)))
		PQclear(res);
	if (!(err = exec_ok(s, c, "COMMIT")))
		goto out;
rollback:
	if (PQstatus(c) == CONNECTION_OK) {
		PGresult *r2 = PQexec(c, "ROLLBACK");
		PQclear(r2);
	}
out:
	tf_buf_free(&b);
	return err;
}

tf_err tf_snapshots_pg_latest(tf_store *s, void *native, int64_t *run_ts, bool *found)
{
	PGconn *c = native;
	PGresult *res = PQexec(c, "SELECT max(run_ts) FROM ticker_snapshots");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return fail(s, c, res, "latest run");
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
		*run_ts = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		*found = true;
	}
	PQclear(res);
	return TF_OK;
}

tf_err tf_snapshots_pg_load(tf_store *s, void *native, const char *interval, int64_t from, int64_t to,
			    tf_snapshot **rows, size_t *n)
{
	PGconn *c = native;
	tf_snap_list l = {.candles = interval != NULL};
	char a[24], b2[24];
	snprintf(a, sizeof a, "%lld", (long long)from);
	snprintf(b2, sizeof b2, "%lld", (long long)to);
	const char *params[3] = {interval, a, b2};
	PGresult *res;
	*rows = NULL;
	*n = 0;
	if (interval)
		res = PQexecParams(c,
				   "SELECT " CND_SELECT_COLS " FROM candles WHERE \"interval\"=$1 AND open_time>=$2 AND "
				   "open_time<$3 ORDER BY symbol, open_time",
				   3, NULL, params, NULL, NULL, 0);
	else
		res = PQexecParams(c, "SELECT " SNAP_SELECT_COLS " FROM ticker_snapshots WHERE run_ts=$1 ORDER BY symbol", 1,
				   NULL, params + 1, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return fail(s, c, res, "load");
	int ncols = interval ? CND_NCOLS : SNAP_NCOLS;
	tf_err err = TF_OK;
	for (int i = 0, nt = PQntuples(res); i < nt && !err; i++) {
		const char *col[SNAP_NCOLS];
		int len[SNAP_NCOLS];
		for (int k = 0; k < ncols; k++) {
			col[k] = PQgetisnull(res, i, k) ? NULL : PQgetvalue(res, i, k);
			len[k] = PQgetlength(res, i, k);
		}
		err = tf_snap_list_add(s, &l, col, len);
	}
	PQclear(res);
	if (err) {
		free(l.rows);
		return err;
	}
	*rows = l.rows;
	*n = l.n;
	return TF_OK;
}

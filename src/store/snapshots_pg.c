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

#define COPY_FIELD_MAX 64 /* longer escaped fields are cut: no valid decimal or symbol is near it */

/* Unescapes COPY text field v[0..n) into out (at most COPY_FIELD_MAX - 1 bytes kept); its length. */
static int unescape(const char *v, int n, char out[COPY_FIELD_MAX])
{
	int o = 0;
	for (int k = 0; k < n && o < COPY_FIELD_MAX - 1; k++) {
		char ch = v[k];
		if (ch == '\\' && k + 1 < n) {
			ch = v[++k];
			ch = ch == 't' ? '\t' : ch == 'n' ? '\n' : ch == 'r' ? '\r' : ch;
		}
		out[o++] = ch;
	}
	return o;
}

/* Splits one COPY text line into the report's columns. A field with a backslash is unescaped into
 * its scratch slot ("\N" is NULL); fields without one point into the line. TF_ERR_PARSE when the
 * line has the wrong number of fields. Fields are found with memchr (vectorised in libc) and the
 * line is searched for a backslash once: a million lines of ten fields go through here. */
static tf_err split_line(tf_store *s, char *line, int len, int ncols, const char **col, int *clen,
			 char scratch[REP_NCOLS][COPY_FIELD_MAX])
{
	if (len > 0 && line[len - 1] == '\n')
		len--;
	const char *p = line, *end = line + len;
	bool escaped = memchr(line, '\\', (size_t)len) != NULL;
	int f = 0;
	for (;;) {
		const char *tab = memchr(p, '\t', (size_t)(end - p)), *fe = tab ? tab : end;
		if (f == ncols) {
			f++; /* one too many */
			break;
		}
		const char *v = p;
		int n = (int)(fe - p);
		if (escaped && memchr(v, '\\', (size_t)n)) {
			if (n == 2 && v[1] == 'N') {
				v = NULL;
				n = 0;
			} else {
				n = unescape(v, n, scratch[f]);
				v = scratch[f];
			}
		}
		col[f] = v;
		clen[f++] = n;
		if (!tab)
			break;
		p = tab + 1;
	}
	if (f != ncols) {
		snprintf(s->error, sizeof s->error, "postgresql: scan: a COPY line has %s%d fields, not %d",
			 f > ncols ? "more than " : "", f > ncols ? ncols : f, ncols);
		return TF_ERR_PARSE;
	}
	return TF_OK;
}

tf_err tf_snap_copy_row(tf_store *s, char *line, int len, bool brief, tf_snapshot *r)
{
	const char *col[REP_NCOLS];
	int clen[REP_NCOLS];
	char scratch[REP_NCOLS][COPY_FIELD_MAX];
	int64_t dead = 0;
	r->trades = r->close_time = 0;
	tf_err err = split_line(s, line, len, brief ? REP_BRIEF_NCOLS : REP_NCOLS, col, clen, scratch);
	if (!err)
		err = tf_snap_fill_report(s, r, col, clen);
	if (!err)
		err = tf_snap_int(s, col[REP_DEAD], clen[REP_DEAD], "dead", &dead);
	if (!err && !brief && !(err = tf_snap_int(s, col[REP_TRADES], clen[REP_TRADES], "trades", &r->trades)))
		err = tf_snap_int(s, col[REP_CLOSE_TIME], clen[REP_CLOSE_TIME], "close_time", &r->close_time);
	r->dead = dead != 0;
	return err;
}

tf_err tf_snapshots_pg_bytewise(tf_store *s, void *native, bool *out)
{
	PGconn *c = native;
	*out = false;
	/* the column's collation, or the database's default: libc's C, POSIX or C.UTF-8 (code point
	 * order) sort like strcmp; anything else (a language, ICU) does not */
	PGresult *res = PQexec(c, "SELECT CASE WHEN co.collname = 'default' THEN (SELECT d.datlocprovider = 'c' AND "
				  "d.datcollate IN ('C','POSIX','C.UTF-8','C.utf8') FROM pg_database d WHERE d.datname = "
				  "current_database()) ELSE co.collprovider = 'c' AND co.collcollate IN ('C','POSIX','C.UTF-8',"
				  "'C.utf8') END FROM pg_attribute a JOIN pg_collation co ON co.oid = a.attcollation WHERE "
				  "a.attrelid = 'ticker_snapshots'::regclass AND a.attname = 'symbol'");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return fail(s, c, res, "collation");
	*out = PQntuples(res) == 1 && !PQgetisnull(res, 0, 0) && !strcmp(PQgetvalue(res, 0, 0), "t");
	PQclear(res);
	return TF_OK;
}

/* Asks the server to stop the running COPY (a reader that met the other one); the rest of the
 * stream is then short and read away. */
static void cancel(PGconn *c)
{
	char err[256];
	PGcancel *k = PQgetCancel(c);
	if (k) {
		PQcancel(k, err, sizeof err);
		PQfreeCancel(k);
	}
}

/* Rows come one COPY line per PQgetCopyData while the server is still producing the next ones, so
 * the server's work and ours overlap and no result set of the whole batch is ever built. */
tf_err tf_snapshots_pg_scan(tf_store *s, void *native, int64_t run_ts, bool desc, bool brief, tf_snapshot_sink sink,
			    void *ctx)
{
	PGconn *c = native;
	if (!c || PQstatus(c) != CONNECTION_OK)
		return fail(s, c, NULL, "connection");
	char sql[256];
	snprintf(sql, sizeof sql, "COPY (SELECT %s FROM ticker_snapshots WHERE run_ts=%lld ORDER BY symbol%s) TO STDOUT",
		 brief ? REP_BRIEF_COLS : REP_SELECT_COLS, (long long)run_ts, desc ? " DESC" : "");
	PGresult *res = PQexec(c, sql);
	if (PQresultStatus(res) != PGRES_COPY_OUT)
		return fail(s, c, res, "scan");
	PQclear(res);
	tf_snapshot *rows = malloc(TF_SNAPSHOT_CHUNK * sizeof *rows);
	tf_err err = rows ? TF_OK : TF_ERR_NOMEM;
	size_t n = 0, total = 0;
	bool stop = false, cancelled = false;
	char *line;
	int len;
	while ((len = PQgetCopyData(c, &line, 0)) >= 0) {
		if (!err && !stop) {
			if (++total > TF_SNAPSHOT_MAX_ROWS) {
				snprintf(s->error, sizeof s->error, "more than %d rows to load", TF_SNAPSHOT_MAX_ROWS);
				err = TF_ERR_TOO_BIG;
			} else if (!(err = tf_snap_copy_row(s, line, len, brief, &rows[n])) && ++n == TF_SNAPSHOT_CHUNK) {
				err = sink(ctx, rows, n, &stop);
				n = 0;
			}
		}
		if ((err || stop) && !cancelled) { /* what is still in flight is read and dropped */
			cancel(c);
			cancelled = true;
		}
		PQfreemem(line);
	}
	tf_err copy_err = TF_OK;
	if (len == -2 && !cancelled)
		copy_err = fail(s, c, NULL, "scan");
	while ((res = PQgetResult(c))) {
		if (!copy_err && !cancelled && PQresultStatus(res) != PGRES_COMMAND_OK) {
			copy_err = fail(s, c, res, "scan");
			continue;
		}
		PQclear(res);
	}
	if (!err)
		err = copy_err;
	if (!err && !stop && !cancelled && n)
		err = sink(ctx, rows, n, &stop);
	free(rows);
	return err;
}

/* Appends symbol to an array literal's text as one double-quoted element (" and \\ escaped). */
static tf_err array_elem(tf_buf *b, const char *symbol, bool first)
{
	tf_err err = tf_buf_append_str(b, first ? "\"" : ",\"");
	for (const char *p = symbol; !err && *p; p++)
		if (!(*p == '"' || *p == '\\') || !(err = tf_buf_append(b, "\\", 1)))
			err = tf_buf_append(b, p, 1);
	return err ? err : tf_buf_append(b, "\"", 1);
}

tf_err tf_snapshots_pg_details(tf_store *s, void *native, int64_t run_ts, tf_snapshot_detail *d, size_t n)
{
	PGconn *c = native;
	tf_buf arr;
	tf_buf_init(&arr, (size_t)TF_SNAPSHOT_DETAILS_MAX * (2 * TF_SYMBOL_MAX + 3) + 3);
	tf_err err = tf_buf_appendf(&arr, "{");
	for (size_t i = 0; i < n && !err; i++)
		err = array_elem(&arr, d[i].symbol, i == 0);
	if (!err)
		err = tf_buf_appendf(&arr, "}");
	if (err) {
		tf_buf_free(&arr);
		return err;
	}
	char ts[24];
	snprintf(ts, sizeof ts, "%lld", (long long)run_ts);
	const char *params[2] = {ts, (const char *)arr.data};
	PGresult *res = PQexecParams(c, "SELECT symbol, trades, close_time FROM ticker_snapshots WHERE run_ts=$1 AND "
				     "symbol = ANY($2::text[])", 2, NULL, params, NULL, NULL, 0);
	tf_buf_free(&arr);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return fail(s, c, res, "details");
	for (int i = 0, nt = PQntuples(res); i < nt && !err; i++) {
		const char *sym = PQgetvalue(res, i, 0);
		int64_t trades = 0, close_time = 0;
		if ((err = tf_snap_int(s, PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1), PQgetlength(res, i, 1), "trades",
				       &trades)) ||
		    (err = tf_snap_int(s, PQgetisnull(res, i, 2) ? NULL : PQgetvalue(res, i, 2), PQgetlength(res, i, 2),
				       "close_time", &close_time)))
			break;
		for (size_t k = 0; k < n; k++) /* a few hundred symbols: no index needed */
			if (!strcmp(d[k].symbol, sym)) {
				d[k].trades = trades;
				d[k].close_time = close_time;
				d[k].found = true;
			}
	}
	PQclear(res);
	return err;
}

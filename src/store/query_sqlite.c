/* query_sqlite.c — the store's read side (query.h) on SQLite: a read-only connection beside the
 * stream engine's writer (WAL lets readers run while it commits), statements prepared once and
 * every parameter bound. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/query.h"

enum { Q_PING, Q_SYMBOLS, Q_LATEST, Q_CANDLES, Q_SINCE, Q_ALERTS, Q_TICKS, Q_PROGRESS, Q_PARTITIONS, Q_N };

#define CANDLE_COLS                                                                                                    \
	"symbol, interval, open_time, open, high, low, close, volume, updates, final, ma7, ma25, ret, rel_volatility, " \
	"change_24h_pct, last_event_time"

static const char *const q_sql[Q_N] = {
	[Q_PING] = "SELECT 1",
	[Q_SYMBOLS] = "SELECT symbol, count(*), max(open_time) FROM candles WHERE interval = ?1 GROUP BY symbol ORDER BY symbol",
	[Q_LATEST] = "SELECT max(open_time) FROM candles WHERE interval = ?1",
	[Q_CANDLES] = "SELECT * FROM (SELECT " CANDLE_COLS " FROM candles WHERE symbol = ?1 AND interval = ?2 AND open_time >= ?3"
		      " AND open_time < ?4 ORDER BY open_time DESC LIMIT ?5) ORDER BY open_time",
	[Q_SINCE] = "SELECT " CANDLE_COLS " FROM candles WHERE interval = ?1 AND open_time >= ?2 ORDER BY symbol, open_time LIMIT ?3",
	[Q_ALERTS] = "SELECT id, symbol, kind, event_time, value, threshold, detail FROM alerts WHERE event_time >= ?1"
		     " ORDER BY event_time DESC, id LIMIT ?2",
	[Q_TICKS] = "SELECT symbol, event_time, open_24h, high_24h, low_24h, last, volume_24h, quote_volume_24h FROM ticks"
		    " WHERE symbol = ?1 AND event_time < ?2 ORDER BY event_time DESC LIMIT ?3",
	[Q_PROGRESS] = "SELECT coalesce(sum(records), 0), coalesce(max(newest_event_time), 0) FROM stream_offsets",
	[Q_PARTITIONS] = "SELECT consumer_group, topic, partition, next_offset, records, late, dlq FROM stream_offsets"
			 " ORDER BY consumer_group, topic, partition LIMIT ?1",
};

typedef struct {
	tf_query base;
	sqlite3 *db;
	sqlite3_stmt *st[Q_N];
} sq_query;

static tf_err fail(sq_query *q, int rc, const char *what)
{
	snprintf(q->base.error, sizeof q->base.error, "sqlite: %s: %s", what,
		 q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc));
	int prim = rc & 0xff;
	return prim == SQLITE_BUSY || prim == SQLITE_LOCKED ? TF_ERR_AGAIN : TF_ERR_IO;
}

static void text(sqlite3_stmt *st, int col, char *out, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(out, cap, "%s", t ? (const char *)t : "");
}

static tf_maybe maybe(sqlite3_stmt *st, int col)
{
	tf_maybe m = {sqlite3_column_type(st, col) != SQLITE_NULL, 0};
	if (m.valid)
		m.v = sqlite3_column_double(st, col);
	return m;
}

/* Steps st to the end, calling row(q, st, fn, ud) for each row; resets st whatever happens. */
typedef tf_err (*row_fn)(sqlite3_stmt *st, void *fn, void *ud);

static tf_err run(sq_query *q, sqlite3_stmt *st, row_fn row, void *fn, void *ud)
{
	tf_err err = TF_OK;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((err = row(st, fn, ud)))
			goto out;
	if (rc != SQLITE_DONE)
		err = fail(q, rc, "query");
out:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return err;
}

static tf_err candle_row(sqlite3_stmt *st, void *fn, void *ud)
{
	tf_q_candle c;
	text(st, 0, c.symbol, sizeof c.symbol);
	text(st, 1, c.interval, sizeof c.interval);
	c.open_time = sqlite3_column_int64(st, 2);
	text(st, 3, c.open, sizeof c.open);
	text(st, 4, c.high, sizeof c.high);
	text(st, 5, c.low, sizeof c.low);
	text(st, 6, c.close, sizeof c.close);
	text(st, 7, c.volume, sizeof c.volume);
	c.updates = sqlite3_column_int64(st, 8);
	c.final = sqlite3_column_int(st, 9) != 0;
	c.ma7 = maybe(st, 10);
	c.ma25 = maybe(st, 11);
	c.ret = maybe(st, 12);
	c.rel_vol = maybe(st, 13);
	c.change_24h_pct = maybe(st, 14);
	c.last_event_time = sqlite3_column_int64(st, 15); /* NULL reads as 0 */
	return ((tf_q_candle_fn)fn)(ud, &c);
}

static tf_err symbol_row(sqlite3_stmt *st, void *fn, void *ud)
{
	tf_q_symbol s;
	text(st, 0, s.symbol, sizeof s.symbol);
	s.candles = sqlite3_column_int64(st, 1);
	s.last_time = sqlite3_column_int64(st, 2);
	return ((tf_q_symbol_fn)fn)(ud, &s);
}

static tf_err alert_row(sqlite3_stmt *st, void *fn, void *ud)
{
	tf_q_alert a;
	a.id = sqlite3_column_int64(st, 0);
	text(st, 1, a.symbol, sizeof a.symbol);
	text(st, 2, a.kind, sizeof a.kind);
	a.event_time = sqlite3_column_int64(st, 3);
	a.value = maybe(st, 4);
	a.threshold = maybe(st, 5);
	text(st, 6, a.detail, sizeof a.detail);
	return ((tf_q_alert_fn)fn)(ud, &a);
}

static tf_err tick_row(sqlite3_stmt *st, void *fn, void *ud)
{
	tf_q_tick t;
	text(st, 0, t.symbol, sizeof t.symbol);
	t.event_time = sqlite3_column_int64(st, 1);
	text(st, 2, t.open_24h, sizeof t.open_24h);
	text(st, 3, t.high_24h, sizeof t.high_24h);
	text(st, 4, t.low_24h, sizeof t.low_24h);
	text(st, 5, t.last, sizeof t.last);
	text(st, 6, t.volume_24h, sizeof t.volume_24h);
	text(st, 7, t.quote_volume_24h, sizeof t.quote_volume_24h);
	return ((tf_q_tick_fn)fn)(ud, &t);
}

static tf_err stats_row(sqlite3_stmt *st, void *fn, void *ud)
{
	tf_q_stats s;
	text(st, 0, s.symbol, sizeof s.symbol);
	s.candles = sqlite3_column_int64(st, 1);
	s.first_time = sqlite3_column_int64(st, 2);
	s.last_time = sqlite3_column_int64(st, 3);
	s.first_open = sqlite3_column_double(st, 4);
	s.last_close = sqlite3_column_double(st, 5);
	s.avg_close = sqlite3_column_double(st, 6);
	s.max_high = sqlite3_column_double(st, 7);
	s.min_low = sqlite3_column_double(st, 8);
	s.avg_rel_vol = maybe(st, 9);
	s.volume = sqlite3_column_double(st, 10);
	return ((tf_q_stats_fn)fn)(ud, &s);
}

static tf_err partition_row(sqlite3_stmt *st, void *fn, void *ud)
{
	tf_q_partition p;
	text(st, 0, p.group, sizeof p.group);
	text(st, 1, p.topic, sizeof p.topic);
	p.partition = sqlite3_column_int(st, 2);
	p.next_offset = sqlite3_column_int64(st, 3);
	p.records = sqlite3_column_int64(st, 4);
	p.late = sqlite3_column_int64(st, 5);
	p.dlq = sqlite3_column_int64(st, 6);
	return ((tf_q_partition_fn)fn)(ud, &p);
}

static sq_query *sq(tf_query *q) { return (sq_query *)q; }

static void sq_close(tf_query *base)
{
	sq_query *q = sq(base);
	for (int i = 0; i < Q_N; i++)
		sqlite3_finalize(q->st[i]);
	sqlite3_close(q->db);
	free(q);
}

static tf_err sq_ping(tf_query *base)
{
	sq_query *q = sq(base);
	int rc = sqlite3_step(q->st[Q_PING]);
	sqlite3_reset(q->st[Q_PING]);
	return rc == SQLITE_ROW ? TF_OK : fail(q, rc, "ping");
}

static tf_err sq_symbols(tf_query *base, const char *interval, tf_q_symbol_fn fn, void *ud)
{
	sq_query *q = sq(base);
	sqlite3_stmt *st = q->st[Q_SYMBOLS];
	sqlite3_bind_text(st, 1, interval, -1, SQLITE_TRANSIENT);
	return run(q, st, symbol_row, (void *)fn, ud);
}

static tf_err sq_latest(tf_query *base, const char *interval, int64_t *open_time, bool *found)
{
	sq_query *q = sq(base);
	sqlite3_stmt *st = q->st[Q_LATEST];
	sqlite3_bind_text(st, 1, interval, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
	*open_time = *found ? sqlite3_column_int64(st, 0) : 0;
	tf_err err = rc == SQLITE_ROW || rc == SQLITE_DONE ? TF_OK : fail(q, rc, "latest candle");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return err;
}

static tf_err sq_candles(tf_query *base, const char *symbol, const char *interval, int64_t from, int64_t to, int64_t limit,
			 tf_q_candle_fn fn, void *ud)
{
	sq_query *q = sq(base);
	sqlite3_stmt *st = q->st[Q_CANDLES];
	sqlite3_bind_text(st, 1, symbol, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, interval, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, from);
	sqlite3_bind_int64(st, 4, to);
	sqlite3_bind_int64(st, 5, limit);
	return run(q, st, candle_row, (void *)fn, ud);
}

static tf_err sq_since(tf_query *base, const char *interval, int64_t from, int64_t limit, tf_q_candle_fn fn, void *ud)
{
	sq_query *q = sq(base);
	sqlite3_stmt *st = q->st[Q_SINCE];
	sqlite3_bind_text(st, 1, interval, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, limit);
	return run(q, st, candle_row, (void *)fn, ud);
}

/* The statistics query has a variable IN list, so it is prepared per call (placeholders only). */
static tf_err sq_stats(tf_query *base, const char *interval, int64_t from, const char *const *symbols, size_t n,
		       tf_q_stats_fn fn, void *ud)
{
	sq_query *q = sq(base);
	char in[TF_QUERY_MAX_SYMBOLS * 2 + 32] = "";
	if (n) {
		size_t k = 0;
		k += (size_t)snprintf(in + k, sizeof in - k, " AND symbol IN (");
		for (size_t i = 0; i < n; i++)
			k += (size_t)snprintf(in + k, sizeof in - k, i ? ",?" : "?");
		snprintf(in + k, sizeof in - k, ")");
	}
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "WITH a AS (SELECT symbol, count(*) n, min(open_time) t0, max(open_time) t1, avg(CAST(close AS REAL)) ac,"
		 " max(CAST(high AS REAL)) mh, min(CAST(low AS REAL)) ml, avg(rel_volatility) arv,"
		 " sum(CAST(volume AS REAL)) vol FROM candles WHERE interval = ?1 AND open_time >= ?2%s GROUP BY symbol)"
		 " SELECT a.symbol, n, t0, t1,"
		 " (SELECT CAST(open AS REAL) FROM candles c WHERE c.symbol = a.symbol AND c.interval = ?1 AND c.open_time = a.t0),"
		 " (SELECT CAST(close AS REAL) FROM candles c WHERE c.symbol = a.symbol AND c.interval = ?1 AND c.open_time = a.t1),"
		 " ac, mh, ml, arv, vol FROM a ORDER BY a.symbol",
		 in);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(q->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(q, rc, "prepare stats");
	sqlite3_bind_text(st, 1, interval, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, from);
	for (size_t i = 0; i < n; i++)
		sqlite3_bind_text(st, (int)i + 3, symbols[i], -1, SQLITE_TRANSIENT);
	tf_err err = run(q, st, stats_row, (void *)fn, ud);
	sqlite3_finalize(st);
	return err;
}

static tf_err sq_alerts(tf_query *base, int64_t from, int64_t limit, tf_q_alert_fn fn, void *ud)
{
	sq_query *q = sq(base);
	sqlite3_stmt *st = q->st[Q_ALERTS];
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, limit);
	return run(q, st, alert_row, (void *)fn, ud);
}

static tf_err sq_ticks(tf_query *base, const char *symbol, int64_t before, int64_t limit, tf_q_tick_fn fn, void *ud)
{
	sq_query *q = sq(base);
	sqlite3_stmt *st = q->st[Q_TICKS];
	sqlite3_bind_text(st, 1, symbol, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, before);
	sqlite3_bind_int64(st, 3, limit);
	return run(q, st, tick_row, (void *)fn, ud);
}

static tf_err sq_progress(tf_query *base, int64_t *records, int64_t *newest)
{
	sq_query *q = sq(base);
	sqlite3_stmt *st = q->st[Q_PROGRESS];
	int rc = sqlite3_step(st);
	*records = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	*newest = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
	tf_err err = rc == SQLITE_ROW ? TF_OK : fail(q, rc, "stream progress");
	sqlite3_reset(st);
	return err;
}

static tf_err sq_partitions(tf_query *base, int64_t limit, tf_q_partition_fn fn, void *ud)
{
	sq_query *q = sq(base);
	sqlite3_stmt *st = q->st[Q_PARTITIONS];
	sqlite3_bind_int64(st, 1, limit);
	return run(q, st, partition_row, (void *)fn, ud);
}

static const tf_query_ops sq_ops = {
	"sqlite", sq_close, sq_ping, sq_symbols, sq_latest, sq_candles, sq_since, sq_stats, sq_alerts, sq_ticks,
	sq_progress, sq_partitions,
};

tf_err tf_query_sqlite_open(const char *path, tf_query **out, char *why, size_t why_cap)
{
	tf_err err = TF_OK;
	sq_query *q = calloc(1, sizeof *q);
	if (!q)
		return TF_ERR_NOMEM;
	q->base.ops = &sq_ops;
	int rc = sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		err = fail(q, rc, path);
		goto out;
	}
	sqlite3_busy_timeout(q->db, 2000);
	for (int i = 0; i < Q_N; i++)
		if ((rc = sqlite3_prepare_v3(q->db, q_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &q->st[i], NULL)) != SQLITE_OK) {
			err = fail(q, rc, "prepare");
			goto out;
		}
	*out = &q->base;
out:
	if (err) {
		snprintf(why, why_cap, "%s", q->base.error);
		sq_close(&q->base);
	}
	return err;
}

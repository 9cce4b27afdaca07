/* query_pg.c — the store's read side (query.h) on PostgreSQL through libpq: text-format
 * PQexecParams with every parameter bound ($1..$n), reconnecting once when the connection was lost. */
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/query.h"

#define CANDLE_COLS                                                                                                    \
	"symbol, \"interval\", open_time, open, high, low, close, volume, updates, final, ma7, ma25, ret, rel_volatility, " \
	"change_24h_pct, last_event_time"

typedef struct {
	tf_query base;
	PGconn *conn;
	char *conninfo;
} pg_query;

typedef tf_err (*row_fn)(PGresult *r, int row, void *fn, void *ud);

static pg_query *pq(tf_query *q) { return (pg_query *)q; }

static tf_err connect_db(pg_query *q)
{
	if (q->conn)
		PQfinish(q->conn);
	q->conn = PQconnectdb(q->conninfo);
	if (PQstatus(q->conn) != CONNECTION_OK) {
		snprintf(q->base.error, sizeof q->base.error, "postgresql: %s", PQerrorMessage(q->conn));
		q->base.error[strcspn(q->base.error, "\n")] = 0;
		return TF_ERR_AGAIN;
	}
	return TF_OK;
}

static void text(PGresult *r, int row, int col, char *out, size_t cap)
{
	snprintf(out, cap, "%s", PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

static int64_t i64(PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static double dbl(PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : strtod(PQgetvalue(r, row, col), NULL);
}

static tf_maybe maybe(PGresult *r, int row, int col)
{
	tf_maybe m = {!PQgetisnull(r, row, col), 0};
	if (m.valid)
		m.v = strtod(PQgetvalue(r, row, col), NULL);
	return m;
}

/* Runs sql with n text parameters; calls row() for each result row. */
static tf_err run(pg_query *q, const char *sql, int n, const char *const *params, row_fn row, void *fn, void *ud)
{
	if ((!q->conn || PQstatus(q->conn) != CONNECTION_OK) && connect_db(q))
		return TF_ERR_AGAIN;
	PGresult *r = PQexecParams(q->conn, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		snprintf(q->base.error, sizeof q->base.error, "postgresql: %s", PQerrorMessage(q->conn));
		q->base.error[strcspn(q->base.error, "\n")] = 0;
		bool lost = PQstatus(q->conn) != CONNECTION_OK;
		PQclear(r);
		return lost ? TF_ERR_AGAIN : TF_ERR_IO;
	}
	tf_err err = TF_OK;
	for (int i = 0, rows = PQntuples(r); i < rows && !err; i++)
		err = row(r, i, fn, ud);
	PQclear(r);
	return err;
}

static tf_err candle_row(PGresult *r, int i, void *fn, void *ud)
{
	tf_q_candle c;
	text(r, i, 0, c.symbol, sizeof c.symbol);
	text(r, i, 1, c.interval, sizeof c.interval);
	c.open_time = i64(r, i, 2);
	text(r, i, 3, c.open, sizeof c.open);
	text(r, i, 4, c.high, sizeof c.high);
	text(r, i, 5, c.low, sizeof c.low);
	text(r, i, 6, c.close, sizeof c.close);
	text(r, i, 7, c.volume, sizeof c.volume);
	c.updates = i64(r, i, 8);
	c.final = i64(r, i, 9) != 0;
	c.ma7 = maybe(r, i, 10);
	c.ma25 = maybe(r, i, 11);
	c.ret = maybe(r, i, 12);
	c.rel_vol = maybe(r, i, 13);
	c.change_24h_pct = maybe(r, i, 14);
	c.last_event_time = i64(r, i, 15); /* NULL reads as 0 */
	return ((tf_q_candle_fn)fn)(ud, &c);
}

static tf_err symbol_row(PGresult *r, int i, void *fn, void *ud)
{
	tf_q_symbol s;
	text(r, i, 0, s.symbol, sizeof s.symbol);
	s.candles = i64(r, i, 1);
	s.last_time = i64(r, i, 2);
	return ((tf_q_symbol_fn)fn)(ud, &s);
}

static tf_err alert_row(PGresult *r, int i, void *fn, void *ud)
{
	tf_q_alert a;
	a.id = i64(r, i, 0);
	text(r, i, 1, a.symbol, sizeof a.symbol);
	text(r, i, 2, a.kind, sizeof a.kind);
	a.event_time = i64(r, i, 3);
	a.value = maybe(r, i, 4);
	a.threshold = maybe(r, i, 5);
	text(r, i, 6, a.detail, sizeof a.detail);
	return ((tf_q_alert_fn)fn)(ud, &a);
}

static tf_err tick_row(PGresult *r, int i, void *fn, void *ud)
{
	tf_q_tick t;
	text(r, i, 0, t.symbol, sizeof t.symbol);
	t.event_time = i64(r, i, 1);
	text(r, i, 2, t.open_24h, sizeof t.open_24h);
	text(r, i, 3, t.high_24h, sizeof t.high_24h);
	text(r, i, 4, t.low_24h, sizeof t.low_24h);
	text(r, i, 5, t.last, sizeof t.last);
	text(r, i, 6, t.volume_24h, sizeof t.volume_24h);
	text(r, i, 7, t.quote_volume_24h, sizeof t.quote_volume_24h);
	return ((tf_q_tick_fn)fn)(ud, &t);
}

static tf_err stats_row(PGresult *r, int i, void *fn, void *ud)
{
	tf_q_stats s;
	text(r, i, 0, s.symbol, sizeof s.symbol);
	s.candles = i64(r, i, 1);
	s.first_time = i64(r, i, 2);
	s.last_time = i64(r, i, 3);
	s.first_open = dbl(r, i, 4);
	s.last_close = dbl(r, i, 5);
	s.avg_close = dbl(r, i, 6);
	s.max_high = dbl(r, i, 7);
	s.min_low = dbl(r, i, 8);
	s.avg_rel_vol = maybe(r, i, 9);
	s.volume = dbl(r, i, 10);
	return ((tf_q_stats_fn)fn)(ud, &s);
}

static tf_err one_row(PGresult *r, int i, void *fn, void *ud)
{
	int64_t *out = ud;
	for (int c = 0; c < PQnfields(r); c++)
		out[c] = PQgetisnull(r, i, c) ? INT64_MIN : i64(r, i, c);
	return TF_OK;
}

static void pg_close(tf_query *base)
{
	pg_query *q = pq(base);
	if (q->conn)
		PQfinish(q->conn);
	free(q->conninfo);
	free(q);
}

static tf_err pg_ping(tf_query *base)
{
	int64_t v[1] = {0};
	return run(pq(base), "SELECT 1", 0, NULL, one_row, NULL, v);
}

static tf_err pg_symbols(tf_query *base, const char *interval, tf_q_symbol_fn fn, void *ud)
{
	const char *p[] = {interval};
	return run(pq(base),
		   "SELECT symbol, count(*), max(open_time) FROM candles WHERE \"interval\" = $1 GROUP BY symbol ORDER BY symbol",
		   1, p, symbol_row, (void *)fn, ud);
}

static tf_err pg_latest(tf_query *base, const char *interval, int64_t *open_time, bool *found)
{
	const char *p[] = {interval};
	int64_t v[1] = {INT64_MIN};
	tf_err err = run(pq(base), "SELECT max(open_time) FROM candles WHERE \"interval\" = $1", 1, p, one_row, NULL, v);
	*found = !err && v[0] != INT64_MIN;
	*open_time = *found ? v[0] : 0;
	return err;
}

static tf_err pg_candles(tf_query *base, const char *symbol, const char *interval, int64_t from, int64_t to,
			 int64_t limit, tf_q_candle_fn fn, void *ud)
{
	char f[24], t[24], l[24];
	snprintf(f, sizeof f, "%" PRId64, from);
	snprintf(t, sizeof t, "%" PRId64, to);
	snprintf(l, sizeof l, "%" PRId64, limit);
	const char *p[] = {symbol, interval, f, t, l};
	return run(pq(base),
		   "SELECT * FROM (SELECT " CANDLE_COLS " FROM candles WHERE symbol = $1 AND \"interval\" = $2 AND open_time >= $3"
		   " AND open_time < $4 ORDER BY open_time DESC LIMIT $5) x ORDER BY open_time",
		   5, p, candle_row, (void *)fn, ud);
}

static tf_err pg_since(tf_query *base, const char *interval, int64_t from, int64_t limit, tf_q_candle_fn fn, void *ud)
{
	char f[24], l[24];
	snprintf(f, sizeof f, "%" PRId64, from);
	snprintf(l, sizeof l, "%" PRId64, limit);
	const char *p[] = {interval, f, l};
	return run(pq(base),
		   "SELECT " CANDLE_COLS " FROM candles WHERE \"interval\" = $1 AND open_time >= $2 ORDER BY symbol, open_time LIMIT $3", 3,
		   p, candle_row, (void *)fn, ud);
}

static tf_err pg_stats(tf_query *base, const char *interval, int64_t from, const char *const *symbols, size_t n,
		       tf_q_stats_fn fn, void *ud)
{
	char f[24];
	snprintf(f, sizeof f, "%" PRId64, from);
	const char *p[2 + TF_QUERY_MAX_SYMBOLS] = {interval, f};
	char in[TF_QUERY_MAX_SYMBOLS * 5 + 32] = "";
	if (n) {
		size_t k = (size_t)snprintf(in, sizeof in, " AND symbol IN (");
		for (size_t i = 0; i < n; i++) {
			p[2 + i] = symbols[i];
			k += (size_t)snprintf(in + k, sizeof in - k, "%s$%zu", i ? "," : "", i + 3);
		}
		snprintf(in + k, sizeof in - k, ")");
	}
	char sql[1200];
	snprintf(sql, sizeof sql,
		 "WITH a AS (SELECT symbol, count(*) n, min(open_time) t0, max(open_time) t1, avg(close::float8) ac,"
		 " max(high::float8) mh, min(low::float8) ml, avg(rel_volatility) arv, sum(volume::float8) vol"
		 " FROM candles WHERE \"interval\" = $1 AND open_time >= $2::bigint%s GROUP BY symbol)"
		 " SELECT a.symbol, n, t0, t1,"
		 " (SELECT open::float8 FROM candles c WHERE c.symbol = a.symbol AND c.\"interval\" = $1 AND c.open_time = a.t0),"
		 " (SELECT close::float8 FROM candles c WHERE c.symbol = a.symbol AND c.\"interval\" = $1 AND c.open_time = a.t1),"
		 " ac, mh, ml, arv, vol FROM a ORDER BY a.symbol",
		 in);
	return run(pq(base), sql, (int)(2 + n), p, stats_row, (void *)fn, ud);
}

static tf_err pg_alerts(tf_query *base, int64_t from, int64_t limit, tf_q_alert_fn fn, void *ud)
{
	char f[24], l[24];
	snprintf(f, sizeof f, "%" PRId64, from);
	snprintf(l, sizeof l, "%" PRId64, limit);
	const char *p[] = {f, l};
	return run(pq(base),
		   "SELECT id, symbol, kind, event_time, value, threshold, detail FROM alerts WHERE event_time >= $1"
		   " ORDER BY event_time DESC, id LIMIT $2",
		   2, p, alert_row, (void *)fn, ud);
}

static tf_err pg_ticks(tf_query *base, const char *symbol, int64_t before, int64_t limit, tf_q_tick_fn fn, void *ud)
{
	char b[24], l[24];
	snprintf(b, sizeof b, "%" PRId64, before);
	snprintf(l, sizeof l, "%" PRId64, limit);
	const char *p[] = {symbol, b, l};
	return run(pq(base),
		   "SELECT symbol, event_time, open_24h, high_24h, low_24h, last, volume_24h, quote_volume_24h FROM ticks"
		   " WHERE symbol = $1 AND event_time < $2 ORDER BY event_time DESC LIMIT $3",
		   3, p, tick_row, (void *)fn, ud);
}

static tf_err pg_progress(tf_query *base, int64_t *records, int64_t *newest)
{
	int64_t v[2] = {0, 0};
	tf_err err = run(pq(base),
			 "SELECT coalesce(sum(records), 0)::bigint, coalesce(max(newest_event_time), 0)::bigint FROM stream_offsets",
			 0, NULL, one_row, NULL, v);
	*records = v[0] == INT64_MIN ? 0 : v[0];
	*newest = v[1] == INT64_MIN ? 0 : v[1];
	return err;
}

static tf_err partition_row(PGresult *r, int i, void *fn, void *ud)
{
	tf_q_partition p;
	text(r, i, 0, p.group, sizeof p.group);
	text(r, i, 1, p.topic, sizeof p.topic);
	p.partition = (int32_t)i64(r, i, 2);
	p.next_offset = i64(r, i, 3);
	p.records = i64(r, i, 4);
	p.late = i64(r, i, 5);
	p.dlq = i64(r, i, 6);
	return ((tf_q_partition_fn)fn)(ud, &p);
}

static tf_err pg_partitions(tf_query *base, int64_t limit, tf_q_partition_fn fn, void *ud)
{
	char l[24];
	snprintf(l, sizeof l, "%" PRId64, limit);
	const char *p[] = {l};
	return run(pq(base),
		   "SELECT consumer_group, topic, \"partition\", next_offset, records, late, dlq FROM stream_offsets"
		   " ORDER BY consumer_group COLLATE \"C\", topic COLLATE \"C\", \"partition\" LIMIT $1",
		   1, p, partition_row, (void *)fn, ud);
}

static const tf_query_ops pg_ops = {
	"postgresql", pg_close, pg_ping, pg_symbols, pg_latest, pg_candles, pg_since, pg_stats, pg_alerts, pg_ticks,
	pg_progress, pg_partitions,
};

tf_err tf_query_pg_open(const char *conninfo, tf_query **out, char *why, size_t why_cap)
{
	pg_query *q = calloc(1, sizeof *q);
	if (!q || !(q->conninfo = strdup(conninfo))) {
		free(q);
		return TF_ERR_NOMEM;
	}
	q->base.ops = &pg_ops;
	tf_err err = connect_db(q);
	if (err) {
		snprintf(why, why_cap, "%s", q->base.error);
		pg_close(&q->base);
		return err;
	}
	*out = &q->base;
	return TF_OK;
}

/* store_pg.c — the PostgreSQL backend (several machines; DESIGN §10), through libpq.
 *
 * A batch is buffered in memory as COPY text rows (ticks as rows, sorted and formatted at commit);
 * tf_store_commit sends it in one transaction: ticks by COPY straight into their table (see
 * pg_commit for when it falls back to the merge), the other tables by COPY into per-connection
 * staging tables (TEMP, ON COMMIT DELETE ROWS), then one INSERT ... SELECT DISTINCT ON (key) ...
 * ON CONFLICT DO UPDATE per table (the latest row of a key in the batch wins), then the offsets,
 * then COMMIT. One round trip per table instead of per row.
 *
 * Decimals are NUMERIC(38,8) (exact), indicators DOUBLE PRECISION sent with 17 significant digits
 * so they round-trip. A lost connection or a server that is restarting gives TF_ERR_AGAIN; the next
 * tf_store_begin reconnects. */
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "store/sqlite_batch.h"
#include "store/store.h"

#define PG_BATCH_MAX (1u << 30) /* bytes of COPY text per table and batch */
#define PG_MAX_OFFSETS 1024

static const char *const migration[] = {
	"CREATE TABLE ticks(symbol text NOT NULL, event_time bigint NOT NULL, open_24h numeric(38,8),"
	" high_24h numeric(38,8), low_24h numeric(38,8), last numeric(38,8), volume_24h numeric(38,8),"
	" quote_volume_24h numeric(38,8), PRIMARY KEY(symbol, event_time));"
	"CREATE INDEX ticks_time ON ticks(event_time);"
	"CREATE TABLE candles(symbol text NOT NULL, \"interval\" text NOT NULL, open_time bigint NOT NULL,"
	" open numeric(38,8), high numeric(38,8), low numeric(38,8), close numeric(38,8), volume numeric(38,8),"
	" quote_volume numeric(38,8), updates bigint, final smallint, volume_approx smallint, spread numeric(38,8),"
	" mid double precision, ret double precision, rel_volatility double precision, ma7 double precision,"
	" ma25 double precision, stddev_logret double precision, vwap double precision, change_24h_pct double precision,"
	" PRIMARY KEY(symbol, \"interval\", open_time));"
	"CREATE INDEX candles_interval_time ON candles(\"interval\", open_time);"
	"CREATE TABLE alerts(id bigint PRIMARY KEY, symbol text NOT NULL, kind text NOT NULL, event_time bigint NOT NULL,"
	" value double precision, threshold double precision, detail text);"
	"CREATE INDEX alerts_time ON alerts(event_time);"
	"CREATE TABLE ticker_snapshots(run_ts bigint NOT NULL, symbol text NOT NULL, open numeric(38,8),"
	" high numeric(38,8), low numeric(38,8), last numeric(38,8), volume numeric(38,8), quote_volume numeric(38,8),"
	" price_change_pct numeric(38,8), trades bigint, close_time bigint, PRIMARY KEY(run_ts, symbol));"
	"CREATE TABLE stream_offsets(consumer_group text NOT NULL, topic text NOT NULL, \"partition\" integer NOT NULL,"
	" next_offset bigint NOT NULL, PRIMARY KEY(consumer_group, topic, \"partition\"));"
	"CREATE TABLE stream_state(consumer_group text NOT NULL, topic text NOT NULL, \"partition\" integer NOT NULL,"
	" symbol text NOT NULL, state bytea NOT NULL, PRIMARY KEY(consumer_group, topic, \"partition\", symbol));",
	/* 2 (batch): dead-symbol flag and quote asset of each snapshot row */
	"ALTER TABLE ticker_snapshots ADD COLUMN dead smallint NOT NULL DEFAULT 0,"
	" ADD COLUMN quote text NOT NULL DEFAULT '';",
	/* 3: sliding windows (market-wide per partition) */
	"CREATE TABLE rates(scope text NOT NULL, window_end bigint NOT NULL, size_ms bigint NOT NULL,"
	" updates bigint NOT NULL, updates_per_s double precision, zscore double precision, returns_hist text,"
	" PRIMARY KEY(scope, window_end));",
	/* 4: event time of each candle's newest tick (tick-to-browser latency; NULL for older rows) */
	"ALTER TABLE candles ADD COLUMN last_event_time bigint;",
	/* 5: the partition's counters, committed with its offset (exactly-once; serve's /metrics) */
	"ALTER TABLE stream_offsets ADD COLUMN records bigint NOT NULL DEFAULT 0,"
	" ADD COLUMN late bigint NOT NULL DEFAULT 0, ADD COLUMN dlq bigint NOT NULL DEFAULT 0;",
	/* 6: the newest stored event time per partition instead of an index on ticks(event_time) (see
	 * store_sqlite.c) */
	"ALTER TABLE stream_offsets ADD COLUMN newest_event_time bigint NOT NULL DEFAULT 0;"
	"DROP INDEX IF EXISTS ticks_time;",
	/* 7: symbols compare bytewise (COLLATE "C"), as in SQLite: under the database's locale (even
	 * C.UTF-8 in PostgreSQL 15) every key comparison went through strcoll, and the primary key is
	 * half the cost of a tick's COPY (400,000 sorted rows: 2.56 s, 2.26 s with "C", 1.29 s with no
	 * key at all); and a locale such as en_US would order symbols unlike SQLite and unlike the
	 * report's readers, which meet by strcmp (report_scan.c). (SQLite's part of 7: stream_state
	 * becomes a rowid table.) */
	"ALTER TABLE ticks ALTER COLUMN symbol TYPE text COLLATE \"C\";"
	"ALTER TABLE candles ALTER COLUMN symbol TYPE text COLLATE \"C\", ALTER COLUMN \"interval\" TYPE text COLLATE \"C\";"
	"ALTER TABLE ticker_snapshots ALTER COLUMN symbol TYPE text COLLATE \"C\";"
	"ALTER TABLE stream_state ALTER COLUMN symbol TYPE text COLLATE \"C\";",
	/* 8: nothing to change here (SQLite's ticker_snapshots becomes WITHOUT ROWID; PostgreSQL's
	 * symbol has been in "C" since 7, so a report gets two readers under any database locale) */
	"SELECT 1;",
};
_Static_assert(sizeof migration / sizeof migration[0] == TF_STORE_SCHEMA_VERSION, "one migration per schema version");

static const char *const staging =
	"CREATE TEMP TABLE IF NOT EXISTS st_ticks(seq bigint, LIKE ticks) ON COMMIT DELETE ROWS;"
	"CREATE TEMP TABLE IF NOT EXISTS st_candles(seq bigint, LIKE candles) ON COMMIT DELETE ROWS;"
	"CREATE TEMP TABLE IF NOT EXISTS st_alerts(seq bigint, LIKE alerts) ON COMMIT DELETE ROWS;"
	"CREATE TEMP TABLE IF NOT EXISTS st_state(seq bigint, LIKE stream_state) ON COMMIT DELETE ROWS;"
	"CREATE TEMP TABLE IF NOT EXISTS st_rates(seq bigint, LIKE rates) ON COMMIT DELETE ROWS;";

enum { T_TICKS, T_CANDLES, T_ALERTS, T_STATE, T_RATES, T_N };

#define TICK_COLS "symbol, event_time, open_24h, high_24h, low_24h, last, volume_24h, quote_volume_24h"

static const char *const copy_sql[T_N] = {
	"COPY st_ticks FROM STDIN", "COPY st_candles FROM STDIN", "COPY st_alerts FROM STDIN", "COPY st_state FROM STDIN",
	"COPY st_rates FROM STDIN"};

static const char *const merge_sql[T_N] = {
	"INSERT INTO ticks SELECT DISTINCT ON (symbol, event_time) symbol, event_time, open_24h, high_24h, low_24h, last,"
	" volume_24h, quote_volume_24h FROM st_ticks ORDER BY symbol, event_time, seq DESC"
	" ON CONFLICT (symbol, event_time) DO UPDATE SET open_24h=EXCLUDED.open_24h, high_24h=EXCLUDED.high_24h,"
	" low_24h=EXCLUDED.low_24h, last=EXCLUDED.last, volume_24h=EXCLUDED.volume_24h,"
	" quote_volume_24h=EXCLUDED.quote_volume_24h",
	"INSERT INTO candles SELECT DISTINCT ON (symbol, \"interval\", open_time) symbol, \"interval\", open_time, open, high,"
	" low, close, volume, quote_volume, updates, final, volume_approx, spread, mid, ret, rel_volatility, ma7, ma25,"
	" stddev_logret, vwap, change_24h_pct, last_event_time FROM st_candles ORDER BY symbol, \"interval\", open_time, seq DESC"
	" ON CONFLICT (symbol, \"interval\", open_time) DO UPDATE SET open=EXCLUDED.open, high=EXCLUDED.high,"
	" low=EXCLUDED.low, close=EXCLUDED.close, volume=EXCLUDED.volume, quote_volume=EXCLUDED.quote_volume,"
	" updates=EXCLUDED.updates, final=EXCLUDED.final, volume_approx=EXCLUDED.volume_approx, spread=EXCLUDED.spread,"
	" mid=EXCLUDED.mid, ret=EXCLUDED.ret, rel_volatility=EXCLUDED.rel_volatility, ma7=EXCLUDED.ma7,"
	" ma25=EXCLUDED.ma25, stddev_logret=EXCLUDED.stddev_logret, vwap=EXCLUDED.vwap,"
	" change_24h_pct=EXCLUDED.change_24h_pct, last_event_time=EXCLUDED.last_event_time",
	"INSERT INTO alerts SELECT DISTINCT ON (id) id, symbol, kind, event_time, value, threshold, detail FROM st_alerts"
	" ORDER BY id, seq DESC ON CONFLICT (id) DO UPDATE SET symbol=EXCLUDED.symbol, kind=EXCLUDED.kind,"
	" event_time=EXCLUDED.event_time, value=EXCLUDED.value, threshold=EXCLUDED.threshold, detail=EXCLUDED.detail",
	"INSERT INTO stream_state SELECT DISTINCT ON (consumer_group, topic, \"partition\", symbol) consumer_group, topic,"
	" \"partition\", symbol, state FROM st_state ORDER BY consumer_group, topic, \"partition\", symbol, seq DESC"
	" ON CONFLICT (consumer_group, topic, \"partition\", symbol) DO UPDATE SET state=EXCLUDED.state",
	"INSERT INTO rates SELECT DISTINCT ON (scope, window_end) scope, window_end, size_ms, updates, updates_per_s, zscore,"
	" returns_hist FROM st_rates ORDER BY scope, window_end, seq DESC ON CONFLICT (scope, window_end) DO UPDATE SET"
	" size_ms=EXCLUDED.size_ms, updates=EXCLUDED.updates, updates_per_s=EXCLUDED.updates_per_s,"
	" zscore=EXCLUDED.zscore, returns_hist=EXCLUDED.returns_hist",
};

typedef struct {
	char group[128], topic[256];
	int32_t partition;
	int64_t next;
	tf_stream_counts counts;
} pg_offset;

/* Commits to spend on the merge path for ticks after a batch met a row that was already stored
 * (a rebuild with --from, or a log holding the same tick twice); then the direct COPY is tried again. */
#define MERGE_TICKS_COMMITS 64

typedef struct {
	tf_store base;
	char *conninfo;
	PGconn *conn;
	tf_sqb ticks;      /* the batch's ticks, sorted and formatted at commit (only ticks is used) */
	int merge_ticks;   /* commits left on the ticks merge path (0 = COPY straight into ticks) */
	bool dup_key;      /* the last failure was a unique violation (SQLSTATE 23505) */
	tf_buf copy[T_N];
	int64_t seq;
	pg_offset offsets[PG_MAX_OFFSETS];
	int noffsets;
	bool oom;
} pg_store;

/* Records the error of a failed call; TF_ERR_AGAIN when the connection is gone or the server is
 * starting/stopping (SQLSTATE class 08 or 57P0x), or the disk is full (53100). */
static tf_err ensure(pg_store *p);

static tf_err fail(pg_store *p, PGresult *res, const char *what)
{
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(p->conn);
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	p->dup_key = state && !strcmp(state, "23505");
	snprintf(p->base.error, sizeof p->base.error, "postgresql: %s: %.*s", what, (int)strcspn(msg, "\n"), msg);
	bool again = !p->conn || PQstatus(p->conn) == CONNECTION_BAD ||
		     (state && (!strncmp(state, "08", 2) || !strncmp(state, "57P0", 4) || !strcmp(state, "53100") ||
				!strcmp(state, "40001") || !strcmp(state, "40P01")));
	if (res)
		PQclear(res);
	return again ? TF_ERR_AGAIN : TF_ERR_IO;
}

static tf_err exec_ok(pg_store *p, const char *sql)
{
	PGresult *res = PQexec(p->conn, sql);
	ExecStatusType s = PQresultStatus(res);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
		return fail(p, res, "exec");
	PQclear(res);
	return TF_OK;
}

static tf_err migrate(pg_store *p)
{
	tf_err err = exec_ok(p, "SET client_min_messages=warning;"
				"CREATE TABLE IF NOT EXISTS schema_version(version integer NOT NULL)");
	if (err)
		return err;
	if ((err = exec_ok(p, "BEGIN; SELECT pg_advisory_xact_lock(7428061)")))
		return err;
	PGresult *res = PQexec(p->conn, "SELECT coalesce(max(version), 0) FROM schema_version");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		err = fail(p, res, "read schema version");
		goto out;
	}
	int version = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	if (version > TF_STORE_SCHEMA_VERSION) {
		snprintf(p->base.error, sizeof p->base.error,
			 "postgresql: schema version %d is newer than this tickflow (%d); upgrade tickflow", version,
			 TF_STORE_SCHEMA_VERSION);
		err = TF_ERR_IO;
		goto out;
	}
	for (; version < TF_STORE_SCHEMA_VERSION; version++) {
		if ((err = exec_ok(p, migration[version])))
			goto out;
		char sql[64];
		snprintf(sql, sizeof sql, "INSERT INTO schema_version VALUES(%d)", version + 1);
		if ((err = exec_ok(p, sql)))
			goto out;
	}
	err = exec_ok(p, "COMMIT");
out:
	if (err)
		PQclear(PQexec(p->conn, "ROLLBACK"));
	return err;
}

static tf_err connect_db(pg_store *p)
{
	if (p->conn)
		PQfinish(p->conn);
	p->conn = PQconnectdb(p->conninfo);
	if (PQstatus(p->conn) != CONNECTION_OK)
		return fail(p, NULL, "connect");
	tf_err err = migrate(p);
	return err ? err : exec_ok(p, staging);
}

static void pg_close(tf_store *s)
{
	pg_store *p = (pg_store *)s;
	if (p->conn)
		PQfinish(p->conn);
	for (int i = 0; i < T_N; i++)
		tf_buf_free(&p->copy[i]);
	tf_sqb_free(&p->ticks);
	free(p->conninfo);
	free(p);
}

static tf_err pg_begin(tf_store *s)
{
	pg_store *p = (pg_store *)s;
	for (int i = 0; i < T_N; i++)
		tf_buf_reset(&p->copy[i]);
	tf_sqb_reset(&p->ticks);
	p->noffsets = 0;
	p->oom = false;
	if (!p->conn || PQstatus(p->conn) != CONNECTION_OK)
		return connect_db(p);
	return TF_OK;
}

/* ---- COPY text rows ---- */

static void add(pg_store *p, int t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(pg_store *p, int t, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp || tf_buf_append(&p->copy[t], tmp, (size_t)n))
		p->oom = true;
}

static void add_dec(pg_store *p, int t, tf_dec v)
{
	char s[TF_DEC_STR_MAX];
	size_t n = tf_dec_format(v, s);
	if (tf_buf_append(&p->copy[t], "\t", 1) || tf_buf_append(&p->copy[t], s, n))
		p->oom = true;
}

static void add_maybe(pg_store *p, int t, tf_maybe m)
{
	if (m.valid)
		add(p, t, "\t%.17g", m.v);
	else
		add(p, t, "\t\\N");
}

/* Text escaped for COPY (backslash, tab, newline, carriage return). */
static void add_text(pg_store *p, int t, const char *s)
{
	add(p, t, "\t");
	for (; *s; s++) {
		const char *e = *s == '\\' ? "\\\\" : *s == '\t' ? "\\t" : *s == '\n' ? "\\n" : *s == '\r' ? "\\r" : NULL;
		if (tf_buf_append(&p->copy[t], e ? e : s, e ? 2 : 1))
			p->oom = true;
	}
}

static tf_err added(pg_store *p, int t)
{
	add(p, t, "\n");
	if (p->oom) {
		snprintf(p->base.error, sizeof p->base.error, "postgresql: batch larger than %u bytes", PG_BATCH_MAX);
		return TF_ERR_TOO_BIG;
	}
	return TF_OK;
}

static tf_err pg_put_tick(tf_store *s, const tf_tick_row *t)
{
	pg_store *p = (pg_store *)s;
	tf_err err = tf_sqb_tick_add(&p->ticks, t);
	if (err == TF_ERR_TOO_BIG)
		snprintf(p->base.error, sizeof p->base.error, "postgresql: batch larger than %zu bytes of ticks",
			 TF_SQB_MAX_BYTES);
	return err;
}

/* The batch's ticks as COPY text into copy[T_TICKS], in key order and one row per key (the last
 * put wins, as the upserts would have it): with a leading seq column for st_ticks (merge), without
 * it for ticks itself (direct). */
static tf_err format_ticks(pg_store *p, bool merge)
{
	tf_buf_reset(&p->copy[T_TICKS]);
	p->oom = false;
	size_t n = tf_sqb_count(&p->ticks.ticks, sizeof(tf_sqb_tick));
	for (size_t i = 0; i < n; i++) {
		const tf_sqb_tick *r = tf_sqb_tick_at(&p->ticks, i), *next = i + 1 < n ? tf_sqb_tick_at(&p->ticks, i + 1) : NULL;
		const tf_tick_row *t = &r->row;
		if (next && next->row.event_time == t->event_time && !strcmp(next->row.symbol, t->symbol))
			continue; /* a later put of the same key follows */
		if (merge)
			add(p, T_TICKS, "%lld\t", (long long)r->seq);
		add(p, T_TICKS, "%s\t%lld", t->symbol, (long long)t->event_time);
		if (t->is24) {
			add_dec(p, T_TICKS, t->open);
			add_dec(p, T_TICKS, t->high);
			add_dec(p, T_TICKS, t->low);
			add_dec(p, T_TICKS, t->last);
			add_dec(p, T_TICKS, t->volume);
			add_dec(p, T_TICKS, t->quote_volume);
		} else {
			add(p, T_TICKS, "\t\\N\t\\N\t\\N");
			add_dec(p, T_TICKS, t->last);
			add(p, T_TICKS, "\t\\N\t\\N");
		}
		tf_err err = added(p, T_TICKS);
		if (err)
			return err;
	}
	return TF_OK;
}

static tf_err pg_put_candle(tf_store *s, const tf_candle_row *r)
{
	pg_store *p = (pg_store *)s;
	add(p, T_CANDLES, "%lld\t%s\t%s\t%lld", (long long)++p->seq, r->symbol, r->interval, (long long)r->open_time);
	add_dec(p, T_CANDLES, r->open);
	add_dec(p, T_CANDLES, r->high);
	add_dec(p, T_CANDLES, r->low);
	add_dec(p, T_CANDLES, r->close);
	add_dec(p, T_CANDLES, r->volume);
	add_dec(p, T_CANDLES, r->quote_volume);
	add(p, T_CANDLES, "\t%lld\t%d\t%d", (long long)r->updates, r->final, r->volume_approx);
	add_dec(p, T_CANDLES, r->spread);
	add_maybe(p, T_CANDLES, r->mid);
	add_maybe(p, T_CANDLES, r->ret);
	add_maybe(p, T_CANDLES, r->rel_vol);
	add_maybe(p, T_CANDLES, r->ma7);
	add_maybe(p, T_CANDLES, r->ma25);
	add_maybe(p, T_CANDLES, r->sd_logret);
	add_maybe(p, T_CANDLES, r->vwap);
	add_maybe(p, T_CANDLES, r->change_24h_pct);
	add(p, T_CANDLES, "\t%lld", (long long)r->last_event_time);
	return added(p, T_CANDLES);
}

static tf_err pg_put_alert(tf_store *s, const tf_alert_row *a)
{
	pg_store *p = (pg_store *)s;
	add(p, T_ALERTS, "%lld\t%lld\t%s\t%s\t%lld\t%.17g\t%.17g", (long long)++p->seq, (long long)a->id, a->symbol,
	    tf_alert_kind_name(a->kind), (long long)a->event_time, a->value, a->threshold);
	add_text(p, T_ALERTS, a->detail);
	return added(p, T_ALERTS);
}

static tf_err pg_put_rate(tf_store *s, const tf_rate_row *r)
{
	pg_store *p = (pg_store *)s;
	char hist[256];
	tf_store_hist_text(r, hist, sizeof hist);
	add(p, T_RATES, "%lld", (long long)++p->seq);
	add_text(p, T_RATES, r->scope);
	add(p, T_RATES, "\t%lld\t%lld\t%lld\t%.17g", (long long)r->window_end, (long long)r->size_ms, (long long)r->updates,
	    r->updates_per_s);
	add_maybe(p, T_RATES, r->zscore);
	add_text(p, T_RATES, hist);
	return added(p, T_RATES);
}

static tf_err pg_put_state(tf_store *s, const char *group, const char *topic, int32_t partition, const char *symbol,
			   const void *blob, size_t len)
{
	pg_store *p = (pg_store *)s;
	add(p, T_STATE, "%lld", (long long)++p->seq);
	add_text(p, T_STATE, group);
	add_text(p, T_STATE, topic);
	add(p, T_STATE, "\t%d", partition);
	add_text(p, T_STATE, symbol);
	add(p, T_STATE, "\t\\\\x");
	static const char hex[] = "0123456789abcdef";
	const unsigned char *b = blob;
	if (tf_buf_reserve(&p->copy[T_STATE], 2 * len))
		p->oom = true;
	for (size_t i = 0; i < len && !p->oom; i++) {
		char h[2] = {hex[b[i] >> 4], hex[b[i] & 15]};
		tf_buf_append(&p->copy[T_STATE], h, 2);
	}
	return added(p, T_STATE);
}

static tf_err pg_put_offset(tf_store *s, const char *group, const char *topic, int32_t partition, int64_t next,
			    const tf_stream_counts *counts)
{
	pg_store *p = (pg_store *)s;
	for (int i = 0; i < p->noffsets; i++)
		if (p->offsets[i].partition == partition && !strcmp(p->offsets[i].group, group) &&
		    !strcmp(p->offsets[i].topic, topic)) {
			p->offsets[i].next = next;
			p->offsets[i].counts = *counts;
			return TF_OK;
		}
	if (p->noffsets == PG_MAX_OFFSETS || strlen(group) >= 128 || strlen(topic) >= 256)
		return TF_ERR_TOO_BIG;
	pg_offset *o = &p->offsets[p->noffsets++];
	snprintf(o->group, sizeof o->group, "%s", group);
	snprintf(o->topic, sizeof o->topic, "%s", topic);
	o->partition = partition;
	o->next = next;
	o->counts = *counts;
	return TF_OK;
}

/* COPY of copy[t] into its staging table and the merge into the table (or, direct, COPY of the
 * ticks straight into ticks). */
static tf_err copy_in(pg_store *p, int t, bool direct)
{
	PGresult *res = PQexec(p->conn, direct ? "COPY ticks(" TICK_COLS ") FROM STDIN" : copy_sql[t]);
	if (PQresultStatus(res) != PGRES_COPY_IN)
		return fail(p, res, "copy");
	PQclear(res);
	if (PQputCopyData(p->conn, p->copy[t].data, (int)p->copy[t].len) != 1 || PQputCopyEnd(p->conn, NULL) != 1)
		return fail(p, NULL, "copy data");
	res = PQgetResult(p->conn);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return fail(p, res, "copy end");
	PQclear(res);
	while ((res = PQgetResult(p->conn)))
		PQclear(res);
	return direct ? TF_OK : exec_ok(p, merge_sql[t]);
}

/* One attempt at the batch's transaction; ticks straight into their table unless merge_ticks. */
static tf_err commit_tx(pg_store *p)
{
	bool direct = p->merge_ticks == 0;
	tf_err err = format_ticks(p, !direct);
	if (!err)
		err = exec_ok(p, "BEGIN");
	for (int t = 0; !err && t < T_N; t++)
		if (p->copy[t].len && (err = copy_in(p, t, t == T_TICKS && direct)))
			break;
	for (int i = 0; !err && i < p->noffsets; i++) {
		const pg_offset *o = &p->offsets[i];
		char part[16], next[24], rec[24], late[24], dlq[24], newest[24];
		snprintf(part, sizeof part, "%d", o->partition);
		snprintf(next, sizeof next, "%lld", (long long)o->next);
		snprintf(rec, sizeof rec, "%lld", (long long)o->counts.records);
		snprintf(late, sizeof late, "%lld", (long long)o->counts.late);
		snprintf(dlq, sizeof dlq, "%lld", (long long)o->counts.dlq);
		snprintf(newest, sizeof newest, "%lld", (long long)o->counts.newest);
		const char *v[] = {o->group, o->topic, part, next, rec, late, dlq, newest};
		PGresult *res = PQexecParams(p->conn,
					     "INSERT INTO stream_offsets(consumer_group, topic, \"partition\", next_offset, records,"
					     " late, dlq, newest_event_time) VALUES($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT"
					     " (consumer_group, topic, \"partition\") DO UPDATE SET next_offset=EXCLUDED.next_offset,"
					     " records=EXCLUDED.records, late=EXCLUDED.late, dlq=EXCLUDED.dlq,"
					     " newest_event_time=EXCLUDED.newest_event_time",
					     8, NULL, v, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			err = fail(p, res, "upsert offset");
		else
			PQclear(res);
	}
	if (!err)
		err = exec_ok(p, "COMMIT");
	if (err && p->conn && PQstatus(p->conn) == CONNECTION_OK)
		PQclear(PQexec(p->conn, "ROLLBACK"));
	return err;
}

/* Ticks are new rows almost always (exactly-once: a tick is stored with the offset past it), and a
 * plain COPY into ticks costs a third of COPY into a staging table plus INSERT ... ON CONFLICT
 * (bench/engine_pipeline.sh; 100,000 sorted rows: 0.42 s against 1.1 s). A row that is already
 * there (a rebuild with --from, a log that holds the same tick twice) fails the COPY with a unique
 * violation: the transaction is run again with the merge, which then serves the next
 * MERGE_TICKS_COMMITS commits too. Reconnects first when the connection was lost, so that a
 * failed commit can simply be called again with the same batch. */
static tf_err pg_commit(tf_store *s)
{
	pg_store *p = (pg_store *)s;
	tf_err err = ensure(p);
	if (err)
		return err;
	if ((err = tf_sqb_sort(&p->ticks)))
		return err;
	bool direct = p->merge_ticks == 0;
	err = commit_tx(p);
	if (err && direct && p->dup_key) {
		p->merge_ticks = MERGE_TICKS_COMMITS;
		err = commit_tx(p);
	}
	if (!err && !direct)
		p->merge_ticks--;
	return err;
}

static void pg_rollback(tf_store *s)
{
	pg_store *p = (pg_store *)s;
	for (int i = 0; i < T_N; i++)
		tf_buf_reset(&p->copy[i]);
	tf_sqb_reset(&p->ticks);
	p->noffsets = 0;
}

static tf_err ensure(pg_store *p)
{
	return p->conn && PQstatus(p->conn) == CONNECTION_OK ? TF_OK : connect_db(p);
}

/* Runs sql with $1..$3 = group, topic, partition (reconnecting first when needed); *res is the
 * result when its status is want, else the error is recorded and returned. format: 0 text, 1 binary. */
static tf_err exec_partition(pg_store *p, const char *sql, const char *group, const char *topic, int32_t partition,
			     int format, ExecStatusType want, const char *what, PGresult **res)
{
	tf_err err = ensure(p);
	if (err)
		return err;
	char part[16];
	snprintf(part, sizeof part, "%d", partition);
	const char *v[] = {group, topic, part};
	*res = PQexecParams(p->conn, sql, 3, NULL, v, NULL, NULL, format);
	return PQresultStatus(*res) == want ? TF_OK : fail(p, *res, what);
}

static tf_err pg_get_offset(tf_store *s, const char *group, const char *topic, int32_t partition, int64_t *next,
			    tf_stream_counts *counts, bool *found)
{
	PGresult *res;
	tf_err err = exec_partition((pg_store *)s,
				    "SELECT next_offset, records, late, dlq, newest_event_time FROM stream_offsets"
				    " WHERE consumer_group=$1 AND topic=$2 AND \"partition\"=$3",
				    group, topic, partition, 0, PGRES_TUPLES_OK, "read offset", &res);
	if (err)
		return err;
	*found = PQntuples(res) == 1;
	if (*found) {
		*next = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		counts->records = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		counts->late = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
		counts->dlq = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
		counts->newest = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
	}
	PQclear(res);
	return TF_OK;
}

static tf_err pg_load_state(tf_store *s, const char *group, const char *topic, int32_t partition, tf_store_state_fn fn,
			    void *ud)
{
	PGresult *res;
	tf_err err = exec_partition((pg_store *)s,
				    "SELECT symbol, state FROM stream_state WHERE consumer_group=$1 AND topic=$2 AND"
				    " \"partition\"=$3 ORDER BY symbol COLLATE \"C\"",
				    group, topic, partition, 1, PGRES_TUPLES_OK, "read state", &res);
	if (err)
		return err;
	char sym[TF_SYMBOL_MAX];
	for (int i = 0; i < PQntuples(res) && !err; i++) {
		int n = PQgetlength(res, i, 0);
		snprintf(sym, sizeof sym, "%.*s", n < TF_SYMBOL_MAX ? n : TF_SYMBOL_MAX - 1, PQgetvalue(res, i, 0));
		err = fn(ud, sym, PQgetvalue(res, i, 1), (size_t)PQgetlength(res, i, 1));
	}
	PQclear(res);
	return err;
}

static tf_err pg_reset_partition(tf_store *s, const char *group, const char *topic, int32_t partition)
{
	pg_store *p = (pg_store *)s;
	const char *sql[] = {"DELETE FROM stream_offsets WHERE consumer_group=$1 AND topic=$2 AND \"partition\"=$3",
			     "DELETE FROM stream_state WHERE consumer_group=$1 AND topic=$2 AND \"partition\"=$3"};
	tf_err err = ensure(p);
	if (err || (err = exec_ok(p, "BEGIN")))
		return err;
	for (int i = 0; i < 2 && !err; i++) {
		PGresult *res;
		if (!(err = exec_partition(p, sql[i], group, topic, partition, 0, PGRES_COMMAND_OK, "reset partition", &res)))
			PQclear(res);
	}
	if (!err)
		err = exec_ok(p, "COMMIT");
	else
		PQclear(PQexec(p->conn, "ROLLBACK"));
	return err;
}

static tf_err pg_delete_ticks_before(tf_store *s, int64_t before_ms)
{
	pg_store *p = (pg_store *)s;
	tf_err err = ensure(p);
	if (err)
		return err;
	/* By the primary key, one symbol at a time (a loose index scan finds the symbols): there is no
	 * index on event_time (schema 6). */
	char sql[400];
	snprintf(sql, sizeof sql,
		 "WITH RECURSIVE s(symbol) AS (SELECT min(symbol) FROM ticks UNION ALL"
		 " SELECT (SELECT min(symbol) FROM ticks WHERE symbol > s.symbol) FROM s WHERE s.symbol IS NOT NULL)"
		 " DELETE FROM ticks t USING s WHERE t.symbol = s.symbol AND t.event_time < %lld",
		 (long long)before_ms);
	return exec_ok(p, sql);
}

static void *pg_native(tf_store *s) { return ((pg_store *)s)->conn; }

static const tf_store_ops pg_ops = {
	"postgresql", pg_close, pg_begin, pg_put_tick, pg_put_candle, pg_put_alert, pg_put_rate, pg_put_state, pg_put_offset,
	pg_commit, pg_rollback, pg_get_offset, pg_load_state, pg_reset_partition, pg_delete_ticks_before,
	pg_native,
};

tf_err tf_store_pg_open(const char *conninfo, tf_store **out, char *why, size_t why_cap)
{
	pg_store *p = calloc(1, sizeof *p);
	if (!p || !(p->conninfo = strdup(conninfo))) {
		free(p);
		return TF_ERR_NOMEM;
	}
	p->base.ops = &pg_ops;
	for (int i = 0; i < T_N; i++)
		tf_buf_init(&p->copy[i], PG_BATCH_MAX);
	tf_sqb_init(&p->ticks);
	tf_err err = connect_db(p);
	if (err) {
		snprintf(why, why_cap, "%s", p->base.error);
		pg_close(&p->base);
		return err;
	}
	*out = &p->base;
	return TF_OK;
}

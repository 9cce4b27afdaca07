/* test_store_sqlite.c — the SQLite store: schema and version, upserts, atomic batches (rollback
 * leaves nothing), offsets and state round trips, exact decimals and NULL indicators. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/sqlite_batch.h"
#include "store/store.h"
#include "store_fixture.h"
#include "test.h"

static char *query1(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *out = NULL;
	if (sqlite3_open(path, &db) == SQLITE_OK && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			out = strdup(sqlite3_column_type(st, 0) == SQLITE_NULL ? "NULL" : (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return out;
}

#define TF_STR_(x) #x
#define TF_STR(x) TF_STR_(x) /* schema version as text; it grows as migrations are appended */
#define CHECK_Q(path, sql, want)                                  \
	do {                                                      \
		char *got_ = query1(path, sql);                   \
		TF_CHECK_EQ_STR(got_ ? got_ : "(no row)", want);  \
		free(got_);                                       \
	} while (0)

static tf_candle_row candle(int64_t ot, int64_t close_units, bool final)
{
	tf_candle_row r;
	memset(&r, 0, sizeof r);
	snprintf(r.symbol, sizeof r.symbol, "BTCUSDT");
	snprintf(r.interval, sizeof r.interval, "1m");
	r.interval_ms = 60000;
	r.open_time = ot;
	r.open = r.low = 2456700;
	r.high = r.close = close_units;
	r.updates = 3;
	r.final = final;
	r.ret.valid = true;
	r.ret.v = 0.125;
	return r;
}

TF_TEST(store_sqlite_batches_upserts_offsets_state)
{
	char path[21], url[64], why[256];
	TF_CHECK(tf_test_temp_db(path, url));
	tf_store *s = NULL;
	TF_CHECK_EQ_INT(tf_store_open(url, &s, why, sizeof why), TF_OK);
	TF_CHECK_EQ_STR(tf_store_kind(s), "sqlite");
	CHECK_Q(path, "SELECT max(version) FROM schema_version", TF_STR(TF_STORE_SCHEMA_VERSION));
	CHECK_Q(path, "PRAGMA journal_mode", "wal");
	/* a batch: tick, candle, alert, state, offset */
	tf_tick t;
	memset(&t, 0, sizeof t);
	t.kind = TF_TICK_MINI_TICKER;
	snprintf(t.symbol, sizeof t.symbol, "BTCUSDT");
	t.event_time = 1700000000123;
	t.s24.last = 2456700;
	t.s24.volume = (tf_dec)79000000000000LL * 100000000; /* 7.9e13: needs 128 bits in 1e-8 units */
	TF_CHECK_EQ_INT(tf_store_begin(s), TF_OK);
	tf_tick_row tr;
	tf_tick_row_from(&t, &tr);
	TF_CHECK_EQ_INT(tf_store_put_tick(s, &tr), TF_OK);
	tf_candle_row r = candle(1700000000000, 2500000, false);
	TF_CHECK_EQ_INT(tf_store_put_candle(s, &r), TF_OK);
	tf_alert_row a = {42, "BTCUSDT", TF_ALERT_STALE, 1700000060000, 60, 60, "no update"};
	TF_CHECK_EQ_INT(tf_store_put_alert(s, &a), TF_OK);
	TF_CHECK_EQ_INT(tf_store_put_state(s, "g", "ticks", 3, "", "\x01\x00\x02", 3), TF_OK);
	TF_CHECK_EQ_INT(tf_store_put_state(s, "g", "ticks", 3, "BTCUSDT", "abc", 3), TF_OK);
	tf_stream_counts cnt = {1234, 7, 9, 1700000000123};
	TF_CHECK_EQ_INT(tf_store_put_offset(s, "g", "ticks", 3, 1234, &cnt), TF_OK);
	tf_rate_row rate = {"p3", 1700000005000, 60000, 120, 2.0, {false, 0}, {1, 2, 3, 4, 5, 6, 7, 8}};
	TF_CHECK_EQ_INT(tf_store_put_rate(s, &rate), TF_OK);
	TF_CHECK_EQ_INT(tf_store_commit(s), TF_OK);
	CHECK_Q(path, "SELECT updates || ' ' || updates_per_s || ' ' || coalesce(zscore, 'NULL') || ' ' || returns_hist FROM rates",
		"120 2.0 NULL 1,2,3,4,5,6,7,8");
	CHECK_Q(path, "SELECT last || ' ' || volume_24h FROM ticks", "0.02456700 79000000000000.00000000");
	CHECK_Q(path, "SELECT close || ' ' || updates || ' ' || final || ' ' || ret FROM candles", "0.02500000 3 0 0.125");
	CHECK_Q(path, "SELECT coalesce(ma7, 'NULL') FROM candles", "NULL");
	CHECK_Q(path, "SELECT kind || ' ' || event_time FROM alerts WHERE id = 42", "stale 1700000060000");
	/* upsert: the same key again with new values, the row count stays */
	TF_CHECK_EQ_INT(tf_store_begin(s), TF_OK);
	r = candle(1700000000000, 2600000, true);
	TF_CHECK_EQ_INT(tf_store_put_candle(s, &r), TF_OK);
	TF_CHECK_EQ_INT(tf_store_put_candle(s, &r), TF_OK);
	cnt = (tf_stream_counts){1300, 8, 11, 1700000000456};
	TF_CHECK_EQ_INT(tf_store_put_offset(s, "g", "ticks", 3, 1300, &cnt), TF_OK);
	TF_CHECK_EQ_INT(tf_store_commit(s), TF_OK);
	CHECK_Q(path, "SELECT count(*) || ' ' || close || ' ' || final FROM candles", "1 0.02600000 1");
	/* rollback: nothing of the batch stays, not even the offset */
	TF_CHECK_EQ_INT(tf_store_begin(s), TF_OK);
	r = candle(1700000060000, 2700000, false);
	TF_CHECK_EQ_INT(tf_store_put_candle(s, &r), TF_OK);
	cnt = (tf_stream_counts){9999, 99, 99, 1700000009999};
	TF_CHECK_EQ_INT(tf_store_put_offset(s, "g", "ticks", 3, 9999, &cnt), TF_OK);
	tf_store_rollback(s);
	CHECK_Q(path, "SELECT count(*) FROM candles", "1");
	int64_t next = 0;
	bool found = false;
	tf_stream_counts got;
	TF_CHECK_EQ_INT(tf_store_get_offset(s, "g", "ticks", 3, &next, &got, &found), TF_OK);
	TF_CHECK(found && next == 1300);
	TF_CHECK(got.records == 1300 && got.late == 8 && got.dlq == 11); /* the committed counters, not the rolled back */
	TF_CHECK(got.newest == 1700000000456);
	CHECK_Q(path, "SELECT records || ' ' || late || ' ' || dlq || ' ' || newest_event_time FROM stream_offsets",
		"1300 8 11 1700000000456");
	CHECK_Q(path, "SELECT count(*) FROM sqlite_master WHERE name = 'ticks_time'", "0"); /* schema 6 */
	TF_CHECK_EQ_INT(tf_store_get_offset(s, "g", "ticks", 4, &next, &got, &found), TF_OK);
	TF_CHECK(!found && got.records == 0 && got.late == 0 && got.dlq == 0);
	tf_store_close(s);
	/* reopen: migrations are not run twice; state comes back in order */
	TF_CHECK_EQ_INT(tf_store_open(url, &s, why, sizeof why), TF_OK);
	CHECK_Q(path, "SELECT count(*) FROM schema_version", TF_STR(TF_STORE_SCHEMA_VERSION));
	TF_CHECK_EQ_INT(tf_store_reset_partition(s, "g", "ticks", 4), TF_OK);
	TF_CHECK_EQ_INT(tf_store_get_offset(s, "g", "ticks", 3, &next, &got, &found), TF_OK);
	TF_CHECK(found && next == 1300 && got.dlq == 11);
	TF_CHECK_EQ_INT(tf_store_reset_partition(s, "g", "ticks", 3), TF_OK);
	TF_CHECK_EQ_INT(tf_store_get_offset(s, "g", "ticks", 3, &next, NULL, &found), TF_OK);
	TF_CHECK(!found);
	CHECK_Q(path, "SELECT count(*) FROM stream_state", "0");
	TF_CHECK_EQ_INT(tf_store_delete_ticks_before(s, 1700000000124), TF_OK);
	CHECK_Q(path, "SELECT count(*) FROM ticks", "0");
	tf_store_close(s);
	/* a newer schema than this binary knows is refused */
	sqlite3 *db;
	TF_CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	TF_CHECK(sqlite3_exec(db, "INSERT INTO schema_version VALUES(99)", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	TF_CHECK(tf_store_open(url, &s, why, sizeof why) != TF_OK);
	TF_CHECK(strstr(why, "newer") != NULL);
	TF_CHECK_EQ_INT(tf_store_open("mysql://x", &s, why, sizeof why), TF_ERR_USAGE);
	TF_CHECK_EQ_INT(tf_store_open("sqlite:", &s, why, sizeof why), TF_ERR_USAGE);
	tf_test_remove_db(path);
}

static tf_err collect(void *ud, const char *symbol, const void *blob, size_t len)
{
	char *out = ud;
	size_t n = strlen(out);
	snprintf(out + n, 256 - n, "[%s:%zu]", symbol, len);
	return TF_OK;
}

TF_TEST(store_sqlite_state_round_trip)
{
	char path[21], url[64], why[256], got[256] = "";
	TF_CHECK(tf_test_temp_db(path, url));
	tf_store *s = NULL;
	TF_CHECK_EQ_INT(tf_store_open(url, &s, why, sizeof why), TF_OK);
	TF_CHECK_EQ_INT(tf_store_begin(s), TF_OK);
	TF_CHECK_EQ_INT(tf_store_put_state(s, "g", "t", 0, "ETHUSDT", "12345", 5), TF_OK);
	TF_CHECK_EQ_INT(tf_store_put_state(s, "g", "t", 0, "", "1", 1), TF_OK);
	TF_CHECK_EQ_INT(tf_store_put_state(s, "g", "t", 1, "BTCUSDT", "1", 1), TF_OK);
	TF_CHECK_EQ_INT(tf_store_put_state(s, "g", "t", 0, "ETHUSDT", "123", 3), TF_OK); /* upsert */
	TF_CHECK_EQ_INT(tf_store_commit(s), TF_OK);
	TF_CHECK_EQ_INT(tf_store_load_state(s, "g", "t", 0, collect, got), TF_OK);
	TF_CHECK_EQ_STR(got, "[:1][ETHUSDT:3]");
	tf_store_close(s);
	tf_test_remove_db(path);
}

/* Migration 7 turns a schema-6 stream_state (WITHOUT ROWID) into a rowid table and keeps every
 * checkpoint: the store is opened, its stream_state put back into the schema-6 shape with two rows
 * and the version set back to 6, then opened again. */
TF_TEST(store_sqlite_migration_7_keeps_state)
{
	char path[21], url[64], why[256], got[256] = "";
	TF_CHECK(tf_test_temp_db(path, url));
	tf_store *s = NULL;
	TF_CHECK_EQ_INT(tf_store_open(url, &s, why, sizeof why), TF_OK);
	tf_store_close(s);
	sqlite3 *db;
	TF_CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	TF_CHECK(sqlite3_exec(db,
			      "DROP TABLE stream_state;"
			      "CREATE TABLE stream_state(consumer_group TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL,"
			      " symbol TEXT NOT NULL, state BLOB NOT NULL, PRIMARY KEY(consumer_group, topic, partition, symbol)) WITHOUT ROWID;"
			      "INSERT INTO stream_state VALUES('g','t',0,'',x'01'),('g','t',0,'ETHUSDT',zeroblob(3000));"
			      "DELETE FROM schema_version WHERE version > 6",
			      NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	CHECK_Q(path, "SELECT max(version) FROM schema_version", "6");
	TF_CHECK_EQ_INT(tf_store_open(url, &s, why, sizeof why), TF_OK);
	CHECK_Q(path, "SELECT max(version) FROM schema_version", TF_STR(TF_STORE_SCHEMA_VERSION));
	CHECK_Q(path, "SELECT instr(sql, 'WITHOUT ROWID') FROM sqlite_master WHERE name = 'stream_state'", "0");
	TF_CHECK_EQ_INT(tf_store_load_state(s, "g", "t", 0, collect, got), TF_OK);
	TF_CHECK_EQ_STR(got, "[:1][ETHUSDT:3000]");
	tf_store_close(s);
	tf_test_remove_db(path);
}

/* The puts of a batch are executed at commit in key order (store/sqlite_batch.c): a key written
 * twice in one batch keeps its last value, as sequential upserts would, and an open batch does not
 * hold SQLite's write lock (another connection can write meanwhile). */
TF_TEST(store_sqlite_batch_order_and_lock)
{
	char path[21], url[64], why[256];
	TF_CHECK(tf_test_temp_db(path, url));
	tf_store *s = NULL;
	TF_CHECK_EQ_INT(tf_store_open(url, &s, why, sizeof why), TF_OK);
	tf_tick t;
	memset(&t, 0, sizeof t);
	t.kind = TF_TICK_MINI_TICKER;
	TF_CHECK_EQ_INT(tf_store_begin(s), TF_OK);
	static const char *syms[] = {"ETHUSDT", "BTCUSDT", "ETHUSDT", "ADAUSDT", "BTCUSDT"};
	for (int i = 0; i < 5; i++) {
		snprintf(t.symbol, sizeof t.symbol, "%s", syms[i]);
		t.event_time = 1700000000000 + (i % 2); /* ETHUSDT twice at the same time: 3 wins */
		t.s24.last = 100000000 * (i + 1);
		tf_tick_row tr;
		tf_tick_row_from(&t, &tr);
		TF_CHECK_EQ_INT(tf_store_put_tick(s, &tr), TF_OK);
	}
	tf_candle_row r = candle(1700000000000, 2500000, false);
	TF_CHECK_EQ_INT(tf_store_put_candle(s, &r), TF_OK);
	r = candle(1700000000000, 2600000, true);
	TF_CHECK_EQ_INT(tf_store_put_candle(s, &r), TF_OK);
	TF_CHECK_EQ_INT(tf_store_put_offset(s, "g", "ticks", 0, 5, NULL), TF_OK);
	/* the open batch holds no lock: another writer gets it at once; nothing is written yet */
	sqlite3 *other;
	TF_CHECK_EQ_INT(sqlite3_open(path, &other), SQLITE_OK);
	TF_CHECK_EQ_INT(sqlite3_exec(other, "PRAGMA busy_timeout=0; BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	CHECK_Q(path, "SELECT count(*) FROM ticks", "0");
	TF_CHECK_EQ_INT(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	TF_CHECK_EQ_INT(tf_store_commit(s), TF_OK);
	CHECK_Q(path, "SELECT count(*) FROM ticks", "4");
	CHECK_Q(path, "SELECT last FROM ticks WHERE symbol = 'ETHUSDT'", "3.00000000");
	CHECK_Q(path, "SELECT group_concat(last, ' ') FROM (SELECT last FROM ticks ORDER BY symbol, event_time)",
		"4.00000000 5.00000000 2.00000000 3.00000000");
	CHECK_Q(path, "SELECT close || ' ' || final FROM candles", "0.02600000 1");
	CHECK_Q(path, "SELECT next_offset FROM stream_offsets", "5");
	/* the batch is empty again after a commit */
	TF_CHECK_EQ_INT(tf_store_begin(s), TF_OK);
	TF_CHECK_EQ_INT(tf_store_commit(s), TF_OK);
	CHECK_Q(path, "SELECT count(*) FROM ticks", "4");
	/* retention walks the primary key symbol by symbol (no index on event_time): every symbol's
	 * older ticks go, newer ones and other symbols' stay */
	TF_CHECK_EQ_INT(tf_store_delete_ticks_before(s, 1700000000001), TF_OK);
	CHECK_Q(path, "SELECT group_concat(symbol || '@' || (event_time - 1700000000000), ' ') FROM"
		" (SELECT symbol, event_time FROM ticks ORDER BY symbol, event_time)", "ADAUSDT@1 BTCUSDT@1");
	TF_CHECK_EQ_INT(tf_store_delete_ticks_before(s, 1700000000002), TF_OK);
	CHECK_Q(path, "SELECT count(*) FROM ticks", "0");
	TF_CHECK_EQ_INT(tf_store_delete_ticks_before(s, 1700000000002), TF_OK); /* an empty table */
	tf_store_close(s);
	tf_test_remove_db(path);
}

/* tf_sqb_sort's key order is strcmp order of symbol (then interval), then time, then put order:
 * symbols longer than the key's 16 bytes, common prefixes, bytes above 0x7f, equal keys. */
TF_TEST(store_sqlite_batch_sort_key_order)
{
	static const char *syms[] = {"BTCUSDT", "BTCUSD", "1000SHIBUSDTPERPX", "1000SHIBUSDTPERP", "1000SHIBUSDTPERPA",
				     "1000SHIBUSDTPERPXY", "A", "Z\xc3\xa9", "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ", "ETHBTC"};
	const size_t nsym = sizeof syms / sizeof syms[0];
	tf_sqb b;
	tf_sqb_init(&b);
	for (int round = 0; round < 2; round++) { /* the second batch reuses the order and key memory */
		size_t n = 0;
		for (size_t i = 0; i < 600; i++) {
			tf_tick_row t;
			memset(&t, 0, sizeof t);
			snprintf(t.symbol, sizeof t.symbol, "%s", syms[(i * 7 + (size_t)round) % nsym]);
			t.event_time = 1000 + (int64_t)((i * 13) % 5); /* many equal keys: put order must decide */
			t.last = (tf_dec)i;
			TF_CHECK_EQ_INT(tf_sqb_tick_add(&b, &t), TF_OK);
			tf_candle_row c;
			memset(&c, 0, sizeof c);
			snprintf(c.symbol, sizeof c.symbol, "%s", syms[(i * 3) % nsym]);
			snprintf(c.interval, sizeof c.interval, "%s", i % 3 == 0 ? "1m" : i % 3 == 1 ? "1h" : "15m");
			c.open_time = (int64_t)(i % 4);
			c.updates = (int64_t)i;
			TF_CHECK_EQ_INT(tf_sqb_candle_add(&b, &c), TF_OK);
			n++;
		}
		TF_CHECK_EQ_INT(tf_sqb_sort(&b), TF_OK);
		for (size_t i = 1; i < n; i++) {
			const tf_sqb_tick *p = tf_sqb_tick_at(&b, i - 1), *q = tf_sqb_tick_at(&b, i);
			int c = strcmp(p->row.symbol, q->row.symbol);
			TF_CHECK(c < 0 || (c == 0 && (p->row.event_time < q->row.event_time ||
						      (p->row.event_time == q->row.event_time && p->row.last < q->row.last))));
			const tf_sqb_candle *x = tf_sqb_candle_at(&b, i - 1), *y = tf_sqb_candle_at(&b, i);
			c = strcmp(x->row.symbol, y->row.symbol);
			if (!c)
				c = strcmp(x->row.interval, y->row.interval);
			TF_CHECK(c < 0 || (c == 0 && (x->row.open_time < y->row.open_time ||
						      (x->row.open_time == y->row.open_time && x->row.updates < y->row.updates))));
		}
		/* every row exactly once */
		size_t seen = 0;
		for (size_t i = 0; i < n; i++)
			seen += (size_t)tf_sqb_tick_at(&b, i)->row.last;
		TF_CHECK_EQ_INT((long long)seen, (long long)(n * (n - 1) / 2));
		tf_sqb_reset(&b);
	}
	tf_sqb_free(&b);
}

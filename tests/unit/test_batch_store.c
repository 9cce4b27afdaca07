/* test_batch_store.c — ticker_snapshots through the store in SQLite: exact round trip, latest run,
 * a batch is all or nothing (a failing row rolls the whole batch back), and candles folded into
 * one row per symbol for `report --since`. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch/collect.h"
#include "batch/report_scan.h"
#include "store/snapshots_int.h"
#include "store/store.h"
#include "store_fixture.h"
#include "test.h"

/* A store on a fresh temporary database (store_fixture.h); NULL when it cannot be opened. */
static tf_store *open_tmp(char path[21])
{
	char url[64], why[256];
	tf_store *s = NULL;
	return tf_test_temp_db(path, url) && tf_store_open(url, &s, why, sizeof why) == TF_OK ? s : NULL;
}

TF_TEST(batch_store_snapshots_round_trip_and_atomic)
{
	char path[21];
	tf_store *s = open_tmp(path);
	TF_CHECK(s != NULL);
	if (!s)
		return;
	size_t len = 0;
	char *body = tf_test_read_sample("onchainmonitor_rest_ticker_24hr_ALL_symbols.json", &len);
	TF_CHECK(body != NULL);
	tf_snapshot *rows = NULL;
	size_t n = 0, bad = 0;
	char why[256];
	TF_CHECK_EQ_INT(tf_batch_snapshots_from_body(body, len, &rows, &n, &bad, why, sizeof why), TF_OK);
	TF_CHECK_EQ_INT((int)n, 2519);
	TF_CHECK_EQ_INT((int)bad, 0);
	size_t dead = 0;
	for (size_t i = 0; i < n; i++)
		dead += rows[i].dead;
	TF_CHECK_EQ_INT((int)dead, 1233);
	int64_t latest = 0;
	bool found = true;
	TF_CHECK_EQ_INT(tf_store_latest_run(s, &latest, &found), TF_OK);
	TF_CHECK(!found);
	TF_CHECK_EQ_INT(tf_store_put_snapshots(s, 1000, rows, n), TF_OK);
	/* a batch whose last row collides is rolled back entirely */
	tf_snapshot dup[3] = {rows[0], rows[1], rows[1]};
	TF_CHECK(tf_store_put_snapshots(s, 2000, dup, 3) != TF_OK);
	TF_CHECK_EQ_INT(tf_store_latest_run(s, &latest, &found), TF_OK);
	TF_CHECK(found && latest == 1000);
	tf_snapshot *back = NULL;
	size_t nb = 0;
	TF_CHECK_EQ_INT(tf_store_load_snapshots(s, 2000, &back, &nb), TF_OK);
	TF_CHECK_EQ_INT((int)nb, 0);
	free(back);
	TF_CHECK_EQ_INT(tf_store_load_snapshots(s, 1000, &back, &nb), TF_OK);
	TF_CHECK_EQ_INT((int)nb, 2519);
	/* loads come back ordered by symbol, exactly as stored */
	for (size_t i = 0; i < nb; i++) {
		size_t k = 0;
		while (k < n && strcmp(rows[k].symbol, back[i].symbol))
			k++;
		TF_CHECK(k < n);
		if (k == n)
			break;
		TF_CHECK(back[i].last == rows[k].last && back[i].quote_volume == rows[k].quote_volume &&
			 back[i].open == rows[k].open && back[i].trades == rows[k].trades && back[i].dead == rows[k].dead &&
			 back[i].close_time == rows[k].close_time && !strcmp(back[i].quote, rows[k].quote));
		if (i)
			TF_CHECK(strcmp(back[i - 1].symbol, back[i].symbol) < 0);
	}
	free(back);
	free(rows);
	free(body);
	tf_store_close(s);
	tf_test_remove_db(path);
}

/* tf_report_scan over the real sample: one reader, two readers meeting in the middle, and the
 * whole batch loaded and computed at once give the same report. */
TF_TEST(batch_store_scan_readers_agree)
{
	char path[21];
	tf_store *s = open_tmp(path);
	TF_CHECK(s != NULL);
	if (!s)
		return;
	size_t len = 0, n = 0, bad = 0;
	char *body = tf_test_read_sample("onchainmonitor_rest_ticker_24hr_ALL_symbols.json", &len);
	tf_snapshot *rows = NULL;
	char why[512], url[96];
	TF_CHECK(body && tf_batch_snapshots_from_body(body, len, &rows, &n, &bad, why, sizeof why) == TF_OK);
	TF_CHECK_EQ_INT(tf_store_put_snapshots(s, 1000, rows, n), TF_OK);
	snprintf(url, sizeof url, "sqlite:%s", path);
	tf_snapshot *all = NULL;
	size_t na = 0;
	tf_report_data ref, d[2];
	TF_CHECK_EQ_INT(tf_store_load_snapshots(s, 1000, &all, &na), TF_OK);
	TF_CHECK_EQ_INT(tf_report_compute(all, na, NULL, 1000, 0, &ref, why, sizeof why), TF_OK);
	for (int k = 0; k < 2; k++) {
		tf_report_scan_opts o = {url, 1000, NULL, 0, true, k + 1};
		TF_CHECK_EQ_INT(tf_report_scan(s, &o, &d[k], why, sizeof why), TF_OK);
		TF_CHECK(d[k].n == 2519 && d[k].n_all == 2519 && d[k].ranked == ref.ranked && d[k].dead == ref.dead);
		TF_CHECK(d[k].total_volume_m == ref.total_volume_m && d[k].mean_ret_pct == ref.mean_ret_pct &&
			 d[k].vol_median == ref.vol_median);
		for (size_t i = 0; i < d[k].n_all && i < ref.n_all; i++)
			TF_CHECK(!strcmp(d[k].all[i].symbol, ref.all[i].symbol) && d[k].all[i].last == ref.all[i].last);
		for (int i = 0; i < TF_TOP_N; i++)
			TF_CHECK(!strcmp(d[k].best[i].symbol, ref.best[i].symbol) && !strcmp(d[k].by_vol[i].symbol, ref.by_vol[i].symbol));
		tf_report_data_free(&d[k]);
	}
	/* without every row kept (the HTML report) the scan is brief: trades and dates of the table's
	 * rows and the Top 5s are looked up afterwards and equal the full computation's */
	for (int k = 0; k < 2; k++) {
		tf_report_scan_opts o = {url, 1000, NULL, 50, false, k + 1};
		TF_CHECK_EQ_INT(tf_report_scan(s, &o, &d[k], why, sizeof why), TF_OK);
		TF_CHECK(d[k].n_table == 50 && d[k].n_all == 0 && d[k].ranked == ref.ranked);
		for (size_t i = 0; i < d[k].n_table && i < ref.n_table; i++)
			TF_CHECK(!strcmp(d[k].table[i].symbol, ref.table[i].symbol) && d[k].table[i].trades == ref.table[i].trades &&
				 d[k].table[i].epoch_s == ref.table[i].epoch_s);
		for (int i = 0; i < TF_TOP_N; i++)
			TF_CHECK(!strcmp(d[k].best[i].symbol, ref.best[i].symbol) && d[k].best[i].trades == ref.best[i].trades &&
				 d[k].by_vol[i].epoch_s == ref.by_vol[i].epoch_s && d[k].worst[i].trades == ref.worst[i].trades &&
				 d[k].by_volume[i].epoch_s == ref.by_volume[i].epoch_s);
		TF_CHECK(d[k].table[0].trades > 0 && d[k].table[0].epoch_s > 1500000000);
		tf_report_data_free(&d[k]);
	}
	/* a batch that does not exist */
	tf_report_scan_opts o = {url, 999, NULL, 10, false, 2};
	TF_CHECK_EQ_INT(tf_report_scan(s, &o, &d[0], why, sizeof why), TF_ERR_NOT_FOUND);
	TF_CHECK(strstr(why, "no snapshot with run_ts 999") != NULL);
	tf_report_data_free(&d[0]);
	tf_report_data_free(&ref);
	free(all);
	free(rows);
	free(body);
	tf_store_close(s);
	tf_test_remove_db(path);
}

TF_TEST(batch_store_candle_summary)
{
	char path[21];
	tf_store *s = open_tmp(path);
	TF_CHECK(s != NULL);
	if (!s)
		return;
	const struct {
		const char *sym;
		int64_t t;
		int o, h, l, c, qv;
	} in[] = {{"AUSDT", 60000, 10, 12, 9, 11, 5}, {"AUSDT", 120000, 11, 15, 10, 14, 7}, {"AUSDT", 180000, 14, 14, 8, 9, 1},
		  {"BUSDT", 120000, 3, 3, 3, 3, 2},   {"AUSDT", 0, 99, 99, 99, 99, 99} /* before the window */};
	TF_CHECK_EQ_INT(tf_store_begin(s), TF_OK);
	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
		tf_candle_row r;
		memset(&r, 0, sizeof r);
		snprintf(r.symbol, sizeof r.symbol, "%s", in[i].sym);
		snprintf(r.interval, sizeof r.interval, "1m");
		r.interval_ms = 60000;
		r.open_time = in[i].t;
		r.open = tf_dec_from_int(in[i].o);
		r.high = tf_dec_from_int(in[i].h);
		r.low = tf_dec_from_int(in[i].l);
		r.close = tf_dec_from_int(in[i].c);
		r.quote_volume = tf_dec_from_int(in[i].qv);
		r.updates = 1;
		TF_CHECK_EQ_INT(tf_store_put_candle(s, &r), TF_OK);
	}
	TF_CHECK_EQ_INT(tf_store_commit(s), TF_OK);
	tf_snapshot *rows = NULL;
	size_t n = 0;
	TF_CHECK_EQ_INT(tf_store_load_candle_summary(s, "1m", 60000, 240000, &rows, &n), TF_OK);
	TF_CHECK_EQ_INT((int)n, 2);
	if (n == 2) {
		TF_CHECK_EQ_STR(rows[0].symbol, "AUSDT");
		TF_CHECK(rows[0].open == tf_dec_from_int(10) && rows[0].high == tf_dec_from_int(15) &&
			 rows[0].low == tf_dec_from_int(8) && rows[0].last == tf_dec_from_int(9) &&
			 rows[0].quote_volume == tf_dec_from_int(13) && rows[0].trades == 3 && rows[0].close_time == 180000);
		TF_CHECK(rows[1].open == tf_dec_from_int(3) && rows[1].trades == 1);
	}
	free(rows);
	tf_store_close(s);
	tf_test_remove_db(path);
}

/* The first column of sql's first row as text (caller frees); NULL on error, no row or NULL. */
static char *query_text(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *out = NULL;
	if (sqlite3_open(path, &db) == SQLITE_OK && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

static bool sql_ok(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	bool ok = sqlite3_open(path, &db) == SQLITE_OK && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
	sqlite3_close(db);
	return ok;
}

/* Schema 8 turns ticker_snapshots into a WITHOUT ROWID table: a database at schema 7 (the table
 * in its earlier rowid layout, rebuilt here as migrations 1 and 2 made it) with two batches of the
 * sample keeps every row and value, the key still refuses a duplicate, and reports read it. */
TF_TEST(batch_store_migration_8_keeps_snapshots)
{
	char path[21], url[96], why[512];
	tf_store *s = open_tmp(path);
	TF_CHECK(s != NULL);
	if (!s)
		return;
	snprintf(url, sizeof url, "sqlite:%s", path);
	size_t len = 0, n = 0, bad = 0;
	char *body = tf_test_read_sample("onchainmonitor_rest_ticker_24hr_ALL_symbols.json", &len);
	tf_snapshot *rows = NULL;
	TF_CHECK(body && tf_batch_snapshots_from_body(body, len, &rows, &n, &bad, why, sizeof why) == TF_OK);
	TF_CHECK_EQ_INT(tf_store_put_snapshots(s, 1000, rows, n), TF_OK);
	TF_CHECK_EQ_INT(tf_store_put_snapshots(s, 2000, rows, n), TF_OK);
	tf_store_close(s);
	TF_CHECK(sql_ok(path, "BEGIN;"
			      "CREATE TABLE ts7(run_ts INTEGER NOT NULL, symbol TEXT NOT NULL, open TEXT, high TEXT, low TEXT,"
			      " last TEXT, volume TEXT, quote_volume TEXT, price_change_pct TEXT, trades INTEGER, close_time INTEGER,"
			      " PRIMARY KEY(run_ts, symbol));"
			      "ALTER TABLE ts7 ADD COLUMN dead INTEGER NOT NULL DEFAULT 0;"
			      "ALTER TABLE ts7 ADD COLUMN quote TEXT NOT NULL DEFAULT '';"
			      "INSERT INTO ts7 SELECT run_ts, symbol, open, high, low, last, volume, quote_volume, price_change_pct,"
			      " trades, close_time, dead, quote FROM ticker_snapshots ORDER BY random();"
			      "DROP TABLE ticker_snapshots; ALTER TABLE ts7 RENAME TO ticker_snapshots;"
			      "DELETE FROM schema_version WHERE version >= 8; COMMIT"));
	/* every value of every row (with its type: quote() prints 'text' and bare integers) in key order */
	const char *all = "SELECT group_concat(r, ';') FROM (SELECT quote(run_ts) || quote(symbol) || quote(open) || quote(high)"
			  " || quote(low) || quote(last) || quote(volume) || quote(quote_volume) || quote(price_change_pct) ||"
			  " quote(trades) || quote(close_time) || quote(dead) || quote(quote) AS r FROM ticker_snapshots"
			  " ORDER BY run_ts, symbol)";
	char *before = query_text(path, all);
	TF_CHECK(before != NULL && strlen(before) > 2 * n * 40);
	TF_CHECK(sql_ok(path, "SELECT 1 FROM ticker_snapshots WHERE rowid = 1")); /* a rowid table */
	TF_CHECK_EQ_INT(tf_store_open(url, &s, why, sizeof why), TF_OK);
	char *after = query_text(path, all), *version = query_text(path, "SELECT max(version) FROM schema_version");
	TF_CHECK(before && after && !strcmp(before, after));
	TF_CHECK(!sql_ok(path, "SELECT 1 FROM ticker_snapshots WHERE rowid = 1")); /* WITHOUT ROWID */
	TF_CHECK(!sql_ok(path, "SELECT 1 FROM ticker_snapshots_v8"));
	TF_CHECK(version && strtol(version, NULL, 10) == TF_STORE_SCHEMA_VERSION);
	tf_snapshot dup[2] = {rows[0], rows[0]};
	TF_CHECK(tf_store_put_snapshots(s, 2000, dup, 1) != TF_OK);
	TF_CHECK(tf_store_put_snapshots(s, 3000, dup, 2) != TF_OK);
	int64_t latest = 0;
	bool found = false;
	TF_CHECK_EQ_INT(tf_store_latest_run(s, &latest, &found), TF_OK);
	TF_CHECK(found && latest == 2000);
	tf_report_data d;
	tf_report_scan_opts o = {url, 2000, NULL, 0, false, 2};
	TF_CHECK_EQ_INT(tf_report_scan(s, &o, &d, why, sizeof why), TF_OK);
	TF_CHECK(d.n == n && d.dead == 1233);
	tf_report_data_free(&d);
	tf_store_close(s);
	free(before);
	free(after);
	free(version);
	free(rows);
	free(body);
	tf_test_remove_db(path);
}

/* One line of PostgreSQL's COPY text output into a report row: plain fields, a trailing newline,
 * backslash escapes, \N as NULL (0 or ""), and lines with a field too few or too many. */
TF_TEST(batch_store_copy_line)
{
	tf_store s;
	memset(&s, 0, sizeof s);
	tf_snapshot r;
	char ok[] = "ETHBTC\t0.05000000\t0.05100000\t0.04900000\t0.05050000\t1234.50000000\tBTC\t0\t42\t1700000000000\n";
	TF_CHECK_EQ_INT(tf_snap_copy_row(&s, ok, (int)strlen(ok), false, &r), TF_OK);
	TF_CHECK_EQ_STR(r.symbol, "ETHBTC");
	TF_CHECK_EQ_STR(r.quote, "BTC");
	TF_CHECK(r.open == 5000000 && r.high == 5100000 && r.low == 4900000 && r.last == 5050000);
	TF_CHECK(r.quote_volume == (tf_dec)123450000000 && r.trades == 42 && r.close_time == 1700000000000 && !r.dead);
	char esc[] = "A\\\\B\t\\N\t1.00000000\t2.00000000\t3.00000000\t4.00000000\t\\N\t1\t\\N\t-5";
	TF_CHECK_EQ_INT(tf_snap_copy_row(&s, esc, (int)strlen(esc), false, &r), TF_OK);
	TF_CHECK_EQ_STR(r.symbol, "A\\B");
	TF_CHECK_EQ_STR(r.quote, "");
	TF_CHECK(r.open == 0 && r.high == 100000000 && r.quote_volume == 400000000 && r.trades == 0);
	TF_CHECK(r.close_time == -5 && r.dead);
	char few[] = "A\t1.00000000\t1.00000000\t1.00000000\t1.00000000\t1.00000000\tUSDT\t0\t2";
	TF_CHECK_EQ_INT(tf_snap_copy_row(&s, few, (int)strlen(few), false, &r), TF_ERR_PARSE);
	TF_CHECK(strstr(s.error, "9 fields") != NULL);
	char many[] = "A\t1.00000000\t1.00000000\t1.00000000\t1.00000000\t1.00000000\tUSDT\t1\t2\t0\t9";
	TF_CHECK_EQ_INT(tf_snap_copy_row(&s, many, (int)strlen(many), false, &r), TF_ERR_PARSE);
	TF_CHECK(strstr(s.error, "more than 10 fields") != NULL);
	char bad[] = "A\t1.0x\t1.00000000\t1.00000000\t1.00000000\t1.00000000\tUSDT\t0\t1\t2";
	TF_CHECK_EQ_INT(tf_snap_copy_row(&s, bad, (int)strlen(bad), false, &r), TF_ERR_PARSE);
	TF_CHECK(strstr(s.error, "open") != NULL);
	char empty[] = "";
	TF_CHECK_EQ_INT(tf_snap_copy_row(&s, empty, 0, false, &r), TF_ERR_PARSE);
	/* a brief line ends after dead; trades and close_time are 0 */
	char brief[] = "B\t1.00000000\t2.00000000\t0.50000000\t1.50000000\t9.00000000\tUSDT\t1\n";
	TF_CHECK_EQ_INT(tf_snap_copy_row(&s, brief, (int)strlen(brief), true, &r), TF_OK);
	TF_CHECK(!strcmp(r.symbol, "B") && r.dead && r.trades == 0 && r.close_time == 0 && r.last == 150000000);
	TF_CHECK_EQ_INT(tf_snap_copy_row(&s, few, (int)strlen(few), true, &r), TF_ERR_PARSE); /* 9 fields */
	TF_CHECK(strstr(s.error, "more than 8 fields") != NULL);
}

#!/usr/bin/env bash
# batch_report.sh — `tickflow report` (the HTML file, end to end: process start to file written) over
# a synthetic ticker_snapshots batch of N rows in SQLite and in a PostgreSQL 15 started here on
# loopback, beside DuckDB (@duckdb/node-api) computing the same totals and four Top 5s over the same
# batch exported as CSV and as Parquet (its parse + query timed, export not), in the same run.
# Each measurement is the median of BATCH_BENCH_RUNS (default 3) interleaved rounds. Sizes:
# BATCH_BENCH_ROWS (default "1000000"; "1000000 10000000" for both, ~10 minutes on 2 cores).
# Prints one table per size; ratios are tickflow's time over DuckDB's faster format (lower is better).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/bench_lib.sh
TICKFLOW=${TICKFLOW:-build/tickflow}
SIZES=${BATCH_BENCH_ROWS:-1000000}
RUNS=${BATCH_BENCH_RUNS:-3}
RUN_TS=1700000000000
PGBIN=/usr/lib/postgresql/15/bin
T=$(mktemp -d /tmp/tickflow-bench-batch.XXXXXX)
chmod 755 "$T"
stop_pg() { [[ -d $T/pg/data ]] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$T/pg/data" -m fast -w stop >/dev/null 2>&1 || true; }
trap 'stop_pg; rm -rf "$T"' EXIT

# DuckDB (npm ci first; bench/duckdb/package-lock.json lacks the other platforms' optional bindings,
# so fall back to an install that leaves the lock file alone)
[[ -d bench/duckdb/node_modules/@duckdb/node-api ]] || npm ci --prefix bench/duckdb --no-audit --no-fund --loglevel=error >/dev/null 2>&1 ||
	(cd bench/duckdb && npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error >/dev/null 2>&1)
DUCKDB_VERSION=$(node -p "require('./bench/duckdb/node_modules/@duckdb/node-api/package.json').version")

PGPORT=$(port)
mkdir -p "$T/pg" && chown postgres "$T/pg"
runuser -u postgres -- "$PGBIN/initdb" -D "$T/pg/data" -A trust -U tickflow >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$T/pg/data" -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $T/pg -c fsync=off \
	-c shared_buffers=512MB -c max_wal_size=4GB" -l "$T/pg/log" -w start >/dev/null
PSQL=(psql -X -q -h 127.0.0.1 -p "$PGPORT" -U tickflow)

now() { date +%s%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# best_of_html FILE: the first symbol of the report's "Top 5 best" table
best_of_html() { /usr/bin/python3 -c 'import re,sys; h=open(sys.argv[1]).read(); d=h[h.index("id=\"top-best\""):]; print(re.findall(r"<td[^>]*>([A-Z0-9]+)</td>", d)[1])' "$1"; }

for N in $SIZES; do
	DB=$T/b$N.db
	rm -f "$DB"
	"$TICKFLOW" report --store "sqlite:$DB" --format json >/dev/null 2>&1 || true # creates the schema
	# every 50th symbol dead, every 5th quoted in BTC (not ranked), the rest USDT with spread-out returns
	sqlite3 "$DB" "PRAGMA journal_mode=WAL;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $N),
p(i, o, l) AS (SELECT i, 1 + ((i * 7919) % 1000) / 100.0, 1 + ((i * 7919) % 1000) / 100.0 * (0.9 + ((i * 104729) % 2001) / 10000.0) FROM c)
INSERT INTO ticker_snapshots(run_ts,symbol,open,high,low,last,volume,quote_volume,price_change_pct,trades,close_time,dead,quote)
SELECT $RUN_TS, printf('S%08d%s', i, CASE WHEN i % 5 = 0 THEN 'BTC' ELSE 'USDT' END),
 printf('%.8f', CASE WHEN i % 50 = 0 THEN 0 ELSE o END), printf('%.8f', CASE WHEN i % 50 = 0 THEN 0 ELSE max(o, l) * 1.01 END),
 printf('%.8f', CASE WHEN i % 50 = 0 THEN 0 ELSE min(o, l) * 0.99 END), printf('%.8f', CASE WHEN i % 50 = 0 THEN 0 ELSE l END),
 printf('%.8f', (i * 31337) % 1000000 / 3.0), printf('%.8f', CASE WHEN i % 50 = 0 THEN 0 ELSE (i * 31337) % 1000000 END),
 '0.00000000', CASE WHEN i % 50 = 0 THEN 0 ELSE 100 END, 1700000000000, i % 50 = 0,
 CASE WHEN i % 5 = 0 THEN 'BTC' ELSE 'USDT' END FROM p;" >/dev/null
	# the same batch: all columns for PostgreSQL, the report's columns for DuckDB (CSV and Parquet)
	sqlite3 -csv "$DB" "SELECT run_ts,symbol,open,high,low,last,volume,quote_volume,price_change_pct,trades,close_time,dead,quote
		FROM ticker_snapshots WHERE run_ts=$RUN_TS" >"$T/all.csv"
	e0=$(now)
	sqlite3 -header -csv "$DB" "SELECT symbol, open, high, low, last, quote_volume, dead, quote FROM ticker_snapshots
		WHERE run_ts=$RUN_TS" >"$T/b.csv"
	e1=$(now)
	node bench/batch_duckdb.mjs parquet "$T/b.csv" "$T/b.parquet"
	e2=$(now)
	"${PSQL[@]}" -d postgres -c "CREATE DATABASE b$N"
	URL="postgresql://tickflow@127.0.0.1:$PGPORT/b$N"
	"$TICKFLOW" report --store "$URL" --format json >/dev/null 2>&1 || true # creates the schema
	"${PSQL[@]}" -d "b$N" -c "\\copy ticker_snapshots(run_ts,symbol,open,high,low,last,volume,quote_volume,price_change_pct,trades,close_time,dead,quote) FROM '$T/all.csv' WITH (FORMAT csv)" \
		-c "VACUUM ANALYZE ticker_snapshots"
	rm -f "$T/all.csv"
	: >"$T/sq.ms" && : >"$T/pg.ms" && : >"$T/csv.ms" && : >"$T/pq.ms"
	for ((r = 0; r < RUNS; r++)); do
		rm -rf "$T/rep"
		t0=$(now)
		sq_html=$("$TICKFLOW" report --store "sqlite:$DB" --out "$T/rep/sq" 2>/dev/null)
		t1=$(now)
		pg_html=$("$TICKFLOW" report --store "$URL" --out "$T/rep/pg" 2>/dev/null)
		t2=$(now)
		echo $(((t1 - t0) / 1000000)) >>"$T/sq.ms"
		echo $(((t2 - t1) / 1000000)) >>"$T/pg.ms"
		node bench/batch_duckdb.mjs run USDT "$T/b.csv" "$T/b.parquet" >"$T/dk.out"
		awk '$1 == "csv" { printf "%d\n", $2 * 1000 }' "$T/dk.out" >>"$T/csv.ms"
		awk '$1 == "parquet" { printf "%d\n", $2 * 1000 }' "$T/dk.out" >>"$T/pq.ms"
	done
	# all of them agree on the best symbol and on how many pairs are ranked
	best=$(best_of_html "$sq_html")
	[[ $(best_of_html "$pg_html") == "$best" ]] || { echo "batch bench: SQLite and PostgreSQL reports disagree" >&2; exit 1; }
	awk -v b="$best" '$6 != b { exit 1 }' "$T/dk.out" || { echo "batch bench: DuckDB's best differs from $best" >&2; cat "$T/dk.out" >&2; exit 1; }
	ranked=$(awk '{ print $4; exit }' "$T/dk.out")
	grep -q "of $ranked live USDT pairs" "$sq_html" || { echo "batch bench: ranked pairs differ from DuckDB's $ranked" >&2; exit 1; }
	sq=$(median <"$T/sq.ms") pg=$(median <"$T/pg.ms") csv=$(median <"$T/csv.ms") pq=$(median <"$T/pq.ms")
	dk=$((csv < pq ? csv : pq))
	printf '\nbatch report over %d snapshot rows (%d ranked), median of %d rounds, %d cores\n' "$N" "$ranked" "$RUNS" "$(nproc)"
	printf '%-52s %10s %8s\n' "measurement" "ms" "ratio"
	printf '%-52s %10d %8.2f\n' "tickflow report, SQLite (HTML file, end to end)" "$sq" "$(ratio "$sq" "$dk")"
	printf '%-52s %10d %8.2f\n' "tickflow report, PostgreSQL (HTML file, end to end)" "$pg" "$(ratio "$pg" "$dk")"
	printf '%-52s %10d %8.2f\n' "DuckDB $DUCKDB_VERSION from CSV" "$csv" "$(ratio "$csv" "$dk")"
	printf '%-52s %10d %8.2f\n' "DuckDB $DUCKDB_VERSION from Parquet (DECIMAL(38,8))" "$pq" "$(ratio "$pq" "$dk")"
	printf '%-52s %10d %8s\n' "(not timed above: export SQLite -> CSV, sqlite3 CLI)" $(((e1 - e0) / 1000000)) ""
	printf '%-52s %10d %8s\n' "(not timed above: CSV -> Parquet, DuckDB)" $(((e2 - e1) / 1000000)) ""
	rm -f "$DB" "$DB-wal" "$DB-shm" "$T/b.csv" "$T/b.parquet"
	"${PSQL[@]}" -d postgres -c "DROP DATABASE b$N"
done

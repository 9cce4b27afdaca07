#!/usr/bin/env bash
# batch_report.sh — `tickflow report` over a synthetic ticker_snapshots batch of N rows in SQLite
# (default 1,000,000; BATCH_BENCH_ROWS=10000000 for the larger run), beside the sqlite3 CLI
# computing the same totals and four Top 5s with plain SQL over the same file, in the same run.
# Prints one table; the ratio is tickflow's time over sqlite3's (lower is better).
set -euo pipefail
cd "$(dirname "$0")/.."
TICKFLOW=${TICKFLOW:-build/tickflow}
N=${BATCH_BENCH_ROWS:-1000000}
T=$(mktemp -d /tmp/tickflow-bench-batch.XXXXXX)
trap 'rm -rf "$T"' EXIT
DB=$T/b.db
"$TICKFLOW" report --store "sqlite:$DB" --format json >/dev/null 2>&1 || true # creates the schema
sqlite3 "$DB" "PRAGMA journal_mode=WAL;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $N),
p(i, o, l) AS (SELECT i, 1 + ((i * 7919) % 1000) / 100.0, 1 + ((i * 7919) % 1000) / 100.0 * (0.9 + ((i * 104729) % 2001) / 10000.0) FROM c)
INSERT INTO ticker_snapshots(run_ts,symbol,open,high,low,last,volume,quote_volume,price_change_pct,trades,close_time,dead,quote)
SELECT 1700000000000, printf('S%08d%s', i, CASE WHEN i % 5 = 0 THEN 'BTC' ELSE 'USDT' END),
 printf('%.8f', CASE WHEN i % 50 = 0 THEN 0 ELSE o END), printf('%.8f', CASE WHEN i % 50 = 0 THEN 0 ELSE max(o, l) * 1.01 END),
 printf('%.8f', CASE WHEN i % 50 = 0 THEN 0 ELSE min(o, l) * 0.99 END), printf('%.8f', CASE WHEN i % 50 = 0 THEN 0 ELSE l END),
 printf('%.8f', (i * 31337) % 1000000 / 3.0), printf('%.8f', CASE WHEN i % 50 = 0 THEN 0 ELSE (i * 31337) % 1000000 END),
 '0.00000000', CASE WHEN i % 50 = 0 THEN 0 ELSE 100 END, 1700000000000, i % 50 = 0,
 CASE WHEN i % 5 = 0 THEN 'BTC' ELSE 'USDT' END FROM p;" >/dev/null

now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }
t0=$(now); "$TICKFLOW" report --store "sqlite:$DB" --format json >"$T/r.json"; t1=$(now)
"$TICKFLOW" report --store "sqlite:$DB" --out "$T/rep" >/dev/null; t2=$(now)
F() { echo "CAST($1 AS REAL)"; }
R="run_ts=1700000000000 AND dead=0 AND quote='USDT'"
RET="($(F last)-$(F open))/$(F open)*100"
VOL="($(F high)-$(F low))/(($(F high)+$(F low))/2)*100"
t3=$(now)
sqlite3 "$DB" "SELECT count(*), sum(dead) FROM ticker_snapshots WHERE run_ts=1700000000000;
SELECT count(*), sum($(F quote_volume))/1e6, avg(CASE WHEN $(F open)<>0 THEN $RET END), avg($VOL) FROM ticker_snapshots WHERE $R;
SELECT symbol FROM ticker_snapshots WHERE $R AND $(F open)<>0 ORDER BY $RET DESC, symbol LIMIT 5;
SELECT symbol FROM ticker_snapshots WHERE $R AND $(F open)<>0 ORDER BY $RET ASC, symbol LIMIT 5;
SELECT symbol FROM ticker_snapshots WHERE $R ORDER BY $(F quote_volume) DESC, symbol LIMIT 5;
SELECT symbol FROM ticker_snapshots WHERE $R ORDER BY $VOL DESC, symbol LIMIT 5;" >"$T/sql.txt"
t4=$(now)
# DuckDB over the same batch exported as CSV (when its npm package can be installed)
dk=""
# (npm ci first; bench/duckdb/package-lock.json lacks the other platforms' optional bindings, so
# fall back to an install that leaves the lock file alone)
if [[ -d bench/duckdb/node_modules/@duckdb/node-api ]] || npm ci --prefix bench/duckdb --no-audit --no-fund --loglevel=error >/dev/null 2>&1 ||
	(cd bench/duckdb && npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error >/dev/null 2>&1); then
	sqlite3 -header -csv "$DB" "SELECT symbol, open, high, low, last, quote_volume, dead, quote FROM ticker_snapshots WHERE run_ts=1700000000000" >"$T/b.csv"
	read -r _ dk_s _ dk_n _ dk_best < <(node bench/batch_duckdb.mjs "$T/b.csv" USDT)
	dk=$(awk -v s="$dk_s" 'BEGIN { printf "%d", s * 1000 }')
fi
# the two agree (first best symbol)
best=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["top"]["best"][0]["symbol"])' "$T/r.json")
sed -n 3p "$T/sql.txt" | grep -qx "$best" || { echo "batch bench: tickflow and sqlite3 disagree on the best symbol" >&2; exit 1; }
printf '\nbatch report over %d snapshot rows (SQLite)\n' "$N"
printf '%-44s %10s\n' "measurement" "ms"
printf '%-44s %10d\n' "tickflow report (HTML file, end to end)" "$(ms "$t1" "$t2")"
printf '%-44s %10d\n' "tickflow report --format json (all rows out)" "$(ms "$t0" "$t1")"
printf '%-44s %10d\n' "sqlite3 CLI: same totals + 4 Top 5s" "$(ms "$t3" "$t4")"
if [[ -n $dk ]]; then
	[[ $dk_best == "$best" ]] || echo "note: DuckDB's best symbol $dk_best differs from tickflow's $best"
	printf '%-44s %10d\n' "DuckDB $(node -p "require('./bench/duckdb/node_modules/@duckdb/node-api/package.json').version") from CSV ($(nproc) threads)" "$dk"
	printf '%-44s %10.2f\n' "ratio tickflow HTML / DuckDB (lower=better)" "$(echo "scale=2; $(ms "$t1" "$t2") / $dk" | bc)"
fi
printf '%-44s %10.2f\n' "ratio tickflow HTML / sqlite3 (lower=better)" "$(echo "scale=2; $(ms "$t1" "$t2") / $(ms "$t3" "$t4")" | bc)"

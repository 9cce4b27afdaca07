#!/usr/bin/env bash
# api_wrk.sh — HTTP API throughput and latency of `tickflow serve` measured with wrk, beside the time
# the underlying SQL takes in the database's own client (the in-run peer), on SQLite and PostgreSQL.
#
# Data: 1,000,000 generated miniTicker records for 2,000 symbols spanning ~2.8 hours of event time
# (tests/integration/stream/gen.py, ~3 ticks per symbol and minute) produced into `tickflow broker` and
# consumed by `tickflow stream` into a SQLite store and into a PostgreSQL 15 store (server started here
# on loopback, fsync off): ~330,000 1m candles, plus 5m and 1h.
# Endpoints: /api/candles?symbol=S1000USDT&interval=1m&limit=500 (the newest 500 candles of one symbol)
# and /api/top?by=volume&n=5&period=24h (statistics of every symbol over the whole store, then sorted).
# wrk runs twice per endpoint and store: 1 connection (the per-request time, nothing queued) and 32
# connections (throughput). The peer column is the same SQL (the statements of src/store/query_sqlite.c
# and query_pg.c, parameters filled in) timed in the database's own client: psql's \timing, and the
# sqlite3 CLI (see sqlite_ms: .timer's 1 ms resolution is too coarse for the candles query), median of
# API_WRK_QUERY_RUNS runs (default 9). ratio = HTTP p50 at 1 connection / raw query median: what HTTP,
# JSON and the event loop add on top of the database.
# Env: OUT (build dir, default build), API_WRK_RECORDS (default 1000000), API_WRK_SECONDS (per wrk run,
# default 5), API_WRK_QUERY_RUNS.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-build}
TICKFLOW=$PWD/$OUT/tickflow
D=$PWD/tests/integration/stream
PY=/usr/bin/python3
N=${API_WRK_RECORDS:-1000000}
SECS=${API_WRK_SECONDS:-5}
RUNS=${API_WRK_QUERY_RUNS:-9}
PGBIN=/usr/lib/postgresql/15/bin
for t in wrk sqlite3 psql cc; do command -v $t >/dev/null || { echo "api_wrk: $t missing (scripts/deps.sh installs it)" >&2; exit 1; }; done
[[ -x $TICKFLOW ]] || { echo "api_wrk: build $TICKFLOW first (make bench-build)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/tickflow-bench-api.XXXXXX)
chmod 755 "$tmp"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	[[ -d $tmp/pg/data ]] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$tmp/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
source bench/lib/bench_lib.sh
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

# ---- data: broker, PostgreSQL, generated records, stream into both stores ----
cc -std=c11 -D_GNU_SOURCE -O2 -o "$tmp/produce" "$D/produce.c" -lrdkafka
BPORT=$(port)
"$TICKFLOW" broker --listen 127.0.0.1:$BPORT --data-dir "$tmp/broker" --partitions 4 --retention 0s 2>"$tmp/broker.log" &
pids+=($!)
PGPORT=$(port)
mkdir -p "$tmp/pg" && chown postgres "$tmp/pg"
runuser -u postgres -- "$PGBIN/initdb" -D "$tmp/pg/data" -A trust -U tickflow >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$tmp/pg/data" -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $tmp/pg -c fsync=off" \
	-l "$tmp/pg/log" -w start >/dev/null
PGURL=postgresql://tickflow@127.0.0.1:$PGPORT/bench
psql -X -q -h 127.0.0.1 -p "$PGPORT" -U tickflow -d postgres -c "CREATE DATABASE bench"
wait_port "$BPORT"
$PY "$D/gen.py" "$N" 2000 4 11 20 >"$tmp/rec.tsv"
"$tmp/produce" 127.0.0.1:$BPORT ticks <"$tmp/rec.tsv" >/dev/null
rm "$tmp/rec.tsv"
fill() { # STORE GROUP
	local t0=$SECONDS
	"$TICKFLOW" stream --brokers 127.0.0.1:$BPORT --store "$1" --group "$2" --exit-idle 2s 2>"$tmp/$2.log"
	echo "  stream into $1: $(grep -o 'stopped after [0-9]* records' "$tmp/$2.log" | tail -1), $((SECONDS - t0)) s" >&2
}
echo "filling the stores ($N records, 2,000 symbols)..." >&2
fill "sqlite:$tmp/store.db" gs
fill "$PGURL" gp
psql -X -q -h 127.0.0.1 -p "$PGPORT" -U tickflow -d bench -c "VACUUM ANALYZE"
sqlite3 "$tmp/store.db" "ANALYZE"

# ---- the SQL under each endpoint, parameters filled in ----
SYM=S1000USDT
latest=$(sqlite3 "$tmp/store.db" "SELECT max(open_time) FROM candles WHERE interval = '1m'")
from=$((latest + 60000 - 86400000))
COLS="symbol, interval, open_time, open, high, low, close, volume, updates, final, ma7, ma25, ret, rel_volatility, change_24h_pct"
SQ_CANDLES="SELECT * FROM (SELECT $COLS FROM candles WHERE symbol = '$SYM' AND interval = '1m' AND open_time >= 0 AND open_time < 9223372036854775807 ORDER BY open_time DESC LIMIT 500) ORDER BY open_time;"
SQ_TOP="SELECT max(open_time) FROM candles WHERE interval = '1m';
WITH a AS (SELECT symbol, count(*) n, min(open_time) t0, max(open_time) t1, avg(CAST(close AS REAL)) ac, max(CAST(high AS REAL)) mh, min(CAST(low AS REAL)) ml, avg(rel_volatility) arv, sum(CAST(volume AS REAL)) vol FROM candles WHERE interval = '1m' AND open_time >= $from GROUP BY symbol) SELECT a.symbol, n, t0, t1, (SELECT CAST(open AS REAL) FROM candles c WHERE c.symbol = a.symbol AND c.interval = '1m' AND c.open_time = a.t0), (SELECT CAST(close AS REAL) FROM candles c WHERE c.symbol = a.symbol AND c.interval = '1m' AND c.open_time = a.t1), ac, mh, ml, arv, vol FROM a ORDER BY a.symbol;"
PG_COLS=${COLS/interval/\"interval\"}
PG_CANDLES="SELECT * FROM (SELECT $PG_COLS FROM candles WHERE symbol = '$SYM' AND \"interval\" = '1m' AND open_time >= 0 AND open_time < 9223372036854775807 ORDER BY open_time DESC LIMIT 500) x ORDER BY open_time;"
PG_TOP="SELECT max(open_time) FROM candles WHERE \"interval\" = '1m';
WITH a AS (SELECT symbol, count(*) n, min(open_time) t0, max(open_time) t1, avg(close::float8) ac, max(high::float8) mh, min(low::float8) ml, avg(rel_volatility) arv, sum(volume::float8) vol FROM candles WHERE \"interval\" = '1m' AND open_time >= $from::bigint GROUP BY symbol) SELECT a.symbol, n, t0, t1, (SELECT open::float8 FROM candles c WHERE c.symbol = a.symbol AND c.\"interval\" = '1m' AND c.open_time = a.t0), (SELECT close::float8 FROM candles c WHERE c.symbol = a.symbol AND c.\"interval\" = '1m' AND c.open_time = a.t1), ac, mh, ml, arv, vol FROM a ORDER BY a.symbol;"

# median_ms: the median of the per-run totals on stdin ("run TOTAL_MS" lines).
median_ms() { sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", NR ? v[int((NR + 1) / 2)] : 0 }'; }
# sqlite_ms SQL: SQL's time in the sqlite3 CLI, rows written to /dev/null. The CLI's .timer prints whole
# milliseconds and the candles query takes a fraction of one, so .timer only calibrates: each of RUNS
# samples times one CLI call running SQL K times (K: about 50 ms of work) minus one running "SELECT 1;"
# K times, divided by K. Prints the median sample.
sqlite_ms() {
	local est k t0 t1 t2
	est=$(printf '%s\n' "$1" | sqlite3 -cmd ".timer on" -cmd ".output /dev/null" "$tmp/store.db" 2>&1 |
		awk '/^Run Time: real/ { s += $4 * 1000 } END { print s + 0 }')
	k=$(awk -v e="$est" 'BEGIN { k = e >= 1 ? int(50 / e) + 1 : 200; print (k > 200 ? 200 : k) }')
	: >"$tmp/q.sql" && : >"$tmp/base.sql"
	for _ in $(seq "$k"); do printf '%s\n' "$1" >>"$tmp/q.sql"; echo "SELECT 1;" >>"$tmp/base.sql"; done
	for _ in $(seq "$RUNS"); do
		t0=$(date +%s%N)
		sqlite3 -cmd ".output /dev/null" "$tmp/store.db" <"$tmp/q.sql"
		t1=$(date +%s%N)
		sqlite3 -cmd ".output /dev/null" "$tmp/store.db" <"$tmp/base.sql"
		t2=$(date +%s%N)
		echo $(((t1 - t0) - (t2 - t1))) $k
	done | awk '{ print $1 / $2 / 1e6 }' | median_ms
}
# pg_ms SQL: the same with psql's \timing (client round trip, rows fetched and discarded).
pg_ms() {
	local n_stmt
	n_stmt=$(grep -o ';' <<<"$1" | wc -l)
	{ echo '\timing on'; echo '\o /dev/null'; for _ in $(seq "$RUNS"); do printf '%s\n' "$1"; done; } |
		psql -X -q -h 127.0.0.1 -p "$PGPORT" -U tickflow -d bench 2>&1 |
		awk -v k="$n_stmt" '/^Time: / { s += $2; if (++i % k == 0) { print s; s = 0 } }' | median_ms
}

# ---- serve on each store, wrk against each endpoint ----
SQ_PORT=$(port) PG_PORT=$(port)
"$TICKFLOW" serve --store "sqlite:$tmp/store.db" --http 127.0.0.1:$SQ_PORT 2>"$tmp/serve_sq.log" &
pids+=($!)
"$TICKFLOW" serve --store "$PGURL" --http 127.0.0.1:$PG_PORT 2>"$tmp/serve_pg.log" &
pids+=($!)
wait_port "$SQ_PORT" && wait_port "$PG_PORT" || { echo "api_wrk: serve did not start" >&2; exit 1; }
for p in $SQ_PORT $PG_PORT; do # the endpoints answer with data before anything is measured
	curl -sf "http://127.0.0.1:$p/api/candles?symbol=$SYM&limit=500" | grep -q '"count":[1-9]' || { echo "api_wrk: no candles on port $p" >&2; exit 1; }
done

# wrk_run CONNS URL: "req/s p50_ms p99_ms errors" (wrk --latency; errors = socket errors + non-2xx).
wrk_run() {
	local o
	o=$(wrk -t"$(($1 < 2 ? 1 : 2))" -c"$1" -d"${SECS}s" --timeout 10s --latency "$2")
	$PY - "$o" <<'PYEND'
import re, sys
o = sys.argv[1]
def ms(s):
    v, u = re.match(r"([\d.]+)(us|ms|s)", s).groups()
    return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[u]
p = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", o, re.M))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", o).group(1))
errs = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", o))
m = re.search(r"Non-2xx or 3xx responses: (\d+)", o)
errs += int(m.group(1)) if m else 0
print(f"{rps:.0f} {ms(p['50']):.2f} {ms(p['99']):.2f} {errs}")
PYEND
}

echo
echo "serve HTTP API on $(nproc) cores, $N records / 2,000 symbols / $(sqlite3 "$tmp/store.db" "SELECT count(*) FROM candles WHERE interval = '1m'") 1m candles; wrk ${SECS} s per run"
echo
echo "| endpoint | store | 1 conn: req/s | 1 conn: p50 / p99 ms | 32 conn: req/s | 32 conn: p50 / p99 ms | raw query (peer client) | ratio p50 / raw |"
echo "|---|---|---|---|---|---|---|---|"
row() { # NAME STORE PORT PATH RAW_MS PEER
	local ar ap50 ap99 ae br bp50 bp99 be
	read -r ar ap50 ap99 ae < <(wrk_run 1 "http://127.0.0.1:$3$4")
	read -r br bp50 bp99 be < <(wrk_run 32 "http://127.0.0.1:$3$4")
	local errs=""
	((ae + be)) && errs=" ($((ae + be)) errors)"
	echo "| $1 | $2 | $ar | $ap50 / $ap99 | $br | $bp50 / $bp99$errs | $5 ms ($6) | $($PY -c "import sys; a, r = map(float, sys.argv[1:]); print(f'{a / r:.2f}x' if r else '-')" "$ap50" "$5") |"
}
CANDLES="/api/candles?symbol=$SYM&interval=1m&limit=500"
TOP="/api/top?by=volume&n=5&period=24h"
row candles SQLite $SQ_PORT "$CANDLES" "$(sqlite_ms "$SQ_CANDLES")" "sqlite3 CLI"
row candles PostgreSQL $PG_PORT "$CANDLES" "$(pg_ms "$PG_CANDLES")" "psql \\timing"
row top SQLite $SQ_PORT "$TOP" "$(sqlite_ms "$SQ_TOP")" "sqlite3 CLI"
row top PostgreSQL $PG_PORT "$TOP" "$(pg_ms "$PG_TOP")" "psql \\timing"
# poll PORT: serve's own store poll duration (gauge of the last one), sampled 10 times over 3 s: "median / max".
poll() {
	for _ in $(seq 10); do
		curl -sf "http://127.0.0.1:$1/metrics" | awk '$1 == "tickflow_store_poll_seconds" { print $2 * 1000 }'
		sleep 0.3
	done | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f / %.1f ms", v[int((NR + 1) / 2)], v[NR] }'
}
echo
echo "serve's own store poll for live updates (every 250 ms, on the same loop as requests, so it shows in the"
echo "p99), median / max of 10 samples: $(poll $SQ_PORT) on SQLite, $(poll $PG_PORT) on PostgreSQL."
echo "serve answers on one event-loop thread, so 32 connections queue behind each other: their p50 is about"
echo "32 x the per-request time, and req/s is what one core gives. The peer column is the database alone."

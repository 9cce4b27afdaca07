#!/usr/bin/env bash
# sse_delay.sh — does a slow store query hold up live events? The delivery delay of SSE events of
# `tickflow serve --brokers` (bench/sse_delay.py: a candle produced every 20 ms to the live-bus topic,
# delay = arrival at an SSE client - the wall clock written into it), first idle, then while wrk
# hammers /api/top (statistics over every symbol's last hour: 120,000 1m candles) with 8 connections.
#
# Store: SQLite, 2,000 symbols x 500 1m candles (1,000,000 rows) + their 5m and 1h candles, written by
# SQL straight into a schema the binary created (the numbers are synthetic; the shape and row counts
# are what the queries feel). serve polls the 5m and 1h candles from the store (the bus carries 1m).
#
# usage: bench/sse_delay.sh [NAME=TICKFLOW_BINARY ...]   (default: now=build/tickflow)
# Compare two builds, older first (an older binary refuses a store migrated by a newer one; each run
# gets a fresh copy made by the first binary):  bench/sse_delay.sh before=/tmp/old/tickflow after=build/tickflow
# Env: SSE_DELAY_SECONDS (per phase, default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/bench_lib.sh
SECS=${SSE_DELAY_SECONDS:-10}
PY=/usr/bin/python3
for t in wrk kcat sqlite3 curl; do command -v $t >/dev/null || { echo "sse_delay: $t missing (scripts/deps.sh installs it)" >&2; exit 1; }; done
(($#)) || set -- "now=build/tickflow"
tmp=$(mktemp -d /tmp/tickflow-bench-sse.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
wait_http() { for _ in $(seq 100); do curl -sf "$1/healthz" >/dev/null && return 0; sleep 0.1; done; echo "sse_delay: serve did not start" >&2; exit 1; }

# the store, once, with the schema of the first binary
first=${1#*=}
HP=$(port)
"$first" serve --store "sqlite:$tmp/base.db" --http 127.0.0.1:$HP >/dev/null 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$HP"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
sqlite3 "$tmp/base.db" >/dev/null <<'SQL'
WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 1999),
m(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM m WHERE j < 499)
INSERT INTO candles(symbol, interval, open_time, open, high, low, close, volume, quote_volume, updates, final,
                    volume_approx, spread, mid, ret, rel_volatility)
SELECT printf('S%04dUSDT', i), '1m', 1700000000000 + j * 60000, printf('%d.00000000', 100 + i % 50),
       printf('%d.50000000', 101 + i % 50), printf('%d.25000000', 99 + i % 50), printf('%d.%08d', 100 + (i + j) % 50, j),
       printf('%d.00000000', 1000 + j), '0.00000000', 3, 1, 0, '0.01000000', 100.0, 0.001 * ((i + j) % 7 - 3), 0.01 * (i % 13)
FROM s, m;
INSERT INTO candles(symbol, interval, open_time, open, high, low, close, volume, quote_volume, updates, final,
                    volume_approx, spread, mid, ret, rel_volatility)
SELECT symbol, '5m', open_time - (open_time - 1700000000000) % 300000, min(open), max(high), min(low), max(close),
       printf('%d.00000000', count(*)), '0.00000000', count(*), 1, 0, '0.01000000', 100.0, 0.0, avg(rel_volatility)
FROM candles WHERE interval = '1m' GROUP BY symbol, open_time - (open_time - 1700000000000) % 300000;
INSERT INTO candles(symbol, interval, open_time, open, high, low, close, volume, quote_volume, updates, final,
                    volume_approx, spread, mid, ret, rel_volatility)
SELECT symbol, '1h', open_time - (open_time - 1700000000000) % 3600000, min(open), max(high), min(low), max(close),
       printf('%d.00000000', count(*)), '0.00000000', count(*), 1, 0, '0.01000000', 100.0, 0.0, avg(rel_volatility)
FROM candles WHERE interval = '1m' GROUP BY symbol, open_time - (open_time - 1700000000000) % 3600000;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
echo "store: $(sqlite3 "$tmp/base.db" "SELECT count(*) FROM candles") candles (2,000 symbols)"

BP=$(port)
"${first}" broker --listen 127.0.0.1:$BP --data-dir "$tmp/broker" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$BP) 2>/dev/null && break; sleep 0.1; done
printf 'BENCHUSDT\t{}\n' | kcat -P -b 127.0.0.1:$BP -t candles.1m -K $'\t' # the topic exists before serve starts

printf '%-8s %-22s %9s %9s %9s %9s %12s\n' build phase events p50_ms p99_ms max_ms top_req/s
for run in "$@"; do
	name=${run%%=*} bin=${run#*=}
	cp "$tmp/base.db" "$tmp/$name.db"
	HP=$(port)
	U=http://127.0.0.1:$HP
	"$bin" serve --store "sqlite:$tmp/$name.db" --http 127.0.0.1:$HP --brokers 127.0.0.1:$BP >"$tmp/$name.log" 2>&1 &
	spid=$!
	pids+=($spid)
	wait_http "$U"
	sleep 2 # the bus consumer assigns its partitions
	read -r n p50 p99 mx < <($PY bench/sse_delay.py "$U" 127.0.0.1:$BP "$SECS")
	printf '%-8s %-22s %9s %9s %9s %9s %12s\n' "$name" idle "$n" "$p50" "$p99" "$mx" -
	read -r n p50 p99 mx < <($PY bench/sse_delay.py "$U" 127.0.0.1:$BP "$SECS" \
		sh -c "exec wrk -t 2 -c 8 -d $((SECS + 1))s '$U/api/top?by=volume&n=5&period=1h&interval=1m' >'$tmp/wrk.txt' 2>&1")
	rps=$(awk '/Requests\/sec/ { print $2 }' "$tmp/wrk.txt")
	non2xx=$(awk '/Non-2xx/ { print $NF }' "$tmp/wrk.txt")
	printf '%-8s %-22s %9s %9s %9s %9s %12s\n' "$name" "/api/top x8 conns" "$n" "$p50" "$p99" "$mx" "$rps${non2xx:+ ($non2xx non-2xx)}"
	kill $spid; wait $spid 2>/dev/null || true
	grep -E "warn|error" "$tmp/$name.log" | sed "s/^/  $name log: /" | head -5 || true
done

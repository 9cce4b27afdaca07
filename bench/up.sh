#!/usr/bin/env bash
# up.sh — `tickflow up` end to end on this machine, all embedded defaults (simulator, broker,
# stream into SQLite, dashboard):
#  1. start-up: seconds from launch to the first candle served by the dashboard's API;
#  2. 2,000 symbols at Binance's pace (every changed symbol once a second) for UP_BENCH_SECONDS
#     (default 600, the issue's 10 minutes): records/s stored vs records/s the exchange sent (the
#     ratio is the share kept up with), the newest stored tick's age at the start and end of the
#     window (flat = no growing lag), and resident memory (VmRSS, VmHWM) at the end;
#  3. the same at 100,000 records/s (--rate) for UP_BENCH_LOAD_SECONDS (default 60).
# Published anchors (not measured here): Kafka 821,557 rec/s (100 B, 1 producer, 3 brokers, 2014);
# Spark Structured Streaming micro-batch latency ~100 ms; Streamlit's usual 5 s refresh.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-build}
TICKFLOW=$PWD/$OUT/tickflow
SECS=${UP_BENCH_SECONDS:-600}
LOAD_SECS=${UP_BENCH_LOAD_SECONDS:-60}
PY=/usr/bin/python3
tmp=$(mktemp -d /tmp/tickflow-bench-up.XXXXXX)
pid= runs=0
cleanup() {
	[[ -n $pid ]] && kill -INT "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
source bench/lib/bench_lib.sh

# sql QUERY: one value from the store.
sql() { sqlite3 -cmd ".timeout 5000" "$tmp/data/tickflow.db" "$1"; }
# age_s: seconds between now and the newest stored tick's event time.
age_s() { $PY -c "import time,sys; print(f'{time.time() - int(sys.argv[1]) / 1000:.2f}')" "$(sql 'SELECT max(event_time) FROM ticks')"; }
# sent: records the exchange has sent (its log line counts messages, not records; the broker's log is
# exact: the sum of the ticks partitions' end offsets).
sent() { kcat -Q -b "127.0.0.1:$BR" -t ticks:0:-1 -t ticks:1:-1 -t ticks:2:-1 -t ticks:3:-1 2>/dev/null |
	awk '{ s += $NF } END { print s + 0 }'; }
# rss KEY: kB of VmRSS / VmHWM of up.
rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/status"; }

# run_up NAME SECONDS ARGS...: starts up, measures, stops it; prints one table row.
run_up() {
	local name=$1 secs=$2 log
	shift 2
	log=$tmp/run$((++runs))
	rm -rf "$tmp/data"
	HTTP=$(port) EX=$(port) BR=$(port)
	local t0
	t0=$($PY -c 'import time; print(time.time())')
	"$TICKFLOW" up --data-dir "$tmp/data" --http "127.0.0.1:$HTTP" --exchange-listen "127.0.0.1:$EX" \
		--broker-listen "127.0.0.1:$BR" --status-every 0s "$@" >"$log.out" 2>"$log.log" &
	pid=$!
	until curl -sf "http://127.0.0.1:$HTTP/api/candles?symbol=BTCUSDT&interval=1m&limit=1" | grep -qF '"candles":[{'; do
		kill -0 "$pid" 2>/dev/null || { tail "$log.log"; exit 1; }
		sleep 0.05
	done
	local first
	first=$($PY -c "import time,sys; print(f'{time.time() - float(sys.argv[1]):.2f}')" "$t0")
	sleep 10 # past the first seconds of connection and topic creation
	local s0 n0 a0 s1 n1 a1
	s0=$(sent) n0=$(sql 'SELECT count(*) FROM ticks') a0=$(age_s)
	sleep "$secs"
	s1=$(sent) n1=$(sql 'SELECT count(*) FROM ticks') a1=$(age_s)
	local rss_kb hwm_kb
	rss_kb=$(rss VmRSS) hwm_kb=$(rss VmHWM)
	kill -INT "$pid"
	wait "$pid" || true
	pid=
	$PY - "$name" "$secs" "$first" "$s0" "$s1" "$n0" "$n1" "$a0" "$a1" "$rss_kb" "$hwm_kb" <<'PYEND'
import sys
name, secs, first = sys.argv[1], float(sys.argv[2]), sys.argv[3]
s0, s1, n0, n1 = map(int, sys.argv[4:8])
a0, a1 = sys.argv[8:10]
rss, hwm = int(sys.argv[10]) / 1024, int(sys.argv[11]) / 1024
sent, stored = (s1 - s0) / secs, (n1 - n0) / secs
print(f"| {name} | {first} s | {sent:,.0f} | {stored:,.0f} ({stored / sent if sent else 0:.2f}x) | {a0} s -> {a1} s | {rss:.0f} MB (peak {hwm:.0f} MB) |")
PYEND
}

echo "tickflow up, $(nproc) cores; window: ${SECS} s at Binance pace, ${LOAD_SECS} s at --rate 100000"
echo
echo "| run | first candle after launch | records/s sent | records/s stored (share) | newest tick age, start -> end | memory at end |"
echo "|---|---|---|---|---|---|"
run_up "2,000 symbols, Binance pace" "$SECS" --symbols 2000
run_up "2,000 symbols, 100,000 records/s" "$LOAD_SECS" --symbols 2000 --rate 100000 --stream-threads 2
echo
echo "Published elsewhere (not measured here): Kafka 821,557 rec/s (100 B, 1 producer, 3 brokers, 2014);"
echo "Spark Structured Streaming micro-batch latency ~100 ms; a Streamlit dashboard refreshing every 5 s."

#!/usr/bin/env bash
# broker.sh — `make bench` part for `tickflow broker`: librdkafka clients on loopback, 100-byte values.
# Same program (bench/broker/rdk_bench.c) against our broker and against librdkafka's own mock cluster
# (rd_kafka_mock_cluster_new) in the same run, beside the disk's sequential write rate (dd).
# Targets (DESIGN §9): >= 1,000,000 records/s produce and consume, at least the mock's rate, p99 < 10 ms
# at 100,000 records/s.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${TICKFLOW:=$PWD/build/tickflow}"
N=${BROKER_BENCH_RECORDS:-2000000}
RATE=${BROKER_BENCH_RATE:-100000}
SECS=${BROKER_BENCH_SECONDS:-3}
tmp=$(mktemp -d /tmp/tickflow-bench-broker.XXXXXX)
pid=
trap '[[ -n $pid ]] && kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

cc -std=gnu11 -O2 -Wall -Werror -o "$tmp/rdk_bench" bench/broker/rdk_bench.c -lrdkafka -lpthread
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$TICKFLOW" broker --listen 127.0.0.1:$port --data-dir "$tmp/data" --log-level warn 2>"$tmp/broker.log" &
pid=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

read -r t_p t_mb t_c t_50 t_99 < <("$tmp/rdk_bench" 127.0.0.1:$port "$N" "$RATE" "$SECS" 2>"$tmp/t.err")
kill $pid; wait $pid 2>/dev/null || true; pid=
read -r m_p m_mb m_c m_50 m_99 < <("$tmp/rdk_bench" mock "$N" "$RATE" "$SECS" 2>"$tmp/m.err")
dd_mbs=$(dd if=/dev/zero of="$tmp/dd" bs=1M count=512 conv=fdatasync 2>&1 | awk '/copied/ {v=$(NF-1); u=$NF; if (u ~ /^GB/) v*=1000; print v}')
rm -f "$tmp/dd"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }
printf '%-34s %14s %14s %10s\n' "broker bench (${N} x 100 B)" "tickflow" "rdkafka mock" "ratio"
printf '%-34s %14s %14s %10s\n' "produce records/s (acks=all)" "$t_p" "$m_p" "$(ratio "$t_p" "$m_p")"
printf '%-34s %14s %14s %10s\n' "produce MB/s" "$t_mb" "$m_mb" "$(ratio "$t_mb" "$m_mb")"
printf '%-34s %14s %14s %10s\n' "consume records/s" "$t_c" "$m_c" "$(ratio "$t_c" "$m_c")"
printf '%-34s %14s %14s\n' "latency p50 ms @ ${RATE}/s" "$t_50" "$m_50"
printf '%-34s %14s %14s\n' "latency p99 ms @ ${RATE}/s" "$t_99" "$m_99"
printf '%-34s %14s   (produce MB/s / dd = %s)\n' "disk sequential write MB/s (dd)" "$dd_mbs" "$(ratio "$t_mb" "$dd_mbs")"
grep -h . "$tmp/t.err" "$tmp/m.err" | grep -v CONFWARN | sed 's/^/note: /' || true
awk -v p="$t_p" -v c="$t_c" -v l="$t_99" -v mp="$m_p" 'BEGIN {
	printf "targets: produce >= 1M/s %s, consume >= 1M/s %s, >= mock %s, p99 < 10 ms %s\n",
		(p >= 1e6) ? "MET" : "MISSED", (c >= 1e6) ? "MET" : "MISSED", (p >= mp) ? "MET" : "MISSED", (l >= 0 && l < 10) ? "MET" : "MISSED" }'

#!/usr/bin/env bash
# influx_sink.sh — what `tickflow stream --influx` costs and how fast it writes into Debian's influxd
# 1.6 (started here on loopback): 200,000 generated miniTicker records for 2,000 symbols are produced
# into `tickflow broker`, then consumed by one stream process into SQLite without and with --influx
# (records/s from start to exit). The sink's own rate is points / time spent in POSTs (its closing
# log line). Peer in the same run: curl POSTing the same candles, formatted in the same line
# protocol by Python from the store, in bodies of 5,000 points (the sink's maximum), one after the
# other: InfluxDB's rate for that batch size without tickflow in the way.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-build}
TICKFLOW=$PWD/$OUT/tickflow
D=$PWD/tests/integration/stream
PY=/usr/bin/python3
N=${BENCH_RECORDS:-200000}
tmp=$(mktemp -d /tmp/tickflow-bench.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
source bench/lib/bench_lib.sh
now() { date +%s.%N; }
HP=$(port)
RP=$(port)
IDB=http://127.0.0.1:$HP
bash tests/integration/influx/influxd_conf.sh "$tmp/influx" "$HP" "$RP" >"$tmp/influxd.conf"
influxd run -config "$tmp/influxd.conf" >"$tmp/influxd.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do [[ $(curl -s -o /dev/null -w '%{http_code}' "$IDB/ping") == 204 ]] && break; sleep 0.1; done
for db in tickflow peer; do curl -sf -XPOST "$IDB/query" --data-urlencode "q=CREATE DATABASE $db" >/dev/null; done
cc -std=c11 -D_GNU_SOURCE -O2 -o "$tmp/produce" "$D/produce.c" -lrdkafka
BP=$(port)
BROKER=127.0.0.1:$BP
"$TICKFLOW" broker --listen "$BROKER" --data-dir "$tmp/data" --partitions 4 --retention 0s 2>"$tmp/broker.log" &
pids+=($!)
sleep 0.5
$PY "$D/gen.py" "$N" 2000 4 3 | "$tmp/produce" "$BROKER" ticks >/dev/null

# run NAME [options]: one stream process over the whole topic; prints its wall time in s.
run() {
	local name=$1 t0 t1
	shift
	t0=$(now)
	"$TICKFLOW" stream --brokers "$BROKER" --store "sqlite:$tmp/$name.db" --group "$name" --exit-idle 1s "$@" \
		2>"$tmp/$name.log" >/dev/null
	t1=$(now)
	$PY -c "print(round($t1 - $t0 - 1.0, 3))" # minus the idle second before exiting
}
plain=$(run plain)
withi=$(run influx --influx "$IDB/write?db=tickflow")
sum=$(grep 'points written in' "$tmp/influx.log")
re='([0-9]+) points written in ([0-9]+) POSTs \(([0-9.]+) MB, ([0-9.]+) s in POSTs\)'
[[ $sum =~ $re ]] || { echo "no sink summary: $sum" >&2; exit 1; }
points=${BASH_REMATCH[1]} posts=${BASH_REMATCH[2]} mb=${BASH_REMATCH[3]} post_s=${BASH_REMATCH[4]}

# backlog: influxd stopped while a third stream process consumes everything, started again once the
# store has all records: the queued points are then sent with the engine idle (the sink alone).
kill "${pids[0]}"
wait "${pids[0]}" 2>/dev/null || true
"$TICKFLOW" stream --brokers "$BROKER" --store "sqlite:$tmp/backlog.db" --group backlog --exit-idle 3s \
	--influx "$IDB/write?db=backlog" 2>"$tmp/backlog.log" >/dev/null &
spid=$!
pids+=($spid)
until [[ $(sqlite3 "$tmp/backlog.db" "SELECT coalesce(sum(next_offset),0) FROM stream_offsets" 2>/dev/null) == "$N" ]]; do sleep 0.1; done
influxd run -config "$tmp/influxd.conf" >>"$tmp/influxd.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do [[ $(curl -s -o /dev/null -w '%{http_code}' "$IDB/ping") == 204 ]] && break; sleep 0.1; done
curl -sf -XPOST "$IDB/query" --data-urlencode "q=CREATE DATABASE backlog" >/dev/null
wait $spid
bsum=$(grep 'points written in' "$tmp/backlog.log")
[[ $bsum =~ $re ]] || { echo "no sink summary: $bsum" >&2; exit 1; }
bpoints=${BASH_REMATCH[1]} bposts=${BASH_REMATCH[2]} bpost_s=${BASH_REMATCH[4]}

# peer: the final candles of the store, same line format and fields, 5,000 points per POST with curl
$PY - "$tmp/influx.db" "$tmp/peer" <<'PYEND'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cols = "open high low close volume quote_volume spread".split()
ind = "mid ret rel_volatility ma7 ma25 stddev_logret vwap change_24h_pct".split()
lines = []
for r in db.execute(f"SELECT symbol, interval, open_time, updates, final, volume_approx, {', '.join(cols + ind)} FROM candles"):
    dec = ",".join(f"{c}={v.rstrip('0').rstrip('.') if '.' in v else v}" for c, v in zip(cols, r[6:13]))
    opt = "".join(f",{c}={v!r}" for c, v in zip(ind, r[13:]) if v is not None)
    lines.append(f"candles,interval={r[1]},symbol={r[0]} {dec},updates={r[3]}i,final={'true' if r[4] else 'false'},"
                 f"volume_approx={'true' if r[5] else 'false'}{opt} {r[2]}\n")
for i in range(0, len(lines), 5000):
    open(f"{sys.argv[2]}.{i // 5000:05d}", "w").writelines(lines[i:i + 5000])
PYEND
peer_points=$(cat "$tmp"/peer.* | wc -l)
t0=$(now)
for f in "$tmp"/peer.*; do
	curl -sf -XPOST "$IDB/write?db=peer&precision=ms" --data-binary @"$f" || { echo "peer POST failed" >&2; exit 1; }
done
t1=$(now)
peer_s=$($PY -c "print(round($t1 - $t0, 3))")

printf '%-52s %12s %14s\n' "measure" "value" "unit"
printf '%-52s %12.0f %14s\n' "stream -> SQLite ($N records, 2,000 symbols)" "$($PY -c "print($N / $plain)")" "records/s"
printf '%-52s %12.0f %14s\n' "stream -> SQLite + --influx" "$($PY -c "print($N / $withi)")" "records/s"
printf '%-52s %12s %14s\n' "  points written / POSTs / MB" "$points/$posts/$mb" ""
printf '%-52s %12s %14s\n' "  peer's bytes" "$(cat "$tmp"/peer.* | wc -c)" "bytes"
printf '%-52s %12.0f %14s\n' "  sink: points / time in POSTs" "$($PY -c "print($points / max($post_s, 1e-3))")" "points/s"
printf '%-52s %12.0f %14s\n' "  sink, backlog after an outage (engine idle)" "$($PY -c "print($bpoints / max($bpost_s, 1e-3))")" "points/s"
printf '%-52s %12s %14s\n' "  backlog points / POSTs" "$bpoints/$bposts" ""
printf '%-52s %12.0f %14s\n' "peer: curl, $peer_points points in 5,000-point POSTs" "$($PY -c "print($peer_points / max($peer_s, 1e-3))")" "points/s"

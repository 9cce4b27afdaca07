# ingest_rate.sh — end-to-end ingest rate: `tickflow exchange` at full rate pushing
# !miniTicker@arr over loopback WebSocket to `tickflow ingest --out /dev/null`, beside
#   - the same stream read with --no-decode (WebSocket transport only: what reading costs),
#   - ingest of the in-process simulator (no network), and
#   - replay of a recording as fast as possible (decode + split + output only).
# Each run lasts RUN_SECONDS (default 5); ingest reports its counts and CPU time (--stats).
# Prints one table; the ratio column compares CPU per record with the transport-only run.
set -euo pipefail
: "${TICKFLOW:?set TICKFLOW to the binary to measure}"
RUN=${RUN_SECONDS:-5}
# Full rate: the simulator emits at most one record per symbol per millisecond, so 1,000,000
# records/s needs >= 1,000 symbols. On 2 cores the exchange (one core) is the limit of the
# end-to-end path, which is why the CPU-per-record column, not records/s, is ingest's own figure.
SYMBOLS=${SYMBOLS:-2000}
RATE=${RATE:-1000000}
TMP=$(mktemp -d /tmp/tickflow-bench.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$TICKFLOW" exchange --listen "127.0.0.1:$port" --symbols "$SYMBOLS" --rate "$RATE" --log-level warn \
	>"$TMP/exchange.out" 2>"$TMP/exchange.log" &
PIDS+=($!)
# 2,000 symbols of history take a second or more to build (more on a loaded machine).
for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
URL="ws://127.0.0.1:$port/ws/!miniTicker@arr"

# run NAME ARGS...: one timed ingest run; leaves its stats line in $TMP/NAME.stats
run() {
	local name=$1; shift
	timeout $((RUN + 20)) "$TICKFLOW" ingest "$@" --out /dev/null --stats --log-level warn 2>"$TMP/$name.log" || true
	grep 'stats:' "$TMP/$name.log" >"$TMP/$name.stats" || { echo "$name: no stats line:"; cat "$TMP/$name.log"; }
}
field() { sed -n "s/.* $2=\([0-9.]*\).*/\1/p" "$TMP/$1.stats"; }

run ws --source "url:$URL" --duration "${RUN}s"
run raw --source "url:$URL" --duration "${RUN}s" --no-decode
run sim --source sim --symbols "$SYMBOLS" --rate "$RATE" --duration "${RUN}s" --record "$TMP/sim.rec"
run replay --source "replay:$TMP/sim.rec" --speed 0

printf '%-44s %12s %12s %10s %14s %8s\n' "path ($RUN s, $SYMBOLS symbols, rate $RATE)" "records/s" "messages/s" "MB/s" "CPU us/record" "ratio"
rec_per_byte=$(awk -v r="$(field ws records)" -v b="$(field ws bytes)" 'BEGIN{print (b > 0 ? r / b : 0)}')
raw_cpu_per_rec=$(awk -v c="$(field raw cpu_s)" -v b="$(field raw bytes)" -v k="$rec_per_byte" \
	'BEGIN{n = b * k; print (n > 0 ? c * 1e6 / n : 0)}')
row() { # label name [records estimated from bytes]
	local r m b e c
	r=$(field "$2" records) m=$(field "$2" messages) b=$(field "$2" bytes) e=$(field "$2" elapsed_s) c=$(field "$2" cpu_s)
	[[ -n $e && $e != 0.000 ]] || { printf '%-44s %12s\n' "$1" "(failed)"; return; }
	if [[ ${3:-} == est ]]; then r=$(awk -v b="$b" -v k="$rec_per_byte" 'BEGIN{printf "%.0f", b * k}'); fi
	awk -v l="$1" -v r="$r" -v m="$m" -v b="$b" -v e="$e" -v c="$c" -v base="$raw_cpu_per_rec" 'BEGIN{
		cpr = r > 0 ? c * 1e6 / r : 0
		printf "%-44s %12.0f %12.0f %10.1f %14.2f %7.2fx\n", l, r / e, m / e, b / e / 1e6, cpr, (base > 0 ? cpr / base : 0) }'
}
row "exchange -> ws -> ingest (decode, split)" ws
row "exchange -> ws -> ingest --no-decode (read)" raw est
row "in-process sim -> ingest (no network)" sim
row "replay --speed 0 (decode + split only)" replay
echo "ratio = CPU per record / CPU per record of the --no-decode read (records estimated from bytes)"

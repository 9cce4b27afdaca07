# ingest_misbehaving.sh — `tickflow ingest` against a WebSocket server nobody here wrote (npm `ws`,
# tests/integration/peers/misbehaving_ws.js). It serves the shared samples byte for byte; ingest's
# records must be exactly their elements, each once, whatever the server does next: fragmented
# messages, a ping flood, an oversized message, an abrupt TCP close, no pongs, a serverShutdown.
# Ingest must recover (reconnect) or fail clearly — never crash or hang: every step is bounded.
source "$(dirname "$0")/lib.sh"
PEERS=$(cd "$(dirname "$0")/peers" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export NODE_PATH=$ROOT/node_modules
S=$TF_SAMPLES_DIR
SAMPLES=$S/unicornfy_spot_ws_messages.jsonl
NSAMPLE=$( (/usr/bin/python3 "$PEERS/check_records.py" /dev/null "$SAMPLES" 2>&1 || true) | sed -n 's/^0 records, expected \([0-9]*\)$/\1/p')
[[ $NSAMPLE -gt 0 ]] || fail "cannot count the sample records"

# peer MODE [BIG]: starts the node server; sets PORT.
peer() {
	PORT=$(free_port)
	start "peer_$1" node "$PEERS/misbehaving_ws.js" "$PORT" "$1" "$S" ${2:-}
	wait_port "$PORT" 20
}

# ingest NAME ARGS...: starts ingest in the background with record output to $TF_TMP/NAME.out.
ingest() {
	local name=$1; shift
	start "ingest_$name" "$TICKFLOW" ingest --format record --out "$TF_TMP/$name.out" --backoff-base 100ms \
		--backoff-max 1s "$@"
}

# finish NAME: ingest must still be running (no crash), then stops cleanly on SIGTERM with exit 0.
finish() {
	local pid_var="PID_ingest_$1" rc=0
	local pid=${!pid_var}
	kill -0 "$pid" 2>/dev/null || fail "$1: ingest is not running any more: $(tail -n 5 "$TF_TMP/ingest_$1.log")"
	kill -TERM "$pid"
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && fail "$1: ingest did not stop within 10 s of SIGTERM"
	wait "$pid" || rc=$?
	[[ $rc == 0 ]] || fail "$1: ingest exited $rc after SIGTERM: $(tail -n 5 "$TF_TMP/ingest_$1.log")"
}

# exact NAME: the output is exactly the sample records, once each, byte for byte.
exact() {
	/usr/bin/python3 "$PEERS/check_records.py" "$TF_TMP/$1.out" "$SAMPLES" || fail "$1: records differ from the samples"
}

wait_records() { # NAME N SECONDS
	local deadline=$((SECONDS + $3))
	until [[ -f $TF_TMP/$1.out && $(wc -l <"$TF_TMP/$1.out") -ge $2 ]]; do
		((SECONDS < deadline)) || fail "$1: fewer than $2 records after $3 s: $(tail -n 5 "$TF_TMP/ingest_$1.log")"
		sleep 0.1
	done
}

# 1. Plain and fragmented (text + continuation frames): reassembled, exact.
for mode in samples fragment pingflood; do
	peer $mode
	ingest $mode --source "url:ws://127.0.0.1:$PORT/ws/!miniTicker@arr"
	wait_records $mode "$NSAMPLE" 20
	sleep 0.5
	finish $mode
	exact $mode
	grep -q "conn 2 open" "$TF_TMP/peer_$mode.out" && fail "$mode: ingest reconnected without a reason"
	echo "ok $mode"
done

# 2. Oversized message: that connection fails clearly, ingest reconnects and gets the samples.
peer oversized 300000
ingest oversized --source "url:ws://127.0.0.1:$PORT/ws/x" --max-message 100000
wait_records oversized "$NSAMPLE" 20
wait_for "$TF_TMP/ingest_oversized.log" 'connection to .* lost .*(too big|larger)' 5
grep -q "conn 2 open" "$TF_TMP/peer_oversized.out" || fail "oversized: no reconnect"
finish oversized
exact oversized
echo "ok oversized"

# 3. Abrupt TCP close after the samples, every time: reconnects within the backoff, and the
#    samples sent again on every connection come out once (de-duplication).
peer abrupt
ingest abrupt --source "url:ws://127.0.0.1:$PORT/ws/x"
wait_for "$TF_TMP/peer_abrupt.out" 'conn 4 open' 20
finish abrupt
exact abrupt
grep -q 'reconnecting in' "$TF_TMP/ingest_abrupt.log" || fail "abrupt: no reconnect log line"
lines=$(grep -c 'reconnecting in' "$TF_TMP/ingest_abrupt.log")
msgs=$(grep -c 'conn [0-9]* open' "$TF_TMP/peer_abrupt.out")
((lines <= msgs + 1)) || fail "abrupt: $lines reconnect log lines for $msgs connections (one per event, please)"
echo "ok abrupt"

# 4. A server that never answers our pings and goes quiet: dead peer detected, reconnect.
peer nopong
ingest nopong --source "url:ws://127.0.0.1:$PORT/ws/x" --ping-interval 500ms --pong-timeout 500ms
wait_for "$TF_TMP/peer_nopong.out" 'conn 2 open' 20
wait_for "$TF_TMP/ingest_nopong.log" 'dead peer' 5
finish nopong
exact nopong
echo "ok nopong"

# 5. serverShutdown: a new connection opens BEFORE the old one closes; nothing twice.
peer shutdown
ingest shutdown --source "url:ws://127.0.0.1:$PORT/ws/x"
wait_for "$TF_TMP/peer_shutdown.out" 'conn 2 open' 20
wait_for "$TF_TMP/peer_shutdown.out" 'conn 1 close' 10
o2=$(grep -n 'conn 2 open' "$TF_TMP/peer_shutdown.out" | cut -d: -f1)
c1=$(grep -n 'conn 1 close' "$TF_TMP/peer_shutdown.out" | cut -d: -f1)
((o2 < c1)) || fail "shutdown: the old connection closed before the new one opened"
grep -q 'rotat' "$TF_TMP/ingest_shutdown.log" || fail "shutdown: no rotation log line"
finish shutdown
exact shutdown
echo "ok shutdown"

# 6. Kline streams: after the connection is cut, the missed closed klines are fetched with REST
#    GET /api/v3/klines (served by the same peer) before the stream resumes.
peer klines
streams="nknusdt@kline_1m/lrcbtc@kline_1m/omgbusd@kline_1m"
ingest klines --source "url:ws://127.0.0.1:$PORT/stream?streams=$streams" --rest-url "http://127.0.0.1:$PORT"
wait_for "$TF_TMP/peer_klines.out" 'conn 2 open' 20
wait_for "$TF_TMP/peer_klines.out" 'rest GET /api/v3/klines\?symbol=OMGBUSD&interval=1m&startTime=16339983' 10
sleep 1
finish klines
/usr/bin/python3 - "$TF_TMP/klines.out" <<'PY' || fail "klines: backfilled rows missing from the output"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
rest = [r for r in recs if r["value"].lstrip().startswith("[")]
assert len(rest) >= 10, f"{len(rest)} REST kline rows"
assert {r["key"] for r in rest} <= {"NKNUSDT", "LRCBTC", "OMGBUSD"}, {r["key"] for r in rest}
keys = [(r["key"], r["timestamp"], r["value"]) for r in recs]
assert len(keys) == len(set(keys)), "a record appears twice"
PY
echo "ok klines"
echo ok

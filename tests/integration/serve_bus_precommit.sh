#!/usr/bin/env bash
# serve_bus_precommit.sh — the stream publishes live-bus candles ahead of its store commit, and a
# crash never leaves the dashboard contradicting the store.
#  1. broker + `tickflow stream --commit-interval 60s` + serve --brokers + an SSE client; a first part
#     of the records is produced and committed (at idle), so the bus is live;
#  2. the store is locked by another writer (BEGIN IMMEDIATE held): no commit can succeed. Records
#     produced now still reach the SSE client as candle events within a bound, with candle states
#     (update counts) the store does not hold: they were published before any commit;
#  3. kill -9 of the stream while those states are published but not committed; the lock released;
#     the stream restarted replays from the committed offsets and commits. Then every candle state
#     seen on SSE (before and after the crash) that has the same (symbol, open time, updates) is
#     byte-identical (a replay republishes, never contradicts), and the last SSE event of every 1m
#     candle equals /api/candles (the store).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve/pipeline.sh"
D=$(dirname "$0")
PY=/usr/bin/python3
BOUND_MS=${SERVE_BUS_BOUND_MS:-10000} # produce -> SSE event, generous for sanitizer builds

BP=$(free_port)
DB=$TF_TMP/db
start broker "$TICKFLOW" broker --listen 127.0.0.1:$BP --data-dir "$TF_TMP/broker"
wait_port "$BP"
$PY "$D/stream/gen.py" 6000 12 4 11 20 | cut -f2,4 >"$TF_TMP/all"
head -n 2000 "$TF_TMP/all" >"$TF_TMP/first"
tail -n +2001 "$TF_TMP/all" >"$TF_TMP/second"
start_stream() {
	start stream "$TICKFLOW" stream --brokers 127.0.0.1:$BP --store "sqlite:$DB" --commit-interval 60s \
		--publish-interval 10ms --session-timeout 2s
}
start_stream
serve_produce "$TF_TMP/first"
stored() { sqlite3 "$DB" "select count(*) from ticks" 2>/dev/null || echo 0; }
deadline=$((SECONDS + 60))
until (($(stored) >= 1900)); do # committed at idle (50 ms without records), not after 60 s
	((SECONDS < deadline)) || fail "stream committed only $(stored) ticks of the first part"
	sleep 0.2
done
HP=$(free_port)
U=http://127.0.0.1:$HP
start serve "$TICKFLOW" serve --store "sqlite:$DB" --http 127.0.0.1:$HP --poll 100ms --brokers 127.0.0.1:$BP
wait_port "$HP"
wait_for "$TF_TMP/serve.log" "live bus: consuming candles.1m and alerts from" 30
start tap $PY "$D/serve/sse_tap.py" "$U/api/stream"
sleep 1

# 2. no commit can succeed; candles still arrive
start locker $PY -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
c.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(600)' "$DB"
wait_for "$TF_TMP/locker.out" "locked" 30
before=$(stored)
l0=$(wc -l <"$TF_TMP/tap.out")
t0=$(date +%s%3N)
serve_produce "$TF_TMP/second"
deadline=$((SECONDS + 60))
until line=$(tail -n +"$((l0 + 1))" "$TF_TMP/tap.out" | grep -m1 -P '\tcandle\t\{"symbol":"S0'); do
	((SECONDS < deadline)) || fail "no candle event while the store was locked"
	sleep 0.05
done
took=$(($(cut -f1 <<<"$line") - t0))
echo "first candle event ${took} ms after producing, with the store locked"
((took <= BOUND_MS)) || fail "candle event took ${took} ms (bound ${BOUND_MS} ms)"
sleep 2
[[ $(stored) == "$before" ]] || fail "the store changed while it was locked ($before -> $(stored) ticks)"
wait_for "$TF_TMP/stream.log" "store unavailable" 30 # the stream did try to commit, and could not
tail -n +"$((l0 + 1))" "$TF_TMP/tap.out" >"$TF_TMP/locked"
$PY - "$DB" "$TF_TMP/locked" <<'PY' || fail "no uncommitted candle state reached SSE"
import json, sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
ahead = n = 0
for l in open(sys.argv[2]):
    _, ev, data = l.rstrip("\n").split("\t", 2)
    if ev not in ("candle", "candle_closed"):
        continue
    c = json.loads(data)
    if c["interval"] != "1m":
        continue
    n += 1
    row = db.execute("select updates from candles where symbol=? and interval='1m' and open_time=?",
                     (c["symbol"], c["t"])).fetchone()
    if row is None or row[0] < c["n"]:
        ahead += 1
print(f"{n} 1m candle events while the store was locked, {ahead} of them with states the store does not hold")
assert ahead >= 10, "candle events came only from committed state"
PY

# 3. crash before the commit, restart, compare
kill -9 "$PID_stream"
wait "$PID_stream" 2>/dev/null || true
kill "$PID_locker"
wait "$PID_locker" 2>/dev/null || true
start_stream
want=$(($(wc -l <"$TF_TMP/all") * 90 / 100))
deadline=$((SECONDS + 90))
prev=-1
until n=$(stored) && ((n >= want && n == prev)); do # all committed: the count stopped moving
	((SECONDS < deadline)) || fail "restarted stream committed only $n of $want ticks"
	prev=$n
	sleep 2
done
sleep 1 # the last candles reach the tap
$PY - "$U" "$TF_TMP/tap.out" <<'PY' || fail "the dashboard contradicts the store"
import json, sys, urllib.request
U, path = sys.argv[1], sys.argv[2]
exact = dict(parse_float=str, parse_int=str)
states, last, events = {}, {}, 0
for l in open(path):
    _, ev, data = l.rstrip("\n").split("\t", 2)
    if ev not in ("candle", "candle_closed"):
        continue
    c = json.loads(data, **exact)
    if c["interval"] != "1m":
        continue
    events += 1
    key = (c["symbol"], c["t"], c["n"], c["final"])
    assert states.setdefault(key, c) == c, f"same state, other values:\n {states[key]}\n {c}"
    last[(c["symbol"], c["t"])] = c
assert events > len(states), "the restarted stream republished no state (was the crash replayed?)"
for (s, t), c in last.items():
    with urllib.request.urlopen(f"{U}/api/candles?symbol={s}&interval=1m&from={t}&to={int(t) + 1}") as r:
        rows = json.loads(r.read(), **exact)["candles"]
    assert len(rows) == 1, (s, t, rows)
    ev = {k: v for k, v in c.items() if k not in ("symbol", "interval")}
    assert ev == rows[0], f"{s} {t}:\n last event {ev}\n store      {rows[0]}"
print(f"{events} candle events, {len(states)} distinct states ({events - len(states)} republished by the replay "
      f"after the crash, none contradicted); the last event of each of {len(last)} candles equals the store")
PY
kill "$PID_stream"
timeout 30 tail --pid="$PID_stream" -f /dev/null || kill -9 "$PID_stream"
echo "serve_bus_precommit ok"

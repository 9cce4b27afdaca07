#!/usr/bin/env bash
# serve_bus.sh — `tickflow serve --brokers`: candles and alerts pushed from the stream's live-bus
# topics instead of polled from the store, with the store as the fallback.
#  1. broker A + `tickflow stream` (publishing candles.1m and alerts) + serve --brokers A; an SSE
#     client receives candle events for records produced afterwards within a bound; the last event
#     of every 1m candle equals the API's candle for that symbol and open_time after the commit;
#     the 1m candles came from the bus (the store was not polled for them) and carry last_event_time;
#     malformed messages on the bus topic are counted, logged once per 10 s, never forwarded;
#  2. broker A stopped: serve says so once and falls back to polling — candles that a second pipeline
#     (broker B, its own stream, same store, other symbols) commits still arrive as events;
#  3. broker A back: serve says so and the bus delivers again (the 1m polls stop).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve/pipeline.sh"
D=$(dirname "$0")
PY=/usr/bin/python3
BOUND_MS=${SERVE_BUS_BOUND_MS:-10000} # produce -> SSE event, generous for sanitizer builds
serve_pipeline 30000 12000
BA=$BP
# pipeline B: another broker and stream writing other symbols (T000USDT..) into the same store
BB=$(free_port)
start brokerb "$TICKFLOW" broker --listen 127.0.0.1:$BB --data-dir "$TF_TMP/brokerb"
wait_port "$BB"
start streamb "$TICKFLOW" stream --brokers 127.0.0.1:$BB --store "sqlite:$DB" --group b --commit-interval 100ms \
	--candles-topic "" --alerts-topic ""
# an hour after pipeline A's records: the hub polls the newest candles of each interval
$PY "$D/stream/gen.py" 3000 12 4 99 "${SERVE_STEP_MS:-20}" | cut -f2,4 | sed -E 's/S0([0-9][0-9])USDT/T0\1USDT/g' |
	$PY -c 'import re, sys
for l in sys.stdin: sys.stdout.write(re.sub(r"\"E\":(\d+)", lambda m: "\"E\":%d" % (int(m.group(1)) + 3600000), l))' >"$TF_TMP/b"
split -n l/3 -d "$TF_TMP/second" "$TF_TMP/a" # a00 a01 a02: produced in phases 1 and 3

HP=$(free_port)
U=http://127.0.0.1:$HP
start serve "$TICKFLOW" serve --store "sqlite:$DB" --http 127.0.0.1:$HP --poll 100ms --heartbeat 500ms \
	--brokers 127.0.0.1:$BA
wait_port "$HP"
wait_for "$TF_TMP/serve.log" "live bus: consuming candles.1m and alerts from" 30
start tap $PY "$D/serve/sse_tap.py" "$U/api/stream"
sleep 1

metric() { curl -sf "$U/metrics" | awk -v k="$1" '$1 == k { print $2 }'; }
now_ms() { date +%s%3N; }
# wait_event SINCE_LINE PRODUCED_AT SYMBOL_RE: waits until an SSE candle event of a matching symbol
# arrives after line SINCE_LINE of the tap; fails when it takes longer than BOUND_MS from PRODUCED_AT.
wait_event() {
	local since=$1 at=$2 re=$3 deadline=$((SECONDS + 60)) line
	until line=$(tail -n +"$((since + 1))" "$TF_TMP/tap.out" | grep -m1 -P "\tcandle\t\{\"symbol\":\"$re"); do
		((SECONDS < deadline)) || fail "no candle event for $re after producing"
		sleep 0.05
	done
	local took=$(($(cut -f1 <<<"$line") - at))
	echo "first candle event for $re ${took} ms after the records were produced"
	((took <= BOUND_MS)) || fail "candle event took ${took} ms (bound ${BOUND_MS} ms)"
}
lines() { wc -l <"$TF_TMP/tap.out"; }

# last candle event of every (symbol, interval 1m, t) in tap lines FROM..TO equals the API's candle
check_api() {
	sed -n "$(($1 + 1)),$2p" "$TF_TMP/tap.out" >"$TF_TMP/slice"
	$PY - "$U" "$TF_TMP/slice" "$3" <<'PY' || fail "SSE candle events differ from the API"
import json, sys, urllib.request
U, path, want_let = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
exact = dict(parse_float=str, parse_int=str)
last = {}
for l in open(path):
    _, ev, data = l.rstrip("\n").split("\t", 2)
    if ev in ("candle", "candle_closed"):
        c = json.loads(data, **exact)
        if c["interval"] == "1m":
            last[(c["symbol"], c["t"])] = c
assert last, "no 1m candle events"
for (s, t), c in last.items():
    with urllib.request.urlopen(f"{U}/api/candles?symbol={s}&interval=1m&from={t}&to={int(t) + 1}") as r:
        rows = json.loads(r.read(), **exact)["candles"]
    assert len(rows) == 1, (s, t, rows)
    ev = {k: v for k, v in c.items() if k not in ("symbol", "interval")}
    assert ev == rows[0], f"{s} {t}:\n event {ev}\n api   {rows[0]}"
    assert list(ev) == list(rows[0]), "field order differs"
    if want_let:
        assert c["last_event_time"] is not None and int(c["last_event_time"]) >= int(t), c
print(f"{len(last)} candles: the last SSE event of each equals /api/candles")
PY
}

# 1. live bus (1m candles are polled until the first one arrives on the bus: then no more)
bus0=$(metric tickflow_candle_updates_bus_total)
[[ $(metric tickflow_bus_up) == 1 ]] || fail "bus not up"
l0=$(lines)
t0=$(now_ms)
serve_produce "$TF_TMP/a00"
wait_event "$l0" "$t0" 'S0'
polls0=$(metric 'tickflow_store_candle_polls_total{interval="1m"}')
sleep 3 # the stream commits every 100 ms; let the last commits arrive
check_api "$l0" "$(lines)" 1
polls1=$(metric 'tickflow_store_candle_polls_total{interval="1m"}')
bus1=$(metric tickflow_candle_updates_bus_total)
echo "phase 1: $((bus1 - bus0)) candle events from the bus; 1m store polls $polls0 -> $polls1"
((bus1 - bus0 > 20)) || fail "only $((bus1 - bus0)) candle events came from the bus"
((polls1 - polls0 <= 2)) || fail "the store was polled $((polls1 - polls0)) times for 1m candles while the bus was live"
[[ $(metric tickflow_bus_rejected_total) == 0 ]] || fail "valid bus messages were rejected"
# outside input on the bus: not JSON, a field of the wrong type, oversized; counted, logged (not
# per message), never forwarded; serve keeps serving
{
	printf 'S001USDT\t{"symbol":"S001USDT",\n'
	printf 'S001USDT\t{"symbol":"S001USDT","interval":"1m","t":"soon"}\n'
	printf 'S001USDT\t{"symbol":"S001USDT","pad":"%05000d"}\n' 0
} >"$TF_TMP/garbage"
l=$(lines)
timeout 30 kcat -P -b 127.0.0.1:$BA -t candles.1m -K $'\t' -l "$TF_TMP/garbage" || fail "kcat produce garbage"
deadline=$((SECONDS + 20))
until [[ $(metric tickflow_bus_rejected_total) == 3 ]]; do
	((SECONDS < deadline)) || fail "bus rejected $(metric tickflow_bus_rejected_total) of 3 malformed messages"
	sleep 0.2
done
wait_for "$TF_TMP/serve.log" "live bus: rejected 1 message \(latest: candles.1m partition [0-9]+ offset [0-9]+: " 10
sleep 1
! tail -n +"$((l + 1))" "$TF_TMP/tap.out" | grep -q '"t":"soon"\|"pad"' || fail "a malformed bus message reached the browser"
(($(grep -c "live bus: rejected" "$TF_TMP/serve.log") <= 2)) || fail "rejections logged per message" # one now, a summary after 10 s
curl -sf "$U/healthz" >/dev/null || fail "serve stopped answering after malformed bus messages"

# 2. broker A stopped: fall back to polling, once
kill "$PID_broker"
wait "$PID_broker" 2>/dev/null || true
wait_for "$TF_TMP/serve.log" "live bus: lost broker 127.0.0.1:$BA; polling the store" 30
[[ $(metric tickflow_bus_up) == 0 ]] || fail "bus still up without a broker"
l1=$(lines)
t1=$(now_ms)
checks1=$(metric tickflow_store_polls_total)
timeout 60 kcat -P -b 127.0.0.1:$BB -t ticks -K $'\t' -l "$TF_TMP/b" || fail "kcat produce to broker B"
wait_event "$l1" "$t1" 'T0'
sleep 2
check_api "$l1" "$(lines)" 1
polls2=$(metric 'tickflow_store_candle_polls_total{interval="1m"}')
checks2=$(metric tickflow_store_polls_total)
# every poll checks the stream's progress; the candles are read when it moved (or every 5 s)
((checks2 - checks1 > 10)) || fail "the store was not polled while the broker was down ($checks1 -> $checks2)"
((polls2 - polls1 >= 1)) || fail "no 1m candles were read from the store while the broker was down ($polls1 -> $polls2)"
[[ $(grep -c "live bus: lost broker" "$TF_TMP/serve.log") == 1 ]] || fail "the outage was logged more than once"

# 3. broker A back: the bus again
start broker "$TICKFLOW" broker --listen 127.0.0.1:$BA --data-dir "$TF_TMP/broker"
wait_port "$BA"
wait_for "$TF_TMP/serve.log" "live bus: broker is back; consuming" 30
sleep 1
[[ $(metric tickflow_bus_up) == 1 ]] || fail "bus not up again"
l2=$(lines)
t2=$(now_ms)
bus2=$(metric tickflow_candle_updates_bus_total)
serve_produce "$TF_TMP/a01"
wait_event "$l2" "$t2" 'S0'
sleep 3
polls3=$(metric 'tickflow_store_candle_polls_total{interval="1m"}')
serve_produce "$TF_TMP/a02"
sleep 3
check_api "$l2" "$(lines)" 1
polls4=$(metric 'tickflow_store_candle_polls_total{interval="1m"}')
bus3=$(metric tickflow_candle_updates_bus_total)
echo "phase 3: $((bus3 - bus2)) candle events from the bus; 1m store polls $polls3 -> $polls4"
((bus3 - bus2 > 20)) || fail "the bus did not resume ($((bus3 - bus2)) candle events)"
((polls4 - polls3 <= 2)) || fail "the store is still polled for 1m candles after the broker came back"
[[ $(metric tickflow_bus_reconnects_total) -ge 1 ]] || fail "no reconnect counted"
grep "live bus" "$TF_TMP/serve.log"
# stop the streams while their brokers still run (librdkafka's consumer_close waits for the group
# coordinator; with the broker gone at the same instant it can wait forever)
kill "$PID_stream" "$PID_streamb"
timeout 30 tail --pid="$PID_stream" -f /dev/null || kill -9 "$PID_stream"
timeout 30 tail --pid="$PID_streamb" -f /dev/null || kill -9 "$PID_streamb"
echo "serve_bus ok"

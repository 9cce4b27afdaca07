# ingest_kafka.sh — `tickflow ingest` into `tickflow broker` (its default output), checked with kcat:
#  1. exchange → ingest → topic ticks: key = symbol = the value's "s", Kafka timestamp = its "E",
#     as many records as ingest counted and delivered;
#  2. replay of a real Binance frame: the 26 values are byte-identical to the frame's elements
#     (sliced independently here with Python);
#  3. a non-JSON line and a bad element end up in the dead-letter topic with a `reason` header;
#  4. a broker that is not running: one clear line, exit 1 within the bound;
#  5. SIGINT during a fast run flushes: everything counted as delivered is in the topic, exit 0;
#  6. the broker killed (-9) mid-run: the undelivered records are logged and counted, exit 1;
#  7. usage: --dlq FILE without --out exits 2; --help shows the Kafka options.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/kafka/broker_lib.sh"
PY=/usr/bin/python3

# --retention 0s: replayed 2020 records carry their event time, which age retention would delete
start_broker broker --retention 0s
K="timeout 30 kcat -b $BROKER"

# stat NAME FILE: the value of NAME=... in ingest's --stats line in FILE.
stat() { grep -o "stats: .*" "$2" | grep -o " $1=[0-9]*" | cut -d= -f2; }

# 1. exchange → ingest → ticks.
EPORT=$(free_port)
start exchange "$TICKFLOW" exchange --listen "127.0.0.1:$EPORT" --seed 7 --symbols 50
wait_port "$EPORT"
timeout 30 "$TICKFLOW" ingest --source "url:ws://127.0.0.1:$EPORT/ws/!miniTicker@arr" --brokers "$BROKER" \
	--limit 300 --stats 2>"$TF_TMP/live.log" || fail "ingest exited $?: $(tail -n 3 "$TF_TMP/live.log")"
n=$(stat records "$TF_TMP/live.log")
[[ $n == 300 && $(stat kafka_delivered "$TF_TMP/live.log") == 300 ]] || fail "stats: $(grep stats: "$TF_TMP/live.log")"
$K -C -t ticks -e -q -f '%k\t%T\t%s\n' >"$TF_TMP/live.out" || fail "kcat -C ticks"
$PY - "$TF_TMP/live.out" "$n" <<'PYEOF' || fail "records in topic ticks are wrong"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == int(sys.argv[2]), f"{len(lines)} records in the topic, ingest counted {sys.argv[2]}"
syms = set()
for l in lines:
    k, ts, v = l.split('\t', 2)
    m = json.loads(v)
    assert m["e"] == "24hrMiniTicker" and m["s"] == k and m["E"] == int(ts), l
    assert k.isalnum() and k.isupper(), k
    syms.add(k)
assert 5 <= len(syms) <= 50, f"{len(syms)} symbols from an exchange with 50"
print(f"live: {len(lines)} records, {len(syms)} symbols")
PYEOF

# 2. Replay of a real frame: values byte-identical to its elements.
SAMPLE=$TF_SAMPLES_DIR/unicornfy_spot_miniTicker_arr_raw_26symbols.json
{ printf '1592594716000 ws '; tr -d '\n' <"$SAMPLE"; echo; } >"$TF_TMP/frame.rec"
timeout 30 "$TICKFLOW" ingest --source "replay:$TF_TMP/frame.rec" --speed 0 --brokers "$BROKER" --topic frame \
	--compression lz4 --stats 2>"$TF_TMP/frame.log" || fail "replay exited $?: $(tail -n 3 "$TF_TMP/frame.log")"
$K -C -t frame -e -q -J >"$TF_TMP/frame.out" || fail "kcat -C frame"
$PY - "$SAMPLE" "$TF_TMP/frame.out" <<'PYEOF' || fail "replayed values differ from the frame's elements"
import json, sys
text = open(sys.argv[1]).read().strip()
dec, i, want = json.JSONDecoder(), 1, {}
while text[i] != ']':  # slice each element's exact bytes out of the array
    while text[i] in ' \t\r\n,':
        i += 1
    obj, end = dec.raw_decode(text, i)
    want[obj["s"]] = (text[i:end], obj["E"])
    i = end
    while text[i] in ' \t\r\n,':
        i += 1
got = [json.loads(l) for l in open(sys.argv[2])]
assert len(want) == 26 and len(got) == 26, f"{len(got)} records for {len(want)} elements"
for r in got:
    v, E = want[r["key"]]
    assert r["payload"] == v, (r["payload"], v)
    assert r["ts"] == E, (r["ts"], E)
print("replay: 26 values byte-identical, timestamps = E")
PYEOF

# 3. Dead letters: a non-JSON line and a bad element (no "s") beside a good one.
GOOD='{"e":"24hrMiniTicker","E":1592594715455,"s":"ETHBTC","c":"0.02456700","o":"0.02459800","h":"0.02470900","l":"0.02438100","v":"163116.18600000","q":"4006.04936991"}'
{
	echo "1592594716000 ws this is not json"
	echo "1592594716001 ws [$GOOD,{\"e\":\"24hrMiniTicker\",\"E\":1592594715456}]"
} >"$TF_TMP/bad.rec"
timeout 30 "$TICKFLOW" ingest --source "replay:$TF_TMP/bad.rec" --speed 0 --brokers "$BROKER" --topic bad \
	--dlq-topic bad.dlq --stats 2>"$TF_TMP/bad.log" || fail "replay of bad input exited $?: $(tail -n 3 "$TF_TMP/bad.log")"
[[ $(stat records "$TF_TMP/bad.log") == 1 && $(stat dead_letters "$TF_TMP/bad.log") == 2 ]] ||
	fail "stats: $(cat "$TF_TMP/bad.log")"
[[ $($K -C -t bad -e -q -f '%s\n') == "$GOOD" ]] || fail "the good element is not in topic bad"
$K -C -t bad.dlq -e -q -f '%h\t%T\t%s\n' >"$TF_TMP/dlq.out" || fail "kcat -C bad.dlq"
$PY - "$TF_TMP/dlq.out" <<'PYEOF' || fail "dead letters are wrong: $(cat "$TF_TMP/dlq.out")"
import sys
rows = [l.split('\t', 2) for l in open(sys.argv[1]).read().splitlines()]
assert len(rows) == 2, rows
by_value = {v: (h, int(ts)) for h, ts, v in rows}
h, ts = by_value["this is not json"]
assert h.startswith("reason=") and len(h) > len("reason=") + 3 and ts == 1592594716000, (h, ts)
h, ts = by_value['{"e":"24hrMiniTicker","E":1592594715456}']
assert h.startswith("reason=") and len(h) > len("reason=") + 3 and ts == 1592594716001, (h, ts)
print("dead letters:", [r[0] for r in rows])
PYEOF

# 4. No broker: one clear line and exit 1 within the bound.
DEAD=$(free_port)
t0=$SECONDS
set +e
timeout 30 "$TICKFLOW" ingest --source "replay:$TF_TMP/frame.rec" --brokers "127.0.0.1:$DEAD" --broker-timeout 2s \
	2>"$TF_TMP/dead.log"
rc=$?
set -e
[[ $rc == 1 ]] || fail "no broker: exit $rc, want 1"
((SECONDS - t0 <= 10)) || fail "no broker: took $((SECONDS - t0)) s"
grep -q "^tickflow ingest: cannot reach broker 127.0.0.1:$DEAD (.*); start one with 'tickflow broker' or pass --brokers" \
	"$TF_TMP/dead.log" || fail "unclear message: $(cat "$TF_TMP/dead.log")"
(($(grep -c -v ' debug ' "$TF_TMP/dead.log") == 1)) || fail "more than one line: $(cat "$TF_TMP/dead.log")"

# 5. SIGINT during a fast run: exit 0, everything delivered is in the topic.
start fast "$TICKFLOW" ingest --source sim --symbols 200 --rate 50000 --brokers "$BROKER" --topic fast --stats
wait_for "$TF_TMP/fast.log" 'kafka: connected' 10
sleep 1.5
kill -INT "$PID_fast"
rc=0
wait "$PID_fast" || rc=$?
[[ $rc == 0 ]] || fail "SIGINT: exit $rc: $(tail -n 3 "$TF_TMP/fast.log")"
rec=$(stat records "$TF_TMP/fast.log")
del=$(stat kafka_delivered "$TF_TMP/fast.log")
((rec > 1000)) && [[ $del == "$rec" && $(stat kafka_failed "$TF_TMP/fast.log") == 0 ]] ||
	fail "stats: $(grep stats: "$TF_TMP/fast.log")"
got=$($K -C -t fast -e -q -f '%k\n' | wc -l)
[[ $got == "$del" ]] || fail "SIGINT: $got records in the topic, $del delivered"
echo "sigint: $del records delivered and present"

# 6. Broker killed mid-run: SIGINT then gives up after --flush-timeout, counts the loss, exits 1.
start lossy "$TICKFLOW" ingest --source sim --symbols 200 --rate 20000 --brokers "$BROKER" --topic lossy --stats \
	--flush-timeout 1s
wait_for "$TF_TMP/lossy.log" 'kafka: connected' 10
sleep 0.5
kill -9 "$PID_broker"
sleep 1
kill -INT "$PID_lossy"
rc=0
wait "$PID_lossy" || rc=$?
[[ $rc == 1 ]] || fail "undelivered records: exit $rc, want 1: $(tail -n 3 "$TF_TMP/lossy.log")"
failed=$(stat kafka_failed "$TF_TMP/lossy.log")
((failed > 0)) || fail "no failed deliveries counted: $(grep stats: "$TF_TMP/lossy.log")"
[[ $((failed + $(stat kafka_delivered "$TF_TMP/lossy.log"))) == $(stat kafka_produced "$TF_TMP/lossy.log") ]] ||
	fail "produced != delivered + failed: $(grep stats: "$TF_TMP/lossy.log")"
grep -q "kafka: $failed of [0-9]* records could not be delivered" "$TF_TMP/lossy.log" || fail "the loss is not logged"
echo "broker killed: $failed records counted as undelivered, exit 1"

# 7. Usage.
set +e
"$TICKFLOW" ingest --source sim --dlq "$TF_TMP/x.dlq" 2>"$TF_TMP/usage.log"; rc=$?
set -e
[[ $rc == 2 ]] || fail "--dlq without --out: exit $rc, want 2"
grep -q -- "--dlq FILE goes with --out" "$TF_TMP/usage.log" || fail "unclear message: $(cat "$TF_TMP/usage.log")"
"$TICKFLOW" ingest --help >"$TF_TMP/help"
for o in brokers topic dlq-topic compression idempotence broker-timeout flush-timeout; do
	grep -A1 -E "^  --$o " "$TF_TMP/help" | grep -q 'default:' || fail "--help does not show --$o with its default"
done
echo ok

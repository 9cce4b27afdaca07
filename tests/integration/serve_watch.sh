#!/usr/bin/env bash
# serve_watch.sh — the symbols a page shows are published at every change, the rest of the market
# coalesced (engine/watch.h): serve writes the union of its pages' ?candles= lists to live.watch,
# the stream reads it and publishes those symbols outside --publish-rate.
#  1. broker + `tickflow stream --publish-interval 2s --publish-rate 1` (the firehose coalesced) + serve
#     --brokers + an SSE client with ?candles=S001USDT: live.watch says S001USDT, the stream says it
#     reads the topic;
#  2. 360 records paced over ~1 s (each symbol every ~25 ms): nearly every S001USDT record
#     becomes its own candle message on candles.1m and its own SSE event, another symbol's changes
#     are coalesced into a few messages;
#  3. the client goes: serve writes an empty list at once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve/pipeline.sh"
D=$(dirname "$0")
PY=/usr/bin/python3

BP=$(free_port)
DB=$TF_TMP/db
start broker "$TICKFLOW" broker --listen 127.0.0.1:$BP --data-dir "$TF_TMP/broker"
wait_port "$BP"
$PY "$D/stream/gen.py" 600 12 4 5 20 | cut -f2,4 >"$TF_TMP/all"
head -n 240 "$TF_TMP/all" >"$TF_TMP/first" # creates the topics and the store
tail -n +241 "$TF_TMP/all" >"$TF_TMP/second"
serve_produce "$TF_TMP/first"
start stream "$TICKFLOW" stream --brokers 127.0.0.1:$BP --store "sqlite:$DB" --commit-interval 30s \
	--publish-rate 1 --publish-interval 2s
deadline=$((SECONDS + 60))
until (($(sqlite3 "$DB" "select count(*) from ticks" 2>/dev/null || echo 0) >= 200)); do
	((SECONDS < deadline)) || fail "the stream did not commit the first records"
	sleep 0.2
done
HP=$(free_port)
U=http://127.0.0.1:$HP
start serve "$TICKFLOW" serve --store "sqlite:$DB" --http 127.0.0.1:$HP --brokers 127.0.0.1:$BP
wait_port "$HP"
wait_for "$TF_TMP/serve.log" "live bus: consuming candles.1m" 30

# 1. a page showing S001USDT
start tap $PY "$D/serve/sse_tap.py" "$U/api/stream?candles=S001USDT"
watched() { timeout 10 kcat -C -b 127.0.0.1:$BP -t live.watch -e -q -f '%s\n' 2>/dev/null | tail -n 1; }
deadline=$((SECONDS + 30))
until [[ $(watched) == "15000 S001USDT" ]]; do
	((SECONDS < deadline)) || fail "live.watch does not say S001USDT: '$(watched)'"
	sleep 0.5
done
wait_for "$TF_TMP/stream.log" "reading the watched symbols from live.watch" 30
sleep 1 # the stream's reader rebuilds its list every 500 ms

# 2. paced records; count candle messages per symbol
start bus kcat -C -b 127.0.0.1:$BP -t candles.1m -o end -u -q -f '%s\n'
sleep 1
$PY - "$TF_TMP/second" <<'PYEND' | timeout 60 kcat -P -b 127.0.0.1:$BP -t ticks -K $'\t' -X linger.ms=0 || fail "produce"
import sys, time
for l in open(sys.argv[1]):
    sys.stdout.write(l)
    sys.stdout.flush()
    time.sleep(0.002)
PYEND
sleep 2
kill "$PID_bus"
n_w=$(grep -c '"symbol":"S001USDT"' "$TF_TMP/bus.out" || true)
n_o=$(grep -c '"symbol":"S002USDT"' "$TF_TMP/bus.out" || true)
r_w=$(grep -c '^S001USDT' "$TF_TMP/second" || true)
r_o=$(grep -c '^S002USDT' "$TF_TMP/second" || true)
sse_w=$(grep -c $'\tcandle\t.*"symbol":"S001USDT"' "$TF_TMP/tap.out" || true)
echo "S001USDT (watched): $r_w records, $n_w bus messages, $sse_w SSE events; S002USDT: $r_o records, $n_o bus messages"
((r_w >= 20)) || fail "too few S001USDT records in the test data ($r_w)"
((n_w >= r_w * 6 / 10)) || fail "the watched symbol was coalesced: $n_w messages for $r_w records"
((sse_w >= r_w * 6 / 10)) || fail "the page got $sse_w S001USDT updates for $r_w records"
((n_o <= r_o / 3)) || fail "an unwatched symbol was not coalesced (--publish-interval 2s): $n_o messages for $r_o records"

# 3. the page goes
kill "$PID_tap"
deadline=$((SECONDS + 30))
until [[ $(watched) == "15000 " ]]; do
	((SECONDS < deadline)) || fail "serve did not withdraw the watched symbols: '$(watched)'"
	sleep 0.5
done
echo "serve_watch ok"

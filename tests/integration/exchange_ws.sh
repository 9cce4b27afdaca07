# exchange_ws.sh — `tickflow exchange` WebSocket side against the npm `ws` client: streams,
# combined wrapping, live SUBSCRIBE/UNSUBSCRIBE/LIST_SUBSCRIPTIONS and Binance's errors, bad
# upgrade targets, the 5 messages/s rule, pings and the drop of a client that never pongs, and
# serverShutdown at --max-conn-age. Then SIGTERM stops the exchange with exit 0.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export NODE_PATH=$ROOT/node_modules
PEER=$ROOT/tests/integration/peers/exchange_client.js

P1=$(free_port)
start ex1 "$TICKFLOW" exchange --listen 127.0.0.1:$P1 --seed 42 --symbols 60 --ping-interval 1s --pong-timeout 3s
wait_port "$P1"
timeout 90 node "$PEER" streams "$P1" || fail "stream checks (exchange log: $(tail -5 "$TF_TMP/ex1.log"))"
grep -q "dropping .*: Pong timeout" "$TF_TMP/ex1.log" || fail "no log line for the pong timeout"
grep -q "dropping .*: Too many messages" "$TF_TMP/ex1.log" || fail "no log line for the message rate"
grep -q "listening on 127.0.0.1:$P1 (seed 42" "$TF_TMP/ex1.log" || fail "the seed is not printed at start"

P2=$(free_port)
start ex2 "$TICKFLOW" exchange --listen 127.0.0.1:$P2 --seed 7 --symbols 20 --max-conn-age 3s
wait_port "$P2"
timeout 30 node "$PEER" age "$P2" || fail "max-conn-age checks"

# --rate: records at the asked pace, in many frames; a reader that stalls is dropped as too slow
P3=$(free_port)
start ex3 "$TICKFLOW" exchange --listen 127.0.0.1:$P3 --seed 3 --symbols 300 --rate 20000 --max-queued 65536
wait_port "$P3"
timeout 30 node "$PEER" rate "$P3" 20000 || fail "--rate checks"
wait_for "$TF_TMP/ex3.log" "dropping .*: Slow consumer" 20

# SIGTERM: clean stop, exit 0, no sanitizer report
kill -TERM "$PID_ex1"
rc=0; wait "$PID_ex1" || rc=$?
[[ $rc == 0 ]] || fail "exchange exited $rc on SIGTERM: $(tail -20 "$TF_TMP/ex1.log")"
# one log line per connection event, never per message: a few dozen lines for the whole run
lines=$(wc -l <"$TF_TMP/ex1.log")
((lines < 60)) || fail "exchange logged $lines lines"
echo ok

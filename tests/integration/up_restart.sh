# up_restart.sh — the README's first command from a fresh clone, then restarts that must lose nothing:
#  1. `git clone` of this repository's HEAD, `make run` in it (deps, build, `tickflow up`) in the
#     background; the dashboard page and candles answer within a bounded time;
#  2. SIGINT: a clean stop (exit 0, in order); start again: it continues;
#  3. kill -9 of the whole process mid-run; start again: it continues; SIGINT;
#  4. the record: every record in the broker's log is in the store exactly once (ticks + dead letters
#     = records in the log), every 1m candle counts exactly the ticks of its minute, and the minutes
#     with candles have no hole across the restarts.
# Run 1 is the clone's own build (what a user gets); runs 2 and 3 use $TICKFLOW (the sanitizer build
# under `make test`) on the same data. The clone is of the committed HEAD.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CLONE=$TF_TMP/clone
git clone -q "$ROOT" "$CLONE"
HTTP=$(free_port) EX=$(free_port) BR=$(free_port)
DATA=$TF_TMP/data
ARGS="--data-dir $DATA --http 127.0.0.1:$HTTP --exchange-listen 127.0.0.1:$EX --broker-listen 127.0.0.1:$BR --symbols 40 --seed 7 --status-every 2s"
API="http://127.0.0.1:$HTTP"

# up_pid: the pid of the running `tickflow up` of this test.
up_pid() { pgrep -o -f "tickflow up --data-dir $DATA" || true; }

# candles_of SYMBOL: number of 1m candles the dashboard's API returns for it.
candles_of() {
	curl -sf "$API/api/candles?symbol=$1&interval=1m&limit=1000" |
		/usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["candles"]))' 2>/dev/null || echo 0
}

# wait_candles N SECONDS: until BTCUSDT has at least N 1m candles (and the page is served).
wait_candles() {
	local deadline=$((SECONDS + $2))
	until (($(candles_of BTCUSDT) >= $1)) && curl -sf "$API/" | grep -q '<title>'; do
		((SECONDS < deadline)) || fail "the dashboard shows no candles after $2 s"
		sleep 0.5
	done
}

# stored_ticks: ticks in the store.
stored_ticks() { sqlite3 "$DATA/tickflow.db" "SELECT count(*) FROM ticks"; }

# wait_more_ticks N SECONDS: until the store holds more than N ticks.
wait_more_ticks() {
	local deadline=$((SECONDS + $2))
	until (($(stored_ticks) > $1)); do
		((SECONDS < deadline)) || fail "no new ticks after a restart ($(stored_ticks) <= $1)"
		sleep 0.5
	done
}

# stop_up SIG: sends SIG to up and waits for it to end; prints nothing, fails after 60 s.
stop_up() {
	local pid
	pid=$(up_pid)
	[[ -n $pid ]] || fail "tickflow up is not running"
	kill "-$1" "$pid"
	for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	fail "tickflow up did not stop within 60 s of SIG$1"
}

# 1. fresh clone: make run (installs what is missing, builds, starts up)
t0=$SECONDS
start run1 make -C "$CLONE" run ARGS="$ARGS"
wait_candles 1 900
echo "first run: dashboard with candles $((SECONDS - t0)) s after make run (includes the build)"
grep -q "dashboard at http://127.0.0.1:$HTTP/" "$TF_TMP/run1.out" || fail "up did not print the dashboard URL"
sleep 6

# 2. SIGINT: clean stop, then restart
stop_up INT
wait "$PID_run1" || fail "make run did not exit 0 after SIGINT: $(tail -5 "$TF_TMP/run1.log")"
grep -q "up: stopped" "$TF_TMP/run1.log" || fail "up did not log its clean stop"
for c in ingest exchange stream serve broker; do
	grep -q "^.* $c: " "$TF_TMP/run1.log" || fail "no log line of $c"
done
# the order: ingest's producer flushed before the broker stopped
line() { grep -m1 -n "$1" "$TF_TMP/run1.log" | cut -d: -f1; }
(($(line "ingest: kafka: .* delivered") < $(line "broker: broker stopping"))) || fail "the broker stopped before ingest flushed"
(($(line "stream: stopped after") < $(line "broker: broker stopping"))) || fail "the broker stopped before stream committed"
n1=$(stored_ticks)
echo "after SIGINT: $n1 ticks stored"
start run2 "$TICKFLOW" up $ARGS
wait_more_ticks "$n1" 60
sleep 6

# 3. kill -9 mid-run, restart, clean stop
n2=$(stored_ticks)
stop_up KILL
wait "$PID_run2" 2>/dev/null || true
echo "kill -9 at $n2 ticks stored"
start run3 "$TICKFLOW" up $ARGS
wait_more_ticks "$n2" 60
sleep 6
stop_up INT
wait "$PID_run3" || fail "up did not exit 0 after SIGINT (run 3): $(tail -5 "$TF_TMP/run3.log")"

# 4. the record against the broker's log, read by a real Kafka client
start broker "$TICKFLOW" broker --listen "127.0.0.1:$BR" --data-dir "$DATA/broker"
wait_port "$BR"
count_topic() { kcat -C -b "127.0.0.1:$BR" -t "$1" -o beginning -e -q -f '%p %o\n' 2>/dev/null | wc -l; }
logged=$(count_topic ticks)
dead=$(count_topic ticks.dlq)
stored=$(stored_ticks)
echo "log: $logged records ($dead dead letters); store: $stored ticks"
((logged > 0)) || fail "the log is empty"
((stored + dead == logged)) || fail "store ($stored ticks + $dead dead letters) != log ($logged records)"
bad=$(sqlite3 "$DATA/tickflow.db" "
	SELECT count(*) FROM candles c WHERE c.interval = '1m' AND c.updates !=
	  (SELECT count(*) FROM ticks t WHERE t.symbol = c.symbol AND t.event_time >= c.open_time
	   AND t.event_time < c.open_time + 60000)")
[[ $bad == 0 ]] || fail "$bad 1m candles do not count exactly the ticks of their minute"
holes=$(sqlite3 "$DATA/tickflow.db" "
	WITH m AS (SELECT DISTINCT open_time FROM candles WHERE interval = '1m')
	SELECT ((SELECT max(open_time) FROM m) - (SELECT min(open_time) FROM m)) / 60000 + 1 - (SELECT count(*) FROM m)")
[[ $holes == 0 ]] || fail "$holes minutes without any candle between the first and the last"
minutes=$(sqlite3 "$DATA/tickflow.db" "SELECT count(DISTINCT open_time) FROM candles WHERE interval = '1m'")
echo "ok: 3 runs (SIGINT, kill -9), $stored ticks exactly once, $minutes minutes of candles without a hole"

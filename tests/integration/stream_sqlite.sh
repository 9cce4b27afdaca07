# stream_sqlite.sh — broker → `tickflow stream` → SQLite on 200,000 generated miniTicker records
# (200 symbols, jumps, dead symbols, a silent symbol, out-of-order, late and corrupt records):
#  1. one uninterrupted worker; the reference model (stream/model.py) recomputes every candle
#     and alert from the ticks table and the log and must agree exactly;
#  2. the dead-letter topic holds every late and corrupt record once, with a reason header; the
#     stream's late/DLQ counters committed in the store equal the model, the engine's own count and
#     the topic, and `tickflow serve` shows the same on /metrics;
#  3. crash: a worker killed with -9 at >= 10 random instants mid-run and restarted gives tables
#     byte-identical to run 1, and the same per-partition counters (exactly-once, though the DLQ
#     topic now holds repeats);
#  4. two workers in one group, one killed for good mid-run: byte-identical again, same counters;
#  5. --from earliest over the same log rebuilds identical tables and counters;
#  6. --no-store-ticks gives the same tables and counters without the ticks.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/stream/stream_lib.sh"
N=200000
setup_stream $N 200 11

# 1. reference run and model
run_stream ref "sqlite:$TF_TMP/ref.db" ref --threads 2
$PY "$D/model.py" "$TF_TMP/rec.tsv" "$TF_TMP/ref.db" | tee "$TF_TMP/model.txt" || fail "engine differs from the reference model"
dump "$TF_TMP/ref.db" "$TF_TMP/ref.txt"
[[ $(sqlite3 "$TF_TMP/ref.db" "SELECT count(DISTINCT scope) FROM rates WHERE updates > 0") == 4 ]] || fail "no sliding windows for the 4 partitions"

# 2. DLQ: late and corrupt records, each once, with its reason
late=$(sed -E 's/.* ([0-9]+) late, ([0-9]+) corrupt.*/\1/' "$TF_TMP/model.txt")
bad=$(sed -E 's/.* ([0-9]+) late, ([0-9]+) corrupt.*/\2/' "$TF_TMP/model.txt")
timeout 60 kcat -C -b "$BROKER" -t ticks.dlq -o beginning -e -q -f '%h\n' >"$TF_TMP/dlq.txt" || fail "kcat dlq"
[[ $(grep -c '^reason=late: 1m window' "$TF_TMP/dlq.txt") == "$late" ]] || fail "DLQ late: $(grep -c '^reason=late' "$TF_TMP/dlq.txt"), model $late"
[[ $(grep -c '^reason=decode: ' "$TF_TMP/dlq.txt") == "$bad" ]] || fail "DLQ corrupt: $(grep -c '^reason=decode' "$TF_TMP/dlq.txt"), model $bad"
grep -q 'source=' "$TF_TMP/dlq.txt" || fail "DLQ records lack the source header"

# 2a. the committed counters: store = model = engine's log = the DLQ topic = serve's /metrics
counters() { sqlite3 "$1" "SELECT partition || ' ' || records || ' ' || late || ' ' || dlq FROM stream_offsets WHERE consumer_group = '$2' ORDER BY partition"; }
counters "$TF_TMP/ref.db" ref >"$TF_TMP/counters-ref.txt"
read -r s_rec s_late s_dlq < <(sqlite3 -separator ' ' "$TF_TMP/ref.db" "SELECT sum(records), sum(late), sum(dlq) FROM stream_offsets WHERE consumer_group = 'ref'")
read -r e_rec e_late e_dlq < <(sed -nE 's/.*stopped after ([0-9]+) records \(([0-9]+) late, ([0-9]+) to ticks.dlq\).*/\1 \2 \3/p' "$TF_TMP/ref.log")
topic=$(wc -l <"$TF_TMP/dlq.txt")
echo "counters: store $s_rec records, $s_late late, $s_dlq DLQ; engine $e_rec/$e_late/$e_dlq; topic $topic; model $late late + $bad corrupt"
[[ $s_rec == "$N" && $s_late == "$late" && $s_dlq == "$topic" && $s_dlq == $((late + bad)) ]] || fail "stored counters differ from the model and the topic"
[[ "$e_rec $e_late $e_dlq" == "$s_rec $s_late $s_dlq" ]] || fail "stored counters differ from the engine's count"
HP=$(free_port)
start serve "$TICKFLOW" serve --store "sqlite:$TF_TMP/ref.db" --http 127.0.0.1:$HP --poll 100ms
wait_port "$HP"
# metric_sum NAME: the sum of NAME over group "ref" on serve's /metrics
metric_sum() { curl -sf "http://127.0.0.1:$HP/metrics" | awk -v k="$1" 'index($1, k "{group=\"ref\"") == 1 { s += $2; n++ } END { if (n) print s }'; }
deadline=$((SECONDS + 20))
until [[ $(metric_sum tickflow_stream_dlq_records_total) == "$topic" ]]; do
	((SECONDS < deadline)) || fail "/metrics shows $(metric_sum tickflow_stream_dlq_records_total) DLQ records, the topic holds $topic"
	sleep 0.2
done
[[ $(metric_sum tickflow_stream_late_records_total) == "$late" ]] || fail "/metrics late $(metric_sum tickflow_stream_late_records_total), model $late"
[[ $(metric_sum tickflow_stream_records_total) == "$N" ]] || fail "/metrics records $(metric_sum tickflow_stream_records_total), produced $N"
[[ $(curl -sf "http://127.0.0.1:$HP/metrics" | grep -c '^tickflow_stream_dlq_records_total{group="ref",topic="ticks",partition="[0-3]"} [0-9]*$') == 4 ]] ||
	fail "/metrics lacks one DLQ series per partition"

# 2b. live bus: every alert once on topic alerts; every 1m candle on candles.1m, its last message
# equal to the table's row
timeout 60 kcat -C -b "$BROKER" -t alerts -o beginning -e -q -f '%s\n' >"$TF_TMP/bus-alerts.txt" || fail "kcat alerts"
timeout 60 kcat -C -b "$BROKER" -t candles.1m -o beginning -e -q -f '%s\n' >"$TF_TMP/bus-candles.txt" || fail "kcat candles.1m"
$PY - "$TF_TMP/ref.db" "$TF_TMP/bus-alerts.txt" "$TF_TMP/bus-candles.txt" <<'PYEND' || fail "live bus differs from the tables"
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
alerts = [json.loads(l) for l in open(sys.argv[2])]
assert len(alerts) == len({a["id"] for a in alerts}) == db.execute("SELECT count(*) FROM alerts").fetchone()[0], "alert count"
last = {}
for l in open(sys.argv[3]):
    c = json.loads(l, parse_float=str)  # decimals as written: exact text
    last[(c["symbol"], c["t"])] = c
rows = db.execute("SELECT symbol, open_time, close, updates, final, last_event_time FROM candles WHERE interval = '1m'").fetchall()
assert len(rows) == len(last), f"{len(rows)} 1m candles, {len(last)} on the bus"
for s, t, close, updates, final, let in rows:
    c = last[(s, t)]
    assert (c["c"], c["n"], c["final"], c["last_event_time"]) == (close, updates, bool(final), let), (s, t, c)
print(f"bus: {len(alerts)} alerts, {len(last)} candles")
PYEND

# 3. kill -9 at random instants, restart each time
offsets() { sqlite3 "$TF_TMP/crash.db" "SELECT coalesce(sum(next_offset),0) FROM stream_offsets WHERE consumer_group='crash'" 2>/dev/null || echo 0; }
kill_runs "sqlite:$TF_TMP/crash.db" 12
((mid >= 10)) || fail "only $mid kills landed mid-run"
run_stream crash-final "sqlite:$TF_TMP/crash.db" crash --threads 2
dump "$TF_TMP/crash.db" "$TF_TMP/crash.txt"
cmp "$TF_TMP/ref.txt" "$TF_TMP/crash.txt" || { diff "$TF_TMP/ref.txt" "$TF_TMP/crash.txt" | head; fail "tables after $mid kills differ from the uninterrupted run"; }
counters "$TF_TMP/crash.db" crash | diff "$TF_TMP/counters-ref.txt" - || fail "counters after $mid kills differ from the uninterrupted run"

# 4. two workers, one killed for good mid-run
"$TICKFLOW" stream --brokers "$BROKER" --store "sqlite:$TF_TMP/duo.db" --group duo --session-timeout 2s \
	--threads 1 --commit-interval 50ms --batch 2000 >/dev/null 2>"$TF_TMP/duo-a.log" &
pid_a=$!
TF_PIDS+=($pid_a)
start duo-b timeout 180 "$TICKFLOW" stream --brokers "$BROKER" --store "sqlite:$TF_TMP/duo.db" --group duo \
	--session-timeout 2s --threads 1 --exit-idle 4s --commit-interval 50ms
wait_log "$TF_TMP/duo-a.log" "assigned" 30
wait_log "$TF_TMP/duo-b.log" "assigned" 30
sleep 0.1
kill -9 $pid_a
wait "$PID_duo_b" || fail "the surviving worker failed"
grep -q "assigned 4 partitions" "$TF_TMP/duo-b.log" || fail "the survivor did not take over all partitions"
grep -q "resuming at offset" "$TF_TMP/duo-b.log" || fail "the survivor did not resume from the store"
dump "$TF_TMP/duo.db" "$TF_TMP/duo.txt"
cmp "$TF_TMP/ref.txt" "$TF_TMP/duo.txt" || fail "two workers with one killed differ from the uninterrupted run"
counters "$TF_TMP/duo.db" duo | diff "$TF_TMP/counters-ref.txt" - || fail "counters of two workers with one killed differ"

# 5. rebuild from the log
run_stream rebuild "sqlite:$TF_TMP/ref.db" ref --from earliest --threads 2
grep -q "rebuilding from earliest" "$TF_TMP/rebuild.log" || fail "--from earliest did not rebuild"
dump "$TF_TMP/ref.db" "$TF_TMP/rebuilt.txt"
cmp "$TF_TMP/ref.txt" "$TF_TMP/rebuilt.txt" || fail "rebuilding from the log changed the tables"
counters "$TF_TMP/ref.db" ref | diff "$TF_TMP/counters-ref.txt" - || fail "rebuilding from the log changed the counters"
sleep 1.5 # serve reads the counters once a second
[[ $(metric_sum tickflow_stream_dlq_records_total) == "$topic" ]] || fail "/metrics DLQ after the rebuild: $(metric_sum tickflow_stream_dlq_records_total)"
# 6. --no-store-ticks: the same candles, alerts, rates and counters, and no ticks
run_stream noticks "sqlite:$TF_TMP/noticks.db" noticks --no-store-ticks --threads 2
[[ $(sqlite3 "$TF_TMP/noticks.db" "SELECT count(*) FROM ticks") == 0 ]] || fail "--no-store-ticks stored ticks"
dump "$TF_TMP/noticks.db" "$TF_TMP/noticks.txt"
but_ticks() { awk '/^== /{ skip = $2 == "ticks" } !skip' "$1"; }
cmp <(but_ticks "$TF_TMP/ref.txt") <(but_ticks "$TF_TMP/noticks.txt") || fail "--no-store-ticks changed the other tables"
counters "$TF_TMP/noticks.db" noticks | diff "$TF_TMP/counters-ref.txt" - || fail "--no-store-ticks changed the counters"
echo "ok: model, DLQ, $mid kills, two workers, rebuild, no ticks"

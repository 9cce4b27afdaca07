# ingest_replay.sh — `tickflow ingest` without a network: the shared samples replayed give exactly
# their elements as records (byte for byte); a simulator run recorded with --record and replayed
# gives the same records; corrupt replay lines become dead letters; SIGINT flushes and exits 0;
# --help lists every option with its default; usage errors exit 2.
source "$(dirname "$0")/lib.sh"
PEERS=$(cd "$(dirname "$0")/peers" && pwd)
S=$TF_SAMPLES_DIR

# 1. Samples → replay file (one frame a line, as --record writes) → records = elements, exact bytes.
awk '{printf "%.0f ws %s\n", 1592594715000 + NR, $0}' "$S/unicornfy_spot_ws_messages.jsonl" \
	"$S/cryptofeed_extracted_kline_aggTrade_combined.jsonl" >"$TF_TMP/samples.rec"
timeout 20 "$TICKFLOW" ingest --source "replay:$TF_TMP/samples.rec" --speed 0 --format record \
	--out "$TF_TMP/samples.out" --dlq "$TF_TMP/samples.dlq" || fail "replay of the samples exited $?"
/usr/bin/python3 "$PEERS/check_records.py" "$TF_TMP/samples.out" "$S/unicornfy_spot_ws_messages.jsonl" \
	"$S/cryptofeed_extracted_kline_aggTrade_combined.jsonl" || fail "replayed records differ from the sample elements"
[[ ! -s $TF_TMP/samples.dlq ]] || fail "dead letters from clean samples: $(head -c 300 "$TF_TMP/samples.dlq")"

# 2. Simulator → --record → replay: the same records, in the same order.
timeout 20 "$TICKFLOW" ingest --source sim --symbols 30 --seed 7 --rate 3000 --duration 2s --format record \
	--record "$TF_TMP/sim.rec" --out "$TF_TMP/live.out" 2>"$TF_TMP/live.log" || fail "sim run exited $?"
n=$(wc -l <"$TF_TMP/live.out")
((n > 1000)) || fail "only $n records from the simulator at 3000/s for 2 s"
timeout 20 "$TICKFLOW" ingest --source "replay:$TF_TMP/sim.rec" --speed 0 --format record \
	--out "$TF_TMP/replay.out" 2>"$TF_TMP/replay.log" || fail "replay exited $?"
cmp -s "$TF_TMP/live.out" "$TF_TMP/replay.out" || fail "replay of the recording gives different records"
# ... and in tick format each line is a normalised tick of a simulated symbol
timeout 20 "$TICKFLOW" ingest --source "replay:$TF_TMP/sim.rec" --speed 0 --limit 100 --out - >"$TF_TMP/ticks.out"
[[ $(wc -l <"$TF_TMP/ticks.out") == 100 ]] || fail "--limit 100 did not give 100 lines"
/usr/bin/python3 - "$TF_TMP/ticks.out" <<'PY' || fail "tick lines are not what they should be"
import json, sys
for line in open(sys.argv[1]):
    t = json.loads(line)
    assert t["kind"] == "miniTicker" and t["symbol"].isalnum() and t["event_time"] > 1.6e12, t
PY

# 3. Recorded pace: a 2 s recording replayed at --speed 1 takes about 2 s, at --speed 4 about 0.5 s.
start=$(date +%s%N)
timeout 20 "$TICKFLOW" ingest --source "replay:$TF_TMP/sim.rec" --speed 1 --out /dev/null 2>/dev/null
slow=$((($(date +%s%N) - start) / 1000000))
((slow >= 1500)) || fail "--speed 1 replayed a 2 s recording in $slow ms"

# 4. Corrupt lines: dead letters naming the line, the rest still delivered, exit 0.
{ head -n 3 "$TF_TMP/samples.rec"; echo "not a record line"; echo "5 ws+b64 ***"; tail -n 2 "$TF_TMP/samples.rec"; } >"$TF_TMP/bad.rec"
timeout 20 "$TICKFLOW" ingest --source "replay:$TF_TMP/bad.rec" --speed 0 --out "$TF_TMP/bad.out" \
	--dlq "$TF_TMP/bad.dlq" || fail "replay with corrupt lines exited $?"
[[ $(wc -l <"$TF_TMP/bad.dlq") == 2 ]] || fail "expected 2 dead letters, got: $(cat "$TF_TMP/bad.dlq")"
grep -q '"reason":"replay .* line 4: ' "$TF_TMP/bad.dlq" || fail "dead letter does not name line 4"
grep -q '"raw":"not a record line"' "$TF_TMP/bad.dlq" || fail "dead letter does not carry the raw line"
(($(wc -l <"$TF_TMP/bad.out") > 3)) || fail "records around the corrupt lines were lost"

# 5. SIGINT: flush, complete lines, summary, exit 0.
"$TICKFLOW" ingest --source sim --symbols 50 --rate 5000 --out "$TF_TMP/int.out" --stats 2>"$TF_TMP/int.log" &
pid=$!
TF_PIDS+=($pid)
wait_for "$TF_TMP/int.out" 'miniTicker' 10
kill -INT $pid
rc=0
wait $pid || rc=$?
[[ $rc == 0 ]] || fail "SIGINT: exit $rc (want 0)"
grep -q 'stats: .*records=[1-9]' "$TF_TMP/int.log" || fail "no summary line after SIGINT"
tail -c 1 "$TF_TMP/int.out" | od -c | grep -q '\\n' || fail "output does not end with a complete line"

# 6. Help and usage.
"$TICKFLOW" ingest --help >"$TF_TMP/help"
for o in source out format dlq record ca-file max-message limit duration speed rate symbols seed yahoo-url poll \
	rest-url rotate-after ping-interval pong-timeout connect-timeout backoff-base backoff-max stats; do
	grep -A1 -E "^  --$o " "$TF_TMP/help" | grep -q 'default:' || fail "--help does not show --$o with its default"
done
set +e
"$TICKFLOW" ingest --source bogus 2>"$TF_TMP/err"; rc=$?
set -e
[[ $rc == 2 ]] || fail "unknown source must exit 2, got $rc"
grep -q "unknown --source 'bogus'" "$TF_TMP/err" || fail "unclear message: $(cat "$TF_TMP/err")"
set +e
"$TICKFLOW" ingest --source "replay:$TF_TMP/missing.rec" 2>"$TF_TMP/err"; rc=$?
set -e
[[ $rc == 1 ]] || fail "missing replay file must exit 1, got $rc"
grep -q "cannot open replay file" "$TF_TMP/err" || fail "unclear message: $(cat "$TF_TMP/err")"
echo ok

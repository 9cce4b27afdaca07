# ingest_yahoo.sh — `tickflow ingest --source yahoo:...` polling the exchange's Yahoo-style v8
# chart API: bars become records keyed by symbol, later polls emit only bars newer than those
# already emitted (no (symbol, time) twice), and an unknown symbol's Yahoo error is a dead letter
# with the reason while the others go on.
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
start exchange "$TICKFLOW" exchange --listen "127.0.0.1:$PORT" --seed 9
wait_port "$PORT"
timeout 30 "$TICKFLOW" ingest --source yahoo:AAPL,MSFT,NOSUCH --yahoo-url "http://127.0.0.1:$PORT" --poll 1s \
	--duration 3500ms --out "$TF_TMP/bars.jsonl" --dlq "$TF_TMP/dlq.jsonl" --stats 2>"$TF_TMP/ingest.log" ||
	fail "ingest exited $?: $(tail -n 3 "$TF_TMP/ingest.log")"
/usr/bin/python3 - "$TF_TMP/bars.jsonl" "$TF_TMP/dlq.jsonl" <<'PY' || fail "yahoo records are wrong"
import json, sys
bars = [json.loads(l) for l in open(sys.argv[1])]
assert bars, "no bars"
assert all(b["kind"] == "bar" for b in bars)
assert {b["symbol"] for b in bars} == {"AAPL", "MSFT"}, {b["symbol"] for b in bars}
pairs = [(b["symbol"], b["event_time"]) for b in bars]
assert len(pairs) == len(set(pairs)), "a bar was emitted twice"
for sym in ("AAPL", "MSFT"):
    t = [e for s, e in pairs if s == sym]
    assert t == sorted(t), f"{sym} bars out of order"
dl = [json.loads(l) for l in open(sys.argv[2])]
assert len(dl) >= 3, f"{len(dl)} dead letters for 3+ polls of an unknown symbol"
assert all("No data found" in d["reason"] for d in dl)
print(f"{len(bars)} bars, {len(dl)} dead letters")
PY
# three or more polls happened, and the later ones were de-duplicated rather than re-emitted
grep -q 'stats: messages=\([9]\|[1-9][0-9]\)' "$TF_TMP/ingest.log" || fail "fewer than 9 requests: $(grep stats "$TF_TMP/ingest.log")"
grep -q 'duplicates=[1-9]' "$TF_TMP/ingest.log" || fail "later polls were not de-duplicated"
echo ok

# exchange_ingest.sh — tickflow's own consumers against `tickflow exchange`: `ingest` reads the
# !miniTicker@arr stream and a combined trade/kline stream over ws://, and the Yahoo source polls
# the exchange's /v8/finance/chart. Every record must decode (no dead letters) and name a symbol
# the exchange lists.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
P=$(free_port)
start ex "$TICKFLOW" exchange --listen 127.0.0.1:$P --seed 42 --symbols 80
wait_port "$P"
curl -sS --max-time 10 "http://127.0.0.1:$P/api/v3/exchangeInfo" >"$TF_TMP/info.json" || fail "exchangeInfo"

timeout 60 "$TICKFLOW" ingest --source "url:ws://127.0.0.1:$P/ws/!miniTicker@arr" --limit 200 \
	--out "$TF_TMP/mini.jsonl" --dlq "$TF_TMP/mini.dlq" 2>"$TF_TMP/ingest1.log" || fail "ingest miniTicker: $(tail -3 "$TF_TMP/ingest1.log")"
timeout 60 "$TICKFLOW" ingest --source "url:ws://127.0.0.1:$P/stream?streams=btcusdt@trade/ethusdt@kline_1m" \
	--limit 40 --out "$TF_TMP/comb.jsonl" --dlq "$TF_TMP/comb.dlq" 2>"$TF_TMP/ingest2.log" || fail "ingest combined: $(tail -3 "$TF_TMP/ingest2.log")"
timeout 60 "$TICKFLOW" ingest --source yahoo:AAPL,MSFT --yahoo-url "http://127.0.0.1:$P" --limit 10 \
	--out "$TF_TMP/yahoo.jsonl" --dlq "$TF_TMP/yahoo.dlq" 2>"$TF_TMP/ingest3.log" || fail "ingest yahoo: $(tail -3 "$TF_TMP/ingest3.log")"

$PY - "$TF_TMP" <<'PYEOF' || fail "records"
import json, os, sys
d = sys.argv[1]
names = {s["symbol"] for s in json.load(open(f"{d}/info.json"))["symbols"]}
def lines(f):
    return [json.loads(l) for l in open(f"{d}/{f}") if l.strip()]
mini = lines("mini.jsonl")
assert len(mini) == 200, len(mini)
assert all(t["kind"] == "miniTicker" and t["symbol"] in names for t in mini), mini[0]
comb = lines("comb.jsonl")
assert len(comb) == 40 and {t["kind"] for t in comb} <= {"trade", "kline"}, comb[0]
assert any(t["kind"] == "trade" and t["symbol"] == "BTCUSDT" for t in comb)
y = lines("yahoo.jsonl")
assert len(y) == 10 and all(t["kind"] == "bar" and t["symbol"] in ("AAPL", "MSFT") for t in y), y[:1]
for f in ("mini.dlq", "comb.dlq", "yahoo.dlq"):
    p = f"{d}/{f}"
    assert not os.path.exists(p) or os.path.getsize(p) == 0, (f, open(p).read()[:300])
PYEOF
echo ok

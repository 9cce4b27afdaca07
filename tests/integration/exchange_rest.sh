# exchange_rest.sh — `tickflow exchange` REST side with the real curl CLI: status codes, headers,
# Binance's JSON shapes and errors, request weights and 429, the Yahoo chart, keep-alive.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
P=$(free_port)
start ex "$TICKFLOW" exchange --listen 127.0.0.1:$P --seed 42 --symbols 120
wait_port "$P"
U=http://127.0.0.1:$P

# fetch PATH [curl args...]: body to $TF_TMP/body, headers to $TF_TMP/head, prints the status
fetch() {
	local path=$1; shift
	curl -sS --max-time 10 -D "$TF_TMP/head" -o "$TF_TMP/body" -w '%{http_code}' "$@" "$U$path"
}
header() { grep -i "^$1:" "$TF_TMP/head" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
json() { $PY -c "import json,sys; d=json.load(open('$TF_TMP/body')); $1" || fail "$2: $(head -c 300 "$TF_TMP/body")"; }

[[ $(fetch /api/v3/ping) == 200 ]] || fail "ping status"
[[ $(cat "$TF_TMP/body") == "{}" ]] || fail "ping body"
[[ $(header X-MBX-USED-WEIGHT-1M) == 1 ]] || fail "ping weight: $(header X-MBX-USED-WEIGHT-1M)"
header Content-Type | grep -q application/json || fail "content type"
[[ $(fetch /api/v3/time) == 200 ]] || fail "time"
json 'import time; assert abs(d["serverTime"]-time.time()*1000) < 5000' "serverTime"

[[ $(fetch /api/v3/ticker/24hr) == 200 ]] || fail "ticker all"
[[ $(header X-MBX-USED-WEIGHT-1M) == 82 ]] || fail "weight after ticker all: $(header X-MBX-USED-WEIGHT-1M)"
json '
import re
assert len(d) == 120, len(d)
keys = "symbol priceChange priceChangePercent weightedAvgPrice prevClosePrice lastPrice lastQty bidPrice bidQty askPrice askQty openPrice highPrice lowPrice volume quoteVolume openTime closeTime firstId lastId count".split()
for t in d:
    assert list(t) == keys, list(t)
    assert re.fullmatch(r"-?\d+\.\d{3}", t["priceChangePercent"]), t
    for k in ("lastPrice","openPrice","highPrice","lowPrice","volume","quoteVolume"):
        assert re.fullmatch(r"\d+\.\d{8}", t[k]), (k, t)
    assert float(t["lowPrice"]) <= float(t["lastPrice"]) <= float(t["highPrice"]), t
    assert t["lastId"] - t["firstId"] + 1 == t["count"], t
    assert t["closeTime"] - t["openTime"] <= 86400000 + 60000, t
assert d[0]["symbol"] == "BTCUSDT"
assert len(set(t["symbol"] for t in d)) == 120
' "ticker all shape"

[[ $(fetch /api/v3/ticker/24hr -G --data-urlencode 'symbols=["BTCUSDT","ETHBTC"]') == 200 ]] || fail "ticker symbols"
json 'assert [t["symbol"] for t in d] == ["BTCUSDT","ETHBTC"]' "ticker symbols"

# REST agrees with itself between frames: the open 1m candle closes at the ticker's last price
for try in 1 2 3 4 5; do
	fetch '/api/v3/ticker/24hr?symbol=ETHUSDT' >/dev/null; cp "$TF_TMP/body" "$TF_TMP/t1"
	[[ $(fetch '/api/v3/klines?symbol=ETHUSDT&interval=1m') == 200 ]] || fail "klines"
	cp "$TF_TMP/body" "$TF_TMP/k"
	fetch '/api/v3/ticker/24hr?symbol=ETHUSDT' >/dev/null
	cmp -s "$TF_TMP/t1" "$TF_TMP/body" && break
done
$PY - "$TF_TMP/t1" "$TF_TMP/k" <<'PYEOF' || fail "klines vs ticker"
import json, sys
t = json.load(open(sys.argv[1])); k = json.load(open(sys.argv[2]))
assert len(k) == 500, len(k)
for r in k:
    assert len(r) == 12 and isinstance(r[0], int) and r[6] == r[0] + 59999 and r[11] == "0", r
    assert all(isinstance(r[i], str) for i in (1,2,3,4,5,7,9,10)) and isinstance(r[8], int), r
    assert float(r[3]) <= float(r[1]) <= float(r[2]) and float(r[3]) <= float(r[4]) <= float(r[2]), r
assert all(b[0] - a[0] == 60000 for a, b in zip(k, k[1:]))
assert k[-1][4] == t["lastPrice"], (k[-1], t["lastPrice"])
assert k[-1][0] <= t["closeTime"] <= k[-1][6]
PYEOF
[[ $(fetch '/api/v3/klines?symbol=BTCUSDT&interval=1h&limit=3') == 200 ]] || fail "klines 1h"
json 'assert len(d) == 3 and all(r[6]-r[0] == 3599999 for r in d)' "klines 1h"

# Binance's errors
check_error() { # path status code
	local st; st=$(fetch "$1")
	[[ $st == "$2" ]] || fail "$1: status $st, expected $2: $(cat "$TF_TMP/body")"
	json "assert d['code'] == $3 and isinstance(d['msg'], str) and len(d) == 2" "$1 error body"
}
check_error '/api/v3/ticker/24hr?symbol=NOPEUSDT' 400 -1121
check_error '/api/v3/ticker/24hr?symbol=btcusdt' 400 -1100
check_error '/api/v3/klines?symbol=BTCUSDT' 400 -1102
check_error '/api/v3/klines?symbol=BTCUSDT&interval=7m' 400 -1120
check_error '/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=x' 400 -1100
check_error '/api/v3/ping?x=1' 400 -1104
check_error '/api/v3/ticker/24hr?symbol=BTCUSDT&symbol=ETHBTC' 400 -1101
[[ $(fetch /api/v3/nope) == 404 ]] || fail "unknown path"
[[ -n $(header X-MBX-USED-WEIGHT-1M) ]] || fail "404 without the weight header"
[[ $(fetch /api/v3/ping -X POST) == 405 ]] || fail "POST"

[[ $(fetch /api/v3/exchangeInfo) == 200 ]] || fail "exchangeInfo"
json '
s = d["symbols"]; assert len(s) == 120
b = s[0]; assert b["symbol"] == "BTCUSDT" and b["status"] == "TRADING" and b["baseAsset"] == "BTC" and b["quoteAsset"] == "USDT"
pf = [f for f in b["filters"] if f["filterType"] == "PRICE_FILTER"][0]; assert pf["tickSize"] == "0.01000000"
assert d["rateLimits"][0]["limit"] == 6000
' "exchangeInfo"

# Yahoo chart
[[ $(fetch '/v8/finance/chart/AAPL?interval=5m&range=5d') == 200 ]] || fail "yahoo"
json '
r = d["chart"]["result"][0]; assert d["chart"]["error"] is None
assert r["meta"]["symbol"] == "AAPL" and r["meta"]["dataGranularity"] == "5m"
q = r["indicators"]["quote"][0]; n = len(r["timestamp"])
assert 1439 <= n <= 1441, n
assert all(len(q[k]) == n for k in ("open","high","low","close","volume"))
assert all(b - a == 300 for a, b in zip(r["timestamp"], r["timestamp"][1:]))
assert all(l <= c <= h for l, c, h in zip(q["low"], q["close"], q["high"]))
' "yahoo chart"
[[ $(fetch '/v8/finance/chart/ZZZZ') == 404 ]] || fail "yahoo unknown"
json 'assert d["chart"]["result"] is None and d["chart"]["error"]["code"] == "Not Found"' "yahoo error"
[[ $(fetch '/v8/finance/chart/AAPL?interval=7m') == 422 ]] || fail "yahoo bad interval"

# keep-alive: three requests on one connection
curl -sS --max-time 10 -v "$U/api/v3/ping" "$U/api/v3/time" "$U/api/v3/ping" -o /dev/null -o /dev/null -o /dev/null 2>"$TF_TMP/v"
grep -q "Re-using existing connection" "$TF_TMP/v" || fail "no keep-alive"

# weight budget: 100 a minute, the second all-symbols ticker (80) is refused
P2=$(free_port)
start lim "$TICKFLOW" exchange --listen 127.0.0.1:$P2 --seed 1 --symbols 10 --weight-limit 100
wait_port "$P2"
U=http://127.0.0.1:$P2
[[ $(fetch /api/v3/ticker/24hr) == 200 ]] || fail "first ticker under the limit"
st=$(fetch /api/v3/ticker/24hr)
if [[ $st != 429 ]]; then
	# the minute may have turned between the two requests; a third must then be refused
	st=$(fetch /api/v3/ticker/24hr)
fi
[[ $st == 429 ]] || fail "no 429 over the weight limit (got $st)"
ra=$(header Retry-After)
[[ $ra =~ ^[0-9]+$ ]] && ((ra >= 1 && ra <= 60)) || fail "Retry-After '$ra'"
json 'assert d["code"] == -1003' "429 body"
[[ $(header X-MBX-USED-WEIGHT-1M) == 80 ]] || fail "weight on 429: $(header X-MBX-USED-WEIGHT-1M)"
[[ $(fetch /api/v3/ping) == 200 ]] || fail "ping still fits"

kill -INT "$PID_ex"
rc=0; wait "$PID_ex" || rc=$?
[[ $rc == 0 ]] || fail "SIGINT exit $rc"
echo ok

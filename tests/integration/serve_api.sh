#!/usr/bin/env bash
# serve_api.sh — `tickflow serve` against a store filled by the real pipeline: tickflow broker, keyed
# miniTicker records produced with kcat, `tickflow stream` writing SQLite. Every API endpoint's
# numbers are checked against SQL on the same store (sqlite3 CLI); bad parameters give 400 naming
# the parameter; garbage, oversized and half-sent requests leave the server serving others; the SSE
# stream delivers candle updates produced after it was opened, and resumes from Last-Event-ID.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve/pipeline.sh"
HP=$(free_port)
serve_pipeline 30000 20000
start serve "$TICKFLOW" serve --store "sqlite:$DB" --http 127.0.0.1:$HP --poll 100ms --heartbeat 500ms
wait_port "$HP"
U=http://127.0.0.1:$HP
sleep 0.5

# 1. numbers against SQL
/usr/bin/python3 - "$U" "$DB" <<'PY' || fail "API numbers differ from SQL"
import json, sqlite3, sys, urllib.request, urllib.error
U, db = sys.argv[1], sqlite3.connect(sys.argv[2])
def get(p):
    with urllib.request.urlopen(U + p, timeout=10) as r:
        assert r.headers["Content-Type"] == "application/json", r.headers["Content-Type"]
        return json.load(r)
def close(a, b, what):
    assert (a is None and b is None) or abs(a - b) <= 1e-6 * max(1, abs(b)), f"{what}: api {a} sql {b}"
syms = [r[0] for r in db.execute("select distinct symbol from candles where interval='1m' order by 1")]
got = get("/api/symbols")["symbols"]
assert [s["symbol"] for s in got] == syms, (got, syms)
for s in got:
    n, t = db.execute("select count(*), max(open_time) from candles where interval='1m' and symbol=?", (s["symbol"],)).fetchone()
    assert (s["candles"], s["last_time"]) == (n, t)
# candles: every field of every row, both intervals
for iv in ("1m", "5m"):
    c = get(f"/api/candles?symbol=S005USDT&interval={iv}&limit=5000")["candles"]
    rows = db.execute("select open_time, open, high, low, close, volume, updates, final, ma7, ma25, last_event_time"
                      " from candles where symbol='S005USDT' and interval=? order by open_time", (iv,)).fetchall()
    assert len(c) == len(rows) > 0, (len(c), len(rows))
    for a, r in zip(c, rows):
        assert a["t"] == r[0] and a["n"] == r[6] and a["final"] == bool(r[7])
        assert a["last_event_time"] == r[10] and r[0] <= r[10] < r[0] + (60000 if iv == "1m" else 300000), (a, r)
        for k, v in zip("ohlcv", r[1:6]):
            assert a[k] == float(v), (k, a[k], v)
        close(a["ma7"], r[8], "ma7"); close(a["ma25"], r[9], "ma25")
# paging: limit 2 gives the newest two, older_than pages back
p1 = get("/api/candles?symbol=S005USDT&limit=2")
p2 = get(f"/api/candles?symbol=S005USDT&limit=2&to={p1['older_than']}")
times = [r[0] for r in db.execute("select open_time from candles where symbol='S005USDT' and interval='1m' order by 1 desc limit 4")]
assert [c["t"] for c in p2["candles"] + p1["candles"]] == sorted(times), (p1, p2, times)
# statistics over the whole store
def stats(sym):
    n, ac, mh, ml, arv, vol, t0, t1 = db.execute("select count(*), avg(cast(close as real)), max(cast(high as real)),"
        " min(cast(low as real)), avg(rel_volatility), sum(cast(volume as real)), min(open_time), max(open_time)"
        " from candles where interval='1m' and symbol=?", (sym,)).fetchone()
    o = float(db.execute("select open from candles where interval='1m' and symbol=? and open_time=?", (sym, t0)).fetchone()[0])
    c = float(db.execute("select close from candles where interval='1m' and symbol=? and open_time=?", (sym, t1)).fetchone()[0])
    return dict(candles=n, avg=ac, max=mh, min=ml, avg_volatility=arv, volume=vol, open=o, last=c,
                change=c - o, change_pct=(c - o) / o * 100 if o else None)
ov = get("/api/overview?symbols=S005USDT,s006usdt,S001USDT&period=All")["symbols"]
assert [s["symbol"] for s in ov] == ["S001USDT", "S005USDT", "S006USDT"], ov
for s in ov:
    want = stats(s["symbol"])
    for k, v in want.items():
        close(s[k], v, f"{s['symbol']} {k}")
allstats = {s: stats(s) for s in syms}
def top(key, rev, keep):
    cand = [(s, v) for s, v in allstats.items() if v[key] is not None and keep(v[key])]
    cand.sort(key=lambda x: (-x[1][key] if rev else x[1][key], x[0]))
    return [s for s, _ in cand[:3]]
assert [s["symbol"] for s in get("/api/top?by=volume&n=3&period=all")["symbols"]] == top("volume", True, lambda v: True)
assert [s["symbol"] for s in get("/api/top?by=gainers&n=3&period=all")["symbols"]] == top("change_pct", True, lambda v: v > 0)
assert [s["symbol"] for s in get("/api/top?by=losers&n=3&period=all")["symbols"]] == top("change_pct", False, lambda v: v < 0)
# anomalies: Q3 of average volatility (linear interpolation), |change| > 5 %, stored alerts
an = get("/api/anomalies?period=all&limit=5000")
vols = sorted(v["avg_volatility"] for v in allstats.values() if v["avg_volatility"] is not None)
pos = (len(vols) - 1) * 0.75; lo = int(pos)
q3 = vols[lo] + (vols[min(lo + 1, len(vols) - 1)] - vols[lo]) * (pos - lo)
close(an["volatility_q3"], q3, "q3")
assert sorted(s["symbol"] for s in an["volatility"]) == sorted(s for s, v in allstats.items() if v["avg_volatility"] is not None and v["avg_volatility"] > q3)
assert sorted(s["symbol"] for s in an["change"]) == sorted(s for s, v in allstats.items() if v["change_pct"] is not None and abs(v["change_pct"]) > 5)
nalerts = db.execute("select count(*) from alerts").fetchone()[0]
assert len(an["alerts"]) == nalerts > 0, (len(an["alerts"]), nalerts)
# ticks: newest first, paging with before
t = get("/api/ticks?symbol=S007USDT&limit=3")["ticks"]
rows = db.execute("select event_time, last from ticks where symbol='S007USDT' order by event_time desc limit 3").fetchall()
assert [(x["event_time"], x["last"]) for x in t] == [(r[0], float(r[1])) for r in rows]
t2 = get(f"/api/ticks?symbol=S007USDT&limit=1&before={rows[0][0]}")["ticks"]
assert t2[0]["event_time"] == rows[1][0]
assert get("/api/candles?symbol=NOSUCH")["candles"] == []
assert get("/healthz")["status"] == "ok"
# 2. bad parameters: 400 with the parameter named
bad = {"/api/candles": "symbol", "/api/candles?symbol=a-b": "symbol", "/api/candles?symbol=BTC&interval=2m": "interval",
       "/api/candles?symbol=BTC&limit=0": "limit", "/api/candles?symbol=BTC&limit=99999": "limit",
       "/api/candles?symbol=BTC&from=x": "from", "/api/candles?symbol=BTC&from=5&to=4": "from",
       "/api/candles?symbol=BTC&to=-1": "to", "/api/candles?symbol=%ZZ": "symbol",
       "/api/candles?symbol=" + "A" * 30: "symbol", "/api/overview?period=2W": "period",
       "/api/overview?symbols=A,,B": "symbols", "/api/overview?symbols=" + ",".join(f"S{i}" for i in range(51)): "symbols",
       "/api/top?by=price": "by", "/api/top?n=101": "n", "/api/anomalies?period=1y": "period",
       "/api/ticks?symbol=X&before=0": "before", "/api/symbols?interval=1d": "interval", "/api/ticks?symbol=X&evil=1": "evil",
       "/api/stream?symbols=a;b": "symbols", "/api/stream?candles=a;b": "candles"}
for path, param in bad.items():
    try:
        urllib.request.urlopen(U + path, timeout=10); raise AssertionError(f"{path}: not rejected")
    except urllib.error.HTTPError as e:
        body = json.load(e)
        assert e.code == 400 and body["param"] == param and body["error"], (path, e.code, body)
print("api ok:", len(syms), "symbols,", nalerts, "alerts")
PY

# 3. garbage, oversized and half-sent requests do not disturb others
/usr/bin/python3 - "$HP" <<'PY' || fail "misbehaving clients disturbed the server"
import socket, sys, urllib.request
port = int(sys.argv[1])
def conn():
    return socket.create_connection(("127.0.0.1", port), timeout=5)
half = conn(); half.sendall(b"GET /api/symbols HTTP/1.1\r\nHost: x\r\n")      # never finished
g = conn(); g.sendall(b"\x00\x01garbage\r\n\r\n"); assert g.recv(100).startswith(b"HTTP/1.1 400")
big = conn(); big.sendall(b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n"); assert big.recv(100)[9:12] in (b"414", b"431", b"400")
post = conn(); post.sendall(b"POST /api/top HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n"); assert post.recv(100)[9:12] == b"413"
dots = conn(); dots.sendall(b"GET /assets/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"); assert dots.recv(100)[9:12] in (b"404", b"400")
with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
    assert r.status == 200
print("misbehaving clients ok")
PY

# 4. SSE: events for records produced after the stream was opened; filter; resume
curl -sN --max-time 30 "$U/api/stream?symbols=S005USDT" >"$TF_TMP/sse" &
CURL=$!
TF_PIDS+=($CURL)
curl -sN --max-time 30 "$U/api/stream?candles=S005USDT,S007USDT" >"$TF_TMP/sse_candles" &
CURL2=$!
TF_PIDS+=($CURL2)
sleep 1
serve_produce "$TF_TMP/second"
wait_for "$TF_TMP/sse" '^event: candle' 30
wait_for "$TF_TMP/sse" '^event: stats' 10
wait_for "$TF_TMP/sse" '^: hb' 10
grep -A1 '^event: candle' "$TF_TMP/sse" | grep '^data:' | grep -v '"symbol":"S005USDT"' && fail "filter let another symbol through"
kill $CURL 2>/dev/null || true
# ?candles=: candle events (updates and closes) of the listed symbols only
wait_for "$TF_TMP/sse_candles" '^event: candle$' 10
wait_for "$TF_TMP/sse_candles" '^event: candle_closed$' 20
kill $CURL2 2>/dev/null || true
grep -A1 '^event: candle' "$TF_TMP/sse_candles" | grep '^data:' | grep -Ev '"symbol":"S00[57]USDT"' &&
	fail "?candles= let another symbol's candle through"
grep -A1 '^event: candle' "$TF_TMP/sse_candles" | grep '^data:' | grep -q '"symbol":"S007USDT"' ||
	fail "?candles= held back the second listed symbol"
first_id=$(grep -m1 '^id: ' "$TF_TMP/sse" | cut -c5-)
curl -sN --max-time 2 -H "Last-Event-ID: $first_id" "$U/api/stream?symbols=S005USDT" >"$TF_TMP/resume" || true
n_first=$(grep -c '^id: ' "$TF_TMP/sse"); n_resume=$(grep -c '^id: ' "$TF_TMP/resume")
((n_resume >= n_first - 1)) || fail "resume replayed $n_resume events, expected at least $((n_first - 1))"
grep -q '^event: reset' "$TF_TMP/resume" && fail "resume from a known id gave a reset"
curl -sN --max-time 2 -H "Last-Event-ID: 1-1" "$U/api/stream" >"$TF_TMP/reset" || true
grep -q '^event: reset' "$TF_TMP/reset" || fail "an unknown Last-Event-ID did not give a reset event"
# 5. /metrics counts what happened
curl -sf "$U/metrics" >"$TF_TMP/metrics"
grep -q '^tickflow_http_requests_total{route="candles",code="4xx"} [1-9]' "$TF_TMP/metrics" || fail "metrics: no 4xx candles"
grep -q '^tickflow_sse_events_total [1-9]' "$TF_TMP/metrics" || fail "metrics: no SSE events"
grep -q '^tickflow_sse_resumed_total [1-9]' "$TF_TMP/metrics" || fail "metrics: resume not counted"
# 6. non-loopback without a token is refused; a token is required when given
"$TICKFLOW" serve --store "sqlite:$DB" --http 0.0.0.0:$(free_port) 2>"$TF_TMP/refuse" && fail "bound 0.0.0.0 without --token"
grep -q -- '--token' "$TF_TMP/refuse" || fail "refusal does not name --token"
TP=$(free_port)
start serve_tok "$TICKFLOW" serve --store "sqlite:$DB" --http 127.0.0.1:$TP --token s3cret
wait_port "$TP"
[[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$TP/api/symbols") == 401 ]] || fail "no 401 without token"
[[ $(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer s3cret' "http://127.0.0.1:$TP/api/symbols") == 200 ]] || fail "bearer refused"
[[ $(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer s3cre' "http://127.0.0.1:$TP/api/symbols") == 401 ]] || fail "wrong bearer accepted"
curl -s -c "$TF_TMP/jar" -o /dev/null -d token=s3cret "http://127.0.0.1:$TP/login"
[[ $(curl -s -b "$TF_TMP/jar" -o /dev/null -w '%{http_code}' "http://127.0.0.1:$TP/api/symbols") == 200 ]] || fail "login cookie refused"
echo "serve_api ok"

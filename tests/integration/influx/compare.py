#!/usr/bin/python3
"""compare.py SQLITE_DB INFLUX_BASE DB — the store is the truth: InfluxDB's measurements candles and
alerts, read back through its HTTP /query API, must hold exactly the store's candles and alerts:
the same count, the same keys (tags + timestamp) and the same values. Decimals (stored as exact
text) must equal InfluxDB's float64 of them, i.e. the nearest double of the exact text; indicator
doubles must be bit-identical; absent (NULL) must be absent. Prints a summary; exits 1 on any
difference, naming the first few."""
import json, sqlite3, sys, urllib.parse, urllib.request

path, base, db = sys.argv[1:4]
con = sqlite3.connect(path)
bad = []


def influx(q):
    url = f"{base}/query?" + urllib.parse.urlencode({"db": db, "epoch": "ms", "q": q})
    with urllib.request.urlopen(url, timeout=60) as r:
        res = json.load(r)["results"][0]
    if "error" in res:
        raise SystemExit(f"influx: {res['error']}")
    out = []
    for s in res.get("series", []):
        cols = s["columns"]
        out += [dict(zip(cols, row)) for row in s["values"]]
    return out


def same(a, b, kind):
    if a is None or b is None:
        return a is None and b is None
    if kind == "dec":   # stored text vs InfluxDB's float64 of the text we sent
        return float(a) == float(b)
    if kind == "f":
        return float(a) == float(b)
    if kind == "i":
        return int(a) == int(b)
    if kind == "b":
        return bool(a) == bool(b)
    return a == b


CANDLE = [("open", "dec"), ("high", "dec"), ("low", "dec"), ("close", "dec"), ("volume", "dec"),
          ("quote_volume", "dec"), ("spread", "dec"), ("updates", "i"), ("final", "b"), ("volume_approx", "b"),
          ("mid", "f"), ("ret", "f"), ("rel_volatility", "f"), ("ma7", "f"), ("ma25", "f"),
          ("stddev_logret", "f"), ("vwap", "f"), ("change_24h_pct", "f")]
cols = ", ".join(f'"{c}"' for c, _ in CANDLE)
store = {(r[0], r[1], r[2]): r[3:] for r in con.execute(f"SELECT symbol, interval, open_time, {cols} FROM candles")}
points = {}
for p in influx("SELECT * FROM candles"):
    key = (p["symbol"], p["interval"], p["time"])
    if key in points:
        bad.append(f"candle {key} twice in InfluxDB")
    points[key] = p
for key in sorted(set(store) - set(points))[:5]:
    bad.append(f"candle {key} is in the store, not in InfluxDB")
for key in sorted(set(points) - set(store))[:5]:
    bad.append(f"candle {key} is in InfluxDB, not in the store")
for key in sorted(set(store) & set(points)):
    for (name, kind), v in zip(CANDLE, store[key]):
        if not same(v, points[key].get(name), kind):
            bad.append(f"candle {key} {name}: store {v!r}, InfluxDB {points[key].get(name)!r}")

ALERT = [("id", "i"), ("value", "f"), ("threshold", "f"), ("detail", "s")]
astore = {(r[0], r[1], r[2]): r[3:] for r in con.execute("SELECT symbol, kind, event_time, id, value, threshold, detail FROM alerts")}
apoints = {(p["symbol"], p["kind"], p["time"]): p for p in influx("SELECT * FROM alerts")}
for key in sorted(set(astore) ^ set(apoints))[:5]:
    bad.append(f"alert {key} only in {'the store' if key in astore else 'InfluxDB'}")
for key in sorted(set(astore) & set(apoints)):
    for (name, kind), v in zip(ALERT, astore[key]):
        if not same(v, apoints[key].get(name), kind):
            bad.append(f"alert {key} {name}: store {v!r}, InfluxDB {apoints[key].get(name)!r}")

if len(store) != len(points) or len(astore) != len(apoints):
    bad.append(f"counts: store {len(store)} candles / {len(astore)} alerts, InfluxDB {len(points)} / {len(apoints)}")
if bad:
    print("\n".join(bad[:20]))
    sys.exit(1)
syms = sorted({k[0] for k in store})
print(f"influx equals the store: {len(store)} candles ({len(syms)} symbols), {len(astore)} alerts")

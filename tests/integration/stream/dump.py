#!/usr/bin/python3
"""dump.py SOURCE — the result tables (ticks, candles, alerts) of a store as canonical text, one row
a line sorted by key, so that two stores can be compared byte for byte with cmp. SOURCE is a SQLite
file or "pg:CONNINFO" (read with psql). Doubles are printed with repr() (shortest round trip), so
any difference in any bit shows."""
import csv, io, sqlite3, subprocess, sys

TABLES = {
    "ticks": ("symbol, event_time", "symbol event_time open_24h high_24h low_24h last volume_24h quote_volume_24h",
              "s i d d d d d d"),
    "candles": ("symbol, interval, open_time",
                "symbol interval open_time open high low close volume quote_volume updates final volume_approx spread"
                " mid ret rel_volatility ma7 ma25 stddev_logret vwap change_24h_pct last_event_time",
                "s s i d d d d d d i i i d f f f f f f f f i"),
    "alerts": ("id", "id symbol kind event_time value threshold detail", "i s s i f f s"),
    "rates": ("scope, window_end", "scope window_end size_ms updates updates_per_s zscore returns_hist", "s i i i f f s"),
}

def norm(v, kind):
    if v is None or v == "":
        return "NULL"
    if kind == "f":
        return repr(float(v))
    if kind == "i":
        return str(int(v))
    return str(v)

src = sys.argv[1]
out = sys.stdout
for table, (key, cols, kinds) in TABLES.items():
    names, kinds = cols.split(), kinds.split()
    quoted = ", ".join(f'"{c}"' for c in names)
    order = ", ".join(f'"{c.strip()}"' for c in key.split(","))
    sql = f"SELECT {quoted} FROM {table} ORDER BY {order}"
    if src.startswith("pg:"):
        text = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--csv", "-d", src[3:], "-c", sql],
                              check=True, capture_output=True, text=True).stdout
        rows = list(csv.reader(io.StringIO(text)))[1:]
        rows.sort(key=lambda r: tuple(int(r[names.index(c.strip())]) if kinds[names.index(c.strip())] == "i"
                                      else r[names.index(c.strip())] for c in key.split(",")))
    else:
        rows = sqlite3.connect(src).execute(sql).fetchall()
    out.write(f"== {table} {len(rows)}\n")
    for r in rows:
        out.write("|".join(norm(v, k) for v, k in zip(r, kinds)) + "\n")

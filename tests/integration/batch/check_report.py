#!/usr/bin/python3
"""check_report.py — compares `tickflow report --format json` with the same numbers computed
independently by plain SQL through the database's own command-line client (sqlite3 or psql).

usage: check_report.py REPORT.json sqlite DB_PATH
       check_report.py REPORT.json psql 'psql connection args...'
Exits 1 naming the first difference."""
import json, shlex, subprocess, sys

report = json.load(open(sys.argv[1]))
kind, target = sys.argv[2], sys.argv[3]

def F(x):
    return f"CAST({x} AS REAL)" if kind == "sqlite" else f"CAST({x} AS double precision)"

SYM = "symbol" if kind == "sqlite" else 'symbol COLLATE "C"'

def q(sql):
    if kind == "sqlite":
        cmd = ["sqlite3", "-batch", "-separator", "|", target, sql]
    else:
        cmd = ["psql", "-X", "-q", "-At", "-F", "|"] + shlex.split(target) + ["-c", sql]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [line.split("|") for line in out.strip().splitlines()]

run = report["run_ts"]
quote = report["quote"]
R = f"run_ts={run} AND dead=0 AND quote='{quote}'"
RET = f"({F('last')}-{F('open')})/{F('open')}*100"
VOL = f"({F('high')}-{F('low')})/(({F('high')}+{F('low')})/2)*100"

def close(a, b, what):
    a, b = float(a), float(b)
    if abs(a - b) > 1e-9 * max(1.0, abs(a), abs(b)):
        sys.exit(f"{what}: report {a!r} != SQL {b!r}")

def same(a, b, what):
    if a != b:
        sys.exit(f"{what}: report {a!r} != SQL {b!r}")

t = report["totals"]
(n, dead), = q(f"SELECT count(*), sum(dead) FROM ticker_snapshots WHERE run_ts={run}")
same(t["symbols"], int(n), "symbols in batch")
same(t["dead"], int(dead), "dead symbols")
(ranked, vol), = q(f"SELECT count(*), sum({F('quote_volume')})/1e6 FROM ticker_snapshots WHERE {R}")
same(t["ranked"], int(ranked), "ranked symbols")
close(t["total_volume_m"], vol, "total volume (M)")
(mret, adv, dec), = q(f"SELECT avg({RET}), sum(CASE WHEN {RET} > 0 THEN 1 ELSE 0 END), "
                      f"sum(CASE WHEN {RET} < 0 THEN 1 ELSE 0 END) FROM ticker_snapshots WHERE {R} AND {F('open')}<>0")
close(t["mean_return_pct"], mret, "mean return")
same(t["advancers"], int(adv), "advancers")
same(t["decliners"], int(dec), "decliners")
(mvol,), = q(f"SELECT avg({VOL}) FROM ticker_snapshots WHERE {R} AND {F('high')}+{F('low')}<>0")
close(t["mean_volatility_pct"], mvol, "mean volatility")

tops = {
    "best": f"{F('open')}<>0 ORDER BY {RET} DESC, {SYM}",
    "worst": f"{F('open')}<>0 ORDER BY {RET} ASC, {SYM}",
    "volume": f"1=1 ORDER BY {F('quote_volume')} DESC, {SYM}",
    "volatility": f"{F('high')}+{F('low')}<>0 ORDER BY {VOL} DESC, {SYM}",
}
for name, tail in tops.items():
    rows = q(f"SELECT symbol, {RET}, quote_volume FROM ticker_snapshots WHERE {R} AND {tail} LIMIT 5")
    got = [x["symbol"] for x in report["top"][name]]
    same(got, [r[0] for r in rows], f"top 5 {name}")
    for x, r in zip(report["top"][name], rows):
        close(x["return_pct"], r[1], f"return of {r[0]}")
    if len(got) != 5:
        sys.exit(f"top 5 {name} has {len(got)} entries")
print(f"report equals SQL: {ranked} ranked {quote} pairs of {n}, tops {', '.join(report['top']['best'][i]['symbol'] for i in range(5))}")

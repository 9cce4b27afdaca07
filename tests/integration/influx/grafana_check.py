#!/usr/bin/python3
"""grafana_check.py DASHBOARD DATASOURCE_YAML INFLUX_BASE DB FROM_MS TO_MS — Grafana is not in
Debian, so this checks contrib/grafana/ the way Grafana would use it, against a live influxd:

1. structure: the dashboard is valid JSON with the keys Grafana needs (uid, title, schemaVersion,
   time, templating.list, panels); every panel has a type, title, gridPos, an InfluxDB datasource
   pointing at the provisioned uid, and raw InfluxQL targets; there is a candlestick panel, a volume
   panel, an alerts table and a `symbol` variable whose query is
   SHOW TAG VALUES FROM candles WITH KEY = "symbol". The provisioning file (YAML, read line by line:
   the stdlib has no YAML parser) declares an influxdb datasource named tickflow with that uid and
   database.
2. queries: every template variable's query runs first (each must return values; the value used is
   the variable's saved `current` when InfluxDB offers it, else the first value, as Grafana does
   on load); then every panel query runs with $var / ${var} / [[var]] substituted,
   $timeFilter = the given range and $__interval = the panel's min interval (itself substituted)
   or range/1000, whichever is larger. Each must answer without error and with at least one row.
Prints one line per query; exits 1 with the reasons on any failure."""
import json, re, sys, urllib.parse, urllib.request

dash_path, ds_path, base, db, t_from, t_to = sys.argv[1:7]
t_from, t_to = int(t_from), int(t_to)
errors = []


def need(cond, msg):
    if not cond:
        errors.append(msg)
    return cond


def influx(q):
    url = f"{base}/query?" + urllib.parse.urlencode({"db": db, "epoch": "ms", "q": q})
    with urllib.request.urlopen(url, timeout=20) as r:
        res = json.load(r)["results"][0]
    if "error" in res:
        raise RuntimeError(res["error"])
    return res.get("series", [])


# ---- 1. structure ----
dash = json.load(open(dash_path))
for k in ("uid", "title", "schemaVersion", "time", "templating", "panels"):
    need(k in dash, f"dashboard lacks {k}")
ds_text = open(ds_path).read()
ds = {}
for line in ds_text.splitlines():
    m = re.match(r"^\s*(?:- )?(\w+):\s*(\S[^#]*?)?\s*(?:#.*)?$", line)
    if m and m.group(2):
        ds.setdefault(m.group(1), m.group(2).strip().strip("'\""))
need(ds.get("apiVersion") == "1", "datasource.yaml: apiVersion is not 1")
need(ds.get("name") == "tickflow", "datasource.yaml: no datasource named tickflow")
need(ds.get("type") == "influxdb", "datasource.yaml: type is not influxdb")
need(ds.get("dbName") == db, f"datasource.yaml: jsonData.dbName is not {db}")
need(re.match(r"^https?://", ds.get("url", "")), "datasource.yaml: no http(s) url")
uid = ds.get("uid")
need(uid, "datasource.yaml: no uid")


def check_ds(where, d):
    need(isinstance(d, dict) and d.get("type") == "influxdb" and d.get("uid") == uid,
         f"{where}: datasource is not the provisioned influxdb uid {uid}: {d!r}")


variables = dash.get("templating", {}).get("list", [])
names = {v.get("name") for v in variables}
sym = [v for v in variables if v.get("name") == "symbol"]
need(sym and sym[0].get("query") == 'SHOW TAG VALUES FROM candles WITH KEY = "symbol"',
     "no symbol variable with query SHOW TAG VALUES FROM candles WITH KEY = \"symbol\"")
for v in variables:
    check_ds(f"variable {v.get('name')}", v.get("datasource"))
    need(v.get("type") == "query" and v.get("query"), f"variable {v.get('name')}: not a query variable")
    need(v.get("name") not in ("interval", "timeFilter", "__interval"), f"variable {v.get('name')} shadows a Grafana built-in")
panels = dash.get("panels", [])
need(panels, "no panels")
for p in panels:
    where = f"panel {p.get('id')} {p.get('title')!r}"
    for k in ("type", "title", "gridPos", "targets"):
        need(k in p, f"{where}: lacks {k}")
    check_ds(where, p.get("datasource"))
    need(p.get("targets"), f"{where}: no targets")
    for t in p.get("targets", []):
        need(t.get("rawQuery") is True and t.get("query") and t.get("refId"), f"{where}: target is not a raw InfluxQL query")
        if "datasource" in t:
            check_ds(where, t["datasource"])
types = [p.get("type") for p in panels]
queries = " ".join(t.get("query", "") for p in panels for t in p.get("targets", []))
need("candlestick" in types, "no candlestick panel")
need(any('"volume"' in t.get("query", "") and p.get("type") != "candlestick" for p in panels for t in p.get("targets", [])),
     "no volume panel")
need(any(p.get("type") == "table" and 'FROM "alerts"' in t.get("query", "") for p in panels for t in p.get("targets", [])),
     "no alerts table")
used = set(re.findall(r"\$\{?(\w+)", queries)) | set(re.findall(r"\[\[(\w+)\]\]", queries))
for u in used - {"timeFilter", "__interval"}:
    need(u in names, f"queries use ${u}, which no template variable defines")
if errors:
    print("\n".join("FAIL " + e for e in errors))
    sys.exit(1)

# ---- 2. queries against influxd ----
values = {}
for v in variables:
    try:
        series = influx(v["query"])
    except Exception as e:
        need(False, f"variable {v['name']}: {e}")
        continue
    opts = [row[1] for s in series for row in s.get("values", [])]
    if need(opts, f"variable {v['name']}: query returned no values"):
        cur = (v.get("current") or {}).get("value")
        values[v["name"]] = cur if cur in opts else opts[0]
        print(f"variable {v['name']}: {len(opts)} values, using {values[v['name']]!r}")


def subst(text):
    def one(m):
        name = m.group(1) or m.group(2) or m.group(3)
        return values.get(name, m.group(0))
    return re.sub(r"\$\{(\w+)\}|\[\[(\w+)\]\]|\$(?!timeFilter\b|__interval\b)([A-Za-z_]\w*)", one, text)


UNIT = {"ms": 1, "s": 1000, "m": 60000, "h": 3600000, "d": 86400000}
for p in panels:
    min_ms = 0
    if p.get("interval"):
        m = re.fullmatch(r"(\d+)(ms|s|m|h|d)", subst(p["interval"]))
        if need(m, f"panel {p['id']}: min interval {p['interval']!r} does not resolve to a duration"):
            min_ms = int(m.group(1)) * UNIT[m.group(2)]
    interval_ms = max(min_ms, (t_to - t_from) // 1000, 1)
    for t in p["targets"]:
        q = subst(t["query"]).replace("$timeFilter", f"time >= {t_from}ms and time <= {t_to}ms")
        q = q.replace("$__interval", f"{interval_ms}ms")
        if not need(not re.search(r"\$\{?\w|\[\[", q), f"panel {p['id']}: unresolved variable in {q}"):
            continue
        try:
            series = influx(q)
        except Exception as e:
            need(False, f"panel {p['id']} {p['title']!r}: {e}\n    {q}")
            continue
        rows = sum(len(s.get("values", [])) for s in series)
        need(rows > 0, f"panel {p['id']} {p['title']!r}: no rows\n    {q}")
        print(f"panel {p['id']} ({p['type']}, {p['title']}): {rows} rows")
if errors:
    print("\n".join("FAIL " + e for e in errors))
    sys.exit(1)
print(f"grafana: {len(panels)} panels, {len(variables)} variables, every query answered")

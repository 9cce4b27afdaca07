# batch_pg.sh — `tickflow collect` + `tickflow report` over a real PostgreSQL 15 that this test
# starts on loopback (initdb + pg_ctl as user postgres, in a temp dir; stopped at the end):
#  1. collect from a plain HTTP server serving the 2,519-symbol sample: row counts, one run_ts,
#     dead flags (psql), exact decimals;
#  2. report --format json equals plain SQL through psql (totals, Top 5s), and equals the same
#     report over SQLite fed from the same source, with one reader and with two meeting in the middle
#     (two when the symbol collation is C, as initdb gives it here; one otherwise);
#  3. PostgreSQL down: collect fails after its retries with a clear error and exit 1.
source "$(dirname "$0")/lib.sh"
B=$(cd "$(dirname "$0")/batch" && pwd)
source "$(dirname "$0")/peers/postgres.sh"
PSQL="-h 127.0.0.1 -p $PGPORT -U tickflow -d batch"
pg_createdb batch
URL=$(pg_url batch)
Q() { psql -X -At $PSQL -c "$1"; }

SAMPLE=$TF_SAMPLES_DIR/onchainmonitor_rest_ticker_24hr_ALL_symbols.json
mkdir -p "$TF_TMP/www/api/v3/ticker"
ln -s "$SAMPLE" "$TF_TMP/www/api/v3/ticker/24hr"
HP=$(free_port)
start http /usr/bin/python3 -m http.server "$HP" --bind 127.0.0.1 -d "$TF_TMP/www"
wait_port "$HP"

# 1.
timeout 60 "$TICKFLOW" collect --rest-url "http://127.0.0.1:$HP" --store "$URL" >"$TF_TMP/c.out" || fail "collect into PostgreSQL failed"
[[ $(Q "SELECT count(*), sum(dead), count(DISTINCT run_ts) FROM ticker_snapshots") == "2519|1233|1" ]] || fail "rows: $(Q "SELECT count(*), sum(dead) FROM ticker_snapshots")"
[[ $(Q "SELECT max(version) FROM schema_version") == 7 ]] || fail "schema version"
want=$(/usr/bin/python3 -c 'import json,sys; x=[e for e in json.load(open(sys.argv[1])) if e["symbol"]=="ETHBTC"][0]; print("%s|%s" % (x["lastPrice"], x["quoteVolume"]))' "$SAMPLE")
[[ $(Q "SELECT last, quote_volume FROM ticker_snapshots WHERE symbol='ETHBTC'") == "$want" ]] || fail "ETHBTC decimals are not exact"

# 2.
"$TICKFLOW" report --store "$URL" --format json >"$TF_TMP/pg.json" || fail "report over PostgreSQL failed"
/usr/bin/python3 "$B/check_report.py" "$TF_TMP/pg.json" psql "$PSQL" || fail "PostgreSQL report differs from SQL"
timeout 60 "$TICKFLOW" collect --rest-url "http://127.0.0.1:$HP" --store "sqlite:$TF_TMP/s.db" >/dev/null || fail "collect into SQLite failed"
"$TICKFLOW" report --store "sqlite:$TF_TMP/s.db" --format json >"$TF_TMP/sq.json" || fail "report over SQLite failed"
/usr/bin/python3 - "$TF_TMP/pg.json" "$TF_TMP/sq.json" <<'PY' || fail "PostgreSQL and SQLite reports differ"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    del d["run_ts"], d["generated_ms"]
if a != b:
    sys.exit("reports differ")
PY
"$TICKFLOW" report --store "$URL" --format json --readers 1 >"$TF_TMP/pg1.json" || fail "report --readers 1 over PostgreSQL failed"
"$TICKFLOW" report --store "$URL" --format json --readers 2 >"$TF_TMP/pg2.json" || fail "report --readers 2 over PostgreSQL failed"
/usr/bin/python3 - "$TF_TMP/pg.json" "$TF_TMP/pg1.json" "$TF_TMP/pg2.json" <<'PY' || fail "one and two PostgreSQL readers differ"
import json, sys
a, b, c = (json.load(open(p)) for p in sys.argv[1:4])
for d in (a, b, c):
    del d["generated_ms"]
assert a == b == c and len(a["symbols"]) == 2519, "reports differ"
PY
html=$("$TICKFLOW" report --store "$URL" --out "$TF_TMP/rep") || fail "HTML report over PostgreSQL failed"
xmllint --noout "$html" || fail "HTML not well-formed"

# 3.
pg -m fast -w -t 30 stop >/dev/null
set +e
timeout 60 "$TICKFLOW" collect --rest-url "http://127.0.0.1:$HP" --store "$URL" --retries 1 --backoff 100ms >/dev/null 2>"$TF_TMP/down.err"
rc=$?
set -e
((rc == 1)) || fail "PostgreSQL down: exit $rc"
grep -q "cannot open store" "$TF_TMP/down.err" || fail "PostgreSQL down: $(cat "$TF_TMP/down.err")"
echo "ok: collect + report over PostgreSQL"

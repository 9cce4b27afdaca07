# batch_pg.sh — `tickflow collect` + `tickflow report` over a real PostgreSQL 15 that this test
# starts on loopback (initdb + pg_ctl as user postgres, in a temp dir; stopped at the end):
#  1. collect from a plain HTTP server serving the 2,519-symbol sample: row counts, one run_ts,
#     dead flags (psql), exact decimals;
#  2. report --format json equals plain SQL through psql (totals, Top 5s), and equals the same
#     report over SQLite fed from the same source, with one reader and with two meeting in the middle
#     (two when the symbol collation is C, as initdb gives it here; one otherwise);
#  3. PostgreSQL down: collect fails after its retries with a clear error and exit 1 (run last);
#  4. migrating a database at schema 6 under a language collation keeps its rows (see 4.).
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
[[ $(Q "SELECT max(version) FROM schema_version") == 8 ]] || fail "schema version"
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

# 4. migrations 7 and 8 over a database whose default collation is a language's (ICU en-US): a batch
#    stored at schema 6 (symbol in the database's collation) keeps every row; the symbol column is
#    then in "C" (7) and a report reads with two readers, giving the same report as the C database's
psql -X -q -h 127.0.0.1 -p "$PGPORT" -U tickflow -d postgres \
	-c "CREATE DATABASE icu TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'" || fail "createdb icu"
IQ() { psql -X -At -h 127.0.0.1 -p "$PGPORT" -U tickflow -d icu -c "$1"; }
timeout 60 "$TICKFLOW" collect --rest-url "http://127.0.0.1:$HP" --store "$(pg_url icu)" >/dev/null || fail "collect into icu failed"
IQ "BEGIN; ALTER TABLE ticker_snapshots ALTER COLUMN symbol TYPE text COLLATE \"default\";
	DELETE FROM schema_version WHERE version >= 7; COMMIT" >/dev/null || fail "back to schema 6"
ALL="SELECT md5(string_agg(t::text, ';' ORDER BY run_ts, symbol COLLATE \"C\")) FROM ticker_snapshots t"
before=$(IQ "$ALL")
[[ $(IQ "SELECT 'B' < 'a' COLLATE \"default\"") == f ]] || fail "icu: not a language collation"
"$TICKFLOW" report --store "$(pg_url icu)" --format json >"$TF_TMP/icu.json" 2>"$TF_TMP/icu.err" || fail "report over icu failed"
[[ $(IQ "SELECT max(version) FROM schema_version") == 8 ]] || fail "icu: schema version"
[[ $(IQ "$ALL") == "$before" && $(IQ "SELECT count(*) FROM ticker_snapshots") == 2519 ]] || fail "icu: rows changed in the migration"
[[ $(IQ "SELECT collation_name FROM information_schema.columns WHERE table_name = 'ticker_snapshots' AND column_name = 'symbol'") == C ]] ||
	fail "icu: symbol is not in the C collation"
grep -q "2519 rows read by 2 reader(s)" "$TF_TMP/icu.err" || fail "icu: not two readers: $(cat "$TF_TMP/icu.err")"
/usr/bin/python3 - "$TF_TMP/pg.json" "$TF_TMP/icu.json" <<'PY' || fail "the icu database's report differs"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    del d["run_ts"], d["generated_ms"]
assert a == b, "reports differ"
PY

# 3.
pg -m fast -w -t 30 stop >/dev/null
set +e
timeout 60 "$TICKFLOW" collect --rest-url "http://127.0.0.1:$HP" --store "$URL" --retries 1 --backoff 100ms >/dev/null 2>"$TF_TMP/down.err"
rc=$?
set -e
((rc == 1)) || fail "PostgreSQL down: exit $rc"
grep -q "cannot open store" "$TF_TMP/down.err" || fail "PostgreSQL down: $(cat "$TF_TMP/down.err")"
echo "ok: collect + report over PostgreSQL"

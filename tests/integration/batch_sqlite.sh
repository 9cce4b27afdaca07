# batch_sqlite.sh — `tickflow collect` + `tickflow report` over SQLite with real peers:
#  1. collect from a plain HTTP server (python3 -m http.server) serving the real 2,519-symbol
#     ticker/24hr sample: row counts, one run_ts per call, dead flags equal an independent count;
#  2. report --format json numbers equal plain SQL through the sqlite3 CLI (totals, Top 5s), for the
#     latest batch, for --run-ts of the first, and for --quote BTC; one reader and two readers
#     meeting in the middle of the batch give the same JSON;
#  3. the HTML report is well-formed (strict XML parser), parses as HTML with no error other than
#     HTML4-unknown SVG tags, has every section and chart, and makes no external request;
#     a headless Chromium screenshot is saved when Chromium is installed.
source "$(dirname "$0")/lib.sh"
B=$(cd "$(dirname "$0")/batch" && pwd)
SAMPLE=$TF_SAMPLES_DIR/onchainmonitor_rest_ticker_24hr_ALL_symbols.json
mkdir -p "$TF_TMP/www/api/v3/ticker"
ln -s "$SAMPLE" "$TF_TMP/www/api/v3/ticker/24hr"
PORT=$(free_port)
start http /usr/bin/python3 -m http.server "$PORT" --bind 127.0.0.1 -d "$TF_TMP/www"
wait_port "$PORT"
DB=$TF_TMP/t.db
Q() { sqlite3 -batch "$DB" "$1"; }

# 1. collect
before=$(date +%s%3N)
timeout 60 "$TICKFLOW" collect --rest-url "http://127.0.0.1:$PORT" --store "sqlite:$DB" >"$TF_TMP/c1.out" || fail "collect failed"
after=$(date +%s%3N)
grep -q "rows=2519 dead=1233 bad=0" "$TF_TMP/c1.out" || fail "collect said: $(cat "$TF_TMP/c1.out")"
[[ $(Q "SELECT count(*), sum(dead), count(DISTINCT run_ts) FROM ticker_snapshots") == "2519|1233|1" ]] || fail "rows: $(Q "SELECT count(*), sum(dead), count(DISTINCT run_ts) FROM ticker_snapshots")"
run1=$(Q "SELECT max(run_ts) FROM ticker_snapshots")
((run1 >= before && run1 <= after)) || fail "run_ts $run1 not within [$before, $after]"
# dead flags against an independent reading of the sample
want=$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(",".join(sorted(x["symbol"] for x in d if x["count"]==0 or float(x["lastPrice"])==0)))' "$SAMPLE")
got=$(Q "SELECT group_concat(symbol, ',') FROM (SELECT symbol FROM ticker_snapshots WHERE dead=1 ORDER BY symbol)")
[[ $want == "$got" ]] || fail "dead symbols differ from the sample's count==0 / lastPrice==0"
[[ $(Q "SELECT last, quote_volume, trades, quote FROM ticker_snapshots WHERE symbol='BTCUSDT'") == \
	$(/usr/bin/python3 -c 'import json,sys; x=[e for e in json.load(open(sys.argv[1])) if e["symbol"]=="BTCUSDT"][0]; print("%s|%s|%s|USDT" % (x["lastPrice"], x["quoteVolume"], x["count"]))' "$SAMPLE") ]] || fail "BTCUSDT row differs from the sample"
sleep 0.01
timeout 60 "$TICKFLOW" collect --rest-url "http://127.0.0.1:$PORT" --store "sqlite:$DB" >/dev/null || fail "second collect failed"
[[ $(Q "SELECT count(DISTINCT run_ts), count(*) FROM ticker_snapshots") == "2|5038" ]] || fail "two calls must give two run_ts of 2519 rows"
run2=$(Q "SELECT max(run_ts) FROM ticker_snapshots")

# 2. numbers against SQL
"$TICKFLOW" report --store "sqlite:$DB" --format json >"$TF_TMP/r.json" || fail "report --format json failed"
[[ $(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["run_ts"], d["quote"], d["quote_defaulted"])' "$TF_TMP/r.json") == "$run2 USDT True" ]] || fail "the default report is not over the latest batch in USDT"
/usr/bin/python3 "$B/check_report.py" "$TF_TMP/r.json" sqlite "$DB" || fail "latest report differs from SQL"
"$TICKFLOW" report --store "sqlite:$DB" --format json --readers 1 >"$TF_TMP/r1r.json" || fail "report --readers 1 failed"
"$TICKFLOW" report --store "sqlite:$DB" --format json --readers 2 >"$TF_TMP/r2r.json" || fail "report --readers 2 failed"
/usr/bin/python3 - "$TF_TMP/r1r.json" "$TF_TMP/r2r.json" "$TF_TMP/r.json" <<'PY' || fail "one and two readers give different reports"
import json, sys
a, b, c = (json.load(open(p)) for p in sys.argv[1:4])
for d in (a, b, c):
    del d["generated_ms"]
assert a == b == c and len(a["symbols"]) == 2519, "reports differ"
PY
"$TICKFLOW" report --store "sqlite:$DB" --format json --run-ts "$run1" --quote BTC >"$TF_TMP/r1.json" || fail "report --run-ts failed"
/usr/bin/python3 "$B/check_report.py" "$TF_TMP/r1.json" sqlite "$DB" || fail "--run-ts/--quote BTC report differs from SQL"
[[ $(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["run_ts"], all(x["symbol"].endswith("BTC") for t in d["top"].values() for x in t))' "$TF_TMP/r1.json") == "$run1 True" ]] || fail "--run-ts/--quote not honoured"
"$TICKFLOW" report --store "sqlite:$DB" --quote XYZ --format json >/dev/null 2>"$TF_TMP/xyz.err" && fail "an absent quote must fail"
grep -q "quotes present: USDT" "$TF_TMP/xyz.err" || fail "absent quote error: $(cat "$TF_TMP/xyz.err")"
set +e
"$TICKFLOW" report --store "sqlite:$DB" --quote '<b>' >/dev/null 2>"$TF_TMP/q.err"
rc=$?
set -e
((rc == 2)) && grep -q "is not a quote asset" "$TF_TMP/q.err" || fail "--quote with markup must be a usage error (exit $rc)"
"$TICKFLOW" report --store "sqlite:$TF_TMP/empty.db" 2>"$TF_TMP/empty.err" && fail "an empty store must fail"
grep -q "run 'tickflow collect' first" "$TF_TMP/empty.err" || fail "empty store error: $(cat "$TF_TMP/empty.err")"

# 3. HTML
html=$("$TICKFLOW" report --store "sqlite:$DB" --out "$TF_TMP/reports") || fail "report failed"
[[ $html =~ /reports/report-[0-9]{8}-[0-9]{6}\.html$ && -s $html ]] || fail "report file name: $html"
xmllint --noout "$html" || fail "the report is not well-formed"
xmllint --html --noout "$html" 2>"$TF_TMP/html.err" || true
if grep "error" "$TF_TMP/html.err" | grep -vqE "Tag (svg|rect|text|line) invalid"; then
	grep "error" "$TF_TMP/html.err" | grep -vE "Tag (svg|rect|text|line) invalid" | head -5
	fail "HTML parser errors beyond SVG tags"
fi
X() { xmllint --html --xpath "$1" "$html" 2>/dev/null; }
for id in summary totals top-best top-worst top-volume top-volatility distribution decision-support symbols; do
	[[ $(X "count(//div[@id='$id'])") == 1 ]] || fail "section $id missing"
done
for id in chart-best chart-worst chart-volume chart-volatility; do
	[[ $(X "count(//*[local-name()='svg' and @id='$id']/*[local-name()='rect'])") == 5 ]] || fail "chart $id lacks 5 bars"
done
[[ $(X "count(//*[local-name()='svg' and @id='chart-returns']/*[local-name()='rect'])") == 16 ]] || fail "returns histogram"
X "string(//div[@id='decision-support'])" | grep -q "not investment advice" || fail "no disclaimer"
X "string(//p[@id='scope'])" | grep -q "within one quote currency, USDT" || fail "the report does not say which quote it ranks in"
X "string(//div[@id='summary'])" | grep -qE "[0-9]+ of 386 pairs rose" || fail "summary: $(X "string(//div[@id='summary'])")"
best=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["top"]["best"][0]["symbol"])' "$TF_TMP/r.json")
[[ $(X "string(//div[@id='top-best']//tr[2]/td[2])") == "$best" ]] || fail "HTML top best differs from JSON"
X "string(//div[@id='top-volume']//tr[2]/td[5])" | grep -qE "^[0-9]{1,3}(,[0-9]{3})*\.[0-9]{2}$" || fail "volumes lack thousands separators"
X "string(//div[@id='top-best']//tr[2]/td[4])" | grep -qE "^\+[0-9.]+%$" || fail "returns are not signed percentages"
! grep -qiE "(src|href)=|<script|<link|@import|url\(" "$html" || fail "the report makes external requests"
if command -v chromium >/dev/null; then
	art=${TF_ARTIFACTS:-/tmp/tickflow-artifacts}
	mkdir -p "$art"
	timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,2400 \
		--screenshot="$art/report.png" "file://$html" >/dev/null 2>&1 || true
	[[ -s $art/report.png ]] || fail "headless Chromium made no screenshot"
	echo "screenshot: $art/report.png"
fi
# 4. --since over candles (as `tickflow stream` writes them): one row per symbol, folded
C=$TF_TMP/c.db
"$TICKFLOW" report --store "sqlite:$C" --since 1h 2>/dev/null && fail "no candles must fail"
now=$(date +%s%3N)
t0=$(( (now / 60000 - 30) * 60000 ))
sqlite3 "$C" "INSERT INTO candles(symbol,interval,open_time,open,high,low,close,volume,quote_volume,updates,final) VALUES
 ('AAAUSDT','1m',$t0,'10.00000000','12.00000000','9.00000000','11.00000000','1.00000000','1000000.00000000',5,1),
 ('AAAUSDT','1m',$((t0 + 60000)),'11.00000000','15.00000000','10.00000000','14.00000000','1.00000000','2000000.00000000',5,1),
 ('BBBUSDT','1m',$t0,'4.00000000','4.00000000','2.00000000','2.00000000','1.00000000','500000.00000000',5,1),
 ('CCCUSDT','1m',$((t0 - 7200000)),'1.00000000','9.00000000','1.00000000','9.00000000','1.00000000','1.00000000',5,1);"
"$TICKFLOW" report --store "sqlite:$C" --since 1h --format json >"$TF_TMP/since.json" || fail "report --since failed"
/usr/bin/python3 - "$TF_TMP/since.json" <<'PY' || fail "report --since numbers"
import json, sys
d = json.load(open(sys.argv[1]))
t = d["totals"]
assert d["since_ms"] == 3600000, d["since_ms"]
assert (t["symbols"], t["ranked"], t["advancers"], t["decliners"]) == (2, 2, 1, 1), t
assert abs(t["total_volume_m"] - 3.5) < 1e-12, t
best = d["top"]["best"][0]
assert best["symbol"] == "AAAUSDT" and abs(best["return_pct"] - 40.0) < 1e-9 and best["high"] == 15 and best["low"] == 9, best
assert d["top"]["worst"][0]["symbol"] == "BBBUSDT" and abs(d["top"]["worst"][0]["return_pct"] + 50) < 1e-9
PY
html=$("$TICKFLOW" report --store "sqlite:$C" --since 1h --out "$TF_TMP/since") || fail "HTML --since failed"
xmllint --html --xpath "string(//p[@id='scope'])" "$html" 2>/dev/null | grep -q "Candles of the last 60 minutes" || fail "--since report does not say its source"
echo "ok: collect + report over SQLite"

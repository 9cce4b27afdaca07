# batch_exchange.sh — `tickflow collect` against `tickflow exchange` (the simulator's REST API with
# Binance's request weights and HTTP 429), and the --every schedules:
#  1. one collect stores every simulated symbol under one run_ts;
#  2. collect --every 1s keeps to the weight budget: with 160 of 200 used it waits for the next
#     minute instead of calling (X-MBX-USED-WEIGHT-1M honoured), and stops cleanly on SIGTERM;
#  3. with the budget ignored, the exchange answers 429 + Retry-After; a Retry-After longer than
#     --max-retry-wait fails with a clear error and exit 1, and no partial batch is written;
#  4. report --every 1s --runs 3 writes three consecutive reports.
source "$(dirname "$0")/lib.sh"
# the exchange counts weight per clock minute: keep the test inside one minute
sec=$((10#$(date +%S)))
((sec <= 40)) || sleep $((61 - sec))
PORT=$(free_port)
start exchange "$TICKFLOW" exchange --listen "127.0.0.1:$PORT" --symbols 60 --seed 7 --weight-limit 200
wait_port "$PORT"
DB=$TF_TMP/x.db
Q() { sqlite3 -batch "$DB" "$1"; }
URL=http://127.0.0.1:$PORT

# 1.
timeout 30 "$TICKFLOW" collect --rest-url "$URL" --store "sqlite:$DB" >"$TF_TMP/c1.out" 2>"$TF_TMP/c1.err" || fail "collect: $(cat "$TF_TMP/c1.err")"
[[ $(Q "SELECT count(*), count(DISTINCT run_ts), count(DISTINCT symbol) FROM ticker_snapshots") == "60|1|60" ]] || fail "rows: $(Q "SELECT count(*), count(DISTINCT run_ts) FROM ticker_snapshots")"
grep -q "used weight 80" "$TF_TMP/c1.err" || fail "the used weight was not read: $(cat "$TF_TMP/c1.err")"
[[ $(Q "SELECT count(*) FROM ticker_snapshots WHERE quote='USDT' AND dead=0") -gt 20 ]] || fail "quotes not derived"

# 2.
start every "$TICKFLOW" collect --rest-url "$URL" --store "sqlite:$DB" --every 1s --runs 5 --weight-limit 200
wait_for "$TF_TMP/every.log" "used weight 160 of 200 this minute; waiting" 15
kill -TERM "$PID_every"
wait "$PID_every" || fail "collect --every did not stop cleanly"
[[ $(Q "SELECT count(DISTINCT run_ts) FROM ticker_snapshots") == 2 ]] || fail "the budget was not kept"

# 3.
set +e
timeout 30 "$TICKFLOW" collect --rest-url "$URL" --store "sqlite:$DB" --weight-limit 0 --max-retry-wait 0s >/dev/null 2>"$TF_TMP/c3.err"
rc=$?
set -e
((rc == 1)) || fail "429 beyond --max-retry-wait: exit $rc, want 1"
grep -q "HTTP 429" "$TF_TMP/c3.err" && grep -q "Retry-After" "$TF_TMP/c3.err" || fail "unclear 429 error: $(cat "$TF_TMP/c3.err")"
[[ $(Q "SELECT count(DISTINCT run_ts), count(*) FROM ticker_snapshots") == "2|120" ]] || fail "a failed call wrote rows"

# 4.
timeout 30 "$TICKFLOW" report --store "sqlite:$DB" --out "$TF_TMP/rep" --every 1s --runs 3 >"$TF_TMP/r.out" 2>"$TF_TMP/r.err" || fail "report --every: $(cat "$TF_TMP/r.err")"
mapfile -t files < <(ls "$TF_TMP/rep")
((${#files[@]} == 3)) || fail "want 3 reports, got ${files[*]}"
prev=0
for f in "${files[@]}"; do
	[[ $f =~ ^report-[0-9]{8}-([0-9]{6})\.html$ ]] || fail "name $f"
	t=$(date -u -d "${f:7:8} ${f:16:2}:${f:18:2}:${f:20:2}" +%s)
	((t > prev)) || fail "reports not consecutive: ${files[*]}"
	prev=$t
done
(( $(wc -l <"$TF_TMP/r.out") == 3 )) || fail "report --every printed $(cat "$TF_TMP/r.out")"
echo "ok: collect against the exchange (weights, 429) and --every schedules"

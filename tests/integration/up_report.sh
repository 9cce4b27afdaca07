# up_report.sh — `tickflow up --report-every` runs the batch path inside up: on each UTC slot collect
# snapshots the simulator's REST API into the store, report writes an HTML report under
# --data-dir/reports and mails it to a real SMTP server (aiosmtpd on loopback); the report ranks
# the simulator's symbols; a --config file reaches the commands up starts ([report] section).
source "$(dirname "$0")/lib.sh"
B=$(cd "$(dirname "$0")/batch" && pwd)
HTTP=$(free_port) EX=$(free_port) BR=$(free_port) SMTP=$(free_port)
DATA=$TF_TMP/data
mkdir -p "$TF_TMP/mail"
start smtp /usr/bin/python3 "$B/smtp_server.py" "$SMTP" "$TF_TMP/mail"
wait_for "$TF_TMP/smtp.out" ready 20
printf '[report]\ntable-rows = 7\nmail-from = up@example.test\n' >"$TF_TMP/tickflow.conf"
start up "$TICKFLOW" up --config "$TF_TMP/tickflow.conf" --data-dir "$DATA" --http "127.0.0.1:$HTTP" \
	--exchange-listen "127.0.0.1:$EX" --broker-listen "127.0.0.1:$BR" --symbols 30 --status-every 0s \
	--report-every 10s --mail-to desk@example.test --smtp "smtp://127.0.0.1:$SMTP"
wait_for "$TF_TMP/up.out" "dashboard at" 60
wait_for "$TF_TMP/up.log" "report: .*report-.*html" 60
reports=("$DATA"/reports/report-*.html)
report=${reports[0]}
[[ -s $report ]] || fail "no report under $DATA/reports"
# the simulator's symbols, ranked: at least 5 of its USDT pairs (which ones lead depends on the
# simulator's seed, taken from the clock: BTCUSDT is not always among the rows shown)
ranked=0
for s in $(sqlite3 "$DATA/tickflow.db" "SELECT DISTINCT symbol FROM ticker_snapshots WHERE symbol LIKE '%USDT'"); do
	grep -q ">$s<" "$report" && ranked=$((ranked + 1))
done
((ranked >= 5)) || fail "the report does not rank the simulator's symbols ($ranked of its USDT pairs in it)"
for _ in $(seq 100); do [[ -f $TF_TMP/mail/1.json ]] && break; sleep 0.2; done
[[ -f $TF_TMP/mail/1.json ]] || fail "the SMTP server received no report: $(grep -E 'report|mail' "$TF_TMP/up.log" | tail -5)"
/usr/bin/python3 - "$TF_TMP/mail/1.json" <<'PYEND' || fail "the mail is not the report from up@example.test to desk@example.test"
import json, sys
m = json.load(open(sys.argv[1]))
text = json.dumps(m)
assert "desk@example.test" in text and "up@example.test" in text, text[:400]
PYEND
snapshots=$(sqlite3 "$DATA/tickflow.db" "SELECT count(DISTINCT run_ts) FROM ticker_snapshots")
((snapshots >= 1)) || fail "collect stored no snapshot"
kill -INT "$PID_up"
wait "$PID_up" || fail "up did not exit 0 after SIGINT"
grep -q "collect: " "$TF_TMP/up.log" || fail "no collect log line"
echo "ok: up --report-every: $snapshots snapshot(s), report $(basename "$report") ($ranked USDT pairs ranked) mailed"

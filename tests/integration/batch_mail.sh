# batch_mail.sh — `tickflow report --mail-to` against a real SMTP server (Debian's aiosmtpd on
# loopback, tests/integration/batch/smtp_server.py):
#  1. plain SMTP, two recipients: the saved message has both recipients, an RFC 2047 subject,
#     Date/Message-ID/MIME-Version, multipart/alternative text+HTML and the report attached;
#  2. STARTTLS + AUTH (self-signed certificate, --smtp-ca-file): delivered over TLS as the user
#     from TICKFLOW_SMTP_USER; the password appears in no log or output;
#  3. wrong password: refused without retries, exit 1, file kept;
#  4. SMTP server down: retried, then one clear error, exit 1, the report file kept.
source "$(dirname "$0")/lib.sh"
B=$(cd "$(dirname "$0")/batch" && pwd)
SAMPLE=$TF_SAMPLES_DIR/onchainmonitor_rest_ticker_24hr_ALL_symbols.json
mkdir -p "$TF_TMP/www/api/v3/ticker" "$TF_TMP/m1" "$TF_TMP/m2"
ln -s "$SAMPLE" "$TF_TMP/www/api/v3/ticker/24hr"
HP=$(free_port)
start http /usr/bin/python3 -m http.server "$HP" --bind 127.0.0.1 -d "$TF_TMP/www"
wait_port "$HP"
DB=sqlite:$TF_TMP/t.db
timeout 60 "$TICKFLOW" collect --rest-url "http://127.0.0.1:$HP" --store "$DB" >/dev/null || fail "collect failed"

# 1. plain, two recipients
P1=$(free_port)
start smtp1 /usr/bin/python3 "$B/smtp_server.py" "$P1" "$TF_TMP/m1"
wait_for "$TF_TMP/smtp1.out" ready 20
html=$(timeout 60 "$TICKFLOW" report --store "$DB" --out "$TF_TMP/reports" --mail-to "ops@example.test, cfo@example.test" \
	--mail-from tickflow@example.test --smtp "smtp://127.0.0.1:$P1" 2>"$TF_TMP/r1.err") || { cat "$TF_TMP/r1.err"; fail "report --mail-to failed"; }
[[ -f $TF_TMP/m1/1.json ]] || fail "the SMTP server received nothing"
/usr/bin/python3 "$B/check_mail.py" "$TF_TMP/m1/1" "$html" "ops@example.test,cfo@example.test" || fail "plain message"

# 2. STARTTLS + AUTH
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TF_TMP/key.pem" -out "$TF_TMP/cert.pem" -days 2 \
	-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 || fail "openssl"
P2=$(free_port)
PW="s3cret-$RANDOM-pass"
start smtp2 /usr/bin/python3 "$B/smtp_server.py" "$P2" "$TF_TMP/m2" --tls "$TF_TMP/cert.pem" "$TF_TMP/key.pem" --auth reporter "$PW"
wait_for "$TF_TMP/smtp2.out" ready 20
html2=$(TICKFLOW_SMTP_USER=reporter TICKFLOW_SMTP_PASSWORD=$PW timeout 60 "$TICKFLOW" report --store "$DB" \
	--out "$TF_TMP/reports" --mail-to desk@example.test --smtp "smtp://127.0.0.1:$P2" --smtp-ca-file "$TF_TMP/cert.pem" \
	--log-level debug 2>"$TF_TMP/r2.err") || { cat "$TF_TMP/r2.err"; fail "report over STARTTLS+AUTH failed"; }
/usr/bin/python3 "$B/check_mail.py" "$TF_TMP/m2/1" "$html2" "desk@example.test" --tls --auth reporter || fail "TLS message"
! grep -q -- "$PW" "$TF_TMP/r2.err" <<<"$html2" || fail "the password leaked into the output"
! grep -q -- "$PW" "$TF_TMP/r2.err" || fail "the password leaked into the log"

# 3. wrong password: permanent, no retry loop
n=$(ls "$TF_TMP/reports" | wc -l)
TICKFLOW_SMTP_USER=reporter TICKFLOW_SMTP_PASSWORD=wrong timeout 60 "$TICKFLOW" report --store "$DB" --out "$TF_TMP/reports" \
	--mail-to desk@example.test --smtp "smtp://127.0.0.1:$P2" --smtp-ca-file "$TF_TMP/cert.pem" --mail-retries 3 \
	--mail-backoff 5s >/dev/null 2>"$TF_TMP/r3.err" && fail "a refused login must fail"
grep -q "after 1 attempt(s); the report is kept at" "$TF_TMP/r3.err" || fail "refused login: $(cat "$TF_TMP/r3.err")"
(( $(ls "$TF_TMP/reports" | wc -l) == n + 1 )) || fail "the report file was not kept"

# 4. SMTP down
P3=$(free_port)
set +e
out=$(timeout 60 "$TICKFLOW" report --store "$DB" --out "$TF_TMP/reports" --mail-to a@example.test \
	--smtp "smtp://127.0.0.1:$P3" --mail-retries 2 --mail-backoff 100ms 2>"$TF_TMP/r4.err")
rc=$?
set -e
((rc == 1)) || fail "SMTP down: exit $rc, want 1"
[[ -s $out ]] || fail "SMTP down: the report file $out is gone"
(( $(grep -c "retry" "$TF_TMP/r4.err") == 2 )) || fail "SMTP down: want 2 retries: $(cat "$TF_TMP/r4.err")"
grep -q "tickflow: report: e-mail not sent: smtp://127.0.0.1:$P3: .* after 3 attempt(s); the report is kept at $out" "$TF_TMP/r4.err" ||
	fail "SMTP down: unclear error: $(tail -1 "$TF_TMP/r4.err")"
echo "ok: report mailed (plain, STARTTLS+AUTH), refused and down handled"

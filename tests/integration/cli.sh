# cli.sh — the command table, help and exit codes.
source "$(dirname "$0")/lib.sh"

"$TICKFLOW" help >"$TF_TMP/help" || fail "help exited non-zero"
grep -q exchange "$TF_TMP/help" || fail "help does not list exchange"
grep -q ingest "$TF_TMP/help" || fail "help does not list ingest"

set +e
"$TICKFLOW" >/dev/null 2>&1; [[ $? == 2 ]] || fail "no command must exit 2"
"$TICKFLOW" frobnicate 2>"$TF_TMP/err"; [[ $? == 2 ]] || fail "unknown command must exit 2"
grep -q "unknown command 'frobnicate'" "$TF_TMP/err" || fail "unknown command message"
"$TICKFLOW" help frobnicate 2>/dev/null; [[ $? == 2 ]] || fail "help of unknown command must exit 2"
set -e
"$TICKFLOW" version | grep -q '^tickflow ' || fail "version"
echo ok

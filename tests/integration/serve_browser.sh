#!/usr/bin/env bash
# serve_browser.sh — the dashboard in a real browser: a store filled by the real pipeline (broker +
# kcat + tickflow stream, see serve/pipeline.sh), then tests/e2e/dashboard.mjs drives Debian's
# chromium through playwright-core: every tab renders real data, choices change the page and the URL,
# a candle produced after the page loaded appears live, killing and restarting serve reconnects.
# Screenshots of each tab go to build/screenshots/.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve/pipeline.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[[ -x /usr/bin/chromium ]] || fail "chromium missing (scripts/deps.sh installs it)"
[[ -d $ROOT/node_modules/playwright-core ]] || fail "playwright-core missing (scripts/deps.sh runs npm ci)"
# about 100 minutes of ticks, one to two records a second: enough candles for MA25 and 5m/1h bars
SERVE_STEP_MS=1000 serve_pipeline 12000 11000
stop_serve() { [[ -f $TF_TMP/serve.pid ]] && kill "$(cat "$TF_TMP/serve.pid")" 2>/dev/null; cleanup; }
trap stop_serve EXIT
TF_DB=$DB TF_HTTP_PORT=$(free_port) TF_BROKER_PORT=$BP TF_MORE=$TF_TMP/second TF_SHOTS=$ROOT/build/screenshots TF_TMP=$TF_TMP \
	timeout --kill-after=5 90 node "$ROOT/tests/e2e/dashboard.mjs" || {
	tail -n 20 "$TF_TMP/serve-browser.log" >&2
	fail "dashboard browser test"
}
echo "serve_browser ok"

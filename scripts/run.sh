#!/usr/bin/env bash
# run.sh BIN — the main job of `make run`: a local exchange and a live ingest printing decoded
# records. (Becomes `tickflow up` once the broker, stream engine and dashboard land.)
set -euo pipefail
BIN=${1:-build/tickflow}
PORT=${TICKFLOW_EXCHANGE_PORT:-9443}
"$BIN" exchange --listen "127.0.0.1:$PORT" &
exchange=$!
trap 'kill $exchange 2>/dev/null; wait $exchange 2>/dev/null' EXIT INT TERM
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
"$BIN" ingest --source "url:ws://127.0.0.1:$PORT/ws/!miniTicker@arr" --out -

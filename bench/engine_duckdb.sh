#!/usr/bin/env bash
# engine_duckdb.sh — 1-minute candles over the same 2,000,000-record JSONL file (2,000 simulated
# symbols): tickflow (read + decode + engine, one core) against DuckDB (@duckdb/node-api,
# read_json + GROUP BY, all its threads), both including parse. Prints a table with the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-build}
tmp=$(mktemp -d /tmp/tickflow-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
if [[ ! -d bench/duckdb/node_modules/@duckdb/node-api ]]; then
	npm ci --prefix bench/duckdb --no-audit --no-fund --loglevel=error >/dev/null
fi
"$OUT/bench/engine_throughput" --jsonl "$tmp/ticks.jsonl" >"$tmp/tf.txt"
read -r _ tf_s _ tf_n < <(grep '^tickflow_file_candles_s' "$tmp/tf.txt")
read -r _ dk_s _ dk_n < <(node bench/duckdb/candles.mjs "$tmp/ticks.jsonl")
printf '%-34s %10s %10s\n' "1m candles from JSONL" seconds candles
printf '%-34s %10s %10s\n' "tickflow (1 core)" "$tf_s" "$tf_n"
printf '%-34s %10s %10s\n' "DuckDB $(node -p "require('./bench/duckdb/node_modules/@duckdb/node-api/package.json').version") ($(nproc) threads)" "$dk_s" "$dk_n"
awk -v a="$tf_s" -v b="$dk_s" 'BEGIN { printf "tickflow/DuckDB speed ratio: %.2fx (%s)\n", b / a, (b > a) ? "tickflow faster" : "DuckDB faster" }'
[[ $tf_n == "$dk_n" ]] || echo "note: candle counts differ ($tf_n vs $dk_n)"

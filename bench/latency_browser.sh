#!/usr/bin/env bash
# latency_browser.sh — tick-to-browser latency of the dashboard under `tickflow up` (exchange
# simulator -> ingest -> broker -> stream -> store + live bus -> serve -> SSE -> page), measured by
# the page itself (now − the event time of the newest tick in each live 1m candle update) in headless
# Debian chromium over LAT_SECONDS (default 60) after LAT_WARMUP (15) seconds.
# The pages show 8 symbols (the most a page selects), so they receive the live updates of those 8
# and their closed candles (the page subscribes with ?candles=); the alerts of every symbol still come.
# Loads (2,000 symbols): --rate 1000 and --rate 100000 records/s (issue 5's two points) and Binance's
# pace (every changed symbol once a second). Each runs with the stream's --commit-interval 1s (its
# default; TICKFLOW_COMMIT_INTERVAL, which only `stream` reads); the stream publishes the live bus every
# --publish-interval (TICKFLOW_PUBLISH_INTERVAL, default 1ms) ahead of its commits. In the same run a
# second `tickflow serve` WITHOUT --brokers (store polling every 250 ms, the pre-bus design) serves the
# same store to a second page: the in-run peer. LAT_PEER=0 leaves the peer (a second serve and a
# second page on the same cores) out, to see what the pipeline alone gives at loads near the cores' limit.
# LAT_RUNS picks runs as LOAD:COMMIT_INTERVAL, LOAD = binance or records/s (default "1000:1s
# 100000:1s binance:1s"); OUT the build (default build), TICKFLOW_BENCH another binary (a before/after
# comparison); LAT_SECONDS / LAT_WARMUP the measured and warm-up seconds (60 / 15).
# LAT_UP_ARGS adds arguments to each `up` (e.g. "--no-store-ticks": what the SQLite writer's tick
# inserts cost the latency).
# Where the time goes: the stream's produce time of each bus message (kcat) of the page's symbols minus
# its newest tick's event time is printed as "of which tick->bus" (the rest is broker -> serve -> SSE
# -> browser; the other symbols are coalesced by --publish-rate and left out).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-build}
TICKFLOW=${TICKFLOW_BENCH:-$PWD/$OUT/tickflow}
PY=/usr/bin/python3
[[ -x $TICKFLOW ]] || { echo "build $TICKFLOW first (make)" >&2; exit 1; }
[[ -x /usr/bin/chromium && -d node_modules/playwright-core ]] || { echo "needs chromium and playwright-core (scripts/deps.sh)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/tickflow-latb.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
source bench/lib/bench_lib.sh
read -r -a up_args <<<"${LAT_UP_ARGS:-}"

# run LABEL COMMIT_INTERVAL UP_ARGS...: one `up`, two pages; appends result lines to $tmp/results
run() {
	local label=$1 ci=$2
	shift 2
	local d=$tmp/$label-$ci hp pp ep bp syms
	hp=$(port) pp=$(port) ep=$(port) bp=$(port)
	mkdir -p "$d"
	TICKFLOW_COMMIT_INTERVAL=$ci "$TICKFLOW" up --data-dir "$d/data" --http 127.0.0.1:$hp --exchange-listen 127.0.0.1:$ep \
		--broker-listen 127.0.0.1:$bp --status-every 10s "$@" "${up_args[@]}" >"$d/up.out" 2>"$d/up.log" &
	local up=$!
	pids+=($up)
	local deadline=$((SECONDS + 300))
	until grep -q "dashboard at" "$d/up.out"; do
		((SECONDS < deadline)) && kill -0 $up 2>/dev/null || { tail "$d/up.log" >&2; echo "up did not start" >&2; exit 1; }
		sleep 0.5
	done
	until grep -q "live bus: consuming" "$d/up.log"; do # the stream's first commit created the bus topics
		((SECONDS < deadline)) || { echo "serve's live bus did not start" >&2; exit 1; }
		sleep 0.5
	done
	local peer= peer_page=
	if [[ ${LAT_PEER:-1} != 0 ]]; then
		"$TICKFLOW" serve --store "sqlite:$d/data/tickflow.db" --http 127.0.0.1:$pp >"$d/peer.out" 2>"$d/peer.log" &
		peer=$!
		pids+=($peer)
	fi
	sleep 2
	# where the time goes: the stream's produce time of each bus message minus its newest tick's event time
	timeout $((${LAT_WARMUP:-15} + ${LAT_SECONDS:-60})) kcat -C -b 127.0.0.1:$bp -t candles.1m -o end -u -q -f '%T\t%s\n' \
		>"$d/bus.tsv" 2>/dev/null &
	local kc=$!
	# the page shows (and receives the live updates of) its selected symbols: 8, the most it allows
	syms=$(curl -sf "http://127.0.0.1:$hp/api/symbols?interval=1m" |
		$PY -c 'import json, sys; print(",".join(r["symbol"] for r in json.load(sys.stdin)["symbols"][:8]))')
	[[ -z $peer ]] || peer_page="poll=http://127.0.0.1:$pp/?interval=1m&symbols=$syms"
	node bench/latency_browser.mjs "bus=http://127.0.0.1:$hp/?interval=1m&symbols=$syms" ${peer_page:+"$peer_page"} |
		sed "s/^/$label $ci /" | tee -a "$tmp/results" >&2
	local lag
	lag=$(curl -sf "http://127.0.0.1:$hp/metrics" | awk '$1 == "tickflow_pipeline_lag_seconds" { print $2 }')
	echo "$label $ci {\"name\": \"lag\", \"lag_s\": ${lag:-null}}" | tee -a "$tmp/results" >&2
	wait $kc 2>/dev/null || true
	$PY - "$d/bus.tsv" "${LAT_WARMUP:-15}" "$syms" <<'PYEND' | sed "s/^/$label $ci /" | tee -a "$tmp/results" >&2
import json, math, sys
shown = set(sys.argv[3].split(","))  # the page's symbols: the others are coalesced (--publish-rate)
rows = []
for l in open(sys.argv[1]):
    t, _, js = l.partition("\t")
    try:
        c = json.loads(js)
    except ValueError:
        continue
    if c.get("last_event_time") and not c.get("final") and c.get("symbol") in shown:
        rows.append((int(t), int(t) - c["last_event_time"]))
t0 = rows[0][0] if rows else 0
s = sorted(d for t, d in rows if t >= t0 + int(sys.argv[2]) * 1000)
pct = lambda q: s[min(len(s) - 1, max(0, math.ceil(len(s) * q) - 1))] if s else None
print(json.dumps({"name": "tick_to_bus", "n": len(s), "p50": pct(0.5), "p99": pct(0.99), "max": s[-1] if s else None}))
PYEND
	tail -n 1 "$d/up.out" | sed "s/^/  $label $ci up: /" >&2 || true
	kill -INT $up
	[[ -z $peer ]] || kill $peer
	wait $up 2>/dev/null || true
	[[ -z $peer ]] || wait $peer 2>/dev/null || true
}

for r in ${LAT_RUNS:-1000:1s 100000:1s binance:1s}; do
	case ${r%%:*} in
	binance) run binance "${r#*:}" --symbols 2000 ;;
	*) run "${r%%:*}" "${r#*:}" --symbols 2000 --rate "${r%%:*}" ;;
	esac
done

$PY - "$tmp/results" <<'PYEND'
import json, sys
rows = {}
for l in open(sys.argv[1]):
    label, ci, js = l.split(" ", 2)
    r = json.loads(js)
    rows[(label, ci, r["name"])] = r
f = lambda v: "-" if v is None else f"{v:,.0f}"
print("tick-to-browser latency, MEASURED HERE (tickflow up, 2,000 simulated symbols, headless chromium, ms)")
print(f"{'load':<22} {'commit':>7} {'path':<18} {'samples':>9} {'p50':>7} {'p99':>7} {'max':>7}")
lags = {k[:2]: rows.pop(k)["lag_s"] for k in [k for k in rows if k[2] == "lag"]}
order = {"bus": 0, "tick_to_bus": 1, "poll": 2}
for (label, ci, name), r in sorted(rows.items(), key=lambda k: (k[0][0] != "binance", -int(k[0][0]) if k[0][0] != "binance" else 0, k[0][1] != "1s", order[k[0][2]])):
    load = "Binance pace" if label == "binance" else f"{int(label):,} records/s"
    path = {"bus": "bus (--brokers)", "poll": "store poll 250 ms", "tick_to_bus": " of which tick->bus"}[name]
    print(f"{load:<22} {ci:>7} {path:<18} {r['n']:>9,} {f(r['p50']):>7} {f(r['p99']):>7} {f(r['max']):>7}")
print()
print("pipeline lag at the end of each run (now - newest event time in the store; growing = not keeping up):")
print("  " + ", ".join(f"{l} {c}: {v} s" for (l, c), v in lags.items()))
print()
print("in-run peer: store polling / live bus (ratio > 1 = the bus is faster)")
for label in dict.fromkeys(k[0] for k in rows):
    for ci in dict.fromkeys(k[1] for k in rows):
        b, p = rows.get((label, ci, "bus")), rows.get((label, ci, "poll"))
        if b and p and b["p50"] and b["p99"]:
            print(f"  {label:<8} commit {ci:>6}: p50 x{p['p50'] / b['p50']:.2f}, p99 x{p['p99'] / b['p99']:.2f}")
print()
print("PUBLISHED ELSEWHERE (not measured here): Spark Structured Streaming micro-batch ~100 ms end to end;")
print("Streamlit page refresh 5,000 ms (the dashboards tickflow replaces re-run their query every 5 s).")
PYEND

#!/usr/bin/env bash
# serve_prometheus.sh — a real Prometheus server (Debian's `prometheus`, on loopback, storage in $TF_TMP)
# scrapes the /metrics of a running pipeline (`tickflow up --rate 500`: simulated exchange, broker, ingest,
# stream, serve) every second, and the test reads tickflow's series back through Prometheus' HTTP API
# (/api/v1/query): the target is up with no scrape error, the HTTP request counter equals exactly the
# requests this test made (2xx and 4xx, counted per scrape as they grew), the pipeline's record counter
# grows at a rate near the source's and follows the store's count of ticks, the SSE client gauge sees the
# one stream the test holds open, and the latency histogram gives a p99. `promtool check metrics` lints the
# exposition text itself.
source "$(dirname "$0")/lib.sh"
command -v prometheus >/dev/null || fail "prometheus missing (scripts/deps.sh installs Debian's prometheus)"
command -v promtool >/dev/null || fail "promtool missing (Debian's prometheus package has it)"
HP=$(free_port) EX=$(free_port) BR=$(free_port) PP=$(free_port)
U=http://127.0.0.1:$HP
start up "$TICKFLOW" up --data-dir "$TF_TMP/data" --http 127.0.0.1:$HP --exchange-listen 127.0.0.1:$EX \
	--broker-listen 127.0.0.1:$BR --rate 500 --symbols 50 --status-every 0s
wait_port "$HP" 30

cat >"$TF_TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: tickflow
    static_configs:
      - targets: ['127.0.0.1:$HP']
EOF
promtool check config "$TF_TMP/prometheus.yml" >/dev/null || fail "promtool rejects the test's config"
start prometheus prometheus --config.file="$TF_TMP/prometheus.yml" --storage.tsdb.path="$TF_TMP/prom" \
	--web.listen-address=127.0.0.1:$PP --log.level=warn
wait_port "$PP" 30
deadline=$((SECONDS + 20))
until curl -sf "http://127.0.0.1:$PP/-/ready" >/dev/null; do
	((SECONDS < deadline)) || { tail "$TF_TMP/prometheus.log"; fail "prometheus not ready in 20 s"; }
	sleep 0.2
done

# Traffic the counters must account for: one SSE stream held open, 30 good and 4 bad candles requests
# spread over ~8 s (several scrapes see the counter grow). Nothing else asks serve for candles.
deadline=$((SECONDS + 30))
until curl -sf "$U/api/symbols" | grep -qF '"symbol":"ETHUSDT"'; do
	((SECONDS < deadline)) || { tail "$TF_TMP/up.log"; fail "up stored no ETHUSDT candle in 30 s"; }
	sleep 0.3
done
good=0 bad=0
curl -sN --max-time 60 "$U/api/stream" >"$TF_TMP/sse" &
TF_PIDS+=($!)
for i in $(seq 34); do
	if ((i % 7 == 0)); then
		code=$(curl -s -o /dev/null -w '%{http_code}' "$U/api/candles?symbol=ETHUSDT&interval=2m")
		[[ $code == 400 ]] || fail "a bad interval gave HTTP $code, not 400"
		bad=$((bad + 1))
	else
		curl -sf -o /dev/null "$U/api/candles?symbol=ETHUSDT&interval=1m&limit=100" || fail "candles request failed"
		good=$((good + 1))
	fi
	sleep 0.25
done
curl -sf "$U/metrics" >"$TF_TMP/metrics.txt" || fail "no /metrics"
promtool check metrics <"$TF_TMP/metrics.txt" || fail "promtool check metrics found problems in /metrics"
echo "made $good good and $bad bad candles requests"

/usr/bin/python3 - "http://127.0.0.1:$PP" "$TF_TMP/data/tickflow.db" "$good" "$bad" <<'PY' || fail "tickflow series read back through Prometheus are wrong"
import json, math, sqlite3, sys, time, urllib.parse, urllib.request
P, db, good, bad = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

def api(path, **params):
    with urllib.request.urlopen(f"{P}{path}?{urllib.parse.urlencode(params)}", timeout=10) as r:
        body = json.load(r)
    assert body["status"] == "success", body
    return body["data"]

def query(q):
    """Instant query: list of (labels, value)."""
    d = api("/api/v1/query", query=q)
    if d["resultType"] == "scalar":
        return [({}, float(d["result"][1]))]
    return [(r["metric"], float(r["value"][1])) for r in d["result"]]

def one(q):
    r = query(q)
    assert len(r) == 1, f"{q}: {len(r)} series: {r}"
    return r[0][1]

def settle(q, want, secs=15):
    """Waits until q == want (a scrape after the last request), failing with the last value seen."""
    end, v = time.time() + secs, None
    while time.time() < end:
        r = query(q)
        v = r[0][1] if len(r) == 1 else r
        if v == want:
            return
        time.sleep(0.3)
    raise AssertionError(f"{q}: Prometheus has {v}, the test made {want}")

def samples(q):
    """Range query: the raw (time, value) samples of one series over the window."""
    d = api("/api/v1/query", query=q)
    assert d["resultType"] == "matrix" and len(d["result"]) == 1, (q, d)
    return [(float(t), float(v)) for t, v in d["result"][0]["values"]]

def per_second(q, secs):
    """Growth per second of a counter between its first and last sample of the last secs seconds
    (from the samples themselves: PromQL's rate() extrapolates over a window the run may not fill)."""
    s = samples(f"{q}[{secs}s]")
    assert len(s) >= 3, f"{q}: only {len(s)} samples in {secs} s"
    return (s[-1][1] - s[0][1]) / (s[-1][0] - s[0][0])

# the target: scraped, healthy, no parse error
t = api("/api/v1/targets")["activeTargets"]
assert len(t) == 1 and t[0]["labels"]["job"] == "tickflow", t
settle('up{job="tickflow"}', 1.0)
t = api("/api/v1/targets")["activeTargets"][0]
assert t["health"] == "up" and t["lastError"] == "", t
assert one('scrape_samples_scraped{job="tickflow"}') >= 30, "too few samples per scrape"

# the HTTP request counter: exactly the test's requests, seen growing across scrapes
settle('tickflow_http_requests_total{job="tickflow",route="candles",code="2xx"}', float(good))
settle('tickflow_http_requests_total{job="tickflow",route="candles",code="4xx"}', float(bad))
s = [v for _, v in samples('tickflow_http_requests_total{job="tickflow",route="candles",code="2xx"}[30s]')]
assert all(a <= b for a, b in zip(s, s[1:])), f"counter went down: {s}"
assert len(set(s)) >= 4, f"Prometheus saw the counter at fewer than 4 values while it grew: {s}"
scrapes = per_second('tickflow_http_requests_total{job="tickflow",route="metrics",code="2xx"}', 6)
assert 0.5 <= scrapes <= 1.5, f"/metrics requests: {scrapes:.2f}/s, expected ~1 (one scrape a second)"

# pipeline records: growing at about the source's 500 records/s, never above what the store holds
s = [v for _, v in samples('tickflow_pipeline_records_total{job="tickflow"}[30s]')]
assert all(a <= b for a, b in zip(s, s[1:])) and s[-1] > s[0], f"records counter not growing: {s}"
rate = per_second('tickflow_pipeline_records_total{job="tickflow"}', 6)
assert 200 <= rate <= 1000, f"records rate {rate}/s, the source sends 500/s"
# serve started with the pipeline, so its counter follows the store's count a scrape and a poll behind
last = one('tickflow_pipeline_records_total{job="tickflow"}')
stored = sqlite3.connect(db, timeout=10).execute("select count(*) from ticks").fetchone()[0]
assert stored / 2 <= last <= stored, f"records counter {last}, store holds {stored} ticks"
lag = one('tickflow_pipeline_lag_seconds{job="tickflow"}')
assert 0 <= lag < 30, f"lag {lag} s"

# the SSE gauge sees the test's one stream; events were published
settle('tickflow_sse_clients{job="tickflow"}', 1.0)
assert one('increase(tickflow_sse_events_total{job="tickflow"}[10s])') > 0, "no SSE events published"

# the latency histogram gives a p99 within its buckets
p99 = one('histogram_quantile(0.99, sum by (le) (rate(tickflow_http_request_duration_seconds_bucket{job="tickflow"}[30s])))')
assert math.isfinite(p99) and 0 < p99 <= 2.5, f"p99 {p99}"
print(f"prometheus ok: scrapes {scrapes:.2f}/s, candles 2xx={good} 4xx={bad}, records {last:.0f} (rate {rate:.0f}/s, store {stored}), "
      f"lag {lag:.2f} s, request p99 {p99 * 1000:.1f} ms")
PY
echo "serve_prometheus ok"

# stream_influx.sh — `tickflow stream --influx` against Debian's real InfluxDB server (influxd 1.6):
#  1. influxd on loopback (random http and rpc ports, data in $TF_TMP), database created through
#     its HTTP API; broker + generated miniTickers (incl. symbols EURUSD=X, ^GSPC, BRK.B whose tags
#     need escaping) + one stream worker writing SQLite and InfluxDB;
#  2. mid-run influxd is stopped: the worker keeps committing the second half of the records to
#     SQLite, logs exactly one warning for the outage; influxd restarts on the same data and the
#     queued points arrive (the worker logs that it is writing again; nothing dropped or unsent);
#  3. the points, queried back through InfluxDB's /query API, equal the SQLite candles and alerts
#     (count, keys, values: tests/integration/influx/compare.py);
#  4. contrib/grafana/: structure, and every dashboard query answered by this influxd with rows
#     (tests/integration/influx/grafana_check.py).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/stream/stream_lib.sh"
I=$(cd "$(dirname "$0")/influx" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
command -v influxd >/dev/null || fail "influxd not found (Debian package influxdb; scripts/deps.sh installs it)"
N=60000

# ---- influxd ----
HP=$(free_port)
RP=$(free_port)
IDB=http://127.0.0.1:$HP
mkdir -p "$TF_TMP/influx"
bash "$I/influxd_conf.sh" "$TF_TMP/influx" "$HP" "$RP" >"$TF_TMP/influxd.conf"
start_influxd() { # NAME
	start "$1" influxd run -config "$TF_TMP/influxd.conf"
	local deadline=$((SECONDS + 30))
	until [[ $(curl -s -o /dev/null -w '%{http_code}' "$IDB/ping") == 204 ]]; do
		((SECONDS < deadline)) || { tail -5 "$TF_TMP/$1.log"; fail "influxd did not answer /ping"; }
		sleep 0.1
	done
}
iq() { curl -sf -G "$IDB/query" --data-urlencode "db=tickflow" --data-urlencode "q=$1"; }
start_influxd influx1
curl -sf -XPOST "$IDB/query" --data-urlencode 'q=CREATE DATABASE tickflow' | grep -q '"statement_id":0' || fail "CREATE DATABASE"

# ---- broker and records (two halves: the second is produced while influxd is down) ----
cc -std=c11 -D_GNU_SOURCE -O1 -Wall -Werror -o "$TF_TMP/produce" "$D/produce.c" -lrdkafka || fail "cannot build produce.c"
BP=$(free_port)
BROKER=127.0.0.1:$BP
start broker "$TICKFLOW" broker --listen "$BROKER" --data-dir "$TF_TMP/data" --partitions 4 --retention 0s
wait_port "$BP"
$PY "$D/gen.py" $N 40 4 7 | $PY "$I/add_symbols.py" 7 >"$TF_TMP/rec.tsv" || fail "gen.py"
TOTAL=$(wc -l <"$TF_TMP/rec.tsv")
HALF=$((TOTAL / 2))
head -n $HALF "$TF_TMP/rec.tsv" >"$TF_TMP/rec1.tsv"
tail -n +$((HALF + 1)) "$TF_TMP/rec.tsv" >"$TF_TMP/rec2.tsv"
[[ $(timeout 60 "$TF_TMP/produce" "$BROKER" ticks <"$TF_TMP/rec1.tsv") == "$HALF" ]] || fail "could not produce the first half"

committed() { sqlite3 "$TF_TMP/s.db" "SELECT coalesce(sum(next_offset),0) FROM stream_offsets" 2>/dev/null || echo 0; }
wait_committed() { # COUNT SECONDS
	local deadline=$((SECONDS + $2))
	until [[ $(committed) == "$1" ]]; do
		((SECONDS < deadline)) || { tail -5 "$TF_TMP/stream.log"; fail "the store has $(committed) of $1 records"; }
		sleep 0.1
	done
}

# ---- 1. stream with --influx ----
t0=$(date +%s.%N)
start stream timeout 120 "$TICKFLOW" stream --brokers "$BROKER" --store "sqlite:$TF_TMP/s.db" --group g \
	--session-timeout 2s --threads 2 --commit-interval 100ms --influx "$IDB/write?db=tickflow"
wait_committed $HALF 60
n1=$(iq 'SELECT count("close") FROM candles' | $PY -c 'import json,sys; r=json.load(sys.stdin)["results"][0]; print(r["series"][0]["values"][0][1] if "series" in r else 0)')
((n1 > 0)) || fail "no candles in InfluxDB after the first half"
echo "first half: $HALF records committed, $n1 candle points in InfluxDB"

# ---- 2. outage: influxd stopped, the second half committed to the store meanwhile, restart ----
kill "$PID_influx1"
wait "$PID_influx1" 2>/dev/null || true
[[ $(curl -s -o /dev/null -w '%{http_code}' "$IDB/ping") == 000 ]] || fail "influxd still answers"
[[ $(timeout 60 "$TF_TMP/produce" "$BROKER" ticks <"$TF_TMP/rec2.tsv") == "$((TOTAL - HALF))" ]] || fail "could not produce the second half"
wait_committed "$TOTAL" 60
wait_for "$TF_TMP/stream.log" "influx: cannot write to" 20
kill -0 "$PID_stream" || fail "the stream worker died while InfluxDB was down"
echo "outage: all $TOTAL records committed to SQLite while influxd was down"
sleep 3 # a few more failed POSTs: the backoff grows, the worker goes on
kill -0 "$PID_stream" || fail "the stream worker died while InfluxDB was down"
start_influxd influx2
wait_for "$TF_TMP/stream.log" "influx: writing to InfluxDB again" 30
kill -INT "$PID_stream"
wait "$PID_stream" || fail "stream exited with $?"
t1=$(date +%s.%N)
grep 'influx:' "$TF_TMP/stream.log"
[[ $(grep -c 'influx: cannot write to' "$TF_TMP/stream.log") == 1 ]] || fail "want exactly one warning for the outage"
summary=$(grep 'points written in' "$TF_TMP/stream.log") || fail "no closing summary"
re=' 0 rejected, 0 dropped \(queue full\), 0 invalid, 0 unsent'
[[ $summary =~ $re ]] || fail "points were lost: $summary"
grep -q 'warn.*queue full' "$TF_TMP/stream.log" && fail "queue overflowed"

# ---- 3. InfluxDB equals the store ----
$PY "$I/compare.py" "$TF_TMP/s.db" "$IDB" tickflow || fail "InfluxDB differs from the store"
for s in 'EURUSD=X' '^GSPC' 'BRK.B'; do
	iq 'SHOW TAG VALUES FROM candles WITH KEY = "symbol"' | grep -qF "\"$s\"" || fail "tag value $s missing"
done

# ---- 4. Grafana dashboard and datasource ----
range=$(sqlite3 "$TF_TMP/s.db" "SELECT min(open_time), max(open_time) + 3600000 FROM candles")
$PY "$I/grafana_check.py" "$ROOT/contrib/grafana/tickflow-dashboard.json" "$ROOT/contrib/grafana/datasource.yaml" \
	"$IDB" tickflow "${range%|*}" "${range#*|}" || fail "Grafana files"

# ---- 5. repair: --from earliest rebuilds the tables and writes every point again (into a fresh
# database here, so nothing is left over from before): equal to the store again. Small batches and
# frequent commits make many points: the rate is InfluxDB's, measured over the time spent in POSTs.
curl -sf -XPOST "$IDB/query" --data-urlencode 'q=CREATE DATABASE rebuild' | grep -q '"statement_id":0' || fail "CREATE DATABASE"
run_stream rebuild "sqlite:$TF_TMP/s.db" g --from earliest --threads 2 --commit-interval 10ms --batch 200 \
	--influx "$IDB/write?db=rebuild"
grep -q "rebuilding from earliest" "$TF_TMP/rebuild.log" || fail "--from earliest did not rebuild"
$PY "$I/compare.py" "$TF_TMP/s.db" "$IDB" rebuild || fail "the rebuilt InfluxDB database differs from the store"
rsum=$(grep 'points written in' "$TF_TMP/rebuild.log") || fail "no closing summary in the rebuild"
re='([0-9]+) points written in ([0-9]+) POSTs \(([0-9.]+) MB, ([0-9.]+) s in POSTs\); 0 rejected, 0 dropped'
[[ $rsum =~ $re ]] ||
	fail "rebuild summary: $rsum"
echo "ok: $TOTAL records, outage survived (run $($PY -c "print(round($t1 - $t0, 1))") s); rebuild wrote" \
	"${BASH_REMATCH[1]} points in ${BASH_REMATCH[2]} POSTs (${BASH_REMATCH[3]} MB) in ${BASH_REMATCH[4]} s of POSTs:" \
	"$($PY -c "print(int(${BASH_REMATCH[1]} / max(${BASH_REMATCH[4]}, 0.001)))") points/s into influxd"

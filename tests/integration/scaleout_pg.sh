# scaleout_pg.sh — DESIGN §10 on one machine: `tickflow broker`, a real PostgreSQL 15 (started here
# on loopback as in stream_pg.sh), two `tickflow stream` workers in one consumer group writing to
# it and one `tickflow serve` reading it. Records are produced continuously (chunks of gen.py's
# stream, about one a second); one worker is killed with -9 mid-run. Checks:
#  1. before the kill the two workers share the 4 partitions (2 each);
#  2. after the kill the survivor is assigned all 4 (rebalance) and the dashboard's API keeps
#     moving: for every partition, some symbol's newest 1m candle (/api/symbols last_time) gets
#     newer than it was at the kill, within a bound;
#  3. once everything produced is consumed, the PostgreSQL tables equal (canonical dump, cmp) those
#     of a single uninterrupted worker over the same log into SQLite.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/stream/stream_lib.sh"
CHUNKS=${SCALEOUT_CHUNKS:-14}
CHUNK=${SCALEOUT_CHUNK:-4000}
N=$((CHUNKS * CHUNK))
source "$(dirname "$0")/peers/postgres.sh"
pg_createdb scale
PGURL=$(pg_url scale)
sql() { psql -X -At -h 127.0.0.1 -p "$PGPORT" -U tickflow -d scale -c "$1" 2>/dev/null; }

# Broker and the first chunk (it creates the topic with 4 partitions); the rest is produced later.
cc -std=c11 -D_GNU_SOURCE -O1 -Wall -Werror -o "$TF_TMP/produce" "$D/produce.c" -lrdkafka || fail "cannot build produce.c"
BP=$(free_port)
BROKER=127.0.0.1:$BP
start broker "$TICKFLOW" broker --listen "$BROKER" --data-dir "$TF_TMP/data" --partitions 4 --retention 0s
wait_port "$BP"
$PY "$D/gen.py" "$N" 40 4 31 40 >"$TF_TMP/rec.tsv" || fail "gen.py"
split -l "$CHUNK" -d -a 3 "$TF_TMP/rec.tsv" "$TF_TMP/chunk."
produce_chunk() { [[ $(timeout 60 "$TF_TMP/produce" "$BROKER" ticks <"$1") == $(wc -l <"$1") ]]; }
produce_chunk "$TF_TMP/chunk.000" || fail "could not produce the first chunk"

worker() { # NAME: a member of group "scale" writing to PostgreSQL
	start "$1" "$TICKFLOW" stream --brokers "$BROKER" --store "$PGURL" --group scale --session-timeout 2s \
		--threads 2 --commit-interval 100ms --batch 2000
}
worker w1
wait_log "$TF_TMP/w1.log" "assigned 4 partitions" 30
worker w2
wait_log "$TF_TMP/w2.log" "assigned 2 partitions" 30
wait_log "$TF_TMP/w1.log" "assigned 2 partitions" 30

HP=$(free_port)
start serve "$TICKFLOW" serve --store "$PGURL" --http 127.0.0.1:$HP --poll 100ms
wait_port "$HP"

# The rest of the stream, one chunk about every 0.6 s, in the background.
(
	for f in "$TF_TMP"/chunk.*; do
		[[ $f == */chunk.000 ]] && continue
		produce_chunk "$f" || { echo "produce $f failed" >"$TF_TMP/produce.failed"; exit 1; }
		sleep 0.6
	done
) &
PRODUCER=$!
TF_PIDS+=($PRODUCER)

# symbols_json FILE: the dashboard's /api/symbols now.
symbols_json() { curl -sf --max-time 5 "http://127.0.0.1:$HP/api/symbols" >"$1"; }
# Both workers committed results for their partitions: offsets of all 4 are in the store.
for _ in $(seq 300); do
	[[ $(sql "SELECT count(*) FROM stream_offsets WHERE consumer_group = 'scale'") == 4 ]] && break
	sleep 0.1
done
[[ $(sql "SELECT count(*) FROM stream_offsets WHERE consumer_group = 'scale'") == 4 ]] || fail "not every partition committed"
sleep 2 # let a few more chunks flow through both workers
symbols_json "$TF_TMP/before.json" || fail "GET /api/symbols"
before_offsets=$(sql "SELECT sum(next_offset) FROM stream_offsets WHERE consumer_group = 'scale'")
((before_offsets < N)) || fail "everything was consumed before the kill; the test needs a mid-run kill"
kill -9 "$PID_w1"
wait "$PID_w1" 2>/dev/null || true
killed=$SECONDS
echo "killed w1 after $before_offsets of $N records were committed"

# 2. rebalance: the survivor takes all partitions over
wait_log "$TF_TMP/w2.log" "assigned 4 partitions" 30
echo "w2 took over all partitions $((SECONDS - killed)) s after the kill"
# ... and the dashboard shows newer candles in every partition
partmap=$(cut -f1,2 "$TF_TMP/rec.tsv" | sort -u | tr '\t\n' ':,')
moved=""
for _ in $(seq 60); do
	symbols_json "$TF_TMP/after.json" || fail "GET /api/symbols after the kill"
	moved=$($PY - "$TF_TMP/before.json" "$TF_TMP/after.json" "$partmap" <<'PY'
import json, sys
before = {s["symbol"]: s["last_time"] for s in json.load(open(sys.argv[1]))["symbols"]}
after = {s["symbol"]: s["last_time"] for s in json.load(open(sys.argv[2]))["symbols"]}
part = dict(reversed(p.split(":")) for p in sys.argv[3].split(",") if p)
moved = sorted({part[s] for s, t in after.items() if s in part and t is not None and t > (before.get(s) or 0)})
print(" ".join(moved))
PY
)
	[[ $moved == "0 1 2 3" ]] && break
	sleep 0.5
done
[[ $moved == "0 1 2 3" ]] || fail "the dashboard stopped updating after the kill: newer candles only in partitions '$moved'"
echo "dashboard: newer candles in every partition $((SECONDS - killed)) s after the kill"

# 3. everything consumed, then the tables against an uninterrupted single worker
wait "$PRODUCER" || fail "$(cat "$TF_TMP/produce.failed" 2>/dev/null || echo producer failed)"
for _ in $(seq 600); do
	[[ $(sql "SELECT sum(next_offset) FROM stream_offsets WHERE consumer_group = 'scale'") == "$N" ]] && break
	sleep 0.1
done
done_=$(sql "SELECT sum(next_offset) FROM stream_offsets WHERE consumer_group = 'scale'")
[[ $done_ == "$N" ]] || fail "the survivor committed $done_ of $N records"
kill -TERM "$PID_w2"
wait "$PID_w2" || fail "the survivor did not stop cleanly"
curl -sf --max-time 5 "http://127.0.0.1:$HP/healthz" >/dev/null || fail "serve died"

run_stream ref "sqlite:$TF_TMP/ref.db" ref --threads 2
dump "$TF_TMP/ref.db" "$TF_TMP/ref.txt"
dump "pg:$PGURL" "$TF_TMP/pg.txt"
[[ $(wc -l <"$TF_TMP/ref.txt") -gt 1000 ]] || fail "the reference run wrote almost nothing"
cmp "$TF_TMP/ref.txt" "$TF_TMP/pg.txt" || { diff "$TF_TMP/ref.txt" "$TF_TMP/pg.txt" | head -20; fail "PostgreSQL tables after the kill and rebalance differ from the reference"; }
echo "ok: 2 workers + serve on PostgreSQL; after kill -9 of one, the other took over and the tables equal the reference ($N records)"

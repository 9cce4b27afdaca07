# stream_pg.sh — the same pipeline into a real PostgreSQL 15 server that this test starts on
# loopback (initdb + pg_ctl under runuser -u postgres, in a temp dir; stopped at the end):
#  1. the PostgreSQL tables equal, byte for byte after canonical dumping, those of an SQLite run
#     that the reference model checks;
#  2. PostgreSQL stopped mid-run and started again: the worker pauses, retries, and the tables
#     come out identical (no loss, no duplicates);
#  3. crash: the worker killed with -9 at >= 10 random instants and restarted: identical again;
#  4. --from earliest over the filled database of 1: every tick is already stored, so the direct
#     COPY into ticks meets unique violations and the batches go through the merge: identical again.
# Each time, the per-partition record/late/DLQ counters committed with the offsets equal SQLite's.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/stream/stream_lib.sh"
N=${STREAM_PG_RECORDS:-200000}
source "$(dirname "$0")/peers/postgres.sh"
for db in main outage crash; do pg_createdb $db; done
url() { pg_url "$1"; }

setup_stream "$N" 200 23
run_stream ref "sqlite:$TF_TMP/ref.db" ref --threads 2
$PY "$D/model.py" "$TF_TMP/rec.tsv" "$TF_TMP/ref.db" || fail "engine differs from the reference model"
dump "$TF_TMP/ref.db" "$TF_TMP/ref.txt"
sqlite3 "$TF_TMP/ref.db" "SELECT partition || ' ' || records || ' ' || late || ' ' || dlq FROM stream_offsets ORDER BY partition" >"$TF_TMP/counters.txt"
(($(awk '{ s += $4 } END { print s }' "$TF_TMP/counters.txt") > 0)) || fail "no dead-lettered record counted"
# pg_counters DB GROUP: the stored counters as in counters.txt
pg_counters() {
	psql -X -At -h 127.0.0.1 -p "$PGPORT" -U tickflow -d "$1" -c "SELECT \"partition\" || ' ' || records || ' ' || late || ' ' || dlq FROM stream_offsets WHERE consumer_group = '$2' ORDER BY \"partition\""
}

# 1. straight run into PostgreSQL
run_stream pg "$(url main)" pgmain --threads 2
dump "pg:$(url main)" "$TF_TMP/pg.txt"
cmp "$TF_TMP/ref.txt" "$TF_TMP/pg.txt" || { diff "$TF_TMP/ref.txt" "$TF_TMP/pg.txt" | head; fail "PostgreSQL tables differ from SQLite's"; }
[[ $(psql -X -At -h 127.0.0.1 -p "$PGPORT" -U tickflow -d main -c "SELECT max(version) FROM schema_version") == 8 ]] || fail "schema version"
pg_counters main pgmain | diff "$TF_TMP/counters.txt" - || fail "PostgreSQL counters differ from SQLite's"

# 2. PostgreSQL goes away mid-run and comes back
start outage timeout 180 "$TICKFLOW" stream --brokers "$BROKER" --store "$(url outage)" --group outage \
	--session-timeout 2s --threads 2 --exit-idle 4s --batch 2000 --commit-interval 50ms
wait_log "$TF_TMP/outage.log" "assigned" 30
sleep 0.3
pg_stop
sleep 2
pg_start
wait "$PID_outage" || { tail "$TF_TMP/outage.log"; fail "the worker failed during the outage"; }
grep -q "store unavailable" "$TF_TMP/outage.log" || fail "the outage was not noticed"
grep -q "store is back" "$TF_TMP/outage.log" || fail "the worker did not say the store is back"
dump "pg:$(url outage)" "$TF_TMP/outage.txt"
cmp "$TF_TMP/ref.txt" "$TF_TMP/outage.txt" || { diff "$TF_TMP/ref.txt" "$TF_TMP/outage.txt" | head -20; grep -E "warn|error|back" "$TF_TMP/outage.log"; fail "tables after a PostgreSQL restart differ"; }
pg_counters outage outage | diff "$TF_TMP/counters.txt" - || fail "counters after a PostgreSQL restart differ"

# 3. kill -9 at random instants
offsets() { psql -X -At -h 127.0.0.1 -p "$PGPORT" -U tickflow -d crash -c "SELECT coalesce(sum(next_offset),0) FROM stream_offsets" 2>/dev/null || echo 0; }
kill_runs "$(url crash)" 10
((mid >= 10)) || fail "only $mid kills landed mid-run"
run_stream crash-final "$(url crash)" crash --threads 2
dump "pg:$(url crash)" "$TF_TMP/crash.txt"
cmp "$TF_TMP/ref.txt" "$TF_TMP/crash.txt" || fail "PostgreSQL tables after $mid kills differ"
pg_counters crash crash | diff "$TF_TMP/counters.txt" - || fail "PostgreSQL counters after $mid kills differ"

# 4. rebuild over the stored ticks
run_stream rebuild "$(url main)" pgmain --threads 2 --from earliest
dump "pg:$(url main)" "$TF_TMP/rebuild.txt"
cmp "$TF_TMP/ref.txt" "$TF_TMP/rebuild.txt" || fail "PostgreSQL tables after --from earliest differ"
pg_counters main pgmain | diff "$TF_TMP/counters.txt" - || fail "PostgreSQL counters after --from earliest differ"
echo "ok: PostgreSQL equals SQLite, survives a restart of PostgreSQL and $mid kills, rebuilds over itself"

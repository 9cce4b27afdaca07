#!/usr/bin/env bash
# engine_pipeline.sh — broker → `tickflow stream` → store throughput on this machine: 400,000
# generated miniTicker records (2,000 and 20,000 symbols) are produced into `tickflow broker` first,
# then one stream process (--threads = cores) consumes them into SQLite and into a PostgreSQL 15
# server started here on loopback; records/s is counted from assignment to the last commit.
# Then a 100,000 records/s feed for 20 s with the worker running: the consumer lag (log end minus
# stored offsets) is sampled every 2 s and must not grow.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-build}
TICKFLOW=$PWD/$OUT/tickflow
D=$PWD/tests/integration/stream
PY=/usr/bin/python3
N=${BENCH_RECORDS:-400000}
tmp=$(mktemp -d /tmp/tickflow-bench.XXXXXX)
chmod 755 "$tmp"
pids=()
PGBIN=/usr/lib/postgresql/15/bin
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	[[ -d $tmp/pg/data ]] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$tmp/pg/data" -m fast -w stop >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
source bench/lib/bench_lib.sh
cc -std=c11 -D_GNU_SOURCE -O2 -o "$tmp/produce" "$D/produce.c" -lrdkafka
BPORT=$(port)
BROKER=127.0.0.1:$BPORT
"$TICKFLOW" broker --listen "$BROKER" --data-dir "$tmp/data" --partitions 4 --retention 0s 2>"$tmp/broker.log" &
pids+=($!)
PGPORT=$(port)
mkdir -p "$tmp/pg" && chown postgres "$tmp/pg"
runuser -u postgres -- "$PGBIN/initdb" -D "$tmp/pg/data" -A trust -U tickflow >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$tmp/pg/data" -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $tmp/pg" \
	-l "$tmp/pg/log" -w start >/dev/null
sleep 0.5

# run_once TOPIC STORE GROUP: prints records/s of one stream process over the whole topic.
run_once() {
	"$TICKFLOW" stream --brokers "$BROKER" --topic "$1" --store "$2" --group "$3" --exit-idle 1s 2>"$tmp/$3.log"
	$PY - "$tmp/$3.log" <<'PYEND'
import re, sys, datetime
t = lambda l: datetime.datetime.fromisoformat(l.split()[0].rstrip("Z"))
lines = open(sys.argv[1]).read().splitlines()
a = next(t(l) for l in lines if "assigned" in l)
e = next(t(l) for l in lines if "no records for" in l)
n = int(re.search(r"stopped after (\d+) records", lines[-1]).group(1))
print(f"{n} {n / ((e - a).total_seconds() - 1.0):.0f}")
PYEND
}

printf '%-34s %10s %14s\n' "broker -> stream -> store" records "records/s"
for syms in 2000 20000; do
	$PY "$D/gen.py" "$N" "$syms" 4 5 >"$tmp/rec$syms.tsv"
	"$tmp/produce" "$BROKER" "t$syms" <"$tmp/rec$syms.tsv" >/dev/null
	psql -X -q -h 127.0.0.1 -p "$PGPORT" -U tickflow -d postgres -c "CREATE DATABASE b$syms"
	read -r n r < <(run_once "t$syms" "sqlite:$tmp/s$syms.db" "gs$syms")
	printf '%-34s %10s %14s\n' "SQLite, $syms symbols" "$n" "$r"
	read -r n r < <(run_once "t$syms" "postgresql://tickflow@127.0.0.1:$PGPORT/b$syms" "gp$syms")
	printf '%-34s %10s %14s\n' "PostgreSQL, $syms symbols" "$n" "$r"
done

# lag under a 100,000 records/s feed (SQLite, then PostgreSQL): 2,000,000 records paced by produce.c.
echo
for store in "sqlite:$tmp/lag.db" "postgresql://tickflow@127.0.0.1:$PGPORT/b2000"; do
	topic=live_${store%%:*} # one topic per store: each run starts with an empty log
	"$TICKFLOW" stream --brokers "$BROKER" --topic "$topic" --store "$store" --group "lag${#store}" 2>"$tmp/lag.log" &
	spid=$!
	pids+=($spid)
	sleep 2
	"$tmp/produce" "$BROKER" "$topic" 100000 20 <"$tmp/rec2000.tsv" >/dev/null & # paced, in C: Python took a core
	ppid=$!
	printf 'lag under a 100,000 records/s feed into %s (records behind, every 2 s):' "${store%%:*}"
	for _ in $(seq 10); do
		sleep 2
		end=$(timeout 10 kcat -Q -b "$BROKER" -t "$topic:0:-1" -t "$topic:1:-1" -t "$topic:2:-1" -t "$topic:3:-1" 2>/dev/null | awk '{s += $NF} END {print s + 0}')
		if [[ $store == sqlite:* ]]; then
			done_=$(sqlite3 "${store#sqlite:}" "SELECT coalesce(sum(next_offset),0) FROM stream_offsets WHERE topic='$topic'")
		else
			done_=$(psql -X -At -d "$store" -c "SELECT coalesce(sum(next_offset),0) FROM stream_offsets WHERE topic='$topic'")
		fi
		printf ' %s' $((end - done_))
	done
	echo
	wait $ppid || true
	kill $spid
	wait $spid 2>/dev/null || true
done

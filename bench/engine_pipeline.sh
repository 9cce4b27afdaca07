#!/usr/bin/env bash
# engine_pipeline.sh — broker → `tickflow stream` → store throughput on this machine: 400,000
# generated miniTicker records (2,000 and 20,000 symbols) are produced into `tickflow broker` first,
# then one stream process (--threads = cores) consumes them into SQLite and into a PostgreSQL 15
# server started here on loopback; records/s is counted from assignment to the last commit.
# Then the consumer lag under a 100,000 records/s feed (below). PostgreSQL runs with
# shared_buffers=512MB and max_wal_size=4GB (its defaults, 128MB and 1GB, are sized for small
# machines: 100,000 ticks/s are tens of MB/s of WAL, and a checkpoint every few seconds
# makes every page's first change a full-page write).
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
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$tmp/pg/data" -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $tmp/pg -c shared_buffers=512MB -c max_wal_size=4GB" \
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

# lag under a 100,000 records/s feed, 2,000 symbols, 30 s, into SQLite and into PostgreSQL, in two
# paces (produce.c): "live", event time = the wall clock as from an exchange (each symbol's candles
# close once a minute), and "replay", the generated log's event time running ~1,000 times faster
# (a candle closes every few records: the rebuild-from-the-log case). The lag (log end minus
# stored offsets, sampled every 2 s) includes the open batch (--commit-interval 1s: up to ~100,000
# at this rate); keeping up means it does not grow: stored/produced over the last 24 s is ~1.00.
echo
lag_run() { # lag_run STORE PACE
	local store=$1 pace=$2 topic="lag_${1%%:*}_$2" t0 end done_ first_end first_done n=0
	"$TICKFLOW" stream --brokers "$BROKER" --topic "$topic" --store "$store" --group "g$topic" 2>"$tmp/lag.log" &
	local spid=$!
	pids+=($spid)
	sleep 2
	if [[ $pace == live ]]; then
		"$tmp/produce" "$BROKER" "$topic" 100000 30 live <"$tmp/rec2000.tsv" >/dev/null &
	else
		"$tmp/produce" "$BROKER" "$topic" 100000 30 <"$tmp/rec2000.tsv" >/dev/null &
	fi
	local ppid=$!
	printf '%-40s' "lag, ${store%%:*}, $pace pace:"
	for _ in $(seq 15); do
		sleep 2
		end=$(timeout 10 kcat -Q -b "$BROKER" -t "$topic:0:-1" -t "$topic:1:-1" -t "$topic:2:-1" -t "$topic:3:-1" 2>/dev/null | awk '{s += $NF} END {print s + 0}')
		if [[ $store == sqlite:* ]]; then
			done_=$(sqlite3 "${store#sqlite:}" "SELECT coalesce(sum(next_offset),0) FROM stream_offsets WHERE topic='$topic'")
		else
			done_=$(psql -X -At -d "$store" -c "SELECT coalesce(sum(next_offset),0) FROM stream_offsets WHERE topic='$topic'")
		fi
		n=$((n + 1))
		((n == 3)) && first_end=$end first_done=$done_ # from 6 s on: the first commits are behind us
		printf ' %s' $((end - done_))
	done
	awk -v e="$((end - first_end))" -v d="$((done_ - first_done))" 'BEGIN { printf "   stored/produced %.2f (%.0f records/s stored)\n", d / e, d / 24 }'
	wait $ppid || true
	kill $spid
	wait $spid 2>/dev/null || true
}
for pace in live replay; do
	lag_run "sqlite:$tmp/lag_$pace.db" $pace
	psql -X -q -h 127.0.0.1 -p "$PGPORT" -U tickflow -d postgres -c "CREATE DATABASE lag_$pace"
	lag_run "postgresql://tickflow@127.0.0.1:$PGPORT/lag_$pace" $pace
done

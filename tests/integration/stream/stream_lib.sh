# stream_lib.sh — sourced by tests/integration/stream_*.sh after lib.sh: a broker that keeps old
# timestamps (--retention 0s: the test data is from 2023), the test producer, generated records.
D=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3

# setup_stream RECORDS SYMBOLS SEED: broker on a free port, records in $TF_TMP/rec.tsv produced into
# topic ticks (4 partitions). Sets BROKER.
setup_stream() {
	cc -std=c11 -D_GNU_SOURCE -O1 -Wall -Werror -o "$TF_TMP/produce" "$D/produce.c" -lrdkafka || fail "cannot build produce.c"
	PORT=$(free_port)
	BROKER=127.0.0.1:$PORT
	start broker "$TICKFLOW" broker --listen "$BROKER" --data-dir "$TF_TMP/data" --partitions 4 --retention 0s
	wait_port "$PORT"
	$PY "$D/gen.py" "$1" "$2" 4 "$3" >"$TF_TMP/rec.tsv" || fail "gen.py"
	[[ $(timeout 120 "$TF_TMP/produce" "$BROKER" ticks <"$TF_TMP/rec.tsv") == "$1" ]] || fail "could not produce $1 records"
}

# run_stream NAME STORE GROUP [options...]: runs a worker to completion (--exit-idle), bounded.
run_stream() {
	local name=$1 store=$2 group=$3; shift 3
	timeout 180 "$TICKFLOW" stream --brokers "$BROKER" --store "$store" --group "$group" --session-timeout 2s \
		--exit-idle 2s "$@" >"$TF_TMP/$name.out" 2>"$TF_TMP/$name.log" || { tail -20 "$TF_TMP/$name.log"; fail "stream $name failed"; }
}

# dump STORE FILE: canonical text of the result tables.
dump() { $PY "$D/dump.py" "$1" >"$2" || fail "dump $1"; }

# wait_log FILE PATTERN SECONDS: like wait_for, but shows the stream logs when it gives up.
wait_log() {
	local deadline=$((SECONDS + $3))
	until grep -q -E "$2" "$1" 2>/dev/null; do
		if ((SECONDS >= deadline)); then
			tail -n 15 "$TF_TMP"/*.log >&2
			fail "no line matching '$2' in $1"
		fi
		sleep 0.05
	done
}

# kill_runs STORE_URL WANT: starts `tickflow stream` on STORE_URL (group crash, 2 threads, 50 ms
# commits) and kills it with -9 at random instants after its assignment, again and again, until WANT
# kills landed mid-run (some but not all of the $N records committed) or 30 lives passed. The delay
# adapts so that each life commits something. Needs an `offsets` function printing the records
# committed so far. Sets $mid (the kills that landed mid-run).
kill_runs() {
	local store=$1 want=$2 i=0 prev=0 delay=150 log pid d done_
	mid=0
	while ((mid < want && i < 30)); do
		i=$((i + 1))
		log=$TF_TMP/crash$i.log
		"$TICKFLOW" stream --brokers "$BROKER" --store "$store" --group crash --session-timeout 2s \
			--threads 2 --commit-interval 50ms --batch 2000 >/dev/null 2>"$log" &
		pid=$!
		TF_PIDS+=($pid)
		wait_log "$log" "assigned" 30
		d=$((delay + RANDOM % delay))
		sleep "$((d / 1000)).$(printf '%03d' $((d % 1000)))"
		kill -9 $pid
		wait $pid 2>/dev/null || true
		done_=$(offsets)
		echo "kill $i: $done_ of $N records committed"
		((done_ < N)) && mid=$((mid + 1))
		if ((done_ == prev)); then delay=$((delay + 150)); elif ((done_ - prev > N / 10 && delay > 100)); then delay=$((delay / 2)); fi
		prev=$done_
	done
}

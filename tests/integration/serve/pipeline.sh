# pipeline.sh — shared setup for the serve tests (sourced after lib.sh, not run on its own): a real
# pipeline filling a SQLite store. `serve_pipeline RECORDS FIRST` starts `tickflow broker`, writes a
# deterministic stream of RECORDS keyed miniTicker records (gen.py) split into $TF_TMP/first (the
# first FIRST lines, produced now with kcat) and $TF_TMP/second (kept for later), starts
# `tickflow stream` into sqlite:$DB and waits until it committed most of the first part.
# Sets BP (broker port) and DB. `serve_produce FILE` produces more lines into the broker.
command -v kcat >/dev/null || fail "kcat missing (scripts/deps.sh installs it)"
command -v sqlite3 >/dev/null || fail "sqlite3 missing (scripts/deps.sh installs it)"

serve_produce() {
	timeout 60 kcat -P -b 127.0.0.1:$BP -t ticks -K $'\t' -l "$1" || fail "kcat produce $1"
}

serve_pipeline() {
	local records=$1 first=$2 n=0
	BP=$(free_port)
	DB=$TF_TMP/db
	start broker "$TICKFLOW" broker --listen 127.0.0.1:$BP --data-dir "$TF_TMP/broker"
	wait_port "$BP"
	/usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/../stream/gen.py" "$records" 12 4 7 "${SERVE_STEP_MS:-20}" | cut -f2,4 >"$TF_TMP/all"
	head -n "$first" "$TF_TMP/all" >"$TF_TMP/first"
	tail -n +"$((first + 1))" "$TF_TMP/all" >"$TF_TMP/second"
	serve_produce "$TF_TMP/first"
	start stream "$TICKFLOW" stream --brokers 127.0.0.1:$BP --store "sqlite:$DB" --commit-interval 100ms
	for _ in $(seq 100); do
		n=$(sqlite3 "$DB" "select count(*) from ticks" 2>/dev/null || echo 0)
		((n >= first * 95 / 100)) && break
		sleep 0.2
	done
	((n >= first * 95 / 100)) || fail "stream wrote only $n ticks"
}

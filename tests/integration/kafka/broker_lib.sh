# broker_lib.sh — sourced by tests/integration/broker_*.sh after lib.sh: starts `tickflow broker` on a
# free loopback port with its data in $TF_TMP.
command -v kcat >/dev/null || fail "kcat is not installed (scripts/deps.sh installs it)"

# start_broker NAME [extra options...]: sets BROKER=127.0.0.1:PORT and DATA (reused when already set).
start_broker() {
	local name=$1; shift
	PORT=${PORT:-$(free_port)}
	DATA=${DATA:-$TF_TMP/data}
	BROKER=127.0.0.1:$PORT
	start "$name" "$TICKFLOW" broker --listen "$BROKER" --data-dir "$DATA" "$@"
	wait_port "$PORT"
}

# stop_pid PID: SIGTERM, then wait (bounded).
stop_pid() {
	kill "$1" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
	kill -9 "$1" 2>/dev/null || true
}

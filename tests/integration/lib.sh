# lib.sh — helpers for integration tests (sourced, not run). Every test starts the real processes
# it needs on loopback, waits for them, and stops them on exit through `cleanup`.
set -euo pipefail
: "${TICKFLOW:?set TICKFLOW to the binary under test}"
TF_TMP=$(mktemp -d /tmp/tickflow-it.XXXXXX)
TF_PIDS=()

cleanup() {
	for pid in "${TF_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${TF_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	# a test's verdict is made by now: a scratch file still being written (a process of a process)
	# must not turn it into a failure under set -e
	rm -rf "$TF_TMP" 2>/dev/null || true
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# free_port: prints a loopback TCP port that nothing listens on right now.
free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start NAME CMD...: runs CMD in the background, output to $TF_TMP/NAME.log, remembers its pid.
start() {
	local name=$1; shift
	"$@" >"$TF_TMP/$name.out" 2>"$TF_TMP/$name.log" &
	TF_PIDS+=($!)
	eval "PID_${name//-/_}=$!"
}

# wait_port PORT [SECONDS]: waits until something accepts connections on 127.0.0.1:PORT.
wait_port() {
	local port=$1 deadline=$((SECONDS + ${2:-20}))
	until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
		((SECONDS < deadline)) || fail "nothing listens on port $port"
		sleep 0.1
	done
}

# wait_for FILE PATTERN [SECONDS]: waits until FILE contains a line matching PATTERN.
wait_for() {
	local file=$1 pattern=$2 deadline=$((SECONDS + ${3:-20}))
	until grep -q -E "$pattern" "$file" 2>/dev/null; do
		((SECONDS < deadline)) || fail "no line matching '$pattern' in $file"
		sleep 0.1
	done
}

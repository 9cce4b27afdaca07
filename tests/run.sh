#!/usr/bin/env bash
# run.sh OUT — runs every test against the binaries in OUT (a sanitizer build when called by
# `make test`): the C unit tests, a short libFuzzer run per target, then the integration tests in
# tests/integration/*.sh, which start real processes. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-build}
export TICKFLOW="$PWD/$OUT/tickflow"
export TF_SAMPLES_DIR=${TF_SAMPLES_DIR:-$(cd ../shared/samples 2>/dev/null && pwd)}
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
FUZZ_SMOKE_SECONDS=${FUZZ_SMOKE_SECONDS:-5}
passed=0 failed=0 failures=()
logdir=$(mktemp -d /tmp/tickflow-tests.XXXXXX)

record() { # name status
	if [[ $2 == 0 ]]; then passed=$((passed + 1)); echo "ok   $1"
	else failed=$((failed + 1)); failures+=("$1"); echo "FAIL $1 (log: $logdir/$1.log)"; tail -n 30 "$logdir/$1.log" | sed 's/^/    /'; fi
}

# 1. Unit tests: one binary, its own count folded into ours.
"$OUT/unit_tests" >"$logdir/unit.log" 2>&1
rc=$?
grep -E '^FAIL' -A3 "$logdir/unit.log" | head -60
line=$(tail -n 1 "$logdir/unit.log")
if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
	passed=$((passed + BASH_REMATCH[1])); failed=$((failed + BASH_REMATCH[2]))
	echo "unit: $line"
	if [[ $rc != 0 && ${BASH_REMATCH[2]} == 0 ]]; then record unit-exit 1; fi
else
	cp "$logdir/unit.log" "$logdir/unit-crash.log"; record unit-crash 1
fi

# 2. Fuzz smoke: every target for a few seconds over its seeds. A fixed -seed keeps CI repeatable:
#    open-ended search belongs to `make fuzz`, and what it finds is kept as a seed
#    (tests/fuzz/seeds/<target>/regress-*) so it is replayed here on every run.
for f in build/fuzz/fuzz_*; do
	[[ -x $f ]] || continue
	name=$(basename "$f")
	corpus=$(mktemp -d)
	seeds=tests/fuzz/seeds/$name
	[[ -d $seeds ]] || seeds=
	"$f" -seed=1 -max_total_time="$FUZZ_SMOKE_SECONDS" -rss_limit_mb=2048 -print_final_stats=0 "$corpus" $seeds >"$logdir/$name.log" 2>&1
	record "$name" $?
	rm -rf "$corpus"
done

# 3. Integration tests: each script is one test; exit 0 = pass.
for t in tests/integration/*.sh; do
	[[ $(basename "$t") == lib.sh ]] && continue
	[[ -f $t ]] || continue
	name=$(basename "$t" .sh)
	timeout --kill-after=10 300 bash "$t" >"$logdir/$name.log" 2>&1
	record "$name" $?
done

if ((failed)); then echo "failed: ${failures[*]}"; fi
echo "$passed passed, $failed failed"
((failed == 0))

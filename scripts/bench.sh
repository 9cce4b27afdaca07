#!/usr/bin/env bash
# bench.sh OUT — runs every benchmark binary in OUT/bench; each prints its own table.
set -euo pipefail
OUT=${1:-build}
export TF_SAMPLES_DIR=${TF_SAMPLES_DIR:-$(cd "$(dirname "$0")/../../shared/samples" 2>/dev/null && pwd)}
export TICKFLOW="$PWD/$OUT/tickflow"
for b in "$OUT"/bench/*; do
	[[ -x $b ]] || continue
	echo "== $(basename "$b")"
	"$b"
	echo
done
for s in bench/*.sh; do
	[[ -f $s ]] || continue
	echo "== $(basename "$s" .sh)"
	bash "$s"
	echo
done

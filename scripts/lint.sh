#!/usr/bin/env bash
# lint.sh — bans the C calls that have bitten everyone (as curl's checksrc does).
set -euo pipefail
cd "$(dirname "$0")/.."
if grep -rn -E '\b(sprintf|vsprintf|strcpy|strcat|atoi|atol|atof|strtok|gets)\s*\(' src tests bench --include='*.c' --include='*.h'; then
	echo "lint: banned call above; use snprintf, tf_buf, strtoll with checks, strtok_r" >&2
	exit 1
fi
echo "lint: ok"

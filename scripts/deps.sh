#!/usr/bin/env bash
# deps.sh — install what building, running and testing tickflow needs, on Debian (bookworm) as root.
# Idempotent and silent when nothing is missing; `make`, `make run` and `make test` call it.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build: compiler, libraries. Test: clang for libFuzzer, openssl for test certificates, node for
# the third-party WebSocket peer (npm `ws`).
packages=(
	gcc make pkg-config clang libclang-rt-14-dev
	libjsmn-dev libwslay-dev libssl-dev libcurl4-openssl-dev libjansson-dev
	kcat librdkafka-dev
	libsqlite3-dev sqlite3 libpq-dev postgresql
	openssl ca-certificates curl
	libxml2-utils python3-aiosmtpd chromium
	influxdb man-db groff-base systemd
	prometheus wrk
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $status == "install ok installed" ]] || missing+=("$p")
done
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if ((${#missing[@]})); then
	if [[ $(id -u) != 0 ]]; then
		echo "tickflow: missing Debian packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
		exit 1
	fi
	echo "deps: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	# influxdb is here for tests, which run their own influxd on loopback: do not leave Debian's
	# service (listening on all interfaces, port 8086) running because of us.
	if [[ " ${missing[*]} " == *" influxdb "* ]]; then systemctl disable --now influxdb >/dev/null 2>&1 || true; fi
	# prometheus likewise (tests start their own on loopback; Debian's listens on all interfaces, port 9090).
	if [[ " ${missing[*]} " == *" prometheus "* ]]; then
		systemctl disable --now prometheus >/dev/null 2>&1 || service prometheus stop >/dev/null 2>&1 || true
	fi
fi

# npm packages for tests (pinned in package-lock.json); reinstall only when the lock changed.
if [[ -f package-lock.json ]]; then
	if ! [[ -f node_modules/.tickflow-lock && $(cat node_modules/.tickflow-lock) == $(sha256sum package-lock.json) ]]; then
		npm ci --no-audit --no-fund --loglevel=error >/dev/null
		sha256sum package-lock.json >node_modules/.tickflow-lock
	fi
fi

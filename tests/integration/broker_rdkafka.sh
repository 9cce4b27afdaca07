# broker_rdkafka.sh — librdkafka 2.0.2 (tests/integration/kafka/rdk_check.c) against `tickflow broker`:
# idempotent and plain producers, every compression codec (none, gzip, snappy, lz4, zstd) round-trips,
# high-level consumer with commits, a restarted broker resumes the group from its committed offset,
# and offsets_for_times finds records by timestamp.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/kafka/broker_lib.sh"

RDK=$TF_TMP/rdk_check
cc -std=c11 -O1 -Wall -Werror -o "$RDK" "$(dirname "$0")/kafka/rdk_check.c" -lrdkafka || fail "cannot build rdk_check"
start_broker broker --partitions 3

# expect FILE N: the file holds exactly v0..v(N-1), each once.
expect() {
	local n
	n=$(sort -u "$1" | wc -l)
	[[ $n == "$2" && $(wc -l <"$1") == "$2" ]] || fail "$1: $(wc -l <"$1") lines, $n distinct, want $2"
	[[ $(sort -u "$1" | sed 's/^v//' | sort -n | awk 'NR-1 != $1 {print; exit}') == "" ]] || fail "$1: values are not v0..v$(($2 - 1))"
}

for codec in none gzip snappy lz4 zstd; do
	timeout 60 "$RDK" produce "$BROKER" "c-$codec" 3000 "$codec" 0 >/dev/null || fail "produce $codec"
	timeout 60 "$RDK" consume "$BROKER" "c-$codec" "g-$codec" 3000 >"$TF_TMP/c-$codec" || fail "consume $codec"
	expect "$TF_TMP/c-$codec" 3000
done
# The stored batches keep their codec (librdkafka sends a batch plain when compressing does not shrink it).
/usr/bin/python3 - "$DATA" <<'PY' || fail "compressed batches were not stored as produced"
import glob, struct, sys
for codec, want in (("gzip", 1), ("snappy", 2), ("lz4", 3), ("zstd", 4)):
    found = set()
    for f in glob.glob(f"{sys.argv[1]}/c-{codec}-*/*.log"):
        b = open(f, "rb").read()
        pos = 0
        while pos + 61 <= len(b):
            length = struct.unpack(">i", b[pos+8:pos+12])[0]
            found.add(struct.unpack(">h", b[pos+21:pos+23])[0] & 7)
            pos += 12 + length
    assert want in found and found <= {0, want}, f"{codec}: codecs {found}"
PY

# Idempotent producer.
timeout 60 "$RDK" produce "$BROKER" idem 20000 none 1 >/dev/null || fail "idempotent produce"
timeout 60 "$RDK" consume "$BROKER" idem g-idem 20000 >"$TF_TMP/idem" || fail "consume idem"
expect "$TF_TMP/idem" 20000

# Commits survive a broker restart: read 1,000 of 5,000 with group g, restart, read the other 4,000.
timeout 60 "$RDK" produce "$BROKER" resume 5000 none 0 >/dev/null || fail "produce resume"
timeout 60 "$RDK" consume "$BROKER" resume g 1000 >"$TF_TMP/r1" || fail "consume first 1000"
stop_pid "$PID_broker"
start_broker broker2 --partitions 3
timeout 60 "$RDK" consume "$BROKER" resume g 4000 >"$TF_TMP/r2" || fail "consume rest after restart"
cat "$TF_TMP/r1" "$TF_TMP/r2" >"$TF_TMP/r"
expect "$TF_TMP/r" 5000

# offsets_for_times on one partition with timestamps 1700000000000 + i.
timeout 60 "$RDK" produce "$BROKER" times 2000 none 0 1 1700000000000 >/dev/null || fail "produce times"
[[ $(timeout 20 "$RDK" times "$BROKER" times 1 1700000001234) == 1234 ]] || fail "offsets_for_times 1234"
[[ $(timeout 20 "$RDK" times "$BROKER" times 1 1600000000000) == 0 ]] || fail "offsets_for_times before all"
[[ $(timeout 20 "$RDK" times "$BROKER" times 1 1800000000000) == -1 ]] || fail "offsets_for_times after all"
echo ok

# broker_faults.sh — faults: kill -9 of the broker under a full-speed producer loses no acknowledged
# record and duplicates none; a segment with garbage appended is truncated on restart and everything
# before it is served; clients sending random bytes, a 2 GB length, or half a frame then silence are
# disconnected (or left waiting) without disturbing other clients.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/kafka/broker_lib.sh"
build_rdk

# 1. kill -9 while a producer sends at full speed.
start_broker broker --partitions 4
start flood "$RDK" flood "$BROKER" crash 30
# Kill once several MB are in the log (acks flow), not after a fixed time that a slow build misses.
for _ in $(seq 300); do
	(($(cat "$DATA"/crash-*/*.log 2>/dev/null | wc -c) > 8000000)) && break
	sleep 0.05
done
sleep 0.3
kill -9 "$PID_broker"
wait "$PID_flood" 2>/dev/null || true
acked=$TF_TMP/flood.out
[[ $(wc -l <"$acked") -gt 10000 ]] || fail "producer got too few acks before the kill: $(wc -l <"$acked")"
start_broker broker2 --partitions 4
timeout 60 kcat -b "$BROKER" -C -t crash -e -q -f '%p %k %s\n' >"$TF_TMP/crash.out" || fail "consume after crash"
/usr/bin/python3 - "$acked" "$TF_TMP/crash.out" <<'PY' || fail "acknowledged records lost, duplicated or reordered"
import sys, collections
acked = [l.strip() for l in open(sys.argv[1]) if l.strip()]
rows = [l.split() for l in open(sys.argv[2]) if l.strip()]
count = collections.Counter(v for _, _, v in rows)
missing = [v for v in acked if count[v] == 0]
dups = [v for v in acked if count[v] > 1]
assert not missing, f"{len(missing)} acknowledged records missing, e.g. {missing[:3]}"
assert not dups, f"{len(dups)} acknowledged records duplicated, e.g. {dups[:3]}"
last = {}
for p, k, v in rows:  # per key (one partition each), values increase in offset order
    i = int(v[1:])
    assert last.get(k, -1) < i, f"key {k}: v{i} after v{last[k]}"
    last[k] = i
print(f"{len(acked)} acknowledged records, all present once and in order ({len(rows)} in the log)")
PY

# 2. Garbage appended to a segment's tail is cut on restart; what precedes it is served.
before=$(timeout 30 kcat -b "$BROKER" -C -t crash -p 0 -e -q | wc -l)
stop_pid "$PID_broker2"
seg=$(ls "$DATA"/crash-0/*.log | tail -1)
head -c 5000 /dev/urandom >>"$seg"
start_broker broker3 --partitions 4
grep -q "recovery: .*crash-0/.*truncated 5000 bytes" "$TF_TMP/broker3.log" || fail "no truncation logged: $(cat "$TF_TMP/broker3.log")"
after=$(timeout 30 kcat -b "$BROKER" -C -t crash -p 0 -e -q | wc -l)
[[ $before == "$after" && $after -gt 0 ]] || fail "partition 0 had $before records, now $after"

# 3. Hostile clients next to a well-behaved one.
/usr/bin/python3 - "$PORT" >"$TF_TMP/hostile.out" 2>&1 <<'PY' &
import os, socket, struct, sys, time
port = int(sys.argv[1])
def conn():
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(5); return s
def closed(s):
    try:
        return s.recv(1) == b""
    except (ConnectionResetError, socket.timeout):
        return True
a = conn(); a.sendall(os.urandom(65536))                  # random bytes
b = conn(); b.sendall(struct.pack(">i", 2**31 - 1) + b"x" * 100)   # a 2 GB length
c = conn(); c.sendall(struct.pack(">i", 1000) + b"\x00\x03\x00\x04")  # half a frame, then silence
print("random closed:", closed(a)); print("2GB closed:", closed(b))
sys.stdout.flush()
time.sleep(8)  # keep the half frame open while the normal client works
c.close()
PY
HOSTILE=$!
sleep 1
seq 1 1000 | sed 's/^/x/' | timeout 30 kcat -b "$BROKER" -P -t calm || fail "produce next to hostile clients"
[[ $(timeout 30 kcat -b "$BROKER" -C -t calm -e -q | wc -l) == 1000 ]] || fail "consume next to hostile clients"
wait "$HOSTILE" || true
grep -q "random closed: True" "$TF_TMP/hostile.out" || fail "random bytes: $(cat "$TF_TMP/hostile.out")"
grep -q "2GB closed: True" "$TF_TMP/hostile.out" || fail "2 GB length: $(cat "$TF_TMP/hostile.out")"
grep -q "frame size 2147483647 outside" "$TF_TMP/broker3.log" || fail "no log line for the 2 GB frame"
kill -0 "$PID_broker3" || fail "broker died"
echo ok

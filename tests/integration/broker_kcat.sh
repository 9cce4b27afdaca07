# broker_kcat.sh — unmodified kcat 1.7.1 against `tickflow broker`: -L lists topics and partitions;
# 100,000 keyed records produced with -P come back with -C byte for byte and in order per key and
# partition; two -G members split the partitions and stopping one hands its partitions to the other.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/kafka/broker_lib.sh"

start_broker broker --partitions 4
K="timeout 60 kcat -b $BROKER"

# 1. Metadata: an auto-created topic shows 4 partitions led by broker 0 at the listen address.
echo hello | $K -P -t meta
$K -L -t meta >"$TF_TMP/L" || fail "kcat -L"
grep -q "broker 0 at $BROKER" "$TF_TMP/L" || fail "listen address not advertised: $(cat "$TF_TMP/L")"
grep -q 'topic "meta" with 4 partitions' "$TF_TMP/L" || fail "kcat -L: $(cat "$TF_TMP/L")"
[[ $(grep -c 'leader 0, replicas: 0, isrs: 0' "$TF_TMP/L") == 4 ]] || fail "partition lines"

# 2. 100,000 keyed records, 200 keys, values with printable bytes of varying length.
/usr/bin/python3 - "$TF_TMP/in" <<'PY'
import random, sys
random.seed(7)
alphabet = ''.join(chr(c) for c in range(33, 127) if chr(c) not in ':\\')
with open(sys.argv[1], 'w') as f:
    for i in range(100000):
        v = ''.join(random.choice(alphabet) for _ in range(random.randint(0, 120)))
        f.write(f"sym{i % 200}:{i}|{v}\n")
PY
$K -P -t ticks -K: -l "$TF_TMP/in" || fail "kcat -P"
$K -C -t ticks -e -q -f '%p:%o:%k:%s\n' >"$TF_TMP/out" || fail "kcat -C"
/usr/bin/python3 - "$TF_TMP/in" "$TF_TMP/out" <<'PY' || fail "consumed records differ from produced ones"
import sys
sent = [l.rstrip('\n').split(':', 1) for l in open(sys.argv[1])]
got = [l.rstrip('\n').split(':', 3) for l in open(sys.argv[2])]
assert len(got) == len(sent), f"{len(got)} records consumed, {len(sent)} produced"
# byte for byte: the multiset of (key, value) is the same
assert sorted((k, v) for k, v in sent) == sorted((k, v) for _, _, k, v in got), "content differs"
# order: per partition offsets are 0..n-1 in order, and each key lives in one partition in send order
by_part, key_part = {}, {}
for p, o, k, v in got:
    by_part.setdefault(p, []).append((int(o), k, v))
    assert key_part.setdefault(k, p) == p, f"key {k} in two partitions"
order = {}
for k, v in sent:
    order.setdefault(k, []).append(v)
for p, recs in by_part.items():
    assert [o for o, _, _ in recs] == list(range(len(recs))), f"partition {p} offsets not dense/in order"
    seen = {}
    for _, k, v in recs:
        seen.setdefault(k, []).append(v)
    for k, vs in seen.items():
        assert vs == order[k], f"order of key {k} differs"
assert len(by_part) == 4, f"only partitions {sorted(by_part)} used"
print("ok", len(got))
PY

# 3. Group: two members split 4 partitions; stopping one hands everything to the other.
seq 1 400 | sed 's/^/k&:v/' | $K -P -t grp -K:
start g1 timeout 90 kcat -b "$BROKER" -G cg grp -o beginning -f '%p %o\n'
wait_for "$TF_TMP/g1.log" 'assigned: grp \[0\], grp \[1\], grp \[2\], grp \[3\]' 30
start g2 timeout 90 kcat -b "$BROKER" -G cg grp -o beginning -f '%p %o\n'
wait_for "$TF_TMP/g2.log" 'assigned: grp' 30
wait_for "$TF_TMP/g1.log" 'revoked:.*' 30
sleep 1
a1=$(grep 'assigned:' "$TF_TMP/g1.log" | tail -1 | grep -o 'grp \[[0-9]\]' | sort)
a2=$(grep 'assigned:' "$TF_TMP/g2.log" | tail -1 | grep -o 'grp \[[0-9]\]' | sort)
[[ -n $a1 && -n $a2 ]] || fail "both members must own partitions: g1=[$a1] g2=[$a2]"
[[ $(printf '%s\n%s\n' "$a1" "$a2" | sort | uniq -d) == "" ]] || fail "members share a partition"
[[ $(printf '%s\n%s\n' "$a1" "$a2" | sort -u | wc -l) == 4 ]] || fail "partitions not all assigned"
n_before=$(grep -c 'assigned:' "$TF_TMP/g1.log")
stop_pid "$PID_g2"
for _ in $(seq 200); do
	[[ $(grep -c 'assigned:' "$TF_TMP/g1.log") -gt $n_before ]] && break
	sleep 0.1
done
grep 'assigned:' "$TF_TMP/g1.log" | tail -1 | grep -q 'grp \[0\], grp \[1\], grp \[2\], grp \[3\]' ||
	fail "g1 did not take over all partitions: $(tail -3 "$TF_TMP/g1.log")"
stop_pid "$PID_g1"
echo ok

# broker_kafkajs.sh — kafkajs 2.2.4 (npm, pinned in package-lock.json) producer and two-member group
# consumer round-trip through `tickflow broker` (tests/integration/kafka/kafkajs_check.js).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/kafka/broker_lib.sh"
[[ -d node_modules/kafkajs ]] || fail "kafkajs missing: run scripts/deps.sh (npm ci)"
start_broker broker --partitions 4
KAFKAJS_NO_PARTITIONER_WARNING=1 timeout 90 node tests/integration/kafka/kafkajs_check.js "$BROKER" kjs 5000 >"$TF_TMP/kjs.out" 2>&1 ||
	fail "kafkajs: $(tail -20 "$TF_TMP/kjs.out")"
cat "$TF_TMP/kjs.out"
grep -q '^ok 5000 distinct' "$TF_TMP/kjs.out" || fail "kafkajs output"
# and kcat reads what kafkajs wrote
[[ $(timeout 30 kcat -b "$BROKER" -C -t kjs -e -q | wc -l) == 5000 ]] || fail "kcat does not see 5000 records"
echo ok

# broker_retention.sh — retention by size and by age deletes old segments; consumers asking for a
# removed offset get OFFSET_OUT_OF_RANGE and reset as configured (earliest -> log start, latest -> end).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/kafka/broker_lib.sh"

start_broker broker --partitions 1 --segment-bytes 4096 --retention-bytes 16384 --retention-check 200ms
seq 0 2999 | awk '{printf "r%05d-%s\n", $1, "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"}' >"$TF_TMP/in"
timeout 30 kcat -b "$BROKER" -P -t ret -l "$TF_TMP/in" -X linger.ms=0 -X batch.num.messages=10 || fail "produce"
wait_for "$TF_TMP/broker.log" 'retention: deleting .*ret-0/.*size' 10
sleep 0.5
segs=$(ls "$DATA"/ret-0/*.log | wc -l)
bytes=$(cat "$DATA"/ret-0/*.log | wc -c)
((bytes >= 16384 && bytes < 16384 + 2 * 4096 + 2000)) || fail "retention kept $bytes bytes in $segs segments"
# From the beginning: only what is left, ending with the last record.
timeout 30 kcat -b "$BROKER" -C -t ret -e -q -f '%o %s\n' >"$TF_TMP/left" || fail "consume"
first=$(head -1 "$TF_TMP/left" | cut -d' ' -f1)
((first > 0)) || fail "offset 0 should be gone, first is $first"
[[ $(tail -1 "$TF_TMP/left" | cut -d' ' -f2) == $(tail -1 "$TF_TMP/in") ]] || fail "last record differs"
[[ $(wc -l <"$TF_TMP/left") == $((3000 - first)) ]] || fail "records $first..2999 not all served"
# Asking for offset 0 (removed): earliest resets to the log start, latest to the end.
timeout 30 kcat -b "$BROKER" -C -t ret -p 0 -o 0 -e -q -f '%o\n' -X auto.offset.reset=earliest >"$TF_TMP/e" 2>"$TF_TMP/e.err" || fail "consume earliest: $(cat "$TF_TMP/e.err")"
[[ $(head -1 "$TF_TMP/e") == "$first" ]] || fail "reset earliest gave $(head -1 "$TF_TMP/e"), want $first"
timeout 30 kcat -b "$BROKER" -C -t ret -p 0 -o 0 -e -q -f '%o\n' -X auto.offset.reset=latest >"$TF_TMP/l" 2>"$TF_TMP/l.err" || fail "consume latest"
[[ ! -s $TF_TMP/l ]] || fail "reset latest should give nothing, gave $(wc -l <"$TF_TMP/l") records"
stop_pid "$PID_broker"

# Age: with --retention 1s every segment (the active one rolled first) goes; the offsets carry on.
DATA=$TF_TMP/age PORT=
start_broker broker2 --partitions 1 --retention 1s --retention-check 200ms
seq 1 100 | timeout 30 kcat -b "$BROKER" -P -t old || fail "produce old"
wait_for "$TF_TMP/broker2.log" 'retention: deleting .*old-0/.*age' 10
[[ $(timeout 30 kcat -b "$BROKER" -C -t old -e -q | wc -l) == 0 ]] || fail "expired records still served"
echo new | timeout 30 kcat -b "$BROKER" -P -t old || fail "produce after expiry"
[[ $(timeout 30 kcat -b "$BROKER" -C -t old -e -q -f '%o %s\n') == "100 new" ]] || fail "offsets must continue at 100"
echo ok

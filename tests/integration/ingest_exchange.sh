# ingest_exchange.sh — `tickflow ingest` against `tickflow exchange` over ws:// and wss://.
#  - ws: records print continuously, each decodes (key = its "s", timestamp = its "E"), symbols
#    are the exchange's;
#  - wss with a throwaway CA and server certificate made here with the openssl CLI, trusted via
#    --ca-file (by IP and by name, so SNI and host checks are exercised); without --ca-file the
#    verification fails clearly and ingest exits 1;
#  - the exchange drops connections (--max-conn-age) and is killed and restarted: ingest resumes
#    within the backoff and no (symbol, E) pair is emitted twice;
#  - --source binance cannot be reached here: it must fail clearly (DNS/connect), not hang.
source "$(dirname "$0")/lib.sh"

check_records() { # FILE MIN: every line a record whose value decodes to its key and timestamp
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
n, seen = 0, set()
for line in open(sys.argv[1]):
    r = json.loads(line)
    v = json.loads(r["value"])
    assert v["s"] == r["key"] and v["E"] == r["timestamp"], r
    assert v["e"] == "24hrMiniTicker", v
    assert r["key"].isalnum() and r["key"].isupper(), r["key"]
    pair = (r["key"], r["timestamp"])
    assert pair not in seen, f"duplicate {pair}"
    seen.add(pair)
    n += 1
assert n >= int(sys.argv[2]), f"only {n} records"
print(f"{n} records, {len({k for k, _ in seen})} symbols, no (symbol, E) twice")
PY
}

# 1. ws: continuous records from the exchange.
PORT=$(free_port)
start exchange "$TICKFLOW" exchange --listen "127.0.0.1:$PORT" --symbols 20 --seed 5
wait_port "$PORT"
start ws "$TICKFLOW" ingest --source "url:ws://127.0.0.1:$PORT/ws/!miniTicker@arr" --format record --out "$TF_TMP/ws.jsonl"
wait_for "$TF_TMP/ws.jsonl" '"key"' 10
n1=$(wc -l <"$TF_TMP/ws.jsonl")
sleep 2.5
n2=$(wc -l <"$TF_TMP/ws.jsonl")
((n2 > n1)) || fail "records stopped coming ($n1 then $n2)"
kill -TERM "$PID_ws"
wait "$PID_ws" || fail "ingest exited $? after SIGTERM"
check_records "$TF_TMP/ws.jsonl" 10 || fail "ws records are wrong"
syms=$(/usr/bin/python3 -c 'import json,sys; print(len({json.loads(l)["key"] for l in open(sys.argv[1])}))' "$TF_TMP/ws.jsonl")
((syms >= 5 && syms <= 20)) || fail "$syms symbols from an exchange with 20"
kill "$PID_exchange"; wait "$PID_exchange" 2>/dev/null || true

# 2. wss with a throwaway CA.
cd "$TF_TMP"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=tickflow test CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >ext.cnf
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext.cnf 2>/dev/null
cd - >/dev/null
PORT=$(free_port)
start tls_exchange "$TICKFLOW" exchange --listen "127.0.0.1:$PORT" --symbols 20 --seed 5 \
	--tls-cert "$TF_TMP/server.pem" --tls-key "$TF_TMP/server.key"
wait_port "$PORT"
for host in 127.0.0.1 localhost; do
	timeout 30 "$TICKFLOW" ingest --source "url:wss://$host:$PORT/ws/!miniTicker@arr" --ca-file "$TF_TMP/ca.pem" \
		--limit 30 --format record --out "$TF_TMP/wss.out" 2>"$TF_TMP/wss.log" ||
		fail "wss via $host exited $?: $(tail -n 3 "$TF_TMP/wss.log")"
	[[ $(wc -l <"$TF_TMP/wss.out") == 30 ]] || fail "wss via $host: not 30 records"
	check_records "$TF_TMP/wss.out" 30 || fail "wss records are wrong"
done
set +e
timeout 30 "$TICKFLOW" ingest --source "url:wss://127.0.0.1:$PORT/ws/!miniTicker@arr" --limit 1 \
	--out "$TF_TMP/noca.out" 2>"$TF_TMP/noca.log"
rc=$?
set -e
[[ $rc == 1 ]] || fail "without --ca-file: exit $rc (want 1): $(tail -n 3 "$TF_TMP/noca.log")"
grep -qi 'verif\|certificate' "$TF_TMP/noca.log" || fail "without --ca-file the error is unclear: $(cat "$TF_TMP/noca.log")"
grep -q -- '--ca-file' "$TF_TMP/noca.log" || fail "the error does not suggest --ca-file"
[[ ! -s $TF_TMP/noca.out ]] || fail "records without a verified server"
kill "$PID_tls_exchange"; wait "$PID_tls_exchange" 2>/dev/null || true

# 3. The exchange drops connections, then dies and comes back: resume, nothing twice.
PORT=$(free_port)
start ex1 "$TICKFLOW" exchange --listen "127.0.0.1:$PORT" --symbols 20 --seed 5 --max-conn-age 2s
wait_port "$PORT"
start rc "$TICKFLOW" ingest --source "url:ws://127.0.0.1:$PORT/ws/!miniTicker@arr" --format record \
	--out "$TF_TMP/rc.jsonl" --backoff-base 100ms --backoff-max 1s
wait_for "$TF_TMP/rc.log" 'connected to' 10
deadline=$((SECONDS + 15)) # the exchange drops us at 2 s: wait for the connection after that
until (($(grep -c -E 'connected to|rotation complete' "$TF_TMP/rc.log") >= 2)); do
	((SECONDS < deadline)) || fail "no new connection after --max-conn-age: $(tail -n 5 "$TF_TMP/rc.log")"
	sleep 0.2
done
n1=$(wc -l <"$TF_TMP/rc.jsonl")
kill -9 "$PID_ex1"; wait "$PID_ex1" 2>/dev/null || true
sleep 1.5
start ex2 "$TICKFLOW" exchange --listen "127.0.0.1:$PORT" --symbols 20 --seed 5
wait_port "$PORT"
deadline=$((SECONDS + 10))
until (($(wc -l <"$TF_TMP/rc.jsonl") > n1 + 20)); do
	((SECONDS < deadline)) || fail "no records after the exchange came back: $(tail -n 5 "$TF_TMP/rc.log")"
	sleep 0.2
done
kill -TERM "$PID_rc"
wait "$PID_rc" || fail "ingest exited $? after SIGTERM"
(($(grep -c -E 'connected to|rotation complete' "$TF_TMP/rc.log") >= 3)) || fail "expected at least 3 connections"
check_records "$TF_TMP/rc.jsonl" 40 || fail "records across reconnects are wrong"

# 4. binance is unreachable here: clear log lines, no hang, stops at --duration.
timeout 30 "$TICKFLOW" ingest --source binance --duration 3s --out "$TF_TMP/bn.out" --connect-timeout 1s \
	2>"$TF_TMP/bn.log" || true
grep -q 'cannot connect to wss://stream.binance.com:9443/ws/!miniTicker@arr' "$TF_TMP/bn.log" ||
	fail "binance: no clear connect failure: $(head -n 3 "$TF_TMP/bn.log")"
echo ok

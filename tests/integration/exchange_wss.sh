# exchange_wss.sh — `tickflow exchange --tls-cert/--tls-key` with a throwaway CA made by the
# openssl CLI: REST over https with curl verifying the chain, wss with the npm `ws` client, and a
# client without the CA refused.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export NODE_PATH=$ROOT/node_modules
D=$TF_TMP/pki
mkdir -p "$D"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=tickflow test CA" -keyout "$D/ca.key" -out "$D/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$D/server.key" -out "$D/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$D/ext"
openssl x509 -req -in "$D/server.csr" -CA "$D/ca.pem" -CAkey "$D/ca.key" -CAcreateserial -days 2 \
	-extfile "$D/ext" -out "$D/server.pem" 2>/dev/null

P=$(free_port)
start ex "$TICKFLOW" exchange --listen 127.0.0.1:$P --seed 42 --symbols 30 --tls-cert "$D/server.pem" --tls-key "$D/server.key"
wait_port "$P"
body=$(curl -sS --max-time 10 --cacert "$D/ca.pem" "https://localhost:$P/api/v3/ticker/24hr?symbol=BTCUSDT")
echo "$body" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["symbol"]=="BTCUSDT" and float(d["lastPrice"])>0, d' \
	|| fail "https ticker: $body"
if curl -s --max-time 10 -o /dev/null "https://localhost:$P/api/v3/ping"; then fail "curl without the CA was accepted"; fi
timeout 30 node "$ROOT/tests/integration/peers/exchange_client.js" wss "$P" "$D/ca.pem" || fail "wss checks"

# a key that does not match the certificate: one clear line, exit 1
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=other" -keyout "$D/other.key" -out "$D/other.pem" 2>/dev/null
set +e
"$TICKFLOW" exchange --listen 127.0.0.1:0 --symbols 5 --tls-cert "$D/server.pem" --tls-key "$D/other.key" 2>"$TF_TMP/bad.err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "mismatched key: exit $rc"
grep -q "tickflow exchange: TLS setup failed" "$TF_TMP/bad.err" || fail "mismatched key message: $(cat "$TF_TMP/bad.err")"
echo ok

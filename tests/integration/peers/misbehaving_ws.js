// misbehaving_ws.js — a WebSocket server built on the npm `ws` package (not our code), used to test
// `tickflow ingest` against a peer we did not write. It serves the shared Binance samples byte for
// byte and then misbehaves as MODE says:
//
//   node misbehaving_ws.js PORT MODE SAMPLES_DIR [BIG_BYTES]
//
//   samples    send every sample frame, then stay open and quiet
//   fragment   send every sample split into 3 frames (text + continuation frames)
//   pingflood  500 pings with payloads between the samples
//   oversized  first connection: one BIG_BYTES-byte message, then the samples; later ones: samples
//   abrupt     send the samples, then cut the TCP connection (no close frame), every connection
//   nopong     never answer pings (autoPong off); send the samples, then go silent
//   shutdown   send the samples, then {"e":"serverShutdown"}; keep the old connection open
//   klines     send the kline frames of a combined stream, then cut the connection; also serve
//              GET /api/v3/klines (the REST sample) on the same port for backfill
//
// Every notable event is one line on stdout ("conn 2 open", "conn 2 close", "rest GET /api...")
// so tests can check what happened. Loopback only.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const { WebSocketServer } = require('ws');

const [port, mode, samplesDir, bigArg] = process.argv.slice(2);
if (!port || !mode || !samplesDir) {
  console.error('usage: misbehaving_ws.js PORT MODE SAMPLES_DIR [BIG_BYTES]');
  process.exit(2);
}
const lines = (file) => fs.readFileSync(path.join(samplesDir, file), 'utf8').split('\n').filter((l) => l.length > 0);
const samples = lines('unicornfy_spot_ws_messages.jsonl');
const klineFrames = lines('cryptofeed_extracted_kline_aggTrade_combined.jsonl').filter((l) => l.includes('@kline_'));
const restKlines = fs.readFileSync(path.join(samplesDir, 'nautilus_rest_klines_BTCUSDT_1m.json'));

const server = http.createServer((req, res) => {
  console.log(`rest GET ${req.url}`);
  if (req.url.startsWith('/api/v3/klines')) {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(restKlines);
  } else {
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end('{"code":-1,"msg":"not found"}');
  }
});
const wss = new WebSocketServer({ server, autoPong: mode !== 'nopong', maxPayload: 1 << 20 });
let nconn = 0;

function sendAll(ws, frames, done) {
  let i = 0;
  const next = () => {
    if (ws.readyState !== ws.OPEN) return;
    if (i === frames.length) return done && done();
    const f = frames[i++];
    if (mode === 'fragment') {
      const a = Math.floor(f.length / 3), b = Math.floor((2 * f.length) / 3);
      ws.send(f.slice(0, a), { fin: false });
      ws.send(f.slice(a, b), { fin: false });
      ws.send(f.slice(b), { fin: true }, next);
    } else {
      if (mode === 'pingflood') for (let p = 0; p < 100; p++) ws.ping(Buffer.from(`flood-${i}-${p}`));
      ws.send(f, next);
    }
  };
  next();
}

wss.on('connection', (ws, req) => {
  const id = ++nconn;
  console.log(`conn ${id} open ${req.url}`);
  ws.on('close', (code) => console.log(`conn ${id} close ${code}`));
  ws.on('error', (e) => console.log(`conn ${id} error ${e.message}`));
  ws.on('pong', () => {});
  switch (mode) {
    case 'oversized':
      if (id === 1) ws.send('["' + 'x'.repeat(Number(bigArg || 2000000)) + '"]');
      sendAll(ws, samples);
      break;
    case 'abrupt':
      sendAll(ws, samples, () => setTimeout(() => { console.log(`conn ${id} cut`); ws._socket.destroy(); }, 300));
      break;
    case 'shutdown':
      sendAll(ws, samples, () => {
        if (id === 1) ws.send(JSON.stringify({ e: 'serverShutdown', E: Date.now() }));
      });
      break;
    case 'klines':
      sendAll(ws, klineFrames, () => {
        if (id === 1) setTimeout(() => { console.log(`conn ${id} cut`); ws._socket.destroy(); }, 300);
      });
      break;
    default:
      sendAll(ws, samples);
  }
});
server.listen(Number(port), '127.0.0.1', () => console.log(`listening ${port} ${mode}`));
process.on('SIGTERM', () => process.exit(0));

// load.mjs — load client for tests/integration/serve_load.sh (not run on its own): opens --clients
// concurrent Server-Sent Events streams on /api/stream (most unfiltered, as the page opens it; every
// fourth with a ?symbols= filter of three symbols), fires --rate API requests per second spread over
// /api/candles, /api/top, /api/overview, /api/symbols, /api/anomalies and /api/ticks for --seconds,
// and samples VmRSS of --pid once a second. Prints one JSON summary on stdout; exits 1 naming every
// broken bound:
//   - an SSE client that ended early, got fewer than --min-events events, or waited longer than
//     --max-gap seconds between two events (from its open to the end of the run): a starved client;
//   - any API request that failed, was not 200, or did not parse as JSON; an API p99 above --p99-ms;
//   - fewer than 90 % of the requests the schedule asked for (the client itself fell behind);
//   - RSS: the mean of the last third of the samples above the mean of the first third by more than
//     --rss-margin-mb (the first --warmup seconds are not sampled), unless serve gave that memory back
//     once the streams were closed (3 s later VmRSS is within a quarter of the margin of the first third):
//     bursts of events fill the 200 streams' send queues for a moment and the allocator may keep that
//     high-water mark while they are open; a leak is not given back.
// One SSE client (the first unfiltered one) is parsed fully: every frame's data must be JSON and the
// ids must increase. The others count "\nevent:" lines, which keeps 200 streams cheap to read.
// usage: node load.mjs --url http://127.0.0.1:PORT --pid PID [--clients 200] [--rate 100] [--seconds 30] ...
import http from 'node:http';
import fs from 'node:fs';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: {
    url: { type: 'string' }, pid: { type: 'string' },
    clients: { type: 'string', default: '200' }, rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '30' }, warmup: { type: 'string', default: '5' },
    'min-events': { type: 'string', default: '10' }, 'max-gap': { type: 'string', default: '5' },
    'p99-ms': { type: 'string', default: '1000' }, 'rss-margin-mb': { type: 'string', default: '32' },
  },
});
if (!a.url || !a.pid) { console.error('usage: node load.mjs --url URL --pid PID [options]'); process.exit(2); }
const N = +a.clients, RATE = +a.rate, SECS = +a.seconds, WARMUP = +a.warmup;
const MIN_EVENTS = +a['min-events'], MAX_GAP = +a['max-gap'], P99_MS = +a['p99-ms'], RSS_MARGIN = +a['rss-margin-mb'];
const now = () => Number(process.hrtime.bigint()) / 1e6; // ms, monotonic
const problems = [];

function getJSON(path) {
  return new Promise((resolve, reject) => {
    http.get(a.url + path, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => { try { resolve(JSON.parse(body)); } catch (e) { reject(new Error(`${path}: ${e.message}`)); } });
    }).on('error', reject);
  });
}

const symbols = (await getJSON('/api/symbols')).symbols.map((s) => s.symbol);
if (symbols.length < 3) { console.error(`load: only ${symbols.length} symbols in the store`); process.exit(1); }
const pick = () => symbols[Math.floor(Math.random() * symbols.length)];

// ---- SSE clients ----
let stopping = false;
const clients = [];
function openClient(i) {
  const filtered = i % 4 === 3;
  const path = filtered ? `/api/stream?symbols=${symbols[i % symbols.length]},${pick()},${pick()}` : '/api/stream';
  const full = i === 0; // parsed frame by frame
  const c = { i, filtered, events: 0, opened: now(), last: 0, maxGap: 0, ended: null, lastSeq: -1, buf: '', tail: '' };
  clients.push(c);
  const seen = (t, n) => {
    c.events += n;
    c.maxGap = Math.max(c.maxGap, t - (c.last || c.opened));
    c.last = t;
  };
  const req = http.get(a.url + path, { agent: false, headers: { Accept: 'text/event-stream' } }, (res) => {
    if (res.statusCode !== 200) { c.ended = `HTTP ${res.statusCode}`; res.resume(); return; }
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      const t = now();
      if (full) {
        c.buf += chunk;
        let k, n = 0;
        while ((k = c.buf.indexOf('\n\n')) >= 0) {
          const frame = c.buf.slice(0, k);
          c.buf = c.buf.slice(k + 2);
          const f = {};
          for (const line of frame.split('\n')) {
            const j = line.indexOf(': ');
            if (j > 0) f[line.slice(0, j)] = line.slice(j + 2);
          }
          if (!f.event) continue; // retry line, comments, heartbeats
          const seq = Number((f.id || '').split('-')[1]);
          if (!(seq > c.lastSeq)) problems.push(`SSE client 0: id ${f.id} does not increase (after ${c.lastSeq})`);
          c.lastSeq = seq;
          try { JSON.parse(f.data); } catch { problems.push(`SSE client 0: ${f.event} data is not JSON: ${String(f.data).slice(0, 80)}`); }
          n++;
        }
        if (n) seen(t, n);
        return;
      }
      // "\nevent:" is 7 characters: keeping the previous chunk's last 6 finds one split across chunks
      // without counting any twice.
      const s = c.tail + chunk;
      let n = 0;
      for (let k = s.indexOf('\nevent:'); k >= 0; k = s.indexOf('\nevent:', k + 7)) n++;
      c.tail = s.slice(-6);
      if (n) seen(t, n);
    });
    res.on('end', () => { if (!stopping) c.ended = 'the server ended the stream'; });
    res.on('error', (e) => { if (!stopping) c.ended = e.message; });
  });
  req.on('error', (e) => { if (!stopping) c.ended = e.message; });
  c.req = req;
}

// ---- API requests: RATE per second on a schedule, latency from send to the end of the body ----
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const routes = [
  () => `/api/candles?symbol=${pick()}&interval=1m&limit=500`,
  () => `/api/candles?symbol=${pick()}&interval=5m&limit=100`,
  () => '/api/top?by=volume&n=5&period=24H',
  () => '/api/top?by=gainers&n=5&period=1H',
  () => `/api/overview?symbols=${pick()},${pick()},${pick()}&period=24H`,
  () => '/api/symbols',
  () => '/api/anomalies?period=24H',
  () => `/api/ticks?symbol=${pick()}&limit=50`,
];
const lat = [], errors = [];
let sent = 0, inflight = 0;
function apiRequest() {
  const path = routes[sent % routes.length]();
  sent++;
  inflight++;
  const t0 = now();
  const done = (err) => {
    inflight--;
    if (err) errors.push(`${path}: ${err}`); else lat.push(now() - t0);
  };
  http.get(a.url + path, { agent }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c) => { body += c; });
    res.on('end', () => {
      if (res.statusCode !== 200) return done(`HTTP ${res.statusCode} ${body.slice(0, 120)}`);
      try { JSON.parse(body); } catch (e) { return done(`bad JSON: ${e.message}`); }
      done(null);
    });
    res.on('error', (e) => done(e.message));
  }).on('error', (e) => done(e.message));
}

// ---- memory ----
const rss = [];
function rssKB() {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${a.pid}/status`, 'utf8'));
  return m ? +m[1] : NaN;
}

for (let i = 0; i < N; i++) openClient(i);
const t0 = now();
const sampler = setInterval(() => {
  if (now() - t0 >= WARMUP * 1000) rss.push(rssKB());
}, 1000);
let due = 0;
const ticker = setInterval(() => { // catch up on the schedule every 10 ms: RATE/s even when timers slip
  const want = Math.floor(((now() - t0) / 1000) * RATE);
  while (due < want) { due++; apiRequest(); }
}, 10);
await new Promise((r) => setTimeout(r, SECS * 1000));
clearInterval(ticker);
clearInterval(sampler);
const tEnd = now();
for (let w = 0; inflight && w < 100; w++) await new Promise((r) => setTimeout(r, 100));
stopping = true;
for (const c of clients) c.req.destroy();
agent.destroy();
await new Promise((r) => setTimeout(r, 3000));
const rssAfter = rssKB() / 1024;

// ---- verdict ----
const q = (arr, p) => { const s = [...arr].sort((x, y) => x - y); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };
for (const c of clients) c.maxGap = Math.max(c.maxGap, tEnd - (c.last || c.opened)); // silence up to the end counts
const starved = clients.filter((c) => c.ended || c.events < MIN_EVENTS || c.maxGap > MAX_GAP * 1000);
for (const c of starved.slice(0, 10))
  problems.push(`SSE client ${c.i}${c.filtered ? ' (filtered)' : ''} starved: ${c.events} events, longest gap ${(c.maxGap / 1000).toFixed(1)} s${c.ended ? ', ended: ' + c.ended : ''}`);
if (starved.length > 10) problems.push(`... and ${starved.length - 10} more starved SSE clients`);
if (errors.length) problems.push(`${errors.length} API errors, first: ${errors.slice(0, 3).join(' | ')}`);
if (inflight) problems.push(`${inflight} API requests still unanswered 10 s after the run`);
const p50 = q(lat, 0.5), p99 = q(lat, 0.99);
if (!(p99 <= P99_MS)) problems.push(`API p99 ${p99.toFixed(1)} ms above ${P99_MS} ms`);
if (sent < RATE * SECS * 0.9) problems.push(`only ${sent} API requests sent of ${RATE * SECS} scheduled (the load client fell behind)`);
const third = Math.floor(rss.length / 3);
const mean = (x) => x.reduce((s, v) => s + v, 0) / x.length;
const rssFirst = mean(rss.slice(0, third)) / 1024, rssLast = mean(rss.slice(rss.length - third)) / 1024;
if (third < 2 || !(rssLast <= rssFirst + RSS_MARGIN || rssAfter <= rssFirst + RSS_MARGIN / 4))
  problems.push(`serve's memory grew: VmRSS first third ${rssFirst.toFixed(1)} MB, last third ${rssLast.toFixed(1)} MB` +
    ` (margin ${RSS_MARGIN} MB), ${rssAfter.toFixed(1)} MB 3 s after the streams closed`);
const ev = clients.filter((c) => !c.filtered).map((c) => c.events);
const evf = clients.filter((c) => c.filtered).map((c) => c.events);
const gaps = clients.map((c) => c.maxGap / 1000);
console.log(JSON.stringify({
  sse_clients: N, sse_events_min: Math.min(...ev), sse_events_max: Math.max(...ev),
  sse_filtered_events_min: evf.length ? Math.min(...evf) : null, sse_max_gap_s: +Math.max(...gaps).toFixed(2),
  sse_starved: starved.length, api_sent: sent, api_ok: lat.length, api_errors: errors.length,
  api_rps: +(lat.length / SECS).toFixed(1), api_p50_ms: +p50.toFixed(2), api_p99_ms: +p99.toFixed(2),
  api_max_ms: +Math.max(...lat).toFixed(2), rss_first_third_mb: +rssFirst.toFixed(1), rss_last_third_mb: +rssLast.toFixed(1),
  rss_after_close_mb: +rssAfter.toFixed(1),
  rss_samples_mb: rss.map((k) => Math.round(k / 1024)),
}));
if (problems.length) { for (const p of problems) console.error('load: ' + p); process.exit(1); }
process.exit(0);

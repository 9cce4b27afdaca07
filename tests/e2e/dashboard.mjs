// dashboard.mjs — browser test of the dashboard: playwright-core drives Debian's chromium (headless,
// never a downloaded browser) against a running pipeline. Run by tests/integration/serve_browser.sh:
//   node dashboard.mjs  with env TICKFLOW, TF_DB, TF_HTTP_PORT, TF_BROKER_PORT, TF_MORE (a file of
//   records to produce later), TF_SHOTS (screenshot directory), TF_TMP.
// It starts `tickflow serve --brokers` itself (live push from the stream's bus topics; so it can kill
// and restart it), writing its pid to $TF_TMP/serve.pid for the shell's cleanup. Every wait is bounded.
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, openSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const env = (k) => { if (!process.env[k]) throw new Error(`${k} not set`); return process.env[k]; };
const TICKFLOW = env('TICKFLOW'), DB = env('TF_DB'), PORT = env('TF_HTTP_PORT'), BP = env('TF_BROKER_PORT');
const MORE = env('TF_MORE'), SHOTS = env('TF_SHOTS'), TMP = env('TF_TMP');
const U = `http://127.0.0.1:${PORT}`;
const T = 15000; // default bound of every wait
mkdirSync(SHOTS, { recursive: true });

let serve = null;
function startServe() {
  const log = openSync(join(TMP, 'serve-browser.log'), 'a');
  serve = spawn(TICKFLOW, ['serve', '--store', `sqlite:${DB}`, '--http', `127.0.0.1:${PORT}`, '--poll', '100ms', '--heartbeat', '1s',
    '--brokers', `127.0.0.1:${BP}`],
    { stdio: ['ignore', log, log] });
  writeFileSync(join(TMP, 'serve.pid'), String(serve.pid));
}
function stopServe() {
  if (serve && serve.exitCode === null) serve.kill('SIGTERM');
  serve = null;
}
async function waitHttp(ms = T) {
  const end = Date.now() + ms;
  for (;;) {
    try { if ((await fetch(`${U}/healthz`)).ok) return; } catch { /* not yet */ }
    if (Date.now() > end) throw new Error('serve did not come up');
    await new Promise((r) => setTimeout(r, 100));
  }
}
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { stopServe(); process.exit(1); });

function check(cond, what) { if (!cond) throw new Error(`check failed: ${what}`); console.log(`ok   ${what}`); }
const num = (s) => Number(String(s).replace(/[^0-9.\-]/g, ''));

const profile = mkdtempSync(join(tmpdir(), 'tickflow-chromium-'));
let ctx = null;
let failed = false;
try {
  startServe();
  await waitHttp();
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1366, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  ctx.setDefaultTimeout(T);
  const page = ctx.pages()[0] || await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error' && !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(m.text())) errors.push(m.text()); });
  const shot = (name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const tab = async (name) => { await page.click(`#tabs button[data-tab="${name}"]`); await page.waitForSelector(`#tab-${name}.active`); };

  // ---- Overview: a card per selected symbol with numbers; live status ----
  await page.goto(`${U}/?symbols=S005USDT,S006USDT,S007USDT&period=all&interval=1m&tab=overview`);
  await page.waitForSelector('#status[data-state="live"]');
  await page.waitForFunction(() => document.querySelectorAll('#tab-overview .card .price').length === 3);
  const cards = await page.$$eval('#tab-overview .card', (cs) => cs.map((c) => ({
    sym: c.dataset.symbol, last: c.querySelector('[data-field=last]').textContent, vol: c.querySelector('[data-field=volume]').textContent,
    avg: c.querySelector('[data-field=avg]').textContent, cls: c.className })));
  check(cards.map((c) => c.sym).join() === 'S005USDT,S006USDT,S007USDT', 'overview has one card per selected symbol');
  const api = await (await fetch(`${U}/api/overview?symbols=S005USDT,S006USDT,S007USDT&period=all`)).json();
  for (const [i, c] of cards.entries()) {
    check(num(c.last) > 0 && num(c.avg) > 0, `${c.sym} card shows price ${c.last} and average ${c.avg}`);
    const want = api.symbols[i].last;
    check(Math.abs(num(c.last) - want) <= Math.abs(want) * 1e-3, `${c.sym} card price matches /api/overview (${want})`);
    check(/\b(up|down)\b/.test(c.cls) === (api.symbols[i].change !== 0), `${c.sym} card coloured by direction (${c.cls})`);
  }
  await shot('overview');

  // ---- Charts: a canvas per symbol with the candles ----
  await tab('charts');
  await page.waitForFunction(() => document.querySelectorAll('#tab-charts .chart[data-bars] canvas').length >= 3);
  const bars = await page.$eval('#tab-charts .chart[data-symbol="S005USDT"]', (e) => Number(e.dataset.bars));
  check(bars > 10, `S005USDT chart holds ${bars} candles`);
  await page.waitForTimeout(300);
  await shot('charts');

  // ---- Top: volume table, gainers index chart, losers bars ----
  await tab('top');
  await page.waitForSelector('#top-volume tbody tr');
  check(await page.$$eval('#top-volume tbody tr', (r) => r.length) === 5, 'top 5 by volume table has 5 rows');
  const topApi = await (await fetch(`${U}/api/top?by=volume&n=5&period=all`)).json();
  const topRows = await page.$$eval('#top-volume tbody tr', (r) => r.map((x) => x.dataset.symbol));
  check(topRows.join() === topApi.symbols.map((s) => s.symbol).join(), `top by volume order matches the API (${topRows.join(' ')})`);
  check(await page.$$eval('#gainers-chart canvas', (c) => c.length) > 0 || await page.$('#top-gainers .state') !== null, 'gainers index chart (or its empty state) shown');
  check(await page.$$eval('#top-losers .bar, #top-losers .state', (c) => c.length) > 0, 'losers bars (or empty state) shown');
  await page.waitForTimeout(300);
  await shot('top');

  // ---- Anomalies: change table, volatility table, alerts ----
  await tab('anomalies');
  await page.waitForSelector('#anom-alerts tbody tr, #anom-alerts #no-alerts');
  const nChange = await page.$$eval('#anom-change tbody tr', (r) => r.length);
  const anApi = await (await fetch(`${U}/api/anomalies?period=all&limit=200`)).json();
  check(nChange === anApi.change.length && nChange > 0, `|change| > 5 % table has ${nChange} rows like the API`);
  check(await page.$$eval('#anom-vol tbody tr', (r) => r.length) === anApi.volatility.length, 'volatility > Q3 table matches the API');
  check(await page.$$eval('#anom-alerts tbody tr', (r) => r.length) === anApi.alerts.length, `alerts table shows ${anApi.alerts.length} alerts`);
  check(await page.$$eval('#anom-change .bar .fill', (f) => f.filter((x) => x.getBoundingClientRect().width > 0).length) > 0, 'change bar chart drawn');
  await shot('anomalies');

  // ---- Details: latest values, charts, history paging ----
  await tab('details');
  await page.waitForSelector('#latest-table');
  await page.waitForSelector('#history-table tbody tr');
  const latest = await page.$$eval('#latest-table th', (t) => t.map((x) => x.textContent).join('|'));
  for (const k of ['open', 'close', 'high', 'low', 'spread', 'change', 'volatility', 'volume']) check(latest.includes(k), `latest values table has ${k}`);
  check(await page.$$eval('#hl-chart canvas, #vol-chart canvas', (c) => c.length) >= 2, 'high/low and volume charts drawn');
  const first1 = await page.$eval('#history-table tbody tr td', (t) => t.textContent);
  check(await page.$$eval('#history-table tbody tr', (r) => r.length) === 50, 'history page has 50 rows');
  await page.click('#hist-older');
  await page.waitForSelector('#history-table[data-page="2"]');
  const first2 = await page.$eval('#history-table tbody tr td', (t) => t.textContent);
  check(first2 < first1, `older page starts earlier (${first2} < ${first1})`);
  await page.click('#hist-newer');
  await page.waitForSelector('#history-table[data-page="1"]');
  await page.selectOption('#detail-symbol', 'S007USDT');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('symbol') === 'S007USDT');
  await page.waitForSelector('#history-table tbody tr');
  await page.click('#tabs button[data-tab="details"]');
  await page.waitForTimeout(300);
  await shot('details');

  // ---- Pipeline: live stats charts ----
  await tab('pipeline');
  await page.waitForFunction(() => /\d/.test(document.querySelector('[data-metric="records_per_s"]')?.textContent || ''));
  check(await page.$$eval('#tab-pipeline canvas', (c) => c.length) >= 6, 'pipeline charts drawn');
  // late and dead-lettered records: the page shows what /metrics says (summed over partitions), and
  // that is what the dead-letter topic holds; the stream may still be committing, so wait for agreement
  const sumMetric = (text, name) => [...text.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\d+)$`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
  const dlqTopic = () => execFileSync('kcat', ['-C', '-b', `127.0.0.1:${BP}`, '-t', 'ticks.dlq', '-o', 'beginning', '-e', '-q', '-f', '%o\n'],
    { timeout: 30000 }).toString().split('\n').filter(Boolean).length;
  let agree = null;
  for (const end = Date.now() + T; !agree && Date.now() < end; await page.waitForTimeout(500)) {
    const text = await (await fetch(`${U}/metrics`)).text();
    const m = { late: sumMetric(text, 'tickflow_stream_late_records_total'), dlq: sumMetric(text, 'tickflow_stream_dlq_records_total') };
    const shown = await page.evaluate(() => ({ late: document.querySelector('[data-metric="late"]')?.dataset.value, dlq: document.querySelector('[data-metric="dlq"]')?.dataset.value }));
    const topic = dlqTopic();
    if (m.dlq > 0 && m.late > 0 && Number(shown.late) === m.late && Number(shown.dlq) === m.dlq && topic === m.dlq) agree = { ...m, topic };
  }
  check(agree, `Pipeline shows late ${agree?.late} and DLQ ${agree?.dlq} = /metrics = ${agree?.topic} records in ticks.dlq`);
  await page.waitForTimeout(1200);
  await shot('pipeline');

  // ---- choices change what is shown, and the URL ----
  await tab('overview');
  await page.waitForFunction(() => document.querySelectorAll('#tab-overview .card .price').length === 3);
  const count = () => page.$eval('#tab-overview .card[data-symbol="S005USDT"] .head .muted', (e) => parseInt(e.textContent, 10));
  const allCount = await count();
  await page.click('#period button[data-v="1h"]');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('period') === '1h');
  await page.waitForFunction((n) => parseInt(document.querySelector('#tab-overview .card[data-symbol="S005USDT"] .head .muted')?.textContent, 10) !== n, allCount);
  const hourCount = await count();
  check(hourCount <= 60 && hourCount < allCount, `period 1H shows ${hourCount} of ${allCount} 1m candles`);
  await page.click('#interval button[data-v="5m"]');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('interval') === '5m');
  await page.waitForFunction(() => parseInt(document.querySelector('#tab-overview .card[data-symbol="S005USDT"] .head .muted')?.textContent, 10) <= 13);
  check(true, `interval 5m shows ${await count()} candles in the hour`);
  await page.fill('#sym-search', 's01');
  await page.waitForFunction(() => [...document.querySelectorAll('#sym-list input')].every((i) => i.value.startsWith('S01')));
  check((await page.$$eval('#sym-list input', (i) => i.map((x) => x.value))).join() === 'S010USDT,S011USDT', 'search box filters the symbol list');
  await page.check('#sym-list input[value="S010USDT"]');
  await page.fill('#sym-search', '');
  await page.uncheck('#sym-list input[value="S006USDT"]');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('symbols') === 'S005USDT,S007USDT,S010USDT');
  await page.waitForFunction(() => [...document.querySelectorAll('#tab-overview .card')].map((c) => c.dataset.symbol).join() === 'S005USDT,S007USDT,S010USDT');
  check(true, 'selecting and unselecting symbols changes the cards and the URL');

  // ---- a candle produced after the page loaded appears without a reload ----
  await page.click('#period button[data-v="all"]');
  await page.click('#interval button[data-v="1m"]');
  await page.waitForFunction(() => location.search.includes('interval=1m') && location.search.includes('period=all'));
  await tab('charts');
  await page.waitForFunction(() => document.querySelector('#tab-charts .chart[data-symbol="S005USDT"][data-bars]'));
  const before = await page.$eval('#tab-charts .chart[data-symbol="S005USDT"]', (e) => ({ bars: Number(e.dataset.bars), t: Number(e.dataset.lastTime) }));
  await page.evaluate(() => { window.__noReload = 1; });
  execFileSync('kcat', ['-P', '-b', `127.0.0.1:${BP}`, '-t', 'ticks', '-K', '\t', '-l', MORE], { timeout: 30000 });
  await page.waitForFunction((b) => {
    const e = document.querySelector('#tab-charts .chart[data-symbol="S005USDT"]');
    return e && Number(e.dataset.lastTime) > b.t && Number(e.dataset.bars) > b.bars;
  }, before, { timeout: 30000 });
  const after = await page.$eval('#tab-charts .chart[data-symbol="S005USDT"]', (e) => ({ bars: Number(e.dataset.bars), t: Number(e.dataset.lastTime) }));
  check(await page.evaluate(() => window.__noReload === 1), `new candles appended live without a reload (${before.bars} → ${after.bars} bars)`);
  await shot('charts-live');

  // ---- those updates came over the live bus; the page measured their tick-to-browser latency ----
  const metrics = await (await fetch(`${U}/metrics`)).text();
  const busCandles = Number(/^tickflow_candle_updates_bus_total (\d+)/m.exec(metrics)?.[1] || 0);
  check(busCandles > 0, `${busCandles} candle updates pushed from the live bus`);
  const nLat = await page.evaluate(() => window.tickflowLatency.length);
  check(nLat > 0, `${nLat} tick-to-browser latency samples on window.tickflowLatency`);
  await tab('pipeline');
  await page.waitForSelector('[data-metric="latency"][data-p99]');
  const lat = await page.$eval('[data-metric="latency"]', (e) => ({ p50: Number(e.dataset.p50), p99: Number(e.dataset.p99), text: e.textContent }));
  // the recorded ticks are from 2023: the latency is their age, and p50 <= p99 either way
  check(lat.p50 > 0 && lat.p50 <= lat.p99, `Pipeline shows tick-to-browser latency: ${lat.text}`);
  await page.waitForFunction(() => /pushed/.test(document.querySelector('#tab-pipeline .card')?.textContent || ''));
  check(true, 'Pipeline says the live bus pushes');
  await shot('pipeline-latency');

  // ---- killing serve shows the lost connection; restarting reconnects ----
  stopServe();
  await page.waitForSelector('#status[data-state="lost"]');
  check(await page.isVisible('#banner'), 'lost connection shown');
  await shot('connection-lost');
  startServe();
  await waitHttp();
  await page.waitForSelector('#status[data-state="live"]', { timeout: 20000 });
  check(!(await page.isVisible('#banner')), 'page reconnected by itself after serve restarted');

  // ---- a symbol without candles and phone width ----
  await page.goto(`${U}/?symbols=S005USDT,NOSUCH&period=all&interval=1m&tab=overview`);
  await page.waitForSelector('#tab-overview .card[data-symbol="NOSUCH"] .state');
  check(true, 'a symbol without candles gets its empty state');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${U}/?symbols=S005USDT,S007USDT&period=all&interval=1m&tab=overview`);
  await page.waitForFunction(() => document.querySelectorAll('#tab-overview .card .price').length === 2);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `phone width has no horizontal overflow (${overflow}px)`);
  await shot('overview-phone');

  check(errors.length === 0, `no script errors in the page${errors.length ? `: ${errors.join('; ')}` : ''}`);
} catch (e) {
  failed = true;
  console.error(`FAIL: ${e.message}`);
  try { await ctx?.pages()[0]?.screenshot({ path: join(SHOTS, 'failure.png'), fullPage: true }); } catch { /* best effort */ }
} finally {
  await ctx?.close().catch(() => {});
  stopServe();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

// latency_browser.mjs NAME=URL... — headless Debian chromium (playwright-core) opens each dashboard URL
// in its own browser context at once, waits LAT_WARMUP seconds, empties window.tickflowLatency (the
// page's tick-to-browser samples: now − last_event_time of each live 1m candle update), waits
// LAT_SECONDS, and prints one JSON line per page: {"name", "n", "p50", "p90", "p99", "max", "page_p50",
// "page_p99"} (exact percentiles of the raw samples; page_* are the page's own HDR-style figures).
import { chromium } from 'playwright-core';

const WARM = Number(process.env.LAT_WARMUP || 15), SECS = Number(process.env.LAT_SECONDS || 60);
const pages = process.argv.slice(2).map((a) => { const i = a.indexOf('='); return { name: a.slice(0, i), url: a.slice(i + 1) }; });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'],
});
const pct = (s, q) => (s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] : null);
try {
  for (const p of pages) {
    p.ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    p.page = await p.ctx.newPage();
    p.errors = [];
    p.page.on('pageerror', (e) => p.errors.push(String(e)));
    await p.page.goto(p.url);
  }
  await new Promise((r) => setTimeout(r, WARM * 1000));
  for (const p of pages) await p.page.evaluate(() => { window.tickflowLatency.length = 0; });
  await new Promise((r) => setTimeout(r, SECS * 1000));
  for (const p of pages) {
    const raw = await p.page.evaluate(() => window.tickflowLatency.slice());
    const hdr = await p.page.evaluate(() => window.tickflowLatencyStats());
    const s = Float64Array.from(raw).sort();
    console.log(JSON.stringify({ name: p.name, n: s.length, p50: pct(s, 0.5), p90: pct(s, 0.9), p99: pct(s, 0.99),
      max: s.length ? s[s.length - 1] : null, page_p50: hdr.p50, page_p99: hdr.p99, errors: p.errors.length }));
  }
} finally {
  await browser.close();
}

// pipeline.js — the Pipeline tab: records/s arriving in the store, consumer lag (wall clock minus the
// newest event time), store poll time, candle updates, and the stream's late and dead-lettered
// record counts (committed with its offsets, so exact across restarts), from the SSE `stats` event
// (once a second; late/dlq are null until the stream has committed); and the tick-to-browser latency measured in this page (latency.js), p50/p99
// of the last minute, sampled once a second. Samples are kept while other tabs are shown.
import { el, state, fmtNum } from './util.js';
import { lineChart } from './charts.js';
import { lastMinute } from './latency.js';

const KEEP = 600;
const samples = [];
const latSamples = []; // {time (s), p50, p99, n}
let charts = null, kpis = null, latChart = null, latKpi = null;

const fmtMs = (v) => (v >= 86400000 ? `${(v / 86400000).toFixed(1)} days` : v >= 60000 ? `${(v / 60000).toFixed(1)} min` : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);

function latencyTick() {
  const l = lastMinute();
  if (!l.n) return;
  const p = { time: Math.floor(Date.now() / 1000), p50: l.p50, p99: l.p99, n: l.n };
  latSamples.push(p);
  if (latSamples.length > KEEP) latSamples.shift();
  if (latChart) { latChart.push('p50', { time: p.time, value: p.p50 }); latChart.push('p99', { time: p.time, value: p.p99 }); }
  if (latKpi) latText(p);
}
setInterval(latencyTick, 1000);

function latText(p) {
  latKpi.dataset.p50 = String(Math.round(p.p50));
  latKpi.dataset.p99 = String(Math.round(p.p99));
  latKpi.textContent = `p50 ${fmtMs(p.p50)} · p99 ${fmtMs(p.p99)}`;
  latKpi.title = `${fmtNum(p.n)} live candle updates in the last minute`;
}

export function record(s) {
  samples.push(s);
  if (samples.length > KEEP) samples.shift();
}

const METRICS = [
  { key: 'records_per_s', title: 'records/s into the store', fmt: (v) => fmtNum(v) },
  { key: 'lag_ms', title: 'lag (now − newest event time)', fmt: (v) => (v >= 86400000 ? `${(v / 86400000).toFixed(1)} days` : v >= 60000 ? `${(v / 60000).toFixed(1)} min` : `${fmtNum(v)} ms`) },
  { key: 'poll_ms', title: 'store poll latency (ms)', fmt: (v) => `${v.toFixed(2)} ms` },
  { key: 'candle_updates', title: 'candle updates pushed', fmt: fmtNum },
  { key: 'late', title: 'late ticks (total, to the DLQ)', fmt: fmtNum },
  { key: 'dlq', title: 'dead-lettered records (total)', fmt: fmtNum },
];

export function hide() {
  if (charts) for (const c of Object.values(charts)) c.remove();
  latChart?.remove();
  charts = null; kpis = null; latChart = null; latKpi = null;
}

export async function render(ctx) {
  hide();
  const root = ctx.root;
  kpis = {};
  charts = {};
  const grid = el('div.grid');
  const boxes = {};
  for (const m of METRICS) {
    kpis[m.key] = el('div.kpi', { 'data-metric': m.key }, '—');
    boxes[m.key] = el('div.chart.small', { 'data-chart': m.key });
    grid.append(el('article.card', el('h3', m.title), kpis[m.key], boxes[m.key]));
  }
  latKpi = el('div.kpi', { 'data-metric': 'latency' }, '—');
  const latBox = el('div.chart.small', { 'data-chart': 'latency' });
  kpis.bus = el('span', '—');
  grid.prepend(el('article.card', el('h3', 'tick → browser latency, last minute'), latKpi, latBox,
    el('p.muted.small', 'now − event time of the newest tick in each live candle update of the interval shown; live bus: ', kpis.bus)));
  kpis.clients = el('div.kpi', '—');
  kpis.committed = el('span', '—');
  grid.append(el('article.card', el('h3', 'live clients'), kpis.clients,
    el('p.muted.small', 'records committed by the stream: ', kpis.committed, ' (late and DLQ counts are committed with them, exactly once)')));
  const wait = samples.length ? null : state('loading', 'Waiting for the first pipeline statistics (sent every second)…');
  root.replaceChildren(...(wait ? [wait] : []), grid);
  for (const m of METRICS) {
    charts[m.key] = lineChart(boxes[m.key], [{ name: m.key }], { seconds: true });
    charts[m.key].set(m.key, dedupe(samples.filter((s) => Number.isFinite(s[m.key])).map((s) => ({ time: Math.floor(s.time / 1000), value: s[m.key] }))));
    charts[m.key].fit();
  }
  if (samples.length) kpi(samples[samples.length - 1]);
  latChart = lineChart(latBox, [{ name: 'p50', title: 'p50' }, { name: 'p99', title: 'p99' }], { seconds: true });
  latChart.set('p50', dedupe(latSamples.map((p) => ({ time: p.time, value: p.p50 }))));
  latChart.set('p99', dedupe(latSamples.map((p) => ({ time: p.time, value: p.p99 }))));
  latChart.fit();
  if (latSamples.length) latText(latSamples[latSamples.length - 1]);
}

function dedupe(pts) { // one point per second, the newest wins (the chart needs strictly rising times)
  const out = [];
  for (const p of pts) if (out.length && out[out.length - 1].time >= p.time) out[out.length - 1] = { ...p, time: out[out.length - 1].time }; else out.push(p);
  return out;
}

function kpi(s) {
  for (const m of METRICS) {
    if (Number.isFinite(s[m.key])) { kpis[m.key].textContent = m.fmt(s[m.key]); kpis[m.key].dataset.value = String(s[m.key]); }
    else if (s[m.key] === null) kpis[m.key].textContent = '— (nothing committed yet)';
  }
  kpis.committed.textContent = Number.isFinite(s.records_committed) ? fmtNum(s.records_committed) : '—';
  kpis.clients.textContent = String(s.sse_clients);
  kpis.bus.textContent = s.bus === 'live' ? 'pushed (Kafka topics)' : s.bus === 'polling' ? 'down — polling the store' : 'off — polling the store';
}

export function onStats(s, ctx) {
  if (!charts) return;
  ctx.root.querySelector('.state')?.remove();
  for (const m of METRICS) if (Number.isFinite(s[m.key])) charts[m.key].push(m.key, { time: Math.floor(s.time / 1000), value: s[m.key] });
  kpi(s);
}

// candles.js — the Charts tab: per selected symbol one chart with candlesticks, MA7, MA25 and volume
// (/api/candles). SSE `candle` events move the current candle; a new open time appends a candle.
import { api, el, state, fmtPrice, fmtPct, dirClass } from './util.js';
import { candleChart } from './charts.js';

let charts = new Map(); // symbol → {chart, price}

function legend() {
  return el('div.legend', el('span', el('i', { style: 'background:#f0b429' }), 'MA7'), el('span', el('i', { style: 'background:#b48cff' }), 'MA25'),
    el('span', el('i', { style: 'background:#26a69a' }), 'volume'));
}

export function hide() { for (const c of charts.values()) c.chart.remove(); charts = new Map(); }

export async function render(ctx) {
  hide();
  const root = ctx.root;
  if (!ctx.symbols.length) { root.replaceChildren(state('empty', 'Select one or more symbols in the sidebar.')); return; }
  root.replaceChildren(state('loading', 'Loading candles…'));
  const got = await Promise.all(ctx.symbols.map((s) =>
    api('/api/candles', { symbol: s, interval: ctx.interval, limit: 500 }).then((r) => ({ s, r }), (e) => ({ s, e }))));
  if (!ctx.current(ctx.seq)) return;
  const grid = el('div.grid.wide');
  root.replaceChildren(grid);
  for (const { s, r, e } of got) {
    const price = el('span.price-now');
    const box = el('div.chart', { 'data-symbol': s });
    const cardEl = el('article.card', { 'data-symbol': s }, el('div.head', el('h3', s), price), legend(), box);
    grid.append(cardEl);
    if (e) { box.replaceWith(state('error', `Cannot load ${s}: ${e.message}`)); continue; }
    if (!r.candles.length) { box.replaceWith(state('empty', `No ${ctx.interval} candles for ${s} yet — they appear here as soon as ticks arrive.`)); continue; }
    const chart = candleChart(box);
    chart.setData(r.candles);
    const c = { chart, price, box, ctx };
    charts.set(s, c);
    showPrice(c);
  }
}

function showPrice(c) {
  const b = c.chart.bars[c.chart.bars.length - 1];
  const pct = b.o ? ((b.c - b.o) / b.o) * 100 : null;
  c.price.className = `price-now ${dirClass(pct)}`;
  c.price.textContent = `${fmtPrice(b.c)}  ${fmtPct(pct)}`;
  c.box.dataset.bars = String(c.chart.bars.length);
  c.box.dataset.lastTime = String(b.t);
  c.box.dataset.lastClose = String(b.c);
}

export function onCandle(cd, closed, ctx) {
  if (cd.interval !== ctx.interval) return;
  const c = charts.get(cd.symbol);
  if (!c) return;
  c.chart.upsert(cd);
  showPrice(c);
}

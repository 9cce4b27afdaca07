// top.js — the Top tab: top 5 by volume, gainers and losers over the period (/api/top); gainers as
// base-100 index lines (each symbol's closes divided by its first open), losers as % bars. Refetched
// at most every five seconds while candles close.
import { api, el, state, fmtPrice, fmtPct, fmtNum, dirClass, debounce, minuteTicker } from './util.js';
import { lineChart, PALETTE, sec } from './charts.js';

let chart = null;
let last = null;

export function hide() { chart?.remove(); chart = null; }

function table(rows, cols) {
  return el('div.table-wrap', el('table', el('thead', el('tr', cols.map(([h]) => el('th', h)))),
    el('tbody', rows.map((r) => el('tr', { 'data-symbol': r.symbol }, cols.map(([, f]) => f(r)))))));
}
const cSym = ['symbol', (r) => el('td', r.symbol)];
const cLast = ['last', (r) => el('td', fmtPrice(r.last))];
const cPct = ['change', (r) => el(`td.${dirClass(r.change_pct)}`, fmtPct(r.change_pct))];
const cVol = ['volume', (r) => el('td', fmtNum(r.volume))];

function bars(rows) {
  const max = Math.max(...rows.map((r) => Math.abs(r.change_pct || 0)), 1e-9);
  return el('div.bars', rows.map((r) => el('div.bar', { 'data-symbol': r.symbol }, el('span', r.symbol),
    el('div.track', el('div.fill', { style: `left:0;width:${(Math.abs(r.change_pct) / max) * 100}%;background:var(--down)` })),
    el('span.val.down', fmtPct(r.change_pct)))));
}

export async function render(ctx) {
  last = ctx;
  const root = ctx.root;
  const p = { n: 5, period: ctx.period, interval: ctx.interval };
  if (!chart) root.replaceChildren(state('loading', 'Loading top lists…'));
  let vol, gain, lose;
  try {
    [vol, gain, lose] = await Promise.all(['volume', 'gainers', 'losers'].map((by) => api('/api/top', { by, ...p })));
  } catch (e) {
    if (ctx.current(ctx.seq)) root.replaceChildren(state('error', `Cannot load the top lists: ${e.message}`));
    return;
  }
  const series = await Promise.all(gain.symbols.map((s) =>
    api('/api/candles', { symbol: s.symbol, interval: ctx.interval, from: gain.from, limit: 5000 }).catch(() => ({ candles: [] }))));
  if (!ctx.current(ctx.seq)) return;
  hide();
  const none = (what) => state('empty', `No ${what} in this period.`);
  const chartBox = el('div.chart', { id: 'gainers-chart' });
  root.replaceChildren(el('div.grid.wide',
    el('article.card', { id: 'top-volume' }, el('h3', 'Top 5 by volume'), vol.symbols.length ? table(vol.symbols, [cSym, cVol, cLast, cPct]) : none('candles')),
    el('article.card', { id: 'top-gainers' }, el('h3', 'Top gainers — index, base 100'),
      gain.symbols.length ? [chartBox, table(gain.symbols, [cSym, cLast, cPct])] : none('gainers')),
    el('article.card', { id: 'top-losers' }, el('h3', 'Top losers — change %'),
      lose.symbols.length ? [bars(lose.symbols), table(lose.symbols, [cSym, cLast, cPct])] : none('losers'))));
  if (gain.symbols.length) {
    chart = lineChart(chartBox, gain.symbols.map((s, i) => ({ name: s.symbol, title: s.symbol, color: PALETTE[i] })));
    gain.symbols.forEach((s, i) => {
      const cs = series[i].candles;
      const base = cs.length ? cs[0].o : 0;
      chart.set(s.symbol, base ? cs.map((c) => ({ time: sec(c.t), value: (c.c / base) * 100 })) : []);
    });
    chart.fit();
  }
}

const refresh = debounce(() => { if (last) render(last); }, 5000);
export function onCandle(c, closed, ctx) { if (closed && c.interval === ctx.interval) { last = ctx; refresh(); } }
const minute = minuteTicker();
export function onStats(s, ctx) { if (minute()) { last = ctx; refresh(); } }

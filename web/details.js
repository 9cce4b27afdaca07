// details.js — the Details tab: one symbol's latest values, high/low with MA7 and MA25, volume, and its
// whole candle history as a table paged backwards with /api/candles?to=<older_than>.
import { api, el, state, fmtPrice, fmtSigned, fmtPct, fmtNum, fmtVol, fmtTime, dirClass } from './util.js';
import { lineChart, sec } from './charts.js';

const PAGE = 50;
let hl = null, vol = null, latestBox = null, cur = null;
let pages = []; // `to` of each page shown so far (undefined = newest)

export function hide() { hl?.remove(); vol?.remove(); hl = vol = latestBox = cur = null; }

function latestTable(c) {
  const chg = c.c - c.o;
  const rows = [['open', fmtPrice(c.o)], ['close', fmtPrice(c.c)], ['high', fmtPrice(c.h)], ['low', fmtPrice(c.l)],
    ['spread (high − low)', fmtPrice(c.h - c.l)], ['change', `${fmtSigned(chg)} (${fmtPct(c.o ? (chg / c.o) * 100 : null)})`],
    ['volatility', fmtVol(c.volatility)], ['volume', fmtNum(c.v)], ['MA7 / MA25', `${fmtPrice(c.ma7)} / ${fmtPrice(c.ma25)}`],
    ['candle', `${fmtTime(c.t)} · ${c.n} updates${c.final ? ' · closed' : ' · open'}`]];
  return el('table', { id: 'latest-table' }, el('tbody', rows.map(([k, v], i) =>
    el('tr', el('th', { style: 'text-align:left' }, k), el(`td${i === 5 ? `.${dirClass(chg)}` : ''}`, v)))));
}

async function historyPage(ctx, box, to) {
  let r;
  try {
    r = await api('/api/candles', { symbol: ctx.symbol, interval: ctx.interval, limit: PAGE, to });
  } catch (e) {
    box.replaceChildren(state('error', `Cannot load history: ${e.message}`));
    return;
  }
  const rows = [...r.candles].reverse();
  const older = el('button', { id: 'hist-older', disabled: r.older_than === null }, 'Older →');
  const newer = el('button', { id: 'hist-newer', disabled: pages.length <= 1 }, '← Newer');
  older.addEventListener('click', () => { pages.push(r.older_than); historyPage(ctx, box, r.older_than); });
  newer.addEventListener('click', () => { pages.pop(); historyPage(ctx, box, pages[pages.length - 1]); });
  box.replaceChildren(
    el('div.table-wrap', el('table', { id: 'history-table', 'data-page': String(pages.length) },
      el('thead', el('tr', ['open time', 'open', 'high', 'low', 'close', 'change', 'volatility', 'volume', 'MA7', 'MA25'].map((h) => el('th', h)))),
      el('tbody', rows.map((c) => el('tr', el('td', fmtTime(c.t)), el('td', fmtPrice(c.o)), el('td', fmtPrice(c.h)), el('td', fmtPrice(c.l)),
        el('td', fmtPrice(c.c)), el(`td.${dirClass(c.c - c.o)}`, fmtPct(c.o ? ((c.c - c.o) / c.o) * 100 : null)), el('td', fmtVol(c.volatility)),
        el('td', fmtNum(c.v)), el('td', fmtPrice(c.ma7)), el('td', fmtPrice(c.ma25))))))),
    el('div.pager', newer, el('span.muted.small', `page ${pages.length}${rows.length ? ` · ${fmtTime(rows[rows.length - 1].t)} – ${fmtTime(rows[0].t)}` : ''}`), older));
}

export async function render(ctx) {
  hide();
  const root = ctx.root;
  const choices = [...new Set([...(ctx.symbol ? [ctx.symbol] : []), ...ctx.symbols, ...ctx.all.map((s) => s.symbol)])];
  if (!choices.length) { root.replaceChildren(state('empty', 'No symbols in the store yet.')); return; }
  const sym = ctx.symbol || choices[0];
  const pick = el('select', { id: 'detail-symbol', 'aria-label': 'symbol' }, choices.map((s) => el('option', { value: s, selected: s === sym }, s)));
  pick.addEventListener('change', () => ctx.setSymbol(pick.value));
  root.replaceChildren(el('div.head', { style: 'display:flex;gap:.6rem;align-items:center;margin-bottom:.8rem' }, el('h3', { style: 'margin:0' }, 'Symbol'), pick),
    state('loading', `Loading ${sym}…`));
  let r;
  try {
    r = await api('/api/candles', { symbol: sym, interval: ctx.interval, limit: 500 });
  } catch (e) {
    if (ctx.current(ctx.seq)) root.lastChild.replaceWith(state('error', `Cannot load ${sym}: ${e.message}`));
    return;
  }
  if (!ctx.current(ctx.seq)) return;
  if (!r.candles.length) { root.lastChild.replaceWith(state('empty', `${sym} has no ${ctx.interval} candles yet.`)); return; }
  cur = { ctx: { ...ctx, symbol: sym }, candles: r.candles };
  latestBox = el('div', latestTable(r.candles[r.candles.length - 1]));
  const hlBox = el('div.chart.small', { id: 'hl-chart' }), volBox = el('div.chart.small', { id: 'vol-chart' });
  const hist = el('div', { id: 'history' });
  root.lastChild.replaceWith(el('div.grid.wide',
    el('article.card', el('h3', `${sym} — latest ${ctx.interval} candle`), latestBox),
    el('article.card', el('h3', 'High / low with moving averages'), el('div.legend', el('span', el('i', { style: 'background:#26a69a' }), 'high'),
      el('span', el('i', { style: 'background:#ef5350' }), 'low'), el('span', el('i', { style: 'background:#f0b429' }), 'MA7'), el('span', el('i', { style: 'background:#b48cff' }), 'MA25')), hlBox),
    el('article.card', el('h3', 'Volume'), volBox)),
  el('article.card', { style: 'margin-top:.8rem' }, el('h3', 'History'), hist));
  hl = lineChart(hlBox, [{ name: 'high', color: '#26a69a' }, { name: 'low', color: '#ef5350' }, { name: 'ma7', color: '#f0b429' }, { name: 'ma25', color: '#b48cff' }]);
  vol = lineChart(volBox, [{ name: 'v', color: 'rgba(76,141,255,.7)' }], { hist: true });
  draw();
  pages = [undefined];
  historyPage(cur.ctx, hist, undefined);
}

function draw() {
  const cs = cur.candles;
  const pts = (k) => cs.map((c) => (c[k] === null ? { time: sec(c.t) } : { time: sec(c.t), value: c[k] }));
  hl.set('high', pts('h')); hl.set('low', pts('l')); hl.set('ma7', pts('ma7')); hl.set('ma25', pts('ma25'));
  vol.set('v', pts('v'));
  hl.fit(); vol.fit();
}

export function onCandle(c, closed, ctx) {
  if (!cur || c.symbol !== cur.ctx.symbol || c.interval !== cur.ctx.interval) return;
  const cs = cur.candles;
  const lastC = cs[cs.length - 1];
  if (c.t > lastC.t) cs.push(c); else if (c.t === lastC.t) cs[cs.length - 1] = c; else return;
  latestBox.replaceChildren(latestTable(cs[cs.length - 1]));
  const p = (k) => (c[k] === null ? { time: sec(c.t) } : { time: sec(c.t), value: c[k] });
  hl.push('high', p('h')); hl.push('low', p('l')); hl.push('ma7', p('ma7')); hl.push('ma25', p('ma25')); vol.push('v', p('v'));
}

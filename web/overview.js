// overview.js — the Overview tab: one card per selected symbol with its period statistics
// (/api/overview). A live candle moves the card's price and change at once; the aggregates are
// refetched at most every two seconds while candles arrive.
import { api, el, state, fmtPrice, fmtSigned, fmtPct, fmtNum, fmtVol, dirClass, debounce } from './util.js';

let cards = new Map(); // symbol → {root, stats}
let last = null;       // the ctx of the last render

// A card's elements are built once; a live candle rewrites only the texts that changed (the page gets
// tens of updates a second per symbol under load: rebuilding the card and restarting a highlight
// animation each time kept the renderer busy repainting, on the cores the pipeline runs on).
function card(s) {
  const f = {};
  const field = (name, tag = 'dd') => (f[name] = el(tag, { 'data-field': name }));
  const root = el('article.card', { 'data-symbol': s.symbol },
    el('div.head', el('h3', s.symbol), f.count = el('span.muted.small')),
    field('last', 'div.price'),
    field('change', 'div.chg'),
    el('dl',
      el('dt', 'average'), field('avg'),
      el('dt', 'max'), field('max'),
      el('dt', 'min'), field('min'),
      el('dt', 'avg volatility'), field('avg_volatility'),
      el('dt', 'volume'), field('volume')));
  const set = (e, text) => { if (e.textContent !== text) e.textContent = text; };
  const setClass = (e, cls) => { if (e.className !== cls) e.className = cls; };
  const fill = () => {
    const d = dirClass(s.change);
    setClass(root, `card ${d}`);
    setClass(f.change, `chg ${d || 'flat'}`);
    set(f.count, `${s.candles} candles`);
    set(f.last, fmtPrice(s.last));
    set(f.change, `${fmtSigned(s.change)}  (${fmtPct(s.change_pct)})`);
    set(f.avg, fmtPrice(s.avg));
    set(f.max, fmtPrice(s.max));
    set(f.min, fmtPrice(s.min));
    set(f.avg_volatility, fmtVol(s.avg_volatility));
    set(f.volume, fmtNum(s.volume));
  };
  fill();
  return { root, stats: s, fill };
}

export async function render(ctx) {
  last = ctx;
  const root = ctx.root;
  if (!ctx.symbols.length) {
    root.replaceChildren(state('empty', 'Select one or more symbols in the sidebar.'));
    return;
  }
  if (!cards.size) root.replaceChildren(state('loading', 'Loading overview…'));
  let r;
  try {
    r = await api('/api/overview', { symbols: ctx.symbols.join(','), period: ctx.period, interval: ctx.interval });
  } catch (e) {
    if (ctx.current(ctx.seq)) root.replaceChildren(state('error', `Cannot load the overview: ${e.message}`));
    return;
  }
  if (!ctx.current(ctx.seq)) return;
  const by = new Map(r.symbols.map((s) => [s.symbol, s]));
  cards = new Map();
  const grid = el('div.grid');
  for (const sym of ctx.symbols) {
    const s = by.get(sym);
    if (!s || !s.candles) {
      grid.append(el('article.card', { 'data-symbol': sym }, el('h3', sym), state('empty', `No ${ctx.interval} candles for ${sym} in this period yet.`)));
      continue;
    }
    const c = card(s);
    cards.set(sym, c);
    grid.append(c.root);
  }
  root.replaceChildren(grid);
}

const refresh = debounce(() => { if (last) render({ ...last, seq: last.seq }); }, 2000);

export function onCandle(c, closed, ctx) {
  if (c.interval !== ctx.interval || !ctx.symbols.includes(c.symbol)) return;
  const k = cards.get(c.symbol);
  if (k && c.t >= k.stats.last_time) {
    const s = k.stats;
    s.last = c.c;
    s.change = c.c - s.open;
    s.change_pct = s.open ? (s.change / s.open) * 100 : null;
    s.max = Math.max(s.max, c.h);
    s.min = Math.min(s.min, c.l);
    s.last_time = c.t;
    k.fill();
  }
  last = ctx;
  refresh();
}

export function hide() { cards = new Map(); }

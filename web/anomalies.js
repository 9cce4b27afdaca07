// anomalies.js — the Anomalies tab: symbols whose |change| over the period exceeds 5 % and whose
// average volatility is above the third quartile (/api/anomalies), each as a colour-scaled table and
// a bar chart, plus the stored alerts; alerts arriving on the live stream are prepended at once.
import { api, el, state, fmtPrice, fmtPct, fmtVol, fmtTime, heat, dirClass, debounce, minuteTicker } from './util.js';

let alertsBody = null;
let last = null;

function bars(rows, key, fmt, upOf) {
  const max = Math.max(...rows.map((r) => Math.abs(r[key] || 0)), 1e-12);
  return el('div.bars', rows.map((r) => {
    const up = upOf(r);
    return el('div.bar', { 'data-symbol': r.symbol }, el('span', r.symbol),
      el('div.track', el('div.fill', { style: `left:0;width:${(Math.abs(r[key]) / max) * 100}%;background:${up ? 'var(--up)' : 'var(--down)'}` })),
      el(`span.val.${up ? 'up' : 'down'}`, fmt(r[key])));
  }));
}

function changeTable(rows) {
  const max = Math.max(...rows.map((r) => Math.abs(r.change_pct)), 1e-12);
  return el('div.table-wrap', el('table', el('thead', el('tr', el('th', 'symbol'), el('th', 'open'), el('th', 'last'), el('th', 'change'))),
    el('tbody', rows.map((r) => el('tr', { 'data-symbol': r.symbol }, el('td', r.symbol), el('td', fmtPrice(r.open)), el('td', fmtPrice(r.last)),
      el(`td.${dirClass(r.change_pct)}`, { style: `background:${heat(Math.abs(r.change_pct) / max, r.change_pct > 0)}` }, fmtPct(r.change_pct)))))));
}

function volTable(rows, q3) {
  const max = Math.max(...rows.map((r) => r.avg_volatility), 1e-12);
  return el('div.table-wrap', el('table', el('thead', el('tr', el('th', 'symbol'), el('th', 'avg volatility'), el('th', '× Q3'), el('th', 'change'))),
    el('tbody', rows.map((r) => el('tr', { 'data-symbol': r.symbol }, el('td', r.symbol),
      el('td', { style: `background:${heat((r.avg_volatility - q3) / Math.max(max - q3, 1e-12), false)}` }, fmtVol(r.avg_volatility)),
      el('td', q3 ? (r.avg_volatility / q3).toFixed(2) : '—'), el(`td.${dirClass(r.change_pct)}`, fmtPct(r.change_pct)))))));
}

function alertRow(a, fresh) {
  return el(`tr${fresh ? '.new-row' : ''}`, { 'data-alert': a.id }, el('td', fmtTime(a.event_time)), el('td', a.symbol), el('td', a.kind),
    el(`td.${dirClass(a.value)}`, Number.isFinite(a.value) ? a.value.toFixed(4) : '—'), el('td', a.detail || ''));
}

export async function render(ctx) {
  last = ctx;
  const root = ctx.root;
  if (!alertsBody) root.replaceChildren(state('loading', 'Loading anomalies…'));
  let r;
  try {
    r = await api('/api/anomalies', { period: ctx.period, interval: ctx.interval, limit: 200 });
  } catch (e) {
    if (ctx.current(ctx.seq)) root.replaceChildren(state('error', `Cannot load anomalies: ${e.message}`));
    return;
  }
  if (!ctx.current(ctx.seq)) return;
  const th = r.change_threshold_pct;
  alertsBody = el('tbody', r.alerts.map((a) => alertRow(a, false)));
  root.replaceChildren(el('div.grid.wide',
    el('article.card', { id: 'anom-change' }, el('h3', `|change| > ${th} %`),
      r.change.length ? [bars(r.change, 'change_pct', fmtPct, (x) => x.change_pct > 0), changeTable(r.change)] : state('empty', `No symbol moved more than ${th} % in this period.`)),
    el('article.card', { id: 'anom-vol' }, el('h3', 'Volatility above Q3 ', el('span.muted.small', `(Q3 = ${fmtVol(r.volatility_q3)})`)),
      r.volatility.length ? [bars(r.volatility, 'avg_volatility', fmtVol, () => false), volTable(r.volatility, r.volatility_q3)] : state('empty', 'No symbol above the third quartile (too few symbols with data?).'))),
  el('article.card', { id: 'anom-alerts', style: 'margin-top:.8rem' }, el('h3', 'Alerts ', el('span.muted.small', 'newest first, live')),
    el('div.table-wrap.scroll', el('table', el('thead', el('tr', el('th', 'event time'), el('th', 'symbol'), el('th', 'kind'), el('th', 'value'), el('th', 'detail'))), alertsBody)),
    r.alerts.length ? null : el('p.muted.small', { id: 'no-alerts' }, 'No alerts yet; they appear here the moment the stream engine raises one.')));
}

export function hide() { alertsBody = null; }

export function onAlert(a) {
  if (!alertsBody) return;
  if (alertsBody.querySelector(`[data-alert="${CSS.escape(a.id)}"]`)) return;
  document.getElementById('no-alerts')?.remove();
  alertsBody.prepend(alertRow(a, true));
  while (alertsBody.children.length > 500) alertsBody.lastChild.remove();
}

const refresh = debounce(() => { if (last) render(last); }, 5000);
export function onCandle(c, closed, ctx) { if (closed && c.interval === ctx.interval) { last = ctx; refresh(); } }
const minute = minuteTicker();
export function onStats(s, ctx) { if (minute()) { last = ctx; refresh(); } }

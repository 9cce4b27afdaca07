// util.js — small helpers shared by the tabs: fetching the JSON API, number formatting, DOM building,
// empty/loading/error states.

export class ApiError extends Error {}

// api(path, params) → parsed JSON; throws ApiError with the server's message (400 names the parameter).
export async function api(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const url = q.toString() ? `${path}?${q}` : path;
  let r;
  try {
    r = await fetch(url, { headers: { Accept: 'application/json' } });
  } catch (e) {
    throw new ApiError(`cannot reach the server (${e.message})`);
  }
  let body = null;
  try { body = await r.json(); } catch { /* not JSON: reported below */ }
  if (!r.ok) {
    const why = body && body.error ? `${body.error}${body.param ? ` (${body.param})` : ''}` : `HTTP ${r.status}`;
    throw new ApiError(why);
  }
  if (!body) throw new ApiError('the server sent no JSON');
  return body;
}

// el('div.card.up', {title: 'x'}, child, 'text', ...) → element
export function el(spec, attrs, ...kids) {
  const [tag, ...cls] = spec.split('.');
  const e = document.createElement(tag || 'div');
  if (cls.length) e.className = cls.join(' ');
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    kids.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'style') e.style.cssText = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat()) if (k !== null && k !== undefined && k !== false) e.append(k instanceof Node ? k : String(k));
  return e;
}

export function state(kind, text) {
  return el(`div.state.${kind}`, { 'data-state': kind }, text);
}

// price: significant digits that suit the magnitude (0.00012345 and 43,210.5 both readable)
export function fmtPrice(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  const d = a === 0 ? 2 : a >= 1000 ? 2 : a >= 1 ? 4 : Math.min(8, 2 - Math.floor(Math.log10(a)) + 2);
  return fixedFormat(d).format(v);
}
// toLocaleString with options builds a formatter per call (the Overview formats every live update)
const fixedFormats = new Map();
function fixedFormat(d) {
  let f = fixedFormats.get(d);
  if (!f) fixedFormats.set(d, f = new Intl.NumberFormat('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));
  return f;
}
export function fmtSigned(v, f = fmtPrice) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return (v > 0 ? '+' : '') + f(v);
}
export function fmtPct(v, digits = 2) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (Math.abs(v) < 0.5 * 10 ** -digits) return `${(0).toFixed(digits)} %`;
  return `${v > 0 ? '+' : ''}${v.toFixed(digits)} %`;
}
const numFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
export function fmtNum(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(2)} B`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(1)} k`;
  return numFormat.format(v);
}
export function fmtVol(v) { // relative volatility is a fraction
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(2)} %`;
}
export function fmtTime(ms) {
  if (!ms) return '—';
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}
export function dirClass(v) {
  return !Number.isFinite(v) || v === 0 ? '' : v > 0 ? 'up' : 'down';
}

// colour scale for anomaly tables: t in [0,1] from panel grey to red (or green for rises)
export function heat(t, up) {
  t = Math.max(0, Math.min(1, t));
  const [r, g, b] = up ? [38, 166, 154] : [239, 83, 80];
  return `rgba(${r},${g},${b},${0.12 + 0.55 * t})`;
}

// debounce(fn, ms): runs fn at most once per ms, the last call wins
export function debounce(fn, ms) {
  let t = null, pending = false;
  return (...a) => {
    if (t) { pending = a; return; }
    fn(...a);
    t = setTimeout(function tick() {
      if (pending) { const p = pending; pending = false; fn(...p); t = setTimeout(tick, ms); } else t = null;
    }, ms);
  };
}

// For tabs that refresh on closed candles: the page receives the closes of its selected symbols only
// (?candles=), so while none of those has data the once-a-second stats event calls this, which says
// yes once a minute.
export function minuteTicker() {
  let at = 0;
  return () => {
    const now = Date.now();
    if (!at) at = now;
    if (now - at < 60000) return false;
    at = now;
    return true;
  };
}

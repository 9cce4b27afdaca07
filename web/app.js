// app.js — the dashboard's shell: choices (symbols, period, interval, tab) kept in the URL, the
// sidebar, tab switching, and the one live connection (/api/stream, Server-Sent Events) whose events
// are handed to the tabs. EventSource reconnects by itself and sends Last-Event-ID, so the server
// replays what was missed; a `reset` event (the server could not replay) reloads the active tab.
import { api, el, debounce } from './util.js';
import * as overview from './overview.js';
import * as charts from './candles.js';
import * as top from './top.js';
import * as anomalies from './anomalies.js';
import * as details from './details.js';
import * as pipeline from './pipeline.js';
import * as latency from './latency.js';

export const MAX_SELECTED = 8;
const TABS = { overview, charts, top, anomalies, details, pipeline };
const PERIODS = ['1h', '24h', '7d', '30d', 'all'];
const INTERVALS = ['1m', '5m', '1h'];
const SYMBOL_RE = /^[A-Z0-9]{1,20}$/;

const st = {
  symbols: [], period: '24h', interval: '1m', tab: 'overview', symbol: '',
  all: [], // /api/symbols rows
  conn: 'connecting',
};
const $ = (id) => document.getElementById(id);

function readUrl() {
  const q = new URLSearchParams(location.search);
  const syms = (q.get('symbols') || '').split(',').map((s) => s.trim().toUpperCase()).filter((s) => SYMBOL_RE.test(s));
  st.symbols = [...new Set(syms)].slice(0, MAX_SELECTED);
  st.period = PERIODS.includes((q.get('period') || '').toLowerCase()) ? q.get('period').toLowerCase() : '24h';
  st.interval = INTERVALS.includes(q.get('interval')) ? q.get('interval') : '1m';
  st.tab = TABS[q.get('tab')] ? q.get('tab') : 'overview';
  const s = (q.get('symbol') || '').toUpperCase();
  st.symbol = SYMBOL_RE.test(s) ? s : '';
}

function writeUrl() {
  const q = new URLSearchParams();
  if (st.symbols.length) q.set('symbols', st.symbols.join(','));
  q.set('period', st.period);
  q.set('interval', st.interval);
  q.set('tab', st.tab);
  if (st.symbol) q.set('symbol', st.symbol);
  const url = `${location.pathname}?${q.toString().replace(/%2C/g, ',')}`;
  if (url !== location.pathname + location.search) history.replaceState(null, '', url);
}

// ---- sidebar ----

function renderSymbolList() {
  const list = $('sym-list');
  const term = $('sym-search').value.trim().toUpperCase();
  const rows = st.all.filter((r) => r.symbol.includes(term));
  list.replaceChildren();
  if (!st.all.length) list.append(el('li.empty', 'no symbols in the store yet'));
  else if (!rows.length) list.append(el('li.empty', `no symbol matches “${term}”`));
  const full = st.symbols.length >= MAX_SELECTED;
  for (const r of rows.slice(0, 300)) {
    const on = st.symbols.includes(r.symbol);
    const box = el('input', { type: 'checkbox', value: r.symbol, checked: on, disabled: !on && full });
    box.addEventListener('change', () => toggleSymbol(r.symbol, box.checked));
    list.append(el('li', el('label', box, r.symbol, el('span.n', `${r.candles}`))));
  }
  $('sym-count').textContent = `${st.symbols.length}/${MAX_SELECTED}`;
  $('sym-chips').replaceChildren(...st.symbols.map((s) => el('span.chip', s)));
}

function toggleSymbol(sym, on) {
  if (on && !st.symbols.includes(sym) && st.symbols.length < MAX_SELECTED) st.symbols.push(sym);
  if (!on) st.symbols = st.symbols.filter((s) => s !== sym);
  changed();
}

function renderSegs() {
  for (const [id, key] of [['period', 'period'], ['interval', 'interval']])
    for (const b of $(id).querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.v === st[key]));
  for (const b of $('tabs').querySelectorAll('button')) b.setAttribute('aria-selected', String(b.dataset.tab === st.tab));
  for (const [name] of Object.entries(TABS)) $(`tab-${name}`).classList.toggle('active', name === st.tab);
}

// ---- rendering the active tab ----

let renderSeq = 0;
const ctx = () => ({ ...st, symbols: [...st.symbols], root: $(`tab-${st.tab}`), seq: renderSeq, current: (seq) => seq === renderSeq, setSymbol });

function setSymbol(sym) { st.symbol = sym; if (st.tab === 'details') render(); writeUrl(); followSymbols(); }

function render() {
  renderSeq++;
  followSymbols();
  renderSegs();
  renderSymbolList();
  writeUrl();
  for (const [name, t] of Object.entries(TABS)) if (name !== st.tab) t.hide?.();
  TABS[st.tab].render(ctx()).catch((e) => console.error(e));
}

const changed = debounce(render, 150);

// ---- live connection ----

function setConn(state, text) {
  st.conn = state;
  const s = $('status');
  s.className = `status ${state}`;
  s.dataset.state = state;
  s.textContent = text;
  const b = $('banner');
  if (state === 'lost') {
    b.hidden = false;
    b.className = 'banner error';
    b.textContent = 'Connection to tickflow lost — reconnecting automatically; what you see is frozen until then.';
  } else b.hidden = true;
}

// Candle events only of the symbols on screen (?candles=; the selection and the Details symbol): a
// page showing a few symbols need not parse every symbol's candles (2,000 closes at each minute
// boundary, every update at a high tick rate), which delayed the ones shown. Alerts and stats come
// for every symbol; the rankings refresh on closes and on stats.
const streamUrl = () => {
  const shown = [...new Set([...st.symbols, st.symbol].filter(Boolean))];
  return shown.length ? `/api/stream?candles=${shown.join(',')}` : '/api/stream';
};
let es = null, esUrl = '', lostTimer = null;

// The symbols on screen arrive at every change (the stream publishes what a page shows at once:
// tens of updates a second each under load). Their latency is taken on arrival; drawing happens
// at most every DRAW_MS, on an animation frame, with the newest state of each candle, in the order
// the candles first came (an older candle's close before a newer one's updates). Drawing every
// event, or every frame, took the CPU the pipeline needed at 100,000 records/s.
const DRAW_MS = 100;
const pendingCandles = new Map();
let candleFrame = 0, lastDraw = 0;
function flushCandles() {
  candleFrame = 0;
  lastDraw = Date.now();
  const t = TABS[st.tab], c = ctx();
  const all = [...pendingCandles.values()];
  pendingCandles.clear();
  for (const p of all) t.onCandle?.(p.c, p.closed, c);
}
function queueCandle(c, closed) {
  const k = `${c.symbol}|${c.interval}|${c.t}`;
  const p = pendingCandles.get(k);
  pendingCandles.set(k, { c, closed: closed || (p !== undefined && p.closed) });
  if (!candleFrame) {
    candleFrame = setTimeout(() => requestAnimationFrame(flushCandles), Math.max(0, lastDraw + DRAW_MS - Date.now()));
  }
}
function followSymbols() {
  if (es && streamUrl() !== esUrl) { clearTimeout(lostTimer); es.close(); connect(); }
}
function connect() {
  esUrl = streamUrl();
  es = new EventSource(esUrl);
  es.onopen = () => { clearTimeout(lostTimer); setConn('live', 'live'); };
  es.onerror = () => {
    // EventSource retries on its own (readyState CONNECTING); a closed one (e.g. HTTP error) we reopen
    setConn('lost', 'connection lost — reconnecting…');
    if (es.readyState === EventSource.CLOSED) { clearTimeout(lostTimer); lostTimer = setTimeout(() => { es.close(); connect(); }, 2000); }
  };
  const on = (name, fn) => es.addEventListener(name, (e) => {
    let d;
    try { d = JSON.parse(e.data); } catch { return; }
    fn(d);
  });
  const candle = (closed) => (c) => {
    if (!closed && c.interval === st.interval) latency.record(c.last_event_time);
    queueCandle(c, closed);
  };
  on('candle', candle(false));
  on('candle_closed', candle(true));
  on('alert', (a) => TABS[st.tab].onAlert?.(a, ctx()));
  on('stats', (s) => { pipeline.record(s); TABS[st.tab].onStats?.(s, ctx()); });
  on('reset', () => { loadSymbols().then(render); });
}

async function loadSymbols() {
  try {
    const r = await api('/api/symbols', { interval: st.interval });
    st.all = r.symbols;
    if (!st.symbols.length && st.all.length) {
      // first visit: the most traded symbols
      const t = await api('/api/top', { by: 'volume', n: 4, period: st.period, interval: st.interval }).catch(() => null);
      st.symbols = (t?.symbols?.length ? t.symbols.map((s) => s.symbol) : st.all.slice(0, 4).map((s) => s.symbol));
    }
    if (!st.symbol && st.symbols.length) st.symbol = st.symbols[0];
  } catch (e) {
    $('sym-list').replaceChildren(el('li.empty', `cannot load symbols: ${e.message}`));
  }
}

function bind() {
  $('sym-search').addEventListener('input', renderSymbolList);
  $('period').addEventListener('click', (e) => { const v = e.target.dataset?.v; if (v) { st.period = v; render(); } });
  $('interval').addEventListener('click', async (e) => {
    const v = e.target.dataset?.v;
    if (!v) return;
    st.interval = v;
    await loadSymbols();
    render();
  });
  $('tabs').addEventListener('click', (e) => { const v = e.target.dataset?.tab; if (v) { st.tab = v; render(); } });
  $('menu').addEventListener('click', () => {
    const open = $('sidebar').classList.toggle('open');
    $('menu').setAttribute('aria-expanded', String(open));
  });
  // symbols arriving later (an empty store filling up) appear in the list
  setInterval(async () => {
    if (st.conn !== 'live') return;
    const before = st.all.length;
    await loadSymbols();
    if (st.all.length !== before) render();
  }, 15000);
}

readUrl();
bind();
renderSegs();
connect();
loadSymbols().then(render);

// charts.js — thin wrappers over lightweight-charts (window.LightweightCharts, the embedded standalone
// bundle): a candle chart with MA7, MA25 and a volume histogram in one pane, and small line/histogram
// charts. Candles keep their own copy of the bars so that a live update to any bar (the current one or
// one that just closed) can be applied in place.

const LWC = window.LightweightCharts;
const COLORS = { up: '#26a69a', down: '#ef5350', ma7: '#f0b429', ma25: '#b48cff', text: '#8593a3', grid: '#222b36' };
export const PALETTE = ['#4c8dff', '#f0b429', '#26a69a', '#ef5350', '#b48cff', '#ff8a3d', '#5cd6e6', '#e66bb0'];

export const sec = (ms) => Math.floor(ms / 1000);

function base(container, extra = {}) {
  if (!LWC) throw new Error('charting library missing');
  return LWC.createChart(container, {
    autoSize: true,
    layout: { background: { type: 'solid', color: 'transparent' }, textColor: COLORS.text, fontSize: 11 },
    grid: { vertLines: { color: COLORS.grid }, horzLines: { color: COLORS.grid } },
    rightPriceScale: { borderColor: COLORS.grid },
    timeScale: { borderColor: COLORS.grid, timeVisible: true, secondsVisible: false },
    crosshair: { mode: 0 },
    ...extra,
  });
}

function priceFormat(sample) {
  const a = Math.abs(sample || 1);
  const precision = a >= 1000 ? 2 : a >= 1 ? 4 : 8;
  return { type: 'price', precision, minMove: 10 ** -precision };
}

// candleChart(el): {setData(candles), upsert(candle) → 'new'|'update'|'old', chart, bars}
export function candleChart(container, { volume = true, mas = true } = {}) {
  const chart = base(container);
  const candles = chart.addSeries(LWC.CandlestickSeries, {
    upColor: COLORS.up, downColor: COLORS.down, borderVisible: false, wickUpColor: COLORS.up, wickDownColor: COLORS.down,
  });
  const ma7 = mas ? chart.addSeries(LWC.LineSeries, { color: COLORS.ma7, lineWidth: 1, priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false }) : null;
  const ma25 = mas ? chart.addSeries(LWC.LineSeries, { color: COLORS.ma25, lineWidth: 1, priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false }) : null;
  let vol = null;
  if (volume) {
    vol = chart.addSeries(LWC.HistogramSeries, { priceScaleId: 'vol', priceFormat: { type: 'volume' }, lastValueVisible: false, priceLineVisible: false });
    chart.priceScale('vol').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    candles.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.25 } });
  }
  const bars = []; // API candles, oldest first
  const toBar = (c) => ({ time: sec(c.t), open: c.o, high: c.h, low: c.l, close: c.c });
  const toVol = (c) => ({ time: sec(c.t), value: c.v, color: c.c >= c.o ? 'rgba(38,166,154,.45)' : 'rgba(239,83,80,.45)' });
  const line = (c, k) => (c[k] === null || c[k] === undefined ? { time: sec(c.t) } : { time: sec(c.t), value: c[k] });
  function redraw() {
    if (bars.length) candles.applyOptions({ priceFormat: priceFormat(bars[bars.length - 1].c) });
    candles.setData(bars.map(toBar));
    ma7?.setData(bars.map((c) => line(c, 'ma7')));
    ma25?.setData(bars.map((c) => line(c, 'ma25')));
    vol?.setData(bars.map(toVol));
  }
  return {
    chart, bars,
    setData(list) { bars.length = 0; bars.push(...list); redraw(); chart.timeScale().fitContent(); },
    upsert(c) {
      const last = bars[bars.length - 1];
      if (!last || c.t > last.t) {
        bars.push(c);
        candles.update(toBar(c)); ma7?.update(line(c, 'ma7')); ma25?.update(line(c, 'ma25')); vol?.update(toVol(c));
        return 'new';
      }
      if (c.t === last.t) {
        bars[bars.length - 1] = c;
        candles.update(toBar(c)); ma7?.update(line(c, 'ma7')); ma25?.update(line(c, 'ma25')); vol?.update(toVol(c));
        return 'update';
      }
      const i = bars.findIndex((b) => b.t >= c.t);
      if (i < 0) return 'old';
      if (bars[i].t === c.t) bars[i] = c; else bars.splice(i, 0, c);
      redraw();
      return 'update';
    },
    remove() { chart.remove(); },
  };
}

// lineChart(el, [{name, color}], opts): {set(name, points), push(name, point), chart}
export function lineChart(container, defs, { seconds = false, percent = false, hist = false } = {}) {
  const chart = base(container, { timeScale: { borderColor: COLORS.grid, timeVisible: true, secondsVisible: seconds } });
  const series = {};
  for (const [i, d] of defs.entries()) {
    const opts = { color: d.color || PALETTE[i % PALETTE.length], title: d.title || '', priceLineVisible: false, lineWidth: 2 };
    if (percent) opts.priceFormat = { type: 'custom', formatter: (v) => `${v.toFixed(2)} %` };
    series[d.name] = chart.addSeries(hist || d.hist ? LWC.HistogramSeries : LWC.LineSeries, opts);
  }
  const lastT = {};
  return {
    chart,
    set(name, pts) { series[name].setData(pts); lastT[name] = pts.length ? pts[pts.length - 1].time : -Infinity; },
    push(name, p) { // ignores points that do not move time forward (the chart refuses them)
      if (p.time < (lastT[name] ?? -Infinity)) return;
      series[name].update(p); lastT[name] = p.time;
    },
    fit() { chart.timeScale().fitContent(); },
    remove() { chart.remove(); },
  };
}

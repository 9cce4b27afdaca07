// latency.js — tick-to-browser latency: for every live candle update (not a close: candles close on
// the watermark, not on a tick) of the interval on screen, now − the event time of the candle's
// newest tick (`last_event_time`). Counted in an HDR-style histogram (log buckets, ~1 % wide) per
// second; p50/p99 over the last minute. The raw samples are also kept on window.tickflowLatency
// (an array of ms, bounded) for benchmarks, which may empty it (`length = 0`) to start a window.

const GROWTH = Math.log(1.01);
const WINDOW_S = 60;
const RAW_MAX = 400000;
const seconds = new Map(); // epoch second → Map(bucket → count)

window.tickflowLatency = [];

const bucket = (ms) => Math.floor(Math.log1p(Math.max(0, ms)) / GROWTH);
const upper = (b) => Math.expm1((b + 1) * GROWTH); // the bucket's upper bound: never under-reports

export function record(lastEventTime) {
  if (!Number.isFinite(lastEventTime)) return;
  const now = Date.now();
  const ms = now - lastEventTime;
  const raw = window.tickflowLatency;
  raw.push(ms);
  if (raw.length > RAW_MAX) raw.splice(0, raw.length - RAW_MAX / 2);
  const s = Math.floor(now / 1000);
  let h = seconds.get(s);
  if (!h) { h = new Map(); seconds.set(s, h); }
  const b = bucket(ms);
  h.set(b, (h.get(b) || 0) + 1);
}

// {n, p50, p99} over the last minute (p50/p99 null without samples)
export function lastMinute() {
  const from = Math.floor(Date.now() / 1000) - WINDOW_S;
  const all = new Map();
  let n = 0;
  for (const [s, h] of seconds) {
    if (s <= from) { seconds.delete(s); continue; }
    for (const [b, c] of h) { all.set(b, (all.get(b) || 0) + c); n += c; }
  }
  if (!n) return { n, p50: null, p99: null };
  const keys = [...all.keys()].sort((a, b) => a - b);
  const at = (q) => {
    const want = Math.ceil(q * n);
    let cum = 0;
    for (const b of keys) { cum += all.get(b); if (cum >= want) return upper(b); }
    return upper(keys[keys.length - 1]);
  };
  return { n, p50: at(0.5), p99: at(0.99) };
}

window.tickflowLatencyStats = lastMinute;

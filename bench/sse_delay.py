#!/usr/bin/python3
"""sse_delay.py — the delivery delay of live SSE events of `tickflow serve` (used by sse_delay.sh).

usage: sse_delay.py URL BROKER SECONDS [COMMAND...]
COMMAND (e.g. a wrk run) is started once the event stream is subscribed, so the client is connected
before the load begins (a client that connects while the loop is blocked would only see later events).
Produces one 1m candle of symbol BENCHUSDT every 20 ms to topic candles.1m (through kcat, linger 0),
its last_event_time set to the wall clock at the moment it is written; reads /api/stream and, for
each BENCHUSDT candle event, records now - last_event_time (waiting up to 60 s after the last one
was produced for late arrivals). Prints "received/produced p50 p99 max" (ms).
The path is kcat -> broker -> serve's bus consumer -> loop -> SSE: only the last part changes between
the two serve binaries compared, and it is the part a blocked loop delays."""
import json, subprocess, sys, threading, time, urllib.request

url, broker, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
delays = []
stop = threading.Event()
subscribed = threading.Event()


def reader():
    try:
        read_events()
    except Exception as e:  # a timeout or a dropped stream: say so, keep what arrived
        print(f"sse_delay: event stream ended: {e}", file=sys.stderr)


def read_events():
    with urllib.request.urlopen(url + "/api/stream?symbols=BENCHUSDT", timeout=120) as r:
        subscribed.set()
        event = None
        for raw in r:
            if stop.is_set():
                return
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event in ("candle", "candle_closed"):
                c = json.loads(line[6:])
                if c.get("symbol") == "BENCHUSDT" and c.get("last_event_time"):
                    delays.append(time.time() * 1000 - c["last_event_time"])


t = threading.Thread(target=reader, daemon=True)
t.start()
if not subscribed.wait(30):
    print("sse_delay: could not subscribe to the event stream", file=sys.stderr)
    sys.exit(1)
load = subprocess.Popen(sys.argv[4:]) if len(sys.argv) > 4 else None
time.sleep(0.5)
kcat = subprocess.Popen(["kcat", "-P", "-b", broker, "-t", "candles.1m", "-K", "\t", "-X", "linger.ms=0"],
                        stdin=subprocess.PIPE, text=True)
end = time.time() + secs
n = 0
while time.time() < end:
    now = int(time.time() * 1000)
    row = {"symbol": "BENCHUSDT", "interval": "1m", "t": now - now % 60000, "o": 1.0, "h": 1.0, "l": 1.0, "c": 1.0,
           "v": 1.0, "n": n + 1, "final": False, "ma7": None, "ma25": None, "ret": None, "volatility": None,
           "change_24h_pct": None, "last_event_time": now}
    kcat.stdin.write("BENCHUSDT\t" + json.dumps(row, separators=(",", ":")) + "\n")
    kcat.stdin.flush()
    n += 1
    time.sleep(0.02)
# wait for the stragglers (a blocked loop delivers them late, not never), at most 60 s
deadline = time.time() + 60
while len(delays) < n and time.time() < deadline:
    time.sleep(0.1)
stop.set()
if load:
    load.wait(timeout=120)
kcat.stdin.close()
kcat.wait(timeout=30)
d = sorted(delays)
if not d:
    print(f"0/{n} nan nan nan")
    sys.exit(1)
pick = lambda q: d[min(len(d) - 1, int(q * len(d)))]
print(f"{len(d)}/{n} {pick(0.5):.1f} {pick(0.99):.1f} {d[-1]:.1f}")

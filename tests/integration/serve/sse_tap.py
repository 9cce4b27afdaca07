#!/usr/bin/python3
"""sse_tap.py URL — a Server-Sent Events client for the serve tests: prints one line per event,
"<receive ms>\t<event>\t<data>", flushed at once, until killed or the stream ends. Comments
(heartbeats) are skipped. Reconnects (with Last-Event-ID) when the connection drops."""
import sys, time, urllib.request

url = sys.argv[1]
last = None
while True:
    req = urllib.request.Request(url, headers={"Last-Event-ID": last} if last else {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            ev, data = "message", []
            for raw in r:
                line = raw.decode("utf-8").rstrip("\n")
                if not line:
                    if data:
                        print(f"{int(time.time() * 1000)}\t{ev}\t{''.join(data)}", flush=True)
                    ev, data = "message", []
                elif line.startswith(":"):
                    continue
                elif line.startswith("id: "):
                    last = line[4:]
                elif line.startswith("event: "):
                    ev = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
    except Exception as e:  # the server restarted or the connection dropped: reconnect
        print(f"# reconnect: {e}", file=sys.stderr, flush=True)
        time.sleep(0.5)

#!/usr/bin/python3
"""add_symbols.py SEED < records.tsv > records.tsv — merges into gen.py's stream (by event time)
miniTickers of symbols whose InfluxDB tags need escaping or care: EURUSD=X ('=' must be escaped
in a tag value), ^GSPC and BRK.B (Yahoo-style names), one record every 2 s of event time each,
prices a random walk in whole 1e-8 units so every decimal is exact. Same line format as gen.py."""
import heapq, random, sys, zlib

rng = random.Random(int(sys.argv[1]))
lines = sys.stdin.readlines()
times = [int(l.split("\t", 3)[2]) for l in lines]
U = 10**8


def fmt(u):
    return f"{u // U}.{u % U:08d}"


def extra():
    out = []
    for sym, price in (("EURUSD=X", 108_512_345), ("^GSPC", 452_012_000_000), ("BRK.B", 36_150_000_000)):
        o, vol = price, 10**6 * U
        hi = lo = price
        for e in range(min(times) + 1000, max(times) - 3000, 2000):
            price = max(1, price + rng.randint(-price // 500, price // 500))
            hi, lo, vol = max(hi, price), min(lo, price), vol + rng.randint(0, 10**4) * U
            q = vol // U * price // U * U // U
            v = ('{"e":"24hrMiniTicker","E":%d,"s":"%s","c":"%s","o":"%s","h":"%s","l":"%s","v":"%s","q":"%s"}'
                 % (e, sym, fmt(price), fmt(o), fmt(hi), fmt(lo), fmt(vol), fmt(q)))
            out.append((e, f"{zlib.crc32(sym.encode()) % 4}\t{sym}\t{e}\t{v}\n"))
    return sorted(out)


base = ((t, l) for t, l in zip(times, lines))
sys.stdout.writelines(l for _, l in heapq.merge(base, extra(), key=lambda x: x[0]))

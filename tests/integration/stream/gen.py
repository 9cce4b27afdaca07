#!/usr/bin/python3
"""gen.py — deterministic test stream for `tickflow stream`: miniTicker records for N symbols as
lines "partition<TAB>symbol<TAB>E<TAB>json" (partition = crc32(symbol) % P, as a keyed producer
would spread them). Prices follow a random walk with jumps (integer 1e-8 units, so every decimal
is exact); symbols 0-2 are dead (all zero); symbol 3 goes silent for 15 % of the run (stale);
5 % of records arrive out of order within the lateness, 0.5 % arrive minutes late, 0.1 % are
corrupt.  usage: gen.py RECORDS SYMBOLS PARTITIONS SEED"""
import math, random, sys, zlib

n, nsym, parts, seed = (int(a) for a in sys.argv[1:5])
rng = random.Random(seed)
U = 10**8

def fmt(u):
    return f"{u // U}.{u % U:08d}"

syms = [f"S{i:03d}USDT" for i in range(nsym)]
price = [0 if i < 3 else rng.randint(1, 50000) * U // rng.choice([1, 100, 10000]) + 1 for i in range(nsym)]
open24 = list(price)
hi, lo = list(price), list(price)
vol = [0 if i < 3 else rng.randint(1000, 10**6) * U for i in range(nsym)]
last_e = {}
now = 1700000000000 + 7919
out = sys.stdout
for k in range(n):
    s = rng.randrange(nsym)
    if s == 3 and 0.30 * n < k < 0.45 * n:
        s = 4
    now += rng.randint(0, 20)
    r = rng.random()
    e = now
    if r < 0.05:
        e = now - rng.randint(1, 1500)
    elif r < 0.055:
        e = now - rng.randint(5000, 120000)
    while (s, e) in last_e:
        e += 1
    last_e[(s, e)] = 1
    if price[s]:
        step = rng.gauss(0, 0.002)
        if rng.random() < 0.002:
            step += rng.choice([-1, 1]) * rng.uniform(0.05, 0.15)
        price[s] = max(1, int(price[s] * math.exp(step)))
        hi[s], lo[s] = max(hi[s], price[s]), min(lo[s], price[s])
        vol[s] = max(0, vol[s] + rng.randint(0, 1000) * U - (rng.randint(0, 5000) * U if rng.random() < 0.1 else 0))
    q = vol[s] // U * price[s] // U * U // U if price[s] else 0
    if rng.random() < 0.001:
        v = rng.choice(['{"e":"24hrMiniTicker","E":%d,"s":"%s","c":' % (e, syms[s]),
                        '{"e":"24hrMiniTicker","E":%d,"s":"%s","c":12,"o":"1","h":"1","l":"1","v":"1","q":"1"}' % (e, syms[s]),
                        'not json at all'])
    else:
        v = ('{"e":"24hrMiniTicker","E":%d,"s":"%s","c":"%s","o":"%s","h":"%s","l":"%s","v":"%s","q":"%s"}'
             % (e, syms[s], fmt(price[s]), fmt(open24[s]), fmt(hi[s]), fmt(lo[s]), fmt(vol[s]), fmt(q)))
    out.write(f"{zlib.crc32(syms[s].encode()) % parts}\t{syms[s]}\t{e}\t{v}\n")

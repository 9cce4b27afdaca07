#!/usr/bin/python3
"""check_records.py OUTPUT FRAMES_FILE... — checks `tickflow ingest --format record` output against
the frames that were sent (one frame a line in each FRAMES_FILE, e.g. the shared samples).

Expected records are computed here independently of tickflow: every market event of every frame
(array elements; the "data" of a combined-stream wrapper; a single event), in order, with
key = its "s", timestamp = its "E" and value = its exact bytes in the frame (sliced, using the
positions Python's JSON scanner reports). The output must hold exactly these records, each once,
in the same order. Exits 1 with the first difference."""
import json
import sys

dec = json.JSONDecoder()
WS = ' \t\r\n'


def skip_ws(s, i):
    while i < len(s) and s[i] in WS:
        i += 1
    return i


def members(s, i):
    """(key, start, end) for each member of the object starting at s[i]."""
    i = skip_ws(s, i + 1)
    while s[i] != '}':
        key, i = dec.raw_decode(s, i)
        i = skip_ws(s, i)
        assert s[i] == ':'
        start = skip_ws(s, i + 1)
        _, end = dec.raw_decode(s, start)
        yield key, start, end
        i = skip_ws(s, end)
        if s[i] == ',':
            i = skip_ws(s, i + 1)


def events(frame):
    i = skip_ws(frame, 0)
    if frame[i] == '[':
        i = skip_ws(frame, i + 1)
        while frame[i] != ']':
            _, end = dec.raw_decode(frame, i)
            yield frame[i:end]
            i = skip_ws(frame, end)
            if frame[i] == ',':
                i = skip_ws(frame, i + 1)
        return
    for key, start, end in members(frame, i):
        if key == 'data':
            yield from events(frame[start:end])
            return
    yield frame[i:dec.raw_decode(frame, i)[1]]


def main():
    out_path, frame_files = sys.argv[1], sys.argv[2:]
    expected = []
    for path in frame_files:
        with open(path, encoding='utf-8') as f:
            for line in f:
                line = line.rstrip('\n')
                if line:
                    for ev in events(line):
                        obj = json.loads(ev)
                        expected.append((obj['s'], obj['E'], ev))
    got = []
    with open(out_path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            r = json.loads(line)
            got.append((r['key'], r['timestamp'], r['value']))
    for i, (g, e) in enumerate(zip(got, expected)):
        if g != e:
            print(f'record {i + 1} differs:\n  got      {g}\n  expected {e}', file=sys.stderr)
            sys.exit(1)
    if len(got) != len(expected):
        print(f'{len(got)} records, expected {len(expected)}', file=sys.stderr)
        sys.exit(1)
    print(f'{len(got)} records match the frames byte for byte')


main()

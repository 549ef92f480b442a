#!/usr/bin/env python3
"""Handler dispatch profile of a Baton run from a callgrind output file.

    valgrind --tool=callgrind --callgrind-out-file=cg.out \\
        target/release/baton run --dir .::/ benches/interpreters/lua.wasm \\
        benches/interpreters/bench.lua out.txt 1
    benches/interpreters/dispatch-profile.py cg.out [--top N] [--pairs N]

Baton's handlers tail-jump into each other; callgrind records every jump into a
handler as a call. So per handler, callgrind's call count is its number of
dispatches, and the caller -> callee edges between handlers are dispatch pairs.
Prints: instructions and dispatches per handler (self cost, inlined code
included), a summary by kind of handler, and the most frequent pairs.
"""
import argparse
import collections
import re

PREFIX = "baton::exec::ops::"


def parse(path):
    names = {}
    self_cost = collections.Counter()
    calls = collections.Counter()
    pairs = collections.Counter()
    fn = cfn = None
    after_calls = False

    def name(field):
        m = re.match(r"\((\d+)\)(?: (.*))?", field)
        if m.group(2):
            names[m.group(1)] = m.group(2)
        return names[m.group(1)]

    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("fn="):
                fn = name(line[3:])
            elif line.startswith("cfn="):
                cfn = name(line[4:])
            elif line.startswith("calls="):
                n = int(line[6:].split()[0])
                calls[cfn] += n
                pairs[(fn, cfn)] += n
                after_calls = True
            elif line and (line[0].isdigit() or line[0] in "+-*"):
                if after_calls:  # the cost line of a call: inclusive, not self
                    after_calls = False
                    continue
                parts = line.split()
                if len(parts) >= 2:
                    self_cost[fn] += int(parts[1])
    return self_cost, calls, pairs


def short(f):
    f = f.replace("'2", "")
    return f[len(PREFIX):].replace("::handler", "") if f.startswith(PREFIX) else f


def kind(f):
    if not f.startswith(PREFIX):
        return "not a handler (translation, WASI, libc, ...)"
    g = f[len(PREFIX):]
    if g.startswith("pairs::"):
        return "pairs (two plain instructions)"
    if g.startswith("memory::") and "LOAD" in g and "_BR" not in g:
        return "loads"
    if g.startswith("memory::STORE"):
        return "stores"
    if g.startswith("calls::"):
        return "calls / returns"
    if "GLOBAL" in g:
        return "global.get/set"
    if g.startswith("values::COPY") or g.startswith("values::CONST"):
        return "copies / constants"
    if "BR_TABLE" in g:
        return "br_table"
    if g.startswith("control::") or "_BR" in g:
        return "branches"
    if "SELECT" in g:
        return "select"
    return "arithmetic / logic"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--pairs", type=int, default=30)
    a = ap.parse_args()
    self_cost, calls, pairs = parse(a.file)
    total = sum(self_cost.values())
    s, c = collections.Counter(), collections.Counter()
    for f, v in self_cost.items():
        s[short(f)] += v
    for f, v in calls.items():
        c[short(f)] += v
    handlers = {short(f) for f in self_cost if f.startswith(PREFIX)}
    hs = sum(s[f] for f in handlers)
    hc = sum(c[f] for f in handlers)
    print(f"instructions: {total:,}; handlers: {hs:,} ({hs / total:.1%}) in {hc:,} dispatches "
          f"({hs / max(hc, 1):.2f} per dispatch)\n")
    print("| handler | instructions | share | dispatches | per dispatch |\n|---|---:|---:|---:|---:|")
    for f, v in s.most_common(a.top):
        n = c[f] if f in handlers else 0
        per = f"{v / n:.1f}" if n else ""
        print(f"| {f} | {v:,} | {v / total:.2%} | {n:,} | {per} |")
    ks, kc = collections.Counter(), collections.Counter()
    for f, v in self_cost.items():
        ks[kind(f)] += v
    for f, v in calls.items():
        if f.startswith(PREFIX):
            kc[kind(f)] += v
    print("\n| kind | share | dispatches | per dispatch |\n|---|---:|---:|---:|")
    for k, v in ks.most_common():
        n = kc[k]
        print(f"| {k} | {v / total:.1%} | {n / 1e6:.2f}M | {v / n if n else 0:.1f} |")
    hp = collections.Counter()
    for (x, y), n in pairs.items():
        if x.startswith(PREFIX) and y.startswith(PREFIX):
            hp[(short(x), short(y))] += n
    tp = sum(hp.values())
    print(f"\n| dispatch pair | count | share of {tp:,} |\n|---|---:|---:|")
    for (x, y), n in hp.most_common(a.pairs):
        print(f"| {x} → {y} | {n:,} | {n / tp:.2%} |")


if __name__ == "__main__":
    main()

"""Independent models of the gc_list and gc_arrays workloads, in plain Python: the
checksums in workloads.txt come from here, not from an engine.

    python3 benches/workloads/gc_model.py 200 3000   # prints each workload's run(n)
"""
M = (1 << 64) - 1
def rotl(x, k): return ((x << k) | (x >> (64 - k))) & M
def gc_list(n):
    acc = 0
    for i in range(n):
        seed = i + 1
        vals = [(seed * k + 7) & M for k in range(1000)]  # after reverse: order k = 0..999
        f = 0
        for v in vals: f = (f * 31 + v) & M
        acc = (rotl(acc, 5) + f) & M
    return acc
def gc_arrays(n):
    acc = 0
    for it in range(n):
        rows = [[(it + r) & 0xffffffff] * 256 for r in range(16)]
        a = rows[0]
        for i in range(1, 256):
            a[i] = (a[i - 1] + a[i] * i) & 0xffffffff
        for i in range(1, 16):
            b = rows[i]
            b[i:256] = a[0:256 - i]
        for r in range(16):
            for v in rows[r]:
                acc = (acc * 3 + v) & M
    return acc
import sys
for name, f in [("gc_list", gc_list), ("gc_arrays", gc_arrays)]:
    for n in map(int, sys.argv[1:]):
        print(name, n, "0x%016x" % f(n))

# A fixed Python workload for Baton's real-program tests and `compare --real`:
# recursion, classes, dictionaries, string building, sorting, exceptions,
# generators and big integers. It prints one line per part; the output is
# compared with what Wasmtime prints.
import sys

def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

class Shape:
    def area(self):
        raise NotImplementedError

class Rect(Shape):
    def __init__(self, w, h):
        self.w, self.h = w, h
    def area(self):
        return self.w * self.h

class Square(Rect):
    def __init__(self, s):
        super().__init__(s, s)

def parts(rounds):
    out = []
    out.append("fib %d" % fib(18 + rounds))
    shapes = [Square(i % 13) if i % 2 else Rect(i % 7, i % 11) for i in range(2000 * rounds)]
    out.append("areas %d" % sum(s.area() for s in shapes))
    d = {}
    for i in range(20000 * rounds):
        k = "k%d" % (i % 1009)
        d[k] = d.get(k, 0) + i
    out.append("dict %d %d" % (len(d), sum(d.values()) % 1000003))
    words = []
    for i in range(10000 * rounds):
        words.append(str(i * 7919 % 10007))
    text = ",".join(words)
    out.append("text %d %d" % (len(text), text.count("1")))
    xs = sorted((i * 7919) % 10007 for i in range(20000 * rounds))
    out.append("sorted %d %d %d" % (xs[0], xs[len(xs) // 2], xs[-1]))
    errors = 0
    for v in ["12", "x", "0", None] * (500 * rounds):
        try:
            100 // int(v)
        except (ValueError, TypeError, ZeroDivisionError):
            errors += 1
    out.append("errors %d" % errors)
    gen = sum(x * x for x in range(30000 * rounds) if x % 3)
    out.append("gen %d" % gen)
    big = 1
    for i in range(1, 300 * rounds):
        big *= i
    out.append("big %d %d" % (len(str(big)), big % 1000000007))
    return out

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 1
for line in parts(rounds):
    print(line)

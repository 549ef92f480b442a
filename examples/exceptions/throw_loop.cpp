// An exception-heavy workload: in a loop, a value is thrown three frames
// below the handler (through a frame with a destructor to run) and caught.
// Usage: throw_loop.wasm [ITERATIONS] (default 100000); prints a checksum.
// Built by scripts/build-exceptions.sh.
#include <cstdio>
#include <cstdlib>

struct Failure {
    int code;
};

static volatile int destructors = 0;

struct Cleanup {
    ~Cleanup() { destructors = destructors + 1; }
};

__attribute__((noinline)) static int level3(int i) {
    if (i % 2 == 0)
        throw Failure{i & 0xff};
    return i;
}

__attribute__((noinline)) static int level2(int i) {
    Cleanup c;
    return level3(i) * 3;
}

__attribute__((noinline)) static int level1(int i) { return level2(i) + 1; }

int main(int argc, char **argv) {
    long n = argc > 1 ? std::atol(argv[1]) : 100000;
    unsigned long sum = 0;
    long thrown = 0;
    for (long i = 0; i < n; i++) {
        try {
            sum += level1((int)i);
        } catch (const Failure &f) {
            thrown++;
            sum += f.code;
        }
    }
    std::printf("%ld iterations, %ld thrown, %d destructors, checksum %lu\n", n, thrown,
                (int)destructors, sum);
    return 0;
}

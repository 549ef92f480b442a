// C++ exceptions built to wasm32-wasi with Wasm exception handling (exnref):
// throw compiles to the `throw` instruction with the __cpp_exception tag,
// catch clauses to try_table. Built by scripts/build-exceptions.sh; the
// output is compared with Wasmtime's in crates/baton-wasi/tests/exceptions.rs.
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

static int live_guards = 0;

// Destructors must run while an exception unwinds through a frame.
struct Guard {
    const char *name;
    explicit Guard(const char *n) : name(n) { live_guards++; }
    ~Guard() {
        live_guards--;
        std::printf("    ~Guard(%s)\n", name);
    }
};

struct ParseError : std::runtime_error {
    int column;
    ParseError(const std::string &what, int col) : std::runtime_error(what), column(col) {}
};

struct Overflow : std::exception {
    const char *what() const noexcept override { return "overflow"; }
};

static int parse_digit(const char *s, int i) {
    if (s[i] < '0' || s[i] > '9')
        throw ParseError(std::string("not a digit: '") + s[i] + "'", i + 1);
    return s[i] - '0';
}

static int parse_number(const char *s) {
    Guard g("parse_number");
    int v = 0;
    for (int i = 0; s[i]; i++) {
        v = v * 10 + parse_digit(s, i);
        if (v > 9999)
            throw Overflow();
    }
    return v;
}

static void report(const char *s) {
    try {
        std::printf("  parse(\"%s\")\n", s);
        int v = parse_number(s);
        std::printf("  = %d\n", v);
    } catch (const ParseError &e) {
        std::printf("  ParseError at column %d: %s\n", e.column, e.what());
    } catch (const std::exception &e) {
        std::printf("  std::exception: %s\n", e.what());
    }
}

// Rethrow: an inner handler logs and passes the exception on.
static void rethrower(int kind) {
    Guard g("rethrower");
    try {
        switch (kind) {
        case 0: throw 42;
        case 1: throw std::string("a string");
        case 2: throw std::logic_error("logic");
        default: throw 3.5;
        }
    } catch (...) {
        std::printf("    rethrower: caught something, rethrowing\n");
        throw;
    }
}

static void classify(int kind) {
    try {
        rethrower(kind);
    } catch (int i) {
        std::printf("  int %d\n", i);
    } catch (const std::string &s) {
        std::printf("  std::string \"%s\"\n", s.c_str());
    } catch (const std::exception &e) {
        std::printf("  std::exception \"%s\"\n", e.what());
    } catch (...) {
        std::printf("  something else\n");
    }
}

// Exceptions thrown through several frames in a loop.
static int depth_thrower(int depth, int value) {
    if (depth == 0) {
        if (value % 4 == 0)
            throw value;
        return value;
    }
    return depth_thrower(depth - 1, value) + 1;
}

// A catch handler that throws a different exception.
static void translate() {
    try {
        try {
            throw std::out_of_range("index 7");
        } catch (const std::out_of_range &e) {
            throw std::runtime_error(std::string("translated: ") + e.what());
        }
    } catch (const std::runtime_error &e) {
        std::printf("  %s\n", e.what());
    }
}

// noexcept(false) destructor ordering with function-try-block.
struct Widget {
    int id;
    explicit Widget(int i) try : id(i) {
        if (i < 0)
            throw std::invalid_argument("negative id");
    } catch (const std::invalid_argument &) {
        std::printf("  Widget(%d) constructor failed\n", i);
        // rethrown automatically at the end of a constructor's handler
    }
};

int main() {
    std::puts("parse:");
    report("1234");
    report("12a4");
    report("123456");
    report("");

    std::puts("rethrow:");
    for (int k = 0; k < 4; k++)
        classify(k);

    std::puts("translate:");
    translate();

    std::puts("constructor:");
    try {
        Widget w(-1);
        std::printf("  unreachable %d\n", w.id);
    } catch (const std::exception &e) {
        std::printf("  caught from constructor: %s\n", e.what());
    }

    std::puts("loop:");
    long sum = 0;
    int caught = 0;
    for (int i = 0; i < 1000; i++) {
        try {
            sum += depth_thrower(5, i);
        } catch (int v) {
            caught++;
            sum -= v;
        }
    }
    std::printf("  caught %d, sum %ld\n", caught, sum);
    std::printf("live guards: %d\n", live_guards);
    return 0;
}

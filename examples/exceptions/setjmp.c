/* setjmp/longjmp as C programs use them for error handling, built to
 * wasm32-wasi with Wasm exception handling (exnref): clang lowers setjmp
 * and longjmp to calls into the __wasm_setjmp runtime, and longjmp throws
 * the __c_longjmp tag. Built by scripts/build-exceptions.sh; the output is
 * compared with Wasmtime's in crates/baton-wasi/tests/exceptions.rs. */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

/* 1. A recursive-descent calculator that longjmps out of any depth on a
 *    syntax error or a division by zero. */
static jmp_buf parse_error;
static const char *input;
static const char *error_message;

static void fail(const char *message) {
    error_message = message;
    longjmp(parse_error, 1);
}

static long expr(void);

static void skip_spaces(void) {
    while (*input == ' ')
        input++;
}

static long primary(void) {
    skip_spaces();
    if (*input == '(') {
        input++;
        long v = expr();
        skip_spaces();
        if (*input != ')')
            fail("expected ')'");
        input++;
        return v;
    }
    if (*input == '-') {
        input++;
        return -primary();
    }
    if (*input < '0' || *input > '9')
        fail("expected a number");
    long v = 0;
    while (*input >= '0' && *input <= '9')
        v = v * 10 + (*input++ - '0');
    return v;
}

static long term(void) {
    long v = primary();
    for (;;) {
        skip_spaces();
        char op = *input;
        if (op != '*' && op != '/' && op != '%')
            return v;
        input++;
        long r = primary();
        if (op != '*' && r == 0)
            fail("division by zero");
        v = op == '*' ? v * r : op == '/' ? v / r : v % r;
    }
}

static long expr(void) {
    long v = term();
    for (;;) {
        skip_spaces();
        char op = *input;
        if (op != '+' && op != '-')
            return v;
        input++;
        long r = term();
        v = op == '+' ? v + r : v - r;
    }
}

static void calculate(const char *text) {
    input = text;
    if (setjmp(parse_error) == 0) {
        long v = expr();
        skip_spaces();
        if (*input != '\0')
            fail("trailing input");
        printf("%-24s = %ld\n", text, v);
    } else {
        printf("%-24s : error at column %d: %s\n", text, (int)(input - text) + 1,
               error_message);
    }
}

/* 2. longjmp(env, 0) makes setjmp return 1. */
static jmp_buf zero_env;
static void jump_with_zero(void) { longjmp(zero_env, 0); }

/* 3. Nested setjmp points: an inner handler that passes errors on. */
static jmp_buf outer_env, inner_env;

static void deep(int depth, int code) {
    if (depth == 0)
        longjmp(code < 0 ? outer_env : inner_env, code < 0 ? -code : code);
    deep(depth - 1, code);
}

static int inner(int code) {
    int caught = setjmp(inner_env);
    if (caught == 0) {
        deep(10, code);
        return 0;
    }
    printf("  inner caught %d\n", caught);
    if (caught >= 100)
        longjmp(outer_env, caught + 1); /* pass it on */
    return caught;
}

static void nested(int code) {
    volatile int stage = 0;
    int caught = setjmp(outer_env);
    if (caught == 0) {
        stage = 1;
        int r = inner(code);
        printf("  nested(%d): inner returned %d\n", code, r);
    } else {
        printf("  nested(%d): outer caught %d at stage %d\n", code, caught, stage);
    }
}

/* 4. Many jumps in a loop: locals that live across setjmp must be volatile. */
static jmp_buf loop_env;
static void bump(int i) {
    if (i % 3 == 0)
        longjmp(loop_env, i);
}

int main(void) {
    puts("calculator:");
    calculate("1 + 2 * 3");
    calculate("(1 + 2) * 3 - -4");
    calculate("100 / (5 - 5)");
    calculate("2 * (3 + 4");
    calculate("7 % 4 + 12 / 5");
    calculate("8 + x");
    calculate("((((((42))))))");
    calculate("1 2");

    puts("longjmp with 0:");
    if (setjmp(zero_env) == 0)
        jump_with_zero();
    else
        puts("  setjmp returned nonzero after longjmp(env, 0)");

    puts("nested:");
    nested(7);
    nested(-5);
    nested(100);

    puts("loop:");
    volatile int jumps = 0;
    volatile long sum = 0;
    for (volatile int i = 1; i <= 1000; i++) {
        int v = setjmp(loop_env);
        if (v == 0) {
            bump(i);
            sum += 1;
        } else {
            jumps++;
            sum += v;
        }
    }
    printf("  %d jumps, sum %ld\n", (int)jumps, (long)sum);
    return 0;
}

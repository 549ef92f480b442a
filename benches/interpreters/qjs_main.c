/*
 * Driver for quickjs.wasm (QuickJS 2021-03-27 built for wasm32-wasi).
 *
 *   quickjs.wasm SCRIPT OUT [ARGS...]
 *
 * Evaluates SCRIPT as a global script with ARGS in the global array `scriptArgs`, and
 * writes the script's completion value (its last expression statement) converted to a
 * string, plus a newline, to the file OUT and to stdout. Only the core engine
 * (quickjs.c, libregexp, libunicode, cutils) is used: no quickjs-libc (no std/os
 * modules, no print). An uncaught exception is printed to stderr, exit status 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quickjs.h"

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (n < cap)
            break;
        cap *= 2;
        buf = realloc(buf, cap + 1);
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static void print_exception(JSContext *ctx) {
    JSValue e = JS_GetException(ctx);
    const char *s = JS_ToCString(ctx, e);
    fprintf(stderr, "js: uncaught: %s\n", s ? s : "(unprintable)");
    if (JS_IsError(ctx, e)) {
        JSValue st = JS_GetPropertyStr(ctx, e, "stack");
        const char *t = JS_ToCString(ctx, st);
        if (t)
            fprintf(stderr, "%s\n", t);
        JS_FreeCString(ctx, t);
        JS_FreeValue(ctx, st);
    }
    JS_FreeCString(ctx, s);
    JS_FreeValue(ctx, e);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: quickjs.wasm SCRIPT OUT [ARGS...]\n");
        return 2;
    }
    size_t len;
    char *src = read_file(argv[1], &len);
    if (src == NULL) {
        perror(argv[1]);
        return 1;
    }
    JSRuntime *rt = JS_NewRuntime();
    JSContext *ctx = JS_NewContext(rt);
    JSValue global = JS_GetGlobalObject(ctx);
    JSValue args = JS_NewArray(ctx);
    for (int i = 3; i < argc; i++)
        JS_SetPropertyUint32(ctx, args, i - 3, JS_NewString(ctx, argv[i]));
    JS_SetPropertyStr(ctx, global, "scriptArgs", args);
    JS_FreeValue(ctx, global);

    JSValue r = JS_Eval(ctx, src, len, argv[1], JS_EVAL_TYPE_GLOBAL);
    if (JS_IsException(r)) {
        print_exception(ctx);
        return 1;
    }
    size_t n;
    const char *s = JS_ToCStringLen(ctx, &n, r);
    if (s == NULL) {
        print_exception(ctx);
        return 1;
    }
    FILE *f = fopen(argv[2], "wb");
    if (f == NULL) {
        perror(argv[2]);
        return 1;
    }
    fwrite(s, 1, n, f);
    fputc('\n', f);
    fclose(f);
    fwrite(s, 1, n, stdout);
    fputc('\n', stdout);
    JS_FreeCString(ctx, s);
    JS_FreeValue(ctx, r);
    JS_FreeContext(ctx);
    JS_FreeRuntime(rt);
    free(src);
    return 0;
}

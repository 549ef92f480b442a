/*
 * Driver for lua.wasm (Lua 5.4 built for wasm32-wasi, see lua_wasi.h and
 * scripts/build-interpreters.sh).
 *
 *   lua.wasm SCRIPT OUT [ARGS...]
 *
 * Loads SCRIPT, calls it with ARGS as string arguments (`...`), and writes the string it
 * returns, plus a newline, to the file OUT and to stdout. Opens only the base, table,
 * string, math and utf8 libraries (no io/os/package/debug/coroutine: the script does
 * its I/O through its return value; the coroutine library is left out so the set of
 * libraries stays what the benchmark was recorded with). The script runs unprotected
 * (lua_call): an error no pcall catches reaches Lua's panic handler, which prints it
 * and aborts (a Wasm trap).
 */
#include <stdio.h>
#include <stdlib.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

static const luaL_Reg libs[] = {
    {LUA_GNAME, luaopen_base},
    {LUA_TABLIBNAME, luaopen_table},
    {LUA_STRLIBNAME, luaopen_string},
    {LUA_MATHLIBNAME, luaopen_math},
    {LUA_UTF8LIBNAME, luaopen_utf8},
    {NULL, NULL},
};

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: lua.wasm SCRIPT OUT [ARGS...]\n");
        return 2;
    }
    lua_State *L = luaL_newstate();
    if (L == NULL) {
        fprintf(stderr, "lua: cannot create state\n");
        return 1;
    }
    for (const luaL_Reg *lib = libs; lib->func; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }
    if (luaL_loadfile(L, argv[1]) != LUA_OK) {
        fprintf(stderr, "lua: %s\n", lua_tostring(L, -1));
        return 1;
    }
    for (int i = 3; i < argc; i++)
        lua_pushstring(L, argv[i]);
    lua_call(L, argc - 3, 1);
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    if (s == NULL) {
        fprintf(stderr, "lua: the script must return a string\n");
        return 1;
    }
    FILE *f = fopen(argv[2], "wb");
    if (f == NULL) {
        perror(argv[2]);
        return 1;
    }
    fwrite(s, 1, len, f);
    fputc('\n', f);
    fclose(f);
    fwrite(s, 1, len, stdout);
    fputc('\n', stdout);
    lua_close(L);
    return 0;
}

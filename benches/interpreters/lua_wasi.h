/*
 * Force-included (-include) into every Lua 5.4 source file when building lua.wasm for
 * wasm32-wasi (scripts/build-interpreters.sh). Lua's C sources are used unmodified.
 *
 * Lua raises errors with longjmp (ldo.c: LUAI_THROW / LUAI_TRY). wasm32-wasi has no
 * setjmp/longjmp without the exception-handling proposal, which this build does not use
 * (plain WASI preview 1, Wasm 2.0 features only). So:
 *   - LUAI_TRY runs its block directly (no recovery point);
 *   - LUAI_THROW calls lua_wasi_throw (lua_main.c), which prints the error object and
 *     calls abort() (a Wasm `unreachable` trap).
 * Consequences: any Lua error ends the program (pcall/error/xpcall cannot recover), and
 * coroutine.yield from a Lua function (which throws LUA_YIELD) cannot work, so the
 * coroutine library is not opened. The benchmark script uses neither.
 *
 * wasi-libc's <setjmp.h> stops the build with #error unless exception handling is on;
 * ldo.c includes it unconditionally, so its include guard is defined here and the
 * header is skipped (nothing from it is used once LUAI_THROW/LUAI_TRY are redefined).
 *
 * l_signalT: lstate.h would include <signal.h> (which wasi-libc refuses without signal
 * emulation) only for sig_atomic_t; nothing here uses signals, so a plain int.
 *
 * luai_makeseed: Lua 5.4 seeds its string hashes from the address of a local and
 * time(NULL); a constant seed makes every run hash (and iterate tables) identically.
 * l_randomizePivot: table.sort mixes clock() and time() into its pivot choice on large
 * unbalanced partitions; a constant keeps every run's work identical.
 */
#ifndef LUA_WASI_H
#define LUA_WASI_H

#define _SETJMP_H 1

struct lua_State;
void lua_wasi_throw(struct lua_State *L, int status) __attribute__((noreturn));

#define LUAI_THROW(L, c) lua_wasi_throw(L, (c)->status)
#define LUAI_TRY(L, c, a) { a }
#define luai_jmpbuf int

#define l_signalT int

#define luai_makeseed(L) ((void)(L), (unsigned int)0x9e3779b9u)

#define l_randomizePivot() (0x2545f491u)

#endif

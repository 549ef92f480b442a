/*
 * Force-included (-include) into every Lua 5.4 source file when building lua.wasm for
 * wasm32-wasi (scripts/build-interpreters.sh). Lua's C sources are used unmodified.
 *
 * Errors use Lua's own LUAI_THROW/LUAI_TRY (ldo.c: setjmp/longjmp), which clang lowers
 * to Wasm exception handling (exnref form, -mllvm -wasm-enable-sjlj), so error, pcall,
 * xpcall and coroutine.yield work. Nothing about them is redefined here.
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

#define l_signalT int

#define luai_makeseed(L) ((void)(L), (unsigned int)0x9e3779b9u)

#define l_randomizePivot() (0x2545f491u)

#endif

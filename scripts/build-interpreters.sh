#!/usr/bin/env bash
# Builds two interpreters for wasm32-wasi (WASI preview 1, no SIMD) from the C sources
# shipped in PyPI source distributions, with zig cc:
#   lua.wasm      Lua 5.4.8  from the sdist of `lupa`    (third-party/lua54/)
#   quickjs.wasm  QuickJS 2021-03-27 from the sdist of `quickjs` (upstream-quickjs/)
# Each is linked with a small driver (benches/interpreters/{lua,qjs}_main.c):
#   lua.wasm SCRIPT OUT [ARGS...]      quickjs.wasm SCRIPT OUT [ARGS...]
# which runs SCRIPT and writes its result string to OUT (and stdout).
# Lua raises errors with setjmp/longjmp (its own LUAI_THROW/LUAI_TRY), which clang lowers
# to Wasm exception handling in its standard (exnref) form (-mllvm -wasm-enable-sjlj, as in
# scripts/build-exceptions.sh; examples/exceptions/c_longjmp_tag.s supplies the
# __c_longjmp tag zig's wasi-libc lacks). QuickJS needs no exception handling.
#
# Output: benches/interpreters/{lua,quickjs}.wasm (committed) and a copy in
# target/real-programs/ (override with REAL_PROGRAMS_DIR), where `compare --real` looks.
# Needs: python3 with pip (PyPI), and zig (`pip install ziglang`, run as
# `python3 -m ziglang cc`; ZIG_CC overrides). Versions are pinned; the build is
# deterministic for a given zig version (recorded in benches/interpreters/README.md).
set -euo pipefail

LUPA_VERSION=2.8
QUICKJS_VERSION=1.19.4

root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/benches/interpreters"
dest="${REAL_PROGRAMS_DIR:-$root/target/real-programs}"
mkdir -p "$dest"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
read -r -a cc <<< "${ZIG_CC:-python3 -m ziglang cc}"

# Plain WASI preview 1: -mcpu=generic is LLVM's default Wasm feature set (sign-ext,
# mutable-globals, nontrapping-fptoint, bulk-memory, multivalue, reference-types);
# no SIMD. Lua adds exception handling (exnref form) for setjmp/longjmp; QuickJS has
# none. 8 MiB shadow stack (QuickJS recurses in C per JS call).
# zig cc emits DWARF; it is dropped after linking (strip_debug below), keeping the name
# section, which profilers and `baton inspect --disassemble luaV_execute` use (wasm-ld's
# --strip-debug would drop the names too; -g0 changes clang's code).
common=(--target=wasm32-wasi -mcpu=generic -O2 -fno-exceptions -Wl,-z,stack-size=8388608)
lua_sjlj=(-mcpu=generic+exception_handling -mllvm -wasm-enable-sjlj
          -mllvm -wasm-use-legacy-eh=false)

# Copies a module without its .debug_* custom sections.
strip_debug() {
    python3 - "$1" "$2" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
out, i = bytearray(b[:8]), 8
def leb(i):
    r = s = 0
    while True:
        x = b[i]; i += 1; r |= (x & 0x7F) << s; s += 7
        if x < 0x80:
            return r, i
while i < len(b):
    start = i
    sid = b[i]
    n, j = leb(i + 1)
    end = j + n
    keep = True
    if sid == 0:
        ln, k = leb(j)
        keep = not b[k:k + ln].startswith(b".debug")
    if keep:
        out += b[start:end]
    i = end
open(sys.argv[2], "wb").write(out)
PY
}

echo "fetching lupa $LUPA_VERSION and quickjs $QUICKJS_VERSION sdists from PyPI"
python3 -m pip download --quiet --no-deps --no-binary :all: -d "$work" \
    "lupa==$LUPA_VERSION" "quickjs==$QUICKJS_VERSION"
tar -xzf "$work/lupa-$LUPA_VERSION.tar.gz" -C "$work"
tar -xzf "$work/quickjs-$QUICKJS_VERSION.tar.gz" -C "$work"

# ---- Lua 5.4: the core and the base/table/string/math/utf8 libraries (no io, os,
# package, debug, coroutine: see lua_main.c). Lua's own makefile uses -O2.
lua="$work/lupa-$LUPA_VERSION/third-party/lua54"
lua_srcs=()
for f in lapi lcode lctype ldebug ldo ldump lfunc lgc llex lmem lobject lopcodes lparser \
         lstate lstring ltable ltm lundump lvm lzio \
         lauxlib lbaselib lmathlib lstrlib ltablib lutf8lib; do
    lua_srcs+=("$lua/$f.c")
done
echo "building lua.wasm"
"${cc[@]}" "${common[@]}" "${lua_sjlj[@]}" -std=gnu99 -DLUA_COMPAT_5_3 \
    -include "$src/lua_wasi.h" -I"$lua" "${lua_srcs[@]}" "$src/lua_main.c" \
    "$root/examples/exceptions/c_longjmp_tag.s" -lm -o "$work/lua.wasm"

# ---- QuickJS: the core engine without quickjs-libc (not in the sdist) and without
# bignum. EMSCRIPTEN selects QuickJS's own configuration for a Wasm target: no Atomics
# (no threads), no native stack check, switch dispatch instead of computed goto,
# malloc_usable_size not used. Wasm has only round-to-nearest, so wasi-libc's <fenv.h>
# lacks FE_DOWNWARD/FE_UPWARD, which QuickJS names only to round exact ties away from zero
# in Number.prototype.toFixed/toPrecision: given (x86's) values here, fesetround refuses
# them and such ties round to even instead (the benchmark script does not use either).
qjs="$work/quickjs-$QUICKJS_VERSION/upstream-quickjs"
echo "building quickjs.wasm"
"${cc[@]}" "${common[@]}" -std=gnu99 -DEMSCRIPTEN -D_GNU_SOURCE \
    -DCONFIG_VERSION="\"$(cat "$qjs/VERSION")\"" \
    -DFE_DOWNWARD=0x400 -DFE_UPWARD=0x800 -Wno-everything \
    -I"$qjs" "$qjs/quickjs.c" "$qjs/libregexp.c" "$qjs/libunicode.c" "$qjs/cutils.c" \
    "$src/qjs_main.c" -lm -o "$work/quickjs.wasm"

for w in lua quickjs; do
    strip_debug "$work/$w.wasm" "$src/$w.wasm"
    cp "$src/$w.wasm" "$dest/$w.wasm"
done
ls -l "$src"/*.wasm
sha256sum "$src"/*.wasm

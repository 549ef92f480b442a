#!/usr/bin/env bash
# Builds the exception-handling example programs in examples/exceptions/ for
# wasm32-wasi (WASI preview 1) with Wasm exception handling in its standard
# (exnref) form: try_table, throw, throw_ref, exnref.
#   setjmp.wasm  C, setjmp/longjmp (clang's -wasm-enable-sjlj lowering)
#   throw.wasm   C++, throw/catch/rethrow/destructors while unwinding
#   throw_loop.wasm  C++, a throw caught three frames up, in a loop
#                    (an exception-heavy workload: `throw_loop.wasm N`)
# The .wasm files are committed next to the sources, so the tests
# (crates/baton-wasi/tests/exceptions.rs) need no toolchain.
#
# Toolchain: zig 0.17.0 from PyPI (`pip install ziglang==0.17.0`, run as
# `python3 -m ziglang cc`; ZIG overrides). Its clang emits exnref code with
#   -mcpu=generic+exception_handling -mllvm -wasm-use-legacy-eh=false
# (and -fwasm-exceptions for C++, -mllvm -wasm-enable-sjlj for setjmp), but
# zig's bundled runtime lacks pieces, supplied here:
#   - the __c_longjmp tag: zig's wasi-libc has the setjmp runtime
#     (__wasm_setjmp/__wasm_setjmp_test/__wasm_longjmp, rt.c) but not the tag
#     it throws: examples/exceptions/c_longjmp_tag.s defines it;
#   - C++ exceptions: zig builds libc++abi for wasm without exceptions
#     (cxa_noexception.cpp, no __cxa_throw) and no libunwind, and its link
#     step cannot be told to leave its libc++abi.a out. So the C++ programs
#     are linked with `zig cc` (no libc++) against libc++abi, libunwind's
#     Unwind-wasm.c and the two libc++ sources they need (string.cpp,
#     stdexcept.cpp), compiled here from the sources zig ships, with
#     exceptions on; examples/exceptions/cpp_exception_tag.s defines the
#     __cpp_exception tag.
# The build is deterministic for a given zig version.
set -euo pipefail

ZIG_VERSION=0.17.0

root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/examples/exceptions"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ -z "${ZIG:-}" ] && ! python3 -c "import ziglang" 2>/dev/null; then
    python3 -m pip install --quiet "ziglang==$ZIG_VERSION"
fi
read -r -a zig <<< "${ZIG:-python3 -m ziglang}"
zig_lib="$("${zig[@]}" env | sed -n 's/^ *\.lib_dir = "\(.*\)",$/\1/p')"
echo "zig $("${zig[@]}" version), lib $zig_lib"

# -s: no DWARF and no name section, to keep the committed files small.
eh=(-target wasm32-wasi -mcpu=generic+exception_handling -O2
    -mllvm -wasm-use-legacy-eh=false)
cxx=("${eh[@]}" -fwasm-exceptions -std=c++23)

# C: setjmp/longjmp.
"${zig[@]}" cc "${eh[@]}" -mllvm -wasm-enable-sjlj -s \
    "$src/setjmp.c" "$src/c_longjmp_tag.s" -o "$src/setjmp.wasm"

# C++ runtime with exceptions: libc++abi + libunwind (wasm) + two libc++ files.
mkdir -p "$work/rt"
for f in abort_message cxa_aux_runtime cxa_default_handlers cxa_exception \
    cxa_exception_storage cxa_guard cxa_handlers cxa_personality cxa_vector \
    cxa_virtual fallback_malloc private_typeinfo stdlib_exception \
    stdlib_stdexcept stdlib_typeinfo stdlib_new_delete; do
    "${zig[@]}" c++ "${cxx[@]}" -c "$zig_lib/libcxxabi/src/$f.cpp" \
        -I"$zig_lib/libcxxabi/include" -I"$zig_lib/libcxx/src" \
        -D_LIBCXXABI_BUILDING_LIBRARY -D_LIBCPP_BUILDING_LIBRARY \
        -D_LIBCXXABI_HAS_NO_THREADS -DLIBCXXABI_NON_DEMANGLING_TERMINATE \
        -o "$work/rt/abi_$f.o"
done
for f in string stdexcept verbose_abort; do
    "${zig[@]}" c++ "${cxx[@]}" -c "$zig_lib/libcxx/src/$f.cpp" \
        -I"$zig_lib/libcxx/src" -D_LIBCPP_BUILDING_LIBRARY -DLIBCXX_BUILDING_LIBCXXABI \
        -o "$work/rt/cxx_$f.o"
done
"${zig[@]}" cc "${eh[@]}" -fwasm-exceptions -Wno-c23-extensions -c "$zig_lib/libunwind/src/Unwind-wasm.c" \
    -I"$zig_lib/libunwind/include" -D_LIBUNWIND_IS_NATIVE_ONLY -D_LIBUNWIND_HIDE_SYMBOLS \
    -o "$work/rt/unwind_wasm.o"

# C++ programs: compiled with zig's libc++ headers, linked by `zig cc`.
for prog in throw throw_loop; do
    "${zig[@]}" c++ "${cxx[@]}" -c "$src/$prog.cpp" -o "$work/$prog.o"
    "${zig[@]}" cc "${eh[@]}" -s "$work/$prog.o" "$work"/rt/*.o \
        "$src/cpp_exception_tag.s" -o "$src/$prog.wasm"
done

ls -l "$src"/*.wasm

#!/usr/bin/env bash
# Rebuilds every benchmark workload's .wasm next to its source.
#
#   *.wat -> *.wasm  with the tiny standalone `wat2wasm` crate in ./wat2wasm
#   *.c   -> *.wasm  with zig's clang from PyPI (`pip install ziglang`),
#                    freestanding wasm32, no imports, exporting `run`.
#
# The C programs are built with -mcpu=mvp (pure Wasm 1.0: no bulk memory,
# sign-extension or saturating conversions) so that every peer engine in
# compare/ (including wasm3, which lacks bulk memory) can run them. The
# simd_c_*.c programs add -msimd128 (and only that); see below.
#
# Usage: benches/workloads/build.sh   (from anywhere)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-bench}"
export ZIG_GLOBAL_CACHE_DIR="${ZIG_GLOBAL_CACHE_DIR:-/work/zig-cache}"

cargo build --release --quiet --manifest-path wat2wasm/Cargo.toml
wat2wasm="$CARGO_TARGET_DIR/release/wat2wasm"

for wat in *.wat; do
    "$wat2wasm" "$wat" "${wat%.wat}.wasm"
    echo "built ${wat%.wat}.wasm"
done

if ! python3 -m ziglang version >/dev/null 2>&1; then
    echo "error: ziglang not found; run: pip install ziglang" >&2
    exit 1
fi
# zig_cc OUT.wasm SOURCE.c FLAGS...: one freestanding wasm32 build exporting `run`.
# -s: no debug sections, so the committed binaries stay small and stable.
zig_cc() {
    local out="$1" src="$2"
    shift 2
    python3 -m ziglang cc --target=wasm32-freestanding "$@" -s \
        -nostdlib -Wl,--no-entry -Wl,--export=run \
        -o "$out" "$src"
    chmod 644 "$out" # wasm-ld marks its output executable
    echo "built $out"
}
for c in *.c; do
    case "$c" in
    simd_c_*.c)
        # SIMD from C: -mcpu=mvp plus the single feature simd128, so nothing
        # but SIMD separates these from the Wasm 1.0 builds (the `generic` CPU
        # would also turn on bulk memory, sign extension, non-trapping
        # float-to-int and more, and the SIMD/scalar ratio would measure
        # those too). -O3 runs clang's loop and SLP vectorisers.
        zig_cc "${c%.c}.wasm" "$c" -mcpu=mvp -msimd128 -O3
        ;;
    *)
        zig_cc "${c%.c}.wasm" "$c" -mcpu=mvp -O2
        ;;
    esac
done
# The scalar twin of simd_c_auto: the same source and flags without -msimd128
# (not named simd_*, so engines without SIMD run it too).
zig_cc c_auto_scalar.wasm simd_c_auto.c -mcpu=mvp -O3

#!/usr/bin/env bash
# Rebuilds every benchmark workload's .wasm next to its source.
#
#   *.wat -> *.wasm  with the tiny standalone `wat2wasm` crate in ./wat2wasm
#   *.c   -> *.wasm  with zig's clang from PyPI (`pip install ziglang`),
#                    freestanding wasm32, no imports, exporting `run`.
#
# The C programs are built with -mcpu=mvp (pure Wasm 1.0: no bulk memory,
# sign-extension or saturating conversions) so that every peer engine in
# compare/ (including wasm3, which lacks bulk memory) can run them.
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
for c in *.c; do
    # -s: no debug sections, so the committed binaries stay small and stable.
    python3 -m ziglang cc --target=wasm32-freestanding -mcpu=mvp -O2 -s \
        -nostdlib -Wl,--no-entry -Wl,--export=run \
        -o "${c%.c}.wasm" "$c"
    chmod 644 "${c%.c}.wasm" # wasm-ld marks its output executable
    echo "built ${c%.c}.wasm"
done

#!/usr/bin/env bash
# Rebuilds the test programs' .wasm files from their C sources.
# Needs zig from PyPI: `pip install ziglang`. Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")"
export ZIG_GLOBAL_CACHE_DIR="${ZIG_GLOBAL_CACHE_DIR:-${TMPDIR:-/tmp}/zig-cache}"
for c in *.c; do
    echo "building ${c%.c}.wasm"
    python3 -m ziglang cc --target=wasm32-wasi -O2 -s "$c" -o "${c%.c}.wasm"
done

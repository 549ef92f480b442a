#!/usr/bin/env bash
# Deterministic instruction counts of every benchmark workload on Baton
# (small inputs), measured with callgrind. Prints a markdown table.
#
# Usage: benches/icount.sh [WORKLOAD...]        (default: all)
# Env:   CARGO_TARGET_DIR (default: target), CARGO_TOOLCHAIN (e.g. +nightly),
#        FEATURES (e.g. baton/tail-call, passed to cargo --features)
#
# Counts cover the whole process (read + compile + instantiate + one
# run(small_n) call); the same binary and input always give the same count,
# whatever the machine load, so these are the numbers to guard in CI.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
command -v valgrind >/dev/null || { echo "error: valgrind not installed" >&2; exit 1; }

cargo ${CARGO_TOOLCHAIN:-} build --release --quiet --manifest-path "$root/Cargo.toml" -p baton-bench --bin workload \
    ${FEATURES:+--features "$FEATURES"}
# A private copy: a concurrent build in the same target directory must not
# swap the binary mid-measurement.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp "$target/release/workload" "$tmp/workload"
bin="$tmp/workload"

if [ $# -gt 0 ]; then
    names=("$@")
else
    mapfile -t names < <("$bin" --list | awk '{print $1}')
fi

echo "| workload | instructions |"
echo "|---|---:|"
for name in "${names[@]}"; do
    out="$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$name" small 2>&1)" || {
        echo "| $name | FAILED |"
        echo "$out" | grep -v '^==' >&2
        continue
    }
    count="$(echo "$out" | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')"
    echo "| $name | $count |"
done

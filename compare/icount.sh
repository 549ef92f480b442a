#!/usr/bin/env bash
# Instructions per `run(small_n)` call for every engine and workload, counted
# with callgrind: a load-independent companion to the wall-clock table (the
# shared 2-core machines are rarely idle). Instructions are not time (IPC and
# branch mispredictions differ between engines), but they do not move with
# machine load.
#
# Each count is callgrind(--samples 2) - callgrind(--samples 1) of the same
# binary: exactly one call, without compilation or instantiation.
#
# Usage: compare/icount.sh [--features wasm3] [-- ENGINE,ENGINE]
# Env:   CARGO_TARGET_DIR (default: compare/target)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="${CARGO_TARGET_DIR:-$here/target}"
features=()
engines="Baton,wasmi,stitch,Pulley,Cranelift"
while [ $# -gt 0 ]; do
    case "$1" in
        --features) features=(--features "$2"); [[ "$2" == *wasm3* ]] && engines="$engines,wasm3"; shift 2 ;;
        --) engines="$2"; shift 2 ;;
        *) echo "usage: $0 [--features wasm3] [-- ENGINE,ENGINE]" >&2; exit 2 ;;
    esac
done
command -v valgrind >/dev/null || { echo "error: valgrind not installed" >&2; exit 1; }
cargo build --release --quiet --manifest-path "$here/Cargo.toml" "${features[@]}"
# Work on a private copy: a concurrent `cargo run` with other features in the
# same target directory would otherwise swap the binary mid-measurement.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp "$target/release/baton-compare" "$tmp/baton-compare"
bin="$tmp/baton-compare"
workloads=$(awk '!/^#/ && NF == 5 {print $1}' "$here/../benches/workloads/workloads.txt")

count() { # engine workload samples
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" --quick \
        --engines "$1" --filter "$2" --samples "$3" 2>&1 >/dev/null |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

IFS=, read -r -a engine_list <<< "$engines"
printf '| workload |'; for e in "${engine_list[@]}"; do printf ' %s |' "$e"; done; echo
printf '|---|'; for _ in "${engine_list[@]}"; do printf -- '---:|'; done; echo
declare -A logsum
for w in $workloads; do
    printf '| %s |' "$w"
    base=""
    for e in "${engine_list[@]}"; do
        one=$(count "$e" "$w" 1); two=$(count "$e" "$w" 2)
        per=$((two - one))
        [ -z "$base" ] && base=$per
        ratio=$(awk -v a="$per" -v b="$base" 'BEGIN { printf "%.2f", a / b }')
        logsum[$e]=$(awk -v s="${logsum[$e]:-0}" -v r="$ratio" 'BEGIN { printf "%.6f", s + log(r) }')
        printf ' %.1fM (%sx) |' "$(awk -v p="$per" 'BEGIN { print p / 1e6 }')" "$ratio"
    done
    echo
done
n=$(echo "$workloads" | wc -w)
printf '| **geomean vs %s** |' "${engine_list[0]}"
for e in "${engine_list[@]}"; do
    printf ' **%sx** |' "$(awk -v s="${logsum[$e]}" -v n="$n" 'BEGIN { printf "%.2f", exp(s / n) }')"
done
echo

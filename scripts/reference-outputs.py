#!/usr/bin/env python3
"""Regenerates the reference outputs of baton-wasi's real-program tests.

Runs resvg.wasm and flite.wasm (fetched by scripts/fetch-real-programs.sh)
under wasmtime (PyPI package `wasmtime`) on the inputs in
crates/baton-wasi/tests/data/, and prints the exit code and the sha256 of
each output file. Paste the checksums into
crates/baton-wasi/tests/real_programs.rs when the inputs or the program
versions change. The arguments here must match the ones the test uses.
"""
import hashlib
import os
import shutil
import sys
import tempfile

import wasmtime

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGRAMS = os.environ.get("REAL_PROGRAMS_DIR", os.path.join(ROOT, "target", "real-programs"))
DATA = os.path.join(ROOT, "crates", "baton-wasi", "tests", "data")

# (program, input file, guest input name, argv, output name)
CASES = [
    ("resvg.wasm", "real-input.svg", "in.svg", ["resvg.wasm", "in.svg", "out.png"], "out.png"),
    ("flite.wasm", "real-input.txt", "in.txt",
     ["flite.wasm", "-voice", "slt", "-f", "in.txt", "-o", "out.wav"], "out.wav"),
]


def run(wasm, argv, workdir):
    engine = wasmtime.Engine()
    module = wasmtime.Module.from_file(engine, wasm)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    store = wasmtime.Store(engine)
    cfg = wasmtime.WasiConfig()
    cfg.argv = argv
    cfg.preopen_dir(workdir, ".")
    cfg.inherit_stderr()
    store.set_wasi(cfg)
    instance = linker.instantiate(store, module)
    try:
        instance.exports(store)["_start"](store)
        return 0
    except wasmtime.ExitTrap as e:
        return e.code


def main():
    for program, src, guest_in, argv, out in CASES:
        wasm = os.path.join(PROGRAMS, program)
        if not os.path.exists(wasm):
            sys.exit(f"{wasm} missing: run scripts/fetch-real-programs.sh first")
        with tempfile.TemporaryDirectory() as work:
            shutil.copy(os.path.join(DATA, src), os.path.join(work, guest_in))
            code = run(wasm, argv, work)
            with open(os.path.join(work, out), "rb") as f:
                data = f.read()
            digest = hashlib.sha256(data).hexdigest()
            print(f"{program}: exit={code} {out} bytes={len(data)} sha256={digest}")


if __name__ == "__main__":
    main()

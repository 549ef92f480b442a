#!/usr/bin/env python3
"""Regenerates the reference outputs of baton-wasi's real-program tests.

Runs resvg.wasm, flite.wasm, yosys.wasm, python.wasm and avr-cc1.wasm (fetched by
scripts/fetch-real-programs.sh) under wasmtime (PyPI package `wasmtime`,
50.0.1 for the current checksums; exception handling switched on, as the
yowasp driver does) on the inputs in crates/baton-wasi/tests/data/, and
prints the exit code and the sha256 of each output file. Paste the checksums
into crates/baton-wasi/tests/real_programs.rs when the inputs or the program
versions change. The arguments here must match the ones the test uses.

With --exceptions, runs the programs of examples/exceptions/ (built by
scripts/build-exceptions.sh) instead and writes what each prints to
examples/exceptions/NAME.expected, which crates/baton-wasi/tests/exceptions.rs
compares Baton's output with.

With --lua-errors, runs benches/interpreters/lua.wasm (Lua with setjmp/longjmp
as exceptions, built by scripts/build-interpreters.sh) on
benches/interpreters/errors.lua and writes what it prints to
crates/baton-wasi/tests/data/lua-errors.expected (the same test file compares).
"""
import hashlib
import os
import shutil
import sys
import tempfile

import wasmtime

# yosys prints its run time in the last lines of its log; they are left out.
YOSYS_TIMING = ("End of script.", "Time spent:")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGRAMS = os.environ.get("REAL_PROGRAMS_DIR", os.path.join(ROOT, "target", "real-programs"))
DATA = os.path.join(ROOT, "crates", "baton-wasi", "tests", "data")

# (program, input file, guest input name, argv, output name)
# Output "stdout" is what the program prints, less yosys' timing lines.
CASES = [
    ("resvg.wasm", "real-input.svg", "in.svg", ["resvg.wasm", "in.svg", "out.png"], "out.png"),
    ("flite.wasm", "real-input.txt", "in.txt",
     ["flite.wasm", "-voice", "slt", "-f", "in.txt", "-o", "out.wav"], "out.wav"),
    ("yosys.wasm", "counter.v", "counter.v",
     ["yosys", "-p", "read_verilog counter.v; synth_ice40 -top counter -noabc; stat; "
      "write_json counter.json"], "stdout"),
    ("yosys.wasm", "counter.v", "counter.v",
     ["yosys", "-p", "read_verilog counter.v; synth_ice40 -top counter -noabc; stat; "
      "write_json counter.json"], "counter.json"),
    # With ABC, which closes yosys' stdout and stderr on its way out (see the test).
    ("yosys.wasm", "counter.v", "counter.v",
     ["yosys", "-p", "read_verilog counter.v; synth_ice40 -top counter; write_json counter.json"],
     "stdout"),
    ("yosys.wasm", "counter.v", "counter.v",
     ["yosys", "-p", "read_verilog counter.v; synth_ice40 -top counter; write_json counter.json"],
     "counter.json"),
    ("yosys.wasm", "syntax-error.v", "bad.v", ["yosys", "-p", "read_verilog bad.v"], "stdout"),
    ("python.wasm", "python-bench.py", "bench.py", ["python", "bench.py", "1"], "stdout"),
    ("avr-cc1.wasm", "avr-prog.c", "avr-prog.c",
     ["cc1", "-quiet", "-mmcu=avr5", "-O2", "-fno-ident", "avr-prog.c", "-o", "avr-prog.s"],
     "avr-prog.s"),
    # The interactive shell, with yosys-shell.txt on stdin.
    ("yosys.wasm", "counter.v", "counter.v", ["yosys"], "stdout", "yosys-shell.txt"),
]
# yosys' techlibs (fetched beside it) are preopened as /share, as the yowasp
# driver does; NO_COLOR because Baton reports a captured stdout as a terminal.
YOSYS_SHARE = os.path.join(PROGRAMS, "yosys-share")


_config = wasmtime.Config()
_config.wasm_exceptions = True
ENGINE = wasmtime.Engine(_config)
_modules = {}


def run(wasm, argv, workdir, stdout=None, stdin=None):
    engine = ENGINE
    if wasm not in _modules:  # yosys takes a minute to compile
        _modules[wasm] = wasmtime.Module.from_file(engine, wasm)
    module = _modules[wasm]
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    store = wasmtime.Store(engine)
    cfg = wasmtime.WasiConfig()
    cfg.argv = argv
    cfg.preopen_dir(workdir, ".")
    if os.path.basename(wasm) == "yosys.wasm":
        cfg.preopen_dir(YOSYS_SHARE, "/share")
        os.makedirs(os.path.join(workdir, ".tmp"), exist_ok=True)
        cfg.preopen_dir(os.path.join(workdir, ".tmp"), "/tmp")
        cfg.env = [("NO_COLOR", "1")]
    if stdout:
        cfg.stdout_file = stdout
    if stdin:
        cfg.stdin_file = stdin
    cfg.inherit_stderr()
    store.set_wasi(cfg)
    instance = linker.instantiate(store, module)
    try:
        instance.exports(store)["_start"](store)
        return 0
    except wasmtime.ExitTrap as e:
        return e.code


def exceptions():
    examples = os.path.join(ROOT, "examples", "exceptions")
    for name in ("setjmp", "throw", "throw_loop"):
        wasm = os.path.join(examples, name + ".wasm")
        with tempfile.TemporaryDirectory() as work:
            out = os.path.join(work, "stdout")
            code = run(wasm, [name + ".wasm"], work, stdout=out)
            with open(out, "rb") as f:
                data = f.read()
        with open(os.path.join(examples, name + ".expected"), "wb") as f:
            f.write(data)
        print(f"{name}.wasm: exit={code} stdout bytes={len(data)}")


def lua_errors():
    interp = os.path.join(ROOT, "benches", "interpreters")
    with tempfile.TemporaryDirectory() as work:
        shutil.copy(os.path.join(interp, "errors.lua"), os.path.join(work, "errors.lua"))
        out = os.path.join(work, "stdout")
        code = run(os.path.join(interp, "lua.wasm"), ["lua.wasm", "errors.lua", "out.txt"],
                   work, stdout=out)
        with open(out, "rb") as f:
            data = f.read()
    with open(os.path.join(DATA, "lua-errors.expected"), "wb") as f:
        f.write(data)
    print(f"lua.wasm errors.lua: exit={code} stdout bytes={len(data)}")


def main():
    if sys.argv[1:] == ["--exceptions"]:
        return exceptions()
    if sys.argv[1:] == ["--lua-errors"]:
        return lua_errors()
    for program, src, guest_in, argv, out, *stdin in CASES:
        wasm = os.path.join(PROGRAMS, program)
        if not os.path.exists(wasm):
            sys.exit(f"{wasm} missing: run scripts/fetch-real-programs.sh first")
        with tempfile.TemporaryDirectory() as work:
            shutil.copy(os.path.join(DATA, src), os.path.join(work, guest_in))
            stdout = os.path.join(work, "stdout") if out == "stdout" else None
            stdin = os.path.join(DATA, stdin[0]) if stdin else None
            code = run(wasm, argv, work, stdout, stdin)
            with open(os.path.join(work, out), "rb") as f:
                data = f.read()
            if program == "yosys.wasm" and out == "stdout":
                data = b"".join(line for line in data.splitlines(keepends=True)
                                if not line.startswith(tuple(t.encode() for t in YOSYS_TIMING)))
            digest = hashlib.sha256(data).hexdigest()
            print(f"{program}: exit={code} {out} bytes={len(data)} sha256={digest}")


if __name__ == "__main__":
    main()

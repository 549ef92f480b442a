//! C and C++ programs that use Wasm exception handling (exnref form), built
//! to wasm32-wasi by scripts/build-exceptions.sh (zig 0.17.0's clang with
//! `-mcpu=generic+exception_handling -mllvm -wasm-use-legacy-eh=false`):
//! setjmp/longjmp (the `__c_longjmp` tag), C++ throw/catch/rethrow with
//! destructors run while unwinding (the `__cpp_exception` tag), and a loop
//! that throws through three frames. Their output must be what wasmtime
//! 50.0.1 (exceptions switched on) printed, recorded in
//! examples/exceptions/NAME.expected by `scripts/reference-outputs.py
//! --exceptions`. The .wasm files are committed, so no toolchain is needed.

mod common;

use std::path::PathBuf;

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/exceptions")
        .join(name)
}

fn runs_like_wasmtime(name: &str) {
    let wasm = std::fs::read(example(&format!("{name}.wasm"))).expect("example is built");
    let expected =
        std::fs::read_to_string(example(&format!("{name}.expected"))).expect("reference output");
    let out = common::run_bytes(&wasm, |b| {
        b.args(&[format!("{name}.wasm")]);
    });
    assert_eq!(out.code, Ok(0), "stderr: {}", out.stderr);
    assert_eq!(
        out.stdout, expected,
        "{name}: output differs from wasmtime's"
    );
}

#[test]
fn c_setjmp_longjmp() {
    runs_like_wasmtime("setjmp");
}

#[test]
fn cpp_throw_catch() {
    runs_like_wasmtime("throw");
}

#[test]
fn cpp_throw_in_a_loop() {
    runs_like_wasmtime("throw_loop");
}

/// Lua 5.4 (benches/interpreters/lua.wasm) raises its errors with
/// setjmp/longjmp, built as Wasm exceptions: benches/interpreters/errors.lua
/// throws errors of every kind through Lua frames, C frames (string.gsub
/// callbacks, table.sort comparators, metamethods), nested pcall/xpcall and
/// to-be-closed variables. Its output must be what wasmtime 50.0.1 printed,
/// recorded in tests/data/lua-errors.expected by
/// `scripts/reference-outputs.py --lua-errors`.
#[test]
fn lua_errors_and_pcall() {
    let interp = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../benches/interpreters");
    let wasm = std::fs::read(interp.join("lua.wasm")).expect("lua.wasm is committed");
    let expected = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/lua-errors.expected"),
    )
    .expect("reference output");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(interp.join("errors.lua"), dir.path().join("errors.lua")).unwrap();
    let out = common::run_bytes(&wasm, |b| {
        b.args(&["lua.wasm", "errors.lua", "out.txt"])
            .preopened_dir(dir.path(), ".")
            .unwrap();
    });
    assert_eq!(out.code, Ok(0), "stderr: {}", out.stderr);
    assert_eq!(
        out.stdout, expected,
        "errors.lua: output differs from wasmtime's"
    );
}

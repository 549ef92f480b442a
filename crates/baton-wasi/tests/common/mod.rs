//! Shared helpers of the integration tests: run a WASI module on Baton with
//! captured output.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use baton::{Engine, Linker, Module, Store};
use baton_wasi::{WasiCtx, WasiCtxBuilder};

/// What a run produced.
#[derive(Debug)]
pub struct Outcome {
    /// Exit code, or the error text if the run failed.
    pub code: Result<i32, String>,
    pub stdout: String,
    pub stderr: String,
}

/// Path of a test program built by tests/programs/build.sh.
pub fn program(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/programs")
        .join(format!("{name}.wasm"))
}

/// Runs `wasm` with stdout and stderr captured; `configure` adds arguments,
/// environment, stdin and preopens.
pub fn run_bytes(wasm: &[u8], configure: impl FnOnce(&mut WasiCtxBuilder)) -> Outcome {
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).expect("module compiles");
    let mut linker: Linker<WasiCtx> = Linker::new(&engine);
    baton_wasi::add_to_linker(&mut linker, |ctx| ctx).expect("WASI functions link");
    let mut builder = WasiCtxBuilder::new();
    builder.capture_stdout().capture_stderr();
    configure(&mut builder);
    let mut store = Store::new(&engine, builder.build());
    let code = baton_wasi::run_command(&mut store, &linker, &module).map_err(|e| e.to_string());
    let ctx = store.data();
    Outcome {
        code,
        stdout: String::from_utf8_lossy(&ctx.stdout_contents()).into_owned(),
        stderr: String::from_utf8_lossy(&ctx.stderr_contents()).into_owned(),
    }
}

/// Runs the test program `name` (see [`program`]).
pub fn run(name: &str, configure: impl FnOnce(&mut WasiCtxBuilder)) -> Outcome {
    let wasm =
        std::fs::read(program(name)).expect("test program exists; run tests/programs/build.sh");
    run_bytes(&wasm, configure)
}

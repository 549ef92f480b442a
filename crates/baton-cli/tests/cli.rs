//! End-to-end tests of the `baton` binary: output, exit codes and error messages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `baton` with `args` from the repository root (so `examples/...` paths work).
fn baton(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("running baton")
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Writes `contents` to a fresh file in cargo's per-test scratch directory.
fn scratch(name: &str, contents: impl AsRef<[u8]>) -> String {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, contents).expect("writing scratch file");
    path.display().to_string()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every failure must be a clean message, never Rust panic output.
fn assert_no_panic(out: &Output) {
    let err = stderr(out);
    assert!(
        !err.contains("panicked"),
        "panic leaked to the user:\n{err}"
    );
    assert!(
        !err.contains("RUST_BACKTRACE"),
        "panic leaked to the user:\n{err}"
    );
}

#[test]
fn invoke_fib_prints_the_result() {
    let out = baton(&["run", "examples/fib.wat", "--invoke", "fib", "20"]);
    assert_eq!(stdout(&out), "6765\n", "stderr: {}", stderr(&out));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn invoke_parses_args_by_type_and_prints_each_result() {
    let wat = scratch(
        "swap.wat",
        r#"(module (func (export "swap") (param i32 f64 i64) (result f64 i32 i64)
             (local.get 1) (local.get 0) (local.get 2)))"#,
    );
    // Plain negative decimals need no `--`; anything else dash-led does.
    let out = baton(&["run", &wat, "--invoke", "swap", "-16", "2.5", "-1"]);
    assert_eq!(stdout(&out), "2.5\n-16\n-1\n", "stderr: {}", stderr(&out));
    assert_eq!(out.status.code(), Some(0));
    let out = baton(&[
        "run",
        &wat,
        "--invoke",
        "swap",
        "--",
        "-0x10",
        "inf",
        "0xffffffffffffffff",
    ]);
    assert_eq!(stdout(&out), "inf\n-16\n-1\n", "stderr: {}", stderr(&out));
}

#[test]
fn wrong_argument_count_is_a_usage_error() {
    let out = baton(&["run", "examples/fib.wat", "--invoke", "fib"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("takes 1 argument"),
        "{}",
        stderr(&out)
    );
    assert_no_panic(&out);
}

#[test]
fn unparsable_argument_is_a_usage_error() {
    let out = baton(&["run", "examples/fib.wat", "--invoke", "fib", "ten"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`ten` is not a valid i64"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unknown_export_lists_the_exports() {
    let out = baton(&["run", "examples/fib.wat", "--invoke", "fob", "1"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("fob") && err.contains("fib: func (i64) -> i64"),
        "{err}"
    );
}

#[test]
fn missing_file_is_reported_by_name() {
    let out = baton(&["run", "no/such/module.wasm"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("cannot read `no/such/module.wasm`"), "{err}");
    assert_no_panic(&out);
}

#[test]
fn malformed_binary_reports_an_offset() {
    // A valid header followed by a type section whose length runs past the end.
    let path = scratch("malformed.wasm", b"\0asm\x01\0\0\0\x01\x05\x01");
    let out = baton(&["run", &path]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("malformed.wasm") && err.contains("offset 0x"),
        "{err}"
    );
    assert_no_panic(&out);
}

#[test]
fn text_syntax_errors_point_at_the_line() {
    let path = scratch("syntax.wat", "(module\n  (func (i32.bogus)))\n");
    let out = baton(&["validate", &path]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("syntax.wat:2:"), "{err}");
}

#[test]
fn unknown_import_is_named_and_host_items_listed() {
    let path = scratch(
        "needs_env.wat",
        r#"(module (import "env" "missing_fn" (func (param i32))) (func (export "_start")))"#,
    );
    let out = baton(&["run", &path]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("`env` `missing_fn`"), "{err}");
    assert!(err.contains("func (i32)"), "{err}");
    assert!(
        err.contains("wasi_snapshot_preview1") && err.contains("fd_write"),
        "{err}"
    );
    assert_no_panic(&out);
}

#[test]
fn trap_shows_code_and_named_backtrace() {
    let path = scratch(
        "trap.wat",
        r#"(module
             (func $inner (result i32) (i32.div_s (i32.const 1) (i32.const 0)))
             (func $outer (export "go") (result i32) (call $inner)))"#,
    );
    let out = baton(&["run", &path, "--invoke", "go"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("integer divide by zero"), "{err}");
    assert!(err.contains("inner") && err.contains("outer"), "{err}");
    assert_no_panic(&out);
}

#[test]
fn wasi_hello_world() {
    let out = baton(&["run", "examples/hello.wat"]);
    assert_eq!(stdout(&out), "Hello, world!\n", "stderr: {}", stderr(&out));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn guest_exit_code_becomes_process_exit_code() {
    let path = scratch(
        "exit3.wat",
        r#"(module
             (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (memory (export "memory") 1)
             (func (export "_start") (call $exit (i32.const 3))))"#,
    );
    let out = baton(&["run", &path]);
    assert_eq!(out.status.code(), Some(3), "stderr: {}", stderr(&out));
}

#[test]
fn wasi_args_and_env_reach_the_guest() {
    // Exits with argc * 10 + environ count, so no output parsing is needed.
    let path = scratch(
        "argc.wat",
        r#"(module
             (import "wasi_snapshot_preview1" "args_sizes_get" (func $args (param i32 i32) (result i32)))
             (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env (param i32 i32) (result i32)))
             (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (memory (export "memory") 1)
             (func (export "_start")
               (drop (call $args (i32.const 0) (i32.const 4)))
               (drop (call $env (i32.const 8) (i32.const 12)))
               (call $exit (i32.add (i32.mul (i32.load (i32.const 0)) (i32.const 10))
                                    (i32.load (i32.const 8))))))"#,
    );
    let out = baton(&[
        "run", "--env", "A=1", "--env", "B=2", &path, "x", "--", "-y",
    ]);
    assert_eq!(out.status.code(), Some(32), "stderr: {}", stderr(&out));
}

#[test]
fn module_without_start_needs_invoke() {
    let out = baton(&["run", "examples/fib.wat"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--invoke"), "{}", stderr(&out));
}

#[test]
fn validate_accepts_valid_and_rejects_invalid() {
    let ok = baton(&["validate", "examples/fib.wat"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let path = scratch("invalid.wat", "(module (func (result i32) (i64.const 0)))");
    let bad = baton(&["validate", &path]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("invalid module"), "{}", stderr(&bad));
}

#[test]
fn inspect_lists_exports_and_statistics() {
    let out = baton(&["inspect", "examples/hello.wat"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("wasi_snapshot_preview1::fd_write: func (i32, i32, i32, i32) -> i32"),
        "{text}"
    );
    assert!(text.contains("_start: func ()"), "{text}");
    assert!(
        text.contains("functions:") && text.contains("translated code:"),
        "{text}"
    );
}

#[test]
fn inspect_disassembles_a_function() {
    let out = baton(&["inspect", "examples/fib.wat", "--disassemble", "fib"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("func[0]"), "{text}");
    assert!(text.contains("return.slot"), "{text}");
    // The same function by index; an unknown name is a clean error.
    let by_index = baton(&["inspect", "examples/fib.wat", "--disassemble", "0"]);
    assert_eq!(stdout(&by_index), text);
    let missing = baton(&["inspect", "examples/fib.wat", "--disassemble", "nope"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("no function `nope`"),
        "{}",
        stderr(&missing)
    );
    assert_no_panic(&missing);
}

#[test]
fn wast_counts_and_exit_status() {
    let good = scratch(
        "good.wast",
        r#"(module (func (export "f") (result i32) (i32.const 1)))
           (assert_return (invoke "f") (i32.const 1))"#,
    );
    let out = baton(&["wast", &good]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("2 passed, 0 failed, 0 skipped"),
        "{}",
        stdout(&out)
    );

    let bad = scratch(
        "bad.wast",
        r#"(module (func (export "f") (result i32) (i32.const 1)))
           (assert_return (invoke "f") (i32.const 2))"#,
    );
    let out = baton(&["wast", &bad]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("1 passed, 1 failed"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("bad.wast:2: assert_return"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn usage_errors_exit_with_2_and_help_has_examples() {
    assert_eq!(baton(&[]).status.code(), Some(2));
    assert_eq!(baton(&["frobnicate"]).status.code(), Some(2));
    let help = baton(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("Examples:"), "{}", stdout(&help));
    let run_help = baton(&["run", "--help"]);
    assert!(
        stdout(&run_help).contains("--invoke fib 30"),
        "{}",
        stdout(&run_help)
    );
}

#[test]
fn panics_become_internal_errors_with_status_70() {
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["validate", "examples/fib.wat"])
        .current_dir(repo_root())
        .env("BATON_INTERNAL_TEST_PANIC", "1")
        .env_remove("BATON_DEBUG")
        .output()
        .expect("running baton");
    assert_eq!(out.status.code(), Some(70));
    assert!(stderr(&out).contains("internal error"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("requested by"), "{}", stderr(&out));
    assert_no_panic(&out);
}

#[test]
fn fuel_budget_and_report() {
    let fib = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/fib.wat");
    let out = baton(&["run", "--fuel-report", fib, "--invoke", "fib", "15"]);
    assert_eq!(stdout(&out), "610\n");
    let report = stderr(&out);
    let consumed: u64 = report
        .trim()
        .strip_prefix("fuel consumed: ")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no fuel report in {report:?}"));
    assert!(consumed > 1000);
    let out = baton(&["run", "--fuel", "100", fib, "--invoke", "fib", "15"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("all fuel consumed"),
        "{}",
        stderr(&out)
    );
}

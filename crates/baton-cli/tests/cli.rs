//! End-to-end tests of the `baton` binary: output, exit codes and error messages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

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
fn invoke_initializes_a_reactor_first() {
    // A WASI reactor's exports may be called only after its `_initialize`.
    let wat = scratch(
        "reactor.wat",
        r#"(module
             (global $ready (mut i32) (i32.const 0))
             (func (export "_initialize") (global.set $ready (i32.const 40)))
             (func (export "get") (param i32) (result i32)
               (i32.add (global.get $ready) (local.get 0))))"#,
    );
    let out = baton(&["run", &wat, "--invoke", "get", "2"]);
    assert_eq!(stdout(&out), "42\n", "stderr: {}", stderr(&out));
    // Invoking `_initialize` itself runs it once.
    let out = baton(&["run", &wat, "--invoke", "_initialize"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    // A trap in it is reported as the initialisation's.
    let trapping = scratch(
        "bad-reactor.wat",
        r#"(module (func (export "_initialize") unreachable)
             (func (export "get") (result i32) (i32.const 1)))"#,
    );
    let out = baton(&["run", &trapping, "--invoke", "get"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("_initialize"), "{}", stderr(&out));
    assert_no_panic(&out);
}

#[test]
fn a_reactor_runs_by_its_default_export_or_is_only_initialized() {
    // A reactor built to run as a program too exports a default function named "", run
    // after `_initialize` (as Wasmtime's CLI does); its exit status is the guest's.
    let program = scratch(
        "default-export.wat",
        r#"(module
             (import "wasi_snapshot_preview1" "fd_write"
               (func $write (param i32 i32 i32 i32) (result i32)))
             (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (memory (export "memory") 1)
             (global $ready (mut i32) (i32.const 0))
             (data (i32.const 16) "ran\n")
             (func (export "_initialize") (global.set $ready (i32.const 7)))
             (func (export "")
               (i32.store (i32.const 0) (i32.const 16))
               (i32.store (i32.const 4) (i32.const 4))
               (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
               (call $exit (global.get $ready))))"#,
    );
    let out = baton(&["run", &program]);
    assert_eq!(stdout(&out), "ran\n", "stderr: {}", stderr(&out));
    assert_eq!(out.status.code(), Some(7), "`_initialize` ran first");
    // Without an entry point, the reactor is initialised, nothing more: status 0 (as
    // Wasmtime's), and a note on stderr naming what could be invoked.
    let reactor = scratch(
        "plain-reactor.wat",
        r#"(module
             (func (export "_initialize"))
             (func (export "get") (result i32) (i32.const 1)))"#,
    );
    let out = baton(&["run", &reactor]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("--invoke"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("get: func () -> i32"),
        "{}",
        stderr(&out)
    );
    // An initialisation that ends with proc_exit leaves with the guest's status, quietly.
    let exits = scratch(
        "exiting-reactor.wat",
        r#"(module
             (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (func (export "_initialize") (call $exit (i32.const 3)))
             (func (export "get") (result i32) (i32.const 1)))"#,
    );
    let out = baton(&["run", &exits]);
    assert_eq!(out.status.code(), Some(3), "stderr: {}", stderr(&out));
    assert!(!stderr(&out).contains("failed"), "{}", stderr(&out));
    // A module that is neither a command nor a reactor is still refused.
    let neither = scratch("neither.wat", r#"(module (func (export "get")))"#);
    let out = baton(&["run", &neither]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains("not a WASI command"),
        "{}",
        stderr(&out)
    );
    assert_no_panic(&out);
}

#[test]
fn invoke_parses_args_by_type_and_prints_each_result() {
    let wat = scratch(
        "swap.wat",
        r#"(module (func (export "swap") (param i32 f64 i64) (result f64 i32 i64)
             (local.get 1) (local.get 0) (local.get 2)))"#,
    );
    // After the module every word is an argument, dashes and all.
    let out = baton(&["run", &wat, "--invoke", "swap", "-16", "2.5", "-0x1"]);
    assert_eq!(stdout(&out), "2.5\n-16\n-1\n", "stderr: {}", stderr(&out));
    assert_eq!(out.status.code(), Some(0));
    let out = baton(&["run", "--invoke", "swap", &wat, "-16", "-inf", "-1"]);
    assert_eq!(stdout(&out), "-inf\n-16\n-1\n", "stderr: {}", stderr(&out));
    // The `--` of earlier versions is still accepted.
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
fn invoke_prints_gc_results_by_kind() {
    let wat = scratch(
        "gc_results.wat",
        r#"(module
          (type $p (struct (field i32)))
          (type $a (array i8))
          (func (export "s") (result anyref) (struct.new $p (i32.const 1)))
          (func (export "a") (result anyref) (array.new_default $a (i32.const 5)))
          (func (export "i") (result anyref) (ref.i31 (i32.const -3))))"#,
    );
    for (f, shown) in [
        ("s", "struct\n"),
        ("a", "array (length 5)\n"),
        ("i", "i31 -3\n"),
    ] {
        let out = baton(&["run", &wat, "--invoke", f]);
        assert_eq!(stdout(&out), shown, "stderr: {}", stderr(&out));
    }
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
    // argv is the path, `x`, `--` and `-y`: only a `--` directly after the module is dropped.
    let out = baton(&[
        "run", "--env", "A=1", "--env", "B=2", &path, "x", "--", "-y",
    ]);
    assert_eq!(out.status.code(), Some(42), "stderr: {}", stderr(&out));
    let out = baton(&["run", "--env", "A=1", &path, "--", "-y"]);
    assert_eq!(out.status.code(), Some(21), "stderr: {}", stderr(&out));
}

/// `--env KEY` passes the host's value, as wasmtime's does; a variable the host lacks is
/// left out. The guest prints its environment block (`KEY=VALUE`, each ending in NUL).
#[test]
fn env_without_value_passes_the_hosts() {
    let path = scratch(
        "environ.wat",
        r#"(module
             (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
             (import "wasi_snapshot_preview1" "environ_get" (func $get (param i32 i32) (result i32)))
             (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
             (memory (export "memory") 1)
             (func (export "_start")
               (drop (call $sizes (i32.const 0) (i32.const 4)))
               (drop (call $get (i32.const 16) (i32.const 256)))
               (i32.store (i32.const 8) (i32.const 256))
               (i32.store (i32.const 12) (i32.load (i32.const 4)))
               (drop (call $write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 100)))))"#,
    );
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args([
            "run",
            "--env",
            "BATON_TEST_FROM_HOST",
            "--env",
            "BATON_TEST_NOT_ON_HOST",
            "--env",
            "SET=a=b",
            &path,
        ])
        .env("BATON_TEST_FROM_HOST", "host value")
        .env_remove("BATON_TEST_NOT_ON_HOST")
        .output()
        .expect("running baton");
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(
        out.stdout,
        b"BATON_TEST_FROM_HOST=host value\0SET=a=b\0",
        "stdout: {:?}",
        stdout(&out)
    );
    // A key is still required.
    let out = baton(&["run", "--env", "=x", &path]);
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains("expected KEY or KEY=VALUE"),
        "stderr: {}",
        stderr(&out)
    );
}

/// A WASI command that prints its arguments after argv[0], one per line.
const ECHO_WAT: &str = r#"(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 40) "\n")
  ;; argc at 0, argv pointers at 1024, the strings at 4096; two iovecs at 48:
  ;; the argument, then the "\n" at 40.
  (func (export "_start") (local $i i32) (local $p i32) (local $n i32)
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (drop (call $args (i32.const 1024) (i32.const 4096)))
    (local.set $i (i32.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0))))
        (local.set $p (i32.load (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $n (i32.const 0))
        (block $end
          (loop $len
            (br_if $end (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (br $len)))
        (i32.store (i32.const 48) (local.get $p))
        (i32.store (i32.const 52) (local.get $n))
        (i32.store (i32.const 56) (i32.const 40))
        (i32.store (i32.const 60) (i32.const 1))
        (drop (call $write (i32.const 1) (i32.const 48) (i32.const 2) (i32.const 64)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))))"#;

#[test]
fn everything_after_the_module_reaches_the_guest() {
    let echo = scratch("echo.wat", ECHO_WAT);
    // Flags that are Baton's (`--dir`, `--invoke`) or look like clap shorts (`-voice`).
    let out = baton(&[
        "run", "--env", "A=1", &echo, "-voice", "slt", "-f", "in.txt", "--dir", "x", "--",
        "--invoke", "-5",
    ]);
    assert_eq!(
        stdout(&out),
        "-voice\nslt\n-f\nin.txt\n--dir\nx\n--\n--invoke\n-5\n",
        "stderr: {}",
        stderr(&out)
    );
    assert_eq!(out.status.code(), Some(0));
    // `--` right after the module separates, so a guest can get `--invoke` first.
    let out = baton(&["run", &echo, "--", "--invoke", "f"]);
    assert_eq!(stdout(&out), "--invoke\nf\n", "stderr: {}", stderr(&out));
    // Baton's options misplaced after a module without `_start` get a pointer.
    let out = baton(&["run", "examples/fib.wat", "--fuel", "10"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("options go before the module path"),
        "{}",
        stderr(&out)
    );
    // Unknown options before the module are still usage errors, not module paths.
    let out = baton(&["run", "--fule", "10", "examples/fib.wat"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--fule"), "{}", stderr(&out));
}

#[test]
fn deep_recursion_backtrace_is_collapsed() {
    const DEPTH: usize = 50_000;
    let path = scratch(
        "deep.wat",
        r#"(module
             (func $recurse (param i32) (result i32)
               (if (result i32) (i32.eqz (local.get 0))
                 (then (unreachable))
                 (else (call $recurse (i32.sub (local.get 0) (i32.const 1))))))
             (func $ping (param i32) (result i32)
               (if (result i32) (i32.eqz (local.get 0))
                 (then (unreachable))
                 (else (call $pong (i32.sub (local.get 0) (i32.const 1))))))
             (func $pong (param i32) (result i32) (call $ping (local.get 0)))
             (func (export "self") (param i32) (result i32) (call $recurse (local.get 0)))
             (func (export "mutual") (param i32) (result i32) (call $ping (local.get 0))))"#,
    );
    let depth = DEPTH.to_string();
    let out = baton(&["run", &path, "--invoke", "self", &depth]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.lines().count() < 10, "{err}");
    // The innermost frame comes first, then the run of its repeats.
    assert!(
        err.contains(
            "     0: func[0] recurse
"
        ),
        "{err}"
    );
    assert!(
        err.contains(&format!("repeated {} more times", DEPTH)),
        "{err}"
    );
    assert_no_panic(&out);

    // Alternating frames do not collapse into runs: the middle is left out.
    let out = baton(&["run", &path, "--invoke", "mutual", &depth]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.lines().count() < 40, "{err}");
    assert!(
        err.contains(
            "     0: func[1] ping
"
        ),
        "{err}"
    );
    assert!(err.contains("more frames"), "{err}");
}

/// Starts baton with piped output and closes the reading ends before it writes anything.
fn run_with_closed_output(args: &[&str], close_stderr: bool) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(args)
        .current_dir(repo_root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running baton");
    drop(child.stdout.take());
    if close_stderr {
        drop(child.stderr.take());
    }
    child.wait_with_output().expect("waiting for baton")
}

#[test]
fn closed_output_pipe_ends_quietly() {
    // Baton's own output (`baton run ... | head`): the status is the command's.
    let out = run_with_closed_output(&["run", "examples/fib.wat", "--invoke", "fib", "20"], false);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    // The guest's output: fd_write reports EPIPE to the guest, which carries on here.
    let echo = scratch("echo_closed.wat", ECHO_WAT);
    let out = run_with_closed_output(&["run", &echo, "a", "b", "c"], false);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    // `2>&1 | head`: an error message with nowhere to go is not a crash (status 134).
    let out = run_with_closed_output(&["run", "examples/fib.wat"], true);
    assert_eq!(out.status.code(), Some(1));
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

/// `run` may be left out, as with `wasmtime app.wasm`: a module path or a `run` option
/// first means `run`; an unknown word is still a usage error.
#[test]
fn run_is_implied_by_a_module_or_a_run_option() {
    let out = baton(&["examples/fib.wat", "--invoke", "fib", "20"]);
    assert_eq!(stdout(&out), "6765\n", "stderr: {}", stderr(&out));
    let out = baton(&[
        "--fuel",
        "100000",
        "examples/fib.wat",
        "--invoke",
        "fib",
        "10",
    ]);
    assert_eq!(stdout(&out), "55\n", "stderr: {}", stderr(&out));
    let out = baton(&["no-such-module.wasm"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no-such-module.wasm"),
        "stderr: {}",
        stderr(&out)
    );
    let out = baton(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("frobnicate"),
        "stderr: {}",
        stderr(&out)
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

#[test]
fn uncaught_exception_prints_its_tag_and_fails() {
    let wat = scratch(
        "throw.wat",
        r#"(module
             (tag $oops (export "oops") (param i32 i64))
             (func $deep (param i32) (throw $oops (local.get 0) (i64.const -2)))
             (func (export "main") (param i32) (result i32)
               (call $deep (local.get 0)) (i32.const 0))
             (func (export "caught") (param i32) (result i32)
               (block $h (result i32 i64)
                 (try_table (catch $oops $h) (call $deep (local.get 0)))
                 (return (i32.const -1)))
               (drop)))"#,
    );
    let out = baton(&["run", &wat, "--invoke", "main", "7"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("uncaught exception") && err.contains("`oops`") && err.contains("[7, -2]"),
        "{err}"
    );
    let out = baton(&["run", &wat, "--invoke", "caught", "7"]);
    assert_eq!(stdout(&out), "7\n", "stderr: {}", stderr(&out));
}

/// A large module (Lua, 270 KiB of code) runs the same with the background translator on
/// and off; a value that is not a boolean is a usage error.
#[test]
fn background_translation_can_be_turned_off() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("background_translation");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("s.lua"),
        "local t = {} for i = 1, 200 do t[i] = i * i end\n\
         local s = 0 for _, v in ipairs(t) do s = s + v end\n\
         return tostring(s) .. ' ' .. string.rep('ab', 3)",
    )
    .unwrap();
    let grant = format!("{}::/", dir.display());
    let lua = "benches/interpreters/lua.wasm";
    let mut outputs = Vec::new();
    for on in ["true", "false"] {
        let out = baton(&[
            "run",
            "--background-translation",
            on,
            "--dir",
            &grant,
            lua,
            "s.lua",
            "out.txt",
        ]);
        assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
        outputs.push(stdout(&out));
    }
    assert_eq!(outputs[0], "2686700 ababab\n");
    assert_eq!(outputs[0], outputs[1]);
    let out = baton(&["run", "--background-translation", "maybe", lua]);
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    assert!(stderr(&out).contains("maybe"), "{}", stderr(&out));
    assert_no_panic(&out);
}

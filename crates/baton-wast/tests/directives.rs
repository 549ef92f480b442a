//! Hand-written scripts exercising every directive kind the runner supports,
//! including scripts that must fail, to prove failures are detected.

use baton_wast::{run_script_on_big_stack, FileReport, WastOptions};

fn run(name: &str, source: &str) -> FileReport {
    let report = run_script_on_big_stack(name, source, &WastOptions::default());
    for (line, message) in &report.failures {
        println!("{line}: {message}");
    }
    for (reason, count) in &report.skip_reasons {
        println!("skipped {count}: {reason}");
    }
    report
}

const EVERY_DIRECTIVE: &str = r#"
(module $m
  (global (export "g") i32 (i32.const 42))
  (global $counter (mut i32) (i32.const 0))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "bump") (global.set $counter (i32.add (global.get $counter) (i32.const 1))))
  (func (export "count") (result i32) (global.get $counter))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "nan") (result f32) (f32.div (f32.const 0) (f32.const 0)))
  (func (export "nan64") (param f64) (result f64) (f64.add (local.get 0) (f64.const 1)))
  (func (export "pair") (result i64 f64) (i64.const -1) (f64.const 1.5))
  (func $self (export "self") (result funcref) (ref.func $self))
  (func (export "null") (result funcref) (ref.null func))
  (func (export "id") (param externref) (result externref) (local.get 0))
  (func $loop (export "loop") (call $loop))
)
(invoke "bump")
(assert_return (invoke "count") (i32.const 1))
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
(assert_return (invoke $m "add" (i32.const -1) (i32.const 1)) (i32.const 0))
(assert_return (get "g") (i32.const 42))
(assert_return (get $m "g") (i32.const 42))
(assert_return (invoke "nan") (f32.const nan:canonical))
(assert_return (invoke "nan") (f32.const nan:arithmetic))
(assert_return (invoke "nan64" (f64.const nan:0x8000000000001)) (f64.const nan:arithmetic))
(assert_return (invoke "pair") (i64.const -1) (f64.const 1.5))
(assert_return (invoke "self") (ref.func))
(assert_return (invoke "null") (ref.null func))
(assert_return (invoke "id" (ref.extern 7)) (ref.extern 7))
(assert_return (invoke "id" (ref.null extern)) (ref.null extern))
(assert_return (invoke "add" (i32.const 2) (i32.const 2)) (either (i32.const 5) (i32.const 4)))
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "div" (i32.const 0x80000000) (i32.const -1)) "integer overflow")
(assert_exhaustion (invoke "loop") "call stack exhausted")

(register "m" $m)
(module $user
  (import "m" "add" (func $add (param i32 i32) (result i32)))
  (import "spectest" "print_i32" (func $print (param i32)))
  (import "spectest" "global_i32" (global i32))
  (import "spectest" "table" (table 10 funcref))
  (import "spectest" "memory" (memory 1 2))
  (func (export "add3") (param i32) (result i32)
    (call $print (local.get 0))
    (call $add (local.get 0) (global.get 0)))
)
(assert_return (invoke "add3" (i32.const 1)) (i32.const 667))

(module binary "\00asm" "\01\00\00\00")
(module quote "(func (export \"q\") (result i32) (i32.const 9))")
(assert_return (invoke "q") (i32.const 9))

(module definition $def (func (export "five") (result i32) (i32.const 5)))
(module instance $inst $def)
(assert_return (invoke $inst "five") (i32.const 5))

(assert_invalid (module (func (result i32) (i64.const 0))) "type mismatch")
(assert_malformed (module binary "\00asm" "\02\00\00\00") "unknown binary version")
(assert_malformed (module quote "(func (i32.bogus))") "unknown operator")
(assert_unlinkable (module (import "spectest" "nope" (func))) "unknown import")
(assert_unlinkable (module (import "spectest" "global_i32" (global i64))) "incompatible import type")
(assert_trap (module (func $start unreachable) (start $start)) "unreachable")
(assert_trap (module (memory 1) (func $start (i32.store (i32.const 65536) (i32.const 0))) (start $start))
  "out of bounds memory access")
"#;

#[test]
fn every_directive_kind_passes() {
    let report = run("every.wast", EVERY_DIRECTIVE);
    assert_eq!(report.failed, 0, "{report}");
    assert_eq!(report.skipped, 0, "{report}");
    assert_eq!(report.passed, 35, "{report}");
}

#[test]
fn wrong_results_are_failures() {
    let source = r#"
(module (func (export "one") (result i32) (i32.const 1))
        (func (export "nan") (result f32) (f32.const nan:0x200000)))
(assert_return (invoke "one") (i32.const 2))
(assert_return (invoke "nan") (f32.const nan:canonical))
(assert_trap (invoke "one") "unreachable")
(assert_invalid (module (func)) "type mismatch")
(assert_return (invoke "missing"))
"#;
    let report = run("wrong.wast", source);
    assert_eq!(
        (report.passed, report.failed, report.skipped),
        (1, 5, 0),
        "{report}"
    );
    let (line, message) = &report.failures[0];
    assert_eq!(*line, 4);
    assert!(
        message.starts_with("wrong.wast:4: assert_return:"),
        "{message}"
    );
    assert!(
        message.contains("expected i32 2") && message.contains("got i32 1"),
        "{message}"
    );
    assert!(report.failures[1].1.contains("nan:canonical"));
    assert!(report.failures[2].1.contains("assert_trap"));
    assert!(report.failures[3].1.contains("assert_invalid"));
}

#[test]
fn unsupported_features_are_skipped_with_a_reason() {
    let source = r#"
(module $threads (memory 1 1 shared)
  (func (export "v") (result i64) (i64.const 0)))
(assert_return (invoke "v") (i64.const 0))
(register "threads" $threads)
(module (memory 1 1 shared))
(assert_return (invoke "v") (i64.const 0))
"#;
    let report = run("skips.wast", source);
    assert_eq!(report.failed, 0, "{report}");
    assert_eq!(report.skipped, 5, "{report}");
    assert!(
        report.skip_reasons.keys().any(|r| r.contains("threads")),
        "{report:?}"
    );
}

#[test]
fn assert_exception_needs_an_uncaught_exception() {
    let source = r#"
(module
  (tag $t (param i32))
  (func (export "throws") (throw $t (i32.const 1)))
  (func (export "returns")))
(assert_exception (invoke "throws"))
(assert_exception (invoke "returns"))
"#;
    let report = run("exceptions.wast", source);
    assert_eq!((report.passed, report.failed), (2, 1), "{report}");
    assert!(
        report.failures[0].1.contains("expected to throw"),
        "{report}"
    );
}

#[test]
fn unparsable_scripts_are_failures() {
    let report = run("broken.wast", "(module (func)\n(assert_return");
    assert_eq!(report.failed, 1, "{report}");
    assert!(report.failures[0].1.contains("broken.wast"));
}

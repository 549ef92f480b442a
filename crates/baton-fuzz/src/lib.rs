//! Differential fuzzing of Baton against wasmi.
//!
//! From arbitrary bytes, [`generate`] makes a module with `wasm-smith` restricted to the
//! features Baton implements (Wasm 2.0 with SIMD in half the modules, tail calls, extended
//! constants, wide arithmetic) and made terminating with a fuel global; [`execute`]
//! instantiates it on Baton and on wasmi (the oracle), calls every exported function with
//! arguments drawn from the same bytes, and compares results, traps and the final
//! exported state. [`check`] does both; [`save_mismatch`] writes a disagreeing module
//! (optionally shrunk) and its description. Relaxed SIMD, whose results are
//! implementation-defined, is checked on Baton alone ([`check_relaxed`]: no panic, and the
//! same results bit for bit on an unmetered and a metered engine).
//!
//! With the `wasmtime` feature, a second comparison covers what wasmi lacks, exception
//! handling and typed function references: [`generate_wasmtime`] makes modules that use
//! them (and no GC), [`execute_wasmtime`] compares Baton with Wasmtime (Cranelift),
//! [`check_wasmtime`] does both (`tests/wasmtime_exceptions.rs`). [`generate_gc`] makes
//! modules with GC (structures, arrays, `i31`, casts, conversions between `any` and
//! `extern`), which [`check_gc`] compares the same way (`tests/wasmtime_gc.rs`): GC
//! references by null-ness, `i31` value, and whether they are structures or arrays.
//!
//! Users: `tests/differential.rs` (a bounded, seeded run for CI) and the cargo-fuzz
//! targets in `fuzz/` at the repository root. See `docs/reliability.md`.

mod baton_side;
pub mod gc_graph;
pub mod generate;
pub mod run;
pub mod value;
mod wasmi_side;
#[cfg(feature = "wasmtime")]
mod wasmtime_side;

mod split_mix;
pub use split_mix::SplitMix;

pub use generate::{generate, generate_gc, generate_wasmtime, generate_with, Simd, TestCase};
pub use run::{execute, execute_baton_twice, execute_calls, Calls, Outcome, Verdict};
#[cfg(feature = "wasmtime")]
pub use run::{execute_wasmtime, execute_wasmtime_calls};
pub use value::{GcRef, TrapKind, Value};

use std::path::{Path, PathBuf};

/// The number in environment variable `name` (a bounded run's seed, case count or time
/// cap), decimal or `0x`-hexadecimal, `_` separators allowed; `default` when it is unset.
///
/// # Panics
/// When it is set to something else: a mistyped seed must stop the run, not run the
/// default seed while the log seems to say otherwise.
pub fn env_u64(name: &str, default: u64) -> u64 {
    let Ok(text) = std::env::var(name) else {
        return default;
    };
    let digits = text.trim().replace('_', "");
    let parsed = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => digits.parse(),
    };
    parsed.unwrap_or_else(|_| panic!("{name}={text:?} is not a number (decimal or 0x-hex)"))
}

/// Generates a test case from `data` and runs it on both engines. `None` when the bytes
/// run out before a module is complete (wasm-smith's `arbitrary` errors).
pub fn check(data: &[u8]) -> Option<(TestCase, Outcome)> {
    let case = generate(data).ok()?;
    let outcome = execute(&case.wasm, &case.args);
    Some((case, outcome))
}

/// Generates a test case with relaxed SIMD from `data` and runs it twice on Baton
/// ([`execute_baton_twice`]). `None` when the bytes run out before a module is complete.
pub fn check_relaxed(data: &[u8]) -> Option<(TestCase, Outcome)> {
    let case = generate_with(data, Simd::Relaxed).ok()?;
    let outcome = execute_baton_twice(&case.wasm, &case.args);
    Some((case, outcome))
}

/// Generates a test case with exception handling and typed function references from
/// `data` and runs it on Baton and Wasmtime. `None` when the bytes run out first.
#[cfg(feature = "wasmtime")]
pub fn check_wasmtime(data: &[u8]) -> Option<(TestCase, Outcome)> {
    let case = generate_wasmtime(data).ok()?;
    let outcome = execute_wasmtime(&case.wasm, &case.args);
    Some((case, outcome))
}

/// Generates a test case with GC from `data` ([`generate_gc`]) and runs it on Baton and
/// Wasmtime. `None` when the bytes run out first.
#[cfg(feature = "wasmtime")]
pub fn check_gc(data: &[u8]) -> Option<(TestCase, Outcome)> {
    let case = generate_gc(data).ok()?;
    let outcome = execute_wasmtime(&case.wasm, &case.args);
    Some((case, outcome))
}

/// How a module is run and compared: [`execute`] (against wasmi) or `execute_wasmtime`.
pub type Execute = fn(&[u8], &[u8]) -> Outcome;

/// Shrinks `wasm` with `wasm-shrink`, keeping a mismatch of the same kind with the same
/// argument bytes. Returns the input unchanged if it does not mismatch.
pub fn shrink(wasm: &[u8], args: &[u8], attempts: u32) -> Vec<u8> {
    shrink_with(execute, wasm, args, attempts)
}

/// [`shrink`], comparing with `exec`.
pub fn shrink_with(exec: Execute, wasm: &[u8], args: &[u8], attempts: u32) -> Vec<u8> {
    let Verdict::Mismatch { kind, .. } = exec(wasm, args).verdict else {
        return wasm.to_vec();
    };
    let result = wasm_shrink::WasmShrink::default().attempts(attempts).run(wasm.to_vec(), |candidate| {
        let same = matches!(exec(candidate, args).verdict, Verdict::Mismatch { kind: k, .. } if k == kind);
        Ok(same)
    });
    result
        .map(|info| info.output)
        .unwrap_or_else(|_| wasm.to_vec())
}

/// Saves a mismatching test case in `dir` as `<hash>.wasm` (the module), `<hash>.args`
/// (the argument bytes), `<hash>.txt` (configuration, verdict, transcript, and the module
/// as text) and, when `shrink_attempts > 0`, `<hash>.shrunk.wasm` and `.shrunk.wat`.
/// Returns the path of the `.wasm` file.
pub fn save_mismatch(
    dir: &Path,
    case: &TestCase,
    outcome: &Outcome,
    shrink_attempts: u32,
) -> std::io::Result<PathBuf> {
    save_mismatch_with(execute, dir, case, outcome, shrink_attempts)
}

/// [`save_mismatch`], comparing with `exec` when shrinking.
pub fn save_mismatch_with(
    exec: Execute,
    dir: &Path,
    case: &TestCase,
    outcome: &Outcome,
    shrink_attempts: u32,
) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let hash = fnv(&case.wasm) ^ fnv(&case.args).rotate_left(1);
    let base = dir.join(format!("{hash:016x}"));
    std::fs::write(base.with_extension("wasm"), &case.wasm)?;
    std::fs::write(base.with_extension("args"), &case.args)?;
    let text =
        wasmprinter::print_bytes(&case.wasm).unwrap_or_else(|e| format!("<wasmprinter: {e}>"));
    let mut desc = format!(
        "config: {}\nverdict: {:?}\ncalls: {}\n\ntranscript:\n{}\nmodule:\n{}\n",
        case.config, outcome.verdict, outcome.calls, outcome.transcript, text
    );
    if shrink_attempts > 0 {
        let small = shrink_with(exec, &case.wasm, &case.args, shrink_attempts);
        let small_text = wasmprinter::print_bytes(&small).unwrap_or_default();
        let again = exec(&small, &case.args);
        desc.push_str(&format!(
            "\nshrunk ({} -> {} bytes), verdict {:?}\ntranscript:\n{}\n",
            case.wasm.len(),
            small.len(),
            again.verdict,
            again.transcript
        ));
        std::fs::write(base.with_extension("shrunk.wasm"), &small)?;
        std::fs::write(base.with_extension("shrunk.wat"), small_text)?;
    }
    std::fs::write(base.with_extension("txt"), desc)?;
    Ok(base.with_extension("wasm"))
}

/// FNV-1a, for file names.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

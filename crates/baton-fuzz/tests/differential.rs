//! A bounded, seeded differential run: Baton against wasmi on generated modules.
//!
//! `cargo test --release -p baton-fuzz --test differential -- --nocapture` prints the
//! statistics. Environment overrides: `BATON_FUZZ_CASES` (default 100 000 inputs, 20-40 s on two cores),
//! `BATON_FUZZ_SEED` (default fixed), `BATON_FUZZ_SECONDS` (a time cap, default 100 s, so a
//! slow machine shortens the run instead of timing CI out; the statistics say when it hit),
//! `BATON_FUZZ_SIMD=all` (SIMD in every module rather than half of them),
//! `BATON_FUZZ_LAST_INPUT` (a file each input is written to before it is checked, so that a
//! crash leaves the input that caused it behind).
//! A mismatch fails the test after the module is saved under `crates/baton-fuzz/mismatches/`.
//!
//! A second test runs modules with relaxed SIMD on Baton alone, twice (unmetered and
//! metered), and requires no panic and bit-identical results: `BATON_FUZZ_RELAXED_CASES`
//! (default 5 000 inputs), `BATON_FUZZ_RELAXED_SEED`; the time cap is shared.

use baton_fuzz::{
    check, check_relaxed, env_u64, execute, generate_with, save_mismatch, Outcome, Simd, SplitMix,
    TestCase, Verdict,
};
use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

#[derive(Default, Debug)]
struct Stats {
    inputs: u64,
    generated: u64,
    distinct: u64,
    instantiated: u64,
    skipped: u64,
    inconclusive: u64,
    calls: u64,
    traps: u64,
    out_of_fuel: u64,
    mismatches: Vec<String>,
}

#[test]
fn baton_agrees_with_wasmi() {
    let cases = env_u64("BATON_FUZZ_CASES", 100_000);
    // 0x0ba7_0f00_2026 until wide arithmetic joined the generator: its modules then
    // included one on which wasmi 2.0.0 is wrong and Baton and Wasmtime agree (kept as
    // `wasmi_value_below_loop_result_block_oracle_bug_baton_is_right` in regressions.rs).
    let seed = env_u64("BATON_FUZZ_SEED", 0x0ba7_0f00_2027);
    if std::env::var("BATON_FUZZ_SIMD").is_ok_and(|v| v == "all") {
        fuzz(
            "differential, SIMD in every module",
            "",
            cases,
            seed,
            |data| {
                let case = generate_with(data, Simd::Always).ok()?;
                let outcome = execute(&case.wasm, &case.args);
                Some((case, outcome))
            },
        );
    } else {
        fuzz("differential", "", cases, seed, check);
    }
}

#[test]
fn baton_relaxed_simd_is_deterministic() {
    let cases = env_u64("BATON_FUZZ_RELAXED_CASES", 5_000);
    let seed = env_u64("BATON_FUZZ_RELAXED_SEED", 0x0ba7_0f00_2028);
    fuzz(
        "relaxed simd, baton twice",
        ".relaxed",
        cases,
        seed,
        check_relaxed,
    );
}

/// Runs `cases` inputs drawn from `seed` through `check`; `suffix` is appended to the
/// `BATON_FUZZ_LAST_INPUT` file name.
fn fuzz(
    what: &str,
    suffix: &str,
    cases: u64,
    seed: u64,
    check: fn(&[u8]) -> Option<(TestCase, Outcome)>,
) {
    let cap = Duration::from_secs(env_u64("BATON_FUZZ_SECONDS", 100));
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("mismatches");
    let mut rng = SplitMix(seed);
    let mut seen = HashSet::new();
    let mut s = Stats::default();
    let start = Instant::now();
    let mut capped = false;
    let verbose = std::env::var_os("BATON_FUZZ_VERBOSE").is_some();
    // The two tests run in parallel, so each has its own file (`FILE`, `FILE.relaxed`).
    let last_input = std::env::var_os("BATON_FUZZ_LAST_INPUT").map(|mut p| {
        p.push(suffix);
        p
    });
    for _ in 0..cases {
        if start.elapsed() > cap {
            capped = true;
            break;
        }
        // Input sizes from 64 B to 16 KiB: small ones give small modules, large ones
        // leave argument bytes for many calls.
        let len = 64 << (rng.next_u64() % 9);
        let data = rng.bytes(len);
        s.inputs += 1;
        if let Some(path) = &last_input {
            // Written before the check: a crash (not a mismatch) leaves the input behind.
            std::fs::write(path, &data).expect("write BATON_FUZZ_LAST_INPUT");
        }
        let Some((case, outcome)) = check(&data) else {
            continue;
        };
        s.generated += 1;
        if seen.insert(case.wasm.clone()) {
            s.distinct += 1;
        }
        s.calls += outcome.calls;
        s.traps += outcome.traps;
        s.out_of_fuel += outcome.out_of_fuel;
        s.instantiated += outcome.instantiated as u64;
        match &outcome.verdict {
            Verdict::Agree => {}
            Verdict::Skipped(why) => {
                s.skipped += 1;
                if verbose {
                    println!("skipped: {why}");
                }
            }
            Verdict::Inconclusive(why) => {
                s.inconclusive += 1;
                if verbose {
                    println!("inconclusive: {why}");
                }
            }
            Verdict::Mismatch { kind, detail } => {
                // Shrinking is slow; the saved module can be shrunk later with
                // `baton_fuzz::shrink` (or the `differential` fuzz target's reproducer).
                let path = save_mismatch(&dir, &case, &outcome, 0).expect("save mismatch");
                s.mismatches
                    .push(format!("{kind}: {detail} ({})", path.display()));
            }
        }
    }
    let elapsed = start.elapsed();
    println!(
        "{what}: seed {seed:#x}, {} inputs -> {} modules ({} distinct), {} instantiated, \
         {} skipped, {} inconclusive (stack exhaustion on one side only); {} calls, {} traps \
         ({} out of fuel); {} mismatches; {:.1} s{}",
        s.inputs,
        s.generated,
        s.distinct,
        s.instantiated,
        s.skipped,
        s.inconclusive,
        s.calls,
        s.traps,
        s.out_of_fuel,
        s.mismatches.len(),
        elapsed.as_secs_f64(),
        if capped { " (time cap reached)" } else { "" }
    );
    for m in &s.mismatches {
        println!("MISMATCH {m}");
    }
    assert!(s.generated > 0, "no module was generated");
    assert!(
        s.mismatches.is_empty(),
        "{what}: {} mismatches",
        s.mismatches.len()
    );
}

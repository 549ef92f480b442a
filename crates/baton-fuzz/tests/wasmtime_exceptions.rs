//! A bounded, seeded differential run: Baton against Wasmtime (Cranelift) on generated
//! modules with exception handling and typed function references, which wasmi lacks.
//!
//! `cargo test --release -p baton-fuzz --features wasmtime --test wasmtime_exceptions --
//! --nocapture` prints the statistics. Environment overrides: `BATON_FUZZ_WT_CASES`
//! (default 50 000 inputs, about 70 s on two cores), `BATON_FUZZ_WT_SEED` (default
//! fixed), `BATON_FUZZ_SECONDS` (a time cap, default 100 s), `BATON_FUZZ_VERBOSE`.
//! A mismatch fails the test after the module is saved, with a shrunk copy, under
//! `crates/baton-fuzz/mismatches/`.
#![cfg(feature = "wasmtime")]

use baton_fuzz::{
    check_wasmtime, env_u64, execute_wasmtime, save_mismatch_with, SplitMix, Verdict,
};
use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

/// The operators this comparison is about, by name as `census` counts them.
const OPERATORS: [&str; 9] = [
    "throw",
    "throw_ref",
    "try_table",
    "call_ref",
    "return_call_ref",
    "br_on_null",
    "br_on_non_null",
    "ref.as_non_null",
    "call_indirect",
];

/// Adds to `counts` (per entry of [`OPERATORS`]) 1 for each of them `wasm` contains.
fn census(wasm: &[u8], counts: &mut [u64; OPERATORS.len()]) {
    use wasmparser::Operator as O;
    let mut seen = [false; OPERATORS.len()];
    for payload in wasmparser::Parser::new(0).parse_all(wasm).flatten() {
        let wasmparser::Payload::CodeSectionEntry(body) = payload else {
            continue;
        };
        let Ok(ops) = body.get_operators_reader() else {
            continue;
        };
        for op in ops.into_iter().flatten() {
            let i = match op {
                O::Throw { .. } => 0,
                O::ThrowRef => 1,
                O::TryTable { .. } => 2,
                O::CallRef { .. } => 3,
                O::ReturnCallRef { .. } => 4,
                O::BrOnNull { .. } => 5,
                O::BrOnNonNull { .. } => 6,
                O::RefAsNonNull => 7,
                O::CallIndirect { .. } => 8,
                _ => continue,
            };
            seen[i] = true;
        }
    }
    for (c, s) in counts.iter_mut().zip(seen) {
        *c += s as u64;
    }
}

#[test]
fn baton_agrees_with_wasmtime_on_exceptions_and_typed_function_references() {
    // A thread with a large stack: Wasmtime runs Wasm on it (up to 1 MiB, see
    // `wasmtime_side::MAX_WASM_STACK`), and a mismatch is shrunk on it too.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(run)
        .expect("spawn")
        .join()
        .unwrap_or_else(|p| std::panic::resume_unwind(p));
}

fn run() {
    let cases = env_u64("BATON_FUZZ_WT_CASES", 50_000);
    let seed = env_u64("BATON_FUZZ_WT_SEED", 0x0ba7_0f00_e4c0);
    let cap = Duration::from_secs(env_u64("BATON_FUZZ_SECONDS", 100));
    let verbose = std::env::var_os("BATON_FUZZ_VERBOSE").is_some();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("mismatches");
    let mut rng = SplitMix(seed);
    let mut seen = HashSet::new();
    let (mut inputs, mut generated, mut distinct, mut instantiated) = (0u64, 0u64, 0u64, 0u64);
    let (mut skipped, mut inconclusive, mut calls, mut traps, mut out_of_fuel) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    let (mut exceptions, mut typed) = (0u64, 0u64);
    let mut mismatches = Vec::new();
    let mut with = [0u64; OPERATORS.len()];
    let start = Instant::now();
    let mut capped = false;
    for _ in 0..cases {
        if start.elapsed() > cap {
            capped = true;
            break;
        }
        let len = 64 << (rng.next_u64() % 9);
        let data = rng.bytes(len);
        inputs += 1;
        let Some((case, outcome)) = check_wasmtime(&data) else {
            continue;
        };
        generated += 1;
        census(&case.wasm, &mut with);
        if seen.insert(case.wasm.clone()) {
            distinct += 1;
        }
        typed += case.config.contains("typed_func_refs=true") as u64;
        calls += outcome.calls;
        traps += outcome.traps;
        out_of_fuel += outcome.out_of_fuel;
        instantiated += outcome.instantiated as u64;
        exceptions += outcome.transcript.matches("baton: Err(Exception").count() as u64;
        match &outcome.verdict {
            Verdict::Agree => {}
            Verdict::Skipped(why) => {
                skipped += 1;
                if verbose {
                    println!("skipped: {why}");
                }
            }
            Verdict::Inconclusive(why) => {
                inconclusive += 1;
                if verbose {
                    println!("inconclusive: {why}");
                }
            }
            Verdict::Mismatch { kind, detail } => {
                let path = save_mismatch_with(execute_wasmtime, &dir, &case, &outcome, 200)
                    .expect("save mismatch");
                let shrunk = path.with_extension("shrunk.wat");
                let wat = std::fs::read_to_string(&shrunk).unwrap_or_default();
                mismatches.push(format!(
                    "{kind}: {detail}\n  saved: {}\n  shrunk reproducer ({}):\n{wat}",
                    path.display(),
                    shrunk.display()
                ));
            }
        }
    }
    println!(
        "baton vs wasmtime (exceptions, typed function references): seed {seed:#x}, {inputs} \
         inputs -> {generated} modules ({distinct} distinct, {typed} with typed function \
         references), {instantiated} instantiated, {skipped} skipped, {inconclusive} \
         inconclusive (stack exhaustion on one side only); {calls} calls, {traps} traps \
         ({out_of_fuel} out of fuel), {exceptions} uncaught exceptions; {} mismatches; {:.1} s{}",
        mismatches.len(),
        start.elapsed().as_secs_f64(),
        if capped { " (time cap reached)" } else { "" }
    );
    let with: Vec<String> = OPERATORS
        .iter()
        .zip(with)
        .map(|(n, c)| format!("{n} {c}"))
        .collect();
    println!("modules containing: {}", with.join(", "));
    for m in &mismatches {
        println!("MISMATCH {m}");
    }
    assert!(generated > 0, "no module was generated");
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// The plumbing on a known module: an uncaught exception with a payload (thrown, and
/// rethrown with `throw_ref`), an `exnref` result, `call_ref` on a `(ref $t)` argument,
/// `br_on_null`, and a null `call_ref` (trap) compare equal, described the same way.
#[test]
fn known_module_agrees() {
    use baton_fuzz::{execute_wasmtime_calls, Calls, Value};
    let wat = r#"(module
      (type $t (func (param i32) (result i32)))
      (tag $e (export "e") (param i32 f64))
      (func $inc (export "inc") (type $t) (i32.add (local.get 0) (i32.const 1)))
      (func (export "throw") (param i32)
        (throw $e (local.get 0) (f64.const 2.5)))
      (func (export "rethrow") (param i32)
        (block $h (result exnref)
          (try_table (catch_all_ref $h) (throw $e (local.get 0) (f64.const -1)))
          (unreachable))
        (throw_ref))
      (func (export "catch") (param i32) (result exnref)
        (block $h (result exnref)
          (try_table (catch_all_ref $h) (throw $e (local.get 0) (f64.const 0)))
          (ref.null exn)))
      (func (export "call") (param (ref $t)) (param i32) (result i32)
        (call_ref $t (local.get 1) (local.get 0)))
      (func (export "maybe") (param (ref null $t)) (result i32)
        (block $null (result i32)
          (i32.const 41)
          (br_on_null $null (local.get 0))
          (return (call_ref $t)))
        (drop)
        (i32.const -1))
      (func (export "null") (param (ref null $t)) (result i32)
        (call_ref $t (i32.const 0) (local.get 0))))"#;
    let wasm = wat::parse_str(wat).expect("wat");
    let inc = || Value::FuncRef(Some("inc".into()));
    let calls = [
        ("throw", vec![Value::I32(7)]),
        ("rethrow", vec![Value::I32(8)]),
        ("catch", vec![Value::I32(9)]),
        ("call", vec![inc(), Value::I32(1)]),
        ("maybe", vec![inc()]),
        ("maybe", vec![Value::FuncRef(None)]),
        ("null", vec![Value::FuncRef(None)]),
    ];
    let listed: Vec<(&str, Vec<Value>)> = calls.to_vec();
    let out = execute_wasmtime_calls(&wasm, Calls::Listed(&listed));
    println!("{}", out.transcript);
    assert_eq!(out.verdict, Verdict::Agree, "{}", out.transcript);
    assert_eq!(out.calls, 7);
    for expected in [
        "wasmtime: Err(Exception(\"exn [I32, F64] [I32(7), F64(4612811918334230528)]\"))",
        "wasmtime: Err(Exception(\"exn [I32, F64] [I32(8), F64(13830554455654793216)]\"))",
        "wasmtime: Ok([ExnRef(Some(\"exn [I32, F64] [I32(9), F64(0)]\"))])",
        "wasmtime: Ok([I32(2)])",
        "wasmtime: Ok([I32(42)])",
        "wasmtime: Ok([I32(-1)])",
        "wasmtime: Err(Trap(NullReference))",
    ] {
        assert!(
            out.transcript.contains(expected),
            "{expected} not in {}",
            out.transcript
        );
    }
}

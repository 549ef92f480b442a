//! A bounded, seeded differential run: Baton against Wasmtime (Cranelift) on generated
//! modules with GC (structures, arrays, `i31`, casts, conversions between `any` and
//! `extern`, GC constant expressions), which wasmi lacks.
//!
//! `cargo test --release -p baton-fuzz --features wasmtime --test wasmtime_gc --
//! --nocapture` prints the statistics. Environment overrides: `BATON_FUZZ_GC_CASES`
//! (default 16 000 inputs; on two cores the time cap usually ends the run first), `BATON_FUZZ_GC_SEED` (default
//! fixed), `BATON_FUZZ_SECONDS` (a time cap, default 60 s), `BATON_FUZZ_GC_ROUNDS` (the
//! template module's rounds, see [`template_module_agrees`]), `BATON_FUZZ_VERBOSE`.
//! A mismatch fails the test after the module is saved, with a shrunk copy, under
//! `crates/baton-fuzz/mismatches/`.
//!
//! GC references are compared by what both engines can observe of them: null-ness, an
//! `i31`'s value, whether an object is a structure or an array, a converted host
//! reference's tag. Running out of GC heap on either side (Wasmtime collects, Baton does
//! not yet, and both are capped by the runner) makes a module inconclusive; those are
//! counted. Most of them are constant expressions (globals, element segments) with an
//! `array.new` of a huge length, which wasm-smith makes often and fuel cannot bound.
#![cfg(feature = "wasmtime")]

use baton_fuzz::{
    check_gc, env_u64, execute_wasmtime, save_mismatch_with, Outcome, SplitMix, TestCase, Verdict,
};
use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

/// The GC operators, by name as `census` counts them (a name stands for its variants:
/// `struct.new` includes `struct.new_default`, `struct.get` the packed `_s`/`_u`...).
/// The last entry counts GC allocations in constant expressions (globals, element
/// segments).
const OPERATORS: [&str; 21] = [
    "struct.new",
    "struct.get",
    "struct.set",
    "array.new",
    "array.new_fixed",
    "array.new_data/elem",
    "array.get",
    "array.set",
    "array.len",
    "array.fill",
    "array.copy",
    "array.init_data/elem",
    "ref.test",
    "ref.cast",
    "br_on_cast(_fail)",
    "ref.i31",
    "i31.get",
    "ref.eq",
    "any.convert_extern",
    "extern.convert_any",
    "const-expr allocation",
];

/// The index in [`OPERATORS`] of a GC operator, `None` for the others.
fn operator_index(op: &wasmparser::Operator<'_>) -> Option<usize> {
    use wasmparser::Operator as O;
    Some(match op {
        O::StructNew { .. } | O::StructNewDefault { .. } => 0,
        O::StructGet { .. } | O::StructGetS { .. } | O::StructGetU { .. } => 1,
        O::StructSet { .. } => 2,
        O::ArrayNew { .. } | O::ArrayNewDefault { .. } => 3,
        O::ArrayNewFixed { .. } => 4,
        O::ArrayNewData { .. } | O::ArrayNewElem { .. } => 5,
        O::ArrayGet { .. } | O::ArrayGetS { .. } | O::ArrayGetU { .. } => 6,
        O::ArraySet { .. } => 7,
        O::ArrayLen => 8,
        O::ArrayFill { .. } => 9,
        O::ArrayCopy { .. } => 10,
        O::ArrayInitData { .. } | O::ArrayInitElem { .. } => 11,
        O::RefTestNonNull { .. } | O::RefTestNullable { .. } => 12,
        O::RefCastNonNull { .. } | O::RefCastNullable { .. } => 13,
        O::BrOnCast { .. } | O::BrOnCastFail { .. } => 14,
        O::RefI31 => 15,
        O::I31GetS | O::I31GetU => 16,
        O::RefEq => 17,
        O::AnyConvertExtern => 18,
        O::ExternConvertAny => 19,
        _ => return None,
    })
}

/// Adds to `counts` (per entry of [`OPERATORS`]) 1 for each of them `wasm` contains.
fn census(wasm: &[u8], counts: &mut [u64; OPERATORS.len()]) {
    let mut seen = [false; OPERATORS.len()];
    // Whether a constant expression allocates (`struct.new`, `array.new*`).
    let allocates = |expr: &wasmparser::ConstExpr<'_>| {
        expr.get_operators_reader()
            .into_iter()
            .flatten()
            .any(|op| matches!(operator_index(&op), Some(0 | 3 | 4)))
    };
    for payload in wasmparser::Parser::new(0).parse_all(wasm).flatten() {
        match payload {
            wasmparser::Payload::CodeSectionEntry(body) => {
                let Ok(ops) = body.get_operators_reader() else {
                    continue;
                };
                for op in ops.into_iter().flatten() {
                    if let Some(i) = operator_index(&op) {
                        seen[i] = true;
                    }
                }
            }
            wasmparser::Payload::GlobalSection(r) => {
                for g in r.into_iter().flatten() {
                    seen[20] |= allocates(&g.init_expr);
                }
            }
            wasmparser::Payload::ElementSection(r) => {
                for e in r.into_iter().flatten() {
                    if let wasmparser::ElementItems::Expressions(_, exprs) = e.items {
                        for expr in exprs.into_iter().flatten() {
                            seen[20] |= allocates(&expr);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    for (c, s) in counts.iter_mut().zip(seen) {
        *c += s as u64;
    }
}

/// What the run observed in Baton's answers (both engines agreed on them unless the run
/// reports a mismatch), by substring of the transcript's `baton:` lines.
const OBSERVED: [(&str, &str); 9] = [
    ("i31 results", "I31("),
    ("struct results", "Struct"),
    ("array results", "Array"),
    ("converted host refs", "Host("),
    ("externs from any", "ExternAny("),
    ("null-reference traps", "Trap(NullReference)"),
    ("cast failures", "Trap(CastFailure)"),
    ("array out of bounds", "Trap(ArrayOutOfBounds)"),
    ("GC out of memory", "Trap(GcOutOfMemory)"),
];

/// Runs `f` on a thread with a large stack: Wasmtime runs Wasm on it (up to 1 MiB, see
/// `wasmtime_side::MAX_WASM_STACK`), and a mismatch is shrunk on it too.
fn on_large_stack(f: fn()) {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(f)
        .expect("spawn")
        .join()
        .unwrap_or_else(|p| std::panic::resume_unwind(p));
}

/// Saves a mismatch (shrunk) under `mismatches/` and describes it with the reproducer.
fn report(case: &TestCase, outcome: &Outcome, kind: &str, detail: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("mismatches");
    let path =
        save_mismatch_with(execute_wasmtime, &dir, case, outcome, 200).expect("save mismatch");
    let shrunk = path.with_extension("shrunk.wat");
    let wat = std::fs::read_to_string(&shrunk).unwrap_or_default();
    format!(
        "{kind}: {detail}\n  saved: {}\n  shrunk reproducer ({}):\n{wat}",
        path.display(),
        shrunk.display()
    )
}

/// Adds to `counts` what Baton's answers in `transcript` show (see [`OBSERVED`]).
fn observe(transcript: &str, counts: &mut [u64; OBSERVED.len()]) {
    for line in transcript.lines() {
        if let Some(answer) = line.strip_prefix("  baton: ") {
            for (count, (_, needle)) in counts.iter_mut().zip(OBSERVED) {
                *count += answer.matches(needle).count() as u64;
            }
        }
    }
}

/// [`OBSERVED`] and `counts` as one line.
fn observed_line(counts: [u64; OBSERVED.len()]) -> String {
    let parts: Vec<String> = OBSERVED
        .iter()
        .zip(counts)
        .map(|((n, _), c)| format!("{n} {c}"))
        .collect();
    parts.join(", ")
}

#[test]
fn baton_agrees_with_wasmtime_on_gc() {
    on_large_stack(run);
}

fn run() {
    let cases = env_u64("BATON_FUZZ_GC_CASES", 16_000);
    let seed = env_u64("BATON_FUZZ_GC_SEED", 0x0ba7_06c0_ffee);
    let cap = Duration::from_secs(env_u64("BATON_FUZZ_SECONDS", 60));
    let verbose = std::env::var_os("BATON_FUZZ_VERBOSE").is_some();
    let mut rng = SplitMix(seed);
    let mut seen = HashSet::new();
    let (mut inputs, mut generated, mut distinct, mut instantiated) = (0u64, 0u64, 0u64, 0u64);
    let (mut skipped, mut inconclusive, mut gc_oom, mut calls, mut traps, mut out_of_fuel) =
        (0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
    let mut mismatches = Vec::new();
    let mut with = [0u64; OPERATORS.len()];
    let mut observed = [0u64; OBSERVED.len()];
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
        let Some((case, outcome)) = check_gc(&data) else {
            continue;
        };
        generated += 1;
        census(&case.wasm, &mut with);
        if seen.insert(case.wasm.clone()) {
            distinct += 1;
        }
        calls += outcome.calls;
        traps += outcome.traps;
        out_of_fuel += outcome.out_of_fuel;
        instantiated += outcome.instantiated as u64;
        observe(&outcome.transcript, &mut observed);
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
                gc_oom += why.contains("GcOutOfMemory") as u64;
                if verbose {
                    println!("inconclusive: {why}");
                }
            }
            Verdict::Mismatch { kind, detail } => {
                mismatches.push(report(&case, &outcome, kind, detail));
            }
        }
    }
    println!(
        "baton vs wasmtime (GC): seed {seed:#x}, {inputs} inputs -> {generated} modules \
         ({distinct} distinct), {instantiated} instantiated, {skipped} skipped, \
         {inconclusive} inconclusive ({gc_oom} out of GC heap, the rest stack exhaustion on \
         one side only); {calls} calls, {traps} traps ({out_of_fuel} out of fuel); {} \
         mismatches; {:.1} s{}",
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
    println!("observed (baton, agreed): {}", observed_line(observed));
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

/// The GC operators the generator seldom emits (`array.copy`, `array.fill`,
/// `array.init_data`/`_elem`, `array.new_data`/`_elem`, `array.set`, packed fields,
/// `br_on_cast` chains, `ref.eq`, GC state in a global and a table), in a fixed module
/// (`tests/gc/template.wat`) called with drawn arguments: each round instantiates it
/// afresh on both engines and calls every export one to three times.
/// `BATON_FUZZ_GC_ROUNDS` (default 200, about 10 s) sets the number of rounds.
#[test]
fn template_module_agrees() {
    on_large_stack(run_template);
}

fn run_template() {
    let wasm = wat::parse_str(include_str!("gc/template.wat")).expect("template.wat");
    let rounds = env_u64("BATON_FUZZ_GC_ROUNDS", 200);
    let seed = env_u64("BATON_FUZZ_GC_SEED", 0x0ba7_06c0_ffee);
    let mut rng = SplitMix(seed.rotate_left(17));
    let (mut calls, mut traps) = (0u64, 0u64);
    let mut observed = [0u64; OBSERVED.len()];
    let mut mismatches = Vec::new();
    let start = Instant::now();
    for _ in 0..rounds {
        let case = TestCase {
            wasm: wasm.clone(),
            args: rng.bytes(2048),
            config: "tests/gc/template.wat".into(),
        };
        let outcome = execute_wasmtime(&case.wasm, &case.args);
        calls += outcome.calls;
        traps += outcome.traps;
        observe(&outcome.transcript, &mut observed);
        match &outcome.verdict {
            Verdict::Agree => {}
            Verdict::Mismatch { kind, detail } => {
                mismatches.push(report(&case, &outcome, kind, detail));
            }
            other => panic!("the template module must run: {other:?}"),
        }
    }
    println!(
        "baton vs wasmtime (GC template): {rounds} rounds, {calls} calls, {traps} traps; {} \
         mismatches; {:.1} s",
        mismatches.len(),
        start.elapsed().as_secs_f64()
    );
    println!("observed (baton, agreed): {}", observed_line(observed));
    for m in &mismatches {
        println!("MISMATCH {m}");
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    // Both paths of the masked offsets: in bounds and out of bounds.
    assert!(traps > 0 && traps < calls, "{traps} traps of {calls} calls");
}

/// The plumbing on a known module: structures, arrays, `i31`s and converted host
/// references as results (and `i31`/host arguments), the GC traps (cast failure, array
/// out of bounds, null structure), and GC values in globals and tables compare equal,
/// described the same way on both engines.
#[test]
fn known_module_agrees() {
    use baton_fuzz::{execute_wasmtime_calls, Calls, GcRef, Value};
    let wat = r#"(module
      (type $s (struct (field (mut i32)) (field i8)))
      (type $a (array (mut i64)))
      (global $g (export "g") (mut anyref) (struct.new $s (i32.const 1) (i32.const 2)))
      (table $t (export "t") 3 anyref)
      (elem (table $t) (i32.const 0) anyref (ref.i31 (i32.const -1)) (array.new_fixed $a 0))
      (func (export "struct") (param i32) (result (ref $s) i32)
        (local $r (ref null $s))
        (local.set $r (struct.new $s (local.get 0) (i32.const 300)))
        (struct.set $s 0 (local.get $r) (i32.add (struct.get $s 0 (local.get $r)) (i32.const 1)))
        (ref.as_non_null (local.get $r))
        (struct.get_s $s 1 (local.get $r)))
      (func (export "array") (param i32) (result arrayref i64)
        (local $r (ref $a))
        (local.set $r (array.new $a (i64.const 7) (i32.const 4)))
        (local.get $r)
        (array.get $a (local.get $r) (local.get 0)))
      (func (export "i31") (param i32) (result i31ref i32 i32)
        (ref.i31 (local.get 0))
        (i31.get_s (ref.i31 (local.get 0)))
        (i31.get_u (ref.i31 (local.get 0))))
      (func (export "cast") (param anyref) (result (ref $s))
        (ref.cast (ref $s) (local.get 0)))
      (func (export "test") (param anyref) (result i32 i32 i32)
        (ref.test (ref i31) (local.get 0))
        (ref.test (ref $s) (local.get 0))
        (ref.test (ref null none) (local.get 0)))
      (func (export "null_get") (param (ref null $s)) (result i32)
        (struct.get $s 0 (local.get 0)))
      (func (export "round_trip") (param externref) (result anyref externref)
        (any.convert_extern (local.get 0))
        (extern.convert_any (any.convert_extern (local.get 0))))
      (func (export "to_extern") (param anyref) (result externref)
        (extern.convert_any (local.get 0))))"#;
    let wasm = wat::parse_str(wat).expect("wat");
    let i31 = |v: u32| Value::AnyRef(Some(GcRef::I31(v)));
    let calls = [
        ("struct", vec![Value::I32(41)]),
        ("array", vec![Value::I32(3)]),
        ("array", vec![Value::I32(4)]),
        ("i31", vec![Value::I32(-1)]),
        ("cast", vec![i31(5)]),
        ("cast", vec![Value::AnyRef(None)]),
        ("test", vec![i31(5)]),
        ("test", vec![Value::AnyRef(None)]),
        ("test", vec![Value::AnyRef(Some(GcRef::Host(3)))]),
        ("null_get", vec![Value::AnyRef(None)]),
        ("round_trip", vec![Value::ExternRef(Some(6))]),
        ("to_extern", vec![i31(9)]),
    ];
    let listed: Vec<(&str, Vec<Value>)> = calls.to_vec();
    let out = execute_wasmtime_calls(&wasm, Calls::Listed(&listed));
    println!("{}", out.transcript);
    assert_eq!(out.verdict, Verdict::Agree, "{}", out.transcript);
    assert_eq!(out.calls, 12);
    for expected in [
        "wasmtime: Ok([AnyRef(Some(Struct)), I32(44)])",
        "wasmtime: Ok([AnyRef(Some(Array)), I64(7)])",
        "wasmtime: Err(Trap(ArrayOutOfBounds))",
        "wasmtime: Ok([AnyRef(Some(I31(2147483647))), I32(-1), I32(2147483647)])",
        "wasmtime: Err(Trap(CastFailure))",
        "wasmtime: Ok([I32(1), I32(0), I32(0)])",
        "wasmtime: Ok([I32(0), I32(0), I32(1)])",
        "wasmtime: Err(Trap(NullReference))",
        "wasmtime: Ok([AnyRef(Some(Host(6))), ExternRef(Some(6))])",
        "wasmtime: Ok([ExternAny(I31(9))])",
    ] {
        assert!(
            out.transcript.contains(expected),
            "{expected} not in {}",
            out.transcript
        );
    }
}

/// Found by this run (the CI seed `0x0ba7_06c0_ffee`, its input 56 counting from 0): a constant expression's
/// `array.new` of a huge length must trap, not exhaust the host. Baton's `alloc_const`
/// (`crates/baton/src/instance.rs`) builds the array's contents, 8 bytes an element
/// (`one.repeat(len)`), before `GcHeap::alloc` asks the limiter: with `len = 2^32 - 1`
/// that is a 32 GiB `Vec`, and the process aborts ("memory allocation of 34359738360
/// bytes failed") whatever the limiter says; with smaller lengths it takes gigabytes and
/// seconds before trapping. Wasmtime traps ("allocation size too large"). The runner
/// works around it (Wasmtime is instantiated first, and Baton not where Wasmtime ran out
/// of GC heap); this test checks Baton alone. Fixed: the array is now allocated (the limiter
/// asked) before it is filled.
#[test]
fn const_expr_array_new_of_a_huge_length_traps() {
    let wat = r#"(module
      (type $a (array i8))
      (global (export "g") anyref (array.new $a (i32.const 0) (i32.const -1))))"#;
    let wasm = wat::parse_str(wat).expect("wat");
    let engine = baton::Engine::default();
    let module = baton::Module::from_binary(&engine, &wasm).expect("valid");
    let mut store = baton::Store::new(&engine, ());
    store.limiter(
        baton::StoreLimitsBuilder::new()
            .gc_heap_size(64 << 20)
            .build(),
    );
    match baton::Linker::new(&engine).instantiate(&mut store, &module) {
        Err(baton::Error::Trap(t)) => assert_eq!(t.code(), baton::TrapCode::GcHeapOutOfMemory),
        Err(e) => panic!("expected a GcHeapOutOfMemory trap, got {e}"),
        Ok(_) => panic!("expected a GcHeapOutOfMemory trap, the instance was made"),
    }
}

//! Criterion benchmarks for Baton: `cargo bench -p baton-bench`.
//!
//! Groups:
//! - `execute/NAME`: one `run(n)` call of every workload in
//!   `benches/workloads` (bench input; `BATON_BENCH_INPUT=small` switches to
//!   the small input for a quick pass). Compile and instantiate are outside
//!   the timed part.
//! - `interpreters/NAME`: an interpreter compiled to Wasm (Lua, QuickJS) running its
//!   script (`benches/interpreters`; bench rounds, or small with
//!   `BATON_BENCH_INPUT=small`), WASI set-up included, compilation not.
//! - `translate/NAME`: `Module::new` (validate + translate) of a ~4 MiB
//!   synthetic module and of the C workloads; throughput in module bytes.
//! - `instantiate/NAME`: `Instance::new` of already compiled modules in a
//!   fresh store.
//! - `call_overhead/*`: host->wasm calls of trivial exports (typed and
//!   untyped) and wasm->host call round trips.
//!
//! Compiler-regression workflow (see docs/benchmarks.md):
//! `cargo +stable bench -p baton-bench -- --save-baseline stable`, then
//! `cargo +nightly bench -p baton-bench -- --baseline stable`.

use std::hint::black_box;
use std::time::Duration;

use baton::{Engine, Instance, Linker, Module, Store, Val};
use baton_bench::{load_workloads, synth, Instantiated};
use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};

/// Size of the synthetic translation module, in MiB of function bodies.
const SYNTHETIC_MIB: usize = 4;

fn execute(c: &mut Criterion) {
    let small = std::env::var("BATON_BENCH_INPUT").is_ok_and(|v| v == "small");
    let engine = Engine::default();
    let mut group = c.benchmark_group("execute");
    // Bench inputs take ~0.2-1 s per call: flat sampling with the minimum
    // sample count keeps a full pass at a few seconds per workload
    // (criterion's default linear sampling would run 55 calls per sample set).
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(if small { 2 } else { 5 }));
    for w in load_workloads() {
        let n = if small { w.small_n } else { w.bench_n };
        let mut inst = match Instantiated::new(&engine, &w.wasm) {
            Ok(i) => i,
            Err(e) => {
                eprintln!("execute/{}: skipped, cannot instantiate: {e}", w.name);
                continue;
            }
        };
        // Check the answer once before timing: a fast wrong engine is not a
        // result worth reporting.
        match inst.call(n) {
            Ok(r) => {
                if let Some(expected) = w.expected(n) {
                    assert_eq!(
                        r, expected,
                        "execute/{}: wrong checksum for run({n})",
                        w.name
                    );
                }
            }
            Err(e) => {
                eprintln!("execute/{}: skipped, run({n}) failed: {e}", w.name);
                continue;
            }
        }
        group.bench_function(BenchmarkId::new(&w.name, n), |b| {
            b.iter(|| inst.call(black_box(n)).expect("run failed"))
        });
    }
    group.finish();
}

fn interpreters(c: &mut Criterion) {
    let small = std::env::var("BATON_BENCH_INPUT").is_ok_and(|v| v == "small");
    let engine = Engine::default();
    let mut group = c.benchmark_group("interpreters");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(if small { 3 } else { 8 }));
    let dir = baton_bench::interpreters_dir();
    let list = baton_bench::load_interpreters(&dir, |_| true).unwrap_or_else(|e| panic!("{e}"));
    for interp in list {
        let rounds = if small {
            interp.small_rounds
        } else {
            interp.bench_rounds
        };
        let module = Module::new(&engine, &interp.wasm).expect("interpreter compiles");
        // Checked once before timing, as for `execute`.
        let sum = interp
            .run_module(&module, rounds)
            .expect("interpreter runs");
        assert_eq!(
            Some(sum),
            interp.expected(rounds),
            "interpreters/{}",
            interp.name
        );
        group.bench_function(BenchmarkId::new(&interp.name, rounds), |b| {
            b.iter(|| {
                interp
                    .run_module(&module, black_box(rounds))
                    .expect("run failed")
            })
        });
    }
    group.finish();
}

fn translate(c: &mut Criterion) {
    let engine = Engine::default();
    let mut modules: Vec<(String, Vec<u8>)> = vec![(
        format!("synthetic_{SYNTHETIC_MIB}mib"),
        synth::synthetic_module(SYNTHETIC_MIB),
    )];
    for w in load_workloads() {
        // The hand-written .wat workloads are a few hundred bytes: too small
        // to say anything about throughput. Keep the compiled C programs.
        if w.wasm.len() > 2048 {
            modules.push((w.name.clone(), w.wasm.clone()));
        }
    }
    let mut group = c.benchmark_group("translate");
    group.sample_size(10);
    for (name, bytes) in &modules {
        if let Err(e) = Module::validate(&engine, bytes) {
            eprintln!("translate/{name}: skipped, invalid for Baton: {e}");
            continue;
        }
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(BenchmarkId::new("module_new", name), |b| {
            b.iter(|| Module::new(&engine, black_box(bytes.as_slice())).expect("translate"))
        });
        if name.starts_with("synthetic") {
            // Validation alone, to separate its cost from translation's.
            group.bench_function(BenchmarkId::new("validate", name), |b| {
                b.iter(|| Module::validate(&engine, black_box(bytes.as_slice())).expect("validate"))
            });
        }
    }
    group.finish();
}

fn instantiate(c: &mut Criterion) {
    let engine = Engine::default();
    let mut group = c.benchmark_group("instantiate");
    let mut modules = Vec::new();
    for w in load_workloads() {
        match Module::new(&engine, &w.wasm) {
            Ok(m) => modules.push((w.name, m)),
            Err(e) => eprintln!("instantiate/{}: skipped: {e}", w.name),
        }
    }
    // A module with many functions, a table with an element segment and a
    // memory: instantiation cost that grows with the module.
    match Module::new(&engine, synth::synthetic_module(1)) {
        Ok(m) => modules.push(("synthetic_1mib".to_string(), m)),
        Err(e) => eprintln!("instantiate/synthetic: skipped: {e}"),
    }
    for (name, module) in &modules {
        group.bench_function(name.as_str(), |b| {
            b.iter(|| {
                // A fresh store per iteration, as an embedder running one
                // instance per request would do; dropping it is timed too.
                let mut store = Store::new(&engine, ());
                let instance = Instance::new(&mut store, module, &[]).expect("instantiate");
                black_box((instance, store))
            })
        });
    }
    group.finish();
}

const CALL_WAT: &str = r#"
(module
  (import "host" "id" (func $id (param i32) (result i32)))
  (func (export "nop"))
  (func (export "add") (param i64 i64) (result i64)
    (i64.add (local.get 0) (local.get 1)))
  ;; calls the host `n` times; returns the last value so nothing is dead
  (func (export "call_host") (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $top
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (call $id (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $top)))
    (local.get $acc)))
"#;

/// Host calls per `call_host` invocation; reported as throughput elements so
/// criterion prints the time per round trip.
const HOST_CALLS: i32 = 1000;

fn call_overhead(c: &mut Criterion) {
    let engine = Engine::default();
    let module = Module::new(&engine, CALL_WAT).expect("call_overhead module");
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap("host", "id", |x: i32| x)
        .expect("define host.id");
    let mut store = Store::new(&engine, ());
    let instance = linker
        .instantiate(&mut store, &module)
        .expect("instantiate");

    let mut group = c.benchmark_group("call_overhead");
    let nop = instance
        .get_typed_func::<(), ()>(&store, "nop")
        .expect("nop");
    group.bench_function("host_to_wasm_typed_nop", |b| {
        b.iter(|| nop.call(&mut store, ()).expect("nop"))
    });
    let add = instance
        .get_typed_func::<(i64, i64), i64>(&store, "add")
        .expect("add");
    group.bench_function("host_to_wasm_typed_add", |b| {
        b.iter(|| {
            add.call(&mut store, (black_box(1), black_box(2)))
                .expect("add")
        })
    });
    let add_untyped = instance.get_func(&store, "add").expect("add");
    group.bench_function("host_to_wasm_untyped_add", |b| {
        let mut results = [Val::I64(0)];
        b.iter(|| {
            add_untyped
                .call(
                    &mut store,
                    &[Val::I64(black_box(1)), Val::I64(2)],
                    &mut results,
                )
                .expect("add");
            results[0]
        })
    });
    let call_host = instance
        .get_typed_func::<i32, i32>(&store, "call_host")
        .expect("call_host");
    group.throughput(Throughput::Elements(HOST_CALLS as u64));
    group.bench_function(
        BenchmarkId::new("wasm_to_host_round_trip", HOST_CALLS),
        |b| {
            b.iter(|| {
                call_host
                    .call(&mut store, black_box(HOST_CALLS))
                    .expect("call_host")
            })
        },
    );
    group.finish();
}

criterion_group!(
    benches,
    execute,
    interpreters,
    translate,
    instantiate,
    call_overhead
);
criterion_main!(benches);

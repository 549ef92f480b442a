//! Lazy translation and the background translator under concurrency and across
//! instances: several threads sharing a module and racing to first-call the same
//! functions (with and without the background worker, with and without fuel) must see
//! the same results, traps, backtraces, exceptions and fuel as one thread running alone,
//! and as eager compilation where fuel is off.

use baton::{
    CompilationMode, Config, Engine, Error, Linker, Module, ResumableCall, Store, TrapCode, Val,
};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

/// Functions in the call graph.
const N: usize = 48;

/// A module with more than 64 KiB of code (so that it gets a background translator):
/// `$fI(x, mode)` runs a straight line of arithmetic, then for `x > 0` returns
/// `$fA(x - 1) ^ $fB(x - 2)` (a Fibonacci-shaped call graph over all the functions), and
/// at a leaf returns its sum, or, by `mode`, throws (`$f7`, mode 1) or traps (`$f11`,
/// mode 2). `run` calls `$f0`; `catching` calls it under a `try_table`; `all` calls every
/// function once at a leaf.
fn graph_module() -> String {
    let padding = "(local.set $a (i32.add (local.get $a) (i32.const 100000)))\n".repeat(200);
    let mut wat = String::from(
        "(module
  (tag $e (param i32))
  (func $run (export \"run\") (param i32 i32) (result i32)
    (call $f0 (local.get 0) (local.get 1)))
  (func $catching (export \"catching\") (param i32 i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $e $h)
        (call $f0 (local.get 0) (local.get 1)))
      (return))
    (i32.add (i32.const 1000)))\n",
    );
    let all: String = (0..N)
        .map(|i| format!("(local.set $s (i32.add (local.get $s) (call $f{i} (i32.const 0) (i32.const 0))))\n"))
        .collect();
    wat.push_str(&format!(
        "(func $all (export \"all\") (param i32 i32) (result i32) (local $s i32)\n{all} (local.get $s))\n"
    ));
    for i in 0..N {
        let a = (i * 5 + 1) % N;
        let b = (i * 11 + 3) % N;
        wat.push_str(&format!(
            "(func $f{i} (param $x i32) (param $mode i32) (result i32) (local $a i32)
               {padding}
               (if (result i32) (i32.le_s (local.get $x) (i32.const 0))
                 (then
                   (if (i32.and (i32.eq (local.get $mode) (i32.const 1)) (i32.eq (i32.const {i}) (i32.const 7)))
                     (then (throw $e (i32.add (local.get $a) (i32.const {i})))))
                   (if (i32.and (i32.eq (local.get $mode) (i32.const 2)) (i32.eq (i32.const {i}) (i32.const 11)))
                     (then (unreachable)))
                   (i32.add (local.get $a) (i32.const {i})))
                 (else
                   (i32.xor
                     (call $f{a} (i32.sub (local.get $x) (i32.const 1)) (local.get $mode))
                     (call $f{b} (i32.sub (local.get $x) (i32.const 2)) (local.get $mode))))))\n"
        ));
    }
    wat.push(')');
    wat
}

/// The calls each store makes, in order: export, `x`, `mode`.
const CALLS: &[(&str, i32, i32)] = &[
    ("run", 3, 0),
    ("catching", 9, 1),
    ("run", 9, 2),
    ("run", 10, 0),
    ("catching", 6, 1),
    ("run", 12, 2),
    ("all", 0, 0),
    ("run", 11, 0),
];

/// What a call gave: its value, or its trap and backtrace, or an uncaught exception; and
/// the fuel it used (0 without fuel).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Value(i32),
    Trap(TrapCode, Vec<String>),
    Exception,
    Other(String),
}

fn outcome(r: Result<i32, Error>) -> Outcome {
    match r {
        Ok(v) => Outcome::Value(v),
        Err(Error::Trap(t)) => Outcome::Trap(
            t.code(),
            t.backtrace()
                .iter()
                .map(|f| f.func_name.clone().unwrap_or_else(|| "?".into()))
                .collect(),
        ),
        Err(Error::Exception(_)) => Outcome::Exception,
        Err(e) => Outcome::Other(e.to_string()),
    }
}

fn engine(mode: CompilationMode, background: bool, fuel: bool, threads: usize) -> Engine {
    let mut config = Config::new();
    config
        .compilation_mode(mode)
        .background_translation(background)
        .consume_fuel(fuel)
        .compile_threads(threads);
    Engine::new(&config)
}

const FUEL: u64 = 1 << 40;

/// One store's run of `CALLS` on a new instance of `module`.
fn run_calls(engine: &Engine, module: &Module, fuel: bool) -> Vec<(Outcome, u64)> {
    let mut store = Store::new(engine, ());
    let instance = Linker::new(engine).instantiate(&mut store, module).unwrap();
    CALLS
        .iter()
        .map(|&(name, x, mode)| {
            let f = instance
                .get_typed_func::<(i32, i32), i32>(&store, name)
                .unwrap();
            if fuel {
                store.set_fuel(FUEL).unwrap();
            }
            let got = outcome(f.call(&mut store, (x, mode)));
            let used = if fuel {
                FUEL - store.get_fuel().unwrap()
            } else {
                0
            };
            (got, used)
        })
        .collect()
}

/// `CALLS` in one store, on one thread, lazily with no worker: the reference.
fn reference(fuel: bool) -> Vec<(Outcome, u64)> {
    let engine = engine(CompilationMode::Lazy, false, fuel, 1);
    let module = Module::new(&engine, graph_module()).unwrap();
    run_calls(&engine, &module, fuel)
}

/// Waits (a little) for `module`'s statistics to reach `want` translated functions.
fn settle(module: &Module, want: usize) -> usize {
    let start = Instant::now();
    loop {
        let n = module.stats().translated_funcs;
        if n >= want || start.elapsed() > Duration::from_secs(5) {
            return n;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn the_reference_run_exercises_values_traps_and_exceptions() {
    let want = reference(true);
    let kinds: Vec<_> = want
        .iter()
        .map(|(o, _)| match o {
            Outcome::Value(_) => "value",
            Outcome::Trap(TrapCode::Unreachable, names) => {
                assert!(names.len() > 3, "a deep backtrace: {names:?}");
                assert_eq!(names[0], "f11");
                assert_eq!(names.last().unwrap(), "run");
                "trap"
            }
            Outcome::Trap(..) => "other trap",
            Outcome::Exception => "exception",
            Outcome::Other(_) => "error",
        })
        .collect();
    assert!(kinds.contains(&"trap"), "{want:?}");
    assert!(kinds.contains(&"value"));
    // `catching` catches `$f7`'s exception: its value is over 1000 when it did.
    assert!(want
        .iter()
        .any(|(o, _)| matches!(o, Outcome::Value(v) if *v > 1000 && *v < 1000 + 100000 * 300)));
    assert!(!kinds.contains(&"error"), "{want:?}");
    // Fuel is charged: every call used some, the first ones translation too.
    assert!(want.iter().all(|&(_, used)| used > 0));
    // With plenty of fuel, the same outcomes as without fuel.
    let outcomes = |run: Vec<(Outcome, u64)>| run.into_iter().map(|(o, _)| o).collect::<Vec<_>>();
    assert_eq!(outcomes(want), outcomes(reference(false)));
}

/// Several threads, each with stores of its own, share one module (per round, a new one)
/// and race to first-call the same functions, with the background worker, and with
/// several compile threads: every store sees exactly the reference's results,
/// backtraces and fuel, and each function is translated once (as much code as eagerly).
#[test]
fn threads_racing_through_one_module_match_a_lone_thread() {
    for fuel in [true, false] {
        let want = reference(fuel);
        for (background, threads) in [(true, 0), (false, 0), (true, 2)] {
            let engine = engine(CompilationMode::Lazy, background, fuel, threads);
            let binary = wat::parse_str(graph_module()).unwrap();
            for round in 0..3 {
                let module = Module::new(&engine, &binary).unwrap();
                let barrier = Arc::new(Barrier::new(4));
                let got: Vec<Vec<Vec<(Outcome, u64)>>> = std::thread::scope(|s| {
                    let handles: Vec<_> = (0..4)
                        .map(|_| {
                            let (engine, module, barrier) =
                                (engine.clone(), module.clone(), barrier.clone());
                            s.spawn(move || {
                                barrier.wait();
                                (0..2)
                                    .map(|_| run_calls(&engine, &module, fuel))
                                    .collect::<Vec<_>>()
                            })
                        })
                        .collect();
                    handles.into_iter().map(|h| h.join().unwrap()).collect()
                });
                for (t, runs) in got.iter().enumerate() {
                    for (r, run) in runs.iter().enumerate() {
                        assert_eq!(
                            run, &want,
                            "fuel {fuel}, background {background}, compile threads \
                             {threads}, round {round}, thread {t}, store {r}"
                        );
                    }
                }
                // `all` reached every function: each was translated once, and no copy the
                // worker made second is counted.
                let eager = Module::new(
                    &self::engine(CompilationMode::Eager, false, fuel, 1),
                    &binary,
                )
                .unwrap();
                assert_eq!(settle(&module, N + 3), N + 3);
                let (lazy, eager) = (module.stats(), eager.stats());
                assert_eq!(lazy.translated_funcs, eager.translated_funcs);
                assert_eq!(lazy.translated_code_bytes, eager.translated_code_bytes);
                assert_eq!(lazy.wasm_operators, eager.wasm_operators);
            }
        }
    }
}

/// Without fuel, nothing observable depends on the compilation mode or the worker:
/// values, traps, backtraces and exceptions are the same eagerly (one and several compile
/// threads) as lazily.
#[test]
fn configurations_agree_without_fuel() {
    let want = reference(false);
    let binary = wat::parse_str(graph_module()).unwrap();
    for (mode, background, threads) in [
        (CompilationMode::Eager, false, 1),
        (CompilationMode::Eager, false, 0),
        (CompilationMode::Lazy, true, 0),
        (CompilationMode::Lazy, true, 1),
    ] {
        let engine = engine(mode, background, false, threads);
        let module = Module::new(&engine, &binary).unwrap();
        // Two stores: the second starts with what the first translated.
        for store in 0..2 {
            assert_eq!(
                run_calls(&engine, &module, false),
                want,
                "{mode:?}, background {background}, compile threads {threads}, store {store}"
            );
        }
    }
}

/// With fuel, each instance pays for its own translations: a store that starts after
/// another has translated everything (or while the worker runs ahead) uses the same fuel
/// as the first.
#[test]
fn fuel_does_not_depend_on_other_instances_or_the_worker() {
    let want = reference(true);
    let binary = wat::parse_str(graph_module()).unwrap();
    for background in [true, false] {
        let engine = engine(CompilationMode::Lazy, background, true, 0);
        let module = Module::new(&engine, &binary).unwrap();
        for store in 0..3 {
            assert_eq!(
                run_calls(&engine, &module, true),
                want,
                "background {background}, store {store}"
            );
            // Let the worker run ahead before the next store starts.
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The first frames of the backtrace of a stack overflow on `go(depth)`: trap code, number
/// of frames, the first three names.
type Overflow = (TrapCode, usize, Vec<String>);

/// `$go(n)` recurses `n` times, then calls `$big` (12,000 locals) with `call`, or with
/// `return_call` if `tail`. Returns, for eager and lazy compilation, the backtrace of the
/// shallowest recursion at which `$big` no longer fits (lazily: twice, since the stub
/// stays in place after the trap), and that depth.
fn big_frame_overflows(tail: bool) -> (Overflow, Overflow, Overflow, Overflow, i32) {
    let locals = " i64".repeat(12000);
    let call = if tail { "return_call" } else { "call" };
    let wat = format!(
        r#"(module
      (func $big (param i32) (result i32) (local {locals})
        (i32.add (i32.wrap_i64 (local.get 12000)) (i32.const 1)))
      (func $go (export "go") (param i32) (result i32)
        (if (result i32) (local.get 0)
          (then (call $go (i32.sub (local.get 0) (i32.const 1))))
          (else ({call} $big (i32.const 0))))))"#
    );
    let setup = |mode| {
        let mut config = Config::new();
        config.compilation_mode(mode).max_stack_slots(16384);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, &wat).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let go = instance.get_typed_func::<i32, i32>(&store, "go").unwrap();
        (store, go)
    };
    // The shallowest recursion at which `$big` no longer fits, found eagerly.
    let (mut store, go) = setup(CompilationMode::Eager);
    let (mut fits, mut overflows) = (0, 16384);
    while overflows - fits > 1 {
        let mid = (fits + overflows) / 2;
        match go.call(&mut store, mid) {
            Ok(_) => fits = mid,
            Err(_) => overflows = mid,
        }
    }
    let summary = |o: Outcome| match o {
        Outcome::Trap(code, names) => {
            let top: Vec<_> = names.iter().take(3).cloned().collect();
            (code, names.len(), top)
        }
        other => panic!("not a trap: {other:?}"),
    };
    let eager = summary(outcome(go.call(&mut store, overflows)));
    let (mut store, go) = setup(CompilationMode::Lazy);
    let lazy_first = summary(outcome(go.call(&mut store, overflows)));
    let lazy_again = summary(outcome(go.call(&mut store, overflows)));
    // Once `$big` has run (its entry points at its code), lazily as eagerly.
    assert_eq!(go.call(&mut store, 0).unwrap(), 1);
    let lazy_translated = summary(outcome(go.call(&mut store, overflows)));
    (eager, lazy_first, lazy_again, lazy_translated, overflows)
}

/// A frame that does not fit, entered through its stub (lazily) or directly (eagerly), by
/// a call or a tail call: the same trap, and the same backtrace: `$big`, then its callers.
/// (Eagerly the trap was reported at the call instruction, with the call's frame already
/// pushed, so the caller was named twice and `$big` not at all. `lazy.rs`'s
/// `a_large_frame_entered_lazily_is_checked` checks the trap code and the store after.)
#[test]
fn stack_overflow_on_entering_a_big_frame_names_the_same_functions_lazily() {
    for (tail, call) in [(false, "call"), (true, "return_call")] {
        let (eager, lazy_first, lazy_again, lazy_translated, depth) = big_frame_overflows(tail);
        eprintln!("{call}, depth {depth} (`go` active {} times):", depth + 1);
        eprintln!("  eager                   {eager:?}");
        eprintln!("  lazy, at the stub       {lazy_first:?}");
        eprintln!("  lazy, at the stub again {lazy_again:?}");
        eprintln!("  lazy, `$big` translated {lazy_translated:?}");
        assert_eq!(eager.0, TrapCode::StackOverflow, "{call}");
        assert_eq!(lazy_first, lazy_again, "{call}");
        assert_eq!(
            lazy_translated, eager,
            "{call}: lazily once translated, and eagerly"
        );
        assert_eq!(
            lazy_first, lazy_translated,
            "{call}: lazily, at `$big`'s stub and once it is translated"
        );
    }
}

/// The host calls a function whose frame is larger than the whole value stack: the same
/// trap, with the same backtrace, eagerly and lazily: `$big`. (Eagerly the call was
/// refused with a bare trap, no frames; lazily the stub's frame (the parameter) fits,
/// and the trap at the stub names `$big`.)
#[test]
fn stack_overflow_on_a_host_call_names_the_same_functions_lazily() {
    let locals = " i64".repeat(2000);
    let wat = format!(
        r#"(module
      (func $big (export "big") (param i32) (result i32) (local {locals})
        (i32.add (i32.wrap_i64 (local.get 1999)) (local.get 0))))"#
    );
    let run = |mode| {
        let mut config = Config::new();
        config.compilation_mode(mode).max_stack_slots(1024);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, &wat).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let big = instance.get_typed_func::<i32, i32>(&store, "big").unwrap();
        outcome(big.call(&mut store, 1))
    };
    let (eager, lazy) = (run(CompilationMode::Eager), run(CompilationMode::Lazy));
    eprintln!("eager {eager:?}\nlazy  {lazy:?}");
    assert!(matches!(&eager, Outcome::Trap(TrapCode::StackOverflow, _)));
    assert_eq!(lazy, eager);
}

/// The graph module is large enough for a worker of its own, which translates ahead of
/// the guest (so that the tests above race guests against it).
#[test]
fn the_graph_module_is_translated_ahead() {
    if !std::thread::available_parallelism().is_ok_and(|n| n.get() > 1) {
        return;
    }
    let binary = wat::parse_str(graph_module()).unwrap();
    let entered = |background: bool| {
        let engine = engine(CompilationMode::Lazy, background, false, 0);
        let module = Module::new(&engine, &binary).unwrap();
        assert!(module.stats().wasm_code_bytes >= 64 * 1024);
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let run = instance
            .get_typed_func::<(i32, i32), i32>(&store, "run")
            .unwrap();
        run.call(&mut store, (1, 0)).unwrap();
        // Until the count has not changed for a while.
        let mut last = (module.stats().translated_funcs, Instant::now());
        while last.1.elapsed() < Duration::from_millis(300) {
            std::thread::sleep(Duration::from_millis(5));
            let n = module.stats().translated_funcs;
            if n != last.0 {
                last = (n, Instant::now());
            }
        }
        last.0
    };
    let (alone, ahead) = (entered(false), entered(true));
    assert!(
        ahead > alone,
        "{ahead} functions translated, {alone} without the worker"
    );
}

/// A call that runs out of fuel on entering a function of *another* instance (another
/// module) through its stub, while other instances' functions run before it is resumed:
/// it resumes in the right instance, translates the right function, and pays for it once,
/// as without the suspension.
#[test]
fn a_call_suspended_at_another_instances_stub_resumes_there() {
    const B: &str = r#"(module
      (func $pad (param i32) (result i32) (i32.mul (local.get 0) (i32.const 5)))
      (func (export "callee") (param i32) (result i32)
        (i32.add (call $pad (local.get 0)) (i32.const 7)))
      (func (export "other") (param i32) (result i32) (i32.sub (local.get 0) (i32.const 1))))"#;
    const A: &str = r#"(module
      (import "b" "callee" (func $callee (param i32) (result i32)))
      (func $pad (param i32) (result i32) (i32.add (local.get 0) (i32.const 100)))
      (func (export "go") (param i32) (result i32)
        (call $pad (call $callee (local.get 0)))))"#;
    const C: &str = r#"(module
      (func (export "other") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))"#;
    const BIG: u64 = 1_000_000;
    let engine = engine(CompilationMode::Lazy, true, true, 0);
    let (a, b, c) = (
        Module::new(&engine, A).unwrap(),
        Module::new(&engine, B).unwrap(),
        Module::new(&engine, C).unwrap(),
    );
    let setup = || {
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        let ib = linker.instantiate(&mut store, &b).unwrap();
        linker.instance(&mut store, "b", ib).unwrap();
        let ia = linker.instantiate(&mut store, &a).unwrap();
        let ic = linker.instantiate(&mut store, &c).unwrap();
        let go = ia.get_func(&store, "go").unwrap();
        let others = [
            ic.get_typed_func::<i32, i32>(&store, "other").unwrap(),
            ib.get_typed_func::<i32, i32>(&store, "other").unwrap(),
        ];
        (store, go, others)
    };
    // Reference: `go` alone.
    let (mut store, go, _) = setup();
    store.set_fuel(BIG).unwrap();
    let mut results = [Val::I32(0)];
    go.call(&mut store, &[Val::I32(2)], &mut results).unwrap();
    let want = results[0].i32().unwrap();
    assert_eq!(want, 2 * 5 + 7 + 100);
    let go_cost = BIG - store.get_fuel().unwrap();
    let mut suspended = 0;
    for fuel in 0..go_cost {
        let (mut store, go, others) = setup();
        store.set_fuel(fuel).unwrap();
        let inv = match go
            .call_resumable(&mut store, &[Val::I32(2)], &mut results)
            .unwrap()
        {
            ResumableCall::OutOfFuel(inv) => inv,
            ResumableCall::Finished => panic!("finished with {fuel} of {go_cost} fuel"),
            _ => panic!("not out of fuel"),
        };
        suspended += 1;
        let spent = fuel - store.get_fuel().unwrap();
        // Other instances' functions run (and are translated) meanwhile.
        store.set_fuel(BIG).unwrap();
        assert_eq!(others[0].call(&mut store, 1).unwrap(), 2);
        assert_eq!(others[1].call(&mut store, 1).unwrap(), 0);
        let others_cost = BIG - store.get_fuel().unwrap();
        store.set_fuel(BIG).unwrap();
        match inv.resume(&mut store, &[], &mut results).unwrap() {
            ResumableCall::Finished => {}
            _ => panic!("did not finish"),
        }
        assert_eq!(results[0].i32(), Some(want), "stopped with {fuel} fuel");
        let rest = BIG - store.get_fuel().unwrap();
        assert_eq!(spent + rest, go_cost, "stopped with {fuel} fuel");
        assert!(others_cost > 0);
    }
    assert!(suspended > 3);
}

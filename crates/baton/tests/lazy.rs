//! Lazy translation (the default): every body is validated when the module is compiled,
//! each function is translated on its first call — once per module, whichever thread or
//! store calls it first — and translation is charged as fuel, resumably.

use baton::{
    CompilationMode, Config, Engine, Error, Linker, Module, ResumableCall, Store, TrapCode, Val,
};

/// Three functions: `run` calls `double`; `unused` is never called.
const THREE: &str = r#"(module
  (func $double (param i32) (result i32) (i32.add (local.get 0) (local.get 0)))
  (func (export "run") (param i32) (result i32) (call $double (local.get 0)))
  (func (export "unused") (result i32) (i32.const 7)))"#;

fn engine(mode: CompilationMode, fuel: bool) -> Engine {
    let mut config = Config::new();
    config.compilation_mode(mode).consume_fuel(fuel);
    Engine::new(&config)
}

#[test]
fn only_called_functions_are_translated() {
    let engine = engine(CompilationMode::Lazy, false);
    let module = Module::new(&engine, THREE).unwrap();
    assert_eq!(module.stats().num_funcs, 3);
    assert_eq!(module.stats().translated_funcs, 0);
    assert_eq!(module.stats().translated_code_bytes, 0);
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, 21).unwrap(), 42);
    assert_eq!(module.stats().translated_funcs, 2);
    // A second instance (in another store) finds them translated.
    let mut store2 = Store::new(&engine, ());
    let instance2 = Linker::new(&engine)
        .instantiate(&mut store2, &module)
        .unwrap();
    let run2 = instance2
        .get_typed_func::<i32, i32>(&store2, "run")
        .unwrap();
    assert_eq!(run2.call(&mut store2, 5).unwrap(), 10);
    assert_eq!(module.stats().translated_funcs, 2);
    // Disassembling translates on demand.
    assert!(module.disassemble(2).unwrap().contains("ret"));
    assert_eq!(module.stats().translated_funcs, 3);
}

#[test]
fn eager_translates_everything_up_front() {
    let engine = engine(CompilationMode::Eager, false);
    let module = Module::new(&engine, THREE).unwrap();
    let stats = module.stats();
    assert_eq!((stats.num_funcs, stats.translated_funcs), (3, 3));
    assert!(stats.translated_code_bytes > 0);
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, 4).unwrap(), 8);
    // Lazily, the same functions translate to the same code.
    let lazy = Module::new(&self::engine(CompilationMode::Lazy, false), THREE).unwrap();
    for i in 0..3 {
        assert_eq!(module.disassemble(i), lazy.disassemble(i));
    }
    assert_eq!(
        lazy.stats().translated_code_bytes,
        stats.translated_code_bytes
    );
}

/// A module whose never-called function is invalid (`i32.add` of an `i64`).
const INVALID_UNCALLED: &str = r#"(module
  (func (export "ok") (result i32) (i32.const 1))
  (func (result i32) (i32.add (i64.const 1) (i32.const 2))))"#;

#[test]
fn validation_is_never_lazy() {
    for mode in [CompilationMode::Lazy, CompilationMode::Eager] {
        let engine = engine(mode, false);
        let err = Module::new(&engine, INVALID_UNCALLED).err().unwrap();
        assert!(matches!(err, Error::Validation { .. }), "{mode:?}: {err}");
        let binary = wat::parse_str(INVALID_UNCALLED).unwrap();
        let err = Module::validate(&engine, &binary).unwrap_err();
        assert!(matches!(err, Error::Validation { .. }), "{mode:?}: {err}");
        let good = wat::parse_str(THREE).unwrap();
        Module::validate(&engine, &good).unwrap();
    }
    // Malformed stays malformed (not invalid).
    let engine = Engine::default();
    let mut bytes = wat::parse_str(THREE).unwrap();
    let len = bytes.len();
    bytes.truncate(len - 3);
    assert!(matches!(
        Module::validate(&engine, &bytes).unwrap_err(),
        Error::Parse { .. }
    ));
}

/// Many functions, each called by `run` through a chain, so that threads racing through
/// them translate the same functions at the same time.
fn chain(n: usize) -> String {
    let mut wat = String::from("(module\n");
    for i in 0..n {
        let next = if i + 1 < n {
            format!("(call $f{} (i32.add (local.get 0) (i32.const {i})))", i + 1)
        } else {
            "(local.get 0)".to_string()
        };
        wat.push_str(&format!(
            "(func $f{i} (param i32) (result i32) (local i64 i64) {next})\n"
        ));
    }
    wat.push_str("(func (export \"run\") (param i32) (result i32) (call $f0 (local.get 0))))");
    wat
}

#[test]
fn threads_share_one_translation() {
    let n = 300;
    let engine = engine(CompilationMode::Lazy, false);
    let module = Module::new(&engine, chain(n)).unwrap();
    let want = (0..n as i32 - 1).sum::<i32>() + 1;
    std::thread::scope(|s| {
        for _ in 0..4 {
            let (engine, module) = (engine.clone(), module.clone());
            s.spawn(move || {
                for _ in 0..3 {
                    let mut store = Store::new(&engine, ());
                    let instance = Linker::new(&engine)
                        .instantiate(&mut store, &module)
                        .unwrap();
                    let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
                    assert_eq!(run.call(&mut store, 1).unwrap(), want);
                }
            });
        }
    });
    // Each function translated once: as much code as translating them all eagerly.
    let eager = Module::new(&self::engine(CompilationMode::Eager, false), chain(n)).unwrap();
    let (lazy, eager) = (module.stats(), eager.stats());
    assert_eq!(lazy.translated_funcs, n + 1);
    assert_eq!(lazy.translated_code_bytes, eager.translated_code_bytes);
}

#[test]
fn translation_is_charged_and_resumable() {
    let engine = engine(CompilationMode::Lazy, true);
    let module = Module::new(&engine, chain(20)).unwrap();
    let want = (0..19).sum::<i32>() + 1;
    let run_once = |fuel: u64| {
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let run = instance.get_func(&store, "run").unwrap();
        let mut results = [Val::I32(0)];
        store.set_fuel(fuel).unwrap();
        let mut call = run
            .call_resumable(&mut store, &[Val::I32(1)], &mut results)
            .unwrap();
        let (mut total, mut stops) = (0, 0);
        while let ResumableCall::OutOfFuel(inv) = call {
            total += fuel - store.get_fuel().unwrap();
            stops += 1;
            store.set_fuel(fuel).unwrap();
            call = inv.resume(&mut store, &[], &mut results).unwrap();
        }
        total += fuel - store.get_fuel().unwrap();
        assert!(matches!(call, ResumableCall::Finished));
        assert_eq!(results[0].i32(), Some(want));
        // A second call in the same instance pays for no translation.
        store.set_fuel(1_000_000).unwrap();
        run.call(&mut store, &[Val::I32(1)], &mut results).unwrap();
        let again = 1_000_000 - store.get_fuel().unwrap();
        (total, stops, again)
    };
    let (whole, stops, again) = run_once(1_000_000);
    assert_eq!(stops, 0);
    assert!(whole > again, "translation is charged: {whole} vs {again}");
    // In small slices (each more than one function's translation costs, or it could never
    // be paid) the call stops, among other places, on entering functions not yet
    // translated, and resumes there: the total is the same.
    for slice in [8, 13, 21] {
        let (total, stops, again2) = run_once(slice);
        assert!(stops > 0);
        assert_eq!((total, again2), (whole, again), "slice {slice}");
    }
    // Not enough fuel for a translation, without resumption: the out-of-fuel trap.
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
    store.set_fuel(1).unwrap();
    let err = run.call(&mut store, 1).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::OutOfFuel));
    store.set_fuel(1_000_000).unwrap();
    assert_eq!(run.call(&mut store, 1).unwrap(), want);
}

#[test]
fn a_large_frame_entered_lazily_is_checked() {
    // `$big`'s frame (12,000 locals) is first needed deep in a recursion, where only the
    // stub's frame (its parameter) still fits: the translated frame is what must be
    // checked before `$big` runs, and the trap leaves the store usable.
    let locals = " i64".repeat(12000);
    let wat = format!(
        r#"(module
      (func $big (param i32) (result i32) (local {locals})
        (i32.add (i32.wrap_i64 (local.get 12000)) (i32.const 1)))
      (func $go (export "go") (param i32) (result i32)
        (if (result i32) (local.get 0)
          (then (call $go (i32.sub (local.get 0) (i32.const 1))))
          (else (call $big (i32.const 0))))))"#
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
            Ok(v) => (assert_eq!(v, 1), fits = mid).1,
            Err(e) => {
                (
                    assert_eq!(e.trap_code(), Some(TrapCode::StackOverflow)),
                    overflows = mid,
                )
                    .1
            }
        }
    }
    assert!(
        overflows < 16384 / 2,
        "the recursion alone fits: {overflows}"
    );
    // Lazily, `$big`'s first call at that depth is its stub's: it must trap the same way.
    for depth in [overflows, fits] {
        let (mut store, go) = setup(CompilationMode::Lazy);
        let got = go.call(&mut store, depth);
        if depth == overflows {
            assert_eq!(got.unwrap_err().trap_code(), Some(TrapCode::StackOverflow));
            // The store stays usable and the function runs once it fits.
            assert_eq!(go.call(&mut store, 0).unwrap(), 1);
            let err = go.call(&mut store, depth).unwrap_err();
            assert_eq!(err.trap_code(), Some(TrapCode::StackOverflow));
        } else {
            assert_eq!(got.unwrap(), 1);
        }
    }
}

#[test]
fn backtraces_name_lazily_translated_functions() {
    let wat = r#"(module
      (func $inner (unreachable))
      (func $outer (export "go") (call $inner)))"#;
    let engine = engine(CompilationMode::Lazy, false);
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let go = instance.get_typed_func::<(), ()>(&store, "go").unwrap();
    let Error::Trap(trap) = go.call(&mut store, ()).unwrap_err() else {
        panic!("a trap");
    };
    let names: Vec<_> = trap
        .backtrace()
        .iter()
        .map(|f| f.func_name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, ["inner", "outer"]);
}

#[test]
fn a_module_handed_over_translates_from_its_own_bytes() {
    // `from_vec` keeps the buffer (no copy of the bodies); text and borrowed binaries
    // translate the same functions to the same code.
    let engine = engine(CompilationMode::Lazy, false);
    let binary = wat::parse_str(chain(50)).unwrap();
    let owned = Module::from_vec(&engine, binary.clone()).unwrap();
    let borrowed = Module::from_binary(&engine, &binary).unwrap();
    for module in [&owned, &borrowed] {
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, module)
            .unwrap();
        let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
        assert_eq!(run.call(&mut store, 1).unwrap(), (0..49).sum::<i32>() + 1);
    }
    for i in 0..51 {
        assert_eq!(owned.disassemble(i), borrowed.disassemble(i));
    }
    // Function names are read from the kept bytes when first asked for.
    for module in [&owned, &borrowed] {
        assert_eq!(module.func_name(7), Some("f7"));
        assert_eq!(module.find_func("f9"), Some(9));
    }
    // Invalid bytes handed over give the same typed error.
    let bad = wat::parse_str(INVALID_UNCALLED).unwrap();
    assert!(matches!(
        Module::from_vec(&engine, bad).err().unwrap(),
        Error::Validation { .. }
    ));
}

const CALLEE_CALLER: &str = r#"(module
  (func $callee (export "callee") (param i32) (result i32)
    (i32.add (i32.mul (local.get 0) (i32.const 3)) (i32.const 7)))
  (func $caller (export "go") (param i32) (result i32)
    (call $callee (local.get 0))))"#;

/// Translation is charged once per instance (`Config::consume_fuel`). A call that ran out
/// of fuel on entering `$callee`'s stub, resumed after another call of the same instance
/// translated `$callee` (and paid for it), must not pay for `$callee`'s translation again.
#[test]
fn translation_is_charged_once_per_instance_across_a_suspension() {
    let engine = engine(CompilationMode::Lazy, true);
    let module = Module::new(&engine, CALLEE_CALLER).unwrap();
    let setup = || {
        let mut store = Store::new(&engine, ());
        let inst = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let go = inst.get_func(&store, "go").unwrap();
        let callee = inst.get_typed_func::<i32, i32>(&store, "callee").unwrap();
        (store, go, callee)
    };
    const BIG: u64 = 1_000_000;
    let mut results = [Val::I32(0)];

    // Reference: `callee` is called (translated, paid) first; then `go` costs `go_after`.
    let (mut store, go, callee) = setup();
    store.set_fuel(BIG).unwrap();
    assert_eq!(callee.call(&mut store, 1).unwrap(), 10);
    let callee_cost = BIG - store.get_fuel().unwrap();
    store.set_fuel(BIG).unwrap();
    go.call(&mut store, &[Val::I32(2)], &mut results).unwrap();
    let go_after = BIG - store.get_fuel().unwrap();

    // The same calls interleaved: `go` stops on entering `$callee` (its stub), `callee`
    // runs (and pays `$callee`'s translation), then `go` resumes. `go` must cost
    // `go_after` in all, as in the reference: `$callee` is paid for once.
    let mut tested = 0;
    for fuel in 0..100 {
        let (mut store, go, callee) = setup();
        store.set_fuel(fuel).unwrap();
        let inv = match go
            .call_resumable(&mut store, &[Val::I32(2)], &mut results)
            .unwrap()
        {
            ResumableCall::OutOfFuel(inv) => inv,
            _ => break,
        };
        let before = fuel - store.get_fuel().unwrap();
        store.set_fuel(BIG).unwrap();
        assert_eq!(callee.call(&mut store, 1).unwrap(), 10);
        if BIG - store.get_fuel().unwrap() != callee_cost {
            continue; // `go` had entered `$callee` (translated it) already: not this case
        }
        store.set_fuel(BIG).unwrap();
        assert!(matches!(
            inv.resume(&mut store, &[], &mut results).unwrap(),
            ResumableCall::Finished
        ));
        assert_eq!(results[0].i32(), Some(13));
        let after = BIG - store.get_fuel().unwrap();
        assert_eq!(before + after, go_after, "stopped with {fuel} fuel");
        tested += 1;
    }
    assert!(tested > 0);
}

fn backtrace(e: &Error) -> Vec<String> {
    let Error::Trap(t) = e else {
        panic!("not a trap: {e}")
    };
    t.backtrace()
        .iter()
        .map(|f| f.func_name.clone().unwrap_or_default())
        .collect()
}

/// Running out of fuel on entering a function not yet translated (its stub): the trap's
/// backtrace names the function entered, as when it runs out at that function's first
/// fuel check (eagerly, or once translated).
#[test]
fn out_of_fuel_at_a_stub_names_the_function_entered() {
    let engine = engine(CompilationMode::Lazy, true);
    let module = Module::new(&engine, CALLEE_CALLER).unwrap();
    // With no fuel at all, `go` (called from the host) stops at its own stub.
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let go = inst.get_typed_func::<i32, i32>(&store, "go").unwrap();
    store.set_fuel(0).unwrap();
    let e = go.call(&mut store, 1).unwrap_err();
    assert_eq!(e.trap_code(), Some(TrapCode::OutOfFuel));
    // Eagerly (or once `go` is translated, as the second call shows) this is ["caller"].
    let once_translated = {
        store.set_fuel(1_000).unwrap();
        go.call(&mut store, 1).unwrap();
        store.set_fuel(0).unwrap();
        backtrace(&go.call(&mut store, 1).unwrap_err())
    };
    assert_eq!(once_translated, ["caller"]);
    assert_eq!(backtrace(&e), ["caller"], "lazily, on entering `go`'s stub");
}

//! Calls between instances: each instance's code runs with its own memory, returns go
//! back to the caller's instance (plain calls, tail calls, and chains of both), traps
//! report frames from both, and deep recursion across instances traps cleanly.

use baton::*;

/// `b` holds 1000 at address 0 and calls back into `a` through its exported table;
/// `a` holds 1 at address 0.
const B: &str = r#"(module $b
  (type $t (func (param i32) (result i32)))
  (memory 1) (data (i32.const 0) "\e8\03\00\00")
  (table (export "t") 2 funcref)
  (func $g (export "g") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.load (i32.const 0)))
      (else (i32.add (i32.load (i32.const 0))
                     (call_indirect (type $t) (i32.sub (local.get $n) (i32.const 1)) (i32.const 0))))))
  (func $gt (export "gt") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.load (i32.const 0)))
      (else (return_call_indirect (type $t) (i32.sub (local.get $n) (i32.const 1)) (i32.const 1)))))
  (func $boom (export "boom") (param i32) (result i32) unreachable))"#;

const A: &str = r#"(module $a
  (import "b" "t" (table 2 funcref))
  (import "b" "g" (func $g (param i32) (result i32)))
  (import "b" "gt" (func $gt (param i32) (result i32)))
  (import "b" "boom" (func $boom (param i32) (result i32)))
  (memory 1) (data (i32.const 0) "\01\00\00\00")
  (elem (i32.const 0) $f $ft)
  (func $f (export "f") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.load (i32.const 0)))
      (else (i32.add (i32.load (i32.const 0)) (call $g (i32.sub (local.get $n) (i32.const 1)))))))
  (func $ft (export "ft") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.load (i32.const 0)))
      (else (return_call $gt (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "mix") (param $n i32) (result i32)
    (i32.add (call $ft (local.get $n)) (i32.load (i32.const 0))))
  (func (export "mix_b") (param $n i32) (result i32)
    (i32.add (call $gt (local.get $n)) (i32.load (i32.const 0))))
  (func (export "tail_into_b") (param $n i32) (result i32)
    (return_call $gt (local.get $n)))
  (func $trap_via_b (export "trap_via_b") (result i32)
    (i32.add (i32.const 1) (call $boom (i32.const 0)))))"#;

fn setup(config: &Config) -> (Store<()>, Instance) {
    let engine = Engine::new(config);
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let b = linker
        .instantiate(&mut store, &Module::new(&engine, B).unwrap())
        .unwrap();
    linker.instance(&mut store, "b", b).unwrap();
    let a = linker
        .instantiate(&mut store, &Module::new(&engine, A).unwrap())
        .unwrap();
    (store, a)
}

/// `f(n)`: `a` adds 1 per level, `b` adds 1000.
fn f(n: i32) -> i32 {
    if n == 0 {
        1
    } else {
        1 + g(n - 1)
    }
}
fn g(n: i32) -> i32 {
    if n == 0 {
        1000
    } else {
        1000 + f(n - 1)
    }
}
/// `ft(n)`: tail calls alternate between the instances; the one reaching 0 answers.
fn ft(n: i32) -> i32 {
    if n % 2 == 0 {
        1
    } else {
        1000
    }
}

#[test]
fn calls_between_instances_use_each_ones_memory() {
    let (mut store, a) = setup(&Config::new());
    let call = |store: &mut Store<()>, name: &str, n: i32| {
        a.get_typed_func::<i32, i32>(&*store, name)
            .unwrap()
            .call(store, n)
            .unwrap()
    };
    for n in [0, 1, 2, 3, 10, 101] {
        assert_eq!(call(&mut store, "f", n), f(n), "f({n})");
        assert_eq!(call(&mut store, "ft", n), ft(n), "ft({n})");
        assert_eq!(call(&mut store, "mix", n), ft(n) + 1, "mix({n})");
        // `gt(n)` is `ft(n)` seen from `b`: the parities swap.
        assert_eq!(call(&mut store, "mix_b", n), ft(n + 1) + 1, "mix_b({n})");
        assert_eq!(
            call(&mut store, "tail_into_b", n),
            ft(n + 1),
            "tail_into_b({n})"
        );
    }
}

#[test]
fn tail_calls_between_instances_run_in_bounded_frames() {
    // Far more alternations than the call-depth limit allows frames: a thousand times
    // more (under Miri, which runs the interpreter about a million times slower, fifty
    // times more of a smaller limit).
    let (limit, times) = if cfg!(miri) { (40, 50) } else { (1000, 1000) };
    let mut config = Config::new();
    config.max_call_depth(limit);
    let (mut store, a) = setup(&config);
    let ft_ = a.get_typed_func::<i32, i32>(&store, "ft").unwrap();
    let odd = (limit * times + 1) as i32;
    assert_eq!(ft_.call(&mut store, odd).unwrap(), 1000);
    let mix = a.get_typed_func::<i32, i32>(&store, "mix").unwrap();
    assert_eq!(mix.call(&mut store, odd - 1).unwrap(), 2);
    // Plain calls still count: recursion through both instances hits the limit.
    let f_ = a.get_typed_func::<i32, i32>(&store, "f").unwrap();
    let err = f_.call(&mut store, 100_000).unwrap_err();
    match err {
        Error::Trap(t) => assert_eq!(t.code(), TrapCode::StackOverflow),
        e => panic!("expected a trap, got {e}"),
    }
    // The store is still usable, and back in the right instances.
    assert_eq!(f_.call(&mut store, 7).unwrap(), f(7));
    assert_eq!(mix.call(&mut store, 7).unwrap(), ft(7) + 1);
}

#[test]
fn traps_report_frames_of_both_instances() {
    let (mut store, a) = setup(&Config::new());
    let t = a.get_typed_func::<(), i32>(&store, "trap_via_b").unwrap();
    let Error::Trap(trap) = t.call(&mut store, ()).unwrap_err() else {
        panic!("expected a trap");
    };
    assert_eq!(trap.code(), TrapCode::Unreachable);
    let names: Vec<_> = trap
        .backtrace()
        .iter()
        .map(|f| (f.module_name.clone(), f.func_name.clone()))
        .collect();
    assert_eq!(
        names,
        [
            (Some("b".to_string()), Some("boom".to_string())),
            (Some("a".to_string()), Some("trap_via_b".to_string())),
        ]
    );
    // Afterwards, calls still land in the right instance.
    let f_ = a.get_typed_func::<i32, i32>(&store, "f").unwrap();
    assert_eq!(f_.call(&mut store, 4).unwrap(), f(4));
}

/// An instantiation that fails while linking or initialising leaves no instance behind:
/// the instances made before and after it keep working, each with its own exports.
#[test]
fn failed_instantiations_leave_the_store_as_it_was() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let b = linker
        .instantiate(&mut store, &Module::new(&engine, B).unwrap())
        .unwrap();
    // Linking fails: `a` needs `b`'s exports, which the linker does not have yet.
    let a_module = Module::new(&engine, A).unwrap();
    assert!(linker.instantiate(&mut store, &a_module).is_err());
    // Linking fails on a later import, after the instance has taken its first ones: `b`'s
    // table has 2 elements, this module wants at least 3.
    let bad = Module::new(
        &engine,
        r#"(module (import "b" "g" (func (param i32) (result i32)))
             (import "b" "t" (table 3 funcref)))"#,
    )
    .unwrap();
    linker.instance(&mut store, "b", b).unwrap();
    assert!(linker.instantiate(&mut store, &bad).is_err());
    // A segment out of bounds traps after the instance is complete: it stays (the spec's
    // semantics), with the effects of the segments before it.
    let trapping = Module::new(
        &engine,
        r#"(module (memory (export "m") 1) (func (export "one") (result i32) i32.const 1)
             (data (i32.const 0) "\2a") (data (i32.const 65536) "x"))"#,
    )
    .unwrap();
    assert!(linker.instantiate(&mut store, &trapping).is_err());
    // The store goes on: `a` links now and calls into `b`.
    let a = linker.instantiate(&mut store, &a_module).unwrap();
    let a_f = a.get_typed_func::<i32, i32>(&store, "f").unwrap();
    assert_eq!(a_f.call(&mut store, 3).unwrap(), f(3));
    let b_g = b.get_typed_func::<i32, i32>(&store, "g").unwrap();
    assert_eq!(b_g.call(&mut store, 0).unwrap(), 1000);
}

/// A host function that calls into another instance hands the caller back its own
/// globals, tables and memory: the caller's code reads them right after the host call
/// (the other instance has more globals and a different table, so reading its state
/// instead gives other values or reaches past the caller's).
#[test]
fn host_calls_into_another_instance_return_to_the_callers_state() {
    const OTHER: &str = r#"(module
      (global $x (mut i32) (i32.const 7)) (global $y (mut i32) (i32.const 8))
      (global $z (mut i32) (i32.const 9))
      (memory 1) (data (i32.const 0) "\63\00\00\00")
      (table 1 funcref) (elem (i32.const 0) $nine)
      (func $nine (result i32) (i32.const 9))
      (func (export "poke") (param $v i32) (result i32)
        (global.set $z (local.get $v))
        (i32.add (global.get $z) (call_indirect (result i32) (i32.const 0)))))"#;
    const CALLER: &str = r#"(module
      (import "host" "poke" (func $poke (param i32) (result i32)))
      (global $g (mut i32) (i32.const 1000))
      (memory 1) (data (i32.const 0) "\05\00\00\00")
      (table 2 funcref) (elem (i32.const 1) $hundred)
      (func $hundred (result i32) (i32.const 100))
      (func (export "run") (param $v i32) (result i32)
        (local $r i32)
        (local.set $r (call $poke (local.get $v)))
        (global.set $g (i32.add (global.get $g) (local.get $r)))
        (i32.add (i32.add (global.get $g) (i32.load (i32.const 0)))
                 (call_indirect (result i32) (i32.const 1)))))"#;
    let engine = Engine::default();
    let mut store = Store::new(&engine, None::<Func>);
    let mut linker = Linker::new(&engine);
    let other = linker
        .instantiate(&mut store, &Module::new(&engine, OTHER).unwrap())
        .unwrap();
    *store.data_mut() = other.get_func(&store, "poke");
    linker
        .func_wrap(
            "host",
            "poke",
            |mut caller: Caller<'_, Option<Func>>, v: i32| -> Result<i32, Error> {
                let poke = caller.data().unwrap();
                let mut out = [Val::I32(0)];
                poke.call(&mut caller, &[Val::I32(v)], &mut out)?;
                Ok(out[0].i32().unwrap())
            },
        )
        .unwrap();
    let inst = linker
        .instantiate(&mut store, &Module::new(&engine, CALLER).unwrap())
        .unwrap();
    let run = inst.get_typed_func::<i32, i32>(&store, "run").unwrap();
    // poke(v) = v + 9; g = 1000 + poke(v); run = g + mem[0] (5) + table[1]() (100).
    assert_eq!(run.call(&mut store, 20).unwrap(), 1000 + 29 + 5 + 100);
    assert_eq!(run.call(&mut store, 1).unwrap(), 1029 + 10 + 5 + 100);
}

/// The same for a call suspended in a host function: another instance's code runs before
/// it resumes, and the resumed code reads and writes its own instance's global and memory.
#[test]
fn resumed_calls_run_with_their_own_instances_state() {
    const OTHER: &str = r#"(module
      (global $x (mut i32) (i32.const 7)) (global $y (mut i32) (i32.const 8))
      (memory 1) (data (i32.const 0) "\63\00\00\00")
      (func (export "bump") (result i32)
        (global.set $x (i32.add (global.get $x) (i32.const 1)))
        (i32.add (global.get $x) (i32.load (i32.const 0)))))"#;
    const PAUSING: &str = r#"(module
      (import "host" "pause" (func $pause (result i32)))
      (global $g (mut i32) (i32.const 1000))
      (memory 1) (data (i32.const 0) "\05\00\00\00")
      (func (export "run") (result i32)
        (global.set $g (i32.add (global.get $g) (call $pause)))
        (i32.add (global.get $g) (i32.load (i32.const 0)))))"#;
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let other = linker
        .instantiate(&mut store, &Module::new(&engine, OTHER).unwrap())
        .unwrap();
    linker
        .func_wrap("host", "pause", || -> Result<i32, Error> {
            Err(Error::Usage("paused".into()))
        })
        .unwrap();
    let inst = linker
        .instantiate(&mut store, &Module::new(&engine, PAUSING).unwrap())
        .unwrap();
    let run = inst.get_func(&store, "run").unwrap();
    let bump = other.get_typed_func::<(), i32>(&store, "bump").unwrap();
    let mut out = [Val::I32(0)];
    let ResumableCall::HostTrap(paused) = run.call_resumable(&mut store, &[], &mut out).unwrap()
    else {
        panic!("the host function suspends the call");
    };
    assert_eq!(bump.call(&mut store, ()).unwrap(), 8 + 99);
    let done = paused
        .resume(&mut store, &[Val::I32(30)], &mut out)
        .unwrap();
    assert!(matches!(done, ResumableCall::Finished));
    assert_eq!(out[0].i32(), Some(1030 + 5));
    // The other instance's global was left alone by the resumed code.
    assert_eq!(bump.call(&mut store, ()).unwrap(), 9 + 99);
}

//! Basic end-to-end behaviour of the engine through the public API.

use baton::*;

mod common;

/// Instantiates `wat` (see `common::instantiate`); the module is not needed here.
fn instance(wat: &str) -> (Store<()>, Instance) {
    let (_, store, instance) = common::instantiate(wat);
    (store, instance)
}

#[test]
fn recursive_fib() {
    let (mut store, inst) = instance(
        r#"(module (func $fib (export "fib") (param i64) (result i64)
            (if (result i64) (i64.lt_u (local.get 0) (i64.const 2))
              (then (local.get 0))
              (else (i64.add (call $fib (i64.sub (local.get 0) (i64.const 1)))
                             (call $fib (i64.sub (local.get 0) (i64.const 2))))))))"#,
    );
    let fib = inst.get_typed_func::<i64, i64>(&store, "fib").unwrap();
    assert_eq!(fib.call(&mut store, 20).unwrap(), 6765);
}

#[test]
fn loop_sum_with_locals() {
    let (mut store, inst) = instance(
        r#"(module (func (export "sum") (param i32) (result i32) (local i32 i32)
            (block $done (loop $l
              (br_if $done (i32.ge_s (local.get 1) (local.get 0)))
              (local.set 2 (i32.add (local.get 2) (local.get 1)))
              (local.set 1 (i32.add (local.get 1) (i32.const 1)))
              (br $l)))
            (local.get 2)))"#,
    );
    let f = inst.get_typed_func::<i32, i32>(&store, "sum").unwrap();
    assert_eq!(f.call(&mut store, 100).unwrap(), 4950);
}

#[test]
fn traps_and_store_stays_usable() {
    let (mut store, inst) = instance(
        r#"(module (memory 1)
            (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
            (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
            (func $r (export "rec") (call $r)))"#,
    );
    let div = inst
        .get_typed_func::<(i32, i32), i32>(&store, "div")
        .unwrap();
    assert_eq!(
        div.call(&mut store, (1, 0)).unwrap_err().trap_code(),
        Some(TrapCode::IntegerDivisionByZero)
    );
    assert_eq!(
        div.call(&mut store, (i32::MIN, -1))
            .unwrap_err()
            .trap_code(),
        Some(TrapCode::IntegerOverflow)
    );
    let load = inst.get_typed_func::<i32, i32>(&store, "load").unwrap();
    assert_eq!(
        load.call(&mut store, 65533).unwrap_err().trap_code(),
        Some(TrapCode::MemoryOutOfBounds)
    );
    let rec = inst.get_typed_func::<(), ()>(&store, "rec").unwrap();
    assert_eq!(
        rec.call(&mut store, ()).unwrap_err().trap_code(),
        Some(TrapCode::StackOverflow)
    );
    assert_eq!(div.call(&mut store, (7, 2)).unwrap(), 3);
    assert_eq!(load.call(&mut store, 0).unwrap(), 0);
}

#[test]
fn host_functions_and_reentry() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (import "env" "twice" (func $twice (param i32) (result i32)))
            (memory (export "memory") 1)
            (func (export "run") (param i32) (result i32) (i32.add (call $twice (local.get 0)) (i32.const 1)))
            (func (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, 0u32);
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap(
            "env",
            "twice",
            |mut caller: Caller<'_, u32>, x: i32| -> Result<i32, Error> {
                *caller.data_mut() += 1;
                let inc = caller.get_export("inc").unwrap().into_func().unwrap();
                let mut out = [Val::I32(0)];
                inc.call(&mut caller, &[Val::I32(x)], &mut out)?;
                Ok(out[0].i32().unwrap() * 2)
            },
        )
        .unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    let run = inst.get_typed_func::<i32, i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, 5).unwrap(), 13);
    assert_eq!(*store.data(), 1);
}

#[test]
fn malformed_and_invalid_give_typed_errors() {
    let engine = Engine::default();
    assert!(matches!(
        Module::new(&engine, b"\0asm\x01\0\0\0\x01"),
        Err(Error::Parse { .. })
    ));
    let invalid = wat::parse_str("(module (func (result i32) i64.const 1))").unwrap();
    assert!(matches!(
        Module::new(&engine, invalid),
        Err(Error::Validation { .. })
    ));
}

fn metered_engine() -> Engine {
    let mut config = Config::new();
    config.consume_fuel(true).interruptible(true);
    Engine::new(&config)
}

const SPIN: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "count") (param i32) (result i32) (local i32)
    (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 1))
  (func (export "forever") (loop $l (br $l)))
  (func $rec (export "recurse") (call $rec))
  (func (export "grow") (result i32)
    (loop $l (br_if $l (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    (memory.size)))"#;

#[test]
fn fuel_is_deterministic_and_traps_when_exhausted() {
    let engine = metered_engine();
    let module = Module::new(&engine, SPIN).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let count = inst.get_typed_func::<i32, i32>(&store, "count").unwrap();
    store.set_fuel(1_000_000).unwrap();
    assert_eq!(count.call(&mut store, 1000).unwrap(), 1000);
    let first = 1_000_000 - store.get_fuel().unwrap();
    store.set_fuel(1_000_000).unwrap();
    count.call(&mut store, 1000).unwrap();
    let used = 1_000_000 - store.get_fuel().unwrap();
    // The first call also paid for translating the function (lazy compilation), once.
    assert!(first > used, "{first} {used}");
    // Same program, same fuel: same consumption, every time, in every instance.
    store.set_fuel(1_000_000).unwrap();
    count.call(&mut store, 1000).unwrap();
    assert_eq!(1_000_000 - store.get_fuel().unwrap(), used);
    let mut other = Store::new(&engine, ());
    let inst2 = Linker::new(&engine)
        .instantiate(&mut other, &module)
        .unwrap();
    let count2 = inst2.get_typed_func::<i32, i32>(&other, "count").unwrap();
    other.set_fuel(1_000_000).unwrap();
    count2.call(&mut other, 1000).unwrap();
    assert_eq!(1_000_000 - other.get_fuel().unwrap(), first);
    // Not enough fuel: a distinct trap, and the store stays usable.
    store.set_fuel(used / 2).unwrap();
    assert_eq!(
        count.call(&mut store, 1000).unwrap_err().trap_code(),
        Some(TrapCode::OutOfFuel)
    );
    let forever = inst.get_typed_func::<(), ()>(&store, "forever").unwrap();
    store.set_fuel(10_000).unwrap();
    assert_eq!(
        forever.call(&mut store, ()).unwrap_err().trap_code(),
        Some(TrapCode::OutOfFuel)
    );
    assert!(store.get_fuel().unwrap() < 10);
    store.set_fuel(1_000_000).unwrap();
    assert_eq!(count.call(&mut store, 10).unwrap(), 10);
    // Without `consume_fuel`, fuel cannot be set.
    let mut plain = Store::new(&Engine::default(), ());
    assert!(plain.set_fuel(1).is_err());
}

#[test]
fn guests_that_recurse_or_grow_forever_are_stopped() {
    let engine = metered_engine();
    let module = Module::new(&engine, SPIN).unwrap();
    let mut store = Store::new(&engine, ());
    store.limiter(StoreLimitsBuilder::new().memory_size(4 << 16).build());
    store.set_fuel(u64::MAX / 2).unwrap();
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let recurse = inst.get_typed_func::<(), ()>(&store, "recurse").unwrap();
    assert_eq!(
        recurse.call(&mut store, ()).unwrap_err().trap_code(),
        Some(TrapCode::StackOverflow)
    );
    let grow = inst.get_typed_func::<(), i32>(&store, "grow").unwrap();
    assert_eq!(
        grow.call(&mut store, ()).unwrap(),
        4,
        "the limiter stops growth at 4 pages"
    );
}

#[test]
fn interrupt_handle_stops_a_guest_from_another_thread() {
    let engine = metered_engine();
    let module = Module::new(&engine, SPIN).unwrap();
    let mut store = Store::new(&engine, ());
    store.set_fuel(u64::MAX).unwrap();
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let forever = inst.get_typed_func::<(), ()>(&store, "forever").unwrap();
    let handle = store.interrupt_handle();
    let t = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        handle.interrupt();
    });
    assert_eq!(
        forever.call(&mut store, ()).unwrap_err().trap_code(),
        Some(TrapCode::Interrupted)
    );
    t.join().unwrap();
    // The interruption was delivered: the store runs again.
    let count = inst.get_typed_func::<i32, i32>(&store, "count").unwrap();
    assert_eq!(count.call(&mut store, 5).unwrap(), 5);
}

#[test]
fn out_of_fuel_calls_resume_where_they_stopped() {
    let engine = metered_engine();
    let module = Module::new(&engine, SPIN).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let count = inst.get_func(&store, "count").unwrap();
    store.set_fuel(100).unwrap();
    let mut results = [Val::I32(0)];
    let mut call = count
        .call_resumable(&mut store, &[Val::I32(1000)], &mut results)
        .unwrap();
    let mut refuels = 0;
    loop {
        match call {
            ResumableCall::Finished => break,
            ResumableCall::OutOfFuel(inv) => {
                refuels += 1;
                // Other calls may run while this one is suspended.
                let mut other = [Val::I32(0)];
                store.set_fuel(1000).unwrap();
                count.call(&mut store, &[Val::I32(3)], &mut other).unwrap();
                assert_eq!(other[0].i32(), Some(3));
                store.set_fuel(100).unwrap();
                call = inv.resume(&mut store, &[], &mut results).unwrap();
            }
            ResumableCall::HostTrap(_) => panic!("no host functions here"),
        }
    }
    assert!(refuels > 10);
    assert_eq!(results[0].i32(), Some(1000));
}

#[test]
fn host_functions_can_suspend_and_be_resumed_with_results() {
    #[derive(Debug)]
    struct Suspend;
    impl std::fmt::Display for Suspend {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("suspend")
        }
    }
    impl std::error::Error for Suspend {}

    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (import "host" "ask" (func $ask (param i32) (result i32)))
            (func (export "run") (param i32) (result i32)
              (i32.add (call $ask (local.get 0)) (call $ask (i32.const 100)))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "ask", |_: i32| -> Result<i32, Error> {
            Err(Error::host(Suspend))
        })
        .unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    let run = inst.get_func(&store, "run").unwrap();
    let mut results = [Val::I32(0)];
    let ResumableCall::HostTrap(inv) = run
        .call_resumable(&mut store, &[Val::I32(1)], &mut results)
        .unwrap()
    else {
        panic!("expected a suspension")
    };
    assert!(inv
        .host_error()
        .unwrap()
        .downcast_ref::<Suspend>()
        .is_some());
    let ResumableCall::HostTrap(inv) = inv
        .resume(&mut store, &[Val::I32(40)], &mut results)
        .unwrap()
    else {
        panic!("expected a second suspension")
    };
    assert!(matches!(
        inv.resume(&mut store, &[Val::I32(2)], &mut results)
            .unwrap(),
        ResumableCall::Finished
    ));
    assert_eq!(results[0].i32(), Some(42));
}

#[test]
fn host_reentry_recursion_is_bounded() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (import "host" "again" (func $again))
            (func (export "run") (call $again)))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, None::<Func>);
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap(
            "host",
            "again",
            |mut caller: Caller<'_, Option<Func>>| -> Result<(), Error> {
                let run = caller.data().unwrap();
                run.call(&mut caller, &[], &mut [])
            },
        )
        .unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    let run = inst.get_func(&store, "run").unwrap();
    *store.data_mut() = Some(run);
    let err = run.call(&mut store, &[], &mut []).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::HostReentryLimit));
    // The store is still usable afterwards.
    *store.data_mut() = None;
    let f = Module::new(
        &engine,
        r#"(module (func (export "one") (result i32) (i32.const 1)))"#,
    )
    .unwrap();
    let i = Linker::new(&engine).instantiate(&mut store, &f).unwrap();
    assert_eq!(
        i.get_typed_func::<(), i32>(&store, "one")
            .unwrap()
            .call(&mut store, ())
            .unwrap(),
        1
    );
}

#[test]
fn the_call_depth_limit_is_exact_and_the_store_survives_it() {
    // `down(n)` makes n nested calls below the exported call.
    let wat = r#"(module
      (func $down (export "down") (param $n i32) (result i32)
        (if (result i32) (i32.eqz (local.get $n))
          (then (i32.const 0))
          (else (i32.add (i32.const 1)
            (call $down (i32.sub (local.get $n) (i32.const 1))))))))"#;
    for limit in [1usize, 2, 17, 100, 1000] {
        let mut config = Config::new();
        config.max_call_depth(limit);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        let inst = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let down = inst.get_typed_func::<i32, i32>(&store, "down").unwrap();
        // The deepest chain that fits: `limit` activations, the exported call included.
        let deepest = limit as i32 - 1;
        assert_eq!(
            down.call(&mut store, deepest).unwrap(),
            deepest,
            "limit {limit}"
        );
        let err = down.call(&mut store, deepest + 1).unwrap_err();
        assert_eq!(
            err.trap_code(),
            Some(TrapCode::StackOverflow),
            "limit {limit}"
        );
        // Usable afterwards, at full depth again.
        assert_eq!(
            down.call(&mut store, deepest).unwrap(),
            deepest,
            "limit {limit}"
        );
        assert_eq!(down.call(&mut store, 0).unwrap(), 0);
    }
}

#[test]
fn memory_grown_by_a_callee_is_the_callers_memory_after_return() {
    // The caller writes, calls a function that grows the memory (a large step, so that
    // the buffer may move) and writes into the new pages on return; then reads both back
    // through a third call. Returns hand the callee's memory registers back: they must
    // be the grown memory's, for plain and for tail-called callees alike.
    let (mut store, inst) = instance(
        r#"(module (memory 1)
          (func $grow (param i32) (result i32) (memory.grow (local.get 0)))
          (func $grow_tail (param i32) (result i32) (return_call $grow (local.get 0)))
          (func $sum (param i32) (result i32)
            (i32.add (i32.load (i32.const 16)) (i32.load (local.get 0))))
          (func (export "run") (param $tail i32) (result i32)
            (local $end i32) (local $old i32)
            (i32.store (i32.const 16) (i32.const 5))
            (local.set $old (if (result i32) (local.get $tail)
                              (then (call $grow_tail (i32.const 300)))
                              (else (call $grow (i32.const 300)))))
            ;; The last word of the grown memory, and one past it.
            (local.set $end (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)))
            (i32.store (local.get $end) (i32.const 37))
            (i32.add (i32.add (call $sum (local.get $end)) (local.get $old))
                     (i32.mul (memory.size) (i32.const 1000)))))"#,
    );
    let run = inst.get_typed_func::<i32, i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, 0).unwrap(), 42 + 1 + 301_000);
    // A second run grows again, from 301 to 601 pages.
    assert_eq!(run.call(&mut store, 1).unwrap(), 42 + 301 + 601_000);
}

/// A conditional return (`br_if`, `br_on_null` or a `br_table` entry to the function's
/// label) with several results, one of them a parameter read by `local.get`: the path that
/// goes on must still read the operands where they were (the return copies them out of the
/// result slots' way only on its own path). Found by the differential fuzzer against
/// Wasmtime.
#[test]
fn conditional_returns_of_several_values_leave_the_operands_alone() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
          (func (export "br_if") (param i32 i32) (result i32 i32)
            (i32.const 1) (local.get 0) (local.get 1) (br_if 0))
          (func (export "br_on_null") (param i32 funcref) (result i32 i32)
            (i32.const 2) (local.get 0) (local.get 1) (br_on_null 0) (drop))
          (func (export "br_table") (param i32 i32) (result i32 i32)
            (block $b (result i32 i32)
              (local.get 1) (local.get 0)
              (br_table 1 $b (local.get 1)))
            (i32.add (i32.const 100)))
        )"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let br_if = inst
        .get_typed_func::<(i32, i32), (i32, i32)>(&store, "br_if")
        .unwrap();
    assert_eq!(br_if.call(&mut store, (7, 0)).unwrap(), (1, 7));
    assert_eq!(br_if.call(&mut store, (7, 1)).unwrap(), (1, 7));
    let f = inst.get_func(&store, "br_on_null").unwrap();
    let mut out = [Val::I32(0), Val::I32(0)];
    f.call(&mut store, &[Val::I32(9), Val::FuncRef(None)], &mut out)
        .unwrap();
    assert_eq!((out[0].i32(), out[1].i32()), (Some(2), Some(9)));
    f.call(&mut store, &[Val::I32(9), Val::FuncRef(Some(f))], &mut out)
        .unwrap();
    assert_eq!((out[0].i32(), out[1].i32()), (Some(2), Some(9)));
    let br_table = inst
        .get_typed_func::<(i32, i32), (i32, i32)>(&store, "br_table")
        .unwrap();
    assert_eq!(br_table.call(&mut store, (5, 0)).unwrap(), (0, 5));
    assert_eq!(br_table.call(&mut store, (5, 1)).unwrap(), (1, 105));
    assert_eq!(br_table.call(&mut store, (5, 2)).unwrap(), (2, 105));
}

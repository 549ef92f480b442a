//! Exception handling through the embedding API and across everything a throw can cross:
//! frames, instances, host functions (throwing and being thrown through), tail calls, the
//! function's own label, loops; uncaught exceptions reaching the host with their tag and
//! payload; traps staying uncatchable; fuel, interruption and resumable calls around
//! `try_table`.

use baton::{
    Config, Engine, Error, ExnRef, Extern, Func, Instance, Linker, Module, ResumableCall, Store,
    Tag, TagType, TrapCode, Val, ValType, V128,
};

const MODULE: &str = r#"(module
  (import "host" "throw_e" (func $host_throw (param i32)))
  (import "host" "call_back" (func $host_call_back (param i32) (result i32)))
  (tag $e (export "e") (param i32))
  (tag $pair (export "pair_tag") (param i64 f64))
  (tag $wide (export "wide_tag") (param v128 i32))
  (tag $empty (export "empty"))

  (func $throw_e (export "throw_e") (param i32) (throw $e (local.get 0)))
  (func $deep (param $n i32) (param $v i32) (result i32)
    (if (i32.eqz (local.get $n)) (then (throw $e (local.get $v))))
    (i32.add (call $deep (i32.sub (local.get $n) (i32.const 1)) (local.get $v)) (i32.const 1)))

  ;; Catches $e thrown `n` frames down; returns the payload plus 1000.
  (func (export "catch_deep") (param $n i32) (param $v i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $e $h)
        (call $deep (local.get $n) (local.get $v)))
      (return))
    (i32.add (i32.const 1000)))

  ;; Multi-value payloads, a v128 among them.
  (func (export "pair") (param i64 f64) (result i64 f64)
    (block $h (result i64 f64)
      (try_table (catch $pair $h) (throw $pair (local.get 0) (local.get 1)))
      (unreachable)))
  (func (export "wide") (param i32) (result i32) (local $k i32)
    (block $h (result v128 i32)
      (try_table (catch $wide $h)
        (throw $wide (v128.const i32x4 1 2 3 4) (local.get 0)))
      (unreachable))
    (local.set $k)
    (i32x4.extract_lane 2)
    (local.get $k)
    (i32.add))

  ;; Inner try_table without a matching clause: the outer one catches.
  (func (export "nested") (param i32) (result i32)
    (block $outer (result i32)
      (try_table (result i32) (catch $e $outer)
        (block $inner
          (try_table (catch $empty $inner)
            (call $throw_e (local.get 0))))
        (i32.const -1)))
    (i32.const 2) (i32.mul))

  ;; catch_all, catch_ref + throw_ref (rethrow), catch_all_ref.
  (func (export "catch_all") (param i32) (result i32)
    (block $h
      (try_table (catch_all $h) (call $throw_e (local.get 0)))
      (return (i32.const -1)))
    (i32.const 7))
  (func $rethrow (param i32)
    (block $h (result i32 exnref)
      (try_table (catch_ref $e $h) (call $throw_e (local.get 0)))
      (return))
    (throw_ref) (drop))
  (func (export "rethrown") (param i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $e $h)
        (call $rethrow (local.get 0)) (i32.const -1)))
    (i32.const 1) (i32.add))
  (func (export "grab") (param i32) (result exnref)
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (call $throw_e (local.get 0)))
      (ref.null exn)))
  (func (export "rethrow_ref") (param exnref) (throw_ref (local.get 0)))

  ;; A catch whose label is the function's own: returns the payload.
  (func (export "to_function_label") (param i32) (result i32)
    (try_table (catch $e 0) (call $throw_e (local.get 0)))
    (i32.const -1))

  ;; A catch to a loop label: counts down by throwing.
  (func (export "loop_catch") (param $n i32) (result i32) (local $k i32)
    (local.get $n)
    (loop $l (param i32)
      (local.set $n)
      (if (i32.eqz (local.get $n)) (then (return (local.get $k))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (try_table (catch $e $l)
        (call $throw_e (i32.sub (local.get $n) (i32.const 1)))))
    (i32.const -1))

  ;; Throws and catches `n` times; sums the payloads.
  (func (export "many") (param $n i32) (result i32) (local $s i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (block $h (result i32)
          (try_table (result i32) (catch $e $h) (call $deep (i32.const 3) (local.get $n))))
        (local.set $s (i32.add (local.get $s)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $s))

  ;; Through host frames: the host throws, or calls back into Wasm that throws.
  (func (export "host_throws") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (call $host_throw (local.get 0)))
      (return (i32.const -1)))
    (i32.const 3) (i32.add))
  (func (export "through_host") (param i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $e $h) (call $host_call_back (local.get 0))))
    (i32.const 5) (i32.add))
  (func $tail_to_host (export "tail_to_host") (param i32) (return_call $host_throw (local.get 0)))
  (func (export "via_tail") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (call $tail_to_host (local.get 0)))
      (return (i32.const -1))))

  ;; A trap is not an exception.
  (func (export "trap_in_try") (result i32)
    (block $h
      (try_table (catch_all $h) (unreachable)))
    (i32.const 1))
  (func (export "uncaught") (param i32) (result i32)
    (call $throw_e (local.get 0)) (i32.const 0))
)"#;

fn setup(config: Option<&Config>) -> (Store<()>, Instance) {
    let engine = match config {
        Some(c) => Engine::new(c),
        None => Engine::default(),
    };
    let module = Module::new(&engine, MODULE).unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    // Both need the module's tag `e`, which exists only once it is instantiated: they
    // find it through the caller's exports.
    linker
        .func_new(
            "host",
            "throw_e",
            baton::FuncType::new([ValType::I32], []),
            |mut caller, params, _| {
                let Some(Extern::Tag(tag)) = caller.get_export("e") else {
                    panic!("the module exports tag `e`");
                };
                let exn = ExnRef::new(&mut caller, &tag, &[params[0]])?;
                Err(Error::Exception(exn))
            },
        )
        .unwrap();
    linker
        .func_new(
            "host",
            "call_back",
            baton::FuncType::new([ValType::I32], [ValType::I32]),
            |mut caller, params, results| {
                let Some(Extern::Func(f)) = caller.get_export("throw_e") else {
                    panic!("the module exports `throw_e`");
                };
                // The exception passes through this host function: its error is returned.
                f.call(&mut caller, params, &mut [])?;
                results[0] = Val::I32(-1);
                Ok(())
            },
        )
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance)
}

fn call(
    store: &mut Store<()>,
    inst: Instance,
    name: &str,
    args: &[Val],
) -> Result<Vec<Val>, Error> {
    let f = inst.get_func(&*store, name).unwrap();
    let ty = f.ty(&*store);
    let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
    f.call(&mut *store, args, &mut results)?;
    Ok(results)
}

fn call_i32(store: &mut Store<()>, inst: Instance, name: &str, args: &[Val]) -> i32 {
    call(store, inst, name, args).unwrap()[0].i32().unwrap()
}

#[test]
fn caught_across_frames() {
    let (mut store, inst) = setup(None);
    for depth in [0, 1, 5, 1000] {
        assert_eq!(
            call_i32(&mut store, inst, "catch_deep", &[depth.into(), 42.into()]),
            1042,
            "depth {depth}"
        );
    }
}

#[test]
fn payloads_of_several_values() {
    let (mut store, inst) = setup(None);
    let r = call(
        &mut store,
        inst,
        "pair",
        &[Val::I64(-5), Val::F64(2.5f64.to_bits())],
    )
    .unwrap();
    assert_eq!(r[0].i64(), Some(-5));
    assert_eq!(r[1].f64(), Some(2.5));
    assert_eq!(call_i32(&mut store, inst, "wide", &[10.into()]), 13);
}

#[test]
fn clauses_and_nesting() {
    let (mut store, inst) = setup(None);
    assert_eq!(call_i32(&mut store, inst, "nested", &[21.into()]), 42);
    assert_eq!(call_i32(&mut store, inst, "catch_all", &[1.into()]), 7);
    assert_eq!(call_i32(&mut store, inst, "rethrown", &[41.into()]), 42);
    assert_eq!(
        call_i32(&mut store, inst, "to_function_label", &[9.into()]),
        9
    );
    assert_eq!(call_i32(&mut store, inst, "loop_catch", &[50.into()]), 50);
}

#[test]
fn repeated_throws_are_caught_every_time() {
    let (mut store, inst) = setup(None);
    let n = 20_000;
    assert_eq!(
        call_i32(&mut store, inst, "many", &[n.into()]),
        (1..=n).sum::<i32>()
    );
}

#[test]
fn exception_references_reach_the_host_and_go_back() {
    let (mut store, inst) = setup(None);
    let r = call(&mut store, inst, "grab", &[5.into()]).unwrap();
    let Val::ExnRef(Some(exn)) = r[0] else {
        panic!("expected an exception reference, got {:?}", r[0]);
    };
    let tag_e = inst.get_tag(&store, "e").unwrap();
    assert_eq!(exn.tag(&store), tag_e);
    assert_eq!(exn.payload(&store)[0].i32(), Some(5));
    assert_eq!(tag_e.ty(&store).params(), &[ValType::I32]);
    // Thrown again by Wasm, it arrives as the same exception.
    match call(&mut store, inst, "rethrow_ref", &[Val::ExnRef(Some(exn))]) {
        Err(Error::Exception(again)) => assert_eq!(again, exn),
        other => panic!("expected the exception back, got {other:?}"),
    }
    // A null reference traps.
    let err = call(&mut store, inst, "rethrow_ref", &[Val::ExnRef(None)]).unwrap_err();
    assert_eq!(
        err.as_trap().map(|t| t.code()),
        Some(TrapCode::NullReference)
    );
}

#[test]
fn uncaught_exceptions_carry_tag_and_payload() {
    let (mut store, inst) = setup(None);
    let err = call(&mut store, inst, "uncaught", &[77.into()]).unwrap_err();
    let Error::Exception(exn) = err else {
        panic!("expected an uncaught exception, got {err:?}");
    };
    assert_eq!(exn.tag(&store), inst.get_tag(&store, "e").unwrap());
    assert_eq!(exn.payload(&store)[0].i32(), Some(77));
    // The store is still usable.
    assert_eq!(
        call_i32(&mut store, inst, "catch_deep", &[3.into(), 1.into()]),
        1001
    );
}

#[test]
fn host_functions_throw_and_are_thrown_through() {
    let (mut store, inst) = setup(None);
    assert_eq!(call_i32(&mut store, inst, "host_throws", &[4.into()]), 7);
    assert_eq!(call_i32(&mut store, inst, "through_host", &[4.into()]), 9);
    // A host function called in tail position: its exception leaves the function that
    // called it, and the caller of that one catches it.
    assert_eq!(call_i32(&mut store, inst, "via_tail", &[6.into()]), 6);
    // Uncaught, the host's own exception comes back to the host.
    let err = call(&mut store, inst, "tail_to_host", &[8.into()]).unwrap_err();
    assert!(matches!(err, Error::Exception(_)), "{err:?}");
}

#[test]
fn traps_are_not_caught() {
    let (mut store, inst) = setup(None);
    let err = call(&mut store, inst, "trap_in_try", &[]).unwrap_err();
    assert_eq!(err.as_trap().map(|t| t.code()), Some(TrapCode::Unreachable));
}

#[test]
fn payload_must_match_the_tag() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let tag = Tag::new(&mut store, &TagType::new([ValType::I32, ValType::V128]));
    assert!(ExnRef::new(&mut store, &tag, &[Val::I32(1)]).is_err());
    assert!(ExnRef::new(&mut store, &tag, &[Val::I64(1), Val::V128(V128::from(0))]).is_err());
    let exn = ExnRef::new(&mut store, &tag, &[Val::I32(1), Val::V128(V128::from(9))]).unwrap();
    assert_eq!(exn.payload(&store)[1].v128(), Some(V128::from(9)));
}

/// Tags are compared by identity: an imported tag is the exporter's; two instances of one
/// module have different tags, and one's `catch` does not catch the other's exceptions.
#[test]
fn tags_across_instances() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let thrower = Module::new(
        &engine,
        r#"(module
          (tag $t (export "t") (param i32))
          (func (export "throw") (param i32) (throw $t (local.get 0))))"#,
    )
    .unwrap();
    let catcher = Module::new(
        &engine,
        r#"(module
          (import "m" "t" (tag $t (param i32)))
          (import "m" "throw" (func $throw (param i32)))
          (func (export "run") (param i32) (result i32)
            (block $h (result i32)
              (try_table (catch $t $h) (call $throw (local.get 0)))
              (return (i32.const -1)))))"#,
    )
    .unwrap();
    let a = Linker::new(&engine)
        .instantiate(&mut store, &thrower)
        .unwrap();
    let b = Linker::new(&engine)
        .instantiate(&mut store, &thrower)
        .unwrap();
    let mut linker = Linker::new(&engine);
    linker
        .define("m", "t", a.get_tag(&store, "t").unwrap())
        .unwrap();
    linker
        .define("m", "throw", a.get_func(&store, "throw").unwrap())
        .unwrap();
    let same = linker.instantiate(&mut store, &catcher).unwrap();
    assert_eq!(call_i32(&mut store, same, "run", &[12.into()]), 12);
    // Throwing through `b`'s function: another tag, not caught.
    let mut linker = Linker::new(&engine);
    linker
        .define("m", "t", a.get_tag(&store, "t").unwrap())
        .unwrap();
    linker
        .define("m", "throw", b.get_func(&store, "throw").unwrap())
        .unwrap();
    let other = linker.instantiate(&mut store, &catcher).unwrap();
    let err = call(&mut store, other, "run", &[12.into()]).unwrap_err();
    let Error::Exception(exn) = err else {
        panic!("expected an uncaught exception, got {err:?}");
    };
    assert_eq!(exn.tag(&store), b.get_tag(&store, "t").unwrap());
    // A tag import must have the same type.
    let mut linker = Linker::new(&engine);
    let wrong = Tag::new(&mut store, &TagType::new([ValType::I64]));
    linker.define("m", "t", wrong).unwrap();
    linker
        .define("m", "throw", a.get_func(&store, "throw").unwrap())
        .unwrap();
    assert!(matches!(
        linker.instantiate(&mut store, &catcher),
        Err(Error::Link(_))
    ));
}

/// A start function's uncaught exception fails instantiation with that exception.
#[test]
fn exception_in_start_function() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(
        &engine,
        r#"(module (tag $t (param i32)) (func $s (throw $t (i32.const 3))) (start $s))"#,
    )
    .unwrap();
    let err = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap_err();
    let Error::Exception(exn) = err else {
        panic!("expected an uncaught exception, got {err:?}");
    };
    assert_eq!(exn.payload(&store)[0].i32(), Some(3));
}

#[test]
fn exceptions_can_be_switched_off() {
    let mut config = Config::default();
    config.wasm_exceptions(false);
    let engine = Engine::new(&config);
    assert!(Module::new(&engine, "(module (tag))").is_err());
}

/// Metered code: fuel runs out inside a `try_table` and the call resumes there; after
/// refuelling, throws are caught as before. Interruption stops a loop that throws.
#[test]
fn fuel_and_interruption_around_try_table() {
    let mut config = Config::default();
    config.consume_fuel(true).interruptible(true);
    let (mut store, inst) = setup(Some(&config));
    store.set_fuel(1_000).unwrap();
    let many = inst.get_func(&store, "many").unwrap();
    let mut results = [Val::I32(0)];
    let mut suspended = match many
        .call_resumable(&mut store, &[Val::I32(5_000)], &mut results)
        .unwrap()
    {
        ResumableCall::OutOfFuel(inv) => inv,
        _ => panic!("1000 units of fuel cannot cover 5000 throws"),
    };
    let mut rounds = 0;
    loop {
        rounds += 1;
        store.set_fuel(50_000).unwrap();
        match suspended.resume(&mut store, &[], &mut results).unwrap() {
            ResumableCall::Finished => break,
            ResumableCall::OutOfFuel(inv) => suspended = inv,
            ResumableCall::HostTrap(_) => panic!("no host function fails here"),
        }
    }
    assert!(rounds > 1, "the call was suspended more than once");
    assert_eq!(results[0].i32(), Some((1..=5_000).sum::<i32>()));

    // Not resumable: fuel exhaustion traps; then the store works again.
    store.set_fuel(100).unwrap();
    let err = call(&mut store, inst, "many", &[1000.into()]).unwrap_err();
    assert_eq!(err.as_trap().map(|t| t.code()), Some(TrapCode::OutOfFuel));
    store.set_fuel(1_000_000).unwrap();
    assert_eq!(
        call_i32(&mut store, inst, "catch_deep", &[2.into(), 1.into()]),
        1001
    );

    store.set_fuel(u64::MAX).unwrap();
    store.interrupt_handle().interrupt();
    let err = call(&mut store, inst, "many", &[100_000.into()]).unwrap_err();
    assert_eq!(err.as_trap().map(|t| t.code()), Some(TrapCode::Interrupted));
}

/// A host function that suspends a resumable call from inside a `try_table`; resumed, the
/// guest then throws and catches.
#[test]
fn resumable_call_suspended_inside_try_table() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
          (import "host" "pause" (func $pause (result i32)))
          (tag $e (param i32))
          (func (export "run") (result i32)
            (block $h (result i32)
              (try_table (result i32) (catch $e $h)
                (throw $e (i32.add (call $pause) (i32.const 1))))))
        )"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "pause", || -> Result<i32, Error> {
            Err(Error::Usage("pause".into()))
        })
        .unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    let run = inst.get_func(&store, "run").unwrap();
    let mut results = [Val::I32(0)];
    let ResumableCall::HostTrap(inv) = run.call_resumable(&mut store, &[], &mut results).unwrap()
    else {
        panic!("the host function suspends the call");
    };
    assert!(matches!(
        inv.resume(&mut store, &[Val::I32(41)], &mut results)
            .unwrap(),
        ResumableCall::Finished
    ));
    assert_eq!(results[0].i32(), Some(42));
}

/// A host function made with `Func::wrap` in one store can throw a tag made by the host.
#[test]
fn host_made_tag_thrown_into_wasm() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let tag = Tag::new(&mut store, &TagType::new([ValType::I64]));
    let thrower = Func::wrap(
        &mut store,
        move |mut caller: baton::Caller<'_, ()>| -> Result<(), Error> {
            let exn = ExnRef::new(&mut caller, &tag, &[Val::I64(-9)])?;
            Err(Error::Exception(exn))
        },
    );
    let module = Module::new(
        &engine,
        r#"(module
          (import "h" "t" (tag $t (param i64)))
          (import "h" "f" (func $f))
          (func (export "run") (result i64)
            (block $h (result i64)
              (try_table (catch $t $h) (call $f))
              (i64.const 0))))"#,
    )
    .unwrap();
    let inst = Instance::new(&mut store, &module, &[tag.into(), thrower.into()]).unwrap();
    let r = call(&mut store, inst, "run", &[]).unwrap();
    assert_eq!(r[0].i64(), Some(-9));
}

/// Exceptions caught with their reference (as C++ catch clauses and cleanups are compiled)
/// and then dropped do not pile up: throwing a million of them keeps the store's count
/// small. One kept in a global or a table, or held by the host, survives collections.
#[test]
fn referenced_exceptions_are_collected() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
          (tag $e (param i32))
          (global $kept (mut exnref) (ref.null exn))
          (table $t 1 exnref)
          (func $throw (param i32) (throw $e (local.get 0)))
          ;; Catches with catch_ref, keeps the reference in a local, rethrows every
          ;; other one to an outer catch_ref.
          (func (export "churn") (param $n i32) (result i32) (local $s i32) (local $x exnref)
            (loop $l
              (block $outer (result i32 exnref)
                (block $h (result i32 exnref)
                  (try_table (catch_ref $e $h) (call $throw (local.get $n)))
                  (unreachable))
                (local.set $x)
                (drop)
                (if (i32.and (local.get $n) (i32.const 1))
                  (then (try_table (catch_ref $e $outer) (throw_ref (local.get $x)))))
                (local.get $n)
                (local.get $x))
              (drop)
              (local.set $s (i32.add (local.get $s)))
              (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
            (local.get $s))
          (func (export "keep") (param i32) (local $x exnref)
            (block $h (result exnref)
              (try_table (catch_all_ref $h) (call $throw (local.get 0)))
              (unreachable))
            (global.set $kept)
            (block $h2 (result exnref)
              (try_table (catch_all_ref $h2) (call $throw (i32.add (local.get 0) (i32.const 1))))
              (unreachable))
            (local.set $x)
            (table.set $t (i32.const 0) (local.get $x)))
          (func (export "kept") (result i32 i32)
            (block $a (result i32)
              (try_table (catch $e $a) (throw_ref (global.get $kept)))
              (unreachable))
            (block $b (result i32)
              (try_table (catch $e $b) (throw_ref (table.get $t (i32.const 0))))
              (unreachable))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let keep = inst.get_typed_func::<i32, ()>(&store, "keep").unwrap();
    keep.call(&mut store, 100).unwrap();
    let churn = inst.get_typed_func::<i32, i32>(&store, "churn").unwrap();
    let n = 1_000_000;
    let sum = churn.call(&mut store, n).unwrap();
    assert_eq!(sum as i64, (1..=n as i64).sum::<i64>() as i32 as i64);
    let in_use = store.exceptions_in_use();
    assert!(in_use < 20_000, "{in_use} exceptions still held");
    let kept = inst
        .get_typed_func::<(), (i32, i32)>(&store, "kept")
        .unwrap();
    assert_eq!(kept.call(&mut store, ()).unwrap(), (100, 101));
}

/// Exceptions caught without a reference are freed at the catch: none stays in use after
/// many throws. (The portable dispatch once leaked one whenever a `throw` bounced to its
/// trampoline on the way to the unwinder, resuming at the `throw` itself; where the bounces
/// fall depends on the native stack, so `referenced_exceptions_are_collected` caught that
/// only in a build where `code_at` was inlined into the unwinder, as it is now.)
#[test]
fn caught_exceptions_are_freed_at_the_catch() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
          (tag $e (param i32))
          (func (export "loop") (param $n i32) (result i32)
            (local $s i32)
            (loop $l
              (block $h (result i32)
                (try_table (catch $e $h) (throw $e (local.get $n)))
                (unreachable))
              (local.set $s (i32.add (local.get $s)))
              (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
            (local.get $s)))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let run = inst.get_typed_func::<i32, i32>(&store, "loop").unwrap();
    let n = 300_000;
    let expected = (1..=n as i64).sum::<i64>() as i32;
    assert_eq!(run.call(&mut store, n).unwrap(), expected);
    assert_eq!(
        store.exceptions_in_use(),
        0,
        "every caught exception is freed"
    );
}

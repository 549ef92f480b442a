//! Basic end-to-end behaviour of the engine through the public API.

use baton::*;

fn instance(wat: &str) -> (Store<()>, Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, wat).expect("module compiles");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .expect("instantiates");
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

//! Memories beyond memory 0 with 32-bit addresses: 64-bit addresses (memory64), several
//! memories (multi-memory), one-byte pages (custom page sizes), through the embedding API
//! and from Wasm.

use baton::{Config, Engine, Error, Linker, Memory, MemoryType, Module, Store, TrapCode};

fn instance(
    engine: &Engine,
    text: &str,
    memory: Option<MemoryType>,
) -> (Store<()>, baton::Instance) {
    let module = Module::new(engine, text).unwrap();
    let mut store = Store::new(engine, ());
    let mut linker = Linker::new(engine);
    if let Some(ty) = memory {
        let m = Memory::new(&mut store, ty).unwrap();
        linker.define("env", "mem", m).unwrap();
    }
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance)
}

#[test]
fn a_64_bit_memory_takes_64_bit_addresses_and_traps_past_its_end() {
    let engine = Engine::default();
    let (mut store, inst) = instance(
        &engine,
        r#"(module
          (import "env" "mem" (memory i64 1 2))
          (func (export "store") (param i64 i64) (i64.store offset=8 (local.get 0) (local.get 1)))
          (func (export "load") (param i64) (result i64) (i64.load offset=8 (local.get 0)))
          (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
          (func (export "size") (result i64) (memory.size)))"#,
        Some(MemoryType::new64(1, Some(2))),
    );
    let store_fn = inst
        .get_typed_func::<(i64, i64), ()>(&store, "store")
        .unwrap();
    let load = inst.get_typed_func::<i64, i64>(&store, "load").unwrap();
    store_fn.call(&mut store, (100, -7)).unwrap();
    assert_eq!(load.call(&mut store, 100).unwrap(), -7);
    // The last eight bytes of the page, then one byte past them.
    assert_eq!(load.call(&mut store, 65536 - 16).unwrap(), 0);
    let trap = load.call(&mut store, 65536 - 15).unwrap_err();
    assert!(
        matches!(trap, Error::Trap(ref t) if t.code() == TrapCode::MemoryOutOfBounds),
        "{trap}"
    );
    // An address whose sum with the offset overflows 64 bits is out of bounds, not wrapped.
    let trap = load.call(&mut store, -4).unwrap_err();
    assert!(
        matches!(trap, Error::Trap(ref t) if t.code() == TrapCode::MemoryOutOfBounds),
        "{trap}"
    );
    let grow = inst.get_typed_func::<i64, i64>(&store, "grow").unwrap();
    let size = inst.get_typed_func::<(), i64>(&store, "size").unwrap();
    assert_eq!(grow.call(&mut store, 1).unwrap(), 1);
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1, "beyond the maximum");
    assert_eq!(size.call(&mut store, ()).unwrap(), 2);
    assert_eq!(load.call(&mut store, 65536 - 15).unwrap(), 0, "grown");
}

#[test]
fn each_memory_of_a_module_is_its_own() {
    let engine = Engine::default();
    let (mut store, inst) = instance(
        &engine,
        r#"(module
          (memory $a 1)
          (memory $b 1 3)
          (data (memory $b) (i32.const 10) "\2a")
          (func (export "copy") (memory.copy $a $b (i32.const 0) (i32.const 10) (i32.const 1)))
          (func (export "a") (param i32) (result i32) (i32.load8_u $a (local.get 0)))
          (func (export "b") (param i32) (result i32) (i32.load8_u $b (local.get 0)))
          (func (export "fill_b") (memory.fill $b (i32.const 20) (i32.const 7) (i32.const 3)))
          (func (export "grow_b") (result i32) (memory.grow $b (i32.const 2)))
          (func (export "sizes") (result i32 i32) (memory.size $a) (memory.size $b)))"#,
        None,
    );
    let a = inst.get_typed_func::<i32, i32>(&store, "a").unwrap();
    let b = inst.get_typed_func::<i32, i32>(&store, "b").unwrap();
    assert_eq!(
        (
            a.call(&mut store, 10).unwrap(),
            b.call(&mut store, 10).unwrap()
        ),
        (0, 42)
    );
    inst.get_typed_func::<(), ()>(&store, "copy")
        .unwrap()
        .call(&mut store, ())
        .unwrap();
    assert_eq!(a.call(&mut store, 0).unwrap(), 42);
    inst.get_typed_func::<(), ()>(&store, "fill_b")
        .unwrap()
        .call(&mut store, ())
        .unwrap();
    assert_eq!(
        (
            a.call(&mut store, 21).unwrap(),
            b.call(&mut store, 21).unwrap()
        ),
        (0, 7)
    );
    let grow = inst.get_typed_func::<(), i32>(&store, "grow_b").unwrap();
    assert_eq!(grow.call(&mut store, ()).unwrap(), 1);
    let sizes = inst
        .get_typed_func::<(), (i32, i32)>(&store, "sizes")
        .unwrap();
    assert_eq!(sizes.call(&mut store, ()).unwrap(), (1, 3));
    assert_eq!(b.call(&mut store, 3 * 65536 - 1).unwrap(), 0);
    assert!(b.call(&mut store, 3 * 65536).is_err());
    assert!(a.call(&mut store, 65536).is_err(), "memory $a did not grow");
}

#[test]
fn one_byte_pages_count_bytes() {
    let engine = Engine::default();
    let (mut store, inst) = instance(
        &engine,
        r#"(module
          (memory (export "m") 3 10 (pagesize 1))
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
          (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0))))"#,
        None,
    );
    let load = inst.get_typed_func::<i32, i32>(&store, "load").unwrap();
    assert_eq!(load.call(&mut store, 2).unwrap(), 0);
    assert!(load.call(&mut store, 3).is_err());
    let grow = inst.get_typed_func::<i32, i32>(&store, "grow").unwrap();
    assert_eq!(grow.call(&mut store, 4).unwrap(), 3);
    assert_eq!(
        grow.call(&mut store, 4).unwrap(),
        -1,
        "beyond the maximum of 10 bytes"
    );
    let m = inst.get_memory(&store, "m").unwrap();
    assert_eq!((m.size(&store), m.data_size(&store)), (7, 7));
    assert_eq!(m.ty(&store).page_size(), 1);
}

#[test]
fn proposals_can_be_switched_off() {
    let mut config = Config::new();
    config.wasm_multi_memory(false).wasm_memory64(false);
    let engine = Engine::new(&config);
    for text in ["(module (memory 1) (memory 1))", "(module (memory i64 1))"] {
        match Module::new(&engine, text) {
            Err(Error::Validation { .. }) => {}
            other => panic!(
                "{text}: expected a validation error, got {:?}",
                other.map(|_| ())
            ),
        }
        Module::new(&Engine::default(), text).unwrap();
    }
}

#[test]
fn a_64_bit_table_takes_64_bit_indices() {
    let engine = Engine::default();
    let (mut store, inst) = instance(
        &engine,
        r#"(module
          (type $f (func (result i32)))
          (table $t i64 2 10 funcref)
          (elem (table $t) (i64.const 1) func $seven)
          (func $seven (result i32) (i32.const 7))
          (func (export "call") (param i64) (result i32) (call_indirect $t (type $f) (local.get 0)))
          (func (export "is_null") (param i64) (result i32) (ref.is_null (table.get $t (local.get 0))))
          (func (export "grow") (param i64) (result i64) (table.grow $t (ref.null func) (local.get 0)))
          (func (export "size") (result i64) (table.size $t))
          (func (export "fill") (param i64 i64) (table.fill $t (local.get 0) (ref.func $seven) (local.get 1))))"#,
        None,
    );
    let call = inst.get_typed_func::<i64, i32>(&store, "call").unwrap();
    assert_eq!(call.call(&mut store, 1).unwrap(), 7);
    for index in [2, 1 << 32, (1 << 32) + 1, -1] {
        let trap = call.call(&mut store, index).unwrap_err();
        assert!(
            matches!(trap, Error::Trap(ref t) if t.code() == TrapCode::UndefinedElement),
            "index {index}: {trap}"
        );
    }
    let is_null = inst.get_typed_func::<i64, i32>(&store, "is_null").unwrap();
    assert_eq!(is_null.call(&mut store, 0).unwrap(), 1);
    assert!(is_null.call(&mut store, 1 << 32).is_err());
    let grow = inst.get_typed_func::<i64, i64>(&store, "grow").unwrap();
    assert_eq!(grow.call(&mut store, 3).unwrap(), 2);
    assert_eq!(grow.call(&mut store, 1 << 40).unwrap(), -1);
    let size = inst.get_typed_func::<(), i64>(&store, "size").unwrap();
    assert_eq!(size.call(&mut store, ()).unwrap(), 5);
    let fill = inst
        .get_typed_func::<(i64, i64), ()>(&store, "fill")
        .unwrap();
    fill.call(&mut store, (3, 2)).unwrap();
    assert_eq!(call.call(&mut store, 4).unwrap(), 7);
    assert!(fill.call(&mut store, (4, 1 << 33)).is_err());
}

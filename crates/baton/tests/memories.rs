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

/// Whether a trap is an out-of-bounds memory access.
fn is_oob<T: std::fmt::Debug>(r: Result<T, Error>) -> bool {
    matches!(r, Err(Error::Trap(ref t)) if t.code() == TrapCode::MemoryOutOfBounds)
}

#[test]
fn memories_of_4_gib_and_more_are_addressed_to_their_last_byte() {
    // 4 GiB plus one page of 64-bit memory, and exactly 4 GiB of 32-bit memory: the
    // allocator hands out zeroed pages lazily, so only the pages touched become resident.
    const BIG: u64 = (1 << 32) + 65536;
    let engine = Engine::default();
    let (mut store, inst) = instance(
        &engine,
        r#"(module
          (memory (export "m64") i64 65537)
          (memory (export "m32") 65536)
          (func (export "store64") (param i64 i64) (i64.store 0 offset=8 (local.get 0) (local.get 1)))
          (func (export "load64") (param i64) (result i64) (i64.load 0 offset=8 (local.get 0)))
          (func (export "load32") (param i32) (result i64) (i64.load 1 (local.get 0)))
          (func (export "load32_off") (param i32) (result i64)
            (i64.load 1 offset=0xfffffff0 (local.get 0))))"#,
        None,
    );
    let m64 = inst.get_memory(&store, "m64").unwrap();
    let m32 = inst.get_memory(&store, "m32").unwrap();
    assert_eq!(m64.data_size(&store) as u64, BIG);
    assert_eq!(m32.data_size(&store) as u64, 1 << 32);

    // Wasm stores past 4 GiB; the host reads them at the same place, and the reverse.
    let store64 = inst
        .get_typed_func::<(i64, i64), ()>(&store, "store64")
        .unwrap();
    let load64 = inst.get_typed_func::<i64, i64>(&store, "load64").unwrap();
    let at = (1i64 << 32) + 4;
    store64
        .call(&mut store, (at, 0x0102_0304_0506_0708))
        .unwrap();
    let mut buf = [0u8; 8];
    m64.read(&store, (at + 8) as usize, &mut buf).unwrap();
    assert_eq!(u64::from_le_bytes(buf), 0x0102_0304_0506_0708);
    m64.write(&mut store, (BIG - 8) as usize, &(-3i64).to_le_bytes())
        .unwrap();
    assert_eq!(load64.call(&mut store, BIG as i64 - 16).unwrap(), -3);
    assert!(is_oob(load64.call(&mut store, BIG as i64 - 15)));
    assert!(m64.read(&store, (BIG - 7) as usize, &mut buf).is_err());

    // A full 32-bit memory: the last 8 bytes are in bounds, and an address plus an offset
    // past 2^32 is out of bounds, not wrapped around.
    m32.write(&mut store, (1 << 32) - 8, &7i64.to_le_bytes())
        .unwrap();
    let load32 = inst.get_typed_func::<i32, i64>(&store, "load32").unwrap();
    assert_eq!(load32.call(&mut store, -8).unwrap(), 7);
    assert!(is_oob(load32.call(&mut store, -7)));
    let load32_off = inst
        .get_typed_func::<i32, i64>(&store, "load32_off")
        .unwrap();
    assert_eq!(load32_off.call(&mut store, 8).unwrap(), 7);
    assert!(is_oob(load32_off.call(&mut store, 9)));
    assert!(is_oob(load32_off.call(&mut store, -1)));

    // The same on memory 0, whose accesses take the fast path (base and length in
    // registers).
    let (mut store, inst) = instance(
        &engine,
        r#"(module
          (memory (export "m") 65536)
          (func (export "load") (param i32) (result i64) (i64.load (local.get 0)))
          (func (export "load_off") (param i32) (result i64)
            (i64.load offset=0xfffffff0 (local.get 0)))
          (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))"#,
        None,
    );
    let m = inst.get_memory(&store, "m").unwrap();
    m.write(&mut store, (1 << 32) - 8, &9i64.to_le_bytes())
        .unwrap();
    let load = inst.get_typed_func::<i32, i64>(&store, "load").unwrap();
    let load_off = inst.get_typed_func::<i32, i64>(&store, "load_off").unwrap();
    let store8 = inst
        .get_typed_func::<(i32, i32), ()>(&store, "store8")
        .unwrap();
    assert_eq!(load.call(&mut store, -8).unwrap(), 9);
    assert!(is_oob(load.call(&mut store, -7)));
    assert_eq!(load_off.call(&mut store, 8).unwrap(), 9);
    assert!(is_oob(load_off.call(&mut store, 9)));
    store8.call(&mut store, (-1, 0x55)).unwrap();
    assert_eq!(m.data(&store)[(1 << 32) - 1], 0x55);
}

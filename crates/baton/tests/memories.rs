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

/// Calls export `name` of `inst` with `params`, returning its single result (`R` = `()` for
/// none).
fn call<P: baton::WasmParams, R: baton::WasmResults>(
    store: &mut Store<()>,
    inst: &baton::Instance,
    name: &str,
    params: P,
) -> Result<R, Error> {
    inst.get_typed_func::<P, R>(&*store, name)
        .unwrap()
        .call(&mut *store, params)
}

#[test]
fn w_forms_fold_the_address_add_and_take_accumulator_values_and_check_bounds() {
    // Memory 0 with 64-bit addresses (the `w` forms): an `i64.add` folded into the load
    // (`w_rr`, `w_ri`, with a negative constant), a value in the accumulator stored
    // (`w_va`), at the edges of the memory, with addresses at and above 2^32 and sums
    // that wrap around 64 bits.
    let engine = Engine::default();
    let text = r#"(module
      (memory (export "m") i64 1 2)
      (func (export "load_rr") (param i64 i64) (result i64)
        (i64.load offset=8 (i64.add (local.get 0) (local.get 1))))
      (func (export "load_ri") (param i64) (result i32)
        (i32.load16_u offset=4 (i64.add (local.get 0) (i64.const -2))))
      (func (export "copy") (param i64 i64)
        (i64.store offset=16 (local.get 1) (i64.load (local.get 0))))
      (func (export "store8") (param i64 i32)
        (i32.store8 (local.get 0) (i32.add (local.get 1) (i32.const 1))))
      (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
      (func (export "load_sum") (param i64 i64) (result i32)
        (i32.add (i32.load8_u (i64.add (local.get 0) (local.get 1))) (i32.const 1)))
      (func (export "store_sum") (param i64 i64 i64)
        (i64.store offset=8 (i64.add (local.get 0) (local.get 1)) (local.get 2)))
      (func (export "store_sum_va") (param i64 i64 i32)
        (i32.store16 offset=2 (i64.add (local.get 0) (local.get 1))
          (i32.add (local.get 2) (i32.const 1)))))"#;
    let module = Module::new(&engine, text).unwrap();
    // (Names without `I32_`/`I64_`: the zero-extending loads of both widths have the same
    // machine code, which an optimised build may merge into one handler, so the listing
    // can name either.)
    for (func, form) in [
        (0, "I64_LOAD::w_rr"),
        (1, "LOAD16_U::w_ri"),
        (2, "I64_LOAD::w_a"),
        (2, "STORE64::w_va"),
        (3, "STORE8::w_va"),
        (5, "LOAD8_U::w_rr_a"),
        (6, "STORE64::w_sum_r"),
        (7, "STORE16::w_sum_va"),
    ] {
        let listing = module.disassemble(func).unwrap();
        assert!(listing.contains(form), "{form} in\n{listing}");
    }
    let (mut store, inst) = instance(&engine, text, None);
    let s = &mut store;
    let m = inst.get_memory(&*s, "m").unwrap();
    m.write(&mut *s, 65528, &0x1122_3344_5566_7788u64.to_le_bytes())
        .unwrap();
    m.write(&mut *s, 0, &(-5i64).to_le_bytes()).unwrap();
    let load_rr = |s: &mut Store<()>, a: i64, b: i64| call::<_, i64>(s, &inst, "load_rr", (a, b));
    assert_eq!(load_rr(s, 65520, 0).unwrap(), 0x1122_3344_5566_7788);
    assert_eq!(load_rr(s, 65519, 1).unwrap(), 0x1122_3344_5566_7788);
    // `i64.add` wraps around: -1 + 65521 is 65520.
    assert_eq!(load_rr(s, -1, 65521).unwrap(), 0x1122_3344_5566_7788);
    assert!(is_oob(load_rr(s, 65521, 0)));
    assert!(is_oob(load_rr(s, 0, 65521)));
    assert!(is_oob(load_rr(s, -1, 0)), "address + offset wraps around");
    assert!(is_oob(load_rr(s, -8, 0)), "address + offset is 2^64");
    assert!(is_oob(load_rr(s, 1 << 32, 0)));
    assert!(is_oob(load_rr(s, i64::MIN, 0)));

    m.write(&mut *s, 65534, &0xbeefu16.to_le_bytes()).unwrap();
    let load_ri = |s: &mut Store<()>, a: i64| call::<_, i32>(s, &inst, "load_ri", a);
    assert_eq!(load_ri(s, 65532).unwrap(), 0xbeef);
    assert!(is_oob(load_ri(s, 65533)));
    assert_eq!(load_ri(s, 2).unwrap(), 0xffff, "bytes 4 and 5 of -5");
    assert!(is_oob(load_ri(s, 1)), "address -1 + offset 4 wraps around");
    assert!(is_oob(load_ri(s, (1 << 32) + 2)));

    let copy = |s: &mut Store<()>, src: i64, dst: i64| call::<_, ()>(s, &inst, "copy", (src, dst));
    copy(s, 0, 65512).unwrap();
    assert_eq!(load_rr(s, 65520, 0).unwrap(), -5);
    assert!(is_oob(copy(s, 0, 65513)));
    assert!(is_oob(copy(s, 65529, 0)));
    assert!(is_oob(copy(s, 0, 1 << 40)));
    assert!(is_oob(copy(s, 0, -16)));

    let store8 = |s: &mut Store<()>, a: i64, v: i32| call::<_, ()>(s, &inst, "store8", (a, v));
    store8(s, 65535, 0x40).unwrap();
    assert_eq!(m.data(&*s)[65535], 0x41);
    assert!(is_oob(store8(s, 65536, 0)));
    assert!(is_oob(store8(s, -1, 0)));
    assert!(is_oob(store8(s, 1 << 32, 0)));

    let load_sum = |s: &mut Store<()>, a: i64, b: i64| call::<_, i32>(s, &inst, "load_sum", (a, b));
    assert_eq!(load_sum(s, 65535, 0).unwrap(), 0x42);
    assert_eq!(load_sum(s, -1, 65536).unwrap(), 0x42);
    assert!(is_oob(load_sum(s, 65536, 0)));
    assert!(is_oob(load_sum(s, (1 << 32) + 65535, 0)));

    // Grown: what was past the end is in bounds.
    assert_eq!(call::<_, i64>(s, &inst, "grow", 1i64).unwrap(), 1);
    store8(s, 65536, 6).unwrap();
    assert_eq!(load_sum(s, 65536, 0).unwrap(), 8);
    copy(s, 0, 65513).unwrap();
    assert_eq!(load_rr(s, 65521, 0).unwrap(), -5);
    assert!(is_oob(load_rr(s, 2 * 65536 - 15, 0)));

    // Stores to a sum (`w_sum_r`, `w_sum_va`), at the new end.
    let end = 2 * 65536;
    let store_sum =
        |s: &mut Store<()>, a: i64, b: i64, v: i64| call::<_, ()>(s, &inst, "store_sum", (a, b, v));
    store_sum(s, end - 16, 0, 77).unwrap();
    assert_eq!(load_rr(s, end - 16, 0).unwrap(), 77);
    store_sum(s, -1, end - 15, 78).unwrap();
    assert_eq!(
        load_rr(s, end - 16, 0).unwrap(),
        78,
        "the sum wraps around 64 bits"
    );
    assert!(is_oob(store_sum(s, end - 15, 0, 1)));
    assert!(is_oob(store_sum(s, -8, 0, 1)));
    assert!(is_oob(store_sum(s, 1 << 32, 0, 1)));
    let store_sum_va = |s: &mut Store<()>, a: i64, b: i64, v: i32| {
        call::<_, ()>(s, &inst, "store_sum_va", (a, b, v))
    };
    store_sum_va(s, end - 4, 0, 0x1233).unwrap();
    assert_eq!(m.data(&*s)[end as usize - 2..], [0x34, 0x12]);
    assert!(is_oob(store_sum_va(s, end - 3, 0, 0)));
    assert!(is_oob(store_sum_va(s, -2, 0, 0)));
}

#[test]
fn m_forms_fold_the_address_add_and_take_accumulator_values_and_check_bounds() {
    // The same on memory 1 with 32-bit addresses (the `m` forms; the add wraps around 32
    // bits), which grows by `memory.grow` while memory 0 stays as it is.
    let engine = Engine::default();
    let text = r#"(module
      (memory $z 1)
      (memory $m (export "m") 1 3)
      (func (export "load_rr") (param i32 i32) (result i64)
        (i64.load $m offset=8 (i32.add (local.get 0) (local.get 1))))
      (func (export "load_ri") (param i32) (result i32)
        (i32.load16_u $m offset=4 (i32.add (local.get 0) (i32.const -2))))
      (func (export "copy") (param i32 i32)
        (i64.store $m offset=16 (local.get 1) (i64.load $m (local.get 0))))
      (func (export "store8") (param i32 i32)
        (i32.store8 $m (local.get 0) (i32.add (local.get 1) (i32.const 1))))
      (func (export "grow") (param i32) (result i32) (memory.grow $m (local.get 0)))
      (func (export "load_sum") (param i32 i32) (result i32)
        (i32.add (i32.load8_u $m (i32.add (local.get 0) (local.get 1))) (i32.const 1)))
      (func (export "load0") (param i32) (result i32) (i32.load8_u $z (local.get 0)))
      (func (export "store_sum") (param i32 i32 i64)
        (i64.store $m offset=8 (i32.add (local.get 0) (local.get 1)) (local.get 2)))
      (func (export "store_sum_va") (param i32 i32 i32)
        (i32.store16 $m offset=2 (i32.add (local.get 0) (local.get 1))
          (i32.add (local.get 2) (i32.const 1)))))"#;
    let module = Module::new(&engine, text).unwrap();
    // (Names without `I32_`/`I64_`: the zero-extending loads of both widths have the same
    // machine code, which an optimised build may merge into one handler, so the listing
    // can name either.)
    for (func, form) in [
        (0, "I64_LOAD::m_rr"),
        (1, "LOAD16_U::m_ri"),
        // (The `m_a` load and the `m_va` store after it make a pair, which keeps the
        // store whole behind it.)
        (2, "LOAD64_M_A_STORE64_M_VA_PAIR"),
        (2, "STORE64::m_va"),
        (3, "STORE8::m_va"),
        (5, "LOAD8_U::m_rr_a"),
        (7, "STORE64::m_sum_r"),
        (8, "STORE16::m_sum_va"),
    ] {
        let listing = module.disassemble(func).unwrap();
        assert!(listing.contains(form), "{form} in\n{listing}");
    }
    let (mut store, inst) = instance(&engine, text, None);
    let s = &mut store;
    let m = inst.get_memory(&*s, "m").unwrap();
    m.write(&mut *s, 65528, &0x1122_3344_5566_7788u64.to_le_bytes())
        .unwrap();
    m.write(&mut *s, 0, &(-5i64).to_le_bytes()).unwrap();
    let load_rr = |s: &mut Store<()>, a: i32, b: i32| call::<_, i64>(s, &inst, "load_rr", (a, b));
    assert_eq!(load_rr(s, 65520, 0).unwrap(), 0x1122_3344_5566_7788);
    assert_eq!(load_rr(s, -1, 65521).unwrap(), 0x1122_3344_5566_7788);
    assert!(is_oob(load_rr(s, 65521, 0)));
    assert!(is_oob(load_rr(s, -8, 0)), "no wrap-around past 2^32");
    assert_eq!(
        load_rr(s, i32::MIN, i32::MIN).unwrap(),
        0,
        "2^32 wraps to 0"
    );

    m.write(&mut *s, 65534, &0xbeefu16.to_le_bytes()).unwrap();
    let load_ri = |s: &mut Store<()>, a: i32| call::<_, i32>(s, &inst, "load_ri", a);
    assert_eq!(load_ri(s, 65532).unwrap(), 0xbeef);
    assert!(is_oob(load_ri(s, 65533)));
    assert_eq!(load_ri(s, 2).unwrap(), 0xffff);
    assert!(is_oob(load_ri(s, 1)), "0xffffffff + offset 4 is past 2^32");

    let copy = |s: &mut Store<()>, src: i32, dst: i32| call::<_, ()>(s, &inst, "copy", (src, dst));
    copy(s, 0, 65512).unwrap();
    assert_eq!(load_rr(s, 65520, 0).unwrap(), -5);
    assert!(is_oob(copy(s, 0, 65513)));
    assert!(is_oob(copy(s, 65529, 0)));
    assert!(is_oob(copy(s, 0, -16)));

    let store8 = |s: &mut Store<()>, a: i32, v: i32| call::<_, ()>(s, &inst, "store8", (a, v));
    store8(s, 65535, 0x40).unwrap();
    assert_eq!(m.data(&*s)[65535], 0x41);
    assert!(is_oob(store8(s, 65536, 0)));
    assert!(is_oob(store8(s, -1, 0)));
    let load_sum = |s: &mut Store<()>, a: i32, b: i32| call::<_, i32>(s, &inst, "load_sum", (a, b));
    assert_eq!(load_sum(s, 65535, 0).unwrap(), 0x42);
    assert!(is_oob(load_sum(s, 65536, 0)));

    // Grown by two pages in Wasm: the accesses see the new length at once (the context's
    // cache of memory 1 is refreshed by `memory.grow`); memory 0 did not grow.
    let grow_then_store = |s: &mut Store<()>| {
        assert_eq!(call::<_, i32>(s, &inst, "grow", 2).unwrap(), 1);
        store8(s, 3 * 65536 - 1, 6)
    };
    grow_then_store(s).unwrap();
    assert_eq!(load_sum(s, 3 * 65536 - 1, 0).unwrap(), 8);
    copy(s, 0, 3 * 65536 - 24).unwrap();
    assert_eq!(load_rr(s, 3 * 65536 - 16, 0).unwrap(), -5);
    assert!(is_oob(load_rr(s, 3 * 65536 - 15, 0)));
    assert!(is_oob(call::<_, i32>(s, &inst, "load0", 65536)));
    assert_eq!(call::<_, i32>(s, &inst, "grow", 1).unwrap(), -1);

    // Stores to a sum (`m_sum_r`, `m_sum_va`), at the new end.
    let end = 3 * 65536;
    let store_sum =
        |s: &mut Store<()>, a: i32, b: i32, v: i64| call::<_, ()>(s, &inst, "store_sum", (a, b, v));
    store_sum(s, end - 16, 0, 77).unwrap();
    assert_eq!(load_rr(s, end - 16, 0).unwrap(), 77);
    store_sum(s, -1, end - 15, 78).unwrap();
    assert_eq!(
        load_rr(s, end - 16, 0).unwrap(),
        78,
        "the sum wraps around 32 bits"
    );
    assert!(is_oob(store_sum(s, end - 15, 0, 1)));
    assert!(is_oob(store_sum(s, -8, 0, 1)));
    let store_sum_va = |s: &mut Store<()>, a: i32, b: i32, v: i32| {
        call::<_, ()>(s, &inst, "store_sum_va", (a, b, v))
    };
    store_sum_va(s, end - 4, 0, 0x1233).unwrap();
    assert_eq!(m.data(&*s)[end as usize - 2..], [0x34, 0x12]);
    assert!(is_oob(store_sum_va(s, end - 3, 0, 0)));
    assert!(is_oob(store_sum_va(s, -2, 0, 0)));
}

#[test]
fn memory_1_grown_elsewhere_is_seen_by_the_next_access() {
    // Memory 1 of instance `b` is instance `a`'s memory, grown by `a` (a call into another
    // instance), by the host from a host function, and by the host between calls: `b`'s
    // accesses through the `m` forms see each new length.
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let zero = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    let shared = Memory::new(&mut store, MemoryType::new(1, Some(8))).unwrap();
    linker.define("env", "zero", zero).unwrap();
    linker.define("env", "shared", shared).unwrap();
    linker
        .func_wrap(
            "env",
            "host_grow",
            move |mut caller: baton::Caller<'_, ()>| {
                shared.grow(&mut caller, 1).unwrap();
            },
        )
        .unwrap();
    let a = Module::new(
        &engine,
        r#"(module
          (import "env" "shared" (memory 1 8))
          (func (export "grow") (result i32) (memory.grow (i32.const 1))))"#,
    )
    .unwrap();
    let a = linker.instantiate(&mut store, &a).unwrap();
    linker.instance(&mut store, "a", a).unwrap();
    let b = Module::new(
        &engine,
        r#"(module
          (import "a" "grow" (func $grow (result i32)))
          (import "env" "host_grow" (func $host_grow))
          (import "env" "zero" (memory 1))
          (import "env" "shared" (memory $s 1 8))
          (func (export "store") (param i32 i32) (i32.store8 $s (local.get 0) (local.get 1)))
          (func (export "grow_then_store") (param i32)
            (drop (call $grow))
            (i32.store8 $s (local.get 0) (i32.const 1)))
          (func (export "host_grow_then_load") (param i32) (result i32)
            (call $host_grow)
            (i32.load8_u $s (local.get 0))))"#,
    )
    .unwrap();
    assert!(b.disassemble(1).unwrap().contains("STORE8::m"));
    let b = linker.instantiate(&mut store, &b).unwrap();
    let s = &mut store;
    assert!(is_oob(call::<_, ()>(s, &b, "store", (65536, 1))));
    call::<_, ()>(s, &b, "grow_then_store", 2 * 65536 - 1).unwrap();
    assert_eq!(shared.data(&*s)[2 * 65536 - 1], 1);
    assert_eq!(
        call::<_, i32>(s, &b, "host_grow_then_load", 3 * 65536 - 1).unwrap(),
        0
    );
    shared.grow(&mut *s, 1).unwrap();
    call::<_, ()>(s, &b, "store", (4 * 65536 - 1, 9)).unwrap();
    assert!(is_oob(call::<_, ()>(s, &b, "store", (4 * 65536, 1))));
}

#[test]
fn memory_8_and_a_64_bit_memory_1_take_the_x_form() {
    // The `m` forms reach memories 1 to 7 (`MEMORY_SLOTS`); memory 8 takes the `x` form,
    // and so does a memory other than 0 with 64-bit addresses.
    let engine = Engine::default();
    let mut memories = String::new();
    for i in 0..9 {
        memories.push_str(&format!("(memory {})", 1 + i % 2));
    }
    let text = format!(
        r#"(module {memories}
          (func (export "store") (param i32 i32) (i32.store8 8 (local.get 0) (local.get 1)))
          (func (export "load") (param i32) (result i32) (i32.load8_u 8 (local.get 0)))
          (func (export "load7") (param i32) (result i32) (i32.load8_u 7 (local.get 0))))"#
    );
    let module = Module::new(&engine, &text).unwrap();
    assert!(module.disassemble(0).unwrap().contains("STORE8::x"));
    assert!(module.disassemble(1).unwrap().contains("LOAD8_U::x"));
    assert!(module.disassemble(2).unwrap().contains("LOAD8_U::m"));
    let (mut store, inst) = instance(&engine, &text, None);
    let s = &mut store;
    call::<_, ()>(s, &inst, "store", (65535, 3)).unwrap();
    assert_eq!(call::<_, i32>(s, &inst, "load", 65535).unwrap(), 3);
    assert!(is_oob(call::<_, i32>(s, &inst, "load", 65536)));
    assert_eq!(call::<_, i32>(s, &inst, "load7", 2 * 65536 - 1).unwrap(), 0);
    assert!(is_oob(call::<_, i32>(s, &inst, "load7", 2 * 65536)));

    let text = r#"(module (memory 1) (memory i64 1)
      (func (export "load") (param i64) (result i32) (i32.load8_u 1 (local.get 0))))"#;
    let module = Module::new(&engine, text).unwrap();
    assert!(module.disassemble(0).unwrap().contains("LOAD8_U::x"));
    let (mut store, inst) = instance(&engine, text, None);
    assert_eq!(
        call::<_, i32>(&mut store, &inst, "load", 65535i64).unwrap(),
        0
    );
    assert!(is_oob(call::<_, i32>(
        &mut store,
        &inst,
        "load",
        1i64 << 32
    )));
}

#[test]
fn an_address_add_whose_result_is_also_kept_is_not_folded() {
    // `local.tee` keeps the sum in a local: the add stays, and the access reads the local.
    let engine = Engine::default();
    let text = r#"(module
      (memory (export "mem") i64 1)
      (memory $m 1)
      (func (export "w") (param i64 i64) (result i64) (local $x i64)
        (i64.add (i64.load (local.tee $x (i64.add (local.get 0) (local.get 1))))
          (local.get $x)))
      (func (export "m") (param i32 i32) (result i32) (local $x i32)
        (i32.add (i32.load $m (local.tee $x (i32.add (local.get 0) (local.get 1))))
          (local.get $x))))"#;
    let module = Module::new(&engine, text).unwrap();
    for func in [0, 1] {
        let listing = module.disassemble(func).unwrap();
        assert!(listing.contains("ADD::rr"), "{listing}");
    }
    let (mut store, inst) = instance(&engine, text, None);
    let m = inst.get_memory(&store, "mem").unwrap();
    m.write(&mut store, 8, &100i64.to_le_bytes()).unwrap();
    assert_eq!(
        call::<_, i64>(&mut store, &inst, "w", (3i64, 5i64)).unwrap(),
        108
    );
    assert_eq!(call::<_, i32>(&mut store, &inst, "m", (3, 5)).unwrap(), 8);
}

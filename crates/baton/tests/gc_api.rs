//! The host's GC API: structure and array types made by the host are the module's types of
//! the same shape, objects made by the host go into Wasm and come back, fields and elements
//! are read and written with their types checked, and host handles root their objects.

use baton::{
    AnyRef, ArrayRef, ArrayType, AsContextMut, Config, Engine, Error, ExternRef, FieldType, Func,
    HeapType, Instance, Linker, Module, Mutability, RefType, RootScope, StorageType, Store,
    StructRef, StructType, Val, ValType, V128,
};

const WAT: &str = r#"(module
  (type $point (struct (field $x (mut i32)) (field $y (mut i64))))
  (type $packed (struct (field (mut i8)) (field (mut i16)) (field i8)))
  (type $ints (array (mut i32)))
  (type $box (struct (field (mut (ref null $point)))))
  (type $other (struct (field (mut i32)) (field (mut i64)) (field f32)))
  (import "host" "make" (func $make (param i32) (result anyref)))
  (func $sum (export "sum") (param (ref $point)) (result i64)
    (i64.add (i64.extend_i32_s (struct.get $point $x (local.get 0)))
             (struct.get $point $y (local.get 0))))
  (func (export "bump") (param (ref $point))
    (struct.set $point $x (local.get 0)
      (i32.add (struct.get $point $x (local.get 0)) (i32.const 1))))
  (func (export "make_point") (param i32 i64) (result (ref $point))
    (struct.new $point (local.get 0) (local.get 1)))
  (func (export "make_other") (result anyref)
    (struct.new $other (i32.const 1) (i64.const 2) (f32.const 3)))
  (func (export "packed_s") (param (ref $packed)) (result i32)
    (struct.get_s $packed 0 (local.get 0)))
  (func (export "packed_set") (param (ref $packed) i32)
    (struct.set $packed 1 (local.get 0) (local.get 1)))
  (func (export "array_len") (param (ref null array)) (result i32)
    (array.len (local.get 0)))
  (func (export "array_sum") (param $a (ref $ints)) (result i32)
    (local $i i32) (local $s i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (array.len (local.get $a))))
      (local.set $s (i32.add (local.get $s) (array.get $ints (local.get $a) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $s))
  (func (export "array_double") (param $a (ref $ints))
    (local $i i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (array.len (local.get $a))))
      (array.set $ints (local.get $a) (local.get $i)
        (i32.mul (array.get $ints (local.get $a) (local.get $i)) (i32.const 2)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l))))
  (func (export "unbox") (param (ref $box)) (result i64)
    (call $sum (ref.as_non_null (struct.get $box 0 (local.get 0)))))
  ;; Asks the host for a point (made by the host inside the call) and sums it.
  (func (export "via_host") (param i32) (result i64)
    (call $sum (ref.cast (ref $point) (call $make (local.get 0)))))
)"#;

fn field(mutability: Mutability, storage: StorageType) -> FieldType {
    FieldType::new(mutability, storage)
}

fn val(t: ValType) -> StorageType {
    StorageType::ValType(t)
}

/// The module's `$point`, made by the host.
fn point_type(engine: &Engine) -> StructType {
    StructType::new(
        engine,
        [
            field(Mutability::Var, val(ValType::I32)),
            field(Mutability::Var, val(ValType::I64)),
        ],
    )
    .unwrap()
}

fn ints_type(engine: &Engine) -> ArrayType {
    ArrayType::new(engine, field(Mutability::Var, val(ValType::I32))).unwrap()
}

fn setup(engine: &Engine) -> (Store<()>, Instance) {
    let module = Module::new(engine, WAT).unwrap();
    let mut store = Store::new(engine, ());
    let point = point_type(engine);
    let make = Func::wrap(
        &mut store,
        move |mut caller: baton::Caller<'_, ()>, x: i32| -> Result<Option<AnyRef>, Error> {
            // Garbage first, then a collection, then the point the caller gets.
            for i in 0..10 {
                StructRef::new(&mut caller, &point, &[Val::I32(i), Val::I64(0)])?;
            }
            caller.gc();
            let p = StructRef::new(&mut caller, &point, &[Val::I32(x), Val::I64(100)])?;
            Ok(Some(p.to_anyref()))
        },
    );
    let mut linker = Linker::new(engine);
    linker.define("host", "make", make).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance)
}

fn call(
    store: &mut Store<()>,
    instance: &Instance,
    name: &str,
    params: &[Val],
) -> Result<Val, Error> {
    call_in(store, instance, name, params)
}

/// Calls export `name` with `params` and returns its result (or `0` if it has none).
fn call_in(
    mut store: impl AsContextMut<Data = ()>,
    instance: &Instance,
    name: &str,
    params: &[Val],
) -> Result<Val, Error> {
    let f = instance.get_func(&store, name).unwrap();
    let mut results = vec![Val::I32(0); f.ty(&store).results().len()];
    f.call(&mut store, params, &mut results)?;
    Ok(results.first().copied().unwrap_or(Val::I32(0)))
}

#[test]
fn host_types_are_the_modules_types_of_the_same_shape() {
    let engine = Engine::default();
    let (store, instance) = setup(&engine);
    let sum = instance.get_func(&store, "sum").unwrap();
    let ValType::Ref(r) = sum.ty(&store).params()[0] else {
        panic!("a reference parameter");
    };
    let HeapType::ConcreteStruct(id) = r.heap_type() else {
        panic!("a structure type");
    };
    let point = point_type(&engine);
    assert_eq!(point.type_id(), id);
    assert_eq!(StructType::from_type_id(id), Some(point));
    assert_eq!(ArrayType::from_type_id(id), None);
    assert_eq!(point.fields().len(), 2);
    assert_eq!(
        point.field(1),
        Some(field(Mutability::Var, val(ValType::I64)))
    );
    assert_eq!(point.field(2), None);
    assert!(point.is_final() && point.supertype().is_none());
    assert!(point.matches(&point));
    // Another shape is another type; so is another mutability.
    let frozen = StructType::new(
        &engine,
        [
            field(Mutability::Const, val(ValType::I32)),
            field(Mutability::Var, val(ValType::I64)),
        ],
    )
    .unwrap();
    assert_ne!(frozen, point);
    assert!(!frozen.matches(&point));
    let ints = ints_type(&engine);
    assert_eq!(ints.element_type(), val(ValType::I32));
    assert_eq!(ints.mutability(), Mutability::Var);
    assert_eq!(ints.heap_type(), HeapType::ConcreteArray(ints.type_id()));
    // `(ref null func)` spelt out is `funcref`: the same type.
    let a = ArrayType::new(
        &engine,
        field(
            Mutability::Var,
            val(ValType::Ref(RefType::new(true, HeapType::Func))),
        ),
    )
    .unwrap();
    let b = ArrayType::new(&engine, field(Mutability::Var, val(ValType::FuncRef))).unwrap();
    assert_eq!(a, b);
}

#[test]
fn bad_types_are_errors() {
    let engine = Engine::default();
    let ints = ints_type(&engine);
    // A concrete structure type that names an array type.
    let bad = val(ValType::Ref(RefType::new(
        true,
        HeapType::ConcreteStruct(ints.type_id()),
    )));
    let err = StructType::new(&engine, [field(Mutability::Var, bad)]).unwrap_err();
    assert!(matches!(err, Error::Usage(_)), "{err}");
    assert!(ArrayType::new(&engine, field(Mutability::Var, bad)).is_err());
    // GC switched off.
    let mut config = Config::new();
    config.wasm_gc(false);
    let no_gc = Engine::new(&config);
    assert!(StructType::new(&no_gc, []).is_err());
    assert!(ArrayType::new(&no_gc, field(Mutability::Var, StorageType::I8)).is_err());
}

#[test]
fn host_structures_go_into_wasm_and_back() {
    let engine = Engine::default();
    let (mut store, instance) = setup(&engine);
    let point = point_type(&engine);
    let p = StructRef::new(&mut store, &point, &[Val::I32(3), Val::I64(4)]).unwrap();
    assert_eq!(p.ty(&store).unwrap(), point);
    let sum = call(&mut store, &instance, "sum", &[p.into()]).unwrap();
    assert_eq!(sum.i64(), Some(7));
    call(&mut store, &instance, "bump", &[p.into()]).unwrap();
    assert_eq!(p.field(&store, 0).unwrap().i32(), Some(4));
    p.set_field(&mut store, 1, Val::I64(-10)).unwrap();
    let sum = call(&mut store, &instance, "sum", &[p.into()]).unwrap();
    assert_eq!(sum.i64(), Some(-6));

    // A structure Wasm made, read by the host.
    let made = call(
        &mut store,
        &instance,
        "make_point",
        &[Val::I32(5), Val::I64(6)],
    )
    .unwrap();
    let Val::AnyRef(Some(made)) = made else {
        panic!("a reference: {made:?}");
    };
    assert!(!made.is_i31());
    assert!(made.as_array(&store).is_none());
    let s = made.as_struct(&store).expect("a structure");
    assert_eq!(s.ty(&store).unwrap(), point);
    assert_eq!(s.field(&store, 0).unwrap().i32(), Some(5));
    assert_eq!(s.field(&store, 1).unwrap().i64(), Some(6));
    let fields: Vec<_> = s.fields(&store).unwrap().iter().map(|v| v.ty()).collect();
    assert_eq!(fields, [ValType::I32, ValType::I64]);
    assert_eq!(s.to_anyref(), made);
    assert_ne!(s, p);
    let i31 = AnyRef::from_i31(baton::I31::wrapping_i32(-3));
    assert!(i31.is_i31() && i31.as_struct(&store).is_none());

    // A host function makes a structure (collecting on the way) while Wasm runs.
    let via_host = call(&mut store, &instance, "via_host", &[Val::I32(8)]).unwrap();
    assert_eq!(via_host.i64(), Some(108));
}

#[test]
fn a_structure_of_another_type_is_an_error_not_a_panic() {
    let engine = Engine::default();
    let (mut store, instance) = setup(&engine);
    let other = call(&mut store, &instance, "make_other", &[]).unwrap();
    let err = call(&mut store, &instance, "sum", &[other]).unwrap_err();
    assert!(matches!(err, Error::Usage(_)), "{err}");
    // A host structure of a type of the same fields but another mutability.
    let frozen = StructType::new(
        &engine,
        [
            field(Mutability::Const, val(ValType::I32)),
            field(Mutability::Var, val(ValType::I64)),
        ],
    )
    .unwrap();
    let f = StructRef::new(&mut store, &frozen, &[Val::I32(1), Val::I64(2)]).unwrap();
    let err = call(&mut store, &instance, "sum", &[f.into()]).unwrap_err();
    assert!(matches!(err, Error::Usage(_)), "{err}");
    // An array where a structure is expected, and the other way round.
    let a = ArrayRef::new_fixed(&mut store, &ints_type(&engine), &[Val::I32(1)]).unwrap();
    assert!(call(&mut store, &instance, "sum", &[a.into()]).is_err());
    assert!(call(&mut store, &instance, "array_len", &[f.into()]).is_err());
    // Null where a non-null reference is expected.
    assert!(call(&mut store, &instance, "sum", &[Val::AnyRef(None)]).is_err());
    // The store still works.
    let p = StructRef::new(
        &mut store,
        &point_type(&engine),
        &[Val::I32(1), Val::I64(1)],
    )
    .unwrap();
    assert_eq!(
        call(&mut store, &instance, "sum", &[p.into()])
            .unwrap()
            .i64(),
        Some(2)
    );
}

#[test]
fn packed_fields_read_zero_extended_and_keep_their_low_bits() {
    let engine = Engine::default();
    let (mut store, instance) = setup(&engine);
    let packed = StructType::new(
        &engine,
        [
            field(Mutability::Var, StorageType::I8),
            field(Mutability::Var, StorageType::I16),
            field(Mutability::Const, StorageType::I8),
        ],
    )
    .unwrap();
    assert!(packed.field(0).unwrap().storage.is_packed());
    assert_eq!(packed.field(1).unwrap().storage.unpack(), ValType::I32);
    let s = StructRef::new(
        &mut store,
        &packed,
        &[Val::I32(-1), Val::I32(0x12345), Val::I32(0x1ff)],
    )
    .unwrap();
    assert_eq!(s.field(&store, 0).unwrap().i32(), Some(0xff));
    assert_eq!(s.field(&store, 1).unwrap().i32(), Some(0x2345));
    assert_eq!(s.field(&store, 2).unwrap().i32(), Some(0xff));
    // Wasm reads the same bits, sign-extended by `struct.get_s`.
    let v = call(&mut store, &instance, "packed_s", &[s.into()]).unwrap();
    assert_eq!(v.i32(), Some(-1));
    call(
        &mut store,
        &instance,
        "packed_set",
        &[s.into(), Val::I32(-2)],
    )
    .unwrap();
    assert_eq!(s.field(&store, 1).unwrap().i32(), Some(0xfffe));
    s.set_field(&mut store, 0, Val::I32(0x180)).unwrap();
    let v = call(&mut store, &instance, "packed_s", &[s.into()]).unwrap();
    assert_eq!(v.i32(), Some(-128));
    // A packed field takes an `i32` only.
    assert!(s.set_field(&mut store, 0, Val::I64(1)).is_err());
    // Arrays of packed elements.
    let bytes = ArrayType::new(&engine, field(Mutability::Var, StorageType::I16)).unwrap();
    let a = ArrayRef::new(&mut store, &bytes, &Val::I32(-1), 3).unwrap();
    assert_eq!(a.get(&store, 2).unwrap().i32(), Some(0xffff));
    a.set(&mut store, 1, Val::I32(0x10002)).unwrap();
    let elems: Vec<_> = a.elems(&store).unwrap().iter().map(|v| v.i32()).collect();
    assert_eq!(elems, [Some(0xffff), Some(2), Some(0xffff)]);
}

#[test]
fn host_arrays_go_into_wasm_and_back() {
    let engine = Engine::default();
    let (mut store, instance) = setup(&engine);
    let ints = ints_type(&engine);
    let a = ArrayRef::new(&mut store, &ints, &Val::I32(5), 4).unwrap();
    assert_eq!(a.len(&store).unwrap(), 4);
    assert!(!a.is_empty(&store).unwrap());
    assert_eq!(a.ty(&store).unwrap(), ints);
    let sum = call(&mut store, &instance, "array_sum", &[a.into()]).unwrap();
    assert_eq!(sum.i32(), Some(20));
    let b = ArrayRef::new_fixed(&mut store, &ints, &[1, 2, 3].map(Val::I32)).unwrap();
    call(&mut store, &instance, "array_double", &[b.into()]).unwrap();
    let elems: Vec<_> = b.elems(&store).unwrap().iter().map(|v| v.i32()).collect();
    assert_eq!(elems, [Some(2), Some(4), Some(6)]);
    b.set(&mut store, 0, Val::I32(40)).unwrap();
    let sum = call(&mut store, &instance, "array_sum", &[b.into()]).unwrap();
    assert_eq!(sum.i32(), Some(50));
    let len = call(&mut store, &instance, "array_len", &[b.into()]).unwrap();
    assert_eq!(len.i32(), Some(3));
    let any = b.to_anyref();
    assert!(any.is_array(&store));
    assert_eq!(any.as_array(&store), Some(b));
    assert!(any.as_struct(&store).is_none());
    // Empty arrays.
    let e = ArrayRef::new_fixed(&mut store, &ints, &[]).unwrap();
    assert!(e.is_empty(&store).unwrap());
    let len = call(&mut store, &instance, "array_len", &[e.into()]).unwrap();
    assert_eq!(len.i32(), Some(0));
}

#[test]
fn out_of_bounds_and_wrong_values_are_errors() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let ints = ints_type(&engine);
    let a = ArrayRef::new(&mut store, &ints, &Val::I32(0), 2).unwrap();
    for i in [2, 3, u32::MAX] {
        assert!(matches!(a.get(&store, i), Err(Error::Usage(_))));
        assert!(matches!(
            a.set(&mut store, i, Val::I32(1)),
            Err(Error::Usage(_))
        ));
    }
    assert!(a.set(&mut store, 0, Val::F32(0)).is_err());
    assert!(ArrayRef::new(&mut store, &ints, &Val::I64(0), 2).is_err());
    assert!(ArrayRef::new_fixed(&mut store, &ints, &[Val::I32(0), Val::F64(0)]).is_err());
    let point = point_type(&engine);
    let p = StructRef::new(&mut store, &point, &[Val::I32(1), Val::I64(2)]).unwrap();
    assert!(matches!(p.field(&store, 2), Err(Error::Usage(_))));
    assert!(p.field(&store, usize::MAX).is_err());
    assert!(p.set_field(&mut store, 2, Val::I32(0)).is_err());
    assert!(p.set_field(&mut store, 0, Val::I64(0)).is_err());
    // Wrong counts and types of values.
    assert!(StructRef::new(&mut store, &point, &[Val::I32(1)]).is_err());
    assert!(StructRef::new(&mut store, &point, &[Val::I32(1), Val::I64(2), Val::I32(3)]).is_err());
    assert!(StructRef::new(&mut store, &point, &[Val::I64(1), Val::I32(2)]).is_err());
    // Nothing changed.
    assert_eq!(a.elems(&store).unwrap().len(), 2);
    assert_eq!(p.field(&store, 1).unwrap().i64(), Some(2));
    // An array too large for the heap is a trap-like error, not an abort.
    let wide = ArrayType::new(&engine, field(Mutability::Var, val(ValType::V128))).unwrap();
    let mut limited = Store::new(&engine, ());
    limited.limiter(
        baton::StoreLimitsBuilder::new()
            .gc_heap_size(1 << 20)
            .build(),
    );
    let err = ArrayRef::new(&mut limited, &wide, &Val::V128(V128::from(1)), u32::MAX).unwrap_err();
    assert_eq!(
        err.trap_code(),
        Some(baton::TrapCode::GcHeapOutOfMemory),
        "{err}"
    );
}

#[test]
fn immutable_fields_and_elements_cannot_be_written() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let frozen = StructType::new(
        &engine,
        [
            field(Mutability::Const, val(ValType::I32)),
            field(Mutability::Var, val(ValType::F64)),
        ],
    )
    .unwrap();
    let s = StructRef::new(&mut store, &frozen, &[Val::I32(1), Val::from(2.5f64)]).unwrap();
    let err = s.set_field(&mut store, 0, Val::I32(2)).unwrap_err();
    assert!(matches!(err, Error::Usage(_)), "{err}");
    assert_eq!(s.field(&store, 0).unwrap().i32(), Some(1));
    s.set_field(&mut store, 1, Val::from(-1.5f64)).unwrap();
    assert_eq!(s.field(&store, 1).unwrap().f64(), Some(-1.5));
    let consts = ArrayType::new(&engine, field(Mutability::Const, val(ValType::I64))).unwrap();
    let a = ArrayRef::new_fixed(&mut store, &consts, &[Val::I64(7)]).unwrap();
    assert!(matches!(
        a.set(&mut store, 0, Val::I64(8)),
        Err(Error::Usage(_))
    ));
    assert_eq!(a.get(&store, 0).unwrap().i64(), Some(7));
}

#[test]
fn fields_of_every_type() {
    let engine = Engine::default();
    let (mut store, instance) = setup(&engine);
    let all = StructType::new(
        &engine,
        [
            field(Mutability::Var, val(ValType::F32)),
            field(Mutability::Var, val(ValType::V128)),
            field(Mutability::Var, val(ValType::I64)),
            field(Mutability::Var, val(ValType::FuncRef)),
            field(Mutability::Var, val(ValType::ExternRef)),
            field(Mutability::Var, val(ValType::ANYREF)),
        ],
    )
    .unwrap();
    let sum = instance.get_func(&store, "sum").unwrap();
    let host = ExternRef::new(&mut store, "host value");
    let bits = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210u128;
    let s = StructRef::new(
        &mut store,
        &all,
        &[
            Val::from(1.5f32),
            Val::V128(V128::from(bits)),
            Val::I64(-9),
            Val::FuncRef(Some(sum)),
            Val::ExternRef(Some(host)),
            Val::AnyRef(Some(AnyRef::from_i31(baton::I31::wrapping_i32(-5)))),
        ],
    )
    .unwrap();
    assert_eq!(s.field(&store, 0).unwrap().f32(), Some(1.5));
    assert_eq!(s.field(&store, 1).unwrap().v128(), Some(V128::from(bits)));
    assert_eq!(s.field(&store, 2).unwrap().i64(), Some(-9));
    let Val::FuncRef(Some(f)) = s.field(&store, 3).unwrap() else {
        panic!("a function");
    };
    assert_eq!(f.ty(&store), sum.ty(&store));
    let Val::ExternRef(Some(e)) = s.field(&store, 4).unwrap() else {
        panic!("a host reference");
    };
    assert_eq!(e, host);
    assert_eq!(
        e.data(&store).unwrap().downcast_ref::<&str>(),
        Some(&"host value")
    );
    let Val::AnyRef(Some(i)) = s.field(&store, 5).unwrap() else {
        panic!("an i31");
    };
    assert_eq!(i.as_i31().map(|i| i.get_i32()), Some(-5));
    // The v128 field's neighbours are untouched by writes to it.
    s.set_field(&mut store, 1, Val::V128(V128::from(u128::MAX)))
        .unwrap();
    assert_eq!(s.field(&store, 0).unwrap().f32(), Some(1.5));
    assert_eq!(s.field(&store, 2).unwrap().i64(), Some(-9));
    // A structure inside the `anyref` field.
    s.set_field(&mut store, 5, Val::from(s)).unwrap();
    let Val::AnyRef(Some(inner)) = s.field(&store, 5).unwrap() else {
        panic!("a structure");
    };
    assert_eq!(inner.as_struct(&store), Some(s));
    // Arrays of v128.
    let wide = ArrayType::new(&engine, field(Mutability::Var, val(ValType::V128))).unwrap();
    let a = ArrayRef::new(&mut store, &wide, &Val::V128(V128::from(bits)), 3).unwrap();
    a.set(&mut store, 1, Val::V128(V128::from(7))).unwrap();
    let elems: Vec<_> = a.elems(&store).unwrap().iter().map(|v| v.v128()).collect();
    assert_eq!(
        elems,
        [
            Some(V128::from(bits)),
            Some(V128::from(7)),
            Some(V128::from(bits))
        ]
    );
}

#[test]
fn reference_fields_hold_typed_objects() {
    let engine = Engine::default();
    let (mut store, instance) = setup(&engine);
    let point = point_type(&engine);
    let point_ref = ValType::Ref(RefType::new(true, point.heap_type()));
    let boxed = StructType::new(&engine, [field(Mutability::Var, val(point_ref))]).unwrap();
    let p = StructRef::new(&mut store, &point, &[Val::I32(1), Val::I64(2)]).unwrap();
    let b = StructRef::new(&mut store, &boxed, &[p.into()]).unwrap();
    // Wasm's `$box` is the host's `boxed`.
    let v = call(&mut store, &instance, "unbox", &[b.into()]).unwrap();
    assert_eq!(v.i64(), Some(3));
    let Val::AnyRef(Some(got)) = b.field(&store, 0).unwrap() else {
        panic!("a reference");
    };
    assert_eq!(got.as_struct(&store), Some(p));
    // Only a `$point` (or null) goes in.
    let other = call(&mut store, &instance, "make_other", &[]).unwrap();
    assert!(b.set_field(&mut store, 0, other).is_err());
    assert!(b.set_field(&mut store, 0, Val::I32(0)).is_err());
    let a = ArrayRef::new_fixed(&mut store, &ints_type(&engine), &[]).unwrap();
    assert!(StructRef::new(&mut store, &boxed, &[a.into()]).is_err());
    assert!(b
        .set_field(
            &mut store,
            0,
            Val::AnyRef(Some(AnyRef::from_i31(Default::default())))
        )
        .is_err());
    b.set_field(&mut store, 0, Val::AnyRef(None)).unwrap();
    assert!(matches!(b.field(&store, 0).unwrap(), Val::AnyRef(None)));
    // Wasm traps on the null it finds.
    assert!(call(&mut store, &instance, "unbox", &[b.into()]).is_err());
    // A reference of another store is not a value of this one.
    let mut elsewhere = Store::new(&engine, ());
    let q = StructRef::new(&mut elsewhere, &point, &[Val::I32(0), Val::I64(0)]).unwrap();
    assert!(b.set_field(&mut store, 0, q.into()).is_err());
}

#[test]
fn host_objects_live_while_their_scope_does() {
    let engine = Engine::default();
    let (mut store, instance) = setup(&engine);
    let point = point_type(&engine);
    let point_ref = ValType::Ref(RefType::new(true, point.heap_type()));
    let boxed = StructType::new(&engine, [field(Mutability::Var, val(point_ref))]).unwrap();
    let ints = ints_type(&engine);
    store.gc();
    assert_eq!(store.gc_stats().objects, 0);
    let stale;
    {
        let mut scope = RootScope::new(&mut store);
        let b = StructRef::new(&mut scope, &boxed, &[Val::AnyRef(None)]).unwrap();
        let a = ArrayRef::new(&mut scope, &ints, &Val::I32(3), 1000).unwrap();
        {
            let mut inner = RootScope::new(&mut scope);
            // Garbage once this scope ends...
            StructRef::new(&mut inner, &point, &[Val::I32(0), Val::I64(0)]).unwrap();
            ArrayRef::new(&mut inner, &ints, &Val::I32(0), 10).unwrap();
            // ...but this point stays reachable through the box.
            let p = StructRef::new(&mut inner, &point, &[Val::I32(20), Val::I64(22)]).unwrap();
            b.set_field(&mut inner, 0, p.into()).unwrap();
            stale = p;
        }
        assert!(matches!(stale.field(&scope, 0), Err(Error::Usage(_))));
        assert_eq!(scope.as_context_mut().gc_stats().objects, 5);
        scope.as_context_mut().gc();
        assert_eq!(scope.as_context_mut().gc_stats().objects, 3);
        let v = call_in(&mut scope, &instance, "unbox", &[b.into()]).unwrap();
        assert_eq!(v.i64(), Some(42));
        assert_eq!(a.get(&scope, 999).unwrap().i32(), Some(3));
        let Val::AnyRef(Some(p)) = b.field(&scope, 0).unwrap() else {
            panic!("the point");
        };
        assert_eq!(
            p.as_struct(&scope).unwrap().field(&scope, 1).unwrap().i64(),
            Some(22)
        );
    }
    store.gc();
    assert_eq!(store.gc_stats().objects, 0, "{:?}", store.gc_stats());
    // A handle that outlived its scope: an error, not a read of freed memory.
    assert!(matches!(stale.ty(&store), Err(Error::Usage(_))));
    assert!(stale.set_field(&mut store, 0, Val::I32(0)).is_err());
    // Nor can it be stored anywhere, or passed to Wasm.
    let b = StructRef::new(&mut store, &boxed, &[Val::AnyRef(None)]).unwrap();
    assert!(b.set_field(&mut store, 0, stale.into()).is_err());
    assert!(StructRef::new(&mut store, &boxed, &[stale.into()]).is_err());
    assert!(call(&mut store, &instance, "sum", &[stale.into()]).is_err());
}

#[test]
fn host_allocations_collect_when_the_heap_is_due() {
    let engine = Engine::default();
    let (mut store, instance) = setup(&engine);
    let point = point_type(&engine);
    let ints = ints_type(&engine);
    // Rooted as long as the store.
    let keep = StructRef::new(&mut store, &point, &[Val::I32(1), Val::I64(2)]).unwrap();
    let kept = ArrayRef::new(&mut store, &ints, &Val::I32(9), 100_000).unwrap();
    for i in 0..40 {
        let mut scope = RootScope::new(&mut store);
        let a = ArrayRef::new(&mut scope, &ints, &Val::I32(i), 100_000).unwrap();
        assert_eq!(a.get(&scope, 99_999).unwrap().i32(), Some(i));
    }
    let stats = store.gc_stats();
    assert!(stats.collections > 0, "{stats:?}");
    assert!(stats.objects < 20, "{stats:?}");
    assert_eq!(
        call(&mut store, &instance, "sum", &[keep.into()])
            .unwrap()
            .i64(),
        Some(3)
    );
    assert_eq!(kept.get(&store, 12_345).unwrap().i32(), Some(9));
    store.gc();
    assert_eq!(store.gc_stats().objects, 2);
}

#[test]
#[should_panic(expected = "does not belong")]
fn a_handle_of_another_store_panics() {
    let engine = Engine::default();
    let point = point_type(&engine);
    let mut one = Store::new(&engine, ());
    let two = Store::new(&engine, ());
    let p = StructRef::new(&mut one, &point, &[Val::I32(1), Val::I64(2)]).unwrap();
    let _ = p.field(&two, 0);
}

/// The host's side alone, without Wasm code: what Miri can check
/// (`MIRIFLAGS=-Zmiri-tree-borrows cargo +nightly miri test -p baton --test gc_api host_only`).
#[test]
fn host_only_objects_are_made_read_written_and_collected() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let point = point_type(&engine);
    let point_ref = ValType::Ref(RefType::new(true, point.heap_type()));
    let boxed = StructType::new(&engine, [field(Mutability::Var, val(point_ref))]).unwrap();
    let wide = ArrayType::new(&engine, field(Mutability::Var, val(ValType::V128))).unwrap();
    let bytes = ArrayType::new(&engine, field(Mutability::Var, StorageType::I8)).unwrap();
    let b = StructRef::new(&mut store, &boxed, &[Val::AnyRef(None)]).unwrap();
    let stale;
    {
        let mut scope = RootScope::new(&mut store);
        let p = StructRef::new(&mut scope, &point, &[Val::I32(-1), Val::I64(2)]).unwrap();
        b.set_field(&mut scope, 0, p.into()).unwrap();
        let w = ArrayRef::new(&mut scope, &wide, &Val::V128(V128::from(u128::MAX)), 3).unwrap();
        w.set(&mut scope, 2, Val::V128(V128::from(5))).unwrap();
        assert_eq!(
            w.get(&scope, 1).unwrap().v128(),
            Some(V128::from(u128::MAX))
        );
        assert_eq!(w.get(&scope, 2).unwrap().v128(), Some(V128::from(5)));
        let a = ArrayRef::new_fixed(&mut scope, &bytes, &[Val::I32(-1), Val::I32(2)]).unwrap();
        assert_eq!(a.get(&scope, 0).unwrap().i32(), Some(255));
        assert!(a.get(&scope, 2).is_err());
        scope.as_context_mut().gc();
        assert_eq!(scope.as_context_mut().gc_stats().objects, 4);
        stale = a;
    }
    store.gc();
    assert_eq!(store.gc_stats().objects, 2);
    assert!(stale.len(&store).is_err());
    let Val::AnyRef(Some(p)) = b.field(&store, 0).unwrap() else {
        panic!("the point");
    };
    let p = p.as_struct(&store).unwrap();
    assert_eq!(p.field(&store, 0).unwrap().i32(), Some(-1));
    b.set_field(&mut store, 0, Val::AnyRef(None)).unwrap();
    store.gc();
    assert_eq!(
        store.gc_stats().objects,
        2,
        "the point is still rooted by `p`"
    );
}

#[test]
fn types_and_handles_are_send_and_sync() {
    fn check<T: Send + Sync + Copy + std::fmt::Debug>() {}
    check::<StructType>();
    check::<ArrayType>();
    check::<FieldType>();
    check::<StorageType>();
    check::<StructRef>();
    check::<ArrayRef>();
}

/// `eqref` in typed functions: i31s, structures and arrays pass both ways, and a converted
/// host reference is no `eqref`.
#[test]
fn eqref_values_cross_typed_functions() {
    use baton::{EqRef, ExternRef, I31};
    let engine = baton::Engine::default();
    let wat = r#"(module
      (type $p (struct (field i32)))
      (func (export "id") (param eqref) (result eqref) (local.get 0))
      (func (export "pair") (result eqref) (struct.new $p (i32.const 4)))
      (func (export "field") (param eqref) (result i32)
        (struct.get $p 0 (ref.cast (ref $p) (local.get 0)))))"#;
    let module = baton::Module::new(&engine, wat).unwrap();
    let mut store = baton::Store::new(&engine, ());
    let inst = baton::Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let id = inst
        .get_typed_func::<Option<EqRef>, Option<EqRef>>(&store, "id")
        .unwrap();
    let pair = inst
        .get_typed_func::<(), Option<EqRef>>(&store, "pair")
        .unwrap();
    let field = inst
        .get_typed_func::<Option<EqRef>, i32>(&store, "field")
        .unwrap();
    let seven = EqRef::from_i31(I31::wrapping_i32(7));
    let back = id.call(&mut store, Some(seven)).unwrap().unwrap();
    assert_eq!(back.as_i31().map(I31::get_i32), Some(7));
    let p = pair.call(&mut store, ()).unwrap().unwrap();
    assert!(p.is_struct(&store) && !p.is_i31());
    store.gc();
    assert_eq!(field.call(&mut store, Some(p)).unwrap(), 4);
    assert_eq!(id.call(&mut store, None).unwrap(), None);
    let host = ExternRef::new(&mut store, 5u8).to_any();
    assert!(
        host.as_eqref().is_none(),
        "a host reference is not an eqref"
    );
    assert!(p.to_anyref().as_eqref().is_some());
}

/// `structref` and `arrayref` in typed functions; a handle converted from a `Val` of the
/// other kind (no store to check it against) is refused when used, not followed.
#[test]
fn struct_and_array_handles_cross_typed_functions() {
    use baton::{ArrayRef, StructRef, WasmTy};
    let engine = baton::Engine::default();
    let wat = r#"(module
      (type $p (struct (field i32)))
      (type $a (array (mut i32)))
      (func (export "mk") (param i32) (result structref) (struct.new $p (local.get 0)))
      (func (export "get") (param structref) (result i32)
        (struct.get $p 0 (ref.cast (ref $p) (local.get 0))))
      (func (export "arr") (param i32) (result arrayref) (array.new $a (i32.const 9) (local.get 0)))
      (func (export "len") (param arrayref) (result i32) (array.len (local.get 0))))"#;
    let module = baton::Module::new(&engine, wat).unwrap();
    let mut store = baton::Store::new(&engine, ());
    let inst = baton::Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let mk = inst
        .get_typed_func::<i32, Option<StructRef>>(&store, "mk")
        .unwrap();
    let get = inst
        .get_typed_func::<Option<StructRef>, i32>(&store, "get")
        .unwrap();
    let arr = inst
        .get_typed_func::<i32, Option<ArrayRef>>(&store, "arr")
        .unwrap();
    let len = inst
        .get_typed_func::<Option<ArrayRef>, i32>(&store, "len")
        .unwrap();
    let s = mk.call(&mut store, 41).unwrap().unwrap();
    assert_eq!(s.field(&store, 0).unwrap().i32(), Some(41));
    assert_eq!(get.call(&mut store, Some(s)).unwrap(), 41);
    let a = arr.call(&mut store, 3).unwrap().unwrap();
    assert_eq!(len.call(&mut store, Some(a)).unwrap(), 3);
    assert_eq!(a.get(&store, 2).unwrap().i32(), Some(9));
    // A structure handle forged over the array: refused when used.
    let forged = <Option<StructRef> as WasmTy>::from_val(&baton::Val::from(a))
        .unwrap()
        .unwrap();
    assert!(forged.field(&store, 0).is_err());
    assert!(forged.ty(&store).is_err());
    // An i31 is no object at all.
    let i31 = baton::Val::AnyRef(Some(baton::AnyRef::from_i31(baton::I31::wrapping_u32(1))));
    assert!(<Option<ArrayRef> as WasmTy>::from_val(&i31).is_none());
}

/// Subtypes made by the host (`with_finality_and_supertype`) are a module's `sub` types of
/// the same shape: objects made by the host pass the module's casts, and what is not a
/// subtype (a final supertype, fields that do not match) is refused.
#[test]
fn host_made_subtypes_are_the_modules_sub_types() {
    use baton::Finality;
    let engine = Engine::default();
    let wat = r#"(module
      (type $shape (sub (struct (field i32))))
      (type $circle (sub final $shape (struct (field i32) (field f64))))
      (type $any_vec (sub (array (ref null any))))
      (type $shape_vec (sub $any_vec (array (ref null $shape))))
      (func (export "is_circle") (param (ref null $shape)) (result i32)
        (ref.test (ref $circle) (local.get 0)))
      (func (export "tag") (param (ref $shape)) (result i32)
        (struct.get $shape 0 (local.get 0)))
      (func (export "is_shape_vec") (param (ref null $any_vec)) (result i32)
        (ref.test (ref $shape_vec) (local.get 0)))
      (func (export "vec_type") (param (ref null $shape_vec))))"#;
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let konst = |t: StorageType| FieldType::new(Mutability::Const, t);
    let shape = StructType::with_finality_and_supertype(
        &engine,
        Finality::NonFinal,
        None,
        [konst(val(ValType::I32))],
    )
    .unwrap();
    let circle = StructType::with_finality_and_supertype(
        &engine,
        Finality::Final,
        Some(&shape),
        [konst(val(ValType::I32)), konst(val(ValType::F64))],
    )
    .unwrap();
    let param_type = |store: &Store<()>, name: &str| {
        let f = inst.get_func(store, name).unwrap();
        let ValType::Ref(r) = f.ty(store).params()[0] else {
            panic!("a reference parameter");
        };
        r.heap_type()
    };
    assert_eq!(
        param_type(&store, "tag"),
        HeapType::ConcreteStruct(shape.type_id())
    );
    assert!(circle.matches(&shape) && !shape.matches(&circle));
    assert_eq!(circle.supertype(), Some(shape));
    assert!(circle.is_final() && !shape.is_final());

    let c = StructRef::new(
        &mut store,
        &circle,
        &[Val::I32(3), Val::F64(2.5f64.to_bits())],
    )
    .unwrap();
    let s = StructRef::new(&mut store, &shape, &[Val::I32(4)]).unwrap();
    for (obj, circular) in [(c, 1), (s, 0)] {
        let arg = [Val::AnyRef(Some(obj.to_anyref()))];
        assert_eq!(
            call(&mut store, &inst, "is_circle", &arg).unwrap().i32(),
            Some(circular)
        );
        let expected = if circular == 1 { 3 } else { 4 };
        assert_eq!(
            call(&mut store, &inst, "tag", &arg).unwrap().i32(),
            Some(expected)
        );
    }

    // Arrays: an immutable element may narrow; the module's types are these.
    let any = ValType::Ref(RefType::new(true, HeapType::Any));
    let shape_ref = ValType::Ref(RefType::new(
        true,
        HeapType::ConcreteStruct(shape.type_id()),
    ));
    let any_vec =
        ArrayType::with_finality_and_supertype(&engine, Finality::NonFinal, None, konst(val(any)))
            .unwrap();
    let shape_vec = ArrayType::with_finality_and_supertype(
        &engine,
        Finality::NonFinal,
        Some(&any_vec),
        konst(val(shape_ref)),
    )
    .unwrap();
    assert_eq!(
        param_type(&store, "vec_type"),
        HeapType::ConcreteArray(shape_vec.type_id())
    );
    let v = ArrayRef::new(&mut store, &shape_vec, &Val::AnyRef(None), 2).unwrap();
    let arg = [Val::AnyRef(Some(v.to_anyref()))];
    assert_eq!(
        call(&mut store, &inst, "is_shape_vec", &arg).unwrap().i32(),
        Some(1)
    );

    // Not subtypes: of a final type, with fields that are not a prefix, with a mutable
    // field that narrows or an immutable one that widens.
    let refused = [
        StructType::with_finality_and_supertype(
            &engine,
            Finality::Final,
            Some(&circle),
            [konst(val(ValType::I32)), konst(val(ValType::F64))],
        ),
        StructType::with_finality_and_supertype(
            &engine,
            Finality::Final,
            Some(&shape),
            [konst(val(ValType::I64))],
        ),
        StructType::with_finality_and_supertype(
            &engine,
            Finality::Final,
            Some(&shape),
            [FieldType::new(Mutability::Var, val(ValType::I32))],
        ),
        StructType::with_finality_and_supertype(&engine, Finality::Final, Some(&shape), []),
    ];
    for r in refused {
        assert!(matches!(r, Err(Error::Usage(_))), "{r:?}");
    }
    let mutable_vec = ArrayType::with_finality_and_supertype(
        &engine,
        Finality::NonFinal,
        None,
        FieldType::new(Mutability::Var, val(any)),
    )
    .unwrap();
    for (sup, element) in [
        (
            &mutable_vec,
            FieldType::new(Mutability::Var, val(shape_ref)),
        ),
        (&shape_vec, konst(val(any))),
    ] {
        let r =
            ArrayType::with_finality_and_supertype(&engine, Finality::Final, Some(sup), element);
        assert!(matches!(r, Err(Error::Usage(_))), "{r:?}");
    }
}

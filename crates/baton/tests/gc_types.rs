//! GC's type system: recursive type groups are identified iso-recursively across modules
//! (and engines), declared subtyping lets an indirect call or an import take a function of
//! a subtype, and anything else is told apart.

use baton::{Engine, Error, Func, FuncType, Linker, Module, Store, TrapCode, ValType};

fn instantiate(
    engine: &Engine,
    linker: &Linker<()>,
    store: &mut Store<()>,
    wat: &str,
) -> Result<baton::Instance, Error> {
    let module = Module::new(engine, wat)?;
    linker.instantiate(store, &module)
}

const SUBTYPES: &str = r#"(module
  (type $base (sub (func (result i32))))
  (type $derived (sub $base (func (result i32))))
  (type $unrelated (func (result i32)))
  (func $d (type $derived) (i32.const 7))
  (func $u (type $unrelated) (i32.const 8))
  (table $t 2 funcref)
  (elem (table $t) (i32.const 0) func $d $u)
  (func (export "as_base") (param i32) (result i32)
    (call_indirect $t (type $base) (local.get 0)))
  (func (export "as_derived") (param i32) (result i32)
    (call_indirect $t (type $derived) (local.get 0)))
  (func (export "tail_as_base") (param i32) (result i32)
    (return_call_indirect $t (type $base) (local.get 0)))
  (func (export "derived") (type $derived) (i32.const 9))
)"#;

#[test]
fn call_indirect_takes_a_function_of_a_declared_subtype() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let linker = Linker::new(&engine);
    let inst = instantiate(&engine, &linker, &mut store, SUBTYPES).unwrap();
    let as_base = inst.get_typed_func::<i32, i32>(&store, "as_base").unwrap();
    let as_derived = inst
        .get_typed_func::<i32, i32>(&store, "as_derived")
        .unwrap();
    // `$derived <: $base`: a `$derived` function is called through `$base`...
    let tail_as_base = inst
        .get_typed_func::<i32, i32>(&store, "tail_as_base")
        .unwrap();
    assert_eq!(as_base.call(&mut store, 0).unwrap(), 7);
    assert_eq!(as_derived.call(&mut store, 0).unwrap(), 7);
    assert_eq!(tail_as_base.call(&mut store, 0).unwrap(), 7);
    // ...but a function of a type with the same signature and no declared relation is not
    // one (its type is final and stands alone: a different type).
    for f in [&as_base, &as_derived, &tail_as_base] {
        let trap = f.call(&mut store, 1).unwrap_err();
        assert_eq!(trap.trap_code(), Some(TrapCode::BadSignature), "{trap}");
    }
    // The store is still usable after the traps.
    assert_eq!(as_base.call(&mut store, 0).unwrap(), 7);
}

#[test]
fn imports_match_by_type_identity_and_subtyping() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let exporter = instantiate(&engine, &linker, &mut store, SUBTYPES).unwrap();
    let derived = exporter.get_func(&store, "derived").unwrap();
    linker.define("m", "derived", derived).unwrap();

    // The same group declared in another module is the same type, and its supertype is
    // accepted where a `$base` is imported.
    for import in ["$derived", "$base"] {
        let wat = format!(
            r#"(module
                 (type $base (sub (func (result i32))))
                 (type $derived (sub $base (func (result i32))))
                 (import "m" "derived" (func $f (type {import})))
                 (func (export "call") (result i32) (call $f)))"#
        );
        let inst = instantiate(&engine, &linker, &mut store, &wat).unwrap();
        let call = inst.get_typed_func::<(), i32>(&store, "call").unwrap();
        assert_eq!(call.call(&mut store, ()).unwrap(), 9);
    }
    // The plain signature `(func (result i32))` is a different type (final, no
    // supertype), and so is the same signature in a recursive group of two.
    for types in [
        "(type $t (func (result i32)))",
        "(rec (type $t (func (result i32))) (type (func)))",
    ] {
        let wat = format!(r#"(module {types} (import "m" "derived" (func (type $t))))"#);
        let err = instantiate(&engine, &linker, &mut store, &wat).unwrap_err();
        assert!(matches!(err, Error::Link(_)), "{err}");
    }
}

#[test]
fn recursive_groups_are_one_type_across_modules_and_engines() {
    let group =
        r#"(rec (type $f (func (param (ref null $g)))) (type $g (struct (field (ref null $f)))))"#;
    let exporter = format!(r#"(module {group} (func (export "f") (type $f)))"#);
    let importer = format!(r#"(module {group} (import "m" "f" (func (type $f))))"#);
    for same_engine in [true, false] {
        let engine = Engine::default();
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        let inst = instantiate(&engine, &linker, &mut store, &exporter).unwrap();
        let f = inst.get_func(&store, "f").unwrap();
        linker.define("m", "f", f).unwrap();
        let other = if same_engine {
            engine.clone()
        } else {
            Engine::default()
        };
        let module = Module::new(&other, &importer).unwrap();
        // Types are process-wide: a module of another engine names the same type.
        let imported = module.imports().next().unwrap().ty().clone();
        assert_eq!(imported, baton::ExternType::Func(f.ty(&store)));
        if same_engine {
            linker.instantiate(&mut store, &module).unwrap();
        }
    }
}

#[test]
fn host_function_types_are_plain_signatures() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let host = Func::wrap(&mut store, || 5i32);
    let ty = host.ty(&store);
    assert_eq!(ty, FuncType::new([], [ValType::I32]));
    let mut linker = Linker::new(&engine);
    linker.define("m", "f", host).unwrap();
    // A module's plain `(type (func (result i32)))` is the host's type...
    let wat = r#"(module (import "m" "f" (func $f (result i32)))
                   (func (export "call") (result i32) (call $f)))"#;
    let inst = instantiate(&engine, &linker, &mut store, wat).unwrap();
    let call = inst.get_typed_func::<(), i32>(&store, "call").unwrap();
    assert_eq!(call.call(&mut store, ()).unwrap(), 5);
    // ...and one declared open (`sub`) is not.
    let wat = r#"(module (type $t (sub (func (result i32)))) (import "m" "f" (func (type $t))))"#;
    assert!(matches!(
        instantiate(&engine, &linker, &mut store, wat),
        Err(Error::Link(_))
    ));
}

const REFS: &str = r#"(module
  (func (export "mk") (param i32) (result i31ref) (ref.i31 (local.get 0)))
  (func (export "get_s") (param anyref) (result i32)
    (i31.get_s (ref.cast i31ref (local.get 0))))
  (func (export "get_u") (param i31ref) (result i32) (i31.get_u (local.get 0)))
  (func (export "is_i31") (param anyref) (result i32) (ref.test i31ref (local.get 0)))
  (func (export "eq") (param eqref eqref) (result i32) (ref.eq (local.get 0) (local.get 1)))
  (func (export "round_trip") (param externref) (result externref)
    (extern.convert_any (any.convert_extern (local.get 0))))
  (func (export "to_any") (param externref) (result anyref)
    (any.convert_extern (local.get 0)))
  ;; 1 for an i31, 2 for null, 0 for anything else (a converted host reference).
  (func (export "classify") (param anyref) (result i32)
    (block $not_i31 (result anyref)
      (drop (block $i31 (result (ref i31))
        (br_on_cast $i31 anyref (ref i31) (local.get 0))
        (br_on_cast_fail $not_i31 anyref (ref null none))
        (return (i32.const 2))))
      (return (i32.const 1)))
    (drop)
    (i32.const 0))
)"#;

#[test]
fn i31_and_any_references_through_the_api() {
    use baton::{AnyRef, ExternRef, Val, I31};
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let linker = Linker::new(&engine);
    let inst = instantiate(&engine, &linker, &mut store, REFS).unwrap();
    let call = |store: &mut Store<()>, name: &str, args: &[Val]| -> Result<Val, Error> {
        let f = inst.get_func(&*store, name).unwrap();
        let mut out = [Val::I32(0)];
        f.call(&mut *store, args, &mut out)?;
        Ok(out[0])
    };
    // `ref.i31` keeps the low 31 bits; `i31.get_s` sign-extends them, `i31.get_u` not.
    let Val::AnyRef(Some(r)) = call(&mut store, "mk", &[Val::I32(-5)]).unwrap() else {
        panic!("ref.i31 must give a non-null anyref");
    };
    assert_eq!(r.as_i31().unwrap().get_i32(), -5);
    assert_eq!(r.as_i31().unwrap().get_u32(), 0x7fff_fffb);
    let i31 = |v: i32| Val::AnyRef(Some(AnyRef::from_i31(I31::wrapping_i32(v))));
    assert_eq!(
        call(&mut store, "get_s", &[i31(-5)]).unwrap().i32(),
        Some(-5)
    );
    assert_eq!(
        call(&mut store, "get_u", &[i31(-5)]).unwrap().i32(),
        Some(0x7fff_fffb)
    );
    assert_eq!(
        call(&mut store, "get_s", &[i31(1 << 30)]).unwrap().i32(),
        Some(-(1 << 30))
    );
    assert_eq!(
        call(&mut store, "eq", &[i31(7), i31(7)]).unwrap().i32(),
        Some(1)
    );
    assert_eq!(
        call(&mut store, "eq", &[i31(7), i31(8)]).unwrap().i32(),
        Some(0)
    );
    assert_eq!(
        call(&mut store, "eq", &[Val::AnyRef(None), Val::AnyRef(None)])
            .unwrap()
            .i32(),
        Some(1)
    );

    // A host reference converted to `any` is not an `i31`: the cast traps, the test fails.
    let host = ExternRef::new(&mut store, 42u32);
    let Val::AnyRef(Some(any)) = call(&mut store, "to_any", &[Val::ExternRef(Some(host))]).unwrap()
    else {
        panic!("any.convert_extern of a host reference must be non-null");
    };
    assert_eq!(any, host.to_any());
    let trap = call(&mut store, "get_s", &[Val::AnyRef(Some(any))]).unwrap_err();
    assert_eq!(trap.trap_code(), Some(TrapCode::CastFailure), "{trap}");
    assert_eq!(
        call(&mut store, "is_i31", &[Val::AnyRef(Some(any))])
            .unwrap()
            .i32(),
        Some(0)
    );
    assert_eq!(
        call(&mut store, "is_i31", &[i31(3)]).unwrap().i32(),
        Some(1)
    );
    // A null `i31` traps in `i31.get_u`.
    let trap = call(&mut store, "get_u", &[Val::AnyRef(None)]).unwrap_err();
    assert_eq!(trap.trap_code(), Some(TrapCode::NullReference), "{trap}");

    // Converting back and forth keeps the host value.
    let Val::ExternRef(Some(back)) =
        call(&mut store, "round_trip", &[Val::ExternRef(Some(host))]).unwrap()
    else {
        panic!("round trip must keep the reference");
    };
    assert_eq!(back.data(&store).unwrap().downcast_ref::<u32>(), Some(&42));
    // An i31 converted to `extern` has no host value.
    let i31_extern = AnyRef::from_i31(I31::wrapping_u32(3)).to_extern();
    assert!(i31_extern.data(&store).is_none());
    assert_eq!(i31_extern.to_any().as_i31(), Some(I31::wrapping_u32(3)));

    // `br_on_cast` / `br_on_cast_fail`.
    for (arg, class) in [
        (i31(9), 1),
        (Val::AnyRef(None), 2),
        (Val::AnyRef(Some(any)), 0),
    ] {
        assert_eq!(
            call(&mut store, "classify", &[arg]).unwrap().i32(),
            Some(class)
        );
    }
}

/// Under fuel metering an array costs one unit per 16 elements on top of its operator, so
/// a guest cannot allocate (or fill, copy, initialise) without paying; running out there
/// fails before anything is allocated.
#[test]
fn array_work_costs_fuel() {
    let mut config = baton::Config::new();
    config.consume_fuel(true);
    let engine = Engine::new(&config);
    let mut store = Store::new(&engine, ());
    let wat = r#"(module (type $a (array (mut i8)))
        (func (export "alloc") (param i32) (result i32)
          (array.len (array.new_default $a (local.get 0)))))"#;
    let inst = instantiate(&engine, &Linker::new(&engine), &mut store, wat).unwrap();
    let alloc = inst.get_typed_func::<i32, i32>(&store, "alloc").unwrap();
    let used = |store: &mut Store<()>, len: i32| {
        store.set_fuel(1_000_000).unwrap();
        assert_eq!(alloc.call(&mut *store, len).unwrap(), len);
        1_000_000 - store.get_fuel().unwrap()
    };
    used(&mut store, 0); // (The first call also pays for translating the function.)
    let base = used(&mut store, 0);
    assert_eq!(used(&mut store, 16 * 1000), base + 1000);
    store.set_fuel(500).unwrap();
    let err = alloc.call(&mut store, 16 * 1000).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::OutOfFuel), "{err}");
}

/// `Option<AnyRef>` in typed functions: an `anyref` in and out, and a structure made by the
/// guest handed back to it.
#[test]
fn typed_functions_take_and_return_anyref() {
    use baton::{AnyRef, I31};
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let wat = r#"(module (type $p (struct (field i32)))
        (func (export "wrap") (param i32) (result anyref) (struct.new $p (local.get 0)))
        (func (export "unwrap") (param anyref) (result i32)
          (block $not (result anyref)
            (return (struct.get $p 0 (br_on_cast_fail $not anyref (ref $p) (local.get 0)))))
          (drop)
          (i32.const -1)))"#;
    let inst = instantiate(&engine, &Linker::new(&engine), &mut store, wat).unwrap();
    let wrap = inst
        .get_typed_func::<i32, Option<AnyRef>>(&store, "wrap")
        .unwrap();
    let unwrap = inst
        .get_typed_func::<Option<AnyRef>, i32>(&store, "unwrap")
        .unwrap();
    let boxed = wrap.call(&mut store, 41).unwrap().expect("a structure");
    assert!(boxed.is_struct(&store));
    assert_eq!(unwrap.call(&mut store, Some(boxed)).unwrap(), 41);
    let i31 = Some(AnyRef::from_i31(I31::wrapping_i32(5)));
    assert_eq!(unwrap.call(&mut store, i31).unwrap(), -1);
    assert_eq!(unwrap.call(&mut store, None).unwrap(), -1);
}

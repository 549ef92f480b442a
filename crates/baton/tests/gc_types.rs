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
    assert_eq!(as_base.call(&mut store, 0).unwrap(), 7);
    assert_eq!(as_derived.call(&mut store, 0).unwrap(), 7);
    // ...but a function of a type with the same signature and no declared relation is not
    // one (its type is final and stands alone: a different type).
    for f in [&as_base, &as_derived] {
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

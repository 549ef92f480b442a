//! Typed function references through the embedding API: `(ref $t)` parameters, results,
//! globals and tables take exactly the references of their type, `call_ref` calls Wasm
//! and host functions in this and other instances, and null traps where it must.

use baton::{
    Config, Engine, Error, Func, Global, GlobalType, HeapType, Linker, Module, Mutability, Store,
    Table, TableType, TrapCode, Val, ValType,
};

const MODULE: &str = r#"(module
  (type $binop (func (param i32 i32) (result i32)))
  (import "env" "host_sub" (func $host_sub (type $binop)))
  (func $add (export "add") (type $binop) (i32.add (local.get 0) (local.get 1)))
  (func $mul (type $binop) (i32.mul (local.get 0) (local.get 1)))
  (func $other (export "other") (param i64) (result i64) (local.get 0))
  (elem declare func $add $mul $host_sub)
  (global (export "g_add") (ref $binop) (ref.func $add))
  (table (export "ops") 3 (ref null $binop))
  ;; Applies `f`, which must not be null.
  (func (export "apply") (param $f (ref $binop)) (param i32 i32) (result i32)
    (call_ref $binop (local.get 1) (local.get 2) (local.get $f)))
  ;; Applies a nullable `f`: traps on null.
  (func (export "apply_null") (param $f (ref null $binop)) (param i32 i32) (result i32)
    (call_ref $binop (local.get 1) (local.get 2) (local.get $f)))
  (func (export "tail") (param $f (ref null $binop)) (param i32 i32) (result i32)
    (return_call_ref $binop (local.get 1) (local.get 2) (local.get $f)))
  (func (export "pick") (param i32) (result (ref $binop))
    (if (result (ref $binop)) (local.get 0)
      (then (ref.func $mul))
      (else (ref.func $host_sub))))
  ;; -1 for null, else f(7, 3), through br_on_null and br_on_non_null.
  (func (export "or_minus_one") (param $f (ref null $binop)) (result i32)
    (block $null
      (return (call_ref $binop (i32.const 7) (i32.const 3)
        (br_on_null $null (local.get $f)))))
    (i32.const -1))
  (func (export "non_null_or_zero") (param $f (ref null $binop)) (result i32)
    (local $g (ref null $binop))
    (local.set $g
      (block $some (result (ref $binop))
        (br_on_non_null $some (local.get $f))
        (return (i32.const 0))))
    (call_ref $binop (i32.const 2) (i32.const 5) (local.get $g)))
  (func (export "as_non_null") (param $f (ref null $binop)) (result (ref $binop))
    (ref.as_non_null (local.get $f)))
)"#;

fn setup() -> (Store<()>, baton::Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, MODULE).unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("env", "host_sub", |a: i32, b: i32| a - b)
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance)
}

fn call(store: &mut Store<()>, f: Func, args: &[Val]) -> Result<Vec<Val>, Error> {
    let n = f.ty(&*store).results().len();
    let mut out = vec![Val::I32(0); n];
    f.call(&mut *store, args, &mut out)?;
    Ok(out)
}

fn trap_code(r: Result<Vec<Val>, Error>) -> Option<TrapCode> {
    r.err().and_then(|e| e.trap_code())
}

#[test]
fn call_ref_calls_wasm_and_host_functions() {
    let (mut store, inst) = setup();
    let apply = inst.get_func(&store, "apply").unwrap();
    let pick = inst.get_func(&store, "pick").unwrap();
    let add = inst.get_func(&store, "add").unwrap();
    let r = call(
        &mut store,
        apply,
        &[Val::FuncRef(Some(add)), 4.into(), 5.into()],
    )
    .unwrap();
    assert_eq!(r[0].i32(), Some(9));
    // References made in Wasm, to a Wasm function and to the imported host function.
    for (which, expected) in [(1, 20), (0, -1)] {
        let f = call(&mut store, pick, &[Val::I32(which)]).unwrap()[0];
        let r = call(&mut store, apply, &[f, 4.into(), 5.into()]).unwrap();
        assert_eq!(r[0].i32(), Some(expected), "pick {which}");
    }
    let tail = inst.get_func(&store, "tail").unwrap();
    let r = call(
        &mut store,
        tail,
        &[Val::FuncRef(Some(add)), 1.into(), 2.into()],
    )
    .unwrap();
    assert_eq!(r[0].i32(), Some(3));
}

#[test]
fn null_traps_where_a_reference_is_needed() {
    let (mut store, inst) = setup();
    for name in ["apply_null", "tail"] {
        let f = inst.get_func(&store, name).unwrap();
        let r = call(&mut store, f, &[Val::FuncRef(None), 1.into(), 2.into()]);
        assert_eq!(trap_code(r), Some(TrapCode::NullReference), "{name}");
    }
    let f = inst.get_func(&store, "as_non_null").unwrap();
    assert_eq!(
        trap_code(call(&mut store, f, &[Val::FuncRef(None)])),
        Some(TrapCode::NullReference)
    );
    // The store stays usable after the traps.
    let add = inst.get_func(&store, "add").unwrap();
    let r = call(&mut store, f, &[Val::FuncRef(Some(add))]).unwrap();
    assert!(matches!(r[0], Val::FuncRef(Some(g)) if g == add));
}

#[test]
fn br_on_null_and_br_on_non_null_branch_by_nullness() {
    let (mut store, inst) = setup();
    let add = inst.get_func(&store, "add").unwrap();
    let or = inst.get_func(&store, "or_minus_one").unwrap();
    let non = inst.get_func(&store, "non_null_or_zero").unwrap();
    assert_eq!(
        call(&mut store, or, &[Val::FuncRef(None)]).unwrap()[0].i32(),
        Some(-1)
    );
    assert_eq!(
        call(&mut store, or, &[Val::FuncRef(Some(add))]).unwrap()[0].i32(),
        Some(10)
    );
    assert_eq!(
        call(&mut store, non, &[Val::FuncRef(None)]).unwrap()[0].i32(),
        Some(0)
    );
    assert_eq!(
        call(&mut store, non, &[Val::FuncRef(Some(add))]).unwrap()[0].i32(),
        Some(7)
    );
}

#[test]
fn typed_parameters_globals_and_tables_take_only_their_type() {
    let (mut store, inst) = setup();
    let apply = inst.get_func(&store, "apply").unwrap();
    let other = inst.get_func(&store, "other").unwrap();
    let add = inst.get_func(&store, "add").unwrap();
    let param = apply.ty(&store).params()[0];
    let ValType::Ref(r) = param else {
        panic!("{param} is not a typed reference")
    };
    assert!(!r.is_nullable());
    assert!(matches!(r.heap_type(), HeapType::ConcreteFunc(_)));
    assert!(param.matches(ValType::FuncRef), "(ref $t) is a funcref");
    assert!(!ValType::FuncRef.matches(param));
    // Null for a non-nullable parameter, and a function of another signature: refused
    // before the call.
    for wrong in [Val::FuncRef(None), Val::FuncRef(Some(other))] {
        let r = call(&mut store, apply, &[wrong, 1.into(), 2.into()]);
        assert!(matches!(r, Err(Error::Usage(_))), "{r:?}");
    }

    // The global holds a `(ref $binop)`.
    let g = inst.get_global(&store, "g_add").unwrap();
    assert!(matches!(g.get(&store), Val::FuncRef(Some(f)) if f == add));
    // A host global of that type can be made with a matching function only.
    let ty = GlobalType::new(param, Mutability::Var);
    assert!(Global::new(&mut store, ty, Val::FuncRef(None)).is_err());
    assert!(Global::new(&mut store, ty, Val::FuncRef(Some(other))).is_err());
    let mine = Global::new(&mut store, ty, Val::FuncRef(Some(add))).unwrap();
    assert!(mine.set(&mut store, Val::FuncRef(Some(other))).is_err());

    // The table holds `(ref null $binop)`.
    let t = inst.get_table(&store, "ops").unwrap();
    t.set(&mut store, 1, Val::FuncRef(Some(add))).unwrap();
    assert!(t.set(&mut store, 1, Val::FuncRef(Some(other))).is_err());
    assert!(t.set(&mut store, 1, Val::ExternRef(None)).is_err());
    assert!(t.grow(&mut store, 1, Val::FuncRef(Some(other))).is_err());
    t.set(&mut store, 1, Val::FuncRef(None)).unwrap();
    let elem = t.ty(&store).element();
    assert!(Table::new(
        &mut store,
        TableType::new(elem, 1, None),
        Val::FuncRef(Some(add))
    )
    .is_ok());
    assert_eq!(
        elem.to_string(),
        format!("(ref null {})", r.heap_type()),
        "types print in the text format's shape"
    );
}

#[test]
fn call_ref_crosses_instances() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("env", "host_sub", |a: i32, b: i32| a - b)
        .unwrap();
    let first = linker
        .instantiate(&mut store, &Module::new(&engine, MODULE).unwrap())
        .unwrap();
    // A second module imports the first one's `(ref $binop)` global (the same signature
    // in another module is the same type) and calls through it.
    let second = Module::new(
        &engine,
        r#"(module
          (type $f (func (param i32 i32) (result i32)))
          (import "first" "g_add" (global $g (ref $f)))
          (memory 1)
          (func (export "run") (result i32)
            (i32.store (i32.const 0) (i32.const 40))
            (call_ref $f (i32.load (i32.const 0)) (i32.const 2) (global.get $g))))"#,
    )
    .unwrap();
    linker.instance(&mut store, "first", first).unwrap();
    let second = linker.instantiate(&mut store, &second).unwrap();
    let run = second.get_typed_func::<(), i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 42);
}

#[test]
fn the_proposal_can_be_switched_off() {
    let mut config = Config::new();
    config.wasm_function_references(false);
    let engine = Engine::new(&config);
    // (Switched off, the proposal's modules are invalid, as with the others.)
    let err = Module::new(&engine, MODULE).err();
    assert!(matches!(err, Some(Error::Validation { .. })), "{err:?}");
}

/// `call_ref` of a `table.get` (one fused instruction) keeps both instructions' traps: an
/// index past the table is `table.get`'s out-of-bounds access, a null element is
/// `call_ref`'s null reference; and it calls Wasm and host functions alike, with the
/// arguments from locals, temporaries and constants.
#[test]
fn call_ref_of_table_get() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
          (type $binop (func (param i32 i32) (result i32)))
          (import "env" "host_sub" (func $host_sub (type $binop)))
          (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
          (table $t 4 (ref null $binop))
          (elem (table $t) (i32.const 0) (ref null $binop) (ref.func $add) (ref.func $host_sub))
          (func (export "locals") (param $i i32) (param $a i32) (param $b i32) (result i32)
            (call_ref $binop (local.get $a) (local.get $b) (table.get $t (local.get $i))))
          (func (export "temps") (param $i i32) (param $a i32) (param $b i32) (result i32)
            (call_ref $binop
              (i32.mul (local.get $a) (i32.const 2))
              (i32.const 1)
              (table.get $t (i32.and (local.get $i) (i32.const 7))))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("env", "host_sub", |a: i32, b: i32| a - b)
        .unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    let locals = inst
        .get_typed_func::<(i32, i32, i32), i32>(&store, "locals")
        .unwrap();
    let temps = inst
        .get_typed_func::<(i32, i32, i32), i32>(&store, "temps")
        .unwrap();
    assert_eq!(locals.call(&mut store, (0, 7, 5)).unwrap(), 12);
    assert_eq!(locals.call(&mut store, (1, 7, 5)).unwrap(), 2);
    assert_eq!(temps.call(&mut store, (0, 7, 0)).unwrap(), 15);
    assert_eq!(temps.call(&mut store, (1, 7, 0)).unwrap(), 13);
    let code = |r: Result<i32, Error>| r.unwrap_err().as_trap().map(|t| t.code());
    assert_eq!(
        code(locals.call(&mut store, (2, 1, 1))),
        Some(TrapCode::NullReference)
    );
    assert_eq!(
        code(locals.call(&mut store, (4, 1, 1))),
        Some(TrapCode::TableOutOfBounds)
    );
    assert_eq!(
        code(temps.call(&mut store, (5, 1, 1))),
        Some(TrapCode::TableOutOfBounds)
    );
    let listing = module.disassemble(2).unwrap();
    assert!(listing.contains("table.get.call_ref"), "{listing}");
    assert!(!listing.contains("\ntable.get"), "{listing}");
}

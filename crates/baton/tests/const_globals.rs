//! `global.get` of a global whose value is known before instantiation is folded into a
//! constant; every other global is still read at run time, and both give the same values.

use baton::*;

const MODULE: &str = r#"(module
  (import "env" "base" (global $imported i32))
  (global $k i32 (i32.const 0x9e3779b9))
  (global $k64 i64 (i64.const -7))
  (global $pi f64 (f64.const 3.25))
  ;; an extended constant expression: known too
  (global $derived i32 (i32.add (i32.const 0x9e3779b9) (i32.mul (i32.const 3) (i32.const 5))))
  ;; over an import: known only once instantiated
  (global $from_import i32 (i32.add (global.get $imported) (i32.const 1)))
  (global $counter (mut i32) (i32.const 40))
  (func $f (export "f") (param $x i32) (result i32)
    (i32.add
      (i32.mul (local.get $x) (global.get $k))
      (i32.xor (global.get $derived) (global.get $from_import))))
  (func $g (export "g") (result i64)
    (i64.add (global.get $k64) (i64.trunc_f64_s (global.get $pi))))
  (func $h (export "h") (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 2)))
    (global.get $counter)))"#;

#[test]
fn constant_globals_are_folded_and_others_read() {
    let engine = Engine::default();
    let module = Module::new(&engine, MODULE).expect("module compiles");
    let f_listing = module.disassemble(0).expect("function f");
    // $k and $derived are immediates now; $from_import is still read.
    assert_eq!(
        f_listing.matches("global.get").count(),
        1,
        "only the import-dependent global is read:\n{f_listing}"
    );
    let g_listing = module.disassemble(1).expect("function g");
    assert!(!g_listing.contains("global.get"), "{g_listing}");
    let h_listing = module.disassemble(2).expect("function h");
    assert!(h_listing.contains("global.get"), "mutable: {h_listing}");

    for base in [0i32, 1, -1, 12345] {
        let mut store = Store::new(&engine, ());
        let global = Global::new(
            &mut store,
            GlobalType::new(ValType::I32, Mutability::Const),
            Val::I32(base),
        )
        .unwrap();
        let mut linker = Linker::new(&engine);
        linker.define("env", "base", global).unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
        let g = instance.get_typed_func::<(), i64>(&store, "g").unwrap();
        let h = instance.get_typed_func::<(), i32>(&store, "h").unwrap();
        let k = 0x9e3779b9u32 as i32;
        let derived = k.wrapping_add(15);
        for x in [0i32, 1, 7, -3] {
            let want = x
                .wrapping_mul(k)
                .wrapping_add(derived ^ base.wrapping_add(1));
            assert_eq!(f.call(&mut store, x).unwrap(), want, "f({x}), base {base}");
        }
        assert_eq!(g.call(&mut store, ()).unwrap(), -7 + 3);
        assert_eq!(h.call(&mut store, ()).unwrap(), 42);
        assert_eq!(h.call(&mut store, ()).unwrap(), 44);
    }
}

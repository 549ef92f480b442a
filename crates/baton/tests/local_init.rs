//! Locals start at zero, even though a call zeroes only the locals its function may read
//! before writing (`translate/init.rs`): each case below first fills the value stack with
//! junk (a function with the same frame writing every local), then calls a function at the
//! same depth that reads a local on a path where its write did not run.

use baton::{Engine, Linker, Module, Store};

const MODULE: &str = r#"(module
  (func $dirty (local i64 i64 i64 i64 i64 i64)
    (local.set 0 (i64.const -1)) (local.set 1 (i64.const -1)) (local.set 2 (i64.const -1))
    (local.set 3 (i64.const -1)) (local.set 4 (i64.const -1)) (local.set 5 (i64.const -1)))

  ;; Written inside a block that was left before the write.
  (func $skipped_block (param $c i32) (result i64) (local $x i64)
    (block $b
      (br_if $b (local.get $c))
      (local.set $x (i64.const 5)))
    (local.get $x))

  ;; Written in `then`, read in `else`.
  (func $other_arm (param $c i32) (result i64) (local $x i64)
    (if (result i64) (local.get $c)
      (then (local.set $x (i64.const 7)) (local.get $x))
      (else (local.get $x))))

  ;; Read before the loop's write on the first iteration.
  (func $loop_first (result i64) (local $x i64) (local $i i32) (local $sum i64)
    (loop $l
      (local.set $sum (i64.add (local.get $sum) (local.get $x)))
      (local.set $x (i64.const 100))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 3))))
    (local.get $sum))

  ;; The last local only is read unassigned; those before it are written first.
  (func $last_only (result i64) (local i64 i64 i64 i64 i64 i64)
    (local.set 0 (i64.const 1)) (local.set 1 (i64.const 2))
    (i64.add (i64.add (local.get 0) (local.get 1)) (local.get 5)))

  (func (export "skipped_block") (param i32) (result i64) (call $dirty) (call $skipped_block (local.get 0)))
  (func (export "other_arm") (param i32) (result i64) (call $dirty) (call $other_arm (local.get 0)))
  (func (export "loop_first") (result i64) (call $dirty) (call $loop_first))
  (func (export "last_only") (result i64) (call $dirty) (call $last_only))
)"#;

#[test]
fn locals_read_before_their_write_are_zero() {
    let engine = Engine::default();
    let module = Module::new(&engine, MODULE).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = |name: &str| inst.get_typed_func::<i32, i64>(&store, name).unwrap();
    let (skipped, arm) = (f("skipped_block"), f("other_arm"));
    assert_eq!(skipped.call(&mut store, 1).unwrap(), 0);
    assert_eq!(skipped.call(&mut store, 0).unwrap(), 5);
    assert_eq!(arm.call(&mut store, 0).unwrap(), 0);
    assert_eq!(arm.call(&mut store, 1).unwrap(), 7);
    let loop_first = inst
        .get_typed_func::<(), i64>(&store, "loop_first")
        .unwrap();
    assert_eq!(loop_first.call(&mut store, ()).unwrap(), 200);
    let last_only = inst.get_typed_func::<(), i64>(&store, "last_only").unwrap();
    assert_eq!(last_only.call(&mut store, ()).unwrap(), 3);
}

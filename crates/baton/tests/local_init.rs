//! Locals start at zero, even though a call zeroes only the locals its function may read
//! before writing (`translate/init.rs`): each case below first fills the value stack with
//! junk (a function with the same frame writing every local), then calls a function at the
//! same depth that reads a local on a path where its write did not run.

use baton::{CompilationMode, Config, Engine, Linker, Module, Store};

const MODULE: &str = r#"(module
  (tag $t)
  (elem declare func $dirty)
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

  ;; A `br_table` target that skips the write.
  (func $table_skips (param $c i32) (result i64) (local $x i64)
    (block $b
      (block $i
        (br_table $i $b (local.get $c)))
      (local.set $x (i64.const 9)))
    (local.get $x))

  ;; A catch clause that lands after the construct, from before the write.
  (func $thrower (param i32) (if (local.get 0) (then (throw $t))))
  (func $caught (param $c i32) (result i64) (local $x i64)
    (block $h
      (try_table (catch_all $h)
        (call $thrower (local.get $c))
        (local.set $x (i64.const 11))))
    (local.get $x))

  ;; `br_on_null` leaves before the write.
  (func $on_null (param $c i32) (result i64) (local $x i64)
    (block $b
      (br_on_null $b (select (result funcref) (ref.null func) (ref.func $dirty) (local.get $c)))
      (drop)
      (local.set $x (i64.const 13)))
    (local.get $x))

  ;; Read after an `if` whose `else` part does not write.
  (func $one_arm_writes (param $c i32) (result i64) (local $x i64)
    (if (local.get $c) (then (local.set $x (i64.const 17))) (else nop))
    (local.get $x))

  ;; A block left only by branches, one of them before the write.
  (func $only_branches (param $c i32) (result i64) (local $x i64)
    (block $b
      (if (local.get $c) (then (br $b)))
      (local.set $x (i64.const 19))
      (br $b))
    (local.get $x))

  ;; A write in dead code, after the block's only way out.
  (func $dead_write (param $c i32) (result i64) (local $x i64)
    (block $b
      (br $b)
      (local.set $x (i64.const 23)))
    (i64.add (local.get $x) (i64.extend_i32_u (local.get $c))))

  ;; Written on every way to the ends (no zeroing needed): the values must still be right.
  (func $every_way (param $c i32) (result i64) (local $x i64) (local $y i64)
    (block $b
      (local.set $x (i64.const 29))
      (br_if $b (local.get $c))
      (local.set $y (i64.const 1)))
    (if (local.get $c)
      (then (local.set $y (i64.const 2)))
      (else (local.set $y (i64.add (local.get $y) (i64.const 2)))))
    (i64.add (local.get $x) (local.get $y)))

  (func (export "table_skips") (param i32) (result i64) (call $dirty) (call $table_skips (local.get 0)))
  (func (export "caught") (param i32) (result i64) (call $dirty) (call $caught (local.get 0)))
  (func (export "on_null") (param i32) (result i64) (call $dirty) (call $on_null (local.get 0)))
  (func (export "one_arm_writes") (param i32) (result i64) (call $dirty) (call $one_arm_writes (local.get 0)))
  (func (export "only_branches") (param i32) (result i64) (call $dirty) (call $only_branches (local.get 0)))
  (func (export "dead_write") (param i32) (result i64) (call $dirty) (call $dead_write (local.get 0)))
  (func (export "every_way") (param i32) (result i64) (call $dirty) (call $every_way (local.get 0)))
  (func (export "skipped_block") (param i32) (result i64) (call $dirty) (call $skipped_block (local.get 0)))
  (func (export "other_arm") (param i32) (result i64) (call $dirty) (call $other_arm (local.get 0)))
  (func (export "loop_first") (result i64) (call $dirty) (call $loop_first))
  (func (export "last_only") (result i64) (call $dirty) (call $last_only))
)"#;

#[test]
fn locals_read_before_their_write_are_zero() {
    for mode in [CompilationMode::Lazy, CompilationMode::Eager] {
        let mut config = Config::default();
        config.compilation_mode(mode);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, MODULE).unwrap();
        let mut store = Store::new(&engine, ());
        let inst = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        // (export, argument, result): each function twice, the way that skips the write
        // and the way that runs it.
        let cases = [
            ("skipped_block", 1, 0),
            ("skipped_block", 0, 5),
            ("other_arm", 0, 0),
            ("other_arm", 1, 7),
            ("table_skips", 1, 0),
            ("table_skips", 0, 9),
            ("caught", 1, 0),
            ("caught", 0, 11),
            ("on_null", 1, 0),
            ("on_null", 0, 13),
            ("one_arm_writes", 0, 0),
            ("one_arm_writes", 1, 17),
            ("only_branches", 1, 0),
            ("only_branches", 0, 19),
            ("dead_write", 0, 0),
            ("dead_write", 1, 1),
            ("every_way", 1, 31),
            ("every_way", 0, 32),
        ];
        for (name, arg, want) in cases {
            let f = inst.get_typed_func::<i32, i64>(&store, name).unwrap();
            let got = f.call(&mut store, arg).unwrap();
            assert_eq!(got, want, "{name}({arg}), {mode:?} translation");
        }
        let loop_first = inst
            .get_typed_func::<(), i64>(&store, "loop_first")
            .unwrap();
        assert_eq!(loop_first.call(&mut store, ()).unwrap(), 200);
        let last_only = inst.get_typed_func::<(), i64>(&store, "last_only").unwrap();
        assert_eq!(last_only.call(&mut store, ()).unwrap(), 3);
    }
}

//! The behavioural half of the dispatch guard: runs programs that exercise every family of
//! instructions for millions of instructions on a thread with a deliberately tiny native
//! stack. If any handler stopped handing over by a tail jump (and called the next handler
//! instead), each execution of it would leave a native frame behind and this test would
//! overflow the stack and crash. It cannot be fooled by symbol names.

use baton::*;

/// Small enough that a few thousand leaked frames overflow it.
const STACK: usize = if cfg!(debug_assertions) {
    256 << 10
} else {
    48 << 10
};

const PROGRAM: &str = r#"
(module
  (type $ii (func (param i32) (result i32)))
  (import "host" "id" (func $host_id (param i32) (result i32)))
  (import "host" "throw" (func $host_throw (param i32)))
  (memory 1)
  (table 4 funcref)
  (global $g (mut i64) (i64.const 0))
  (elem (i32.const 0) $inc $dec $inc $tail_entry)
  (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
  (func $dec (type $ii) (i32.sub (local.get 0) (i32.const 1)))
  (func $tail_entry (type $ii) (return_call $inc (local.get 0)))
  (func $tail_indirect (param i32) (result i32)
    (return_call_indirect (type $ii) (local.get 0) (i32.and (local.get 0) (i32.const 3))))

  ;; Integer arithmetic in every operand form, fused compare-and-branch, select.
  (func (export "ints") (param $n i32) (result i64)
    (local $i i32) (local $a i32) (local $b i64)
    (loop $l
      (local.set $a (i32.add (local.get $a) (local.get $i)))
      (local.set $a (i32.sub (i32.const 7) (local.get $a)))
      (local.set $a (i32.xor (i32.mul (local.get $a) (i32.const 31)) (i32.shr_u (local.get $a) (i32.const 3))))
      (local.set $a (i32.rotl (local.get $a) (local.get $i)))
      (local.set $a (i32.or (i32.div_u (local.get $a) (i32.const 3)) (i32.rem_s (local.get $a) (i32.const 5))))
      (local.set $b (i64.add (local.get $b) (i64.extend_i32_u (local.get $a))))
      (local.set $b (i64.mul (local.get $b) (i64.const 6364136223846793005)))
      (local.set $b (i64.rotr (i64.xor (local.get $b) (i64.shr_u (local.get $b) (i64.const 29))) (i64.const 7)))
      (local.set $a (select (i32.clz (local.get $a)) (i32.popcnt (local.get $a)) (i32.lt_s (local.get $a) (i32.const 0))))
      (if (i64.lt_u (local.get $b) (i64.const 100)) (then (local.set $b (i64.add (local.get $b) (i64.const 1000)))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i64.add (local.get $b) (i64.extend_i32_s (local.get $a))))

  ;; Floats and conversions.
  (func (export "floats") (param $n i32) (result f64)
    (local $i i32) (local $x f64) (local $y f32)
    (local.set $x (f64.const 1.5))
    (loop $l
      (local.set $x (f64.add (f64.mul (local.get $x) (f64.const 1.0000001)) (f64.convert_i32_s (local.get $i))))
      (local.set $x (f64.div (f64.sqrt (f64.abs (local.get $x))) (f64.const 0.5)))
      (local.set $y (f32.demote_f64 (f64.floor (local.get $x))))
      (local.set $x (f64.add (local.get $x) (f64.promote_f32 (f32.nearest (local.get $y)))))
      (local.set $i (i32.add (local.get $i) (i32.trunc_sat_f64_s (f64.min (local.get $x) (f64.const 1)))))
      (br_if $l (f64.lt (f64.convert_i32_u (local.get $i)) (f64.convert_i32_u (local.get $n)))))
    (local.get $x))

  ;; Memory, globals, bulk memory.
  (func (export "memory") (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      (i32.store (i32.and (i32.mul (local.get $i) (i32.const 4)) (i32.const 0xfffc)) (local.get $i))
      (i64.store8 offset=3 (i32.and (local.get $i) (i32.const 0xff)) (i64.extend_i32_u (local.get $i)))
      (local.set $s (i32.add (local.get $s) (i32.load16_u (i32.and (local.get $i) (i32.const 0xfff0)))))
      (global.set $g (i64.add (global.get $g) (i64.load32_s (i32.const 16))))
      (if (i32.eqz (i32.and (local.get $i) (i32.const 1023)))
        (then (memory.fill (i32.const 0) (local.get $i) (i32.const 64))
              (memory.copy (i32.const 100) (i32.const 0) (i32.const 64))))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i32.add (local.get $s) (i32.wrap_i64 (global.get $g))))

  ;; Bulk memory and table instructions on every iteration: their handlers call out of
  ;; line, the easiest place for a hand-over to stop being a jump.
  (func (export "bulk") (param $n i32) (result i32)
    (local $i i32)
    (loop $l
      (memory.fill (i32.const 0) (local.get $i) (i32.const 16))
      (memory.copy (i32.const 100) (i32.const 0) (i32.const 16))
      (table.copy (i32.const 1) (i32.const 0) (i32.const 1))
      (table.fill (i32.const 2) (table.get (i32.const 0)) (i32.const 1))
      (drop (table.grow (ref.null func) (i32.const 0)))
      (drop (memory.grow (i32.const 0)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i32.add (i32.load8_u (i32.const 100)) (table.size)))

  ;; Calls of every kind, br_table, tables, host calls.
  ;; Exceptions: thrown `depth` frames down and by a host function, caught every time.
  (tag $e (export "e") (param i32))
  (func $dive (param i32) (param i32) (result i32)
    (if (i32.eqz (local.get 0)) (then (throw $e (local.get 1))))
    (i32.add (call $dive (i32.sub (local.get 0) (i32.const 1)) (local.get 1)) (i32.const 1)))
  (func (export "exceptions") (param $n i32) (param $depth i32) (result i32) (local $s i32)
    (loop $l
      (block $h (result i32)
        (try_table (result i32) (catch $e $h) (call $dive (local.get $depth) (local.get $n))))
      (local.set $s (i32.add (local.get $s)))
      (block $h2 (result i32)
        (try_table (catch $e $h2) (call $host_throw (i32.const 1)))
        (i32.const 0))
      (local.set $s (i32.add (local.get $s)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $s))

  (func (export "calls") (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      (local.set $s (call $inc (local.get $s)))
      (local.set $s (call_indirect (type $ii) (local.get $s) (i32.and (local.get $i) (i32.const 3))))
      (local.set $s (call $tail_indirect (local.get $s)))
      (block $b3 (block $b2 (block $b1
        (br_table $b1 $b2 $b3 (i32.rem_u (local.get $i) (i32.const 3))))
        (local.set $s (i32.add (local.get $s) (i32.const 1))) (br $b3))
        (local.set $s (i32.sub (local.get $s) (i32.const 1))))
      (if (i32.eqz (i32.and (local.get $i) (i32.const 255)))
        (then (local.set $s (call $host_id (local.get $s)))
              (table.set (i32.const 2) (table.get (i32.const 0)))))
      (br_if $l (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $s))
)
"#;

#[test]
fn millions_of_instructions_on_a_tiny_native_stack() {
    let engine = Engine::default();
    let module = Module::new(&engine, PROGRAM).expect("test program compiles");
    let handle = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            let mut store = Store::new(&engine, ());
            let mut linker = Linker::new(&engine);
            linker.func_wrap("host", "id", |x: i32| x).unwrap();
            linker
                .func_new(
                    "host",
                    "throw",
                    FuncType::new([ValType::I32], []),
                    |mut caller, params, _| {
                        let Some(Extern::Tag(tag)) = caller.get_export("e") else {
                            panic!("the program exports tag `e`");
                        };
                        Err(Error::Exception(ExnRef::new(&mut caller, &tag, params)?))
                    },
                )
                .unwrap();
            let inst = linker.instantiate(&mut store, &module).unwrap();
            let n = 200_000;
            let ints = inst
                .get_typed_func::<i32, i64>(&store, "ints")
                .unwrap()
                .call(&mut store, n)
                .unwrap();
            let floats = inst
                .get_typed_func::<i32, f64>(&store, "floats")
                .unwrap()
                .call(&mut store, n)
                .unwrap();
            let memory = inst
                .get_typed_func::<i32, i32>(&store, "memory")
                .unwrap()
                .call(&mut store, n)
                .unwrap();
            let calls = inst
                .get_typed_func::<i32, i32>(&store, "calls")
                .unwrap()
                .call(&mut store, n)
                .unwrap();
            let bulk = inst
                .get_typed_func::<i32, i32>(&store, "bulk")
                .unwrap()
                .call(&mut store, n)
                .unwrap();
            // The last fill wrote `n - 1` (as a byte); the table grew from 4 to 4.
            assert_eq!(bulk, ((n - 1) & 0xff) + 4);
            // Unwinding is a loop, not a recursion: thrown through 40 frames (and a host
            // function) many times, then once through 50,000 frames.
            let exceptions = inst
                .get_typed_func::<(i32, i32), i32>(&store, "exceptions")
                .unwrap();
            let rounds = 20_000;
            assert_eq!(
                exceptions.call(&mut store, (rounds, 40)).unwrap(),
                (1..=rounds).sum::<i32>() + rounds
            );
            assert_eq!(exceptions.call(&mut store, (1, 50_000)).unwrap(), 2);
            (ints, floats, memory, calls)
        })
        .unwrap();
    let (ints, floats, memory, calls) = handle
        .join()
        .expect("ran without overflowing the native stack");
    // The values themselves are checked against the peers by the comparison harness; here
    // they only need to be deterministic and plausible.
    assert_ne!(ints, 0);
    assert!(floats.is_finite());
    assert_ne!(memory, 0);
    assert_ne!(calls, 0);
}

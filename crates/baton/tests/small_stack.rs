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
  ;; Not final: calls through it check the callee's type with a walk of its supertypes.
  (type $open (sub (func (param i32) (result i32))))
  (import "host" "id" (func $host_id (param i32) (result i32)))
  (import "host" "throw" (func $host_throw (param i32)))
  (memory 1)
  (table 4 funcref)
  (global $g (mut i64) (i64.const 0))
  (elem (i32.const 0) $inc $dec $inc $tail_entry)
  (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
  (func $dec (type $ii) (i32.sub (local.get 0) (i32.const 1)))
  (func $tail_entry (type $ii) (return_call $inc (local.get 0)))
  (table $opens 1 funcref)
  (elem (table $opens) (i32.const 0) func $open_inc)
  (func $open_inc (type $open) (i32.add (local.get 0) (i32.const 1)))
  (func $tail_open (param i32) (result i32)
    (return_call_indirect $opens (type $open) (local.get 0) (i32.const 0)))
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
      (local.set $s (call_indirect $opens (type $open) (local.get $s) (i32.const 0)))
      (local.set $s (call $tail_open (local.get $s)))
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

// Every SIMD operator, by shape (as `exec/ops/simd.rs` lists them). Many of their
// handlers are the longest and the likeliest to call helpers out of line.
const BINARY: &[&str] = &[
    "i8x16.swizzle",
    "i8x16.eq",
    "i8x16.ne",
    "i8x16.lt_s",
    "i8x16.lt_u",
    "i8x16.gt_s",
    "i8x16.gt_u",
    "i8x16.le_s",
    "i8x16.le_u",
    "i8x16.ge_s",
    "i8x16.ge_u",
    "i16x8.eq",
    "i16x8.ne",
    "i16x8.lt_s",
    "i16x8.lt_u",
    "i16x8.gt_s",
    "i16x8.gt_u",
    "i16x8.le_s",
    "i16x8.le_u",
    "i16x8.ge_s",
    "i16x8.ge_u",
    "i32x4.eq",
    "i32x4.ne",
    "i32x4.lt_s",
    "i32x4.lt_u",
    "i32x4.gt_s",
    "i32x4.gt_u",
    "i32x4.le_s",
    "i32x4.le_u",
    "i32x4.ge_s",
    "i32x4.ge_u",
    "i64x2.eq",
    "i64x2.ne",
    "i64x2.lt_s",
    "i64x2.gt_s",
    "i64x2.le_s",
    "i64x2.ge_s",
    "f32x4.eq",
    "f32x4.ne",
    "f32x4.lt",
    "f32x4.gt",
    "f32x4.le",
    "f32x4.ge",
    "f64x2.eq",
    "f64x2.ne",
    "f64x2.lt",
    "f64x2.gt",
    "f64x2.le",
    "f64x2.ge",
    "v128.and",
    "v128.andnot",
    "v128.or",
    "v128.xor",
    "i8x16.narrow_i16x8_s",
    "i8x16.narrow_i16x8_u",
    "i8x16.add",
    "i8x16.add_sat_s",
    "i8x16.add_sat_u",
    "i8x16.sub",
    "i8x16.sub_sat_s",
    "i8x16.sub_sat_u",
    "i8x16.min_s",
    "i8x16.min_u",
    "i8x16.max_s",
    "i8x16.max_u",
    "i8x16.avgr_u",
    "i16x8.q15mulr_sat_s",
    "i16x8.narrow_i32x4_s",
    "i16x8.narrow_i32x4_u",
    "i16x8.add",
    "i16x8.add_sat_s",
    "i16x8.add_sat_u",
    "i16x8.sub",
    "i16x8.sub_sat_s",
    "i16x8.sub_sat_u",
    "i16x8.mul",
    "i16x8.min_s",
    "i16x8.min_u",
    "i16x8.max_s",
    "i16x8.max_u",
    "i16x8.avgr_u",
    "i16x8.extmul_low_i8x16_s",
    "i16x8.extmul_high_i8x16_s",
    "i16x8.extmul_low_i8x16_u",
    "i16x8.extmul_high_i8x16_u",
    "i32x4.add",
    "i32x4.sub",
    "i32x4.mul",
    "i32x4.min_s",
    "i32x4.min_u",
    "i32x4.max_s",
    "i32x4.max_u",
    "i32x4.dot_i16x8_s",
    "i32x4.extmul_low_i16x8_s",
    "i32x4.extmul_high_i16x8_s",
    "i32x4.extmul_low_i16x8_u",
    "i32x4.extmul_high_i16x8_u",
    "i64x2.add",
    "i64x2.sub",
    "i64x2.mul",
    "i64x2.extmul_low_i32x4_s",
    "i64x2.extmul_high_i32x4_s",
    "i64x2.extmul_low_i32x4_u",
    "i64x2.extmul_high_i32x4_u",
    "f32x4.add",
    "f32x4.sub",
    "f32x4.mul",
    "f32x4.div",
    "f32x4.min",
    "f32x4.max",
    "f32x4.pmin",
    "f32x4.pmax",
    "f64x2.add",
    "f64x2.sub",
    "f64x2.mul",
    "f64x2.div",
    "f64x2.min",
    "f64x2.max",
    "f64x2.pmin",
    "f64x2.pmax",
    "i8x16.relaxed_swizzle",
    "f32x4.relaxed_min",
    "f32x4.relaxed_max",
    "f64x2.relaxed_min",
    "f64x2.relaxed_max",
    "i16x8.relaxed_q15mulr_s",
    "i16x8.relaxed_dot_i8x16_i7x16_s",
];
const UNARY: &[&str] = &[
    "v128.not",
    "i8x16.abs",
    "i8x16.neg",
    "i8x16.popcnt",
    "i16x8.extadd_pairwise_i8x16_s",
    "i16x8.extadd_pairwise_i8x16_u",
    "i16x8.abs",
    "i16x8.neg",
    "i16x8.extend_low_i8x16_s",
    "i16x8.extend_high_i8x16_s",
    "i16x8.extend_low_i8x16_u",
    "i16x8.extend_high_i8x16_u",
    "i32x4.extadd_pairwise_i16x8_s",
    "i32x4.extadd_pairwise_i16x8_u",
    "i32x4.abs",
    "i32x4.neg",
    "i32x4.extend_low_i16x8_s",
    "i32x4.extend_high_i16x8_s",
    "i32x4.extend_low_i16x8_u",
    "i32x4.extend_high_i16x8_u",
    "i64x2.abs",
    "i64x2.neg",
    "i64x2.extend_low_i32x4_s",
    "i64x2.extend_high_i32x4_s",
    "i64x2.extend_low_i32x4_u",
    "i64x2.extend_high_i32x4_u",
    "f32x4.ceil",
    "f32x4.floor",
    "f32x4.trunc",
    "f32x4.nearest",
    "f32x4.abs",
    "f32x4.neg",
    "f32x4.sqrt",
    "f64x2.ceil",
    "f64x2.floor",
    "f64x2.trunc",
    "f64x2.nearest",
    "f64x2.abs",
    "f64x2.neg",
    "f64x2.sqrt",
    "i32x4.trunc_sat_f32x4_s",
    "i32x4.trunc_sat_f32x4_u",
    "f32x4.convert_i32x4_s",
    "f32x4.convert_i32x4_u",
    "i32x4.trunc_sat_f64x2_s_zero",
    "i32x4.trunc_sat_f64x2_u_zero",
    "f64x2.convert_low_i32x4_s",
    "f64x2.convert_low_i32x4_u",
    "f32x4.demote_f64x2_zero",
    "f64x2.promote_low_f32x4",
    "i32x4.relaxed_trunc_f32x4_s",
    "i32x4.relaxed_trunc_f32x4_u",
    "i32x4.relaxed_trunc_f64x2_s_zero",
    "i32x4.relaxed_trunc_f64x2_u_zero",
];
const TERNARY: &[&str] = &[
    "v128.bitselect",
    "f32x4.relaxed_madd",
    "f32x4.relaxed_nmadd",
    "f64x2.relaxed_madd",
    "f64x2.relaxed_nmadd",
    "i8x16.relaxed_laneselect",
    "i16x8.relaxed_laneselect",
    "i32x4.relaxed_laneselect",
    "i64x2.relaxed_laneselect",
    "i32x4.relaxed_dot_i8x16_i7x16_add_s",
];
const TEST: &[&str] = &[
    "v128.any_true",
    "i8x16.all_true",
    "i8x16.bitmask",
    "i16x8.all_true",
    "i16x8.bitmask",
    "i32x4.all_true",
    "i32x4.bitmask",
    "i64x2.all_true",
    "i64x2.bitmask",
];
const SHIFT: &[&str] = &[
    "i8x16.shl",
    "i8x16.shr_s",
    "i8x16.shr_u",
    "i16x8.shl",
    "i16x8.shr_s",
    "i16x8.shr_u",
    "i32x4.shl",
    "i32x4.shr_s",
    "i32x4.shr_u",
    "i64x2.shl",
    "i64x2.shr_s",
    "i64x2.shr_u",
];

/// A loop that runs every SIMD instruction once per iteration (the operators above, and
/// the splats, lane accesses, loads, stores and shuffles, written out by kind), and
/// returns a value that depends on all of them.
fn simd_program() -> String {
    let mut body = String::new();
    for (k, op) in BINARY.iter().enumerate() {
        // Alternate the operands' roles, so that both change.
        let (dst, other) = if k % 2 == 0 {
            ("$a", "$b")
        } else {
            ("$b", "$a")
        };
        body += &format!("(local.set {dst} ({op} (local.get $a) (local.get {other})))\n");
    }
    for op in UNARY {
        body += &format!("(local.set $c ({op} (local.get $a)))\n");
        body += "(local.set $a (v128.xor (local.get $a) (local.get $c)))\n";
    }
    for op in TERNARY {
        body += &format!("(local.set $b ({op} (local.get $a) (local.get $b) (local.get $c)))\n");
    }
    for op in TEST {
        body += &format!("(local.set $s (i32.add (local.get $s) ({op} (local.get $b))))\n");
    }
    for op in SHIFT {
        body += &format!("(local.set $a ({op} (local.get $a) (local.get $i)))\n");
    }
    body += r#"
      (local.set $c (v128.xor (local.get $c) (i8x16.splat (local.get $s))))
      (local.set $c (v128.xor (local.get $c) (i16x8.splat (local.get $s))))
      (local.set $c (v128.xor (local.get $c) (i32x4.splat (local.get $s))))
      (local.set $c (v128.xor (local.get $c) (i64x2.splat (local.get $w))))
      (local.set $c (v128.xor (local.get $c) (f32x4.splat (f32.convert_i32_s (local.get $s)))))
      (local.set $c (v128.xor (local.get $c) (f64x2.splat (f64.convert_i32_s (local.get $s)))))
      (local.set $s (i32.add (local.get $s) (i8x16.extract_lane_s 3 (local.get $c))))
      (local.set $s (i32.add (local.get $s) (i8x16.extract_lane_u 4 (local.get $c))))
      (local.set $s (i32.add (local.get $s) (i16x8.extract_lane_s 5 (local.get $c))))
      (local.set $s (i32.add (local.get $s) (i16x8.extract_lane_u 6 (local.get $c))))
      (local.set $s (i32.add (local.get $s) (i32x4.extract_lane 1 (local.get $c))))
      (local.set $s (i32.add (local.get $s) (i32.reinterpret_f32 (f32x4.extract_lane 2 (local.get $c)))))
      (local.set $w (i64.add (local.get $w) (i64x2.extract_lane 1 (local.get $c))))
      (local.set $w (i64.add (local.get $w) (i64.reinterpret_f64 (f64x2.extract_lane 0 (local.get $c)))))
      (local.set $a (i8x16.replace_lane 7 (local.get $a) (local.get $s)))
      (local.set $a (i16x8.replace_lane 3 (local.get $a) (local.get $s)))
      (local.set $a (i32x4.replace_lane 2 (local.get $a) (local.get $s)))
      (local.set $a (f32x4.replace_lane 1 (local.get $a) (f32.convert_i32_s (local.get $s))))
      (local.set $a (i64x2.replace_lane 0 (local.get $a) (local.get $w)))
      (local.set $a (f64x2.replace_lane 1 (local.get $a) (f64.convert_i64_s (local.get $w))))
      (local.set $p (i32.and (local.get $i) (i32.const 0xff)))
      (local.set $b (v128.xor (local.get $b) (v128.load8x8_s (local.get $p))))
      (local.set $b (v128.xor (local.get $b) (v128.load8x8_u offset=1 (local.get $p))))
      (local.set $b (v128.xor (local.get $b) (v128.load16x4_s offset=2 (local.get $p))))
      (local.set $b (v128.xor (local.get $b) (v128.load16x4_u offset=3 (local.get $p))))
      (local.set $b (v128.xor (local.get $b) (v128.load32x2_s offset=4 (local.get $p))))
      (local.set $b (v128.xor (local.get $b) (v128.load32x2_u offset=5 (local.get $p))))
      (local.set $b (v128.xor (local.get $b) (v128.load8_splat offset=6 (local.get $p))))
      (local.set $b (v128.xor (local.get $b) (v128.load16_splat offset=7 (local.get $p))))
      (local.set $b (v128.xor (local.get $b) (v128.load32_splat offset=8 (local.get $p))))
      (local.set $b (v128.xor (local.get $b) (v128.load64_splat offset=9 (local.get $p))))
      (local.set $b (v128.xor (local.get $b) (v128.load32_zero offset=10 (local.get $p))))
      (local.set $b (v128.xor (local.get $b) (v128.load64_zero offset=11 (local.get $p))))
      (local.set $b (v128.load8_lane offset=12 1 (local.get $p) (local.get $b)))
      (local.set $b (v128.load16_lane offset=13 2 (local.get $p) (local.get $b)))
      (local.set $b (v128.load32_lane offset=14 3 (local.get $p) (local.get $b)))
      (local.set $b (v128.load64_lane offset=15 1 (local.get $p) (local.get $b)))
      (v128.store8_lane offset=16 9 (local.get $p) (local.get $a))
      (v128.store16_lane offset=17 4 (local.get $p) (local.get $b))
      (v128.store32_lane offset=18 2 (local.get $p) (local.get $c))
      (v128.store64_lane offset=19 0 (local.get $p) (local.get $a))
      (v128.store offset=20 (local.get $p) (v128.xor (local.get $b) (v128.load offset=21 (local.get $p))))
      (local.set $c (i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31 (local.get $a) (local.get $b)))
      (local.set $c (i8x16.shuffle 4 5 6 7 16 17 18 19 8 9 10 11 28 29 30 31 (local.get $c) (local.get $b)))
    "#;
    format!(
        r#"
(module
  (memory 1)
  (func (export "simd") (param $n i32) (result i64)
    (local $i i32) (local $s i32) (local $p i32) (local $w i64)
    (local $a v128) (local $b v128) (local $c v128)
    (local.set $a (v128.const i32x4 1 -2 3 -4))
    (local.set $b (v128.const f32x4 1.5 -2.25 3e9 -0.0))
    (loop $l
      {body}
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i64.add (local.get $w)
      (i64.add (i64.extend_i32_u (local.get $s))
        (i64x2.extract_lane 0 (v128.xor (local.get $a) (v128.xor (local.get $b) (local.get $c)))))))
)
"#
    )
}

#[test]
fn every_simd_instruction_on_a_tiny_native_stack() {
    let engine = Engine::default();
    let module = Module::new(&engine, simd_program()).expect("SIMD test program compiles");
    let handle = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            let mut store = Store::new(&engine, ());
            let inst = Instance::new(&mut store, &module, &[]).unwrap();
            let simd = inst.get_typed_func::<i32, i64>(&store, "simd").unwrap();
            // 20,000 iterations of about 300 instructions: a frame left behind per
            // execution of any one of them overflows the stack many times over.
            let first = simd.call(&mut store, 20_000).unwrap();
            let again = simd.call(&mut store, 20_000).unwrap();
            (first, again)
        })
        .unwrap();
    let (first, again) = handle
        .join()
        .expect("ran without overflowing the native stack");
    // The second run starts from the memory the first left, so only determinism of the
    // engine as a whole is checked here: the values themselves are the peers' business.
    let _ = (first, again);
}

/// GC instructions in a loop: most of their handlers call into the collector out of line,
/// where a hand-over is easiest to lose.
const GC_PROGRAM: &str = r#"
(module
  (type $pt (struct (field $x (mut i32)) (field $y (mut i64))))
  (type $base (sub (struct (field i32))))
  (type $derived (sub $base (struct (field i32) (field i32))))
  (type $ints (array (mut i32)))
  (type $bytes (array (mut i8)))
  (type $v (func (param i32) (result i32)))
  (data $d "abcdefgh")
  (func $twice (type $v) (i32.add (local.get 0) (local.get 0)))
  (elem declare func $twice)
  (func (export "gc") (param $n i32) (result i32)
    (local $i i32) (local $s i32) (local $p (ref null $pt)) (local $a (ref null $ints))
    (local $b (ref null $bytes)) (local $o (ref null $base)) (local $any anyref)
    (loop $l
      (local.set $p (struct.new $pt (local.get $i) (i64.const 5)))
      (struct.set $pt $x (local.get $p) (i32.add (struct.get $pt $x (local.get $p)) (i32.const 1)))
      (local.set $s (i32.add (local.get $s) (struct.get $pt $x (local.get $p))))
      (drop (struct.new_default $pt))
      (local.set $a (array.new $ints (local.get $i) (i32.const 8)))
      (array.set $ints (local.get $a) (i32.const 3) (local.get $s))
      (local.set $s (i32.add (local.get $s) (array.get $ints (local.get $a) (i32.const 3))))
      (local.set $s (i32.add (local.get $s) (array.len (local.get $a))))
      (array.fill $ints (local.get $a) (i32.const 0) (i32.const 7) (i32.const 2))
      (array.copy $ints $ints (local.get $a) (i32.const 1) (local.get $a) (i32.const 0) (i32.const 4))
      (drop (array.new_fixed $ints 3 (i32.const 1) (i32.const 2) (i32.const 3)))
      (drop (array.new_default $ints (i32.const 4)))
      (local.set $b (array.new_data $bytes $d (i32.const 0) (i32.const 8)))
      (local.set $s (i32.add (local.get $s) (array.get_u $bytes (local.get $b) (i32.const 2))))
      (local.set $o
        (if (result (ref $base)) (i32.and (local.get $i) (i32.const 1))
          (then (struct.new $derived (i32.const 1) (i32.const 2)))
          (else (struct.new $base (i32.const 3)))))
      (local.set $s (i32.add (local.get $s) (ref.test (ref $derived) (local.get $o))))
      (local.set $s (i32.add (local.get $s) (struct.get $base 0 (ref.cast (ref $base) (local.get $o)))))
      (local.set $any (ref.i31 (local.get $i)))
      (local.set $s (i32.add (local.get $s) (i31.get_s (ref.cast (ref i31) (local.get $any)))))
      (local.set $s (call_ref $v (local.get $s) (ref.func $twice)))
      (local.set $s (i32.and (local.get $s) (i32.const 0xffff)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $s))
)
"#;

#[test]
fn gc_instructions_on_a_tiny_native_stack() {
    let engine = Engine::default();
    let module = Module::new(&engine, GC_PROGRAM).expect("GC test program compiles");
    let handle = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            let mut store = Store::new(&engine, ());
            let inst = Instance::new(&mut store, &module, &[]).unwrap();
            let gc = inst.get_typed_func::<i32, i32>(&store, "gc").unwrap();
            // Thousands of allocations per collection: the collector runs many times.
            (
                gc.call(&mut store, 50_000).unwrap(),
                gc.call(&mut store, 50_000).unwrap(),
            )
        })
        .unwrap();
    let (first, again) = handle
        .join()
        .expect("ran without overflowing the native stack");
    assert_eq!(first, again, "the same run twice gives the same result");
}

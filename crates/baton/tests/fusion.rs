//! The translator's fused instructions compute what the unfused sequence would, in every
//! shape the fusion accepts, and stay unfused where fusing would be wrong.
//!
//! Each case is a loop whose result depends on every iteration; the expected value is
//! computed here in Rust, and the listing tells whether the fused form was chosen.

use baton::*;

mod common;
use common::instantiate;

/// Compiles `body` as `(func (export "f") (param i32) (result i32) ...)` and returns the
/// results of calling it with each input, plus the function's listing.
fn run(body: &str, inputs: &[i32]) -> (Vec<i32>, String) {
    run_in_module("", body, inputs)
}

/// [`run`] with `decls` (globals, ...) declared before the function in its module.
fn run_in_module(decls: &str, body: &str, inputs: &[i32]) -> (Vec<i32>, String) {
    let engine = Engine::default();
    let wat = format!(r#"(module {decls} (func (export "f") (param $n i32) (result i32) {body}))"#);
    let module = Module::new(&engine, &wat).expect("module compiles");
    let listing = module.disassemble(0).expect("one function");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .expect("instantiates");
    let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
    let results = inputs
        .iter()
        .map(|&n| f.call(&mut store, n).unwrap())
        .collect();
    (results, listing)
}

fn fused(listing: &str) -> bool {
    listing.contains("add.br_if")
}

#[test]
fn rotated_counter_with_slot_limit() {
    // sum of i*i for i in 0..n, with `i += 1` and `i < n` on the back edge.
    let (got, listing) = run(
        r#"(local $i i32) (local $s i32)
        (block $done (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $s (i32.add (local.get $s) (i32.mul (local.get $i) (local.get $i))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
        (local.get $s)"#,
        &[0, 1, 2, 10, 1000],
    );
    let want: Vec<i32> = [0u32, 1, 2, 10, 1000]
        .iter()
        .map(|&n| (0..n).fold(0u32, |s, i| s.wrapping_add(i * i)) as i32)
        .collect();
    assert_eq!(got, want);
    assert!(fused(&listing), "{listing}");
}

#[test]
fn slot_step_and_constant_limit() {
    // j = 0; do { j += n; count++ } while (j <s 1000)
    let (got, listing) = run(
        r#"(local $j i32) (local $c i32)
        (loop $l
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (local.set $j (i32.add (local.get $j) (local.get $n)))
          (br_if $l (i32.lt_s (local.get $j) (i32.const 1000))))
        (i32.add (i32.mul (local.get $c) (i32.const 100000)) (local.get $j))"#,
        &[1, 7, 999, 1000, 5000],
    );
    let want: Vec<i32> = [1, 7, 999, 1000, 5000]
        .iter()
        .map(|&n: &i32| {
            let (mut j, mut c) = (0i32, 0i32);
            loop {
                c += 1;
                j += n;
                if j >= 1000 {
                    break;
                }
            }
            c * 100000 + j
        })
        .collect();
    assert_eq!(got, want);
    assert!(fused(&listing), "{listing}");
}

#[test]
fn subtraction_and_swapped_comparison() {
    // i = n; do { s += i; i -= 3 } while (0 <s i)   (the counter on the right)
    let (got, listing) = run(
        r#"(local $i i32) (local $s i32)
        (local.set $i (local.get $n))
        (loop $l
          (local.set $s (i32.add (local.get $s) (local.get $i)))
          (local.set $i (i32.sub (local.get $i) (i32.const 3)))
          (br_if $l (i32.lt_s (i32.const 0) (local.get $i))))
        (i32.add (i32.mul (local.get $s) (i32.const 16)) (i32.and (local.get $i) (i32.const 15)))"#,
        &[0, 1, 3, 4, 100],
    );
    let want: Vec<i32> = [0, 1, 3, 4, 100]
        .iter()
        .map(|&n: &i32| {
            let (mut i, mut s) = (n, 0i32);
            loop {
                s += i;
                i -= 3;
                if 0 >= i {
                    break;
                }
            }
            s * 16 + (i & 15)
        })
        .collect();
    assert_eq!(got, want);
    assert!(fused(&listing), "{listing}");
}

#[test]
fn tee_against_zero_and_counter_as_its_own_step() {
    // Counting down to zero through `local.tee` and `eqz`, then doubling x until it
    // reaches n (x += x; x <u n: the counter is also the step).
    let (got, listing) = run(
        r#"(local $i i32) (local $c i32) (local $x i32)
        (local.set $i (local.get $n))
        (block $done (loop $l
          (local.set $c (i32.add (local.get $c) (i32.const 2)))
          (br_if $done (i32.eqz (local.tee $i (i32.add (local.get $i) (i32.const -1)))))
          (br $l)))
        (local.set $x (i32.const 1))
        (loop $d
          (local.set $x (i32.add (local.get $x) (local.get $x)))
          (br_if $d (i32.lt_u (local.get $x) (local.get $n))))
        (i32.add (local.get $c) (local.get $x))"#,
        &[1, 2, 5, 1000],
    );
    let want: Vec<i32> = [1, 2, 5, 1000]
        .iter()
        .map(|&n: &i32| {
            let mut x = 1u32;
            loop {
                x += x;
                if x >= n as u32 {
                    break;
                }
            }
            2 * n + x as i32
        })
        .collect();
    assert_eq!(got, want);
    assert!(fused(&listing), "{listing}");
}

#[test]
fn a_loop_parameter_that_is_its_own_condition_comes_from_the_accumulator() {
    // `local.tee $x; local.get $x; br_if $l`: the value just computed is both the test and
    // the loop's next parameter. Computed by a shift (counting n's bits) and by a load
    // (walking a chain of byte links until a zero link): either instruction's result must
    // reach the loop parameter.
    let decls = r#"(memory 1) (data (i32.const 1) "\05\00\07\01\03\00\02\04")"#;
    let bits = r#"(local $k i32) (local $x i32)
        (local.get $n)
        (loop $l (param i32) (result i32)
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (local.tee $x (i32.shr_u (i32.const 1)))
          (local.get $x)
          (br_if $l))
        (i32.add (i32.mul (local.get $k) (i32.const 16)))"#;
    let chain = r#"(local $k i32) (local $x i32)
        (local.get $n)
        (loop $l (param i32) (result i32)
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (local.tee $x (i32.load8_u))
          (local.get $x)
          (br_if $l))
        (i32.add (i32.mul (local.get $k) (i32.const 16)))"#;
    let links: [u8; 9] = [0, 5, 0, 7, 1, 3, 0, 2, 4];
    let inputs = [1, 2, 3, 7, 8, 255, 1 << 20];
    let (got, listing) = run_in_module("", bits, &inputs);
    let want: Vec<i32> = inputs
        .iter()
        .map(|&n| 16 * (32 - n.leading_zeros() as i32))
        .collect();
    assert_eq!(got, want, "{listing}");
    assert!(listing.contains("BR_IF_NEZ_COPY_A"), "{listing}");
    let inputs = [1, 2, 3, 4, 5, 7, 8];
    let (got, listing) = run_in_module(decls, chain, &inputs);
    let want: Vec<i32> = inputs
        .iter()
        .map(|&n| {
            let (mut at, mut k) = (n as usize, 0);
            loop {
                k += 1;
                at = links[at] as usize;
                if at == 0 {
                    return 16 * k;
                }
            }
        })
        .collect();
    assert_eq!(got, want, "{listing}");
    assert!(listing.contains("BR_IF_NEZ_COPY_A"), "{listing}");
}

#[test]
fn a_back_edge_carrying_the_loop_parameter_runs_the_loops_first_step() {
    // A loop whose first instruction adds a constant to its parameter (or subtracts one):
    // the branch carrying the next parameter runs that instruction itself, from the value
    // in hand. In four shapes: the value is its own condition (from the accumulator), the
    // condition is a comparison (from slots), the step's result goes on through the
    // accumulator (`ri_a`), and a 64-bit parameter.
    // v = (v - 7) & 1023 until it is 0, counting the steps in $k.
    // v = (v - step) & 1023 until it is 0, counting the steps in $k; odd steps of
    // either sign (every one reaches 0 within 1024 steps).
    let countdown = |step: i32| {
        format!(
            r#"(local $k i32)
        (i32.and (local.get $n) (i32.const 1023))
        (loop $l (param i32) (result i32)
          (i32.sub (i32.const {step}))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (i32.and (i32.const 1023))
          (local.tee $n)
          (local.get $n)
          (br_if $l))
        (i32.add (local.get $k))"#
        )
    };
    let steps_to_zero = |start: i32, step: i32| {
        let (mut v, mut k) = (start & 1023, 0);
        loop {
            v = v.wrapping_add(step) & 1023;
            k += 1;
            if v == 0 {
                return k;
            }
        }
    };
    let inputs = [0, 7, 8, 1000, 1017];
    for step in [7, 1, 333, 1023, -5, i32::MAX, i32::MIN + 1] {
        let (got, listing) = run(&countdown(step), &inputs);
        let want: Vec<i32> = inputs
            .iter()
            .map(|&n| steps_to_zero(n, step.wrapping_neg()))
            .collect();
        assert_eq!(got, want, "step {step}: {listing}");
        assert!(listing.contains("copy.br_if_nez>i32.sub"), "{listing}");
    }

    // Counts up to n (at least one step): the result is max(n, 1) rounded up to a
    // multiple of 5, plus 16 times the steps.
    let count_up = r#"(local $i i32) (local $k i32)
        (i32.const 0)
        (loop $l (param i32) (result i32)
          (i32.add (i32.const 5))
          (local.tee $i)
          (local.set $k (i32.add (local.get $k) (i32.const 16)))
          (local.get $i)
          (local.get $n)
          (i32.lt_u)
          (br_if $l))
        (i32.add (local.get $k))"#;
    let inputs = [0, 1, 5, 6, 999, 1_000_000];
    let (got, listing) = run(count_up, &inputs);
    let want: Vec<i32> = inputs
        .iter()
        .map(|&n| {
            let steps = (n.max(1) + 4) / 5;
            5 * steps + 16 * steps
        })
        .collect();
    assert_eq!(got, want, "{listing}");
    assert!(listing.contains("copy.br_if_nez>i32.add"), "{listing}");

    // v = (v + 7) & 1023 until it is 0; the step's sum goes to the `and` through the
    // accumulator. Returns the number of steps.
    let masked = r#"(local $x i32) (local $k i32)
        (i32.and (local.get $n) (i32.const 1023))
        (loop $l (param i32) (result i32)
          (i32.add (i32.const 7))
          (i32.and (i32.const 1023))
          (local.tee $x)
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (local.get $x)
          (br_if $l))
        (drop)
        (local.get $k)"#;
    let inputs = [0, 1, 7, 1000, 1017];
    let (got, listing) = run(masked, &inputs);
    let want: Vec<i32> = inputs.iter().map(|&n| steps_to_zero(n, 7)).collect();
    assert_eq!(got, want, "{listing}");
    assert!(listing.contains("copy.br_if_nez>i32.add"), "{listing}");

    // A 64-bit parameter stepped down from 2^32 + n by 2^31 - 1 while it stays above
    // 2^31: a step that wraps at 32 bits would stop elsewhere.
    let wide = r#"
        (i64.add (i64.const 0x1_0000_0000) (i64.extend_i32_u (local.get $n)))
        (loop $l (param i64) (result i64)
          (i64.sub (i64.const 0x7fff_ffff))
          (local.tee 1)
          (i64.gt_u (local.get 1) (i64.const 0x8000_0000))
          (br_if $l))
        (i32.wrap_i64 (i64.shr_u (i64.const 8)))"#;
    let inputs = [0, 5, 1 << 30, i32::MAX];
    let (got, listing) = run(&format!("(local i64) {wide}"), &inputs);
    let want: Vec<i32> = inputs
        .iter()
        .map(|&n| {
            let mut v = (1u64 << 32) + n as u32 as u64;
            loop {
                v -= 0x7fff_ffff;
                if v <= 0x8000_0000 {
                    return (v >> 8) as i32;
                }
            }
        })
        .collect();
    assert_eq!(got, want, "{listing}");
    assert!(listing.contains("copy.br_if_nez>i64.sub"), "{listing}");

    // The first instruction reads another local, not the parameter: the branch stays
    // as it is (running the step from the value it carries would be wrong).
    let other = r#"(local $k i32)
        (local.get $n)
        (loop $l (param i32) (result i32)
          (local.set $k (i32.add (local.get $k) (i32.const 2)))
          (i32.sub (i32.const 1))
          (local.tee $n)
          (local.get $n)
          (br_if $l))
        (i32.add (local.get $k))"#;
    let (got, listing) = run(other, &[1, 10]);
    assert_eq!(got, vec![2, 20], "{listing}");
    assert!(!listing.contains("copy.br_if_nez>"), "{listing}");
}

#[test]
fn not_fused_across_a_branch_target() {
    // The block's end is a branch target between the add and the loop's test: a path
    // that skips the add must still run the test.
    let (got, listing) = run(
        r#"(local $i i32) (local $c i32)
        (loop $l
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (block $b
            (br_if $b (i32.and (local.get $c) (i32.const 1)))
            (local.set $i (i32.add (local.get $i) (i32.const 1))))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (local.get $c)"#,
        &[1, 2, 10],
    );
    // `i` advances on every second iteration: n increments take 2n iterations.
    assert_eq!(got, vec![2, 4, 20]);
    assert!(!fused(&listing), "{listing}");
}

#[test]
fn folded_address_adds_wrap_at_32_bits() {
    // `p + k` wraps before the offset is added: with p = 0 and k = -1 the address is
    // 0xffff_ffff (out of bounds), not -1 + offset.
    let engine = Engine::default();
    let wat = r#"(module (memory 1)
        (data (i32.const 0) "\01\02\03\04\05\06\07\08")
        (func (export "ri") (param $p i32) (result i32)
          (i32.load8_u offset=2 (i32.add (local.get $p) (i32.const -1))))
        (func (export "rr") (param $p i32) (param $q i32) (result i32)
          (i32.load16_u offset=1 (i32.add (local.get $p) (local.get $q)))))"#;
    let module = Module::new(&engine, wat).unwrap();
    let listings = [
        module.disassemble(0).unwrap(),
        module.disassemble(1).unwrap(),
    ];
    assert!(listings[0].contains("LOAD8_U::ri"), "{}", listings[0]);
    assert!(listings[1].contains("LOAD16_U::rr"), "{}", listings[1]);
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let ri = instance.get_typed_func::<i32, i32>(&store, "ri").unwrap();
    let rr = instance
        .get_typed_func::<(i32, i32), i32>(&store, "rr")
        .unwrap();
    assert_eq!(ri.call(&mut store, 1).unwrap(), 3);
    assert_eq!(ri.call(&mut store, 5).unwrap(), 7);
    let trap = ri.call(&mut store, 0).unwrap_err();
    assert_eq!(trap.trap_code(), Some(TrapCode::MemoryOutOfBounds));
    assert_eq!(rr.call(&mut store, (2, 3)).unwrap(), 0x0807);
    // -8 + 10 wraps to 2.
    assert_eq!(rr.call(&mut store, (-8, 10)).unwrap(), 0x0504);
    let trap = rr.call(&mut store, (-1, 0)).unwrap_err();
    assert_eq!(trap.trap_code(), Some(TrapCode::MemoryOutOfBounds));
    // The store is usable after the traps.
    assert_eq!(ri.call(&mut store, 1).unwrap(), 3);
}

#[test]
fn scaled_index_addresses() {
    // `base + (i << k)` and loads from `(i << k) + offset`: shift counts are taken mod 32
    // and the shifted index wraps at 32 bits.
    let engine = Engine::default();
    let wat = r#"(module (memory 1)
        (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
        (func (export "elem") (param $base i32) (param $i i32) (result i32)
          (i32.load8_u (i32.add (local.get $base) (i32.shl (local.get $i) (i32.const 33)))))
        (func (export "addr") (param $base i32) (param $i i32) (result i32)
          (i32.add (i32.shl (local.get $i) (i32.const 2)) (local.get $base)))
        (func (export "table") (param $i i32) (result i32)
          (i32.load16_u offset=2 (i32.shl (local.get $i) (i32.const 1)))))"#;
    let module = Module::new(&engine, wat).unwrap();
    let listing: String = (0..3).map(|i| module.disassemble(i).unwrap()).collect();
    assert!(listing.contains("I32_ADD_SHL"), "{listing}");
    assert!(listing.contains("LOAD16_U::sh"), "{listing}");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let elem = instance
        .get_typed_func::<(i32, i32), i32>(&store, "elem")
        .unwrap();
    let addr = instance
        .get_typed_func::<(i32, i32), i32>(&store, "addr")
        .unwrap();
    let table = instance
        .get_typed_func::<i32, i32>(&store, "table")
        .unwrap();
    // Shift by 33 is a shift by 1.
    assert_eq!(elem.call(&mut store, (3, 4)).unwrap(), 12);
    // (0x8000_0004 << 1) wraps to 8.
    assert_eq!(elem.call(&mut store, (1, i32::MIN + 4)).unwrap(), 10);
    assert_eq!(addr.call(&mut store, (100, 3)).unwrap(), 112);
    assert_eq!(addr.call(&mut store, (-4, 1)).unwrap(), 0);
    assert_eq!(table.call(&mut store, 1).unwrap(), 0x0605);
    // (0x8000_0001 << 1) wraps to 2; + offset 2 reads bytes 4 and 5.
    assert_eq!(table.call(&mut store, i32::MIN + 1).unwrap(), 0x0605);
    let trap = table.call(&mut store, 0x7fff_ffff).unwrap_err();
    assert_eq!(trap.trap_code(), Some(TrapCode::MemoryOutOfBounds));
}

#[test]
fn bit_field_extraction() {
    // `(x >> k) & m`, to a local and straight into the next operation; k is taken mod 32.
    let (got, listing) = run(
        r#"(local $f i32)
        (local.set $f (i32.and (i32.shr_u (local.get $n) (i32.const 4)) (i32.const 0xff)))
        (i32.add (local.get $f)
          (i32.mul (i32.and (i32.shr_u (local.get $n) (i32.const 60)) (i32.const 7)) (i32.const 1000)))"#,
        &[0, 0x1234_5678, -1],
    );
    let want: Vec<i32> = [0u32, 0x1234_5678, u32::MAX]
        .iter()
        .map(|&n| (((n >> 4) & 0xff) + ((n >> 28) & 7) * 1000) as i32)
        .collect();
    assert_eq!(got, want);
    assert!(listing.contains("I32_SHR_U_AND"), "{listing}");
}

#[test]
fn jumps_to_returns_become_returns() {
    // Branches out of nested blocks straight to the function's end, with a constant, a
    // copied local or computed value as the result, and two results (which must still
    // be moved into place before returning).
    let engine = Engine::default();
    let wat = r#"(module
        (func (export "pick") (param $n i32) (param $x i32) (result i32)
          (block $out (result i32)
            (block $inner (result i32)
              (drop (br_if $out (i32.const 7) (i32.eqz (local.get $n))))
              (drop (br_if $inner (local.get $x) (i32.eq (local.get $n) (i32.const 1))))
              (i32.mul (local.get $x) (local.get $n)))
            (br $out))
          )
        (func (export "pair") (param $n i32) (result i32 i32)
          (block $b (result i32 i32)
            (br_if $b (i32.const 10) (local.get $n) (local.get $n))
            (drop) (drop)
            (i32.const 20) (local.get $n))))"#;
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let pick = instance
        .get_typed_func::<(i32, i32), i32>(&store, "pick")
        .unwrap();
    assert_eq!(pick.call(&mut store, (0, 5)).unwrap(), 7);
    assert_eq!(pick.call(&mut store, (1, 5)).unwrap(), 5);
    assert_eq!(pick.call(&mut store, (3, 5)).unwrap(), 15);
    let pair = instance
        .get_typed_func::<i32, (i32, i32)>(&store, "pair")
        .unwrap();
    assert_eq!(pair.call(&mut store, 0).unwrap(), (20, 0));
    assert_eq!(pair.call(&mut store, 4).unwrap(), (10, 4));
}

#[test]
fn loads_that_only_decide_a_branch() {
    // Count the non-zero bytes before the first zero (a `while (*p)` loop), and the
    // non-zero 16-bit words among the first n (an `if (p[i])` test), with signed loads,
    // a constant-offset address and an out-of-bounds access at the end of memory.
    let engine = Engine::default();
    let wat = r#"(module (memory 1)
        (data (i32.const 0) "\01\80\ff\07\00\05")
        (data (i32.const 100) "\00\00\00\80\01\00\00\00")
        (func (export "strlen") (param $p i32) (result i32) (local $n i32)
          (block $done (loop $l
            (br_if $done (i32.eqz (i32.load8_s (i32.add (local.get $p) (i32.const 0)))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (br $l)))
          (local.get $n))
        (func (export "nonzero16") (param $n i32) (result i32) (local $i i32) (local $c i32)
          (block $done (loop $l
            (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
            (if (i32.load16_s offset=100 (i32.shl (local.get $i) (i32.const 1)))
              (then (local.set $c (i32.add (local.get $c) (i32.const 1)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $l)))
          (local.get $c))
        (func (export "last") (param $p i32) (result i32)
          (if (result i32) (i32.load (local.get $p)) (then (i32.const 1)) (else (i32.const 0)))))"#;
    let module = Module::new(&engine, wat).unwrap();
    let listing: String = (0..3).map(|i| module.disassemble(i).unwrap()).collect();
    assert!(listing.contains("LOAD8_BR::nez_ri"), "{listing}");
    assert!(listing.contains("LOAD32_BR::eqz_r"), "{listing}");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let strlen = instance
        .get_typed_func::<i32, i32>(&store, "strlen")
        .unwrap();
    let nonzero16 = instance
        .get_typed_func::<i32, i32>(&store, "nonzero16")
        .unwrap();
    let last = instance.get_typed_func::<i32, i32>(&store, "last").unwrap();
    assert_eq!(strlen.call(&mut store, 0).unwrap(), 4);
    assert_eq!(strlen.call(&mut store, 4).unwrap(), 0);
    assert_eq!(strlen.call(&mut store, 5).unwrap(), 1);
    assert_eq!(nonzero16.call(&mut store, 4).unwrap(), 2);
    assert_eq!(last.call(&mut store, 100).unwrap(), 1);
    assert_eq!(last.call(&mut store, 200).unwrap(), 0);
    assert_eq!(last.call(&mut store, 102).unwrap(), 1);
    assert_eq!(last.call(&mut store, 65532).unwrap(), 0);
    let trap = last.call(&mut store, 65533).unwrap_err();
    assert_eq!(trap.trap_code(), Some(TrapCode::MemoryOutOfBounds));
    // Past the end of memory, byte by byte: memory after the data is zero, so strlen
    // stops; from the last byte it stops too.
    assert_eq!(strlen.call(&mut store, 65535).unwrap(), 0);
    let trap = strlen.call(&mut store, 65536).unwrap_err();
    assert_eq!(trap.trap_code(), Some(TrapCode::MemoryOutOfBounds));
}

#[test]
fn metered_loops_fuse_and_charge_every_iteration() {
    // With fuel and interruption checks on the back edge, the counter update moves after
    // them and still fuses with the exit test; each iteration costs its 13 operators.
    let mut config = Config::new();
    config.consume_fuel(true).interruptible(true);
    let engine = Engine::new(&config);
    let wat = r#"(module (func (export "sum") (param $n i32) (result i32) (local $i i32) (local $s i32)
        (block $d (loop $l
          (br_if $d (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $s (i32.add (local.get $s) (local.get $i)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
        (local.get $s)))"#;
    let module = Module::new(&engine, wat).unwrap();
    let listing = module.disassemble(0).unwrap();
    assert!(listing.contains("add.br_if"), "{listing}");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let sum = instance.get_typed_func::<i32, i32>(&store, "sum").unwrap();
    let mut used = |n: i32| {
        store.set_fuel(1_000_000).unwrap();
        assert_eq!(sum.call(&mut store, n).unwrap(), (0..n).sum::<i32>());
        1_000_000 - store.get_fuel().unwrap()
    };
    // (The first call also pays for translating the function: see `tests/lazy.rs`.)
    used(0);
    let (u10, u11, u100) = (used(10), used(11), used(100));
    assert_eq!(u11 - u10, 13);
    assert_eq!(u100 - u10, 90 * 13);
    assert!(listing.contains("ADD_BR_I32_LT_U::is_fuel"), "{listing}");

    // Running out at the fused back edge and resuming there: same result, same total.
    let f = instance.get_func(&store, "sum").unwrap();
    let mut results = [Val::I32(0)];
    // (Each slice must cover the largest block, 13 operators, to make progress.)
    store.set_fuel(50).unwrap();
    let mut call = f
        .call_resumable(&mut store, &[Val::I32(100)], &mut results)
        .unwrap();
    let mut total = 0;
    let mut slices = 0;
    while let ResumableCall::OutOfFuel(inv) = call {
        total += 50 - store.get_fuel().unwrap();
        slices += 1;
        store.set_fuel(50).unwrap();
        call = inv.resume(&mut store, &[], &mut results).unwrap();
    }
    total += 50 - store.get_fuel().unwrap();
    assert!(matches!(call, ResumableCall::Finished));
    assert!(slices > 10, "{slices}");
    assert_eq!(results[0].i32(), Some((0..100).sum::<i32>()));
    assert_eq!(total, u100);
}

#[test]
fn metered_and_unmetered_agree_when_a_block_ends_before_the_back_edge() {
    // The loop's last block starts at a label (so with fuel it opens with its own charge,
    // still growing as the operators after the back edge are translated), then counts
    // up to zero by 4 and does more work after the branch.
    let wat = r#"(module (func (export "f") (param $n i32) (result i32)
        (local $i i32) (local $s i32)
        (local.set $i (i32.mul (local.get $n) (i32.const -4)))
        (loop $l
          (block $b
            (br_if $b (i32.and (local.get $i) (i32.const 8)))
            (local.set $s (i32.add (local.get $s) (i32.const 100))))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br_if $l (local.get $i))
          (local.set $s (i32.add (local.get $s) (i32.const 1))))
        (local.get $s)))"#;
    let run = |metered: bool, n: i32| {
        let mut config = Config::new();
        config.consume_fuel(metered);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        if metered {
            store.set_fuel(1_000_000).unwrap();
        }
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
        f.call(&mut store, n).unwrap()
    };
    for n in [1, 2, 10, 37] {
        assert_eq!(run(true, n), run(false, n), "n = {n}");
    }
}

/// Three and four argument copies fold into a direct call (`copy3.call`, `copy4.call`),
/// across a deep recursion that grows the frame vector (the call instruction then runs
/// again, copies included). Copies that read a slot an earlier one writes stay apart.
#[test]
fn calls_fold_three_and_four_argument_copies() {
    let wat = r#"(module
      (func $walk3 (export "walk3") (param $n i32) (param $a i32) (param $b i32) (param $c i32)
        (result i32)
        (if (result i32) (i32.eqz (local.get $n))
          (then (i32.add (local.get $a) (i32.mul (local.get $c) (i32.const 7))))
          (else (i32.add
            (call $walk3 (i32.sub (local.get $n) (i32.const 1))
              (local.get $b) (local.get $c) (local.get $a))
            (i32.mul (local.get $a) (i32.const 3))))))
      (func $walk4 (export "walk4") (param $n i32) (param $a i32) (param $b i32) (param $c i32)
        (param $d i32) (result i32)
        (if (result i32) (i32.eqz (local.get $n))
          (then (i32.add (local.get $a) (i32.mul (local.get $d) (i32.const 7))))
          (else (i32.add
            (call $walk4 (i32.sub (local.get $n) (i32.const 1))
              (local.get $b) (local.get $c) (local.get $d) (local.get $a))
            (i32.mul (local.get $a) (i32.const 3))))))
      (func $sum3 (param i32 i32 i32) (result i32)
        (i32.add (local.get 0) (i32.mul (i32.add (local.get 1) (local.get 2)) (i32.const 10))))
      ;; `a = c`, then the call passes `a`: the four copies, run twice, would pass `c` the
      ;; second time round (`a` written by the first).
      (func (export "shuffle") (param $a i32) (param $b i32) (param $c i32) (param $d i32)
        (result i32)
        (local.set $a (local.get $c))
        (call $sum3 (local.get $b) (local.get $a) (local.get $d))))"#;
    let engine = Engine::default();
    let module = Module::new(&engine, wat).expect("module compiles");
    let walk3 = module.disassemble(0).unwrap();
    assert!(walk3.contains("copy3.call "), "{walk3}");
    let walk4 = module.disassemble(1).unwrap();
    assert!(walk4.contains("copy4.call "), "{walk4}");
    let shuffle = module.disassemble(3).unwrap();
    assert!(
        shuffle.contains("copy2 ") && shuffle.contains("copy2.call "),
        "the copies that read each other stay apart:\n{shuffle}"
    );
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .expect("instantiates");
    let w3 = instance
        .get_typed_func::<(i32, i32, i32, i32), i32>(&store, "walk3")
        .unwrap();
    let w4 = instance
        .get_typed_func::<(i32, i32, i32, i32, i32), i32>(&store, "walk4")
        .unwrap();
    let shuffle = instance
        .get_typed_func::<(i32, i32, i32, i32), i32>(&store, "shuffle")
        .unwrap();
    // Iteratively, to not depend on the host's stack: each level adds `3 * a` and rotates.
    fn want(n: i32, mut args: Vec<i32>) -> i32 {
        let mut extra = 0i32;
        for _ in 0..n {
            extra = extra.wrapping_add(args[0].wrapping_mul(3));
            args.rotate_left(1);
        }
        let last = *args.last().unwrap();
        args[0]
            .wrapping_add(last.wrapping_mul(7))
            .wrapping_add(extra)
    }
    for n in [0, 1, 2, 5, 3000] {
        assert_eq!(
            w3.call(&mut store, (n, 1, 20, 300)).unwrap(),
            want(n, vec![1, 20, 300]),
            "walk3({n})"
        );
        assert_eq!(
            w4.call(&mut store, (n, 1, 20, 300, 4000)).unwrap(),
            want(n, vec![1, 20, 300, 4000]),
            "walk4({n})"
        );
    }
    // sum3(b, c, d) = b + (c + d) * 10.
    assert_eq!(
        shuffle.call(&mut store, (1, 2, 3, 4)).unwrap(),
        2 + (3 + 4) * 10
    );
}

#[test]
fn calls_make_their_argument_copies() {
    // `walk` recurses 3000 deep (the frame vector grows on the way, which runs the call
    // instruction again) and passes its locals as arguments, swapped: the copies fold into
    // the calls. `via_table` does the same through `call_indirect`. `shuffle` moves `b`
    // into `a` and then passes `a`: a pair of copies that must not be made twice.
    let wat = r#"(module
      (type $t (func (param i32 i32 i32) (result i32)))
      (table 1 funcref) (elem (i32.const 0) $via_table)
      (func $walk (export "walk") (param $n i32) (param $a i32) (param $b i32) (result i32)
        (if (result i32) (i32.eqz (local.get $n))
          (then (local.get $a))
          (else (i32.add
            (call $walk (i32.sub (local.get $n) (i32.const 1)) (local.get $b) (local.get $a))
            (i32.mul (local.get $a) (i32.const 3))))))
      (func $via_table (export "via_table") (param $n i32) (param $a i32) (param $b i32) (result i32)
        (local $zero i32)
        (if (result i32) (i32.eqz (local.get $n))
          (then (local.get $b))
          (else (i32.xor
            (call_indirect (type $t)
              (i32.sub (local.get $n) (i32.const 1)) (local.get $b) (local.get $a) (local.get $zero))
            (i32.add (local.get $a) (i32.const 7))))))
      (func $id (param i32) (result i32) (local.get 0))
      (func (export "shuffle") (param $a i32) (param $b i32) (result i32)
        (local.set $a (local.get $b))
        (i32.add (call $id (local.get $a)) (local.get $a)))
      (func (export "plus_one") (param $x i32) (result i32)
        (i32.add (call $id (local.get $x)) (i32.const 1))))"#;
    let engine = Engine::default();
    let module = Module::new(&engine, wat).expect("module compiles");
    let listings: String = (0..5).map(|f| module.disassemble(f).unwrap()).collect();
    for form in ["copy.call ", "copy2.call ", "copy.call_indirect "] {
        assert!(listings.contains(form), "no {form} in\n{listings}");
    }
    let shuffle_listing = module.disassemble(3).unwrap();
    assert!(
        shuffle_listing.contains("copy2 ") && shuffle_listing.contains(" call "),
        "the copies that read each other stay apart:\n{shuffle_listing}"
    );
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .expect("instantiates");
    let walk = instance
        .get_typed_func::<(i32, i32, i32), i32>(&store, "walk")
        .unwrap();
    let via_table = instance
        .get_typed_func::<(i32, i32, i32), i32>(&store, "via_table")
        .unwrap();
    let shuffle = instance
        .get_typed_func::<(i32, i32), i32>(&store, "shuffle")
        .unwrap();
    fn want_walk(n: i32, a: i32, b: i32) -> i32 {
        // Iterative, to not depend on the host's stack.
        let (mut a, mut b, mut extra) = (a, b, 0i32);
        for _ in 0..n {
            extra = extra.wrapping_add(a.wrapping_mul(3));
            (a, b) = (b, a);
        }
        a.wrapping_add(extra)
    }
    fn want_table(n: i32, a: i32, b: i32) -> i32 {
        let mut adds = Vec::new();
        let (mut a, mut b) = (a, b);
        for _ in 0..n {
            adds.push(a.wrapping_add(7));
            (a, b) = (b, a);
        }
        adds.iter().rev().fold(b, |r, &x| r ^ x)
    }
    for (n, a, b) in [(0, 5, 9), (1, 5, 9), (17, -3, 11), (3000, 123, 456)] {
        assert_eq!(
            walk.call(&mut store, (n, a, b)).unwrap(),
            want_walk(n, a, b)
        );
        assert_eq!(
            via_table.call(&mut store, (n, a, b)).unwrap(),
            want_table(n, a, b)
        );
    }
    assert_eq!(shuffle.call(&mut store, (1, 20)).unwrap(), 40);
    let plus_one = instance
        .get_typed_func::<i32, i32>(&store, "plus_one")
        .unwrap();
    assert_eq!(plus_one.call(&mut store, 41).unwrap(), 42);
}

#[test]
fn a_second_counter_joins_the_back_edge() {
    // A loop in the shape compilers give a strength-reduced loop: a pointer-like counter
    // `p` steps by a constant just before `i += 1; i != n` closes the loop. The listing
    // must show the two-counter back edge; results must match whatever the counters alias.
    let (got, listing) = run(
        r#"(local $i i32) (local $p i32) (local $s i32)
        (local.set $p (i32.const 0x7ffffff0))
        (if (i32.ne (local.get $n) (i32.const 0)) (then
          (loop $l
            (local.set $s (i32.xor (i32.add (local.get $s) (local.get $p)) (local.get $i)))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                              (local.get $n))))))
        (i32.add (local.get $s) (local.get $p))"#,
        &[0, 1, 2, 7, 1000],
    );
    let want: Vec<i32> = [0u32, 1, 2, 7, 1000]
        .iter()
        .map(|&n| {
            let (mut s, mut p) = (0u32, 0x7fff_fff0u32);
            for i in 0..n {
                s = s.wrapping_add(p) ^ i;
                p = p.wrapping_add(4);
            }
            s.wrapping_add(p) as i32
        })
        .collect();
    assert_eq!(got, want);
    assert!(listing.contains("add.add.br_if"), "{listing}");

    // The second counter is the loop's own limit: it must be stepped before the test.
    let (got, listing) = run(
        r#"(local $i i32) (local $lim i32) (local $c i32)
        (local.set $lim (local.get $n))
        (loop $l
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (local.set $lim (i32.add (local.get $lim) (i32.const 1)))
          (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 3)))
                              (local.get $lim))))
        (i32.add (i32.mul (local.get $c) (i32.const 1000)) (local.get $i))"#,
        &[0, 1, 5, 100],
    );
    let want: Vec<i32> = [0u32, 1, 5, 100]
        .iter()
        .map(|&n| {
            let (mut i, mut lim, mut c) = (0u32, n, 0u32);
            loop {
                c += 1;
                lim = lim.wrapping_add(1);
                i = i.wrapping_add(3);
                if i >= lim {
                    break;
                }
            }
            (c * 1000 + i) as i32
        })
        .collect();
    assert_eq!(got, want);
    assert!(listing.contains("add.add.br_if"), "{listing}");
}

#[test]
fn multiply_adds_in_every_form() {
    // s += i * n (two slots); p = base + i * 12 (slot times constant, plus a slot);
    // x = x * 1103515245 + 12345 (an affine step, both constants); y = 7 + i * 3 (the
    // constant first); z = z * z + z (every operand the destination); w += (i ^ 5) * n
    // (the accumulator times a slot). All wrap at 32 bits.
    let (got, listing) = run(
        r#"(local $i i32) (local $s i32) (local $p i32) (local $x i32) (local $y i32)
        (local $z i32) (local $base i32) (local $w i32)
        (local.set $x (i32.const 1))
        (local.set $z (i32.const 3))
        (local.set $base (i32.const 0x7ffffff0))
        (block $done (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $s (i32.add (local.get $s) (i32.mul (local.get $i) (local.get $n))))
          (local.set $p (i32.add (local.get $base) (i32.mul (local.get $i) (i32.const 12))))
          (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))
          (local.set $y (i32.add (i32.const 7) (i32.mul (local.get $i) (i32.const 3))))
          (local.set $z (i32.add (i32.mul (local.get $z) (local.get $z)) (local.get $z)))
          (local.set $w (i32.add (local.get $w)
            (i32.mul (i32.xor (local.get $i) (i32.const 5)) (local.get $n))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
        (i32.xor (i32.xor (i32.xor (local.get $s) (local.get $p))
                          (i32.xor (local.get $x) (local.get $y)))
                 (i32.add (i32.mul (local.get $z) (i32.const 31)) (local.get $w)))"#,
        &[0, 1, 5, 1000],
    );
    let want: Vec<i32> = [0u32, 1, 5, 1000]
        .iter()
        .map(|&n| {
            let (mut s, mut p, mut x, mut y, mut z, mut w) = (0u32, 0u32, 1u32, 0u32, 3u32, 0u32);
            for i in 0..n {
                s = s.wrapping_add(i.wrapping_mul(n));
                p = 0x7fff_fff0u32.wrapping_add(i.wrapping_mul(12));
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                y = 7u32.wrapping_add(i.wrapping_mul(3));
                z = z.wrapping_mul(z).wrapping_add(z);
                w = w.wrapping_add((i ^ 5).wrapping_mul(n));
            }
            (s ^ p ^ x ^ y ^ z.wrapping_mul(31).wrapping_add(w)) as i32
        })
        .collect();
    assert_eq!(got, want);
    for form in [
        "I32_MUL_ADD::rr ",
        "I32_MUL_ADD::ir ",
        "I32_MUL_ADD::ii ",
        "I32_MUL_ADD::ar ",
    ] {
        assert!(listing.contains(form), "{form} missing:\n{listing}");
    }
    // (The last line's `z * 31 + w` fuses too.)
    assert_eq!(listing.matches("i32.mul_add").count(), 7, "{listing}");
}

/// A loop whose body is a two-way `if` or a `br_table` switch: every arm ends by jumping to
/// the loop's back edge.
const SWITCH_LOOP: &str = r#"(local $i i32) (local $s i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (block $next
        (block $c3 (block $c2 (block $c1 (block $c0
          (br_table $c0 $c1 $c2 $c3 (i32.rem_u (local.get $i) (i32.const 4))))
          (local.set $s (i32.add (local.get $s) (i32.const 1)))
          (br $next))
          (local.set $s (i32.mul (local.get $s) (i32.const 3)))
          (br $next))
          (local.set $s (i32.add (local.get $i) (local.get $s)))
          (local.set $s (local.get $i))
          (br $next))
        (if (i32.and (local.get $i) (i32.const 1))
          (then (local.set $s (i32.xor (local.get $s) (local.get $i))))
          (else (local.set $s (i32.sub (local.get $s) (i32.const 5))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $s)"#;

fn switch_loop(n: u32) -> i32 {
    let mut s = 0u32;
    for i in 0..n {
        s = match i % 4 {
            0 => s.wrapping_add(1),
            1 => s.wrapping_mul(3),
            2 => i,
            _ if i & 1 == 1 => s ^ i,
            _ => s.wrapping_sub(5),
        };
    }
    s as i32
}

#[test]
fn jumps_to_a_back_edge_run_it_in_place() {
    let inputs = [0, 1, 2, 3, 4, 100];
    let (got, listing) = run(SWITCH_LOOP, &inputs);
    let want: Vec<i32> = inputs.iter().map(|&n| switch_loop(n as u32)).collect();
    assert_eq!(got, want);
    // The arms' jumps (the `if`'s too) became vias of the back edge, the one that makes a
    // copy first too.
    assert!(listing.matches("br>add.br_if").count() >= 4, "{listing}");
    assert!(listing.contains("copy.br>add.br_if"), "{listing}");
}

#[test]
fn metered_switch_loops_charge_and_resume_exactly() {
    // Metered code charges fuel at every label, so the arms' jumps land on a charge: they
    // become vias of the charge (`br>fuel`), which must charge exactly as the jump and the
    // charge did, and stop and resume at the charge.
    let mut config = Config::new();
    config.consume_fuel(true).interruptible(true);
    let engine = Engine::new(&config);
    let wat = format!(r#"(module (func (export "f") (param $n i32) (result i32) {SWITCH_LOOP}))"#);
    let module = Module::new(&engine, &wat).unwrap();
    let listing = module.disassemble(0).unwrap();
    assert!(listing.contains("fuel.add.br_if"), "{listing}");
    assert!(listing.contains("br>fuel"), "{listing}");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = instance.get_func(&store, "f").unwrap();
    let mut results = [Val::I32(0)];
    // Whole runs, then the same run in slices that stop all over the loop. (A first call
    // pays for translating the function, once: see `tests/lazy.rs`.)
    store.set_fuel(1_000_000).unwrap();
    f.call(&mut store, &[Val::I32(0)], &mut results).unwrap();
    store.set_fuel(1_000_000).unwrap();
    f.call(&mut store, &[Val::I32(300)], &mut results).unwrap();
    assert_eq!(results[0].i32(), Some(switch_loop(300)));
    let whole = 1_000_000 - store.get_fuel().unwrap();
    for slice in [40, 41, 47, 53] {
        store.set_fuel(slice).unwrap();
        let mut call = f
            .call_resumable(&mut store, &[Val::I32(300)], &mut results)
            .unwrap();
        let mut total = 0;
        while let ResumableCall::OutOfFuel(inv) = call {
            total += slice - store.get_fuel().unwrap();
            store.set_fuel(slice).unwrap();
            call = inv.resume(&mut store, &[], &mut results).unwrap();
        }
        total += slice - store.get_fuel().unwrap();
        assert!(matches!(call, ResumableCall::Finished));
        assert_eq!(results[0].i32(), Some(switch_loop(300)), "slice {slice}");
        assert_eq!(total, whole, "slice {slice}");
    }
}

#[test]
fn stores_to_a_sum_of_two_slots() {
    // `base[i] = v` with the address an `i32.add` of two locals: the value from a local,
    // computed into the accumulator, and the sum wrapping at 32 bits before the offset.
    let wat = r#"(module (memory 1)
      (func (export "f") (param $base i32) (param $n i32) (result i32)
        (local $i i32) (local $s i32)
        (block $d (loop $l
          (br_if $d (i32.ge_u (local.get $i) (local.get $n)))
          (i32.store8 (i32.add (local.get $base) (local.get $i)) (local.get $i))
          (i32.store16 offset=1000 (i32.add (local.get $base) (local.get $i))
            (i32.mul (local.get $i) (i32.const 3)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
        ;; Read back through plain loads.
        (local.set $i (i32.const 0))
        (block $d (loop $l
          (br_if $d (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $s (i32.add (local.get $s)
            (i32.add (i32.load8_u (i32.add (local.get $base) (local.get $i)))
                     (i32.load16_u offset=1000 (i32.add (local.get $base) (local.get $i))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
        (local.get $s))
      (func (export "wrap") (param $a i32) (param $b i32) (param $v i32)
        (i32.store offset=8 (i32.add (local.get $a) (local.get $b)) (local.get $v)))
      (func (export "peek") (param $p i32) (result i32) (i32.load (local.get $p))))"#;
    let engine = Engine::default();
    let module = Module::new(&engine, wat).unwrap();
    let listing = module.disassemble(0).unwrap();
    assert!(listing.contains("STORE8::sum_r "), "{listing}");
    assert!(listing.contains("STORE16::sum_va "), "{listing}");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = instance
        .get_typed_func::<(i32, i32), i32>(&store, "f")
        .unwrap();
    for (base, n) in [(0, 0), (7, 1), (1000, 300)] {
        // The same stores and loads on a model of the memory (the 16-bit stores overlap).
        let mut mem = vec![0u8; 65536];
        for i in 0..n {
            mem[base + i] = i as u8;
            let v = ((i * 3) as u16).to_le_bytes();
            mem[base + i + 1000..base + i + 1002].copy_from_slice(&v);
        }
        let want: usize = (0..n)
            .map(|i| {
                let p = base + i + 1000;
                mem[base + i] as usize + u16::from_le_bytes([mem[p], mem[p + 1]]) as usize
            })
            .sum();
        let got = f.call(&mut store, (base as i32, n as i32)).unwrap();
        assert_eq!(got, want as i32, "base {base}, n {n}");
    }
    let wrap = instance
        .get_typed_func::<(i32, i32, i32), ()>(&store, "wrap")
        .unwrap();
    let peek = instance.get_typed_func::<i32, i32>(&store, "peek").unwrap();
    // -4 + 20 wraps to 16; plus the offset, 24.
    wrap.call(&mut store, (-4, 20, 0x1234_5678)).unwrap();
    assert_eq!(peek.call(&mut store, 24).unwrap(), 0x1234_5678);
    // A sum past the memory traps (the offset is added without wrapping).
    let err = wrap.call(&mut store, (65536 - 8, 0, 1)).unwrap_err();
    assert!(
        matches!(err, Error::Trap(ref t) if t.code() == TrapCode::MemoryOutOfBounds),
        "{err}"
    );
    let err = wrap.call(&mut store, (-1, -1, 1)).unwrap_err();
    assert!(
        matches!(err, Error::Trap(ref t) if t.code() == TrapCode::MemoryOutOfBounds),
        "{err}"
    );
}

#[test]
fn sixty_four_bit_counters_fuse_and_wrap_at_64_bits() {
    // An i64 counter stepped by a constant, by a slot, and down by a `sub`, against
    // constant and slot limits, signed and unsigned: each loop counts its iterations.
    let cases = [
        // (init, step code, compare, limit, expected iterations for n)
        (
            "(i64.const 0)",
            "(i64.add (local.get $i) (i64.const 3))",
            "i64.lt_u",
            "(i64.extend_i32_u (local.get $n))",
        ),
        (
            "(i64.extend_i32_u (local.get $n))",
            "(i64.sub (local.get $i) (i64.const 1))",
            "i64.gt_s",
            "(i64.const -2)",
        ),
        (
            // Starts just below 2^32: a 32-bit counter would wrap, this one must not.
            "(i64.const 0xfffffff0)",
            "(i64.add (local.get $i) (local.get $k))",
            "i64.lt_u",
            "(i64.add (i64.const 0xfffffff0) (i64.extend_i32_u (local.get $n)))",
        ),
        (
            // Crosses from negative to positive, signed.
            "(i64.sub (i64.const 0) (i64.extend_i32_u (local.get $n)))",
            "(i64.add (local.get $i) (i64.const 2))",
            "i64.le_s",
            "(i64.const 5)",
        ),
    ];
    let expected: [fn(i64) -> i32; 4] = [
        |n| ((n + 2) / 3).max(1) as i32,
        |n| (n + 2).max(1) as i32,
        |n| n.max(1) as i32,
        |n| ((n + 5) / 2 + 1) as i32,
    ];
    for ((init, step, cmp, limit), expect) in cases.iter().zip(expected) {
        let body = format!(
            r#"(local $i i64) (local $k i64) (local $c i32) (local $lim i64)
            (local.set $k (i64.const 1))
            (local.set $lim {limit})
            (local.set $i {init})
            (loop $l
              (local.set $c (i32.add (local.get $c) (i32.const 1)))
              (local.set $i {step})
              (br_if $l ({cmp} (local.get $i) (local.get $lim))))
            (local.get $c)"#
        );
        let inputs = [0, 1, 2, 7, 100];
        let (got, listing) = run(&body, &inputs);
        let want: Vec<i32> = inputs.iter().map(|&n| expect(n as i64)).collect();
        assert_eq!(got, want, "{step} {cmp} {limit}\n{listing}");
        assert!(listing.contains("add.br_if.i64"), "not fused:\n{listing}");
    }
}

#[test]
fn br_table_takes_the_add_of_its_index() {
    // `br_table` on `n + k`: k = -1 wraps 0 to 2^32 - 1 (the default), k = 2 shifts the
    // cases; from a slot (`local.get`) and from the accumulator (an xor's result).
    for (index, fused_form) in [
        ("(i32.add (local.get $n) (i32.const -1))", "BR_TABLE_BIAS "),
        ("(i32.add (i32.const 2) (local.get $n))", "BR_TABLE_BIAS "),
        (
            "(i32.add (i32.xor (local.get $n) (i32.const 3)) (i32.const -1))",
            "BR_TABLE_BIAS_A",
        ),
    ] {
        let body = format!(
            r#"(block $d (block $c (block $b (block $a
              (br_table $a $b $c $d {index}))
              (return (i32.const 10)))
              (return (i32.const 11)))
              (return (i32.const 12)))
            (i32.const 13)"#
        );
        let inputs = [0, 1, 2, 3, 4, 5, -1];
        let (got, listing) = run(&body, &inputs);
        let bias: i64 = if index.contains("-1") { -1 } else { 2 };
        let want: Vec<i32> = inputs
            .iter()
            .map(|&n| {
                let n = n as u32;
                let x = if index.contains("xor") { n ^ 3 } else { n } as i64;
                let i = ((x + bias) as u32).min(3);
                10 + i as i32
            })
            .collect();
        assert_eq!(got, want, "{index}\n{listing}");
        assert!(
            listing.contains(fused_form),
            "{index} not fused:\n{listing}"
        );
    }
}

/// Compiles a module with a mutable i32 global `$sp` (starting at 1000) and an i64 one
/// `$wide`, and runs its `f`; returns the results and `f`'s listing.
fn run_with_globals(body: &str, inputs: &[i32]) -> (Vec<i32>, String) {
    run_in_module(
        r#"(global $sp (mut i32) (i32.const 1000))
          (global $wide (mut i64) (i64.const 5000000000))"#,
        body,
        inputs,
    )
}

/// A C function's shadow-stack prologue and epilogue: `global.get; const; sub` and
/// `const; add; global.set` are one instruction each, and compute what the sequence does
/// (wrapping included), for 32- and 64-bit globals.
#[test]
fn shadow_stack_prologue_and_epilogue() {
    let (got, listing) = run_with_globals(
        r#"(local $frame i32) (local $w i64)
        (local.set $frame (i32.sub (global.get $sp) (i32.const 48)))
        (global.set $sp (local.get $frame))
        (local.set $w (i64.add (global.get $wide) (i64.const -7)))
        (global.set $wide (i64.sub (local.get $w) (i64.const 3)))
        (global.set $sp (i32.add (local.get $frame) (local.get $n)))
        (i32.add (global.get $sp)
          (i32.wrap_i64 (i64.sub (global.get $wide) (i64.const 5000000000))))"#,
        &[0, 48, -2000],
    );
    // Each call starts where the previous one left the globals.
    let (mut sp, mut wide) = (1000i32, 5_000_000_000i64);
    let want: Vec<i32> = [0, 48, -2000]
        .iter()
        .map(|&n| {
            let frame = sp.wrapping_sub(48);
            wide = wide - 7 - 3;
            sp = frame.wrapping_add(n);
            sp.wrapping_add((wide - 5_000_000_000) as i32)
        })
        .collect();
    assert_eq!(got, want);
    // (The 32-bit prologue's `global.set` joins it too: `global.get.add.set`.)
    assert!(listing.contains("global.get.add.set "), "{listing}");
    assert!(listing.contains("global.get.add64 "), "{listing}");
    assert!(listing.contains("add64.global.set"), "{listing}");
}

/// A whole C function's frame: the prologue's `global.set` of the frame just computed is
/// part of the prologue's instruction (`global.get.add.set`), and the epilogue is part of
/// the `return` after it (`add.global.set.return[.slot]`), in 32- and 64-bit forms, with
/// or without a result. A `global.get` after the prologue reads the frame's local. An
/// epilogue behind a label (a block's end) stays apart from the return.
#[test]
fn shadow_stack_frame_set_and_return_fused() {
    let wat = r#"(module
      (global $sp (mut i32) (i32.const 1000))
      (global $sp64 (mut i64) (i64.const 7000000000))
      (global $seen (mut i32) (i32.const 0))
      ;; Returns the frame's address plus `n`, and where `global.get` saw the stack top.
      (func (export "frame") (param $n i32) (result i32) (local $frame i32) (local $r i32)
        (global.set $sp (local.tee $frame (i32.sub (global.get $sp) (i32.const 16))))
        (global.set $seen (global.get $sp))
        (local.set $r (i32.add (local.get $frame) (local.get $n)))
        (global.set $sp (i32.add (local.get $frame) (i32.const 16)))
        (local.get $r))
      ;; No result.
      (func (export "void") (param $n i32) (local $frame i32)
        (global.set $sp (local.tee $frame (i32.sub (global.get $sp) (i32.const 16))))
        (global.set $seen (i32.add (local.get $frame) (local.get $n)))
        (global.set $sp (i32.add (local.get $frame) (i32.const 16))))
      (func (export "wide") (param $n i32) (result i32) (local $frame i64) (local $r i32)
        (global.set $sp64 (local.tee $frame (i64.add (global.get $sp64) (i64.const -32))))
        (local.set $r
          (i32.wrap_i64 (i64.sub (local.get $frame) (i64.extend_i32_s (local.get $n)))))
        (global.set $sp64 (i64.add (local.get $frame) (i64.const 32)))
        (local.get $r))
      ;; The epilogue in a block that a branch leaves: a label between it and the return.
      (func (export "label") (param $n i32) (result i32) (local $frame i32)
        (local.set $frame (i32.sub (global.get $sp) (i32.const 64)))
        (block $b
          (br_if $b (local.get $n))
          (global.set $sp (i32.add (local.get $frame) (i32.const 72))))
        (local.get $frame))
      (func (export "sp") (result i32) (global.get $sp))
      (func (export "seen") (result i32) (global.get $seen)))"#;
    let (module, mut store, instance) = instantiate(wat);
    let listings: Vec<String> = (0..4).map(|i| module.disassemble(i).unwrap()).collect();
    let i32_fn = |name: &str| instance.get_typed_func::<i32, i32>(&store, name).unwrap();
    let (frame, wide, label) = (i32_fn("frame"), i32_fn("wide"), i32_fn("label"));
    let void = instance.get_typed_func::<i32, ()>(&store, "void").unwrap();
    let sp = instance.get_typed_func::<(), i32>(&store, "sp").unwrap();
    let seen = instance.get_typed_func::<(), i32>(&store, "seen").unwrap();

    for n in [0, 5, -3] {
        assert_eq!(frame.call(&mut store, n).unwrap(), 984 + n);
        assert_eq!(
            seen.call(&mut store, ()).unwrap(),
            984,
            "global.get after the prologue"
        );
        assert_eq!(
            sp.call(&mut store, ()).unwrap(),
            1000,
            "the epilogue restored it"
        );
        assert_eq!(
            wide.call(&mut store, n).unwrap(),
            (6_999_999_968i64 - n as i64) as i32
        );
    }
    void.call(&mut store, 100).unwrap();
    assert_eq!(seen.call(&mut store, ()).unwrap(), 1084);
    assert_eq!(
        sp.call(&mut store, ()).unwrap(),
        1000,
        "a void function's epilogue ran"
    );
    // The branch skips the epilogue: the stack top stays where it was.
    assert_eq!(label.call(&mut store, 1).unwrap(), 936);
    assert_eq!(sp.call(&mut store, ()).unwrap(), 1000);
    assert_eq!(label.call(&mut store, 0).unwrap(), 936);
    assert_eq!(sp.call(&mut store, ()).unwrap(), 1008, "the epilogue ran");

    let [frame, void, wide, label] = [0, 1, 2, 3].map(|i| listings[i].as_str());
    assert!(frame.contains("global.get.add.set "), "{frame}");
    assert!(frame.contains("add.global.set.return.slot "), "{frame}");
    assert!(void.contains("global.get.add.set "), "{void}");
    assert!(void.contains("add.global.set.return "), "{void}");
    assert!(wide.contains("global.get.add64.set "), "{wide}");
    assert!(wide.contains("add64.global.set.return.slot "), "{wide}");
    assert!(!label.contains(".return"), "{label}");
}

/// A C function's early returns: jumps to its one epilogue (`add.global.set.return[.slot]`
/// after a label) run the epilogue where they stand (`br>...`, and `copy.br>...` for a jump
/// that moves the result into place first), and the stack top comes back on every path.
#[test]
fn early_returns_run_the_shared_epilogue_in_place() {
    let wat = r#"(module
      (global $sp (mut i32) (i32.const 1000))
      (global $seen (mut i32) (i32.const 0))
      (func (export "early") (param $n i32) (result i32) (local $frame i32) (local $r i32)
        (global.set $sp (local.tee $frame (i32.sub (global.get $sp) (i32.const 32))))
        (block $exit
          (if (i32.gt_s (local.get $n) (i32.const 100))
            (then (local.set $r (i32.mul (local.get $n) (i32.const 3))) (br $exit)))
          (if (i32.lt_s (local.get $n) (i32.const 0))
            (then (local.set $r (local.get $n)) (br $exit)))
          (local.set $r (i32.add (local.get $frame) (local.get $n))))
        (global.set $sp (i32.add (local.get $frame) (i32.const 32)))
        (local.get $r))
      (func (export "void") (param $n i32) (local $frame i32)
        (global.set $sp (local.tee $frame (i32.sub (global.get $sp) (i32.const 16))))
        (block $exit
          (if (i32.eqz (local.get $n))
            (then (global.set $seen (i32.const -5)) (br $exit)))
          (global.set $seen (i32.add (local.get $frame) (local.get $n))))
        (global.set $sp (i32.add (local.get $frame) (i32.const 16))))
      (func (export "sp") (result i32) (global.get $sp))
      (func (export "seen") (result i32) (global.get $seen)))"#;
    let (module, mut store, instance) = instantiate(wat);
    let early = instance
        .get_typed_func::<i32, i32>(&store, "early")
        .unwrap();
    let void = instance.get_typed_func::<i32, ()>(&store, "void").unwrap();
    let sp = instance.get_typed_func::<(), i32>(&store, "sp").unwrap();
    let seen = instance.get_typed_func::<(), i32>(&store, "seen").unwrap();
    for (n, want) in [(5, 973), (0, 968), (101, 303), (-7, -7)] {
        assert_eq!(early.call(&mut store, n).unwrap(), want, "early({n})");
        assert_eq!(
            sp.call(&mut store, ()).unwrap(),
            1000,
            "early({n}) restored it"
        );
    }
    for (n, want) in [(0, -5), (9, 993)] {
        void.call(&mut store, n).unwrap();
        assert_eq!(seen.call(&mut store, ()).unwrap(), want, "void({n})");
        assert_eq!(
            sp.call(&mut store, ()).unwrap(),
            1000,
            "void({n}) restored it"
        );
    }
    let early = module.disassemble(0).unwrap();
    assert!(early.contains("br>add.global.set.return.slot "), "{early}");
    assert!(
        early.contains("copy.br>add.global.set.return.slot "),
        "{early}"
    );
    let void = module.disassemble(1).unwrap();
    assert!(void.contains("br>add.global.set.return "), "{void}");
}

/// A counter kept in a global: the `global.get` right after the `global.set` reads the
/// value where the set took it from; one with an instruction in between reads the global.
#[test]
fn global_get_after_global_set() {
    let (got, listing) = run_with_globals(
        r#"(global.set $sp (local.get $n))
        (loop $l
          (global.set $sp (i32.sub (global.get $sp) (i32.const 1)))
          (br_if $l (i32.gt_s (global.get $sp) (i32.const 0))))
        (global.set $sp (i32.mul (global.get $sp) (i32.const 3)))
        (global.get $sp)"#,
        &[5, 0, -4],
    );
    assert_eq!(got, vec![0, -3, -15]);
    // Three reads are left: the one inside the fused decrement, in each of the loop's
    // two copies (it is unrolled), and the last one, after a multiplication that is not
    // an add.
    assert_eq!(listing.matches("global.get").count(), 3, "{listing}");
}

/// `br_if` carrying one value to a loop parameter or a block result moves it and branches
/// in one instruction, and only when it branches.
#[test]
fn br_if_carrying_one_value() {
    let (got, listing) = run(
        r#"(local $in i32) (local $r i32)
        (local.set $in (local.get $n))
        (local.get $n)
        (loop $l (param i32) (result i32)
          (i32.sub (i32.const 1))
          (local.tee $n)
          (local.get $n)
          (br_if $l))
        (local.set $r)
        (block $b (result i32)
          (i32.add (local.get $r) (i32.const 7))
          (br_if $b (i32.and (local.get $in) (i32.const 1)))
          (i32.const 100)
          (i32.add))"#,
        &[5, 2, 3],
    );
    // The loop counts n down to 0 and leaves 0; the block branches with 7 for odd inputs
    // and falls through to 107 for even ones.
    assert_eq!(got, vec![7, 107, 7]);
    assert!(listing.contains("copy.br_if_nez"), "{listing}");
}

/// A bit field decoded and added to a base (an interpreter's operand fields) is one
/// `i32.add_shr_u_and`, with the base on either side of the add.
#[test]
fn add_of_a_bit_field() {
    let (got, listing) = run(
        r#"(local $s i32) (local $i i32) (local $x i32)
        (loop $l
          (local.set $x (i32.mul (local.get $i) (i32.const -1640531535)))
          (local.set $s
            (i32.add (local.get $s)
              (i32.and (i32.shr_u (local.get $x) (i32.const 7)) (i32.const 0x1ff))))
          (local.set $s
            (i32.add
              (i32.and (i32.shr_u (local.get $s) (i32.const 3)) (i32.const 0xff))
              (local.get $i)))
          (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
        (local.get $s)"#,
        &[1, 10, 1000],
    );
    let want: Vec<i32> = [1u32, 10, 1000]
        .iter()
        .map(|&n| {
            let (mut s, mut i) = (0u32, 0u32);
            loop {
                s = s.wrapping_add((i.wrapping_mul(0x9e3779b1) >> 7) & 0x1ff);
                s = ((s >> 3) & 0xff).wrapping_add(i);
                i += 1;
                if i >= n {
                    break s as i32;
                }
            }
        })
        .collect();
    assert_eq!(got, want);
    // (Two lines: the two may be a pair, which lists the second on a line of its own.)
    let fused = listing.lines().filter(|l| l.contains("i32.add_shr_u_and"));
    assert_eq!(fused.count(), 2, "{listing}");
}

#[test]
fn copies_before_a_back_edge_join_it() {
    // The iterative Fibonacci kernel: `t = a + b; a = b; b = t; i -= 1` on i64 locals,
    // `br_if` while `i != 0`. The two copies join the back edge: `copy2.add.br_if`.
    let (got, listing) = run(
        r#"(local $a i64) (local $b i64) (local $t i64) (local $i i64)
        (local.set $b (i64.const 1))
        (local.set $i (i64.extend_i32_u (local.get $n)))
        (block $done
          (br_if $done (i64.eqz (local.get $i)))
          (loop $l
            (local.set $t (i64.add (local.get $a) (local.get $b)))
            (local.set $a (local.get $b))
            (local.set $b (local.get $t))
            (local.set $i (i64.sub (local.get $i) (i64.const 1)))
            (br_if $l (i64.ne (local.get $i) (i64.const 0)))))
        (i32.wrap_i64 (i64.xor (local.get $a) (i64.shr_u (local.get $a) (i64.const 32))))"#,
        &[0, 1, 2, 3, 10, 90, 200],
    );
    let want: Vec<i32> = [0u64, 1, 2, 3, 10, 90, 200]
        .iter()
        .map(|&n| {
            let (mut a, mut b) = (0u64, 1u64);
            for _ in 0..n {
                let t = a.wrapping_add(b);
                a = b;
                b = t;
            }
            (a ^ (a >> 32)) as i32
        })
        .collect();
    assert_eq!(got, want);
    assert!(listing.contains("copy2.add.br_if.i64"), "{listing}");
    // `t`, just computed, is the second copy's source: it comes from the accumulator.
    assert!(listing.contains("::copy_ii_a"), "{listing}");

    // The same shape, but the first copy overwrites the sum's slot before the second
    // copy reads it (`t = a + b; t = x; y = t`): the second copy must read the slot.
    let (got, listing) = run(
        r#"(local $a i32) (local $t i32) (local $x i32) (local $y i32) (local $i i32)
        (local.set $i (local.get $n))
        (block $done
          (br_if $done (i32.eqz (local.get $i)))
          (loop $l
            (local.set $x (i32.add (local.get $x) (i32.const 3)))
            (local.set $a (i32.add (local.get $a) (local.get $y)))
            (local.set $t (i32.add (local.get $a) (local.get $x)))
            (local.set $t (local.get $x))
            (local.set $y (local.get $t))
            (local.set $i (i32.sub (local.get $i) (i32.const 1)))
            (br_if $l (i32.ne (local.get $i) (i32.const 0)))))
        (i32.add (local.get $a) (i32.mul (local.get $y) (i32.const 1000)))"#,
        &[0, 1, 2, 3, 10],
    );
    let want: Vec<i32> = [0i32, 1, 2, 3, 10]
        .iter()
        .map(|&n| {
            let (mut a, mut x, mut y) = (0i32, 0i32, 0i32);
            for _ in 0..n {
                x += 3;
                a += y;
                y = x;
            }
            a + y * 1000
        })
        .collect();
    assert_eq!(got, want, "{listing}");
    assert!(listing.contains("copy2.add.br_if.i32"), "{listing}");
    assert!(!listing.contains("_a CopyAddBr"), "{listing}");

    // One copy (i32), which writes the loop's limit: the step and the test must see it.
    // do { t = s + n; s = t >> 1; lim = t; i += 1 } while (i < lim)
    let (got, listing) = run(
        r#"(local $i i32) (local $s i32) (local $lim i32) (local $t i32)
        (loop $l
          (local.set $t (i32.add (local.get $s) (local.get $n)))
          (local.set $s (i32.shr_u (local.get $t) (i32.const 1)))
          (local.set $lim (local.get $t))
          (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                              (local.get $lim))))
        (i32.add (i32.mul (local.get $i) (i32.const 1000)) (local.get $lim))"#,
        &[0, 1, 5, 100],
    );
    let want: Vec<i32> = [0u32, 1, 5, 100]
        .iter()
        .map(|&n| {
            let (mut i, mut s) = (0u32, 0u32);
            let mut lim;
            loop {
                let t = s.wrapping_add(n);
                s = t >> 1;
                lim = t;
                i = i.wrapping_add(1);
                if i >= lim {
                    break;
                }
            }
            (i * 1000 + lim) as i32
        })
        .collect();
    assert_eq!(got, want);
    assert!(listing.contains("copy2.add.br_if.i32"), "{listing}");

    // Two copies where the second reads what the first wrote and the counter is a copy's
    // destination: `a = b; i = a` then `i += 2`, `i < n` (sequential order kept).
    let (got, listing) = run(
        r#"(local $i i32) (local $a i32) (local $b i32) (local $c i32)
        (loop $l
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (local.set $b (i32.add (local.get $i) (i32.const 1)))
          (local.set $a (local.get $b))
          (local.set $i (local.get $a))
          (br_if $l (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 2)))
                              (local.get $n))))
        (i32.add (i32.mul (local.get $c) (i32.const 1000)) (local.get $i))"#,
        &[0, 1, 5, 100],
    );
    let want: Vec<i32> = [0i32, 1, 5, 100]
        .iter()
        .map(|&n| {
            let (mut i, mut c) = (0i32, 0i32);
            loop {
                c += 1;
                let b = i + 1;
                i = b + 2;
                if i >= n {
                    break;
                }
            }
            c * 1000 + i
        })
        .collect();
    assert_eq!(got, want);
    assert!(listing.contains("copy2.add.br_if.i32"), "{listing}");
}

/// A loop over `i` in `0..n` that switches on `index` (wat computing it from `$i`, `$p` =
/// `i & 15` and memory) into four cases and a default, each updating `$s` differently.
fn load_switch_loop(index: &str) -> String {
    format!(
        r#"(local $i i32) (local $s i32) (local $p i32) (local $op i32)
        (block $done
          (loop $l
            (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $p (i32.and (local.get $i) (i32.const 15)))
            (block $d (block $c3 (block $c2 (block $c1 (block $c0
              (br_table $c0 $c1 $c2 $c3 $d {index}))
              (local.set $s (i32.add (local.get $s) (i32.const 1))) (br $d))
              (local.set $s (i32.mul (local.get $s) (i32.const 3))) (br $d))
              (local.set $s (i32.xor (local.get $s) (i32.const 0x55))) (br $d))
              (local.set $s (i32.sub (local.get $s) (local.get $i))))
            (local.set $s (i32.add (local.get $s) (local.get $op)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $l)))
        (local.get $s)"#
    )
}

/// What [`load_switch_loop`] returns when the case taken for `i` is `case(i)` (4: default) and
/// `$op` is `op(i)` afterwards.
fn switch_model(n: i32, case: impl Fn(u32) -> u32, op: impl Fn(u32) -> u32) -> i32 {
    let mut s = 0u32;
    for i in 0..n as u32 {
        match case(i).min(4) {
            0 => s = s.wrapping_add(1),
            1 => s = s.wrapping_mul(3),
            2 => s ^= 0x55,
            3 => s = s.wrapping_sub(i),
            _ => {}
        }
        s = s.wrapping_add(op(i));
    }
    s as i32
}

#[test]
fn br_table_on_a_loaded_value() {
    // Opcodes at 16..32, words at 64..80 (little-endian).
    let decls = r#"(memory 1)
        (data (i32.const 16) "\01\02\03\04\05\00\02\03\01\04\09\02\03\03\01\ff")
        (data (i32.const 64) "\02\00\00\00\03\00\00\00\00\00\01\00\05\00\00\00")"#;
    let bytes: [u8; 16] = [1, 2, 3, 4, 5, 0, 2, 3, 1, 4, 9, 2, 3, 3, 1, 255];
    let words: [u32; 4] = [2, 3, 0x10000, 5];
    let inputs = [0, 1, 5, 16, 100];
    let check = |index: &str, form: &str, case: &dyn Fn(u32) -> u32, op: &dyn Fn(u32) -> u32| {
        let (got, listing) = run_in_module(decls, &load_switch_loop(index), &inputs);
        let want: Vec<i32> = inputs.iter().map(|&n| switch_model(n, case, op)).collect();
        assert_eq!(got, want, "{index}\n{listing}");
        assert!(listing.contains(form), "{index}: {form}\n{listing}");
    };
    let byte = |i: u32| bytes[(i & 15) as usize] as u32;
    // `switch (*p - 1)`: a byte, address in a slot, the bias's add reading a slot.
    check(
        "(i32.add (i32.load8_u offset=16 (local.get $p)) (i32.const -1))",
        "LOAD8_BR_TABLE::r",
        &|i| byte(i).wrapping_sub(1),
        &|_| 0,
    );
    // The byte kept in a local too (QuickJS's `switch (opcode = *pc++)`): written there.
    check(
        "(i32.add (local.tee $op (i32.load8_u offset=16 (local.get $p))) (i32.const -1))",
        "LOAD8_BR_TABLE::r_d",
        &|i| byte(i).wrapping_sub(1),
        &byte,
    );
    // A zero-extending `i64` load, wrapped: not fused (the wrap is an instruction).
    let (got, listing) = run_in_module(
        decls,
        &load_switch_loop(
            "(i32.add (i32.wrap_i64 (i64.load8_u offset=16 (local.get $p))) (i32.const -1))",
        ),
        &inputs,
    );
    let want: Vec<i32> = inputs
        .iter()
        .map(|&n| switch_model(n, |i| byte(i).wrapping_sub(1), |_| 0))
        .collect();
    assert_eq!(got, want, "{listing}");
    // The address computed into the accumulator (`(i & 3) << 2`), a word, the add reading
    // the accumulator (the dispatch of Lua's interpreter loop): the `and_shl` is folded in
    // too.
    check(
        "(i32.add (i32.load offset=64 (i32.shl (i32.and (local.get $i) (i32.const 3)) (i32.const 2))) (i32.const -2))",
        "AND_SHL_LOAD32_BR_TABLE ",
        &|i| words[(i & 3) as usize].wrapping_sub(2),
        &|_| 0,
    );
    // The same address computed otherwise (`(i & 3) * 4`): the load reads the accumulator.
    check(
        "(i32.add (i32.load offset=64 (i32.mul (i32.and (local.get $i) (i32.const 3)) (i32.const 4))) (i32.const -2))",
        "LOAD32_BR_TABLE::a",
        &|i| words[(i & 3) as usize].wrapping_sub(2),
        &|_| 0,
    );
    // No bias: a 16-bit value straight from a slot's address.
    check(
        "(i32.load16_u offset=16 (local.get $p))",
        "LOAD16_BR_TABLE::r",
        &|i| {
            let k = (i & 15) as usize;
            bytes[k] as u32 | (bytes.get(k + 1).copied().unwrap_or(0) as u32) << 8
        },
        &|_| 0,
    );
    // No bias, the value kept in a local.
    check(
        "(local.tee $op (i32.load8_u offset=16 (local.get $p)))",
        "LOAD8_BR_TABLE::r_d",
        &byte,
        &byte,
    );
    // The value kept in a local, which the address reads: the load writes it after.
    check(
        "(local.tee $p (i32.load8_u offset=16 (local.get $p)))",
        "LOAD8_BR_TABLE::r_d",
        &byte,
        &|_| 0,
    );
    // The index a constant: a plain `br_table`.
    let (got, listing) = run_in_module(decls, &load_switch_loop("(i32.const 2)"), &inputs);
    let want: Vec<i32> = inputs
        .iter()
        .map(|&n| switch_model(n, |_| 2, |_| 0))
        .collect();
    assert_eq!(got, want, "{listing}");
}

#[test]
fn br_table_on_a_loaded_value_traps_out_of_bounds() {
    let engine = Engine::default();
    let wat = r#"(module (memory 1)
        (func (export "f") (param $a i32) (result i32)
          (block $b (block $a0
            (br_table $a0 $b (i32.add (i32.load8_u offset=1 (local.get $a)) (i32.const 1))))
            (return (i32.const 7)))
          (i32.const 9)))"#;
    let module = Module::new(&engine, wat).unwrap();
    let listing = module.disassemble(0).unwrap();
    assert!(listing.contains("LOAD8_BR_TABLE::r"), "{listing}");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
    // Byte 0 + 1 = 1: the second target.
    assert_eq!(f.call(&mut store, 0).unwrap(), 9);
    assert_eq!(f.call(&mut store, 65534).unwrap(), 9);
    assert!(f.call(&mut store, 65535).is_err());
    assert!(f.call(&mut store, -1).is_err());
}

/// `i32.and_shl`: a masked value scaled by a shift (`table[x & m]`), the constant mask on
/// either side of the `and`, the count taken modulo 32; not for an `and` of two slots.
#[test]
fn shift_of_a_masked_value() {
    let (got, listing) = run(
        r#"(local $s i32) (local $i i32) (local $x i32)
        (loop $l
          (local.set $x (i32.mul (local.get $i) (i32.const -1640531535)))
          (local.set $s
            (i32.add (local.get $s)
              (i32.shl (i32.and (local.get $x) (i32.const 0x1f0f)) (i32.const 3))))
          (local.set $s
            (i32.xor (local.get $s)
              (i32.shl (i32.and (i32.const 0xff) (local.get $s)) (i32.const 35))))
          (local.set $x (i32.shl (i32.and (local.get $x) (local.get $s)) (i32.const 1)))
          (local.set $s (i32.add (local.get $s) (local.get $x)))
          (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
        (local.get $s)"#,
        &[1, 10, 1000],
    );
    let want: Vec<i32> = [1u32, 10, 1000]
        .iter()
        .map(|&n| {
            let (mut s, mut i) = (0u32, 0u32);
            loop {
                let x = i.wrapping_mul(0x9e3779b1);
                s = s.wrapping_add((x & 0x1f0f) << 3);
                s ^= (s & 0xff) << 3;
                s = s.wrapping_add((x & s) << 1);
                i += 1;
                if i >= n {
                    break s as i32;
                }
            }
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(listing.matches("i32.and_shl").count(), 2, "{listing}");
}

/// `const.br_if_nez`/`const.br_if_eqz`: a constant stored just before a test of a slot
/// (`br_if` and `if`), including a constant stored into the tested slot itself, which the
/// test must see.
#[test]
fn constant_stored_before_a_test() {
    let (got, listing) = run(
        r#"(local $i i32) (local $s i32) (local $t i32) (local $c i32) (local $d i32)
        (loop $l
          (local.set $c (i32.and (local.get $i) (i32.const 3)))
          (local.set $d (i32.and (local.get $i) (i32.const 4)))
          (block $skip
            (local.set $t (i32.const 7))
            (br_if $skip (local.get $c))
            (local.set $t (i32.const 100)))
          (local.set $s (i32.add (local.get $s) (local.get $t)))
          (block $skip2
            (local.set $t (i32.const 3))
            (br_if $skip2 (i32.eqz (local.get $c)))
            (local.set $s (i32.xor (local.get $s) (local.get $t))))
          (block $skip3
            (local.set $c (i32.const 0))
            (br_if $skip3 (local.get $c))
            (local.set $s (i32.add (local.get $s) (i32.const 1))))
          (local.set $t (i32.const 9))
          (if (local.get $d)
            (then (local.set $s (i32.add (local.get $s) (local.get $t)))))
          (local.set $s (i32.mul (local.get $s) (i32.const 3)))
          (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
        (local.get $s)"#,
        &[1, 2, 10, 1000],
    );
    let want: Vec<i32> = [1u32, 2, 10, 1000]
        .iter()
        .map(|&n| {
            let (mut s, mut i) = (0u32, 0u32);
            loop {
                let (c, d) = (i & 3, i & 4);
                s = s.wrapping_add(if c != 0 { 7 } else { 100 });
                if c != 0 {
                    s ^= 3;
                }
                s = s.wrapping_add(1);
                if d != 0 {
                    s = s.wrapping_add(9);
                }
                s = s.wrapping_mul(3);
                i += 1;
                if i >= n {
                    break s as i32;
                }
            }
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(listing.matches("const.br_if_nez").count(), 2, "{listing}");
    assert_eq!(listing.matches("const.br_if_eqz").count(), 2, "{listing}");
}

/// A bytecode interpreter's `switch` loop: the loop's header (a few plain instructions
/// ending in a `br_table`) is repeated at each case's `br` back to it, which then runs the
/// `br_table` in place (its via): no jump back to the head. `index` is the `br_table`'s
/// index expression (it decides the `br_table`'s form).
fn interpreter_loop(index: &str) -> (Vec<i32>, String) {
    // Opcodes: 0 `s += 1`, 1 `s *= 3`, 2 `s ^= pc`, anything else: end of program (run it
    // again `n` times).
    let decls = r#"(memory 1) (data (i32.const 1) "\00\01\00\02\01\03")"#;
    let body = format!(
        r#"(local $pc i32) (local $s i32) (local $op i32)
        (loop $dispatch
          (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
          (block $halt (block $c2 (block $c1 (block $c0
            (br_table $c0 $c1 $c2 $halt {index}))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            (br $dispatch))
            (local.set $s (i32.mul (local.get $s) (i32.const 3)))
            (br $dispatch))
            (local.set $s (i32.xor (local.get $s) (local.get $pc)))
            (br $dispatch))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (local.set $pc (i32.const 0))
          (br_if $dispatch (local.get $n)))
        (local.get $s)"#
    );
    run_in_module(decls, &body, &[1, 2, 5, 100])
}

fn interpreter_loop_want() -> Vec<i32> {
    let prog = [0u8, 1, 0, 2, 1, 3];
    [1u32, 2, 5, 100]
        .iter()
        .map(|&n| {
            let (mut n, mut pc, mut s) = (n, 0u32, 0u32);
            loop {
                pc += 1;
                match prog[pc as usize - 1] {
                    0 => s = s.wrapping_add(1),
                    1 => s = s.wrapping_mul(3),
                    2 => s ^= pc,
                    _ => {
                        n -= 1;
                        pc = 0;
                        if n == 0 {
                            break s as i32;
                        }
                    }
                }
            }
        })
        .collect()
}

#[test]
fn switch_loops_dispatch_from_each_case() {
    // The index loaded by the `br_table` itself (`i32.load8_u.br_table`).
    let (got, listing) = interpreter_loop("(i32.load8_u (local.get $pc))");
    assert_eq!(got, interpreter_loop_want());
    assert_eq!(
        listing.matches("br>i32.load8_u.br_table").count(),
        3,
        "{listing}"
    );
    // A plain `br_table` on a value computed in the header.
    let (got, listing) = interpreter_loop("(i32.and (i32.load8_u (local.get $pc)) (i32.const 7))");
    assert_eq!(got, interpreter_loop_want());
    assert_eq!(listing.matches("br>br_table").count(), 3, "{listing}");
}

/// A load whose value is compared with a constant (a type tag tested) branches itself:
/// `i32.load8_u`, `i32.load` (a negative constant) and `i64.load`, from `br_if` and from
/// `if` (whose branch takes the negated condition); into a temporary only the comparison
/// reads, or into a local, which must still get the value.
#[test]
fn loads_compared_with_a_constant() {
    let decls = r#"(memory 1)
        (data (i32.const 0) "\03\01\ff\03\80\00\07\03")
        (data (i32.const 8) "\05\00\00\00\fb\ff\ff\ff\03\00\00\00\fb\ff\ff\ff")
        (data (i32.const 24) "\ff\ff\ff\ff\00\00\00\00\00\00\00\00\01\00\00\00")"#;
    let (got, listing) = run_in_module(
        decls,
        r#"(local $i i32) (local $s i32) (local $p i32) (local $v i64) (local $w i32)
        (loop $l
          (local.set $p (i32.and (local.get $i) (i32.const 7)))
          (block $b0
            (local.set $w (i32.load8_u offset=1 (local.get $p)))
            (br_if $b0 (i32.eq (local.get $w) (i32.const 1)))
            (local.set $s (i32.add (local.get $s) (local.get $w))))
          (block $b1
            (br_if $b1 (i32.ne (i32.load8_u (local.get $p)) (i32.const 3)))
            (local.set $s (i32.add (local.get $s) (i32.const 1))))
          (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 255))
            (then (local.set $s (i32.add (local.get $s) (i32.const 10)))))
          (local.set $p (i32.add (i32.mul (i32.and (local.get $i) (i32.const 3)) (i32.const 4)) (i32.const 8)))
          (block $b2
            (br_if $b2 (i32.eq (i32.load (local.get $p)) (i32.const -5)))
            (local.set $s (i32.add (local.get $s) (i32.const 100))))
          (local.set $p (i32.add (i32.mul (i32.and (local.get $i) (i32.const 1)) (i32.const 8)) (i32.const 24)))
          (block $b3
            (br_if $b3 (i64.lt_u (i64.load (local.get $p)) (i64.const 0x100000000)))
            (local.set $s (i32.add (local.get $s) (i32.const 1000))))
          (block $b4
            (local.set $v (i64.load (local.get $p)))
            (br_if $b4 (i64.ge_u (local.get $v) (i64.const 0x100000000)))
            (local.set $s (i32.add (local.get $s) (i32.wrap_i64 (local.get $v)))))
          (local.set $s (i32.mul (local.get $s) (i32.const 3)))
          (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
        (local.get $s)"#,
        &[1, 2, 7, 100],
    );
    let bytes = [3u32, 1, 255, 3, 128, 0, 7, 3];
    let words = [5u32, -5i32 as u32, 3, -5i32 as u32];
    let quads = [0xffff_ffffu64, 0x1_0000_0000];
    let want: Vec<i32> = [1u32, 2, 7, 100]
        .iter()
        .map(|&n| {
            let (mut s, mut i) = (0u32, 0u32);
            loop {
                // (Byte 8 is the first of the words.)
                let w = if i & 7 == 7 {
                    5
                } else {
                    bytes[(i & 7) as usize + 1]
                };
                if w != 1 {
                    s = s.wrapping_add(w);
                }
                let b = bytes[(i & 7) as usize];
                if b == 3 {
                    s = s.wrapping_add(1);
                }
                if b == 255 {
                    s = s.wrapping_add(10);
                }
                if words[(i & 3) as usize] != -5i32 as u32 {
                    s = s.wrapping_add(100);
                }
                let v = quads[(i & 1) as usize];
                if v >= 0x1_0000_0000 {
                    s = s.wrapping_add(1000);
                }
                if v < 0x1_0000_0000 {
                    s = s.wrapping_add(v as u32);
                }
                s = s.wrapping_mul(3);
                i += 1;
                if i >= n {
                    break s as i32;
                }
            }
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(
        listing.matches("i32.load8_u.br_if.ne").count(),
        2,
        "{listing}"
    );
    assert_eq!(listing.matches("i32.load.br_if.eq").count(), 1, "{listing}");
    assert_eq!(
        listing.matches("i64.load.br_if.lt_u").count(),
        1,
        "{listing}"
    );
    // Loaded into a local the program reads again: the `_d` forms write it too.
    assert_eq!(
        listing.matches("LOAD8_CMP_BR::eq_d").count(),
        1,
        "{listing}"
    );
    assert_eq!(
        listing.matches("LOAD64_CMP_BR::ge_u_d").count(),
        1,
        "{listing}"
    );
}

/// The dispatch head is not repeated inside a `try_table` the loop is outside of (the
/// copy would be in the `try_table`'s region); a `br` after it is.
#[test]
fn switch_loop_head_not_copied_into_a_try_table() {
    let decls = r#"(memory 1) (data (i32.const 1) "\00\01\00\01\01\02")"#;
    let body = r#"(local $pc i32) (local $s i32)
        (loop $dispatch
          (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
          (block $halt (block $c1 (block $c0
            (br_table $c0 $c1 $halt (i32.load8_u (local.get $pc))))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            (br $dispatch))
            (block $caught
              (try_table (catch_all $caught)
                (local.set $s (i32.mul (local.get $s) (i32.const 3)))
                (if (i32.and (local.get $pc) (i32.const 1)) (then (br $dispatch)))))
            (local.set $s (i32.add (local.get $s) (i32.const 7)))
            (br $dispatch))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (local.set $pc (i32.const 0))
          (br_if $dispatch (local.get $n)))
        (local.get $s)"#;
    let (got, listing) = run_in_module(decls, body, &[1, 2, 5, 100]);
    let prog = [0u8, 1, 0, 1, 1, 2];
    let want: Vec<i32> = [1u32, 2, 5, 100]
        .iter()
        .map(|&n| {
            let (mut n, mut pc, mut s) = (n, 0u32, 0u32);
            loop {
                pc += 1;
                match prog[pc as usize - 1] {
                    0 => s = s.wrapping_add(1),
                    1 => {
                        s = s.wrapping_mul(3);
                        if pc & 1 == 0 {
                            s = s.wrapping_add(7);
                        }
                    }
                    _ => {
                        n -= 1;
                        pc = 0;
                        if n == 0 {
                            break s as i32;
                        }
                    }
                }
            }
        })
        .collect();
    assert_eq!(got, want);
    // The two `br`s outside the `try_table`; the one inside jumps to the head.
    assert_eq!(
        listing.matches("br>i32.load8_u.br_table").count(),
        2,
        "{listing}"
    );
}

/// An interpreter loop whose header stores a constant (`konst`, into `$k` or `$op`) just
/// before its `br_table` on a loaded opcode (`index`): the constant is stored by the
/// `br_table` itself (`const.i32.load8_u.br_table`), on every dispatch, the copies at
/// each case's jump back included. The cases read and change `$k`, so a constant not
/// stored again on some dispatch shows in the result.
fn const_interpreter_loop(konst: &str, index: &str) -> (Vec<i32>, String) {
    // The program as bytes at 1, and as words at 64 (for `and_shl_dispatch_...`).
    let decls = r#"(memory 1) (data (i32.const 1) "\00\01\00\02\01\03")
        (data (i32.const 64) "\00\00\00\00\01\00\00\00\00\00\00\00\02\00\00\00\01\00\00\00\03\00\00\00")"#;
    let body = format!(
        r#"(local $pc i32) (local $s i32) (local $op i32) (local $k i32)
        (loop $dispatch
          (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
          {konst}
          (block $halt (block $c2 (block $c1 (block $c0
            (br_table $c0 $c1 $c2 $halt {index}))
            (local.set $s (i32.add (local.get $s) (local.get $k)))
            (local.set $k (i32.add (local.get $k) (local.get $pc)))
            (br $dispatch))
            (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 3)) (local.get $k)))
            (local.set $k (i32.xor (local.get $k) (local.get $s)))
            (br $dispatch))
            (local.set $s (i32.xor (local.get $s) (i32.add (local.get $pc) (local.get $op))))
            (br $dispatch))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (local.set $pc (i32.const 0))
          (br_if $dispatch (local.get $n)))
        (i32.add (local.get $s) (local.get $k))"#
    );
    run_in_module(decls, &body, &[1, 2, 5, 100])
}

/// What [`const_interpreter_loop`] computes: `k` the constant the header stores in `$k`
/// (`None`: it stores nothing there), `keep_op` whether the opcode is kept in `$op`.
fn const_interpreter_loop_want(k: Option<u32>, keep_op: bool) -> Vec<i32> {
    let prog = [0u8, 1, 0, 2, 1, 3];
    [1u32, 2, 5, 100]
        .iter()
        .map(|&n| {
            let (mut n, mut pc, mut s, mut kv, mut op) = (n, 0u32, 0u32, 0u32, 0u32);
            loop {
                pc += 1;
                if let Some(k) = k {
                    kv = k;
                }
                let b = prog[pc as usize - 1];
                if keep_op {
                    op = b as u32;
                }
                match b {
                    0 => {
                        s = s.wrapping_add(kv);
                        kv = kv.wrapping_add(pc);
                    }
                    1 => {
                        s = s.wrapping_mul(3).wrapping_add(kv);
                        kv ^= s;
                    }
                    2 => s ^= pc.wrapping_add(op),
                    _ => {
                        n -= 1;
                        pc = 0;
                        if n == 0 {
                            break s.wrapping_add(kv) as i32;
                        }
                    }
                }
            }
        })
        .collect()
}

#[test]
fn constant_before_a_loaded_dispatch_is_stored_by_it() {
    let set_k = "(local.set $k (i32.const 7))";
    // The opcode in a temporary.
    let (got, listing) = const_interpreter_loop(set_k, "(i32.load8_u (local.get $pc))");
    assert_eq!(
        got,
        const_interpreter_loop_want(Some(7), false),
        "{listing}"
    );
    assert!(listing.contains("CONST_LOAD8_BR_TABLE "), "{listing}");
    assert_eq!(
        listing.matches("br>const.i32.load8_u.br_table").count(),
        3,
        "{listing}"
    );
    assert!(!listing.contains("CONST "), "{listing}");
    // The opcode kept in a local (`_d`), with a bias; 16- and 32-bit opcodes.
    let (got, listing) = const_interpreter_loop(
        set_k,
        "(i32.add (local.tee $op (i32.load8_u offset=1 (i32.sub (local.get $pc) (i32.const 1)))) (i32.const 0))",
    );
    assert_eq!(got, const_interpreter_loop_want(Some(7), true), "{listing}");
    let (got, listing) =
        const_interpreter_loop(set_k, "(local.tee $op (i32.load8_u (local.get $pc)))");
    assert_eq!(got, const_interpreter_loop_want(Some(7), true), "{listing}");
    assert!(listing.contains("CONST_LOAD8_BR_TABLE_D"), "{listing}");
    let (got, listing) = const_interpreter_loop(
        set_k,
        "(i32.and (i32.load16_u (local.get $pc)) (i32.const 255))",
    );
    assert_eq!(
        got,
        const_interpreter_loop_want(Some(7), false),
        "{listing}"
    );
    // The constant stored in the local the opcode is kept in: not folded (the load
    // writes that local after the constant), and the loaded opcode wins.
    let (got, listing) = const_interpreter_loop(
        "(local.set $op (i32.const 9))",
        "(local.tee $op (i32.load8_u (local.get $pc)))",
    );
    assert_eq!(got, const_interpreter_loop_want(None, true), "{listing}");
    assert!(!listing.contains("const.i32.load8_u.br_table"), "{listing}");
    // The constant stored in the address's local: the load reads the constant (stored
    // first, as the program does).
    let decls = r#"(memory 1) (data (i32.const 0) "\02\02\02\01")"#;
    let (got, listing) = run_in_module(
        decls,
        r#"(local $a i32)
        (block $b2 (block $b1 (block $b0
          (local.set $a (i32.const 3))
          (br_table $b0 $b1 $b2 (i32.load8_u (local.get $a))))
          (return (i32.const 10)))
          (return (i32.const 11)))
        (i32.add (local.get $a) (i32.const 9))"#,
        &[0, 1],
    );
    assert_eq!(got, [11, 11], "{listing}");
    assert!(listing.contains("CONST_LOAD8_BR_TABLE "), "{listing}");
}

#[test]
fn and_shl_addressing_a_loaded_dispatch_is_folded_into_it() {
    // `switch (table[(pc & 7) << 2])` with the table at 60 (entry 1 at 64): Lua's dispatch,
    // an opcode field scaled to an entry of a table of labels.
    let index =
        "(i32.load offset=60 (i32.shl (i32.and (local.get $pc) (i32.const 7)) (i32.const 2)))";
    let (got, listing) = const_interpreter_loop("", index);
    assert_eq!(got, const_interpreter_loop_want(None, false), "{listing}");
    assert!(listing.contains("AND_SHL_LOAD32_BR_TABLE "), "{listing}");
    assert!(!listing.contains("i32.and_shl "), "{listing}");
    assert_eq!(
        listing.matches("br>and_shl.i32.load.br_table").count(),
        3,
        "{listing}"
    );
    // The value kept in a local (`_d`); a mask that keeps bits the shift moves up.
    let index = "(local.tee $op (i32.load offset=60 (i32.shl (i32.and (local.get $pc) (i32.const 0xff)) (i32.const 2))))";
    let (got, listing) = const_interpreter_loop("", index);
    assert_eq!(got, const_interpreter_loop_want(None, true), "{listing}");
    assert!(listing.contains("AND_SHL_LOAD32_BR_TABLE_D"), "{listing}");
    // Bytes: `table[(pc & 7) << 0]`, with a bias.
    let index = "(i32.add (i32.load8_u (i32.shl (i32.and (local.get $pc) (i32.const 7)) (i32.const 0))) (i32.const 0))";
    let (got, listing) = const_interpreter_loop("(local.set $k (i32.const 7))", index);
    assert_eq!(
        got,
        const_interpreter_loop_want(Some(7), false),
        "{listing}"
    );
    assert!(listing.contains("AND_SHL_LOAD8_BR_TABLE "), "{listing}");
}

#[test]
fn and_shl_load_br_table_traps_out_of_bounds() {
    // `(a & -1) << 4` wraps to 32 bits before the offset is added: in bounds for a = 2^28
    // (address 0), out of bounds for a = 4096 (65536 + 8).
    let engine = Engine::default();
    let wat = r#"(module (memory 1) (data (i32.const 8) "\01")
        (func (export "f") (param $a i32) (result i32)
          (block $b (block $a0
            (br_table $a0 $b (i32.load8_u offset=8 (i32.shl (i32.and (local.get $a) (i32.const -1)) (i32.const 4)))))
            (return (i32.const 7)))
          (i32.const 9)))"#;
    let module = Module::new(&engine, wat).unwrap();
    let listing = module.disassemble(0).unwrap();
    assert!(listing.contains("AND_SHL_LOAD8_BR_TABLE "), "{listing}");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
    assert_eq!(f.call(&mut store, 1 << 28).unwrap(), 9);
    assert_eq!(f.call(&mut store, 1).unwrap(), 7);
    assert!(f.call(&mut store, 4096).is_err());
}

/// Lua's interpreter loop in small: a header that loads the next instruction word into
/// `$w` and dispatches on a table of labels indexed by its low 3 bits (`switch (table[(w & 7) << 2])`), the
/// operand in the bits above. Program (at 128): `add 5`, `mul3add 2`, `add 7`, `xor`,
/// `mul3add 9`, `halt`; each case steps `$p` by 4 and jumps back to the header.
fn word_interpreter_loop(inputs: &[i32]) -> (Vec<i32>, String) {
    let decls = r#"(memory 1)
        (data (i32.const 64) "\00\00\00\00\01\00\00\00\02\00\00\00\03\00\00\00\03\00\00\00\03\00\00\00\03\00\00\00\03\00\00\00")
        (data (i32.const 128) "\28\00\00\00\11\00\00\00\38\00\00\00\0a\00\00\00\49\00\00\00\03\00\00\00")"#;
    let body = r#"(local $p i32) (local $s i32) (local $w i32)
        (loop $dispatch
          (local.set $w (i32.load offset=128 (local.get $p)))
          (block $halt (block $c2 (block $c1 (block $c0
            (br_table $c0 $c1 $c2 $halt
              (i32.load offset=64 (i32.shl (i32.and (local.get $w) (i32.const 7)) (i32.const 2)))))
            (local.set $s (i32.add (local.get $s) (i32.shr_u (local.get $w) (i32.const 3))))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $dispatch))
            (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 3)) (i32.shr_u (local.get $w) (i32.const 3))))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $dispatch))
            (local.set $s (i32.xor (local.get $s) (local.get $w)))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $dispatch))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (local.set $p (i32.const 0))
          (br_if $dispatch (local.get $n)))
        (local.get $s)"#;
    run_in_module(decls, body, inputs)
}

/// What [`word_interpreter_loop`] computes for `n` rounds.
fn word_interpreter_loop_want(n: i32) -> i32 {
    let program = [0x28u32, 0x11, 0x38, 0x0a, 0x49, 0x03];
    let mut s = 0u32;
    for _ in 0..n {
        for w in program {
            match w & 7 {
                0 => s = s.wrapping_add(w >> 3),
                1 => s = s.wrapping_mul(3).wrapping_add(w >> 3),
                2 => s ^= w,
                _ => break,
            }
        }
    }
    s as i32
}

#[test]
fn a_load_of_the_dispatched_word_before_a_jump_back_runs_the_dispatch() {
    let inputs = [1, 2, 7];
    let want: Vec<i32> = inputs
        .iter()
        .map(|&n| word_interpreter_loop_want(n))
        .collect();
    let (got, listing) = word_interpreter_loop(&inputs);
    assert_eq!(got, want, "{listing}");
    // Each case's copy of the header is one instruction: the load runs the dispatch.
    assert_eq!(
        listing
            .matches("i32.load.br>and_shl.i32.load.br_table")
            .count(),
        3,
        "{listing}"
    );
    // The load that dispatches traps where it stands: the program runs off the end of
    // memory (no `halt`: `$p` steps on by 4 from word to word).
    let engine = Engine::default();
    let wat = r#"(module (memory 1)
        (data (i32.const 64) "\00\00\00\00\00\00\00\00")
        (func (export "f") (result i32) (local $p i32) (local $w i32)
          (local.set $p (i32.const 65520))
          (loop $dispatch
            (local.set $w (i32.load offset=0 (local.get $p)))
            (block $c1 (block $c0
              (br_table $c0 $c1 (i32.load offset=64 (i32.shl (i32.and (local.get $w) (i32.const 1)) (i32.const 2)))))
              (local.set $p (i32.add (local.get $p) (i32.const 4)))
              (br $dispatch))
            (local.set $p (i32.add (local.get $p) (i32.const 8)))
            (br $dispatch))
          (local.get $p)))"#;
    let module = Module::new(&engine, wat).unwrap();
    let listing = module.disassemble(0).unwrap();
    assert!(listing.contains("i32.load.br>and_shl"), "{listing}");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = instance.get_typed_func::<(), i32>(&store, "f").unwrap();
    let trap = f.call(&mut store, ()).unwrap_err();
    assert_eq!(
        trap.trap_code(),
        Some(TrapCode::MemoryOutOfBounds),
        "{listing}"
    );
}

#[test]
fn dispatch_header_copies_and_increment_are_one_instruction() {
    // A dispatch loop whose header makes the loop's phi copies (`pc = npc; sp = nsp`) and
    // then increments one of them (`npc = pc + 1`, reading what the copy wrote): the
    // three are one `copy2.i32.add`, at the header and at each case's copy of it.
    let decls = r#"(memory 1) (data (i32.const 1) "\00\01\00\02\01\03")"#;
    let body = r#"(local $pc i32) (local $s i32) (local $npc i32) (local $sp i32) (local $nsp i32)
        (loop $dispatch
          (local.set $pc (local.get $npc))
          (local.set $sp (local.get $nsp))
          (local.set $npc (i32.add (local.get $pc) (i32.const 1)))
          (block $halt (block $c2 (block $c1 (block $c0
            (br_table $c0 $c1 $c2 $halt (i32.load8_u offset=1 (local.get $pc))))
            (local.set $s (i32.add (local.get $s) (local.get $sp)))
            (local.set $nsp (i32.add (local.get $sp) (i32.const 3)))
            (br $dispatch))
            (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 3)) (local.get $npc)))
            (local.set $nsp (i32.xor (local.get $sp) (local.get $s)))
            (br $dispatch))
            (local.set $s (i32.xor (local.get $s) (local.get $pc)))
            (br $dispatch))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (local.set $npc (i32.const 0))
          (br_if $dispatch (local.get $n)))
        (i32.add (local.get $s) (local.get $sp))"#;
    let inputs = [1, 2, 5, 100];
    let (got, listing) = run_in_module(decls, body, &inputs);
    let prog = [0u8, 1, 0, 2, 1, 3];
    let want: Vec<i32> = inputs
        .iter()
        .map(|&n| {
            let (mut n, mut npc, mut nsp, mut s) = (n as u32, 0u32, 0u32, 0u32);
            loop {
                let (pc, sp) = (npc, nsp);
                npc = pc.wrapping_add(1);
                match prog[pc as usize] {
                    0 => {
                        s = s.wrapping_add(sp);
                        nsp = sp.wrapping_add(3);
                    }
                    1 => {
                        s = s.wrapping_mul(3).wrapping_add(npc);
                        nsp = sp ^ s;
                    }
                    2 => s ^= pc,
                    _ => {
                        n -= 1;
                        npc = 0;
                        if n == 0 {
                            break s.wrapping_add(sp) as i32;
                        }
                    }
                }
            }
        })
        .collect();
    assert_eq!(got, want, "{listing}");
    assert_eq!(listing.matches("copy2.i32.add").count(), 4, "{listing}");
    assert!(!listing.contains("COPY2 "), "{listing}");
}

/// The copies of a dispatch header ending in `copy2.i32.add` take the jump back in: each
/// case ends with one `copy2.i32.add.br>...` that makes the copies and the add and runs the
/// dispatch (the `br_table` on the loaded opcode, and for the second loop also the
/// constant stored before it) where it stands.
#[test]
fn copied_dispatch_header_runs_the_dispatch() {
    let decls = r#"(memory 1) (data (i32.const 1) "\00\01\00\02\01\03")"#;
    for (konst, head) in [
        ("", "copy2.i32.add.br>i32.load8_u.br_table"),
        (
            "(local.set $k (i32.const 5))",
            "copy2.i32.add.br>const.i32.load8_u.br_table",
        ),
    ] {
        let body = format!(
            r#"(local $pc i32) (local $s i32) (local $npc i32) (local $sp i32) (local $nsp i32)
            (local $k i32)
            (loop $dispatch
              (local.set $pc (local.get $npc))
              (local.set $sp (local.get $nsp))
              (local.set $npc (i32.add (local.get $pc) (i32.const 1)))
              {konst}
              (block $halt (block $c2 (block $c1 (block $c0
                (br_table $c0 $c1 $c2 $halt (i32.load8_u offset=1 (local.get $pc))))
                (local.set $s (i32.add (local.get $s) (local.get $sp)))
                (local.set $nsp (i32.add (local.get $sp) (i32.const 3)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $dispatch))
                (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 3)) (local.get $npc)))
                (local.set $nsp (i32.xor (local.get $sp) (local.get $s)))
                (br $dispatch))
                (local.set $s (i32.xor (local.get $s) (i32.add (local.get $pc) (local.get $k))))
                (br $dispatch))
              (local.set $n (i32.sub (local.get $n) (i32.const 1)))
              (local.set $npc (i32.const 0))
              (br_if $dispatch (local.get $n)))
            (i32.add (local.get $s) (i32.add (local.get $sp) (local.get $k)))"#
        );
        let inputs = [1, 2, 5, 100];
        let (got, listing) = run_in_module(decls, &body, &inputs);
        let prog = [0u8, 1, 0, 2, 1, 3];
        let stores_k = !konst.is_empty();
        let want: Vec<i32> = inputs
            .iter()
            .map(|&n| {
                let (mut n, mut npc, mut nsp, mut s, mut k) = (n as u32, 0u32, 0u32, 0u32, 0u32);
                loop {
                    let (pc, sp) = (npc, nsp);
                    npc = pc.wrapping_add(1);
                    if stores_k {
                        k = 5;
                    }
                    match prog[pc as usize] {
                        0 => {
                            s = s.wrapping_add(sp);
                            nsp = sp.wrapping_add(3);
                            k = k.wrapping_add(1);
                        }
                        1 => {
                            s = s.wrapping_mul(3).wrapping_add(npc);
                            nsp = sp ^ s;
                        }
                        2 => s ^= pc.wrapping_add(k),
                        _ => {
                            n -= 1;
                            npc = 0;
                            if n == 0 {
                                break s.wrapping_add(sp).wrapping_add(k) as i32;
                            }
                        }
                    }
                }
            })
            .collect();
        assert_eq!(got, want, "{listing}");
        assert_eq!(listing.matches(head).count(), 3, "{listing}");
        assert!(!listing.contains(" br "), "{listing}");
    }
}

#[test]
fn a_loaded_value_only_stored_is_copied() {
    // Copies n words (`i64` and `i32`) from 8..to 1024.., shifting by one each round, then
    // sums what was copied; `dst[i] = src[i]` is one copy instruction.
    let decls = r#"(memory 1)
        (data (i32.const 8) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10\11\12\13\14\15\16\17\18\19\1a\1b\1c\1d\1e\1f\20")"#;
    for (load, store, size, form) in [
        ("i64.load", "i64.store", 8, "LOAD_STORE64"),
        ("i32.load", "i32.store", 4, "LOAD_STORE32"),
    ] {
        let body = format!(
            r#"(local $i i32) (local $s i32) (local $q i32)
            (loop $l
              (local.set $q (i32.mul (local.get $i) (i32.const 3)))
              ({store} offset=1024 (i32.mul (local.get $i) (i32.const {size}))
                ({load} offset=8 (local.get $q)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
            (local.set $i (i32.const 0))
            (loop $sum
              (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 31))
                (i32.load8_u offset=1024 (local.get $i))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $sum (i32.lt_u (local.get $i) (i32.const 64))))
            (local.get $s)"#
        );
        let inputs = [1, 2, 5];
        let (got, listing) = run_in_module(decls, &body, &inputs);
        let want: Vec<i32> = inputs
            .iter()
            .map(|&n| {
                let mut mem = vec![0u8; 2048];
                for k in 0..32 {
                    mem[8 + k] = k as u8 + 1;
                }
                for i in 0..n as usize {
                    let from = 8 + 3 * i;
                    let to = 1024 + size * i;
                    let bytes: Vec<u8> = mem[from..from + size].to_vec();
                    mem[to..to + size].copy_from_slice(&bytes);
                }
                (0..64).fold(0u32, |s, i| {
                    s.wrapping_mul(31).wrapping_add(mem[1024 + i] as u32)
                }) as i32
            })
            .collect();
        assert_eq!(got, want, "{listing}");
        assert!(listing.contains(form), "{form}\n{listing}");
    }
}

#[test]
fn a_load_store_copy_traps_at_the_load_first() {
    // The load out of bounds: trap, nothing stored. The store out of bounds: trap.
    let engine = Engine::default();
    let wat = r#"(module (memory (export "m") 1)
        (func (export "f") (param $from i32) (param $to i32)
          (i64.store (local.get $to) (i64.load (local.get $from)))))"#;
    let module = Module::new(&engine, wat).unwrap();
    let listing = module.disassemble(0).unwrap();
    assert!(listing.contains("LOAD_STORE64"), "{listing}");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = instance
        .get_typed_func::<(i32, i32), ()>(&store, "f")
        .unwrap();
    let m = instance.get_memory(&store, "m").unwrap();
    m.data_mut(&mut store)[..8].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
    f.call(&mut store, (0, 100)).unwrap();
    assert_eq!(&m.data(&store)[100..108], &[1, 2, 3, 4, 5, 6, 7, 8]);
    assert!(f.call(&mut store, (65530, 200)).is_err());
    assert_eq!(&m.data(&store)[200..208], &[0; 8]);
    assert!(f.call(&mut store, (0, 65530)).is_err());
    assert_eq!(&m.data(&store)[65530..65536], &[0; 6]);
}

/// `loop (if (cond) (then ... (br $loop))))`, the loop whose test is an `if` (what
/// wasmi's benchmarks and hand-written loops use): its back edge repeats the test and
/// falls through to the `if`'s false path, its `else` part if it has one. Not done for a
/// `br` nested deeper, nor from a later `if` at the same depth.
#[test]
fn loops_headed_by_an_if_rotate() {
    let inputs = [0, 1, 2, 7, 1000];
    let sum = |n: i32| (0..n).fold(0i32, |s, i| s.wrapping_add(i.wrapping_mul(3)));
    let want: Vec<i32> = inputs.iter().map(|&n| sum(n)).collect();
    // Plain: the counter's update and the test become one add-and-branch.
    let (got, listing) = run(
        r#"(local $i i32) (local $s i32)
        (loop $l
          (if (i32.lt_s (local.get $i) (local.get $n))
            (then
              (local.set $s (i32.add (local.get $s) (i32.mul (local.get $i) (i32.const 3))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $l))))
        (local.get $s)"#,
        &inputs,
    );
    assert_eq!(got, want);
    assert!(fused(&listing), "{listing}");
    // With an `else` part, which the exit reaches, and dead code after the `br`.
    let (got, listing) = run(
        r#"(local $i i32) (local $s i32)
        (loop $l
          (if (i32.lt_s (local.get $i) (local.get $n))
            (then
              (local.set $s (i32.add (local.get $s) (i32.mul (local.get $i) (i32.const 3))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $l)
              (local.set $s (i32.const -1)))
            (else (local.set $s (i32.add (local.get $s) (i32.const 1000000))))))
        (local.get $s)"#,
        &inputs,
    );
    let plus: Vec<i32> = want.iter().map(|&s| s.wrapping_add(1_000_000)).collect();
    assert_eq!(got, plus);
    assert!(fused(&listing), "{listing}");
    // The condition computed by a few instructions first (repeated on the back edge).
    let (got, _) = run(
        r#"(local $i i32) (local $s i32)
        (loop $l
          (if (i32.lt_s (i32.add (local.get $i) (i32.const 1)) (i32.add (local.get $n) (i32.const 1)))
            (then
              (local.set $s (i32.add (local.get $s) (i32.mul (local.get $i) (i32.const 3))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $l))))
        (local.get $s)"#,
        &inputs,
    );
    assert_eq!(got, want);
    // A `br` inside a block of the `then` part: the code after that block runs when the
    // block is left, so nothing may fall through to the `if`'s false path from there.
    let (got, _) = run(
        r#"(local $i i32) (local $s i32)
        (loop $l
          (if (i32.lt_s (local.get $i) (local.get $n))
            (then
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (block $b
                (br_if $b (i32.eqz (i32.and (local.get $i) (i32.const 1))))
                (local.set $s (i32.add (local.get $s) (i32.mul (i32.sub (local.get $i) (i32.const 1)) (i32.const 3))))
                (br $l))
              (local.set $s (i32.add (local.get $s) (i32.mul (i32.sub (local.get $i) (i32.const 1)) (i32.const 3))))
              (br $l))))
        (local.get $s)"#,
        &inputs,
    );
    assert_eq!(got, want);
    // A later `if` at the same depth is not the head: its `br` must jump to the real test
    // (here the first `if` counts, the second one loops).
    let (got, _) = run(
        r#"(local $i i32) (local $s i32)
        (loop $l
          (if (i32.lt_s (local.get $i) (local.get $n))
            (then (local.set $s (i32.add (local.get $s) (i32.mul (local.get $i) (i32.const 3))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (if (i32.lt_s (local.get $i) (local.get $n))
            (then (br $l))))
        (local.get $s)"#,
        &inputs,
    );
    let once: Vec<i32> = inputs.iter().map(|&n| sum(n.max(1))).collect();
    assert_eq!(got, once);
    // A `br` back from the loop's own level, after the head `if` has ended.
    let (got, _) = run(
        r#"(local $i i32) (local $s i32)
        (block $out (loop $l
          (if (i32.lt_s (local.get $i) (local.get $n))
            (then (local.set $s (i32.add (local.get $s) (i32.mul (local.get $i) (i32.const 3))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $out (i32.ge_s (local.get $i) (local.get $n)))
          (br $l)))
        (local.get $s)"#,
        &inputs,
    );
    assert_eq!(got, once);
}

/// The `if`-headed loop in metered code: the back edge's copy of the header's charge
/// runs every iteration, and a call cut into slices of fuel ends with the same result.
#[test]
fn metered_loops_headed_by_an_if_charge_every_iteration() {
    let mut config = Config::new();
    config.consume_fuel(true);
    let engine = Engine::new(&config);
    let wat = r#"(module (func (export "sum") (param $n i32) (result i32) (local $i i32) (local $s i32)
        (loop $l
          (if (i32.lt_u (local.get $i) (local.get $n))
            (then
              (local.set $s (i32.add (local.get $s) (local.get $i)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $l))))
        (local.get $s)))"#;
    let module = Module::new(&engine, wat).unwrap();
    let listing = module.disassemble(0).unwrap();
    assert!(listing.contains("add.br_if"), "{listing}");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let sum = instance.get_typed_func::<i32, i32>(&store, "sum").unwrap();
    let mut used = |n: i32| {
        store.set_fuel(1_000_000).unwrap();
        assert_eq!(sum.call(&mut store, n).unwrap(), (0..n).sum::<i32>());
        1_000_000 - store.get_fuel().unwrap()
    };
    used(0);
    let (u10, u11, u100) = (used(10), used(11), used(100));
    assert_eq!(
        u100 - u10,
        90 * (u11 - u10),
        "each iteration costs the same"
    );
    let f = instance.get_func(&store, "sum").unwrap();
    let mut results = [Val::I32(0)];
    store.set_fuel(20).unwrap();
    let mut call = f
        .call_resumable(&mut store, &[Val::I32(100)], &mut results)
        .unwrap();
    while let ResumableCall::OutOfFuel(inv) = call {
        store.set_fuel(20).unwrap();
        call = inv.resume(&mut store, &[], &mut results).unwrap();
    }
    assert_eq!(results[0].i32(), Some((0..100).sum::<i32>()));
}

/// An `i32.add` of a constant just before a load from its sum is one instruction with it
/// (QuickJS's `sp[-1]`: `p = sp - 8; v = *p`): the sum is still written, the load's result
/// can still be retargeted to a local, a label bound between it and a `br_table` keeps it
/// whole, and a load out of bounds traps. An add next to an unrelated load stays apart.
#[test]
fn adds_before_loads_are_one_instruction() {
    let engine = Engine::default();
    let wat = r#"(module (memory 1)
      (data (i32.const 0) "\0a\0b\0c\0a\00\00\00\00\f0\de\bc\9a\78\56\34\12")
      ;; the pointer kept: p = n + 8; (p, *p)
      (func (export "kept") (param $n i32) (result i64)
        (local $p i32)
        (local.set $p (i32.add (local.get $n) (i32.const 8)))
        (i64.add (i64.load (local.get $p)) (i64.extend_i32_u (local.get $p))))
      ;; a counter stepped next to an unrelated load, whose value goes to a local (apart)
      (func (export "apart") (param $n i32) (result i32)
        (local $i i32) (local $v i32)
        (local.set $i (i32.add (local.get $n) (i32.const 100)))
        (local.set $v (i32.load8_u offset=1 (local.get $n)))
        (i32.add (i32.mul (local.get $v) (i32.const 1000)) (local.get $i)))
      ;; the add's destination is the load's address and the loaded value's local
      (func (export "same") (param $n i32) (result i32)
        (local.set $n (i32.add (local.get $n) (i32.const 4)))
        (local.set $n (i32.load (local.get $n)))
        (local.get $n))
      ;; a label bound between the add-and-load and a `br_table` on its value
      (func (export "label") (param $n i32) (result i32)
        (local $p i32)
        (block $d2 (block $d1 (block $d0
          (block $c (result i32)
            (drop (br_if $c (i32.const 1) (i32.eqz (local.get $n))))
            (local.set $p (i32.add (local.get $n) (i32.const -1)))
            (i32.load8_u offset=1 (local.get $p)))
          (br_table $d0 $d1 $d2 (i32.add (i32.const -10))))
          (return (i32.add (i32.const 100) (local.get $p))))
          (return (i32.add (i32.const 200) (local.get $p))))
        (i32.add (i32.const 300) (local.get $p)))
      (global $g (mut i32) (i32.const 0))
      ;; out of bounds
      (func (export "trap") (param $n i32) (result i32)
        (local $p i32)
        (local.set $p (i32.add (local.get $n) (i32.const 3)))
        (global.set $g (i32.load (local.get $n)))
        (local.get $p)))"#;
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let listing: String = (0..5).map(|f| module.disassemble(f).unwrap()).collect();
    for form in [
        "i32.add.i64.load",
        "i32.add.i32.load8_u",
        "i32.add.i32.load",
    ] {
        assert!(listing.contains(form), "{form}:\n{listing}");
    }
    let kept = instance.get_typed_func::<i32, i64>(&store, "kept").unwrap();
    assert_eq!(kept.call(&mut store, 0).unwrap(), 0x1234_5678_9abc_def0 + 8);
    let apart = instance
        .get_typed_func::<i32, i32>(&store, "apart")
        .unwrap();
    assert_eq!(apart.call(&mut store, 1).unwrap(), 12 * 1000 + 101);
    let same = instance.get_typed_func::<i32, i32>(&store, "same").unwrap();
    assert_eq!(same.call(&mut store, 4).unwrap(), 0x9abc_def0_u32 as i32);
    let label = instance
        .get_typed_func::<i32, i32>(&store, "label")
        .unwrap();
    let got: Vec<i32> = (0..4).map(|n| label.call(&mut store, n).unwrap()).collect();
    assert_eq!(got, [300, 200, 301, 102]);
    let trap = instance.get_typed_func::<i32, i32>(&store, "trap").unwrap();
    assert_eq!(trap.call(&mut store, 0).unwrap(), 3);
    let err = trap.call(&mut store, 65533).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{err}");
}

/// An `i32.store` of an `i32.add` of a constant is one instruction, adding to a slot
/// (`p->n = x + 1`) or to a value just loaded (`p->n += 3`, two instructions where there
/// were three); the sum wraps, the store still traps out of bounds, and an `i64.store32`
/// of an `i64.add` (whose carry out of the low half is dropped the same way) is not taken
/// for one.
#[test]
fn adds_stored_are_one_instruction() {
    let engine = Engine::default();
    let wat = r#"(module (memory 1)
      (func (export "count") (param $p i32) (param $n i32) (result i32)
        (loop $l
          (i32.store offset=4 (local.get $p) (i32.add (i32.load offset=4 (local.get $p)) (i32.const 3)))
          (i32.store offset=8 (local.get $p) (i32.add (local.get $n) (i32.const -1)))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (i32.add (i32.load offset=4 (local.get $p)) (i32.load offset=8 (local.get $p))))
      (func (export "wrap") (param $p i32) (param $x i32) (result i64)
        (i32.store (local.get $p) (i32.add (local.get $x) (i32.const 0x7fffffff)))
        (i64.store32 offset=4 (local.get $p) (i64.add (i64.extend_i32_u (local.get $x)) (i64.const 0xffffffff)))
        (i64.load (local.get $p))))"#;
    let module = Module::new(&engine, wat).unwrap();
    let listing = module.disassemble(0).unwrap();
    assert!(
        listing.contains("ADD_STORE32::a") && listing.contains("ADD_STORE32::r"),
        "{listing}"
    );
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let count = instance
        .get_typed_func::<(i32, i32), i32>(&store, "count")
        .unwrap();
    assert_eq!(count.call(&mut store, (16, 10)).unwrap(), 30);
    assert_eq!(count.call(&mut store, (16, 1)).unwrap(), 33);
    let err = count.call(&mut store, (65530, 1)).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{err}");
    let wrap = instance
        .get_typed_func::<(i32, i32), i64>(&store, "wrap")
        .unwrap();
    let x = 0x8000_0003_u32;
    let low = x.wrapping_add(0x7fff_ffff) as u64;
    let high = (x as u64 + 0xffff_ffff) as u32 as u64;
    assert_eq!(
        wrap.call(&mut store, (64, x as i32)).unwrap(),
        (low | high << 32) as i64
    );
}

/// A byte or half-word loaded and stored straight back elsewhere is one copy, whatever
/// the load's extension: the store keeps the low bytes, which the extension leaves alone.
#[test]
fn narrow_loads_stored_are_one_copy() {
    let engine = Engine::default();
    let wat = r#"(module (memory 1)
      (data (i32.const 0) "\81\82\83\84\85\86\87\88")
      (func (export "copy") (param $d i32) (result i64)
        (i32.store8 offset=8 (local.get $d) (i32.load8_s (local.get $d)))
        (i32.store8 offset=9 (local.get $d) (i32.load8_u offset=1 (local.get $d)))
        (i32.store16 offset=10 (local.get $d) (i32.load16_s offset=2 (local.get $d)))
        (i64.store16 offset=12 (local.get $d) (i64.load16_u offset=4 (local.get $d)))
        (i64.store8 offset=14 (local.get $d) (i64.load8_s offset=6 (local.get $d)))
        (i32.store8 offset=15 (local.get $d) (i32.load8_u offset=7 (local.get $d)))
        (i64.load offset=8 (local.get $d))))"#;
    let module = Module::new(&engine, wat).unwrap();
    let listing = module.disassemble(0).unwrap();
    assert_eq!(listing.matches("i32.load8.store8").count(), 4, "{listing}");
    assert_eq!(
        listing.matches("i32.load16.store16").count(),
        2,
        "{listing}"
    );
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let copy = instance.get_typed_func::<i32, i64>(&store, "copy").unwrap();
    assert_eq!(
        copy.call(&mut store, 0).unwrap() as u64,
        0x8887_8685_8483_8281
    );
    let err = copy.call(&mut store, 65530).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{err}");
}

/// A pointer loaded and followed at once (`p->next->value`) is one instruction, whose
/// two bounds checks trap in order: a pointer out of memory, then a target out of memory.
#[test]
fn pointers_followed_are_one_instruction() {
    let engine = Engine::default();
    let wat = r#"(module (memory 1)
      ;; a list: node at 16 -> node at 32 -> node at 48; value at +4, next at +8
      (data (i32.const 16) "\00\00\00\00\0b\00\00\00\20\00\00\00")
      (data (i32.const 32) "\00\00\00\00\16\00\00\00\30\00\00\00")
      (data (i32.const 48) "\00\00\00\00\21\00\00\00\fd\ff\00\00")
      (func (export "sum") (param $p i32) (param $k i32) (result i32)
        (local $s i32)
        (loop $l
          (local.set $s (i32.add (local.get $s) (i32.load offset=4 (i32.load offset=8 (local.get $p)))))
          (local.set $p (i32.load offset=8 (local.get $p)))
          (br_if $l (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
        (local.get $s)))"#;
    let module = Module::new(&engine, wat).unwrap();
    let listing = module.disassemble(0).unwrap();
    assert!(listing.contains("i32.load.i32.load"), "{listing}");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let sum = instance
        .get_typed_func::<(i32, i32), i32>(&store, "sum")
        .unwrap();
    // 16 -> 32 (22), 32 -> 48 (33)
    assert_eq!(sum.call(&mut store, (16, 2)).unwrap(), 22 + 33);
    // the pointer itself read out of bounds; then 48 -> 0xfffd, whose value is not in
    // memory
    for (p, k) in [(65530, 1), (16, 3)] {
        let err = sum.call(&mut store, (p, k)).unwrap_err();
        assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{err}");
    }
}

/// Pairs (`exec/ops/pairs.rs`): two plain instructions in a row run by one handler. Each
/// pair computes what the two instructions do; a branch to the second instruction (a
/// label between the two) runs it alone; and an out-of-bounds access in the second traps
/// as it would alone, the store usable afterwards.
#[test]
fn pairs_run_both_instructions_and_branches_to_the_second_run_it_alone() {
    let wat = r#"(module
      (memory 1)
      (data (i32.const 16) "\01\00\00\00\02\00\00\00\03\00\00\00\04\00\00\00")
      ;; Two loads in a row, an add and a load, an add and an add, a store and an add,
      ;; two stores in a row.
      (func (export "straight") (param $p i32) (result i32)
        (local $a i32) (local $b i32) (local $c i32) (local $d i32)
        (local.set $a (i32.load (local.get $p)))
        (local.set $b (i32.load offset=4 (local.get $p)))
        (local.set $c (i32.add (local.get $a) (i32.const 100)))
        (local.set $d (i32.load offset=8 (local.get $p)))
        (local.set $a (i32.add (local.get $a) (i32.const 7)))
        (local.set $b (i32.add (local.get $b) (i32.const 9)))
        (i64.store offset=64 (local.get $p) (i64.extend_i32_u (local.get $d)))
        (local.set $c (i32.add (local.get $c) (i32.const 1000)))
        (i32.store offset=80 (local.get $p) (local.get $a))
        (i32.store offset=84 (local.get $p) (local.get $b))
        (i32.add (i32.add (local.get $a) (local.get $b))
          (i32.add (i32.add (local.get $c) (local.get $d))
            (i32.add (i32.load offset=80 (local.get $p))
              (i32.add (i32.load offset=84 (local.get $p))
                (i32.wrap_i64 (i64.load offset=64 (local.get $p))))))))
      ;; The block's last instruction (an add) and the first after its end (a load) make a
      ;; pair; the `br_if` jumps to the load.
      (func (export "label") (param $p i32) (param $skip i32) (result i32)
        (local $x i32) (local $y i32)
        (local.set $x (i32.const 1))
        (block $b
          (local.set $x (i32.add (local.get $p) (i32.const 10)))
          (br_if $b (local.get $skip))
          (local.set $x (i32.add (local.get $x) (i32.const 5))))
        (local.set $y (i32.load (local.get $p)))
        (i32.add (i32.mul (local.get $x) (i32.const 1000)) (local.get $y))))"#;
    let (module, mut store, instance) = instantiate(wat);
    let straight_listing = module.disassemble(0).unwrap();
    let label_listing = module.disassemble(1).unwrap();
    let straight = instance
        .get_typed_func::<i32, i32>(&store, "straight")
        .unwrap();
    let label = instance
        .get_typed_func::<(i32, i32), i32>(&store, "label")
        .unwrap();

    // p = 16: a = 1, b = 2, d = 3; a' = 8, b' = 11, c = 1101.
    let want = 8 + 11 + 1101 + 3 + 8 + 11 + 3;
    assert_eq!(straight.call(&mut store, 16).unwrap(), want);
    for pair in ["i32.load+i32.load", "i32.add+i32.load", "i32.add+i32.add"] {
        assert!(
            straight_listing.contains(pair),
            "{pair}:\n{straight_listing}"
        );
    }
    assert!(
        straight_listing.contains("store64+i32.add")
            && straight_listing.contains("store32+store32"),
        "{straight_listing}"
    );

    // Through the pair (falling out of the block) and to the load alone (the branch).
    assert!(
        label_listing.contains("i32.add+i32.load"),
        "{label_listing}"
    );
    assert_eq!(label.call(&mut store, (16, 0)).unwrap(), 31_001);
    assert_eq!(label.call(&mut store, (16, 1)).unwrap(), 26_001);
    assert_eq!(label.call(&mut store, (20, 0)).unwrap(), 35_002);

    // The second instruction of a pair traps: at 65528 the loads at offsets 0 and 4 are
    // in bounds, the one at offset 8 (after an add) is not. And a load at 65534 traps
    // run alone (the branch) or in a pair.
    for err in [
        straight.call(&mut store, 65_528).unwrap_err(),
        label.call(&mut store, (65_534, 1)).unwrap_err(),
        label.call(&mut store, (65_534, 0)).unwrap_err(),
    ] {
        assert!(err.to_string().contains("out of bounds"), "{err}");
    }
    assert_eq!(
        straight.call(&mut store, 16).unwrap(),
        want,
        "the store still works"
    );
}

/// Pairs whose first instruction hands its value to the second through the accumulator
/// (a load to `i32.and`, a load to `i32.add.store32`, `i64.shr_u` to `i32.wrap_i64`),
/// two load-store copies, a copy and an `i64.and`, a wrap and a load: each computes what
/// the two instructions do.
#[test]
fn pairs_through_the_accumulator_and_of_copies() {
    let wat = r#"(module
      (memory 1)
      (data (i32.const 16) "\81\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
      (func (export "f") (param $p i32) (param $w i64) (result i32)
        (local $b i32) (local $h i32) (local $t i64)
        (local.set $b (i32.and (i32.load8_u (local.get $p)) (i32.const 0x7f)))
        (i32.store offset=32 (local.get $p)
          (i32.add (i32.load offset=32 (local.get $p)) (i32.const 3)))
        (local.set $h (i32.wrap_i64 (i64.shr_u (local.get $w) (i64.const 32))))
        (i64.store offset=48 (local.get $p) (i64.load (local.get $p)))
        (i32.store8 offset=56 (local.get $p) (i32.load8_u offset=8 (local.get $p)))
        (local.set $t (local.get $w))
        (local.set $t (i64.and (local.get $t) (i64.const 0xffff)))
        (i32.add (i32.add (local.get $b) (local.get $h))
          (i32.add (i32.load offset=32 (local.get $p))
            (i32.add (i32.wrap_i64 (local.get $t))
              (i32.add (i32.load offset=48 (local.get $p))
                (i32.load8_u offset=56 (local.get $p))))))))"#;
    let (module, mut store, instance) = instantiate(wat);
    let listing = module.disassemble(0).unwrap();
    let f = instance
        .get_typed_func::<(i32, i64), i32>(&store, "f")
        .unwrap();
    let w: u64 = 0x0123_4567_89ab_cdef;
    for round in 1..=3u32 {
        let b = 0x81 & 0x7f;
        let counter = 3 * round;
        let copied = u32::from_le_bytes([0x81, 2, 3, 4]);
        let want = (b + (w >> 32) as u32 + counter + (w & 0xffff) as u32)
            .wrapping_add(copied)
            .wrapping_add(9);
        assert_eq!(f.call(&mut store, (16, w as i64)).unwrap() as u32, want);
    }
    for pair in [
        "i32.load8_u+i32.and",
        "i32.load+i32.add.store32",
        "i64.shr_u+i32.wrap_i64",
        "i64.load.store64+i32.load8.store8",
        "copy+i64.and",
        "i32.wrap_i64+i32.load",
    ] {
        assert!(listing.contains(pair), "{pair}:\n{listing}");
    }
}

/// Two copies, then an add of a constant (Lua's instruction fetch at the end of each case:
/// `pc' = pc; base' = base; pc = pc + 4`): one pair, the add reading what the copies left.
#[test]
fn copies_and_an_add_after_them_are_a_pair() {
    let wat = r#"(module
      (func (export "f") (param $a i32) (param $b i32) (result i32)
        (local $x i32) (local $y i32) (local $z i32)
        (local.set $x (local.get $a))
        (local.set $y (local.get $b))
        (local.set $z (i32.add (local.get $x) (i32.const 4)))
        (local.set $a (i32.const 0))
        (i32.add (i32.mul (local.get $x) (i32.const 1000))
          (i32.add (i32.mul (local.get $y) (i32.const 10)) (local.get $z)))))"#;
    let (module, mut store, instance) = instantiate(wat);
    let listing = module.disassemble(0).unwrap();
    assert!(listing.contains("copy2+i32.add"), "{listing}");
    let f = instance
        .get_typed_func::<(i32, i32), i32>(&store, "f")
        .unwrap();
    for (a, b) in [(1, 2), (7, -3), (-5, 100)] {
        let want = a * 1000 + b * 10 + (a + 4);
        assert_eq!(f.call(&mut store, (a, b)).unwrap(), want, "{listing}");
    }
}

/// A xorshift step (`x ^= x << k`, `x ^= x >> k`: PRNGs, hash finalisers) is one pair,
/// the shifted value handed to the `xor` in the accumulator: xorshift32 (13, 17, 5) and
/// xorshift64 (13, 7, 17).
#[test]
fn xorshift_steps_are_pairs() {
    check_xorshift(
        "i32",
        (13, 17, 5),
        &[(1, 1), (0x1234_5678, 10), (0xdead_beef, 1000)],
    );
    check_xorshift(
        "i64",
        (13, 7, 17),
        &[
            (1, 1),
            (0x0123_4567_89ab_cdef, 10),
            (0xdead_beef_f00d, 1000),
        ],
    );
}

/// Runs `n` xorshift rounds with shifts `(a, b, c)` in type `t` (`i32` or `i64`) from each
/// seed, checks the pairs in the listing and each result against a Rust model.
fn check_xorshift(t: &str, (a, b, c): (u32, u32, u32), seeds: &[(u64, i32)]) {
    let wat = format!(
        r#"(module
      (func (export "f") (param $x {t}) (param $n i32) (result {t})
        (loop $l
          (local.set $x ({t}.xor (local.get $x) ({t}.shl (local.get $x) ({t}.const {a}))))
          (local.set $x ({t}.xor (local.get $x) ({t}.shr_u (local.get $x) ({t}.const {b}))))
          (local.set $x ({t}.xor (local.get $x) ({t}.shl (local.get $x) ({t}.const {c}))))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $x)))"#
    );
    let (module, mut store, instance) = instantiate(&wat);
    let listing = module.disassemble(0).unwrap();
    // Two in each of the loop's two copies (it is unrolled).
    assert_eq!(
        listing.matches(&format!("{t}.shl+{t}.xor")).count(),
        4,
        "{listing}"
    );
    assert_eq!(
        listing.matches(&format!("{t}.shr_u+{t}.xor")).count(),
        2,
        "{listing}"
    );
    let mask = if t == "i32" {
        u32::MAX as u64
    } else {
        u64::MAX
    };
    for &(seed, n) in seeds {
        let mut x = seed;
        for _ in 0..n {
            x ^= (x << a) & mask;
            x ^= x >> b;
            x ^= (x << c) & mask;
        }
        let got = if t == "i32" {
            let f = instance
                .get_typed_func::<(i32, i32), i32>(&store, "f")
                .unwrap();
            f.call(&mut store, (seed as i32, n)).unwrap() as u32 as u64
        } else {
            let f = instance
                .get_typed_func::<(i64, i32), i64>(&store, "f")
                .unwrap();
            f.call(&mut store, (seed as i64, n)).unwrap() as u64
        };
        assert_eq!(got, x, "{t} seed {seed:#x} n {n}: {listing}");
    }
}

/// Hash rounds in `i64` are pairs through the accumulator: FNV-1a's `h = (h ^ byte) *
/// prime`, and xxHash's `acc += lane * prime; acc = rotl(acc, 31); acc *= prime`.
#[test]
fn i64_hash_rounds_are_pairs() {
    let wat = r#"(module
      (memory 1)
      (data (i32.const 0) "\01\23\45\67\89\ab\cd\ef\fe\dc\ba\98\76\54\32\10")
      (func (export "fnv") (param $n i32) (result i64)
        (local $h i64) (local $p i32)
        (local.set $h (i64.const 0xcbf29ce484222325))
        (loop $l
          (local.set $h (i64.mul
            (i64.xor (local.get $h) (i64.load8_u (i32.and (local.get $p) (i32.const 15))))
            (i64.const 0x100000001b3)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $p) (local.get $n))))
        (local.get $h))
      (func (export "xxh") (param $n i32) (result i64)
        (local $acc i64) (local $p i32)
        (local.set $acc (i64.const 0x60ea27eeadc0b5d6))
        (loop $l
          (local.set $acc (i64.mul
            (i64.rotl
              (i64.add (local.get $acc)
                (i64.mul (i64.load (i32.and (local.get $p) (i32.const 8))) (i64.const 0xc2b2ae3d27d4eb4f)))
              (i64.const 31))
            (i64.const 0x9e3779b185ebca87)))
          (local.set $p (i32.add (local.get $p) (i32.const 8)))
          (br_if $l (i32.lt_u (local.get $p) (local.get $n))))
        (local.get $acc)))"#;
    let (module, mut store, instance) = instantiate(wat);
    let listing = format!(
        "{}{}",
        module.disassemble(0).unwrap(),
        module.disassemble(1).unwrap()
    );
    for pair in ["i64.xor+i64.mul", "i64.mul+i64.add", "i64.rotl+i64.mul"] {
        assert!(listing.contains(pair), "{pair}:\n{listing}");
    }
    let bytes: [u8; 16] = [
        0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32,
        0x10,
    ];
    let fnv = instance.get_typed_func::<i32, i64>(&store, "fnv").unwrap();
    let xxh = instance.get_typed_func::<i32, i64>(&store, "xxh").unwrap();
    for n in [1u32, 17, 1000] {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for p in 0..n {
            h = (h ^ bytes[(p & 15) as usize] as u64).wrapping_mul(0x100_0000_01b3);
        }
        assert_eq!(
            fnv.call(&mut store, n as i32).unwrap() as u64,
            h,
            "{listing}"
        );
        let mut acc: u64 = 0x60ea_27ee_adc0_b5d6;
        let mut p = 0u32;
        loop {
            let at = (p & 8) as usize;
            let lane = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
            acc = acc
                .wrapping_add(lane.wrapping_mul(0xc2b2_ae3d_27d4_eb4f))
                .rotate_left(31)
                .wrapping_mul(0x9e37_79b1_85eb_ca87);
            p += 8;
            if p >= n {
                break;
            }
        }
        assert_eq!(
            xxh.call(&mut store, n as i32).unwrap() as u64,
            acc,
            "{listing}"
        );
    }
}

/// Pairs in chains through the accumulator: a mask and a shift of a loaded byte, an add
/// into the accumulator and a load from it, a shift and an add, a load and an `and`; and
/// a string-hash loop (`h ^= (h << 5) + (h >> 2) + byte`). Each result is computed here.
#[test]
fn pairs_in_accumulator_chains() {
    let wat = r#"(module
      (memory 1)
      (data (i32.const 16) "\81\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
      (func (export "f") (param $p i32) (param $k i32) (result i32)
        (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32)
        (local.set $a (i32.add (local.get $k) (i32.mul (local.get $p) (i32.const 31))))
        (local.set $b (i32.xor (local.get $a)
          (i32.shl (i32.const 1) (i32.and (i32.load8_u offset=1 (local.get $p)) (i32.const 31)))))
        (local.set $c (i32.and (local.get $k) (i32.xor (local.get $b) (i32.const 0x5a5a))))
        (local.set $d (i32.load
          (i32.add (local.get $p) (i32.shl (i32.and (local.get $k) (i32.const 1)) (i32.const 2)))))
        (local.set $e (i32.add (i32.shr_u (local.get $c) (i32.const 3)) (i32.const 7)))
        (local.set $a (i32.and (i32.load offset=4 (local.get $p)) (local.get $e)))
        (i32.add (i32.add (local.get $a) (local.get $b))
          (i32.add (local.get $c) (i32.add (local.get $d) (local.get $e)))))
      (func (export "hash") (param $p i32) (param $n i32) (result i32) (local $h i32) (local $i i32)
        (local.set $h (local.get $n))
        (block $done (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $h (i32.xor (local.get $h)
            (i32.add (i32.add (i32.shl (local.get $h) (i32.const 5)) (i32.shr_u (local.get $h) (i32.const 2)))
              (i32.load8_u (i32.add (local.get $p) (local.get $i))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
        (local.get $h)))"#;
    let (module, mut store, instance) = instantiate(wat);
    let listing = module.disassemble(0).unwrap();
    let f = instance
        .get_typed_func::<(i32, i32), i32>(&store, "f")
        .unwrap();
    let hash = instance
        .get_typed_func::<(i32, i32), i32>(&store, "hash")
        .unwrap();
    let data: Vec<u8> = [0x81u8].into_iter().chain(2..=16).collect();
    let load32 = |at: usize| u32::from_le_bytes(data[at..at + 4].try_into().unwrap());
    for k in [12345u32, 0, 7, 0xdead_beef] {
        let p = 16u32;
        let a = k.wrapping_add(p.wrapping_mul(31));
        let b = a ^ (1 << (data[1] as u32 & 31));
        let c = k & (b ^ 0x5a5a);
        let d = load32(((k & 1) << 2) as usize);
        let e = (c >> 3).wrapping_add(7);
        let a = load32(4) & e;
        let want = a
            .wrapping_add(b)
            .wrapping_add(c)
            .wrapping_add(d)
            .wrapping_add(e);
        assert_eq!(
            f.call(&mut store, (16, k as i32)).unwrap() as u32,
            want,
            "f(16, {k})"
        );
    }
    for n in [0u32, 1, 16] {
        let mut h = n;
        for &byte in &data[..n as usize] {
            h ^= (h << 5).wrapping_add(h >> 2).wrapping_add(byte as u32);
        }
        assert_eq!(
            hash.call(&mut store, (16, n as i32)).unwrap() as u32,
            h,
            "hash({n})"
        );
    }
    for pair in [
        "i32.load8_u+i32.and",
        "i32.add+i32.load",
        "i32.shr_u+i32.add",
    ] {
        assert!(listing.contains(pair), "{pair}:\n{listing}");
    }
}

/// Pairs whose second instruction is a conditional branch (a load and a comparison with a
/// constant, an `add.store32` and one, an `i64.and` and one, a copy and `br_if_nez`): both
/// ways of each branch, against a model of the loop.
#[test]
fn pairs_ending_in_a_branch_go_both_ways() {
    let wat = r#"(module
        (memory 1)
        (data (i32.const 16) "\05\00\00\00\fb\ff\ff\ff\07\00\00\00\00\00\00\00")
        (func (export "f") (param $p i32) (param $n i32) (result i32)
          (local $i i32) (local $s i32) (local $x i32) (local $v i32) (local $w i64) (local $q i32) (local $y i32)
          (loop $l
            (local.set $q (i32.add (local.get $p) (i32.and (i32.shl (local.get $i) (i32.const 2)) (i32.const 7))))
            (block $b1
              (local.set $v (i32.load (local.get $q)))
              (br_if $b1 (i32.lt_s (local.get $v) (i32.const 0)))
              (local.set $s (i32.add (local.get $s) (i32.const 100))))
            (block $b2
              (local.set $x (i32.load offset=8 (local.get $p)))
              (br_if $b2 (i32.eq (local.get $x) (local.get $i)))
              (local.set $s (i32.add (local.get $s) (i32.const 1000))))
            (block $b3
              (i32.store offset=12 (local.get $p) (i32.add (local.get $i) (i32.const 1)))
              (br_if $b3 (i32.gt_s (local.get $i) (i32.const 5)))
              (local.set $s (i32.add (local.get $s) (i32.const 7))))
            (block $b4
              (local.set $w (i64.and (i64.extend_i32_u (local.get $i)) (i64.const 3)))
              (br_if $b4 (i64.eq (local.get $w) (i64.const 2)))
              (local.set $s (i32.add (local.get $s) (i32.const 10000))))
            (block $b5
              (local.set $y (i32.and (local.get $i) (i32.const 1)))
              (local.set $x (local.get $v))
              (br_if $b5 (local.get $y))
              (local.set $s (i32.sub (local.get $s) (local.get $x))))
            (local.set $s (i32.add (local.get $s) (i32.load offset=12 (local.get $p))))
            (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
          (local.get $s)))"#;
    let (module, mut store, instance) = instantiate(wat);
    let listing = module.disassemble(0).unwrap();
    let f = instance
        .get_typed_func::<(i32, i32), i32>(&store, "f")
        .unwrap();
    for n in [0i32, 1, 10, 13] {
        let (mut s, mut i) = (0i32, 0i32);
        loop {
            let v = if ((i << 2) & 7) == 0 { 5 } else { -5 };
            if v >= 0 {
                s = s.wrapping_add(100);
            }
            if 7 != i {
                s = s.wrapping_add(1000);
            }
            // (The counter in memory: `i + 1`, read back at the end of the iteration.)
            let counter = i + 1;
            if i <= 5 {
                s = s.wrapping_add(7);
            }
            if (i & 3) != 2 {
                s = s.wrapping_add(10000);
            }
            if i & 1 == 0 {
                s = s.wrapping_sub(v);
            }
            s = s.wrapping_add(counter);
            i += 1;
            if i as u32 >= n as u32 {
                break;
            }
        }
        assert_eq!(f.call(&mut store, (16, n)).unwrap(), s, "n = {n}");
    }
    for pair in [
        "i32.load+br_if.i32.lt_s",
        "i32.add.store32+br_if.i32.gt_s",
        "i64.and+br_if.i64.eq",
        "copy+br_if_nez",
    ] {
        assert!(listing.contains(pair), "{pair}:\n{listing}");
    }
}

#[test]
fn branches_on_a_global_read_the_global_in_the_branch() {
    // Asyncify's state tests: a `global.get` that only decides a `br_if` or an `if`,
    // against zero or a constant. Each bit of the result says which way one branch went.
    let decls = "(global $s (mut i32) (i32.const 0))";
    // (The multiply keeps the first `global.get` from reading the value the set left.)
    let body = r#"(local $r i32) (local $t i32)
        (global.set $s (local.get $n))
        (local.set $t (i32.mul (local.get $n) (local.get $n)))
        (block $a (br_if $a (global.get $s))
          (local.set $r (i32.const 1)))
        (block $b (br_if $b (i32.eqz (global.get $s)))
          (local.set $r (i32.or (local.get $r) (i32.const 2))))
        (block $c (br_if $c (i32.eq (global.get $s) (i32.const 2)))
          (local.set $r (i32.or (local.get $r) (i32.const 4))))
        (block $d (br_if $d (i32.ne (i32.const 3) (global.get $s)))
          (local.set $r (i32.or (local.get $r) (i32.const 8))))
        (if (i32.ne (global.get $s) (i32.const -1))
          (then (local.set $r (i32.or (local.get $r) (i32.const 16)))))
        (if (global.get $s)
          (then (local.set $r (i32.or (local.get $r) (i32.const 32)))))
        (local.get $r)"#;
    let inputs = [0, 1, 2, 3, -1, 7];
    let (got, listing) = run_in_module(decls, body, &inputs);
    let want: Vec<i32> = inputs
        .iter()
        .map(|&s| {
            let bits = [s == 0, s != 0, s != 2, s == 3, s != -1, s != 0];
            (0..6).filter(|&i| bits[i]).map(|i| 1 << i).sum()
        })
        .collect();
    assert_eq!(got, want);
    for form in [
        "GLOBAL_BR_NEZ",
        "GLOBAL_BR_EQZ",
        "GLOBAL_BR_EQ",
        "GLOBAL_BR_NE",
    ] {
        assert!(listing.contains(form), "{form} in {listing}");
    }
    assert!(!listing.contains("GLOBAL_GET "), "{listing}");
}

#[test]
fn a_branch_that_carries_values_absorbs_its_comparison() {
    // A `br_if` whose target takes values branches over the moves when the condition is
    // false: that test takes the comparison in, as an `if`'s does, out of the function
    // (a return) or of a block, on a local or a global.
    let decls = "(global $s (mut i32) (i32.const 0))";
    let body = r#"
        (global.set $s (i32.and (local.get $n) (i32.const 15)))
        (drop (br_if 0 (i32.const 99) (i32.gt_s (local.get $n) (i32.const 1000))))
        (block $out (result i32)
          (drop (br_if $out (i32.const 10) (i32.lt_s (local.get $n) (i32.const 3))))
          (drop (br_if $out (i32.add (local.get $n) (i32.const 100))
            (i32.eq (local.get $n) (i32.const 7))))
          (drop (br_if $out (i32.const 30) (i32.eq (global.get $s) (i32.const 9))))
          (i32.const 20))"#;
    let inputs = [-5, 0, 2, 3, 7, 8, 9, 25, 5000];
    let (got, listing) = run_in_module(decls, body, &inputs);
    let want: Vec<i32> = inputs
        .iter()
        .map(|&n| match n {
            _ if n > 1000 => 99,
            _ if n < 3 => 10,
            7 => 107,
            _ if n & 15 == 9 => 30,
            _ => 20,
        })
        .collect();
    assert_eq!(got, want);
    for plain in ["I32_GT_S::", "I32_LT_S::", "I32_EQ::", "GLOBAL_GET "] {
        assert!(!listing.contains(plain), "{plain} in {listing}");
    }
}

#[test]
fn a_branch_on_a_select_by_a_global_selects_and_branches_in_one() {
    // Asyncify's tests at call sites: `br_if (select (x) (k) (global.get $state))`, with
    // the slot or the constant first, a zero test or not, in a `br_if` or an `if`.
    let decls = "(global $s (mut i32) (i32.const 0))";
    let body = r#"(local $r i32) (local $x i32) (local $y i32)
        (global.set $s (i32.and (local.get $n) (i32.const 3)))
        (local.set $x (i32.shr_s (local.get $n) (i32.const 2)))
        (block $a (br_if $a (select (local.get $x) (i32.const 0) (global.get $s)))
          (local.set $r (i32.or (local.get $r) (i32.const 1))))
        (block $b (br_if $b (i32.eqz
            (select (i32.eq (local.get $x) (i32.const 1)) (i32.const 1) (global.get $s))))
          (local.set $r (i32.or (local.get $r) (i32.const 2))))
        (block $c (br_if $c (select (i32.const 5) (local.get $x) (global.get $s)))
          (local.set $r (i32.or (local.get $r) (i32.const 4))))
        (if (select (local.get $x) (i32.const 0) (global.get $s))
          (then (local.set $r (i32.or (local.get $r) (i32.const 8)))))
        ;; Kept in a local by `local.tee`: the select must write it.
        (block $d (br_if $d (local.tee $y (select (local.get $x) (i32.const 7) (global.get $s))))
          (local.set $r (i32.or (local.get $r) (i32.const 16))))
        (i32.add (local.get $r) (i32.shl (local.get $y) (i32.const 8)))"#;
    let inputs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -4, -3];
    let (got, listing) = run_in_module(decls, body, &inputs);
    let want: Vec<i32> = inputs
        .iter()
        .map(|&n| {
            let (s, x) = (n & 3, n >> 2);
            let y = if s != 0 { x } else { 7 };
            let not_taken = [
                !(s != 0 && x != 0),
                !(s != 0 && x != 1),
                s == 0 && x == 0,
                s != 0 && x != 0,
                y == 0,
            ];
            let bits: i32 = (0..5).filter(|&i| not_taken[i]).map(|i| 1 << i).sum();
            bits + (y << 8)
        })
        .collect();
    assert_eq!(got, want);
    for form in ["GLOBAL_SELECT_BR_NEZ", "GLOBAL_SELECT_BR_EQZ"] {
        assert!(listing.contains(form), "{form} in {listing}");
    }
    // The tee'd select stays a select of its own.
    assert!(listing.contains("SELECT_RI_GLOBAL"), "{listing}");
}

#[test]
fn a_global_read_kept_in_a_local_or_64_bits_wide_is_not_branched_on_in_place() {
    // The `local.tee` keeps the value, so the read must write it; an `i64` global's test
    // looks at all 64 bits (2^32 is not zero).
    let decls = "(global $s (mut i32) (i32.const 0)) (global $w (mut i64) (i64.const 0))";
    let body = r#"(local $x i32)
        (global.set $s (local.get $n))
        (global.set $w (i64.shl (i64.extend_i32_s (local.get $n)) (i64.const 32)))
        (block $a (br_if $a (local.tee $x (global.get $s)))
          (local.set $x (i32.const 100)))
        (block $b (br_if $b (i64.eqz (global.get $w)))
          (local.set $x (i32.add (local.get $x) (i32.const 1000))))
        (local.get $x)"#;
    let inputs = [0, 1, 5, -1];
    let (got, listing) = run_in_module(decls, body, &inputs);
    let want: Vec<i32> = inputs
        .iter()
        .map(|&n| if n == 0 { 100 } else { n + 1000 })
        .collect();
    assert_eq!(got, want);
    assert!(!listing.contains("GLOBAL_BR"), "{listing}");
}

#[test]
fn a_select_on_a_global_reads_the_global_in_the_select() {
    // `select(x, k, global.get $state)`, with the constant on either side.
    let decls = "(global $s (mut i32) (i32.const 0))";
    let body = r#"(local $t i32)
        (global.set $s (i32.and (local.get $n) (i32.const 1)))
        (local.set $t (i32.mul (local.get $n) (local.get $n)))
        (i32.add
          (select (local.get $t) (i32.const 7) (global.get $s))
          (select (i32.const 1000) (local.get $n) (global.get $s)))"#;
    let inputs = [0, 1, 2, 3, 10, 11];
    let (got, listing) = run_in_module(decls, body, &inputs);
    let want: Vec<i32> = inputs
        .iter()
        .map(|&n| {
            let odd = n & 1 != 0;
            (if odd { n * n } else { 7 }) + if odd { 1000 } else { n }
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(listing.matches("SELECT_RI_GLOBAL").count(), 2, "{listing}");
}

/// C code's calls, as clang compiles them: the shadow-stack prologue and the first spill
/// are one pair; an argument loaded or a constant set right before a call, and a result
/// loaded right before a return (with or without the epilogue), are pairs whose second
/// instruction, the call or the return, is entered by a direct jump. Deep recursion through
/// such a call grows the frame stack (the call runs again, alone, after growing) and, past
/// the limit, traps; a load that traps inside a pair leaves the store usable.
#[test]
fn c_calls_and_returns_are_pairs() {
    let wat = r#"(module
      (memory 1)
      (global $sp (export "sp") (mut i32) (i32.const 4096))
      ;; return p->x
      (func $x (param $p i32) (result i32)
        (i32.load offset=4 (local.get $p)))
      ;; return p->next->x
      (func $next_x (param $p i32) (result i32)
        (i32.load offset=4 (i32.load offset=8 (local.get $p))))
      (func $k (param $k i32) (result i32)
        (i32.mul (local.get $k) (i32.const 3)))
      ;; sum of x along the list from p, n deep: a frame per call, recursion through a
      ;; loaded argument, the result reloaded from the frame before the epilogue.
      (func $sum (export "sum") (param $n i32) (param $p i32) (result i32)
        (local $fp i32)
        (global.set $sp (local.tee $fp (i32.sub (global.get $sp) (i32.const 16))))
        (i32.store offset=12 (local.get $fp) (local.get $n))
        (i32.store offset=4 (local.get $fp) (call $x (local.get $p)))
        (if (i32.gt_s (local.get $n) (i32.const 1))
          (then
            (i32.store offset=4 (local.get $fp)
              (i32.add (i32.load offset=4 (local.get $fp))
                (call $sum (i32.sub (i32.load offset=12 (local.get $fp)) (i32.const 1))
                  (i32.load offset=8 (local.get $p)))))))
        (i32.store offset=8 (local.get $fp) (call $k (i32.const 7)))
        (local.set $n (i32.load offset=4 (local.get $fp)))
        (global.set $sp (i32.add (local.get $fp) (i32.const 16)))
        (local.get $n))
      ;; A frame the function does not take from the global (no set), then its spill.
      (func (export "peek") (param $v i32) (result i32)
        (local $fp i32)
        (local.set $fp (i32.sub (global.get $sp) (i32.const 32)))
        (i32.store offset=8 (local.get $fp) (local.get $v))
        (call $next_x (local.get $fp)))
      ;; n calls deep, each through a loaded argument (node p's next).
      (func $deep (export "deep") (param $n i32) (param $p i32) (result i32)
        (if (result i32) (i32.eqz (local.get $n))
          (then (i32.const 0))
          (else (i32.add (i32.const 1)
            (call $deep (i32.sub (local.get $n) (i32.const 1))
              (i32.load offset=8 (local.get $p)))))))
      (func (export "x") (param $p i32) (result i32)
        (call $x (i32.load (local.get $p))))
      ;; A list at 64: node i at 64 + 16 i, x = i + 1, next = the next node (the last
      ;; one points to itself).
      (func (export "init") (param $n i32)
        (local $i i32) (local $a i32)
        (loop $l
          (local.set $a (i32.add (i32.const 64) (i32.shl (local.get $i) (i32.const 4))))
          (i32.store offset=4 (local.get $a) (i32.add (local.get $i) (i32.const 1)))
          (i32.store offset=8 (local.get $a)
            (select (i32.add (local.get $a) (i32.const 16)) (local.get $a)
              (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $n))))
          (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
            (local.get $n))))))"#;
    let (module, mut store, instance) = instantiate(wat);
    let listings: Vec<String> = (0..8).filter_map(|i| module.disassemble(i)).collect();
    let listing = listings.join("\n");
    for pair in [
        "global.get.add.set+store32",
        "global.get.add+store32",
        "i32.load+call",
        "const+call",
        "i32.load+return.slot",
        "i32.load.i32.load+return.slot",
        "i32.load+add.global.set.return.slot",
    ] {
        assert!(listing.contains(pair), "{pair}: {listing}");
    }
    let init = instance.get_typed_func::<i32, ()>(&store, "init").unwrap();
    let sum = instance
        .get_typed_func::<(i32, i32), i32>(&store, "sum")
        .unwrap();
    let peek = instance.get_typed_func::<i32, i32>(&store, "peek").unwrap();
    let x = instance.get_typed_func::<i32, i32>(&store, "x").unwrap();
    let sp = instance.get_global(&store, "sp").unwrap();
    // 200 nodes, up to 3264; 100 frames take the shadow stack from 4096 down to 2496.
    init.call(&mut store, 200).unwrap();
    for n in [1, 2, 10, 100] {
        assert_eq!(sum.call(&mut store, (n, 64)).unwrap(), n * (n + 1) / 2);
        assert_eq!(
            sp.get(&store).i32(),
            Some(4096),
            "the epilogues restore the stack"
        );
    }
    // `peek`'s frame at 4064: its spill at 4072 is read back as `next`, whose `x` is the
    // word at `v + 4`: node 2's.
    assert_eq!(peek.call(&mut store, 64 + 16 * 2).unwrap(), 3);
    assert_eq!(
        x.call(&mut store, 0).unwrap(),
        0,
        "x of the node at memory[0] = 0"
    );
    let err = x.call(&mut store, 65534).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{err}");
    // Deeper than the frame stack's first allocation, through the pair's call.
    let deep = instance
        .get_typed_func::<(i32, i32), i32>(&store, "deep")
        .unwrap();
    assert_eq!(deep.call(&mut store, (20_000, 64)).unwrap(), 20_000);
    // Far past the call stack's limit: "call stack exhausted", and the store goes on.
    let err = deep.call(&mut store, (10_000_000, 64)).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::StackOverflow), "{err}");
    assert_eq!(sum.call(&mut store, (4, 64)).unwrap(), 10);
}

/// Has `sums` (each word at `p + 4` set to the word at `p` plus `i`, for `i` from 0) write
/// 10 words from 1000 over zeros, and checks the running sums it leaves from 1004 on:
/// 0, 0+1, 1+2, 3+3...
fn write_running_sums(
    store: &mut Store<()>,
    sums: &TypedFunc<(i32, i32), ()>,
    word: &TypedFunc<i32, i32>,
) {
    sums.call(&mut *store, (1000, 10)).unwrap();
    let mut want = 0i32;
    for i in 0..10 {
        want += i;
        assert_eq!(word.call(&mut *store, 1004 + 4 * i).unwrap(), want);
    }
}

/// A byte copied through the accumulator (`i32.load8_u` from `src + i`, then `store8` of
/// it) and a sum stored as soon as it is made (`*p = a + b`) are pairs; a load or a store
/// out of bounds inside them traps, and the store stays usable.
#[test]
fn byte_copies_and_stored_sums_are_pairs() {
    let wat = r#"(module
      (memory 1)
      (func (export "copy") (param $src i32) (param $dst i32) (param $n i32)
        (local $i i32)
        (loop $l
          (i32.store8 offset=1 (local.get $dst)
            (i32.load8_u (i32.add (local.get $src) (local.get $i))))
          (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
          (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
            (local.get $n)))))
      (func (export "sums") (param $p i32) (param $n i32)
        (local $i i32)
        (loop $l
          (i32.store offset=4 (local.get $p)
            (i32.add (local.get $i) (i32.load (local.get $p))))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
            (local.get $n)))))
      (func (export "byte") (param $a i32) (result i32) (i32.load8_u (local.get $a)))
      (func (export "word") (param $a i32) (result i32) (i32.load (local.get $a))))"#;
    let (module, mut store, instance) = instantiate(wat);
    let copy_listing = module.disassemble(0).unwrap();
    assert!(
        copy_listing.contains("i32.load8_u+store8"),
        "{copy_listing}"
    );
    let sums_listing = module.disassemble(1).unwrap();
    assert!(sums_listing.contains("i32.add+store32"), "{sums_listing}");
    let copy = instance
        .get_typed_func::<(i32, i32, i32), ()>(&store, "copy")
        .unwrap();
    let sums = instance
        .get_typed_func::<(i32, i32), ()>(&store, "sums")
        .unwrap();
    let byte = instance.get_typed_func::<i32, i32>(&store, "byte").unwrap();
    let word = instance.get_typed_func::<i32, i32>(&store, "word").unwrap();
    write_running_sums(&mut store, &sums, &word);
    // Copy those 44 bytes to 3001 (offset 1 on 3000), byte for byte.
    copy.call(&mut store, (1000, 3000, 44)).unwrap();
    for i in 0..44 {
        assert_eq!(
            byte.call(&mut store, 3001 + i).unwrap(),
            byte.call(&mut store, 1000 + i).unwrap(),
            "byte {i}"
        );
    }
    // The load out of bounds (source past the end), then the store (destination).
    let err = copy.call(&mut store, (65530, 0, 10)).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{err}");
    assert_eq!(
        byte.call(&mut store, 6).unwrap(),
        0,
        "bytes up to 65535 copied"
    );
    assert_eq!(
        byte.call(&mut store, 1).unwrap(),
        byte.call(&mut store, 65530).unwrap()
    );
    let err = copy.call(&mut store, (0, 65530, 10)).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{err}");
    let err = sums.call(&mut store, (65528, 2)).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{err}");
    // Again from 1004, each word the one before it (as just rewritten) plus `i`: 1008 = 0,
    // 1012 = 0 + 1, 1016 = 1 + 2.
    sums.call(&mut store, (1004, 3)).unwrap();
    assert_eq!(word.call(&mut store, 1008).unwrap(), 0);
    assert_eq!(word.call(&mut store, 1012).unwrap(), 1);
    assert_eq!(word.call(&mut store, 1016).unwrap(), 3);
}

/// The same pairs in another memory than memory 0 (multi-memory: the `m` forms), and a
/// word copied through the accumulator there.
#[test]
fn copies_in_another_memory_are_pairs() {
    let wat = r#"(module
      (memory 1)
      (memory $m 1)
      (func (export "copy") (param $src i32) (param $dst i32) (param $n i32)
        (local $i i32)
        (loop $l
          (i32.store8 $m offset=1 (local.get $dst)
            (i32.load8_u $m (i32.add (local.get $src) (local.get $i))))
          (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
          (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
            (local.get $n)))))
      (func (export "words") (param $src i32) (param $dst i32) (param $n i32)
        (loop $l
          (i64.store $m (local.get $dst) (i64.load $m offset=8 (local.get $src)))
          (local.set $src (i32.add (local.get $src) (i32.const 8)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
      (func (export "sums") (param $p i32) (param $n i32)
        (local $i i32)
        (loop $l
          (i32.store $m offset=4 (local.get $p)
            (i32.add (local.get $i) (i32.load $m (local.get $p))))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
            (local.get $n)))))
      (func (export "byte") (param $a i32) (result i32) (i32.load8_u $m (local.get $a)))
      (func (export "word") (param $a i32) (result i32) (i32.load $m (local.get $a)))
      (func (export "byte0") (param $a i32) (result i32) (i32.load8_u (local.get $a))))"#;
    let (module, mut store, instance) = instantiate(wat);
    for (func, pair) in [
        (0, "i32.load8_u+store8"),
        (1, "i64.load+store64"),
        (2, "i32.add+store32"),
    ] {
        let listing = module.disassemble(func).unwrap();
        assert!(listing.contains(pair), "{pair}: {listing}");
    }
    let copy = instance
        .get_typed_func::<(i32, i32, i32), ()>(&store, "copy")
        .unwrap();
    let words = instance
        .get_typed_func::<(i32, i32, i32), ()>(&store, "words")
        .unwrap();
    let sums = instance
        .get_typed_func::<(i32, i32), ()>(&store, "sums")
        .unwrap();
    let byte = instance.get_typed_func::<i32, i32>(&store, "byte").unwrap();
    let word = instance.get_typed_func::<i32, i32>(&store, "word").unwrap();
    let byte0 = instance
        .get_typed_func::<i32, i32>(&store, "byte0")
        .unwrap();
    // Running sums at 1000, copied word by word to 2000 (from 1008: the words from 1008
    // on), then byte by byte to 3001.
    write_running_sums(&mut store, &sums, &word);
    words.call(&mut store, (1000, 2000, 4)).unwrap();
    for i in 0..8 {
        assert_eq!(
            word.call(&mut store, 2000 + 4 * i).unwrap(),
            word.call(&mut store, 1008 + 4 * i).unwrap()
        );
    }
    copy.call(&mut store, (2000, 3000, 32)).unwrap();
    for i in 0..32 {
        assert_eq!(
            byte.call(&mut store, 3001 + i).unwrap(),
            byte.call(&mut store, 2000 + i).unwrap(),
            "byte {i}"
        );
        assert_eq!(
            byte0.call(&mut store, 3001 + i).unwrap(),
            0,
            "memory 0 untouched"
        );
    }
    for (args, what) in [((65530, 0, 10), "load"), ((0, 65530, 10), "store")] {
        let err = copy.call(&mut store, args).unwrap_err();
        assert_eq!(
            err.trap_code(),
            Some(TrapCode::MemoryOutOfBounds),
            "{what}: {err}"
        );
    }
    let err = words.call(&mut store, (65528, 0, 1)).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{err}");
    let err = sums.call(&mut store, (65528, 2)).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{err}");
    assert_eq!(
        word.call(&mut store, 1012).unwrap(),
        3,
        "the store is usable"
    );
}

/// Branches on an `and` (C's `if (flags & MASK)`), or on its `eqz`, test the bits in one
/// instruction when nothing else reads the `and`'s result: `br_if`, `if`, both operand
/// forms, both widths, and a rotated loop's back edge; an `and` whose result is kept in a
/// local stays.
#[test]
fn flag_tests_branch_on_and() {
    let (got, listing) = run(
        r#"(local $i i32) (local $s i32) (local $w i64) (local $k i32) (local $t i32)
        (block $done (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          ;; `if` on an `and` with a constant
          (if (i32.and (local.get $i) (i32.const 3))
            (then (local.set $s (i32.add (local.get $s) (i32.const 1)))))
          ;; `br_if` on the `eqz` of an `and` of two slots
          (block $b
            (br_if $b (i32.eqz (i32.and (local.get $i) (local.get $n))))
            (local.set $s (i32.add (local.get $s) (i32.const 10))))
          ;; `if` on the `eqz` of an `and` of two slots
          (if (i32.eqz (i32.and (local.get $n) (local.get $i)))
            (then (local.set $s (i32.add (local.get $s) (i32.const 7)))))
          ;; `br_if` on an `and` with the constant first
          (block $c
            (br_if $c (i32.and (i32.const 0x10) (local.get $i)))
            (local.set $s (i32.add (local.get $s) (i32.const 100))))
          ;; 64-bit: a bit above the low word, and two slots compared with `ne 0`
          (local.set $w (i64.shl (i64.extend_i32_u (local.get $i)) (i64.const 30)))
          (block $d
            (br_if $d (i64.eqz (i64.and (local.get $w) (i64.const 0x100000000))))
            (local.set $s (i32.add (local.get $s) (i32.const 1000))))
          (block $e
            (br_if $e (i64.ne (i64.and (local.get $w) (i64.extend_i32_u (local.get $n)))
                              (i64.const 0)))
            (local.set $s (i32.add (local.get $s) (i32.const 10000))))
          ;; kept in a local: the `and` stays
          (block $f
            (br_if $f (local.tee $t (i32.and (local.get $i) (i32.const 5))))
            (local.set $s (i32.add (local.get $s) (i32.const 100000))))
          (local.set $s (i32.add (local.get $s) (local.get $t)))
          ;; a loop whose exit test is a flag test: repeated on its back edge
          (local.set $k (local.get $i))
          (block $x (loop $y
            (br_if $x (i32.eqz (i32.and (local.get $k) (i32.const 7))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (local.set $s (i32.add (local.get $s) (i32.const 1000000)))
            (br $y)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
        (local.get $s)"#,
        &[0, 1, 7, 40, 100, 300],
    );
    let model = |n: u32| {
        let mut s = 0u32;
        for i in 0..n {
            if i & 3 != 0 {
                s = s.wrapping_add(1);
            }
            if i & n != 0 {
                s = s.wrapping_add(10);
            }
            if n & i == 0 {
                s = s.wrapping_add(7);
            }
            if i & 0x10 == 0 {
                s = s.wrapping_add(100);
            }
            let w = (i as u64) << 30;
            if w & 0x1_0000_0000 != 0 {
                s = s.wrapping_add(1000);
            }
            if w & n as u64 == 0 {
                s = s.wrapping_add(10000);
            }
            let t = i & 5;
            if t == 0 {
                s = s.wrapping_add(100000);
            }
            s = s.wrapping_add(t);
            let mut k = i;
            while k & 7 != 0 {
                k += 1;
                s = s.wrapping_add(1000000);
            }
        }
        s as i32
    };
    let want: Vec<i32> = [0u32, 1, 7, 40, 100, 300]
        .iter()
        .map(|&n| model(n))
        .collect();
    assert_eq!(got, want);
    for test in [
        "BR_I32_AND_NEZ_RI",
        "BR_I32_AND_EQZ_RI",
        "BR_I32_AND_NEZ ",
        "BR_I32_AND_EQZ ",
        "BR_I64_AND_EQZ_RI",
        "BR_I64_AND_NEZ ",
    ] {
        assert!(listing.contains(test), "{test}: {listing}");
    }
    // The `and` kept in a local, and the loop's own head test (its back edge repeats
    // it as a flag test).
    assert_eq!(listing.matches("I32_AND::").count(), 2, "{listing}");
}

/// Pairs of C's field accesses: two loads, the second for the next instruction; a load and
/// a subtraction of a constant (into the accumulator or a local); a store of the
/// accumulator and a load (into a local or the accumulator); a load into a local that a
/// `br_if` then tests, both ways; a word copied through the accumulator from an address
/// in it and through a pointer (`*q = *(p + i)`, `*q = p->a->x`). Each result is computed here, on a copy of the memory,
/// for two places of the same fields, one of which takes the branches the other way.
#[test]
fn field_loads_stores_and_tests_are_pairs() {
    let wat = r#"(module
      (memory 1)
      (func (export "f") (param $p i32) (param $q i32) (param $k i32) (result i32)
        (local $a i32) (local $b i32) (local $c i32) (local $x i32) (local $s i32)
        (local.set $a (i32.load (local.get $p)))
        (local.set $b (i32.add (i32.load offset=4 (local.get $q)) (local.get $k)))
        (i32.store offset=8 (local.get $p) (i32.sub (i32.load offset=8 (local.get $p)) (i32.const 0x30003)))
        (local.set $c (i32.load offset=12 (local.get $q)))
        (i32.store offset=16 (local.get $q) (i32.add (local.get $a) (local.get $k)))
        (local.set $s (i32.mul (local.get $k) (i32.const 3)))
        (local.set $s (i32.sub (i32.load offset=20 (local.get $p)) (i32.const 5)))
        (i32.store offset=24 (local.get $p) (i32.mul (local.get $b) (local.get $k)))
        (local.set $s (i32.add (local.get $s) (i32.xor (i32.load offset=28 (local.get $q)) (local.get $c))))
        (block $z
          (local.set $x (i32.load offset=32 (local.get $p)))
          (br_if $z (i32.eqz (local.get $x)))
          (local.set $s (i32.add (local.get $s) (local.get $x))))
        (local.set $s (i32.mul (local.get $s) (i32.const 3)))
        (block $nz
          (local.set $x (i32.load offset=36 (local.get $p)))
          (br_if $nz (local.get $x))
          (local.set $s (i32.add (local.get $s) (i32.const 1000))))
        (i32.store offset=40 (local.get $q)
          (i32.load (i32.add (local.get $p) (i32.and (local.get $k) (i32.const 4)))))
        (i32.store offset=44 (local.get $q) (i32.load offset=4 (i32.load offset=48 (local.get $q))))
        (i32.add (i32.add (local.get $s) (i32.add (local.get $a) (i32.add (local.get $b) (local.get $c))))
          (i32.add (i32.add (i32.load offset=8 (local.get $p))
            (i32.add (i32.load offset=16 (local.get $q)) (i32.load offset=24 (local.get $p))))
          (i32.xor (i32.load offset=40 (local.get $q)) (i32.load offset=44 (local.get $q))))))
      (func (export "set") (param $a i32) (param $v i32) (i32.store (local.get $a) (local.get $v))))"#;
    let (module, mut store, instance) = instantiate(wat);
    let listing = module.disassemble(0).unwrap();
    for pair in [
        "LOAD32_LOAD32_A_PAIR",
        "LOAD32_A_SUB_AI_A_PAIR",
        "LOAD32_A_SUB_AI_PAIR",
        "STORE32_VA_LOAD32_PAIR",
        "STORE32_VA_LOAD32_A_PAIR",
        "LOAD32_BR_IF_EQZ_PAIR",
        "LOAD32_BR_IF_NEZ_PAIR",
        "LOAD32_AT_ACC_A_STORE32_VA_PAIR",
        "LOAD_LOAD32_A_STORE32_VA_PAIR",
    ] {
        assert!(listing.contains(pair), "{pair}:\n{listing}");
    }
    let f = instance
        .get_typed_func::<(i32, i32, i32), i32>(&store, "f")
        .unwrap();
    let set = instance
        .get_typed_func::<(i32, i32), ()>(&store, "set")
        .unwrap();
    // The model's memory: words by address.
    let mut mem = std::collections::HashMap::<u32, u32>::new();
    let (p1, p2, q) = (1000u32, 2000u32, 3000u32);
    for (i, w) in (0..10u32).map(|i| i * 4).enumerate() {
        let (v1, v2) = (
            0x0103_0507u32.wrapping_mul(i as u32 + 1),
            0x8000_0001u32.wrapping_mul(i as u32 + 3),
        );
        // The fields tested by the branches: non-zero at p1, zero at p2.
        let (v1, v2) = if w >= 32 { (v1, 0) } else { (v1, v2) };
        for (at, v) in [(p1 + w, v1), (p2 + w, v2), (q + w, v1 ^ 0x55aa)] {
            set.call(&mut store, (at as i32, v as i32)).unwrap();
            mem.insert(at, v);
        }
    }
    // A pointer to p1's third word, which `*(q + 48) + 4` reads through.
    set.call(&mut store, ((q + 48) as i32, (p1 + 8) as i32))
        .unwrap();
    mem.insert(q + 48, p1 + 8);
    for (p, k) in [(p1, 5u32), (p2, 0xffff_fff0), (p1, 9)] {
        let rd = |mem: &std::collections::HashMap<u32, u32>, at: u32| mem[&at];
        let a = rd(&mem, p);
        let b = rd(&mem, q + 4).wrapping_add(k);
        let dec = rd(&mem, p + 8).wrapping_sub(0x30003);
        mem.insert(p + 8, dec);
        let c = rd(&mem, q + 12);
        mem.insert(q + 16, a.wrapping_add(k));
        let mut s = rd(&mem, p + 20).wrapping_sub(5);
        mem.insert(p + 24, b.wrapping_mul(k));
        s = s.wrapping_add(rd(&mem, q + 28) ^ c);
        let x = rd(&mem, p + 32);
        if x != 0 {
            s = s.wrapping_add(x);
        }
        s = s.wrapping_mul(3);
        if rd(&mem, p + 36) == 0 {
            s = s.wrapping_add(1000);
        }
        mem.insert(q + 40, rd(&mem, p + (k & 4)));
        mem.insert(q + 44, rd(&mem, rd(&mem, q + 48) + 4));
        let want = s
            .wrapping_add(a)
            .wrapping_add(b)
            .wrapping_add(c)
            .wrapping_add(rd(&mem, p + 8))
            .wrapping_add(rd(&mem, q + 16))
            .wrapping_add(rd(&mem, p + 24))
            .wrapping_add(rd(&mem, q + 40) ^ rd(&mem, q + 44));
        assert_eq!(
            f.call(&mut store, (p as i32, q as i32, k as i32)).unwrap() as u32,
            want,
            "p = {p}, k = {k}"
        );
    }
    // Each step of a pair traps on its own: the second load (`q` at the end of memory).
    let err = f.call(&mut store, (p1 as i32, 65532, 1)).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{err}");
}

/// A byte copy at an index (`dst[i] = src[i]`, both addresses a sum: a C library's byte
/// loop), and a loaded word compared with a local by `br_if.i32.ne`, are pairs: the bytes
/// copied are read back, the scan stops at the first word that differs (both ways of the
/// branch), and a store out of bounds traps.
#[test]
fn byte_copies_at_an_index_and_word_scans_are_pairs() {
    let wat = r#"(module
      (memory 1)
      (func (export "copy_at") (param $src i32) (param $dst i32) (param $n i32)
        (local $i i32)
        (loop $l
          (i32.store8 offset=1 (i32.add (local.get $dst) (local.get $i))
            (i32.load8_u (i32.add (local.get $src) (local.get $i))))
          (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
            (local.get $n)))))
      (func (export "skip") (param $p i32) (param $v i32) (result i32)
        (local $x i32)
        (block $found
          (loop $l
            (local.set $x (i32.load (local.get $p)))
            (br_if $found (i32.ne (local.get $x) (local.get $v)))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $l)))
        (i32.add (local.get $p) (local.get $x)))
      (func (export "set8") (param $a i32) (param $v i32) (i32.store8 (local.get $a) (local.get $v)))
      (func (export "byte") (param $a i32) (result i32) (i32.load8_u (local.get $a))))"#;
    let (module, mut store, instance) = instantiate(wat);
    let copy_listing = module.disassemble(0).unwrap();
    assert!(
        copy_listing.contains("LOAD8U_RR_A_STORE8_SUM_VA_PAIR"),
        "{copy_listing}"
    );
    let skip_listing = module.disassemble(1).unwrap();
    assert!(
        skip_listing.contains("LOAD32_BR_I32_NE_PAIR"),
        "{skip_listing}"
    );
    let copy_at = instance
        .get_typed_func::<(i32, i32, i32), ()>(&store, "copy_at")
        .unwrap();
    let skip = instance
        .get_typed_func::<(i32, i32), i32>(&store, "skip")
        .unwrap();
    let set8 = instance
        .get_typed_func::<(i32, i32), ()>(&store, "set8")
        .unwrap();
    let byte = instance.get_typed_func::<i32, i32>(&store, "byte").unwrap();
    let bytes: Vec<u8> = (0..40u32).map(|i| (i * 37 + 11) as u8).collect();
    for (i, &b) in bytes.iter().enumerate() {
        set8.call(&mut store, (1000 + i as i32, b as i32)).unwrap();
    }
    copy_at.call(&mut store, (1000, 2000, 40)).unwrap();
    for (i, &b) in bytes.iter().enumerate() {
        assert_eq!(
            byte.call(&mut store, 2001 + i as i32).unwrap(),
            b as i32,
            "byte {i}"
        );
    }
    assert_eq!(
        byte.call(&mut store, 2000).unwrap(),
        0,
        "nothing before dst + 1"
    );
    assert_eq!(
        byte.call(&mut store, 2041).unwrap(),
        0,
        "nothing after the 40"
    );
    // Words of 0x07070707 from 3000 to 3012, then 9 at 3016.
    for a in 3000..3016 {
        set8.call(&mut store, (a, 7)).unwrap();
    }
    set8.call(&mut store, (3016, 9)).unwrap();
    assert_eq!(
        skip.call(&mut store, (3000, 0x0707_0707)).unwrap(),
        3016 + 9
    );
    // Taken at once: the first word differs.
    assert_eq!(
        skip.call(&mut store, (3000, 5)).unwrap(),
        3000 + 0x0707_0707
    );
    // The store's address past the end (the load's is in bounds).
    let err = copy_at.call(&mut store, (1000, 65530, 10)).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{err}");
    assert_eq!(
        byte.call(&mut store, 65535).unwrap(),
        bytes[4] as i32,
        "bytes up to the end copied"
    );
}

/// Struct copies field by field (two `i32.load.store32`s, two `i64.load.store64`s), a
/// field plus a constant (into a local, and into the accumulator for the next
/// instruction), and a field through a pointer compared with a constant
/// (`p->q->x == K`, `!=`, both ways of each) are pairs. The copies are read back; the
/// result is computed here for two pointers, one that takes each branch and one that
/// does not.
#[test]
fn struct_copies_fields_plus_constants_and_pointer_tests_are_pairs() {
    let wat = r#"(module
      (memory 1)
      (func (export "g") (param $p i32) (param $q i32) (param $k i32) (result i32)
        (local $s i32) (local $t i32)
        (i32.store offset=0 (local.get $q) (i32.load offset=0 (local.get $p)))
        (i32.store offset=4 (local.get $q) (i32.load offset=4 (local.get $p)))
        (i32.store offset=8 (local.get $q) (i32.load offset=8 (local.get $p)))
        (i64.store offset=16 (local.get $q) (i64.load offset=16 (local.get $p)))
        (i64.store offset=24 (local.get $q) (i64.load offset=24 (local.get $p)))
        (local.set $s (i32.add (i32.load offset=32 (local.get $p)) (i32.const 77)))
        (local.set $t (i32.mul (local.get $k) (i32.const 5)))
        (local.set $t (i32.xor (local.get $t)
          (i32.add (i32.load offset=36 (local.get $p)) (i32.const -9))))
        (block $eq
          (br_if $eq (i32.eq (i32.load offset=4 (i32.load offset=40 (local.get $p))) (i32.const 1234)))
          (local.set $s (i32.add (local.get $s) (i32.const 100))))
        (block $ne
          (br_if $ne (i32.ne (i32.load offset=8 (i32.load offset=40 (local.get $p))) (i32.const 5678)))
          (local.set $s (i32.add (local.get $s) (i32.const 1000))))
        (i32.add (local.get $s) (local.get $t)))
      (func (export "set") (param $a i32) (param $v i32) (i32.store (local.get $a) (local.get $v)))
      (func (export "word") (param $a i32) (result i32) (i32.load (local.get $a))))"#;
    let (module, mut store, instance) = instantiate(wat);
    let listing = module.disassemble(0).unwrap();
    for pair in [
        "LOAD_STORE32_PAIR",
        "LOAD_STORE64_PAIR",
        "LOAD32_A_ADD_AI_PAIR",
        "LOAD32_A_ADD_AI_A_PAIR",
        "LOAD_LOAD32_BR_I32_EQ_RI_PAIR",
        "LOAD_LOAD32_BR_I32_NE_RI_PAIR",
    ] {
        assert!(listing.contains(pair), "{pair}:\n{listing}");
    }
    let g = instance
        .get_typed_func::<(i32, i32, i32), i32>(&store, "g")
        .unwrap();
    let set = instance
        .get_typed_func::<(i32, i32), ()>(&store, "set")
        .unwrap();
    let word = instance.get_typed_func::<i32, i32>(&store, "word").unwrap();
    let (p, q) = (1000i32, 1500i32);
    let fields: Vec<u32> = (0..10u32)
        .map(|i| 0x9e37_79b9u32.wrapping_mul(i + 1))
        .collect();
    for (i, &f) in fields.iter().enumerate() {
        set.call(&mut store, (p + 4 * i as i32, f as i32)).unwrap();
    }
    // Two targets of `p->ptr`: at 2000 the tested fields are the constants, at 3000 not.
    set.call(&mut store, (2004, 1234)).unwrap();
    set.call(&mut store, (2008, 5678)).unwrap();
    set.call(&mut store, (3004, 1235)).unwrap();
    set.call(&mut store, (3008, 5679)).unwrap();
    for (target, k) in [(2000i32, 3u32), (3000, 0xffff_fff1)] {
        set.call(&mut store, (p + 40, target)).unwrap();
        let mut s = fields[8].wrapping_add(77);
        let t = k.wrapping_mul(5) ^ fields[9].wrapping_sub(9);
        if target != 2000 {
            // Neither field is the constant: `==` falls through, `!=` is taken.
            s = s.wrapping_add(100);
        } else {
            s = s.wrapping_add(1000);
        }
        assert_eq!(
            g.call(&mut store, (p, q, k as i32)).unwrap() as u32,
            s.wrapping_add(t),
            "target {target}"
        );
        for w in [0, 1, 2, 4, 5, 6, 7] {
            assert_eq!(
                word.call(&mut store, q + 4 * w).unwrap() as u32,
                fields[w as usize],
                "word {w} copied"
            );
        }
        assert_eq!(
            word.call(&mut store, q + 12).unwrap(),
            0,
            "word 3 not copied"
        );
    }
    // The inner load of the pointer test out of bounds.
    set.call(&mut store, (p + 40, 65534)).unwrap();
    let err = g.call(&mut store, (p, q, 1)).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{err}");
}

/// A store that ends an `if` arm and the `br` over the `else` are a pair (the store's
/// value from a slot or from the accumulator): the words each arm stores are read back,
/// for every combination of the two conditions.
#[test]
fn a_store_and_the_br_after_it_are_a_pair() {
    let wat = r#"(module
      (memory 1)
      (func (export "h") (param $p i32) (param $k i32) (result i32)
        (if (i32.and (local.get $k) (i32.const 1))
          (then (i32.store offset=0 (local.get $p) (i32.mul (local.get $k) (i32.const 3))))
          (else (i32.store offset=4 (local.get $p) (local.get $k))))
        (i32.store offset=24 (local.get $p) (i32.const 1))
        (if (i32.and (local.get $k) (i32.const 2))
          (then (i32.store offset=8 (local.get $p) (local.get $k)))
          (else (i32.store offset=12 (local.get $p) (i32.const 7))))
        (i32.store offset=24 (local.get $p) (i32.const 1))
        (if (i32.and (local.get $k) (i32.const 4))
          (then (i32.store offset=16 (local.get $p) (i32.add (local.get $k) (local.get $k))))
          (else (i32.store offset=20 (local.get $p) (i32.const 9))))
        (i32.store offset=24 (local.get $p) (i32.const 1))
        (i32.add (i32.add (i32.add (i32.load offset=0 (local.get $p)) (i32.load offset=4 (local.get $p)))
            (i32.add (i32.load offset=8 (local.get $p)) (i32.load offset=12 (local.get $p))))
          (i32.add (i32.add (i32.load offset=16 (local.get $p)) (i32.load offset=20 (local.get $p)))
            (i32.load offset=24 (local.get $p))))))"#;
    let (module, mut store, instance) = instantiate(wat);
    let listing = module.disassemble(0).unwrap();
    for pair in ["STORE32_BR_PAIR", "STORE32_VA_BR_PAIR"] {
        assert!(listing.contains(pair), "{pair}:\n{listing}");
    }
    let h = instance
        .get_typed_func::<(i32, i32), i32>(&store, "h")
        .unwrap();
    for (i, k) in [0u32, 1, 2, 3, 4, 5, 6, 7, 0x1001, 0xffff_fffe]
        .into_iter()
        .enumerate()
    {
        // A fresh place each time, so that every word not stored reads 0.
        let p = 1000 + 64 * i as u32;
        let mut words = [0u32; 7];
        if k & 1 != 0 {
            words[0] = k.wrapping_mul(3);
        } else {
            words[1] = k;
        }
        if k & 2 != 0 {
            words[2] = k;
        } else {
            words[3] = 7;
        }
        if k & 4 != 0 {
            words[4] = k.wrapping_add(k);
        } else {
            words[5] = 9;
        }
        words[6] = 1;
        let want = words.iter().fold(0u32, |s, w| s.wrapping_add(*w));
        assert_eq!(
            h.call(&mut store, (p as i32, k as i32)).unwrap() as u32,
            want,
            "k = {k}"
        );
    }
}

/// `and` with 1 of a comparison just computed is the comparison itself (0 or 1): nothing
/// is emitted for it, so a branch on it absorbs the comparison; `and` with 1 of any other
/// value still masks it.
#[test]
fn and_one_of_a_comparison_is_the_comparison() {
    // Counts the steps of a loop exiting on `(i != n) & 1`, plus the masked value of
    // `(i < 3) & 1` kept as a number, plus the low bit of `n + 6` and `1 & (n > 4)`
    // (the constant first), each times a power of ten.
    let (got, listing) = run(
        r#"(local $i i32) (local $k i32)
        (loop $l
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (local.set $k (i32.add (local.get $k)
            (i32.and (i32.lt_s (local.get $i) (i32.const 3)) (i32.const 1))))
          (br_if $l (i32.and (i32.ne (local.get $i) (local.get $n)) (i32.const 1))))
        (i32.add (i32.mul (local.get $i) (i32.const 1000))
          (i32.add (i32.mul (local.get $k) (i32.const 100))
            (i32.add
              (i32.mul (i32.and (i32.add (local.get $n) (i32.const 6)) (i32.const 1))
                (i32.const 10))
              (i32.and (i32.const 1) (i32.gt_s (local.get $n) (i32.const 4))))))"#,
        &[1, 2, 5, 8],
    );
    let want: Vec<i32> = [1, 2, 5, 8]
        .iter()
        .map(|&n: &i32| {
            let k = (1..=n).filter(|&i| i < 3).count() as i32;
            n * 1000 + k * 100 + ((n + 6) & 1) * 10 + i32::from(n > 4)
        })
        .collect();
    assert_eq!(got, want);
    // The exit test is one compare-and-branch (in each copy of the unrolled loop); the
    // `and` of a sum is kept.
    assert!(!listing.contains("br_if_nez"), "{listing}");
    assert!(!listing.contains("br_if_eqz"), "{listing}");
    assert!(listing.contains("i32.and"), "{listing}");
}

/// Bytes at constant distances from one pointer, loaded one after another through
/// `i32.add` (the address wraps at 32 bits, so the add is not an offset): pairs of
/// `i32.load8_u`/`i64.load8_u` that compute what the loads do, wrap as they do, and trap
/// in either step.
#[test]
fn byte_loads_at_constant_distances_are_pairs() {
    let wat = r#"(module
      (memory 1)
      (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
      (func (export "f") (param $p i32) (result i64)
        (local $a i32) (local $b i32) (local $c i64) (local $d i32) (local $e i32)
        (local.set $a (i32.load8_u (i32.add (local.get $p) (i32.const 1))))
        (local.set $b (i32.load8_u (i32.add (local.get $p) (i32.const 5))))
        (local.set $c (i64.load8_u (i32.add (local.get $p) (i32.const 9))))
        (local.set $d (i32.load8_u (i32.add (local.get $p) (i32.const 13))))
        (local.set $e (i32.load8_u offset=2 (i32.add (local.get $p) (i32.const 1))))
        (i64.add (local.get $c)
          (i64.extend_i32_u
            (i32.add (i32.add (i32.shl (local.get $a) (i32.const 24))
                              (i32.shl (local.get $b) (i32.const 16)))
                     (i32.add (i32.shl (local.get $d) (i32.const 8)) (local.get $e)))))))"#;
    let (module, mut store, instance) = instantiate(wat);
    let listing = module.disassemble(0).unwrap();
    assert_eq!(
        listing.matches("i32.load8_u+i32.load8_u").count(),
        2,
        "{listing}"
    );
    let f = instance.get_typed_func::<i32, i64>(&store, "f").unwrap();
    let bytes: Vec<u8> = (1..=16).collect();
    let at = |p: i32, k: u32| -> i64 {
        let ea = (p as u32).wrapping_add(k) as usize;
        bytes.get(ea).copied().unwrap_or(0) as i64
    };
    for p in [0, 1, 2] {
        let want = at(p, 9) + ((at(p, 1) << 24) + (at(p, 5) << 16) + (at(p, 13) << 8) + at(p, 3));
        assert_eq!(f.call(&mut store, p).unwrap(), want, "p {p}");
    }
    // p = -1: p + 1 wraps to 0 (in bounds), as do the others (4, 8, 12, 2).
    assert_eq!(
        f.call(&mut store, -1).unwrap(),
        9 + ((1 << 24) + (5 << 16) + (13 << 8) + 3),
    );
    // Out of bounds in the first step of a pair (p + 1 at the end of memory) and in the
    // second (p + 5 past it, p + 1 inside); the store stays usable.
    for p in [65_535, 65_532] {
        let err = f.call(&mut store, p).unwrap_err();
        assert!(err.to_string().contains("out of bounds"), "{p}: {err}");
    }
    assert_eq!(
        f.call(&mut store, 0).unwrap(),
        10 + ((2 << 24) + (6 << 16) + (14 << 8) + 4)
    );
}

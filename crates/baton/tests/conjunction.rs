//! A branch on the `i32.and` of two comparisons computed one after the other (C's
//! `if (a && b)` of two cheap tests, compiled without short-circuit) tests the two
//! comparisons itself: two compare-and-branches, no `and`. Every shape of branch is
//! checked against Rust: `if` with and without `else`, with a parameter, negated by
//! `eqz`, `br_if` taken when both hold and when either fails, a loop's exit test (which
//! the translator unrolls), float comparisons with NaN, and an `and` whose value is also
//! kept (not taken apart).

mod common;
use common::instantiate;

const VALUES: [i32; 7] = [i32::MIN, -7, -1, 0, 1, 7, i32::MAX];

/// Compiles `body` as `(func (export "f") (param $a i32) (param $b i32) (result i32)
/// ...)`, checks its results on every pair of [`VALUES`] against `want`, and returns its
/// listing.
fn check(body: &str, want: impl Fn(i32, i32) -> i32) -> String {
    let wat = format!(
        r#"(module (func (export "f") (param $a i32) (param $b i32) (result i32) {body}))"#
    );
    let (module, mut store, instance) = instantiate(&wat);
    let listing = module.disassemble(0).unwrap();
    let f = instance
        .get_typed_func::<(i32, i32), i32>(&store, "f")
        .unwrap();
    for a in VALUES {
        for b in VALUES {
            assert_eq!(
                f.call(&mut store, (a, b)).unwrap(),
                want(a, b),
                "a {a} b {b}\n{listing}"
            );
        }
    }
    listing
}

fn taken_apart(listing: &str) -> bool {
    !listing.contains("i32.and")
}

#[test]
fn if_else_on_two_comparisons() {
    let listing = check(
        r#"(if (result i32) (i32.and (i32.lt_s (local.get $a) (local.get $b))
                                     (i32.gt_u (local.get $a) (i32.const 5)))
             (then (i32.const 10)) (else (i32.const 20)))"#,
        |a, b| if a < b && (a as u32) > 5 { 10 } else { 20 },
    );
    assert!(taken_apart(&listing), "{listing}");
}

#[test]
fn if_without_else_and_with_a_parameter() {
    let listing = check(
        r#"(local $r i32)
           (local.set $r (i32.const 1))
           (if (i32.and (i32.ne (local.get $a) (i32.const 0)) (i32.le_s (local.get $b) (i32.const 0)))
             (then (local.set $r (i32.const 2))))
           (local.get $r)
           (i32.and (i32.ge_u (local.get $a) (local.get $b)) (i32.eq (local.get $b) (i32.const 7)))
           (if (param i32) (result i32)
             (then (i32.add (i32.const 100)))
             (else (i32.add (i32.const 1000))))"#,
        |a, b| {
            let r = if a != 0 && b <= 0 { 2 } else { 1 };
            r + if (a as u32) >= (b as u32) && b == 7 {
                100
            } else {
                1000
            }
        },
    );
    assert!(taken_apart(&listing), "{listing}");
}

#[test]
fn negated_conjunctions() {
    // `if (!(a && b))` and `br_if (!(a && b))`.
    let listing = check(
        r#"(block $out (result i32)
             (if (i32.eqz (i32.and (i32.gt_s (local.get $a) (i32.const 0))
                                   (i32.lt_s (local.get $b) (i32.const 0))))
               (then (br $out (i32.const 3))))
             (block $no
               (br_if $no (i32.eqz (i32.and (i32.eq (local.get $a) (local.get $b))
                                            (i32.ne (local.get $a) (i32.const 0)))))
               (br $out (i32.const 5)))
             (i32.const 4))"#,
        |a, b| {
            if !(a > 0 && b < 0) {
                3
            } else if !(a == b && a != 0) {
                4
            } else {
                5
            }
        },
    );
    assert!(taken_apart(&listing), "{listing}");
}

#[test]
fn br_if_taken_when_both_hold() {
    let listing = check(
        r#"(block $yes
             (br_if $yes (i32.and (i32.lt_u (local.get $a) (i32.const 100))
                                  (i32.gt_s (local.get $b) (local.get $a))))
             (return (i32.const 0)))
           (i32.const 1)"#,
        |a, b| ((a as u32) < 100 && b > a) as i32,
    );
    assert!(taken_apart(&listing), "{listing}");
}

#[test]
fn a_loop_exit_test_of_two_comparisons() {
    // do { i++; s += i } while (i < a && s < b): the unrolled loop tests both
    // comparisons in each copy.
    let listing = check(
        r#"(local $i i32) (local $s i32)
           (if (i32.gt_s (local.get $a) (i32.const 1000)) (then (local.set $a (i32.const 1000))))
           (loop $l
             (local.set $i (i32.add (local.get $i) (i32.const 1)))
             (local.set $s (i32.add (local.get $s) (local.get $i)))
             (br_if $l (i32.and (i32.lt_s (local.get $i) (local.get $a))
                                (i32.lt_s (local.get $s) (local.get $b)))))
           (i32.add (i32.mul (local.get $i) (i32.const 65536)) (local.get $s))"#,
        |a, b| {
            let a = a.min(1000);
            let (mut i, mut s) = (0i32, 0i32);
            loop {
                i += 1;
                s += i;
                if !(i < a && s < b) {
                    break;
                }
            }
            i.wrapping_mul(65536).wrapping_add(s)
        },
    );
    assert!(taken_apart(&listing), "{listing}");
}

#[test]
fn float_comparisons_with_nan() {
    // The saturating cast's range test: `0 <= x && x < 256` is false for NaN, so the
    // branches to the else part must be taken on NaN too.
    let (module, mut store, instance) = instantiate(
        r#"(module (func (export "f") (param $x f32) (result i32)
             (if (result i32) (i32.and (f32.ge (local.get $x) (f32.const 0))
                                       (f32.lt (local.get $x) (f32.const 256)))
               (then (i32.trunc_f32_u (local.get $x)))
               (else (i32.const -1)))))"#,
    );
    let listing = module.disassemble(0).unwrap();
    assert!(taken_apart(&listing), "{listing}");
    let f = instance.get_typed_func::<f32, i32>(&store, "f").unwrap();
    for x in [
        0.0f32,
        -0.0,
        0.5,
        255.9,
        256.0,
        -0.5,
        f32::NAN,
        -f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
    ] {
        let want = if (0.0..256.0).contains(&x) {
            x as i32
        } else {
            -1
        };
        assert_eq!(f.call(&mut store, x).unwrap(), want, "{x}\n{listing}");
    }
}

#[test]
fn an_and_whose_value_is_kept_stays() {
    // The `and` is teed to a local that is read afterwards: its value must exist.
    let listing = check(
        r#"(local $c i32)
           (if (result i32) (local.tee $c (i32.and (i32.lt_s (local.get $a) (local.get $b))
                                                   (i32.ne (local.get $b) (i32.const 0))))
             (then (i32.add (local.get $c) (i32.const 10)))
             (else (i32.sub (local.get $c) (i32.const 10))))"#,
        |a, b| {
            let c = (a < b && b != 0) as i32;
            if c != 0 {
                c + 10
            } else {
                c - 10
            }
        },
    );
    assert!(listing.contains("i32.and"), "{listing}");
}

#[test]
fn three_comparisons_keep_their_ands() {
    // `a && (b && c)`: the inner `and` is a conjunction, but an `and` reads it, not a
    // branch; the outer one's operands are a comparison and that `and`, not two
    // neighbouring comparisons. Both `and`s stay, and the result is right.
    let listing = check(
        r#"(if (result i32)
             (i32.and (i32.lt_s (local.get $a) (local.get $b))
                      (i32.and (i32.gt_s (local.get $a) (i32.const -5))
                               (i32.lt_s (local.get $b) (i32.const 5))))
             (then (i32.const 1)) (else (i32.const 0)))"#,
        |a, b| (a < b && a > -5 && b < 5) as i32,
    );
    assert_eq!(listing.matches("i32.and").count(), 2, "{listing}");
}

//! The translator's float fusions compute what the unfused instructions would.
//!
//! Branches on float comparisons are fused into one compare-and-branch instruction, and
//! take the same way the unfused code would for every operand, NaN, zeros of both signs
//! and infinities included. The delicate part is negation: `br_if (i32.eqz (f64.lt a b))`,
//! an `if` on a comparison (which branches to its `else` part when the comparison is
//! false), and a rotated loop's back edge (which stays in the loop while the exit test is
//! false) all branch when a comparison does *not* hold, and with a NaN operand that is not
//! the opposite comparison: `!(a < b)` is true for NaN, `a >= b` is not.
//!
//! A multiply whose product an add or subtract takes at once becomes one multiply-add,
//! which must round twice, as the two instructions do: it is not a fused multiply-add.

use baton::*;

mod common;
use common::instantiate;

/// A comparison's meaning in Rust.
type Holds = fn(f64, f64) -> bool;

/// The comparisons, by their Wasm names, with their Rust meaning.
const CMPS: [(&str, Holds); 6] = [
    ("eq", |a, b| a == b),
    ("ne", |a, b| a != b),
    ("lt", |a, b| a < b),
    ("gt", |a, b| a > b),
    ("le", |a, b| a <= b),
    ("ge", |a, b| a >= b),
];

/// Operand values: NaN, zeros of both signs, infinities, equal and neighbouring values.
const VALUES: [f64; 10] = [
    f64::NAN,
    0.0,
    -0.0,
    1.5,
    -1.5,
    1.0e300,
    f64::INFINITY,
    f64::NEG_INFINITY,
    3.0,
    2.999_999,
];

/// Constants folded into the instruction (the `ri` and `ir` forms).
const CONSTS: [f64; 3] = [1.5, f64::NAN, -0.0];

/// How the comparison decides control flow; each returns 1 when the branch (or the
/// `then` part) is taken.
#[derive(Clone, Copy, Debug)]
enum Shape {
    /// `br_if` on the comparison.
    BrIf,
    /// `br_if` on its `i32.eqz`.
    BrIfNot,
    /// `if` on the comparison.
    If,
    /// `if` on its `i32.eqz`.
    IfNot,
}

impl Shape {
    fn wat(self, cmp: &str) -> String {
        match self {
            Shape::BrIf => {
                format!("(block $t (br_if $t {cmp}) (return (i32.const 0))) (i32.const 1)")
            }
            Shape::BrIfNot => {
                format!(
                    "(block $t (br_if $t (i32.eqz {cmp})) (return (i32.const 0))) (i32.const 1)"
                )
            }
            Shape::If => {
                format!("(if (result i32) {cmp} (then (i32.const 1)) (else (i32.const 0)))")
            }
            Shape::IfNot => format!(
                "(if (result i32) (i32.eqz {cmp}) (then (i32.const 1)) (else (i32.const 0)))"
            ),
        }
    }
    fn taken(self, holds: bool) -> bool {
        match self {
            Shape::BrIf | Shape::If => holds,
            Shape::BrIfNot | Shape::IfNot => !holds,
        }
    }
}

/// Where the operands come from: both parameters, or one a constant.
#[derive(Clone, Copy, Debug)]
enum Form {
    Rr,
    /// `a op k`.
    Ri(f64),
    /// `k op a`.
    Ir(f64),
}

/// A float constant in Wat, exactly (NaN with its canonical payload).
fn constant(ty: &str, k: f64) -> String {
    if k.is_nan() {
        format!("({ty}.const nan)")
    } else if ty == "f32" {
        format!("({ty}.const {:?})", k as f32)
    } else {
        format!("({ty}.const {k:?})")
    }
}

struct Case {
    ty: &'static str,
    cmp: usize,
    shape: Shape,
    form: Form,
}

impl Case {
    fn name(&self, i: usize) -> String {
        format!("c{i}")
    }
    fn wat(&self, i: usize) -> String {
        let (ty, op) = (self.ty, CMPS[self.cmp].0);
        let operands = match self.form {
            Form::Rr => "(local.get 0) (local.get 1)".to_string(),
            Form::Ri(k) => format!("(local.get 0) {}", constant(ty, k)),
            Form::Ir(k) => format!("{} (local.get 0)", constant(ty, k)),
        };
        let cmp = format!("({ty}.{op} {operands})");
        format!(
            "(func (export \"{}\") (param {ty} {ty}) (result i32) {})",
            self.name(i),
            self.shape.wat(&cmp)
        )
    }
    /// Whether the branch is taken for operands `a` and `b`, computed in the case's type.
    fn want(&self, a: f64, b: f64) -> bool {
        let (x, y) = match self.form {
            Form::Rr => (a, b),
            Form::Ri(k) => (a, k),
            Form::Ir(k) => (k, a),
        };
        // f32 cases compare the values rounded to f32, as the module sees them.
        let (x, y) = if self.ty == "f32" {
            (x as f32 as f64, y as f32 as f64)
        } else {
            (x, y)
        };
        self.shape.taken(CMPS[self.cmp].1(x, y))
    }
}

fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    for ty in ["f32", "f64"] {
        for cmp in 0..CMPS.len() {
            for shape in [Shape::BrIf, Shape::BrIfNot, Shape::If, Shape::IfNot] {
                let mut forms = vec![Form::Rr];
                forms.extend(CONSTS.iter().map(|&k| Form::Ri(k)));
                forms.extend(CONSTS.iter().map(|&k| Form::Ir(k)));
                for form in forms {
                    v.push(Case {
                        ty,
                        cmp,
                        shape,
                        form,
                    });
                }
            }
        }
    }
    v
}

#[test]
fn every_comparison_shape_and_form_branches_as_unfused_code_would() {
    let cases = cases();
    let funcs: String = cases.iter().enumerate().map(|(i, c)| c.wat(i)).collect();
    let (module, mut store, instance) = instantiate(&format!("(module {funcs})"));
    let mut checked = 0;
    for (i, case) in cases.iter().enumerate() {
        // Every one is a single fused compare-and-branch: no comparison computes a value.
        let listing = module.disassemble(i).expect("a function");
        let ty = case.ty;
        assert!(
            listing.contains(&format!("br_if.{ty}.")),
            "{ty}.{} {:?} {:?} not fused:\n{listing}",
            CMPS[case.cmp].0,
            case.shape,
            case.form
        );
        for op in ["eq", "ne", "lt", "gt", "le", "ge"] {
            assert!(
                !listing.contains(&format!(" {ty}.{op} ")),
                "a {ty}.{op} value is computed:\n{listing}"
            );
        }
        for &a in &VALUES {
            for &b in &VALUES {
                let got = if ty == "f32" {
                    let f = instance
                        .get_typed_func::<(f32, f32), i32>(&store, &case.name(i))
                        .unwrap();
                    f.call(&mut store, (a as f32, b as f32)).unwrap()
                } else {
                    let f = instance
                        .get_typed_func::<(f64, f64), i32>(&store, &case.name(i))
                        .unwrap();
                    f.call(&mut store, (a, b)).unwrap()
                };
                assert_eq!(
                    got,
                    case.want(a, b) as i32,
                    "{ty}.{} {:?} {:?} with a = {a:?}, b = {b:?}",
                    CMPS[case.cmp].0,
                    case.shape,
                    case.form
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, cases.len() * VALUES.len() * VALUES.len());
}

#[test]
fn rotated_loops_with_a_float_exit_test_keep_nan_semantics() {
    // `while !(x >= limit)` with a step count cap: the head's exit test is `x >= limit`,
    // and the rotated back edge stays in the loop while it is false, which for a NaN
    // limit is always (until the cap). Testing `x < limit` there instead would leave
    // after one iteration.
    let wat = r#"(module (func (export "f") (param $lim f64) (result i32)
        (local $x f64) (local $i i32)
        (block $done (loop $l
          (br_if $done (f64.ge (local.get $x) (local.get $lim)))
          (local.set $x (f64.add (local.get $x) (f64.const 0.5)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $done (i32.ge_u (local.get $i) (i32.const 100)))
          (br $l)))
        (local.get $i)))"#;
    let (module, mut store, instance) = instantiate(wat);
    let listing = module.disassemble(0).expect("one function");
    assert!(listing.contains("br_if.f64.ge"), "{listing}");
    assert!(listing.contains("br_if.f64.not_ge"), "{listing}");
    let f = instance.get_typed_func::<f64, i32>(&store, "f").unwrap();
    let model = |lim: f64| {
        let (mut x, mut i) = (0.0f64, 0);
        loop {
            if x >= lim {
                return i;
            }
            x += 0.5;
            i += 1;
            if i >= 100 {
                return i;
            }
        }
    };
    for lim in [f64::NAN, 0.0, -1.0, 3.0, 3.25, 1e9, f64::INFINITY] {
        assert_eq!(
            f.call(&mut store, lim).unwrap(),
            model(lim),
            "limit {lim:?}"
        );
    }
}

#[test]
fn an_add_tested_against_a_constant_branches_and_keeps_its_sum() {
    // `t = a + b` then a branch on `t <cond> k`: one add-and-branch, which must branch as
    // the two instructions would (NaN sums, overflow to infinity, signed zeros) and still
    // leave the sum where the code reads it afterwards, on both ways out (each copies it
    // to the global `s`).
    for ty in ["f32", "f64"] {
        let keep = "(global.set $s (local.get 2))";
        let mut funcs = format!("(global $s (export \"s\") (mut {ty}) ({ty}.const 0))");
        let mut cases = Vec::new();
        for (c, (op, _)) in CMPS.iter().enumerate() {
            for shape in [Shape::BrIf, Shape::BrIfNot, Shape::If, Shape::IfNot] {
                for &k in &CONSTS {
                    let i = cases.len();
                    let sum = format!("(local.tee 2 ({ty}.add (local.get 0) (local.get 1)))");
                    let cmp = format!("({ty}.{op} {sum} {})", constant(ty, k));
                    let body = shape
                        .wat(&cmp)
                        .replace("(i32.const 0)", &format!("{keep} (i32.const 0)"))
                        .replace("(i32.const 1)", &format!("{keep} (i32.const 1)"));
                    funcs.push_str(&format!(
                        "(func (export \"c{i}\") (param {ty} {ty}) (result i32) (local {ty}) {body})"
                    ));
                    cases.push((c, shape, k));
                }
            }
        }
        let (module, mut store, instance) = instantiate(&format!("(module {funcs})"));
        let s = instance.get_global(&store, "s").unwrap();
        for (i, &(c, shape, k)) in cases.iter().enumerate() {
            let listing = module.disassemble(i).expect("a function");
            assert!(
                listing.contains(&format!("add.br_if.{ty}.")),
                "{ty}.{} {shape:?} {k:?} not fused:\n{listing}",
                CMPS[c].0
            );
            for &a in &VALUES {
                for &b in &VALUES {
                    let (taken, sum) = if ty == "f32" {
                        let f = instance
                            .get_typed_func::<(f32, f32), i32>(&store, &format!("c{i}"))
                            .unwrap();
                        let taken = f.call(&mut store, (a as f32, b as f32)).unwrap();
                        let want = a as f32 + b as f32;
                        let Val::F32(got) = s.get(&store) else {
                            panic!("an f32 global")
                        };
                        let got = f32::from_bits(got);
                        assert!(got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()));
                        (taken, want as f64)
                    } else {
                        let f = instance
                            .get_typed_func::<(f64, f64), i32>(&store, &format!("c{i}"))
                            .unwrap();
                        let taken = f.call(&mut store, (a, b)).unwrap();
                        let want = a + b;
                        let Val::F64(got) = s.get(&store) else {
                            panic!("an f64 global")
                        };
                        let got = f64::from_bits(got);
                        assert!(got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()));
                        (taken, want)
                    };
                    let k = if ty == "f32" { k as f32 as f64 } else { k };
                    assert_eq!(
                        taken,
                        shape.taken(CMPS[c].1(sum, k)) as i32,
                        "{ty}.{} {shape:?} k = {k:?}, a = {a:?}, b = {b:?}",
                        CMPS[c].0
                    );
                }
            }
        }
    }
}

#[test]
fn eqz_of_an_integer_comparison_branches_on_the_opposite_one() {
    // `br_if (i32.eqz (i32.lt_s a b))`: one `br_if.i32.ge_s`; `eqz` twice is the test
    // itself.
    let wat = r#"(module
      (func (export "once") (param i32 i32) (result i32)
        (block $t (br_if $t (i32.eqz (i32.lt_s (local.get 0) (local.get 1))))
          (return (i32.const 0)))
        (i32.const 1))
      (func (export "twice") (param i32 i32) (result i32)
        (block $t (br_if $t (i32.eqz (i32.eqz (i32.lt_u (local.get 0) (local.get 1)))))
          (return (i32.const 0)))
        (i32.const 1))
      (func (export "value") (param i32 i32) (result i32)
        (i32.eqz (i32.lt_s (local.get 0) (local.get 1)))))"#;
    let (module, mut store, instance) = instantiate(wat);
    let once = module.disassemble(0).unwrap();
    let twice = module.disassemble(1).unwrap();
    assert!(
        once.contains("br_if.i32.ge_s") && !once.contains("eqz"),
        "{once}"
    );
    assert!(
        twice.contains("br_if.i32.lt_u") && !twice.contains("eqz"),
        "{twice}"
    );
    let call = |store: &mut Store<()>, name: &str, a: i32, b: i32| {
        let f = instance
            .get_typed_func::<(i32, i32), i32>(&*store, name)
            .unwrap();
        f.call(store, (a, b)).unwrap()
    };
    for a in [i32::MIN, -1, 0, 1, 7, i32::MAX] {
        for b in [i32::MIN, -1, 0, 1, 7, i32::MAX] {
            assert_eq!(call(&mut store, "once", a, b), (a >= b) as i32);
            assert_eq!(
                call(&mut store, "twice", a, b),
                ((a as u32) < b as u32) as i32
            );
            // Used as a value, the comparison and the `eqz` both stay.
            assert_eq!(call(&mut store, "value", a, b), (a >= b) as i32);
        }
    }
}

/// Operands for the multiply-adds: exact and inexact products, overflow, subnormals, signed
/// zeros, infinities and NaN, and a product whose rounding a fused multiply-add would skip
/// (`(1 + 2^-30) * (1 - 2^-30) - 1` is 0 rounded twice, `-2^-60` rounded once).
const MUL_ADD_VALUES: [f64; 12] = [
    0.1,
    3.0,
    -0.0,
    1.0e308,
    1.0e-310,
    f64::INFINITY,
    f64::NAN,
    1.0 + 1.0 / (1u64 << 30) as f64,
    1.0 - 1.0 / (1u64 << 30) as f64,
    -1.0,
    -7.25,
    1.0e-8,
];

/// Each expression of `a`, `b`, `c` (parameters 0, 1, 2) with its Rust meaning, and the
/// fused instruction the listing must show (`neg` puts an operand in the accumulator, so
/// that the multiply reads it from there).
type MulAddCase = (&'static str, &'static str, fn(f64, f64, f64) -> f64);

const MUL_ADD_CASES: [MulAddCase; 10] = [
    (
        "(T.add (local.get 2) (T.mul (local.get 0) (local.get 1)))",
        "mul_add",
        |a, b, c| c + a * b,
    ),
    (
        "(T.add (T.mul (local.get 0) (local.get 1)) (local.get 2))",
        "mul_add",
        |a, b, c| a * b + c,
    ),
    (
        "(T.sub (local.get 2) (T.mul (local.get 0) (local.get 1)))",
        "sub_mul",
        |a, b, c| c - a * b,
    ),
    (
        "(T.sub (T.mul (local.get 0) (local.get 1)) (local.get 2))",
        "mul_sub",
        |a, b, c| a * b - c,
    ),
    (
        "(T.add (local.get 2) (T.mul (T.neg (local.get 0)) (local.get 1)))",
        "mul_add",
        |a, b, c| c + -a * b,
    ),
    (
        "(T.add (local.get 2) (T.mul (local.get 0) (T.neg (local.get 1))))",
        "mul_add",
        |a, b, c| c + a * -b,
    ),
    (
        "(T.sub (T.mul (T.neg (local.get 0)) (local.get 1)) (local.get 2))",
        "mul_sub",
        |a, b, c| -a * b - c,
    ),
    (
        "(T.sub (local.get 2) (T.mul (local.get 0) (T.neg (local.get 1))))",
        "sub_mul",
        |a, b, c| c - a * -b,
    ),
    // Chained: the first multiply-add's result goes on through the accumulator.
    (
        "(T.mul (T.add (local.get 2) (T.mul (local.get 0) (local.get 1))) (local.get 0))",
        "mul_add",
        |a, b, c| (c + a * b) * a,
    ),
    // A multiply by a constant is not fused (and still right).
    (
        "(T.add (local.get 2) (T.mul (local.get 0) (T.const 0.5)))",
        "",
        |a, _, c| c + a * 0.5,
    ),
];

/// Whether two results agree: the same bits, or both NaN (Wasm leaves NaN payloads open).
fn same_float(got: f64, want: f64) -> bool {
    got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan())
}

#[test]
fn multiply_adds_round_twice_in_every_form() {
    for ty in ["f64", "f32"] {
        let funcs: String = MUL_ADD_CASES
            .iter()
            .enumerate()
            .map(|(i, (expr, _, _))| {
                format!(
                    "(func (export \"m{i}\") (param {ty} {ty} {ty}) (result {ty}) {})",
                    expr.replace("T.", &format!("{ty}."))
                )
            })
            .collect();
        let (module, mut store, instance) = instantiate(&format!("(module {funcs})"));
        for (i, (expr, fused, model)) in MUL_ADD_CASES.iter().enumerate() {
            let listing = module.disassemble(i).expect("a function");
            if fused.is_empty() {
                assert!(
                    !listing.contains("_mul") && !listing.contains("mul_"),
                    "{listing}"
                );
            } else {
                assert!(
                    listing.contains(&format!("{ty}.{fused}")),
                    "{expr}:\n{listing}"
                );
                // One multiply fewer than the expression has.
                let left = listing.matches(&format!(" {ty}.mul ")).count();
                assert_eq!(
                    left,
                    expr.matches("T.mul").count() - 1,
                    "{expr}:\n{listing}"
                );
            }
            let name = format!("m{i}");
            for &a in &MUL_ADD_VALUES {
                for &b in &MUL_ADD_VALUES {
                    for &c in &MUL_ADD_VALUES {
                        let (got, want) = if ty == "f32" {
                            let f = instance
                                .get_typed_func::<(f32, f32, f32), f32>(&store, &name)
                                .unwrap();
                            let got = f.call(&mut store, (a as f32, b as f32, c as f32)).unwrap();
                            // The model in f32 arithmetic: each operation rounded to f32.
                            let want = model_f32(i, a as f32, b as f32, c as f32);
                            (got as f64, want as f64)
                        } else {
                            let f = instance
                                .get_typed_func::<(f64, f64, f64), f64>(&store, &name)
                                .unwrap();
                            (f.call(&mut store, (a, b, c)).unwrap(), model(a, b, c))
                        };
                        assert!(
                            same_float(got, want),
                            "{ty} {expr} with {a:?}, {b:?}, {c:?}: got {got:?}, want {want:?}"
                        );
                    }
                }
            }
        }
    }
}

/// [`MUL_ADD_CASES`] computed in `f32` (an `f64` model would round only once).
fn model_f32(case: usize, a: f32, b: f32, c: f32) -> f32 {
    match case {
        0 => c + a * b,
        1 => a * b + c,
        2 => c - a * b,
        3 => a * b - c,
        4 => c + -a * b,
        5 => c + a * -b,
        6 => -a * b - c,
        7 => c - a * -b,
        8 => (c + a * b) * a,
        9 => c + a * 0.5,
        _ => unreachable!("one model per case"),
    }
}

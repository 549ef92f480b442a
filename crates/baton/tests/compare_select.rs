//! A `select` whose condition a comparison just computed is one instruction
//! (`select.<type>.<condition>`): it picks what the two instructions would, for every
//! comparison of every type, with the comparison's second operand and either value a slot
//! or a constant, with the constant on either side, negated (`eqz` of a comparison), and
//! for floats with NaN, signed zeros and infinities.
//!
//! The expected value is computed here in Rust; the listing tells whether the fused form
//! was chosen.

use baton::*;

mod common;
use common::instantiate;

/// The value taken when the condition holds, and the other one (all 64 bits used).
const X: i64 = 0x1111_2222_3333_4444;
const Y: i64 = -5;

/// A comparison: its name and what it means (operands as `f64`, exact for every value
/// tried).
type Comparison = (&'static str, fn(f64, f64) -> bool);

/// An operand type's name, its comparisons (name and meaning), the values tried, and
/// how a value is written as a constant and passed as an argument.
struct Ty {
    name: &'static str,
    cmps: &'static [Comparison],
    values: &'static [f64],
    literal: fn(f64) -> String,
    arg: fn(f64) -> Val,
    /// The base comparison the fused instruction is named by, for each of `cmps`.
    fused: &'static [&'static str],
}

fn int_literal(v: f64) -> String {
    format!("{}", v as i64)
}

fn float_literal(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.into()
    } else if v == 0.0 && v.is_sign_negative() {
        "-0".into()
    } else {
        format!("{v:?}")
    }
}

// Integer values are kept as f64 (exact for these): signed, and reinterpreted as unsigned
// by the `_u` comparisons below.
const I32_VALUES: &[f64] = &[0.0, 1.0, -1.0, 7.0, -2147483648.0, 2147483647.0];
const I64_VALUES: &[f64] = &[0.0, 1.0, -1.0, 7.0, -9007199254740992.0, 4294967296.0];
const FLOAT_VALUES: &[f64] = &[0.0, -0.0, 1.5, -1.5, f64::NAN, f64::INFINITY];

macro_rules! int_cmps {
    ($s:ty, $u:ty) => {
        &[
            ("eq", |a, b| (a as $s) == (b as $s)),
            ("ne", |a, b| (a as $s) != (b as $s)),
            ("lt_s", |a, b| (a as $s) < (b as $s)),
            ("lt_u", |a, b| (a as $s as $u) < (b as $s as $u)),
            ("gt_s", |a, b| (a as $s) > (b as $s)),
            ("gt_u", |a, b| (a as $s as $u) > (b as $s as $u)),
            ("le_s", |a, b| (a as $s) <= (b as $s)),
            ("le_u", |a, b| (a as $s as $u) <= (b as $s as $u)),
            ("ge_s", |a, b| (a as $s) >= (b as $s)),
            ("ge_u", |a, b| (a as $s as $u) >= (b as $s as $u)),
        ]
    };
}

macro_rules! float_cmps {
    ($f:ty) => {
        &[
            ("eq", |a, b| (a as $f) == (b as $f)),
            ("ne", |a, b| (a as $f) != (b as $f)),
            ("lt", |a, b| (a as $f) < (b as $f)),
            ("gt", |a, b| (a as $f) > (b as $f)),
            ("le", |a, b| (a as $f) <= (b as $f)),
            ("ge", |a, b| (a as $f) >= (b as $f)),
        ]
    };
}

const INT_FUSED: &[&str] = &[
    "eq", "eq", "lt_s", "lt_u", "gt_s", "gt_u", "gt_s", "gt_u", "lt_s", "lt_u",
];
const FLOAT_FUSED: &[&str] = &["eq", "eq", "lt", "gt", "le", "ge"];

fn types() -> [Ty; 4] {
    [
        Ty {
            name: "i32",
            cmps: int_cmps!(i32, u32),
            values: I32_VALUES,
            literal: int_literal,
            arg: |v| Val::I32(v as i32),
            fused: INT_FUSED,
        },
        Ty {
            name: "i64",
            cmps: int_cmps!(i64, u64),
            values: I64_VALUES,
            literal: int_literal,
            arg: |v| Val::I64(v as i64),
            fused: INT_FUSED,
        },
        Ty {
            name: "f32",
            cmps: float_cmps!(f32),
            values: FLOAT_VALUES,
            literal: float_literal,
            arg: |v| Val::F32((v as f32).to_bits()),
            fused: FLOAT_FUSED,
        },
        Ty {
            name: "f64",
            cmps: float_cmps!(f64),
            values: FLOAT_VALUES,
            literal: float_literal,
            arg: |v| Val::F64(v.to_bits()),
            fused: FLOAT_FUSED,
        },
    ]
}

/// Where the comparison's second operand comes from.
#[derive(Clone, Copy, Debug)]
enum B {
    /// The parameter `$b`.
    Param,
    /// A constant, compared as `(cmp $a k)`.
    Const(f64),
    /// A constant first, `(cmp k $a)`: the translator swaps the condition.
    ConstFirst(f64),
}

/// How the two values are given: each a parameter or a constant.
const VALUE_FORMS: [(bool, bool); 4] = [(false, false), (false, true), (true, false), (true, true)];

/// One function: `select(x, y, [eqz] cmp(a, b))` as `(param $a T) (param $b T)
/// (param $x i64) (param $y i64) (result i64)`.
fn function(ty: &Ty, cmp: &str, b: B, consts: (bool, bool), negated: bool, i: usize) -> String {
    let t = ty.name;
    let lit = |v: f64| format!("({t}.const {})", (ty.literal)(v));
    let test = match b {
        B::Param => format!("({t}.{cmp} (local.get $a) (local.get $b))"),
        B::Const(k) => format!("({t}.{cmp} (local.get $a) {})", lit(k)),
        B::ConstFirst(k) => format!("({t}.{cmp} {} (local.get $a))", lit(k)),
    };
    let test = if negated {
        format!("(i32.eqz {test})")
    } else {
        test
    };
    let x = if consts.0 {
        format!("(i64.const {X})")
    } else {
        "(local.get $x)".into()
    };
    let y = if consts.1 {
        format!("(i64.const {Y})")
    } else {
        "(local.get $y)".into()
    };
    format!(
        "(func (export \"f{i}\") (param $a {t}) (param $b {t}) (param $x i64) (param $y i64) \
         (result i64) (select {x} {y} {test}))"
    )
}

#[test]
fn every_comparison_and_form_selects_as_the_two_instructions_would() {
    let mut checked = 0;
    for ty in types() {
        // (comparison index, b, value forms, negated)
        let mut cases = Vec::new();
        for (c, _) in ty.cmps.iter().enumerate() {
            for negated in [false, true] {
                for consts in VALUE_FORMS {
                    cases.push((c, B::Param, consts, negated));
                    for &k in ty.values {
                        cases.push((c, B::Const(k), consts, negated));
                        cases.push((c, B::ConstFirst(k), consts, negated));
                    }
                }
            }
        }
        let funcs: Vec<String> = cases
            .iter()
            .enumerate()
            .map(|(i, &(c, b, consts, negated))| function(&ty, ty.cmps[c].0, b, consts, negated, i))
            .collect();
        let (module, mut store, instance) = instantiate(&format!("(module {})", funcs.concat()));
        for (i, &(c, b, consts, negated)) in cases.iter().enumerate() {
            let (name, holds) = ty.cmps[c];
            let listing = module.disassemble(i).unwrap();
            let what = format!("{} {name} {b:?} {consts:?} negated {negated}", ty.name);
            // Two constant values leave the comparison apart (a comparison-select holds
            // one constant value); everything else is fused.
            // (With the constant first the condition is swapped: `lt` becomes `gt`.)
            let fused = match b {
                B::ConstFirst(_) => format!("select.{}.", ty.name),
                _ => format!("select.{}.{}", ty.name, ty.fused[c]),
            };
            if consts == (true, true) {
                assert!(!listing.contains(&fused), "{what}:\n{listing}");
            } else {
                assert!(listing.contains(&fused), "{what}:\n{listing}");
            }
            let f = instance.get_func(&store, &format!("f{i}")).unwrap();
            for &a in ty.values {
                for &bv in ty.values {
                    let (l, r, bv) = match b {
                        B::Param => (a, bv, bv),
                        B::Const(k) => (a, k, 0.0),
                        B::ConstFirst(k) => (k, a, 0.0),
                    };
                    let want = if holds(l, r) != negated { X } else { Y };
                    let mut out = [Val::I64(0)];
                    let args = [(ty.arg)(a), (ty.arg)(bv), Val::I64(X), Val::I64(Y)];
                    f.call(&mut store, &args, &mut out).unwrap();
                    assert_eq!(out[0].i64(), Some(want), "{what}: a {a} b {l} {r}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 10_000, "{checked} calls");
}

#[test]
fn a_zero_test_selects_on_its_operand() {
    // `select(x, y, i32.eqz(v))` is the plain select on `v` with the values swapped;
    // `i64.eqz` needs the 64-bit test (a value whose low half is zero is not zero).
    let (module, mut store, instance) = instantiate(
        r#"(module
          (func (export "e32") (param $v i32) (param $x i64) (param $y i64) (result i64)
            (select (local.get $x) (local.get $y) (i32.eqz (local.get $v))))
          (func (export "e64") (param $v i64) (param $x i64) (param $y i64) (result i64)
            (select (local.get $x) (local.get $y) (i64.eqz (local.get $v))))
          (func (export "e64k") (param $v i64) (param $x i64) (param $y i64) (result i64)
            (select (local.get $x) (i64.const -5) (i64.eqz (local.get $v)))))"#,
    );
    let e32 = module.disassemble(0).unwrap();
    assert!(!e32.contains("eqz"), "{e32}");
    assert!(module.disassemble(1).unwrap().contains("select.i64.eq"));
    assert!(module.disassemble(2).unwrap().contains("select.i64.eq"));
    let e32 = instance
        .get_typed_func::<(i32, i64, i64), i64>(&store, "e32")
        .unwrap();
    for (v, want) in [(0, X), (1, Y), (-1, Y), (i32::MIN, Y)] {
        assert_eq!(e32.call(&mut store, (v, X, Y)).unwrap(), want, "{v}");
    }
    for name in ["e64", "e64k"] {
        let f = instance
            .get_typed_func::<(i64, i64, i64), i64>(&store, name)
            .unwrap();
        for (v, want) in [(0, X), (1, Y), (1 << 32, Y), (i64::MIN, Y)] {
            assert_eq!(f.call(&mut store, (v, X, Y)).unwrap(), want, "{name} {v}");
        }
    }
}

#[test]
fn a_comparison_read_elsewhere_too_is_not_taken_back() {
    // The comparison's result is teed to a local, which is returned with the select: the
    // comparison must stay (it is not the instruction just before the select).
    let (module, mut store, instance) = instantiate(
        r#"(module
          (func (export "f") (param $a i32) (param $b i32) (result i32)
            (local $c i32)
            (i32.add
              (select (i32.const 100) (i32.const 200)
                (local.tee $c (i32.lt_s (local.get $a) (local.get $b))))
              (local.get $c))))"#,
    );
    let listing = module.disassemble(0).unwrap();
    let f = instance
        .get_typed_func::<(i32, i32), i32>(&store, "f")
        .unwrap();
    assert_eq!(f.call(&mut store, (1, 2)).unwrap(), 101, "{listing}");
    assert_eq!(f.call(&mut store, (2, 1)).unwrap(), 200, "{listing}");
    assert_eq!(f.call(&mut store, (-1, 0)).unwrap(), 101, "{listing}");
}

#[test]
fn a_select_in_a_loop_clamps_every_element() {
    // A clamp as compilers emit it, `v > hi ? hi : v` and `v < lo ? lo : v` on f32,
    // summed over a loop: the fused selects run many times, with both outcomes.
    let (module, mut store, instance) = instantiate(
        r#"(module
          (func (export "f") (param $n i32) (result f32)
            (local $i i32) (local $v f32) (local $s f32)
            (loop $l
              (local.set $v (f32.sub (f32.convert_i32_s (local.get $i)) (f32.const 50)))
              (local.set $v (select (f32.const 20) (local.get $v)
                (f32.gt (local.get $v) (f32.const 20))))
              (local.set $v (select (f32.const -10) (local.get $v)
                (f32.lt (local.get $v) (f32.const -10))))
              (local.set $s (f32.add (local.get $s) (local.get $v)))
              (br_if $l (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                (local.get $n))))
            (local.get $s)))"#,
    );
    let listing = module.disassemble(0).unwrap();
    assert!(listing.contains("select.f32.gt"), "{listing}");
    assert!(listing.contains("select.f32.lt"), "{listing}");
    let f = instance.get_typed_func::<i32, f32>(&store, "f").unwrap();
    for n in [1, 10, 61, 100, 1000] {
        let want: f32 = (0..n)
            .map(|i| (i as f32 - 50.0).clamp(-10.0, 20.0))
            .sum::<f32>();
        assert_eq!(f.call(&mut store, n).unwrap(), want, "{n}");
    }
}

#[test]
fn selects_on_a_plain_value_in_every_form() {
    // A condition that is no comparison: the plain selects, each value a parameter or a
    // constant (the constant on either side), chosen without a branch.
    let (module, mut store, instance) = instantiate(&format!(
        r#"(module
          (func (export "rr") (param $c i32) (param $x i64) (param $y i64) (result i64)
            (select (local.get $x) (local.get $y) (local.get $c)))
          (func (export "ri") (param $c i32) (param $x i64) (param $y i64) (result i64)
            (select (local.get $x) (i64.const {Y}) (local.get $c)))
          (func (export "ir") (param $c i32) (param $x i64) (param $y i64) (result i64)
            (select (i64.const {X}) (local.get $y) (local.get $c)))
          (func (export "ii") (param $c i32) (param $x i64) (param $y i64) (result i64)
            (select (i64.const {X}) (i64.const {Y}) (local.get $c))))"#
    ));
    for i in 0..4 {
        let listing = module.disassemble(i).unwrap();
        assert!(listing.contains("select "), "{listing}");
    }
    for name in ["rr", "ri", "ir", "ii"] {
        let f = instance
            .get_typed_func::<(i32, i64, i64), i64>(&store, name)
            .unwrap();
        for (c, want) in [(0, Y), (1, X), (-1, X), (i32::MIN, X), (2, X)] {
            assert_eq!(f.call(&mut store, (c, X, Y)).unwrap(), want, "{name} {c}");
        }
    }
}

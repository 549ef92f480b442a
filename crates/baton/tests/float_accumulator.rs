//! Float results handed to the next instruction through the float accumulators compute
//! what the same code going through frame slots would.
//!
//! A float operation whose result the next float operation takes at once leaves it in a
//! floating-point register (`f64` and `f32` have one each); every other instruction takes
//! values from the integer accumulator or from slots. The translator must therefore only
//! pair a producer and a consumer of the same class: a float sum stored to memory, turned
//! into bits (`i64.reinterpret_f64`, which emits nothing) or compared goes through its slot,
//! and so does a loaded value or an integer's bits reinterpreted as a float. These tests run
//! chains that cross between the classes in every direction, with NaNs (signalling ones
//! with payloads among them), signed zeros and infinities, and compare each result with
//! Rust's arithmetic: bit for bit where Wasm defines the bits (sign operations, moves),
//! and as "some NaN" where an arithmetic operation produces a NaN. A float load whose
//! value a float operation takes at once writes the float accumulator too (its other
//! forms, and the loads of integers, the integer one), and a float store takes a value
//! just computed from there.

mod common;
use common::instantiate;

/// `f64` operands: NaNs (a quiet one, a signalling one with a payload, a negative one),
/// zeros of both signs, infinities, ordinary values.
fn f64_values() -> Vec<f64> {
    vec![
        f64::NAN,
        f64::from_bits(0x7ff4_0000_0000_0001),
        f64::from_bits(0xfff8_0000_0000_0abc),
        0.0,
        -0.0,
        1.5,
        -2.25,
        1.0e300,
        f64::INFINITY,
        f64::NEG_INFINITY,
        3.0,
    ]
}

/// `f32` operands, as [`f64_values`].
fn f32_values() -> Vec<f32> {
    vec![
        f32::NAN,
        f32::from_bits(0x7fa0_0001),
        f32::from_bits(0xffc0_0abc),
        0.0,
        -0.0,
        1.5,
        -2.25,
        3.0e38,
        f32::INFINITY,
        f32::NEG_INFINITY,
        3.0,
    ]
}

/// How a case's result is compared with the model's.
#[derive(Clone, Copy, PartialEq)]
enum Exact {
    /// Bit for bit: the chain only moves bits or changes signs.
    Bits,
    /// Bit for bit unless both are NaNs: an arithmetic NaN's bits are not defined.
    UpToNan,
}

/// One chain: its body (the operands are locals 0, 1, 2 of the float type, read from
/// integer parameters' bits; the result is the float's bits), its Rust model, how the
/// result is compared, and an instruction form its translation must contain (showing
/// that the chain does go through the accumulator it tests), if any.
struct Case<T> {
    body: &'static str,
    model: fn(T, T, T) -> T,
    exact: Exact,
    form: Option<&'static str>,
}

fn f64_cases() -> Vec<Case<f64>> {
    use Exact::*;
    vec![
        // Arithmetic, each result taken by the next operation.
        Case {
            body: "(f64.div (f64.sub (f64.mul (f64.add (local.get 0) (local.get 1)) (local.get 2)) (local.get 0)) (local.get 1))",
            model: |a, b, c| ((a + b) * c - a) / b,
            exact: UpToNan,
            form: Some("F64_DIV::ar"),
        },
        // Unary operations in a row.
        Case {
            body: "(f64.neg (f64.sqrt (f64.abs (f64.add (local.get 0) (local.get 1)))))",
            model: |a, b, _| -((a + b).abs().sqrt()),
            exact: UpToNan,
            form: Some("F64_SQRT::a_a"),
        },
        // Sign operations only: NaN payloads must survive the accumulator.
        Case {
            body: "(f64.neg (f64.abs (f64.copysign (local.get 0) (local.get 1))))",
            model: |a, b, _| -(a.copysign(b).abs()),
            exact: Bits,
            form: Some("F64_NEG::a"),
        },
        Case {
            body: "(f64.copysign (f64.neg (local.get 0)) (f64.abs (local.get 1)))",
            model: |a, b, _| (-a).copysign(b.abs()),
            exact: Bits,
            form: None,
        },
        // A float result turned into bits and used by integer code.
        Case {
            body: "(f64.reinterpret_i64 (i64.xor (i64.reinterpret_f64 (f64.mul (local.get 0) (local.get 1))) (i64.const 0x8000000000000000)))",
            model: |a, b, _| -(a * b),
            exact: UpToNan,
            form: None,
        },
        // Integer results reinterpreted as floats and used by float code.
        Case {
            body: "(f64.add (f64.reinterpret_i64 (i64.and (i64.reinterpret_f64 (local.get 0)) (i64.const 0x7fffffffffffffff))) (local.get 1))",
            model: |a, b, _| a.abs() + b,
            exact: UpToNan,
            form: None,
        },
        // Through memory: a loaded value into float arithmetic, a float result stored.
        Case {
            body: "(f64.store (i32.const 0) (local.get 0)) \
                   (f64.store (i32.const 16) (f64.mul (f64.load (i32.const 0)) (local.get 1))) \
                   (f64.sub (f64.load (i32.const 16)) (local.get 2))",
            model: |a, b, c| a * b - c,
            exact: UpToNan,
            form: Some("F64_LOAD_ACC::abs_a"),
        },
        Case {
            body: "(f64.store (i32.const 0) (f64.neg (local.get 0))) (f64.abs (f64.load (i32.const 0)))",
            model: |a, _, _| a.abs(),
            exact: Bits,
            form: Some("F64_LOAD_ACC::abs_a"),
        },
        // A float result stored at once: to a constant address, to one in a local.
        Case {
            body: "(f64.store (i32.const 8) (f64.div (local.get 0) (local.get 1))) (f64.load (i32.const 8))",
            model: |a, b, _| a / b,
            exact: UpToNan,
            form: Some("F64_STORE_ACC::abs_va"),
        },
        Case {
            body: "(local $p i32) (local.set $p (i32.const 24)) \
                   (f64.store offset=8 (local.get $p) (f64.neg (local.get 0))) \
                   (f64.add (f64.load offset=8 (local.get $p)) (local.get 2))",
            model: |a, _, c| -a + c,
            exact: UpToNan,
            form: Some("F64_STORE_ACC::r_va"),
        },
        Case {
            body: "(f64.store (i32.const 32) (f64.copysign (local.get 0) (local.get 1))) (f64.load (i32.const 32))",
            model: |a, b, _| a.copysign(b),
            exact: Bits,
            form: Some("F64_STORE_ACC::abs_va"),
        },
        // Conversions between the classes.
        Case {
            body: "(f64.promote_f32 (f32.mul (f32.demote_f64 (local.get 0)) (f32.demote_f64 (local.get 1))))",
            model: |a, b, _| ((a as f32) * (b as f32)) as f64,
            exact: UpToNan,
            form: None,
        },
        Case {
            body: "(f64.add (f64.convert_i64_s (i64.trunc_sat_f64_s (f64.mul (local.get 0) (local.get 1)))) (local.get 2))",
            model: |a, b, c| ((a * b) as i64) as f64 + c,
            exact: UpToNan,
            form: None,
        },
        Case {
            body: "(f64.mul (f64.convert_i32_u (i32.wrap_i64 (i64.reinterpret_f64 (local.get 0)))) (local.get 1))",
            model: |a, b, _| (a.to_bits() as u32) as f64 * b,
            exact: UpToNan,
            form: None,
        },
        // Comparisons (integer results) and `select` between float results.
        Case {
            body: "(select (f64.add (local.get 0) (local.get 1)) (f64.sub (local.get 0) (local.get 1)) (f64.lt (f64.mul (local.get 0) (local.get 1)) (local.get 2)))",
            model: |a, b, c| if a * b < c { a + b } else { a - b },
            exact: UpToNan,
            form: None,
        },
        // Constants on either side, and a multiply-add reading the accumulator.
        Case {
            body: "(f64.add (f64.mul (f64.sub (f64.const 2.5) (local.get 0)) (local.get 1)) (local.get 2))",
            model: |a, b, c| (2.5 - a) * b + c,
            exact: UpToNan,
            form: None,
        },
        Case {
            body: "(f64.div (f64.const 1.0) (f64.add (f64.mul (local.get 0) (f64.const 0.5)) (f64.const 3.0)))",
            model: |a, _, _| 1.0 / (a * 0.5 + 3.0),
            exact: UpToNan,
            form: None,
        },
        // A loop whose value is carried through a local, ended by a float test.
        Case {
            body: "(local $i i32) (local $x f64) (local.set $x (local.get 0)) \
                   (loop $l (local.set $x (f64.add (f64.mul (local.get $x) (local.get 1)) (local.get 2))) \
                     (local.set $i (i32.add (local.get $i) (i32.const 1))) \
                     (br_if $l (i32.lt_u (local.get $i) (i32.const 5)))) (local.get $x)",
            model: |a, b, c| (0..5).fold(a, |x, _| x * b + c),
            exact: UpToNan,
            form: None,
        },
    ]
}

fn f32_cases() -> Vec<Case<f32>> {
    use Exact::*;
    vec![
        Case {
            body: "(f32.div (f32.sub (f32.mul (f32.add (local.get 0) (local.get 1)) (local.get 2)) (local.get 0)) (local.get 1))",
            model: |a, b, c| ((a + b) * c - a) / b,
            exact: UpToNan,
            form: Some("F32_DIV::ar"),
        },
        Case {
            body: "(f32.neg (f32.sqrt (f32.abs (f32.add (local.get 0) (local.get 1)))))",
            model: |a, b, _| -((a + b).abs().sqrt()),
            exact: UpToNan,
            form: Some("F32_SQRT::a_a"),
        },
        Case {
            body: "(f32.neg (f32.abs (f32.copysign (local.get 0) (local.get 1))))",
            model: |a, b, _| -(a.copysign(b).abs()),
            exact: Bits,
            form: Some("F32_NEG::a"),
        },
        Case {
            body: "(f32.reinterpret_i32 (i32.xor (i32.reinterpret_f32 (f32.mul (local.get 0) (local.get 1))) (i32.const 0x80000000)))",
            model: |a, b, _| -(a * b),
            exact: UpToNan,
            form: None,
        },
        Case {
            body: "(f32.add (f32.reinterpret_i32 (i32.and (i32.reinterpret_f32 (local.get 0)) (i32.const 0x7fffffff))) (local.get 1))",
            model: |a, b, _| a.abs() + b,
            exact: UpToNan,
            form: None,
        },
        Case {
            body: "(f32.store (i32.const 0) (local.get 0)) \
                   (f32.store (i32.const 16) (f32.mul (f32.load (i32.const 0)) (local.get 1))) \
                   (f32.sub (f32.load (i32.const 16)) (local.get 2))",
            model: |a, b, c| a * b - c,
            exact: UpToNan,
            form: Some("F32_LOAD_ACC::abs_a"),
        },
        Case {
            body: "(f32.store (i32.const 0) (f32.neg (local.get 0))) (f32.abs (f32.load (i32.const 0)))",
            model: |a, _, _| a.abs(),
            exact: Bits,
            form: Some("F32_LOAD_ACC::abs_a"),
        },
        // A float result stored at once: to a constant address, to one in a local.
        Case {
            body: "(f32.store (i32.const 8) (f32.div (local.get 0) (local.get 1))) (f32.load (i32.const 8))",
            model: |a, b, _| a / b,
            exact: UpToNan,
            form: Some("F32_STORE_ACC::abs_va"),
        },
        Case {
            body: "(local $p i32) (local.set $p (i32.const 24)) \
                   (f32.store offset=8 (local.get $p) (f32.neg (local.get 0))) \
                   (f32.add (f32.load offset=8 (local.get $p)) (local.get 2))",
            model: |a, _, c| -a + c,
            exact: UpToNan,
            form: Some("F32_STORE_ACC::r_va"),
        },
        Case {
            body: "(f32.store (i32.const 32) (f32.copysign (local.get 0) (local.get 1))) (f32.load (i32.const 32))",
            model: |a, b, _| a.copysign(b),
            exact: Bits,
            form: Some("F32_STORE_ACC::abs_va"),
        },
        // f32 -> f64 -> f32: each conversion reads one float accumulator and writes the
        // other.
        Case {
            body: "(f32.demote_f64 (f64.mul (f64.promote_f32 (f32.add (local.get 0) (local.get 1))) (f64.const 0.25)))",
            model: |a, b, _| (((a + b) as f64) * 0.25) as f32,
            exact: UpToNan,
            form: None,
        },
        Case {
            body: "(f32.add (f32.convert_i32_s (i32.trunc_sat_f32_s (f32.mul (local.get 0) (local.get 1)))) (local.get 2))",
            model: |a, b, c| ((a * b) as i32) as f32 + c,
            exact: UpToNan,
            form: None,
        },
        Case {
            body: "(select (f32.add (local.get 0) (local.get 1)) (f32.sub (local.get 0) (local.get 1)) (f32.ge (f32.mul (local.get 0) (local.get 1)) (local.get 2)))",
            model: |a, b, c| if a * b >= c { a + b } else { a - b },
            exact: UpToNan,
            form: None,
        },
        Case {
            body: "(f32.add (f32.mul (f32.sub (f32.const 2.5) (local.get 0)) (local.get 1)) (local.get 2))",
            model: |a, b, c| (2.5 - a) * b + c,
            exact: UpToNan,
            form: None,
        },
    ]
}

/// Whether `got` is what the model computed, as `exact` asks.
fn same(got: u64, want: u64, got_nan: bool, want_nan: bool, exact: Exact) -> bool {
    got == want || (exact == Exact::UpToNan && got_nan && want_nan)
}

#[test]
fn f64_chains_through_the_accumulators_compute_what_slots_would() {
    let cases = f64_cases();
    let mut funcs = String::from("(memory 1)");
    for (i, case) in cases.iter().enumerate() {
        funcs.push_str(&format!(
            "(func (export \"c{i}\") (param i64 i64 i64) (result i64) (local f64 f64 f64) \
             (local.set 3 (f64.reinterpret_i64 (local.get 0))) \
             (local.set 4 (f64.reinterpret_i64 (local.get 1))) \
             (local.set 5 (f64.reinterpret_i64 (local.get 2))) \
             (i64.reinterpret_f64 (call $f{i} (local.get 3) (local.get 4) (local.get 5))))
             (func $f{i} (param f64 f64 f64) (result f64) {})",
            case.body
        ));
    }
    let (module, mut store, instance) = instantiate(&format!("(module {funcs})"));
    let values = f64_values();
    for (i, case) in cases.iter().enumerate() {
        if let Some(form) = case.form {
            // `c{i}` is function 2i, the chain's own function 2i + 1.
            let listing = module.disassemble(2 * i + 1).expect("a function");
            assert!(listing.contains(form), "case {i}: no {form}:\n{listing}");
        }
        let f = instance
            .get_typed_func::<(i64, i64, i64), i64>(&store, &format!("c{i}"))
            .unwrap();
        for &a in &values {
            for &b in &values {
                for &c in &[values[0], values[4], values[5], values[8], values[10]] {
                    let args = (a.to_bits() as i64, b.to_bits() as i64, c.to_bits() as i64);
                    let got = f.call(&mut store, args).unwrap() as u64;
                    let want = (case.model)(a, b, c);
                    assert!(
                        same(got, want.to_bits(), f64::from_bits(got).is_nan(), want.is_nan(), case.exact),
                        "case {i} ({}): a = {a:?}, b = {b:?}, c = {c:?}: got {:?} ({got:#x}), want {want:?} ({:#x})",
                        case.body,
                        f64::from_bits(got),
                        want.to_bits()
                    );
                }
            }
        }
    }
}

#[test]
fn f32_chains_through_the_accumulators_compute_what_slots_would() {
    let cases = f32_cases();
    let mut funcs = String::from("(memory 1)");
    for (i, case) in cases.iter().enumerate() {
        funcs.push_str(&format!(
            "(func (export \"c{i}\") (param i32 i32 i32) (result i32) \
             (i32.reinterpret_f32 (call $f{i} (f32.reinterpret_i32 (local.get 0)) \
               (f32.reinterpret_i32 (local.get 1)) (f32.reinterpret_i32 (local.get 2)))))
             (func $f{i} (param f32 f32 f32) (result f32) {})",
            case.body
        ));
    }
    let (module, mut store, instance) = instantiate(&format!("(module {funcs})"));
    let values = f32_values();
    for (i, case) in cases.iter().enumerate() {
        if let Some(form) = case.form {
            let listing = module.disassemble(2 * i + 1).expect("a function");
            assert!(listing.contains(form), "case {i}: no {form}:\n{listing}");
        }
        let f = instance
            .get_typed_func::<(i32, i32, i32), i32>(&store, &format!("c{i}"))
            .unwrap();
        for &a in &values {
            for &b in &values {
                for &c in &[values[0], values[4], values[5], values[8], values[10]] {
                    let args = (a.to_bits() as i32, b.to_bits() as i32, c.to_bits() as i32);
                    let got = f.call(&mut store, args).unwrap() as u32;
                    let want = (case.model)(a, b, c);
                    assert!(
                        same(
                            got as u64,
                            want.to_bits() as u64,
                            f32::from_bits(got).is_nan(),
                            want.is_nan(),
                            case.exact
                        ),
                        "case {i} ({}): a = {a:?}, b = {b:?}, c = {c:?}: got {:?} ({got:#x}), want {want:?} ({:#x})",
                        case.body,
                        f32::from_bits(got),
                        want.to_bits()
                    );
                }
            }
        }
    }
}

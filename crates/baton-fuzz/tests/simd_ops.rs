//! Every SIMD operator on its own, Baton against wasmi: one small module per operator
//! (its operands are the function's parameters), called with edge and random operands.
//! Random generated code reaches a given operator with a given operand rarely (see
//! `docs/reliability.md`); this directed pass reaches each operator a few hundred times.
//!
//! `BATON_FUZZ_SIMD_CALLS` (default 300) sets the calls per operator, `BATON_FUZZ_SEED`
//! the operands.

use baton_fuzz::{execute_calls, Calls, SplitMix, Value, Verdict};

/// `v128 -> v128`.
const UNARY: &[&str] = &[
    "v128.not",
    "i8x16.abs",
    "i8x16.neg",
    "i8x16.popcnt",
    "i16x8.abs",
    "i16x8.neg",
    "i32x4.abs",
    "i32x4.neg",
    "i64x2.abs",
    "i64x2.neg",
    "f32x4.abs",
    "f32x4.neg",
    "f32x4.sqrt",
    "f32x4.ceil",
    "f32x4.floor",
    "f32x4.trunc",
    "f32x4.nearest",
    "f64x2.abs",
    "f64x2.neg",
    "f64x2.sqrt",
    "f64x2.ceil",
    "f64x2.floor",
    "f64x2.trunc",
    "f64x2.nearest",
    "i16x8.extend_low_i8x16_s",
    "i16x8.extend_high_i8x16_s",
    "i16x8.extend_low_i8x16_u",
    "i16x8.extend_high_i8x16_u",
    "i32x4.extend_low_i16x8_s",
    "i32x4.extend_high_i16x8_s",
    "i32x4.extend_low_i16x8_u",
    "i32x4.extend_high_i16x8_u",
    "i64x2.extend_low_i32x4_s",
    "i64x2.extend_high_i32x4_s",
    "i64x2.extend_low_i32x4_u",
    "i64x2.extend_high_i32x4_u",
    "i16x8.extadd_pairwise_i8x16_s",
    "i16x8.extadd_pairwise_i8x16_u",
    "i32x4.extadd_pairwise_i16x8_s",
    "i32x4.extadd_pairwise_i16x8_u",
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
];

/// `v128 v128 -> v128`.
const BINARY: &[&str] = &[
    "v128.and",
    "v128.andnot",
    "v128.or",
    "v128.xor",
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
    "i8x16.narrow_i16x8_s",
    "i8x16.narrow_i16x8_u",
    "i16x8.narrow_i32x4_s",
    "i16x8.narrow_i32x4_u",
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
    "i16x8.q15mulr_sat_s",
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
    // Shuffles: fixed lane patterns (identity, reversal, interleave, one lane everywhere).
    "i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15",
    "i8x16.shuffle 31 30 29 28 27 26 25 24 23 22 21 20 19 18 17 16",
    "i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23",
    "i8x16.shuffle 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5",
    "i8x16.shuffle 3 2 1 0 7 6 5 4 27 26 25 24 31 30 29 28",
    "i8x16.shuffle 16 17 18 19 20 21 22 23 8 9 10 11 12 13 14 15",
];

/// `v128 i32 -> v128`.
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

/// `v128 -> i32`.
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

/// Lane operations: (operator with its lane, parameter types, result type).
const LANES: &[(&str, &str, &str)] = &[
    ("i8x16.splat", "i32", "v128"),
    ("i16x8.splat", "i32", "v128"),
    ("i32x4.splat", "i32", "v128"),
    ("i64x2.splat", "i64", "v128"),
    ("f32x4.splat", "f32", "v128"),
    ("f64x2.splat", "f64", "v128"),
    ("i8x16.extract_lane_s 0", "v128", "i32"),
    ("i8x16.extract_lane_s 15", "v128", "i32"),
    ("i8x16.extract_lane_u 9", "v128", "i32"),
    ("i16x8.extract_lane_s 7", "v128", "i32"),
    ("i16x8.extract_lane_u 2", "v128", "i32"),
    ("i32x4.extract_lane 3", "v128", "i32"),
    ("i64x2.extract_lane 1", "v128", "i64"),
    ("f32x4.extract_lane 2", "v128", "f32"),
    ("f64x2.extract_lane 1", "v128", "f64"),
    ("i8x16.replace_lane 15", "v128 i32", "v128"),
    ("i16x8.replace_lane 3", "v128 i32", "v128"),
    ("i32x4.replace_lane 1", "v128 i32", "v128"),
    ("i64x2.replace_lane 1", "v128 i64", "v128"),
    ("f32x4.replace_lane 0", "v128 f32", "v128"),
    ("f64x2.replace_lane 1", "v128 f64", "v128"),
    ("v128.bitselect", "v128 v128 v128", "v128"),
];

/// Memory operators: (operator, parameter types after the address, result type). The
/// memory is one page of known bytes; addresses run up to and past its end.
const MEMORY: &[(&str, &str, &str)] = &[
    ("v128.load", "", "v128"),
    ("v128.load offset=3 align=1", "", "v128"),
    ("v128.load8x8_s", "", "v128"),
    ("v128.load8x8_u", "", "v128"),
    ("v128.load16x4_s", "", "v128"),
    ("v128.load16x4_u offset=1", "", "v128"),
    ("v128.load32x2_s", "", "v128"),
    ("v128.load32x2_u", "", "v128"),
    ("v128.load8_splat", "", "v128"),
    ("v128.load16_splat", "", "v128"),
    ("v128.load32_splat", "", "v128"),
    ("v128.load64_splat offset=7", "", "v128"),
    ("v128.load32_zero", "", "v128"),
    ("v128.load64_zero", "", "v128"),
    ("v128.load8_lane 13", "v128", "v128"),
    ("v128.load16_lane 6", "v128", "v128"),
    ("v128.load32_lane 2", "v128", "v128"),
    ("v128.load64_lane offset=5 1", "v128", "v128"),
    ("v128.store", "v128", ""),
    ("v128.store offset=9", "v128", ""),
    ("v128.store8_lane 14", "v128", ""),
    ("v128.store16_lane 1", "v128", ""),
    ("v128.store32_lane 3", "v128", ""),
    ("v128.store64_lane 1", "v128", ""),
];

/// Edge-biased inputs for SIMD operators, drawn from the seeded generator.
trait EdgeInputs {
    /// A scalar lane of `bits` bits.
    fn lane(&mut self, bits: u32) -> u128;
    /// A vector.
    fn v128(&mut self) -> u128;
    /// An argument of type `ty`.
    fn value(&mut self, ty: &str) -> Value;
}

impl EdgeInputs for SplitMix {
    /// Scalar lanes that matter to some operator: zero, ±1, the limits of each width,
    /// float specials (±0, ±1, ±inf, NaNs with payloads, subnormals, conversion limits).
    fn lane(&mut self, bits: u32) -> u128 {
        let v: u64 = match bits {
            8 => self.pick(&[0, 1, 0x7f, 0x80, 0xff, 0x10, 0xfe]),
            16 => self.pick(&[0, 1, 0x7fff, 0x8000, 0xffff, 0x4000, 0xc000, 0x8001]),
            32 => self.pick(&[
                0,
                1,
                0x7fff_ffff,
                0x8000_0000,
                0xffff_ffff,
                0x8000_0000,
                0x3f80_0000,
                0xbf80_0000,
                0x7f80_0000,
                0xff80_0000,
                0x7fc0_0000,
                0xffc0_0001,
                0x7fa0_0000,
                0x0000_0001,
                0x3f00_0000,
                0x3fc0_0000,
                0x4040_0000,
                0x4f00_0000,
                0x4f80_0000,
                0xcf00_0000,
                0xcf00_0001,
                0x4b00_0001,
            ]),
            _ => self.pick(&[
                0,
                1,
                u64::MAX,
                0x8000_0000_0000_0000,
                0x7fff_ffff_ffff_ffff,
                0x3ff0_0000_0000_0000,
                0xbff0_0000_0000_0000,
                0x7ff0_0000_0000_0000,
                0xfff0_0000_0000_0000,
                0x7ff8_0000_0000_0000,
                0xfff8_0000_0000_0001,
                0x7ff4_0000_0000_0000,
                0x3fe0_0000_0000_0000,
                0x3ff8_0000_0000_0000,
                0x41df_ffff_ffc0_0000,
                0x41e0_0000_0000_0000,
                0x41f0_0000_0000_0000,
                0xc1e0_0000_0000_0000,
                0xc1e0_0000_0020_0000,
                0x4330_0000_0000_0001,
                0x0000_0000_0000_0001,
                0x3810_0000_0000_0000,
                0x47f0_0000_0000_0000,
            ]),
        };
        u128::from(v)
    }

    /// A vector: random bits, or one lane shape with edge values in its lanes.
    fn v128(&mut self) -> u128 {
        let random = u128::from(self.next_u64()) << 64 | u128::from(self.next_u64());
        if self.next_u64().is_multiple_of(4) {
            return random;
        }
        let bits = self.pick(&[8, 16, 32, 64]);
        let splat = self.next_u64().is_multiple_of(3);
        let first = self.lane(bits);
        (0..128 / bits).fold(0, |v, i| {
            let lane = if splat { first } else { self.lane(bits) };
            v | lane << (i * bits)
        })
    }

    fn value(&mut self, ty: &str) -> Value {
        match ty {
            "i32" => Value::I32(match self.next_u64() % 3 {
                0 => self.pick(&[
                    0, 1, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, -1, 127, 128, 255,
                ]),
                1 => self.lane(32) as i32,
                _ => self.next_u64() as i32,
            }),
            "i64" => Value::I64(self.lane(64) as i64),
            "f32" => Value::F32(self.lane(32) as u32),
            "f64" => Value::F64(self.lane(64) as u64),
            "v128" => Value::V128(self.v128()),
            _ => unreachable!("type {ty}"),
        }
    }
}

/// Float operators whose NaN results may carry any payload (the spec's arithmetic NaNs
/// when an operand is not canonical): their results are canonicalised in the module, as
/// wasm-smith's `canonicalize_nans` does, because the harness compares v128 bit for bit.
/// abs, neg, pmin, pmax and the lane operations are exact by the spec and stay as they are.
fn canonicalised(op: &str) -> Option<&'static str> {
    const ARITH: [&str; 11] = [
        "add", "sub", "mul", "div", "min", "max", "sqrt", "ceil", "floor", "trunc", "nearest",
    ];
    let (shape, name) = op.split_once('.')?;
    match (shape, name) {
        ("f32x4", n) if ARITH.contains(&n) || n == "demote_f64x2_zero" => Some("f32x4"),
        ("f64x2", n) if ARITH.contains(&n) || n == "promote_low_f32x4" => Some("f64x2"),
        _ => None,
    }
}

/// A module with one exported function `f` applying `op` to its parameters.
fn module(op: &str, params: &str, result: &str, memory: bool) -> String {
    let gets: String = (0..params.split_whitespace().count())
        .map(|i| format!("local.get {i} "))
        .collect();
    let result = if result.is_empty() {
        String::new()
    } else {
        format!("(result {result})")
    };
    let memory = if memory {
        // Known, varied bytes (every byte distinct within 256, NaN patterns included).
        let bytes: String = (0..=255u8)
            .map(|b| format!("\\{:02x}", b.wrapping_mul(167).wrapping_add(13)))
            .collect();
        format!(
            r#"(memory (export "mem") 1 1) (data (i32.const 0) "{bytes}") (data (i32.const 65280) "{bytes}")"#
        )
    } else {
        String::new()
    };
    let canon = match canonicalised(op) {
        // NaN lanes (not equal to themselves) become the canonical NaN.
        Some(shape) => {
            let nan = if shape == "f32x4" {
                "i32x4 0x7fc00000 0x7fc00000 0x7fc00000 0x7fc00000"
            } else {
                "i64x2 0x7ff8000000000000 0x7ff8000000000000"
            };
            format!(
                "local.tee $r v128.const {nan} local.get $r local.get $r {shape}.eq v128.bitselect"
            )
        }
        None => String::new(),
    };
    let local = if canon.is_empty() {
        ""
    } else {
        "(local $r v128)"
    };
    format!(
        r#"(module {memory} (func (export "f") (param {params}) {result} {local} {gets} {op} {canon}))"#
    )
}

#[test]
fn simd_operators_agree_with_wasmi() {
    let calls_per_op = std::env::var("BATON_FUZZ_SIMD_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let seed = std::env::var("BATON_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x51_3d);
    let mut rng = SplitMix(seed);
    let mut cases: Vec<(String, String, String, bool)> = Vec::new();
    let mut add = |op: &str, params: &str, result: &str, memory: bool| {
        cases.push((op.into(), params.into(), result.into(), memory));
    };
    UNARY.iter().for_each(|op| add(op, "v128", "v128", false));
    BINARY
        .iter()
        .for_each(|op| add(op, "v128 v128", "v128", false));
    SHIFT
        .iter()
        .for_each(|op| add(op, "v128 i32", "v128", false));
    TEST.iter().for_each(|op| add(op, "v128", "i32", false));
    LANES.iter().for_each(|(op, p, r)| add(op, p, r, false));
    MEMORY
        .iter()
        .for_each(|(op, p, r)| add(op, &format!("i32 {p}"), r, true));

    let mut failures = Vec::new();
    let mut calls_made = 0;
    for (op, params, result, memory) in &cases {
        let wat = module(op, params, result, *memory);
        let wasm = wat::parse_str(&wat).unwrap_or_else(|e| panic!("{op}: {e}\n{wat}"));
        let calls: Vec<(&str, Vec<Value>)> = (0..calls_per_op)
            .map(|_| {
                let args = params
                    .split_whitespace()
                    .enumerate()
                    .map(|(i, ty)| {
                        if *memory && i == 0 {
                            // Addresses: mostly in bounds, some at and past the end.
                            let a = match rng.next_u64() % 4 {
                                0 => 65536 - (rng.next_u64() % 40) as i32,
                                1 => rng.pick(&[-1, -16, 65536, i32::MAX]),
                                _ => (rng.next_u64() % 65536) as i32,
                            };
                            Value::I32(a)
                        } else {
                            rng.value(ty)
                        }
                    })
                    .collect();
                ("f", args)
            })
            .collect();
        let out = execute_calls(&wasm, Calls::Listed(&calls));
        calls_made += out.calls;
        if out.verdict != Verdict::Agree {
            failures.push(format!("{op}: {:?}\n{wat}", out.verdict));
        }
    }
    println!(
        "simd operators: {} operators, {calls_made} calls, {} disagree",
        cases.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

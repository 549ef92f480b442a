use crate::error::TrapCode::{self, *};
type R<T> = Result<T, TrapCode>;

macro_rules! int_sem {
    ($t:ident, $u:ident, $bits:literal) => {
        pub mod $t {
            use super::*;
            #[inline(always)]
            pub fn add(a: $t, b: $t) -> R<$t> {
                Ok(a.wrapping_add(b))
            }
            #[inline(always)]
            pub fn sub(a: $t, b: $t) -> R<$t> {
                Ok(a.wrapping_sub(b))
            }
            #[inline(always)]
            pub fn mul(a: $t, b: $t) -> R<$t> {
                Ok(a.wrapping_mul(b))
            }
            #[inline(always)]
            pub fn and(a: $t, b: $t) -> R<$t> {
                Ok(a & b)
            }
            #[inline(always)]
            pub fn or(a: $t, b: $t) -> R<$t> {
                Ok(a | b)
            }
            #[inline(always)]
            pub fn xor(a: $t, b: $t) -> R<$t> {
                Ok(a ^ b)
            }
            #[inline(always)]
            pub fn shl(a: $t, b: $t) -> R<$t> {
                Ok(a.wrapping_shl(b as u32))
            }
            #[inline(always)]
            pub fn shr_s(a: $t, b: $t) -> R<$t> {
                Ok(a.wrapping_shr(b as u32))
            }
            #[inline(always)]
            pub fn shr_u(a: $t, b: $t) -> R<$t> {
                Ok((a as $u).wrapping_shr(b as u32) as $t)
            }
            #[inline(always)]
            pub fn rotl(a: $t, b: $t) -> R<$t> {
                Ok(a.rotate_left((b as u32) % $bits))
            }
            #[inline(always)]
            pub fn rotr(a: $t, b: $t) -> R<$t> {
                Ok(a.rotate_right((b as u32) % $bits))
            }
            #[inline(always)]
            pub fn div_s(a: $t, b: $t) -> R<$t> {
                if b == 0 {
                    return Err(IntegerDivisionByZero);
                }
                if a == $t::MIN && b == -1 {
                    return Err(IntegerOverflow);
                }
                Ok(a / b)
            }
            #[inline(always)]
            pub fn div_u(a: $t, b: $t) -> R<$t> {
                if b == 0 {
                    return Err(IntegerDivisionByZero);
                }
                Ok(((a as $u) / (b as $u)) as $t)
            }
            #[inline(always)]
            pub fn rem_s(a: $t, b: $t) -> R<$t> {
                if b == 0 {
                    return Err(IntegerDivisionByZero);
                }
                Ok(a.wrapping_rem(b))
            }
            #[inline(always)]
            pub fn rem_u(a: $t, b: $t) -> R<$t> {
                if b == 0 {
                    return Err(IntegerDivisionByZero);
                }
                Ok(((a as $u) % (b as $u)) as $t)
            }
            #[inline(always)]
            pub fn eq(a: $t, b: $t) -> R<bool> {
                Ok(a == b)
            }
            #[inline(always)]
            pub fn ne(a: $t, b: $t) -> R<bool> {
                Ok(a != b)
            }
            #[inline(always)]
            pub fn lt_s(a: $t, b: $t) -> R<bool> {
                Ok(a < b)
            }
            #[inline(always)]
            pub fn lt_u(a: $t, b: $t) -> R<bool> {
                Ok((a as $u) < (b as $u))
            }
            #[inline(always)]
            pub fn gt_s(a: $t, b: $t) -> R<bool> {
                Ok(a > b)
            }
            #[inline(always)]
            pub fn gt_u(a: $t, b: $t) -> R<bool> {
                Ok((a as $u) > (b as $u))
            }
            #[inline(always)]
            pub fn le_s(a: $t, b: $t) -> R<bool> {
                Ok(a <= b)
            }
            #[inline(always)]
            pub fn le_u(a: $t, b: $t) -> R<bool> {
                Ok((a as $u) <= (b as $u))
            }
            #[inline(always)]
            pub fn ge_s(a: $t, b: $t) -> R<bool> {
                Ok(a >= b)
            }
            #[inline(always)]
            pub fn ge_u(a: $t, b: $t) -> R<bool> {
                Ok((a as $u) >= (b as $u))
            }
            #[inline(always)]
            pub fn clz(a: $t) -> R<$t> {
                Ok(a.leading_zeros() as $t)
            }
            #[inline(always)]
            pub fn ctz(a: $t) -> R<$t> {
                Ok(a.trailing_zeros() as $t)
            }
            #[inline(always)]
            pub fn popcnt(a: $t) -> R<$t> {
                Ok(a.count_ones() as $t)
            }
            #[inline(always)]
            pub fn eqz(a: $t) -> R<bool> {
                Ok(a == 0)
            }
            /// Whether `a & b` is zero: a branch on an `eqz` of an `and` (a flag test).
            #[inline(always)]
            pub fn and_eqz(a: $t, b: $t) -> R<bool> {
                Ok(a & b == 0)
            }
            /// Whether `a & b` is not zero: a branch on an `and` (a flag test).
            #[inline(always)]
            pub fn and_nez(a: $t, b: $t) -> R<bool> {
                Ok(a & b != 0)
            }
        }
    };
}
int_sem!(i32, u32, 32);
int_sem!(i64, u64, 64);

macro_rules! float_sem {
    ($t:ident, $bits:ty, $int:ty) => {
        pub mod $t {
            use super::*;
            #[inline(always)]
            pub fn add(a: $t, b: $t) -> R<$t> {
                Ok(a + b)
            }
            #[inline(always)]
            pub fn sub(a: $t, b: $t) -> R<$t> {
                Ok(a - b)
            }
            #[inline(always)]
            pub fn mul(a: $t, b: $t) -> R<$t> {
                Ok(a * b)
            }
            #[inline(always)]
            pub fn div(a: $t, b: $t) -> R<$t> {
                Ok(a / b)
            }
            /// Wasm `min`: NaN if either is NaN, and -0 < +0.
            #[inline(always)]
            pub fn min(a: $t, b: $t) -> R<$t> {
                Ok(if a.is_nan() || b.is_nan() {
                    a + b
                } else if a == b {
                    <$t>::from_bits(a.to_bits() | b.to_bits())
                } else if a < b {
                    a
                } else {
                    b
                })
            }
            /// Wasm `max`: NaN if either is NaN, and +0 > -0.
            #[inline(always)]
            pub fn max(a: $t, b: $t) -> R<$t> {
                Ok(if a.is_nan() || b.is_nan() {
                    a + b
                } else if a == b {
                    <$t>::from_bits(a.to_bits() & b.to_bits())
                } else if a > b {
                    a
                } else {
                    b
                })
            }
            #[inline(always)]
            pub fn copysign(a: $t, b: $t) -> R<$t> {
                Ok(a.copysign(b))
            }
            #[inline(always)]
            pub fn eq(a: $t, b: $t) -> R<bool> {
                Ok(a == b)
            }
            #[inline(always)]
            pub fn ne(a: $t, b: $t) -> R<bool> {
                Ok(a != b)
            }
            #[inline(always)]
            pub fn lt(a: $t, b: $t) -> R<bool> {
                Ok(a < b)
            }
            #[inline(always)]
            pub fn gt(a: $t, b: $t) -> R<bool> {
                Ok(a > b)
            }
            #[inline(always)]
            pub fn le(a: $t, b: $t) -> R<bool> {
                Ok(a <= b)
            }
            #[inline(always)]
            pub fn ge(a: $t, b: $t) -> R<bool> {
                Ok(a >= b)
            }
            // The negated comparisons, true when the comparison is false (so also when
            // either operand is NaN): a branch taken when `lt` does not hold is not a
            // branch on `ge`. Wasm has no such instructions; fused branches use them.
            #[inline(always)]
            #[allow(clippy::neg_cmp_op_on_partial_ord)] // the negation is the point
            pub fn not_lt(a: $t, b: $t) -> R<bool> {
                Ok(!(a < b))
            }
            #[inline(always)]
            #[allow(clippy::neg_cmp_op_on_partial_ord)] // the negation is the point
            pub fn not_gt(a: $t, b: $t) -> R<bool> {
                Ok(!(a > b))
            }
            #[inline(always)]
            #[allow(clippy::neg_cmp_op_on_partial_ord)] // the negation is the point
            pub fn not_le(a: $t, b: $t) -> R<bool> {
                Ok(!(a <= b))
            }
            #[inline(always)]
            #[allow(clippy::neg_cmp_op_on_partial_ord)] // the negation is the point
            pub fn not_ge(a: $t, b: $t) -> R<bool> {
                Ok(!(a >= b))
            }
            #[inline(always)]
            pub fn abs(a: $t) -> R<$t> {
                Ok(a.abs())
            }
            #[inline(always)]
            pub fn neg(a: $t) -> R<$t> {
                Ok(-a)
            }
            // Rounding without the standard library's functions: on x86-64 without
            // SSE4.1 they are calls into libm, and a handler that calls saves
            // registers on every run. From `INTEGRAL` (2^mantissa bits) up every value
            // is an integer already, and below it a value converts to `$int` exactly.
            const INTEGRAL: $t = (1u64 << (<$t>::MANTISSA_DIGITS - 1)) as $t;
            /// Whether `|a| < INTEGRAL` (false for NaN and infinities).
            #[inline(always)]
            fn below_integral(a: $t) -> bool {
                a.abs() < INTEGRAL
            }
            /// `a` rounded toward zero, for `|a| < INTEGRAL`, sign (of zero) kept.
            #[inline(always)]
            fn trunc_small(a: $t) -> $t {
                // SAFETY: `|a| < INTEGRAL`, so `a` is finite and its truncation fits.
                let i = unsafe { a.to_int_unchecked::<$int>() };
                (i as $t).copysign(a)
            }
            #[inline(always)]
            pub fn ceil(a: $t) -> R<$t> {
                if !below_integral(a) {
                    return Ok(quiet(a));
                }
                let t = trunc_small(a);
                // (`-0.5` truncates to `-0.0`, which is its ceiling: no step.)
                Ok(if t < a { t + 1.0 } else { t })
            }
            #[inline(always)]
            pub fn floor(a: $t) -> R<$t> {
                if !below_integral(a) {
                    return Ok(quiet(a));
                }
                let t = trunc_small(a);
                Ok(if t > a { t - 1.0 } else { t })
            }
            #[inline(always)]
            pub fn trunc(a: $t) -> R<$t> {
                if !below_integral(a) {
                    return Ok(quiet(a));
                }
                Ok(trunc_small(a))
            }
            #[inline(always)]
            pub fn nearest(a: $t) -> R<$t> {
                if !below_integral(a) {
                    return Ok(quiet(a));
                }
                // Adding `INTEGRAL` leaves no fraction bits: the addition itself rounds,
                // to nearest with ties to even (the IEEE default, which Rust keeps).
                Ok(((a.abs() + INTEGRAL) - INTEGRAL).copysign(a))
            }
            /// Rounding functions may pass a signalling NaN through; Wasm wants it quiet.
            #[inline(always)]
            fn quiet(r: $t) -> $t {
                if r.is_nan() {
                    r + r
                } else {
                    r
                }
            }
            #[inline(always)]
            pub fn sqrt(a: $t) -> R<$t> {
                Ok(a.sqrt())
            }
        }
    };
}
float_sem!(f32, u32, i32);
float_sem!(f64, u64, i64);

/// Trapping float → int conversion: `lo`/`hi` are the exclusive bounds of the
/// truncated value that fit the target type.
macro_rules! trunc {
    ($name:ident, $f:ty, $i:ty, $lo:expr, $hi:expr) => {
        #[inline(always)]
        pub fn $name(a: $f) -> R<$i> {
            if a.is_nan() {
                return Err(BadConversionToInteger);
            }
            // `lo` and `hi` are integers, so comparing `a` itself decides as comparing
            // its truncation would (`trunc(a) <= lo` iff `a <= lo`), without the call
            // to `trunc` that made these handlers save registers on every run.
            let t = a as f64;
            if t <= $lo || t >= $hi {
                return Err(IntegerOverflow);
            }
            // SAFETY: `a` is finite and its truncation fits in the integer type (checked
            // just above), which is all the unchecked conversion needs; it then skips
            // the saturation that `as` adds.
            Ok(unsafe { a.to_int_unchecked::<$i>() })
        }
    };
}
trunc!(i32_trunc_f32_s, f32, i32, -2147483649.0, 2147483648.0);
trunc!(i32_trunc_f32_u, f32, u32, -1.0, 4294967296.0);
trunc!(i32_trunc_f64_s, f64, i32, -2147483649.0, 2147483648.0);
trunc!(i32_trunc_f64_u, f64, u32, -1.0, 4294967296.0);
trunc!(
    i64_trunc_f32_s,
    f32,
    i64,
    -9223372036854777856.0,
    9223372036854775808.0
);
trunc!(i64_trunc_f32_u, f32, u64, -1.0, 18446744073709551616.0);
trunc!(
    i64_trunc_f64_s,
    f64,
    i64,
    -9223372036854777856.0,
    9223372036854775808.0
);
trunc!(i64_trunc_f64_u, f64, u64, -1.0, 18446744073709551616.0);

/// `i31.get_s` of an `i31` reference's cell (`crate::values::ref_cell`): the 31 bits
/// above the tag bit, sign-extended; a null reference traps.
#[inline(always)]
pub fn i31_get_s(cell: u64) -> R<i32> {
    if cell == 0 {
        return Err(NullReference);
    }
    Ok((cell as u32 as i32) >> 1)
}

/// `i31.get_u`: as [`i31_get_s`], zero-extended.
#[inline(always)]
pub fn i31_get_u(cell: u64) -> R<u32> {
    if cell == 0 {
        return Err(NullReference);
    }
    Ok((cell as u32) >> 1)
}

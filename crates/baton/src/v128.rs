//! Semantics of the WebAssembly fixed-width SIMD (`simd`) and relaxed-SIMD
//! (`relaxed_simd`) operators as pure, safe functions on `u128`.
//!
//! # Representation
//!
//! A `v128` is a `u128` whose byte `i` (`v.to_le_bytes()[i]`) is byte `i` of
//! the WebAssembly vector, so lane 0 of every shape occupies the lowest bits.
//! Scalars are passed as raw bits: `i32`/`f32` as `u32`, `i64`/`f64` as `u64`.
//! Lane indices are `u8`; they are validated by the translator but are still
//! masked here (`& (lanes - 1)`), so no function can panic.
//!
//! Every function is named after the `wasmparser` visitor of its operator
//! without the `visit_` prefix (`visit_i8x16_add` → [`i8x16_add`]). Lane-wise
//! work is written as plain loops over arrays so that LLVM can vectorise it.
//!
//! # Floating point
//!
//! Lanes are operated on with Rust's IEEE-754 operations. Where WebAssembly
//! allows any canonical or arithmetic NaN, the natural Rust result is returned;
//! `min`/`max` follow the WebAssembly rules (NaN if either operand is NaN, and
//! `-0.0 < +0.0`), `abs`/`neg` are pure sign-bit operations.
//!
//! # Relaxed SIMD
//!
//! Every relaxed operator returns the result of the *deterministic profile*
//! of the WebAssembly 3.0 specification (every relaxation parameter `R` is 0,
//! i.e. the first alternative of `relaxed(R)[...]` in the numerics chapter),
//! so results are identical on every host. Each function documents its choice.

// ---------------------------------------------------------------------------
// Lane conversion helpers
// ---------------------------------------------------------------------------

/// `[f(0), f(1), ..., f(N - 1)]`: every lane loop of this file.
///
/// Not `core::array::from_fn` or `<[T; N]>::map`: those are generic functions of `core`
/// that a build without LTO can leave out of line, and a handler that calls one passes it
/// addresses in its own frame, after which LLVM cannot end the handler with a jump to the
/// next (each execution would leave a native frame behind; `tests/small_stack.rs` runs
/// every SIMD instruction in such a build). A closure is instantiated wherever it is used,
/// so once this is inlined the whole loop is the caller's own code.
#[inline(always)]
fn each_lane<T: Copy + Default, const N: usize>(mut f: impl FnMut(usize) -> T) -> [T; N] {
    let mut out = [T::default(); N];
    let mut i = 0;
    while i < N {
        out[i] = f(i);
        i += 1;
    }
    out
}

/// Defines `$to(v) -> [$t; $n]` and `$from([$t; $n]) -> u128` for an integer
/// lane type, using little-endian byte order.
macro_rules! int_lanes {
    ($($to:ident, $from:ident, $t:ty, $n:literal;)*) => {$(
        // (For the byte lanes the transmutes below are identities.)
        #[allow(clippy::useless_transmute)]
        #[inline(always)]
        fn $to(v: u128) -> [$t; $n] {
            // SAFETY: both are 16 bytes of plain integers, every bit pattern valid.
            let a: [$t; $n] = unsafe { core::mem::transmute(v.to_le_bytes()) };
            // (Lanes are stored little-endian: a no-op on little-endian hosts.)
            each_lane(|i| <$t>::from_le(a[i]))
        }

        #[allow(clippy::useless_transmute)]
        #[inline(always)]
        fn $from(a: [$t; $n]) -> u128 {
            let a: [$t; $n] = each_lane(|i| a[i].to_le());
            // SAFETY: as above.
            u128::from_le_bytes(unsafe { core::mem::transmute::<[$t; $n], [u8; 16]>(a) })
        }
    )*};
}

int_lanes! {
    i8x16, from_i8x16, i8, 16;
    u8x16, from_u8x16, u8, 16;
    i16x8, from_i16x8, i16, 8;
    u16x8, from_u16x8, u16, 8;
    i32x4, from_i32x4, i32, 4;
    u32x4, from_u32x4, u32, 4;
    i64x2, from_i64x2, i64, 2;
    u64x2, from_u64x2, u64, 2;
}

#[inline(always)]
fn f32x4(v: u128) -> [f32; 4] {
    let a = u32x4(v);
    each_lane(|i| f32::from_bits(a[i]))
}

#[inline(always)]
fn from_f32x4(a: [f32; 4]) -> u128 {
    from_u32x4(each_lane(|i| a[i].to_bits()))
}

#[inline(always)]
fn f64x2(v: u128) -> [f64; 2] {
    let a = u64x2(v);
    each_lane(|i| f64::from_bits(a[i]))
}

#[inline(always)]
fn from_f64x2(a: [f64; 2]) -> u128 {
    from_u64x2(each_lane(|i| a[i].to_bits()))
}

// ---------------------------------------------------------------------------
// Operator-defining macros
// ---------------------------------------------------------------------------

/// Unary lane-wise operator: `$from(map(|x| e)($to(a)))`.
macro_rules! unop {
    ($($(#[$m:meta])* $name:ident: $to:ident -> $from:ident, |$x:ident| $e:expr;)*) => {$(
        $(#[$m])*
        #[inline]
        pub(crate) fn $name(a: u128) -> u128 {
            let a = $to(a);
            $from(each_lane(|i| {
                let $x = a[i];
                $e
            }))
        }
    )*};
}

/// Binary lane-wise operator: lane `i` of the result is `e(a[i], b[i])`.
macro_rules! binop {
    ($($(#[$m:meta])* $name:ident: $to:ident -> $from:ident, |$x:ident, $y:ident| $e:expr;)*) => {$(
        $(#[$m])*
        #[inline]
        pub(crate) fn $name(a: u128, b: u128) -> u128 {
            let (a, b) = ($to(a), $to(b));
            $from(each_lane(|i| {
                let ($x, $y) = (a[i], b[i]);
                $e
            }))
        }
    )*};
}

/// Lane-wise comparison: all-ones lane (`-1 as $m`) when the condition holds.
macro_rules! cmpop {
    ($($(#[$m:meta])* $name:ident: $to:ident -> $from:ident as $mt:ty, |$x:ident, $y:ident| $e:expr;)*) => {$(
        binop! { $(#[$m])* $name: $to -> $from, |$x, $y| -(($e) as $mt); }
    )*};
}

/// Lane-wise shift by a scalar count taken modulo the lane width.
macro_rules! shiftop {
    ($($(#[$m:meta])* $name:ident: $to:ident -> $from:ident, $bits:literal, $op:ident;)*) => {$(
        $(#[$m])*
        #[inline]
        pub(crate) fn $name(a: u128, count: u32) -> u128 {
            let s = count & ($bits - 1);
            let a = $to(a);
            $from(each_lane(|i| a[i].$op(s)))
        }
    )*};
}

/// Lane-wise widening: lane `i` of the result is `src[$off + i] as $t`.
macro_rules! extendop {
    ($($(#[$m:meta])* $name:ident: $to:ident -> $from:ident as $t:ty, $off:literal;)*) => {$(
        $(#[$m])*
        #[inline]
        pub(crate) fn $name(a: u128) -> u128 {
            let a = $to(a);
            $from(each_lane(|i| a[$off + i] as $t))
        }
    )*};
}

/// Widening multiply of the lanes `$off..` of both operands.
macro_rules! extmulop {
    ($($(#[$m:meta])* $name:ident: $to:ident -> $from:ident as $t:ty, $off:literal;)*) => {$(
        $(#[$m])*
        #[inline]
        pub(crate) fn $name(a: u128, b: u128) -> u128 {
            let (a, b) = ($to(a), $to(b));
            $from(each_lane(|i| (a[$off + i] as $t).wrapping_mul(b[$off + i] as $t)))
        }
    )*};
}

/// Pairwise widening add: lane `i` is `src[2i] + src[2i + 1]`.
macro_rules! extaddop {
    ($($(#[$m:meta])* $name:ident: $to:ident -> $from:ident as $t:ty;)*) => {$(
        $(#[$m])*
        #[inline]
        pub(crate) fn $name(a: u128) -> u128 {
            let a = $to(a);
            $from(each_lane(|i| (a[2 * i] as $t).wrapping_add(a[2 * i + 1] as $t)))
        }
    )*};
}

/// `all_true` (every lane non-zero) and `bitmask` (sign bit of lane `i` in bit `i`).
macro_rules! testops {
    ($($(#[$ma:meta])* $all:ident, $(#[$mb:meta])* $mask:ident: $to:ident;)*) => {$(
        $(#[$ma])*
        #[inline]
        pub(crate) fn $all(a: u128) -> u32 {
            let a = $to(a);
            let mut all = true;
            let mut i = 0;
            while i < a.len() {
                all &= a[i] != 0;
                i += 1;
            }
            all as u32
        }

        $(#[$mb])*
        #[inline]
        pub(crate) fn $mask(a: u128) -> u32 {
            let a = $to(a);
            let mut m = 0;
            let mut i = 0;
            while i < a.len() {
                m |= u32::from(a[i] < 0) << i;
                i += 1;
            }
            m
        }
    )*};
}

/// `splat`, `extract_lane` and `replace_lane` for one shape.
macro_rules! laneops {
    ($($(#[$ms:meta])* $splat:ident, $(#[$me:meta])* $extract:ident, $(#[$mr:meta])* $replace:ident:
       $to:ident, $from:ident, $t:ty, $n:literal, $scalar:ty;)*) => {$(
        $(#[$ms])*
        #[inline]
        pub(crate) fn $splat(x: $scalar) -> u128 {
            // The lane repeated across 64 bits by a multiplication, then both halves.
            const ONES: u64 = u64::MAX / (<$t>::MAX as u64);
            let half = (x as $t as u64).wrapping_mul(ONES);
            u128::from(half) | u128::from(half) << 64
        }

        $(#[$me])*
        #[inline]
        pub(crate) fn $extract(a: u128, lane: u8) -> $scalar {
            let shift = (u32::from(lane) & ($n - 1)) * (128 / $n);
            (a >> shift) as $t as $scalar
        }

        $(#[$mr])*
        #[inline]
        pub(crate) fn $replace(a: u128, lane: u8, x: $scalar) -> u128 {
            let shift = (u32::from(lane) & ($n - 1)) * (128 / $n);
            let mask = u128::from(<$t>::MAX) << shift;
            (a & !mask) | (u128::from(x as $t) << shift)
        }
    )*};
}

// ---------------------------------------------------------------------------
// Scalar helpers
// ---------------------------------------------------------------------------

/// Defines WebAssembly `fmin`/`fmax` for one float type.
macro_rules! float_minmax {
    ($t:ty, $min:ident, $max:ident) => {
        /// WebAssembly `fmin`: NaN if either operand is NaN, `-0.0 < +0.0`.
        #[cfg_attr(
            all(target_arch = "x86_64", target_feature = "sse2", not(test)),
            allow(dead_code)
        )]
        #[inline]
        fn $min(x: $t, y: $t) -> $t {
            if x.is_nan() || y.is_nan() {
                x + y
            } else if x == y {
                // Equal values (or zeros of either sign): prefer -0.0.
                <$t>::from_bits(x.to_bits() | y.to_bits())
            } else if x < y {
                x
            } else {
                y
            }
        }

        /// WebAssembly `fmax`: NaN if either operand is NaN, `-0.0 < +0.0`.
        #[cfg_attr(
            all(target_arch = "x86_64", target_feature = "sse2", not(test)),
            allow(dead_code)
        )]
        #[inline]
        fn $max(x: $t, y: $t) -> $t {
            if x.is_nan() || y.is_nan() {
                x + y
            } else if x == y {
                // Equal values (or zeros of either sign): prefer +0.0.
                <$t>::from_bits(x.to_bits() & y.to_bits())
            } else if x > y {
                x
            } else {
                y
            }
        }
    };
}

float_minmax!(f32, fmin32, fmax32);
float_minmax!(f64, fmin64, fmax64);

/// Sign bits of the four `f32` lanes.
const SIGN32: u128 = 0x8000_0000_8000_0000_8000_0000_8000_0000;
/// Sign bits of the two `f64` lanes.
const SIGN64: u128 = 0x8000_0000_0000_0000_8000_0000_0000_0000;

/// Sign bits of the sixteen `i8` lanes.
#[cfg_attr(
    all(target_arch = "x86_64", target_feature = "sse2", not(test)),
    allow(dead_code)
)]
const HIGH8: u128 = 0x8080_8080_8080_8080_8080_8080_8080_8080;
/// Sign bits of the eight `i16` lanes.
#[cfg_attr(
    all(target_arch = "x86_64", target_feature = "sse2", not(test)),
    allow(dead_code)
)]
const HIGH16: u128 = 0x8000_8000_8000_8000_8000_8000_8000_8000;

/// Lane-wise wrapping add (SWAR): `high` holds the top bit of every lane.
/// LLVM does not vectorise byte loops over a `u128` that lives in two
/// registers, so the narrow lanes use this carry-free formulation instead.
#[cfg_attr(
    all(target_arch = "x86_64", target_feature = "sse2", not(test)),
    allow(dead_code)
)]
#[inline]
fn swar_add(a: u128, b: u128, high: u128) -> u128 {
    ((a & !high) + (b & !high)) ^ ((a ^ b) & high)
}

/// Lane-wise wrapping subtract (SWAR), see [`swar_add`].
#[cfg_attr(
    all(target_arch = "x86_64", target_feature = "sse2", not(test)),
    allow(dead_code)
)]
#[inline]
fn swar_sub(a: u128, b: u128, high: u128) -> u128 {
    ((a | high) - (b & !high)) ^ ((a ^ !b) & high)
}

/// `sat((x * y + 0x4000) >> 15)` on `i16` (Q15 rounding multiply).
#[cfg_attr(
    all(target_arch = "x86_64", target_feature = "sse2", not(test)),
    allow(dead_code)
)]
#[inline]
fn q15mulr_sat(x: i16, y: i16) -> i16 {
    let r = (i32::from(x) * i32::from(y) + 0x4000) >> 15;
    r.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}

/// The operators as lane loops over arrays: the definition of every operator, used as
/// is on targets without a fast path, and as the reference the fast paths are tested against.
#[cfg_attr(
    all(target_arch = "x86_64", target_feature = "sse2", not(test)),
    allow(dead_code)
)]
mod lanes {
    /// Rounding without the standard library's `ceil` and friends, which are calls into
    /// libm on x86-64 without SSE4.1: a handler that calls cannot hand over by a jump.
    /// The scalar instructions' call-free rounding (quiet NaNs included) serves each lane.
    use crate::exec::ops::sem as round;

    use super::*;

    // ---------------------------------------------------------------------------
    // v128 (whole-vector) operators
    // ---------------------------------------------------------------------------

    /// `v128.not`: bitwise complement.
    #[inline]
    pub(crate) fn v128_not(a: u128) -> u128 {
        !a
    }

    /// `v128.and`: bitwise and.
    #[inline]
    pub(crate) fn v128_and(a: u128, b: u128) -> u128 {
        a & b
    }

    /// `v128.andnot`: `a & !b`.
    #[inline]
    pub(crate) fn v128_andnot(a: u128, b: u128) -> u128 {
        a & !b
    }

    /// `v128.or`: bitwise or.
    #[inline]
    pub(crate) fn v128_or(a: u128, b: u128) -> u128 {
        a | b
    }

    /// `v128.xor`: bitwise exclusive or.
    #[inline]
    pub(crate) fn v128_xor(a: u128, b: u128) -> u128 {
        a ^ b
    }

    /// `v128.bitselect`: bits of `a` where the mask `c` is 1, bits of `b` elsewhere.
    #[inline]
    pub(crate) fn v128_bitselect(a: u128, b: u128, c: u128) -> u128 {
        (a & c) | (b & !c)
    }

    /// `v128.any_true`: 1 if any bit is set, else 0.
    #[inline]
    pub(crate) fn v128_any_true(a: u128) -> u32 {
        u32::from(a != 0)
    }

    // ---------------------------------------------------------------------------
    // Memory value transforms (the access itself happens elsewhere)
    // ---------------------------------------------------------------------------

    /// `v128.load8x8_s`: sign-extend the 8 loaded bytes (little-endian `u64`) to `i16` lanes.
    #[inline]
    pub(crate) fn v128_load8x8_s(bits: u64) -> u128 {
        i16x8_extend_low_i8x16_s(u128::from(bits))
    }

    /// `v128.load8x8_u`: zero-extend the 8 loaded bytes (little-endian `u64`) to `i16` lanes.
    #[inline]
    pub(crate) fn v128_load8x8_u(bits: u64) -> u128 {
        i16x8_extend_low_i8x16_u(u128::from(bits))
    }

    /// `v128.load16x4_s`: sign-extend the 4 loaded `i16` (little-endian `u64`) to `i32` lanes.
    #[inline]
    pub(crate) fn v128_load16x4_s(bits: u64) -> u128 {
        i32x4_extend_low_i16x8_s(u128::from(bits))
    }

    /// `v128.load16x4_u`: zero-extend the 4 loaded `i16` (little-endian `u64`) to `i32` lanes.
    #[inline]
    pub(crate) fn v128_load16x4_u(bits: u64) -> u128 {
        i32x4_extend_low_i16x8_u(u128::from(bits))
    }

    /// `v128.load32x2_s`: sign-extend the 2 loaded `i32` (little-endian `u64`) to `i64` lanes.
    #[inline]
    pub(crate) fn v128_load32x2_s(bits: u64) -> u128 {
        i64x2_extend_low_i32x4_s(u128::from(bits))
    }

    /// `v128.load32x2_u`: zero-extend the 2 loaded `i32` (little-endian `u64`) to `i64` lanes.
    #[inline]
    pub(crate) fn v128_load32x2_u(bits: u64) -> u128 {
        i64x2_extend_low_i32x4_u(u128::from(bits))
    }

    /// `v128.load8_splat`: replicate the loaded byte (low 8 bits of `x`) to all lanes.
    #[inline]
    pub(crate) fn v128_load8_splat(x: u32) -> u128 {
        i8x16_splat(x)
    }

    /// `v128.load16_splat`: replicate the loaded `i16` (low 16 bits of `x`) to all lanes.
    #[inline]
    pub(crate) fn v128_load16_splat(x: u32) -> u128 {
        i16x8_splat(x)
    }

    /// `v128.load32_splat`: replicate the loaded `i32` to all lanes.
    #[inline]
    pub(crate) fn v128_load32_splat(x: u32) -> u128 {
        i32x4_splat(x)
    }

    /// `v128.load64_splat`: replicate the loaded `i64` to both lanes.
    #[inline]
    pub(crate) fn v128_load64_splat(x: u64) -> u128 {
        i64x2_splat(x)
    }

    /// `v128.load32_zero`: the loaded `i32` in lane 0, all other bits zero.
    #[inline]
    pub(crate) fn v128_load32_zero(x: u32) -> u128 {
        u128::from(x)
    }

    /// `v128.load64_zero`: the loaded `i64` in lane 0, the other lane zero.
    #[inline]
    pub(crate) fn v128_load64_zero(x: u64) -> u128 {
        u128::from(x)
    }

    // ---------------------------------------------------------------------------
    // Splat / extract_lane / replace_lane
    // ---------------------------------------------------------------------------

    laneops! {
        /// `i8x16.splat`: replicate the low 8 bits of `x`.
        i8x16_splat,
        /// `i8x16.extract_lane_u`: zero-extended lane (index masked to 0..16).
        i8x16_extract_lane_u,
        /// `i8x16.replace_lane`: replace a lane with the low 8 bits of `x`.
        i8x16_replace_lane: u8x16, from_u8x16, u8, 16, u32;
        /// `i16x8.splat`: replicate the low 16 bits of `x`.
        i16x8_splat,
        /// `i16x8.extract_lane_u`: zero-extended lane (index masked to 0..8).
        i16x8_extract_lane_u,
        /// `i16x8.replace_lane`: replace a lane with the low 16 bits of `x`.
        i16x8_replace_lane: u16x8, from_u16x8, u16, 8, u32;
        /// `i32x4.splat`: replicate `x`.
        i32x4_splat,
        /// `i32x4.extract_lane`: lane (index masked to 0..4).
        i32x4_extract_lane,
        /// `i32x4.replace_lane`: replace a lane with `x`.
        i32x4_replace_lane: u32x4, from_u32x4, u32, 4, u32;
        /// `i64x2.splat`: replicate `x`.
        i64x2_splat,
        /// `i64x2.extract_lane`: lane (index masked to 0..2).
        i64x2_extract_lane,
        /// `i64x2.replace_lane`: replace a lane with `x`.
        i64x2_replace_lane: u64x2, from_u64x2, u64, 2, u64;
        /// `f32x4.splat`: replicate the `f32` bits `x`.
        f32x4_splat,
        /// `f32x4.extract_lane`: lane bits (index masked to 0..4).
        f32x4_extract_lane,
        /// `f32x4.replace_lane`: replace a lane with the `f32` bits `x`.
        f32x4_replace_lane: u32x4, from_u32x4, u32, 4, u32;
        /// `f64x2.splat`: replicate the `f64` bits `x`.
        f64x2_splat,
        /// `f64x2.extract_lane`: lane bits (index masked to 0..2).
        f64x2_extract_lane,
        /// `f64x2.replace_lane`: replace a lane with the `f64` bits `x`.
        f64x2_replace_lane: u64x2, from_u64x2, u64, 2, u64;
    }

    /// `i8x16.extract_lane_s`: sign-extended lane (index masked to 0..16).
    #[inline]
    pub(crate) fn i8x16_extract_lane_s(a: u128, lane: u8) -> u32 {
        i32::from((a >> ((u32::from(lane) & 15) * 8)) as u8 as i8) as u32
    }

    /// `i16x8.extract_lane_s`: sign-extended lane (index masked to 0..8).
    #[inline]
    pub(crate) fn i16x8_extract_lane_s(a: u128, lane: u8) -> u32 {
        i32::from((a >> ((u32::from(lane) & 7) * 16)) as u16 as i16) as u32
    }

    // ---------------------------------------------------------------------------
    // i8x16
    // ---------------------------------------------------------------------------

    /// `i8x16.shuffle`: byte `i` is `(a ++ b)[lanes[i]]` (index masked to 0..32).
    #[inline]
    pub(crate) fn i8x16_shuffle(a: u128, b: u128, lanes: [u8; 16]) -> u128 {
        // One table of both operands' bytes: a load per lane, no branch.
        // SAFETY: 32 bytes either way, every bit pattern valid (`to_le`: byte `i` of the
        // table is byte `i` of the vector, as on a little-endian host).
        let t: [u8; 32] = unsafe { core::mem::transmute([a.to_le(), b.to_le()]) };
        u128::from_le_bytes(each_lane(|i| t[usize::from(lanes[i] & 31)]))
    }

    /// `i8x16.swizzle`: byte `i` is `a[b[i]]`, or 0 if `b[i] >= 16`.
    // The lookup table lives in a function of its own, never inlined: in the handler's
    // frame (inlined), with fat LTO it kept the handler from handing over by a jump (a
    // call and a `ret` instead; the dispatch audit caught it). Shifts instead of the table
    // cost 10% more on `simd_c_intrin`.
    #[inline(always)]
    pub(crate) fn i8x16_swizzle(a: u128, b: u128) -> u128 {
        swizzle_by_table(a, b)
    }

    #[inline(never)]
    fn swizzle_by_table(a: u128, b: u128) -> u128 {
        // `a`'s bytes then zeros: an index >= 16 reads a zero (clamped to 16).
        // SAFETY: as in `i8x16_shuffle`.
        let t: [u8; 32] = unsafe { core::mem::transmute([a.to_le(), 0u128]) };
        let b = b.to_le_bytes();
        u128::from_le_bytes(each_lane(|i| t[usize::from(b[i].min(16))]))
    }

    /// `i8x16.relaxed_swizzle`. Deterministic profile: identical to `i8x16.swizzle`
    /// (indices >= 16 yield 0).
    #[inline(always)]
    pub(crate) fn i8x16_relaxed_swizzle(a: u128, b: u128) -> u128 {
        i8x16_swizzle(a, b)
    }

    cmpop! {
        /// `i8x16.eq`: all-ones lanes where equal.
        i8x16_eq: u8x16 -> from_i8x16 as i8, |x, y| x == y;
        /// `i8x16.ne`: all-ones lanes where not equal.
        i8x16_ne: u8x16 -> from_i8x16 as i8, |x, y| x != y;
        /// `i8x16.lt_s`: signed `<`.
        i8x16_lt_s: i8x16 -> from_i8x16 as i8, |x, y| x < y;
        /// `i8x16.lt_u`: unsigned `<`.
        i8x16_lt_u: u8x16 -> from_i8x16 as i8, |x, y| x < y;
        /// `i8x16.gt_s`: signed `>`.
        i8x16_gt_s: i8x16 -> from_i8x16 as i8, |x, y| x > y;
        /// `i8x16.gt_u`: unsigned `>`.
        i8x16_gt_u: u8x16 -> from_i8x16 as i8, |x, y| x > y;
        /// `i8x16.le_s`: signed `<=`.
        i8x16_le_s: i8x16 -> from_i8x16 as i8, |x, y| x <= y;
        /// `i8x16.le_u`: unsigned `<=`.
        i8x16_le_u: u8x16 -> from_i8x16 as i8, |x, y| x <= y;
        /// `i8x16.ge_s`: signed `>=`.
        i8x16_ge_s: i8x16 -> from_i8x16 as i8, |x, y| x >= y;
        /// `i8x16.ge_u`: unsigned `>=`.
        i8x16_ge_u: u8x16 -> from_i8x16 as i8, |x, y| x >= y;
    }

    unop! {
        /// `i8x16.abs`: wrapping absolute value (`abs(-128) = -128`).
        i8x16_abs: i8x16 -> from_i8x16, |x| x.wrapping_abs();
        /// `i8x16.neg`: wrapping negation.
        i8x16_neg: i8x16 -> from_i8x16, |x| x.wrapping_neg();
        /// `i8x16.popcnt`: number of set bits per lane.
        i8x16_popcnt: u8x16 -> from_u8x16, |x| x.count_ones() as u8;
    }

    testops! {
        /// `i8x16.all_true`: 1 if every lane is non-zero.
        i8x16_all_true,
        /// `i8x16.bitmask`: the sign bit of lane `i` in bit `i`.
        i8x16_bitmask: i8x16;
    }

    /// `i8x16.narrow_i16x8_s`: signed-saturate the `i16` lanes of `a` then `b` to `i8`.
    #[inline]
    pub(crate) fn i8x16_narrow_i16x8_s(a: u128, b: u128) -> u128 {
        let (a, b) = (i16x8(a), i16x8(b));
        from_i8x16(each_lane(|i| {
            let x = if i < 8 { a[i] } else { b[i - 8] };
            x.clamp(i16::from(i8::MIN), i16::from(i8::MAX)) as i8
        }))
    }

    /// `i8x16.narrow_i16x8_u`: unsigned-saturate the signed `i16` lanes of `a` then `b` to `u8`.
    #[inline]
    pub(crate) fn i8x16_narrow_i16x8_u(a: u128, b: u128) -> u128 {
        let (a, b) = (i16x8(a), i16x8(b));
        from_u8x16(each_lane(|i| {
            let x = if i < 8 { a[i] } else { b[i - 8] };
            x.clamp(0, i16::from(u8::MAX)) as u8
        }))
    }

    shiftop! {
        /// `i8x16.shl`: shift left by `count % 8`.
        i8x16_shl: u8x16 -> from_u8x16, 8, wrapping_shl;
        /// `i8x16.shr_s`: arithmetic shift right by `count % 8`.
        i8x16_shr_s: i8x16 -> from_i8x16, 8, wrapping_shr;
        /// `i8x16.shr_u`: logical shift right by `count % 8`.
        i8x16_shr_u: u8x16 -> from_u8x16, 8, wrapping_shr;
    }

    binop! {
        /// `i8x16.add_sat_s`: signed saturating addition.
        i8x16_add_sat_s: i8x16 -> from_i8x16, |x, y| x.saturating_add(y);
        /// `i8x16.add_sat_u`: unsigned saturating addition.
        i8x16_add_sat_u: u8x16 -> from_u8x16, |x, y| x.saturating_add(y);
        /// `i8x16.sub_sat_s`: signed saturating subtraction.
        i8x16_sub_sat_s: i8x16 -> from_i8x16, |x, y| x.saturating_sub(y);
        /// `i8x16.sub_sat_u`: unsigned saturating subtraction.
        i8x16_sub_sat_u: u8x16 -> from_u8x16, |x, y| x.saturating_sub(y);
        /// `i8x16.min_s`: signed minimum.
        i8x16_min_s: i8x16 -> from_i8x16, |x, y| x.min(y);
        /// `i8x16.min_u`: unsigned minimum.
        i8x16_min_u: u8x16 -> from_u8x16, |x, y| x.min(y);
        /// `i8x16.max_s`: signed maximum.
        i8x16_max_s: i8x16 -> from_i8x16, |x, y| x.max(y);
        /// `i8x16.max_u`: unsigned maximum.
        i8x16_max_u: u8x16 -> from_u8x16, |x, y| x.max(y);
        /// `i8x16.avgr_u`: unsigned rounding average `(x + y + 1) >> 1`.
        i8x16_avgr_u: u8x16 -> from_u8x16, |x, y| ((u16::from(x) + u16::from(y) + 1) >> 1) as u8;
    }

    /// `i8x16.add`: wrapping addition.
    #[inline]
    pub(crate) fn i8x16_add(a: u128, b: u128) -> u128 {
        swar_add(a, b, HIGH8)
    }

    /// `i8x16.sub`: wrapping subtraction.
    #[inline]
    pub(crate) fn i8x16_sub(a: u128, b: u128) -> u128 {
        swar_sub(a, b, HIGH8)
    }

    /// `i8x16.relaxed_laneselect`. Deterministic profile: identical to
    /// `v128.bitselect(a, b, c)` (every mask bit selects individually).
    #[inline]
    pub(crate) fn i8x16_relaxed_laneselect(a: u128, b: u128, c: u128) -> u128 {
        v128_bitselect(a, b, c)
    }

    // ---------------------------------------------------------------------------
    // i16x8
    // ---------------------------------------------------------------------------

    cmpop! {
        /// `i16x8.eq`: all-ones lanes where equal.
        i16x8_eq: u16x8 -> from_i16x8 as i16, |x, y| x == y;
        /// `i16x8.ne`: all-ones lanes where not equal.
        i16x8_ne: u16x8 -> from_i16x8 as i16, |x, y| x != y;
        /// `i16x8.lt_s`: signed `<`.
        i16x8_lt_s: i16x8 -> from_i16x8 as i16, |x, y| x < y;
        /// `i16x8.lt_u`: unsigned `<`.
        i16x8_lt_u: u16x8 -> from_i16x8 as i16, |x, y| x < y;
        /// `i16x8.gt_s`: signed `>`.
        i16x8_gt_s: i16x8 -> from_i16x8 as i16, |x, y| x > y;
        /// `i16x8.gt_u`: unsigned `>`.
        i16x8_gt_u: u16x8 -> from_i16x8 as i16, |x, y| x > y;
        /// `i16x8.le_s`: signed `<=`.
        i16x8_le_s: i16x8 -> from_i16x8 as i16, |x, y| x <= y;
        /// `i16x8.le_u`: unsigned `<=`.
        i16x8_le_u: u16x8 -> from_i16x8 as i16, |x, y| x <= y;
        /// `i16x8.ge_s`: signed `>=`.
        i16x8_ge_s: i16x8 -> from_i16x8 as i16, |x, y| x >= y;
        /// `i16x8.ge_u`: unsigned `>=`.
        i16x8_ge_u: u16x8 -> from_i16x8 as i16, |x, y| x >= y;
    }

    unop! {
        /// `i16x8.abs`: wrapping absolute value.
        i16x8_abs: i16x8 -> from_i16x8, |x| x.wrapping_abs();
        /// `i16x8.neg`: wrapping negation.
        i16x8_neg: i16x8 -> from_i16x8, |x| x.wrapping_neg();
    }

    testops! {
        /// `i16x8.all_true`: 1 if every lane is non-zero.
        i16x8_all_true,
        /// `i16x8.bitmask`: the sign bit of lane `i` in bit `i`.
        i16x8_bitmask: i16x8;
    }

    /// `i16x8.narrow_i32x4_s`: signed-saturate the `i32` lanes of `a` then `b` to `i16`.
    #[inline]
    pub(crate) fn i16x8_narrow_i32x4_s(a: u128, b: u128) -> u128 {
        let (a, b) = (i32x4(a), i32x4(b));
        from_i16x8(each_lane(|i| {
            let x = if i < 4 { a[i] } else { b[i - 4] };
            x.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
        }))
    }

    /// `i16x8.narrow_i32x4_u`: unsigned-saturate the signed `i32` lanes of `a` then `b` to `u16`.
    #[inline]
    pub(crate) fn i16x8_narrow_i32x4_u(a: u128, b: u128) -> u128 {
        let (a, b) = (i32x4(a), i32x4(b));
        from_u16x8(each_lane(|i| {
            let x = if i < 4 { a[i] } else { b[i - 4] };
            x.clamp(0, i32::from(u16::MAX)) as u16
        }))
    }

    extendop! {
        /// `i16x8.extend_low_i8x16_s`: sign-extend lanes 0..8.
        i16x8_extend_low_i8x16_s: i8x16 -> from_i16x8 as i16, 0;
        /// `i16x8.extend_high_i8x16_s`: sign-extend lanes 8..16.
        i16x8_extend_high_i8x16_s: i8x16 -> from_i16x8 as i16, 8;
        /// `i16x8.extend_low_i8x16_u`: zero-extend lanes 0..8.
        i16x8_extend_low_i8x16_u: u8x16 -> from_u16x8 as u16, 0;
        /// `i16x8.extend_high_i8x16_u`: zero-extend lanes 8..16.
        i16x8_extend_high_i8x16_u: u8x16 -> from_u16x8 as u16, 8;
    }

    extaddop! {
        /// `i16x8.extadd_pairwise_i8x16_s`: sum of sign-extended adjacent lane pairs.
        i16x8_extadd_pairwise_i8x16_s: i8x16 -> from_i16x8 as i16;
        /// `i16x8.extadd_pairwise_i8x16_u`: sum of zero-extended adjacent lane pairs.
        i16x8_extadd_pairwise_i8x16_u: u8x16 -> from_u16x8 as u16;
    }

    extmulop! {
        /// `i16x8.extmul_low_i8x16_s`: signed widening product of lanes 0..8.
        i16x8_extmul_low_i8x16_s: i8x16 -> from_i16x8 as i16, 0;
        /// `i16x8.extmul_high_i8x16_s`: signed widening product of lanes 8..16.
        i16x8_extmul_high_i8x16_s: i8x16 -> from_i16x8 as i16, 8;
        /// `i16x8.extmul_low_i8x16_u`: unsigned widening product of lanes 0..8.
        i16x8_extmul_low_i8x16_u: u8x16 -> from_u16x8 as u16, 0;
        /// `i16x8.extmul_high_i8x16_u`: unsigned widening product of lanes 8..16.
        i16x8_extmul_high_i8x16_u: u8x16 -> from_u16x8 as u16, 8;
    }

    shiftop! {
        /// `i16x8.shl`: shift left by `count % 16`.
        i16x8_shl: u16x8 -> from_u16x8, 16, wrapping_shl;
        /// `i16x8.shr_s`: arithmetic shift right by `count % 16`.
        i16x8_shr_s: i16x8 -> from_i16x8, 16, wrapping_shr;
        /// `i16x8.shr_u`: logical shift right by `count % 16`.
        i16x8_shr_u: u16x8 -> from_u16x8, 16, wrapping_shr;
    }

    binop! {
        /// `i16x8.add_sat_s`: signed saturating addition.
        i16x8_add_sat_s: i16x8 -> from_i16x8, |x, y| x.saturating_add(y);
        /// `i16x8.add_sat_u`: unsigned saturating addition.
        i16x8_add_sat_u: u16x8 -> from_u16x8, |x, y| x.saturating_add(y);
        /// `i16x8.sub_sat_s`: signed saturating subtraction.
        i16x8_sub_sat_s: i16x8 -> from_i16x8, |x, y| x.saturating_sub(y);
        /// `i16x8.sub_sat_u`: unsigned saturating subtraction.
        i16x8_sub_sat_u: u16x8 -> from_u16x8, |x, y| x.saturating_sub(y);
        /// `i16x8.mul`: wrapping multiplication.
        i16x8_mul: u16x8 -> from_u16x8, |x, y| x.wrapping_mul(y);
        /// `i16x8.min_s`: signed minimum.
        i16x8_min_s: i16x8 -> from_i16x8, |x, y| x.min(y);
        /// `i16x8.min_u`: unsigned minimum.
        i16x8_min_u: u16x8 -> from_u16x8, |x, y| x.min(y);
        /// `i16x8.max_s`: signed maximum.
        i16x8_max_s: i16x8 -> from_i16x8, |x, y| x.max(y);
        /// `i16x8.max_u`: unsigned maximum.
        i16x8_max_u: u16x8 -> from_u16x8, |x, y| x.max(y);
        /// `i16x8.avgr_u`: unsigned rounding average `(x + y + 1) >> 1`.
        i16x8_avgr_u: u16x8 -> from_u16x8, |x, y| ((u32::from(x) + u32::from(y) + 1) >> 1) as u16;
        /// `i16x8.q15mulr_sat_s`: `sat_s16((x * y + 0x4000) >> 15)`.
        i16x8_q15mulr_sat_s: i16x8 -> from_i16x8, |x, y| q15mulr_sat(x, y);
        /// `i16x8.relaxed_q15mulr_s`. Deterministic profile: identical to
        /// `i16x8.q15mulr_sat_s` (`-32768 * -32768` saturates to 32767).
        i16x8_relaxed_q15mulr_s: i16x8 -> from_i16x8, |x, y| q15mulr_sat(x, y);
    }

    /// `i16x8.add`: wrapping addition.
    #[inline]
    pub(crate) fn i16x8_add(a: u128, b: u128) -> u128 {
        swar_add(a, b, HIGH16)
    }

    /// `i16x8.sub`: wrapping subtraction.
    #[inline]
    pub(crate) fn i16x8_sub(a: u128, b: u128) -> u128 {
        swar_sub(a, b, HIGH16)
    }

    /// `i16x8.relaxed_dot_i8x16_i7x16_s`. Deterministic profile: both operands are
    /// signed; lane `i` is `sat_s16(a[2i] * b[2i] + a[2i+1] * b[2i+1])`.
    #[inline]
    pub(crate) fn i16x8_relaxed_dot_i8x16_i7x16_s(a: u128, b: u128) -> u128 {
        let (a, b) = (i8x16(a), i8x16(b));
        from_i16x8(each_lane(|i| {
            let p0 = i16::from(a[2 * i]) * i16::from(b[2 * i]);
            let p1 = i16::from(a[2 * i + 1]) * i16::from(b[2 * i + 1]);
            p0.saturating_add(p1)
        }))
    }

    /// `i16x8.relaxed_laneselect`. Deterministic profile: identical to
    /// `v128.bitselect(a, b, c)`.
    #[inline]
    pub(crate) fn i16x8_relaxed_laneselect(a: u128, b: u128, c: u128) -> u128 {
        v128_bitselect(a, b, c)
    }

    // ---------------------------------------------------------------------------
    // i32x4
    // ---------------------------------------------------------------------------

    cmpop! {
        /// `i32x4.eq`: all-ones lanes where equal.
        i32x4_eq: u32x4 -> from_i32x4 as i32, |x, y| x == y;
        /// `i32x4.ne`: all-ones lanes where not equal.
        i32x4_ne: u32x4 -> from_i32x4 as i32, |x, y| x != y;
        /// `i32x4.lt_s`: signed `<`.
        i32x4_lt_s: i32x4 -> from_i32x4 as i32, |x, y| x < y;
        /// `i32x4.lt_u`: unsigned `<`.
        i32x4_lt_u: u32x4 -> from_i32x4 as i32, |x, y| x < y;
        /// `i32x4.gt_s`: signed `>`.
        i32x4_gt_s: i32x4 -> from_i32x4 as i32, |x, y| x > y;
        /// `i32x4.gt_u`: unsigned `>`.
        i32x4_gt_u: u32x4 -> from_i32x4 as i32, |x, y| x > y;
        /// `i32x4.le_s`: signed `<=`.
        i32x4_le_s: i32x4 -> from_i32x4 as i32, |x, y| x <= y;
        /// `i32x4.le_u`: unsigned `<=`.
        i32x4_le_u: u32x4 -> from_i32x4 as i32, |x, y| x <= y;
        /// `i32x4.ge_s`: signed `>=`.
        i32x4_ge_s: i32x4 -> from_i32x4 as i32, |x, y| x >= y;
        /// `i32x4.ge_u`: unsigned `>=`.
        i32x4_ge_u: u32x4 -> from_i32x4 as i32, |x, y| x >= y;
    }

    unop! {
        /// `i32x4.abs`: wrapping absolute value.
        i32x4_abs: i32x4 -> from_i32x4, |x| x.wrapping_abs();
        /// `i32x4.neg`: wrapping negation.
        i32x4_neg: i32x4 -> from_i32x4, |x| x.wrapping_neg();
    }

    testops! {
        /// `i32x4.all_true`: 1 if every lane is non-zero.
        i32x4_all_true,
        /// `i32x4.bitmask`: the sign bit of lane `i` in bit `i`.
        i32x4_bitmask: i32x4;
    }

    extendop! {
        /// `i32x4.extend_low_i16x8_s`: sign-extend lanes 0..4.
        i32x4_extend_low_i16x8_s: i16x8 -> from_i32x4 as i32, 0;
        /// `i32x4.extend_high_i16x8_s`: sign-extend lanes 4..8.
        i32x4_extend_high_i16x8_s: i16x8 -> from_i32x4 as i32, 4;
        /// `i32x4.extend_low_i16x8_u`: zero-extend lanes 0..4.
        i32x4_extend_low_i16x8_u: u16x8 -> from_u32x4 as u32, 0;
        /// `i32x4.extend_high_i16x8_u`: zero-extend lanes 4..8.
        i32x4_extend_high_i16x8_u: u16x8 -> from_u32x4 as u32, 4;
    }

    extaddop! {
        /// `i32x4.extadd_pairwise_i16x8_s`: sum of sign-extended adjacent lane pairs.
        i32x4_extadd_pairwise_i16x8_s: i16x8 -> from_i32x4 as i32;
        /// `i32x4.extadd_pairwise_i16x8_u`: sum of zero-extended adjacent lane pairs.
        i32x4_extadd_pairwise_i16x8_u: u16x8 -> from_u32x4 as u32;
    }

    extmulop! {
        /// `i32x4.extmul_low_i16x8_s`: signed widening product of lanes 0..4.
        i32x4_extmul_low_i16x8_s: i16x8 -> from_i32x4 as i32, 0;
        /// `i32x4.extmul_high_i16x8_s`: signed widening product of lanes 4..8.
        i32x4_extmul_high_i16x8_s: i16x8 -> from_i32x4 as i32, 4;
        /// `i32x4.extmul_low_i16x8_u`: unsigned widening product of lanes 0..4.
        i32x4_extmul_low_i16x8_u: u16x8 -> from_u32x4 as u32, 0;
        /// `i32x4.extmul_high_i16x8_u`: unsigned widening product of lanes 4..8.
        i32x4_extmul_high_i16x8_u: u16x8 -> from_u32x4 as u32, 4;
    }

    shiftop! {
        /// `i32x4.shl`: shift left by `count % 32`.
        i32x4_shl: u32x4 -> from_u32x4, 32, wrapping_shl;
        /// `i32x4.shr_s`: arithmetic shift right by `count % 32`.
        i32x4_shr_s: i32x4 -> from_i32x4, 32, wrapping_shr;
        /// `i32x4.shr_u`: logical shift right by `count % 32`.
        i32x4_shr_u: u32x4 -> from_u32x4, 32, wrapping_shr;
    }

    binop! {
        /// `i32x4.add`: wrapping addition.
        i32x4_add: u32x4 -> from_u32x4, |x, y| x.wrapping_add(y);
        /// `i32x4.sub`: wrapping subtraction.
        i32x4_sub: u32x4 -> from_u32x4, |x, y| x.wrapping_sub(y);
        /// `i32x4.mul`: wrapping multiplication.
        i32x4_mul: u32x4 -> from_u32x4, |x, y| x.wrapping_mul(y);
        /// `i32x4.min_s`: signed minimum.
        i32x4_min_s: i32x4 -> from_i32x4, |x, y| x.min(y);
        /// `i32x4.min_u`: unsigned minimum.
        i32x4_min_u: u32x4 -> from_u32x4, |x, y| x.min(y);
        /// `i32x4.max_s`: signed maximum.
        i32x4_max_s: i32x4 -> from_i32x4, |x, y| x.max(y);
        /// `i32x4.max_u`: unsigned maximum.
        i32x4_max_u: u32x4 -> from_u32x4, |x, y| x.max(y);
    }

    /// `i32x4.dot_i16x8_s`: lane `i` is `a[2i] * b[2i] + a[2i+1] * b[2i+1]` (wrapping).
    #[inline]
    pub(crate) fn i32x4_dot_i16x8_s(a: u128, b: u128) -> u128 {
        let (a, b) = (i16x8(a), i16x8(b));
        from_i32x4(each_lane(|i| {
            let p0 = i32::from(a[2 * i]) * i32::from(b[2 * i]);
            let p1 = i32::from(a[2 * i + 1]) * i32::from(b[2 * i + 1]);
            p0.wrapping_add(p1)
        }))
    }

    /// `i32x4.relaxed_dot_i8x16_i7x16_add_s`. Deterministic profile: the signed
    /// saturating `i16x8.relaxed_dot_i8x16_i7x16_s` of `a` and `b`, pairwise
    /// sign-extended and added into `i32` lanes, plus `c` (wrapping).
    #[inline]
    pub(crate) fn i32x4_relaxed_dot_i8x16_i7x16_add_s(a: u128, b: u128, c: u128) -> u128 {
        let sum = i32x4_extadd_pairwise_i16x8_s(i16x8_relaxed_dot_i8x16_i7x16_s(a, b));
        i32x4_add(sum, c)
    }

    /// `i32x4.trunc_sat_f32x4_s`: truncate, saturating to `i32`; NaN becomes 0.
    #[inline]
    pub(crate) fn i32x4_trunc_sat_f32x4_s(a: u128) -> u128 {
        from_i32x4({
            let v = f32x4(a);
            each_lane(|i| {
                let x = v[i];
                x as i32
            })
        })
    }

    /// `i32x4.trunc_sat_f32x4_u`: truncate, saturating to `u32`; NaN becomes 0.
    #[inline]
    pub(crate) fn i32x4_trunc_sat_f32x4_u(a: u128) -> u128 {
        from_u32x4({
            let v = f32x4(a);
            each_lane(|i| {
                let x = v[i];
                x as u32
            })
        })
    }

    /// `i32x4.trunc_sat_f64x2_s_zero`: saturating truncation of both `f64` lanes into lanes 0..2; lanes 2..4 zero.
    #[inline]
    pub(crate) fn i32x4_trunc_sat_f64x2_s_zero(a: u128) -> u128 {
        let [x, y] = f64x2(a);
        from_i32x4([x as i32, y as i32, 0, 0])
    }

    /// `i32x4.trunc_sat_f64x2_u_zero`: saturating unsigned truncation of both `f64` lanes; lanes 2..4 zero.
    #[inline]
    pub(crate) fn i32x4_trunc_sat_f64x2_u_zero(a: u128) -> u128 {
        let [x, y] = f64x2(a);
        from_u32x4([x as u32, y as u32, 0, 0])
    }

    /// `i32x4.relaxed_trunc_f32x4_s`. Deterministic profile: identical to
    /// `i32x4.trunc_sat_f32x4_s` (NaN → 0, out of range saturates).
    #[inline]
    pub(crate) fn i32x4_relaxed_trunc_f32x4_s(a: u128) -> u128 {
        i32x4_trunc_sat_f32x4_s(a)
    }

    /// `i32x4.relaxed_trunc_f32x4_u`. Deterministic profile: identical to
    /// `i32x4.trunc_sat_f32x4_u` (NaN → 0, out of range saturates).
    #[inline]
    pub(crate) fn i32x4_relaxed_trunc_f32x4_u(a: u128) -> u128 {
        i32x4_trunc_sat_f32x4_u(a)
    }

    /// `i32x4.relaxed_trunc_f64x2_s_zero`. Deterministic profile: identical to
    /// `i32x4.trunc_sat_f64x2_s_zero`.
    #[inline]
    pub(crate) fn i32x4_relaxed_trunc_f64x2_s_zero(a: u128) -> u128 {
        i32x4_trunc_sat_f64x2_s_zero(a)
    }

    /// `i32x4.relaxed_trunc_f64x2_u_zero`. Deterministic profile: identical to
    /// `i32x4.trunc_sat_f64x2_u_zero`.
    #[inline]
    pub(crate) fn i32x4_relaxed_trunc_f64x2_u_zero(a: u128) -> u128 {
        i32x4_trunc_sat_f64x2_u_zero(a)
    }

    /// `i32x4.relaxed_laneselect`. Deterministic profile: identical to
    /// `v128.bitselect(a, b, c)`.
    #[inline]
    pub(crate) fn i32x4_relaxed_laneselect(a: u128, b: u128, c: u128) -> u128 {
        v128_bitselect(a, b, c)
    }

    // ---------------------------------------------------------------------------
    // i64x2
    // ---------------------------------------------------------------------------

    cmpop! {
        /// `i64x2.eq`: all-ones lanes where equal.
        i64x2_eq: u64x2 -> from_i64x2 as i64, |x, y| x == y;
        /// `i64x2.ne`: all-ones lanes where not equal.
        i64x2_ne: u64x2 -> from_i64x2 as i64, |x, y| x != y;
        /// `i64x2.lt_s`: signed `<`.
        i64x2_lt_s: i64x2 -> from_i64x2 as i64, |x, y| x < y;
        /// `i64x2.gt_s`: signed `>`.
        i64x2_gt_s: i64x2 -> from_i64x2 as i64, |x, y| x > y;
        /// `i64x2.le_s`: signed `<=`.
        i64x2_le_s: i64x2 -> from_i64x2 as i64, |x, y| x <= y;
        /// `i64x2.ge_s`: signed `>=`.
        i64x2_ge_s: i64x2 -> from_i64x2 as i64, |x, y| x >= y;
    }

    unop! {
        /// `i64x2.abs`: wrapping absolute value.
        i64x2_abs: i64x2 -> from_i64x2, |x| x.wrapping_abs();
        /// `i64x2.neg`: wrapping negation.
        i64x2_neg: i64x2 -> from_i64x2, |x| x.wrapping_neg();
    }

    testops! {
        /// `i64x2.all_true`: 1 if both lanes are non-zero.
        i64x2_all_true,
        /// `i64x2.bitmask`: the sign bit of lane `i` in bit `i`.
        i64x2_bitmask: i64x2;
    }

    extendop! {
        /// `i64x2.extend_low_i32x4_s`: sign-extend lanes 0..2.
        i64x2_extend_low_i32x4_s: i32x4 -> from_i64x2 as i64, 0;
        /// `i64x2.extend_high_i32x4_s`: sign-extend lanes 2..4.
        i64x2_extend_high_i32x4_s: i32x4 -> from_i64x2 as i64, 2;
        /// `i64x2.extend_low_i32x4_u`: zero-extend lanes 0..2.
        i64x2_extend_low_i32x4_u: u32x4 -> from_u64x2 as u64, 0;
        /// `i64x2.extend_high_i32x4_u`: zero-extend lanes 2..4.
        i64x2_extend_high_i32x4_u: u32x4 -> from_u64x2 as u64, 2;
    }

    extmulop! {
        /// `i64x2.extmul_low_i32x4_s`: signed widening product of lanes 0..2.
        i64x2_extmul_low_i32x4_s: i32x4 -> from_i64x2 as i64, 0;
        /// `i64x2.extmul_high_i32x4_s`: signed widening product of lanes 2..4.
        i64x2_extmul_high_i32x4_s: i32x4 -> from_i64x2 as i64, 2;
        /// `i64x2.extmul_low_i32x4_u`: unsigned widening product of lanes 0..2.
        i64x2_extmul_low_i32x4_u: u32x4 -> from_u64x2 as u64, 0;
        /// `i64x2.extmul_high_i32x4_u`: unsigned widening product of lanes 2..4.
        i64x2_extmul_high_i32x4_u: u32x4 -> from_u64x2 as u64, 2;
    }

    shiftop! {
        /// `i64x2.shl`: shift left by `count % 64`.
        i64x2_shl: u64x2 -> from_u64x2, 64, wrapping_shl;
        /// `i64x2.shr_s`: arithmetic shift right by `count % 64`.
        i64x2_shr_s: i64x2 -> from_i64x2, 64, wrapping_shr;
        /// `i64x2.shr_u`: logical shift right by `count % 64`.
        i64x2_shr_u: u64x2 -> from_u64x2, 64, wrapping_shr;
    }

    binop! {
        /// `i64x2.add`: wrapping addition.
        i64x2_add: u64x2 -> from_u64x2, |x, y| x.wrapping_add(y);
        /// `i64x2.sub`: wrapping subtraction.
        i64x2_sub: u64x2 -> from_u64x2, |x, y| x.wrapping_sub(y);
        /// `i64x2.mul`: wrapping multiplication.
        i64x2_mul: u64x2 -> from_u64x2, |x, y| x.wrapping_mul(y);
    }

    /// `i64x2.relaxed_laneselect`. Deterministic profile: identical to
    /// `v128.bitselect(a, b, c)`.
    #[inline]
    pub(crate) fn i64x2_relaxed_laneselect(a: u128, b: u128, c: u128) -> u128 {
        v128_bitselect(a, b, c)
    }

    // ---------------------------------------------------------------------------
    // f32x4
    // ---------------------------------------------------------------------------

    cmpop! {
        /// `f32x4.eq`: all-ones lanes where equal (false for NaN).
        f32x4_eq: f32x4 -> from_i32x4 as i32, |x, y| x == y;
        /// `f32x4.ne`: all-ones lanes where not equal (true for NaN).
        f32x4_ne: f32x4 -> from_i32x4 as i32, |x, y| x != y;
        /// `f32x4.lt`: IEEE `<`.
        f32x4_lt: f32x4 -> from_i32x4 as i32, |x, y| x < y;
        /// `f32x4.gt`: IEEE `>`.
        f32x4_gt: f32x4 -> from_i32x4 as i32, |x, y| x > y;
        /// `f32x4.le`: IEEE `<=`.
        f32x4_le: f32x4 -> from_i32x4 as i32, |x, y| x <= y;
        /// `f32x4.ge`: IEEE `>=`.
        f32x4_ge: f32x4 -> from_i32x4 as i32, |x, y| x >= y;
    }

    /// `f32x4.abs`: clear the sign bit of every lane (NaNs included).
    #[inline]
    pub(crate) fn f32x4_abs(a: u128) -> u128 {
        a & !SIGN32
    }

    /// `f32x4.neg`: flip the sign bit of every lane (NaNs included).
    #[inline]
    pub(crate) fn f32x4_neg(a: u128) -> u128 {
        a ^ SIGN32
    }

    unop! {
        /// `f32x4.ceil`: round toward +∞.
        f32x4_ceil: f32x4 -> from_f32x4, |x| round::f32::ceil(x).unwrap_or(x);
        /// `f32x4.floor`: round toward -∞.
        f32x4_floor: f32x4 -> from_f32x4, |x| round::f32::floor(x).unwrap_or(x);
        /// `f32x4.trunc`: round toward zero.
        f32x4_trunc: f32x4 -> from_f32x4, |x| round::f32::trunc(x).unwrap_or(x);
        /// `f32x4.nearest`: round to nearest, ties to even.
        f32x4_nearest: f32x4 -> from_f32x4, |x| round::f32::nearest(x).unwrap_or(x);
        /// `f32x4.sqrt`: IEEE square root.
        f32x4_sqrt: f32x4 -> from_f32x4, |x| x.sqrt();
    }

    binop! {
        /// `f32x4.add`: IEEE addition.
        f32x4_add: f32x4 -> from_f32x4, |x, y| x + y;
        /// `f32x4.sub`: IEEE subtraction.
        f32x4_sub: f32x4 -> from_f32x4, |x, y| x - y;
        /// `f32x4.mul`: IEEE multiplication.
        f32x4_mul: f32x4 -> from_f32x4, |x, y| x * y;
        /// `f32x4.div`: IEEE division.
        f32x4_div: f32x4 -> from_f32x4, |x, y| x / y;
        /// `f32x4.min`: WebAssembly `fmin` (NaN-propagating, `-0.0 < +0.0`).
        f32x4_min: f32x4 -> from_f32x4, |x, y| fmin32(x, y);
        /// `f32x4.max`: WebAssembly `fmax` (NaN-propagating, `-0.0 < +0.0`).
        f32x4_max: f32x4 -> from_f32x4, |x, y| fmax32(x, y);
        /// `f32x4.pmin`: pseudo-minimum `if y < x { y } else { x }`.
        f32x4_pmin: f32x4 -> from_f32x4, |x, y| if y < x { y } else { x };
        /// `f32x4.pmax`: pseudo-maximum `if x < y { y } else { x }`.
        f32x4_pmax: f32x4 -> from_f32x4, |x, y| if x < y { y } else { x };
        /// `f32x4.relaxed_min`. Deterministic profile: identical to `f32x4.min`.
        f32x4_relaxed_min: f32x4 -> from_f32x4, |x, y| fmin32(x, y);
        /// `f32x4.relaxed_max`. Deterministic profile: identical to `f32x4.max`.
        f32x4_relaxed_max: f32x4 -> from_f32x4, |x, y| fmax32(x, y);
    }

    /// `f32x4.relaxed_madd`. Deterministic profile: unfused `a * b + c` (the product
    /// is rounded to `f32` before the addition; no fused multiply-add).
    #[inline]
    pub(crate) fn f32x4_relaxed_madd(a: u128, b: u128, c: u128) -> u128 {
        let (a, b, c) = (f32x4(a), f32x4(b), f32x4(c));
        from_f32x4(each_lane(|i| a[i] * b[i] + c[i]))
    }

    /// `f32x4.relaxed_nmadd`. Deterministic profile: unfused `-a * b + c` (the
    /// product is rounded to `f32` before the addition; no fused multiply-add).
    #[inline]
    pub(crate) fn f32x4_relaxed_nmadd(a: u128, b: u128, c: u128) -> u128 {
        let (a, b, c) = (f32x4(a), f32x4(b), f32x4(c));
        from_f32x4(each_lane(|i| -a[i] * b[i] + c[i]))
    }

    /// `f32x4.convert_i32x4_s`: signed `i32` lanes to `f32` (round to nearest even).
    #[inline]
    pub(crate) fn f32x4_convert_i32x4_s(a: u128) -> u128 {
        from_f32x4({
            let v = i32x4(a);
            each_lane(|i| {
                let x = v[i];
                x as f32
            })
        })
    }

    /// `f32x4.convert_i32x4_u`: unsigned `i32` lanes to `f32` (round to nearest even).
    #[inline]
    pub(crate) fn f32x4_convert_i32x4_u(a: u128) -> u128 {
        from_f32x4({
            let v = u32x4(a);
            each_lane(|i| {
                let x = v[i];
                x as f32
            })
        })
    }

    /// `f32x4.demote_f64x2_zero`: both `f64` lanes rounded to `f32` in lanes 0..2; lanes 2..4 are +0.0.
    #[inline]
    pub(crate) fn f32x4_demote_f64x2_zero(a: u128) -> u128 {
        let [x, y] = f64x2(a);
        from_f32x4([x as f32, y as f32, 0.0, 0.0])
    }

    // ---------------------------------------------------------------------------
    // f64x2
    // ---------------------------------------------------------------------------

    cmpop! {
        /// `f64x2.eq`: all-ones lanes where equal (false for NaN).
        f64x2_eq: f64x2 -> from_i64x2 as i64, |x, y| x == y;
        /// `f64x2.ne`: all-ones lanes where not equal (true for NaN).
        f64x2_ne: f64x2 -> from_i64x2 as i64, |x, y| x != y;
        /// `f64x2.lt`: IEEE `<`.
        f64x2_lt: f64x2 -> from_i64x2 as i64, |x, y| x < y;
        /// `f64x2.gt`: IEEE `>`.
        f64x2_gt: f64x2 -> from_i64x2 as i64, |x, y| x > y;
        /// `f64x2.le`: IEEE `<=`.
        f64x2_le: f64x2 -> from_i64x2 as i64, |x, y| x <= y;
        /// `f64x2.ge`: IEEE `>=`.
        f64x2_ge: f64x2 -> from_i64x2 as i64, |x, y| x >= y;
    }

    /// `f64x2.abs`: clear the sign bit of both lanes (NaNs included).
    #[inline]
    pub(crate) fn f64x2_abs(a: u128) -> u128 {
        a & !SIGN64
    }

    /// `f64x2.neg`: flip the sign bit of both lanes (NaNs included).
    #[inline]
    pub(crate) fn f64x2_neg(a: u128) -> u128 {
        a ^ SIGN64
    }

    unop! {
        /// `f64x2.ceil`: round toward +∞.
        f64x2_ceil: f64x2 -> from_f64x2, |x| round::f64::ceil(x).unwrap_or(x);
        /// `f64x2.floor`: round toward -∞.
        f64x2_floor: f64x2 -> from_f64x2, |x| round::f64::floor(x).unwrap_or(x);
        /// `f64x2.trunc`: round toward zero.
        f64x2_trunc: f64x2 -> from_f64x2, |x| round::f64::trunc(x).unwrap_or(x);
        /// `f64x2.nearest`: round to nearest, ties to even.
        f64x2_nearest: f64x2 -> from_f64x2, |x| round::f64::nearest(x).unwrap_or(x);
        /// `f64x2.sqrt`: IEEE square root.
        f64x2_sqrt: f64x2 -> from_f64x2, |x| x.sqrt();
    }

    binop! {
        /// `f64x2.add`: IEEE addition.
        f64x2_add: f64x2 -> from_f64x2, |x, y| x + y;
        /// `f64x2.sub`: IEEE subtraction.
        f64x2_sub: f64x2 -> from_f64x2, |x, y| x - y;
        /// `f64x2.mul`: IEEE multiplication.
        f64x2_mul: f64x2 -> from_f64x2, |x, y| x * y;
        /// `f64x2.div`: IEEE division.
        f64x2_div: f64x2 -> from_f64x2, |x, y| x / y;
        /// `f64x2.min`: WebAssembly `fmin` (NaN-propagating, `-0.0 < +0.0`).
        f64x2_min: f64x2 -> from_f64x2, |x, y| fmin64(x, y);
        /// `f64x2.max`: WebAssembly `fmax` (NaN-propagating, `-0.0 < +0.0`).
        f64x2_max: f64x2 -> from_f64x2, |x, y| fmax64(x, y);
        /// `f64x2.pmin`: pseudo-minimum `if y < x { y } else { x }`.
        f64x2_pmin: f64x2 -> from_f64x2, |x, y| if y < x { y } else { x };
        /// `f64x2.pmax`: pseudo-maximum `if x < y { y } else { x }`.
        f64x2_pmax: f64x2 -> from_f64x2, |x, y| if x < y { y } else { x };
        /// `f64x2.relaxed_min`. Deterministic profile: identical to `f64x2.min`.
        f64x2_relaxed_min: f64x2 -> from_f64x2, |x, y| fmin64(x, y);
        /// `f64x2.relaxed_max`. Deterministic profile: identical to `f64x2.max`.
        f64x2_relaxed_max: f64x2 -> from_f64x2, |x, y| fmax64(x, y);
    }

    /// `f64x2.relaxed_madd`. Deterministic profile: unfused `a * b + c` (the product
    /// is rounded to `f64` before the addition; no fused multiply-add).
    #[inline]
    pub(crate) fn f64x2_relaxed_madd(a: u128, b: u128, c: u128) -> u128 {
        let (a, b, c) = (f64x2(a), f64x2(b), f64x2(c));
        from_f64x2(each_lane(|i| a[i] * b[i] + c[i]))
    }

    /// `f64x2.relaxed_nmadd`. Deterministic profile: unfused `-a * b + c` (the
    /// product is rounded to `f64` before the addition; no fused multiply-add).
    #[inline]
    pub(crate) fn f64x2_relaxed_nmadd(a: u128, b: u128, c: u128) -> u128 {
        let (a, b, c) = (f64x2(a), f64x2(b), f64x2(c));
        from_f64x2(each_lane(|i| -a[i] * b[i] + c[i]))
    }

    /// `f64x2.convert_low_i32x4_s`: signed `i32` lanes 0..2 to `f64` (exact).
    #[inline]
    pub(crate) fn f64x2_convert_low_i32x4_s(a: u128) -> u128 {
        let l = i32x4(a);
        from_f64x2([f64::from(l[0]), f64::from(l[1])])
    }

    /// `f64x2.convert_low_i32x4_u`: unsigned `i32` lanes 0..2 to `f64` (exact).
    #[inline]
    pub(crate) fn f64x2_convert_low_i32x4_u(a: u128) -> u128 {
        let l = u32x4(a);
        from_f64x2([f64::from(l[0]), f64::from(l[1])])
    }

    /// `f64x2.promote_low_f32x4`: `f32` lanes 0..2 widened to `f64` (exact).
    #[inline]
    pub(crate) fn f64x2_promote_low_f32x4(a: u128) -> u128 {
        let l = f32x4(a);
        from_f64x2([f64::from(l[0]), f64::from(l[1])])
    }
}

pub(crate) use lanes::*;

/// The 32-bit lanes an `i8x16.shuffle` picks, if it moves whole, aligned 32-bit lanes
/// (broadcasts, transposes, horizontal sums: most shuffles compilers emit for `f32x4` and
/// `i32x4` code): lane `i` of the result is lane `words[i]` (0..8) of `a ++ b`.
pub(crate) fn shuffle_words(lanes: &[u8; 16]) -> Option<[u8; 4]> {
    let mut words = [0u8; 4];
    for (i, word) in words.iter_mut().enumerate() {
        let first = lanes[4 * i];
        let whole = first.is_multiple_of(4) && (1..4).all(|k| lanes[4 * i + k] == first + k as u8);
        if !whole {
            return None;
        }
        *word = first / 4;
    }
    Some(words)
}

/// `i8x16.shuffle` of whole 32-bit lanes (see [`shuffle_words`]): four word moves instead
/// of sixteen byte moves.
#[inline]
pub(crate) fn i32x4_shuffle(a: u128, b: u128, words: [u8; 4]) -> u128 {
    let table = [
        a as u32,
        (a >> 32) as u32,
        (a >> 64) as u32,
        (a >> 96) as u32,
        b as u32,
        (b >> 32) as u32,
        (b >> 64) as u32,
        (b >> 96) as u32,
    ];
    words.iter().enumerate().fold(0, |r, (i, &w)| {
        r | (table[usize::from(w & 7)] as u128) << (32 * i)
    })
}

// ---------------------------------------------------------------------------
// x86-64 fast paths
// ---------------------------------------------------------------------------

/// SSE2 versions of the common operators, for x86-64, where SSE2 is part of the baseline.
///
/// LLVM does not turn [`lanes`]' loops over a `u128` into vector code (the `u128` lives in
/// two general-purpose registers and every lane is shifted out and back: 100 to 200
/// instructions for an `i8x16` operation). Here an operand becomes an `__m128i` with
/// `_mm_set_epi64x(hi, lo)`, which LLVM folds with the handler's two 64-bit cell reads into
/// one `movdqu`, and the result goes back the same way: `i8x16.add_sat_u` is
/// `movdqu, movdqu, paddusb, movdqu`. Each function computes exactly what its [`lanes`]
/// namesake computes, NaN bits included (the tests compare them on random inputs); operators
/// SSE2 has no good sequence for (rounding, `i8x16.shuffle`, unsigned conversions, most
/// `i64x2` ones) stay in [`lanes`].
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod sse {
    use core::arch::x86_64::*;

    /// Safe wrappers of the SSE2 intrinsics used here: `name(args) -> T = intrinsic;`.
    macro_rules! safe {
        ($($name:ident($($a:ident: $t:ty),*) -> $r:ty = $f:ident;)*) => {$(
            #[inline(always)]
            fn $name($($a: $t),*) -> $r {
                // SAFETY: this module is compiled only where SSE2 is enabled at build time
                // (`target_feature = "sse2"`, part of the x86-64 baseline), which is all this
                // intrinsic requires; it takes and returns values and touches no memory.
                unsafe { $f($($a),*) }
            }
        )*};
    }

    type I = __m128i;
    type F = __m128;
    type D = __m128d;

    safe! {
        set_epi64x(hi: i64, lo: i64) -> I = _mm_set_epi64x;
        cvtsi128_si64(a: I) -> i64 = _mm_cvtsi128_si64;
        cvtsi32_si128(a: i32) -> I = _mm_cvtsi32_si128;
        set1_epi8(a: i8) -> I = _mm_set1_epi8;
        set1_epi16(a: i16) -> I = _mm_set1_epi16;
        set1_epi32(a: i32) -> I = _mm_set1_epi32;
        setzero() -> I = _mm_setzero_si128;
        castsi128_ps(a: I) -> F = _mm_castsi128_ps;
        castps_si128(a: F) -> I = _mm_castps_si128;
        castsi128_pd(a: I) -> D = _mm_castsi128_pd;
        castpd_si128(a: D) -> I = _mm_castpd_si128;
        and(a: I, b: I) -> I = _mm_and_si128;
        andnot(a: I, b: I) -> I = _mm_andnot_si128;
        or(a: I, b: I) -> I = _mm_or_si128;
        xor(a: I, b: I) -> I = _mm_xor_si128;
        unpacklo_epi8(a: I, b: I) -> I = _mm_unpacklo_epi8;
        unpackhi_epi8(a: I, b: I) -> I = _mm_unpackhi_epi8;
        unpacklo_epi16(a: I, b: I) -> I = _mm_unpacklo_epi16;
        unpackhi_epi16(a: I, b: I) -> I = _mm_unpackhi_epi16;
        unpackhi_epi64(a: I, b: I) -> I = _mm_unpackhi_epi64;
        packs_epi16(a: I, b: I) -> I = _mm_packs_epi16;
        packus_epi16(a: I, b: I) -> I = _mm_packus_epi16;
        packs_epi32(a: I, b: I) -> I = _mm_packs_epi32;
        movemask_epi8(a: I) -> i32 = _mm_movemask_epi8;
        movemask_ps(a: F) -> i32 = _mm_movemask_ps;
        add_epi8(a: I, b: I) -> I = _mm_add_epi8;
        add_epi16(a: I, b: I) -> I = _mm_add_epi16;
        add_epi32(a: I, b: I) -> I = _mm_add_epi32;
        add_epi64(a: I, b: I) -> I = _mm_add_epi64;
        sub_epi8(a: I, b: I) -> I = _mm_sub_epi8;
        sub_epi16(a: I, b: I) -> I = _mm_sub_epi16;
        sub_epi32(a: I, b: I) -> I = _mm_sub_epi32;
        sub_epi64(a: I, b: I) -> I = _mm_sub_epi64;
        adds_epi8(a: I, b: I) -> I = _mm_adds_epi8;
        adds_epu8(a: I, b: I) -> I = _mm_adds_epu8;
        adds_epi16(a: I, b: I) -> I = _mm_adds_epi16;
        adds_epu16(a: I, b: I) -> I = _mm_adds_epu16;
        subs_epi8(a: I, b: I) -> I = _mm_subs_epi8;
        subs_epu8(a: I, b: I) -> I = _mm_subs_epu8;
        subs_epi16(a: I, b: I) -> I = _mm_subs_epi16;
        subs_epu16(a: I, b: I) -> I = _mm_subs_epu16;
        min_epu8(a: I, b: I) -> I = _mm_min_epu8;
        max_epu8(a: I, b: I) -> I = _mm_max_epu8;
        min_epi16(a: I, b: I) -> I = _mm_min_epi16;
        max_epi16(a: I, b: I) -> I = _mm_max_epi16;
        avg_epu8(a: I, b: I) -> I = _mm_avg_epu8;
        avg_epu16(a: I, b: I) -> I = _mm_avg_epu16;
        cmpeq_epi8(a: I, b: I) -> I = _mm_cmpeq_epi8;
        cmpeq_epi16(a: I, b: I) -> I = _mm_cmpeq_epi16;
        cmpeq_epi32(a: I, b: I) -> I = _mm_cmpeq_epi32;
        cmpgt_epi8(a: I, b: I) -> I = _mm_cmpgt_epi8;
        cmpgt_epi16(a: I, b: I) -> I = _mm_cmpgt_epi16;
        cmpgt_epi32(a: I, b: I) -> I = _mm_cmpgt_epi32;
        mullo_epi16(a: I, b: I) -> I = _mm_mullo_epi16;
        mulhi_epi16(a: I, b: I) -> I = _mm_mulhi_epi16;
        mulhi_epu16(a: I, b: I) -> I = _mm_mulhi_epu16;
        mul_epu32(a: I, b: I) -> I = _mm_mul_epu32;
        madd_epi16(a: I, b: I) -> I = _mm_madd_epi16;
        sll_epi16(a: I, n: I) -> I = _mm_sll_epi16;
        sll_epi32(a: I, n: I) -> I = _mm_sll_epi32;
        sll_epi64(a: I, n: I) -> I = _mm_sll_epi64;
        srl_epi16(a: I, n: I) -> I = _mm_srl_epi16;
        srl_epi32(a: I, n: I) -> I = _mm_srl_epi32;
        srl_epi64(a: I, n: I) -> I = _mm_srl_epi64;
        sra_epi16(a: I, n: I) -> I = _mm_sra_epi16;
        sra_epi32(a: I, n: I) -> I = _mm_sra_epi32;
        add_ps(a: F, b: F) -> F = _mm_add_ps;
        sub_ps(a: F, b: F) -> F = _mm_sub_ps;
        mul_ps(a: F, b: F) -> F = _mm_mul_ps;
        div_ps(a: F, b: F) -> F = _mm_div_ps;
        sqrt_ps(a: F) -> F = _mm_sqrt_ps;
        min_ps(a: F, b: F) -> F = _mm_min_ps;
        max_ps(a: F, b: F) -> F = _mm_max_ps;
        cmpeq_ps(a: F, b: F) -> F = _mm_cmpeq_ps;
        cmpneq_ps(a: F, b: F) -> F = _mm_cmpneq_ps;
        cmplt_ps(a: F, b: F) -> F = _mm_cmplt_ps;
        cmple_ps(a: F, b: F) -> F = _mm_cmple_ps;
        cmpgt_ps(a: F, b: F) -> F = _mm_cmpgt_ps;
        cmpge_ps(a: F, b: F) -> F = _mm_cmpge_ps;
        cmpunord_ps(a: F, b: F) -> F = _mm_cmpunord_ps;
        cvtepi32_ps(a: I) -> F = _mm_cvtepi32_ps;
        cvttps_epi32(a: F) -> I = _mm_cvttps_epi32;
        cvtps_pd(a: F) -> D = _mm_cvtps_pd;
        cvtpd_ps(a: D) -> F = _mm_cvtpd_ps;
        cvtepi32_pd(a: I) -> D = _mm_cvtepi32_pd;
        add_pd(a: D, b: D) -> D = _mm_add_pd;
        sub_pd(a: D, b: D) -> D = _mm_sub_pd;
        mul_pd(a: D, b: D) -> D = _mm_mul_pd;
        div_pd(a: D, b: D) -> D = _mm_div_pd;
        sqrt_pd(a: D) -> D = _mm_sqrt_pd;
        min_pd(a: D, b: D) -> D = _mm_min_pd;
        max_pd(a: D, b: D) -> D = _mm_max_pd;
        cmpeq_pd(a: D, b: D) -> D = _mm_cmpeq_pd;
        cmpneq_pd(a: D, b: D) -> D = _mm_cmpneq_pd;
        cmplt_pd(a: D, b: D) -> D = _mm_cmplt_pd;
        cmple_pd(a: D, b: D) -> D = _mm_cmple_pd;
        cmpgt_pd(a: D, b: D) -> D = _mm_cmpgt_pd;
        cmpge_pd(a: D, b: D) -> D = _mm_cmpge_pd;
        cmpunord_pd(a: D, b: D) -> D = _mm_cmpunord_pd;
    }

    /// A `v128` as a vector register.
    #[inline(always)]
    fn v(x: u128) -> I {
        set_epi64x((x >> 64) as i64, x as i64)
    }

    /// A vector register as a `v128`.
    #[inline(always)]
    fn u(x: I) -> u128 {
        let lo = cvtsi128_si64(x) as u64;
        let hi = cvtsi128_si64(unpackhi_epi64(x, x)) as u64;
        u128::from(lo) | u128::from(hi) << 64
    }

    #[inline(always)]
    fn ps(x: u128) -> F {
        castsi128_ps(v(x))
    }

    #[inline(always)]
    fn from_ps(x: F) -> u128 {
        u(castps_si128(x))
    }

    #[inline(always)]
    fn pd(x: u128) -> D {
        castsi128_pd(v(x))
    }

    #[inline(always)]
    fn from_pd(x: D) -> u128 {
        u(castpd_si128(x))
    }

    #[inline(always)]
    fn ones() -> I {
        set1_epi8(-1)
    }

    #[inline(always)]
    fn not(x: I) -> I {
        xor(x, ones())
    }

    /// Lanes of `a` where `m` is all-ones, of `b` elsewhere.
    #[inline(always)]
    fn select(m: I, a: I, b: I) -> I {
        or(and(m, a), andnot(m, b))
    }

    /// A shift count for `sll`/`srl`/`sra` (in the low 64 bits of a vector).
    #[inline(always)]
    fn count(n: u32) -> I {
        cvtsi32_si128(n as i32)
    }

    /// `fn name(a: u128, b: u128) -> u128 { u(op(v(a), v(b))) }` and unary, float likewise.
    macro_rules! ops {
        ($($name:ident($($x:ident),*) = $e:expr;)*) => {$(
            #[inline]
            pub(crate) fn $name($($x: u128),*) -> u128 {
                $e
            }
        )*};
    }

    const S8: i8 = i8::MIN;
    const S16: i16 = i16::MIN;
    const S32: i32 = i32::MIN;

    /// Sign bits flipped: unsigned order becomes signed order.
    #[inline(always)]
    fn flip8(x: u128) -> I {
        xor(v(x), set1_epi8(S8))
    }
    #[inline(always)]
    fn flip16(x: u128) -> I {
        xor(v(x), set1_epi16(S16))
    }
    #[inline(always)]
    fn flip32(x: u128) -> I {
        xor(v(x), set1_epi32(S32))
    }

    // i8x16
    ops! {
        i8x16_add(a, b) = u(add_epi8(v(a), v(b)));
        i8x16_sub(a, b) = u(sub_epi8(v(a), v(b)));
        i8x16_add_sat_s(a, b) = u(adds_epi8(v(a), v(b)));
        i8x16_add_sat_u(a, b) = u(adds_epu8(v(a), v(b)));
        i8x16_sub_sat_s(a, b) = u(subs_epi8(v(a), v(b)));
        i8x16_sub_sat_u(a, b) = u(subs_epu8(v(a), v(b)));
        i8x16_min_u(a, b) = u(min_epu8(v(a), v(b)));
        i8x16_max_u(a, b) = u(max_epu8(v(a), v(b)));
        i8x16_min_s(a, b) = u(xor(min_epu8(flip8(a), flip8(b)), set1_epi8(S8)));
        i8x16_max_s(a, b) = u(xor(max_epu8(flip8(a), flip8(b)), set1_epi8(S8)));
        i8x16_avgr_u(a, b) = u(avg_epu8(v(a), v(b)));
        i8x16_eq(a, b) = u(cmpeq_epi8(v(a), v(b)));
        i8x16_ne(a, b) = u(not(cmpeq_epi8(v(a), v(b))));
        i8x16_gt_s(a, b) = u(cmpgt_epi8(v(a), v(b)));
        i8x16_lt_s(a, b) = u(cmpgt_epi8(v(b), v(a)));
        i8x16_le_s(a, b) = u(not(cmpgt_epi8(v(a), v(b))));
        i8x16_ge_s(a, b) = u(not(cmpgt_epi8(v(b), v(a))));
        i8x16_gt_u(a, b) = u(cmpgt_epi8(flip8(a), flip8(b)));
        i8x16_lt_u(a, b) = u(cmpgt_epi8(flip8(b), flip8(a)));
        i8x16_le_u(a, b) = u(cmpeq_epi8(min_epu8(v(a), v(b)), v(a)));
        i8x16_ge_u(a, b) = u(cmpeq_epi8(max_epu8(v(a), v(b)), v(a)));
        i8x16_neg(a) = u(sub_epi8(setzero(), v(a)));
        i8x16_narrow_i16x8_s(a, b) = u(packs_epi16(v(a), v(b)));
        i8x16_narrow_i16x8_u(a, b) = u(packus_epi16(v(a), v(b)));
    }

    /// `i8x16.abs`: `(x ^ m) - m` with `m` the lane's sign.
    #[inline]
    pub(crate) fn i8x16_abs(a: u128) -> u128 {
        let (x, m) = (v(a), cmpgt_epi8(setzero(), v(a)));
        u(sub_epi8(xor(x, m), m))
    }

    /// `i8x16.popcnt`: the classic bit-slice count; 16-bit shifts, masks stop the bleed.
    #[inline]
    pub(crate) fn i8x16_popcnt(a: u128) -> u128 {
        let x = v(a);
        let x = sub_epi8(x, and(srl_epi16(x, count(1)), set1_epi8(0x55)));
        let x = add_epi8(
            and(x, set1_epi8(0x33)),
            and(srl_epi16(x, count(2)), set1_epi8(0x33)),
        );
        u(and(add_epi8(x, srl_epi16(x, count(4))), set1_epi8(0x0f)))
    }

    /// `i8x16.shl`: a 16-bit shift; the mask drops the bits that crossed into the next byte.
    #[inline]
    pub(crate) fn i8x16_shl(a: u128, n: u32) -> u128 {
        let s = n & 7;
        u(and(
            sll_epi16(v(a), count(s)),
            set1_epi8((0xffu8 << s) as i8),
        ))
    }

    /// `i8x16.shr_u`: as [`i8x16_shl`].
    #[inline]
    pub(crate) fn i8x16_shr_u(a: u128, n: u32) -> u128 {
        let s = n & 7;
        u(and(
            srl_epi16(v(a), count(s)),
            set1_epi8((0xffu8 >> s) as i8),
        ))
    }

    /// `i8x16.shr_s`: each byte doubled into a 16-bit lane, shifted by `8 + s`, packed back.
    #[inline]
    pub(crate) fn i8x16_shr_s(a: u128, n: u32) -> u128 {
        let (x, s) = (v(a), count((n & 7) + 8));
        u(packs_epi16(
            sra_epi16(unpacklo_epi8(x, x), s),
            sra_epi16(unpackhi_epi8(x, x), s),
        ))
    }

    #[inline]
    pub(crate) fn i8x16_bitmask(a: u128) -> u32 {
        movemask_epi8(v(a)) as u32
    }

    #[inline]
    pub(crate) fn i8x16_all_true(a: u128) -> u32 {
        u32::from(movemask_epi8(cmpeq_epi8(v(a), setzero())) == 0)
    }

    // i16x8
    ops! {
        i16x8_add(a, b) = u(add_epi16(v(a), v(b)));
        i16x8_sub(a, b) = u(sub_epi16(v(a), v(b)));
        i16x8_add_sat_s(a, b) = u(adds_epi16(v(a), v(b)));
        i16x8_add_sat_u(a, b) = u(adds_epu16(v(a), v(b)));
        i16x8_sub_sat_s(a, b) = u(subs_epi16(v(a), v(b)));
        i16x8_sub_sat_u(a, b) = u(subs_epu16(v(a), v(b)));
        i16x8_mul(a, b) = u(mullo_epi16(v(a), v(b)));
        i16x8_min_s(a, b) = u(min_epi16(v(a), v(b)));
        i16x8_max_s(a, b) = u(max_epi16(v(a), v(b)));
        i16x8_min_u(a, b) = u(xor(min_epi16(flip16(a), flip16(b)), set1_epi16(S16)));
        i16x8_max_u(a, b) = u(xor(max_epi16(flip16(a), flip16(b)), set1_epi16(S16)));
        i16x8_avgr_u(a, b) = u(avg_epu16(v(a), v(b)));
        i16x8_eq(a, b) = u(cmpeq_epi16(v(a), v(b)));
        i16x8_ne(a, b) = u(not(cmpeq_epi16(v(a), v(b))));
        i16x8_gt_s(a, b) = u(cmpgt_epi16(v(a), v(b)));
        i16x8_lt_s(a, b) = u(cmpgt_epi16(v(b), v(a)));
        i16x8_le_s(a, b) = u(not(cmpgt_epi16(v(a), v(b))));
        i16x8_ge_s(a, b) = u(not(cmpgt_epi16(v(b), v(a))));
        i16x8_gt_u(a, b) = u(cmpgt_epi16(flip16(a), flip16(b)));
        i16x8_lt_u(a, b) = u(cmpgt_epi16(flip16(b), flip16(a)));
        i16x8_le_u(a, b) = u(not(cmpgt_epi16(flip16(a), flip16(b))));
        i16x8_ge_u(a, b) = u(not(cmpgt_epi16(flip16(b), flip16(a))));
        i16x8_neg(a) = u(sub_epi16(setzero(), v(a)));
        i16x8_narrow_i32x4_s(a, b) = u(packs_epi32(v(a), v(b)));
        i16x8_extend_low_i8x16_u(a) = u(unpacklo_epi8(v(a), setzero()));
        i16x8_extend_high_i8x16_u(a) = u(unpackhi_epi8(v(a), setzero()));
        i16x8_extend_low_i8x16_s(a) = u(sra_epi16(unpacklo_epi8(v(a), v(a)), count(8)));
        i16x8_extend_high_i8x16_s(a) = u(sra_epi16(unpackhi_epi8(v(a), v(a)), count(8)));
        i16x8_extadd_pairwise_i8x16_u(a) =
            u(add_epi16(and(v(a), set1_epi16(0xff)), srl_epi16(v(a), count(8))));
        i16x8_extadd_pairwise_i8x16_s(a) = u(add_epi16(
            sra_epi16(sll_epi16(v(a), count(8)), count(8)),
            sra_epi16(v(a), count(8))
        ));
        i16x8_extmul_low_i8x16_s(a, b) =
            i16x8_mul(i16x8_extend_low_i8x16_s(a), i16x8_extend_low_i8x16_s(b));
        i16x8_extmul_high_i8x16_s(a, b) =
            i16x8_mul(i16x8_extend_high_i8x16_s(a), i16x8_extend_high_i8x16_s(b));
        i16x8_extmul_low_i8x16_u(a, b) =
            i16x8_mul(i16x8_extend_low_i8x16_u(a), i16x8_extend_low_i8x16_u(b));
        i16x8_extmul_high_i8x16_u(a, b) =
            i16x8_mul(i16x8_extend_high_i8x16_u(a), i16x8_extend_high_i8x16_u(b));
        i16x8_q15mulr_sat_s(a, b) = q15mulr(a, b);
        i16x8_relaxed_q15mulr_s(a, b) = q15mulr(a, b);
    }

    /// `sat_s16((x * y + 0x4000) >> 15)`: the 32-bit products from `mullo`/`mulhi`,
    /// rounded and shifted, packed back with signed saturation.
    #[inline(always)]
    fn q15mulr(a: u128, b: u128) -> u128 {
        let (lo, hi) = (mullo_epi16(v(a), v(b)), mulhi_epi16(v(a), v(b)));
        let (r, s) = (set1_epi32(0x4000), count(15));
        let p0 = sra_epi32(add_epi32(unpacklo_epi16(lo, hi), r), s);
        let p1 = sra_epi32(add_epi32(unpackhi_epi16(lo, hi), r), s);
        u(packs_epi32(p0, p1))
    }

    /// `i16x8.narrow_i32x4_u`: negative lanes to 0, then biased by -0x8000 into signed
    /// saturation (SSE2 has no unsigned 32-to-16 pack) and unbiased.
    #[inline]
    pub(crate) fn i16x8_narrow_i32x4_u(a: u128, b: u128) -> u128 {
        let clamp = |x: I| sub_epi32(and(x, cmpgt_epi32(x, setzero())), set1_epi32(0x8000));
        u(xor(packs_epi32(clamp(v(a)), clamp(v(b))), set1_epi16(S16)))
    }

    #[inline]
    pub(crate) fn i16x8_abs(a: u128) -> u128 {
        let (x, m) = (v(a), sra_epi16(v(a), count(15)));
        u(sub_epi16(xor(x, m), m))
    }

    #[inline]
    pub(crate) fn i16x8_shl(a: u128, n: u32) -> u128 {
        u(sll_epi16(v(a), count(n & 15)))
    }

    #[inline]
    pub(crate) fn i16x8_shr_u(a: u128, n: u32) -> u128 {
        u(srl_epi16(v(a), count(n & 15)))
    }

    #[inline]
    pub(crate) fn i16x8_shr_s(a: u128, n: u32) -> u128 {
        u(sra_epi16(v(a), count(n & 15)))
    }

    #[inline]
    pub(crate) fn i16x8_bitmask(a: u128) -> u32 {
        movemask_epi8(packs_epi16(v(a), setzero())) as u32
    }

    #[inline]
    pub(crate) fn i16x8_all_true(a: u128) -> u32 {
        u32::from(movemask_epi8(cmpeq_epi16(v(a), setzero())) == 0)
    }

    // i32x4
    ops! {
        i32x4_add(a, b) = u(add_epi32(v(a), v(b)));
        i32x4_sub(a, b) = u(sub_epi32(v(a), v(b)));
        i32x4_eq(a, b) = u(cmpeq_epi32(v(a), v(b)));
        i32x4_ne(a, b) = u(not(cmpeq_epi32(v(a), v(b))));
        i32x4_gt_s(a, b) = u(cmpgt_epi32(v(a), v(b)));
        i32x4_lt_s(a, b) = u(cmpgt_epi32(v(b), v(a)));
        i32x4_le_s(a, b) = u(not(cmpgt_epi32(v(a), v(b))));
        i32x4_ge_s(a, b) = u(not(cmpgt_epi32(v(b), v(a))));
        i32x4_gt_u(a, b) = u(cmpgt_epi32(flip32(a), flip32(b)));
        i32x4_lt_u(a, b) = u(cmpgt_epi32(flip32(b), flip32(a)));
        i32x4_le_u(a, b) = u(not(cmpgt_epi32(flip32(a), flip32(b))));
        i32x4_ge_u(a, b) = u(not(cmpgt_epi32(flip32(b), flip32(a))));
        i32x4_min_s(a, b) = u(select(cmpgt_epi32(v(a), v(b)), v(b), v(a)));
        i32x4_max_s(a, b) = u(select(cmpgt_epi32(v(a), v(b)), v(a), v(b)));
        i32x4_min_u(a, b) = u(select(cmpgt_epi32(flip32(a), flip32(b)), v(b), v(a)));
        i32x4_max_u(a, b) = u(select(cmpgt_epi32(flip32(a), flip32(b)), v(a), v(b)));
        i32x4_neg(a) = u(sub_epi32(setzero(), v(a)));
        i32x4_dot_i16x8_s(a, b) = u(madd_epi16(v(a), v(b)));
        i32x4_extend_low_i16x8_u(a) = u(unpacklo_epi16(v(a), setzero()));
        i32x4_extend_high_i16x8_u(a) = u(unpackhi_epi16(v(a), setzero()));
        i32x4_extend_low_i16x8_s(a) = u(sra_epi32(unpacklo_epi16(v(a), v(a)), count(16)));
        i32x4_extend_high_i16x8_s(a) = u(sra_epi32(unpackhi_epi16(v(a), v(a)), count(16)));
        i32x4_extadd_pairwise_i16x8_s(a) = u(madd_epi16(v(a), set1_epi16(1)));
        i32x4_extadd_pairwise_i16x8_u(a) =
            u(add_epi32(and(v(a), set1_epi32(0xffff)), srl_epi32(v(a), count(16))));
        i32x4_extmul_low_i16x8_s(a, b) =
            u(unpacklo_epi16(mullo_epi16(v(a), v(b)), mulhi_epi16(v(a), v(b))));
        i32x4_extmul_high_i16x8_s(a, b) =
            u(unpackhi_epi16(mullo_epi16(v(a), v(b)), mulhi_epi16(v(a), v(b))));
        i32x4_extmul_low_i16x8_u(a, b) =
            u(unpacklo_epi16(mullo_epi16(v(a), v(b)), mulhi_epu16(v(a), v(b))));
        i32x4_extmul_high_i16x8_u(a, b) =
            u(unpackhi_epi16(mullo_epi16(v(a), v(b)), mulhi_epu16(v(a), v(b))));
        i32x4_trunc_sat_f32x4_s(a) = trunc_sat_s(a);
        i32x4_relaxed_trunc_f32x4_s(a) = trunc_sat_s(a);
        f32x4_convert_i32x4_s(a) = from_ps(cvtepi32_ps(v(a)));
    }

    /// `i32x4.mul`: `pmuludq` of the even lanes and of the odd lanes (shifted down), the
    /// low halves of the 64-bit products put back in place.
    #[inline]
    pub(crate) fn i32x4_mul(a: u128, b: u128) -> u128 {
        let (x, y, s) = (v(a), v(b), count(32));
        let even = mul_epu32(x, y);
        let odd = mul_epu32(srl_epi64(x, s), srl_epi64(y, s));
        u(or(srl_epi64(sll_epi64(even, s), s), sll_epi64(odd, s)))
    }

    #[inline]
    pub(crate) fn i32x4_abs(a: u128) -> u128 {
        let (x, m) = (v(a), sra_epi32(v(a), count(31)));
        u(sub_epi32(xor(x, m), m))
    }

    #[inline]
    pub(crate) fn i32x4_shl(a: u128, n: u32) -> u128 {
        u(sll_epi32(v(a), count(n & 31)))
    }

    #[inline]
    pub(crate) fn i32x4_shr_u(a: u128, n: u32) -> u128 {
        u(srl_epi32(v(a), count(n & 31)))
    }

    #[inline]
    pub(crate) fn i32x4_shr_s(a: u128, n: u32) -> u128 {
        u(sra_epi32(v(a), count(n & 31)))
    }

    #[inline]
    pub(crate) fn i32x4_bitmask(a: u128) -> u32 {
        movemask_ps(ps(a)) as u32
    }

    #[inline]
    pub(crate) fn i32x4_all_true(a: u128) -> u32 {
        u32::from(movemask_epi8(cmpeq_epi32(v(a), setzero())) == 0)
    }

    /// `cvttps2dq` gives `0x8000_0000` for NaN and out-of-range lanes: NaN lanes are
    /// masked to 0 and lanes >= 2^31 flipped to `i32::MAX`.
    #[inline(always)]
    fn trunc_sat_s(a: u128) -> u128 {
        let x = ps(a);
        let r = and(cvttps_epi32(x), castps_si128(cmpeq_ps(x, x)));
        let big = castps_si128(cmpge_ps(x, castsi128_ps(set1_epi32(0x4f00_0000))));
        u(xor(r, big))
    }

    // i64x2 (the rest is cheap on the two 64-bit halves)
    ops! {
        i64x2_add(a, b) = u(add_epi64(v(a), v(b)));
        i64x2_sub(a, b) = u(sub_epi64(v(a), v(b)));
    }

    #[inline]
    pub(crate) fn i64x2_shl(a: u128, n: u32) -> u128 {
        u(sll_epi64(v(a), count(n & 63)))
    }

    #[inline]
    pub(crate) fn i64x2_shr_u(a: u128, n: u32) -> u128 {
        u(srl_epi64(v(a), count(n & 63)))
    }

    /// WebAssembly `fmin`/`fmax` on vectors: `minps` both ways round, or-ed (`-0.0` wins a
    /// tie of zeros) for min and and-ed for max; NaN lanes take `a + b` like [`super::lanes`].
    macro_rules! wasm_minmax {
        ($name:ident, $t:ident, $from:ident, $op:ident, $join:ident, $add:ident, $unord:ident,
         $to_i:ident, $from_i:ident) => {
            #[inline]
            pub(crate) fn $name(a: u128, b: u128) -> u128 {
                let (x, y) = ($t(a), $t(b));
                let m = $join($to_i($op(x, y)), $to_i($op(y, x)));
                let nan = $to_i($unord(x, y));
                $from(select(nan, $to_i($add(x, y)), m))
            }
        };
    }

    // (Always inlined, as every helper here: a vector passed to a function left out of
    // line goes through memory in the caller's frame, which keeps the handler from handing
    // over by a jump.)
    #[inline(always)]
    fn ps_i(x: F) -> I {
        castps_si128(x)
    }
    #[inline(always)]
    fn pd_i(x: D) -> I {
        castpd_si128(x)
    }
    #[inline(always)]
    fn from_i(x: I) -> u128 {
        u(x)
    }

    wasm_minmax!(
        f32x4_min,
        ps,
        from_i,
        min_ps,
        or,
        add_ps,
        cmpunord_ps,
        ps_i,
        from_i
    );
    wasm_minmax!(
        f32x4_max,
        ps,
        from_i,
        max_ps,
        and,
        add_ps,
        cmpunord_ps,
        ps_i,
        from_i
    );
    wasm_minmax!(
        f64x2_min,
        pd,
        from_i,
        min_pd,
        or,
        add_pd,
        cmpunord_pd,
        pd_i,
        from_i
    );
    wasm_minmax!(
        f64x2_max,
        pd,
        from_i,
        max_pd,
        and,
        add_pd,
        cmpunord_pd,
        pd_i,
        from_i
    );

    // f32x4
    ops! {
        f32x4_add(a, b) = from_ps(add_ps(ps(a), ps(b)));
        f32x4_sub(a, b) = from_ps(sub_ps(ps(a), ps(b)));
        f32x4_mul(a, b) = from_ps(mul_ps(ps(a), ps(b)));
        f32x4_div(a, b) = from_ps(div_ps(ps(a), ps(b)));
        f32x4_sqrt(a) = from_ps(sqrt_ps(ps(a)));
        f32x4_relaxed_min(a, b) = f32x4_min(a, b);
        f32x4_relaxed_max(a, b) = f32x4_max(a, b);
        f32x4_pmin(a, b) = from_ps(min_ps(ps(b), ps(a)));
        f32x4_pmax(a, b) = from_ps(max_ps(ps(b), ps(a)));
        f32x4_eq(a, b) = from_ps(cmpeq_ps(ps(a), ps(b)));
        f32x4_ne(a, b) = from_ps(cmpneq_ps(ps(a), ps(b)));
        f32x4_lt(a, b) = from_ps(cmplt_ps(ps(a), ps(b)));
        f32x4_le(a, b) = from_ps(cmple_ps(ps(a), ps(b)));
        f32x4_gt(a, b) = from_ps(cmpgt_ps(ps(a), ps(b)));
        f32x4_ge(a, b) = from_ps(cmpge_ps(ps(a), ps(b)));
        f32x4_relaxed_madd(a, b, c) = from_ps(add_ps(mul_ps(ps(a), ps(b)), ps(c)));
        f32x4_relaxed_nmadd(a, b, c) =
            from_ps(add_ps(mul_ps(ps(a ^ super::SIGN32), ps(b)), ps(c)));
        f32x4_demote_f64x2_zero(a) = from_ps(cvtpd_ps(pd(a)));
        f64x2_promote_low_f32x4(a) = from_pd(cvtps_pd(ps(a)));
        f64x2_convert_low_i32x4_s(a) = from_pd(cvtepi32_pd(v(a)));
    }

    // f64x2
    ops! {
        f64x2_add(a, b) = from_pd(add_pd(pd(a), pd(b)));
        f64x2_sub(a, b) = from_pd(sub_pd(pd(a), pd(b)));
        f64x2_mul(a, b) = from_pd(mul_pd(pd(a), pd(b)));
        f64x2_div(a, b) = from_pd(div_pd(pd(a), pd(b)));
        f64x2_sqrt(a) = from_pd(sqrt_pd(pd(a)));
        f64x2_relaxed_min(a, b) = f64x2_min(a, b);
        f64x2_relaxed_max(a, b) = f64x2_max(a, b);
        f64x2_pmin(a, b) = from_pd(min_pd(pd(b), pd(a)));
        f64x2_pmax(a, b) = from_pd(max_pd(pd(b), pd(a)));
        f64x2_eq(a, b) = from_pd(cmpeq_pd(pd(a), pd(b)));
        f64x2_ne(a, b) = from_pd(cmpneq_pd(pd(a), pd(b)));
        f64x2_lt(a, b) = from_pd(cmplt_pd(pd(a), pd(b)));
        f64x2_le(a, b) = from_pd(cmple_pd(pd(a), pd(b)));
        f64x2_gt(a, b) = from_pd(cmpgt_pd(pd(a), pd(b)));
        f64x2_ge(a, b) = from_pd(cmpge_pd(pd(a), pd(b)));
        f64x2_relaxed_madd(a, b, c) = from_pd(add_pd(mul_pd(pd(a), pd(b)), pd(c)));
        f64x2_relaxed_nmadd(a, b, c) =
            from_pd(add_pd(mul_pd(pd(a ^ super::SIGN64), pd(b)), pd(c)));
    }

    // Memory transforms: the widening loads.
    #[inline]
    pub(crate) fn v128_load8x8_s(bits: u64) -> u128 {
        i16x8_extend_low_i8x16_s(u128::from(bits))
    }
    #[inline]
    pub(crate) fn v128_load8x8_u(bits: u64) -> u128 {
        i16x8_extend_low_i8x16_u(u128::from(bits))
    }
    #[inline]
    pub(crate) fn v128_load16x4_s(bits: u64) -> u128 {
        i32x4_extend_low_i16x8_s(u128::from(bits))
    }
    #[inline]
    pub(crate) fn v128_load16x4_u(bits: u64) -> u128 {
        i32x4_extend_low_i16x8_u(u128::from(bits))
    }
}

/// The fast paths replace their [`lanes`] namesakes (an explicit import shadows the glob).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
pub(crate) use sse::{
    f32x4_add, f32x4_convert_i32x4_s, f32x4_demote_f64x2_zero, f32x4_div, f32x4_eq, f32x4_ge,
    f32x4_gt, f32x4_le, f32x4_lt, f32x4_max, f32x4_min, f32x4_mul, f32x4_ne, f32x4_pmax,
    f32x4_pmin, f32x4_relaxed_madd, f32x4_relaxed_max, f32x4_relaxed_min, f32x4_relaxed_nmadd,
    f32x4_sqrt, f32x4_sub, f64x2_add, f64x2_convert_low_i32x4_s, f64x2_div, f64x2_eq, f64x2_ge,
    f64x2_gt, f64x2_le, f64x2_lt, f64x2_max, f64x2_min, f64x2_mul, f64x2_ne, f64x2_pmax,
    f64x2_pmin, f64x2_promote_low_f32x4, f64x2_relaxed_madd, f64x2_relaxed_max, f64x2_relaxed_min,
    f64x2_relaxed_nmadd, f64x2_sqrt, f64x2_sub, i16x8_abs, i16x8_add, i16x8_add_sat_s,
    i16x8_add_sat_u, i16x8_all_true, i16x8_avgr_u, i16x8_bitmask, i16x8_eq,
    i16x8_extadd_pairwise_i8x16_s, i16x8_extadd_pairwise_i8x16_u, i16x8_extend_high_i8x16_s,
    i16x8_extend_high_i8x16_u, i16x8_extend_low_i8x16_s, i16x8_extend_low_i8x16_u,
    i16x8_extmul_high_i8x16_s, i16x8_extmul_high_i8x16_u, i16x8_extmul_low_i8x16_s,
    i16x8_extmul_low_i8x16_u, i16x8_ge_s, i16x8_ge_u, i16x8_gt_s, i16x8_gt_u, i16x8_le_s,
    i16x8_le_u, i16x8_lt_s, i16x8_lt_u, i16x8_max_s, i16x8_max_u, i16x8_min_s, i16x8_min_u,
    i16x8_mul, i16x8_narrow_i32x4_s, i16x8_narrow_i32x4_u, i16x8_ne, i16x8_neg,
    i16x8_q15mulr_sat_s, i16x8_relaxed_q15mulr_s, i16x8_shl, i16x8_shr_s, i16x8_shr_u, i16x8_sub,
    i16x8_sub_sat_s, i16x8_sub_sat_u, i32x4_abs, i32x4_add, i32x4_all_true, i32x4_bitmask,
    i32x4_dot_i16x8_s, i32x4_eq, i32x4_extadd_pairwise_i16x8_s, i32x4_extadd_pairwise_i16x8_u,
    i32x4_extend_high_i16x8_s, i32x4_extend_high_i16x8_u, i32x4_extend_low_i16x8_s,
    i32x4_extend_low_i16x8_u, i32x4_extmul_high_i16x8_s, i32x4_extmul_high_i16x8_u,
    i32x4_extmul_low_i16x8_s, i32x4_extmul_low_i16x8_u, i32x4_ge_s, i32x4_ge_u, i32x4_gt_s,
    i32x4_gt_u, i32x4_le_s, i32x4_le_u, i32x4_lt_s, i32x4_lt_u, i32x4_max_s, i32x4_max_u,
    i32x4_min_s, i32x4_min_u, i32x4_mul, i32x4_ne, i32x4_neg, i32x4_relaxed_trunc_f32x4_s,
    i32x4_shl, i32x4_shr_s, i32x4_shr_u, i32x4_sub, i32x4_trunc_sat_f32x4_s, i64x2_add, i64x2_shl,
    i64x2_shr_u, i64x2_sub, i8x16_abs, i8x16_add, i8x16_add_sat_s, i8x16_add_sat_u, i8x16_all_true,
    i8x16_avgr_u, i8x16_bitmask, i8x16_eq, i8x16_ge_s, i8x16_ge_u, i8x16_gt_s, i8x16_gt_u,
    i8x16_le_s, i8x16_le_u, i8x16_lt_s, i8x16_lt_u, i8x16_max_s, i8x16_max_u, i8x16_min_s,
    i8x16_min_u, i8x16_narrow_i16x8_s, i8x16_narrow_i16x8_u, i8x16_ne, i8x16_neg, i8x16_popcnt,
    i8x16_shl, i8x16_shr_s, i8x16_shr_u, i8x16_sub, i8x16_sub_sat_s, i8x16_sub_sat_u,
    v128_load16x4_s, v128_load16x4_u, v128_load8x8_s, v128_load8x8_u,
};

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod word_shuffle_tests {
    use super::*;

    /// A shuffle of whole 32-bit lanes gives the same result by words as by bytes; one
    /// that splits a lane is not taken for one.
    #[test]
    fn word_shuffles_match_byte_shuffles() {
        let (a, b) = (
            0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100u128,
            0x1f1e_1d1c_1b1a_1918_1716_1514_1312_1110u128,
        );
        for words in [[0, 0, 0, 0], [3, 2, 1, 0], [0, 4, 1, 5], [7, 7, 2, 6]] {
            let mut lanes = [0u8; 16];
            for (i, w) in words.iter().enumerate() {
                for k in 0..4 {
                    lanes[4 * i + k] = 4 * w + k as u8;
                }
            }
            assert_eq!(shuffle_words(&lanes), Some(words));
            assert_eq!(i32x4_shuffle(a, b, words), i8x16_shuffle(a, b, lanes));
        }
        let mut split = core::array::from_fn(|i| i as u8);
        split.swap(0, 1);
        assert_eq!(shuffle_words(&split), None);
        let unaligned: [u8; 16] = core::array::from_fn(|i| i as u8 + 1);
        assert_eq!(shuffle_words(&unaligned), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f32s(x: [f32; 4]) -> u128 {
        from_f32x4(x)
    }

    fn f64s(x: [f64; 2]) -> u128 {
        from_f64x2(x)
    }

    /// `f32` lane bits of `v`.
    fn bits32(v: u128) -> [u32; 4] {
        u32x4(v)
    }

    fn splat8(x: i8) -> u128 {
        from_i8x16([x; 16])
    }

    fn splat16(x: i16) -> u128 {
        from_i16x8([x; 8])
    }

    #[test]
    fn representation_is_little_endian() {
        let v = 0x0f0e0d0c_0b0a0908_07060504_03020100u128;
        assert_eq!(u8x16(v), core::array::from_fn(|i| i as u8));
        assert_eq!(u16x8(v)[0], 0x0100);
        assert_eq!(u32x4(v)[3], 0x0f0e0d0c);
        assert_eq!(u64x2(v)[1], 0x0f0e0d0c_0b0a0908);
        for i in 0..16u8 {
            assert_eq!(i8x16_extract_lane_u(v, i), u32::from(i));
        }
        assert_eq!(from_i16x8(i16x8(v)), v);
        assert_eq!(from_i64x2(i64x2(v)), v);
    }

    #[test]
    fn bitwise() {
        let a = 0xff00_ff00u128;
        let b = 0xf0f0_f0f0u128;
        assert_eq!(v128_not(0), u128::MAX);
        assert_eq!(v128_and(a, b), 0xf000_f000);
        assert_eq!(v128_andnot(a, b), 0x0f00_0f00);
        assert_eq!(v128_or(a, b), 0xfff0_fff0);
        assert_eq!(v128_xor(a, b), 0x0ff0_0ff0);
        assert_eq!(v128_bitselect(u128::MAX, 0, 0xabcd), 0xabcd);
        assert_eq!(v128_bitselect(a, b, 0xffff_0000), 0xff00_f0f0);
        assert_eq!(v128_any_true(0), 0);
        assert_eq!(v128_any_true(1 << 127), 1);
    }

    #[test]
    fn splat_extract_replace() {
        assert_eq!(i8x16_splat(0x1ff), u128::MAX);
        assert_eq!(i16x8_splat(0x1_2345), from_u16x8([0x2345; 8]));
        assert_eq!(i32x4_splat(7), from_u32x4([7; 4]));
        assert_eq!(i64x2_splat(u64::MAX), u128::MAX);
        assert_eq!(f32x4_splat(1.5f32.to_bits()), f32s([1.5; 4]));
        assert_eq!(f64x2_splat((-2.0f64).to_bits()), f64s([-2.0; 2]));

        let v = from_i8x16([0, -1, 2, -128, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 127]);
        assert_eq!(i8x16_extract_lane_s(v, 1), u32::MAX);
        assert_eq!(i8x16_extract_lane_u(v, 1), 0xff);
        assert_eq!(i8x16_extract_lane_s(v, 3), (-128i32) as u32);
        assert_eq!(i8x16_extract_lane_s(v, 15), 127);
        // Out-of-range indices are masked, never panic.
        assert_eq!(i8x16_extract_lane_u(v, 17), 0xff);

        let w = from_i16x8([0, -1, 0x7fff, -0x8000, 0, 0, 0, 0]);
        assert_eq!(i16x8_extract_lane_s(w, 1), u32::MAX);
        assert_eq!(i16x8_extract_lane_u(w, 1), 0xffff);
        assert_eq!(i16x8_extract_lane_s(w, 3), 0xffff_8000);
        assert_eq!(i16x8_extract_lane_u(w, 3), 0x8000);
        assert_eq!(i16x8_extract_lane_u(w, 10), 0x7fff);

        let x = from_u32x4([1, 2, 3, 4]);
        assert_eq!(i32x4_extract_lane(x, 2), 3);
        assert_eq!(f32x4_extract_lane(x, 7), 4);
        assert_eq!(i64x2_extract_lane(u128::MAX, 1), u64::MAX);
        assert_eq!(f64x2_extract_lane(f64s([1.0, 2.0]), 1), 2.0f64.to_bits());

        assert_eq!(i8x16_replace_lane(0, 15, 0x1ab), 0xab << 120);
        assert_eq!(i16x8_replace_lane(0, 1, 0xf_beef), 0xbeef << 16);
        assert_eq!(i32x4_replace_lane(x, 0, 9), from_u32x4([9, 2, 3, 4]));
        assert_eq!(f32x4_replace_lane(x, 5, 9), from_u32x4([1, 9, 3, 4]));
        assert_eq!(i64x2_replace_lane(0, 1, 5), 5 << 64);
        assert_eq!(f64x2_replace_lane(u128::MAX, 0, 0), u128::MAX << 64);
    }

    #[test]
    fn memory_transforms() {
        let bits = 0x8081_7f01_ff00_0102u64;
        assert_eq!(
            v128_load8x8_s(bits),
            from_i16x8([2, 1, 0, -1, 1, 127, -127, -128])
        );
        assert_eq!(
            v128_load8x8_u(bits),
            from_u16x8([2, 1, 0, 255, 1, 127, 129, 128])
        );
        assert_eq!(
            v128_load16x4_s(bits),
            from_i32x4([0x0102, -256, 0x7f01, -32639])
        );
        assert_eq!(
            v128_load16x4_u(bits),
            from_u32x4([0x0102, 0xff00, 0x7f01, 0x8081])
        );
        assert_eq!(
            v128_load32x2_s(bits),
            from_i64x2([0xff00_0102u32 as i32 as i64, 0x8081_7f01u32 as i32 as i64])
        );
        assert_eq!(
            v128_load32x2_u(bits),
            from_u64x2([0xff00_0102, 0x8081_7f01])
        );
        assert_eq!(v128_load8_splat(0x80), from_u8x16([0x80; 16]));
        assert_eq!(v128_load16_splat(0xabcd), from_u16x8([0xabcd; 8]));
        assert_eq!(v128_load32_splat(0xdead_beef), from_u32x4([0xdead_beef; 4]));
        assert_eq!(v128_load64_splat(bits), from_u64x2([bits; 2]));
        assert_eq!(v128_load32_zero(0xffff_ffff), 0xffff_ffff);
        assert_eq!(v128_load64_zero(u64::MAX), u128::from(u64::MAX));
    }

    #[test]
    fn shuffle_and_swizzle() {
        let a = from_u8x16(core::array::from_fn(|i| i as u8));
        let b = from_u8x16(core::array::from_fn(|i| 0x10 + i as u8));
        let lanes = [31, 0, 16, 15, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22];
        assert_eq!(u8x16(i8x16_shuffle(a, b, lanes)), lanes);
        // Indices are masked to 0..32.
        assert_eq!(u8x16(i8x16_shuffle(a, b, [32 + 5; 16])), [5; 16]);

        let idx = from_u8x16([15, 0, 16, 255, 0x80, 1, 14, 2, 100, 3, 17, 4, 5, 6, 7, 8]);
        let expected = [15, 0, 0, 0, 0, 1, 14, 2, 0, 3, 0, 4, 5, 6, 7, 8];
        assert_eq!(u8x16(i8x16_swizzle(a, idx)), expected);
        assert_eq!(u8x16(i8x16_relaxed_swizzle(a, idx)), expected);
    }

    #[test]
    fn i8x16_arith_and_saturation() {
        assert_eq!(i8x16_add(splat8(127), splat8(1)), splat8(-128));
        assert_eq!(i8x16_sub(splat8(-128), splat8(1)), splat8(127));
        assert_eq!(i8x16_add_sat_s(splat8(127), splat8(1)), splat8(127));
        assert_eq!(i8x16_add_sat_s(splat8(-128), splat8(-1)), splat8(-128));
        assert_eq!(i8x16_add_sat_u(splat8(-1), splat8(1)), splat8(-1));
        assert_eq!(i8x16_sub_sat_s(splat8(-128), splat8(1)), splat8(-128));
        assert_eq!(i8x16_sub_sat_s(splat8(127), splat8(-1)), splat8(127));
        assert_eq!(i8x16_sub_sat_u(splat8(0), splat8(1)), splat8(0));
        assert_eq!(i8x16_sub_sat_u(splat8(-1), splat8(-2)), splat8(1));
        assert_eq!(i8x16_min_s(splat8(-1), splat8(1)), splat8(-1));
        assert_eq!(i8x16_min_u(splat8(-1), splat8(1)), splat8(1));
        assert_eq!(i8x16_max_s(splat8(-1), splat8(1)), splat8(1));
        assert_eq!(i8x16_max_u(splat8(-1), splat8(1)), splat8(-1));
        assert_eq!(i8x16_avgr_u(splat8(-1), splat8(-2)), splat8(-1));
        assert_eq!(i8x16_avgr_u(splat8(0), splat8(1)), splat8(1));
        assert_eq!(i8x16_abs(splat8(-128)), splat8(-128));
        assert_eq!(i8x16_abs(splat8(-5)), splat8(5));
        assert_eq!(i8x16_neg(splat8(-128)), splat8(-128));
        assert_eq!(i8x16_neg(splat8(1)), splat8(-1));
        assert_eq!(i8x16_popcnt(splat8(-1)), splat8(8));
        assert_eq!(i8x16_popcnt(splat8(0x55)), splat8(4));
    }

    #[test]
    fn i8x16_compare_and_tests() {
        let a = from_i8x16([-1, 0, 1, -128, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let b = from_i8x16([1, 0, -1, 127, -128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let t = -1i8;
        assert_eq!(
            i8x16(i8x16_lt_s(a, b)),
            [t, 0, 0, t, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            i8x16(i8x16_lt_u(a, b)),
            [0, 0, t, 0, t, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(i8x16(i8x16_ge_s(a, b))[0], 0);
        assert_eq!(i8x16(i8x16_ge_u(a, b))[0], t);
        assert_eq!(i8x16(i8x16_le_s(a, b))[1], t);
        assert_eq!(i8x16(i8x16_gt_u(a, b))[3], t);
        assert_eq!(i8x16(i8x16_gt_s(a, b))[3], 0);
        assert_eq!(i8x16(i8x16_le_u(a, b))[3], 0);
        assert_eq!(i8x16_eq(a, a), u128::MAX);
        assert_eq!(i8x16_ne(a, a), 0);
        assert_eq!(i8x16(i8x16_ne(a, b))[0], t);

        assert_eq!(i8x16_bitmask(a), 0b1001);
        assert_eq!(i8x16_bitmask(u128::MAX), 0xffff);
        assert_eq!(i8x16_all_true(a), 0);
        assert_eq!(i8x16_all_true(splat8(1)), 1);
        assert_eq!(i8x16_all_true(u128::MAX >> 8), 0);
    }

    #[test]
    fn shifts_mod_lane_width() {
        let v = splat8(-128);
        assert_eq!(i8x16_shl(splat8(1), 8), splat8(1));
        assert_eq!(i8x16_shl(splat8(1), 9), splat8(2));
        assert_eq!(i8x16_shl(splat8(1), 7), splat8(-128));
        assert_eq!(i8x16_shr_s(v, 7), splat8(-1));
        assert_eq!(i8x16_shr_u(v, 7), splat8(1));
        assert_eq!(i8x16_shr_u(v, 15), splat8(1));

        assert_eq!(i16x8_shl(splat16(1), 16), splat16(1));
        assert_eq!(i16x8_shl(splat16(1), 17), splat16(2));
        assert_eq!(i16x8_shr_s(splat16(-32768), 15), splat16(-1));
        assert_eq!(i16x8_shr_u(splat16(-32768), 31), splat16(1));

        let w = from_i32x4([i32::MIN; 4]);
        assert_eq!(i32x4_shl(from_i32x4([1; 4]), 32), from_i32x4([1; 4]));
        assert_eq!(i32x4_shr_s(w, 33), from_i32x4([-0x4000_0000; 4]));
        assert_eq!(i32x4_shr_u(w, 33), from_i32x4([0x4000_0000; 4]));

        let d = from_i64x2([i64::MIN, 1]);
        assert_eq!(i64x2_shl(d, 64), d);
        assert_eq!(i64x2_shl(d, 65), from_i64x2([0, 2]));
        assert_eq!(i64x2_shr_s(d, 127), from_i64x2([-1, 0]));
        assert_eq!(i64x2_shr_u(d, 63), from_i64x2([1, 0]));
        assert_eq!(i64x2_shr_u(d, u32::MAX), from_i64x2([1, 0]));
    }

    #[test]
    fn swar_add_sub_match_lanewise() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let hi = u128::from(seed);
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (hi << 64) | u128::from(seed)
        };
        let specials = [0, u128::MAX, HIGH8, HIGH16, !HIGH8, !HIGH16, 1];
        let mut inputs: Vec<u128> = specials.to_vec();
        inputs.extend((0..64).map(|_| next()));
        for &a in &inputs {
            for &b in &inputs {
                let (x, y) = (u8x16(a), u8x16(b));
                let add8 = core::array::from_fn(|i| x[i].wrapping_add(y[i]));
                let sub8 = core::array::from_fn(|i| x[i].wrapping_sub(y[i]));
                assert_eq!(i8x16_add(a, b), from_u8x16(add8));
                assert_eq!(i8x16_sub(a, b), from_u8x16(sub8));
                let (x, y) = (u16x8(a), u16x8(b));
                let add16 = core::array::from_fn(|i| x[i].wrapping_add(y[i]));
                let sub16 = core::array::from_fn(|i| x[i].wrapping_sub(y[i]));
                assert_eq!(i16x8_add(a, b), from_u16x8(add16));
                assert_eq!(i16x8_sub(a, b), from_u16x8(sub16));
            }
        }
    }

    #[test]
    fn narrow_saturates() {
        let a = from_i16x8([128, -129, 127, -128, 0x7fff, -0x8000, 1, -1]);
        let b = from_i16x8([0, 255, 256, 300, -300, 2, 3, 4]);
        assert_eq!(
            i8x16(i8x16_narrow_i16x8_s(a, b)),
            [127, -128, 127, -128, 127, -128, 1, -1, 0, 127, 127, 127, -128, 2, 3, 4]
        );
        assert_eq!(
            u8x16(i8x16_narrow_i16x8_u(a, b)),
            [128, 0, 127, 0, 255, 0, 1, 0, 0, 255, 255, 255, 0, 2, 3, 4]
        );
        let c = from_i32x4([65536, -1, 65535, 32768]);
        let d = from_i32x4([-32769, 32767, i32::MIN, i32::MAX]);
        assert_eq!(
            i16x8(i16x8_narrow_i32x4_s(c, d)),
            [32767, -1, 32767, 32767, -32768, 32767, -32768, 32767]
        );
        assert_eq!(
            u16x8(i16x8_narrow_i32x4_u(c, d)),
            [65535, 0, 65535, 32768, 0, 32767, 0, 65535]
        );
    }

    #[test]
    fn i16x8_arith() {
        assert_eq!(i16x8_add(splat16(32767), splat16(1)), splat16(-32768));
        assert_eq!(i16x8_add_sat_s(splat16(32767), splat16(1)), splat16(32767));
        assert_eq!(i16x8_add_sat_u(splat16(-1), splat16(1)), splat16(-1));
        assert_eq!(
            i16x8_sub_sat_s(splat16(-32768), splat16(1)),
            splat16(-32768)
        );
        assert_eq!(i16x8_sub_sat_u(splat16(1), splat16(2)), splat16(0));
        assert_eq!(i16x8_sub(splat16(0), splat16(1)), splat16(-1));
        assert_eq!(i16x8_mul(splat16(0x4000), splat16(4)), splat16(0));
        assert_eq!(i16x8_mul(splat16(-3), splat16(7)), splat16(-21));
        assert_eq!(i16x8_min_u(splat16(-1), splat16(0)), splat16(0));
        assert_eq!(i16x8_max_s(splat16(-1), splat16(0)), splat16(0));
        assert_eq!(i16x8_max_u(splat16(-1), splat16(0)), splat16(-1));
        assert_eq!(i16x8_min_s(splat16(-1), splat16(0)), splat16(-1));
        assert_eq!(i16x8_avgr_u(splat16(-1), splat16(-1)), splat16(-1));
        assert_eq!(i16x8_abs(splat16(-32768)), splat16(-32768));
        assert_eq!(i16x8_neg(splat16(5)), splat16(-5));
        assert_eq!(i16x8_lt_u(splat16(1), splat16(-1)), u128::MAX);
        assert_eq!(i16x8_lt_s(splat16(1), splat16(-1)), 0);
        assert_eq!(i16x8_gt_s(splat16(1), splat16(-1)), u128::MAX);
        assert_eq!(i16x8_gt_u(splat16(1), splat16(-1)), 0);
        assert_eq!(i16x8_le_s(splat16(2), splat16(2)), u128::MAX);
        assert_eq!(i16x8_le_u(splat16(-1), splat16(2)), 0);
        assert_eq!(i16x8_ge_s(splat16(-1), splat16(2)), 0);
        assert_eq!(i16x8_ge_u(splat16(-1), splat16(2)), u128::MAX);
        assert_eq!(i16x8_eq(splat16(3), splat16(3)), u128::MAX);
        assert_eq!(i16x8_ne(splat16(3), splat16(3)), 0);
        let m = from_i16x8([-1, 1, -1, 1, 1, 1, 1, -32768]);
        assert_eq!(i16x8_bitmask(m), 0b1000_0101);
        assert_eq!(i16x8_all_true(m), 1);
        assert_eq!(i16x8_all_true(u128::MAX >> 16), 0);
    }

    #[test]
    fn q15mulr() {
        let cases: [(i16, i16, i16); 10] = [
            (0, 0, 0),
            (1, 1, 0),
            (-1, -1, 0),
            (16383, 16384, 8192),
            (16384, 16384, 8192),
            (-16383, -16384, 8192),
            (-16385, -16384, 8193),
            (32765, 1, 1),
            (-32768, -32768, 32767),
            (-32768, 32767, -32767),
        ];
        for (x, y, r) in cases {
            assert_eq!(i16x8_q15mulr_sat_s(splat16(x), splat16(y)), splat16(r));
            assert_eq!(i16x8_relaxed_q15mulr_s(splat16(x), splat16(y)), splat16(r));
        }
        // From relaxed-simd/i16x8_relaxed_q15mulr_s.wast (first alternative).
        let a = from_i16x8([-32768, -32767, 32767, 0, 0, 0, 0, 0]);
        let b = from_i16x8([-32768, -32768, 32767, 0, 0, 0, 0, 0]);
        assert_eq!(
            i16x8_relaxed_q15mulr_s(a, b),
            from_i16x8([32767, 32767, 32766, 0, 0, 0, 0, 0])
        );
    }

    #[test]
    fn extend_extadd_extmul() {
        let v = from_i8x16([-1, 2, -128, 127, 0, 1, 2, 3, -2, -3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(
            i16x8(i16x8_extend_low_i8x16_s(v)),
            [-1, 2, -128, 127, 0, 1, 2, 3]
        );
        assert_eq!(
            i16x8(i16x8_extend_high_i8x16_s(v)),
            [-2, -3, 4, 5, 6, 7, 8, 9]
        );
        assert_eq!(
            u16x8(i16x8_extend_low_i8x16_u(v)),
            [255, 2, 128, 127, 0, 1, 2, 3]
        );
        assert_eq!(u16x8(i16x8_extend_high_i8x16_u(v))[0], 254);
        assert_eq!(
            i16x8(i16x8_extadd_pairwise_i8x16_s(v)),
            [1, -1, 1, 5, -5, 9, 13, 17]
        );
        assert_eq!(u16x8(i16x8_extadd_pairwise_i8x16_u(splat8(-1))), [510; 8]);

        let w = from_i16x8([-1, 2, -32768, 32767, -5, 6, 7, 8]);
        assert_eq!(i32x4(i32x4_extend_low_i16x8_s(w)), [-1, 2, -32768, 32767]);
        assert_eq!(i32x4(i32x4_extend_high_i16x8_s(w)), [-5, 6, 7, 8]);
        assert_eq!(u32x4(i32x4_extend_low_i16x8_u(w)), [65535, 2, 32768, 32767]);
        assert_eq!(u32x4(i32x4_extend_high_i16x8_u(w))[0], 65531);
        assert_eq!(i32x4(i32x4_extadd_pairwise_i16x8_s(w)), [1, -1, 1, 15]);
        assert_eq!(
            u32x4(i32x4_extadd_pairwise_i16x8_u(splat16(-1))),
            [131070; 4]
        );

        let d = from_i32x4([-1, i32::MIN, 3, -4]);
        assert_eq!(i64x2(i64x2_extend_low_i32x4_s(d)), [-1, i32::MIN as i64]);
        assert_eq!(i64x2(i64x2_extend_high_i32x4_s(d)), [3, -4]);
        assert_eq!(
            u64x2(i64x2_extend_low_i32x4_u(d)),
            [0xffff_ffff, 0x8000_0000]
        );
        assert_eq!(u64x2(i64x2_extend_high_i32x4_u(d)), [3, 0xffff_fffc]);

        // extmul
        assert_eq!(
            i16x8_extmul_low_i8x16_s(splat8(-128), splat8(-128)),
            splat16(16384)
        );
        assert_eq!(
            i16x8_extmul_high_i8x16_s(splat8(-128), splat8(127)),
            splat16(-16256)
        );
        assert_eq!(
            u16x8(i16x8_extmul_low_i8x16_u(splat8(-1), splat8(-1))),
            [65025; 8]
        );
        assert_eq!(
            i16x8_extmul_high_i8x16_u(splat8(-1), splat8(2)),
            splat16(510)
        );
        assert_eq!(
            i32x4(i32x4_extmul_low_i16x8_s(splat16(-32768), splat16(-32768))),
            [0x4000_0000; 4]
        );
        assert_eq!(
            i32x4(i32x4_extmul_high_i16x8_s(splat16(-32768), splat16(32767))),
            [-1_073_709_056; 4]
        );
        assert_eq!(
            u32x4(i32x4_extmul_low_i16x8_u(splat16(-1), splat16(-1))),
            [0xfffe_0001; 4]
        );
        assert_eq!(
            u32x4(i32x4_extmul_high_i16x8_u(splat16(-1), splat16(1))),
            [0xffff; 4]
        );
        let e = from_i32x4([i32::MIN, -1, -1, i32::MAX]);
        assert_eq!(i64x2(i64x2_extmul_low_i32x4_s(e, e)), [1 << 62, 1]);
        assert_eq!(
            i64x2(i64x2_extmul_high_i32x4_s(e, e)),
            [1, (i32::MAX as i64) * (i32::MAX as i64)]
        );
        assert_eq!(
            u64x2(i64x2_extmul_low_i32x4_u(e, e)),
            [1 << 62, 0xffff_fffe_0000_0001]
        );
        assert_eq!(
            u64x2(i64x2_extmul_high_i32x4_u(e, e))[0],
            0xffff_fffe_0000_0001
        );
    }

    #[test]
    fn dot_products() {
        let a = from_i16x8([1, 2, 3, 4, -32768, -32768, 32767, 32767]);
        let b = from_i16x8([5, 6, -7, 8, -32768, -32768, 32767, 32767]);
        assert_eq!(
            i32x4(i32x4_dot_i16x8_s(a, b)),
            [17, 11, i32::MIN, 2_147_352_578]
        );

        // From relaxed-simd/relaxed_dot_product.wast.
        let c = from_u8x16(core::array::from_fn(|i| i as u8));
        assert_eq!(
            i16x8(i16x8_relaxed_dot_i8x16_i7x16_s(c, c)),
            [1, 13, 41, 85, 145, 221, 313, 421]
        );
        let mut x = [0i8; 16];
        let mut y = [0i8; 16];
        x[..4].copy_from_slice(&[-128, -128, 127, 127]);
        y[..4].copy_from_slice(&[127; 4]);
        assert_eq!(
            i16x8(i16x8_relaxed_dot_i8x16_i7x16_s(
                from_i8x16(x),
                from_i8x16(y)
            )),
            [-32512, 32258, 0, 0, 0, 0, 0, 0]
        );
        y[..2].copy_from_slice(&[-127, -127]);
        x[2..4].copy_from_slice(&[0, 0]);
        y[2..4].copy_from_slice(&[0, 0]);
        assert_eq!(
            i16x8(i16x8_relaxed_dot_i8x16_i7x16_s(
                from_i8x16(x),
                from_i8x16(y)
            ))[0],
            32512
        );
        // Saturation of the i16 pair sum (-128 * -128 * 2 = 32768).
        assert_eq!(
            i16x8_relaxed_dot_i8x16_i7x16_s(splat8(-128), splat8(-128)),
            splat16(32767)
        );

        assert_eq!(
            i32x4(i32x4_relaxed_dot_i8x16_i7x16_add_s(
                c,
                c,
                from_i32x4([0, 1, 2, 3])
            )),
            [14, 127, 368, 737]
        );
        let mut p = [0i8; 16];
        p[..8].copy_from_slice(&[-128, -128, -128, -128, 127, 127, 127, 127]);
        let mut q = [0i8; 16];
        q[..8].copy_from_slice(&[127; 8]);
        assert_eq!(
            i32x4(i32x4_relaxed_dot_i8x16_i7x16_add_s(
                from_i8x16(p),
                from_i8x16(q),
                from_i32x4([1, 2, 3, 4])
            )),
            [-65023, 64518, 3, 4]
        );
        q[..4].copy_from_slice(&[-127; 4]);
        assert_eq!(
            i32x4(i32x4_relaxed_dot_i8x16_i7x16_add_s(
                from_i8x16(p),
                from_i8x16(q),
                from_i32x4([1, 2, 3, 4])
            ))[0],
            65025
        );
    }

    #[test]
    fn i32x4_and_i64x2_arith() {
        let a = from_i32x4([i32::MAX, i32::MIN, -1, 5]);
        let b = from_i32x4([1, -1, 1, -5]);
        assert_eq!(i32x4(i32x4_add(a, b)), [i32::MIN, i32::MAX, 0, 0]);
        assert_eq!(i32x4(i32x4_sub(a, b)), [i32::MAX - 1, i32::MIN + 1, -2, 10]);
        assert_eq!(i32x4(i32x4_mul(a, b)), [i32::MAX, i32::MIN, -1, -25]);
        assert_eq!(i32x4(i32x4_min_s(a, b)), [1, i32::MIN, -1, -5]);
        assert_eq!(i32x4(i32x4_min_u(a, b)), [1, i32::MIN, 1, 5]);
        assert_eq!(i32x4(i32x4_max_s(a, b)), [i32::MAX, -1, 1, 5]);
        assert_eq!(i32x4(i32x4_max_u(a, b)), [i32::MAX, -1, -1, -5]);
        assert_eq!(i32x4(i32x4_abs(a)), [i32::MAX, i32::MIN, 1, 5]);
        assert_eq!(i32x4(i32x4_neg(a)), [-i32::MAX, i32::MIN, 1, -5]);
        assert_eq!(i32x4(i32x4_lt_s(a, b)), [0, -1, -1, 0]);
        assert_eq!(i32x4(i32x4_lt_u(a, b)), [0, -1, 0, -1]);
        assert_eq!(i32x4(i32x4_gt_s(a, b)), [-1, 0, 0, -1]);
        assert_eq!(i32x4(i32x4_gt_u(a, b)), [-1, 0, -1, 0]);
        assert_eq!(i32x4(i32x4_le_s(a, a)), [-1; 4]);
        assert_eq!(i32x4(i32x4_le_u(a, b)), [0, -1, 0, -1]);
        assert_eq!(i32x4(i32x4_ge_s(a, b)), [-1, 0, 0, -1]);
        assert_eq!(i32x4(i32x4_ge_u(a, b)), [-1, 0, -1, 0]);
        assert_eq!(i32x4(i32x4_eq(a, b)), [0; 4]);
        assert_eq!(i32x4(i32x4_ne(a, b)), [-1; 4]);
        assert_eq!(i32x4_bitmask(a), 0b0110);
        assert_eq!(i32x4_all_true(a), 1);
        assert_eq!(i32x4_all_true(from_i32x4([1, 1, 0, 1])), 0);

        let c = from_i64x2([i64::MAX, i64::MIN]);
        let d = from_i64x2([1, -1]);
        assert_eq!(i64x2(i64x2_add(c, d)), [i64::MIN, i64::MAX]);
        assert_eq!(i64x2(i64x2_sub(c, d)), [i64::MAX - 1, i64::MIN + 1]);
        assert_eq!(i64x2(i64x2_mul(c, d)), [i64::MAX, i64::MIN]);
        assert_eq!(i64x2(i64x2_abs(c)), [i64::MAX, i64::MIN]);
        assert_eq!(i64x2(i64x2_neg(d)), [-1, 1]);
        assert_eq!(i64x2(i64x2_eq(c, c)), [-1, -1]);
        assert_eq!(i64x2(i64x2_ne(c, d)), [-1, -1]);
        assert_eq!(i64x2(i64x2_lt_s(c, d)), [0, -1]);
        assert_eq!(i64x2(i64x2_gt_s(c, d)), [-1, 0]);
        assert_eq!(i64x2(i64x2_le_s(d, d)), [-1, -1]);
        assert_eq!(i64x2(i64x2_ge_s(c, d)), [-1, 0]);
        assert_eq!(i64x2_bitmask(c), 0b10);
        assert_eq!(i64x2_all_true(c), 1);
        assert_eq!(i64x2_all_true(from_i64x2([0, 1])), 0);
    }

    #[test]
    fn float_arith_and_compare() {
        let a = f32s([1.0, -2.0, 0.5, f32::INFINITY]);
        let b = f32s([2.0, 4.0, -0.25, 1.0]);
        assert_eq!(f32x4(f32x4_add(a, b)), [3.0, 2.0, 0.25, f32::INFINITY]);
        assert_eq!(f32x4(f32x4_sub(a, b)), [-1.0, -6.0, 0.75, f32::INFINITY]);
        assert_eq!(f32x4(f32x4_mul(a, b)), [2.0, -8.0, -0.125, f32::INFINITY]);
        assert_eq!(f32x4(f32x4_div(a, b)), [0.5, -0.5, -2.0, f32::INFINITY]);
        assert_eq!(
            f32x4(f32x4_sqrt(f32s([4.0, 0.25, 0.0, 1.0]))),
            [2.0, 0.5, 0.0, 1.0]
        );
        assert!(f32x4(f32x4_sqrt(f32s([-1.0; 4])))[0].is_nan());
        assert_eq!(
            bits32(f32x4_abs(f32s([-1.0, -0.0, 1.0, 0.0]))),
            [0x3f80_0000, 0, 0x3f80_0000, 0]
        );
        // abs/neg are pure sign-bit operations, also on NaNs.
        assert_eq!(
            bits32(f32x4_abs(from_u32x4([0xffc0_0001; 4]))),
            [0x7fc0_0001; 4]
        );
        assert_eq!(
            bits32(f32x4_neg(from_u32x4([0x7fc0_0001; 4]))),
            [0xffc0_0001; 4]
        );
        assert_eq!(bits32(f32x4_neg(f32s([0.0; 4]))), [0x8000_0000; 4]);

        let nan = f32::NAN;
        let c = f32s([nan, 1.0, -0.0, 2.0]);
        let d = f32s([nan, 1.0, 0.0, 1.0]);
        assert_eq!(i32x4(f32x4_eq(c, d)), [0, -1, -1, 0]);
        assert_eq!(i32x4(f32x4_ne(c, d)), [-1, 0, 0, -1]);
        assert_eq!(i32x4(f32x4_lt(c, d)), [0, 0, 0, 0]);
        assert_eq!(i32x4(f32x4_le(c, d)), [0, -1, -1, 0]);
        assert_eq!(i32x4(f32x4_gt(c, d)), [0, 0, 0, -1]);
        assert_eq!(i32x4(f32x4_ge(c, d)), [0, -1, -1, -1]);

        let e = f64s([f64::NAN, -0.0]);
        let f = f64s([1.0, 0.0]);
        assert_eq!(i64x2(f64x2_eq(e, f)), [0, -1]);
        assert_eq!(i64x2(f64x2_ne(e, f)), [-1, 0]);
        assert_eq!(i64x2(f64x2_lt(e, f)), [0, 0]);
        assert_eq!(i64x2(f64x2_le(e, f)), [0, -1]);
        assert_eq!(i64x2(f64x2_gt(f, e)), [0, 0]);
        assert_eq!(i64x2(f64x2_ge(f, e)), [0, -1]);
        assert_eq!(f64x2(f64x2_add(f, f)), [2.0, 0.0]);
        assert_eq!(f64x2(f64x2_sub(f, f)), [0.0, 0.0]);
        assert_eq!(f64x2(f64x2_mul(f, f)), [1.0, 0.0]);
        assert_eq!(f64x2(f64x2_div(f64s([1.0, -1.0]), f))[1], f64::NEG_INFINITY);
        assert_eq!(f64x2(f64x2_sqrt(f64s([9.0, 2.25]))), [3.0, 1.5]);
        assert_eq!(f64x2_abs(f64s([-1.5, -0.0])), f64s([1.5, 0.0]));
        assert_eq!(f64x2_neg(f64s([-1.5, 0.0])), f64s([1.5, -0.0]));
    }

    #[test]
    fn float_min_max() {
        let nan = f32::NAN;
        let a = f32s([nan, 1.0, 0.0, -0.0]);
        let b = f32s([1.0, nan, -0.0, 0.0]);
        for op in [f32x4_min, f32x4_relaxed_min] {
            let r = f32x4(op(a, b));
            assert!(r[0].is_nan() && r[1].is_nan());
            assert_eq!(r[2].to_bits(), 0x8000_0000);
            assert_eq!(r[3].to_bits(), 0x8000_0000);
        }
        for op in [f32x4_max, f32x4_relaxed_max] {
            let r = f32x4(op(a, b));
            assert!(r[0].is_nan() && r[1].is_nan());
            assert_eq!(r[2].to_bits(), 0);
            assert_eq!(r[3].to_bits(), 0);
        }
        assert_eq!(
            f32x4(f32x4_min(
                f32s([1.0, -2.0, 3.0, f32::NEG_INFINITY]),
                f32s([2.0; 4])
            )),
            [1.0, -2.0, 2.0, f32::NEG_INFINITY]
        );
        assert_eq!(
            f32x4(f32x4_max(
                f32s([1.0, -2.0, 3.0, f32::INFINITY]),
                f32s([2.0; 4])
            )),
            [2.0, 2.0, 3.0, f32::INFINITY]
        );

        // pmin/pmax: exactly `b < a ? b : a` / `a < b ? b : a`.
        let r = f32x4(f32x4_pmin(a, b));
        assert!(r[0].is_nan());
        assert_eq!(r[1], 1.0);
        assert_eq!(r[2].to_bits(), 0);
        assert_eq!(r[3].to_bits(), 0x8000_0000);
        let r = f32x4(f32x4_pmax(a, b));
        assert!(r[0].is_nan());
        assert_eq!(r[1], 1.0);
        assert_eq!(r[2].to_bits(), 0);
        assert_eq!(r[3].to_bits(), 0x8000_0000);
        assert_eq!(f32x4(f32x4_pmin(f32s([2.0; 4]), f32s([1.0; 4]))), [1.0; 4]);
        assert_eq!(f32x4(f32x4_pmax(f32s([1.0; 4]), f32s([2.0; 4]))), [2.0; 4]);

        let c = f64s([0.0, f64::NAN]);
        let d = f64s([-0.0, 3.0]);
        for op in [f64x2_min, f64x2_relaxed_min] {
            let r = f64x2(op(c, d));
            assert_eq!(r[0].to_bits(), 0x8000_0000_0000_0000);
            assert!(r[1].is_nan());
        }
        for op in [f64x2_max, f64x2_relaxed_max] {
            let r = f64x2(op(d, c));
            assert_eq!(r[0].to_bits(), 0);
            assert!(r[1].is_nan());
        }
        let r = f64x2(f64x2_pmin(d, c));
        assert_eq!(r[0].to_bits(), 0x8000_0000_0000_0000);
        assert_eq!(r[1], 3.0);
        let r = f64x2(f64x2_pmax(d, c));
        assert_eq!(r[0].to_bits(), 0x8000_0000_0000_0000);
        assert_eq!(r[1], 3.0);
        assert_eq!(
            f64x2(f64x2_min(f64s([1.0, 5.0]), f64s([2.0, 4.0]))),
            [1.0, 4.0]
        );
        assert_eq!(
            f64x2(f64x2_max(f64s([1.0, 5.0]), f64s([2.0, 4.0]))),
            [2.0, 5.0]
        );
    }

    #[test]
    fn float_rounding() {
        let v = f32s([0.5, 1.5, 2.5, -0.5]);
        assert_eq!(f32x4(f32x4_nearest(v)), [0.0, 2.0, 2.0, -0.0]);
        assert_eq!(bits32(f32x4_nearest(v))[3], 0x8000_0000);
        assert_eq!(
            f32x4(f32x4_nearest(f32s([-1.5, -2.5, 3.5, 0.49999997]))),
            [-2.0, -2.0, 4.0, 0.0]
        );
        assert_eq!(f32x4(f32x4_ceil(v)), [1.0, 2.0, 3.0, -0.0]);
        assert_eq!(bits32(f32x4_ceil(v))[3], 0x8000_0000);
        assert_eq!(f32x4(f32x4_floor(v)), [0.0, 1.0, 2.0, -1.0]);
        assert_eq!(
            f32x4(f32x4_trunc(f32s([1.9, -1.9, -0.1, 8388609.0]))),
            [1.0, -1.0, -0.0, 8388609.0]
        );
        let w = f64s([2.5, -3.5]);
        assert_eq!(f64x2(f64x2_nearest(w)), [2.0, -4.0]);
        assert_eq!(f64x2(f64x2_ceil(w)), [3.0, -3.0]);
        assert_eq!(f64x2(f64x2_floor(w)), [2.0, -4.0]);
        assert_eq!(f64x2(f64x2_trunc(w)), [2.0, -3.0]);
        assert!(f64x2(f64x2_nearest(f64s([f64::NAN, 0.0])))[0].is_nan());
    }

    #[test]
    fn conversions() {
        let v = f32s([f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 2147483648.0]);
        assert_eq!(
            i32x4(i32x4_trunc_sat_f32x4_s(v)),
            [0, i32::MAX, i32::MIN, i32::MAX]
        );
        assert_eq!(
            u32x4(i32x4_trunc_sat_f32x4_u(v)),
            [0, u32::MAX, 0, 0x8000_0000]
        );
        let w = f32s([-2147483904.0, -1.9, -0.9, 4294967296.0]);
        assert_eq!(
            i32x4(i32x4_trunc_sat_f32x4_s(w)),
            [i32::MIN, -1, 0, i32::MAX]
        );
        assert_eq!(u32x4(i32x4_trunc_sat_f32x4_u(w)), [0, 0, 0, u32::MAX]);
        assert_eq!(i32x4_relaxed_trunc_f32x4_s(v), i32x4_trunc_sat_f32x4_s(v));
        assert_eq!(i32x4_relaxed_trunc_f32x4_u(w), i32x4_trunc_sat_f32x4_u(w));

        let d = f64s([f64::NAN, -2147483649.0]);
        assert_eq!(i32x4(i32x4_trunc_sat_f64x2_s_zero(d)), [0, i32::MIN, 0, 0]);
        assert_eq!(u32x4(i32x4_trunc_sat_f64x2_u_zero(d)), [0, 0, 0, 0]);
        let e = f64s([4294967295.9, -0.9]);
        assert_eq!(i32x4(i32x4_trunc_sat_f64x2_s_zero(e)), [i32::MAX, 0, 0, 0]);
        assert_eq!(u32x4(i32x4_trunc_sat_f64x2_u_zero(e)), [u32::MAX, 0, 0, 0]);
        assert_eq!(
            i32x4_relaxed_trunc_f64x2_s_zero(d),
            i32x4_trunc_sat_f64x2_s_zero(d)
        );
        assert_eq!(
            i32x4_relaxed_trunc_f64x2_u_zero(e),
            i32x4_trunc_sat_f64x2_u_zero(e)
        );

        let i = from_i32x4([-1, i32::MIN, 16777217, i32::MAX]);
        assert_eq!(
            f32x4(f32x4_convert_i32x4_s(i)),
            [-1.0, -2147483648.0, 16777216.0, 2147483648.0]
        );
        assert_eq!(
            f32x4(f32x4_convert_i32x4_u(i)),
            [4294967296.0, 2147483648.0, 16777216.0, 2147483648.0]
        );
        assert_eq!(f64x2(f64x2_convert_low_i32x4_s(i)), [-1.0, -2147483648.0]);
        assert_eq!(
            f64x2(f64x2_convert_low_i32x4_u(i)),
            [4294967295.0, 2147483648.0]
        );

        let p = f64s([f64::MAX, 0.1]);
        assert_eq!(
            f32x4(f32x4_demote_f64x2_zero(p)),
            [f32::INFINITY, 0.1, 0.0, 0.0]
        );
        assert_eq!(
            bits32(f32x4_demote_f64x2_zero(f64s([-0.0, 1e-50])))[..2],
            [0x8000_0000, 0]
        );
        assert!(f32x4(f32x4_demote_f64x2_zero(f64s([f64::NAN, 1.0])))[0].is_nan());
        assert_eq!(bits32(f32x4_demote_f64x2_zero(p))[2..], [0, 0]);
        let q = f32s([0.1, -f32::INFINITY, 7.0, 8.0]);
        assert_eq!(
            f64x2(f64x2_promote_low_f32x4(q)),
            [f64::from(0.1f32), f64::NEG_INFINITY]
        );
    }

    #[test]
    fn relaxed_madd_is_unfused() {
        let max = f32::MAX;
        // relaxed_madd_nmadd.wast: FLT_MAX * 2 - FLT_MAX is inf unfused, FLT_MAX fused.
        assert_eq!(
            f32x4(f32x4_relaxed_madd(
                f32s([max; 4]),
                f32s([2.0; 4]),
                f32s([-max; 4])
            )),
            [f32::INFINITY; 4]
        );
        let x = f32s([f32::from_bits(0x3f80_0002); 4]); // 0x1.000004p+0
        let y = f32s([f32::from_bits(0x3f80_0100); 4]); // 0x1.0002p+0
        let z = f32s([f32::from_bits(0xbf80_0102); 4]); // -0x1.000204p+0
        assert_eq!(f32x4(f32x4_relaxed_madd(x, y, z)), [0.0; 4]);
        assert_eq!(f32x4(f32x4_relaxed_nmadd(f32x4_neg(x), y, z)), [0.0; 4]);
        assert_eq!(f32x4(f32x4_relaxed_nmadd(x, f32x4_neg(y), z)), [0.0; 4]);
        assert_eq!(
            f32x4(f32x4_relaxed_nmadd(
                f32s([2.0; 4]),
                f32s([3.0; 4]),
                f32s([1.0; 4])
            )),
            [-5.0; 4]
        );

        let dmax = f64::MAX;
        assert_eq!(
            f64x2(f64x2_relaxed_madd(
                f64s([dmax; 2]),
                f64s([2.0; 2]),
                f64s([-dmax; 2])
            )),
            [f64::INFINITY; 2]
        );
        let x = f64s([f64::from_bits(0x3ff0_0000_0040_0000); 2]); // 0x1.00000004p+0
        let y = f64s([f64::from_bits(0x3ff0_0000_2000_0000); 2]); // 0x1.000002p+0
        let z = f64s([f64::from_bits(0xbff0_0000_2040_0000); 2]); // -0x1.00000204p+0
        assert_eq!(f64x2(f64x2_relaxed_madd(x, y, z)), [0.0; 2]);
        assert_eq!(f64x2(f64x2_relaxed_nmadd(f64x2_neg(x), y, z)), [0.0; 2]);
        assert_eq!(f64x2(f64x2_relaxed_nmadd(x, f64x2_neg(y), z)), [0.0; 2]);
        assert_eq!(
            f64x2(f64x2_relaxed_nmadd(
                f64s([2.0; 2]),
                f64s([3.0; 2]),
                f64s([1.0; 2])
            )),
            [-5.0; 2]
        );
    }

    #[test]
    fn relaxed_laneselect_is_bitselect() {
        // relaxed_laneselect.wast: the bitselect alternative.
        let a = from_u16x8([0, 1, 0x1234, 0x1234, 4, 5, 6, 7]);
        let b = from_u16x8([8, 9, 0x5678, 0x5678, 12, 13, 14, 15]);
        let m = from_u16x8([0xffff, 0, 0xff00, 0x00ff, 0, 0, 0, 0]);
        assert_eq!(
            u16x8(i16x8_relaxed_laneselect(a, b, m)),
            [0, 9, 0x1278, 0x5634, 12, 13, 14, 15]
        );
        let m2 = from_u16x8([0xffff, 0, 0xff00, 0x0080, 0, 0, 0, 0]);
        assert_eq!(u16x8(i16x8_relaxed_laneselect(a, b, m2))[3], 0x5678);
        for f in [
            i8x16_relaxed_laneselect,
            i16x8_relaxed_laneselect,
            i32x4_relaxed_laneselect,
            i64x2_relaxed_laneselect,
        ] {
            assert_eq!(f(a, b, m), v128_bitselect(a, b, m));
        }
    }
}

/// The fast paths against the lane loops they replace, on random and special inputs.
#[cfg(all(test, target_arch = "x86_64", target_feature = "sse2"))]
mod fast_path_tests {
    use super::{lanes, sse};

    /// xorshift64*: deterministic, no dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        /// Random bits, or lanes from pools of edge cases (NaNs of both kinds and signs,
        /// zeros, infinities, 2^31, lane minima and maxima).
        fn v128(&mut self) -> u128 {
            const SPECIAL32: [u32; 16] = [
                0,
                0x8000_0000,
                0x7fff_ffff,
                0xffff_ffff,
                1,
                0x7fc0_0000,
                0xffc0_0000,
                0x7f80_0001,
                0x7f80_0000,
                0xff80_0000,
                0x3f80_0000,
                0x4f00_0000,
                0xcf00_0000,
                0x4f80_0000,
                0x8000_7fff,
                0x00ff_ff80,
            ];
            const SPECIAL64: [u64; 8] = [
                0,
                0x8000_0000_0000_0000,
                0x7ff8_0000_0000_0000,
                0xfff8_0000_0000_0001,
                0x7ff0_0000_0000_0001,
                0x7ff0_0000_0000_0000,
                0x3ff0_0000_0000_0000,
                0x41e0_0000_0000_0000,
            ];
            match self.next() % 4 {
                0 => u128::from(self.next()) | u128::from(self.next()) << 64,
                1 => (0..4).fold(0, |v, i| {
                    v | u128::from(SPECIAL32[(self.next() % 16) as usize]) << (32 * i)
                }),
                2 => (0..2).fold(0, |v, i| {
                    v | u128::from(SPECIAL64[(self.next() % 8) as usize]) << (64 * i)
                }),
                _ => (0..16).fold(0, |v, i| {
                    let b = [0u8, 0x80, 0x7f, 0xff, 1, 0xfe][(self.next() % 6) as usize];
                    v | u128::from(b) << (8 * i)
                }),
            }
        }
    }

    const ROUNDS: usize = 20_000;

    /// Whether `x` and `y`, results of the operator `name`, agree: bit for bit, except that
    /// two NaNs in a float lane agree whatever their bits (LLVM treats `fadd` and `fmul` as
    /// commutative, so even the lane loop does not fix which operand's NaN comes out).
    fn agree(name: &str, x: u128, y: u128) -> bool {
        let float_result = !["_eq", "_ne", "_lt", "_le", "_gt", "_ge"]
            .iter()
            .any(|c| name.ends_with(c));
        let width = match name.get(..6) {
            Some("f32x4_") if float_result => 32,
            Some("f64x2_") if float_result => 64,
            _ => return x == y,
        };
        let (exp, frac) = if width == 32 { (0xff, 23) } else { (0x7ff, 52) };
        let is_nan = |l: u128| (l >> frac) & exp == exp && l & ((1 << frac) - 1) != 0;
        (0..128 / width).all(|i| {
            let mask = (1u128 << width) - 1;
            let (a, b) = ((x >> (i * width)) & mask, (y >> (i * width)) & mask);
            a == b || (is_nan(a) && is_nan(b))
        })
    }

    /// For each function, `ROUNDS` times: `args(rng, fast, slow)` must give results that
    /// [`agree`].
    macro_rules! same {
        ($rng:ident, $args:expr, [$($f:ident),* $(,)?]) => {$(
            for _ in 0..ROUNDS {
                let (fast, slow) = $args(&mut $rng, sse::$f, lanes::$f);
                let (fast, slow) = (u128::from(fast), u128::from(slow));
                assert!(
                    agree(stringify!($f), fast, slow),
                    "{}: {fast:#034x} (fast) != {slow:#034x} (lanes)",
                    stringify!($f)
                );
            }
        )*};
    }

    type Bin = fn(u128, u128) -> u128;
    type Un = fn(u128) -> u128;
    type Tern = fn(u128, u128, u128) -> u128;
    type Test = fn(u128) -> u32;
    type Shift = fn(u128, u32) -> u128;
    type Load = fn(u64) -> u128;

    fn bin(r: &mut Rng, f: Bin, g: Bin) -> (u128, u128) {
        let a = r.v128();
        let b = if r.next().is_multiple_of(8) {
            a
        } else {
            r.v128()
        };
        (f(a, b), g(a, b))
    }

    fn un(r: &mut Rng, f: Un, g: Un) -> (u128, u128) {
        let a = r.v128();
        (f(a), g(a))
    }

    fn tern(r: &mut Rng, f: Tern, g: Tern) -> (u128, u128) {
        let (a, b, c) = (r.v128(), r.v128(), r.v128());
        (f(a, b, c), g(a, b, c))
    }

    fn test(r: &mut Rng, f: Test, g: Test) -> (u32, u32) {
        let a = r.v128();
        (f(a), g(a))
    }

    fn shift(r: &mut Rng, f: Shift, g: Shift) -> (u128, u128) {
        let (a, n) = (r.v128(), (r.next() % 200) as u32);
        (f(a, n), g(a, n))
    }

    fn load(r: &mut Rng, f: Load, g: Load) -> (u128, u128) {
        let a = r.v128() as u64;
        (f(a), g(a))
    }

    #[test]
    fn fast_paths_match_lane_loops() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        same!(
            rng,
            bin,
            [
                f32x4_add,
                f32x4_div,
                f32x4_eq,
                f32x4_ge,
                f32x4_gt,
                f32x4_le,
                f32x4_lt,
                f32x4_max,
                f32x4_min,
                f32x4_mul,
                f32x4_ne,
                f32x4_pmax,
                f32x4_pmin,
                f32x4_relaxed_max,
                f32x4_relaxed_min,
                f32x4_sub,
                f64x2_add,
                f64x2_div,
                f64x2_eq,
                f64x2_ge,
                f64x2_gt,
                f64x2_le,
                f64x2_lt,
                f64x2_max,
                f64x2_min,
                f64x2_mul,
                f64x2_ne,
                f64x2_pmax,
                f64x2_pmin,
                f64x2_relaxed_max,
                f64x2_relaxed_min,
                f64x2_sub,
                i16x8_add,
                i16x8_add_sat_s,
                i16x8_add_sat_u,
                i16x8_avgr_u,
                i16x8_eq,
                i16x8_extmul_high_i8x16_s,
                i16x8_extmul_high_i8x16_u,
                i16x8_extmul_low_i8x16_s,
                i16x8_extmul_low_i8x16_u,
                i16x8_ge_s,
                i16x8_ge_u,
                i16x8_gt_s,
                i16x8_gt_u,
                i16x8_le_s,
                i16x8_le_u,
                i16x8_lt_s,
                i16x8_lt_u,
                i16x8_max_s,
                i16x8_max_u,
                i16x8_min_s,
                i16x8_min_u,
                i16x8_mul,
                i16x8_narrow_i32x4_s,
                i16x8_narrow_i32x4_u,
                i16x8_ne,
                i16x8_q15mulr_sat_s,
                i16x8_relaxed_q15mulr_s,
                i16x8_sub,
                i16x8_sub_sat_s,
                i16x8_sub_sat_u,
                i32x4_add,
                i32x4_dot_i16x8_s,
                i32x4_eq,
                i32x4_extmul_high_i16x8_s,
                i32x4_extmul_high_i16x8_u,
                i32x4_extmul_low_i16x8_s,
                i32x4_extmul_low_i16x8_u,
                i32x4_ge_s,
                i32x4_ge_u,
                i32x4_gt_s,
                i32x4_gt_u,
                i32x4_le_s,
                i32x4_le_u,
                i32x4_lt_s,
                i32x4_lt_u,
                i32x4_max_s,
                i32x4_max_u,
                i32x4_min_s,
                i32x4_min_u,
                i32x4_mul,
                i32x4_ne,
                i32x4_sub,
                i64x2_add,
                i64x2_sub,
                i8x16_add,
                i8x16_add_sat_s,
                i8x16_add_sat_u,
                i8x16_avgr_u,
                i8x16_eq,
                i8x16_ge_s,
                i8x16_ge_u,
                i8x16_gt_s,
                i8x16_gt_u,
                i8x16_le_s,
                i8x16_le_u,
                i8x16_lt_s,
                i8x16_lt_u,
                i8x16_max_s,
                i8x16_max_u,
                i8x16_min_s,
                i8x16_min_u,
                i8x16_narrow_i16x8_s,
                i8x16_narrow_i16x8_u,
                i8x16_ne,
                i8x16_sub,
                i8x16_sub_sat_s,
                i8x16_sub_sat_u
            ]
        );
        same!(
            rng,
            un,
            [
                f32x4_convert_i32x4_s,
                f32x4_demote_f64x2_zero,
                f32x4_sqrt,
                f64x2_convert_low_i32x4_s,
                f64x2_promote_low_f32x4,
                f64x2_sqrt,
                i16x8_abs,
                i16x8_extadd_pairwise_i8x16_s,
                i16x8_extadd_pairwise_i8x16_u,
                i16x8_extend_high_i8x16_s,
                i16x8_extend_high_i8x16_u,
                i16x8_extend_low_i8x16_s,
                i16x8_extend_low_i8x16_u,
                i16x8_neg,
                i32x4_abs,
                i32x4_extadd_pairwise_i16x8_s,
                i32x4_extadd_pairwise_i16x8_u,
                i32x4_extend_high_i16x8_s,
                i32x4_extend_high_i16x8_u,
                i32x4_extend_low_i16x8_s,
                i32x4_extend_low_i16x8_u,
                i32x4_neg,
                i32x4_relaxed_trunc_f32x4_s,
                i32x4_trunc_sat_f32x4_s,
                i8x16_abs,
                i8x16_neg,
                i8x16_popcnt
            ]
        );
        same!(
            rng,
            tern,
            [
                f32x4_relaxed_madd,
                f32x4_relaxed_nmadd,
                f64x2_relaxed_madd,
                f64x2_relaxed_nmadd
            ]
        );
        same!(
            rng,
            test,
            [
                i16x8_all_true,
                i16x8_bitmask,
                i32x4_all_true,
                i32x4_bitmask,
                i8x16_all_true,
                i8x16_bitmask
            ]
        );
        same!(
            rng,
            shift,
            [
                i16x8_shl,
                i16x8_shr_s,
                i16x8_shr_u,
                i32x4_shl,
                i32x4_shr_s,
                i32x4_shr_u,
                i64x2_shl,
                i64x2_shr_u,
                i8x16_shl,
                i8x16_shr_s,
                i8x16_shr_u
            ]
        );
        same!(
            rng,
            load,
            [
                v128_load16x4_s,
                v128_load16x4_u,
                v128_load8x8_s,
                v128_load8x8_u
            ]
        );
    }
}

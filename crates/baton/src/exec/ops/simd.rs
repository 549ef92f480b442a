//! The SIMD proposal's instructions (and relaxed SIMD's): one handler per operator, each a
//! thin shell around the operator's semantics in [`crate::v128`].
//!
//! A `v128` operand or result is a pair of adjacent cells named by its first (low half
//! first; see `crate::values`): the translator reserves both. Every operand is read before
//! the result is written, so a result may take an operand's cells.
//!
//! [`simd_table!`] lists every operator once, by shape; this file makes the handlers from
//! it and `translate/simd.rs` the translator's visit methods, so an operator cannot be
//! translated without a handler or have a handler that is never emitted.

use super::memory::locate;
use super::*;
use crate::v128;

/// Reads the `v128` in cells `s`, `s + 1`.
///
/// # Safety
/// Both cells are in the frame (the translator reserves two cells for every `v128`).
#[inline(always)]
unsafe fn rd_v128(sp: Sp, s: u32) -> u128 {
    // SAFETY: see the contract.
    unsafe { rd::<u64>(sp, s) as u128 | (rd::<u64>(sp, s + 1) as u128) << 64 }
}

/// Writes a `v128` to cells `s`, `s + 1`.
///
/// # Safety
/// As for [`rd_v128`].
#[inline(always)]
unsafe fn wr_v128(sp: Sp, s: u32, v: u128) {
    // SAFETY: see the contract.
    unsafe {
        wr(sp, s, v as u64);
        wr(sp, s + 1, (v >> 64) as u64);
    }
}

/// `name` with its first `_` turned into a `.`: the Wasm name of a SIMD operator from the
/// name of its semantics function (`i8x16_add` → `i8x16.add`).
const fn dotted<const N: usize>(name: &str) -> [u8; N] {
    let bytes = name.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    let mut dotted = false;
    while i < N {
        out[i] = if !dotted && bytes[i] == b'_' {
            dotted = true;
            b'.'
        } else {
            bytes[i]
        };
        i += 1;
    }
    out
}

/// The Wasm name of the operator whose semantics function is `$f` (see [`dotted`]).
macro_rules! wasm_name {
    ($f:ident) => {{
        const BYTES: [u8; stringify!($f).len()] = dotted(stringify!($f));
        match core::str::from_utf8(&BYTES) {
            Ok(name) => name,
            Err(_) => panic!("operator names are ASCII"),
        }
    }};
}

/// Where a SIMD access of a `$T` lands (any memory, 32- or 64-bit addresses: see
/// `memory::locate`), or the trap.
macro_rules! effective_address {
    ($T:ty, $imm:ident, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident) => {{
        let size = core::mem::size_of::<$T>();
        let (memory, is64, addr, offset) = ($imm.memory, $imm.is64, $imm.addr, $imm.offset);
        // SAFETY: the immediates come from translation: `memory` is the instance's,
        // `addr` a slot of the frame; `mem`/`len` are memory 0's registers.
        match unsafe { locate($ctx, $sp, $mem, $len, memory, is64, addr, offset, size) } {
            Some(at) => at,
            None => return trap($ctx, $ip, TrapCode::MemoryOutOfBounds),
        }
    }};
}

/// Reads a little-endian `$T` at `$at`, which [`effective_address!`] located.
macro_rules! mem_read {
    ($T:ty, $at:expr) => {
        // SAFETY: `locate` checked that the bytes are inside the memory; unaligned, as
        // Wasm allows any address.
        <$T>::from_le(unsafe { core::ptr::read_unaligned($at as *const $T) })
    };
}

/// Writes `$v` as a little-endian `$T` at `$at`, which [`effective_address!`] located.
macro_rules! mem_write {
    ($T:ty, $at:expr, $v:expr) => {
        // SAFETY: as for `mem_read!`; nothing else borrows the memory while Wasm runs.
        unsafe { core::ptr::write_unaligned($at as *mut $T, <$T>::to_le($v)) }
    };
}

/// Every SIMD instruction, by shape: `NAME semantics visit_method`, where `semantics` names
/// the function of `crate::v128` that computes the result (and, with its first `_` made a
/// `.`, the operator). Splats, lane accesses and loads add the scalar type they read or
/// write; loads and stores of one lane are `NAME name visit_method memory_type
/// [scalar_type] lane_function`, the lane's `replace_lane` or `extract_lane`. Invoked with the
/// name of a macro that receives the whole table.
macro_rules! simd_table {
    ($callback:ident) => {
        $callback! {
            // v128 × v128 → v128
            binary: [
                I8X16_SWIZZLE i8x16_swizzle visit_i8x16_swizzle,
                I8X16_EQ i8x16_eq visit_i8x16_eq,
                I8X16_NE i8x16_ne visit_i8x16_ne,
                I8X16_LT_S i8x16_lt_s visit_i8x16_lt_s,
                I8X16_LT_U i8x16_lt_u visit_i8x16_lt_u,
                I8X16_GT_S i8x16_gt_s visit_i8x16_gt_s,
                I8X16_GT_U i8x16_gt_u visit_i8x16_gt_u,
                I8X16_LE_S i8x16_le_s visit_i8x16_le_s,
                I8X16_LE_U i8x16_le_u visit_i8x16_le_u,
                I8X16_GE_S i8x16_ge_s visit_i8x16_ge_s,
                I8X16_GE_U i8x16_ge_u visit_i8x16_ge_u,
                I16X8_EQ i16x8_eq visit_i16x8_eq,
                I16X8_NE i16x8_ne visit_i16x8_ne,
                I16X8_LT_S i16x8_lt_s visit_i16x8_lt_s,
                I16X8_LT_U i16x8_lt_u visit_i16x8_lt_u,
                I16X8_GT_S i16x8_gt_s visit_i16x8_gt_s,
                I16X8_GT_U i16x8_gt_u visit_i16x8_gt_u,
                I16X8_LE_S i16x8_le_s visit_i16x8_le_s,
                I16X8_LE_U i16x8_le_u visit_i16x8_le_u,
                I16X8_GE_S i16x8_ge_s visit_i16x8_ge_s,
                I16X8_GE_U i16x8_ge_u visit_i16x8_ge_u,
                I32X4_EQ i32x4_eq visit_i32x4_eq,
                I32X4_NE i32x4_ne visit_i32x4_ne,
                I32X4_LT_S i32x4_lt_s visit_i32x4_lt_s,
                I32X4_LT_U i32x4_lt_u visit_i32x4_lt_u,
                I32X4_GT_S i32x4_gt_s visit_i32x4_gt_s,
                I32X4_GT_U i32x4_gt_u visit_i32x4_gt_u,
                I32X4_LE_S i32x4_le_s visit_i32x4_le_s,
                I32X4_LE_U i32x4_le_u visit_i32x4_le_u,
                I32X4_GE_S i32x4_ge_s visit_i32x4_ge_s,
                I32X4_GE_U i32x4_ge_u visit_i32x4_ge_u,
                I64X2_EQ i64x2_eq visit_i64x2_eq,
                I64X2_NE i64x2_ne visit_i64x2_ne,
                I64X2_LT_S i64x2_lt_s visit_i64x2_lt_s,
                I64X2_GT_S i64x2_gt_s visit_i64x2_gt_s,
                I64X2_LE_S i64x2_le_s visit_i64x2_le_s,
                I64X2_GE_S i64x2_ge_s visit_i64x2_ge_s,
                F32X4_EQ f32x4_eq visit_f32x4_eq,
                F32X4_NE f32x4_ne visit_f32x4_ne,
                F32X4_LT f32x4_lt visit_f32x4_lt,
                F32X4_GT f32x4_gt visit_f32x4_gt,
                F32X4_LE f32x4_le visit_f32x4_le,
                F32X4_GE f32x4_ge visit_f32x4_ge,
                F64X2_EQ f64x2_eq visit_f64x2_eq,
                F64X2_NE f64x2_ne visit_f64x2_ne,
                F64X2_LT f64x2_lt visit_f64x2_lt,
                F64X2_GT f64x2_gt visit_f64x2_gt,
                F64X2_LE f64x2_le visit_f64x2_le,
                F64X2_GE f64x2_ge visit_f64x2_ge,
                V128_AND v128_and visit_v128_and,
                V128_ANDNOT v128_andnot visit_v128_andnot,
                V128_OR v128_or visit_v128_or,
                V128_XOR v128_xor visit_v128_xor,
                I8X16_NARROW_I16X8_S i8x16_narrow_i16x8_s visit_i8x16_narrow_i16x8_s,
                I8X16_NARROW_I16X8_U i8x16_narrow_i16x8_u visit_i8x16_narrow_i16x8_u,
                I8X16_ADD i8x16_add visit_i8x16_add,
                I8X16_ADD_SAT_S i8x16_add_sat_s visit_i8x16_add_sat_s,
                I8X16_ADD_SAT_U i8x16_add_sat_u visit_i8x16_add_sat_u,
                I8X16_SUB i8x16_sub visit_i8x16_sub,
                I8X16_SUB_SAT_S i8x16_sub_sat_s visit_i8x16_sub_sat_s,
                I8X16_SUB_SAT_U i8x16_sub_sat_u visit_i8x16_sub_sat_u,
                I8X16_MIN_S i8x16_min_s visit_i8x16_min_s,
                I8X16_MIN_U i8x16_min_u visit_i8x16_min_u,
                I8X16_MAX_S i8x16_max_s visit_i8x16_max_s,
                I8X16_MAX_U i8x16_max_u visit_i8x16_max_u,
                I8X16_AVGR_U i8x16_avgr_u visit_i8x16_avgr_u,
                I16X8_Q15MULR_SAT_S i16x8_q15mulr_sat_s visit_i16x8_q15mulr_sat_s,
                I16X8_NARROW_I32X4_S i16x8_narrow_i32x4_s visit_i16x8_narrow_i32x4_s,
                I16X8_NARROW_I32X4_U i16x8_narrow_i32x4_u visit_i16x8_narrow_i32x4_u,
                I16X8_ADD i16x8_add visit_i16x8_add,
                I16X8_ADD_SAT_S i16x8_add_sat_s visit_i16x8_add_sat_s,
                I16X8_ADD_SAT_U i16x8_add_sat_u visit_i16x8_add_sat_u,
                I16X8_SUB i16x8_sub visit_i16x8_sub,
                I16X8_SUB_SAT_S i16x8_sub_sat_s visit_i16x8_sub_sat_s,
                I16X8_SUB_SAT_U i16x8_sub_sat_u visit_i16x8_sub_sat_u,
                I16X8_MUL i16x8_mul visit_i16x8_mul,
                I16X8_MIN_S i16x8_min_s visit_i16x8_min_s,
                I16X8_MIN_U i16x8_min_u visit_i16x8_min_u,
                I16X8_MAX_S i16x8_max_s visit_i16x8_max_s,
                I16X8_MAX_U i16x8_max_u visit_i16x8_max_u,
                I16X8_AVGR_U i16x8_avgr_u visit_i16x8_avgr_u,
                I16X8_EXTMUL_LOW_I8X16_S i16x8_extmul_low_i8x16_s visit_i16x8_extmul_low_i8x16_s,
                I16X8_EXTMUL_HIGH_I8X16_S i16x8_extmul_high_i8x16_s visit_i16x8_extmul_high_i8x16_s,
                I16X8_EXTMUL_LOW_I8X16_U i16x8_extmul_low_i8x16_u visit_i16x8_extmul_low_i8x16_u,
                I16X8_EXTMUL_HIGH_I8X16_U i16x8_extmul_high_i8x16_u visit_i16x8_extmul_high_i8x16_u,
                I32X4_ADD i32x4_add visit_i32x4_add,
                I32X4_SUB i32x4_sub visit_i32x4_sub,
                I32X4_MUL i32x4_mul visit_i32x4_mul,
                I32X4_MIN_S i32x4_min_s visit_i32x4_min_s,
                I32X4_MIN_U i32x4_min_u visit_i32x4_min_u,
                I32X4_MAX_S i32x4_max_s visit_i32x4_max_s,
                I32X4_MAX_U i32x4_max_u visit_i32x4_max_u,
                I32X4_DOT_I16X8_S i32x4_dot_i16x8_s visit_i32x4_dot_i16x8_s,
                I32X4_EXTMUL_LOW_I16X8_S i32x4_extmul_low_i16x8_s visit_i32x4_extmul_low_i16x8_s,
                I32X4_EXTMUL_HIGH_I16X8_S i32x4_extmul_high_i16x8_s visit_i32x4_extmul_high_i16x8_s,
                I32X4_EXTMUL_LOW_I16X8_U i32x4_extmul_low_i16x8_u visit_i32x4_extmul_low_i16x8_u,
                I32X4_EXTMUL_HIGH_I16X8_U i32x4_extmul_high_i16x8_u visit_i32x4_extmul_high_i16x8_u,
                I64X2_ADD i64x2_add visit_i64x2_add,
                I64X2_SUB i64x2_sub visit_i64x2_sub,
                I64X2_MUL i64x2_mul visit_i64x2_mul,
                I64X2_EXTMUL_LOW_I32X4_S i64x2_extmul_low_i32x4_s visit_i64x2_extmul_low_i32x4_s,
                I64X2_EXTMUL_HIGH_I32X4_S i64x2_extmul_high_i32x4_s visit_i64x2_extmul_high_i32x4_s,
                I64X2_EXTMUL_LOW_I32X4_U i64x2_extmul_low_i32x4_u visit_i64x2_extmul_low_i32x4_u,
                I64X2_EXTMUL_HIGH_I32X4_U i64x2_extmul_high_i32x4_u visit_i64x2_extmul_high_i32x4_u,
                F32X4_ADD f32x4_add visit_f32x4_add,
                F32X4_SUB f32x4_sub visit_f32x4_sub,
                F32X4_MUL f32x4_mul visit_f32x4_mul,
                F32X4_DIV f32x4_div visit_f32x4_div,
                F32X4_MIN f32x4_min visit_f32x4_min,
                F32X4_MAX f32x4_max visit_f32x4_max,
                F32X4_PMIN f32x4_pmin visit_f32x4_pmin,
                F32X4_PMAX f32x4_pmax visit_f32x4_pmax,
                F64X2_ADD f64x2_add visit_f64x2_add,
                F64X2_SUB f64x2_sub visit_f64x2_sub,
                F64X2_MUL f64x2_mul visit_f64x2_mul,
                F64X2_DIV f64x2_div visit_f64x2_div,
                F64X2_MIN f64x2_min visit_f64x2_min,
                F64X2_MAX f64x2_max visit_f64x2_max,
                F64X2_PMIN f64x2_pmin visit_f64x2_pmin,
                F64X2_PMAX f64x2_pmax visit_f64x2_pmax,
                I8X16_RELAXED_SWIZZLE i8x16_relaxed_swizzle visit_i8x16_relaxed_swizzle,
                F32X4_RELAXED_MIN f32x4_relaxed_min visit_f32x4_relaxed_min,
                F32X4_RELAXED_MAX f32x4_relaxed_max visit_f32x4_relaxed_max,
                F64X2_RELAXED_MIN f64x2_relaxed_min visit_f64x2_relaxed_min,
                F64X2_RELAXED_MAX f64x2_relaxed_max visit_f64x2_relaxed_max,
                I16X8_RELAXED_Q15MULR_S i16x8_relaxed_q15mulr_s visit_i16x8_relaxed_q15mulr_s,
                I16X8_RELAXED_DOT_I8X16_I7X16_S i16x8_relaxed_dot_i8x16_i7x16_s visit_i16x8_relaxed_dot_i8x16_i7x16_s,
            ]
            // v128 → v128
            unary: [
                V128_NOT v128_not visit_v128_not,
                I8X16_ABS i8x16_abs visit_i8x16_abs,
                I8X16_NEG i8x16_neg visit_i8x16_neg,
                I8X16_POPCNT i8x16_popcnt visit_i8x16_popcnt,
                I16X8_EXTADD_PAIRWISE_I8X16_S i16x8_extadd_pairwise_i8x16_s visit_i16x8_extadd_pairwise_i8x16_s,
                I16X8_EXTADD_PAIRWISE_I8X16_U i16x8_extadd_pairwise_i8x16_u visit_i16x8_extadd_pairwise_i8x16_u,
                I16X8_ABS i16x8_abs visit_i16x8_abs,
                I16X8_NEG i16x8_neg visit_i16x8_neg,
                I16X8_EXTEND_LOW_I8X16_S i16x8_extend_low_i8x16_s visit_i16x8_extend_low_i8x16_s,
                I16X8_EXTEND_HIGH_I8X16_S i16x8_extend_high_i8x16_s visit_i16x8_extend_high_i8x16_s,
                I16X8_EXTEND_LOW_I8X16_U i16x8_extend_low_i8x16_u visit_i16x8_extend_low_i8x16_u,
                I16X8_EXTEND_HIGH_I8X16_U i16x8_extend_high_i8x16_u visit_i16x8_extend_high_i8x16_u,
                I32X4_EXTADD_PAIRWISE_I16X8_S i32x4_extadd_pairwise_i16x8_s visit_i32x4_extadd_pairwise_i16x8_s,
                I32X4_EXTADD_PAIRWISE_I16X8_U i32x4_extadd_pairwise_i16x8_u visit_i32x4_extadd_pairwise_i16x8_u,
                I32X4_ABS i32x4_abs visit_i32x4_abs,
                I32X4_NEG i32x4_neg visit_i32x4_neg,
                I32X4_EXTEND_LOW_I16X8_S i32x4_extend_low_i16x8_s visit_i32x4_extend_low_i16x8_s,
                I32X4_EXTEND_HIGH_I16X8_S i32x4_extend_high_i16x8_s visit_i32x4_extend_high_i16x8_s,
                I32X4_EXTEND_LOW_I16X8_U i32x4_extend_low_i16x8_u visit_i32x4_extend_low_i16x8_u,
                I32X4_EXTEND_HIGH_I16X8_U i32x4_extend_high_i16x8_u visit_i32x4_extend_high_i16x8_u,
                I64X2_ABS i64x2_abs visit_i64x2_abs,
                I64X2_NEG i64x2_neg visit_i64x2_neg,
                I64X2_EXTEND_LOW_I32X4_S i64x2_extend_low_i32x4_s visit_i64x2_extend_low_i32x4_s,
                I64X2_EXTEND_HIGH_I32X4_S i64x2_extend_high_i32x4_s visit_i64x2_extend_high_i32x4_s,
                I64X2_EXTEND_LOW_I32X4_U i64x2_extend_low_i32x4_u visit_i64x2_extend_low_i32x4_u,
                I64X2_EXTEND_HIGH_I32X4_U i64x2_extend_high_i32x4_u visit_i64x2_extend_high_i32x4_u,
                F32X4_CEIL f32x4_ceil visit_f32x4_ceil,
                F32X4_FLOOR f32x4_floor visit_f32x4_floor,
                F32X4_TRUNC f32x4_trunc visit_f32x4_trunc,
                F32X4_NEAREST f32x4_nearest visit_f32x4_nearest,
                F32X4_ABS f32x4_abs visit_f32x4_abs,
                F32X4_NEG f32x4_neg visit_f32x4_neg,
                F32X4_SQRT f32x4_sqrt visit_f32x4_sqrt,
                F64X2_CEIL f64x2_ceil visit_f64x2_ceil,
                F64X2_FLOOR f64x2_floor visit_f64x2_floor,
                F64X2_TRUNC f64x2_trunc visit_f64x2_trunc,
                F64X2_NEAREST f64x2_nearest visit_f64x2_nearest,
                F64X2_ABS f64x2_abs visit_f64x2_abs,
                F64X2_NEG f64x2_neg visit_f64x2_neg,
                F64X2_SQRT f64x2_sqrt visit_f64x2_sqrt,
                I32X4_TRUNC_SAT_F32X4_S i32x4_trunc_sat_f32x4_s visit_i32x4_trunc_sat_f32x4_s,
                I32X4_TRUNC_SAT_F32X4_U i32x4_trunc_sat_f32x4_u visit_i32x4_trunc_sat_f32x4_u,
                F32X4_CONVERT_I32X4_S f32x4_convert_i32x4_s visit_f32x4_convert_i32x4_s,
                F32X4_CONVERT_I32X4_U f32x4_convert_i32x4_u visit_f32x4_convert_i32x4_u,
                I32X4_TRUNC_SAT_F64X2_S_ZERO i32x4_trunc_sat_f64x2_s_zero visit_i32x4_trunc_sat_f64x2_s_zero,
                I32X4_TRUNC_SAT_F64X2_U_ZERO i32x4_trunc_sat_f64x2_u_zero visit_i32x4_trunc_sat_f64x2_u_zero,
                F64X2_CONVERT_LOW_I32X4_S f64x2_convert_low_i32x4_s visit_f64x2_convert_low_i32x4_s,
                F64X2_CONVERT_LOW_I32X4_U f64x2_convert_low_i32x4_u visit_f64x2_convert_low_i32x4_u,
                F32X4_DEMOTE_F64X2_ZERO f32x4_demote_f64x2_zero visit_f32x4_demote_f64x2_zero,
                F64X2_PROMOTE_LOW_F32X4 f64x2_promote_low_f32x4 visit_f64x2_promote_low_f32x4,
                I32X4_RELAXED_TRUNC_F32X4_S i32x4_relaxed_trunc_f32x4_s visit_i32x4_relaxed_trunc_f32x4_s,
                I32X4_RELAXED_TRUNC_F32X4_U i32x4_relaxed_trunc_f32x4_u visit_i32x4_relaxed_trunc_f32x4_u,
                I32X4_RELAXED_TRUNC_F64X2_S_ZERO i32x4_relaxed_trunc_f64x2_s_zero visit_i32x4_relaxed_trunc_f64x2_s_zero,
                I32X4_RELAXED_TRUNC_F64X2_U_ZERO i32x4_relaxed_trunc_f64x2_u_zero visit_i32x4_relaxed_trunc_f64x2_u_zero,
            ]
            // v128 × v128 × v128 → v128
            ternary: [
                V128_BITSELECT v128_bitselect visit_v128_bitselect,
                F32X4_RELAXED_MADD f32x4_relaxed_madd visit_f32x4_relaxed_madd,
                F32X4_RELAXED_NMADD f32x4_relaxed_nmadd visit_f32x4_relaxed_nmadd,
                F64X2_RELAXED_MADD f64x2_relaxed_madd visit_f64x2_relaxed_madd,
                F64X2_RELAXED_NMADD f64x2_relaxed_nmadd visit_f64x2_relaxed_nmadd,
                I8X16_RELAXED_LANESELECT i8x16_relaxed_laneselect visit_i8x16_relaxed_laneselect,
                I16X8_RELAXED_LANESELECT i16x8_relaxed_laneselect visit_i16x8_relaxed_laneselect,
                I32X4_RELAXED_LANESELECT i32x4_relaxed_laneselect visit_i32x4_relaxed_laneselect,
                I64X2_RELAXED_LANESELECT i64x2_relaxed_laneselect visit_i64x2_relaxed_laneselect,
                I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S i32x4_relaxed_dot_i8x16_i7x16_add_s visit_i32x4_relaxed_dot_i8x16_i7x16_add_s,
            ]
            // v128 → i32
            test: [
                V128_ANY_TRUE v128_any_true visit_v128_any_true,
                I8X16_ALL_TRUE i8x16_all_true visit_i8x16_all_true,
                I8X16_BITMASK i8x16_bitmask visit_i8x16_bitmask,
                I16X8_ALL_TRUE i16x8_all_true visit_i16x8_all_true,
                I16X8_BITMASK i16x8_bitmask visit_i16x8_bitmask,
                I32X4_ALL_TRUE i32x4_all_true visit_i32x4_all_true,
                I32X4_BITMASK i32x4_bitmask visit_i32x4_bitmask,
                I64X2_ALL_TRUE i64x2_all_true visit_i64x2_all_true,
                I64X2_BITMASK i64x2_bitmask visit_i64x2_bitmask,
            ]
            // v128 × i32 → v128
            shift: [
                I8X16_SHL i8x16_shl visit_i8x16_shl,
                I8X16_SHR_S i8x16_shr_s visit_i8x16_shr_s,
                I8X16_SHR_U i8x16_shr_u visit_i8x16_shr_u,
                I16X8_SHL i16x8_shl visit_i16x8_shl,
                I16X8_SHR_S i16x8_shr_s visit_i16x8_shr_s,
                I16X8_SHR_U i16x8_shr_u visit_i16x8_shr_u,
                I32X4_SHL i32x4_shl visit_i32x4_shl,
                I32X4_SHR_S i32x4_shr_s visit_i32x4_shr_s,
                I32X4_SHR_U i32x4_shr_u visit_i32x4_shr_u,
                I64X2_SHL i64x2_shl visit_i64x2_shl,
                I64X2_SHR_S i64x2_shr_s visit_i64x2_shr_s,
                I64X2_SHR_U i64x2_shr_u visit_i64x2_shr_u,
            ]
            // scalar (the cell's low 32 or all 64 bits) → v128
            splat: [
                I8X16_SPLAT i8x16_splat visit_i8x16_splat u32,
                I16X8_SPLAT i16x8_splat visit_i16x8_splat u32,
                I32X4_SPLAT i32x4_splat visit_i32x4_splat u32,
                F32X4_SPLAT f32x4_splat visit_f32x4_splat u32,
                I64X2_SPLAT i64x2_splat visit_i64x2_splat u64,
                F64X2_SPLAT f64x2_splat visit_f64x2_splat u64,
            ]
            // v128, lane → scalar
            extract: [
                I8X16_EXTRACT_LANE_S i8x16_extract_lane_s visit_i8x16_extract_lane_s u32,
                I8X16_EXTRACT_LANE_U i8x16_extract_lane_u visit_i8x16_extract_lane_u u32,
                I16X8_EXTRACT_LANE_S i16x8_extract_lane_s visit_i16x8_extract_lane_s u32,
                I16X8_EXTRACT_LANE_U i16x8_extract_lane_u visit_i16x8_extract_lane_u u32,
                I32X4_EXTRACT_LANE i32x4_extract_lane visit_i32x4_extract_lane u32,
                F32X4_EXTRACT_LANE f32x4_extract_lane visit_f32x4_extract_lane u32,
                I64X2_EXTRACT_LANE i64x2_extract_lane visit_i64x2_extract_lane u64,
                F64X2_EXTRACT_LANE f64x2_extract_lane visit_f64x2_extract_lane u64,
            ]
            // v128, scalar, lane → v128
            replace: [
                I8X16_REPLACE_LANE i8x16_replace_lane visit_i8x16_replace_lane u32,
                I16X8_REPLACE_LANE i16x8_replace_lane visit_i16x8_replace_lane u32,
                I32X4_REPLACE_LANE i32x4_replace_lane visit_i32x4_replace_lane u32,
                F32X4_REPLACE_LANE f32x4_replace_lane visit_f32x4_replace_lane u32,
                I64X2_REPLACE_LANE i64x2_replace_lane visit_i64x2_replace_lane u64,
                F64X2_REPLACE_LANE f64x2_replace_lane visit_f64x2_replace_lane u64,
            ]
            // memory → v128: a `$T` read, widened by the semantics function
            load: [
                V128_LOAD8X8_S v128_load8x8_s visit_v128_load8x8_s u64,
                V128_LOAD8X8_U v128_load8x8_u visit_v128_load8x8_u u64,
                V128_LOAD16X4_S v128_load16x4_s visit_v128_load16x4_s u64,
                V128_LOAD16X4_U v128_load16x4_u visit_v128_load16x4_u u64,
                V128_LOAD32X2_S v128_load32x2_s visit_v128_load32x2_s u64,
                V128_LOAD32X2_U v128_load32x2_u visit_v128_load32x2_u u64,
                V128_LOAD8_SPLAT v128_load8_splat visit_v128_load8_splat u8,
                V128_LOAD16_SPLAT v128_load16_splat visit_v128_load16_splat u16,
                V128_LOAD32_SPLAT v128_load32_splat visit_v128_load32_splat u32,
                V128_LOAD64_SPLAT v128_load64_splat visit_v128_load64_splat u64,
                V128_LOAD32_ZERO v128_load32_zero visit_v128_load32_zero u32,
                V128_LOAD64_ZERO v128_load64_zero visit_v128_load64_zero u64,
            ]
            // memory → one lane of a v128 (by the lane's `replace_lane`)
            load_lane: [
                V128_LOAD8_LANE v128_load8_lane visit_v128_load8_lane u8 u32 i8x16_replace_lane,
                V128_LOAD16_LANE v128_load16_lane visit_v128_load16_lane u16 u32 i16x8_replace_lane,
                V128_LOAD32_LANE v128_load32_lane visit_v128_load32_lane u32 u32 i32x4_replace_lane,
                V128_LOAD64_LANE v128_load64_lane visit_v128_load64_lane u64 u64 i64x2_replace_lane,
            ]
            // one lane of a v128 (by the lane's `extract_lane`) → memory
            store_lane: [
                V128_STORE8_LANE v128_store8_lane visit_v128_store8_lane u8 i8x16_extract_lane_u,
                V128_STORE16_LANE v128_store16_lane visit_v128_store16_lane u16 i16x8_extract_lane_u,
                V128_STORE32_LANE v128_store32_lane visit_v128_store32_lane u32 i32x4_extract_lane,
                V128_STORE64_LANE v128_store64_lane visit_v128_store64_lane u64 i64x2_extract_lane,
            ]
        }
    };
}
pub(crate) use simd_table;

/// Defines the handlers of [`simd_table!`] and this family's `infos()`.
macro_rules! simd_handlers {
    (
        binary: [$($BIN:ident $bin:ident $_bv:ident),* $(,)?]
        unary: [$($UN:ident $un:ident $_uv:ident),* $(,)?]
        ternary: [$($TERN:ident $tern:ident $_tv:ident),* $(,)?]
        test: [$($TEST:ident $test:ident $_xv:ident),* $(,)?]
        shift: [$($SH:ident $sh:ident $_sv:ident),* $(,)?]
        splat: [$($SPLAT:ident $splat:ident $_spv:ident $splat_t:ident),* $(,)?]
        extract: [$($EXT:ident $ext:ident $_ev:ident $ext_t:ident),* $(,)?]
        replace: [$($REP:ident $rep:ident $_rv:ident $rep_t:ident),* $(,)?]
        load: [$($LOAD:ident $load:ident $_lv:ident $load_t:ident),* $(,)?]
        load_lane: [$($LL:ident $ll_name:ident $_llv:ident $ll_t:ident $ll_x:ident $ll:ident),* $(,)?]
        store_lane: [$($SL:ident $sl_name:ident $_slv:ident $sl_t:ident $sl:ident),* $(,)?]
    ) => {
        $(def!($BIN: BinRR, wasm_name!($bin), |imm, ip, sp, mem, len, ctx, acc| {
            let r = v128::$bin(rd_v128(sp, imm.a), rd_v128(sp, imm.b));
            wr_v128(sp, imm.dst, r);
            next!(BinRR, ip, sp, mem, len, ctx, acc)
        });)*
        $(def!($UN: Un, wasm_name!($un), |imm, ip, sp, mem, len, ctx, acc| {
            wr_v128(sp, imm.dst, v128::$un(rd_v128(sp, imm.src)));
            next!(Un, ip, sp, mem, len, ctx, acc)
        });)*
        $(def!($TERN: Tern, wasm_name!($tern), |imm, ip, sp, mem, len, ctx, acc| {
            let r = v128::$tern(rd_v128(sp, imm.a), rd_v128(sp, imm.b), rd_v128(sp, imm.c));
            wr_v128(sp, imm.dst, r);
            next!(Tern, ip, sp, mem, len, ctx, acc)
        });)*
        $(def!($TEST: Un, wasm_name!($test), |imm, ip, sp, mem, len, ctx, acc| {
            let r: u32 = v128::$test(rd_v128(sp, imm.src));
            wr(sp, imm.dst, r);
            next!(Un, ip, sp, mem, len, ctx, acc)
        });)*
        $(def!($SH: BinRR, wasm_name!($sh), |imm, ip, sp, mem, len, ctx, acc| {
            let r = v128::$sh(rd_v128(sp, imm.a), rd::<u32>(sp, imm.b));
            wr_v128(sp, imm.dst, r);
            next!(BinRR, ip, sp, mem, len, ctx, acc)
        });)*
        $(def!($SPLAT: Un, wasm_name!($splat), |imm, ip, sp, mem, len, ctx, acc| {
            wr_v128(sp, imm.dst, v128::$splat(rd::<$splat_t>(sp, imm.src)));
            next!(Un, ip, sp, mem, len, ctx, acc)
        });)*
        $(def!($EXT: Lane, wasm_name!($ext), |imm, ip, sp, mem, len, ctx, acc| {
            let r: $ext_t = v128::$ext(rd_v128(sp, imm.a), imm.lane as u8);
            wr(sp, imm.dst, r);
            next!(Lane, ip, sp, mem, len, ctx, acc)
        });)*
        $(def!($REP: ReplaceLane, wasm_name!($rep), |imm, ip, sp, mem, len, ctx, acc| {
            let x = rd::<$rep_t>(sp, imm.x);
            wr_v128(sp, imm.dst, v128::$rep(rd_v128(sp, imm.a), imm.lane as u8, x));
            next!(ReplaceLane, ip, sp, mem, len, ctx, acc)
        });)*
        $(def!($LOAD: LoadX, wasm_name!($load), |imm, ip, sp, mem, len, ctx, acc| {
            let at = effective_address!($load_t, imm, ip, sp, mem, len, ctx);
            let x = mem_read!($load_t, at);
            wr_v128(sp, imm.dst, v128::$load(x as _));
            next!(LoadX, ip, sp, mem, len, ctx, acc)
        });)*
        $(def!($LL: LoadLane, wasm_name!($ll_name), |imm, ip, sp, mem, len, ctx, acc| {
            let at = effective_address!($ll_t, imm, ip, sp, mem, len, ctx);
            let x = mem_read!($ll_t, at) as $ll_x;
            wr_v128(sp, imm.dst, v128::$ll(rd_v128(sp, imm.src), imm.lane as u8, x));
            next!(LoadLane, ip, sp, mem, len, ctx, acc)
        });)*
        $(def!($SL: StoreLane, wasm_name!($sl_name), |imm, ip, sp, mem, len, ctx, acc| {
            let at = effective_address!($sl_t, imm, ip, sp, mem, len, ctx);
            let x = v128::$sl(rd_v128(sp, imm.src), imm.lane as u8) as $sl_t;
            mem_write!($sl_t, at, x);
            next!(StoreLane, ip, sp, mem, len, ctx, acc)
        });)*

        /// This family's instructions, for [`all`](super::all).
        pub(super) fn infos() -> Vec<OpInfo> {
            let mut v = info!(
                V128_LOAD: LoadX,
                V128_STORE: StoreX,
                I8X16_SHUFFLE: Shuffle,
                I32X4_SHUFFLE: Shuffle,
            );
            v.extend(info!($($BIN: BinRR),*));
            v.extend(info!($($UN: Un),*));
            v.extend(info!($($TERN: Tern),*));
            v.extend(info!($($TEST: Un),*));
            v.extend(info!($($SH: BinRR),*));
            v.extend(info!($($SPLAT: Un),*));
            v.extend(info!($($EXT: Lane),*));
            v.extend(info!($($REP: ReplaceLane),*));
            v.extend(info!($($LOAD: LoadX),*));
            v.extend(info!($($LL: LoadLane),*));
            v.extend(info!($($SL: StoreLane),*));
            v
        }
    };
}

simd_table!(simd_handlers);

def!(V128_LOAD: LoadX, "v128.load", |imm, ip, sp, mem, len, ctx, acc| {
    let at = effective_address!(u128, imm, ip, sp, mem, len, ctx);
    wr_v128(sp, imm.dst, mem_read!(u128, at));
    next!(LoadX, ip, sp, mem, len, ctx, acc)
});

def!(V128_STORE: StoreX, "v128.store", |imm, ip, sp, mem, len, ctx, acc| {
    let at = effective_address!(u128, imm, ip, sp, mem, len, ctx);
    mem_write!(u128, at, rd_v128(sp, imm.src));
    next!(StoreX, ip, sp, mem, len, ctx, acc)
});

def!(I8X16_SHUFFLE: Shuffle, "i8x16.shuffle", |imm, ip, sp, mem, len, ctx, acc| {
    let lanes = (imm.lanes_lo as u128 | (imm.lanes_hi as u128) << 64).to_le_bytes();
    let r = v128::i8x16_shuffle(rd_v128(sp, imm.a), rd_v128(sp, imm.b), lanes);
    wr_v128(sp, imm.dst, r);
    next!(Shuffle, ip, sp, mem, len, ctx, acc)
});

def!(I32X4_SHUFFLE: Shuffle, "i8x16.shuffle", |imm, ip, sp, mem, len, ctx, acc| {
    // An `i8x16.shuffle` of whole 32-bit lanes: the four word indices in `lanes_lo`.
    let words = (imm.lanes_lo as u32).to_le_bytes();
    let r = v128::i32x4_shuffle(rd_v128(sp, imm.a), rd_v128(sp, imm.b), words);
    wr_v128(sp, imm.dst, r);
    next!(Shuffle, ip, sp, mem, len, ctx, acc)
});

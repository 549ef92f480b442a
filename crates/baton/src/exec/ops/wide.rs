//! The wide-arithmetic proposal: 128-bit addition and subtraction on i64 pairs, and
//! 64×64→128-bit multiplication. Results are two i64 halves, the low half in `dst`, the high
//! half in `dst + 1` (the translator reserves both slots). Every operand is read before
//! either half is written: a result slot may be an operand's.

use super::*;

/// The 128-bit value of the i64 pair in slots `lo`, `hi`.
#[inline(always)]
unsafe fn rd128(sp: Sp, lo: u32, hi: u32) -> u128 {
    // SAFETY: both slots are inside the frame (translation invariant).
    unsafe { (rd::<u64>(sp, lo) as u128) | ((rd::<u64>(sp, hi) as u128) << 64) }
}

/// Writes `v` as an i64 pair to slots `dst` (low half) and `dst + 1` (high half).
#[inline(always)]
unsafe fn wr128(sp: Sp, dst: u32, v: u128) {
    // SAFETY: the translator reserves `dst` and `dst + 1` in the frame for the two results.
    unsafe {
        wr(sp, dst, v as u64);
        wr(sp, dst + 1, (v >> 64) as u64);
    }
}

def!(I64_ADD128: Wide128, "i64.add128", |imm, ip, sp, mem, len, ctx, acc| {
    let r = rd128(sp, imm.a_lo, imm.a_hi).wrapping_add(rd128(sp, imm.b_lo, imm.b_hi));
    wr128(sp, imm.dst, r);
    next!(Wide128, ip, sp, mem, len, ctx, acc)
});

def!(I64_SUB128: Wide128, "i64.sub128", |imm, ip, sp, mem, len, ctx, acc| {
    let r = rd128(sp, imm.a_lo, imm.a_hi).wrapping_sub(rd128(sp, imm.b_lo, imm.b_hi));
    wr128(sp, imm.dst, r);
    next!(Wide128, ip, sp, mem, len, ctx, acc)
});

def!(I64_MUL_WIDE_S: BinRR, "i64.mul_wide_s", |imm, ip, sp, mem, len, ctx, acc| {
    let r = (rd::<i64>(sp, imm.a) as i128).wrapping_mul(rd::<i64>(sp, imm.b) as i128);
    wr128(sp, imm.dst, r as u128);
    next!(BinRR, ip, sp, mem, len, ctx, acc)
});

def!(I64_MUL_WIDE_U: BinRR, "i64.mul_wide_u", |imm, ip, sp, mem, len, ctx, acc| {
    let r = (rd::<u64>(sp, imm.a) as u128).wrapping_mul(rd::<u64>(sp, imm.b) as u128);
    wr128(sp, imm.dst, r);
    next!(BinRR, ip, sp, mem, len, ctx, acc)
});

/// This family's instructions, for [`all`](super::all).
pub(super) fn infos() -> Vec<OpInfo> {
    info!(
        I64_ADD128: Wide128,
        I64_SUB128: Wide128,
        I64_MUL_WIDE_S: BinRR,
        I64_MUL_WIDE_U: BinRR,
    )
}

//! Control flow: `unreachable`, branches (plain, carrying a value, conditional),
//! `br_table`, and the fused forms of loops: compare-and-branch and add-and-branch, with
//! their vias. (Loads that only decide a branch are memory instructions, in `memory.rs`.)
//!
//! Every branch lands where its offset says: the translator makes each offset (and each
//! `br_table` entry) point at the start of an instruction of the same function, so the
//! `jump!` of a branch reads a handler's word.

use super::metering::out_of_fuel;
use super::*;

def!(UNREACHABLE: TrapImm, "trap", |imm, ip, sp, mem, len, ctx, acc| {
    trap(ctx, ip, TrapCode::from_u32(imm.code))
});

def!(BR: Br, "br", |imm, ip, sp, mem, len, ctx, acc| {
    jump!(ip.offset(imm.offset as isize), sp, mem, len, ctx, acc)
});

def!(COPY_BR: CopyBr, "copy.br", |imm, ip, sp, mem, len, ctx, acc| {
    wr(sp, imm.dst, rd::<u64>(sp, imm.src));
    jump!(ip.offset(imm.offset as isize), sp, mem, len, ctx, acc)
});

def!(CONST_BR: ConstBr, "const.br", |imm, ip, sp, mem, len, ctx, acc| {
    wr(sp, imm.dst, imm.val);
    jump!(ip.offset(imm.offset as isize), sp, mem, len, ctx, acc)
});

def_via!(BR_IF_NEZ, VIA_BR_IF_NEZ: BrCond, "br_if_nez", |imm, ip, sp, mem, len, ctx, acc| {
    if rd::<u32>(sp, imm.cond) != 0 {
        jump!(ip.offset(imm.offset as isize), sp, mem, len, ctx, acc)
    }
    next!(BrCond, ip, sp, mem, len, ctx, acc)
});

def!(BR_IF_NEZ_COPY: BrIfCopy, "copy.br_if_nez", |imm, ip, sp, mem, len, ctx, acc| {
    if rd::<u32>(sp, imm.cond) != 0 {
        wr(sp, imm.dst, rd::<u64>(sp, imm.src));
        jump!(ip.offset(imm.offset as isize), sp, mem, len, ctx, acc)
    }
    next!(BrIfCopy, ip, sp, mem, len, ctx, acc)
});

def!(BR_IF_NEZ_COPY_A: BrIfCopyAcc, "copy.br_if_nez", |imm, ip, sp, mem, len, ctx, acc| {
    let v = acc.i;
    if v as u32 != 0 {
        wr(sp, imm.dst, v);
        jump!(ip.offset(imm.offset as isize), sp, mem, len, ctx, acc)
    }
    next!(BrIfCopyAcc, ip, sp, mem, len, ctx, acc)
});

/// A branch that carries a value back to a loop whose first instruction adds a constant
/// to that value, or subtracts one (a loop counting through its parameter: `loop (param
/// i32) (i32.sub (i32.const 1)) (local.tee $n) (local.get $n) (br_if $l)`), runs that
/// instruction where it stands, as a via does (see `via_entry`): it copies the value, moves
/// `ip` to the target and computes the target's result from the value it holds in a
/// register, then continues after the target. That saves the target's dispatch, and the
/// value's trip through its slot (a store and a load forwarded from it) on the loop's
/// dependency chain.
///
/// `head_vias!(NAME "name": BRANCH(copy_a | copy) over HEAD_FORM (layout, sem, out);)`,
/// `out` being how the target's form leaves its result: `slot` (written and passed on in
/// the accumulator) or `acc` (in the accumulator only).
macro_rules! head_vias {
    ($($NAME:ident $name:literal: $kind:ident over $HEAD:ident . $form:ident ($I:ident, $f:path, $out:ident);)*) => {
        $(def!($NAME: head_vias!(@layout $kind), $name, |imm, ip, sp, mem, len, ctx, acc| {
            let (taken, v) = head_vias!(@value $kind, imm, sp, acc);
            if taken {
                wr(sp, imm.dst, v);
                // SAFETY: `FuncTranslator::run_loop_head` writes this handler only over a
                // branch whose target is an instruction of layout `$I` computing `$f` of
                // the slot `dst` and its constant: the branch has just written `v` there,
                // so the target's operand is `v`. Its slots are inside the frame
                // (translation invariant), and the next instruction starts after it.
                let ip: Ip = opaque(ip.offset(imm.offset as isize));
                let head = *(ip.add(1) as *const $I);
                match $f(Cell::from_cell(v), head.imm) {
                    Ok(r) => head_vias!(@out $out, r, head, $I, ip, sp, mem, len, ctx, acc),
                    Err(code) => trap(ctx, ip, code),
                }
            } else {
                next!(head_vias!(@layout $kind), ip, sp, mem, len, ctx, acc)
            }
        });)*

        /// Each branch of [`head_vias!`] with the target it runs and the handler that
        /// runs it, for `FuncTranslator::run_loop_head`.
        pub(crate) fn head_vias() -> Vec<HeadVia> {
            vec![$(HeadVia {
                branch: head_vias!(@branch $kind).code,
                head: super::numeric::$HEAD
                    .imm
                    .expect("an integer operation has constant forms")
                    .$form
                    .code,
                via: $NAME.erase(),
                wide: head_vias!(@wide $I),
            }),*]
        }

        fn head_via_ops() -> Vec<OpInfo> {
            info!($($NAME: head_vias!(@layout $kind)),*)
        }
    };
    (@layout copy_a) => { BrIfCopyAcc };
    (@layout copy) => { BrIfCopy };
    (@branch copy_a) => { BR_IF_NEZ_COPY_A };
    (@branch copy) => { BR_IF_NEZ_COPY };
    (@wide BinRI32) => { false };
    (@wide BinRI64) => { true };
    // The condition is the value itself (its low 32 bits, an `i32`).
    (@value copy_a, $imm:ident, $sp:ident, $acc:ident) => {{
        let v = $acc.i;
        (v as u32 != 0, v)
    }};
    (@value copy, $imm:ident, $sp:ident, $acc:ident) => {
        (rd::<u32>($sp, $imm.cond) != 0, rd::<u64>($sp, $imm.src))
    };
    (@out slot, $r:ident, $head:ident, $I:ty, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        wr($sp, $head.dst, $r);
        let $acc = Cell::pass_on($r, $acc);
        next!($I, $ip, $sp, $mem, $len, $ctx, $acc)
    }};
    (@out acc, $r:ident, $head:ident, $I:ty, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        let $acc = Cell::into_acc($r, $acc);
        next!($I, $ip, $sp, $mem, $len, $ctx, $acc)
    }};
}

/// A branch of [`head_vias!`], the loop's first instruction it runs, and its handler.
#[derive(Clone, Copy)]
pub(crate) struct HeadVia {
    /// The branch (`copy.br_if_nez`, from a slot or from the accumulator).
    pub branch: crate::ir::OpCode,
    /// The target's instruction, which must read the slot the branch writes.
    pub head: crate::ir::OpCode,
    /// The handler that replaces the branch's (same layout).
    pub via: crate::ir::AnyOp,
    /// Whether the target's layout is `BinRI64` (else `BinRI32`).
    pub wide: bool,
}

head_vias! {
    BR_IF_NEZ_COPY_A_HEAD_ADD "copy.br_if_nez>i32.add": copy_a over I32_ADD.ri (BinRI32, sem::i32::add, slot);
    BR_IF_NEZ_COPY_A_HEAD_ADD_A "copy.br_if_nez>i32.add": copy_a over I32_ADD.ri_a (BinRI32, sem::i32::add, acc);
    BR_IF_NEZ_COPY_A_HEAD_SUB "copy.br_if_nez>i32.sub": copy_a over I32_SUB.ri (BinRI32, sem::i32::sub, slot);
    BR_IF_NEZ_COPY_A_HEAD_SUB_A "copy.br_if_nez>i32.sub": copy_a over I32_SUB.ri_a (BinRI32, sem::i32::sub, acc);
    BR_IF_NEZ_COPY_HEAD_ADD "copy.br_if_nez>i32.add": copy over I32_ADD.ri (BinRI32, sem::i32::add, slot);
    BR_IF_NEZ_COPY_HEAD_ADD_A "copy.br_if_nez>i32.add": copy over I32_ADD.ri_a (BinRI32, sem::i32::add, acc);
    BR_IF_NEZ_COPY_HEAD_SUB "copy.br_if_nez>i32.sub": copy over I32_SUB.ri (BinRI32, sem::i32::sub, slot);
    BR_IF_NEZ_COPY_HEAD_SUB_A "copy.br_if_nez>i32.sub": copy over I32_SUB.ri_a (BinRI32, sem::i32::sub, acc);
    BR_IF_NEZ_COPY_HEAD_ADD64 "copy.br_if_nez>i64.add": copy over I64_ADD.ri (BinRI64, sem::i64::add, slot);
    BR_IF_NEZ_COPY_HEAD_ADD64_A "copy.br_if_nez>i64.add": copy over I64_ADD.ri_a (BinRI64, sem::i64::add, acc);
    BR_IF_NEZ_COPY_HEAD_SUB64 "copy.br_if_nez>i64.sub": copy over I64_SUB.ri (BinRI64, sem::i64::sub, slot);
    BR_IF_NEZ_COPY_HEAD_SUB64_A "copy.br_if_nez>i64.sub": copy over I64_SUB.ri_a (BinRI64, sem::i64::sub, acc);
}

def_via!(BR_IF_EQZ, VIA_BR_IF_EQZ: BrCond, "br_if_eqz", |imm, ip, sp, mem, len, ctx, acc| {
    if rd::<u32>(sp, imm.cond) == 0 {
        jump!(ip.offset(imm.offset as isize), sp, mem, len, ctx, acc)
    }
    next!(BrCond, ip, sp, mem, len, ctx, acc)
});

def!(CONST_BR_IF_NEZ: ConstBrCond, "const.br_if_nez", |imm, ip, sp, mem, len, ctx, acc| {
    wr(sp, imm.dst, imm.val);
    // The rest of the immediates is read only after the store (see `add_brs!`); the test
    // sees the constant when `cond` is `dst`.
    let imm = *(ip.add(1) as *const ConstBrCond);
    if rd::<u32>(sp, imm.cond) != 0 {
        jump!(ip.offset(imm.offset as isize), sp, mem, len, ctx, acc)
    }
    next!(ConstBrCond, ip, sp, mem, len, ctx, acc)
});

def!(CONST_BR_IF_EQZ: ConstBrCond, "const.br_if_eqz", |imm, ip, sp, mem, len, ctx, acc| {
    wr(sp, imm.dst, imm.val);
    // The rest of the immediates is read only after the store (see `add_brs!`); the test
    // sees the constant when `cond` is `dst`.
    let imm = *(ip.add(1) as *const ConstBrCond);
    if rd::<u32>(sp, imm.cond) == 0 {
        jump!(ip.offset(imm.offset as isize), sp, mem, len, ctx, acc)
    }
    next!(ConstBrCond, ip, sp, mem, len, ctx, acc)
});

def_via!(BR_IF_NEZ64, VIA_BR_IF_NEZ64: BrCond, "br_if_nez64", |imm, ip, sp, mem, len, ctx, acc| {
    if rd::<u64>(sp, imm.cond) != 0 {
        jump!(ip.offset(imm.offset as isize), sp, mem, len, ctx, acc)
    }
    next!(BrCond, ip, sp, mem, len, ctx, acc)
});

def_via!(BR_IF_EQZ64, VIA_BR_IF_EQZ64: BrCond, "br_if_eqz64", |imm, ip, sp, mem, len, ctx, acc| {
    if rd::<u64>(sp, imm.cond) == 0 {
        jump!(ip.offset(imm.offset as isize), sp, mem, len, ctx, acc)
    }
    next!(BrCond, ip, sp, mem, len, ctx, acc)
});

def_via!(BR_IF_NEZ_A, VIA_BR_IF_NEZ_A: Br, "br_if_nez", |imm, ip, sp, mem, len, ctx, acc| {
    if acc.i as u32 != 0 {
        jump!(ip.offset(imm.offset as isize), sp, mem, len, ctx, acc)
    }
    next!(Br, ip, sp, mem, len, ctx, acc)
});

def_via!(BR_IF_EQZ_A, VIA_BR_IF_EQZ_A: Br, "br_if_eqz", |imm, ip, sp, mem, len, ctx, acc| {
    if acc.i as u32 == 0 {
        jump!(ip.offset(imm.offset as isize), sp, mem, len, ctx, acc)
    }
    next!(Br, ip, sp, mem, len, ctx, acc)
});

def_via!(BR_TABLE, VIA_BR_TABLE: BrTable, "br_table", |imm, ip, sp, mem, len, ctx, acc| {
    let i = rd::<u32>(sp, imm.index).min(imm.len) as usize;
    // SAFETY: the translator emits `len + 1` entries right after the instruction, and
    // `i <= len`; each is sealed (`CodeBuf::seal_tables`), as `table_jump!` requires.
    table_jump!(ip, *ip.add(words::<BrTable>() + i), sp, mem, len, ctx, acc)
});

def_via!(BR_TABLE_BIAS, VIA_BR_TABLE_BIAS: BrTableBias, "br_table", |imm, ip, sp, mem, len, ctx, acc| {
    let i = rd::<u32>(sp, imm.index).wrapping_add(imm.bias as u32).min(imm.len) as usize;
    // SAFETY: as for `BR_TABLE`.
    table_jump!(ip, *ip.add(words::<BrTableBias>() + i), sp, mem, len, ctx, acc)
});

def_via!(BR_TABLE_BIAS_A, VIA_BR_TABLE_BIAS_A: BrTableBias, "br_table", |imm, ip, sp, mem, len, ctx, acc| {
    // The index's operand comes from the accumulator (the add read it from there).
    let i = (acc.i as u32).wrapping_add(imm.bias as u32).min(imm.len) as usize;
    // SAFETY: as for `BR_TABLE`.
    table_jump!(ip, *ip.add(words::<BrTableBias>() + i), sp, mem, len, ctx, acc)
});

/// Fused compare-and-branch: branches when the comparison holds. `$imm` turns the
/// immediate into the comparison's operand type (the identity for integers, the bits of
/// the constant for floats).
macro_rules! br_cmps {
    ($family:ident, $vias:ident, $imm:path; $($name:literal $f:path => $RR_:ident / $VRR:ident, $RI_:ident / $VRI:ident: $RI:ident;)*) => {
        $(
            def_via!($RR_, $VRR: BrCmpRR, $name, |imm, ip, sp, mem, len, ctx, acc| {
                if let Ok(true) = $f(rd(sp, imm.a), rd(sp, imm.b)) {
                    jump!(ip.offset(imm.offset as isize), sp, mem, len, ctx, acc)
                }
                next!(BrCmpRR, ip, sp, mem, len, ctx, acc)
            });
            def_via!($RI_, $VRI: $RI, $name, |imm, ip, sp, mem, len, ctx, acc| {
                if let Ok(true) = $f(rd(sp, imm.a), $imm(imm.imm)) {
                    jump!(ip.offset(imm.offset as isize), sp, mem, len, ctx, acc)
                }
                next!($RI, ip, sp, mem, len, ctx, acc)
            });
        )*
        fn $family() -> Vec<OpInfo> {
            let mut v = info!($($RR_: BrCmpRR),*);
            $(v.extend(info!($RI_: $RI));)*
            v
        }
        /// Each instruction's via (see [`def_via`]).
        fn $vias() -> Vec<Via> {
            vec![$(
                Via { target: $RR_.code, vias: $VRR, module: module_path!(), owner: stringify!($VRR), forms: ["br", "copy_br"] },
                Via { target: $RI_.code, vias: $VRI, module: module_path!(), owner: stringify!($VRI), forms: ["br", "copy_br"] },
            )*]
        }
    };
}

br_cmps! { br_cmp_ops, br_cmp_vias, core::convert::identity;
    "br_if.i32.eq" sem::i32::eq => BR_I32_EQ / VIA_BR_I32_EQ, BR_I32_EQ_RI / VIA_BR_I32_EQ_RI: BrCmpRI32;
    "br_if.i32.ne" sem::i32::ne => BR_I32_NE / VIA_BR_I32_NE, BR_I32_NE_RI / VIA_BR_I32_NE_RI: BrCmpRI32;
    "br_if.i32.lt_s" sem::i32::lt_s => BR_I32_LT_S / VIA_BR_I32_LT_S, BR_I32_LT_S_RI / VIA_BR_I32_LT_S_RI: BrCmpRI32;
    "br_if.i32.lt_u" sem::i32::lt_u => BR_I32_LT_U / VIA_BR_I32_LT_U, BR_I32_LT_U_RI / VIA_BR_I32_LT_U_RI: BrCmpRI32;
    "br_if.i32.gt_s" sem::i32::gt_s => BR_I32_GT_S / VIA_BR_I32_GT_S, BR_I32_GT_S_RI / VIA_BR_I32_GT_S_RI: BrCmpRI32;
    "br_if.i32.gt_u" sem::i32::gt_u => BR_I32_GT_U / VIA_BR_I32_GT_U, BR_I32_GT_U_RI / VIA_BR_I32_GT_U_RI: BrCmpRI32;
    "br_if.i32.le_s" sem::i32::le_s => BR_I32_LE_S / VIA_BR_I32_LE_S, BR_I32_LE_S_RI / VIA_BR_I32_LE_S_RI: BrCmpRI32;
    "br_if.i32.le_u" sem::i32::le_u => BR_I32_LE_U / VIA_BR_I32_LE_U, BR_I32_LE_U_RI / VIA_BR_I32_LE_U_RI: BrCmpRI32;
    "br_if.i32.ge_s" sem::i32::ge_s => BR_I32_GE_S / VIA_BR_I32_GE_S, BR_I32_GE_S_RI / VIA_BR_I32_GE_S_RI: BrCmpRI32;
    "br_if.i32.ge_u" sem::i32::ge_u => BR_I32_GE_U / VIA_BR_I32_GE_U, BR_I32_GE_U_RI / VIA_BR_I32_GE_U_RI: BrCmpRI32;
    "br_if.i64.eq" sem::i64::eq => BR_I64_EQ / VIA_BR_I64_EQ, BR_I64_EQ_RI / VIA_BR_I64_EQ_RI: BrCmpRI64;
    "br_if.i64.ne" sem::i64::ne => BR_I64_NE / VIA_BR_I64_NE, BR_I64_NE_RI / VIA_BR_I64_NE_RI: BrCmpRI64;
    "br_if.i64.lt_s" sem::i64::lt_s => BR_I64_LT_S / VIA_BR_I64_LT_S, BR_I64_LT_S_RI / VIA_BR_I64_LT_S_RI: BrCmpRI64;
    "br_if.i64.lt_u" sem::i64::lt_u => BR_I64_LT_U / VIA_BR_I64_LT_U, BR_I64_LT_U_RI / VIA_BR_I64_LT_U_RI: BrCmpRI64;
    "br_if.i64.gt_s" sem::i64::gt_s => BR_I64_GT_S / VIA_BR_I64_GT_S, BR_I64_GT_S_RI / VIA_BR_I64_GT_S_RI: BrCmpRI64;
    "br_if.i64.gt_u" sem::i64::gt_u => BR_I64_GT_U / VIA_BR_I64_GT_U, BR_I64_GT_U_RI / VIA_BR_I64_GT_U_RI: BrCmpRI64;
    "br_if.i64.le_s" sem::i64::le_s => BR_I64_LE_S / VIA_BR_I64_LE_S, BR_I64_LE_S_RI / VIA_BR_I64_LE_S_RI: BrCmpRI64;
    "br_if.i64.le_u" sem::i64::le_u => BR_I64_LE_U / VIA_BR_I64_LE_U, BR_I64_LE_U_RI / VIA_BR_I64_LE_U_RI: BrCmpRI64;
    "br_if.i64.ge_s" sem::i64::ge_s => BR_I64_GE_S / VIA_BR_I64_GE_S, BR_I64_GE_S_RI / VIA_BR_I64_GE_S_RI: BrCmpRI64;
    "br_if.i64.ge_u" sem::i64::ge_u => BR_I64_GE_U / VIA_BR_I64_GE_U, BR_I64_GE_U_RI / VIA_BR_I64_GE_U_RI: BrCmpRI64;
}

// Float compare-and-branch. Besides the six comparisons, the four negated ones (`not_lt`
// ...): a branch on `i32.eqz` of a float comparison, or an `if` on one, is taken when the
// comparison is false, which for NaN operands is not the opposite comparison.
br_cmps! { br_fcmp_ops, br_fcmp_vias, super::numeric::float_bits;
    "br_if.f32.eq" sem::f32::eq => BR_F32_EQ / VIA_BR_F32_EQ, BR_F32_EQ_RI / VIA_BR_F32_EQ_RI: BrCmpRI32;
    "br_if.f32.ne" sem::f32::ne => BR_F32_NE / VIA_BR_F32_NE, BR_F32_NE_RI / VIA_BR_F32_NE_RI: BrCmpRI32;
    "br_if.f32.lt" sem::f32::lt => BR_F32_LT / VIA_BR_F32_LT, BR_F32_LT_RI / VIA_BR_F32_LT_RI: BrCmpRI32;
    "br_if.f32.gt" sem::f32::gt => BR_F32_GT / VIA_BR_F32_GT, BR_F32_GT_RI / VIA_BR_F32_GT_RI: BrCmpRI32;
    "br_if.f32.le" sem::f32::le => BR_F32_LE / VIA_BR_F32_LE, BR_F32_LE_RI / VIA_BR_F32_LE_RI: BrCmpRI32;
    "br_if.f32.ge" sem::f32::ge => BR_F32_GE / VIA_BR_F32_GE, BR_F32_GE_RI / VIA_BR_F32_GE_RI: BrCmpRI32;
    "br_if.f32.not_lt" sem::f32::not_lt => BR_F32_NOT_LT / VIA_BR_F32_NOT_LT, BR_F32_NOT_LT_RI / VIA_BR_F32_NOT_LT_RI: BrCmpRI32;
    "br_if.f32.not_gt" sem::f32::not_gt => BR_F32_NOT_GT / VIA_BR_F32_NOT_GT, BR_F32_NOT_GT_RI / VIA_BR_F32_NOT_GT_RI: BrCmpRI32;
    "br_if.f32.not_le" sem::f32::not_le => BR_F32_NOT_LE / VIA_BR_F32_NOT_LE, BR_F32_NOT_LE_RI / VIA_BR_F32_NOT_LE_RI: BrCmpRI32;
    "br_if.f32.not_ge" sem::f32::not_ge => BR_F32_NOT_GE / VIA_BR_F32_NOT_GE, BR_F32_NOT_GE_RI / VIA_BR_F32_NOT_GE_RI: BrCmpRI32;
    "br_if.f64.eq" sem::f64::eq => BR_F64_EQ / VIA_BR_F64_EQ, BR_F64_EQ_RI / VIA_BR_F64_EQ_RI: BrCmpRI64;
    "br_if.f64.ne" sem::f64::ne => BR_F64_NE / VIA_BR_F64_NE, BR_F64_NE_RI / VIA_BR_F64_NE_RI: BrCmpRI64;
    "br_if.f64.lt" sem::f64::lt => BR_F64_LT / VIA_BR_F64_LT, BR_F64_LT_RI / VIA_BR_F64_LT_RI: BrCmpRI64;
    "br_if.f64.gt" sem::f64::gt => BR_F64_GT / VIA_BR_F64_GT, BR_F64_GT_RI / VIA_BR_F64_GT_RI: BrCmpRI64;
    "br_if.f64.le" sem::f64::le => BR_F64_LE / VIA_BR_F64_LE, BR_F64_LE_RI / VIA_BR_F64_LE_RI: BrCmpRI64;
    "br_if.f64.ge" sem::f64::ge => BR_F64_GE / VIA_BR_F64_GE, BR_F64_GE_RI / VIA_BR_F64_GE_RI: BrCmpRI64;
    "br_if.f64.not_lt" sem::f64::not_lt => BR_F64_NOT_LT / VIA_BR_F64_NOT_LT, BR_F64_NOT_LT_RI / VIA_BR_F64_NOT_LT_RI: BrCmpRI64;
    "br_if.f64.not_gt" sem::f64::not_gt => BR_F64_NOT_GT / VIA_BR_F64_NOT_GT, BR_F64_NOT_GT_RI / VIA_BR_F64_NOT_GT_RI: BrCmpRI64;
    "br_if.f64.not_le" sem::f64::not_le => BR_F64_NOT_LE / VIA_BR_F64_NOT_LE, BR_F64_NOT_LE_RI / VIA_BR_F64_NOT_LE_RI: BrCmpRI64;
    "br_if.f64.not_ge" sem::f64::not_ge => BR_F64_NOT_GE / VIA_BR_F64_NOT_GE, BR_F64_NOT_GE_RI / VIA_BR_F64_NOT_GE_RI: BrCmpRI64;
}

// Flag tests: a branch on an `and` (or on the `eqz` of one) whose result goes nowhere
// else, as C's `if (flags & MASK)` compiles (emitted by the translator's `fuse_and_branch`).
br_cmps! { br_test_ops, br_test_vias, core::convert::identity;
    "br_if.i32.and_eqz" sem::i32::and_eqz => BR_I32_AND_EQZ / VIA_BR_I32_AND_EQZ, BR_I32_AND_EQZ_RI / VIA_BR_I32_AND_EQZ_RI: BrCmpRI32;
    "br_if.i32.and_nez" sem::i32::and_nez => BR_I32_AND_NEZ / VIA_BR_I32_AND_NEZ, BR_I32_AND_NEZ_RI / VIA_BR_I32_AND_NEZ_RI: BrCmpRI32;
    "br_if.i64.and_eqz" sem::i64::and_eqz => BR_I64_AND_EQZ / VIA_BR_I64_AND_EQZ, BR_I64_AND_EQZ_RI / VIA_BR_I64_AND_EQZ_RI: BrCmpRI64;
    "br_if.i64.and_nez" sem::i64::and_nez => BR_I64_AND_NEZ / VIA_BR_I64_AND_NEZ, BR_I64_AND_NEZ_RI / VIA_BR_I64_AND_NEZ_RI: BrCmpRI64;
}

/// The four forms of an add-and-branch instruction, by what `step` and `limit` are:
/// `s` a slot, `i` an immediate (step first).
#[derive(Clone, Copy)]
pub(crate) struct AddBrOp {
    pub ss: Op<AddBr>,
    pub si: Op<AddBr>,
    pub is: Op<AddBr>,
    pub ii: Op<AddBr>,
    /// The same four after a second counter's step (see [`AddAddBr`]).
    pub add_ss: Op<AddAddBr>,
    pub add_si: Op<AddAddBr>,
    pub add_is: Op<AddAddBr>,
    pub add_ii: Op<AddAddBr>,
    /// The same four after one or two copies (see [`CopyAddBr`]).
    pub copy_ss: Op<CopyAddBr>,
    pub copy_si: Op<CopyAddBr>,
    pub copy_is: Op<CopyAddBr>,
    pub copy_ii: Op<CopyAddBr>,
    /// The same four with the second copy's source in the accumulator, where the
    /// instruction just before left it (`t = a + b` before `a = b; b = t`).
    pub copy_ss_a: Op<CopyAddBr>,
    pub copy_si_a: Op<CopyAddBr>,
    pub copy_is_a: Op<CopyAddBr>,
    pub copy_ii_a: Op<CopyAddBr>,
    /// The same four charging fuel first, for metered loops' back edges.
    pub ss_fuel: Op<AddBrFuel>,
    pub si_fuel: Op<AddBrFuel>,
    pub is_fuel: Op<AddBrFuel>,
    pub ii_fuel: Op<AddBrFuel>,
    /// The vias of the first eight forms above, in their order (see [`via_entry`]).
    pub vias: [Vias; 8],
}

/// Fused counter update and compare-and-branch (`x += step; if x <cond> limit { br }`):
/// the back edge of a counted loop, one dispatch instead of two.
macro_rules! add_brs {
    ($family:ident, $vias:ident, $T:ty; $($NAME:ident $name:literal $f:path;)*) => {
        $(pub(crate) const $NAME: AddBrOp = {
            add_brs!(@form ss / via_ss / copy_via_ss, AddBr, plain, $f, $T, |imm, sp| rd::<$T>(sp, imm.step), |imm, sp| rd::<$T>(sp, imm.limit));
            add_brs!(@form si / via_si / copy_via_si, AddBr, plain, $f, $T, |imm, sp| rd::<$T>(sp, imm.step), |imm, sp| imm.limit as i32 as $T);
            add_brs!(@form is / via_is / copy_via_is, AddBr, plain, $f, $T, |imm, sp| imm.step as i32 as $T, |imm, sp| rd::<$T>(sp, imm.limit));
            add_brs!(@form ii / via_ii / copy_via_ii, AddBr, plain, $f, $T, |imm, sp| imm.step as i32 as $T, |imm, sp| imm.limit as i32 as $T);
            add_brs!(@form add_ss / via_add_ss / copy_via_add_ss, AddAddBr, add, $f, $T, |imm, sp| rd::<$T>(sp, imm.step), |imm, sp| rd::<$T>(sp, imm.limit));
            add_brs!(@form add_si / via_add_si / copy_via_add_si, AddAddBr, add, $f, $T, |imm, sp| rd::<$T>(sp, imm.step), |imm, sp| imm.limit as i32 as $T);
            add_brs!(@form add_is / via_add_is / copy_via_add_is, AddAddBr, add, $f, $T, |imm, sp| imm.step as i32 as $T, |imm, sp| rd::<$T>(sp, imm.limit));
            add_brs!(@form add_ii / via_add_ii / copy_via_add_ii, AddAddBr, add, $f, $T, |imm, sp| imm.step as i32 as $T, |imm, sp| imm.limit as i32 as $T);
            // (No vias: a jump to a loop's back edge lands after its copies, at most.)
            add_brs!(@form copy_ss, CopyAddBr, copy2, $f, $T, |imm, sp| rd::<$T>(sp, imm.step), |imm, sp| rd::<$T>(sp, imm.limit));
            add_brs!(@form copy_si, CopyAddBr, copy2, $f, $T, |imm, sp| rd::<$T>(sp, imm.step), |imm, sp| imm.limit as i32 as $T);
            add_brs!(@form copy_is, CopyAddBr, copy2, $f, $T, |imm, sp| imm.step as i32 as $T, |imm, sp| rd::<$T>(sp, imm.limit));
            add_brs!(@form copy_ii, CopyAddBr, copy2, $f, $T, |imm, sp| imm.step as i32 as $T, |imm, sp| imm.limit as i32 as $T);
            add_brs!(@form copy_ss_a, CopyAddBr, copy2_acc, $f, $T, |imm, sp| rd::<$T>(sp, imm.step), |imm, sp| rd::<$T>(sp, imm.limit));
            add_brs!(@form copy_si_a, CopyAddBr, copy2_acc, $f, $T, |imm, sp| rd::<$T>(sp, imm.step), |imm, sp| imm.limit as i32 as $T);
            add_brs!(@form copy_is_a, CopyAddBr, copy2_acc, $f, $T, |imm, sp| imm.step as i32 as $T, |imm, sp| rd::<$T>(sp, imm.limit));
            add_brs!(@form copy_ii_a, CopyAddBr, copy2_acc, $f, $T, |imm, sp| imm.step as i32 as $T, |imm, sp| imm.limit as i32 as $T);
            add_brs!(@form ss_fuel, AddBrFuel, fuel, $f, $T, |imm, sp| rd::<$T>(sp, imm.step), |imm, sp| rd::<$T>(sp, imm.limit));
            add_brs!(@form si_fuel, AddBrFuel, fuel, $f, $T, |imm, sp| rd::<$T>(sp, imm.step), |imm, sp| imm.limit as i32 as $T);
            add_brs!(@form is_fuel, AddBrFuel, fuel, $f, $T, |imm, sp| imm.step as i32 as $T, |imm, sp| rd::<$T>(sp, imm.limit));
            add_brs!(@form ii_fuel, AddBrFuel, fuel, $f, $T, |imm, sp| imm.step as i32 as $T, |imm, sp| imm.limit as i32 as $T);
            AddBrOp {
                ss: op!(ss, $name),
                si: op!(si, $name),
                is: op!(is, $name),
                ii: op!(ii, $name),
                add_ss: op!(add_ss, concat!("add.", $name)),
                add_si: op!(add_si, concat!("add.", $name)),
                add_is: op!(add_is, concat!("add.", $name)),
                add_ii: op!(add_ii, concat!("add.", $name)),
                copy_ss: op!(copy_ss, concat!("copy2.", $name)),
                copy_si: op!(copy_si, concat!("copy2.", $name)),
                copy_is: op!(copy_is, concat!("copy2.", $name)),
                copy_ii: op!(copy_ii, concat!("copy2.", $name)),
                copy_ss_a: op!(copy_ss_a, concat!("copy2.", $name)),
                copy_si_a: op!(copy_si_a, concat!("copy2.", $name)),
                copy_is_a: op!(copy_is_a, concat!("copy2.", $name)),
                copy_ii_a: op!(copy_ii_a, concat!("copy2.", $name)),
                ss_fuel: op!(ss_fuel, concat!("fuel.", $name)),
                si_fuel: op!(si_fuel, concat!("fuel.", $name)),
                is_fuel: op!(is_fuel, concat!("fuel.", $name)),
                ii_fuel: op!(ii_fuel, concat!("fuel.", $name)),
                vias: [
                    Vias { br: op!(via_ss, concat!("br>", $name)), copy_br: op!(copy_via_ss, concat!("copy.br>", $name)) },
                    Vias { br: op!(via_si, concat!("br>", $name)), copy_br: op!(copy_via_si, concat!("copy.br>", $name)) },
                    Vias { br: op!(via_is, concat!("br>", $name)), copy_br: op!(copy_via_is, concat!("copy.br>", $name)) },
                    Vias { br: op!(via_ii, concat!("br>", $name)), copy_br: op!(copy_via_ii, concat!("copy.br>", $name)) },
                    Vias { br: op!(via_add_ss, concat!("br>add.", $name)), copy_br: op!(copy_via_add_ss, concat!("copy.br>add.", $name)) },
                    Vias { br: op!(via_add_si, concat!("br>add.", $name)), copy_br: op!(copy_via_add_si, concat!("copy.br>add.", $name)) },
                    Vias { br: op!(via_add_is, concat!("br>add.", $name)), copy_br: op!(copy_via_add_is, concat!("copy.br>add.", $name)) },
                    Vias { br: op!(via_add_ii, concat!("br>add.", $name)), copy_br: op!(copy_via_add_ii, concat!("copy.br>add.", $name)) },
                ],
            }
        };)*
        fn $family() -> Vec<OpInfo> {
            let mut v = Vec::new();
            $(v.extend([
                form!(stringify!($NAME), "ss", $NAME.ss),
                form!(stringify!($NAME), "si", $NAME.si),
                form!(stringify!($NAME), "is", $NAME.is),
                form!(stringify!($NAME), "ii", $NAME.ii),
                form!(stringify!($NAME), "add_ss", $NAME.add_ss),
                form!(stringify!($NAME), "add_si", $NAME.add_si),
                form!(stringify!($NAME), "add_is", $NAME.add_is),
                form!(stringify!($NAME), "add_ii", $NAME.add_ii),
                form!(stringify!($NAME), "copy_ss", $NAME.copy_ss),
                form!(stringify!($NAME), "copy_si", $NAME.copy_si),
                form!(stringify!($NAME), "copy_is", $NAME.copy_is),
                form!(stringify!($NAME), "copy_ii", $NAME.copy_ii),
                form!(stringify!($NAME), "copy_ss_a", $NAME.copy_ss_a),
                form!(stringify!($NAME), "copy_si_a", $NAME.copy_si_a),
                form!(stringify!($NAME), "copy_is_a", $NAME.copy_is_a),
                form!(stringify!($NAME), "copy_ii_a", $NAME.copy_ii_a),
                form!(stringify!($NAME), "ss_fuel", $NAME.ss_fuel),
                form!(stringify!($NAME), "si_fuel", $NAME.si_fuel),
                form!(stringify!($NAME), "is_fuel", $NAME.is_fuel),
                form!(stringify!($NAME), "ii_fuel", $NAME.ii_fuel),
            ]);)*
            v
        }
        /// Each form's via (see [`def_via`]).
        fn $vias() -> Vec<Via> {
            const FORMS: [[&str; 2]; 8] = [
                ["via_ss", "copy_via_ss"], ["via_si", "copy_via_si"], ["via_is", "copy_via_is"],
                ["via_ii", "copy_via_ii"], ["via_add_ss", "copy_via_add_ss"],
                ["via_add_si", "copy_via_add_si"], ["via_add_is", "copy_via_add_is"],
                ["via_add_ii", "copy_via_add_ii"],
            ];
            let mut v = Vec::new();
            $(
                let targets = [
                    $NAME.ss.code, $NAME.si.code, $NAME.is.code, $NAME.ii.code,
                    $NAME.add_ss.code, $NAME.add_si.code, $NAME.add_is.code,
                    $NAME.add_ii.code,
                ];
                for ((target, vias), forms) in targets.into_iter().zip($NAME.vias).zip(FORMS) {
                    v.push(Via { target, vias, module: module_path!(), owner: stringify!($NAME), forms });
                }
            )*
            v
        }
    };
    // Each form is defined three times: as itself, and as its vias over a `br` and over a
    // `copy.br`. The fuel forms have none: metered code charges fuel at every label, so no
    // jump lands on them.
    (@form $fname:ident / $via:ident / $copy_via:ident, $L:ident, $($rest:tt)*) => {
        add_brs!(@fn $fname, at, $L, $($rest)*);
        add_brs!(@fn $via, via, $L, $($rest)*);
        add_brs!(@fn $copy_via, via_copy, $L, $($rest)*);
    };
    (@form $fname:ident, $L:ident, $($rest:tt)*) => {
        add_brs!(@fn $fname, at, $L, $($rest)*);
    };
    (@fn $fname:ident, $entry:tt, $L:ident, $before:tt, $f:path, $T:ty, |$i1:ident, $s1:ident| $step:expr, |$i2:ident, $s2:ident| $limit:expr) => {
        handler_fn! {
            #[allow(unused_variables, unused_unsafe)]
            unsafe fn $fname(ip, sp, mem, ctx, len, acc) {
                // SAFETY: after `via_entry` (see there: a via's `br` targets an instruction of
                // this kind), the instruction at `ip` was emitted through an `Op<$L>`, so the
                // words after it hold a `$L`; its slots are inside the frame and its offset
                // lands on an instruction start (translation invariants); the next instruction
                // follows the immediates (see `next!`).
                unsafe {
                    via_entry!($entry, ip, sp, acc);
                    let imm = *(ip.add(1) as *const $L);
                    add_brs!(@before $before, imm, ip, sp, mem, len, ctx, acc);
                    let ($i1, $s1) = (imm, sp);
                    // Step before writing `x`: `step` may be `x` itself.
                    let x = rd::<$T>(sp, imm.x).wrapping_add($step);
                    wr(sp, imm.x, x);
                    // The rest of the immediates is read only after the store: the compiler
                    // cannot know the store leaves the code alone, so everything read before
                    // it would be live across it, in more registers than are free.
                    let imm = *(ip.add(1) as *const $L);
                    let ($i2, $s2) = (imm, sp);
                    if let Ok(true) = $f(x, $limit) {
                        jump!(ip.offset(imm.offset as isize), sp, mem, len, ctx, acc)
                    }
                    next!($L, ip, sp, mem, len, ctx, acc)
                }
            }
        }
    };
    // What a form does before its counter's step: nothing, charge the next iteration's
    // fuel, or step a second counter.
    (@before plain, $imm:ident, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {};
    // The second counter's step, first: the code had it just before the back edge, so the
    // main step and the limit may read what it wrote.
    (@before add, $imm:ident, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {
        wr($sp, $imm.dst2, rd::<i32>($sp, $imm.a2).wrapping_add($imm.k2));
        // (The rest is read after this store, as below.)
        let $imm = *($ip.add(1) as *const AddAddBr);
    };
    // The copies, first, in order (the code had them just before the counter's step, which
    // may read what they wrote); each source read after the store before it, as above.
    (@before copy2, $imm:ident, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {
        wr($sp, $imm.dst1, rd::<u64>($sp, $imm.src1));
        let $imm = *($ip.add(1) as *const CopyAddBr);
        wr($sp, $imm.dst2, rd::<u64>($sp, $imm.src2));
        let $imm = *($ip.add(1) as *const CopyAddBr);
    };
    // The same, the second copy's source from the accumulator: the translator chose this
    // form only where the instruction just before wrote that source slot and passed its
    // value on (`Cell::pass_on`), and the first copy does not write it.
    (@before copy2_acc, $imm:ident, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {
        wr($sp, $imm.dst1, rd::<u64>($sp, $imm.src1));
        let $imm = *($ip.add(1) as *const CopyAddBr);
        wr($sp, $imm.dst2, $acc.i);
    };
    (@before fuel, $imm:ident, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {
        // As `FUEL` does, before anything else: stopped here, nothing has run and resuming
        // at this instruction is exact.
        match $ctx.fuel.checked_sub($imm.fuel as u64) {
            Some(left) => $ctx.fuel = left,
            None => return out_of_fuel($ctx, Regs { ip: $ip, sp: $sp, mem: $mem, len: $len, acc: $acc }),
        }
    };
}

add_brs! { add_br_ops, add_br_vias, i32;
    ADD_BR_I32_EQ "add.br_if.i32.eq" sem::i32::eq;
    ADD_BR_I32_NE "add.br_if.i32.ne" sem::i32::ne;
    ADD_BR_I32_LT_S "add.br_if.i32.lt_s" sem::i32::lt_s;
    ADD_BR_I32_LT_U "add.br_if.i32.lt_u" sem::i32::lt_u;
    ADD_BR_I32_GT_S "add.br_if.i32.gt_s" sem::i32::gt_s;
    ADD_BR_I32_GT_U "add.br_if.i32.gt_u" sem::i32::gt_u;
    ADD_BR_I32_LE_S "add.br_if.i32.le_s" sem::i32::le_s;
    ADD_BR_I32_LE_U "add.br_if.i32.le_u" sem::i32::le_u;
    ADD_BR_I32_GE_S "add.br_if.i32.ge_s" sem::i32::ge_s;
    ADD_BR_I32_GE_U "add.br_if.i32.ge_u" sem::i32::ge_u;
}

// The 64-bit counters' back edges (memory64 pointers, `i64` loop indices): the same forms,
// the counter, a slot step and a slot limit 64-bit, immediates sign-extended from 32 bits.
// The second counter of the `add_` forms stays an `i32` (`AddAddBr`).
add_brs! { add_br64_ops, add_br64_vias, i64;
    ADD_BR_I64_EQ "add.br_if.i64.eq" sem::i64::eq;
    ADD_BR_I64_NE "add.br_if.i64.ne" sem::i64::ne;
    ADD_BR_I64_LT_S "add.br_if.i64.lt_s" sem::i64::lt_s;
    ADD_BR_I64_LT_U "add.br_if.i64.lt_u" sem::i64::lt_u;
    ADD_BR_I64_GT_S "add.br_if.i64.gt_s" sem::i64::gt_s;
    ADD_BR_I64_GT_U "add.br_if.i64.gt_u" sem::i64::gt_u;
    ADD_BR_I64_LE_S "add.br_if.i64.le_s" sem::i64::le_s;
    ADD_BR_I64_LE_U "add.br_if.i64.le_u" sem::i64::le_u;
    ADD_BR_I64_GE_S "add.br_if.i64.ge_s" sem::i64::ge_s;
    ADD_BR_I64_GE_U "add.br_if.i64.ge_u" sem::i64::ge_u;
}

/// Float add-and-branch: `dst = a + b` (`f32` or `f64`, slots), then a branch on the sum
/// against a constant, in the ten float conditions of the compare-and-branches above. The
/// sum is written whatever the branch does (a local may be what it went to).
macro_rules! add_br_fcmps {
    ($family:ident; $($NAME:ident $name:literal $t:ident $f:path;)*) => {
        $(def!($NAME: AddBrCmpRI, $name, |imm, ip, sp, mem, len, ctx, acc| {
            let v: $t = rd::<$t>(sp, imm.a) + rd::<$t>(sp, imm.b);
            wr(sp, imm.dst, v);
            // The rest is read after the store (see `add_brs!`).
            // SAFETY: as for the first read of the immediates (`def!`).
            let imm = unsafe { *(ip.add(1) as *const AddBrCmpRI) };
            if let Ok(true) = $f(v, <$t>::from_cell(imm.imm)) {
                jump!(ip.offset(imm.offset as isize), sp, mem, len, ctx, acc)
            }
            next!(AddBrCmpRI, ip, sp, mem, len, ctx, acc)
        });)*
        fn $family() -> Vec<OpInfo> {
            info!($($NAME: AddBrCmpRI),*)
        }
    };
}

add_br_fcmps! { add_br_fcmp_ops;
    ADD_BR_F32_EQ "add.br_if.f32.eq" f32 sem::f32::eq;
    ADD_BR_F32_NE "add.br_if.f32.ne" f32 sem::f32::ne;
    ADD_BR_F32_LT "add.br_if.f32.lt" f32 sem::f32::lt;
    ADD_BR_F32_GT "add.br_if.f32.gt" f32 sem::f32::gt;
    ADD_BR_F32_LE "add.br_if.f32.le" f32 sem::f32::le;
    ADD_BR_F32_GE "add.br_if.f32.ge" f32 sem::f32::ge;
    ADD_BR_F32_NOT_LT "add.br_if.f32.not_lt" f32 sem::f32::not_lt;
    ADD_BR_F32_NOT_GT "add.br_if.f32.not_gt" f32 sem::f32::not_gt;
    ADD_BR_F32_NOT_LE "add.br_if.f32.not_le" f32 sem::f32::not_le;
    ADD_BR_F32_NOT_GE "add.br_if.f32.not_ge" f32 sem::f32::not_ge;
    ADD_BR_F64_EQ "add.br_if.f64.eq" f64 sem::f64::eq;
    ADD_BR_F64_NE "add.br_if.f64.ne" f64 sem::f64::ne;
    ADD_BR_F64_LT "add.br_if.f64.lt" f64 sem::f64::lt;
    ADD_BR_F64_GT "add.br_if.f64.gt" f64 sem::f64::gt;
    ADD_BR_F64_LE "add.br_if.f64.le" f64 sem::f64::le;
    ADD_BR_F64_GE "add.br_if.f64.ge" f64 sem::f64::ge;
    ADD_BR_F64_NOT_LT "add.br_if.f64.not_lt" f64 sem::f64::not_lt;
    ADD_BR_F64_NOT_GT "add.br_if.f64.not_gt" f64 sem::f64::not_gt;
    ADD_BR_F64_NOT_LE "add.br_if.f64.not_le" f64 sem::f64::not_le;
    ADD_BR_F64_NOT_GE "add.br_if.f64.not_ge" f64 sem::f64::not_ge;
}

/// The instructions of this family that have vias, with their vias.
pub(super) fn vias() -> Vec<Via> {
    let mut v = add_br_vias();
    v.extend(add_br64_vias());
    v.extend(br_cmp_vias());
    v.extend(br_test_vias());
    v.extend(br_fcmp_vias());
    macro_rules! conds {
        ($($NAME:ident / $VIA:ident),*) => {
            [$(Via { target: $NAME.code, vias: $VIA, module: module_path!(), owner: stringify!($VIA), forms: ["br", "copy_br"] }),*]
        };
    }
    v.extend(conds!(
        BR_IF_NEZ / VIA_BR_IF_NEZ,
        BR_IF_EQZ / VIA_BR_IF_EQZ,
        BR_IF_NEZ64 / VIA_BR_IF_NEZ64,
        BR_IF_EQZ64 / VIA_BR_IF_EQZ64,
        BR_IF_NEZ_A / VIA_BR_IF_NEZ_A,
        BR_IF_EQZ_A / VIA_BR_IF_EQZ_A,
        BR_TABLE / VIA_BR_TABLE,
        BR_TABLE_BIAS / VIA_BR_TABLE_BIAS,
        BR_TABLE_BIAS_A / VIA_BR_TABLE_BIAS_A
    ));
    v
}

/// This family's instructions, for [`all`](super::all).
pub(super) fn infos() -> Vec<OpInfo> {
    let mut v = br_cmp_ops();
    v.extend(br_test_ops());
    v.extend(br_fcmp_ops());
    v.extend(add_br_fcmp_ops());
    v.extend(add_br_ops());
    v.extend(add_br64_ops());
    v.extend(head_via_ops());
    v.extend(info!(
        UNREACHABLE: TrapImm,
        BR: Br,
        COPY_BR: CopyBr,
        CONST_BR: ConstBr,
        BR_IF_NEZ: BrCond,
        BR_IF_NEZ_COPY: BrIfCopy,
        BR_IF_NEZ_COPY_A: BrIfCopyAcc,
        BR_IF_EQZ: BrCond,
        BR_IF_NEZ64: BrCond,
        BR_IF_EQZ64: BrCond,
        CONST_BR_IF_NEZ: ConstBrCond,
        CONST_BR_IF_EQZ: ConstBrCond,
        BR_IF_NEZ_A: Br,
        BR_IF_EQZ_A: Br,
        BR_TABLE: BrTable,
        BR_TABLE_BIAS: BrTableBias,
        BR_TABLE_BIAS_A: BrTableBias,
    ));
    v
}

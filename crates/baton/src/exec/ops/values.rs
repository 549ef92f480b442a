//! Instructions that move values: copies between slots, constants, `select`, globals and
//! `ref.func`.

use super::*;
use crate::runtime::cast::CastTarget;

def!(COPY: Un, "copy", |imm, ip, sp, mem, len, ctx, acc| {
    wr(sp, imm.dst, rd::<u64>(sp, imm.src));
    next!(Un, ip, sp, mem, len, ctx, acc)
});

def!(COPY2: Copy2, "copy2", |imm, ip, sp, mem, len, ctx, acc| {
    // In order: the second copy may read what the first wrote.
    wr(sp, imm.dst1, rd::<u64>(sp, imm.src1));
    // The second pair is read after the first store (see `add_brs!` in `control.rs`).
    let imm = *(ip.add(1) as *const Copy2);
    wr(sp, imm.dst2, rd::<u64>(sp, imm.src2));
    next!(Copy2, ip, sp, mem, len, ctx, acc)
});

def!(COPY2_ADD: Copy2AddRI, "copy2.i32.add", |imm, ip, sp, mem, len, ctx, acc| {
    // In order, as `COPY2` and the add would: each may read what the one before wrote.
    wr(sp, imm.dst1, rd::<u64>(sp, imm.src1));
    // The rest is read after each store (see `add_brs!` in `control.rs`).
    let imm = *(ip.add(1) as *const Copy2AddRI);
    wr(sp, imm.dst2, rd::<u64>(sp, imm.src2));
    let imm = *(ip.add(1) as *const Copy2AddRI);
    let v = rd::<u32>(sp, imm.a).wrapping_add(imm.imm as u32);
    wr(sp, imm.dst, v);
    let acc = v.pass_on(acc);
    next!(Copy2AddRI, ip, sp, mem, len, ctx, acc)
});

def!(CONST: Const, "const", |imm, ip, sp, mem, len, ctx, acc| {
    wr(sp, imm.dst, imm.val);
    next!(Const, ip, sp, mem, len, ctx, acc)
});

def!(SELECT: Select, "select", |imm, ip, sp, mem, len, ctx, acc| {
    let v: u64 = if rd::<u32>(sp, imm.cond) != 0 { rd(sp, imm.a) } else { rd(sp, imm.b) };
    wr(sp, imm.dst, v);
    // (Passed on only to free the accumulator's register: no form reads it.)
    let acc = v.pass_on(acc);
    next!(Select, ip, sp, mem, len, ctx, acc)
});

def!(SELECT_II: SelectII, "select", |imm, ip, sp, mem, len, ctx, acc| {
    // Without a branch (see `SELECT_RI`).
    let v = core::hint::select_unpredictable(rd::<u32>(sp, imm.cond) != 0, imm.a, imm.b);
    wr(sp, imm.dst, v);
    // (Passed on only to free the accumulator's register: no form reads it.)
    let acc = v.pass_on(acc);
    next!(SelectII, ip, sp, mem, len, ctx, acc)
});

def!(SELECT_RI: SelectRI, "select", |imm, ip, sp, mem, len, ctx, acc| {
    // Both values read, then chosen without a branch: the condition is data (a clamp, a
    // mask), which a branch would mispredict as often as not. (`swap` is 0 or 1: an `xor`
    // with it, not a second comparison, keeps a register free.)
    let take_a = (rd::<u32>(sp, imm.cond) != 0) as u32 ^ imm.swap != 0;
    let v = core::hint::select_unpredictable(take_a, rd::<u64>(sp, imm.a), imm.imm);
    wr(sp, imm.dst, v);
    // (Passed on only to free the accumulator's register: no form reads it.)
    let acc = v.pass_on(acc);
    next!(SelectRI, ip, sp, mem, len, ctx, acc)
});

/// A `select` on a comparison just computed (`dst = cmp(a, b) ? x : y`, see [`CmpSelect`]),
/// in its four forms: the comparison's second operand a slot or a constant, the select's
/// second value a slot or a constant (`RR`, `IR`, `RI`, `II`: `b`'s form, then `y`'s).
/// Five conditions per type suffice: the translator swaps `x` and `y` (or sets `swap`)
/// for the negated ones, which for floats, NaN included, are exactly the negations.
macro_rules! cmp_selects {
    ($family:ident; $($name:literal $f:path => $RR:ident, $IR:ident, $RI:ident, $II:ident;)*) => {
        $(
            def!($RR: CmpSelect, $name, |imm, ip, sp, mem, len, ctx, acc| {
                let c = matches!($f(rd(sp, imm.a), rd(sp, imm.b)), Ok(true));
                // Both read, then chosen without a branch (see `SELECT_RI`).
                let (x, y) = (rd::<u64>(sp, imm.x), rd::<u64>(sp, imm.y));
                let v = core::hint::select_unpredictable(c, x, y);
                wr(sp, imm.dst, v);
                let acc = v.pass_on(acc);
                next!(CmpSelect, ip, sp, mem, len, ctx, acc)
            });
            def!($IR: CmpSelect, $name, |imm, ip, sp, mem, len, ctx, acc| {
                let c = matches!($f(rd(sp, imm.a), Cell::from_cell(imm.cimm)), Ok(true));
                let (x, y) = (rd::<u64>(sp, imm.x), rd::<u64>(sp, imm.y));
                let v = core::hint::select_unpredictable(c, x, y);
                wr(sp, imm.dst, v);
                let acc = v.pass_on(acc);
                next!(CmpSelect, ip, sp, mem, len, ctx, acc)
            });
            def!($RI: CmpSelect, $name, |imm, ip, sp, mem, len, ctx, acc| {
                let c = matches!($f(rd(sp, imm.a), rd(sp, imm.b)), Ok(true));
                let x = rd::<u64>(sp, imm.x);
                let v = core::hint::select_unpredictable(c as u32 ^ imm.swap != 0, x, imm.simm);
                wr(sp, imm.dst, v);
                let acc = v.pass_on(acc);
                next!(CmpSelect, ip, sp, mem, len, ctx, acc)
            });
            def!($II: CmpSelect, $name, |imm, ip, sp, mem, len, ctx, acc| {
                let c = matches!($f(rd(sp, imm.a), Cell::from_cell(imm.cimm)), Ok(true));
                let x = rd::<u64>(sp, imm.x);
                let v = core::hint::select_unpredictable(c as u32 ^ imm.swap != 0, x, imm.simm);
                wr(sp, imm.dst, v);
                let acc = v.pass_on(acc);
                next!(CmpSelect, ip, sp, mem, len, ctx, acc)
            });
        )*
        /// The comparison-selects, for [`infos`].
        fn $family() -> Vec<OpInfo> {
            info!($($RR: CmpSelect, $IR: CmpSelect, $RI: CmpSelect, $II: CmpSelect),*)
        }
    };
}

cmp_selects! { cmp_select_infos;
    "select.i32.eq" sem::i32::eq => SELECT_I32_EQ, SELECT_I32_EQ_IR, SELECT_I32_EQ_RI, SELECT_I32_EQ_II;
    "select.i32.lt_s" sem::i32::lt_s => SELECT_I32_LT_S, SELECT_I32_LT_S_IR, SELECT_I32_LT_S_RI, SELECT_I32_LT_S_II;
    "select.i32.lt_u" sem::i32::lt_u => SELECT_I32_LT_U, SELECT_I32_LT_U_IR, SELECT_I32_LT_U_RI, SELECT_I32_LT_U_II;
    "select.i32.gt_s" sem::i32::gt_s => SELECT_I32_GT_S, SELECT_I32_GT_S_IR, SELECT_I32_GT_S_RI, SELECT_I32_GT_S_II;
    "select.i32.gt_u" sem::i32::gt_u => SELECT_I32_GT_U, SELECT_I32_GT_U_IR, SELECT_I32_GT_U_RI, SELECT_I32_GT_U_II;
    "select.i64.eq" sem::i64::eq => SELECT_I64_EQ, SELECT_I64_EQ_IR, SELECT_I64_EQ_RI, SELECT_I64_EQ_II;
    "select.i64.lt_s" sem::i64::lt_s => SELECT_I64_LT_S, SELECT_I64_LT_S_IR, SELECT_I64_LT_S_RI, SELECT_I64_LT_S_II;
    "select.i64.lt_u" sem::i64::lt_u => SELECT_I64_LT_U, SELECT_I64_LT_U_IR, SELECT_I64_LT_U_RI, SELECT_I64_LT_U_II;
    "select.i64.gt_s" sem::i64::gt_s => SELECT_I64_GT_S, SELECT_I64_GT_S_IR, SELECT_I64_GT_S_RI, SELECT_I64_GT_S_II;
    "select.i64.gt_u" sem::i64::gt_u => SELECT_I64_GT_U, SELECT_I64_GT_U_IR, SELECT_I64_GT_U_RI, SELECT_I64_GT_U_II;
    "select.f32.eq" sem::f32::eq => SELECT_F32_EQ, SELECT_F32_EQ_IR, SELECT_F32_EQ_RI, SELECT_F32_EQ_II;
    "select.f32.lt" sem::f32::lt => SELECT_F32_LT, SELECT_F32_LT_IR, SELECT_F32_LT_RI, SELECT_F32_LT_II;
    "select.f32.gt" sem::f32::gt => SELECT_F32_GT, SELECT_F32_GT_IR, SELECT_F32_GT_RI, SELECT_F32_GT_II;
    "select.f32.le" sem::f32::le => SELECT_F32_LE, SELECT_F32_LE_IR, SELECT_F32_LE_RI, SELECT_F32_LE_II;
    "select.f32.ge" sem::f32::ge => SELECT_F32_GE, SELECT_F32_GE_IR, SELECT_F32_GE_RI, SELECT_F32_GE_II;
    "select.f64.eq" sem::f64::eq => SELECT_F64_EQ, SELECT_F64_EQ_IR, SELECT_F64_EQ_RI, SELECT_F64_EQ_II;
    "select.f64.lt" sem::f64::lt => SELECT_F64_LT, SELECT_F64_LT_IR, SELECT_F64_LT_RI, SELECT_F64_LT_II;
    "select.f64.gt" sem::f64::gt => SELECT_F64_GT, SELECT_F64_GT_IR, SELECT_F64_GT_RI, SELECT_F64_GT_II;
    "select.f64.le" sem::f64::le => SELECT_F64_LE, SELECT_F64_LE_IR, SELECT_F64_LE_RI, SELECT_F64_LE_II;
    "select.f64.ge" sem::f64::ge => SELECT_F64_GE, SELECT_F64_GE_IR, SELECT_F64_GE_RI, SELECT_F64_GE_II;
}

// `SELECT_RI` whose condition is an `i32` global, read by the instruction (`cond` is the
// global's index): a `global.get` that only a `select` reads (Asyncify's state tests).
def!(SELECT_RI_GLOBAL: SelectRI, "global.get.select", |imm, ip, sp, mem, len, ctx, acc| {
    // SAFETY: as for `GLOBAL_GET`, with `cond` the global's index; validation proved the
    // global an `i32` (a `select` condition), its value in the cell's low half.
    let cell = global_cell(ctx, imm.cond);
    let c = *cell as u32 != 0;
    // The other immediates are read only once the global is (as `dst_after!` does for
    // `dst`): read with it, they kept enough registers busy along the chain of loads that
    // reaches the global for the handler to save and restore three on every run.
    core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
    let imm = *(ip.add(1) as *const SelectRI);
    let v = if c != (imm.swap != 0) { rd::<u64>(sp, imm.a) } else { imm.imm };
    wr(sp, imm.dst, v);
    // (Passed on only to free the accumulator's register: no form reads it.)
    let acc = v.pass_on(acc);
    next!(SelectRI, ip, sp, mem, len, ctx, acc)
});

def!(GLOBAL_GET: Global, "global.get", |imm, ip, sp, mem, len, ctx, acc| {
    // SAFETY: validation proved the global index against the running instance's module
    // (`global_cell`), and the instance's global cells are boxed and live as long as the
    // store.
    let cell = global_cell(ctx, imm.global);
    wr(sp, imm.slot, *cell);
    next!(Global, ip, sp, mem, len, ctx, acc)
});

def!(GLOBAL_SET: Global, "global.set", |imm, ip, sp, mem, len, ctx, acc| {
    // SAFETY: as for `GLOBAL_GET`; validation also proved the global mutable, so nothing
    // else relies on the cell's value staying put.
    let cell = global_cell(ctx, imm.global);
    *cell = rd(sp, imm.slot);
    next!(Global, ip, sp, mem, len, ctx, acc)
});

/// A `global.get` of an `i32` global whose value only decides a branch (`br_if`, `if`),
/// taken when the value is not zero (`nez`), is zero (`eqz`), equals a constant (`eq`) or
/// does not (`ne`). Code transformed by Asyncify (Ruby, Emscripten builds that suspend:
/// it unwinds and rewinds the stack by hand) tests its state global after every call that
/// may unwind and at the start of every function that may be rewound into: one dispatch
/// each instead of two.
macro_rules! global_brs {
    ($($NAME:ident: $L:ident, $name:literal, |$imm:ident, $v:ident| $taken:expr;)*) => {$(
        def!($NAME: $L, $name, |imm, ip, sp, mem, len, ctx, acc| {
            // SAFETY: as for `GLOBAL_GET`; validation proved the global an `i32`, its
            // value in the cell's low half.
            let cell = global_cell(ctx, imm.global);
            let $v = *cell as u32;
            // The other immediates are read only once the global is, as in
            // `SELECT_RI_GLOBAL` (read with it, the constant and the offset made the
            // compare forms save and restore registers on every run).
            core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
            let imm = *(ip.add(1) as *const $L);
            let $imm = imm;
            if $taken {
                jump!(ip.offset(imm.offset as isize), sp, mem, len, ctx, acc)
            }
            next!($L, ip, sp, mem, len, ctx, acc)
        });
    )*};
}

global_brs! {
    GLOBAL_BR_NEZ: GlobalBr, "global.get.br_if_nez", |imm, v| v != 0;
    GLOBAL_BR_EQZ: GlobalBr, "global.get.br_if_eqz", |imm, v| v == 0;
    GLOBAL_BR_EQ: GlobalCmpBr, "global.get.br_if.i32.eq", |imm, v| v == imm.imm;
    GLOBAL_BR_NE: GlobalCmpBr, "global.get.br_if.i32.ne", |imm, v| v != imm.imm;
}

/// A branch on a `global.get.select` (an `i32` `select` between slot `a` and a constant,
/// its condition a global) that only the branch reads, taken when the selected value is
/// not zero (`nez`) or is (`eqz`): Asyncify's code tests its state global this way at
/// call sites, `br_if (select (x) (k) (global.get $state))`.
macro_rules! global_select_brs {
    ($($NAME:ident, $name:literal, $taken_if_nez:literal;)*) => {$(
        def!($NAME: GlobalSelectBr, $name, |imm, ip, sp, mem, len, ctx, acc| {
            // SAFETY: as for `GLOBAL_GET`; validation proved the global an `i32` (a
            // `select` condition), its value in the cell's low half.
            let cell = global_cell(ctx, imm.global);
            let g = *cell as u32 != 0;
            // (The other immediates read late, as in `SELECT_RI_GLOBAL`.)
            core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
            let imm = *(ip.add(1) as *const GlobalSelectBr);
            let v = if g != (imm.swap != 0) { rd::<u32>(sp, imm.a) } else { imm.imm };
            if (v != 0) == $taken_if_nez {
                jump!(ip.offset(imm.offset as isize), sp, mem, len, ctx, acc)
            }
            next!(GlobalSelectBr, ip, sp, mem, len, ctx, acc)
        });
    )*};
}

global_select_brs! {
    GLOBAL_SELECT_BR_NEZ, "global.get.select.br_if_nez", true;
    GLOBAL_SELECT_BR_EQZ, "global.get.select.br_if_eqz", false;
}

/// `global.get` followed by an add of a constant (`i32`/`i64`: `$T`); the same, its result
/// also set to the global (a C function's prologue: `global.get $sp`, `i32.const N`,
/// `i32.sub`, `local.tee $frame`, `global.set $sp`); and an add of a constant followed by
/// `global.set`.
macro_rules! global_add {
    ($GET:ident, $GET_SET:ident, $SET:ident, $T:ty, $get:literal, $get_set:literal, $set:literal) => {
        def!($GET_SET: GlobalAdd, $get_set, |imm, ip, sp, mem, len, ctx, acc| {
            // SAFETY: as for `GLOBAL_SET`.
            let cell = global_cell(ctx, imm.global);
            let v = (*cell as $T).wrapping_add(imm.imm as $T);
            wr(sp, imm.slot, v);
            *cell = v.to_cell();
            let acc = v.pass_on(acc);
            next!(GlobalAdd, ip, sp, mem, len, ctx, acc)
        });
        def!($GET: GlobalAdd, $get, |imm, ip, sp, mem, len, ctx, acc| {
            // SAFETY: as for `GLOBAL_GET`.
            let cell = global_cell(ctx, imm.global);
            let v = (*cell as $T).wrapping_add(imm.imm as $T);
            wr(sp, imm.slot, v);
            let acc = v.pass_on(acc);
            next!(GlobalAdd, ip, sp, mem, len, ctx, acc)
        });
        def!($SET: GlobalAdd, $set, |imm, ip, sp, mem, len, ctx, acc| {
            // SAFETY: as for `GLOBAL_SET`.
            let cell = global_cell(ctx, imm.global);
            *cell = rd::<$T>(sp, imm.slot).wrapping_add(imm.imm as $T).to_cell();
            next!(GlobalAdd, ip, sp, mem, len, ctx, acc)
        });
    };
}
global_add!(
    GLOBAL_GET_ADD,
    GLOBAL_GET_ADD_SET,
    GLOBAL_SET_ADD,
    u32,
    "global.get.add",
    "global.get.add.set",
    "add.global.set"
);
global_add!(
    GLOBAL_GET_ADD64,
    GLOBAL_GET_ADD64_SET,
    GLOBAL_SET_ADD64,
    u64,
    "global.get.add64",
    "global.get.add64.set",
    "add64.global.set"
);

def!(GLOBAL_GET_V128: Global, "global.get", |imm, ip, sp, mem, len, ctx, acc| {
    // SAFETY: as for `GLOBAL_GET`; a global's cells are two (`GlobalEntity::value`), and
    // validation proved this one a `v128`, so the translator reserved `slot` and
    // `slot + 1` for it.
    let cell = global_cell(ctx, imm.global);
    wr(sp, imm.slot, *cell);
    wr(sp, imm.slot + 1, *cell.add(1));
    next!(Global, ip, sp, mem, len, ctx, acc)
});

def!(GLOBAL_SET_V128: Global, "global.set", |imm, ip, sp, mem, len, ctx, acc| {
    // SAFETY: as for `GLOBAL_GET_V128`, and as for `GLOBAL_SET` on mutability.
    let cell = global_cell(ctx, imm.global);
    *cell = rd(sp, imm.slot);
    *cell.add(1) = rd(sp, imm.slot + 1);
    next!(Global, ip, sp, mem, len, ctx, acc)
});

def!(SELECT_V128: Select, "select", |imm, ip, sp, mem, len, ctx, acc| {
    // The operands are cell pairs (`v128`); `dst` may be `a`'s pair.
    let src = if rd::<u32>(sp, imm.cond) != 0 { imm.a } else { imm.b };
    let (lo, hi) = (rd::<u64>(sp, src), rd::<u64>(sp, src + 1));
    wr(sp, imm.dst, lo);
    wr(sp, imm.dst + 1, hi);
    next!(Select, ip, sp, mem, len, ctx, acc)
});

def!(REF_FUNC: RefFunc, "ref.func", |imm, ip, sp, mem, len, ctx, acc| {
    // SAFETY: `ctx.inst` is the running instance; validation proved the function index,
    // and the instance lists an entity for every function of its module.
    let f = *(&*ctx.inst).funcs.get_unchecked(imm.func as usize);
    wr(sp, imm.dst, f as u64);
    next!(RefFunc, ip, sp, mem, len, ctx, acc)
});

def!(REF_AS_NON_NULL: Un, "ref.as_non_null", |imm, ip, sp, mem, len, ctx, acc| {
    // Traps on a null reference (cell 0) and leaves the reference where it is: the
    // translator keeps the operand in place, so `dst` is `src` and nothing moves.
    if rd::<u64>(sp, imm.src) == 0 {
        return trap(ctx, ip, TrapCode::NullReference);
    }
    next!(Un, ip, sp, mem, len, ctx, acc)
});

def!(REF_TEST: RefTest, "ref.test", |imm, ip, sp, mem, len, ctx, acc| {
    // SAFETY: validation proved that the operand is a reference of the target type's
    // hierarchy, and references of the function hierarchy are 0 or live entities.
    let passes = CastTarget(imm.target).test(rd(sp, imm.src), imm.type_id);
    wr(sp, imm.dst, passes as u64);
    next!(RefTest, ip, sp, mem, len, ctx, acc)
});

def!(REF_CAST: RefTest, "ref.cast", |imm, ip, sp, mem, len, ctx, acc| {
    // SAFETY: as for `REF_TEST`. The reference stays where it is (as for
    // `REF_AS_NON_NULL`).
    if !CastTarget(imm.target).test(rd(sp, imm.src), imm.type_id) {
        return trap(ctx, ip, TrapCode::CastFailure);
    }
    next!(RefTest, ip, sp, mem, len, ctx, acc)
});

/// This family's instructions, for [`all`](super::all).
pub(super) fn infos() -> Vec<OpInfo> {
    let mut v = info!(
        CONST: Const,
        COPY: Un,
        COPY2: Copy2,
        COPY2_ADD: Copy2AddRI,
        SELECT: Select,
        SELECT_II: SelectII,
        SELECT_RI: SelectRI,
        SELECT_RI_GLOBAL: SelectRI,
        GLOBAL_GET: Global,
        GLOBAL_SET: Global,
        GLOBAL_BR_NEZ: GlobalBr,
        GLOBAL_BR_EQZ: GlobalBr,
        GLOBAL_BR_EQ: GlobalCmpBr,
        GLOBAL_BR_NE: GlobalCmpBr,
        GLOBAL_SELECT_BR_NEZ: GlobalSelectBr,
        GLOBAL_SELECT_BR_EQZ: GlobalSelectBr,
        GLOBAL_GET_ADD: GlobalAdd,
        GLOBAL_SET_ADD: GlobalAdd,
        GLOBAL_GET_ADD64: GlobalAdd,
        GLOBAL_SET_ADD64: GlobalAdd,
        GLOBAL_GET_ADD_SET: GlobalAdd,
        GLOBAL_GET_ADD64_SET: GlobalAdd,
        GLOBAL_GET_V128: Global,
        GLOBAL_SET_V128: Global,
        SELECT_V128: Select,
        REF_FUNC: RefFunc,
        REF_AS_NON_NULL: Un,
        REF_TEST: RefTest,
        REF_CAST: RefTest,
    );
    v.extend(cmp_select_infos());
    v
}

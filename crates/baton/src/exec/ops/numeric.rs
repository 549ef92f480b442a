//! Numeric instructions: binary and unary operations in all their operand forms, and the
//! fused arithmetic (`i32.mul_add`, `i32.add_shl`, `i32.shr_u_and`). Their semantics is in
//! `sem`.

use super::*;

/// Every form of one binary operation. Operands come from slots (`r`), an immediate
/// (`i`) or the accumulator (`a`): `ar` takes its left operand from the accumulator and its
/// right one from a slot. `_a` forms leave the result in the accumulator instead of a slot,
/// for the very next instruction to consume without a store and a reload.
#[derive(Clone, Copy)]
pub(crate) struct BinOp<I: 'static> {
    pub rr: Op<BinRR>,
    pub rr_a: Op<BinRR>,
    pub ar: Op<BinRR>,
    pub ar_a: Op<BinRR>,
    pub ra: Op<BinRR>,
    pub ra_a: Op<BinRR>,
    /// Forms with an immediate operand (integer operations only).
    pub imm: Option<ImmForms<I>>,
}

/// The immediate forms of a binary operation (see [`BinOp`]).
#[derive(Clone, Copy)]
pub(crate) struct ImmForms<I: 'static> {
    pub ri: Op<I>,
    pub ri_a: Op<I>,
    pub ir: Op<I>,
    pub ir_a: Op<I>,
    pub ai: Op<I>,
    pub ai_a: Op<I>,
    pub ia: Op<I>,
    pub ia_a: Op<I>,
}

/// The `dst` field of the immediates at `ip`, read only once the result is computed.
/// Read at the start with the operands, it would keep a register busy all along, and the
/// handlers that need one more (a comparison's result, a shift count in `cl`) would then
/// save and restore a register on every run. The fence is free at run time: it only stops
/// the compiler from moving the read up.
macro_rules! dst_after {
    ($ip:ident, $L:ty) => {{
        core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
        // SAFETY: the translator emits this handler's word only through an `Op<$L>`,
        // followed by the immediates of layout `$L`.
        unsafe { (*($ip.add(1) as *const $L)).dst }
    }};
}

/// One handler of a binary operation: `$lhs`/`$rhs` read the operands (from `imm`, the
/// frame `sp` or the accumulator `acc`); the result goes to `imm.dst` (`slot`) or to the
/// accumulator (`acc`).
macro_rules! bin_fn {
    ($fname:ident, $L:ty, $f:path, |$imm:ident, $sp:ident, $acc:ident| ($lhs:expr, $rhs:expr), $out:ident) => {
        handler_fn! {
            #[allow(unused_variables)]
            #[allow(unused_unsafe)]
            unsafe fn $fname(ip, sp, mem, ctx, len, acc) {
                // SAFETY: the translator emits this handler's word only through an `Op<$L>`,
                // followed by the immediates of layout `$L`.
                let $imm: $L = unsafe { *(ip.add(1) as *const $L) };
                let ($sp, $acc) = (sp, acc);
                // SAFETY: the operand slots the immediates name are inside the frame
                // (translation invariant); the semantic functions themselves are safe.
                match unsafe { $f($lhs, $rhs) } {
                    Ok(r) => bin_fn!(@out $out, r, $imm, $L, ip, sp, mem, len, ctx, acc),
                    Err(code) => trap(ctx, ip, code),
                }
            }
        }
    };
    (@out slot, $r:ident, $imm:ident, $L:ty, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `dst` names a slot inside the frame (translation invariant).
        unsafe { wr($sp, dst_after!($ip, $L), $r) };
        let $acc = Cell::pass_on($r, $acc);
        // SAFETY: the next instruction starts right after this one's `$L` immediates (see
        // `next!`).
        unsafe { next!($L, $ip, $sp, $mem, $len, $ctx, $acc) }
    }};
    (@out acc, $r:ident, $imm:ident, $L:ty, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        let $acc = Cell::into_acc($r, $acc);
        // SAFETY: the next instruction starts right after this one's `$L` immediates (see
        // `next!`).
        unsafe { next!($L, $ip, $sp, $mem, $len, $ctx, $acc) }
    }};
}

/// The register and accumulator forms shared by every binary operation.
macro_rules! reg_forms {
    ($f:path) => {
        bin_fn!(
            rr,
            BinRR,
            $f,
            |imm, sp, acc| (rd(sp, imm.a), rd(sp, imm.b)),
            slot
        );
        bin_fn!(
            rr_a,
            BinRR,
            $f,
            |imm, sp, acc| (rd(sp, imm.a), rd(sp, imm.b)),
            acc
        );
        bin_fn!(
            ar,
            BinRR,
            $f,
            |imm, sp, acc| (Cell::from_acc(acc), rd(sp, imm.b)),
            slot
        );
        bin_fn!(
            ar_a,
            BinRR,
            $f,
            |imm, sp, acc| (Cell::from_acc(acc), rd(sp, imm.b)),
            acc
        );
        bin_fn!(
            ra,
            BinRR,
            $f,
            |imm, sp, acc| (rd(sp, imm.a), Cell::from_acc(acc)),
            slot
        );
        bin_fn!(
            ra_a,
            BinRR,
            $f,
            |imm, sp, acc| (rd(sp, imm.a), Cell::from_acc(acc)),
            acc
        );
    };
}

/// Integer binary operations: all register, immediate and accumulator forms.
macro_rules! int_binops {
    ($family:ident, $I:ident; $($NAME:ident $name:literal $f:path;)*) => {
        binops_with_imm! { $family, $I, core::convert::identity; $($NAME $name $f;)* }
    };
}

/// Binary operations with every form: register, immediate (`$conv` turns the immediate
/// field into the operand's type) and accumulator.
macro_rules! binops_with_imm {
    ($family:ident, $I:ident, $conv:path; $($NAME:ident $name:literal $f:path;)*) => {
        $(pub(crate) const $NAME: BinOp<$I> = {
            reg_forms!($f);
            bin_fn!(ri, $I, $f, |imm, sp, acc| (rd(sp, imm.a), $conv(imm.imm)), slot);
            bin_fn!(ri_a, $I, $f, |imm, sp, acc| (rd(sp, imm.a), $conv(imm.imm)), acc);
            bin_fn!(ir, $I, $f, |imm, sp, acc| ($conv(imm.imm), rd(sp, imm.a)), slot);
            bin_fn!(ir_a, $I, $f, |imm, sp, acc| ($conv(imm.imm), rd(sp, imm.a)), acc);
            bin_fn!(ai, $I, $f, |imm, sp, acc| (Cell::from_acc(acc), $conv(imm.imm)), slot);
            bin_fn!(ai_a, $I, $f, |imm, sp, acc| (Cell::from_acc(acc), $conv(imm.imm)), acc);
            bin_fn!(ia, $I, $f, |imm, sp, acc| ($conv(imm.imm), Cell::from_acc(acc)), slot);
            bin_fn!(ia_a, $I, $f, |imm, sp, acc| ($conv(imm.imm), Cell::from_acc(acc)), acc);
            BinOp {
                rr: op!(rr, $name),
                rr_a: op!(rr_a, $name),
                ar: op!(ar, $name),
                ar_a: op!(ar_a, $name),
                ra: op!(ra, $name),
                ra_a: op!(ra_a, $name),
                imm: Some(ImmForms {
                    ri: op!(ri, $name),
                    ri_a: op!(ri_a, $name),
                    ir: op!(ir, $name),
                    ir_a: op!(ir_a, $name),
                    ai: op!(ai, $name),
                    ai_a: op!(ai_a, $name),
                    ia: op!(ia, $name),
                    ia_a: op!(ia_a, $name),
                }),
            }
        };)*
        fn $family() -> Vec<OpInfo> {
            let mut v = Vec::new();
            $(v.extend(bin_infos(stringify!($NAME), &$NAME));)*
            v
        }
    };
}

/// A float operation's immediate: the constant's bits, sign-extended from a 32-bit field
/// for `f32` (only the low 32 bits count).
#[inline(always)]
pub(super) fn float_bits<T: Cell>(imm: impl Into<i64>) -> T {
    T::from_cell(imm.into() as u64)
}

/// Lists every form of a binary operation for [`all`].
fn bin_infos<I: crate::ir::Layout + core::fmt::Debug + 'static>(
    name: &'static str,
    op: &BinOp<I>,
) -> Vec<OpInfo> {
    let mut v = vec![
        form!(name, "rr", op.rr),
        form!(name, "rr_a", op.rr_a),
        form!(name, "ar", op.ar),
        form!(name, "ar_a", op.ar_a),
        form!(name, "ra", op.ra),
        form!(name, "ra_a", op.ra_a),
    ];
    if let Some(i) = &op.imm {
        v.extend([
            form!(name, "ri", i.ri),
            form!(name, "ri_a", i.ri_a),
            form!(name, "ir", i.ir),
            form!(name, "ir_a", i.ir_a),
            form!(name, "ai", i.ai),
            form!(name, "ai_a", i.ai_a),
            form!(name, "ia", i.ia),
            form!(name, "ia_a", i.ia_a),
        ]);
    }
    v
}

int_binops! { i32_binops, BinRI32;
    I32_ADD "i32.add" sem::i32::add;
    I32_SUB "i32.sub" sem::i32::sub;
    I32_MUL "i32.mul" sem::i32::mul;
    I32_DIV_S "i32.div_s" sem::i32::div_s;
    I32_DIV_U "i32.div_u" sem::i32::div_u;
    I32_REM_S "i32.rem_s" sem::i32::rem_s;
    I32_REM_U "i32.rem_u" sem::i32::rem_u;
    I32_AND "i32.and" sem::i32::and;
    I32_OR "i32.or" sem::i32::or;
    I32_XOR "i32.xor" sem::i32::xor;
    I32_SHL "i32.shl" sem::i32::shl;
    I32_SHR_S "i32.shr_s" sem::i32::shr_s;
    I32_SHR_U "i32.shr_u" sem::i32::shr_u;
    I32_ROTL "i32.rotl" sem::i32::rotl;
    I32_ROTR "i32.rotr" sem::i32::rotr;
    I32_EQ "i32.eq" sem::i32::eq;
    I32_NE "i32.ne" sem::i32::ne;
    I32_LT_S "i32.lt_s" sem::i32::lt_s;
    I32_LT_U "i32.lt_u" sem::i32::lt_u;
    I32_GT_S "i32.gt_s" sem::i32::gt_s;
    I32_GT_U "i32.gt_u" sem::i32::gt_u;
    I32_LE_S "i32.le_s" sem::i32::le_s;
    I32_LE_U "i32.le_u" sem::i32::le_u;
    I32_GE_S "i32.ge_s" sem::i32::ge_s;
    I32_GE_U "i32.ge_u" sem::i32::ge_u;
}

int_binops! { i64_binops, BinRI64;
    I64_ADD "i64.add" sem::i64::add;
    I64_SUB "i64.sub" sem::i64::sub;
    I64_MUL "i64.mul" sem::i64::mul;
    I64_DIV_S "i64.div_s" sem::i64::div_s;
    I64_DIV_U "i64.div_u" sem::i64::div_u;
    I64_REM_S "i64.rem_s" sem::i64::rem_s;
    I64_REM_U "i64.rem_u" sem::i64::rem_u;
    I64_AND "i64.and" sem::i64::and;
    I64_OR "i64.or" sem::i64::or;
    I64_XOR "i64.xor" sem::i64::xor;
    I64_SHL "i64.shl" sem::i64::shl;
    I64_SHR_S "i64.shr_s" sem::i64::shr_s;
    I64_SHR_U "i64.shr_u" sem::i64::shr_u;
    I64_ROTL "i64.rotl" sem::i64::rotl;
    I64_ROTR "i64.rotr" sem::i64::rotr;
    I64_EQ "i64.eq" sem::i64::eq;
    I64_NE "i64.ne" sem::i64::ne;
    I64_LT_S "i64.lt_s" sem::i64::lt_s;
    I64_LT_U "i64.lt_u" sem::i64::lt_u;
    I64_GT_S "i64.gt_s" sem::i64::gt_s;
    I64_GT_U "i64.gt_u" sem::i64::gt_u;
    I64_LE_S "i64.le_s" sem::i64::le_s;
    I64_LE_U "i64.le_u" sem::i64::le_u;
    I64_GE_S "i64.ge_s" sem::i64::ge_s;
    I64_GE_U "i64.ge_u" sem::i64::ge_u;
}

binops_with_imm! { f32_binops, BinRI32, float_bits;
    F32_ADD "f32.add" sem::f32::add;
    F32_SUB "f32.sub" sem::f32::sub;
    F32_MUL "f32.mul" sem::f32::mul;
    F32_DIV "f32.div" sem::f32::div;
    F32_MIN "f32.min" sem::f32::min;
    F32_MAX "f32.max" sem::f32::max;
    F32_COPYSIGN "f32.copysign" sem::f32::copysign;
    F32_EQ "f32.eq" sem::f32::eq;
    F32_NE "f32.ne" sem::f32::ne;
    F32_LT "f32.lt" sem::f32::lt;
    F32_GT "f32.gt" sem::f32::gt;
    F32_LE "f32.le" sem::f32::le;
    F32_GE "f32.ge" sem::f32::ge;
}

binops_with_imm! { f64_binops, BinRI64, float_bits;
    F64_ADD "f64.add" sem::f64::add;
    F64_SUB "f64.sub" sem::f64::sub;
    F64_MUL "f64.mul" sem::f64::mul;
    F64_DIV "f64.div" sem::f64::div;
    F64_MIN "f64.min" sem::f64::min;
    F64_MAX "f64.max" sem::f64::max;
    F64_COPYSIGN "f64.copysign" sem::f64::copysign;
    F64_EQ "f64.eq" sem::f64::eq;
    F64_NE "f64.ne" sem::f64::ne;
    F64_LT "f64.lt" sem::f64::lt;
    F64_GT "f64.gt" sem::f64::gt;
    F64_LE "f64.le" sem::f64::le;
    F64_GE "f64.ge" sem::f64::ge;
}

/// Every form of one unary operation: operand from a slot or the accumulator (`a`),
/// result to a slot or the accumulator (`_a`).
#[derive(Clone, Copy)]
pub(crate) struct UnOp {
    pub r: Op<Un>,
    pub r_a: Op<Un>,
    pub a: Op<Un>,
    pub a_a: Op<Un>,
    /// The accumulator the `a` forms read (the operand's type's class).
    pub acc_in: AccClass,
    /// The accumulator the `_a` forms write (the result's type's class).
    pub acc_out: AccClass,
}

/// The accumulator classes of a unary operation's operand and result, from its types.
const fn un_classes<A: Cell, R: Cell>(_f: fn(A) -> Result<R, TrapCode>) -> (AccClass, AccClass) {
    (A::CLASS, R::CLASS)
}

macro_rules! un_fn {
    ($fname:ident, $a:ty, $f:expr, |$imm:ident, $sp:ident, $acc:ident| $src:expr, $out:ident) => {
        handler_fn! {
            #[allow(unused_variables, unused_unsafe)]
            unsafe fn $fname(ip, sp, mem, ctx, len, acc) {
                // SAFETY: the translator emits this handler's word only through an `Op<Un>`,
                // followed by the immediates of layout `Un`.
                let $imm: Un = unsafe { *(ip.add(1) as *const Un) };
                let ($sp, $acc) = (sp, acc);
                let f: fn($a) -> Result<_, TrapCode> = $f;
                // SAFETY: `src` names a slot inside the frame (translation invariant), holding a
                // value of the operand's type (validation).
                match f(unsafe { $src }) {
                    Ok(r) => bin_fn!(@out $out, r, $imm, Un, ip, sp, mem, len, ctx, acc),
                    Err(code) => trap(ctx, ip, code),
                }
            }
        }
    };
}

/// Unary operations `dst = f(src)`; `$a` is the operand's type, the result's type follows
/// from `f`.
macro_rules! unops {
    ($family:ident; $($name:literal ($a:ty) $f:expr => $NAME:ident;)*) => {
        $(pub(crate) const $NAME: UnOp = {
            un_fn!(r, $a, $f, |imm, sp, acc| rd(sp, imm.src), slot);
            un_fn!(r_a, $a, $f, |imm, sp, acc| rd(sp, imm.src), acc);
            un_fn!(a, $a, $f, |imm, sp, acc| Cell::from_acc(acc), slot);
            un_fn!(a_a, $a, $f, |imm, sp, acc| Cell::from_acc(acc), acc);
            let (acc_in, acc_out) = un_classes::<$a, _>($f);
            UnOp {
                r: op!(r, $name),
                r_a: op!(r_a, $name),
                a: op!(a, $name),
                a_a: op!(a_a, $name),
                acc_in,
                acc_out,
            }
        };)*
        #[allow(clippy::vec_init_then_push)]
        fn $family() -> Vec<OpInfo> {
            let mut v = Vec::new();
            $(
                v.push(form!(stringify!($NAME), "r", $NAME.r));
                v.push(form!(stringify!($NAME), "r_a", $NAME.r_a));
                v.push(form!(stringify!($NAME), "a", $NAME.a));
                v.push(form!(stringify!($NAME), "a_a", $NAME.a_a));
            )*
            v
        }
    };
}

def!(I32_ADD_SHL: AddShl, "i32.add_shl", |imm, ip, sp, mem, len, ctx, acc| {
    let v = rd::<u32>(sp, imm.a).wrapping_add(rd::<u32>(sp, imm.b).wrapping_shl(imm.shift));
    wr(sp, imm.dst, v);
    let acc = v.pass_on(acc);
    next!(AddShl, ip, sp, mem, len, ctx, acc)
});

def!(I32_ADD_SHL_A: AddShl, "i32.add_shl", |imm, ip, sp, mem, len, ctx, acc| {
    let v = rd::<u32>(sp, imm.a).wrapping_add(rd::<u32>(sp, imm.b).wrapping_shl(imm.shift));
    let acc = Cell::into_acc(v, acc);
    next!(AddShl, ip, sp, mem, len, ctx, acc)
});

def!(I32_SHR_U_AND: ShrAnd, "i32.shr_u_and", |imm, ip, sp, mem, len, ctx, acc| {
    let v = rd::<u32>(sp, imm.a).wrapping_shr(imm.shift) & imm.mask;
    wr(sp, imm.dst, v);
    let acc = v.pass_on(acc);
    next!(ShrAnd, ip, sp, mem, len, ctx, acc)
});

def!(I32_SHR_U_AND_A: ShrAnd, "i32.shr_u_and", |imm, ip, sp, mem, len, ctx, acc| {
    let acc = Cell::into_acc(rd::<u32>(sp, imm.a).wrapping_shr(imm.shift) & imm.mask, acc);
    next!(ShrAnd, ip, sp, mem, len, ctx, acc)
});

def!(I32_AND_SHL: ShrAnd, "i32.and_shl", |imm, ip, sp, mem, len, ctx, acc| {
    let v = (rd::<u32>(sp, imm.a) & imm.mask).wrapping_shl(imm.shift);
    wr(sp, imm.dst, v);
    let acc = v.pass_on(acc);
    next!(ShrAnd, ip, sp, mem, len, ctx, acc)
});

def!(I32_AND_SHL_A: ShrAnd, "i32.and_shl", |imm, ip, sp, mem, len, ctx, acc| {
    let acc = Cell::into_acc((rd::<u32>(sp, imm.a) & imm.mask).wrapping_shl(imm.shift), acc);
    next!(ShrAnd, ip, sp, mem, len, ctx, acc)
});

def!(I32_ADD_SHR_U_AND: AddShrAnd, "i32.add_shr_u_and", |imm, ip, sp, mem, len, ctx, acc| {
    let field = rd::<u32>(sp, imm.b).wrapping_shr(imm.shift) & imm.mask;
    let v = rd::<u32>(sp, imm.a).wrapping_add(field);
    wr(sp, imm.dst, v);
    let acc = v.pass_on(acc);
    next!(AddShrAnd, ip, sp, mem, len, ctx, acc)
});

def!(I32_ADD_SHR_U_AND_A: AddShrAnd, "i32.add_shr_u_and", |imm, ip, sp, mem, len, ctx, acc| {
    let field = rd::<u32>(sp, imm.b).wrapping_shr(imm.shift) & imm.mask;
    let acc = Cell::into_acc(rd::<u32>(sp, imm.a).wrapping_add(field), acc);
    next!(AddShrAnd, ip, sp, mem, len, ctx, acc)
});

/// The forms of `i32.mul_add` (`dst = a * b + c`), by what `b` and `c` are: the sum of
/// products, an array-of-records index `base + i * size`, an affine step `x * k + c`.
#[derive(Clone, Copy)]
pub(crate) struct MulAddOp {
    /// `b` and `c` slots.
    pub rr: Op<MulAdd>,
    /// `b` a constant, `c` a slot.
    pub ir: Op<MulAdd>,
    /// `b` and `c` constants.
    pub ii: Op<MulAdd>,
    /// `a` the accumulator (a value just loaded), `b` and `c` slots.
    pub ar: Op<MulAdd>,
    /// The same four leaving the result in the accumulator.
    pub rr_a: Op<MulAdd>,
    pub ir_a: Op<MulAdd>,
    pub ii_a: Op<MulAdd>,
    pub ar_a: Op<MulAdd>,
}

/// Writes the two handlers of one multiply-add form, `$form` (the result to `dst`) and
/// `$form_a` (the result to the accumulator), which differ only in where the value goes.
/// `$v` computes the value from the immediates (`$i`), the frame (`$s`) and the
/// accumulator (`$acc`); it reads only slots the `MulAdd` names, of the operation's type.
macro_rules! mul_add_handlers {
    ($form:ident, $form_a:ident, |$i:ident, $s:ident, $acc:ident| $v:expr) => {
        handler_fn! {
            #[allow(unused_variables, unused_unsafe)]
            unsafe fn $form(ip, sp, mem, ctx, len, acc) {
                // SAFETY: the translator emits this handler's word only through an
                // `Op<MulAdd>`, so the words after `ip` hold a `MulAdd`; the slots it names are
                // inside the frame and hold values of the operation's type (translation
                // invariants); the next instruction follows the immediates (see `next!`).
                unsafe {
                    let ($i, $s, $acc) = (*(ip.add(1) as *const MulAdd), sp, acc);
                    let v = $v;
                    wr(sp, dst_after!(ip, MulAdd), v);
                    let acc = v.pass_on(acc);
                    next!(MulAdd, ip, sp, mem, len, ctx, acc)
                }
            }
        }
        handler_fn! {
            #[allow(unused_variables, unused_unsafe)]
            unsafe fn $form_a(ip, sp, mem, ctx, len, acc) {
                // SAFETY: as for the form above: a `MulAdd` follows `ip`, its slots are inside
                // the frame, the next instruction follows it.
                unsafe {
                    let ($i, $s, $acc) = (*(ip.add(1) as *const MulAdd), sp, acc);
                    let acc = Cell::into_acc($v, acc);
                    next!(MulAdd, ip, sp, mem, len, ctx, acc)
                }
            }
        }
    };
}

macro_rules! mul_adds {
    ($($form:ident / $form_a:ident: |$i:ident, $s:ident, $acc:ident| $a:expr, $b:expr, $c:expr;)*) => {
        pub(crate) const I32_MUL_ADD: MulAddOp = {
            $(
                mul_add_handlers!($form, $form_a, |$i, $s, $acc| {
                    let v: u32 = $a.wrapping_mul($b).wrapping_add($c);
                    v
                });
            )*
            MulAddOp {
                $($form: op!($form, "i32.mul_add"), $form_a: op!($form_a, "i32.mul_add"),)*
            }
        };
        fn mul_add_ops() -> Vec<OpInfo> {
            vec![$(
                form!("I32_MUL_ADD", stringify!($form), I32_MUL_ADD.$form),
                form!("I32_MUL_ADD", stringify!($form_a), I32_MUL_ADD.$form_a),
            )*]
        }
    };
}

mul_adds! {
    rr / rr_a: |imm, sp, acc| rd::<u32>(sp, imm.a), rd::<u32>(sp, imm.b), rd::<u32>(sp, imm.c);
    ir / ir_a: |imm, sp, acc| rd::<u32>(sp, imm.a), imm.b, rd::<u32>(sp, imm.c);
    ii / ii_a: |imm, sp, acc| rd::<u32>(sp, imm.a), imm.b, imm.c;
    ar / ar_a: |imm, sp, acc| acc.i as u32, rd::<u32>(sp, imm.b), rd::<u32>(sp, imm.c);
}

/// The forms of a float multiply-add (`f64.mul_add`: `dst = a * b + c`, and the
/// subtractions below), by where the multiply took its operands: both from slots (`rr`), or one from
/// the accumulator (`ar`: `a`; `ra`: `b`), a value the instruction before it computed. `c`
/// is a slot. The result goes to `dst`, or (`_a` forms) to the accumulator. Each rounds
/// twice, as the multiply and the add it replaces do: it is not a fused multiply-add.
#[derive(Clone, Copy)]
pub(crate) struct FloatMulAddOp {
    pub rr: Op<MulAdd>,
    pub ar: Op<MulAdd>,
    pub ra: Op<MulAdd>,
    pub rr_a: Op<MulAdd>,
    pub ar_a: Op<MulAdd>,
    pub ra_a: Op<MulAdd>,
}

/// Defines float multiply-adds: `$NAME "name" type: |m, c| result` computes the result from
/// the product `m` and the slot `c` (operands in the order the add or subtract had them).
macro_rules! float_mul_adds {
    ($($NAME:ident $name:literal $t:ident: |$m:ident, $c:ident| $e:expr;)*) => {
        $(
            pub(crate) const $NAME: FloatMulAddOp = {
                float_mul_adds!(@form rr, rr_a, $t, |$m, $c| $e,
                    |imm, sp, acc| rd::<$t>(sp, imm.a), rd::<$t>(sp, imm.b));
                float_mul_adds!(@form ar, ar_a, $t, |$m, $c| $e,
                    |imm, sp, acc| <$t>::from_acc(acc), rd::<$t>(sp, imm.b));
                float_mul_adds!(@form ra, ra_a, $t, |$m, $c| $e,
                    |imm, sp, acc| rd::<$t>(sp, imm.a), <$t>::from_acc(acc));
                FloatMulAddOp {
                    rr: op!(rr, $name),
                    ar: op!(ar, $name),
                    ra: op!(ra, $name),
                    rr_a: op!(rr_a, $name),
                    ar_a: op!(ar_a, $name),
                    ra_a: op!(ra_a, $name),
                }
            };
        )*
        fn float_mul_add_ops() -> Vec<OpInfo> {
            let mut v = Vec::new();
            $(
                v.extend([
                    form!(stringify!($NAME), "rr", $NAME.rr),
                    form!(stringify!($NAME), "ar", $NAME.ar),
                    form!(stringify!($NAME), "ra", $NAME.ra),
                    form!(stringify!($NAME), "rr_a", $NAME.rr_a),
                    form!(stringify!($NAME), "ar_a", $NAME.ar_a),
                    form!(stringify!($NAME), "ra_a", $NAME.ra_a),
                ]);
            )*
            v
        }
    };
    (@form $form:ident, $form_a:ident, $t:ident, |$m:ident, $c:ident| $e:expr,
        |$i:ident, $s:ident, $acc:ident| $a:expr, $b:expr) => {
        mul_add_handlers!($form, $form_a, |$i, $s, $acc| {
            let $m: $t = $a * $b;
            let $c: $t = rd::<$t>($s, $i.c);
            let v: $t = $e;
            v
        });
    };
}

// One `add` serves both orders: float addition commutes (the compiler may swap a Rust
// `+`'s operands anyway, so not even a NaN's payload depends on the order); subtraction
// does not, so it comes both ways.
float_mul_adds! {
    F64_MUL_ADD "f64.mul_add" f64: |m, c| m + c;
    F64_MUL_SUB "f64.mul_sub" f64: |m, c| m - c;
    F64_SUB_MUL "f64.sub_mul" f64: |m, c| c - m;
    F32_MUL_ADD "f32.mul_add" f32: |m, c| m + c;
    F32_MUL_SUB "f32.mul_sub" f32: |m, c| m - c;
    F32_SUB_MUL "f32.sub_mul" f32: |m, c| c - m;
}

unops! { unops_all;
    "i32.clz" (i32) sem::i32::clz => I32_CLZ;
    "i32.ctz" (i32) sem::i32::ctz => I32_CTZ;
    "i32.popcnt" (i32) sem::i32::popcnt => I32_POPCNT;
    "i32.eqz" (i32) sem::i32::eqz => I32_EQZ;
    "i64.clz" (i64) sem::i64::clz => I64_CLZ;
    "i64.ctz" (i64) sem::i64::ctz => I64_CTZ;
    "i64.popcnt" (i64) sem::i64::popcnt => I64_POPCNT;
    "i64.eqz" (i64) sem::i64::eqz => I64_EQZ;
    "f32.abs" (f32) sem::f32::abs => F32_ABS;
    "f32.neg" (f32) sem::f32::neg => F32_NEG;
    "f32.ceil" (f32) sem::f32::ceil => F32_CEIL;
    "f32.floor" (f32) sem::f32::floor => F32_FLOOR;
    "f32.trunc" (f32) sem::f32::trunc => F32_TRUNC;
    "f32.nearest" (f32) sem::f32::nearest => F32_NEAREST;
    "f32.sqrt" (f32) sem::f32::sqrt => F32_SQRT;
    "f64.abs" (f64) sem::f64::abs => F64_ABS;
    "f64.neg" (f64) sem::f64::neg => F64_NEG;
    "f64.ceil" (f64) sem::f64::ceil => F64_CEIL;
    "f64.floor" (f64) sem::f64::floor => F64_FLOOR;
    "f64.trunc" (f64) sem::f64::trunc => F64_TRUNC;
    "f64.nearest" (f64) sem::f64::nearest => F64_NEAREST;
    "f64.sqrt" (f64) sem::f64::sqrt => F64_SQRT;
    "i32.wrap_i64" (i64) |a| Ok(a as i32) => I32_WRAP_I64;
    "i64.extend_i32_s" (i32) |a| Ok(a as i64) => I64_EXTEND_I32_S;
    "i32.extend8_s" (i32) |a| Ok(a as i8 as i32) => I32_EXTEND8_S;
    "i32.extend16_s" (i32) |a| Ok(a as i16 as i32) => I32_EXTEND16_S;
    "i64.extend8_s" (i64) |a| Ok(a as i8 as i64) => I64_EXTEND8_S;
    "i64.extend16_s" (i64) |a| Ok(a as i16 as i64) => I64_EXTEND16_S;
    "i64.extend32_s" (i64) |a| Ok(a as i32 as i64) => I64_EXTEND32_S;
    "i32.trunc_f32_s" (f32) sem::i32_trunc_f32_s => I32_TRUNC_F32_S;
    "i32.trunc_f32_u" (f32) sem::i32_trunc_f32_u => I32_TRUNC_F32_U;
    "i32.trunc_f64_s" (f64) sem::i32_trunc_f64_s => I32_TRUNC_F64_S;
    "i32.trunc_f64_u" (f64) sem::i32_trunc_f64_u => I32_TRUNC_F64_U;
    "i64.trunc_f32_s" (f32) sem::i64_trunc_f32_s => I64_TRUNC_F32_S;
    "i64.trunc_f32_u" (f32) sem::i64_trunc_f32_u => I64_TRUNC_F32_U;
    "i64.trunc_f64_s" (f64) sem::i64_trunc_f64_s => I64_TRUNC_F64_S;
    "i64.trunc_f64_u" (f64) sem::i64_trunc_f64_u => I64_TRUNC_F64_U;
    // Rust's float-to-int `as` saturates and maps NaN to 0: exactly `trunc_sat`.
    "i32.trunc_sat_f32_s" (f32) |a| Ok(a as i32) => I32_TRUNC_SAT_F32_S;
    "i32.trunc_sat_f32_u" (f32) |a| Ok(a as u32) => I32_TRUNC_SAT_F32_U;
    "i32.trunc_sat_f64_s" (f64) |a| Ok(a as i32) => I32_TRUNC_SAT_F64_S;
    "i32.trunc_sat_f64_u" (f64) |a| Ok(a as u32) => I32_TRUNC_SAT_F64_U;
    "i64.trunc_sat_f32_s" (f32) |a| Ok(a as i64) => I64_TRUNC_SAT_F32_S;
    "i64.trunc_sat_f32_u" (f32) |a| Ok(a as u64) => I64_TRUNC_SAT_F32_U;
    "i64.trunc_sat_f64_s" (f64) |a| Ok(a as i64) => I64_TRUNC_SAT_F64_S;
    "i64.trunc_sat_f64_u" (f64) |a| Ok(a as u64) => I64_TRUNC_SAT_F64_U;
    // Rust's int-to-float `as` rounds to nearest, ties to even, as Wasm requires.
    "f32.convert_i32_s" (i32) |a| Ok(a as f32) => F32_CONVERT_I32_S;
    "f32.convert_i32_u" (u32) |a| Ok(a as f32) => F32_CONVERT_I32_U;
    "f32.convert_i64_s" (i64) |a| Ok(a as f32) => F32_CONVERT_I64_S;
    "f32.convert_i64_u" (u64) |a| Ok(a as f32) => F32_CONVERT_I64_U;
    "f64.convert_i32_s" (i32) |a| Ok(a as f64) => F64_CONVERT_I32_S;
    "f64.convert_i32_u" (u32) |a| Ok(a as f64) => F64_CONVERT_I32_U;
    "f64.convert_i64_s" (i64) |a| Ok(a as f64) => F64_CONVERT_I64_S;
    "f64.convert_i64_u" (u64) |a| Ok(a as f64) => F64_CONVERT_I64_U;
    "f32.demote_f64" (f64) |a| Ok(a as f32) => F32_DEMOTE_F64;
    "f64.promote_f32" (f32) |a| Ok(a as f64) => F64_PROMOTE_F32;
    "ref.is_null" (u64) |a| Ok(a == 0) => REF_IS_NULL;
    // `i31` references (see `crate::values::ref_cell`): the value above a tag bit of 1.
    "ref.i31" (u32) |a| Ok(crate::values::ref_cell::from_i31(a)) => REF_I31;
    "i31.get_s" (u64) sem::i31_get_s => I31_GET_S;
    "i31.get_u" (u64) sem::i31_get_u => I31_GET_U;
}

/// This family's instructions, for [`all`](super::all).
pub(super) fn infos() -> Vec<OpInfo> {
    let mut v = i32_binops();
    v.extend(i64_binops());
    v.extend(f32_binops());
    v.extend(f64_binops());
    v.extend(unops_all());
    v.extend(mul_add_ops());
    v.extend(float_mul_add_ops());
    v.extend(info!(
        I32_ADD_SHL: AddShl,
        I32_ADD_SHL_A: AddShl,
        I32_SHR_U_AND: ShrAnd,
        I32_SHR_U_AND_A: ShrAnd,
        I32_AND_SHL: ShrAnd,
        I32_AND_SHL_A: ShrAnd,
        I32_ADD_SHR_U_AND: AddShrAnd,
        I32_ADD_SHR_U_AND_A: AddShrAnd,
    ));
    v
}

//! The instruction set: every instruction's handler and semantics, defined once.
//!
//! Each `pub(crate) const NAME: Op<Layout>` below *is* an instruction: the translator emits
//! it, the handler inside it executes it, and [`all`] lists it for the disassembler and
//! the dispatch audit. Families of instructions share a macro; the semantics of each
//! arithmetic operation is written once and reused by its register/immediate variants.
//!
//! Safety of every handler rests on the translator's invariants: slots named in
//! immediates lie inside the function's frame (`frame_size` slots, checked against the
//! stack end at call time), branch offsets land on instruction starts, and the operand
//! types are the ones validation proved. Memory, table and call-depth bounds are checked
//! here at run time.
#![allow(clippy::missing_safety_doc)]

use super::dispatch::jump;
use super::{Control, Ctx, Frame, Ip, Mem, Regs, Sp};
use crate::error::TrapCode;
use crate::ir::layout::*;
use crate::ir::{words, Op};
use crate::runtime::FuncEntity;

/// A value that lives in a 64-bit frame slot.
pub(crate) trait Cell: Copy {
    fn from_cell(c: u64) -> Self;
    fn to_cell(self) -> u64;
    /// The accumulator a handler passes on after writing `self` to a slot. The
    /// accumulator means something only from an instruction that writes it to the one
    /// right after (the translator pairs them), so any value will do; passing one the
    /// handler holds anyway frees the accumulator's register (`rcx`, the count register of
    /// shifts and rotates) instead of preserving a value nobody reads. An integer result is
    /// in a general register already; for a float (in a vector register) the incoming
    /// accumulator goes on untouched.
    fn pass_on(self, acc: u64) -> u64;
}
macro_rules! cell {
    ($($t:ty => |$c:ident| $from:expr, |$v:ident| $to:expr, $int:literal;)*) => {$(
        impl Cell for $t {
            #[inline(always)] fn from_cell($c: u64) -> Self { $from }
            #[inline(always)] fn to_cell(self) -> u64 { let $v = self; $to }
            #[inline(always)] fn pass_on(self, acc: u64) -> u64 {
                if $int { self.to_cell() } else { acc }
            }
        }
    )*};
}
cell! {
    i32 => |c| c as u32 as i32, |v| v as u32 as u64, true;
    u32 => |c| c as u32, |v| v as u64, true;
    i64 => |c| c as i64, |v| v as u64, true;
    u64 => |c| c, |v| v, true;
    f32 => |c| f32::from_bits(c as u32), |v| v.to_bits() as u64, false;
    f64 => |c| f64::from_bits(c), |v| v.to_bits(), false;
    bool => |c| c != 0, |v| v as u64, true;
}

#[inline(always)]
unsafe fn rd<T: Cell>(sp: Sp, s: u32) -> T {
    // SAFETY: slot indices are within the frame (translation invariant).
    T::from_cell(unsafe { *sp.add(s as usize) })
}
#[inline(always)]
unsafe fn wr<T: Cell>(sp: Sp, s: u32, v: T) {
    // SAFETY: slot indices are within the frame (translation invariant).
    unsafe { *sp.add(s as usize) = v.to_cell() }
}

/// Records a trap and stops execution. Kept out of line so that handlers stay small.
#[cold]
#[inline(never)]
pub(crate) fn trap(ctx: &mut Ctx, ip: Ip, code: TrapCode) -> Control {
    ctx.trap = code;
    ctx.trap_ip = ip;
    // Opaque: a compiler that knows the result turns `return trap(..)` into a call followed
    // by the constant, and a handler that calls aligns the stack on entry, on its fast
    // path too (signed division did). Not knowing it, the compiler jumps here instead.
    core::hint::black_box(Control::Trap)
}

/// One instruction of the table: `op!(handler, name)` is its [`Op`], with an identity
/// ([`crate::ir::OpCode`]) made from where the table defines it: the source position of
/// the family's invocation, the name and the handler's identifier.
/// `op!(handler, name, CONST_NAME)` adds the name of the constant that holds the
/// instruction, for the families whose entries share names and handler identifiers.
macro_rules! op {
    ($handler:ident, $name:expr $(, $owner:expr)?) => {
        Op::new(
            $handler,
            $name,
            crate::ir::OpCode::of(&[
                file!(),
                stringify!($handler),
                $name,
                concat!(line!(), ":", column!()),
                $($owner,)?
            ]),
        )
    };
}

/// What the disassembler and the dispatch audit know of an instruction.
#[derive(Clone, Copy)]
pub(crate) struct OpInfo {
    pub name: &'static str,
    /// The instruction's identity; read by the test that checks codes are unique.
    #[cfg_attr(not(test), allow(dead_code))]
    pub code: crate::ir::OpCode,
    pub symbol: &'static str,
    pub handler: super::Handler,
    pub words: usize,
    pub describe: fn(*const u64) -> String,
}

/// Defines one instruction: `def!(NAME: Layout, "wasm-ish name", |imm, ip, sp, mem, len, ctx, acc| body)`.
/// The body ends by handing over (`next!`, `jump!`) or returning a `Control`.
macro_rules! def {
    ($NAME:ident : $L:ty, $name:literal, |$imm:ident, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident| $body:block) => {
        pub(crate) const $NAME: Op<$L> = {
            #[allow(unused_variables, unused_unsafe, unused_mut)]
            unsafe fn handler(
                $ip: Ip,
                $sp: Sp,
                $mem: Mem,
                $acc: u64,
                $ctx: &mut Ctx,
                $len: usize,
            ) -> Control {
                // SAFETY: the instruction at `ip` was emitted with layout `$L`.
                let $imm: $L = unsafe { *($ip.add(1) as *const $L) };
                unsafe { $body }
            }
            op!(handler, $name, stringify!($NAME))
        };
    };
}

/// Where a handler finds its instruction. `at`: at `ip`, as usual. `via`: `ip` is a `br`
/// to the instruction, which the handler runs as if the `br` had jumped there (`ip` is
/// moved to it first, so branch targets, fall-through and a resumption point all come out
/// as the jump's would). `via_copy`: the same for a `copy.br`, whose copy is made first.
///
/// A via saves the dispatch of the jump: [`FuncTranslator::thread_jumps`] turns a `br` or
/// `copy.br` whose target is a conditional branch (most often a loop's back edge, reached
/// from the end of an `if` arm or a `switch` case) into the via of that branch. It is tail
/// duplication, done where the jump stands and in its words.
///
/// [`FuncTranslator::thread_jumps`]: crate::translate
macro_rules! via_entry {
    (at, $ip:ident, $sp:ident) => {};
    (via, $ip:ident, $sp:ident) => {
        // SAFETY: `thread_jumps` writes a via only over a `br` (layout `Br`) whose target
        // is an instruction of the kind this handler runs.
        let $ip: Ip = opaque($ip.offset((*($ip.add(1) as *const Br)).offset as isize));
    };
    (via_copy, $ip:ident, $sp:ident) => {
        // SAFETY: as for `via`, over a `copy.br` (layout `CopyBr`); its slots are inside
        // the frame (translation invariant).
        let jump = *($ip.add(1) as *const CopyBr);
        wr($sp, jump.dst, rd::<u64>($sp, jump.src));
        let $ip: Ip = opaque($ip.offset(jump.offset as isize));
    };
}

/// The vias of one instruction (see [`via_entry`]).
#[derive(Clone, Copy)]
pub(crate) struct Vias {
    /// Over a `br`.
    pub br: Op<Br>,
    /// Over a `copy.br`.
    pub copy_br: Op<CopyBr>,
}

/// `ip`, unchanged, hidden from the optimiser: a via that knew its target was its own
/// position plus an offset would keep both in registers (reading the target's immediates
/// relative to its own position), one register more than it has free.
#[inline(always)]
fn opaque(ip: Ip) -> Ip {
    #[cfg(all(not(miri), any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        let mut ip = ip;
        // SAFETY: an empty instruction sequence; it touches no memory, stack or flags
        // (the pointer passes through unread: `nomem` is exact).
        #[allow(clippy::pointers_in_nomem_asm_block)]
        unsafe {
            core::arch::asm!("/* {0} */", inout(reg) ip, options(pure, nomem, nostack, preserves_flags));
        }
        ip
    }
    #[cfg(not(all(not(miri), any(target_arch = "x86_64", target_arch = "aarch64"))))]
    {
        ip
    }
}

/// Defines an instruction (as [`def!`] does) and its vias (see [`via_entry`]):
/// `def_via!(NAME, VIAS_NAME: Layout, "name", |..| body)`.
macro_rules! def_via {
    ($NAME:ident, $VIA:ident : $L:ty, $name:literal, |$imm:ident, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident| $body:block) => {
        def!($NAME: $L, $name, |$imm, $ip, $sp, $mem, $len, $ctx, $acc| $body);
        pub(crate) const $VIA: Vias = {
            def_via!(@fn br, via, $L, |$imm, $ip, $sp, $mem, $len, $ctx, $acc| $body);
            def_via!(@fn copy_br, via_copy, $L, |$imm, $ip, $sp, $mem, $len, $ctx, $acc| $body);
            Vias {
                br: op!(br, concat!("br>", $name), stringify!($VIA)),
                copy_br: op!(copy_br, concat!("copy.br>", $name), stringify!($VIA)),
            }
        };
    };
    (@fn $fname:ident, $entry:tt, $L:ty, |$imm:ident, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident| $body:block) => {
        #[allow(unused_variables, unused_unsafe, unused_mut)]
        unsafe fn $fname(
            $ip: Ip,
            $sp: Sp,
            $mem: Mem,
            $acc: u64,
            $ctx: &mut Ctx,
            $len: usize,
        ) -> Control {
            // SAFETY: see `via_entry`; then the instruction at `ip` has layout `$L`.
            unsafe {
                via_entry!($entry, $ip, $sp);
                let $imm: $L = *($ip.add(1) as *const $L);
                $body
            }
        }
    };
}

/// Hands over to the instruction after this one.
macro_rules! next {
    ($L:ty, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {
        jump!($ip.add(words::<$L>()), $sp, $mem, $len, $ctx, $acc)
    };
}

/// Lists instructions for [`all`].
macro_rules! info {
    ($($NAME:ident : $L:ty),* $(,)?) => {
        vec![$(OpInfo {
            name: $NAME.name,
            code: $NAME.code,
            symbol: concat!(stringify!($NAME), "::handler"),
            handler: $NAME.handler,
            words: words::<$L>(),
            describe: |p| format!("{:?}", unsafe { *(p.add(1) as *const $L) }),
        }),*]
    };
}

// ---------------------------------------------------------------------------------------
// Semantics of the numeric operations, written once.

mod sem {
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
}

// ---------------------------------------------------------------------------------------
// Arithmetic families.

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

/// One handler of a binary operation: `$lhs`/`$rhs` read the operands (from `imm`, the
/// frame `sp` or the accumulator `acc`); the result goes to `imm.dst` (`slot`) or to the
/// accumulator (`acc`).
/// The `dst` field of the immediates at `ip`, read only once the result is computed.
/// Read at the start with the operands, it would keep a register busy all along, and the
/// handlers that need one more (a comparison's result, a shift count in `cl`) would then
/// save and restore a register on every run. The fence is free at run time: it only stops
/// the compiler from moving the read up.
macro_rules! dst_after {
    ($ip:ident, $L:ty) => {{
        core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
        // SAFETY: the instruction at `ip` was emitted with layout `$L`.
        unsafe { (*($ip.add(1) as *const $L)).dst }
    }};
}

macro_rules! bin_fn {
    ($fname:ident, $L:ty, $f:path, |$imm:ident, $sp:ident, $acc:ident| ($lhs:expr, $rhs:expr), $out:ident) => {
        #[allow(unused_variables)]
        #[allow(unused_unsafe)]
        unsafe fn $fname(ip: Ip, sp: Sp, mem: Mem, acc: u64, ctx: &mut Ctx, len: usize) -> Control {
            // SAFETY: the instruction at `ip` was emitted with layout `$L`.
            let $imm: $L = unsafe { *(ip.add(1) as *const $L) };
            let ($sp, $acc) = (sp, acc);
            // SAFETY: operand slots are inside the frame (translation invariant).
            match unsafe { $f($lhs, $rhs) } {
                Ok(r) => bin_fn!(@out $out, r, $imm, $L, ip, sp, mem, len, ctx, acc),
                Err(code) => trap(ctx, ip, code),
            }
        }
    };
    (@out slot, $r:ident, $imm:ident, $L:ty, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `dst` is inside the frame.
        unsafe { wr($sp, dst_after!($ip, $L), $r) };
        let $acc = Cell::pass_on($r, $acc);
        unsafe { next!($L, $ip, $sp, $mem, $len, $ctx, $acc) }
    }};
    (@out acc, $r:ident, $imm:ident, $L:ty, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        let $acc = Cell::to_cell($r);
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
            |imm, sp, acc| (Cell::from_cell(acc), rd(sp, imm.b)),
            slot
        );
        bin_fn!(
            ar_a,
            BinRR,
            $f,
            |imm, sp, acc| (Cell::from_cell(acc), rd(sp, imm.b)),
            acc
        );
        bin_fn!(
            ra,
            BinRR,
            $f,
            |imm, sp, acc| (rd(sp, imm.a), Cell::from_cell(acc)),
            slot
        );
        bin_fn!(
            ra_a,
            BinRR,
            $f,
            |imm, sp, acc| (rd(sp, imm.a), Cell::from_cell(acc)),
            acc
        );
    };
}

/// Integer binary operations: all register, immediate and accumulator forms.
macro_rules! int_binops {
    ($family:ident, $I:ident; $($NAME:ident $name:literal $f:path;)*) => {
        $(pub(crate) const $NAME: BinOp<$I> = {
            reg_forms!($f);
            bin_fn!(ri, $I, $f, |imm, sp, acc| (rd(sp, imm.a), imm.imm), slot);
            bin_fn!(ri_a, $I, $f, |imm, sp, acc| (rd(sp, imm.a), imm.imm), acc);
            bin_fn!(ir, $I, $f, |imm, sp, acc| (imm.imm, rd(sp, imm.a)), slot);
            bin_fn!(ir_a, $I, $f, |imm, sp, acc| (imm.imm, rd(sp, imm.a)), acc);
            bin_fn!(ai, $I, $f, |imm, sp, acc| (Cell::from_cell(acc), imm.imm), slot);
            bin_fn!(ai_a, $I, $f, |imm, sp, acc| (Cell::from_cell(acc), imm.imm), acc);
            bin_fn!(ia, $I, $f, |imm, sp, acc| (imm.imm, Cell::from_cell(acc)), slot);
            bin_fn!(ia_a, $I, $f, |imm, sp, acc| (imm.imm, Cell::from_cell(acc)), acc);
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

/// Float binary operations: register and accumulator forms.
macro_rules! float_binops {
    ($family:ident; $($NAME:ident $name:literal $f:path;)*) => {
        $(pub(crate) const $NAME: BinOp<BinRI32> = {
            reg_forms!($f);
            BinOp {
                rr: op!(rr, $name),
                rr_a: op!(rr_a, $name),
                ar: op!(ar, $name),
                ar_a: op!(ar_a, $name),
                ra: op!(ra, $name),
                ra_a: op!(ra_a, $name),
                imm: None,
            }
        };)*
        fn $family() -> Vec<OpInfo> {
            let mut v = Vec::new();
            $(v.extend(bin_infos(stringify!($NAME), &$NAME));)*
            v
        }
    };
}

/// Lists every form of a binary operation for [`all`].
fn bin_infos<I: core::fmt::Debug + Copy + 'static>(
    name: &'static str,
    op: &BinOp<I>,
) -> Vec<OpInfo> {
    let mut v = vec![
        form(name, "rr", op.rr),
        form(name, "rr_a", op.rr_a),
        form(name, "ar", op.ar),
        form(name, "ar_a", op.ar_a),
        form(name, "ra", op.ra),
        form(name, "ra_a", op.ra_a),
    ];
    if let Some(i) = &op.imm {
        v.extend([
            form(name, "ri", i.ri),
            form(name, "ri_a", i.ri_a),
            form(name, "ir", i.ir),
            form(name, "ir_a", i.ir_a),
            form(name, "ai", i.ai),
            form(name, "ai_a", i.ai_a),
            form(name, "ia", i.ia),
            form(name, "ia_a", i.ia_a),
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

float_binops! { float_binops;
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

/// Unary operations `dst = f(src)`; `$a` is the operand's type, the result's type follows
/// from `f`.
/// Every form of one unary operation: operand from a slot or the accumulator (`a`),
/// result to a slot or the accumulator (`_a`).
#[derive(Clone, Copy)]
pub(crate) struct UnOp {
    pub r: Op<Un>,
    pub r_a: Op<Un>,
    pub a: Op<Un>,
    pub a_a: Op<Un>,
}

macro_rules! un_fn {
    ($fname:ident, $a:ty, $f:expr, |$imm:ident, $sp:ident, $acc:ident| $src:expr, $out:ident) => {
        #[allow(unused_variables, unused_unsafe)]
        unsafe fn $fname(ip: Ip, sp: Sp, mem: Mem, acc: u64, ctx: &mut Ctx, len: usize) -> Control {
            // SAFETY: the instruction at `ip` was emitted with layout `Un`.
            let $imm: Un = unsafe { *(ip.add(1) as *const Un) };
            let ($sp, $acc) = (sp, acc);
            let f: fn($a) -> Result<_, TrapCode> = $f;
            match f(unsafe { $src }) {
                Ok(r) => bin_fn!(@out $out, r, $imm, Un, ip, sp, mem, len, ctx, acc),
                Err(code) => trap(ctx, ip, code),
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
            un_fn!(a, $a, $f, |imm, sp, acc| Cell::from_cell(acc), slot);
            un_fn!(a_a, $a, $f, |imm, sp, acc| Cell::from_cell(acc), acc);
            UnOp { r: op!(r, $name), r_a: op!(r_a, $name), a: op!(a, $name), a_a: op!(a_a, $name) }
        };)*
        #[allow(clippy::vec_init_then_push)]
        fn $family() -> Vec<OpInfo> {
            let mut v = Vec::new();
            $(
                v.push(form(stringify!($NAME), "r", $NAME.r));
                v.push(form(stringify!($NAME), "r_a", $NAME.r_a));
                v.push(form(stringify!($NAME), "a", $NAME.a));
                v.push(form(stringify!($NAME), "a_a", $NAME.a_a));
            )*
            v
        }
    };
}

def!(COPY: Un, "copy", |imm, ip, sp, mem, len, ctx, acc| {
    wr(sp, imm.dst, rd::<u64>(sp, imm.src));
    next!(Un, ip, sp, mem, len, ctx, acc)
});

def!(I32_ADD_SHL: AddShl, "i32.add_shl", |imm, ip, sp, mem, len, ctx, acc| {
    let v = rd::<u32>(sp, imm.a).wrapping_add(rd::<u32>(sp, imm.b).wrapping_shl(imm.shift));
    wr(sp, imm.dst, v);
    let acc = v.pass_on(acc);
    next!(AddShl, ip, sp, mem, len, ctx, acc)
});

def!(I32_ADD_SHL_A: AddShl, "i32.add_shl", |imm, ip, sp, mem, len, ctx, acc| {
    let v = rd::<u32>(sp, imm.a).wrapping_add(rd::<u32>(sp, imm.b).wrapping_shl(imm.shift));
    let acc = Cell::to_cell(v);
    next!(AddShl, ip, sp, mem, len, ctx, acc)
});

def!(I32_SHR_U_AND: ShrAnd, "i32.shr_u_and", |imm, ip, sp, mem, len, ctx, acc| {
    let v = rd::<u32>(sp, imm.a).wrapping_shr(imm.shift) & imm.mask;
    wr(sp, imm.dst, v);
    let acc = v.pass_on(acc);
    next!(ShrAnd, ip, sp, mem, len, ctx, acc)
});

def!(I32_SHR_U_AND_A: ShrAnd, "i32.shr_u_and", |imm, ip, sp, mem, len, ctx, acc| {
    let acc = Cell::to_cell(rd::<u32>(sp, imm.a).wrapping_shr(imm.shift) & imm.mask);
    next!(ShrAnd, ip, sp, mem, len, ctx, acc)
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

macro_rules! mul_adds {
    ($($form:ident / $form_a:ident: |$i:ident, $s:ident, $acc:ident| $a:expr, $b:expr, $c:expr;)*) => {
        pub(crate) const I32_MUL_ADD: MulAddOp = {
            $(
                #[allow(unused_variables, unused_unsafe)]
                unsafe fn $form(ip: Ip, sp: Sp, mem: Mem, acc: u64, ctx: &mut Ctx, len: usize) -> Control {
                    // SAFETY: the instruction at `ip` has layout `MulAdd`; its slots are
                    // inside the frame (translation invariant).
                    unsafe {
                        let ($i, $s, $acc) = (*(ip.add(1) as *const MulAdd), sp, acc);
                        let v = $a.wrapping_mul($b).wrapping_add($c);
                        wr(sp, dst_after!(ip, MulAdd), v);
                        let acc = v.pass_on(acc);
                        next!(MulAdd, ip, sp, mem, len, ctx, acc)
                    }
                }
                #[allow(unused_variables, unused_unsafe)]
                unsafe fn $form_a(ip: Ip, sp: Sp, mem: Mem, acc: u64, ctx: &mut Ctx, len: usize) -> Control {
                    // SAFETY: as above.
                    unsafe {
                        let ($i, $s, $acc) = (*(ip.add(1) as *const MulAdd), sp, acc);
                        let v = $a.wrapping_mul($b).wrapping_add($c);
                        let acc = Cell::to_cell(v);
                        next!(MulAdd, ip, sp, mem, len, ctx, acc)
                    }
                }
            )*
            MulAddOp {
                $($form: op!($form, "i32.mul_add"), $form_a: op!($form_a, "i32.mul_add"),)*
            }
        };
        fn mul_add_ops() -> Vec<OpInfo> {
            vec![$(
                form("I32_MUL_ADD", stringify!($form), I32_MUL_ADD.$form),
                form("I32_MUL_ADD", stringify!($form_a), I32_MUL_ADD.$form_a),
            )*]
        }
    };
}

mul_adds! {
    rr / rr_a: |imm, sp, acc| rd::<u32>(sp, imm.a), rd::<u32>(sp, imm.b), rd::<u32>(sp, imm.c);
    ir / ir_a: |imm, sp, acc| rd::<u32>(sp, imm.a), imm.b, rd::<u32>(sp, imm.c);
    ii / ii_a: |imm, sp, acc| rd::<u32>(sp, imm.a), imm.b, imm.c;
    ar / ar_a: |imm, sp, acc| acc as u32, rd::<u32>(sp, imm.b), rd::<u32>(sp, imm.c);
}

def!(COPY2: Copy2, "copy2", |imm, ip, sp, mem, len, ctx, acc| {
    // In order: the second copy may read what the first wrote.
    wr(sp, imm.dst1, rd::<u64>(sp, imm.src1));
    // The second pair is read after the first store (see `add_brs!`).
    let imm = *(ip.add(1) as *const Copy2);
    wr(sp, imm.dst2, rd::<u64>(sp, imm.src2));
    next!(Copy2, ip, sp, mem, len, ctx, acc)
});

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
}

// ---------------------------------------------------------------------------------------
// Constants, select, globals.

def!(CONST: Const, "const", |imm, ip, sp, mem, len, ctx, acc| {
    wr(sp, imm.dst, imm.val);
    next!(Const, ip, sp, mem, len, ctx, acc)
});

def!(SELECT: Select, "select", |imm, ip, sp, mem, len, ctx, acc| {
    let v: u64 = if rd::<u32>(sp, imm.cond) != 0 { rd(sp, imm.a) } else { rd(sp, imm.b) };
    wr(sp, imm.dst, v);
    next!(Select, ip, sp, mem, len, ctx, acc)
});

def!(SELECT_II: SelectII, "select", |imm, ip, sp, mem, len, ctx, acc| {
    let v = if rd::<u32>(sp, imm.cond) != 0 { imm.a } else { imm.b };
    wr(sp, imm.dst, v);
    next!(SelectII, ip, sp, mem, len, ctx, acc)
});

def!(SELECT_RI: SelectRI, "select", |imm, ip, sp, mem, len, ctx, acc| {
    let c = rd::<u32>(sp, imm.cond) != 0;
    let v = if c != (imm.swap != 0) { rd::<u64>(sp, imm.a) } else { imm.imm };
    wr(sp, imm.dst, v);
    next!(SelectRI, ip, sp, mem, len, ctx, acc)
});

def!(GLOBAL_GET: Global, "global.get", |imm, ip, sp, mem, len, ctx, acc| {
    // SAFETY: validation proved the global index; the instance's global cells are boxed
    // and live as long as the store.
    let cell = *(&*ctx.inst).globals.get_unchecked(imm.global as usize);
    wr(sp, imm.slot, *cell);
    next!(Global, ip, sp, mem, len, ctx, acc)
});

def!(GLOBAL_SET: Global, "global.set", |imm, ip, sp, mem, len, ctx, acc| {
    let cell = *(&*ctx.inst).globals.get_unchecked(imm.global as usize);
    *cell = rd(sp, imm.slot);
    next!(Global, ip, sp, mem, len, ctx, acc)
});

def!(REF_FUNC: RefFunc, "ref.func", |imm, ip, sp, mem, len, ctx, acc| {
    let f = *(&*ctx.inst).funcs.get_unchecked(imm.func as usize);
    wr(sp, imm.dst, f as u64);
    next!(RefFunc, ip, sp, mem, len, ctx, acc)
});

// ---------------------------------------------------------------------------------------
// Memory access. The effective address is computed in 64 bits from a 32-bit address and a
// 32-bit offset, so it cannot overflow; one comparison against the length checks bounds.

/// What [`all`] lists of one form `owner::form` of an instruction family.
fn form<L: core::fmt::Debug + Copy + 'static>(
    owner: &'static str,
    form: &'static str,
    op: Op<L>,
) -> OpInfo {
    OpInfo {
        name: op.name,
        code: op.code,
        // Leaked once per form when the table is built: the audit wants `OWNER::form`.
        symbol: Box::leak(format!("{owner}::{form}").into_boxed_str()),
        handler: op.handler,
        words: words::<L>(),
        describe: |p| format!("{:?}", unsafe { *(p.add(1) as *const L) }),
    }
}

/// Every form of one load: the address comes from a slot, the accumulator, is a
/// constant (`abs`, folded with the offset) or is the sum of a slot and a slot or
/// constant (`rr`, `ri`: the `i32.add` computing it folded in); `_a` forms leave the
/// value in the accumulator.
#[derive(Clone, Copy)]
pub(crate) struct LoadOp {
    pub r: Op<Load>,
    pub r_a: Op<Load>,
    pub a: Op<Load>,
    pub a_a: Op<Load>,
    pub abs: Op<LoadAbs>,
    pub abs_a: Op<LoadAbs>,
    /// Address `a + b`: an `i32.add` of two slots folded in.
    pub rr: Op<LoadRR>,
    pub rr_a: Op<LoadRR>,
    /// Address `a + imm`: an `i32.add` of a slot and a constant folded in.
    pub ri: Op<LoadRI>,
    pub ri_a: Op<LoadRI>,
    /// Address `idx << shift`: an `i32.shl` by a constant folded in.
    pub sh: Op<LoadSh>,
    pub sh_a: Op<LoadSh>,
}

/// Whether an access of a `T` at effective address `ea` (below 2^34) leaves a memory of
/// `len` bytes: `ea + size > len`, written as a signed comparison of `ea` with
/// `len - size` so that the address needs computing only once (the sum form makes the
/// compiler compute it twice). No overflow: both sides are far from the limits of `isize`.
#[inline(always)]
fn out_of_bounds<T>(ea: usize, len: usize) -> bool {
    match core::mem::size_of::<T>() {
        1 => ea >= len,
        size => (ea as isize) > len as isize - size as isize,
    }
}

/// One load handler: `$addr` computes the effective address (below 2^34, so the bounds
/// check cannot overflow); the value goes to a slot or the accumulator.
macro_rules! load_fn {
    ($fname:ident, $L:ty, $mem_t:ty, $val_t:ty, |$imm:ident, $sp:ident, $acc:ident| $addr:expr, $out:ident) => {
        #[allow(unused_variables, unused_unsafe)]
        unsafe fn $fname(ip: Ip, sp: Sp, mem: Mem, acc: u64, ctx: &mut Ctx, len: usize) -> Control {
            // SAFETY: the instruction at `ip` was emitted with layout `$L`.
            let $imm: $L = unsafe { *(ip.add(1) as *const $L) };
            let ($sp, $acc) = (sp, acc);
            let ea: usize = unsafe { $addr };
            if out_of_bounds::<$mem_t>(ea, len) {
                return trap(ctx, ip, TrapCode::MemoryOutOfBounds);
            }
            // SAFETY: bounds checked just above.
            let v = unsafe { core::ptr::read_unaligned(mem.add(ea) as *const $mem_t) } as $val_t;
            load_fn!(@out $out, v, $imm, $L, ip, sp, mem, len, ctx, acc)
        }
    };
    (@out slot, $v:ident, $imm:ident, $L:ty, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        unsafe { wr($sp, $imm.dst, $v) };
        let $acc = Cell::pass_on($v, $acc);
        unsafe { next!($L, $ip, $sp, $mem, $len, $ctx, $acc) }
    }};
    (@out acc, $v:ident, $imm:ident, $L:ty, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        let $acc = Cell::to_cell($v);
        unsafe { next!($L, $ip, $sp, $mem, $len, $ctx, $acc) }
    }};
}

macro_rules! loads {
    ($family:ident; $($name:literal $NAME:ident: $mem_t:ty => $val_t:ty;)*) => {
        $(pub(crate) const $NAME: LoadOp = {
            load_fn!(r, Load, $mem_t, $val_t, |imm, sp, acc| rd::<u32>(sp, imm.addr) as usize + imm.offset as usize, slot);
            load_fn!(r_a, Load, $mem_t, $val_t, |imm, sp, acc| rd::<u32>(sp, imm.addr) as usize + imm.offset as usize, acc);
            load_fn!(a, Load, $mem_t, $val_t, |imm, sp, acc| acc as u32 as usize + imm.offset as usize, slot);
            load_fn!(a_a, Load, $mem_t, $val_t, |imm, sp, acc| acc as u32 as usize + imm.offset as usize, acc);
            load_fn!(abs, LoadAbs, $mem_t, $val_t, |imm, sp, acc| imm.addr as usize, slot);
            load_fn!(abs_a, LoadAbs, $mem_t, $val_t, |imm, sp, acc| imm.addr as usize, acc);
            load_fn!(rr, LoadRR, $mem_t, $val_t, |imm, sp, acc| rd::<u32>(sp, imm.a).wrapping_add(rd::<u32>(sp, imm.b)) as usize + imm.offset as usize, slot);
            load_fn!(rr_a, LoadRR, $mem_t, $val_t, |imm, sp, acc| rd::<u32>(sp, imm.a).wrapping_add(rd::<u32>(sp, imm.b)) as usize + imm.offset as usize, acc);
            load_fn!(ri, LoadRI, $mem_t, $val_t, |imm, sp, acc| rd::<u32>(sp, imm.a).wrapping_add(imm.imm) as usize + imm.offset as usize, slot);
            load_fn!(ri_a, LoadRI, $mem_t, $val_t, |imm, sp, acc| rd::<u32>(sp, imm.a).wrapping_add(imm.imm) as usize + imm.offset as usize, acc);
            load_fn!(sh, LoadSh, $mem_t, $val_t, |imm, sp, acc| rd::<u32>(sp, imm.idx).wrapping_shl(imm.shift) as usize + imm.offset as usize, slot);
            load_fn!(sh_a, LoadSh, $mem_t, $val_t, |imm, sp, acc| rd::<u32>(sp, imm.idx).wrapping_shl(imm.shift) as usize + imm.offset as usize, acc);
            LoadOp {
                r: op!(r, $name),
                r_a: op!(r_a, $name),
                a: op!(a, $name),
                a_a: op!(a_a, $name),
                abs: op!(abs, $name),
                abs_a: op!(abs_a, $name),
                rr: op!(rr, $name),
                rr_a: op!(rr_a, $name),
                ri: op!(ri, $name),
                ri_a: op!(ri_a, $name),
                sh: op!(sh, $name),
                sh_a: op!(sh_a, $name),
            }
        };)*
        #[allow(clippy::vec_init_then_push)]
        fn $family() -> Vec<OpInfo> {
            let mut v = Vec::new();
            $(
                v.push(form(stringify!($NAME), "r", $NAME.r));
                v.push(form(stringify!($NAME), "r_a", $NAME.r_a));
                v.push(form(stringify!($NAME), "a", $NAME.a));
                v.push(form(stringify!($NAME), "a_a", $NAME.a_a));
                v.push(form(stringify!($NAME), "abs", $NAME.abs));
                v.push(form(stringify!($NAME), "abs_a", $NAME.abs_a));
                v.push(form(stringify!($NAME), "rr", $NAME.rr));
                v.push(form(stringify!($NAME), "rr_a", $NAME.rr_a));
                v.push(form(stringify!($NAME), "ri", $NAME.ri));
                v.push(form(stringify!($NAME), "ri_a", $NAME.ri_a));
                v.push(form(stringify!($NAME), "sh", $NAME.sh));
                v.push(form(stringify!($NAME), "sh_a", $NAME.sh_a));
            )*
            v
        }
    };
}

loads! { load_ops;
    "i32.load" I32_LOAD: u32 => u32;
    "i64.load" I64_LOAD: u64 => u64;
    "i32.load8_s" I32_LOAD8_S: i8 => i32;
    "i32.load8_u" I32_LOAD8_U: u8 => u32;
    "i32.load16_s" I32_LOAD16_S: i16 => i32;
    "i32.load16_u" I32_LOAD16_U: u16 => u32;
    "i64.load8_s" I64_LOAD8_S: i8 => i64;
    "i64.load8_u" I64_LOAD8_U: u8 => u64;
    "i64.load16_s" I64_LOAD16_S: i16 => i64;
    "i64.load16_u" I64_LOAD16_U: u16 => u64;
    "i64.load32_s" I64_LOAD32_S: i32 => i64;
    "i64.load32_u" I64_LOAD32_U: u32 => u64;
}

/// A load whose value only decides a branch: `nez` forms branch when the loaded value is
/// non-zero, `eqz` forms when it is zero; `r` forms take the address from a slot, `ri`
/// forms from a slot plus a constant. Sign extension cannot change a zero test, so one
/// instruction per width serves signed and unsigned loads.
#[derive(Clone, Copy)]
pub(crate) struct LoadBrOp {
    pub nez_r: Op<LoadBr>,
    pub eqz_r: Op<LoadBr>,
    pub nez_ri: Op<LoadBrRI>,
    pub eqz_ri: Op<LoadBrRI>,
}

macro_rules! load_brs {
    ($family:ident; $($NAME:ident $name:literal $mem_t:ty;)*) => {
        $(pub(crate) const $NAME: LoadBrOp = {
            load_brs!(@form nez_r, LoadBr, $mem_t, true, |imm, sp| rd::<u32>(sp, imm.addr) as usize + imm.offset as usize);
            load_brs!(@form eqz_r, LoadBr, $mem_t, false, |imm, sp| rd::<u32>(sp, imm.addr) as usize + imm.offset as usize);
            load_brs!(@form nez_ri, LoadBrRI, $mem_t, true, |imm, sp| rd::<u32>(sp, imm.a).wrapping_add(imm.imm) as usize + imm.offset as usize);
            load_brs!(@form eqz_ri, LoadBrRI, $mem_t, false, |imm, sp| rd::<u32>(sp, imm.a).wrapping_add(imm.imm) as usize + imm.offset as usize);
            LoadBrOp {
                nez_r: op!(nez_r, concat!($name, ".br_if_nez")),
                eqz_r: op!(eqz_r, concat!($name, ".br_if_eqz")),
                nez_ri: op!(nez_ri, concat!($name, ".br_if_nez")),
                eqz_ri: op!(eqz_ri, concat!($name, ".br_if_eqz")),
            }
        };)*
        fn $family() -> Vec<OpInfo> {
            let mut v = Vec::new();
            $(v.extend([
                form(stringify!($NAME), "nez_r", $NAME.nez_r),
                form(stringify!($NAME), "eqz_r", $NAME.eqz_r),
                form(stringify!($NAME), "nez_ri", $NAME.nez_ri),
                form(stringify!($NAME), "eqz_ri", $NAME.eqz_ri),
            ]);)*
            v
        }
    };
    (@form $fname:ident, $L:ty, $mem_t:ty, $nez:literal, |$imm:ident, $sp:ident| $addr:expr) => {
        #[allow(unused_variables, unused_unsafe)]
        unsafe fn $fname(ip: Ip, sp: Sp, mem: Mem, acc: u64, ctx: &mut Ctx, len: usize) -> Control {
            // SAFETY: the instruction at `ip` was emitted with layout `$L`; its slots are
            // inside the frame (translation invariant).
            let $imm: $L = unsafe { *(ip.add(1) as *const $L) };
            let $sp = sp;
            let ea: usize = unsafe { $addr };
            if out_of_bounds::<$mem_t>(ea, len) {
                return trap(ctx, ip, TrapCode::MemoryOutOfBounds);
            }
            // SAFETY: bounds checked just above.
            let v = unsafe { core::ptr::read_unaligned(mem.add(ea) as *const $mem_t) };
            if (v != 0) == $nez {
                unsafe { jump!(ip.offset($imm.br as isize), sp, mem, len, ctx, acc) }
            }
            unsafe { next!($L, ip, sp, mem, len, ctx, acc) }
        }
    };
}

load_brs! { load_br_ops;
    LOAD8_BR "load8" u8;
    LOAD16_BR "load16" u16;
    LOAD32_BR "load32" u32;
}

/// Every form of one store: address from a slot, the accumulator (`a_`) or a constant
/// (`abs`); value from a slot, the accumulator (`_va`) or an immediate (`imm`).
#[derive(Clone, Copy)]
pub(crate) struct StoreOp {
    pub rr: Op<Store>,
    pub r_va: Op<Store>,
    pub a_r: Op<Store>,
    pub imm: Op<StoreImm>,
    pub a_imm: Op<StoreImm>,
    pub abs: Op<StoreAbs>,
    pub abs_va: Op<StoreAbs>,
    /// Address `a + b` (an `i32.add` folded in), value from a slot.
    pub sum_r: Op<StoreSum>,
    /// Address `a + b`, value from the accumulator.
    pub sum_va: Op<StoreSum>,
}

macro_rules! store_fn {
    ($fname:ident, $L:ty, $mem_t:ty, |$imm:ident, $sp:ident, $acc:ident| ($addr:expr, $val:expr)) => {
        #[allow(unused_variables, unused_unsafe)]
        unsafe fn $fname(ip: Ip, sp: Sp, mem: Mem, acc: u64, ctx: &mut Ctx, len: usize) -> Control {
            // SAFETY: the instruction at `ip` was emitted with layout `$L`.
            let $imm: $L = unsafe { *(ip.add(1) as *const $L) };
            let ($sp, $acc) = (sp, acc);
            let ea: usize = unsafe { $addr };
            if out_of_bounds::<$mem_t>(ea, len) {
                return trap(ctx, ip, TrapCode::MemoryOutOfBounds);
            }
            let v: u64 = unsafe { $val };
            // SAFETY: bounds checked just above.
            unsafe { core::ptr::write_unaligned(mem.add(ea) as *mut $mem_t, v as $mem_t) };
            unsafe { next!($L, ip, sp, mem, len, ctx, acc) }
        }
    };
}

macro_rules! stores {
    ($family:ident; $($name:literal $NAME:ident: $mem_t:ty;)*) => {
        $(pub(crate) const $NAME: StoreOp = {
            store_fn!(rr, Store, $mem_t, |imm, sp, acc| (rd::<u32>(sp, imm.addr) as usize + imm.offset as usize, rd::<u64>(sp, imm.src)));
            store_fn!(r_va, Store, $mem_t, |imm, sp, acc| (rd::<u32>(sp, imm.addr) as usize + imm.offset as usize, acc));
            store_fn!(a_r, Store, $mem_t, |imm, sp, acc| (acc as u32 as usize + imm.offset as usize, rd::<u64>(sp, imm.src)));
            store_fn!(imm, StoreImm, $mem_t, |imm, sp, acc| (rd::<u32>(sp, imm.addr) as usize + imm.offset as usize, imm.val));
            store_fn!(a_imm, StoreImm, $mem_t, |imm, sp, acc| (acc as u32 as usize + imm.offset as usize, imm.val));
            store_fn!(abs, StoreAbs, $mem_t, |imm, sp, acc| (imm.addr as usize, rd::<u64>(sp, imm.src)));
            store_fn!(abs_va, StoreAbs, $mem_t, |imm, sp, acc| (imm.addr as usize, acc));
            store_fn!(sum_r, StoreSum, $mem_t, |imm, sp, acc| (rd::<u32>(sp, imm.a).wrapping_add(rd::<u32>(sp, imm.b)) as usize + imm.offset as usize, rd::<u64>(sp, imm.src)));
            store_fn!(sum_va, StoreSum, $mem_t, |imm, sp, acc| (rd::<u32>(sp, imm.a).wrapping_add(rd::<u32>(sp, imm.b)) as usize + imm.offset as usize, acc));
            StoreOp {
                rr: op!(rr, $name),
                r_va: op!(r_va, $name),
                a_r: op!(a_r, $name),
                imm: op!(imm, $name),
                a_imm: op!(a_imm, $name),
                abs: op!(abs, $name),
                abs_va: op!(abs_va, $name),
                sum_r: op!(sum_r, $name),
                sum_va: op!(sum_va, $name),
            }
        };)*
        #[allow(clippy::vec_init_then_push)]
        fn $family() -> Vec<OpInfo> {
            let mut v = Vec::new();
            $(
                v.push(form(stringify!($NAME), "rr", $NAME.rr));
                v.push(form(stringify!($NAME), "r_va", $NAME.r_va));
                v.push(form(stringify!($NAME), "a_r", $NAME.a_r));
                v.push(form(stringify!($NAME), "imm", $NAME.imm));
                v.push(form(stringify!($NAME), "a_imm", $NAME.a_imm));
                v.push(form(stringify!($NAME), "abs", $NAME.abs));
                v.push(form(stringify!($NAME), "abs_va", $NAME.abs_va));
                v.push(form(stringify!($NAME), "sum_r", $NAME.sum_r));
                v.push(form(stringify!($NAME), "sum_va", $NAME.sum_va));
            )*
            v
        }
    };
}

stores! { store_ops;
    "store32" STORE32: u32;
    "store64" STORE64: u64;
    "store8" STORE8: u8;
    "store16" STORE16: u16;
}

def!(MEMORY_SIZE: MemSize, "memory.size", |imm, ip, sp, mem, len, ctx, acc| {
    wr(sp, imm.dst, (len / crate::runtime::PAGE_SIZE) as u32);
    next!(MemSize, ip, sp, mem, len, ctx, acc)
});

def!(MEMORY_GROW: MemGrow, "memory.grow", |imm, ip, sp, mem, len, ctx, acc| {
    let delta = rd::<u32>(sp, imm.delta);
    let old = super::bulk::grow_memory(ctx, delta as u64);
    wr(sp, imm.dst, old.map_or(-1i32, |p| p as i32));
    let (mem, len) = ctx.mem_regs();
    next!(MemGrow, ip, sp, mem, len, ctx, acc)
});

// ---------------------------------------------------------------------------------------
// Control flow.

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

def_via!(BR_IF_EQZ, VIA_BR_IF_EQZ: BrCond, "br_if_eqz", |imm, ip, sp, mem, len, ctx, acc| {
    if rd::<u32>(sp, imm.cond) == 0 {
        jump!(ip.offset(imm.offset as isize), sp, mem, len, ctx, acc)
    }
    next!(BrCond, ip, sp, mem, len, ctx, acc)
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
    if acc as u32 != 0 {
        jump!(ip.offset(imm.offset as isize), sp, mem, len, ctx, acc)
    }
    next!(Br, ip, sp, mem, len, ctx, acc)
});

def_via!(BR_IF_EQZ_A, VIA_BR_IF_EQZ_A: Br, "br_if_eqz", |imm, ip, sp, mem, len, ctx, acc| {
    if acc as u32 == 0 {
        jump!(ip.offset(imm.offset as isize), sp, mem, len, ctx, acc)
    }
    next!(Br, ip, sp, mem, len, ctx, acc)
});

def!(BR_TABLE: BrTable, "br_table", |imm, ip, sp, mem, len, ctx, acc| {
    let i = rd::<u32>(sp, imm.index).min(imm.len) as usize;
    // SAFETY: the translator emits `len + 1` offset words right after the instruction.
    let offset = *ip.add(words::<BrTable>() + i) as i32;
    jump!(ip.offset(offset as isize), sp, mem, len, ctx, acc)
});

/// Fused compare-and-branch: branches when the comparison holds.
macro_rules! br_cmps {
    ($family:ident, $vias:ident; $($name:literal $f:path => $RR_:ident / $VRR:ident, $RI_:ident / $VRI:ident: $RI:ident;)*) => {
        $(
            def_via!($RR_, $VRR: BrCmpRR, $name, |imm, ip, sp, mem, len, ctx, acc| {
                if let Ok(true) = $f(rd(sp, imm.a), rd(sp, imm.b)) {
                    jump!(ip.offset(imm.offset as isize), sp, mem, len, ctx, acc)
                }
                next!(BrCmpRR, ip, sp, mem, len, ctx, acc)
            });
            def_via!($RI_, $VRI: $RI, $name, |imm, ip, sp, mem, len, ctx, acc| {
                if let Ok(true) = $f(rd(sp, imm.a), imm.imm) {
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
                Via { target: $RR_.code, vias: $VRR, owner: stringify!($VRR), forms: ["br", "copy_br"] },
                Via { target: $RI_.code, vias: $VRI, owner: stringify!($VRI), forms: ["br", "copy_br"] },
            )*]
        }
    };
}

br_cmps! { br_cmp_ops, br_cmp_vias;
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
    ($family:ident, $vias:ident; $($NAME:ident $name:literal $f:path;)*) => {
        $(pub(crate) const $NAME: AddBrOp = {
            add_brs!(@form ss / via_ss / copy_via_ss, AddBr, plain, $f, |imm, sp| rd::<i32>(sp, imm.step), |imm, sp| rd::<i32>(sp, imm.limit));
            add_brs!(@form si / via_si / copy_via_si, AddBr, plain, $f, |imm, sp| rd::<i32>(sp, imm.step), |imm, sp| imm.limit as i32);
            add_brs!(@form is / via_is / copy_via_is, AddBr, plain, $f, |imm, sp| imm.step as i32, |imm, sp| rd::<i32>(sp, imm.limit));
            add_brs!(@form ii / via_ii / copy_via_ii, AddBr, plain, $f, |imm, sp| imm.step as i32, |imm, sp| imm.limit as i32);
            add_brs!(@form add_ss / via_add_ss / copy_via_add_ss, AddAddBr, add, $f, |imm, sp| rd::<i32>(sp, imm.step), |imm, sp| rd::<i32>(sp, imm.limit));
            add_brs!(@form add_si / via_add_si / copy_via_add_si, AddAddBr, add, $f, |imm, sp| rd::<i32>(sp, imm.step), |imm, sp| imm.limit as i32);
            add_brs!(@form add_is / via_add_is / copy_via_add_is, AddAddBr, add, $f, |imm, sp| imm.step as i32, |imm, sp| rd::<i32>(sp, imm.limit));
            add_brs!(@form add_ii / via_add_ii / copy_via_add_ii, AddAddBr, add, $f, |imm, sp| imm.step as i32, |imm, sp| imm.limit as i32);
            add_brs!(@form ss_fuel, AddBrFuel, fuel, $f, |imm, sp| rd::<i32>(sp, imm.step), |imm, sp| rd::<i32>(sp, imm.limit));
            add_brs!(@form si_fuel, AddBrFuel, fuel, $f, |imm, sp| rd::<i32>(sp, imm.step), |imm, sp| imm.limit as i32);
            add_brs!(@form is_fuel, AddBrFuel, fuel, $f, |imm, sp| imm.step as i32, |imm, sp| rd::<i32>(sp, imm.limit));
            add_brs!(@form ii_fuel, AddBrFuel, fuel, $f, |imm, sp| imm.step as i32, |imm, sp| imm.limit as i32);
            AddBrOp {
                ss: op!(ss, $name),
                si: op!(si, $name),
                is: op!(is, $name),
                ii: op!(ii, $name),
                add_ss: op!(add_ss, concat!("add.", $name)),
                add_si: op!(add_si, concat!("add.", $name)),
                add_is: op!(add_is, concat!("add.", $name)),
                add_ii: op!(add_ii, concat!("add.", $name)),
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
                form(stringify!($NAME), "ss", $NAME.ss),
                form(stringify!($NAME), "si", $NAME.si),
                form(stringify!($NAME), "is", $NAME.is),
                form(stringify!($NAME), "ii", $NAME.ii),
                form(stringify!($NAME), "add_ss", $NAME.add_ss),
                form(stringify!($NAME), "add_si", $NAME.add_si),
                form(stringify!($NAME), "add_is", $NAME.add_is),
                form(stringify!($NAME), "add_ii", $NAME.add_ii),
                form(stringify!($NAME), "ss_fuel", $NAME.ss_fuel),
                form(stringify!($NAME), "si_fuel", $NAME.si_fuel),
                form(stringify!($NAME), "is_fuel", $NAME.is_fuel),
                form(stringify!($NAME), "ii_fuel", $NAME.ii_fuel),
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
                    v.push(Via { target, vias, owner: stringify!($NAME), forms });
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
    (@fn $fname:ident, $entry:tt, $L:ident, $before:tt, $f:path, |$i1:ident, $s1:ident| $step:expr, |$i2:ident, $s2:ident| $limit:expr) => {
        #[allow(unused_variables, unused_unsafe)]
        unsafe fn $fname(ip: Ip, sp: Sp, mem: Mem, acc: u64, ctx: &mut Ctx, len: usize) -> Control {
            // SAFETY: the instruction at `ip` was emitted with layout `$L`; its slots are
            // inside the frame (translation invariant). A via's `br` targets such an
            // instruction (see `def_via`).
            unsafe {
                via_entry!($entry, ip, sp);
                let imm = *(ip.add(1) as *const $L);
                add_brs!(@before $before, imm, ip, sp, mem, len, ctx, acc);
                let ($i1, $s1) = (imm, sp);
                // Step before writing `x`: `step` may be `x` itself.
                let x = rd::<i32>(sp, imm.x).wrapping_add($step);
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
    (@before fuel, $imm:ident, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {
        // As `FUEL` does, before anything else: stopped here, nothing has run and resuming
        // at this instruction is exact.
        match $ctx.fuel.checked_sub($imm.fuel as u64) {
            Some(left) => $ctx.fuel = left,
            None => return out_of_fuel($ctx, Regs { ip: $ip, sp: $sp, mem: $mem, len: $len, acc: $acc }),
        }
    };
}

add_brs! { add_br_ops, add_br_vias;
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

// ---------------------------------------------------------------------------------------
// Calls and returns.

/// Enters the compiled function `f` with its frame at `new_sp`. Shared by every call form;
/// the caller has already pushed the return frame (or reuses its own, for tail calls).
macro_rules! enter {
    ($f:expr, $new_sp:expr, $ip:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        let f: &crate::runtime::CompiledFunc = $f;
        let new_sp: Sp = $new_sp;
        if new_sp.add(f.frame_size as usize) > $ctx.stack_end {
            // (`trap` is reached by a jump: the fast path needs no stack frame for it.)
            return trap($ctx, $ip, TrapCode::StackOverflow);
        }
        // Non-parameter locals start at zero. A plain loop, not `write_bytes`: a call to
        // `memset` would make every call handler save and restore registers, and most
        // functions have few locals.
        let mut slot = new_sp.add(f.num_params as usize);
        let end = new_sp.add(f.num_locals as usize);
        while slot < end {
            // Volatile only so that the loop is not turned back into a `memset` call.
            core::ptr::write_volatile(slot, 0);
            slot = slot.add(1);
        }
        jump!(f.code, new_sp, $mem, $len, $ctx, $acc)
    }};
}

/// Pushes the frame that `return` will come back to. When there is no room left, hands
/// over to [`grow_frames`], which makes room (or traps) and runs the call again.
macro_rules! push_frame {
    ($ctx:ident, $ip:ident, $ret:expr, $sp:ident, $mem:ident, $len:ident, $acc:ident) => {
        let top = $ctx.frames.top;
        if top >= $ctx.frames.room_end {
            $crate::exec::dispatch::tail!(grow_frames, $ip, $sp, $mem, $len, $ctx, $acc);
        }
        // The top first, then the frame field by field, each value fetched just before
        // its store: fewer registers live at once (the frame is written before anything
        // can read it).
        // SAFETY: `top < room_end`, which is inside the frames' storage.
        $ctx.frames.top = top.add(1);
        core::ptr::addr_of_mut!((*top).ret_ip).write($ret);
        core::ptr::addr_of_mut!((*top).sp).write($sp);
        // Keeps the compiler from loading what the call needs next (callee, frame base)
        // before the frame is written: all of it live at once would need more registers
        // than the handler has free, and saving some on every call costs more.
        core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
    };
}

/// The slow path of a call that found no room for its frame: traps when the call stack
/// is at its limit, else grows the frame vector and runs the call instruction at `ip`
/// again. Has a handler's signature so that the call handlers reach it by a tail call
/// (their fast path then needs no register saves for it).
#[cold]
#[inline(never)]
unsafe fn grow_frames(ip: Ip, sp: Sp, mem: Mem, acc: u64, ctx: &mut Ctx, len: usize) -> Control {
    if !ctx.frames.grow(1) {
        return trap(ctx, ip, TrapCode::StackOverflow);
    }
    jump!(ip, sp, mem, len, ctx, acc)
}

/// [`grow_frames`] for a call into another instance, which pushes two frames.
#[cold]
#[inline(never)]
unsafe fn grow_frames_pair(
    ip: Ip,
    sp: Sp,
    mem: Mem,
    acc: u64,
    ctx: &mut Ctx,
    len: usize,
) -> Control {
    if !ctx.frames.grow(2) {
        return trap(ctx, ip, TrapCode::StackOverflow);
    }
    jump!(ip, sp, mem, len, ctx, acc)
}

/// Calls any function entity: Wasm (possibly of another instance) or host.
/// `ret` is where execution continues after the callee returns.
macro_rules! call_entity {
    ($func:expr, $base:expr, $ret:expr, $tail:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        let func: *const FuncEntity = $func;
        if (*func).compiled.is_null() {
            let new_sp: Sp = $sp.add($base as usize);
            // Host function: leave the interpreter; the embedder's loop calls it and
            // resumes at `ret` (for a tail call, at a `return`).
            $ctx.host_func = func;
            $ctx.host_args = new_sp;
            let resume: Ip = if $tail {
                &super::RETURN_CODE as *const _ as Ip
            } else {
                $ret
            };
            $ctx.regs = Regs {
                ip: resume,
                sp: $sp,
                mem: $mem,
                len: $len,
                acc: $acc,
            };
            return Control::Host;
        }
        let mut mem = $mem;
        let mut len = $len;
        if (*func).inst == $ctx.inst {
            if !$tail {
                push_frame!($ctx, $ip, $ret, $sp, $mem, $len, $acc);
            }
        } else {
            // Into another instance: the return must re-enter this one (see `Frame`).
            let top = $ctx.frames.top;
            if $tail {
                // The caller's frame is on top. Unless it already restores an instance
                // (the caller is in another instance than this function, or an earlier
                // tail call came here), it becomes a restoring pair: one frame more, at
                // most once per activation of the caller, so tail calls stay bounded.
                let caller = *top.sub(1);
                if !caller.restores() {
                    if top >= $ctx.frames.room_end {
                        $crate::exec::dispatch::tail!(
                            grow_frames,
                            $ip,
                            $sp,
                            $mem,
                            $len,
                            $ctx,
                            $acc
                        );
                    }
                    *top.sub(1) = Frame::restoring(caller.ret_ip, $ctx.inst);
                    *top = Frame {
                        ret_ip: super::restore_ip(),
                        sp: caller.sp,
                    };
                    $ctx.frames.top = top.add(1);
                }
            } else {
                if top.add(1) >= $ctx.frames.room_end {
                    $crate::exec::dispatch::tail!(
                        grow_frames_pair,
                        $ip,
                        $sp,
                        $mem,
                        $len,
                        $ctx,
                        $acc
                    );
                }
                // SAFETY: `top + 1 < room_end`: two free frames.
                *top = Frame::restoring($ret, $ctx.inst);
                *top.add(1) = Frame {
                    ret_ip: super::restore_ip(),
                    sp: $sp,
                };
                $ctx.frames.top = top.add(2);
            }
            $ctx.enter_instance((*func).inst);
            (mem, len) = $ctx.mem_regs();
        }
        // (`$base` is evaluated only now, for the register reason given at `CALL`.)
        let new_sp: Sp = $sp.add($base as usize);
        enter!(&*(*func).compiled, new_sp, $ip, mem, len, $ctx, $acc)
    }};
}

def!(CALL: Call, "call", |imm, ip, sp, mem, len, ctx, acc| {
    push_frame!(ctx, ip, ip.add(words::<Call>()), sp, mem, len, acc);
    // The immediates are read (again) only now: loaded before the frame is written, they
    // would occupy registers the handler has none of to spare, and saving registers on
    // every call costs more than the reload.
    let imm = *(ip.add(1) as *const Call);
    let f = &*ctx.compiled.add(imm.func as usize);
    enter!(f, sp.add(imm.base as usize), ip, mem, len, ctx, acc)
});

/// The argument copies folded into a call (see [`CallCopy`]), made before anything else.
/// Running them a second time changes nothing (the translator folds only such copies),
/// so [`grow_frames`] may run the whole call instruction again.
macro_rules! call_copies {
    ($sp:ident, $imm:ident, $ip:ident, $L:ty, 1) => {
        wr($sp, $imm.dst, rd::<u64>($sp, $imm.src));
    };
    ($sp:ident, $imm:ident, $ip:ident, $L:ty, 2) => {
        wr($sp, $imm.dst1, rd::<u64>($sp, $imm.src1));
        // The second pair is read only now, for the register reason given at `CALL`.
        let second = *($ip.add(1) as *const $L);
        wr($sp, second.dst2, rd::<u64>($sp, second.src2));
    };
}

def!(CALL_COPY: CallCopy, "copy.call", |imm, ip, sp, mem, len, ctx, acc| {
    call_copies!(sp, imm, ip, CallCopy, 1);
    push_frame!(ctx, ip, ip.add(words::<CallCopy>()), sp, mem, len, acc);
    let imm = *(ip.add(1) as *const CallCopy); // (see `CALL`)
    let f = &*ctx.compiled.add(imm.func as usize);
    enter!(f, sp.add(imm.base as usize), ip, mem, len, ctx, acc)
});

def!(CALL_COPY2: CallCopy2, "copy2.call", |imm, ip, sp, mem, len, ctx, acc| {
    call_copies!(sp, imm, ip, CallCopy2, 2);
    push_frame!(ctx, ip, ip.add(words::<CallCopy2>()), sp, mem, len, acc);
    let imm = *(ip.add(1) as *const CallCopy2); // (see `CALL`)
    let f = &*ctx.compiled.add(imm.func as usize);
    enter!(f, sp.add(imm.base as usize), ip, mem, len, ctx, acc)
});

def!(RETURN_CALL: Call, "return_call", |imm, ip, sp, mem, len, ctx, acc| {
    let f = &*ctx.compiled.add(imm.func as usize);
    enter!(f, sp, ip, mem, len, ctx, acc)
});

def!(CALL_IMPORT: Call, "call.import", |imm, ip, sp, mem, len, ctx, acc| {
    let func = *(&*ctx.inst).funcs.get_unchecked(imm.func as usize);
    call_entity!(func, (*(ip.add(1) as *const Call)).base, ip.add(words::<Call>()), false, ip, sp, mem, len, ctx, acc)
});

def!(RETURN_CALL_IMPORT: Call, "return_call.import", |imm, ip, sp, mem, len, ctx, acc| {
    let func = *(&*ctx.inst).funcs.get_unchecked(imm.func as usize);
    call_entity!(func, 0u32, ip, true, ip, sp, mem, len, ctx, acc)
});

/// Resolves the callee of an indirect call, or traps.
#[inline(always)]
unsafe fn indirect_callee(
    ctx: &Ctx,
    imm: &CallIndirect,
    sp: Sp,
) -> Result<*const FuncEntity, TrapCode> {
    let table = &**(&*ctx.inst).tables.get_unchecked(imm.table as usize);
    let i = rd::<u32>(sp, imm.index) as usize;
    let Some(&elem) = table.elems.get(i) else {
        return Err(TrapCode::UndefinedElement);
    };
    let func = elem as *const FuncEntity;
    if func.is_null() {
        return Err(TrapCode::IndirectCallToNull);
    }
    if (*func).type_id != imm.type_id {
        return Err(TrapCode::BadSignature);
    }
    Ok(func)
}

def!(CALL_INDIRECT: CallIndirect, "call_indirect", |imm, ip, sp, mem, len, ctx, acc| {
    match indirect_callee(ctx, &imm, sp) {
        Ok(func) => call_entity!(func, (*(ip.add(1) as *const CallIndirect)).base, ip.add(words::<CallIndirect>()), false, ip, sp, mem, len, ctx, acc),
        Err(code) => trap(ctx, ip, code),
    }
});

/// [`CALL_INDIRECT`] after the folded copies (which may set the table index, so they
/// come first).
macro_rules! call_indirect_copies {
    ($L:ident, $n:tt, $imm:ident, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        call_copies!($sp, $imm, $ip, $L, $n);
        let $imm = *($ip.add(1) as *const $L); // (see `CALL`)
        let target = CallIndirect {
            table: $imm.table,
            type_id: $imm.type_id,
            index: $imm.index,
            base: $imm.base,
        };
        match indirect_callee($ctx, &target, $sp) {
            Ok(func) => call_entity!(
                func,
                (*($ip.add(1) as *const $L)).base,
                $ip.add(words::<$L>()),
                false,
                $ip,
                $sp,
                $mem,
                $len,
                $ctx,
                $acc
            ),
            Err(code) => trap($ctx, $ip, code),
        }
    }};
}

def!(CALL_INDIRECT_COPY: CallIndirectCopy, "copy.call_indirect", |imm, ip, sp, mem, len, ctx, acc| {
    call_indirect_copies!(CallIndirectCopy, 1, imm, ip, sp, mem, len, ctx, acc)
});

def!(CALL_INDIRECT_COPY2: CallIndirectCopy2, "copy2.call_indirect", |imm, ip, sp, mem, len, ctx, acc| {
    call_indirect_copies!(CallIndirectCopy2, 2, imm, ip, sp, mem, len, ctx, acc)
});

def!(RETURN_CALL_INDIRECT: CallIndirect, "return_call_indirect", |imm, ip, sp, mem, len, ctx, acc| {
    match indirect_callee(ctx, &imm, sp) {
        Ok(func) => call_entity!(func, 0u32, ip, true, ip, sp, mem, len, ctx, acc),
        Err(code) => trap(ctx, ip, code),
    }
});

/// Returns to the caller; results are already in slots `0..n` of this frame. A macro, not
/// a function, so that the hand-over stays in the handler (as `become` requires).
macro_rules! do_return {
    ($ctx:ident, $mem:ident, $len:ident, $acc:ident) => {{
        // SAFETY: every activation starts with a sentinel frame whose return address is
        // `EXIT_CODE`, which ends the activation before the stack can run empty.
        let frame = $ctx.frames.pop_unchecked();
        // The caller is in this instance (a call into another one returns through
        // `RESTORE_CODE` first), so the callee's memory registers are the caller's, kept
        // current (`memory.grow`, host calls and calls into other instances reload
        // them): they are handed back as they are, even if the callee grew the memory.
        jump!(frame.ret_ip, frame.sp, $mem, $len, $ctx, $acc)
    }};
}

pub(crate) unsafe fn return_handler(
    _ip: Ip,
    _sp: Sp,
    mem: Mem,
    acc: u64,
    ctx: &mut Ctx,
    len: usize,
) -> Control {
    do_return!(ctx, mem, len, acc)
}

def!(RETURN: Nothing, "return", |imm, ip, sp, mem, len, ctx, acc| {
    do_return!(ctx, mem, len, acc)
});

def!(RETURN_SLOT: Ret1, "return.slot", |imm, ip, sp, mem, len, ctx, acc| {
    *sp = *sp.add(imm.src as usize);
    do_return!(ctx, mem, len, acc)
});

def!(RETURN_IMM: RetImm, "return.imm", |imm, ip, sp, mem, len, ctx, acc| {
    *sp = imm.val;
    do_return!(ctx, mem, len, acc)
});

/// Returns from a call into another instance (see [`Frame`](super::Frame)): re-enters the
/// caller's instance, kept in the frame below, and returns to the caller. `sp` is the
/// caller's, from the frame just popped.
pub(crate) unsafe fn restore_handler(
    _ip: Ip,
    sp: Sp,
    _mem: Mem,
    acc: u64,
    ctx: &mut Ctx,
    _len: usize,
) -> Control {
    // SAFETY: the call into another instance pushed this pair; the lower frame holds the
    // caller's instance, live as long as its store.
    let frame = unsafe { ctx.frames.pop_unchecked() };
    unsafe { ctx.enter_instance(frame.sp as *const crate::runtime::InstanceEntity) };
    let (mem, len) = ctx.mem_regs();
    jump!(frame.ret_ip, sp, mem, len, ctx, acc)
}

/// Ends an activation: reached by returning to a sentinel frame.
pub(crate) unsafe fn exit_handler(
    _ip: Ip,
    sp: Sp,
    mem: Mem,
    acc: u64,
    ctx: &mut Ctx,
    len: usize,
) -> Control {
    ctx.regs = Regs {
        ip: _ip,
        sp,
        mem,
        len,
        acc,
    };
    Control::Done
}

// ---------------------------------------------------------------------------------------
// Metering and interruption: emitted only into code translated with them switched on, so
// code without them pays nothing.

/// Stops execution for lack of fuel at the instruction of `regs`, which resumes there.
#[cold]
#[inline(never)]
fn out_of_fuel(ctx: &mut Ctx, regs: Regs) -> Control {
    ctx.regs = regs;
    ctx.trap = TrapCode::OutOfFuel;
    ctx.trap_ip = regs.ip;
    Control::OutOfFuel
}

// (With vias: in metered code every label starts with a charge, so that is where jumps
// land.)
def_via!(FUEL, VIA_FUEL: Fuel, "fuel", |imm, ip, sp, mem, len, ctx, acc| {
    match ctx.fuel.checked_sub(imm.amount as u64) {
        Some(left) => {
            ctx.fuel = left;
            next!(Fuel, ip, sp, mem, len, ctx, acc)
        }
        // Nothing of the block has run: resuming here after refuelling is exact.
        None => out_of_fuel(ctx, Regs { ip, sp, mem, len, acc }),
    }
});

def!(CHECK_INTERRUPT: Nothing, "check_interrupt", |imm, ip, sp, mem, len, ctx, acc| {
    if (*ctx.interrupt).load(core::sync::atomic::Ordering::Relaxed) {
        ctx.regs = Regs { ip, sp, mem, len, acc };
        ctx.trap = TrapCode::Interrupted;
        ctx.trap_ip = ip;
        return Control::Interrupted;
    }
    next!(Nothing, ip, sp, mem, len, ctx, acc)
});

// ---------------------------------------------------------------------------------------
// Bulk memory, tables and segments: rare and heavy, so the work is out of line.

macro_rules! bulk {
    ($family:ident; $($NAME:ident: $L:ident, $name:literal => $f:path, reload: $reload:literal;)*) => {
        $(def!($NAME: $L, $name, |imm, ip, sp, mem, len, ctx, acc| {
            // The immediates are passed by reference into the code, never as the address of
            // a local: a local whose address escapes into an out-of-line call would stop
            // LLVM from turning the hand-over below into a jump (seen with `lto = "off"`).
            match $f(ctx, sp, &*(ip.add(1) as *const $L)) {
                Ok(()) => {
                    let (mem, len) = if $reload { ctx.mem_regs() } else { (mem, len) };
                    next!($L, ip, sp, mem, len, ctx, acc)
                }
                Err(code) => trap(ctx, ip, code),
            }
        });)*
        fn $family() -> Vec<OpInfo> { info!($($NAME: $L),*) }
    };
}

bulk! { bulk_ops;
    MEMORY_COPY: MemCopy, "memory.copy" => super::bulk::memory_copy, reload: false;
    MEMORY_FILL: MemFill, "memory.fill" => super::bulk::memory_fill, reload: false;
    MEMORY_INIT: MemInit, "memory.init" => super::bulk::memory_init, reload: false;
    DATA_DROP: Seg, "data.drop" => super::bulk::data_drop, reload: false;
    TABLE_GET: TableGet, "table.get" => super::bulk::table_get, reload: false;
    TABLE_SET: TableSet, "table.set" => super::bulk::table_set, reload: false;
    TABLE_SIZE: TableSize, "table.size" => super::bulk::table_size, reload: false;
    TABLE_GROW: TableGrow, "table.grow" => super::bulk::table_grow, reload: false;
    TABLE_FILL: TableFill, "table.fill" => super::bulk::table_fill, reload: false;
    TABLE_COPY: TableCopy, "table.copy" => super::bulk::table_copy, reload: false;
    TABLE_INIT: TableInit, "table.init" => super::bulk::table_init, reload: false;
    ELEM_DROP: Seg, "elem.drop" => super::bulk::elem_drop, reload: false;
}

/// A via (see [`via_entry`]) and the instruction it runs.
pub(crate) struct Via {
    /// The instruction the via runs.
    pub target: crate::ir::OpCode,
    /// The vias themselves.
    pub vias: Vias,
    /// Where their handlers are defined, for the audit (`owner::form`).
    owner: &'static str,
    forms: [&'static str; 2],
}

/// Every via.
pub(crate) fn vias() -> Vec<Via> {
    let mut v = add_br_vias();
    v.extend(br_cmp_vias());
    macro_rules! conds {
        ($($NAME:ident / $VIA:ident),*) => {
            [$(Via { target: $NAME.code, vias: $VIA, owner: stringify!($VIA), forms: ["br", "copy_br"] }),*]
        };
    }
    v.extend(conds!(
        BR_IF_NEZ / VIA_BR_IF_NEZ,
        BR_IF_EQZ / VIA_BR_IF_EQZ,
        BR_IF_NEZ64 / VIA_BR_IF_NEZ64,
        BR_IF_EQZ64 / VIA_BR_IF_EQZ64,
        BR_IF_NEZ_A / VIA_BR_IF_NEZ_A,
        BR_IF_EQZ_A / VIA_BR_IF_EQZ_A,
        FUEL / VIA_FUEL
    ));
    v
}

/// Every instruction, for the disassembler and the dispatch audit.
pub(crate) fn all() -> Vec<OpInfo> {
    let mut v = Vec::new();
    v.extend(vias().into_iter().flat_map(|via| {
        [
            form(via.owner, via.forms[0], via.vias.br),
            form(via.owner, via.forms[1], via.vias.copy_br),
        ]
    }));
    v.extend(i32_binops());
    v.extend(i64_binops());
    v.extend(float_binops());
    v.extend(unops_all());
    v.extend(load_ops());
    v.extend(store_ops());
    v.extend(br_cmp_ops());
    v.extend(add_br_ops());
    v.extend(load_br_ops());
    v.extend(mul_add_ops());
    v.extend(bulk_ops());
    v.extend(info!(
        CONST: Const,
        COPY: Un,
        COPY2: Copy2,
        I32_ADD_SHL: AddShl,
        I32_ADD_SHL_A: AddShl,
        I32_SHR_U_AND: ShrAnd,
        I32_SHR_U_AND_A: ShrAnd,
        SELECT: Select,
        SELECT_II: SelectII,
        SELECT_RI: SelectRI,
        GLOBAL_GET: Global,
        GLOBAL_SET: Global,
        REF_FUNC: RefFunc,
        MEMORY_SIZE: MemSize,
        MEMORY_GROW: MemGrow,
        UNREACHABLE: TrapImm,
        BR: Br,
        COPY_BR: CopyBr,
        CONST_BR: ConstBr,
        BR_IF_NEZ: BrCond,
        BR_IF_EQZ: BrCond,
        BR_IF_NEZ64: BrCond,
        BR_IF_EQZ64: BrCond,
        BR_IF_NEZ_A: Br,
        BR_IF_EQZ_A: Br,
        BR_TABLE: BrTable,
        CALL: Call,
        RETURN_CALL: Call,
        CALL_IMPORT: Call,
        RETURN_CALL_IMPORT: Call,
        CALL_INDIRECT: CallIndirect,
        RETURN_CALL_INDIRECT: CallIndirect,
        CALL_COPY: CallCopy,
        CALL_COPY2: CallCopy2,
        CALL_INDIRECT_COPY: CallIndirectCopy,
        CALL_INDIRECT_COPY2: CallIndirectCopy2,
        RETURN: Nothing,
        RETURN_SLOT: Ret1,
        RETURN_IMM: RetImm,
        FUEL: Fuel,
        CHECK_INTERRUPT: Nothing,
    ));
    v
}

#[cfg(test)]
mod tests {
    use super::sem;

    /// The translator tells instructions apart by their codes: no two instructions of the
    /// table may share one. (Names do not identify an instruction: the forms of a family
    /// share theirs; the audit's symbols do.)
    #[test]
    fn op_codes_are_unique() {
        let all = super::all();
        let mut symbols: Vec<&str> = all.iter().map(|i| i.symbol).collect();
        symbols.sort_unstable();
        symbols.dedup();
        assert_eq!(symbols.len(), all.len(), "one table entry per instruction");
        let mut by_code: Vec<(crate::ir::OpCode, &str)> =
            all.iter().map(|i| (i.code, i.symbol)).collect();
        by_code.sort_unstable();
        let shared: Vec<[&str; 2]> = by_code
            .windows(2)
            .filter(|w| w[0].0 == w[1].0)
            .map(|w| [w[0].1, w[1].1])
            .collect();
        assert!(shared.is_empty(), "instructions sharing a code: {shared:?}");
        assert!(
            all.len() > 300,
            "the table lists every instruction ({})",
            all.len()
        );
    }

    /// Values around every boundary the call-free rounding has: zero and its sign, halves
    /// (ties), the integral threshold 2^mantissa, the largest values, infinities and NaNs.
    fn f64_cases() -> Vec<f64> {
        let mut v = vec![
            0.0,
            0.3,
            0.5,
            0.7,
            1.0,
            1.5,
            2.5,
            3.5,
            4503599627370495.5,
            4503599627370496.0,
            4503599627370497.0,
            9007199254740993.0,
            f64::MIN_POSITIVE,
            1e-310,
            f64::MAX,
            f64::INFINITY,
            f64::EPSILON,
        ];
        let mut x = 0.37f64;
        for _ in 0..2000 {
            x = x * 1.618 + 0.1;
            if x > 1e19 {
                x = x.sqrt().fract() * 7.0;
            }
            v.push(x);
        }
        let neg: Vec<f64> = v.iter().map(|x| -x).collect();
        v.extend(neg);
        v
    }

    #[test]
    fn rounding_matches_the_standard_library() {
        for a in f64_cases() {
            for (name, ours, std) in [
                ("floor", sem::f64::floor(a).unwrap(), a.floor()),
                ("ceil", sem::f64::ceil(a).unwrap(), a.ceil()),
                ("trunc", sem::f64::trunc(a).unwrap(), a.trunc()),
                (
                    "nearest",
                    sem::f64::nearest(a).unwrap(),
                    a.round_ties_even(),
                ),
            ] {
                assert_eq!(ours.to_bits(), std.to_bits(), "f64 {name}({a:e})");
            }
            let b = a as f32;
            for (name, ours, std) in [
                ("floor", sem::f32::floor(b).unwrap(), b.floor()),
                ("ceil", sem::f32::ceil(b).unwrap(), b.ceil()),
                ("trunc", sem::f32::trunc(b).unwrap(), b.trunc()),
                (
                    "nearest",
                    sem::f32::nearest(b).unwrap(),
                    b.round_ties_even(),
                ),
            ] {
                assert_eq!(ours.to_bits(), std.to_bits(), "f32 {name}({b:e})");
            }
        }
    }

    #[test]
    fn rounding_a_nan_gives_a_quiet_nan() {
        let signalling = f64::from_bits(0x7ff0_0000_0000_0001);
        for r in [
            sem::f64::floor(signalling),
            sem::f64::ceil(signalling),
            sem::f64::trunc(signalling),
            sem::f64::nearest(signalling),
        ] {
            let bits = r.unwrap().to_bits();
            assert!(f64::from_bits(bits).is_nan());
            assert_ne!(bits & (1 << 51), 0, "quiet bit set: {bits:#x}");
        }
    }
}

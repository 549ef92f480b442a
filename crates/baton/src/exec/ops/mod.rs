//! The instruction set: every instruction's handler and semantics, defined once.
//!
//! Each `pub(crate) const NAME: Op<Layout>` of this module's families *is* an instruction:
//! the translator emits it, the handler inside it executes it, and [`all`] lists it for the
//! disassembler and the dispatch audit. Families of instructions share a macro; the
//! semantics of each arithmetic operation is written once (`sem`) and reused by its
//! register/immediate variants.
//!
//! This file holds what every family shares: the slot cells ([`Cell`], `rd`, `wr`),
//! [`trap`], the macros that define instructions (`op!`, `def!`, `def_via!`, `next!`,
//! `info!`, `form!`), the table entries ([`OpInfo`], [`Vias`], [`Via`]) and the table
//! itself ([`all`], [`vias`]). Each family has a file of its own:
//!
//! | file | instructions |
//! |---|---|
//! | `sem.rs` | no handlers: the semantics of the numeric operations, shared by their forms |
//! | `numeric.rs` | binary and unary operations, `i32.mul_add`, `i32.add_shl`, `i32.shr_u_and` |
//! | `values.rs` | copies, constants, `select`, globals, `ref.func` |
//! | `memory.rs` | loads, stores, load-and-branch, `memory.size`, `memory.grow` |
//! | `control.rs` | branches, `br_table`, compare-and-branch, add-and-branch |
//! | `calls.rs` | calls, returns, and the `exit`/`restore` stubs |
//! | `metering.rs` | `fuel`, `check_interrupt` |
//! | `bulk.rs` | bulk memory, table and segment instructions (their work is in `exec/bulk.rs`) |
//! | `wide.rs` | wide arithmetic: 128-bit add/sub on i64 pairs, 64×64→128 multiplication |
//! | `simd.rs` | SIMD and relaxed SIMD, from one table (`simd_table!`) shared with the translator |
//! | `pairs.rs` | two plain instructions that often follow each other, run by one handler |
//!
//! A new family (a proposal's instructions) is a new file: declare it with the others
//! below the macros (a `macro_rules!` is in scope only in modules declared after it),
//! re-export its instructions (`pub(crate) use family::*`) so that the translator names
//! them `op::NAME`, and add its `infos()` (and `vias()`, if it has vias) to [`all`]
//! (and [`vias`]). The audit finds the new handlers by the symbols the table gives them
//! (`<family>::<NAME>::<form>`), with nothing to register.
//!
//! Safety of every handler rests on the translator's invariants: slots named in
//! immediates lie inside the function's frame (`frame_size` slots, checked against the
//! stack end at call time), branch offsets land on instruction starts, and the operand
//! types are the ones validation proved. Memory, table and call-depth bounds are checked
//! here at run time.
#![allow(clippy::missing_safety_doc)]

use super::dispatch::{jump, table_jump};
use super::{Acc, Control, Ctx, Ip, Mem, Regs, Sp};
use crate::error::TrapCode;
use crate::ir::layout::*;
use crate::ir::{words, Op};

/// Which of the accumulators ([`Acc`]) a value of some type goes through between two
/// instructions. The translator routes a result through the accumulator only when the
/// producer's class is the consumer's: an `f64` sum goes to `f64.mul` in `Acc::f`, but
/// to a store (which moves bits, and reads `Acc::i`) through its slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AccClass {
    /// `Acc::i`: integers, references, bits.
    Int,
    /// `Acc::f`: a float operation's `f64`.
    F64,
    /// `Acc::s`: a float operation's `f32`.
    F32,
}

/// A value that lives in a 64-bit frame slot.
pub(crate) trait Cell: Copy {
    /// The accumulator that values of this type take between numeric operations.
    const CLASS: AccClass;
    fn from_cell(c: u64) -> Self;
    fn to_cell(self) -> u64;
    /// The value the accumulator of this type's class holds.
    fn from_acc(acc: Acc) -> Self;
    /// The accumulators with this type's one holding `self`.
    fn into_acc(self, acc: Acc) -> Acc;
    /// The accumulators a handler passes on after writing `self` to a slot. Passing the
    /// value the handler holds anyway frees the accumulator's register (for an integer,
    /// `rcx`, the count register of shifts and rotates) instead of preserving a value
    /// nobody reads. And it is a contract: the slot form of every instruction that has an
    /// accumulator form passes its result on here, because the translator lets the next
    /// instruction read a value just teed into a local from the accumulator
    /// (`FuncTranslator::teed_in_acc`).
    #[inline(always)]
    fn pass_on(self, acc: Acc) -> Acc {
        self.into_acc(acc)
    }
}
macro_rules! cell {
    ($($t:ty => $class:ident, |$c:ident| $from:expr, |$v:ident| $to:expr,
        |$a:ident| $get:expr, |$w:ident, $b:ident| $put:expr;)*) => {$(
        impl Cell for $t {
            const CLASS: AccClass = AccClass::$class;
            #[inline(always)] fn from_cell($c: u64) -> Self { $from }
            #[inline(always)] fn to_cell(self) -> u64 { let $v = self; $to }
            #[inline(always)] fn from_acc($a: Acc) -> Self { $get }
            #[inline(always)] fn into_acc(self, $b: Acc) -> Acc { let $w = self; $put }
        }
    )*};
}
cell! {
    i32 => Int, |c| c as u32 as i32, |v| v as u32 as u64, |a| a.i as u32 as i32, |v, a| a.with_i(v as u32 as u64);
    u32 => Int, |c| c as u32, |v| v as u64, |a| a.i as u32, |v, a| a.with_i(v as u64);
    i64 => Int, |c| c as i64, |v| v as u64, |a| a.i as i64, |v, a| a.with_i(v as u64);
    u64 => Int, |c| c, |v| v, |a| a.i, |v, a| a.with_i(v);
    f32 => F32, |c| f32::from_bits(c as u32), |v| v.to_bits() as u64, |a| a.s, |v, a| Acc { s: v, ..a };
    f64 => F64, |c| f64::from_bits(c), |v| v.to_bits(), |a| a.f, |v, a| Acc { f: v, ..a };
    bool => Int, |c| c != 0, |v| v as u64, |a| a.i != 0, |v, a| a.with_i(v as u64);
}

/// Reads slot `s` of the frame at `sp`.
///
/// # Safety
/// `s` is a slot of that frame: every slot an instruction names is (translation invariant:
/// below the function's `frame_size`, and a call checks that the frame fits in the value
/// stack before it enters).
#[inline(always)]
unsafe fn rd<T: Cell>(sp: Sp, s: u32) -> T {
    // SAFETY: `sp + s` is inside the frame (the contract), in the value stack.
    T::from_cell(unsafe { *sp.add(s as usize) })
}
/// Writes slot `s` of the frame at `sp`.
///
/// # Safety
/// As for [`rd`].
#[inline(always)]
unsafe fn wr<T: Cell>(sp: Sp, s: u32, v: T) {
    // SAFETY: `sp + s` is inside the frame (the contract), in the value stack.
    unsafe { *sp.add(s as usize) = v.to_cell() }
}

/// The cell of global `index` of the running instance.
///
/// # Safety
/// `index` is a global of the running instance's module (validation proves every global
/// index an instruction names; `Ctx::globals` is that instance's cells, set with
/// `Ctx::inst`). The cell lives as long as the store.
#[inline(always)]
unsafe fn global_cell(ctx: &Ctx, index: u32) -> *mut u64 {
    // SAFETY: `index` is below the number of the instance's globals (the contract).
    unsafe { *ctx.globals.add(index as usize) }
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
/// ([`crate::ir::OpCode`]) made from where the table defines it: the module and source
/// position of the family's invocation, the name and the handler's identifier. (The module
/// path, not `file!()`: a file's path depends on where the crate is built from and on
/// `--remap-path-prefix`, so the codes, and the uniqueness test's verdict on them, would
/// too.)
/// `op!(handler, name, CONST_NAME)` adds the name of the constant that holds the
/// instruction, for the families whose entries share names and handler identifiers.
macro_rules! op {
    ($handler:ident, $name:expr $(, $owner:expr)?) => {
        Op::new(
            $handler,
            $name,
            crate::ir::OpCode::of(&[
                module_path!(),
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
    /// The handler's full path, `baton::exec::ops::<family>::<OWNER>::<form>` (see
    /// [`OpInfo::symbol`]).
    path: &'static str,
    /// The path of the family's module, which `path` starts with.
    module: &'static str,
    pub handler: super::Handler,
    pub words: usize,
    /// Formats the immediates of an instruction of this kind at the given address.
    ///
    /// # Safety
    /// The `words` words from the address on are readable.
    pub describe: unsafe fn(*const u64) -> String,
}

/// Defines one instruction: `def!(NAME: Layout, "wasm-ish name", |imm, ip, sp, mem, len, ctx, acc| body)`.
/// The body ends by handing over (`next!`, `jump!`) or returning a `Control`.
macro_rules! def {
    ($NAME:ident : $L:ty, $name:expr, |$imm:ident, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident| $body:block) => {
        pub(crate) const $NAME: Op<$L> = {
            handler_fn! {
                #[allow(unused_variables, unused_unsafe, unused_mut)]
                unsafe fn handler($ip, $sp, $mem, $ctx, $len, $acc) {
                    // SAFETY: the translator emits this handler's word only through an
                    // `Op<$L>`, followed by the immediates of layout `$L`: they are the
                    // words after `ip`.
                    let $imm: $L = unsafe { *($ip.add(1) as *const $L) };
                    // SAFETY: the body's slot accesses, branch targets and typed reads rest
                    // on the translation invariants stated at the top of this module (slots
                    // inside the frame, targets at instruction starts, operand types as
                    // validated); a body states what else it relies on next to the access.
                    unsafe { $body }
                }
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
    (at, $ip:ident, $sp:ident, $acc:ident) => {};
    (via, $ip:ident, $sp:ident, $acc:ident) => {
        // SAFETY: `thread_jumps` writes a via only over a `br` (layout `Br`) whose target
        // is an instruction of the kind this handler runs.
        let $ip: Ip = opaque($ip.offset((*($ip.add(1) as *const Br)).offset as isize));
    };
    (via_copy, $ip:ident, $sp:ident, $acc:ident) => {
        // SAFETY: as for `via`, over a `copy.br` (layout `CopyBr`); its slots are inside
        // the frame (translation invariant).
        let jump = *($ip.add(1) as *const CopyBr);
        wr($sp, jump.dst, rd::<u64>($sp, jump.src));
        let $ip: Ip = opaque($ip.offset(jump.offset as isize));
    };
    (via_copy2_add, $ip:ident, $sp:ident, $acc:ident) => {
        // SAFETY: as for `via`, over a `copy2.i32.add.br` (layout `Copy2AddBr`, written by
        // `copied_dispatch` only at the end of a copy of the header of the loop whose
        // dispatch is the target); its slots are inside the frame (translation invariant).
        // In order, as `COPY2_ADD` does; the immediates read again after each store (see
        // `add_brs!` in `control.rs`).
        wr(
            $sp,
            (*($ip.add(1) as *const Copy2AddBr)).dst1,
            rd::<u64>($sp, (*($ip.add(1) as *const Copy2AddBr)).src1),
        );
        let jump = *($ip.add(1) as *const Copy2AddBr);
        wr($sp, jump.dst2, rd::<u64>($sp, jump.src2));
        let jump = *($ip.add(1) as *const Copy2AddBr);
        let v = rd::<u32>($sp, jump.a).wrapping_add(jump.imm as u32);
        wr($sp, jump.dst, v);
        let $acc = v.pass_on($acc);
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
        handler_fn! {
            #[allow(unused_variables, unused_unsafe, unused_mut)]
            unsafe fn $fname($ip, $sp, $mem, $ctx, $len, $acc) {
                // SAFETY: `via_entry` moves `ip` to the instruction the via runs (see
                // there); that instruction was emitted through an `Op<$L>`, so the words
                // after it hold a `$L`. The body then relies on what it does in `def!`.
                unsafe {
                    via_entry!($entry, $ip, $sp, $acc);
                    let $imm: $L = *($ip.add(1) as *const $L);
                    $body
                }
            }
        }
    };
}

/// [`def_via!`] for the dispatch of an interpreter loop (a load-and-`br_table`), with one
/// more via, `HEADER_VIA`: over a `copy2.i32.add.br` (layout `Copy2AddBr`), the end of a
/// copy of the loop's header (see `FuncTranslator::copied_dispatch`), which makes the
/// copies and the add and then runs the dispatch, one dispatch per opcode fewer.
macro_rules! def_header_via {
    ($NAME:ident, $VIA:ident, $HEADER_VIA:ident : $L:ty, $name:literal, |$imm:ident, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident| $body:block) => {
        def_via!($NAME, $VIA: $L, $name, |$imm, $ip, $sp, $mem, $len, $ctx, $acc| $body);
        pub(crate) const $HEADER_VIA: Op<Copy2AddBr> = {
            def_via!(@fn copy2_add_br, via_copy2_add, $L, |$imm, $ip, $sp, $mem, $len, $ctx, $acc| $body);
            op!(copy2_add_br, concat!("copy2.i32.add.br>", $name), stringify!($HEADER_VIA))
        };
    };
}

/// A [`def_header_via!`] via: the dispatch instruction it runs, and the via.
pub(crate) struct HeaderVia {
    pub target: crate::ir::OpCode,
    pub via: Op<Copy2AddBr>,
    /// Where its handler is defined, for the audit (`module::owner::form`).
    pub module: &'static str,
    pub owner: &'static str,
    pub form: &'static str,
}

/// Hands over to the instruction after this one.
macro_rules! next {
    ($L:ty, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {
        jump!($ip.add(words::<$L>()), $sp, $mem, $len, $ctx, $acc)
    };
}

/// Lists instructions defined by [`def!`] for [`all`], from their family's module:
/// `info!(NAME: Layout, ...)`.
macro_rules! info {
    ($($NAME:ident : $L:ty),* $(,)?) => {
        vec![$(OpInfo {
            name: $NAME.name,
            code: $NAME.code,
            path: concat!(module_path!(), "::", stringify!($NAME), "::handler"),
            module: module_path!(),
            handler: $NAME.handler,
            words: words::<$L>(),
            describe: $crate::exec::ops::describe::<$L>,
        }),*]
    };
}

/// Lists one form `owner::form` of an instruction family for [`all`], from the family's
/// module (`form!(owner, form, op)`; `owner` is the constant holding the forms).
macro_rules! form {
    ($owner:expr, $form:expr, $op:expr) => {
        $crate::exec::ops::form(module_path!(), $owner, $form, $op)
    };
}

// The families. Declared after the macros above, which are in scope only in what follows
// them.
mod bulk;
mod calls;
mod control;
mod exceptions;
mod memory;
mod metering;
mod numeric;
mod pairs;
pub(crate) mod sem;
mod simd;
mod values;
mod wide;

pub(crate) use bulk::*;
pub(crate) use calls::*;
pub(crate) use control::*;
pub(crate) use exceptions::*;
pub(crate) use memory::*;
pub(crate) use metering::*;
pub(crate) use numeric::*;
pub(crate) use pairs::pairs;
pub(crate) use simd::*;
pub(crate) use values::*;
pub(crate) use wide::*;

/// This module's path, the start of every handler's path.
const OPS: &str = module_path!();

impl OpInfo {
    /// The handler's path below `exec::ops`, `<family>::<OWNER>::<form>` (`<form>` is
    /// `handler` for an instruction defined alone): what the dispatch audit looks for in
    /// the binary.
    pub fn symbol(&self) -> &'static str {
        &self.path[OPS.len() + 2..]
    }

    /// `<OWNER>::<form>`, or `<NAME>` for an instruction defined alone: the handler's path
    /// within its family, as the disassembler shows it.
    pub fn form(&self) -> &'static str {
        self.path[self.module.len() + 2..].trim_end_matches("::handler")
    }
}

/// What [`all`] lists of one form `owner::form` of an instruction family defined in
/// `module` (see `form!`).
fn form<L: crate::ir::Layout + core::fmt::Debug + 'static>(
    module: &'static str,
    owner: &'static str,
    form: &'static str,
    op: Op<L>,
) -> OpInfo {
    OpInfo {
        name: op.name,
        code: op.code,
        // Leaked once per form when the table is built: the audit wants the path.
        path: Box::leak(format!("{module}::{owner}::{form}").into_boxed_str()),
        module,
        handler: op.handler,
        words: words::<L>(),
        describe: describe::<L>,
    }
}

/// Formats the immediates of an instruction of layout `L` (see [`OpInfo::describe`]).
///
/// # Safety
/// `p` points to the first of `words::<L>()` readable words: an instruction's handler word,
/// then its immediates.
unsafe fn describe<L: crate::ir::Layout + core::fmt::Debug>(p: *const u64) -> String {
    // SAFETY: the `words::<L>() - 1` words after `p` are readable (the contract), aligned
    // for `L` (words of 8 bytes, and `L` holds integers of at most 8), and any bits are an
    // `L` (`Layout`).
    format!("{:?}", unsafe { *(p.add(1) as *const L) })
}

/// A via (see [`via_entry`]) and the instruction it runs.
pub(crate) struct Via {
    /// The instruction the via runs.
    pub target: crate::ir::OpCode,
    /// The vias themselves.
    pub vias: Vias,
    /// Where their handlers are defined, for the audit (`module::owner::form`).
    module: &'static str,
    owner: &'static str,
    forms: [&'static str; 2],
}

/// Every via.
pub(crate) fn vias() -> Vec<Via> {
    let mut v = control::vias();
    v.extend(memory::vias());
    v.extend(calls::vias());
    v.extend(metering::vias());
    v
}

/// Every [`HeaderVia`].
pub(crate) fn header_vias() -> Vec<HeaderVia> {
    memory::header_vias()
}

/// Every instruction, for the disassembler and the dispatch audit.
pub(crate) fn all() -> Vec<OpInfo> {
    let mut v: Vec<OpInfo> = vias()
        .into_iter()
        .flat_map(|via| {
            [
                form(via.module, via.owner, via.forms[0], via.vias.br),
                form(via.module, via.owner, via.forms[1], via.vias.copy_br),
            ]
        })
        .collect();
    v.extend(
        header_vias()
            .into_iter()
            .map(|h| form(h.module, h.owner, h.form, h.via)),
    );
    v.extend(numeric::infos());
    v.extend(values::infos());
    v.extend(memory::infos());
    v.extend(control::infos());
    v.extend(calls::infos());
    v.extend(exceptions::infos());
    v.extend(metering::infos());
    v.extend(bulk::infos());
    v.extend(wide::infos());
    v.extend(simd::infos());
    v.extend(pairs::infos());
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
        let mut symbols: Vec<&str> = all.iter().map(|i| i.symbol()).collect();
        symbols.sort_unstable();
        symbols.dedup();
        assert_eq!(symbols.len(), all.len(), "one table entry per instruction");
        let mut by_code: Vec<(crate::ir::OpCode, &str)> =
            all.iter().map(|i| (i.code, i.symbol())).collect();
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

    /// The dispatch audit finds each handler by its symbol, `<family>::<NAME>::<form>`
    /// below `exec::ops`, and tells a call to a handler from a call to a helper (`trap`,
    /// `calls::grow_frames`) by the capital after the family: every instruction must be
    /// defined in a family's module, inside its constant.
    #[test]
    fn symbols_name_family_constant_and_form() {
        for info in super::all() {
            let symbol = info.symbol();
            let parts: Vec<&str> = symbol.split("::").collect();
            assert_eq!(parts.len(), 3, "{symbol}");
            assert_eq!(
                format!("{}::{}", super::OPS, parts[0]),
                info.module,
                "{symbol}"
            );
            assert!(
                parts[1].starts_with(|c: char| c.is_ascii_uppercase()),
                "{symbol}"
            );
            assert_eq!(
                info.form(),
                symbol[parts[0].len() + 2..].trim_end_matches("::handler")
            );
        }
        let names = crate::instruction_names();
        assert!(names.contains(&("i32.add", "numeric::I32_ADD::rr")));
        assert!(names.contains(&("copy", "values::COPY::handler")));
        assert!(names.contains(&("br>br_if_nez", "control::VIA_BR_IF_NEZ::br")));
        assert!(names.contains(&("fuel", "metering::FUEL::handler")));
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

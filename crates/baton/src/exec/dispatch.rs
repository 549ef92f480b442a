//! The dispatch mechanism, and nothing else: how one handler hands control to the next.
//!
//! Three forms share every handler (chosen in `build.rs`):
//! - `tail` (nightly, feature `tail-call`): `become next(..)`, a tail call the language
//!   guarantees, at any optimisation level.
//! - `threaded` (stable, optimised builds): `return next(..)`; LLVM emits it as a sibling
//!   call, i.e. an indirect jump. The dispatch audit and the small-stack test check that it
//!   really does.
//! - `portable` (debug builds, opt-level 1, or forced): handlers call each other in chains
//!   of at most `CHAIN`, after which the registers go to the context and control returns
//!   to a trampoline loop, so the native stack never grows with the number of executed
//!   instructions.

/// Hands control to the handler of the instruction at `$ip`.
///
/// Every hand-over passes on a valid interpreter state, the contract of every handler (and
/// of [`run`]): `ip` at an instruction of translated code, `sp` at a frame of the value
/// stack large enough for that instruction's function, `mem`/`len` the running instance's
/// default memory, `ctx` the store's context.
macro_rules! jump {
    ($ip:expr, $sp:expr, $mem:expr, $len:expr, $ctx:expr, $acc:expr) => {{
        let ip: $crate::exec::Ip = $ip;
        // SAFETY: translation only produces branch targets and fall-through positions that
        // start an instruction, whose first word is a handler address.
        let handler = unsafe { $crate::exec::dispatch::handler_at(ip) };
        $crate::exec::dispatch::tail!(handler, ip, $sp, $mem, $len, $ctx, $acc)
    }};
}

/// Hands control to the target of entry `$entry` (the word itself) of a `br_table` at
/// `$ip`.
///
/// An entry holds the target's offset from the `br_table` in its low half and the
/// target's handler in its high half, as a distance from [`table_anchor`] (see
/// [`table_entry`]). The handler then comes from the entry itself instead of from a second
/// load at the target, which could only start once the entry was read: a `br_table` that
/// dispatches an interpreter's opcodes mispredicts often, and the processor recovers from
/// a misprediction only when the jump's address is known.
macro_rules! table_jump {
    ($ip:expr, $entry:expr, $sp:expr, $mem:expr, $len:expr, $ctx:expr, $acc:expr) => {{
        let entry: u64 = $entry;
        let ip: $crate::exec::Ip = $ip.offset(entry as i32 as isize);
        // SAFETY: `entry` is a sealed entry of the `br_table` at `$ip` (translation
        // invariant: `CodeBuf::seal_tables`), so its high half is the distance to the
        // handler of the instruction at its target, `ip`.
        let handler = unsafe { $crate::exec::dispatch::table_handler(entry) };
        #[cfg(debug_assertions)]
        {
            // SAFETY: `ip` starts an instruction (the entry's low half is a branch offset).
            let at_target = unsafe { $crate::exec::dispatch::handler_at(ip) };
            debug_assert_eq!(handler as usize, at_target as usize, "a sealed table entry");
        }
        $crate::exec::dispatch::tail!(handler, ip, $sp, $mem, $len, $ctx, $acc)
    }};
}

/// The address the handler halves of `br_table` entries are counted from (see
/// [`table_jump`]). A static, not a function: a static has one address in the whole
/// program, whereas a function may be given a copy in each codegen unit that uses it.
static TABLE_ANCHOR: u8 = 0;

/// The address of [`TABLE_ANCHOR`].
#[inline(always)]
pub(crate) fn table_anchor() -> usize {
    (&raw const TABLE_ANCHOR).addr()
}

/// A `br_table` entry (see [`table_jump`]) for a target `offset` words from the
/// `br_table`, whose instruction has the handler word `handler`; `None` if the handler
/// is not within 2 GiB of the anchor (never, in a program built with the small code
/// model that x86-64 and AArch64 use by default).
pub(crate) fn table_entry(offset: i32, handler: u64) -> Option<u64> {
    let distance = i32::try_from((handler as i64).wrapping_sub(table_anchor() as i64)).ok()?;
    Some((offset as u32 as u64) | ((distance as u32 as u64) << 32))
}

/// The handler of a `br_table` entry's target (see [`table_jump`]).
///
/// # Safety
/// `entry` must have been made by [`table_entry`] from a handler word written by
/// `CodeBuf` (an exposing cast of a `Handler`).
#[inline(always)]
pub(crate) unsafe fn table_handler(entry: u64) -> Handler {
    let address = table_anchor().wrapping_add((entry >> 32) as i32 as isize as usize);
    let ptr: *const () = core::ptr::with_exposed_provenance(address);
    // SAFETY: `address` is the address of a `Handler` whose provenance was exposed (the
    // contract); a function pointer and a data pointer have the same size and layout.
    unsafe { core::mem::transmute::<*const (), Handler>(ptr) }
}

/// Runs the handler `$h` on the state given, ending the current handler: `$h` is the
/// handler of the instruction at `$ip` (see `jump!`), or a slow path that a handler hands
/// its own instruction to (`grow_frames`), and the state is valid (see `jump!`).
#[cfg(baton_dispatch = "tail")]
macro_rules! tail {
    ($h:expr, $ip:expr, $sp:expr, $mem:expr, $len:expr, $ctx:expr, $acc:expr) => {{
        let acc: $crate::exec::Acc = $acc;
        // SAFETY: `$h` runs the instruction at `$ip` on a valid state (see `tail!`).
        unsafe { become $h($ip, $sp, $mem, acc.i, $ctx, $len, acc.f, acc.s) }
    }};
}

/// See the `tail` form.
#[cfg(baton_dispatch = "threaded")]
macro_rules! tail {
    ($h:expr, $ip:expr, $sp:expr, $mem:expr, $len:expr, $ctx:expr, $acc:expr) => {{
        let acc: $crate::exec::Acc = $acc;
        // SAFETY: `$h` runs the instruction at `$ip` on a valid state (see `tail!`).
        return unsafe { $h($ip, $sp, $mem, acc.i, $ctx, $len, acc.f, acc.s) };
    }};
}

/// See the `tail` form.
#[cfg(baton_dispatch = "portable")]
macro_rules! tail {
    ($h:expr, $ip:expr, $sp:expr, $mem:expr, $len:expr, $ctx:expr, $acc:expr) => {{
        let ctx: &mut $crate::exec::Ctx = $ctx;
        let acc: $crate::exec::Acc = $acc;
        // Chain handlers by plain calls while the native stack has room (each returns
        // only when the chain ends), then unwind to the trampoline. Calls and returns are
        // cheaper than saving and reloading the registers on every instruction, and where
        // the compiler does make sibling calls the stack does not grow and the chain never
        // ends: the check is one compare with no dependency between instructions.
        if $crate::exec::dispatch::chain_has_room(ctx) {
            // SAFETY: `$h` runs the instruction at `$ip` on a valid state (see `tail!`).
            return unsafe { $h($ip, $sp, $mem, acc.i, ctx, $len, acc.f, acc.s) };
        }
        ctx.regs = $crate::exec::Regs {
            ip: $ip,
            sp: $sp,
            mem: $mem,
            len: $len,
            acc,
        };
        return $crate::exec::Control::Continue;
    }};
}

/// The native stack pointer, where it can be read in one instruction.
#[cfg(all(
    baton_dispatch = "portable",
    not(miri),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
#[inline(always)]
fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: reads a register; no memory access, no effect on the stack or flags.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        core::arch::asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack, preserves_flags));
        #[cfg(target_arch = "aarch64")]
        core::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags));
    }
    sp
}

/// Whether the portable dispatch may call one more handler before unwinding to its
/// trampoline: the native stack is above the floor `run` set (the stack grows down).
#[cfg(all(
    baton_dispatch = "portable",
    not(miri),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
#[inline(always)]
pub(crate) fn chain_has_room(ctx: &mut Ctx) -> bool {
    stack_pointer() > ctx.chain
}

/// Elsewhere (and under Miri): a count of the handlers left in the chain. The count is a
/// memory read-modify-write per instruction, a dependency the stack check avoids.
#[cfg(all(
    baton_dispatch = "portable",
    any(miri, not(any(target_arch = "x86_64", target_arch = "aarch64")))
))]
#[inline(always)]
pub(crate) fn chain_has_room(ctx: &mut Ctx) -> bool {
    if ctx.chain == 0 {
        return false;
    }
    ctx.chain -= 1;
    true
}

/// The value of `Ctx::chain` that starts a chain: the lowest stack address it may reach,
/// or the number of handlers it may call.
#[cfg(baton_dispatch = "portable")]
#[inline(always)]
fn chain_start() -> usize {
    #[cfg(all(not(miri), any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        stack_pointer().saturating_sub(CHAIN_BYTES)
    }
    #[cfg(any(miri, not(any(target_arch = "x86_64", target_arch = "aarch64"))))]
    {
        CHAIN
    }
}

pub(crate) use jump;
pub(crate) use table_jump;
pub(crate) use tail;

/// The handler whose address is the word at `ip`.
///
/// Translated code is a vector of integers: `CodeBuf` writes each handler word as
/// `handler as usize`, a cast that exposes the function's provenance, and the word is
/// read back here as an integer and given that exposed provenance again. The machine
/// code is one load, as a plain read of a `Handler` would be; the difference is for the
/// abstract machine (and Miri, which checks it): a function pointer read out of integer
/// memory would carry no provenance, and calling it would be undefined.
///
/// # Safety
/// `ip` must point at a word holding the address of a `Handler`, written by an exposing
/// cast of that handler (`CodeBuf`), or at a static of type `Handler` (the stubs: see
/// [`expose_stubs`](super::expose_stubs), which [`run`] calls).
#[inline(always)]
pub(crate) unsafe fn handler_at(ip: super::Ip) -> Handler {
    // SAFETY: `ip` points at a handler word (the contract).
    let word = unsafe { *(ip as *const usize) };
    let ptr: *const () = core::ptr::with_exposed_provenance(word);
    // SAFETY: `word` is the address of a `Handler` whose provenance was exposed (the
    // contract); a function pointer and a data pointer have the same size and layout.
    unsafe { core::mem::transmute::<*const (), Handler>(ptr) }
}

use super::{Control, Ctx, Handler, Regs};

/// Runs from `regs` until a handler returns something other than `Continue`.
///
/// # Safety
/// `regs` must describe a valid execution state: `ip` at an instruction of translated
/// code, `sp` at a frame of the value stack large enough for that function, and
/// `mem`/`len` the current instance's default memory.
pub(crate) unsafe fn run(regs: Regs, ctx: &mut Ctx) -> Control {
    super::expose_stubs();
    #[cfg(not(baton_dispatch = "portable"))]
    {
        // SAFETY: `regs` is a valid state (the contract): `regs.ip` starts an instruction
        // whose first word is its handler, which may run on that state.
        unsafe {
            let handler = handler_at(regs.ip);
            let acc = regs.acc;
            handler(
                regs.ip, regs.sp, regs.mem, acc.i, ctx, regs.len, acc.f, acc.s,
            )
        }
    }
    #[cfg(baton_dispatch = "portable")]
    {
        ctx.regs = regs;
        loop {
            let Regs {
                ip,
                sp,
                mem,
                len,
                acc,
            } = ctx.regs;
            ctx.chain = chain_start();
            // SAFETY: `ctx.regs` is `regs` on the first turn (valid by the contract), and
            // afterwards the state a handler saved on returning `Continue`: `tail!` saves
            // only the valid state it would have handed on.
            let control = unsafe {
                let handler = handler_at(ip);
                handler(ip, sp, mem, acc.i, ctx, len, acc.f, acc.s)
            };
            if !matches!(control, Control::Continue) {
                return control;
            }
        }
    }
}

/// How much native stack one chain of handler calls may use before the portable dispatch
/// returns to its trampoline.
#[cfg(all(
    baton_dispatch = "portable",
    not(miri),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
const CHAIN_BYTES: usize = if cfg!(debug_assertions) {
    8 << 10
} else {
    16 << 10
};

/// Where the stack cannot be checked: how many handlers one chain may call (a few KiB of
/// stack even in debug builds).
#[cfg(all(
    baton_dispatch = "portable",
    any(miri, not(any(target_arch = "x86_64", target_arch = "aarch64")))
))]
const CHAIN: usize = if cfg!(debug_assertions) { 32 } else { 256 };

/// The dispatch form this build uses: `"tail"`, `"threaded"` or `"portable"`.
pub const MODE: &str = env!("BATON_DISPATCH_MODE");

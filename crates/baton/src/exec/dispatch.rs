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
macro_rules! jump {
    ($ip:expr, $sp:expr, $mem:expr, $len:expr, $ctx:expr, $acc:expr) => {{
        let ip: $crate::exec::Ip = $ip;
        // SAFETY: translation only produces branch targets and fall-through positions that
        // start an instruction, whose first word is a handler address.
        let handler: $crate::exec::Handler = unsafe { *(ip as *const $crate::exec::Handler) };
        $crate::exec::dispatch::tail!(handler, ip, $sp, $mem, $len, $ctx, $acc)
    }};
}

#[cfg(baton_dispatch = "tail")]
macro_rules! tail {
    ($h:expr, $ip:expr, $sp:expr, $mem:expr, $len:expr, $ctx:expr, $acc:expr) => {
        become $h($ip, $sp, $mem, $len, $ctx, $acc)
    };
}

#[cfg(baton_dispatch = "threaded")]
macro_rules! tail {
    ($h:expr, $ip:expr, $sp:expr, $mem:expr, $len:expr, $ctx:expr, $acc:expr) => {
        return unsafe { $h($ip, $sp, $mem, $len, $ctx, $acc) }
    };
}

#[cfg(baton_dispatch = "portable")]
macro_rules! tail {
    ($h:expr, $ip:expr, $sp:expr, $mem:expr, $len:expr, $ctx:expr, $acc:expr) => {{
        let ctx: &mut $crate::exec::Ctx = $ctx;
        // Chain up to `CHAIN` handlers by plain calls (each returns only when the chain
        // ends, so the native stack holds at most `CHAIN` handler frames), then unwind to
        // the trampoline. Calls and returns are cheaper than saving and reloading the
        // registers on every instruction, and where the compiler does make sibling calls
        // the chain costs nothing at all.
        if ctx.chain != 0 {
            ctx.chain -= 1;
            return unsafe { $h($ip, $sp, $mem, $len, ctx, $acc) };
        }
        ctx.regs = $crate::exec::Regs {
            ip: $ip,
            sp: $sp,
            mem: $mem,
            len: $len,
            acc: $acc,
        };
        return $crate::exec::Control::Continue;
    }};
}

pub(crate) use jump;
pub(crate) use tail;

use super::{Control, Ctx, Handler, Regs};

/// Runs from `regs` until a handler returns something other than `Continue`.
///
/// # Safety
/// `regs` must describe a valid execution state: `ip` at an instruction of translated
/// code, `sp` at a frame of the value stack large enough for that function, and
/// `mem`/`len` the current instance's default memory.
pub(crate) unsafe fn run(regs: Regs, ctx: &mut Ctx) -> Control {
    #[cfg(not(baton_dispatch = "portable"))]
    {
        // SAFETY: see the function's contract.
        unsafe {
            let handler = *(regs.ip as *const Handler);
            handler(regs.ip, regs.sp, regs.mem, regs.len, ctx, regs.acc)
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
            ctx.chain = CHAIN;
            // SAFETY: every handler leaves a valid state in `ctx.regs` when it returns
            // `Continue`, as `tail!` does.
            let control = unsafe {
                let handler = *(ip as *const Handler);
                handler(ip, sp, mem, len, ctx, acc)
            };
            if !matches!(control, Control::Continue) {
                return control;
            }
        }
    }
}

/// How many handlers the portable dispatch chains by calls before returning to its
/// trampoline: bounds the native stack it uses (a few KiB even in debug builds).
#[cfg(baton_dispatch = "portable")]
const CHAIN: u32 = if cfg!(debug_assertions) { 32 } else { 256 };

/// The dispatch form this build uses: `"tail"`, `"threaded"` or `"portable"`.
pub const MODE: &str = env!("BATON_DISPATCH_MODE");

//! Unwinding: how a thrown exception finds its handler.
//!
//! Nothing is done for exception handling while no exception is thrown: no instruction
//! marks entering or leaving a `try_table`, and calls push the same frames as ever. The
//! translator records instead, per module, a side table ([`HandlerTable`]): for each
//! `try_table`, the range of code words its body was translated to, its catch clauses,
//! and the `try_table` around it in the same function. A catch clause says where the
//! payload goes (the slots of its label's values, as a branch to that label would leave
//! them) and where execution continues (the label's target).
//!
//! [`unwind`] starts at the instruction that threw (`throw`, `throw_ref`, or a call whose
//! callee threw) and looks its code position up in the running instance's table: the
//! innermost region holding it, then the regions around that one, each clause in order.
//! If none catches the exception, the function is left as a `return` would leave it: the
//! frame popped gives the caller's frame and return address, and the call instruction
//! just before that address is where the search goes on (after a call into another
//! instance, the pair of frames gives the caller's instance too). Reaching the frame that
//! started the activation ends it with [`Control::Exception`]; the host sees the exception
//! as an error, and if that host was called from Wasm, returning the error throws the
//! exception on in the calling activation.

use super::dispatch::jump;
use super::{exit_ip, Control, Ctx, Ip, Sp};
use crate::code::FuncCode;
use crate::module::ModuleInner;
use crate::runtime::InstanceEntity;
use core::ptr::NonNull;

/// [`TryRegion::parent`] of a region with no `try_table` around it.
pub(crate) const NO_PARENT: u32 = u32::MAX;
/// [`CatchClause::tag`] of `catch_all` and `catch_all_ref`.
pub(crate) const CATCH_ALL: u32 = u32::MAX;

/// The translated body of one `try_table`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TryRegion {
    /// First code word of the body.
    pub start: usize,
    /// One past its last code word.
    pub end: usize,
    /// The region of the `try_table` around this one in the same function, or
    /// [`NO_PARENT`].
    pub parent: u32,
    /// The region's clauses: `catches[first..first + count]`, in order.
    pub first: u32,
    pub count: u32,
}

/// One catch clause of a `try_table`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CatchClause {
    /// The module's tag index it catches, or [`CATCH_ALL`].
    pub tag: u32,
    /// Whether the label also receives the exception's reference (`catch_ref`,
    /// `catch_all_ref`).
    pub with_ref: bool,
    /// First slot of the label's values: the payload's cells (unless a catch-all), then the
    /// reference.
    pub dst: u32,
    /// Code word where execution continues: the label's target.
    pub target: usize,
}

/// A module's `try_table`s, in the order of their starts (so a region comes before the
/// regions inside it).
#[derive(Clone, Debug, Default)]
pub(crate) struct HandlerTable {
    pub regions: Vec<TryRegion>,
    pub catches: Vec<CatchClause>,
}

impl HandlerTable {
    /// The first clause, innermost region first, that catches an exception thrown by the
    /// instruction holding code word `pos`; `catches(tag)` says whether the exception's tag
    /// is the module's tag `tag`.
    ///
    /// Regions nest or are disjoint, and they are sorted by start: the regions holding
    /// `pos` are therefore the last region starting at or before `pos` and the regions
    /// around it (any other region holding `pos` would start between them and contain
    /// that last one), which the parent links give innermost first.
    pub(crate) fn find(
        &self,
        pos: usize,
        mut catches: impl FnMut(u32) -> bool,
    ) -> Option<CatchClause> {
        let last = self
            .regions
            .partition_point(|r| r.start <= pos)
            .checked_sub(1)?;
        let mut at = last as u32;
        while at != NO_PARENT {
            let r = &self.regions[at as usize];
            if pos < r.end {
                let clauses = &self.catches[r.first as usize..(r.first + r.count) as usize];
                if let Some(c) = clauses
                    .iter()
                    .find(|c| c.tag == CATCH_ALL || catches(c.tag))
                {
                    return Some(*c);
                }
            }
            at = r.parent;
        }
        None
    }
}

handler_fn! {
    /// Unwinds the exception `ctx.exception`, thrown by the instruction holding the word at
    /// `ctx.throw_site` (a call's last word, for a callee's exception), in the frame `sp` of
    /// the running instance, to the first handler that catches it (see the module's
    /// documentation). A handler's signature, so that `throw` hands over to it by a tail call
    /// and the handler it finds runs as the next instruction.
    ///
    /// # Safety
    /// `ctx.exception` is a live exception of the store; `mem`/`len` are the running
    /// instance's memory registers; `sp` is the frame of the function
    /// whose code holds `ctx.throw_site` (or, when the site is outside every module's code,
    /// e.g. a host function called in tail position, a frame that is left at once); the
    /// activation's frames lie between the sentinel frame and `ctx.frames.top`.
    pub(crate) unsafe fn unwind(_ip, mut sp, mem, ctx, len, _) {
        let exn = ctx.exception;
        let mut site = ctx.throw_site;
        // Whether a frame pair switched instances: only then must the memory registers be
        // reloaded (the thrower's are the running instance's, kept current like a return's).
        let mut switched = false;
        let exit = exit_ip();
        loop {
            // SAFETY: `ctx.inst` is the running instance (contract, and kept so below when a
            // frame pair switches instances), alive as long as the store.
            let inst: &InstanceEntity = unsafe { &*ctx.inst };
            let module = &inst.module.inner;
            // SAFETY: the running instance's module is live, instantiated in this store.
            if let Some(code) = unsafe { code_at(ctx, module, site) } {
                let base = code.words.as_ptr();
                let pos = (site as usize - base as usize) / 8;
                // SAFETY: a live exception of the store (contract).
                let tag = unsafe { (*exn).tag };
                // (Validation proved the clauses' tag indices against the module.)
                if let Some(c) = code.handlers.find(pos, |t| inst.tags[t as usize] == tag) {
                    // SAFETY: as above.
                    let payload = unsafe { &(*exn).payload };
                    let mut dst = c.dst as usize;
                    // SAFETY: the label's values lie inside the catching function's frame, `sp`
                    // (the translator sized the frame for them), and the payload has as many
                    // cells as the tag's type, which validation matched with the label's.
                    unsafe {
                        if c.tag != CATCH_ALL {
                            core::ptr::copy_nonoverlapping(
                                payload.as_ptr(),
                                sp.add(dst),
                                payload.len(),
                            );
                            dst += payload.len();
                        }
                        if c.with_ref {
                            ctx.exns.mark_referenced(exn);
                            *sp.add(dst) = exn as u64;
                        } else {
                            ctx.exns.free_unreferenced(exn);
                        }
                    }
                    ctx.exception = core::ptr::null_mut();
                    let (mem, len) = if switched { ctx.mem_regs() } else { (mem, len) };
                    // SAFETY: the target is a label of the catching function's code (the
                    // translator recorded it), an instruction start.
                    let target = unsafe { base.add(c.target) };
                    // A catch starts a block: nothing reads an accumulator there.
                    jump!(target, sp, mem, len, ctx, super::Acc::NONE)
                }
            }
            // Leave the function as `return` would. SAFETY: every activation's frames start
            // with its sentinel frame, at which the loop stops: a frame is live.
            let frame = unsafe { ctx.frames.pop_unchecked() };
            if frame.ret_ip == exit {
                return Control::Exception;
            }
            if frame.restores() {
                // SAFETY: a restoring frame is the upper one of a pair whose lower frame holds
                // the caller's return address and instance (`Frame::restoring`).
                unsafe {
                    let lower = ctx.frames.pop_unchecked();
                    ctx.enter_instance(lower.sp as *const InstanceEntity);
                    site = lower.ret_ip.wrapping_sub(1);
                }
                switched = true;
            } else {
                site = frame.ret_ip.wrapping_sub(1);
            }
            sp = frame.sp;
        }
    }
}

/// The code of the functions [`code_at`] found last: a program that throws again and again
/// unwinds through the same few functions, and the module's map (under a lock, see
/// `ModuleCode::find`) costs several times a look here.
#[derive(Default)]
pub(crate) struct CodeCache {
    /// Each entry: the code's first byte, its length in bytes, the code.
    entries: [(usize, usize, Option<NonNull<FuncCode>>); 8],
    /// The entry the next miss replaces.
    next: usize,
}

/// The translated function of `module` whose code holds `ip`. Inlined: `unwind` looks code
/// up at every frame it leaves, and a call here costs it several percent (seen when the
/// collector's walk became a second caller and LLVM stopped inlining it).
///
/// # Safety
/// `module` is the module of an instance of the store `ctx` belongs to (so it lives as
/// long as the store, and so does every code the cache remembers: only such modules'
/// code is ever looked up).
#[inline(always)]
pub(crate) unsafe fn code_at<'m>(
    ctx: &mut Ctx,
    module: &'m ModuleInner,
    ip: Ip,
) -> Option<&'m FuncCode> {
    let cache = &mut ctx.code_cache;
    for &(start, len, code) in &cache.entries {
        if let Some(code) = code {
            if (ip as usize).wrapping_sub(start) < len {
                // SAFETY: the code of a module of this store (contract), alive; code
                // allocations never overlap, so the address names this code.
                return Some(unsafe { code.as_ref() });
            }
        }
    }
    let (_, code) = module.code.find(ip)?;
    cache.entries[cache.next] = (
        code.words.as_ptr() as usize,
        code.words.len() * 8,
        Some(NonNull::from(code)),
    );
    cache.next = (cache.next + 1) % cache.entries.len();
    Some(code)
}

/// Collects the exceptions no Wasm value refers to any more (see `runtime::exn`), before
/// the `throw` at `ip`, in the frame `sp`, makes another. The live part of the value stack
/// ends with that frame.
///
/// # Safety
/// `ip` is an instruction of the running instance's code and `sp` its function's frame.
#[cold]
#[inline(never)]
pub(crate) unsafe fn collect_exceptions(ctx: &mut Ctx, ip: Ip, sp: Sp) {
    // SAFETY: the running instance is live (contract).
    let module = unsafe { &(*ctx.inst).module.inner };
    let frame = module.frame_size_at(ip).unwrap_or(0);
    // SAFETY: the frame lies in the value stack, which starts at `stack_base` (set when the
    // activation began), and every cell below its end belongs to a live frame or to
    // suspended calls, all initialised; nothing writes the stack during the collection.
    let stack = unsafe {
        let end = sp.add(frame);
        core::slice::from_raw_parts(ctx.stack_base, end.offset_from(ctx.stack_base) as usize)
    };
    let object_fields = ctx.gc.exn_cells();
    ctx.exns.collect(stack, &object_fields);
}

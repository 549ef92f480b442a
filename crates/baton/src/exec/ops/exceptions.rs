//! Exception handling's instructions: `throw` and `throw_ref`. Both hand the exception to
//! the unwinder (`exec/unwind.rs`), which finds the handler from side tables: nothing here
//! or anywhere else runs when no exception is thrown.

use super::*;
use crate::exec::unwind::unwind;
use crate::runtime::ExnEntity;

def!(THROW: Throw, "throw", |imm, ip, sp, mem, len, ctx, acc| {
    // (Validation proved the tag index; the instance lists an entity for each of its
    // module's tags, alive as long as the store. The payload's cells, as many as the tag's
    // type has, are the frame's from `base` on: the translator put them there.)
    let tag = *(&*ctx.inst).tags.get_unchecked(imm.tag as usize);
    let cells = (*tag).ty.func_type().param_cells();
    if ctx.exns.collection_due() {
        crate::exec::unwind::collect_exceptions(ctx, ip, sp);
    }
    let payload = core::slice::from_raw_parts(sp.add(imm.base as usize), cells);
    ctx.exception = ctx.exns.alloc(tag, payload);
    ctx.throw_site = ip;
    // Handed over as the instruction at `UNWIND_CODE`, not at `ip`: where the portable
    // dispatch bounces to its trampoline, it resumes at the instruction handed over, and
    // resuming at this `throw` would run it again (a second exception made, the first
    // leaked). `unwind` reads the site from `throw_site`. No accumulator is live across
    // a throw (see `Acc::NONE`).
    crate::exec::dispatch::tail!(unwind, unwind_ip(), sp, mem, len, ctx, Acc::NONE)
});

def!(THROW_REF: ThrowRef, "throw_ref", |imm, ip, sp, mem, len, ctx, acc| {
    // An exnref cell is an exception's address, or 0 for null (see `ExnHeap`).
    let exn = rd::<u64>(sp, imm.exn) as *mut ExnEntity;
    if exn.is_null() {
        return trap(ctx, ip, TrapCode::NullReference);
    }
    ctx.exception = exn;
    ctx.throw_site = ip;
    crate::exec::dispatch::tail!(unwind, unwind_ip(), sp, mem, len, ctx, acc)
});

/// The word whose handler is `unwind` (see `THROW`).
#[inline(always)]
fn unwind_ip() -> Ip {
    &crate::exec::UNWIND_CODE as *const crate::exec::Handler as Ip
}

/// This family's instructions, for [`all`](super::all).
pub(super) fn infos() -> Vec<OpInfo> {
    info!(THROW: Throw, THROW_REF: ThrowRef)
}

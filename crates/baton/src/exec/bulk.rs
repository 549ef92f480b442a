//! Out-of-line semantics of the bulk memory, table and segment instructions. They touch
//! whole ranges, so a function call per instruction costs nothing that matters, and the
//! handlers that call them stay small enough to keep their tail calls.
//!
//! # Safety
//! Every `unsafe fn` here is called by the handler of its instruction (`ops/bulk.rs`), with
//! `ctx` the running context, `sp` the running function's frame and `imm` that
//! instruction's immediates. Then:
//! - the slots `imm` names are inside the frame (translation invariant);
//! - the segment and table indices in `imm` exist in the running instance, `ctx.inst`
//!   (validation proved them against its module, and an instance has every segment and
//!   table its module declares), and its tables are boxed in the store, which outlives
//!   the execution;
//! - `ctx.mem` is the running instance's default memory (or its empty stand-in), alive
//!   while its code runs, and nothing else borrows it while Wasm code runs.

use super::{Ctx, Sp};
use crate::error::TrapCode;
use crate::ir::layout::*;
use crate::runtime::MemoryEntity;

type R = Result<(), TrapCode>;

#[inline(always)]
unsafe fn slot32(sp: Sp, s: u32) -> u32 {
    // SAFETY: the slots an instruction names are inside the frame (translation invariant,
    // see the module's documentation).
    unsafe { *sp.add(s as usize) as u32 }
}

/// Checks that `[start, start + len)` lies within `size`, and returns the range.
fn range(
    start: u32,
    len: u32,
    size: usize,
    code: TrapCode,
) -> Result<core::ops::Range<usize>, TrapCode> {
    let end = start as u64 + len as u64;
    if end > size as u64 {
        return Err(code);
    }
    Ok(start as usize..end as usize)
}

/// Memory `index` of the running instance.
///
/// # Safety
/// `index` is a memory of the running instance (validation).
unsafe fn memory<'a>(ctx: &Ctx, index: u32) -> &'a mut MemoryEntity {
    // SAFETY: the instance's memory pointers are live entities of its store, not borrowed
    // elsewhere while a handler runs; the index is valid (the contract).
    unsafe { &mut **(&*ctx.inst).memories.get_unchecked(index as usize) }
}

/// An address or length operand of a memory of the given address type: an `i64`, or an
/// `i32` (the cell's upper half is not looked at).
#[inline(always)]
unsafe fn slot_addr(sp: Sp, s: u32, is64: bool) -> u64 {
    // SAFETY: the slot is inside the frame (translation invariant).
    unsafe {
        if is64 {
            *sp.add(s as usize)
        } else {
            slot32(sp, s) as u64
        }
    }
}

/// A table index operand as a `usize` (an index beyond the address space is beyond
/// every table: `usize::MAX`).
#[inline(always)]
unsafe fn slot_index(sp: Sp, s: u32, is64: bool) -> usize {
    // SAFETY: the slot is inside the frame (the caller's contract).
    usize::try_from(unsafe { slot_addr(sp, s, is64) }).unwrap_or(usize::MAX)
}

/// Checks that `[start, start + len)` lies within `size` bytes (64-bit operands).
fn range64(start: u64, len: u64, size: usize) -> Result<core::ops::Range<usize>, TrapCode> {
    match start.checked_add(len) {
        Some(end) if end <= size as u64 => Ok(start as usize..end as usize),
        _ => Err(TrapCode::MemoryOutOfBounds),
    }
}

pub(super) unsafe fn memory_copy(ctx: &mut Ctx, sp: Sp, imm: &MemCopy) -> R {
    // SAFETY: the memories exist and the slots are in the frame (see the module's
    // documentation). The entities are reached by raw pointer: source and destination may
    // be one memory, which must not be borrowed mutably twice.
    unsafe {
        let memories = &(&*ctx.inst).memories;
        let dst_mem = *memories.get_unchecked(imm.dst_mem as usize);
        let src_mem = *memories.get_unchecked(imm.src_mem as usize);
        let (d64, s64, dst_len, src_len) = {
            let (d, s): (&MemoryEntity, &MemoryEntity) = (&*dst_mem, &*src_mem);
            (d.ty.is_64(), s.ty.is_64(), d.data.len(), s.data.len())
        };
        let d = slot_addr(sp, imm.dst, d64);
        let s = slot_addr(sp, imm.src, s64);
        // The length has the narrower of the two address types.
        let n = slot_addr(sp, imm.len, d64 && s64);
        let src = range64(s, n, src_len)?;
        let dst = range64(d, n, dst_len)?;
        if dst_mem == src_mem {
            let m: &mut MemoryEntity = &mut *dst_mem;
            m.data.copy_within(src, dst.start);
        } else {
            let (to, from): (&mut MemoryEntity, &MemoryEntity) = (&mut *dst_mem, &*src_mem);
            to.data[dst].copy_from_slice(&from.data[src]);
        }
        Ok(())
    }
}

pub(super) unsafe fn memory_fill(ctx: &mut Ctx, sp: Sp, imm: &MemFill) -> R {
    // SAFETY: the memory exists and the slots are in the frame (see the module's
    // documentation).
    unsafe {
        let mem = memory(ctx, imm.memory);
        let is64 = mem.ty.is_64();
        let (d, v, n) = (
            slot_addr(sp, imm.dst, is64),
            slot32(sp, imm.val),
            slot_addr(sp, imm.len, is64),
        );
        let dst = range64(d, n, mem.data.len())?;
        mem.data[dst].fill(v as u8);
        Ok(())
    }
}

pub(super) unsafe fn memory_init(ctx: &mut Ctx, sp: Sp, imm: &MemInit) -> R {
    // SAFETY: the segment and memory exist and the slots are in the frame (see the
    // module's documentation); a passive segment's bytes live in the module, which the
    // instance keeps alive.
    unsafe {
        let seg = (&*ctx.inst).data[imm.seg as usize];
        let bytes = core::slice::from_raw_parts(seg.ptr, seg.len);
        let mem = memory(ctx, imm.memory);
        let (d, s, n) = (
            slot_addr(sp, imm.dst, mem.ty.is_64()),
            slot32(sp, imm.src),
            slot32(sp, imm.len),
        );
        let src = range(s, n, bytes.len(), TrapCode::MemoryOutOfBounds)?;
        let dst = range64(d, n as u64, mem.data.len())?;
        mem.data[dst].copy_from_slice(&bytes[src]);
        Ok(())
    }
}

pub(super) unsafe fn data_drop(ctx: &mut Ctx, _sp: Sp, imm: &Seg) -> R {
    // SAFETY: `ctx.inst` is the running instance and has the segment (see the module's
    // documentation); no reference into its segment list is held across a handler.
    unsafe {
        let inst = ctx.inst as *mut crate::runtime::InstanceEntity;
        (&mut *inst).data[imm.seg as usize].len = 0;
        Ok(())
    }
}

pub(super) unsafe fn elem_drop(ctx: &mut Ctx, _sp: Sp, imm: &Seg) -> R {
    // SAFETY: as for `data_drop`.
    unsafe {
        let inst = ctx.inst as *mut crate::runtime::InstanceEntity;
        (&mut *inst).elems[imm.seg as usize] = Vec::new();
        Ok(())
    }
}

///
/// # Safety
/// As for the module's functions; the caller holds no other reference to the table.
unsafe fn table<'a>(ctx: &Ctx, t: u32) -> &'a mut crate::runtime::TableEntity {
    // SAFETY: validation proved the table index against the running instance's module, and
    // tables are boxed in the store (see the module's documentation).
    unsafe { &mut **(&*ctx.inst).tables.get_unchecked(t as usize) }
}

pub(super) unsafe fn table_get(ctx: &mut Ctx, sp: Sp, imm: &TableGet) -> R {
    // SAFETY: the table exists and the slots are in the frame (see the module's
    // documentation); the element is read through a checked `get`.
    unsafe {
        let t = table(ctx, imm.table);
        let v = *t
            .elems
            .get(slot_index(sp, imm.idx, t.ty.is_64()))
            .ok_or(TrapCode::TableOutOfBounds)?;
        *sp.add(imm.dst as usize) = v;
        Ok(())
    }
}

pub(super) unsafe fn table_set(ctx: &mut Ctx, sp: Sp, imm: &TableSet) -> R {
    // SAFETY: the table exists and the slots are in the frame (see the module's
    // documentation); the element is written through a checked `get_mut`.
    unsafe {
        let t = table(ctx, imm.table);
        let v = *sp.add(imm.val as usize);
        *t.elems
            .get_mut(slot_index(sp, imm.idx, t.ty.is_64()))
            .ok_or(TrapCode::TableOutOfBounds)? = v;
        Ok(())
    }
}

pub(super) unsafe fn table_size(ctx: &mut Ctx, sp: Sp, imm: &TableSize) -> R {
    // SAFETY: the table exists and `dst` is in the frame (see the module's documentation).
    unsafe {
        *sp.add(imm.dst as usize) = table(ctx, imm.table).elems.len() as u64;
        Ok(())
    }
}

/// `memory.grow` of the running instance's default memory, asking the store's limiter.
/// Never inlined: the limiter is called through a vtable, and an indirect call inside a
/// handler would blur the dispatch audit (seen with `lto = "fat"`).
#[inline(never)]
pub(super) unsafe fn grow_memory(ctx: &mut Ctx, delta: u64) -> Option<u64> {
    // SAFETY: `ctx.mem` is the running instance's memory (see the module's documentation).
    unsafe { grow_memory_at(ctx, ctx.mem, delta) }
}

/// `memory.grow` of `mem`, a memory of the running instance, asking the store's limiter.
/// Never inlined, for the same reason as [`grow_memory`].
///
/// # Safety
/// `mem` is a live memory entity of the running instance's store.
#[inline(never)]
pub(super) unsafe fn grow_memory_at(
    ctx: &mut Ctx,
    mem: *mut MemoryEntity,
    delta: u64,
) -> Option<u64> {
    // SAFETY: `mem` is live (the contract); the limiter pointer is the store's
    // (`Store::limiter`), alive for the whole execution, and nothing else borrows the
    // memory or the limiter while Wasm code runs.
    unsafe {
        let mem = &mut *mem;
        let limiter = ctx.limiter.map(|l| &mut *l);
        mem.grow_limited(delta, limiter)
    }
}

/// Never inlined, for the same reason as [`grow_memory`].
#[inline(never)]
pub(super) unsafe fn table_grow(ctx: &mut Ctx, sp: Sp, imm: &TableGrow) -> R {
    // SAFETY: the table exists and the slots are in the frame (see the module's
    // documentation); the limiter is the store's, as for `grow_memory`.
    unsafe {
        let limiter = ctx.limiter.map(|l| &mut *l);
        let t = table(ctx, imm.table);
        let init = *sp.add(imm.init as usize);
        let is64 = t.ty.is_64();
        let delta = slot_addr(sp, imm.delta, is64);
        // -1 of the table's index type on failure.
        let failed = if is64 { u64::MAX } else { u32::MAX as u64 };
        let old = t.grow_limited(delta, init, limiter).unwrap_or(failed);
        *sp.add(imm.dst as usize) = old;
        Ok(())
    }
}

pub(super) unsafe fn table_fill(ctx: &mut Ctx, sp: Sp, imm: &TableFill) -> R {
    // SAFETY: the table exists and the slots are in the frame (see the module's
    // documentation); the range is checked before the fill.
    unsafe {
        let t = table(ctx, imm.table);
        let v = *sp.add(imm.val as usize);
        let is64 = t.ty.is_64();
        let (i, n) = (slot_addr(sp, imm.idx, is64), slot_addr(sp, imm.len, is64));
        let r = range64(i, n, t.elems.len()).map_err(|_| TrapCode::TableOutOfBounds)?;
        t.elems[r].fill(v);
        Ok(())
    }
}

pub(super) unsafe fn table_copy(ctx: &mut Ctx, sp: Sp, imm: &TableCopy) -> R {
    // SAFETY: both tables exist and the slots are in the frame (see the module's
    // documentation); the ranges are checked before the copy. The `&mut`s that `table`
    // hands out are never in use together over one table: the first `src_t` is last used
    // before `dst_t` is made (the same table or not), and the second is made only when the
    // tables differ.
    unsafe {
        let src_t = table(ctx, imm.src_table);
        let (s64, src_len) = (src_t.ty.is_64(), src_t.elems.len());
        let dst_t = table(ctx, imm.dst_table);
        let d64 = dst_t.ty.is_64();
        // The length has the narrower of the two index types.
        let (d, s, n) = (
            slot_addr(sp, imm.dst, d64),
            slot_addr(sp, imm.src, s64),
            slot_addr(sp, imm.len, d64 && s64),
        );
        let oob = |_| TrapCode::TableOutOfBounds;
        let src = range64(s, n, src_len).map_err(oob)?;
        let dst = range64(d, n, dst_t.elems.len()).map_err(oob)?;
        if imm.src_table == imm.dst_table {
            dst_t.elems.copy_within(src, dst.start);
        } else {
            let src_t = table(ctx, imm.src_table);
            dst_t.elems[dst].copy_from_slice(&src_t.elems[src]);
        }
        Ok(())
    }
}

pub(super) unsafe fn table_init(ctx: &mut Ctx, sp: Sp, imm: &TableInit) -> R {
    // SAFETY: the segment and the table exist and the slots are in the frame (see the
    // module's documentation); the ranges are checked before the copy.
    unsafe {
        let seg = &(&*ctx.inst).elems[imm.seg as usize];
        let t = table(ctx, imm.table);
        let (d, s, n) = (
            slot_addr(sp, imm.dst, t.ty.is_64()),
            slot32(sp, imm.src),
            slot32(sp, imm.len),
        );
        let src = range(s, n, seg.len(), TrapCode::TableOutOfBounds)?;
        let dst = range64(d, n as u64, t.elems.len()).map_err(|_| TrapCode::TableOutOfBounds)?;
        t.elems[dst].copy_from_slice(&seg[src]);
        Ok(())
    }
}

//! Out-of-line semantics of the bulk memory, table and segment instructions. They touch
//! whole ranges, so a function call per instruction costs nothing that matters, and the
//! handlers that call them stay small enough to keep their tail calls.

use super::{Ctx, Sp};
use crate::error::TrapCode;
use crate::ir::layout::*;

type R = Result<(), TrapCode>;

#[inline(always)]
unsafe fn slot32(sp: Sp, s: u32) -> u32 {
    // SAFETY: slots are inside the frame (translation invariant).
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

pub(super) unsafe fn memory_copy(ctx: &mut Ctx, sp: Sp, imm: &MemCopy) -> R {
    unsafe {
        let mem = &mut (&mut *ctx.mem).data;
        let (d, s, n) = (
            slot32(sp, imm.dst),
            slot32(sp, imm.src),
            slot32(sp, imm.len),
        );
        let src = range(s, n, mem.len(), TrapCode::MemoryOutOfBounds)?;
        let dst = range(d, n, mem.len(), TrapCode::MemoryOutOfBounds)?;
        mem.copy_within(src, dst.start);
        Ok(())
    }
}

pub(super) unsafe fn memory_fill(ctx: &mut Ctx, sp: Sp, imm: &MemFill) -> R {
    unsafe {
        let mem = &mut (&mut *ctx.mem).data;
        let (d, v, n) = (
            slot32(sp, imm.dst),
            slot32(sp, imm.val),
            slot32(sp, imm.len),
        );
        let dst = range(d, n, mem.len(), TrapCode::MemoryOutOfBounds)?;
        mem[dst].fill(v as u8);
        Ok(())
    }
}

pub(super) unsafe fn memory_init(ctx: &mut Ctx, sp: Sp, imm: &MemInit) -> R {
    unsafe {
        let seg = (&*ctx.inst).data[imm.seg as usize];
        let bytes = core::slice::from_raw_parts(seg.ptr, seg.len);
        let mem = &mut (&mut *ctx.mem).data;
        let (d, s, n) = (
            slot32(sp, imm.dst),
            slot32(sp, imm.src),
            slot32(sp, imm.len),
        );
        let src = range(s, n, bytes.len(), TrapCode::MemoryOutOfBounds)?;
        let dst = range(d, n, mem.len(), TrapCode::MemoryOutOfBounds)?;
        mem[dst].copy_from_slice(&bytes[src]);
        Ok(())
    }
}

pub(super) unsafe fn data_drop(ctx: &mut Ctx, _sp: Sp, imm: &Seg) -> R {
    unsafe {
        let inst = ctx.inst as *mut crate::runtime::InstanceEntity;
        (&mut *inst).data[imm.seg as usize].len = 0;
        Ok(())
    }
}

pub(super) unsafe fn elem_drop(ctx: &mut Ctx, _sp: Sp, imm: &Seg) -> R {
    unsafe {
        let inst = ctx.inst as *mut crate::runtime::InstanceEntity;
        (&mut *inst).elems[imm.seg as usize] = Vec::new();
        Ok(())
    }
}

unsafe fn table<'a>(ctx: &Ctx, t: u32) -> &'a mut crate::runtime::TableEntity {
    // SAFETY: validation proved the table index; tables are boxed in the store.
    unsafe { &mut **(&*ctx.inst).tables.get_unchecked(t as usize) }
}

pub(super) unsafe fn table_get(ctx: &mut Ctx, sp: Sp, imm: &TableGet) -> R {
    unsafe {
        let t = table(ctx, imm.table);
        let v = *t
            .elems
            .get(slot32(sp, imm.idx) as usize)
            .ok_or(TrapCode::TableOutOfBounds)?;
        *sp.add(imm.dst as usize) = v;
        Ok(())
    }
}

pub(super) unsafe fn table_set(ctx: &mut Ctx, sp: Sp, imm: &TableSet) -> R {
    unsafe {
        let t = table(ctx, imm.table);
        let v = *sp.add(imm.val as usize);
        *t.elems
            .get_mut(slot32(sp, imm.idx) as usize)
            .ok_or(TrapCode::TableOutOfBounds)? = v;
        Ok(())
    }
}

pub(super) unsafe fn table_size(ctx: &mut Ctx, sp: Sp, imm: &TableSize) -> R {
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
    // SAFETY: `ctx.mem` is the running instance's memory; the limiter pointer is the
    // store's, alive for the whole execution.
    unsafe {
        let mem = &mut *ctx.mem;
        let limiter = ctx.limiter.map(|l| &mut *l);
        mem.grow_limited(delta, limiter)
    }
}

/// Never inlined, for the same reason as [`grow_memory`].
#[inline(never)]
pub(super) unsafe fn table_grow(ctx: &mut Ctx, sp: Sp, imm: &TableGrow) -> R {
    unsafe {
        let limiter = ctx.limiter.map(|l| &mut *l);
        let t = table(ctx, imm.table);
        let init = *sp.add(imm.init as usize);
        let delta = slot32(sp, imm.delta);
        let old = t
            .grow_limited(delta as u64, init, limiter)
            .map_or(-1i32, |o| o as i32);
        *sp.add(imm.dst as usize) = old as u32 as u64;
        Ok(())
    }
}

pub(super) unsafe fn table_fill(ctx: &mut Ctx, sp: Sp, imm: &TableFill) -> R {
    unsafe {
        let t = table(ctx, imm.table);
        let v = *sp.add(imm.val as usize);
        let r = range(
            slot32(sp, imm.idx),
            slot32(sp, imm.len),
            t.elems.len(),
            TrapCode::TableOutOfBounds,
        )?;
        t.elems[r].fill(v);
        Ok(())
    }
}

pub(super) unsafe fn table_copy(ctx: &mut Ctx, sp: Sp, imm: &TableCopy) -> R {
    unsafe {
        let (d, s, n) = (
            slot32(sp, imm.dst),
            slot32(sp, imm.src),
            slot32(sp, imm.len),
        );
        let src_t = table(ctx, imm.src_table);
        let src = range(s, n, src_t.elems.len(), TrapCode::TableOutOfBounds)?;
        let dst_t = table(ctx, imm.dst_table);
        let dst = range(d, n, dst_t.elems.len(), TrapCode::TableOutOfBounds)?;
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
    unsafe {
        let (d, s, n) = (
            slot32(sp, imm.dst),
            slot32(sp, imm.src),
            slot32(sp, imm.len),
        );
        let seg = &(&*ctx.inst).elems[imm.seg as usize];
        let src = range(s, n, seg.len(), TrapCode::TableOutOfBounds)?;
        let t = table(ctx, imm.table);
        let dst = range(d, n, t.elems.len(), TrapCode::TableOutOfBounds)?;
        t.elems[dst].copy_from_slice(&seg[src]);
        Ok(())
    }
}

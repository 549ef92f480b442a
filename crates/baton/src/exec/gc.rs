//! Out-of-line semantics of the structure and array instructions (see
//! `crate::runtime::gc` for the object layout).
//!
//! # Safety
//! Every `unsafe fn` here is called by the handler of its instruction (`ops/bulk.rs`), with
//! `ctx` the running context, `sp` the running function's frame and `imm` that
//! instruction's immediates. Then:
//! - the slots `imm` names are inside the frame (translation invariant);
//! - validation proved the operand types: a slot named as a structure or array holds 0 or
//!   a live object of the store of that type (or a subtype), so its fields and elements
//!   are where the immediates say (the translator computed `cell` and `elem` from the
//!   type, and a subtype's fields begin with its supertype's);
//! - the segment indices exist in the running instance (validation), whose segments live
//!   as long as it does.

use super::roots::alloc;
use super::{Ctx, Ip, Sp};
use crate::error::TrapCode;
use crate::ir::layout::*;
use crate::runtime::gc::{header, Elem, ARRAY, STRUCT};

type R = Result<(), TrapCode>;

/// The cell in slot `s`.
#[inline(always)]
unsafe fn slot(sp: Sp, s: u32) -> u64 {
    // SAFETY: the slots an instruction names are inside the frame (module documentation).
    unsafe { *sp.add(s as usize) }
}

/// The object in slot `s`, or a null-reference trap.
#[inline(always)]
unsafe fn object(sp: Sp, s: u32) -> Result<*mut u64, TrapCode> {
    // SAFETY: as for `slot`.
    match unsafe { slot(sp, s) } {
        0 => Err(TrapCode::NullReference),
        cell => Ok(cell as *mut u64),
    }
}

/// The array in slot `s`, its length and its first element's cell.
#[inline(always)]
unsafe fn array(sp: Sp, s: u32) -> Result<(usize, *mut u64), TrapCode> {
    // SAFETY: the slot holds an array (module documentation): its length is its second
    // cell, its elements follow.
    unsafe {
        let a = object(sp, s)?;
        Ok((*a.add(1) as usize, a.add(2)))
    }
}

/// Checks that elements `[start, start + len)` lie within an array of `size` elements and
/// returns the first's index.
fn elements(start: u64, len: u64, size: usize) -> Result<usize, TrapCode> {
    let end = start as u32 as u64 + len as u32 as u64;
    if end > size as u64 {
        return Err(TrapCode::ArrayOutOfBounds);
    }
    Ok(start as u32 as usize)
}

/// Reads the field or element of storage `elem` at `cell` into slot `val` (two slots for a
/// `v128`), packed values extended.
///
/// # Safety
/// `cell` is a field or element of a live object; `val` (and, for a `v128`, the slot after
/// it) is in the frame.
#[inline(always)]
unsafe fn read(sp: Sp, val: u32, elem: Elem, cell: *const u64) {
    // SAFETY: the caller's contract.
    unsafe {
        *sp.add(val as usize) = elem.read(*cell);
        if elem.cells() == 2 {
            *sp.add(val as usize + 1) = *cell.add(1);
        }
    }
}

/// The instruction whose immediates are `imm` (they follow its first word).
fn ip_of<L>(imm: &L) -> Ip {
    (imm as *const L as Ip).wrapping_sub(1)
}

/// A structure of `imm`'s type, zeroed (a zero cell is every type's default: 0, 0.0, null),
/// for the running instruction `imm` belongs to, in frame `sp`.
///
/// # Safety
/// As for the instructions (module documentation).
#[inline(always)]
unsafe fn new_struct(ctx: &mut Ctx, sp: Sp, imm: &StructNew) -> Result<*mut u64, TrapCode> {
    let header = header(STRUCT, imm.type_id);
    // SAFETY: the instruction is the running one, `sp` its frame (module documentation).
    unsafe { alloc(ctx, sp, ip_of(imm), header, None, imm.cells as usize) }
}

pub(super) unsafe fn struct_new(ctx: &mut Ctx, sp: Sp, imm: &StructNew) -> R {
    // SAFETY: the contract. Then: the `cells` field values are the slots from `base` on, in
    // the frame; the new object has room for them after its header.
    unsafe {
        let obj = new_struct(ctx, sp, imm)?;
        core::ptr::copy_nonoverlapping(sp.add(imm.base as usize), obj.add(1), imm.cells as usize);
        *sp.add(imm.dst as usize) = obj as u64;
    }
    Ok(())
}

pub(super) unsafe fn struct_new_default(ctx: &mut Ctx, sp: Sp, imm: &StructNew) -> R {
    // SAFETY: the contract; `dst` is in the frame.
    unsafe { *sp.add(imm.dst as usize) = new_struct(ctx, sp, imm)? as u64 };
    Ok(())
}

pub(super) unsafe fn struct_get(_ctx: &mut Ctx, sp: Sp, imm: &GcField) -> R {
    let elem = Elem(imm.elem);
    // SAFETY: the structure has the field at `cell` (module documentation); `val` has room
    // for the value.
    unsafe {
        read(
            sp,
            imm.val,
            elem,
            object(sp, imm.obj)?.add(1 + imm.cell as usize),
        )
    };
    Ok(())
}

pub(super) unsafe fn struct_set(_ctx: &mut Ctx, sp: Sp, imm: &GcField) -> R {
    // SAFETY: as for `struct_get`; validation proved the field mutable.
    unsafe {
        let field = object(sp, imm.obj)?.add(1 + imm.cell as usize);
        let n = Elem(imm.elem).cells();
        core::ptr::copy_nonoverlapping(sp.add(imm.val as usize), field, n);
    }
    Ok(())
}

/// Allocates an array of `len` elements of `imm`'s type, zeroed.
///
/// # Safety
/// `ip` is the running allocating instruction and `sp` its frame.
unsafe fn new_array(
    ctx: &mut Ctx,
    sp: Sp,
    ip: Ip,
    type_id: u32,
    elem: Elem,
    len: u64,
) -> Result<*mut u64, TrapCode> {
    let cells = (len as usize)
        .checked_mul(elem.cells())
        .ok_or(TrapCode::GcHeapOutOfMemory)?;
    // SAFETY: the contract.
    let obj = unsafe { alloc(ctx, sp, ip, header(ARRAY, type_id), Some(len as u32), cells)? };
    // Past the header and the length.
    // SAFETY: the object has both.
    Ok(unsafe { obj.add(2) })
}

/// The address of an array's header, from its first element's.
fn array_ref(elements: *mut u64) -> u64 {
    elements.wrapping_sub(2) as u64
}

/// Writes the value in `src` (one or two cells) to every element of `dst..dst + len`.
///
/// # Safety
/// `src` is in the frame; the elements are in one array.
unsafe fn fill(dst: *mut u64, len: usize, src: *const u64, elem: Elem) {
    // SAFETY: the caller's contract.
    unsafe {
        match elem.cells() {
            1 => core::slice::from_raw_parts_mut(dst, len).fill(*src),
            _ => {
                for i in 0..len {
                    core::ptr::copy_nonoverlapping(src, dst.add(2 * i), 2);
                }
            }
        }
    }
}

pub(super) unsafe fn array_new(ctx: &mut Ctx, sp: Sp, imm: &ArrayNew) -> R {
    let elem = Elem(imm.elem);
    // SAFETY: the length and initial value are in the frame; the new array has `len`
    // elements.
    unsafe {
        let len = slot(sp, imm.len) as u32 as u64;
        let elems = new_array(ctx, sp, ip_of(imm), imm.type_id, elem, len)?;
        fill(elems, len as usize, sp.add(imm.init as usize), elem);
        *sp.add(imm.dst as usize) = array_ref(elems);
    }
    Ok(())
}

pub(super) unsafe fn array_new_default(ctx: &mut Ctx, sp: Sp, imm: &ArrayNew) -> R {
    // SAFETY: the length is in the frame, as is `dst`.
    unsafe {
        let len = slot(sp, imm.len) as u32 as u64;
        let elems = new_array(ctx, sp, ip_of(imm), imm.type_id, Elem(imm.elem), len)?;
        *sp.add(imm.dst as usize) = array_ref(elems);
    }
    Ok(())
}

pub(super) unsafe fn array_new_fixed(ctx: &mut Ctx, sp: Sp, imm: &ArrayNew) -> R {
    let elem = Elem(imm.elem);
    // SAFETY: the `len` values are the slots from `init` on (the translator put them
    // there), as many cells as the new array's elements take.
    unsafe {
        let elems = new_array(ctx, sp, ip_of(imm), imm.type_id, elem, imm.len as u64)?;
        let cells = imm.len as usize * elem.cells();
        core::ptr::copy_nonoverlapping(sp.add(imm.init as usize), elems, cells);
        *sp.add(imm.dst as usize) = array_ref(elems);
    }
    Ok(())
}

/// Element `i` of a data segment's bytes read as elements of `elem`, in cells.
fn data_element(bytes: &[u8], elem: Elem, i: usize, out: &mut [u64]) {
    let size = elem.bytes();
    let b = &bytes[i * size..(i + 1) * size];
    let mut wide = [0u8; 16];
    wide[..size].copy_from_slice(b);
    let v = u128::from_le_bytes(wide);
    out[0] = v as u64;
    if elem.cells() == 2 {
        out[1] = (v >> 64) as u64;
    }
}

/// Checks that `len` elements of the running instance's segment `seg` (as in
/// [`from_segment`]) from `offset` on exist.
///
/// # Safety
/// As for [`from_segment`].
unsafe fn segment_range(ctx: &Ctx, seg: u32, elem: Elem, offset: u64, len: u64) -> R {
    // SAFETY: the caller's contract.
    let inst = unsafe { &*ctx.inst };
    let (end, size, code) = if Elem::REF == elem.0 & 0xff {
        let seg = &inst.elems[seg as usize];
        (
            offset as u32 as u64 + len,
            seg.len(),
            TrapCode::TableOutOfBounds,
        )
    } else {
        let seg = inst.data[seg as usize];
        let bytes = len * elem.bytes() as u64;
        (
            offset as u32 as u64 + bytes,
            seg.len,
            TrapCode::MemoryOutOfBounds,
        )
    };
    if end > size as u64 {
        return Err(code);
    }
    Ok(())
}

/// Copies `len` elements of the running instance's segment `seg` (a data segment for
/// numeric elements, an element segment for references) from `offset` on to `dst`.
///
/// # Safety
/// `seg` is a segment of the running instance of the right kind for `elem` (validation);
/// `dst` has room for `len` elements.
unsafe fn from_segment(ctx: &Ctx, seg: u32, elem: Elem, offset: u64, len: u64, dst: *mut u64) -> R {
    // SAFETY: the caller's contract; the range is checked before any copy.
    unsafe {
        segment_range(ctx, seg, elem, offset, len)?;
        let inst = &*ctx.inst;
        let (offset, len) = (offset as u32 as usize, len as u32 as usize);
        if Elem::REF == elem.0 & 0xff {
            let seg = &inst.elems[seg as usize];
            core::ptr::copy_nonoverlapping(seg.as_ptr().add(offset), dst, len);
        } else {
            let seg = inst.data[seg as usize];
            let bytes = core::slice::from_raw_parts(seg.ptr, seg.len);
            let bytes = &bytes[offset..];
            let cells = elem.cells();
            let out = core::slice::from_raw_parts_mut(dst, len * cells);
            for i in 0..len {
                data_element(bytes, elem, i, &mut out[i * cells..(i + 1) * cells]);
            }
        }
    }
    Ok(())
}

pub(super) unsafe fn array_new_seg(ctx: &mut Ctx, sp: Sp, imm: &ArrayNewSeg) -> R {
    let elem = Elem(imm.elem);
    // SAFETY: the slots are in the frame; `from_segment`'s contract holds (validation of
    // the segment's kind; the new array has `len` elements).
    unsafe {
        let (offset, len) = (slot(sp, imm.offset), slot(sp, imm.len) as u32 as u64);
        // The segment's range is checked before anything is allocated: a length past the
        // segment traps as out of bounds, not as an allocation too large.
        segment_range(ctx, imm.seg, elem, offset, len)?;
        let elems = new_array(ctx, sp, ip_of(imm), imm.type_id, elem, len)?;
        from_segment(ctx, imm.seg, elem, offset, len, elems)?;
        *sp.add(imm.dst as usize) = array_ref(elems);
    }
    Ok(())
}

/// The first cell of the element an `array.get`/`array.set` accesses, or its trap.
///
/// # Safety
/// As for the instructions (module documentation).
#[inline(always)]
unsafe fn element(sp: Sp, imm: &ArrayAccess) -> Result<*mut u64, TrapCode> {
    // SAFETY: the slots are in the frame; the index is checked against the length.
    unsafe {
        let (size, elems) = array(sp, imm.arr)?;
        let i = elements(slot(sp, imm.idx), 1, size)?;
        Ok(elems.add(i * Elem(imm.elem).cells()))
    }
}

pub(super) unsafe fn array_get(_ctx: &mut Ctx, sp: Sp, imm: &ArrayAccess) -> R {
    // SAFETY: the element is in bounds of a live array; `val` is in the frame.
    unsafe { read(sp, imm.val, Elem(imm.elem), element(sp, imm)?) };
    Ok(())
}

pub(super) unsafe fn array_set(_ctx: &mut Ctx, sp: Sp, imm: &ArrayAccess) -> R {
    // SAFETY: as for `array_get`; validation proved the array mutable.
    unsafe {
        let n = Elem(imm.elem).cells();
        core::ptr::copy_nonoverlapping(sp.add(imm.val as usize), element(sp, imm)?, n);
    }
    Ok(())
}

pub(super) unsafe fn array_len(_ctx: &mut Ctx, sp: Sp, imm: &Un) -> R {
    // SAFETY: the slots are in the frame.
    unsafe {
        let (size, _) = array(sp, imm.src)?;
        *sp.add(imm.dst as usize) = size as u64;
    }
    Ok(())
}

pub(super) unsafe fn array_fill(_ctx: &mut Ctx, sp: Sp, imm: &ArrayFill) -> R {
    let elem = Elem(imm.elem);
    // SAFETY: the slots are in the frame; the range is checked before the fill.
    unsafe {
        let (size, elems) = array(sp, imm.arr)?;
        let len = slot(sp, imm.len);
        let i = elements(slot(sp, imm.offset), len, size)?;
        let src = sp.add(imm.val as usize);
        fill(elems.add(i * elem.cells()), len as u32 as usize, src, elem);
    }
    Ok(())
}

pub(super) unsafe fn array_copy(_ctx: &mut Ctx, sp: Sp, imm: &ArrayCopy) -> R {
    let n = Elem(imm.elem).cells();
    // SAFETY: the slots are in the frame; both ranges are checked before the copy, which
    // may overlap (the same array).
    unsafe {
        let (dst_size, dst) = array(sp, imm.dst)?;
        let (src_size, src) = array(sp, imm.src)?;
        let len = slot(sp, imm.len);
        let d = elements(slot(sp, imm.dst_offset), len, dst_size)?;
        let s = elements(slot(sp, imm.src_offset), len, src_size)?;
        core::ptr::copy(src.add(s * n), dst.add(d * n), len as u32 as usize * n);
    }
    Ok(())
}

pub(super) unsafe fn array_init(ctx: &mut Ctx, sp: Sp, imm: &ArrayInit) -> R {
    let elem = Elem(imm.elem);
    // SAFETY: the slots are in the frame; the array range is checked here and the segment
    // range by `from_segment` before anything is written.
    unsafe {
        let (size, elems) = array(sp, imm.arr)?;
        let len = slot(sp, imm.len) as u32 as u64;
        let d = elements(slot(sp, imm.dst_offset), len, size)?;
        let dst = elems.add(d * elem.cells());
        from_segment(ctx, imm.seg, elem, slot(sp, imm.src_offset), len, dst)
    }
}

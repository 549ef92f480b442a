//! Memory instructions: loads, stores, loads that only decide a branch, `memory.size` and
//! `memory.grow` (bulk memory operations are in `bulk.rs`).
//!
//! Two kinds of addressing:
//! - The fast forms serve memory 0 with 32-bit addresses, nearly every access there is:
//!   the effective address is computed in 64 bits from a 32-bit address and a 32-bit
//!   offset, so it cannot overflow, and one comparison against the length checks bounds.
//!   The bounds are the `mem` and `len` registers: the running instance's default memory,
//!   which every handler hands on unchanged or reloads (`memory.grow`, host calls and
//!   calls into another instance reload it; `Ctx::mem_regs`), so `mem..mem + len` is
//!   always that memory's current data.
//! - The `w` forms serve memory 0 with 64-bit addresses (memory64): the same registers;
//!   the address plus the offset of the access's last byte (set by the translator) must
//!   not wrap around and must be below the length ([`wide_at`]). They come with the fast
//!   forms' variants that matter in loops: the `i64.add` computing the address folded into
//!   a load (`w_rr`, `w_ri`) or a store (`w_sum_r`, `w_sum_va`), the value in the
//!   accumulator.
//! - The `m` forms serve other memories (below `MEMORY_SLOTS`) with 32-bit addresses and
//!   32-bit offsets: the memory's data and length are read from the context
//!   (`Ctx::memory_bases`, set wherever the registers are reloaded), and the rest is the
//!   fast forms' check; the same variants (`m_rr`, `m_ri`, `m_sum_r`, `m_sum_va`,
//!   accumulator values).
//! - The `x` form of each access serves everything else: any memory (others are reached
//!   through the instance), 32- or 64-bit addresses, 64-bit offsets. Its address is
//!   computed, overflow-checked and bounds-checked in one place, [`locate`]; SIMD
//!   accesses use it too.
//!
//! Memory is little-endian whatever the host: values are converted with `to_le`/`from_le`
//! (no-ops on little-endian hosts).

use super::*;
use crate::ir::AnyOp;

/// Every form of one load: the address comes from a slot, the accumulator, is a
/// constant (`abs`, folded with the offset) or is the sum of a slot and a slot or
/// constant (`rr`, `ri`: the `i32.add` computing it folded in); `_a` forms leave the
/// value in the accumulator.
#[derive(Clone, Copy)]
pub(crate) struct LoadOp {
    /// The access's size in bytes.
    pub size: u32,
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
    /// Memory 0 with 64-bit addresses, address from a slot.
    pub w: Op<Load>,
    pub w_a: Op<Load>,
    /// Memory 0 with 64-bit addresses, address `a + b` (an `i64.add` folded in).
    pub w_rr: Op<LoadRR>,
    pub w_rr_a: Op<LoadRR>,
    /// Memory 0 with 64-bit addresses, address `a + imm` (`imm` sign-extended: an
    /// `i64.add` of a constant folded in).
    pub w_ri: Op<LoadRI>,
    pub w_ri_a: Op<LoadRI>,
    /// Another memory with 32-bit addresses, address from a slot.
    pub m: Op<LoadM>,
    pub m_a: Op<LoadM>,
    /// Another memory with 32-bit addresses, address `a + b` (an `i32.add` folded in).
    pub m_rr: Op<LoadMRR>,
    pub m_rr_a: Op<LoadMRR>,
    /// Another memory with 32-bit addresses, address `a + imm`.
    pub m_ri: Op<LoadMRI>,
    pub m_ri_a: Op<LoadMRI>,
    /// Any memory, 32- or 64-bit addresses (see the module's documentation).
    pub x: Op<LoadX>,
}

/// Where the `w` forms' access of a `T` at 64-bit address `addr` lands in memory 0 (`mem`,
/// `len` bytes), or `None` when any of its bytes is out of bounds. `last` is the offset of
/// the access's last byte: the Wasm offset plus `size_of::<T>() - 1`, added by the
/// translator. The sum of the address and that offset is the address of the last byte:
/// the access is in bounds when the sum does not wrap around and is below `len`. One
/// addition, a branch on its carry and the fast forms' single comparison; the first byte
/// is then a constant displacement away from the last.
#[inline(always)]
fn wide_at<T>(mem: Mem, len: usize, addr: u64, last: u32) -> Option<*mut u8> {
    let (end, wrapped) = addr.overflowing_add(last as u64);
    if wrapped || end >= len as u64 {
        return None;
    }
    // SAFETY: `end < len`, so `end` and the `size_of::<T>() - 1` bytes before it (`end` is
    // at least that: `last` is) are inside the memory's data.
    Some(unsafe { mem.add(end as usize - (core::mem::size_of::<T>() - 1)) })
}

/// The data and length of memory `memory` of the running instance (the `m` forms), as
/// the context holds them (`Ctx::memory_bases`, set wherever the `mem`/`len` registers are
/// reloaded).
///
/// # Safety
/// `memory` is one of the running instance's memories (validation), not memory 0 and
/// below `MEMORY_SLOTS` (the translator gives memory 0 the fast forms and memories from
/// `MEMORY_SLOTS` up the `x` form).
#[inline(always)]
unsafe fn memory_n(ctx: &Ctx, memory: u32) -> (Mem, usize) {
    // SAFETY: `memory` is below `MEMORY_SLOTS` (the contract), so inside the arrays.
    unsafe {
        (
            *ctx.memory_bases.get_unchecked(memory as usize),
            *ctx.memory_lens.get_unchecked(memory as usize),
        )
    }
}

/// Whether an access of a `T` at effective address `ea` (below 2^34) leaves a memory of
/// `len` bytes: `ea + size > len`, written as a signed comparison of `ea` with
/// `len - size` so that the address needs computing only once (the sum form makes the
/// compiler compute it twice). No overflow: both sides are far from the limits of `isize`.
#[inline(always)]
pub(super) fn out_of_bounds<T>(ea: usize, len: usize) -> bool {
    match core::mem::size_of::<T>() {
        1 => ea >= len,
        size => (ea as isize) > len as isize - size as isize,
    }
}

/// Where an access of `size` bytes at `addr + offset` lands in memory `memory` of the
/// running instance (0: the memory in the `mem`/`len` registers), or `None` when any of
/// its bytes is out of bounds (the sum overflowing 64 bits included). `is64` says how to
/// read the address slot: an `i64`, or an `i32` whose cell's upper half is not looked at.
///
/// # Safety
/// `ctx.inst` is the running instance, `memory` one of its memories (validation), `addr`
/// a slot of the frame at `sp`, and `mem`/`len` memory 0's registers.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn locate(
    ctx: &Ctx,
    sp: Sp,
    mem: Mem,
    len: usize,
    memory: u32,
    is64: u32,
    addr: u32,
    offset: u64,
    size: usize,
) -> Option<*mut u8> {
    // SAFETY: `addr` is a slot of the frame (the contract).
    let a = unsafe {
        if is64 != 0 {
            rd::<u64>(sp, addr)
        } else {
            rd::<u32>(sp, addr) as u64
        }
    };
    let (base, bytes) = if memory == 0 {
        (mem, len)
    } else {
        // SAFETY: the instance's memory pointers are live entities of its store, and
        // validation proved `memory` in range.
        unsafe {
            let inst: &crate::runtime::InstanceEntity = &*ctx.inst;
            let m: &mut crate::runtime::MemoryEntity =
                &mut **inst.memories.get_unchecked(memory as usize);
            (m.data.as_mut_ptr(), m.data.len())
        }
    };
    let end = a.checked_add(offset)?.checked_add(size as u64)?;
    if end > bytes as u64 {
        return None;
    }
    // SAFETY: `end <= bytes`, so the access's first byte, at `end - size`, and all the
    // others are inside the memory's data.
    Some(unsafe { base.add((end - size as u64) as usize) })
}

/// A load's `x` form (see the module's documentation), reading a `$mem_t` into a `$val_t`.
macro_rules! load_x_fn {
    ($mem_t:ty, $val_t:ty) => {
        handler_fn! {
            #[allow(unused_unsafe)]
            unsafe fn x(ip, sp, mem, ctx, len, acc) {
                // SAFETY: the translator emits this handler's word only through an
                // `Op<LoadX>`, followed by its immediates.
                let imm: LoadX = unsafe { *(ip.add(1) as *const LoadX) };
                let size = core::mem::size_of::<$mem_t>();
                // SAFETY: the immediates come from translation (see `locate`'s contract).
                let at = unsafe {
                    locate(
                        ctx, sp, mem, len, imm.memory, imm.is64, imm.addr, imm.offset, size,
                    )
                };
                let Some(at) = at else {
                    return trap(ctx, ip, TrapCode::MemoryOutOfBounds);
                };
                // SAFETY: `locate` checked that the `size` bytes at `at` are in the memory.
                let v = <$mem_t>::from_le(unsafe { core::ptr::read_unaligned(at as *const $mem_t) })
                    as $val_t;
                // SAFETY: `dst` is a slot of the frame; the next instruction follows.
                unsafe {
                    wr(sp, imm.dst, v);
                    next!(LoadX, ip, sp, mem, len, ctx, acc)
                }
            }
        }
    };
}

/// A store's `x` form (see the module's documentation), writing a `$mem_t`.
macro_rules! store_x_fn {
    ($mem_t:ty) => {
        handler_fn! {
            #[allow(unused_unsafe)]
            unsafe fn x(ip, sp, mem, ctx, len, acc) {
                // SAFETY: the translator emits this handler's word only through an
                // `Op<StoreX>`, followed by its immediates.
                let imm: StoreX = unsafe { *(ip.add(1) as *const StoreX) };
                let size = core::mem::size_of::<$mem_t>();
                // SAFETY: the immediates come from translation (see `locate`'s contract).
                let at = unsafe {
                    locate(
                        ctx, sp, mem, len, imm.memory, imm.is64, imm.addr, imm.offset, size,
                    )
                };
                let Some(at) = at else {
                    return trap(ctx, ip, TrapCode::MemoryOutOfBounds);
                };
                // SAFETY: `src` is a slot of the frame.
                let v = unsafe { rd::<u64>(sp, imm.src) } as $mem_t;
                // SAFETY: `locate` checked that the `size` bytes at `at` are in the memory,
                // which nothing else borrows while Wasm code runs; the next instruction
                // follows this one.
                unsafe {
                    core::ptr::write_unaligned(at as *mut $mem_t, v.to_le());
                    next!(StoreX, ip, sp, mem, len, ctx, acc)
                }
            }
        }
    };
}

/// One load handler: `$addr` computes the effective address (below 2^34, so the bounds
/// check cannot overflow); the value goes to a slot or the accumulator.
macro_rules! load_fn {
    ($fname:ident, $L:ty, $mem_t:ty, $val_t:ty, |$imm:ident, $sp:ident, $acc:ident| $addr:expr, $out:ident) => {
        load_fn!($fname, $L, $mem_t, $val_t, |$imm, $sp, $acc| $addr, $out, |ctx, mem, len| (mem, len));
    };
    // `$memory` gives the accessed memory's data and length (memory 0's by default: the
    // registers).
    ($fname:ident, $L:ty, $mem_t:ty, $val_t:ty, |$imm:ident, $sp:ident, $acc:ident| $addr:expr, $out:ident, |$c:ident, $m:ident, $l:ident| $memory:expr) => {
        handler_fn! {
            #[allow(unused_variables, unused_unsafe)]
            unsafe fn $fname(ip, sp, mem, ctx, len, acc) {
                // SAFETY: the translator emits this handler's word only through an `Op<$L>`,
                // followed by the immediates of layout `$L`.
                let $imm: $L = unsafe { *(ip.add(1) as *const $L) };
                let ($sp, $acc) = (sp, acc);
                // SAFETY: the address slots the immediates name are inside the frame
                // (translation invariant).
                let ea: usize = unsafe { $addr };
                let ($c, $m, $l) = (&*ctx, mem, len);
                // SAFETY: a memory index in the immediates is one of the running instance's
                // memories (validation; see `memory_n`).
                let (base, bytes): (Mem, usize) = unsafe { $memory };
                if out_of_bounds::<$mem_t>(ea, bytes) {
                    return trap(ctx, ip, TrapCode::MemoryOutOfBounds);
                }
                // SAFETY: `ea + size_of::<$mem_t>() <= bytes` (checked just above) and
                // `base..base + bytes` is the memory's data (see the module's documentation);
                // the read is unaligned, as Wasm allows any address.
                let v = <$mem_t>::from_le(unsafe { core::ptr::read_unaligned(base.add(ea) as *const $mem_t) }) as $val_t;
                load_fn!(@out $out, v, $imm, $L, ip, sp, mem, len, ctx, acc)
            }
        }
    };
    (@out slot, $v:ident, $imm:ident, $L:ty, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `dst` names a slot inside the frame (translation invariant).
        unsafe { wr($sp, $imm.dst, $v) };
        let $acc = Cell::pass_on($v, $acc);
        // SAFETY: the next instruction starts right after this one's `$L` immediates (see
        // `next!`).
        unsafe { next!($L, $ip, $sp, $mem, $len, $ctx, $acc) }
    }};
    // As `slot`, with `dst` read only once the value is loaded (as `dst_after!` in
    // `numeric.rs` does): for layouts with more immediates, where reading it with the
    // others kept one more register busy and the handler saved one on every run.
    (@out slot_late, $v:ident, $imm:ident, $L:ty, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
        // SAFETY: as for the immediates read at the start.
        let dst = unsafe { (*($ip.add(1) as *const $L)).dst };
        // SAFETY: `dst` names a slot inside the frame (translation invariant).
        unsafe { wr($sp, dst, $v) };
        let $acc = Cell::pass_on($v, $acc);
        // SAFETY: as for `slot`.
        unsafe { next!($L, $ip, $sp, $mem, $len, $ctx, $acc) }
    }};
    // The value's bits as an `f64` or `f32`, to that float accumulator (a float load whose
    // value a float operation takes at once: see `FloatLoadAcc`).
    (@out f64_acc, $v:ident, $imm:ident, $L:ty, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        let $acc = Cell::into_acc(f64::from_bits($v as u64), $acc);
        // SAFETY: as for `slot`.
        unsafe { next!($L, $ip, $sp, $mem, $len, $ctx, $acc) }
    }};
    (@out f32_acc, $v:ident, $imm:ident, $L:ty, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        let $acc = Cell::into_acc(f32::from_bits($v as u32), $acc);
        // SAFETY: as for `slot`.
        unsafe { next!($L, $ip, $sp, $mem, $len, $ctx, $acc) }
    }};
    (@out acc, $v:ident, $imm:ident, $L:ty, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        let $acc = $acc.with_i(Cell::to_cell($v));
        // SAFETY: the next instruction starts right after this one's `$L` immediates (see
        // `next!`).
        unsafe { next!($L, $ip, $sp, $mem, $len, $ctx, $acc) }
    }};
}

/// One load handler of the `w` forms: `$addr` computes the 64-bit address (the offset not
/// added: see [`wide_at`]); the value goes to a slot or the accumulator.
macro_rules! load_w_fn {
    ($fname:ident, $L:ty, $mem_t:ty, $val_t:ty, |$imm:ident, $sp:ident| $addr:expr, $out:ident) => {
        handler_fn! {
            #[allow(unused_variables, unused_unsafe)]
            unsafe fn $fname(ip, sp, mem, ctx, len, acc) {
                // SAFETY: the translator emits this handler's word only through an `Op<$L>`,
                // followed by the immediates of layout `$L`.
                let $imm: $L = unsafe { *(ip.add(1) as *const $L) };
                let $sp = sp;
                // SAFETY: the address slots the immediates name are inside the frame
                // (translation invariant).
                let addr: u64 = unsafe { $addr };
                let Some(at) = wide_at::<$mem_t>(mem, len, addr, $imm.offset) else {
                    return trap(ctx, ip, TrapCode::MemoryOutOfBounds);
                };
                // SAFETY: `wide_at` checked that the access's bytes at `at` are in memory 0,
                // whose data `mem..mem + len` is (see the module's documentation); the read is
                // unaligned, as Wasm allows any address.
                let v = <$mem_t>::from_le(unsafe { core::ptr::read_unaligned(at as *const $mem_t) }) as $val_t;
                load_fn!(@out $out, v, $imm, $L, ip, sp, mem, len, ctx, acc)
            }
        }
    };
}

macro_rules! loads {
    ($family:ident; $($name:literal $NAME:ident: $mem_t:ty => $val_t:ty;)*) => {
        $(pub(crate) const $NAME: LoadOp = {
            load_fn!(r, Load, $mem_t, $val_t, |imm, sp, acc| rd::<u32>(sp, imm.addr) as usize + imm.offset as usize, slot);
            load_fn!(r_a, Load, $mem_t, $val_t, |imm, sp, acc| rd::<u32>(sp, imm.addr) as usize + imm.offset as usize, acc);
            load_fn!(a, Load, $mem_t, $val_t, |imm, sp, acc| acc.i as u32 as usize + imm.offset as usize, slot);
            load_fn!(a_a, Load, $mem_t, $val_t, |imm, sp, acc| acc.i as u32 as usize + imm.offset as usize, acc);
            load_fn!(abs, LoadAbs, $mem_t, $val_t, |imm, sp, acc| imm.addr as usize, slot);
            load_fn!(abs_a, LoadAbs, $mem_t, $val_t, |imm, sp, acc| imm.addr as usize, acc);
            load_fn!(rr, LoadRR, $mem_t, $val_t, |imm, sp, acc| rd::<u32>(sp, imm.a).wrapping_add(rd::<u32>(sp, imm.b)) as usize + imm.offset as usize, slot);
            load_fn!(rr_a, LoadRR, $mem_t, $val_t, |imm, sp, acc| rd::<u32>(sp, imm.a).wrapping_add(rd::<u32>(sp, imm.b)) as usize + imm.offset as usize, acc);
            load_fn!(ri, LoadRI, $mem_t, $val_t, |imm, sp, acc| rd::<u32>(sp, imm.a).wrapping_add(imm.imm) as usize + imm.offset as usize, slot);
            load_fn!(ri_a, LoadRI, $mem_t, $val_t, |imm, sp, acc| rd::<u32>(sp, imm.a).wrapping_add(imm.imm) as usize + imm.offset as usize, acc);
            load_fn!(sh, LoadSh, $mem_t, $val_t, |imm, sp, acc| rd::<u32>(sp, imm.idx).wrapping_shl(imm.shift) as usize + imm.offset as usize, slot);
            load_fn!(sh_a, LoadSh, $mem_t, $val_t, |imm, sp, acc| rd::<u32>(sp, imm.idx).wrapping_shl(imm.shift) as usize + imm.offset as usize, acc);
            load_w_fn!(w, Load, $mem_t, $val_t, |imm, sp| rd::<u64>(sp, imm.addr), slot);
            load_w_fn!(w_a, Load, $mem_t, $val_t, |imm, sp| rd::<u64>(sp, imm.addr), acc);
            load_w_fn!(w_rr, LoadRR, $mem_t, $val_t, |imm, sp| rd::<u64>(sp, imm.a).wrapping_add(rd::<u64>(sp, imm.b)), slot);
            load_w_fn!(w_rr_a, LoadRR, $mem_t, $val_t, |imm, sp| rd::<u64>(sp, imm.a).wrapping_add(rd::<u64>(sp, imm.b)), acc);
            load_w_fn!(w_ri, LoadRI, $mem_t, $val_t, |imm, sp| rd::<u64>(sp, imm.a).wrapping_add(imm.imm as i32 as i64 as u64), slot);
            load_w_fn!(w_ri_a, LoadRI, $mem_t, $val_t, |imm, sp| rd::<u64>(sp, imm.a).wrapping_add(imm.imm as i32 as i64 as u64), acc);
            load_fn!(m, LoadM, $mem_t, $val_t, |imm, sp, acc| rd::<u32>(sp, imm.addr) as usize + imm.offset as usize, slot, |c, mem, len| memory_n(c, imm.memory));
            load_fn!(m_a, LoadM, $mem_t, $val_t, |imm, sp, acc| rd::<u32>(sp, imm.addr) as usize + imm.offset as usize, acc, |c, mem, len| memory_n(c, imm.memory));
            load_fn!(m_rr, LoadMRR, $mem_t, $val_t, |imm, sp, acc| rd::<u32>(sp, imm.a).wrapping_add(rd::<u32>(sp, imm.b)) as usize + imm.offset as usize, slot, |c, mem, len| memory_n(c, imm.memory));
            load_fn!(m_rr_a, LoadMRR, $mem_t, $val_t, |imm, sp, acc| rd::<u32>(sp, imm.a).wrapping_add(rd::<u32>(sp, imm.b)) as usize + imm.offset as usize, acc, |c, mem, len| memory_n(c, imm.memory));
            load_fn!(m_ri, LoadMRI, $mem_t, $val_t, |imm, sp, acc| rd::<u32>(sp, imm.a).wrapping_add(imm.imm) as usize + imm.offset as usize, slot, |c, mem, len| memory_n(c, imm.memory));
            load_fn!(m_ri_a, LoadMRI, $mem_t, $val_t, |imm, sp, acc| rd::<u32>(sp, imm.a).wrapping_add(imm.imm) as usize + imm.offset as usize, acc, |c, mem, len| memory_n(c, imm.memory));
            load_x_fn!($mem_t, $val_t);
            LoadOp {
                size: core::mem::size_of::<$mem_t>() as u32,
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
                w: op!(w, $name),
                w_a: op!(w_a, $name),
                w_rr: op!(w_rr, $name),
                w_rr_a: op!(w_rr_a, $name),
                w_ri: op!(w_ri, $name),
                w_ri_a: op!(w_ri_a, $name),
                m: op!(m, $name),
                m_a: op!(m_a, $name),
                m_rr: op!(m_rr, $name),
                m_rr_a: op!(m_rr_a, $name),
                m_ri: op!(m_ri, $name),
                m_ri_a: op!(m_ri_a, $name),
                x: op!(x, $name),
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
                v.push(form!(stringify!($NAME), "abs", $NAME.abs));
                v.push(form!(stringify!($NAME), "abs_a", $NAME.abs_a));
                v.push(form!(stringify!($NAME), "rr", $NAME.rr));
                v.push(form!(stringify!($NAME), "rr_a", $NAME.rr_a));
                v.push(form!(stringify!($NAME), "ri", $NAME.ri));
                v.push(form!(stringify!($NAME), "ri_a", $NAME.ri_a));
                v.push(form!(stringify!($NAME), "sh", $NAME.sh));
                v.push(form!(stringify!($NAME), "sh_a", $NAME.sh_a));
                v.push(form!(stringify!($NAME), "w", $NAME.w));
                v.push(form!(stringify!($NAME), "w_a", $NAME.w_a));
                v.push(form!(stringify!($NAME), "w_rr", $NAME.w_rr));
                v.push(form!(stringify!($NAME), "w_rr_a", $NAME.w_rr_a));
                v.push(form!(stringify!($NAME), "w_ri", $NAME.w_ri));
                v.push(form!(stringify!($NAME), "w_ri_a", $NAME.w_ri_a));
                v.push(form!(stringify!($NAME), "m", $NAME.m));
                v.push(form!(stringify!($NAME), "m_a", $NAME.m_a));
                v.push(form!(stringify!($NAME), "m_rr", $NAME.m_rr));
                v.push(form!(stringify!($NAME), "m_rr_a", $NAME.m_rr_a));
                v.push(form!(stringify!($NAME), "m_ri", $NAME.m_ri));
                v.push(form!(stringify!($NAME), "m_ri_a", $NAME.m_ri_a));
                v.push(form!(stringify!($NAME), "x", $NAME.x));
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

/// A load (memory 0) from the address an `i32.add` of a constant just computed into a
/// slot, the add done by the same dispatch (see [`AddLoad`]): the forms leave the value in
/// a slot (`r`) or in the accumulator (`r_a`).
/// The accumulator forms of `f32.load` and `f64.load` (memory 0, 32-bit addresses): the
/// value goes to the float accumulator of its type instead of the integer one, for a float
/// operation that takes it at once. A float load is translated as the integer load of its
/// size (`I32_LOAD`/`I64_LOAD`, so that every fusion of loads applies to it); only when it
/// is switched to an accumulator form for a float consumer does it become one of these,
/// which read the same immediates.
#[derive(Clone, Copy)]
pub(crate) struct FloatLoadAcc {
    /// The integer load whose accumulator forms these replace.
    pub int: LoadOp,
    /// The accumulator they write.
    pub class: AccClass,
    pub r_a: Op<Load>,
    pub a_a: Op<Load>,
    pub abs_a: Op<LoadAbs>,
    pub rr_a: Op<LoadRR>,
    pub ri_a: Op<LoadRI>,
    pub sh_a: Op<LoadSh>,
}

impl FloatLoadAcc {
    /// The float twin of the integer load's accumulator form `acc`, if it has one.
    pub(crate) fn twin(&self, acc: AnyOp) -> Option<AnyOp> {
        let int = &self.int;
        [
            (int.r_a.erase(), self.r_a.erase()),
            (int.a_a.erase(), self.a_a.erase()),
            (int.abs_a.erase(), self.abs_a.erase()),
            (int.rr_a.erase(), self.rr_a.erase()),
            (int.ri_a.erase(), self.ri_a.erase()),
            (int.sh_a.erase(), self.sh_a.erase()),
        ]
        .into_iter()
        .find(|(i, _)| i.code == acc.code)
        .map(|(_, f)| f)
    }
}

macro_rules! float_loads {
    ($family:ident; $($name:literal $NAME:ident: $INT:ident, $mem_t:ty, $class:ident, $out:ident;)*) => {
        $(pub(crate) const $NAME: FloatLoadAcc = {
            load_fn!(r_a, Load, $mem_t, $mem_t, |imm, sp, acc| rd::<u32>(sp, imm.addr) as usize + imm.offset as usize, $out);
            load_fn!(a_a, Load, $mem_t, $mem_t, |imm, sp, acc| acc.i as u32 as usize + imm.offset as usize, $out);
            load_fn!(abs_a, LoadAbs, $mem_t, $mem_t, |imm, sp, acc| imm.addr as usize, $out);
            load_fn!(rr_a, LoadRR, $mem_t, $mem_t, |imm, sp, acc| rd::<u32>(sp, imm.a).wrapping_add(rd::<u32>(sp, imm.b)) as usize + imm.offset as usize, $out);
            load_fn!(ri_a, LoadRI, $mem_t, $mem_t, |imm, sp, acc| rd::<u32>(sp, imm.a).wrapping_add(imm.imm) as usize + imm.offset as usize, $out);
            load_fn!(sh_a, LoadSh, $mem_t, $mem_t, |imm, sp, acc| rd::<u32>(sp, imm.idx).wrapping_shl(imm.shift) as usize + imm.offset as usize, $out);
            FloatLoadAcc {
                int: $INT,
                class: AccClass::$class,
                r_a: op!(r_a, $name),
                a_a: op!(a_a, $name),
                abs_a: op!(abs_a, $name),
                rr_a: op!(rr_a, $name),
                ri_a: op!(ri_a, $name),
                sh_a: op!(sh_a, $name),
            }
        };)*
        fn $family() -> Vec<OpInfo> {
            vec![$(
                form!(stringify!($NAME), "r_a", $NAME.r_a),
                form!(stringify!($NAME), "a_a", $NAME.a_a),
                form!(stringify!($NAME), "abs_a", $NAME.abs_a),
                form!(stringify!($NAME), "rr_a", $NAME.rr_a),
                form!(stringify!($NAME), "ri_a", $NAME.ri_a),
                form!(stringify!($NAME), "sh_a", $NAME.sh_a),
            )*]
        }
    };
}

float_loads! { float_load_ops;
    "f32.load" F32_LOAD_ACC: I32_LOAD, u32, F32, f32_acc;
    "f64.load" F64_LOAD_ACC: I64_LOAD, u64, F64, f64_acc;
}

#[derive(Clone, Copy)]
pub(crate) struct AddLoadOp {
    pub r: Op<AddLoad>,
    pub r_a: Op<AddLoad>,
}

macro_rules! add_loads {
    ($family:ident; $($name:literal $NAME:ident: $mem_t:ty => $val_t:ty;)*) => {
        $(pub(crate) const $NAME: AddLoadOp = {
            load_fn!(r, AddLoad, $mem_t, $val_t, |imm, sp, acc| {
                let sum = rd::<u32>(sp, imm.a).wrapping_add(imm.imm);
                wr(sp, imm.sum, sum);
                sum as usize + imm.offset as usize
            }, slot_late);
            load_fn!(r_a, AddLoad, $mem_t, $val_t, |imm, sp, acc| {
                let sum = rd::<u32>(sp, imm.a).wrapping_add(imm.imm);
                wr(sp, imm.sum, sum);
                sum as usize + imm.offset as usize
            }, acc);
            AddLoadOp {
                r: op!(r, $name),
                r_a: op!(r_a, $name),
            }
        };)*
        fn $family() -> Vec<OpInfo> {
            vec![$(
                form!(stringify!($NAME), "r", $NAME.r),
                form!(stringify!($NAME), "r_a", $NAME.r_a),
            )*]
        }
    };
}

// The loads whose pairs with an add of a constant lead the interpreters' profiles
// (QuickJS's `sp[-1]` values).
add_loads! { add_load_ops;
    "i32.add.i32.load" ADD_I32_LOAD: u32 => u32;
    "i32.add.i64.load" ADD_I64_LOAD: u64 => u64;
    "i32.add.i32.load8_u" ADD_I32_LOAD8_U: u8 => u32;
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
                form!(stringify!($NAME), "nez_r", $NAME.nez_r),
                form!(stringify!($NAME), "eqz_r", $NAME.eqz_r),
                form!(stringify!($NAME), "nez_ri", $NAME.nez_ri),
                form!(stringify!($NAME), "eqz_ri", $NAME.eqz_ri),
            ]);)*
            v
        }
    };
    (@form $fname:ident, $L:ty, $mem_t:ty, $nez:literal, |$imm:ident, $sp:ident| $addr:expr) => {
        handler_fn! {
            #[allow(unused_variables, unused_unsafe)]
            unsafe fn $fname(ip, sp, mem, ctx, len, acc) {
                // SAFETY: the translator emits this handler's word only through an `Op<$L>`,
                // followed by the immediates of layout `$L`.
                let $imm: $L = unsafe { *(ip.add(1) as *const $L) };
                let $sp = sp;
                // SAFETY: the address slots the immediates name are inside the frame
                // (translation invariant).
                let ea: usize = unsafe { $addr };
                if out_of_bounds::<$mem_t>(ea, len) {
                    return trap(ctx, ip, TrapCode::MemoryOutOfBounds);
                }
                // SAFETY: `ea + size_of::<$mem_t>() <= len` (checked just above) and
                // `mem..mem + len` is the memory's data (see the module's documentation).
                let v = unsafe { core::ptr::read_unaligned(mem.add(ea) as *const $mem_t) };
                if (v != 0) == $nez {
                    // SAFETY: the translator points `br` at the start of an instruction of
                    // this function.
                    unsafe { jump!(ip.offset($imm.br as isize), sp, mem, len, ctx, acc) }
                }
                // SAFETY: the next instruction starts right after this one's `$L` immediates
                // (see `next!`).
                unsafe { next!($L, ip, sp, mem, len, ctx, acc) }
            }
        }
    };
}

load_brs! { load_br_ops;
    LOAD8_BR "load8" u8;
    LOAD16_BR "load16" u16;
    LOAD32_BR "load32" u32;
}

/// Load-and-branch on a comparison with a constant (a type tag tested: `if (o->tt == k)`):
/// the forms, by condition.
#[derive(Clone, Copy)]
pub(crate) struct LoadCmpBrOp {
    pub eq: Op<LoadBrImm>,
    pub ne: Op<LoadBrImm>,
    pub lt_u: Op<LoadBrImm>,
    pub ge_u: Op<LoadBrImm>,
    pub eq_d: Op<LoadBrImm>,
    pub ne_d: Op<LoadBrImm>,
    pub lt_u_d: Op<LoadBrImm>,
    pub ge_u_d: Op<LoadBrImm>,
}

/// The value is loaded from slot `addr` plus `offset`, zero-extended to `$T` (the
/// comparison's type), written to `dst` by the `_d` forms (a local the program reads
/// again), and compared with `imm` (truncated to `$T`); the branch is taken when the
/// comparison holds.
macro_rules! load_cmp_brs {
    ($family:ident; $($NAME:ident $name:literal $mem_t:ty as $T:ty;)*) => {
        $(pub(crate) const $NAME: LoadCmpBrOp = {
            load_cmp_brs!(@form eq, false, $mem_t, $T, |v, k| v == k);
            load_cmp_brs!(@form ne, false, $mem_t, $T, |v, k| v != k);
            load_cmp_brs!(@form lt_u, false, $mem_t, $T, |v, k| v < k);
            load_cmp_brs!(@form ge_u, false, $mem_t, $T, |v, k| v >= k);
            load_cmp_brs!(@form eq_d, true, $mem_t, $T, |v, k| v == k);
            load_cmp_brs!(@form ne_d, true, $mem_t, $T, |v, k| v != k);
            load_cmp_brs!(@form lt_u_d, true, $mem_t, $T, |v, k| v < k);
            load_cmp_brs!(@form ge_u_d, true, $mem_t, $T, |v, k| v >= k);
            LoadCmpBrOp {
                eq: op!(eq, concat!($name, ".br_if.eq")),
                ne: op!(ne, concat!($name, ".br_if.ne")),
                lt_u: op!(lt_u, concat!($name, ".br_if.lt_u")),
                ge_u: op!(ge_u, concat!($name, ".br_if.ge_u")),
                eq_d: op!(eq_d, concat!($name, ".br_if.eq")),
                ne_d: op!(ne_d, concat!($name, ".br_if.ne")),
                lt_u_d: op!(lt_u_d, concat!($name, ".br_if.lt_u")),
                ge_u_d: op!(ge_u_d, concat!($name, ".br_if.ge_u")),
            }
        };)*
        fn $family() -> Vec<OpInfo> {
            let mut v = Vec::new();
            $(v.extend([
                form!(stringify!($NAME), "eq", $NAME.eq),
                form!(stringify!($NAME), "ne", $NAME.ne),
                form!(stringify!($NAME), "lt_u", $NAME.lt_u),
                form!(stringify!($NAME), "ge_u", $NAME.ge_u),
                form!(stringify!($NAME), "eq_d", $NAME.eq_d),
                form!(stringify!($NAME), "ne_d", $NAME.ne_d),
                form!(stringify!($NAME), "lt_u_d", $NAME.lt_u_d),
                form!(stringify!($NAME), "ge_u_d", $NAME.ge_u_d),
            ]);)*
            v
        }
    };
    (@form $fname:ident, $write:literal, $mem_t:ty, $T:ty, |$v:ident, $k:ident| $holds:expr) => {
        handler_fn! {
            #[allow(unused_variables, unused_unsafe)]
            unsafe fn $fname(ip, sp, mem, ctx, len, acc) {
                // SAFETY: the translator emits this handler's word only through an
                // `Op<LoadBrImm>`, followed by the immediates of that layout.
                let imm: LoadBrImm = unsafe { *(ip.add(1) as *const LoadBrImm) };
                // SAFETY: the address slot is inside the frame (translation invariant).
                let ea = unsafe { rd::<u32>(sp, imm.addr) } as usize + imm.offset as usize;
                if out_of_bounds::<$mem_t>(ea, len) {
                    return trap(ctx, ip, TrapCode::MemoryOutOfBounds);
                }
                // SAFETY: `ea + size_of::<$mem_t>() <= len` (checked just above) and
                // `mem..mem + len` is the memory's data (see the module's documentation).
                let $v = <$mem_t>::from_le(unsafe { core::ptr::read_unaligned(mem.add(ea) as *const $mem_t) }) as $T;
                if $write {
                    // SAFETY: `dst` names a slot inside the frame (translation invariant).
                    unsafe { wr(sp, imm.dst, $v) };
                }
                // The rest is read after the store (see `add_brs!`: read before, it would stay
                // live across it).
                // SAFETY: as for the first read of the immediates.
                let imm: LoadBrImm = unsafe { *(ip.add(1) as *const LoadBrImm) };
                let $k = imm.imm as $T;
                if $holds {
                    // SAFETY: the translator points `br` at the start of an instruction of
                    // this function.
                    unsafe { jump!(ip.offset(imm.br as isize), sp, mem, len, ctx, acc) }
                }
                // SAFETY: the next instruction starts right after this one's `LoadBrImm`
                // immediates (see `next!`).
                unsafe { next!(LoadBrImm, ip, sp, mem, len, ctx, acc) }
            }
        }
    };
}

load_cmp_brs! { load_cmp_br_ops;
    LOAD8_CMP_BR "i32.load8_u" u8 as u32;
    LOAD16_CMP_BR "i32.load16_u" u16 as u32;
    LOAD32_CMP_BR "i32.load" u32 as u32;
    LOAD64_CMP_BR "i64.load" u64 as u64;
}

/// A `br_table` whose index is loaded: the address from a slot (`r`) or the accumulator
/// (`a`), the value zero-extended (or an `i32`) and biased; the `_d` forms also write it
/// to `dst` (a local the program keeps it in).
#[derive(Clone, Copy)]
pub(crate) struct LoadBrTableOp {
    pub r: Op<LoadBrTable>,
    pub a: Op<LoadBrTable>,
    pub r_d: Op<LoadBrTable>,
    pub a_d: Op<LoadBrTable>,
}

macro_rules! load_br_tables {
    ($family:ident, $vias:ident, $header_vias:ident; $($NAME:ident / $VIA:ident / $HVIA:ident $name:literal $mem_t:ty;)*) => {
        $(pub(crate) const $NAME: LoadBrTableOp = {
            load_br_tables!(@form r, at, false, $mem_t, |imm, sp, acc| rd::<u32>(sp, imm.addr));
            load_br_tables!(@form a, at, false, $mem_t, |imm, sp, acc| acc.i as u32);
            load_br_tables!(@form r_d, at, true, $mem_t, |imm, sp, acc| rd::<u32>(sp, imm.addr));
            load_br_tables!(@form a_d, at, true, $mem_t, |imm, sp, acc| acc.i as u32);
            LoadBrTableOp {
                r: op!(r, concat!($name, ".br_table")),
                a: op!(a, concat!($name, ".br_table")),
                r_d: op!(r_d, concat!($name, ".br_table")),
                a_d: op!(a_d, concat!($name, ".br_table")),
            }
        };
        /// The vias of each form (see `via_entry`): a jump to the `br_table` (a loop's
        /// dispatch, reached from the end of every case) runs it in place.
        pub(crate) const $VIA: [Vias; 4] = {
            load_br_tables!(@form r_br, via, false, $mem_t, |imm, sp, acc| rd::<u32>(sp, imm.addr));
            load_br_tables!(@form r_copy_br, via_copy, false, $mem_t, |imm, sp, acc| rd::<u32>(sp, imm.addr));
            load_br_tables!(@form a_br, via, false, $mem_t, |imm, sp, acc| acc.i as u32);
            load_br_tables!(@form a_copy_br, via_copy, false, $mem_t, |imm, sp, acc| acc.i as u32);
            load_br_tables!(@form r_d_br, via, true, $mem_t, |imm, sp, acc| rd::<u32>(sp, imm.addr));
            load_br_tables!(@form r_d_copy_br, via_copy, true, $mem_t, |imm, sp, acc| rd::<u32>(sp, imm.addr));
            load_br_tables!(@form a_d_br, via, true, $mem_t, |imm, sp, acc| acc.i as u32);
            load_br_tables!(@form a_d_copy_br, via_copy, true, $mem_t, |imm, sp, acc| acc.i as u32);
            [
                Vias { br: op!(r_br, concat!("br>", $name, ".br_table"), "r"), copy_br: op!(r_copy_br, concat!("copy.br>", $name, ".br_table"), "r") },
                Vias { br: op!(a_br, concat!("br>", $name, ".br_table"), "a"), copy_br: op!(a_copy_br, concat!("copy.br>", $name, ".br_table"), "a") },
                Vias { br: op!(r_d_br, concat!("br>", $name, ".br_table"), "r_d"), copy_br: op!(r_d_copy_br, concat!("copy.br>", $name, ".br_table"), "r_d") },
                Vias { br: op!(a_d_br, concat!("br>", $name, ".br_table"), "a_d"), copy_br: op!(a_d_copy_br, concat!("copy.br>", $name, ".br_table"), "a_d") },
            ]
        };
        /// The vias of each form over the end of a copied loop header (see
        /// `def_header_via!`).
        pub(crate) const $HVIA: [Op<Copy2AddBr>; 4] = {
            load_br_tables!(@form r_copy2_add_br, via_copy2_add, false, $mem_t, |imm, sp, acc| rd::<u32>(sp, imm.addr));
            load_br_tables!(@form a_copy2_add_br, via_copy2_add, false, $mem_t, |imm, sp, acc| acc.i as u32);
            load_br_tables!(@form r_d_copy2_add_br, via_copy2_add, true, $mem_t, |imm, sp, acc| rd::<u32>(sp, imm.addr));
            load_br_tables!(@form a_d_copy2_add_br, via_copy2_add, true, $mem_t, |imm, sp, acc| acc.i as u32);
            [
                op!(r_copy2_add_br, concat!("copy2.i32.add.br>", $name, ".br_table"), "r"),
                op!(a_copy2_add_br, concat!("copy2.i32.add.br>", $name, ".br_table"), "a"),
                op!(r_d_copy2_add_br, concat!("copy2.i32.add.br>", $name, ".br_table"), "r_d"),
                op!(a_d_copy2_add_br, concat!("copy2.i32.add.br>", $name, ".br_table"), "a_d"),
            ]
        };)*
        fn $header_vias() -> Vec<HeaderVia> {
            let mut v = Vec::new();
            $(
                let targets = [$NAME.r, $NAME.a, $NAME.r_d, $NAME.a_d];
                for i in 0..4 {
                    v.push(HeaderVia {
                        target: targets[i].code,
                        via: $HVIA[i],
                        module: module_path!(),
                        owner: stringify!($HVIA),
                        form: ["r_copy2_add_br", "a_copy2_add_br", "r_d_copy2_add_br", "a_d_copy2_add_br"][i],
                    });
                }
            )*
            v
        }
        fn $family() -> Vec<OpInfo> {
            let mut v = Vec::new();
            $(v.extend([
                form!(stringify!($NAME), "r", $NAME.r),
                form!(stringify!($NAME), "a", $NAME.a),
                form!(stringify!($NAME), "r_d", $NAME.r_d),
                form!(stringify!($NAME), "a_d", $NAME.a_d),
            ]);)*
            v
        }
        /// The load-and-`br_table` forms with their vias.
        fn $vias() -> Vec<Via> {
            let mut v = Vec::new();
            $(
                let targets = [$NAME.r, $NAME.a, $NAME.r_d, $NAME.a_d];
                let forms = [["r_br", "r_copy_br"], ["a_br", "a_copy_br"], ["r_d_br", "r_d_copy_br"], ["a_d_br", "a_d_copy_br"]];
                for i in 0..4 {
                    v.push(Via {
                        target: targets[i].code,
                        vias: $VIA[i],
                        module: module_path!(),
                        owner: stringify!($VIA),
                        forms: forms[i],
                    });
                }
            )*
            v
        }
    };
    (@form $fname:ident, $entry:tt, $write:literal, $mem_t:ty, |$imm:ident, $sp:ident, $acc:ident| $addr:expr) => {
        handler_fn! {
            #[allow(unused_variables, unused_unsafe)]
            unsafe fn $fname(ip, sp, mem, ctx, len, acc) {
                // SAFETY: for a via, `via_entry` moves `ip` to the `br_table` it runs (see
                // there); its slots are inside the frame (translation invariant).
                let (ip, acc) = unsafe {
                    via_entry!($entry, ip, sp, acc);
                    (ip, acc)
                };
                // SAFETY: the translator emits this handler's word (or, for a via, the word
                // of the instruction `ip` now points at) only through an `Op<LoadBrTable>`,
                // followed by the immediates of that layout.
                let $imm: LoadBrTable = unsafe { *(ip.add(1) as *const LoadBrTable) };
                let ($sp, $acc) = (sp, acc);
                // SAFETY: an address slot named by the immediates is inside the frame
                // (translation invariant).
                let ea = unsafe { $addr } as usize + $imm.offset as usize;
                if out_of_bounds::<$mem_t>(ea, len) {
                    return trap(ctx, ip, TrapCode::MemoryOutOfBounds);
                }
                // SAFETY: `ea + size_of::<$mem_t>() <= len` (checked just above) and
                // `mem..mem + len` is the memory's data (see the module's documentation).
                let v = <$mem_t>::from_le(unsafe { core::ptr::read_unaligned(mem.add(ea) as *const $mem_t) }) as u32;
                if $write {
                    // SAFETY: `dst` names a slot inside the frame (translation invariant).
                    unsafe { wr(sp, $imm.dst, v) };
                }
                // The rest is read after the store (see `add_brs!`: read before, it would stay
                // live across it).
                // SAFETY: as for the first read of the immediates.
                let $imm: LoadBrTable = unsafe { *(ip.add(1) as *const LoadBrTable) };
                let i = v.wrapping_add($imm.bias as u32).min($imm.len) as usize;
                // SAFETY: the translator emits `len + 1` offset words right after the
                // immediates, and `i <= len`; each is sealed (`CodeBuf::seal_tables`):
                // its target starts an instruction of this function, whose handler it holds.
                unsafe {
                    // (As `and_shl_load_br_tables!` does: the loaded value goes on.)
                    table_jump!(ip, *ip.add(words::<LoadBrTable>() + i), sp, mem, len, ctx, v.pass_on(acc))
                }
            }
        }
    };
}

load_br_tables! { load_br_table_ops, load_br_table_vias, load_br_table_header_vias;
    LOAD8_BR_TABLE / VIA_LOAD8_BR_TABLE / HEADER_VIA_LOAD8_BR_TABLE "i32.load8_u" u8;
    LOAD16_BR_TABLE / VIA_LOAD16_BR_TABLE / HEADER_VIA_LOAD16_BR_TABLE "i32.load16_u" u16;
    LOAD32_BR_TABLE / VIA_LOAD32_BR_TABLE / HEADER_VIA_LOAD32_BR_TABLE "i32.load" u32;
}

/// The [`Via`]s of `def_via!` instructions `NAME / VIA, ...` of this module.
macro_rules! via_list {
    ($($NAME:ident / $VIA:ident),*) => {
        vec![$(Via {
            target: $NAME.code,
            vias: $VIA,
            module: module_path!(),
            owner: stringify!($VIA),
            forms: ["br", "copy_br"],
        }),*]
    };
}

/// The [`HeaderVia`]s of `def_header_via!` instructions `NAME / HEADER_VIA, ...` of this
/// module.
macro_rules! header_via_list {
    ($($NAME:ident / $HVIA:ident),*) => {
        vec![$(HeaderVia {
            target: $NAME.code,
            via: $HVIA,
            module: module_path!(),
            owner: stringify!($HVIA),
            form: "copy2_add_br",
        }),*]
    };
}

/// A constant stored just before a load-and-`br_table` whose address is a slot
/// ([`LOAD8_BR_TABLE`]'s `r` forms): the phi value a compiler sets before jumping to an
/// interpreter's dispatch (QuickJS's head stores one before `switch (*pc++)`), folded in
/// to save its dispatch on every opcode. The `_D` forms also write the loaded value to
/// `dst`. The constant is stored first, as the program does, so a load whose address or
/// destination is that slot sees what it would have seen.
macro_rules! const_load_br_tables {
    ($($NAME:ident / $VIA:ident / $HVIA:ident $name:literal $mem_t:ty, $write:literal;)*) => {
        $(def_header_via!($NAME, $VIA, $HVIA: ConstLoadBrTable, $name, |imm, ip, sp, mem, len, ctx, acc| {
            wr(sp, imm.cdst, imm.val);
            // The rest of the immediates is read after the store (see `add_brs!`: read
            // before, it would stay live across it).
            // SAFETY: as for the first read of the immediates (`def!`).
            let imm = unsafe { *(ip.add(1) as *const ConstLoadBrTable) };
            let ea = rd::<u32>(sp, imm.addr) as usize + imm.offset as usize;
            if out_of_bounds::<$mem_t>(ea, len) {
                return trap(ctx, ip, TrapCode::MemoryOutOfBounds);
            }
            // SAFETY: `ea + size_of::<$mem_t>() <= len` (checked just above) and
            // `mem..mem + len` is the memory's data (see the module's documentation).
            let v = <$mem_t>::from_le(unsafe { core::ptr::read_unaligned(mem.add(ea) as *const $mem_t) }) as u32;
            if $write {
                wr(sp, imm.dst, v);
            }
            // SAFETY: as for the first read of the immediates.
            let imm = unsafe { *(ip.add(1) as *const ConstLoadBrTable) };
            let i = v.wrapping_add(imm.bias as u32).min(imm.len) as usize;
            // SAFETY: the translator emits `len + 1` offset words right after the
            // immediates, and `i <= len`; each is sealed (`CodeBuf::seal_tables`): its
            // target starts an instruction of this function, whose handler it holds.
            let entry = unsafe { *ip.add(words::<ConstLoadBrTable>() + i) };
            // (As `and_shl_load_br_tables!` does: the loaded value goes on.)
            table_jump!(ip, entry, sp, mem, len, ctx, v.pass_on(acc))
        });)*
        fn const_load_br_table_ops() -> Vec<OpInfo> {
            info!($($NAME: ConstLoadBrTable),*)
        }
        fn const_load_br_table_vias() -> Vec<Via> {
            via_list!($($NAME / $VIA),*)
        }
        fn const_load_br_table_header_vias() -> Vec<HeaderVia> {
            header_via_list!($($NAME / $HVIA),*)
        }
    };
}

const_load_br_tables! {
    CONST_LOAD8_BR_TABLE / VIA_CONST_LOAD8_BR_TABLE / HEADER_VIA_CONST_LOAD8_BR_TABLE "const.i32.load8_u.br_table" u8, false;
    CONST_LOAD8_BR_TABLE_D / VIA_CONST_LOAD8_BR_TABLE_D / HEADER_VIA_CONST_LOAD8_BR_TABLE_D "const.i32.load8_u.br_table" u8, true;
    CONST_LOAD16_BR_TABLE / VIA_CONST_LOAD16_BR_TABLE / HEADER_VIA_CONST_LOAD16_BR_TABLE "const.i32.load16_u.br_table" u16, false;
    CONST_LOAD16_BR_TABLE_D / VIA_CONST_LOAD16_BR_TABLE_D / HEADER_VIA_CONST_LOAD16_BR_TABLE_D "const.i32.load16_u.br_table" u16, true;
    CONST_LOAD32_BR_TABLE / VIA_CONST_LOAD32_BR_TABLE / HEADER_VIA_CONST_LOAD32_BR_TABLE "const.i32.load.br_table" u32, false;
    CONST_LOAD32_BR_TABLE_D / VIA_CONST_LOAD32_BR_TABLE_D / HEADER_VIA_CONST_LOAD32_BR_TABLE_D "const.i32.load.br_table" u32, true;
}

/// The dispatch of an `and_shl` load-and-`br_table` (see [`and_shl_load_br_tables!`]) on
/// the opcode word `$a`: `$imm` is the instruction's immediates, read at `$ip`.
macro_rules! and_shl_dispatch {
    ($mem_t:ty, $write:literal, $a:expr, $imm:ident, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // (A 32-bit address: the `and_shl` wraps, the offset is added in 64 bits.)
        let ea = ($a & $imm.mask).wrapping_shl($imm.shift) as usize + $imm.offset as usize;
        if out_of_bounds::<$mem_t>(ea, $len) {
            return trap($ctx, $ip, TrapCode::MemoryOutOfBounds);
        }
        // SAFETY: `ea + size_of::<$mem_t>() <= len` (checked just above) and
        // `mem..mem + len` is the memory's data (see the module's documentation).
        let raw = unsafe { core::ptr::read_unaligned($mem.add(ea) as *const $mem_t) };
        let v = <$mem_t>::from_le(raw) as u32;
        if $write {
            // SAFETY: `dst` names a slot inside the frame (translation invariant).
            unsafe { wr($sp, $imm.dst, v) };
            // The rest of the immediates is read after the store (see `add_brs!`).
        }
        // SAFETY: the immediates of the instruction at `$ip` (as for their first read).
        let $imm = unsafe { *($ip.add(1) as *const AndShlLoadBrTable) };
        let i = v.wrapping_add($imm.bias as u32).min($imm.len) as usize;
        // SAFETY: the translator emits `len + 1` offset words right after the
        // immediates, and `i <= len`; each is sealed (`CodeBuf::seal_tables`): its
        // target starts an instruction of this function, whose handler it holds.
        let entry = unsafe { *$ip.add(words::<AndShlLoadBrTable>() + i) };
        // (A branch's target reads no accumulator: the loaded value goes on instead of
        // the incoming one, which frees `rcx` for the shift count.)
        table_jump!($ip, entry, $sp, $mem, $len, $ctx, v.pass_on($acc))
    }};
}

/// A load-and-`br_table` whose address is `(a & mask) << shift` (see
/// [`AndShlLoadBrTable`]): the `i32.and_shl` that computes a table entry's address from an
/// opcode field, folded in to save its dispatch on every opcode. The `_D` forms also write
/// the loaded value to `dst`.
///
/// Each has a fourth form besides its vias, `$LVIA`: an `i32.load` (address from a slot)
/// right before a via over a `br` to the dispatch, loading the word the dispatch reads
/// (its `dst` is the dispatch's `a`). That is the end of each case of Lua's loop, a copy
/// of its header (`i = *pc; switch (GET_OPCODE(i))`, see
/// `FuncTranslator::copied_dispatch`). The form saves the via's own dispatch, and hands
/// the word to the dispatch in a register instead of through its slot.
/// `FuncTranslator::fuse_load_via` writes it over the load's handler word and nothing
/// else: the `br` after the load stays whole, so a jump to it still runs the via alone.
macro_rules! and_shl_load_br_tables {
    ($($NAME:ident / $VIA:ident / $HVIA:ident / $LVIA:ident $name:literal $mem_t:ty, $write:literal;)*) => {
        $(def_header_via!($NAME, $VIA, $HVIA: AndShlLoadBrTable, $name, |imm, ip, sp, mem, len, ctx, acc| {
            and_shl_dispatch!($mem_t, $write, rd::<u32>(sp, imm.a), imm, ip, sp, mem, len, ctx, acc)
        });
        def!($LVIA: Load, concat!("i32.load.br>", $name), |imm, ip, sp, mem, len, ctx, acc| {
            let ea = rd::<u32>(sp, imm.addr) as usize + imm.offset as usize;
            if out_of_bounds::<u32>(ea, len) {
                return trap(ctx, ip, TrapCode::MemoryOutOfBounds);
            }
            // SAFETY: `ea + 4 <= len` (checked just above) and `mem..mem + len` is the
            // memory's data (see the module's documentation).
            let word = u32::from_le(unsafe { core::ptr::read_unaligned(mem.add(ea) as *const u32) });
            wr(sp, imm.dst, word);
            // SAFETY: `fuse_load_via` writes this handler only over a load (layout `Load`)
            // followed, with no word between, by a via over a `br` (layout `Br`) whose
            // target is a `$NAME` reading the load's `dst` as its `a`. `ip` moves to that
            // target, as the via's would.
            let ip: Ip = opaque({
                let br = ip.add(words::<Load>());
                br.offset((*(br.add(1) as *const Br)).offset as isize)
            });
            // SAFETY: the instruction at `ip` is a `$NAME` (just above), emitted through an
            // `Op<AndShlLoadBrTable>`.
            let imm = unsafe { *(ip.add(1) as *const AndShlLoadBrTable) };
            and_shl_dispatch!($mem_t, $write, word, imm, ip, sp, mem, len, ctx, acc)
        });)*
        /// Each `and_shl` dispatch and its load-and-via form (see `and_shl_load_br_tables!`).
        pub(crate) const AND_SHL_LOAD_VIAS: [(Op<AndShlLoadBrTable>, Op<Load>); 6] = [$(($NAME, $LVIA)),*];
        fn and_shl_load_br_table_ops() -> Vec<OpInfo> {
            info!($($NAME: AndShlLoadBrTable,)* $($LVIA: Load),*)
        }
        fn and_shl_load_br_table_vias() -> Vec<Via> {
            via_list!($($NAME / $VIA),*)
        }
        fn and_shl_load_br_table_header_vias() -> Vec<HeaderVia> {
            header_via_list!($($NAME / $HVIA),*)
        }
    };
}

and_shl_load_br_tables! {
    AND_SHL_LOAD8_BR_TABLE / VIA_AND_SHL_LOAD8_BR_TABLE / HEADER_VIA_AND_SHL_LOAD8_BR_TABLE / LOAD_VIA_AND_SHL_LOAD8_BR_TABLE "and_shl.i32.load8_u.br_table" u8, false;
    AND_SHL_LOAD8_BR_TABLE_D / VIA_AND_SHL_LOAD8_BR_TABLE_D / HEADER_VIA_AND_SHL_LOAD8_BR_TABLE_D / LOAD_VIA_AND_SHL_LOAD8_BR_TABLE_D "and_shl.i32.load8_u.br_table" u8, true;
    AND_SHL_LOAD16_BR_TABLE / VIA_AND_SHL_LOAD16_BR_TABLE / HEADER_VIA_AND_SHL_LOAD16_BR_TABLE / LOAD_VIA_AND_SHL_LOAD16_BR_TABLE "and_shl.i32.load16_u.br_table" u16, false;
    AND_SHL_LOAD16_BR_TABLE_D / VIA_AND_SHL_LOAD16_BR_TABLE_D / HEADER_VIA_AND_SHL_LOAD16_BR_TABLE_D / LOAD_VIA_AND_SHL_LOAD16_BR_TABLE_D "and_shl.i32.load16_u.br_table" u16, true;
    AND_SHL_LOAD32_BR_TABLE / VIA_AND_SHL_LOAD32_BR_TABLE / HEADER_VIA_AND_SHL_LOAD32_BR_TABLE / LOAD_VIA_AND_SHL_LOAD32_BR_TABLE "and_shl.i32.load.br_table" u32, false;
    AND_SHL_LOAD32_BR_TABLE_D / VIA_AND_SHL_LOAD32_BR_TABLE_D / HEADER_VIA_AND_SHL_LOAD32_BR_TABLE_D / LOAD_VIA_AND_SHL_LOAD32_BR_TABLE_D "and_shl.i32.load.br_table" u32, true;
}

/// The dispatches that have a via over the end of a copied loop header.
pub(super) fn header_vias() -> Vec<HeaderVia> {
    let mut v = load_br_table_header_vias();
    v.extend(const_load_br_table_header_vias());
    v.extend(and_shl_load_br_table_header_vias());
    v
}

/// The instructions of this family that have vias, with their vias.
pub(super) fn vias() -> Vec<Via> {
    let mut v = load_br_table_vias();
    v.extend(const_load_br_table_vias());
    v.extend(and_shl_load_br_table_vias());
    v
}

/// Every form of one store: address from a slot, the accumulator (`a_`) or a constant
/// (`abs`); value from a slot, the accumulator (`_va`) or an immediate (`imm`).
#[derive(Clone, Copy)]
pub(crate) struct StoreOp {
    /// The access's size in bytes.
    pub size: u32,
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
    /// Memory 0 with 64-bit addresses: address and value from slots, the value from the
    /// accumulator (`w_va`) or an immediate.
    pub w_rr: Op<Store>,
    pub w_va: Op<Store>,
    pub w_imm: Op<StoreImm>,
    /// Memory 0 with 64-bit addresses, address `a + b` (an `i64.add` folded in), value
    /// from a slot or the accumulator.
    pub w_sum_r: Op<StoreSum>,
    pub w_sum_va: Op<StoreSum>,
    /// Another memory with 32-bit addresses: value from a slot, the accumulator (`m_va`)
    /// or an immediate.
    pub m_rr: Op<StoreM>,
    pub m_va: Op<StoreM>,
    pub m_imm: Op<StoreMImm>,
    /// Another memory with 32-bit addresses, address `a + b` (an `i32.add` folded in),
    /// value from a slot or the accumulator.
    pub m_sum_r: Op<StoreMSum>,
    pub m_sum_va: Op<StoreMSum>,
    /// Any memory, 32- or 64-bit addresses (see the module's documentation).
    pub x: Op<StoreX>,
}

macro_rules! store_fn {
    ($fname:ident, $L:ty, $mem_t:ty, |$imm:ident, $sp:ident, $acc:ident| ($addr:expr, $val:expr)) => {
        store_fn!(
            $fname,
            $L,
            $mem_t,
            |$imm, $sp, $acc| ($addr, $val),
            |ctx, mem, len| (mem, len)
        );
    };
    ($fname:ident, $L:ty, $mem_t:ty, |$imm:ident, $sp:ident, $acc:ident| ($addr:expr, $val:expr), |$c:ident, $m:ident, $l:ident| $memory:expr) => {
        store_fn!(
            $fname,
            $L,
            $mem_t,
            |$imm, $sp, $acc| ($addr, $val),
            |$c, $m, $l, ip| $memory
        );
    };
    // `$memory`: as for `load_fn!`; it may read the instruction pointer as `$i`.
    ($fname:ident, $L:ty, $mem_t:ty, |$imm:ident, $sp:ident, $acc:ident| ($addr:expr, $val:expr), |$c:ident, $m:ident, $l:ident, $i:ident| $memory:expr) => {
        handler_fn! {
            #[allow(unused_variables, unused_unsafe)]
            unsafe fn $fname(ip, sp, mem, ctx, len, acc) {
                // SAFETY: the translator emits this handler's word only through an `Op<$L>`,
                // followed by the immediates of layout `$L`.
                let $imm: $L = unsafe { *(ip.add(1) as *const $L) };
                let ($sp, $acc) = (sp, acc);
                // SAFETY: the address slots the immediates name are inside the frame
                // (translation invariant).
                let ea: usize = unsafe { $addr };
                let ($c, $m, $l, $i) = (&*ctx, mem, len, ip);
                // SAFETY: as in `load_fn!`.
                let (base, bytes): (Mem, usize) = unsafe { $memory };
                if out_of_bounds::<$mem_t>(ea, bytes) {
                    return trap(ctx, ip, TrapCode::MemoryOutOfBounds);
                }
                // SAFETY: the value slot, if any, is inside the frame (translation invariant).
                let v: u64 = unsafe { $val };
                // SAFETY: `ea + size_of::<$mem_t>() <= bytes` (checked just above) and
                // `base..base + bytes` is the memory's data (see the module's documentation),
                // which nothing else borrows while Wasm code runs.
                unsafe {
                    core::ptr::write_unaligned(base.add(ea) as *mut $mem_t, (v as $mem_t).to_le())
                };
                // SAFETY: the next instruction starts right after this one's `$L` immediates
                // (see `next!`).
                unsafe { next!($L, ip, sp, mem, len, ctx, acc) }
            }
        }
    };
}

/// One store handler of the `w` forms: `$addr` computes the 64-bit address (the offset not
/// added: see [`wide_at`]), `$val` the value.
macro_rules! store_w_fn {
    ($fname:ident, $L:ty, $mem_t:ty, |$imm:ident, $sp:ident, $acc:ident| ($addr:expr, $val:expr)) => {
        handler_fn! {
            #[allow(unused_variables, unused_unsafe)]
            unsafe fn $fname(ip, sp, mem, ctx, len, acc) {
                // SAFETY: the translator emits this handler's word only through an `Op<$L>`,
                // followed by the immediates of layout `$L`.
                let $imm: $L = unsafe { *(ip.add(1) as *const $L) };
                let ($sp, $acc) = (sp, acc);
                // SAFETY: the address slot is inside the frame (translation invariant).
                let addr: u64 = unsafe { $addr };
                let Some(at) = wide_at::<$mem_t>(mem, len, addr, $imm.offset) else {
                    return trap(ctx, ip, TrapCode::MemoryOutOfBounds);
                };
                // SAFETY: the value slot, if any, is inside the frame (translation invariant).
                let v: u64 = unsafe { $val };
                // SAFETY: `wide_at` checked that the access's bytes at `at` are in memory 0
                // (see the module's documentation), which nothing else borrows while Wasm code
                // runs.
                unsafe { core::ptr::write_unaligned(at as *mut $mem_t, (v as $mem_t).to_le()) };
                // SAFETY: the next instruction starts right after this one's `$L` immediates
                // (see `next!`).
                unsafe { next!($L, ip, sp, mem, len, ctx, acc) }
            }
        }
    };
}

/// The `memory` field of the immediates (layout `$L`) at `$ip`, read only once the address
/// is computed, as `dst_after!` does for `dst`: read at the start with the other
/// immediates, it keeps one more register busy, and the `m_sum` stores (five immediates)
/// then save one on every run.
macro_rules! memory_after {
    ($ip:ident, $L:ty) => {{
        core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
        // SAFETY: the translator emits this handler's word only through an `Op<$L>`,
        // followed by the immediates of layout `$L`.
        unsafe { (*($ip.add(1) as *const $L)).memory }
    }};
}

macro_rules! stores {
    ($family:ident; $($name:literal $NAME:ident: $mem_t:ty;)*) => {
        $(pub(crate) const $NAME: StoreOp = {
            store_fn!(rr, Store, $mem_t, |imm, sp, acc| (rd::<u32>(sp, imm.addr) as usize + imm.offset as usize, rd::<u64>(sp, imm.src)));
            store_fn!(r_va, Store, $mem_t, |imm, sp, acc| (rd::<u32>(sp, imm.addr) as usize + imm.offset as usize, acc.i));
            store_fn!(a_r, Store, $mem_t, |imm, sp, acc| (acc.i as u32 as usize + imm.offset as usize, rd::<u64>(sp, imm.src)));
            store_fn!(imm, StoreImm, $mem_t, |imm, sp, acc| (rd::<u32>(sp, imm.addr) as usize + imm.offset as usize, imm.val));
            store_fn!(a_imm, StoreImm, $mem_t, |imm, sp, acc| (acc.i as u32 as usize + imm.offset as usize, imm.val));
            store_fn!(abs, StoreAbs, $mem_t, |imm, sp, acc| (imm.addr as usize, rd::<u64>(sp, imm.src)));
            store_fn!(abs_va, StoreAbs, $mem_t, |imm, sp, acc| (imm.addr as usize, acc.i));
            store_fn!(sum_r, StoreSum, $mem_t, |imm, sp, acc| (rd::<u32>(sp, imm.a).wrapping_add(rd::<u32>(sp, imm.b)) as usize + imm.offset as usize, rd::<u64>(sp, imm.src)));
            store_fn!(sum_va, StoreSum, $mem_t, |imm, sp, acc| (rd::<u32>(sp, imm.a).wrapping_add(rd::<u32>(sp, imm.b)) as usize + imm.offset as usize, acc.i));
            store_w_fn!(w_rr, Store, $mem_t, |imm, sp, acc| (rd::<u64>(sp, imm.addr), rd::<u64>(sp, imm.src)));
            store_w_fn!(w_va, Store, $mem_t, |imm, sp, acc| (rd::<u64>(sp, imm.addr), acc.i));
            store_w_fn!(w_imm, StoreImm, $mem_t, |imm, sp, acc| (rd::<u64>(sp, imm.addr), imm.val));
            store_w_fn!(w_sum_r, StoreSum, $mem_t, |imm, sp, acc| (rd::<u64>(sp, imm.a).wrapping_add(rd::<u64>(sp, imm.b)), rd::<u64>(sp, imm.src)));
            store_w_fn!(w_sum_va, StoreSum, $mem_t, |imm, sp, acc| (rd::<u64>(sp, imm.a).wrapping_add(rd::<u64>(sp, imm.b)), acc.i));
            store_fn!(m_rr, StoreM, $mem_t, |imm, sp, acc| (rd::<u32>(sp, imm.addr) as usize + imm.offset as usize, rd::<u64>(sp, imm.src)), |c, mem, len| memory_n(c, imm.memory));
            store_fn!(m_sum_r, StoreMSum, $mem_t, |imm, sp, acc| (rd::<u32>(sp, imm.a).wrapping_add(rd::<u32>(sp, imm.b)) as usize + imm.offset as usize, rd::<u64>(sp, imm.src)), |c, mem, len, ip| memory_n(c, memory_after!(ip, StoreMSum)));
            store_fn!(m_sum_va, StoreMSum, $mem_t, |imm, sp, acc| (rd::<u32>(sp, imm.a).wrapping_add(rd::<u32>(sp, imm.b)) as usize + imm.offset as usize, acc.i), |c, mem, len, ip| memory_n(c, memory_after!(ip, StoreMSum)));
            store_fn!(m_va, StoreM, $mem_t, |imm, sp, acc| (rd::<u32>(sp, imm.addr) as usize + imm.offset as usize, acc.i), |c, mem, len| memory_n(c, imm.memory));
            store_fn!(m_imm, StoreMImm, $mem_t, |imm, sp, acc| (rd::<u32>(sp, imm.addr) as usize + imm.offset as usize, imm.val), |c, mem, len| memory_n(c, imm.memory));
            store_x_fn!($mem_t);
            StoreOp {
                size: core::mem::size_of::<$mem_t>() as u32,
                rr: op!(rr, $name),
                r_va: op!(r_va, $name),
                a_r: op!(a_r, $name),
                imm: op!(imm, $name),
                a_imm: op!(a_imm, $name),
                abs: op!(abs, $name),
                abs_va: op!(abs_va, $name),
                sum_r: op!(sum_r, $name),
                sum_va: op!(sum_va, $name),
                w_rr: op!(w_rr, $name),
                w_va: op!(w_va, $name),
                w_imm: op!(w_imm, $name),
                w_sum_r: op!(w_sum_r, $name),
                w_sum_va: op!(w_sum_va, $name),
                m_rr: op!(m_rr, $name),
                m_va: op!(m_va, $name),
                m_imm: op!(m_imm, $name),
                m_sum_r: op!(m_sum_r, $name),
                m_sum_va: op!(m_sum_va, $name),
                x: op!(x, $name),
            }
        };)*
        #[allow(clippy::vec_init_then_push)]
        fn $family() -> Vec<OpInfo> {
            let mut v = Vec::new();
            $(
                v.push(form!(stringify!($NAME), "rr", $NAME.rr));
                v.push(form!(stringify!($NAME), "r_va", $NAME.r_va));
                v.push(form!(stringify!($NAME), "a_r", $NAME.a_r));
                v.push(form!(stringify!($NAME), "imm", $NAME.imm));
                v.push(form!(stringify!($NAME), "a_imm", $NAME.a_imm));
                v.push(form!(stringify!($NAME), "abs", $NAME.abs));
                v.push(form!(stringify!($NAME), "abs_va", $NAME.abs_va));
                v.push(form!(stringify!($NAME), "sum_r", $NAME.sum_r));
                v.push(form!(stringify!($NAME), "sum_va", $NAME.sum_va));
                v.push(form!(stringify!($NAME), "w_rr", $NAME.w_rr));
                v.push(form!(stringify!($NAME), "w_va", $NAME.w_va));
                v.push(form!(stringify!($NAME), "w_imm", $NAME.w_imm));
                v.push(form!(stringify!($NAME), "w_sum_r", $NAME.w_sum_r));
                v.push(form!(stringify!($NAME), "w_sum_va", $NAME.w_sum_va));
                v.push(form!(stringify!($NAME), "m_rr", $NAME.m_rr));
                v.push(form!(stringify!($NAME), "m_va", $NAME.m_va));
                v.push(form!(stringify!($NAME), "m_imm", $NAME.m_imm));
                v.push(form!(stringify!($NAME), "m_sum_r", $NAME.m_sum_r));
                v.push(form!(stringify!($NAME), "m_sum_va", $NAME.m_sum_va));
                v.push(form!(stringify!($NAME), "x", $NAME.x));
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

/// The forms of `f32.store` and `f64.store` (memory 0, 32-bit addresses) that take the
/// value from the float accumulator of its type: a float result stored at once
/// (`a[i] = x * y`). Otherwise a float store is the integer store of its size
/// (`STORE32`/`STORE64`), value from a slot or, as bits, the integer accumulator.
#[derive(Clone, Copy)]
pub(crate) struct FloatStoreAcc {
    /// The integer store of the same size.
    pub int: StoreOp,
    /// The accumulator the value comes from.
    pub class: AccClass,
    /// Address from a slot.
    pub r_va: Op<Store>,
    /// A constant address.
    pub abs_va: Op<StoreAbs>,
}

macro_rules! float_stores {
    ($family:ident; $($name:literal $NAME:ident: $INT:ident, $mem_t:ty, $class:ident, |$a:ident| $bits:expr;)*) => {
        $(pub(crate) const $NAME: FloatStoreAcc = {
            store_fn!(r_va, Store, $mem_t, |imm, sp, acc| (rd::<u32>(sp, imm.addr) as usize + imm.offset as usize, { let $a = acc; $bits }));
            store_fn!(abs_va, StoreAbs, $mem_t, |imm, sp, acc| (imm.addr as usize, { let $a = acc; $bits }));
            FloatStoreAcc {
                int: $INT,
                class: AccClass::$class,
                r_va: op!(r_va, $name),
                abs_va: op!(abs_va, $name),
            }
        };)*
        fn $family() -> Vec<OpInfo> {
            vec![$(
                form!(stringify!($NAME), "r_va", $NAME.r_va),
                form!(stringify!($NAME), "abs_va", $NAME.abs_va),
            )*]
        }
    };
}

float_stores! { float_store_ops;
    "f32.store" F32_STORE_ACC: STORE32, u32, F32, |a| a.s.to_bits() as u64;
    "f64.store" F64_STORE_ACC: STORE64, u64, F64, |a| a.f.to_bits();
}

/// The pointer of a [`LoadLoad`], read with its bounds checked first, as the first load
/// would; the out-of-bounds trap otherwise.
macro_rules! load_pointer {
    ($imm:ident, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident) => {{
        let first = rd::<u32>($sp, $imm.addr) as usize + $imm.inner as usize;
        if $crate::exec::ops::memory::out_of_bounds::<u32>(first, $len) {
            return trap($ctx, $ip, TrapCode::MemoryOutOfBounds);
        }
        // SAFETY: `first + 4 <= len` (checked just above), in memory 0's data.
        let p = u32::from_le(unsafe { core::ptr::read_unaligned($mem.add(first) as *const u32) });
        let ea = p as usize + $imm.offset as usize;
        if $crate::exec::ops::memory::out_of_bounds::<u32>(ea, $len) {
            return trap($ctx, $ip, TrapCode::MemoryOutOfBounds);
        }
        // SAFETY: `ea + 4 <= len` (checked just above), in memory 0's data.
        u32::from_le(unsafe { core::ptr::read_unaligned($mem.add(ea) as *const u32) })
    }};
}
// (For the pairs that start with a `LoadLoad`, too.)
pub(super) use load_pointer;

def!(LOAD_LOAD32: LoadLoad, "i32.load.i32.load", |imm, ip, sp, mem, len, ctx, acc| {
    let v = load_pointer!(imm, ip, sp, mem, len, ctx);
    wr(sp, imm.dst, v);
    let acc = Cell::pass_on(v, acc);
    next!(LoadLoad, ip, sp, mem, len, ctx, acc)
});

def!(LOAD_LOAD32_A: LoadLoad, "i32.load.i32.load", |imm, ip, sp, mem, len, ctx, acc| {
    let v = load_pointer!(imm, ip, sp, mem, len, ctx);
    let acc = acc.with_i(Cell::to_cell(v));
    next!(LoadLoad, ip, sp, mem, len, ctx, acc)
});

/// An `i32.store` of the sum an `i32.add` of a constant just computed (see [`AddStore`]):
/// `r` adds to a slot (`p->n = x + 1`), `a` to the accumulator, where a value just loaded
/// waits (`p->n += 1`, a reference count's increment, is then the load and this).
#[derive(Clone, Copy)]
pub(crate) struct AddStoreOp {
    pub r: Op<AddStore>,
    pub a: Op<AddStore>,
}

pub(crate) const ADD_STORE32: AddStoreOp = {
    store_fn!(r, AddStore, u32, |imm, sp, acc| (
        rd::<u32>(sp, imm.addr) as usize + imm.offset as usize,
        rd::<u32>(sp, imm.a).wrapping_add(imm.imm) as u64
    ));
    store_fn!(a, AddStore, u32, |imm, sp, acc| (
        rd::<u32>(sp, imm.addr) as usize + imm.offset as usize,
        (acc.i as u32).wrapping_add(imm.imm) as u64
    ));
    AddStoreOp {
        r: op!(r, "i32.add.store32"),
        a: op!(a, "i32.add.store32"),
    }
};

/// A load whose value only a store of the same size takes (memory 0, addresses in
/// slots): the bytes are copied, one dispatch instead of two (an `i32.load8_u` or
/// `_s` and an `i32.store8` copy one byte whatever the extension between). The load's
/// bounds are checked first, as the program would.
macro_rules! load_stores {
    ($($NAME:ident $name:literal $t:ty;)*) => {
        $(def!($NAME: LoadStore, $name, |imm, ip, sp, mem, len, ctx, acc| {
            let from = rd::<u32>(sp, imm.from) as usize + imm.from_offset as usize;
            if out_of_bounds::<$t>(from, len) {
                return trap(ctx, ip, TrapCode::MemoryOutOfBounds);
            }
            // SAFETY: `from + size_of::<$t>() <= len` (checked just above) and
            // `mem..mem + len` is the memory's data (see the module's documentation).
            let v = unsafe { core::ptr::read_unaligned(mem.add(from) as *const $t) };
            let to = rd::<u32>(sp, imm.to) as usize + imm.to_offset as usize;
            if out_of_bounds::<$t>(to, len) {
                return trap(ctx, ip, TrapCode::MemoryOutOfBounds);
            }
            // SAFETY: `to + size_of::<$t>() <= len` (checked just above), as for the load.
            unsafe { core::ptr::write_unaligned(mem.add(to) as *mut $t, v) };
            next!(LoadStore, ip, sp, mem, len, ctx, acc)
        });)*
        fn load_store_ops() -> Vec<OpInfo> {
            info!($($NAME: LoadStore),*)
        }
    };
}

load_stores! {
    LOAD_STORE32 "i32.load.store32" u32;
    LOAD_STORE64 "i64.load.store64" u64;
    LOAD_STORE8 "i32.load8.store8" u8;
    LOAD_STORE16 "i32.load16.store16" u16;
}

def!(MEMORY_SIZE: MemSize, "memory.size", |imm, ip, sp, mem, len, ctx, acc| {
    wr(sp, imm.dst, (len / crate::runtime::PAGE_SIZE) as u32);
    next!(MemSize, ip, sp, mem, len, ctx, acc)
});

def!(MEMORY_GROW: MemGrow, "memory.grow", |imm, ip, sp, mem, len, ctx, acc| {
    let delta = rd::<u32>(sp, imm.delta);
    let old = crate::exec::bulk::grow_memory(ctx, delta as u64);
    wr(sp, imm.dst, old.map_or(-1i32, |p| p as i32));
    // Growing may have moved the memory: the registers are reloaded (see the module's
    // documentation).
    let (mem, len) = ctx.mem_regs();
    next!(MemGrow, ip, sp, mem, len, ctx, acc)
});

def!(MEMORY_SIZE_X: MemSize, "memory.size", |imm, ip, sp, mem, len, ctx, acc| {
    // Any memory, any page size: the size in pages, an `i32` or an `i64` (both fit a cell
    // as a zero-extended u64: a 32-bit memory has fewer than 2^32 pages).
    // SAFETY: the running instance's memory pointers are live; validation proved the index.
    let inst: &crate::runtime::InstanceEntity = &*ctx.inst;
    let m: &crate::runtime::MemoryEntity = &**inst.memories.get_unchecked(imm.memory as usize);
    wr(sp, imm.dst, m.pages());
    next!(MemSize, ip, sp, mem, len, ctx, acc)
});

def!(MEMORY_GROW_X: MemGrow, "memory.grow", |imm, ip, sp, mem, len, ctx, acc| {
    // SAFETY: as for `MEMORY_SIZE_X`.
    let inst: &crate::runtime::InstanceEntity = &*ctx.inst;
    let m = *inst.memories.get_unchecked(imm.memory as usize);
    let is64 = (&*m).ty.is_64();
    let delta = if is64 { rd::<u64>(sp, imm.delta) } else { rd::<u32>(sp, imm.delta) as u64 };
    let old = crate::exec::bulk::grow_memory_at(ctx, m, delta);
    // -1 of the memory's address type.
    let failed = if is64 { u64::MAX } else { u32::MAX as u64 };
    wr(sp, imm.dst, old.unwrap_or(failed));
    // Memory 0 may have moved (see the module's documentation).
    let (mem, len) = ctx.mem_regs();
    next!(MemGrow, ip, sp, mem, len, ctx, acc)
});

/// This family's instructions, for [`all`](super::all).
pub(super) fn infos() -> Vec<OpInfo> {
    let mut v = load_ops();
    v.extend(store_ops());
    v.extend(load_br_ops());
    v.extend(load_cmp_br_ops());
    v.extend(load_br_table_ops());
    v.extend(const_load_br_table_ops());
    v.extend(and_shl_load_br_table_ops());
    v.extend(load_store_ops());
    v.extend(add_load_ops());
    v.extend(float_load_ops());
    v.extend(float_store_ops());
    v.push(form!("ADD_STORE32", "r", ADD_STORE32.r));
    v.push(form!("ADD_STORE32", "a", ADD_STORE32.a));
    v.extend(info!(LOAD_LOAD32: LoadLoad, LOAD_LOAD32_A: LoadLoad));
    v.extend(info!(
        MEMORY_SIZE: MemSize,
        MEMORY_GROW: MemGrow,
        MEMORY_SIZE_X: MemSize,
        MEMORY_GROW_X: MemGrow,
    ));
    v
}

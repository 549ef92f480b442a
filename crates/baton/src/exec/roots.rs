//! The collector's entry from running code: the allocation that collects when the heap is
//! due, and the walk of the Wasm frames that finds their references with the stack maps
//! (see `crate::stack_maps`).
//!
//! The walk starts at the allocating instruction's frame and goes down the return frames
//! as `return` would (a call into another instance pushes a pair that says which instance
//! the caller runs). At an activation's sentinel frame it goes on with the activation
//! below, if any: that one stopped in a host call or as a suspended resumable call, and
//! recorded where (`runtime::roots::Suspended`).

use super::{exit_ip, Ctx, Ip, Sp};
use crate::error::TrapCode;
use crate::runtime::gc::total_cells;
use crate::runtime::InstanceEntity;
use crate::stack_maps::{AT_INSTR, AT_RETURN};
use std::collections::HashSet;

/// A frame's state that is not a recorded point: where a suspended call resumes (a fuel
/// check, a function's translation stub).
const AT_RESUME: u32 = 2;

/// Allocates an object (see `GcHeap::alloc`) for the instruction at `ip`, whose frame is
/// `sp`: collects first if the heap is due, and collects and tries again once if the
/// limiter or the host refuses the memory.
///
/// # Safety
/// `ip` is an allocating instruction of the running instance's code (a recorded point of
/// its stack maps, if it has any) and `sp` its function's frame; the activation's frames
/// are between its sentinel frame and `ctx.frames.top`.
#[inline(always)]
pub(super) unsafe fn alloc(
    ctx: &mut Ctx,
    sp: Sp,
    ip: Ip,
    header: u64,
    len: Option<u32>,
    cells: usize,
) -> Result<*mut u64, TrapCode> {
    if !ctx.gc.collection_due(total_cells(cells)) {
        if let Ok(obj) = ctx.gc.alloc(ctx.limiter, header, len, cells) {
            return Ok(obj);
        }
    }
    // SAFETY: the contract.
    unsafe { collect_then_alloc(ctx, sp, ip, header, len, cells) }
}

/// [`alloc`] once it must collect: collects, then allocates.
///
/// # Safety
/// As for [`alloc`].
#[cold]
#[inline(never)]
unsafe fn collect_then_alloc(
    ctx: &mut Ctx,
    sp: Sp,
    ip: Ip,
    header: u64,
    len: Option<u32>,
    cells: usize,
) -> Result<*mut u64, TrapCode> {
    // SAFETY: the contract.
    unsafe { collect(ctx, sp, ip) };
    ctx.gc.alloc(ctx.limiter, header, len, cells)
}

/// Where a frame stands: at `ip` in `inst`'s code, of `kind` (`AT_INSTR`, `AT_RETURN` for
/// a return address, `AT_RESUME`), with its slots at `sp`.
#[derive(Clone, Copy)]
struct State {
    ip: Ip,
    sp: Sp,
    kind: u32,
    inst: *const InstanceEntity,
}

/// Collects the store's heap from the allocating instruction at `ip` in frame `sp`.
///
/// # Safety
/// As for [`alloc`].
#[cold]
#[inline(never)]
pub(crate) unsafe fn collect(ctx: &mut Ctx, sp: Sp, ip: Ip) {
    let state = State {
        ip,
        sp,
        kind: AT_INSTR,
        inst: ctx.inst,
    };
    let (k, s) = (ctx.frames.len(), ctx.gc.roots.suspended.len());
    // SAFETY: the contract.
    unsafe { collect_from(ctx, Some(state), k, s) }
}

/// Collects the store's heap while no Wasm instruction runs (`Store::gc`): from the host,
/// perhaps inside a host function that Wasm called (its caller's state was recorded).
///
/// # Safety
/// The store's frames and recorded suspensions are those of its live activations.
pub(crate) unsafe fn collect_from_host(ctx: &mut Ctx) {
    let k = ctx.frames.len();
    let s = ctx.gc.roots.suspended.len();
    // SAFETY: the contract; the walk starts at the newest activation, if one is stopped.
    unsafe {
        match ctx.gc.roots.suspended.last() {
            Some(top) if top.frames == k => {
                let state = State::of(top);
                collect_from(ctx, Some(state), k, s - 1)
            }
            _ => collect_from(ctx, None, k, s),
        }
    }
}

impl State {
    /// Where a suspended activation stopped.
    fn of(s: &crate::runtime::roots::Suspended) -> State {
        State {
            ip: s.ip,
            sp: s.sp,
            kind: if s.at_call { AT_RETURN } else { AT_RESUME },
            inst: s.inst,
        }
    }
}

/// The collection: walks the frames from `state` (the newest frame, if any) down the
/// frames below `k` and the recorded suspensions below `s`, then marks and sweeps.
///
/// # Safety
/// As for [`collect`].
unsafe fn collect_from(ctx: &mut Ctx, mut state: Option<State>, mut k: usize, mut s: usize) {
    let mut roots = Vec::new();
    let mut unmapped = Vec::new();
    let exit = exit_ip();
    loop {
        if let Some(state) = state {
            // SAFETY: `state` is a live frame of this store (the walk follows the frames
            // the calls pushed, see the module documentation).
            unsafe { frame_roots(ctx, state, &mut roots, &mut unmapped) };
        }
        let frames = ctx.frames.as_slice();
        let Some(next) = k.checked_sub(1) else { break };
        k = next;
        let f = frames[k];
        let inst = state.map_or(core::ptr::null(), |s| s.inst);
        if f.ret_ip == exit {
            // The activation below (if any) stopped with `k` frames and said where.
            let suspended = &ctx.gc.roots.suspended;
            while s > 0 && suspended[s - 1].frames > k {
                s -= 1;
            }
            match s.checked_sub(1).map(|i| &suspended[i]) {
                Some(below) if below.frames == k => {
                    s -= 1;
                    state = Some(State::of(below));
                }
                _ => state = None,
            }
        } else if f.restores() {
            // The lower frame of the pair holds the return address and the instance.
            k -= 1;
            let lower = frames[k];
            state = Some(State {
                ip: lower.ret_ip,
                sp: f.sp,
                kind: AT_RETURN,
                inst: lower.sp as *const InstanceEntity,
            });
        } else {
            state = Some(State {
                ip: f.ret_ip,
                sp: f.sp,
                kind: AT_RETURN,
                inst,
            });
        }
    }
    if !unmapped.is_empty() {
        // Frames stopped between recorded points: their cells that are objects' addresses
        // are kept (an exact membership test, so nothing else is taken for an object).
        let objects: HashSet<u64> = ctx.gc.addresses().collect();
        roots.extend(unmapped.into_iter().filter(|c| objects.contains(c)));
    }
    // SAFETY: the roots are the references of the live frames (by their stack maps) or
    // cells found to be objects' addresses; the registered roots are the store's.
    unsafe { ctx.gc.collect(&roots, &ctx.exns) };
}

/// Adds the references frame `state` holds to `roots`, by its stack maps; or, for a frame
/// stopped where no map is recorded, all its cells to `unmapped`.
///
/// # Safety
/// `state` is a live frame of this store: `inst` is its instance and `ip` in that
/// instance's code (or stubs), `sp` its slots.
unsafe fn frame_roots(ctx: &mut Ctx, state: State, roots: &mut Vec<u64>, unmapped: &mut Vec<u64>) {
    if state.inst.is_null() {
        return;
    }
    // SAFETY: the contract: a live instance of the store.
    let module = unsafe { &(*state.inst).module.inner };
    if !module.env.stack_maps {
        return;
    }
    // A return address may be one past its function's last word: look up the call.
    let probe = if state.kind == AT_RETURN {
        state.ip.wrapping_sub(1)
    } else {
        state.ip
    };
    // SAFETY: `module` is the module of an instance of this store.
    let Some(code) = (unsafe { super::unwind::code_at(ctx, module, probe) }) else {
        // Not a function's code: a function entered but not translated yet (its frame is
        // its parameters), or the shared return of a host function called in tail
        // position (no frame of its own).
        if let Some(defined) = module.code.stub_at(state.ip) {
            let ty = module
                .env
                .func_type(module.env.num_imported_funcs + defined as u32);
            let mut cell = 0;
            for &t in ty.params() {
                if crate::runtime::gc::traced(t) {
                    // SAFETY: the parameters are the frame's first cells.
                    roots.push(unsafe { *state.sp.add(cell) });
                }
                cell += t.cells();
            }
        }
        return;
    };
    let Some(maps) = &code.stack_maps else {
        return;
    };
    let pos = (state.ip as usize).wrapping_sub(code.words.as_ptr() as usize) / 8;
    // A frame stopped to resume later stands at a fuel check (a point of metered code).
    let kind = if state.kind == AT_RESUME {
        AT_INSTR
    } else {
        state.kind
    };
    let point = maps.at(pos, kind);
    debug_assert!(point.is_some(), "a frame stopped off its stack maps");
    match point {
        Some(slots) => {
            for &s in maps.locals().iter().chain(slots) {
                // SAFETY: the maps name slots of this function's frame.
                roots.push(unsafe { *state.sp.add(s as usize) });
            }
        }
        None => {
            // Never expected: kept as a safe fallback for release builds.
            ctx.gc.unmapped_frames += 1;
            // SAFETY: the frame's cells are initialised up to its size (locals zeroed
            // or written, temporaries written before they are read; a cell not written
            // yet by this call holds what an earlier frame left, a value all the same).
            let cells = unsafe { core::slice::from_raw_parts(state.sp, code.frame_size as usize) };
            unmapped.extend_from_slice(cells);
        }
    }
}

//! The collector's roots outside the Wasm frames: the store's globals, tables and element
//! segments that hold references, exception payloads, references the host holds, and the
//! suspended activations whose frames the stack walk starts from (`exec::roots`).

use super::{ExnHeap, InstanceEntity, TableEntity};
use crate::exec::{Ip, Sp};
use std::sync::Mutex;

/// The roots a store registers with its GC heap.
#[derive(Default)]
pub(crate) struct Roots {
    /// Cells of the globals whose type is traced (`runtime::gc::traced`).
    globals: Vec<*const u64>,
    /// Tables whose element type is traced.
    tables: Vec<*const TableEntity>,
    /// Instances with element segments of a traced type.
    instances: Vec<*const InstanceEntity>,
    /// References the host holds (see [`HostRoots`]).
    pub host: Mutex<HostRoots>,
    /// Activations that stopped with their frames kept (see [`Suspended`]), oldest first.
    pub suspended: Vec<Suspended>,
}

/// An activation whose frames stay on the stack while something else runs: one that called
/// a host function (which may call Wasm again), or a resumable call that stopped. The walk
/// of the frames (`exec::roots`) meets its sentinel frame and goes on from here.
#[derive(Clone, Debug)]
pub(crate) struct Suspended {
    /// Where it stopped: a call's return address (`at_call`), or an instruction it will
    /// resume at (out of fuel, or a function's translation stub).
    pub ip: Ip,
    pub sp: Sp,
    pub at_call: bool,
    /// The instance whose code `ip` is in.
    pub inst: *const InstanceEntity,
    /// How many frames were on the stack when it stopped: the index of the sentinel frame
    /// of the activation that runs above it.
    pub frames: usize,
    /// For a resumable call, what its frames and stack hold back (`None` for a host
    /// call's caller).
    pub abandonable: Option<Abandonable>,
}

/// What a suspended resumable call gives back once its `ResumableInvocation` is dropped
/// without being resumed: its frames, and the stack it kept from other calls. Given back
/// when the next activation begins, if nothing suspended later still holds frames above
/// it (`func::reclaim_abandoned`).
#[derive(Clone, Debug)]
pub(crate) struct Abandonable {
    /// The invocation's token: dead once the invocation is dropped (or consumed by
    /// resuming), and what `resume` recognises its own record by.
    pub alive: std::sync::Weak<()>,
    /// The number of frames, and the stack's top, from before the call began.
    pub frames_before: usize,
    pub stack_top: usize,
}

/// The references held by the host (in `AnyRef`s and `ExternRef`s of objects): a stack of
/// cells, each with a serial number that handles carry so that a handle whose root is gone
/// is detected instead of reaching a freed object. Scopes cut the stack back: a host
/// function's arguments and what it made live until it returns; `RootScope` makes such a
/// scope for the embedder.
#[derive(Default)]
pub(crate) struct HostRoots {
    cells: Vec<(u64, u32)>,
    next_serial: u32,
    /// Roots the host releases itself (`ManuallyRooted`), in any order: a cell and its
    /// serial, 0 where released (and listed in `free_manual`).
    manual: Vec<(u64, u32)>,
    free_manual: Vec<u32>,
}

impl HostRoots {
    /// Roots `cell`; returns the handle's root: its index above, its serial below.
    pub(crate) fn push(&mut self, cell: u64) -> u64 {
        let serial = self.next_serial;
        self.next_serial = serial.wrapping_add(1);
        self.cells.push((cell, serial));
        ((self.cells.len() as u64 - 1) << 32) | serial as u64
    }

    /// Whether the root `root` (from [`HostRoots::push`]) still holds `cell`.
    pub(crate) fn holds(&self, root: u64, cell: u64) -> bool {
        self.cells.get((root >> 32) as usize) == Some(&(cell, root as u32))
    }

    /// How many roots there are: a scope's start.
    pub(crate) fn len(&self) -> usize {
        self.cells.len()
    }

    /// Ends the scope that started at `len`: drops the roots made since.
    pub(crate) fn truncate(&mut self, len: usize) {
        self.cells.truncate(len);
    }

    /// Roots `cell` until [`HostRoots::release`]; returns the root as [`HostRoots::push`]
    /// does.
    pub(crate) fn keep(&mut self, cell: u64) -> u64 {
        let serial = self.next_serial;
        self.next_serial = serial.wrapping_add(1);
        let index = match self.free_manual.pop() {
            Some(i) => {
                self.manual[i as usize] = (cell, serial);
                i as u64
            }
            None => {
                self.manual.push((cell, serial));
                self.manual.len() as u64 - 1
            }
        };
        index << 32 | serial as u64
    }

    /// The cell the kept root `root` holds, if it is not released.
    pub(crate) fn kept(&self, root: u64) -> Option<u64> {
        match self.manual.get((root >> 32) as usize) {
            Some(&(cell, serial)) if cell != 0 && serial == root as u32 => Some(cell),
            _ => None,
        }
    }

    /// Releases the kept root `root`; `false` if it was released already.
    pub(crate) fn release(&mut self, root: u64) -> bool {
        if self.kept(root).is_none() {
            return false;
        }
        let i = (root >> 32) as u32;
        self.manual[i as usize] = (0, 0);
        self.free_manual.push(i);
        true
    }
}

impl Roots {
    /// Registers a global's cell (of a traced type).
    pub(crate) fn add_global(&mut self, cell: *const u64) {
        self.globals.push(cell);
    }

    /// Registers a table (of a traced element type).
    pub(crate) fn add_table(&mut self, table: *const TableEntity) {
        self.tables.push(table);
    }

    /// Registers an instance with element segments of a traced type.
    pub(crate) fn add_instance(&mut self, inst: *const InstanceEntity) {
        self.instances.push(inst);
    }

    /// Hands every registered root's cell to `visit`.
    ///
    /// # Safety
    /// The registered entities are alive (they are boxed in the store that owns this heap),
    /// and nothing writes them during the call.
    pub(crate) unsafe fn each(&self, exns: &ExnHeap, mut visit: impl FnMut(u64)) {
        for &g in &self.globals {
            // SAFETY: the contract.
            visit(unsafe { *g });
        }
        for &t in &self.tables {
            // SAFETY: the contract.
            for &cell in unsafe { &(*t).elems } {
                visit(cell);
            }
        }
        for &inst in &self.instances {
            // SAFETY: the contract.
            let inst = unsafe { &*inst };
            for (seg, cells) in inst.module.inner.elems.iter().zip(&inst.elems) {
                if seg.traced {
                    cells.iter().for_each(|&c| visit(c));
                }
            }
        }
        exns.each_traced_payload_cell(&mut visit);
        // A poisoned lock only means a panic elsewhere; the list itself is always whole.
        let host = self.host.lock().unwrap_or_else(|e| e.into_inner());
        for &(cell, _) in host.cells.iter().chain(&host.manual) {
            visit(cell);
        }
    }

    /// Forgets the suspended activations recorded with more than `frames` frames (theirs
    /// are gone: the frames were cut back to `frames`).
    pub(crate) fn forget_suspended_above(&mut self, frames: usize) {
        while self.suspended.last().is_some_and(|s| s.frames > frames) {
            self.suspended.pop();
        }
    }
}

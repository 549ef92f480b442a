//! The store's entities as the interpreter sees them: compiled functions, function
//! entities, memories, tables, globals and instances. Each lives in its own `Box` so its
//! address is stable for as long as the store lives: translated code and instances refer
//! to them by raw pointer, which keeps the interpreter's hot paths free of lookups.

use crate::exec::{Handler, Ip};
use crate::limits::ResourceLimiter;
use crate::module::Module;
use crate::types::{FuncType, GlobalType, MemoryType, TableType, TagType};

/// Size of a default Wasm page in bytes.
pub(crate) const PAGE_SIZE: usize = 65536;

/// What a call needs to enter a function: an entry of an instance's table of compiled
/// functions (see `crate::code`), a copy of the module's, made per instance so that a lazily
/// translated function's entry can change from its stub to its code without
/// synchronisation (an instance runs on one thread at a time).
#[derive(Clone, Copy, Debug)]
pub(crate) struct CompiledFunc {
    /// First instruction (points into the module's code or its stubs, which never move).
    pub code: Ip,
    /// The handler of that instruction (the word at `code`), so that a call jumps to it
    /// from here: the jump's address is then known one dependent load sooner, and a call
    /// is an indirect jump that mispredicts often (one handler serves every call site),
    /// from which the processor recovers only once the address is known.
    pub handler: Handler,
    pub num_params: u32,
    /// One past the last local cell that must be zero on entry: cells `num_params..zero_end`
    /// are zeroed by the call (the locals the function may read before writing them, see
    /// `translate/init.rs`; others are written first).
    pub zero_end: u32,
    /// Locals plus the deepest operand stack: every slot the function touches.
    pub frame_size: u32,
}

// SAFETY: `code` points into the module's code, which is immutable once translated and
// shared behind an `Arc` that outlives every `CompiledFunc` made from it (each instance
// holds the module); `handler` is a plain function.
unsafe impl Send for CompiledFunc {}
// SAFETY: as for `Send`: nothing is ever written through `code`.
unsafe impl Sync for CompiledFunc {}

/// A function in a store: Wasm code of an instance, or a host function.
pub(crate) struct FuncEntity {
    /// The id of the function's type (`ty.type_id()`, here for the indirect call's check:
    /// equal ids ⇔ the same type).
    pub type_id: u32,
    /// Null for host functions.
    pub compiled: *const CompiledFunc,
    /// The instance the code belongs to (null for host functions).
    pub inst: *const InstanceEntity,
    /// Index into the store's host functions (host functions only).
    pub host: u32,
    /// This function's index in the store.
    pub index: u32,
    pub ty: FuncType,
}

/// A linear memory.
pub(crate) struct MemoryEntity {
    pub data: Vec<u8>,
    pub ty: MemoryType,
}

impl MemoryEntity {
    /// A memory of `ty`'s minimum size, or `None` if that many bytes cannot be had.
    pub(crate) fn new(ty: MemoryType) -> Option<MemoryEntity> {
        let bytes = Self::bytes(&ty, ty.minimum())?;
        Some(MemoryEntity {
            data: zeroed(bytes)?,
            ty,
        })
    }

    /// The size in bytes of `pages` pages of a memory of type `ty`, if it is addressable.
    pub(crate) fn bytes(ty: &MemoryType, pages: u64) -> Option<usize> {
        if pages > ty.address_space_pages() {
            return None;
        }
        usize::try_from(pages)
            .ok()?
            .checked_mul(ty.page_size() as usize)
    }

    /// Current size in pages.
    pub(crate) fn pages(&self) -> u64 {
        (self.data.len() >> self.ty.page_size_log2()) as u64
    }

    /// Grows by `delta` pages, asking `limiter` first; returns the old size, or `None`
    /// when the maximum, the address space, the limiter or the host's memory does not
    /// allow it.
    pub(crate) fn grow_limited(
        &mut self,
        delta: u64,
        limiter: Option<&mut dyn ResourceLimiter>,
    ) -> Option<u64> {
        let old = self.pages();
        let max = (self.ty.maximum())
            .unwrap_or(u64::MAX)
            .min(self.ty.address_space_pages());
        let new = old.checked_add(delta)?;
        if new > max {
            return None;
        }
        let bytes = Self::bytes(&self.ty, new)?;
        if let Some(l) = limiter {
            let page = self.ty.page_size() as usize;
            let maximum = self.ty.maximum().map(|m| (m as usize).saturating_mul(page));
            if !l.memory_growing(self.data.len(), bytes, maximum) {
                return None;
            }
        }
        self.data.try_reserve_exact(bytes - self.data.len()).ok()?;
        self.data.resize(bytes, 0);
        Some(old)
    }
}

/// `bytes` zero bytes, or `None` if the allocator has not that many. Zeroed by the
/// allocator (`calloc`: fresh pages from the OS are zero already), not written: a large
/// initial memory costs neither the time to fill it nor resident memory for pages the
/// guest never touches. (`vec![0; n]` does the same but aborts the process when the
/// allocation fails, which a guest's memory size must not be able to cause.)
fn zeroed(bytes: usize) -> Option<Vec<u8>> {
    if bytes == 0 {
        return Some(Vec::new());
    }
    let layout = std::alloc::Layout::array::<u8>(bytes).ok()?;
    // SAFETY: the layout has a non-zero size (checked above).
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
    if ptr.is_null() {
        return None;
    }
    // SAFETY: `ptr` comes from the global allocator with the layout a `Vec<u8>` of
    // capacity `bytes` uses (`Layout::array::<u8>(bytes)`), and all `bytes` bytes are
    // initialised (to zero).
    Some(unsafe { Vec::from_raw_parts(ptr, bytes, bytes) })
}

/// A table of references (funcref: `*const FuncEntity`; externref: index + 1; 0 is null).
pub(crate) struct TableEntity {
    pub elems: Vec<u64>,
    pub ty: TableType,
}

impl TableEntity {
    /// Grows by `delta` elements set to `init`, asking `limiter` first; returns the old
    /// size or `None`.
    pub(crate) fn grow_limited(
        &mut self,
        delta: u64,
        init: u64,
        limiter: Option<&mut dyn ResourceLimiter>,
    ) -> Option<u64> {
        let old = self.elems.len() as u64;
        let new = old.checked_add(delta)?;
        let max = self
            .ty
            .maximum()
            .unwrap_or(u32::MAX as u64)
            .min(u32::MAX as u64);
        if new > max {
            return None;
        }
        if let Some(l) = limiter {
            if !l.table_growing(old, new, self.ty.maximum()) {
                return None;
            }
        }
        self.elems.try_reserve_exact(delta as usize).ok()?;
        self.elems.resize(new as usize, init);
        Some(old)
    }
}

/// A global variable: its value in cells (the first only, or both for a `v128`; see
/// [`crate::values`]). Instances point at the first cell.
///
/// The cells are shared mutable memory (an `UnsafeCell`): instances' code, the collectors'
/// root lists and `Global::get`/`set` all reach them through pointers taken once
/// ([`GlobalEntity::cells`]), none of which may invalidate the others.
pub(crate) struct GlobalEntity {
    value: core::cell::UnsafeCell<[u64; 2]>,
    pub ty: GlobalType,
}

impl GlobalEntity {
    /// A global of type `ty` holding `value`.
    pub(crate) fn new(value: [u64; 2], ty: GlobalType) -> GlobalEntity {
        GlobalEntity {
            value: core::cell::UnsafeCell::new(value),
            ty,
        }
    }

    /// The first cell, for reading and writing.
    pub(crate) fn cells(&self) -> *mut u64 {
        self.value.get() as *mut u64
    }

    /// The value's cells.
    pub(crate) fn get(&self) -> [u64; 2] {
        // SAFETY: the cells are always initialised; nothing writes them while the store is
        // borrowed for this read (Wasm code runs only with the store borrowed mutably).
        unsafe { *self.value.get() }
    }

    /// Writes the value's cells.
    pub(crate) fn set(&self, value: [u64; 2]) {
        // SAFETY: as for `get`: no other access is running (the store is borrowed
        // mutably by the caller, `Global::set`).
        unsafe { *self.value.get() = value }
    }
}

/// An exception tag: its identity is the entity's address (an imported tag is the
/// exporter's entity), which is what `catch` compares.
pub(crate) struct TagEntity {
    pub ty: TagType,
    /// This tag's index in the store.
    pub index: u32,
}

pub(crate) mod cast;
mod exn;
pub(crate) mod gc;
pub(crate) mod roots;
pub(crate) use exn::{ExnEntity, ExnHeap};

/// A passive data segment as an instance sees it (empty once dropped).
#[derive(Clone, Copy)]
pub(crate) struct DataSeg {
    pub ptr: *const u8,
    pub len: usize,
}

/// An instance: everything its code refers to, resolved to pointers.
pub(crate) struct InstanceEntity {
    /// This instance's index in the store.
    pub index: u32,
    pub module: Module,
    /// `compiled_funcs`' first entry, as the call instructions read it.
    pub compiled: *const CompiledFunc,
    /// Each defined function's entry: its code once translated, its stub before (see
    /// `crate::code`). Written only by the embedder's loop, between instructions.
    pub compiled_funcs: Box<[core::cell::Cell<CompiledFunc>]>,
    pub funcs: Vec<*const FuncEntity>,
    pub globals: Vec<*mut u64>,
    pub tables: Vec<*mut TableEntity>,
    pub memories: Vec<*mut MemoryEntity>,
    /// Memories 0 to `MEMORY_SLOTS - 1` (null past the last): where `Ctx::mem_regs` finds
    /// the data and lengths that the `m` forms of memory accesses read (`Ctx::memory_bases`).
    pub memory_slots: [*mut MemoryEntity; crate::exec::MEMORY_SLOTS],
    /// Memory 0, or `empty_memory` when the module has none.
    pub mem0: *mut MemoryEntity,
    pub empty_memory: crate::entity_box::EntityBox<MemoryEntity>,
    pub data: Vec<DataSeg>,
    pub elems: Vec<Vec<u64>>,
    /// Store indices of the module's entities, for handing out handles.
    pub func_ids: Vec<u32>,
    pub global_ids: Vec<u32>,
    pub table_ids: Vec<u32>,
    pub memory_ids: Vec<u32>,
    /// The module's tags (imports first): entities of the store.
    pub tags: Vec<*const TagEntity>,
    pub tag_ids: Vec<u32>,
}

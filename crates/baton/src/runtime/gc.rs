//! GC objects: structures and arrays, and the store's heap that holds them.
//!
//! An object is a run of 64-bit cells: a header cell (the type's id in the low half, the
//! kind — [`STRUCT`] or [`ARRAY`] — above it), for an array its length, then its fields or
//! elements, one cell each (two for a `v128`). A reference to an object is the address of
//! its header: 8-aligned, so its low bits are `00`, which tells it apart from an `i31` and
//! a host reference in the shared cell encoding (`crate::values::ref_cell`).
//!
//! Fields keep their values as they are written: a packed `i8`/`i16` field keeps the whole
//! `i32`, and `struct.get_s`/`_u` (and the array forms) extend its low bits when read, so
//! that writes are plain copies.
//!
//! The collector is a precise, non-moving mark-and-sweep (see [`GcHeap::collect`]): an
//! allocation that finds the heap grown past its threshold first collects, with the roots
//! the frames' stack maps name (`exec::roots`) and those the store registers ([`Roots`]).
//! The heap is bounded by the store's resource limiter (`ResourceLimiter::gc_heap_growing`);
//! an allocation the limiter refuses collects and tries again before it traps.

use crate::error::TrapCode;
use crate::registry::{Composite, FieldType, StorageType};
use crate::types::{HeapType, ValType};

pub(crate) use super::roots::Roots;

/// Header kind of a structure.
pub(crate) const STRUCT: u64 = 1 << 32;
/// Header kind of an array.
pub(crate) const ARRAY: u64 = 2 << 32;
/// The kind bits of a header.
const KIND: u64 = 3 << 32;

/// How a field or element is stored: an instruction immediate (`elem`), the storage kind in
/// the low bits plus flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Elem(pub u32);

impl Elem {
    pub const I8: u32 = 0;
    pub const I16: u32 = 1;
    /// `i32` or `f32`.
    pub const B32: u32 = 2;
    /// `i64` or `f64`.
    pub const B64: u32 = 3;
    pub const V128: u32 = 4;
    /// A reference.
    pub const REF: u32 = 5;
    /// Read sign-extended (`_s` forms of packed fields).
    pub const SIGNED: u32 = 1 << 8;

    /// The immediate of a field or element type (not signed).
    pub(crate) fn of(f: &FieldType) -> u32 {
        match f.storage {
            StorageType::I8 => Self::I8,
            StorageType::I16 => Self::I16,
            StorageType::Val(ValType::I32 | ValType::F32) => Self::B32,
            StorageType::Val(ValType::I64 | ValType::F64) => Self::B64,
            StorageType::Val(ValType::V128) => Self::V128,
            StorageType::Val(_) => Self::REF,
        }
    }

    fn kind(self) -> u32 {
        self.0 & 0xff
    }

    /// Cells a value takes: two for a `v128`, else one.
    #[inline]
    pub(crate) fn cells(self) -> usize {
        if self.kind() == Self::V128 {
            2
        } else {
            1
        }
    }

    /// Bytes an element takes in a data segment (`array.new_data`, `array.init_data`).
    pub(crate) fn bytes(self) -> usize {
        match self.kind() {
            Self::I8 => 1,
            Self::I16 => 2,
            Self::B32 => 4,
            Self::V128 => 16,
            _ => 8,
        }
    }

    /// The value read from a field cell: packed fields extended from their low bits.
    #[inline]
    pub(crate) fn read(self, cell: u64) -> u64 {
        let signed = self.0 & Self::SIGNED != 0;
        match (self.kind(), signed) {
            (Self::I8, false) => cell as u8 as u64,
            (Self::I8, true) => cell as i8 as i32 as u32 as u64,
            (Self::I16, false) => cell as u16 as u64,
            (Self::I16, true) => cell as i16 as i32 as u32 as u64,
            _ => cell,
        }
    }
}

/// The store's objects.
pub(crate) struct GcHeap {
    /// Every object: its address and size in cells. A small object (at most [`SMALL`]
    /// cells) lives in one of the heap's chunks ([`Pools`]) and goes back to its size's free
    /// list when a collection finds it unreachable; a larger one is allocated by [`zeroed`]
    /// and freed then. Raw pointers, not boxes: the objects are read and written through
    /// copies of these addresses (cells, references), which a box's unique ownership would
    /// forbid.
    objects: Vec<(*mut u64, usize)>,
    /// Where small objects come from.
    pools: Pools,
    /// Cells allocated and not freed yet (live or garbage).
    cells: usize,
    /// An allocation that would take `cells` past this collects first (see
    /// [`GcHeap::collection_due`]).
    threshold: usize,
    /// What the store holds outside the Wasm frames (see [`Roots`]).
    pub roots: Roots,
    /// How to trace the objects of each type met so far, indexed by type id (ids are
    /// small: the registry numbers types from 0 as they are registered).
    traces: Vec<Option<Box<Trace>>>,
    /// Collections run so far (for tests and statistics).
    pub collections: u64,
    /// Frames a collection found stopped where no stack map is recorded (a call suspended
    /// out of fuel), whose cells it compared with the objects' addresses instead.
    pub unmapped_frames: u64,
}

/// The heap collects before it passes this many cells (8 MiB), and never sooner after a
/// collection: small programs never collect, and a collection's cost is spread over at
/// least this much allocation.
const MIN_THRESHOLD: usize = 1 << 20;

impl Default for GcHeap {
    fn default() -> Self {
        GcHeap {
            objects: Vec::new(),
            pools: Pools::default(),
            cells: 0,
            threshold: MIN_THRESHOLD,
            roots: Roots::default(),
            traces: Vec::new(),
            collections: 0,
            unmapped_frames: 0,
        }
    }
}

impl Drop for GcHeap {
    fn drop(&mut self) {
        for &(ptr, cells) in &self.objects {
            if cells > SMALL {
                // SAFETY: a large object was allocated by `zeroed` with the layout of
                // `cells` cells (which was valid then) and is freed once, here (a
                // collection removes what it frees from `objects`).
                unsafe { std::alloc::dealloc(ptr as *mut u8, layout(cells)) };
            }
        }
        for &chunk in &self.pools.chunks {
            // SAFETY: each chunk was allocated by `zeroed` with `CHUNK` cells and is freed
            // once, here; the small objects inside it go with it.
            unsafe { std::alloc::dealloc(chunk as *mut u8, layout(CHUNK)) };
        }
    }
}

/// Objects of at most this many cells (header included) come from the pools.
const SMALL: usize = 16;
/// Cells of one chunk of the pools (64 KiB).
const CHUNK: usize = 8192;

/// The small objects' memory: chunks carved from the front (`next..end` of the newest is
/// unused, and zero), and per size a list of freed objects to reuse. Allocation is a pop or
/// a pointer bump instead of a call to the C allocator (which took a third of a tree
/// building program's instructions), and a collection's frees are pushes.
struct Pools {
    chunks: Vec<*mut u64>,
    next: *mut u64,
    end: *mut u64,
    /// `free[n]`: freed objects of `n` cells.
    free: [Vec<*mut u64>; SMALL + 1],
}

impl Default for Pools {
    fn default() -> Self {
        Pools {
            chunks: Vec::new(),
            next: core::ptr::null_mut(),
            end: core::ptr::null_mut(),
            free: Default::default(),
        }
    }
}

impl Pools {
    /// `cells` (at most [`SMALL`], at least 1) zeroed cells, or `None` if the host has no
    /// memory for a new chunk.
    #[inline]
    fn alloc(&mut self, cells: usize) -> Option<*mut u64> {
        if let Some(ptr) = self.free[cells].pop() {
            // SAFETY: a freed object of `cells` cells, inside a live chunk, no longer
            // referenced by anything the program can reach (the collection proved it).
            unsafe { core::ptr::write_bytes(ptr, 0, cells) };
            return Some(ptr);
        }
        if (self.end as usize - self.next as usize) / 8 < cells {
            let chunk = zeroed(CHUNK)?;
            self.chunks.push(chunk);
            self.next = chunk;
            // SAFETY: one past the chunk's end.
            self.end = unsafe { chunk.add(CHUNK) };
        }
        let ptr = self.next;
        // SAFETY: at least `cells` unused cells remain in the newest chunk (checked above).
        self.next = unsafe { ptr.add(cells) };
        Some(ptr)
    }

    /// Takes back a small object of `cells` cells that nothing reaches any more.
    fn free(&mut self, ptr: *mut u64, cells: usize) {
        self.free[cells].push(ptr);
    }
}

impl GcHeap {
    /// Whether an allocation of `cells` more cells (header included) should collect first:
    /// the heap has grown past its threshold since the last collection.
    #[inline]
    pub(crate) fn collection_due(&self, cells: usize) -> bool {
        self.cells.saturating_add(cells) > self.threshold
    }

    /// Live objects (allocated and not collected).
    pub(crate) fn len(&self) -> usize {
        self.objects.len()
    }

    /// Their cells.
    pub(crate) fn cells(&self) -> usize {
        self.cells
    }

    /// Allocates an object of `cells` zeroed cells after its header (and, for an array, its
    /// length) and returns its address. `limiter` decides whether the heap may grow.
    /// Never collects (see `exec::gc::alloc` for the allocation that does).
    ///
    /// Never inlined: the limiter is a trait object, and an indirect call inlined into an
    /// instruction's handler breaks the dispatch audit's rule (handlers make no indirect
    /// calls; `cargo xtask audit-dispatch`).
    #[inline(never)]
    pub(crate) fn alloc(
        &mut self,
        limiter: Option<*mut dyn crate::limits::ResourceLimiter>,
        header: u64,
        len: Option<u32>,
        cells: usize,
    ) -> Result<*mut u64, TrapCode> {
        let total = object_cells(len.is_some(), cells)?;
        let (current, desired) = (self.cells * 8, (self.cells + total) * 8);
        if let Some(limiter) = limiter {
            // SAFETY: the store's limiter outlives its execution context, and nothing else
            // uses it while a Wasm instruction runs.
            if !unsafe { (*limiter).gc_heap_growing(current, desired) } {
                return Err(TrapCode::GcHeapOutOfMemory);
            }
        }
        let ptr = if total <= SMALL {
            self.pools.alloc(total)
        } else {
            zeroed(total)
        }
        .ok_or(TrapCode::GcHeapOutOfMemory)?;
        // SAFETY: the object has `total` cells, at least its header and length.
        unsafe {
            *ptr = header;
            if let Some(len) = len {
                *ptr.add(1) = len as u64;
            }
        }
        self.objects.push((ptr, total));
        self.cells += total;
        Ok(ptr)
    }

    /// Frees every object that neither `roots` (the cells the Wasm frames hold references
    /// in, found by the caller from the stack maps) nor the registered [`Roots`] reach.
    ///
    /// Marks by setting [`MARK`] in reached objects' headers, with an explicit work list
    /// (a long list of objects is no recursion on the host's stack), then sweeps: frees the
    /// unmarked objects and clears the mark of the others, so that outside a collection no
    /// header has it (casts compare header bits).
    ///
    /// # Safety
    /// Every cell of `roots`, of the registered roots and of the reached objects' traced
    /// fields is a reference of the `any` or `extern` hierarchy of this store (0, an `i31`,
    /// a host value, or a live object of this heap); registered entities are alive.
    pub(crate) unsafe fn collect(&mut self, roots: &[u64], exns: &super::ExnHeap) {
        let mut work: Vec<*mut u64> = Vec::new();
        let visit = |cell: u64, work: &mut Vec<*mut u64>| {
            if cell != 0 && cell & 3 == 0 {
                let obj = cell as *mut u64;
                // SAFETY: a non-null reference with low bits `00` is a live object of this
                // heap (contract); its first cell is its header.
                unsafe {
                    if *obj & MARK == 0 {
                        *obj |= MARK;
                        work.push(obj);
                    }
                }
            }
        };
        for &cell in roots {
            visit(cell, &mut work);
        }
        // SAFETY: registered entities are alive (contract).
        unsafe { self.roots.each(exns, |cell| visit(cell, &mut work)) };
        while let Some(obj) = work.pop() {
            // SAFETY: `obj` is a live object (it was reached); its header says its type.
            let (kind, type_id) = unsafe { kind_and_type(obj as u64) };
            let trace = trace_of(&mut self.traces, type_id);
            // SAFETY: the object has the fields its type says, at the cells `trace` lists
            // (computed from that type); an array's length is its second cell.
            unsafe {
                if kind == ARRAY {
                    if trace.array_refs {
                        let len = *obj.add(1) as usize;
                        for i in 0..len {
                            visit(*obj.add(2 + i), &mut work);
                        }
                    }
                } else {
                    for &c in &trace.refs {
                        visit(*obj.add(1 + c as usize), &mut work);
                    }
                }
            }
        }
        let mut live = 0;
        let pools = &mut self.pools;
        self.objects.retain(|&(ptr, cells)| {
            // SAFETY: every listed object is allocated; its header is its first cell.
            unsafe {
                if *ptr & MARK != 0 {
                    *ptr &= !MARK;
                    live += cells;
                    true
                } else {
                    // Debug builds poison what they free, so that a reference the roots
                    // missed reads garbage (and the tests see it) instead of the values
                    // the freed memory happens to keep.
                    if cfg!(debug_assertions) {
                        core::slice::from_raw_parts_mut(ptr, cells).fill(POISON);
                    }
                    // It leaves the list here: a small object goes back to its pool, a
                    // large one (allocated by `zeroed` with this layout) is freed once.
                    if cells <= SMALL {
                        pools.free(ptr, cells);
                    } else {
                        std::alloc::dealloc(ptr as *mut u8, layout(cells));
                    }
                    false
                }
            }
        });
        self.cells = live;
        self.threshold = live.saturating_mul(2).max(MIN_THRESHOLD);
        self.collections += 1;
    }

    /// The cells of every object field that holds an `exnref`: roots of the exception
    /// collector (see `runtime::exn`), which must not free an exception a structure or an
    /// array still holds.
    pub(crate) fn exn_cells(&mut self) -> Vec<u64> {
        let mut out = Vec::new();
        for &(obj, _) in &self.objects {
            // SAFETY: every listed object is live; its header says its type.
            let (kind, type_id) = unsafe { kind_and_type(obj as u64) };
            let trace = trace_of(&mut self.traces, type_id);
            // SAFETY: as in `collect`: the cells `trace` lists are the object's.
            unsafe {
                if kind == ARRAY {
                    if trace.array_exns {
                        let len = *obj.add(1) as usize;
                        out.extend((0..len).map(|i| *obj.add(2 + i)));
                    }
                } else {
                    out.extend(trace.exns.iter().map(|&c| *obj.add(1 + c as usize)));
                }
            }
        }
        out
    }

    /// The objects' addresses.
    pub(crate) fn addresses(&self) -> impl Iterator<Item = u64> + '_ {
        self.objects.iter().map(|&(p, _)| p as u64)
    }
}

/// Cells of an object with `cells` cells of fields or elements: a header, a length for an
/// array. An error if it cannot be allocated.
fn object_cells(array: bool, cells: usize) -> Result<usize, TrapCode> {
    cells
        .checked_add(1 + array as usize)
        .filter(|&t| t <= isize::MAX as usize / 8)
        .ok_or(TrapCode::GcHeapOutOfMemory)
}

/// Cells an allocation of `cells` cells of fields or elements takes (saturating: for the
/// collection trigger only).
pub(crate) fn total_cells(cells: usize) -> usize {
    cells.saturating_add(2)
}

/// What debug builds write over a freed object: an odd value (an `i31`, not an address, if
/// read as a reference) far from any test's numbers.
const POISON: u64 = 0x5a5a_5a5a_5a5a_5a5b;

/// The header bit a collection sets in every object it reaches (above the kind bits).
const MARK: u64 = 1 << 40;

/// Where the references are in the objects of one type.
#[derive(Default)]
struct Trace {
    /// A structure's fields of the `any` or `extern` hierarchy: their cells after the header.
    refs: Vec<u32>,
    /// Its `exnref` fields.
    exns: Vec<u32>,
    /// An array whose elements are of the `any` or `extern` hierarchy.
    array_refs: bool,
    /// An array of `exnref`s.
    array_exns: bool,
}

/// How objects of type `type_id` are traced, computed from the type's registration the
/// first time the heap meets it.
fn trace_of(traces: &mut Vec<Option<Box<Trace>>>, type_id: u32) -> &Trace {
    let i = type_id as usize;
    if traces.len() <= i {
        traces.resize_with(i + 1, || None);
    }
    traces[i].get_or_insert_with(|| {
        let info = crate::registry::info(crate::types::TypeId(type_id));
        let mut t = Trace::default();
        let is_exn = |f: &FieldType| match f.storage {
            StorageType::Val(ValType::Ref(r)) => r.is_exn(),
            _ => false,
        };
        match &info.composite {
            Composite::Struct(fields) => {
                let mut cell = 0u32;
                for f in fields.iter() {
                    if stores_traced(f) {
                        t.refs.push(cell);
                    } else if is_exn(f) {
                        t.exns.push(cell);
                    }
                    cell += Elem(Elem::of(f)).cells() as u32;
                }
            }
            Composite::Array(f) => {
                t.array_refs = stores_traced(f);
                t.array_exns = is_exn(f);
            }
            Composite::Func(_) => {}
        }
        Box::new(t)
    })
}

/// Whether a field stores a reference the collector traces.
fn stores_traced(f: &FieldType) -> bool {
    matches!(f.storage, StorageType::Val(t) if traced(t))
}

/// Whether values of type `ty` may be objects: references of the `any` or `extern`
/// hierarchy (an `externref` may hold a converted `anyref`), except the types whose values
/// never are (`i31`, and the bottoms, which hold only null).
pub(crate) fn traced(ty: ValType) -> bool {
    match ty {
        ValType::ExternRef => true,
        ValType::Ref(r) => {
            let h = r.heap_type();
            matches!(h.top(), HeapType::Any | HeapType::Extern)
                && !matches!(h, HeapType::I31 | HeapType::None | HeapType::NoExtern)
        }
        _ => false,
    }
}

/// The layout of an object of `cells` cells (checked to be valid by [`zeroed`] first).
fn layout(cells: usize) -> std::alloc::Layout {
    std::alloc::Layout::array::<u64>(cells).unwrap_or(std::alloc::Layout::new::<u64>())
}

/// `cells` zeroed cells (at least one), or `None` if the host cannot have them. Zeroed by
/// the allocator, so that a large array's untouched pages cost nothing until used.
fn zeroed(cells: usize) -> Option<*mut u64> {
    std::alloc::Layout::array::<u64>(cells).ok()?;
    // SAFETY: the layout is valid (checked) and has a non-zero size (`cells` ≥ 1: every
    // object has a header).
    let ptr = unsafe { std::alloc::alloc_zeroed(layout(cells)) } as *mut u64;
    (!ptr.is_null()).then_some(ptr)
}

/// The header of a structure or an array of type `type_id`.
pub(crate) fn header(kind: u64, type_id: u32) -> u64 {
    kind | type_id as u64
}

/// The kind ([`STRUCT`] or [`ARRAY`]) and type id of the object at `cell`.
///
/// # Safety
/// `cell` is a reference to a live object (non-null, neither an `i31` nor a host value).
#[inline]
pub(crate) unsafe fn kind_and_type(cell: u64) -> (u64, u32) {
    // SAFETY: the caller's contract: the header cell is the object's first.
    let h = unsafe { *(cell as *const u64) };
    (h & KIND, h as u32)
}

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
//! **No collector yet** (issue 13): objects live until their store is dropped — Wasmtime's
//! "null" collector. The heap is bounded by the store's resource limiter
//! (`ResourceLimiter::gc_heap_growing`), and an allocation past it traps cleanly.

use crate::error::TrapCode;
use crate::registry::{FieldType, StorageType};
use crate::types::ValType;

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
#[derive(Default)]
pub(crate) struct GcHeap {
    /// Every object: its address and size in cells, allocated by [`zeroed`] and freed when
    /// the heap is dropped. Raw pointers, not boxes: the objects are read and written
    /// through copies of these addresses (cells, references), which a box's unique
    /// ownership would forbid.
    objects: Vec<(*mut u64, usize)>,
    /// Cells allocated so far.
    cells: usize,
}

impl Drop for GcHeap {
    fn drop(&mut self) {
        for &(ptr, cells) in &self.objects {
            // SAFETY: `ptr` was allocated by `zeroed` with the layout of `cells` cells
            // (which was valid then) and is freed once, here.
            unsafe { std::alloc::dealloc(ptr as *mut u8, layout(cells)) };
        }
    }
}

impl GcHeap {
    /// Allocates an object of `cells` zeroed cells after its header (and, for an array, its
    /// length) and returns its address. `limiter` decides whether the heap may grow.
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
        let head = 1 + len.is_some() as usize;
        let total = cells
            .checked_add(head)
            .filter(|&t| t <= isize::MAX as usize / 8)
            .ok_or(TrapCode::GcHeapOutOfMemory)?;
        let (current, desired) = (self.cells * 8, (self.cells + total) * 8);
        if let Some(limiter) = limiter {
            // SAFETY: the store's limiter outlives its execution context, and nothing else
            // uses it while a Wasm instruction runs.
            if !unsafe { (*limiter).gc_heap_growing(current, desired) } {
                return Err(TrapCode::GcHeapOutOfMemory);
            }
        }
        let ptr = zeroed(total).ok_or(TrapCode::GcHeapOutOfMemory)?;
        // SAFETY: the object has `total` ≥ `head` cells.
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

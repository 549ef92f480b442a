//! The store's exceptions: their objects, and the collector that frees the ones no Wasm
//! value refers to any more.
//!
//! An `exnref` cell is an exception's address. Exceptions are made by `throw` (and by the
//! host), so a program that throws in a loop makes one per throw; they must not pile up:
//! - An exception caught by `catch`/`catch_all` was never referenced by a value: it is
//!   freed at once (the catch copied its payload out).
//! - One caught by `catch_ref`/`catch_all_ref` (C++ catch clauses and cleanups are compiled
//!   so) is referenced from Wasm values. When such exceptions have doubled since the last
//!   collection, the next `throw` collects them: every cell where Wasm code can hold an
//!   `exnref` is scanned (the live part of the value stack, the store's `exnref` globals
//!   and tables, and the payloads of exceptions found), and referenced exceptions found
//!   nowhere are freed. The scan is conservative (any cell equal to an exception's
//!   address keeps it), which is safe: it can only keep an exception too long.
//! - One the host has seen (a handle made by `ExnRef::new`, an uncaught exception, an
//!   `exnref` read out of Wasm) is pinned and kept as long as the store, since a handle
//!   may be used any time later.
//!
//! Freed objects are reused by later throws; their boxes are never deallocated before the
//! store, so a stale cell can never point to freed memory.

use super::{TableEntity, TagEntity};
use crate::entity_box::EntityBox;
use core::sync::atomic::{AtomicBool, Ordering::Relaxed};

/// An exception: the tag it was thrown with and its payload in cells (see
/// [`crate::values`]).
pub(crate) struct ExnEntity {
    pub tag: *const TagEntity,
    pub payload: Vec<u64>,
    /// This exception's index in the heap.
    pub index: u32,
    /// Whether a Wasm value may refer to it (see the module's documentation).
    referenced: bool,
    /// Whether the host may hold a handle to it (atomic: set through shared access to the
    /// store, when a value is read out of it).
    pinned: AtomicBool,
    /// Whether it is in use (not on the free list).
    live: bool,
}

impl ExnEntity {
    /// Marks the exception as seen by the host: it is never freed.
    pub(crate) fn pin(&self) {
        self.pinned.store(true, Relaxed);
    }
}

/// The store's exceptions. Objects are boxed (their addresses are `exnref` cells, which
/// the boxes let alias them; see [`EntityBox`]) and reused once freed.
pub(crate) struct ExnHeap {
    pub objects: Vec<EntityBox<ExnEntity>>,
    free: Vec<u32>,
    /// Live objects that are referenced but not pinned: what a collection may free.
    collectable: usize,
    /// A `throw` collects when `collectable` reaches this.
    next_collection: usize,
    /// The cells of the store's globals that hold `exnref`s.
    globals: Vec<*const u64>,
    /// The store's tables of `exnref`s.
    tables: Vec<*const TableEntity>,
}

/// Collect no sooner than this many collectable exceptions.
const MIN_COLLECTION: usize = 4096;

impl Default for ExnHeap {
    fn default() -> Self {
        ExnHeap {
            objects: Vec::new(),
            free: Vec::new(),
            collectable: 0,
            next_collection: MIN_COLLECTION,
            globals: Vec::new(),
            tables: Vec::new(),
        }
    }
}

impl ExnHeap {
    /// Hands `visit` every payload cell of a live exception that holds a reference the GC
    /// collector traces (`runtime::gc::traced`): exception payloads are roots of the GC heap.
    pub(crate) fn each_traced_payload_cell(&self, mut visit: impl FnMut(u64)) {
        for e in self.objects.iter().filter(|e| e.live) {
            // SAFETY: a live exception's tag is an entity of the store, alive as long as it.
            let tag = unsafe { &*e.tag };
            let mut at = 0;
            for &t in tag.ty.params() {
                if super::gc::traced(t) {
                    visit(e.payload[at]);
                }
                at += t.cells();
            }
        }
    }

    /// A new exception of `tag` with the payload `payload`.
    pub(crate) fn alloc(&mut self, tag: *const TagEntity, payload: &[u64]) -> *mut ExnEntity {
        let obj = match self.free.pop() {
            Some(i) => &mut self.objects[i as usize],
            None => {
                let index = self.objects.len() as u32;
                self.objects.push(EntityBox::new(ExnEntity {
                    tag,
                    payload: Vec::new(),
                    index,
                    referenced: false,
                    pinned: AtomicBool::new(false),
                    live: true,
                }));
                self.objects.last_mut().expect("just pushed")
            }
        };
        obj.tag = tag;
        obj.referenced = false;
        *obj.pinned.get_mut() = false;
        obj.live = true;
        obj.payload.clear();
        obj.payload.extend_from_slice(payload);
        // The box's own pointer, not one derived from the `&mut` above: `exnref` cells keep
        // it, and later accesses through the box must not invalidate it.
        obj.as_ptr()
    }

    /// The exception was caught by a clause that hands its reference on.
    pub(crate) fn mark_referenced(&mut self, exn: *mut ExnEntity) {
        // SAFETY: `exn` is one of this heap's live objects (the unwinder's in-flight
        // exception), boxed in `objects`.
        let e = unsafe { &mut *exn };
        if !e.referenced {
            e.referenced = true;
            if !*e.pinned.get_mut() {
                self.collectable += 1;
            }
        }
    }

    /// Frees an exception that no reference can reach, if it is one (a clause that does
    /// not hand the reference on caught it).
    pub(crate) fn free_unreferenced(&mut self, exn: *mut ExnEntity) {
        // SAFETY: as in `mark_referenced`.
        let e = unsafe { &mut *exn };
        if !e.referenced && !*e.pinned.get_mut() {
            self.release(e.index);
        }
    }

    fn release(&mut self, index: u32) {
        let e = &mut self.objects[index as usize];
        e.live = false;
        e.referenced = false;
        e.payload.clear();
        self.free.push(index);
    }

    /// Registers a global cell that holds `exnref`s, as a root of collections.
    pub(crate) fn add_global(&mut self, cell: *const u64) {
        self.globals.push(cell);
    }

    /// Registers a table of `exnref`s, as a root of collections.
    pub(crate) fn add_table(&mut self, table: *const TableEntity) {
        self.tables.push(table);
    }

    /// Whether enough referenced exceptions accumulated for a collection.
    #[inline(always)]
    pub(crate) fn collection_due(&self) -> bool {
        self.collectable >= self.next_collection
    }

    /// Frees the referenced, unpinned exceptions that no cell of `stack` (the live part of
    /// the value stack), of `object_fields` (the `exnref` fields of GC objects), of the
    /// registered globals and tables, or of the payloads of exceptions kept, holds the
    /// address of (see the module's documentation).
    pub(crate) fn collect(&mut self, stack: &[u64], object_fields: &[u64]) {
        // The candidates' addresses, sorted, for looking cells up.
        let mut by_address: Vec<(u64, u32)> = (self.objects.iter())
            .filter(|e| e.live)
            .map(|e| (e.as_ptr() as *const ExnEntity as u64, e.index))
            .collect();
        by_address.sort_unstable();
        let mut marked = vec![false; self.objects.len()];
        let mut work: Vec<u32> = Vec::new();
        let visit = |cell: u64, marked: &mut Vec<bool>, work: &mut Vec<u32>| {
            if let Ok(i) = by_address.binary_search_by_key(&cell, |&(a, _)| a) {
                let index = by_address[i].1;
                if !marked[index as usize] {
                    marked[index as usize] = true;
                    work.push(index);
                }
            }
        };
        for &cell in stack {
            visit(cell, &mut marked, &mut work);
        }
        for &cell in object_fields {
            visit(cell, &mut marked, &mut work);
        }
        for &g in &self.globals {
            // SAFETY: registered globals are boxed in the store, alive as long as it.
            visit(unsafe { *g }, &mut marked, &mut work);
        }
        for &t in &self.tables {
            // SAFETY: registered tables are boxed in the store, alive as long as it; no
            // one else accesses them during a collection (it runs inside a handler).
            for &cell in unsafe { &(*t).elems } {
                visit(cell, &mut marked, &mut work);
            }
        }
        for e in self
            .objects
            .iter()
            .filter(|e| e.live && e.pinned.load(Relaxed))
        {
            if !marked[e.index as usize] {
                marked[e.index as usize] = true;
                work.push(e.index);
            }
        }
        while let Some(i) = work.pop() {
            for k in 0..self.objects[i as usize].payload.len() {
                let cell = self.objects[i as usize].payload[k];
                visit(cell, &mut marked, &mut work);
            }
        }
        let dead: Vec<u32> = (self.objects.iter())
            .filter(|e| e.live && e.referenced && !marked[e.index as usize])
            .map(|e| e.index)
            .collect();
        for i in dead {
            self.release(i);
        }
        self.collectable = (self.objects.iter())
            .filter(|e| e.live && e.referenced && !e.pinned.load(Relaxed))
            .count();
        self.next_collection = (2 * self.collectable).max(MIN_COLLECTION);
    }

    /// How many exceptions are in use.
    pub(crate) fn live_count(&self) -> usize {
        self.objects.len() - self.free.len()
    }
}

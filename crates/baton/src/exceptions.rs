//! Exception handling as the embedder sees it: tags ([`Tag`]) and exceptions ([`ExnRef`]).
//!
//! A Wasm exception is thrown with a tag and carries the values the tag's type lists (its
//! payload). The host can make tags, make exceptions and throw them from a host function
//! (return `Err(Error::Exception(exn))`), and inspect an exception that no Wasm code
//! caught: a call that ends with one fails with [`Error::Exception`](crate::Error).
//! How unwinding finds a handler is described in `exec/unwind.rs`.

use crate::entity_box::EntityBox;
use crate::error::Error;
use crate::runtime::{ExnEntity, TagEntity};
use crate::store::{AsContext, AsContextMut, StoreInner};
use crate::types::TagType;
use crate::values::{cells_to_vals, vals_to_cells, Val};

/// An exception tag of a store: defined by an instance, or made by the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tag {
    pub(crate) store: u64,
    pub(crate) index: u32,
}

impl Tag {
    /// A new tag, distinct from every other (e.g. to satisfy an import).
    pub fn new(mut store: impl AsContextMut, ty: &TagType) -> Tag {
        let inner = &mut store.as_context_mut().0.inner;
        new_tag(inner, ty.clone())
    }

    /// The tag's type.
    pub fn ty(&self, store: impl AsContext) -> TagType {
        self.entity(&store.as_context().0.inner).ty.clone()
    }

    pub(crate) fn entity<'a>(&self, inner: &'a StoreInner) -> &'a TagEntity {
        inner.check(self.store);
        &inner.tags[self.index as usize]
    }
}

/// Adds a tag entity to the store.
pub(crate) fn new_tag(inner: &mut StoreInner, ty: TagType) -> Tag {
    let index = inner.tags.len() as u32;
    inner.tags.push(EntityBox::new(TagEntity { ty, index }));
    Tag {
        store: inner.id,
        index,
    }
}

/// A reference to an exception of a store: its tag and payload.
///
/// An exception the host has a handle to stays in the store until the store is dropped
/// (see `runtime::exn`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExnRef {
    pub(crate) store: u64,
    pub(crate) index: u32,
}

impl ExnRef {
    /// A new exception of `tag` carrying `payload`, which must match the tag's type.
    pub fn new(mut store: impl AsContextMut, tag: &Tag, payload: &[Val]) -> Result<ExnRef, Error> {
        let inner = &mut store.as_context_mut().0.inner;
        let entity = tag.entity(inner);
        let types = entity.ty.params();
        if payload.len() != types.len()
            || payload
                .iter()
                .zip(types)
                .any(|(v, t)| !v.matches(*t, inner))
        {
            return Err(Error::Usage(format!(
                "exception payload does not match its tag's type {}",
                entity.ty.func_type()
            )));
        }
        let tag_ptr: *const TagEntity = entity;
        let cells = vals_to_cells(payload, inner);
        let exn = inner.ctx.exns.alloc(tag_ptr, &cells);
        // SAFETY: `alloc` returns one of the heap's live, boxed objects.
        Ok(unsafe { exn_handle(inner, exn) })
    }

    fn entity<'a>(&self, inner: &'a StoreInner) -> &'a ExnEntity {
        inner.check(self.store);
        &inner.ctx.exns.objects[self.index as usize]
    }

    /// The tag the exception was thrown with.
    pub fn tag(&self, store: impl AsContext) -> Tag {
        let inner = &store.as_context().0.inner;
        // SAFETY: an exception's tag is an entity of its store (only tags of the store
        // are thrown), boxed and alive as long as the store.
        let index = unsafe { (*self.entity(inner).tag).index };
        Tag {
            store: inner.id,
            index,
        }
    }

    /// The values the exception carries, in the order of its tag's type.
    pub fn payload(&self, store: impl AsContext) -> Vec<Val> {
        let inner = &store.as_context().0.inner;
        let e = self.entity(inner);
        // SAFETY: as in `tag`.
        let ty = unsafe { &(*e.tag).ty };
        let mut out = vec![Val::I32(0); ty.params().len()];
        cells_to_vals(&e.payload, ty.params(), inner, &mut out);
        out
    }
}

/// The handle of exception `exn`, which is pinned: it is never freed while the store lives
/// (the handle may be used any time later).
///
/// # Safety
/// `exn` is a live object of `inner`'s exception heap.
pub(crate) unsafe fn exn_handle(inner: &StoreInner, exn: *const ExnEntity) -> ExnRef {
    // SAFETY: (caller) a live, boxed object of this store's heap.
    let e = unsafe { &*exn };
    e.pin();
    ExnRef {
        store: inner.id,
        index: e.index,
    }
}

//! [`EntityBox`]: how a store owns an entity that instances and translated code also
//! reach through raw pointers.

use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

/// A heap allocation owned like a `Box`, but which may be aliased by raw pointers.
///
/// A store owns its functions, memories, tables, globals, tags and instances, and the
/// entities point at each other: an instance lists the tables it imports, a function its
/// instance. Those pointers are taken once, from [`EntityBox::as_ptr`], and stay valid as
/// long as the store. With a `Box`, every access through it would assert that it is the
/// only way to the value (Rust's aliasing rules treat a `Box` like a `&mut`), and would
/// invalidate the pointers others hold: importing a table used to take `&mut **box`, after
/// which the exporting instance's pointer was stale under Stacked Borrows. An `EntityBox`
/// holds a raw pointer instead, so accesses through it and through the others' pointers
/// all derive from the same allocation's pointer.
///
/// What makes the two kinds of access sound together is the store's discipline, the same
/// as before: entities are read and written only through `&StoreInner` / `&mut StoreInner`
/// (or, while Wasm code runs, through the pointers alone), never through both at once.
pub(crate) struct EntityBox<T: ?Sized>(NonNull<T>);

impl<T> EntityBox<T> {
    /// Moves `value` to the heap.
    pub(crate) fn new(value: T) -> EntityBox<T> {
        EntityBox(NonNull::from(Box::leak(Box::new(value))))
    }
}

impl<T: ?Sized> EntityBox<T> {
    /// The pointer other entities keep: valid until this box is dropped.
    pub(crate) fn as_ptr(&self) -> *mut T {
        self.0.as_ptr()
    }
}

impl<T: ?Sized> Deref for EntityBox<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the pointer came from `Box::leak` and is freed only by `drop`; the store's
        // discipline (see the type) keeps writes through other pointers from overlapping
        // this borrow.
        unsafe { self.0.as_ref() }
    }
}

impl<T: ?Sized> DerefMut for EntityBox<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`; `&mut self` means the store is borrowed mutably, so no
        // other access through the store overlaps this one.
        unsafe { self.0.as_mut() }
    }
}

impl<T: ?Sized> Drop for EntityBox<T> {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `Box::leak` (in `new`), and this is its only owner.
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}

// SAFETY: an `EntityBox<T>` owns its `T` as a `Box<T>` does, so it may cross threads when a
// `Box<T>` may.
unsafe impl<T: ?Sized + Send> Send for EntityBox<T> {}
// SAFETY: as for `Send`: shared access gives out `&T` only.
unsafe impl<T: ?Sized + Sync> Sync for EntityBox<T> {}

#[cfg(test)]
mod tests {
    use super::EntityBox;

    #[test]
    fn owns_drops_and_lets_pointers_alias() {
        let counted = std::rc::Rc::new(());
        let mut b = EntityBox::new((std::rc::Rc::clone(&counted), 1u32));
        let p = b.as_ptr();
        b.1 += 1;
        // SAFETY: `b` is alive and not borrowed now.
        unsafe { (*p).1 += 1 };
        assert_eq!(b.1, 3);
        assert_eq!(std::rc::Rc::strong_count(&counted), 2);
        drop(b);
        assert_eq!(std::rc::Rc::strong_count(&counted), 1);
    }
}

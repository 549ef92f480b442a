//! The Wasm call stack's return frames.

use super::Frame;
use core::mem::MaybeUninit;

/// The return frames of a store's running activations: a stack that the call and return
/// handlers push to and pop from through a top pointer.
///
/// Not a `Vec`: pushing to a `Vec` from a handler loads its pointer and its length,
/// computes the address and stores the length back; with a top pointer, a push or a pop
/// is one load and one store of the pointer. The frames `[base, top)` are live.
pub(crate) struct Frames {
    /// The frames' memory: every element is a possibly-uninitialised slot (its length is
    /// its capacity). Replaced, never resized in place, when it grows.
    storage: Vec<MaybeUninit<Frame>>,
    /// The next free slot.
    pub top: *mut Frame,
    /// Calls may push without a check of their own while `top < room_end`:
    /// `base + min(max, capacity)`. Only growing moves it.
    pub room_end: *mut Frame,
    /// The deepest call stack allowed (`Config::max_call_depth`).
    max: usize,
}

impl Frames {
    /// An empty stack allowing at most `max` frames pushed by calls.
    pub(crate) fn new(max: usize) -> Frames {
        let mut storage = Vec::new();
        let base = storage.as_mut_ptr() as *mut Frame;
        Frames {
            storage,
            top: base,
            room_end: base,
            max,
        }
    }

    /// The first slot, for reading and for address arithmetic.
    fn base(&self) -> *const Frame {
        self.storage.as_ptr() as *const Frame
    }

    /// The first slot, for pointers that will be written through (`top`, `room_end`):
    /// derived from `as_mut_ptr`, which later `as_ptr`/`as_mut_ptr` calls do not
    /// invalidate.
    fn base_mut(&mut self) -> *mut Frame {
        self.storage.as_mut_ptr() as *mut Frame
    }

    /// How many frames are live.
    pub(crate) fn len(&self) -> usize {
        // SAFETY: `top` is within (or one past) `storage`.
        unsafe { self.top.cast_const().offset_from(self.base()) as usize }
    }

    /// The live frames, oldest first.
    pub(crate) fn as_slice(&self) -> &[Frame] {
        // SAFETY: the frames `[base, top)` are initialised.
        unsafe { core::slice::from_raw_parts(self.base(), self.len()) }
    }

    /// Pushes a frame whatever the depth limit (an activation's sentinel frame; calls
    /// push in their handlers and grow with [`Frames::grow`]).
    pub(crate) fn push(&mut self, frame: Frame) {
        if self.len() == self.storage.len() {
            self.reallocate((self.storage.len() * 2).max(16));
        }
        // SAFETY: there is a free slot at `top` (made just above if needed).
        unsafe {
            self.top.write(frame);
            self.top = self.top.add(1);
        }
    }

    /// Removes and returns the newest frame.
    ///
    /// # Safety
    /// At least one frame is live.
    #[inline(always)]
    pub(crate) unsafe fn pop_unchecked(&mut self) -> Frame {
        // SAFETY: (caller) a frame is live below `top`.
        unsafe {
            self.top = self.top.sub(1);
            self.top.read()
        }
    }

    /// Drops the frames above the first `len`.
    pub(crate) fn truncate(&mut self, len: usize) {
        if len < self.len() {
            // SAFETY: `len` is below the live count.
            self.top = unsafe { self.base_mut().add(len) };
        }
    }

    /// Makes room for a call to push `need` more frames (two for a call into another
    /// instance); `false` when that would pass the depth limit (the call traps).
    pub(crate) fn grow(&mut self, need: usize) -> bool {
        let n = self.len();
        if n + need > self.max {
            return false;
        }
        // Geometrically, but never (much) beyond the limit.
        self.reallocate((n.max(16) * 2).min(self.max).max(n + need));
        true
    }

    /// Moves the frames to new storage of `capacity` slots (at least the live count).
    fn reallocate(&mut self, capacity: usize) {
        let n = self.len();
        let capacity = capacity.max(n + 1);
        let mut storage: Vec<MaybeUninit<Frame>> = Vec::with_capacity(capacity);
        storage.resize(capacity, MaybeUninit::uninit());
        storage[..n].copy_from_slice(&self.storage[..n]);
        self.storage = storage;
        let base = self.base_mut();
        // SAFETY: `n < capacity` and `min(max, capacity) <= capacity`: both in the storage.
        unsafe {
            self.top = base.add(n);
            self.room_end = base.add(self.max.min(capacity));
        }
    }
}

//! Stores own every runtime entity (functions, memories, tables, globals, instances) and
//! the host's data; contexts give access to a store from host functions.

use crate::engine::Engine;
use crate::entity_box::EntityBox;
use crate::exec::Ctx;
use crate::func::HostFn;
use crate::instance::Instance;
use crate::runtime::{FuncEntity, GlobalEntity, InstanceEntity, MemoryEntity, TableEntity};
use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};

/// The untyped part of a store: everything the interpreter touches.
///
/// Entities are boxed although they sit in vectors: translated code and instances hold raw
/// pointers to them, which must stay valid when the vectors grow (and which the boxes let
/// alias them; see [`EntityBox`]).
pub(crate) struct StoreInner {
    pub id: u64,
    pub engine: Engine,
    pub funcs: Vec<EntityBox<FuncEntity>>,
    pub memories: Vec<EntityBox<MemoryEntity>>,
    pub tables: Vec<EntityBox<TableEntity>>,
    pub globals: Vec<EntityBox<GlobalEntity>>,
    pub instances: Vec<EntityBox<InstanceEntity>>,
    pub tags: Vec<EntityBox<crate::runtime::TagEntity>>,
    pub externrefs: Vec<Box<dyn Any + Send + Sync>>,
    /// The Wasm value stack (allocated on first use).
    pub stack: Vec<u64>,
    /// First slot free for a new activation.
    pub stack_top: usize,
    /// Activations in progress (host → Wasm nesting depth).
    pub depth: usize,
    pub ctx: Ctx,
    /// Raised by an [`InterruptHandle`]; read by interruption checks.
    pub interrupt: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// The embedder's limiter (boxed: `ctx.limiter` points into it).
    pub limiter: Option<Box<dyn crate::limits::ResourceLimiter>>,
}

// SAFETY: the raw pointers inside point to entities owned by this same store (boxed, so
// they move with it), never to thread-local data.
unsafe impl Send for StoreInner {}
// SAFETY: shared access (`&StoreInner`) only reads through those pointers; every write
// goes through `&mut StoreInner`.
unsafe impl Sync for StoreInner {}

impl StoreInner {
    pub(crate) fn new(engine: &Engine) -> StoreInner {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        StoreInner {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            engine: engine.clone(),
            funcs: Vec::new(),
            memories: Vec::new(),
            tables: Vec::new(),
            globals: Vec::new(),
            instances: Vec::new(),
            tags: Vec::new(),
            externrefs: Vec::new(),
            stack: Vec::new(),
            stack_top: 0,
            depth: 0,
            ctx: Ctx::new(engine.config().max_call_depth),
            interrupt: Default::default(),
            limiter: None,
        }
    }

    /// Points the execution context at this store's interrupt flag. Called whenever
    /// execution starts, as the store (and so nothing inside `Arc`) may have moved.
    pub(crate) fn wire(&mut self) {
        self.ctx.interrupt = std::sync::Arc::as_ptr(&self.interrupt);
    }

    /// Registers the newest global, if it holds an `exnref`, as a root of exception
    /// collections (see `runtime::exn`), or if it may hold a GC object, as a root of the GC
    /// heap's. Called right after a global is pushed.
    pub(crate) fn register_exn_global(&mut self) {
        if let Some(g) = self.globals.last() {
            if is_exn(g.ty.content()) {
                self.ctx.exns.add_global(g.cells());
            }
            if crate::runtime::gc::traced(g.ty.content()) {
                self.ctx.gc.roots.add_global(g.cells());
            }
        }
    }

    /// [`StoreInner::register_exn_global`] for the newest table. Returns the pointer the
    /// collectors keep, for instances to use too: pointers taken from one borrow of the
    /// table, so that no access through one invalidates the others (Miri's aliasing
    /// models).
    pub(crate) fn register_exn_table(&mut self) -> *mut TableEntity {
        let Some(t) = self.tables.last_mut() else {
            return core::ptr::null_mut();
        };
        let ptr: *mut TableEntity = t.as_ptr();
        let element = t.ty.element();
        if is_exn(element) {
            self.ctx.exns.add_table(ptr);
        }
        if crate::runtime::gc::traced(element) {
            self.ctx.gc.roots.add_table(ptr);
        }
        ptr
    }

    /// Panics unless a handle belongs to this store: mixing stores is a programming error
    /// that would otherwise let one store read another's memory.
    pub(crate) fn check(&self, store_id: u64) {
        assert_eq!(
            store_id, self.id,
            "handle used with a store it does not belong to"
        );
    }
}

/// Whether values of `ty` are exception references.
fn is_exn(ty: crate::types::ValType) -> bool {
    ty.as_ref_type().is_some_and(|r| r.is_exn())
}

/// A collection of instances and host state `T`. All Wasm execution happens in a store.
pub struct Store<T> {
    pub(crate) inner: StoreInner,
    pub(crate) host_funcs: Vec<HostFn<T>>,
    pub(crate) data: T,
}

impl<T> Store<T> {
    /// A new, empty store with host data `data`.
    pub fn new(engine: &Engine, data: T) -> Self {
        Store {
            inner: StoreInner::new(engine),
            host_funcs: Vec::new(),
            data,
        }
    }

    /// The host data.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.data
    }

    /// Consumes the store, returning the host data.
    pub fn into_data(self) -> T {
        self.data
    }

    /// The store's engine.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// Sets the fuel available to Wasm code (engines with `Config::consume_fuel`).
    pub fn set_fuel(&mut self, fuel: u64) -> Result<(), crate::Error> {
        self.fuel_enabled()?;
        self.inner.ctx.fuel = fuel;
        Ok(())
    }

    /// The fuel left.
    pub fn get_fuel(&self) -> Result<u64, crate::Error> {
        self.fuel_enabled()?;
        Ok(self.inner.ctx.fuel)
    }

    fn fuel_enabled(&self) -> Result<(), crate::Error> {
        if self.inner.engine.config().consume_fuel {
            Ok(())
        } else {
            Err(crate::Error::Usage(
                "fuel is not enabled: use Config::consume_fuel(true)".into(),
            ))
        }
    }

    /// A handle that stops this store's running guest from any thread (engines with
    /// `Config::interruptible`): the guest traps with `TrapCode::Interrupted` at its next
    /// loop iteration or function entry.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle(self.inner.interrupt.clone())
    }

    /// How many exception objects the store holds: those in flight or referenced by Wasm
    /// values, and those the host has handles to. Exceptions caught without a reference
    /// are freed when caught, and unreferenced ones are collected as more are thrown.
    pub fn exceptions_in_use(&self) -> usize {
        self.inner.ctx.exns.live_count()
    }

    /// Collects the GC heap now: frees every structure and array that no Wasm frame,
    /// global, table, element segment, exception or rooted host handle reaches. The heap
    /// also collects by itself as it grows.
    pub fn gc(&mut self) {
        // SAFETY: no Wasm instruction runs (the store is borrowed exclusively here); the
        // frames and recorded suspensions are those of the live activations.
        unsafe { crate::exec::collect_from_host(&mut self.inner.ctx) }
    }

    /// The GC heap's statistics.
    pub fn gc_stats(&self) -> GcStats {
        let gc = &self.inner.ctx.gc;
        GcStats {
            collections: gc.collections,
            objects: gc.len(),
            bytes: gc.cells() * 8,
        }
    }

    /// Installs a resource limiter, consulted when memories and tables grow and when
    /// instances, memories and tables are created.
    pub fn limiter(&mut self, limiter: impl crate::limits::ResourceLimiter + 'static) {
        let mut boxed: Box<dyn crate::limits::ResourceLimiter> = Box::new(limiter);
        self.inner.ctx.limiter = Some(&mut *boxed as *mut dyn crate::limits::ResourceLimiter);
        self.inner.limiter = Some(boxed);
    }
}

/// A GC heap's statistics (see [`Store::gc_stats`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcStats {
    /// Collections run so far.
    pub collections: u64,
    /// Structures and arrays allocated and not freed yet.
    pub objects: usize,
    /// Their bytes (headers included).
    pub bytes: usize,
}

/// Stops a store's running guest from another thread (see [`Store::interrupt_handle`]).
#[derive(Clone, Debug)]
pub struct InterruptHandle(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl InterruptHandle {
    /// Asks the guest to stop at its next check point. The flag is cleared when the
    /// interruption is delivered, so the store can run again afterwards.
    pub fn interrupt(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// A shared borrow of a store.
pub struct StoreContext<'a, T>(pub(crate) &'a Store<T>);
/// An exclusive borrow of a store.
pub struct StoreContextMut<'a, T>(pub(crate) &'a mut Store<T>);

/// Anything through which a store can be read: `&Store`, `&mut Store`, `Caller`...
pub trait AsContext {
    /// The store's host data type.
    type Data;
    /// Borrows the store.
    fn as_context(&self) -> StoreContext<'_, Self::Data>;
}

/// Anything through which a store can be changed: `&mut Store`, `Caller`...
pub trait AsContextMut: AsContext {
    /// Borrows the store mutably.
    fn as_context_mut(&mut self) -> StoreContextMut<'_, Self::Data>;
}

impl<T> AsContext for Store<T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self)
    }
}
impl<T> AsContextMut for Store<T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self)
    }
}
impl<T> AsContext for StoreContext<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}
impl<T> AsContext for StoreContextMut<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}
impl<T> AsContextMut for StoreContextMut<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.0)
    }
}
impl<C: AsContext + ?Sized> AsContext for &C {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        (**self).as_context()
    }
}
impl<C: AsContext + ?Sized> AsContext for &mut C {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        (**self).as_context()
    }
}
impl<C: AsContextMut + ?Sized> AsContextMut for &mut C {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, C::Data> {
        (**self).as_context_mut()
    }
}

impl<'a, T> From<&'a Store<T>> for StoreContext<'a, T> {
    fn from(s: &'a Store<T>) -> Self {
        StoreContext(s)
    }
}
impl<'a, T> From<&'a mut Store<T>> for StoreContext<'a, T> {
    fn from(s: &'a mut Store<T>) -> Self {
        StoreContext(s)
    }
}
impl<'a, T> From<&'a mut Store<T>> for StoreContextMut<'a, T> {
    fn from(s: &'a mut Store<T>) -> Self {
        StoreContextMut(s)
    }
}
impl<'a, T> From<StoreContextMut<'a, T>> for StoreContext<'a, T> {
    fn from(s: StoreContextMut<'a, T>) -> Self {
        StoreContext(s.0)
    }
}
impl<'a, 'b, T> From<&'a Caller<'b, T>> for StoreContext<'a, T> {
    fn from(c: &'a Caller<'b, T>) -> Self {
        StoreContext(c.store)
    }
}
impl<'a, 'b, T> From<&'a mut Caller<'b, T>> for StoreContext<'a, T> {
    fn from(c: &'a mut Caller<'b, T>) -> Self {
        StoreContext(c.store)
    }
}
impl<'a, 'b, T> From<&'a mut Caller<'b, T>> for StoreContextMut<'a, T> {
    fn from(c: &'a mut Caller<'b, T>) -> Self {
        StoreContextMut(c.store)
    }
}

impl<T> StoreContext<'_, T> {
    /// The host data.
    pub fn data(&self) -> &T {
        self.0.data()
    }
    /// The GC heap's statistics (see [`Store::gc_stats`]).
    pub fn gc_stats(&self) -> GcStats {
        self.0.gc_stats()
    }
}
impl<T> StoreContextMut<'_, T> {
    /// The host data.
    pub fn data(&self) -> &T {
        self.0.data()
    }
    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        self.0.data_mut()
    }
    /// Collects the GC heap now (see [`Store::gc`]): for example through a `RootScope`,
    /// whose handles stay rooted.
    pub fn gc(&mut self) {
        self.0.gc()
    }
    /// The GC heap's statistics (see [`Store::gc_stats`]).
    pub fn gc_stats(&self) -> GcStats {
        self.0.gc_stats()
    }
}

/// What a host function gets: the store (with its host data) and the calling instance.
pub struct Caller<'a, T> {
    pub(crate) store: &'a mut Store<T>,
    pub(crate) instance: Option<Instance>,
}

impl<T> Caller<'_, T> {
    /// Collects the GC heap now (see [`Store::gc`]): the calling Wasm frames are roots.
    pub fn gc(&mut self) {
        self.store.gc()
    }

    /// The host data.
    pub fn data(&self) -> &T {
        self.store.data()
    }

    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        self.store.data_mut()
    }

    /// The store's engine.
    pub fn engine(&self) -> &Engine {
        self.store.engine()
    }

    /// An export of the calling instance (e.g. its `memory`).
    pub fn get_export(&self, name: &str) -> Option<crate::Extern> {
        self.instance?.get_export(&*self.store, name)
    }
}

impl<T> AsContext for Caller<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.store)
    }
}
impl<T> AsContextMut for Caller<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.store)
    }
}

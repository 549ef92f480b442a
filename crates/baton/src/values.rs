//! Values as the embedder sees them, and their encoding in 64-bit cells.
//!
//! Every value takes one cell except a `v128`, which takes two: the low 64 bits in the
//! first, the high 64 bits in the second (see [`ValType::cells`]). Frames, call arguments
//! and results, host function arguments and globals all hold values this way; the
//! functions here are the only place that converts between a [`Val`] and its cells.

use crate::exceptions::{exn_handle, ExnRef};
use crate::func::Func;
use crate::registry::is_subtype;
use crate::runtime::cast::CastTarget;
use crate::store::{AsContext, AsContextMut, StoreInner};
use crate::types::{HeapType, TypeId, ValType};
use std::any::Any;

/// How a reference of the `extern` or `any` hierarchy sits in a cell. Both hierarchies
/// share one encoding, so that `any.convert_extern` and `extern.convert_any` change no bits
/// and `ref.eq` is a comparison of cells:
/// - `0`: null;
/// - low bit `1`: an `i31`, its 31 bits above the tag;
/// - low bits `10`: a host value, its index in the store's host values above the tag;
/// - low bits `00` (not zero): a structure's or an array's address (`crate::runtime::gc`).
pub(crate) mod ref_cell {
    /// The cell of an `i31` of the low 31 bits of `v`.
    pub fn from_i31(v: u32) -> u64 {
        ((v as u64 & 0x7fff_ffff) << 1) | 1
    }
    /// Whether the cell holds an `i31`.
    pub fn is_i31(cell: u64) -> bool {
        cell & 1 == 1
    }
    /// The cell of the host value at `index`.
    pub fn from_host(index: u32) -> u64 {
        (index as u64) << 2 | 2
    }
    /// The index of the host value in the cell, if it holds one.
    pub fn host(cell: u64) -> Option<u32> {
        (cell & 3 == 2).then_some((cell >> 2) as u32)
    }
}

/// The root of a handle that needs none: an `i31`, a host value (kept as long as the
/// store), or a handle not rooted yet.
const NO_ROOT: u64 = u64::MAX;

/// How the host keeps a GC object alive: a handle to one (an [`AnyRef`], a
/// [`StructRef`](crate::StructRef) or an [`ArrayRef`](crate::ArrayRef), or an [`ExternRef`]
/// of a converted one) holds a root in its store. Roots are made whenever
/// such a handle comes out of the store (a call's results, a global's or a table's value, a
/// host function's arguments) and last until the scope they were made in ends: a host
/// function's when it returns, a [`RootScope`]'s when it is dropped, the store's when the
/// store is dropped. A handle used after its root is gone is an error (a call or a `set`
/// with it reports mismatched values; the handle's own methods panic), never a read of a
/// freed object.
pub(crate) fn root(store: &StoreInner, cell: u64) -> u64 {
    if cell & 3 != 0 {
        return NO_ROOT;
    }
    (store.ctx.gc.roots.host.lock())
        .unwrap_or_else(|e| e.into_inner())
        .push(cell)
}

/// Whether a handle's reference is still valid in `store`: not an object, or an object its
/// root still holds.
pub(crate) fn rooted(store: &StoreInner, cell: u64, root: u64) -> bool {
    cell & 3 != 0
        || (store.ctx.gc.roots.host.lock())
            .unwrap_or_else(|e| e.into_inner())
            .holds(root, cell)
}

/// Panics unless the handle's reference is valid in `store` (see [`rooted`]).
fn check_rooted(store: &StoreInner, cell: u64, root: u64) {
    assert!(
        rooted(store, cell, root),
        "a GC reference was used after the scope that rooted it ended (see `RootScope`)"
    );
}

/// A reference of the `extern` hierarchy: a host value owned by a store, or a value of
/// the `any` hierarchy converted with `extern.convert_any`. Equal when they refer to the
/// same value.
#[derive(Clone, Copy, Debug)]
pub struct ExternRef {
    pub(crate) store: u64,
    /// The reference's cell (see [`ref_cell`]): never 0.
    pub(crate) cell: u64,
    /// Its root, if it is an object (see [`root`]).
    pub(crate) root: u64,
}

impl PartialEq for ExternRef {
    fn eq(&self, other: &Self) -> bool {
        (self.store, self.cell) == (other.store, other.cell)
    }
}
impl Eq for ExternRef {}

impl ExternRef {
    /// Puts `value` into the store and returns a reference to it.
    pub fn new<T: Any + Send + Sync>(mut ctx: impl AsContextMut, value: T) -> ExternRef {
        let inner = &mut ctx.as_context_mut().0.inner;
        inner.externrefs.push(Box::new(value));
        ExternRef {
            store: inner.id,
            cell: ref_cell::from_host(inner.externrefs.len() as u32 - 1),
            root: NO_ROOT,
        }
    }

    /// The host value this reference points to, or `None` if it is a converted `any`
    /// value (`extern.convert_any`; see [`ExternRef::to_any`]).
    pub fn data<'a, C: AsContext>(&self, ctx: &'a C) -> Option<&'a (dyn Any + Send + Sync)> {
        let index = ref_cell::host(self.cell)?;
        let inner = &ctx.as_context().0.inner;
        inner.check(self.store);
        Some(&*inner.externrefs[index as usize])
    }

    /// The same reference as a value of the `any` hierarchy (`any.convert_extern`).
    pub fn to_any(self) -> AnyRef {
        AnyRef {
            store: self.store,
            cell: self.cell,
            root: self.root,
        }
    }
}

/// A scope of GC roots: the [`AnyRef`]s (and [`ExternRef`]s of objects) that come out of
/// the store while it lives are rooted until it is dropped; then the objects they refer to
/// may be collected, and using those handles is an error.
///
/// Without one, handles made outside host functions live as long as the store: a host that
/// loops over calls returning references should give each iteration a scope. Host
/// functions need none: each call is a scope of its own.
///
/// ```
/// # use baton::*;
/// # fn main() -> Result<(), Error> {
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"(module
///     (type $pair (struct (field i32) (field i32)))
///     (func (export "make") (result anyref) (struct.new $pair (i32.const 1) (i32.const 2))))"#)?;
/// let mut store = Store::new(&engine, ());
/// let instance = Linker::new(&engine).instantiate(&mut store, &module)?;
/// let make = instance.get_typed_func::<(), Option<AnyRef>>(&store, "make")?;
/// for _ in 0..3 {
///     let mut scope = RootScope::new(&mut store);
///     let pair = make.call(&mut scope, ())?.expect("not null");
///     assert!(pair.is_struct(&scope));
/// } // Each pair may be collected from here on.
/// # Ok(())
/// # }
/// ```
pub struct RootScope<C: AsContextMut> {
    ctx: C,
    start: usize,
}

impl<C: AsContextMut> RootScope<C> {
    /// Opens a scope on the store `ctx` borrows.
    pub fn new(mut ctx: C) -> Self {
        let start = scope_start(&ctx.as_context_mut().0.inner);
        RootScope { ctx, start }
    }
}

/// Where a scope of roots starts: the number of roots now.
pub(crate) fn scope_start(store: &StoreInner) -> usize {
    (store.ctx.gc.roots.host.lock())
        .unwrap_or_else(|e| e.into_inner())
        .len()
}

/// Ends the scope of roots that started at `start`.
pub(crate) fn scope_end(store: &StoreInner, start: usize) {
    (store.ctx.gc.roots.host.lock())
        .unwrap_or_else(|e| e.into_inner())
        .truncate(start)
}

impl<C: AsContextMut> Drop for RootScope<C> {
    fn drop(&mut self) {
        scope_end(&self.ctx.as_context_mut().0.inner, self.start);
    }
}

impl<C: AsContextMut> AsContext for RootScope<C> {
    type Data = C::Data;
    fn as_context(&self) -> crate::store::StoreContext<'_, C::Data> {
        self.ctx.as_context()
    }
}

impl<C: AsContextMut> AsContextMut for RootScope<C> {
    fn as_context_mut(&mut self) -> crate::store::StoreContextMut<'_, C::Data> {
        self.ctx.as_context_mut()
    }
}

/// A reference the host keeps alive for as long as it wants, whatever scopes end: for
/// objects held in host data between calls. It stays rooted until [`ManuallyRooted::unroot`]
/// (dropping it without unrooting keeps the object as long as the store).
#[derive(Debug, PartialEq, Eq)]
pub struct ManuallyRooted {
    store: u64,
    root: u64,
}

impl AnyRef {
    /// Roots the reference until [`ManuallyRooted::unroot`]. An error if the handle's own
    /// scope has ended.
    pub fn to_manually_rooted(
        &self,
        mut store: impl AsContextMut,
    ) -> Result<ManuallyRooted, crate::Error> {
        let inner = &store.as_context_mut().0.inner;
        if !ref_cell::is_i31(self.cell) {
            inner.check(self.store);
        }
        if !rooted(inner, self.cell, self.root) {
            return Err(crate::Error::Usage(
                "the reference's scope has ended".into(),
            ));
        }
        let root = (inner.ctx.gc.roots.host.lock())
            .unwrap_or_else(|e| e.into_inner())
            .keep(self.cell);
        Ok(ManuallyRooted {
            store: inner.id,
            root,
        })
    }
}

impl ManuallyRooted {
    /// The reference, as a handle of the current scope; an error once unrooted.
    pub fn get(&self, store: impl AsContext) -> Result<AnyRef, crate::Error> {
        let inner = &store.as_context().0.inner;
        inner.check(self.store);
        let cell = (inner.ctx.gc.roots.host.lock())
            .unwrap_or_else(|e| e.into_inner())
            .kept(self.root)
            .ok_or_else(|| crate::Error::Usage("the reference was unrooted".into()))?;
        Ok(AnyRef {
            store: inner.id,
            cell,
            root: root(inner, cell),
        })
    }

    /// Releases the root: the object may be collected once nothing else reaches it.
    pub fn unroot(self, store: impl AsContext) {
        let inner = &store.as_context().0.inner;
        inner.check(self.store);
        (inner.ctx.gc.roots.host.lock())
            .unwrap_or_else(|e| e.into_inner())
            .release(self.root);
    }
}

/// A 31-bit integer held in a reference without allocation (`i31ref`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct I31(u32);

impl I31 {
    /// The `i31` of `v`'s low 31 bits (what `ref.i31` does).
    pub fn wrapping_u32(v: u32) -> I31 {
        I31(v & 0x7fff_ffff)
    }
    /// The `i31` of `v`'s low 31 bits.
    pub fn wrapping_i32(v: i32) -> I31 {
        Self::wrapping_u32(v as u32)
    }
    /// The value, sign-extended from 31 bits (`i31.get_s`).
    pub fn get_i32(self) -> i32 {
        ((self.0 << 1) as i32) >> 1
    }
    /// The value, zero-extended (`i31.get_u`).
    pub fn get_u32(self) -> u32 {
        self.0
    }
}

/// A reference of the `any` hierarchy: an `i31`, a structure or an array of a store, or a
/// host reference converted with `any.convert_extern`.
///
/// Equal when they refer to the same value. A structure or an array stays alive while the
/// handle's root does (see [`RootScope`]).
#[derive(Clone, Copy, Debug)]
pub struct AnyRef {
    /// The store of a converted host reference (an `i31` belongs to every store).
    pub(crate) store: u64,
    /// The reference's cell (see [`ref_cell`]): never 0.
    pub(crate) cell: u64,
    /// Its root, if it is an object (see [`root`]).
    pub(crate) root: u64,
}

impl PartialEq for AnyRef {
    fn eq(&self, other: &Self) -> bool {
        (self.store, self.cell) == (other.store, other.cell)
    }
}
impl Eq for AnyRef {}

impl AnyRef {
    /// An `i31` reference.
    pub fn from_i31(v: I31) -> AnyRef {
        AnyRef {
            store: 0,
            cell: ref_cell::from_i31(v.0),
            root: NO_ROOT,
        }
    }
    /// The `i31`, if the reference is one.
    pub fn as_i31(&self) -> Option<I31> {
        ref_cell::is_i31(self.cell).then_some(I31((self.cell >> 1) as u32))
    }
    /// Whether the reference is a structure (of `store`, to which it must belong unless it
    /// is an `i31`).
    pub fn is_struct(&self, store: impl AsContext) -> bool {
        self.object_kind(&store.as_context().0.inner) == Some(crate::runtime::gc::STRUCT)
    }

    /// Whether the reference is an array (as [`AnyRef::is_struct`]).
    pub fn is_array(&self, store: impl AsContext) -> bool {
        self.object_kind(&store.as_context().0.inner) == Some(crate::runtime::gc::ARRAY)
    }

    /// The kind of object the reference is, if it is one.
    fn object_kind(&self, store: &StoreInner) -> Option<u64> {
        if self.cell & 3 != 0 {
            return None;
        }
        store.check(self.store);
        check_rooted(store, self.cell, self.root);
        // SAFETY: a reference whose low bits are `00` is an object of its store (the cell
        // encoding; `AnyRef`s are only made by Baton), kept alive by the handle's root
        // (checked just above) while `store` is borrowed.
        Some(unsafe { crate::runtime::gc::kind_and_type(self.cell) }.0)
    }

    /// The same reference as a value of the `extern` hierarchy (`extern.convert_any`).
    pub fn to_extern(self) -> ExternRef {
        ExternRef {
            store: self.store,
            cell: self.cell,
            root: self.root,
        }
    }
}

/// A 128-bit SIMD vector, as its bits: byte `i` of the Wasm vector is byte `i` of the
/// little-endian `u128` (lane 0 in the lowest bits).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct V128(u128);

impl V128 {
    /// The vector's bits.
    pub fn as_u128(self) -> u128 {
        self.0
    }
}

impl From<u128> for V128 {
    fn from(bits: u128) -> V128 {
        V128(bits)
    }
}

/// A Wasm value.
#[derive(Clone, Copy, Debug)]
pub enum Val {
    /// A 32-bit integer.
    I32(i32),
    /// A 64-bit integer.
    I64(i64),
    /// A 32-bit float, as its bits (so NaN payloads survive).
    F32(u32),
    /// A 64-bit float, as its bits.
    F64(u64),
    /// A 128-bit vector.
    V128(V128),
    /// A function reference.
    FuncRef(Option<Func>),
    /// A host reference.
    ExternRef(Option<ExternRef>),
    /// An exception reference (`exnref`).
    ExnRef(Option<ExnRef>),
    /// A reference of the `any` hierarchy (`anyref`, `eqref`, `i31ref`...).
    AnyRef(Option<AnyRef>),
}

impl Val {
    /// The value's type.
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FuncRef,
            Val::ExternRef(_) => ValType::ExternRef,
            Val::ExnRef(_) => ValType::EXNREF,
            Val::AnyRef(_) => ValType::ANYREF,
        }
    }

    /// The zero (or null) value of a type.
    pub fn default_for(ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(V128(0)),
            ValType::FuncRef => Val::FuncRef(None),
            ValType::ExternRef => Val::ExternRef(None),
            // (Null also for a non-nullable type: the placeholder a caller overwrites.)
            ValType::Ref(r) if r.is_func() => Val::FuncRef(None),
            ValType::Ref(r) if r.is_exn() => Val::ExnRef(None),
            ValType::Ref(r) if r.heap_type().top() == HeapType::Any => Val::AnyRef(None),
            ValType::Ref(_) => Val::ExternRef(None),
        }
    }

    /// Whether the value is one of type `ty`: its own type, or for a reference, any
    /// reference type it belongs to (null only to nullable ones; a function only to its
    /// signature's typed references). References must belong to `store`.
    pub(crate) fn matches(&self, ty: ValType, store: &StoreInner) -> bool {
        let Some(r) = ty.as_ref_type() else {
            return self.ty() == ty;
        };
        match self {
            Val::FuncRef(None) => r.is_func() && r.is_nullable(),
            Val::ExnRef(None) => r.is_exn() && r.is_nullable(),
            Val::ExnRef(Some(e)) => {
                r.heap_type() == HeapType::Exn
                    && e.store == store.id
                    && (e.index as usize) < store.ctx.exns.objects.len()
            }
            Val::ExternRef(None) => r.heap_type().top() == HeapType::Extern && r.is_nullable(),
            Val::AnyRef(None) => r.heap_type().top() == HeapType::Any && r.is_nullable(),
            Val::AnyRef(Some(a)) => {
                let (target, type_id) = CastTarget::of(r);
                r.heap_type().top() == HeapType::Any
                    && (ref_cell::is_i31(a.cell) || a.store == store.id)
                    && rooted(store, a.cell, a.root)
                    // SAFETY: the reference is an `i31` or belongs to `store` (checked just
                    // before), whose objects live as long as it does; its hierarchy is the
                    // target's (checked too).
                    && unsafe { target.test(a.cell, type_id) }
            }
            Val::FuncRef(Some(f)) => {
                let Some(e) = store.funcs.get(f.index as usize) else {
                    return false;
                };
                store.id == f.store
                    && match r.heap_type() {
                        HeapType::Func => true,
                        HeapType::ConcreteFunc(id) => is_subtype(TypeId(e.type_id), id),
                        _ => false,
                    }
            }
            Val::ExternRef(Some(e)) => {
                r.heap_type() == HeapType::Extern
                    && (ref_cell::is_i31(e.cell) || e.store == store.id)
                    && rooted(store, e.cell, e.root)
            }
            _ => false,
        }
    }

    /// The `i32`, if this is one.
    pub fn i32(&self) -> Option<i32> {
        if let Val::I32(v) = *self {
            Some(v)
        } else {
            None
        }
    }
    /// The `i64`, if this is one.
    pub fn i64(&self) -> Option<i64> {
        if let Val::I64(v) = *self {
            Some(v)
        } else {
            None
        }
    }
    /// The `f32`, if this is one.
    pub fn f32(&self) -> Option<f32> {
        if let Val::F32(v) = *self {
            Some(f32::from_bits(v))
        } else {
            None
        }
    }
    /// The `f64`, if this is one.
    pub fn f64(&self) -> Option<f64> {
        if let Val::F64(v) = *self {
            Some(f64::from_bits(v))
        } else {
            None
        }
    }

    /// The `v128`, if this is one.
    pub fn v128(&self) -> Option<V128> {
        if let Val::V128(v) = *self {
            Some(v)
        } else {
            None
        }
    }

    /// Encodes the value into its cells (one, or two for a `v128`: `out` must have room).
    /// References must belong to `store`.
    pub(crate) fn write_cells(self, store: &StoreInner, out: &mut [u64]) {
        match self {
            Val::V128(v) => {
                out[0] = v.0 as u64;
                out[1] = (v.0 >> 64) as u64;
            }
            other => out[0] = other.to_cell(store),
        }
    }

    /// Decodes a value of type `ty` from its cells (one, or two for a `v128`).
    pub(crate) fn read_cells(cells: &[u64], ty: ValType, store: &StoreInner) -> Val {
        match ty {
            ValType::V128 => Val::V128(V128(cells[0] as u128 | (cells[1] as u128) << 64)),
            _ => Val::from_cell(cells[0], ty, store),
        }
    }

    /// Encodes a value that takes one cell. References must belong to `store`; a `v128`
    /// (two cells) goes through [`Val::write_cells`] instead, and gives its low half here.
    pub(crate) fn to_cell(self, store: &StoreInner) -> u64 {
        match self {
            Val::I32(v) => v as u32 as u64,
            Val::I64(v) => v as u64,
            Val::F32(v) => v as u64,
            Val::F64(v) => v,
            Val::V128(v) => v.0 as u64,
            Val::FuncRef(None) | Val::ExternRef(None) | Val::ExnRef(None) | Val::AnyRef(None) => 0,
            Val::ExnRef(Some(e)) => {
                store.check(e.store);
                &*store.ctx.exns.objects[e.index as usize] as *const _ as u64
            }
            Val::FuncRef(Some(f)) => {
                store.check(f.store);
                store.funcs[f.index as usize].as_ptr() as *const _ as u64
            }
            Val::ExternRef(Some(ExternRef {
                store: s,
                cell,
                root,
            }))
            | Val::AnyRef(Some(AnyRef {
                store: s,
                cell,
                root,
            })) => {
                if !ref_cell::is_i31(cell) {
                    store.check(s);
                }
                check_rooted(store, cell, root);
                cell
            }
        }
    }

    /// Decodes a cell holding a value of a one-cell type `ty` (a `v128` goes through
    /// [`Val::read_cells`]; here it gets only its low half).
    pub(crate) fn from_cell(cell: u64, ty: ValType, store: &StoreInner) -> Val {
        match ty {
            ValType::I32 => Val::I32(cell as u32 as i32),
            ValType::I64 => Val::I64(cell as i64),
            ValType::F32 => Val::F32(cell as u32),
            ValType::F64 => Val::F64(cell),
            ValType::V128 => Val::V128(V128(cell as u128)),
            ValType::FuncRef => Val::FuncRef(func_from_cell(cell, store)),
            ValType::Ref(r) if r.is_func() => Val::FuncRef(func_from_cell(cell, store)),
            ValType::Ref(r) if r.is_exn() => {
                let ptr = cell as *const crate::runtime::ExnEntity;
                // SAFETY: a non-null exnref cell always points to a live object of this
                // store's exception heap (only `throw`, catches and `ExnRef` make them).
                Val::ExnRef((!ptr.is_null()).then(|| unsafe { exn_handle(store, ptr) }))
            }
            ValType::Ref(r) if r.heap_type().top() == HeapType::Any => {
                Val::AnyRef((cell != 0).then(|| AnyRef {
                    store: store.id,
                    cell,
                    root: root(store, cell),
                }))
            }
            ValType::ExternRef | ValType::Ref(_) => {
                Val::ExternRef((cell != 0).then(|| ExternRef {
                    store: store.id,
                    cell,
                    root: root(store, cell),
                }))
            }
        }
    }
}

pub(crate) fn func_from_cell(cell: u64, store: &StoreInner) -> Option<Func> {
    let ptr = cell as *const crate::runtime::FuncEntity;
    (!ptr.is_null()).then(|| Func {
        store: store.id,
        // SAFETY: a non-null funcref cell always points to a boxed entity of this store
        // (`ref.func`, tables and globals only ever hold such pointers or 0).
        index: unsafe { (*ptr).index },
    })
}

impl From<i32> for Val {
    fn from(v: i32) -> Val {
        Val::I32(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::I64(v)
    }
}
impl From<f32> for Val {
    fn from(v: f32) -> Val {
        Val::F32(v.to_bits())
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::F64(v.to_bits())
    }
}
impl From<Func> for Val {
    fn from(f: Func) -> Val {
        Val::FuncRef(Some(f))
    }
}

impl From<V128> for Val {
    fn from(v: V128) -> Val {
        Val::V128(v)
    }
}

/// Encodes `vals` into cells (see the module's documentation).
pub(crate) fn vals_to_cells(vals: &[Val], store: &StoreInner) -> Vec<u64> {
    let mut cells = vec![0; vals.iter().map(|v| v.ty().cells()).sum()];
    let mut at = 0;
    for v in vals {
        v.write_cells(store, &mut cells[at..]);
        at += v.ty().cells();
    }
    cells
}

/// Decodes values of `types` from `cells` into `out`.
pub(crate) fn cells_to_vals(cells: &[u64], types: &[ValType], store: &StoreInner, out: &mut [Val]) {
    let mut at = 0;
    for (o, &t) in out.iter_mut().zip(types) {
        *o = Val::read_cells(&cells[at..], t, store);
        at += t.cells();
    }
}

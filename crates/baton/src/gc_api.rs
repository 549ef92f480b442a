//! The host's side of GC: structure and array types ([`StructType`], [`ArrayType`]), and
//! handles to structures and arrays ([`StructRef`], [`ArrayRef`]) to make, read and write
//! them from the host.
//!
//! Types made here are registered like a module's: a type the host makes with
//! [`StructType::new`] or [`ArrayType::new`] is a final type alone in its recursive group,
//! so it is the same type as a module's plain `(type (struct ...))` or `(type (array ...))`
//! with the same fields (iso-recursive identity). A type declared in a larger recursive
//! group, or with a supertype, comes from the module instead: [`StructType::from_type_id`]
//! with the id a function's signature names (`HeapType::ConcreteStruct(id)`), or
//! [`StructRef::ty`] of an object of that type.
//!
//! Handles are rooted like an [`AnyRef`]: the object stays alive while the scope the handle
//! was made in lives (see [`RootScope`](crate::RootScope)). A handle's methods report a
//! handle whose scope ended as an error; a handle used with another store panics.
//!
//! Packed fields (`i8`, `i16`) are read as [`Val::I32`], zero-extended (as `struct.get_u`
//! reads them), and written from a [`Val::I32`], of which they keep the low 8 or 16 bits.

use crate::engine::Engine;
use crate::error::{Error, TrapCode};
use crate::registry::{
    self, Composite, KeyComposite, KeyField, KeyIndex, KeyStorage, KeyType, KeyVal, Kind, TypeInfo,
};
use crate::runtime::gc::{header, kind_and_type, total_cells, Elem, ARRAY, STRUCT};
use crate::store::{AsContext, AsContextMut, StoreInner};
use crate::types::{HeapType, Mutability, TypeId, ValType};
use crate::values::{root, rooted, AnyRef, Val, I31};

/// What a structure's field or an array's element stores: a value of a [`ValType`], or a
/// packed integer (read as an `i32`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StorageType {
    /// An 8-bit integer, read and written as a [`Val::I32`] (see the module's
    /// documentation).
    I8,
    /// A 16-bit integer, read and written as a [`Val::I32`].
    I16,
    /// A value of a value type.
    ValType(ValType),
}

impl StorageType {
    /// Whether it is a packed integer (`i8` or `i16`).
    pub fn is_packed(&self) -> bool {
        matches!(self, StorageType::I8 | StorageType::I16)
    }

    /// The type of the values read from and written to it: `i32` for a packed integer.
    pub fn unpack(&self) -> ValType {
        match *self {
            StorageType::I8 | StorageType::I16 => ValType::I32,
            StorageType::ValType(t) => t,
        }
    }
}

/// The type of a structure's field or an array's element: what it stores, and whether it
/// can be written after the object is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FieldType {
    /// Whether it can be written (`mut`) after the object is made.
    pub mutable: bool,
    /// What it stores.
    pub storage: StorageType,
}

impl FieldType {
    /// A field type.
    pub fn new(mutability: Mutability, storage: StorageType) -> Self {
        FieldType {
            mutable: mutability == Mutability::Var,
            storage,
        }
    }

    /// Whether it can be written.
    pub fn mutability(&self) -> Mutability {
        if self.mutable {
            Mutability::Var
        } else {
            Mutability::Const
        }
    }

    /// What it stores.
    pub fn element_type(&self) -> StorageType {
        self.storage
    }

    /// The registry's form of the field.
    fn from_registry(f: &registry::FieldType) -> Self {
        FieldType {
            mutable: f.mutable,
            storage: match f.storage {
                registry::StorageType::I8 => StorageType::I8,
                registry::StorageType::I16 => StorageType::I16,
                registry::StorageType::Val(t) => StorageType::ValType(t),
            },
        }
    }

    /// The field as a part of a group key, after checking that the types it names are
    /// what they claim to be (a concrete structure type is a structure type...).
    fn key(self) -> Result<KeyField, Error> {
        Ok(KeyField {
            mutable: self.mutable,
            storage: match self.storage {
                StorageType::I8 => KeyStorage::I8,
                StorageType::I16 => KeyStorage::I16,
                StorageType::ValType(t) => KeyStorage::Val(KeyVal::Val(canonical(t)?)),
            },
        })
    }
}

/// `t` in the form the registry keys it by (`funcref` and `externref` abbreviated), if the
/// concrete types it names are of the kind its heap type says.
fn canonical(t: ValType) -> Result<ValType, Error> {
    let Some(r) = t.as_ref_type() else {
        return Ok(t);
    };
    let expected = match r.heap_type() {
        HeapType::ConcreteFunc(id) => Some((id, Kind::Func)),
        HeapType::ConcreteStruct(id) => Some((id, Kind::Struct)),
        HeapType::ConcreteArray(id) => Some((id, Kind::Array)),
        _ => None,
    };
    if let Some((id, kind)) = expected {
        if registry::info(id).kind() != kind {
            return Err(Error::Usage(format!(
                "{t} names type {} which is not a {kind:?} type",
                id.0
            )));
        }
    }
    Ok(ValType::reference(r.is_nullable(), r.heap_type()))
}

/// Whether a structure or array type made by the host may have subtypes
/// ([`StructType::with_finality_and_supertype`]): a module's `(sub final ...)` or `(sub ...)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Finality {
    /// No type may declare it as its supertype (what `StructType::new` makes).
    Final,
    /// Other types may declare it as their supertype.
    NonFinal,
}

/// Registers a type alone in its group, final or not and with `supertype` (checked to be
/// open to subtypes already), and returns it.
fn register(
    engine: &Engine,
    finality: Finality,
    supertype: Option<&'static TypeInfo>,
    composite: KeyComposite,
) -> Result<&'static TypeInfo, Error> {
    if !engine
        .config()
        .features
        .contains(wasmparser::WasmFeatures::GC)
    {
        return Err(Error::Usage(
            "GC types need an engine with GC enabled (Config::wasm_gc)".into(),
        ));
    }
    if let Some(sup) = supertype {
        if sup.is_final {
            return Err(Error::Usage(format!(
                "type {} is final: no type may declare it as a supertype",
                sup.id.0
            )));
        }
    }
    let group = Box::new([KeyType {
        is_final: finality == Finality::Final,
        supertype: supertype.map(|sup| KeyIndex::Registered(sup.id)),
        composite,
    }]);
    Ok(registry::register(group)[0])
}

/// Whether a subtype may declare field `sub` where its supertype has `sup` (the spec's
/// field subtyping): the same mutability, and the same storage if mutable (it is written
/// through either type), a subtype of it if not.
fn field_matches(sub: &KeyField, sup: &registry::FieldType) -> bool {
    use registry::StorageType as S;
    sub.mutable == sup.mutable
        && match (sub.storage, sup.storage) {
            (KeyStorage::I8, S::I8) | (KeyStorage::I16, S::I16) => true,
            // (A type made by the host is alone in its group: no field names the group.)
            (KeyStorage::Val(KeyVal::Val(a)), S::Val(b)) if a == b => true,
            (KeyStorage::Val(KeyVal::Val(a)), S::Val(b)) if !sub.mutable => {
                matches!((a.as_ref_type(), b.as_ref_type()),
                    (Some(a), Some(b)) if registry::ref_matches(a, b))
            }
            _ => false,
        }
}

/// A subtype's error: `what` does not match its supertype `sup`'s.
fn not_a_subtype(what: &str, sup: &TypeInfo) -> Error {
    Error::Usage(format!(
        "{what} do not match those of the supertype (type {})",
        sup.id.0
    ))
}

/// A structure type: its fields, and its identity (see the module's documentation).
///
/// Equal when they are the same type.
#[derive(Clone, Copy, Debug)]
pub struct StructType {
    info: &'static TypeInfo,
}

impl PartialEq for StructType {
    fn eq(&self, other: &Self) -> bool {
        self.info.id == other.info.id
    }
}
impl Eq for StructType {}

impl StructType {
    /// The structure type of `fields`: a final type alone in its recursive group, the same
    /// type as a module's `(type (struct (field ...)*))` of those fields.
    ///
    /// An error if the engine has GC disabled, or if a field's reference type names a
    /// concrete type of another kind (`HeapType::ConcreteStruct` of an array type...).
    pub fn new(
        engine: &Engine,
        fields: impl IntoIterator<Item = FieldType>,
    ) -> Result<StructType, Error> {
        let fields = fields
            .into_iter()
            .map(FieldType::key)
            .collect::<Result<Box<[_]>, _>>()?;
        let info = register(engine, Finality::Final, None, KeyComposite::Struct(fields))?;
        Ok(StructType { info })
    }

    /// The structure type of `fields`, alone in its recursive group, `finality` saying
    /// whether other types may declare it as their supertype, and declaring `supertype`:
    /// the same type as a module's `(type (sub final? $supertype (struct (field ...)*)))`.
    ///
    /// Errors as [`Self::new`]'s, and if `supertype` is final or its fields are not a
    /// prefix of `fields` (the same mutability; the same type if mutable, a subtype if
    /// not).
    pub fn with_finality_and_supertype(
        engine: &Engine,
        finality: Finality,
        supertype: Option<&StructType>,
        fields: impl IntoIterator<Item = FieldType>,
    ) -> Result<StructType, Error> {
        let keys = (fields.into_iter())
            .map(FieldType::key)
            .collect::<Result<Box<[_]>, _>>()?;
        // Checked before registering: a type that is not a subtype never joins the registry.
        if let Some(sup) = supertype {
            let theirs = sup.registry_fields();
            let prefix = keys.len() >= theirs.len()
                && keys.iter().zip(theirs).all(|(a, b)| field_matches(a, b));
            if !prefix {
                return Err(not_a_subtype("its fields", sup.info));
            }
        }
        let sup = supertype.map(|s| s.info);
        let info = register(engine, finality, sup, KeyComposite::Struct(keys))?;
        Ok(StructType { info })
    }

    /// The structure type `id` (a function's signature may name it, as
    /// `HeapType::ConcreteStruct(id)`), or `None` if `id` is not a structure type.
    pub fn from_type_id(id: TypeId) -> Option<StructType> {
        let info = registry::info(id);
        (info.kind() == Kind::Struct).then_some(StructType { info })
    }

    /// The type's identity.
    pub fn type_id(&self) -> TypeId {
        self.info.id
    }

    /// The heap type of references to structures of this type.
    pub fn heap_type(&self) -> HeapType {
        HeapType::ConcreteStruct(self.info.id)
    }

    /// The fields' types, in order.
    pub fn fields(&self) -> impl ExactSizeIterator<Item = FieldType> + '_ {
        self.registry_fields().iter().map(FieldType::from_registry)
    }

    /// The type of field `index`, if there is one.
    pub fn field(&self, index: usize) -> Option<FieldType> {
        self.registry_fields()
            .get(index)
            .map(FieldType::from_registry)
    }

    /// Whether no type may declare it as a supertype (always so for the host's types).
    pub fn is_final(&self) -> bool {
        self.info.is_final
    }

    /// Its declared supertype, if any.
    pub fn supertype(&self) -> Option<StructType> {
        self.info
            .supertypes
            .first()
            .and_then(|&id| StructType::from_type_id(id))
    }

    /// Whether structures of this type are structures of `other`: the same type, or one
    /// that declares `other` as a (transitive) supertype.
    pub fn matches(&self, other: &StructType) -> bool {
        registry::is_subtype(self.info.id, other.info.id)
    }

    fn registry_fields(&self) -> &'static [registry::FieldType] {
        match &self.info.composite {
            Composite::Struct(fields) => fields,
            _ => unreachable!("a StructType is made only of a structure type"),
        }
    }
}

/// An array type: its element, and its identity (see the module's documentation).
///
/// Equal when they are the same type.
#[derive(Clone, Copy, Debug)]
pub struct ArrayType {
    info: &'static TypeInfo,
}

impl PartialEq for ArrayType {
    fn eq(&self, other: &Self) -> bool {
        self.info.id == other.info.id
    }
}
impl Eq for ArrayType {}

impl ArrayType {
    /// The array type of elements of `element`: a final type alone in its recursive group,
    /// the same type as a module's `(type (array ...))` of that element.
    ///
    /// An error if the engine has GC disabled, or if the element's reference type names a
    /// concrete type of another kind.
    pub fn new(engine: &Engine, element: FieldType) -> Result<ArrayType, Error> {
        let info = register(
            engine,
            Finality::Final,
            None,
            KeyComposite::Array(element.key()?),
        )?;
        Ok(ArrayType { info })
    }

    /// The array type of elements of `element`, alone in its recursive group, `finality`
    /// saying whether other types may declare it as their supertype, and declaring
    /// `supertype`: the same type as a module's `(type (sub final? $supertype (array ...)))`.
    ///
    /// Errors as [`Self::new`]'s, and if `supertype` is final or its element does not
    /// match `element` (the same mutability; the same type if mutable, a subtype if not).
    pub fn with_finality_and_supertype(
        engine: &Engine,
        finality: Finality,
        supertype: Option<&ArrayType>,
        element: FieldType,
    ) -> Result<ArrayType, Error> {
        let key = element.key()?;
        if let Some(sup) = supertype {
            if !field_matches(&key, sup.registry_field()) {
                return Err(not_a_subtype("its elements", sup.info));
            }
        }
        let sup = supertype.map(|s| s.info);
        let info = register(engine, finality, sup, KeyComposite::Array(key))?;
        Ok(ArrayType { info })
    }

    /// The array type `id` (a function's signature may name it, as
    /// `HeapType::ConcreteArray(id)`), or `None` if `id` is not an array type.
    pub fn from_type_id(id: TypeId) -> Option<ArrayType> {
        let info = registry::info(id);
        (info.kind() == Kind::Array).then_some(ArrayType { info })
    }

    /// The type's identity.
    pub fn type_id(&self) -> TypeId {
        self.info.id
    }

    /// The heap type of references to arrays of this type.
    pub fn heap_type(&self) -> HeapType {
        HeapType::ConcreteArray(self.info.id)
    }

    /// The elements' type: their storage and mutability.
    pub fn field_type(&self) -> FieldType {
        FieldType::from_registry(self.registry_field())
    }

    /// What the elements store.
    pub fn element_type(&self) -> StorageType {
        self.field_type().storage
    }

    /// Whether the elements can be written after the array is made.
    pub fn mutability(&self) -> Mutability {
        self.field_type().mutability()
    }

    /// Whether no type may declare it as a supertype (always so for the host's types).
    pub fn is_final(&self) -> bool {
        self.info.is_final
    }

    /// Its declared supertype, if any.
    pub fn supertype(&self) -> Option<ArrayType> {
        self.info
            .supertypes
            .first()
            .and_then(|&id| ArrayType::from_type_id(id))
    }

    /// Whether arrays of this type are arrays of `other`: the same type, or one that
    /// declares `other` as a (transitive) supertype.
    pub fn matches(&self, other: &ArrayType) -> bool {
        registry::is_subtype(self.info.id, other.info.id)
    }

    fn registry_field(&self) -> &'static registry::FieldType {
        match &self.info.composite {
            Composite::Array(f) => f,
            _ => unreachable!("an ArrayType is made only of an array type"),
        }
    }
}

/// Checks that `val` may be stored in a field of type `f` of an object of `store`.
fn check_value(val: &Val, f: &registry::FieldType, store: &StoreInner) -> Result<(), Error> {
    let ok = match f.storage {
        registry::StorageType::I8 | registry::StorageType::I16 => matches!(val, Val::I32(_)),
        registry::StorageType::Val(t) => val.matches(t, store),
    };
    if ok {
        return Ok(());
    }
    let expected = match f.storage {
        registry::StorageType::I8 => "i8".to_string(),
        registry::StorageType::I16 => "i16".to_string(),
        registry::StorageType::Val(t) => t.to_string(),
    };
    Err(Error::Usage(format!(
        "value of type {} (or a reference not of this store or whose scope ended) where \
         {expected} is expected",
        val.ty()
    )))
}

/// Writes `val` (checked by [`check_value`]) into the cells of a field. A packed field
/// keeps the whole `i32`, as Wasm's writes do: reads extend its low bits (`runtime::gc`).
fn write_value(val: Val, store: &StoreInner, out: &mut [u64]) {
    val.write_cells(store, out);
}

/// Reads the value of a field of type `f` from its cells: packed integers zero-extended,
/// references rooted in the current scope.
fn read_value(cells: &[u64], f: &registry::FieldType, store: &StoreInner) -> Val {
    match f.storage {
        registry::StorageType::I8 | registry::StorageType::I16 => {
            Val::I32(Elem(Elem::of(f)).read(cells[0]) as u32 as i32)
        }
        registry::StorageType::Val(t) => Val::read_cells(cells, t, store),
    }
}

/// Allocates an object from the host: collects first if the heap is due (and once more if
/// the limiter or the host refuses the memory), as an allocating instruction does.
fn alloc(
    store: &mut StoreInner,
    header: u64,
    len: Option<u32>,
    cells: usize,
) -> Result<*mut u64, Error> {
    let ctx = &mut store.ctx;
    let mut collected = false;
    if ctx.gc.collection_due(total_cells(cells)) {
        // SAFETY: no Wasm instruction runs while the host holds the store exclusively (here,
        // or in a host function, whose caller's state is recorded), so the store's frames
        // and suspensions are those of its live activations.
        unsafe { crate::exec::collect_from_host(ctx) };
        collected = true;
    }
    match ctx.gc.alloc(ctx.limiter, header, len, cells) {
        Err(TrapCode::GcHeapOutOfMemory) if !collected => {
            // SAFETY: as above.
            unsafe { crate::exec::collect_from_host(ctx) };
            ctx.gc.alloc(ctx.limiter, header, len, cells)
        }
        result => result,
    }
    .map_err(Error::from)
}

/// The object a handle refers to, if its root still holds it and it is of `kind`
/// ([`STRUCT`] or [`ARRAY`]: checked, so that a handle converted without a store, as
/// `WasmTy::from_val` does, can never read an object as what it is not); panics if the
/// handle is of another store.
fn live(
    store: &StoreInner,
    handle: u64,
    cell: u64,
    root: u64,
    kind: u64,
) -> Result<*mut u64, Error> {
    store.check(handle);
    if cell & 3 != 0 || !rooted(store, cell, root) {
        return Err(Error::Usage(
            "a GC reference was used after the scope that rooted it ended (see `RootScope`)".into(),
        ));
    }
    // SAFETY: a rooted reference with low bits `00` is a live object of this store.
    if unsafe { kind_and_type(cell) }.0 != kind {
        let what = if kind == STRUCT {
            "a structure"
        } else {
            "an array"
        };
        return Err(Error::Usage(format!("the reference is not {what}")));
    }
    Ok(cell as *mut u64)
}

/// The cells before field `index` of a structure with `fields`.
fn field_offset(fields: &[registry::FieldType], index: usize) -> usize {
    fields[..index]
        .iter()
        .map(|f| Elem(Elem::of(f)).cells())
        .sum()
}

/// A structure of a store, held by the host: a [`Val::AnyRef`] that is known to be a
/// structure. Rooted like an [`AnyRef`] (see the module's documentation).
///
/// Equal when they refer to the same structure.
///
/// ```
/// # use baton::*;
/// # fn main() -> Result<(), Error> {
/// let engine = Engine::default();
/// let point = StructType::new(&engine, [
///     FieldType::new(Mutability::Var, StorageType::ValType(ValType::I32)),
///     FieldType::new(Mutability::Const, StorageType::I8),
/// ])?;
/// let mut store = Store::new(&engine, ());
/// let p = StructRef::new(&mut store, &point, &[Val::I32(1), Val::I32(-1)])?;
/// p.set_field(&mut store, 0, Val::I32(7))?;
/// assert_eq!(p.field(&store, 0)?.i32(), Some(7));
/// assert_eq!(p.field(&store, 1)?.i32(), Some(255)); // zero-extended
/// assert!(p.set_field(&mut store, 1, Val::I32(0)).is_err()); // immutable
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct StructRef {
    store: u64,
    /// The structure's address (see `values::ref_cell`).
    cell: u64,
    /// Its root (see `values::root`).
    root: u64,
}

impl PartialEq for StructRef {
    fn eq(&self, other: &Self) -> bool {
        (self.store, self.cell) == (other.store, other.cell)
    }
}
impl Eq for StructRef {}

impl StructRef {
    /// Makes a structure of type `ty` in the store, with the values of its fields, in
    /// order, and returns a handle rooted in the current scope. If the GC heap is due, it
    /// collects first.
    ///
    /// An error if the values are not as many as the fields or not of their types
    /// (references must belong to the store and be rooted), or if the heap may not grow.
    pub fn new(
        mut store: impl AsContextMut,
        ty: &StructType,
        fields: &[Val],
    ) -> Result<StructRef, Error> {
        let inner = &mut store.as_context_mut().0.inner;
        let types = ty.registry_fields();
        if fields.len() != types.len() {
            return Err(Error::Usage(format!(
                "{} values for a structure of {} fields",
                fields.len(),
                types.len()
            )));
        }
        for (v, f) in fields.iter().zip(types) {
            check_value(v, f, inner)?;
        }
        // The references' objects are kept by the values' roots (checked): they survive
        // the collection the allocation may run, and do not move.
        let mut cells = vec![0; field_offset(types, types.len())];
        let mut at = 0;
        for (&v, f) in fields.iter().zip(types) {
            write_value(v, inner, &mut cells[at..]);
            at += Elem(Elem::of(f)).cells();
        }
        let obj = alloc(inner, header(STRUCT, ty.info.id.0), None, cells.len())?;
        // SAFETY: the new object has `cells.len()` cells after its header.
        unsafe { core::ptr::copy_nonoverlapping(cells.as_ptr(), obj.add(1), cells.len()) };
        let cell = obj as u64;
        Ok(StructRef {
            store: inner.id,
            cell,
            root: root(inner, cell),
        })
    }

    /// The structure's type (its own: perhaps a subtype of the type a signature names).
    pub fn ty(&self, store: impl AsContext) -> Result<StructType, Error> {
        let inner = &store.as_context().0.inner;
        let obj = live(inner, self.store, self.cell, self.root, STRUCT)?;
        // SAFETY: the handle's root holds the object (checked by `live`), which is alive
        // while the store is borrowed.
        let (_, id) = unsafe { kind_and_type(obj as u64) };
        Ok(StructType {
            info: registry::info(TypeId(id)),
        })
    }

    /// The value of field `index` (a packed integer zero-extended into an `i32`; a
    /// reference as a handle rooted in the current scope).
    ///
    /// An error if there is no such field.
    pub fn field(&self, store: impl AsContext, index: usize) -> Result<Val, Error> {
        let inner = &store.as_context().0.inner;
        let ty = self.ty(&store)?;
        let fields = ty.registry_fields();
        let f = fields
            .get(index)
            .ok_or_else(|| no_field(index, fields.len()))?;
        let at = 1 + field_offset(fields, index);
        // SAFETY: the object is alive (`ty` checked its root) and of type `ty`, whose field
        // `index` takes the cells at `at` (one, or two for a `v128`).
        let cells = unsafe {
            core::slice::from_raw_parts(
                (self.cell as *const u64).add(at),
                Elem(Elem::of(f)).cells(),
            )
        };
        Ok(read_value(cells, f, inner))
    }

    /// Writes `value` into field `index`.
    ///
    /// An error if there is no such field, if it is immutable, or if `value` is not of its
    /// type (a reference must belong to the store and be rooted).
    pub fn set_field(
        &self,
        mut store: impl AsContextMut,
        index: usize,
        value: Val,
    ) -> Result<(), Error> {
        let ty = self.ty(&store)?;
        let inner = &mut store.as_context_mut().0.inner;
        let fields = ty.registry_fields();
        let f = fields
            .get(index)
            .ok_or_else(|| no_field(index, fields.len()))?;
        if !f.mutable {
            return Err(Error::Usage(format!("field {index} is immutable")));
        }
        check_value(&value, f, inner)?;
        let at = 1 + field_offset(fields, index);
        // SAFETY: as in `field`; the store is borrowed exclusively, so nothing else reads
        // or writes the object meanwhile.
        let cells = unsafe {
            core::slice::from_raw_parts_mut(
                (self.cell as *mut u64).add(at),
                Elem(Elem::of(f)).cells(),
            )
        };
        write_value(value, inner, cells);
        Ok(())
    }

    /// Every field's value, in order (as [`StructRef::field`] reads them).
    pub fn fields(&self, store: impl AsContext) -> Result<Vec<Val>, Error> {
        let store = store.as_context();
        let count = self.ty(&store)?.registry_fields().len();
        (0..count).map(|i| self.field(&store, i)).collect()
    }

    /// The same reference as a value of the `any` hierarchy.
    pub fn to_anyref(self) -> AnyRef {
        AnyRef {
            store: self.store,
            cell: self.cell,
            root: self.root,
        }
    }
}

fn no_field(index: usize, len: usize) -> Error {
    Error::Usage(format!("field {index} of a structure of {len} fields"))
}

/// An array of a store, held by the host: a [`Val::AnyRef`] that is known to be an array.
/// Rooted like an [`AnyRef`] (see the module's documentation).
///
/// Equal when they refer to the same array.
///
/// ```
/// # use baton::*;
/// # fn main() -> Result<(), Error> {
/// let engine = Engine::default();
/// let bytes = ArrayType::new(&engine, FieldType::new(Mutability::Var, StorageType::I8))?;
/// let mut store = Store::new(&engine, ());
/// let a = ArrayRef::new(&mut store, &bytes, &Val::I32(0x1ff), 3)?;
/// a.set(&mut store, 2, Val::I32(7))?;
/// assert_eq!(a.len(&store)?, 3);
/// assert_eq!(a.get(&store, 0)?.i32(), Some(0xff));
/// assert_eq!(a.get(&store, 2)?.i32(), Some(7));
/// assert!(a.get(&store, 3).is_err()); // out of bounds
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ArrayRef {
    store: u64,
    /// The array's address (see `values::ref_cell`).
    cell: u64,
    /// Its root (see `values::root`).
    root: u64,
}

impl PartialEq for ArrayRef {
    fn eq(&self, other: &Self) -> bool {
        (self.store, self.cell) == (other.store, other.cell)
    }
}
impl Eq for ArrayRef {}

impl ArrayRef {
    /// Makes an array of type `ty` of `len` elements, each `elem`, and returns a handle
    /// rooted in the current scope. If the GC heap is due, it collects first.
    ///
    /// An error if `elem` is not of the element type (a reference must belong to the store
    /// and be rooted), or if the heap may not grow (a `GcHeapOutOfMemory` trap).
    pub fn new(
        mut store: impl AsContextMut,
        ty: &ArrayType,
        elem: &Val,
        len: u32,
    ) -> Result<ArrayRef, Error> {
        let inner = &mut store.as_context_mut().0.inner;
        let f = ty.registry_field();
        check_value(elem, f, inner)?;
        let per = Elem(Elem::of(f)).cells();
        let mut value = [0u64; 2];
        write_value(*elem, inner, &mut value);
        let cells = (len as usize)
            .checked_mul(per)
            .ok_or_else(|| Error::from(TrapCode::GcHeapOutOfMemory))?;
        let obj = alloc(inner, header(ARRAY, ty.info.id.0), Some(len), cells)?;
        if value != [0, 0] {
            // SAFETY: the new array has `cells` cells after its header and length.
            let elems = unsafe { core::slice::from_raw_parts_mut(obj.add(2), cells) };
            for e in elems.chunks_exact_mut(per) {
                e.copy_from_slice(&value[..per]);
            }
        }
        Ok(Self::handle(inner, obj))
    }

    /// Makes an array of type `ty` of the elements `elems`, in order, and returns a handle
    /// rooted in the current scope (as `array.new_fixed`). If the GC heap is due, it
    /// collects first.
    ///
    /// An error if a value is not of the element type, if there are more than `u32::MAX`,
    /// or if the heap may not grow.
    pub fn new_fixed(
        mut store: impl AsContextMut,
        ty: &ArrayType,
        elems: &[Val],
    ) -> Result<ArrayRef, Error> {
        let inner = &mut store.as_context_mut().0.inner;
        let f = ty.registry_field();
        for v in elems {
            check_value(v, f, inner)?;
        }
        let len = u32::try_from(elems.len())
            .map_err(|_| Error::Usage("an array of more than 2^32 - 1 elements".into()))?;
        let per = Elem(Elem::of(f)).cells();
        // As in `StructRef::new`: the values' roots keep their objects.
        let mut cells = vec![0; elems.len() * per];
        for (v, out) in elems.iter().zip(cells.chunks_exact_mut(per)) {
            write_value(*v, inner, out);
        }
        let obj = alloc(inner, header(ARRAY, ty.info.id.0), Some(len), cells.len())?;
        // SAFETY: the new array has `cells.len()` cells after its header and length.
        unsafe { core::ptr::copy_nonoverlapping(cells.as_ptr(), obj.add(2), cells.len()) };
        Ok(Self::handle(inner, obj))
    }

    /// A handle to the new array `obj`, rooted.
    fn handle(store: &StoreInner, obj: *mut u64) -> ArrayRef {
        let cell = obj as u64;
        ArrayRef {
            store: store.id,
            cell,
            root: root(store, cell),
        }
    }

    /// The array's type (its own: perhaps a subtype of the type a signature names).
    pub fn ty(&self, store: impl AsContext) -> Result<ArrayType, Error> {
        let inner = &store.as_context().0.inner;
        let obj = live(inner, self.store, self.cell, self.root, ARRAY)?;
        // SAFETY: the handle's root holds the object (checked by `live`), which is alive
        // while the store is borrowed.
        let (_, id) = unsafe { kind_and_type(obj as u64) };
        Ok(ArrayType {
            info: registry::info(TypeId(id)),
        })
    }

    /// How many elements the array has.
    pub fn len(&self, store: impl AsContext) -> Result<u32, Error> {
        let inner = &store.as_context().0.inner;
        let obj = live(inner, self.store, self.cell, self.root, ARRAY)?;
        // SAFETY: the object is alive (checked by `live`) and an array: its length is its
        // second cell.
        Ok(unsafe { *obj.add(1) } as u32)
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self, store: impl AsContext) -> Result<bool, Error> {
        Ok(self.len(store)? == 0)
    }

    /// The cells of element `index` (checked against the length) and the element's type.
    fn element(
        &self,
        store: &StoreInner,
        index: u32,
    ) -> Result<(*mut u64, &'static registry::FieldType), Error> {
        let obj = live(store, self.store, self.cell, self.root, ARRAY)?;
        // SAFETY: the object is alive (checked by `live`) and an array: its header and
        // length are its first cells.
        let (len, id) = unsafe { (*obj.add(1), kind_and_type(obj as u64).1) };
        if index as u64 >= len {
            return Err(Error::Usage(format!(
                "element {index} of an array of {len} elements"
            )));
        }
        let f = ArrayType {
            info: registry::info(TypeId(id)),
        }
        .registry_field();
        let per = Elem(Elem::of(f)).cells();
        // SAFETY: `index` is below the length, so its cells are the array's.
        Ok((unsafe { obj.add(2 + index as usize * per) }, f))
    }

    /// The value of element `index` (a packed integer zero-extended into an `i32`; a
    /// reference as a handle rooted in the current scope).
    ///
    /// An error if `index` is out of bounds.
    pub fn get(&self, store: impl AsContext, index: u32) -> Result<Val, Error> {
        let inner = &store.as_context().0.inner;
        let (at, f) = self.element(inner, index)?;
        // SAFETY: `element` found the element's cells in the live array.
        let cells = unsafe { core::slice::from_raw_parts(at, Elem(Elem::of(f)).cells()) };
        Ok(read_value(cells, f, inner))
    }

    /// Writes `value` into element `index`.
    ///
    /// An error if `index` is out of bounds, if the elements are immutable, or if `value`
    /// is not of their type (a reference must belong to the store and be rooted).
    pub fn set(&self, mut store: impl AsContextMut, index: u32, value: Val) -> Result<(), Error> {
        let inner = &mut store.as_context_mut().0.inner;
        let (at, f) = self.element(inner, index)?;
        if !f.mutable {
            return Err(Error::Usage("the array's elements are immutable".into()));
        }
        check_value(&value, f, inner)?;
        // SAFETY: `element` found the element's cells in the live array; the store is
        // borrowed exclusively, so nothing else reads or writes them meanwhile.
        let cells = unsafe { core::slice::from_raw_parts_mut(at, Elem(Elem::of(f)).cells()) };
        write_value(value, inner, cells);
        Ok(())
    }

    /// Every element's value, in order (as [`ArrayRef::get`] reads them).
    pub fn elems(&self, store: impl AsContext) -> Result<Vec<Val>, Error> {
        let store = store.as_context();
        (0..self.len(&store)?)
            .map(|i| self.get(&store, i))
            .collect()
    }

    /// The same reference as a value of the `any` hierarchy.
    pub fn to_anyref(self) -> AnyRef {
        AnyRef {
            store: self.store,
            cell: self.cell,
            root: self.root,
        }
    }
}

impl AnyRef {
    /// Whether the reference is an `i31` (see [`AnyRef::as_i31`]).
    pub fn is_i31(&self) -> bool {
        self.as_i31().is_some()
    }

    /// The structure, if the reference is one (of `store`, to which it must belong unless
    /// it is an `i31`; a handle whose scope ended panics, as [`AnyRef::is_struct`] does).
    pub fn as_struct(&self, store: impl AsContext) -> Option<StructRef> {
        self.is_struct(store).then_some(StructRef {
            store: self.store,
            cell: self.cell,
            root: self.root,
        })
    }

    /// The array, if the reference is one (as [`AnyRef::as_struct`]).
    pub fn as_array(&self, store: impl AsContext) -> Option<ArrayRef> {
        self.is_array(store).then_some(ArrayRef {
            store: self.store,
            cell: self.cell,
            root: self.root,
        })
    }
}

impl From<StructRef> for AnyRef {
    fn from(s: StructRef) -> AnyRef {
        s.to_anyref()
    }
}

impl From<ArrayRef> for AnyRef {
    fn from(a: ArrayRef) -> AnyRef {
        a.to_anyref()
    }
}

impl From<AnyRef> for Val {
    fn from(a: AnyRef) -> Val {
        Val::AnyRef(Some(a))
    }
}

impl From<StructRef> for Val {
    fn from(s: StructRef) -> Val {
        Val::AnyRef(Some(s.to_anyref()))
    }
}

impl From<ArrayRef> for Val {
    fn from(a: ArrayRef) -> Val {
        Val::AnyRef(Some(a.to_anyref()))
    }
}

/// A reference of the `eq` hierarchy (`eqref`): an `i31`, a structure or an array, the
/// values `ref.eq` compares. A view of an [`AnyRef`] that is known not to be a converted
/// host reference; rooted like it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EqRef(AnyRef);

impl EqRef {
    /// An `i31` reference.
    pub fn from_i31(v: I31) -> EqRef {
        EqRef(AnyRef::from_i31(v))
    }

    /// The `i31`, if the reference is one.
    pub fn as_i31(&self) -> Option<I31> {
        self.0.as_i31()
    }

    /// Whether the reference is an `i31`.
    pub fn is_i31(&self) -> bool {
        self.0.is_i31()
    }

    /// Whether the reference is a structure (of `store`, as [`AnyRef::is_struct`]).
    pub fn is_struct(&self, store: impl AsContext) -> bool {
        self.0.is_struct(store)
    }

    /// Whether the reference is an array (as [`AnyRef::is_array`]).
    pub fn is_array(&self, store: impl AsContext) -> bool {
        self.0.is_array(store)
    }

    /// The structure, if the reference is one (as [`AnyRef::as_struct`]).
    pub fn as_struct(&self, store: impl AsContext) -> Option<StructRef> {
        self.0.as_struct(store)
    }

    /// The array, if the reference is one (as [`AnyRef::as_array`]).
    pub fn as_array(&self, store: impl AsContext) -> Option<ArrayRef> {
        self.0.as_array(store)
    }

    /// The same reference as an `anyref`.
    pub fn to_anyref(self) -> AnyRef {
        self.0
    }

    /// `r` as an `eqref`, unless it is a converted host reference (which `eq` excludes).
    /// Needs no store: the kind is in the reference's own bits.
    pub fn from_anyref(r: AnyRef) -> Option<EqRef> {
        (crate::values::ref_cell::host(r.cell).is_none()).then_some(EqRef(r))
    }
}

impl AnyRef {
    /// The reference as an `eqref`, unless it is a converted host reference.
    pub fn as_eqref(&self) -> Option<EqRef> {
        EqRef::from_anyref(*self)
    }
}

impl From<EqRef> for AnyRef {
    fn from(e: EqRef) -> AnyRef {
        e.0
    }
}

impl From<StructRef> for EqRef {
    fn from(s: StructRef) -> EqRef {
        EqRef(s.to_anyref())
    }
}

impl From<ArrayRef> for EqRef {
    fn from(a: ArrayRef) -> EqRef {
        EqRef(a.to_anyref())
    }
}

impl From<EqRef> for Val {
    fn from(e: EqRef) -> Val {
        Val::AnyRef(Some(e.0))
    }
}

/// `eqref` (`(ref null eq)`) in typed functions: an `i31`, a structure or an array.
impl crate::func::WasmTy for Option<EqRef> {
    fn valtype() -> ValType {
        ValType::Ref(crate::types::RefType::new(true, HeapType::Eq))
    }
    fn to_cell(self, store: crate::func::StoreRef<'_>) -> u64 {
        <Option<AnyRef> as crate::func::WasmTy>::to_cell(self.map(|e| e.0), store)
    }
    fn from_cell(cell: u64, store: crate::func::StoreRef<'_>) -> Self {
        // (Validation proved the cell an `eq` value: never a host reference.)
        <Option<AnyRef> as crate::func::WasmTy>::from_cell(cell, store).map(EqRef)
    }
    fn from_val(v: &Val) -> Option<Self> {
        match *v {
            Val::AnyRef(None) => Some(None),
            Val::AnyRef(Some(r)) => EqRef::from_anyref(r).map(Some),
            _ => None,
        }
    }
    fn into_val(self) -> Val {
        Val::AnyRef(self.map(|e| e.0))
    }
}

/// A `WasmTy` for an object handle type: `(ref null struct)` / `(ref null array)`. From the
/// engine the cell's kind is proven by validation; from a [`Val`] (no store to look at) only
/// that it is an object, and the handle's methods check the kind when used (see [`live`]).
macro_rules! object_wasm_ty {
    ($handle:ident, $heap:expr, $doc:literal) => {
        #[doc = $doc]
        impl crate::func::WasmTy for Option<$handle> {
            fn valtype() -> ValType {
                ValType::Ref(crate::types::RefType::new(true, $heap))
            }
            fn to_cell(self, store: crate::func::StoreRef<'_>) -> u64 {
                <Option<AnyRef> as crate::func::WasmTy>::to_cell(self.map(|h| h.to_anyref()), store)
            }
            fn from_cell(cell: u64, store: crate::func::StoreRef<'_>) -> Self {
                <Option<AnyRef> as crate::func::WasmTy>::from_cell(cell, store).map(|a| $handle {
                    store: a.store,
                    cell: a.cell,
                    root: a.root,
                })
            }
            fn from_val(v: &Val) -> Option<Self> {
                match *v {
                    Val::AnyRef(None) => Some(None),
                    Val::AnyRef(Some(a)) if a.cell & 3 == 0 => Some(Some($handle {
                        store: a.store,
                        cell: a.cell,
                        root: a.root,
                    })),
                    _ => None,
                }
            }
            fn into_val(self) -> Val {
                Val::AnyRef(self.map(|h| h.to_anyref()))
            }
        }
    };
}

object_wasm_ty!(
    StructRef,
    HeapType::Struct,
    "`structref` (`(ref null struct)`) in typed functions."
);
object_wasm_ty!(
    ArrayRef,
    HeapType::Array,
    "`arrayref` (`(ref null array)`) in typed functions."
);

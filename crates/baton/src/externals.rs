//! Memories, tables, globals, and the `Extern` that names any importable entity.

use crate::entity_box::EntityBox;
use crate::error::{Error, MemoryAccessError};
use crate::func::Func;
use crate::runtime::{GlobalEntity, MemoryEntity, TableEntity};
use crate::store::{AsContext, AsContextMut, StoreContext, StoreContextMut};
use crate::types::{ExternType, GlobalType, MemoryType, Mutability, TableType};
use crate::values::Val;

/// A linear memory of a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Memory {
    pub(crate) store: u64,
    pub(crate) index: u32,
}

impl Memory {
    /// A new memory (e.g. to satisfy an import).
    pub fn new(mut store: impl AsContextMut, ty: MemoryType) -> Result<Memory, Error> {
        let pages = ty.address_space_pages();
        if ty.minimum() > pages
            || ty.maximum().is_some_and(|m| m > pages || m < ty.minimum())
            || !matches!(ty.page_size_log2(), 0 | 16)
        {
            return Err(Error::Usage(format!("invalid memory type {ty:?}")));
        }
        let memory = MemoryEntity::new(ty)
            .ok_or_else(|| Error::Usage(format!("cannot allocate a memory of type {ty:?}")))?;
        let inner = &mut store.as_context_mut().0.inner;
        inner.memories.push(EntityBox::new(memory));
        Ok(Memory {
            store: inner.id,
            index: inner.memories.len() as u32 - 1,
        })
    }

    fn entity<'a, C: AsContext>(&self, store: &'a C) -> &'a MemoryEntity {
        let inner = &store.as_context().0.inner;
        inner.check(self.store);
        &inner.memories[self.index as usize]
    }

    /// The memory's type, with its current size as minimum.
    pub fn ty(&self, store: impl AsContext) -> MemoryType {
        let m = self.entity(&store);
        m.ty.with_minimum(m.pages())
    }

    /// Current size in pages.
    pub fn size(&self, store: impl AsContext) -> u64 {
        self.entity(&store).pages()
    }

    /// Current size in bytes.
    pub fn data_size(&self, store: impl AsContext) -> usize {
        self.entity(&store).data.len()
    }

    /// Grows by `delta` pages; returns the previous size.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64) -> Result<u64, Error> {
        let inner = &mut store.as_context_mut().0.inner;
        inner.check(self.store);
        let limiter = inner
            .limiter
            .as_deref_mut()
            .map(|l| -> &mut dyn crate::ResourceLimiter { l });
        inner.memories[self.index as usize]
            .grow_limited(delta, limiter)
            .ok_or_else(|| Error::Usage(format!("memory cannot grow by {delta} pages")))
    }

    /// The memory's bytes.
    pub fn data<'a, T: 'a>(&self, store: impl Into<StoreContext<'a, T>>) -> &'a [u8] {
        let store = store.into().0;
        store.inner.check(self.store);
        &store.inner.memories[self.index as usize].data
    }

    /// The memory's bytes, mutably.
    pub fn data_mut<'a, T: 'a>(&self, store: impl Into<StoreContextMut<'a, T>>) -> &'a mut [u8] {
        let store = store.into().0;
        store.inner.check(self.store);
        &mut store.inner.memories[self.index as usize].data
    }

    /// The memory's bytes and the host data, both mutably.
    pub fn data_and_store_mut<'a, T: 'a>(
        &self,
        store: impl Into<StoreContextMut<'a, T>>,
    ) -> (&'a mut [u8], &'a mut T) {
        let store = store.into().0;
        store.inner.check(self.store);
        let crate::Store { inner, data, .. } = store;
        (&mut inner.memories[self.index as usize].data, data)
    }

    /// Copies `buf.len()` bytes at `offset` into `buf`.
    pub fn read(
        &self,
        store: impl AsContext,
        offset: usize,
        buf: &mut [u8],
    ) -> Result<(), MemoryAccessError> {
        let data = &self.entity(&store).data;
        let end = offset.checked_add(buf.len()).ok_or(MemoryAccessError)?;
        buf.copy_from_slice(data.get(offset..end).ok_or(MemoryAccessError)?);
        Ok(())
    }

    /// Copies `buf` into the memory at `offset`.
    pub fn write(
        &self,
        mut store: impl AsContextMut,
        offset: usize,
        buf: &[u8],
    ) -> Result<(), MemoryAccessError> {
        let inner = &mut store.as_context_mut().0.inner;
        inner.check(self.store);
        let data = &mut inner.memories[self.index as usize].data;
        let end = offset.checked_add(buf.len()).ok_or(MemoryAccessError)?;
        data.get_mut(offset..end)
            .ok_or(MemoryAccessError)?
            .copy_from_slice(buf);
        Ok(())
    }
}

/// A table of references in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Table {
    pub(crate) store: u64,
    pub(crate) index: u32,
}

impl Table {
    /// A new table with every element set to `init`.
    pub fn new(mut store: impl AsContextMut, ty: TableType, init: Val) -> Result<Table, Error> {
        let inner = &mut store.as_context_mut().0.inner;
        if !init.matches(ty.element(), inner) {
            return Err(Error::Usage(
                "table initial value has the wrong type".into(),
            ));
        }
        let cell = init.to_cell(inner);
        let elems = vec![cell; ty.minimum() as usize];
        inner.tables.push(EntityBox::new(TableEntity { elems, ty }));
        inner.register_exn_table();
        Ok(Table {
            store: inner.id,
            index: inner.tables.len() as u32 - 1,
        })
    }

    fn entity<'a, C: AsContext>(&self, store: &'a C) -> &'a TableEntity {
        let inner = &store.as_context().0.inner;
        inner.check(self.store);
        &inner.tables[self.index as usize]
    }

    /// The table's type, with its current size as minimum.
    pub fn ty(&self, store: impl AsContext) -> TableType {
        let t = self.entity(&store);
        t.ty.with_minimum(t.elems.len() as u64)
    }

    /// Current number of elements.
    pub fn size(&self, store: impl AsContext) -> u64 {
        self.entity(&store).elems.len() as u64
    }

    /// Element `index`, or `None` when out of bounds.
    pub fn get(&self, store: impl AsContext, index: u64) -> Option<Val> {
        let inner = &store.as_context().0.inner;
        let t = self.entity(&store);
        let cell = *t.elems.get(usize::try_from(index).ok()?)?;
        Some(Val::from_cell(cell, t.ty.element(), inner))
    }

    /// Sets element `index`.
    pub fn set(&self, mut store: impl AsContextMut, index: u64, val: Val) -> Result<(), Error> {
        let inner = &mut store.as_context_mut().0.inner;
        inner.check(self.store);
        if !val.matches(inner.tables[self.index as usize].ty.element(), inner) {
            return Err(Error::Usage("table element of the wrong type".into()));
        }
        let cell = val.to_cell(inner);
        let t = &mut inner.tables[self.index as usize];
        *t.elems
            .get_mut(index as usize)
            .ok_or_else(|| Error::Usage("table index out of bounds".into()))? = cell;
        Ok(())
    }

    /// Grows by `delta` elements set to `init`; returns the previous size.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64, init: Val) -> Result<u64, Error> {
        let inner = &mut store.as_context_mut().0.inner;
        inner.check(self.store);
        if !init.matches(inner.tables[self.index as usize].ty.element(), inner) {
            return Err(Error::Usage("table element of the wrong type".into()));
        }
        let cell = init.to_cell(inner);
        let limiter = inner
            .limiter
            .as_deref_mut()
            .map(|l| -> &mut dyn crate::ResourceLimiter { l });
        inner.tables[self.index as usize]
            .grow_limited(delta, cell, limiter)
            .ok_or_else(|| Error::Usage(format!("table cannot grow by {delta}")))
    }
}

/// A global variable of a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Global {
    pub(crate) store: u64,
    pub(crate) index: u32,
}

impl Global {
    /// A new global.
    pub fn new(mut store: impl AsContextMut, ty: GlobalType, val: Val) -> Result<Global, Error> {
        let inner = &mut store.as_context_mut().0.inner;
        if !val.matches(ty.content(), inner) {
            return Err(Error::Usage(
                "global initial value has the wrong type".into(),
            ));
        }
        let mut value = [0; 2];
        val.write_cells(inner, &mut value);
        inner
            .globals
            .push(EntityBox::new(GlobalEntity::new(value, ty)));
        inner.register_exn_global();
        Ok(Global {
            store: inner.id,
            index: inner.globals.len() as u32 - 1,
        })
    }

    /// The global's type.
    pub fn ty(&self, store: impl AsContext) -> GlobalType {
        let inner = &store.as_context().0.inner;
        inner.check(self.store);
        inner.globals[self.index as usize].ty
    }

    /// The global's value.
    pub fn get(&self, store: impl AsContext) -> Val {
        let inner = &store.as_context().0.inner;
        inner.check(self.store);
        let g = &inner.globals[self.index as usize];
        Val::read_cells(&g.get(), g.ty.content(), inner)
    }

    /// Sets a mutable global.
    pub fn set(&self, mut store: impl AsContextMut, val: Val) -> Result<(), Error> {
        let inner = &mut store.as_context_mut().0.inner;
        inner.check(self.store);
        let ty = inner.globals[self.index as usize].ty;
        if ty.mutability() != Mutability::Var {
            return Err(Error::Usage("cannot set an immutable global".into()));
        }
        if !val.matches(ty.content(), inner) {
            return Err(Error::Usage("global value of the wrong type".into()));
        }
        let mut value = [0; 2];
        val.write_cells(inner, &mut value);
        inner.globals[self.index as usize].set(value);
        Ok(())
    }
}

/// Any entity that can be imported or exported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A global.
    Global(Global),
    /// A table.
    Table(Table),
    /// A memory.
    Memory(Memory),
    /// An exception tag.
    Tag(crate::exceptions::Tag),
}

impl Extern {
    /// The function, if this is one.
    pub fn into_func(self) -> Option<Func> {
        if let Extern::Func(f) = self {
            Some(f)
        } else {
            None
        }
    }
    /// The memory, if this is one.
    pub fn into_memory(self) -> Option<Memory> {
        if let Extern::Memory(m) = self {
            Some(m)
        } else {
            None
        }
    }
    /// The table, if this is one.
    pub fn into_table(self) -> Option<Table> {
        if let Extern::Table(t) = self {
            Some(t)
        } else {
            None
        }
    }
    /// The global, if this is one.
    pub fn into_global(self) -> Option<Global> {
        if let Extern::Global(g) = self {
            Some(g)
        } else {
            None
        }
    }
    /// The entity's type.
    pub fn ty(&self, store: impl AsContext) -> ExternType {
        match self {
            Extern::Func(f) => ExternType::Func(f.ty(store)),
            Extern::Global(g) => ExternType::Global(g.ty(store)),
            Extern::Table(t) => ExternType::Table(t.ty(store)),
            Extern::Memory(m) => ExternType::Memory(m.ty(store)),
            Extern::Tag(t) => ExternType::Tag(t.ty(store)),
        }
    }

    /// The tag, if this is one.
    pub fn into_tag(self) -> Option<crate::exceptions::Tag> {
        if let Extern::Tag(t) = self {
            Some(t)
        } else {
            None
        }
    }
}

impl From<crate::exceptions::Tag> for Extern {
    fn from(t: crate::exceptions::Tag) -> Extern {
        Extern::Tag(t)
    }
}

impl From<Func> for Extern {
    fn from(f: Func) -> Extern {
        Extern::Func(f)
    }
}
impl From<Global> for Extern {
    fn from(g: Global) -> Extern {
        Extern::Global(g)
    }
}
impl From<Table> for Extern {
    fn from(t: Table) -> Extern {
        Extern::Table(t)
    }
}
impl From<Memory> for Extern {
    fn from(m: Memory) -> Extern {
        Extern::Memory(m)
    }
}

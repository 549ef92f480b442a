//! Instances and instantiation: resolving imports, creating the module's entities,
//! initialising tables and memories from segments, and running the start function.

use crate::entity_box::EntityBox;
use crate::error::{Error, TrapCode};
use crate::exceptions::{new_tag, Tag};
use crate::externals::{Extern, Global, Memory, Table};
use crate::func::{invoke, Func, TypedFunc, WasmParams, WasmResults};
use crate::limits::ResourceLimiter;
use crate::module::{ConstExpr, ConstOp, ExportIndex, Module, SegmentMode};
use crate::runtime::gc::{self, Elem, GcHeap};
use crate::runtime::{
    CompiledFunc, DataSeg, FuncEntity, GlobalEntity, InstanceEntity, MemoryEntity, TableEntity,
    TagEntity,
};
use crate::store::{AsContext, AsContextMut, Store, StoreInner};
use crate::types::{ExternType, MemoryType, Mutability};

/// An instance of a module in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instance {
    pub(crate) store: u64,
    pub(crate) index: u32,
}

impl Instance {
    /// Instantiates `module` with `imports` (in the module's import order), then runs its
    /// start function.
    pub fn new(
        mut store: impl AsContextMut,
        module: &Module,
        imports: &[Extern],
    ) -> Result<Instance, Error> {
        instantiate(store.as_context_mut().0, module, imports)
    }

    fn entity<'a>(&self, inner: &'a StoreInner) -> &'a InstanceEntity {
        inner.check(self.store);
        &inner.instances[self.index as usize]
    }

    /// The export called `name`.
    pub fn get_export(&self, store: impl AsContext, name: &str) -> Option<Extern> {
        let inner = &store.as_context().0.inner;
        let inst = self.entity(inner);
        let (_, idx) = inst.module.inner.exports.iter().find(|(n, _)| n == name)?;
        Some(extern_of(inner, inst, *idx))
    }

    /// Every export, in order.
    pub fn exports(&self, store: impl AsContext) -> Vec<(String, Extern)> {
        let inner = &store.as_context().0.inner;
        let inst = self.entity(inner);
        inst.module
            .inner
            .exports
            .iter()
            .map(|(n, idx)| (n.clone(), extern_of(inner, inst, *idx)))
            .collect()
    }

    /// The exported function `name`.
    pub fn get_func(&self, store: impl AsContext, name: &str) -> Option<Func> {
        self.get_export(store, name)?.into_func()
    }

    /// The exported function `name`, typed.
    pub fn get_typed_func<P: WasmParams, R: WasmResults>(
        &self,
        store: impl AsContext,
        name: &str,
    ) -> Result<TypedFunc<P, R>, Error> {
        let f = self
            .get_func(&store, name)
            .ok_or_else(|| Error::Usage(format!("no exported function named `{name}`")))?;
        f.typed(&store)
    }

    /// The exported memory `name`.
    pub fn get_memory(&self, store: impl AsContext, name: &str) -> Option<Memory> {
        self.get_export(store, name)?.into_memory()
    }

    /// The exported table `name`.
    pub fn get_table(&self, store: impl AsContext, name: &str) -> Option<Table> {
        self.get_export(store, name)?.into_table()
    }

    /// The exported global `name`.
    pub fn get_global(&self, store: impl AsContext, name: &str) -> Option<Global> {
        self.get_export(store, name)?.into_global()
    }

    /// The exported tag `name`.
    pub fn get_tag(&self, store: impl AsContext, name: &str) -> Option<Tag> {
        self.get_export(store, name)?.into_tag()
    }

    /// The module this is an instance of.
    pub fn module(&self, store: impl AsContext) -> Module {
        self.entity(&store.as_context().0.inner).module.clone()
    }
}

fn extern_of(inner: &StoreInner, inst: &InstanceEntity, idx: ExportIndex) -> Extern {
    let store = inner.id;
    match idx {
        ExportIndex::Func(i) => Extern::Func(Func {
            store,
            index: inst.func_ids[i as usize],
        }),
        ExportIndex::Table(i) => Extern::Table(Table {
            store,
            index: inst.table_ids[i as usize],
        }),
        ExportIndex::Memory(i) => Extern::Memory(Memory {
            store,
            index: inst.memory_ids[i as usize],
        }),
        ExportIndex::Global(i) => Extern::Global(Global {
            store,
            index: inst.global_ids[i as usize],
        }),
        ExportIndex::Tag(i) => Extern::Tag(Tag {
            store,
            index: inst.tag_ids[i as usize],
        }),
    }
}

fn link_err(module: &Module, i: usize, what: String) -> Error {
    let imp = &module.inner.imports[i];
    Error::Link(format!(
        "incompatible import type for `{}::{}`: {what}",
        imp.module, imp.name
    ))
}

fn limits_match(actual_min: u64, actual_max: Option<u64>, min: u64, max: Option<u64>) -> bool {
    actual_min >= min
        && match max {
            None => true,
            Some(max) => actual_max.is_some_and(|am| am <= max),
        }
}

/// Evaluates a constant expression against the instance built so far, allocating its
/// structures and arrays in `gc`. The bits of its value: a `v128`'s all 128, any other
/// value's in the low 64.
fn eval(
    expr: &ConstExpr,
    inst: &InstanceEntity,
    gc: &mut GcHeap,
    limiter: Option<*mut dyn ResourceLimiter>,
) -> Result<u128, Error> {
    let mut failed = None;
    let value = crate::module::eval_const(expr, |op, args| match op {
        ConstOp::RefFunc(f) => Some(inst.funcs[*f as usize] as u128),
        // SAFETY: global cells are boxed in the store, two per global; validation only
        // lets constant expressions read globals that exist at this point.
        ConstOp::GlobalGet(g) => Some(unsafe {
            let cells = inst.globals[*g as usize];
            *cells as u128 | (*cells.add(1) as u128) << 64
        }),
        _ => match alloc_const(op, args, gc, limiter) {
            Ok(cell) => Some(cell as u128),
            Err(code) => {
                failed = Some(code);
                None
            }
        },
    });
    match (value, failed) {
        (_, Some(code)) => Err(code.into()),
        // Validation makes every constant expression leave one value.
        (value, None) => Ok(value.unwrap_or(0)),
    }
}

/// The object a constant expression's `struct.new` or `array.new*` makes, from its
/// operands.
fn alloc_const(
    op: &ConstOp,
    args: &[u128],
    gc: &mut GcHeap,
    limiter: Option<*mut dyn ResourceLimiter>,
) -> Result<u64, TrapCode> {
    // The operands as cells: a `v128` takes two.
    let cells_of = |values: &[u128], elems: &mut dyn Iterator<Item = u32>| {
        let mut cells = Vec::new();
        for (&v, elem) in values.iter().zip(elems) {
            cells.push(v as u64);
            if Elem(elem).cells() == 2 {
                cells.push((v >> 64) as u64);
            }
        }
        cells
    };
    let (obj, cells, at) = match op {
        ConstOp::StructNew {
            type_id, fields, ..
        } => {
            let total = fields.iter().map(|&f| Elem(f).cells()).sum();
            let cells = cells_of(args, &mut fields.iter().copied());
            let obj = gc.alloc(limiter, gc::header(gc::STRUCT, *type_id), None, total)?;
            (obj, cells, 1)
        }
        ConstOp::ArrayNew {
            type_id,
            elem,
            fixed,
            default,
        } => {
            let n = Elem(*elem).cells();
            let (len, cells) = match (fixed, default) {
                (Some(len), _) => (*len, cells_of(args, &mut core::iter::repeat(*elem))),
                (None, true) => (args[0] as u32, Vec::new()),
                (None, false) => (args[1] as u32, Vec::new()),
            };
            let total = (len as usize)
                .checked_mul(n)
                .ok_or(TrapCode::GcHeapOutOfMemory)?;
            let header = gc::header(gc::ARRAY, *type_id);
            // Allocated before anything is built from the length: the limiter (or the
            // host's memory) decides first whether an array that large may exist.
            let obj = gc.alloc(limiter, header, Some(len), total)?;
            if let (None, false) = (fixed, default) {
                // `array.new`: every element is the one initial value.
                let one = cells_of(&[args[0]], &mut core::iter::once(*elem));
                for i in 0..len as usize {
                    // SAFETY: the array has `len` elements of `n` cells after its header
                    // and length.
                    unsafe { core::ptr::copy_nonoverlapping(one.as_ptr(), obj.add(2 + i * n), n) };
                }
            }
            (obj, cells, 2)
        }
        _ => unreachable!("eval_const hands over only allocations and reads"),
    };
    // SAFETY: the object was just made with room for `cells` after its `at` header cells.
    unsafe { core::ptr::copy_nonoverlapping(cells.as_ptr(), obj.add(at), cells.len()) };
    Ok(obj as u64)
}

/// Asks the store's limiter whether the instance and its memories and tables may exist.
fn check_limits(inner: &mut StoreInner, module: &Module) -> Result<(), Error> {
    let m = &module.inner;
    let (instances, memories, tables) = (
        inner.instances.len(),
        inner.memories.len(),
        inner.tables.len(),
    );
    let Some(limiter) = inner.limiter.as_deref_mut() else {
        return Ok(());
    };
    let new_memories = &m.memories[m.num_imported_memories as usize..];
    let new_tables = &m.tables[m.num_imported_tables as usize..];
    if instances >= limiter.instances() {
        return Err(Error::Instantiation(
            "the store's instance limit is reached".into(),
        ));
    }
    if memories + new_memories.len() > limiter.memories() {
        return Err(Error::Instantiation(
            "the store's memory limit is reached".into(),
        ));
    }
    if tables + new_tables.len() > limiter.tables() {
        return Err(Error::Instantiation(
            "the store's table limit is reached".into(),
        ));
    }
    for mt in new_memories {
        let page = mt.page_size() as usize;
        let max = mt.maximum().map(|m| (m as usize).saturating_mul(page));
        let min = (mt.minimum() as usize).saturating_mul(page);
        if !limiter.memory_growing(0, min, max) {
            return Err(Error::Instantiation(
                "a memory exceeds the store's limits".into(),
            ));
        }
    }
    for t in new_tables {
        if !limiter.table_growing(0, t.minimum(), t.maximum()) {
            return Err(Error::Instantiation(
                "a table exceeds the store's limits".into(),
            ));
        }
    }
    Ok(())
}

pub(crate) fn instantiate<T>(
    store: &mut Store<T>,
    module: &Module,
    imports: &[Extern],
) -> Result<Instance, Error> {
    let m = &module.inner;
    let inner = &mut store.inner;
    if !inner.engine.same(&m.engine) {
        return Err(Error::Usage("module belongs to another engine".into()));
    }
    if imports.len() != m.imports.len() {
        return Err(Error::Link(format!(
            "module needs {} imports, {} given",
            m.imports.len(),
            imports.len()
        )));
    }
    check_limits(inner, module)?;
    let index = inner.instances.len() as u32;
    // Each function's entry: its code if translated already (unless translation is charged
    // as fuel: then every instance translates — or finds translated — on its own first
    // call, so the fuel a run uses does not depend on what other instances did).
    let use_translated = !inner.engine.config().consume_fuel;
    let compiled_funcs: Box<[core::cell::Cell<CompiledFunc>]> = (0..m.code.len())
        .map(|i| {
            let params = m
                .func_type(m.env.num_imported_funcs + i as u32)
                .param_cells() as u32;
            core::cell::Cell::new(m.code.initial_entry(i, params, use_translated))
        })
        .collect();
    // The instance takes its place in the store first, and every pointer to it (the
    // defined functions', the collector's, instantiation's own) comes from one raw pointer
    // taken from its box there: a box moved after pointers were taken from it would make
    // them stale under Stacked Borrows (Miri), and a unique reference in between would be
    // invalidated by the store's later reads of the instance.
    inner.instances.push(EntityBox::new(InstanceEntity {
        index,
        module: module.clone(),
        compiled: core::ptr::null(),
        compiled_funcs,
        funcs: Vec::new(),
        globals: Vec::new(),
        tables: Vec::new(),
        memories: Vec::new(),
        memory_slots: [core::ptr::null_mut(); crate::exec::MEMORY_SLOTS],
        mem0: core::ptr::null_mut(),
        empty_memory: EntityBox::new(MemoryEntity {
            data: Vec::new(),
            ty: MemoryType::new(0, Some(0)),
        }),
        data: Vec::new(),
        elems: Vec::new(),
        func_ids: Vec::new(),
        global_ids: Vec::new(),
        table_ids: Vec::new(),
        memory_ids: Vec::new(),
        tags: Vec::new(),
        tag_ids: Vec::new(),
    }));
    let this: *mut InstanceEntity = inner.instances.last().expect("just pushed").as_ptr();
    // What may fail before the instance is complete (linking, initialisers, limits): on
    // an error the instance leaves the store again.
    // SAFETY: `this` points to the instance just pushed, boxed in the store, alive;
    // nothing else reaches it until instantiation ends.
    let filled = fill_instance(inner, module, imports, unsafe { &mut *this }, this);
    if let Err(e) = filled {
        inner.instances.pop();
        return Err(e);
    }
    if m.elems.iter().any(|seg| seg.traced) {
        inner.ctx.gc.roots.add_instance(this);
    }
    let instance = Instance {
        store: inner.id,
        index,
    };
    init_segments(inner, module, this)?;
    if let Some(start) = m.start {
        // SAFETY: as above.
        let id = unsafe { (&(*this).func_ids)[start as usize] };
        invoke(store, id, |_| {}, |_, _| ())?;
    }
    Ok(instance)
}

/// Links the imports and makes the defined entities of instance `inst` (at `this`, in
/// the store), up to its segments as the instance sees them.
fn fill_instance(
    inner: &mut StoreInner,
    module: &Module,
    imports: &[Extern],
    inst: &mut InstanceEntity,
    this: *mut InstanceEntity,
) -> Result<(), Error> {
    let m = &module.inner;
    // Imports.
    for (i, (import, ext)) in m.imports.iter().zip(imports).enumerate() {
        match (&import.ty, ext) {
            (ExternType::Func(ty), Extern::Func(f)) => {
                inner.check(f.store);
                let e = &inner.funcs[f.index as usize];
                if !e.ty.matches(ty) {
                    return Err(link_err(
                        module,
                        i,
                        format!("expected {ty}, found {}", e.ty),
                    ));
                }
                inst.funcs.push(e.as_ptr() as *const FuncEntity);
                inst.func_ids.push(f.index);
            }
            (ExternType::Global(ty), Extern::Global(g)) => {
                inner.check(g.store);
                let e = &mut inner.globals[g.index as usize];
                // An immutable global may hold a subtype (a typed function reference
                // where `funcref` is expected); a mutable one must match exactly, since
                // both sides may write it.
                let ok = e.ty.mutability() == ty.mutability()
                    && match ty.mutability() {
                        Mutability::Const => e.ty.content().matches(ty.content()),
                        Mutability::Var => e.ty.content() == ty.content(),
                    };
                if !ok {
                    return Err(link_err(
                        module,
                        i,
                        format!("expected {ty:?}, found {:?}", e.ty),
                    ));
                }
                inst.globals.push(e.cells());
                inst.global_ids.push(g.index);
            }
            (ExternType::Table(ty), Extern::Table(t)) => {
                inner.check(t.store);
                let e = &inner.tables[t.index as usize];
                let ok = e.ty.element() == ty.element()
                    && e.ty.is_64() == ty.is_64()
                    && limits_match(
                        e.elems.len() as u64,
                        e.ty.maximum(),
                        ty.minimum(),
                        ty.maximum(),
                    );
                if !ok {
                    return Err(link_err(
                        module,
                        i,
                        format!("expected {ty:?}, found {:?}", e.ty),
                    ));
                }
                inst.tables.push(e.as_ptr());
                inst.table_ids.push(t.index);
            }
            (ExternType::Memory(ty), Extern::Memory(mem)) => {
                inner.check(mem.store);
                let e = &inner.memories[mem.index as usize];
                let same_kind =
                    e.ty.is_64() == ty.is_64() && e.ty.page_size_log2() == ty.page_size_log2();
                if !same_kind
                    || !limits_match(e.pages(), e.ty.maximum(), ty.minimum(), ty.maximum())
                {
                    return Err(link_err(
                        module,
                        i,
                        format!("expected {ty:?}, found {:?}", e.ty),
                    ));
                }
                inst.memories.push(e.as_ptr());
                inst.memory_ids.push(mem.index);
            }
            (ExternType::Tag(ty), Extern::Tag(t)) => {
                // Tag types must be equal (a tag's payload flows both ways).
                let e = t.entity(inner);
                if e.ty != *ty {
                    return Err(link_err(
                        module,
                        i,
                        format!("expected {ty:?}, found {:?}", e.ty),
                    ));
                }
                inst.tags
                    .push(inner.tags[t.index as usize].as_ptr() as *const TagEntity);
                inst.tag_ids.push(t.index);
            }
            (expected, _) => return Err(link_err(module, i, format!("expected {expected}"))),
        }
    }

    // Defined functions point back at this instance (boxed: its address is final). The
    // pointer is taken without a shared reference in between: one would freeze the
    // instance for as long as the pointer is used, and the instance is still written below
    // (memories, segments), which Miri reports as undefined behaviour.
    // (Taken from the boxed entries in place. `Cell<T>` has `T`'s layout; the entries are
    // written only through the cells.)
    inst.compiled = inst.compiled_funcs.as_ptr() as *const CompiledFunc;
    for i in 0..m.code.len() {
        // SAFETY: `compiled` points to the instance's table of entries (boxed, alive), of
        // one entry per defined function; `i` is one.
        let compiled = unsafe { inst.compiled.add(i) };
        let func_index = m.env.num_imported_funcs as usize + i;
        let ty = m.func_type(func_index as u32).clone();
        let id = inner.funcs.len() as u32;
        inner.funcs.push(EntityBox::new(FuncEntity {
            type_id: ty.type_id().0,
            compiled,
            inst: this,
            host: 0,
            index: id,
            ty,
        }));
        inst.funcs
            .push(inner.funcs.last().unwrap().as_ptr() as *const FuncEntity);
        inst.func_ids.push(id);
    }

    // Defined tags: each instantiation makes new ones (a tag's identity is its entity).
    for ty in &m.tags[m.num_imported_tags as usize..] {
        let tag = new_tag(inner, ty.clone());
        inst.tags
            .push(inner.tags[tag.index as usize].as_ptr() as *const TagEntity);
        inst.tag_ids.push(tag.index);
    }

    // Defined globals, in order (initialisers may read earlier globals).
    for (g, init) in m.globals[m.num_imported_globals as usize..]
        .iter()
        .zip(&m.global_inits)
    {
        let bits = eval(init, inst, &mut inner.ctx.gc, inner.ctx.limiter)?;
        let value = [bits as u64, (bits >> 64) as u64];
        inner
            .globals
            .push(EntityBox::new(GlobalEntity::new(value, *g)));
        inner.register_exn_global();
        let e = inner.globals.last().unwrap();
        inst.globals.push(e.cells());
        inst.global_ids.push(inner.globals.len() as u32 - 1);
    }

    // Defined tables and memories.
    for (t, init) in m
        .tables
        .iter()
        .zip(&m.table_inits)
        .skip(m.num_imported_tables as usize)
    {
        let cell = match init {
            Some(e) => eval(e, inst, &mut inner.ctx.gc, inner.ctx.limiter)? as u64,
            None => 0,
        };
        let elems = vec![cell; t.minimum() as usize];
        inner
            .tables
            .push(EntityBox::new(TableEntity { elems, ty: *t }));
        let table = inner.register_exn_table();
        inst.tables.push(table);
        inst.table_ids.push(inner.tables.len() as u32 - 1);
    }
    for mt in &m.memories[m.num_imported_memories as usize..] {
        let memory = MemoryEntity::new(*mt)
            .ok_or_else(|| Error::Instantiation("memory too large".into()))?;
        inner.memories.push(EntityBox::new(memory));
        inst.memories.push(inner.memories.last().unwrap().as_ptr());
        inst.memory_ids.push(inner.memories.len() as u32 - 1);
    }
    inst.mem0 = inst
        .memories
        .first()
        .copied()
        .unwrap_or(inst.empty_memory.as_ptr());
    // Null past the last memory: validation keeps accesses to the module's memories.
    inst.memory_slots = core::array::from_fn(|i| {
        inst.memories
            .get(i)
            .copied()
            .unwrap_or(core::ptr::null_mut())
    });

    // Segments as the instance sees them.
    let (gc, limiter) = (&mut inner.ctx.gc, inner.ctx.limiter);
    inst.elems = m
        .elems
        .iter()
        .map(|seg| {
            seg.items
                .iter()
                .map(|e| Ok(eval(e, inst, gc, limiter)? as u64))
                .collect::<Result<_, Error>>()
        })
        .collect::<Result<_, Error>>()?;
    inst.data = m
        .data
        .iter()
        .map(|seg| DataSeg {
            ptr: seg.bytes.as_ptr(),
            len: seg.bytes.len(),
        })
        .collect();

    Ok(())
}

/// Runs the active segments of instance `this` (in the store), in order; a failing one
/// traps, leaving earlier effects in place (the spec's semantics since bulk memory).
fn init_segments(
    inner: &mut StoreInner,
    module: &Module,
    this: *mut InstanceEntity,
) -> Result<(), Error> {
    let m = &module.inner;
    // SAFETY: `this` points to the instance just pushed, boxed in the store, alive; nothing
    // else reaches it while instantiation runs.
    let inst = unsafe { &mut *this };
    for (i, seg) in m.elems.iter().enumerate() {
        match &seg.mode {
            SegmentMode::Active { index: t, offset } => {
                // SAFETY: table pointers of the instance are live.
                let table = unsafe { &mut *inst.tables[*t as usize] };
                let offset = match eval(offset, inst, &mut inner.ctx.gc, inner.ctx.limiter)? as u64
                {
                    o if table.ty.is_64() => usize::try_from(o).unwrap_or(usize::MAX),
                    o => o as u32 as usize,
                };
                let items = &inst.elems[i];
                let end = offset
                    .checked_add(items.len())
                    .filter(|&e| e <= table.elems.len());
                let Some(end) = end else {
                    return Err(TrapCode::TableOutOfBounds.into());
                };
                table.elems[offset..end].copy_from_slice(items);
                inst.elems[i] = Vec::new();
            }
            SegmentMode::Declared => inst.elems[i] = Vec::new(),
            SegmentMode::Passive => {}
        }
    }
    for (i, seg) in m.data.iter().enumerate() {
        if let SegmentMode::Active { index: mi, offset } = &seg.mode {
            // SAFETY: memory pointers of the instance are live.
            let mem = unsafe { &mut *inst.memories[*mi as usize] };
            let offset = match eval(offset, inst, &mut inner.ctx.gc, inner.ctx.limiter)? as u64 {
                o if mem.ty.is_64() => o,
                o => o as u32 as u64,
            };
            let end = usize::try_from(offset)
                .ok()
                .and_then(|o| o.checked_add(seg.bytes.len()))
                .filter(|&e| e <= mem.data.len());
            let Some(end) = end else {
                return Err(TrapCode::MemoryOutOfBounds.into());
            };
            mem.data[end - seg.bytes.len()..end].copy_from_slice(&seg.bytes);
            inst.data[i].len = 0;
        }
    }

    Ok(())
}

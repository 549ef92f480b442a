//! Modules: decoding and validation (by `wasmparser`), then translation of every function
//! body into Baton's internal code. A `Module` is immutable and can be instantiated in any
//! number of stores of its engine.

use crate::bodies::{body_len, translate_bodies, validate_bodies, NotesWanted, PendingBody};
use crate::code::{CompilationMode, LazyBodies, ModuleCode};
use crate::engine::Engine;
use crate::error::Error;
use crate::module_types::{
    global_type, memory_type, register_group, table_type, tag_type, val_type,
};
use crate::registry::TypeInfo;
use crate::types::{ExternType, FuncType, GlobalType, MemoryType, TableType, TagType, ValType};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use wasmparser::{Parser, Payload, Validator, WasmFeatures};

/// A validated and translated WebAssembly module. Cheap to clone.
#[derive(Clone)]
pub struct Module {
    pub(crate) inner: Arc<ModuleInner>,
}

/// What the translator needs to know of the module around a function.
#[derive(Default)]
pub(crate) struct ModuleEnv {
    /// Every type the module declares, by type index.
    pub types: Vec<&'static TypeInfo>,
    /// Type index of every function (imports first).
    pub func_types: Vec<u32>,
    pub num_imported_funcs: u32,
    /// Emit fuel charges (engine's `consume_fuel`).
    pub fuel: bool,
    /// Emit interruption checks (engine's `interruptible`).
    pub interruptible: bool,
    /// The value of every global that is known before instantiation: a defined, immutable
    /// global whose initialiser reads nothing of the instance (or only such globals).
    /// `global.get` of one is a constant, folded into the instruction that uses it
    /// (compiled C keeps constants such as table bases and hash seeds in these).
    pub const_globals: Vec<Option<u64>>,
    /// Each global's type (imports first).
    pub global_types: Vec<ValType>,
    /// Each memory's type (imports first).
    pub memories: Vec<MemoryType>,
    /// Each table's type (imports first).
    pub tables: Vec<TableType>,
    /// Each tag's type (imports first).
    pub tags: Vec<TagType>,
    /// Whether the module's values may be GC objects, so that its code needs stack maps
    /// (see `crate::stack_maps`): some type it declares or imports can hold one.
    pub stack_maps: bool,
}

/// Whether the module's code can hold an object (`runtime::gc::traced`): it makes them if
/// it declares a structure or array type (whatever the fields: `struct.new` of a type with
/// only numeric fields makes an object all the same), and otherwise values reach a function
/// only through its signature, globals and tables (tags are signatures too).
fn needs_stack_maps(env: &ModuleEnv) -> bool {
    use crate::registry::Composite;
    use crate::runtime::gc::traced;
    env.types.iter().any(|info| match &info.composite {
        Composite::Func(f) => f.params().iter().chain(f.results()).any(|&t| traced(t)),
        Composite::Struct(_) | Composite::Array(_) => true,
    }) || env.global_types.iter().any(|&t| traced(t))
        || env.tables.iter().any(|t| traced(t.element()))
}

/// Whether a `v128` can reach a function body through the module's declarations: a
/// signature (of a function, a call, a block or a tag), a structure or array field, or a
/// global. (A module with structures or arrays has stack maps, whose notes are taken
/// anyway; fields are counted all the same, for when that changes.)
fn v128_in_types(env: &ModuleEnv) -> bool {
    use crate::registry::Composite;
    let v128 = |t: &ValType| *t == ValType::V128;
    env.types.iter().any(|info| match &info.composite {
        Composite::Func(f) => f.params().iter().chain(f.results()).any(v128),
        Composite::Struct(_) | Composite::Array(_) => true,
    }) || env.global_types.iter().any(v128)
}

impl ModuleEnv {
    /// The signature of function `func` (imports first).
    pub(crate) fn func_type(&self, func: u32) -> &FuncType {
        self.types[self.func_types[func as usize] as usize].func()
    }
}

/// A constant expression, evaluated at instantiation.
#[derive(Clone, Debug)]
pub(crate) enum ConstOp {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    RefNull,
    RefFunc(u32),
    GlobalGet(u32),
    I32Add,
    I32Sub,
    I32Mul,
    I64Add,
    I64Sub,
    I64Mul,
    /// `ref.i31` of the value on top.
    RefI31,
    /// `struct.new` (a value per field; none if `default`: `struct.new_default`) of the
    /// structure type `type_id`, whose fields' storage is `fields` (`Elem` immediates).
    StructNew {
        type_id: u32,
        fields: Box<[u32]>,
        default: bool,
    },
    /// `array.new` (initial value and length), `array.new_default` (length; `default`) or
    /// `array.new_fixed` (`fixed` values) of the array type `type_id`, whose elements'
    /// storage is `elem`.
    ArrayNew {
        type_id: u32,
        elem: u32,
        fixed: Option<u32>,
        default: bool,
    },
}

impl ConstOp {
    /// How many values the operator takes from the stack, for those evaluated by the
    /// caller of [`eval_const`].
    fn operands(&self) -> usize {
        match self {
            ConstOp::StructNew {
                fields,
                default: false,
                ..
            } => fields.len(),
            ConstOp::ArrayNew { fixed: Some(n), .. } => *n as usize,
            ConstOp::ArrayNew { default: true, .. } => 1,
            ConstOp::ArrayNew { .. } => 2,
            _ => 0,
        }
    }
}

pub(crate) type ConstExpr = Vec<ConstOp>;

/// Evaluates a constant expression to the bits of its value. `read` gives the value of the
/// operators that read or change the instance or the store (`ref.func`, `global.get`, the
/// allocations, which get their operands, bottom first), or `None` where it cannot be known
/// (or an allocation fails); the expression's value is then `None` too. Validation
/// guarantees that the expression is well formed (one value left, operands present).
///
/// Values are 128 bits wide so that a `v128` fits; any other value is in the low 64.
pub(crate) fn eval_const(
    expr: &ConstExpr,
    mut read: impl FnMut(&ConstOp, &[u128]) -> Option<u128>,
) -> Option<u128> {
    let mut stack: Vec<u128> = Vec::with_capacity(2);
    for op in expr {
        let v = match *op {
            ConstOp::I32(v) => v as u32 as u128,
            ConstOp::I64(v) => v as u64 as u128,
            ConstOp::F32(v) => v as u128,
            ConstOp::F64(v) => v as u128,
            ConstOp::V128(v) => v,
            ConstOp::RefNull => 0,
            ConstOp::RefFunc(_)
            | ConstOp::GlobalGet(_)
            | ConstOp::StructNew { .. }
            | ConstOp::ArrayNew { .. } => {
                let args = stack.split_off(stack.len().checked_sub(op.operands())?);
                read(op, &args)?
            }
            ConstOp::RefI31 => crate::values::ref_cell::from_i31(stack.pop()? as u32) as u128,
            ConstOp::I32Add
            | ConstOp::I32Sub
            | ConstOp::I32Mul
            | ConstOp::I64Add
            | ConstOp::I64Sub
            | ConstOp::I64Mul => {
                let b = stack.pop()? as u64;
                let a = stack.pop()? as u64;
                (match *op {
                    ConstOp::I32Add => (a as u32).wrapping_add(b as u32) as u64,
                    ConstOp::I32Sub => (a as u32).wrapping_sub(b as u32) as u64,
                    ConstOp::I32Mul => (a as u32).wrapping_mul(b as u32) as u64,
                    ConstOp::I64Add => a.wrapping_add(b),
                    ConstOp::I64Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                }) as u128
            }
        };
        stack.push(v);
    }
    stack.pop()
}

/// The globals whose values are known before instantiation (see
/// [`ModuleEnv::const_globals`]): defined and immutable, with an initialiser that reads
/// no import and no function reference (a function's reference is an address in the
/// store, known only once instantiated).
fn known_globals(m: &ModuleInner) -> Vec<Option<u64>> {
    let mut known: Vec<Option<u128>> = Vec::with_capacity(m.globals.len());
    let imported = m.num_imported_globals as usize;
    for (i, ty) in m.globals.iter().enumerate() {
        let value = match (i.checked_sub(imported), ty.mutability()) {
            (Some(d), crate::types::Mutability::Const) => {
                eval_const(&m.global_inits[d], |op, _| match *op {
                    ConstOp::GlobalGet(g) => known.get(g as usize).copied().flatten(),
                    _ => None,
                })
            }
            _ => None,
        };
        known.push(value);
    }
    // A `v128` takes two cells, which one constant operand cannot stand for: its
    // `global.get` reads the global.
    known
        .iter()
        .zip(&m.globals)
        .map(|(v, ty)| {
            v.filter(|_| ty.content() != ValType::V128)
                .map(|v| v as u64)
        })
        .collect()
}

/// Where an element or data segment goes.
#[derive(Clone, Debug)]
pub(crate) enum SegmentMode {
    Passive,
    Declared,
    Active { index: u32, offset: ConstExpr },
}

pub(crate) struct ElemSegment {
    pub mode: SegmentMode,
    pub items: Vec<ConstExpr>,
    /// Whether its elements may be objects (`runtime::gc::traced`): a root of the collector
    /// while the segment is not dropped.
    pub traced: bool,
}

pub(crate) struct DataSegment {
    pub mode: SegmentMode,
    pub bytes: Box<[u8]>,
}

/// An import's module, name and kind.
pub(crate) struct Import {
    pub module: String,
    pub name: String,
    pub ty: ExternType,
}

/// Kind and index of an export.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ExportIndex {
    Func(u32),
    Table(u32),
    Memory(u32),
    Global(u32),
    Tag(u32),
}

pub(crate) struct ModuleInner {
    pub engine: Engine,
    pub env: ModuleEnv,
    pub name: Option<String>,
    pub imports: Vec<Import>,
    pub tables: Vec<TableType>,
    pub table_inits: Vec<Option<ConstExpr>>,
    pub memories: Vec<MemoryType>,
    pub globals: Vec<GlobalType>,
    pub global_inits: Vec<ConstExpr>,
    pub exports: Vec<(String, ExportIndex)>,
    pub start: Option<u32>,
    pub elems: Vec<ElemSegment>,
    pub data: Vec<DataSegment>,
    /// The defined functions' translated code (see `crate::code`).
    pub code: ModuleCode,
    /// Function names from the name section (see [`FuncNames`]).
    pub func_names: FuncNames,
    pub stats: ModuleStats,
    pub num_imported_tables: u32,
    pub num_imported_memories: u32,
    pub num_imported_globals: u32,
    /// Every tag's type (imports first).
    pub tags: Vec<TagType>,
    pub num_imported_tags: u32,
}

/// Function names from the name section: where the section is, and the names once read.
#[derive(Default)]
pub(crate) struct FuncNames {
    /// Byte offset and length of the name section's data in the module.
    section: Option<(usize, usize)>,
    parsed: std::sync::OnceLock<HashMap<u32, String>>,
}

impl FuncNames {
    /// Reads the names now, from the module's `bytes`.
    fn parse_from(&self, bytes: &[u8]) {
        let _ = self.parsed.set(parse_func_names(bytes, self.section));
    }
}

/// The function names of the name section at `section` (offset and length in `module`). A
/// broken name section is not an error (the spec says so): what cannot be read is ignored.
fn parse_func_names(module: &[u8], section: Option<(usize, usize)>) -> HashMap<u32, String> {
    let mut names = HashMap::new();
    let Some(data) = section.and_then(|(at, len)| module.get(at..at.checked_add(len)?)) else {
        return names;
    };
    let offset = section.map_or(0, |(at, _)| at) as u64;
    let reader = wasmparser::NameSectionReader::new(wasmparser::BinaryReader::new(data, offset));
    for name in reader.into_iter().flatten() {
        if let wasmparser::Name::Function(map) = name {
            for n in map.into_iter().flatten() {
                names.insert(n.index, n.name.to_string());
            }
        }
    }
    names
}

/// Sizes and translation statistics of a module.
#[derive(Clone, Debug, Default)]
pub struct ModuleStats {
    /// Defined functions.
    pub num_funcs: usize,
    /// Imported functions.
    pub num_imported_funcs: usize,
    /// Bytes of Wasm function bodies.
    pub wasm_code_bytes: usize,
    /// Bytes of translated code (so far: functions are translated on their first call
    /// unless compilation is eager, or ahead of it by the background translator, see
    /// `Config::background_translation`).
    pub translated_code_bytes: usize,
    /// Functions translated so far (each once, whichever thread translated it).
    pub translated_funcs: usize,
    /// Wasm operators translated so far.
    pub wasm_operators: usize,
    /// Internal instructions emitted.
    pub instructions: usize,
}

/// An import of a module.
pub struct ImportType<'a> {
    import: &'a Import,
}

impl ImportType<'_> {
    /// The module name the import comes from.
    pub fn module(&self) -> &str {
        &self.import.module
    }
    /// The import's name.
    pub fn name(&self) -> &str {
        &self.import.name
    }
    /// The import's type.
    pub fn ty(&self) -> ExternType {
        self.import.ty.clone()
    }
}

/// An export of a module.
pub struct ExportType<'a> {
    name: &'a str,
    ty: ExternType,
}

impl ExportType<'_> {
    /// The export's name.
    pub fn name(&self) -> &str {
        self.name
    }
    /// The export's type.
    pub fn ty(&self) -> ExternType {
        self.ty.clone()
    }
}

/// The Wasm features Baton runs, and validates against by default (see `Config` to turn
/// proposals off): 2.0 (SIMD included), relaxed SIMD, memory64, multi-memory, custom page
/// sizes, tail calls, extended constants, wide arithmetic.
pub(crate) fn all_features() -> WasmFeatures {
    WasmFeatures::WASM2
        | WasmFeatures::RELAXED_SIMD
        | WasmFeatures::MEMORY64
        | WasmFeatures::MULTI_MEMORY
        | WasmFeatures::CUSTOM_PAGE_SIZES
        | WasmFeatures::TAIL_CALL
        | WasmFeatures::EXTENDED_CONST
        | WasmFeatures::WIDE_ARITHMETIC
        | WasmFeatures::FUNCTION_REFERENCES
        | WasmFeatures::EXCEPTIONS
        | WasmFeatures::GC_TYPES
        | WasmFeatures::GC
}

impl Module {
    /// Compiles a module from binary or text (`.wat`) form.
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module, Error> {
        let bytes = bytes.as_ref();
        if bytes.starts_with(b"\0asm") {
            return Self::from_binary(engine, bytes);
        }
        let binary = wat::parse_bytes(bytes).map_err(|e| Error::Parse {
            message: e.to_string(),
            offset: 0,
        })?;
        // (Text parses to a new binary, which the module may keep: no copy.)
        Self::compile_binary(engine, Cow::Owned(binary.into_owned()))
    }

    /// Compiles a module from its binary form.
    pub fn from_binary(engine: &Engine, bytes: &[u8]) -> Result<Module, Error> {
        Self::compile_binary(engine, Cow::Borrowed(bytes))
    }

    /// [`Module::from_binary`] for a module the caller can hand over: lazy translation
    /// keeps `bytes` to translate from, instead of a copy of its function bodies. For a
    /// large module read from a file, the lowest peak memory (the bodies are never in
    /// memory twice).
    pub fn from_vec(engine: &Engine, bytes: Vec<u8>) -> Result<Module, Error> {
        Self::compile_binary(engine, Cow::Owned(bytes))
    }

    fn compile_binary(engine: &Engine, bytes: Cow<'_, [u8]>) -> Result<Module, Error> {
        let build = match engine.config().compilation_mode {
            CompilationMode::Lazy => Build::Lazy,
            CompilationMode::Eager => Build::Eager,
        };
        let (mut inner, lazy) =
            compile(engine, &bytes, build).map_err(|e| unsupported_proposal(e, engine, &bytes))?;
        // Function names are read from the module's bytes when first needed if the module
        // keeps them (lazy, handed over), else now: a large C++ program's names take tens
        // of megabytes that only a backtrace reads.
        let keeps_bytes = lazy.is_some() && matches!(bytes, Cow::Owned(_));
        if !keeps_bytes {
            inner.func_names.parse_from(&bytes);
        }
        if let Some((ranges, notes)) = lazy {
            let config = engine.config();
            let background = config.background_translation
                && config.compile_threads != 1
                && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
            let bodies = LazyBodies::new(bytes, &ranges, notes, config.features);
            inner.code = ModuleCode::lazy(bodies, background);
        }
        Ok(Module {
            inner: Arc::new(inner),
        })
    }

    /// Checks that `bytes` is a valid module Baton can run, without keeping it: decodes
    /// and validates it, translates nothing.
    pub fn validate(engine: &Engine, bytes: &[u8]) -> Result<(), Error> {
        compile(engine, bytes, Build::ValidateOnly)
            .map(drop)
            .map_err(|e| unsupported_proposal(e, engine, bytes))
    }

    /// The module's name from its name section.
    pub fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }

    /// The engine this module belongs to.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The module's imports, in order.
    pub fn imports(&self) -> impl ExactSizeIterator<Item = ImportType<'_>> {
        self.inner
            .imports
            .iter()
            .map(|import| ImportType { import })
    }

    /// The module's exports, in order.
    pub fn exports(&self) -> impl ExactSizeIterator<Item = ExportType<'_>> {
        self.inner.exports.iter().map(|(name, idx)| ExportType {
            name,
            ty: self.inner.export_type(*idx),
        })
    }

    /// Sizes and translation statistics.
    pub fn stats(&self) -> ModuleStats {
        let code = &self.inner.code;
        ModuleStats {
            translated_code_bytes: code.translated_bytes(),
            translated_funcs: code.translated_funcs(),
            wasm_operators: code.translated_operators(),
            ..self.inner.stats.clone()
        }
    }

    /// The name of function `func_index` from the name section.
    pub fn func_name(&self, func_index: u32) -> Option<&str> {
        self.inner.func_names().get(&func_index).map(String::as_str)
    }

    /// The index (imports first) of the function exported as `name`, or else named `name`
    /// in the name section.
    pub fn find_func(&self, name: &str) -> Option<u32> {
        let exported = self
            .inner
            .exports
            .iter()
            .find_map(|(export, idx)| match idx {
                ExportIndex::Func(i) if export == name => Some(*i),
                _ => None,
            });
        exported.or_else(|| {
            let mut named: Vec<u32> = (self.inner.func_names().iter())
                .filter(|(_, n)| n.as_str() == name)
                .map(|(&i, _)| i)
                .collect();
            named.sort_unstable();
            named.first().copied()
        })
    }

    /// A listing of the translated code of defined function `index` (0 = first defined
    /// function), one instruction per line.
    /// (Translates the function if it is not translated yet.)
    pub fn disassemble(&self, index: usize) -> Option<String> {
        if index >= self.inner.code.len() {
            return None;
        }
        let code = self.inner.code.get(&self.inner.env, index).ok()?;
        Some(crate::disasm::disassemble(&code.words))
    }
}

/// A validation error on a module that is valid once the proposals Baton does not run
/// yet (exceptions, GC...) are switched on is not an invalid module: it needs one of
/// them, and says so. (Proposals Baton runs but the engine's `Config` switched off stay
/// off: such a module is invalid under that configuration.) Checked only on the error
/// path.
fn unsupported_proposal(error: Error, engine: &Engine, bytes: &[u8]) -> Error {
    let missing = WasmFeatures::all().difference(all_features());
    let features = engine.config().features.union(missing);
    match error {
        Error::Validation { message, offset }
            if Validator::new_with_features(features)
                .validate_all(bytes)
                .is_ok() =>
        {
            Error::Unsupported {
                message: format!(
                    "the module needs a proposal Baton does not implement ({message})"
                ),
                offset,
            }
        }
        other => other,
    }
}

impl ModuleInner {
    pub(crate) fn export_type(&self, idx: ExportIndex) -> ExternType {
        match idx {
            ExportIndex::Func(i) => ExternType::Func(self.func_type(i).clone()),
            ExportIndex::Table(i) => ExternType::Table(self.tables[i as usize]),
            ExportIndex::Memory(i) => ExternType::Memory(self.memories[i as usize]),
            ExportIndex::Global(i) => ExternType::Global(self.globals[i as usize]),
            ExportIndex::Tag(i) => ExternType::Tag(self.tags[i as usize].clone()),
        }
    }

    pub(crate) fn func_type(&self, func: u32) -> &FuncType {
        self.env.func_type(func)
    }

    /// Function names from the name section.
    pub(crate) fn func_names(&self) -> &HashMap<u32, String> {
        self.func_names
            .parsed
            .get_or_init(|| match self.code.module_bytes() {
                Some(bytes) => parse_func_names(bytes, self.func_names.section),
                None => HashMap::new(),
            })
    }

    /// The function (index, imports first) whose translated code holds `ip`, or whose stub
    /// `ip` is (a call stopped on entering a function not translated yet).
    pub(crate) fn func_at(&self, ip: crate::exec::Ip) -> Option<u32> {
        let defined = match self.code.find(ip) {
            Some((defined, _)) => defined,
            None => self.code.stub_at(ip)?,
        };
        Some(defined as u32 + self.env.num_imported_funcs)
    }

    /// The size of the frame of the function whose code (or stub) holds `ip`.
    pub(crate) fn frame_size_at(&self, ip: crate::exec::Ip) -> Option<usize> {
        if let Some((_, f)) = self.code.find(ip) {
            return Some(f.frame_size as usize);
        }
        // A stub's frame is the function's parameters (see `ModuleCode::initial_entry`).
        let defined = self.code.stub_at(ip)?;
        Some(
            self.func_type(self.env.num_imported_funcs + defined as u32)
                .param_cells(),
        )
    }
}

fn const_expr(
    expr: &wasmparser::ConstExpr,
    types: &[&'static TypeInfo],
) -> Result<ConstExpr, Error> {
    use crate::registry::Composite;
    use crate::runtime::gc::Elem;
    let struct_new = |ty: u32, default: bool| match &types[ty as usize].composite {
        Composite::Struct(fields) => Some(ConstOp::StructNew {
            type_id: types[ty as usize].id.0,
            fields: fields.iter().map(Elem::of).collect(),
            default,
        }),
        _ => None,
    };
    let array_new = |ty: u32, fixed: Option<u32>, default: bool| match &types[ty as usize].composite
    {
        Composite::Array(f) => Some(ConstOp::ArrayNew {
            type_id: types[ty as usize].id.0,
            elem: Elem::of(f),
            fixed,
            default,
        }),
        _ => None,
    };
    let bad_type = |offset: u64| Error::Unsupported {
        message: "constant expression allocating an object of another kind".into(),
        offset: offset as usize,
    };
    let mut out = Vec::new();
    let mut reader = expr.get_operators_reader();
    while !reader.eof() {
        let (op, offset) = reader
            .read_with_offset()
            .map_err(|e| Error::from_wasmparser(e, false))?;
        use wasmparser::Operator as O;
        out.push(match op {
            O::I32Const { value } => ConstOp::I32(value),
            O::I64Const { value } => ConstOp::I64(value),
            O::F32Const { value } => ConstOp::F32(value.bits()),
            O::F64Const { value } => ConstOp::F64(value.bits()),
            O::V128Const { value } => ConstOp::V128(value.i128() as u128),
            O::RefNull { .. } => ConstOp::RefNull,
            O::RefFunc { function_index } => ConstOp::RefFunc(function_index),
            O::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
            O::I32Add => ConstOp::I32Add,
            O::I32Sub => ConstOp::I32Sub,
            O::I32Mul => ConstOp::I32Mul,
            O::I64Add => ConstOp::I64Add,
            O::I64Sub => ConstOp::I64Sub,
            O::I64Mul => ConstOp::I64Mul,
            O::RefI31 => ConstOp::RefI31,
            // (Validation proved the type indices, and of the right kinds.)
            O::StructNew { struct_type_index } => {
                struct_new(struct_type_index, false).ok_or_else(|| bad_type(offset))?
            }
            O::StructNewDefault { struct_type_index } => {
                struct_new(struct_type_index, true).ok_or_else(|| bad_type(offset))?
            }
            O::ArrayNew { array_type_index } => {
                array_new(array_type_index, None, false).ok_or_else(|| bad_type(offset))?
            }
            O::ArrayNewDefault { array_type_index } => {
                array_new(array_type_index, None, true).ok_or_else(|| bad_type(offset))?
            }
            O::ArrayNewFixed {
                array_type_index,
                array_size,
            } => array_new(array_type_index, Some(array_size), false)
                .ok_or_else(|| bad_type(offset))?,
            // (They change no bits: see `crate::values::ref_cell`.)
            O::AnyConvertExtern | O::ExternConvertAny => continue,
            O::End => continue,
            other => {
                return Err(Error::Unsupported {
                    message: format!("constant expression operator {other:?}"),
                    offset: offset as usize,
                })
            }
        });
    }
    Ok(out)
}

/// What [`compile`] makes of the function bodies.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Build {
    /// Validate them, keep them to translate on first call.
    Lazy,
    /// Validate and translate them all.
    Eager,
    /// Validate them only (the module is not kept).
    ValidateOnly,
}

/// What lazy translation still needs once [`compile`] is done: each body's byte range and
/// what validation noted for translation (see `LazyBodies`).
type LazyParts = (Vec<core::ops::Range<u64>>, crate::bodies::Notes);

/// Decodes and validates the module (and, eagerly, translates it). For lazy compilation,
/// the code is left for the caller to make from the bytes and the returned parts.
fn compile(
    engine: &Engine,
    bytes: &[u8],
    build: Build,
) -> Result<(ModuleInner, Option<LazyParts>), Error> {
    let features = engine.config().features;
    let mut validator = Validator::new_with_features(features);
    let mut env = ModuleEnv {
        fuel: engine.config().consume_fuel,
        interruptible: engine.config().interruptible,
        ..ModuleEnv::default()
    };
    let mut m = ModuleInner {
        engine: engine.clone(),
        env: ModuleEnv::default(),
        name: None,
        imports: Vec::new(),
        tables: Vec::new(),
        table_inits: Vec::new(),
        memories: Vec::new(),
        globals: Vec::new(),
        global_inits: Vec::new(),
        exports: Vec::new(),
        start: None,
        elems: Vec::new(),
        data: Vec::new(),
        code: ModuleCode::eager(Vec::new()),
        func_names: FuncNames::default(),
        stats: ModuleStats::default(),
        num_imported_tables: 0,
        num_imported_memories: 0,
        num_imported_globals: 0,
        tags: Vec::new(),
        num_imported_tags: 0,
    };
    // Function bodies are validated and translated once the whole module is read.
    let mut bodies = Vec::new();
    let parse_err = |e| Error::from_wasmparser(e, false);

    // The parser decodes with the same features the validator checks, so that encodings
    // only later proposals allow (e.g. a memory index byte) are reported as malformed.
    let mut parser = Parser::new(0);
    parser.set_features(features);
    for payload in parser.parse_all(bytes) {
        let payload = payload.map_err(parse_err)?;
        let valid = validator
            .payload(&payload)
            .map_err(|e| Error::from_wasmparser(e, true))?;
        match payload {
            Payload::TypeSection(reader) => {
                for group in reader.into_iter_with_offsets() {
                    let (offset, group) = group.map_err(parse_err)?;
                    let types = register_group(&group, &env.types, offset as usize)?;
                    env.types.extend(types);
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(parse_err)?;
                    let ty = match import.ty {
                        wasmparser::TypeRef::Func(i) => {
                            env.func_types.push(i);
                            env.num_imported_funcs += 1;
                            ExternType::Func(env.types[i as usize].func().clone())
                        }
                        wasmparser::TypeRef::Table(t) => {
                            let t = table_type(&t, &env.types, 0)?;
                            m.tables.push(t);
                            m.table_inits.push(None);
                            m.num_imported_tables += 1;
                            ExternType::Table(t)
                        }
                        wasmparser::TypeRef::Memory(mt) => {
                            let mt = memory_type(&mt, 0)?;
                            m.memories.push(mt);
                            m.num_imported_memories += 1;
                            ExternType::Memory(mt)
                        }
                        wasmparser::TypeRef::Global(g) => {
                            let g = global_type(&g, &env.types, 0)?;
                            m.globals.push(g);
                            m.num_imported_globals += 1;
                            ExternType::Global(g)
                        }
                        wasmparser::TypeRef::Tag(t) => {
                            let ty = tag_type(&env.types, &t);
                            m.tags.push(ty.clone());
                            m.num_imported_tags += 1;
                            ExternType::Tag(ty)
                        }
                        other => {
                            return Err(Error::Unsupported {
                                message: format!("import of {other:?}"),
                                offset: 0,
                            })
                        }
                    };
                    m.imports.push(Import {
                        module: import.module.to_string(),
                        name: import.name.to_string(),
                        ty,
                    });
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    env.func_types.push(ty.map_err(parse_err)?);
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table.map_err(parse_err)?;
                    m.tables.push(table_type(&table.ty, &env.types, 0)?);
                    m.table_inits.push(match &table.init {
                        wasmparser::TableInit::RefNull => None,
                        wasmparser::TableInit::Expr(e) => Some(const_expr(e, &env.types)?),
                    });
                }
            }
            Payload::MemorySection(reader) => {
                for mem in reader {
                    let mem = mem.map_err(parse_err)?;
                    m.memories.push(memory_type(&mem, 0)?);
                }
            }
            Payload::GlobalSection(reader) => {
                for g in reader {
                    let g = g.map_err(parse_err)?;
                    m.globals.push(global_type(&g.ty, &env.types, 0)?);
                    m.global_inits.push(const_expr(&g.init_expr, &env.types)?);
                }
            }
            Payload::ExportSection(reader) => {
                for e in reader {
                    let e = e.map_err(parse_err)?;
                    let idx = match e.kind {
                        wasmparser::ExternalKind::Func => ExportIndex::Func(e.index),
                        wasmparser::ExternalKind::Table => ExportIndex::Table(e.index),
                        wasmparser::ExternalKind::Memory => ExportIndex::Memory(e.index),
                        wasmparser::ExternalKind::Global => ExportIndex::Global(e.index),
                        wasmparser::ExternalKind::Tag => ExportIndex::Tag(e.index),
                        other => {
                            return Err(Error::Unsupported {
                                message: format!("export of {other:?}"),
                                offset: 0,
                            })
                        }
                    };
                    m.exports.push((e.name.to_string(), idx));
                }
            }
            Payload::TagSection(reader) => {
                for t in reader {
                    let t = t.map_err(parse_err)?;
                    m.tags.push(tag_type(&env.types, &t));
                }
            }
            Payload::StartSection { func, .. } => m.start = Some(func),
            Payload::ElementSection(reader) => {
                for elem in reader {
                    let elem = elem.map_err(parse_err)?;
                    let mode = match elem.kind {
                        wasmparser::ElementKind::Passive => SegmentMode::Passive,
                        wasmparser::ElementKind::Declared => SegmentMode::Declared,
                        wasmparser::ElementKind::Active {
                            table_index,
                            offset_expr,
                        } => SegmentMode::Active {
                            index: table_index.unwrap_or(0),
                            offset: const_expr(&offset_expr, &env.types)?,
                        },
                    };
                    let mut items = Vec::new();
                    let mut traced = false;
                    match elem.items {
                        wasmparser::ElementItems::Functions(r) => {
                            for f in r {
                                items.push(vec![ConstOp::RefFunc(f.map_err(parse_err)?)]);
                            }
                        }
                        wasmparser::ElementItems::Expressions(ty, r) => {
                            let ty = val_type(wasmparser::ValType::Ref(ty), &env.types, 0)?;
                            traced = crate::runtime::gc::traced(ty);
                            for e in r {
                                items.push(const_expr(&e.map_err(parse_err)?, &env.types)?);
                            }
                        }
                    }
                    m.elems.push(ElemSegment {
                        mode,
                        items,
                        traced,
                    });
                }
            }
            Payload::DataSection(reader) => {
                for d in reader {
                    let d = d.map_err(parse_err)?;
                    let mode = match d.kind {
                        wasmparser::DataKind::Passive => SegmentMode::Passive,
                        wasmparser::DataKind::Active {
                            memory_index,
                            offset_expr,
                        } => SegmentMode::Active {
                            index: memory_index,
                            offset: const_expr(&offset_expr, &env.types)?,
                        },
                    };
                    m.data.push(DataSegment {
                        mode,
                        bytes: d.data.into(),
                    });
                }
            }
            Payload::CodeSectionEntry(_) => {
                let wasmparser::ValidPayload::Func(func, body) = valid else {
                    unreachable!("wasmparser returns a function to validate for every code entry")
                };
                bodies.push(PendingBody { func, body });
            }
            Payload::CustomSection(c) if c.name() == "name" => {
                if let wasmparser::KnownCustom::Name(reader) = c.as_known() {
                    // A broken name section is not an error (the spec says so): ignore it.
                    for name in reader.into_iter().flatten() {
                        match name {
                            wasmparser::Name::Module { name, .. } => {
                                m.name = Some(name.to_string())
                            }
                            // Read later (`FuncNames`): only where the section is.
                            wasmparser::Name::Function(_) => {
                                m.func_names.section =
                                    Some((c.data_offset() as usize, c.data().len()));
                            }
                            _ => {}
                        }
                    }
                }
            }
            Payload::End(_) => {}
            _ => {}
        }
    }

    env.const_globals = known_globals(&m);
    env.global_types = m.globals.iter().map(|g| g.content()).collect();
    env.memories = m.memories.clone();
    env.tables = m.tables.clone();
    env.tags = m.tags.clone();
    env.stack_maps = needs_stack_maps(&env);
    let threads = engine.config().compile_threads;
    let mut lazy = None;
    m.stats.wasm_code_bytes = bodies.iter().map(|b| body_len(&b.body)).sum();
    m.stats.num_funcs = bodies.len();
    m.code = match build {
        Build::Eager => ModuleCode::eager(translate_bodies(&env, bodies, threads)?),
        Build::Lazy => {
            let ranges: Vec<_> = bodies.iter().map(|b| b.body.range()).collect();
            let wanted = NotesWanted {
                maps: env.stack_maps,
                fuel: env.fuel,
                v128_in_types: v128_in_types(&env),
                keep: true,
            };
            lazy = Some((ranges, validate_bodies(bodies, threads, wanted)?));
            ModuleCode::eager(Vec::new())
        }
        Build::ValidateOnly => {
            let wanted = NotesWanted {
                maps: false,
                fuel: false,
                v128_in_types: false,
                keep: false,
            };
            validate_bodies(bodies, threads, wanted)?;
            ModuleCode::eager(Vec::new())
        }
    };
    m.stats.num_imported_funcs = env.num_imported_funcs as usize;
    m.env = env;
    Ok((m, lazy))
}

/// Adds the function index to a validation or unsupported-feature error raised in its code.
pub(crate) fn in_function(e: Error, func_index: u32) -> Error {
    let name = |message: String| format!("{message} (in function {func_index})");
    match e {
        Error::Validation { message, offset } => Error::Validation {
            message: name(message),
            offset,
        },
        Error::Unsupported { message, offset } => Error::Unsupported {
            message: name(message),
            offset,
        },
        other => other,
    }
}

//! Types of values and of external entities.

use core::fmt;

/// The type of a Wasm value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
    /// 128-bit vector.
    V128,
    /// Nullable function reference (`funcref`, `(ref null func)`).
    FuncRef,
    /// Nullable host reference (`externref`, `(ref null extern)`).
    ExternRef,
    /// Any other reference type (typed function references): never one of the two
    /// abbreviations above, which [`ValType::reference`] turns into `FuncRef`/`ExternRef`.
    Ref(RefType),
}

/// What a reference may point at. The heap types form four hierarchies, each with a top
/// and a bottom: functions (`func` ⊇ concrete signatures ⊇ `nofunc`), host references
/// (`extern` ⊇ `noextern`), exceptions (`exn` ⊇ `noexn`) and GC values (`any` ⊇ `eq` ⊇
/// `i31`, `struct` ⊇ concrete structures, `array` ⊇ concrete arrays; all ⊇ `none`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeapType {
    /// Any function.
    Func,
    /// Any host reference.
    Extern,
    /// No function: only null (the bottom of the function references).
    NoFunc,
    /// No host reference: only null.
    NoExtern,
    /// A function of one signature.
    ConcreteFunc(TypeId),
    /// Any exception (exception handling's `exnref`).
    Exn,
    /// No exception: only null.
    NoExn,
    /// Any GC value: the top of the `any` hierarchy (also holds host references converted
    /// with `any.convert_extern`).
    Any,
    /// Any value that `ref.eq` can compare: `i31`, structures and arrays.
    Eq,
    /// A 31-bit integer held in a reference (unboxed).
    I31,
    /// Any structure.
    Struct,
    /// Any array.
    Array,
    /// No GC value: only null (the bottom of the `any` hierarchy).
    None,
    /// A structure of one type.
    ConcreteStruct(TypeId),
    /// An array of one type.
    ConcreteArray(TypeId),
}

impl HeapType {
    /// The top of the hierarchy this heap type belongs to: `func`, `extern`, `exn` or
    /// `any`.
    pub fn top(self) -> HeapType {
        use HeapType as H;
        match self {
            H::Func | H::NoFunc | H::ConcreteFunc(_) => H::Func,
            H::Extern | H::NoExtern => H::Extern,
            H::Exn | H::NoExn => H::Exn,
            H::Any
            | H::Eq
            | H::I31
            | H::Struct
            | H::Array
            | H::None
            | H::ConcreteStruct(_)
            | H::ConcreteArray(_) => H::Any,
        }
    }

    /// The bottom of the hierarchy this heap type belongs to: `nofunc`, `noextern`,
    /// `noexn` or `none`.
    pub fn bottom(self) -> HeapType {
        match self.top() {
            HeapType::Func => HeapType::NoFunc,
            HeapType::Extern => HeapType::NoExtern,
            HeapType::Exn => HeapType::NoExn,
            _ => HeapType::None,
        }
    }
}

/// A type's identity in the process (see the type registry): two types are the same if
/// and only if their ids are. Types are identified iso-recursively, as the spec says:
/// equal recursive groups, equal position in them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeId(pub(crate) u32);

/// A reference type: nullability and heap type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RefType {
    nullable: bool,
    heap: HeapType,
}

impl RefType {
    /// A reference type.
    pub fn new(nullable: bool, heap: HeapType) -> Self {
        RefType { nullable, heap }
    }
    /// Whether null is a value of the type.
    pub fn is_nullable(&self) -> bool {
        self.nullable
    }
    /// What the references point at.
    pub fn heap_type(&self) -> HeapType {
        self.heap
    }
    /// Whether the references are function references (or their bottom, `nofunc`), held as
    /// function entities.
    pub(crate) fn is_func(&self) -> bool {
        self.heap.top() == HeapType::Func
    }
    /// Whether the references are exception references (`exnref`, or its bottom `noexn`),
    /// held as exception objects.
    pub(crate) fn is_exn(&self) -> bool {
        self.heap.top() == HeapType::Exn
    }
    /// Whether every reference of `self` is one of `other` (subtyping, declared
    /// subtyping between concrete types included).
    pub fn matches(&self, other: &RefType) -> bool {
        crate::registry::ref_matches(*self, *other)
    }
}

impl ValType {
    /// Nullable reference of the `any` hierarchy (`anyref`, `(ref null any)`).
    pub const ANYREF: ValType = ValType::Ref(RefType {
        nullable: true,
        heap: HeapType::Any,
    });

    /// Nullable exception reference (`exnref`, `(ref null exn)`).
    pub const EXNREF: ValType = ValType::Ref(RefType {
        nullable: true,
        heap: HeapType::Exn,
    });

    /// The value type of references of `nullable`/`heap`: `FuncRef` and `ExternRef` for
    /// the nullable abstract types, `Ref` for the rest.
    pub fn reference(nullable: bool, heap: HeapType) -> ValType {
        match (nullable, heap) {
            (true, HeapType::Func) => ValType::FuncRef,
            (true, HeapType::Extern) => ValType::ExternRef,
            _ => ValType::Ref(RefType { nullable, heap }),
        }
    }

    /// The reference type, if values of this type are references.
    pub fn as_ref_type(self) -> Option<RefType> {
        match self {
            ValType::FuncRef => Some(RefType::new(true, HeapType::Func)),
            ValType::ExternRef => Some(RefType::new(true, HeapType::Extern)),
            ValType::Ref(r) => Some(r),
            _ => None,
        }
    }

    /// Whether every value of `self` is a value of `other` (subtyping: equal types, or
    /// reference types where `self`'s references are all `other`'s).
    pub fn matches(self, other: ValType) -> bool {
        match (self.as_ref_type(), other.as_ref_type()) {
            (Some(a), Some(b)) => a.matches(&b),
            _ => self == other,
        }
    }

    /// How many 64-bit cells a value of this type takes in a frame, a call's arguments or
    /// a global: two for a `v128`, one for everything else.
    pub(crate) fn cells(self) -> usize {
        if self == ValType::V128 {
            2
        } else {
            1
        }
    }

    /// Whether values of this type are references.
    pub fn is_ref(self) -> bool {
        self.as_ref_type().is_some()
    }
}

impl fmt::Display for HeapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use HeapType as H;
        f.write_str(match self {
            H::Func => "func",
            H::Extern => "extern",
            H::NoFunc => "nofunc",
            H::NoExtern => "noextern",
            H::Exn => "exn",
            H::NoExn => "noexn",
            H::Any => "any",
            H::Eq => "eq",
            H::I31 => "i31",
            H::Struct => "struct",
            H::Array => "array",
            H::None => "none",
            H::ConcreteFunc(id) | H::ConcreteStruct(id) | H::ConcreteArray(id) => {
                return write!(f, "<type {}>", id.0)
            }
        })
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::V128 => "v128",
            ValType::FuncRef => "funcref",
            ValType::ExternRef => "externref",
            ValType::Ref(r) => {
                let null = if r.nullable { "null " } else { "" };
                return write!(f, "(ref {null}{})", r.heap);
            }
        })
    }
}

/// A function type: a signature and its identity. Two function types are equal if they
/// are the same type (the same id): a module's types declared in different recursive
/// groups, or with different supertypes, differ even where their signatures agree.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FuncType {
    params_results: std::sync::Arc<[ValType]>,
    num_params: usize,
    /// Cells the parameters and the results take (see [`ValType::cells`]).
    cells: [u32; 2],
    id: TypeId,
    /// Its declared supertypes, nearest first (the registry's list): what an indirect call
    /// checks, without a call, when the ids differ.
    supertypes: &'static [TypeId],
}

impl FuncType {
    /// The function type of a signature: a final type alone in its recursive group (what a
    /// module's `(type (func ...))` declares), given its parameter and result types.
    pub fn new(
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> Self {
        let params: Vec<ValType> = params.into_iter().collect();
        let results: Vec<ValType> = results.into_iter().collect();
        let id = crate::registry::func_type_id(&params, &results);
        Self::with_id(params, results, id, &[])
    }

    /// The function type `id` (registered), with its signature and supertypes.
    pub(crate) fn with_id(
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
        id: TypeId,
        supertypes: &'static [TypeId],
    ) -> Self {
        let mut v: Vec<ValType> = params.into_iter().collect();
        let num_params = v.len();
        v.extend(results);
        let cells = |t: &[ValType]| t.iter().map(|t| t.cells() as u32).sum();
        FuncType {
            cells: [cells(&v[..num_params]), cells(&v[num_params..])],
            params_results: v.into(),
            num_params,
            id,
            supertypes,
        }
    }

    /// The type's identity.
    pub fn type_id(&self) -> TypeId {
        self.id
    }

    /// Whether a function of this type may be used where one of `other` is expected: the
    /// same type, or one that declares `other` as a (transitive) supertype.
    pub fn matches(&self, other: &FuncType) -> bool {
        self.is_subtype_of(other.id)
    }

    /// Whether the type is `id` or declares it as a (transitive) supertype.
    #[inline]
    pub(crate) fn is_subtype_of(&self, id: TypeId) -> bool {
        // A plain loop, not `contains`: this is inlined into the handlers of indirect calls
        // and casts, and `contains` (a generic function of `core`, which a build without
        // LTO can leave out of line) would be given the address of `id` in the handler's
        // frame, after which LLVM cannot end the handler with a jump to the next.
        if self.id == id {
            return true;
        }
        let mut i = 0;
        while i < self.supertypes.len() {
            if self.supertypes[i] == id {
                return true;
            }
            i += 1;
        }
        false
    }

    /// Cells the parameters take (one per value, two per `v128`).
    pub(crate) fn param_cells(&self) -> usize {
        self.cells[0] as usize
    }

    /// Cells the results take.
    pub(crate) fn result_cells(&self) -> usize {
        self.cells[1] as usize
    }

    /// Parameter types.
    pub fn params(&self) -> &[ValType] {
        &self.params_results[..self.num_params]
    }

    /// Result types.
    pub fn results(&self) -> &[ValType] {
        &self.params_results[self.num_params..]
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |v: &[ValType]| {
            v.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        };
        write!(
            f,
            "(func (param {}) (result {}))",
            list(self.params()),
            list(self.results())
        )
    }
}

/// Whether a global can be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mutability {
    /// Immutable.
    Const,
    /// Mutable.
    Var,
}

/// The type of a global.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GlobalType {
    content: ValType,
    mutability: Mutability,
}

impl GlobalType {
    /// A global type.
    pub fn new(content: ValType, mutability: Mutability) -> Self {
        GlobalType {
            content,
            mutability,
        }
    }
    /// The type of the value.
    pub fn content(&self) -> ValType {
        self.content
    }
    /// Whether it can be written.
    pub fn mutability(&self) -> Mutability {
        self.mutability
    }
}

/// The type of a linear memory: its limits in pages, its address type (32- or 64-bit
/// addresses, the memory64 proposal) and its page size (64 KiB, or 1 byte with the
/// custom-page-sizes proposal).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemoryType {
    min: u64,
    max: Option<u64>,
    memory64: bool,
    page_size_log2: u8,
}

impl MemoryType {
    /// A memory with 32-bit addresses and 64 KiB pages: `min` pages and an optional
    /// maximum.
    pub fn new(min: u64, max: Option<u64>) -> Self {
        MemoryType {
            min,
            max,
            memory64: false,
            page_size_log2: 16,
        }
    }
    /// A memory with 64-bit addresses (memory64) and 64 KiB pages.
    pub fn new64(min: u64, max: Option<u64>) -> Self {
        MemoryType {
            memory64: true,
            ..MemoryType::new(min, max)
        }
    }
    /// The same memory with pages of `2^log2` bytes (custom page sizes: 0 or 16).
    pub fn with_page_size_log2(self, log2: u8) -> Self {
        MemoryType {
            page_size_log2: log2,
            ..self
        }
    }
    /// Initial (minimum) pages.
    pub fn minimum(&self) -> u64 {
        self.min
    }
    /// Maximum pages, if limited.
    pub fn maximum(&self) -> Option<u64> {
        self.max
    }
    /// Whether addresses are 64-bit (`i64`).
    pub fn is_64(&self) -> bool {
        self.memory64
    }
    /// The page size, in bytes.
    pub fn page_size(&self) -> u64 {
        1 << self.page_size_log2
    }
    /// The page size as a power of two.
    pub fn page_size_log2(&self) -> u8 {
        self.page_size_log2
    }
    /// The most pages the address type allows: `2^32` bytes' worth for 32-bit addresses,
    /// `2^64` bytes' worth for 64-bit ones (at most `2^bits - 1` pages, so that the size in
    /// pages fits the address type).
    pub(crate) fn address_space_pages(&self) -> u64 {
        let bits = if self.memory64 { 64 } else { 32 };
        let pages = 1u128 << (bits - self.page_size_log2 as u32);
        pages.min((1u128 << bits) - 1) as u64
    }
    /// The same limits with another minimum (a memory's type after it grew).
    pub(crate) fn with_minimum(self, min: u64) -> Self {
        MemoryType { min, ..self }
    }
}

/// The type of a table: its element type, its limits, and its index type (32-bit, or
/// 64-bit with the memory64 proposal's 64-bit tables).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TableType {
    element: ValType,
    min: u64,
    max: Option<u64>,
    table64: bool,
}

impl TableType {
    /// A table with 32-bit indices.
    pub fn new(element: ValType, min: u64, max: Option<u64>) -> Self {
        TableType {
            element,
            min,
            max,
            table64: false,
        }
    }
    /// A table with 64-bit indices (`i64`).
    pub fn new64(element: ValType, min: u64, max: Option<u64>) -> Self {
        TableType {
            table64: true,
            ..TableType::new(element, min, max)
        }
    }
    /// The element type.
    pub fn element(&self) -> ValType {
        self.element
    }
    /// Initial (minimum) size.
    pub fn minimum(&self) -> u64 {
        self.min
    }
    /// Maximum size, if limited.
    pub fn maximum(&self) -> Option<u64> {
        self.max
    }
    /// Whether indices are 64-bit.
    pub fn is_64(&self) -> bool {
        self.table64
    }
    /// The same limits with another minimum (a table's type after it grew).
    pub(crate) fn with_minimum(self, min: u64) -> Self {
        TableType { min, ..self }
    }
}

/// The type of an import or export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExternType {
    /// A function.
    Func(FuncType),
    /// A global.
    Global(GlobalType),
    /// A table.
    Table(TableType),
    /// A memory.
    Memory(MemoryType),
    /// An exception tag.
    Tag(TagType),
}

/// The type of an exception tag: the types of the values an exception of the tag carries
/// (its payload). Written in Wasm as a function type without results.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TagType {
    ty: FuncType,
}

impl TagType {
    /// The type of a tag whose exceptions carry values of `params`.
    pub fn new(params: impl IntoIterator<Item = ValType>) -> Self {
        TagType {
            ty: FuncType::new(params, []),
        }
    }
    /// The type of tags declared with the function type `ty` (validation proved it has no
    /// results). Tag types are equal when their function types are the same type.
    pub(crate) fn of(ty: FuncType) -> Self {
        TagType { ty }
    }
    /// The payload's types.
    pub fn params(&self) -> &[ValType] {
        self.ty.params()
    }
    /// The payload as a function type (without results), as the module declares it.
    pub(crate) fn func_type(&self) -> &FuncType {
        &self.ty
    }
}

impl fmt::Display for ExternType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExternType::Func(t) => write!(f, "{t}"),
            ExternType::Global(g) => {
                let m = if g.mutability() == Mutability::Var {
                    "mut "
                } else {
                    ""
                };
                write!(f, "(global {m}{})", g.content())
            }
            ExternType::Table(t) => write!(
                f,
                "(table {} {:?} {})",
                t.minimum(),
                t.maximum(),
                t.element()
            ),
            ExternType::Memory(m) => write!(f, "(memory {} {:?})", m.minimum(), m.maximum()),
            ExternType::Tag(t) => write!(f, "(tag {})", t.ty),
        }
    }
}

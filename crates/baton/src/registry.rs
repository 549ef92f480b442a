//! The canonical type registry: every type a module defines or the host makes gets one
//! process-wide [`TypeId`], so that type identity across modules follows the spec.
//!
//! WebAssembly's types are *iso-recursive*: two types are the same if they sit at the same
//! position of structurally identical recursive groups (`rec ... end`), where references
//! inside a group are compared by position in the group and references outside it by the
//! identity of what they point at. The registry hash-conses whole groups in that form
//! (a [`GroupKey`]), so that after registration type equality is id equality: an indirect
//! call's signature check stays one integer comparison.
//!
//! Subtyping between concrete types is declared (`sub $super ...`); each registered type
//! keeps the chain of its supertypes, nearest first, so that `a <: b` is a walk of `a`'s
//! (short) chain.
//!
//! Registered types live as long as the process: they are a few dozen bytes each, shared
//! by every engine, and a type id stays valid wherever it was copied (stack maps, objects,
//! host values) without reference counting.

use crate::types::{FuncType, HeapType, RefType, TypeId, ValType};
use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

/// A registered type.
#[derive(Debug)]
pub(crate) struct TypeInfo {
    /// Its id.
    pub id: TypeId,
    /// Whether no type may declare it as a supertype (no `sub`, or `sub final`).
    pub is_final: bool,
    /// Every supertype, nearest first (empty if none is declared).
    pub supertypes: &'static [TypeId],
    /// What it describes.
    pub composite: Composite,
}

impl TypeInfo {
    /// The kind of the type (what references to it point at).
    pub(crate) fn kind(&self) -> Kind {
        match self.composite {
            Composite::Func(_) => Kind::Func,
            Composite::Struct(_) => Kind::Struct,
            Composite::Array(_) => Kind::Array,
        }
    }

    /// The signature of a function type. Validation proves that every use of a type index
    /// where a signature is expected (a function, a call, a block type, a tag) names one.
    pub(crate) fn func(&self) -> &FuncType {
        match &self.composite {
            Composite::Func(f) => f,
            _ => unreachable!("validation: type {:?} used as a signature", self.id),
        }
    }
}

/// What a type describes.
#[derive(Debug)]
pub(crate) enum Composite {
    /// A function signature.
    Func(FuncType),
    /// A structure's fields.
    Struct(Box<[FieldType]>),
    /// An array's element.
    Array(FieldType),
}

/// The kind of a concrete type (what a reference to it may point at).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Func,
    Struct,
    Array,
}

impl Kind {
    /// The heap type of references to the type `id` of this kind.
    pub(crate) fn heap_type(self, id: TypeId) -> HeapType {
        match self {
            Kind::Func => HeapType::ConcreteFunc(id),
            Kind::Struct => HeapType::ConcreteStruct(id),
            Kind::Array => HeapType::ConcreteArray(id),
        }
    }
}

/// A field of a structure, or an array's element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct FieldType {
    pub storage: StorageType,
    pub mutable: bool,
}

/// What a field stores: a value, or a packed integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum StorageType {
    I8,
    I16,
    Val(ValType),
}

/// A value type inside a group key: a type of its own, or a reference to another type of
/// the same group, by position (the iso-recursive part of the identity).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum KeyVal {
    Val(ValType),
    InGroup { nullable: bool, index: u32 },
}

/// A type index inside a group key: in the same group (by position), or registered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum KeyIndex {
    InGroup(u32),
    Registered(TypeId),
}

/// One type of a group key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct KeyType {
    pub is_final: bool,
    pub supertype: Option<KeyIndex>,
    pub composite: KeyComposite,
}

/// A composite type inside a group key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum KeyComposite {
    Func {
        params: Box<[KeyVal]>,
        results: Box<[KeyVal]>,
    },
    Struct(Box<[KeyField]>),
    Array(KeyField),
}

impl KeyComposite {
    fn kind(&self) -> Kind {
        match self {
            KeyComposite::Func { .. } => Kind::Func,
            KeyComposite::Struct(_) => Kind::Struct,
            KeyComposite::Array(_) => Kind::Array,
        }
    }
}

/// A field inside a group key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct KeyField {
    pub storage: KeyStorage,
    pub mutable: bool,
}

/// A field's storage inside a group key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum KeyStorage {
    I8,
    I16,
    Val(KeyVal),
}

/// A recursive group in canonical form: equal keys are the same types.
pub(crate) type GroupKey = Box<[KeyType]>;

#[derive(Default)]
struct Registry {
    /// The id of each registered group's first type (the others follow it).
    groups: HashMap<GroupKey, u32>,
    /// Every registered type, by id. Leaked on purpose: see the module's documentation.
    types: Vec<&'static TypeInfo>,
}

static REGISTRY: LazyLock<RwLock<Registry>> = LazyLock::new(Default::default);

/// Registers a recursive group (if an identical one is not registered yet) and returns its
/// types, in order.
pub(crate) fn register(group: GroupKey) -> Vec<&'static TypeInfo> {
    let found = |reg: &Registry| {
        reg.groups
            .get(&group)
            .map(|&base| reg.types[base as usize..base as usize + group.len()].to_vec())
    };
    if let Some(types) = found(&REGISTRY.read().unwrap_or_else(|e| e.into_inner())) {
        return types;
    }
    let mut reg = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    if let Some(types) = found(&reg) {
        return types;
    }
    let base = reg.types.len() as u32;
    let id_in_group = |index: u32| TypeId(base + index);
    let resolve = |v: KeyVal| match v {
        KeyVal::Val(v) => v,
        KeyVal::InGroup { nullable, index } => {
            let kind = group[index as usize].composite.kind();
            ValType::reference(nullable, kind.heap_type(id_in_group(index)))
        }
    };
    let field = |f: KeyField| FieldType {
        mutable: f.mutable,
        storage: match f.storage {
            KeyStorage::I8 => StorageType::I8,
            KeyStorage::I16 => StorageType::I16,
            KeyStorage::Val(v) => StorageType::Val(resolve(v)),
        },
    };
    for (i, ty) in group.iter().enumerate() {
        let id = id_in_group(i as u32);
        let supertypes: &'static [TypeId] = match ty.supertype {
            None => &[],
            Some(sup) => {
                let sup = match sup {
                    KeyIndex::InGroup(j) => id_in_group(j),
                    KeyIndex::Registered(id) => id,
                };
                // Validation puts a supertype before its subtypes, so it is registered.
                let above = reg
                    .types
                    .get(sup.0 as usize)
                    .map_or(&[][..], |t| t.supertypes);
                Box::leak(core::iter::once(sup).chain(above.iter().copied()).collect())
            }
        };
        let composite = match &ty.composite {
            KeyComposite::Func { params, results } => Composite::Func(FuncType::with_id(
                params.iter().map(|&v| resolve(v)),
                results.iter().map(|&v| resolve(v)),
                id,
                supertypes,
            )),
            KeyComposite::Struct(fields) => {
                Composite::Struct(fields.iter().map(|&f| field(f)).collect())
            }
            KeyComposite::Array(f) => Composite::Array(field(*f)),
        };
        let info = Box::leak(Box::new(TypeInfo {
            id,
            is_final: ty.is_final,
            supertypes,
            composite,
        }));
        reg.types.push(info);
    }
    let types = reg.types[base as usize..].to_vec();
    reg.groups.insert(group, base);
    types
}

/// The id of a function type of its own (a final type alone in its group: what the host's
/// `FuncType::new` and a module's plain `(type (func ...))` both denote).
pub(crate) fn func_type_id(params: &[ValType], results: &[ValType]) -> TypeId {
    let vals = |v: &[ValType]| v.iter().map(|&v| KeyVal::Val(v)).collect();
    let group = Box::new([KeyType {
        is_final: true,
        supertype: None,
        composite: KeyComposite::Func {
            params: vals(params),
            results: vals(results),
        },
    }]);
    register(group)[0].id
}

/// The registered type `id`.
pub(crate) fn info(id: TypeId) -> &'static TypeInfo {
    REGISTRY.read().unwrap_or_else(|e| e.into_inner()).types[id.0 as usize]
}

/// Whether `sub` is `sup` or declares it as a (transitive) supertype.
pub(crate) fn is_subtype(sub: TypeId, sup: TypeId) -> bool {
    sub == sup || info(sub).supertypes.contains(&sup)
}

/// Whether references of `sub` are all references of `sup` (both of the same hierarchy or
/// not; a mismatch of hierarchies is simply `false`).
pub(crate) fn ref_matches(sub: RefType, sup: RefType) -> bool {
    (sup.is_nullable() || !sub.is_nullable()) && heap_matches(sub.heap_type(), sup.heap_type())
}

/// Heap-type subtyping: the abstract hierarchies (`any ⊇ eq ⊇ {i31, struct, array}`,
/// `func`, `extern`, `exn`, each with its bottom type) and declared concrete subtyping.
pub(crate) fn heap_matches(sub: HeapType, sup: HeapType) -> bool {
    use HeapType as H;
    if sub == sup {
        return true;
    }
    match (sub, sup) {
        (H::ConcreteFunc(a), H::ConcreteFunc(b))
        | (H::ConcreteStruct(a), H::ConcreteStruct(b))
        | (H::ConcreteArray(a), H::ConcreteArray(b)) => is_subtype(a, b),
        (H::None | H::NoFunc | H::NoExtern | H::NoExn, sup) => sub.top() == sup.top(),
        (H::ConcreteFunc(_), H::Func) => true,
        (H::ConcreteStruct(_), H::Struct) | (H::ConcreteArray(_), H::Array) => true,
        (H::I31 | H::Struct | H::Array | H::ConcreteStruct(_) | H::ConcreteArray(_), H::Eq) => true,
        (_, H::Any) => sub.top() == H::Any,
        _ => false,
    }
}

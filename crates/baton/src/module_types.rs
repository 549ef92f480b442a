//! Baton's types from a module's declarations (as `wasmparser` decodes them): value,
//! table, memory, global and tag types, and the type section's recursive groups, which
//! go to the type registry to get their canonical ids.

use crate::error::Error;
use crate::registry::{
    self, KeyComposite, KeyField, KeyIndex, KeyStorage, KeyType, KeyVal, TypeInfo,
};
use crate::types::{GlobalType, HeapType, MemoryType, Mutability, TableType, TagType, ValType};

/// A module's types so far, by type index: what references to them resolve to.
pub(crate) type Types = [&'static TypeInfo];

fn unsupported(what: impl core::fmt::Debug, offset: usize) -> Error {
    Error::Unsupported {
        message: format!("{what:?}"),
        offset,
    }
}

/// Baton's type for `ty`, whose concrete references resolve through `types`.
pub(crate) fn val_type(
    ty: wasmparser::ValType,
    types: &Types,
    offset: usize,
) -> Result<ValType, Error> {
    use wasmparser::{AbstractHeapType as A, HeapType as H, ValType as W};
    Ok(match ty {
        W::I32 => ValType::I32,
        W::I64 => ValType::I64,
        W::F32 => ValType::F32,
        W::F64 => ValType::F64,
        W::V128 => ValType::V128,
        W::Ref(r) => {
            let heap = match r.heap_type() {
                H::Abstract { shared: false, ty } => match ty {
                    A::Func => HeapType::Func,
                    A::Extern => HeapType::Extern,
                    A::NoFunc => HeapType::NoFunc,
                    A::NoExtern => HeapType::NoExtern,
                    A::Exn => HeapType::Exn,
                    A::NoExn => HeapType::NoExn,
                    A::Any => HeapType::Any,
                    A::Eq => HeapType::Eq,
                    A::I31 => HeapType::I31,
                    A::Struct => HeapType::Struct,
                    A::Array => HeapType::Array,
                    A::None => HeapType::None,
                    _ => return Err(unsupported(ty, offset)),
                },
                H::Concrete(i) => {
                    let info = i
                        .as_module_index()
                        .and_then(|i| types.get(i as usize))
                        .ok_or_else(|| unsupported(ty, offset))?;
                    info.kind().heap_type(info.id)
                }
                _ => return Err(unsupported(ty, offset)),
            };
            ValType::reference(r.is_nullable(), heap)
        }
    })
}

/// Registers a recursive group of the type section. `types` holds the module's earlier
/// types; the group's types get the indices that follow.
pub(crate) fn register_group(
    group: &wasmparser::RecGroup,
    types: &Types,
    offset: usize,
) -> Result<Vec<&'static TypeInfo>, Error> {
    let start = types.len() as u32;
    // A reference inside the group is kept by position: that is what makes two groups
    // with the same shape the same types.
    let key_val = |ty: wasmparser::ValType| -> Result<KeyVal, Error> {
        if let wasmparser::ValType::Ref(r) = ty {
            if let wasmparser::HeapType::Concrete(i) = r.heap_type() {
                match i.as_module_index() {
                    Some(i) if i >= start => {
                        return Ok(KeyVal::InGroup {
                            nullable: r.is_nullable(),
                            index: i - start,
                        })
                    }
                    _ => {}
                }
            }
        }
        val_type(ty, types, offset).map(KeyVal::Val)
    };
    let key_field = |f: &wasmparser::FieldType| -> Result<KeyField, Error> {
        use wasmparser::StorageType as S;
        Ok(KeyField {
            mutable: f.mutable,
            storage: match f.element_type {
                S::I8 => KeyStorage::I8,
                S::I16 => KeyStorage::I16,
                S::Val(v) => KeyStorage::Val(key_val(v)?),
            },
        })
    };
    let mut key = Vec::new();
    for sub in group.types() {
        let c = &sub.composite_type;
        if c.shared || c.descriptor_idx.is_some() || c.describes_idx.is_some() {
            return Err(unsupported(sub, offset));
        }
        use wasmparser::CompositeInnerType as C;
        let composite = match &c.inner {
            C::Func(f) => KeyComposite::Func {
                params: f
                    .params()
                    .iter()
                    .map(|&t| key_val(t))
                    .collect::<Result<_, _>>()?,
                results: f
                    .results()
                    .iter()
                    .map(|&t| key_val(t))
                    .collect::<Result<_, _>>()?,
            },
            C::Struct(s) => {
                KeyComposite::Struct(s.fields.iter().map(key_field).collect::<Result<_, _>>()?)
            }
            C::Array(a) => KeyComposite::Array(key_field(&a.0)?),
            C::Cont(_) => return Err(unsupported(sub, offset)),
        };
        let supertype = match sub.supertype_idxs.first() {
            None => None,
            Some(i) => {
                let i = i
                    .as_module_index()
                    .ok_or_else(|| unsupported(sub, offset))?;
                Some(if i >= start {
                    KeyIndex::InGroup(i - start)
                } else {
                    KeyIndex::Registered(
                        types
                            .get(i as usize)
                            .ok_or_else(|| unsupported(sub, offset))?
                            .id,
                    )
                })
            }
        };
        key.push(KeyType {
            is_final: sub.is_final,
            supertype,
            composite,
        });
    }
    Ok(registry::register(key.into()))
}

pub(crate) fn table_type(
    t: &wasmparser::TableType,
    types: &Types,
    offset: usize,
) -> Result<TableType, Error> {
    let elem = val_type(wasmparser::ValType::Ref(t.element_type), types, offset)?;
    Ok(if t.table64 {
        TableType::new64(elem, t.initial, t.maximum)
    } else {
        TableType::new(elem, t.initial, t.maximum)
    })
}

/// A tag's type: its function type (validation proved it has no results).
pub(crate) fn tag_type(types: &Types, t: &wasmparser::TagType) -> TagType {
    TagType::of(types[t.func_type_idx as usize].func().clone())
}

pub(crate) fn memory_type(m: &wasmparser::MemoryType, offset: usize) -> Result<MemoryType, Error> {
    if m.shared {
        return Err(Error::Unsupported {
            message: "shared memories".into(),
            offset,
        });
    }
    let ty = if m.memory64 {
        MemoryType::new64(m.initial, m.maximum)
    } else {
        MemoryType::new(m.initial, m.maximum)
    };
    Ok(ty.with_page_size_log2(m.page_size_log2.unwrap_or(16) as u8))
}

pub(crate) fn global_type(
    g: &wasmparser::GlobalType,
    types: &Types,
    offset: usize,
) -> Result<GlobalType, Error> {
    if g.shared {
        return Err(Error::Unsupported {
            message: "shared globals".into(),
            offset,
        });
    }
    let m = if g.mutable {
        Mutability::Var
    } else {
        Mutability::Const
    };
    Ok(GlobalType::new(val_type(g.content_type, types, offset)?, m))
}

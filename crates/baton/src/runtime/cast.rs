//! Run-time reference type tests: what `ref.test`, `ref.cast`, `br_on_cast` and
//! `br_on_cast_fail` check.
//!
//! The translator encodes the target type in two words (a [`CastTarget`] and a type id);
//! validation has proved that the operand belongs to the target's hierarchy, so the test
//! only has to tell the values of one hierarchy apart, by their cells (see
//! `crate::values::ref_cell`).

use crate::registry::is_subtype;
use crate::runtime::{gc, FuncEntity};
use crate::types::{HeapType, RefType, TypeId};
use crate::values::ref_cell;

/// A reference type to test against, as an instruction's immediate: the kind of heap type
/// in the low byte, [`CastTarget::NULLABLE`] if null passes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CastTarget(pub u32);

impl CastTarget {
    /// Null passes the test.
    const NULLABLE: u32 = 1 << 8;
    /// Every non-null reference of the hierarchy (`func`, `extern`, `any`, `exn`).
    const TOP: u32 = 0;
    /// No non-null reference (`nofunc`, `noextern`, `none`, `noexn`).
    const BOTTOM: u32 = 1;
    /// `eq`: `i31`s, structures and arrays.
    const EQ: u32 = 2;
    /// `i31`.
    const I31: u32 = 3;
    /// Any structure.
    const STRUCT: u32 = 4;
    /// Any array.
    const ARRAY: u32 = 5;
    /// A function of the type id (or a subtype).
    const FUNC_TYPE: u32 = 6;
    /// A structure or array of the type id (or a subtype).
    const OBJECT_TYPE: u32 = 7;

    /// The encoding of `ty` and the type id the test needs (0 where none).
    pub(crate) fn of(ty: RefType) -> (CastTarget, u32) {
        use HeapType as H;
        let (kind, id) = match ty.heap_type() {
            H::Func | H::Extern | H::Any | H::Exn => (Self::TOP, 0),
            H::NoFunc | H::NoExtern | H::None | H::NoExn => (Self::BOTTOM, 0),
            H::Eq => (Self::EQ, 0),
            H::I31 => (Self::I31, 0),
            H::Struct => (Self::STRUCT, 0),
            H::Array => (Self::ARRAY, 0),
            H::ConcreteStruct(id) | H::ConcreteArray(id) => (Self::OBJECT_TYPE, id.0),
            H::ConcreteFunc(id) => (Self::FUNC_TYPE, id.0),
        };
        let nullable = if ty.is_nullable() { Self::NULLABLE } else { 0 };
        (CastTarget(kind | nullable), id)
    }

    /// Whether the reference in `cell` is of this type (with `type_id`, as [`Self::of`]
    /// gave it).
    ///
    /// # Safety
    /// `cell` is a reference of the target type's hierarchy (validation proves it): for the
    /// function hierarchy, 0 or a live function entity of the running store; for the `any`
    /// hierarchy, in the shared cell encoding, its objects live objects of the store.
    #[inline]
    pub(crate) unsafe fn test(self, cell: u64, type_id: u32) -> bool {
        if cell == 0 {
            return self.0 & Self::NULLABLE != 0;
        }
        let kind = self.0 & 0xff;
        if matches!(
            kind,
            Self::EQ | Self::STRUCT | Self::ARRAY | Self::OBJECT_TYPE
        ) {
            if cell & 3 != 0 {
                // An `i31` (`eq` only) or a converted host reference.
                return kind == Self::EQ && ref_cell::is_i31(cell);
            }
            // SAFETY: a non-null reference of the `any` hierarchy whose low bits are `00`
            // is a live object of the store (the caller's contract and the cell encoding).
            let (object_kind, actual) = unsafe { gc::kind_and_type(cell) };
            return match kind {
                Self::EQ => true,
                Self::STRUCT => object_kind == gc::STRUCT,
                Self::ARRAY => object_kind == gc::ARRAY,
                _ => actual == type_id || is_subtype(TypeId(actual), TypeId(type_id)),
            };
        }
        match kind {
            Self::TOP => true,
            Self::I31 => ref_cell::is_i31(cell),
            Self::FUNC_TYPE => {
                // SAFETY: a non-null reference of the function hierarchy is a live entity
                // (the caller's contract).
                let actual = unsafe { (*(cell as *const FuncEntity)).type_id };
                actual == type_id || is_subtype(TypeId(actual), TypeId(type_id))
            }
            _ => false,
        }
    }
}

//! Run-time reference type tests: what `ref.test`, `ref.cast`, `br_on_cast` and
//! `br_on_cast_fail` check.
//!
//! The translator encodes the target type in two words (a [`CastTarget`] and a type id);
//! validation has proved that the operand belongs to the target's hierarchy, so the test
//! only has to tell the values of one hierarchy apart, by their cells (see
//! `crate::values::ref_cell`).

use crate::registry::is_subtype;
use crate::runtime::FuncEntity;
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
    /// Structures or arrays, abstract or concrete: none exist yet (issue 13), so no
    /// reference is one.
    const OBJECT: u32 = 4;
    /// A function of the type id (or a subtype).
    const FUNC_TYPE: u32 = 5;

    /// The encoding of `ty` and the type id the test needs (0 where none).
    pub(crate) fn of(ty: RefType) -> (CastTarget, u32) {
        use HeapType as H;
        let (kind, id) = match ty.heap_type() {
            H::Func | H::Extern | H::Any | H::Exn => (Self::TOP, 0),
            H::NoFunc | H::NoExtern | H::None | H::NoExn => (Self::BOTTOM, 0),
            H::Eq => (Self::EQ, 0),
            H::I31 => (Self::I31, 0),
            H::Struct | H::Array => (Self::OBJECT, 0),
            H::ConcreteStruct(id) | H::ConcreteArray(id) => (Self::OBJECT, id.0),
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
    /// function hierarchy, 0 or a live function entity of the running store.
    #[inline]
    pub(crate) unsafe fn test(self, cell: u64, type_id: u32) -> bool {
        if cell == 0 {
            return self.0 & Self::NULLABLE != 0;
        }
        match self.0 & 0xff {
            Self::TOP => true,
            Self::EQ | Self::I31 => ref_cell::is_i31(cell),
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

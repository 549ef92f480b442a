//! GC's instructions that need no heap: `i31` references, `ref.eq`, the conversions between
//! `extern` and `any`, and the reference type tests (`ref.test`, `ref.cast`, `br_on_cast`,
//! `br_on_cast_fail`). Structures and arrays are issue 13.

use super::*;
use crate::module_types::val_type;
use crate::runtime::cast::CastTarget;
use crate::types::RefType;

impl FuncTranslator<'_> {
    /// Baton's reference type for a `ref.test`/`ref.cast` immediate.
    fn cast_target(&self, nullable: bool, heap: wasmparser::HeapType) -> R<RefType> {
        let unsupported = || self.unsupported("this reference type");
        let ty = wasmparser::RefType::new(nullable, heap).ok_or_else(unsupported)?;
        val_type(wasmparser::ValType::Ref(ty), &self.env.types, self.offset)?
            .as_ref_type()
            .ok_or_else(unsupported)
    }

    /// `ref.eq`: references of the `eq` hierarchy are equal exactly when their cells are
    /// (an `i31` is its value; an object its address), so this is `i64.eq`.
    pub(super) fn ref_eq(&mut self) {
        self.int_bin64(cmp64(Cond::Eq));
    }

    /// `ref.test`: 1 if the reference on top of the stack is of the type, else 0.
    pub(super) fn ref_test(&mut self, nullable: bool, heap: wasmparser::HeapType) -> R<()> {
        let (target, type_id) = CastTarget::of(self.cast_target(nullable, heap)?);
        let r = self.pop();
        let p = self.stack.len();
        let src = self.slot_at(p, r);
        let dst = self.temp(p);
        self.emit(
            op::REF_TEST,
            RefTest {
                dst,
                src,
                target: target.0,
                type_id,
            },
        );
        self.push(Opd::Temp);
        Ok(())
    }

    /// `ref.cast`: traps unless the reference on top of the stack is of the type, which
    /// it then is (it stays where it is, as for `ref.as_non_null`).
    pub(super) fn ref_cast(&mut self, nullable: bool, heap: wasmparser::HeapType) -> R<()> {
        let (target, type_id) = CastTarget::of(self.cast_target(nullable, heap)?);
        let r = self.pop();
        let p = self.stack.len();
        let slot = self.slot_at(p, r);
        self.emit(
            op::REF_CAST,
            RefTest {
                dst: slot,
                src: slot,
                target: target.0,
                type_id,
            },
        );
        // A constant (only a null can be one here) was just put in its slot.
        self.push(if let Opd::Const(_) = r { Opd::Temp } else { r });
        Ok(())
    }

    /// `br_on_cast` (or, `on_fail`, `br_on_cast_fail`): branches to `depth` when the
    /// reference on top of the stack is (is not) of type `to`, carrying it with the values
    /// below it; it stays on the stack either way.
    pub(super) fn br_on_cast(
        &mut self,
        depth: u32,
        to: wasmparser::RefType,
        on_fail: bool,
    ) -> R<()> {
        let (target, type_id) = CastTarget::of(self.cast_target(to.is_nullable(), to.heap_type())?);
        let p = self.stack.len() - 1;
        let r = self.stack[p];
        let src = self.slot_at(p, r);
        if let Opd::Const(_) = r {
            // (Put in its slot by `slot_at`.)
            self.stack[p] = Opd::Temp;
        }
        // The test's result goes to a scratch slot above the stack, which the branch
        // reads before it moves any value.
        let passed = self.temp(p + 1);
        self.max_height = self.max_height.max(p + 2);
        self.emit(
            op::REF_TEST,
            RefTest {
                dst: passed,
                src,
                target: target.0,
                type_id,
            },
        );
        self.branch_on_ref(depth, passed, on_fail);
        Ok(())
    }
}

//! GC's instructions: `i31` references, `ref.eq`, the conversions between `extern` and
//! `any`, the reference type tests (`ref.test`, `ref.cast`, `br_on_cast`,
//! `br_on_cast_fail`), and structures and arrays (their semantics out of line, in
//! `exec/gc.rs`).

use super::*;
use crate::module_types::val_type;
use crate::registry::{Composite, FieldType, TypeInfo};
use crate::runtime::cast::CastTarget;
use crate::runtime::gc::Elem;
use crate::types::RefType;

impl FuncTranslator<'_> {
    /// Baton's reference type for a `ref.test`/`ref.cast` immediate.
    fn cast_target(&self, nullable: bool, heap: wasmparser::HeapType) -> R<RefType> {
        let unsupported = || self.unsupported("this reference type");
        let ty = wasmparser::RefType::new(nullable, heap).ok_or_else(unsupported)?;
        Ok(
            val_type(wasmparser::ValType::Ref(ty), &self.env.types, self.offset)?
                .as_ref_type()
                .ok_or_else(unsupported)?,
        )
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

/// A struct.get's extension: `Some(true)` for `_s`, `Some(false)` for `_u`.
fn with_sign(elem: u32, signed: Option<bool>) -> u32 {
    if signed == Some(true) {
        elem | Elem::SIGNED
    } else {
        elem
    }
}

/// Structures and arrays.
impl FuncTranslator<'_> {
    /// The registered type of type index `ty`.
    fn gc_type(&self, ty: u32) -> &'static TypeInfo {
        self.env.types[ty as usize]
    }

    /// The fields of structure type `ty` (validation proved it one).
    fn struct_fields(&self, ty: u32) -> &'static [FieldType] {
        match &self.gc_type(ty).composite {
            Composite::Struct(fields) => fields,
            _ => unreachable!("validation: type {ty} is a structure"),
        }
    }

    /// The element of array type `ty` (validation proved it one).
    fn array_elem(&self, ty: u32) -> u32 {
        match &self.gc_type(ty).composite {
            Composite::Array(f) => Elem::of(f),
            _ => unreachable!("validation: type {ty} is an array"),
        }
    }

    /// Pops a value of `cells` cells (one, or two for a `v128`) and returns its first
    /// slot; a two-cell value is first made a temporary so that its cells are adjacent.
    fn pop_value(&mut self, cells: usize) -> Slot {
        if cells == 2 {
            self.materialize_args(2);
            self.pop();
            self.pop();
            return self.temp(self.stack.len());
        }
        self.pop_slot()
    }

    /// In metered code, charges the array work of the instruction about to be emitted,
    /// whose element count is in slot `len`: one unit per 16 elements (beyond the one unit
    /// every operator costs), so that a guest cannot allocate or copy without paying.
    fn charge_elements(&mut self, len: Slot) {
        if self.env.fuel {
            let pos = self.emit(op::FUEL_ELEMS, FuelElems { len, shift: 4 });
            self.record_fuel_check(pos);
        }
    }

    /// Pushes an object-making or value-reading instruction's result, of `cells` cells.
    fn push_gc_result(&mut self, pos: usize, dst: Slot, cells: usize) {
        if cells == 2 {
            self.push(Opd::Temp);
            self.push(Opd::Temp);
        } else {
            self.push_result(pos, dst, None);
        }
    }

    /// `struct.new` (`default`: `struct.new_default`).
    pub(super) fn struct_new(&mut self, ty: u32, default: bool) {
        let cells: usize = self
            .struct_fields(ty)
            .iter()
            .map(|f| Elem(Elem::of(f)).cells())
            .sum();
        let (op, operands) = if default {
            (op::STRUCT_NEW_DEFAULT, 0)
        } else {
            (op::STRUCT_NEW, cells)
        };
        self.materialize_args(operands);
        let live = self.traced_temps(self.stack.len());
        for _ in 0..operands {
            self.pop();
        }
        let base = self.temp(self.stack.len());
        let imm = StructNew {
            dst: base,
            base,
            type_id: self.gc_type(ty).id.0,
            cells: cells as u32,
        };
        let pos = self.emit(op, imm);
        self.record_alloc(pos, live);
        self.push_result(pos, base, None);
    }

    /// The cell of field `field` of structure type `ty` (after the header) and its storage.
    fn field(&self, ty: u32, field: u32) -> (u32, u32) {
        let fields = self.struct_fields(ty);
        let cell: usize = fields[..field as usize]
            .iter()
            .map(|f| Elem(Elem::of(f)).cells())
            .sum();
        (cell as u32, Elem::of(&fields[field as usize]))
    }

    /// `struct.get`, `struct.get_s` (`signed`: `Some(true)`) and `struct.get_u`.
    pub(super) fn struct_get(&mut self, ty: u32, field: u32, signed: Option<bool>) {
        let (cell, elem) = self.field(ty, field);
        let obj = self.pop_slot();
        let val = self.temp(self.stack.len());
        let imm = GcField {
            val,
            obj,
            cell,
            elem: with_sign(elem, signed),
        };
        let pos = self.emit(op::STRUCT_GET, imm);
        self.push_gc_result(pos, val, Elem(elem).cells());
    }

    /// `struct.set`.
    pub(super) fn struct_set(&mut self, ty: u32, field: u32) {
        let (cell, elem) = self.field(ty, field);
        let val = self.pop_value(Elem(elem).cells());
        let obj = self.pop_slot();
        let imm = GcField {
            val,
            obj,
            cell,
            elem,
        };
        self.emit(op::STRUCT_SET, imm);
    }

    /// `array.new` (`default`: `array.new_default`).
    pub(super) fn array_new(&mut self, ty: u32, default: bool) {
        let elem = self.array_elem(ty);
        let live = self.traced_temps(self.stack.len());
        let len = self.pop_slot();
        self.charge_elements(len);
        let init = if default {
            0
        } else {
            self.pop_value(Elem(elem).cells())
        };
        let dst = self.temp(self.stack.len());
        let op = if default {
            op::ARRAY_NEW_DEFAULT
        } else {
            op::ARRAY_NEW
        };
        let imm = ArrayNew {
            dst,
            init,
            len,
            type_id: self.gc_type(ty).id.0,
            elem,
        };
        let pos = self.emit(op, imm);
        self.record_alloc(pos, live);
        self.push_result(pos, dst, None);
    }

    /// `array.new_fixed` of `n` values.
    pub(super) fn array_new_fixed(&mut self, ty: u32, n: u32) {
        let elem = self.array_elem(ty);
        let cells = n as usize * Elem(elem).cells();
        self.materialize_args(cells);
        let live = self.traced_temps(self.stack.len());
        for _ in 0..cells {
            self.pop();
        }
        let dst = self.temp(self.stack.len());
        let imm = ArrayNew {
            dst,
            init: dst,
            len: n,
            type_id: self.gc_type(ty).id.0,
            elem,
        };
        let pos = self.emit(op::ARRAY_NEW_FIXED, imm);
        self.record_alloc(pos, live);
        self.push_result(pos, dst, None);
    }

    /// `array.new_data` / `array.new_elem` of segment `seg`.
    pub(super) fn array_new_seg(&mut self, ty: u32, seg: u32) {
        let elem = self.array_elem(ty);
        let live = self.traced_temps(self.stack.len());
        let len = self.pop_slot();
        self.charge_elements(len);
        let offset = self.pop_slot();
        let dst = self.temp(self.stack.len());
        let imm = ArrayNewSeg {
            dst,
            offset,
            len,
            type_id: self.gc_type(ty).id.0,
            elem,
            seg,
        };
        let pos = self.emit(op::ARRAY_NEW_SEG, imm);
        self.record_alloc(pos, live);
        self.push_result(pos, dst, None);
    }

    /// `array.get`, `array.get_s` (`signed`: `Some(true)`) and `array.get_u`.
    pub(super) fn array_get(&mut self, ty: u32, signed: Option<bool>) {
        let elem = self.array_elem(ty);
        let idx = self.pop_slot();
        let arr = self.pop_slot();
        let val = self.temp(self.stack.len());
        let imm = ArrayAccess {
            val,
            arr,
            idx,
            elem: with_sign(elem, signed),
        };
        let pos = self.emit(op::ARRAY_GET, imm);
        self.push_gc_result(pos, val, Elem(elem).cells());
    }

    /// `array.set`.
    pub(super) fn array_set(&mut self, ty: u32) {
        let elem = self.array_elem(ty);
        let val = self.pop_value(Elem(elem).cells());
        let idx = self.pop_slot();
        let arr = self.pop_slot();
        self.emit(
            op::ARRAY_SET,
            ArrayAccess {
                val,
                arr,
                idx,
                elem,
            },
        );
    }

    /// `array.len`.
    pub(super) fn array_len(&mut self) {
        let src = self.pop_slot();
        let dst = self.temp(self.stack.len());
        let pos = self.emit(op::ARRAY_LEN, Un { dst, src });
        self.push_result(pos, dst, None);
    }

    /// `array.fill`.
    pub(super) fn array_fill(&mut self, ty: u32) {
        let elem = self.array_elem(ty);
        let len = self.pop_slot();
        self.charge_elements(len);
        let val = self.pop_value(Elem(elem).cells());
        let offset = self.pop_slot();
        let arr = self.pop_slot();
        self.emit(
            op::ARRAY_FILL,
            ArrayFill {
                arr,
                offset,
                val,
                len,
                elem,
            },
        );
    }

    /// `array.copy` (validation proved the element types compatible, so they take the
    /// same cells).
    pub(super) fn array_copy(&mut self, dst_ty: u32) {
        let elem = self.array_elem(dst_ty);
        let len = self.pop_slot();
        self.charge_elements(len);
        let src_offset = self.pop_slot();
        let src = self.pop_slot();
        let dst_offset = self.pop_slot();
        let dst = self.pop_slot();
        self.emit(
            op::ARRAY_COPY,
            ArrayCopy {
                dst,
                dst_offset,
                src,
                src_offset,
                len,
                elem,
            },
        );
    }

    /// `array.init_data` / `array.init_elem` from segment `seg`.
    pub(super) fn array_init(&mut self, ty: u32, seg: u32) {
        let elem = self.array_elem(ty);
        let len = self.pop_slot();
        self.charge_elements(len);
        let src_offset = self.pop_slot();
        let dst_offset = self.pop_slot();
        let arr = self.pop_slot();
        self.emit(
            op::ARRAY_INIT,
            ArrayInit {
                arr,
                dst_offset,
                src_offset,
                len,
                elem,
                seg,
            },
        );
    }
}

//! The translator's visitor: one method per Wasm operator, checked by the compiler.
//!
//! `wasmparser`'s [`VisitOperator`] has one required method per operator. The methods of
//! the proposals Baton translates are written out here; `unsupported_operators!` writes
//! those of every other proposal, each returning [`Error::Unsupported`]. An operator added
//! to a translated proposal (or a proposal switched to "translated" without its methods)
//! is therefore a compile error, not a silent fall-through: completeness is the compiler's
//! job. A new proposal's operators go into a file of their own (`impl FuncTranslator` with
//! the methods) once it is taken out of the unsupported list.
//!
//! Dead code (after `unreachable`, `br`, `return`...) never reaches these methods:
//! [`ValidateThenTranslate`](super::ValidateThenTranslate) only tracks its nesting. Fuel is charged before the visit.

use super::*;
use wasmparser::{VisitOperator, VisitSimdOperator};

/// Writes the visit methods of operators Baton does not translate: every operator of a
/// proposal not listed in its first arms. Invoked with `wasmparser`'s own operator list.
macro_rules! unsupported_operators {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        $( unsupported_operators!(@one $proposal $op $({ $($arg: $argty),* })? => $visit); )*
    };
    // The proposals Baton translates: their methods are written out below.
    (@one mvp $($rest:tt)*) => {};
    (@one sign_extension $($rest:tt)*) => {};
    (@one saturating_float_to_int $($rest:tt)*) => {};
    (@one bulk_memory $($rest:tt)*) => {};
    (@one reference_types $($rest:tt)*) => {};
    (@one tail_call $($rest:tt)*) => {};
    (@one wide_arithmetic $($rest:tt)*) => {};
    (@one function_references $($rest:tt)*) => {};
    (@one exceptions $($rest:tt)*) => {};
    (@one gc $($rest:tt)*) => {};
    (@one $proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident) => {
        fn $visit(&mut self $($(, $arg: $argty)*)?) -> R<bool> {
            $($(let _ = $arg;)*)?
            Err(self.unsupported(concat!("operator `", stringify!($op), "`")).into())
        }
    };
}

impl<'a> VisitOperator<'a> for FuncTranslator<'_> {
    type Output = R<bool>;

    fn simd_visitor(&mut self) -> Option<&mut dyn VisitSimdOperator<'a, Output = R<bool>>> {
        Some(self)
    }

    wasmparser::for_each_visit_operator!(unsupported_operators);

    fn visit_unreachable(&mut self) -> R<bool> {
        self.emit(
            op::UNREACHABLE,
            TrapImm {
                code: TrapCode::Unreachable as u32,
            },
        );
        self.reachable = false;
        Ok(false)
    }

    fn visit_nop(&mut self) -> R<bool> {
        Ok(false)
    }

    fn visit_block(&mut self, blockty: wasmparser::BlockType) -> R<bool> {
        self.begin_block(CtrlKind::Block, blockty);
        Ok(false)
    }

    fn visit_loop(&mut self, blockty: wasmparser::BlockType) -> R<bool> {
        self.begin_block(CtrlKind::Loop, blockty);
        Ok(false)
    }

    fn visit_if(&mut self, blockty: wasmparser::BlockType) -> R<bool> {
        self.begin_if(blockty);
        Ok(false)
    }

    fn visit_else(&mut self) -> R<bool> {
        let idx = self.ctrl.len() - 1;
        if self.reachable {
            let (height, arity) = (self.ctrl[idx].height, self.ctrl[idx].results as usize);
            self.move_values(height, arity);
            let fixup = self.emit_br();
            self.ctrl[idx].fixups.push(fixup);
            self.ctrl[idx].branched = true;
        }
        // The `then` part's end is a way to the construct's end; its assignments do not
        // hold in the `else` part.
        if self.reachable {
            self.note_init_branch(0);
        }
        self.init.undo(self.ctrl[idx].init_mark);
        let c = &mut self.ctrl[idx];
        c.kind = CtrlKind::Else;
        let else_fixups = [c.first_else_fixup.take(), c.else_fixup.take()];
        let params = core::mem::take(&mut c.saved_params);
        let (height, entry_reachable) = (c.height, c.entry_reachable);
        for (pos, byte) in else_fixups.into_iter().flatten() {
            self.patch_to_here(pos, byte);
        }
        self.bind_label();
        self.truncate_stack(height);
        for p in params {
            self.push(p);
        }
        if entry_reachable {
            self.start_fuel_block();
        }
        self.reachable = entry_reachable;
        Ok(false)
    }

    fn visit_end(&mut self) -> R<bool> {
        self.end()
    }

    fn visit_try_table(&mut self, try_table: wasmparser::TryTable) -> R<bool> {
        self.try_table(try_table);
        Ok(false)
    }

    fn visit_throw(&mut self, tag_index: u32) -> R<bool> {
        self.throw(tag_index);
        Ok(false)
    }

    fn visit_throw_ref(&mut self) -> R<bool> {
        self.throw_ref();
        Ok(false)
    }

    fn visit_br(&mut self, relative_depth: u32) -> R<bool> {
        self.br(relative_depth);
        Ok(false)
    }

    fn visit_br_if(&mut self, relative_depth: u32) -> R<bool> {
        self.br_if_full(relative_depth);
        Ok(false)
    }

    fn visit_br_table(&mut self, targets: wasmparser::BrTable<'a>) -> R<bool> {
        let mut depths = Vec::with_capacity(targets.len() as usize + 1);
        for t in targets.targets() {
            depths.push(t.map_err(|e| Error::from_wasmparser(e, false))?);
        }
        depths.push(targets.default());
        self.br_table(&depths);
        Ok(false)
    }

    fn visit_return(&mut self) -> R<bool> {
        self.ret();
        Ok(false)
    }

    fn visit_call(&mut self, function_index: u32) -> R<bool> {
        self.call(function_index, false)?;
        Ok(false)
    }

    fn visit_return_call(&mut self, function_index: u32) -> R<bool> {
        self.call(function_index, true)?;
        Ok(false)
    }

    fn visit_call_indirect(&mut self, type_index: u32, table_index: u32) -> R<bool> {
        self.call_indirect(type_index, table_index, false);
        Ok(false)
    }

    fn visit_return_call_indirect(&mut self, type_index: u32, table_index: u32) -> R<bool> {
        self.call_indirect(type_index, table_index, true);
        Ok(false)
    }

    fn visit_drop(&mut self) -> R<bool> {
        self.pop();
        if self.wide_operand {
            self.pop();
        }
        Ok(false)
    }

    fn visit_select(&mut self) -> R<bool> {
        if self.wide_operand {
            return self.select_v128();
        }
        self.select();
        Ok(false)
    }

    fn visit_typed_select(&mut self, ty: wasmparser::ValType) -> R<bool> {
        self.wide_operand = ty == wasmparser::ValType::V128;
        self.visit_select()
    }

    fn visit_local_get(&mut self, local_index: u32) -> R<bool> {
        let (c, wide) = self.local_cell(local_index);
        self.init.read(c);
        self.push(Opd::Local(c));
        if wide {
            self.init.read(c + 1);
            self.push(Opd::Local(c + 1));
        }
        Ok(false)
    }

    fn visit_local_set(&mut self, local_index: u32) -> R<bool> {
        match self.local_cell(local_index) {
            (c, true) => self.local_set_v128(c, false),
            (c, false) => self.local_set(c, false),
        }
        Ok(false)
    }

    fn visit_local_tee(&mut self, local_index: u32) -> R<bool> {
        match self.local_cell(local_index) {
            (c, true) => self.local_set_v128(c, true),
            (c, false) => self.local_set(c, true),
        }
        Ok(false)
    }

    fn visit_global_get(&mut self, global_index: u32) -> R<bool> {
        if self.is_v128_global(global_index) {
            let dst = self.temp(self.stack.len());
            let global = global_index;
            self.emit(op::GLOBAL_GET_V128, Global { slot: dst, global });
            self.push_v128();
            return Ok(false);
        }
        self.global_get(global_index);
        Ok(false)
    }

    fn visit_global_set(&mut self, global_index: u32) -> R<bool> {
        if self.is_v128_global(global_index) {
            let slot = self.pop_v128();
            let global = global_index;
            self.emit(op::GLOBAL_SET_V128, Global { slot, global });
            return Ok(false);
        }
        self.global_set(global_index);
        Ok(false)
    }

    fn visit_i32_load(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.load(op::I32_LOAD, memarg)?;
        Ok(false)
    }

    fn visit_i64_load(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.load(op::I64_LOAD, memarg)?;
        Ok(false)
    }

    fn visit_f32_load(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.load_float(&op::F32_LOAD_ACC, memarg)?;
        Ok(false)
    }

    fn visit_f64_load(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.load_float(&op::F64_LOAD_ACC, memarg)?;
        Ok(false)
    }

    fn visit_i32_load8_s(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.load(op::I32_LOAD8_S, memarg)?;
        Ok(false)
    }

    fn visit_i32_load8_u(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.load(op::I32_LOAD8_U, memarg)?;
        Ok(false)
    }

    fn visit_i32_load16_s(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.load(op::I32_LOAD16_S, memarg)?;
        Ok(false)
    }

    fn visit_i32_load16_u(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.load(op::I32_LOAD16_U, memarg)?;
        Ok(false)
    }

    fn visit_i64_load8_s(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.load(op::I64_LOAD8_S, memarg)?;
        Ok(false)
    }

    fn visit_i64_load8_u(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.load(op::I64_LOAD8_U, memarg)?;
        Ok(false)
    }

    fn visit_i64_load16_s(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.load(op::I64_LOAD16_S, memarg)?;
        Ok(false)
    }

    fn visit_i64_load16_u(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.load(op::I64_LOAD16_U, memarg)?;
        Ok(false)
    }

    fn visit_i64_load32_s(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.load(op::I64_LOAD32_S, memarg)?;
        Ok(false)
    }

    fn visit_i64_load32_u(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.load(op::I64_LOAD32_U, memarg)?;
        Ok(false)
    }

    fn visit_i32_store(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.store(op::STORE32, memarg)?;
        Ok(false)
    }

    fn visit_f32_store(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.store_float(&op::F32_STORE_ACC, memarg)?;
        Ok(false)
    }

    fn visit_i64_store32(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.store(op::STORE32, memarg)?;
        Ok(false)
    }

    fn visit_i64_store(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.store(op::STORE64, memarg)?;
        Ok(false)
    }

    fn visit_f64_store(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.store_float(&op::F64_STORE_ACC, memarg)?;
        Ok(false)
    }

    fn visit_i32_store8(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.store(op::STORE8, memarg)?;
        Ok(false)
    }

    fn visit_i64_store8(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.store(op::STORE8, memarg)?;
        Ok(false)
    }

    fn visit_i32_store16(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.store(op::STORE16, memarg)?;
        Ok(false)
    }

    fn visit_i64_store16(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.store(op::STORE16, memarg)?;
        Ok(false)
    }

    fn visit_memory_size(&mut self, mem: u32) -> R<bool> {
        let dst = self.temp(self.stack.len());
        let op = if self.is_fast_memory(mem) {
            op::MEMORY_SIZE
        } else {
            op::MEMORY_SIZE_X
        };
        let pos = self.emit(op, MemSize { dst, memory: mem });
        self.push_result(pos, dst, None);
        Ok(false)
    }

    fn visit_memory_grow(&mut self, mem: u32) -> R<bool> {
        let delta = self.pop_slot();
        let dst = self.temp(self.stack.len());
        let op = if self.is_fast_memory(mem) {
            op::MEMORY_GROW
        } else {
            op::MEMORY_GROW_X
        };
        let pos = self.emit(
            op,
            MemGrow {
                dst,
                delta,
                memory: mem,
            },
        );
        self.push_result(pos, dst, None);
        Ok(false)
    }

    fn visit_i32_const(&mut self, value: i32) -> R<bool> {
        self.push(Opd::Const(value as u32 as u64));
        Ok(false)
    }

    fn visit_i64_const(&mut self, value: i64) -> R<bool> {
        self.push(Opd::Const(value as u64));
        Ok(false)
    }

    fn visit_f32_const(&mut self, value: wasmparser::Ieee32) -> R<bool> {
        self.push(Opd::Const(value.bits() as u64));
        Ok(false)
    }

    fn visit_f64_const(&mut self, value: wasmparser::Ieee64) -> R<bool> {
        self.push(Opd::Const(value.bits()));
        Ok(false)
    }

    fn visit_ref_null(&mut self, _hty: wasmparser::HeapType) -> R<bool> {
        self.push(Opd::Const(0));
        Ok(false)
    }

    fn visit_ref_is_null(&mut self) -> R<bool> {
        self.unary(op::REF_IS_NULL);
        Ok(false)
    }

    fn visit_ref_func(&mut self, function_index: u32) -> R<bool> {
        let dst = self.temp(self.stack.len());
        let pos = self.emit(
            op::REF_FUNC,
            RefFunc {
                dst,
                func: function_index,
            },
        );
        self.push_result(pos, dst, None);
        Ok(false)
    }

    fn visit_call_ref(&mut self, type_index: u32) -> R<bool> {
        self.call_ref(type_index, false);
        Ok(false)
    }

    fn visit_return_call_ref(&mut self, type_index: u32) -> R<bool> {
        self.call_ref(type_index, true);
        Ok(false)
    }

    fn visit_ref_eq(&mut self) -> R<bool> {
        self.ref_eq();
        Ok(false)
    }

    fn visit_ref_i31(&mut self) -> R<bool> {
        self.unary(op::REF_I31);
        Ok(false)
    }

    fn visit_i31_get_s(&mut self) -> R<bool> {
        self.unary(op::I31_GET_S);
        Ok(false)
    }

    fn visit_i31_get_u(&mut self) -> R<bool> {
        self.unary(op::I31_GET_U);
        Ok(false)
    }

    // The conversions between `extern` and `any` change no bits (see
    // `crate::values::ref_cell`): nothing to emit.
    fn visit_any_convert_extern(&mut self) -> R<bool> {
        Ok(false)
    }

    fn visit_extern_convert_any(&mut self) -> R<bool> {
        Ok(false)
    }

    fn visit_ref_test_non_null(&mut self, hty: wasmparser::HeapType) -> R<bool> {
        self.ref_test(false, hty)?;
        Ok(false)
    }

    fn visit_ref_test_nullable(&mut self, hty: wasmparser::HeapType) -> R<bool> {
        self.ref_test(true, hty)?;
        Ok(false)
    }

    fn visit_ref_cast_non_null(&mut self, hty: wasmparser::HeapType) -> R<bool> {
        self.ref_cast(false, hty)?;
        Ok(false)
    }

    fn visit_ref_cast_nullable(&mut self, hty: wasmparser::HeapType) -> R<bool> {
        self.ref_cast(true, hty)?;
        Ok(false)
    }

    fn visit_br_on_cast(
        &mut self,
        relative_depth: u32,
        _from_ref_type: wasmparser::RefType,
        to_ref_type: wasmparser::RefType,
    ) -> R<bool> {
        self.br_on_cast(relative_depth, to_ref_type, false)?;
        Ok(false)
    }

    fn visit_br_on_cast_fail(
        &mut self,
        relative_depth: u32,
        _from_ref_type: wasmparser::RefType,
        to_ref_type: wasmparser::RefType,
    ) -> R<bool> {
        self.br_on_cast(relative_depth, to_ref_type, true)?;
        Ok(false)
    }

    fn visit_struct_new(&mut self, struct_type_index: u32) -> R<bool> {
        self.struct_new(struct_type_index, false);
        Ok(false)
    }

    fn visit_struct_new_default(&mut self, struct_type_index: u32) -> R<bool> {
        self.struct_new(struct_type_index, true);
        Ok(false)
    }

    fn visit_struct_get(&mut self, struct_type_index: u32, field_index: u32) -> R<bool> {
        self.struct_get(struct_type_index, field_index, None);
        Ok(false)
    }

    fn visit_struct_get_s(&mut self, struct_type_index: u32, field_index: u32) -> R<bool> {
        self.struct_get(struct_type_index, field_index, Some(true));
        Ok(false)
    }

    fn visit_struct_get_u(&mut self, struct_type_index: u32, field_index: u32) -> R<bool> {
        self.struct_get(struct_type_index, field_index, Some(false));
        Ok(false)
    }

    fn visit_struct_set(&mut self, struct_type_index: u32, field_index: u32) -> R<bool> {
        self.struct_set(struct_type_index, field_index);
        Ok(false)
    }

    fn visit_array_new(&mut self, array_type_index: u32) -> R<bool> {
        self.array_new(array_type_index, false);
        Ok(false)
    }

    fn visit_array_new_default(&mut self, array_type_index: u32) -> R<bool> {
        self.array_new(array_type_index, true);
        Ok(false)
    }

    fn visit_array_new_fixed(&mut self, array_type_index: u32, array_size: u32) -> R<bool> {
        self.array_new_fixed(array_type_index, array_size);
        Ok(false)
    }

    fn visit_array_new_data(&mut self, array_type_index: u32, array_data_index: u32) -> R<bool> {
        self.array_new_seg(array_type_index, array_data_index);
        Ok(false)
    }

    fn visit_array_new_elem(&mut self, array_type_index: u32, array_elem_index: u32) -> R<bool> {
        self.array_new_seg(array_type_index, array_elem_index);
        Ok(false)
    }

    fn visit_array_get(&mut self, array_type_index: u32) -> R<bool> {
        self.array_get(array_type_index, None);
        Ok(false)
    }

    fn visit_array_get_s(&mut self, array_type_index: u32) -> R<bool> {
        self.array_get(array_type_index, Some(true));
        Ok(false)
    }

    fn visit_array_get_u(&mut self, array_type_index: u32) -> R<bool> {
        self.array_get(array_type_index, Some(false));
        Ok(false)
    }

    fn visit_array_set(&mut self, array_type_index: u32) -> R<bool> {
        self.array_set(array_type_index);
        Ok(false)
    }

    fn visit_array_len(&mut self) -> R<bool> {
        self.array_len();
        Ok(false)
    }

    fn visit_array_fill(&mut self, array_type_index: u32) -> R<bool> {
        self.array_fill(array_type_index);
        Ok(false)
    }

    fn visit_array_copy(
        &mut self,
        array_type_index_dst: u32,
        _array_type_index_src: u32,
    ) -> R<bool> {
        self.array_copy(array_type_index_dst);
        Ok(false)
    }

    fn visit_array_init_data(&mut self, array_type_index: u32, array_data_index: u32) -> R<bool> {
        self.array_init(array_type_index, array_data_index);
        Ok(false)
    }

    fn visit_array_init_elem(&mut self, array_type_index: u32, array_elem_index: u32) -> R<bool> {
        self.array_init(array_type_index, array_elem_index);
        Ok(false)
    }

    fn visit_ref_as_non_null(&mut self) -> R<bool> {
        self.ref_as_non_null();
        Ok(false)
    }

    fn visit_br_on_null(&mut self, relative_depth: u32) -> R<bool> {
        self.br_on_null(relative_depth);
        Ok(false)
    }

    fn visit_br_on_non_null(&mut self, relative_depth: u32) -> R<bool> {
        self.br_on_non_null(relative_depth);
        Ok(false)
    }

    fn visit_i32_eqz(&mut self) -> R<bool> {
        self.eqz(false);
        Ok(false)
    }

    fn visit_i64_eqz(&mut self) -> R<bool> {
        self.eqz(true);
        Ok(false)
    }

    fn visit_i32_eq(&mut self) -> R<bool> {
        self.int_bin32(cmp32(Cond::Eq));
        Ok(false)
    }

    fn visit_i32_ne(&mut self) -> R<bool> {
        self.int_bin32(cmp32(Cond::Ne));
        Ok(false)
    }

    fn visit_i32_lt_s(&mut self) -> R<bool> {
        self.int_bin32(cmp32(Cond::LtS));
        Ok(false)
    }

    fn visit_i32_lt_u(&mut self) -> R<bool> {
        self.int_bin32(cmp32(Cond::LtU));
        Ok(false)
    }

    fn visit_i32_gt_s(&mut self) -> R<bool> {
        self.int_bin32(cmp32(Cond::GtS));
        Ok(false)
    }

    fn visit_i32_gt_u(&mut self) -> R<bool> {
        self.int_bin32(cmp32(Cond::GtU));
        Ok(false)
    }

    fn visit_i32_le_s(&mut self) -> R<bool> {
        self.int_bin32(cmp32(Cond::LeS));
        Ok(false)
    }

    fn visit_i32_le_u(&mut self) -> R<bool> {
        self.int_bin32(cmp32(Cond::LeU));
        Ok(false)
    }

    fn visit_i32_ge_s(&mut self) -> R<bool> {
        self.int_bin32(cmp32(Cond::GeS));
        Ok(false)
    }

    fn visit_i32_ge_u(&mut self) -> R<bool> {
        self.int_bin32(cmp32(Cond::GeU));
        Ok(false)
    }

    fn visit_i64_eq(&mut self) -> R<bool> {
        self.int_bin64(cmp64(Cond::Eq));
        Ok(false)
    }

    fn visit_i64_ne(&mut self) -> R<bool> {
        self.int_bin64(cmp64(Cond::Ne));
        Ok(false)
    }

    fn visit_i64_lt_s(&mut self) -> R<bool> {
        self.int_bin64(cmp64(Cond::LtS));
        Ok(false)
    }

    fn visit_i64_lt_u(&mut self) -> R<bool> {
        self.int_bin64(cmp64(Cond::LtU));
        Ok(false)
    }

    fn visit_i64_gt_s(&mut self) -> R<bool> {
        self.int_bin64(cmp64(Cond::GtS));
        Ok(false)
    }

    fn visit_i64_gt_u(&mut self) -> R<bool> {
        self.int_bin64(cmp64(Cond::GtU));
        Ok(false)
    }

    fn visit_i64_le_s(&mut self) -> R<bool> {
        self.int_bin64(cmp64(Cond::LeS));
        Ok(false)
    }

    fn visit_i64_le_u(&mut self) -> R<bool> {
        self.int_bin64(cmp64(Cond::LeU));
        Ok(false)
    }

    fn visit_i64_ge_s(&mut self) -> R<bool> {
        self.int_bin64(cmp64(Cond::GeS));
        Ok(false)
    }

    fn visit_i64_ge_u(&mut self) -> R<bool> {
        self.int_bin64(cmp64(Cond::GeU));
        Ok(false)
    }

    fn visit_i32_add(&mut self) -> R<bool> {
        self.int_bin32(comm32(&op::I32_ADD));
        Ok(false)
    }

    fn visit_i32_sub(&mut self) -> R<bool> {
        self.int_bin32(noncomm32(&op::I32_SUB));
        Ok(false)
    }

    fn visit_i32_mul(&mut self) -> R<bool> {
        self.int_bin32(comm32(&op::I32_MUL));
        Ok(false)
    }

    fn visit_i32_div_s(&mut self) -> R<bool> {
        self.int_bin32(noncomm32(&op::I32_DIV_S));
        Ok(false)
    }

    fn visit_i32_div_u(&mut self) -> R<bool> {
        self.int_bin32(noncomm32(&op::I32_DIV_U));
        Ok(false)
    }

    fn visit_i32_rem_s(&mut self) -> R<bool> {
        self.int_bin32(noncomm32(&op::I32_REM_S));
        Ok(false)
    }

    fn visit_i32_rem_u(&mut self) -> R<bool> {
        self.int_bin32(noncomm32(&op::I32_REM_U));
        Ok(false)
    }

    fn visit_i32_and(&mut self) -> R<bool> {
        self.int_bin32(comm32(&op::I32_AND));
        Ok(false)
    }

    fn visit_i32_or(&mut self) -> R<bool> {
        self.int_bin32(comm32(&op::I32_OR));
        Ok(false)
    }

    fn visit_i32_xor(&mut self) -> R<bool> {
        self.int_bin32(comm32(&op::I32_XOR));
        Ok(false)
    }

    fn visit_i32_shl(&mut self) -> R<bool> {
        self.int_bin32(noncomm32(&op::I32_SHL));
        Ok(false)
    }

    fn visit_i32_shr_s(&mut self) -> R<bool> {
        self.int_bin32(noncomm32(&op::I32_SHR_S));
        Ok(false)
    }

    fn visit_i32_shr_u(&mut self) -> R<bool> {
        self.int_bin32(noncomm32(&op::I32_SHR_U));
        Ok(false)
    }

    fn visit_i32_rotl(&mut self) -> R<bool> {
        self.int_bin32(noncomm32(&op::I32_ROTL));
        Ok(false)
    }

    fn visit_i32_rotr(&mut self) -> R<bool> {
        self.int_bin32(noncomm32(&op::I32_ROTR));
        Ok(false)
    }

    fn visit_i64_add(&mut self) -> R<bool> {
        self.int_bin64(comm64(&op::I64_ADD));
        Ok(false)
    }

    fn visit_i64_sub(&mut self) -> R<bool> {
        self.int_bin64(noncomm64(&op::I64_SUB));
        Ok(false)
    }

    fn visit_i64_mul(&mut self) -> R<bool> {
        self.int_bin64(comm64(&op::I64_MUL));
        Ok(false)
    }

    fn visit_i64_div_s(&mut self) -> R<bool> {
        self.int_bin64(noncomm64(&op::I64_DIV_S));
        Ok(false)
    }

    fn visit_i64_div_u(&mut self) -> R<bool> {
        self.int_bin64(noncomm64(&op::I64_DIV_U));
        Ok(false)
    }

    fn visit_i64_rem_s(&mut self) -> R<bool> {
        self.int_bin64(noncomm64(&op::I64_REM_S));
        Ok(false)
    }

    fn visit_i64_rem_u(&mut self) -> R<bool> {
        self.int_bin64(noncomm64(&op::I64_REM_U));
        Ok(false)
    }

    fn visit_i64_and(&mut self) -> R<bool> {
        self.int_bin64(comm64(&op::I64_AND));
        Ok(false)
    }

    fn visit_i64_or(&mut self) -> R<bool> {
        self.int_bin64(comm64(&op::I64_OR));
        Ok(false)
    }

    fn visit_i64_xor(&mut self) -> R<bool> {
        self.int_bin64(comm64(&op::I64_XOR));
        Ok(false)
    }

    fn visit_i64_shl(&mut self) -> R<bool> {
        self.int_bin64(noncomm64(&op::I64_SHL));
        Ok(false)
    }

    fn visit_i64_shr_s(&mut self) -> R<bool> {
        self.int_bin64(noncomm64(&op::I64_SHR_S));
        Ok(false)
    }

    fn visit_i64_shr_u(&mut self) -> R<bool> {
        self.int_bin64(noncomm64(&op::I64_SHR_U));
        Ok(false)
    }

    fn visit_i64_rotl(&mut self) -> R<bool> {
        self.int_bin64(noncomm64(&op::I64_ROTL));
        Ok(false)
    }

    fn visit_i64_rotr(&mut self) -> R<bool> {
        self.int_bin64(noncomm64(&op::I64_ROTR));
        Ok(false)
    }

    fn visit_f32_add(&mut self) -> R<bool> {
        self.bin32(&op::F32_ADD);
        Ok(false)
    }

    fn visit_f32_sub(&mut self) -> R<bool> {
        self.bin32(&op::F32_SUB);
        Ok(false)
    }

    fn visit_f32_mul(&mut self) -> R<bool> {
        self.bin32(&op::F32_MUL);
        Ok(false)
    }

    fn visit_f32_div(&mut self) -> R<bool> {
        self.bin32(&op::F32_DIV);
        Ok(false)
    }

    fn visit_f32_min(&mut self) -> R<bool> {
        self.bin32(&op::F32_MIN);
        Ok(false)
    }

    fn visit_f32_max(&mut self) -> R<bool> {
        self.bin32(&op::F32_MAX);
        Ok(false)
    }

    fn visit_f32_copysign(&mut self) -> R<bool> {
        self.bin32(&op::F32_COPYSIGN);
        Ok(false)
    }

    fn visit_f32_eq(&mut self) -> R<bool> {
        self.cmp_f32(&op::F32_EQ, Cond::FEq);
        Ok(false)
    }

    fn visit_f32_ne(&mut self) -> R<bool> {
        self.cmp_f32(&op::F32_NE, Cond::FNe);
        Ok(false)
    }

    fn visit_f32_lt(&mut self) -> R<bool> {
        self.cmp_f32(&op::F32_LT, Cond::FLt);
        Ok(false)
    }

    fn visit_f32_gt(&mut self) -> R<bool> {
        self.cmp_f32(&op::F32_GT, Cond::FGt);
        Ok(false)
    }

    fn visit_f32_le(&mut self) -> R<bool> {
        self.cmp_f32(&op::F32_LE, Cond::FLe);
        Ok(false)
    }

    fn visit_f32_ge(&mut self) -> R<bool> {
        self.cmp_f32(&op::F32_GE, Cond::FGe);
        Ok(false)
    }

    fn visit_f64_add(&mut self) -> R<bool> {
        self.bin64(&op::F64_ADD);
        Ok(false)
    }

    fn visit_f64_sub(&mut self) -> R<bool> {
        self.bin64(&op::F64_SUB);
        Ok(false)
    }

    fn visit_f64_mul(&mut self) -> R<bool> {
        self.bin64(&op::F64_MUL);
        Ok(false)
    }

    fn visit_f64_div(&mut self) -> R<bool> {
        self.bin64(&op::F64_DIV);
        Ok(false)
    }

    fn visit_f64_min(&mut self) -> R<bool> {
        self.bin64(&op::F64_MIN);
        Ok(false)
    }

    fn visit_f64_max(&mut self) -> R<bool> {
        self.bin64(&op::F64_MAX);
        Ok(false)
    }

    fn visit_f64_copysign(&mut self) -> R<bool> {
        self.bin64(&op::F64_COPYSIGN);
        Ok(false)
    }

    fn visit_f64_eq(&mut self) -> R<bool> {
        self.cmp_f64(&op::F64_EQ, Cond::FEq);
        Ok(false)
    }

    fn visit_f64_ne(&mut self) -> R<bool> {
        self.cmp_f64(&op::F64_NE, Cond::FNe);
        Ok(false)
    }

    fn visit_f64_lt(&mut self) -> R<bool> {
        self.cmp_f64(&op::F64_LT, Cond::FLt);
        Ok(false)
    }

    fn visit_f64_gt(&mut self) -> R<bool> {
        self.cmp_f64(&op::F64_GT, Cond::FGt);
        Ok(false)
    }

    fn visit_f64_le(&mut self) -> R<bool> {
        self.cmp_f64(&op::F64_LE, Cond::FLe);
        Ok(false)
    }

    fn visit_f64_ge(&mut self) -> R<bool> {
        self.cmp_f64(&op::F64_GE, Cond::FGe);
        Ok(false)
    }

    fn visit_i32_clz(&mut self) -> R<bool> {
        self.unary(op::I32_CLZ);
        Ok(false)
    }

    fn visit_i32_ctz(&mut self) -> R<bool> {
        self.unary(op::I32_CTZ);
        Ok(false)
    }

    fn visit_i32_popcnt(&mut self) -> R<bool> {
        self.unary(op::I32_POPCNT);
        Ok(false)
    }

    fn visit_i64_clz(&mut self) -> R<bool> {
        self.unary(op::I64_CLZ);
        Ok(false)
    }

    fn visit_i64_ctz(&mut self) -> R<bool> {
        self.unary(op::I64_CTZ);
        Ok(false)
    }

    fn visit_i64_popcnt(&mut self) -> R<bool> {
        self.unary(op::I64_POPCNT);
        Ok(false)
    }

    fn visit_f32_abs(&mut self) -> R<bool> {
        self.unary(op::F32_ABS);
        Ok(false)
    }

    fn visit_f32_neg(&mut self) -> R<bool> {
        self.unary(op::F32_NEG);
        Ok(false)
    }

    fn visit_f32_ceil(&mut self) -> R<bool> {
        self.unary(op::F32_CEIL);
        Ok(false)
    }

    fn visit_f32_floor(&mut self) -> R<bool> {
        self.unary(op::F32_FLOOR);
        Ok(false)
    }

    fn visit_f32_trunc(&mut self) -> R<bool> {
        self.unary(op::F32_TRUNC);
        Ok(false)
    }

    fn visit_f32_nearest(&mut self) -> R<bool> {
        self.unary(op::F32_NEAREST);
        Ok(false)
    }

    fn visit_f32_sqrt(&mut self) -> R<bool> {
        self.unary(op::F32_SQRT);
        Ok(false)
    }

    fn visit_f64_abs(&mut self) -> R<bool> {
        self.unary(op::F64_ABS);
        Ok(false)
    }

    fn visit_f64_neg(&mut self) -> R<bool> {
        self.unary(op::F64_NEG);
        Ok(false)
    }

    fn visit_f64_ceil(&mut self) -> R<bool> {
        self.unary(op::F64_CEIL);
        Ok(false)
    }

    fn visit_f64_floor(&mut self) -> R<bool> {
        self.unary(op::F64_FLOOR);
        Ok(false)
    }

    fn visit_f64_trunc(&mut self) -> R<bool> {
        self.unary(op::F64_TRUNC);
        Ok(false)
    }

    fn visit_f64_nearest(&mut self) -> R<bool> {
        self.unary(op::F64_NEAREST);
        Ok(false)
    }

    fn visit_f64_sqrt(&mut self) -> R<bool> {
        self.unary(op::F64_SQRT);
        Ok(false)
    }

    fn visit_i32_wrap_i64(&mut self) -> R<bool> {
        self.unary(op::I32_WRAP_I64);
        Ok(false)
    }

    fn visit_i64_extend_i32_s(&mut self) -> R<bool> {
        self.unary(op::I64_EXTEND_I32_S);
        Ok(false)
    }

    // Every i32 lives zero-extended in its slot (all i32 producers write it so), so
    // zero-extension to i64 is already done.
    fn visit_i64_extend_i32_u(&mut self) -> R<bool> {
        Ok(false)
    }

    fn visit_i32_extend8_s(&mut self) -> R<bool> {
        self.unary(op::I32_EXTEND8_S);
        Ok(false)
    }

    fn visit_i32_extend16_s(&mut self) -> R<bool> {
        self.unary(op::I32_EXTEND16_S);
        Ok(false)
    }

    fn visit_i64_extend8_s(&mut self) -> R<bool> {
        self.unary(op::I64_EXTEND8_S);
        Ok(false)
    }

    fn visit_i64_extend16_s(&mut self) -> R<bool> {
        self.unary(op::I64_EXTEND16_S);
        Ok(false)
    }

    fn visit_i64_extend32_s(&mut self) -> R<bool> {
        self.unary(op::I64_EXTEND32_S);
        Ok(false)
    }

    fn visit_i32_trunc_f32_s(&mut self) -> R<bool> {
        self.unary(op::I32_TRUNC_F32_S);
        Ok(false)
    }

    fn visit_i32_trunc_f32_u(&mut self) -> R<bool> {
        self.unary(op::I32_TRUNC_F32_U);
        Ok(false)
    }

    fn visit_i32_trunc_f64_s(&mut self) -> R<bool> {
        self.unary(op::I32_TRUNC_F64_S);
        Ok(false)
    }

    fn visit_i32_trunc_f64_u(&mut self) -> R<bool> {
        self.unary(op::I32_TRUNC_F64_U);
        Ok(false)
    }

    fn visit_i64_trunc_f32_s(&mut self) -> R<bool> {
        self.unary(op::I64_TRUNC_F32_S);
        Ok(false)
    }

    fn visit_i64_trunc_f32_u(&mut self) -> R<bool> {
        self.unary(op::I64_TRUNC_F32_U);
        Ok(false)
    }

    fn visit_i64_trunc_f64_s(&mut self) -> R<bool> {
        self.unary(op::I64_TRUNC_F64_S);
        Ok(false)
    }

    fn visit_i64_trunc_f64_u(&mut self) -> R<bool> {
        self.unary(op::I64_TRUNC_F64_U);
        Ok(false)
    }

    fn visit_i32_trunc_sat_f32_s(&mut self) -> R<bool> {
        self.unary(op::I32_TRUNC_SAT_F32_S);
        Ok(false)
    }

    fn visit_i32_trunc_sat_f32_u(&mut self) -> R<bool> {
        self.unary(op::I32_TRUNC_SAT_F32_U);
        Ok(false)
    }

    fn visit_i32_trunc_sat_f64_s(&mut self) -> R<bool> {
        self.unary(op::I32_TRUNC_SAT_F64_S);
        Ok(false)
    }

    fn visit_i32_trunc_sat_f64_u(&mut self) -> R<bool> {
        self.unary(op::I32_TRUNC_SAT_F64_U);
        Ok(false)
    }

    fn visit_i64_trunc_sat_f32_s(&mut self) -> R<bool> {
        self.unary(op::I64_TRUNC_SAT_F32_S);
        Ok(false)
    }

    fn visit_i64_trunc_sat_f32_u(&mut self) -> R<bool> {
        self.unary(op::I64_TRUNC_SAT_F32_U);
        Ok(false)
    }

    fn visit_i64_trunc_sat_f64_s(&mut self) -> R<bool> {
        self.unary(op::I64_TRUNC_SAT_F64_S);
        Ok(false)
    }

    fn visit_i64_trunc_sat_f64_u(&mut self) -> R<bool> {
        self.unary(op::I64_TRUNC_SAT_F64_U);
        Ok(false)
    }

    fn visit_f32_convert_i32_s(&mut self) -> R<bool> {
        self.unary(op::F32_CONVERT_I32_S);
        Ok(false)
    }

    fn visit_f32_convert_i32_u(&mut self) -> R<bool> {
        self.unary(op::F32_CONVERT_I32_U);
        Ok(false)
    }

    fn visit_f32_convert_i64_s(&mut self) -> R<bool> {
        self.unary(op::F32_CONVERT_I64_S);
        Ok(false)
    }

    fn visit_f32_convert_i64_u(&mut self) -> R<bool> {
        self.unary(op::F32_CONVERT_I64_U);
        Ok(false)
    }

    fn visit_f64_convert_i32_s(&mut self) -> R<bool> {
        self.unary(op::F64_CONVERT_I32_S);
        Ok(false)
    }

    fn visit_f64_convert_i32_u(&mut self) -> R<bool> {
        self.unary(op::F64_CONVERT_I32_U);
        Ok(false)
    }

    fn visit_f64_convert_i64_s(&mut self) -> R<bool> {
        self.unary(op::F64_CONVERT_I64_S);
        Ok(false)
    }

    fn visit_f64_convert_i64_u(&mut self) -> R<bool> {
        self.unary(op::F64_CONVERT_I64_U);
        Ok(false)
    }

    fn visit_f32_demote_f64(&mut self) -> R<bool> {
        self.unary(op::F32_DEMOTE_F64);
        Ok(false)
    }

    fn visit_f64_promote_f32(&mut self) -> R<bool> {
        self.unary(op::F64_PROMOTE_F32);
        Ok(false)
    }

    // Reinterpretations keep the bits: nothing to do.
    fn visit_i32_reinterpret_f32(&mut self) -> R<bool> {
        Ok(false)
    }

    // Reinterpretations keep the bits: nothing to do.
    fn visit_i64_reinterpret_f64(&mut self) -> R<bool> {
        Ok(false)
    }

    // Reinterpretations keep the bits: nothing to do.
    fn visit_f32_reinterpret_i32(&mut self) -> R<bool> {
        Ok(false)
    }

    // Reinterpretations keep the bits: nothing to do.
    fn visit_f64_reinterpret_i64(&mut self) -> R<bool> {
        Ok(false)
    }

    fn visit_memory_copy(&mut self, dst_mem: u32, src_mem: u32) -> R<bool> {
        let [dst, src, len] = self.pop3();
        let imm = MemCopy {
            dst,
            src,
            len,
            dst_mem,
            src_mem,
        };
        self.emit(op::MEMORY_COPY, imm);
        Ok(false)
    }

    fn visit_memory_fill(&mut self, mem: u32) -> R<bool> {
        let [dst, val, len] = self.pop3();
        let imm = MemFill {
            dst,
            val,
            len,
            memory: mem,
        };
        self.emit(op::MEMORY_FILL, imm);
        Ok(false)
    }

    fn visit_memory_init(&mut self, data_index: u32, mem: u32) -> R<bool> {
        let [dst, src, len] = self.pop3();
        let imm = MemInit {
            seg: data_index,
            dst,
            src,
            len,
            memory: mem,
        };
        self.emit(op::MEMORY_INIT, imm);
        Ok(false)
    }

    fn visit_data_drop(&mut self, data_index: u32) -> R<bool> {
        self.emit(op::DATA_DROP, Seg { seg: data_index });
        Ok(false)
    }

    fn visit_table_get(&mut self, table: u32) -> R<bool> {
        let idx = self.pop_slot();
        let dst = self.temp(self.stack.len());
        let pos = self.emit(op::TABLE_GET, TableGet { dst, table, idx });
        self.push_result(pos, dst, None);
        Ok(false)
    }

    fn visit_table_set(&mut self, table: u32) -> R<bool> {
        let val = self.pop_slot();
        let idx = self.pop_slot();
        self.emit(op::TABLE_SET, TableSet { table, idx, val });
        Ok(false)
    }

    fn visit_table_size(&mut self, table: u32) -> R<bool> {
        let dst = self.temp(self.stack.len());
        let pos = self.emit(op::TABLE_SIZE, TableSize { dst, table });
        self.push_result(pos, dst, None);
        Ok(false)
    }

    fn visit_table_grow(&mut self, table: u32) -> R<bool> {
        let delta = self.pop_slot();
        let init = self.pop_slot();
        let dst = self.temp(self.stack.len());
        let pos = self.emit(
            op::TABLE_GROW,
            TableGrow {
                dst,
                table,
                init,
                delta,
            },
        );
        self.push_result(pos, dst, None);
        Ok(false)
    }

    fn visit_table_fill(&mut self, table: u32) -> R<bool> {
        let [idx, val, len] = self.pop3();
        self.emit(
            op::TABLE_FILL,
            TableFill {
                table,
                idx,
                val,
                len,
            },
        );
        Ok(false)
    }

    fn visit_table_copy(&mut self, dst_table: u32, src_table: u32) -> R<bool> {
        let [dst, src, len] = self.pop3();
        self.emit(
            op::TABLE_COPY,
            TableCopy {
                dst_table,
                src_table,
                dst,
                src,
                len,
            },
        );
        Ok(false)
    }

    fn visit_table_init(&mut self, elem_index: u32, table: u32) -> R<bool> {
        let [dst, src, len] = self.pop3();
        self.emit(
            op::TABLE_INIT,
            TableInit {
                table,
                seg: elem_index,
                dst,
                src,
                len,
            },
        );
        Ok(false)
    }

    fn visit_elem_drop(&mut self, elem_index: u32) -> R<bool> {
        self.emit(op::ELEM_DROP, Seg { seg: elem_index });
        Ok(false)
    }

    fn visit_i64_add128(&mut self) -> R<bool> {
        self.wide_128(op::I64_ADD128);
        Ok(false)
    }

    fn visit_i64_sub128(&mut self) -> R<bool> {
        self.wide_128(op::I64_SUB128);
        Ok(false)
    }

    fn visit_i64_mul_wide_s(&mut self) -> R<bool> {
        self.mul_wide(op::I64_MUL_WIDE_S);
        Ok(false)
    }

    fn visit_i64_mul_wide_u(&mut self) -> R<bool> {
        self.mul_wide(op::I64_MUL_WIDE_U);
        Ok(false)
    }

    /// `select` with several result types (a multi-value `select`, not in any proposal
    /// Baton translates).
    fn visit_typed_select_multi(&mut self, _tys: Vec<wasmparser::ValType>) -> R<bool> {
        Err(self.unsupported("operator `TypedSelectMulti`").into())
    }
}

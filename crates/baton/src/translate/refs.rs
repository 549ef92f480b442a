//! Typed function references: `call_ref`, `return_call_ref`, `ref.as_non_null`,
//! `br_on_null` and `br_on_non_null`.
//!
//! A function reference of any type is the cell `ref.func` makes: its function entity's
//! address, or 0 for null. Validation proves each reference's type, so these instructions
//! only ever test for null; `call_ref` needs no signature check (unlike `call_indirect`).

use super::*;

impl FuncTranslator<'_> {
    /// `call_ref $type_index` (or `return_call_ref` when `tail`): calls the function the
    /// reference on top of the stack names, with the arguments below it.
    pub(super) fn call_ref(&mut self, type_index: u32, tail: bool) {
        let ty = self.env.types[type_index as usize].func();
        let (n, m) = (ty.param_cells(), ty.result_cells());
        if !tail {
            if let Some(get) = self.take_table_get() {
                return self.call_ref_table(get, n, m);
            }
        }
        // The reference goes to a temporary above the arguments, where neither moving
        // the arguments nor the callee's frame can overwrite it before it is read (as
        // `call_indirect`'s table index does).
        let r = self.pop();
        let p = self.stack.len();
        if r != Opd::Temp {
            self.move_to(self.temp(p), p, r);
        }
        let callee = self.temp(p);
        self.max_height = self.max_height.max(p + 1);
        if tail {
            self.move_tail_args(n);
            self.emit(op::RETURN_CALL_REF, CallRef { callee, base: 0 });
            self.reachable = false;
            return;
        }
        self.materialize_args(n);
        let base = self.temp(self.stack.len() - n);
        let live = self.traced_temps(self.stack.len() - n);
        // Argument copies just made fold into the call (as for `call_indirect`).
        match self.take_copies() {
            FoldedCopies::None => self.emit(op::CALL_REF, CallRef { callee, base }),
            FoldedCopies::One { dst, src } => self.emit(
                op::CALL_REF_COPY,
                CallRefCopy {
                    callee,
                    base,
                    dst,
                    src,
                },
            ),
            FoldedCopies::Two(c) => self.emit(
                op::CALL_REF_COPY2,
                CallRefCopy2 {
                    callee,
                    base,
                    dst1: c.dst1,
                    src1: c.src1,
                    dst2: c.dst2,
                    src2: c.src2,
                },
            ),
        };
        self.record_call(live);
        self.truncate_stack(self.stack.len() - n);
        for _ in 0..m {
            self.push(Opd::Temp);
        }
    }

    /// The `table.get` just emitted, if it produced the reference on top of the stack and
    /// reads a 32-bit table: taken back out of the code, so that the call reads the table
    /// itself (see [`Self::call_ref_table`]).
    fn take_table_get(&mut self) -> Option<TableGet> {
        let last = self.last?;
        let top = self.stack.len().checked_sub(1)?;
        if self.stack[top] != Opd::Temp || last.dst != self.temp(top) {
            return None;
        }
        let get = self.last_instruction(last.pos, &[op::TABLE_GET])?;
        if self.env.tables.get(get.table as usize)?.is_64() {
            return None;
        }
        self.unemit(last.pos);
        self.last = None;
        Some(get)
    }

    /// `call_ref` of a reference `table.get` just read: one instruction that reads the
    /// element (with `table.get`'s bounds check), tests it for null and calls it, as
    /// `call_indirect` does with its table, minus the signature check, which validation
    /// made unnecessary. The index stays where `table.get` read it: in a local, or in the
    /// temporary of the reference's own stack position, above the arguments, where neither
    /// the argument copies nor the callee's frame can overwrite it before it is read.
    fn call_ref_table(&mut self, get: TableGet, n: usize, m: usize) {
        self.pop();
        let (table, index) = (get.table, get.idx);
        self.materialize_args(n);
        let base = self.temp(self.stack.len() - n);
        let live = self.traced_temps(self.stack.len() - n);
        // (`type_id` is unused: the element's type is the call's.)
        match self.take_copies() {
            FoldedCopies::None => self.emit(
                op::CALL_REF_TABLE,
                CallIndirect {
                    table,
                    type_id: 0,
                    index,
                    base,
                },
            ),
            FoldedCopies::One { dst, src } => self.emit(
                op::CALL_REF_TABLE_COPY,
                CallIndirectCopy {
                    table,
                    type_id: 0,
                    index,
                    base,
                    dst,
                    src,
                },
            ),
            FoldedCopies::Two(c) => self.emit(
                op::CALL_REF_TABLE_COPY2,
                CallIndirectCopy2 {
                    table,
                    type_id: 0,
                    index,
                    base,
                    dst1: c.dst1,
                    src1: c.src1,
                    dst2: c.dst2,
                    src2: c.src2,
                },
            ),
        };
        self.record_call(live);
        self.truncate_stack(self.stack.len() - n);
        for _ in 0..m {
            self.push(Opd::Temp);
        }
    }

    /// `ref.as_non_null`: traps if the reference on top of the stack is null, which stays
    /// where it is otherwise.
    pub(super) fn ref_as_non_null(&mut self) {
        let r = self.pop();
        let p = self.stack.len();
        let slot = self.slot_at(p, r);
        self.emit(
            op::REF_AS_NON_NULL,
            Un {
                dst: slot,
                src: slot,
            },
        );
        // A constant (only `ref.null` can be one here) was just put in its slot.
        self.push(if let Opd::Const(_) = r { Opd::Temp } else { r });
    }

    /// `br_on_null $depth`: branches when the reference on top of the stack is null,
    /// carrying the values below it; otherwise the reference stays.
    pub(super) fn br_on_null(&mut self, depth: u32) {
        let r = self.pop();
        let p = self.stack.len();
        let slot = self.slot_at(p, r);
        self.branch_on_ref(depth, slot, true);
        self.push(if let Opd::Const(_) = r { Opd::Temp } else { r });
    }

    /// `br_on_non_null $depth`: branches when the reference on top of the stack is not
    /// null, carrying it with the values below it; otherwise drops it.
    pub(super) fn br_on_non_null(&mut self, depth: u32) {
        let p = self.stack.len() - 1;
        let r = self.stack[p];
        let slot = self.slot_at(p, r);
        if let Opd::Const(_) = r {
            // (Put in its slot by `slot_at`.)
            self.stack[p] = Opd::Temp;
        }
        self.branch_on_ref(depth, slot, false);
        self.pop();
    }

    /// Branches to `depth` when the reference in `slot` is null (`when_null`) or not,
    /// carrying the top values of the stack as it is now.
    pub(super) fn branch_on_ref(&mut self, depth: u32, slot: Slot, when_null: bool) {
        let (taken, skip) = if when_null {
            (op::BR_IF_EQZ64, op::BR_IF_NEZ64)
        } else {
            (op::BR_IF_NEZ64, op::BR_IF_EQZ64)
        };
        let returns = depth as usize == self.ctrl.len() - 1;
        if !returns && !self.needs_moves(depth) {
            // The values are in place: one conditional branch.
            self.emit_branch(
                depth,
                taken,
                BrCond {
                    cond: slot,
                    offset: 0,
                },
                offset_of!(BrCond, offset),
            );
            return;
        }
        // Values must be moved (or the function returns) only when the branch is taken:
        // branch over the moves otherwise.
        let over = self.emit(
            skip,
            BrCond {
                cond: slot,
                offset: 0,
            },
        );
        let reachable = self.reachable;
        self.br(depth);
        self.reachable = reachable;
        self.patch_to_here(over, field_byte(over, offset_of!(BrCond, offset)));
        self.bind_label();
    }
}

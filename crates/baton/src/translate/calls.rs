//! Calls: direct, indirect and tail calls, with arguments passed in place.

use super::*;

impl FuncTranslator<'_> {
    /// Places the top `n` operands in their own slots (callee frames start there).
    pub(super) fn materialize_args(&mut self, n: usize) {
        let h = self.stack.len();
        for p in h - n..h {
            self.materialize(p);
        }
    }

    pub(super) fn call(&mut self, func: u32, tail: bool) -> R {
        let ty = self.env.func_type(func);
        let (n, m) = (ty.param_cells(), ty.result_cells());
        let imported = func < self.env.num_imported_funcs;
        if !imported {
            self.note_callee(func - self.env.num_imported_funcs);
        }
        if tail {
            self.move_tail_args(n);
            if imported {
                self.emit(op::RETURN_CALL_IMPORT, Call { func, base: 0 });
            } else {
                self.emit(
                    op::RETURN_CALL,
                    Call {
                        func: func - self.env.num_imported_funcs,
                        base: 0,
                    },
                );
            }
            self.reachable = false;
            return Ok(());
        }
        self.materialize_args(n);
        let base = self.temp(self.stack.len() - n);
        let live = self.traced_temps(self.stack.len() - n);
        if imported {
            self.emit(op::CALL_IMPORT, Call { func, base });
        } else {
            let func = func - self.env.num_imported_funcs;
            let ([(dst1, src1), (dst2, src2), (dst3, src3), (dst4, src4)], copies) =
                self.take_arg_copies(4);
            match copies {
                0 => self.emit(op::CALL, Call { func, base }),
                1 => self.emit(
                    op::CALL_COPY,
                    CallCopy {
                        func,
                        base,
                        dst: dst1,
                        src: src1,
                    },
                ),
                2 => self.emit(
                    op::CALL_COPY2,
                    CallCopy2 {
                        func,
                        base,
                        dst1,
                        src1,
                        dst2,
                        src2,
                    },
                ),
                3 => self.emit(
                    op::CALL_COPY3,
                    CallCopy3 {
                        func,
                        base,
                        dst1,
                        src1,
                        dst2,
                        src2,
                        dst3,
                        src3,
                    },
                ),
                _ => self.emit(
                    op::CALL_COPY4,
                    CallCopy4 {
                        func,
                        base,
                        dst1,
                        src1,
                        dst2,
                        src2,
                        dst3,
                        src3,
                        dst4,
                        src4,
                    },
                ),
            };
        }
        self.record_call(live);
        self.truncate_stack(self.stack.len() - n);
        for _ in 0..m {
            self.push(Opd::Temp);
        }
        Ok(())
    }

    /// Records that this code calls defined function `defined` directly (see `callees`).
    fn note_callee(&mut self, defined: u32) {
        // (Repeats of the latest callee are common and cheap to skip; the rest are removed
        // by `take_callees`.)
        if self.callees.last() != Some(&defined) {
            self.callees.push(defined);
        }
    }

    /// The defined functions this code calls directly, each once, in the order of their
    /// first call site.
    pub(crate) fn take_callees(&mut self) -> Box<[u32]> {
        let mut calls: Vec<(u32, u32)> = core::mem::take(&mut self.callees)
            .into_iter()
            .enumerate()
            .map(|(site, f)| (f, site as u32))
            .collect();
        // Sorted by callee, then site: the first of each run is the callee's first site.
        calls.sort_unstable();
        calls.dedup_by_key(|c| c.0);
        calls.sort_unstable_by_key(|c| c.1);
        calls.into_iter().map(|c| c.0).collect()
    }

    pub(super) fn call_indirect(&mut self, type_index: u32, table: u32, tail: bool) {
        let info = self.env.types[type_index as usize];
        let ty = info.func();
        let (n, m) = (ty.param_cells(), ty.result_cells());
        let type_id = ty.type_id().0;
        // Through a type that is not final, the callee may be of a subtype: a handler of
        // its own checks that (without folded copies), and the common handlers compare ids.
        let open = !info.is_final;
        // The index goes to a temporary above the arguments, where neither moving the
        // arguments nor the callee's frame can overwrite it before it is read.
        let idx = self.pop();
        let p = self.stack.len();
        let index = match idx {
            Opd::Temp => self.temp(p),
            o => {
                self.move_to(self.temp(p), p, o);
                self.temp(p)
            }
        };
        self.max_height = self.max_height.max(p + 1);
        if self
            .env
            .tables
            .get(table as usize)
            .is_some_and(|t| t.is_64())
        {
            self.emit(
                op::TABLE_INDEX64,
                Un {
                    dst: index,
                    src: index,
                },
            );
        }
        if tail {
            self.move_tail_args(n);
            let op = if open {
                op::RETURN_CALL_INDIRECT_SUB
            } else {
                op::RETURN_CALL_INDIRECT
            };
            self.emit(
                op,
                CallIndirect {
                    table,
                    type_id,
                    index,
                    base: 0,
                },
            );
            self.reachable = false;
            return;
        }
        self.materialize_args(n);
        let base = self.temp(self.stack.len() - n);
        let live = self.traced_temps(self.stack.len() - n);
        let copies = if open {
            FoldedCopies::None
        } else {
            self.take_copies()
        };
        match copies {
            FoldedCopies::None => self.emit(
                if open {
                    op::CALL_INDIRECT_SUB
                } else {
                    op::CALL_INDIRECT
                },
                CallIndirect {
                    table,
                    type_id,
                    index,
                    base,
                },
            ),
            FoldedCopies::One { dst, src } => self.emit(
                op::CALL_INDIRECT_COPY,
                CallIndirectCopy {
                    table,
                    type_id,
                    index,
                    base,
                    dst,
                    src,
                },
            ),
            FoldedCopies::Two(c) => self.emit(
                op::CALL_INDIRECT_COPY2,
                CallIndirectCopy2 {
                    table,
                    type_id,
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

    /// For a tail call: moves the top `n` operands to slots `0..n` (the reused frame).
    pub(super) fn move_tail_args(&mut self, n: usize) {
        let h = self.stack.len();
        // Locals among the arguments may be overwritten by earlier moves: copy them out.
        for p in h - n..h {
            if let Opd::Local(_) = self.stack[p] {
                self.materialize(p);
            }
        }
        for i in 0..n {
            let p = h - n + i;
            let o = self.stack[p];
            self.move_to(i as Slot, p, o);
        }
    }
}

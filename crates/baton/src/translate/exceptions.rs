//! Exception handling: `try_table`, `throw` and `throw_ref`.
//!
//! A `try_table` emits no instruction. It is a block whose translated body is recorded as
//! a region of the module's [`HandlerTable`], with one clause per catch: the first slot of
//! the catch label's values (where a branch to that label leaves them) and the label's
//! target, patched when the label is bound, as a branch's offset would be. The unwinder
//! (`exec/unwind.rs`) writes the payload there and continues at the target, as if the
//! code had branched. A catch whose label is the function's own (a return) lands on a
//! stub after the function's code that returns those values.
//!
//! Two things keep a region's code exactly what its body was translated to: no fusion
//! reaches across its start or end (both are labels), and the loop-rotation that copies
//! a loop's header to its back edge never copies a header holding a region (a
//! `try_table` counts as a branch; see `loop_head_candidate`).

use super::*;
use crate::exec::unwind::{CatchClause, TryRegion, CATCH_ALL, NO_PARENT};
use wasmparser::{Catch, TryTable};

impl FuncTranslator<'_> {
    pub(super) fn try_table(&mut self, t: TryTable) {
        // The innermost `try_table` around this one in the function, if any.
        let parent = (self.ctrl.iter().rev())
            .find_map(|c| c.try_region)
            .unwrap_or(NO_PARENT);
        // Catch labels count from outside the `try_table`.
        let outside = self.ctrl.len();
        self.begin_block(CtrlKind::Block, t.ty);
        self.bind_label();
        self.branches += 1;
        let start = self.code.pos();
        let handlers = &mut self.code.handlers;
        let first = handlers.catches.len() as u32;
        for catch in &t.catches {
            let (tag, with_ref, label) = match *catch {
                Catch::One { tag, label } => (tag, false, label),
                Catch::OneRef { tag, label } => (tag, true, label),
                Catch::All { label } => (CATCH_ALL, false, label),
                Catch::AllRef { label } => (CATCH_ALL, true, label),
            };
            let index = handlers.catches.len() as u32;
            let target_ctrl = outside - 1 - label as usize;
            let c = &mut self.ctrl[target_ctrl];
            c.branched = true;
            let target = if c.kind == CtrlKind::Loop {
                c.label
            } else if target_ctrl == 0 {
                self.return_catches.push(index);
                0
            } else {
                c.catch_fixups.push(index);
                0
            };
            let dst = self.locals + c.height as Slot;
            handlers.catches.push(CatchClause {
                tag,
                with_ref,
                dst,
                target,
            });
        }
        let count = handlers.catches.len() as u32 - first;
        let region = handlers.regions.len() as u32;
        handlers.regions.push(TryRegion {
            start,
            end: start,
            parent,
            first,
            count,
        });
        self.ctrl.last_mut().expect("just opened").try_region = Some(region);
    }

    /// At the end of a `try_table`'s body: the region ends here.
    pub(super) fn end_try_region(&mut self, region: u32) {
        let end = self.code.pos();
        self.code.handlers.regions[region as usize].end = end;
    }

    /// Where a label is bound: the catches that go to it continue here.
    pub(super) fn bind_catches(&mut self, catches: &[u32]) {
        let here = self.code.pos();
        for &i in catches {
            self.code.handlers.catches[i as usize].target = here;
        }
    }

    /// After the function's code: the stub that the catches to the function's own label
    /// land on, returning the values the unwinder left in the first temporaries.
    pub(super) fn emit_return_landing(&mut self) {
        if self.return_catches.is_empty() {
            return;
        }
        self.bind_label();
        let catches = core::mem::take(&mut self.return_catches);
        self.bind_catches(&catches);
        self.truncate_stack(0);
        for _ in 0..self.num_results {
            self.push(Opd::Temp);
        }
        self.reachable = true;
        self.ret();
    }

    pub(super) fn throw(&mut self, tag: u32) {
        // The payload goes to consecutive cells: its values' own stack slots.
        let cells = self.env.tags[tag as usize].func_type().param_cells();
        let h = self.stack.len();
        for p in h - cells..h {
            self.materialize(p);
        }
        let base = self.temp(h - cells);
        self.emit(op::THROW, Throw { tag, base });
        self.truncate_stack(h - cells);
        self.reachable = false;
    }

    pub(super) fn throw_ref(&mut self) {
        let exn = self.pop_slot();
        self.emit(op::THROW_REF, ThrowRef { exn });
        self.reachable = false;
    }
}

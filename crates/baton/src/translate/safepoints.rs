//! Recording the stack maps (see `crate::stack_maps`) at calls, allocating instructions and
//! (metered code) fuel checks.

use super::*;
use crate::stack_maps::{AT_INSTR, AT_RETURN};

impl FuncTranslator<'_> {
    /// The slots of the operand entries below `upto` that hold traced references in their
    /// own slot (entries that are locals are in the locals' list; constants are never
    /// objects). Empty for code without stack maps.
    pub(super) fn traced_temps(&self, upto: usize) -> Vec<u32> {
        if self.maps.is_none() {
            return Vec::new();
        }
        (self.safepoint_refs.iter())
            .map(|&e| e as usize)
            .filter(|&e| e < upto && self.stack.get(e) == Some(&Opd::Temp))
            .map(|e| self.temp(e))
            .collect()
    }

    /// Records a call just emitted: the caller's frame holds references in `slots` while
    /// the callee runs (found by the return address, the next word).
    pub(super) fn record_call(&mut self, slots: Vec<u32>) {
        let ret = self.code.pos();
        if let Some(maps) = &mut self.maps {
            maps.record(ret, AT_RETURN, &slots);
        }
    }

    /// Records the allocating instruction (or fuel check) emitted at `pos`: the frame holds
    /// references in `slots` while it allocates (or stands stopped there).
    pub(super) fn record_alloc(&mut self, pos: usize, slots: Vec<u32>) {
        if let Some(maps) = &mut self.maps {
            maps.record(pos, AT_INSTR, &slots);
        }
    }

    /// Records the fuel check emitted at `pos`, with the operand stack as it stands: a
    /// resumable call that runs out of fuel stops there, its frame holding the references
    /// of the entries the validator reported (`safepoint_refs`, noted for each operator
    /// that starts a fuel block or charges per element).
    pub(super) fn record_fuel_check(&mut self, pos: usize) {
        if self.maps.is_some() {
            let slots = self.traced_temps(self.stack.len());
            self.record_alloc(pos, slots);
        }
    }

    /// The slots recorded for the instruction point at `pos`, if any: for an instruction
    /// about to be rewritten in place (a fuel check fused into its neighbour).
    pub(super) fn point_slots(&self, pos: usize) -> Option<Vec<u32>> {
        self.maps.as_ref()?.slots_at(pos, AT_INSTR)
    }

    /// Code words `[from, to)` were just copied to `at`: so are the points among them.
    pub(super) fn maps_copied(&mut self, from: usize, to: usize, at: usize) {
        if let Some(maps) = &mut self.maps {
            maps.copied(from, to, at);
        }
    }

    /// The finished stack maps (`None` for code without them).
    pub(crate) fn take_stack_maps(&mut self) -> Option<Box<crate::stack_maps::StackMaps>> {
        self.maps.take().map(|m| Box::new(m.finish()))
    }
}

//! Recording the stack maps (see `crate::stack_maps`) at calls and allocating instructions.

use super::*;
use crate::stack_maps::{AT_ALLOC, AT_RETURN};

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

    /// Records the allocating instruction emitted at `pos`: the frame holds references in
    /// `slots` while it allocates.
    pub(super) fn record_alloc(&mut self, pos: usize, slots: Vec<u32>) {
        if let Some(maps) = &mut self.maps {
            maps.record(pos, AT_ALLOC, &slots);
        }
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

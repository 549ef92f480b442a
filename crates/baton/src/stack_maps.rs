//! Stack maps: which slots of a function's frame hold references the collector traces, at
//! each point where a collection can happen while the frame is live.
//!
//! A collection runs inside an allocating instruction (`struct.new`, `array.new`...), and
//! every frame below the allocating one is suspended in a call. So the points are the
//! allocating instructions (the frame allocating, operands included) and the calls (the
//! caller's frame, below the arguments, which belong to the callee's frame). In metered
//! code the fuel checks are points too: a resumable call that runs out of fuel stops at
//! one, and the host may collect before it resumes. The
//! translator knows, at each, which operand stack entries hold such references (the
//! validator's types, see `translate/pass.rs`) and which of those sit in their own slot;
//! the function's reference-typed locals are listed once for all points (and always zeroed
//! on entry, so that one not assigned yet reads as null).
//!
//! Only modules whose types can hold objects (`ModuleEnv::stack_maps`) have maps; a frame
//! of code without them holds no object.

/// A point's kind: a call, found by its return address (the word after the call).
pub(crate) const AT_RETURN: u32 = 0;
/// A point's kind: an instruction the frame may stop at (an allocating instruction, a fuel
/// check), found by its first word.
pub(crate) const AT_INSTR: u32 = 1;

/// One function's stack maps (see the module's documentation).
#[derive(Debug, Default)]
pub(crate) struct StackMaps {
    /// Each point: its key (`position * 2 + kind`, ascending) and the end of its slots in
    /// `slots` (they start at the previous point's end).
    points: Box<[(u32, u32)]>,
    slots: Box<[u32]>,
    /// The cells of the locals (parameters included) that hold traced references.
    locals: Box<[u32]>,
}

impl StackMaps {
    /// The operand slots holding traced references at the point of `kind` at word
    /// `pos`, or `None` if no point is recorded there.
    pub(crate) fn at(&self, pos: usize, kind: u32) -> Option<&[u32]> {
        let key = (pos as u32).checked_mul(2)? + kind;
        let i = self.points.binary_search_by_key(&key, |p| p.0).ok()?;
        let start = if i == 0 { 0 } else { self.points[i - 1].1 };
        Some(&self.slots[start as usize..self.points[i].1 as usize])
    }

    /// The local cells holding traced references (at every point).
    pub(crate) fn locals(&self) -> &[u32] {
        &self.locals
    }
}

/// Stack maps in the making, point by point as the translator emits the instructions.
#[derive(Default)]
pub(crate) struct StackMapBuilder {
    /// Each point: its position, kind, and its slots' start in `slots`.
    points: Vec<(u32, u32, u32)>,
    slots: Vec<u32>,
    locals: Vec<u32>,
}

impl StackMapBuilder {
    /// Maps for a function whose traced locals are the cells `locals`.
    pub(crate) fn new(locals: Vec<u32>) -> Self {
        StackMapBuilder {
            locals,
            ..Default::default()
        }
    }

    /// Records the point of `kind` at word `pos`, where `slots` hold traced references.
    pub(crate) fn record(&mut self, pos: usize, kind: u32, slots: &[u32]) {
        self.points
            .push((pos as u32, kind, self.slots.len() as u32));
        self.slots.extend_from_slice(slots);
    }

    /// The slots recorded for the point of `kind` at word `pos`, if any.
    pub(crate) fn slots_at(&self, pos: usize, kind: u32) -> Option<Vec<u32>> {
        let i = (self.points.iter()).rposition(|p| p.0 as usize == pos && p.1 == kind)?;
        let end = self
            .points
            .get(i + 1)
            .map_or(self.slots.len(), |p| p.2 as usize);
        Some(self.slots[self.points[i].2 as usize..end].to_vec())
    }

    /// The code words `[from, to)` were copied to `at`: the points among them hold there too.
    pub(crate) fn copied(&mut self, from: usize, to: usize, at: usize) {
        let n = self.points.len();
        for i in 0..n {
            let (pos, kind, start) = self.points[i];
            // A return address may be the copied range's end: the call is inside it.
            let inside = match kind {
                AT_RETURN => pos as usize > from && pos as usize <= to,
                _ => pos as usize >= from && (pos as usize) < to,
            };
            if inside {
                let end = self
                    .points
                    .get(i + 1)
                    .map_or(self.slots.len(), |p| p.2 as usize);
                let slots: Vec<u32> = self.slots[start as usize..end].to_vec();
                self.record(pos as usize - from + at, kind, &slots);
            }
        }
    }

    /// The code from word `pos` on was taken back: so are its points.
    pub(crate) fn truncate(&mut self, pos: usize) {
        let keep = self
            .points
            .iter()
            .take_while(|p| (p.0 as usize) < pos || (p.1 == AT_RETURN && p.0 as usize == pos));
        let n = keep.count();
        if let Some(&(_, _, start)) = self.points.get(n) {
            self.slots.truncate(start as usize);
        }
        self.points.truncate(n);
    }

    /// The finished maps.
    pub(crate) fn finish(self) -> StackMaps {
        let mut points: Vec<(u32, &[u32])> = Vec::with_capacity(self.points.len());
        for (i, &(pos, kind, start)) in self.points.iter().enumerate() {
            let end = self
                .points
                .get(i + 1)
                .map_or(self.slots.len(), |p| p.2 as usize);
            points.push((pos * 2 + kind, &self.slots[start as usize..end]));
        }
        // Copies come after the code they copy; a point recorded twice (never expected)
        // keeps its first record.
        points.sort_by_key(|p| p.0);
        points.dedup_by_key(|p| p.0);
        let mut slots = Vec::new();
        let mut out = Vec::with_capacity(points.len());
        for (key, s) in points {
            slots.extend_from_slice(s);
            out.push((key, slots.len() as u32));
        }
        StackMaps {
            points: out.into_boxed_slice(),
            slots: slots.into_boxed_slice(),
            locals: self.locals.into_boxed_slice(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_found_by_position_and_kind_and_follow_copies() {
        let mut b = StackMapBuilder::new(vec![1]);
        b.record(4, AT_INSTR, &[7, 8]);
        b.record(10, AT_RETURN, &[7]);
        b.record(12, AT_INSTR, &[]);
        b.copied(3, 10, 20);
        b.record(40, AT_INSTR, &[9]);
        b.truncate(40);
        let m = b.finish();
        assert_eq!(m.at(4, AT_INSTR), Some(&[7, 8][..]));
        assert_eq!(m.at(4, AT_RETURN), None);
        assert_eq!(m.at(10, AT_RETURN), Some(&[7][..]));
        assert_eq!(m.at(12, AT_INSTR), Some(&[][..]));
        assert_eq!(
            m.at(21, AT_INSTR),
            Some(&[7, 8][..]),
            "the copy of the point at 4"
        );
        assert_eq!(
            m.at(27, AT_RETURN),
            Some(&[7][..]),
            "a call ending the copied range"
        );
        assert_eq!(m.at(40, AT_INSTR), None, "taken back");
        assert_eq!(m.locals(), &[1]);
    }
}

//! The wide-arithmetic proposal: 128-bit addition and subtraction on pairs of i64s, and
//! 64×64→128-bit multiplication. Each instruction produces two results, the low half in
//! the slot of its stack position and the high half in the next one.

use super::*;

impl FuncTranslator<'_> {
    /// `i64.add128` / `i64.sub128`: pops `a_lo a_hi b_lo b_hi`, pushes `lo hi`.
    pub(super) fn wide_128(&mut self, op: Op<Wide128>) {
        let d = self.pop();
        let c = self.pop();
        let b = self.pop();
        let a = self.pop();
        let p = self.stack.len();
        // Each operand keeps its own stack position, so materialising one constant
        // cannot clobber another.
        let imm = Wide128 {
            dst: self.temp(p),
            a_lo: self.slot_at(p, a),
            a_hi: self.slot_at(p + 1, b),
            b_lo: self.slot_at(p + 2, c),
            b_hi: self.slot_at(p + 3, d),
        };
        self.emit(op, imm);
        self.push_pair();
    }

    /// `i64.mul_wide_s` / `i64.mul_wide_u`: pops `a b`, pushes `lo hi` of `a * b`.
    pub(super) fn mul_wide(&mut self, op: Op<BinRR>) {
        let b = self.pop();
        let a = self.pop();
        let p = self.stack.len();
        let imm = BinRR {
            dst: self.temp(p),
            a: self.slot_at(p, a),
            b: self.slot_at(p + 1, b),
        };
        self.emit(op, imm);
        self.push_pair();
    }

    /// Pushes the two results of the instruction just emitted. Neither is recorded as
    /// `last`: retargeting a result into a local (`local.set` right after) moves one slot,
    /// and the high half would be left behind.
    fn push_pair(&mut self) {
        self.last = None;
        self.push(Opd::Temp);
        self.push(Opd::Temp);
    }
}

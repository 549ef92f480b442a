//! Numeric operators: unary and binary operations with their register, immediate and
//! accumulator forms.

use super::*;

impl FuncTranslator<'_> {
    pub(super) fn unary(&mut self, op: UnOp) {
        let a = self.pop();
        let p = self.stack.len();
        let dst = self.temp(p);
        let (pos, acc) = if self.in_acc_as(a, p, op.acc_in) {
            self.route_through_acc();
            (self.emit(op.a, Un { dst, src: 0 }), op.a_a)
        } else {
            let src = self.slot_at(p, a);
            (self.emit(op.r, Un { dst, src }), op.r_a)
        };
        self.push_result_acc_as(pos, dst, None, Some(acc.erase()), op.acc_out);
    }

    /// A float binary operation of 32-bit floats (immediates in 32-bit fields).
    pub(super) fn bin32(&mut self, op: &BinOp<BinRI32>) {
        self.float_bin(op, None, false, f32_imm)
    }

    /// A float binary operation of 64-bit floats.
    pub(super) fn bin64(&mut self, op: &BinOp<BinRI64>) {
        self.float_bin(op, None, true, f64_imm)
    }

    /// A comparison of 32-bit floats, which a following branch may absorb.
    pub(super) fn cmp_f32(&mut self, op: &BinOp<BinRI32>, cond: Cond) {
        self.float_bin(op, Some(cond), false, f32_imm)
    }

    /// A comparison of 64-bit floats, which a following branch may absorb.
    pub(super) fn cmp_f64(&mut self, op: &BinOp<BinRI64>, cond: Cond) {
        self.float_bin(op, Some(cond), true, f64_imm)
    }

    /// A float binary operation: a constant operand (its bits) goes into the instruction,
    /// a result of the previous instruction comes through the accumulator. A comparison
    /// (`cmp` its condition) reads its operands from slots instead, so that a following
    /// branch can absorb it, as integer comparisons do.
    fn float_bin<L: Layout>(
        &mut self,
        op: &BinOp<L>,
        cmp: Option<Cond>,
        is64: bool,
        ri: impl Fn(Slot, Slot, u64) -> L,
    ) {
        let b = self.pop();
        let a = self.pop();
        let p = self.stack.len();
        let dst = self.temp(p);
        let imm = op
            .imm
            .as_ref()
            .expect("float operations have immediate forms");
        let acc_ok = cmp.is_none();
        // The operands' accumulator, and the result's: a comparison's is an integer.
        let class = if is64 { AccClass::F64 } else { AccClass::F32 };
        let out_class = if acc_ok { class } else { AccClass::Int };
        let fused = |cond: Cond, a: Slot, b: Operand| Cmp { is64, cond, a, b };
        let (pos, acc, cmp) = match (a, b) {
            (_, Opd::Const(k)) if !matches!(a, Opd::Const(_)) => {
                if acc_ok && self.in_acc_as(a, p, class) {
                    self.route_through_acc();
                    (self.emit(imm.ai, ri(dst, 0, k)), imm.ai_a.erase(), None)
                } else {
                    let sa = self.slot_at(p, a);
                    let c = cmp.map(|c| fused(c, sa, Operand::Imm(k as i64)));
                    (self.emit(imm.ri, ri(dst, sa, k)), imm.ri_a.erase(), c)
                }
            }
            (Opd::Const(k), _) if !matches!(b, Opd::Const(_)) => {
                if acc_ok && self.in_acc_as(b, p + 1, class) {
                    self.route_through_acc();
                    (self.emit(imm.ia, ri(dst, 0, k)), imm.ia_a.erase(), None)
                } else {
                    // `k op b`: a branch tests `b op' k`, the swapped condition (exact for
                    // floats too: both are false when either is NaN).
                    let sb = self.slot_at(p + 1, b);
                    let c = cmp.map(|c| fused(c.swap(), sb, Operand::Imm(k as i64)));
                    (self.emit(imm.ir, ri(dst, sb, k)), imm.ir_a.erase(), c)
                }
            }
            _ if acc_ok && self.in_acc_as(b, p + 1, class) && !matches!(a, Opd::Const(_)) => {
                let sa = self.slot_at(p, a);
                if let Some(fused) = self.fuse_float_mul_add(op, sa, false, dst) {
                    return self.push_result_acc_as(fused.0, dst, None, Some(fused.1), class);
                }
                self.route_through_acc();
                (
                    self.emit(op.ra, BinRR { dst, a: sa, b: 0 }),
                    op.ra_a.erase(),
                    None,
                )
            }
            _ if acc_ok && self.in_acc_as(a, p, class) && !matches!(b, Opd::Const(_)) => {
                let sb = self.slot_at(p + 1, b);
                if let Some(fused) = self.fuse_float_mul_add(op, sb, true, dst) {
                    return self.push_result_acc_as(fused.0, dst, None, Some(fused.1), class);
                }
                self.route_through_acc();
                (
                    self.emit(op.ar, BinRR { dst, a: 0, b: sb }),
                    op.ar_a.erase(),
                    None,
                )
            }
            _ => {
                let sa = self.slot_at(p, a);
                let sb = self.slot_at(p + 1, b);
                let c = cmp.map(|c| fused(c, sa, Operand::Slot(sb)));
                (
                    self.emit(op.rr, BinRR { dst, a: sa, b: sb }),
                    op.rr_a.erase(),
                    c,
                )
            }
        };
        self.push_result_acc_as(pos, dst, cmp, Some(acc), out_class);
    }

    /// The two comparisons just computed into stack positions `p` and `p + 1`, one right
    /// after the other, and where the first one's code starts.
    fn comparison_pair(&self, p: usize) -> Option<Conjunction> {
        let (first, second) = (self.prev_last?, self.last?);
        let both = Conjunction {
            // (Set to the `and`'s position once it is emitted.)
            pos: 0,
            start: first.start,
            first: first.cmp?,
            second: second.cmp?,
            negated: false,
        };
        // (`prev_last` is the instruction emitted before `last` only while no label came
        // between them: binding one forgets `last`.)
        let adjacent = self.recent.before_last() == Some(first.pos)
            && self.recent.last() == Some(second.pos)
            && second.start == second.pos;
        (adjacent && first.dst == self.temp(p) && second.dst == self.temp(p + 1)).then_some(both)
    }

    pub(super) fn eqz(&mut self, is64: bool) {
        // The negation of a comparison just computed (clang's way to branch when a float
        // comparison is false): a branch on it tests the negated comparison, and absorbs
        // both instructions.
        let p = self.stack.len().saturating_sub(1);
        let negated = match (self.stack.last(), self.last) {
            (
                Some(Opd::Temp),
                Some(Last {
                    start,
                    dst,
                    cmp: Some(c),
                    ..
                }),
            ) if dst == self.temp(p) && !is64 => Some((start, c)),
            _ => None,
        };
        // The negation of a conjunction just computed: still one for a branch to test.
        let conjunction = match self.stack.last() {
            Some(&cond) if !is64 => self.pending_conjunction(cond, p),
            _ => None,
        };
        let src = self.pop_slot();
        let dst = self.temp(self.stack.len());
        let op = if is64 { op::I64_EQZ } else { op::I32_EQZ };
        // `eqz` reads its operand from a slot, so a following branch can absorb it.
        let pos = self.emit(op.r, Un { dst, src });
        let cmp = match negated {
            Some((_, c)) => Cmp {
                cond: c.cond.negate(),
                ..c
            },
            None => Cmp {
                is64,
                cond: Cond::Eq,
                a: src,
                b: Operand::Zero,
            },
        };
        self.push_result_acc(pos, dst, Some(cmp), Some(op.r_a.erase()));
        if let (Some((start, _)), Some(last)) = (negated, self.last.as_mut()) {
            last.start = start;
        }
        self.conjunction = conjunction.map(|c| Conjunction {
            pos,
            negated: !c.negated,
            ..c
        });
    }

    pub(super) fn int_bin32(&mut self, f: IntBin<BinRI32>) {
        self.int_bin(f, false, |dst, a, imm| BinRI32 {
            dst,
            a,
            imm: imm as i32,
        })
    }

    pub(super) fn int_bin64(&mut self, f: IntBin<BinRI64>) {
        self.int_bin(f, true, |dst, a, imm| BinRI64 { dst, a, imm })
    }

    /// An integer binary operation: picks the form by where the operands are (slot,
    /// constant, accumulator). Comparisons never read the accumulator, so that a
    /// following branch can still absorb them (their operands must be in slots).
    pub(super) fn int_bin<L: Layout>(
        &mut self,
        f: IntBin<L>,
        is64: bool,
        ri: impl Fn(Slot, Slot, i64) -> L,
    ) {
        let b = self.pop();
        let a = self.pop();
        let p = self.stack.len();
        let dst = self.temp(p);
        // `and` with 1 of a comparison just computed (a `bool` kept in an integer, as
        // compilers emit it) is that comparison: 0 or 1 already. Nothing is emitted, so a
        // branch on it still absorbs the comparison.
        // (With the constant first, the comparison's value is a slot higher: not free.)
        if f.op.rr.code == op::I32_AND.rr.code
            && (a, b) == (Opd::Temp, Opd::Const(1))
            && self.pending_cmp(a, p).is_some()
        {
            self.push(Opd::Temp);
            return;
        }
        // The `and` of two comparisons just computed: recorded, for a branch to test them.
        let conjunction = if f.op.rr.code == op::I32_AND.rr.code && (a, b) == (Opd::Temp, Opd::Temp)
        {
            self.comparison_pair(p)
        } else {
            None
        };
        let as_imm = |v: u64| {
            if is64 {
                v as i64
            } else {
                v as u32 as i32 as i64
            }
        };
        let op = f.op;
        let imm = op
            .imm
            .as_ref()
            .expect("integer operations have immediate forms");
        let acc_ok = f.cmp.is_none();
        let (pos, acc, cmp) = match (a, b) {
            (_, Opd::Const(cb)) if !matches!(a, Opd::Const(_)) => {
                let k = as_imm(cb);
                if acc_ok && self.in_acc(a, p) {
                    if let Some(fused) = self
                        .fuse_shr_and(&f, is64, k, dst)
                        .or_else(|| self.fuse_and_shl(&f, is64, k, dst))
                        .or_else(|| self.fuse_mul_add(&f, is64, Operand::Imm(k), dst))
                    {
                        return self.push_result_acc(fused.0, dst, None, Some(fused.1));
                    }
                    self.route_through_acc();
                    (self.emit(imm.ai, ri(dst, 0, k)), imm.ai_a.erase(), None)
                } else {
                    let add =
                        f.op.rr.code == op::I32_ADD.rr.code || f.op.rr.code == op::I64_ADD.rr.code;
                    let sub =
                        f.op.rr.code == op::I32_SUB.rr.code || f.op.rr.code == op::I64_SUB.rr.code;
                    if add || sub {
                        if let Some(pos) = self.fuse_global_get_add(a, p, k, add, is64, dst) {
                            return self.push_result(pos, dst, None);
                        }
                    }
                    let sa = self.slot_at(p, a);
                    let cmp = f.cmp.map(|cond| Cmp {
                        is64,
                        cond,
                        a: sa,
                        b: Operand::Imm(k),
                    });
                    (self.emit(imm.ri, ri(dst, sa, k)), imm.ri_a.erase(), cmp)
                }
            }
            (Opd::Const(ca), _) if !matches!(b, Opd::Const(_)) => {
                let k = as_imm(ca);
                let b_acc = acc_ok && self.in_acc(b, p + 1);
                if let Some(cond) = f.cmp {
                    // `c op b` as `b op' c`: comparisons swap their condition.
                    let swapped = cmp_op(cond.swap(), is64, f.swapped);
                    let sw = swapped
                        .and_then(|o| o.imm)
                        .expect("comparisons have a swapped form");
                    let sb = self.slot_at(p + 1, b);
                    let cmp = Some(Cmp {
                        is64,
                        cond: cond.swap(),
                        a: sb,
                        b: Operand::Imm(k),
                    });
                    (self.emit(sw.ri, ri(dst, sb, k)), sw.ri_a.erase(), cmp)
                } else if f.commutative {
                    if b_acc {
                        if let Some(fused) = self.fuse_mul_add(&f, is64, Operand::Imm(k), dst) {
                            return self.push_result_acc(fused.0, dst, None, Some(fused.1));
                        }
                        self.route_through_acc();
                        (self.emit(imm.ai, ri(dst, 0, k)), imm.ai_a.erase(), None)
                    } else {
                        let sb = self.slot_at(p + 1, b);
                        (self.emit(imm.ri, ri(dst, sb, k)), imm.ri_a.erase(), None)
                    }
                } else if b_acc {
                    self.route_through_acc();
                    (self.emit(imm.ia, ri(dst, 0, k)), imm.ia_a.erase(), None)
                } else {
                    let sb = self.slot_at(p + 1, b);
                    (self.emit(imm.ir, ri(dst, sb, k)), imm.ir_a.erase(), None)
                }
            }
            _ if acc_ok && !matches!(a, Opd::Const(_)) && self.in_acc(b, p + 1) => {
                let sa = self.slot_at(p, a);
                if let Some(fused) = self
                    .fuse_add_shl(&f, is64, sa, dst)
                    .or_else(|| self.fuse_mul_add(&f, is64, Operand::Slot(sa), dst))
                    .or_else(|| self.fuse_add_shr_and(&f, is64, sa, dst))
                {
                    return self.push_result_acc(fused.0, dst, None, Some(fused.1));
                }
                self.route_through_acc();
                (
                    self.emit(op.ra, BinRR { dst, a: sa, b: 0 }),
                    op.ra_a.erase(),
                    None,
                )
            }
            _ if acc_ok && !matches!(b, Opd::Const(_)) && self.in_acc(a, p) => {
                let sb = self.slot_at(p + 1, b);
                if let Some(fused) = self
                    .fuse_add_shl(&f, is64, sb, dst)
                    .or_else(|| self.fuse_mul_add(&f, is64, Operand::Slot(sb), dst))
                    .or_else(|| self.fuse_add_shr_and(&f, is64, sb, dst))
                {
                    return self.push_result_acc(fused.0, dst, None, Some(fused.1));
                }
                self.route_through_acc();
                (
                    self.emit(op.ar, BinRR { dst, a: 0, b: sb }),
                    op.ar_a.erase(),
                    None,
                )
            }
            _ => {
                let sa = self.slot_at(p, a);
                let sb = self.slot_at(p + 1, b);
                let cmp = f.cmp.map(|cond| Cmp {
                    is64,
                    cond,
                    a: sa,
                    b: Operand::Slot(sb),
                });
                (
                    self.emit(op.rr, BinRR { dst, a: sa, b: sb }),
                    op.rr_a.erase(),
                    cmp,
                )
            }
        };
        self.push_result_acc(pos, dst, cmp, Some(acc));
        self.conjunction = conjunction.map(|c| Conjunction { pos, ..c });
    }
}

/// A 32-bit float constant's bits as the immediate of a `BinRI32`.
fn f32_imm(dst: Slot, a: Slot, bits: u64) -> BinRI32 {
    BinRI32 {
        dst,
        a,
        imm: bits as u32 as i32,
    }
}

/// A 64-bit float constant's bits as the immediate of a `BinRI64`.
fn f64_imm(dst: Slot, a: Slot, bits: u64) -> BinRI64 {
    BinRI64 {
        dst,
        a,
        imm: bits as i64,
    }
}

/// The operation of comparison `cond` in the table `ops` (ordered as [`Cond`]).
pub(super) fn cmp_op<L: Copy>(
    cond: Cond,
    _is64: bool,
    ops: &'static [BinOp<L>; 10],
) -> Option<BinOp<L>> {
    Some(ops[cond as usize])
}

/// The i32 comparisons, in [`Cond`] order.
static I32_CMPS: [BinOp<BinRI32>; 10] = [
    op::I32_EQ,
    op::I32_NE,
    op::I32_LT_S,
    op::I32_LT_U,
    op::I32_GT_S,
    op::I32_GT_U,
    op::I32_LE_S,
    op::I32_LE_U,
    op::I32_GE_S,
    op::I32_GE_U,
];

/// The i64 comparisons, in [`Cond`] order.
static I64_CMPS: [BinOp<BinRI64>; 10] = [
    op::I64_EQ,
    op::I64_NE,
    op::I64_LT_S,
    op::I64_LT_U,
    op::I64_GT_S,
    op::I64_GT_U,
    op::I64_LE_S,
    op::I64_LE_U,
    op::I64_GE_S,
    op::I64_GE_U,
];

static NO_CMPS32: [BinOp<BinRI32>; 10] = I32_CMPS;
static NO_CMPS64: [BinOp<BinRI64>; 10] = I64_CMPS;

pub(super) fn comm32(op: &'static BinOp<BinRI32>) -> IntBin<BinRI32> {
    IntBin {
        op,
        commutative: true,
        cmp: None,
        swapped: &NO_CMPS32,
    }
}
pub(super) fn noncomm32(op: &'static BinOp<BinRI32>) -> IntBin<BinRI32> {
    IntBin {
        op,
        commutative: false,
        cmp: None,
        swapped: &NO_CMPS32,
    }
}
pub(super) fn comm64(op: &'static BinOp<BinRI64>) -> IntBin<BinRI64> {
    IntBin {
        op,
        commutative: true,
        cmp: None,
        swapped: &NO_CMPS64,
    }
}
pub(super) fn noncomm64(op: &'static BinOp<BinRI64>) -> IntBin<BinRI64> {
    IntBin {
        op,
        commutative: false,
        cmp: None,
        swapped: &NO_CMPS64,
    }
}
pub(super) fn cmp32(cond: Cond) -> IntBin<BinRI32> {
    IntBin {
        op: &I32_CMPS[cond as usize],
        commutative: false,
        cmp: Some(cond),
        swapped: &I32_CMPS,
    }
}
pub(super) fn cmp64(cond: Cond) -> IntBin<BinRI64> {
    IntBin {
        op: &I64_CMPS[cond as usize],
        commutative: false,
        cmp: Some(cond),
        swapped: &I64_CMPS,
    }
}

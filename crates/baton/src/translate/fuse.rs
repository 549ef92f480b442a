//! Superinstructions: folding an instruction into the one emitted just before it, and
//! threading jumps once a function is complete.
//!
//! Every fusion here checks that the two instructions are adjacent in the code
//! (`recent`, `last`) and that no branch target lies between them (`label_at`), and reads
//! the earlier instruction back from the code buffer. The pairs were chosen from dispatch
//! bigrams measured over the benchmark workloads (see docs/architecture.md).

use super::*;
use crate::exec::ops::Vias;
use crate::ir::{Cut, OpCode};
use std::sync::OnceLock;

impl FuncTranslator<'_> {
    /// Emits `dst = src`, merged with a copy emitted just before into one `copy2`; a copy
    /// straight back (`b = a` after `a = b`) is dropped.
    pub(super) fn emit_copy(&mut self, dst: Slot, src: Slot) {
        if let Some(pos) = self.recent.last() {
            if let Some(Un {
                dst: dst1,
                src: src1,
            }) = self.last_instruction(pos, &[op::COPY])
            {
                if dst1 == src && src1 == dst {
                    self.last = None;
                    return;
                }
                self.unemit(pos);
                let copy2 = Copy2 {
                    dst1,
                    src1,
                    dst2: dst,
                    src2: src,
                };
                self.emit(op::COPY2, copy2);
                return;
            }
        }
        self.emit(op::COPY, Un { dst, src });
    }

    /// Takes the copy or `copy2` emitted just before a call back out of the code, to be
    /// made by the call instruction itself (see [`Self::take_arg_copies`]).
    pub(super) fn take_copies(&mut self) -> FoldedCopies {
        let ([(dst1, src1), (dst2, src2), ..], n) = self.take_arg_copies(2);
        match n {
            0 => FoldedCopies::None,
            1 => FoldedCopies::One {
                dst: dst1,
                src: src1,
            },
            _ => FoldedCopies::Two(Copy2 {
                dst1,
                src1,
                dst2,
                src2,
            }),
        }
    }

    /// Takes the copies (`copy` and `copy2` instructions, at most two of them and at most
    /// `most` copies) emitted just before a call back out of the code, to be made by the
    /// call instruction itself: they mostly move arguments into place, and each instruction
    /// taken is a dispatch fewer. Only copies that give the same result when made twice are
    /// taken (none reads a slot that one of them writes): a call that finds no room for its
    /// frame runs again from the start. Returns them in program order, and how many.
    pub(super) fn take_arg_copies(&mut self, most: usize) -> ([(Slot, Slot); 4], usize) {
        let mut copies = [(0, 0); 4];
        let mut n = 0;
        for _ in 0..2 {
            let Some(pos) = self.recent.last() else { break };
            let (found, k) = if let Some(Un { dst, src }) = self.last_instruction(pos, &[op::COPY])
            {
                ([(dst, src), (0, 0)], 1)
            } else if let Some(c) = self.last_instruction(pos, &[op::COPY2]) {
                ([(c.dst1, c.src1), (c.dst2, c.src2)], 2)
            } else {
                break;
            };
            if n + k > most.min(copies.len()) {
                break;
            }
            // The earlier instruction's copies come first.
            let mut all = [(0, 0); 4];
            all[..k].copy_from_slice(&found[..k]);
            all[k..k + n].copy_from_slice(&copies[..n]);
            let all = &all[..k + n];
            if !all
                .iter()
                .all(|&(_, src)| all.iter().all(|&(dst, _)| dst != src))
            {
                break;
            }
            copies[..all.len()].copy_from_slice(all);
            n = all.len();
            self.unemit(pos);
        }
        (copies, n)
    }

    /// Emits an unconditional branch with a zero offset, merged with a copy or constant
    /// emitted just before it; returns the positions of the instruction and of its offset
    /// field.
    pub(super) fn emit_br(&mut self) -> (usize, usize) {
        if let Some(pos) = self.recent.last() {
            if let Some(Un { dst, src }) = self.last_instruction(pos, &[op::COPY]) {
                self.unemit(pos);
                let pos = self.emit(
                    op::COPY_BR,
                    CopyBr {
                        dst,
                        src,
                        offset: 0,
                    },
                );
                return (pos, field_byte(pos, offset_of!(CopyBr, offset)));
            }
            if let Some(Const { dst, val, .. }) = self.last_instruction(pos, &[op::CONST]) {
                self.unemit(pos);
                let pos = self.emit(
                    op::CONST_BR,
                    ConstBr {
                        dst,
                        offset: 0,
                        val,
                    },
                );
                return (pos, field_byte(pos, offset_of!(ConstBr, offset)));
            }
        }
        let pos = self.emit(op::BR, Br { offset: 0 });
        (pos, field_byte(pos, offset_of!(Br, offset)))
    }

    /// Folds `x = x + step` (the instruction just emitted, i32, `step` a slot or a
    /// constant) and a following branch on `x <cond> limit` into one add-and-branch: the
    /// back edge of most counted loops. Returns the fused instruction's position and its
    /// offset field's byte, or `None` (nothing emitted) when the pattern does not match.
    pub(super) fn fuse_add_branch(&mut self, cmp: Cmp, cond: Cond) -> Option<(usize, usize)> {
        if cond.is_float() {
            return None;
        }
        let pos = self.recent.last()?;
        // The add must end right here, and nothing may branch to the point between the two.
        // (All the adds below take two words: `BinRR`, `BinRI32` and `BinRI64` alike.)
        const _: () = assert!(words::<BinRR>() == words::<BinRI64>());
        if pos + words::<BinRR>() != self.code.pos() || self.label_at > pos {
            return None;
        }
        let code = self.code.op_at(pos)?;
        // The counter's add, of the comparison's width: `x = x + step` with `step` a slot or
        // a constant (an `i64` one only if it fits the instruction's 32-bit immediate).
        let (x, step) = if cmp.is64 {
            let (add, sub) = (op::I64_ADD.imm?, op::I64_SUB.imm?);
            let is = |op: Op<BinRI64>| code == op.code;
            if code == op::I64_ADD.rr.code {
                let BinRR { dst, a, b } = self.code.imm(pos);
                (dst, Self::other_operand(dst, a, b)?)
            } else if is(add.ri) || is(add.ir) || is(sub.ri) {
                let BinRI64 { dst, a, imm } = self.code.imm(pos);
                let step = if is(sub.ri) { imm.checked_neg()? } else { imm };
                i32::try_from(step).ok()?;
                (a == dst).then_some((dst, Operand::Imm(step)))?
            } else {
                return None;
            }
        } else {
            let is = |op: Op<BinRI32>| code == op.code;
            let (add, sub) = (op::I32_ADD.imm?, op::I32_SUB.imm?);
            if code == op::I32_ADD.rr.code {
                let BinRR { dst, a, b } = self.code.imm(pos);
                (dst, Self::other_operand(dst, a, b)?)
            } else if is(add.ri) || is(add.ir) || is(sub.ri) {
                let BinRI32 { dst, a, imm } = self.code.imm(pos);
                let step = if is(sub.ri) { imm.wrapping_neg() } else { imm };
                (a == dst).then_some((dst, Operand::Imm(step as i64)))?
            } else {
                return None;
            }
        };
        // The comparison must test `x` (on either side).
        let (cond, limit) = match cmp.b {
            _ if cmp.a == x => (cond, cmp.b),
            Operand::Slot(b) if b == x => (cond.swap(), Operand::Slot(cmp.a)),
            _ => return None,
        };
        let limit = match limit {
            Operand::Zero => Operand::Imm(0),
            // (An `i64` limit must fit the 32-bit immediate.)
            Operand::Imm(l) if i32::try_from(l).is_err() => return None,
            other => other,
        };
        let ops = if cmp.is64 {
            cond.add_branch64()?
        } else {
            cond.add_branch()?
        };
        // In metered code the back edge charges the next iteration just before the add
        // (see `rotated_back_edge`): that charge joins the instruction too.
        // Not the open block's own charge: its amount is still being patched as operators
        // are translated (`charge`), at the position of its `fuel` instruction.
        let fuel = self.recent.before_last().filter(|&f| {
            f + words::<Fuel>() == pos
                && self.label_at <= f
                && self.fuel_block != Some(f)
                && self.code.is(f, op::FUEL)
        });
        let (form, step, limit) = match (step, limit) {
            (Operand::Slot(s), Operand::Slot(l)) => (0, s, l),
            (Operand::Slot(s), Operand::Imm(l)) => (1, s, l as u32),
            (Operand::Imm(s), Operand::Slot(l)) => (2, s as u32, l),
            (Operand::Imm(s), Operand::Imm(l)) => (3, s as u32, l as u32),
            _ => return None,
        };
        self.unemit(pos);
        let pos = match fuel {
            None => {
                if let Some((q, second)) = self.pending_add_imm() {
                    // A second counter stepped just before (`p += 4; i += 1; i != n`).
                    self.unemit(q);
                    let imm = AddAddBr {
                        dst2: second.dst,
                        a2: second.a,
                        k2: second.imm,
                        x,
                        step,
                        limit,
                        offset: 0,
                    };
                    let forms = [ops.add_ss, ops.add_si, ops.add_is, ops.add_ii];
                    let pos = self.emit(forms[form], imm);
                    return Some((pos, field_byte(pos, offset_of!(AddAddBr, offset))));
                }
                if let Some((q, copies)) = self.pending_copies() {
                    // Values moved just before (a rotation: `t = a + b; a = b; b = t`).
                    let acc_src2 = self.passes_on(copies.src2, q) && copies.dst1 != copies.src2;
                    self.unemit(q);
                    let imm = CopyAddBr {
                        dst1: copies.dst1,
                        src1: copies.src1,
                        dst2: copies.dst2,
                        src2: copies.src2,
                        x,
                        step,
                        limit,
                        offset: 0,
                    };
                    let forms = if acc_src2 {
                        [ops.copy_ss_a, ops.copy_si_a, ops.copy_is_a, ops.copy_ii_a]
                    } else {
                        [ops.copy_ss, ops.copy_si, ops.copy_is, ops.copy_ii]
                    };
                    let pos = self.emit(forms[form], imm);
                    return Some((pos, field_byte(pos, offset_of!(CopyAddBr, offset))));
                }
                let imm = AddBr {
                    x,
                    step,
                    limit,
                    offset: 0,
                };
                self.emit([ops.ss, ops.si, ops.is, ops.ii][form], imm)
            }
            Some(f) => {
                let amount = self.code.imm::<Fuel>(f).amount;
                // Stopped out of fuel, the fused instruction's frame is the check's.
                let stop = self.point_slots(f);
                self.unemit(f);
                let imm = AddBrFuel {
                    x,
                    step,
                    limit,
                    offset: 0,
                    fuel: amount,
                };
                let forms = [ops.ss_fuel, ops.si_fuel, ops.is_fuel, ops.ii_fuel];
                let pos = self.emit(forms[form], imm);
                if let Some(slots) = stop {
                    self.record_alloc(pos, slots);
                }
                pos
            }
        };
        // (The offset is in the same place in both layouts.)
        const _: () = assert!(offset_of!(AddBr, offset) == offset_of!(AddBrFuel, offset));
        Some((pos, field_byte(pos, offset_of!(AddBr, offset))))
    }

    /// Folds `t = a + b` (a float add of two slots, the instruction just emitted) and a
    /// following branch on `t <cond> constant` into one add-and-branch: the escape test of
    /// iterations such as `x*x + y*y <= 4`. Returns the fused instruction's position and
    /// its offset field's byte, or `None` (nothing emitted) when the pattern does not match.
    pub(super) fn fuse_float_add_branch(&mut self, cmp: Cmp, cond: Cond) -> Option<(usize, usize)> {
        let Operand::Imm(bits) = cmp.b else {
            return None;
        };
        let fused = cond.float_add_branch(cmp.is64)?;
        let pos = self.recent.last()?;
        // The add must end right here, and nothing may branch to the point between the two.
        if pos + words::<BinRR>() != self.code.pos() || self.label_at > pos {
            return None;
        }
        let add = if cmp.is64 {
            op::F64_ADD.rr
        } else {
            op::F32_ADD.rr
        };
        let BinRR { dst, a, b } = self.code.imm_if(pos, add)?;
        if dst != cmp.a {
            return None;
        }
        // (An `f32` constant's bits are its low half, as `BinRI32` keeps them.)
        let imm = if cmp.is64 {
            bits as u64
        } else {
            bits as u32 as u64
        };
        self.unemit(pos);
        let imm = AddBrCmpRI {
            dst,
            a,
            b,
            offset: 0,
            imm,
        };
        let pos = self.emit(fused, imm);
        Some((pos, field_byte(pos, offset_of!(AddBrCmpRI, offset))))
    }

    /// If the `br_table` index on top of the stack was just computed by an `i32.add` of a
    /// constant (into its temporary, the last instruction, no label since), takes both
    /// off: returns whether the add's operand was the accumulator, its slot otherwise, and
    /// the constant.
    pub(super) fn take_index_add(&mut self) -> Option<(bool, Slot, i32)> {
        let p = self.stack.len().checked_sub(1)?;
        let last = self.last?;
        if self.stack[p] != Opd::Temp || last.dst != self.temp(p) {
            return None;
        }
        let add = op::I32_ADD.imm?;
        let pos = last.pos;
        let (from_acc, imm) = if let Some(i) = self.last_instruction(pos, &[add.ri, add.ir]) {
            (false, i)
        } else {
            (true, self.last_instruction(pos, &[add.ai, add.ia])?)
        };
        self.unemit(pos);
        self.last = None;
        self.pop();
        Some((from_acc, imm.a, imm.imm))
    }

    /// For a `br_table` whose index is the value an `i32.load`, `i32.load8_u` or
    /// `i32.load16_u` (or an `i64` load that zero-extends: memory 0, address from a slot or
    /// the accumulator) just loaded, with no label since: takes the load back out, to be
    /// made by the `br_table` itself, which also writes the value where the load did if
    /// that is a local.
    /// `index` is what [`Self::take_index_add`] found, if it took the add of the bias
    /// (whether the add read the accumulator, else its operand's slot); without it, the
    /// index is the top of the stack, which this pops. The load must have produced the
    /// index: its accumulator form when the add read the accumulator, otherwise written to
    /// the slot the index is read from (a temporary, or a local it was just set to).
    /// Returns the fused `br_table`'s form and the load's immediates.
    pub(super) fn take_index_load(
        &mut self,
        index: Option<(bool, Slot)>,
    ) -> Option<(Op<LoadBrTable>, Load)> {
        // An add fused into the load gives way: as a dispatch head's increment it joins
        // the copies before it, and the load joins the `br_table`.
        self.split_add_load();
        let pos = self.recent.last()?;
        let (to_acc, slot) = match index {
            Some((from_acc, slot)) => (from_acc, slot),
            None => {
                let p = self.stack.len().checked_sub(1)?;
                match self.stack[p] {
                    Opd::Temp => (false, self.temp(p)),
                    Opd::Local(x) => (false, x),
                    Opd::Const(_) => return None,
                }
            }
        };
        // (An `i64` zero-extending load has the same low 32 bits as the `i32` one.)
        // (A promoted constant: the operation tables are large, and copying them to the
        // stack on every call showed in translation profiles.)
        let pairs: &[(LoadOp, _)] = &[
            (op::I32_LOAD, op::LOAD32_BR_TABLE),
            (op::I32_LOAD8_U, op::LOAD8_BR_TABLE),
            (op::I32_LOAD16_U, op::LOAD16_BR_TABLE),
            (op::I64_LOAD8_U, op::LOAD8_BR_TABLE),
            (op::I64_LOAD16_U, op::LOAD16_BR_TABLE),
            (op::I64_LOAD32_U, op::LOAD32_BR_TABLE),
        ];
        for (load, fused) in pairs {
            let (from_slot, from_acc) = if to_acc {
                (load.r_a, load.a_a)
            } else {
                (load.r, load.a)
            };
            // The value must still be written when it goes to a local (temporaries are
            // the slots from `locals` on; the index's is dead once the index is read).
            let keep = !to_acc && slot < self.locals;
            let (form, imm) = if let Some(imm) = self.last_instruction(pos, &[from_slot]) {
                (if keep { fused.r_d } else { fused.r }, imm)
            } else if let Some(imm) = self.last_instruction(pos, &[from_acc]) {
                (if keep { fused.a_d } else { fused.a }, imm)
            } else {
                continue;
            };
            if !to_acc && imm.dst != slot {
                return None;
            }
            self.unemit(pos);
            self.last = None;
            if index.is_none() {
                self.pop();
            }
            return Some((form, imm));
        }
        None
    }

    /// For a load-and-`br_table` about to be emitted in `form` (address from a slot), whose
    /// load writes `dst`: takes back out a constant stored just before it (a phi value
    /// set before an interpreter's dispatch, on every opcode), to be stored by the
    /// `br_table` itself; returns the fused form and the constant. Not when the constant
    /// goes to `dst` (the fused form would leave it there, not the loaded value).
    pub(super) fn take_const_before_load_br_table(
        &mut self,
        form: Op<LoadBrTable>,
        dst: Slot,
    ) -> Option<(Op<ConstLoadBrTable>, Const)> {
        let pairs: &[(Op<LoadBrTable>, _)] = &[
            (op::LOAD8_BR_TABLE.r, op::CONST_LOAD8_BR_TABLE),
            (op::LOAD8_BR_TABLE.r_d, op::CONST_LOAD8_BR_TABLE_D),
            (op::LOAD16_BR_TABLE.r, op::CONST_LOAD16_BR_TABLE),
            (op::LOAD16_BR_TABLE.r_d, op::CONST_LOAD16_BR_TABLE_D),
            (op::LOAD32_BR_TABLE.r, op::CONST_LOAD32_BR_TABLE),
            (op::LOAD32_BR_TABLE.r_d, op::CONST_LOAD32_BR_TABLE_D),
        ];
        let fused = pairs.iter().find(|(f, _)| f.code == form.code)?.1;
        let (q, c) = self.pending_const()?;
        if c.dst == dst {
            return None;
        }
        self.unemit(q);
        self.last = None;
        Some((fused, c))
    }

    /// For a load-and-`br_table` about to be emitted in `form` (address from the
    /// accumulator): takes back out the `i32.and_shl` of a slot just emitted that
    /// computed that address, to be made by the `br_table` itself; returns the fused form
    /// and the `and_shl`'s immediates (its `dst` is not written: the accumulator form).
    pub(super) fn take_and_shl_before_load_br_table(
        &mut self,
        form: Op<LoadBrTable>,
    ) -> Option<(Op<AndShlLoadBrTable>, ShrAnd)> {
        let pairs: &[(Op<LoadBrTable>, _)] = &[
            (op::LOAD8_BR_TABLE.a, op::AND_SHL_LOAD8_BR_TABLE),
            (op::LOAD8_BR_TABLE.a_d, op::AND_SHL_LOAD8_BR_TABLE_D),
            (op::LOAD16_BR_TABLE.a, op::AND_SHL_LOAD16_BR_TABLE),
            (op::LOAD16_BR_TABLE.a_d, op::AND_SHL_LOAD16_BR_TABLE_D),
            (op::LOAD32_BR_TABLE.a, op::AND_SHL_LOAD32_BR_TABLE),
            (op::LOAD32_BR_TABLE.a_d, op::AND_SHL_LOAD32_BR_TABLE_D),
        ];
        let fused = pairs.iter().find(|(f, _)| f.code == form.code)?.1;
        let q = self.recent.last()?;
        let and_shl = self.last_instruction(q, &[op::I32_AND_SHL_A])?;
        self.unemit(q);
        self.last = None;
        Some((fused, and_shl))
    }

    /// For `x = a + b` (slots): the operand that is not `x`, as the step of a counter `x`.
    fn other_operand(x: Slot, a: Slot, b: Slot) -> Option<Operand> {
        match (a == x, b == x) {
            (true, _) => Some(Operand::Slot(b)),
            (false, true) => Some(Operand::Slot(a)),
            _ => None,
        }
    }

    /// A branch on `x & y` (or on its `eqz`) right after the `and` that computed it, into
    /// a temporary nothing else reads: one flag-test-and-branch replaces both. `cond` is
    /// the condition under which the branch is taken (`Ne`: the bits are not all zero).
    /// Returns the instruction's position and the byte of its offset field, or `None`
    /// (nothing emitted) when the pattern does not match.
    pub(super) fn fuse_and_branch(&mut self, cmp: Cmp, cond: Cond) -> Option<(usize, usize)> {
        if !matches!(cmp.b, Operand::Zero | Operand::Imm(0)) {
            return None;
        }
        let nez = match cond {
            Cond::Ne => true,
            Cond::Eq => false,
            _ => return None,
        };
        // The `and`'s result must be dead after the test: a temporary above every operand
        // still on the stack (a local, or a temporary below, is read again).
        if cmp.a < self.temp(self.stack.len()) {
            return None;
        }
        let q = self.recent.last()?;
        // Index into `[taken when a bit is set, taken when none is]`. (Both immediate
        // forms of the `and` compute the same `a & imm`: `and` commutes.)
        let which = usize::from(!nez);
        let test = if cmp.is64 {
            let and = op::I64_AND.imm?;
            if let Some(BinRR { dst, a, b }) = self.last_instruction(q, &[op::I64_AND.rr]) {
                let op = [op::BR_I64_AND_NEZ, op::BR_I64_AND_EQZ][which];
                (dst == cmp.a).then_some(Test::RR(op, a, b))
            } else {
                let BinRI64 { dst, a, imm } = self.last_instruction(q, &[and.ri, and.ir])?;
                let op = [op::BR_I64_AND_NEZ_RI, op::BR_I64_AND_EQZ_RI][which];
                (dst == cmp.a).then_some(Test::RI64(op, a, imm))
            }
        } else {
            let and = op::I32_AND.imm?;
            if let Some(BinRR { dst, a, b }) = self.last_instruction(q, &[op::I32_AND.rr]) {
                let op = [op::BR_I32_AND_NEZ, op::BR_I32_AND_EQZ][which];
                (dst == cmp.a).then_some(Test::RR(op, a, b))
            } else {
                let BinRI32 { dst, a, imm } = self.last_instruction(q, &[and.ri, and.ir])?;
                let op = [op::BR_I32_AND_NEZ_RI, op::BR_I32_AND_EQZ_RI][which];
                (dst == cmp.a).then_some(Test::RI32(op, a, imm))
            }
        }?;
        self.unemit(q);
        self.last = None;
        let at = match test {
            Test::RR(op, a, b) => {
                let pos = self.emit(op, BrCmpRR { a, b, offset: 0 });
                field_byte(pos, offset_of!(BrCmpRR, offset))
            }
            Test::RI32(op, a, imm) => {
                let pos = self.emit(op, BrCmpRI32 { a, imm, offset: 0 });
                field_byte(pos, offset_of!(BrCmpRI32, offset))
            }
            Test::RI64(op, a, imm) => {
                let pos = self.emit(op, BrCmpRI64 { a, offset: 0, imm });
                field_byte(pos, offset_of!(BrCmpRI64, offset))
            }
        };
        // (Emitted where the `and` was.)
        Some((q, at))
    }

    /// The `i32.add` of a slot and a constant just emitted (into a slot), with no branch
    /// target after its start: its position and immediates.
    fn pending_add_imm(&self) -> Option<(usize, BinRI32)> {
        let q = self.recent.last()?;
        let add = op::I32_ADD.imm?;
        Some((q, self.last_instruction(q, &[add.ri, add.ir])?))
    }

    /// The constant store (`const`) just emitted, with no branch target after its start:
    /// its position and immediates.
    pub(super) fn pending_const(&self) -> Option<(usize, Const)> {
        let q = self.recent.last()?;
        Some((q, self.last_instruction(q, &[op::CONST])?))
    }

    /// Whether the instruction that ends where the one at `at` starts (nothing landing
    /// between them) is an integer add, subtract or multiply into `slot`, so that the
    /// integer accumulator holds `slot`'s value when the instruction at `at` starts: their
    /// slot forms pass their result on ([`Cell::pass_on`]). (An instruction starts at a
    /// position only where the code says so, and its code tells its size.)
    ///
    /// [`Cell::pass_on`]: crate::exec::ops::Cell::pass_on
    fn passes_on(&self, slot: Slot, at: usize) -> bool {
        let code = &*self.code;
        let starts = |size: usize| {
            at.checked_sub(size)
                .filter(|&p| self.label_at <= p)
                .and_then(|p| Some((p, code.op_at(p)?)))
        };
        let ops = [op::I32_ADD, op::I32_SUB, op::I32_MUL];
        let ops64 = [op::I64_ADD, op::I64_SUB, op::I64_MUL];
        if let Some((p, c)) = starts(words::<BinRR>()) {
            let mut rr = ops.iter().map(|o| o.rr).chain(ops64.iter().map(|o| o.rr));
            if rr.any(|o| o.code == c) {
                return code.imm::<BinRR>(p).dst == slot;
            }
        }
        if let Some((p, c)) = starts(words::<BinRI32>()) {
            if ops.iter().filter_map(|o| o.imm).any(|i| i.ri.code == c) {
                return code.imm::<BinRI32>(p).dst == slot;
            }
        }
        if let Some((p, c)) = starts(words::<BinRI64>()) {
            if ops64.iter().filter_map(|o| o.imm).any(|i| i.ri.code == c) {
                return code.imm::<BinRI64>(p).dst == slot;
            }
        }
        false
    }

    /// The copy or `copy2` just emitted, with no branch target after its start: its
    /// position and its copies (one copy as the same copy twice: made again, it changes
    /// nothing).
    fn pending_copies(&self) -> Option<(usize, Copy2)> {
        let q = self.recent.last()?;
        if let Some(Un { dst, src }) = self.last_instruction(q, &[op::COPY]) {
            let copy2 = Copy2 {
                dst1: dst,
                src1: src,
                dst2: dst,
                src2: src,
            };
            return Some((q, copy2));
        }
        Some((q, self.last_instruction(q, &[op::COPY2])?))
    }

    /// The immediates of the instruction at `pos` if it is the last one in the code, no
    /// branch lands after its start, and it is one of `ops` (read back from the code, not
    /// taken from bookkeeping).
    pub(super) fn last_instruction<L: Layout>(&self, pos: usize, ops: &[Op<L>]) -> Option<L> {
        if pos + words::<L>() != self.code.pos() || self.label_at > pos {
            return None;
        }
        ops.iter()
            .any(|&op| self.code.is(pos, op))
            .then(|| self.code.imm(pos))
    }

    /// When a branch condition that goes nowhere else was just loaded by an i32 load
    /// (address in a slot, or a slot plus a constant), replaces the load by one that
    /// branches on the loaded value: non-zero with `when_true`, else zero. Returns the
    /// instruction's position and the byte of its offset field.
    pub(super) fn fuse_load_branch(&mut self, when_true: bool) -> Option<(usize, usize)> {
        let pos = self.last?.pos;
        if pos + words::<LoadRI>() != self.code.pos() || self.label_at > pos {
            return None;
        }
        let pairs: &[(LoadOp, _)] = &[
            (op::I32_LOAD, op::LOAD32_BR),
            (op::I32_LOAD8_U, op::LOAD8_BR),
            (op::I32_LOAD8_S, op::LOAD8_BR),
            (op::I32_LOAD16_U, op::LOAD16_BR),
            (op::I32_LOAD16_S, op::LOAD16_BR),
        ];
        for (load, br) in pairs {
            if let Some(Load { addr, offset, .. }) = self.code.imm_if(pos, load.r) {
                self.unemit(pos);
                let op = if when_true { br.nez_r } else { br.eqz_r };
                let pos = self.emit(
                    op,
                    LoadBr {
                        addr,
                        offset,
                        br: 0,
                    },
                );
                return Some((pos, field_byte(pos, offset_of!(LoadBr, br))));
            }
            if let Some(LoadRI { a, imm, offset, .. }) = self.code.imm_if(pos, load.ri) {
                self.unemit(pos);
                let op = if when_true { br.nez_ri } else { br.eqz_ri };
                let pos = self.emit(
                    op,
                    LoadBrRI {
                        a,
                        imm,
                        offset,
                        br: 0,
                    },
                );
                return Some((pos, field_byte(pos, offset_of!(LoadBrRI, br))));
            }
        }
        None
    }

    /// When the value a branch compares with a constant (`==`, `!=`, `<u`, `>=u`) was
    /// loaded by the instruction just before (an unsigned `i32` load or an `i64.load`,
    /// address in a slot, no label since): replaces the load by one that compares and
    /// branches (a type tag tested). The value is still written where the load wrote it
    /// (`_d` forms) unless that is a temporary only the comparison read (`loaded`).
    /// Returns the instruction's position and the byte of its offset field.
    pub(super) fn fuse_load_cmp_branch(
        &mut self,
        cmp: Cmp,
        cond: Cond,
        loaded: bool,
    ) -> Option<(usize, usize)> {
        let Operand::Imm(imm) = cmp.b else {
            return None;
        };
        let form = |o: &op::LoadCmpBrOp, keep: bool| match (cond, keep) {
            (Cond::Eq, false) => Some(o.eq),
            (Cond::Ne, false) => Some(o.ne),
            (Cond::LtU, false) => Some(o.lt_u),
            (Cond::GeU, false) => Some(o.ge_u),
            (Cond::Eq, true) => Some(o.eq_d),
            (Cond::Ne, true) => Some(o.ne_d),
            (Cond::LtU, true) => Some(o.lt_u_d),
            (Cond::GeU, true) => Some(o.ge_u_d),
            _ => None,
        };
        let pos = self.recent.last()?;
        let pairs: &[(LoadOp, op::LoadCmpBrOp)] = if cmp.is64 {
            &[(op::I64_LOAD, op::LOAD64_CMP_BR)]
        } else {
            &[
                (op::I32_LOAD, op::LOAD32_CMP_BR),
                (op::I32_LOAD8_U, op::LOAD8_CMP_BR),
                (op::I32_LOAD16_U, op::LOAD16_CMP_BR),
            ]
        };
        for (load, fused) in pairs {
            let Some(Load { dst, addr, offset }) = self.last_instruction(pos, &[load.r]) else {
                continue;
            };
            if dst != cmp.a {
                return None;
            }
            let keep = !(loaded && dst >= self.locals);
            let op = form(fused, keep)?;
            self.unemit(pos);
            self.last = None;
            let imm = LoadBrImm {
                addr,
                offset,
                br: 0,
                dst,
                imm,
            };
            let pos = self.emit(op, imm);
            return Some((pos, field_byte(pos, offset_of!(LoadBrImm, br))));
        }
        None
    }

    /// If the address of a load (in the accumulator's reach) was just computed by an
    /// `i32.add` of two slots or of a slot and a constant, replaces that add by a load
    /// from the sum. Returns the load's position and its accumulator form.
    pub(super) fn fuse_add_load(
        &mut self,
        op: LoadOp,
        dst: Slot,
        offset: u32,
    ) -> Option<(usize, AnyOp)> {
        let pos = self.last?.pos;
        if pos + words::<BinRR>() != self.code.pos() || self.label_at > pos {
            return None;
        }
        let add = op::I32_ADD.imm?;
        if let Some((pos, idx, shift)) = self.pending_ri32(op::I32_SHL.imm?.ri) {
            self.unemit(pos);
            let load = LoadSh {
                dst,
                idx,
                shift,
                offset,
            };
            let pos = self.emit(op.sh, load);
            return Some((pos, op.sh_a.erase()));
        }
        if let Some(BinRR { a, b, .. }) = self.code.imm_if(pos, op::I32_ADD.rr) {
            self.unemit(pos);
            let pos = self.emit(op.rr, LoadRR { dst, a, b, offset });
            Some((pos, op.rr_a.erase()))
        } else if let Some(BinRI32 { a, imm, .. }) = self
            .code
            .imm_if(pos, add.ri)
            .or_else(|| self.code.imm_if(pos, add.ir))
        {
            self.unemit(pos);
            let pos = self.emit(
                op.ri,
                LoadRI {
                    dst,
                    a,
                    imm: imm as u32,
                    offset,
                },
            );
            Some((pos, op.ri_a.erase()))
        } else {
            None
        }
    }

    /// If a store's address (the temporary in `addr`) was computed by an `i32.add` of two
    /// slots just before its value, replaces the add by a store to the sum. The value is
    /// in slot `src`, or, with `src` `None`, in the accumulator, where the instruction
    /// right after the add (`value_pos`, the last one) computes it: that instruction moves
    /// up in the add's place. It writes no slot (its result goes to the accumulator) and
    /// reads none the add wrote (the add's result is a temporary below its operands), so
    /// running it before the add's work changes nothing. Returns whether it fused.
    pub(super) fn fuse_add_store(
        &mut self,
        op: StoreOp,
        addr: Slot,
        src: Option<Slot>,
        offset: u32,
    ) -> bool {
        self.fold_add_into_store(op::I32_ADD.rr, addr, src, |t, add, src| {
            let store = StoreSum {
                a: add.a,
                b: add.b,
                src: src.unwrap_or(0),
                offset,
            };
            let form = if src.is_some() { op.sum_r } else { op.sum_va };
            t.emit(form, store);
        })
    }

    /// [`Self::fuse_add_store`] for any add of two slots (`add`: `i32.add` or `i64.add`)
    /// and any store form: `emit` emits the store from the add's operands and the value's
    /// slot (`None`: the accumulator) once the add is gone. Returns whether it fused.
    pub(super) fn fold_add_into_store(
        &mut self,
        add: Op<BinRR>,
        addr: Slot,
        src: Option<Slot>,
        emit: impl FnOnce(&mut Self, BinRR, Option<Slot>),
    ) -> bool {
        let add_op = add;
        // Where the add must be: last, or just before the value's instruction.
        let add_pos = match src {
            Some(_) => self.recent.last(),
            None => self.recent.before_last(),
        };
        let Some(add_pos) = add_pos else {
            return false;
        };
        if self.label_at > add_pos || !self.code.is(add_pos, add_op) {
            return false;
        }
        let add: BinRR = self.code.imm(add_pos);
        let value_pos = add_pos + words::<BinRR>();
        let moved = match src {
            Some(_) if value_pos == self.code.pos() => None,
            Some(_) => return false,
            None => match self.last {
                // The value's instruction, switched to its accumulator form.
                Some(Last {
                    pos,
                    acc: Some(acc),
                    ..
                }) if pos == value_pos && self.recent.last() == Some(pos) => Some(acc),
                _ => return false,
            },
        };
        if add.dst != addr {
            return false;
        }
        // The value's instruction, switched to its accumulator form, moves up.
        let moved = moved.map(|acc| {
            let mut cut = self.code.cut(value_pos);
            self.recent.pop();
            cut.retag_first(acc);
            cut
        });
        self.unemit(add_pos);
        self.last = None;
        if let Some(cut) = moved {
            let pos = self.code.paste(cut);
            self.recent.push(pos);
        }
        emit(self, add, src);
        true
    }

    /// For an `i32.add` of slot `base` and the result of an `i32.shl` by a constant just
    /// emitted: replaces the shift by one `base + (idx << k)`. Returns the new
    /// instruction's position and accumulator form.
    pub(super) fn fuse_add_shl<L>(
        &mut self,
        f: &IntBin<L>,
        is64: bool,
        base: Slot,
        dst: Slot,
    ) -> Option<(usize, AnyOp)> {
        if is64 || f.op.rr.code != op::I32_ADD.rr.code {
            return None;
        }
        let (pos, idx, shift) = self.pending_ri32(op::I32_SHL.imm?.ri)?;
        self.unemit(pos);
        let add_shl = AddShl {
            dst,
            a: base,
            b: idx,
            shift,
        };
        let pos = self.emit(op::I32_ADD_SHL, add_shl);
        Some((pos, op::I32_ADD_SHL_A.erase()))
    }

    /// For an `i32.add` of `base` and the result of an `i32.shr_u_and` just emitted (a bit
    /// field): one `i32.add_shr_u_and`. Returns its position and accumulator form.
    pub(super) fn fuse_add_shr_and<L>(
        &mut self,
        f: &IntBin<L>,
        is64: bool,
        base: Slot,
        dst: Slot,
    ) -> Option<(usize, AnyOp)> {
        if is64 || f.op.rr.code != op::I32_ADD.rr.code {
            return None;
        }
        let pos = self.last?.pos;
        let field: ShrAnd = self.last_instruction(pos, &[op::I32_SHR_U_AND])?;
        self.unemit(pos);
        let fused = AddShrAnd {
            dst,
            a: base,
            b: field.a,
            shift: field.shift,
            mask: field.mask,
        };
        let pos = self.emit(op::I32_ADD_SHR_U_AND, fused);
        Some((pos, op::I32_ADD_SHR_U_AND_A.erase()))
    }

    /// For an `i32.add` of the result of an `i32.mul` just emitted and `c` (a slot or a
    /// constant): replaces the multiply by one multiply-add. The multiply is of two slots,
    /// of a slot and a constant, or of the accumulator and a slot. Returns the new
    /// instruction's position and accumulator form.
    pub(super) fn fuse_mul_add<L>(
        &mut self,
        f: &IntBin<L>,
        is64: bool,
        c: Operand,
        dst: Slot,
    ) -> Option<(usize, AnyOp)> {
        if is64 || f.op.rr.code != op::I32_ADD.rr.code {
            return None;
        }
        let (c_is_slot, c) = match c {
            Operand::Slot(s) => (true, s),
            Operand::Imm(k) => (false, k as u32),
            Operand::Zero => return None,
        };
        let pos = self.last?.pos;
        let forms = op::I32_MUL_ADD;
        let (form, form_a, a, b) =
            if let Some(m) = self.last_instruction(pos, &[op::I32_MUL.imm?.ri]) {
                let (form, form_a) = if c_is_slot {
                    (forms.ir, forms.ir_a)
                } else {
                    (forms.ii, forms.ii_a)
                };
                (form, form_a, m.a, m.imm as u32)
            } else if !c_is_slot {
                // Only a multiply by a constant has a form adding a constant.
                return None;
            } else if let Some(m) = self.last_instruction(pos, &[op::I32_MUL.rr]) {
                (forms.rr, forms.rr_a, m.a, m.b)
            } else {
                // A multiply of the accumulator by a slot (`ra`: `a` the slot; `ar`: `b`),
                // which the multiply-add reads in its place.
                let slot = match self.last_instruction(pos, &[op::I32_MUL.ra]) {
                    Some(m) => m.a,
                    None => self.last_instruction(pos, &[op::I32_MUL.ar])?.b,
                };
                (forms.ar, forms.ar_a, 0, slot)
            };
        self.unemit(pos);
        let pos = self.emit(form, MulAdd { dst, a, b, c });
        Some((pos, form_a.erase()))
    }

    /// For an `add` or `sub` of floats (`op`) of the slot `c` and the product the
    /// instruction just emitted computed (a `mul` of the same type, operands from slots or
    /// one from the accumulator; `product_first`: the product is the left operand):
    /// replaces the multiply by one multiply-add, `a * b + c` (either order: addition
    /// commutes), `a * b - c` or `c - a * b`, which rounds as the two instructions do.
    /// Returns its position and accumulator form.
    pub(super) fn fuse_float_mul_add<L>(
        &mut self,
        op: &BinOp<L>,
        c: Slot,
        product_first: bool,
        dst: Slot,
    ) -> Option<(usize, AnyOp)> {
        let code = op.rr.code;
        let pick = |first: op::FloatMulAddOp, second: op::FloatMulAddOp| {
            if product_first {
                first
            } else {
                second
            }
        };
        // The multiply's slot and accumulator forms (its immediate forms are not fused).
        let (f64_mul, f32_mul) = (op::F64_MUL, op::F32_MUL);
        let f64_mul = [f64_mul.rr, f64_mul.ar, f64_mul.ra];
        let f32_mul = [f32_mul.rr, f32_mul.ar, f32_mul.ra];
        let (mul, fused) = if code == op::F64_ADD.rr.code {
            (f64_mul, op::F64_MUL_ADD)
        } else if code == op::F64_SUB.rr.code {
            (f64_mul, pick(op::F64_MUL_SUB, op::F64_SUB_MUL))
        } else if code == op::F32_ADD.rr.code {
            (f32_mul, op::F32_MUL_ADD)
        } else if code == op::F32_SUB.rr.code {
            (f32_mul, pick(op::F32_MUL_SUB, op::F32_SUB_MUL))
        } else {
            return None;
        };
        let [rr, ar, ra] = mul;
        let pos = self.last?.pos;
        let (form, form_a, a, b) = if let Some(m) = self.last_instruction(pos, &[rr]) {
            (fused.rr, fused.rr_a, m.a, m.b)
        } else if let Some(m) = self.last_instruction(pos, &[ar]) {
            (fused.ar, fused.ar_a, 0, m.b)
        } else if let Some(m) = self.last_instruction(pos, &[ra]) {
            (fused.ra, fused.ra_a, m.a, 0)
        } else {
            return None;
        };
        self.unemit(pos);
        let pos = self.emit(form, MulAdd { dst, a, b, c });
        Some((pos, form_a.erase()))
    }

    /// For an `i32.and` with constant `mask` of the result of an `i32.shr_u` of a slot by a
    /// constant just emitted: replaces the shift by one bit-field extraction. Returns the
    /// new instruction's position and accumulator form.
    pub(super) fn fuse_shr_and<L>(
        &mut self,
        f: &IntBin<L>,
        is64: bool,
        mask: i64,
        dst: Slot,
    ) -> Option<(usize, AnyOp)> {
        if is64 || f.op.rr.code != op::I32_AND.rr.code {
            return None;
        }
        let (pos, a, shift) = self.pending_ri32(op::I32_SHR_U.imm?.ri)?;
        self.unemit(pos);
        let shr_and = ShrAnd {
            dst,
            a,
            shift,
            mask: mask as u32,
        };
        let pos = self.emit(op::I32_SHR_U_AND, shr_and);
        Some((pos, op::I32_SHR_U_AND_A.erase()))
    }

    /// For an `i32.shl` by constant `shift` of the result of an `i32.and` of a slot with a
    /// constant just emitted: replaces the `and` by one `(x & mask) << shift` (a masked
    /// index scaled to bytes: `table[x & m]`). Returns the new instruction's position and
    /// accumulator form.
    pub(super) fn fuse_and_shl<L>(
        &mut self,
        f: &IntBin<L>,
        is64: bool,
        shift: i64,
        dst: Slot,
    ) -> Option<(usize, AnyOp)> {
        if is64 || f.op.rr.code != op::I32_SHL.rr.code {
            return None;
        }
        let and = op::I32_AND.imm?;
        let pos = self.last?.pos;
        let BinRI32 { a, imm, .. } = self.last_instruction(pos, &[and.ri, and.ir])?;
        self.unemit(pos);
        let and_shl = ShrAnd {
            dst,
            a,
            // (Wasm shifts by the count modulo 32, as the handler does.)
            shift: shift as u32 & 31,
            mask: imm as u32,
        };
        let pos = self.emit(op::I32_AND_SHL, and_shl);
        Some((pos, op::I32_AND_SHL_A.erase()))
    }

    /// If the previous instruction is `op` (a slot-and-constant form) and its result is
    /// pending in `self.last` with no label since: its position, slot operand and constant.
    fn pending_ri32(&self, op: Op<BinRI32>) -> Option<(usize, Slot, u32)> {
        let pos = self.last?.pos;
        let imm = self.last_instruction(pos, &[op])?;
        Some((pos, imm.a, imm.imm as u32))
    }

    /// Removes the instruction just emitted if it is an in-place add that
    /// [`Self::fuse_add_branch`] could fold into a following test, and returns its words
    /// (to be put back a little later).
    pub(super) fn take_trailing_add(&mut self) -> Option<Cut> {
        let pos = self.recent.last()?;
        let end = pos + words::<BinRR>();
        if end != self.code.pos() || self.label_at > pos {
            return None;
        }
        let (add, sub) = (op::I32_ADD.imm?, op::I32_SUB.imm?);
        let (add64, sub64) = (op::I64_ADD.imm?, op::I64_SUB.imm?);
        let candidates = [
            op::I32_ADD.rr.code,
            add.ri.code,
            add.ir.code,
            sub.ri.code,
            op::I64_ADD.rr.code,
            add64.ri.code,
            add64.ir.code,
            sub64.ri.code,
        ];
        if !candidates.contains(&self.code.op_at(pos)?) {
            return None;
        }
        let cut = self.code.cut(pos);
        self.recent.pop();
        // Its result may have been pending; it is about to move.
        self.last = None;
        Some(cut)
    }

    /// Once the function's code is final (nothing rewrites it any more): each instruction
    /// that a pair runs together with the one right after it becomes that pair (see
    /// `exec::ops::pairs`; the second instruction stays, for branches to it).
    pub(super) fn pair_instructions(&mut self) {
        let pairs = op::pairs();
        self.code.pair_up(|first, second| pairs.get(first, second));
    }

    /// Once the function's code is final, after pairing: each `br_table` entry gets the
    /// handler of its target (see `exec::dispatch::table_jump`).
    pub(super) fn seal_tables(&mut self) -> R {
        if self.code.seal_tables(&self.tables) {
            Ok(())
        } else {
            Err(Box::new(self.unsupported(
                "a br_table whose targets are out of reach of its entries",
            )))
        }
    }

    /// Once the function is complete: a jump to a jump goes straight to the final target,
    /// and a jump to a return becomes that return (`copy.br` to `return.slot` of the
    /// copied slot returns the source instead), saving a dispatch. Rewritten jumps keep
    /// their size; a shorter return leaves dead words behind it.
    pub(super) fn thread_jumps(&mut self) {
        let jumps = core::mem::take(&mut self.jumps);
        for &pos in &jumps {
            let code = &*self.code;
            let (jump, offset) = if let Some(Br { offset }) = code.imm_if(pos, op::BR) {
                (Jump::Br, offset)
            } else if let Some(CopyBr { dst, src, offset }) = code.imm_if(pos, op::COPY_BR) {
                (Jump::CopyBr { dst, src }, offset)
            } else if let Some(ConstBr { dst, offset, val }) = code.imm_if(pos, op::CONST_BR) {
                (Jump::ConstBr { dst, val }, offset)
            } else {
                // A branch carrying a value, or a jump already turned into a return.
                self.run_loop_head(pos);
                continue;
            };
            // Follow plain `br`s (a bounded number: loops of `br`s exist in valid code).
            let mut target = pos as i64 + offset as i64;
            for _ in 0..8 {
                let t = target as usize;
                let Some(Br { offset }) = code.imm_if(t, op::BR) else {
                    break;
                };
                target = t as i64 + offset as i64;
            }
            let t = target as usize;
            let returns = code.is(t, op::RETURN);
            let ret_src = code.imm_if(t, op::RETURN_SLOT).map(|r| r.src);
            match (jump, ret_src) {
                (Jump::Br, Some(src)) => self.code.rewrite(pos, op::RETURN_SLOT, Ret1 { src }),
                (Jump::CopyBr { dst, src }, Some(ret_src)) => {
                    // `dst = src; return dst` is `return src`: the frame dies.
                    let src = if ret_src == dst { src } else { ret_src };
                    self.code.rewrite(pos, op::RETURN_SLOT, Ret1 { src });
                }
                (Jump::ConstBr { dst, val }, Some(ret_src)) if dst == ret_src => {
                    // `dst = val; return dst` is `return val`.
                    self.code.rewrite(
                        pos,
                        op::RETURN_IMM,
                        RetImm {
                            pad: 0,
                            pad2: 0,
                            val,
                        },
                    );
                }
                (Jump::Br, None) if returns => self.code.rewrite(pos, op::RETURN, Nothing {}),
                _ => {
                    let off = (target - pos as i64) as i32;
                    match jump {
                        Jump::Br => self.code.update(pos, op::BR, |b| b.offset = off),
                        Jump::CopyBr { .. } => {
                            self.code.update(pos, op::COPY_BR, |b| b.offset = off)
                        }
                        Jump::ConstBr { .. } => {
                            self.code.update(pos, op::CONST_BR, |b| b.offset = off)
                        }
                    }
                    // A jump to a conditional branch runs that branch where it stands.
                    if let Some(vias) = self.code.op_at(t).and_then(vias_of) {
                        match jump {
                            Jump::Br => {
                                self.code.retag(pos, vias.br.erase());
                                self.fuse_load_via(pos, t);
                            }
                            Jump::CopyBr { .. } => self.code.retag(pos, vias.copy_br.erase()),
                            Jump::ConstBr { .. } => {}
                        }
                    }
                }
            }
        }
    }

    /// The `copy.br_if_nez` at `pos`, if its target adds a constant to the value it
    /// carries or subtracts one (the first instruction of a loop counting through its
    /// parameter), runs that instruction itself: its handler becomes the one of
    /// `head_vias!` (in `exec::ops::control`) for the pair, which the target reading the
    /// very slot the branch writes makes sound. Nothing else changes, so a branch that
    /// lands on the target still runs it. Done once the function is complete, so that
    /// the target is final (the pairs, made later, keep its immediates).
    fn run_loop_head(&mut self, pos: usize) {
        let code = &*self.code;
        let (branch, dst, offset) = if let Some(b) = code.imm_if(pos, op::BR_IF_NEZ_COPY_A) {
            (op::BR_IF_NEZ_COPY_A.code, b.dst, b.offset)
        } else if let Some(b) = code.imm_if(pos, op::BR_IF_NEZ_COPY) {
            (op::BR_IF_NEZ_COPY.code, b.dst, b.offset)
        } else {
            return;
        };
        let target = (pos as i64 + offset as i64) as usize;
        let Some(head) = code.op_at(target) else {
            return;
        };
        let Some(via) = head_via_table()
            .iter()
            .find(|v| v.branch == branch && v.head == head)
        else {
            return;
        };
        let reads = if via.wide {
            code.imm::<BinRI64>(target).a
        } else {
            code.imm::<BinRI32>(target).a
        };
        if reads == dst {
            self.code.retag(pos, via.via);
        }
    }

    /// A via over the `br` at `pos` to the instruction at `target`, just made: if the
    /// instruction right before the `br` is an `i32.load` whose word an `and_shl`
    /// dispatch at `target` reads (the end of a copy of Lua's loop header), the load gets
    /// the form that runs the dispatch itself (see `and_shl_load_br_tables!` in
    /// `exec::ops::memory`). Only the load's handler word changes: the `br` stays whole
    /// for the jumps that land on it.
    fn fuse_load_via(&mut self, pos: usize, target: usize) {
        let Some(head) = self.code.op_at(target) else {
            return;
        };
        let Some(&(dispatch, fused)) = op::AND_SHL_LOAD_VIAS
            .iter()
            .find(|(dispatch, _)| dispatch.code == head)
        else {
            return;
        };
        // (The load must end where the `br` starts: `imm_if` finds an instruction of
        // `Load`'s size starting exactly that far back, or nothing.)
        let Some(at) = pos.checked_sub(crate::ir::words::<Load>()) else {
            return;
        };
        let load = self.code.imm_if(at, op::I32_LOAD.r);
        let reads = self.code.imm_if(target, dispatch).map(|d| d.a);
        if let (Some(load), Some(a)) = (load, reads) {
            if load.dst == a {
                self.code.retag(at, fused.erase());
            }
        }
    }
}

/// An unconditional jump that [`FuncTranslator::thread_jumps`] may rewrite, with what it
/// does besides jumping.
#[derive(Clone, Copy)]
enum Jump {
    Br,
    CopyBr { dst: Slot, src: Slot },
    ConstBr { dst: Slot, val: u64 },
}

/// Each instruction that has vias (see `exec::ops::via_entry`) and its vias, sorted by
/// the first.
fn via_table() -> &'static [(OpCode, Vias)] {
    static TABLE: OnceLock<Vec<(OpCode, Vias)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t: Vec<(OpCode, Vias)> = crate::exec::ops::vias()
            .into_iter()
            .map(|via| (via.target, via.vias))
            .collect();
        t.sort_unstable_by_key(|&(target, _)| target);
        t
    })
}

/// The branches that can run their target's instruction (see
/// [`FuncTranslator::run_loop_head`]).
fn head_via_table() -> &'static [crate::exec::ops::HeadVia] {
    static TABLE: OnceLock<Vec<crate::exec::ops::HeadVia>> = OnceLock::new();
    TABLE.get_or_init(crate::exec::ops::head_vias)
}

/// The vias (over a `br`, over a `copy.br`) of the instruction `code`, if it has them.
fn vias_of(code: OpCode) -> Option<Vias> {
    let table = via_table();
    let i = table
        .binary_search_by_key(&code, |&(target, _)| target)
        .ok()?;
    Some(table[i].1)
}

/// The via of dispatch instruction `code` over the end of a copied loop header
/// (`copy2.i32.add.br>...`), if it has one.
pub(super) fn header_via_of(code: OpCode) -> Option<Op<Copy2AddBr>> {
    static TABLE: OnceLock<Vec<(OpCode, Op<Copy2AddBr>)>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t: Vec<_> = crate::exec::ops::header_vias()
            .into_iter()
            .map(|h| (h.target, h.via))
            .collect();
        t.sort_unstable_by_key(|&(target, _)| target);
        t
    });
    let i = table
        .binary_search_by_key(&code, |&(target, _)| target)
        .ok()?;
    Some(table[i].1)
}

/// Copies taken out of the code by [`FuncTranslator::take_copies`].
pub(super) enum FoldedCopies {
    /// Nothing to fold.
    None,
    /// One copy, `dst = src`.
    One { dst: Slot, src: Slot },
    /// Two copies, in order.
    Two(Copy2),
}

/// The flag test [`FuncTranslator::fuse_and_branch`] emits, by its second operand.
enum Test {
    RR(Op<BrCmpRR>, Slot, Slot),
    RI32(Op<BrCmpRI32>, Slot, i32),
    RI64(Op<BrCmpRI64>, Slot, i64),
}

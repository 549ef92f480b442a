//! Superinstructions: folding an instruction into the one emitted just before it, and
//! threading jumps once a function is complete.
//!
//! Every fusion here checks that the two instructions are adjacent in the code
//! (`recent`, `last`) and that no branch target lies between them (`label_at`), and reads
//! the earlier instruction back from the code buffer. The pairs were chosen from dispatch
//! bigrams measured over the benchmark workloads (see docs/architecture.md).

use super::*;
use std::sync::OnceLock;

impl FuncTranslator<'_> {
    /// Emits `dst = src`, merged with a copy emitted just before into one `copy2`; a copy
    /// straight back (`b = a` after `a = b`) is dropped.
    pub(super) fn emit_copy(&mut self, dst: Slot, src: Slot) {
        if let Some(pos) = self.recent.last() {
            let merge = pos + words::<Un>() == self.code.pos()
                && self.label_at <= pos
                && self.code.words[pos] == op::COPY.handler as usize as u64;
            if merge {
                let field = |f: usize| self.code.read_u32(field_byte(pos, f));
                let (dst1, src1) = (field(offset_of!(Un, dst)), field(offset_of!(Un, src)));
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
    /// made by the call instruction itself (they mostly move arguments into place: one
    /// dispatch fewer per call). Only copies that give the same result when made twice
    /// are taken: a call that finds no room for its frame runs again from the start.
    pub(super) fn take_copies(&mut self) -> FoldedCopies {
        let Some(pos) = self.recent.last() else {
            return FoldedCopies::None;
        };
        if let Some(Un { dst, src }) = self.last_instruction(pos, &[op::COPY]) {
            self.unemit(pos);
            return FoldedCopies::One { dst, src };
        }
        if let Some(c) = self.last_instruction(pos, &[op::COPY2]) {
            // `a = b; c = a` or `a = b; b = c` read what the pair itself wrote.
            if c.dst1 != c.src2 && c.dst2 != c.src1 {
                self.unemit(pos);
                return FoldedCopies::Two(c);
            }
        }
        FoldedCopies::None
    }

    /// Emits an unconditional branch with a zero offset, merged with a copy or constant
    /// emitted just before it; returns the positions of the instruction and of its offset
    /// field.
    pub(super) fn emit_br(&mut self) -> (usize, usize) {
        if let Some(pos) = self.recent.last().filter(|&pos| self.label_at <= pos) {
            let handler = self.code.words[pos];
            let field = |f: usize| self.code.read_u32(field_byte(pos, f));
            if handler == op::COPY.handler as usize as u64 && pos + words::<Un>() == self.code.pos()
            {
                let (dst, src) = (field(offset_of!(Un, dst)), field(offset_of!(Un, src)));
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
            if handler == op::CONST.handler as usize as u64
                && pos + words::<Const>() == self.code.pos()
            {
                let dst = field(offset_of!(Const, dst));
                let val = self.code.words[pos + 2];
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
        let pos = self.recent.last()?;
        // The add must end right here, and nothing may branch to the point between the two.
        if cmp.is64 || pos + words::<BinRR>() != self.code.pos() || self.label_at > pos {
            return None;
        }
        let handler = self.code.words[pos];
        let field = |f: usize| self.code.read_u32(field_byte(pos, f));
        // `BinRR` and `BinRI32` share the first three fields: dst, a, then b or imm.
        let (x, a, b) = (field(0), field(4), field(8));
        let is = |op: Op<BinRI32>| handler == op.handler as usize as u64;
        let (add, sub) = (op::I32_ADD.imm?, op::I32_SUB.imm?);
        let step = if handler == op::I32_ADD.rr.handler as usize as u64 {
            match (a == x, b == x) {
                (true, _) => Operand::Slot(b),
                (false, true) => Operand::Slot(a),
                _ => return None,
            }
        } else if (is(add.ri) || is(add.ir)) && a == x {
            Operand::Imm(b as i32 as i64)
        } else if is(sub.ri) && a == x {
            Operand::Imm((b as i32).wrapping_neg() as i64)
        } else {
            return None;
        };
        // The comparison must test `x` (on either side).
        let (cond, limit) = match cmp.b {
            _ if cmp.a == x => (cond, cmp.b),
            Operand::Slot(b) if b == x => (cond.swap(), Operand::Slot(cmp.a)),
            _ => return None,
        };
        let limit = match limit {
            Operand::Zero => Operand::Imm(0),
            other => other,
        };
        let ops = cond.add_branch();
        // In metered code the back edge charges the next iteration just before the add
        // (see `rotated_back_edge`): that charge joins the instruction too.
        // Not the open block's own charge: its amount is still being patched as operators
        // are translated (`charge`), at the position of its `fuel` instruction.
        let fuel = self.recent.before_last().filter(|&f| {
            f + words::<Fuel>() == pos
                && self.label_at <= f
                && self.fuel_block != Some(f)
                && self.code.words[f] == op::FUEL.handler as usize as u64
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
                let imm = AddBr {
                    x,
                    step,
                    limit,
                    offset: 0,
                };
                self.emit([ops.ss, ops.si, ops.is, ops.ii][form], imm)
            }
            Some(f) => {
                let amount = self.code.read_u32(field_byte(f, offset_of!(Fuel, amount)));
                self.unemit(f);
                let imm = AddBrFuel {
                    x,
                    step,
                    limit,
                    offset: 0,
                    fuel: amount,
                };
                let forms = [ops.ss_fuel, ops.si_fuel, ops.is_fuel, ops.ii_fuel];
                self.emit(forms[form], imm)
            }
        };
        // (The offset is in the same place in both layouts.)
        const _: () = assert!(offset_of!(AddBr, offset) == offset_of!(AddBrFuel, offset));
        Some((pos, field_byte(pos, offset_of!(AddBr, offset))))
    }

    /// The `i32.add` of a slot and a constant just emitted (into a slot), with no branch
    /// target after its start: its position and immediates.
    fn pending_add_imm(&self) -> Option<(usize, BinRI32)> {
        let q = self.recent.last()?;
        let add = op::I32_ADD.imm?;
        Some((q, self.last_instruction(q, &[add.ri, add.ir])?))
    }

    /// The immediates of the instruction at `pos` if it is the last one in the code, no
    /// branch lands after its start, and it is one of `ops` (read back from the code, not
    /// taken from bookkeeping).
    fn last_instruction<L: Layout>(&self, pos: usize, ops: &[Op<L>]) -> Option<L> {
        if pos + words::<L>() != self.code.pos() || self.label_at > pos {
            return None;
        }
        let handler = self.code.words[pos];
        ops.iter()
            .any(|op| op.handler as usize as u64 == handler)
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
        let handler = self.code.words[pos];
        let field = |f: usize| self.code.read_u32(field_byte(pos, f));
        let pairs = [
            (op::I32_LOAD, op::LOAD32_BR),
            (op::I32_LOAD8_U, op::LOAD8_BR),
            (op::I32_LOAD8_S, op::LOAD8_BR),
            (op::I32_LOAD16_U, op::LOAD16_BR),
            (op::I32_LOAD16_S, op::LOAD16_BR),
        ];
        for (load, br) in pairs {
            if handler == load.r.handler as usize as u64 {
                let (addr, offset) = (
                    field(offset_of!(Load, addr)),
                    field(offset_of!(Load, offset)),
                );
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
            if handler == load.ri.handler as usize as u64 {
                let a = field(offset_of!(LoadRI, a));
                let imm = field(offset_of!(LoadRI, imm));
                let offset = field(offset_of!(LoadRI, offset));
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

    /// If the address of a load (in the accumulator's reach) was just computed by an
    /// `i32.add` of two slots or of a slot and a constant, replaces that add by a load
    /// from the sum. Returns the load's position and its accumulator form.
    pub(super) fn fuse_add_load(
        &mut self,
        op: LoadOp,
        dst: Slot,
        offset: u32,
    ) -> Option<(usize, crate::exec::Handler)> {
        let pos = self.last?.pos;
        if pos + words::<BinRR>() != self.code.pos() || self.label_at > pos {
            return None;
        }
        let handler = self.code.words[pos];
        let field = |f: usize| self.code.read_u32(field_byte(pos, f));
        // `BinRR` and `BinRI32` share their fields' places: dst, a, then b or imm.
        let (a, b) = (field(4), field(8));
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
            return Some((pos, op.sh_a.handler));
        }
        if handler == op::I32_ADD.rr.handler as usize as u64 {
            self.unemit(pos);
            let pos = self.emit(op.rr, LoadRR { dst, a, b, offset });
            Some((pos, op.rr_a.handler))
        } else if handler == add.ri.handler as usize as u64
            || handler == add.ir.handler as usize as u64
        {
            self.unemit(pos);
            let pos = self.emit(
                op.ri,
                LoadRI {
                    dst,
                    a,
                    imm: b,
                    offset,
                },
            );
            Some((pos, op.ri_a.handler))
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
        // Where the add must be: last, or just before the value's instruction.
        let add_pos = match src {
            Some(_) => self.recent.last(),
            None => self.recent.before_last(),
        };
        let Some(add_pos) = add_pos else {
            return false;
        };
        if self.label_at > add_pos
            || self.code.words[add_pos] != op::I32_ADD.rr.handler as usize as u64
        {
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
                }) if pos == value_pos && self.recent.last() == Some(pos) => {
                    let mut words = self.code.words[value_pos..].to_vec();
                    words[0] = acc as usize as u64;
                    Some(words)
                }
                _ => return false,
            },
        };
        if add.dst != addr {
            return false;
        }
        if moved.is_some() {
            self.unemit(value_pos);
        }
        self.unemit(add_pos);
        self.last = None;
        if let Some(words) = moved {
            let pos = self.code.pos();
            for w in words {
                self.code.push_word(w);
            }
            self.recent.push(pos);
        }
        let store = StoreSum {
            a: add.a,
            b: add.b,
            src: src.unwrap_or(0),
            offset,
        };
        let form = if src.is_some() { op.sum_r } else { op.sum_va };
        self.emit(form, store);
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
    ) -> Option<(usize, crate::exec::Handler)> {
        if is64 || f.op.rr.handler as usize != op::I32_ADD.rr.handler as usize {
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
        Some((pos, op::I32_ADD_SHL_A.handler))
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
    ) -> Option<(usize, crate::exec::Handler)> {
        if is64 || f.op.rr.handler as usize != op::I32_ADD.rr.handler as usize {
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
        Some((pos, form_a.handler))
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
    ) -> Option<(usize, crate::exec::Handler)> {
        if is64 || f.op.rr.handler as usize != op::I32_AND.rr.handler as usize {
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
        Some((pos, op::I32_SHR_U_AND_A.handler))
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
    pub(super) fn take_trailing_add(&mut self) -> Option<Vec<u64>> {
        let pos = self.recent.last()?;
        let end = pos + words::<BinRR>();
        if end != self.code.pos() || self.label_at > pos {
            return None;
        }
        let handler = self.code.words[pos];
        let (add, sub) = (op::I32_ADD.imm?, op::I32_SUB.imm?);
        let candidates = [
            op::I32_ADD.rr.handler,
            add.ri.handler,
            add.ir.handler,
            sub.ri.handler,
        ];
        if !candidates.iter().any(|&h| handler == h as usize as u64) {
            return None;
        }
        let words = self.code.words[pos..end].to_vec();
        self.unemit(pos);
        // Its result may have been pending; it is about to move.
        self.last = None;
        Some(words)
    }

    /// Once the function is complete: a jump to a jump goes straight to the final target,
    /// and a jump to a return becomes that return (`copy.br` to `return.slot` of the
    /// copied slot returns the source instead), saving a dispatch. Rewritten jumps keep
    /// their size; a shorter return leaves dead words behind it.
    pub(super) fn thread_jumps(&mut self) {
        let (br, copy_br, const_br) = (
            op::BR.handler as usize as u64,
            op::COPY_BR.handler as usize as u64,
            op::CONST_BR.handler as usize as u64,
        );
        let (ret, ret_slot) = (
            op::RETURN.handler as usize as u64,
            op::RETURN_SLOT.handler as usize as u64,
        );
        let offset_field = |h: u64| {
            if h == br {
                Some(offset_of!(Br, offset))
            } else if h == copy_br {
                Some(offset_of!(CopyBr, offset))
            } else if h == const_br {
                Some(offset_of!(ConstBr, offset))
            } else {
                None
            }
        };
        let jumps = core::mem::take(&mut self.jumps);
        for &pos in &jumps {
            let h = self.code.words[pos];
            let Some(field) = offset_field(h) else {
                continue; // already turned into a return
            };
            let byte = field_byte(pos, field);
            // Follow plain `br`s (a bounded number: loops of `br`s exist in valid code).
            let mut target = pos as i64 + self.code.read_u32(byte) as i32 as i64;
            for _ in 0..8 {
                let t = target as usize;
                if self.code.words[t] != br {
                    break;
                }
                target = t as i64 + self.code.read_u32(field_byte(t, 0)) as i32 as i64;
            }
            let t = target as usize;
            let field32 = |f: usize| self.code.read_u32(field_byte(pos, f));
            // (Read only where `t` holds a `return.slot`: a shorter instruction may end the code.)
            let ret_src = || self.code.read_u32(field_byte(t, offset_of!(Ret1, src)));
            match self.code.words[t] {
                w if w == ret_slot && h == br => {
                    let src = ret_src();
                    self.code.words[pos] = ret_slot;
                    self.code.words[pos + 1] = src as u64;
                }
                w if w == ret_slot && h == copy_br => {
                    // `dst = src; return dst` is `return src`: the frame dies.
                    let (dst, src) = (
                        field32(offset_of!(CopyBr, dst)),
                        field32(offset_of!(CopyBr, src)),
                    );
                    let ret_src = ret_src();
                    let src = if ret_src == dst { src } else { ret_src };
                    self.code.words[pos] = ret_slot;
                    self.code.words[pos + 1] = src as u64;
                }
                w if w == ret_slot
                    && h == const_br
                    && field32(offset_of!(ConstBr, dst)) == ret_src() =>
                {
                    // `dst = val; return dst` is `return val` (both three words).
                    let val = self.code.words[pos + 2];
                    self.code.words[pos] = op::RETURN_IMM.handler as usize as u64;
                    self.code.words[pos + 1] = 0;
                    self.code.words[pos + 2] = val;
                }
                w if w == ret && h == br => self.code.words[pos] = ret,
                w => {
                    let off = target - pos as i64;
                    self.code.patch_u32(byte, off as i32 as u32);
                    // A jump to a conditional branch runs that branch where it stands.
                    if let Some([via_br, via_copy_br]) = vias_of(w) {
                        if h == br {
                            self.code.words[pos] = via_br;
                        } else if h == copy_br {
                            self.code.words[pos] = via_copy_br;
                        }
                    }
                }
            }
        }
    }
}

/// The handler of each instruction that has vias (see `exec::ops::via_entry`) and its
/// vias' handlers (over a `br`, over a `copy.br`), sorted by the first.
fn via_table() -> &'static [(u64, [u64; 2])] {
    static TABLE: OnceLock<Vec<(u64, [u64; 2])>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t: Vec<(u64, [u64; 2])> = crate::exec::ops::vias()
            .into_iter()
            .map(|via| {
                let handlers = [via.vias.br.handler, via.vias.copy_br.handler];
                (
                    via.target as usize as u64,
                    handlers.map(|h| h as usize as u64),
                )
            })
            .collect();
        t.sort_unstable();
        t
    })
}

/// The vias (over a `br`, over a `copy.br`) of the instruction whose handler is `handler`,
/// if it has them.
fn vias_of(handler: u64) -> Option<[u64; 2]> {
    let table = via_table();
    let i = table
        .binary_search_by_key(&handler, |&(target, _)| target)
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

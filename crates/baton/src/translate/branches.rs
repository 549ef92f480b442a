//! Control flow: blocks, branches (with their fused compare-and-branch forms), `br_table`,
//! loop rotation, `return` and `end`.

use super::*;

impl FuncTranslator<'_> {
    /// Cells of a block's parameters and results (a `v128` takes two stack entries).
    pub(super) fn block_arity(&self, ty: BlockType) -> (u32, u32) {
        match ty {
            BlockType::Empty => (0, 0),
            BlockType::Type(wasmparser::ValType::V128) => (0, 2),
            BlockType::Type(_) => (0, 1),
            BlockType::FuncType(i) => {
                let t = self.env.types[i as usize].func();
                (t.param_cells() as u32, t.result_cells() as u32)
            }
        }
    }

    /// A label is bound here: instructions before it can no longer be rewritten.
    pub(super) fn bind_label(&mut self) {
        self.last = None;
        self.label_at = self.code.pos();
    }

    pub(super) fn begin_block(&mut self, kind: CtrlKind, ty: BlockType) {
        let (params, results) = self.block_arity(ty);
        let init_mark = self.init.mark();
        if !self.reachable {
            let h = self.stack.len();
            let mut c = Ctrl::new(kind, h, params, results, self.code.pos(), false);
            c.init_mark = init_mark;
            c.fixups = self.spare_fixups.pop().unwrap_or_default();
            self.ctrl.push(c);
            return;
        }
        // Values flowing into a merge point must be where every path agrees: lazy locals
        // are copied now (a later `local.set` in one branch could not fix up the other),
        // and block parameters go to their slots.
        self.materialize_locals();
        let h = self.stack.len();
        for p in h - params as usize..h {
            self.materialize(p);
        }
        if kind == CtrlKind::Loop {
            self.bind_label();
        }
        let mut c = Ctrl::new(
            kind,
            h - params as usize,
            params,
            results,
            self.code.pos(),
            true,
        );
        c.init_mark = init_mark;
        c.fixups = self.spare_fixups.pop().unwrap_or_default();
        self.ctrl.push(c);
        if kind == CtrlKind::Loop {
            // Back edges land here: interruption and fuel are checked once per iteration.
            self.check_point();
            let fuel = if self.env.fuel { self.fuel_block } else { None };
            let body_start = self.code.pos();
            let branches = self.branches;
            let c = self.ctrl.last_mut().expect("just pushed");
            c.header_fuel = fuel;
            c.body_start = body_start;
            c.branches_at_body = branches;
        }
    }

    /// Moves the top `arity` values into the slots starting at stack position `height`.
    pub(super) fn move_values(&mut self, height: usize, arity: usize) {
        let h = self.stack.len();
        for i in 0..arity {
            let p = h - arity + i;
            let dst = self.temp(height + i);
            let o = self.stack[p];
            self.move_to(dst, p, o);
        }
    }

    pub(super) fn label(&self, depth: u32) -> &Ctrl {
        &self.ctrl[self.ctrl.len() - 1 - depth as usize]
    }

    pub(super) fn needs_moves(&self, depth: u32) -> bool {
        let c = self.label(depth);
        let arity = c.branch_arity() as usize;
        let h = self.stack.len();
        (0..arity).any(|i| self.stack[h - arity + i] != Opd::Temp || h - arity + i != c.height + i)
    }

    pub(super) fn move_branch_values(&mut self, depth: u32) {
        let c = self.label(depth);
        let (height, arity) = (c.height, c.branch_arity() as usize);
        self.move_values(height, arity);
    }

    /// Emits a branching instruction to label `depth`, whose offset field is at
    /// `field_offset` in its immediates.
    pub(super) fn emit_branch<L: Layout>(
        &mut self,
        depth: u32,
        op: Op<L>,
        imm: L,
        field_offset: usize,
    ) {
        let pos = self.emit(op, imm);
        self.branch_fixup(depth, pos, field_byte(pos, field_offset));
    }

    /// Makes the 32-bit offset at `byte` (of the instruction at `pos`) reach label `depth`.
    pub(super) fn branch_fixup(&mut self, depth: u32, pos: usize, byte: usize) {
        let idx = self.ctrl.len() - 1 - depth as usize;
        let c = &mut self.ctrl[idx];
        c.branched = true;
        if c.kind == CtrlKind::Loop {
            let off = c.label as i64 - pos as i64;
            self.code.patch_u32(byte, off as i32 as u32);
        } else {
            c.fixups.push((pos, byte));
        }
    }

    pub(super) fn br(&mut self, depth: u32) {
        if depth as usize == self.ctrl.len() - 1 {
            return self.ret();
        }
        self.move_branch_values(depth);
        if !self.rotated_back_edge(depth) && !self.copied_dispatch(depth) {
            let (pos, byte) = self.emit_br();
            self.branch_fixup(depth, pos, byte);
        }
        self.reachable = false;
    }

    /// The comparison the previous instruction computed, if the condition `cond` (at stack
    /// position `p`) is its result: a branch on it absorbs the comparison, removing the
    /// code from the position returned on.
    pub(super) fn pending_cmp(&self, cond: Opd, p: usize) -> Option<(usize, Cmp)> {
        match (cond, self.last) {
            (
                Opd::Temp,
                Some(Last {
                    start,
                    dst,
                    cmp: Some(cmp),
                    ..
                }),
            ) if dst == self.temp(p) => Some((start, cmp)),
            _ => None,
        }
    }

    /// The two comparisons whose `and` the condition `cond` (at stack position `p`) is, if
    /// only they and the `and` compute it: a branch tests the two itself, as C's `if (a &&
    /// b)` means, in two compare-and-branches instead of four instructions. Returns where
    /// their code starts.
    pub(super) fn pending_conjunction(&self, cond: Opd, p: usize) -> Option<Conjunction> {
        let (c, last) = (self.conjunction?, self.last?);
        (cond == Opd::Temp && last.pos == c.pos && last.dst == self.temp(p)).then_some(c)
    }

    /// Takes back the code from `start` on: the conjunction's, which a branch tests itself.
    fn take_back_conjunction(&mut self, start: usize) {
        self.unemit_from(start);
        self.last = None;
    }

    /// Emits the branch that is taken when the conjunction `c`'s `a && b` holds
    /// (`when_both`) or when it does not, as its two comparisons; returns the offset
    /// fields to point at the branch's target. Taken when both hold, the first test skips
    /// the second when it fails.
    fn conjunction_branch(
        &mut self,
        c: Conjunction,
        when_both: bool,
    ) -> [Option<(usize, usize)>; 2] {
        if when_both {
            let (skip, skip_offset) = self.emit_cmp_raw(c.first, false, false);
            let taken = self.emit_cmp_raw(c.second, true, false);
            self.patch_to_here(skip, skip_offset);
            self.bind_label();
            [Some(taken), None]
        } else {
            [
                Some(self.emit_cmp_raw(c.first, false, false)),
                Some(self.emit_cmp_raw(c.second, false, false)),
            ]
        }
    }

    /// The test a conditional branch makes of `cond` (stack position `p`): the comparison
    /// that just computed it (`fused`, from [`Self::pending_cmp`]), whose code is taken
    /// back, or else the condition's slot against zero.
    fn condition_test(&mut self, fused: Option<(usize, Cmp)>, cond: Opd, p: usize) -> Cmp {
        match fused {
            Some((pos, cmp)) => {
                self.unemit_from(pos);
                self.last = self.prev_last.filter(|l| l.pos < pos);
                cmp
            }
            None => Cmp {
                is64: false,
                cond: Cond::Ne,
                a: self.slot_at(p, cond),
                b: Operand::Zero,
            },
        }
    }

    /// `if`: opens the block and branches to its `else` part (or end) when the condition is
    /// false, absorbing a just-computed comparison or reading a condition left in the
    /// accumulator.
    pub(super) fn begin_if(&mut self, blockty: BlockType) {
        // The condition is consumed before the block's parameters are fixed.
        let cond = self.pop();
        let p = self.stack.len();
        // (A test that may head a loop stays one test: the back edge repeats it, see
        // `if_head_candidate`.)
        let conjunction = self
            .pending_conjunction(cond, p)
            .filter(|_| !self.may_head_loop());
        if let Some(conj) = conjunction {
            // `if (a && b)`: each comparison branches to the `else` part when false (and
            // `if (!(a && b))` goes there when both hold).
            // (Taken back before the block's parameters are fixed: that may emit moves.)
            self.take_back_conjunction(conj.start);
            self.begin_block(CtrlKind::If, blockty);
            let fixups = self.conjunction_branch(conj, conj.negated);
            let c = self.ctrl.last_mut().expect("just pushed");
            (c.first_else_fixup, c.else_fixup) = match fixups {
                [first, Some(second)] => (first, Some(second)),
                [only, None] => (None, only),
            };
            c.saved_params = self.stack[c.height..].to_vec();
            return;
        }
        let fused = self.pending_cmp(cond, p);
        let acc_pending = fused.is_none() && self.in_acc(cond, p);
        // Without a comparison to absorb, test the condition's slot against zero.
        let cmp = self.condition_test(fused, cond, p);
        let pending = self.last.map(|l| l.pos);
        self.begin_block(CtrlKind::If, blockty);
        // Branch to the else part when the condition is false; the offset is
        // patched at `else` / `end`. A condition computed by the previous
        // instruction is read from the accumulator, if opening the block emitted
        // nothing in between.
        let (pos, byte) = if acc_pending && self.last.map(|l| l.pos) == pending {
            if let Some(fused) = self
                .fuse_load_branch(false)
                .or_else(|| self.fuse_and_branch(cmp, Cond::Eq))
            {
                fused
            } else {
                self.route_through_acc();
                let pos = self.emit(op::BR_IF_EQZ_A, Br { offset: 0 });
                (pos, field_byte(pos, offset_of!(Br, offset)))
            }
        } else if let Some(l) = self.if_head_candidate() {
            // A plain test (the back edge repeats it, fused with what comes before it).
            let producer = self.last.filter(|l| l.dst == cmp.a && l.acc.is_some());
            let (pos, byte) = self.emit_cmp_raw(cmp, false, false);
            let exit = HeadExit::IfElse(self.ctrl.len() - 1);
            self.record_loop_head(l, pos, cmp, false, exit, producer);
            (pos, byte)
        } else {
            self.emit_cmp_branch(0, cmp, false);
            self.ctrl
                .last_mut()
                .and_then(|c| c.fixups.pop())
                .expect("the branch to the else part was just recorded")
        };
        let c = self.ctrl.last_mut().unwrap();
        c.else_fixup = Some((pos, byte));
        c.saved_params = self.stack[c.height..].to_vec();
    }

    /// Emits a branch to `depth` taken when `cond` (stack position `p`) is non-zero
    /// (`when_true`) or zero; fuses a just-computed comparison into it when possible.
    pub(super) fn branch_if(&mut self, depth: u32, when_true: bool) {
        let cond = self.pop();
        let p = self.stack.len();
        let conjunction = self
            .pending_conjunction(cond, p)
            .filter(|_| self.loop_head_candidate(depth).is_none());
        if let Some(conj) = conjunction {
            let when_both = when_true != conj.negated;
            self.take_back_conjunction(conj.start);
            for (pos, byte) in self
                .conjunction_branch(conj, when_both)
                .into_iter()
                .flatten()
            {
                self.branch_fixup(depth, pos, byte);
            }
            return;
        }
        let fused = self.pending_cmp(cond, p);
        if let Some((pos, cmp)) = fused {
            self.unemit_from(pos);
            self.last = self.prev_last.filter(|l| l.pos < pos);
            self.emit_cmp_branch(depth, cmp, when_true);
        } else if self.in_acc(cond, p) {
            // The condition was computed by the previous instruction: fold a load or an
            // `and` into the branch, or read the value from the accumulator.
            let test = Cmp {
                is64: false,
                cond: Cond::Ne,
                a: self.slot_at(p, cond),
                b: Operand::Zero,
            };
            let taken = if when_true { Cond::Ne } else { Cond::Eq };
            if let Some((pos, byte)) = self
                .fuse_load_branch(when_true)
                .or_else(|| self.fuse_and_branch(test, taken))
            {
                self.branch_fixup(depth, pos, byte);
                return;
            }
            self.route_through_acc();
            let op = if when_true {
                op::BR_IF_NEZ_A
            } else {
                op::BR_IF_EQZ_A
            };
            self.emit_branch(depth, op, Br { offset: 0 }, offset_of!(Br, offset));
        } else {
            // A test of a slot against zero: the same path as a fused comparison, so that
            // it can head a rotated loop or absorb the add before it.
            let a = self.slot_at(p, cond);
            let cmp = Cmp {
                is64: false,
                cond: Cond::Ne,
                a,
                b: Operand::Zero,
            };
            self.emit_cmp_branch(depth, cmp, when_true);
        }
    }

    pub(super) fn emit_cmp_branch(&mut self, depth: u32, cmp: Cmp, when_true: bool) {
        let head = self.loop_head_candidate(depth);
        let producer = self.last.filter(|l| l.dst == cmp.a && l.acc.is_some());
        // A loop head test stays a plain test: the back edge repeats it (and the code
        // before it) on its own.
        let (pos, byte) = self.emit_cmp_raw(cmp, when_true, head.is_none());
        self.branch_fixup(depth, pos, byte);
        if let Some(target) = head {
            // The loop starts by branching out: remember it, so that the loop's back
            // edge can test the condition itself (see `rotated_back_edge`).
            let exit = HeadExit::Block(target);
            self.record_loop_head(self.ctrl.len() - 1, pos, cmp, when_true, exit, producer);
        }
    }

    /// Records the test just emitted at `pos` as the head of the loop at control-stack
    /// index `idx`, whose body starts after it.
    fn record_loop_head(
        &mut self,
        idx: usize,
        pos: usize,
        cmp: Cmp,
        when_true: bool,
        exit: HeadExit,
        producer: Option<Last>,
    ) {
        let body = self.code.pos();
        self.label_at = body;
        self.ctrl[idx].head = Some(LoopHead {
            test: pos,
            cmp,
            when_true,
            exit,
            body,
            producer,
        });
    }

    /// Whether a test here could head the loop around it (an `if` opened here may be an
    /// [`Self::if_head_candidate`]): the loop has no head yet and only a few plain
    /// instructions of its body came before.
    fn may_head_loop(&self) -> bool {
        self.ctrl.last().is_some_and(|c| {
            c.kind == CtrlKind::Loop
                && c.params == 0
                && c.head.is_none()
                && self.code.pos() - c.body_start <= MAX_REPEATED_HEADER
                && self.branches == c.branches_at_body
        })
    }

    /// If the `if` just opened (without parameters or results) is the first instruction
    /// of the loop around it, after at most a few plain ones computing its condition, the
    /// control-stack index of that loop: the `if` tests whether to stay in the loop, and
    /// a `br` back to the loop from its `then` part can repeat the test instead (see
    /// `rotated_back_edge`).
    fn if_head_candidate(&self) -> Option<usize> {
        let i = self.ctrl.len() - 1;
        let l = i.checked_sub(1)?;
        let (c, f) = (&self.ctrl[l], &self.ctrl[i]);
        let plain = c.kind == CtrlKind::Loop && c.params == 0 && f.params == 0 && f.results == 0;
        if !plain || c.head.is_some() || self.code.pos() - c.body_start > MAX_REPEATED_HEADER {
            return None;
        }
        (self.branches == c.branches_at_body).then_some(l)
    }

    /// Emits a compare-and-branch with a zero offset; returns the positions of the
    /// instruction and of its offset field. With `fuse`, an in-place add just before it
    /// that feeds the comparison is folded into it (see [`Self::fuse_add_branch`]).
    pub(super) fn emit_cmp_raw(&mut self, cmp: Cmp, when_true: bool, fuse: bool) -> (usize, usize) {
        let cond = if when_true {
            cmp.cond
        } else {
            cmp.cond.negate()
        };
        if fuse {
            if let Some(fused) = self
                .fuse_add_branch(cmp, cond)
                .or_else(|| self.fuse_float_add_branch(cmp, cond))
                .or_else(|| self.fuse_and_branch(cmp, cond))
            {
                return fused;
            }
            // A zero test of a value just loaded (into a temporary nothing else reads).
            let loaded = matches!(self.last, Some(Last { dst, acc: Some(_), .. }) if dst == cmp.a);
            if loaded && !cmp.is64 && matches!(cmp.b, Operand::Zero) {
                if let Some(fused) = self.fuse_load_branch(cond == Cond::Ne) {
                    return fused;
                }
            }
            if let Some(fused) = self.fuse_load_cmp_branch(cmp, cond, loaded) {
                return fused;
            }
            if let Some(fused) = self
                .fuse_global_branch(cmp, cond)
                .or_else(|| self.fuse_global_select_branch(cmp, cond))
            {
                return fused;
            }
        }
        let (pos, field) = match cmp.b {
            Operand::Slot(b) => {
                let op = cond.branch_rr(cmp.is64);
                let pos = self.emit(
                    op,
                    BrCmpRR {
                        a: cmp.a,
                        b,
                        offset: 0,
                    },
                );
                (pos, offset_of!(BrCmpRR, offset))
            }
            Operand::Zero if fuse && !cmp.is64 && self.pending_const().is_some() => {
                // A constant stored just before (a phi value set before a join): one
                // instruction stores it and tests (the store first, as before).
                let (q, Const { dst, val, .. }) = self.pending_const().expect("checked");
                self.unemit(q);
                self.last = None;
                let op = if cond == Cond::Eq {
                    op::CONST_BR_IF_EQZ
                } else {
                    op::CONST_BR_IF_NEZ
                };
                let imm = ConstBrCond {
                    cond: cmp.a,
                    dst,
                    offset: 0,
                    pad: 0,
                    val,
                };
                (self.emit(op, imm), offset_of!(ConstBrCond, offset))
            }
            Operand::Zero => {
                // `eqz`: the comparison holds when the operand is zero.
                let op = match (cmp.is64, cond == Cond::Eq) {
                    (false, true) => op::BR_IF_EQZ,
                    (false, false) => op::BR_IF_NEZ,
                    (true, true) => op::BR_IF_EQZ64,
                    (true, false) => op::BR_IF_NEZ64,
                };
                let pos = self.emit(
                    op,
                    BrCond {
                        cond: cmp.a,
                        offset: 0,
                    },
                );
                (pos, offset_of!(BrCond, offset))
            }
            Operand::Imm(imm) if cmp.is64 => {
                let op = cond.branch_ri64();
                let pos = self.emit(
                    op,
                    BrCmpRI64 {
                        a: cmp.a,
                        offset: 0,
                        imm,
                    },
                );
                (pos, offset_of!(BrCmpRI64, offset))
            }
            Operand::Imm(imm) => {
                let op = cond.branch_ri32();
                let pos = self.emit(
                    op,
                    BrCmpRI32 {
                        a: cmp.a,
                        imm: imm as i32,
                        offset: 0,
                    },
                );
                (pos, offset_of!(BrCmpRI32, offset))
            }
        };
        (pos, field_byte(pos, field))
    }

    /// If a branch to `depth` emitted now would be the first instruction of the innermost
    /// loop and leave it for a block without results, the control-stack index of its
    /// target. Loop heads are only rotated in code without fuel or interruption checks,
    /// which must run on every iteration.
    pub(super) fn loop_head_candidate(&self, depth: u32) -> Option<usize> {
        let c = self.ctrl.last()?;
        if c.kind != CtrlKind::Loop || c.params != 0 || depth == 0 {
            return None;
        }
        // The test must come right after the loop header's checks (if any), or after a few
        // plain instructions computing its operands, which the back edge will repeat.
        if c.head.is_some() || self.code.pos() - c.body_start > MAX_REPEATED_HEADER {
            return None;
        }
        if self.branches != c.branches_at_body {
            return None;
        }
        let target = self.ctrl.len() - 1 - depth as usize;
        let t = &self.ctrl[target];
        (target > 0 && t.kind != CtrlKind::Loop && t.results == 0).then_some(target)
    }

    /// A `br` back to a loop whose first instruction branches out of it: instead of
    /// jumping to that test, test the condition here and jump straight into the body, so
    /// an iteration costs one branch instead of two. Returns whether it did so.
    pub(super) fn rotated_back_edge(&mut self, depth: u32) -> bool {
        let idx = self.ctrl.len() - 1 - depth as usize;
        let Some(head) = self.ctrl[idx].head else {
            return false;
        };
        if self.ctrl[idx].kind != CtrlKind::Loop {
            return false;
        }
        let exit = match head.exit {
            HeadExit::Block(target) => Some(target),
            // Only straight from the head's own `then` part: the code after this `br` is
            // dead up to that `if`'s `else` or `end`, so falling through lands on its
            // false path. (Another `if` may sit at the same index later: its test is not
            // the head's.)
            HeadExit::IfElse(i) => {
                let own = depth == 1
                    && i == self.ctrl.len() - 1
                    && self.ctrl[i].kind == CtrlKind::If
                    && self.ctrl[i].else_fixup.map(|(pos, _)| pos) == Some(head.test);
                if !own {
                    return false;
                }
                None
            }
        };
        // The header's checks run on every iteration: repeat them here. The fuel block the
        // header starts is complete by now (code after a `br` is unreachable until the next
        // label, which starts a new block), so its amount can be copied.
        // A counter update ending the body moves after the checks, so that it stays next
        // to the exit test and the two can fuse (the checks do not depend on it; stopped
        // at a check, execution resumes there, before the update).
        let header_fuel = self.ctrl[idx].header_fuel;
        let checks = self.env.interruptible || header_fuel.is_some();
        let moved = if checks {
            self.take_trailing_add()
        } else {
            None
        };
        if self.env.interruptible {
            self.emit(op::CHECK_INTERRUPT, Nothing {});
        }
        if let Some(fuel_pos) = header_fuel {
            let Fuel { amount } = self.code.imm_if(fuel_pos, op::FUEL).expect("a charge");
            let pos = self.emit(op::FUEL, Fuel { amount });
            // Stopped here, the frame holds what it held at the header (the loop has no
            // parameters; what the body left above them is dead).
            self.maps_copied(fuel_pos, fuel_pos + words::<Fuel>(), pos);
        }
        if let Some(cut) = moved {
            let pos = self.code.paste(cut);
            self.recent.push(pos);
        }
        // Recompute the test's operands, as the header does...
        let start = self.ctrl[idx].body_start;
        if head.test > start {
            // What was emitted last is no longer the previous instruction; the copy of
            // the header's last instruction is, if it computed the tested value.
            self.recent.reset_to(None);
            let copy_start = self.code.pos();
            self.last = head.producer.filter(|l| l.pos >= start).map(|l| Last {
                pos: copy_start + (l.pos - start),
                start: copy_start + (l.start - start),
                ..l
            });
            self.recent.reset_to(self.last.map(|l| l.pos));
        }
        let copy_at = self.code.pos();
        self.code.extend_from_within(start, head.test);
        self.maps_copied(start, head.test, copy_at);
        // ...stay in the loop (to its body) when the exit condition does not hold...
        let (pos, byte) = self.emit_cmp_raw(head.cmp, !head.when_true, true);
        let off = head.body as i64 - pos as i64;
        self.code.patch_u32(byte, off as i32 as u32);
        // ...and leave it the way the head would have (falling through to an `if` head's
        // false path).
        if let Some(target) = exit {
            let exit_depth = (self.ctrl.len() - 1 - target) as u32;
            self.emit_branch(exit_depth, op::BR, Br { offset: 0 }, offset_of!(Br, offset));
        }
        true
    }

    /// A `br` back to a loop whose header is a few plain instructions ending in a
    /// `br_table` (see [`Self::note_dispatch`]): repeats those instructions here and jumps
    /// to the `br_table` itself, which [`Self::thread_jumps`] then turns into the
    /// `br_table`'s via. Each case of an interpreter's `switch` loop then dispatches the
    /// next one without the jump back to the loop's head (tail duplication). Not done when
    /// the jump would take a copy or a constant along (`copy.br`, `const.br`: the dispatch
    /// saved there would be spent on the copy). Returns whether it did so.
    pub(super) fn copied_dispatch(&mut self, depth: u32) -> bool {
        let idx = self.ctrl.len() - 1 - depth as usize;
        let c = &self.ctrl[idx];
        let Some(table) = c.dispatch else {
            return false;
        };
        let start = c.label;
        // A `try_table` between here and the loop: the copy would be inside its region.
        if self.ctrl[idx + 1..].iter().any(|c| c.try_region.is_some()) {
            return false;
        }
        let copy = self
            .recent
            .last()
            .and_then(|q| self.last_instruction(q, &[op::COPY]));
        if copy.is_some() || self.pending_const().is_some() {
            return false;
        }
        let copy_at = self.code.pos();
        self.code.extend_from_within(start, table);
        self.maps_copied(start, table, copy_at);
        // What was emitted last is no longer the previous instruction.
        self.recent.reset_to(None);
        self.last = None;
        let pos = self.code.pos();
        // The copy's last instruction, when it is the header's `copy2.i32.add`, takes the
        // jump in and runs the dispatch itself: `copy2.i32.add.br>...` (see
        // `exec::ops::def_header_via`).
        let last = pos
            .checked_sub(words::<Copy2AddRI>())
            .filter(|&p| p >= copy_at && self.code.is(p, op::COPY2_ADD));
        let via = self.code.op_at(table).and_then(super::fuse::header_via_of);
        if let (Some(p), Some(via)) = (last, via) {
            let c: Copy2AddRI = self.code.imm(p);
            let imm = Copy2AddBr {
                dst1: c.dst1,
                src1: c.src1,
                dst2: c.dst2,
                src2: c.src2,
                dst: c.dst,
                a: c.a,
                imm: c.imm,
                offset: (table as i64 - p as i64) as i32,
                pad: 0,
            };
            self.code.rewrite(p, via, imm);
            return true;
        }
        let offset = (table as i64 - pos as i64) as i32;
        self.emit(op::BR, Br { offset });
        true
    }

    /// At a `br_table` just emitted at `pos`: for each loop whose header, from its label
    /// to here, is a few plain instructions (no other branch, no check: unmetered code),
    /// remembers the `br_table` as that loop's dispatch, for [`Self::copied_dispatch`].
    fn note_dispatch(&mut self, pos: usize) {
        if self.env.fuel || self.env.interruptible {
            return;
        }
        // (The `br_table` itself counts as a branch.)
        let branches = self.branches - 1;
        let mut headers = Vec::new();
        for c in self.ctrl.iter_mut() {
            if c.kind == CtrlKind::Loop
                && c.head.is_none()
                && c.branches_at_body == branches
                && c.body_start == c.label
                && pos > c.label
                && pos - c.label <= MAX_REPEATED_HEADER
            {
                c.dispatch = Some(pos);
                headers.push(c.label);
            }
        }
        for label in headers {
            self.fuse_header_copies(label);
        }
    }

    /// In a dispatch header (from `label`, a few plain instructions, no label bound
    /// inside): a `copy2` followed by an `i32.add` of a constant (the loop's phi copies and
    /// the increment of one of them: `pc = pc' ; sp = sp' ; pc' = pc + 1`) becomes one
    /// instruction in the same words. The header is repeated at each case's jump back
    /// (see [`Self::copied_dispatch`]), so every opcode saves that dispatch. Done here, once
    /// the header is complete, because no later fusion can want the add any more.
    fn fuse_header_copies(&mut self, label: usize) {
        if self.label_at > label || !self.code.is(label, op::COPY2) {
            return;
        }
        let add_at = label + words::<Copy2>();
        let Some(add) = op::I32_ADD.imm else { return };
        let (ri, ir) = (add.ri, add.ir);
        let Some(BinRI32 { dst, a, imm }) = self
            .code
            .imm_if(add_at, ri)
            .or_else(|| self.code.imm_if(add_at, ir))
        else {
            return;
        };
        let Copy2 {
            dst1,
            src1,
            dst2,
            src2,
        } = self.code.imm(label);
        let imm = Copy2AddRI {
            dst1,
            src1,
            dst2,
            src2,
            dst,
            a,
            imm,
            pad: 0,
            pad2: 0,
        };
        self.code.merge(label, op::COPY2_ADD, imm);
    }

    pub(super) fn label_mut(&mut self, depth: u32) -> &mut Ctrl {
        let i = self.ctrl.len() - 1 - depth as usize;
        &mut self.ctrl[i]
    }

    /// Whether a `br_if` to `depth` has values to move (the condition is on top).
    pub(super) fn needs_moves_below_cond(&mut self, depth: u32) -> bool {
        let cond = self.stack.pop().unwrap_or(Opd::Temp);
        let r = self.needs_moves(depth);
        self.stack.push(cond);
        r
    }

    pub(super) fn ret(&mut self) {
        let n = self.num_results as usize;
        let h = self.stack.len();
        if n == 1 {
            match self.stack[h - 1] {
                Opd::Const(val) => {
                    self.emit(
                        op::RETURN_IMM,
                        RetImm {
                            pad: 0,
                            pad2: 0,
                            val,
                        },
                    );
                }
                o => {
                    let src = self.slot_at(h - 1, o);
                    if !self.fuse_epilogue_return(Some(src)) {
                        self.emit(op::RETURN_SLOT, Ret1 { src });
                    }
                }
            }
        } else {
            // Results go to slots 0..n, which may be locals that other results still
            // read: copy such locals out of the way first. Only the return's own copies:
            // a conditional return (`br_if`, `br_on_null`, a `br_table` entry) is skipped
            // on the other path, which must still see the operands as they were.
            let operands = self.stack[h - n..].to_vec();
            for p in h - n..h {
                if let Opd::Local(x) = self.stack[p] {
                    if (x as usize) < n {
                        self.materialize(p);
                    }
                }
            }
            for i in 0..n {
                let p = h - n + i;
                let o = self.stack[p];
                self.move_to(i as Slot, p, o);
            }
            if !(n == 0 && self.fuse_epilogue_return(None)) {
                self.emit(op::RETURN, Nothing {});
            }
            for (i, o) in operands.into_iter().enumerate() {
                let p = h - n + i;
                if let (Opd::Local(x), Opd::Temp) = (o, self.stack[p]) {
                    self.local_refs[x as usize] += 1;
                }
                self.stack[p] = o;
            }
        }
        self.reachable = false;
    }

    /// A branch to the construct `depth` levels out is taken here (a `br`, `br_if`,
    /// `br_table` target, `br_on_*` or catch clause): for the local-initialisation pass,
    /// which needs what holds on every way to a construct's end (`init.rs`).
    pub(super) fn note_init_branch(&mut self, depth: u32) {
        let i = self.ctrl.len() - 1 - depth as usize;
        let c = &mut self.ctrl[i];
        if c.kind != CtrlKind::Loop {
            self.init.branch(c.init_mark, &mut c.init_branches);
        }
    }

    pub(super) fn end(&mut self) -> R<bool> {
        let mut c = self
            .ctrl
            .pop()
            .expect("validated: control stack is not empty at `end`");
        // What is assigned after the construct (see `init.rs`).
        match c.kind {
            CtrlKind::Loop => {}
            CtrlKind::If => self.init.undo(c.init_mark),
            CtrlKind::Block | CtrlKind::Else => {
                let branches = c.init_branches.take();
                self.init.join(c.init_mark, self.reachable, branches)
            }
        }
        if let Some(region) = c.try_region {
            self.end_try_region(region);
        }
        let arity = c.results as usize;
        if self.reachable {
            if self.ctrl.is_empty() {
                self.ctrl.push(c);
                self.ret();
                self.ctrl.pop();
                self.emit_return_landing();
                self.thread_jumps();
                self.pair_instructions();
                self.seal_tables()?;
                return Ok(true);
            }
            self.move_values(c.height, arity);
        } else if self.ctrl.is_empty() {
            self.emit_return_landing();
            self.thread_jumps();
            self.pair_instructions();
            self.seal_tables()?;
            return Ok(true);
        }
        // An unrolled loop's first copy may leave to a stub placed here (`unroll.rs`).
        if c.kind == CtrlKind::Loop {
            self.unrolled_exit_stub(&mut c.fixups);
        }
        // The else branch of an `if` without `else` falls through to here.
        let mut reachable = self.reachable || c.branched;
        // (A loop is branched to at its start; its end is reached by falling out, or by
        // the first copy's exit test if it is unrolled.)
        let loop_exits = !c.fixups.is_empty();
        if let Some((pos, byte)) = c.else_fixup {
            self.patch_to_here(pos, byte);
            reachable |= c.entry_reachable;
        }
        if let Some((pos, byte)) = c.first_else_fixup {
            self.patch_to_here(pos, byte);
        }
        for &(pos, byte) in &c.fixups {
            self.patch_to_here(pos, byte);
        }
        c.fixups.clear();
        self.spare_fixups.push(core::mem::take(&mut c.fixups));
        self.bind_catches(&c.catch_fixups);
        if c.kind == CtrlKind::Loop {
            reachable = self.reachable || loop_exits;
        }
        self.bind_label();
        self.truncate_stack(c.height);
        for _ in 0..arity {
            self.push(Opd::Temp);
        }
        if reachable {
            self.start_fuel_block();
        }
        self.reachable = reachable;
        Ok(false)
    }

    pub(super) fn patch_to_here(&mut self, pos: usize, byte: usize) {
        self.label_at = self.code.pos();
        let off = self.code.pos() as i64 - pos as i64;
        self.code.patch_u32(byte, off as i32 as u32);
    }

    pub(super) fn br_table(&mut self, depths: &[u32]) {
        let len = (depths.len() - 1) as u32;
        let add = self.take_index_add();
        let load = self.take_index_load(add.map(|(from_acc, index, _)| (from_acc, index)));

        let (pos, first) = match (load, add) {
            (Some((op, load)), add) => {
                let bias = add.map_or(0, |(_, _, bias)| bias);
                if let Some((op, a)) = self.take_and_shl_before_load_br_table(op) {
                    let imm = AndShlLoadBrTable {
                        dst: load.dst,
                        a: a.a,
                        mask: a.mask,
                        shift: a.shift,
                        offset: load.offset,
                        bias,
                        pad: 0,
                        len,
                    };
                    let pos = self.emit(op, imm);
                    (pos, pos + crate::ir::words::<AndShlLoadBrTable>())
                } else if let Some((op, c)) = self.take_const_before_load_br_table(op, load.dst) {
                    let imm = ConstLoadBrTable {
                        val: c.val,
                        dst: load.dst,
                        addr: load.addr,
                        offset: load.offset,
                        bias,
                        cdst: c.dst,
                        len,
                    };
                    let pos = self.emit(op, imm);
                    (pos, pos + crate::ir::words::<ConstLoadBrTable>())
                } else {
                    let imm = LoadBrTable {
                        dst: load.dst,
                        addr: load.addr,
                        offset: load.offset,
                        bias,
                        pad: 0,
                        len,
                    };
                    let pos = self.emit(op, imm);
                    (pos, pos + crate::ir::words::<LoadBrTable>())
                }
            }
            (None, Some((from_acc, index, bias))) => {
                let op = if from_acc {
                    op::BR_TABLE_BIAS_A
                } else {
                    op::BR_TABLE_BIAS
                };
                let imm = BrTableBias {
                    index,
                    bias,
                    pad: 0,
                    len,
                };
                let pos = self.emit(op, imm);
                (pos, pos + crate::ir::words::<BrTableBias>())
            }
            (None, None) => {
                let index = self.pop_slot();
                let pos = self.emit(op::BR_TABLE, BrTable { index, len });
                (pos, pos + crate::ir::words::<BrTable>())
            }
        };
        self.note_dispatch(pos);
        self.tables.push((pos, first, depths.len()));
        for _ in depths {
            self.code.push_word(0);
        }
        let mut stubs: Vec<(u32, usize)> = Vec::new();
        for (k, &depth) in depths.iter().enumerate() {
            let byte = (first + k) * 8;
            let outermost = depth as usize == self.ctrl.len() - 1;
            if !outermost && !self.needs_moves(depth) {
                self.branch_fixup(depth, pos, byte);
                self.label_mut(depth).branched = true;
                continue;
            }
            // Targets that need values moved (or a return) go through a stub.
            let stub = match stubs.iter().find(|s| s.0 == depth) {
                Some(&(_, stub)) => stub,
                None => {
                    let stub = self.code.pos();
                    stubs.push((depth, stub));
                    let saved = self.reachable;
                    if outermost {
                        self.ret();
                    } else {
                        self.br(depth);
                        self.label_mut(depth).branched = true;
                    }
                    self.reachable = saved;
                    stub
                }
            };
            self.code
                .patch_u32(byte, (stub as i64 - pos as i64) as i32 as u32);
        }
        self.last = None;
        self.reachable = false;
    }

    /// A `br_if` whose label takes one value that must move, from a slot (a loop carrying
    /// its counter as a parameter, a block's result): one conditional copy-and-branch
    /// instead of a branch over a `copy.br`. Returns whether it applied.
    fn branch_if_copy(&mut self, depth: u32) -> bool {
        if depth as usize == self.ctrl.len() - 1 {
            return false;
        }
        let c = self.label(depth);
        // (A rotated loop head is entered through its own back-edge test.)
        if c.branch_arity() != 1 || c.head.is_some() {
            return false;
        }
        let dst = self.temp(c.height);
        let h = self.stack.len();
        let src = match self.stack[h - 2] {
            Opd::Temp => self.temp(h - 2),
            Opd::Local(x) => x,
            Opd::Const(_) => return false,
        };
        let cond = self.pop();
        let p = self.stack.len();
        if cond == self.stack[h - 2] && self.teed_in_acc(cond, AccClass::Int) {
            // The value is its own condition, just computed into a local (`local.tee $n;
            // local.get $n; br_if`): both come from the accumulator.
            let imm = BrIfCopyAcc { dst, offset: 0 };
            let field = offset_of!(BrIfCopyAcc, offset);
            self.emit_branch(depth, op::BR_IF_NEZ_COPY_A, imm, field);
            self.label_mut(depth).branched = true;
            return true;
        }
        let cond = self.slot_at(p, cond);
        let imm = BrIfCopy {
            cond,
            dst,
            src,
            offset: 0,
        };
        self.emit_branch(depth, op::BR_IF_NEZ_COPY, imm, offset_of!(BrIfCopy, offset));
        self.label_mut(depth).branched = true;
        true
    }

    pub(super) fn br_if_full(&mut self, depth: u32) {
        if depth as usize != self.ctrl.len() - 1 && !self.needs_moves_below_cond(depth) {
            self.branch_if(depth, true);
            self.label_mut(depth).branched = true;
            return;
        }
        if self.branch_if_copy(depth) {
            return;
        }
        // Values must be moved (or the function returns) only when the branch is taken:
        // branch over the moves when the condition is false, absorbing a comparison just
        // computed as `if` does (Asyncify's `br_if $out (value) (state == k)`).
        let cond = self.pop();
        let p = self.stack.len();
        let fused = self.pending_cmp(cond, p);
        let cmp = self.condition_test(fused, cond, p);
        let (skip, skip_offset) = self.emit_cmp_raw(cmp, false, true);
        let saved = self.reachable;
        if depth as usize == self.ctrl.len() - 1 {
            self.ret();
        } else {
            self.br(depth);
            self.label_mut(depth).branched = true;
        }
        self.reachable = saved;
        self.patch_to_here(skip, skip_offset);
        self.bind_label();
    }
}

/// The most words of plain instructions before a loop's exit test that a rotated back
/// edge repeats (bounds the code it duplicates).
const MAX_REPEATED_HEADER: usize = 16;

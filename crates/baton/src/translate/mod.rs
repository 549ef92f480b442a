//! Translation of one validated function body into Baton's internal code, in one pass.
//!
//! The translator keeps a model of the Wasm operand stack in which each entry is either a
//! temporary (living in the frame slot of its stack position), a local (not copied yet:
//! instructions read the local's slot directly) or a constant (folded into the consuming
//! instruction as an immediate where a form exists). So `local.get`, constants and
//! `local.set` after an arithmetic instruction cost no instruction at run time.
//!
//! Frame layout: `[params | declared locals | operand stack temporaries]`. A callee's frame
//! starts at the caller's slot of its first argument, so arguments are passed in place and
//! results come back in place.
//!
//! Linear time: every operator does constant work except operations bounded by what they
//! pop or by stack entries they turn from lazy to materialised (each entry at most once
//! between pushes).

mod control;
mod fuse;
mod visit;

use crate::error::{Error, TrapCode};
use crate::exec::ops::{self as op, AddBrOp, BinOp, LoadOp, StoreOp, UnOp};
use crate::ir::layout::*;
use crate::ir::{field_byte, words, AnyOp, CodeBuf, Layout, Op, Slot};
use crate::module::ModuleEnv;
use control::{Ctrl, CtrlKind, LoopHead};
use core::mem::offset_of;
use fuse::FoldedCopies;
use wasmparser::{BlockType, Operator, VisitOperator};

/// An entry of the modelled operand stack.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Opd {
    /// The value is in the slot of its stack position.
    Temp,
    /// The value is the current value of this local.
    Local(u32),
    /// A constant (raw bits).
    Const(u64),
}

/// The instruction that produced the top temporary, for retargeting and fusion.
#[derive(Clone, Copy)]
struct Last {
    pos: usize,
    dst: Slot,
    cmp: Option<Cmp>,
    /// The form of the instruction that leaves its result in the accumulator instead,
    /// if it has one: patched in when the next instruction consumes the result at once.
    acc: Option<AnyOp>,
}

/// Starts of the last three instructions emitted, most recent last (`None` where unknown).
/// Three, so that a fusion that takes back the last instruction (a comparison a branch
/// absorbs, an add a back edge absorbs) still sees the two before it.
#[derive(Clone, Copy, Default)]
struct Recent([Option<usize>; 3]);

impl Recent {
    /// The most recent instruction.
    fn last(&self) -> Option<usize> {
        self.0[2]
    }
    /// The instruction before it.
    fn before_last(&self) -> Option<usize> {
        self.0[1]
    }
    fn push(&mut self, pos: usize) {
        self.0 = [self.0[1], self.0[2], Some(pos)];
    }
    /// Forgets the most recent instruction (it was taken back out of the code).
    fn pop(&mut self) {
        self.0 = [None, self.0[0], self.0[1]];
    }
    /// Only `pos` is known (what came before is not the previous instruction any more).
    fn reset_to(&mut self, pos: Option<usize>) {
        self.0 = [None, None, pos];
    }
}

/// A comparison that a following branch may absorb.
#[derive(Clone, Copy)]
struct Cmp {
    is64: bool,
    cond: Cond,
    a: Slot,
    b: Operand,
}

#[derive(Clone, Copy)]
enum Operand {
    Slot(Slot),
    Imm(i64),
    /// Comparison against zero (`eqz`): no second operand.
    Zero,
}

/// Integer comparison conditions, for fused compare-and-branch.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Cond {
    Eq,
    Ne,
    LtS,
    LtU,
    GtS,
    GtU,
    LeS,
    LeU,
    GeS,
    GeU,
}

impl Cond {
    fn negate(self) -> Cond {
        use Cond::*;
        match self {
            Eq => Ne,
            Ne => Eq,
            LtS => GeS,
            LtU => GeU,
            GtS => LeS,
            GtU => LeU,
            LeS => GtS,
            LeU => GtU,
            GeS => LtS,
            GeU => LtU,
        }
    }
    /// The condition with operands swapped (`a < b` ⇔ `b > a`).
    fn swap(self) -> Cond {
        use Cond::*;
        match self {
            Eq => Eq,
            Ne => Ne,
            LtS => GtS,
            LtU => GtU,
            GtS => LtS,
            GtU => LtU,
            LeS => GeS,
            LeU => GeU,
            GeS => LeS,
            GeU => LeU,
        }
    }
    fn branch_rr(self, is64: bool) -> Op<BrCmpRR> {
        use Cond::*;
        match (is64, self) {
            (false, Eq) => op::BR_I32_EQ,
            (false, Ne) => op::BR_I32_NE,
            (false, LtS) => op::BR_I32_LT_S,
            (false, LtU) => op::BR_I32_LT_U,
            (false, GtS) => op::BR_I32_GT_S,
            (false, GtU) => op::BR_I32_GT_U,
            (false, LeS) => op::BR_I32_LE_S,
            (false, LeU) => op::BR_I32_LE_U,
            (false, GeS) => op::BR_I32_GE_S,
            (false, GeU) => op::BR_I32_GE_U,
            (true, Eq) => op::BR_I64_EQ,
            (true, Ne) => op::BR_I64_NE,
            (true, LtS) => op::BR_I64_LT_S,
            (true, LtU) => op::BR_I64_LT_U,
            (true, GtS) => op::BR_I64_GT_S,
            (true, GtU) => op::BR_I64_GT_U,
            (true, LeS) => op::BR_I64_LE_S,
            (true, LeU) => op::BR_I64_LE_U,
            (true, GeS) => op::BR_I64_GE_S,
            (true, GeU) => op::BR_I64_GE_U,
        }
    }
    /// The add-and-branch instructions testing this condition (32-bit only).
    fn add_branch(self) -> AddBrOp {
        use Cond::*;
        match self {
            Eq => op::ADD_BR_I32_EQ,
            Ne => op::ADD_BR_I32_NE,
            LtS => op::ADD_BR_I32_LT_S,
            LtU => op::ADD_BR_I32_LT_U,
            GtS => op::ADD_BR_I32_GT_S,
            GtU => op::ADD_BR_I32_GT_U,
            LeS => op::ADD_BR_I32_LE_S,
            LeU => op::ADD_BR_I32_LE_U,
            GeS => op::ADD_BR_I32_GE_S,
            GeU => op::ADD_BR_I32_GE_U,
        }
    }
    fn branch_ri32(self) -> Op<BrCmpRI32> {
        use Cond::*;
        match self {
            Eq => op::BR_I32_EQ_RI,
            Ne => op::BR_I32_NE_RI,
            LtS => op::BR_I32_LT_S_RI,
            LtU => op::BR_I32_LT_U_RI,
            GtS => op::BR_I32_GT_S_RI,
            GtU => op::BR_I32_GT_U_RI,
            LeS => op::BR_I32_LE_S_RI,
            LeU => op::BR_I32_LE_U_RI,
            GeS => op::BR_I32_GE_S_RI,
            GeU => op::BR_I32_GE_U_RI,
        }
    }
    fn branch_ri64(self) -> Op<BrCmpRI64> {
        use Cond::*;
        match self {
            Eq => op::BR_I64_EQ_RI,
            Ne => op::BR_I64_NE_RI,
            LtS => op::BR_I64_LT_S_RI,
            LtU => op::BR_I64_LT_U_RI,
            GtS => op::BR_I64_GT_S_RI,
            GtU => op::BR_I64_GT_U_RI,
            LeS => op::BR_I64_LE_S_RI,
            LeU => op::BR_I64_LE_U_RI,
            GeS => op::BR_I64_GE_S_RI,
            GeU => op::BR_I64_GE_U_RI,
        }
    }
}

/// A binary integer operation and how the translator may rearrange it.
struct IntBin<L: 'static> {
    op: BinOp<L>,
    commutative: bool,
    /// For comparisons: the condition, so a following branch can absorb it.
    cmp: Option<Cond>,
    /// For comparisons: the operations of every condition (for the swapped one).
    swapped: &'static [BinOp<L>; 10],
}

/// Translates function bodies of one module into a shared code buffer.
pub(crate) struct FuncTranslator<'a> {
    env: &'a ModuleEnv,
    code: &'a mut CodeBuf,
    /// Number of params + declared locals: temporaries start here.
    locals: u32,
    num_results: u32,
    stack: Vec<Opd>,
    max_height: usize,
    ctrl: Vec<Ctrl>,
    reachable: bool,
    last: Option<Last>,
    /// What `last` was when the latest instruction was emitted: restored when that
    /// instruction (a comparison) is folded into a branch, so the branch can in turn
    /// absorb the instruction before it.
    prev_last: Option<Last>,
    /// Stack entries below this index hold no `Opd::Local`.
    lazy_floor: usize,
    /// How many stack entries refer to each local lazily.
    local_refs: Vec<u32>,
    /// The `fuel` instruction charging the current basic block (metered code only).
    fuel_block: Option<usize>,
    fuel_count: u32,
    /// Branch instructions emitted so far (see `loop_head_candidate`).
    branches: usize,
    /// Starts of the last instructions emitted, for fusing an instruction into the ones
    /// before it.
    recent: Recent,
    /// The latest code position that is a branch target: no two instructions on either
    /// side of it may be fused into one.
    label_at: usize,
    /// Positions of the unconditional jumps (`br`, `copy.br`, `const.br`), for
    /// [`Self::thread_jumps`].
    jumps: Vec<usize>,
    offset: usize,
}

type R<T = ()> = Result<T, Error>;

impl<'a> FuncTranslator<'a> {
    pub(crate) fn new(
        env: &'a ModuleEnv,
        code: &'a mut CodeBuf,
        num_results: u32,
        locals: u32,
    ) -> Self {
        let mut t = FuncTranslator {
            env,
            code,
            locals,
            num_results,
            stack: Vec::new(),
            max_height: 0,
            ctrl: Vec::new(),
            reachable: true,
            last: None,
            prev_last: None,
            lazy_floor: 0,
            local_refs: vec![0; locals as usize],
            fuel_block: None,
            fuel_count: 0,
            branches: 0,
            recent: Recent::default(),
            label_at: 0,
            jumps: Vec::new(),
            offset: 0,
        };
        t.code.begin_function();
        t.ctrl
            .push(Ctrl::new(CtrlKind::Block, 0, 0, num_results, 0, true));
        t.check_point();
        t
    }

    /// At a function entry or loop header: emits the interruption check and starts a
    /// fuel block, as configured.
    fn check_point(&mut self) {
        if self.env.interruptible {
            self.emit(op::CHECK_INTERRUPT, Nothing {});
        }
        self.start_fuel_block();
    }

    /// Starts a new basic block for fuel accounting (metered code only).
    fn start_fuel_block(&mut self) {
        if self.env.fuel {
            let pos = self.emit(op::FUEL, Fuel { amount: 0 });
            self.fuel_block = Some(pos);
            self.fuel_count = 0;
        }
    }

    /// Charges one operator to the current fuel block.
    fn charge(&mut self) {
        if let Some(pos) = self.fuel_block {
            self.fuel_count = self.fuel_count.saturating_add(1);
            let amount = self.fuel_count;
            self.code.update(pos, op::FUEL, |f| f.amount = amount);
        }
    }

    /// Slots the function needs: locals plus the deepest operand stack (plus room for
    /// results written in place by calls).
    pub(crate) fn frame_size(&self) -> u32 {
        (self.locals as usize + self.max_height).max(self.num_results as usize) as u32
    }

    fn unsupported(&self, what: &str) -> Error {
        Error::Unsupported {
            message: format!("{what} is not supported"),
            offset: self.offset,
        }
    }

    // ---------------------------------------------------------------- emission helpers

    fn emit<L: Copy>(&mut self, op: Op<L>, imm: L) -> usize {
        self.prev_last = self.last.take();
        // Branches carry relative offsets: code containing one cannot be copied elsewhere.
        if op.branches {
            self.branches += 1;
            if [op::BR.code, op::COPY_BR.code, op::CONST_BR.code].contains(&op.code) {
                self.jumps.push(self.code.pos());
            }
        }
        let pos = self.code.emit(op, imm);
        self.recent.push(pos);
        pos
    }

    /// Removes the most recently emitted instruction, at `pos` (to fuse it into the next).
    fn unemit(&mut self, pos: usize) {
        debug_assert_eq!(self.recent.last(), Some(pos));
        self.code.truncate(pos);
        self.recent.pop();
    }

    /// Slot of stack position `p`.
    fn temp(&self, p: usize) -> Slot {
        self.locals + p as Slot
    }

    fn push(&mut self, o: Opd) {
        if let Opd::Local(x) = o {
            self.local_refs[x as usize] += 1;
        }
        self.stack.push(o);
        self.max_height = self.max_height.max(self.stack.len());
    }

    fn pop(&mut self) -> Opd {
        // Validation guarantees the stack is deep enough in reachable code; unreachable
        // code is never translated.
        let o = self.stack.pop().unwrap_or(Opd::Temp);
        if let Opd::Local(x) = o {
            self.local_refs[x as usize] -= 1;
        }
        self.lazy_floor = self.lazy_floor.min(self.stack.len());
        o
    }

    /// Drops stack entries down to `height`.
    fn truncate_stack(&mut self, height: usize) {
        while self.stack.len() > height {
            self.pop();
        }
    }

    /// Pushes a temporary produced by the instruction at `pos` into its slot `dst`.
    fn push_result(&mut self, pos: usize, dst: Slot, cmp: Option<Cmp>) {
        self.push_result_acc(pos, dst, cmp, None);
    }

    /// Like [`Self::push_result`], for an instruction with an accumulator form.
    fn push_result_acc(&mut self, pos: usize, dst: Slot, cmp: Option<Cmp>, acc: Option<AnyOp>) {
        self.push(Opd::Temp);
        self.last = Some(Last { pos, dst, cmp, acc });
    }

    /// Whether the operand `o` at stack position `p` is the result of the previous
    /// instruction and can be routed through the accumulator.
    fn in_acc(&self, o: Opd, p: usize) -> bool {
        o == Opd::Temp
            && matches!(self.last, Some(Last { dst, acc: Some(_), .. }) if dst == self.temp(p))
    }

    /// Switches the previous instruction to its accumulator form.
    fn route_through_acc(&mut self) {
        let last = self.last.expect("checked by in_acc");
        self.code
            .retag(last.pos, last.acc.expect("checked by in_acc"));
    }

    /// Makes the entry at stack position `p` a temporary in its own slot.
    fn materialize(&mut self, p: usize) {
        let dst = self.temp(p);
        match self.stack[p] {
            Opd::Temp => {}
            Opd::Local(x) => {
                self.emit_copy(dst, x);
                self.local_refs[x as usize] -= 1;
            }
            Opd::Const(v) => {
                self.emit(
                    op::CONST,
                    Const {
                        dst,
                        pad: 0,
                        val: v,
                    },
                );
            }
        }
        self.stack[p] = Opd::Temp;
    }

    /// Materialises every lazy local on the stack (before control flow merges).
    fn materialize_locals(&mut self) {
        for p in self.lazy_floor..self.stack.len() {
            if let Opd::Local(_) = self.stack[p] {
                self.materialize(p);
            }
        }
        self.lazy_floor = self.stack.len();
    }

    /// Slot holding the operand at stack position `p` (constants get materialised).
    fn slot_at(&mut self, p: usize, o: Opd) -> Slot {
        match o {
            Opd::Temp => self.temp(p),
            Opd::Local(x) => x,
            Opd::Const(v) => {
                let dst = self.temp(p);
                self.emit(
                    op::CONST,
                    Const {
                        dst,
                        pad: 0,
                        val: v,
                    },
                );
                dst
            }
        }
    }

    /// Pops one operand and returns its slot.
    fn pop_slot(&mut self) -> Slot {
        let o = self.pop();
        let p = self.stack.len();
        self.slot_at(p, o)
    }

    /// Writes operand `o` (at stack position `p`) into slot `dst`.
    fn move_to(&mut self, dst: Slot, p: usize, o: Opd) {
        match o {
            Opd::Temp => {
                let src = self.temp(p);
                if src != dst {
                    self.emit_copy(dst, src);
                }
            }
            Opd::Local(x) => {
                if x != dst {
                    self.emit_copy(dst, x);
                }
            }
            Opd::Const(v) => {
                self.emit(
                    op::CONST,
                    Const {
                        dst,
                        pad: 0,
                        val: v,
                    },
                );
            }
        }
    }

    /// Before local `x` changes: copies stack entries that still refer to it.
    fn preserve_local(&mut self, x: u32) {
        let mut p = self.stack.len();
        while self.local_refs[x as usize] > 0 && p > 0 {
            p -= 1;
            if self.stack[p] == Opd::Local(x) {
                self.materialize(p);
            }
        }
    }

    // ------------------------------------------------------------------- control flow

    fn block_arity(&self, ty: BlockType) -> (u32, u32) {
        match ty {
            BlockType::Empty => (0, 0),
            BlockType::Type(_) => (0, 1),
            BlockType::FuncType(i) => {
                let t = &self.env.types[i as usize];
                (t.params().len() as u32, t.results().len() as u32)
            }
        }
    }

    /// A label is bound here: instructions before it can no longer be rewritten.
    fn bind_label(&mut self) {
        self.last = None;
        self.label_at = self.code.pos();
    }

    fn begin_block(&mut self, kind: CtrlKind, ty: BlockType) {
        let (params, results) = self.block_arity(ty);
        if !self.reachable {
            let h = self.stack.len();
            self.ctrl
                .push(Ctrl::new(kind, h, params, results, self.code.pos(), false));
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
        self.ctrl.push(Ctrl::new(
            kind,
            h - params as usize,
            params,
            results,
            self.code.pos(),
            true,
        ));
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
    fn move_values(&mut self, height: usize, arity: usize) {
        let h = self.stack.len();
        for i in 0..arity {
            let p = h - arity + i;
            let dst = self.temp(height + i);
            let o = self.stack[p];
            self.move_to(dst, p, o);
        }
    }

    fn label(&self, depth: u32) -> &Ctrl {
        &self.ctrl[self.ctrl.len() - 1 - depth as usize]
    }

    fn needs_moves(&self, depth: u32) -> bool {
        let c = self.label(depth);
        let arity = c.branch_arity() as usize;
        let h = self.stack.len();
        (0..arity).any(|i| self.stack[h - arity + i] != Opd::Temp || h - arity + i != c.height + i)
    }

    fn move_branch_values(&mut self, depth: u32) {
        let c = self.label(depth);
        let (height, arity) = (c.height, c.branch_arity() as usize);
        self.move_values(height, arity);
    }

    /// Emits a branching instruction to label `depth`, whose offset field is at
    /// `field_offset` in its immediates.
    fn emit_branch<L: Copy>(&mut self, depth: u32, op: Op<L>, imm: L, field_offset: usize) {
        let pos = self.emit(op, imm);
        self.branch_fixup(depth, pos, field_byte(pos, field_offset));
    }

    /// Makes the 32-bit offset at `byte` (of the instruction at `pos`) reach label `depth`.
    fn branch_fixup(&mut self, depth: u32, pos: usize, byte: usize) {
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

    fn br(&mut self, depth: u32) {
        if depth as usize == self.ctrl.len() - 1 {
            return self.ret();
        }
        self.move_branch_values(depth);
        if !self.rotated_back_edge(depth) {
            let (pos, byte) = self.emit_br();
            self.branch_fixup(depth, pos, byte);
        }
        self.reachable = false;
    }

    /// Emits a branch to `depth` taken when `cond` (stack position `p`) is non-zero
    /// (`when_true`) or zero; fuses a just-computed comparison into it when possible.
    fn branch_if(&mut self, depth: u32, when_true: bool) {
        let cond = self.pop();
        let p = self.stack.len();
        // A fused comparison, if the condition was computed by the previous instruction.
        let fused = match (cond, self.last) {
            (
                Opd::Temp,
                Some(Last {
                    pos,
                    dst,
                    cmp: Some(cmp),
                    ..
                }),
            ) if dst == self.temp(p) => Some((pos, cmp)),
            _ => None,
        };
        if let Some((pos, cmp)) = fused {
            self.unemit(pos);
            self.last = self.prev_last.filter(|l| l.pos < pos);
            self.emit_cmp_branch(depth, cmp, when_true);
        } else if self.in_acc(cond, p) {
            // The condition was computed by the previous instruction: fold a load into
            // the branch, or read the value from the accumulator.
            if let Some((pos, byte)) = self.fuse_load_branch(when_true) {
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

    fn emit_cmp_branch(&mut self, depth: u32, cmp: Cmp, when_true: bool) {
        let head = self.loop_head_candidate(depth);
        let producer = self.last.filter(|l| l.dst == cmp.a && l.acc.is_some());
        // A loop head test stays a plain test: the back edge repeats it (and the code
        // before it) on its own.
        let (pos, byte) = self.emit_cmp_raw(cmp, when_true, head.is_none());
        self.branch_fixup(depth, pos, byte);
        if let Some(target) = head {
            // The loop starts by branching out: remember it, so that the loop's back
            // edge can test the condition itself (see `rotated_back_edge`).
            let body = self.code.pos();
            self.label_at = body;
            let c = self.ctrl.last_mut().expect("inside a loop");
            c.head = Some(LoopHead {
                test: pos,
                cmp,
                when_true,
                target,
                body,
                producer,
            });
        }
    }

    /// Emits a compare-and-branch with a zero offset; returns the positions of the
    /// instruction and of its offset field. With `fuse`, an in-place add just before it
    /// that feeds the comparison is folded into it (see [`Self::fuse_add_branch`]).
    fn emit_cmp_raw(&mut self, cmp: Cmp, when_true: bool, fuse: bool) -> (usize, usize) {
        let cond = if when_true {
            cmp.cond
        } else {
            cmp.cond.negate()
        };
        if fuse {
            if let Some(fused) = self.fuse_add_branch(cmp, cond) {
                return fused;
            }
            // A zero test of a value just loaded (into a temporary nothing else reads).
            let loaded = matches!(self.last, Some(Last { dst, acc: Some(_), .. }) if dst == cmp.a);
            if loaded && !cmp.is64 && matches!(cmp.b, Operand::Zero) {
                if let Some(fused) = self.fuse_load_branch(cond == Cond::Ne) {
                    return fused;
                }
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
    fn loop_head_candidate(&self, depth: u32) -> Option<usize> {
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
    fn rotated_back_edge(&mut self, depth: u32) -> bool {
        let idx = self.ctrl.len() - 1 - depth as usize;
        let Some(head) = self.ctrl[idx].head else {
            return false;
        };
        if self.ctrl[idx].kind != CtrlKind::Loop {
            return false;
        }
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
            self.emit(op::FUEL, Fuel { amount });
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
                ..l
            });
            self.recent.reset_to(self.last.map(|l| l.pos));
        }
        self.code.extend_from_within(start, head.test);
        // ...stay in the loop (to its body) when the exit condition does not hold...
        let (pos, byte) = self.emit_cmp_raw(head.cmp, !head.when_true, true);
        let off = head.body as i64 - pos as i64;
        self.code.patch_u32(byte, off as i32 as u32);
        // ...and leave it the way the head would have.
        let exit_depth = (self.ctrl.len() - 1 - head.target) as u32;
        self.emit_branch(exit_depth, op::BR, Br { offset: 0 }, offset_of!(Br, offset));
        true
    }

    fn label_mut(&mut self, depth: u32) -> &mut Ctrl {
        let i = self.ctrl.len() - 1 - depth as usize;
        &mut self.ctrl[i]
    }

    /// Whether a `br_if` to `depth` has values to move (the condition is on top).
    fn needs_moves_below_cond(&mut self, depth: u32) -> bool {
        let cond = self.stack.pop().unwrap_or(Opd::Temp);
        let r = self.needs_moves(depth);
        self.stack.push(cond);
        r
    }

    fn ret(&mut self) {
        let n = self.num_results as usize;
        let h = self.stack.len();
        if n == 1 {
            match self.stack[h - 1] {
                Opd::Const(val) => {
                    self.emit(op::RETURN_IMM, RetImm { pad: 0, val });
                }
                o => {
                    let src = self.slot_at(h - 1, o);
                    self.emit(op::RETURN_SLOT, Ret1 { src });
                }
            }
        } else {
            // Results go to slots 0..n, which may be locals that other results still
            // read: copy such locals out of the way first.
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
            self.emit(op::RETURN, Nothing {});
        }
        self.reachable = false;
    }

    fn end(&mut self) -> R<bool> {
        let c = self
            .ctrl
            .pop()
            .expect("validated: control stack is not empty at `end`");
        let arity = c.results as usize;
        if self.reachable {
            if self.ctrl.is_empty() {
                self.ctrl.push(c);
                self.ret();
                self.ctrl.pop();
                self.thread_jumps();
                return Ok(true);
            }
            self.move_values(c.height, arity);
        } else if self.ctrl.is_empty() {
            self.thread_jumps();
            return Ok(true);
        }
        // The else branch of an `if` without `else` falls through to here.
        let mut reachable = self.reachable || c.branched;
        if let Some((pos, byte)) = c.else_fixup {
            self.patch_to_here(pos, byte);
            reachable |= c.entry_reachable;
        }
        for &(pos, byte) in &c.fixups {
            self.patch_to_here(pos, byte);
        }
        if c.kind == CtrlKind::Loop {
            reachable = self.reachable;
        }
        self.bind_label();
        if reachable {
            self.start_fuel_block();
        }
        self.truncate_stack(c.height);
        for _ in 0..arity {
            self.push(Opd::Temp);
        }
        self.reachable = reachable;
        Ok(false)
    }

    fn patch_to_here(&mut self, pos: usize, byte: usize) {
        self.label_at = self.code.pos();
        let off = self.code.pos() as i64 - pos as i64;
        self.code.patch_u32(byte, off as i32 as u32);
    }

    // -------------------------------------------------------------------- operators

    /// Translates one operator. Returns `true` after the function's final `end`.
    pub(crate) fn op(&mut self, o: &Operator, offset: usize) -> R<bool> {
        self.offset = offset;
        use Operator as O;
        if !self.reachable {
            // Dead code: only track nesting so that `else`/`end` match up.
            match o {
                O::Block { blockty } | O::Loop { blockty } | O::If { blockty } => {
                    let kind = match o {
                        O::Loop { .. } => CtrlKind::Loop,
                        O::If { .. } => CtrlKind::If,
                        _ => CtrlKind::Block,
                    };
                    self.begin_block(kind, *blockty);
                    return Ok(false);
                }
                O::Else => {}
                O::End => return self.end(),
                _ => return Ok(false),
            }
        }
        self.charge();
        self.visit_operator(o)
    }

    fn memory_index(&self, mem: u32) -> R {
        if mem != 0 {
            return Err(self.unsupported("multiple memories"));
        }
        Ok(())
    }

    /// Pops three operands (in push order) as slots. Each keeps its own stack position,
    /// so materialising one constant cannot clobber another operand.
    fn pop3(&mut self) -> [Slot; 3] {
        let c = self.pop();
        let b = self.pop();
        let a = self.pop();
        let p = self.stack.len();
        [
            self.slot_at(p, a),
            self.slot_at(p + 1, b),
            self.slot_at(p + 2, c),
        ]
    }

    fn local_set(&mut self, x: u32, tee: bool) {
        let v = self.pop();
        let p = self.stack.len();
        // The value was just computed into its temporary: write it to the local directly.
        if let (Opd::Temp, Some(last)) = (v, self.last) {
            if last.dst == self.temp(p) && self.local_refs[x as usize] == 0 {
                let byte = field_byte(last.pos, 0);
                self.code.patch_u32(byte, x);
                self.last = None;
                if tee {
                    self.push(Opd::Local(x));
                }
                return;
            }
        }
        self.preserve_local(x);
        self.move_to(x, p, v);
        if tee {
            // The local now holds the value; keep the operand as it was (a constant or
            // temporary stays valid, a local other than `x` is unaffected).
            self.push(v);
        }
    }

    fn memarg(&self, memarg: &wasmparser::MemArg) -> R<u32> {
        let wasmparser::MemArgTarget::Memory(mem) = memarg.target else {
            return Err(self.unsupported("GC array access"));
        };
        self.memory_index(mem)?;
        u32::try_from(memarg.offset).map_err(|_| self.unsupported("offsets above 4 GiB"))
    }

    fn load(&mut self, op: LoadOp, memarg: wasmparser::MemArg) -> R {
        let offset = self.memarg(&memarg)?;
        let a = self.pop();
        let p = self.stack.len();
        let dst = self.temp(p);
        let (pos, acc) = match a {
            // A constant address: fold it with the offset (at most 2^33, no overflow).
            Opd::Const(c) => {
                let addr = c as u32 as u64 + offset as u64;
                (
                    self.emit(op.abs, LoadAbs { dst, pad: 0, addr }),
                    op.abs_a.erase(),
                )
            }
            a if self.in_acc(a, p) => {
                if let Some(fused) = self.fuse_add_load(op, dst, offset) {
                    fused
                } else {
                    self.route_through_acc();
                    (
                        self.emit(
                            op.a,
                            Load {
                                dst,
                                addr: 0,
                                offset,
                            },
                        ),
                        op.a_a.erase(),
                    )
                }
            }
            a => {
                let addr = self.slot_at(p, a);
                (self.emit(op.r, Load { dst, addr, offset }), op.r_a.erase())
            }
        };
        self.push_result_acc(pos, dst, None, Some(acc));
        Ok(())
    }

    fn store(&mut self, op: StoreOp, memarg: wasmparser::MemArg) -> R {
        let offset = self.memarg(&memarg)?;
        let v = self.pop();
        let a = self.pop();
        let p = self.stack.len();
        match (a, v) {
            (Opd::Const(_), Opd::Const(val)) => {
                let addr = self.slot_at(p, a);
                self.emit(op.imm, StoreImm { addr, offset, val });
            }
            (a, Opd::Const(val)) if self.in_acc(a, p) => {
                self.route_through_acc();
                self.emit(
                    op.a_imm,
                    StoreImm {
                        addr: 0,
                        offset,
                        val,
                    },
                );
            }
            (a, Opd::Const(val)) => {
                let addr = self.slot_at(p, a);
                self.emit(op.imm, StoreImm { addr, offset, val });
            }
            (Opd::Const(ca), v) => {
                let addr = ca as u32 as u64 + offset as u64;
                if self.in_acc(v, p + 1) {
                    self.route_through_acc();
                    self.emit(
                        op.abs_va,
                        StoreAbs {
                            src: 0,
                            pad: 0,
                            addr,
                        },
                    );
                } else {
                    let src = self.slot_at(p + 1, v);
                    self.emit(op.abs, StoreAbs { src, pad: 0, addr });
                }
            }
            (a, v) if self.in_acc(v, p + 1) => {
                if a == Opd::Temp && self.fuse_add_store(op, self.temp(p), None, offset) {
                    return Ok(());
                }
                self.route_through_acc();
                let addr = self.slot_at(p, a);
                self.emit(
                    op.r_va,
                    Store {
                        addr,
                        src: 0,
                        offset,
                    },
                );
            }
            (a, v) if self.in_acc(a, p) => {
                let src = self.slot_at(p + 1, v);
                if self.fuse_add_store(op, self.temp(p), Some(src), offset) {
                    return Ok(());
                }
                self.route_through_acc();
                self.emit(
                    op.a_r,
                    Store {
                        addr: 0,
                        src,
                        offset,
                    },
                );
            }
            (a, v) => {
                let addr = self.slot_at(p, a);
                let src = self.slot_at(p + 1, v);
                if !(a == Opd::Temp && self.fuse_add_store(op, addr, Some(src), offset)) {
                    self.emit(op.rr, Store { addr, src, offset });
                }
            }
        }
        Ok(())
    }

    fn unary(&mut self, op: UnOp) {
        let a = self.pop();
        let p = self.stack.len();
        let dst = self.temp(p);
        let (pos, acc) = if self.in_acc(a, p) {
            self.route_through_acc();
            (self.emit(op.a, Un { dst, src: 0 }), op.a_a)
        } else {
            let src = self.slot_at(p, a);
            (self.emit(op.r, Un { dst, src }), op.r_a)
        };
        self.push_result_acc(pos, dst, None, Some(acc.erase()));
    }

    /// A binary operation without immediate forms (floats).
    fn bin(&mut self, op: &BinOp<BinRI32>) {
        let b = self.pop();
        let a = self.pop();
        let p = self.stack.len();
        let dst = self.temp(p);
        let (pos, acc) = if self.in_acc(b, p + 1) && !matches!(a, Opd::Const(_)) {
            self.route_through_acc();
            let sa = self.slot_at(p, a);
            (self.emit(op.ra, BinRR { dst, a: sa, b: 0 }), op.ra_a)
        } else if self.in_acc(a, p) && !matches!(b, Opd::Const(_)) {
            self.route_through_acc();
            let sb = self.slot_at(p + 1, b);
            (self.emit(op.ar, BinRR { dst, a: 0, b: sb }), op.ar_a)
        } else {
            let sa = self.slot_at(p, a);
            let sb = self.slot_at(p + 1, b);
            (self.emit(op.rr, BinRR { dst, a: sa, b: sb }), op.rr_a)
        };
        self.push_result_acc(pos, dst, None, Some(acc.erase()));
    }

    fn eqz(&mut self, is64: bool) {
        let src = self.pop_slot();
        let dst = self.temp(self.stack.len());
        let op = if is64 { op::I64_EQZ } else { op::I32_EQZ };
        // `eqz` reads its operand from a slot, so a following branch can absorb it.
        let pos = self.emit(op.r, Un { dst, src });
        let cmp = Cmp {
            is64,
            cond: Cond::Eq,
            a: src,
            b: Operand::Zero,
        };
        self.push_result_acc(pos, dst, Some(cmp), Some(op.r_a.erase()));
    }

    fn int_bin32(&mut self, f: IntBin<BinRI32>) {
        self.int_bin(f, false, |dst, a, imm| BinRI32 {
            dst,
            a,
            imm: imm as i32,
        })
    }

    fn int_bin64(&mut self, f: IntBin<BinRI64>) {
        self.int_bin(f, true, |dst, a, imm| BinRI64 { dst, a, imm })
    }

    /// An integer binary operation: picks the form by where the operands are (slot,
    /// constant, accumulator). Comparisons never read the accumulator, so that a
    /// following branch can still absorb them (their operands must be in slots).
    fn int_bin<L: Copy>(&mut self, f: IntBin<L>, is64: bool, ri: impl Fn(Slot, Slot, i64) -> L) {
        let b = self.pop();
        let a = self.pop();
        let p = self.stack.len();
        let dst = self.temp(p);
        let as_imm = |v: u64| {
            if is64 {
                v as i64
            } else {
                v as u32 as i32 as i64
            }
        };
        let op = f.op;
        let imm = op.imm.expect("integer operations have immediate forms");
        let acc_ok = f.cmp.is_none();
        let (pos, acc, cmp) = match (a, b) {
            (_, Opd::Const(cb)) if !matches!(a, Opd::Const(_)) => {
                let k = as_imm(cb);
                if acc_ok && self.in_acc(a, p) {
                    if let Some(fused) = self
                        .fuse_shr_and(&f, is64, k, dst)
                        .or_else(|| self.fuse_mul_add(&f, is64, Operand::Imm(k), dst))
                    {
                        return self.push_result_acc(fused.0, dst, None, Some(fused.1));
                    }
                    self.route_through_acc();
                    (self.emit(imm.ai, ri(dst, 0, k)), imm.ai_a.erase(), None)
                } else {
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
    }

    // ------------------------------------------------------------------------- calls

    /// Places the top `n` operands in their own slots (callee frames start there).
    fn materialize_args(&mut self, n: usize) {
        let h = self.stack.len();
        for p in h - n..h {
            self.materialize(p);
        }
    }

    fn call(&mut self, func: u32, tail: bool) -> R {
        let ty = &self.env.types[self.env.func_types[func as usize] as usize];
        let (n, m) = (ty.params().len(), ty.results().len());
        let imported = func < self.env.num_imported_funcs;
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
        if imported {
            self.emit(op::CALL_IMPORT, Call { func, base });
        } else {
            let func = func - self.env.num_imported_funcs;
            match self.take_copies() {
                FoldedCopies::None => self.emit(op::CALL, Call { func, base }),
                FoldedCopies::One { dst, src } => self.emit(
                    op::CALL_COPY,
                    CallCopy {
                        func,
                        base,
                        dst,
                        src,
                    },
                ),
                FoldedCopies::Two(c) => self.emit(
                    op::CALL_COPY2,
                    CallCopy2 {
                        func,
                        base,
                        dst1: c.dst1,
                        src1: c.src1,
                        dst2: c.dst2,
                        src2: c.src2,
                    },
                ),
            };
        }
        self.truncate_stack(self.stack.len() - n);
        for _ in 0..m {
            self.push(Opd::Temp);
        }
        Ok(())
    }

    fn call_indirect(&mut self, type_index: u32, table: u32, tail: bool) {
        let ty = &self.env.types[type_index as usize];
        let (n, m) = (ty.params().len(), ty.results().len());
        let type_id = self.env.type_ids[type_index as usize];
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
        if tail {
            self.move_tail_args(n);
            self.emit(
                op::RETURN_CALL_INDIRECT,
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
        match self.take_copies() {
            FoldedCopies::None => self.emit(
                op::CALL_INDIRECT,
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
        self.truncate_stack(self.stack.len() - n);
        for _ in 0..m {
            self.push(Opd::Temp);
        }
    }

    /// For a tail call: moves the top `n` operands to slots `0..n` (the reused frame).
    fn move_tail_args(&mut self, n: usize) {
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

    fn br_table(&mut self, depths: &[u32]) {
        let index = self.pop_slot();
        let len = (depths.len() - 1) as u32;
        let pos = self.emit(op::BR_TABLE, BrTable { index, len });
        let first = pos + crate::ir::words::<BrTable>();
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

    fn br_if_full(&mut self, depth: u32) {
        if depth as usize != self.ctrl.len() - 1 && !self.needs_moves_below_cond(depth) {
            self.branch_if(depth, true);
            self.label_mut(depth).branched = true;
            return;
        }
        // Values must be moved (or the function returns) only when the branch is taken:
        // branch over the moves when the condition is false.
        let cond = self.pop();
        let p = self.stack.len();
        let slot = self.slot_at(p, cond);
        let skip = self.emit(
            op::BR_IF_EQZ,
            BrCond {
                cond: slot,
                offset: 0,
            },
        );
        let saved = self.reachable;
        if depth as usize == self.ctrl.len() - 1 {
            self.ret();
        } else {
            self.br(depth);
            self.label_mut(depth).branched = true;
        }
        self.reachable = saved;
        self.patch_to_here(skip, field_byte(skip, offset_of!(BrCond, offset)));
        self.bind_label();
    }
}

/// The most words of plain instructions before a loop's exit test that a rotated back
/// edge repeats (bounds the code it duplicates).
const MAX_REPEATED_HEADER: usize = 16;

/// The operation of comparison `cond` in the table `ops` (ordered as [`Cond`]).
fn cmp_op<L: Copy>(cond: Cond, _is64: bool, ops: &'static [BinOp<L>; 10]) -> Option<BinOp<L>> {
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

fn comm32(op: BinOp<BinRI32>) -> IntBin<BinRI32> {
    IntBin {
        op,
        commutative: true,
        cmp: None,
        swapped: &NO_CMPS32,
    }
}
fn noncomm32(op: BinOp<BinRI32>) -> IntBin<BinRI32> {
    IntBin {
        op,
        commutative: false,
        cmp: None,
        swapped: &NO_CMPS32,
    }
}
fn comm64(op: BinOp<BinRI64>) -> IntBin<BinRI64> {
    IntBin {
        op,
        commutative: true,
        cmp: None,
        swapped: &NO_CMPS64,
    }
}
fn noncomm64(op: BinOp<BinRI64>) -> IntBin<BinRI64> {
    IntBin {
        op,
        commutative: false,
        cmp: None,
        swapped: &NO_CMPS64,
    }
}
fn cmp32(cond: Cond) -> IntBin<BinRI32> {
    IntBin {
        op: I32_CMPS[cond as usize],
        commutative: false,
        cmp: Some(cond),
        swapped: &I32_CMPS,
    }
}
fn cmp64(cond: Cond) -> IntBin<BinRI64> {
    IntBin {
        op: I64_CMPS[cond as usize],
        commutative: false,
        cmp: Some(cond),
        swapped: &I64_CMPS,
    }
}

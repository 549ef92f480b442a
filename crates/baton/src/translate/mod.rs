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

mod branches;
mod calls;
mod control;
mod exceptions;
mod fuse;
mod gc;
mod globals;
mod init;
mod memory;
mod numeric;
mod pass;
mod refs;
mod safepoints;
mod select;
mod simd;
mod unroll;
mod visit;
mod wide;

use numeric::*;
pub(crate) use pass::ValidateThenTranslate;
pub(crate) use unroll::{BackEdge, LoopWatch, Unroll};

use crate::error::{Error, TrapCode};
use crate::exec::ops::{
    self as op, AccClass, AddBrOp, BinOp, FloatLoadAcc, FloatStoreAcc, LoadOp, StoreOp, UnOp,
};
use crate::ir::layout::*;
use crate::ir::{field_byte, words, AnyOp, CodeBuf, Layout, Op, Slot};
use crate::module::ModuleEnv;
use control::{Ctrl, CtrlKind, HeadExit, LoopHead};
use core::mem::offset_of;
use fuse::FoldedCopies;
use wasmparser::{BlockType, VisitOperator};

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
    /// Where the code computing the value starts: `pos`, or (an `i32.eqz` of a comparison
    /// just computed) the comparison, which only the `eqz` reads. A branch absorbing
    /// `cmp` removes the code from here on.
    start: usize,
    dst: Slot,
    /// The comparison whose result this is, for a branch to absorb.
    cmp: Option<Cmp>,
    /// The form of the instruction that leaves its result in the accumulator instead,
    /// if it has one: patched in when the next instruction consumes the result at once.
    acc: Option<AnyOp>,
    /// Which accumulator that form writes: only a consumer reading the same one takes
    /// the result from there.
    acc_class: AccClass,
}

/// `a && b` of two comparisons computed one right after the other, as compilers emit a
/// condition of two cheap tests (`i32.and` of both, then one branch), or its negation. A
/// branch on it tests the two comparisons itself: two compare-and-branches instead of
/// four instructions (see `FuncTranslator::conjunction_branch`).
#[derive(Clone, Copy)]
struct Conjunction {
    /// The instruction whose result it is (the `and`, or its `eqz`).
    pos: usize,
    /// Where the first comparison's code starts: a branch takes the code back from here.
    start: usize,
    first: Cmp,
    second: Cmp,
    /// The value is `!(a && b)` (an `eqz` of the `and`).
    negated: bool,
}

/// A value that `local.tee` just wrote to a local by retargeting the instruction that
/// computed it (see [`FuncTranslator::teed_in_acc`]).
#[derive(Clone, Copy)]
struct Teed {
    /// The producing instruction, the last one emitted.
    pos: usize,
    local: Slot,
    /// The accumulator its slot form hands the value on in.
    class: AccClass,
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
    /// 64-bit operands (`i64`, `f64`); else 32-bit ones.
    is64: bool,
    cond: Cond,
    a: Slot,
    b: Operand,
}

#[derive(Clone, Copy)]
enum Operand {
    Slot(Slot),
    /// A constant (a float's bits for float conditions).
    Imm(i64),
    /// Comparison against zero (`eqz`): no second operand.
    Zero,
}

/// Comparison conditions, for fused compare-and-branch: the integer ones, then the float
/// ones (`F...`), with the four negated float comparisons (`FNotLt`: "not less than",
/// also true when an operand is NaN) that negating `FLt` and the others gives.
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
    FEq,
    FNe,
    FLt,
    FGt,
    FLe,
    FGe,
    FNotLt,
    FNotGt,
    FNotLe,
    FNotGe,
}

/// Float compare-and-branch instructions of one width, in the order of
/// [`Cond::float_index`]: the register and the immediate form of each.
type FloatCmpOps<RI> = [(Op<BrCmpRR>, Op<RI>); 10];

static F32_BRANCHES: FloatCmpOps<BrCmpRI32> = [
    (op::BR_F32_EQ, op::BR_F32_EQ_RI),
    (op::BR_F32_NE, op::BR_F32_NE_RI),
    (op::BR_F32_LT, op::BR_F32_LT_RI),
    (op::BR_F32_GT, op::BR_F32_GT_RI),
    (op::BR_F32_LE, op::BR_F32_LE_RI),
    (op::BR_F32_GE, op::BR_F32_GE_RI),
    (op::BR_F32_NOT_LT, op::BR_F32_NOT_LT_RI),
    (op::BR_F32_NOT_GT, op::BR_F32_NOT_GT_RI),
    (op::BR_F32_NOT_LE, op::BR_F32_NOT_LE_RI),
    (op::BR_F32_NOT_GE, op::BR_F32_NOT_GE_RI),
];

static F64_BRANCHES: FloatCmpOps<BrCmpRI64> = [
    (op::BR_F64_EQ, op::BR_F64_EQ_RI),
    (op::BR_F64_NE, op::BR_F64_NE_RI),
    (op::BR_F64_LT, op::BR_F64_LT_RI),
    (op::BR_F64_GT, op::BR_F64_GT_RI),
    (op::BR_F64_LE, op::BR_F64_LE_RI),
    (op::BR_F64_GE, op::BR_F64_GE_RI),
    (op::BR_F64_NOT_LT, op::BR_F64_NOT_LT_RI),
    (op::BR_F64_NOT_GT, op::BR_F64_NOT_GT_RI),
    (op::BR_F64_NOT_LE, op::BR_F64_NOT_LE_RI),
    (op::BR_F64_NOT_GE, op::BR_F64_NOT_GE_RI),
];

/// Float add-and-branch instructions of one width, in the order of [`Cond::float_index`].
type FloatAddBranchOps = [Op<AddBrCmpRI>; 10];

static F32_ADD_BRANCHES: FloatAddBranchOps = [
    op::ADD_BR_F32_EQ,
    op::ADD_BR_F32_NE,
    op::ADD_BR_F32_LT,
    op::ADD_BR_F32_GT,
    op::ADD_BR_F32_LE,
    op::ADD_BR_F32_GE,
    op::ADD_BR_F32_NOT_LT,
    op::ADD_BR_F32_NOT_GT,
    op::ADD_BR_F32_NOT_LE,
    op::ADD_BR_F32_NOT_GE,
];

static F64_ADD_BRANCHES: FloatAddBranchOps = [
    op::ADD_BR_F64_EQ,
    op::ADD_BR_F64_NE,
    op::ADD_BR_F64_LT,
    op::ADD_BR_F64_GT,
    op::ADD_BR_F64_LE,
    op::ADD_BR_F64_GE,
    op::ADD_BR_F64_NOT_LT,
    op::ADD_BR_F64_NOT_GT,
    op::ADD_BR_F64_NOT_LE,
    op::ADD_BR_F64_NOT_GE,
];

impl Cond {
    /// The float add-and-branch testing this condition (`f64` or `f32`); none for
    /// integer conditions.
    fn float_add_branch(self, is64: bool) -> Option<Op<AddBrCmpRI>> {
        let i = self.float_index()?;
        Some(if is64 {
            F64_ADD_BRANCHES[i]
        } else {
            F32_ADD_BRANCHES[i]
        })
    }
    /// Whether this is a float condition.
    fn is_float(self) -> bool {
        self.float_index().is_some()
    }
    /// A float condition's index in the tables of float branches ([`FloatCmpOps`]).
    fn float_index(self) -> Option<usize> {
        use Cond::*;
        Some(match self {
            FEq => 0,
            FNe => 1,
            FLt => 2,
            FGt => 3,
            FLe => 4,
            FGe => 5,
            FNotLt => 6,
            FNotGt => 7,
            FNotLe => 8,
            FNotGe => 9,
            Eq | Ne | LtS | LtU | GtS | GtU | LeS | LeU | GeS | GeU => return None,
        })
    }
    /// The condition that holds exactly when this one does not.
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
            FEq => FNe,
            FNe => FEq,
            FLt => FNotLt,
            FGt => FNotGt,
            FLe => FNotLe,
            FGe => FNotGe,
            FNotLt => FLt,
            FNotGt => FGt,
            FNotLe => FLe,
            FNotGe => FGe,
        }
    }
    /// The condition with operands swapped (`a < b` ⇔ `b > a`; for floats too, NaN
    /// included).
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
            FEq => FEq,
            FNe => FNe,
            FLt => FGt,
            FGt => FLt,
            FLe => FGe,
            FGe => FLe,
            FNotLt => FNotGt,
            FNotGt => FNotLt,
            FNotLe => FNotGe,
            FNotGe => FNotLe,
        }
    }
    fn branch_rr(self, is64: bool) -> Op<BrCmpRR> {
        use Cond::*;
        if let Some(i) = self.float_index() {
            return if is64 {
                F64_BRANCHES[i].0
            } else {
                F32_BRANCHES[i].0
            };
        }
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
            (_, FEq | FNe | FLt | FGt | FLe | FGe | FNotLt | FNotGt | FNotLe | FNotGe) => {
                unreachable!("float conditions are handled above")
            }
        }
    }
    /// The add-and-branch instructions testing this condition (32-bit only); none for
    /// float conditions.
    fn add_branch(self) -> Option<AddBrOp> {
        use Cond::*;
        Some(match self {
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
            _ => return None,
        })
    }
    /// The same for 64-bit counters.
    fn add_branch64(self) -> Option<AddBrOp> {
        use Cond::*;
        Some(match self {
            Eq => op::ADD_BR_I64_EQ,
            Ne => op::ADD_BR_I64_NE,
            LtS => op::ADD_BR_I64_LT_S,
            LtU => op::ADD_BR_I64_LT_U,
            GtS => op::ADD_BR_I64_GT_S,
            GtU => op::ADD_BR_I64_GT_U,
            LeS => op::ADD_BR_I64_LE_S,
            LeU => op::ADD_BR_I64_LE_U,
            GeS => op::ADD_BR_I64_GE_S,
            GeU => op::ADD_BR_I64_GE_U,
            _ => return None,
        })
    }
    /// Compare-with-immediate branch, 32-bit (`i32`, `f32`).
    fn branch_ri32(self) -> Op<BrCmpRI32> {
        use Cond::*;
        if let Some(i) = self.float_index() {
            return F32_BRANCHES[i].1;
        }
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
            FEq | FNe | FLt | FGt | FLe | FGe | FNotLt | FNotGt | FNotLe | FNotGe => {
                unreachable!("float conditions are handled above")
            }
        }
    }
    /// Compare-with-immediate branch, 64-bit (`i64`, `f64`).
    fn branch_ri64(self) -> Op<BrCmpRI64> {
        use Cond::*;
        if let Some(i) = self.float_index() {
            return F64_BRANCHES[i].1;
        }
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
            FEq | FNe | FLt | FGt | FLe | FGe | FNotLt | FNotGt | FNotLe | FNotGe => {
                unreachable!("float conditions are handled above")
            }
        }
    }
}

/// A binary integer operation and how the translator may rearrange it.
struct IntBin<L: 'static> {
    /// The operation's forms (a reference: the table is a few hundred bytes, and this is
    /// built for every integer operator translated).
    op: &'static BinOp<L>,
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
    /// Cells of the params and declared locals: temporaries start here.
    locals: u32,
    /// Where each local starts when some local is a `v128` (two cells; see
    /// `bodies::local_cells`); empty when local `x` is cell `x`.
    local_map: Vec<u32>,
    /// Whether the operand that the next `drop` or `select` works on is a `v128` (two
    /// stack entries): set by the decoding pass, which asks the validator.
    pub(super) wide_operand: bool,
    num_results: u32,
    stack: Vec<Opd>,
    max_height: usize,
    ctrl: Vec<Ctrl>,
    /// Emptied fixup lists of closed constructs, reused by the next ones: most blocks
    /// have a branch to their end, and a list each was an allocation each.
    spare_fixups: Vec<Vec<(usize, usize)>>,
    reachable: bool,
    last: Option<Last>,
    /// What `last` was when the latest instruction was emitted: restored when that
    /// instruction (a comparison) is folded into a branch, so the branch can in turn
    /// absorb the instruction before it.
    /// The conjunction the last instruction computed, if it did (kept apart from [`Last`],
    /// which is copied at every instruction).
    conjunction: Option<Conjunction>,
    prev_last: Option<Last>,
    /// The local `local.tee` just wrote through the previous instruction, if any.
    teed: Option<Teed>,
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
    /// Positions of the unconditional jumps (`br`, `copy.br`, `const.br`) and of the
    /// branches carrying a value (`copy.br_if_nez`), for [`Self::thread_jumps`].
    jumps: Vec<usize>,
    offset: usize,
    /// Which locals need zeroing on entry (see `init.rs`).
    init: init::LocalInit,
    /// Catch clauses whose label is the function's (see `exceptions.rs`).
    return_catches: Vec<u32>,
    /// The function's stack maps, if its module's values may be objects (see
    /// `crate::stack_maps`).
    maps: Option<crate::stack_maps::StackMapBuilder>,
    /// Before a call or an allocating instruction: the operand stack entries (indices from
    /// the bottom) that hold references the collector traces, set by the decoding pass.
    pub(super) safepoint_refs: Vec<u32>,
    /// The defined functions this code calls directly (`call`, `return_call`), each once,
    /// in the order of their first call site: what background translation translates
    /// next (see `crate::code`).
    callees: Vec<u32>,
    /// The `br_table`s emitted: the instruction's position, its first entry's and the
    /// number of entries (for `CodeBuf::seal_tables`).
    tables: Vec<(usize, usize, usize)>,
    /// In an unrolled loop whose first copy's test leaves with values still to move: that
    /// test and the moves, emitted after the loop (see `unroll.rs`).
    unrolled_exit: Option<unroll::ExitStub>,
}

/// The buffers a translator works in, emptied and kept for the next function translated on
/// the same thread: a module's functions are translated one after another, and each
/// allocating and growing its own buffers again was some 3% of translating.
#[derive(Default)]
struct Scratch {
    stack: Vec<Opd>,
    ctrl: Vec<Ctrl>,
    spare_fixups: Vec<Vec<(usize, usize)>>,
    local_refs: Vec<u32>,
    jumps: Vec<usize>,
    return_catches: Vec<u32>,
    safepoint_refs: Vec<u32>,
    callees: Vec<u32>,
    tables: Vec<(usize, usize, usize)>,
}

thread_local! {
    /// This thread's [`Scratch`], while no translator has it.
    static SCRATCH: core::cell::Cell<Option<Scratch>> = const { core::cell::Cell::new(None) };
}

impl Drop for FuncTranslator<'_> {
    /// Hands the buffers on to the next translator on this thread.
    fn drop(&mut self) {
        let mut stack = core::mem::take(&mut self.stack);
        let mut ctrl = core::mem::take(&mut self.ctrl);
        let mut spare_fixups = core::mem::take(&mut self.spare_fixups);
        let mut local_refs = core::mem::take(&mut self.local_refs);
        let mut jumps = core::mem::take(&mut self.jumps);
        let mut return_catches = core::mem::take(&mut self.return_catches);
        let mut safepoint_refs = core::mem::take(&mut self.safepoint_refs);
        let mut callees = core::mem::take(&mut self.callees);
        let mut tables = core::mem::take(&mut self.tables);
        // A translation that failed may leave constructs open: their fixup lists go to
        // the spares too.
        spare_fixups.extend(ctrl.drain(..).map(|mut c| {
            c.fixups.clear();
            c.fixups
        }));
        // Kept emptied, and no larger than an ordinary function needs: one huge function
        // (a million nested blocks, a `br_table` of a million labels) must not leave its
        // buffers to the thread for good.
        fn empty<T>(v: &mut Vec<T>, keep: usize) {
            v.clear();
            v.shrink_to(keep);
        }
        empty(&mut stack, 4096);
        empty(&mut ctrl, 256);
        empty(&mut local_refs, 4096);
        empty(&mut jumps, 1024);
        empty(&mut return_catches, 64);
        empty(&mut safepoint_refs, 1024);
        empty(&mut callees, 1024);
        empty(&mut tables, 256);
        spare_fixups.truncate(64);
        spare_fixups.iter_mut().for_each(|f| empty(f, 1024));
        SCRATCH.set(Some(Scratch {
            stack,
            ctrl,
            spare_fixups,
            local_refs,
            jumps,
            return_catches,
            safepoint_refs,
            callees,
            tables,
        }));
    }
}

/// The translator's results. The error is boxed: a visit returns one of these for every
/// operator, and at two words it comes back in registers instead of through memory (an
/// `Error` is five words; translation errors are rare).
type R<T = ()> = Result<T, Box<Error>>;

impl<'a> FuncTranslator<'a> {
    pub(crate) fn new(
        env: &'a ModuleEnv,
        code: &'a mut CodeBuf,
        num_results: u32,
        params: u32,
        locals: u32,
        local_map: Vec<u32>,
        traced_locals: Option<Vec<u32>>,
    ) -> Self {
        let mut init = init::LocalInit::new(params, locals);
        if let Some(cells) = &traced_locals {
            // A collection may come before a reference local is first assigned: it must
            // read as null then, not as what the slot held before.
            cells.iter().for_each(|&c| init.must_zero(c));
        }
        let scratch = SCRATCH.take().unwrap_or_default();
        let Scratch {
            stack,
            ctrl,
            spare_fixups,
            mut local_refs,
            jumps,
            return_catches,
            safepoint_refs,
            callees,
            tables,
        } = scratch;
        local_refs.resize(locals as usize, 0);
        let mut t = FuncTranslator {
            env,
            code,
            locals,
            local_map,
            wide_operand: false,
            num_results,
            stack,
            max_height: 0,
            ctrl,
            spare_fixups,
            reachable: true,
            last: None,
            prev_last: None,
            conjunction: None,
            teed: None,
            lazy_floor: 0,
            local_refs,
            fuel_block: None,
            fuel_count: 0,
            branches: 0,
            recent: Recent::default(),
            label_at: 0,
            jumps,
            offset: 0,
            init,
            return_catches,
            maps: traced_locals.map(crate::stack_maps::StackMapBuilder::new),
            callees,
            safepoint_refs,
            tables,
            unrolled_exit: None,
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

    /// Starts a new basic block for fuel accounting (metered code only), with the operand
    /// stack as the block starts.
    fn start_fuel_block(&mut self) {
        if self.env.fuel {
            let pos = self.emit(op::FUEL, Fuel { amount: 0 });
            self.record_fuel_check(pos);
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
    /// One past the last local cell the function may read before writing it: the call
    /// handlers zero the cells from the parameters' end to here on entry.
    pub(crate) fn zero_end(&self) -> u32 {
        self.init.zero_end()
    }

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

    fn emit<L: Layout>(&mut self, op: Op<L>, imm: L) -> usize {
        self.prev_last = self.last.take();
        self.teed = None;
        self.conjunction = None;
        // Branches carry relative offsets: code containing one cannot be copied elsewhere.
        if op.branches {
            self.branches += 1;
            if [
                op::BR.code,
                op::COPY_BR.code,
                op::CONST_BR.code,
                op::BR_IF_NEZ_COPY.code,
                op::BR_IF_NEZ_COPY_A.code,
            ]
            .contains(&op.code)
            {
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
        if let Some(maps) = &mut self.maps {
            maps.truncate(pos);
        }
        self.recent.pop();
    }

    /// Removes the code emitted from `start` on: the most recent instruction, or the last
    /// few when `start` is earlier (see [`Last::start`]).
    fn unemit_from(&mut self, start: usize) {
        self.code.truncate(start);
        if let Some(maps) = &mut self.maps {
            maps.truncate(start);
        }
        // (What came before an instruction no longer known stays unknown.)
        while self.recent.last().is_some_and(|pos| pos >= start) {
            self.recent.pop();
        }
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

    /// Like [`Self::push_result`], for an instruction with an accumulator form (writing
    /// the integer accumulator).
    fn push_result_acc(&mut self, pos: usize, dst: Slot, cmp: Option<Cmp>, acc: Option<AnyOp>) {
        self.push_result_acc_as(pos, dst, cmp, acc, AccClass::Int);
    }

    /// Like [`Self::push_result_acc`], for an accumulator form writing the accumulator
    /// `class`.
    fn push_result_acc_as(
        &mut self,
        pos: usize,
        dst: Slot,
        cmp: Option<Cmp>,
        acc: Option<AnyOp>,
        class: AccClass,
    ) {
        self.push(Opd::Temp);
        self.last = Some(Last {
            pos,
            start: pos,
            dst,
            cmp,
            acc,
            acc_class: class,
        });
    }

    /// Whether the operand `o` at stack position `p` is the result of the previous
    /// instruction and can be routed through the integer accumulator.
    fn in_acc(&self, o: Opd, p: usize) -> bool {
        self.in_acc_as(o, p, AccClass::Int)
    }

    /// Whether the operand `o` at stack position `p` is the result of the previous
    /// instruction and can be routed through the accumulator `class`: the producer's
    /// accumulator form writes that one.
    fn in_acc_as(&self, o: Opd, p: usize, class: AccClass) -> bool {
        o == Opd::Temp
            && matches!(self.last, Some(Last { dst, acc: Some(_), acc_class, .. })
                if dst == self.temp(p) && acc_class == class)
    }

    /// Whether `o`, an operand about to be read, is the local that `local.tee` has just
    /// written by retargeting the previous instruction, and that instruction hands the
    /// value on in the accumulator `class`.
    ///
    /// The slot form of every instruction with an accumulator form passes its result on
    /// in the accumulator as well as writing its slot ([`Cell::pass_on`]), so the next
    /// instruction may read the local from the accumulator: one store-to-load forwarding
    /// fewer on the value's dependency chain. Unlike [`Self::in_acc`], the producer stays
    /// as it is: its slot write is the local's, and no fusion may take it back.
    ///
    /// Only a `br_if` whose value is its own condition asks (a loop counting down through
    /// its parameter: `local.tee $n; local.get $n; br_if`). Loads and arithmetic reading a
    /// teed local from the accumulator were tried: their slot forms are what the later
    /// fusions and pairs look for, and Lua's dispatch head (`i = *pc++`, then `i & 0x7f`)
    /// lost its fused form, 9.5% more dispatches.
    ///
    /// [`Cell::pass_on`]: crate::exec::ops::Cell::pass_on
    fn teed_in_acc(&self, o: Opd, class: AccClass) -> bool {
        matches!((o, self.teed), (Opd::Local(x), Some(t))
            if t.local == x && t.class == class
                && self.recent.last() == Some(t.pos)
                && self.label_at <= t.pos)
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

    // -------------------------------------------------------------------- operators

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

    /// The first cell of local `x`, and whether it is a `v128` (two cells).
    fn local_cell(&self, x: u32) -> (Slot, bool) {
        match self.local_map.get(x as usize..x as usize + 2) {
            Some(&[c, next]) => (c, next - c == 2),
            _ => (x, false),
        }
    }

    /// Pops a `v128` (two stack entries, low half first) and returns the first of the two
    /// adjacent cells holding it: a local's, or its temporaries' (materialised if they are
    /// constants or not a local's pair).
    fn pop_v128(&mut self) -> Slot {
        let hi = self.pop();
        let lo = self.pop();
        let p = self.stack.len();
        match (lo, hi) {
            (Opd::Temp, Opd::Temp) => self.temp(p),
            (Opd::Local(a), Opd::Local(b)) if b == a + 1 => a,
            (lo, hi) => {
                self.move_to(self.temp(p), p, lo);
                self.move_to(self.temp(p + 1), p + 1, hi);
                self.temp(p)
            }
        }
    }

    /// Pushes a `v128` an instruction wrote to cells `dst`, `dst + 1` (no fusion with
    /// what follows: it has two results).
    fn push_v128(&mut self) {
        self.push(Opd::Temp);
        self.push(Opd::Temp);
        self.last = None;
    }

    /// `local.set`/`local.tee` of a `v128` local at cells `c`, `c + 1`.
    fn local_set_v128(&mut self, c: Slot, tee: bool) {
        self.init.write(c);
        self.init.write(c + 1);
        let hi = self.pop();
        let lo = self.pop();
        let p = self.stack.len();
        self.preserve_local(c);
        self.preserve_local(c + 1);
        self.move_to(c, p, lo);
        self.move_to(c + 1, p + 1, hi);
        if tee {
            self.push(lo);
            self.push(hi);
        }
    }

    fn local_set(&mut self, x: u32, tee: bool) {
        self.init.write(x);
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
                    if last.acc.is_some() {
                        self.teed = Some(Teed {
                            pos: last.pos,
                            local: x,
                            class: last.acc_class,
                        });
                    }
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
}

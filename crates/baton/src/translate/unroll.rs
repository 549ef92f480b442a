//! Small loops translated twice: one taken branch per two iterations.
//!
//! A loop whose body is a few plain instructions ending in its back edge
//! (`loop ... br_if 0 end`) costs a taken branch per iteration. A taken branch is the
//! slowest step of a dispatch: the next instruction's position depends on an offset read
//! from the code, so no other work of the iteration can start before that load is done.
//! A loop of one or two handlers is bound by that chain alone.
//!
//! Such a loop is translated as if it had been written
//!
//! ```text
//! block $exit
//!   loop $loop
//!     body
//!     (br_if $exit (i32.eqz cond))   ;; falls through while the loop goes on
//!     body
//!     (br_if $loop cond)
//!   end
//! end
//! ```
//!
//! The first copy's test falls through to the second copy while the loop goes on, so only
//! every second iteration takes a branch. Both tests are translated by the translator's
//! ordinary paths, with their fusions (the first one with its condition negated); the
//! second copy is the body's operators read again, translated without validating them a
//! second time.
//!
//! A loop that goes round with `br 0` and leaves by its `br_if`s (a while loop: `loop
//! (br_if $out (cond)) ... (br 0)`) needs no block: its two copies follow each other as
//! they are, and the back edge after the second is rotated as any other (it repeats the
//! head test and jumps past the first copy's).
//!
//! Only loops whose body has no block, call or trap of its own, and no branch but its
//! exits and back edge, are unrolled; a do-while loop only when its results are its
//! parameters (the values the first copy's test carries are both) and it has no other
//! exit (one would have to reach past the block). None is unrolled in code with fuel
//! metering (a charge per iteration) or stack maps (points recorded per operator offset).

use super::*;
use wasmparser::{Operator, OperatorsReader};

/// The most operators a loop body (its back edge not counted) may have to be translated
/// twice: the second copy's code is what unrolling costs, and the branch it saves matters
/// less as the body grows.
pub(crate) const MAX_UNROLLED_OPERATORS: usize = 24;

/// How an unrolled loop goes round.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum BackEdge {
    /// `br_if 0` ends the body (a do-while loop): the first copy's test is negated and
    /// leaves to a block around the loop.
    Conditional,
    /// `br 0` ends the body, whose own `br_if`s leave the loop (a while loop, tested at
    /// its head or anywhere): the copies follow each other as they are, and the back edge
    /// after the second goes through the usual rotation (`rotated_back_edge`).
    Always,
}

/// A loop at the reader's position that is translated twice (see the module's comment).
pub(crate) struct Unroll<'a> {
    /// The loop's type (not validated yet).
    pub ty: BlockType,
    /// The body's operators: a reader positioned just after the `loop` operator.
    pub body: OperatorsReader<'a>,
    /// Module offset of the back edge, which ends the body.
    pub back_edge: u64,
    pub kind: BackEdge,
}

impl<'a> Unroll<'a> {
    /// If the operator at `ops`' position opens a loop that can be unrolled, and
    /// `translator` (if any) translates reachable code without fuel or stack maps: the
    /// plan for it. Cheap when the operator is not a `loop` (one byte is read).
    pub(crate) fn plan(
        ops: &OperatorsReader<'a>,
        translator: Option<&FuncTranslator<'_>>,
    ) -> Option<Self> {
        const LOOP: u8 = 0x03;
        if ops.get_binary_reader().read_u8().ok()? != LOOP {
            return None;
        }
        let t = translator?;
        if !t.reachable || t.env.fuel || t.env.stack_maps {
            return None;
        }
        let mut scan = ops.clone();
        let Operator::Loop { blockty: ty } = scan.read().ok()? else {
            return None;
        };
        let body = scan.clone();
        let mut exits = false;
        for _ in 0..=MAX_UNROLLED_OPERATORS {
            let at = scan.original_position();
            let kind = match scan.read().ok()? {
                // (A loop with a result but no parameter ends with a value that its back
                // edge drops: not the second copy's start.)
                Operator::BrIf { relative_depth: 0 }
                    if !exits && !matches!(ty, BlockType::Type(_)) =>
                {
                    BackEdge::Conditional
                }
                Operator::Br { relative_depth: 0 } => BackEdge::Always,
                Operator::BrIf { relative_depth } if relative_depth > 0 => {
                    exits = true;
                    continue;
                }
                op if is_plain(&op) => continue,
                _ => return None,
            };
            let ends = matches!(scan.read().ok()?, Operator::End);
            return ends.then_some(Unroll {
                ty,
                body,
                back_edge: at,
                kind,
            });
        }
        None
    }
}

/// Whether an operator may appear in an unrolled loop's body: it opens, closes or
/// branches to no label, does not call, and always continues with the next operator
/// unless it traps (`unreachable`, which always does, is left out too).
fn is_plain(op: &Operator<'_>) -> bool {
    use Operator as O;
    !matches!(
        op,
        O::Unreachable
            | O::Block { .. }
            | O::Loop { .. }
            | O::If { .. }
            | O::Else
            | O::End
            | O::Br { .. }
            | O::BrIf { .. }
            | O::BrTable { .. }
            | O::Return
            | O::Call { .. }
            | O::CallIndirect { .. }
            | O::CallRef { .. }
            | O::ReturnCall { .. }
            | O::ReturnCallIndirect { .. }
            | O::ReturnCallRef { .. }
            | O::BrOnNull { .. }
            | O::BrOnNonNull { .. }
            | O::BrOnCast { .. }
            | O::BrOnCastFail { .. }
            | O::TryTable { .. }
            | O::Throw { .. }
            | O::ThrowRef
            | O::Try { .. }
            | O::Catch { .. }
            | O::CatchAll
            | O::Rethrow { .. }
            | O::Delegate { .. }
    )
}

impl FuncTranslator<'_> {
    /// Before the `loop` of an unrolled loop, of type `ty` (validated): opens the block
    /// its first copy's test leaves to, of the same type; or returns false if the loop's
    /// results are not its parameters, which the first copy's values must be both for the
    /// second copy and for the block's end.
    pub(crate) fn open_unrolled(&mut self, ty: BlockType) -> bool {
        let (params, results) = self.block_arity(ty);
        if params != results {
            return false;
        }
        self.begin_block(CtrlKind::Block, ty);
        true
    }

    /// After the `loop` of an unrolled loop was translated: marks it, so that the first
    /// copy's test, a branch out of the loop, is not taken for a loop head that the back
    /// edge repeats (see `loop_head_candidate`): the back edge is a `br_if`, which repeats
    /// nothing, and a head test is not fused with what computes its condition.
    pub(crate) fn mark_unrolled(&mut self) {
        let c = self.ctrl.last_mut().expect("the loop was just opened");
        debug_assert_eq!(c.kind, CtrlKind::Loop);
        c.unrolled = true;
    }

    /// At the end of the first copy of an unrolled loop's body, with the back edge's
    /// condition on top of the stack: leaves the loop (to the block around it) when the
    /// condition is zero, and falls through to the second copy otherwise.
    ///
    /// The values the back edge carries (the loop's parameters, its results too) must be
    /// in their slots at the block's end. Where some are not (a local's value, a
    /// constant), the test leaves to a stub after the loop that moves them
    /// ([`Self::close_unrolled`]): moved here, on both ways, they would cost the second
    /// copy their moves and part the test from the comparison or add it fuses with.
    pub(crate) fn unrolled_exit(&mut self, offset: usize) {
        self.offset = offset;
        let cond = self.stack.pop().expect("validated: a condition");
        let h = self.stack.len();
        let arity = self.label(1).results as usize;
        let values: Vec<(usize, Opd)> = (h - arity..h)
            .map(|p| (p, self.stack[p]))
            .filter(|&(_, o)| o != Opd::Temp)
            .collect();
        self.stack.push(cond);
        // (The block around the loop is one level further out than the loop.)
        self.note_init_branch(1);
        let before = self.label(1).fixups.len();
        self.branch_if(1, false);
        self.label_mut(1).branched = true;
        if !values.is_empty() {
            let fixups = self.label_mut(1).fixups.split_off(before);
            self.unrolled_exit = Some(ExitStub { fixups, values });
        }
    }

    /// After the `end` of an unrolled loop: emits the first copy's exit stub, if any (the
    /// second copy's way out jumps over it), and closes the block around the loop.
    pub(crate) fn close_unrolled(&mut self) -> Result<(), Box<Error>> {
        if let Some(ExitStub { fixups, values }) = self.unrolled_exit.take() {
            if self.reachable {
                let fixup = self.emit_br();
                self.label_mut(0).fixups.push(fixup);
            }
            for (pos, byte) in fixups {
                self.patch_to_here(pos, byte);
            }
            self.bind_label();
            // Nothing ran between the test and here: each local still holds its value.
            for (p, o) in values {
                let dst = self.temp(p);
                self.move_to(dst, p, o);
            }
            self.reachable = true;
        }
        self.end().map(|_| ())
    }
}

/// The first copy's exit test of an unrolled loop, taken to a stub after the loop that
/// moves the values it carries to their slots (see `FuncTranslator::unrolled_exit`).
pub(super) struct ExitStub {
    /// The test's offset field: (instruction position, byte position).
    fixups: Vec<(usize, usize)>,
    /// The values to move: (stack position, where the value is).
    values: Vec<(usize, Opd)>,
}

//! Small loops translated twice: one taken branch per two iterations.
//!
//! A loop whose body is a few instructions ending in its back edge (`loop ... br_if 0
//! end`) costs a taken branch per iteration. A taken branch is the slowest step of a
//! dispatch: the next instruction's position depends on an offset read from the code, so
//! no other work of the iteration can start before that load is done. A loop of one or
//! two handlers is bound by that chain alone.
//!
//! Such a loop is translated as if it had been written
//!
//! ```text
//! loop $loop
//!   body
//!   (br_if <the loop's end> (i32.eqz cond))   ;; falls through while the loop goes on
//!   body
//!   (br_if $loop cond)
//! end
//! ```
//!
//! The first copy's test falls through to the second copy while the loop goes on, so only
//! every second iteration takes a branch. Both tests are translated by the translator's
//! ordinary paths, with their fusions (the first one with its condition negated); the
//! second copy is the body's operators read again, translated without validating them a
//! second time. Branches in the body keep their meaning in both copies: the first copy's
//! test is the only new label use, and it is the loop's own end.
//!
//! A loop that goes round with `br 0` and leaves by its `br_if`s (a while loop: `loop
//! (br_if $out (cond)) ... (br 0)`) needs no new test: its two copies follow each other as
//! they are, and the back edge after the second is rotated as any other (it repeats the
//! head test and jumps past the first copy's).
//!
//! The decision costs the translation nearly nothing: [`LoopWatch`] follows the operators
//! of a loop by their first byte as they are translated, from its `loop` on, and only at
//! the back edge of a loop that qualified all along does the second copy get translated. A loop qualifies when its body
//! has at most [`MAX_UNROLLED_OPERATORS`] operators and no loop, call, `br_table` or
//! exception handling of its own; a do-while loop also needs its results to be its
//! parameters (the values the first copy's test carries are both). None is unrolled in
//! code with fuel metering (a charge per iteration) or stack maps (points recorded per
//! operator offset).

use super::*;
use wasmparser::BinaryReader;

/// The most operators a loop body (its back edge not counted) may have to be translated
/// twice: the second copy's code is what unrolling costs, and the branch it saves matters
/// less as the body grows.
pub(crate) const MAX_UNROLLED_OPERATORS: usize = 24;

/// How an unrolled loop goes round.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum BackEdge {
    /// `br_if 0` ends the body (a do-while loop): the first copy's test is negated and
    /// leaves to the loop's end.
    Conditional,
    /// `br 0` ends the body (a while loop): the copies follow each other as they are.
    Always,
}

/// A loop to unroll, found at its back edge.
pub(crate) struct Unroll<'a> {
    pub kind: BackEdge,
    /// The body's operators: a reader positioned just after the `loop` operator.
    pub body: BinaryReader<'a>,
    /// Module offset of the back edge, which ends the body.
    pub back_edge: u64,
}

/// The innermost open loop that may still be unrolled (see [`LoopWatch`]).
struct Candidate<'a> {
    body: BinaryReader<'a>,
    /// Operators of the body so far.
    operators: usize,
    /// Blocks (and `if`s) of the body's own open here.
    open: u32,
}

/// Follows a body's operators by their first byte, before each is translated, to find the
/// back edge of a loop that can be unrolled (see the module's comment).
pub(crate) struct LoopWatch<'a> {
    /// The body's bytes and the module offset of the first.
    bytes: &'a [u8],
    base: u64,
    candidate: Option<Candidate<'a>>,
}

// First bytes of the operators that matter here.
const UNREACHABLE: u8 = 0x00;
const BLOCK: u8 = 0x02;
const LOOP: u8 = 0x03;
const IF: u8 = 0x04;
const END: u8 = 0x0b;
const BR: u8 = 0x0c;
const BR_IF: u8 = 0x0d;
const RETURN: u8 = 0x0f;

/// Whether an operator with this first byte rules out unrolling the loop around it:
/// `br_table` (an interpreter's dispatch has its own translation), calls (whose cost
/// dwarfs the branch saved), exception handling, typed branches on references, the GC
/// and stack-switching instructions (modules with those have stack maps anyway).
fn rules_out(byte: u8) -> bool {
    matches!(
        byte,
        0x06..=0x0a // try, catch, throw, rethrow, throw_ref
            | 0x0e // br_table
            | 0x10..=0x15 // call, call_indirect, return_call(_indirect), (return_)call_ref
            | 0x18 | 0x19 | 0x1f // delegate, catch_all, try_table
            | 0xd5 | 0xd6 // br_on_null, br_on_non_null
            | 0xe0..=0xe6 // stack switching
            | 0xfb // GC (`br_on_cast`...)
    )
}

/// Decodes an unsigned LEB128 `u32` at the start of `bytes`: the value and its length.
fn read_u32(bytes: &[u8]) -> Option<(u32, usize)> {
    let mut value = 0u32;
    for (i, &b) in bytes.iter().take(5).enumerate() {
        value |= u32::from(b & 0x7f).checked_shl(7 * i as u32)?;
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

impl<'a> LoopWatch<'a> {
    /// A watch over a body of `bytes`, the first at module offset `base`.
    pub(crate) fn new(bytes: &'a [u8], base: u64) -> Self {
        LoopWatch {
            bytes,
            base,
            candidate: None,
        }
    }

    /// Whether a loop is being watched: only then does [`Self::before`] need calling.
    #[inline]
    pub(crate) fn watching(&self) -> bool {
        self.candidate.is_some()
    }

    /// Before the operator at module offset `at`, in a watched loop, is translated: the
    /// loop to unroll if it is that loop's back edge.
    pub(crate) fn before(&mut self, at: u64) -> Option<Unroll<'a>> {
        let i = usize::try_from(at.checked_sub(self.base)?).ok()?;
        let byte = *self.bytes.get(i)?;
        let c = self.candidate.as_mut()?;
        c.operators += 1;
        let back_edge = match byte {
            BLOCK | IF => {
                c.open += 1;
                None
            }
            END if c.open > 0 => {
                c.open -= 1;
                None
            }
            // The loop ends without a back edge.
            END => Some(None),
            BR | BR_IF => match self.bytes.get(i + 1..).and_then(read_u32) {
                Some((0, len)) if c.open == 0 && self.bytes.get(i + 1 + len) == Some(&END) => {
                    Some(Some(if byte == BR {
                        BackEdge::Always
                    } else {
                        BackEdge::Conditional
                    }))
                }
                // (A `br` from the body itself leaves the rest of it dead.)
                Some(_) if byte == BR_IF || c.open > 0 => None,
                _ => Some(None),
            },
            UNREACHABLE | RETURN if c.open == 0 => Some(None),
            // (The loop is watched instead, once it is open.)
            LOOP => Some(None),
            other if rules_out(other) => Some(None),
            _ => None,
        };
        // (The back edge is not the body's.)
        let limit = MAX_UNROLLED_OPERATORS + usize::from(matches!(back_edge, Some(Some(_))));
        let too_long = c.operators > limit;
        match back_edge {
            // Still a candidate.
            None if !too_long => None,
            Some(Some(kind)) if !too_long => {
                let c = self.candidate.take()?;
                Some(Unroll {
                    kind,
                    body: c.body,
                    back_edge: at,
                })
            }
            _ => {
                self.candidate = None;
                None
            }
        }
    }

    /// After a `loop` operator was translated by `translator` (if any), with `ops` just
    /// past it: watches that loop, if it may qualify (an outer loop holding it no longer
    /// does).
    pub(crate) fn opened(
        &mut self,
        ops: &wasmparser::OperatorsReader<'a>,
        translator: Option<&FuncTranslator<'_>>,
    ) {
        let qualifies = translator.is_some_and(|t| t.reachable && !t.env.fuel && !t.env.stack_maps);
        self.candidate = qualifies.then(|| Candidate {
            body: ops.get_binary_reader(),
            operators: 0,
            open: 0,
        });
    }
}

impl FuncTranslator<'_> {
    /// At the back edge of a do-while loop to unroll: whether it can be, which needs
    /// reachable code and the loop's results to be its parameters (the values the first
    /// copy's test carries must be both: for the second copy and for the loop's end).
    pub(crate) fn may_unroll_do_while(&self) -> bool {
        let c = self.ctrl.last().expect("in the loop");
        self.reachable && c.kind == CtrlKind::Loop && c.params == c.results
    }

    /// At the end of the first copy of an unrolled do-while loop's body, with the back
    /// edge's condition on top of the stack: leaves the loop (to its end) when the
    /// condition is zero, and falls through to the second copy otherwise.
    ///
    /// The values the back edge carries (the loop's parameters, its results too) must be
    /// in their slots at the loop's end. Where some are not (a local's value, a
    /// constant), the test leaves to a stub after the loop that moves them
    /// ([`Self::unrolled_exit_stub`]): moved here, on both ways, they would cost the
    /// second copy their moves and part the test from the comparison or add it fuses with.
    pub(crate) fn unrolled_exit(&mut self, offset: usize) {
        self.offset = offset;
        let cond = self.stack.pop().expect("validated: a condition");
        let h = self.stack.len();
        let idx = self.ctrl.len() - 1;
        let arity = self.ctrl[idx].results as usize;
        let values: Vec<(usize, Opd)> = (h - arity..h)
            .map(|p| (p, self.stack[p]))
            .filter(|&(_, o)| o != Opd::Temp)
            .collect();
        self.stack.push(cond);
        // A branch to the loop's end, as a block's: taken for a block, the loop records
        // the branch among its fixups, patched at its `end` (and no loop-head test is
        // looked for: the loop is not a branch's target as a loop here).
        let before = self.ctrl[idx].fixups.len();
        self.ctrl[idx].kind = CtrlKind::Block;
        self.branch_if(0, false);
        self.ctrl[idx].kind = CtrlKind::Loop;
        if !values.is_empty() {
            let fixups = self.ctrl[idx].fixups.split_off(before);
            self.unrolled_exit = Some(ExitStub { fixups, values });
        }
    }

    /// At the `end` of a loop, after the values that fall out of it were moved: emits the
    /// first copy's exit stub, if any (the way that falls out jumps over it), adding the
    /// jump over it to `fixups`, the branches to the loop's end.
    pub(super) fn unrolled_exit_stub(&mut self, fixups: &mut Vec<(usize, usize)>) {
        let Some(stub) = self.unrolled_exit.take() else {
            return;
        };
        if self.reachable {
            fixups.push(self.emit_br());
        }
        for (pos, byte) in stub.fixups {
            self.patch_to_here(pos, byte);
        }
        self.bind_label();
        // Nothing ran between the test and here: each local still holds its value.
        for (p, o) in stub.values {
            let dst = self.temp(p);
            self.move_to(dst, p, o);
        }
        self.reachable = true;
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

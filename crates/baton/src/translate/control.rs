//! Control frames of the translator: one per enclosing `block`, `loop`, `if`/`else`.

/// What kind of construct a control frame is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CtrlKind {
    Block,
    Loop,
    If,
    Else,
}

/// A construct being translated.
pub(super) struct Ctrl {
    pub kind: CtrlKind,
    /// Operand stack height below the construct's parameters: its values live in the
    /// slots from this position on.
    pub height: usize,
    pub params: u32,
    pub results: u32,
    /// Code position of a loop's start (its branch target).
    pub label: usize,
    /// Branches to the end: (instruction position, byte position of the offset field).
    /// (A loop has them only when it is unrolled: see `unroll.rs`.)
    pub fixups: Vec<(usize, usize)>,
    /// An `if`'s branch to its `else` part (or end).
    pub else_fixup: Option<(usize, usize)>,
    /// A second branch to the `else` part: the first test of an `if (a && b)` whose two
    /// comparisons branch there each (`else_fixup` is the second's).
    pub first_else_fixup: Option<(usize, usize)>,
    /// The `if` parameters, for the `else` part to start from.
    pub saved_params: Vec<super::Opd>,
    pub entry_reachable: bool,
    /// Whether any branch targets the end.
    pub branched: bool,
    /// For a loop that starts by branching out of itself: that branch.
    pub head: Option<LoopHead>,
    /// For a loop: the `fuel` instruction of its header (metered code).
    pub header_fuel: Option<usize>,
    /// For a loop: where its body starts, after the header's checks.
    pub body_start: usize,
    /// For a loop: the translator's branch count at `body_start`.
    pub branches_at_body: usize,
    /// Where the local-initialisation pass stood when the construct opened (`init.rs`).
    pub init_mark: usize,
    /// The cells assigned since `init_mark` on every branch to this construct's end so
    /// far; `None` before the first (`init.rs`).
    pub init_branches: Option<Vec<u32>>,
    /// For a `try_table`: its region in the handler table (`exceptions.rs`).
    pub try_region: Option<u32>,
    /// Catch clauses that continue at this construct's end (`exceptions.rs`).
    pub catch_fixups: Vec<u32>,
    /// For a loop whose header is a few plain instructions ending in a `br_table` (an
    /// interpreter's dispatch): the `br_table`'s position (see
    /// `FuncTranslator::copied_dispatch`).
    pub dispatch: Option<usize>,
}

/// Where a loop's head test leaves the loop to.
#[derive(Clone, Copy)]
pub(super) enum HeadExit {
    /// A branch out, to the block at this control-stack index (`br_if $out`).
    Block(usize),
    /// The `else` part (or the end) of the `if` at this control-stack index, the loop's
    /// first instruction (`loop (if (cond) (then ... br $loop)))`): its false path.
    IfElse(usize),
}

/// The exit test at the top of a loop (see `FuncTranslator::rotated_back_edge`).
#[derive(Clone, Copy)]
pub(super) struct LoopHead {
    /// Code position of the test.
    pub test: usize,
    pub cmp: super::Cmp,
    /// Whether the branch is taken when `cmp` holds.
    pub when_true: bool,
    /// Where the test leaves the loop to.
    pub exit: HeadExit,
    /// Code position just after the test.
    pub body: usize,
    /// The header's last instruction, if its result is the value tested (pending in the
    /// translator's `last` when the test was emitted): the back edge's copy of it may be
    /// fused with the repeated test.
    pub producer: Option<super::Last>,
}

impl Ctrl {
    pub(super) fn new(
        kind: CtrlKind,
        height: usize,
        params: u32,
        results: u32,
        label: usize,
        reachable: bool,
    ) -> Ctrl {
        Ctrl {
            kind,
            height,
            params,
            results,
            label,
            fixups: Vec::new(),
            else_fixup: None,
            first_else_fixup: None,
            saved_params: Vec::new(),
            entry_reachable: reachable,
            branched: false,
            head: None,
            header_fuel: None,
            body_start: label,
            branches_at_body: 0,
            init_mark: 0,
            init_branches: None,
            try_region: None,
            catch_fixups: Vec::new(),
            dispatch: None,
        }
    }

    /// How many values a branch to this construct carries.
    pub(super) fn branch_arity(&self) -> u32 {
        if self.kind == CtrlKind::Loop {
            self.params
        } else {
            self.results
        }
    }
}

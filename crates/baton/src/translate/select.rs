//! `select`: the value chosen by a condition, in one instruction. A condition that the
//! instruction just before computed by a comparison (a clamp `x > k ? k : x`, a
//! minimum, a mask test) is absorbed into the select, as a branch absorbs it: one
//! dispatch instead of two.

use super::*;

/// The four forms of one comparison-select (see [`CmpSelect`]), by the comparison's
/// second operand (slot or constant), then the select's second value (slot or constant).
#[derive(Clone, Copy)]
struct CmpSelectForms {
    rr: Op<CmpSelect>,
    ir: Op<CmpSelect>,
    ri: Op<CmpSelect>,
    ii: Op<CmpSelect>,
}

macro_rules! cmp_select_table {
    ($($rr:ident $ir:ident $ri:ident $ii:ident),* $(,)?) => {
        [$(CmpSelectForms { rr: op::$rr, ir: op::$ir, ri: op::$ri, ii: op::$ii }),*]
    };
}

/// The comparison-selects by operand type (`i32`, `i64`, `f32`, `f64`), then by the base
/// condition's index ([`base_condition`]).
static CMP_SELECTS: [[CmpSelectForms; 5]; 4] = [
    cmp_select_table![
        SELECT_I32_EQ SELECT_I32_EQ_IR SELECT_I32_EQ_RI SELECT_I32_EQ_II,
        SELECT_I32_LT_S SELECT_I32_LT_S_IR SELECT_I32_LT_S_RI SELECT_I32_LT_S_II,
        SELECT_I32_LT_U SELECT_I32_LT_U_IR SELECT_I32_LT_U_RI SELECT_I32_LT_U_II,
        SELECT_I32_GT_S SELECT_I32_GT_S_IR SELECT_I32_GT_S_RI SELECT_I32_GT_S_II,
        SELECT_I32_GT_U SELECT_I32_GT_U_IR SELECT_I32_GT_U_RI SELECT_I32_GT_U_II,
    ],
    cmp_select_table![
        SELECT_I64_EQ SELECT_I64_EQ_IR SELECT_I64_EQ_RI SELECT_I64_EQ_II,
        SELECT_I64_LT_S SELECT_I64_LT_S_IR SELECT_I64_LT_S_RI SELECT_I64_LT_S_II,
        SELECT_I64_LT_U SELECT_I64_LT_U_IR SELECT_I64_LT_U_RI SELECT_I64_LT_U_II,
        SELECT_I64_GT_S SELECT_I64_GT_S_IR SELECT_I64_GT_S_RI SELECT_I64_GT_S_II,
        SELECT_I64_GT_U SELECT_I64_GT_U_IR SELECT_I64_GT_U_RI SELECT_I64_GT_U_II,
    ],
    cmp_select_table![
        SELECT_F32_EQ SELECT_F32_EQ_IR SELECT_F32_EQ_RI SELECT_F32_EQ_II,
        SELECT_F32_LT SELECT_F32_LT_IR SELECT_F32_LT_RI SELECT_F32_LT_II,
        SELECT_F32_GT SELECT_F32_GT_IR SELECT_F32_GT_RI SELECT_F32_GT_II,
        SELECT_F32_LE SELECT_F32_LE_IR SELECT_F32_LE_RI SELECT_F32_LE_II,
        SELECT_F32_GE SELECT_F32_GE_IR SELECT_F32_GE_RI SELECT_F32_GE_II,
    ],
    cmp_select_table![
        SELECT_F64_EQ SELECT_F64_EQ_IR SELECT_F64_EQ_RI SELECT_F64_EQ_II,
        SELECT_F64_LT SELECT_F64_LT_IR SELECT_F64_LT_RI SELECT_F64_LT_II,
        SELECT_F64_GT SELECT_F64_GT_IR SELECT_F64_GT_RI SELECT_F64_GT_II,
        SELECT_F64_LE SELECT_F64_LE_IR SELECT_F64_LE_RI SELECT_F64_LE_II,
        SELECT_F64_GE SELECT_F64_GE_IR SELECT_F64_GE_RI SELECT_F64_GE_II,
    ],
];

/// A condition as one of the five per type that the comparison-selects test (their index
/// in [`CMP_SELECTS`]) and whether it is that one's negation. The values of a select on a
/// negated condition are swapped. For floats, `ne` and the `not_*` conditions are exactly
/// the negations of `eq` and the ordered ones, NaN operands included.
fn base_condition(cond: Cond) -> (usize, bool) {
    use Cond::*;
    match cond {
        Eq | FEq => (0, false),
        Ne | FNe => (0, true),
        LtS | FLt => (1, false),
        GeS | FNotLt => (1, true),
        LtU | FGt => (2, false),
        GeU | FNotGt => (2, true),
        GtS | FLe => (3, false),
        LeS | FNotLe => (3, true),
        GtU | FGe => (4, false),
        LeU | FNotGe => (4, true),
    }
}

impl FuncTranslator<'_> {
    /// `select` of two values below the condition on the stack (not `v128`).
    pub(super) fn select(&mut self) {
        let cond = self.pop();
        let p = self.stack.len();
        if let Some((start, cmp)) = self.pending_cmp(cond, p) {
            if self.select_on_comparison(start, cmp) {
                return;
            }
        }
        let cond = self.slot_at(p, cond);
        self.select_on_slot(cond, false);
    }

    /// A select on slot `cond` being non-zero (`negated`: being zero) of the top two
    /// values, which it replaces.
    fn select_on_slot(&mut self, cond: Slot, negated: bool) {
        let b = self.pop();
        let a = self.pop();
        let p = self.stack.len();
        let dst = self.temp(p);
        // A negated condition picks the other value.
        let ((a, pa), (b, pb)) = if negated {
            ((b, p + 1), (a, p))
        } else {
            ((a, p), (b, p + 1))
        };
        let pos = match (a, b) {
            (Opd::Const(a), Opd::Const(b)) => {
                self.emit(op::SELECT_II, SelectII { dst, cond, a, b })
            }
            (Opd::Const(imm), b) => {
                let sb = self.slot_at(pb, b);
                self.select_ri(SelectRI {
                    dst,
                    cond,
                    a: sb,
                    swap: 1,
                    imm,
                })
            }
            (a, Opd::Const(imm)) => {
                let sa = self.slot_at(pa, a);
                self.select_ri(SelectRI {
                    dst,
                    cond,
                    a: sa,
                    swap: 0,
                    imm,
                })
            }
            (a, b) => {
                let sa = self.slot_at(pa, a);
                let sb = self.slot_at(pb, b);
                self.emit(
                    op::SELECT,
                    Select {
                        dst,
                        cond,
                        a: sa,
                        b: sb,
                    },
                )
            }
        };
        self.push_result(pos, dst, None);
    }

    /// A select whose condition the comparison `cmp`, the code from `start` on, just
    /// computed: takes that code back and emits one instruction that compares and selects.
    /// Returns false, having changed nothing, when the values are both constants (a
    /// comparison-select has room for one).
    fn select_on_comparison(&mut self, start: usize, cmp: Cmp) -> bool {
        let h = self.stack.len();
        let (a, b) = (self.stack[h - 2], self.stack[h - 1]);
        if matches!((a, b), (Opd::Const(_), Opd::Const(_))) {
            return false;
        }
        self.unemit_from(start);
        self.last = self.prev_last.filter(|l| l.pos < start);
        if !cmp.is64 && matches!(cmp.b, Operand::Zero) {
            // A zero test (`eqz`) of an `i32`: the plain select on the operand.
            self.select_on_slot(cmp.a, cmp.cond == Cond::Eq);
            return true;
        }
        let (index, negated) = base_condition(cmp.cond);
        let ty = match (cmp.cond.is_float(), cmp.is64) {
            (false, false) => 0,
            (false, true) => 1,
            (true, false) => 2,
            (true, true) => 3,
        };
        let forms = CMP_SELECTS[ty][index];
        self.pop();
        self.pop();
        let p = self.stack.len();
        let dst = self.temp(p);
        let (cb, cimm) = match cmp.b {
            Operand::Slot(s) => (s, None),
            Operand::Imm(k) => (0, Some(k as u64)),
            Operand::Zero => (0, Some(0)),
        };
        // `x` is the value taken when the comparison holds: `b` when it is negated. With
        // one constant, `x` is the other value and `swap` says which side the constant
        // was on.
        let (x, y) = if negated { (b, a) } else { (a, b) };
        let (px, py) = if negated { (p + 1, p) } else { (p, p + 1) };
        let (x, y, swap, simm) = match (x, y) {
            (Opd::Const(k), y) => (self.slot_at(py, y), 0, 1, Some(k)),
            (x, Opd::Const(k)) => (self.slot_at(px, x), 0, 0, Some(k)),
            (x, y) => (self.slot_at(px, x), self.slot_at(py, y), 0, None),
        };
        let op = match (cimm, simm) {
            (None, None) => forms.rr,
            (Some(_), None) => forms.ir,
            (None, Some(_)) => forms.ri,
            (Some(_), Some(_)) => forms.ii,
        };
        let pos = self.emit(
            op,
            CmpSelect {
                dst,
                a: cmp.a,
                b: cb,
                x,
                y,
                swap,
                cimm: cimm.unwrap_or(0),
                simm: simm.unwrap_or(0),
            },
        );
        self.push_result(pos, dst, None);
        true
    }
}

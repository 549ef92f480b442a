//! One decoding pass per function body: each operator is decoded once, validated, then
//! translated.
//!
//! `wasmparser` hands each operator to a [`VisitOperator`] straight from the bytes. The
//! visitor here forwards it to the function's validator first and, if it is valid, to
//! the translator: no `Operator` value is built and matched twice (once per consumer), and
//! the translator only ever sees valid code. Both halves are written by one macro from
//! `wasmparser`'s own operator list, so no operator can be forgotten.
//!
//! Dead code (after `unreachable`, `br`, `return`...) is validated but not translated:
//! only its nesting is tracked, so that `else` and `end` match up.

use super::*;
use wasmparser::{FuncValidator, ValidatorResources, VisitSimdOperator};

/// Validates, then translates, the operators of one function body.
pub(crate) struct ValidateThenTranslate<'v, 't, 'e> {
    pub validator: &'v mut FuncValidator<ValidatorResources>,
    pub translator: &'t mut FuncTranslator<'e>,
    /// Byte offset of the operator being visited (set by the caller before each visit).
    pub offset: usize,
}

/// What dead code does with an operator: `Some(result)` is the result of the visit (the
/// operator is not translated); `None` translates it (`else` makes code live again).
macro_rules! dead_code {
    (visit_block, $t:expr, $blockty:ident) => {{
        $t.begin_block(CtrlKind::Block, $blockty);
        Some(Ok(false))
    }};
    (visit_loop, $t:expr, $blockty:ident) => {{
        $t.begin_block(CtrlKind::Loop, $blockty);
        Some(Ok(false))
    }};
    (visit_if, $t:expr, $blockty:ident) => {{
        $t.begin_block(CtrlKind::If, $blockty);
        Some(Ok(false))
    }};
    (visit_try_table, $t:expr, $try_table:ident) => {{
        $t.begin_block(CtrlKind::Block, $try_table.ty);
        Some(Ok(false))
    }};
    (visit_else, $t:expr) => {
        None
    };
    (visit_end, $t:expr) => {
        Some($t.end())
    };
    ($other:ident, $t:expr $(, $arg:ident)*) => {{
        $(let _ = $arg;)*
        Some(Ok(false))
    }};
}

/// What the translator must know before the validator pops an operator's operands:
/// whether `drop` and `select` move a `v128`, which takes two stack entries (the
/// translator's stack holds cells, not types; the validator's holds types).
macro_rules! before_validation {
    (visit_drop, $pass:expr) => {
        $pass.translator.wide_operand = $pass.operand_is_v128(0)
    };
    (visit_select, $pass:expr) => {
        // The operands are `a b cond`: `b` is one below the top.
        $pass.translator.wide_operand = $pass.operand_is_v128(1)
    };
    ($other:ident, $pass:expr) => {};
}

/// Writes every visit method: validate (with `$validator`, the validator's visitor for
/// this family of operators), then translate unless the code is dead.
macro_rules! validate_then_translate {
    ($validator:ident; $( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {$(
        fn $visit(&mut self $($(, $arg: $argty)*)?) -> R<bool> {
            let offset = self.offset;
            before_validation!($visit, self);
            self.validator
                .$validator(offset as u64)
                .$visit($($($arg.clone()),*)?)
                .map_err(|e| Error::from_wasmparser(e, true))?;
            let t = &mut *self.translator;
            t.offset = offset;
            if !t.reachable {
                if let Some(result) = dead_code!($visit, t $($(, $arg)*)?) {
                    return result;
                }
            }
            t.charge();
            t.$visit($($($arg),*)?)
        }
    )*};
}

macro_rules! operators {
    ($($list:tt)*) => {
        validate_then_translate!(visitor; $($list)*);
    };
}

macro_rules! simd_operators {
    ($($list:tt)*) => {
        validate_then_translate!(simd_visitor; $($list)*);
    };
}

impl ValidateThenTranslate<'_, '_, '_> {
    /// Whether the operand `depth` entries below the top of the validator's stack is a
    /// `v128` (false where the stack is polymorphic: that code is dead).
    fn operand_is_v128(&self, depth: usize) -> bool {
        matches!(
            self.validator.get_operand_type(depth),
            Some(Some(wasmparser::ValType::V128))
        )
    }
}

#[allow(clippy::clone_on_copy)]
impl<'a> VisitOperator<'a> for ValidateThenTranslate<'_, '_, '_> {
    type Output = R<bool>;

    fn simd_visitor(&mut self) -> Option<&mut dyn VisitSimdOperator<'a, Output = R<bool>>> {
        Some(self)
    }

    wasmparser::for_each_visit_operator!(operators);
}

#[allow(clippy::clone_on_copy)]
impl<'a> VisitSimdOperator<'a> for ValidateThenTranslate<'_, '_, '_> {
    wasmparser::for_each_visit_simd_operator!(simd_operators);
}

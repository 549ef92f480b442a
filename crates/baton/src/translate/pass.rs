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

/// Validates, then translates, the operators of one function body; or only validates them
/// (lazy compilation, when the module is compiled), or only translates them (lazy
/// compilation, on the function's first call: the body was validated then).
pub(crate) struct ValidateThenTranslate<'v, 't, 'e, 'w> {
    /// The function's validator; `None` when translating a body validated already.
    pub validator: Option<&'v mut FuncValidator<ValidatorResources>>,
    /// The translator; `None` to validate only.
    pub translator: Option<&'t mut FuncTranslator<'e>>,
    /// Module offsets, ascending, of the `drop`s and `select`s whose operand is a `v128`:
    /// the one thing the translator asks the validator (see `before_validation!`).
    /// Validating only records them; translating only looks them up.
    pub wide: &'w mut Vec<u64>,
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
        $pass.note_wide(0)
    };
    (visit_select, $pass:expr) => {
        // The operands are `a b cond`: `b` is one below the top.
        $pass.note_wide(1)
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
            if let Some(validator) = self.validator.as_deref_mut() {
                validator
                    .$validator(offset as u64)
                    .$visit($($($arg.clone()),*)?)
                    .map_err(|e| Error::from_wasmparser(e, true))?;
            }
            let Some(t) = self.translator.as_deref_mut() else {
                return Ok(false);
            };
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

impl ValidateThenTranslate<'_, '_, '_, '_> {
    /// Before a `drop` or `select`: whether the operand `depth` entries below the top is a
    /// `v128` (false where the stack is polymorphic: that code is dead), asked of the
    /// validator or, without one, of the offsets recorded when the body was validated;
    /// handed to the translator, or recorded when validating only.
    fn note_wide(&mut self, depth: usize) {
        let offset = self.offset as u64;
        let wide = match &self.validator {
            Some(v) => matches!(
                v.get_operand_type(depth),
                Some(Some(wasmparser::ValType::V128))
            ),
            None => self.wide.binary_search(&offset).is_ok(),
        };
        match self.translator.as_deref_mut() {
            Some(t) => t.wide_operand = wide,
            None if wide => self.wide.push(offset),
            None => {}
        }
    }
}

#[allow(clippy::clone_on_copy)]
impl<'a> VisitOperator<'a> for ValidateThenTranslate<'_, '_, '_, '_> {
    type Output = R<bool>;

    fn simd_visitor(&mut self) -> Option<&mut dyn VisitSimdOperator<'a, Output = R<bool>>> {
        Some(self)
    }

    wasmparser::for_each_visit_operator!(operators);
}

#[allow(clippy::clone_on_copy)]
impl<'a> VisitSimdOperator<'a> for ValidateThenTranslate<'_, '_, '_, '_> {
    wasmparser::for_each_visit_simd_operator!(simd_operators);
}

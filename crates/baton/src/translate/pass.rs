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
    /// Validating records them; translating without the validator looks them up.
    pub wide: &'w mut Vec<u64>,
    /// Whether the module needs stack maps (`ModuleEnv::stack_maps`).
    pub maps: bool,
    /// Whether its code is metered (`ModuleEnv::fuel`): with stack maps, the fuel checks
    /// are points too (a resumable call stops at one when fuel runs out).
    pub fuel: bool,
    /// Module offsets, ascending, of the points (calls, allocating instructions, fuel
    /// checks) at which some operand stack entries hold traced references, with those
    /// entries (see `note_refs`): recorded when validating only, looked up when
    /// translating only.
    pub refs: &'w mut Vec<(u64, Box<[u32]>)>,
    /// Byte offset of the operator being visited (set by the caller before each visit).
    pub offset: usize,
    /// Set when a `loop` is visited, for the caller to clear (see `unroll::LoopWatch`).
    pub loop_opened: bool,
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
/// translator's stack holds cells, not types; the validator's holds types); and before
/// calls and allocations, which entries hold references the collector traces.
macro_rules! before_validation {
    (visit_drop, $pass:expr) => {
        $pass.note_wide(0)
    };
    (visit_select, $pass:expr) => {
        // The operands are `a b cond`: `b` is one below the top.
        $pass.note_wide(1)
    };
    // The points where a collection may run (see `crate::stack_maps`): tail calls leave
    // no frame behind.
    (visit_call, $pass:expr) => {
        $pass.note_refs()
    };
    (visit_call_indirect, $pass:expr) => {
        $pass.note_refs()
    };
    (visit_call_ref, $pass:expr) => {
        $pass.note_refs()
    };
    (visit_struct_new, $pass:expr) => {
        $pass.note_refs()
    };
    (visit_struct_new_default, $pass:expr) => {
        $pass.note_refs()
    };
    (visit_array_new, $pass:expr) => {
        $pass.note_refs()
    };
    (visit_array_new_default, $pass:expr) => {
        $pass.note_refs()
    };
    (visit_array_new_fixed, $pass:expr) => {
        $pass.note_refs()
    };
    (visit_array_new_data, $pass:expr) => {
        $pass.note_refs()
    };
    (visit_array_new_elem, $pass:expr) => {
        $pass.note_refs()
    };
    // In metered code: the fuel checks at a loop's header (the stack as it enters) and
    // before the array instructions that charge per element (their operands). A `loop`
    // is also reported to the caller, which may watch it for unrolling (`unroll.rs`).
    (visit_loop, $pass:expr) => {{
        $pass.loop_opened = true;
        $pass.note_fuel_refs(true)
    }};
    (visit_array_fill, $pass:expr) => {
        $pass.note_fuel_refs(true)
    };
    (visit_array_copy, $pass:expr) => {
        $pass.note_fuel_refs(true)
    };
    (visit_array_init_data, $pass:expr) => {
        $pass.note_fuel_refs(true)
    };
    (visit_array_init_elem, $pass:expr) => {
        $pass.note_fuel_refs(true)
    };
    ($other:ident, $pass:expr) => {};
}

/// What the translator must know once the validator has taken an operator: in metered
/// code, the fuel check that starts the block after an `else` or `end` sees the stack as
/// the validator leaves it (the block's parameters or results on top of what was below).
macro_rules! after_validation {
    (visit_else, $pass:expr) => {
        $pass.note_fuel_refs(false)
    };
    (visit_end, $pass:expr) => {
        $pass.note_fuel_refs(false)
    };
    ($other:ident, $pass:expr) => {};
}

/// The branches the local-initialisation pass must see (see `init.rs`): every label an
/// operator may branch to, noted before it is translated, in reachable code only.
macro_rules! init_branches {
    (visit_br, $t:expr, $depth:ident) => {
        $t.note_init_branch($depth)
    };
    (visit_br_if, $t:expr, $depth:ident) => {
        $t.note_init_branch($depth)
    };
    (visit_br_on_null, $t:expr, $depth:ident) => {
        $t.note_init_branch($depth)
    };
    (visit_br_on_non_null, $t:expr, $depth:ident) => {
        $t.note_init_branch($depth)
    };
    (visit_br_on_cast, $t:expr, $depth:ident, $from:ident, $to:ident) => {
        $t.note_init_branch($depth)
    };
    (visit_br_on_cast_fail, $t:expr, $depth:ident, $from:ident, $to:ident) => {
        $t.note_init_branch($depth)
    };
    (visit_br_table, $t:expr, $targets:ident) => {{
        // (Validated: every target decodes.)
        for depth in $targets.targets().flatten() {
            $t.note_init_branch(depth);
        }
        $t.note_init_branch($targets.default());
    }};
    // A catch clause's label counts from outside the `try_table`, which is not open yet.
    (visit_try_table, $t:expr, $try_table:ident) => {
        for catch in &$try_table.catches {
            let (wasmparser::Catch::One { label, .. }
            | wasmparser::Catch::OneRef { label, .. }
            | wasmparser::Catch::All { label }
            | wasmparser::Catch::AllRef { label }) = *catch;
            $t.note_init_branch(label);
        }
    };
    ($other:ident, $t:expr $(, $arg:ident)*) => {};
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
            after_validation!($visit, self);
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
            init_branches!($visit, t $($(, $arg)*)?);
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
        if let Some(t) = self.translator.as_deref_mut() {
            t.wide_operand = wide;
        }
        // Recorded whenever the validator answers: for the translation after validating
        // only, and for a loop body translated a second time without it (`unroll.rs`).
        if wide && self.validator.is_some() {
            self.wide.push(offset);
        }
    }
}

impl ValidateThenTranslate<'_, '_, '_, '_> {
    /// Before a call or an allocating instruction, in a module with stack maps: which
    /// operand stack entries (translator entries, counted from the bottom: a `v128` takes
    /// two) hold references the collector traces, from the validator's types or, without
    /// one, from what validation recorded; handed to the translator, or recorded when
    /// validating only. Linear in the stack's height, once per such point.
    fn note_refs(&mut self) {
        if self.maps {
            self.note_traced(true);
        }
    }

    /// [`Self::note_refs`] at a fuel check (`before` the validator takes the operator, or
    /// after): in metered code with stack maps only.
    fn note_fuel_refs(&mut self, before: bool) {
        if self.maps && self.fuel {
            self.note_traced(before);
        }
    }

    /// What [`Self::note_refs`] does, as the validator's stack stands now (`before` the
    /// validator takes the operator: the translator's stack is then the same height).
    fn note_traced(&mut self, before: bool) {
        let offset = self.offset as u64;
        let (entries, height) = match &self.validator {
            Some(v) => {
                let (entries, height) = traced_entries(v);
                (entries, Some(height))
            }
            None => match self.refs.binary_search_by_key(&offset, |r| r.0) {
                Ok(i) => (self.refs[i].1.clone(), None),
                Err(_) => (Box::default(), None),
            },
        };
        if let (Some(t), Some(height), true) = (self.translator.as_deref(), height, before) {
            // The two stacks agree, entry for entry (dead code is not translated).
            debug_assert!(!t.reachable || t.stack.len() == height as usize);
        }
        match self.translator.as_deref_mut() {
            Some(t) => t.safepoint_refs = entries.into_vec(),
            None if !entries.is_empty() => self.refs.push((offset, entries)),
            None => {}
        }
    }
}

/// The validator's operand stack entries that hold references the collector traces, as
/// translator entries from the bottom, and the stack's height in translator entries.
fn traced_entries(v: &FuncValidator<ValidatorResources>) -> (Box<[u32]>, u32) {
    let height = v.operand_stack_height() as usize;
    let mut entries = Vec::new();
    let mut at = 0u32;
    for depth in (0..height).rev() {
        let ty = v.get_operand_type(depth).flatten();
        if ty.is_some_and(|t| is_traced(t, v.resources())) {
            entries.push(at);
        }
        at += if ty == Some(wasmparser::ValType::V128) {
            2
        } else {
            1
        };
    }
    (entries.into_boxed_slice(), at)
}

/// Whether a validator's type is one `runtime::gc::traced` accepts: a reference of the
/// `any` or `extern` hierarchy other than `i31` and the bottoms.
fn is_traced(ty: wasmparser::ValType, resources: &ValidatorResources) -> bool {
    use wasmparser::{AbstractHeapType as A, HeapType as H, UnpackedIndex, WasmModuleResources};
    let wasmparser::ValType::Ref(r) = ty else {
        return false;
    };
    let concrete = |ty: &wasmparser::SubType| {
        !matches!(
            ty.composite_type.inner,
            wasmparser::CompositeInnerType::Func(_)
        )
    };
    match r.heap_type() {
        H::Abstract { ty, .. } => matches!(ty, A::Any | A::Eq | A::Struct | A::Array | A::Extern),
        H::Concrete(UnpackedIndex::Id(id)) | H::Exact(UnpackedIndex::Id(id)) => {
            concrete(resources.sub_type_at_id(id))
        }
        H::Concrete(UnpackedIndex::Module(i)) | H::Exact(UnpackedIndex::Module(i)) => {
            resources.sub_type_at(i).is_some_and(concrete)
        }
        H::Concrete(UnpackedIndex::RecGroup(_)) | H::Exact(UnpackedIndex::RecGroup(_)) => {
            unreachable!("validated types are canonical")
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

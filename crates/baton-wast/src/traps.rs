//! Deciding whether an engine error is the trap a script expects.

use baton::TrapCode;

/// True when `error` is a trap matching the spec interpreter's `expected` message.
///
/// The spec messages are compared two ways because engines word their traps
/// differently: by text containment with the trap code's `Display` (which the
/// Baton contract says is the spec's wording), and by a fixed mapping from
/// spec message to [`TrapCode`] so a rewording of `Display` cannot cause
/// spurious failures. Prefix matching covers spec messages with suffixes such
/// as `"uninitialized element 2"`.
pub fn trap_matches(error: &baton::Error, expected: &str) -> bool {
    let Some(code) = error.trap_code() else {
        return false;
    };
    let shown = code.to_string();
    if !shown.is_empty() && (expected.contains(&shown) || shown.contains(expected)) {
        return true;
    }
    code_for_message(expected).is_some_and(|wanted| wanted(&code))
}

/// True when `error` is the engine reporting call-stack exhaustion.
pub fn is_exhaustion(error: &baton::Error) -> bool {
    matches!(error.trap_code(), Some(TrapCode::StackOverflow))
}

/// A predicate on trap codes.
type CodeTest = fn(&TrapCode) -> bool;

/// The trap-code test that corresponds to a spec trap message, if known.
fn code_for_message(expected: &str) -> Option<CodeTest> {
    const TABLE: &[(&str, CodeTest)] = &[
        ("out of bounds memory access", |c| {
            matches!(c, TrapCode::MemoryOutOfBounds)
        }),
        ("out of bounds table access", |c| {
            matches!(c, TrapCode::TableOutOfBounds)
        }),
        ("undefined element", |c| {
            matches!(c, TrapCode::TableOutOfBounds)
        }),
        ("uninitialized element", |c| {
            matches!(c, TrapCode::IndirectCallToNull)
        }),
        ("indirect call type mismatch", |c| {
            matches!(c, TrapCode::BadSignature)
        }),
        ("integer divide by zero", |c| {
            matches!(c, TrapCode::IntegerDivisionByZero)
        }),
        ("integer overflow", |c| {
            matches!(c, TrapCode::IntegerOverflow)
        }),
        ("invalid conversion to integer", |c| {
            matches!(c, TrapCode::BadConversionToInteger)
        }),
        ("unreachable", |c| matches!(c, TrapCode::Unreachable)),
        ("null function reference", |c| {
            matches!(c, TrapCode::NullReference)
        }),
        ("null exception reference", |c| {
            matches!(c, TrapCode::NullReference)
        }),
        ("null i31 reference", |c| {
            matches!(c, TrapCode::NullReference)
        }),
        ("null structure reference", |c| {
            matches!(c, TrapCode::NullReference)
        }),
        ("null array reference", |c| {
            matches!(c, TrapCode::NullReference)
        }),
        ("call stack exhausted", |c| {
            matches!(c, TrapCode::StackOverflow)
        }),
    ];
    TABLE
        .iter()
        .find(|(message, _)| expected.starts_with(message))
        .map(|(_, test)| *test)
}

//! Engine-neutral values and trap kinds, so the two engines' answers can be compared.

use core::fmt;

/// A value as both engines can express it.
///
/// References cannot be compared by identity across engines; they are compared by what
/// is observable about them: a function reference by its signature, an `externref` by the
/// small tag the runner put in it. As a call *argument*, `FuncRef(Some(name))` names an
/// exported function, which each engine resolves in its own instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// `i32`.
    I32(i32),
    /// `i64`.
    I64(i64),
    /// `f32`, as bits.
    F32(u32),
    /// `f64`, as bits.
    F64(u64),
    /// `funcref`: null, or the function's signature (an export name when an argument).
    FuncRef(Option<String>),
    /// `externref`: null, or the tag the host gave it.
    ExternRef(Option<u32>),
    /// `v128`, as bits.
    V128(u128),
}

impl Value {
    /// Equality with NaNs compared by class: any NaN equals any NaN of the same width.
    ///
    /// The spec lets an operation return any arithmetic NaN when an operand is not
    /// canonical, so payloads are not a correctness criterion for results.
    pub fn same(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::F32(a), Value::F32(b)) => {
                a == b || (f32::from_bits(*a).is_nan() && f32::from_bits(*b).is_nan())
            }
            (Value::F64(a), Value::F64(b)) => {
                a == b || (f64::from_bits(*a).is_nan() && f64::from_bits(*b).is_nan())
            }
            _ => self == other,
        }
    }

    /// A 64-bit key for hashing in host functions: the bits for numbers, null-ness and
    /// tag for references (the same on both engines).
    pub fn hash_key(&self) -> u64 {
        match self {
            Value::I32(v) => *v as u32 as u64,
            Value::I64(v) => *v as u64,
            Value::F32(v) => *v as u64,
            Value::F64(v) => *v,
            Value::FuncRef(f) => f.is_some() as u64,
            Value::ExternRef(r) => r.map_or(0, |t| t as u64 + 1),
            Value::V128(v) => (*v as u64) ^ (*v >> 64) as u64,
        }
    }
}

/// Traps, coarsely: the distinctions both engines make the same way.
///
/// An indirect call whose index is past the table's end is "undefined element" in Baton
/// and the spec, "table out of bounds" in wasmi: both map to [`TrapKind::TableOutOfBounds`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrapKind {
    /// `unreachable` (also how `ensure_termination`'s fuel check traps).
    Unreachable,
    /// Out of bounds memory access.
    MemoryOutOfBounds,
    /// Out of bounds table access, or an indirect call past the table's end.
    TableOutOfBounds,
    /// Indirect call to a null element.
    IndirectCallToNull,
    /// Indirect call signature mismatch.
    BadSignature,
    /// Integer division by zero.
    IntegerDivisionByZero,
    /// Integer overflow (division, float-to-int conversion out of range).
    IntegerOverflow,
    /// NaN converted to an integer.
    BadConversionToInteger,
    /// Call stack exhausted.
    StackOverflow,
    /// Any other trap code.
    Other,
}

impl From<baton::TrapCode> for TrapKind {
    fn from(code: baton::TrapCode) -> TrapKind {
        use baton::TrapCode as B;
        match code {
            B::Unreachable => TrapKind::Unreachable,
            B::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
            B::TableOutOfBounds | B::UndefinedElement => TrapKind::TableOutOfBounds,
            B::IndirectCallToNull => TrapKind::IndirectCallToNull,
            B::BadSignature => TrapKind::BadSignature,
            B::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
            B::IntegerOverflow => TrapKind::IntegerOverflow,
            B::BadConversionToInteger => TrapKind::BadConversionToInteger,
            B::StackOverflow => TrapKind::StackOverflow,
            _ => TrapKind::Other,
        }
    }
}

impl From<wasmi::TrapCode> for TrapKind {
    fn from(code: wasmi::TrapCode) -> TrapKind {
        use wasmi::TrapCode as W;
        match code {
            W::UnreachableCodeReached => TrapKind::Unreachable,
            W::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
            W::TableOutOfBounds => TrapKind::TableOutOfBounds,
            W::IndirectCallToNull => TrapKind::IndirectCallToNull,
            W::BadSignature => TrapKind::BadSignature,
            W::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
            W::IntegerOverflow => TrapKind::IntegerOverflow,
            W::BadConversionToInteger => TrapKind::BadConversionToInteger,
            W::StackOverflow => TrapKind::StackOverflow,
            _ => TrapKind::Other,
        }
    }
}

/// The error the fuzzer's host functions fail with (on both engines).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostTrap;

impl fmt::Display for HostTrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("baton-fuzz host trap")
    }
}

impl std::error::Error for HostTrap {}

impl wasmi::errors::HostError for HostTrap {}

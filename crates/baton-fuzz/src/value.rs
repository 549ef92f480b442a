//! Engine-neutral values and trap kinds, so the two engines' answers can be compared.

use core::fmt;

/// A value as both engines can express it.
///
/// References cannot be compared by identity across engines; they are compared by what
/// is observable about them: a function reference by its signature, an `externref` by the
/// small tag the runner put in it. As a call *argument*, `FuncRef(Some(name))` names an
/// exported function, which each engine resolves in its own instance.
#[derive(Clone, PartialEq, Eq)]
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
    /// `exnref` (and `(ref exn)`): null, or a description of the exception (its tag's
    /// payload types and its payload), the same on both engines (see [`describe_exn`]).
    ExnRef(Option<String>),
    /// A reference of the `any` hierarchy (`anyref`, `eqref`, `i31ref`, `structref`,
    /// `(ref $t)`...): null, or what is observable about it ([`GcRef`]). As a call
    /// argument: null, an `i31`, or a host reference converted to `any`.
    AnyRef(Option<GcRef>),
    /// A non-null `externref` that is an `any` value converted with `extern.convert_any`
    /// (host references converted twice are plain [`Value::ExternRef`]s again). Never an
    /// argument.
    ExternAny(GcRef),
}

/// A non-null reference of the `any` hierarchy, as both engines can describe it. Objects
/// have no identity across engines, so a structure or an array compares by kind only
/// (what the module does with its fields is observed through the results it computes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcRef {
    /// An `i31`: its 31 bits, zero-extended.
    I31(u32),
    /// A structure.
    Struct,
    /// An array.
    Array,
    /// A host reference converted with `any.convert_extern`: the tag the host gave it.
    Host(u32),
}

/// How an exception is described on both engines: its tag's payload types and the payload
/// values, e.g. `exn [I32, F64] [I32(1), F64(0)]`.
pub fn describe_exn(types: &[String], payload: &[Value]) -> String {
    format!("exn [{}] {payload:?}", types.join(", "))
}

/// A value type's name as both sides print it: `I32`, `FuncRef`, ..., and typed
/// references as `(ref null? HEAP)` where a concrete heap type prints as `$t` (type
/// identities are engine-specific, so concrete types compare by nullability only).
pub fn type_name(t: &baton::ValType) -> String {
    use baton::HeapType as H;
    match t {
        baton::ValType::Ref(r) => {
            let heap = match r.heap_type() {
                H::ConcreteFunc(_) | H::ConcreteStruct(_) | H::ConcreteArray(_) => "$t".into(),
                abstract_type => abstract_type.to_string(),
            };
            let null = if r.is_nullable() { "null " } else { "" };
            format!("(ref {null}{heap})")
        }
        t => format!("{t:?}"),
    }
}

/// A signature as both sides print it: `[I32, FuncRef] -> [I64]` (see [`type_name`]).
pub fn signature_of(params: &[String], results: &[String]) -> String {
    format!("[{}] -> [{}]", params.join(", "), results.join(", "))
}

/// As derived, except that a `v128` prints in hexadecimal (`V128(0x0000...)`, lane 0 at
/// the right), which a reader can split into lanes.
impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::I32(v) => f.debug_tuple("I32").field(v).finish(),
            Value::I64(v) => f.debug_tuple("I64").field(v).finish(),
            Value::F32(v) => f.debug_tuple("F32").field(v).finish(),
            Value::F64(v) => f.debug_tuple("F64").field(v).finish(),
            Value::FuncRef(v) => f.debug_tuple("FuncRef").field(v).finish(),
            Value::ExternRef(v) => f.debug_tuple("ExternRef").field(v).finish(),
            Value::V128(v) => write!(f, "V128({v:#034x})"),
            Value::ExnRef(v) => f.debug_tuple("ExnRef").field(v).finish(),
            Value::AnyRef(v) => f.debug_tuple("AnyRef").field(v).finish(),
            Value::ExternAny(v) => f.debug_tuple("ExternAny").field(v).finish(),
        }
    }
}

impl Value {
    /// Equality with NaNs compared by class: any NaN equals any NaN of the same width
    /// (scalars only: a `v128` is compared bit for bit).
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
            // A v128 has no shape of its own, so it is compared bit for bit. Comparing it
            // lane-wise with NaNs by class (as four f32 or two f64 lanes) would also accept
            // most wrong integer results: an i32 lane of all ones and one of 0xffff_00ff
            // are both NaNs as f32. The generator canonicalises the NaNs of f32x4/f64x2
            // arithmetic; promote/demote keep payloads (both engines convert with the
            // hardware's instructions); `tests/simd_ops.rs` canonicalises what it feeds.
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
            Value::ExnRef(e) => e.is_some() as u64,
            Value::AnyRef(r) => r.map_or(0, GcRef::hash_key),
            Value::ExternAny(r) => r.hash_key() ^ 1 << 40,
        }
    }
}

impl GcRef {
    /// [`Value::hash_key`]'s share: the same on both engines, distinct for each kind.
    fn hash_key(self) -> u64 {
        match self {
            GcRef::I31(v) => 1 << 32 | u64::from(v),
            GcRef::Struct => 2 << 32,
            GcRef::Array => 3 << 32,
            GcRef::Host(t) => 4 << 32 | u64::from(t),
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
    /// A null reference where a non-null one is needed (`call_ref`, `ref.as_non_null`,
    /// `throw_ref`, `struct.get`, `i31.get_s`...).
    NullReference,
    /// `ref.cast` (or a `br_on_cast` turned cast) of a reference not of the target type.
    CastFailure,
    /// An array access, copy, fill or segment initialisation out of the array's bounds.
    ArrayOutOfBounds,
    /// An allocation the GC heap cannot hold (Baton: the store's limiter refused it;
    /// Wasmtime: its heap is full after a collection, or the object is too large). The
    /// engines' heaps differ (Wasmtime collects, Baton does not yet, and their object
    /// layouts differ), so the runner treats it as inconclusive, like stack exhaustion.
    GcOutOfMemory,
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
            B::NullReference => TrapKind::NullReference,
            B::CastFailure => TrapKind::CastFailure,
            B::ArrayOutOfBounds => TrapKind::ArrayOutOfBounds,
            B::GcHeapOutOfMemory => TrapKind::GcOutOfMemory,
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

#[cfg(feature = "wasmtime")]
impl From<wasmtime::Trap> for TrapKind {
    fn from(code: wasmtime::Trap) -> TrapKind {
        use wasmtime::Trap as T;
        match code {
            T::UnreachableCodeReached => TrapKind::Unreachable,
            T::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
            T::TableOutOfBounds => TrapKind::TableOutOfBounds,
            T::IndirectCallToNull => TrapKind::IndirectCallToNull,
            T::BadSignature => TrapKind::BadSignature,
            T::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
            T::IntegerOverflow => TrapKind::IntegerOverflow,
            T::BadConversionToInteger => TrapKind::BadConversionToInteger,
            T::StackOverflow => TrapKind::StackOverflow,
            T::NullReference => TrapKind::NullReference,
            T::CastFailure => TrapKind::CastFailure,
            T::ArrayOutOfBounds => TrapKind::ArrayOutOfBounds,
            T::AllocationTooLarge => TrapKind::GcOutOfMemory,
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

#[cfg(test)]
mod tests {
    use super::Value;

    #[test]
    fn v128_compares_bit_for_bit() {
        assert!(Value::V128(0xffff_ffff).same(&Value::V128(0xffff_ffff)));
        // Both NaNs as f32 lanes, but different i32 lanes.
        assert!(!Value::V128(0xffff_ffff).same(&Value::V128(0xffff_00ff)));
        assert!(!Value::V128(0x7fc0_0000).same(&Value::V128(0xffc0_0001)));
    }
}

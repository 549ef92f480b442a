//! Converting wast argument literals into Baton values, and checking Baton
//! results against wast expectations (including NaN patterns and references).

use baton::{ExternRef, Store, Val, ValType};
use wast::core::{AbstractHeapType, HeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::{WastArg, WastRet};

use crate::Halt;

/// The host payload behind `ref.extern N` (and `ref.host N`) values.
///
/// Scripts identify external references by a number; the runner boxes that
/// number in this type so a returned reference can be compared with the
/// expected one by downcasting its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostRef(pub u32);

const GC_REFS: &str = "GC reference types are not implemented";

/// Skips directives whose function signature mentions a type Baton cannot hold in a
/// [`Val`] (every type of `ValType` can be held today).
pub fn check_signature(types: &[ValType]) -> Result<(), Halt> {
    let _ = types;
    Ok(())
}

/// Converts a script argument for a parameter of type `param` into a value, allocating
/// external references in `store` (a host reference passed where an `any` reference is
/// expected is converted, as `any.convert_extern` would).
pub fn to_val(store: &mut Store<()>, arg: &WastArg<'_>, param: ValType) -> Result<Val, Halt> {
    let WastArg::Core(arg) = arg else {
        return Err(Halt::Skip(
            "component-model values are not implemented".into(),
        ));
    };
    Ok(match arg {
        WastArgCore::I32(v) => Val::I32(*v),
        WastArgCore::I64(v) => Val::I64(*v),
        WastArgCore::F32(v) => Val::F32(v.bits),
        WastArgCore::F64(v) => Val::F64(v.bits),
        WastArgCore::V128(v) => Val::V128(u128::from_le_bytes(v.to_le_bytes()).into()),
        WastArgCore::RefNull(heap) => match abstract_kind(heap) {
            Some(RefKind::Func) => Val::FuncRef(None),
            Some(RefKind::Extern) => Val::ExternRef(None),
            Some(RefKind::Exn) => Val::ExnRef(None),
            Some(RefKind::Any) => Val::AnyRef(None),
            None => return Err(Halt::Skip(GC_REFS.into())),
        },
        // `ref.host` is the older spelling of an external host reference.
        WastArgCore::RefExtern(n) | WastArgCore::RefHost(n) => {
            let r = ExternRef::new(&mut *store, HostRef(*n));
            let to_any = param
                .as_ref_type()
                .is_some_and(|r| r.heap_type().top() == baton::HeapType::Any);
            if to_any {
                Val::AnyRef(Some(r.to_any()))
            } else {
                Val::ExternRef(Some(r))
            }
        }
    })
}

/// Which of Baton's reference kinds a heap type denotes, if any.
enum RefKind {
    Func,
    Extern,
    Exn,
    Any,
}

fn abstract_kind(heap: &HeapType<'_>) -> Option<RefKind> {
    match heap {
        HeapType::Abstract { shared: false, ty } => match ty {
            AbstractHeapType::Func | AbstractHeapType::NoFunc => Some(RefKind::Func),
            AbstractHeapType::Extern | AbstractHeapType::NoExtern => Some(RefKind::Extern),
            AbstractHeapType::Exn | AbstractHeapType::NoExn => Some(RefKind::Exn),
            AbstractHeapType::Any
            | AbstractHeapType::Eq
            | AbstractHeapType::I31
            | AbstractHeapType::Struct
            | AbstractHeapType::Array
            | AbstractHeapType::None => Some(RefKind::Any),
            _ => None,
        },
        _ => None,
    }
}

/// Checks one result against one expectation.
///
/// Returns `Err(Halt::Skip)` when the expectation involves a value kind Baton
/// does not implement, so such directives are reported rather than failed.
pub fn matches(store: &Store<()>, actual: &Val, expected: &WastRet<'_>) -> Result<bool, Halt> {
    let WastRet::Core(expected) = expected else {
        return Err(Halt::Skip(
            "component-model values are not implemented".into(),
        ));
    };
    matches_core(store, actual, expected)
}

fn matches_core(store: &Store<()>, actual: &Val, expected: &WastRetCore<'_>) -> Result<bool, Halt> {
    use WastRetCore as R;
    Ok(match (expected, actual) {
        (R::I32(e), Val::I32(a)) => e == a,
        (R::I64(e), Val::I64(a)) => e == a,
        (R::F32(pattern), Val::F32(bits)) => f32_matches(pattern, *bits),
        (R::F64(pattern), Val::F64(bits)) => f64_matches(pattern, *bits),
        (R::V128(pattern), Val::V128(v)) => v128_matches(pattern, v.as_u128()),
        (R::RefNull(heap), actual) => {
            let kind = match heap {
                None => None,
                Some(heap) => match abstract_kind(heap) {
                    Some(kind) => Some(kind),
                    None => return Err(Halt::Skip(GC_REFS.into())),
                },
            };
            matches!(
                (kind, actual),
                (None | Some(RefKind::Func), Val::FuncRef(None))
                    | (None | Some(RefKind::Extern), Val::ExternRef(None))
                    | (None | Some(RefKind::Exn), Val::ExnRef(None))
                    | (None | Some(RefKind::Any), Val::AnyRef(None))
            )
        }
        (R::RefExtern(None), Val::ExternRef(Some(_))) => true,
        (R::RefExtern(Some(n)) | R::RefHost(n), Val::ExternRef(Some(r))) => {
            r.data(store).and_then(|d| d.downcast_ref::<HostRef>()) == Some(&HostRef(*n))
        }
        (R::RefExtern(Some(n)) | R::RefHost(n), Val::AnyRef(Some(a))) => {
            let data = a.to_extern().data(store);
            data.and_then(|d| d.downcast_ref::<HostRef>()) == Some(&HostRef(*n))
        }
        (R::RefAny, Val::AnyRef(Some(_))) => true,
        (R::RefEq, Val::AnyRef(Some(a))) => {
            a.as_i31().is_some() || a.is_struct(store) || a.is_array(store)
        }
        (R::RefI31, Val::AnyRef(Some(a))) => a.as_i31().is_some(),
        (R::RefStruct, Val::AnyRef(Some(a))) => a.is_struct(store),
        (R::RefArray, Val::AnyRef(Some(a))) => a.is_array(store),
        // The index in `ref.func N` names a function of the module under
        // test; the spec interpreter itself only checks non-nullness.
        (R::RefFunc(_), Val::FuncRef(Some(_))) => true,
        (R::RefI31Shared, _) => {
            return Err(Halt::Skip(GC_REFS.into()));
        }
        (R::Either(alternatives), actual) => {
            let mut skip = None;
            for alternative in alternatives {
                match matches_core(store, actual, alternative) {
                    Ok(true) => return Ok(true),
                    Ok(false) => {}
                    Err(halt) => skip = Some(halt),
                }
            }
            // Only skip when no supported alternative could have matched.
            return match skip {
                Some(halt) => Err(halt),
                None => Ok(false),
            };
        }
        _ => false,
    })
}

fn f32_matches(pattern: &NanPattern<wast::token::F32>, bits: u32) -> bool {
    match pattern {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => bits & 0x7fc0_0000 == 0x7fc0_0000,
        NanPattern::Value(e) => e.bits == bits,
    }
}

fn f64_matches(pattern: &NanPattern<wast::token::F64>, bits: u64) -> bool {
    match pattern {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
        NanPattern::Value(e) => e.bits == bits,
    }
}

/// Checks a `v128` lane by lane (float lanes may be NaN patterns).
fn v128_matches(pattern: &V128Pattern, v: u128) -> bool {
    let lane = |i: usize, bits: usize| (v >> (i * bits)) as u64 & (u64::MAX >> (64 - bits));
    match pattern {
        V128Pattern::I8x16(l) => l
            .iter()
            .enumerate()
            .all(|(i, &e)| lane(i, 8) == e as u8 as u64),
        V128Pattern::I16x8(l) => l
            .iter()
            .enumerate()
            .all(|(i, &e)| lane(i, 16) == e as u16 as u64),
        V128Pattern::I32x4(l) => l
            .iter()
            .enumerate()
            .all(|(i, &e)| lane(i, 32) == e as u32 as u64),
        V128Pattern::I64x2(l) => l.iter().enumerate().all(|(i, &e)| lane(i, 64) == e as u64),
        V128Pattern::F32x4(l) => l
            .iter()
            .enumerate()
            .all(|(i, p)| f32_matches(p, lane(i, 32) as u32)),
        V128Pattern::F64x2(l) => l
            .iter()
            .enumerate()
            .all(|(i, p)| f64_matches(p, lane(i, 64))),
    }
}

/// Renders a value for failure messages, with raw bits for floats so NaN
/// payloads and signed zeros are visible.
pub fn show_val(store: &Store<()>, val: &Val) -> String {
    match val {
        Val::I32(v) => format!("i32 {v} (0x{:x})", *v as u32),
        Val::I64(v) => format!("i64 {v} (0x{:x})", *v as u64),
        Val::F32(bits) => format!("f32 {} (0x{bits:08x})", f32::from_bits(*bits)),
        Val::F64(bits) => format!("f64 {} (0x{bits:016x})", f64::from_bits(*bits)),
        Val::V128(v) => format!("v128 0x{:032x}", v.as_u128()),
        Val::FuncRef(None) => "ref.null func".into(),
        Val::FuncRef(Some(_)) => "ref.func".into(),
        Val::ExternRef(None) => "ref.null extern".into(),
        Val::ExnRef(None) => "ref.null exn".into(),
        Val::ExnRef(Some(_)) => "ref.exn".into(),
        Val::ExternRef(Some(r)) => match r.data(store).map(|d| d.downcast_ref::<HostRef>()) {
            Some(Some(HostRef(n))) => format!("ref.extern {n}"),
            Some(None) => "ref.extern <foreign payload>".into(),
            None => format!("ref.extern <converted {}>", show_any(store, &r.to_any())),
        },
        Val::AnyRef(None) => "ref.null any".into(),
        Val::AnyRef(Some(a)) => show_any(store, a),
    }
}

/// Renders a non-null `any` reference.
fn show_any(store: &Store<()>, a: &baton::AnyRef) -> String {
    match a.as_i31() {
        Some(v) => format!("ref.i31 {}", v.get_i32()),
        None if a.is_struct(store) => "ref.struct".into(),
        None if a.is_array(store) => "ref.array".into(),
        None => "ref.any (a converted host reference)".into(),
    }
}

/// Renders an expectation for failure messages.
pub fn show_expected(expected: &WastRet<'_>) -> String {
    match expected {
        WastRet::Core(core) => show_core(core),
        _ => "<component value>".into(),
    }
}

fn show_core(expected: &WastRetCore<'_>) -> String {
    use WastRetCore as R;
    match expected {
        R::I32(v) => format!("i32 {v} (0x{:x})", *v as u32),
        R::I64(v) => format!("i64 {v} (0x{:x})", *v as u64),
        R::F32(NanPattern::Value(v)) => {
            format!("f32 {} (0x{:08x})", f32::from_bits(v.bits), v.bits)
        }
        R::F64(NanPattern::Value(v)) => {
            format!("f64 {} (0x{:016x})", f64::from_bits(v.bits), v.bits)
        }
        R::F32(NanPattern::CanonicalNan) => "f32 nan:canonical".into(),
        R::F32(NanPattern::ArithmeticNan) => "f32 nan:arithmetic".into(),
        R::F64(NanPattern::CanonicalNan) => "f64 nan:canonical".into(),
        R::F64(NanPattern::ArithmeticNan) => "f64 nan:arithmetic".into(),
        R::RefNull(None) => "ref.null".into(),
        R::RefNull(Some(heap)) => format!("ref.null {heap:?}"),
        R::RefExtern(None) => "ref.extern".into(),
        R::RefExtern(Some(n)) => format!("ref.extern {n}"),
        R::RefHost(n) => format!("ref.host {n}"),
        R::RefFunc(_) => "ref.func".into(),
        R::Either(alternatives) => {
            let shown: Vec<String> = alternatives.iter().map(show_core).collect();
            format!("either({})", shown.join(" | "))
        }
        other => format!("{other:?}"),
    }
}

//! Tells "the module needs a proposal Baton does not implement" apart from
//! "the engine wrongly rejected a module it should accept".
//!
//! When Baton refuses a module that a directive expects to load, the runner
//! asks `wasmparser` whether the module is valid under Baton's feature set.
//! Only if it is *not*, yet is valid with every proposal enabled, is the
//! directive reported as skipped; otherwise the refusal is an engine failure.

use wasmparser::{Validator, WasmFeatures};

/// The feature set Baton implements: WebAssembly 2.0 (SIMD included), plus the
/// relaxed-SIMD, memory64, multi-memory, custom-page-sizes, tail-call,
/// extended-constant-expression, wide-arithmetic, typed-function-references,
/// exception-handling and GC proposals (GC's structures and arrays are validated, and
/// refused by the engine as unsupported: issue 13).
pub fn baton_features() -> WasmFeatures {
    WasmFeatures::WASM2
        .union(WasmFeatures::RELAXED_SIMD)
        .union(WasmFeatures::MEMORY64)
        .union(WasmFeatures::MULTI_MEMORY)
        .union(WasmFeatures::CUSTOM_PAGE_SIZES)
        .union(WasmFeatures::TAIL_CALL)
        .union(WasmFeatures::EXTENDED_CONST)
        .union(WasmFeatures::WIDE_ARITHMETIC)
        .union(WasmFeatures::FUNCTION_REFERENCES)
        .union(WasmFeatures::EXCEPTIONS)
        .union(WasmFeatures::GC_TYPES)
        .union(WasmFeatures::GC)
}

/// If `bytes` is a module that is only valid with proposals outside Baton's
/// feature set, returns a skip reason naming what is missing.
pub fn missing_feature(bytes: &[u8]) -> Option<String> {
    let base_error = Validator::new_with_features(baton_features())
        .validate_all(bytes)
        .err()?;
    Validator::new_with_features(WasmFeatures::all())
        .validate_all(bytes)
        .ok()?;
    Some(format!(
        "module needs a proposal Baton does not implement ({})",
        base_error.message()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_module_is_classified_as_missing_feature() {
        let bytes = wast::parser::parse::<wast::Wat>(
            &wast::parser::ParseBuffer::new("(module (memory 1 1 shared))").unwrap(),
        )
        .unwrap()
        .encode()
        .unwrap();
        let reason = missing_feature(&bytes).expect("threads must be reported as missing");
        assert!(reason.contains("threads"), "{reason}");
    }

    #[test]
    fn plain_module_needs_nothing() {
        let bytes = wast::parser::parse::<wast::Wat>(
            &wast::parser::ParseBuffer::new("(module (func (result i32) (i32.const 1)))").unwrap(),
        )
        .unwrap()
        .encode()
        .unwrap();
        assert_eq!(missing_feature(&bytes), None);
    }
}

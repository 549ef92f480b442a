//! Module generation: a `wasm-smith` configuration restricted to what Baton implements,
//! plus the post-processing that lets the runner refill the termination fuel.

use arbitrary::{Result, Unstructured};
use wasm_encoder::{ExportKind, ExportSection, RawSection};
use wasm_smith::{Config, InstructionKind, InstructionKinds};

/// Name under which the fuel global injected by `ensure_termination` is exported, so the
/// runner can refill it before every call (otherwise one long-running export would leave
/// every later export of the module trapping at its first instruction).
pub const FUEL_EXPORT: &str = "__baton_fuzz_fuel";

/// Fuel given to every call: one unit per function entry or loop iteration, and one per
/// element or byte of bulk operations. It also bounds recursion depth well below both
/// engines' call-depth limits, so "stack exhausted" comes only from frames too big for
/// the value stack (which the runner reports as inconclusive).
pub const FUEL: u32 = 2_000;

/// Module name of the host functions a module may import. Their signatures come from
/// [`HOST_IMPORTS_WAT`]; the runner implements any function imported from this module,
/// whatever its name or signature, with the same deterministic function on both engines.
pub const HOST_MODULE: &str = "host";

/// The scalar host functions, as `import` lines; both import lists below start with them.
macro_rules! scalar_host_imports {
    () => {
        r#"
  (import "host" "nop" (func))
  (import "host" "i32_i32" (func (param i32) (result i32)))
  (import "host" "i64_i64" (func (param i64) (result i64)))
  (import "host" "mix" (func (param i32 i64 f32 f64) (result i64 f64)))
  (import "host" "f32_f32" (func (param f32) (result f32)))
  (import "host" "ref" (func (param funcref externref) (result i32 externref)))
  (import "host" "trap_i32" (func (param i32) (result i32)))"#
    };
}

/// The imports `wasm-smith` may choose from when a configuration allows imports. Names
/// starting with `trap` return a host error instead of results.
pub const HOST_IMPORTS_WAT: &str = concat!("(module", scalar_host_imports!(), "\n)");

/// [`HOST_IMPORTS_WAT`] plus functions taking and returning `v128`, for modules generated
/// with SIMD (a module without SIMD must not import them).
pub const HOST_IMPORTS_SIMD_WAT: &str = concat!(
    "(module",
    scalar_host_imports!(),
    r#"
  (import "host" "v128_v128" (func (param v128) (result v128)))
  (import "host" "v128_mix" (func (param v128 i32 v128) (result i64 v128 f32)))
)"#
);

/// Which proposals a generated module may use beyond the fixed set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Simd {
    /// Compared against wasmi: SIMD in about half the modules (drawn from the input),
    /// never relaxed SIMD (whose operators may legitimately differ between engines).
    Differential,
    /// Compared against wasmi, SIMD (not relaxed) in every module: for runs aimed at the
    /// SIMD implementation (`BATON_FUZZ_SIMD=all` in `tests/differential.rs`).
    Always,
    /// SIMD and relaxed SIMD in every module; for Baton-only checks (no panic, the same
    /// result twice), since relaxed results are implementation-defined.
    Relaxed,
}

/// A generated test case: the module, and the bytes the runner draws call arguments from.
#[derive(Clone, Debug)]
pub struct TestCase {
    /// The module's binary.
    pub wasm: Vec<u8>,
    /// Argument material for the runner (the fuzz input left after generation).
    pub args: Vec<u8>,
    /// One-line description of the configuration used.
    pub config: String,
}

/// The `wasm-smith` configuration: every feature Baton implements switched on and every
/// other proposal off; small memories and tables (each exported memory is compared byte
/// for byte after the run); maximums are drawn from `u` (swarm testing: some modules are
/// all control flow, others all memory operations...).
pub fn config(u: &mut Unstructured<'_>, simd: Simd) -> Result<Config> {
    // SIMD in half the modules: wasm-smith chooses among all valid instructions, so with
    // SIMD on, v128 operators (a couple of hundred) crowd out the scalar ones, and the
    // scalar half keeps the control-flow and memory mechanisms as well covered as before.
    let simd_on = match simd {
        Simd::Differential => u.ratio(1, 2)?,
        Simd::Always | Simd::Relaxed => true,
    };
    let mut c = Config {
        // Wasm 2.0 (SIMD as drawn above), plus tail calls and extended constant expressions.
        sign_extension_ops_enabled: true,
        saturating_float_to_int_enabled: true,
        multi_value_enabled: true,
        bulk_memory_enabled: true,
        reference_types_enabled: true,
        tail_call_enabled: true,
        extended_const_enabled: true,
        simd_enabled: simd_on,
        // Relaxed SIMD only where Baton is compared with itself.
        relaxed_simd_enabled: simd == Simd::Relaxed,
        wide_arithmetic_enabled: true,
        // memory64, multi-memory (`max_memories` below) and custom page sizes: drawn per
        // module, so memory instructions also come in their plain 32-bit, memory-0 form.
        memory64_enabled: u.ratio(1, 3)?,
        custom_page_sizes_enabled: u.ratio(1, 4)?,
        // Everything else off.
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        exceptions_enabled: false,
        gc_enabled: false,
        compact_imports_enabled: false,
        custom_descriptors_enabled: false,
        acquire_release_atomics_enabled: false,
        multibyte_array_access_enabled: false,
        max_memories: if u.ratio(1, 3)? {
            u.int_in_range(2..=3)?
        } else {
            1
        },
        max_tags: 0,
        // Small, bounded memories and tables: `memory.grow` cannot allocate gigabytes
        // and the byte comparison afterwards stays cheap.
        max_memory32_bytes: u.int_in_range(0..=4)? * 65536,
        max_memory64_bytes: u128::from(u.int_in_range(0..=4u32)?) * 65536,
        memory_max_size_required: true,
        max_tables: u.int_in_range(0..=3)?,
        max_table_elements: u.int_in_range(0..=64)?,
        table_max_size_required: true,
        // Shape of the module.
        max_types: u.int_in_range(1..=20)?,
        max_funcs: u.int_in_range(1..=20)?,
        min_funcs: 1,
        max_globals: u.int_in_range(0..=10)?,
        max_exports: u.int_in_range(1..=30)?,
        min_exports: 1,
        export_everything: u.ratio(1, 4)?,
        max_element_segments: u.int_in_range(0..=5)?,
        max_elements: u.int_in_range(0..=20)?,
        max_data_segments: u.int_in_range(0..=5)?,
        max_instructions: u.int_in_range(1..=200)?,
        max_nesting_depth: u.int_in_range(1..=10)?,
        allow_start_export: u.ratio(1, 4)?,
        // Traps are part of what is compared, so they stay allowed.
        disallow_traps: false,
        allow_floats: u.ratio(4, 5)?,
        // NaN payloads are non-deterministic in the spec (with a non-canonical NaN
        // operand, any arithmetic NaN may come out) and they leak into memory, globals and
        // `reinterpret`: without canonicalisation, `x + nan:0x...` made Baton and wasmi
        // store different (both correct) bits. So every float result is canonicalised,
        // as other differential fuzzers do; NaN propagation itself is the spec suite's job.
        canonicalize_nans: true,
        ..Config::default()
    };
    // Imports: either none, or functions from `HOST_IMPORTS_WAT` only.
    if u.ratio(1, 3)? {
        c.max_imports = u.int_in_range(1..=7)?;
        let imports = if simd_on {
            HOST_IMPORTS_SIMD_WAT
        } else {
            HOST_IMPORTS_WAT
        };
        c.available_imports = Some(wat::parse_str(imports).expect("host imports"));
    } else {
        c.max_imports = 0;
    }
    // Swarm over instruction kinds: drop each kind with probability 1/8 (keeping
    // control instructions, without which modules do nothing interesting).
    let mut kinds = Vec::new();
    for kind in [
        InstructionKind::NumericInt,
        InstructionKind::Numeric,
        InstructionKind::Reference,
        InstructionKind::Parametric,
        InstructionKind::Variable,
        InstructionKind::Table,
        InstructionKind::MemoryInt,
        InstructionKind::Memory,
    ] {
        if !u.ratio(1, 8)? {
            kinds.push(kind);
        }
    }
    if simd_on {
        // `Vector` includes `VectorInt`; dropping `Vector` keeps the integer operators
        // unless `VectorInt` is dropped too.
        for kind in [InstructionKind::VectorInt, InstructionKind::Vector] {
            if !u.ratio(1, 8)? {
                kinds.push(kind);
            }
        }
    }
    kinds.push(InstructionKind::Control);
    c.allowed_instructions = InstructionKinds::new(&kinds);
    Ok(c)
}

/// Generates a test case from fuzz input: a configuration, a module (made terminating),
/// and the rest of the input as argument material.
pub fn generate(data: &[u8]) -> Result<TestCase> {
    generate_with(data, Simd::Differential)
}

/// [`generate`] with the given SIMD profile.
pub fn generate_with(data: &[u8], simd: Simd) -> Result<TestCase> {
    let mut u = Unstructured::new(data);
    let config = config(&mut u, simd)?;
    let summary = format!(
        "simd={} relaxed_simd={} memory64={} memories<={} custom_page_sizes={} imports={} canonicalize_nans={} floats={} max_instructions={} mem_bytes={} tables={}",
        config.simd_enabled,
        config.relaxed_simd_enabled,
        config.memory64_enabled,
        config.max_memories,
        config.custom_page_sizes_enabled,
        config.max_imports,
        config.canonicalize_nans,
        config.allow_floats,
        config.max_instructions,
        config.max_memory32_bytes,
        config.max_tables
    );
    let mut module = wasm_smith::Module::new(config, &mut u)?;
    let fuel_global = module
        .ensure_termination(FUEL)
        .map_err(|_| arbitrary::Error::IncorrectFormat)?;
    let wasm = export_global(&module.to_bytes(), fuel_global, FUEL_EXPORT);
    Ok(TestCase {
        wasm,
        args: u.take_rest().to_vec(),
        config: summary,
    })
}

/// Re-encodes `wasm` with one more export: global `index` as `name`. Sections are copied
/// raw; the export section is rewritten (or inserted before the first section that must
/// follow it).
pub fn export_global(wasm: &[u8], index: u32, name: &str) -> Vec<u8> {
    // Section ids that come after the export section in the binary format.
    const AFTER_EXPORT: [u8; 5] = [8, 9, 10, 11, 12];
    let mut out = wasm_encoder::Module::new();
    let mut exported = false;
    let new_exports = |existing: Vec<(String, ExportKind, u32)>| {
        let mut s = ExportSection::new();
        for (n, k, i) in existing {
            s.export(&n, k, i);
        }
        s.export(name, ExportKind::Global, index);
        s
    };
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        let Ok(payload) = payload else {
            // Not ours to repair: hand the input back unchanged.
            return wasm.to_vec();
        };
        if let wasmparser::Payload::ExportSection(reader) = &payload {
            let mut existing = Vec::new();
            for e in reader.clone() {
                let Ok(e) = e else { return wasm.to_vec() };
                let kind = match e.kind {
                    wasmparser::ExternalKind::Func => ExportKind::Func,
                    wasmparser::ExternalKind::Table => ExportKind::Table,
                    wasmparser::ExternalKind::Memory => ExportKind::Memory,
                    wasmparser::ExternalKind::Global => ExportKind::Global,
                    _ => return wasm.to_vec(),
                };
                existing.push((e.name.to_string(), kind, e.index));
            }
            out.section(&new_exports(existing));
            exported = true;
            continue;
        }
        if let Some((id, range)) = payload.as_section() {
            if !exported && AFTER_EXPORT.contains(&id) {
                out.section(&new_exports(Vec::new()));
                exported = true;
            }
            out.section(&RawSection {
                id,
                data: &wasm[range.start as usize..range.end as usize],
            });
        }
    }
    if !exported {
        out.section(&new_exports(Vec::new()));
    }
    out.finish()
}

/// The Wasm features of modules compared against Wasmtime: what Baton implements (relaxed
/// SIMD aside), including exception handling and typed function references, without GC.
pub fn wasmtime_features() -> wasmparser::WasmFeatures {
    use wasmparser::WasmFeatures as F;
    F::WASM2
        | F::MEMORY64
        | F::MULTI_MEMORY
        | F::CUSTOM_PAGE_SIZES
        | F::TAIL_CALL
        | F::EXTENDED_CONST
        | F::WIDE_ARITHMETIC
        | F::FUNCTION_REFERENCES
        | F::EXCEPTIONS
}

/// Generates a test case for the comparison with Wasmtime: [`config`]'s module shapes
/// plus exception handling (tags, `throw`, `throw_ref`, `try_table`, `exnref`) in every
/// module and typed function references (`call_ref`, `return_call_ref`, `br_on_null`,
/// `br_on_non_null`, `ref.as_non_null`, `(ref $t)`) in two thirds of them.
///
/// wasm-smith 0.263 has no switch for typed function references alone: they come with
/// `gc_enabled`. So those modules are generated with GC on (minus the `Aggregate`
/// instructions, which [`config`] never allows) and then made GC-free by [`strip_gc`];
/// what still needs GC after that is dropped and generation retried (a few times, from
/// the following input bytes).
pub fn generate_wasmtime(data: &[u8]) -> Result<TestCase> {
    let mut u = Unstructured::new(data);
    let mut config = config(&mut u, Simd::Differential)?;
    config.exceptions_enabled = true;
    config.max_tags = u.int_in_range(1..=4)?;
    // At least one tag wherever the module has a function type without results.
    config.min_tags = 1;
    let typed = u.ratio(2, 3)?;
    if typed {
        config.gc_enabled = true;
        // Few types: every struct or array type, and every rec group or subtype that
        // does not flatten, costs a retry.
        config.max_types = u.int_in_range(1..=6)?;
    }
    let summary = format!(
        "wasmtime: exceptions tags<={} typed_func_refs={typed} simd={} memory64={} memories<={} imports={} max_instructions={} types<={}",
        config.max_tags,
        config.simd_enabled,
        config.memory64_enabled,
        config.max_memories,
        config.max_imports,
        config.max_instructions,
        config.max_types,
    );
    let attempts = if typed { 24 } else { 1 };
    for _ in 0..attempts {
        let mut module = wasm_smith::Module::new(config.clone(), &mut u)?;
        let fuel_global = module
            .ensure_termination(FUEL)
            .map_err(|_| arbitrary::Error::IncorrectFormat)?;
        let mut wasm = module.to_bytes();
        if typed {
            match strip_gc(&wasm) {
                Some(w) => wasm = w,
                None => continue,
            }
        }
        if wasmparser::Validator::new_with_features(wasmtime_features())
            .validate_all(&wasm)
            .is_err()
        {
            continue;
        }
        return Ok(TestCase {
            wasm: export_global(&wasm, fuel_global, FUEL_EXPORT),
            args: u.take_rest().to_vec(),
            config: summary,
        });
    }
    Err(arbitrary::Error::IncorrectFormat)
}

/// The Wasm features of GC modules compared against Wasmtime: [`wasmtime_features`] plus
/// GC.
pub fn gc_features() -> wasmparser::WasmFeatures {
    wasmtime_features() | wasmparser::WasmFeatures::GC
}

/// Generates a test case for the comparison with Wasmtime on GC: [`config`]'s module
/// shapes with GC on and its instructions kept (`struct.*`, `array.*`, `ref.i31`,
/// `i31.get_*`, `ref.test`, `ref.cast`, `br_on_cast*`, `ref.eq`, `any.convert_extern`,
/// `extern.convert_any`; recursive groups, subtypes, packed fields, GC constant
/// expressions), exception handling in half the modules and SIMD in at most a quarter of
/// them; half the modules with GC instructions are "focused" (see below).
///
/// Termination as elsewhere: `ensure_termination` charges fuel per element of the array
/// operations (`array.new`, `array.fill`, `array.copy`...), so what one call allocates or
/// copies stays bounded too. Constant expressions are not metered; the runner caps both
/// engines' GC heaps instead (`GC_HEAP_LIMIT` in `baton_side.rs` and
/// `wasmtime_side.rs`).
pub fn generate_gc(data: &[u8]) -> Result<TestCase> {
    let mut u = Unstructured::new(data);
    let mut config = config(&mut u, Simd::Differential)?;
    // v128 operators are many and would crowd out the GC ones (wasm-smith chooses among
    // all valid instructions): SIMD stays in half of [`config`]'s half.
    if config.simd_enabled && u.ratio(1, 2)? {
        without_simd(&mut config);
    }
    config.gc_enabled = true;
    config.exceptions_enabled = u.ratio(1, 2)?;
    if config.exceptions_enabled {
        config.max_tags = u.int_in_range(1..=4)?;
        config.min_tags = 1;
    }
    // At least a few types, so that most modules have a structure or an array type.
    config.min_types = 2.min(config.max_types);
    // [`config`]'s swarm of instruction kinds (vector kinds only with SIMD), plus the GC
    // aggregate instructions in seven modules out of eight (without them, GC still comes
    // through `ref.test`/`ref.cast`/`br_on_cast` on the `any` hierarchy).
    let mut kinds: Vec<InstructionKind> = [
        InstructionKind::NumericInt,
        InstructionKind::Numeric,
        InstructionKind::Reference,
        InstructionKind::Parametric,
        InstructionKind::Variable,
        InstructionKind::Table,
        InstructionKind::MemoryInt,
        InstructionKind::Memory,
        InstructionKind::Control,
        InstructionKind::VectorInt,
        InstructionKind::Vector,
    ]
    .into_iter()
    .filter(|k| config.allowed_instructions.contains(*k))
    .filter(|k| {
        config.simd_enabled || !matches!(k, InstructionKind::VectorInt | InstructionKind::Vector)
    })
    .collect();
    let aggregate = !u.ratio(1, 8)?;
    if aggregate {
        kinds.push(InstructionKind::Aggregate);
    }
    // Half of the modules with aggregates have GC in focus. wasm-smith emits an operator
    // only when the stack already holds its operands, so `array.copy` (two arrays of
    // compatible types and three `i32`s), `array.fill` or `struct.set` are rare among a
    // hundred other operators and twenty types: here, two to four types, no SIMD, and
    // only the kinds that make or take what the GC operators need.
    let focus = aggregate && u.ratio(1, 2)?;
    if focus {
        without_simd(&mut config);
        config.min_types = 2;
        config.max_types = u.int_in_range(2..=4)?;
        kinds = vec![
            InstructionKind::Aggregate,
            InstructionKind::Control,
            InstructionKind::Variable,
            InstructionKind::Parametric,
            InstructionKind::Reference,
            InstructionKind::NumericInt,
        ];
    }
    config.allowed_instructions = InstructionKinds::new(&kinds);
    let summary = format!(
        "wasmtime-gc: aggregate={aggregate} focus={focus} exceptions={} simd={} memory64={} memories<={} imports={} max_instructions={} types={}..={}",
        config.exceptions_enabled,
        config.simd_enabled,
        config.memory64_enabled,
        config.max_memories,
        config.max_imports,
        config.max_instructions,
        config.min_types,
        config.max_types,
    );
    let mut module = wasm_smith::Module::new(config, &mut u)?;
    let fuel_global = module
        .ensure_termination(FUEL)
        .map_err(|_| arbitrary::Error::IncorrectFormat)?;
    let wasm = module.to_bytes();
    // wasm-smith's modules are valid; this keeps a feature it might add (and the engines
    // would both reject) out of the statistics.
    if wasmparser::Validator::new_with_features(gc_features())
        .validate_all(&wasm)
        .is_err()
    {
        return Err(arbitrary::Error::IncorrectFormat);
    }
    Ok(TestCase {
        wasm: export_global(&wasm, fuel_global, FUEL_EXPORT),
        args: u.take_rest().to_vec(),
        config: summary,
    })
}

/// Switches SIMD off in a configuration [`config`] made, with the imports that take or
/// return `v128` (a module without SIMD must not import them).
fn without_simd(config: &mut Config) {
    config.simd_enabled = false;
    if config.available_imports.is_some() {
        config.available_imports = Some(wat::parse_str(HOST_IMPORTS_WAT).expect("host imports"));
    }
}

/// Rewrites a module generated with GC on towards one without: every type in its own rec
/// group, final, without supertypes; struct and array types become `(func)`; the GC
/// heap types become `extern` (`any`, `eq`, `struct`, `array`, `i31`, `none`, `noextern`)
/// or `func` (`nofunc`); `ref.test`/`ref.eq` become `drop`s and `i32.const 0`, casts
/// `unreachable`, `any.convert_extern`/`extern.convert_any` nothing. The result may still
/// be invalid (a reference to a later type, a subtyping the rewrite broke): the caller
/// validates. `None` if re-encoding fails.
pub fn strip_gc(wasm: &[u8]) -> Option<Vec<u8>> {
    use wasm_encoder::reencode::{Error, Reencode};
    struct StripGc;
    impl Reencode for StripGc {
        type Error = std::convert::Infallible;

        fn heap_type(
            &mut self,
            ht: wasmparser::HeapType,
        ) -> std::result::Result<wasm_encoder::HeapType, Error<Self::Error>> {
            use wasmparser::AbstractHeapType as A;
            if let wasmparser::HeapType::Abstract { ty, .. } = ht {
                let to = match ty {
                    A::Any | A::Eq | A::Struct | A::Array | A::I31 | A::None | A::NoExtern => {
                        Some(wasm_encoder::AbstractHeapType::Extern)
                    }
                    A::NoFunc => Some(wasm_encoder::AbstractHeapType::Func),
                    _ => None,
                };
                if let Some(ty) = to {
                    return Ok(wasm_encoder::HeapType::Abstract { shared: false, ty });
                }
            }
            wasm_encoder::reencode::utils::heap_type(self, ht)
        }

        fn parse_type_section(
            &mut self,
            types: &mut wasm_encoder::TypeSection,
            section: wasmparser::TypeSectionReader<'_>,
        ) -> std::result::Result<(), Error<Self::Error>> {
            for group in section {
                for sub in group?.into_types() {
                    let mut s = self.sub_type(sub)?;
                    s.is_final = true;
                    s.supertype_idxs.clear();
                    s.composite_type.descriptor = None;
                    s.composite_type.describes = None;
                    if !matches!(
                        s.composite_type.inner,
                        wasm_encoder::CompositeInnerType::Func(_)
                    ) {
                        s.composite_type.inner = wasm_encoder::CompositeInnerType::Func(
                            wasm_encoder::FuncType::new([], []),
                        );
                    }
                    types.ty().subtype(&s);
                }
            }
            Ok(())
        }

        fn parse_function_body(
            &mut self,
            code: &mut wasm_encoder::CodeSection,
            func: wasmparser::FunctionBody<'_>,
        ) -> std::result::Result<(), Error<Self::Error>> {
            use wasm_encoder::Instruction as I;
            use wasmparser::Operator as O;
            let mut f = self.new_function_with_parsed_locals(&func)?;
            let mut reader = func.get_operators_reader()?;
            while !reader.eof() {
                match reader.read()? {
                    O::RefTestNonNull { .. }
                    | O::RefTestNullable { .. }
                    | O::I31GetS
                    | O::I31GetU => {
                        f.instruction(&I::Drop);
                        f.instruction(&I::I32Const(0));
                    }
                    O::RefEq => {
                        f.instruction(&I::Drop);
                        f.instruction(&I::Drop);
                        f.instruction(&I::I32Const(0));
                    }
                    O::RefCastNonNull { .. }
                    | O::RefCastNullable { .. }
                    | O::BrOnCast { .. }
                    | O::BrOnCastFail { .. }
                    | O::RefI31 => {
                        f.instruction(&I::Unreachable);
                    }
                    O::AnyConvertExtern | O::ExternConvertAny => {}
                    op => {
                        f.instruction(&self.instruction(op)?);
                    }
                }
            }
            code.function(&f);
            Ok(())
        }
    }
    let mut out = wasm_encoder::Module::new();
    StripGc
        .parse_core_module(&mut out, wasmparser::Parser::new(0), wasm)
        .ok()?;
    Some(out.finish())
}

//! Runs one module on Baton and on wasmi (the oracle) and compares what they do.
//!
//! Both engines see the same calls: every exported function, in export order, one to three
//! times, with arguments drawn from the test case's argument bytes. Before each call the
//! fuel global (see [`crate::generate::FUEL_EXPORT`]) is refilled on both. After each call
//! the results or traps are compared; after the last call, the exported memories (size and
//! bytes), globals (values) and tables (size, and which elements are null) are compared.

use crate::generate::{FUEL, FUEL_EXPORT, HOST_MODULE};
use crate::value::{HostTrap, TrapKind, Value};
use arbitrary::Unstructured;
use baton::ValType;
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Call-depth limit given to both engines. Fuel bounds recursion to [`FUEL`] frames, so
/// this is never the binding limit: what can still run out is the value stack when frames
/// are large, and the two engines size frames differently.
const MAX_CALL_DEPTH: usize = 20_000;

/// How far calls of one test case may go before the runner stops calling (large modules
/// with many exports would otherwise dominate a bounded run).
const MAX_CALLS: usize = 200;

/// What comparing the two engines on one module concluded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Everything compared equal.
    Agree,
    /// Both engines refused the module (invalid, or an import that cannot be provided).
    Skipped(String),
    /// One side ran out of call stack where the other did not: a difference in resource
    /// limits, not in semantics. The rest of the module is not run (the states differ).
    Inconclusive(String),
    /// The engines disagree. `kind` is a short category (used to keep a minimiser on the
    /// same bug); `detail` says what differs.
    Mismatch {
        /// Category: `reject`, `instantiate`, `result`, `trap`, `memory`, `global`,
        /// `table`, `exports`, `panic`.
        kind: &'static str,
        /// What differs.
        detail: String,
    },
}

/// The result of [`execute`]: the verdict, counts, and a transcript of the calls.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The verdict.
    pub verdict: Verdict,
    /// Whether both engines instantiated the module.
    pub instantiated: bool,
    /// Calls made (on each engine).
    pub calls: u64,
    /// Calls that trapped on both engines.
    pub traps: u64,
    /// Calls that ended by running out of fuel (a trap on both engines; counted in
    /// `traps` too).
    pub out_of_fuel: u64,
    /// One line per call: what was called with which arguments, and what both returned.
    pub transcript: String,
}

/// Everything an engine needs to provide to be compared.
pub(crate) trait Side: Sized {
    fn instantiate(wasm: &[u8], module: &baton::Module) -> Result<Self, Failure>;
    fn call(
        &mut self,
        name: &str,
        args: &[Value],
        results: &[ValType],
    ) -> Result<Vec<Value>, Failure>;
    fn set_global(&mut self, name: &str, value: &Value);
    fn memory(&self, name: &str) -> Option<Vec<u8>>;
    fn global(&self, name: &str) -> Option<Value>;
    /// Size, and per element: `None` for null, `Some(tag)` otherwise (a signature for
    /// functions, the host tag for externrefs).
    fn table(&self, name: &str) -> Option<Vec<Option<String>>>;
}

/// Why an engine did not produce results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The module was rejected at compile time.
    Rejected(String),
    /// Linking or instantiating failed without a trap.
    Instantiation(String),
    /// A trap (also at instantiation: segment initialisation, the start function).
    Trap(TrapKind),
    /// A host function returned an error.
    Host,
    /// The engine panicked.
    Panic(String),
    /// Anything else.
    Other(String),
}

impl Failure {
    fn is_stack(&self) -> bool {
        matches!(self, Failure::Trap(TrapKind::StackOverflow))
    }
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic>".into()
    }
}

/// Runs `f`, turning a panic into [`Failure::Panic`].
fn guard<R>(f: impl FnOnce() -> Result<R, Failure>) -> Result<R, Failure> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| Err(Failure::Panic(panic_message(p))))
}

/// The deterministic host function behind every import from [`HOST_MODULE`]: results are
/// a hash of the import's name and the arguments; imports named `trap*` fail when their
/// first argument is odd (so both the trapping and the returning path are exercised).
pub fn host_call(name: &str, args: &[Value], results: &[ValType]) -> Result<Vec<Value>, HostTrap> {
    // FNV-1a over the name and each argument's canonical encoding.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut mix = |x: u64| {
        for b in x.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for b in name.bytes() {
        mix(u64::from(b));
    }
    for a in args {
        mix(a.hash_key());
    }
    if name.starts_with("trap") && matches!(args.first(), Some(Value::I32(v)) if v & 1 == 1) {
        return Err(HostTrap);
    }
    Ok(results
        .iter()
        .enumerate()
        .map(|(i, ty)| {
            let x = h.rotate_left(i as u32 * 17) ^ (i as u64);
            match ty {
                ValType::I32 => Value::I32(x as i32),
                ValType::I64 => Value::I64(x as i64),
                // Keep host floats non-NaN: a NaN's payload would only test the host
                // boundary, and canonicalised modules never produce one.
                ValType::F32 => Value::F32(f32::from_bits(x as u32).to_bits() & 0x3fff_ffff),
                ValType::F64 => Value::F64(x & 0x3fff_ffff_ffff_ffff),
                ValType::FuncRef => Value::FuncRef(None),
                ValType::ExternRef => Value::ExternRef((x & 1 == 1).then_some((x >> 1) as u32 % 8)),
                ValType::V128 => Value::V128((x as u128) << 64 | x.rotate_left(32) as u128),
            }
        })
        .collect())
}

/// Draws an argument of type `ty`: often an edge value, otherwise arbitrary bits.
/// `funcs` are the exported functions a `funcref` argument may name.
fn arg(u: &mut Unstructured<'_>, ty: ValType, funcs: &[String]) -> Value {
    const I32S: [i32; 10] = [
        0,
        1,
        -1,
        i32::MIN,
        i32::MAX,
        0x8000,
        0x1_0000,
        31,
        32,
        0xffff,
    ];
    const I64S: [i64; 9] = [0, 1, -1, i64::MIN, i64::MAX, 63, 64, 0x1_0000, 0xffff_ffff];
    const F32S: [u32; 12] = [
        0x0000_0000, // 0
        0x8000_0000, // -0
        0x3f80_0000, // 1
        0xbf80_0000, // -1
        0x7fc0_0000, // canonical NaN
        0xffc0_0001, // negative NaN with payload
        0x7fa0_0000, // signalling NaN
        0x7f80_0000, // inf
        0xff80_0000, // -inf
        0x4f00_0000, // 2^31
        0xcf00_0001, // just below -2^31
        0x0000_0001, // smallest subnormal
    ];
    const F64S: [u64; 12] = [
        0,
        0x8000_0000_0000_0000,
        0x3ff0_0000_0000_0000,
        0xbff0_0000_0000_0000,
        0x7ff8_0000_0000_0000,
        0xfff8_0000_0000_0001,
        0x7ff4_0000_0000_0000,
        0x7ff0_0000_0000_0000,
        0xfff0_0000_0000_0000,
        0x43e0_0000_0000_0000, // 2^63
        0x41df_ffff_ffc0_0000, // 2^31 - 1
        0xc1e0_0000_0020_0000, // just below -2^31
    ];
    let edge = u.ratio(1, 3).unwrap_or(false);
    match ty {
        ValType::I32 if edge => Value::I32(*u.choose(&I32S).unwrap_or(&0)),
        ValType::I32 => Value::I32(u.arbitrary().unwrap_or(0)),
        ValType::I64 if edge => Value::I64(*u.choose(&I64S).unwrap_or(&0)),
        ValType::I64 => Value::I64(u.arbitrary().unwrap_or(0)),
        ValType::F32 if edge => Value::F32(*u.choose(&F32S).unwrap_or(&0)),
        ValType::F32 => Value::F32(u.arbitrary().unwrap_or(0)),
        ValType::F64 if edge => Value::F64(*u.choose(&F64S).unwrap_or(&0)),
        ValType::F64 => Value::F64(u.arbitrary().unwrap_or(0)),
        ValType::FuncRef => Value::FuncRef(if edge || funcs.is_empty() {
            None
        } else {
            u.choose(funcs).ok().cloned()
        }),
        ValType::ExternRef => Value::ExternRef((!edge).then(|| u.int_in_range(0..=7).unwrap_or(0))),
        ValType::V128 => Value::V128(u.arbitrary().unwrap_or(0)),
    }
}

/// Compares the two sides' failure or results of one operation; `None` if they agree.
fn compare_results(
    baton: &Result<Vec<Value>, Failure>,
    wasmi: &Result<Vec<Value>, Failure>,
) -> Option<(&'static str, String)> {
    match (baton, wasmi) {
        (Ok(b), Ok(w)) => {
            let same = b.len() == w.len() && b.iter().zip(w).all(|(x, y)| x.same(y));
            (!same).then(|| {
                (
                    "result",
                    format!("baton returned {b:?}, wasmi returned {w:?}"),
                )
            })
        }
        (Err(Failure::Panic(p)), _) => Some(("panic", format!("baton panicked: {p}"))),
        (Err(b), Err(w)) => {
            (b != w).then(|| ("trap", format!("baton failed with {b:?}, wasmi with {w:?}")))
        }
        (Ok(b), Err(w)) => Some((
            "trap",
            format!("baton returned {b:?}, wasmi failed with {w:?}"),
        )),
        (Err(b), Ok(w)) => Some((
            "trap",
            format!("baton failed with {b:?}, wasmi returned {w:?}"),
        )),
    }
}

/// Runs `wasm` on both engines with arguments drawn from `args` and compares
/// (`execute_calls(wasm, Calls::Drawn(args))`).
pub fn execute(wasm: &[u8], args: &[u8]) -> Outcome {
    execute_calls(wasm, Calls::Drawn(args))
}

/// Which calls [`execute_calls`] makes.
#[derive(Clone, Copy, Debug)]
pub enum Calls<'a> {
    /// Every exported function, in export order, one to three times, with arguments
    /// drawn from these bytes (at most 200 calls).
    Drawn(&'a [u8]),
    /// Exactly these calls (export name and arguments), in this order.
    Listed(&'a [(&'a str, Vec<Value>)]),
}

/// Runs `wasm` on both engines, makes `calls`, and compares.
pub fn execute_calls(wasm: &[u8], calls: Calls<'_>) -> Outcome {
    let mut out = Outcome {
        verdict: Verdict::Agree,
        instantiated: false,
        calls: 0,
        traps: 0,
        out_of_fuel: 0,
        transcript: String::new(),
    };
    // Every other module runs metered, with more fuel than it can use: metered code is
    // translated differently (fuel blocks, fused charges) and must compute the same.
    let engine = baton_engine(crate::fnv(wasm) & 1 == 1);
    // Compile with Baton first: its module description (imports, exports, types) is the
    // one both sides are driven from.
    let baton_module = guard(|| {
        baton::Module::from_binary(&engine, wasm).map_err(|e| Failure::Rejected(e.to_string()))
    });
    let wasmi_ok = guard(|| crate::wasmi_side::compile(wasm));
    let module = match (baton_module, wasmi_ok) {
        (Ok(m), Ok(())) => m,
        (Err(Failure::Panic(p)), _) => {
            out.verdict = Verdict::Mismatch {
                kind: "panic",
                detail: format!("baton panicked compiling: {p}"),
            };
            return out;
        }
        (Err(b), Err(w)) => {
            out.verdict = Verdict::Skipped(format!("both rejected: baton: {b:?}; wasmi: {w:?}"));
            return out;
        }
        (Err(b), Ok(())) => {
            out.verdict = Verdict::Mismatch {
                kind: "reject",
                detail: format!("baton rejected a module wasmi accepts: {b:?}"),
            };
            return out;
        }
        (Ok(_), Err(w)) => {
            out.verdict = Verdict::Mismatch {
                kind: "reject",
                detail: format!("wasmi rejected a module baton accepts (oracle?): {w:?}"),
            };
            return out;
        }
    };
    if module
        .imports()
        .any(|i| i.module() != HOST_MODULE || !matches!(i.ty(), baton::ExternType::Func(_)))
    {
        out.verdict = Verdict::Skipped("imports something other than host functions".into());
        return out;
    }

    let b = guard(|| crate::baton_side::BatonSide::instantiate(wasm, &module));
    let w = guard(|| crate::wasmi_side::WasmiSide::instantiate(wasm, &module));
    let (mut b, mut w) = match (b, w) {
        (Ok(b), Ok(w)) => (b, w),
        (b, w) => {
            let b = b.map(|_| Vec::new());
            let w = w.map(|_| Vec::new());
            // wasmi reports some instantiation-time traps (a segment out of bounds) as
            // plain errors, so two failures agree unless both are traps of other kinds.
            let traps_differ = matches!((&b, &w),
                (Err(Failure::Trap(x)), Err(Failure::Trap(y))) if x != y);
            let panicked = matches!(b, Err(Failure::Panic(_)));
            if b.as_ref().is_err_and(Failure::is_stack) != w.as_ref().is_err_and(Failure::is_stack)
            {
                out.verdict =
                    Verdict::Inconclusive(format!("instantiation: baton {b:?}, wasmi {w:?}"));
            } else if panicked || b.is_ok() || w.is_ok() || traps_differ {
                let detail = compare_results(&b, &w)
                    .map_or_else(|| format!("baton {b:?}, wasmi {w:?}"), |(_, d)| d);
                out.verdict = Verdict::Mismatch {
                    kind: "instantiate",
                    detail,
                };
            } else {
                out.verdict = Verdict::Skipped(format!(
                    "both failed to instantiate: baton {b:?}, wasmi {w:?}"
                ));
            }
            return out;
        }
    };
    out.instantiated = true;

    let exports: Vec<(String, baton::ExternType)> = module
        .exports()
        .map(|e| (e.name().to_string(), e.ty()))
        .collect();
    let funcs: Vec<String> = exports
        .iter()
        .filter(|(_, t)| matches!(t, baton::ExternType::Func(_)))
        .map(|(n, _)| n.clone())
        .collect();
    let has_fuel = exports.iter().any(|(n, _)| n == FUEL_EXPORT);
    // The calls to make, drawn up front (arguments never depend on earlier results).
    let mut plan: Vec<(String, baton::FuncType, Vec<Value>)> = Vec::new();
    let func_type = |name: &str| {
        exports.iter().find_map(|(n, t)| match t {
            baton::ExternType::Func(f) if n == name => Some(f.clone()),
            _ => None,
        })
    };
    match calls {
        Calls::Drawn(args) => {
            let mut u = Unstructured::new(args);
            for name in &funcs {
                let fty = func_type(name).expect("exported function");
                for _ in 0..u.int_in_range(1..=3).unwrap_or(1) {
                    let params = fty
                        .params()
                        .iter()
                        .map(|t| arg(&mut u, *t, &funcs))
                        .collect();
                    plan.push((name.clone(), fty.clone(), params));
                }
            }
            plan.truncate(MAX_CALLS);
        }
        Calls::Listed(list) => {
            for (name, params) in list {
                let Some(fty) = func_type(name) else {
                    out.verdict = Verdict::Skipped(format!("no exported function {name:?}"));
                    return out;
                };
                plan.push((name.to_string(), fty, params.clone()));
            }
        }
    }

    for (name, fty, params) in &plan {
        if has_fuel {
            b.set_global(FUEL_EXPORT, &Value::I32(FUEL as i32));
            w.set_global(FUEL_EXPORT, &Value::I32(FUEL as i32));
        }
        let rb = guard(|| b.call(name, params, fty.results()));
        let rw = guard(|| w.call(name, params, fty.results()));
        out.calls += 1;
        let _ = writeln!(
            out.transcript,
            "call {name:?} {params:?}\n  baton: {rb:?}\n  wasmi: {rw:?}"
        );
        if rb.as_ref().is_err_and(Failure::is_stack) != rw.as_ref().is_err_and(Failure::is_stack) {
            out.verdict =
                Verdict::Inconclusive(format!("call {name:?}: baton {rb:?}, wasmi {rw:?}"));
            return out;
        }
        if let Some((kind, detail)) = compare_results(&rb, &rw) {
            out.verdict = Verdict::Mismatch {
                kind,
                detail: format!("call {name:?} {params:?}: {detail}"),
            };
            return out;
        }
        if rb.is_err() {
            out.traps += 1;
            // The fuel check traps with `unreachable` once the global reaches zero.
            if has_fuel
                && b.global(FUEL_EXPORT)
                    .is_some_and(|v| v.same(&Value::I32(0)))
            {
                out.out_of_fuel += 1;
            }
        }
    }

    // Final state of everything exported.
    for (name, ty) in &exports {
        let (kind, bv, wv) = match ty {
            baton::ExternType::Memory(_) => (
                "memory",
                b.memory(name).map(Snapshot::Memory),
                w.memory(name).map(Snapshot::Memory),
            ),
            baton::ExternType::Global(_) => (
                "global",
                b.global(name).map(Snapshot::Global),
                w.global(name).map(Snapshot::Global),
            ),
            baton::ExternType::Table(_) => (
                "table",
                b.table(name).map(Snapshot::Table),
                w.table(name).map(Snapshot::Table),
            ),
            baton::ExternType::Func(_) => continue,
        };
        if let Some(detail) = Snapshot::diff(&bv, &wv) {
            out.verdict = Verdict::Mismatch {
                kind,
                detail: format!("export {name:?}: {detail}"),
            };
            return out;
        }
    }
    out
}

/// The final state of one export.
#[derive(Debug)]
enum Snapshot {
    Memory(Vec<u8>),
    Global(Value),
    Table(Vec<Option<String>>),
}

impl Snapshot {
    fn diff(b: &Option<Snapshot>, w: &Option<Snapshot>) -> Option<String> {
        match (b, w) {
            (Some(Snapshot::Memory(b)), Some(Snapshot::Memory(w))) => {
                if b.len() != w.len() {
                    return Some(format!(
                        "memory size: baton {} bytes, wasmi {} bytes",
                        b.len(),
                        w.len()
                    ));
                }
                let diffs: Vec<usize> = (0..b.len()).filter(|&i| b[i] != w[i]).collect();
                let first = *diffs.first()?;
                let end = (first + 16).min(b.len());
                Some(format!(
                    "{} bytes differ, first at {first:#x}: baton {:02x?}, wasmi {:02x?}",
                    diffs.len(),
                    &b[first..end],
                    &w[first..end]
                ))
            }
            (Some(Snapshot::Global(b)), Some(Snapshot::Global(w))) => {
                (!b.same(w)).then(|| format!("baton {b:?}, wasmi {w:?}"))
            }
            (Some(Snapshot::Table(b)), Some(Snapshot::Table(w))) => {
                if b.len() != w.len() {
                    return Some(format!("table size: baton {}, wasmi {}", b.len(), w.len()));
                }
                let i = (0..b.len()).find(|&i| b[i] != w[i])?;
                Some(format!("element {i}: baton {:?}, wasmi {:?}", b[i], w[i]))
            }
            _ => Some(format!(
                "export missing or of another kind: baton {b:?}, wasmi {w:?}"
            )),
        }
    }
}

/// Baton's engine as the fuzzer configures it, with or without fuel metering.
pub(crate) fn baton_engine(metered: bool) -> baton::Engine {
    let mut config = baton::Config::new();
    config.max_call_depth(MAX_CALL_DEPTH).consume_fuel(metered);
    baton::Engine::new(&config)
}

/// wasmi's engine as the fuzzer configures it: the same call-depth limit, eager
/// translation (so compile errors surface at `Module::new`, as Baton's do).
pub(crate) fn wasmi_engine() -> wasmi::Engine {
    let mut config = wasmi::Config::default();
    config
        .set_max_recursion_depth(MAX_CALL_DEPTH)
        .compilation_mode(wasmi::CompilationMode::Eager)
        .wasm_multi_memory(false)
        .wasm_memory64(false)
        .wasm_wide_arithmetic(true)
        .wasm_custom_page_sizes(false);
    wasmi::Engine::new(&config)
}

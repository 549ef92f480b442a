//! Runs one module on Baton and on wasmi (the oracle) and compares what they do.
//!
//! Both engines see the same calls: every exported function, in export order, one to three
//! times, with arguments drawn from the test case's argument bytes. Before each call the
//! fuel global (see [`crate::generate::FUEL_EXPORT`]) is refilled on both. After each call
//! the results or traps are compared; after the last call, the exported memories (size and
//! bytes), globals (values) and tables (size, and which elements are null) are compared.

use crate::generate::{FUEL, FUEL_EXPORT, HOST_MODULE};
use crate::value::{GcRef, HostTrap, TrapKind, Value};
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
    /// One side ran out of call stack where the other did not, or either ran out of GC
    /// heap: a difference in resource limits, not in semantics. The rest of the module is
    /// not run (the states differ).
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
    /// An exception no handler caught, as [`crate::value::describe_exn`] describes it.
    Exception(String),
    /// Anything else.
    Other(String),
}

impl Failure {
    fn is_stack(&self) -> bool {
        matches!(self, Failure::Trap(TrapKind::StackOverflow))
    }

    fn is_gc_oom(&self) -> bool {
        matches!(self, Failure::Trap(TrapKind::GcOutOfMemory))
    }
}

/// Whether two sides' results of one operation differ only in resource limits: one ran out
/// of call stack and the other did not (their frames differ in size), or either ran out of
/// GC heap (Wasmtime collects and Baton does not yet, their objects differ in size, and
/// the runner caps both heaps differently: out of memory on both is no agreement either).
fn resource_limited<T>(a: &Result<T, Failure>, b: &Result<T, Failure>) -> bool {
    let stack = |r: &Result<T, Failure>| r.as_ref().is_err_and(Failure::is_stack);
    let oom = |r: &Result<T, Failure>| r.as_ref().is_err_and(Failure::is_gc_oom);
    stack(a) != stack(b) || oom(a) || oom(b)
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
                // Typed references are off in generated modules (wasmi has none); null is
                // a value of every nullable one.
                ValType::Ref(_) => Value::FuncRef(None),
            }
        })
        .collect())
}

// Edge values of each type, drawn for a third of the arguments.
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
/// Edge values of `i31`: zero, one, the largest positive, the smallest and largest
/// negative (as `i31.get_s` reads them).
const I31S: [u32; 5] = [0, 1, 0x3fff_ffff, 0x4000_0000, 0x7fff_ffff];
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

/// Draws an argument of type `ty`: often an edge value, otherwise arbitrary bits.
/// `funcs` are the exported functions a `funcref` argument may name.
fn arg(u: &mut Unstructured<'_>, ty: ValType, funcs: &[String]) -> Value {
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
        ValType::V128 if edge => Value::V128(v128_edge(u)),
        ValType::V128 => Value::V128(u.arbitrary().unwrap_or(0)),
        // (Off in generated modules, as at `host_call`.)
        ValType::Ref(_) => Value::FuncRef(None),
    }
}

/// An edge `v128`: zero, all ones, or a scalar edge value (of any lane shape) in every
/// lane or in one lane of an otherwise arbitrary vector.
fn v128_edge(u: &mut Unstructured<'_>) -> u128 {
    let splat = |x: u128, bits: u32| (0..128 / bits).fold(0u128, |v, i| v | x << (i * bits));
    let (lane, bits) = match u.int_in_range(0..=6).unwrap_or(0) {
        0 => return 0,
        1 => return u128::MAX,
        2 => (
            u128::from(*u.choose(&[0u8, 1, 0x7f, 0x80, 0xff]).unwrap_or(&0)),
            8,
        ),
        3 => (
            u128::from(*u.choose(&[0u16, 1, 0x7fff, 0x8000, 0xffff]).unwrap_or(&0)),
            16,
        ),
        4 => (u128::from(*u.choose(&I32S).unwrap_or(&0) as u32), 32),
        5 => (u128::from(*u.choose(&F32S).unwrap_or(&0)), 32),
        _ => (u128::from(*u.choose(&F64S).unwrap_or(&0)), 64),
    };
    if u.ratio(1, 2).unwrap_or(true) {
        splat(lane, bits)
    } else {
        let at = u.int_in_range(0..=128 / bits - 1).unwrap_or(0) * bits;
        let mask = (u128::MAX >> (128 - bits)) << at;
        (u.arbitrary::<u128>().unwrap_or(0) & !mask) | lane << at
    }
}

/// How two sides are compared: their names (for messages) and whether values must be
/// equal bit for bit (Baton against itself) or NaNs compared by class (against wasmi).
#[derive(Clone, Copy, Debug)]
struct Pair {
    a: &'static str,
    b: &'static str,
    exact: bool,
}

const BATON_WASMI: Pair = Pair {
    a: "baton",
    b: "wasmi",
    exact: false,
};

impl Pair {
    fn same(&self, x: &Value, y: &Value) -> bool {
        if self.exact {
            x == y
        } else {
            x.same(y)
        }
    }

    /// Compares the two sides' failure or results of one operation; `None` if they agree.
    fn compare_results(
        &self,
        ra: &Result<Vec<Value>, Failure>,
        rb: &Result<Vec<Value>, Failure>,
    ) -> Option<(&'static str, String)> {
        let Pair { a, b, .. } = *self;
        match (ra, rb) {
            (Ok(x), Ok(y)) => {
                let same = x.len() == y.len() && x.iter().zip(y).all(|(v, w)| self.same(v, w));
                (!same).then(|| ("result", format!("{a} returned {x:?}, {b} returned {y:?}")))
            }
            (Err(Failure::Panic(p)), _) => Some(("panic", format!("{a} panicked: {p}"))),
            (_, Err(Failure::Panic(p))) if self.exact => {
                Some(("panic", format!("{b} panicked: {p}")))
            }
            (Err(x), Err(y)) => (x != y).then(|| {
                let kind =
                    if matches!(x, Failure::Exception(_)) || matches!(y, Failure::Exception(_)) {
                        "exception"
                    } else {
                        "trap"
                    };
                (kind, format!("{a} failed with {x:?}, {b} with {y:?}"))
            }),
            (Ok(x), Err(y)) => Some(("trap", format!("{a} returned {x:?}, {b} failed with {y:?}"))),
            (Err(x), Ok(y)) => Some(("trap", format!("{a} failed with {x:?}, {b} returned {y:?}"))),
        }
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

fn new_outcome() -> Outcome {
    Outcome {
        verdict: Verdict::Agree,
        instantiated: false,
        calls: 0,
        traps: 0,
        out_of_fuel: 0,
        transcript: String::new(),
    }
}

/// Runs `wasm` on both engines, makes `calls`, and compares.
pub fn execute_calls(wasm: &[u8], calls: Calls<'_>) -> Outcome {
    let mut out = new_outcome();
    // Every other module runs metered, with more fuel than it can use: metered code is
    // translated differently (fuel blocks, fused charges) and must compute the same.
    let engine = baton_engine(crate::fnv(wasm) & 1 == 1, false);
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
    if !host_imports_only(&module) {
        out.verdict = Verdict::Skipped("imports something other than host functions".into());
        return out;
    }
    if crate::wasmi_side::has_known_crash(wasm) {
        out.verdict = Verdict::Skipped(
            "a return_call of an import above other values, on which wasmi 2.0.0 segfaults \
             (peer-crashes/README.md)"
                .into(),
        );
        return out;
    }
    let b = guard(|| crate::baton_side::BatonSide::instantiate(wasm, &module));
    let w = guard(|| crate::wasmi_side::WasmiSide::instantiate(wasm, &module));
    run_pair(BATON_WASMI, wasm, &module, b, w, calls, out)
}

/// Runs `wasm` on Baton and on Wasmtime (Cranelift) with arguments drawn from `args` and
/// compares: for modules with exception handling, typed function references and GC,
/// which wasmi lacks. Results (GC references by null-ness, `i31` value, structure or
/// array), traps (by kind), uncaught exceptions (their tag's payload types and payload)
/// and the final exported state. Running out of GC heap on either side is inconclusive.
#[cfg(feature = "wasmtime")]
pub fn execute_wasmtime(wasm: &[u8], args: &[u8]) -> Outcome {
    execute_wasmtime_calls(wasm, Calls::Drawn(args))
}

/// [`execute_wasmtime`] with the calls given.
#[cfg(feature = "wasmtime")]
pub fn execute_wasmtime_calls(wasm: &[u8], calls: Calls<'_>) -> Outcome {
    use crate::wasmtime_side::WasmtimeSide;
    let mut out = new_outcome();
    let engine = baton_engine(crate::fnv(wasm) & 1 == 1, false);
    let baton_module = guard(|| {
        baton::Module::from_binary(&engine, wasm).map_err(|e| Failure::Rejected(e.to_string()))
    });
    let wt_module = guard(|| WasmtimeSide::compile(wasm));
    let (module, wt_module) = match (baton_module, wt_module) {
        (Ok(m), Ok(w)) => (m, w),
        (Err(Failure::Panic(p)), _) => {
            out.verdict = Verdict::Mismatch {
                kind: "panic",
                detail: format!("baton panicked compiling: {p}"),
            };
            return out;
        }
        (Err(b), Err(w)) => {
            out.verdict = Verdict::Skipped(format!("both rejected: baton: {b:?}; wasmtime: {w:?}"));
            return out;
        }
        (Err(b), Ok(_)) => {
            out.verdict = Verdict::Mismatch {
                kind: "reject",
                detail: format!("baton rejected a module wasmtime accepts: {b:?}"),
            };
            return out;
        }
        (Ok(_), Err(w)) => {
            out.verdict = Verdict::Mismatch {
                kind: "reject",
                detail: format!("wasmtime rejected a module baton accepts (oracle?): {w:?}"),
            };
            return out;
        }
    };
    if !host_imports_only(&module) {
        out.verdict = Verdict::Skipped("imports something other than host functions".into());
        return out;
    }
    // Wasmtime first: where its instantiation runs out of GC heap, Baton is not
    // instantiated. Baton evaluates a constant expression's `array.new` by building the
    // array's contents (8 bytes an element) before its limiter sees the allocation, so a
    // huge length aborts the process on an allocation failure instead of trapping (a
    // Baton bug, reported with the GC fuzzing; `tests/wasmtime_gc.rs`). Wasmtime's cap is
    // far below what that costs.
    let w = guard(|| WasmtimeSide::instantiate_module(&wt_module, &module));
    if let Err(Failure::Trap(TrapKind::GcOutOfMemory)) = &w {
        out.verdict = Verdict::Inconclusive(
            "instantiation: wasmtime Err(Trap(GcOutOfMemory)), baton not instantiated".into(),
        );
        return out;
    }
    let b = guard(|| crate::baton_side::BatonSide::instantiate(wasm, &module));
    let pair = Pair {
        a: "baton",
        b: "wasmtime",
        exact: false,
    };
    run_pair(pair, wasm, &module, b, w, calls, out)
}

/// Baton against itself, for modules with relaxed SIMD (whose results are
/// implementation-defined, so wasmi is no oracle): compiled once unmetered and once
/// metered, each instantiated in its own store, the same calls on both. Checks that
/// Baton never panics and is deterministic: results, traps and final state equal bit for
/// bit (NaN payloads included) between the two runs.
pub fn execute_baton_twice(wasm: &[u8], args: &[u8]) -> Outcome {
    let mut out = new_outcome();
    let compile = |metered: bool| {
        guard(|| {
            baton::Module::from_binary(&baton_engine(metered, true), wasm)
                .map_err(|e| Failure::Rejected(e.to_string()))
        })
    };
    let (m1, m2) = match (compile(false), compile(true)) {
        (Ok(m1), Ok(m2)) => (m1, m2),
        (Err(Failure::Panic(p)), _) | (_, Err(Failure::Panic(p))) => {
            out.verdict = Verdict::Mismatch {
                kind: "panic",
                detail: format!("baton panicked compiling: {p}"),
            };
            return out;
        }
        (r1, r2) => {
            // wasm-smith's modules are valid, and Baton implements all they use.
            out.verdict = Verdict::Mismatch {
                kind: "reject",
                detail: format!(
                    "baton rejected a generated module: {:?}, metered: {:?}",
                    r1.err(),
                    r2.err()
                ),
            };
            return out;
        }
    };
    if !host_imports_only(&m1) {
        out.verdict = Verdict::Skipped("imports something other than host functions".into());
        return out;
    }
    let pair = Pair {
        a: "baton",
        b: "baton metered",
        exact: true,
    };
    let b1 = guard(|| crate::baton_side::BatonSide::instantiate(wasm, &m1));
    let b2 = guard(|| crate::baton_side::BatonSide::instantiate(wasm, &m2));
    run_pair(pair, wasm, &m1, b1, b2, Calls::Drawn(args), out)
}

fn host_imports_only(module: &baton::Module) -> bool {
    module
        .imports()
        .all(|i| i.module() == HOST_MODULE && matches!(i.ty(), baton::ExternType::Func(_)))
}

/// Compares two instances of `module` (or of the same module as compiled by another
/// engine): instantiation, then `calls`, then the exported state.
fn run_pair<A: Side, B: Side>(
    pair: Pair,
    wasm: &[u8],
    module: &baton::Module,
    ia: Result<A, Failure>,
    ib: Result<B, Failure>,
    calls: Calls<'_>,
    mut out: Outcome,
) -> Outcome {
    let Pair { a: na, b: nb, .. } = pair;
    let (mut a, mut b) = match (ia, ib) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            let a = a.map(|_| Vec::new());
            let b = b.map(|_| Vec::new());
            // wasmi reports some instantiation-time traps (a segment out of bounds) as
            // plain errors, so two failures agree unless both are traps of other kinds.
            let traps_differ = matches!((&a, &b),
                (Err(Failure::Trap(x)), Err(Failure::Trap(y))) if x != y)
                // An uncaught exception (start function) must meet the same exception.
                || matches!((&a, &b), (Err(x), Err(y)) if x != y
                    && (matches!(x, Failure::Exception(_)) || matches!(y, Failure::Exception(_))))
                || (pair.exact && a.is_err() && a != b);
            let panicked = matches!(a, Err(Failure::Panic(_)))
                || matches!(b, Err(Failure::Panic(_))) && pair.exact;
            if resource_limited(&a, &b) {
                out.verdict =
                    Verdict::Inconclusive(format!("instantiation: {na} {a:?}, {nb} {b:?}"));
            } else if panicked || a.is_ok() || b.is_ok() || traps_differ {
                let detail = pair
                    .compare_results(&a, &b)
                    .map_or_else(|| format!("{na} {a:?}, {nb} {b:?}"), |(_, d)| d);
                out.verdict = Verdict::Mismatch {
                    kind: "instantiate",
                    detail,
                };
            } else {
                out.verdict = Verdict::Skipped(format!(
                    "both failed to instantiate: {na} {a:?}, {nb} {b:?}"
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
            // Typed references need the module's own type indices (read only when some
            // export takes one).
            let mut typed: Option<TypedRefs> = None;
            for name in &funcs {
                let fty = func_type(name).expect("exported function");
                'call: for _ in 0..u.int_in_range(1..=3).unwrap_or(1) {
                    let mut params = Vec::new();
                    for (i, t) in fty.params().iter().enumerate() {
                        let v = match t {
                            ValType::Ref(r) => {
                                let typed = typed.get_or_insert_with(|| TypedRefs::new(wasm));
                                match typed.arg(&mut u, *r, name, i) {
                                    Some(v) => v,
                                    // No value of the type to pass: the call is not made.
                                    None => continue 'call,
                                }
                            }
                            t => arg(&mut u, *t, &funcs),
                        };
                        params.push(v);
                    }
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
            a.set_global(FUEL_EXPORT, &Value::I32(FUEL as i32));
            b.set_global(FUEL_EXPORT, &Value::I32(FUEL as i32));
        }
        let ra = guard(|| a.call(name, params, fty.results()));
        let rb = guard(|| b.call(name, params, fty.results()));
        out.calls += 1;
        let _ = writeln!(
            out.transcript,
            "call {name:?} {params:?}\n  {na}: {ra:?}\n  {nb}: {rb:?}"
        );
        if resource_limited(&ra, &rb) {
            out.verdict = Verdict::Inconclusive(format!("call {name:?}: {na} {ra:?}, {nb} {rb:?}"));
            return out;
        }
        if let Some((kind, detail)) = pair.compare_results(&ra, &rb) {
            out.verdict = Verdict::Mismatch {
                kind,
                detail: format!("call {name:?} {params:?}: {detail}"),
            };
            return out;
        }
        if ra.is_err() {
            out.traps += 1;
            // The fuel check traps with `unreachable` once the global reaches zero.
            if has_fuel
                && a.global(FUEL_EXPORT)
                    .is_some_and(|v| v.same(&Value::I32(0)))
            {
                out.out_of_fuel += 1;
            }
        }
    }

    // Final state of everything exported.
    for (name, ty) in &exports {
        let (kind, va, vb) = match ty {
            baton::ExternType::Memory(_) => (
                "memory",
                a.memory(name).map(Snapshot::Memory),
                b.memory(name).map(Snapshot::Memory),
            ),
            baton::ExternType::Global(_) => (
                "global",
                a.global(name).map(Snapshot::Global),
                b.global(name).map(Snapshot::Global),
            ),
            baton::ExternType::Table(_) => (
                "table",
                a.table(name).map(Snapshot::Table),
                b.table(name).map(Snapshot::Table),
            ),
            baton::ExternType::Func(_) | baton::ExternType::Tag(_) => continue,
        };
        if let Some(detail) = Snapshot::diff(pair, &va, &vb) {
            out.verdict = Verdict::Mismatch {
                kind,
                detail: format!("export {name:?}: {detail}"),
            };
            return out;
        }
    }
    out
}

/// What arguments of typed reference types need from the module itself: which exported
/// functions have which type, and each export's parameter types as the module declares
/// them.
///
/// Function types are compared structurally where that is type identity: both alone in
/// their recursion group, final and without supertype (every type of the GC-free modules).
/// With GC, types are identical only if their whole recursion groups are (iso-recursive
/// identity), and a `sub` type is another type than the same signature declared final:
/// there a function qualifies only by the same type index or a declared supertype chain
/// reaching it (conservative: an identical group declared twice is not recognised).
/// Wasmtime's host API accepts a function whose signature matches structurally where the
/// spec's subtyping (and Baton) refuses it, so a looser choice shows up as a mismatch
/// that is the runner's.
struct TypedRefs {
    /// Per type index: a structural key (concrete references expanded a few levels deep,
    /// those to types that are not plain by index).
    keys: Vec<String>,
    /// Per type index: whether the type is alone in its recursion group, final and
    /// without supertype (then its key is its identity).
    plain: Vec<bool>,
    /// Per type index: its declared supertype.
    supers: Vec<Option<u32>>,
    /// Exported functions and their type indices.
    funcs: Vec<(String, u32)>,
    /// Exported functions' parameter types.
    params: std::collections::HashMap<String, Vec<wasmparser::ValType>>,
}

impl TypedRefs {
    fn new(wasm: &[u8]) -> TypedRefs {
        let mut types: Vec<Option<wasmparser::FuncType>> = Vec::new();
        let mut plain: Vec<bool> = Vec::new();
        let mut supers: Vec<Option<u32>> = Vec::new();
        let mut func_types: Vec<u32> = Vec::new();
        let mut exports: Vec<(String, u32)> = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(wasm).flatten() {
            match payload {
                wasmparser::Payload::TypeSection(r) => {
                    for group in r.into_iter().flatten() {
                        let alone = group.types().len() == 1;
                        for sub in group.into_types() {
                            plain.push(alone && sub.is_final && sub.supertype_idxs.is_empty());
                            supers
                                .push(sub.supertype_idxs.first().and_then(|i| i.as_module_index()));
                            types.push(match sub.composite_type.inner {
                                wasmparser::CompositeInnerType::Func(f) => Some(f),
                                _ => None,
                            });
                        }
                    }
                }
                wasmparser::Payload::ImportSection(r) => {
                    for imp in r.into_imports().flatten() {
                        if let wasmparser::TypeRef::Func(t) = imp.ty {
                            func_types.push(t);
                        }
                    }
                }
                wasmparser::Payload::FunctionSection(r) => {
                    func_types.extend(r.into_iter().flatten())
                }
                wasmparser::Payload::ExportSection(r) => {
                    for e in r.into_iter().flatten() {
                        if e.kind == wasmparser::ExternalKind::Func {
                            exports.push((e.name.to_string(), e.index));
                        }
                    }
                }
                _ => {}
            }
        }
        let keys = (0..types.len())
            .map(|i| type_key(&types, &plain, i as u32, 3))
            .collect();
        let mut funcs = Vec::new();
        let mut params = std::collections::HashMap::new();
        for (name, f) in exports {
            let Some(&t) = func_types.get(f as usize) else {
                continue;
            };
            if let Some(Some(ft)) = types.get(t as usize) {
                params.insert(name.clone(), ft.params().to_vec());
            }
            funcs.push((name, t));
        }
        TypedRefs {
            keys,
            plain,
            supers,
            funcs,
            params,
        }
    }

    /// Whether a function of type `t` is a value of `(ref $w)` (see [`TypedRefs`]).
    fn is_subtype(&self, t: u32, w: u32) -> bool {
        let plain = |i: u32| self.plain.get(i as usize).copied().unwrap_or(false);
        if plain(t) && plain(w) {
            return self.keys.get(t as usize) == self.keys.get(w as usize);
        }
        // The declared chain (a valid module's is acyclic; bounded anyway).
        let mut at = Some(t);
        for _ in 0..=self.supers.len() {
            match at {
                Some(i) if i == w => return true,
                Some(i) => at = self.supers.get(i as usize).copied().flatten(),
                None => return false,
            }
        }
        false
    }

    /// An argument for parameter `index` of export `name`, of type `r`: null or a value of
    /// the type (an exported function of the right type, an externref); `None` if the type
    /// has no value the runner can make (`(ref exn)`, `(ref nofunc)`...).
    fn arg(
        &self,
        u: &mut Unstructured<'_>,
        r: baton::RefType,
        name: &str,
        index: usize,
    ) -> Option<Value> {
        use baton::HeapType as H;
        let edge = u.ratio(1, 3).unwrap_or(false);
        let null = |v: Value| r.is_nullable().then_some(v);
        match r.heap_type() {
            H::Func | H::ConcreteFunc(_) => {
                let wanted = match self.params.get(name).and_then(|p| p.get(index)) {
                    Some(wasmparser::ValType::Ref(rt)) => match rt.heap_type() {
                        wasmparser::HeapType::Concrete(i) => i.as_module_index(),
                        _ => None,
                    },
                    _ => None,
                };
                let candidates: Vec<&String> = self
                    .funcs
                    .iter()
                    .filter(|(_, t)| match (r.heap_type(), wanted) {
                        (H::Func, _) => true,
                        (_, Some(w)) => self.is_subtype(*t, w),
                        _ => false,
                    })
                    .map(|(n, _)| n)
                    .collect();
                if (edge && r.is_nullable()) || candidates.is_empty() {
                    null(Value::FuncRef(None))
                } else {
                    u.choose(&candidates)
                        .ok()
                        .map(|n| Value::FuncRef(Some((*n).clone())))
                }
            }
            H::Extern => Some(Value::ExternRef(
                (!edge || !r.is_nullable()).then(|| u.int_in_range(0..=7).unwrap_or(0)),
            )),
            H::NoFunc => null(Value::FuncRef(None)),
            H::NoExtern => null(Value::ExternRef(None)),
            H::Exn | H::NoExn => null(Value::ExnRef(None)),
            // GC values the host can make alike on both engines: an `i31` (of `i31`, `eq`
            // and `any`) and, for `any`, a host reference converted with
            // `any.convert_extern`. Objects only the module can make: those types get null.
            H::Any | H::Eq | H::I31 => {
                if edge && r.is_nullable() {
                    return Some(Value::AnyRef(None));
                }
                let v = if u.ratio(1, 3).unwrap_or(false) {
                    *u.choose(&I31S).unwrap_or(&0)
                } else {
                    u.arbitrary::<u32>().unwrap_or(0) & 0x7fff_ffff
                };
                let host = r.heap_type() == H::Any && u.ratio(1, 4).unwrap_or(false);
                Some(Value::AnyRef(Some(if host {
                    GcRef::Host(v % 8)
                } else {
                    GcRef::I31(v)
                })))
            }
            H::Struct | H::Array | H::None | H::ConcreteStruct(_) | H::ConcreteArray(_) => {
                null(Value::AnyRef(None))
            }
        }
    }
}

/// A structural key for function type `index`, expanding concrete references to plain
/// types `depth` levels deep (others by index).
fn type_key(
    types: &[Option<wasmparser::FuncType>],
    plain: &[bool],
    index: u32,
    depth: u32,
) -> String {
    let Some(Some(f)) = types.get(index as usize) else {
        return format!("<non-func {index}>");
    };
    let vt = |t: &wasmparser::ValType| match t {
        wasmparser::ValType::Ref(r) => match r.heap_type() {
            wasmparser::HeapType::Concrete(i) if depth > 0 => format!(
                "(ref {}{})",
                if r.is_nullable() { "null " } else { "" },
                i.as_module_index().map_or_else(
                    || "?".into(),
                    |i| if plain.get(i as usize).copied().unwrap_or(false) {
                        type_key(types, plain, i, depth - 1)
                    } else {
                        format!("#{i}")
                    }
                )
            ),
            _ => format!("{r:?}"),
        },
        t => format!("{t:?}"),
    };
    let params: Vec<String> = f.params().iter().map(vt).collect();
    let results: Vec<String> = f.results().iter().map(vt).collect();
    format!("(func {params:?} {results:?})")
}

/// The final state of one export.
#[derive(Debug)]
enum Snapshot {
    Memory(Vec<u8>),
    Global(Value),
    Table(Vec<Option<String>>),
}

impl Snapshot {
    fn diff(pair: Pair, a: &Option<Snapshot>, b: &Option<Snapshot>) -> Option<String> {
        let Pair { a: na, b: nb, .. } = pair;
        match (a, b) {
            (Some(Snapshot::Memory(a)), Some(Snapshot::Memory(b))) => {
                if a.len() != b.len() {
                    return Some(format!(
                        "memory size: {na} {} bytes, {nb} {} bytes",
                        a.len(),
                        b.len()
                    ));
                }
                let diffs: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
                let first = *diffs.first()?;
                let end = (first + 16).min(a.len());
                Some(format!(
                    "{} bytes differ, first at {first:#x}: {na} {:02x?}, {nb} {:02x?}",
                    diffs.len(),
                    &a[first..end],
                    &b[first..end]
                ))
            }
            (Some(Snapshot::Global(x)), Some(Snapshot::Global(y))) => {
                (!pair.same(x, y)).then(|| format!("{na} {x:?}, {nb} {y:?}"))
            }
            (Some(Snapshot::Table(x)), Some(Snapshot::Table(y))) => {
                if x.len() != y.len() {
                    return Some(format!("table size: {na} {}, {nb} {}", x.len(), y.len()));
                }
                let i = (0..x.len()).find(|&i| x[i] != y[i])?;
                Some(format!("element {i}: {na} {:?}, {nb} {:?}", x[i], y[i]))
            }
            _ => Some(format!(
                "export missing or of another kind: {na} {a:?}, {nb} {b:?}"
            )),
        }
    }
}

/// Baton's engine as the fuzzer configures it, with or without fuel metering, with or
/// without relaxed SIMD (off when compared against wasmi).
pub(crate) fn baton_engine(metered: bool, relaxed_simd: bool) -> baton::Engine {
    let mut config = baton::Config::new();
    config
        .max_call_depth(MAX_CALL_DEPTH)
        .consume_fuel(metered)
        .wasm_relaxed_simd(relaxed_simd);
    baton::Engine::new(&config)
}

/// wasmi's engine as the fuzzer configures it: the same call-depth limit, eager
/// translation (so compile errors surface at `Module::new`, as Baton's do), SIMD on and
/// relaxed SIMD off (its results may legitimately differ between engines), memory64,
/// multi-memory, wide arithmetic and custom page sizes on.
pub(crate) fn wasmi_engine() -> wasmi::Engine {
    let mut config = wasmi::Config::default();
    config
        .set_max_recursion_depth(MAX_CALL_DEPTH)
        .compilation_mode(wasmi::CompilationMode::Eager)
        .wasm_multi_memory(true)
        .wasm_memory64(true)
        .wasm_wide_arithmetic(true)
        .wasm_custom_page_sizes(true)
        .wasm_simd(true)
        .wasm_relaxed_simd(false);
    wasmi::Engine::new(&config)
}

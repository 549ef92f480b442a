//! One adapter per engine: compile + instantiate a workload, then call its
//! `run(n: i32) -> i64` export repeatedly.

use anyhow::{anyhow, Context, Result};

/// An instantiated workload, ready to be called many times.
pub trait Runner {
    /// Calls `run(n)` once.
    fn call(&mut self, n: i32) -> Result<i64>;
}

/// A named engine and how to instantiate a module on it.
pub struct EngineDef {
    /// Column name in the table.
    pub name: &'static str,
    /// Compiles/translates and instantiates the module (timed separately
    /// from the calls: only the calls are reported).
    pub prepare: fn(&[u8]) -> Result<Box<dyn Runner>>,
    /// The proposals (by [`crate::workloads::PROPOSALS`] name) this engine, as built
    /// here, cannot run, each with the reason. Workloads needing one are shown as
    /// "unsupported" for it instead of being attempted.
    pub lacks: Vec<(&'static str, &'static str)>,
}

/// All engines compiled into this binary, Baton first (the baseline).
pub fn all() -> Vec<EngineDef> {
    let def = |name, prepare, lacks| EngineDef {
        name,
        prepare,
        lacks,
    };
    let mut wasmi_lacks = vec![
        (
            "function-references",
            "wasmi 2.0 has no typed function references",
        ),
        ("exceptions", "wasmi 2.0 has no exception handling"),
    ];
    // wasmi has SIMD only when built with its `simd` feature (ours: `wasmi-simd`).
    if !cfg!(feature = "wasmi-simd") {
        wasmi_lacks.push((
            "simd",
            "wasmi built without SIMD (use --features wasmi-simd)",
        ));
    }
    let wasmtime_lacks = Vec::new;
    let stitch = "makepad-stitch 0.1 runs Wasm 1.0 with a few 2.0 extensions";
    // Mutated only when optional engines (Baton, wasm3) are compiled in.
    #[allow(unused_mut)]
    let mut v = vec![
        def("wasmi", wasmi_prepare, wasmi_lacks),
        def(
            "stitch",
            stitch_prepare,
            vec![
                ("simd", stitch),
                ("memory64", stitch),
                ("multi-memory", stitch),
                ("function-references", stitch),
                ("exceptions", stitch),
            ],
        ),
        def("Pulley", pulley_prepare, wasmtime_lacks()),
        def("Cranelift", cranelift_prepare, wasmtime_lacks()),
    ];
    #[cfg(feature = "baton")]
    v.insert(0, def("Baton", baton_prepare, Vec::new()));
    #[cfg(feature = "wasm3")]
    v.push(def(
        "wasm3",
        wasm3_prepare,
        vec![
            ("simd", "wasm3 has no SIMD"),
            (
                "function-references",
                "wasm3 has no typed function references",
            ),
        ],
    ));
    v
}

// ---------------------------------------------------------------- Baton

#[cfg(feature = "baton")]
struct BatonRunner {
    store: baton::Store<()>,
    run: baton::TypedFunc<i32, i64>,
}

#[cfg(feature = "baton")]
impl Runner for BatonRunner {
    fn call(&mut self, n: i32) -> Result<i64> {
        // Errors are formatted rather than converted: the contract does not
        // promise `Send + Sync` for every error payload.
        self.run
            .call(&mut self.store, n)
            .map_err(|e| anyhow!("{e}"))
    }
}

#[cfg(feature = "baton")]
fn baton_prepare(wasm: &[u8]) -> Result<Box<dyn Runner>> {
    let engine = baton::Engine::default();
    let module = baton::Module::new(&engine, wasm).map_err(|e| anyhow!("compile: {e}"))?;
    let mut store = baton::Store::new(&engine, ());
    let instance =
        baton::Instance::new(&mut store, &module, &[]).map_err(|e| anyhow!("instantiate: {e}"))?;
    let run = instance
        .get_typed_func::<i32, i64>(&store, "run")
        .map_err(|e| anyhow!("run export: {e}"))?;
    Ok(Box::new(BatonRunner { store, run }))
}

// ---------------------------------------------------------------- wasmi

struct WasmiRunner {
    store: wasmi::Store<()>,
    run: wasmi::TypedFunc<i32, i64>,
}

impl Runner for WasmiRunner {
    fn call(&mut self, n: i32) -> Result<i64> {
        self.run
            .call(&mut self.store, n)
            .map_err(|e| anyhow!("{e}"))
    }
}

fn wasmi_prepare(wasm: &[u8]) -> Result<Box<dyn Runner>> {
    // Default config: lazy translation (each function on its first call), the tail-call
    // dispatch backend; SIMD (and relaxed SIMD) are on by default when wasmi is built with
    // its `simd` feature (our `wasmi-simd`).
    let engine = wasmi::Engine::default();
    let module = wasmi::Module::new(&engine, wasm).map_err(|e| anyhow!("compile: {e}"))?;
    let mut store = wasmi::Store::new(&engine, ());
    let instance =
        wasmi::Instance::new(&mut store, &module, &[]).map_err(|e| anyhow!("instantiate: {e}"))?;
    let run = instance
        .get_typed_func::<i32, i64>(&store, "run")
        .map_err(|e| anyhow!("run export: {e}"))?;
    Ok(Box::new(WasmiRunner { store, run }))
}

// --------------------------------------------------------------- stitch

struct StitchRunner {
    store: makepad_stitch::Store,
    run: makepad_stitch::Func,
}

impl Runner for StitchRunner {
    fn call(&mut self, n: i32) -> Result<i64> {
        let mut results = [makepad_stitch::Val::I64(0)];
        self.run
            .call(
                &mut self.store,
                &[makepad_stitch::Val::I32(n)],
                &mut results,
            )
            .map_err(|e| anyhow!("{e:?}"))?;
        match results[0] {
            makepad_stitch::Val::I64(v) => Ok(v),
            other => Err(anyhow!("run returned {other:?}")),
        }
    }
}

fn stitch_prepare(wasm: &[u8]) -> Result<Box<dyn Runner>> {
    let engine = makepad_stitch::Engine::new();
    let mut store = makepad_stitch::Store::new(engine);
    let module =
        makepad_stitch::Module::new(store.engine(), wasm).map_err(|e| anyhow!("compile: {e:?}"))?;
    let linker = makepad_stitch::Linker::new();
    let instance = linker
        .instantiate(&mut store, &module)
        .map_err(|e| anyhow!("instantiate: {e:?}"))?;
    let run = instance.exported_func("run").context("no `run` export")?;
    Ok(Box::new(StitchRunner { store, run }))
}

// ------------------------------------------------------- wasmtime (both)

struct WasmtimeRunner {
    store: wasmtime::Store<()>,
    run: wasmtime::TypedFunc<i32, i64>,
}

impl Runner for WasmtimeRunner {
    fn call(&mut self, n: i32) -> Result<i64> {
        self.run
            .call(&mut self.store, n)
            .map_err(|e| anyhow!("{e}"))
    }
}

fn wasmtime_prepare(config: &wasmtime::Config, wasm: &[u8]) -> Result<Box<dyn Runner>> {
    let engine = wasmtime::Engine::new(config).map_err(|e| anyhow!("engine: {e}"))?;
    let module = wasmtime::Module::new(&engine, wasm).map_err(|e| anyhow!("compile: {e}"))?;
    let mut store = wasmtime::Store::new(&engine, ());
    let instance = wasmtime::Instance::new(&mut store, &module, &[])
        .map_err(|e| anyhow!("instantiate: {e}"))?;
    let run = instance
        .get_typed_func::<i32, i64>(&mut store, "run")
        .map_err(|e| anyhow!("run export: {e}"))?;
    Ok(Box::new(WasmtimeRunner { store, run }))
}

/// Wasmtime compiling to its Pulley bytecode and interpreting that.
fn pulley_prepare(wasm: &[u8]) -> Result<Box<dyn Runner>> {
    wasmtime_prepare(&wasmtime_config(true)?, wasm)
}

/// Wasmtime's Cranelift JIT for the host: the "how far from native" column.
fn cranelift_prepare(wasm: &[u8]) -> Result<Box<dyn Runner>> {
    wasmtime_prepare(&wasmtime_config(false)?, wasm)
}

/// Wasmtime's configuration: Pulley (its interpreter) or Cranelift for the host, with
/// typed function references and exception handling switched on (off by default in
/// Wasmtime 48), which workloads use.
pub fn wasmtime_config(pulley: bool) -> Result<wasmtime::Config> {
    let mut config = wasmtime::Config::new();
    if pulley {
        config
            .target("pulley64")
            .map_err(|e| anyhow!("pulley target: {e}"))?;
    }
    config
        .wasm_function_references(true)
        .wasm_gc(true)
        .wasm_exceptions(true);
    Ok(config)
}

// ---------------------------------------------------------------- wasm3

#[cfg(feature = "wasm3")]
struct Wasm3Runner {
    run: wasm3::Function<'static, i32, i64>,
}

#[cfg(feature = "wasm3")]
impl Runner for Wasm3Runner {
    fn call(&mut self, n: i32) -> Result<i64> {
        self.run.call(n).map_err(|e| anyhow!("{e}"))
    }
}

#[cfg(feature = "wasm3")]
fn wasm3_prepare(wasm: &[u8]) -> Result<Box<dyn Runner>> {
    // wasm3's handles borrow their environment and runtime; leaking those
    // (a few KiB per workload, once per process) keeps the runner simple.
    let env: &'static wasm3::Environment = Box::leak(Box::new(
        wasm3::Environment::new().map_err(|e| anyhow!("{e}"))?,
    ));
    let rt: &'static wasm3::Runtime = Box::leak(Box::new(
        env.create_runtime(1 << 20).map_err(|e| anyhow!("{e}"))?,
    ));
    let module = wasm3::Module::parse(env, wasm.to_vec()).map_err(|e| anyhow!("parse: {e}"))?;
    let module = rt.load_module(module).map_err(|e| anyhow!("load: {e}"))?;
    let run = module
        .find_function::<i32, i64>("run")
        .map_err(|e| anyhow!("run export: {e}"))?;
    Ok(Box::new(Wasm3Runner { run }))
}

// ---------------------------------------------------------- translation

/// A named way of turning module bytes into something runnable, for the
/// `--translate` comparison. Engines differ in how much work that is, so
/// the names say what is timed.
pub struct TranslatorDef {
    /// Column name in the table.
    pub name: &'static str,
    /// Compiles the module; the result is dropped.
    pub compile: fn(&[u8]) -> Result<()>,
}

/// Everything `--translate` times, Baton first.
pub fn translators() -> Vec<TranslatorDef> {
    let def = |name, compile| TranslatorDef { name, compile };
    // Mutated only when optional engines (Baton, wasm3) are compiled in.
    #[allow(unused_mut)]
    let mut v = vec![
        // wasmi's default validates eagerly but translates each function on
        // its first call, so it is listed both ways.
        def("wasmi eager", |wasm| {
            let mut config = wasmi::Config::default();
            config.compilation_mode(wasmi::CompilationMode::Eager);
            let engine = wasmi::Engine::new(&config);
            wasmi::Module::new(&engine, wasm).map_err(|e| anyhow!("{e}"))?;
            Ok(())
        }),
        def("wasmi lazy (validate only)", |wasm| {
            wasmi::Module::new(&wasmi::Engine::default(), wasm).map_err(|e| anyhow!("{e}"))?;
            Ok(())
        }),
        // Stitch always compiles functions on their first call.
        def("stitch (validate only)", |wasm| {
            makepad_stitch::Module::new(&makepad_stitch::Engine::new(), wasm)
                .map_err(|e| anyhow!("{e:?}"))?;
            Ok(())
        }),
        def("Pulley", |wasm| {
            let engine =
                wasmtime::Engine::new(&wasmtime_config(true)?).map_err(|e| anyhow!("{e}"))?;
            wasmtime::Module::new(&engine, wasm).map_err(|e| anyhow!("{e}"))?;
            Ok(())
        }),
        def("Cranelift", |wasm| {
            let engine =
                wasmtime::Engine::new(&wasmtime_config(false)?).map_err(|e| anyhow!("{e}"))?;
            wasmtime::Module::new(&engine, wasm).map_err(|e| anyhow!("{e}"))?;
            Ok(())
        }),
    ];
    #[cfg(feature = "baton")]
    v.insert(
        0,
        def("Baton", |wasm| {
            baton::Module::new(&baton::Engine::default(), wasm).map_err(|e| anyhow!("{e}"))?;
            Ok(())
        }),
    );
    v
}

//! The engine and its configuration.

use std::sync::Arc;

/// Settings of an [`Engine`].
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) max_call_depth: usize,
    pub(crate) max_stack_slots: usize,
    pub(crate) max_host_reentry: usize,
    pub(crate) consume_fuel: bool,
    pub(crate) interruptible: bool,
    pub(crate) compile_threads: usize,
    pub(crate) compilation_mode: crate::CompilationMode,
    pub(crate) background_translation: bool,
    /// The proposals modules may use (beyond Wasm 2.0, which is always on).
    pub(crate) features: wasmparser::WasmFeatures,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_call_depth: 100_000,
            max_stack_slots: 1 << 20,
            max_host_reentry: 100,
            consume_fuel: false,
            interruptible: false,
            compile_threads: 0,
            compilation_mode: crate::CompilationMode::Lazy,
            background_translation: true,
            features: crate::module::all_features(),
        }
    }
}

impl Config {
    /// The default configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// The deepest Wasm call stack, in activations (the function the host called counts
    /// as one), before "call stack exhausted". A call into another instance counts as two:
    /// its return also re-enters the caller's instance.
    pub fn max_call_depth(&mut self, frames: usize) -> &mut Self {
        self.max_call_depth = frames.max(1);
        self
    }

    /// The size of the value stack, in 8-byte slots, before "call stack exhausted".
    pub fn max_stack_slots(&mut self, slots: usize) -> &mut Self {
        self.max_stack_slots = slots.max(1024);
        self
    }

    /// Meter execution with fuel (see `Store::set_fuel`): every Wasm operator costs 1
    /// unit, charged when its basic block starts. Modules compiled without it pay nothing.
    /// Under lazy compilation, translating a function costs one unit per four bytes of its
    /// body, plus one, charged to the instance that calls it first (once per instance, so
    /// that the fuel a run uses does not depend on other instances); running out of fuel
    /// there suspends a resumable call before the function starts.
    pub fn consume_fuel(&mut self, yes: bool) -> &mut Self {
        self.consume_fuel = yes;
        self
    }

    /// Let `Store::interrupt_handle` stop running guests at their next loop iteration or
    /// function entry. Modules compiled without it pay nothing.
    pub fn interruptible(&mut self, yes: bool) -> &mut Self {
        self.interruptible = yes;
        self
    }

    /// How many threads may validate and translate a large module's function bodies
    /// (0, the default: one per available core; 1: only the calling thread). Small
    /// modules are always compiled on the calling thread. The code is the same either way.
    pub fn compile_threads(&mut self, threads: usize) -> &mut Self {
        self.compile_threads = threads;
        self
    }

    /// Whether modules may use the relaxed-SIMD proposal (on by default). Its operators
    /// give one documented, deterministic result on every host.
    pub fn wasm_relaxed_simd(&mut self, yes: bool) -> &mut Self {
        self.feature(wasmparser::WasmFeatures::RELAXED_SIMD, yes)
    }

    /// Whether modules may use more than one memory (on by default).
    pub fn wasm_multi_memory(&mut self, yes: bool) -> &mut Self {
        self.feature(wasmparser::WasmFeatures::MULTI_MEMORY, yes)
    }

    /// Whether modules may use memories with 64-bit addresses (on by default).
    pub fn wasm_memory64(&mut self, yes: bool) -> &mut Self {
        self.feature(wasmparser::WasmFeatures::MEMORY64, yes)
    }

    /// Whether modules may use memories with custom page sizes (on by default).
    pub fn wasm_custom_page_sizes(&mut self, yes: bool) -> &mut Self {
        self.feature(wasmparser::WasmFeatures::CUSTOM_PAGE_SIZES, yes)
    }

    /// Whether modules may use typed function references (`call_ref`, `(ref $t)`,
    /// non-nullable references; on by default).
    pub fn wasm_function_references(&mut self, yes: bool) -> &mut Self {
        self.feature(wasmparser::WasmFeatures::FUNCTION_REFERENCES, yes)
    }

    /// Whether modules may use exception handling (tags, `throw`, `throw_ref`,
    /// `try_table`, `exnref`; on by default).
    pub fn wasm_exceptions(&mut self, yes: bool) -> &mut Self {
        self.feature(wasmparser::WasmFeatures::EXCEPTIONS, yes)
    }

    /// Whether modules may use garbage collection (recursive type groups, subtyping,
    /// `anyref` and its hierarchy, `i31`, structures and arrays; on by default). The store
    /// collects objects nothing reaches as its heap grows (see `Store::gc`), within
    /// `StoreLimitsBuilder::gc_heap_size`.
    pub fn wasm_gc(&mut self, yes: bool) -> &mut Self {
        self.feature(wasmparser::WasmFeatures::GC, yes)
    }

    /// When functions are translated: on their first call ([`CompilationMode::Lazy`], the
    /// default; every body is still validated when the module is compiled) or all when the
    /// module is compiled ([`CompilationMode::Eager`]). Lazy translation with fuel metering
    /// charges each function's translation, once per instance, on its first call (see
    /// [`Config::consume_fuel`]).
    ///
    /// [`CompilationMode::Lazy`]: crate::CompilationMode::Lazy
    /// [`CompilationMode::Eager`]: crate::CompilationMode::Eager
    pub fn compilation_mode(&mut self, mode: crate::CompilationMode) -> &mut Self {
        self.compilation_mode = mode;
        self
    }

    /// Under lazy compilation, whether a large module (64 KiB of function bodies or more)
    /// may translate ahead on a thread of its own: the functions that the code the guest
    /// has entered calls directly, and their callees, while the guest runs (on by default;
    /// only with more than one core, and not with `compile_threads(1)`). The guest's
    /// results, traps and fuel are the same either way; the first run of a large program
    /// spends less of its time translating. Off, only the calling thread translates, and
    /// only what it calls: the least memory and CPU time, and a deterministic amount of work
    /// (what instruction-count measurements want).
    pub fn background_translation(&mut self, yes: bool) -> &mut Self {
        self.background_translation = yes;
        self
    }

    /// Whether modules may use the wide-arithmetic proposal (on by default).
    pub fn wasm_wide_arithmetic(&mut self, yes: bool) -> &mut Self {
        self.feature(wasmparser::WasmFeatures::WIDE_ARITHMETIC, yes)
    }

    fn feature(&mut self, feature: wasmparser::WasmFeatures, yes: bool) -> &mut Self {
        self.features.set(feature, yes);
        self
    }

    /// How deeply host functions may re-enter Wasm (each level uses some native stack).
    pub fn max_host_reentry(&mut self, depth: usize) -> &mut Self {
        self.max_host_reentry = depth.max(1);
        self
    }
}

/// Shared, immutable-after-creation state: the configuration. Cheap to clone. (Types are
/// registered process-wide, so that any engine's modules agree on type identity.)
#[derive(Clone, Default)]
pub struct Engine {
    pub(crate) inner: Arc<EngineInner>,
}

#[derive(Default)]
pub(crate) struct EngineInner {
    pub config: Config,
}

impl Engine {
    /// An engine with the given configuration.
    pub fn new(config: &Config) -> Self {
        Engine {
            inner: Arc::new(EngineInner {
                config: config.clone(),
            }),
        }
    }

    pub(crate) fn config(&self) -> &Config {
        &self.inner.config
    }

    pub(crate) fn same(&self, other: &Engine) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl core::fmt::Debug for Engine {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.inner.config)
            .finish()
    }
}

//! The translated code of a module's functions, shared by every instance of the module.
//!
//! Each function's code is a buffer of its own, made either when the module is compiled
//! ([`CompilationMode::Eager`]) or when the function is first called
//! ([`CompilationMode::Lazy`], the default: a large program runs a small part of its code,
//! and a module that is loaded only to call one export translates only what that call
//! reaches).
//!
//! Lazily, a function starts as a *stub*: a single `translate` instruction (one per
//! function, in [`ModuleCode::stubs`]) that an instance's table of compiled functions
//! points at until the function is translated. Calling the stub leaves the interpreter
//! (`Control::Translate`); the embedder's loop translates the function — once per module:
//! every function's code sits in a [`OnceLock`], so a thread that finds the function being
//! translated by another waits for it and then uses its code — charges the translation's
//! fuel, points the instance's entry at the code and enters it. Validation is never lazy:
//! every body is validated when the module is compiled, so a module that compiles never
//! fails later.
//!
//! Code addresses map back to functions (for backtraces and the exception unwinder)
//! through [`ModuleCode::find`], a map from each translated function's first word.

use crate::bodies::{translate_body, Checked};
use crate::error::Error;
use crate::exec::unwind::HandlerTable;
use crate::exec::Ip;
use crate::ir::{layout, CodeBuf};
use crate::module::ModuleEnv;
use crate::runtime::CompiledFunc;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{OnceLock, RwLock};
use wasmparser::{BinaryReader, FuncValidatorAllocations, FunctionBody, WasmFeatures};

/// When a module's functions are translated (see [`Config::compilation_mode`]).
///
/// [`Config::compilation_mode`]: crate::Config::compilation_mode
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CompilationMode {
    /// Validate every function when the module is compiled, translate each on its first
    /// call (the default).
    #[default]
    Lazy,
    /// Validate and translate every function when the module is compiled.
    Eager,
}

/// One function's translated code and the shape of its frame.
pub(crate) struct FuncCode {
    /// The instructions (see `crate::ir`).
    pub words: Box<[u64]>,
    /// Where exceptions thrown in `words` are caught (word positions in `words`).
    pub handlers: HandlerTable,
    pub num_params: u32,
    /// One past the last local cell zeroed on entry (see `translate/init.rs`).
    pub zero_end: u32,
    pub frame_size: u32,
    /// Wasm operators translated.
    pub wasm_operators: usize,
    /// Where the frame holds references the collector traces (`None` if the module's
    /// values cannot be objects; see `crate::stack_maps`).
    pub stack_maps: Option<Box<crate::stack_maps::StackMaps>>,
    /// The defined functions the code calls directly, in the order of their first call
    /// site (what background translation takes up next; see the module documentation).
    pub callees: Box<[u32]>,
}

impl FuncCode {
    /// The entry the call instructions read.
    pub(crate) fn compiled(&self) -> CompiledFunc {
        let code = self.words.as_ptr();
        CompiledFunc {
            code,
            // SAFETY: `words` starts with an instruction, whose first word is its handler,
            // written by an exposing cast (`CodeBuf`).
            handler: unsafe { crate::exec::dispatch::handler_at(code) },
            num_params: self.num_params,
            zero_end: self.zero_end,
            frame_size: self.frame_size,
        }
    }

    /// The word position of `ip` in this function's code, if it is inside it.
    pub(crate) fn pos_of(&self, ip: Ip) -> Option<usize> {
        let pos = (ip as usize).wrapping_sub(self.words.as_ptr() as usize) / 8;
        (pos < self.words.len()).then_some(pos)
    }
}

/// What lazy translation needs of the function bodies once compilation is over: the code
/// section's bytes and the validator's view of the module.
pub(crate) struct LazyBodies {
    /// Bytes holding every body: the module, or the span of its bodies.
    bytes: Vec<u8>,
    /// Byte offset of `bytes[0]` in the module (error offsets are module offsets).
    base: usize,
    /// Whether `bytes` is the whole module.
    whole: bool,
    /// Each defined function's body: its range in `bytes`.
    ranges: Box<[(u32, u32)]>,
    /// What validation found that translation needs (see `crate::bodies::Notes`): then it
    /// needs no validator.
    notes: crate::bodies::Notes,
    features: WasmFeatures,
}

impl LazyBodies {
    /// Keeps what the bodies at `ranges` (byte ranges in `module`, in function order,
    /// ascending) need to be translated later: the module itself if it is handed over,
    /// else a copy of the bytes the bodies span.
    pub(crate) fn new(
        module: Cow<'_, [u8]>,
        ranges: &[core::ops::Range<u64>],
        notes: crate::bodies::Notes,
        features: WasmFeatures,
    ) -> LazyBodies {
        let whole = matches!(module, Cow::Owned(_));
        let (bytes, base) = match module {
            Cow::Owned(all) => (all, 0),
            Cow::Borrowed(all) => {
                let start = ranges.first().map_or(0, |r| r.start as usize);
                let end = ranges.last().map_or(0, |r| r.end as usize);
                (all[start..end].to_vec(), start)
            }
        };
        LazyBodies {
            bytes,
            base,
            whole,
            ranges: ranges
                .iter()
                .map(|r| {
                    let at = |x: u64| (x as usize - base) as u32;
                    (at(r.start), at(r.end))
                })
                .collect(),
            notes,
            features,
        }
    }

    fn body(&self, defined: usize) -> FunctionBody<'_> {
        let (start, end) = self.ranges[defined];
        let bytes = &self.bytes[start as usize..end as usize];
        FunctionBody::new(BinaryReader::new_features(
            bytes,
            (self.base + start as usize) as u64,
            self.features,
        ))
    }
}

/// The code of a module's functions (see the module documentation).
pub(crate) struct ModuleCode {
    /// Each defined function's code, once translated (an error only if translation of a
    /// validated body failed, which is a Baton limitation).
    funcs: Box<[OnceLock<Result<FuncCode, String>>]>,
    /// The bodies still to translate (lazy compilation only).
    lazy: Option<LazyBodies>,
    /// One `translate` instruction per defined function, `STUB_WORDS` apart (lazy
    /// compilation only).
    stubs: Box<[u64]>,
    /// First word of each translated function's code → its defined-function index.
    by_address: RwLock<BTreeMap<usize, u32>>,
    /// Functions published, and their code's and their bodies' sizes (a copy that the
    /// background translator made second is not counted; see `translate_ahead`).
    translated_funcs: AtomicUsize,
    translated_bytes: AtomicUsize,
    translated_operators: AtomicUsize,
    /// The background translator (lazy compilation of a large module only).
    pub(crate) ahead: crate::ahead::Ahead,
}

/// Words of one stub: the `translate` instruction.
const STUB_WORDS: usize = crate::ir::words::<layout::Translate>();

/// Fuel charged for translating a function lazily: one unit per this many bytes of its
/// body, plus one (translating a byte of Wasm costs far more than running one operator).
pub(crate) const TRANSLATION_BYTES_PER_FUEL: usize = 4;

impl ModuleCode {
    /// The code of a module whose `funcs` bodies are all translated (eager compilation).
    pub(crate) fn eager(funcs: Vec<FuncCode>) -> ModuleCode {
        let code = ModuleCode::with_capacity(funcs.len(), None);
        for (i, f) in funcs.into_iter().enumerate() {
            code.publish(i, f);
        }
        code
    }

    /// The code of a module whose bodies will be translated on first call, with a
    /// background translator if `background` allows one (see `crate::ahead`).
    pub(crate) fn lazy(bodies: LazyBodies, background: bool) -> ModuleCode {
        let n = bodies.ranges.len();
        let code_bytes: usize = bodies.ranges.iter().map(|&(s, e)| (e - s) as usize).sum();
        let mut code = ModuleCode::with_capacity(n, Some(bodies));
        code.ahead =
            crate::ahead::Ahead::new(background && code_bytes >= crate::ahead::MIN_CODE_BYTES, n);
        let mut stubs = CodeBuf::default();
        for func in 0..n {
            stubs.emit(
                crate::exec::ops::TRANSLATE,
                layout::Translate { func: func as u32 },
            );
        }
        code.stubs = stubs.into_words().into_boxed_slice();
        code
    }

    fn with_capacity(n: usize, lazy: Option<LazyBodies>) -> ModuleCode {
        ModuleCode {
            funcs: (0..n).map(|_| OnceLock::new()).collect(),
            lazy,
            stubs: Box::new([]),
            by_address: RwLock::new(BTreeMap::new()),
            translated_funcs: AtomicUsize::new(0),
            translated_bytes: AtomicUsize::new(0),
            translated_operators: AtomicUsize::new(0),
            ahead: crate::ahead::Ahead::new(false, 0),
        }
    }

    /// Records `f` as function `defined`'s code (which it must not have yet) and returns it.
    fn publish(&self, defined: usize, f: FuncCode) -> &FuncCode {
        let result = self.funcs[defined].get_or_init(|| Ok(f));
        let f = result.as_ref().expect("just published");
        self.note(defined, f);
        f
    }

    /// Counts `f` in the statistics and the address map.
    fn note(&self, defined: usize, f: &FuncCode) {
        self.map_address(defined, f);
        self.count(f);
    }

    /// Adds `f` to the address map (before any thread can run it: see
    /// [`ModuleCode::find`]).
    fn map_address(&self, defined: usize, f: &FuncCode) {
        // A poisoned lock only means a panic elsewhere; the map itself is always whole.
        let mut map = self.by_address.write().unwrap_or_else(|e| e.into_inner());
        map.insert(f.words.as_ptr() as usize, defined as u32);
    }

    /// Counts `f`, published, in the statistics.
    fn count(&self, f: &FuncCode) {
        self.translated_funcs.fetch_add(1, Ordering::Relaxed);
        self.translated_bytes
            .fetch_add(f.words.len() * 8, Ordering::Relaxed);
        self.translated_operators
            .fetch_add(f.wasm_operators, Ordering::Relaxed);
    }

    /// Number of defined functions.
    pub(crate) fn len(&self) -> usize {
        self.funcs.len()
    }

    /// Function `defined`'s code, translating it now if needed (waiting for another
    /// thread that is translating it, unless that is the background translator: see
    /// [`ModuleCode::translate_ahead`]).
    pub(crate) fn get(&self, env: &ModuleEnv, defined: usize) -> Result<&FuncCode, Error> {
        let result = self.funcs[defined].get_or_init(|| {
            let f = self.translate(env, defined)?;
            self.note(defined, &f);
            Ok(f)
        });
        result.as_ref().map_err(|message| Error::Unsupported {
            message: message.clone(),
            offset: 0,
        })
    }

    /// Function `defined`'s code for the background translator (`crate::ahead`): like
    /// [`ModuleCode::get`], but a thread that needs the function meanwhile never waits for
    /// this one. This one translates outside the function's cell and offers its code
    /// after; if the guest's thread got there first (it translated the function itself),
    /// this copy is dropped. `None` if the function does not translate.
    pub(crate) fn translate_ahead(&self, env: &ModuleEnv, defined: usize) -> Option<&FuncCode> {
        let cell = &self.funcs[defined];
        if cell.get().is_none() {
            let f = self.translate(env, defined).ok()?;
            // In the address map before it is published, as `get` does: once a thread can
            // run the code, `find` must know it (backtraces, the exception unwinder).
            self.map_address(defined, &f);
            self.ahead.made(defined, f.words.len() * 8);
            match cell.set(Ok(f)) {
                Ok(()) => {
                    if let Some(Ok(f)) = cell.get() {
                        self.count(f);
                    }
                }
                // (The copy offered comes back: the guest's thread published first.)
                Err(lost) => {
                    if let Ok(lost) = lost {
                        self.ahead.entered(defined, lost.words.len() * 8);
                        let mut map = self.by_address.write().unwrap_or_else(|e| e.into_inner());
                        map.remove(&(lost.words.as_ptr() as usize));
                    }
                }
            }
        }
        cell.get()?.as_ref().ok()
    }

    /// Translates function `defined` (validated when the module was compiled).
    fn translate(&self, env: &ModuleEnv, defined: usize) -> Result<FuncCode, String> {
        let lazy = self
            .lazy
            .as_ref()
            .expect("an eagerly compiled module has all its code");
        let body = lazy.body(defined);
        let range = body.range();
        let (wide, refs) = (&lazy.notes.wide, &lazy.notes.refs);
        let wide = &wide
            [wide.partition_point(|&o| o < range.start)..wide.partition_point(|&o| o < range.end)];
        let refs = &refs[refs.partition_point(|r| r.0 < range.start)
            ..refs.partition_point(|r| r.0 < range.end)];
        let checked = Checked::Valid {
            index: env.num_imported_funcs + defined as u32,
            wide,
            refs,
        };
        let mut allocs = FuncValidatorAllocations::default();
        translate_body(env, checked, &body, &mut allocs).map_err(|e| e.to_string())
    }

    /// Function `defined`'s code if it is translated already.
    pub(crate) fn get_translated(&self, defined: usize) -> Option<&FuncCode> {
        self.funcs.get(defined)?.get()?.as_ref().ok()
    }

    /// What an instance's table of compiled functions holds for function `defined` before
    /// the instance first calls it: the code if translated and `use_translated`, else the
    /// function's stub, whose frame is only its parameters (the translated function's
    /// frame is checked, and its locals zeroed, when the stub hands over to it).
    ///
    /// Code that the background translator made and no instance has entered yet is not
    /// taken either: its first entry through the stub is what releases it from the
    /// translator's budget and asks for its callees (`Ahead::request`). An instance that
    /// took it directly would run it without either, and the translator, its budget held
    /// for good, would translate nothing more for the module.
    pub(crate) fn initial_entry(
        &self,
        defined: usize,
        num_params: u32,
        use_translated: bool,
    ) -> CompiledFunc {
        match self.get_translated(defined) {
            Some(f)
                if self.lazy.is_none() || (use_translated && !self.ahead.is_unentered(defined)) =>
            {
                f.compiled()
            }
            _ => {
                let code = self.stubs[defined * STUB_WORDS..].as_ptr();
                CompiledFunc {
                    code,
                    // SAFETY: the stubs are `translate` instructions, each starting with its
                    // handler, written by an exposing cast (`CodeBuf`).
                    handler: unsafe { crate::exec::dispatch::handler_at(code) },
                    num_params,
                    zero_end: num_params,
                    frame_size: num_params,
                }
            }
        }
    }

    /// The defined function whose stub is at `ip`, if `ip` is a stub.
    pub(crate) fn stub_at(&self, ip: Ip) -> Option<usize> {
        let pos = (ip as usize).wrapping_sub(self.stubs.as_ptr() as usize) / 8;
        (pos < self.stubs.len()).then_some(pos / STUB_WORDS)
    }

    /// The translated function whose code holds `ip` (defined-function index and code).
    pub(crate) fn find(&self, ip: Ip) -> Option<(usize, &FuncCode)> {
        let defined = {
            let map = self.by_address.read().unwrap_or_else(|e| e.into_inner());
            let (_, &defined) = map.range(..=ip as usize).next_back()?;
            defined as usize
        };
        let f = self.get_translated(defined)?;
        f.pos_of(ip).map(|_| (defined, f))
    }

    /// Fuel charged for translating function `defined` lazily.
    pub(crate) fn translation_fuel(&self, defined: usize) -> u64 {
        let len = self.lazy.as_ref().map_or(0, |l| {
            let (start, end) = l.ranges[defined];
            (end - start) as usize
        });
        (len / TRANSLATION_BYTES_PER_FUEL) as u64 + 1
    }

    /// Bytes of translated code so far.
    pub(crate) fn translated_bytes(&self) -> usize {
        self.translated_bytes.load(Ordering::Relaxed)
    }

    /// The whole module's bytes, if the code keeps them (lazy, module handed over).
    pub(crate) fn module_bytes(&self) -> Option<&[u8]> {
        self.lazy
            .as_ref()
            .filter(|l| l.base == 0 && l.whole)
            .map(|l| &l.bytes[..])
    }

    /// Functions translated so far.
    pub(crate) fn translated_funcs(&self) -> usize {
        self.translated_funcs.load(Ordering::Relaxed)
    }

    /// Wasm operators translated so far.
    pub(crate) fn translated_operators(&self) -> usize {
        self.translated_operators.load(Ordering::Relaxed)
    }
}

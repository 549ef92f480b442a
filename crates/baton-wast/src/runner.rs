//! Executes the directives of one script against one Baton store.

use std::collections::HashMap;

use baton::{Engine, Error, Instance, Linker, Module, Store, Val};
use wast::token::Id;
use wast::{QuoteWat, WastDirective, WastExecute, WastInvoke, WastRet, Wat};

use crate::values::{self, show_expected, show_val};
use crate::{features, traps, Halt, Outcome};

/// A module (or instance) the script refers to, or why it is not available.
///
/// Keeping the reason lets every later directive that uses a skipped module
/// be skipped for the same root cause, and every directive that uses a
/// failed module fail with a pointer to the original failure.
#[derive(Clone)]
enum Slot<T> {
    Ready(T),
    Skipped(String),
    Failed(usize),
}

/// What encoding a wast module produced.
enum Encoded {
    Bytes(Vec<u8>),
    /// The text did not parse or resolve; message from the `wast` crate.
    TextError(String),
    Component,
}

/// The state of one script run: one store, one linker, and the modules defined so far.
pub struct ScriptRunner<'s> {
    file: &'s str,
    source: &'s str,
    engine: Engine,
    store: Store<()>,
    linker: Linker<()>,
    current: Option<Slot<Instance>>,
    instances: HashMap<String, Slot<Instance>>,
    /// `module definition`s; the unnamed one is stored under `""`.
    definitions: HashMap<String, Slot<Module>>,
    /// Names registered for modules that were skipped, with the skip reason,
    /// so that link errors naming them are skips too.
    skipped_registrations: HashMap<String, String>,
    /// Line of the directive being run, for messages.
    line: usize,
}

impl<'s> ScriptRunner<'s> {
    /// Creates a runner for the script `source` called `file`, with the `spectest` module defined.
    pub fn new(
        file: &'s str,
        source: &'s str,
        print: bool,
        config: &baton::Config,
    ) -> Result<Self, Error> {
        let engine = Engine::new(config);
        let mut store = Store::new(&engine, ());
        // Metered engines get all the fuel they can use: the scripts test semantics.
        let _ = store.set_fuel(u64::MAX);
        let mut linker = Linker::new(&engine);
        // Scripts legitimately register several modules under one name.
        linker.allow_shadowing(true);
        crate::spectest::define(&mut linker, &mut store, print)?;
        Ok(ScriptRunner {
            file,
            source,
            engine,
            store,
            linker,
            current: None,
            instances: HashMap::new(),
            definitions: HashMap::new(),
            skipped_registrations: HashMap::new(),
            line: 0,
        })
    }

    /// 1-based line of `span` in the script.
    pub fn line_of(&self, span: wast::token::Span) -> usize {
        span.linecol_in(self.source).0 + 1
    }

    /// Runs one directive and says how it went.
    pub fn run(&mut self, directive: WastDirective<'_>) -> Outcome {
        self.line = self.line_of(directive.span());
        let kind = kind_name(&directive);
        match self.dispatch(directive) {
            Ok(()) => Outcome::Passed,
            Err(Halt::Skip(reason)) => Outcome::Skipped(reason),
            Err(Halt::Fail(what)) => Outcome::Failed(self.failure(kind, &what)),
        }
    }

    /// Formats a failure so it stands on its own: `file:line: directive: what differed`.
    pub fn failure(&self, kind: &str, what: &str) -> String {
        format!("{}:{}: {kind}: {what}", self.file, self.line)
    }

    fn dispatch(&mut self, directive: WastDirective<'_>) -> Result<(), Halt> {
        match directive {
            WastDirective::Module(mut module) => {
                let name = module.name().map(|id| id.name().to_string());
                let slot = self.compile(&mut module).and_then(|m| self.instantiate(&m));
                self.set_instance(name, &slot);
                slot.map(|_| ())
            }
            WastDirective::ModuleDefinition(mut module) => {
                let name = module.name().map(|id| id.name().to_string());
                let compiled = self.compile(&mut module);
                self.definitions
                    .insert(name.unwrap_or_default(), self.slot_of(&compiled));
                compiled.map(|_| ())
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                // An instance of a skipped definition is itself skipped (and named, so
                // that directives addressing it are skipped too, not failed).
                let slot = match self.definition(module) {
                    Ok(definition) => self.instantiate(&definition),
                    Err(halt) => Err(halt),
                };
                self.set_instance(instance.map(|id| id.name().to_string()), &slot);
                slot.map(|_| ())
            }
            WastDirective::Register { name, module, .. } => self.register(name, module),
            WastDirective::Invoke(invoke) => self
                .invoke(&invoke)?
                .map(|_| ())
                .map_err(|e| Halt::Fail(format!("`{}` failed: {}", invoke.name, describe(&e)))),
            WastDirective::AssertReturn { exec, results, .. } => self.assert_return(exec, &results),
            WastDirective::AssertTrap { exec, message, .. } => self.assert_trap(exec, message),
            WastDirective::AssertExhaustion { call, message, .. } => match self.invoke(&call)? {
                Ok(values) => Err(Halt::Fail(format!(
                    "`{}` returned {} instead of exhausting the stack ({message})",
                    call.name,
                    self.show_vals(&values)
                ))),
                Err(e) if traps::is_exhaustion(&e) => Ok(()),
                Err(e) => Err(Halt::Fail(format!(
                    "expected \"{message}\", got: {}",
                    describe(&e)
                ))),
            },
            WastDirective::AssertInvalid {
                mut module,
                message,
                ..
            } => self.assert_rejected(&mut module, message),
            WastDirective::AssertMalformed {
                mut module,
                message,
                ..
            } => self.assert_rejected(&mut module, message),
            WastDirective::AssertUnlinkable {
                module, message, ..
            } => self.assert_unlinkable(module, message),
            WastDirective::AssertException { exec, .. } => self.assert_exception(exec),
            WastDirective::AssertSuspension { .. } => {
                Err(Halt::Skip("stack switching is not implemented".into()))
            }
            WastDirective::Thread(_) | WastDirective::Wait { .. } => {
                Err(Halt::Skip("threads are not implemented".into()))
            }
            WastDirective::AssertMalformedCustom { .. }
            | WastDirective::AssertInvalidCustom { .. } => Err(Halt::Skip(
                "custom-section annotations are not implemented".into(),
            )),
        }
    }

    // ---- modules -------------------------------------------------------

    /// Compiles a module a directive expects to load.
    fn compile(&mut self, module: &mut QuoteWat<'_>) -> Result<Module, Halt> {
        let bytes = match encode(module) {
            Encoded::Bytes(bytes) => bytes,
            Encoded::TextError(e) => {
                return Err(Halt::Fail(format!("module text failed to parse: {e}")))
            }
            Encoded::Component => {
                return Err(Halt::Skip("the component model is not implemented".into()))
            }
        };
        Module::from_binary(&self.engine, &bytes).map_err(|e| compile_error(e, &bytes))
    }

    /// Instantiates a compiled module a directive expects to instantiate.
    fn instantiate(&mut self, module: &Module) -> Result<Instance, Halt> {
        self.linker
            .instantiate(&mut self.store, module)
            .map_err(|e| match self.skipped_import(module) {
                Some(reason) if matches!(e, Error::Link(_)) => Halt::Skip(reason),
                _ => match e {
                    Error::Unsupported { message, .. } => Halt::Skip(unsupported(&message, None)),
                    e => Halt::Fail(format!("instantiation failed: {}", describe(&e))),
                },
            })
    }

    /// If `module` imports from a name registered by a skipped module, that module's skip reason.
    fn skipped_import(&self, module: &Module) -> Option<String> {
        module
            .imports()
            .find_map(|import| self.skipped_registrations.get(import.module()).cloned())
    }

    fn slot_of<T: Clone>(&self, result: &Result<T, Halt>) -> Slot<T> {
        match result {
            Ok(value) => Slot::Ready(value.clone()),
            Err(Halt::Skip(reason)) => Slot::Skipped(reason.clone()),
            Err(Halt::Fail(_)) => Slot::Failed(self.line),
        }
    }

    /// Makes the result of a module directive the current module (and names it).
    fn set_instance(&mut self, name: Option<String>, result: &Result<Instance, Halt>) {
        let slot = self.slot_of(result);
        if let Some(name) = name {
            self.instances.insert(name, slot.clone());
        }
        self.current = Some(slot);
    }

    fn definition(&self, name: Option<Id<'_>>) -> Result<Module, Halt> {
        let key = name.map(|id| id.name()).unwrap_or_default();
        match self.definitions.get(key) {
            Some(slot) => ready(slot, "module definition"),
            None => Err(Halt::Fail(format!("no module definition named `{key}`"))),
        }
    }

    /// The instance a directive addresses: the named one, or the current one.
    fn instance(&self, name: Option<Id<'_>>) -> Result<Instance, Halt> {
        let slot = match name {
            Some(id) => self.instances.get(id.name()).ok_or_else(|| {
                Halt::Fail(format!("no module named `{}` was defined", id.name()))
            })?,
            None => self
                .current
                .as_ref()
                .ok_or_else(|| Halt::Fail("no module has been defined yet".into()))?,
        };
        ready(slot, "module")
    }

    fn register(&mut self, as_name: &str, module: Option<Id<'_>>) -> Result<(), Halt> {
        match self.instance(module) {
            Ok(instance) => {
                self.skipped_registrations.remove(as_name);
                self.linker
                    .instance(&mut self.store, as_name, instance)
                    .map(|_| ())
                    .map_err(|e| Halt::Fail(format!("registering failed: {}", describe(&e))))
            }
            Err(Halt::Skip(reason)) => {
                self.skipped_registrations
                    .insert(as_name.to_string(), reason.clone());
                Err(Halt::Skip(reason))
            }
            Err(fail) => Err(fail),
        }
    }

    // ---- execution -----------------------------------------------------

    /// Calls an exported function. The outer `Result` is for problems before
    /// the call (skip/fail); the inner one is what the engine returned.
    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Result<Result<Vec<Val>, Error>, Halt> {
        let instance = self.instance(invoke.module)?;
        let func = instance
            .get_func(&self.store, invoke.name)
            .ok_or_else(|| Halt::Fail(format!("no exported function `{}`", invoke.name)))?;
        let ty = func.ty(&self.store);
        values::check_signature(ty.params())?;
        values::check_signature(ty.results())?;
        let args = invoke
            .args
            .iter()
            .zip(ty.params())
            .map(|(arg, &param)| values::to_val(&mut self.store, arg, param))
            .collect::<Result<Vec<_>, _>>()?;
        let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
        Ok(func
            .call(&mut self.store, &args, &mut results)
            .map(|()| results))
    }

    /// Runs the `exec` of an assertion and returns its results.
    fn execute(&mut self, exec: WastExecute<'_>) -> Result<Result<Vec<Val>, Error>, Halt> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(&invoke),
            WastExecute::Get { module, global, .. } => {
                let instance = self.instance(module)?;
                let global = instance
                    .get_global(&self.store, global)
                    .ok_or_else(|| Halt::Fail(format!("no exported global `{global}`")))?;
                Ok(Ok(vec![global.get(&self.store)]))
            }
            WastExecute::Wat(wat) => {
                let module = self.compile(&mut QuoteWat::Wat(wat))?;
                Ok(self
                    .linker
                    .instantiate(&mut self.store, &module)
                    .map(|_| Vec::new()))
            }
        }
    }

    fn assert_return(
        &mut self,
        exec: WastExecute<'_>,
        expected: &[WastRet<'_>],
    ) -> Result<(), Halt> {
        let what = exec_name(&exec);
        let actual = self.execute(exec)?.map_err(|e| {
            Halt::Fail(format!(
                "{what} was expected to return, but: {}",
                describe(&e)
            ))
        })?;
        if actual.len() != expected.len() {
            return Err(Halt::Fail(format!(
                "{what} returned {} value(s) {}, expected {}",
                actual.len(),
                self.show_vals(&actual),
                expected.len()
            )));
        }
        for (i, (actual, expected)) in actual.iter().zip(expected).enumerate() {
            if !values::matches(&self.store, actual, expected)? {
                return Err(Halt::Fail(format!(
                    "{what} result {i}: expected {}, got {}",
                    show_expected(expected),
                    show_val(&self.store, actual)
                )));
            }
        }
        Ok(())
    }

    fn assert_trap(&mut self, exec: WastExecute<'_>, message: &str) -> Result<(), Halt> {
        let what = exec_name(&exec);
        match self.execute(exec)? {
            Ok(values) => Err(Halt::Fail(format!(
                "{what} was expected to trap with \"{message}\" but returned {}",
                self.show_vals(&values)
            ))),
            Err(e) if traps::trap_matches(&e, message) => Ok(()),
            Err(e) => Err(Halt::Fail(format!(
                "{what}: expected trap \"{message}\", got: {}",
                describe(&e)
            ))),
        }
    }

    /// `assert_exception`: the call must end with an exception that nothing caught.
    fn assert_exception(&mut self, exec: WastExecute<'_>) -> Result<(), Halt> {
        let what = exec_name(&exec);
        match self.execute(exec)? {
            Ok(values) => Err(Halt::Fail(format!(
                "{what} was expected to throw but returned {}",
                self.show_vals(&values)
            ))),
            Err(Error::Exception(_)) => Ok(()),
            Err(e) => Err(Halt::Fail(format!(
                "{what}: expected an uncaught exception, got: {}",
                describe(&e)
            ))),
        }
    }

    /// `assert_invalid` / `assert_malformed`: the module must be rejected when compiled.
    ///
    /// Error texts are deliberately not compared; any parse or validation
    /// error counts. Text that the `wast` crate cannot parse counts as
    /// rejected too: that is exactly what `assert_malformed` on a quoted
    /// module tests.
    fn assert_rejected(&mut self, module: &mut QuoteWat<'_>, message: &str) -> Result<(), Halt> {
        let bytes = match encode(module) {
            Encoded::Bytes(bytes) => bytes,
            Encoded::TextError(_) => return Ok(()),
            Encoded::Component => {
                return Err(Halt::Skip("the component model is not implemented".into()))
            }
        };
        match Module::from_binary(&self.engine, &bytes) {
            Ok(_) => Err(Halt::Fail(format!(
                "module was accepted, but should be rejected with \"{message}\""
            ))),
            // Rejected because it needs a proposal outside Baton's feature set, under which
            // the reference validator finds it invalid too: the rejection the script wants
            // (a Wasm 2.0 script asserting that two memories are invalid, say).
            Err(Error::Unsupported { .. }) if features::missing_feature(&bytes).is_some() => Ok(()),
            Err(Error::Unsupported { message, .. }) => {
                Err(Halt::Skip(unsupported(&message, Some(&bytes))))
            }
            Err(Error::Parse { .. } | Error::Validation { .. }) => Ok(()),
            Err(other) => Err(Halt::Fail(format!(
                "expected a parse/validation error (\"{message}\"), got: {}",
                describe(&other)
            ))),
        }
    }

    fn assert_unlinkable(&mut self, module: Wat<'_>, message: &str) -> Result<(), Halt> {
        let module = self.compile(&mut QuoteWat::Wat(module))?;
        match self.linker.instantiate(&mut self.store, &module) {
            Ok(_) => Err(Halt::Fail(format!(
                "module linked, but should fail with \"{message}\""
            ))),
            Err(Error::Link(_) | Error::Instantiation(_)) => Ok(()),
            Err(Error::Unsupported { message, .. }) => Err(Halt::Skip(unsupported(&message, None))),
            Err(e) => Err(Halt::Fail(format!(
                "expected a link error (\"{message}\"), got: {}",
                describe(&e)
            ))),
        }
    }

    fn show_vals(&self, values: &[Val]) -> String {
        let shown: Vec<String> = values.iter().map(|v| show_val(&self.store, v)).collect();
        format!("[{}]", shown.join(", "))
    }
}

/// Encodes a wast module to binary, separating text errors and components.
fn encode(module: &mut QuoteWat<'_>) -> Encoded {
    match module {
        QuoteWat::Wat(Wat::Component(_)) | QuoteWat::QuoteComponent(..) => Encoded::Component,
        _ => match module.encode() {
            Ok(bytes) => Encoded::Bytes(bytes),
            Err(e) => Encoded::TextError(e.to_string()),
        },
    }
}

/// Classifies a compile error on a module that was expected to load.
fn compile_error(error: Error, bytes: &[u8]) -> Halt {
    if let Error::Unsupported { message, .. } = &error {
        return Halt::Skip(unsupported(message, Some(bytes)));
    }
    match features::missing_feature(bytes) {
        Some(reason) => Halt::Skip(reason),
        None => Halt::Fail(format!("module failed to compile: {}", describe(&error))),
    }
}

/// Skip reason for an `Error::Unsupported` from the engine.
///
/// Prefers the proposal-level reason from [`features::missing_feature`] (so
/// all SIMD modules share one line of the skip table, whatever operator the
/// engine tripped on first); otherwise uses the engine's message without its
/// per-function suffix, for the same reason.
fn unsupported(message: &str, bytes: Option<&[u8]>) -> String {
    if let Some(reason) = bytes.and_then(features::missing_feature) {
        return reason;
    }
    let message = match message.rfind(" (in function ") {
        Some(at) if message.ends_with(')') => &message[..at],
        _ => message,
    };
    format!("engine reports unsupported: {message}")
}

fn ready<T: Clone>(slot: &Slot<T>, what: &str) -> Result<T, Halt> {
    match slot {
        Slot::Ready(value) => Ok(value.clone()),
        Slot::Skipped(reason) => Err(Halt::Skip(reason.clone())),
        Slot::Failed(line) => Err(Halt::Fail(format!(
            "the {what} it uses (line {line}) failed to load"
        ))),
    }
}

/// An engine error with enough detail for a failure message.
fn describe(error: &Error) -> String {
    match error.as_trap() {
        Some(trap) => format!("trap: {} ({error})", trap.code()),
        None => format!("{error} [{error:?}]"),
    }
}

fn exec_name(exec: &WastExecute<'_>) -> String {
    match exec {
        WastExecute::Invoke(invoke) => format!("invoke `{}`", invoke.name),
        WastExecute::Get { global, .. } => format!("get `{global}`"),
        WastExecute::Wat(_) => "module instantiation".into(),
    }
}

/// The script keyword of a directive, for messages.
pub fn kind_name(directive: &WastDirective<'_>) -> &'static str {
    match directive {
        WastDirective::Module(_) => "module",
        WastDirective::ModuleDefinition(_) => "module definition",
        WastDirective::ModuleInstance { .. } => "module instance",
        WastDirective::AssertMalformed { .. } => "assert_malformed",
        WastDirective::AssertInvalid { .. } => "assert_invalid",
        WastDirective::Register { .. } => "register",
        WastDirective::Invoke(_) => "invoke",
        WastDirective::AssertTrap { .. } => "assert_trap",
        WastDirective::AssertReturn { .. } => "assert_return",
        WastDirective::AssertExhaustion { .. } => "assert_exhaustion",
        WastDirective::AssertUnlinkable { .. } => "assert_unlinkable",
        WastDirective::AssertException { .. } => "assert_exception",
        WastDirective::AssertSuspension { .. } => "assert_suspension",
        WastDirective::Thread(_) => "thread",
        WastDirective::Wait { .. } => "wait",
        WastDirective::AssertMalformedCustom { .. } => "assert_malformed_custom",
        WastDirective::AssertInvalidCustom { .. } => "assert_invalid_custom",
    }
}

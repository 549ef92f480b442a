//! `baton run`: run a WASI command, or call one export with `--invoke`.

use baton::{Config, Engine, Instance, Linker, Module, Store, Val};
use baton_wasi::{WasiCtx, WasiCtxBuilder};

use crate::cli::{RunArgs, RunTarget};
use crate::diagnose;
use crate::failure::CliError;
use crate::load;
use crate::output;
use crate::values::{parse_arg, show_func_type, show_val};

/// Runs the command; returns the exit status (the guest's, for WASI commands).
pub fn run(options: &RunArgs) -> Result<i32, CliError> {
    let target = options.target().map_err(CliError::Usage)?;
    let metered = options.fuel.is_some() || options.fuel_report;
    let mut config = Config::new();
    config
        .consume_fuel(metered)
        .compilation_mode(options.compile)
        .background_translation(options.background_translation);
    let engine = Engine::new(&config);
    let module = load::module(&engine, &target.file)?;
    let mut store = Store::new(&engine, wasi_context(options, &target)?);
    let budget = options.fuel.unwrap_or(u64::MAX);
    if metered {
        store
            .set_fuel(budget)
            .map_err(|e| internal(&format!("cannot set fuel: {e}")))?;
    }
    let mut linker = Linker::new(&engine);
    // WASI is always linked, so `--invoke` also works on modules that import it.
    baton_wasi::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx)
        .map_err(|e| internal(&format!("cannot set up WASI: {e}")))?;
    diagnose::check_imports(&linker, &module).map_err(|message| {
        CliError::Failed(format!("cannot run `{}`: {message}", target.file.display()))
    })?;
    let result = match &target.invoke {
        Some(name) => invoke(&mut store, &linker, &module, name, &target),
        None => run_command(&mut store, &linker, &module, &target),
    };
    if options.fuel_report {
        let left = store.get_fuel().unwrap_or(0);
        output::error_line(format_args!("fuel consumed: {}", budget - left));
    }
    // The process exits next: the system takes back the memory of the store, the module
    // and the engine at once, where dropping them would free each function's code and
    // unmap each memory first (a few milliseconds for a large program). Nothing in them
    // holds unwritten output: WASI's files are unbuffered, and the CLI flushes stdout
    // before exiting.
    std::mem::forget(store);
    std::mem::forget(linker);
    std::mem::forget(module);
    std::mem::forget(engine);
    result
}

/// Builds the guest's WASI context: argv[0] is the module path, as a shell would give.
fn wasi_context(options: &RunArgs, target: &RunTarget) -> Result<WasiCtx, CliError> {
    let mut argv = vec![target.file.display().to_string()];
    if target.invoke.is_none() {
        argv.extend(target.args.iter().cloned());
    }
    let mut builder = WasiCtxBuilder::new();
    builder.args(&argv).inherit_stdio();
    for (key, value) in &options.envs {
        let value = match value {
            Some(value) => value.clone(),
            // `--env KEY`: the host's value. A variable the host does not have is left out,
            // as wasmtime does, rather than set empty.
            None => match std::env::var(key) {
                Ok(value) => value,
                Err(std::env::VarError::NotPresent) => continue,
                Err(std::env::VarError::NotUnicode(_)) => {
                    return Err(CliError::Failed(format!(
                        "cannot pass `--env {key}`: the host's value is not valid UTF-8"
                    )))
                }
            },
        };
        builder.env(key, &value);
    }
    for (host, guest) in &options.dirs {
        builder.preopened_dir(host, guest).map_err(|e| {
            CliError::Failed(format!("cannot grant directory `{}`: {e}", host.display()))
        })?;
    }
    Ok(builder.build())
}

fn run_command(
    store: &mut Store<WasiCtx>,
    linker: &Linker<WasiCtx>,
    module: &Module,
    target: &RunTarget,
) -> Result<i32, CliError> {
    let is_program =
        diagnose::is_func_export(module, "_start") || diagnose::is_func_export(module, "");
    if !is_program && diagnose::is_func_export(module, "_initialize") {
        return initialize_only(store, linker, module, target);
    }
    if !is_program {
        return Err(CliError::Failed(format!(
            "`{}` is not a WASI command (it exports no `_start`); use --invoke NAME to call an export.\n{}{}",
            target.file.display(),
            diagnose::list_exports(module),
            options_hint(&target.args)
        )));
    }
    baton_wasi::run_command(store, linker, module).map_err(|e| {
        CliError::Failed(format!(
            "running `{}` failed: {}",
            target.file.display(),
            diagnose::runtime_error_in(&e, store, None)
        ))
    })
}

fn instantiate(
    store: &mut Store<WasiCtx>,
    linker: &Linker<WasiCtx>,
    module: &Module,
    target: &RunTarget,
) -> Result<Instance, CliError> {
    linker.instantiate(&mut *store, module).map_err(|e| {
        CliError::Failed(format!(
            "cannot instantiate `{}`: {}",
            target.file.display(),
            diagnose::runtime_error(&e)
        ))
    })
}

/// A reactor with no entry point, run without `--invoke`: initialised and left, exit status
/// 0, as Wasmtime's CLI does (its default export of such a module does nothing), with a
/// note that says so and what could be invoked.
fn initialize_only(
    store: &mut Store<WasiCtx>,
    linker: &Linker<WasiCtx>,
    module: &Module,
    target: &RunTarget,
) -> Result<i32, CliError> {
    let instance = instantiate(store, linker, module, target)?;
    if let Err(e) = initialize_reactor(store, &instance, "", target) {
        // A guest that ends its initialisation with proc_exit leaves with that status, as
        // a command would (and as under Wasmtime's CLI).
        return match e {
            Initialization::Exited(code) => Ok(code),
            Initialization::Failed(e) => Err(e),
        };
    }
    output::error_line(format_args!(
        "note: `{}` is a WASI reactor (it exports `_initialize`, no `_start`): initialised it, nothing more; use --invoke NAME to call an export.\n{}",
        target.file.display(),
        diagnose::list_exports(module)
    ));
    Ok(0)
}

fn invoke(
    store: &mut Store<WasiCtx>,
    linker: &Linker<WasiCtx>,
    module: &Module,
    name: &str,
    target: &RunTarget,
) -> Result<i32, CliError> {
    let instance = instantiate(store, linker, module, target)?;
    initialize_reactor(store, &instance, name, target).map_err(|e| match e {
        Initialization::Exited(code) => CliError::Failed(format!(
            "initialising `{}` (its `_initialize`) called proc_exit({code})",
            target.file.display()
        )),
        Initialization::Failed(e) => e,
    })?;
    let func = instance.get_func(&*store, name).ok_or_else(|| {
        CliError::Usage(format!(
            "`{}` exports no function named `{name}`; {}",
            target.file.display(),
            diagnose::list_exports(module)
        ))
    })?;
    let ty = func.ty(&*store);
    if ty.params().len() != target.args.len() {
        return Err(CliError::Usage(format!(
            "`{name}` has type {} and takes {} argument(s), but {} were given{}",
            show_func_type(&ty),
            ty.params().len(),
            target.args.len(),
            options_hint(&target.args)
        )));
    }
    let params = ty
        .params()
        .iter()
        .zip(&target.args)
        .enumerate()
        .map(|(i, (ty, text))| {
            parse_arg(*ty, text).map_err(|e| CliError::Usage(format!("argument {}: {e}", i + 1)))
        })
        .collect::<Result<Vec<Val>, _>>()?;
    let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
    func.call(&mut *store, &params, &mut results).map_err(|e| {
        // A WASI guest may legitimately end an invoked function with proc_exit.
        match e.downcast_ref::<baton_wasi::I32Exit>() {
            Some(exit) => CliError::Failed(format!("`{name}` called proc_exit({})", exit.0)),
            None => CliError::Failed(format!(
                "calling `{name}` failed: {}",
                diagnose::runtime_error_in(&e, store, Some(instance))
            )),
        }
    })?;
    for value in &results {
        output::line(format_args!("{}", show_val(&*store, value)))?;
    }
    Ok(0)
}

/// A WASI reactor (a module exporting `_initialize`) must be initialised before any other
/// export is called: its C runtime's constructors, a Go or Rust runtime's set-up. As
/// Wasmtime does, `--invoke` calls it first (unless it is the function invoked).
/// Why a reactor's `_initialize` did not return.
enum Initialization {
    /// It called proc_exit with this status.
    Exited(i32),
    /// It trapped, or failed otherwise.
    Failed(CliError),
}

fn initialize_reactor(
    store: &mut Store<WasiCtx>,
    instance: &Instance,
    invoked: &str,
    target: &RunTarget,
) -> Result<(), Initialization> {
    const INIT: &str = "_initialize";
    let Some(init) = instance.get_func(&*store, INIT).filter(|_| invoked != INIT) else {
        return Ok(());
    };
    let ty = init.ty(&*store);
    if !ty.params().is_empty() || !ty.results().is_empty() {
        // (Not the reactor entry point the ABI describes: left to the user.)
        return Ok(());
    }
    init.call(&mut *store, &[], &mut []).map_err(|e| {
        match e.downcast_ref::<baton_wasi::I32Exit>() {
            Some(exit) => Initialization::Exited(exit.0),
            None => Initialization::Failed(CliError::Failed(format!(
                "initialising `{}` (its `{INIT}`) failed: {}",
                target.file.display(),
                diagnose::runtime_error_in(&e, store, Some(*instance))
            ))),
        }
    })
}

/// Baton's own `run` options, for [`options_hint`].
const RUN_OPTIONS: [&str; 5] = ["--dir", "--env", "--invoke", "--fuel", "--fuel-report"];

/// A reminder, when the arguments after the module include one of Baton's options, that
/// those go before the module: until this version they were accepted anywhere.
fn options_hint(args: &[String]) -> String {
    let misplaced = args.iter().find(|arg| {
        let name = arg.split_once('=').map_or(arg.as_str(), |(name, _)| name);
        RUN_OPTIONS.contains(&name)
    });
    match misplaced {
        Some(option) => format!(
            "\nnote: `{option}` came after the module path, where every word is an argument; \
             Baton's own options go before the module path"
        ),
        None => String::new(),
    }
}

fn internal(message: &str) -> CliError {
    CliError::Failed(format!("internal error: {message}"))
}

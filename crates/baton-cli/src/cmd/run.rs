//! `baton run`: run a WASI command, or call one export with `--invoke`.

use baton::{Config, Engine, Instance, Linker, Module, Store, Val};
use baton_wasi::{WasiCtx, WasiCtxBuilder};

use crate::cli::RunArgs;
use crate::diagnose;
use crate::failure::CliError;
use crate::load;
use crate::values::{parse_arg, show_func_type, show_val};

/// Runs the command; returns the exit status (the guest's, for WASI commands).
pub fn run(args: &RunArgs) -> Result<i32, CliError> {
    let metered = args.fuel.is_some() || args.fuel_report;
    let mut config = Config::new();
    config.consume_fuel(metered);
    let engine = Engine::new(&config);
    let module = load::module(&engine, &args.file)?;
    let mut store = Store::new(&engine, wasi_context(args)?);
    let budget = args.fuel.unwrap_or(u64::MAX);
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
        CliError::Failed(format!("cannot run `{}`: {message}", args.file.display()))
    })?;
    let result = match &args.invoke {
        Some(name) => invoke(&mut store, &linker, &module, name, args),
        None => run_command(&mut store, &linker, &module, args),
    };
    if args.fuel_report {
        let left = store.get_fuel().unwrap_or(0);
        eprintln!("fuel consumed: {}", budget - left);
    }
    result
}

/// Builds the guest's WASI context: argv[0] is the module path, as a shell would give.
fn wasi_context(args: &RunArgs) -> Result<WasiCtx, CliError> {
    let mut argv = vec![args.file.display().to_string()];
    if args.invoke.is_none() {
        argv.extend(args.args.iter().cloned());
    }
    let mut builder = WasiCtxBuilder::new();
    builder.args(&argv).inherit_stdio();
    for (key, value) in &args.envs {
        builder.env(key, value);
    }
    for (host, guest) in &args.dirs {
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
    args: &RunArgs,
) -> Result<i32, CliError> {
    if !diagnose::is_func_export(module, "_start") {
        return Err(CliError::Failed(format!(
            "`{}` is not a WASI command (it exports no `_start`); use --invoke NAME to call an export.\n{}",
            args.file.display(),
            diagnose::list_exports(module)
        )));
    }
    baton_wasi::run_command(store, linker, module).map_err(|e| {
        CliError::Failed(format!(
            "running `{}` failed: {}",
            args.file.display(),
            diagnose::runtime_error(&e, Some(module))
        ))
    })
}

fn invoke(
    store: &mut Store<WasiCtx>,
    linker: &Linker<WasiCtx>,
    module: &Module,
    name: &str,
    args: &RunArgs,
) -> Result<i32, CliError> {
    let instance: Instance = linker.instantiate(&mut *store, module).map_err(|e| {
        CliError::Failed(format!(
            "cannot instantiate `{}`: {}",
            args.file.display(),
            diagnose::runtime_error(&e, Some(module))
        ))
    })?;
    let func = instance.get_func(&*store, name).ok_or_else(|| {
        CliError::Usage(format!(
            "`{}` exports no function named `{name}`; {}",
            args.file.display(),
            diagnose::list_exports(module)
        ))
    })?;
    let ty = func.ty(&*store);
    if ty.params().len() != args.args.len() {
        return Err(CliError::Usage(format!(
            "`{name}` has type {} and takes {} argument(s), but {} were given",
            show_func_type(&ty),
            ty.params().len(),
            args.args.len()
        )));
    }
    let params = ty
        .params()
        .iter()
        .zip(&args.args)
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
                diagnose::runtime_error(&e, Some(module))
            )),
        }
    })?;
    for value in &results {
        println!("{}", show_val(value));
    }
    Ok(0)
}

fn internal(message: &str) -> CliError {
    CliError::Failed(format!("internal error: {message}"))
}

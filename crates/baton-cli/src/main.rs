//! `baton`: the command line of the Baton WebAssembly interpreter.
//!
//! Subcommands: `run` (WASI commands or `--invoke` of one export), `wast`
//! (spec scripts), `validate` and `inspect`. See `baton --help`.

mod cli;
mod cmd;
mod diagnose;
mod failure;
mod load;
mod output;
mod values;

use std::io::Write;

use clap::Parser;

use cli::{Cli, Command};
use failure::{EXIT_FAILURE, EXIT_INTERNAL};

/// Native stack for the thread that runs the guest: generous, so deep wasm
/// recursion ends in a wasm "call stack exhausted" trap rather than a host
/// stack overflow.
const STACK_SIZE: usize = 64 << 20;

fn main() {
    install_panic_hook();
    // clap prints usage errors itself and exits with status 2 (0 for --help).
    let cli = Cli::parse_from(cli::with_implied_run(std::env::args_os().collect()));
    let worker = std::thread::Builder::new()
        .name("baton".into())
        .stack_size(STACK_SIZE)
        .spawn(move || dispatch(&cli));
    let code = match worker.map(|handle| handle.join()) {
        Ok(Ok(code)) => code,
        // The panic hook has already reported (and normally exited).
        Ok(Err(_)) => EXIT_INTERNAL,
        Err(e) => {
            output::error_line(format_args!(
                "error: cannot start the interpreter thread: {e}"
            ));
            EXIT_INTERNAL
        }
    };
    // process::exit skips destructors, so flush what the guest printed.
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}

/// Runs the chosen subcommand and turns its outcome into an exit status.
fn dispatch(cli: &Cli) -> i32 {
    // Lets the integration tests prove the panic hook works; not for users.
    if std::env::var_os("BATON_INTERNAL_TEST_PANIC").is_some() {
        panic!("panic requested by BATON_INTERNAL_TEST_PANIC");
    }
    let result = match &cli.command {
        Command::Run(args) => cmd::run::run(args),
        Command::Wast(args) => cmd::wast::run(args),
        Command::Validate(args) => cmd::validate::run(args),
        Command::Inspect(args) => cmd::inspect::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            let _ = std::io::stdout().flush();
            output::error_line(format_args!("error: {error}"));
            error.exit_code()
        }
    }
}

/// Replaces Rust's panic output with an internal-error message and exit status 70.
///
/// A panic is always a bug in baton (or the engine), never the user's fault;
/// the raw panic text is only shown when `BATON_DEBUG` is set, to keep it
/// out of normal output while still allowing a useful bug report.
///
/// The one exception is `println!` finding stdout (or stderr) closed, in code that does not
/// write through [`output`] (`spectest.print` in `baton wast --print`): the reader
/// left, so the run ends quietly, with status 1 because it was cut short.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        if info
            .payload_as_str()
            .is_some_and(output::is_closed_pipe_panic)
        {
            std::process::exit(EXIT_FAILURE);
        }
        let _ = std::io::stdout().flush();
        // Not `eprintln!`: with stderr closed too it would panic inside the hook,
        // and a panic while panicking aborts the process (status 134).
        output::error_line(format_args!(
            "error: internal error in baton; this is a bug, please report it"
        ));
        if std::env::var_os("BATON_DEBUG").is_some() {
            output::error_line(format_args!("details: {info}"));
        } else {
            output::error_line(format_args!("(set BATON_DEBUG=1 for details)"));
        }
        std::process::exit(EXIT_INTERNAL);
    }));
}

//! Command-line syntax: the clap definitions and their help texts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  baton run hello.wasm                         run a WASI command
  baton run app.wasm --dir data::/data -- -v   grant a directory; guest flags go after --
  baton run examples/fib.wat --invoke fib 30   call an export and print its results
  baton wast tests/*.wast                      run spec scripts
  baton validate module.wasm                   check a module without running it
  baton inspect module.wasm                    list imports, exports and code statistics

Exit status: 0 success, 1 failure (invalid module, trap, failed script),
2 usage error, 70 internal error; `run` of a WASI command exits with the
guest's exit code.";

const RUN_EXAMPLES: &str = "\
Examples:
  baton run hello.wasm
  baton run app.wasm --env HOME=/ --dir .::/ -- input.txt --verbose
  baton run examples/fib.wat --invoke fib 30
  baton run math.wasm --invoke add -- -1 0x10

Arguments to --invoke are parsed by the export's parameter types:
integers in decimal or 0x-hex (signed or unsigned range), floats in decimal,
inf or nan (0x-hex gives the raw IEEE bits), `null` for references.
Each result is printed on its own line.";

/// `baton`: run, validate and inspect WebAssembly modules with the Baton interpreter.
#[derive(Debug, Parser)]
#[command(name = "baton", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a WASI command, or call one exported function with --invoke.
    #[command(after_help = RUN_EXAMPLES)]
    Run(RunArgs),
    /// Run WebAssembly spec scripts (.wast) and report pass/fail/skip counts per file.
    Wast(WastArgs),
    /// Check that a module (.wasm or .wat) is valid, without running it.
    Validate(FileArg),
    /// Show a module's imports, exports and code statistics, or Baton's translated code.
    Inspect(InspectArgs),
}

/// Arguments of `baton run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Grant the guest a host directory, visible as GUEST (default: the same path).
    #[arg(long = "dir", value_name = "HOST[::GUEST]", value_parser = parse_dir)]
    pub dirs: Vec<(PathBuf, String)>,
    /// Set an environment variable for the guest.
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = parse_env)]
    pub envs: Vec<(String, String)>,
    /// Call this exported function instead of running the module as a WASI command.
    #[arg(long, value_name = "NAME")]
    pub invoke: Option<String>,
    /// Run with a budget of N fuel units (one per Wasm operator); the guest traps with
    /// "all fuel consumed" when it runs out.
    #[arg(long, value_name = "N")]
    pub fuel: Option<u64>,
    /// Print the fuel the guest consumed to stderr when it stops (implies metering).
    #[arg(long)]
    pub fuel_report: bool,
    /// The module to run (.wasm binary or .wat text).
    #[arg(value_name = "FILE.wasm|FILE.wat")]
    pub file: PathBuf,
    /// Arguments: for --invoke the function's parameters, otherwise the guest's argv.
    #[arg(value_name = "ARGS", allow_negative_numbers = true)]
    pub args: Vec<String>,
}

/// Arguments of `baton wast`.
#[derive(Debug, Args)]
pub struct WastArgs {
    /// Script files to run.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Let spectest.print* functions write to stdout.
    #[arg(long)]
    pub print: bool,
}

/// Arguments of `baton inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The module (.wasm binary or .wat text).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Print Baton's translated code of a function instead of the summary: an export name,
    /// a name from the name section, or a function index (imports count).
    #[arg(long, value_name = "FUNC")]
    pub disassemble: Option<String>,
    /// Translate as `run --fuel` does (with fuel metering), to see metered code.
    #[arg(long)]
    pub metered: bool,
}

/// A single module file argument.
#[derive(Debug, Args)]
pub struct FileArg {
    /// The module (.wasm binary or .wat text).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// Parses `HOST[::GUEST]`; `::` rather than `:` so Windows drive letters survive.
fn parse_dir(text: &str) -> Result<(PathBuf, String), String> {
    let (host, guest) = match text.split_once("::") {
        Some((host, guest)) => (host, guest),
        None => (text, text),
    };
    if host.is_empty() || guest.is_empty() {
        return Err(format!("expected HOST or HOST::GUEST, got `{text}`"));
    }
    Ok((PathBuf::from(host), guest.to_string()))
}

/// Parses `KEY=VALUE` (the value may itself contain `=`).
fn parse_env(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("expected KEY=VALUE, got `{text}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn dir_and_env_syntax() {
        assert_eq!(
            parse_dir("a::/b").unwrap(),
            (PathBuf::from("a"), "/b".into())
        );
        assert_eq!(parse_dir("a").unwrap(), (PathBuf::from("a"), "a".into()));
        assert!(parse_dir("::x").is_err());
        assert_eq!(parse_env("K=a=b").unwrap(), ("K".into(), "a=b".into()));
        assert!(parse_env("K").is_err());
    }
}

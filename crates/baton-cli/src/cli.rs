//! Command-line syntax: the clap definitions and their help texts.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  baton run hello.wasm                         run a WASI command
  baton hello.wasm                             the same: `run` may be left out
  baton run --dir data::/data app.wasm -v      grant a directory; the rest is the guest's
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
  baton run --env HOME=/ --dir .::/ app.wasm input.txt --verbose
  baton run examples/fib.wat --invoke fib 30
  baton run --invoke add math.wasm -1 -0x10

Baton's options go before the module path; everything after it is the
guest's, dashes included, as with wasmtime and wasmi. Two exceptions:
`--invoke NAME` directly after the module is still Baton's, and one `--`
directly after the module (or after that --invoke NAME) is dropped, so
`baton run app.wasm -- --invoke` passes `--invoke` to the guest. Any later
`--` reaches the guest.

Arguments to --invoke are parsed by the export's parameter types:
integers in decimal or 0x-hex (signed or unsigned range), floats in decimal,
inf or nan (0x-hex gives the raw IEEE bits), `null` for references.
Each result is printed on its own line. A WASI reactor (a module that
exports `_initialize`) is initialised first, as the WASI ABI asks.

Without --invoke, the entry point is `_start` (a WASI command) or, failing
that, the default export `\"\"` (run after `_initialize`), as with wasmtime.
A reactor with neither is initialised and left, exit status 0, with a note
(or the guest's status, if its `_initialize` calls proc_exit).";

/// The subcommands' names and the options `baton` itself takes: a command line whose first
/// argument is none of these is a `run` without its name (see [`with_implied_run`]).
const NOT_A_RUN: &[&str] = &[
    "run",
    "wast",
    "validate",
    "inspect",
    "help",
    "-h",
    "--help",
    "-V",
    "--version",
];

/// The command line with `run` put in when it was left out: `baton app.wasm args...` and
/// `baton --dir . app.wasm` run the module, as `wasmtime app.wasm` does and as wasmi's
/// command line (which has no subcommands) takes it.
///
/// `run` is implied when the first argument is an option other than `baton`'s own, a file
/// that exists, or a name ending in `.wasm` or `.wat` (a missing module is then reported
/// as a file that cannot be read). Anything else, a subcommand's name or a mistyped one,
/// is left to the usual parsing, so `baton frobnicate` stays a usage error.
pub fn with_implied_run(mut args: Vec<OsString>) -> Vec<OsString> {
    let implied = args.get(1).is_some_and(|first| {
        if NOT_A_RUN.iter().any(|name| first == *name) {
            return false;
        }
        let path = std::path::Path::new(first);
        first.as_encoded_bytes().starts_with(b"-")
            || path.is_file()
            || path
                .extension()
                .is_some_and(|ext| ext == "wasm" || ext == "wat")
    });
    if implied {
        args.insert(1, OsString::from("run"));
    }
    args
}

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
    /// Set an environment variable for the guest; `KEY` alone passes the host's value (none
    /// if the host has no such variable), as with wasmtime.
    #[arg(long = "env", value_name = "KEY[=VALUE]", value_parser = parse_env)]
    pub envs: Vec<(String, Option<String>)>,
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
    /// When to translate functions: `lazy` (on first call, the default) or `eager` (all
    /// before the program starts). Every function is validated before it starts either way.
    #[arg(long, value_name = "WHEN", default_value = "lazy", value_parser = parse_compile)]
    pub compile: baton::CompilationMode,
    /// Whether a large module may translate the functions the program is about to call
    /// on a second core while it runs (`true`, the default, or `false`; see
    /// `Config::background_translation`).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub background_translation: bool,
    /// The module to run (.wasm binary or .wat text), then its arguments: for --invoke the
    /// function's parameters, otherwise the guest's argv (see below).
    // One positional that swallows everything from the module path on (`trailing_var_arg`),
    // as wasmtime's `run` does: with a separate ARGS positional clap would still
    // take Baton's own options from between the module and the guest's arguments, and
    // `-voice` would fail as an unknown `-v`. Unknown options *before* the module remain
    // usage errors because the positional does not allow hyphen values.
    #[arg(
        value_names = ["FILE.wasm|FILE.wat", "ARGS"],
        required = true,
        num_args = 1..,
        trailing_var_arg = true
    )]
    pub module_and_args: Vec<OsString>,
}

/// `--compile`'s value.
fn parse_compile(s: &str) -> Result<baton::CompilationMode, String> {
    match s {
        "lazy" => Ok(baton::CompilationMode::Lazy),
        "eager" => Ok(baton::CompilationMode::Eager),
        other => Err(format!("`{other}` is neither `lazy` nor `eager`")),
    }
}

/// What `baton run` is to do, once the command line is split between Baton and the guest.
#[derive(Debug, PartialEq, Eq)]
pub struct RunTarget {
    /// The module file.
    pub file: PathBuf,
    /// The export to call, if not running the module as a WASI command.
    pub invoke: Option<String>,
    /// The guest's argv (without argv[0]) or --invoke's parameters.
    pub args: Vec<String>,
}

impl RunArgs {
    /// Splits the words from the module path on into the module, an `--invoke NAME` that
    /// directly follows it, and the guest's arguments (see `baton run --help`).
    pub fn target(&self) -> Result<RunTarget, String> {
        // clap guarantees the module path (`required`, `num_args = 1..`).
        let (file, rest) = self
            .module_and_args
            .split_first()
            .ok_or("no module given")?;
        let mut rest: &[OsString] = rest;
        let mut invoke = self.invoke.clone();
        // `baton run m.wat --invoke fib 30` is how the README and earlier versions spell
        // it, and a guest whose first argument is `--invoke` can still get it after `--`.
        if invoke.is_none() {
            if let Some(first) = rest.first().and_then(|word| word.to_str()) {
                if first == "--invoke" {
                    let name = rest.get(1).ok_or("--invoke needs a function NAME")?;
                    invoke = Some(utf8(name)?);
                    rest = &rest[2..];
                } else if let Some(name) = first.strip_prefix("--invoke=") {
                    invoke = Some(name.to_string());
                    rest = &rest[1..];
                }
            }
        }
        // Only the first `--`: it separated Baton's options from the guest's arguments in
        // earlier versions, so scripts keep working; a later one is the guest's own.
        if rest.first().is_some_and(|word| word == "--") {
            rest = &rest[1..];
        }
        Ok(RunTarget {
            file: PathBuf::from(file),
            invoke,
            args: rest.iter().map(utf8).collect::<Result<_, _>>()?,
        })
    }
}

/// WASI arguments and --invoke's values are strings; a word that is not UTF-8 cannot be one.
fn utf8(word: &OsString) -> Result<String, String> {
    word.to_str()
        .map(String::from)
        .ok_or_else(|| format!("argument `{}` is not valid UTF-8", word.to_string_lossy()))
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

/// Parses `KEY=VALUE` (the value may itself contain `=`), or `KEY` alone: the host's value,
/// looked up when the guest's environment is built.
fn parse_env(text: &str) -> Result<(String, Option<String>), String> {
    let (key, value) = match text.split_once('=') {
        Some((key, value)) => (key, Some(value.to_string())),
        None => (text, None),
    };
    if key.is_empty() {
        return Err(format!("expected KEY or KEY=VALUE, got `{text}`"));
    }
    Ok((key.to_string(), value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// Parses `baton run WORDS...` and splits it as `baton run` does.
    fn run_target(words: &[&str]) -> Result<RunTarget, String> {
        let cli =
            Cli::try_parse_from(["baton", "run"].iter().chain(words)).map_err(|e| e.to_string())?;
        let Command::Run(args) = cli.command else {
            unreachable!("parsed `run`")
        };
        args.target()
    }

    fn target(file: &str, invoke: Option<&str>, args: &[&str]) -> RunTarget {
        RunTarget {
            file: PathBuf::from(file),
            invoke: invoke.map(String::from),
            args: args.iter().map(|a| a.to_string()).collect(),
        }
    }

    #[test]
    fn everything_after_the_module_is_the_guests() {
        assert_eq!(
            run_target(&["m.wasm", "-voice", "slt", "--dir", "x", "-f"]),
            Ok(target(
                "m.wasm",
                None,
                &["-voice", "slt", "--dir", "x", "-f"]
            ))
        );
        // Baton's options before the module still count.
        let parsed =
            Cli::try_parse_from(["baton", "run", "--dir", ".", "--fuel", "9", "m.wasm"]).unwrap();
        let Command::Run(args) = parsed.command else {
            unreachable!()
        };
        assert_eq!((args.dirs.len(), args.fuel), (1, Some(9)));
        // ... and unknown ones there are usage errors, not module paths.
        assert!(run_target(&["--fule", "9", "m.wasm"]).is_err());
    }

    #[test]
    fn only_the_first_double_dash_is_dropped() {
        assert_eq!(
            run_target(&["m.wasm", "--", "-x", "--", "y"]),
            Ok(target("m.wasm", None, &["-x", "--", "y"]))
        );
        assert_eq!(
            run_target(&["m.wasm", "x", "--"]),
            Ok(target("m.wasm", None, &["x", "--"]))
        );
        assert_eq!(
            run_target(&["m.wasm", "--", "--invoke", "f"]),
            Ok(target("m.wasm", None, &["--invoke", "f"]))
        );
    }

    #[test]
    fn invoke_before_or_directly_after_the_module() {
        let fib = || Ok(target("fib.wat", Some("fib"), &["-5"]));
        assert_eq!(run_target(&["--invoke", "fib", "fib.wat", "-5"]), fib());
        assert_eq!(run_target(&["fib.wat", "--invoke", "fib", "-5"]), fib());
        assert_eq!(run_target(&["fib.wat", "--invoke=fib", "--", "-5"]), fib());
        assert!(run_target(&["fib.wat", "--invoke"]).is_err());
        // Not directly after the module: the guest's.
        assert_eq!(
            run_target(&["m.wasm", "a", "--invoke", "f"]),
            Ok(target("m.wasm", None, &["a", "--invoke", "f"]))
        );
    }

    #[test]
    fn run_is_implied_when_left_out() {
        let line = |words: &[&str]| -> Vec<OsString> { words.iter().map(OsString::from).collect() };
        assert_eq!(
            with_implied_run(line(&["baton", "app.wasm", "-x"])),
            line(&["baton", "run", "app.wasm", "-x"])
        );
        assert_eq!(
            with_implied_run(line(&["baton", "--dir", ".", "app.wasm"])),
            line(&["baton", "run", "--dir", ".", "app.wasm"])
        );
        assert_eq!(
            with_implied_run(line(&["baton", "missing.wat"])),
            line(&["baton", "run", "missing.wat"])
        );
        for kept in [
            &["baton"][..],
            &["baton", "frobnicate"],
            &["baton", "run", "app.wasm"],
            &["baton", "inspect", "app.wasm"],
            &["baton", "--version"],
            &["baton", "help", "run"],
        ] {
            assert_eq!(with_implied_run(line(kept)), line(kept));
        }
        // What clap makes of the completed line: a run of the module, its arguments the
        // guest's.
        let cli = Cli::try_parse_from(with_implied_run(line(&["baton", "app.wasm", "--help"])))
            .expect("a run");
        assert!(matches!(cli.command, Command::Run(_)));
    }

    #[test]
    fn dir_and_env_syntax() {
        assert_eq!(
            parse_dir("a::/b").unwrap(),
            (PathBuf::from("a"), "/b".into())
        );
        assert_eq!(parse_dir("a").unwrap(), (PathBuf::from("a"), "a".into()));
        assert!(parse_dir("::x").is_err());
        assert_eq!(
            parse_env("K=a=b").unwrap(),
            ("K".into(), Some("a=b".into()))
        );
        assert_eq!(parse_env("K=").unwrap(), ("K".into(), Some(String::new())));
        // `KEY` alone: the host's value, looked up later.
        assert_eq!(parse_env("K").unwrap(), ("K".into(), None));
        assert!(parse_env("=v").is_err());
        assert!(parse_env("").is_err());
    }
}

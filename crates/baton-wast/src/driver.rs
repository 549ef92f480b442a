//! Drives scripts: parsing, per-directive panic isolation, big-stack threads
//! and running many files in parallel.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::runner::{kind_name, ScriptRunner};
use crate::{FileReport, Outcome, WastReport};

/// Knobs for running scripts.
#[derive(Debug, Clone)]
pub struct WastOptions {
    /// Let `spectest.print*` write to stdout (the reference interpreter does; tests prefer quiet).
    pub print: bool,
    /// Native stack size of the thread each script runs on, in bytes.
    ///
    /// Generous by default so that an engine that recurses natively on deep
    /// wasm call chains (`assert_exhaustion`) reports a trap instead of
    /// overflowing the host stack and aborting the whole process.
    pub stack_size: usize,
    /// How many scripts to run at once; `0` means "one per available core".
    pub threads: usize,
    /// Print `file:line: directive` to stderr before running each directive,
    /// so an engine hang or abort can be pinned to the directive that caused it.
    pub trace: bool,
    /// Engine configuration the scripts run with (e.g. fuel metering switched on, to
    /// check that metered code computes the same results).
    pub config: baton::Config,
}

impl Default for WastOptions {
    fn default() -> Self {
        WastOptions {
            print: false,
            stack_size: 64 << 20,
            threads: 0,
            trace: false,
            config: baton::Config::default(),
        }
    }
}

/// Runs one script on the current thread.
///
/// Panics raised while a directive runs are caught and recorded as failures
/// of that directive (the engine must never panic, so each one is a bug).
pub fn run_script(name: &str, source: &str, options: &WastOptions) -> FileReport {
    let mut report = FileReport::new(name);
    let mut lexer = wast::lexer::Lexer::new(source);
    // Some spec files (e.g. names.wast) deliberately contain confusable characters.
    lexer.allow_confusing_unicode(true);
    let buffer = match wast::parser::ParseBuffer::new_with_lexer(lexer) {
        Ok(buffer) => buffer,
        Err(e) => {
            report.record(
                0,
                Outcome::Failed(format!("{name}: wast lexing failed: {e}")),
            );
            return report;
        }
    };
    let script = match wast::parser::parse::<wast::Wast<'_>>(&buffer) {
        Ok(script) => script,
        Err(mut e) => {
            e.set_text(source);
            e.set_path(std::path::Path::new(name));
            let line = e.span().linecol_in(source).0 + 1;
            report.record(
                line,
                Outcome::Failed(format!("{name}:{line}: wast parsing failed: {e}")),
            );
            return report;
        }
    };
    let mut runner = match ScriptRunner::new(name, source, options.print, &options.config) {
        Ok(runner) => runner,
        Err(e) => {
            let message = format!("{name}: could not set up the spectest module: {e}");
            report.record(0, Outcome::Failed(message));
            return report;
        }
    };
    for directive in script.directives {
        let line = runner.line_of(directive.span());
        let kind = kind_name(&directive);
        if options.trace {
            eprintln!("{name}:{line}: {kind}");
        }
        let outcome =
            catch_unwind(AssertUnwindSafe(|| runner.run(directive))).unwrap_or_else(|payload| {
                let message = panic_message(payload.as_ref());
                Outcome::Failed(format!("{name}:{line}: {kind}: engine panicked: {message}"))
            });
        report.record(line, outcome);
    }
    report
}

/// Runs one script on a fresh thread with a [`WastOptions::stack_size`] stack.
pub fn run_script_on_big_stack(name: &str, source: &str, options: &WastOptions) -> FileReport {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name(format!("wast {name}"))
            .stack_size(options.stack_size)
            .spawn_scoped(scope, || run_script(name, source, options))
            .expect("spawning a wast thread");
        join(handle, name)
    })
}

/// Runs many scripts, in parallel, each on a big-stack thread, and
/// aggregates the results in the order the scripts were given.
pub fn run_scripts<N, S>(scripts: &[(N, S)], options: &WastOptions) -> WastReport
where
    N: AsRef<str> + Sync,
    S: AsRef<str> + Sync,
{
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(scripts.len())
    .max(1);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<FileReport>>> = Mutex::new(vec![None; scripts.len()]);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|i| {
                let worker = || loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some((name, source)) = scripts.get(index) else {
                        break;
                    };
                    let report = run_script(name.as_ref(), source.as_ref(), options);
                    results.lock().unwrap_or_else(|e| e.into_inner())[index] = Some(report);
                };
                std::thread::Builder::new()
                    .name(format!("wast worker {i}"))
                    .stack_size(options.stack_size)
                    .spawn_scoped(scope, worker)
                    .expect("spawning a wast worker")
            })
            .collect();
        for worker in workers {
            // Directive panics are caught inside; a worker can only die from a
            // runner bug, and then its file shows up as missing below.
            let _ = worker.join();
        }
    });
    let mut report = WastReport::default();
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    for (result, (name, _)) in results.into_iter().zip(scripts) {
        report.add_file(result.unwrap_or_else(|| {
            let mut lost = FileReport::new(name.as_ref());
            lost.record(
                0,
                Outcome::Failed(format!("{}: the runner thread died", name.as_ref())),
            );
            lost
        }));
    }
    report
}

fn join(handle: std::thread::ScopedJoinHandle<'_, FileReport>, name: &str) -> FileReport {
    handle.join().unwrap_or_else(|payload| {
        let mut report = FileReport::new(name);
        let message = panic_message(payload.as_ref());
        report.record(
            0,
            Outcome::Failed(format!("{name}: runner panicked: {message}")),
        );
        report
    })
}

/// The text of a panic payload (panics carry `&str` or `String` in practice).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_string()
    }
}

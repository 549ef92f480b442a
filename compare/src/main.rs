//! `baton-compare`: runs Baton's benchmark workloads on Baton and its peers
//! in one process and prints a markdown table.
//!
//! ```text
//! cargo run --release --manifest-path compare/Cargo.toml -- [--quick] [--samples N]
//!     [--filter SUBSTRING] [--engines Baton,wasmi,...]
//! cargo run --release --manifest-path compare/Cargo.toml -- --real   # real WASI programs
//! ```
//!
//! All engines run inside one binary on purpose: code layout alone moves wall
//! time by up to ~30% between builds, so comparing numbers from different
//! binaries is noisier than the differences being measured.
//!
//! Every engine's checksum is compared with the baseline's (and with the one
//! recorded in `workloads.txt`); any disagreement makes the exit status 1.

mod engines;
mod real;
// The generator of the synthetic translation module is shared with the
// criterion benchmarks (this crate cannot depend on baton-bench: that would
// pull the main workspace's lockfile out from under it).
#[path = "../../crates/baton-bench/src/synth.rs"]
mod synth;
mod workloads;

use std::cell::RefCell;
use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use engines::{EngineDef, Runner};

struct Options {
    quick: bool,
    translate: bool,
    real: bool,
    samples: usize,
    filter: Option<String>,
    engines: Option<Vec<String>>,
}

fn parse_args() -> Result<Options> {
    let mut opts = Options {
        quick: false,
        translate: false,
        real: false,
        samples: 0,
        filter: None,
        engines: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => opts.quick = true,
            "--translate" => opts.translate = true,
            "--real" => opts.real = true,
            "--samples" => {
                opts.samples = args
                    .next()
                    .context("--samples N")?
                    .parse()
                    .context("--samples N")?
            }
            "--filter" => opts.filter = Some(args.next().context("--filter SUBSTRING")?),
            "--engines" => {
                let list = args.next().context("--engines A,B")?;
                opts.engines = Some(list.split(',').map(|s| s.trim().to_lowercase()).collect());
            }
            // `cargo bench`-style harness flags are ignored so that
            // `cargo run -- --bench` style invocations do not fail.
            "--bench" => {}
            "-h" | "--help" => {
                println!(
                    "usage: baton-compare [--quick] [--translate] [--real] [--samples N] [--filter SUBSTRING] [--engines A,B,..]\n\
                     --quick     small inputs, 3 samples (a smoke test, not a measurement)\n\
                     --translate time module compilation instead of execution\n\
                     --real      real WASI programs (resvg, flite, Lua, QuickJS, yosys): wall time, start-up and\n\
                                 peak RSS per engine, each run in a child process, 3 runs each\n\
                     --samples   timed calls per engine and workload (default 5)"
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?} (try --help)"),
        }
    }
    if opts.samples == 0 {
        opts.samples = if opts.quick || opts.real { 3 } else { 5 };
    }
    Ok(opts)
}

/// What happened when one engine ran one workload.
enum Outcome {
    /// Median wall time of one `run(n)` call, and the checksum it returned.
    Ok { median: Duration, result: i64 },
    /// The engine returned an error (compile, instantiate or trap).
    Failed(String),
    /// The engine panicked (makepad-stitch does on some valid modules).
    Panicked(String),
    /// Not attempted: the engine lacks a proposal the workload needs (SIMD).
    Unsupported(&'static str),
}

thread_local! {
    /// Message of the last panic on this thread, captured by our hook so a
    /// panicking engine is reported in the table instead of on stderr.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn install_panic_hook() {
    panic::set_hook(Box::new(|info| {
        let msg = if let Some(s) = info.payload().downcast_ref::<&str>() {
            s.to_string()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "non-string panic payload".to_string()
        };
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{msg}{at}")));
    }));
}

/// Runs `f`, turning a panic into `Err(message)`.
fn guarded<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    panic::catch_unwind(AssertUnwindSafe(f)).map_err(|_| {
        LAST_PANIC
            .with(|p| p.borrow_mut().take())
            .unwrap_or_else(|| "panic".to_string())
    })
}

/// Times `run(n)` on every engine, interleaved: each round calls every engine once, so
/// that a change in the machine's load (it is shared) during the run falls on all engines
/// alike instead of on whichever ran then. After one untimed warm-up round (lazy
/// translation, page faults on fresh memory and cold caches should not land in the first
/// sample), `samples` timed rounds; each engine's median is reported. Engines that lack a
/// proposal the workload needs (`needs`) are not attempted and report `Unsupported`.
fn measure_all(
    engines: &[EngineDef],
    wasm: &[u8],
    needs: &[&str],
    n: i32,
    samples: usize,
) -> Vec<Outcome> {
    struct Run {
        runner: Option<Box<dyn Runner>>,
        times: Vec<Duration>,
        result: Option<i64>,
        failed: Option<Outcome>,
    }
    let mut runs: Vec<Run> = engines
        .iter()
        .map(|engine| {
            let unsupported = needs.iter().find_map(|p| {
                let lacked = engine.lacks.iter().find(|(q, _)| q == p);
                lacked.map(|&(_, why)| why)
            });
            let prepared = match unsupported {
                Some(why) => Err(Outcome::Unsupported(why)),
                None => Ok(guarded(|| (engine.prepare)(wasm))),
            };
            let (runner, failed) = match prepared {
                Err(o) => (None, Some(o)),
                Ok(Ok(Ok(r))) => (Some(r), None),
                Ok(Ok(Err(e))) => (None, Some(Outcome::Failed(format!("{e:#}")))),
                Ok(Err(p)) => (None, Some(Outcome::Panicked(p))),
            };
            Run {
                runner,
                times: Vec::with_capacity(samples),
                result: None,
                failed,
            }
        })
        .collect();
    for round in 0..=samples {
        for run in &mut runs {
            let Some(runner) = run.runner.as_mut() else {
                continue;
            };
            let start = Instant::now();
            let r = match guarded(|| runner.call(n)) {
                Ok(Ok(r)) => r,
                Ok(Err(e)) => {
                    run.failed = Some(Outcome::Failed(format!("{e:#}")));
                    run.runner = None;
                    continue;
                }
                Err(p) => {
                    run.failed = Some(Outcome::Panicked(p));
                    run.runner = None;
                    continue;
                }
            };
            let elapsed = start.elapsed();
            if let Some(prev) = run.result {
                if prev != r {
                    run.failed = Some(Outcome::Failed(format!(
                        "nondeterministic: {prev:#x} then {r:#x}"
                    )));
                    run.runner = None;
                    continue;
                }
            }
            run.result = Some(r);
            if round > 0 {
                run.times.push(elapsed);
            }
        }
    }
    runs.into_iter()
        .map(|mut run| {
            if let Some(failed) = run.failed {
                return failed;
            }
            run.times.sort();
            Outcome::Ok {
                median: run.times[run.times.len() / 2],
                result: run.result.expect("at least one call"),
            }
        })
        .collect()
}

fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

fn main() -> Result<()> {
    // Hidden: one engine on one real program, once, in this process (see real.rs).
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some("--real-child") {
        install_panic_hook();
        return real::child(&argv[2..]);
    }
    let opts = parse_args()?;
    install_panic_hook();
    if opts.translate {
        return translate(&opts);
    }
    if opts.real {
        return real::run(&opts);
    }

    let mut engines = engines::all();
    if let Some(wanted) = &opts.engines {
        engines.retain(|e| wanted.contains(&e.name.to_lowercase()));
    }
    if engines.is_empty() {
        bail!("no engines selected");
    }
    let mut workloads = workloads::load(&workloads::workloads_dir())?;
    if let Some(f) = &opts.filter {
        workloads.retain(|w| w.name.contains(f.as_str()));
    }

    // outcomes[w][e]
    let mut outcomes: Vec<Vec<Outcome>> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    // Engine/workload pairs skipped for a missing proposal: listed, not problems.
    let mut not_run: Vec<String> = Vec::new();
    for w in &workloads {
        let n = if opts.quick { w.small_n } else { w.bench_n };
        let recorded = if opts.quick {
            w.small_result
        } else {
            w.bench_result
        };
        let row = measure_all(&engines, &w.wasm, &w.needs, n, opts.samples);
        for (e, o) in engines.iter().zip(&row) {
            eprint!("{:<14} n={:<10} {:<10} ", w.name, n, e.name);
            match o {
                Outcome::Ok { median, result } => {
                    eprintln!("{:>10}  result {result:#018x}", fmt_duration(*median))
                }
                Outcome::Failed(m) => eprintln!("failed: {m}"),
                Outcome::Panicked(m) => eprintln!("panicked: {m}"),
                Outcome::Unsupported(why) => eprintln!("unsupported: {why}"),
            }
        }
        // Cross-check results: against the recorded checksum if there is
        // one, else against the first engine that produced a result.
        let reference = recorded.or_else(|| {
            row.iter().find_map(|o| match o {
                Outcome::Ok { result, .. } => Some(*result),
                _ => None,
            })
        });
        for (e, o) in engines.iter().zip(&row) {
            match o {
                Outcome::Ok { result, .. } if Some(*result) != reference => problems.push(format!(
                    "{}: {} returned {result:#018x}, expected {:#018x}",
                    w.name,
                    e.name,
                    reference.unwrap()
                )),
                Outcome::Failed(m) => problems.push(format!("{}: {} failed: {m}", w.name, e.name)),
                Outcome::Panicked(m) => {
                    problems.push(format!("{}: {} panicked: {m}", w.name, e.name))
                }
                Outcome::Unsupported(why) => {
                    not_run.push(format!("{}: {} unsupported: {why}", w.name, e.name))
                }
                _ => {}
            }
        }
        outcomes.push(row);
    }

    print!(
        "{}",
        render_table(&engines, &workloads, &outcomes, opts.quick)
    );
    #[cfg(feature = "baton")]
    println!("\nBaton dispatch mode: {}", baton::DISPATCH_MODE);
    if !not_run.is_empty() {
        println!("\nNot run:\n");
        for p in &not_run {
            println!("- {p}");
        }
    }
    if !problems.is_empty() {
        println!("\nProblems:\n");
        for p in &problems {
            println!("- {p}");
        }
    }
    let mismatch = problems.iter().any(|p| p.contains(" returned "));
    if mismatch {
        std::process::exit(1);
    }
    Ok(())
}

/// Markdown table: one row per workload, per engine the median time and the
/// ratio engine/baseline (>1 = slower than the baseline), then a geometric
/// mean of the ratios over the workloads every engine ran.
fn render_table(
    engines: &[EngineDef],
    workloads: &[workloads::Workload],
    outcomes: &[Vec<Outcome>],
    quick: bool,
) -> String {
    let base = engines[0].name;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nMedian time of one `run(n)` call; in parentheses time / {base} time (> 1 = slower than {base}){}.\n",
        if quick { " — QUICK mode: small inputs, not a measurement" } else { "" }
    );
    let _ = write!(s, "| workload | n |");
    for e in engines {
        let _ = write!(s, " {} |", e.name);
    }
    let _ = write!(s, "\n|---|---:|");
    for _ in engines {
        let _ = write!(s, "---:|");
    }
    s.push('\n');
    let mut log_sums = vec![0.0f64; engines.len()];
    let mut counts = vec![0usize; engines.len()];
    for (w, row) in workloads.iter().zip(outcomes) {
        let n = if quick { w.small_n } else { w.bench_n };
        let _ = write!(s, "| {} | {} |", w.name, n);
        let base_time = match &row[0] {
            Outcome::Ok { median, .. } => Some(median.as_secs_f64()),
            _ => None,
        };
        for (i, o) in row.iter().enumerate() {
            let cell = match o {
                Outcome::Ok { median, .. } => match base_time {
                    Some(b) if i > 0 => {
                        let ratio = median.as_secs_f64() / b;
                        log_sums[i] += ratio.ln();
                        counts[i] += 1;
                        format!("{} ({ratio:.2}x)", fmt_duration(*median))
                    }
                    _ => fmt_duration(*median),
                },
                Outcome::Failed(_) => "failed".to_string(),
                Outcome::Panicked(_) => "panicked".to_string(),
                Outcome::Unsupported(_) => "unsupported".to_string(),
            };
            let _ = write!(s, " {cell} |");
        }
        s.push('\n');
    }
    let _ = write!(s, "| **geomean vs {base}** | |");
    for (i, _) in engines.iter().enumerate() {
        let cell = if i == 0 {
            "1.00x".to_string()
        } else if counts[i] == 0 {
            "–".to_string()
        } else {
            format!(
                "**{:.2}x** ({} workloads)",
                (log_sums[i] / counts[i] as f64).exp(),
                counts[i]
            )
        };
        let _ = write!(s, " {cell} |");
    }
    s.push('\n');
    s
}

/// `--translate`: median time to compile (validate + translate, or whatever
/// the engine does up front) a ~4 MiB synthetic module and the compiled C
/// workloads, as MiB/s of module bytes.
fn translate(opts: &Options) -> Result<()> {
    let mut translators = engines::translators();
    if let Some(wanted) = &opts.engines {
        translators.retain(|t| {
            let first = t.name.split_whitespace().next().unwrap_or_default();
            wanted.contains(&first.to_lowercase())
        });
    }
    let mib = if opts.quick { 1 } else { 4 };
    let mut modules = vec![(format!("synthetic_{mib}mib"), synth::synthetic_module(mib))];
    for w in workloads::load(&workloads::workloads_dir())? {
        // The hand-written workloads are a few hundred bytes: noise only.
        if w.wasm.len() > 2048 {
            modules.push((w.name, w.wasm));
        }
    }
    if let Some(f) = &opts.filter {
        modules.retain(|(name, _)| name.contains(f.as_str()));
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nMedian compile time per module (MiB/s of module bytes); lazy engines do less work up front.\n"
    );
    let _ = write!(s, "| module | bytes |");
    for t in &translators {
        let _ = write!(s, " {} |", t.name);
    }
    let _ = write!(s, "\n|---|---:|");
    for _ in &translators {
        let _ = write!(s, "---:|");
    }
    s.push('\n');
    for (name, bytes) in &modules {
        let _ = write!(s, "| {name} | {} |", bytes.len());
        for t in &translators {
            eprint!("{name:<18} {:<28} ", t.name);
            let mut times = Vec::new();
            let mut failure = None;
            for _ in 0..opts.samples {
                let start = Instant::now();
                match guarded(|| (t.compile)(bytes)) {
                    Ok(Ok(())) => times.push(start.elapsed()),
                    Ok(Err(e)) => failure = Some(format!("failed: {e:#}")),
                    Err(p) => failure = Some(format!("panicked: {p}")),
                }
                if failure.is_some() {
                    break;
                }
            }
            let cell = match failure {
                Some(f) => {
                    eprintln!("{f}");
                    f.split(':').next().unwrap_or("failed").to_string()
                }
                None => {
                    times.sort();
                    let median = times[times.len() / 2];
                    let rate = bytes.len() as f64 / median.as_secs_f64() / (1024.0 * 1024.0);
                    eprintln!("{:>10}", fmt_duration(median));
                    format!("{} ({rate:.1} MiB/s)", fmt_duration(median))
                }
            };
            let _ = write!(s, " {cell} |");
        }
        s.push('\n');
    }
    print!("{s}");
    Ok(())
}

//! Runs one named benchmark workload once on Baton and prints its checksum.
//!
//! ```text
//! workload NAME [small|bench|N]      (default: small)
//! workload --list
//! ```
//!
//! Meant for deterministic instruction counts, e.g.
//! `valgrind --tool=callgrind target/release/workload fib small`.
//! The whole process is measured, so it does as little else as possible:
//! read one module, compile it, instantiate it, call `run(n)` once.
//! Exits with status 1 if the checksum differs from the one recorded in
//! `benches/workloads/workloads.txt`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `--list` reads them all; a run reads only its own module.
    let listing = args.first().map(String::as_str) == Some("--list");
    let dir = baton_bench::workloads_dir();
    let loaded = baton_bench::load_workloads_where(&dir, |name| {
        listing || args.first().map(String::as_str) == Some(name)
    });
    let workloads = match loaded {
        Ok(w) => w,
        Err(e) => {
            eprintln!("workload: {e}");
            return ExitCode::FAILURE;
        }
    };
    if listing {
        for w in &workloads {
            println!(
                "{:<15} small_n={:<9} bench_n={}",
                w.name, w.small_n, w.bench_n
            );
        }
        let dir = baton_bench::interpreters_dir();
        match baton_bench::load_interpreters(&dir, |_| true) {
            Ok(list) => {
                for i in list {
                    println!(
                        "{:<15} small_rounds={:<4} bench_rounds={} (interpreter, {})",
                        i.name, i.small_rounds, i.bench_rounds, i.script.0
                    );
                }
            }
            Err(e) => eprintln!("workload: {e}"),
        }
        return ExitCode::SUCCESS;
    }
    let Some(name) = args.first() else {
        eprintln!("usage: workload NAME [small|bench|N]   |   workload --list");
        return ExitCode::from(2);
    };
    if workloads.is_empty() {
        return run_interpreter(name, args.get(1).map(String::as_str));
    }
    let Some(w) = workloads.iter().find(|w| &w.name == name) else {
        eprintln!("workload: unknown workload {name:?} (see --list)");
        return ExitCode::from(2);
    };
    let n = match args.get(1).map(String::as_str) {
        None | Some("small") => w.small_n,
        Some("bench") => w.bench_n,
        Some(s) => match s.parse() {
            Ok(n) => n,
            Err(_) => {
                eprintln!("workload: bad input {s:?}");
                return ExitCode::from(2);
            }
        },
    };
    let engine = engine();
    let result = baton_bench::Instantiated::new(&engine, &w.wasm).and_then(|mut i| i.call(n));
    match result {
        Ok(r) => {
            println!("{} run({n}) = {r:#018x}", w.name);
            match w.expected(n) {
                Some(e) if e != r => {
                    eprintln!("workload: MISMATCH, expected {e:#018x}");
                    ExitCode::FAILURE
                }
                _ => ExitCode::SUCCESS,
            }
        }
        Err(e) => {
            eprintln!("workload: {} failed: {e}", w.name);
            ExitCode::FAILURE
        }
    }
}

/// Runs interpreter `name` (see `benches/interpreters/interpreters.txt`) on its script.
fn run_interpreter(name: &str, input: Option<&str>) -> ExitCode {
    let dir = baton_bench::interpreters_dir();
    let list = match baton_bench::load_interpreters(&dir, |n| n == name) {
        Ok(list) => list,
        Err(e) => {
            eprintln!("workload: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Some(interp) = list.first() else {
        eprintln!("workload: unknown workload {name:?} (see --list)");
        return ExitCode::from(2);
    };
    let rounds = match input {
        None | Some("small") => interp.small_rounds,
        Some("bench") => interp.bench_rounds,
        Some(s) => match s.parse() {
            Ok(n) => n,
            Err(_) => {
                eprintln!("workload: bad input {s:?}");
                return ExitCode::from(2);
            }
        },
    };
    match interp.run(&engine(), rounds) {
        Ok(sum) => {
            println!("{name} rounds={rounds} checksum={sum}");
            match interp.expected(rounds) {
                Some(e) if e != sum => {
                    eprintln!("workload: MISMATCH, expected {e}");
                    ExitCode::FAILURE
                }
                _ => ExitCode::SUCCESS,
            }
        }
        Err(e) => {
            eprintln!("workload: {name} failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The engine the workloads run on: the default configuration, except that only the
/// calling thread translates. Background translation (`Config::background_translation`)
/// translates ahead on another thread as far as it gets while the guest runs, which makes
/// the instructions of a run depend on timing; the instruction-count guard that runs this
/// binary needs the same count every time.
fn engine() -> baton::Engine {
    let mut config = baton::Config::new();
    config.background_translation(false);
    baton::Engine::new(&config)
}

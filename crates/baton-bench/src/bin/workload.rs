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
        return ExitCode::SUCCESS;
    }
    let Some(name) = args.first() else {
        eprintln!("usage: workload NAME [small|bench|N]   |   workload --list");
        return ExitCode::from(2);
    };
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
    let engine = baton::Engine::default();
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

//! Runs one of Baton's benchmark workloads once on wasmi 2.0 and prints its checksum.
//!
//! ```text
//! wasmi-workload NAME [small|bench|N]      (default: small)
//! wasmi-workload --list
//! ```
//!
//! The wasmi twin of `crates/baton-bench/src/bin/workload.rs`, for `cargo xtask matrix
//! --engine wasmi`: same workload list, same inputs, same checksum check (exit status 1 on a
//! mismatch), so instruction counts and times of the two engines measure the same work.
//! It does as little else as possible: read one module, compile, instantiate, call once.

use std::path::PathBuf;
use std::process::ExitCode;

/// One line of `benches/workloads/workloads.txt`.
struct Workload {
    name: String,
    small_n: i32,
    bench_n: i32,
    small_result: Option<i64>,
    bench_result: Option<i64>,
}

/// `benches/workloads` of the Baton repository this crate lives in (`xtask/wasmi-runner`).
fn workloads_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../benches/workloads")
}

fn checksum(field: &str) -> Result<Option<i64>, String> {
    if field == "-" {
        return Ok(None);
    }
    u64::from_str_radix(field.trim_start_matches("0x"), 16)
        .map(|bits| Some(bits as i64))
        .map_err(|e| format!("bad checksum {field:?}: {e}"))
}

/// Parses the list; the format is documented at the top of `workloads.txt`.
fn load() -> Result<Vec<Workload>, String> {
    let path = workloads_dir().join("workloads.txt");
    let text =
        std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        let at = format!("{}:{}", path.display(), i + 1);
        if f.len() != 5 {
            return Err(format!("{at}: expected 5 fields"));
        }
        let int = |s: &str| s.parse::<i32>().map_err(|e| format!("{at}: {s:?}: {e}"));
        out.push(Workload {
            name: f[0].to_string(),
            small_n: int(f[1])?,
            bench_n: int(f[2])?,
            small_result: checksum(f[3]).map_err(|e| format!("{at}: {e}"))?,
            bench_result: checksum(f[4]).map_err(|e| format!("{at}: {e}"))?,
        });
    }
    Ok(out)
}

fn run(wasm: &[u8], n: i32) -> Result<i64, String> {
    let engine = wasmi::Engine::default();
    let module = wasmi::Module::new(&engine, wasm).map_err(|e| format!("compile: {e}"))?;
    let mut store = wasmi::Store::new(&engine, ());
    let instance =
        wasmi::Instance::new(&mut store, &module, &[]).map_err(|e| format!("instantiate: {e}"))?;
    let func = instance
        .get_typed_func::<i32, i64>(&store, "run")
        .map_err(|e| format!("run export: {e}"))?;
    func.call(&mut store, n)
        .map_err(|e| format!("run({n}): {e}"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let workloads = match load() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("wasmi-workload: {e}");
            return ExitCode::FAILURE;
        }
    };
    if args.first().map(String::as_str) == Some("--list") {
        for w in &workloads {
            println!(
                "{:<15} small_n={:<9} bench_n={}",
                w.name, w.small_n, w.bench_n
            );
        }
        return ExitCode::SUCCESS;
    }
    let Some(name) = args.first() else {
        eprintln!("usage: wasmi-workload NAME [small|bench|N]   |   wasmi-workload --list");
        return ExitCode::from(2);
    };
    let Some(w) = workloads.iter().find(|w| &w.name == name) else {
        eprintln!("wasmi-workload: unknown workload {name:?} (see --list)");
        return ExitCode::from(2);
    };
    let (n, expected) = match args.get(1).map(String::as_str) {
        None | Some("small") => (w.small_n, w.small_result),
        Some("bench") => (w.bench_n, w.bench_result),
        Some(s) => match s.parse() {
            Ok(n) => (n, None),
            Err(_) => {
                eprintln!("wasmi-workload: bad input {s:?}");
                return ExitCode::from(2);
            }
        },
    };
    let path = workloads_dir().join(format!("{}.wasm", w.name));
    let wasm = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("wasmi-workload: reading {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    };
    match run(&wasm, n) {
        Ok(r) => {
            println!("{} run({n}) = {r:#018x}", w.name);
            match expected {
                Some(e) if e != r => {
                    eprintln!("wasmi-workload: MISMATCH, expected {e:#018x}");
                    ExitCode::FAILURE
                }
                _ => ExitCode::SUCCESS,
            }
        }
        Err(e) => {
            eprintln!("wasmi-workload: {} failed: {e}", w.name);
            ExitCode::FAILURE
        }
    }
}

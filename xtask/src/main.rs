//! Project automation for Baton. Run as `cargo xtask <command>` (see `xtask/README.md`):
//!
//! - `audit-dispatch [--nightly] [--binary PATH [--wasmi]]`: builds the release engine (on
//!   nightly with the `tail-call` feature), or takes a given binary, disassembles it and
//!   checks that every instruction handler hands over to the next one by an indirect jump,
//!   never by a call.
//! - `matrix [--engine baton|wasmi] [--quick] [--workloads a,b] [--cells c,d] [--runs N]`:
//!   builds the workload runner under many compiler configurations and reports instruction
//!   counts, wall times, machine-code changes and the dispatch audit of each.
//! - `icount [--update] [--threshold PCT]`: the instruction-count guard against
//!   `benches/icount-baseline.txt`.

mod audit;
mod common;
mod icount;
mod matrix;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>
  audit-dispatch [--nightly] [--binary PATH [--wasmi]]
  matrix [--engine baton|wasmi] [--quick] [--workloads a,b] [--cells c,d] [--runs N] [--list]
  icount [--update] [--threshold PCT] [--workloads a,b]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("audit-dispatch") => audit::run(&args[1..]),
        Some("matrix") => matrix::run(&args[1..]),
        Some("icount") => icount::run(&args[1..]),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

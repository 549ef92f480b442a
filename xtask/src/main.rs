//! Project automation for Baton. Run as `cargo xtask <command>`:
//!
//! - `audit-dispatch [--nightly]`: builds the release engine (on nightly with the
//!   `tail-call` feature), disassembles it and checks that every instruction handler hands
//!   over to the next one by an indirect jump, never by a call.

mod audit;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("audit-dispatch") => audit::run(&args[1..]),
        _ => {
            eprintln!("usage: cargo xtask audit-dispatch [--nightly]");
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

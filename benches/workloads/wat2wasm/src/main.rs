//! `wat2wasm IN.wat OUT.wasm`: converts WebAssembly text to binary with the
//! `wat` crate, so rebuilding the benchmark workloads needs no external tools.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: wat2wasm IN.wat OUT.wasm");
        return ExitCode::from(2);
    };
    match wat::parse_file(input) {
        Ok(bytes) => match std::fs::write(output, bytes) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("wat2wasm: cannot write {output}: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("wat2wasm: {e}");
            ExitCode::FAILURE
        }
    }
}

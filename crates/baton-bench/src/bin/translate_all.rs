//! Translates every function of a module as a first call would, and prints a fingerprint
//! of the translated code.
//!
//! ```text
//! translate_all MODULE.wasm
//! ```
//!
//! For work on the translator: the module is compiled lazily (validated, nothing
//! translated), then each defined function is translated without a validator, the path a
//! first call takes, through `Module::disassemble`. The listing's hash tells whether a
//! change left the translated code identical; its cost, counted with
//! `valgrind --tool=callgrind --toggle-collect='baton::bodies::translate_body*'`, is the
//! translation's alone (the listing is made outside `translate_body`).

use std::hash::{Hash, Hasher};
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: translate_all MODULE.wasm");
        return ExitCode::FAILURE;
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("translate_all: cannot read {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut config = baton::Config::new();
    // One thread, no work ahead: every function is translated here, once, in order.
    config
        .compilation_mode(baton::CompilationMode::Lazy)
        .background_translation(false);
    let engine = baton::Engine::new(&config);
    let module = match baton::Module::new(&engine, &bytes) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("translate_all: cannot compile {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let functions = module.stats().num_funcs;
    // `DefaultHasher::new()` has fixed keys: the same listing gives the same hash in every
    // run and build.
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    let mut listing_bytes = 0;
    for index in 0..functions {
        let Some(listing) = module.disassemble(index) else {
            eprintln!("translate_all: function {index} did not translate");
            return ExitCode::FAILURE;
        };
        listing_bytes += listing.len();
        listing.hash(&mut hasher);
    }
    println!(
        "{functions} functions translated; listing {listing_bytes} bytes, hash {:016x}",
        hasher.finish()
    );
    ExitCode::SUCCESS
}

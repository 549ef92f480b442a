//! Chooses the dispatch mechanism at build time.
//!
//! Threaded dispatch on stable relies on LLVM turning each handler's final call into a
//! sibling call (a jump). Optimisation levels 0 and 1 do not do that reliably, and a chain
//! of real calls would grow the native stack with every Wasm instruction. Those builds (and
//! anyone who asks with the `portable-dispatch` feature) get the portable dispatch, a
//! trampoline loop that never nests. The `tail-call` feature (nightly) uses `become`,
//! which the language guarantees at every optimisation level.

fn main() {
    println!(
        "cargo::rustc-check-cfg=cfg(baton_dispatch, values(\"tail\", \"threaded\", \"portable\"))"
    );
    println!("cargo::rerun-if-env-changed=BATON_DISPATCH");
    let opt = std::env::var("OPT_LEVEL").unwrap_or_default();
    let tail = std::env::var_os("CARGO_FEATURE_TAIL_CALL").is_some();
    let forced_portable = std::env::var_os("CARGO_FEATURE_PORTABLE_DISPATCH").is_some()
        || std::env::var("BATON_DISPATCH").as_deref() == Ok("portable");
    let mode = if forced_portable {
        "portable"
    } else if tail {
        "tail"
    } else if opt == "0" || opt == "1" {
        "portable"
    } else {
        "threaded"
    };
    println!("cargo::rustc-cfg=baton_dispatch=\"{mode}\"");
    println!("cargo::rustc-env=BATON_DISPATCH_MODE={mode}");
}

//! Re-runs a saved mismatch and shrinks it:
//! `cargo run --release -p baton-fuzz --example reduce -- mismatches/HASH.wasm [ATTEMPTS]`.
//! Reads `HASH.wasm` and `HASH.args`, prints the verdict, then the shrunk module as text
//! and its transcript.
use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let wasm_path = PathBuf::from(args.next().expect("usage: reduce FILE.wasm [ATTEMPTS]"));
    let attempts = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let wasm = std::fs::read(&wasm_path).expect("read module");
    let call_bytes = std::fs::read(wasm_path.with_extension("args")).unwrap_or_default();
    let before = baton_fuzz::execute(&wasm, &call_bytes);
    println!("verdict: {:?}", before.verdict);
    let small = baton_fuzz::shrink(&wasm, &call_bytes, attempts);
    let after = baton_fuzz::execute(&small, &call_bytes);
    println!(
        "shrunk {} -> {} bytes\n{}\nverdict: {:?}\n{}",
        wasm.len(),
        small.len(),
        wasmprinter::print_bytes(&small).unwrap_or_default(),
        after.verdict,
        after.transcript
    );
}

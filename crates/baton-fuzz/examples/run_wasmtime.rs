//! Runs a module (text or binary) on Baton and Wasmtime and prints the verdict and
//! transcript: `cargo run --release -p baton-fuzz --features wasmtime --example
//! run_wasmtime -- FILE.wat [ARGS_FILE [SHRINK_ATTEMPTS]]` (arguments are drawn from
//! ARGS_FILE's bytes, or are zeros without it). With SHRINK_ATTEMPTS, a mismatch is shrunk
//! (keeping its kind) and the result written to FILE.min.wat.
fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: run_wasmtime FILE [ARGS_FILE [SHRINK_ATTEMPTS]]");
    let wasm = wat::parse_file(&path).expect("parse module");
    let call_bytes = args
        .next()
        .map(|p| std::fs::read(p).expect("read args"))
        .unwrap_or_default();
    let out = baton_fuzz::execute_wasmtime(&wasm, &call_bytes);
    println!("verdict: {:?}\n{}", out.verdict, out.transcript);
    if let Some(attempts) = args.next().and_then(|a| a.parse().ok()) {
        let small =
            baton_fuzz::shrink_with(baton_fuzz::execute_wasmtime, &wasm, &call_bytes, attempts);
        let text = wasmprinter::print_bytes(&small).expect("print");
        let to = format!("{path}.min.wat");
        std::fs::write(&to, &text).expect("write");
        let again = baton_fuzz::execute_wasmtime(&small, &call_bytes);
        println!(
            "shrunk {} -> {} bytes ({to}), verdict {:?}\n{}",
            wasm.len(),
            small.len(),
            again.verdict,
            again.transcript
        );
    }
}

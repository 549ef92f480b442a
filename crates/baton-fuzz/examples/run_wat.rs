//! Runs a module (text or binary) on both engines and prints the verdict and transcript:
//! `cargo run --release -p baton-fuzz --example run_wat -- FILE.wat [ARGS_FILE]`
//! (arguments are drawn from ARGS_FILE's bytes, or are zeros without it).
fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: run_wat FILE [ARGS_FILE]");
    let wasm = wat::parse_file(&path).expect("parse module");
    let call_bytes = args
        .next()
        .map(|p| std::fs::read(p).expect("read args"))
        .unwrap_or_default();
    let out = baton_fuzz::execute(&wasm, &call_bytes);
    println!("verdict: {:?}\n{}", out.verdict, out.transcript);
}

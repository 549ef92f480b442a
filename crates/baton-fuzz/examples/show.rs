//! Prints a generated module and its transcript: `cargo run -p baton-fuzz --example show SEED`,
//! or `show FILE` for a raw fuzz input (e.g. the one `BATON_FUZZ_LAST_INPUT` left behind
//! after a crash). The module and its argument bytes are written to `FILE.wasm` and
//! `FILE.args` before anything runs, for `run_wat`/`reduce` (or a debugger).
fn main() {
    let arg = std::env::args().nth(1).unwrap_or_else(|| "1".into());
    let data: Vec<u8> = match arg.parse::<u64>() {
        Ok(seed) => {
            let mut x = seed;
            (0..4096)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect()
        }
        Err(_) => std::fs::read(&arg).expect("read the raw input"),
    };
    let case = baton_fuzz::generate::generate(&data).expect("generated");
    if arg.parse::<u64>().is_err() {
        std::fs::write(format!("{arg}.wasm"), &case.wasm).expect("write module");
        std::fs::write(format!("{arg}.args"), &case.args).expect("write arguments");
    }
    println!("{}", wasmprinter::print_bytes(&case.wasm).unwrap());
    let out = baton_fuzz::execute(&case.wasm, &case.args);
    println!("{}\n{:?}\n{}", case.config, out.verdict, out.transcript);
}

//! Prints a generated module and its transcript: `cargo run -p baton-fuzz --example show SEED`,
//! or `show FILE` for a raw fuzz input (e.g. the one `BATON_FUZZ_LAST_INPUT` left behind
//! after a crash). The module and its argument bytes are written to `FILE.wasm` and
//! `FILE.args` before anything runs, for `run_wat`/`reduce` (or a debugger).
//! `BATON_FUZZ_SIMD=all` generates with SIMD in every module (as the differential test
//! does with the same variable); `BATON_FUZZ_SIMD=relaxed` with relaxed SIMD, run twice
//! on Baton (as `baton_relaxed_simd_is_deterministic` does).
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
    let simd = std::env::var("BATON_FUZZ_SIMD").unwrap_or_default();
    let profile = match simd.as_str() {
        "all" => baton_fuzz::Simd::Always,
        "relaxed" => baton_fuzz::Simd::Relaxed,
        _ => baton_fuzz::Simd::Differential,
    };
    let case = baton_fuzz::generate_with(&data, profile).expect("generated");
    if arg.parse::<u64>().is_err() {
        std::fs::write(format!("{arg}.wasm"), &case.wasm).expect("write module");
        std::fs::write(format!("{arg}.args"), &case.args).expect("write arguments");
    }
    println!("{}", wasmprinter::print_bytes(&case.wasm).unwrap());
    let out = if profile == baton_fuzz::Simd::Relaxed {
        baton_fuzz::execute_baton_twice(&case.wasm, &case.args)
    } else {
        baton_fuzz::execute(&case.wasm, &case.args)
    };
    println!("{}\n{:?}\n{}", case.config, out.verdict, out.transcript);
}

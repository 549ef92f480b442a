//! Prints a generated module and its transcript: `cargo run -p baton-fuzz --example show SEED`.
fn main() {
    let seed: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let mut x = seed;
    let data: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let (case, out) = baton_fuzz::check(&data).expect("generated");
    println!("{}", wasmprinter::print_bytes(&case.wasm).unwrap());
    println!("{}\n{:?}\n{}", case.config, out.verdict, out.transcript);
}

//! Fuel metering overhead: runs every workload's bench input on an unmetered and a metered
//! engine in one process (best of 3 each, alternating) and prints the ratio as a markdown
//! table. `cargo run --release -p baton-bench --bin fuel_overhead`.

use baton::*;
use std::time::Instant;
fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../benches/workloads");
    let list = std::fs::read_to_string(format!("{dir}/workloads.txt")).unwrap();
    let plain = Engine::default();
    let mut c = Config::new();
    c.consume_fuel(true);
    let metered = Engine::new(&c);
    let mut ratios = vec![];
    println!("| workload | unmetered | metered | ratio |\n|---|---:|---:|---:|");
    for line in list
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let f: Vec<&str> = line.split_whitespace().collect();
        let (name, n): (&str, i32) = (f[0], f[2].parse().unwrap());
        let bytes = std::fs::read(format!("{dir}/{name}.wasm")).unwrap();
        let mut times = [0f64; 2];
        let mut results = [0i64; 2];
        for round in 0..3 {
            for (k, engine) in [&plain, &metered].into_iter().enumerate() {
                let m = Module::new(engine, &bytes).unwrap();
                let mut s = Store::new(engine, ());
                if k == 1 {
                    s.set_fuel(u64::MAX).unwrap();
                }
                let i = Linker::new(engine).instantiate(&mut s, &m).unwrap();
                let run = i.get_typed_func::<i32, i64>(&s, "run").unwrap();
                let t = Instant::now();
                results[k] = run.call(&mut s, n).unwrap();
                let e = t.elapsed().as_secs_f64();
                if round == 0 || e < times[k] {
                    times[k] = e;
                }
            }
        }
        assert_eq!(results[0], results[1]);
        ratios.push(times[1] / times[0]);
        println!(
            "| {name} | {:.1} ms | {:.1} ms | {:.2}x |",
            times[0] * 1e3,
            times[1] * 1e3,
            times[1] / times[0]
        );
    }
    let g = ratios.iter().map(|r| r.ln()).sum::<f64>() / ratios.len() as f64;
    println!("| **geomean** | | | **{:.2}x** |", g.exp());
}

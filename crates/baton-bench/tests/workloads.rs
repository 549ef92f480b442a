//! Checks that every benchmark workload computes its recorded checksum on
//! Baton (small inputs), and that the synthetic translation module is valid.
//! Not part of the default `cargo test`; run with `cargo test -p baton-bench`
//! (add `--release`: some workloads are slow in debug builds).

use baton_bench::{load_workloads, synth, Instantiated};

#[test]
fn workloads_compute_recorded_checksums() {
    let engine = baton::Engine::default();
    let mut failures = Vec::new();
    for w in load_workloads() {
        let expected = w
            .small_result
            .expect("every workload has a recorded small checksum");
        match Instantiated::new(&engine, &w.wasm).and_then(|mut i| i.call(w.small_n)) {
            Ok(r) if r == expected => {}
            Ok(r) => failures.push(format!(
                "{}: got {r:#018x}, expected {expected:#018x}",
                w.name
            )),
            Err(e) => failures.push(format!("{}: {e}", w.name)),
        }
    }
    assert!(
        failures.is_empty(),
        "workload failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn synthetic_module_validates_and_translates() {
    let engine = baton::Engine::default();
    let bytes = synth::synthetic_module(1);
    assert!(
        bytes.len() > 900_000,
        "1 MiB requested, got {} bytes",
        bytes.len()
    );
    baton::Module::new(&engine, &bytes).expect("synthetic module must compile on Baton");
}

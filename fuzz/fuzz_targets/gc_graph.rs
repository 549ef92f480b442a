//! Coverage-guided: object-graph programs from the fuzzer's bytes, the GC heap checked
//! against a safe model at every collection (see `baton_fuzz::gc_graph`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    baton_fuzz::gc_graph::check(data, 20);
});

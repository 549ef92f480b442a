//! Generated modules run on Baton and on wasmi; any disagreement is a crash, and the
//! module is saved (shrunk) under `crates/baton-fuzz/mismatches/` next to its description.
#![no_main]

use baton_fuzz::{check, save_mismatch, Verdict};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((case, outcome)) = check(data) else {
        return;
    };
    if let Verdict::Mismatch { kind, detail } = &outcome.verdict {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../crates/baton-fuzz/mismatches");
        let path = save_mismatch(&dir, &case, &outcome, 1000);
        panic!("baton and wasmi disagree ({kind}): {detail}\nsaved: {path:?}");
    }
});

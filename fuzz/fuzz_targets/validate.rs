//! Arbitrary bytes into Baton's decoder, validator and translator
//! (`baton::Module::from_binary`): it may reject them, it must never panic.
//! (Instantiation is left out: a valid module may ask for gigabytes of memory.)
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let engine = baton::Engine::default();
    let _ = baton::Module::from_binary(&engine, data);
});

//! Helpers shared by the integration tests (each test file that needs them declares
//! `mod common;`).

use baton::{Engine, Instance, Linker, Module, Store};

/// Compiles `wat` with the default configuration and instantiates it in a new store with
/// no imports.
pub fn instantiate(wat: &str) -> (Module, Store<()>, Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, wat).expect("module compiles");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .expect("instantiates");
    (module, store, instance)
}

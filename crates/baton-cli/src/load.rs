//! Reading module files and compiling them, with errors a person can act on.

use std::path::Path;

use baton::{Engine, Module};

use crate::diagnose;
use crate::failure::CliError;

/// Reads a file, naming it in the error if it cannot be read.
pub fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path)
        .map_err(|e| CliError::Failed(format!("cannot read `{}`: {e}", path.display())))
}

/// Reads a `.wasm` binary or `.wat` text file and returns the module's binary encoding.
///
/// Text is assembled here, not by the engine, so syntax errors carry
/// `file:line:column` and a source snippet.
pub fn wasm_bytes(path: &Path) -> Result<Vec<u8>, CliError> {
    let bytes = read(path)?;
    if bytes.starts_with(b"\0asm") {
        return Ok(bytes);
    }
    wat::parse_bytes(&bytes)
        .map(|wasm| wasm.into_owned())
        .map_err(|mut e| {
            e.set_path(path);
            CliError::Failed(format!(
                "`{}` is neither a WebAssembly binary nor valid WebAssembly text:\n{e}",
                path.display()
            ))
        })
}

/// Reads and compiles a module file.
pub fn module(engine: &Engine, path: &Path) -> Result<Module, CliError> {
    let bytes = wasm_bytes(path)?;
    // Handed over: lazy translation keeps the bytes instead of copying the bodies.
    Module::from_vec(engine, bytes).map_err(|e| {
        CliError::Failed(format!(
            "cannot load `{}`: {}",
            path.display(),
            diagnose::compile_error(&e)
        ))
    })
}

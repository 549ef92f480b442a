//! `baton validate`: check a module without running it.

use baton::{Engine, Module};

use crate::cli::FileArg;
use crate::diagnose;
use crate::failure::CliError;
use crate::load;
use crate::output;

/// Validates the file; prints a confirmation on success.
pub fn run(args: &FileArg) -> Result<i32, CliError> {
    let bytes = load::wasm_bytes(&args.file)?;
    Module::validate(&Engine::default(), &bytes).map_err(|e| {
        CliError::Failed(format!(
            "`{}` is not valid: {}",
            args.file.display(),
            diagnose::compile_error(&e)
        ))
    })?;
    output::line(format_args!("`{}` is a valid module", args.file.display()))?;
    Ok(0)
}

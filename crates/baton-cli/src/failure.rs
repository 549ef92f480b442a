//! The error type of commands and its mapping to conventional exit codes.

use std::fmt;

/// Exit status for failures: invalid module, trap, failed script, missing file.
pub const EXIT_FAILURE: i32 = 1;
/// Exit status for command-line misuse (same as clap's own usage errors).
pub const EXIT_USAGE: i32 = 2;
/// Exit status for internal errors (BSD `EX_SOFTWARE`), used by the panic hook.
pub const EXIT_INTERNAL: i32 = 70;

/// Why a command could not do its job, already phrased for a person.
#[derive(Debug)]
pub enum CliError {
    /// The command line asked for something impossible (wrong argument count, bad number...).
    Usage(String),
    /// The inputs or the guest failed (missing file, invalid module, trap...).
    Failed(String),
}

impl CliError {
    /// The process exit status for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) => EXIT_USAGE,
            CliError::Failed(_) => EXIT_FAILURE,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(message) | CliError::Failed(message) => f.write_str(message),
        }
    }
}

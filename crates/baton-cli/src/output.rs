//! Baton's own output, written so that a reader who stops reading is not an error.
//!
//! `println!` panics when stdout is a closed pipe (`baton ... | head -1`): Rust ignores
//! SIGPIPE, so the write fails with `EPIPE` instead of ending the process as it would end a C
//! tool. These functions treat that as "nobody wants the rest": the output is dropped and
//! the command carries on to its normal exit status, so the status means the same whoever
//! reads the output. (Resetting SIGPIPE to its default instead would also kill baton when
//! the guest writes to a closed stdout, where WASI, as in wasmtime, reports `EPIPE` to the
//! guest and lets it decide.)

use std::fmt;
use std::io::{self, Write};

use crate::failure::CliError;

/// Writes one line to stdout. A closed pipe is ignored; other write errors (a full disk)
/// are failures, since the output the user asked for was lost.
pub fn line(args: fmt::Arguments<'_>) -> Result<(), CliError> {
    text(format_args!("{args}\n"))
}

/// Writes `args` to stdout as [`line`] does, without adding a newline.
pub fn text(args: fmt::Arguments<'_>) -> Result<(), CliError> {
    match io::stdout().lock().write_fmt(args) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(CliError::Failed(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

/// Writes one line to stderr, ignoring failure: there is nowhere left to report it, and
/// a closed stderr (`baton ... 2>&1 | head`) must not turn into a panic.
pub fn error_line(args: fmt::Arguments<'_>) {
    let _ = writeln!(io::stderr().lock(), "{args}");
}

/// True if `message` is the panic the standard library raises when `print!` or `eprint!`
/// finds its stream a closed pipe. Code outside this crate (the spec scripts'
/// `spectest.print`) prints with `println!`; the panic hook uses this to end quietly
/// instead of reporting a bug.
pub fn is_closed_pipe_panic(message: &str) -> bool {
    let printing = message.starts_with("failed printing to stdout")
        || message.starts_with("failed printing to stderr");
    printing && message.contains("Broken pipe")
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn recognises_the_closed_pipe_panic() {
        // EPIPE is 32 on Linux and the BSDs; the wording is `std::io::stdio::print_to`'s.
        let e = std::io::Error::from_raw_os_error(32);
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe);
        let broken = format!("failed printing to stdout: {e}");
        assert!(super::is_closed_pipe_panic(&broken), "{broken}");
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        let full = format!("failed printing to stdout: {full}");
        assert!(!super::is_closed_pipe_panic(&full), "{full}");
        assert!(!super::is_closed_pipe_panic("index out of bounds"));
    }
}

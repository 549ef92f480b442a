//! Runs WebAssembly specification scripts (`.wast`) against the Baton interpreter.
//!
//! Scripts are parsed with the [`wast`] crate; every module is encoded to
//! binary by `wast` and handed to Baton, so the engine is tested on the binary
//! format while text-format errors are attributed to the script.
//!
//! Each directive ends up [`Outcome::Passed`], [`Outcome::Failed`] or
//! [`Outcome::Skipped`]. Directives that need a feature Baton deliberately
//! lacks (SIMD, memory64, multi-memory, exceptions, GC, threads, ...) are
//! skipped *with a reason*, never dropped silently; see [`WastReport`].
//!
//! ```no_run
//! let script = "(module (func (export \"one\") (result i32) i32.const 1))
//!               (assert_return (invoke \"one\") (i32.const 1))";
//! let report = baton_wast::run_scripts(&[("one.wast", script)], &Default::default());
//! assert!(report.is_success(), "{report}");
//! ```
#![warn(missing_docs)]

mod driver;
mod features;
mod report;
mod runner;
mod spectest;
mod traps;
mod values;

pub use driver::{run_script, run_script_on_big_stack, run_scripts, WastOptions};
pub use features::{baton_features, missing_feature};
pub use report::{FileReport, Outcome, WastReport};
pub use values::HostRef;

/// Why a directive stopped before it could pass.
///
/// Internal to the runner: `Skip` carries a reason for the skip table,
/// `Fail` a description of what differed.
#[derive(Debug)]
pub(crate) enum Halt {
    Skip(String),
    Fail(String),
}

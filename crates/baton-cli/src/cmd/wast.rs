//! `baton wast`: run spec scripts and report counts per file.

use baton_wast::{run_scripts, WastOptions};

use crate::cli::WastArgs;
use crate::failure::{CliError, EXIT_FAILURE};
use crate::load;
use crate::output;

/// Runs every script; exit status 1 if any directive failed.
pub fn run(args: &WastArgs) -> Result<i32, CliError> {
    let mut scripts = Vec::new();
    for path in &args.files {
        let bytes = load::read(path)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| CliError::Failed(format!("`{}` is not UTF-8 text", path.display())))?;
        scripts.push((path.display().to_string(), text));
    }
    let options = WastOptions {
        print: args.print,
        ..WastOptions::default()
    };
    let report = run_scripts(&scripts, &options);
    for file in &report.files {
        output::line(format_args!("{file}"))?;
        for (_, message) in &file.failures {
            output::line(format_args!("  FAIL {message}"))?;
        }
        for (reason, count) in &file.skip_reasons {
            output::line(format_args!("  skipped {count}: {reason}"))?;
        }
    }
    if report.files.len() > 1 {
        output::line(format_args!(
            "total: {} passed, {} failed, {} skipped",
            report.passed, report.failed, report.skipped
        ))?;
    }
    Ok(if report.is_success() { 0 } else { EXIT_FAILURE })
}

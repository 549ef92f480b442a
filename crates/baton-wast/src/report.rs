//! Outcomes of directives and the per-file / per-run summaries built from them.

use std::collections::BTreeMap;
use std::fmt;

/// What happened to one directive of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The engine behaved as the script demands.
    Passed,
    /// The engine misbehaved; the text says how (it already names file, line and directive).
    Failed(String),
    /// The directive needs something Baton deliberately does not implement; the text is the reason.
    Skipped(String),
}

/// Results of running one `.wast` file.
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    /// Name the caller gave the file (usually its path or `parent/name`).
    pub name: String,
    /// Directives that passed.
    pub passed: usize,
    /// Directives that failed.
    pub failed: usize,
    /// Directives that were skipped.
    pub skipped: usize,
    /// `(line, message)` of every failure, in file order.
    pub failures: Vec<(usize, String)>,
    /// How many directives were skipped for each reason.
    pub skip_reasons: BTreeMap<String, usize>,
}

impl FileReport {
    /// An empty report for the file called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        FileReport {
            name: name.into(),
            ..FileReport::default()
        }
    }

    /// Records the outcome of the directive at `line`.
    pub fn record(&mut self, line: usize, outcome: Outcome) {
        match outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Failed(message) => {
                self.failed += 1;
                self.failures.push((line, message));
            }
            Outcome::Skipped(reason) => {
                self.skipped += 1;
                *self.skip_reasons.entry(reason).or_default() += 1;
            }
        }
    }

    /// True when no directive failed.
    pub fn is_success(&self) -> bool {
        self.failed == 0
    }
}

impl fmt::Display for FileReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} passed, {} failed, {} skipped",
            self.name, self.passed, self.failed, self.skipped
        )
    }
}

/// Aggregated results of running many `.wast` files.
#[derive(Debug, Clone, Default)]
pub struct WastReport {
    /// Per-file results, in the order the files were given.
    pub files: Vec<FileReport>,
    /// Files not run at all because they are entirely out of scope: `(name, reason)`.
    pub out_of_scope: Vec<(String, String)>,
    /// Directives that passed, over all files.
    pub passed: usize,
    /// Directives that failed, over all files.
    pub failed: usize,
    /// Directives that were skipped, over all files.
    pub skipped: usize,
    /// `(file, line, message)` of every failure.
    pub failures: Vec<(String, usize, String)>,
    /// How many directives were skipped for each reason, over all files.
    pub skip_reasons: BTreeMap<String, usize>,
}

impl WastReport {
    /// Folds one file's results into the totals.
    pub fn add_file(&mut self, file: FileReport) {
        self.passed += file.passed;
        self.failed += file.failed;
        self.skipped += file.skipped;
        for (line, message) in &file.failures {
            self.failures
                .push((file.name.clone(), *line, message.clone()));
        }
        for (reason, count) in &file.skip_reasons {
            *self.skip_reasons.entry(reason.clone()).or_default() += count;
        }
        self.files.push(file);
    }

    /// Lists a file that was not run because it is entirely out of scope.
    ///
    /// It is listed rather than silently dropped so that the summary shows
    /// exactly what the totals do not cover.
    pub fn add_out_of_scope(&mut self, name: impl Into<String>, reason: impl Into<String>) {
        self.out_of_scope.push((name.into(), reason.into()));
    }

    /// True when no directive failed.
    pub fn is_success(&self) -> bool {
        self.failed == 0
    }

    /// Failure counts grouped by file, worst first (files without failures are left out).
    pub fn failures_by_file(&self) -> Vec<(&str, usize)> {
        let mut counts: Vec<(&str, usize)> = self
            .files
            .iter()
            .filter(|f| f.failed > 0)
            .map(|f| (f.name.as_str(), f.failed))
            .collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        counts
    }
}

impl fmt::Display for WastReport {
    /// A table of per-file counts followed by totals, skip reasons and out-of-scope files.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .files
            .iter()
            .map(|file| file.name.len())
            .chain(Some(5))
            .max()
            .unwrap_or(5);
        writeln!(
            f,
            "{:<width$}  {:>7}  {:>7}  {:>7}",
            "file", "passed", "failed", "skipped"
        )?;
        for file in &self.files {
            writeln!(
                f,
                "{:<width$}  {:>7}  {:>7}  {:>7}",
                file.name, file.passed, file.failed, file.skipped
            )?;
        }
        writeln!(
            f,
            "{:<width$}  {:>7}  {:>7}  {:>7}",
            "TOTAL", self.passed, self.failed, self.skipped
        )?;
        writeln!(
            f,
            "files run: {}, files out of scope: {}",
            self.files.len(),
            self.out_of_scope.len()
        )?;
        if !self.skip_reasons.is_empty() {
            writeln!(f, "skipped directives by reason:")?;
            for (reason, count) in &self.skip_reasons {
                writeln!(f, "  {count:>6}  {reason}")?;
            }
        }
        if !self.out_of_scope.is_empty() {
            writeln!(f, "files out of scope (not run):")?;
            for (name, reason) in &self.out_of_scope {
                writeln!(f, "  {name}: {reason}")?;
            }
        }
        Ok(())
    }
}

//! One module per subcommand; each returns the process exit status.

pub mod inspect;
pub mod run;
pub mod validate;
pub mod wast;

//! `flowgate demo`: a sample spec-driven repo in a temp dir, checked.

use super::{CommandError, Context, Outcome};
use crate::cli::DemoArgs;

/// Builds the sample repo and checks it.
pub fn run(_ctx: &Context, _args: &DemoArgs) -> Result<Outcome, CommandError> {
    Err(CommandError::Usage(
        "`flowgate demo` is not implemented yet".into(),
    ))
}

//! `flowgate init`: a commented `.flowgate.yml` for the detected layout.

use super::{CommandError, Context, Outcome};
use crate::cli::InitArgs;

/// Writes `.flowgate.yml`.
pub fn run(_ctx: &Context, _args: &InitArgs) -> Result<Outcome, CommandError> {
    Err(CommandError::Usage(
        "`flowgate init` is not implemented yet".into(),
    ))
}

//! `flowgate baseline`: records today's findings (the tree at HEAD and the audited
//! history) so that `check`, the hooks and `audit` fail only on new ones.

use super::audit::audit_head;
use super::{CommandError, Context, Outcome};
use crate::baseline::{Baseline, DEFAULT_FILE};
use crate::cli::BaselineArgs;

/// The formats `flowgate baseline` writes: it writes a file and says so.
pub const FORMATS: &[crate::cli::Format] = &[crate::cli::Format::Human];

/// Runs `flowgate baseline`.
pub fn run(ctx: &Context, args: &BaselineArgs) -> Result<Outcome, CommandError> {
    let (repo, config, audit) = audit_head(ctx, args.since.as_deref())?;
    let root = repo.workdir().unwrap_or(&ctx.dir).to_path_buf();
    let name = config.baseline.as_deref().unwrap_or(DEFAULT_FILE);
    let baseline = Baseline::record(&audit.findings);
    crate::own_files::write_in(&root, name, baseline.to_json().as_bytes())
        .map_err(|e| CommandError::Usage(format!("cannot write the baseline: {e}")))?;
    if !ctx.global.quiet {
        eprintln!(
            "flowgate: recorded {} finding{} in {name}; commit it, and from now on only new findings fail",
            baseline.findings.len(),
            if baseline.findings.len() == 1 { "" } else { "s" }
        );
    }
    Ok(Outcome::Clean)
}

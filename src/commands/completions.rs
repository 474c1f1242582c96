//! `flowgate completions SHELL`: the completion script for bash, zsh, fish, PowerShell or
//! elvish, generated from the command-line declarations so it never goes stale.

use clap::CommandFactory;

use super::{CommandError, Outcome};
use crate::cli::{Cli, CompletionsArgs};

/// The formats `flowgate completions` writes: a script, whatever `--format` says.
pub const FORMATS: &[crate::cli::Format] = &[crate::cli::Format::Human];

/// Prints the completion script for `args.shell` on stdout.
pub fn run(args: &CompletionsArgs) -> Result<Outcome, CommandError> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "flowgate", &mut out);
    super::man::print(&out)
}

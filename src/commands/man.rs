//! `flowgate man`: the man pages (roff), generated from the command-line declarations.

use std::io::Write;

use clap::CommandFactory;

use super::{CommandError, Outcome};
use crate::cli::{Cli, ManArgs};

/// The formats `flowgate man` writes: a man page.
pub const FORMATS: &[crate::cli::Format] = &[crate::cli::Format::Human];

/// Prints flowgate.1 on stdout, or writes every page into `--dir`.
pub fn run(args: &ManArgs) -> Result<Outcome, CommandError> {
    if let Some(dir) = &args.dir {
        return clap_mangen::generate_to(Cli::command(), dir)
            .map(|()| Outcome::Clean)
            .map_err(|e| {
                CommandError::Repository(format!(
                    "cannot write the man pages into {}: {e}",
                    dir.display()
                ))
            });
    }
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| CommandError::Repository(format!("cannot render the man page: {e}")))?;
    print(&out)
}

/// Writes generated text to stdout; a closed pipe (`flowgate man | head`) is not an error.
pub(super) fn print(text: &[u8]) -> Result<Outcome, CommandError> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(Outcome::Clean),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Outcome::Clean),
        Err(e) => Err(CommandError::Repository(format!(
            "cannot write to stdout: {e}"
        ))),
    }
}

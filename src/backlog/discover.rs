//! Backlog root discovery, as Backlog.md does it.

use super::BacklogConfig;
use crate::source::{Source, SourceError};

/// Where a backlog lives and how it is configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BacklogLayout {
    /// Repo-relative backlog root, e.g. `backlog` or `.backlog`.
    pub root: String,
    /// The config file read, if any (repo-relative).
    pub config_file: Option<String>,
    /// The config (defaults where the file says nothing).
    pub config: BacklogConfig,
    /// A problem reading the config file (it was malformed): the message, for a finding.
    pub config_problem: Option<String>,
}

/// Finds the backlog root: `override_dir` when given; else a root `backlog.config.yml`
/// with `backlog_directory`; else `backlog/`, else `.backlog/` (a folder holding
/// `config.yml` / `config.yaml` wins over one without). `Ok(None)` when there is none.
pub fn discover(
    source: &dyn Source,
    override_dir: Option<&str>,
) -> Result<Option<BacklogLayout>, SourceError> {
    let _ = (source, override_dir);
    unimplemented!("backlog discovery")
}

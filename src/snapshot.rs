//! A snapshot: one source parsed into the models the rules need.

use crate::backlog::{self, Backlog};
use crate::config::Config;
use crate::source::{Source, SourceError};
use crate::spec::{self, SpecIndex};
use crate::workflow::{Workflow, WorkflowError};

/// Everything the tree rules look at, read from one source.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The backlog, when the source has one.
    pub backlog: Option<Backlog>,
    /// Every spec file.
    pub specs: SpecIndex,
    /// The status workflow (from the backlog's statuses and the config).
    pub workflow: Workflow,
}

/// Why a snapshot could not be built.
#[derive(Debug)]
pub enum SnapshotError {
    /// The source could not be read.
    Source(SourceError),
    /// The workflow configuration names unknown statuses or guards.
    Workflow(WorkflowError),
}

impl From<SourceError> for SnapshotError {
    fn from(e: SourceError) -> Self {
        SnapshotError::Source(e)
    }
}

impl Snapshot {
    /// Reads the backlog and the specs of `source`.
    pub fn build(source: &dyn Source, config: &Config) -> Result<Snapshot, SnapshotError> {
        let backlog = backlog::load(source, config.backlog.dir.as_deref())?;
        let specs = spec::load_with(source, &config.specs.globs, &config.specs.id_patterns)?;
        let backlog_config = backlog
            .as_ref()
            .map(|b| b.layout.config.clone())
            .unwrap_or_default();
        let workflow =
            Workflow::new(&backlog_config, &config.workflow).map_err(SnapshotError::Workflow)?;
        Ok(Snapshot {
            backlog,
            specs,
            workflow,
        })
    }
}

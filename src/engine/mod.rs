//! The engine between the commands and the rules: one pipeline that every command runs.
//!
//! 1. the configuration ([`load_config`]) and a snapshot of one source, whole
//!    ([`snapshot`]) or focused on the staged task files ([`focused`]);
//! 2. the checks: the tree rules ([`tree_findings`]), one commit against its parent
//!    ([`judge`]), single tasks found by name ([`tasks`]);
//! 3. the tail: the configured severities ([`configure`], the one place they are
//!    applied), the baseline ([`apply_baseline`]), the summary ([`summary`]) and the exit
//!    status ([`outcome`]).
//!
//! Rendering is the last step, through the one dispatch [`crate::report::render`]: the
//! renderers sit above the history pass, which the engine serves.

pub mod judge;
pub mod memo;
pub mod needed;
pub mod tasks;

use std::collections::BTreeSet;
use std::path::Path;

use crate::backlog::BacklogLayout;
use crate::baseline::{Baseline, Entry};
use crate::config::{Config, ConfigError};
use crate::finding::{Finding, Severity, Summary};
use crate::rules;
use crate::snapshot::{Snapshot, SnapshotError};
use crate::source::{Source, SourceError};
use judge::JudgeError;

/// How a command ended (when it did not fail with a usage, config or repository error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No error-level finding: exit 0.
    Clean,
    /// Error-level findings: exit 1.
    Failed,
}

/// A usage, configuration or repository error: exit 2, with a message that says which.
#[derive(Debug)]
pub enum Error {
    /// The command was called wrongly.
    Usage(String),
    /// `.flowgate.yml` (or the backlog config) is invalid.
    Config(ConfigError),
    /// The repository could not be read.
    Repository(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Usage(m) => write!(f, "usage error: {m}"),
            Error::Config(e) => write!(f, "configuration error: {e}"),
            Error::Repository(m) => write!(f, "repository error: {m}"),
        }
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

impl From<SourceError> for Error {
    fn from(e: SourceError) -> Self {
        Error::Repository(e.0)
    }
}

impl From<JudgeError> for Error {
    fn from(e: JudgeError) -> Self {
        match e {
            JudgeError::Source(s) => Error::Repository(s.0),
            JudgeError::Config(c) => Error::Config(c),
            JudgeError::Invalid(m) => Error::Usage(m),
        }
    }
}

/// Reads the configuration: `file` (`--config FILE`, relative to `dir`) from disk, else
/// `.flowgate.yml` of the source.
pub fn load_config(dir: &Path, file: Option<&Path>, source: &dyn Source) -> Result<Config, Error> {
    match file {
        Some(path) => {
            let full = if path.is_absolute() {
                path.to_path_buf()
            } else {
                dir.join(path)
            };
            let unreadable = |reason: String| {
                Error::Usage(format!(
                    "cannot read the configuration {}: {reason}",
                    full.display()
                ))
            };
            let bytes = crate::own_files::read(&full, crate::source::MAX_FILE_SIZE)
                .map_err(|e| unreadable(e.to_string()))?
                .ok_or_else(|| unreadable("no such file".into()))?;
            let text = std::str::from_utf8(&bytes).map_err(|e| unreadable(e.to_string()))?;
            Ok(Config::parse(&path.display().to_string(), text)?)
        }
        None => Ok(Config::load(source, None)?),
    }
}

/// Turns a snapshot error into a command error: workflow configuration mistakes point
/// into the configuration.
fn snapshot_error(config: &Config, e: SnapshotError) -> Error {
    match e {
        SnapshotError::Source(e) => Error::Repository(e.0),
        SnapshotError::Workflow(w) => Error::Config(config.error_at(&w.needle, w.message, w.help)),
    }
}

/// The whole snapshot of `source`; with the backlog at `pinned` when given (see
/// [`Snapshot::build_pinned`]).
pub fn snapshot(
    source: &dyn Source,
    config: &Config,
    pinned: Option<&BacklogLayout>,
) -> Result<Snapshot, Error> {
    Snapshot::build_pinned(source, config, pinned).map_err(|e| snapshot_error(config, e))
}

/// The whole snapshot of `source` with its backlog (and, when given, its specs) read
/// already (see [`Snapshot::build_with`]).
pub fn snapshot_with(
    source: &dyn Source,
    config: &Config,
    backlog: Option<crate::backlog::Backlog>,
    specs: Option<crate::spec::SpecIndex>,
) -> Result<Snapshot, Error> {
    Snapshot::build_with(source, config, backlog, specs).map_err(|e| snapshot_error(config, e))
}

/// The snapshot of `source` focused on the `staged` task files: only what they need is
/// read (see [`Snapshot::focused`]).
pub fn focused(
    source: &dyn Source,
    config: &Config,
    layout: BacklogLayout,
    staged: &BTreeSet<String>,
) -> Result<Snapshot, Error> {
    Snapshot::focused(source, config, layout, staged).map_err(|e| snapshot_error(config, e))
}

/// The tree rules (task files, spec links, flowspec rigor) on one snapshot, as the
/// rules report them; [`configure`] applies the configured severities.
pub fn tree_findings(snapshot: &Snapshot, config: &Config) -> Vec<Finding> {
    rules::check_tree(snapshot, config)
}

/// Applies the configured severities (dropping `off` findings) to each part, sorts each
/// and joins them in order: the one place severities are applied. Parts are kept apart
/// where one must not silence the other (a tree finding is not answered by a finding of
/// some commit of the history).
pub fn configure<I>(parts: I, config: &Config) -> Vec<Finding>
where
    I: IntoIterator<Item = Vec<Finding>>,
{
    parts
        .into_iter()
        .flat_map(|part| rules::configure(part, config))
        .collect()
}

/// Which baseline entries a run may call stale (no longer occurring).
#[derive(Clone, Copy)]
pub enum Stale {
    /// Every entry: the run saw everything the baseline recorded.
    All,
    /// The entries of tree rules: the run saw the whole tree, not the history.
    Tree,
    /// None: the run saw a few files or commits.
    None,
}

/// Hides the findings recorded in the baseline file (`baseline` in the configuration,
/// default `.flowgate-baseline.json` at `root`) and, unless `quiet`, notes on stderr the
/// entries that no longer occur among those `stale` covers. No file: nothing changes.
pub fn apply_baseline(
    config: &Config,
    root: &Path,
    findings: Vec<Finding>,
    stale: Stale,
    quiet: bool,
) -> Result<Vec<Finding>, Error> {
    let name = config
        .baseline
        .as_deref()
        .unwrap_or(crate::baseline::DEFAULT_FILE);
    let Some(baseline) = Baseline::load(root, name)
        .map_err(|e| Error::Usage(format!("{e} (delete it and run `flowgate baseline` again)")))?
    else {
        return Ok(findings);
    };
    let (findings, note) = hide_baselined(findings, &baseline, stale, name);
    if !quiet {
        if let Some(note) = note {
            eprint!("{note}");
        }
    }
    Ok(findings)
}

/// Hides the findings `baseline` (the file `name`) records; with them, the note on the
/// entries that no longer occur among those `stale` covers, if any.
pub fn hide_baselined(
    findings: Vec<Finding>,
    baseline: &Baseline,
    stale: Stale,
    name: &str,
) -> (Vec<Finding>, Option<String>) {
    let nothing = |_: &Entry| false;
    let scope: Option<&dyn Fn(&Entry) -> bool> = match stale {
        Stale::All => None,
        Stale::Tree => Some(&crate::baseline::is_tree_entry),
        Stale::None => Some(&nothing),
    };
    let applied = crate::baseline::apply(findings, baseline, scope);
    let note = crate::baseline::stale_note(&applied.stale, name);
    (applied.findings, note)
}

/// The summary of a run over `snapshot` (when one was read) and `commits` commits.
pub fn summary(snapshot: Option<&Snapshot>, commits: usize, findings: &[Finding]) -> Summary {
    summary_of(
        snapshot
            .and_then(|s| s.backlog.as_ref())
            .map_or(0, |b| b.tasks().count()),
        snapshot.map_or(0, |s| s.specs.files.len()),
        commits,
        findings,
    )
}

/// The summary of a run over `tasks` tasks, `specs` spec files and `commits` commits.
pub fn summary_of(tasks: usize, specs: usize, commits: usize, findings: &[Finding]) -> Summary {
    Summary {
        tasks,
        specs,
        commits,
        ..Summary::default()
    }
    .count(findings)
}

/// Exit status for a set of findings.
pub fn outcome(findings: &[Finding]) -> Outcome {
    if findings.iter().any(|f| f.severity == Severity::Error) {
        Outcome::Failed
    } else {
        Outcome::Clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        Config::parse(".flowgate.yml", text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn configure_applies_severities_and_keeps_parts_apart() {
        let open = || {
            Finding::new(&rules::DONE_WITH_OPEN_ITEMS, "open items")
                .file("backlog/tasks/task-1 - A.md")
                .task("TASK-1")
        };
        let guard = Finding::new(&rules::GUARD_NOT_MET, "guard")
            .file("backlog/tasks/task-1 - A.md")
            .task("TASK-1")
            .commit("0123456789abcdef0123456789abcdef01234567");
        let config = config("rules:\n  FG105: off\n");
        // In one part the guard finding answers the open items...
        let one = configure([vec![open(), guard.clone()]], &config);
        assert_eq!(
            one.iter().map(|f| f.code).collect::<Vec<_>>(),
            [rules::GUARD_NOT_MET.code]
        );
        // ...a commit's guard finding in another part does not answer the tree's.
        let two = configure([vec![open()], vec![guard]], &config);
        assert_eq!(
            two.iter().map(|f| f.code).collect::<Vec<_>>(),
            [rules::DONE_WITH_OPEN_ITEMS.code, rules::GUARD_NOT_MET.code]
        );
        // `off` drops a finding.
        let off = Finding::new(&rules::UNKNOWN_STATUS, "status").file("a.md");
        assert!(configure([vec![off]], &config).is_empty());
    }

    #[test]
    fn outcome_fails_on_errors_only() {
        let note = Finding::new(&rules::CONFIG_FROM_BASE, "note");
        assert_eq!(outcome(&[note]), Outcome::Clean);
        let error = Finding::new(&rules::UNKNOWN_STATUS, "status");
        assert_eq!(outcome(&[error]), Outcome::Failed);
    }
}

//! flowspec's files beside the backlog: the rigor configuration, the flowspec workflow,
//! task memory and decision logs.
//!
//! A repository is a flowspec repository when it has the `.flowspec/` folder that
//! `flowspec init` creates. Only those get the rigor rules; [`load`] returns `None` for
//! every other repository and reads nothing more.

pub mod decisions;
pub mod memory;
pub mod rigor_config;

use crate::source::{Content, EntryKind, Source, SourceError, MAX_FILE_SIZE};
use crate::workflow::flowspec::{self as flow, FlowspecError, FlowspecWorkflow};

pub use rigor_config::{Mode, RigorConfig};

/// What the rigor rules read besides the backlog.
#[derive(Debug, Clone)]
pub struct Flowspec {
    /// The enforcement settings (defaults when there is no file).
    pub config: RigorConfig,
    /// The flowspec workflow, when there is one and it parses.
    pub workflow: Option<FlowspecWorkflow>,
    /// Why the workflow file could not be read, when it could not.
    pub workflow_error: Option<FlowspecError>,
    /// Task memory (empty when the repository has no backlog).
    pub memory: memory::Memory,
    /// Every decision log.
    pub decisions: Vec<decisions::DecisionLog>,
}

/// True when the source is a flowspec repository: it has the `.flowspec/` folder that
/// `flowspec init` creates. A `flowspec_workflow.yml` alone is not enough: its `workflow:`
/// labels are judged by the transition rules, and repositories may use it without taking
/// on flowspec's rigor rules.
pub fn detect(source: &dyn Source) -> Result<bool, SourceError> {
    Ok(source
        .list_dir("")?
        .iter()
        .any(|e| e.name == ".flowspec" && e.kind == EntryKind::Dir))
}

/// Reads flowspec's files, or `None` when the source is not a flowspec repository.
/// `backlog_root` is the backlog folder (where `memory/` and `CLAUDE.md` are).
/// `known_rule` says whether a rigor ID is one of the catalogue's.
pub fn load(
    source: &dyn Source,
    backlog_root: Option<&str>,
    known_rule: &dyn Fn(&str) -> bool,
) -> Result<Option<Flowspec>, SourceError> {
    load_trusted(source, source, backlog_root, known_rule)
}

/// Like [`load`], with the policy from `trusted`: whether the repository is a flowspec
/// repository, the rigor configuration and the workflow come from `trusted` (what `ci`
/// trusts: the base commit), the memory and the decision logs from `source` (the head).
/// A pull request can then neither switch the rules off nor change their modes.
pub fn load_trusted(
    source: &dyn Source,
    trusted: &dyn Source,
    backlog_root: Option<&str>,
    known_rule: &dyn Fn(&str) -> bool,
) -> Result<Option<Flowspec>, SourceError> {
    if !detect(trusted)? {
        return Ok(None);
    }
    let config = read_rigor_config(trusted, known_rule)?;
    let (workflow, workflow_error) = match flow::load(trusted) {
        Ok(w) => (w, None),
        Err(flow::LoadError::Invalid(e)) => (None, Some(e)),
        Err(flow::LoadError::Source(e)) => return Err(e),
    };
    let memory = match backlog_root {
        Some(root) => memory::load(source, root)?,
        None => memory::Memory::default(),
    };
    Ok(Some(Flowspec {
        config,
        workflow,
        workflow_error,
        memory,
        decisions: decisions::load(source)?,
    }))
}

/// The rigor configuration of `source` (`.flowspec/rigor-config.yml`): the defaults when
/// there is none; a file that cannot be read is a problem on the configuration, and the
/// rules keep their default modes.
pub fn read_rigor_config(
    source: &dyn Source,
    known_rule: &dyn Fn(&str) -> bool,
) -> Result<RigorConfig, SourceError> {
    Ok(match source.read(rigor_config::PATH, MAX_FILE_SIZE)? {
        Content::Bytes(b) => match crate::text::decode(&b) {
            Ok(text) => RigorConfig::parse(rigor_config::PATH, text, known_rule),
            Err(e) => RigorConfig {
                path: Some(rigor_config::PATH.into()),
                problems: vec![rigor_config::Problem {
                    line: None,
                    column: None,
                    message: format!("{} cannot be read as text: {e}", rigor_config::PATH),
                    help: "save it as UTF-8 YAML; until then every rigor rule runs in its default mode".into(),
                }],
                ..RigorConfig::default()
            },
        },
        Content::Missing => RigorConfig::default(),
        other => RigorConfig {
            path: Some(rigor_config::PATH.into()),
            problems: vec![rigor_config::Problem {
                line: None,
                column: None,
                message: format!(
                    "{} is not a readable file ({})",
                    rigor_config::PATH,
                    match other {
                        Content::Symlink => "a symbolic link",
                        Content::TooLarge(_) => "too large",
                        _ => "a folder",
                    }
                ),
                help: "make it a regular YAML file; until then every rigor rule runs in its default mode".into(),
            }],
            ..RigorConfig::default()
        },
    })
}

/// The task a `depends-on:` or `blocked-by:` label names (as written, trimmed).
pub fn label_dependency(label: &str) -> Option<&str> {
    let (kind, target) = label.split_once(':')?;
    let kind = kind.trim().to_ascii_lowercase();
    (kind == "depends-on" || kind == "blocked-by").then_some(target.trim())
}

/// Every task ID whose existence flowspec's rigor rules ask about when they judge `files`
/// with `fs`: the dependencies the files' labels name, and the tasks memory files and
/// decision logs belong to. A focused snapshot looks these up by name instead of listing every task.
pub fn ids_asked<'f>(
    fs: &Flowspec,
    files: impl IntoIterator<Item = &'f crate::backlog::TaskFile>,
) -> std::collections::BTreeSet<crate::backlog::TaskId> {
    let mut ids = std::collections::BTreeSet::new();
    for task in files.into_iter().filter_map(|f| f.task.as_ref()) {
        let targets = task.labels.iter().filter_map(|l| label_dependency(l));
        ids.extend(targets.filter_map(crate::backlog::TaskId::parse));
    }
    ids.extend(fs.memory.files.iter().filter_map(|m| m.id.clone()));
    for log in &fs.decisions {
        ids.extend(log.name_id.clone());
        ids.extend(log.task_refs.iter().filter_map(|r| r.id.clone()));
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemorySource;

    #[test]
    fn detects_flowspec_by_its_folder() {
        let yes = MemorySource::new().with(".flowspec/.version", "0.4.8\n");
        assert!(detect(&yes).unwrap());
        let no = MemorySource::new()
            .with("flowspec_workflow.yml", "states: []\n")
            .with("memory/notes.md", "")
            .with("backlog/memory/task-1.md", "");
        assert!(!detect(&no).unwrap());
        assert!(load(&no, Some("backlog"), &|_| true).unwrap().is_none());
    }
}

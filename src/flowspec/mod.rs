//! flowspec's files beside the backlog: the rigor configuration, the flowspec workflow,
//! task memory and decision logs.
//!
//! A repository is a flowspec repository when it has a `.flowspec/` folder or a
//! `flowspec_workflow.yml` (in one of the places flowspec looks). Only those get the
//! rigor rules; [`load`] returns `None` for every other repository and reads nothing more.

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

/// True when the source looks like a flowspec repository. Lists the root (and
/// `memory/` only when the root has it), so other repositories pay one listing.
pub fn detect(source: &dyn Source) -> Result<bool, SourceError> {
    let root = source.list_dir("")?;
    let has = |entries: &[crate::source::DirEntry], name: &str, kind: EntryKind| {
        entries.iter().any(|e| e.name == name && e.kind == kind)
    };
    if has(&root, ".flowspec", EntryKind::Dir) {
        return Ok(true);
    }
    let in_dir = |dir: &str, entries: &[crate::source::DirEntry]| {
        flow::LOCATIONS.iter().any(|path| {
            let (parent, name) = crate::source::split_parent(path);
            parent == dir && has(entries, name, EntryKind::File)
        })
    };
    if in_dir("", &root) {
        return Ok(true);
    }
    if has(&root, "memory", EntryKind::Dir) {
        return Ok(in_dir("memory", &source.list_dir("memory")?));
    }
    Ok(false)
}

/// Reads flowspec's files, or `None` when the source is not a flowspec repository.
/// `backlog_root` is the backlog folder (where `memory/` and `CLAUDE.md` are).
/// `known_rule` says whether a rigor ID is one of the catalogue's.
pub fn load(
    source: &dyn Source,
    backlog_root: Option<&str>,
    known_rule: &dyn Fn(&str) -> bool,
) -> Result<Option<Flowspec>, SourceError> {
    if !detect(source)? {
        return Ok(None);
    }
    let config = match source.read(rigor_config::PATH, MAX_FILE_SIZE)? {
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
    };
    let (workflow, workflow_error) = match flow::load(source) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemorySource;

    #[test]
    fn detects_flowspec_by_its_folder_or_workflow_file() {
        let yes = [
            MemorySource::new().with(".flowspec/rigor-config.yml", ""),
            MemorySource::new().with("flowspec_workflow.yml", ""),
            MemorySource::new().with("memory/flowspec_workflow.yaml", ""),
        ];
        for src in &yes {
            assert!(detect(src).unwrap());
        }
        let no = MemorySource::new()
            .with("memory/notes.md", "")
            .with("backlog/memory/task-1.md", "");
        assert!(!detect(&no).unwrap());
        assert!(load(&no, Some("backlog"), &|_| true).unwrap().is_none());
    }
}

//! A task file: its parsed content and the defects found while parsing it.

use super::{BacklogLayout, Folder, Spanned, TaskEntry, TaskId};
use crate::finding::{Finding, Position};
use crate::source::{Source, SourceError};

/// One checklist item (acceptance criterion or Definition of Done item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckItem {
    /// The `#N` number, when written.
    pub number: Option<u32>,
    /// Checked (`- [x]`, lowercase only).
    pub checked: bool,
    /// The item's text.
    pub text: String,
    /// Where the item stands.
    pub pos: Position,
}

/// The parsed content of a task file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Task {
    /// Frontmatter `id` as written.
    pub raw_id: Option<Spanned<String>>,
    /// Frontmatter `id`, parsed.
    pub id: Option<TaskId>,
    /// `title`.
    pub title: Option<Spanned<String>>,
    /// `status` as written.
    pub status: Option<Spanned<String>>,
    /// `assignee` (a list or a scalar).
    pub assignee: Vec<String>,
    /// `labels` (a list or a scalar).
    pub labels: Vec<String>,
    /// `dependencies`.
    pub dependencies: Vec<Spanned<String>>,
    /// `parent_task_id`.
    pub parent: Option<Spanned<String>>,
    /// `references`.
    pub references: Vec<Spanned<String>>,
    /// `documentation`.
    pub documentation: Vec<Spanned<String>>,
    /// flowgate's `spec` / `specs`.
    pub spec: Vec<Spanned<String>>,
    /// Acceptance criteria.
    pub acceptance: Vec<CheckItem>,
    /// Definition of Done items.
    pub definition_of_done: Vec<CheckItem>,
    /// Implementation Notes text, when present and non-empty.
    pub implementation_notes: Option<String>,
    /// Final Summary text, when present and non-empty.
    pub final_summary: Option<String>,
    /// Targets of markdown links in the body (`[text](target)`), with positions.
    pub body_links: Vec<Spanned<String>>,
}

/// One task or draft file: where it is, what it says, and what is wrong with it as a file.
#[derive(Debug, Clone)]
pub struct TaskFile {
    /// Repo-relative path.
    pub path: String,
    /// Folder it is in.
    pub folder: Folder,
    /// ID from the file name.
    pub name_id: Option<TaskId>,
    /// The parsed task; `None` when the file could not be read or parsed at all.
    pub task: Option<Task>,
    /// Defects found while reading this file (FG100, FG101, FG102, FG110), located.
    pub issues: Vec<Finding>,
}

impl TaskFile {
    /// The task's identity: the frontmatter `id`, else the ID in the file name.
    pub fn id(&self) -> Option<&TaskId> {
        self.task
            .as_ref()
            .and_then(|t| t.id.as_ref())
            .or(self.name_id.as_ref())
    }

    /// The status as written, if any.
    pub fn status(&self) -> Option<&str> {
        self.task
            .as_ref()
            .and_then(|t| t.status.as_ref())
            .map(|s| s.value.as_str())
    }

    /// The title, if any.
    pub fn title(&self) -> Option<&str> {
        self.task
            .as_ref()
            .and_then(|t| t.title.as_ref())
            .map(|s| s.value.as_str())
    }
}

/// Parses one task file's bytes. Never fails: defects become [`TaskFile::issues`].
pub fn parse_task_file(entry: TaskEntry, bytes: &[u8], layout: &BacklogLayout) -> TaskFile {
    let _ = (entry, bytes, layout);
    unimplemented!("task file parsing")
}

/// Lists task files (see [`super::list_task_files`]).
pub(crate) fn list(
    source: &dyn Source,
    layout: &BacklogLayout,
) -> Result<Vec<TaskEntry>, SourceError> {
    let _ = (source, layout);
    unimplemented!("task listing")
}

/// Reads and parses every listed file (in parallel where it pays).
pub(crate) fn read_all(
    source: &dyn Source,
    layout: &BacklogLayout,
    entries: Vec<TaskEntry>,
) -> Result<Vec<TaskFile>, SourceError> {
    let _ = (source, layout, entries);
    unimplemented!("reading task files")
}

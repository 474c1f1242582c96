//! The Backlog.md format: root discovery, config, task files, IDs.
//!
//! Reading is split so that hooks can stay cheap: [`discover()`] reads only the backlog
//! config, [`list_task_files`] only lists folders (IDs come from file names), and
//! [`parse_task_file`] parses one file. [`load`] does all of it for a whole tree.

pub mod body;
pub mod cli;
pub mod config;
pub mod discover;
pub mod entry;
pub mod frontmatter;
pub mod id_index;
pub mod milestone;
pub mod task;

pub use cli::{cli_number, BACKLOG_MD};
pub use config::BacklogConfig;
pub use discover::{discover, BacklogLayout};
pub use milestone::Milestone;
pub use task::parse_task_file;
// The task model lives in the tracker layer; Backlog.md is one reader of it.
pub use crate::tracker::{CheckItem, Folder, Spanned, Task, TaskFile, TaskId};

use crate::source::{Source, SourceError};

/// Where Backlog.md keeps each [`Folder`] of tasks.
impl Folder {
    /// Every folder with its path below the backlog root.
    pub const ALL: [(Folder, &'static str); 4] = [
        (Folder::Tasks, "tasks"),
        (Folder::Completed, "completed"),
        (Folder::Archive, "archive/tasks"),
        (Folder::Drafts, "drafts"),
    ];

    /// The folder's path below the backlog root.
    pub fn dir(self) -> &'static str {
        match self {
            Folder::Tasks => "tasks",
            Folder::Completed => "completed",
            Folder::Archive => "archive/tasks",
            Folder::Drafts => "drafts",
        }
    }
}

/// A task file found by listing a folder, before it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskEntry {
    /// Repo-relative path.
    pub path: String,
    /// The folder it is in.
    pub folder: Folder,
    /// The ID before ` - ` in the file name (or the whole stem), when it parses.
    pub name_id: Option<TaskId>,
    /// The file's name is not UTF-8: `path` holds it escaped and the file is reported,
    /// not read.
    pub undecodable_name: bool,
}

/// A whole backlog, read from one source.
#[derive(Debug, Clone)]
pub struct Backlog {
    /// Where it is and how it is configured.
    pub layout: BacklogLayout,
    /// Every task and draft file that was read, in path order.
    pub files: Vec<TaskFile>,
    /// Task and draft files that were listed but not read, in path order. Empty for a
    /// whole backlog ([`load`]); a *focused* backlog (what `hook pre-commit` builds) reads
    /// only the files its rules need and keeps the rest here, known by the ID in their
    /// file names.
    pub unread: Vec<TaskEntry>,
    /// The milestone files (`milestones/`, `archive/milestones/`), always all of them.
    pub milestones: Vec<Milestone>,
}

impl Backlog {
    /// A whole backlog: every listed file was read.
    pub fn new(layout: BacklogLayout, files: Vec<TaskFile>) -> Backlog {
        Backlog {
            layout,
            files,
            unread: Vec::new(),
            milestones: Vec::new(),
        }
    }

    /// Files that are tasks (not drafts).
    pub fn tasks(&self) -> impl Iterator<Item = &TaskFile> {
        self.files.iter().filter(|f| f.folder != Folder::Drafts)
    }

    /// The task files whose identity is `id` (several when the ID is duplicated).
    pub fn find<'a>(&'a self, id: &TaskId) -> impl Iterator<Item = &'a TaskFile> + 'a {
        let id = id.clone();
        self.files
            .iter()
            .filter(move |f| f.id().is_some_and(|fid| *fid == id))
    }
}

/// Lists the task and draft files of a backlog without reading them.
/// Only `<prefix>-*.md` (tasks) and `draft-*.md` (drafts) count; `readme.md` and other
/// files are not tasks. Non-recursive per folder.
pub fn list_task_files(
    source: &dyn Source,
    layout: &BacklogLayout,
) -> Result<Vec<TaskEntry>, SourceError> {
    task::list(source, layout)
}

/// The entry [`list_task_files`] gives the repo-relative `path`, found without listing its
/// folder; `None` when `path` is not a task or draft file of the backlog.
pub fn listed_at(
    source: &dyn Source,
    layout: &BacklogLayout,
    path: &str,
) -> Result<Option<TaskEntry>, SourceError> {
    task::listed_at(source, layout, path)
}

/// The entries [`list_task_files`] gives whose file names carry `id`, in path order,
/// found by prefix searches of each folder (binary searches in a git index) instead of a
/// listing of every task. `None` when the ID's prefix has too many letters to try each
/// upper/lower-case spelling of it.
pub fn list_named(
    source: &dyn Source,
    layout: &BacklogLayout,
    id: &TaskId,
) -> Result<Option<Vec<TaskEntry>>, SourceError> {
    task::list_named(source, layout, id)
}

/// Reads and parses listed files (in parallel where it pays), in the order given. Files
/// that vanished since the listing are left out.
pub fn read_task_files(
    source: &dyn Source,
    layout: &BacklogLayout,
    entries: Vec<TaskEntry>,
) -> Result<Vec<TaskFile>, SourceError> {
    task::read_all(source, layout, entries)
}

/// Discovers and reads a whole backlog. `Ok(None)` when the source has no backlog.
pub fn load(
    source: &dyn Source,
    override_dir: Option<&str>,
) -> Result<Option<Backlog>, SourceError> {
    let Some(layout) = discover(source, override_dir)? else {
        return Ok(None);
    };
    load_at(source, layout).map(Some)
}

/// Reads every task file of the backlog at `layout` (found by discovery elsewhere, e.g.
/// in the base commit of a pull request).
pub fn load_at(source: &dyn Source, layout: BacklogLayout) -> Result<Backlog, SourceError> {
    let entries = list_task_files(source, &layout)?;
    let files = task::read_all(source, &layout, entries)?;
    let milestones = milestone::load(source, &layout)?;
    Ok(Backlog {
        layout,
        files,
        unread: Vec::new(),
        milestones,
    })
}

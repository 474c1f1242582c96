//! The task model the rules consume, and the seam between it and the trackers that write
//! tasks.
//!
//! A tracker *reader* turns its files into [`TaskFile`]s (an ID, a title, a status,
//! labels, dependencies, criteria, links, each with its position) and names itself as
//! their [`Tracker`], which phrases the commands a finding's help tells a person to type.
//! The rules read only this model. Backlog.md is one reader (`crate::backlog`); the unit
//! tests of this module hold a second, tiny one that the transition rules run on
//! unchanged.

pub mod id;

use std::fmt;

use crate::finding::{Finding, Position};

pub use id::TaskId;

/// A tracker's command-line tool, as the help of a finding quotes it.
pub trait Tracker: fmt::Debug + Sync {
    /// The tool's name in prose (`Backlog.md`).
    fn name(&self) -> &'static str;
    /// The command that creates a task with a fresh ID (`backlog task create`).
    fn create(&self) -> String;
    /// The command that archives task `id` (`backlog task archive 12`).
    fn archive(&self, id: &TaskId) -> String;
    /// The one command that makes `edits` to task `id` (`backlog task edit 12 --check-ac
    /// 1 --check-ac 2`); `None` for a task whose ID could not be read (a placeholder then).
    fn edit(&self, id: Option<&TaskId>, edits: &[Edit<'_>]) -> String;
}

/// One change to a task, as a finding's help asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit<'a> {
    /// Check acceptance criterion number N.
    CheckCriterion(u32),
    /// Check Definition of Done item number N.
    CheckDone(u32),
    /// Assign the task (to a placeholder name the person replaces).
    Assign,
    /// Write the Final Summary (a placeholder text).
    FinalSummary,
    /// Write the Implementation Notes (a placeholder text).
    Notes,
    /// Add a reference (a spec section's link).
    AddReference(&'a str),
    /// Set the status.
    Status(&'a str),
}

/// A value with the place it was read from (in the file it came from).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it stands.
    pub pos: Position,
}

impl<T> Spanned<T> {
    /// Wraps a value with its position.
    pub fn new(value: T, pos: Position) -> Self {
        Spanned { value, pos }
    }
}

/// Where in its tracker's life a task stands. It matters to the rules: a completed or
/// archived copy is a move of the same task, and a draft is not a task yet. (Backlog.md
/// keeps each in a folder of its own; see `backlog::Folder::dir`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Folder {
    /// Active tasks (Backlog.md: `tasks/`).
    Tasks,
    /// Tasks moved out of the board when done (Backlog.md: `completed/`).
    Completed,
    /// Archived tasks (Backlog.md: `archive/tasks/`).
    Archive,
    /// Drafts (Backlog.md: `drafts/`, `draft-*.md`).
    Drafts,
}

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

/// The parsed content of a task file: what the rules read of a task, whatever the
/// tracker. Field names follow Backlog.md's where one exists.
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
    /// The first flowspec `workflow:<State>` label, with its position.
    pub workflow_label: Option<Spanned<String>>,
    /// `dependencies`.
    pub dependencies: Vec<Spanned<String>>,
    /// `parent_task_id`.
    pub parent: Option<Spanned<String>>,
    /// `subtasks`: the IDs of the task's subtasks, as a parent lists them.
    pub subtasks: Vec<Spanned<String>>,
    /// `milestone`: a milestone's ID or title.
    pub milestone: Option<Spanned<String>>,
    /// `type`: the task type.
    pub task_type: Option<Spanned<String>>,
    /// `priority`.
    pub priority: Option<Spanned<String>>,
    /// `references`.
    pub references: Vec<Spanned<String>>,
    /// `modified_files`: the paths the task's work changed, from the repository root, as
    /// `backlog task edit N --modified-file PATH` writes them.
    pub modified_files: Vec<Spanned<String>>,
    /// `documentation`.
    pub documentation: Vec<Spanned<String>>,
    /// flowgate's `spec` / `specs`.
    pub spec: Vec<Spanned<String>>,
    /// Acceptance criteria.
    pub acceptance: Vec<CheckItem>,
    /// Definition of Done items.
    pub definition_of_done: Vec<CheckItem>,
    /// Description text, when present and non-empty.
    pub description: Option<String>,
    /// Implementation Plan text, when present and non-empty.
    pub plan: Option<String>,
    /// Implementation Notes text, when present and non-empty.
    pub implementation_notes: Option<String>,
    /// Final Summary text, when present and non-empty.
    pub final_summary: Option<String>,
    /// Targets of markdown links in the body (`[text](target)`), with positions.
    pub body_links: Vec<Spanned<String>>,
    /// flowgate's `spec_reviewed`: spec link -> the section's content hash when a person
    /// last confirmed the task still matches it (re-confirms a suspect link).
    pub spec_reviewed: std::collections::BTreeMap<String, String>,
}

/// One task or draft file: where it is, what it says, and what is wrong with it as a file.
#[derive(Debug, Clone)]
pub struct TaskFile {
    /// The tracker whose reader read this file: the tool a finding's help tells a person
    /// to edit it with.
    pub tracker: &'static dyn Tracker,
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

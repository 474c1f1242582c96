//! A snapshot: one source parsed into the models the rules need.

use std::collections::BTreeSet;

use crate::backlog::{self, Backlog, BacklogLayout, TaskEntry};
use crate::config::Config;
use crate::source::{Source, SourceError};
use crate::spec::{self, Needed, SpecIndex};
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
    /// flowspec's files (rigor configuration, task memory, decision logs), in a flowspec
    /// repository.
    pub flowspec: Option<crate::flowspec::Flowspec>,
    /// The paths the tasks in play (see [`modified_files_in_play`]) list in
    /// `modified_files` that exist in the source, as a file or a folder; normalised.
    pub present_modified_files: BTreeSet<String>,
}

/// True when `file`'s `modified_files` describe work in play, whose paths must be in the
/// tree: not archived, completed or a draft, and not in the last status (a finished task's
/// list is history, which later renames and deletions do not make wrong).
pub fn modified_files_in_play(file: &backlog::TaskFile, workflow: &Workflow) -> bool {
    !matches!(
        file.folder,
        backlog::Folder::Archive | backlog::Folder::Completed | backlog::Folder::Drafts
    ) && file.status().is_some_and(|s| !workflow.is_last(s))
}

/// A `modified_files` entry as a repository path: `./` and `.` segments removed; `None`
/// for an entry that is not a path in the repository (absolute, a URL, above the root).
pub fn modified_file_path(entry: &str) -> Option<String> {
    if entry.contains("://") {
        return None;
    }
    crate::paths::normalise("", entry.trim()).filter(|p| !p.is_empty())
}

/// The [`Snapshot::present_modified_files`] of `backlog`'s files in `source`.
fn present_modified_files(
    source: &dyn Source,
    backlog: Option<&Backlog>,
    workflow: &Workflow,
) -> Result<BTreeSet<String>, SourceError> {
    present_of(source, modified_files_listed(backlog, workflow))
}

/// The paths the tasks in play of `backlog` list in `modified_files` (see
/// [`modified_files_in_play`]), normalised, each once, present in the source or not: what
/// [`Snapshot::present_modified_files`] is taken from. They depend only on the task
/// files' parses and `workflow`.
pub fn modified_files_listed(backlog: Option<&Backlog>, workflow: &Workflow) -> Vec<String> {
    let mut listed = Vec::new();
    let Some(backlog) = backlog else {
        return listed;
    };
    let mut seen = BTreeSet::new();
    for file in backlog
        .files
        .iter()
        .filter(|f| modified_files_in_play(f, workflow))
    {
        let Some(task) = &file.task else { continue };
        for entry in &task.modified_files {
            let Some(path) = modified_file_path(&entry.value) else {
                continue;
            };
            if seen.insert(path.clone()) {
                listed.push(path);
            }
        }
    }
    listed
}

/// The paths of `listed` that exist in `source`, as a file or a folder.
pub fn present_of(
    source: &dyn Source,
    listed: impl IntoIterator<Item = String>,
) -> Result<BTreeSet<String>, SourceError> {
    let mut present = BTreeSet::new();
    for path in listed {
        if source.is_file(&path)? || source.is_dir(&path)? {
            present.insert(path);
        }
    }
    Ok(present)
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
        Snapshot::build_pinned(source, config, None)
    }

    /// Like [`Snapshot::build`], but with the backlog at `pinned` (when given) instead of
    /// the one `source` configures: `ci` judges a pull request with the base commit's
    /// backlog location and settings. No backlog when `source` has no folder there.
    pub fn build_pinned(
        source: &dyn Source,
        config: &Config,
        pinned: Option<&BacklogLayout>,
    ) -> Result<Snapshot, SnapshotError> {
        let backlog = match pinned {
            Some(layout) if source.is_dir(&layout.root)? => {
                Some(backlog::load_at(source, layout.clone())?)
            }
            Some(_) => None,
            None => backlog::load(source, config.backlog.dir.as_deref())?,
        };
        Snapshot::build_with(source, config, backlog, None)
    }

    /// Like [`Snapshot::build`], with `backlog` read already (as [`backlog::load`] reads
    /// it from `source`), and the specs too when given (as [`spec::load_with`] reads
    /// them): the audit reads HEAD's task and spec files through its memo.
    pub fn build_with(
        source: &dyn Source,
        config: &Config,
        backlog: Option<Backlog>,
        specs: Option<SpecIndex>,
    ) -> Result<Snapshot, SnapshotError> {
        let specs = match specs {
            Some(specs) => specs,
            None => spec::load_with(source, &config.specs.globs, &config.specs.id_patterns)?,
        };
        let backlog_config = backlog
            .as_ref()
            .map(|b| b.layout.config.clone())
            .unwrap_or_default();
        let workflow =
            Workflow::new(&backlog_config, &config.workflow).map_err(SnapshotError::Workflow)?;
        let flowspec = load_flowspec(source, backlog.as_ref().map(|b| &b.layout))?;
        let present_modified_files = present_modified_files(source, backlog.as_ref(), &workflow)?;
        Ok(Snapshot {
            backlog,
            specs,
            workflow,
            flowspec,
            present_modified_files,
        })
    }

    /// A *focused* snapshot, for checking only the task files in `staged` (paths of the
    /// backlog at `layout`): the rules give those files the findings a whole snapshot
    /// would (see [`backlog::id_index::focus`]), but only they, the files they depend on
    /// (transitively), the files their findings' help quotes, and the spec files their
    /// links name are read. Every other task file stays listed in [`Backlog::unread`]
    /// and every other spec file is an unread [`spec::SpecFile::empty`] record. Findings
    /// on files outside `staged` are not meaningful.
    pub fn focused(
        source: &dyn Source,
        config: &Config,
        layout: BacklogLayout,
        staged: &BTreeSet<String>,
    ) -> Result<Snapshot, SnapshotError> {
        Snapshot::read_staged(source, config, layout, staged, true)
    }

    /// [`Snapshot::focused`] with `plan`; without it only the staged task files are read
    /// (and no spec file): what an [`crate::codes::Focus::OwnFile`] rule needs.
    fn read_staged(
        source: &dyn Source,
        config: &Config,
        layout: BacklogLayout,
        staged: &BTreeSet<String>,
        plan: bool,
    ) -> Result<Snapshot, SnapshotError> {
        let flowspec = load_flowspec(source, Some(&layout))?;
        let alone = match plan {
            true => read_by_name(source, &layout, staged)?,
            false => None,
        };
        // A flowspec repository's rigor rules ask whether tasks exist: the files whose
        // names carry those IDs are listed (unread), as the whole listing would.
        let alone = match (alone, &flowspec) {
            (Some(files), Some(fs)) => {
                let asked = crate::flowspec::ids_asked(fs, &files);
                named_entries(source, &layout, &asked, &files)?.map(|unread| (files, unread))
            }
            (alone, _) => alone.map(|files| (files, Vec::new())),
        };
        let (files, unread) = match alone {
            Some(found) => found,
            None => {
                let mut unread = backlog::list_task_files(source, &layout)?;
                let read = take_listed(&mut unread, staged);
                (backlog::read_task_files(source, &layout, read)?, unread)
            }
        };
        let milestones = backlog::milestone::load(source, &layout)?;
        let mut backlog = Backlog {
            layout,
            files,
            unread,
            milestones,
        };
        let staged_paths: BTreeSet<&str> = staged.iter().map(String::as_str).collect();
        for round in 0.. {
            let want = if !plan {
                BTreeSet::new()
            } else if round < MAX_FOCUS_ROUNDS {
                backlog::id_index::focus(&backlog, &staged_paths)
            } else {
                // A very deep dependency chain: read the rest at once.
                backlog.unread.iter().map(|e| e.path.clone()).collect()
            };
            if want.is_empty() {
                break;
            }
            let read = take_listed(&mut backlog.unread, &want);
            let more = backlog::read_task_files(source, &backlog.layout, read)?;
            backlog.files.extend(more);
            backlog.files.sort_by(|a, b| a.path.cmp(&b.path));
        }
        let specs = spec::load_focused(
            source,
            &config.specs.globs,
            &config.specs.id_patterns,
            |index| {
                let mut paths = BTreeSet::new();
                if !plan {
                    return Needed::Files(paths);
                }
                for file in backlog.files.iter().filter(|f| staged.contains(&f.path)) {
                    match spec::link::files_needed(file, index) {
                        Needed::Everything => return Needed::Everything,
                        Needed::Files(p) => paths.extend(p),
                    }
                }
                Needed::Files(paths)
            },
        )?;
        let workflow = Workflow::new(&backlog.layout.config, &config.workflow)
            .map_err(SnapshotError::Workflow)?;
        let present_modified_files = present_modified_files(source, Some(&backlog), &workflow)?;
        Ok(Snapshot {
            backlog: Some(backlog),
            specs,
            workflow,
            flowspec,
            present_modified_files,
        })
    }
}

/// flowspec's files, in a flowspec repository.
pub fn load_flowspec(
    source: &dyn Source,
    layout: Option<&BacklogLayout>,
) -> Result<Option<crate::flowspec::Flowspec>, SourceError> {
    crate::flowspec::load(
        source,
        layout.map(|l| l.root.as_str()),
        &crate::codes::is_catalogue_id,
    )
}

/// The files a focused snapshot reads for `staged` (see [`backlog::id_index::focus`]),
/// found without listing the backlog, when finding them by the IDs in file names
/// (prefix searches, see [`backlog::list_named`]) is enough: the staged files, the
/// files their dependencies reach, and their parents' and subtasks' files. That is so
/// when every file read has a readable task whose `id` is the ID in its file name, no
/// other file's name carries a staged file's ID, and every reference followed names
/// exactly one file. Then no other file is read, and the rules judge the staged files on
/// those alone as they do with every other name listed. `None` otherwise: the caller
/// lists every task file (a free ID to propose, a duplicate, a reference to resolve or to
/// suggest for). In a flowspec repository the caller also looks up, by name, the tasks the
/// rigor rules ask about (see [`named_entries`]).
fn read_by_name(
    source: &dyn Source,
    layout: &BacklogLayout,
    staged: &BTreeSet<String>,
) -> Result<Option<Vec<backlog::TaskFile>>, SourceError> {
    let mut entries = Vec::new();
    for path in staged {
        entries.extend(backlog::listed_at(source, layout, path)?);
    }
    let mut files = backlog::read_task_files(source, layout, entries)?;
    let prefix = layout.config.task_prefix.as_str();
    let parse = |text: &str| {
        backlog::TaskId::parse_with_prefix(text, prefix).or_else(|| backlog::TaskId::parse(text))
    };
    // The one file whose name carries `text`'s ID, when there is exactly one.
    let named = |text: &str| -> Result<Option<backlog::TaskEntry>, SourceError> {
        let Some(id) = parse(text) else {
            return Ok(None);
        };
        Ok(match backlog::list_named(source, layout, &id)? {
            Some(mut found) if found.len() == 1 => found.pop(),
            _ => None,
        })
    };
    let plain = |file: &backlog::TaskFile| {
        file.task.is_some() && file.id().is_some() && file.name_id.as_ref() == file.id()
    };
    // The staged files' parents and subtasks, read but not followed further.
    let mut linked = Vec::new();
    for file in &files {
        let (Some(task), Some(id)) = (&file.task, file.id()) else {
            return Ok(None);
        };
        if !plain(file) {
            return Ok(None);
        }
        match named(&id.canonical())? {
            Some(entry) if entry.path == file.path => {}
            _ => return Ok(None),
        }
        for reference in task.parent.iter().chain(&task.subtasks) {
            let Some(entry) = named(&reference.value)? else {
                return Ok(None);
            };
            linked.push(entry);
        }
    }
    // The dependencies, transitively from the staged files, one level a round.
    let mut walked: BTreeSet<String> = BTreeSet::new();
    let mut frontier: Vec<usize> = (0..files.len()).collect();
    for round in 0.. {
        if round == MAX_FOCUS_ROUNDS {
            return Ok(None);
        }
        let mut want: Vec<backlog::TaskEntry> = Vec::new();
        for at in std::mem::take(&mut frontier) {
            let Some(file) = files.get(at) else { continue };
            if !walked.insert(file.path.clone()) {
                continue;
            }
            let Some(task) = &file.task else { continue };
            for dep in &task.dependencies {
                let Some(entry) = named(&dep.value)? else {
                    return Ok(None);
                };
                match files.iter().position(|f| f.path == entry.path) {
                    Some(at) => frontier.push(at),
                    None if want.iter().all(|e| e.path != entry.path) => want.push(entry),
                    None => {}
                }
            }
        }
        frontier.retain(|at| files.get(*at).is_some_and(|f| !walked.contains(&f.path)));
        if want.is_empty() && frontier.is_empty() {
            break;
        }
        for file in backlog::read_task_files(source, layout, want)? {
            if !plain(&file) {
                return Ok(None);
            }
            frontier.push(files.len());
            files.push(file);
        }
    }
    linked.retain(|e| files.iter().all(|f| f.path != e.path));
    linked.sort_by(|a, b| a.path.cmp(&b.path));
    linked.dedup_by(|a, b| a.path == b.path);
    for file in backlog::read_task_files(source, layout, linked)? {
        if !plain(&file) {
            return Ok(None);
        }
        files.push(file);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Some(files))
}

/// The entries whose file names carry one of `ids` (as [`backlog::list_task_files`]
/// lists them, sorted by path), except `files`' own; `None` when an ID cannot be looked
/// up by name (see [`backlog::list_named`]).
fn named_entries(
    source: &dyn Source,
    layout: &BacklogLayout,
    ids: &BTreeSet<backlog::TaskId>,
    files: &[backlog::TaskFile],
) -> Result<Option<Vec<TaskEntry>>, SourceError> {
    let mut entries = Vec::new();
    for id in ids {
        let Some(found) = backlog::list_named(source, layout, id)? else {
            return Ok(None);
        };
        entries.extend(found);
    }
    entries.retain(|e: &TaskEntry| files.iter().all(|f| f.path != e.path));
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    entries.dedup_by(|a, b| a.path == b.path);
    Ok(Some(entries))
}

/// Moves the entries whose paths are in `wanted` out of `entries`, keeping the order of
/// both. `entries` is sorted by path (as [`backlog::list_task_files`] returns it), so the
/// few wanted paths are found by binary search and the 10,000s of others are neither
/// copied nor reallocated.
fn take_listed(entries: &mut Vec<TaskEntry>, wanted: &BTreeSet<String>) -> Vec<TaskEntry> {
    debug_assert!(entries.windows(2).all(|w| w[0].path <= w[1].path));
    // `wanted` ascends, so the ranges do too.
    let mut ranges = Vec::new();
    for path in wanted {
        let lo = entries.partition_point(|e| e.path < *path);
        let len = entries
            .get(lo..)
            .map_or(0, |rest| rest.partition_point(|e| e.path == *path));
        if len > 0 {
            ranges.push(lo..lo + len);
        }
    }
    if ranges.is_empty() {
        return Vec::new();
    }
    let taken = ranges
        .iter()
        .filter_map(|r| entries.get(r.clone()))
        .flatten()
        .cloned()
        .collect();
    let (mut at, mut next) = (0, 0);
    entries.retain(|_| {
        while ranges.get(next).is_some_and(|r| r.end <= at) {
            next += 1;
        }
        let keep = !ranges.get(next).is_some_and(|r| r.contains(&at));
        at += 1;
        keep
    });
    taken
}

/// Rounds of reading more files for a focused snapshot before reading all of them.
const MAX_FOCUS_ROUNDS: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::{self, Focus};
    use crate::finding::Finding;
    use crate::rules;
    use crate::source::MemorySource;

    fn task(id: &str, status: &str, extra: &str) -> String {
        format!("---\nid: {id}\ntitle: Task {id}\nstatus: {status}\n{extra}---\n\n## Description\n\nx\n")
    }

    /// A messy backlog: duplicates (also archived), a name/`id` mismatch, dangling
    /// dependencies and parents with near misses, a cycle, subtasks, drafts, and links of
    /// every form, good and broken.
    fn messy() -> MemorySource {
        let spec = |n: u32| {
            format!("# Feature {n}\n\n## Requirements\n\n- **FR-001**: one\n- **FR-002**: two\n\n### User Story 1 - Log in\n\ntext\n")
        };
        let t = "backlog/tasks";
        MemorySource::new()
            .with("backlog/config.yml", "task_prefix: task\nstatuses: [To Do, In Progress, Done]\n")
            .with("specs/001-login/spec.md", spec(1))
            .with("specs/001-login/tasks.md", "# Tasks\n\n- [ ] T001 [US1] do it\n")
            .with("specs/002-search/spec.md", spec(2))
            .with("specs/003-export/spec.md", "# Export\n\n- **FR-009**: only here\n")
            .with("docs/prd/billing.md", "# Billing\n\n### FR-1: Pay\n")
            .with(&format!("{t}/task-1 - One.md"), task("TASK-1", "Done", "spec: specs/001-login/spec.md#fr-001\n"))
            .with(&format!("{t}/task-2 - Two.md"), task("TASK-2", "In Progress", "dependencies: [TASK-1, TASK-99]\nspec: 001-login/FR-002\n"))
            .with(&format!("{t}/task-3 - Three.md"), task("TASK-3", "To Do", "dependencies: [TASK-4]\nspec: 001-login/FR-404\n"))
            .with(&format!("{t}/task-4 - Four.md"), task("TASK-4", "To Do", "dependencies: [TASK-5]\nmilestone: m-0\ntype: Bug\npriority: high\nspec: specs/002-search/spec.md#user-story-1---log-in\n"))
            .with(&format!("{t}/task-5 - Five.md"), task("TASK-5", "To Do", "dependencies: [TASK-3]\nspec: specs/002-search/spec.md\n"))
            .with(&format!("{t}/task-6 - Six.md"), task("TASK-2", "To Do", "spec: specs/009-gone/spec.md#fr-001\n"))
            .with(&format!("{t}/task-7 - Seven.md"), task("TASK-7", "Won't Do", "parent_task_id: TASK-70\nspec: FR-009\n"))
            .with(&format!("{t}/task-8 - Eight.md"), task("TASK-8", "To Do", "spec: FR-001\nmilestone: Relase 1\ntype: feture\npriority: urgent\n"))
            .with("backlog/milestones/m-0 - release-1.md", "---\nid: m-0\ntitle: Release 1\n---\n")
            .with(&format!("{t}/task-9 - Nine.md"), task("TASK-9", "To Do", "documentation:\n  - docs/prd/billing.md#fr-1\n  - https://example.com/x\n"))
            .with(&format!("{t}/task-10 - Ten.md"), task("TASK-10", "To Do", "subtasks: [TASK-10.1, task-11]\n"))
            .with(&format!("{t}/task-14 - Fourteen.md"), task("TASK-14", "To Do", "parent_task_id: TASK-10\n"))
            .with(&format!("{t}/task-10.1 - Sub.md"), task("TASK-10.1", "To Do", "parent_task_id: TASK-10\ndependencies: [task-10, 11]\nspec: 002-search#requirements\n"))
            .with(&format!("{t}/task-11 - Eleven.md"), task("TASK-11", "To Do", "dependencies: [TASK-10.1]\nspec: 004-nothing/FR-001\n"))
            .with(&format!("{t}/task-12 - Twelve.md"), "no frontmatter at all\n")
            .with(&format!("{t}/task-13 - Thirteen.md"), task("TASK-13", "To Do", "spec: ../../outside.md#x\n"))
            .with("backlog/completed/task-1 - One again.md", task("TASK-1", "Done", "spec: 001-login/FR-001\n"))
            .with("backlog/archive/tasks/task-5 - Old five.md", task("TASK-5", "Done", ""))
            .with("backlog/drafts/draft-1 - Idea.md", task("DRAFT-1", "Draft", "dependencies: [TASK-98]\n"))
    }

    fn on(findings: &[Finding], path: &str) -> Vec<Finding> {
        findings
            .iter()
            .filter(|f| f.file.as_deref() == Some(path))
            .cloned()
            .collect()
    }

    /// Task files with defects of their own: unreadable, a field missing, a misspelled
    /// status, section markers unbalanced or repeated, done with open items.
    fn defects() -> MemorySource {
        let t = "backlog/tasks";
        let described = |body: &str| {
            format!("---\nid: TASK-{{}}\ntitle: T\nstatus: To Do\n---\n\n## Description\n\n{body}")
        };
        MemorySource::new()
            .with("backlog/config.yml", "task_prefix: task\nstatuses: [To Do, In Progress, Done]\n")
            .with("specs/001-a/spec.md", "# A\n\n## Requirements\n\n- **FR-001**: one\n")
            .with(&format!("{t}/task-1 - Binary.md"), b"\x00\x01\x02binary")
            .with(&format!("{t}/task-2 - Untitled.md"), "---\nid: TASK-2\nstatus: To Do\n---\n")
            .with(&format!("{t}/task-3 - Spelled.md"), task("TASK-3", "in progress", ""))
            .with(
                &format!("{t}/task-4 - Open.md"),
                described("<!-- SECTION:DESCRIPTION:BEGIN -->\nx\n").replace("{}", "4"),
            )
            .with(
                &format!("{t}/task-5 - Stray.md"),
                described("<!-- SECTION:DESCRIPTION:BEGIN -->\nx\n<!-- SECTION:DESCRIPTION:END -->\n<!-- SECTION:DESCRIPTION:END -->\n").replace("{}", "5"),
            )
            .with(
                &format!("{t}/task-6 - Done.md"),
                task("TASK-6", "Done", "").replace(
                    "## Description",
                    "## Acceptance Criteria\n<!-- AC:BEGIN -->\n- [ ] #1 Works\n<!-- AC:END -->\n\n## Description",
                ),
            )
    }

    /// A flowspec repository whose tasks break the rigor rules that judge a task file, with
    /// dependency labels naming tasks that exist (read or not, archived) and one that does
    /// not, and task memory (of a task, and of none).
    fn flowspec() -> MemorySource {
        let t = "backlog/tasks";
        let labelled = |id: &str, status: &str, labels: &str, plan: bool, ac: &str| {
            let mut s = format!("---\nid: {id}\ntitle: Task {id}\nstatus: {status}\nlabels: [{labels}]\nspec: specs/001-a/spec.md#fr-001\n---\n\n## Description\n\nx\n");
            if !ac.is_empty() {
                s.push_str(&format!(
                    "\n## Acceptance Criteria\n<!-- AC:BEGIN -->\n{ac}<!-- AC:END -->\n"
                ));
            }
            if plan {
                s.push_str("\n## Implementation Plan\n\n<!-- SECTION:PLAN:BEGIN -->\n1. Build it\n<!-- SECTION:PLAN:END -->\n");
            }
            s
        };
        MemorySource::new()
            .with(".flowspec/.version", "0.4.8\n")
            .with(
                "flowspec_workflow.yml",
                "version: \"2.0\"\nstates: [\"To Do\", \"Planned\", \"In Progress\", \"Done\"]\ntransitions:\n  - { name: plan, from: \"To Do\", to: \"Planned\" }\n  - { name: build, from: \"Planned\", to: \"In Progress\" }\n  - { name: finish, from: \"In Progress\", to: \"Done\" }\n",
            )
            .with("backlog/config.yml", "task_prefix: task\nstatuses: [To Do, In Progress, Done]\n")
            .with("specs/001-a/spec.md", "# A\n\n## Requirements\n\n- **FR-001**: one\n")
            .with(&format!("{t}/task-1 - Bare.md"), labelled("TASK-1", "In Progress", "", false, ""))
            .with(
                &format!("{t}/task-2 - Planned.md"),
                labelled("TASK-2", "In Progress", "'workflow:Planned', 'depends-on:TASK-99', 'depends-on:TASK-3', 'blocked-by: task-4'", true, "- [x] #1 Works\n"),
            )
            .with("backlog/archive/tasks/task-4 - Old.md", labelled("TASK-4", "Done", "", true, ""))
            .with("backlog/memory/task-1.md", "# task-1\n\nStarted.\n")
            .with("backlog/memory/task-8.md", "# task-8\n\nNot a task.\n")
            .with(
                &format!("{t}/task-3 - Done.md"),
                labelled("TASK-3", "Done", "'workflow:In Progress', 'workflow-next:Done'", true, "- [ ] #1 Works\n"),
            )
    }

    /// The fixtures every rule runs over, whole and focused.
    fn fixtures() -> Vec<(&'static str, MemorySource)> {
        vec![
            ("messy backlog", messy()),
            ("file defects", defects()),
            ("flowspec", flowspec()),
            ("the rule families' cases", rule_cases()),
        ]
    }

    /// The files the rule families declare next to their rules (`FOCUS_CASES`), in a
    /// backlog of their own.
    fn rule_cases() -> MemorySource {
        rules::focus_cases().fold(
            MemorySource::new().with(
                "backlog/config.yml",
                "task_prefix: task\nstatuses: [To Do, In Progress, Done]\n",
            ),
            |source, (path, content)| source.with(path, content),
        )
    }

    /// Every rule, over every fixture: a focused snapshot (what the pre-commit hook
    /// checks) gives each staged task file the findings the whole snapshot gives it, and a
    /// rule whose focus is [`Focus::OwnFile`] gives them with nothing but the staged files
    /// read. Each rule that reports on task files must fire in some fixture, on a task file,
    /// so that the comparison means something for it: a new rule needs a case here.
    #[test]
    fn every_rule_finds_on_a_focused_snapshot_what_it_finds_on_the_whole() {
        let config = Config::default();
        let mut fired: BTreeSet<&str> = BTreeSet::new();
        let mut compared = 0;
        for (fixture, source) in fixtures() {
            let whole = Snapshot::build(&source, &config).unwrap();
            let all = rules::check_tree(&whole, &config);
            let backlog = whole.backlog.as_ref().unwrap();
            let paths: Vec<String> = backlog.files.iter().map(|f| f.path.clone()).collect();
            for f in &all {
                let rule = codes::lookup(f.code).unwrap();
                assert_ne!(rule.focus, Focus::NotTree, "{fixture}: {f:#?}");
                let on_task = f.file.as_ref().is_some_and(|p| paths.contains(p));
                if on_task {
                    assert_ne!(rule.focus, Focus::Elsewhere, "{fixture}: {f:#?}");
                    fired.insert(f.code);
                }
            }
            // Each file alone, and a few together.
            let mut sets: Vec<Vec<String>> = paths.iter().map(|p| vec![p.clone()]).collect();
            sets.push(paths.iter().step_by(3).cloned().collect());
            sets.push(paths.iter().skip(1).step_by(4).cloned().collect());
            for set in sets {
                let staged: BTreeSet<String> = set.iter().cloned().collect();
                let layout = backlog.layout.clone();
                let focused = Snapshot::focused(&source, &config, layout.clone(), &staged).unwrap();
                let got = rules::check_tree(&focused, &config);
                let bare = Snapshot::read_staged(&source, &config, layout, &staged, false).unwrap();
                let got_bare = rules::check_tree(&bare, &config);
                for path in &set {
                    let expected = on(&all, path);
                    assert_eq!(
                        on(&got, path),
                        expected,
                        "{fixture}: findings on {path} (staged: {set:?})"
                    );
                    assert_eq!(
                        own_file(on(&got_bare, path)),
                        own_file(expected.clone()),
                        "{fixture}: findings of the own-file rules on {path}, with only {set:?} read"
                    );
                    compared += expected.len();
                }
                let read = focused.backlog.as_ref().unwrap().files.len();
                // A staged duplicate or misnamed file may be proposed a free ID, which
                // depends on the whole backlog: reading all of it is right then.
                let proposes_an_id =
                    backlog
                        .files
                        .iter()
                        .filter(|f| set.contains(&f.path))
                        .any(|f| {
                            f.name_id.as_ref() != f.id()
                                || backlog.files.iter().filter(|o| o.id() == f.id()).count() > 1
                        });
                assert!(
                    read < paths.len() || set.len() > 4 || proposes_an_id || paths.len() < 6,
                    "{fixture}: {set:?} read {read} files"
                );
            }
        }
        assert!(compared > 20, "only {compared} findings compared");
        let missing: Vec<&str> = codes::ALL
            .iter()
            .filter(|r| !matches!(r.focus, Focus::NotTree | Focus::Elsewhere))
            .map(|r| r.code)
            .filter(|code| !fired.contains(code))
            .collect();
        assert!(
            missing.is_empty(),
            "no fixture gives {missing:?} on a task file; add a case to the FOCUS_CASES of its family (src/rules/<family>.rs)"
        );
    }

    /// The findings of rules declared [`Focus::OwnFile`].
    fn own_file(findings: Vec<Finding>) -> Vec<Finding> {
        findings
            .into_iter()
            .filter(|f| codes::lookup(f.code).is_some_and(|r| r.focus == Focus::OwnFile))
            .collect()
    }
}

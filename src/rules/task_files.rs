//! Task-file rules: defects of task files as files, and across files.
//!
//! Per file: whatever parsing found (FG100–FG102, FG110), the `id` against the file name
//! (FG103) and the status against the configured list (FG105, FG106). Across files:
//! duplicate IDs (FG104), references to tasks that do not exist (FG107, FG108) and
//! dependency cycles (FG109). One bad file never stops the others from being checked.

use std::collections::{HashMap, VecDeque};

use crate::backlog::cli::{file_name, written_id};
use crate::backlog::id_index::{exists, folder_rank, FastHash, Index, Owner};
use crate::backlog::{Backlog, BacklogLayout, CheckItem, Folder, Spanned, TaskFile, TaskId};
use crate::finding::{Finding, Position, Severity};
use crate::rules;
use crate::snapshot::Snapshot;
use crate::text::phrase_list;
use crate::tracker::Edit;
use crate::workflow::{StatusRef, Workflow};

/// Every task-file finding of a snapshot.
pub fn check(snapshot: &Snapshot) -> Vec<Finding> {
    let Some(backlog) = &snapshot.backlog else {
        return Vec::new();
    };
    let layout = &backlog.layout;
    let mut out = Vec::new();
    if let Some(problem) = &layout.config_problem {
        out.push(config_finding(layout, problem));
    }
    let counts = id_counts(backlog);
    let mut free = FreeIds::new(backlog);
    for file in &backlog.files {
        out.extend(file.issues.iter().cloned());
        id_matches_name(file, layout, &counts, &mut free, &mut out);
        status_is_known(file, &snapshot.workflow, layout, &mut out);
        done_with_open_items(file, &snapshot.workflow, &mut out);
        rules::task_fields::check_file(file, backlog, &mut out);
        rules::task_fields::modified_files(file, snapshot, &mut out);
    }
    duplicates(backlog, &counts, &mut free, &mut out);
    let index = Index::new(backlog);
    dangling(backlog, &index, &mut out);
    subtask_links(backlog, &index, &mut out);
    cycles(&index, &mut out);
    out
}

/// A malformed backlog config: reported on the config file, located when the YAML
/// error says where.
fn config_finding(layout: &BacklogLayout, problem: &str) -> Finding {
    let file = layout.config_path();
    let pos = problem
        .rsplit_once("(line ")
        .and_then(|(_, rest)| {
            let (line, rest) = rest.split_once(", column ")?;
            let column = rest.trim_end_matches(')');
            Some(Position::new(line.parse().ok()?, column.parse().ok()?, 0))
        })
        .unwrap_or_default();
    if problem.contains("outside the repository") {
        return Finding::new(&rules::UNPARSABLE_FRONTMATTER, problem.to_string())
            .at(&file, pos)
            .help(format!(
                "in {file}, name a backlog folder inside the repository, relative to its root, e.g. `backlog_directory: backlog`"
            ));
    }
    Finding::new(
        &rules::UNPARSABLE_FRONTMATTER,
        format!("the backlog config cannot be read: {problem}; using the default statuses"),
    )
    .at(&file, pos)
    .help(format!(
        "fix the YAML in {file}; Backlog.md cannot read it either"
    ))
}

fn canonical(file: &TaskFile) -> Option<String> {
    file.id().map(TaskId::canonical)
}

fn id_pos(file: &TaskFile) -> Position {
    file.task
        .as_ref()
        .and_then(|t| t.raw_id.as_ref())
        .map_or(Position::line(1, 0), |r| r.pos)
}

/// True when `name` starts with the ID and a `-` instead of ` - `
/// (`back-196-add-nixos-packaging.md`): Backlog.md loads such a file by its `id`, but
/// flowgate's hooks find tasks by the ID before ` - `.
fn starts_without_separator(name: &str, id: &TaskId, layout: &BacklogLayout) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        id.padded_file_stem(layout.config.zero_padded_ids),
        id.file_stem(),
    ]
    .iter()
    .any(|stem| {
        lower
            .strip_prefix(stem.as_str())
            .is_some_and(|rest| rest.starts_with('-') || rest.starts_with('_'))
    })
}

/// How many files carry each ID: read files by their frontmatter `id`, files not read
/// (of a focused backlog) by the ID in their name.
fn id_counts(backlog: &Backlog) -> HashMap<&TaskId, usize, FastHash> {
    let mut counts: HashMap<&TaskId, usize, FastHash> = HashMap::default();
    let read = backlog.files.iter().filter_map(TaskFile::id);
    let unread = backlog.unread.iter().filter_map(|e| e.name_id.as_ref());
    for id in read.chain(unread) {
        *counts.entry(id).or_default() += 1;
    }
    counts
}

/// An ID written the way Backlog.md writes it in this backlog.
fn written(id: &TaskId, layout: &BacklogLayout) -> String {
    id.written(layout.config.zero_padded_ids)
}

/// FG103: the ID in the file name differs from the frontmatter `id`. The help never
/// proposes an ID that another file already carries: when the frontmatter `id` belongs to
/// another file too, it proposes the file name's ID, and when that is taken as well, a
/// free one.
fn id_matches_name<'a>(
    file: &'a TaskFile,
    layout: &BacklogLayout,
    counts: &HashMap<&TaskId, usize, FastHash>,
    free: &mut FreeIds<'a>,
    out: &mut Vec<Finding>,
) {
    let Some(task) = &file.task else { return };
    let (Some(id), Some(raw)) = (&task.id, &task.raw_id) else {
        return;
    };
    if file.name_id.as_ref() == Some(id) {
        return;
    }
    let name = file.path.rsplit('/').next().unwrap_or(&file.path);
    let message = match &file.name_id {
        Some(name_id) => format!(
            "the file name says {name_id} but the frontmatter says `id: {}`",
            raw.value
        ),
        None if starts_without_separator(name, id, layout) => format!(
            "the file name `{name}` starts with the task's ID ({}) but not with the ` - ` Backlog.md writes after it",
            raw.value
        ),
        None => format!(
            "the file name `{name}` does not start with the task's ID ({})",
            raw.value
        ),
    };
    // This file counts once under its own `id`; any other count is another file.
    let id_shared = counts.get(id).copied().unwrap_or(0) > 1;
    let name_free = file
        .name_id
        .as_ref()
        .filter(|n| counts.get(n).copied().unwrap_or(0) == 0);
    let help = match (id_shared, name_free) {
        (false, Some(name_id)) => format!(
            "rename the file to `{}`, or set `id: {}` if the file name is right",
            file_name(id, file.title(), layout.config.zero_padded_ids),
            written(name_id, layout)
        ),
        (false, None) => format!("rename the file to `{}`", file_name(id, file.title(), layout.config.zero_padded_ids)),
        (true, Some(name_id)) => format!(
            "set `id: {}` (the file name's ID; {} is also the ID of another file)",
            written(name_id, layout),
            written(id, layout)
        ),
        (true, None) => match free.for_file(file, id) {
            Some(new_id) => format!(
                "give this task a free ID: set `id: {}` and rename the file to `{}` ({} is also the ID of another file)",
                written(&new_id, layout),
                file_name(&new_id, file.title(), layout.config.zero_padded_ids),
                written(id, layout)
            ),
            None => "give this task an ID no other file carries, and name the file after it".to_string(),
        },
    };
    out.push(
        Finding::new(&rules::ID_FILENAME_MISMATCH, message)
            .at(&file.path, raw.pos)
            .help(help)
            .task(id.canonical()),
    );
}

/// FG105 / FG106: the status against the configured statuses.
fn status_is_known(
    file: &TaskFile,
    workflow: &Workflow,
    layout: &BacklogLayout,
    out: &mut Vec<Finding>,
) {
    let Some(status) = file.task.as_ref().and_then(|t| t.status.as_ref()) else {
        return;
    };
    let finding = match workflow.resolve(&status.value) {
        StatusRef::Known(_) | StatusRef::Draft => return,
        StatusRef::Misspelled(i) => {
            let configured = workflow.statuses.get(i).map_or("", String::as_str);
            Finding::new(
                &rules::STATUS_SPELLING,
                format!(
                    "status \"{}\" is spelled differently from the configured \"{configured}\"",
                    status.value
                ),
            )
            .help(format!("write `status: {configured}`"))
        }
        StatusRef::Unknown => Finding::new(
            &rules::UNKNOWN_STATUS,
            format!(
                "status \"{}\" is not one of the configured statuses",
                status.value
            ),
        )
        .help(format!(
            "use one of {}, or add \"{}\" to statuses in {}",
            workflow.list(),
            status.value,
            layout.config_path()
        )),
    };
    let mut finding = finding.at(&file.path, status.pos);
    if let Some(id) = canonical(file) {
        finding = finding.task(id);
    }
    out.push(finding);
}

/// How many open items a message lists before "and N more".
const LISTED_ITEMS: usize = 3;

/// FG111: a task in the last status with unchecked acceptance criteria or Definition of
/// Done items. Archived tasks and drafts are left alone: they are out of the board.
fn done_with_open_items(file: &TaskFile, workflow: &Workflow, out: &mut Vec<Finding>) {
    let Some(task) = &file.task else { return };
    let Some(status) = &task.status else { return };
    if matches!(file.folder, Folder::Archive | Folder::Drafts) || !workflow.is_last(&status.value) {
        return;
    }
    let criteria = open_items(&task.acceptance);
    let dod = open_items(&task.definition_of_done);
    let Some((_, first)) = criteria.first().or(dod.first()) else {
        return;
    };
    let mut what = Vec::new();
    let mut edits = Vec::new();
    let check_ac: fn(u32) -> Edit<'static> = Edit::CheckCriterion;
    let check_dod: fn(u32) -> Edit<'static> = Edit::CheckDone;
    for (items, one, many, edit) in [
        (
            &criteria,
            "acceptance criterion",
            "acceptance criteria",
            check_ac,
        ),
        (
            &dod,
            "Definition of Done item",
            "Definition of Done items",
            check_dod,
        ),
    ] {
        if items.is_empty() {
            continue;
        }
        let mut listed: Vec<String> = items
            .iter()
            .take(LISTED_ITEMS)
            .map(|(k, i)| format!("#{k} \"{}\"", i.text))
            .collect();
        if items.len() > LISTED_ITEMS {
            listed.push(format!("{} more", items.len() - LISTED_ITEMS));
        }
        let noun = if items.len() == 1 { one } else { many };
        what.push(format!("{noun} {}", phrase_list(&listed, "and")));
        edits.extend(items.iter().map(|(k, _)| edit(*k)));
    }
    let name = file
        .id()
        .map_or_else(|| file.path.clone(), TaskId::canonical);
    let mut help = format!(
        "check each item that is met (`- [x]`): {}",
        file.tracker.edit(file.id(), &edits)
    );
    let previous = workflow
        .last()
        .and_then(|l| l.checked_sub(1))
        .and_then(|p| workflow.statuses.get(p));
    if let Some(previous) = previous {
        help.push_str(&format!(
            "; if the work is not finished, set the status back: {}",
            file.tracker.edit(file.id(), &[Edit::Status(previous)])
        ));
    }
    let mut finding = Finding::new(
        &rules::DONE_WITH_OPEN_ITEMS,
        format!(
            "{name} is \"{}\" with unchecked {}",
            status.value,
            phrase_list(&what, "and")
        ),
    )
    .at(&file.path, first.pos)
    .help(help);
    if let Some(id) = file.id() {
        finding = finding.task(id.canonical());
    }
    out.push(finding);
}

/// The unchecked items with their `#N` numbers (the position in the list when unnumbered).
fn open_items(items: &[CheckItem]) -> Vec<(u32, &CheckItem)> {
    items
        .iter()
        .enumerate()
        .filter(|(_, i)| !i.checked)
        .map(|(k, i)| (i.number.unwrap_or(k as u32 + 1), i))
        .collect()
}

/// Hands out free IDs for help texts: the next one after every ID of the backlog, in
/// frontmatter or in a file name, and after every ID already proposed in
/// this run, so that two findings never propose the same ID.
/// One file is always proposed the same ID (FG103 and FG104 may both speak of it).
struct FreeIds<'a> {
    backlog: &'a Backlog,
    proposed: Vec<TaskId>,
    by_file: HashMap<&'a str, TaskId>,
}

impl<'a> FreeIds<'a> {
    fn new(backlog: &'a Backlog) -> Self {
        FreeIds {
            backlog,
            proposed: Vec::new(),
            by_file: HashMap::new(),
        }
    }

    /// The free ID proposed for `file`, next to its `id`.
    fn for_file(&mut self, file: &'a TaskFile, id: &TaskId) -> Option<TaskId> {
        if let Some(known) = self.by_file.get(file.path.as_str()) {
            return Some(known.clone());
        }
        let free = self.next(id)?;
        self.by_file.insert(&file.path, free.clone());
        Some(free)
    }

    /// The next free ID next to `id`: `TASK-<max+1>`, or `TASK-12.<max+1>` for a subtask.
    fn next(&mut self, id: &TaskId) -> Option<TaskId> {
        let parts = id.parts();
        let depth = parts.len();
        let parent = parts.get(..depth.saturating_sub(1)).unwrap_or_default();
        let backlog = self.backlog;
        let max = backlog
            .files
            .iter()
            .flat_map(|f| f.id().into_iter().chain(&f.name_id))
            .chain(backlog.unread.iter().filter_map(|e| e.name_id.as_ref()))
            .chain(&self.proposed)
            .filter(|other| other.prefix() == id.prefix() && other.parts().len() >= depth)
            .filter(|other| other.parts().get(..parent.len()) == Some(parent))
            .filter_map(|other| other.parts().get(depth.saturating_sub(1)).copied())
            .max()
            .unwrap_or(0);
        let mut next = parent.to_vec();
        next.push(max.saturating_add(1));
        let free = TaskId::parse(&written_id(id.prefix(), &next, None))?;
        self.proposed.push(free.clone());
        Some(free)
    }
}

/// FG104: several files with one ID. The first (active folders before the archive, a
/// name that agrees with the `id` before one that does not, then path order) keeps it; every other file is reported, each with its own free ID. A copy
/// in `archive/tasks/` is a warning only: Backlog.md itself reuses the IDs of archived tasks.
fn duplicates<'a>(
    backlog: &'a Backlog,
    counts: &HashMap<&TaskId, usize, FastHash>,
    free: &mut FreeIds<'a>,
    out: &mut Vec<Finding>,
) {
    let mut groups: HashMap<&TaskId, Vec<&TaskFile>> = HashMap::new();
    for file in &backlog.files {
        if let Some(id) = file.id() {
            groups.entry(id).or_default().push(file);
        }
    }
    let mut groups: Vec<_> = groups.into_iter().filter(|(_, v)| v.len() > 1).collect();
    groups.sort_by(|a, b| a.0.cmp(b.0));
    for (id, mut files) in groups {
        // The keeper: active folders before the archive, a file whose name agrees with
        // its `id` before one that does not, then path order.
        files.sort_by_key(|f| {
            (
                folder_rank(f.folder),
                f.name_id.as_ref() != Some(id),
                &f.path,
            )
        });
        let Some((keeper, rest)) = files.split_first() else {
            continue;
        };
        for file in rest {
            // A file whose name carries a free ID keeps its name: FG103 says the same.
            let own_name = file
                .name_id
                .as_ref()
                .filter(|n| *n != id && counts.get(n).copied().unwrap_or(0) == 0);
            let Some(new_id) = own_name.cloned().or_else(|| free.for_file(file, id)) else {
                continue;
            };
            let new = written(&new_id, &backlog.layout);
            let fix = if own_name.is_some() {
                format!("set `id: {new}`, the ID its file name already carries")
            } else {
                format!(
                    "set `id: {new}` and rename the file to `{}`",
                    file_name(&new_id, file.title(), backlog.layout.config.zero_padded_ids)
                )
            };
            let mut finding = if file.folder == Folder::Archive {
                let mut f = Finding::new(
                    &rules::DUPLICATE_TASK_ID,
                    format!(
                        "archived {id} has the same ID as {} (Backlog.md reuses the IDs of archived tasks)",
                        keeper.path
                    ),
                )
                .help(format!(
                    "references to {id} now mean {}; if the archived task must stay addressable, {fix}",
                    keeper.path
                ));
                f.severity = Severity::Warning;
                f
            } else {
                Finding::new(
                    &rules::DUPLICATE_TASK_ID,
                    format!("{id} is also the ID of {}", keeper.path),
                )
                .help(if own_name.is_some() {
                    format!("give this task an ID of its own: {fix}")
                } else {
                    format!("give this task the next free ID: {fix}")
                })
            };
            finding = finding.at(&file.path, id_pos(file)).task(id.canonical());
            out.push(finding);
        }
    }
}

fn suggestion(index: &Index<'_>, wanted: &str, from: &TaskFile, what: &str) -> String {
    let near = index.nearest(wanted, from);
    if near.is_empty() {
        format!("remove `{wanted}` from {what}, or create that task")
    } else {
        format!(
            "did you mean {}? otherwise remove `{wanted}` from {what}",
            near.join(", ")
        )
    }
}

/// FG107 / FG108: dependencies and parents that name no existing task (in any folder,
/// drafts included).
fn dangling(backlog: &Backlog, index: &Index<'_>, out: &mut Vec<Finding>) {
    for file in &backlog.files {
        let Some(task) = &file.task else { continue };
        let me = canonical(file);
        let with_task = |f: Finding| match &me {
            Some(id) => f.task(id.clone()),
            None => f,
        };
        for dep in &task.dependencies {
            if exists(index, &dep.value) {
                continue;
            }
            out.push(with_task(
                Finding::new(
                    &rules::DANGLING_DEPENDENCY,
                    format!("dependency {} is not a task in this backlog", dep.value),
                )
                .at(&file.path, dep.pos)
                .help(suggestion(index, &dep.value, file, "dependencies")),
            ));
        }
        if let Some(parent) = &task.parent {
            if exists(index, &parent.value) {
                continue;
            }
            let mut help = suggestion(index, &parent.value, file, "parent_task_id");
            let drafts = backlog.files.iter().map(|f| f.folder);
            let unread = backlog.unread.iter().map(|e| e.folder);
            if drafts.chain(unread).any(|f| f == Folder::Drafts) {
                help.push_str(&format!(
                    "; if {} was demoted to a draft (it then has a new DRAFT-n ID), set `parent_task_id` to that draft's ID",
                    parent.value
                ));
            }
            out.push(with_task(
                Finding::new(
                    &rules::DANGLING_PARENT,
                    format!("parent task {} is not a task in this backlog", parent.value),
                )
                .at(&file.path, parent.pos)
                .help(help),
            ));
        }
    }
}

/// FG116: a parent's `subtasks` list and its subtasks' `parent_task_id` disagree, either
/// way. Backlog.md finds a task's subtasks by their `parent_task_id` and no longer writes
/// `subtasks`, so a parent without the list agrees with every subtask; a listed ID that is
/// no task at all is left to the reader (it names nothing to disagree with).
fn subtask_links(backlog: &Backlog, index: &Index<'_>, out: &mut Vec<Finding>) {
    let read = |reference: &str| {
        index
            .parse(reference)
            .and_then(|id| index.by_id.get(&id).copied())
            .and_then(Owner::file)
    };
    for file in backlog.files.iter().filter(|f| f.folder != Folder::Archive) {
        let (Some(task), Some(me)) = (&file.task, file.id()) else {
            continue;
        };
        let name = me.canonical();
        for listed in &task.subtasks {
            let Some(child) = read(&listed.value) else {
                continue;
            };
            let Some(child_task) = &child.task else {
                continue;
            };
            let child_parent = child_task.parent.as_ref();
            if child_parent
                .and_then(|p| index.parse(&p.value))
                .is_some_and(|p| p == *me)
            {
                continue;
            }
            let child_name = child
                .id()
                .map_or_else(|| listed.value.clone(), TaskId::canonical);
            let says = match child_parent {
                Some(p) => format!("its `parent_task_id` is {}", p.value),
                None => "it has no `parent_task_id`".to_string(),
            };
            out.push(
                Finding::new(
                    &rules::SUBTASK_PARENT_MISMATCH,
                    format!("{name} lists {child_name} as a subtask, but {says}"),
                )
                .at(&file.path, listed.pos)
                .task(name.clone())
                .help(format!(
                    "if {child_name} belongs to {name}, write `parent_task_id: {name}` in {}; otherwise remove {} from `subtasks`",
                    child.path, listed.value
                )),
            );
        }
        let Some(parent) = &task.parent else { continue };
        let Some(parent_file) = read(&parent.value) else {
            continue;
        };
        let Some(parent_task) = &parent_file.task else {
            continue;
        };
        if parent_task.subtasks.is_empty()
            || parent_task
                .subtasks
                .iter()
                .any(|s| index.parse(&s.value).is_some_and(|s| s == *me))
        {
            continue;
        }
        let parent_name = parent_file
            .id()
            .map_or_else(|| parent.value.clone(), TaskId::canonical);
        out.push(
            Finding::new(
                &rules::SUBTASK_PARENT_MISMATCH,
                format!(
                    "{name}'s parent {parent_name} does not list it in its `subtasks` ({})",
                    parent_task
                        .subtasks
                        .iter()
                        .map(|s| s.value.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .at(&file.path, parent.pos)
            .task(name.clone())
            .help(format!(
                "add {name} to `subtasks` in {}, or delete that list there (Backlog.md finds subtasks by their `parent_task_id`)",
                parent_file.path
            )),
        );
    }
}

/// FG109: dependency cycles, each reported once, on the dependency line of its
/// smallest task, naming the whole chain.
fn cycles(index: &Index<'_>, out: &mut Vec<Finding>) {
    // Nodes: owning files that were read and list dependencies. A task without
    // dependencies (or an unread file of a focused snapshot, whose dependencies are not
    // known) has no edge out, so it cannot be on a cycle; leaving it out, and the edges
    // into it, changes neither the cycles found nor their order (tested against every
    // read file as a node).
    cycles_among(
        index,
        |owner| {
            owner
                .file()
                .and_then(|f| f.task.as_ref())
                .is_some_and(|t| !t.dependencies.is_empty())
        },
        out,
    );
}

/// [`cycles`] over the owners `node` takes as nodes, in a stable order.
fn cycles_among(index: &Index<'_>, node: impl Fn(&Owner<'_>) -> bool, out: &mut Vec<Finding>) {
    let mut nodes: Vec<(&TaskId, Owner<'_>)> = index
        .by_id
        .iter()
        .filter(|(_, owner)| node(owner))
        .map(|(i, f)| (*i, *f))
        .collect();
    nodes.sort_by(|a, b| a.0.cmp(b.0));
    let position: HashMap<&TaskId, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i))
        .collect();
    let edges: Vec<Vec<(usize, &Spanned<String>)>> = nodes
        .iter()
        .map(|(_, owner)| {
            let task = owner.file().and_then(|f| f.task.as_ref());
            task.map_or_else(Vec::new, |t| {
                t.dependencies
                    .iter()
                    .filter_map(|d| {
                        let id = index.parse(&d.value)?;
                        position.get(&id).map(|&n| (n, d))
                    })
                    .collect()
            })
        })
        .collect();
    if edges.iter().all(Vec::is_empty) {
        return;
    }
    for component in strongly_connected(&edges) {
        let Some(&start) = component.iter().min() else {
            continue;
        };
        let self_loop = edges[start].iter().any(|(to, _)| *to == start);
        if component.len() < 2 && !self_loop {
            continue;
        }
        let path = if self_loop {
            vec![start]
        } else {
            shortest_cycle(start, &component, &edges)
        };
        let Some(&next) = path.get(1).or(path.first()) else {
            continue;
        };
        let Some((_, dep)) = edges[start].iter().find(|(to, _)| *to == next) else {
            continue;
        };
        let chain: Vec<String> = path
            .iter()
            .chain(std::iter::once(&start))
            .map(|&n| nodes[n].0.canonical())
            .collect();
        let (id, owner) = nodes[start];
        let Some(file) = owner.file() else { continue };
        out.push(
            Finding::new(
                &rules::DEPENDENCY_CYCLE,
                format!("dependency cycle: {}", chain.join(" → ")),
            )
            .at(&file.path, dep.pos)
            .help(format!(
                "remove {} from the dependencies of {id} (or break another link of the cycle)",
                dep.value
            ))
            .task(id.canonical()),
        );
    }
}

/// Tarjan's algorithm, iterative (dependency chains can be thousands long).
fn strongly_connected(edges: &[Vec<(usize, &Spanned<String>)>]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut counter = 0;
    for root in 0..n {
        if index[root] != UNSEEN || edges[root].is_empty() {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = counter;
        low[root] = counter;
        counter += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut next)) = work.last_mut() {
            if let Some(&(w, _)) = edges[v].get(*next) {
                *next += 1;
                if index[w] == UNSEEN {
                    index[w] = counter;
                    low[w] = counter;
                    counter += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                out.push(component);
            }
        }
    }
    out
}

/// The shortest cycle through `start` inside its component, as `[start, ..]`.
fn shortest_cycle(
    start: usize,
    component: &[usize],
    edges: &[Vec<(usize, &Spanned<String>)>],
) -> Vec<usize> {
    let inside: std::collections::HashSet<usize> = component.iter().copied().collect();
    let mut came_from: HashMap<usize, usize> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &(w, _) in &edges[v] {
            if !inside.contains(&w) {
                continue;
            }
            if w == start {
                let mut path = vec![v];
                let mut cur = v;
                while let Some(&p) = came_from.get(&cur) {
                    path.push(p);
                    cur = p;
                }
                path.reverse();
                return path;
            }
            if w != start && !came_from.contains_key(&w) {
                came_from.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    vec![start]
}

/// Files on which this family's rules fire, for the focus-contract test of `snapshot.rs`
/// (every tree rule must fire on a task file of some fixture, and give a focused snapshot
/// what it gives the whole): `(path, content)`, added to a small backlog there. A new rule
/// of this family that fires in no fixture gets its case here, next to its check.
#[cfg(test)]
pub(crate) const FOCUS_CASES: &[(&str, &str)] = &[];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::WorkflowSection;
    use crate::source::MemorySource;
    use crate::spec::SpecIndex;

    fn task(id: &str, title: &str, status: &str, extra: &str) -> String {
        format!("---\nid: {id}\ntitle: {title}\nstatus: {status}\n{extra}---\n")
    }

    fn snapshot(src: &MemorySource) -> Snapshot {
        let backlog = crate::backlog::load(src, None).unwrap();
        let config = backlog
            .as_ref()
            .map(|b| b.layout.config.clone())
            .unwrap_or_default();
        Snapshot {
            backlog,
            specs: SpecIndex::default(),
            workflow: Workflow::new(&config, &WorkflowSection::default()).unwrap(),
            flowspec: None,
            present_modified_files: Default::default(),
        }
    }

    /// The cycles among the tasks that list dependencies are those among every read
    /// file: on a generated graph with cycles of every length, self-loops, dangling and
    /// duplicate dependencies, subtasks and tasks without any, in a few folders.
    #[test]
    fn cycles_among_tasks_with_dependencies_are_those_among_all_files() {
        let mut src = MemorySource::new();
        let mut seed = 7u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for i in 1..=400u64 {
            let deps: Vec<String> = match next(4) {
                0 => Vec::new(),
                1 => vec![format!("TASK-{}", next(420) + 1)],
                2 => vec![format!("TASK-{}", i), format!("task-{}", next(400) + 1)],
                _ => (0..next(4))
                    .map(|_| format!("TASK-{}", (i + next(5)) % 400 + 1))
                    .collect(),
            };
            let folder = ["tasks", "tasks", "completed", "archive/tasks"][next(4) as usize];
            let id = if next(10) == 0 {
                format!("TASK-{}.1", i)
            } else {
                format!("TASK-{i}")
            };
            src = src.with(
                &format!("backlog/{folder}/task-{i} - T.md"),
                task(
                    &id,
                    "T",
                    "To Do",
                    &format!("dependencies: [{}]\n", deps.join(", ")),
                ),
            );
        }
        let snapshot = snapshot(&src);
        let backlog = snapshot.backlog.as_ref().unwrap();
        let index = Index::new(backlog);
        let mut fast = Vec::new();
        cycles(&index, &mut fast);
        let mut all = Vec::new();
        cycles_among(&index, |owner| owner.file().is_some(), &mut all);
        assert!(fast.len() > 5, "{}", fast.len());
        assert_eq!(fast, all);
    }

    fn found(src: &MemorySource) -> Vec<(String, &'static str, Option<u32>, String, String)> {
        let mut v: Vec<_> = check(&snapshot(src))
            .into_iter()
            .map(|f| {
                (
                    f.file.unwrap_or_default(),
                    f.code,
                    f.line,
                    f.message,
                    f.help.unwrap_or_default(),
                )
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_clean_backlog_has_no_findings() {
        let src = MemorySource::new()
            .with(
                "backlog/config.yml",
                "statuses: [To Do, In Progress, Done]\n",
            )
            .with(
                "backlog/tasks/task-1 - A.md",
                task("TASK-1", "A", "To Do", ""),
            )
            .with(
                "backlog/tasks/task-1.1 - Sub.md",
                task(
                    "TASK-1.1",
                    "Sub",
                    "In Progress",
                    "parent_task_id: TASK-1\ndependencies:\n  - task-2\n",
                ),
            )
            .with(
                "backlog/completed/task-2 - B.md",
                task("TASK-2", "B", "Done", ""),
            )
            .with(
                "backlog/drafts/draft-1 - D.md",
                task("DRAFT-1", "D", "Draft", ""),
            );
        assert_eq!(found(&src), []);
    }

    #[test]
    fn a_messy_backlog_reports_every_defect_with_its_location() {
        let src = MemorySource::new()
            .with(
                "backlog/config.yml",
                "statuses: [To Do, In Progress, Done]\n",
            )
            .with(
                "backlog/tasks/task-1 - A.md",
                task("TASK-1", "A", "To Do", "dependencies: [TASK-2]\n"),
            )
            .with(
                "backlog/tasks/task-2 - B.md",
                task("TASK-2", "B", "To Do", "dependencies:\n  - TASK-3\n"),
            )
            .with(
                "backlog/tasks/task-3 - C.md",
                task("TASK-3", "C", "to do", "dependencies:\n  - TASK-1\n"),
            )
            .with(
                "backlog/tasks/task-3 - Copy of C.md",
                task("TASK-3", "Copy of C", "To Do", ""),
            )
            .with(
                "backlog/tasks/task-9 - Named.md",
                task("TASK-99", "Named", "To Do", ""),
            )
            .with("backlog/tasks/task-5 - No fm.md", "Just text\n")
            .with(
                "backlog/tasks/task-6 - Wont.md",
                task("TASK-6", "Wont", "Won't Do", "parent_task_id: TASK-40\n"),
            )
            .with(
                "backlog/tasks/task-7 - Markers.md",
                format!(
                    "{}\n<!-- AC:BEGIN -->\n- [ ] #1 x\n",
                    task("TASK-7", "Markers", "To Do", "dependencies: [TASK-8]\n")
                ),
            )
            .with(
                "backlog/decisions/task-10 - Not a task.md",
                "no frontmatter",
            );
        let got = found(&src);
        let short: Vec<_> = got
            .iter()
            .map(|(f, c, l, _, _)| (f.as_str(), *c, *l))
            .collect();
        assert_eq!(
            short,
            [
                ("backlog/tasks/task-1 - A.md", "FG109", Some(5)),
                ("backlog/tasks/task-3 - C.md", "FG106", Some(4)),
                ("backlog/tasks/task-3 - Copy of C.md", "FG104", Some(2)),
                ("backlog/tasks/task-5 - No fm.md", "FG101", Some(1)),
                ("backlog/tasks/task-6 - Wont.md", "FG105", Some(4)),
                ("backlog/tasks/task-6 - Wont.md", "FG108", Some(5)),
                ("backlog/tasks/task-7 - Markers.md", "FG107", Some(5)),
                ("backlog/tasks/task-7 - Markers.md", "FG110", Some(8)),
                ("backlog/tasks/task-9 - Named.md", "FG103", Some(2)),
            ]
        );
        let text = |code: &str| {
            got.iter()
                .find(|g| g.1 == code)
                .map(|g| (g.3.as_str(), g.4.as_str()))
                .unwrap()
        };
        assert_eq!(
            text("FG109"),
            (
                "dependency cycle: TASK-1 → TASK-2 → TASK-3 → TASK-1",
                "remove TASK-2 from the dependencies of TASK-1 (or break another link of the cycle)"
            )
        );
        assert_eq!(
            text("FG104"),
            (
                "TASK-3 is also the ID of backlog/tasks/task-3 - C.md",
                "give this task the next free ID: set `id: TASK-100` and rename the file to `task-100 - Copy-of-C.md`"
            )
        );
        assert_eq!(
            text("FG105"),
            (
                "status \"Won't Do\" is not one of the configured statuses",
                "use one of \"To Do\", \"In Progress\", \"Done\", or add \"Won't Do\" to statuses in backlog/config.yml"
            )
        );
        assert_eq!(
            text("FG106"),
            (
                "status \"to do\" is spelled differently from the configured \"To Do\"",
                "write `status: To Do`"
            )
        );
        assert_eq!(
            text("FG103"),
            (
                "the file name says TASK-9 but the frontmatter says `id: TASK-99`",
                "rename the file to `task-99 - Named.md`, or set `id: TASK-9` if the file name is right"
            )
        );
        assert_eq!(
            text("FG107").0,
            "dependency TASK-8 is not a task in this backlog"
        );
        assert_eq!(
            text("FG107").1,
            "did you mean TASK-1 (\"A\"), TASK-2 (\"B\"), TASK-3 (\"C\")? otherwise remove `TASK-8` from dependencies"
        );
        assert_eq!(
            text("FG108").0,
            "parent task TASK-40 is not a task in this backlog"
        );
    }

    #[test]
    fn archived_duplicates_are_warnings_and_padding_is_kept() {
        let src = MemorySource::new()
            .with(
                "backlog/config.yml",
                "task_prefix: feat\nzero_padded_ids: 3\n",
            )
            .with(
                "backlog/tasks/feat-002 - New.md",
                task("FEAT-002", "New", "To Do", ""),
            )
            .with(
                "backlog/archive/tasks/feat-002 - Old.md",
                task("FEAT-002", "Old", "To Do", ""),
            );
        let findings = check(&snapshot(&src));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Warning);
        assert_eq!(
            findings[0].file.as_deref(),
            Some("backlog/archive/tasks/feat-002 - Old.md")
        );
        assert!(
            findings[0]
                .help
                .as_deref()
                .unwrap()
                .contains("`id: FEAT-003`"),
            "{:?}",
            findings[0].help
        );
    }

    #[test]
    fn self_dependency_and_subtask_duplicates() {
        let src = MemorySource::new()
            .with(
                "backlog/tasks/task-1 - A.md",
                task("TASK-1", "A", "To Do", "dependencies: [1]\n"),
            )
            .with(
                "backlog/tasks/task-1.1 - S.md",
                task("TASK-1.1", "S", "To Do", ""),
            )
            .with(
                "backlog/completed/task-1.1 - S.md",
                task("TASK-1.1", "S", "Done", ""),
            );
        let findings = check(&snapshot(&src));
        let codes: Vec<_> = findings
            .iter()
            .map(|f| (f.code, f.message.as_str()))
            .collect();
        assert!(
            codes.contains(&("FG109", "dependency cycle: TASK-1 → TASK-1")),
            "{codes:?}"
        );
        let dup = findings.iter().find(|f| f.code == "FG104").unwrap();
        assert_eq!(
            dup.file.as_deref(),
            Some("backlog/completed/task-1.1 - S.md")
        );
        assert!(dup.help.as_deref().unwrap().contains("`id: TASK-1.2`"));
    }

    #[test]
    fn a_done_task_with_open_items_is_a_warning_naming_them() {
        let body = "\n## Acceptance Criteria\n<!-- AC:BEGIN -->\n- [ ] #1 a\n- [x] #2 b\n<!-- AC:END -->\n\n## Definition of Done\n<!-- DOD:BEGIN -->\n- [ ] #1 tests\n- [ ] #2 docs\n<!-- DOD:END -->\n";
        let src = MemorySource::new()
            .with(
                "backlog/tasks/task-1 - A.md",
                format!("{}{body}", task("TASK-1", "A", "Done", "")),
            )
            .with(
                "backlog/tasks/task-2 - B.md",
                format!("{}{body}", task("TASK-2", "B", "In Progress", "")),
            )
            .with(
                "backlog/archive/tasks/task-3 - C.md",
                format!("{}{body}", task("TASK-3", "C", "Done", "")),
            );
        let got = found(&src);
        assert_eq!(
            got,
            [(
                "backlog/tasks/task-1 - A.md".to_string(),
                "FG111",
                Some(9),
                "TASK-1 is \"Done\" with unchecked acceptance criterion #1 \"a\" and Definition of Done items #1 \"tests\" and #2 \"docs\"".to_string(),
                "check each item that is met (`- [x]`): backlog task edit 1 --check-ac 1 --check-dod 1 --check-dod 2; if the work is not finished, set the status back: backlog task edit 1 -s \"In Progress\"".to_string(),
            )]
        );
    }

    #[test]
    fn every_duplicate_gets_its_own_free_id() {
        let src = MemorySource::new()
            .with(
                "backlog/tasks/task-1 - A.md",
                task("TASK-1", "A", "To Do", ""),
            )
            .with(
                "backlog/tasks/task-1 - B.md",
                task("TASK-1", "B", "To Do", ""),
            )
            .with(
                "backlog/tasks/task-1 - C.md",
                task("TASK-1", "C", "To Do", ""),
            )
            .with(
                "backlog/tasks/task-2 - D.md",
                task("TASK-2", "D", "To Do", ""),
            )
            .with(
                "backlog/archive/tasks/task-2 - E.md",
                task("TASK-2", "E", "Done", ""),
            );
        let got: Vec<_> = found(&src)
            .into_iter()
            .map(|(file, code, _, _, help)| (file, code, help))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "backlog/archive/tasks/task-2 - E.md".to_string(),
                    "FG104",
                    "references to TASK-2 now mean backlog/tasks/task-2 - D.md; if the archived task must stay addressable, set `id: TASK-5` and rename the file to `task-5 - E.md`".to_string()
                ),
                (
                    "backlog/tasks/task-1 - B.md".to_string(),
                    "FG104",
                    "give this task the next free ID: set `id: TASK-3` and rename the file to `task-3 - B.md`".to_string()
                ),
                (
                    "backlog/tasks/task-1 - C.md".to_string(),
                    "FG104",
                    "give this task the next free ID: set `id: TASK-4` and rename the file to `task-4 - C.md`".to_string()
                ),
            ]
        );
    }

    #[test]
    fn a_mismatched_id_is_never_fixed_by_making_another_duplicate() {
        let src = MemorySource::new()
            .with(
                "backlog/config.yml",
                "task_prefix: task\nzero_padded_ids: 3\n",
            )
            .with(
                "backlog/tasks/task-089 - Original.md",
                task("task-089", "Original", "To Do", ""),
            )
            // Named 118, says 89 (taken), 118 is free: keep the name, fix the `id`.
            .with(
                "backlog/tasks/task-118 - Copy.md",
                task("task-089", "Copy", "To Do", ""),
            )
            // Named 7 (taken by the next file), says 89 (taken): a free ID for both.
            .with(
                "backlog/tasks/task-007 - Stray.md",
                task("task-089", "Stray", "To Do", ""),
            )
            .with(
                "backlog/tasks/task-120 - Seven.md",
                task("task-007", "Seven", "To Do", ""),
            );
        let got: Vec<_> = found(&src)
            .into_iter()
            .map(|(file, code, _, _, help)| (file, code, help))
            .collect();
        let helps = |name: &str| -> Vec<(&str, &str)> {
            got.iter()
                .filter(|g| g.0.ends_with(name))
                .map(|g| (g.1, g.2.as_str()))
                .collect()
        };
        assert_eq!(
            helps("task-118 - Copy.md"),
            [
                ("FG103", "set `id: TASK-118` (the file name's ID; TASK-089 is also the ID of another file)"),
                ("FG104", "give this task an ID of its own: set `id: TASK-118`, the ID its file name already carries"),
            ]
        );
        assert_eq!(
            helps("task-007 - Stray.md"),
            [
                ("FG103", "give this task a free ID: set `id: TASK-121` and rename the file to `task-121 - Stray.md` (TASK-089 is also the ID of another file)"),
                ("FG104", "give this task the next free ID: set `id: TASK-121` and rename the file to `task-121 - Stray.md`"),
            ]
        );
    }

    #[test]
    fn did_you_mean_ranks_by_likeness_not_by_the_nearest_number() {
        let src = MemorySource::new()
            .with(
                "backlog/tasks/task-41 - Clean up CI.md",
                task("TASK-41", "Clean up CI", "To Do", ""),
            )
            .with(
                "backlog/tasks/task-39 - Bump deps.md",
                task("TASK-39", "Bump deps", "To Do", ""),
            )
            .with(
                "backlog/tasks/task-4 - Login page.md",
                task("TASK-4", "Login page", "To Do", ""),
            )
            .with(
                "backlog/tasks/task-4.1 - Login page validation.md",
                task(
                    "TASK-4.1",
                    "Login page validation",
                    "To Do",
                    "parent_task_id: TASK-40\n",
                ),
            );
        let got = found(&src);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].1, "FG108");
        assert_eq!(
            got[0].4,
            "did you mean TASK-4 (\"Login page\"), TASK-41 (\"Clean up CI\"), TASK-39 (\"Bump deps\")? otherwise remove `TASK-40` from parent_task_id"
        );
    }

    #[test]
    fn a_name_without_the_separator_is_told_so() {
        let src = MemorySource::new()
            .with("backlog/config.yml", "task_prefix: back\n")
            .with(
                "backlog/completed/back-196-add-nixos-packaging.md",
                task("BACK-196", "Add nixos packaging", "Done", ""),
            );
        let got = found(&src);
        assert_eq!(
            got.iter().map(|g| (g.1, g.3.as_str(), g.4.as_str())).collect::<Vec<_>>(),
            [(
                "FG103",
                "the file name `back-196-add-nixos-packaging.md` starts with the task's ID (BACK-196) but not with the ` - ` Backlog.md writes after it",
                "rename the file to `back-196 - Add-nixos-packaging.md`"
            )]
        );
    }

    #[test]
    fn malformed_config_is_reported_and_defaults_apply() {
        let src = MemorySource::new()
            .with("backlog/config.yml", "statuses: [To Do\n")
            .with(
                "backlog/tasks/task-1 - A.md",
                task("TASK-1", "A", "To Do", ""),
            );
        let findings = check(&snapshot(&src));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].file.as_deref(), Some("backlog/config.yml"));
        assert!(findings[0].line.is_some());
    }
}

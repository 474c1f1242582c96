//! Transition rules: status changes between two snapshots of the same task.
//!
//! The input is only what a commit changes: the task files that differ on the "before"
//! side (HEAD, or a commit's first parent) and on the "after" side (the index, or the
//! commit). Tasks are paired by ID, so a move to `completed/` or `archive/tasks/`, or a
//! rename because the title changed, is the same task. Anything else the rules need from
//! the rest of a tree (a dependency's status, an untouched task with the same ID) comes
//! through [`TaskLookup`], which a hook answers by file name without parsing the backlog.

use crate::finding::{Finding, Position};
use crate::rules;
use crate::text::phrase_list;
use crate::tracker::{CheckItem, Edit, Folder, Task, TaskFile, TaskId};
use crate::workflow::flowspec::{label_state, FlowspecWorkflow};
use crate::workflow::{quoted_list, Guard, Workflow};

/// Answers questions about the rest of the two trees.
pub trait TaskLookup {
    /// The task with this ID in the "after" tree, if any (for `dependencies-done`).
    fn after(&self, id: &TaskId) -> Option<TaskFile>;
    /// A task with this ID in the "before" tree that the change leaves untouched (for
    /// `id-reused`).
    fn before_untouched(&self, id: &TaskId) -> Option<TaskFile>;
    /// True when the task links to a spec section (for `has-spec-link`). The default
    /// counts flowgate's `spec` / `specs` frontmatter.
    fn has_spec_link(&self, task: &Task) -> bool {
        !task.spec.is_empty()
    }
    /// The "after" tree and where its specs are, for the guards that read specs
    /// (`spec-ready`); `None`: the lookup has no tree, and those guards are not judged.
    fn specs(&self) -> Option<(&dyn crate::source::Source, SpecPlaces<'_>)> {
        None
    }
}

/// Where the specs are: `specs.globs` and `specs.id_patterns` of the configuration.
#[derive(Debug, Clone, Copy)]
pub struct SpecPlaces<'a> {
    /// Globs of spec files.
    pub globs: &'a [String],
    /// Extra requirement-ID patterns.
    pub id_patterns: &'a [String],
}

impl<'a> SpecPlaces<'a> {
    /// The places `config` names.
    pub fn of(config: &'a crate::config::Config) -> SpecPlaces<'a> {
        SpecPlaces {
            globs: &config.specs.globs,
            id_patterns: &config.specs.id_patterns,
        }
    }
}

/// A lookup that knows nothing beyond the changed files.
pub struct NoLookup;

impl TaskLookup for NoLookup {
    fn after(&self, _: &TaskId) -> Option<TaskFile> {
        None
    }
    fn before_untouched(&self, _: &TaskId) -> Option<TaskFile> {
        None
    }
}

/// What the transition rules judge.
pub struct TransitionInput<'a> {
    /// Changed task and draft files, before.
    pub before: &'a [TaskFile],
    /// Changed task and draft files, after.
    pub after: &'a [TaskFile],
    /// The status workflow.
    pub workflow: &'a Workflow,
    /// The flowspec workflow, when the repository has one.
    pub flowspec: Option<&'a FlowspecWorkflow>,
    /// The first commit, or the one that adopts a backlog: nothing to compare with.
    pub root_commit: bool,
    /// The change stands for a squashed series of commits (a squash-merged pull request):
    /// a status change is legal when some series of allowed moves leads there, and a new
    /// task may be in any status reachable from a starting one.
    pub span: bool,
    /// The rest of the trees.
    pub lookup: &'a dyn TaskLookup,
}

/// `"A"`, `"A" or "B"`, `"A", "B" or "C"`.
fn or_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    phrase_list(&quoted, "or")
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    phrase_list(items, "and")
}

fn status_pos(file: &TaskFile) -> Position {
    file.task
        .as_ref()
        .and_then(|t| t.status.as_ref())
        .map(|s| s.pos)
        .unwrap_or_default()
}

fn id_pos(file: &TaskFile) -> Position {
    file.task
        .as_ref()
        .and_then(|t| t.raw_id.as_ref())
        .map(|s| s.pos)
        .unwrap_or_default()
}

fn frontmatter_id(file: &TaskFile) -> Option<&TaskId> {
    file.task.as_ref().and_then(|t| t.id.as_ref())
}

/// How a changed file after a change continues one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Continuation {
    /// The same ID: edited, moved between folders, or renamed with its title.
    SameId,
    /// The same file, its `id` edited to agree with the file's name: a fix.
    IdFixed,
    /// The same file, its `id` edited to another ID.
    IdEdited,
    /// Another ID for the same task: the same title, or the same number under another
    /// prefix (a renumbering of a colliding ID, a `task_prefix` migration, a demotion to
    /// `drafts/` or a promotion from it, which give the file a new ID).
    Renumbered,
}

/// The changed files of one change, paired by identity.
#[derive(Debug, Default)]
pub struct Pairing<'f> {
    /// Before, after, and how the one continues the other (either side may be a draft).
    pub pairs: Vec<(&'f TaskFile, &'f TaskFile, Continuation)>,
    /// Task files (not drafts) after the change that continue none before it.
    pub added: Vec<&'f TaskFile>,
    /// Task files (not drafts) before the change that none after it continues.
    pub removed: Vec<&'f TaskFile>,
}

/// Pairs the changed files of one change: by path, then by ID, then by title (or by
/// number under another prefix), so that a task keeps its identity through moves, title
/// renames, renumbering, prefix migrations and trips to `drafts/`.
pub fn pair<'f>(before: &'f [TaskFile], after: &'f [TaskFile]) -> Pairing<'f> {
    let mut used_b = vec![false; before.len()];
    let mut used_a = vec![false; after.len()];
    let mut pairs = Vec::new();
    let drafts = |f: &TaskFile| f.folder == Folder::Drafts;
    for (ai, a) in after.iter().enumerate() {
        let Some(bi) = before.iter().position(|b| b.path == a.path) else {
            continue;
        };
        let b = &before[bi];
        let kind = match (frontmatter_id(b), frontmatter_id(a)) {
            (Some(old), Some(new)) if old != new => {
                if a.name_id.as_ref() == Some(new) && b.name_id.as_ref() != Some(old) {
                    Continuation::IdFixed
                } else {
                    Continuation::IdEdited
                }
            }
            _ => Continuation::SameId,
        };
        used_b[bi] = true;
        used_a[ai] = true;
        pairs.push((b, a, kind));
    }
    for (ai, a) in after.iter().enumerate() {
        if used_a[ai] || drafts(a) {
            continue;
        }
        let Some(id) = a.id() else { continue };
        let found = (0..before.len())
            .find(|&bi| !used_b[bi] && !drafts(&before[bi]) && before[bi].id() == Some(id));
        if let Some(bi) = found {
            used_b[bi] = true;
            used_a[ai] = true;
            pairs.push((&before[bi], a, Continuation::SameId));
        }
    }
    let same_title = |b: &TaskFile, a: &TaskFile| {
        b.title()
            .zip(a.title())
            .is_some_and(|(x, y)| !x.trim().is_empty() && x.trim() == y.trim())
    };
    let same_number = |b: &TaskFile, a: &TaskFile| {
        !drafts(b)
            && !drafts(a)
            && b.id()
                .zip(a.id())
                .is_some_and(|(x, y)| x.parts() == y.parts() && x.prefix() != y.prefix())
    };
    for (ai, a) in after.iter().enumerate() {
        if used_a[ai] {
            continue;
        }
        // Two drafts are never a task's identity.
        let both_drafts = |bi: usize| drafts(&before[bi]) && drafts(a);
        let open = |bi: &usize| !used_b[*bi] && !both_drafts(*bi);
        let found = (0..before.len())
            .filter(open)
            .find(|&bi| same_title(&before[bi], a) && same_number(&before[bi], a))
            .or_else(|| {
                (0..before.len())
                    .filter(open)
                    .find(|&bi| same_title(&before[bi], a))
            })
            .or_else(|| {
                (0..before.len())
                    .filter(open)
                    .find(|&bi| same_number(&before[bi], a))
            });
        if let Some(bi) = found {
            used_b[bi] = true;
            used_a[ai] = true;
            pairs.push((&before[bi], a, Continuation::Renumbered));
        }
    }
    Pairing {
        pairs,
        added: after
            .iter()
            .zip(&used_a)
            .filter(|(a, used)| !**used && !drafts(a))
            .map(|(a, _)| a)
            .collect(),
        removed: before
            .iter()
            .zip(&used_b)
            .filter(|(b, used)| !**used && !drafts(b))
            .map(|(b, _)| b)
            .collect(),
    }
}

/// Every transition finding of one change.
pub fn check(input: &TransitionInput<'_>) -> Vec<Finding> {
    if input.root_commit {
        return Vec::new();
    }
    let pairing = pair(input.before, input.after);
    let mut findings = Vec::new();
    for &(b, a, kind) in &pairing.pairs {
        // A demotion to drafts, or a draft edited: no task status moved.
        if a.folder == Folder::Drafts {
            continue;
        }
        let Some(id) = a.id() else { continue };
        match (kind, frontmatter_id(b)) {
            (Continuation::IdEdited, Some(old_id)) => findings.push(
                Finding::new(
                    &rules::ID_CHANGED,
                    format!("the id of {} was changed from {old_id} to {id}", a.path),
                )
                .at(&a.path, id_pos(a))
                .task(id.canonical())
                .help(format!(
                    "a task keeps its ID for life (commits and links refer to it): put back `id: {old_id}`; for a new task, create a new file with `{}`",
                    a.tracker.create()
                )),
            ),
            _ => judge_pair(input, b, a, id, &mut findings),
        }
    }
    for a in &pairing.added {
        if let Some(id) = a.id() {
            judge_new(input, a, id, &mut findings);
        }
    }
    for b in &pairing.removed {
        judge_removed(input, b, &mut findings);
    }
    findings
}

fn judge_pair(
    input: &TransitionInput<'_>,
    old: &TaskFile,
    new: &TaskFile,
    id: &TaskId,
    out: &mut Vec<Finding>,
) {
    let wf = input.workflow;
    if let (Some(from), Some(to)) = (old.status(), new.status()) {
        if let (Some(f), Some(t)) = (wf.resolve(from).index(), wf.resolve(to).index()) {
            if f != t {
                let legal = if input.span {
                    wf.reaches(f, t)
                } else {
                    wf.allows(f, t)
                };
                if !legal {
                    let next = wf.next(f);
                    let help = if next.is_empty() {
                        format!("the workflow allows no move from \"{}\"", wf.statuses[f])
                    } else {
                        format!(
                            "from \"{}\" you may move to {}",
                            wf.statuses[f],
                            or_list(&next)
                        )
                    };
                    out.push(
                        Finding::new(
                            &rules::ILLEGAL_TRANSITION,
                            format!(
                                "{id} moved from \"{}\" to \"{}\", which the workflow does not allow",
                                wf.statuses[f], wf.statuses[t]
                            ),
                        )
                        .at(&new.path, status_pos(new))
                        .task(id.canonical())
                        .help(help),
                    );
                }
                judge_guards(input, new, id, t, out);
            }
        }
    }
    judge_flowspec(input, old, new, id, out);
}

fn judge_new(input: &TransitionInput<'_>, new: &TaskFile, id: &TaskId, out: &mut Vec<Finding>) {
    let wf = input.workflow;
    if let Some(untouched) = input.lookup.before_untouched(id) {
        let (old_title, new_title) = (untouched.title(), new.title());
        if old_title.is_none() || new_title.is_none() || old_title == new_title {
            // A copy of a task that stays where it was (an archived copy, a second file):
            // the same task, not a new one.
            judge_pair(input, &untouched, new, id, out);
            return;
        }
        {
            out.push(
                Finding::new(
                    &rules::ID_REUSED,
                    format!(
                        "new task {id} \"{}\" reuses the ID of \"{}\" ({})",
                        new_title.unwrap_or_default(),
                        old_title.unwrap_or_default(),
                        untouched.path
                    ),
                )
                .at(&new.path, id_pos(new))
                .task(id.canonical())
                .help(format!(
                    "give the new task an ID no task ever had (with {}: `{}` after restoring the file; archived tasks keep their IDs)",
                    new.tracker.name(),
                    new.tracker.create()
                )),
            );
        }
    }
    let Some(status) = new.status() else { return };
    let Some(t) = wf.resolve(status).index() else {
        return;
    };
    let reachable =
        input.span && (0..wf.statuses.len()).any(|i| wf.allows_initial(i) && wf.reaches(i, t));
    if !wf.allows_initial(t) && !reachable {
        out.push(
            Finding::new(
                &rules::ILLEGAL_INITIAL_STATUS,
                format!(
                    "new task {id} starts in \"{}\", where new tasks may not start",
                    wf.statuses[t]
                ),
            )
            .at(&new.path, status_pos(new))
            .task(id.canonical())
            .help(format!(
                "start it in {} and move it on in later commits",
                or_list(&wf.initial_statuses())
            )),
        );
    }
    judge_guards(input, new, id, t, out);
}

fn judge_removed(input: &TransitionInput<'_>, old: &TaskFile, out: &mut Vec<Finding>) {
    // Archived tasks are out of play already; deleting them loses nothing in the workflow.
    if old.folder == Folder::Archive || old.folder == Folder::Completed {
        return;
    }
    let Some(id) = old.id() else { return };
    // Another file still carries the ID (one copy of a duplicate was removed): the task
    // is still there.
    if input
        .lookup
        .after(id)
        .is_some_and(|f| f.folder != Folder::Drafts)
    {
        return;
    }
    let wf = input.workflow;
    let message = match old.status() {
        Some(status) if wf.is_last(status) => return,
        Some(status) => format!(
            "{id} was deleted while in \"{status}\"; an unfinished task must not disappear"
        ),
        None => format!(
            "{id} was deleted, and its status could not be read ({}), so it may have been unfinished; an unfinished task must not disappear",
            unreadable_status(old)
        ),
    };
    out.push(
        Finding::new(&rules::UNFINISHED_TASK_DELETED, message)
        .file(&old.path)
        .task(id.canonical())
        .help(format!(
            "restore it (git restore --source=HEAD --staged --worktree -- \"{}\") and archive it instead: {}",
            old.path,
            old.tracker.archive(id)
        )),
    );
}

/// Why a task file has no status flowgate can read.
fn unreadable_status(file: &TaskFile) -> String {
    let first_issue = file.issues.first().map(|f| f.message.trim_end_matches('.'));
    match (&file.task, first_issue) {
        (Some(t), _) if t.status.is_none() => "it has no `status:` field".to_string(),
        (_, Some(issue)) => format!("its frontmatter could not be read: {issue}"),
        _ => "its frontmatter could not be read".to_string(),
    }
}

fn judge_guards(
    input: &TransitionInput<'_>,
    new: &TaskFile,
    id: &TaskId,
    status: usize,
    out: &mut Vec<Finding>,
) {
    let wf = input.workflow;
    let Some(task) = new.task.as_ref() else {
        return;
    };
    let edit = |edits: &[Edit<'_>]| new.tracker.edit(Some(id), edits);
    let target = &wf.statuses[status];
    for guard in wf.guards_for(status) {
        let unmet: Option<(String, String)> = match guard {
            Guard::AcceptanceCriteriaChecked => unchecked(&task.acceptance).map(|(items, nums)| {
                let what = if nums.len() == 1 {
                    format!("acceptance criterion {items} is not checked")
                } else {
                    format!("acceptance criteria {items} are not checked")
                };
                let edits: Vec<Edit<'_>> = nums.iter().map(|k| Edit::CheckCriterion(*k)).collect();
                (
                    what,
                    format!(
                        "check each criterion once it is met (`- [x]`): {}",
                        edit(&edits)
                    ),
                )
            }),
            Guard::DefinitionOfDoneChecked => unchecked(&task.definition_of_done).map(|(items, nums)| {
                let edits: Vec<Edit<'_>> = nums.iter().map(|k| Edit::CheckDone(*k)).collect();
                (
                    format!(
                        "Definition of Done {} {items} {} not checked",
                        if nums.len() == 1 { "item" } else { "items" },
                        if nums.len() == 1 { "is" } else { "are" }
                    ),
                    format!(
                        "check each item once it is done (`- [x]`): {}",
                        edit(&edits)
                    ),
                )
            }),
            Guard::HasSpecLink => (!input.lookup.has_spec_link(task)).then(|| {
                (
                    "it links to no spec section".to_string(),
                    "add the section it implements to its frontmatter, e.g. `spec: specs/001-feature/spec.md#functional-requirements`".to_string(),
                )
            }),
            Guard::HasAssignee => task
                .assignee
                .iter()
                .all(|a| a.trim().is_empty())
                .then(|| {
                    (
                        "it has no assignee".to_string(),
                        format!("assign it: {}", edit(&[Edit::Assign])),
                    )
                }),
            Guard::DependenciesDone => undone_dependencies(input, task, id).map(|deps| {
                let (noun, verb) = if deps.len() == 1 {
                    ("its dependency", "is")
                } else {
                    ("its dependencies", "are")
                };
                (
                    format!("{noun} {} {verb} not done", and_list(&deps)),
                    format!(
                        "finish them first: a dependency is done when it is in completed/ or in \"{}\"",
                        wf.last().map_or("", |l| wf.statuses[l].as_str())
                    ),
                )
            }),
            Guard::HasFinalSummary => task.final_summary.is_none().then(|| {
                (
                    "it has no Final Summary".to_string(),
                    format!("write one: {}", edit(&[Edit::FinalSummary])),
                )
            }),
            Guard::HasImplementationNotes => task.implementation_notes.is_none().then(|| {
                (
                    "it has no Implementation Notes".to_string(),
                    format!("write them: {}", edit(&[Edit::Notes])),
                )
            }),
            Guard::SpecReady => spec_ready(input, new, id, target, out),
        };
        if let Some((what, help)) = unmet {
            out.push(
                Finding::new(
                    &rules::GUARD_NOT_MET,
                    format!("{id} cannot enter \"{target}\": {what}"),
                )
                .at(&new.path, status_pos(new))
                .task(id.canonical())
                .help(help),
            );
        }
    }
}

/// `spec-ready`: a finding at each open item of the task's linked spec sections and of
/// their features' checklists (at most [`SHOWN_ITEMS`], the last one counting the rest).
/// A task that links to no spec passes (`has-spec-link` asks for a link). Specs that
/// cannot be read are the guard's unmet reason, returned for the caller to report.
fn spec_ready(
    input: &TransitionInput<'_>,
    new: &TaskFile,
    id: &TaskId,
    target: &str,
    out: &mut Vec<Finding>,
) -> Option<(String, String)> {
    use crate::spec::ready::{open_items, OpenKind};
    let (source, places) = input.lookup.specs()?;
    let items =
        match open_items(source, new, places.globs, places.id_patterns) {
            Ok(items) => items,
            Err(e) => return Some((
                format!("its specs cannot be read ({e})"),
                "spec-ready reads the spec sections the task links to; make them readable files"
                    .to_string(),
            )),
        };
    let total = items.len();
    for (k, item) in items.iter().take(SHOWN_ITEMS).enumerate() {
        let line = item.pos.line;
        let (what, help) = match item.kind {
            OpenKind::Marker => (
                format!("the spec it links to ({}) has the open marker \"{}\"", item.via, item.text),
                format!(
                    "answer the question or finish the text at {}:{line} (spec-kit: /speckit.clarify), then move the task; a marker inside code (`TODO`) does not count",
                    item.path
                ),
            ),
            OpenKind::Placeholder => (
                format!(
                    "the spec it links to ({}) still has spec-kit's template placeholder \"{}\"",
                    item.via, item.text
                ),
                format!(
                    "replace the placeholder with this feature's own text at {}:{line}, or delete the line",
                    item.path
                ),
            ),
            OpenKind::Unchecked => (
                format!("checklist {} has the unchecked item \"{}\"", item.path, item.text),
                format!(
                    "review the item and check it (`- [x]`) at {}:{line} once it holds, or remove it if it does not apply",
                    item.path
                ),
            ),
        };
        let more = if k + 1 == SHOWN_ITEMS && total > SHOWN_ITEMS {
            format!(" (and {} more open items)", total - SHOWN_ITEMS)
        } else {
            String::new()
        };
        out.push(
            Finding::new(
                &rules::GUARD_NOT_MET,
                format!("{id} cannot enter \"{target}\": {what}{more}"),
            )
            .at(&item.path, item.pos)
            .task(id.canonical())
            .help(help),
        );
    }
    None
}

/// How many unchecked items a message names before it says "and N more".
const SHOWN_ITEMS: usize = 3;

/// The unchecked items, as `#2 "text" and #3 "text"` (at most [`SHOWN_ITEMS`], then
/// "and N more"), with all their numbers.
fn unchecked(items: &[CheckItem]) -> Option<(String, Vec<u32>)> {
    let open: Vec<(u32, &str)> = items
        .iter()
        .enumerate()
        .filter(|(_, i)| !i.checked)
        .map(|(k, i)| (i.number.unwrap_or(k as u32 + 1), i.text.as_str()))
        .collect();
    if open.is_empty() {
        return None;
    }
    let mut described: Vec<String> = open
        .iter()
        .take(SHOWN_ITEMS)
        .map(|(k, t)| format!("#{k} \"{t}\""))
        .collect();
    if open.len() > SHOWN_ITEMS {
        described.push(format!("{} more", open.len() - SHOWN_ITEMS));
    }
    Some((and_list(&described), open.iter().map(|(k, _)| *k).collect()))
}

fn undone_dependencies(
    input: &TransitionInput<'_>,
    task: &Task,
    own: &TaskId,
) -> Option<Vec<String>> {
    let wf = input.workflow;
    let mut undone = Vec::new();
    for dep in &task.dependencies {
        let Some(dep_id) = TaskId::parse_with_prefix(&dep.value, own.prefix()) else {
            undone.push(format!("{} (not a task ID)", dep.value));
            continue;
        };
        let found = input
            .after
            .iter()
            .find(|f| f.folder != Folder::Drafts && f.id() == Some(&dep_id))
            .cloned()
            .or_else(|| input.lookup.after(&dep_id));
        match found {
            None => undone.push(format!("{dep_id} (not found)")),
            Some(f) if f.folder == Folder::Completed => {}
            Some(f) => {
                let status = f.status().unwrap_or_default();
                let last = wf
                    .resolve(status)
                    .index()
                    .is_some_and(|i| Some(i) == wf.last());
                if !last {
                    undone.push(format!("{dep_id} (\"{status}\")"));
                }
            }
        }
    }
    (!undone.is_empty()).then_some(undone)
}

fn judge_flowspec(
    input: &TransitionInput<'_>,
    old: &TaskFile,
    new: &TaskFile,
    id: &TaskId,
    out: &mut Vec<Finding>,
) {
    let Some(fw) = input.flowspec else { return };
    let labels = |f: &TaskFile| {
        f.task
            .as_ref()
            .map(|t| t.labels.clone())
            .unwrap_or_default()
    };
    let (old_labels, new_labels) = (labels(old), labels(new));
    let (Some(from), Some(to)) = (label_state(&old_labels), label_state(&new_labels)) else {
        return;
    };
    // Neither the label nor the status moved (a task moved to the archive, say): nothing
    // to judge.
    if from.trim().eq_ignore_ascii_case(to.trim()) && old.status() == new.status() {
        return;
    }
    // Point at the label that moved (the status line when the label has no position).
    let pos = new
        .task
        .as_ref()
        .and_then(|t| t.workflow_label.as_ref())
        .map_or_else(|| status_pos(new), |l| l.pos);
    let finding = |message: String, help: String| {
        Finding::new(&rules::ILLEGAL_WORKFLOW_TRANSITION, message)
            .at(&new.path, pos)
            .task(id.canonical())
            .help(help)
    };
    let Some(t) = fw.state(to) else {
        out.push(finding(
            format!(
                "{id} has label \"workflow:{to}\", but \"{to}\" is not a state of {}",
                fw.path
            ),
            format!(
                "use one of the states of {}: {}",
                fw.path,
                quoted_list(fw.states.iter().map(String::as_str))
            ),
        ));
        return;
    };
    // A state the file does not know cannot be judged; the label it moves to can.
    let Some(f) = fw.state(from) else { return };
    if !fw.allows(f, t) {
        let next = fw.next(f);
        let help = if next.is_empty() {
            format!("{} allows no move from \"{}\"", fw.path, fw.states[f])
        } else {
            format!(
                "from \"{}\" you may move to {} (edges of {})",
                fw.states[f],
                or_list(&next),
                fw.path
            )
        };
        out.push(finding(
            format!(
                "{id} moved from workflow state \"{}\" to \"{}\", which {} does not allow",
                fw.states[f], fw.states[t], fw.path
            ),
            help,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backlog::{BacklogConfig, CheckItem, Spanned};
    use crate::config::WorkflowSection;

    fn wf() -> Workflow {
        Workflow::new(&BacklogConfig::default(), &WorkflowSection::default()).unwrap()
    }

    fn file(path: &str, id: &str, title: &str, status: &str) -> TaskFile {
        let folder = if path.contains("/completed/") {
            Folder::Completed
        } else if path.contains("/archive/") {
            Folder::Archive
        } else if path.contains("/drafts/") {
            Folder::Drafts
        } else {
            Folder::Tasks
        };
        TaskFile {
            tracker: &crate::backlog::BACKLOG_MD,
            path: path.into(),
            folder,
            name_id: None,
            task: Some(Task {
                raw_id: Some(Spanned::new(
                    id.into(),
                    Position::new(2, 5, id.len() as u32),
                )),
                id: TaskId::parse(id),
                title: Some(Spanned::new(title.into(), Position::new(3, 8, 1))),
                status: Some(Spanned::new(
                    status.into(),
                    Position::new(4, 9, status.len() as u32),
                )),
                ..Task::default()
            }),
            issues: Vec::new(),
        }
    }

    fn with_ac(mut f: TaskFile, items: &[(bool, &str)]) -> TaskFile {
        if let Some(t) = f.task.as_mut() {
            t.acceptance = items
                .iter()
                .enumerate()
                .map(|(k, (checked, text))| CheckItem {
                    number: Some(k as u32 + 1),
                    checked: *checked,
                    text: text.to_string(),
                    pos: Position::default(),
                })
                .collect();
        }
        f
    }

    fn run(before: &[TaskFile], after: &[TaskFile]) -> Vec<Finding> {
        run_with(before, after, &wf(), None, &NoLookup)
    }

    fn run_with(
        before: &[TaskFile],
        after: &[TaskFile],
        workflow: &Workflow,
        flowspec: Option<&FlowspecWorkflow>,
        lookup: &dyn TaskLookup,
    ) -> Vec<Finding> {
        run_span(before, after, workflow, flowspec, lookup, false)
    }

    fn run_span(
        before: &[TaskFile],
        after: &[TaskFile],
        workflow: &Workflow,
        flowspec: Option<&FlowspecWorkflow>,
        lookup: &dyn TaskLookup,
        span: bool,
    ) -> Vec<Finding> {
        check(&TransitionInput {
            before,
            after,
            workflow,
            flowspec,
            root_commit: false,
            span,
            lookup,
        })
    }

    const P: &str = "backlog/tasks/task-1 - Login.md";

    #[test]
    fn skipping_forward_is_illegal_with_the_reachable_statuses_as_help() {
        let f = run(
            &[file(P, "TASK-1", "Login", "To Do")],
            &[file(P, "TASK-1", "Login", "Done")],
        );
        assert_eq!(f[0].code, "FG401");
        assert_eq!(
            f[0].message,
            "TASK-1 moved from \"To Do\" to \"Done\", which the workflow does not allow"
        );
        assert_eq!(
            f[0].help.as_deref(),
            Some("from \"To Do\" you may move to \"In Progress\"")
        );
        assert_eq!((f[0].line, f[0].column), (Some(4), Some(9)));
        assert!(run(
            &[file(P, "TASK-1", "L", "Done")],
            &[file(P, "TASK-1", "L", "To Do")]
        )
        .is_empty());
    }

    #[test]
    fn entering_the_last_status_needs_checked_criteria() {
        let before = [file(P, "TASK-1", "Login", "In Progress")];
        let after = [with_ac(
            file(P, "TASK-1", "Login", "Done"),
            &[
                (true, "a"),
                (false, "Hook blocks bad commits"),
                (false, "c"),
            ],
        )];
        let f = run(&before, &after);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "FG403");
        assert_eq!(
            f[0].message,
            "TASK-1 cannot enter \"Done\": acceptance criteria #2 \"Hook blocks bad commits\" and #3 \"c\" are not checked"
        );
        assert_eq!(
            f[0].help.as_deref(),
            Some("check each criterion once it is met (`- [x]`): backlog task edit 1 --check-ac 2 --check-ac 3")
        );
        let ok = [with_ac(file(P, "TASK-1", "Login", "Done"), &[(true, "a")])];
        assert!(run(&before, &ok).is_empty());
    }

    #[test]
    fn a_long_list_of_open_criteria_names_three_and_counts_the_rest() {
        let before = [file(P, "TASK-1", "Login", "In Progress")];
        let items: Vec<(bool, String)> = (1..=6).map(|k| (false, format!("c{k}"))).collect();
        let items: Vec<(bool, &str)> = items.iter().map(|(c, t)| (*c, t.as_str())).collect();
        let after = [with_ac(file(P, "TASK-1", "Login", "Done"), &items)];
        let f = run(&before, &after);
        assert_eq!(
            f[0].message,
            "TASK-1 cannot enter \"Done\": acceptance criteria #1 \"c1\", #2 \"c2\", #3 \"c3\" and 3 more are not checked"
        );
        assert!(f[0]
            .help
            .as_deref()
            .is_some_and(|h| h.ends_with("--check-ac 5 --check-ac 6")));
    }

    #[test]
    fn a_span_allows_any_path_of_the_workflow_but_keeps_the_guards() {
        let span = |before: &[TaskFile], after: &[TaskFile]| {
            run_span(before, after, &wf(), None, &NoLookup, true)
        };
        let before = [file(P, "TASK-1", "Login", "To Do")];
        let done = [with_ac(file(P, "TASK-1", "Login", "Done"), &[(true, "a")])];
        assert!(span(&before, &done).is_empty());
        assert!(span(&[], &done).is_empty());
        let open = [with_ac(file(P, "TASK-1", "Login", "Done"), &[(false, "a")])];
        let codes: Vec<&str> = span(&before, &open).iter().map(|f| f.code).collect();
        assert_eq!(codes, ["FG403"]);
    }

    #[test]
    fn renumbering_prefix_migration_and_id_fixes_pair_up() {
        let before = [file(P, "TASK-1", "Login", "In Progress")];
        let migrated = [file(
            "backlog/tasks/back-1 - Login.md",
            "BACK-1",
            "Login",
            "Done",
        )];
        let p = pair(&before, &migrated);
        assert_eq!(p.pairs.len(), 1);
        assert_eq!(p.pairs[0].2, Continuation::Renumbered);
        assert!(p.added.is_empty() && p.removed.is_empty());
        let renumbered = [file(
            "backlog/tasks/task-9 - Login.md",
            "TASK-9",
            "Login",
            "In Progress",
        )];
        assert!(run(&before, &renumbered).is_empty());
        // `id: TASK-3` in `task-5 - Fix.md` edited to agree with the name: a fix.
        let mut wrong = file("backlog/tasks/task-5 - Fix.md", "TASK-3", "Fix", "To Do");
        wrong.name_id = TaskId::parse("TASK-5");
        let mut fixed = file("backlog/tasks/task-5 - Fix.md", "TASK-5", "Fix", "To Do");
        fixed.name_id = TaskId::parse("TASK-5");
        assert!(run(&[wrong], &[fixed]).is_empty());
    }

    #[test]
    fn moves_and_title_renames_are_the_same_task() {
        let before = [file(P, "TASK-1", "Login", "Done")];
        let after = [file(
            "backlog/completed/task-1 - Login.md",
            "TASK-1",
            "Login",
            "Done",
        )];
        assert!(run(&before, &after).is_empty());
        let before = [file(P, "TASK-1", "Login", "To Do")];
        let after = [file(
            "backlog/tasks/task-1 - Sign-in.md",
            "TASK-1",
            "Sign in",
            "Done",
        )];
        assert_eq!(run(&before, &after)[0].code, "FG401");
        let archived = [file(
            "backlog/archive/tasks/task-1 - Login.md",
            "TASK-1",
            "Login",
            "To Do",
        )];
        assert!(run(&before, &archived).is_empty());
    }

    #[test]
    fn deleting_an_unfinished_task_is_reported_but_demotion_is_not() {
        let before = [file(P, "TASK-1", "Login", "In Progress")];
        let f = run(&before, &[]);
        assert_eq!(f[0].code, "FG404");
        assert_eq!(
            f[0].message,
            "TASK-1 was deleted while in \"In Progress\"; an unfinished task must not disappear"
        );
        let draft = [file(
            "backlog/drafts/draft-3 - Login.md",
            "DRAFT-3",
            "Login",
            "In Progress",
        )];
        assert!(run(&before, &draft).is_empty());
        assert!(run(&[file(P, "TASK-1", "Login", "Done")], &[]).is_empty());
    }

    #[test]
    fn new_tasks_may_not_start_in_the_last_status() {
        let f = run(&[], &[file(P, "TASK-1", "Login", "Done")]);
        assert_eq!(f[0].code, "FG402");
        assert_eq!(
            f[0].help.as_deref(),
            Some("start it in \"To Do\" or \"In Progress\" and move it on in later commits")
        );
        assert!(run(&[], &[file(P, "TASK-1", "Login", "In Progress")]).is_empty());
        let root = check(&TransitionInput {
            before: &[],
            after: &[file(P, "TASK-1", "Login", "Done")],
            workflow: &wf(),
            flowspec: None,
            root_commit: true,
            span: false,
            lookup: &NoLookup,
        });
        assert!(root.is_empty());
    }

    #[test]
    fn id_changed_in_place() {
        let f = run(
            &[file(P, "TASK-1", "Login", "To Do")],
            &[file(P, "TASK-7", "Login", "To Do")],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "FG405");
        assert_eq!(f[0].line, Some(2));
    }

    struct Lookup(Vec<TaskFile>);
    impl TaskLookup for Lookup {
        fn after(&self, id: &TaskId) -> Option<TaskFile> {
            self.0.iter().find(|f| f.id() == Some(id)).cloned()
        }
        fn before_untouched(&self, id: &TaskId) -> Option<TaskFile> {
            self.0.iter().find(|f| f.id() == Some(id)).cloned()
        }
    }

    #[test]
    fn id_reused_by_a_new_task() {
        let archived = file(
            "backlog/archive/tasks/task-1 - Old.md",
            "TASK-1",
            "Old",
            "To Do",
        );
        let lookup = Lookup(vec![archived]);
        let f = run_with(
            &[],
            &[file(P, "TASK-1", "Login", "To Do")],
            &wf(),
            None,
            &lookup,
        );
        assert_eq!(f[0].code, "FG406");
        assert_eq!(
            f[0].message,
            "new task TASK-1 \"Login\" reuses the ID of \"Old\" (backlog/archive/tasks/task-1 - Old.md)"
        );
    }

    #[test]
    fn other_guards() {
        let section = WorkflowSection {
            guards: Some(
                [(
                    "In Progress".to_string(),
                    vec![
                        "has-assignee".to_string(),
                        "dependencies-done".to_string(),
                        "has-final-summary".to_string(),
                        "has-implementation-notes".to_string(),
                        "has-spec-link".to_string(),
                        "definition-of-done-checked".to_string(),
                    ],
                )]
                .into(),
            ),
            ..WorkflowSection::default()
        };
        let workflow = Workflow::new(&BacklogConfig::default(), &section).unwrap();
        let mut new = file(P, "TASK-2", "Login", "In Progress");
        if let Some(t) = new.task.as_mut() {
            t.dependencies = vec![
                Spanned::new("TASK-1".into(), Position::default()),
                Spanned::new("task-5".into(), Position::default()),
                Spanned::new("TASK-9".into(), Position::default()),
            ];
            t.definition_of_done = vec![CheckItem {
                number: Some(1),
                checked: false,
                text: "Reviewed".into(),
                pos: Position::default(),
            }];
        }
        let lookup = Lookup(vec![
            file("backlog/tasks/task-1 - A.md", "TASK-1", "A", "To Do"),
            file("backlog/completed/task-5 - B.md", "TASK-5", "B", "To Do"),
        ]);
        let f = run_with(
            &[file(P, "TASK-2", "Login", "To Do")],
            &[new],
            &workflow,
            None,
            &lookup,
        );
        let messages: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "TASK-2 cannot enter \"In Progress\": it has no assignee",
                "TASK-2 cannot enter \"In Progress\": its dependencies TASK-1 (\"To Do\") and TASK-9 (not found) are not done",
                "TASK-2 cannot enter \"In Progress\": it has no Final Summary",
                "TASK-2 cannot enter \"In Progress\": it has no Implementation Notes",
                "TASK-2 cannot enter \"In Progress\": it links to no spec section",
                "TASK-2 cannot enter \"In Progress\": Definition of Done item #1 \"Reviewed\" is not checked",
            ]
        );
    }

    #[test]
    fn flowspec_labels_follow_the_file_edges() {
        let fw = FlowspecWorkflow::parse(
            "flowspec_workflow.yml",
            "states: [To Do, Specified, Planned]\ntransitions:\n  - {from: To Do, to: Specified, via: x}\n  - {from: Specified, to: Planned, via: y}\n",
        )
        .unwrap();
        let labelled = |state: &str| {
            let mut f = file(P, "TASK-1", "Login", "To Do");
            if let Some(t) = f.task.as_mut() {
                t.labels = vec![format!("workflow:{state}")];
            }
            f
        };
        let f = run_with(
            &[labelled("To Do")],
            &[labelled("planned")],
            &wf(),
            Some(&fw),
            &NoLookup,
        );
        assert_eq!(f[0].code, "FG407");
        assert_eq!(
            f[0].message,
            "TASK-1 moved from workflow state \"To Do\" to \"Planned\", which flowspec_workflow.yml does not allow"
        );
        assert_eq!(
            f[0].help.as_deref(),
            Some("from \"To Do\" you may move to \"Specified\" (edges of flowspec_workflow.yml)")
        );
        assert!(run_with(
            &[labelled("To Do")],
            &[labelled("Specified")],
            &wf(),
            Some(&fw),
            &NoLookup
        )
        .is_empty());
        // A label that names no state: reported when the task moves, not when its file
        // only moves to the archive.
        let mut archived = labelled("Nowhere");
        archived.path = "backlog/archive/tasks/task-1 - Login.md".into();
        archived.folder = Folder::Archive;
        assert!(run_with(
            &[labelled("Nowhere")],
            &[archived],
            &wf(),
            Some(&fw),
            &NoLookup
        )
        .is_empty());
        let mut moved = labelled("Nowhere");
        if let Some(t) = moved.task.as_mut() {
            t.status = Some(Spanned::new("In Progress".into(), Position::default()));
        }
        let f = run_with(
            &[labelled("Nowhere")],
            &[moved],
            &wf(),
            Some(&fw),
            &NoLookup,
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "FG407");
    }
}

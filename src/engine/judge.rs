//! Judging one commit against its first parent: the commit rules (FG3xx) on its message
//! and changed paths, and the transition rules (FG4xx) on the task files it changes.
//!
//! This is the per-commit step that `ci` (a pull request's commits) and `audit` (the whole
//! history) share; the pre-commit hook judges the staged change with the same transition
//! step ([`judge_staged`]). It reads one diff against the first parent and parses only the task
//! files that diff names, on both sides; the rest of the two trees is consulted by file
//! name, lazily, through [`TaskFinder`]. A merge is exempt from the message rules, and its
//! transition findings stand only when they also stand against every other parent (a task
//! that moved legally on the merged branch is not one big jump).

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use crate::git::Oid;

use super::needed::{Needed, SpecPlaces};
use super::tasks::{parse_blob, ChangeLookup, ParseMemo, SharedParses, TaskFinder};
use crate::backlog::{self, BacklogLayout, TaskEntry, TaskFile};
use crate::config::{Config, ConfigError};
use crate::finding::Finding;
use crate::git::changes::Scope;
use crate::git::changes::{commit_changes, commit_changes_wanted, Change};
use crate::git::{CommitMeta, IndexSource, Repo, TreeSource};
use crate::message::{Message, ReferenceFinder};
use crate::rules::{commits, transitions};
use crate::source::{Source, SourceError};
use crate::workflow::flowspec;
use crate::workflow::{Workflow, WorkflowError};

/// Why a commit could not be judged.
#[derive(Debug)]
pub enum JudgeError {
    /// The repository could not be read.
    Source(SourceError),
    /// The configuration (or the workflow it defines with the commit's backlog) is invalid.
    Config(ConfigError),
    /// A configured pattern or glob is invalid.
    Invalid(String),
}

impl From<SourceError> for JudgeError {
    fn from(e: SourceError) -> Self {
        JudgeError::Source(e)
    }
}

impl std::fmt::Display for JudgeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JudgeError::Source(e) => write!(f, "{}", e.0),
            JudgeError::Config(e) => write!(f, "{}", e.message),
            JudgeError::Invalid(m) => write!(f, "{m}"),
        }
    }
}

/// What stays the same for every commit judged.
pub struct CommitJudge<'a> {
    /// The repository.
    pub repo: &'a Repo,
    /// The configuration the commits are judged by.
    pub config: &'a Config,
    /// The branch being checked, for the branch-name fallback.
    pub branch: Option<&'a str>,
    /// Where `flowspec_workflow.yml` is read from; `None`: the commit's own tree.
    pub policy: Option<&'a dyn Source>,
    /// Layouts, workflows and compiled patterns, reused while the backlog configuration
    /// stays the same from commit to commit (it almost always does).
    memo: RefCell<HashMap<Vec<Option<Oid>>, Rc<Prepared>>>,
    /// Look tasks up by file name only, without suggestions (see [`CommitJudge::quick`]).
    quick: bool,
    /// The backlog layout every commit is judged with (see [`CommitJudge::pinned`]).
    pinned: Option<BacklogLayout>,
    /// Judge squash-merged pull requests as the span they stand for (see
    /// [`CommitJudge::squashed`]).
    squashed: bool,
    /// Judge the branch a merge commit's subject names by the flowspec branch rules (see
    /// [`CommitJudge::merged_branches`]).
    merged_branches: bool,
    /// Read of each commit only the changed paths the history pass needs (see
    /// [`CommitJudge::needed_paths_only`]).
    needed: Option<SpecPlaces>,
    /// Task files parsed by every judge of a pass (see [`CommitJudge::sharing_parses`]).
    shared: Option<std::sync::Arc<SharedParses>>,
    /// The ids of `config.yml` and `config.yaml` in a candidate backlog folder, by the
    /// folder's id (see [`CommitJudge::layout_key`]).
    config_files: RefCell<HashMap<Oid, ConfigFiles>>,
}

impl<'a> CommitJudge<'a> {
    /// A judge for the commits of `repo`.
    pub fn new(
        repo: &'a Repo,
        config: &'a Config,
        branch: Option<&'a str>,
        policy: Option<&'a dyn Source>,
    ) -> Self {
        CommitJudge {
            repo,
            config,
            branch,
            policy,
            memo: RefCell::new(HashMap::new()),
            quick: false,
            pinned: None,
            squashed: false,
            merged_branches: false,
            needed: None,
            shared: None,
            config_files: RefCell::default(),
        }
    }

    /// Reads of each commit's changes only what the history pass uses (see
    /// [`super::needed`]): the task and spec files, the code paths up to the first one
    /// that is not a version file, and the first path outside the backlog; folders that
    /// can hold none of them are not read. [`Judged::changed`] then holds only those
    /// paths. For the history pass only: `ci` places findings on a commit's first file.
    pub fn needed_paths_only(mut self) -> Self {
        self.needed = Some(SpecPlaces::new(&self.config.specs.globs));
        self
    }

    /// Parses task files through `parses`, which the judges of a pass's other threads
    /// share: a file one of them parsed is not parsed again.
    pub fn sharing_parses(mut self, parses: std::sync::Arc<SharedParses>) -> Self {
        self.shared = Some(parses);
        self
    }

    /// Judges the branch that a merge commit's subject names (`Merge pull request #12 from
    /// alice/host/task-12/login`, `Merge branch 'x'`) by flowspec's branch rules, as `ci`
    /// judges a pull request's head branch: EXEC-002 and PR-003 on the name, EXEC-004 on the
    /// task it names as the merged branch's tip has it, in the modes of the first parent's
    /// rigor configuration, when the first parent is a flowspec repository. For the
    /// history pass only: `ci` judges the pull request's own branch.
    pub fn merged_branches(mut self) -> Self {
        self.merged_branches = true;
        self
    }

    /// Judges every commit with the backlog at `layout` (its folder, statuses, prefix and
    /// other settings) instead of the one the commit's own tree configures: `ci` pins the
    /// base commit's, so a pull request cannot move or reconfigure the backlog it is judged
    /// by. A commit without that folder has no backlog.
    pub fn pinned(mut self, layout: Option<BacklogLayout>) -> Self {
        self.pinned = layout;
        self
    }

    /// Judges a commit that stands for a squash-merged pull request as the span of the
    /// commits it replaced: every commit with one parent when the configuration says the
    /// repository squash-merges (`ci.check: title`), else a commit whose subject ends the
    /// way GitHub's squash merge writes it (`Subject (#123)`); in both cases only when it
    /// changes something outside the backlog (a pull request that only edits task files
    /// is bookkeeping, judged as written). For the history pass only: a pull request's own
    /// commits are real steps.
    pub fn squashed(mut self) -> Self {
        self.squashed = true;
        self
    }

    fn is_squash(&self, meta: &CommitMeta) -> bool {
        self.squashed
            && meta.parents.len() == 1
            && (self.config.ci.check == crate::config::PrCheck::Title
                || squash_subject(meta.subject()))
    }

    /// Judges as a long history needs: tasks are found by file name only, a reference to
    /// a missing task gets no "nearest tasks" hint and a commit without a reference no
    /// list of active tasks (each would parse the whole backlog of that commit).
    pub fn quick(mut self) -> Self {
        self.quick = true;
        self
    }

    fn finder<'t>(
        &self,
        tree: &'t TreeSource<'t>,
        layout: &'t BacklogLayout,
        memo: &'t ParseMemo,
    ) -> TaskFinder<'t> {
        let finder = TaskFinder::for_tree(tree, layout).with_memo(tree, memo);
        if self.quick {
            finder.by_name_only()
        } else {
            finder
        }
    }

    /// The backlog layout of `tree` and what follows from it; `None` without a backlog.
    fn prepare(&self, tree: &TreeSource<'_>) -> Result<Option<Rc<Prepared>>, JudgeError> {
        let key = self.layout_key(tree);
        if let Some(key) = &key {
            if let Some(p) = self.memo.borrow().get(key) {
                return Ok(Some(p.clone()));
            }
        }
        let config = self.config;
        let layout = match &self.pinned {
            Some(pinned) => tree.is_dir(&pinned.root)?.then(|| pinned.clone()),
            None => backlog::discover(tree, config.backlog.dir.as_deref())?,
        };
        let Some(layout) = layout else {
            return Ok(None);
        };
        let workflow = workflow(config, &layout)?;
        let references = references(config, &layout)?;
        let code = code_paths(config, &layout)?;
        let parsed = match &self.shared {
            Some(shared) => shared.memo(&layout),
            None => ParseMemo::default(),
        };
        let prepared = Rc::new(Prepared {
            layout: Rc::new(layout),
            workflow,
            references,
            code,
            spec_globs: crate::spec::compile_globs(&config.specs.globs),
            parsed,
        });
        if let Some(key) = key {
            self.memo.borrow_mut().insert(key, prepared.clone());
        }
        Ok(Some(prepared))
    }

    /// What backlog discovery depends on: the config files it may read and whether the
    /// candidate folders exist. `None` (no reuse) when a root `backlog.config.yml` may
    /// point anywhere.
    fn layout_key(&self, tree: &TreeSource<'_>) -> Option<Vec<Option<Oid>>> {
        self.layout_key_with(tree, |id, d| {
            let known = self.config_files.borrow().get(&id).copied();
            known.unwrap_or_else(|| {
                let found = config_files(tree, d);
                let mut memo = self.config_files.borrow_mut();
                if memo.len() >= CONFIG_FILES_MEMO {
                    memo.clear();
                }
                memo.insert(id, found);
                found
            })
        })
    }

    /// [`CommitJudge::layout_key`], with `in_folder(id, d)` giving the config files of
    /// candidate folder `d` (whose entry has id `id`).
    fn layout_key_with(
        &self,
        tree: &TreeSource<'_>,
        in_folder: impl Fn(Oid, &str) -> ConfigFiles,
    ) -> Option<Vec<Option<Oid>>> {
        if let Some(pinned) = &self.pinned {
            let present = tree.is_dir(&pinned.root).unwrap_or(false);
            return Some(vec![present.then_some(Oid::ZERO_SHA1)]);
        }
        if tree.entry_id("backlog.config.yml").is_some() {
            return None;
        }
        let mut dirs = vec!["backlog".to_string(), ".backlog".to_string()];
        dirs.extend(self.config.backlog.dir.clone());
        let mut key = Vec::new();
        for d in &dirs {
            let d = d.trim_start_matches("./").trim_end_matches('/');
            let folder = tree.entry_id(d);
            key.push(folder.map(|_| Oid::ZERO_SHA1));
            // What a folder holds follows from its id (the tasks change, the folder
            // holding the config mostly does not: its config files are looked up once per
            // id); a path that is not there holds nothing.
            let (yml, yaml) = match folder {
                _ if d.is_empty() => config_files(tree, d),
                Some(id) => in_folder(id, d),
                None => (None, None),
            };
            key.push(yml);
            key.push(yaml);
        }
        Some(key)
    }
}

/// The ids of `config.yml` and `config.yaml` in one folder.
type ConfigFiles = (Option<Oid>, Option<Oid>);

/// How many folders' config files a [`CommitJudge`] keeps before it starts over.
const CONFIG_FILES_MEMO: usize = 1024;

/// The ids of `config.yml` and `config.yaml` in folder `d` of `tree`.
fn config_files(tree: &TreeSource<'_>, d: &str) -> ConfigFiles {
    (
        tree.entry_id(&format!("{d}/config.yml")),
        tree.entry_id(&format!("{d}/config.yaml")),
    )
}

/// The workflow `config` defines with the backlog at `layout`.
pub fn workflow(config: &Config, layout: &BacklogLayout) -> Result<Workflow, JudgeError> {
    Workflow::new(&layout.config, &config.workflow).map_err(|w: WorkflowError| {
        JudgeError::Config(config.error_at(&w.needle, w.message, w.help))
    })
}

/// The task-reference finder of `commits.reference_pattern` for the backlog at `layout`.
pub fn references(config: &Config, layout: &BacklogLayout) -> Result<ReferenceFinder, JudgeError> {
    ReferenceFinder::new(
        config.commits.reference_pattern.as_deref(),
        &layout.config.task_prefix,
    )
    .map_err(|e| JudgeError::Invalid(format!("invalid commits.reference_pattern: {e}")))
}

/// The paths that count as code for the commit rules, the backlog at `layout` aside.
pub fn code_paths(
    config: &Config,
    layout: &BacklogLayout,
) -> Result<commits::CodePaths, JudgeError> {
    commits::CodePaths::new(&config.commits, Some(&layout.root))
        .map_err(|e| JudgeError::Invalid(format!("invalid commits path glob: {e}")))
}

/// Per-layout state of a [`CommitJudge`].
struct Prepared {
    layout: Rc<BacklogLayout>,
    workflow: Workflow,
    references: ReferenceFinder,
    code: commits::CodePaths,
    /// Globs of spec files (for `documentation` / `references` entries as spec links).
    spec_globs: globset::GlobSet,
    /// Task files parsed under this layout.
    parsed: ParseMemo,
}

/// True when `path` is inside the backlog folder of `layout`.
pub(crate) fn in_backlog(path: &str, layout: &BacklogLayout) -> bool {
    let root = layout.root.trim_end_matches('/');
    !root.is_empty()
        && path
            .strip_prefix(root)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// True for a subject that ends the way GitHub's squash merge writes it: ` (#123)`.
pub fn squash_subject(subject: &str) -> bool {
    let Some(rest) = subject.trim_end().strip_suffix(')') else {
        return false;
    };
    let Some((head, number)) = rest.rsplit_once("(#") else {
        return false;
    };
    head.ends_with(' ') && !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())
}

/// The judgement of one commit, with what was read to reach it (so callers such as
/// `audit` need not read it again).
#[derive(Debug, Default)]
pub struct Judged {
    /// Commit and transition findings, each carrying the commit id.
    pub findings: Vec<Finding>,
    /// Every path the commit changes against its first parent (only those the history
    /// pass uses, in git's order, for a judge made with
    /// [`CommitJudge::needed_paths_only`]).
    pub changed: Vec<Change>,
    /// The changed task files, parsed, on the first parent's side.
    pub before: Vec<TaskFile>,
    /// The changed task files, parsed, in the commit.
    pub after: Vec<TaskFile>,
    /// The commit's backlog layout; `None` when it has no backlog (nothing was judged).
    /// Shared with the judge's memo of layouts (not copied for each commit).
    pub layout: Option<Rc<BacklogLayout>>,
    /// The task references its message makes (canonical IDs), or the one its branch
    /// name carries when the message makes none.
    pub references: Vec<String>,
    /// IDs (canonical) of task files the commit removed that another file in the commit
    /// still carries: a copy was removed, the task stays.
    pub kept: Vec<String>,
}

/// Judges commit `meta` against its first parent.
pub fn judge_commit(judge: &CommitJudge<'_>, meta: &CommitMeta) -> Result<Judged, JudgeError> {
    judge_commit_from(judge, meta, None)
}

/// Judges commit `meta` against its first parent; `branch` is the branch it reached the
/// mainline through (from the subject of the merge that brought it), when known: it
/// stands in for the judge's own branch name.
pub fn judge_commit_from(
    judge: &CommitJudge<'_>,
    meta: &CommitMeta,
    branch: Option<&str>,
) -> Result<Judged, JudgeError> {
    let repo = judge.repo;
    let config = judge.config;
    let first = meta.parents.first().copied();
    let tree = repo.commit_tree(meta.id)?;
    let prepared = judge.prepare(&tree)?;
    let changed = match &judge.needed {
        None => commit_changes(repo, first, meta.id)?,
        Some(specs) => {
            let mut needed = match prepared.as_deref() {
                Some(p) => {
                    let mut n = Needed::tasks(&p.layout).and_specs(specs);
                    // A merge is exempt from the commit rules: its code paths are not asked.
                    if meta.parents.len() < 2 {
                        n = n.and_code(&p.code, !config.commits.version_bumps_need_task);
                    }
                    if judge.is_squash(meta) {
                        n = n.and_outside();
                    }
                    n
                }
                None => Needed::specs(specs),
            };
            commit_changes_wanted(repo, first, meta.id, &mut needed)?
        }
    };
    let Some(prepared) = prepared else {
        return Ok(Judged {
            changed,
            ..Judged::default()
        });
    };
    let Prepared {
        layout,
        workflow,
        references: finder,
        code,
        spec_globs,
        parsed,
    } = prepared.as_ref();
    let prefix = layout.config.task_prefix.clone();

    // A stored message has no comment lines left: a `#` line is content.
    let message = Message::parse(&meta.message, '\0');
    let branch = branch.or(judge.branch);
    // Found once: the commit rules take the same references.
    let found = finder.find(&message);
    let mut references: Vec<String> = found.iter().map(|r| r.id.canonical()).collect();
    if references.is_empty() && config.commits.branch_fallback {
        references.extend(
            branch
                .and_then(|b| crate::message::branch_reference(b, &prefix))
                .map(|id| id.canonical()),
        );
    }
    let author = format!("{} <{}>", meta.author_name, meta.author_email);
    let id = meta.id.to_string();
    let label = format!("commit {}", id.get(..8).unwrap_or(&id));
    let paths: Vec<String> = changed.iter().map(|c| c.path.clone()).collect();
    // The parent's tasks, consulted only for a task that this commit moves out of the
    // active status (it finishes the task it worked on).
    let parent_tree = first.map(|p| repo.commit_tree(p)).transpose()?;
    let before = parent_tree.as_ref().map(|t| {
        TaskFinder::for_tree(t, layout)
            .with_memo(t, parsed)
            .by_name_only()
    });
    let input = commits::CommitInput {
        commit: &id,
        tree_label: &label,
        message: &message,
        author: Some(&author),
        merge: meta.parents.len() > 1,
        changed: &paths,
        branch,
        prefix: &prefix,
        before: before.as_ref().map(|b| b as &dyn commits::TaskIndex),
        version_bump: !config.commits.version_bumps_need_task
            && commits::only_version_bumps(repo, &changed, code),
    };
    let tasks = judge
        .finder(&tree, layout, parsed)
        .with_workflow(workflow)
        .resolving_by_frontmatter();
    let mut findings =
        commits::check_found(&input, &config.commits, workflow, code, &tasks, || found);
    tasks.failure()?;
    if judge.merged_branches {
        let merged = MergedBranch {
            meta,
            first: parent_tree.as_ref(),
            before: before.as_ref(),
            layout,
            workflow,
            parsed,
        };
        findings.extend(merged.findings(judge)?);
    }
    before.as_ref().map_or(Ok(()), TaskFinder::failure)?;
    if judge.quick {
        // The finder offered no candidates; a past commit is fixed by what comes next.
        for f in &mut findings {
            if f.code == crate::rules::MISSING_TASK_REFERENCE.code {
                f.help = Some(format!(
                    "name the task in each commit message (a line \"Refs: {}-N\"); a past commit cannot change without rewriting history, so accept this one with `flowgate baseline` or start the audit later (`audit.since`)",
                    prefix.to_ascii_uppercase()
                ));
            }
        }
    }

    let task_changes: Vec<Change> = changed
        .iter()
        .filter(|c| change_entry(&c.path, layout).is_some())
        .cloned()
        .collect();
    let side = Side {
        judge,
        repo,
        config,
        tree: &tree,
        layout,
        workflow,
        spec_globs,
        parsed,
        policy: judge.policy,
        // A squashed pull request that changes only the backlog did no work on a branch:
        // its status changes are bookkeeping, judged as written.
        span: judge.is_squash(meta) && changed.iter().any(|c| !in_backlog(&c.path, layout)),
    };
    let (mut judged, mut before, mut after) = side.transitions(first, &task_changes)?;
    // A merge introduces only what the merged branches did not already carry: a task file
    // that equals its copy on another parent was judged (and recorded) on that branch.
    for &other in meta.parents.iter().skip(1) {
        if task_changes.is_empty() {
            break;
        }
        let alt_changes = task_changes_between(repo, Some(other), meta.id, layout)?;
        let differs: BTreeSet<&str> = alt_changes.iter().map(|c| c.path.as_str()).collect();
        before.retain(|f| differs.contains(f.path.as_str()));
        after.retain(|f| differs.contains(f.path.as_str()));
        if judged.is_empty() {
            continue;
        }
        let (alt, _, _) = side.transitions(Some(other), &alt_changes)?;
        // The same finding on the same file: a task that came from the other parent
        // as it was there is not flagged again because this side had another file.
        let flagged: BTreeSet<(&str, Option<String>, Option<String>)> =
            alt.into_iter().map(|f| (f.code, f.task, f.file)).collect();
        judged.retain(|f| flagged.contains(&(f.code, f.task.clone(), f.file.clone())));
    }
    // git's `Revert "…"` puts back an earlier state: the tasks it removes are the ones
    // the reverted commit added.
    if meta.subject().starts_with("Revert \"") {
        judged.retain(|f| f.code != crate::rules::UNFINISHED_TASK_DELETED.code);
    }
    findings.extend(judged);
    let kept = kept_ids(&before, &after, &judge.finder(&tree, layout, parsed));
    for f in &mut findings {
        if f.commit.is_none() {
            f.commit = Some(id.clone());
        }
    }
    Ok(Judged {
        findings,
        changed,
        before,
        after,
        layout: Some(layout.clone()),
        references,
        kept,
    })
}

/// A merge commit, for the branch rules on the branch it merged.
struct MergedBranch<'a> {
    meta: &'a CommitMeta,
    /// The first parent's tree.
    first: Option<&'a TreeSource<'a>>,
    /// The first parent's tasks.
    before: Option<&'a TaskFinder<'a>>,
    layout: &'a BacklogLayout,
    workflow: &'a Workflow,
    parsed: &'a ParseMemo,
}

impl MergedBranch<'_> {
    /// The branch rules' findings on the branch the merge's subject names; none for a
    /// merge that names no branch or whose first parent is not a flowspec repository.
    /// EXEC-004 is judged on the task as the merged tip (the second parent) has it, from
    /// the first parent's state (a task the branch moves to the last status is the work it
    /// finishes); when the tip has no backlog it cannot be decided and is not reported.
    fn findings(&self, judge: &CommitJudge<'_>) -> Result<Vec<Finding>, JudgeError> {
        let (Some(first), Some(before), Some(&tip)) =
            (self.first, self.before, self.meta.parents.get(1))
        else {
            return Ok(Vec::new());
        };
        let Some(name) = crate::message::merged_branch_name(self.meta.subject()) else {
            return Ok(Vec::new());
        };
        let tip_tree = judge.repo.commit_tree(tip)?;
        let decidable = tip_tree.is_dir(&self.layout.root)?;
        let now = TaskFinder::for_tree(&tip_tree, self.layout)
            .with_memo(&tip_tree, self.parsed)
            .by_name_only();
        let lookup = |id: &backlog::TaskId| (now.by_id(id), before.by_id(id));
        let prefix = self.layout.config.task_prefix.to_ascii_lowercase();
        let commit = crate::rules::rigor_branch::Commit {
            index: first,
            branch: Some(name),
            default_branch: None,
            prefix: &prefix,
            lookup: &lookup,
            scope: crate::rules::rigor_branch::Scope::MergedBranch,
        };
        let mut found =
            crate::rules::rigor_branch::for_commit(&commit, self.workflow, judge.config)?;
        now.failure()?;
        before.failure()?;
        if !decidable {
            found.retain(|f| f.code != crate::rules::RIGOR_BRANCH_TASK.code);
        }
        Ok(found)
    }
}

/// The change a pre-commit hook judges: the index of `repo` against the commit it will
/// follow.
pub struct StagedChange<'a> {
    /// The repository.
    pub repo: &'a Repo,
    /// The index (the staged tree); `flowspec_workflow.yml` is read there too.
    pub index: &'a IndexSource<'a>,
    /// The configuration.
    pub config: &'a Config,
    /// The backlog of the index.
    pub layout: &'a BacklogLayout,
    /// Its workflow.
    pub workflow: &'a Workflow,
}

/// The changed task and draft files from `base` to the index.
pub fn staged_task_changes(
    index: &IndexSource<'_>,
    base: Option<Oid>,
    layout: &BacklogLayout,
) -> Result<Vec<Change>, SourceError> {
    let spec = layout.root.trim_end_matches('/');
    let scope = if spec.is_empty() {
        Scope::All
    } else {
        Scope::Under(spec)
    };
    Ok(index
        .changes(base, scope)?
        .into_iter()
        .filter(|c| crate::backlog::entry::entry_for(&c.path, layout).is_some())
        .collect())
}

/// The transition findings of the staged change, from its first parent `base`. For a
/// merge, a task's findings stand only if they stand against every merged head too: a
/// task that moved legally on the merged branch must not be judged as one big jump.
pub fn judge_staged(
    staged: &StagedChange<'_>,
    base: Option<Oid>,
    changes: &[Change],
) -> Result<Vec<Finding>, JudgeError> {
    let judged = staged_transitions_from(staged, base, changes)?;
    if judged.is_empty() {
        return Ok(judged);
    }
    let mut kept = judged;
    for base in staged.repo.merge_heads() {
        let alt_changes = staged_task_changes(staged.index, Some(base), staged.layout)?;
        let alt = staged_transitions_from(staged, Some(base), &alt_changes)?;
        let flagged: BTreeSet<Option<String>> = alt.into_iter().map(|f| f.task).collect();
        kept.retain(|f| flagged.contains(&f.task));
    }
    Ok(kept)
}

fn staged_transitions_from(
    staged: &StagedChange<'_>,
    base: Option<Oid>,
    changes: &[Change],
) -> Result<Vec<Finding>, JudgeError> {
    let (repo, layout, workflow) = (staged.repo, staged.layout, staged.workflow);
    let base_tree = base.map(|b| repo.commit_tree(b)).transpose()?;
    let touched = changes.iter().map(|c| c.path.clone());
    let spec_globs = crate::spec::compile_globs(&staged.config.specs.globs);
    let lookup = ChangeLookup {
        before: base_tree
            .as_ref()
            .map(|t| TaskFinder::new(t, layout).excluding(touched)),
        after: TaskFinder::new(staged.index, layout),
        spec_globs: &spec_globs,
        spec_places: transitions::SpecPlaces::of(staged.config),
    };
    let context = TransitionContext {
        repo,
        config: staged.config,
        layout,
        workflow,
        policy: staged.index,
        parent_has_backlog: None,
        parsed: None,
        span: false,
    };
    let (findings, _, _) = judge_transitions(&context, base_tree.as_ref(), changes, &lookup)?;
    Ok(findings)
}

/// The IDs of removed task files that nothing in the change continues but another file of
/// the "after" tree still carries.
fn kept_ids(before: &[TaskFile], after: &[TaskFile], tree: &TaskFinder<'_>) -> Vec<String> {
    transitions::pair(before, after)
        .removed
        .iter()
        .filter_map(|b| b.id())
        .filter(|id| {
            tree.by_id(id)
                .is_some_and(|f| f.folder != backlog::Folder::Drafts)
        })
        .map(|id| id.canonical())
        .collect()
}

/// The task and draft files that differ from `before` to commit `id`.
fn task_changes_between(
    repo: &Repo,
    before: Option<Oid>,
    id: Oid,
    layout: &BacklogLayout,
) -> Result<Vec<Change>, SourceError> {
    // The tree walk enters only folders that differ and can hold a task file: cheaper
    // than a pathspec diff.
    commit_changes_wanted(repo, before, id, &mut Needed::tasks(layout))
}

/// The task or draft entry for a changed path: what Backlog.md loads; also a task file
/// named with another prefix (the one before a `task_prefix` migration, so that the
/// migration pairs each file with the one it was) and a file named with the task prefix in
/// `drafts/`, where Backlog.md's early versions put a demoted task.
pub(crate) fn change_entry(path: &str, layout: &BacklogLayout) -> Option<TaskEntry> {
    if let Some(entry) = backlog::entry::entry_for(path, layout) {
        return Some(entry);
    }
    let (dir, name) = path.rsplit_once('/')?;
    let folder = backlog::Folder::ALL
        .iter()
        .find(|(_, d)| crate::source::join(&layout.root, d) == dir)
        .map(|(f, _)| *f)?;
    if folder != backlog::Folder::Drafts {
        // A task file under the prefix the parent commit used (`task-3` before a
        // migration to `back`): `<letters>-<number>…`.
        let (head, rest) = name.split_once('-')?;
        let old_prefix = !head.is_empty()
            && head.bytes().all(|b| b.is_ascii_lowercase())
            && rest.starts_with(|c: char| c.is_ascii_digit())
            && name.ends_with(".md");
        return old_prefix.then(|| TaskEntry {
            path: path.to_string(),
            folder,
            name_id: backlog::entry::name_id(name),
            undecodable_name: false,
        });
    }
    let prefix = layout.config.task_prefix.to_ascii_lowercase();
    let legacy = !name.contains('/')
        && name.ends_with(".md")
        && name.strip_prefix(prefix.as_str())?.starts_with('-');
    legacy.then(|| TaskEntry {
        path: path.to_string(),
        folder: backlog::Folder::Drafts,
        name_id: backlog::entry::name_id(name),
        undecodable_name: false,
    })
}

/// Parses the files of `changes` on one side, reading blobs by id (through `memo` when
/// given).
pub fn parse_changed(
    repo: &Repo,
    layout: &BacklogLayout,
    changes: &[Change],
    before: bool,
    memo: Option<&ParseMemo>,
) -> Result<Vec<TaskFile>, SourceError> {
    let mut out = Vec::new();
    for c in changes {
        let (Some(blob), Some(entry)) = (
            if before { c.old } else { c.new },
            change_entry(&c.path, layout),
        ) else {
            continue;
        };
        let file = match memo {
            Some(memo) => memo.parse(repo, blob, &entry, layout)?,
            None => parse_blob(repo, blob, entry, layout)?,
        };
        out.extend(file);
    }
    Ok(out)
}

/// The "after" side of a commit, for judging transitions from one of its parents.
struct Side<'a> {
    judge: &'a CommitJudge<'a>,
    repo: &'a Repo,
    config: &'a Config,
    tree: &'a TreeSource<'a>,
    layout: &'a BacklogLayout,
    workflow: &'a Workflow,
    spec_globs: &'a globset::GlobSet,
    parsed: &'a ParseMemo,
    policy: Option<&'a dyn Source>,
    span: bool,
}

/// The transition findings of one change, with the changed task files on both sides.
pub type Transitions = (Vec<Finding>, Vec<TaskFile>, Vec<TaskFile>);

/// What stays the same while judging the transitions of one change.
pub struct TransitionContext<'a> {
    /// The repository (changed blobs are read by id).
    pub repo: &'a Repo,
    /// The configuration.
    pub config: &'a Config,
    /// The backlog layout of the "after" side.
    pub layout: &'a BacklogLayout,
    /// The status workflow.
    pub workflow: &'a Workflow,
    /// Where `flowspec_workflow.yml` is read from.
    pub policy: &'a dyn Source,
    /// Whether the "before" side has a backlog, when the caller already knows (else the
    /// parent tree is searched for one).
    pub parent_has_backlog: Option<bool>,
    /// Where changed files are parsed through, if anywhere (a pass over history).
    pub parsed: Option<&'a ParseMemo>,
    /// The change stands for a squashed series of commits (see
    /// [`transitions::TransitionInput::span`]).
    pub span: bool,
}

/// The transition rules (FG4xx) for `changes` (task files only) from `parent_tree` (`None`:
/// a root commit) to the "after" side that `lookup` reads. Hooks (index) and the commit
/// judge (a commit's tree) share it.
pub fn judge_transitions(
    ctx: &TransitionContext<'_>,
    parent_tree: Option<&TreeSource<'_>>,
    changes: &[Change],
    lookup: &ChangeLookup<'_>,
) -> Result<Transitions, JudgeError> {
    let before = match parent_tree {
        Some(_) => parse_changed(ctx.repo, ctx.layout, changes, true, ctx.parsed)?,
        None => Vec::new(),
    };
    let after = parse_changed(ctx.repo, ctx.layout, changes, false, ctx.parsed)?;
    // The first commit, or the one that brings a backlog into the repository.
    let root_commit = match (parent_tree, ctx.parent_has_backlog) {
        (None, _) => true,
        (Some(_), Some(known)) => !known,
        (Some(t), None) => backlog::discover(t, ctx.config.backlog.dir.as_deref())?.is_none(),
    };
    let flowspec = match flowspec::load_if_labelled(ctx.policy, before.iter().chain(&after)) {
        Ok(f) => f,
        Err(flowspec::LoadError::Source(e)) => return Err(e.into()),
        Err(flowspec::LoadError::Invalid(e)) => {
            return Err(JudgeError::Config(e.into_config_error()))
        }
    };
    let mut findings = transitions::check(&transitions::TransitionInput {
        before: &before,
        after: &after,
        workflow: ctx.workflow,
        flowspec: flowspec.as_ref(),
        root_commit,
        span: ctx.span,
        lookup,
    });
    // A pass over history (`ci`, `audit`): a task's memory moves in the commit that moves
    // the task. The hooks report it from the tree rules on the staged task files.
    if ctx.parsed.is_some() && !root_commit {
        findings.extend(crate::rules::rigor::memory_moves(
            &before,
            &after,
            lookup.after.source(),
            ctx.layout,
            ctx.workflow,
            ctx.config,
        )?);
    }
    lookup.failure()?;
    Ok((findings, before, after))
}

impl Side<'_> {
    fn transitions(
        &self,
        parent: Option<Oid>,
        changes: &[Change],
    ) -> Result<Transitions, JudgeError> {
        if changes.is_empty() {
            return Ok((Vec::new(), Vec::new(), Vec::new()));
        }
        let parent_tree = parent.map(|p| self.repo.commit_tree(p)).transpose()?;
        // The parent's layout comes from the judge's memo (discovery reads and parses the
        // backlog config; the parent's is almost always the one just seen).
        let parent_has_backlog = match &parent_tree {
            Some(t) => Some(match self.judge.prepare(t) {
                Ok(prepared) => prepared.is_some(),
                Err(JudgeError::Source(e)) => return Err(e.into()),
                // A backlog whose configuration does not apply is still a backlog.
                Err(_) => true,
            }),
            None => None,
        };
        let touched = changes.iter().map(|c| c.path.clone());
        let lookup = ChangeLookup {
            before: parent_tree.as_ref().map(|t| {
                self.judge
                    .finder(t, self.layout, self.parsed)
                    .excluding(touched)
            }),
            after: self.judge.finder(self.tree, self.layout, self.parsed),
            spec_globs: self.spec_globs,
            spec_places: crate::rules::transitions::SpecPlaces::of(self.config),
        };
        judge_transitions(
            &TransitionContext {
                repo: self.repo,
                config: self.config,
                layout: self.layout,
                workflow: self.workflow,
                policy: self.policy.unwrap_or(self.tree),
                parent_has_backlog,
                parsed: Some(self.parsed),
                span: self.span,
            },
            parent_tree.as_ref(),
            changes,
            &lookup,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::squash_subject;

    #[test]
    fn layout_keys_with_config_files_by_folder_id_as_looked_up_each_time() {
        use super::{config_files, CommitJudge};
        let dir = std::env::temp_dir().join(format!("flowgate-layout-key-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let git = |args: &[&str]| crate::git::repo::git_in(&dir, args);
        git(&["init", "-q", "-b", "main"]);
        // Each step: files to write (path, content; empty content removes the path).
        let steps: &[&[(&str, &str)]] = &[
            &[("README.md", "x")],
            &[("backlog/tasks/task-1 - A.md", "---\ntitle: A\n---\n")],
            &[("backlog/config.yml", "task_prefix: task\n")],
            &[("backlog/tasks/task-2 - B.md", "---\ntitle: B\n---\n")],
            &[("backlog/config.yaml", "task_prefix: back\n")],
            &[("backlog/config.yml", "task_prefix: feat\n")],
            &[("docs/backlog/config.yml", "task_prefix: doc\n")],
            &[(".backlog", "a file, not a folder")],
            &[("backlog/config.yml", ""), ("backlog/config.yaml", "")],
            &[
                ("backlog/tasks/task-1 - A.md", ""),
                ("backlog/tasks/task-2 - B.md", ""),
            ],
            &[("docs/backlog/config.yml", ""), ("docs/backlog/x.md", "x")],
            &[("backlog.config.yml", "dir: docs\n")],
        ];
        let mut commits = Vec::new();
        for (n, files) in steps.iter().enumerate() {
            for (path, content) in *files {
                let full = dir.join(path);
                if content.is_empty() {
                    let _ = std::fs::remove_file(&full);
                } else {
                    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
                    std::fs::write(&full, content).unwrap();
                }
            }
            git(&["add", "-A"]);
            git(&["commit", "-q", "--allow-empty", "-m", &format!("step {n}")]);
            let head = std::process::Command::new("git")
                .args(["rev-parse", "HEAD"])
                .current_dir(&dir)
                .output()
                .unwrap();
            commits.push(String::from_utf8(head.stdout).unwrap().trim().to_string());
        }
        let repo = crate::git::Repo::discover(&dir).unwrap();
        for backlog_dir in [
            None,
            Some("docs/backlog"),
            Some("./docs/backlog/"),
            Some("./"),
        ] {
            let mut config = crate::config::Config::default();
            config.backlog.dir = backlog_dir.map(str::to_string);
            let judge = CommitJudge::new(&repo, &config, None, None);
            let mut keys = Vec::new();
            // Twice over the history: the second time every folder id is known.
            for _ in 0..2 {
                for commit in &commits {
                    let id = crate::git::Oid::from_str(commit).unwrap();
                    let tree = repo.commit_tree(id).unwrap();
                    let each_time = judge.layout_key_with(&tree, |_, d| config_files(&tree, d));
                    assert_eq!(
                        judge.layout_key(&tree),
                        each_time,
                        "{backlog_dir:?} {commit}"
                    );
                    keys.push(each_time);
                }
            }
            keys.sort();
            keys.dedup();
            assert!(keys.len() >= 5, "{backlog_dir:?}: {keys:?}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn github_squash_subjects() {
        assert!(squash_subject("Login (#12)"));
        assert!(squash_subject("feat: x (scope) (#1063)"));
        assert!(!squash_subject("Login(#12)"));
        assert!(!squash_subject("Login (#)"));
        assert!(!squash_subject("Login (#12a)"));
        assert!(!squash_subject("Fixes #12"));
    }
}

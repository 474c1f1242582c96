//! flowspec's branch and pull-request rigor rules: EXEC-002 (branch naming), PR-003
//! (iteration suffix), EXEC-004 (the branch's task exists and is active), the decision
//! log of the branch's task (EXEC-003 in the hooks, VALID-001 in `ci`) and PR-001 (DCO
//! sign-off, `ci` only). `flowgate ci` judges the pull request's head branch against its
//! head tree; the `commit-msg` hook judges the current branch against the index; the
//! audit judges the branch a merge commit's subject names, through [`for_commit`] with
//! the merge's first parent as the tree and the merged tip's tasks. Only
//! flowspec repositories get them; a detached HEAD, the default branch and `release/*`
//! are exempt from the branch rules.

use regex::Regex;

use super::rigor::apply_modes;
use super::Rule;
use crate::backlog::{Folder, TaskFile, TaskId};
use crate::config::Config;
use crate::finding::Finding;
use crate::flowspec::decisions;
use crate::snapshot::Snapshot;
use crate::source::{Content, Source, SourceError, MAX_FILE_SIZE};
use crate::workflow::Workflow;

/// The branch pattern flowspec's catalogue asks for (`host/task-N/slug`); subtask IDs
/// (`task-12.3`) are accepted too.
pub const DEFAULT_PATTERN: &str = r"^[a-z0-9-]+/task-[0-9]+(\.[0-9]+)*/[a-z0-9-]+$";

/// What the pull-request rules look at.
#[derive(Debug, Clone, Copy)]
pub struct PullRequest<'a> {
    /// The head branch (`head.ref`), when known.
    pub branch: Option<&'a str>,
    /// The repository's default branch, when known.
    pub default_branch: Option<&'a str>,
}

/// One commit of the pull request, for PR-001.
#[derive(Debug, Clone)]
pub struct PrCommit<'a> {
    /// The commit id.
    pub id: String,
    /// Number of parents (merges are not signed off by the DCO convention).
    pub parents: usize,
    /// Author name.
    pub author_name: &'a str,
    /// Author email.
    pub author_email: &'a str,
    /// The full message.
    pub message: &'a str,
}

/// The branch's task, as the tree judged has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskState {
    /// No task carries the ID.
    Missing,
    /// In an active status.
    Active,
    /// In the last status, moved there by the change judged: the branch's work finishes
    /// it.
    Finished,
    /// In another status (as written, or `no status`).
    Inactive(String),
}

impl TaskState {
    /// The state of a task whose file is `now` (and was `before`, in the tree the change
    /// starts from).
    pub fn of(
        now: Option<&TaskFile>,
        before: Option<&TaskFile>,
        workflow: &Workflow,
        config: &Config,
    ) -> TaskState {
        let Some(now) = now else {
            return TaskState::Missing;
        };
        let status = now.status();
        match status {
            Some(s) if workflow.is_one_of(s, &config.commits.active_statuses) => TaskState::Active,
            Some(s)
                if workflow.is_last(s)
                    && before
                        .and_then(TaskFile::status)
                        .is_some_and(|b| !workflow.is_last(b)) =>
            {
                TaskState::Finished
            }
            _ => TaskState::Inactive(status.unwrap_or("no status").to_string()),
        }
    }

    fn is_worked_on(&self) -> bool {
        matches!(self, TaskState::Active | TaskState::Finished)
    }
}

/// The rules for a pull request from `pr.branch` (its commits `commits`, read from
/// `repo`), judged against the head snapshot; `before` is the tree the pull request
/// starts from (a task it moves to the last status is the work it finishes). Nothing
/// outside flowspec repositories.
pub fn for_pull_request(
    repo: &crate::git::Repo,
    commits: &[crate::git::Oid],
    pr: &PullRequest<'_>,
    before: Option<&dyn Source>,
    snapshot: &Snapshot,
    config: &Config,
) -> Result<Vec<Finding>, SourceError> {
    let Some(fs) = snapshot.flowspec.as_ref() else {
        return Ok(Vec::new());
    };
    let metas = commits
        .iter()
        .map(|&id| crate::git::CommitMeta::read(repo, id))
        .collect::<Result<Vec<_>, _>>()?;
    let pr_commits: Vec<PrCommit<'_>> = metas
        .iter()
        .map(|m| PrCommit {
            id: m.id.to_string(),
            parents: m.parents.len(),
            author_name: &m.author_name,
            author_email: &m.author_email,
            message: &m.message,
        })
        .collect();
    let prefix = task_prefix(snapshot);
    let branch = pr
        .branch
        .filter(|b| !exempt(b, pr.default_branch))
        .map(|name| -> Result<BranchCase<'_>, SourceError> {
            let Some(id) = crate::message::branch_reference(name, &prefix) else {
                return Ok(BranchCase::new(name, &prefix, config, None));
            };
            let backlog = snapshot.backlog.as_ref();
            let now = backlog.and_then(|b| b.find(&id).find(|f| f.folder != Folder::Drafts));
            let was = match (now, before, backlog) {
                (Some(f), Some(before), Some(b)) => earlier(before, f, &b.layout)?,
                _ => None,
            };
            let state = TaskState::of(now, was.as_ref(), &snapshot.workflow, config);
            let entries = decisions::entries_for(&fs.decisions, &id);
            let mut case = BranchCase::new(name, &prefix, config, Some((id, state)));
            case.decisions = Some((&super::RIGOR_UNTRACED_DECISIONS, entries));
            Ok(case)
        })
        .transpose()?;
    Ok(check(branch.as_ref(), &pr_commits, &fs.config))
}

/// The same task file in the tree `before`, when it was there.
fn earlier(
    before: &dyn Source,
    file: &TaskFile,
    layout: &crate::backlog::BacklogLayout,
) -> Result<Option<TaskFile>, SourceError> {
    let Some(entry) = crate::backlog::entry::entry_for(&file.path, layout) else {
        return Ok(None);
    };
    Ok(match before.read(&file.path, MAX_FILE_SIZE)? {
        Content::Bytes(b) => Some(crate::backlog::parse_task_file(entry, &b, layout)),
        _ => None,
    })
}

/// A task's file in the index and in the commit's parent, by ID.
pub type TaskLookup<'a> = dyn Fn(&TaskId) -> (Option<TaskFile>, Option<TaskFile>) + 'a;

/// What the `commit-msg` hook knows of the commit being made (or the audit of a merge:
/// the first parent's tree, the merged branch and its tip's tasks).
pub struct Commit<'a> {
    /// The index, as the commit will record it: whether the repository is a flowspec
    /// one and its rigor modes are read there.
    pub index: &'a dyn Source,
    /// The current branch; `None` on a detached HEAD.
    pub branch: Option<&'a str>,
    /// The repository's default branch, when known.
    pub default_branch: Option<&'a str>,
    /// The backlog's task prefix.
    pub prefix: &'a str,
    /// A task's file in the index and in the commit's parent, by ID.
    pub lookup: &'a TaskLookup<'a>,
    /// What is judged: one commit, or a whole merged branch.
    pub scope: Scope,
}

/// What the branch rules judge of a branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One commit made on the branch (the `commit-msg` hook). One that changes code is
    /// implementation work, whose decisions are logged (EXEC-003); one that changes none
    /// is planning (such as the commit creating the branch's task), which may leave the
    /// task not started.
    Commit {
        /// The commit changes code.
        changes_code: bool,
    },
    /// The whole work of a merged branch (the audit of a merge commit).
    MergedBranch,
}

/// The branch rules of a commit on the current branch: EXEC-002, PR-003, EXEC-004, and
/// EXEC-003 when the commit changes code. Nothing outside flowspec repositories, on a
/// detached HEAD or on an exempt branch.
pub fn for_commit(
    commit: &Commit<'_>,
    workflow: &Workflow,
    config: &Config,
) -> Result<Vec<Finding>, SourceError> {
    let Some(name) = commit.branch.filter(|b| !exempt(b, commit.default_branch)) else {
        return Ok(Vec::new());
    };
    if !crate::flowspec::detect(commit.index)? {
        return Ok(Vec::new());
    }
    let rigor = crate::flowspec::read_rigor_config(commit.index, &super::rigor::is_catalogue_id)?;
    let prefix = commit.prefix.to_ascii_lowercase();
    let task = match crate::message::branch_reference(name, &prefix) {
        Some(id) => {
            let (now, before) = (commit.lookup)(&id);
            let state = TaskState::of(now.as_ref(), before.as_ref(), workflow, config);
            Some((id, state))
        }
        None => None,
    };
    let decisions = match &task {
        Some((id, state))
            if commit.scope == (Scope::Commit { changes_code: true }) && state.is_worked_on() =>
        {
            let logs = decisions::load_for_task(commit.index, id)?;
            Some((
                &super::RIGOR_NO_DECISION_LOG,
                decisions::entries_for(&logs, id),
            ))
        }
        _ => None,
    };
    let mut case = BranchCase::new(name, &prefix, config, task);
    case.decisions = decisions;
    case.not_started_ok = commit.scope
        == (Scope::Commit {
            changes_code: false,
        });
    Ok(check(Some(&case), &[], &rigor))
}

/// One branch to judge.
pub struct BranchCase<'a> {
    /// The branch name.
    pub name: &'a str,
    /// The backlog's task prefix, lowercase.
    pub prefix: &'a str,
    /// The branch-name pattern.
    pub pattern: &'a str,
    /// The task the branch names, and its state; `None`: the branch names no task.
    pub task: Option<(TaskId, TaskState)>,
    /// The rule that judges the task's decision log (EXEC-003 or VALID-001) and the number
    /// of decisions it records; `None`: not judged here.
    pub decisions: Option<(&'static Rule, usize)>,
    /// A task that exists but is not started passes EXEC-004 (planning commits).
    pub not_started_ok: bool,
    active_statuses: &'a [String],
}

impl<'a> BranchCase<'a> {
    /// A branch with the configured pattern and no decision-log check.
    pub fn new(
        name: &'a str,
        prefix: &'a str,
        config: &'a Config,
        task: Option<(TaskId, TaskState)>,
    ) -> BranchCase<'a> {
        BranchCase {
            name,
            prefix,
            pattern: config
                .flowspec
                .branch_pattern
                .as_deref()
                .unwrap_or(DEFAULT_PATTERN),
            task,
            decisions: None,
            not_started_ok: false,
            active_statuses: &config.commits.active_statuses,
        }
    }
}

/// True when the branch is exempt from the naming rules: the default branch (`main` or
/// `master` when the default is not known), `release/*`, and GitHub's merge-queue
/// branches.
fn exempt(branch: &str, default_branch: Option<&str>) -> bool {
    match default_branch {
        Some(d) if d == branch => return true,
        None if branch == "main" || branch == "master" => return true,
        _ => {}
    }
    branch.starts_with("release/") || branch.starts_with("gh-readonly-queue/")
}

/// Splits a PR-003 iteration suffix: `a/task-1/x-v3` → (`a/task-1/x`, Some(3)).
fn split_iteration(branch: &str) -> (&str, Option<u64>) {
    if let Some(i) = branch.rfind("-v") {
        let digits = branch.get(i + 2..).unwrap_or_default();
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return (branch.get(..i).unwrap_or(branch), digits.parse().ok());
        }
    }
    (branch, None)
}

/// The branch and pull-request findings, in the modes of `rigor`.
pub fn check(
    branch: Option<&BranchCase<'_>>,
    commits: &[PrCommit<'_>],
    rigor: &crate::flowspec::RigorConfig,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(branch) = branch {
        branch_rules(branch, &mut out);
    }
    for c in commits.iter().filter(|c| c.parents < 2) {
        if let Some(f) = dco(c) {
            out.push(f);
        }
    }
    apply_modes(out, rigor)
}

fn branch_rules(case: &BranchCase<'_>, out: &mut Vec<Finding>) {
    let (branch, pattern, prefix) = (case.name, case.pattern, case.prefix);
    let (base, iteration) = split_iteration(branch);
    let Ok(re) = Regex::new(pattern) else {
        // `.flowgate.yml` is validated when read; a pattern that does not compile never
        // gets here.
        return;
    };
    if let Some(n) = iteration.filter(|n| *n < 2) {
        out.push(
            Finding::new(
                &super::RIGOR_ITERATION_BRANCH,
                format!("[PR-003] branch \"{branch}\" is iteration {n}; iterations are numbered from -v2"),
            )
            .help(format!("the first branch has no suffix, the next is \"{base}-v2\": git branch -m \"{base}-v2\"")),
        );
    }
    if !re.is_match(base) && !re.is_match(branch) {
        let host = "<host>";
        let suggestion = match &case.task {
            Some((id, _)) => format!("{host}/{}/{}", id.file_stem(), slug(base)),
            None => format!("{host}/task-<N>/{}", slug(base)),
        };
        out.push(
            Finding::new(
                &super::RIGOR_BRANCH_NAME,
                format!("[EXEC-002] branch \"{branch}\" does not match the pattern {pattern}"),
            )
            .help(format!(
                "rename it, e.g. git branch -m \"{suggestion}\" (an iteration adds -v2, -v3; set flowspec.branch_pattern in .flowgate.yml for another convention)"
            )),
        );
    }
    let Some((id, state)) = &case.task else {
        out.push(
            Finding::new(
                &super::RIGOR_BRANCH_TASK,
                format!("[EXEC-004] branch \"{branch}\" names no task"),
            )
            .help(format!(
                "work on a branch named after its task, e.g. <host>/{prefix}-<N>/<slug>"
            )),
        );
        return;
    };
    let message = match state {
        TaskState::Missing => Some(format!(
            "[EXEC-004] branch \"{branch}\" names {id}, which is not a task"
        )),
        TaskState::Inactive(status) if !case.not_started_ok => Some(format!(
            "[EXEC-004] branch \"{branch}\" names {id}, which is \"{status}\", not active"
        )),
        TaskState::Inactive(_) | TaskState::Active | TaskState::Finished => None,
    };
    if let Some(message) = message {
        out.push(
            Finding::new(&super::RIGOR_BRANCH_TASK, message)
                .task(id.canonical())
                .help(format!(
                    "create the task or move it to {}: backlog task edit {} -s \"{}\"",
                    crate::workflow::quoted_list(case.active_statuses.iter().map(String::as_str)),
                    id.file_stem(),
                    case.active_statuses
                        .first()
                        .map_or("In Progress", String::as_str)
                )),
        );
    }
    if let Some((rule, 0)) = case.decisions.filter(|_| state.is_worked_on()) {
        let tag = super::rigor::catalogue_id(rule.code).unwrap_or_default();
        let log = format!("{}/{}.jsonl", decisions::TASK_LOG_DIR, id.file_stem());
        out.push(
            Finding::new(rule, format!(
                "[{tag}] {id}, the task of branch \"{branch}\", has no decision log: {log} is missing or empty"
            ))
            .task(id.canonical())
            .help(format!(
                "record each significant decision as one JSON line, e.g. echo '{{\"timestamp\":\"'$(date -u +%Y-%m-%dT%H:%M:%SZ)'\",\"task_id\":\"{stem}\",\"phase\":\"execution\",\"decision\":\"<what>\",\"rationale\":\"<why>\",\"actor\":\"@<you>\"}}' >> {log}",
                stem = id.file_stem()
            )),
        );
    }
}

fn task_prefix(snapshot: &Snapshot) -> String {
    snapshot.backlog.as_ref().map_or("task".to_string(), |b| {
        b.layout.config.task_prefix.to_ascii_lowercase()
    })
}

/// The last path segment of a branch, as a slug.
fn slug(branch: &str) -> String {
    let last = branch.rsplit('/').next().unwrap_or(branch);
    let s: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() {
        "slug".into()
    } else {
        s
    }
}

/// PR-001: a `Signed-off-by:` trailer with the author's email.
fn dco(c: &PrCommit<'_>) -> Option<Finding> {
    let email = c.author_email.trim().to_ascii_lowercase();
    let signed = c.message.lines().any(|l| {
        let l = l.trim();
        l.get(..14)
            .is_some_and(|h| h.eq_ignore_ascii_case("signed-off-by:"))
            && l.to_ascii_lowercase().contains(&format!("<{email}>"))
    });
    if signed {
        return None;
    }
    let any = c.message.lines().any(|l| {
        l.trim()
            .get(..14)
            .is_some_and(|h| h.eq_ignore_ascii_case("signed-off-by:"))
    });
    let message = if any {
        format!(
            "[PR-001] commit is signed off, but not by its author {} <{}>",
            c.author_name, c.author_email
        )
    } else {
        "[PR-001] commit has no DCO sign-off (Signed-off-by:)".to_string()
    };
    Some(
        Finding::new(&super::RIGOR_DCO, message)
            .commit(c.id.clone())
            .help(format!(
                "add the trailer as the author ({} <{}>): git rebase --signoff <base branch>, then push with --force-with-lease",
                c.author_name, c.author_email
            )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iteration_suffixes_split() {
        assert_eq!(split_iteration("h/task-1/x-v3"), ("h/task-1/x", Some(3)));
        assert_eq!(split_iteration("h/task-1/x-val"), ("h/task-1/x-val", None));
        assert_eq!(split_iteration("h/task-1/x"), ("h/task-1/x", None));
    }

    #[test]
    fn the_branch_names_its_task() {
        let id = |b: &str| crate::message::branch_reference(b, "task").map(|t| t.canonical());
        assert_eq!(id("laptop/task-12/login").as_deref(), Some("TASK-12"));
        assert_eq!(id("feature/task-12.3-login").as_deref(), Some("TASK-12.3"));
        assert_eq!(id("feature/subtask-12"), None);
        assert_eq!(id("feature/login"), None);
    }

    #[test]
    fn exemptions() {
        assert!(exempt("main", None));
        assert!(exempt("trunk", Some("trunk")));
        assert!(!exempt("main", Some("trunk")));
        assert!(exempt("release/v1.2", Some("main")));
        assert!(!exempt("feature/x", Some("main")));
    }

    #[test]
    fn default_pattern() {
        let re = Regex::new(DEFAULT_PATTERN).unwrap();
        assert!(re.is_match("laptop/task-12/add-login"));
        assert!(re.is_match("laptop/task-12.3/add-login"));
        assert!(!re.is_match("feature/add-login"));
        assert!(!re.is_match("Laptop/task-12/Add"));
    }

    #[test]
    fn dco_needs_the_author() {
        let c = |msg: &'static str| PrCommit {
            id: "abc".into(),
            parents: 1,
            author_name: "Ann",
            author_email: "ann@example.com",
            message: msg,
        };
        assert!(dco(&c("x\n\nSigned-off-by: Ann <ann@example.com>\n")).is_none());
        assert!(dco(&c("x\n\nsigned-off-by: Ann <ANN@example.com>\n")).is_none());
        let other = dco(&c("x\n\nSigned-off-by: Bob <bob@example.com>\n")).unwrap();
        assert_eq!(
            other.message,
            "[PR-001] commit is signed off, but not by its author Ann <ann@example.com>"
        );
        let none = dco(&c("x\n")).unwrap();
        assert_eq!(
            none.message,
            "[PR-001] commit has no DCO sign-off (Signed-off-by:)"
        );
    }
}

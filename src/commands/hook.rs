//! `flowgate hook …`: the entry points of the installed git hooks.
//!
//! - `pre-commit`: the staged task files get the task-file and spec-link rules, and every
//!   staged status change is judged HEAD → index. Nothing staged in the backlog: nothing
//!   is read beyond one diff.
//! - `commit-msg`: the message must reference an existing, active task of the index.
//!   The referenced task is found by file name; only that file is parsed.
//! - `prepare-commit-msg`: adds `Refs: TASK-N` from the branch name when missing, and
//!   records for `commit-msg` whether the message comes from HEAD (an amend).
//!
//! Whether the commit amends HEAD (so its parent is HEAD's parent) is read from git's own
//! state, see [`crate::git::amend`]; a commit that stages only non-code paths is a new
//! commit that needs no task, whatever HEAD changed.
//!
//! Every hook reads the index git names in `GIT_INDEX_FILE` (`git commit PATH…`,
//! `commit -a`, Backlog.md's auto-commit), never blindly `.git/index`. Reports go to stderr.

use std::collections::BTreeSet;
use std::mem::ManuallyDrop;
use std::path::Path;

use crate::git::Oid;

use super::{CommandError, Context, Outcome};
use crate::backlog::{self, entry::entry_for, BacklogLayout};
use crate::cli::{Format, HookCommand};
use crate::config::Config;
use crate::engine::judge::{self, StagedChange};
use crate::engine::tasks::TaskFinder;
use crate::engine::{self, outcome};
use crate::finding::{Finding, Severity, Summary};
use crate::git::amend;
use crate::git::changes::{Change, Scope};
use crate::git::{IndexSource, Repo};
use crate::message::{self, Message};
use crate::report::{Report, ReportContext};
use crate::rules::{self, commits};
use crate::source::Source;
use crate::workflow::Workflow;

/// The formats the hooks write (on stderr).
pub const FORMATS: &[Format] = &[Format::Human, Format::Json];

/// How findings of the commit being made are labelled.
const STAGED: &str = "staged";

/// Runs one hook.
pub fn run(ctx: &Context, cmd: &HookCommand) -> Result<Outcome, CommandError> {
    // Hooks only read objects git itself just wrote or verified, and read the backlog's
    // task folder several times: see `tune_for_hook`.
    crate::git::ops::tune_for_hook();
    super::heap::for_hook();
    match cmd {
        HookCommand::PreCommit => pre_commit(ctx),
        HookCommand::CommitMsg { file } => commit_msg(ctx, file),
        HookCommand::PrepareCommitMsg { file, source, sha } => {
            // This hook only helps; it must never block a commit.
            let repo = match open_repo(ctx) {
                Ok(repo) => repo,
                Err(e) => {
                    eprintln!("flowgate: prepare-commit-msg skipped: {e}");
                    return Ok(Outcome::Clean);
                }
            };
            if let Err(e) = amend::record_message_source(&repo, source.as_deref(), sha.as_deref()) {
                eprintln!("flowgate: cannot record the message source for commit-msg: {e}");
            }
            if let Err(e) = prepare_commit_msg(ctx, &repo, file, source.as_deref()) {
                eprintln!("flowgate: prepare-commit-msg skipped: {e}");
            }
            Ok(Outcome::Clean)
        }
    }
}

/// The repository, its index, the configuration and the backlog layout.
struct Staged<'r> {
    repo: &'r Repo,
    index: IndexSource<'r>,
    config: Config,
    layout: Option<BacklogLayout>,
}

impl<'r> Staged<'r> {
    fn open(ctx: &Context, repo: &'r Repo) -> Result<Staged<'r>, CommandError> {
        let index = repo.index()?;
        let config = ctx.config(&index)?;
        let layout = backlog::discover(&index, config.backlog.dir.as_deref())?;
        Ok(Staged {
            repo,
            index,
            config,
            layout,
        })
    }

    fn workflow(&self, layout: &BacklogLayout) -> Result<Workflow, CommandError> {
        Ok(judge::workflow(&self.config, layout)?)
    }
}

/// Hides baselined findings. A hook sees a few files: it never calls entries stale.
fn baseline(
    ctx: &Context,
    staged: &Staged<'_>,
    findings: Vec<Finding>,
) -> Result<Vec<Finding>, CommandError> {
    if findings.is_empty() {
        return Ok(findings);
    }
    let root = staged.repo.workdir().unwrap_or(&ctx.dir).to_path_buf();
    ctx.baseline(&staged.config, &root, findings, engine::Stale::None)
}

fn open_repo(ctx: &Context) -> Result<Repo, CommandError> {
    Repo::discover(&ctx.dir).map_err(|e| CommandError::Repository(e.0))
}

fn pre_commit(ctx: &Context) -> Result<Outcome, CommandError> {
    // The process ends right after a hook: unmapping the pack files and freeing the index
    // entry by entry would only add to the commit's wait.
    let repo = ManuallyDrop::new(open_repo(ctx)?);
    // HEAD's task folder is one large tree: read it from its record when there is one.
    repo.use_tree_records(Box::new(RecordFiles(repo.git_dir().to_path_buf())));
    let staged = ManuallyDrop::new(Staged::open(ctx, &repo)?);
    let Some(layout) = staged.layout.as_ref() else {
        return Ok(Outcome::Clean);
    };
    // The parent of the commit being made: HEAD, or HEAD's parent for an `--amend`.
    let base = parent_of_commit(&repo, false, || Ok(false))?;
    let changes = judge::staged_task_changes(&staged.index, base, layout)?;
    if changes.is_empty() {
        return Ok(Outcome::Clean);
    }
    let workflow = staged.workflow(layout)?;
    let mut findings = tree_findings(&staged, &changes)?;
    let judged = judge::judge_staged(
        &StagedChange {
            repo: &repo,
            index: &staged.index,
            config: &staged.config,
            layout,
            workflow: &workflow,
        },
        base,
        &changes,
    )?;
    findings.extend(judged);
    let findings = engine::configure([findings], &staged.config);
    let findings = baseline(ctx, &staged, findings)?;
    let scope = || {
        format!(
            "in the staged changes to {}",
            touched_tasks(&changes, layout)
        )
    };
    report(ctx, &findings, scope, &staged.index, &[])?;
    // The trees this commit gives the task folders it changes: the next commit's HEAD.
    let mut folders: Vec<&str> = changes
        .iter()
        .filter_map(|c| c.path.rsplit_once('/').map(|(dir, _)| dir))
        .collect();
    // Sorted first: the files of a subfolder sort between those of its parent folder.
    folders.sort_unstable();
    folders.dedup();
    for dir in folders {
        repo.keep_index_tree(&staged.index, dir);
    }
    Ok(outcome(&findings))
}

/// The tree records' files (`.git/flowgate/trees/`), below a git dir: read mapped, written
/// without waiting for the disk (a record is checked whole against its tree's id). The
/// audit reads HEAD's task folder through them too.
pub(crate) struct RecordFiles(pub(crate) std::path::PathBuf);

impl crate::git::tree::RecordFiles for RecordFiles {
    fn read(&self, rel: &str, max: u64) -> Option<crate::git::tree::KeptBytes> {
        let bytes = crate::own_files::map_in(&self.0, rel, max).ok().flatten()?;
        Some(Box::new(bytes))
    }

    fn write(&self, rel: &str, data: &[u8]) -> bool {
        crate::own_files::write_in_unsynced(&self.0, rel, data).is_ok()
    }
}

/// The task-file and spec-link findings of the index, restricted to the staged task files,
/// from a focused snapshot (only what those files need is read).
fn tree_findings(staged: &Staged<'_>, changes: &[Change]) -> Result<Vec<Finding>, CommandError> {
    let staged_paths: BTreeSet<&str> = changes
        .iter()
        .filter(|c| c.new.is_some())
        .map(|c| c.path.as_str())
        .collect();
    if staged_paths.is_empty() {
        return Ok(Vec::new());
    }
    let Some(layout) = staged.layout.clone() else {
        return Ok(Vec::new());
    };
    let owned: BTreeSet<String> = staged_paths.iter().map(|p| p.to_string()).collect();
    // Like the repository in `pre_commit`: the process ends right after the hook, and
    // freeing the listing of every task file (10,000s of names) would only add to the wait.
    let snapshot = ManuallyDrop::new(engine::focused(
        &staged.index,
        &staged.config,
        layout,
        &owned,
    )?);
    Ok(engine::tree_findings(&snapshot, &staged.config)
        .into_iter()
        .filter(|f| f.file.as_deref().is_some_and(|p| staged_paths.contains(p)))
        .collect())
}

/// The parent of the commit being made: HEAD, or HEAD's parent when it amends HEAD
/// (`recorded`, `nothing_staged`: see [`amend::amends_head`]); `None` on an unborn branch.
fn parent_of_commit(
    repo: &Repo,
    recorded: bool,
    nothing_staged: impl FnOnce() -> Result<bool, crate::source::SourceError>,
) -> Result<Option<Oid>, CommandError> {
    let Some(head) = repo.head_commit()? else {
        return Ok(None);
    };
    Ok(
        if amend::amends_head(repo, head, recorded, nothing_staged)? {
            repo.first_parent(head)
        } else {
            Some(head)
        },
    )
}

/// `Name <email>` of the author of the commit being made.
fn author(repo: &Repo) -> Option<String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let (configured_name, configured_email) = repo.identity();
    let name = env("GIT_AUTHOR_NAME").or(configured_name)?;
    let email = env("GIT_AUTHOR_EMAIL")
        .or(configured_email)
        .unwrap_or_default();
    Some(format!("{name} <{email}>"))
}

/// Reads the message file git names: a regular file, of at most
/// [`crate::source::MAX_FILE_SIZE`] bytes
/// (a device or a FIFO named here would never end).
fn read_message(path: &Path) -> Result<String, CommandError> {
    let unreadable = |why: String| {
        CommandError::Usage(format!(
            "cannot read the commit message {}: {why}",
            path.display()
        ))
    };
    let bytes = crate::own_files::read(path, crate::source::MAX_FILE_SIZE)
        .map_err(|e| unreadable(e.to_string()))?
        .ok_or_else(|| unreadable("no such file".into()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn commit_msg(ctx: &Context, file: &Path) -> Result<Outcome, CommandError> {
    // The process ends right after a hook: unmapping the pack files and freeing the index
    // entry by entry would only add to the commit's wait.
    let repo = ManuallyDrop::new(open_repo(ctx)?);
    let staged = ManuallyDrop::new(Staged::open(ctx, &repo)?);
    let Some(layout) = staged.layout.as_ref() else {
        return Ok(Outcome::Clean);
    };
    let head = repo.head_commit()?;
    // Taken before anything can fail, so that a record never outlives its commit.
    let recorded = head.is_some_and(|h| amend::take_record(&repo, h));
    let text = read_message(file)?;
    let message = Message::parse(&text, repo.comment_char());
    if message.is_empty() {
        // git aborts an empty message itself.
        return Ok(Outcome::Clean);
    }
    let workflow = staged.workflow(layout)?;
    let prefix = layout.config.task_prefix.clone();
    // What the judge of a commit prepares for its backlog, as `ci` and `audit` have it.
    let references = judge::references(&staged.config, layout)?;
    let code = judge::code_paths(&staged.config, layout)?;
    let base = parent_of_commit(&repo, recorded, || {
        Ok(staged.index.changes(head, Scope::All)?.is_empty())
    })?;
    let changes = code_side_changes(&staged, layout, base)?;
    let changed: Vec<String> = changes.iter().map(|c| c.path.clone()).collect();
    let version_bump = !staged.config.commits.version_bumps_need_task
        && crate::rules::commits::only_version_bumps(&repo, &changes, &code);
    let author = author(&repo);
    // The branch HEAD is on (`None` when detached), and the branch being worked on: during
    // a rebase, the branch being rebased.
    let branch_name = repo.branch_name();
    let branch = branch_name.clone().or_else(|| repo.rebasing_branch());
    let merge = !repo.merge_heads().is_empty();
    // The parent's tasks, consulted only for a task that this commit moves out of the
    // active status (it finishes the task it worked on).
    let parent_tree = base.map(|p| repo.commit_tree(p)).transpose()?;
    let before = parent_tree
        .as_ref()
        .map(|t| TaskFinder::for_tree(t, layout).by_name_only());
    let input = commits::CommitInput {
        commit: STAGED,
        tree_label: "the staged tree",
        message: &message,
        author: author.as_deref(),
        merge,
        changed: &changed,
        branch: branch.as_deref(),
        prefix: &prefix,
        before: before.as_ref().map(|b| b as &dyn commits::TaskIndex),
        version_bump,
    };
    let finder = TaskFinder::new(&staged.index, layout).with_workflow(&workflow);
    let mut findings = commits::check(
        &input,
        &staged.config.commits,
        &workflow,
        &references,
        &code,
        &finder,
    );
    // flowspec's branch rules: the current branch (a detached HEAD has none).
    let default_branch = repo.default_branch();
    let lookup = |id: &crate::backlog::TaskId| {
        let before = before.as_ref().and_then(|b| b.by_id(id));
        (finder.by_id(id), before)
    };
    let on_branch = rules::rigor_branch::Commit {
        index: &staged.index,
        branch: branch_name.as_deref(),
        default_branch: default_branch.as_deref(),
        prefix: &prefix,
        lookup: &lookup,
        scope: rules::rigor_branch::Scope::Commit {
            changes_code: changed.iter().any(|p| code.is_code(p)),
        },
    };
    findings.extend(rules::rigor_branch::for_commit(
        &on_branch,
        &workflow,
        &staged.config,
    )?);
    finder.failure()?;
    before.as_ref().map_or(Ok(()), TaskFinder::failure)?;
    let findings = engine::configure([findings], &staged.config);
    let findings = baseline(ctx, &staged, findings)?;
    let scope = || {
        let referenced: Vec<String> = references
            .find(&message)
            .iter()
            .map(|r| r.id.canonical())
            .collect();
        format!(
            "in commit {} ({})",
            commits::quoted_subject(&message),
            match referenced.as_slice() {
                [] => "references no task".to_string(),
                ids => format!("references {}", ids.join(", ")),
            }
        )
    };
    report(
        ctx,
        &findings,
        scope,
        &staged.index,
        &[(STAGED.to_string(), message.text.to_string())],
    )?;
    Ok(outcome(&findings))
}

/// The paths the commit changes, as far as the "does it change code" question needs them:
/// the backlog folder is never code, so when it is a top-level folder the diff skips it.
fn code_side_changes(
    staged: &Staged<'_>,
    layout: &BacklogLayout,
    base: Option<Oid>,
) -> Result<Vec<Change>, CommandError> {
    let root = layout.root.trim_end_matches('/');
    let changes = if root.is_empty() || root.contains('/') {
        staged.index.changes(base, Scope::All)?
    } else {
        staged.index.changes(base, Scope::AllBut(root))?
    };
    Ok(changes)
}

fn prepare_commit_msg(
    ctx: &Context,
    repo: &Repo,
    file: &Path,
    source: Option<&str>,
) -> Result<(), CommandError> {
    if matches!(source, Some("merge" | "squash")) {
        return Ok(());
    }
    // A rebase, cherry-pick or revert replays messages; they are not ours to edit.
    if !repo.is_clean_state() {
        return Ok(());
    }
    let staged = Staged::open(ctx, repo)?;
    if !staged.config.commits.add_refs_trailer {
        return Ok(());
    }
    let Some(layout) = staged.layout.as_ref() else {
        return Ok(());
    };
    let prefix = &layout.config.task_prefix;
    let Some(id) = repo
        .branch_name()
        .and_then(|b| message::branch_reference(&b, prefix))
    else {
        return Ok(());
    };
    let text = read_message(file)?;
    let comment = repo.comment_char();
    let references = judge::references(&staged.config, layout)?;
    if !references.find(&Message::parse(&text, comment)).is_empty() {
        return Ok(());
    }
    let updated = message::add_trailer(&text, comment, &format!("Refs: {id}"));
    std::fs::write(file, updated).map_err(|e| {
        CommandError::Repository(format!(
            "cannot write the commit message {}: {e}",
            file.display()
        ))
    })
}

/// The tasks a staged change touches, for the summary line: `TASK-1, TASK-2`.
fn touched_tasks(changes: &[Change], layout: &BacklogLayout) -> String {
    let mut ids: Vec<String> = changes
        .iter()
        .filter_map(|c| entry_for(&c.path, layout)?.name_id.map(|id| id.canonical()))
        .collect();
    ids.dedup();
    match ids.len() {
        0 => format!("{} task files", changes.len()),
        1..=5 => ids.join(", "),
        n => format!("{} and {} more tasks", ids[..5].join(", "), n - 5),
    }
}

/// `✗ 1 error, 1 note in commit "Add login" (references no task)`: what was found, in the
/// commit or change a person is making.
fn summary_line(findings: &[Finding], scope: &str) -> String {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let plural = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    let (errors, warnings, notes) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note),
    );
    let mut counts = Vec::new();
    if errors > 0 {
        counts.push(plural(errors, "error"));
    }
    if warnings > 0 {
        counts.push(plural(warnings, "warning"));
    }
    if notes > 0 {
        counts.push(plural(notes, "note"));
    }
    let mark = if errors > 0 { "✗" } else { "✓" };
    // The scope quotes the commit's subject: repository text, kept off the terminal's
    // control sequences like every other line of human output.
    let scope = crate::text::printable(scope, false);
    format!("{mark} {} {scope}\n", counts.join(", "))
}

/// Prints findings on stderr (git shows hook output there). Silent when all is well.
fn report(
    ctx: &Context,
    findings: &[Finding],
    scope: impl FnOnce() -> String,
    source: &dyn Source,
    messages: &[(String, String)],
) -> Result<(), CommandError> {
    if findings.is_empty() {
        return Ok(());
    }
    let color = super::use_color(ctx.global.color, &std::io::stderr());
    // The findings alone: the line that ends a hook's report is its own, below.
    let mut text = super::render(
        ctx,
        FORMATS,
        &Report {
            findings,
            summary: Summary::default().count(findings),
            context: ReportContext {
                source: Some(source),
                messages,
                color,
                quiet: true,
            },
            anchors: None,
            audit: None,
        },
    )?;
    if ctx.global.format == Format::Human {
        if !ctx.global.quiet {
            text.push_str(&summary_line(findings, &scope()));
        }
        if findings.iter().any(|f| f.severity == Severity::Error) {
            text.push_str("flowgate rejected this commit (`flowgate explain CODE` tells more; `git commit --no-verify` bypasses the gate, CI still checks).\n");
        }
    }
    eprint!("{text}");
    Ok(())
}

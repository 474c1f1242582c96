//! `flowgate ci`: every commit of a pull request (or push, or merge-queue group), the pull
//! request's title and body, and the tree at its head.
//!
//! The range is `merge-base(base, head)..head`: every commit reachable from head and not
//! from the merge-base, each checked against its first parent (so a branch that is behind
//! its base is not blamed for what the base did since). Base and head come from
//! `--base`/`--head`, else from the event named by `GITHUB_EVENT_PATH`.
//!
//! Trust: unless the base commit's own configuration says `ci.config_from_base: false`,
//! everything that decides how strict the gate is comes from the base commit: the
//! configuration (`.flowgate.yml`), the workflow definition (`flowspec_workflow.yml`), the
//! baseline (`.flowgate-baseline.json`) and the backlog's location and settings (its
//! folder, statuses, prefix: `backlog.config.yml`, `backlog/config.yml`). So a pull request
//! cannot loosen its own gate; a note (FG601) says so when the pull request changes them.
//! What is judged (commits, task files, specs) comes from the pull request.

pub mod comment;
pub mod event;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::git::Oid;

use super::{CommandError, Context, Outcome};
use crate::backlog::{self, BacklogLayout, TaskId};
use crate::baseline::Baseline;
use crate::cli::{CiArgs, FailOn, Format};
use crate::config::{Config, PrCheck, FILE_NAME};
use crate::engine;
use crate::engine::judge::{judge_commit_from, CommitJudge};
use crate::finding::{Finding, Severity, Summary};
use crate::git::changes::Change;
use crate::git::CommitMeta;
use crate::git::{Repo, TreeSource};
use crate::message::ReferenceFinder;
use crate::report::github::{self, CommitLabel};
use crate::report::{sarif, Report, ReportContext};
use crate::rules;
use crate::snapshot::Snapshot;
use crate::source::{Content, Source, MAX_FILE_SIZE};
use crate::workflow::flowspec;
use event::Event;

/// The formats `flowgate ci` writes.
pub const FORMATS: &[Format] = &[Format::Human, Format::Json, Format::Github, Format::Sarif];

/// The commits to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    /// The base as given (the tip of the target branch): the configuration is read here.
    pub base_tip: Option<Oid>,
    /// The merge-base of base and head (`None`: the history is checked from its root).
    pub base: Option<Oid>,
    /// The head commit.
    pub head: Oid,
    /// The commits in `base..head`, oldest first (parents before children).
    pub commits: Vec<Oid>,
}

/// Runs `flowgate ci`.
pub fn run(ctx: &Context, args: &CiArgs) -> Result<Outcome, CommandError> {
    let repo = Repo::discover(&ctx.dir)?;
    let event = event::from_env().map_err(CommandError::Usage)?;
    let range = resolve_range(
        &repo,
        args.base.as_deref(),
        args.head.as_deref(),
        event.as_ref(),
    )?;

    let head_tree = repo.commit_tree(range.head)?;
    let base_tree = range.base_tip.map(|b| repo.commit_tree(b)).transpose()?;
    let merge_base_tree = range.base.map(|b| repo.commit_tree(b)).transpose()?;
    let chosen = choose_config(
        ctx,
        base_tree.as_ref(),
        merge_base_tree.as_ref().or(base_tree.as_ref()),
        &head_tree,
    )?;
    let config = chosen.config;
    let mut findings = chosen.notes;
    // What the gate trusts: the base commit's tree, or (without a base, or when the base
    // lets pull requests bring their own configuration) the head's.
    let trusted = base_tree.as_ref().filter(|_| chosen.from_base);
    let before = merge_base_tree.as_ref().or(base_tree.as_ref());
    let pinned = match (trusted, before) {
        (Some(base), Some(before)) => {
            pin_backlog(base, before, &head_tree, &config, &mut findings)?
        }
        _ => None,
    };
    let baseline_file = config
        .baseline
        .clone()
        .unwrap_or_else(|| crate::baseline::DEFAULT_FILE.to_string());
    let baseline = read_baseline(trusted.unwrap_or(&head_tree), &baseline_file)?;
    if let (Some(_), Some(before)) = (trusted, before) {
        findings.extend(
            changed_files(before, &head_tree, std::slice::from_ref(&baseline_file))
                .into_iter()
                .map(|path| modified_note(path, "baseline")),
        );
    }

    // Every commit against its first parent.
    let mut labels = Vec::new();
    let mut messages = Vec::new();
    let branch = event.as_ref().and_then(|e| e.head_ref.clone());
    let policy = trusted.map(|t| t as &dyn Source);
    let judge = CommitJudge::new(&repo, &config, branch.as_deref(), policy).pinned(pinned.clone());
    let mut anchors = sarif::Anchors::default();
    // A commit a merge inside the range brought in takes that merge's branch name.
    let merged = crate::audit::history::merged_branches(&repo, &range.commits)?;
    for &id in &range.commits {
        let meta = CommitMeta::read(&repo, id)?;
        labels.push(CommitLabel {
            id: id.to_string(),
            subject: meta.subject().to_string(),
        });
        let judged = judge_commit_from(&judge, &meta, merged.get(&id).map(String::as_str))?;
        if let Some(file) = first_file(&judged.changed, &head_tree) {
            anchors.commits.insert(id.to_string(), file);
        }
        anchors.fallback = anchors
            .fallback
            .or_else(|| first_file(&judged.changed, &head_tree));
        let mut per_commit = judged.findings;
        if config.ci.check == PrCheck::Title {
            // Squash-merge repos: the title carries the reference, commits need none.
            per_commit.retain(|f| f.code != rules::MISSING_TASK_REFERENCE.code);
        }
        findings.extend(per_commit.into_iter().map(|f| {
            if f.commit.is_none() {
                f.commit(id.to_string())
            } else {
                f
            }
        }));
        messages.push((id.to_string(), meta.message));
    }

    // The pull request's title and body.
    let mut head_snapshot = engine::snapshot(&head_tree, &config, pinned.as_ref())?;
    rules::rigor::trust(&mut head_snapshot, &head_tree, policy)?;
    if let Some(ev) = event.as_ref().filter(|e| e.is_pull_request()) {
        if matches!(config.ci.check, PrCheck::Title | PrCheck::Both) {
            findings.extend(check_title(ev, &head_snapshot, &config));
        }
    }

    // The tree at head.
    findings.extend(engine::tree_findings(&head_snapshot, &config));
    anchors.tasks = super::check::task_files(&head_snapshot);
    let pr = rules::rigor_branch::PullRequest {
        branch: branch.as_deref(),
        default_branch: event.as_ref().and_then(|e| e.default_branch.as_deref()),
    };
    findings.extend(rules::rigor_branch::for_pull_request(
        &repo,
        &range.commits,
        &pr,
        before.map(|t| t as &dyn Source),
        &head_snapshot,
        &config,
    )?);
    let findings = engine::configure([findings], &config);
    // Findings recorded by `flowgate baseline` (in the trusted commit) do not fail a pull
    // request. A pull request checks part of the history: no entry is called stale.
    let mut findings = match &baseline {
        Some(b) => engine::hide_baselined(findings, b, engine::Stale::None, &baseline_file).0,
        None => findings,
    };
    // Keep commit order for commit findings, then the rest as sorted.
    let order = |f: &Finding| {
        f.commit
            .as_ref()
            .and_then(|c| labels.iter().position(|l| &l.id == c))
            .unwrap_or(usize::MAX)
    };
    findings.sort_by_key(|f| (order(f) != usize::MAX, order(f)));
    findings.sort_by_key(|f| std::cmp::Reverse(f.commit.is_some()));

    let summary = engine::summary(Some(&head_snapshot), range.commits.len(), &findings);

    report(
        ctx,
        args,
        &Reported {
            findings: &findings,
            summary,
            labels: &labels,
            messages: &messages,
            anchors: &anchors,
        },
        &head_tree,
    )?;
    if args.comment && !args.no_comment {
        post_comment(ctx, event.as_ref(), &findings, summary, &labels);
    }
    let failed = summary.errors > 0 || (args.fail_on == FailOn::Warning && summary.warnings > 0);
    Ok(if failed {
        Outcome::Failed
    } else {
        Outcome::Clean
    })
}

/// What `flowgate ci` found, for [`report`].
struct Reported<'a> {
    findings: &'a [Finding],
    summary: Summary,
    labels: &'a [CommitLabel],
    messages: &'a [(String, String)],
    anchors: &'a sarif::Anchors,
}

/// Prints the findings in the chosen format and writes the SARIF file where asked. The job
/// summary and the step outputs are written whatever the format, whenever the runner names
/// their files (in GitHub Actions).
fn report(
    ctx: &Context,
    args: &CiArgs,
    r: &Reported<'_>,
    head_tree: &TreeSource<'_>,
) -> Result<(), CommandError> {
    if let Some(path) = &args.sarif {
        let full = resolve_path(&ctx.dir, path);
        crate::own_files::write(&full, sarif::render(r.findings, r.anchors).as_bytes())
            .map_err(|e| CommandError::Usage(format!("cannot write the SARIF file: {e}")))?;
    }
    let format = ctx.global.format;
    let text = super::render(
        ctx,
        FORMATS,
        &Report {
            findings: r.findings,
            summary: r.summary,
            context: ReportContext {
                source: Some(head_tree),
                messages: r.messages,
                color: ctx.color,
                quiet: ctx.global.quiet,
            },
            anchors: Some(r.anchors),
            audit: None,
        },
    )?;
    print!("{text}");
    let annotations = if format == Format::Github {
        github::Annotations::Printed
    } else {
        github::Annotations::NotPrinted {
            format: format!("{format:?}").to_lowercase(),
        }
    };
    // The limit is per step: what an earlier run in the same step wrote counts.
    let used = std::env::var_os("GITHUB_STEP_SUMMARY")
        .and_then(|p| std::fs::metadata(p).ok())
        .map_or(0, |m| usize::try_from(m.len()).unwrap_or(usize::MAX));
    let room = github::STEP_SUMMARY_LIMIT.saturating_sub(used);
    let summary_text =
        github::render_step_summary(r.findings, r.summary, r.labels, &annotations, room);
    append_env_file("GITHUB_STEP_SUMMARY", &summary_text)?;
    append_env_file("GITHUB_OUTPUT", &github::render_outputs(r.summary))
}

/// The first of `changed` that exists in `head` (code scanning shows a location only in
/// the analysed commit), else the first that the commit did not delete.
pub(super) fn first_file(changed: &[Change], head: &TreeSource<'_>) -> Option<String> {
    changed
        .iter()
        .find(|c| head.file_blob(&c.path).is_some())
        .or_else(|| changed.iter().find(|c| c.new.is_some()))
        .map(|c| c.path.clone())
}

fn resolve_path(dir: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        dir.join(path)
    }
}

/// Appends `text` to the file named by the environment variable `var`, when it is set.
fn append_env_file(var: &str, text: &str) -> Result<(), CommandError> {
    let Some(path) = std::env::var_os(var).filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| {
            CommandError::Repository(format!(
                "cannot open {} named by {var}: {e}",
                Path::new(&path).display()
            ))
        })?;
    file.write_all(text.as_bytes()).map_err(|e| {
        CommandError::Repository(format!(
            "cannot write {} named by {var}: {e}",
            Path::new(&path).display()
        ))
    })
}

/// Creates or updates the sticky PR comment. Problems are warnings on stderr: a comment
/// that cannot be posted (a fork's read-only token) never changes the check's result.
fn post_comment(
    ctx: &Context,
    event: Option<&Event>,
    findings: &[Finding],
    summary: Summary,
    labels: &[CommitLabel],
) {
    let warn = |msg: &str| {
        if ctx.global.format == Format::Github || crate::cli::in_github_actions() {
            eprintln!(
                "::warning title=flowgate comment::{}",
                github::escape_data(msg)
            );
        } else {
            eprintln!("flowgate: warning: {msg}");
        }
    };
    let Some(number) = event.and_then(|e| e.pr_number) else {
        warn("--comment: this run is not for a pull request; no comment posted");
        return;
    };
    // A token read from a file or a secret often ends with a newline: trimmed.
    let token = ["GITHUB_TOKEN", "GH_TOKEN"]
        .iter()
        .filter_map(std::env::var_os)
        .map(|t| t.to_string_lossy().trim().to_string())
        .find(|t| !t.is_empty());
    let Some(token) = token else {
        warn("--comment: GITHUB_TOKEN is not set; no comment posted");
        return;
    };
    if let Some(why) = comment::token_problem(&token) {
        warn(&format!(
            "--comment: GITHUB_TOKEN cannot be used ({why}); no comment posted"
        ));
        return;
    }
    let full_name = std::env::var("GITHUB_REPOSITORY")
        .ok()
        .filter(|r| !r.is_empty())
        .or_else(|| event.and_then(|e| e.repository.clone()));
    let Some((owner, repo)) = full_name.as_deref().and_then(|r| r.split_once('/')) else {
        warn("--comment: GITHUB_REPOSITORY is not set; no comment posted");
        return;
    };
    let api_url = std::env::var("GITHUB_API_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| comment::DEFAULT_API_URL.to_string());
    let target = comment::Target {
        api_url: api_url.trim_end_matches('/').to_string(),
        token,
        owner: owner.to_string(),
        repo: repo.to_string(),
        number,
    };
    let body = github::render_comment(findings, summary, labels);
    let clean = summary.errors == 0 && summary.warnings == 0;
    match comment::upsert(&target, &body, clean) {
        Ok(action) => {
            if ctx.global.verbose {
                eprintln!("flowgate: pull request comment: {action:?}");
            }
        }
        Err(e) => warn(&format!("could not comment on the pull request: {e}")),
    }
}

/// The task references in a pull request's title and body, read as a commit message is
/// (the same pattern, the same mentions).
fn references(text: &str, snapshot: &Snapshot, config: &Config) -> Vec<TaskId> {
    let prefix = snapshot
        .backlog
        .as_ref()
        .map(|b| b.layout.config.task_prefix.clone())
        .unwrap_or_else(|| "task".to_string());
    // The configuration was validated when it was read: the pattern compiles.
    ReferenceFinder::new(config.commits.reference_pattern.as_deref(), &prefix)
        .map(|finder| {
            finder
                .find_in_text(text)
                .into_iter()
                .map(|r| r.id)
                .collect()
        })
        .unwrap_or_default()
}

/// The pull request title and body must reference a task that exists at head.
fn check_title(event: &Event, head: &Snapshot, config: &Config) -> Vec<Finding> {
    let title = event.title.as_deref().unwrap_or_default();
    let body = event.body.as_deref().unwrap_or_default();
    let refs = references(&format!("{title}\n\n{body}"), head, config);
    let prefix = head
        .backlog
        .as_ref()
        .map(|b| b.layout.config.task_prefix.to_uppercase())
        .unwrap_or_else(|| "TASK".to_string());
    let number = event
        .pr_number
        .map(|n| format!("#{n}"))
        .unwrap_or_else(|| "the pull request".into());
    if refs.is_empty() {
        return vec![Finding::new(
            &rules::MISSING_TASK_REFERENCE,
            format!("pull request {number} \"{title}\" references no task in its title or body"),
        )
        .help(format!(
            "put the task ID in the title, e.g. \"{prefix}-12: {title}\", or a line \"Task: {prefix}-12\" in the description"
        ))];
    }
    let Some(backlog) = head.backlog.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // Next to a task that exists, an unknown ID is a mention: a note.
    let any_found = refs.iter().any(|id| backlog.find(id).next().is_some());
    for id in refs {
        if backlog.find(&id).next().is_none() {
            out.push(
                Finding::new(
                    &rules::UNKNOWN_TASK_REFERENCE,
                    format!(
                        "pull request {number} references {}, which does not exist at the head of the pull request",
                        id.canonical()
                    ),
                )
                .task(id.canonical())
                .help("fix the task ID in the title or description, or add the task file to the pull request"),
            );
            if let Some(f) = out.last_mut().filter(|_| any_found) {
                f.severity = Severity::Note;
            }
        }
    }
    out
}

/// The configuration chosen for the run, and the notes about that choice.
struct ChosenConfig {
    config: Config,
    notes: Vec<Finding>,
    /// The configuration is the base commit's: the rest of the policy comes from there too.
    from_base: bool,
}

fn read_bytes(source: &dyn Source, path: &str) -> Option<Vec<u8>> {
    match source.read(path, MAX_FILE_SIZE) {
        Ok(Content::Bytes(b)) => Some(b),
        _ => None,
    }
}

/// Picks the configuration: the base commit's unless the base says `config_from_base:
/// false` (or there is no base). `--config FILE` names the file; a repo-relative one is
/// read from the chosen commit, an outside one from disk. Whether the change modifies the
/// configuration is decided between the merge-base and head, so that what the base branch
/// changed since the branch point is not blamed on the pull request.
fn choose_config(
    ctx: &Context,
    base: Option<&TreeSource<'_>>,
    merge_base: Option<&TreeSource<'_>>,
    head: &TreeSource<'_>,
) -> Result<ChosenConfig, CommandError> {
    let repo_rel = ctx
        .global
        .config
        .as_ref()
        .and_then(|p| repo_relative(ctx, p));
    let load = |source: &dyn Source| -> Result<Config, CommandError> {
        match (&ctx.global.config, &repo_rel) {
            (None, _) => Ok(Config::load(source, None)?),
            (Some(_), Some(rel)) => Ok(Config::load(source, Some(rel))?),
            (Some(_), None) => ctx.config(source),
        }
    };
    let own = |source: &dyn Source| -> Result<ChosenConfig, CommandError> {
        Ok(ChosenConfig {
            config: load(source)?,
            notes: Vec::new(),
            from_base: false,
        })
    };
    let Some(base) = base else {
        return own(head);
    };
    let base_config = load(base)?;
    if !base_config.ci.config_from_base {
        return own(head);
    }
    let config_file = repo_rel.clone().unwrap_or_else(|| FILE_NAME.to_string());
    let before = merge_base.unwrap_or(base);
    let mut notes: Vec<Finding> = changed_files(before, head, std::slice::from_ref(&config_file))
        .into_iter()
        .map(|path| modified_note(path, "configuration"))
        .collect();
    notes.extend(
        changed_files(before, head, flowspec::LOCATIONS)
            .into_iter()
            .filter(|p| *p != config_file)
            .map(|path| modified_note(path, "workflow definition")),
    );
    Ok(ChosenConfig {
        config: base_config,
        notes,
        from_base: true,
    })
}

/// The paths among `paths` whose content differs between `before` and `head` (added,
/// removed or changed).
fn changed_files(before: &dyn Source, head: &dyn Source, paths: &[impl AsRef<str>]) -> Vec<String> {
    paths
        .iter()
        .map(AsRef::as_ref)
        .filter(|p| read_bytes(before, p) != read_bytes(head, p))
        .map(str::to_string)
        .collect()
}

/// The FG601 note: the pull request changes `path`, which was read from the base commit.
fn modified_note(path: String, what: &str) -> Finding {
    Finding::new(
        &rules::CONFIG_FROM_BASE,
        format!(
            "this change modifies `{path}`; it was checked with the base commit's {what}, not the changed one"
        ),
    )
    .file(path)
    .help("the new file applies to the pull requests opened after this one is merged; `flowgate explain FG601` says why")
}

/// The backlog every commit and the head are judged with: the base commit's (its folder,
/// statuses, prefix and other settings), with a note for each backlog configuration file
/// the pull request changes, or for a head whose own discovery would find another folder.
/// `None` when the base has no backlog (the pull request brings the first one).
fn pin_backlog(
    base: &TreeSource<'_>,
    before: &TreeSource<'_>,
    head: &TreeSource<'_>,
    config: &Config,
    notes: &mut Vec<Finding>,
) -> Result<Option<BacklogLayout>, CommandError> {
    let dir = config.backlog.dir.as_deref();
    let Some(layout) = backlog::discover(base, dir)? else {
        return Ok(None);
    };
    let changed = changed_files(before, head, &backlog::discover::config_files(dir));
    if changed.is_empty() {
        if let Some(own) = backlog::discover(head, dir)?.filter(|l| l.root != layout.root) {
            notes.push(
                Finding::new(
                    &rules::CONFIG_FROM_BASE,
                    format!(
                        "at the head of this change the backlog would be found in `{}/`; it was checked with the base commit's backlog `{}/`",
                        own.root, layout.root
                    ),
                )
                .help("a new backlog folder applies to the pull requests opened after this one is merged; `flowgate explain FG601` says why"),
            );
        }
    }
    notes.extend(
        changed
            .into_iter()
            .map(|path| modified_note(path, "backlog configuration")),
    );
    Ok(Some(layout))
}

/// The baseline recorded in `source` (the trusted commit); `None` when it has none.
fn read_baseline(source: &dyn Source, path: &str) -> Result<Option<Baseline>, CommandError> {
    let problem = |why: String| {
        CommandError::Usage(format!(
            "cannot read the baseline {path}: {why} (delete it and run `flowgate baseline` again)"
        ))
    };
    match source.read(path, MAX_FILE_SIZE)? {
        Content::Bytes(bytes) => {
            let text = crate::text::decode(&bytes).map_err(|e| problem(e.to_string()))?;
            Baseline::parse(text).map(Some).map_err(problem)
        }
        Content::Missing => Ok(None),
        Content::TooLarge(n) => Err(problem(format!(
            "the file is {n} bytes, over the {MAX_FILE_SIZE}-byte limit"
        ))),
        Content::Symlink | Content::NotAFile => {
            Err(problem("it is not a regular file".to_string()))
        }
    }
}

/// The repo-relative form of `--config FILE` when it lies inside the working tree.
fn repo_relative(ctx: &Context, path: &Path) -> Option<String> {
    let repo = Repo::discover(&ctx.dir).ok()?;
    let root = repo.workdir()?.canonicalize().ok()?;
    let full = resolve_path(&ctx.dir, path);
    let parent = full.parent()?.canonicalize().ok()?;
    let full = parent.join(full.file_name()?);
    let rel = full.strip_prefix(&root).ok()?;
    let parts: Vec<&str> = rel
        .components()
        .map(|c| match c {
            std::path::Component::Normal(s) => s.to_str(),
            _ => None,
        })
        .collect::<Option<_>>()?;
    Some(parts.join("/"))
}

/// The message for a base that is not in the clone.
fn missing_commit(repo: &Repo, what: &str, rev: &str) -> CommandError {
    let shallow = repo.is_shallow();
    let why = if shallow {
        "the clone is shallow (it holds only the newest commits)"
    } else {
        "it was not fetched"
    };
    CommandError::Repository(format!(
        "the {what} commit `{rev}` is not in this clone: {why}. flowgate needs the history \
         from the merge-base of base and head. In the workflow, check out the full history:\n\n\
         \x20     - uses: actions/checkout@v4\n\
         \x20       with:\n\
         \x20         fetch-depth: 0\n\n\
         (locally: `git fetch --unshallow`, or fetch the base branch)"
    ))
}

fn resolve_commit(repo: &Repo, what: &str, rev: &str) -> Result<Oid, CommandError> {
    match repo.find_commit(rev) {
        Ok(id) => Ok(id),
        Err(None) => Err(missing_commit(repo, what, rev)),
        // A full SHA that is absent is reported as "not found" by some paths and as an
        // invalid object by others; either way, it is not here.
        Err(_) if rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Err(missing_commit(repo, what, rev))
        }
        Err(Some(why)) => Err(CommandError::Usage(format!(
            "cannot resolve `{rev}`: {why}"
        ))),
    }
}

/// `origin/<default>` (or the local branch) when it resolves.
fn default_branch_tip(repo: &Repo, event: Option<&Event>) -> Option<Oid> {
    let name = event.and_then(|e| e.default_branch.clone())?;
    [
        format!("refs/remotes/origin/{name}"),
        format!("refs/heads/{name}"),
    ]
    .iter()
    .find_map(|r| repo.ref_target(r))
}

/// Computes `merge-base(base, head)..head` from the flags and the event.
pub fn resolve_range(
    repo: &Repo,
    base_flag: Option<&str>,
    head_flag: Option<&str>,
    event: Option<&Event>,
) -> Result<Range, CommandError> {
    let head_rev = head_flag
        .map(str::to_string)
        .or_else(|| event.and_then(|e| e.head.clone()))
        .unwrap_or_else(|| "HEAD".to_string());
    let head = resolve_commit(repo, "head", &head_rev)?;
    let is_push = event.is_some_and(|e| e.name == "push");
    let base_rev = base_flag
        .map(str::to_string)
        .or_else(|| event.and_then(|e| e.base.clone()));

    let base = match base_rev {
        Some(rev) => match resolve_commit(repo, "base", &rev) {
            Ok(id) => Some(id),
            // A force-push's `before` may be gone for good; treat it as a new branch.
            Err(_) if base_flag.is_none() && is_push && !repo.is_shallow() => None,
            Err(e) => return Err(e),
        },
        None if event.is_some_and(|e| e.new_branch) || base_flag.is_none() && is_push => None,
        None => {
            return Err(CommandError::Usage(
                "no base to compare with: pass --base REV (e.g. --base origin/main), or run \
                 in a GitHub Actions pull_request, pull_request_target, push or merge_group \
                 event"
                    .into(),
            ))
        }
    };

    let merge_base = match base {
        Some(base) => match repo.merge_base(base, head) {
            Ok(mb) => Some(mb),
            Err(_) if repo.is_shallow() => {
                return Err(missing_commit(repo, "merge-base", &base.to_string()))
            }
            Err(why) => {
                return Err(CommandError::Repository(format!(
                    "base `{base}` and head `{head}` have no common ancestor ({why})"
                )))
            }
        },
        // A new branch: from where it left the default branch, or just its head commit.
        None => match default_branch_tip(repo, event) {
            Some(tip) => match repo.merge_base(tip, head) {
                Ok(mb) if mb != head => Some(mb),
                _ => repo.first_parent(head),
            },
            None => repo.first_parent(head),
        },
    };

    let hidden: Vec<Oid> = merge_base.into_iter().collect();
    let commits = repo.commits_between(&[head], &hidden).map_err(|why| {
        if repo.is_shallow() {
            missing_commit(repo, "parent", &why)
        } else {
            CommandError::Repository(why)
        }
    })?;
    Ok(Range {
        base_tip: base.or(merge_base),
        base: merge_base,
        head,
        commits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    #[test]
    fn severity_note_never_fails() {
        let f = Finding::new(&rules::CONFIG_FROM_BASE, "x");
        assert_eq!(f.severity, Severity::Note);
        let s = Summary::default().count(&[f]);
        assert_eq!((s.errors, s.warnings), (0, 0));
    }
}

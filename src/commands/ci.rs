//! `flowgate ci`: every commit of a pull request (or push, or merge-queue group), the pull
//! request's title and body, and the tree at its head.
//!
//! The range is `merge-base(base, head)..head`: every commit reachable from head and not
//! from the merge-base, each checked against its first parent (so a branch that is behind
//! its base is not blamed for what the base did since). Base and head come from
//! `--base`/`--head`, else from the event named by `GITHUB_EVENT_PATH`.
//!
//! Trust: unless the base commit's own configuration says `ci.config_from_base: false`, the
//! configuration (`.flowgate.yml`) and the workflow definition (`flowspec_workflow.yml`) are
//! read from the base commit, so a pull request cannot loosen its own gate; a note
//! (FG601) says so when the pull request changes them.

pub mod comment;
pub mod event;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use git2::Oid;

use super::check::{build_snapshot, emit};
use super::{CommandError, Context, Outcome};
use crate::backlog::entry::entry_for;
use crate::cli::{CiArgs, FailOn, Format};
use crate::config::{Config, PrCheck, FILE_NAME};
use crate::finding::{Finding, Summary};
use crate::git::changes::{changed_paths, After, Change};
use crate::git::tasks::{ChangeLookup, TaskFinder};
use crate::git::{Repo, TreeSource};
use crate::report::github::{self, CommitLabel};
use crate::report::sarif;
use crate::rules;
use crate::rules::transitions;
use crate::snapshot::Snapshot;
use crate::source::{Content, Source, MAX_FILE_SIZE};
use event::Event;

/// Where flowspec looks for its workflow definition (SPEC §1.2).
pub const FLOWSPEC_WORKFLOW_FILES: &[&str] = &[
    "flowspec_workflow.yml",
    "memory/flowspec_workflow.yml",
    ".flowspec/flowspec_workflow.yml",
];

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
    if matches!(ctx.global.format, Format::Markdown | Format::Html) {
        return Err(CommandError::Usage(
            "`flowgate ci` offers --format human, json, github or sarif".into(),
        ));
    }
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

    // Every commit against its first parent.
    let mut labels = Vec::new();
    let mut messages = Vec::new();
    let mut snapshots = SnapshotCache::default();
    let branch = event.as_ref().and_then(|e| e.head_ref.clone());
    for &id in &range.commits {
        let commit = repo
            .git
            .find_commit(id)
            .map_err(|e| CommandError::Repository(e.message().to_string()))?;
        let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
        labels.push(CommitLabel {
            id: id.to_string(),
            subject: message.lines().next().unwrap_or_default().to_string(),
        });
        let mut per_commit = Vec::new();
        let parents: Vec<Oid> = commit.parent_ids().collect();
        let snapshot = snapshots.get(&repo, id, &config)?;
        let input = CommitInput {
            repo: &repo,
            id,
            message: &message,
            author_name: commit.author().name().unwrap_or_default().to_string(),
            author_email: commit.author().email().unwrap_or_default().to_string(),
            branch: branch.as_deref(),
            is_merge: parents.len() > 1,
            parent_id: parents.first().copied(),
            other_parents: parents.get(1..).unwrap_or_default(),
            snapshot: &snapshot,
            policy: base_tree.as_ref().map(|t| t as &dyn Source),
        };
        per_commit.extend(commit_rules(&input, &config)?);
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
        messages.push((id.to_string(), message));
    }

    // The pull request's title and body.
    let head_snapshot = snapshots.get(&repo, range.head, &config)?;
    if let Some(ev) = event.as_ref().filter(|e| e.is_pull_request()) {
        if matches!(config.ci.check, PrCheck::Title | PrCheck::Both) {
            findings.extend(check_title(ev, &head_snapshot, &config));
        }
    }

    // The tree at head.
    findings.extend(rules::check_tree(&head_snapshot, &config));
    let findings = rules::configure(findings, &config);
    // Findings recorded by `flowgate baseline` do not fail a pull request.
    let root = repo.workdir().unwrap_or(&ctx.dir).to_path_buf();
    let mut findings =
        super::check::apply_baseline(ctx, &config, &root, findings, Some(&|_| false))?;
    // Keep commit order for commit findings, then the rest as sorted.
    let order = |f: &Finding| {
        f.commit
            .as_ref()
            .and_then(|c| labels.iter().position(|l| &l.id == c))
            .unwrap_or(usize::MAX)
    };
    findings.sort_by_key(|f| (order(f) != usize::MAX, order(f)));
    findings.sort_by_key(|f| std::cmp::Reverse(f.commit.is_some()));

    let summary = Summary {
        tasks: head_snapshot
            .backlog
            .as_ref()
            .map_or(0, |b| b.tasks().count()),
        specs: head_snapshot.specs.files.len(),
        commits: range.commits.len(),
        ..Summary::default()
    }
    .count(&findings);

    report(
        ctx, args, &findings, summary, &labels, &messages, &head_tree,
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

/// Prints the findings in the chosen format, and writes the SARIF file, the job summary and
/// the step outputs where asked.
fn report(
    ctx: &Context,
    args: &CiArgs,
    findings: &[Finding],
    summary: Summary,
    labels: &[CommitLabel],
    messages: &[(String, String)],
    head_tree: &TreeSource<'_>,
) -> Result<(), CommandError> {
    if let Some(path) = &args.sarif {
        let full = resolve_path(&ctx.dir, path);
        std::fs::write(&full, sarif::render(findings)).map_err(|e| {
            CommandError::Usage(format!(
                "cannot write the SARIF file {}: {e}",
                full.display()
            ))
        })?;
    }
    match ctx.global.format {
        Format::Github => {
            print!("{}", github::render_annotations(findings));
            if !ctx.global.quiet {
                println!("{}", github::headline(summary));
            }
            let report = github::render_summary(findings, summary, labels);
            append_env_file("GITHUB_STEP_SUMMARY", &report)?;
            append_env_file("GITHUB_OUTPUT", &github::render_outputs(summary))?;
            Ok(())
        }
        Format::Sarif => {
            print!("{}", sarif::render(findings));
            Ok(())
        }
        _ => emit(ctx, findings, summary, Some(head_tree), messages),
    }
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
        if ctx.global.format == Format::Github {
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
    let token = std::env::var("GITHUB_TOKEN")
        .ok()
        .or_else(|| std::env::var("GH_TOKEN").ok())
        .filter(|t| !t.trim().is_empty());
    let Some(token) = token else {
        warn("--comment: GITHUB_TOKEN is not set; no comment posted");
        return;
    };
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

/// Builds snapshots of commits, reusing the last few (a linear history asks for each commit
/// twice: as a child, then as the next commit's parent).
#[derive(Default)]
struct SnapshotCache {
    recent: Vec<(Oid, std::rc::Rc<Snapshot>)>,
}

impl SnapshotCache {
    fn get(
        &mut self,
        repo: &Repo,
        id: Oid,
        config: &Config,
    ) -> Result<std::rc::Rc<Snapshot>, CommandError> {
        if let Some((_, s)) = self.recent.iter().find(|(i, _)| *i == id) {
            return Ok(s.clone());
        }
        let tree = repo.commit_tree(id)?;
        let snapshot = std::rc::Rc::new(build_snapshot(&tree, config)?);
        if self.recent.len() >= 4 {
            self.recent.remove(0);
        }
        self.recent.push((id, snapshot.clone()));
        Ok(snapshot)
    }
}

/// Everything the per-commit rules get for one commit.
pub struct CommitInput<'a> {
    /// The repository (for diffs between the commit and its parent).
    pub repo: &'a Repo,
    /// The commit.
    pub id: Oid,
    /// Its full message.
    pub message: &'a str,
    /// Author name.
    pub author_name: String,
    /// Author email.
    pub author_email: String,
    /// The branch being checked, for the branch-name fallback.
    pub branch: Option<&'a str>,
    /// True for a merge commit: exempt from the message rules.
    pub is_merge: bool,
    /// The first parent (`None` for a root commit).
    pub parent_id: Option<Oid>,
    /// The other parents of a merge.
    pub other_parents: &'a [Oid],
    /// The commit's snapshot.
    pub snapshot: &'a Snapshot,
    /// Where the workflow definition (`flowspec_workflow.yml`) is read from: the base
    /// commit's tree when the configuration comes from the base.
    pub policy: Option<&'a dyn Source>,
}

/// The commit rules (FG3xx) and the transition rules (FG4xx) for one commit against its
/// first parent. A merge is exempt from the message rules; its transition findings stand
/// only when they also stand against every other parent (a task that moved legally on the
/// merged branch is not judged as one big jump).
fn commit_rules(input: &CommitInput<'_>, config: &Config) -> Result<Vec<Finding>, CommandError> {
    use crate::rules::commits;
    let repo = input.repo;
    let tree = repo.commit_tree(input.id)?;
    let Some(layout) = crate::backlog::discover(&tree, config.backlog.dir.as_deref())? else {
        return Ok(Vec::new());
    };
    let workflow = &input.snapshot.workflow;
    let prefix = layout.config.task_prefix.clone();
    let pattern = commits::reference_pattern(config.commits.reference_pattern.as_deref(), &prefix)
        .map_err(|e| CommandError::Usage(format!("invalid commits.reference_pattern: {e}")))?;
    let code = commits::CodePaths::new(&config.commits, Some(&layout.root))
        .map_err(|e| CommandError::Usage(format!("invalid commits path glob: {e}")))?;
    let changed: Vec<String> = changed_paths(repo, input.parent_id, After::Commit(input.id), &[])?
        .into_iter()
        .map(|c| c.path)
        .collect();
    // A stored message has no comment lines left: a `#` line is content.
    let message = commits::Message::parse(input.message, '\0');
    let author = format!("{} <{}>", input.author_name, input.author_email);
    let id = input.id.to_string();
    let label = format!("commit {}", id.get(..8).unwrap_or(&id));
    let commit = commits::CommitInput {
        commit: &id,
        tree_label: &label,
        message: &message,
        author: Some(&author),
        merge: input.is_merge,
        changed: &changed,
        branch: input.branch,
        prefix: &prefix,
        before: None,
    };
    let parent_tree = input.parent_id.map(|p| repo.commit_tree(p)).transpose()?;
    let before = parent_tree
        .as_ref()
        .map(|t| TaskFinder::for_tree(t, &layout).by_name_only());
    let commit = commits::CommitInput {
        before: before.as_ref().map(|b| b as &dyn commits::TaskIndex),
        ..commit
    };
    let finder = TaskFinder::new(&tree, &layout).with_workflow(workflow);
    let mut findings = commits::check(&commit, &config.commits, workflow, &pattern, &code, &finder);

    let judge = |parent: Option<Oid>| {
        transitions_between(
            repo,
            &tree,
            &layout,
            config,
            workflow,
            input.policy,
            parent,
            input.id,
        )
    };
    let mut judged = judge(input.parent_id)?;
    for &other in input.other_parents {
        if judged.is_empty() {
            break;
        }
        let flagged: std::collections::BTreeSet<Option<String>> =
            judge(Some(other))?.into_iter().map(|f| f.task).collect();
        judged.retain(|f| flagged.contains(&f.task));
    }
    findings.extend(judged);
    Ok(findings)
}

/// Parses the changed task files on one side of a change.
fn parse_side(
    source: &dyn Source,
    layout: &crate::backlog::BacklogLayout,
    changes: &[Change],
    before: bool,
) -> Vec<crate::backlog::TaskFile> {
    changes
        .iter()
        .filter(|c| {
            if before {
                c.old.is_some()
            } else {
                c.new.is_some()
            }
        })
        .filter_map(|c| {
            let entry = entry_for(&c.path, layout)?;
            match source.read(&c.path, MAX_FILE_SIZE) {
                Ok(Content::Bytes(bytes)) => {
                    Some(crate::backlog::parse_task_file(entry, &bytes, layout))
                }
                _ => None,
            }
        })
        .collect()
}

fn spec_globs(config: &Config) -> globset::GlobSet {
    let mut b = globset::GlobSetBuilder::new();
    for g in &config.specs.globs {
        if let Ok(glob) = globset::GlobBuilder::new(g).literal_separator(true).build() {
            b.add(glob);
        }
    }
    b.build().unwrap_or_else(|_| globset::GlobSet::empty())
}

/// The transition findings of commit `id` against `parent`.
#[allow(clippy::too_many_arguments)]
fn transitions_between(
    repo: &Repo,
    tree: &TreeSource<'_>,
    layout: &crate::backlog::BacklogLayout,
    config: &Config,
    workflow: &crate::workflow::Workflow,
    policy: Option<&dyn Source>,
    parent: Option<Oid>,
    id: Oid,
) -> Result<Vec<Finding>, CommandError> {
    use crate::workflow::flowspec;
    let root = layout.root.trim_end_matches('/');
    let specs: Vec<&str> = if root.is_empty() {
        Vec::new()
    } else {
        vec![root]
    };
    let changes: Vec<Change> = changed_paths(repo, parent, After::Commit(id), &specs)?
        .into_iter()
        .filter(|c| entry_for(&c.path, layout).is_some())
        .collect();
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    let parent_tree = parent.map(|p| repo.commit_tree(p)).transpose()?;
    let before = parent_tree
        .as_ref()
        .map(|t| parse_side(t, layout, &changes, true))
        .unwrap_or_default();
    let after = parse_side(tree, layout, &changes, false);
    // The first commit, or the one that brings a backlog into the repository.
    let root_commit = match &parent_tree {
        None => true,
        Some(t) => crate::backlog::discover(t, config.backlog.dir.as_deref())?.is_none(),
    };
    let labelled = before.iter().chain(&after).any(|f| {
        f.task
            .as_ref()
            .is_some_and(|t| flowspec::label_state(&t.labels).is_some())
    });
    let flowspec = if labelled {
        // The workflow definition comes from the base when the configuration does.
        match flowspec::load(policy.unwrap_or(tree)) {
            Ok(f) => f,
            Err(flowspec::LoadError::Source(e)) => return Err(e.into()),
            Err(flowspec::LoadError::Invalid(e)) => {
                return Err(CommandError::Config(crate::config::ConfigError {
                    file: e.path,
                    line: e.line,
                    column: e.column,
                    message: format!("cannot read the flowspec workflow: {}", e.message),
                    help: Some(
                        "fix the YAML; flowgate reads `states` and `transitions[].from/to`".into(),
                    ),
                    source_text: e.text,
                }))
            }
        }
    } else {
        None
    };
    let touched = changes.iter().map(|c| c.path.clone());
    let lookup = ChangeLookup {
        before: parent_tree
            .as_ref()
            .map(|t| TaskFinder::new(t, layout).excluding(touched)),
        after: TaskFinder::new(tree, layout),
        spec_globs: spec_globs(config),
    };
    Ok(transitions::check(&transitions::TransitionInput {
        before: &before,
        after: &after,
        workflow,
        flowspec: flowspec.as_ref(),
        root_commit,
        lookup: &lookup,
    }))
}

/// The task references in `text`: the configured pattern, else the backlog's task prefix
/// as a whole word followed by `-` and the number.
fn references(text: &str, snapshot: &Snapshot, config: &Config) -> Vec<String> {
    let prefix = snapshot
        .backlog
        .as_ref()
        .map(|b| b.layout.config.task_prefix.clone())
        .unwrap_or_else(|| "task".to_string());
    let pattern = config
        .commits
        .reference_pattern
        .clone()
        .unwrap_or_else(|| format!(r"\b{}-\d+(?:\.\d+)*\b", regex::escape(&prefix)));
    let Ok(re) = regex::RegexBuilder::new(&pattern)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
    else {
        return Vec::new();
    };
    re.find_iter(text).map(|m| m.as_str().to_string()).collect()
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
    for r in refs {
        let Some(id) = crate::backlog::id::TaskId::parse(&r) else {
            continue;
        };
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
        }
    }
    out
}

/// The configuration chosen for the run, and the notes about that choice.
struct ChosenConfig {
    config: Config,
    notes: Vec<Finding>,
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
            (Some(_), None) => super::check::load_config(ctx, source),
        }
    };
    let Some(base) = base else {
        return Ok(ChosenConfig {
            config: load(head)?,
            notes: Vec::new(),
        });
    };
    let base_config = load(base)?;
    if !base_config.ci.config_from_base {
        return Ok(ChosenConfig {
            config: load(head)?,
            notes: Vec::new(),
        });
    }
    let config_file = repo_rel.clone().unwrap_or_else(|| FILE_NAME.to_string());
    let mut changed: Vec<String> = std::iter::once(config_file.as_str())
        .chain(FLOWSPEC_WORKFLOW_FILES.iter().copied())
        .filter(|p| read_bytes(merge_base.unwrap_or(base), p) != read_bytes(head, p))
        .map(str::to_string)
        .collect();
    changed.dedup();
    let notes = changed
        .into_iter()
        .map(|path| {
            let what = if path == config_file {
                "configuration"
            } else {
                "workflow definition"
            };
            Finding::new(
                &rules::CONFIG_FROM_BASE,
                format!(
                    "this change modifies `{path}`; it was checked with the base commit's {what}, not the changed one"
                ),
            )
            .file(path)
            .help("the new file applies to the pull requests opened after this one is merged; `flowgate explain FG601` says why")
        })
        .collect();
    Ok(ChosenConfig {
        config: base_config,
        notes,
    })
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
    let shallow = repo.git.is_shallow();
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
    let found = repo
        .git
        .revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map(|c| c.id());
    match found {
        Ok(id) => Ok(id),
        Err(e) if e.code() == git2::ErrorCode::NotFound => Err(missing_commit(repo, what, rev)),
        // A full SHA that is absent is reported as "not found" by some paths and as an
        // invalid object by others; either way, it is not here.
        Err(_) if rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Err(missing_commit(repo, what, rev))
        }
        Err(e) => Err(CommandError::Usage(format!(
            "cannot resolve `{rev}`: {}",
            e.message()
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
    .find_map(|r| repo.git.refname_to_id(r).ok())
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
            Err(_) if base_flag.is_none() && is_push && !repo.git.is_shallow() => None,
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
        Some(base) => match repo.git.merge_base(base, head) {
            Ok(mb) => Some(mb),
            Err(_) if repo.git.is_shallow() => {
                return Err(missing_commit(repo, "merge-base", &base.to_string()))
            }
            Err(e) => {
                return Err(CommandError::Repository(format!(
                    "base `{base}` and head `{head}` have no common ancestor ({})",
                    e.message()
                )))
            }
        },
        // A new branch: from where it left the default branch, or just its head commit.
        None => match default_branch_tip(repo, event) {
            Some(tip) => match repo.git.merge_base(tip, head) {
                Ok(mb) if mb != head => Some(mb),
                _ => first_parent(repo, head),
            },
            None => first_parent(repo, head),
        },
    };

    let git_err = |e: git2::Error| CommandError::Repository(e.message().to_string());
    let mut walk = repo.git.revwalk().map_err(git_err)?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)
        .map_err(git_err)?;
    walk.push(head).map_err(git_err)?;
    if let Some(mb) = merge_base {
        walk.hide(mb).map_err(git_err)?;
    }
    let commits = walk.collect::<Result<Vec<_>, _>>().map_err(|e| {
        if repo.git.is_shallow() {
            missing_commit(repo, "parent", e.message())
        } else {
            CommandError::Repository(e.message().to_string())
        }
    })?;
    Ok(Range {
        base_tip: base.or(merge_base),
        base: merge_base,
        head,
        commits,
    })
}

fn first_parent(repo: &Repo, id: Oid) -> Option<Oid> {
    repo.git
        .find_commit(id)
        .ok()
        .and_then(|c| c.parent_id(0).ok())
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

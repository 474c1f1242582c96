//! `flowgate check`: validate the tree (working tree, or the index).

use std::collections::BTreeMap;
use std::path::Path;

use super::{CommandError, Context, Outcome};
use crate::cli::{CheckArgs, Format};
use crate::engine;
use crate::git::{Found, FsSource, Repo};
use crate::report::{self, Report, ReportContext};
use crate::snapshot::Snapshot;
use crate::source::Source;

/// The formats `flowgate check` writes.
pub const FORMATS: &[Format] = &[Format::Human, Format::Json, Format::Sarif];

/// Runs the tree rules on the working tree or the index and reports.
pub fn run(ctx: &Context, args: &CheckArgs) -> Result<Outcome, CommandError> {
    let repo = if args.staged {
        // The index is git's: without a repository there is nothing to check.
        Found::Repo(Repo::discover(&ctx.dir)?)
    } else {
        Repo::find(&ctx.dir)?
    };
    let (source, root): (Box<dyn Source + '_>, std::path::PathBuf) = match (&repo, args.staged) {
        (Found::Repo(repo), true) => (
            Box::new(repo.index()?),
            repo.workdir().unwrap_or(&ctx.dir).to_path_buf(),
        ),
        (Found::Repo(repo), false) => {
            let root = repo.worktree()?.root().to_path_buf();
            (repo.worktree_source()?, root)
        }
        // Outside git (a backlog kept without git) or in a repository libgit2 cannot
        // read: the folder is still worth checking, and the user is told that no git data
        // was read.
        (Found::Outside(why), _) => {
            eprintln!(
                "flowgate: {}; reading the files of that folder as they are on disk",
                crate::text::printable(why, false)
            );
            (Box::new(FsSource::new(&ctx.dir)), ctx.dir.clone())
        }
    };
    let started = std::time::Instant::now();
    let config = ctx.config(source.as_ref())?;
    // The working tree of a repository: through the memo of its parsed files in `.git`.
    let (snapshot, memo) = match &repo {
        Found::Repo(repo) if !args.staged => {
            let (snapshot, stats) =
                engine::memo::snapshot(repo.git_dir(), source.as_ref(), &config)?;
            (snapshot, Some(stats))
        }
        _ => (engine::snapshot(source.as_ref(), &config, None)?, None),
    };
    let read = started.elapsed();
    let mut findings = engine::configure([engine::tree_findings(&snapshot, &config)], &config);
    if ctx.global.verbose {
        eprintln!(
            "flowgate: read {} task files and {} spec files from the {} in {:.1} ms; rules took {:.1} ms",
            snapshot.backlog.as_ref().map_or(0, |b| b.files.len()),
            snapshot.specs.files.len(),
            source.label(),
            read.as_secs_f64() * 1000.0,
            (started.elapsed() - read).as_secs_f64() * 1000.0
        );
        if let Some(memo) = &memo {
            eprintln!(
                "flowgate: memo ({}): {} task files and {} spec files taken from it, {} and {} read and parsed{}",
                engine::memo::MEMO_FILE,
                memo.reused,
                memo.specs_reused,
                memo.parsed,
                memo.specs_parsed,
                match (&memo.error, memo.written) {
                    (Some(e), _) => format!("; not written: {e}"),
                    (None, true) => "; written".to_string(),
                    (None, false) => String::new(),
                }
            );
        }
    }
    let filters = path_filters(&root, &ctx.dir, &args.paths);
    if !filters.is_empty() {
        findings.retain(|f| {
            f.file.as_deref().is_some_and(|file| {
                filters
                    .iter()
                    .any(|p| file == p || file.starts_with(&format!("{p}/")))
            })
        });
    }
    let stale = if filters.is_empty() {
        engine::Stale::Tree
    } else {
        engine::Stale::None
    };
    let findings = ctx.baseline(&config, &root, findings, stale)?;
    let summary = engine::summary(Some(&snapshot), 0, &findings);
    // Where SARIF shows a finding about a task that has no file of its own.
    let anchors = report::sarif::Anchors {
        tasks: if ctx.global.format == Format::Sarif {
            task_files(&snapshot)
        } else {
            BTreeMap::new()
        },
        ..report::sarif::Anchors::default()
    };
    let text = super::render(
        ctx,
        FORMATS,
        &Report {
            findings: &findings,
            summary,
            context: ReportContext {
                source: Some(source.as_ref()),
                messages: &[],
                color: ctx.color,
                quiet: ctx.global.quiet,
            },
            anchors: Some(&anchors),
            audit: None,
        },
    )?;
    print!("{text}");
    let outcome = engine::outcome(&findings);
    // The process ends here: freeing 10,000s of parsed task and spec files one by one is
    // pure waiting.
    std::mem::forget((snapshot, findings, text));
    Ok(outcome)
}

/// Each task's file in `snapshot`, by canonical task ID (the first file when two share an
/// ID): where SARIF shows a finding about a task that has no file of its own.
pub fn task_files(snapshot: &Snapshot) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    for task in snapshot.backlog.iter().flat_map(|b| b.files.iter()) {
        if let Some(id) = task.id() {
            files
                .entry(id.canonical())
                .or_insert_with(|| task.path.clone());
        }
    }
    files
}

/// Repo-relative forms of the PATH arguments.
fn path_filters(root: &Path, cwd: &Path, paths: &[std::path::PathBuf]) -> Vec<String> {
    paths
        .iter()
        .map(|p| {
            let full = if p.is_absolute() {
                p.clone()
            } else {
                cwd.join(p)
            };
            let rel = full
                .strip_prefix(root)
                .map(Path::to_path_buf)
                .unwrap_or_else(|_| p.clone());
            rel.components()
                .filter_map(|c| match c {
                    std::path::Component::Normal(s) => s.to_str().map(str::to_string),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect()
}

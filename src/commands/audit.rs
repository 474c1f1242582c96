//! `flowgate audit`: the tree at HEAD, the history, coverage and suspect links, reported
//! as human, json, markdown or html.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use super::{CommandError, Context, Outcome};
use crate::audit::{self, Audit};
use crate::cli::{AuditArgs, Format};
use crate::config::Config;
use crate::engine::{self, outcome};
use crate::finding::Finding;
use crate::git::changes::commit_changes;
use crate::git::{Repo, TreeSource};
use crate::report::sarif::Anchors;
use crate::report::{self, Report, ReportContext};

/// The formats `flowgate audit` writes.
pub const FORMATS: &[Format] = &[
    Format::Human,
    Format::Json,
    Format::Sarif,
    Format::Markdown,
    Format::Html,
];

/// Opens the repository, reads HEAD's configuration and runs the audit.
pub fn audit_head(
    ctx: &Context,
    since_arg: Option<&str>,
) -> Result<(Repo, Config, Audit), CommandError> {
    // Before any object is read: reading HEAD's tree file by file re-reads its large
    // folders, which libgit2 neither caches nor skips re-hashing by default.
    audit::history::tune_libgit2();
    let repo = Repo::discover(&ctx.dir)?;
    // HEAD's task folder (a tree of every task file's name, at the end of a chain of
    // deltas) from its record when the last audit or hook kept one: listing it is then
    // a hash of its bytes instead of inflating it.
    repo.use_tree_records(Box::new(super::hook::RecordFiles(
        repo.git_dir().to_path_buf(),
    )));
    let Some(head) = repo.head_commit()? else {
        return Err(CommandError::Repository(
            "the repository has no commits yet: there is no history to audit".into(),
        ));
    };
    let (config, audit) = {
        let tree = repo.commit_tree(head)?;
        // The configuration as `check` reads it: the working tree's, else HEAD's.
        let config = match repo.worktree() {
            Ok(wt) => ctx.config(&wt)?,
            Err(_) => ctx.config(&tree)?,
        };
        let since = match since_arg.or(config.audit.since.as_deref()) {
            Some(rev) => Some(repo.resolve(rev).map_err(|e| {
                CommandError::Usage(format!(
                    "cannot start the audit at `{rev}`: {} (give a commit, tag or branch to --since or audit.since)",
                    e.0
                ))
            })?),
            None => None,
        };
        // The history (a cache to load, or commits to judge) and HEAD's tree are
        // independent: read the tree while another thread, with its own repository
        // handle, does the history.
        let git_dir = repo.git_dir().to_path_buf();
        let (head_tree, history) = std::thread::scope(|scope| {
            let history = scope.spawn(|| {
                let own = Repo::open(&git_dir)?;
                audit::history(&own, &config, head, since)
            });
            // HEAD's task and spec files: listed, and read through the tree memo (only
            // blobs not parsed before are parsed) unless the result memo holds what
            // they give.
            let head_tree = audit::memo::Head::open(repo.git_dir(), &tree, &config);
            let history = history
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            (head_tree, history)
        });
        let mut head_tree = head_tree?;
        let mut audit = audit::run(&repo, &config, (head, since), history?, &mut head_tree)?;
        audit.stats.memo = head_tree.save();
        (config, audit)
    };
    Ok((repo, config, audit))
}

/// Adds the commit's author and date to history findings, so every format shows them.
fn with_commit_details(audit: &Audit, findings: Vec<Finding>) -> Vec<Finding> {
    findings
        .into_iter()
        .map(|mut f| {
            if let Some(r) = f.commit.as_deref().and_then(|c| audit.history.commit(c)) {
                f.message = format!(
                    "{} (commit {}, {}, {})",
                    f.message,
                    r.short(),
                    r.date(),
                    r.author
                );
            }
            f
        })
        .collect()
}

/// Where SARIF shows the history findings that have no file (a commit's message): the
/// first file that commit changed, as `flowgate ci` does.
fn history_anchors(
    repo: &Repo,
    findings: &[Finding],
    head: &TreeSource<'_>,
) -> Result<Anchors, CommandError> {
    let mut anchors = Anchors::default();
    let mut seen = BTreeSet::new();
    let commits = findings
        .iter()
        .filter(|f| f.file.is_none())
        .filter_map(|f| f.commit.as_deref());
    for commit in commits {
        if !seen.insert(commit) {
            continue;
        }
        let Ok(id) = crate::git::Oid::from_str(commit) else {
            continue;
        };
        let parent = repo.first_parent(id);
        let changed = commit_changes(repo, parent, id)?;
        if let Some(file) = super::ci::first_file(&changed, head) {
            anchors.commits.insert(commit.to_string(), file);
        }
    }
    Ok(anchors)
}

/// Runs `flowgate audit`.
pub fn run(ctx: &Context, args: &AuditArgs) -> Result<Outcome, CommandError> {
    let (repo, config, mut audit) = audit_head(ctx, args.since.as_deref())?;
    if ctx.global.verbose {
        let s = &audit.stats;
        eprintln!(
            "flowgate: audit of {} commits: {} from the cache, {} judged on {} thread(s)",
            s.commits, s.cached, s.judged, s.threads
        );
        for (phase, took) in &s.phases {
            eprintln!("flowgate: {phase}: {:.0} ms", took.as_secs_f64() * 1000.0);
        }
        if s.memo.not_read {
            eprintln!("flowgate: HEAD's task and spec files: listed, not read (the result memo holds what they give)");
        } else {
            eprintln!(
            "flowgate: HEAD's task files: {} from the tree memo, {} parsed; spec files: {} from the tree memo, {} parsed; texts quoted by suspect links: {} from the quote memo, {} read",
            s.memo.reused,
            s.memo.parsed,
            s.memo.specs_reused,
            s.memo.specs_parsed,
            s.memo.quotes_reused,
            s.memo.quotes_read
        );
        }
        let part = |reused| {
            if reused {
                "from the result memo"
            } else {
                "computed"
            }
        };
        eprintln!(
            "flowgate: tree rules and coverage: {}; suspect links: {}",
            part(s.results.tree_reused),
            part(s.results.suspect_reused)
        );
        if let Some(e) = &s.results_error {
            eprintln!("flowgate: the result memo could not be written: {e}");
        }
        if let Some(e) = &s.memo.error {
            eprintln!("flowgate: {e}");
        }
        if let Some(e) = &s.cache_error {
            eprintln!("flowgate: the audit cache could not be written: {e}");
        }
    }
    let root = repo.workdir().unwrap_or(&ctx.dir).to_path_buf();
    // The report takes the findings from here on (no report reads the audit's own).
    let found = std::mem::take(&mut audit.findings);
    let findings = ctx.baseline(&config, &root, found, engine::Stale::All)?;
    let findings = with_commit_details(&audit, findings);
    let summary = engine::summary_of(audit.tasks, audit.specs, audit.stats.commits, &findings);
    let format = ctx.global.format;
    let tree = repo.commit_tree(audit.head)?;
    let anchors = if format == Format::Sarif {
        history_anchors(&repo, &findings, &tree)?
    } else {
        Anchors::default()
    };
    let report = Report {
        findings: &findings,
        summary,
        context: ReportContext {
            source: Some(&tree),
            messages: &[],
            color: ctx.color,
            quiet: ctx.global.quiet,
        },
        anchors: Some(&anchors),
        audit: Some(&audit),
    };
    // JSON, the largest report (tens of megabytes for a long history), is written as it
    // is made, not held whole first.
    let text = if format == Format::Json {
        write_output_with(ctx, args.output.as_deref(), |out| {
            report::audit_json::write_document(&audit, &findings, summary, out)
        })?;
        None
    } else {
        let text = report::render(format, &report).map_err(|f| super::unsupported(f, FORMATS))?;
        write_output(ctx, args.output.as_deref(), &text)?;
        Some(text)
    };
    let outcome = outcome(&findings);
    // The process ends here: freeing 50,000 commit records one by one is pure waiting.
    drop(tree);
    std::mem::forget((audit, findings, text, repo));
    Ok(outcome)
}

/// Writes to `--output FILE`, else stdout.
pub fn write_output(ctx: &Context, output: Option<&Path>, text: &str) -> Result<(), CommandError> {
    match output {
        Some(_) => write_output_with(ctx, output, |out| out.write_all(text.as_bytes())),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

/// Writes what `contents` writes to `--output FILE`, else stdout. A report file replaces
/// the old one whole (see [`crate::own_files::write_report`]), and is not waited for to
/// reach the disk: the next run writes it again.
fn write_output_with(
    ctx: &Context,
    output: Option<&Path>,
    contents: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), CommandError> {
    let cannot =
        |e: &dyn std::fmt::Display| CommandError::Usage(format!("cannot write the report: {e}"));
    match output {
        Some(path) => {
            let full = if path.is_absolute() {
                path.to_path_buf()
            } else {
                ctx.dir.join(path)
            };
            crate::own_files::write_report(&full, contents).map_err(|e| cannot(&e))
        }
        None => {
            let mut out = std::io::stdout().lock();
            contents(&mut out)
                .and_then(|()| out.flush())
                .map_err(|e| cannot(&e))
        }
    }
}

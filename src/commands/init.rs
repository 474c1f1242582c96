//! `flowgate init`: a commented `.flowgate.yml` for the detected layout.
//!
//! Every section of the configuration is written with a one-line comment per key. Where the
//! default fits the detected layout the key stays commented out (showing the value it
//! defaults to); where the layout needs something else, the key is written with the
//! detected value.

use std::path::{Path, PathBuf};

use super::{CommandError, Context, Outcome};
use crate::backlog::{self, BacklogLayout};
use crate::cli::InitArgs;
use crate::config::{self, Config, DEFAULT_SPEC_GLOBS};
use crate::git::{Found, FsSource, Repo};
use crate::source::Source;
use crate::spec::link::{link_entries, link_target};

/// The formats `flowgate init` writes: it writes a file and says so.
pub const FORMATS: &[crate::cli::Format] = &[crate::cli::Format::Human];

/// Where flowspec's workflow file is looked for.
const FLOWSPEC_FILES: &[&str] = &[
    "flowspec_workflow.yml",
    "flowspec_workflow.yaml",
    "memory/flowspec_workflow.yml",
    "memory/flowspec_workflow.yaml",
    ".flowspec/flowspec_workflow.yml",
    ".flowspec/flowspec_workflow.yaml",
];

/// What `init` found in the repository.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layout {
    /// The backlog, when there is one.
    pub backlog: Option<BacklogLayout>,
    /// The default spec globs that match at least one file.
    pub spec_globs: Vec<String>,
    /// The flowspec workflow file, when there is one.
    pub flowspec: Option<String>,
    /// Folders of documents task files link to that no spec glob matches: `specs.globs`
    /// suggestions.
    pub linked_docs: Vec<Suggestion>,
    /// Bot authors found in history: `commits.exempt_authors` suggestions.
    pub bots: Vec<Suggestion>,
    /// Top-level folders without code: `commits.non_code_paths` suggestions.
    pub non_code: Vec<Suggestion>,
}

/// A value `init` proposes (as a comment), with the evidence for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// The value to add (a glob or an author).
    pub value: String,
    /// Why: what was counted.
    pub evidence: String,
}

/// How many commits `init` reads looking for bot authors.
const HISTORY_LIMIT: usize = 20_000;

/// File extensions that are never code: documents, images, media.
const NON_CODE_EXTENSIONS: &[&str] = &[
    "md",
    "markdown",
    "mdx",
    "txt",
    "rst",
    "adoc",
    "pdf",
    "png",
    "jpg",
    "jpeg",
    "gif",
    "svg",
    "webp",
    "ico",
    "bmp",
    "mp4",
    "mov",
    "webm",
    "mp3",
    "wav",
    "drawio",
    "excalidraw",
];

/// Writes `.flowgate.yml` at the repository root.
pub fn run(ctx: &Context, args: &InitArgs) -> Result<Outcome, CommandError> {
    let root = repo_root(&ctx.dir);
    let target = root.join(config::FILE_NAME);
    // `symlink_metadata`: a dangling link is there too (and is refused when writing).
    if std::fs::symlink_metadata(&target).is_ok() && !args.force {
        return Err(CommandError::Usage(format!(
            "{} already exists; run `flowgate init --force` to overwrite it",
            target.display()
        )));
    }
    let source = FsSource::new(&root);
    let mut layout = detect(&source)?;
    // Outside git the folder is still set up; a repository that cannot be opened is an error.
    if let Found::Repo(repo) = Repo::find(&root)? {
        layout.bots = bot_authors(&repo);
        if let Ok(index) = repo.index() {
            layout.non_code = non_code_folders(&index, &layout)?;
        }
    }
    let text = render(&layout);
    // The file must be one that flowgate accepts; anything else is a bug here.
    Config::parse(config::FILE_NAME, &text)?;
    crate::own_files::write_in(&root, config::FILE_NAME, text.as_bytes())
        .map_err(|e| CommandError::Repository(format!("cannot write the configuration: {e}")))?;
    if !ctx.global.quiet {
        println!("wrote {}", target.display());
        for line in describe(&layout) {
            println!("  {line}");
        }
    }
    Ok(Outcome::Clean)
}

/// The working tree root of the repository containing `dir`, else `dir` itself.
fn repo_root(dir: &Path) -> PathBuf {
    Repo::discover(dir)
        .ok()
        .and_then(|r| r.workdir().map(Path::to_path_buf))
        .unwrap_or_else(|| dir.to_path_buf())
}

/// Looks at the backlog, the spec folders and the flowspec workflow file.
pub fn detect(source: &dyn Source) -> Result<Layout, CommandError> {
    let backlog = backlog::discover(source, None)?;
    let mut spec_globs = Vec::new();
    for glob in DEFAULT_SPEC_GLOBS {
        let Ok(glob_matcher) = globset::Glob::new(glob) else {
            continue;
        };
        let matcher = glob_matcher.compile_matcher();
        // Only walk the glob's literal leading folders (`specs`, `docs/prd`, ...).
        let dir = glob
            .split('/')
            .take_while(|part| !part.contains(['*', '?', '[', '{']))
            .collect::<Vec<_>>();
        let dir = dir[..dir.len().min(glob.split('/').count() - 1)].join("/");
        if source.walk(&dir)?.iter().any(|path| matcher.is_match(path)) {
            spec_globs.push(glob.to_string());
        }
    }
    let mut flowspec = None;
    for path in FLOWSPEC_FILES {
        if source.is_file(path)? {
            flowspec = Some(path.to_string());
            break;
        }
    }
    let linked_docs = linked_docs(source, backlog.as_ref(), &spec_globs)?;
    Ok(Layout {
        backlog,
        spec_globs,
        flowspec,
        linked_docs,
        ..Layout::default()
    })
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Folders of markdown documents that task files link to (frontmatter `spec`,
/// `documentation`, `references`, body links) and that the detected spec globs do not
/// match: where this repository keeps its specs, if not in the default places.
fn linked_docs(
    source: &dyn Source,
    layout: Option<&BacklogLayout>,
    spec_globs: &[String],
) -> Result<Vec<Suggestion>, CommandError> {
    let Some(layout) = layout else {
        return Ok(Vec::new());
    };
    let entries = backlog::list_task_files(source, layout)?;
    let files = backlog::read_task_files(source, layout, entries)?;
    let matched = crate::spec::compile_globs(spec_globs);
    let backlog_root = format!("{}/", layout.root.trim_end_matches('/'));
    // folder -> (links, tasks, files)
    let mut folders: std::collections::BTreeMap<
        String,
        (
            usize,
            std::collections::BTreeSet<String>,
            std::collections::BTreeSet<String>,
        ),
    > = std::collections::BTreeMap::new();
    for file in &files {
        let Some(task) = &file.task else { continue };
        let task_dir = crate::source::split_parent(&file.path).0;
        for (entries, origin) in link_entries(task) {
            for entry in entries {
                let Some(path) = link_target(&entry.value, origin, task_dir) else {
                    continue;
                };
                let is_md = path
                    .rsplit_once('.')
                    .is_some_and(|(_, ext)| ext.eq_ignore_ascii_case("md"));
                let Some((dir, _)) = path.rsplit_once('/') else {
                    continue;
                };
                if !is_md
                    || path.starts_with(&backlog_root)
                    || matched.is_match(&path)
                    || !source.is_file(&path).unwrap_or(false)
                {
                    continue;
                }
                let row = folders.entry(dir.to_string()).or_default();
                row.0 += 1;
                row.1.insert(file.path.clone());
                row.2.insert(path.clone());
            }
        }
    }
    let mut out: Vec<(usize, Suggestion)> = folders
        .into_iter()
        .map(|(dir, (links, tasks, files))| {
            (
                links,
                Suggestion {
                    value: format!("{dir}/*.md"),
                    evidence: format!(
                        "{} from {} to {}",
                        plural(links, "link", "links"),
                        plural(tasks.len(), "task", "tasks"),
                        plural(files.len(), "file", "files")
                    ),
                },
            )
        })
        .collect();
    out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.value.cmp(&b.1.value)));
    Ok(out.into_iter().map(|(_, s)| s).collect())
}

/// `*[bot]` when authors of the history have names ending in `[bot]` (GitHub's app
/// accounts), with each one's number of commits, most first.
fn bot_authors(repo: &Repo) -> Vec<Suggestion> {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for id in repo.recent_commits(HISTORY_LIMIT) {
        let Some(name) = repo.commit_author_name(id) else {
            continue;
        };
        if name.to_ascii_lowercase().ends_with("[bot]") {
            *counts.entry(name).or_default() += 1;
        }
    }
    let mut bots: Vec<(String, usize)> = counts.into_iter().collect();
    if bots.is_empty() {
        return Vec::new();
    }
    bots.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    // One glob for them all, so that the next bot passes too; the evidence names each.
    let total = bots.iter().map(|(_, n)| n).sum();
    let each: Vec<String> = bots.iter().map(|(name, n)| format!("{name} {n}")).collect();
    vec![Suggestion {
        value: "*[bot]".into(),
        evidence: format!(
            "{}: {}",
            plural(total, "commit", "commits"),
            each.join(", ")
        ),
    }]
}

/// Top-level folders whose tracked files are all documents, images or media, and that
/// the built-in non-code paths (docs/, specs/, the backlog, hidden folders) do not cover.
fn non_code_folders(source: &dyn Source, layout: &Layout) -> Result<Vec<Suggestion>, CommandError> {
    let backlog_top = layout
        .backlog
        .as_ref()
        .and_then(|b| b.root.split('/').next().map(str::to_string))
        .unwrap_or_default();
    // folder -> (files, extensions, any code)
    let mut folders: std::collections::BTreeMap<
        String,
        (usize, std::collections::BTreeSet<String>, bool),
    > = Default::default();
    for path in source.walk("")? {
        let Some((top, _)) = path.split_once('/') else {
            continue;
        };
        if top.starts_with('.')
            || top == backlog_top
            || ["docs", "specs"]
                .iter()
                .any(|b| top.eq_ignore_ascii_case(b))
        {
            continue;
        }
        let ext = path
            .rsplit('/')
            .next()
            .and_then(|name| name.rsplit_once('.'))
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        let row = folders.entry(top.to_string()).or_default();
        row.0 += 1;
        if NON_CODE_EXTENSIONS.contains(&ext.as_str()) {
            row.1.insert(ext);
        } else {
            row.2 = true;
        }
    }
    Ok(folders
        .into_iter()
        .filter(|(_, (_, _, code))| !code)
        .map(|(top, (files, exts, _))| Suggestion {
            value: format!("{top}/**"),
            evidence: format!(
                "{}, none of them code ({})",
                plural(files, "file", "files"),
                exts.into_iter().collect::<Vec<_>>().join(", ")
            ),
        })
        .collect())
}

/// One line per detected fact, for the terminal.
fn describe(layout: &Layout) -> Vec<String> {
    let mut lines = Vec::new();
    match &layout.backlog {
        Some(b) => lines.push(format!(
            "backlog: {}/ (task prefix `{}`, statuses {})",
            b.root,
            b.config.task_prefix,
            quoted_list(&b.config.statuses)
        )),
        None => lines.push("backlog: none found (run `backlog init` to create one)".into()),
    }
    if layout.spec_globs.is_empty() {
        lines.push("specs: none found yet (the default globs are kept)".into());
    } else {
        lines.push(format!("specs: {}", layout.spec_globs.join(", ")));
    }
    if let Some(f) = &layout.flowspec {
        lines.push(format!("flowspec workflow: {f}"));
    }
    let listed = |items: &[Suggestion]| {
        items
            .iter()
            .map(|s| format!("{} ({})", s.value, s.evidence))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !layout.linked_docs.is_empty() {
        lines.push(format!(
            "documents linked from tasks outside the spec globs: {} (suggested for specs.globs)",
            listed(&layout.linked_docs)
        ));
    }
    if !layout.bots.is_empty() {
        lines.push(format!(
            "bot authors: {} (suggested for commits.exempt_authors)",
            listed(&layout.bots)
        ));
    }
    if !layout.non_code.is_empty() {
        lines.push(format!(
            "folders without code: {} (suggested for commits.non_code_paths)",
            listed(&layout.non_code)
        ));
    }
    lines
}

/// A YAML flow list of double-quoted strings: `["To Do", "Done"]`.
fn quoted_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{}\"", s.replace('"', "")))
}

/// One key of a section: its YAML text (`key: value` or a block), whether the detected
/// layout needs it written (else it is commented out) and its comment.
struct Key {
    text: String,
    active: bool,
    comment: &'static str,
}

impl Key {
    fn new(text: impl Into<String>, active: bool, comment: &'static str) -> Key {
        Key {
            text: text.into(),
            active,
            comment,
        }
    }
}

/// Renders one section; its header is commented out too when no key is active, so that
/// the file stays valid (an empty section would be `null`). `all` writes every key.
fn section(out: &mut String, name: &str, comment: &str, keys: &[Key], all: bool) {
    let active = all || keys.iter().any(|k| k.active);
    out.push_str(&format!("\n# {comment}\n"));
    out.push_str(if active { "" } else { "# " });
    out.push_str(&format!("{name}:\n"));
    for key in keys {
        let hash = if all || key.active { "" } else { "# " };
        for (i, line) in key.text.lines().enumerate() {
            let line = format!("  {hash}{line}");
            if i == 0 {
                out.push_str(&format!("{line:<40} # {}\n", key.comment));
            } else {
                out.push_str(&format!("{line}\n"));
            }
        }
    }
}

/// Suggestions learned from the repository, as a commented block of the section written
/// just before: `key:` and one list item per value, each with its evidence. Uncommented
/// (with the section's header), the block is valid configuration.
fn suggest(out: &mut String, key: &str, why: &str, values: &[Suggestion]) {
    if values.is_empty() {
        return;
    }
    out.push_str(&format!("  # Suggested: {why}:\n"));
    out.push_str(&format!("  # {key}:\n"));
    for s in values {
        let line = format!("  #   - {}", quote(&s.value));
        out.push_str(&format!("{line:<40} # {}\n", s.evidence));
    }
}

/// The whole file for a detected layout.
pub fn render(layout: &Layout) -> String {
    render_with(layout, false)
}

/// The file with every key written (`all`), or only those the layout needs.
fn render_with(layout: &Layout, all: bool) -> String {
    let statuses = layout
        .backlog
        .as_ref()
        .map(|b| b.config.statuses.clone())
        .unwrap_or_else(|| backlog::BacklogConfig::default().statuses);
    let prefix = layout
        .backlog
        .as_ref()
        .map_or_else(|| "task".to_string(), |b| b.config.task_prefix.clone());

    let mut out = String::from(
        "# flowgate configuration, written by `flowgate init`.\n\
         # Every key is optional: a commented-out key shows its default. Unknown keys are\n\
         # errors. `flowgate explain --list` lists the rules.\n",
    );
    for line in describe(layout) {
        out.push_str(&format!("# Detected {line}\n"));
    }
    if let Some(f) = &layout.flowspec {
        out.push_str(&format!(
            "# {f} is read automatically: `workflow:<State>` labels follow its transitions.\n"
        ));
    }

    let backlog_dir = layout
        .backlog
        .as_ref()
        .map_or_else(|| "backlog".to_string(), |b| b.root.clone());
    section(
        &mut out,
        "backlog",
        "Where the backlog is.",
        &[Key::new(
            format!("dir: {}", quote(&backlog_dir)),
            false,
            "default: discovered as Backlog.md does",
        )],
        all,
    );

    let detected_globs = !layout.spec_globs.is_empty();
    let globs: &[String] = if detected_globs {
        &layout.spec_globs
    } else {
        &[]
    };
    let globs_text = if detected_globs {
        globs.iter().fold(String::from("globs:"), |mut acc, g| {
            acc.push_str(&format!("\n  - {}", quote(g)));
            acc
        })
    } else {
        DEFAULT_SPEC_GLOBS
            .iter()
            .fold(String::from("globs:"), |mut acc, g| {
                acc.push_str(&format!("\n  - {}", quote(g)));
                acc
            })
    };
    section(
        &mut out,
        "specs",
        "Which files are specs and which requirement IDs they define.",
        &[
            Key::new(
                globs_text,
                detected_globs,
                "spec files (globs); detected: the default globs that match files here",
            ),
            Key::new(
                "id_patterns: []",
                false,
                "extra requirement-ID regexes beyond FR-/SC-/NFR-/US/SPEC-",
            ),
        ],
        all,
    );

    suggest(
        &mut out,
        "globs",
        "task files link to documents outside these globs; to check those links as spec\n  # links, add their folders to `globs`",
        &layout.linked_docs,
    );

    section(
        &mut out,
        "links",
        "What a task's spec links must look like.",
        &[
            Key::new(
                "require: section",
                false,
                "section | file | none: how precise a task's spec links must be",
            ),
            Key::new(
                "exempt_labels: []",
                false,
                "tasks with one of these labels need no spec link",
            ),
        ],
        all,
    );

    let has_in_progress = statuses
        .iter()
        .any(|s| s.eq_ignore_ascii_case("In Progress"));
    // Without an `In Progress` status, the statuses between the first and the last are
    // the ones work happens in.
    let active: Vec<String> = if has_in_progress {
        vec!["In Progress".into()]
    } else if statuses.len() > 2 {
        statuses[1..statuses.len() - 1].to_vec()
    } else {
        statuses.clone()
    };
    section(
        &mut out,
        "commits",
        "What commits must reference.",
        &[
            Key::new(
                format!(
                    "reference_pattern: {}",
                    quote(&format!(
                        "(?i)\\b{}-\\d+(\\.\\d+)*\\b",
                        regex::escape(&prefix)
                    ))
                ),
                false,
                "regex for a task reference; default: the task prefix, `-` and the number",
            ),
            Key::new(
                "code_paths: [\"**\"]",
                false,
                "paths that count as code (globs)",
            ),
            Key::new(
                "non_code_paths: []",
                false,
                "added to the built-in non-code paths (backlog, specs/, docs/, **/*.md, .specify/, .flowspec/, LICENSE and other root prose, doc images, .flowgate*, hook-manager files)",
            ),
            Key::new(
                format!("active_statuses: {}", quoted_list(&active)),
                !has_in_progress,
                "a referenced task must be in one of these statuses",
            ),
            Key::new(
                "exempt_authors: [\"*[bot]\"]",
                false,
                "name or email globs (bots) whose commits need no task",
            ),
            Key::new(
                "branch_fallback: true",
                false,
                "take the task reference from the branch name (user/task-12/slug)",
            ),
            Key::new(
                "add_refs_trailer: true",
                false,
                "prepare-commit-msg adds `Refs: TASK-N` from the branch name",
            ),
        ],
        all,
    );

    suggest(
        &mut out,
        "exempt_authors",
        "bots committed here; for their commits to need no task",
        &layout.bots,
    );
    suggest(
        &mut out,
        "non_code_paths",
        "these top-level folders hold no code; for commits that only touch them to need no task",
        &layout.non_code,
    );

    // The default workflow, spelled out for the detected statuses.
    let mut transitions = String::from("transitions:");
    for (i, status) in statuses.iter().enumerate() {
        let mut next: Vec<String> = statuses[..i].to_vec();
        if let Some(n) = statuses.get(i + 1) {
            next.push(n.clone());
        }
        transitions.push_str(&format!("\n  {}: {}", quote(status), quoted_list(&next)));
    }
    let initial: Vec<String> = statuses[..statuses.len().saturating_sub(1)].to_vec();
    let last = statuses.last().cloned().unwrap_or_else(|| "Done".into());
    section(
        &mut out,
        "workflow",
        "Status transitions, initial statuses and guards (defaults shown for the detected statuses).",
        &[
            Key::new(
                transitions,
                false,
                "allowed moves; default: one step forward or any step back",
            ),
            Key::new(
                format!("initial: {}", quoted_list(&initial)),
                false,
                "statuses a new task may start in; default: any but the last",
            ),
            // flowspec's Definition of Done asks for a summary fit for the pull request:
            // its repositories get the Final Summary guard written out, active. Its
            // Definition of Ready asks that the spec be settled before work starts:
            // the first active status gets `spec-ready`.
            if layout.flowspec.is_some() {
                let ready = active
                    .first()
                    .filter(|s| **s != last)
                    .map_or(String::new(), |s| format!("\n  {}: [spec-ready]", quote(s)));
                Key::new(
                    format!(
                        "guards:{ready}\n  {}: [acceptance-criteria-checked, definition-of-done-checked, has-final-summary]",
                        quote(&last)
                    ),
                    true,
                    "conditions to enter a status; flowspec: starting needs a settled spec (spec-ready), the last status also a Final Summary",
                )
            } else {
                Key::new(
                    format!(
                        "guards:\n  {}: [acceptance-criteria-checked, definition-of-done-checked]",
                        quote(&last)
                    ),
                    false,
                    "conditions to enter a status; default: the last status needs all AC and DoD items checked",
                )
            },
        ],
        all,
    );

    let hash = if all { "" } else { "# " };
    out.push_str(&format!(
        "\n# Per-rule severity (error | warning | off), by code or name.\n\
         {hash}rules:\n\
         {hash}  FG206: off\n\
         {hash}  missing-spec-link: warning\n"
    ));
    out.push_str(&format!(
        "\n# Findings recorded by `flowgate baseline`; only new ones fail.\n\
         {hash}baseline: .flowgate-baseline.json\n"
    ));
    section(
        &mut out,
        "ci",
        "Pull-request checks (`flowgate ci`).",
        &[
            Key::new(
                "config_from_base: true",
                false,
                "read this file from the base branch: a pull request cannot loosen its own gate",
            ),
            Key::new(
                "check: commits",
                false,
                "commits | title | both: what must reference a task (squash-merge repos: title)",
            ),
        ],
        all,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backlog::BacklogConfig;

    fn layout(statuses: &[&str], globs: &[&str]) -> Layout {
        Layout {
            backlog: Some(BacklogLayout {
                root: "backlog".into(),
                config_file: Some("backlog/config.yml".into()),
                config: BacklogConfig {
                    statuses: statuses.iter().map(|s| s.to_string()).collect(),
                    ..BacklogConfig::default()
                },
                config_problem: None,
            }),
            spec_globs: globs.iter().map(|s| s.to_string()).collect(),
            ..Layout::default()
        }
    }

    #[test]
    fn default_layout_parses_to_the_default_config() {
        let text = render(&layout(&["To Do", "In Progress", "Done"], &[]));
        let config = Config::parse(config::FILE_NAME, &text).unwrap();
        assert_eq!(
            Config {
                origin: None,
                ..config
            },
            Config::default()
        );
    }

    #[test]
    fn detected_globs_and_statuses_are_filled_in() {
        let text = render(&layout(
            &["Backlog", "Specced", "Building", "Shipped"],
            &["specs/*/spec.md", "docs/prd/*.md"],
        ));
        let config = Config::parse(config::FILE_NAME, &text).unwrap();
        assert_eq!(config.specs.globs, vec!["specs/*/spec.md", "docs/prd/*.md"]);
        assert_eq!(config.commits.active_statuses, vec!["Specced", "Building"]);
        assert_eq!(config.workflow, Default::default());
    }

    #[test]
    fn suggestions_are_comments_and_the_file_still_parses() {
        let mut l = layout(&["To Do", "In Progress", "Done"], &["specs/*/spec.md"]);
        let s = |value: &str, evidence: &str| Suggestion {
            value: value.into(),
            evidence: evidence.into(),
        };
        l.linked_docs = vec![s("spec/rfcs/*.md", "4 links from 3 tasks to 2 files")];
        l.bots = vec![s("renovate[bot]", "12 commits")];
        l.non_code = vec![s("media/**", "3 files, none of them code (png)")];
        let text = render(&l);
        let config =
            Config::parse(config::FILE_NAME, &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(config.specs.globs, vec!["specs/*/spec.md"]);
        assert_eq!(
            config.commits.exempt_authors,
            config::CommitsSection::default().exempt_authors
        );
        assert!(
            text.contains(
                "  # exempt_authors:\n  #   - \"renovate[bot]\"                  # 12 commits\n"
            ),
            "{text}"
        );
        // Every key written out, suggestions included, still parses.
        let all = render_with(&l, true);
        Config::parse(config::FILE_NAME, &all).unwrap_or_else(|e| panic!("{e}\n{all}"));
    }

    #[test]
    fn every_key_written_out_is_valid_too() {
        // The commented-out defaults are real values: uncommented, they parse.
        let text = render_with(&layout(&["To Do", "In Progress", "Done"], &[]), true);
        let config =
            Config::parse(config::FILE_NAME, &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(config.links.require, config::LinkRequirement::Section);
        assert_eq!(config.baseline.as_deref(), Some(".flowgate-baseline.json"));
        assert_eq!(config.specs.globs, config::SpecsSection::default().globs);
        assert!(config.workflow.transitions.is_some());
    }
}

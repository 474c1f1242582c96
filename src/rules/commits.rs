//! Commit rules: every code change references an existing, active task.
//!
//! A message is read as git stores it (see [`crate::message`]): comment lines and the
//! scissors section are not part of it, and task IDs in code, URLs and quotes are mentions,
//! not references. Referenced tasks are looked up through [`TaskIndex`], which a hook
//! answers by file name so that only the referenced file is read.
//!
//! Once the message references one existing, active task, the other IDs it names are
//! mentions: one that is unknown, finished or a draft is a note, not an error.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use crate::git::Oid;
use globset::GlobBuilder;

use crate::backlog::cli_number;
use crate::backlog::{Folder, TaskFile, TaskId};
use crate::config::{CommitsSection, BUILTIN_NON_CODE};
use crate::finding::{Finding, Severity};
use crate::git::changes::Change;
use crate::git::Repo;
use crate::message::{branch_reference, Message, Reference, ReferenceFinder};
use crate::rules;
use crate::rules::path_globs::{match_segment, PathGlobs};
use crate::source::{Content, MAX_FILE_SIZE};
use crate::workflow::Workflow;

/// Why a commit needs no task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exemption {
    /// A merge commit.
    Merge,
    /// git's own `Revert "…"` (or `Reapply "…"`).
    Revert,
    /// `fixup!`, `squash!` or `amend!`: it belongs to the commit it fixes.
    Fixup,
    /// A configured exempt author.
    Author,
    /// Only non-code paths change.
    NonCode,
    /// Every code-side change only reassigns a version (a release bump).
    VersionBump,
}

/// How a version file spells its version line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VersionSyntax {
    /// `"version": "1.2.3",`
    Json,
    /// `version = "1.2.3"`
    Toml,
    /// `__version__ = "1.2.3"`
    Python,
}

/// The files a release bumps, by file name: package manifests, their lock files, and the
/// Python modules that carry `__version__`. A change to one of them is a version bump when
/// every line it removes or adds is a version assignment.
pub const VERSION_FILES: &[&str] = &[
    "package.json",
    "package-lock.json",
    "Cargo.toml",
    "Cargo.lock",
    "pyproject.toml",
    "uv.lock",
    "__init__.py",
    "_version.py",
    "version.py",
];

fn version_syntax(path: &str) -> Option<VersionSyntax> {
    let name = path.rsplit('/').next().unwrap_or(path);
    if !VERSION_FILES.contains(&name) {
        return None;
    }
    Some(if name.ends_with(".json") {
        VersionSyntax::Json
    } else if name.ends_with(".py") {
        VersionSyntax::Python
    } else {
        VersionSyntax::Toml
    })
}

/// True when `path` is one of the [`VERSION_FILES`] (in any folder).
pub fn is_version_file(path: &str) -> bool {
    version_syntax(path).is_some()
}

/// `rest` is `"…"` (or `'…'` where `single` is allowed): one non-empty quoted string.
fn quoted_value(rest: &str, single: bool) -> bool {
    let rest = rest.trim();
    let quotes: &[char] = if single { &['"', '\''] } else { &['"'] };
    quotes.iter().any(|&q| {
        rest.strip_prefix(q)
            .and_then(|r| r.strip_suffix(q))
            .is_some_and(|v| !v.is_empty() && !v.contains(['"', '\'', '\\']))
    })
}

/// `key` `sep` value, with any spacing around the separator.
fn assignment(line: &str, key: &str, sep: char, single: bool) -> bool {
    line.strip_prefix(key)
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix(sep))
        .is_some_and(|r| quoted_value(r, single))
}

fn is_version_line(line: &str, syntax: VersionSyntax) -> bool {
    let line = line.trim();
    match syntax {
        VersionSyntax::Json => {
            let line = line.strip_suffix(',').unwrap_or(line);
            assignment(line, "\"version\"", ':', false)
        }
        VersionSyntax::Toml => assignment(line, "version", '=', true),
        VersionSyntax::Python => {
            assignment(line, "__version__", '=', true)
                || assignment(line, "__version__: str", '=', true)
        }
    }
}

/// True when the change of the version file `path` from `old` to `new` only reassigns its
/// version: every line that one side has and the other lacks is a version assignment
/// (`"version": "…"` in JSON, `version = "…"` in TOML and lock files, `__version__ = "…"`
/// in Python), and the version line is both removed and added; a change of indentation
/// alone counts as no change in JSON and TOML. Anything else (a new
/// dependency, a reordered line, a file that is not text) is not a bump.
pub fn only_version_changed(path: &str, old: &[u8], new: &[u8]) -> bool {
    let Some(syntax) = version_syntax(path) else {
        return false;
    };
    let (Ok(old), Ok(new)) = (std::str::from_utf8(old), std::str::from_utf8(new)) else {
        return false;
    };
    // Indentation means nothing in JSON and TOML (a manifest re-indented by the release
    // tool is still only bumped); in Python it does.
    let set = |s: &'_ str| -> BTreeSet<String> {
        s.lines()
            .map(|l| match syntax {
                VersionSyntax::Python => l.trim_end(),
                VersionSyntax::Json | VersionSyntax::Toml => l.trim(),
            })
            .map(str::to_string)
            .collect()
    };
    let (old_lines, new_lines) = (set(old), set(new));
    let removed: Vec<&String> = old_lines.difference(&new_lines).collect();
    let added: Vec<&String> = new_lines.difference(&old_lines).collect();
    !removed.is_empty()
        && !added.is_empty()
        && removed
            .iter()
            .chain(added.iter())
            .all(|l| is_version_line(l, syntax))
}

/// Files of the gate, of the tools it reads and of the hook managers that run it:
/// changing them is not code work, so the commit that adopts flowgate passes its own gate.
pub const TOOL_CONFIG_FILES: &[&str] = &[
    ".flowgate*",
    "backlog.config.yml",
    "**/flowspec_workflow.yml",
    "**/flowspec_workflow.yaml",
    ".pre-commit-config.yaml",
    "lefthook.yml",
    "lefthook.yaml",
    ".lefthook.yml",
    ".lefthook.yaml",
    "lefthook-local.yml",
    "lefthook-local.yaml",
    ".husky/**",
];

/// Which paths are code: `code_paths` minus the built-in and configured non-code paths
/// and the backlog folder. Non-code paths match case-insensitively (`Docs/`, `README.MD`):
/// a folder's spelling does not make its content code.
#[derive(Debug, Clone)]
pub struct CodePaths {
    code: PathGlobs,
    non_code: PathGlobs,
    /// `<backlog root>/`, when the root is plain folder names: every path under it
    /// matches the non-code glob `<root>/**`, so it is answered without the globs (most
    /// paths a long history changes are task files).
    backlog: Option<String>,
    /// Paths already classified by the globs: a long history changes the same code files
    /// again and again, and a commit's paths are asked about twice (version bump, then
    /// exemption). Bounded by [`CODE_MEMO_PATHS`].
    memo: RefCell<HashMap<String, bool, rustc_hash::FxBuildHasher>>,
}

/// How many paths a [`CodePaths`] remembers before it starts over.
const CODE_MEMO_PATHS: usize = 4096;

impl CodePaths {
    /// Builds the matcher; `backlog_root` is the repo-relative backlog folder, if any.
    pub fn new(
        commits: &CommitsSection,
        backlog_root: Option<&str>,
    ) -> Result<CodePaths, globset::Error> {
        let backlog = backlog_root
            .filter(|r| !r.is_empty())
            .map(|r| format!("{}/**", r.trim_end_matches('/')));
        let non_code: Vec<&str> = BUILTIN_NON_CODE
            .iter()
            .copied()
            .chain(TOOL_CONFIG_FILES.iter().copied())
            .chain(commits.non_code_paths.iter().map(String::as_str))
            .chain(backlog.as_deref())
            .collect();
        let plain = |root: &str| {
            root.split('/')
                .all(|part| !part.is_empty() && part != "." && part != "..")
                && !root.contains(['*', '?', '[', ']', '{', '}', '\\'])
        };
        Ok(CodePaths {
            code: PathGlobs::new(commits.code_paths.iter().map(String::as_str), false)?,
            non_code: PathGlobs::new(non_code, true)?,
            backlog: backlog_root
                .map(|r| r.trim_end_matches('/'))
                .filter(|r| plain(r))
                .map(|r| format!("{r}/")),
            memo: RefCell::default(),
        })
    }

    /// True when a change to `path` is a code change.
    pub fn is_code(&self, path: &str) -> bool {
        if self.backlog.as_ref().is_some_and(|b| path.starts_with(b)) {
            return false;
        }
        if let Some(&known) = self.memo.borrow().get(path) {
            return known;
        }
        let code = self.by_globs(path);
        let mut memo = self.memo.borrow_mut();
        if memo.len() >= CODE_MEMO_PATHS {
            memo.clear();
        }
        memo.insert(path.to_string(), code);
        code
    }

    /// False only when no path below folder `dir` (a path without a trailing `/`) is
    /// code: the folder is the backlog or lies in it, no code glob can match below it, or
    /// a non-code glob takes everything below it (`docs/**`). A diff that looks for code
    /// skips such a folder unread.
    pub fn may_hold_code(&self, dir: &str) -> bool {
        let in_backlog = self
            .backlog
            .as_ref()
            .is_some_and(|b| b.strip_suffix('/') == Some(dir) || dir.starts_with(b.as_str()));
        !in_backlog && self.code.may_match_below(dir) && !self.non_code.matches_all_below(dir)
    }

    /// [`CodePaths::is_code`] by the globs alone.
    fn by_globs(&self, path: &str) -> bool {
        self.code.is_match(path) && !self.non_code.is_match(path)
    }
}

/// True when `author` (`Name <email>`) matches one of the exempt-author globs (matched
/// against the whole ident, the name and the email, case-insensitively). `*` and `?` are
/// wildcards; brackets are literal, since bots are named `name[bot]` (`*[bot]` matches
/// every GitHub App bot, not every name ending in `b`, `o` or `t`).
pub fn author_exempt(author: &str, globs: &[String]) -> bool {
    let (name, email) = match author.split_once('<') {
        Some((n, e)) => (n.trim(), e.trim_end_matches('>').trim()),
        None => (author.trim(), ""),
    };
    globs.iter().any(|g| {
        let candidates = [author.trim(), name, email];
        candidates
            .iter()
            .any(|c| !c.is_empty() && c.eq_ignore_ascii_case(g.trim()))
            || author_glob_matches(g, &candidates)
    })
}

thread_local! {
    /// Exempt-author globs compiled once per thread: a pass over a long history checks
    /// every commit's author against the same few globs, and compiling one costs more
    /// than judging the commit.
    static AUTHOR_GLOBS: std::cell::RefCell<std::collections::HashMap<String, Option<globset::GlobMatcher>>> =
        std::cell::RefCell::default();
}

/// True when exempt-author glob `g` (brackets literal; one that does not compile matches
/// nothing) matches one of the non-empty `candidates`.
fn author_glob_matches(g: &str, candidates: &[&str]) -> bool {
    // A glob of ASCII literals and `*` (the default, `*[bot]`) is matched without
    // compiling it, ignoring ASCII case as the compiled glob does: a hook checks one
    // author, and compiling a glob to a regex costs more than the rest of the check.
    let star_only = |s: &str| s.is_ascii() && !s.contains(['?', '{', '}', '\\']);
    if star_only(g) && !g.contains("**") && candidates.iter().all(|c| c.is_ascii()) {
        return candidates
            .iter()
            .any(|c| !c.is_empty() && match_segment(g.as_bytes(), c.as_bytes(), true));
    }
    compiled_author_glob_matches(g, candidates)
}

/// [`author_glob_matches`] through globset.
fn compiled_author_glob_matches(g: &str, candidates: &[&str]) -> bool {
    AUTHOR_GLOBS.with(|memo| {
        let mut memo = memo.borrow_mut();
        let matcher = memo.entry(g.to_string()).or_insert_with(|| {
            let literal_brackets = g.replace('[', "\\[").replace(']', "\\]");
            GlobBuilder::new(&literal_brackets)
                .backslash_escape(true)
                .case_insensitive(true)
                .build()
                .ok()
                .map(|g| g.compile_matcher())
        });
        matcher
            .as_ref()
            .is_some_and(|m| candidates.iter().any(|c| !c.is_empty() && m.is_match(c)))
    })
}

/// Looks tasks up in the tree the commit is checked against.
pub trait TaskIndex {
    /// The file carrying this task (or draft) ID, if any.
    fn find(&self, id: &TaskId) -> Option<TaskFile>;
    /// Up to `n` existing tasks whose IDs are nearest to `id`.
    fn nearest(&self, id: &TaskId, n: usize) -> Vec<TaskFile>;
    /// Up to `n` tasks in one of `statuses`.
    fn in_statuses(&self, statuses: &[String], n: usize) -> Vec<TaskFile>;
}

/// One commit, as the commit rules see it.
pub struct CommitInput<'a> {
    /// How findings name the commit (`staged` in hooks, else the commit id).
    pub commit: &'a str,
    /// How messages name the tree (`the staged tree`, `commit 1a2b3c4d`).
    pub tree_label: &'a str,
    /// The message.
    pub message: &'a Message<'a>,
    /// `Name <email>` of the author, when known.
    pub author: Option<&'a str>,
    /// A merge commit.
    pub merge: bool,
    /// The paths the commit changes.
    pub changed: &'a [String],
    /// The current branch, when known.
    pub branch: Option<&'a str>,
    /// The backlog's task prefix.
    pub prefix: &'a str,
    /// The tasks of the commit's parent (HEAD in hooks); `None` for a root commit, which
    /// creates every task it carries. A commit that finishes a task (moves it from an
    /// active status to Done in the same commit that completes the work) references a task
    /// that was active when the work was done.
    pub before: Option<&'a dyn TaskIndex>,
    /// Every code-side change only reassigns a version (see [`only_version_changed`]);
    /// callers read the blobs only when every code-side path is a version file.
    pub version_bump: bool,
}

/// Why the commit needs no task reference, if it needs none.
pub fn exemption(
    input: &CommitInput<'_>,
    config: &CommitsSection,
    code: &CodePaths,
) -> Option<Exemption> {
    if input.merge {
        return Some(Exemption::Merge);
    }
    let subject = input.message.subject().map_or("", |(_, s)| s.trim_start());
    if subject.starts_with("Revert \"") || subject.starts_with("Reapply \"") {
        return Some(Exemption::Revert);
    }
    if ["fixup! ", "squash! ", "amend! "]
        .iter()
        .any(|p| subject.starts_with(p))
    {
        return Some(Exemption::Fixup);
    }
    if input
        .author
        .is_some_and(|a| author_exempt(a, &config.exempt_authors))
    {
        return Some(Exemption::Author);
    }
    if !input.changed.iter().any(|p| code.is_code(p)) {
        return Some(Exemption::NonCode);
    }
    if input.version_bump && !config.version_bumps_need_task {
        return Some(Exemption::VersionBump);
    }
    None
}

/// `"A"` or `"A" or "B"`.
fn or_quoted(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    crate::text::phrase_list(&quoted, "or")
}

fn describe(f: &TaskFile) -> String {
    let id = f.id().map(TaskId::canonical).unwrap_or_default();
    match (f.title(), f.status()) {
        (Some(t), Some(s)) => format!("{id} \"{t}\" ({s})"),
        (Some(t), None) => format!("{id} \"{t}\""),
        _ => id,
    }
}

/// The subject of the commit as findings quote it (`"Add login"`), shortened to 72
/// characters.
pub fn quoted_subject(message: &Message<'_>) -> String {
    let subject = message.subject().map_or("", |(_, s)| s.trim());
    let mut chars = subject.chars();
    let short: String = chars.by_ref().take(72).collect();
    if chars.next().is_some() {
        format!("\"{short}…\"")
    } else {
        format!("\"{short}\"")
    }
}

/// Every commit finding of one commit.
pub fn check(
    input: &CommitInput<'_>,
    config: &CommitsSection,
    workflow: &Workflow,
    references: &ReferenceFinder,
    code: &CodePaths,
    tasks: &dyn TaskIndex,
) -> Vec<Finding> {
    check_found(input, config, workflow, code, tasks, || {
        references.find(input.message)
    })
}

/// [`check`], with the references of the message already found (`found`: what
/// [`ReferenceFinder::find`] gives for `input.message`): a pass over history finds them
/// once per commit for its record and for these rules.
pub fn check_found(
    input: &CommitInput<'_>,
    config: &CommitsSection,
    workflow: &Workflow,
    code: &CodePaths,
    tasks: &dyn TaskIndex,
    found: impl FnOnce() -> Vec<Reference>,
) -> Vec<Finding> {
    // A version bump needs no task, but a reference it carries is still checked.
    let exempt = exemption(input, config, code);
    if exempt
        .as_ref()
        .is_some_and(|e| *e != Exemption::VersionBump)
    {
        return Vec::new();
    }
    let mut refs = found();
    let branch_id = input.branch.and_then(|b| branch_reference(b, input.prefix));
    if refs.is_empty() && config.branch_fallback && exempt.is_none() {
        if let Some(id) = branch_id.clone() {
            refs.push(Reference {
                id,
                line: 0,
                column: 0,
                len: 0,
            });
        }
    }
    let (subject_line, subject_len) = input
        .message
        .subject()
        .map_or((1, 0), |(l, s)| (l, s.chars().count() as u32));
    let locate = |f: Finding, r: Option<&Reference>| {
        let f = f.commit(input.commit);
        match r {
            Some(r) if r.line > 0 => {
                let mut f = f.message_line(r.line, r.len);
                f.column = Some(r.column);
                f
            }
            _ => f.message_line(subject_line, subject_len),
        }
    };
    let active: Vec<String> = config.active_statuses.clone();

    if refs.is_empty() {
        if exempt.is_some() {
            return Vec::new();
        }
        let example = branch_id
            .as_ref()
            .map(TaskId::canonical)
            .unwrap_or_else(|| format!("{}-12", input.prefix.to_ascii_uppercase()));
        let mut help =
            format!("add a line \"Refs: {example}\" naming the task this commit works on");
        if branch_id.is_none() {
            let candidates = tasks.in_statuses(&active, 3);
            if candidates.is_empty() {
                help.push_str(&format!(
                    "; no task is {} now: start one with backlog task edit N -s \"{}\"",
                    or_quoted(&active),
                    active.first().map_or("In Progress", String::as_str)
                ));
            } else {
                let list: Vec<String> = candidates.iter().map(describe).collect();
                help = format!(
                    "add a line \"Refs: {}\" naming the task this commit works on; in {}: {}",
                    candidates
                        .first()
                        .and_then(TaskFile::id)
                        .map_or(example, TaskId::canonical),
                    or_quoted(&active),
                    list.join(", ")
                );
            }
        }
        return vec![locate(
            Finding::new(
                &rules::MISSING_TASK_REFERENCE,
                format!(
                    "{} changes code but references no task",
                    quoted_subject(input.message)
                ),
            ),
            None,
        )
        .help(help)];
    }

    /// What one reference resolves to.
    enum Resolved {
        Missing,
        Draft,
        Inactive(TaskFile),
        /// A task this commit creates, in a status it is not worked on in (a planning
        /// commit lists the tasks it adds): a note.
        Created(TaskFile),
    }
    let mut unresolved: Vec<(&Reference, Resolved)> = Vec::new();
    let mut worked_on: Option<&TaskId> = None;
    for r in &refs {
        let resolved = match tasks.find(&r.id) {
            None => Resolved::Missing,
            Some(file) if file.folder == Folder::Drafts => Resolved::Draft,
            Some(file) => {
                let status = file.status().unwrap_or_default();
                let is_active = workflow.is_one_of(status, &active);
                if is_active || finishes(input, &r.id, status, &active, workflow) {
                    worked_on = worked_on.or(Some(&r.id));
                    continue;
                }
                // Without a parent (a root commit), every task is created by the commit.
                if input
                    .before
                    .is_none_or(|before| before.find(&r.id).is_none())
                {
                    Resolved::Created(file)
                } else {
                    Resolved::Inactive(file)
                }
            }
        };
        unresolved.push((r, resolved));
    }
    // Once the commit names the task it works on, its other IDs are mentions: notes.
    let mention_help = |id: &TaskId, main: &TaskId| {
        format!(
            "this commit works on {main}, so {id} is taken as a mention; write it as `{id}` (in backticks) to say so, or fix the ID if you meant another task"
        )
    };
    let mut findings = Vec::new();
    for (r, resolved) in unresolved {
        let from_branch = if r.line == 0 {
            " (from the branch name)"
        } else {
            ""
        };
        let n = cli_number(&r.id);
        let mut finding = match &resolved {
            Resolved::Missing => {
                let near: Vec<String> = tasks.nearest(&r.id, 3).iter().map(describe).collect();
                let help = if near.is_empty() {
                    "no task has this ID; check the number, or create the task: backlog task create \"Title\"".to_string()
                } else {
                    format!("nearest tasks: {}", near.join(", "))
                };
                Finding::new(
                    &rules::UNKNOWN_TASK_REFERENCE,
                    format!(
                        "{}{from_branch} does not exist in {}",
                        r.id, input.tree_label
                    ),
                )
                .help(help)
            }
            Resolved::Draft => Finding::new(
                &rules::DRAFT_REFERENCE,
                format!("{} is a draft, not a task", r.id),
            )
            .help(format!(
                "promote it first (backlog draft promote {n}) and reference the task ID it gets"
            )),
            Resolved::Created(file) => Finding::new(
                &rules::TASK_NOT_ACTIVE,
                format!(
                    "{} is created by this commit in \"{}\"; it is mentioned, not worked on",
                    r.id,
                    file.status().unwrap_or_default()
                ),
            )
            .help(format!(
                "nothing to do if this commit plans {}; if it works on it, create it in {} (backlog task edit {n} -s \"{}\")",
                r.id,
                or_quoted(&active),
                active.first().map_or("In Progress", String::as_str),
            )),
            Resolved::Inactive(file) => {
                let status = file.status().unwrap_or_default();
                Finding::new(
                    &rules::TASK_NOT_ACTIVE,
                    format!(
                        "{} is in \"{status}\"; a commit must work on a task in {}",
                        r.id,
                        or_quoted(&active)
                    ),
                )
                .help(format!(
                    "start it and stage the change: backlog task edit {n} -s \"{}\" && git add \"{}\"",
                    active.first().map_or("In Progress", String::as_str),
                    file.path
                ))
            }
        };
        if matches!(resolved, Resolved::Created(_)) {
            finding.severity = Severity::Note;
        } else if let Some(main) = worked_on {
            finding.severity = Severity::Note;
            finding.help = Some(mention_help(&r.id, main));
            if let Resolved::Inactive(file) = &resolved {
                finding.message = format!(
                    "{} is in \"{}\"; it is mentioned, not worked on",
                    r.id,
                    file.status().unwrap_or_default()
                );
            }
        }
        findings.push(locate(finding, Some(r)).task(r.id.canonical()));
    }
    findings
}

/// True when the commit works on the referenced task although it is not active now: the
/// task was active in the parent (the commit finishes or pauses the task it worked on), or
/// the commit moves it into the last status from any other (it completes the task with
/// its work, as a squash-merged pull request does), or creates it there.
fn finishes(
    input: &CommitInput<'_>,
    id: &TaskId,
    status: &str,
    active: &[String],
    workflow: &Workflow,
) -> bool {
    // A root commit creates every task it carries.
    let Some(before) = input.before else {
        return workflow.is_last(status);
    };
    match before.find(id) {
        Some(old) => {
            let old = old.status().unwrap_or_default();
            workflow.is_one_of(old, active) || (workflow.is_last(status) && !workflow.is_last(old))
        }
        None => workflow.is_last(status),
    }
}

/// True when every code-side change in `changes` only reassigns a version (a release's
/// bump of `package.json`, `Cargo.toml`, `__version__`, …; see
/// [`only_version_changed`]). Blobs are read only when every code-side path is
/// a version file, so an ordinary commit costs nothing more; a blob that cannot be read,
/// or is over [`MAX_FILE_SIZE`], is not a bump.
pub fn only_version_bumps(repo: &Repo, changes: &[Change], code: &CodePaths) -> bool {
    // Stops at the first code path that is not a version file (the usual answer).
    let mut code_side: Vec<&Change> = Vec::new();
    for c in changes.iter().filter(|c| code.is_code(&c.path)) {
        if !is_version_file(&c.path) {
            return false;
        }
        code_side.push(c);
    }
    if code_side.is_empty() {
        return false;
    }
    let bytes = |id: Oid| match repo.blob(id, MAX_FILE_SIZE) {
        Ok(Content::Bytes(b)) => Some(b),
        _ => None,
    };
    code_side.iter().all(|c| match (c.old, c.new) {
        (Some(old), Some(new)) => match (bytes(old), bytes(new)) {
            (Some(old), Some(new)) => only_version_changed(&c.path, &old, &new),
            _ => false,
        },
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backlog::{BacklogConfig, Spanned, Task};
    use crate::config::WorkflowSection;
    use crate::finding::Position;

    #[test]
    fn version_only_changes() {
        let bump = |path: &str, old: &str, new: &str| {
            only_version_changed(path, old.as_bytes(), new.as_bytes())
        };
        let json = "{\n  \"name\": \"x\",\n  \"version\": \"1.6.9\",\n  \"dependencies\": {}\n}\n";
        let json2 = json.replace("1.6.9", "1.6.10");
        assert!(bump("package.json", json, &json2));
        assert!(bump("web/package-lock.json", json, &json2));
        // CRLF line endings, and `version` as the last member (no comma).
        assert!(bump(
            "package.json",
            "{\r\n  \"version\": \"1.0.0\"\r\n}\r\n",
            "{\r\n  \"version\": \"1.0.1\"\r\n}\r\n"
        ));
        assert!(bump(
            "Cargo.toml",
            "[package]\nversion = \"0.1.0\"\n",
            "[package]\nversion = \"0.2.0\"\n"
        ));
        assert!(bump(
            "pkg/__init__.py",
            "__version__ = \"0.1\"\n",
            "__version__ = '0.2'\n"
        ));
        assert!(bump(
            "pkg/_version.py",
            "__version__: str = \"0.1\"\n",
            "__version__: str = \"0.2\"\n"
        ));
        // Not a bump: another line, a file that bumps nothing, no change, not text, the
        // wrong syntax for the file, an empty version.
        assert!(!bump(
            "package.json",
            json,
            &json2.replace("{}", "{ \"a\": \"1\" }")
        ));
        assert!(!bump(
            "src/version.rs",
            "version = \"1\"\n",
            "version = \"2\"\n"
        ));
        assert!(!bump("package.json", json, json));
        assert!(!bump("package.json", "a\nb\n", "b\na\n"));
        assert!(!only_version_changed(
            "package.json",
            &[0xff, 0xfe],
            json2.as_bytes()
        ));
        assert!(!bump(
            "package.json",
            "version = \"1\"\n",
            "version = \"2\"\n"
        ));
        assert!(!bump(
            "pkg/__init__.py",
            "version = \"1\"\n",
            "version = \"2\"\n"
        ));
        assert!(!bump("Cargo.toml", "version = \"1\"\n", "version = \"\"\n"));
        assert!(!bump(
            "Cargo.toml",
            "version = \"1\"\n",
            "version = \"1\" # x\n"
        ));
        assert!(!bump("Cargo.toml", "", "version = \"1\"\n"));
        // Re-indented as well (tabs to spaces): still only the version in JSON, not in Python.
        assert!(bump(
            "package.json",
            "{\n\t\"name\": \"x\",\n\t\"version\": \"1.0.0\"\n}\n",
            "{\n  \"name\": \"x\",\n  \"version\": \"1.1.0\"\n}\n"
        ));
        assert!(!bump(
            "pkg/__init__.py",
            "if x:\n    y = 1\n__version__ = \"1\"\n",
            "if x:\ny = 1\n__version__ = \"2\"\n"
        ));
        assert!(is_version_file("a/b/Cargo.lock") && !is_version_file("Cargo.lock.bak"));
    }

    #[test]
    fn paths_answered_by_backlog_prefix_or_memo_as_the_globs_answer() {
        let config = CommitsSection::default();
        let paths = [
            "backlog/tasks/task-1 - A.md",
            "backlog/config.yml",
            "backlog",
            "backlogs/x.rs",
            "Backlog/tasks/x.rs",
            "backlog/src/main.rs",
            "backlog/tâche.md",
            "docs/backlog/x.rs",
            ".backlog/tasks/x.md",
            "src/main.rs",
            "a/b/backlog/c.rs",
        ];
        for root in [
            Some("backlog"),
            Some("backlog/"),
            Some(".backlog"),
            Some("a/b/backlog"),
            Some("./backlog"),
            Some("back[log]"),
            Some(""),
            None,
        ] {
            let code = CodePaths::new(&config, root).unwrap();
            // Twice: the second answers come from the memo.
            for p in paths.iter().chain(&paths) {
                assert_eq!(code.is_code(p), code.by_globs(p), "{root:?} {p}");
            }
        }
    }

    #[test]
    fn author_globs_of_literals_and_stars_match_as_globset_does() {
        let globs = [
            "*[bot]",
            "*[BOT]",
            "dependabot[bot]",
            "*@bots.example.com",
            "ci*",
            "*",
            "**",
            "a*b*c",
            "*a*",
            "",
            "Renovate <*>",
            "*/x",
        ];
        let texts = [
            "dependabot[bot]",
            "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>",
            "CI <ci@bots.example.com>",
            "ci@bots.example.com",
            "abc",
            "aXbYc",
            "acb",
            "a",
            "",
            "Renovate <renovate@example.com>",
            "b",
            "a/b/x",
            "bot]",
        ];
        for g in globs {
            for t in texts {
                assert_eq!(
                    author_glob_matches(g, &[t]),
                    compiled_author_glob_matches(g, &[t]),
                    "{g:?} on {t:?}"
                );
            }
        }
    }

    #[test]
    fn code_paths_and_authors() {
        let config = CommitsSection {
            non_code_paths: vec!["assets/**".into()],
            ..CommitsSection::default()
        };
        let code = CodePaths::new(&config, Some(".backlog")).unwrap();
        assert!(code.is_code("src/main.rs"));
        assert!(code.is_code("Makefile"));
        for p in [
            "README.md",
            "docs/x.txt",
            "specs/001-a/spec.md",
            ".backlog/tasks/t.md",
            "assets/logo.png",
            "a/b/c.md",
            "Docs/superpowers/plan.txt",
            "DOCS/x.txt",
            "README.MD",
            "website/docs/img/flow.PNG",
            "packages/app/Documentation/diagram.svg",
            ".flowgate.yml",
            ".flowgate-baseline.json",
            ".pre-commit-config.yaml",
            "lefthook.yml",
            "lefthook.yaml",
            ".husky/pre-commit",
            "LICENSE",
            "COPYING.txt",
            "NOTICE",
            "AUTHORS",
            "CHANGELOG",
        ] {
            assert!(!code.is_code(p), "{p}");
        }
        // Code stays code, under a docs folder too; configured code paths keep their case.
        for p in [
            "website/docs/plugin.js",
            "src/docs.rs",
            ".github/workflows/ci.yml",
        ] {
            assert!(code.is_code(p), "{p}");
        }
        let bots = vec![
            "dependabot[bot]".to_string(),
            "*@bots.example.com".to_string(),
        ];
        assert!(author_exempt(
            "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
            &bots
        ));
        assert!(author_exempt("CI <ci@bots.example.com>", &bots));
        let default = CommitsSection::default().exempt_authors;
        assert!(author_exempt(
            "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>",
            &default
        ));
        assert!(!author_exempt("Bob <bob@example.com>", &default));
        assert!(!author_exempt("Alice <alice@example.com>", &bots));
    }

    struct Tasks(Vec<TaskFile>);
    impl TaskIndex for Tasks {
        fn find(&self, id: &TaskId) -> Option<TaskFile> {
            self.0.iter().find(|f| f.id() == Some(id)).cloned()
        }
        fn nearest(&self, _: &TaskId, n: usize) -> Vec<TaskFile> {
            self.0.iter().take(n).cloned().collect()
        }
        fn in_statuses(&self, statuses: &[String], n: usize) -> Vec<TaskFile> {
            self.0
                .iter()
                .filter(|f| statuses.iter().any(|s| Some(s.as_str()) == f.status()))
                .take(n)
                .cloned()
                .collect()
        }
    }

    fn task(path: &str, id: &str, title: &str, status: &str, folder: Folder) -> TaskFile {
        TaskFile {
            tracker: &crate::backlog::BACKLOG_MD,
            path: path.into(),
            folder,
            name_id: TaskId::parse(id),
            task: Some(Task {
                id: TaskId::parse(id),
                title: Some(Spanned::new(title.into(), Position::default())),
                status: Some(Spanned::new(status.into(), Position::default())),
                ..Task::default()
            }),
            issues: Vec::new(),
        }
    }

    fn run(message: &str, changed: &[&str], branch: Option<&str>) -> Vec<Finding> {
        let tasks = Tasks(vec![
            task(
                "backlog/tasks/task-1 - Login.md",
                "TASK-1",
                "Login",
                "In Progress",
                Folder::Tasks,
            ),
            task(
                "backlog/tasks/task-2 - Logout.md",
                "TASK-2",
                "Logout",
                "To Do",
                Folder::Tasks,
            ),
            task(
                "backlog/drafts/draft-1 - Idea.md",
                "DRAFT-1",
                "Idea",
                "Draft",
                Folder::Drafts,
            ),
        ]);
        let config = CommitsSection::default();
        let code = CodePaths::new(&config, Some("backlog")).unwrap();
        let wf = Workflow::new(&BacklogConfig::default(), &WorkflowSection::default()).unwrap();
        let msg = Message::parse(message, '#');
        let changed: Vec<String> = changed.iter().map(|s| s.to_string()).collect();
        let input = CommitInput {
            commit: "staged",
            tree_label: "the staged tree",
            message: &msg,
            author: Some("Alice <alice@example.com>"),
            merge: false,
            changed: &changed,
            branch,
            prefix: "task",
            before: Some(&tasks),
            version_bump: false,
        };
        check(
            &input,
            &config,
            &wf,
            &ReferenceFinder::new(None, "task").unwrap(),
            &code,
            &tasks,
        )
    }

    #[test]
    fn each_commit_rule() {
        assert!(run("Add login\n\nRefs: TASK-1\n", &["src/a.rs"], None).is_empty());
        assert!(run("Update docs\n", &["README.md"], None).is_empty());
        assert!(run("fixup! Add login\n", &["src/a.rs"], None).is_empty());
        assert!(run("Revert \"Add login\"\n", &["src/a.rs"], None).is_empty());
        assert!(run("Add login\n", &["src/a.rs"], Some("alice/task-1-login")).is_empty());

        let f = run("Add login\n", &["src/a.rs"], None);
        assert_eq!(f[0].code, "FG301");
        assert_eq!(
            f[0].message,
            "\"Add login\" changes code but references no task"
        );
        assert_eq!(
            f[0].help.as_deref(),
            Some("add a line \"Refs: TASK-1\" naming the task this commit works on; in \"In Progress\": TASK-1 \"Login\" (In Progress)")
        );

        let f = run("Add login\n\nRefs: TASK-7\n", &["src/a.rs"], None);
        assert_eq!(f[0].code, "FG302");
        assert_eq!(f[0].message, "TASK-7 does not exist in the staged tree");
        assert_eq!((f[0].line, f[0].column), (Some(3), Some(7)));

        let f = run("Add logout (task-2)\n", &["src/a.rs"], None);
        assert_eq!(f[0].code, "FG303");
        assert_eq!(
            f[0].message,
            "TASK-2 is in \"To Do\"; a commit must work on a task in \"In Progress\""
        );
        assert_eq!(
            f[0].help.as_deref(),
            Some("start it and stage the change: backlog task edit 2 -s \"In Progress\" && git add \"backlog/tasks/task-2 - Logout.md\"")
        );
        // Next to the task it works on (TASK-1), a finished, unknown or draft ID is a note.
        let f = run(
            "Add logout TASK-2, part of TASK-1 (not TASK-9, DRAFT-1)\n",
            &["src/a.rs"],
            None,
        );
        let notes: Vec<(&str, Severity)> = f.iter().map(|f| (f.code, f.severity)).collect();
        assert_eq!(
            notes,
            [
                ("FG303", Severity::Note),
                ("FG302", Severity::Note),
                ("FG304", Severity::Note)
            ]
        );
        assert_eq!(
            f[0].message,
            "TASK-2 is in \"To Do\"; it is mentioned, not worked on"
        );
        assert_eq!(
            f[1].help.as_deref(),
            Some("this commit works on TASK-1, so TASK-9 is taken as a mention; write it as `TASK-9` (in backticks) to say so, or fix the ID if you meant another task")
        );
        assert!(run("Add logout `TASK-2`, part of TASK-1\n", &["src/a.rs"], None).is_empty());
        // Without an active reference, an unknown ID stays an error.
        let f = run("Add logout TASK-2 (TASK-9)\n", &["src/a.rs"], None);
        assert!(f.iter().all(|f| f.severity == Severity::Error), "{f:?}");

        let f = run("Try DRAFT-1\n", &["src/a.rs"], None);
        assert_eq!(f[0].code, "FG304");
        assert_eq!(
            f[0].help.as_deref(),
            Some("promote it first (backlog draft promote 1) and reference the task ID it gets")
        );
    }
}

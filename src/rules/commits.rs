//! Commit rules: every code change references an existing, active task.
//!
//! A message is read as git stores it: `#` comment lines (or `core.commentChar`) and
//! everything below the scissors line of `git commit -v` are not part of it. Task
//! references are whole words matching the task prefix, case-insensitively, anywhere in
//! the message (subject, body, trailers). Referenced tasks are looked up through
//! [`TaskIndex`], which a hook answers by file name so that only the referenced file is read.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::{Regex, RegexBuilder};

use crate::backlog::{Folder, TaskFile, TaskId};
use crate::config::{CommitsSection, BUILTIN_NON_CODE};
use crate::finding::Finding;
use crate::rules;
use crate::rules::transitions::cli_number;
use crate::workflow::{quoted_list, Workflow};

/// The line git's `commit -v` puts above the diff; it and everything below are dropped.
pub const SCISSORS: &str = "------------------------ >8 ------------------------";

/// A commit message with its comment lines and scissors section set aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message<'a> {
    /// The text up to (not including) the scissors line, comments included: what line
    /// numbers refer to.
    pub text: &'a str,
    /// The lines that are part of the message, with their 1-based line numbers.
    pub lines: Vec<(u32, &'a str)>,
}

impl<'a> Message<'a> {
    /// Reads a message file's text. `comment` is git's comment character (`#` unless
    /// `core.commentChar` says otherwise).
    pub fn parse(text: &'a str, comment: char) -> Message<'a> {
        let mut lines = Vec::new();
        let mut end = text.len();
        let mut offset = 0;
        for (i, raw) in text.split_inclusive('\n').enumerate() {
            let line = raw.trim_end_matches(['\n', '\r']);
            if let Some(rest) = line.strip_prefix(comment) {
                if rest.trim_start() == SCISSORS {
                    end = offset;
                    break;
                }
            } else {
                lines.push((i as u32 + 1, line));
            }
            offset += raw.len();
        }
        Message {
            text: &text[..end],
            lines,
        }
    }

    /// The subject: the first non-blank line, with its number.
    pub fn subject(&self) -> Option<(u32, &'a str)> {
        self.lines
            .iter()
            .find(|(_, l)| !l.trim().is_empty())
            .copied()
    }

    /// True when the message has no content (only blank and comment lines).
    pub fn is_empty(&self) -> bool {
        self.subject().is_none()
    }
}

fn is_trailer(line: &str) -> bool {
    line.split_once(": ").is_some_and(|(token, _)| {
        !token.is_empty() && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

/// Adds `trailer` (`Refs: TASK-12`) to a message file's text: after the last line of the
/// message, joining a trailer block when the message ends with one, and before git's
/// comment lines and scissors section. An empty message gets the trailer below an empty
/// first line, where the subject goes.
pub fn add_trailer(text: &str, comment: char, trailer: &str) -> String {
    let message = Message::parse(text, comment);
    let Some(&(last, _)) = message
        .lines
        .iter()
        .rev()
        .find(|(_, l)| !l.trim().is_empty())
    else {
        return format!("\n\n{trailer}\n{text}");
    };
    let mut head = String::new();
    let mut tail = String::new();
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        if i < last as usize {
            head.push_str(raw);
        } else {
            tail.push_str(raw);
        }
    }
    if !head.ends_with('\n') {
        head.push('\n');
    }
    let content: Vec<&str> = message
        .lines
        .iter()
        .filter(|(n, _)| *n <= last)
        .map(|(_, l)| *l)
        .collect();
    let paragraph_start = content.iter().rposition(|l| l.trim().is_empty());
    let joins_trailers = paragraph_start.is_some_and(|start| {
        content
            .get(start + 1..)
            .is_some_and(|p| p.iter().all(|l| is_trailer(l)))
    });
    if !joins_trailers {
        head.push('\n');
    }
    head.push_str(trailer);
    head.push('\n');
    head + &tail
}

/// A task reference found in a message or branch name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The ID referred to.
    pub id: TaskId,
    /// 1-based message line (0 when it comes from the branch name).
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// Length in characters.
    pub len: u32,
}

/// The reference pattern: the configured one, or the task prefix (and `draft`) as a whole
/// word, `-`, and the number.
pub fn reference_pattern(
    configured: Option<&str>,
    prefix: &str,
) -> Result<Regex, Box<regex::Error>> {
    let pattern = match configured {
        Some(p) => p.to_string(),
        // ASCII `\b` and digits: Unicode ones cost milliseconds to compile on every commit.
        None => format!(
            r"(?-u:\b)(?:{}|draft)-[0-9]+(?:\.[0-9]+)*(?-u:\b)",
            regex::escape(prefix)
        ),
    };
    RegexBuilder::new(&pattern)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
        .map_err(Box::new)
}

fn parse_reference(text: &str, prefix: &str) -> Option<TaskId> {
    TaskId::parse_with_prefix(text, prefix)
        .or_else(|| TaskId::parse(text).filter(|id| id.prefix().eq_ignore_ascii_case("draft")))
}

/// Every task reference in the message, first occurrence of each ID, in order.
pub fn find_references(message: &Message<'_>, pattern: &Regex, prefix: &str) -> Vec<Reference> {
    let mut out: Vec<Reference> = Vec::new();
    for (line, text) in &message.lines {
        for caps in pattern.captures_iter(text) {
            let Some(m) = caps.get(1).or_else(|| caps.get(0)) else {
                continue;
            };
            let Some(id) = parse_reference(m.as_str(), prefix) else {
                continue;
            };
            if out.iter().any(|r| r.id == id) {
                continue;
            }
            out.push(Reference {
                id,
                line: *line,
                column: text[..m.start()].chars().count() as u32 + 1,
                len: m.as_str().chars().count() as u32,
            });
        }
    }
    out
}

/// The task ID a branch name carries (`user/task-605/slug`, `task-12-login`), if any.
pub fn branch_reference(branch: &str, prefix: &str) -> Option<TaskId> {
    thread_local! {
        // Compiled once per prefix: the history pass asks for every merged commit.
        static PATTERNS: std::cell::RefCell<std::collections::HashMap<String, Option<Regex>>> =
            std::cell::RefCell::default();
    }
    let number = PATTERNS.with(|patterns| {
        let mut patterns = patterns.borrow_mut();
        let pattern = patterns.entry(prefix.to_string()).or_insert_with(|| {
            RegexBuilder::new(&format!(
                r"(?:^|[^a-z0-9]){}-([0-9]+(?:\.[0-9]+)*)",
                regex::escape(prefix)
            ))
            .case_insensitive(true)
            .build()
            .ok()
        });
        let caps = pattern.as_ref()?.captures(branch)?;
        Some(caps.get(1)?.as_str().to_string())
    })?;
    TaskId::parse_with_prefix(&number, prefix)
}

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
}

/// Configuration files of the gate and the tools it reads: changing them is not code work.
pub const TOOL_CONFIG_FILES: &[&str] = &[
    ".flowgate.yml",
    ".flowgate-baseline.json",
    "backlog.config.yml",
    "**/flowspec_workflow.yml",
    "**/flowspec_workflow.yaml",
];

/// Which paths are code: `code_paths` minus the built-in and configured non-code paths
/// and the backlog folder.
#[derive(Debug, Clone)]
pub struct CodePaths {
    code: GlobSet,
    non_code: GlobSet,
}

fn glob_set<'a>(globs: impl IntoIterator<Item = &'a str>) -> Result<GlobSet, globset::Error> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        b.add(GlobBuilder::new(g).literal_separator(true).build()?);
    }
    b.build()
}

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
        Ok(CodePaths {
            code: glob_set(commits.code_paths.iter().map(String::as_str))?,
            non_code: glob_set(non_code)?,
        })
    }

    /// True when a change to `path` is a code change.
    pub fn is_code(&self, path: &str) -> bool {
        self.code.is_match(path) && !self.non_code.is_match(path)
    }
}

/// True when `author` (`Name <email>`) matches one of the exempt-author globs (matched
/// against the whole ident, the name and the email, case-insensitively).
pub fn author_exempt(author: &str, globs: &[String]) -> bool {
    let (name, email) = match author.split_once('<') {
        Some((n, e)) => (n.trim(), e.trim_end_matches('>').trim()),
        None => (author.trim(), ""),
    };
    globs.iter().any(|g| {
        let candidates = [author.trim(), name, email];
        let glob = GlobBuilder::new(g)
            .case_insensitive(true)
            .build()
            .map(|g| g.compile_matcher());
        candidates.iter().any(|c| {
            !c.is_empty()
                && (c.eq_ignore_ascii_case(g.trim()) || glob.as_ref().is_ok_and(|m| m.is_match(c)))
        })
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
    /// The tasks of the commit's parent (HEAD in hooks), when there is one: a commit that
    /// finishes a task (moves it from an active status to Done in the same commit that
    /// completes the work) references a task that was active when the work was done.
    pub before: Option<&'a dyn TaskIndex>,
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
    None
}

/// `"A"` or `"A" or "B"`.
fn or_quoted(names: &[String]) -> String {
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => format!("\"{last}\""),
        Some((last, rest)) => format!(
            "{} or \"{last}\"",
            quoted_list(rest.iter().map(String::as_str))
        ),
    }
}

fn describe(f: &TaskFile) -> String {
    let id = f.id().map(TaskId::canonical).unwrap_or_default();
    match (f.title(), f.status()) {
        (Some(t), Some(s)) => format!("{id} \"{t}\" ({s})"),
        (Some(t), None) => format!("{id} \"{t}\""),
        _ => id,
    }
}

/// Every commit finding of one commit.
pub fn check(
    input: &CommitInput<'_>,
    config: &CommitsSection,
    workflow: &Workflow,
    pattern: &Regex,
    code: &CodePaths,
    tasks: &dyn TaskIndex,
) -> Vec<Finding> {
    if exemption(input, config, code).is_some() {
        return Vec::new();
    }
    let mut refs = find_references(input.message, pattern, input.prefix);
    let branch_id = input.branch.and_then(|b| branch_reference(b, input.prefix));
    if refs.is_empty() && config.branch_fallback {
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
                "this commit changes code but references no task",
            ),
            None,
        )
        .help(help)];
    }

    let mut findings = Vec::new();
    let mut inactive = Vec::new();
    let mut any_active = false;
    for r in &refs {
        let from_branch = if r.line == 0 {
            " (from the branch name)"
        } else {
            ""
        };
        let Some(file) = tasks.find(&r.id) else {
            let near: Vec<String> = tasks.nearest(&r.id, 3).iter().map(describe).collect();
            let help = if near.is_empty() {
                "no task has this ID; check the number, or create the task: backlog task create \"Title\"".to_string()
            } else {
                format!("nearest tasks: {}", near.join(", "))
            };
            findings.push(
                locate(
                    Finding::new(
                        &rules::UNKNOWN_TASK_REFERENCE,
                        format!(
                            "{}{from_branch} does not exist in {}",
                            r.id, input.tree_label
                        ),
                    ),
                    Some(r),
                )
                .task(r.id.canonical())
                .help(help),
            );
            continue;
        };
        if file.folder == Folder::Drafts {
            inactive.push((r, file, true));
            continue;
        }
        let is_active = workflow.is_one_of(file.status().unwrap_or_default(), &active);
        if is_active || finishes(input, &r.id, &active, workflow) {
            any_active = true;
        } else {
            inactive.push((r, file, false));
        }
    }
    // A commit may mention finished or drafted tasks besides the one it works on.
    if !any_active {
        for (r, file, draft) in inactive {
            let n = cli_number(&r.id);
            let finding = if draft {
                Finding::new(
                    &rules::DRAFT_REFERENCE,
                    format!("{} is a draft, not a task", r.id),
                )
                .help(format!(
                    "promote it first (backlog draft promote {n}) and reference the task ID it gets"
                ))
            } else {
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
            };
            findings.push(locate(finding, Some(r)).task(r.id.canonical()));
        }
    }
    findings
}

/// True when the referenced task was active in the parent: the commit (which moved it out
/// of the active status, since it is not active now) finishes or pauses the task it worked on.
fn finishes(input: &CommitInput<'_>, id: &TaskId, active: &[String], workflow: &Workflow) -> bool {
    let Some(before) = input.before else {
        return false;
    };
    before
        .find(id)
        .is_some_and(|old| workflow.is_one_of(old.status().unwrap_or_default(), active))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backlog::{BacklogConfig, Spanned, Task};
    use crate::config::WorkflowSection;
    use crate::finding::Position;

    #[test]
    fn comments_and_scissors_are_not_the_message() {
        let text = "Fix login\n# Please enter the message\n\nRefs: TASK-3\n# ------------------------ >8 ------------------------\n+TASK-9 in the diff\n";
        let m = Message::parse(text, '#');
        assert_eq!(m.lines, [(1, "Fix login"), (3, ""), (4, "Refs: TASK-3")]);
        assert!(!m.text.contains("TASK-9"));
        let m = Message::parse(";comment TASK-1\nsubject\n", ';');
        assert_eq!(m.subject(), Some((2, "subject")));
        assert!(Message::parse("# only\n\n", '#').is_empty());
    }

    #[test]
    fn trailer_goes_after_the_message_and_before_comments() {
        assert_eq!(
            add_trailer("Fix login\n", '#', "Refs: TASK-1"),
            "Fix login\n\nRefs: TASK-1\n"
        );
        assert_eq!(
            add_trailer("Fix login", '#', "Refs: TASK-1"),
            "Fix login\n\nRefs: TASK-1\n"
        );
        assert_eq!(
            add_trailer(
                "Fix\n\nbody\n\nSigned-off-by: A <a@x>\n# comment\n",
                '#',
                "Refs: TASK-1"
            ),
            "Fix\n\nbody\n\nSigned-off-by: A <a@x>\nRefs: TASK-1\n# comment\n"
        );
        assert_eq!(
            add_trailer("\n# Please enter\n# ------------------------ >8 ------------------------\ndiff\n", '#', "Refs: TASK-1"),
            "\n\nRefs: TASK-1\n\n# Please enter\n# ------------------------ >8 ------------------------\ndiff\n"
        );
        assert_eq!(
            add_trailer("Subject: with colon\n", '#', "Refs: TASK-1"),
            "Subject: with colon\n\nRefs: TASK-1\n"
        );
    }

    #[test]
    fn references_are_whole_words_case_insensitive() {
        let re = reference_pattern(None, "task").unwrap();
        let m = Message::parse(
            "Fix task-3 and TASK-012.1\n\nsee mytask-9, TASK-3, draft-2\n",
            '#',
        );
        let refs = find_references(&m, &re, "task");
        let ids: Vec<String> = refs.iter().map(|r| r.id.canonical()).collect();
        assert_eq!(ids, ["TASK-3", "TASK-12.1", "DRAFT-2"]);
        assert_eq!((refs[1].line, refs[1].column, refs[1].len), (1, 16, 10));
        let custom = reference_pattern(Some(r"#(\d+)"), "task").unwrap();
        let m = Message::parse("Fix login (#42)\n", '#');
        assert_eq!(
            find_references(&m, &custom, "task")[0].id.canonical(),
            "TASK-42"
        );
    }

    #[test]
    fn branch_names_carry_ids() {
        assert_eq!(
            branch_reference("user/task-605/slug", "task").map(|i| i.canonical()),
            Some("TASK-605".into())
        );
        assert_eq!(
            branch_reference("TASK-12-login", "task").map(|i| i.canonical()),
            Some("TASK-12".into())
        );
        assert_eq!(branch_reference("main", "task"), None);
        assert_eq!(branch_reference("multitask-3", "task"), None);
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
        ] {
            assert!(!code.is_code(p), "{p}");
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
            before: None,
        };
        check(
            &input,
            &config,
            &wf,
            &reference_pattern(None, "task").unwrap(),
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
            "this commit changes code but references no task"
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
        assert!(run("Add logout TASK-2, part of TASK-1\n", &["src/a.rs"], None).is_empty());

        let f = run("Try DRAFT-1\n", &["src/a.rs"], None);
        assert_eq!(f[0].code, "FG304");
        assert_eq!(
            f[0].help.as_deref(),
            Some("promote it first (backlog draft promote 1) and reference the task ID it gets")
        );
    }
}

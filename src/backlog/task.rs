//! A task file: its parsed content and the defects found while parsing it.

use serde_norway::{Mapping, Value};

use super::body::{self, Body};
use super::config::{scalar_string, string_list, untag};
use super::entry::name_id;
use super::frontmatter::{self, KeyIndex, SplitError};
use super::{BacklogLayout, Folder, Spanned, Task, TaskEntry, TaskFile, TaskId};
use crate::codes;
use crate::finding::{Finding, Position};
use crate::source::{join, Content, DirEntry, EntryKind, Source, SourceError, MAX_FILE_SIZE};

/// Parses one task file's bytes. Never fails: defects become [`TaskFile::issues`].
pub fn parse_task_file(entry: TaskEntry, bytes: &[u8], layout: &BacklogLayout) -> TaskFile {
    let mut file = TaskFile {
        tracker: &super::BACKLOG_MD,
        path: entry.path,
        folder: entry.folder,
        name_id: entry.name_id,
        task: None,
        issues: Vec::new(),
    };
    match crate::text::decode(bytes) {
        Ok(text) => parse_text(&mut file, text, layout),
        Err(e) => {
            let finding = Finding::new(
                &codes::UNREADABLE_TASK_FILE,
                format!("this task file cannot be read: {e}"),
            );
            let finding = match e {
                crate::text::DecodeError::NotUtf8 { line, column } => finding
                    .at(&file.path, Position::new(line, column, 1))
                    .help("save the file as UTF-8 text (Backlog.md writes UTF-8)"),
                crate::text::DecodeError::Binary => finding.file(&file.path).help(
                    "task files must be Markdown text; move binary files out of the backlog folder",
                ),
            };
            file.issues.push(finding);
        }
    }
    file
}

/// A task file that could not be read at all (too large, a symlink).
fn unreadable(entry: TaskEntry, why: String, help: &str) -> TaskFile {
    let issue = Finding::new(&codes::UNREADABLE_TASK_FILE, why)
        .file(&entry.path)
        .help(help);
    TaskFile {
        tracker: &super::BACKLOG_MD,
        path: entry.path,
        folder: entry.folder,
        name_id: entry.name_id,
        task: None,
        issues: vec![issue],
    }
}

fn parse_text(file: &mut TaskFile, text: &str, layout: &BacklogLayout) {
    let split = match frontmatter::split(text) {
        Ok(s) => s,
        Err(e) => {
            file.issues.push(split_finding(file, e, layout));
            return;
        }
    };
    let keys = KeyIndex::scan(split.yaml, split.yaml_line);
    let map = match frontmatter::parse_yaml(split.yaml, split.yaml_line) {
        Ok(m) => m,
        Err(e) => {
            let line_text = frontmatter::lines(split.yaml)
                .nth((e.pos.line.saturating_sub(split.yaml_line)) as usize)
                .map_or("", |(_, _, l)| l);
            let help = if let Some(help) = e.help {
                help
            } else if line_text.contains('@') {
                "quote values that start with `@`, e.g. `- '@alice'` or `reporter: '@bob'`"
            } else {
                "fix the YAML on this line; quote values that contain `: `, ` #`, `[`, `{` or start with `@`, `*`, `&`, `!`"
            };
            file.issues.push(
                Finding::new(
                    &codes::UNPARSABLE_FRONTMATTER,
                    format!("the frontmatter is not valid YAML: {}", e.message),
                )
                .at(&file.path, e.pos)
                .help(help),
            );
            return;
        }
    };
    let mut task = Task::default();
    read_frontmatter(file, &mut task, &map, &keys, layout);
    let body = body::parse(split.body, split.body_line);
    apply_body(file, &mut task, body);
    file.task = Some(task);
}

fn split_finding(file: &TaskFile, e: SplitError, layout: &BacklogLayout) -> Finding {
    let f = |msg: &str| Finding::new(&codes::UNPARSABLE_FRONTMATTER, msg);
    match e {
        SplitError::Missing => {
            let id = file
                .name_id
                .as_ref()
                .map_or_else(|| "TASK-1".to_string(), TaskId::canonical);
            let status = first_status(layout);
            f("this task file has no frontmatter (it must start with a `---` line)")
                .at(&file.path, Position::line(1, 0))
                .help(format!(
                    "start the file with a frontmatter block: `---`, `id: {id}`, `title: ...`, `status: {status}`, `---`"
                ))
        }
        SplitError::LeadingBlankLines(line) => f(&format!(
            "the frontmatter starts on line {line}, after blank lines; Backlog.md reads frontmatter only from line 1"
        ))
        .at(&file.path, Position::line(line, 3))
        .help("delete the blank lines before the opening `---`"),
        SplitError::Unterminated => f("the frontmatter opened on line 1 is never closed")
            .at(&file.path, Position::line(1, 3))
            .help("add a line `---` after the last frontmatter key"),
    }
}

fn first_status(layout: &BacklogLayout) -> String {
    layout
        .config
        .default_status
        .clone()
        .or_else(|| layout.config.statuses.first().cloned())
        .unwrap_or_else(|| "To Do".into())
}

fn read_frontmatter(
    file: &mut TaskFile,
    task: &mut Task,
    map: &Mapping,
    keys: &KeyIndex,
    layout: &BacklogLayout,
) {
    // The examples in the help of a finding, made only when there is one.
    let id_hint = |file: &TaskFile| {
        file.name_id
            .as_ref()
            .map_or_else(|| "TASK-1".to_string(), TaskId::canonical)
    };
    let title_hint = |file: &TaskFile| {
        file.path
            .rsplit('/')
            .next()
            .and_then(|n| n.strip_suffix(".md"))
            .and_then(|s| s.split_once(" - "))
            .map_or_else(|| "A short title".to_string(), |(_, t)| t.replace('-', " "))
    };

    task.raw_id = required(file, map, keys, "id", |f| format!("id: {}", id_hint(f)));
    if let Some(raw) = &task.raw_id {
        task.id = TaskId::parse(&raw.value);
        if task.id.is_none() {
            let hint = id_hint(file);
            file.issues.push(
                Finding::new(
                    &codes::MISSING_FIELD,
                    format!("`id` \"{}\" is not a task ID like TASK-12", raw.value),
                )
                .at(&file.path, raw.pos)
                .help(format!("write `id: {hint}`")),
            );
        }
    }
    task.title = required(file, map, keys, "title", |f| {
        format!("title: {}", title_hint(f))
    });
    task.status = required(file, map, keys, "status", |_| {
        format!("status: {}", first_status(layout))
    });

    task.assignee = field(map, "assignee").map(string_list).unwrap_or_default();
    task.labels = field(map, "labels").map(string_list).unwrap_or_default();
    task.workflow_label = task
        .labels
        .iter()
        .enumerate()
        .find(|(_, l)| l.trim_start().starts_with("workflow:"))
        .map(|(i, l)| {
            let pos = keys
                .get("labels")
                .map_or(Position::line(1, 0), |k| k.item(i, l));
            Spanned::new(l.clone(), pos)
        });
    task.dependencies = spanned_list(map, keys, "dependencies");
    task.references = spanned_list(map, keys, "references");
    task.documentation = spanned_list(map, keys, "documentation");
    task.modified_files = spanned_list(map, keys, "modified_files");
    task.spec = spanned_list(map, keys, "spec");
    task.spec.extend(spanned_list(map, keys, "specs"));
    if let Some(Value::Mapping(reviewed)) = field(map, "spec_reviewed").map(untag) {
        task.spec_reviewed = reviewed
            .iter()
            .filter_map(|(k, v)| Some((scalar_string(k)?, scalar_string(v)?)))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
    }
    task.parent = spanned_scalar(map, keys, "parent_task_id");
    task.subtasks = spanned_list(map, keys, "subtasks");
    task.milestone = spanned_scalar(map, keys, "milestone");
    task.task_type = spanned_scalar(map, keys, "type");
    task.priority = spanned_scalar(map, keys, "priority");
}

/// The value of `key` in `map`, as [`Mapping::get`] finds it: the entries are few, and
/// comparing their keys costs less than hashing the one looked up.
fn field<'m>(map: &'m Mapping, key: &str) -> Option<&'m Value> {
    map.iter()
        .find(|(k, _)| matches!(k, Value::String(s) if s == key))
        .map(|(_, v)| v)
}

/// `s` without leading and trailing whitespace, copied only when there is some.
fn trimmed(s: String) -> String {
    match s.trim() {
        t if t.len() == s.len() => s,
        t => t.to_string(),
    }
}

/// An optional scalar key, trimmed; `None` when absent, empty or not a scalar.
fn spanned_scalar(map: &Mapping, keys: &KeyIndex, key: &str) -> Option<Spanned<String>> {
    field(map, key)
        .and_then(scalar_string)
        .map(trimmed)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let pos = keys
                .get(key)
                .map_or(Position::line(1, 0), |l| l.item(0, &s));
            Spanned::new(s, pos)
        })
}

/// A required scalar key: reports FG102 when it is missing, empty or not a scalar.
fn required(
    file: &mut TaskFile,
    map: &Mapping,
    keys: &KeyIndex,
    key: &str,
    example: impl FnOnce(&TaskFile) -> String,
) -> Option<Spanned<String>> {
    let loc = keys.get(key);
    let pos = loc.map_or(Position::line(1, 3), |l| {
        if l.value.len > 0 {
            l.value
        } else {
            l.key
        }
    });
    let problem = match field(map, key).map(untag) {
        None => format!("the frontmatter has no `{key}`"),
        Some(Value::Sequence(_)) | Some(Value::Mapping(_)) => {
            format!("`{key}` must be a single value, not a list or a mapping")
        }
        Some(v) => match scalar_string(v) {
            Some(s) if !s.trim().is_empty() => {
                return Some(Spanned::new(trimmed(s), pos));
            }
            _ => format!("`{key}` is empty"),
        },
    };
    let example = example(file);
    let help = if loc.is_some() {
        format!("write `{example}`")
    } else {
        format!("add `{example}` to the frontmatter")
    };
    file.issues.push(
        Finding::new(&codes::MISSING_FIELD, problem)
            .at(&file.path, pos)
            .help(help),
    );
    None
}

fn spanned_list(map: &Mapping, keys: &KeyIndex, key: &str) -> Vec<Spanned<String>> {
    let Some(value) = field(map, key) else {
        return Vec::new();
    };
    let loc = keys.get(key);
    string_list(value)
        .into_iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let s = trimmed(s);
            if s.is_empty() {
                return None;
            }
            let pos = loc.map_or(Position::line(1, 0), |l| l.item(i, &s));
            Some(Spanned::new(s, pos))
        })
        .collect()
}

fn apply_body(file: &mut TaskFile, task: &mut Task, body: Body) {
    for issue in body.marker_issues {
        file.issues.push(
            Finding::new(
                if issue.harmless {
                    &codes::STRAY_END_MARKER
                } else {
                    &codes::UNBALANCED_MARKERS
                },
                issue.message,
            )
            .at(&file.path, issue.pos)
            .help(issue.help),
        );
    }
    task.acceptance = body.acceptance;
    task.definition_of_done = body.definition_of_done;
    task.description = body.description;
    task.plan = body.plan;
    task.implementation_notes = body.implementation_notes;
    task.final_summary = body.final_summary;
    task.body_links = body.links;
}

/// True when `name` is `<prefix>-*.md`, the prefix compared case-insensitively.
fn matches_prefix(name: &str, prefix: &str) -> bool {
    let b = name.as_bytes();
    let p = prefix.len();
    name.ends_with(".md")
        && b.len() > p + 4
        && b[..p].eq_ignore_ascii_case(prefix.as_bytes())
        && b[p] == b'-'
}

/// The prefix of the files of `folder`: `draft` in drafts, the configured task prefix
/// elsewhere.
fn folder_prefix(folder: Folder, layout: &BacklogLayout) -> &str {
    match folder {
        Folder::Drafts => "draft",
        _ => layout.config.task_prefix.as_str(),
    }
}

/// The entry [`list`] gives `entry` of the folder `folder` at `dir`, if it is a task file.
fn listed(folder: Folder, dir: &str, entry: &DirEntry, prefix: &str) -> Option<TaskEntry> {
    if !matches!(
        entry.kind,
        EntryKind::File | EntryKind::Symlink | EntryKind::UndecodableName
    ) || !matches_prefix(&entry.name, prefix)
    {
        return None;
    }
    Some(TaskEntry {
        name_id: name_id(&entry.name),
        path: join(dir, &entry.name),
        folder,
        undecodable_name: entry.kind == EntryKind::UndecodableName,
    })
}

/// Lists task files (see [`super::list_task_files`]).
pub(crate) fn list(
    source: &dyn Source,
    layout: &BacklogLayout,
) -> Result<Vec<TaskEntry>, SourceError> {
    let mut out = Vec::new();
    for (folder, dir) in Folder::ALL {
        let prefix = folder_prefix(folder, layout);
        let path = join(&layout.root, dir);
        let listing = source.list_dir(&path)?;
        out.reserve(listing.len());
        out.extend(
            listing
                .iter()
                .filter_map(|entry| listed(folder, &path, entry, prefix)),
        );
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// The entry [`list`] gives the repo-relative `path`, found without listing its folder;
/// `None` when `path` is not a task or draft file of the backlog.
pub(crate) fn listed_at(
    source: &dyn Source,
    layout: &BacklogLayout,
    path: &str,
) -> Result<Option<TaskEntry>, SourceError> {
    let Some((dir, name)) = path.rsplit_once('/') else {
        return Ok(None);
    };
    let Some((folder, _)) = Folder::ALL
        .into_iter()
        .find(|(_, d)| join(&layout.root, d) == dir)
    else {
        return Ok(None);
    };
    let prefix = folder_prefix(folder, layout);
    Ok(source
        .list_prefix(dir, name)?
        .iter()
        .filter(|e| e.name == name)
        .find_map(|e| listed(folder, dir, e, prefix)))
}

/// Letters of an ID prefix up to which [`list_named`] tries every spelling of it.
const MAX_CASED_LETTERS: u32 = 6;

/// The entries [`list`] gives whose names carry `id`, in path order, found by prefix
/// searches of each folder (every upper/lower-case spelling of the prefix, the number as
/// written or zero-padded) instead of a listing of every task: `task-1` finds
/// `task-1 - A.md`, `TASK-1.md` and `task-001 - B.md`, not `task-10` nor `task-1.2`.
/// `None` when the prefix has too many letters to try every spelling.
pub(crate) fn list_named(
    source: &dyn Source,
    layout: &BacklogLayout,
    id: &TaskId,
) -> Result<Option<Vec<TaskEntry>>, SourceError> {
    let Some(first) = id.parts().first() else {
        return Ok(Some(Vec::new()));
    };
    let Some(spellings) = spellings(id.prefix()) else {
        return Ok(None);
    };
    // A name's ID starts with its first number as written, or with `0` when padded.
    let mut numbers = vec![first.to_string(), "0".to_string()];
    numbers.dedup();
    let mut out = Vec::new();
    for (folder, dir) in Folder::ALL {
        let prefix = folder_prefix(folder, layout);
        let path = join(&layout.root, dir);
        for spelling in &spellings {
            for number in &numbers {
                let start = format!("{spelling}-{number}");
                for entry in source.list_prefix(&path, &start)? {
                    if let Some(e) = listed(folder, &path, &entry, prefix) {
                        if e.name_id.as_ref() == Some(id) {
                            out.push(e);
                        }
                    }
                }
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out.dedup_by(|a, b| a.path == b.path);
    Ok(Some(out))
}

/// Every upper/lower-case spelling of `prefix`; `None` over [`MAX_CASED_LETTERS`] letters.
fn spellings(prefix: &str) -> Option<Vec<String>> {
    let letters = prefix.bytes().filter(u8::is_ascii_alphabetic).count();
    let letters = u32::try_from(letters).ok()?;
    if letters > MAX_CASED_LETTERS {
        return None;
    }
    let out = (0..1u32 << letters)
        .map(|mask| {
            let mut bit = 0;
            prefix
                .chars()
                .map(|c| {
                    if !c.is_ascii_alphabetic() {
                        return c;
                    }
                    bit += 1;
                    if mask & (1 << (bit - 1)) == 0 {
                        c.to_ascii_lowercase()
                    } else {
                        c.to_ascii_uppercase()
                    }
                })
                .collect()
        })
        .collect();
    Some(out)
}

/// Below this many files, parsing on one thread is faster than spawning.
const PARALLEL_MIN: usize = 64;

/// Reads and parses every listed file (in parallel where it pays).
pub(crate) fn read_all(
    source: &dyn Source,
    layout: &BacklogLayout,
    entries: Vec<TaskEntry>,
) -> Result<Vec<TaskFile>, SourceError> {
    let (undecodable, entries): (Vec<TaskEntry>, Vec<TaskEntry>) =
        entries.into_iter().partition(|e| e.undecodable_name);
    let paths = entries.iter().map(|e| e.path.clone()).collect();
    let contents = source.read_many(paths, MAX_FILE_SIZE);
    let mut read = Vec::with_capacity(entries.len());
    for (entry, content) in entries.into_iter().zip(contents) {
        read.push((entry, content?));
    }
    let parsed = crate::parallel::map(read, PARALLEL_MIN, |(e, c)| parse_content(e, c, layout));
    // At its full size at once: a parsed task file is large, and growing the vector
    // copies every one of them again.
    let mut files = Vec::with_capacity(parsed.len() + undecodable.len());
    let named_badly = !undecodable.is_empty();
    files.extend(undecodable.into_iter().map(|e| {
        unreadable(
            e,
            "this task file's name is not valid UTF-8 (the bad bytes are shown as \\xNN); tools cannot refer to it by name".into(),
            "rename the file to a UTF-8 name, e.g. `git mv` it to `task-N - Title.md`",
        )
    }));
    files.extend(parsed.into_iter().flatten());
    if named_badly {
        files.sort_by(|a, b| a.path.cmp(&b.path));
    }
    Ok(files)
}

fn parse_content(entry: TaskEntry, content: Content, layout: &BacklogLayout) -> Option<TaskFile> {
    match content {
        Content::Bytes(bytes) => Some(parse_task_file(entry, &bytes, layout)),
        Content::TooLarge(size) => Some(unreadable(
            entry,
            format!("this task file is {size} bytes, over the {MAX_FILE_SIZE}-byte limit"),
            "split the task into smaller tasks, or move the large content out of the backlog",
        )),
        Content::Symlink => Some(unreadable(
            entry,
            "this task file is a symbolic link; flowgate does not follow links".into(),
            "replace the link with the task file itself",
        )),
        Content::Missing | Content::NotAFile => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backlog::BacklogConfig;
    use crate::source::MemorySource;

    fn layout() -> BacklogLayout {
        BacklogLayout::with_defaults("backlog")
    }

    fn parse(name: &str, text: impl AsRef<[u8]>) -> TaskFile {
        let path = format!("backlog/tasks/{name}");
        let entry = TaskEntry {
            name_id: name_id(name),
            path,
            folder: Folder::Tasks,
            undecodable_name: false,
        };
        parse_task_file(entry, text.as_ref(), &layout())
    }

    fn codes(f: &TaskFile) -> Vec<(&str, Option<u32>)> {
        f.issues.iter().map(|i| (i.code, i.line)).collect()
    }

    const GOOD: &str = "---\nid: TASK-1\ntitle: Set up gate\nstatus: In Progress\nassignee:\n  - '@alice'\ncreated_date: '2026-11-26 05:17'\nlabels:\n  - infra\ndependencies: [TASK-2]\nparent_task_id: TASK-9\nspec: specs/001-a/spec.md#fr-001\ndocumentation:\n  - docs/a.md\n---\n\n## Acceptance Criteria\n<!-- AC:BEGIN -->\n- [x] #1 Hook installs\n<!-- AC:END -->\n";

    #[test]
    fn field_finds_what_mapping_get_finds() {
        let map: Mapping =
            serde_norway::from_str("id: a\n12: b\n!!str title: c\n'status': d\nempty:\n").unwrap();
        for key in ["id", "12", "title", "status", "empty", "nope", ""] {
            assert_eq!(field(&map, key), map.get(key), "{key}");
        }
    }

    #[test]
    fn reads_a_backlog_md_file() {
        let f = parse("task-1 - Set-up-gate.md", GOOD);
        assert_eq!(codes(&f), []);
        let t = f.task.as_ref().unwrap();
        assert_eq!(t.id, TaskId::parse("TASK-1"));
        assert_eq!(f.status(), Some("In Progress"));
        assert_eq!(t.status.as_ref().unwrap().pos, Position::new(4, 9, 11));
        assert_eq!(t.assignee, ["@alice"]);
        assert_eq!(t.labels, ["infra"]);
        assert_eq!(t.dependencies[0].value, "TASK-2");
        assert_eq!(t.dependencies[0].pos, Position::new(10, 16, 6));
        assert_eq!(t.parent.as_ref().unwrap().pos, Position::new(11, 17, 6));
        assert_eq!(t.spec[0].value, "specs/001-a/spec.md#fr-001");
        assert_eq!(t.documentation[0].pos, Position::new(14, 5, 9));
        assert_eq!(t.acceptance.len(), 1);
        assert_eq!(t.acceptance[0].pos.line, 19);
    }

    #[test]
    fn crlf_and_bom() {
        let text = format!("\u{feff}{}", GOOD.replace('\n', "\r\n"));
        let f = parse("task-1 - Set-up-gate.md", text);
        assert_eq!(codes(&f), []);
        let t = f.task.unwrap();
        assert_eq!(t.title.unwrap().value, "Set up gate");
        assert_eq!(t.acceptance[0].text, "Hook installs");
    }

    #[test]
    fn lenient_values() {
        let f = parse(
            "task-3 - X.md",
            "---\nid: task-3\ntitle: 2024\nstatus: To Do\nassignee: @alice\nreporter: @bob\nlabels: foo\ncreated_date: 2024-01-02\nupdated_date: '2024-01-03 10:00'\nspecs: [a.md, b.md]\nextra: {nested: true}\n---\n",
        );
        assert_eq!(codes(&f), []);
        let t = f.task.unwrap();
        assert_eq!(t.id, TaskId::parse("TASK-3"));
        assert_eq!(t.title.unwrap().value, "2024");
        assert_eq!(t.assignee, ["@alice"]);
        assert_eq!(t.labels, ["foo"]);
        assert_eq!(t.spec.len(), 2);
        assert_eq!(t.spec[1].pos, Position::new(10, 15, 4));
    }

    #[test]
    fn uppercase_id_with_lowercase_file_name_and_subtasks() {
        let f = parse(
            "task-12.01 - Sub.md",
            "---\nid: TASK-12.1\ntitle: Sub\nstatus: To Do\n---\n",
        );
        assert_eq!(f.name_id, TaskId::parse("TASK-12.1"));
        assert_eq!(f.id(), TaskId::parse("task-012.1").as_ref());
        assert_eq!(codes(&f), []);
    }

    #[test]
    fn missing_and_wrong_fields_are_located() {
        let f = parse(
            "task-4 - X.md",
            "---\nid: nope\ntitle:\nstatus: [To Do, Done]\n---\n",
        );
        let issues: Vec<_> = f
            .issues
            .iter()
            .map(|i| (i.code, i.line, i.message.as_str()))
            .collect();
        assert_eq!(
            issues,
            [
                (
                    "FG102",
                    Some(2),
                    "`id` \"nope\" is not a task ID like TASK-12"
                ),
                ("FG102", Some(3), "`title` is empty"),
                (
                    "FG102",
                    Some(4),
                    "`status` must be a single value, not a list or a mapping"
                ),
            ]
        );
        assert_eq!(f.issues[0].help.as_deref(), Some("write `id: TASK-4`"));
        let f = parse("task-5 - X.md", "---\nid: TASK-5\ntitle: X\n---\n");
        assert_eq!(f.issues[0].message, "the frontmatter has no `status`");
        assert_eq!(
            f.issues[0].help.as_deref(),
            Some("add `status: To Do` to the frontmatter")
        );
    }

    #[test]
    fn frontmatter_problems_are_fg101() {
        let f = parse("task-6 - X.md", "# Just a heading\n");
        assert_eq!(codes(&f), [("FG101", Some(1))]);
        assert!(f.task.is_none());
        let f = parse("task-6 - X.md", "---\nid: TASK-6\ntitle: X\n");
        assert_eq!(codes(&f), [("FG101", Some(1))]);
        let f = parse("task-6 - X.md", "\n\n---\nid: TASK-6\n---\n");
        assert_eq!(codes(&f), [("FG101", Some(3))]);
        let f = parse(
            "task-6 - X.md",
            "---\nid: TASK-6\ntitle: X\nstatus: To Do\nassignee:\n  - @carol\n---\n",
        );
        assert_eq!(codes(&f), [("FG101", Some(6))]);
        assert!(f.issues[0].help.as_deref().unwrap().contains("'@alice'"));
    }

    #[test]
    fn unreadable_bytes_are_fg100() {
        let f = parse("task-7 - X.md", b"---\nid: TASK-7\ntitle: \xff\n---\n");
        assert_eq!(codes(&f), [("FG100", Some(3))]);
        let f = parse("task-7 - X.md", b"---\0\n");
        assert_eq!(codes(&f), [("FG100", None)]);
        let big = unreadable(
            TaskEntry {
                path: "backlog/tasks/task-8.md".into(),
                folder: Folder::Tasks,
                name_id: None,
                undecodable_name: false,
            },
            "too big".into(),
            "x",
        );
        assert_eq!(big.issues[0].code, "FG100");
    }

    #[test]
    fn unbalanced_markers_are_fg110() {
        let f = parse(
            "task-9 - X.md",
            "---\nid: TASK-9\ntitle: X\nstatus: To Do\n---\n\n<!-- AC:BEGIN -->\n- [ ] #1 a\n",
        );
        assert_eq!(codes(&f), [("FG110", Some(7))]);
        assert_eq!(f.task.unwrap().acceptance.len(), 1);
    }

    #[test]
    fn listing_matches_prefixes_without_reading() {
        let src = MemorySource::new()
            .with("backlog/config.yml", "task_prefix: feat\n")
            .with("backlog/tasks/feat-001 - Padded.md", "")
            .with("backlog/tasks/FEAT-7 - Upper.md", "")
            .with("backlog/tasks/task-1 - Other prefix.md", "")
            .with("backlog/tasks/readme.md", "")
            .with("backlog/tasks/feat-2 - Not md.txt", "")
            .with("backlog/tasks/sub/feat-3 - Nested.md", "")
            .with("backlog/completed/feat-4 - Done.md", "")
            .with("backlog/archive/tasks/feat-5.md", "")
            .with("backlog/drafts/draft-1 - Idea.md", "")
            .with("backlog/decisions/feat-6 - Decision.md", "")
            .with("backlog/docs/feat-8.md", "");
        let mut layout = layout();
        layout.config = BacklogConfig {
            task_prefix: "feat".into(),
            ..BacklogConfig::default()
        };
        let entries = list(&src, &layout).unwrap();
        let got: Vec<_> = entries
            .iter()
            .map(|e| {
                (
                    e.path.as_str(),
                    e.folder,
                    e.name_id.as_ref().map(TaskId::canonical),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "backlog/archive/tasks/feat-5.md",
                    Folder::Archive,
                    Some("FEAT-5".into())
                ),
                (
                    "backlog/completed/feat-4 - Done.md",
                    Folder::Completed,
                    Some("FEAT-4".into())
                ),
                (
                    "backlog/drafts/draft-1 - Idea.md",
                    Folder::Drafts,
                    Some("DRAFT-1".into())
                ),
                (
                    "backlog/tasks/FEAT-7 - Upper.md",
                    Folder::Tasks,
                    Some("FEAT-7".into())
                ),
                (
                    "backlog/tasks/feat-001 - Padded.md",
                    Folder::Tasks,
                    Some("FEAT-1".into())
                ),
            ]
        );
    }

    #[test]
    fn load_reads_in_parallel_and_keeps_order() {
        let mut src = MemorySource::new();
        for i in 1..=300 {
            src.insert(
                &format!("backlog/tasks/task-{i} - T.md"),
                format!("---\nid: TASK-{i}\ntitle: T{i}\nstatus: To Do\n---\n"),
            );
        }
        src.insert("backlog/tasks/task-301 - Bad.md", "no frontmatter");
        let backlog = crate::backlog::load(&src, None).unwrap().unwrap();
        assert_eq!(backlog.files.len(), 301);
        assert!(backlog.files.windows(2).all(|w| w[0].path < w[1].path));
        assert_eq!(
            backlog
                .files
                .iter()
                .filter(|f| !f.issues.is_empty())
                .count(),
            1
        );
        let id = TaskId::parse("TASK-150").unwrap();
        assert_eq!(
            backlog.find(&id).next().and_then(TaskFile::title),
            Some("T150")
        );
    }

    /// The files of a backlog whose names look alike: a longer number, subtasks, case,
    /// padding, every folder, drafts, names without an ID.
    fn alike() -> MemorySource {
        let mut source = MemorySource::new();
        for path in [
            "backlog/tasks/task-1 - One.md",
            "backlog/tasks/task-10 - Ten.md",
            "backlog/tasks/task-1.2 - Sub.md",
            "backlog/tasks/task-12.md",
            "backlog/tasks/TASK-1 - Upper.md",
            "backlog/tasks/Task-1 - Mixed.md",
            "backlog/tasks/task-001 - Padded.md",
            "backlog/tasks/task-0010 - Padded ten.md",
            "backlog/tasks/task-1-no-separator.md",
            "backlog/tasks/task-1 - Not markdown.txt",
            "backlog/tasks/readme.md",
            "backlog/completed/task-1 - Done.md",
            "backlog/completed/task-11 - Eleven.md",
            "backlog/archive/tasks/task-1.md",
            "backlog/archive/tasks/task-2 - Two.md",
            "backlog/drafts/draft-1 - Idea.md",
            "backlog/drafts/task-1 - Misplaced.md",
            "backlog/docs/task-1 - Doc.md",
        ] {
            source = source.with(path, "---\nid: x\n---\n");
        }
        source
    }

    #[test]
    fn list_named_finds_by_prefix_what_the_listing_gives() {
        let source = alike();
        let layout = layout();
        let id = |s: &str| TaskId::parse(s).unwrap();
        let paths = |id: &TaskId| -> Vec<String> {
            list_named(&source, &layout, id)
                .unwrap()
                .unwrap()
                .into_iter()
                .map(|e| e.path)
                .collect()
        };
        assert_eq!(
            paths(&id("TASK-1")),
            [
                "backlog/archive/tasks/task-1.md",
                "backlog/completed/task-1 - Done.md",
                "backlog/tasks/TASK-1 - Upper.md",
                "backlog/tasks/Task-1 - Mixed.md",
                "backlog/tasks/task-001 - Padded.md",
                "backlog/tasks/task-1 - One.md",
            ]
        );
        assert_eq!(
            paths(&id("task-10")),
            [
                "backlog/tasks/task-0010 - Padded ten.md",
                "backlog/tasks/task-10 - Ten.md"
            ]
        );
        assert_eq!(paths(&id("task-1.2")), ["backlog/tasks/task-1.2 - Sub.md"]);
        assert_eq!(paths(&id("DRAFT-1")), ["backlog/drafts/draft-1 - Idea.md"]);
        assert!(paths(&id("task-3")).is_empty());
        assert!(paths(&id("other-1")).is_empty());
        // Every ID the listing gives is found by prefix, with the same entries.
        let listing = list(&source, &layout).unwrap();
        for wanted in listing.iter().filter_map(|e| e.name_id.as_ref()) {
            let expected: Vec<&TaskEntry> = listing
                .iter()
                .filter(|e| e.name_id.as_ref() == Some(wanted))
                .collect();
            let found = list_named(&source, &layout, wanted).unwrap().unwrap();
            assert_eq!(found.iter().collect::<Vec<_>>(), expected, "{wanted:?}");
        }
        // A prefix with too many letters to try every spelling: the caller lists all.
        assert_eq!(
            list_named(&source, &layout, &id("verylongprefix-1")).unwrap(),
            None
        );
    }

    #[test]
    fn listed_at_gives_the_listing_entry_of_one_path() {
        let source = alike();
        let layout = layout();
        let listing = list(&source, &layout).unwrap();
        for entry in &listing {
            assert_eq!(
                listed_at(&source, &layout, &entry.path).unwrap().as_ref(),
                Some(entry)
            );
        }
        for not_listed in [
            "backlog/tasks/readme.md",
            "backlog/tasks/task-1 - Not markdown.txt",
            "backlog/docs/task-1 - Doc.md",
            "backlog/drafts/task-1 - Misplaced.md",
            "backlog/tasks/task-404 - Missing.md",
            "task-1 - Root.md",
        ] {
            assert_eq!(listed_at(&source, &layout, not_listed).unwrap(), None);
        }
    }
}

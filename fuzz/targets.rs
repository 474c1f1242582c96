//! The bodies of the fuzz targets, shared by the cargo-fuzz binaries (`fuzz_targets/`) and
//! by the seed-corpus test of the main suite (`tests/fuzz_seeds.rs`), so that both run
//! exactly the same code. Each function must never panic on any input; the assertions in
//! them are properties that must hold for every input.

#![allow(dead_code)]

use flowgate::backlog::frontmatter::{fast_parse, parse_yaml, preprocess, split, KeyIndex};
use flowgate::backlog::{parse_task_file, BacklogLayout, Folder, TaskEntry, TaskId};
use flowgate::message::{add_trailer, branch_reference, Message, ReferenceFinder};
use flowgate::spec::{markdown, parse_spec_file, parse_spec_file_with, IdPatterns};
use serde_norway::Value;
use std::sync::OnceLock;

/// The names of the targets, as the seed folders are named.
pub const TARGETS: &[&str] = &[
    "task_file",
    "task_body",
    "frontmatter",
    "spec_markdown",
    "commit_message",
    "config",
    "backlog_config",
];

/// Runs the target named `name` on `data`. Text targets skip bytes that are not UTF-8
/// (as cargo-fuzz does for `&str` inputs). Returns false for an unknown name.
pub fn run(name: &str, data: &[u8]) -> bool {
    let text = std::str::from_utf8(data).ok();
    match name {
        "task_file" => task_file(data),
        "spec_markdown" => spec_markdown(data),
        "task_body" => text.into_iter().for_each(task_body),
        "frontmatter" => text.into_iter().for_each(frontmatter),
        "commit_message" => text.into_iter().for_each(commit_message),
        "config" => text.into_iter().for_each(config),
        "backlog_config" => text.into_iter().for_each(backlog_config),
        _ => return false,
    }
    true
}

/// A whole task file (frontmatter + body) from arbitrary bytes, as a task and as a draft.
pub fn task_file(data: &[u8]) {
    let layout = BacklogLayout::with_defaults("backlog");
    for (path, folder) in [
        ("backlog/tasks/task-1 - x.md", Folder::Tasks),
        ("backlog/drafts/draft-1 - x.md", Folder::Drafts),
    ] {
        let entry = TaskEntry {
            path: path.to_string(),
            folder,
            name_id: TaskId::parse("task-1"),
            undecodable_name: false,
        };
        let file = parse_task_file(entry, data, &layout);
        let _ = (file.id(), file.status(), file.title());
    }
}

/// The task body parser (section markers, acceptance criteria, checklists, links).
pub fn task_body(text: &str) {
    // Line numbers are u32 and files over 4 MiB are never parsed, so a realistic first
    // line (after a frontmatter block) is small.
    let _ = flowgate::backlog::body::parse(text, 1);
    let _ = flowgate::backlog::body::parse(text, 40);
}

/// Frontmatter: the split into YAML and body, the key scanner and the YAML parser. Also
/// differential: when the fast subset parser accepts a block, the full YAML parser must
/// read the same mapping from it (the fast path promises identical results).
pub fn frontmatter(text: &str) {
    if let Ok(s) = split(text) {
        let _ = KeyIndex::scan(s.yaml, s.yaml_line);
        let _ = parse_yaml(s.yaml, s.yaml_line);
    }
    let _ = KeyIndex::scan(text, 1);
    if let Some(fast) = fast_parse(text) {
        let full = match serde_norway::from_str::<Value>(&preprocess(text)) {
            Ok(Value::Mapping(m)) => m,
            Ok(Value::Null) => serde_norway::Mapping::new(),
            other => panic!("the fast parser accepted {text:?}, which YAML reads as {other:?}"),
        };
        assert_eq!(fast, full, "fast and full YAML parsers differ on {text:?}");
    }
}

/// The spec markdown parser on each kind of spec file; a first line `re:PATTERN` also
/// adds PATTERN as an extra `specs.id_patterns` regex.
pub fn spec_markdown(data: &[u8]) {
    for path in [
        "specs/001-x/spec.md",
        "specs/001-x/tasks.md",
        "specs/001-x/plan.md",
        "docs/prd.md",
    ] {
        let _ = parse_spec_file(path, data);
    }
    // Differential: the line scanner, where it reads a document, finds what pulldown-cmark
    // finds.
    if let Ok(text) = flowgate::text::decode(data) {
        let patterns = IdPatterns::builtin();
        assert_eq!(
            markdown::parse(text, patterns, true),
            markdown::parse_by_pulldown(text, patterns, true),
            "the line scanner and pulldown-cmark differ on {text:?}"
        );
    }
    // Compiling patterns costs far more than parsing, so only inputs that ask for it
    // (first line `re:PATTERN`) pay for it.
    if let Some(pattern) = std::str::from_utf8(data)
        .ok()
        .and_then(|t| t.split_once('\n'))
        .and_then(|(first, _)| first.strip_prefix("re:"))
    {
        let patterns = IdPatterns::new(&[pattern.to_string()]);
        let file = parse_spec_file_with("specs/001-x/tasks.md", data, &patterns);
        let _ = file.find_fragment("x");
    }
}

/// The commit-message reader: comments, scissors, task references, branch names, and the
/// `Refs:` trailer that prepare-commit-msg adds (it must be read back as a reference).
pub fn commit_message(text: &str) {
    static FINDER: OnceLock<Option<ReferenceFinder>> = OnceLock::new();
    let Some(finder) = FINDER.get_or_init(|| ReferenceFinder::new(None, "task").ok()) else {
        return;
    };
    for comment in ['#', ';'] {
        let message = Message::parse(text, comment);
        let _ = (message.subject(), message.is_empty());
        let _ = finder.find(&message);
        let added = add_trailer(text, comment, "Refs: TASK-1");
        let again = Message::parse(&added, comment);
        let refs = finder.find(&again);
        assert!(
            refs.iter().any(|r| r.id.canonical() == "TASK-1"),
            "the added trailer is not read back from {added:?}"
        );
    }
    let _ = branch_reference(text, "task");
}

/// The `.flowgate.yml` loader (strict YAML, then rules, regexes and globs validated).
pub fn config(text: &str) {
    if let Err(e) = flowgate::config::Config::parse(".flowgate.yml", text) {
        let _ = e.to_string();
    }
}

/// Backlog.md's `config.yml` reader.
pub fn backlog_config(text: &str) {
    let _ = flowgate::backlog::config::parse(text);
}

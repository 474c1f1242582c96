//! Task-file rules on the fields Backlog.md validates when its CLI writes them, and a hand
//! edit can still get wrong: a `milestone` that names no milestone file (FG113), a `type`
//! or `priority` outside the configured lists (FG114, FG115), a `modified_files` entry
//! that is not in the tree (FG117).
//!
//! Each is a function of one task file and the backlog's config and milestone files, which
//! a focused snapshot holds in full: the pre-commit hook finds what a whole check finds.

use crate::backlog::config::{DEFAULT_PRIORITIES, DEFAULT_TYPES};
use crate::backlog::{Backlog, BacklogConfig, BacklogLayout, Folder, Milestone, Spanned, TaskFile};
use crate::finding::Finding;
use crate::rules;
use crate::snapshot::Snapshot;
use crate::workflow::quoted_list;

/// Files on which this family's rules fire, for the focus-contract test of `snapshot.rs`
/// (every tree rule must fire on a task file of some fixture, and give a focused snapshot
/// what it gives the whole): `(path, content)`, added to a small backlog there. A new rule
/// of this family that fires in no fixture gets its case here, next to its check.
#[cfg(test)]
pub(crate) const FOCUS_CASES: &[(&str, &str)] = &[
    ("src/kept.rs", "fn kept() {}\n"),
    (
        "backlog/tasks/task-7 - Modified.md",
        "---\nid: TASK-7\ntitle: Task TASK-7\nstatus: In Progress\nmodified_files: [src/kept.rs, src/gone.rs]\n---\n\n## Description\n\nx\n",
    ),
];

/// The findings of this module on one file.
pub fn check_file(file: &TaskFile, backlog: &Backlog, out: &mut Vec<Finding>) {
    let Some(task) = &file.task else { return };
    // Archived tasks and drafts are out of the board (and `backlog task edit` does not
    // edit drafts): Backlog.md keeps them as they were.
    if matches!(file.folder, Folder::Archive | Folder::Drafts) {
        return;
    }
    let mut push = |finding: Finding| {
        out.push(match file.id() {
            Some(id) => finding.task(id.canonical()),
            None => finding,
        });
    };
    // The CLI number and the allowed lists only go into a finding's text: the common case
    // (nothing wrong) builds neither.
    if let Some(milestone) = &task.milestone {
        if !backlog
            .milestones
            .iter()
            .any(|m| m.is_named_by(&milestone.value))
        {
            push(unknown_milestone(
                file,
                milestone,
                &backlog.milestones,
                &cli_number(file),
            ));
        }
    }
    let layout = &backlog.layout;
    let config = &layout.config;
    let listed = [
        (&task.task_type, &config.types, &DEFAULT_TYPES[..], &TYPE),
        (
            &task.priority,
            &config.priorities,
            &DEFAULT_PRIORITIES[..],
            &PRIORITY,
        ),
    ];
    for (value, configured, default, field) in listed {
        let Some(value) = value else { continue };
        if !is_allowed(configured, default, &value.value) {
            let allowed = (field.allowed)(config);
            push(unconfigured(
                file,
                value,
                &allowed,
                layout,
                &cli_number(file),
                field,
            ));
        }
    }
}

/// The task's number as the CLI takes it (`N` for a file without an ID).
fn cli_number(file: &TaskFile) -> String {
    file.id()
        .map_or_else(|| "N".to_string(), crate::backlog::cli_number)
}

/// Whether `value` is one of the configured values (`configured`, trimmed, without
/// empty entries; `default` when none is left), as [`unconfigured`] decides it from
/// `allowed_types` / `allowed_priorities`, without building the list.
fn is_allowed(configured: &[String], default: &[&str], value: &str) -> bool {
    let mut listed = configured
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .peekable();
    if listed.peek().is_none() {
        return default.iter().any(|a| same_normalised(a, value));
    }
    listed.any(|a| same_normalised(a, value))
}

/// FG117: each `modified_files` entry of a task in play names a path of the tree. A
/// finished task's list is history and is not judged (see
/// [`crate::snapshot::modified_files_in_play`]).
pub fn modified_files(file: &TaskFile, snapshot: &Snapshot, out: &mut Vec<Finding>) {
    let Some(task) = &file.task else { return };
    if task.modified_files.is_empty()
        || !crate::snapshot::modified_files_in_play(file, &snapshot.workflow)
    {
        return;
    }
    let number = cli_number(file);
    for entry in &task.modified_files {
        let (message, fix) = match crate::snapshot::modified_file_path(&entry.value) {
            None => (
                format!(
                    "`modified_files` lists \"{}\", which is not a path in the repository",
                    entry.value
                ),
                "write it from the repository root (`src/login.rs`), not as an absolute path, a URL or above the root".to_string(),
            ),
            Some(p) if snapshot.present_modified_files.contains(&p) => continue,
            Some(p) => (
                format!("`modified_files` lists {p}, which is not in the tree"),
                "correct the path (from the repository root, as it is now), or leave it out if the task deleted it".to_string(),
            ),
        };
        let others: Vec<String> = task
            .modified_files
            .iter()
            .filter_map(|e| crate::snapshot::modified_file_path(&e.value))
            .filter(|p| snapshot.present_modified_files.contains(p))
            .map(|p| format!("--modified-file {p}"))
            .collect();
        let command = if others.is_empty() {
            format!("backlog task edit {number} --modified-file <path>")
        } else {
            format!(
                "backlog task edit {number} {} --modified-file <path>",
                others.join(" ")
            )
        };
        let finding = Finding::new(&rules::MODIFIED_FILE_MISSING, message)
            .at(&file.path, entry.pos)
            .help(format!("{fix}; the CLI replaces the whole list: {command}"));
        out.push(match file.id() {
            Some(id) => finding.task(id.canonical()),
            None => finding,
        });
    }
}

/// How many active milestones a help lists before "N more".
const LISTED_MILESTONES: usize = 5;

/// FG113: a `milestone` that names no milestone file, by ID, number or title.
fn unknown_milestone(
    file: &TaskFile,
    value: &Spanned<String>,
    milestones: &[Milestone],
    number: &str,
) -> Finding {
    let names = milestones
        .iter()
        .flat_map(|m| [m.id.as_str(), m.title.as_str()])
        .filter(|n| !n.is_empty());
    let near = crate::text::nearest(&value.value, names)
        .and_then(|n| milestones.iter().find(|m| m.is_named_by(n)));
    let help = match near {
        Some(m) => format!(
            "did you mean \"{}\" ({})? set it: backlog task edit {number} -m {}",
            m.title, m.id, m.id
        ),
        None => {
            let active: Vec<&Milestone> = milestones.iter().filter(|m| !m.archived).collect();
            let known = if active.is_empty() {
                "the backlog has no active milestone".to_string()
            } else {
                let mut listed: Vec<String> = active
                    .iter()
                    .take(LISTED_MILESTONES)
                    .map(|m| format!("{} \"{}\"", m.id, m.title))
                    .collect();
                if active.len() > LISTED_MILESTONES {
                    listed.push(format!("{} more", active.len() - LISTED_MILESTONES));
                }
                format!("active milestones: {}", listed.join(", "))
            };
            format!(
                "create it: backlog milestone add \"{}\", or clear it: backlog task edit {number} --clear-milestone ({known})",
                value.value
            )
        }
    };
    Finding::new(
        &rules::UNKNOWN_MILESTONE,
        format!(
            "milestone \"{}\" is not a milestone of this backlog",
            value.value
        ),
    )
    .at(&file.path, value.pos)
    .help(help)
}

/// A frontmatter field checked against a configured list.
struct Listed {
    rule: &'static rules::Rule,
    /// The field as a message names it.
    noun: &'static str,
    /// The configured list as a message names it.
    list: &'static str,
    /// The `backlog.config.yml` key.
    key: &'static str,
    /// The `backlog task edit` flag.
    flag: &'static str,
    /// The configured list (or Backlog.md's default).
    allowed: fn(&BacklogConfig) -> Vec<&str>,
}

const TYPE: Listed = Listed {
    rule: &rules::UNKNOWN_TASK_TYPE,
    noun: "type",
    list: "task types",
    key: "types",
    flag: "--type",
    allowed: BacklogConfig::allowed_types,
};

const PRIORITY: Listed = Listed {
    rule: &rules::UNKNOWN_PRIORITY,
    noun: "priority",
    list: "priorities",
    key: "priorities",
    flag: "--priority",
    allowed: BacklogConfig::allowed_priorities,
};

/// Backlog.md compares types and priorities ignoring case and runs of spaces.
fn normalise(value: &str) -> String {
    value
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// `normalise(a) == normalise(b)`, without allocating when both are ASCII (every task
/// of a large backlog is compared with each configured value).
fn same_normalised(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    if !(a.is_ascii() && b.is_ascii()) {
        return normalise(a) == normalise(b);
    }
    let mut a_words = ascii_words(a);
    let mut b_words = ascii_words(b);
    loop {
        match (a_words.next(), b_words.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x.eq_ignore_ascii_case(y) => {}
            _ => return false,
        }
    }
}

/// The words of an ASCII string, split at the ASCII characters `char::is_whitespace`
/// takes (`u8::is_ascii_whitespace` leaves out the vertical tab).
fn ascii_words(s: &str) -> impl Iterator<Item = &[u8]> {
    s.as_bytes()
        .split(|&c| c == b' ' || (b'\t'..=b'\r').contains(&c))
        .filter(|w| !w.is_empty())
}

/// FG114 / FG115: the finding on a value outside its configured list (`allowed`).
fn unconfigured(
    file: &TaskFile,
    value: &Spanned<String>,
    allowed: &[&str],
    layout: &BacklogLayout,
    number: &str,
    field: &Listed,
) -> Finding {
    let fix = match crate::text::nearest(&value.value, allowed.iter().copied()) {
        Some(near) => format!(
            "did you mean \"{near}\"? set it: backlog task edit {number} {} \"{near}\"",
            field.flag
        ),
        None => format!("use one of {}", quoted_list(allowed.iter().copied())),
    };
    Finding::new(
        field.rule,
        format!(
            "{} \"{}\" is not one of the configured {}",
            field.noun, value.value, field.list
        ),
    )
    .at(&file.path, value.pos)
    .help(format!(
        "{fix}, or add \"{}\" to {} in {}",
        value.value,
        field.key,
        layout.config_path()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_allowed_agrees_with_the_allowed_lists() {
        let configs: [&[&str]; 5] = [
            &[],
            &["", "  "],
            &["Chore", " spike "],
            &["", "Bug Fix"],
            &["high", "Urgent  now"],
        ];
        let values = [
            "bug",
            "Bug",
            "bug fix",
            "BUG   FIX",
            "chore",
            "spike",
            "Spike ",
            "",
            " ",
            "high",
            "HIGH",
            "low",
            "urgent now",
            "urgent",
            "feature",
        ];
        for configured in configs {
            let config = crate::backlog::BacklogConfig {
                types: configured.iter().map(|s| s.to_string()).collect(),
                priorities: configured.iter().map(|s| s.to_string()).collect(),
                ..crate::backlog::BacklogConfig::default()
            };
            for value in values {
                assert_eq!(
                    is_allowed(&config.types, &DEFAULT_TYPES, value),
                    config
                        .allowed_types()
                        .iter()
                        .any(|a| same_normalised(a, value)),
                    "types {configured:?} {value:?}"
                );
                assert_eq!(
                    is_allowed(&config.priorities, &DEFAULT_PRIORITIES, value),
                    config
                        .allowed_priorities()
                        .iter()
                        .any(|a| same_normalised(a, value)),
                    "priorities {configured:?} {value:?}"
                );
            }
        }
    }

    #[test]
    fn same_normalised_agrees_with_normalise() {
        let values = [
            "High",
            "high",
            " high ",
            "HIGH",
            "hi gh",
            "hi  gh",
            "Hi\tGH",
            "hi\x0bgh",
            "medium",
            "",
            " ",
            "Bug Fix",
            "bug   fix",
            "bugfix",
            "Ärger",
            "ärger",
            "ÄRGER",
            "ΣΑΣ",
            "σας",
            "x\u{85}y",
            "x y",
            "x\x0cy",
            "x\ry\n",
            "x\u{1f}y",
        ];
        for a in values {
            for b in values {
                assert_eq!(
                    same_normalised(a, b),
                    normalise(a) == normalise(b),
                    "{a:?} {b:?}"
                );
            }
        }
    }
}

//! Decision logs: JSON Lines files, one decision per line.
//!
//! flowspec's rigor rules write one log per task, `memory/decisions/task-N.jsonl`, with
//! the fields `timestamp`, `task_id`, `phase`, `decision`, `rationale` and `actor`
//! (optional `alternatives` and `context`). Its session loggers write
//! `.logs/decisions/*.jsonl` with fields of their own, its daily logs
//! `.flowspec/logs/decisions/` or `logs/decisions/` (a `task_id` on each line). Every line of every log must be one
//! JSON object; a task log's lines must carry the task fields; a `task_id`, wherever it is
//! written, must name an existing task (checked by the rules, which know the backlog).

use serde_json::Value;

use crate::backlog::TaskId;
use crate::source::{join, Content, EntryKind, Source, SourceError, MAX_FILE_SIZE};

/// The folders flowspec writes decision logs to: the per-task logs of the rigor rules,
/// its session loggers' folder, and the daily aggregate logs (`.flowspec/logs/` in
/// flowspec's own repository, `logs/` in the projects it sets up).
pub const DIRS: &[&str] = &[
    "memory/decisions",
    ".logs/decisions",
    ".flowspec/logs/decisions",
    "logs/decisions",
];

/// The folder of the per-task logs.
pub const TASK_LOG_DIR: &str = "memory/decisions";

/// The phases a task log entry may name.
pub const PHASES: &[&str] = &["setup", "execution", "freeze", "validation", "pr"];

/// One problem on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    /// 1-based line (0: the file as a whole).
    pub line: u32,
    /// What is wrong.
    pub message: String,
    /// What to write instead.
    pub help: String,
}

/// A `task_id` written on a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRef {
    /// 1-based line.
    pub line: u32,
    /// As written.
    pub written: String,
    /// Parsed, when it is a task ID.
    pub id: Option<TaskId>,
}

/// One decision log, read and checked line by line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionLog {
    /// Repo-relative path.
    pub path: String,
    /// The task a per-task log belongs to, from its file name (`task-12.jsonl`).
    pub name_id: Option<TaskId>,
    /// Number of decision lines (blank lines do not count).
    pub entries: usize,
    /// The `task_id`s written in it.
    pub task_refs: Vec<TaskRef>,
    /// Lines that are not valid entries.
    pub problems: Vec<LineProblem>,
}

/// Reads every decision log of the source.
pub fn load(source: &dyn Source) -> Result<Vec<DecisionLog>, SourceError> {
    let mut logs = Vec::new();
    for dir in DIRS {
        for entry in source.list_dir(dir)? {
            if entry.kind != EntryKind::File || !entry.name.ends_with(".jsonl") {
                continue;
            }
            logs.extend(read(source, dir, &entry.name)?);
        }
    }
    Ok(logs)
}

/// Reads the logs that can hold the decisions of `id`: its own log
/// (`memory/decisions/task-N.jsonl`) and, only when that records none, every other log
/// (where a line names its task with `task_id`). For the hooks, which judge one task and
/// should read one file.
pub fn load_for_task(source: &dyn Source, id: &TaskId) -> Result<Vec<DecisionLog>, SourceError> {
    let own = read(source, TASK_LOG_DIR, &format!("{}.jsonl", id.file_stem()))?;
    if own.as_ref().is_some_and(|l| l.entries > 0) {
        return Ok(own.into_iter().collect());
    }
    load(source)
}

/// The decisions recorded for `id` in `logs`: the lines of its own log, and the lines of
/// other logs whose `task_id` names it.
pub fn entries_for(logs: &[DecisionLog], id: &TaskId) -> usize {
    logs.iter()
        .map(|log| {
            if log.name_id.as_ref() == Some(id) {
                log.entries
            } else {
                log.task_refs
                    .iter()
                    .filter(|r| r.id.as_ref() == Some(id))
                    .count()
            }
        })
        .sum()
}

/// One log file, `dir/name`, read and checked; `None` when it is not a regular file.
fn read(source: &dyn Source, dir: &str, name: &str) -> Result<Option<DecisionLog>, SourceError> {
    let path = join(dir, name);
    let task_log = dir == TASK_LOG_DIR;
    let name_id = if task_log {
        name.strip_suffix(".jsonl").and_then(TaskId::parse)
    } else {
        None
    };
    Ok(match source.read(&path, MAX_FILE_SIZE)? {
        Content::Bytes(b) => Some(match crate::text::decode(&b) {
            Ok(t) => check(path, name_id, task_log, t),
            Err(e) => whole_file(
                path,
                name_id,
                format!("the log cannot be read as text: {e}"),
            ),
        }),
        Content::TooLarge(n) => Some(whole_file(
            path,
            name_id,
            format!("the log is too large to check ({n} bytes)"),
        )),
        _ => None,
    })
}

fn whole_file(path: String, name_id: Option<TaskId>, message: String) -> DecisionLog {
    DecisionLog {
        path,
        name_id,
        entries: 0,
        task_refs: Vec::new(),
        problems: vec![LineProblem {
            line: 0,
            message,
            help: "write the log as UTF-8 text, one JSON object per line".into(),
        }],
    }
}

/// Checks the text of one log. `task_log`: a per-task log, whose lines must carry the
/// task fields.
pub fn check(path: String, name_id: Option<TaskId>, task_log: bool, text: &str) -> DecisionLog {
    let mut log = DecisionLog {
        path,
        name_id,
        entries: 0,
        task_refs: Vec::new(),
        problems: Vec::new(),
    };
    for (i, raw) in text.lines().enumerate() {
        let line = i as u32 + 1;
        if raw.trim().is_empty() {
            continue;
        }
        log.entries += 1;
        let mut problem = |message: String, help: &str| {
            log.problems.push(LineProblem {
                line,
                message,
                help: help.to_string(),
            })
        };
        let value: Value = match serde_json::from_str(raw) {
            Ok(v) => v,
            Err(e) => {
                problem(
                    format!("line {line} is not JSON: {e}"),
                    "write each decision as one JSON object on one line (a pretty-printed object spans lines: put it on one)",
                );
                continue;
            }
        };
        let Value::Object(obj) = value else {
            problem(
                format!("line {line} is JSON but not an object"),
                "write each decision as one JSON object: {\"timestamp\": ..., \"decision\": ...}",
            );
            continue;
        };
        if let Some(v) = obj.get("task_id") {
            match v.as_str() {
                Some(s) => log.task_refs.push(TaskRef {
                    line,
                    written: s.to_string(),
                    id: TaskId::parse(s),
                }),
                None => problem(
                    format!("line {line}: `task_id` must be text"),
                    "write the task ID as a string, e.g. \"task_id\": \"task-42\"",
                ),
            }
        }
        if !task_log {
            continue;
        }
        let mut missing = Vec::new();
        for field in [
            "timestamp",
            "task_id",
            "phase",
            "decision",
            "rationale",
            "actor",
        ] {
            match obj.get(field) {
                None | Some(Value::Null) => missing.push(field),
                Some(Value::String(s)) if s.trim().is_empty() => problem(
                    format!("line {line}: `{field}` is empty"),
                    "say what was decided, why, and by whom; an empty field records nothing",
                ),
                Some(Value::String(_)) => {}
                Some(_) => problem(
                    format!("line {line}: `{field}` must be text"),
                    "write it as a JSON string",
                ),
            }
        }
        if !missing.is_empty() {
            let list = missing
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ");
            problem(
                format!("line {line} lacks {list}"),
                "a task decision needs timestamp, task_id, phase, decision, rationale and actor; flowspec's rigor-decision-log.sh writes all of them",
            );
        }
        if let Some(Value::String(phase)) = obj.get("phase") {
            if !PHASES.contains(&phase.as_str()) {
                problem(
                    format!("line {line}: phase \"{phase}\" is not a rigor phase"),
                    &format!("use one of {}", PHASES.join(", ")),
                );
            }
        }
        if let Some(Value::String(ts)) = obj.get("timestamp") {
            if !is_timestamp(ts) {
                problem(
                    format!("line {line}: timestamp \"{ts}\" is not an ISO 8601 date-time"),
                    "write it like 2026-01-05T10:00:00Z (`date -u +%Y-%m-%dT%H:%M:%SZ`)",
                );
            }
        }
        if let Some(v) = obj.get("alternatives") {
            let ok = v.as_array().is_some_and(|a| a.iter().all(Value::is_string));
            if !ok {
                problem(
                    format!("line {line}: `alternatives` must be a list of strings"),
                    "write e.g. \"alternatives\": [\"SQLite\", \"YAML\"]",
                );
            }
        }
        if let Some(v) = obj.get("context") {
            if !v.is_object() {
                problem(
                    format!("line {line}: `context` must be an object"),
                    "write e.g. \"context\": {\"files_affected\": [\"src/x.py\"]}",
                );
            }
        }
    }
    log
}

/// `YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]`.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(digits(0..4) && at(4, b'-') && digits(5..7) && at(7, b'-') && digits(8..10)) {
        return false;
    }
    if !(at(10, b'T') || at(10, b't') || at(10, b' '))
        || !(digits(11..13) && at(13, b':') && digits(14..16))
    {
        return false;
    }
    let mut i = 16;
    if at(i, b':') {
        if !digits(17..19) {
            return false;
        }
        i = 19;
        if at(i, b'.') {
            i += 1;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
    }
    match b.get(i) {
        None => true,
        Some(b'Z') | Some(b'z') => i + 1 == b.len(),
        Some(b'+') | Some(b'-') => {
            let rest = s.get(i + 1..).unwrap_or_default();
            matches!(rest.len(), 4 | 5) && rest.chars().filter(|c| c.is_ascii_digit()).count() == 4
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"timestamp":"2026-01-05T10:00:00Z","task_id":"task-7","phase":"execution","decision":"Use JSONL","rationale":"append-only","actor":"@dev","alternatives":["YAML"]}"#;

    #[test]
    fn good_lines_pass_and_count() {
        let log = check(
            "memory/decisions/task-7.jsonl".into(),
            TaskId::parse("task-7"),
            true,
            &format!("{GOOD}\n\n{GOOD}\n"),
        );
        assert!(log.problems.is_empty(), "{:?}", log.problems);
        assert_eq!(log.entries, 2);
        assert_eq!(log.task_refs.len(), 2);
        assert_eq!(log.task_refs[0].line, 1);
        assert_eq!(log.task_refs[1].line, 3);
    }

    #[test]
    fn every_bad_line_is_named() {
        let text = format!(
            "{GOOD}\nnot json\n[1]\n{}\n{}\n",
            r#"{"timestamp":"yesterday","task_id":"task-7","phase":"coding","decision":"x","rationale":"y","actor":"@a","alternatives":"none"}"#,
            r#"{"decision":"x"}"#
        );
        let log = check("memory/decisions/task-7.jsonl".into(), None, true, &text);
        let got: Vec<_> = log.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            got,
            [
                "line 2 is not JSON: expected ident at line 1 column 2",
                "line 3 is JSON but not an object",
                "line 4: phase \"coding\" is not a rigor phase",
                "line 4: timestamp \"yesterday\" is not an ISO 8601 date-time",
                "line 4: `alternatives` must be a list of strings",
                "line 5 lacks `timestamp`, `task_id`, `phase`, `rationale`, `actor`",
            ]
        );
    }

    #[test]
    fn session_logs_only_need_objects() {
        let log = check(
            ".logs/decisions/2026-01-05.jsonl".into(),
            None,
            false,
            "{\"decision\":\"x\",\"task_id\":\"task-3\"}\n",
        );
        assert!(log.problems.is_empty());
        assert_eq!(log.task_refs[0].written, "task-3");
    }

    #[test]
    fn timestamps() {
        for ok in [
            "2026-01-05T10:00:00Z",
            "2026-01-05T10:00",
            "2026-01-05T10:00:00.123+01:00",
            "2026-01-05 10:00:00-0500",
        ] {
            assert!(is_timestamp(ok), "{ok}");
        }
        for bad in [
            "2026-01-05",
            "yesterday",
            "2026-01-05T10:00:00Zx",
            "2026-01-05T10:00:00+1",
        ] {
            assert!(!is_timestamp(bad), "{bad}");
        }
    }
}

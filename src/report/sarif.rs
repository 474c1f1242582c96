//! SARIF 2.1.0 for GitHub code scanning.
//!
//! One run; the driver lists every rule with its documentation (`flowgate explain` text)
//! as help and a `helpUri` into the README's rule table. A finding located in a file is a
//! `result` with a physical location. Code scanning drops results without a location, so a
//! finding about a commit (a message without a task reference, a reference to a task that
//! is not active) is placed on an [`Anchors`] file: the first file the commit changed, else
//! the file of the task it names, else the first file the change touched; its location
//! says so. Only a finding with none of these (no file was changed at all) is recorded as
//! a tool execution notification of the run's invocation: it stays in the log, tied to its
//! rule, and the upload is still accepted.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::finding::{Finding, Severity};
use crate::rules::{self, Rule};

/// The schema URI written into `$schema`.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where the tool's documentation lives.
pub const INFORMATION_URI: &str = "https://crates.io/crates/flowgate";

/// The repository (Cargo.toml's `repository`), whose README documents every rule.
pub const REPOSITORY_URI: &str = env!("CARGO_PKG_REPOSITORY");

/// The README anchor of a rule's row in the rule table (`FG301` → `<repository>#fg301`).
pub fn help_uri(code: &str) -> String {
    format!("{REPOSITORY_URI}#{}", code.to_ascii_lowercase())
}

/// Where code scanning shows the findings that have no file of their own: the findings
/// about a commit (its message, the tasks it names) and about the pull request's title.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Anchors {
    /// For each commit id, the first file the commit changed.
    pub commits: BTreeMap<String, String>,
    /// For each canonical task ID (`TASK-12`), its task file.
    pub tasks: BTreeMap<String, String>,
    /// For any other finding without a file: the first file the change touched.
    pub fallback: Option<String>,
}

impl Anchors {
    /// The file a finding without one of its own is shown on, and why that file.
    fn place(&self, f: &Finding) -> Option<(&str, String)> {
        if let Some((commit, file)) = f
            .commit
            .as_ref()
            .and_then(|c| self.commits.get(c).map(|file| (c, file)))
        {
            let short = commit.get(..7).unwrap_or(commit);
            return Some((
                file,
                format!("the first file commit {short} changed; the finding is about the commit"),
            ));
        }
        if let Some(file) = f.task.as_ref().and_then(|t| self.tasks.get(t)) {
            return Some((file, "the task's file".to_string()));
        }
        self.fallback.as_deref().map(|file| {
            (
                file,
                "the first file this change touched; the finding is about the change as a whole"
                    .to_string(),
            )
        })
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note | Severity::Off => "note",
    }
}

/// The rule's "## What it does" paragraph, or its one-line summary.
fn full_description(rule: &Rule) -> String {
    let what = rule
        .doc
        .split("## What it does")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|s| !s.is_empty() && !s.starts_with("(to be written)"));
    what.unwrap_or_else(|| rule.summary.to_string())
}

fn rule_descriptor(rule: &Rule) -> Value {
    let text = format!("{}\n\n{}", rule.summary, rule.doc.trim());
    json!({
        "id": rule.code,
        "name": rule.name,
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": full_description(rule) },
        "defaultConfiguration": { "level": level(rule.default_severity) },
        "helpUri": help_uri(rule.code),
        "help": {
            "text": text,
            "markdown": format!("**{}** {}\n\n{}", rule.code, rule.summary, rule.doc.trim()),
        },
        "properties": rule_properties(rule),
    })
}

/// The rule's tags; a rule enforcing a flowspec rigor rule also carries its catalogue ID
/// as a tag (GitHub shows tags next to the alert) and as `rigorId`.
fn rule_properties(rule: &Rule) -> Value {
    match rules::rigor::catalogue_id(rule.code) {
        Some(id) => json!({ "tags": [rule.family.name(), id], "rigorId": id }),
        None => json!({ "tags": [rule.family.name()] }),
    }
}

/// Percent-encodes a repo-relative path as a URI reference (unreserved characters and `/`
/// are kept).
pub fn path_to_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// FNV-1a, 64 bits, over the parts each followed by a NUL byte, in 16 hex digits: a stable
/// fingerprint that does not depend on the Rust version (SARIF fingerprints and the hook
/// shims' checksums are persisted, so the value must never change).
pub fn fnv1a(parts: &[&str]) -> String {
    use std::hash::Hasher;
    let mut hasher = fnv::FnvHasher::default();
    for part in parts {
        hasher.write(part.as_bytes());
        hasher.write(&[0]);
    }
    format!("{:016x}", hasher.finish())
}

fn message_text(f: &Finding) -> String {
    match &f.help {
        Some(help) => format!("{}\nhelp: {help}", f.message),
        None => f.message.clone(),
    }
}

/// A result located in `file`. `anchor` says why a finding without a file of its own is
/// shown there; its line (a line of a commit message) is then not a line of `file`.
fn result(f: &Finding, rule_index: Option<usize>, file: &str, anchor: Option<&str>) -> Value {
    let mut region = Map::new();
    if anchor.is_some() {
        region.insert("startLine".into(), json!(1));
    } else if let Some(line) = f.line {
        region.insert("startLine".into(), json!(line));
        if let Some(col) = f.column {
            region.insert("startColumn".into(), json!(col));
            if f.span_len > 0 && f.span_len != u32::MAX {
                region.insert("endColumn".into(), json!(col.saturating_add(f.span_len)));
            }
        }
    }
    let mut physical = Map::new();
    physical.insert(
        "artifactLocation".into(),
        json!({ "uri": path_to_uri(file) }),
    );
    if !region.is_empty() {
        physical.insert("region".into(), Value::Object(region));
    }
    let mut r = Map::new();
    r.insert("ruleId".into(), json!(f.code));
    if let Some(i) = rule_index {
        r.insert("ruleIndex".into(), json!(i));
    }
    r.insert("level".into(), json!(level(f.severity)));
    r.insert("message".into(), json!({ "text": message_text(f) }));
    let mut location = Map::new();
    location.insert("physicalLocation".into(), Value::Object(physical));
    if let Some(why) = anchor {
        location.insert("message".into(), json!({ "text": why }));
    }
    r.insert("locations".into(), json!([Value::Object(location)]));
    // Not the line: a finding keeps its identity when lines above it move. A finding placed
    // on an anchor is the commit's, whichever file the anchor is.
    let task = f.task.as_deref().unwrap_or("");
    let fingerprint = match (anchor, &f.commit) {
        (Some(_), Some(commit)) => fnv1a(&[f.code, commit, task, &f.message]),
        _ => fnv1a(&[f.code, file, task, &f.message]),
    };
    r.insert(
        "partialFingerprints".into(),
        json!({ "flowgateFinding/v1": fingerprint }),
    );
    let mut props = Map::new();
    if let Some(task) = &f.task {
        props.insert("task".into(), json!(task));
    }
    if let Some(commit) = &f.commit {
        props.insert("commit".into(), json!(commit));
    }
    if let Some(id) = f.rigor_id {
        props.insert("rigorId".into(), json!(id));
    }
    if !props.is_empty() {
        r.insert("properties".into(), Value::Object(props));
    }
    Value::Object(r)
}

fn notification(f: &Finding, rule_index: Option<usize>) -> Value {
    let mut n = Map::new();
    let mut descriptor = Map::new();
    descriptor.insert("id".into(), json!(f.code));
    if let Some(i) = rule_index {
        descriptor.insert("index".into(), json!(i));
    }
    n.insert("associatedRule".into(), Value::Object(descriptor));
    n.insert("level".into(), json!(level(f.severity)));
    n.insert("message".into(), json!({ "text": message_text(f) }));
    if let Some(commit) = &f.commit {
        n.insert("properties".into(), json!({ "commit": commit }));
    }
    Value::Object(n)
}

/// Renders findings as one SARIF 2.1.0 log (with a trailing newline); a finding without a
/// file is placed on one of `anchors`.
pub fn render(findings: &[Finding], anchors: &Anchors) -> String {
    let index_of = |code: &str| rules::ALL.iter().position(|r| r.code == code);
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for f in findings.iter().filter(|f| f.severity != Severity::Off) {
        let index = index_of(f.code);
        match (&f.file, anchors.place(f)) {
            (Some(file), _) => results.push(result(f, index, file, None)),
            (None, Some((file, why))) => results.push(result(f, index, file, Some(&why))),
            (None, None) => notifications.push(notification(f, index)),
        }
    }
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "flowgate",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": INFORMATION_URI,
                    "rules": rules::ALL.iter().map(|r| rule_descriptor(r)).collect::<Vec<_>>(),
                }
            },
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn fingerprints_never_change() {
        // Persisted by code scanning (SARIF fingerprints) and in installed hook shims.
        assert_eq!(
            super::fnv1a(&["FG104", "abc123", "TASK-1", "two files carry TASK-1"]),
            "524493df0af90611"
        );
        assert_eq!(
            super::fnv1a(&["#!/bin/sh\nexec flowgate hook pre-commit\n"]),
            "4bb1471ee05458c7"
        );
        assert_eq!(super::fnv1a(&[]), "cbf29ce484222325");
    }

    use super::*;
    use crate::finding::Position;

    #[test]
    fn uri_is_percent_encoded() {
        assert_eq!(
            path_to_uri("backlog/tasks/task-1 - Ünï.md"),
            "backlog/tasks/task-1%20-%20%C3%9Cn%C3%AF.md"
        );
    }

    #[test]
    fn file_findings_are_results_and_unplaceable_findings_notifications() {
        let findings = vec![
            Finding::new(&rules::UNKNOWN_STATUS, "bad").at("a b.md", Position::new(3, 9, 4)),
            Finding::new(&rules::MISSING_TASK_REFERENCE, "no task").commit("abc"),
        ];
        let v: Value = serde_json::from_str(&render(&findings, &Anchors::default())).unwrap();
        let run = &v["runs"][0];
        assert_eq!(run["results"].as_array().unwrap().len(), 1);
        let r = &run["results"][0];
        assert_eq!(r["ruleId"], "FG105");
        assert_eq!(r["level"], "error");
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "a%20b.md");
        assert_eq!(loc["region"]["startLine"], 3);
        assert_eq!(loc["region"]["startColumn"], 9);
        assert_eq!(loc["region"]["endColumn"], 13);
        let n = &run["invocations"][0]["toolExecutionNotifications"][0];
        assert_eq!(n["associatedRule"]["id"], "FG301");
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(run["tool"]["driver"]["rules"][idx]["id"], "FG105");
    }

    #[test]
    fn commit_findings_are_placed_on_the_commits_first_file_then_the_task_file() {
        let anchors = Anchors {
            commits: [("abc1234def".to_string(), "src/login.rs".to_string())].into(),
            tasks: [(
                "TASK-2".to_string(),
                "backlog/tasks/task-2 - Login.md".to_string(),
            )]
            .into(),
            fallback: None,
        };
        let findings = vec![
            Finding::new(&rules::MISSING_TASK_REFERENCE, "no task")
                .commit("abc1234def")
                .message_line(3, 5),
            Finding::new(&rules::TASK_NOT_ACTIVE, "not active")
                .commit("fff")
                .task("TASK-2"),
            Finding::new(&rules::UNKNOWN_TASK_REFERENCE, "title").task("TASK-9"),
        ];
        let v: Value = serde_json::from_str(&render(&findings, &anchors)).unwrap();
        let run = &v["runs"][0];
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 2);
        let loc = &results[0]["locations"][0];
        assert_eq!(
            loc["physicalLocation"]["artifactLocation"]["uri"],
            "src/login.rs"
        );
        // The message line is not a line of the file.
        assert_eq!(loc["physicalLocation"]["region"]["startLine"], 1);
        assert!(loc["physicalLocation"]["region"]["startColumn"].is_null());
        assert_eq!(
            loc["message"]["text"],
            "the first file commit abc1234 changed; the finding is about the commit"
        );
        assert_eq!(
            results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "backlog/tasks/task-2%20-%20Login.md"
        );
        let notes = run["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .unwrap();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0]["associatedRule"]["id"], "FG302");
        assert_eq!(
            run["tool"]["driver"]["rules"][0]["helpUri"],
            format!("{REPOSITORY_URI}#fg100")
        );
    }

    #[test]
    fn rigor_findings_carry_their_catalogue_id() {
        let findings = vec![Finding::new(&rules::RIGOR_NO_WORKFLOW_LABEL, "no label")
            .at("backlog/tasks/task-1 - A.md", Position::new(4, 9, 11))];
        let v: Value = serde_json::from_str(&render(&findings, &Anchors::default())).unwrap();
        let run = &v["runs"][0];
        let r = &run["results"][0];
        assert_eq!(r["ruleId"], "FG705");
        assert_eq!(r["properties"]["rigorId"], "EXEC-006");
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        let rule = &run["tool"]["driver"]["rules"][idx];
        assert_eq!(rule["properties"]["rigorId"], "EXEC-006");
        assert_eq!(rule["properties"]["tags"][1], "EXEC-006");
    }
}

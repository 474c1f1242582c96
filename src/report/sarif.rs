//! SARIF 2.1.0 for GitHub code scanning.
//!
//! One run; the driver lists every rule with its documentation (`flowgate explain` text)
//! as help. A finding located in a file is a `result` with a physical location. Code
//! scanning refuses results without a location, so a finding that has no file (a commit
//! message without a task reference, the pull request title) is recorded as a tool
//! execution notification of the run's invocation instead: it stays in the log, tied to
//! its rule, and the upload is still accepted. Annotations and the job summary show those
//! findings on GitHub.

use serde_json::{json, Map, Value};

use crate::finding::{Finding, Severity};
use crate::rules::{self, Rule};

/// The schema URI written into `$schema`.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where the tool's documentation lives.
pub const INFORMATION_URI: &str = "https://crates.io/crates/flowgate";

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
        "help": {
            "text": text,
            "markdown": format!("**{}** {}\n\n{}", rule.code, rule.summary, rule.doc.trim()),
        },
        "properties": { "tags": [rule.family.name()] },
    })
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

/// FNV-1a, 64 bits: a stable fingerprint that does not depend on the Rust version.
pub fn fnv1a(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0u8)) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

fn message_text(f: &Finding) -> String {
    match &f.help {
        Some(help) => format!("{}\nhelp: {help}", f.message),
        None => f.message.clone(),
    }
}

fn result(f: &Finding, rule_index: Option<usize>, file: &str) -> Value {
    let mut region = Map::new();
    if let Some(line) = f.line {
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
    r.insert(
        "locations".into(),
        json!([{ "physicalLocation": Value::Object(physical) }]),
    );
    // Not the line: a finding keeps its identity when lines above it move.
    r.insert(
        "partialFingerprints".into(),
        json!({ "flowgateFinding/v1": fnv1a(&[f.code, file, f.task.as_deref().unwrap_or(""), &f.message]) }),
    );
    let mut props = Map::new();
    if let Some(task) = &f.task {
        props.insert("task".into(), json!(task));
    }
    if let Some(commit) = &f.commit {
        props.insert("commit".into(), json!(commit));
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

/// Renders findings as one SARIF 2.1.0 log (with a trailing newline).
pub fn render(findings: &[Finding]) -> String {
    let index_of = |code: &str| rules::ALL.iter().position(|r| r.code == code);
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for f in findings.iter().filter(|f| f.severity != Severity::Off) {
        match &f.file {
            Some(file) => results.push(result(f, index_of(f.code), file)),
            None => notifications.push(notification(f, index_of(f.code))),
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
    fn file_findings_are_results_and_message_findings_notifications() {
        let findings = vec![
            Finding::new(&rules::UNKNOWN_STATUS, "bad").at("a b.md", Position::new(3, 9, 4)),
            Finding::new(&rules::MISSING_TASK_REFERENCE, "no task").commit("abc"),
        ];
        let v: Value = serde_json::from_str(&render(&findings)).unwrap();
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
}

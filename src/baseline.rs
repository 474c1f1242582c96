//! The baseline: findings recorded by `flowgate baseline` so that, on a repository that
//! adopts flowgate with old problems, only new findings fail.
//!
//! A finding is recorded by a fingerprint that survives line moves: a hash of its code,
//! file, commit, task and message (with runs of whitespace collapsed), never its line or
//! column. Entries are counted, so two identical findings need two entries.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::finding::Finding;

/// The default baseline file, at the repository root.
pub const DEFAULT_FILE: &str = ".flowgate-baseline.json";

/// Rules only `flowgate audit` runs (they need the history or the whole spec set): a
/// `check` never sees them, so it never calls their entries stale.
pub const AUDIT_ONLY: &[&str] = &["FG207", "FG501"];

/// True for entries a tree check (`flowgate check`) can confirm or call stale.
pub fn is_tree_entry(e: &Entry) -> bool {
    e.commit.is_none() && !AUDIT_ONLY.contains(&e.code.as_str())
}

/// Format version of the file.
pub const VERSION: u32 = 1;

/// One recorded finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The stable fingerprint.
    pub fingerprint: String,
    /// Rule code (for people reading the file).
    pub code: String,
    /// File, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Task, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// Commit, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The message when recorded.
    pub message: String,
}

/// The baseline file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// Format version.
    pub version: u32,
    /// Recorded findings, sorted by fingerprint.
    pub findings: Vec<Entry>,
}

/// The fingerprint of a finding: independent of its line and column.
pub fn fingerprint(f: &Finding) -> String {
    let message = f.message.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
        f.code,
        f.file.as_deref().unwrap_or_default(),
        f.commit.as_deref().unwrap_or_default(),
        f.task.as_deref().unwrap_or_default(),
        message
    );
    format!("{:016x}", crate::spec::markdown::content_hash(&text))
}

impl Baseline {
    /// A baseline recording `findings`.
    pub fn record(findings: &[Finding]) -> Baseline {
        let mut entries: Vec<Entry> = findings
            .iter()
            .map(|f| Entry {
                fingerprint: fingerprint(f),
                code: f.code.to_string(),
                file: f.file.clone(),
                task: f.task.clone(),
                commit: f.commit.clone(),
                message: f.message.clone(),
            })
            .collect();
        entries.sort_by(|a, b| (&a.fingerprint, &a.message).cmp(&(&b.fingerprint, &b.message)));
        Baseline {
            version: VERSION,
            findings: entries,
        }
    }

    /// Parses a baseline file.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    /// The file's text (pretty JSON, one entry per few lines: reviewable in a diff).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Reads `name` (a path relative to `root`, the repository's working tree); `Ok(None)`
    /// when it does not exist. A path that leaves `root`, a symbolic link, anything but a
    /// regular file and a file over the size limit are errors
    /// ([`crate::own_files::read_in`]).
    pub fn load(root: &Path, name: &str) -> Result<Option<Baseline>, String> {
        let shown = root.join(name);
        let bytes = crate::own_files::read_in(root, name, crate::own_files::MAX_BASELINE)
            .map_err(|e| format!("cannot read the baseline: {e}"))?;
        let Some(bytes) = bytes else {
            return Ok(None);
        };
        let text = std::str::from_utf8(&bytes)
            .map_err(|e| format!("cannot read the baseline {}: {e}", shown.display()))?;
        Baseline::parse(text)
            .map(Some)
            .map_err(|e| format!("cannot read the baseline {}: {e}", shown.display()))
    }
}

/// What applying a baseline leaves.
#[derive(Debug, Default)]
pub struct Applied {
    /// Findings not in the baseline.
    pub findings: Vec<Finding>,
    /// How many findings the baseline hid.
    pub hidden: usize,
    /// Baseline entries that no longer occur (the file can shrink).
    pub stale: Vec<Entry>,
}

/// Drops the findings recorded in `baseline` (each entry hides one finding) and lists the
/// entries nothing matched. With `scope`, only entries whose file (or, for commit
/// entries, commit) the caller looked at count as stale: a hook that checks three files
/// does not call the rest of the baseline stale.
pub fn apply(
    findings: Vec<Finding>,
    baseline: &Baseline,
    scope: Option<&dyn Fn(&Entry) -> bool>,
) -> Applied {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &baseline.findings {
        *counts.entry(e.fingerprint.as_str()).or_default() += 1;
    }
    let mut hidden = 0;
    let mut kept = Vec::new();
    for f in findings {
        let fp = fingerprint(&f);
        match counts.get_mut(fp.as_str()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                hidden += 1;
            }
            _ => kept.push(f),
        }
    }
    let mut stale = Vec::new();
    for e in &baseline.findings {
        if let Some(n) = counts.get_mut(e.fingerprint.as_str()) {
            if *n > 0 && scope.is_none_or(|s| s(e)) {
                *n -= 1;
                stale.push(e.clone());
            }
        }
    }
    Applied {
        findings: kept,
        hidden,
        stale,
    }
}

/// The note printed when baseline entries no longer occur.
pub fn stale_note(stale: &[Entry], file: &str) -> Option<String> {
    if stale.is_empty() {
        return None;
    }
    let mut s = format!(
        "note: {} baseline entr{} in {file} no longer occur{}; run `flowgate baseline` to shrink the file:\n",
        stale.len(),
        if stale.len() == 1 { "y" } else { "ies" },
        if stale.len() == 1 { "s" } else { "" },
    );
    for e in stale.iter().take(10) {
        let place = e.file.as_deref().or(e.commit.as_deref()).unwrap_or("-");
        s.push_str(&format!("  {} {place}: {}\n", e.code, e.message));
    }
    if stale.len() > 10 {
        s.push_str(&format!("  … and {} more\n", stale.len() - 10));
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Position;
    use crate::rules;

    fn finding(line: u32) -> Finding {
        Finding::new(
            &rules::UNKNOWN_STATUS,
            "status \"Won't Do\" is not   configured",
        )
        .at("backlog/tasks/task-1 - A.md", Position::line(line, 3))
        .task("TASK-1")
    }

    #[test]
    fn fingerprints_survive_line_moves() {
        assert_eq!(fingerprint(&finding(4)), fingerprint(&finding(40)));
        let other = Finding::new(&rules::UNKNOWN_STATUS, "other").file("x.md");
        assert_ne!(fingerprint(&finding(4)), fingerprint(&other));
    }

    #[test]
    fn apply_hides_recorded_and_reports_stale() {
        let gone = Finding::new(&rules::MISSING_SPEC_LINK, "gone").file("b.md");
        let base = Baseline::record(&[finding(4), gone]);
        let text = base.to_json();
        let base = Baseline::parse(&text).unwrap_or_default();
        let new = Finding::new(&rules::DANGLING_PARENT, "new").file("c.md");
        let applied = apply(vec![finding(9), new.clone()], &base, None);
        assert_eq!(applied.findings, vec![new]);
        assert_eq!(applied.hidden, 1);
        assert_eq!(applied.stale.len(), 1);
        assert_eq!(applied.stale[0].message, "gone");
        let only_c = |e: &Entry| e.file.as_deref() == Some("c.md");
        assert!(apply(vec![], &base, Some(&only_c)).stale.is_empty());
    }

    #[test]
    fn each_entry_hides_one_finding() {
        let base = Baseline::record(&[finding(1)]);
        let applied = apply(vec![finding(1), finding(2)], &base, None);
        assert_eq!(applied.findings.len(), 1);
    }
}

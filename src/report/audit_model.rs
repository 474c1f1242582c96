//! What the markdown and html audit reports show, computed once: findings grouped by rule
//! and by commit, coverage rows, and status timelines. The two renderers only format it.

use std::collections::BTreeMap;

use crate::audit::history::CommitRecord;
use crate::audit::Audit;
use crate::finding::{Finding, Summary};

/// How many items a long list shows before "… N more".
pub const LIST_LIMIT: usize = 200;

/// Findings of one rule.
pub struct RuleGroup<'a> {
    /// Code.
    pub code: &'static str,
    /// Name.
    pub rule: &'static str,
    /// The findings, in report order.
    pub findings: Vec<&'a Finding>,
}

/// Findings of one commit.
pub struct CommitGroup<'a> {
    /// The commit.
    pub commit: &'a CommitRecord,
    /// Its findings.
    pub findings: Vec<&'a Finding>,
}

/// One status change, for the timeline.
pub struct TimelineRow<'a> {
    /// Date.
    pub date: String,
    /// Commit.
    pub commit: &'a CommitRecord,
    /// Human description of the change.
    pub change: String,
}

/// The report's content.
pub struct Model<'a> {
    /// The audit.
    pub audit: &'a Audit,
    /// Counts.
    pub summary: Summary,
    /// Findings by rule, in code order.
    pub by_rule: Vec<RuleGroup<'a>>,
    /// Findings by commit, oldest first.
    pub by_commit: Vec<CommitGroup<'a>>,
    /// Status timelines per task (ID order), up to [`LIST_LIMIT`] tasks.
    pub timelines: Vec<(String, Vec<TimelineRow<'a>>)>,
    /// Tasks with a history beyond the ones shown.
    pub more_timelines: usize,
}

/// `what` happened to a task, prefixed with the ID it had before (`renamed_from`) or was
/// given (`renamed_to`) in the same commit.
pub fn with_rename(what: String, renamed_from: Option<&str>, renamed_to: Option<&str>) -> String {
    match (renamed_from, renamed_to) {
        (Some(old), _) => format!("renumbered from {old}, {what}"),
        (_, Some(new)) => format!("renumbered to {new}, {what}"),
        _ => what,
    }
}

/// Describes one task move.
pub fn describe_move(from: Option<&str>, to: Option<&str>, path: Option<&str>) -> String {
    let what = match (from, to) {
        (None, Some(to)) => format!("created as \"{to}\""),
        (Some(from), None) => format!("deleted (was \"{from}\")"),
        (Some(f), Some(t)) if f == t => format!("moved, still \"{t}\""),
        (Some(f), Some(t)) => format!("\"{f}\" → \"{t}\""),
        (None, None) => "changed".to_string(),
    };
    match path {
        Some(p) => format!("{what} in {p}"),
        None => what,
    }
}

/// Severity word.
pub fn severity(f: &Finding) -> &'static str {
    f.severity.as_str()
}

/// The place a finding points at: `file:line`, or the commit.
pub fn place(f: &Finding) -> String {
    match (&f.file, f.line) {
        (Some(file), Some(line)) => format!("{file}:{line}"),
        (Some(file), None) => file.clone(),
        _ => f
            .commit
            .as_deref()
            .map(|c| format!("commit {}", c.get(..8).unwrap_or(c)))
            .unwrap_or_default(),
    }
}

impl<'a> Model<'a> {
    /// Groups `findings` of `audit`.
    pub fn new(audit: &'a Audit, findings: &'a [Finding], summary: Summary) -> Model<'a> {
        let mut rules: BTreeMap<&'static str, RuleGroup<'a>> = BTreeMap::new();
        for f in findings {
            rules
                .entry(f.code)
                .or_insert_with(|| RuleGroup {
                    code: f.code,
                    rule: f.rule,
                    findings: Vec::new(),
                })
                .findings
                .push(f);
        }
        let mut commits: BTreeMap<usize, CommitGroup<'a>> = BTreeMap::new();
        let position: std::collections::HashMap<&str, usize> = audit
            .history
            .records
            .iter()
            .enumerate()
            .map(|(i, r)| (&*r.id, i))
            .collect();
        for f in findings {
            let Some(&i) = f.commit.as_deref().and_then(|c| position.get(c)) else {
                continue;
            };
            let Some(record) = audit.history.records.get(i) else {
                continue;
            };
            commits
                .entry(i)
                .or_insert_with(|| CommitGroup {
                    commit: record,
                    findings: Vec::new(),
                })
                .findings
                .push(f);
        }
        let tasks = audit.history.tasks();
        let more_timelines = tasks.len().saturating_sub(LIST_LIMIT);
        let timelines = tasks
            .into_iter()
            .take(LIST_LIMIT)
            .map(|t| {
                let rows = audit
                    .history
                    .timeline(t)
                    .into_iter()
                    .map(|e| TimelineRow {
                        date: e.commit.date(),
                        commit: e.commit,
                        change: {
                            let what = describe_move(
                                e.change.from.as_deref(),
                                e.change.to.as_deref(),
                                e.change.path.as_deref(),
                            );
                            with_rename(
                                what,
                                e.change.renamed_from.as_deref(),
                                e.change.renamed_to.as_deref(),
                            )
                        },
                    })
                    .collect();
                (t.to_string(), rows)
            })
            .collect();
        Model {
            audit,
            summary,
            by_rule: rules.into_values().collect(),
            by_commit: commits.into_values().collect(),
            timelines,
            more_timelines,
        }
    }

    /// "the whole history" or "history after abc12345".
    pub fn range(&self) -> String {
        match self.audit.since {
            Some(s) => {
                let id = s.to_string();
                format!("history after {}", id.get(..8).unwrap_or(&id))
            }
            None => "the whole history".to_string(),
        }
    }
}

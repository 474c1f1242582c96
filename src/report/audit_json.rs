//! The audit as JSON: the stable findings schema (`version`, `findings`, `summary`) plus
//! `coverage` and `history` (status changes per task).

use serde::Serialize;

use super::json::SCHEMA_VERSION;
use crate::audit::coverage::Coverage;
use crate::audit::Audit;
use crate::finding::{Finding, Summary};

#[derive(Serialize)]
struct Move<'a> {
    commit: &'a str,
    date: String,
    author: &'a str,
    from: Option<&'a str>,
    to: Option<&'a str>,
    path: Option<&'a str>,
}

#[derive(Serialize)]
struct CoverageOut<'a> {
    covered: usize,
    total: usize,
    percent: f64,
    #[serde(flatten)]
    detail: &'a Coverage,
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    findings: &'a [Finding],
    summary: Summary,
    coverage: CoverageOut<'a>,
    history: std::collections::BTreeMap<&'a str, Vec<Move<'a>>>,
}

/// Renders the audit as one JSON document.
pub fn render(audit: &Audit, findings: &[Finding], summary: Summary) -> String {
    let history = audit
        .history
        .tasks()
        .into_iter()
        .map(|t| {
            let moves = audit
                .history
                .timeline(t)
                .into_iter()
                .map(|e| Move {
                    commit: &e.commit.id,
                    date: e.commit.date(),
                    author: &e.commit.author,
                    from: e.change.from.as_deref(),
                    to: e.change.to.as_deref(),
                    path: e.change.path.as_deref(),
                })
                .collect();
            (t, moves)
        })
        .collect();
    let doc = Document {
        version: SCHEMA_VERSION,
        findings,
        summary,
        coverage: CoverageOut {
            covered: audit.coverage.covered(),
            total: audit.coverage.total(),
            percent: audit.coverage.percent(),
            detail: &audit.coverage,
        },
        history,
    };
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

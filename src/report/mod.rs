//! Reporters: render findings in one format each. Rules never print; reporters never judge.

pub mod audit_json;
pub mod audit_model;
pub mod github;
pub mod html;
pub mod human;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod width;

use crate::audit::Audit;
use crate::finding::{Finding, Summary};
use crate::source::Source;

/// Output formats. Not every command offers every format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Rich diagnostics with the source line and a label on the offending span.
    Human,
    /// The stable JSON schema documented in the README.
    Json,
    /// GitHub workflow-command annotations, job summary and outputs.
    Github,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// A markdown report (audit).
    Markdown,
    /// A self-contained HTML report (audit).
    Html,
}

impl Format {
    /// The format as it is written on the command line (`github`).
    pub fn name(self) -> String {
        format!("{self:?}").to_lowercase()
    }
}

/// What a reporter needs besides the findings.
pub struct ReportContext<'a> {
    /// Where to read file text for source snippets (the snapshot the findings came from).
    pub source: Option<&'a dyn Source>,
    /// Commit messages by commit id, for findings located in a message.
    pub messages: &'a [(String, String)],
    /// Use colors.
    pub color: bool,
    /// Omit the summary line.
    pub quiet: bool,
}

/// What a command found, for [`render`].
pub struct Report<'a> {
    /// The findings, configured, baselined and in the order they are shown.
    pub findings: &'a [Finding],
    /// Their summary.
    pub summary: Summary,
    /// Where snippets come from, commit messages, colors and `--quiet`.
    pub context: ReportContext<'a>,
    /// Where SARIF places findings that have no file of their own.
    pub anchors: Option<&'a sarif::Anchors>,
    /// The audit the findings come from (its coverage, history and reports).
    pub audit: Option<&'a Audit>,
}

/// Renders `report` in `format`: the one place a format picks its renderer. `Err` gives
/// the format back when this report cannot be written in it (markdown and html are
/// reports of an audit).
pub fn render(format: Format, report: &Report<'_>) -> Result<String, Format> {
    let Report {
        findings,
        summary,
        context,
        anchors,
        audit,
    } = report;
    let (findings, summary) = (*findings, *summary);
    let no_anchors = sarif::Anchors::default();
    Ok(match (format, audit) {
        (Format::Human, Some(audit)) => human::render_audit(audit, findings, summary, context),
        (Format::Human, None) => human::render(findings, summary, context),
        (Format::Json, Some(audit)) => audit_json::render(audit, findings, summary),
        (Format::Json, None) => json::render(findings, summary),
        (Format::Github, _) => {
            let mut text = github::render_annotations(findings);
            if !context.quiet {
                text.push_str(&github::headline(summary));
                text.push('\n');
            }
            text
        }
        (Format::Sarif, _) => sarif::render(findings, anchors.unwrap_or(&no_anchors)),
        (Format::Markdown, Some(audit)) => markdown::render(audit, findings, summary),
        (Format::Html, Some(audit)) => html::render(audit, findings, summary),
        (Format::Markdown | Format::Html, None) => return Err(format),
    })
}

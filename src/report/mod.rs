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

use crate::source::Source;

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

//! The stable JSON schema: `{version, findings: [...], summary}`.

use serde::Serialize;

use crate::finding::{Finding, Summary};

/// The schema version; bumped only on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    findings: &'a [Finding],
    summary: Summary,
}

/// Renders findings as one JSON document (with a trailing newline).
pub fn render(findings: &[Finding], summary: Summary) -> String {
    let doc = Document {
        version: SCHEMA_VERSION,
        findings,
        summary,
    };
    // Serializing plain data to a String cannot fail.
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

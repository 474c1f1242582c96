//! The stable JSON schema: `{version, findings: [...], summary}`.

use schemars::JsonSchema;
use serde::Serialize;

use crate::finding::{Finding, Summary};

/// The schema version; bumped only on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// The findings document of `check`, `hook`, `ci` (and, with more keys, `audit`).
#[derive(Serialize, JsonSchema)]
struct Document<'a> {
    /// The schema version; changes only when a field changes meaning or goes away.
    version: u32,
    /// What the rules found, sorted by file, line, column and code.
    findings: &'a [Finding],
    /// Counts of findings and of what was checked.
    summary: Summary,
}

/// The JSON Schema of the findings document, its definitions added to `generator`.
pub fn schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    generator.subschema_for::<Document<'static>>()
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

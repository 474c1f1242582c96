//! `flowgate schema config|output`: JSON Schemas generated from the types that read the
//! configuration and write the JSON output, so they cannot drift from the code. The same
//! text is committed under `schema/` (a test keeps it equal) for editors and other tools.

use schemars::generate::SchemaSettings;
use serde_json::{json, Value};

use super::{CommandError, Outcome};
use crate::cli::{SchemaArgs, SchemaKind};
use crate::config::Config;

/// The formats `flowgate schema` writes: a JSON Schema.
pub const FORMATS: &[crate::cli::Format] = &[crate::cli::Format::Human];

/// Prints the schema `args.which` names, as pretty JSON.
pub fn run(args: &SchemaArgs) -> Result<Outcome, CommandError> {
    let schema = match args.which {
        SchemaKind::Config => config_schema(),
        SchemaKind::Output => output_schema(),
    };
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    super::man::print(text.as_bytes())
}

/// The JSON Schema of `.flowgate.yml` (YAML read as JSON).
pub fn config_schema() -> Value {
    let schema = SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<Config>();
    let mut value = schema.to_value();
    if let Some(map) = value.as_object_mut() {
        // A file of comments only (as `flowgate init` may write) is a valid configuration.
        map.insert("type".into(), json!(["object", "null"]));
        map.insert(
            "title".into(),
            json!("flowgate configuration (.flowgate.yml)"),
        );
        map.insert(
            "description".into(),
            json!("Every key is optional; an unknown key or a wrong type is an error. `flowgate init` writes a commented file for the detected layout."),
        );
    }
    value
}

/// The JSON Schema of flowgate's JSON documents: the findings document (`check`, `hook`,
/// `ci`; `audit` adds `coverage` and `history`) and the trace document. Each has `version`.
pub fn output_schema() -> Value {
    // What flowgate writes: a field it leaves out when empty is not required.
    let mut generator = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    let findings = crate::report::json::schema(&mut generator).to_value();
    let trace = super::trace::schema(&mut generator).to_value();
    let definitions: serde_json::Map<String, Value> =
        generator.take_definitions(true).into_iter().collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "flowgate JSON output (--format json)",
        "description": "One document per run: the findings document of check, hook, ci and audit (audit adds coverage and history), or the document of trace. `version` changes only when a field changes meaning or goes away.",
        "oneOf": [findings, trace],
        "$defs": definitions,
    })
}

//! The JSON Schemas: the committed files equal what `flowgate schema` generates; `init`'s
//! output and the README's example validate against the configuration schema, a wrong key
//! or type does not; every JSON document flowgate writes validates against the output schema
//! and carries `version`.

mod audit_support;

use std::path::Path;
use std::process::Command;

use audit_support::events_repo;
use serde_json::Value;

fn flowgate(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(assert_cmd::cargo::cargo_bin("flowgate"))
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("NO_COLOR", "1")
        .output()
        .expect("flowgate runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn generated(which: &str) -> String {
    let (code, stdout, stderr) =
        flowgate(Path::new(env!("CARGO_MANIFEST_DIR")), &["schema", which]);
    assert_eq!(code, 0, "{stderr}");
    stdout
}

fn validator(which: &str) -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&generated(which)).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

/// YAML as the JSON value a schema-aware editor validates.
fn yaml(text: &str) -> Value {
    serde_norway::from_str(text).unwrap_or_else(|e| panic!("not YAML ({e}):\n{text}"))
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

#[test]
fn committed_schemas_are_the_generated_ones() {
    for (which, file) in [
        ("config", "schema/flowgate.schema.json"),
        ("output", "schema/flowgate-output.schema.json"),
    ] {
        let committed = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
            .unwrap_or_default();
        assert!(
            committed == generated(which),
            "{file} is out of date: run `cargo run -- schema {which} > {file}`"
        );
    }
}

#[test]
fn init_output_validates() {
    let v = validator("config");
    // The default layout, and custom statuses with a flowspec layout.
    for (config, extra) in [
        (
            "project_name: Demo\nstatuses: [\"To Do\", \"In Progress\", \"Done\"]\n",
            None,
        ),
        (
            "project_name: Demo\nstatuses: [\"Backlog\", \"Doing\", \"Review\", \"Shipped\"]\ntask_prefix: feat\n",
            Some(("docs/prd/login.md", "# Login\n\n**FR-001** Users log in.\n")),
        ),
    ] {
        let r = audit_support::Repo::new();
        r.write("backlog/config.yml", config);
        if let Some((path, text)) = extra {
            r.write(path, text);
        }
        let (code, _, stderr) = flowgate(r.path(), &["init", "--force"]);
        assert_eq!(code, 0, "{stderr}");
        let text = std::fs::read_to_string(r.path().join(".flowgate.yml")).unwrap_or_default();
        let doc = yaml(&text);
        assert_eq!(errors(&v, &doc), Vec::<String>::new(), "{text}");
    }
}

#[test]
fn readme_configuration_example_validates() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .unwrap_or_default();
    let section = readme
        .split("## Configuration: `.flowgate.yml`")
        .nth(1)
        .expect("README has the configuration section");
    let example = section
        .split("```yaml\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("the section has a yaml example");
    let doc = yaml(example);
    assert!(
        doc.get("commits").is_some(),
        "not the full example:\n{example}"
    );
    assert_eq!(errors(&validator("config"), &doc), Vec::<String>::new());
}

#[test]
fn wrong_keys_and_types_fail_validation_as_they_fail_flowgate() {
    let v = validator("config");
    let r = audit_support::Repo::new();
    for (text, pointer) in [
        ("linkz:\n  require: file\n", ""),
        ("commits:\n  active_status: [Doing]\n", "/commits"),
        ("links:\n  require: sometimes\n", "/links/require"),
        (
            "commits:\n  branch_fallback: [yes]\n",
            "/commits/branch_fallback",
        ),
        ("rules:\n  FG201: loud\n", "/rules/FG201"),
        ("ci:\n  check: everything\n", "/ci/check"),
        ("specs:\n  globs: specs/*/spec.md\n", "/specs/globs"),
    ] {
        let found = errors(&v, &yaml(text));
        assert!(
            found.iter().any(|e| e.ends_with(&format!(" at {pointer}"))),
            "{text:?} should fail at {pointer:?}: {found:?}"
        );
        // flowgate itself refuses the same file (exit 2).
        r.write(".flowgate.yml", text);
        let (code, _, stderr) = flowgate(r.path(), &["check"]);
        assert_eq!(code, 2, "{text:?}: {stderr}");
    }
}

#[test]
fn every_json_document_validates_and_has_a_version() {
    let v = validator("output");
    let r = events_repo();
    for args in [
        &["check", "--format", "json"][..],
        &["audit", "--format", "json"],
        &["trace", "TASK-2", "--format", "json"],
        &["trace", "001-user-auth/FR-001", "--format", "json"],
        &[
            "trace",
            "specs/001-user-auth/spec.md#user-story-1",
            "--format",
            "json",
        ],
    ] {
        let (code, stdout, stderr) = flowgate(r.path(), args);
        assert!(code == 0 || code == 1, "{args:?}: {stderr}");
        let doc: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        assert_eq!(doc["version"], 1, "{args:?}");
        assert_eq!(errors(&v, &doc), Vec::<String>::new(), "{args:?}");
    }
}

#[test]
fn output_schema_rejects_a_document_without_version() {
    let v = validator("output");
    let doc = serde_json::json!({
        "findings": [],
        "summary": { "errors": 0, "warnings": 0, "tasks": 0, "specs": 0, "commits": 0 }
    });
    assert!(!errors(&v, &doc).is_empty());
}

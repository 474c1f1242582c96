//! `action.yml` and the project's workflow: required keys present, every input the steps
//! use is declared, every output maps to a step that exists.

use std::collections::BTreeSet;

use serde_norway::Value;

fn load(path: &str) -> (String, Value) {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{path}: {e}"));
    let value: Value = serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    (text, value)
}

/// Every `${{ <prefix>X... }}` reference in `text`: the identifier after `prefix`.
fn references(text: &str, prefix: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for expr in text.split("${{").skip(1) {
        let expr = expr.split("}}").next().unwrap_or_default();
        for (i, _) in expr.match_indices(prefix) {
            let name: String = expr[i + prefix.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            out.insert(name);
        }
    }
    out
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_mapping()
        .map(|m| {
            m.keys()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn action_yml_is_a_complete_composite_action() {
    let (text, action) = load("action.yml");
    for key in ["name", "description", "inputs", "outputs", "runs"] {
        assert!(action.get(key).is_some(), "action.yml lacks `{key}`");
    }
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));

    let inputs = keys(&action["inputs"]);
    let expected: BTreeSet<String> = [
        "version", "args", "config", "comment", "sarif", "fail-on", "token",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(inputs, expected);
    for name in &inputs {
        let input = &action["inputs"][name.as_str()];
        assert!(
            input.get("description").is_some(),
            "input {name} lacks a description"
        );
    }
    assert_eq!(
        action["inputs"]["comment"]["default"].as_str(),
        Some("false")
    );
    assert_eq!(
        action["inputs"]["token"]["default"].as_str(),
        Some("${{ github.token }}")
    );

    let used = references(&text, "inputs.");
    assert!(!used.is_empty());
    for name in &used {
        assert!(
            inputs.contains(name),
            "action.yml uses undeclared input `{name}`"
        );
    }
    for name in &inputs {
        assert!(
            used.contains(name),
            "input `{name}` is declared but never used"
        );
    }

    let steps = action["runs"]["steps"].as_sequence().expect("steps");
    let ids: BTreeSet<String> = steps
        .iter()
        .filter_map(|s| s.get("id").and_then(Value::as_str).map(str::to_string))
        .collect();
    for step in steps {
        assert!(
            step.get("run").is_some() != step.get("uses").is_some(),
            "a step needs exactly one of run/uses: {step:?}"
        );
        if step.get("run").is_some() {
            assert!(
                step.get("shell").is_some(),
                "composite run steps need a shell"
            );
            // Inputs reach scripts through env, never spliced into the script text.
            let script = step["run"].as_str().unwrap_or_default();
            assert!(
                !script.contains("${{"),
                "expression inside a script: {script}"
            );
        }
    }
    for step_id in references(&text, "steps.") {
        assert!(
            ids.contains(&step_id),
            "reference to unknown step `{step_id}`"
        );
    }

    let outputs = keys(&action["outputs"]);
    assert_eq!(
        outputs,
        ["errors", "warnings", "checked-commits", "flowgate-version"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
    for name in &outputs {
        let value = action["outputs"][name.as_str()]["value"]
            .as_str()
            .unwrap_or_default();
        let step = if name == "flowgate-version" {
            "install"
        } else {
            "run"
        };
        assert_eq!(value, format!("${{{{ steps.{step}.outputs.{name} }}}}"));
    }
    // The binary is cached (actions/cache); the install script downloads the release named
    // by the action's own ref (tests/action_install.rs drives the script itself).
    assert!(steps.iter().any(|s| s["uses"]
        .as_str()
        .is_some_and(|u| u.starts_with("actions/cache@"))));
    assert_eq!(
        action["inputs"]["version"]["default"].as_str(),
        Some("${{ github.action_ref }}")
    );
    assert!(text.contains("bash \"$GITHUB_ACTION_PATH/scripts/action-install.sh\""));
}

#[test]
fn project_workflow_runs_the_tests_and_the_action_on_itself() {
    let (text, wf) = load(".github/workflows/ci.yml");
    assert!(wf.get("jobs").is_some());
    assert!(text.contains("bash scripts/test.sh"));
    let gate = &wf["jobs"]["gate"];
    let steps = gate["steps"].as_sequence().expect("gate steps");
    assert!(steps.iter().any(|s| s["uses"].as_str() == Some("./")));
    let checkout = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/checkout@"))
        })
        .expect("checkout");
    assert_eq!(checkout["with"]["fetch-depth"].as_u64(), Some(0));
    assert_eq!(wf["permissions"]["contents"].as_str(), Some("read"));
}

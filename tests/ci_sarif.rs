//! The SARIF log validates against the SARIF 2.1.0 JSON schema.
//!
//! `tests/data/sarif-schema-2.1.0.json` is the OASIS SARIF 2.1.0 schema (the final
//! "2.1.0-rtm.5" text, JSON Schema draft-04), as shipped in the npm package
//! `@microsoft/jest-sarif` 1.0.0-beta.0 (`lib/schemas/sarif-2.1.0-rtm.5.json`, MIT).

mod ci_support;

use ci_support::{pull_request_event, seed_backlog, Repo};
use flowgate::finding::{Finding, Position};
use flowgate::report::sarif;
use flowgate::rules;

fn validator() -> jsonschema::Validator {
    let text = include_str!("data/sarif-schema-2.1.0.json");
    let schema: serde_json::Value = serde_json::from_str(text).unwrap();
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

fn assert_valid(log: &serde_json::Value) {
    let v = validator();
    let errors: Vec<String> = v
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF is invalid:\n{}",
        errors.join("\n")
    );
}

#[test]
fn every_kind_of_finding_renders_valid_sarif() {
    let findings = vec![
        Finding::new(
            &rules::UNKNOWN_STATUS,
            "status \"Won't Do\" is not configured",
        )
        .at(
            "backlog/tasks/task-1 - Ünïcode title.md",
            Position::new(4, 9, 8),
        )
        .help("use one of \"To Do\", \"In Progress\", \"Done\"")
        .task("TASK-1"),
        Finding::new(&rules::MISSING_SPEC_LINK, "no spec link").file("backlog/tasks/task-3 - X.md"),
        Finding::new(&rules::MISSING_TASK_REFERENCE, "commit references no task")
            .commit("0123456789abcdef0123456789abcdef01234567")
            .message_line(1, 20),
        Finding::new(&rules::CONFIG_FROM_BASE, "base config used").file(".flowgate.yml"),
    ];
    let log: serde_json::Value = serde_json::from_str(&sarif::render(&findings)).unwrap();
    assert_valid(&log);
    let run = &log["runs"][0];
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(run["tool"]["driver"]["name"], "flowgate");
    let rules_ = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules_.len(), rules::ALL.len());
    for r in rules_ {
        assert!(r["help"]["text"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(r["help"]["markdown"]
            .as_str()
            .is_some_and(|t| !t.is_empty()));
        assert!(r["shortDescription"]["text"].as_str().is_some());
        assert!(r["fullDescription"]["text"].as_str().is_some());
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for r in results {
        assert!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string());
        assert!(r["partialFingerprints"]["flowgateFinding/v1"].is_string());
    }
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "backlog/tasks/task-1%20-%20%C3%9Cn%C3%AFcode%20title.md"
    );
    assert_eq!(
        run["invocations"][0]["toolExecutionNotifications"][0]["associatedRule"]["id"],
        "FG301"
    );
    // The schema is strict enough to notice a broken log.
    let mut broken = log.clone();
    broken["version"] = "2.0".into();
    assert!(validator().iter_errors(&broken).next().is_some());
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(validator().iter_errors(&broken).next().is_some());
    // Clean runs are valid too.
    let empty: serde_json::Value = serde_json::from_str(&sarif::render(&[])).unwrap();
    assert_valid(&empty);
}

#[test]
fn ci_writes_and_prints_valid_sarif() {
    let repo = Repo::new();
    seed_backlog(&repo);
    repo.write(".flowgate.yml", "ci:\n  check: title\n");
    let base = repo.commit("Initial commit");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write(".flowgate.yml", "ci:\n  check: commits\n");
    let head = repo.commit("Stop checking titles");
    let payload = pull_request_event(4, "No task", "", &base, &head);
    let file = repo.outside("flowgate.sarif");
    let (mut cmd, _, _) = repo.flowgate_in_actions("pull_request", &payload);
    let out = cmd
        .args(["ci", "--format", "sarif", "--sarif"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(printed, written);
    assert_valid(&written);
    let results = written["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "FG601"));
}

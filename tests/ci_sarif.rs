//! The SARIF log validates against the SARIF 2.1.0 JSON schema.
//!
//! `tests/data/sarif-schema-2.1.0.json` is the OASIS SARIF 2.1.0 schema (the final
//! "2.1.0-rtm.5" text, JSON Schema draft-04), as shipped in the npm package
//! `@microsoft/jest-sarif` 1.0.0-beta.0 (`lib/schemas/sarif-2.1.0-rtm.5.json`, MIT).

mod ci_support;

use ci_support::{pull_request_event, pull_request_repo, seed_backlog, Repo};
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
        Finding::new(
            &rules::TASK_NOT_ACTIVE,
            "commit references TASK-3, which is To Do",
        )
        .commit("89abcdef0123456789abcdef0123456789abcdef")
        .task("TASK-3")
        .message_line(2, 1),
        // Nothing to place it on: it stays a notification.
        Finding::new(
            &rules::MISSING_TASK_REFERENCE,
            "pull request references no task",
        ),
    ];
    let anchors = sarif::Anchors {
        commits: [(
            "0123456789abcdef0123456789abcdef01234567".to_string(),
            "src/login.rs".to_string(),
        )]
        .into(),
        tasks: [(
            "TASK-3".to_string(),
            "backlog/tasks/task-3 - X.md".to_string(),
        )]
        .into(),
        fallback: None,
    };
    let log: serde_json::Value = serde_json::from_str(&sarif::render(&findings, &anchors)).unwrap();
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
        // The rule's row in the README's rule table.
        let code = r["id"].as_str().unwrap();
        assert_eq!(
            r["helpUri"],
            format!("{}#{}", env!("CARGO_PKG_REPOSITORY"), code.to_lowercase())
        );
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    for r in results {
        assert!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string());
        assert!(r["partialFingerprints"]["flowgateFinding/v1"].is_string());
    }
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "backlog/tasks/task-1%20-%20%C3%9Cn%C3%AFcode%20title.md"
    );
    let uri = |r: &serde_json::Value| {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].clone()
    };
    let commit_level: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r["ruleId"] != "FG105" && r["ruleId"] != "FG201" && r["ruleId"] != "FG601")
        .collect();
    assert_eq!(commit_level.len(), 2);
    assert_eq!(uri(commit_level[0]), "src/login.rs");
    assert_eq!(
        commit_level[0]["locations"][0]["message"]["text"],
        "the first file commit 0123456 changed; the finding is about the commit"
    );
    assert_eq!(uri(commit_level[1]), "backlog/tasks/task-3%20-%20X.md");
    assert_eq!(
        commit_level[1]["properties"]["commit"],
        "89abcdef0123456789abcdef0123456789abcdef"
    );
    let notifications = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notifications.len(), 1);
    assert_eq!(notifications[0]["associatedRule"]["id"], "FG301");
    // The schema is strict enough to notice a broken log.
    let mut broken = log.clone();
    broken["version"] = "2.0".into();
    assert!(validator().iter_errors(&broken).next().is_some());
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(validator().iter_errors(&broken).next().is_some());
    // Clean runs are valid too.
    let empty: serde_json::Value =
        serde_json::from_str(&sarif::render(&[], &sarif::Anchors::default())).unwrap();
    assert_valid(&empty);
}

#[test]
fn ci_writes_and_prints_valid_sarif() {
    let (repo, base, head) = pull_request_repo(
        &[(".flowgate.yml", "ci:\n  check: title\n")],
        "Initial commit",
        "feature",
        &[(".flowgate.yml", "ci:\n  check: commits\n")],
        "Stop checking titles",
    );
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

/// The SARIF a `flowgate ci` run wrote to `file`, validated.
fn written_sarif(file: &std::path::Path) -> serde_json::Value {
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_valid(&log);
    log
}

fn location(result: &serde_json::Value) -> (String, String) {
    let loc = &result["locations"][0];
    (
        loc["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        loc["message"]["text"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

#[test]
fn commit_findings_are_results_on_the_first_file_the_commit_changed() {
    let repo = Repo::new();
    seed_backlog(&repo);
    repo.write(
        "backlog/tasks/task-3 - Later.md",
        "---\nid: TASK-3\ntitle: Later\nstatus: To Do\nspec: specs/001-login/spec.md#requirements\n---\n",
    );
    repo.write("src/main.rs", "fn main() {}\n");
    let base = repo.commit("TASK-2: start");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("src/login.rs", "pub fn login() {}\n");
    repo.write("src/main.rs", "fn main() { login() }\n");
    let unreferenced = repo.commit("Add login");
    repo.write("src/main.rs", "fn main() { login(); }\n");
    let early = repo.commit("Refs: TASK-3");
    // A branch name that names no task, so that the commit needs its own reference.
    let payload = pull_request_event(7, "TASK-2: Login", "", &base, &early)
        .replace("task-2-login", "feature");
    let file = repo.outside("flowgate.sarif");
    let (mut cmd, _, _) = repo.flowgate_in_actions("pull_request", &payload);
    let out = cmd.arg("ci").arg("--sarif").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let log = written_sarif(&file);
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    let fg301 = results
        .iter()
        .find(|r| r["ruleId"] == "FG301")
        .expect("FG301 is a result");
    assert_eq!(
        location(fg301),
        (
            "src/login.rs".to_string(),
            format!(
                "the first file commit {} changed; the finding is about the commit",
                &unreferenced[..7]
            )
        )
    );
    assert_eq!(fg301["properties"]["commit"], unreferenced.as_str());
    assert_eq!(
        fg301["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );
    let fg303 = results
        .iter()
        .find(|r| r["ruleId"] == "FG303")
        .expect("FG303 is a result");
    assert_eq!(location(fg303).0, "src/main.rs");
    assert_eq!(
        run["invocations"][0]["toolExecutionNotifications"],
        serde_json::json!([])
    );
}

#[test]
fn a_pull_request_title_finding_is_placed_on_the_first_changed_file() {
    let (repo, base, head) = pull_request_repo(
        &[(".flowgate.yml", "ci:\n  check: title\n")],
        "Initial commit",
        "feature",
        &[("docs/guide.md", "# Guide\n")],
        "Write the guide",
    );
    let payload = pull_request_event(8, "Write the guide", "", &base, &head);
    let file = repo.outside("flowgate.sarif");
    let (mut cmd, _, _) = repo.flowgate_in_actions("pull_request", &payload);
    cmd.arg("ci").arg("--sarif").arg(&file).assert().code(1);
    let log = written_sarif(&file);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let title = results
        .iter()
        .find(|r| r["ruleId"] == "FG301")
        .expect("the title finding is a result");
    assert_eq!(
        location(title),
        (
            "docs/guide.md".to_string(),
            "the first file this change touched; the finding is about the change as a whole"
                .to_string()
        )
    );
}

#[test]
fn check_offers_sarif() {
    let repo = Repo::new();
    seed_backlog(&repo);
    repo.write(
        "backlog/tasks/task-4 - Odd.md",
        "---\nid: TASK-4\ntitle: Odd\nstatus: Won't Do\nspec: specs/001-login/spec.md#requirements\n---\n",
    );
    let out = repo
        .flowgate()
        .args(["check", "--format", "sarif"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(
        results.iter().any(|r| r["ruleId"] == "FG105"
            && location(r).0 == "backlog/tasks/task-4%20-%20Odd.md"),
        "{results:?}"
    );
    // A format check does not offer names every one it does.
    repo.flowgate()
        .args(["check", "--format", "github"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "this command does not offer --format github; use human, json or sarif",
        ));
}

#[test]
fn audit_sarif_places_a_commits_findings_on_the_first_file_it_changed() {
    let repo = Repo::new();
    seed_backlog(&repo);
    repo.commit("TASK-2: start");
    repo.write("src/login.rs", "pub fn login() {}\n");
    let unreferenced = repo.commit("Add login");
    let out = repo
        .flowgate()
        .args(["audit", "--format", "sarif"])
        .output()
        .unwrap();
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let fg301 = results
        .iter()
        .find(|r| r["ruleId"] == "FG301")
        .unwrap_or_else(|| panic!("FG301 is a result: {log}"));
    assert_eq!(
        location(fg301),
        (
            "src/login.rs".to_string(),
            format!(
                "the first file commit {} changed; the finding is about the commit",
                &unreferenced[..7]
            )
        )
    );
}

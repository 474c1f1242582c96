//! `flowgate ci` in a shallow clone (exit 2, naming `fetch-depth: 0`), and the trust rule:
//! a pull request is checked with the base commit's configuration.

mod ci_support;

use ci_support::{pull_request_event, pull_request_repo, seed_backlog, shallow_clone, Repo};

#[test]
fn shallow_clone_without_the_base_exits_2_naming_fetch_depth() {
    let (origin, clone, base, head) = shallow_clone();
    let mut cmd = assert_cmd::Command::cargo_bin("flowgate").unwrap();
    for var in ci_support::GITHUB_VARS {
        cmd.env_remove(var);
    }
    let out = cmd
        .current_dir(&clone)
        .args(["ci", "--base", &base, "--head", &head])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("the base commit `{base}` is not in this clone")),
        "{stderr}"
    );
    assert!(stderr.contains("the clone is shallow"), "{stderr}");
    assert!(stderr.contains("- uses: actions/checkout@v4"), "{stderr}");
    assert!(stderr.contains("fetch-depth: 0"), "{stderr}");

    // The same through a pull_request event.
    let payload = pull_request_event(3, "TASK-2: more", "", &base, &head);
    let event = origin.outside("event.json");
    std::fs::write(&event, payload).unwrap();
    let mut cmd = assert_cmd::Command::cargo_bin("flowgate").unwrap();
    for var in ci_support::GITHUB_VARS {
        cmd.env_remove(var);
    }
    let out = cmd
        .current_dir(&clone)
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &event)
        .args(["ci", "--format", "github"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fetch-depth: 0"));
}

/// Base: `ci.check: title` (the PR title must name a task). The pull request turns the
/// rule off in its own `.flowgate.yml` and has a title without a task: it is still
/// checked with the base configuration, and a note says so.
#[test]
fn pull_request_that_turns_a_rule_off_is_checked_with_the_base_config() {
    let (repo, base, head) = pull_request_repo(
        &[
            (".flowgate.yml", "ci:\n  check: title\n"),
            ("src/lib.rs", "pub fn a() {}\n"),
        ],
        "Initial commit",
        "loosen",
        &[
            (
                ".flowgate.yml",
                "ci:\n  check: title\nrules:\n  missing-task-reference: off\n",
            ),
            ("src/lib.rs", "pub fn a() {}\npub fn b() {}\n"),
        ],
        "Loosen the gate and sneak in b",
    );

    let payload = pull_request_event(9, "Sneak in b", "", &base, &head);
    let (mut cmd, summary, output) = repo.flowgate_in_actions("pull_request", &payload);
    let sarif = repo.outside("out.sarif");
    let out = cmd
        .args(["ci", "--format", "github", "--sarif"])
        .arg(&sarif)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("::error title=FG301 missing-task-reference::pull request #9 \"Sneak in b\" references no task"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "::notice file=.flowgate.yml,title=FG601 config-from-base::this change modifies `.flowgate.yml`; it was checked with the base commit's configuration, not the changed one%0Ahelp: "
        ),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_to_string(output).unwrap(),
        "errors=1\nwarnings=0\nchecked-commits=1\n"
    );
    let md = std::fs::read_to_string(summary).unwrap();
    assert!(md.contains("| notes | 1 |"), "{md}");
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sarif).unwrap()).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let note = results.iter().find(|r| r["ruleId"] == "FG601").unwrap();
    assert_eq!(note["level"], "note");
    // The title's finding is shown on the first file the pull request changed.
    let title = results.iter().find(|r| r["ruleId"] == "FG301").unwrap();
    assert_eq!(
        title["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        ".flowgate.yml"
    );

    // With `config_from_base: false` on the base, the pull request's own file applies.
    let repo = Repo::new();
    seed_backlog(&repo);
    repo.write(
        ".flowgate.yml",
        "ci:\n  check: title\n  config_from_base: false\n",
    );
    let base = repo.commit("Initial commit");
    repo.git(&["checkout", "-q", "-b", "loosen"]);
    repo.write(
        ".flowgate.yml",
        "ci:\n  check: title\n  config_from_base: false\nrules:\n  missing-task-reference: off\n",
    );
    let head = repo.commit("Loosen the gate");
    let payload = pull_request_event(9, "Loosen", "", &base, &head);
    let (mut cmd, _, _) = repo.flowgate_in_actions("pull_request", &payload);
    let out = cmd.args(["ci", "--format", "github"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(!stdout.contains("FG601"), "{stdout}");
}

//! `flowgate ci` in GitHub Actions: `--format github` by default (an explicit `--format`
//! wins), the job summary and step outputs whatever went to stdout, fatal errors as
//! `::error` commands, and a summary note on the findings GitHub does not annotate.

mod ci_support;

use ci_support::{pull_request_event, seed_backlog, shallow_clone, Repo};

/// A pull request with one commit that references no task (FG301) and `errors` task files
/// in an unknown status (FG105) and `warnings` in a misspelt one (FG106).
fn pull_request(errors: usize, warnings: usize) -> (Repo, String) {
    let repo = Repo::new();
    seed_backlog(&repo);
    let base = repo.commit("Initial commit");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    let task = |n: usize, status: &str| {
        repo.write(
            &format!("backlog/tasks/task-{n} - T{n}.md"),
            &format!(
                "---\nid: TASK-{n}\ntitle: T{n}\nstatus: {status}\nspec: specs/001-login/spec.md#requirements\n---\n"
            ),
        );
    };
    for n in 0..errors {
        task(100 + n, "Won't Do");
    }
    for n in 0..warnings {
        task(200 + n, "in progress");
    }
    repo.write("src/app.rs", "fn main() {}\n");
    let head = repo.commit("Add the app");
    let payload =
        pull_request_event(5, "TASK-2: Login", "", &base, &head).replace("task-2-login", "feature");
    (repo, payload)
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn in_actions_ci_defaults_to_github_annotations() {
    let (repo, payload) = pull_request(1, 0);
    let (mut cmd, summary, output) = repo.flowgate_in_actions("pull_request", &payload);
    let out = cmd.arg("ci").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("::error file=backlog/tasks/task-100 - T100.md,line=4,col=9,title=FG105 unknown-status::"),
        "{stdout}"
    );
    assert!(
        stdout.contains("::error title=FG301 missing-task-reference ("),
        "{stdout}"
    );
    assert!(read(&summary).starts_with("## ❌ flowgate: 2 errors, 0 warnings in 1 commit\n"));
    assert_eq!(read(&output), "errors=2\nwarnings=0\nchecked-commits=1\n");

    // Outside GitHub Actions (or when the variable says otherwise) the default is human.
    let (mut cmd, _, _) = repo.flowgate_in_actions("pull_request", &payload);
    let out = cmd
        .env("GITHUB_ACTIONS", "false")
        .arg("ci")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("::error"), "{stdout}");
    assert!(stdout.contains("FG105(unknown-status)"), "{stdout}");
}

#[test]
fn an_explicit_format_wins_and_the_summary_and_outputs_are_still_written() {
    let (repo, payload) = pull_request(1, 0);
    for args in [
        &["ci", "--format", "json"][..],
        &["--format", "json", "ci"][..],
        &["ci", "--format", "sarif"][..],
        &["ci", "--format", "human"][..],
    ] {
        let (mut cmd, summary, output) = repo.flowgate_in_actions("pull_request", &payload);
        let out = cmd.args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.contains("::error"), "{args:?}: {stdout}");
        if args.contains(&"json") {
            let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(doc["summary"]["errors"], 2);
        }
        if args.contains(&"sarif") {
            let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(doc["version"], "2.1.0");
        }
        let summary = read(&summary);
        assert!(
            summary.starts_with("## ❌ flowgate: 2 errors, 0 warnings in 1 commit\n"),
            "{args:?}: {summary}"
        );
        // Nothing was annotated: the summary says so, and where the findings are.
        let format = args[args.iter().position(|a| *a == "--format").unwrap() + 1];
        assert!(
            summary.contains(&format!(
                "> **Not every finding is annotated.** This step printed `--format {format}`, not annotations, so 2 errors have no annotation on the files (the default in GitHub Actions is `--format github`). Every finding is listed below and in this step's log.\n"
            )),
            "{args:?}: {summary}"
        );
        assert!(summary.contains("### Findings"), "{summary}");
        assert_eq!(read(&output), "errors=2\nwarnings=0\nchecked-commits=1\n");
    }
}

#[test]
fn the_summary_counts_the_findings_over_githubs_annotation_limit() {
    let (repo, payload) = pull_request(11, 12);
    let (mut cmd, summary, _) = repo.flowgate_in_actions("pull_request", &payload);
    let out = cmd.arg("ci").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Every finding is printed (the log keeps them all)...
    assert_eq!(stdout.matches("::error ").count(), 12, "{stdout}");
    assert_eq!(stdout.matches("::warning ").count(), 12, "{stdout}");
    // ...and the summary says how many GitHub does not show, and where they are.
    let summary = read(&summary);
    let note = "> **Not every finding is annotated.** GitHub shows at most 10 error, 10 warning and 10 notice annotations per step, so 2 errors and 2 warnings have no annotation on the files. Every finding is listed below and in this step's log.\n";
    assert!(summary.contains(note), "{summary}");
    // Before the findings, so that a summary cut for size keeps it.
    assert!(summary.find(note) < summary.find("### Findings"));

    // At the limit, no note.
    let (repo, payload) = pull_request(9, 10);
    let (mut cmd, summary, _) = repo.flowgate_in_actions("pull_request", &payload);
    cmd.arg("ci").assert().code(1);
    let summary = read(&summary);
    assert!(summary.contains("10 errors, 10 warnings"), "{summary}");
    assert!(!summary.contains("Not every finding"), "{summary}");
}

#[test]
fn in_actions_a_bad_configuration_is_an_error_command_whatever_the_format() {
    let (repo, payload) = pull_request(0, 0);
    repo.write(".flowgate.yml", "ci:\n  chek: title\n");
    // `check` does not offer github: that is said first, as one error command, before any
    // file is read.
    let (mut cmd, _, _) = repo.flowgate_in_actions("pull_request", &payload);
    let out = cmd.args(["check", "--format", "github"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "::error title=flowgate usage error::this command does not offer --format github; use human, json or sarif\n"
    );
    for format in ["sarif", "json", "human"] {
        let (mut cmd, _, _) = repo.flowgate_in_actions("pull_request", &payload);
        // Outside a base commit, with the configuration of the working tree.
        let out = cmd.args(["check", "--format", format]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{format}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with(
                "::error file=.flowgate.yml,line=2,col=3,title=flowgate configuration error::"
            ),
            "{format}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{format}: {stderr}");
    }
    // `ci` reads the configuration from the commits.
    repo.commit("Break the configuration");
    let (mut cmd, _, _) = repo.flowgate_in_actions("pull_request", &payload);
    let out = cmd
        .args(["ci", "--base", "HEAD", "--head", "HEAD", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "::error file=.flowgate.yml,line=2,col=3,title=flowgate configuration error::"
        ),
        "{stderr}"
    );
    // Outside GitHub Actions the same error is the rich human report.
    let out = repo.flowgate().arg("check").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("::error"), "{stderr}");
    assert!(stderr.contains(".flowgate.yml"), "{stderr}");
}

#[test]
fn in_actions_a_shallow_clone_is_an_error_command_naming_fetch_depth() {
    let (origin, clone, base, head) = shallow_clone();
    let payload = pull_request_event(3, "TASK-2: more", "", &base, &head);
    for format in [None, Some("json")] {
        let (mut cmd, _, _) = origin.flowgate_in_actions("pull_request", &payload);
        cmd.current_dir(&clone).arg("ci");
        if let Some(f) = format {
            cmd.args(["--format", f]);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with(&format!(
                "::error title=flowgate repository error::the base commit `{base}` is not in this clone: the clone is shallow"
            )),
            "{format:?}: {stderr}"
        );
        assert!(stderr.contains("fetch-depth: 0"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

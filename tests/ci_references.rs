//! `flowgate ci` reads task references in a pull request's title and body with the same
//! grammar as the hooks: the configured `commits.reference_pattern` (its capture group is
//! the number), and no references inside code spans or URLs.

mod ci_support;

use ci_support::{pull_request_event, pull_request_repo, Repo};

/// A squash-merge repository (`ci.check: title`) whose references are GitHub-style `#N`.
fn fixture(config: &str) -> (Repo, String, String) {
    pull_request_repo(
        &[
            (".flowgate.yml", config),
            ("src/lib.rs", "pub fn app() {}\n"),
        ],
        "Initial commit\n\nRefs: TASK-2",
        "login",
        &[("src/login.rs", "pub fn login() {}\n")],
        "Add the login form (#2)",
    )
}

fn run_ci(repo: &Repo, title: &str, body: &str, base: &str, head: &str) -> (i32, String) {
    let payload = pull_request_event(7, title, body, base, head);
    let (mut cmd, _, _) = repo.flowgate_in_actions("pull_request", &payload);
    let out = cmd
        .args(["ci", "--format", "github"])
        .output()
        .expect("flowgate runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn a_custom_reference_pattern_is_read_in_the_title_as_in_commits() {
    let (repo, base, head) = fixture(
        "links:\n  require: none\nci:\n  check: title\ncommits:\n  reference_pattern: '#(\\d+)'\n",
    );
    let (code, out) = run_ci(&repo, "Add login (#2)", "", &base, &head);
    assert_eq!(code, 0, "{out}");
    // `#99` matched the pattern but was dropped before: an unknown task went unreported.
    let (code, out) = run_ci(&repo, "Add login (#99)", "", &base, &head);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("pull request #7 references TASK-99, which does not exist at the head of the pull request"),
        "{out}"
    );
}

#[test]
fn mentions_in_the_body_are_not_references() {
    let (repo, base, head) = fixture("links:\n  require: none\nci:\n  check: title\n");
    // Only mentions: a code span and a URL.
    let (code, out) = run_ci(
        &repo,
        "Add login",
        "Like `TASK-2`, see https://example.com/backlog/task-2",
        &base,
        &head,
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FG301"), "{out}");
    // Next to an existing task, an unknown ID is a note.
    let (code, out) = run_ci(
        &repo,
        "TASK-2: add login",
        "Replaces TASK-98.",
        &base,
        &head,
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("::notice title=FG302"), "{out}");
}

//! `flowgate ci`: the range (merge-base, events of every kind), the PR title check, and the
//! GitHub outputs (annotations, job summary, step outputs).

mod ci_support;

use ci_support::{pull_request_event, seed_backlog, Repo};

/// main: c1; branch `task-2-login` from c1: b1, b2; then main moves on (m2 changes
/// `.flowgate.yml`, which the pull request itself does not touch). Checked out: the branch.
struct Fixture {
    repo: Repo,
    c1: String,
    b1: String,
    b2: String,
    m2: String,
}

fn fixture() -> Fixture {
    let repo = Repo::new();
    seed_backlog(&repo);
    repo.write(".flowgate.yml", "ci:\n  check: title\n");
    repo.write("src/lib.rs", "pub fn app() {}\n");
    let c1 = repo.commit("Initial commit\n\nRefs: TASK-2");
    repo.git(&["checkout", "-q", "-b", "task-2-login"]);
    repo.write("src/login.rs", "pub fn login() {}\n");
    let b1 = repo.commit("TASK-2: add the login form");
    repo.write(
        "src/login.rs",
        "pub fn login() { validate() }\nfn validate() {}\n",
    );
    let b2 = repo.commit("TASK-2: validate <input> & @mention");
    repo.git(&["checkout", "-q", "main"]);
    repo.write(
        ".flowgate.yml",
        "# the base moved on\nci:\n  check: title\n",
    );
    repo.write("src/lib.rs", "pub fn app() { /* newer */ }\n");
    let m2 = repo.commit("TASK-2: tune the config on main");
    repo.git(&["checkout", "-q", "task-2-login"]);
    Fixture {
        repo,
        c1,
        b1,
        b2,
        m2,
    }
}

#[test]
fn pull_request_without_task_in_title_is_annotated_summarized_and_output() {
    let f = fixture();
    let payload = pull_request_event(7, "Add login", "Adds a form.", &f.m2, &f.b2);
    let (mut cmd, summary, output) = f.repo.flowgate_in_actions("pull_request", &payload);
    let out = cmd.args(["ci", "--format", "github"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "::error title=FG301 missing-task-reference::pull request #7 \"Add login\" references no task in its title or body%0Ahelp: put the task ID in the title, e.g. \"TASK-12: Add login\", or a line \"Task: TASK-12\" in the description\n"
        ),
        "{stdout}"
    );
    // main changed .flowgate.yml after the branch point, the pull request did not: the
    // comparison is against the merge-base, so there is no config-from-base note.
    assert!(!stdout.contains("FG601"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "errors=1\nwarnings=0\nchecked-commits=2\n"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("## ❌ flowgate: 1 error, 0 warnings in 2 commits\n"),
        "{md}"
    );
    assert!(md.contains("| commits checked | 2 |"), "{md}");
    assert!(md.contains("#### Pull request and repository"), "{md}");
    assert!(
        md.contains("| **FG301** missing-task-reference | 1 | 0 | 0 |"),
        "{md}"
    );
}

#[test]
fn pull_request_with_task_in_title_is_clean() {
    let f = fixture();
    let payload = pull_request_event(7, "TASK-2: Add login", "", &f.m2, &f.b2);
    let (mut cmd, summary, output) = f.repo.flowgate_in_actions("pull_request_target", &payload);
    let out = cmd.args(["ci", "--format", "github"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(!stdout.contains("::error"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "errors=0\nwarnings=0\nchecked-commits=2\n"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("## ✅ flowgate: all clear (2 commits checked)"),
        "{md}"
    );
}

#[test]
fn title_naming_a_missing_task_is_reported() {
    let f = fixture();
    let payload = pull_request_event(7, "TASK-99: Add login", "", &f.m2, &f.b2);
    let (mut cmd, _, _) = f.repo.flowgate_in_actions("pull_request", &payload);
    let out = cmd.args(["ci", "--format", "github"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("title=FG302 unknown-task-reference::pull request #7 references TASK-99, which does not exist at the head of the pull request"),
        "{stdout}"
    );
}

fn checked_commits(repo: &Repo, cmd: &mut assert_cmd::Command) -> u64 {
    let out = cmd.output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    let _ = repo;
    v["summary"]["commits"].as_u64().unwrap()
}

#[test]
fn flags_use_the_merge_base() {
    let f = fixture();
    let mut cmd = f.repo.flowgate();
    cmd.args([
        "ci",
        "--format",
        "json",
        "--base",
        "main",
        "--head",
        "task-2-login",
    ]);
    assert_eq!(checked_commits(&f.repo, &mut cmd), 2);
    // Head defaults to HEAD; a base that is an ancestor gives the commits after it.
    let mut cmd = f.repo.flowgate();
    cmd.args(["ci", "--format", "json", "--base", &f.b1]);
    assert_eq!(checked_commits(&f.repo, &mut cmd), 1);
    let mut cmd = f.repo.flowgate();
    cmd.args(["ci", "--format", "json", "--base", &f.c1, "--head", &f.m2]);
    assert_eq!(checked_commits(&f.repo, &mut cmd), 1);
}

#[test]
fn push_merge_group_and_new_branch_events() {
    let f = fixture();
    let push = serde_json::json!({
        "ref": "refs/heads/task-2-login", "before": f.b1, "after": f.b2,
        "repository": { "full_name": "acme/widgets", "default_branch": "main" }
    })
    .to_string();
    let (mut cmd, _, output) = f.repo.flowgate_in_actions("push", &push);
    cmd.args(["ci", "--format", "github"]).assert().success();
    assert!(std::fs::read_to_string(&output)
        .unwrap()
        .contains("checked-commits=1\n"));

    // A push that creates the branch: from where it left the default branch.
    let new_branch = serde_json::json!({
        "ref": "refs/heads/task-2-login",
        "before": "0000000000000000000000000000000000000000", "after": f.b2,
        "repository": { "full_name": "acme/widgets", "default_branch": "main" }
    })
    .to_string();
    let (mut cmd, _, output) = f.repo.flowgate_in_actions("push", &new_branch);
    cmd.args(["ci", "--format", "github"]).assert().success();
    assert!(std::fs::read_to_string(&output)
        .unwrap()
        .contains("checked-commits=2\n"));

    let group = serde_json::json!({
        "action": "checks_requested",
        "merge_group": { "base_sha": f.m2, "head_sha": f.b2,
                         "head_ref": "refs/heads/gh-readonly-queue/main/pr-7-x" },
        "repository": { "full_name": "acme/widgets", "default_branch": "main" }
    })
    .to_string();
    let (mut cmd, _, output) = f.repo.flowgate_in_actions("merge_group", &group);
    cmd.args(["ci", "--format", "github"]).assert().success();
    assert!(std::fs::read_to_string(&output)
        .unwrap()
        .contains("checked-commits=2\n"));
}

#[test]
fn no_base_anywhere_is_a_usage_error() {
    let f = fixture();
    let out = f.repo.flowgate().args(["ci"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("pass --base REV"), "{stderr}");
}

#[test]
fn commit_subjects_are_escaped_in_the_summary() {
    let f = fixture();
    // The title check fails, so the summary lists findings; a commit-level finding would
    // carry the subject, which must never reach the markdown raw.
    let payload = pull_request_event(7, "<b>Add</b> login @team", "", &f.m2, &f.b2);
    let (mut cmd, summary, _) = f.repo.flowgate_in_actions("pull_request", &payload);
    cmd.args(["ci", "--format", "github"]).assert().code(1);
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(!md.contains("<b>"), "{md}");
    assert!(!md.contains("@team"), "{md}");
    assert!(
        md.contains("&lt;b&gt;Add&lt;/b&gt; login @\u{200b}team"),
        "{md}"
    );
}

#[test]
fn commit_without_task_and_illegal_transition_are_annotated_per_commit() {
    let repo = Repo::new();
    seed_backlog(&repo);
    repo.write(
        "backlog/tasks/task-3 - Logout.md",
        "---\nid: TASK-3\ntitle: Logout\nstatus: To Do\nspec: specs/001-login/spec.md#requirements\n---\n\n## Description\n\nLog out.\n",
    );
    // The event's branch is `task-2-login`: without this, it would supply the reference.
    repo.write(".flowgate.yml", "commits:\n  branch_fallback: false\n");
    let base = repo.commit("Initial commit");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("src/lib.rs", "pub fn a() {}\n");
    let bare = repo.commit("add a");
    repo.write(
        "backlog/tasks/task-3 - Logout.md",
        "---\nid: TASK-3\ntitle: Logout\nstatus: Done\nspec: specs/001-login/spec.md#requirements\n---\n\n## Description\n\nLog out.\n",
    );
    let jump = repo.commit("TASK-2: finish logout early");
    let payload = pull_request_event(8, "TASK-2: a", "", &base, &jump);
    let (mut cmd, summary, output) = repo.flowgate_in_actions("pull_request", &payload);
    let out = cmd.args(["ci", "--format", "github"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let short = &bare[..7];
    assert!(
        stdout.contains(&format!(
            "::error title=FG301 missing-task-reference ({short})::"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "::error file=backlog/tasks/task-3 - Logout.md,line=4,col=9,title=FG401 illegal-transition ({})::",
            &jump[..7]
        )),
        "{stdout}"
    );
    assert!(std::fs::read_to_string(output)
        .unwrap()
        .contains("checked-commits=2\n"));
    let md = std::fs::read_to_string(summary).unwrap();
    assert!(md.contains(&format!("#### Commit `{short}` add a")), "{md}");
}

#[test]
#[cfg(unix)]
fn a_task_file_whose_name_is_not_utf8_in_a_pull_request_is_reported() {
    use std::os::unix::ffi::OsStrExt;
    let repo = Repo::new();
    seed_backlog(&repo);
    repo.write(".flowgate.yml", "links:\n  require: none\n");
    let base = repo.commit("Initial commit\n\nRefs: TASK-2");
    repo.git(&["checkout", "-q", "-b", "task-2-login"]);
    let name = std::ffi::OsStr::from_bytes(b"task-5 - Caf\xe9.md");
    std::fs::write(
        repo.dir.join("backlog/tasks").join(name),
        "---\nid: TASK-5\ntitle: Cafe\nstatus: To Do\n---\n",
    )
    .expect("write");
    let odd = std::ffi::OsStr::from_bytes(b"caf\xe9.rs");
    std::fs::create_dir_all(repo.dir.join("src")).expect("mkdir");
    std::fs::write(repo.dir.join("src").join(odd), "fn cafe() {}\n").expect("write");
    repo.commit("Add a cafe");
    let out = repo
        .flowgate()
        .args(["ci", "--format", "json", "--base", &base])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let findings = report["findings"].as_array().expect("findings");
    let on = |code: &str, file: Option<&str>| {
        findings
            .iter()
            .find(|f| f["code"] == code && file.is_none_or(|p| f["file"] == p))
            .unwrap_or_else(|| panic!("no {code} on {file:?}: {stdout}"))
    };
    let fg100 = on("FG100", Some("backlog/tasks/task-5 - Caf\\xE9.md"));
    assert!(
        fg100["message"]
            .as_str()
            .is_some_and(|m| m.contains("name is not valid UTF-8")),
        "{fg100}"
    );
    assert!(
        fg100["help"]
            .as_str()
            .is_some_and(|m| m.contains("rename the file to a UTF-8 name")),
        "{fg100}"
    );
    // The commit changes only the odd-named code file (and a task): still code.
    on("FG301", None);
}

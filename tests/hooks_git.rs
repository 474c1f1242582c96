//! The git situations the hooks must handle, each through real git.

mod hooks_support;

use hooks_support::{task, Repo};

const T1: &str = "backlog/tasks/task-1 - Login.md";
const T2: &str = "backlog/tasks/task-2 - Logout.md";

#[test]
fn first_commit_on_an_unborn_branch_has_no_transitions_to_judge() {
    let r = Repo::new();
    // A backlog adopted as it is: a task already Done is no illegal initial status here.
    r.write_task("TASK-1", "Login", "In Progress", &[]);
    r.write_task("TASK-2", "Logout", "Done", &[(true, "Button works")]);
    r.write("src/main.rs", "fn main() {}\n");
    r.commit_all("Adopt flowgate\n\nRefs: TASK-1").success();
}

#[test]
fn detached_head() {
    let r = Repo::seeded();
    r.git(&["checkout", "-q", "--detach"]).success();
    r.write("src/main.rs", "fn main() { login(); }\n");
    r.commit_all("Wire login").failure().stderr_has(&["FG301"]);
    r.commit_all("Wire login\n\nRefs: TASK-1").success();
}

#[test]
fn amend_is_not_falsely_rejected() {
    let r = Repo::seeded();
    // HEAD reopens TASK-1 (legal); amending it to "Done" is legal from HEAD's parent.
    // HEAD was made earlier (an amend keeps HEAD's author date: that is how the hook
    // knows `--amend -m` amends; a commit of the same second looks like a new one).
    r.write(
        T1,
        &task("TASK-1", "Login", "To Do", &[(true, "Form works")]),
    );
    r.commit_all_earlier("Reopen login").success();
    r.write(
        T1,
        &task("TASK-1", "Login", "Done", &[(true, "Form works")]),
    );
    r.git(&["add", "-A"]).success();
    r.git(&["commit", "-q", "--amend", "-m", "Finish login"])
        .success();
    // A message-only amend of a code commit.
    r.write("src/main.rs", "fn main() { login(); }\n");
    r.write(T2, &task("TASK-2", "Logout", "In Progress", &[]));
    r.commit_all("Wire logout\n\nRefs: TASK-2").success();
    r.git(&[
        "commit",
        "-q",
        "--amend",
        "-m",
        "Wire logout properly\n\nRefs: TASK-2",
    ])
    .success();
}

#[test]
fn commit_all_checks_the_temporary_index() {
    let r = Repo::seeded();
    r.write(T2, &task("TASK-2", "Logout", "Done", &[]));
    r.git(&["commit", "-q", "-a", "-m", "Close logout"])
        .failure()
        .stderr_has(&["FG401", "TASK-2 moved from \"To Do\" to \"Done\""]);
    r.write(T2, &task("TASK-2", "Logout", "In Progress", &[]));
    r.git(&["commit", "-q", "-a", "-m", "Start logout"])
        .success();
}

#[test]
fn commit_paths_checks_the_index_git_passes_in_git_index_file() {
    let r = Repo::seeded();
    // An illegal change is staged, but the commit takes only src/main.rs.
    r.write(T2, &task("TASK-2", "Logout", "Done", &[]));
    r.git(&["add", T2]).success();
    r.write("src/main.rs", "fn main() { login(); }\n");
    r.git(&[
        "commit",
        "-q",
        "src/main.rs",
        "-m",
        "Wire login\n\nRefs: TASK-1",
    ])
    .success();
    // Committing the task file by path is judged.
    r.git(&["commit", "-q", T2, "-m", "Close logout"])
        .failure()
        .stderr_has(&["FG401"]);
}

#[test]
fn merge_commits_judge_each_side_against_its_own_history() {
    let r = Repo::seeded();
    r.git(&["checkout", "-q", "-b", "feature"]).success();
    r.write(
        T2,
        &task(
            "TASK-2",
            "Logout",
            "In Progress",
            &[(false, "Button works")],
        ),
    );
    r.commit_all("Start logout").success();
    r.write(
        T2,
        &task("TASK-2", "Logout", "Done", &[(true, "Button works")]),
    );
    r.commit_all("Finish logout").success();
    r.git(&["checkout", "-q", "main"]).success();
    r.write("src/other.rs", "pub fn other() {}\n");
    r.commit_all("Other work\n\nRefs: TASK-1").success();
    // From main's HEAD, TASK-2 jumps from To Do to Done; from feature it does not move.
    r.git(&["merge", "-q", "--no-ff", "--no-edit", "feature"])
        .success();
}

#[test]
fn resolved_merge_conflict() {
    let r = Repo::seeded();
    r.git(&["checkout", "-q", "-b", "feature"]).success();
    r.write("src/main.rs", "fn main() { feature(); }\n");
    r.commit_all("Feature\n\nRefs: TASK-1").success();
    r.git(&["checkout", "-q", "main"]).success();
    r.write("src/main.rs", "fn main() { mainline(); }\n");
    r.commit_all("Mainline\n\nRefs: TASK-1").success();
    r.git(&["merge", "-q", "feature"]).failure();
    r.write("src/main.rs", "fn main() { mainline(); feature(); }\n");
    r.git(&["add", "src/main.rs"]).success();
    r.git(&["commit", "-q", "--no-edit"]).success();
    assert!(r.head_message().starts_with("Merge branch 'feature'"));
}

#[test]
fn rebase_interactive_reword() {
    let r = Repo::seeded();
    r.write("src/main.rs", "fn main() { login(); }\n");
    r.commit_all("Wire login\n\nRefs: TASK-1").success();
    let editor = r.root.join("reword.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nprintf 'Wire the login form\\n\\nRefs: TASK-1\\n' > \"$1\"\n",
    )
    .unwrap();
    let editor_cmd = format!("sh {}", editor.display());
    r.git_env(
        &[
            ("GIT_SEQUENCE_EDITOR", "sed -i -e 's/^pick/reword/'"),
            ("GIT_EDITOR", &editor_cmd),
        ],
        &["rebase", "-q", "-i", "HEAD~1"],
    )
    .success();
    assert_eq!(r.head_message(), "Wire the login form\n\nRefs: TASK-1\n\n");
    // Rewording away the reference is rejected by commit-msg and stops the rebase.
    std::fs::write(&editor, "#!/bin/sh\nprintf 'Wire it\\n' > \"$1\"\n").unwrap();
    r.git_env(
        &[
            ("GIT_SEQUENCE_EDITOR", "sed -i -e 's/^pick/reword/'"),
            ("GIT_EDITOR", &editor_cmd),
        ],
        &["rebase", "-q", "-i", "HEAD~1"],
    )
    .failure()
    .stderr_has(&["FG301"]);
    r.git(&["rebase", "--abort"]).success();
}

#[test]
fn cherry_pick() {
    let r = Repo::seeded();
    r.git(&["checkout", "-q", "-b", "feature"]).success();
    r.write("src/feature.rs", "pub fn f() {}\n");
    r.commit_all("Feature\n\nRefs: TASK-1").success();
    r.git(&["checkout", "-q", "main"]).success();
    r.git(&["cherry-pick", "feature"]).success();
}

#[test]
fn submodule_present() {
    let r = Repo::seeded();
    let _sub = r.add_submodule("vendor/lib");
    r.git(&["commit", "-q", "-m", "Vendor lib"])
        .failure()
        .stderr_has(&["FG301"]);
    r.git(&["commit", "-q", "-m", "Vendor lib\n\nRefs: TASK-1"])
        .success();
    r.write(T2, &task("TASK-2", "Logout", "Done", &[]));
    r.commit_all("Close logout")
        .failure()
        .stderr_has(&["FG401"]);
}

#[test]
fn dot_backlog_with_a_custom_prefix() {
    let r = Repo::with_backlog(".backlog", "feat");
    r.write(
        ".backlog/tasks/feat-001 - Login.md",
        &task("FEAT-001", "Login", "In Progress", &[]),
    );
    r.write("src/main.rs", "fn main() {}\n");
    r.commit_all("Start\n\nRefs: feat-1").success();
    r.write("src/main.rs", "fn main() { login(); }\n");
    r.commit_all("Wire login")
        .failure()
        .stderr_has(&["help: add a line \"Refs: FEAT-1\""]);
    r.write(
        ".backlog/tasks/feat-001 - Login.md",
        &task("FEAT-001", "Login", "Done", &[(false, "Works")]),
    );
    r.commit_all("Finish login\n\nRefs: FEAT-1")
        .failure()
        .stderr_has(&[
            "FEAT-1 cannot enter \"Done\": acceptance criterion #1 \"Works\" is not checked",
        ]);
}

fn backlog_available() -> bool {
    std::process::Command::new("backlog")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn backlog_md_auto_commits_pass_when_legal_and_fail_when_not() {
    if !backlog_available() {
        eprintln!("skipped: the Backlog.md CLI (`backlog`) is not on PATH");
        return;
    }
    let r = Repo::bare_init();
    r.git(&["config", "user.name", "Alice"]).success();
    r.git(&["config", "user.email", "alice@example.com"])
        .success();
    let backlog = |args: &[&str]| {
        let mut c = std::process::Command::new("backlog");
        c.current_dir(&r.root)
            .env("PATH", hooks_support::path_env())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .args(args);
        c.output().expect("backlog runs")
    };
    let ok = |o: std::process::Output| {
        assert!(
            o.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    };
    ok(backlog(&[
        "init",
        "Demo",
        "--defaults",
        "--integration-mode",
        "none",
    ]));
    r.write(".flowgate.yml", "links:\n  require: none\n");
    r.git(&["add", "-A"]).success();
    r.git(&["commit", "-q", "-m", "Init backlog"]).success();
    r.flowgate(&["install"]).success();
    ok(backlog(&["config", "set", "autoCommit", "true"]));
    r.git(&["commit", "-q", "-am", "Enable auto-commit"])
        .success();
    ok(backlog(&[
        "task",
        "create",
        "Gate",
        "--ac",
        "Hook installs",
        "--ac",
        "Hook blocks",
        "--plain",
    ]));
    ok(backlog(&[
        "task",
        "edit",
        "1",
        "-s",
        "In Progress",
        "--plain",
    ]));
    let rejected = backlog(&["task", "edit", "1", "-s", "Done", "--plain"]);
    assert!(
        !rejected.status.success(),
        "an unchecked-AC Done must be rejected"
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&rejected.stdout),
        String::from_utf8_lossy(&rejected.stderr)
    );
    assert!(text.contains("FG403"), "{text}");
    ok(backlog(&[
        "task",
        "edit",
        "1",
        "--check-ac",
        "1",
        "--check-ac",
        "2",
        "--plain",
    ]));
    ok(backlog(&["task", "edit", "1", "-s", "Done", "--plain"]));
    let log = r.git(&["log", "--format=%s"]).success().stdout;
    assert!(log.contains("Update task TASK-1"), "{log}");
}

/// Writes `content` at `dir/name`, `name` given as raw bytes (not UTF-8).
#[cfg(unix)]
fn write_raw_name(r: &Repo, dir: &str, name: &[u8], content: &str) {
    use std::os::unix::ffi::OsStrExt;
    let folder = r.root.join(dir);
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::write(folder.join(std::ffi::OsStr::from_bytes(name)), content).expect("write");
}

#[test]
#[cfg(unix)]
fn a_staged_task_file_whose_name_is_not_utf8_is_reported_by_the_pre_commit_hook() {
    let r = Repo::seeded();
    write_raw_name(
        &r,
        "backlog/tasks",
        b"task-5 - Caf\xe9.md",
        &task("TASK-5", "Cafe", "To Do", &[]),
    );
    r.commit_all("Add a task\n\nRefs: TASK-1")
        .failure()
        .stderr_has(&[
            "FG100",
            "backlog/tasks/task-5 - Caf\\xE9.md",
            "name is not valid UTF-8",
            "rename the file to a UTF-8 name",
        ]);
    // Renamed, it commits.
    r.git(&["rm", "-q", "--cached", "-r", "backlog/tasks"])
        .success();
    std::fs::remove_file(r.root.join("backlog/tasks").join({
        use std::os::unix::ffi::OsStrExt;
        std::ffi::OsStr::from_bytes(b"task-5 - Caf\xe9.md")
    }))
    .expect("rm");
    r.write_task("TASK-5", "Cafe", "To Do", &[]);
    r.commit_all("Add a task\n\nRefs: TASK-1").success();
}

#[test]
#[cfg(unix)]
fn a_code_file_whose_name_is_not_utf8_is_still_a_change_to_code() {
    let r = Repo::seeded();
    write_raw_name(&r, "src", b"caf\xe9.rs", "fn cafe() {}\n");
    r.commit_all("Add a module")
        .failure()
        .stderr_has(&["FG301(missing-task-reference)"]);
    r.commit_all("Add a module\n\nRefs: TASK-1").success();
}

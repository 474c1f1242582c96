//! The pre-commit hook's records of large trees (`.git/flowgate/trees/`): HEAD's task
//! folder read from its record judges exactly as when it is read from git's objects, a
//! commit made through the hook leaves the record the next commit reads, and a record
//! that is not the tree it names is never used. Real git, real `git commit` with the
//! hooks installed; the task folder is large enough to be recorded (over 256 KiB).

mod hooks_support;

use std::path::PathBuf;

use hooks_support::{git_cmd, task, Repo, Run};

const T1: &str = "backlog/tasks/task-1 - Login.md";
const T2: &str = "backlog/tasks/task-2 - Logout.md";

/// Task files besides TASK-1 and TASK-2: with their long names, a task folder's tree of
/// about 300 KB.
const FILLERS: usize = 3200;

/// A repository whose task folder is recorded: TASK-1 in progress, TASK-2 to do (one
/// unchecked criterion), and many more tasks to do; committed without the hooks, so no
/// record exists yet.
fn large() -> Repo {
    let r = Repo::new();
    r.write_task("TASK-1", "Login", "In Progress", &[(true, "Form works")]);
    r.write_task("TASK-2", "Logout", "To Do", &[(false, "Button works")]);
    for n in 0..FILLERS {
        let id = format!("TASK-{}", n + 10);
        let title = format!("Filler task with a long descriptive title number {n}");
        r.write_task(&id, &title, "To Do", &[]);
    }
    r.write("src/main.rs", "fn main() {}\n");
    r.git(&["add", "-A"]).success();
    r.git(&["commit", "-q", "--no-verify", "-m", "Start\n\nRefs: TASK-1"])
        .success();
    r
}

fn records_dir(r: &Repo) -> PathBuf {
    r.root.join(".git/flowgate/trees")
}

/// The ids of the recorded trees.
fn records(r: &Repo) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(records_dir(r))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

fn rev(r: &Repo, spec: &str) -> String {
    r.git(&["rev-parse", spec])
        .success()
        .stdout
        .trim()
        .to_string()
}

/// The raw contents of tree `id`, as git has it.
fn tree_bytes(r: &Repo, id: &str) -> Vec<u8> {
    let out = git_cmd(&r.root)
        .args(["cat-file", "tree", id])
        .output()
        .expect("git runs");
    assert!(out.status.success());
    out.stdout
}

/// Asserts that the record of tree `id` exists and holds git's bytes of that tree.
fn assert_recorded(r: &Repo, id: &str) {
    let record = std::fs::read(records_dir(r).join(id))
        .unwrap_or_else(|e| panic!("no record of {id} ({e}); records: {:?}", records(r)));
    assert!(
        record == tree_bytes(r, id),
        "the record of {id} is not that tree"
    );
}

/// `flowgate hook pre-commit` on the staged change: exit status and report.
fn hook(r: &Repo) -> (bool, String) {
    let run: Run = r.flowgate(&["hook", "pre-commit"]);
    (run.ok, run.stderr)
}

/// The hook's verdict read from git's objects (no records) and again from the record of
/// HEAD's task folder that the first run left: the same, and returned.
fn judged_alike(r: &Repo) -> (bool, String) {
    let _ = std::fs::remove_dir_all(records_dir(r));
    let slow = hook(r);
    assert_recorded(r, &rev(r, "HEAD:backlog/tasks"));
    let fast = hook(r);
    assert_eq!(slow, fast, "judged differently from the record");
    slow
}

#[test]
fn a_commit_through_the_hook_records_the_task_folder_the_next_commit_reads() {
    let r = large();
    r.write(
        T2,
        &task(
            "TASK-2",
            "Logout",
            "In Progress",
            &[(false, "Button works")],
        ),
    );
    r.commit_all("Start logout\n\nRefs: TASK-2").success();
    // HEAD's task folder came from the index, before git wrote the commit.
    let head = rev(&r, "HEAD:backlog/tasks");
    assert_recorded(&r, &head);
    // The next commit reads it: an unchecked criterion still stops "Done".
    r.write(
        T2,
        &task("TASK-2", "Logout", "Done", &[(false, "Button works")]),
    );
    r.commit_all("Finish logout\n\nRefs: TASK-2")
        .failure()
        .stderr_has(&["FG403", "TASK-2"]);
    let (ok, report) = judged_alike(&r);
    assert!(!ok && report.contains("FG403"), "{report}");
    r.write(
        T2,
        &task("TASK-2", "Logout", "Done", &[(true, "Button works")]),
    );
    r.commit_all("Finish logout\n\nRefs: TASK-2").success();
    assert_recorded(&r, &rev(&r, "HEAD:backlog/tasks"));
    // A commit that changes no task file leaves the task folder's record as it is.
    r.write("src/main.rs", "fn main() { logout(); }\n");
    r.commit_all("Wire login\n\nRefs: TASK-1").success();
    assert_recorded(&r, &rev(&r, "HEAD:backlog/tasks"));
    assert!(
        records(&r).len() <= 4,
        "old records are removed: {:?}",
        records(&r)
    );
}

#[test]
fn a_record_that_is_not_its_tree_is_never_used() {
    let r = large();
    // An illegal move: To Do straight to Done.
    r.write(
        T2,
        &task("TASK-2", "Logout", "Done", &[(true, "Button works")]),
    );
    r.git(&["add", "-A"]).success();
    let (ok, expected) = judged_alike(&r);
    assert!(!ok && expected.contains("FG401"), "{expected}");
    let head = rev(&r, "HEAD:backlog/tasks");
    let record = records_dir(&r).join(&head);
    let real = tree_bytes(&r, &head);
    // A record of HEAD's task folder that holds the staged folder instead: trusted, it
    // would hide the change.
    let staged_root = r.git(&["write-tree"]).success().stdout.trim().to_string();
    let staged = tree_bytes(&r, &rev(&r, &format!("{staged_root}:backlog/tasks")));
    assert_ne!(staged, real);
    let cut = real.get(..real.len() / 2).unwrap_or_default().to_vec();
    for (what, bytes) in [
        ("the staged folder", staged),
        ("cut short", cut),
        ("empty", Vec::new()),
    ] {
        std::fs::write(&record, &bytes).unwrap();
        assert_eq!(hook(&r), (ok, expected.clone()), "record {what}");
        // Read from git's objects instead, the tree is recorded again.
        assert_recorded(&r, &head);
    }
    // A record that is a symbolic link, or a records folder that is a file.
    std::fs::remove_file(&record).unwrap();
    std::os::unix::fs::symlink(r.root.join(T1), &record).unwrap();
    assert_eq!(hook(&r), (ok, expected.clone()), "record a symbolic link");
    std::fs::remove_dir_all(records_dir(&r)).unwrap();
    std::fs::write(records_dir(&r), "in the way").unwrap();
    assert_eq!(hook(&r), (ok, expected.clone()), "records folder a file");
    std::fs::remove_file(records_dir(&r)).unwrap();
    // Through git: the commit is refused.
    r.git(&["commit", "-q", "-m", "Finish logout\n\nRefs: TASK-2"])
        .failure()
        .stderr_has(&["FG401", "TASK-2"]);
}

#[test]
fn an_amend_is_judged_from_the_record_of_heads_parent() {
    let r = large();
    // HEAD reopens TASK-1 (legal), made earlier (an amend keeps HEAD's author date).
    r.write(
        T1,
        &task("TASK-1", "Login", "To Do", &[(true, "Form works")]),
    );
    r.commit_all_earlier("Reopen login\n\nRefs: TASK-1")
        .success();
    let parent = rev(&r, "HEAD~1:backlog/tasks");
    assert_recorded(&r, &parent);
    // Amended to "Done": legal from HEAD's parent (In Progress), read from its record.
    let done = |id: &str, title: &str, ac: &str| task(id, title, "Done", &[(true, ac)]);
    amend(
        &r,
        T1,
        &done("TASK-1", "Login", "Form works"),
        "Finish login",
    )
    .success();
    // Amended to an illegal move from HEAD's parent: TASK-2 To Do -> Done.
    amend(
        &r,
        T2,
        &done("TASK-2", "Logout", "Button works"),
        "Finish both",
    )
    .failure()
    .stderr_has(&["FG401", "TASK-2"]);
}

/// Writes `content` to `path`, stages everything and amends HEAD with `subject` (which
/// references TASK-1).
fn amend(r: &Repo, path: &str, content: &str, subject: &str) -> Run {
    r.write(path, content);
    r.git(&["add", "-A"]).success();
    let message = format!("{subject}\n\nRefs: TASK-1");
    r.git(&["commit", "-q", "--amend", "-m", &message])
}

#[test]
fn a_merge_and_a_detached_head_judge_alike_with_and_without_records() {
    let r = large();
    // On `other`, TASK-2 moves legally to Done in two steps.
    r.git(&["checkout", "-q", "-b", "other"]).success();
    r.write(
        T2,
        &task("TASK-2", "Logout", "In Progress", &[(true, "Button works")]),
    );
    r.commit_all("Start logout\n\nRefs: TASK-2").success();
    r.write(
        T2,
        &task("TASK-2", "Logout", "Done", &[(true, "Button works")]),
    );
    r.commit_all("Finish logout\n\nRefs: TASK-2").success();
    r.git(&["checkout", "-q", "main"]).success();
    r.write("src/main.rs", "fn main() { login(); }\n");
    r.commit_all("Wire login\n\nRefs: TASK-1").success();
    // Merging it brings TASK-2 from To Do to Done in one step, which the merged branch
    // made legally: no finding, from records or not.
    r.git(&["merge", "-q", "--no-commit", "--no-ff", "other"])
        .success();
    assert_eq!(judged_alike(&r), (true, String::new()));
    r.git(&["commit", "-q", "-m", "Merge other\n\nRefs: TASK-2"])
        .success();
    // On a detached HEAD, an illegal move is found alike.
    r.git(&["checkout", "-q", "--detach"]).success();
    r.write(
        T1,
        &task("TASK-1", "Login", "To Do", &[(true, "Form works")]),
    );
    let title = "Filler task with a long descriptive title number 1";
    r.write_task("TASK-11", title, "Done", &[]);
    r.git(&["add", "-A"]).success();
    let (ok, report) = judged_alike(&r);
    assert!(!ok && report.contains("FG401"), "{report}");
}

//! FG111: a task in the last status with unchecked items, seen by `check` on the whole
//! tree and by the pre-commit hook on the staged task files.

mod hooks_support;

use hooks_support::{task, Repo};

const T1: &str = "backlog/tasks/task-1 - Login.md";

/// A repository whose TASK-1 was set to "Done" with open criteria past the hook.
fn done_with_open_items() -> Repo {
    let r = Repo::seeded();
    r.write(
        T1,
        &task(
            "TASK-1",
            "Login",
            "Done",
            &[
                (true, "Form works"),
                (false, "Errors shown"),
                (false, "Lockout"),
                (false, "Audit log"),
                (false, "Rate limit"),
            ],
        ),
    );
    r.git(&["add", "-A"]).success();
    r.git(&["commit", "-q", "--no-verify", "-m", "Finish login"])
        .success();
    r
}

const MESSAGE: &str = "TASK-1 is \"Done\" with unchecked acceptance criteria #2 \"Errors shown\", #3 \"Lockout\", #4 \"Audit log\" and 1 more";
const HELP: &str = "help: check each item that is met (`- [x]`): backlog task edit 1 --check-ac 2 --check-ac 3 --check-ac 4 --check-ac 5; if the work is not finished, set the status back: backlog task edit 1 -s \"In Progress\"";

#[test]
fn check_reports_a_done_task_with_open_criteria_as_a_warning() {
    let r = done_with_open_items();
    let run = r.flowgate(&["check"]).success();
    let run = hooks_support::Run {
        stderr: format!("{}{}", run.stdout, run.stderr),
        ..run
    };
    run.stderr_has(&["FG111(done-with-open-items)", MESSAGE, HELP]);
    let json = r.flowgate(&["check", "--format", "json"]).success().stdout;
    let json: serde_json::Value = serde_json::from_str(&json).expect("json");
    let finding = &json["findings"][0];
    assert_eq!(finding["code"], "FG111");
    assert_eq!(finding["severity"], "warning");
    assert_eq!(finding["file"], T1);
    // On the first unchecked item.
    assert_eq!(finding["line"], 20);
}

#[test]
fn the_pre_commit_hook_warns_on_a_staged_done_task_and_lets_it_pass() {
    let r = done_with_open_items();
    // An unrelated edit of the task (its title) stages it: the focused snapshot sees it.
    let text = r.read(T1).replace("title: Login", "title: Login form");
    r.write(T1, &text);
    r.commit_all("Retitle login\n\nRefs: TASK-1")
        .success()
        .stderr_has(&["FG111(done-with-open-items)", MESSAGE, HELP]);
}

#[test]
fn entering_done_with_open_items_is_one_guard_finding_not_two() {
    let r = Repo::seeded();
    r.write(
        T1,
        &task(
            "TASK-1",
            "Login",
            "Done",
            &[(true, "Form works"), (false, "Errors shown")],
        ),
    );
    let run = r
        .commit_all("Finish login\n\nRefs: TASK-1")
        .failure()
        .stderr_has(&["FG403(guard-not-met)"]);
    assert!(!run.stderr.contains("FG111"), "{}", run.stderr);
}

#[test]
fn explain_prints_the_rule() {
    let r = Repo::seeded();
    let out = r.flowgate(&["explain", "FG111"]).success().stdout;
    assert!(out.contains("done-with-open-items"), "{out}");
    assert!(
        out.contains("## Use instead") || out.contains("Use instead"),
        "{out}"
    );
}

#[test]
fn human_output_ends_with_counts_per_rule() {
    let r = done_with_open_items();
    r.write(
        "backlog/tasks/task-3 - Login.md",
        &task("TASK-1", "Login", "To Do", &[]),
    );
    let run = r.flowgate(&["check"]);
    let tail: Vec<&str> = run.stdout.lines().rev().take(5).collect();
    assert_eq!(
        tail,
        [
            "✗ 2 errors, 1 warning (3 tasks, 0 spec files checked)",
            "  FG111 done-with-open-items  1 warning",
            "  FG104 duplicate-task-id     1 error",
            "  FG103 id-filename-mismatch  1 error",
            "findings by rule:",
        ],
        "{}",
        run.stdout
    );
}

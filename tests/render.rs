//! Snapshots of the rendered human output (`--color never`) of the main findings: what
//! a user sees in the terminal.

use assert_cmd::Command;
use assert_fs::prelude::*;
use assert_fs::TempDir;

/// Runs flowgate in `dir` and returns stdout and stderr, with the temp path replaced.
fn run(dir: &TempDir, args: &[&str]) -> String {
    let out = Command::cargo_bin("flowgate")
        .unwrap()
        .arg("-C")
        .arg(dir.path())
        .args(["--color", "never"])
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = format!(
        "exit: {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    text.replace(&dir.path().display().to_string(), "[DIR]")
}

#[test]
fn config_error_points_at_the_unknown_key() {
    let tmp = TempDir::new().unwrap();
    tmp.child(".flowgate.yml")
        .write_str("specs:\n  globs: [\"specs/*/spec.md\"]\nlinks:\n  requre: file\n")
        .unwrap();
    insta::assert_snapshot!(run(&tmp, &["check"]));
}

/// A committed repo with a default backlog, one spec-kit feature and the given task files.
fn repo(tasks: &[(&str, &str)]) -> TempDir {
    let tmp = TempDir::new().unwrap();
    tmp.child("backlog/config.yml")
        .write_str("project_name: \"Demo\"\nstatuses: [\"To Do\", \"In Progress\", \"Done\"]\ntask_prefix: \"task\"\n")
        .unwrap();
    tmp.child("specs/001-user-login/spec.md")
        .write_str(
            "# Feature Specification: User login\n\n\
             ## User Scenarios & Testing\n\n\
             ### User Story 1 - Sign in with email (Priority: P1)\n\n\
             A customer signs in.\n\n\
             ## Requirements\n\n\
             - **FR-001**: The system MUST show a sign-in form.\n",
        )
        .unwrap();
    for (name, text) in tasks {
        tmp.child(format!("backlog/tasks/{name}"))
            .write_str(text)
            .unwrap();
    }
    git2::Repository::init(tmp.path()).unwrap();
    tmp
}

fn task(id: &str, status: &str, spec: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: Sign-in form\nstatus: {status}\nassignee: []\nlabels: []\n\
         dependencies: []\nspec: {spec}\n---\n\n## Acceptance Criteria\n<!-- AC:BEGIN -->\n\
         - [ ] #1 The form has an email field\n<!-- AC:END -->\n"
    )
}

#[test]
fn unknown_status_is_shown_on_the_status_line() {
    let tmp = repo(&[(
        "task-1 - Sign-in-form.md",
        &task("TASK-1", "Won't Do", "001-user-login/FR-001"),
    )]);
    insta::assert_snapshot!(run(&tmp, &["check"]));
}

#[test]
fn broken_spec_link_suggests_the_nearest_anchor() {
    let tmp = repo(&[(
        "task-1 - Sign-in-form.md",
        &task(
            "TASK-1",
            "To Do",
            "specs/001-user-login/spec.md#user-story-1---sign-in-with-mail-priority-p1",
        ),
    )]);
    insta::assert_snapshot!(run(&tmp, &["check"]));
}

//! Backlog.md 1.52.0's task fields, written by the real CLI and judged by flowgate through
//! real `git commit`s with the hooks installed: Definition of Done items, milestones,
//! `type` and `priority`.
//!
//! Needs `backlog` (npm `backlog.md@1.52.0`) on PATH; without it the tests fail.

mod hooks_support;

use std::process::{Command, Stdio};

use hooks_support::Repo;

/// Runs the Backlog.md CLI in the repository; panics with its output when it fails.
fn backlog(r: &Repo, args: &[&str]) -> String {
    let out = Command::new("backlog")
        .args(args)
        .current_dir(&r.root)
        .stdin(Stdio::null())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run the Backlog.md CLI `backlog` ({e}); install it with `npm install -g backlog.md@1.52.0`"
            )
        });
    assert!(
        out.status.success(),
        "backlog {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The help of `backlog task edit`, flattened to single spaces.
fn edit_help(r: &Repo) -> String {
    backlog(r, &["task", "edit", "--help"])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn an_unchecked_definition_of_done_item_blocks_done_by_default() {
    let r = Repo::new();
    backlog(
        &r,
        &[
            "task", "create", "Ship it", "--ac", "Works", "--dod", "Docs updated", "--dod",
            "Tests pass", "--plain",
        ],
    );
    r.commit_all("Add TASK-1").success();
    backlog(&r, &["task", "edit", "1", "-s", "In Progress", "--plain"]);
    r.commit_all("Start TASK-1").success();

    backlog(
        &r,
        &[
            "task", "edit", "1", "-s", "Done", "--check-ac", "1", "--check-dod", "2", "--plain",
        ],
    );
    let run = r.commit_all("Finish TASK-1").failure().stderr_has(&[
        "FG403(guard-not-met)",
        "TASK-1 cannot enter \"Done\": Definition of Done item #1 \"Docs updated\" is not checked",
        "help: check each item once it is done (`- [x]`): backlog task edit 1 --check-dod 1",
    ]);
    assert!(!run.stderr.contains("acceptance"), "{}", run.stderr);
    // The flag the help names is the CLI's own.
    assert!(
        edit_help(&r).contains("--check-dod <index> check Definition of Done item by index"),
        "{}",
        edit_help(&r)
    );

    backlog(&r, &["task", "edit", "1", "--check-dod", "1", "--plain"]);
    r.commit_all("Finish TASK-1").success();
}

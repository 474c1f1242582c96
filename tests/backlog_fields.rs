//! Backlog.md 1.52.0's task fields, written by the real CLI and judged by flowgate through
//! real `git commit`s with the hooks installed: Definition of Done items, milestones,
//! `type` and `priority`, parent and subtasks, `modified_files`, the Final Summary and
//! comments.
//!
//! Needs `backlog` (npm `backlog.md@1.52.0`) on PATH; without it the tests fail.

mod hooks_support;

use hooks_support::{backlog_cli, Repo};

/// Runs the Backlog.md CLI in the repository.
fn backlog(r: &Repo, args: &[&str]) -> String {
    backlog_cli(&r.root, args)
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
            "task",
            "create",
            "Ship it",
            "--ac",
            "Works",
            "--dod",
            "Docs updated",
            "--dod",
            "Tests pass",
            "--plain",
        ],
    );
    r.commit_all("Add TASK-1").success();
    backlog(&r, &["task", "edit", "1", "-s", "In Progress", "--plain"]);
    r.commit_all("Start TASK-1").success();

    backlog(
        &r,
        &[
            "task",
            "edit",
            "1",
            "-s",
            "Done",
            "--check-ac",
            "1",
            "--check-dod",
            "2",
            "--plain",
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

/// The task file of `TASK-n` in `backlog/tasks/` (Backlog.md names it after the title).
fn task_file(r: &Repo, n: u32) -> String {
    let prefix = format!("task-{n} - ");
    let dir = r.root.join("backlog/tasks");
    let name = std::fs::read_dir(&dir)
        .expect("backlog/tasks")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|name| name.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no {prefix}*.md in {}", dir.display()));
    format!("backlog/tasks/{name}")
}

/// Replaces one frontmatter line of a task file, as a hand edit would.
fn hand_edit(r: &Repo, path: &str, from: &str, to: &str) {
    let text = r.read(path);
    assert!(text.contains(from), "{path} lacks {from:?}:\n{text}");
    r.write(path, &text.replacen(from, to, 1));
}

#[test]
fn a_milestone_must_name_a_milestone_file() {
    let r = Repo::new();
    backlog(&r, &["milestone", "add", "Release 1"]);
    backlog(
        &r,
        &["task", "create", "Export", "-m", "Release 1", "--plain"],
    );
    // The CLI resolves a title to the milestone's ID; a name it cannot resolve is written
    // as given.
    assert!(r.read(&task_file(&r, 1)).contains("milestone: m-0\n"));
    backlog(
        &r,
        &["task", "create", "Import", "-m", "Relase 1", "--plain"],
    );
    let t2 = task_file(&r, 2);
    assert!(r.read(&t2).contains("milestone: Relase 1\n"));

    r.commit_all("Plan release 1").failure().stderr_has(&[
        "FG113(unknown-milestone)",
        &format!("{t2}:"),
        "milestone \"Relase 1\" is not a milestone of this backlog",
        "help: did you mean \"Release 1\" (m-0)? set it: backlog task edit 2 -m m-0",
    ]);
    // The help's command is the fix.
    backlog(&r, &["task", "edit", "2", "-m", "m-0", "--plain"]);
    r.commit_all("Plan release 1").success();

    // An archived milestone still resolves, by ID and by title.
    backlog(&r, &["milestone", "archive", "Release 1"]);
    assert!(r.root.join("backlog/archive/milestones").is_dir());
    hand_edit(&r, &t2, "milestone: m-0\n", "milestone: release 1\n");
    r.commit_all("Archive release 1").success();

    // Without any milestone of that name, the help creates it or clears the field.
    backlog(&r, &["milestone", "add", "Beta"]);
    hand_edit(&r, &t2, "milestone: release 1\n", "milestone: Someday\n");
    r.commit_all("Move import").failure().stderr_has(&[
        "milestone \"Someday\" is not a milestone of this backlog",
        "help: create it: backlog milestone add \"Someday\", or clear it: backlog task edit 2 --clear-milestone (active milestones: m-1 \"Beta\")",
    ]);
    let check = r.flowgate(&["check"]).failure();
    assert!(check.stdout.contains("FG113"), "{}", check.stdout);
    backlog(&r, &["milestone", "add", "Someday"]);
    r.commit_all("Move import").success();
    r.flowgate(&["check"]).success();
}

#[test]
fn type_and_priority_must_be_configured_values() {
    let r = Repo::new();
    backlog(
        &r,
        &[
            "task",
            "create",
            "Export",
            "--type",
            "Bug",
            "--priority",
            "High",
            "--plain",
        ],
    );
    let t1 = task_file(&r, 1);
    r.commit_all("Add export").success();

    hand_edit(&r, &t1, "priority: high\n", "priority: urgent\n");
    hand_edit(&r, &t1, "type: bug\n", "type: feture\n");
    r.commit_all("Retriage export").failure().stderr_has(&[
        "FG114(unknown-task-type)",
        "type \"feture\" is not one of the configured task types",
        "help: did you mean \"feature\"? set it: backlog task edit 1 --type \"feature\", or add \"feture\" to types in backlog/config.yml",
        "FG115(unknown-priority)",
        "priority \"urgent\" is not one of the configured priorities",
        "help: use one of \"high\", \"medium\", \"low\", or add \"urgent\" to priorities in backlog/config.yml",
    ]);
    // The help's commands are the fix.
    backlog(
        &r,
        &[
            "task",
            "edit",
            "1",
            "--type",
            "feature",
            "--priority",
            "high",
            "--plain",
        ],
    );
    r.commit_all("Retriage export").success();

    // Configured lists replace Backlog.md's defaults; case and spacing do not matter.
    let config = r.read("backlog/config.yml");
    r.write(
        "backlog/config.yml",
        &format!("{config}priorities: [\"P0\", \"P1\"]\ntypes: [\"bug\", \"Research\"]\n"),
    );
    backlog(
        &r,
        &[
            "task",
            "create",
            "Study",
            "--type",
            "research",
            "--priority",
            "P1",
            "--plain",
        ],
    );
    let run = r.flowgate(&["check"]).failure();
    let out = run.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        out.contains("type \"feature\" is not one of the configured task types")
            && out.contains("priority \"high\" is not one of the configured priorities")
            && out.contains("use one of \"P0\", \"P1\"")
            && !out.contains("\"research\"")
            && !out.contains("\"p1\""),
        "{}",
        run.stdout
    );
}

#[test]
fn a_parents_subtasks_and_its_subtasks_parent_agree() {
    let r = Repo::new();
    backlog(&r, &["task", "create", "Parser", "--plain"]);
    backlog(&r, &["task", "create", "Lexer", "-p", "TASK-1", "--plain"]);
    backlog(&r, &["task", "create", "Docs", "--plain"]);
    let parent = task_file(&r, 1);
    // Backlog.md 1.52 records the link on the subtask only; that agrees.
    assert!(!r.read(&parent).contains("subtasks"));
    r.commit_all("Plan the parser").success();

    // A `subtasks` list (older Backlog.md versions wrote one) naming a task whose
    // parent is another.
    hand_edit(
        &r,
        &parent,
        "dependencies: []\n",
        "dependencies: []\nsubtasks:\n  - TASK-1.1\n  - TASK-2\n",
    );
    r.commit_all("List the parser's subtasks").failure().stderr_has(&[
        "FG116(subtask-parent-mismatch)",
        "TASK-1 lists TASK-2 as a subtask, but it has no `parent_task_id`",
        "help: if TASK-2 belongs to TASK-1, write `parent_task_id: TASK-1` in backlog/tasks/task-2 - Docs.md; otherwise remove TASK-2 from `subtasks`",
    ]);
    hand_edit(&r, &parent, "  - TASK-2\n", "");
    r.commit_all("List the parser's subtasks").success();

    // The reverse: a new subtask its parent's list does not name.
    backlog(
        &r,
        &["task", "create", "Grammar", "-p", "TASK-1", "--plain"],
    );
    let run = r.commit_all("Add grammar").failure().stderr_has(&[
        "FG116(subtask-parent-mismatch)",
        "TASK-1.2's parent TASK-1 does not list it in its `subtasks` (TASK-1.1)",
        &format!("help: add TASK-1.2 to `subtasks` in {parent}, or delete that list there (Backlog.md finds subtasks by their `parent_task_id`)"),
    ]);
    assert!(
        run.stderr.contains("task-1.2 - Grammar.md"),
        "{}",
        run.stderr
    );
    hand_edit(
        &r,
        &parent,
        "  - TASK-1.1\n",
        "  - TASK-1.1\n  - TASK-1.2\n",
    );
    r.commit_all("Add grammar").success();
    r.flowgate(&["check"]).success();
}

#[test]
fn the_final_summary_guard_blocks_done_until_the_cli_writes_one() {
    let r = Repo::new();
    r.write(
        ".flowgate.yml",
        "links:\n  require: none\nworkflow:\n  guards:\n    Done: [acceptance-criteria-checked, definition-of-done-checked, has-final-summary]\n",
    );
    backlog(&r, &["task", "create", "Ship it", "--plain"]);
    backlog(&r, &["task", "edit", "1", "-s", "In Progress", "--plain"]);
    r.commit_all("Start TASK-1").success();

    backlog(&r, &["task", "edit", "1", "-s", "Done", "--plain"]);
    r.commit_all("Finish TASK-1").failure().stderr_has(&[
        "FG403(guard-not-met)",
        "TASK-1 cannot enter \"Done\": it has no Final Summary",
        "help: write one: backlog task edit 1 --final-summary \"what was done\"",
    ]);
    assert!(edit_help(&r).contains("--final-summary <text> set final summary"));
    backlog(
        &r,
        &["task", "edit", "1", "--final-summary", "Shipped", "--plain"],
    );
    r.commit_all("Finish TASK-1").success();
}

#[test]
fn a_guards_entry_replaces_the_default_definition_of_done_guard() {
    let r = Repo::new();
    r.write(
        ".flowgate.yml",
        "links:\n  require: none\nworkflow:\n  guards:\n    Done: [acceptance-criteria-checked]\n",
    );
    backlog(
        &r,
        &[
            "task",
            "create",
            "Ship it",
            "--dod",
            "Docs updated",
            "--plain",
        ],
    );
    backlog(&r, &["task", "edit", "1", "-s", "In Progress", "--plain"]);
    r.commit_all("Start TASK-1").success();
    backlog(&r, &["task", "edit", "1", "-s", "Done", "--plain"]);
    // Not a guard any more; the tree rule still warns about the open item.
    r.commit_all("Finish TASK-1").success().stderr_has(&[
        "FG111(done-with-open-items)",
        "TASK-1 is \"Done\" with unchecked Definition of Done item #1 \"Docs updated\"",
    ]);
}

#[test]
fn a_comment_is_never_read_as_a_section_or_a_checklist() {
    let r = Repo::new();
    r.write(
        ".flowgate.yml",
        "links:\n  require: none\nworkflow:\n  guards:\n    Done: [acceptance-criteria-checked, has-final-summary]\n",
    );
    backlog(&r, &["task", "create", "Ship it", "--plain"]);
    backlog(&r, &["task", "edit", "1", "-s", "In Progress", "--plain"]);
    // A comment that reads like a Final Summary and an open checklist.
    backlog(
        &r,
        &[
            "task",
            "edit",
            "1",
            "--comment",
            "## Final Summary\n\nNot a summary\n\n## Acceptance Criteria\n- [ ] #1 not a criterion",
            "--comment-author",
            "@bob",
            "--plain",
        ],
    );
    assert!(r
        .read(&task_file(&r, 1))
        .contains("<!-- COMMENTS:BEGIN -->"));
    r.commit_all("Start TASK-1").success();

    backlog(&r, &["task", "edit", "1", "-s", "Done", "--plain"]);
    let run = r
        .commit_all("Finish TASK-1")
        .failure()
        .stderr_has(&["TASK-1 cannot enter \"Done\": it has no Final Summary"]);
    assert!(!run.stderr.contains("not a criterion"), "{}", run.stderr);
    backlog(
        &r,
        &["task", "edit", "1", "--final-summary", "Shipped", "--plain"],
    );
    r.commit_all("Finish TASK-1").success();
}

#[test]
fn modified_files_of_a_task_in_play_name_paths_of_the_tree() {
    let r = Repo::new();
    r.write("src/login.rs", "pub fn login() {}\n");
    // The CLI writes the paths as given (a leading `./` kept, commas split the value).
    backlog(
        &r,
        &[
            "task",
            "create",
            "Login",
            "--ac",
            "Logs in",
            "--modified-file",
            "./src/login.rs",
            "--modified-file",
            "src/logn.rs,/etc/hosts",
            "--plain",
        ],
    );
    let t1 = task_file(&r, 1);
    assert!(
        r.read(&t1)
            .contains("modified_files:\n  - ./src/login.rs\n  - src/logn.rs\n  - /etc/hosts\n"),
        "{}",
        r.read(&t1)
    );
    // A warning: the commit goes through, told what to fix.
    let run = r.commit_all("Add TASK-1\n\nRefs: TASK-1").success();
    assert!(
        run.stderr.contains("FG117(modified-file-missing)"),
        "{}",
        run.stderr
    );
    run.stderr_has(&[
        "`modified_files` lists src/logn.rs, which is not in the tree",
        &format!("{t1}:11:5"),
        "help: correct the path (from the repository root, as it is now), or leave it out if the task deleted it; the CLI replaces the whole list: backlog task edit 1 --modified-file src/login.rs --modified-file <path>",
        "`modified_files` lists \"/etc/hosts\", which is not a path in the repository",
        "help: write it from the repository root (`src/login.rs`), not as an absolute path, a URL or above the root",
    ]);
    // The help's command is the fix.
    backlog(
        &r,
        &[
            "task",
            "edit",
            "1",
            "--modified-file",
            "src/login.rs",
            "--plain",
        ],
    );
    let run = r.commit_all("Fix TASK-1's files\n\nRefs: TASK-1").success();
    assert!(!run.stderr.contains("FG117"), "{}", run.stderr);
    r.flowgate(&["check"]).success();

    // A finished task's list is history: a later rename does not make it wrong.
    backlog(&r, &["task", "edit", "1", "-s", "In Progress", "--plain"]);
    r.commit_all("Start TASK-1\n\nRefs: TASK-1").success();
    backlog(
        &r,
        &[
            "task",
            "edit",
            "1",
            "-s",
            "Done",
            "--check-ac",
            "1",
            "--plain",
        ],
    );
    r.commit_all("Finish TASK-1\n\nRefs: TASK-1").success();
    r.git(&["mv", "src/login.rs", "src/auth.rs"]).success();
    r.git(&["commit", "-q", "--no-verify", "-m", "Rename login"])
        .success();
    let check = r.flowgate(&["check"]).success();
    assert!(!check.stdout.contains("FG117"), "{}", check.stdout);
}

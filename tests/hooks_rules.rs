//! Every commit and transition rule, through real `git commit` with the hooks installed.

mod hooks_support;

use hooks_support::{task, Repo};

const T1: &str = "backlog/tasks/task-1 - Login.md";
const T2: &str = "backlog/tasks/task-2 - Logout.md";

#[test]
fn fg301_code_without_a_reference_is_rejected_with_the_active_tasks_as_help() {
    let r = Repo::seeded();
    r.write("src/main.rs", "fn main() { login(); }\n");
    r.commit_all("Wire login")
        .failure()
        .stderr_has(&[
            "FG301(missing-task-reference)",
            "\"Wire login\" changes code but references no task",
            "help: add a line \"Refs: TASK-1\" naming the task this commit works on; in \"In Progress\": TASK-1 \"Login\" (In Progress)",
            "git commit --no-verify",
            "✗ 1 error in commit \"Wire login\" (references no task)",
        ]);
}

#[test]
fn fg301_exemptions() {
    let r = Repo::seeded();
    r.write("docs/guide.md", "# Guide\n");
    r.write("README.md", "# Demo\n");
    r.commit_all("Write the guide").success();
    r.write("src/main.rs", "fn main() { login(); }\n");
    r.commit_all("fixup! Start login").success();
    r.git(&["revert", "--no-edit", "HEAD"]).success();
    assert!(r
        .head_message()
        .starts_with("Revert \"fixup! Start login\""));
    r.write(".flowgate.yml", "links:\n  require: none\ncommits:\n  exempt_authors: [\"renovate[bot]\", \"*@bots.example.com\"]\n");
    r.commit_all("Exempt bots").success();
    r.write("src/lib.rs", "pub fn x() {}\n");
    r.git(&["add", "-A"]).success();
    r.git_env(
        &[
            ("GIT_AUTHOR_NAME", "renovate[bot]"),
            ("GIT_AUTHOR_EMAIL", "bot@renovate.example"),
        ],
        &["commit", "-q", "-m", "Bump deps"],
    )
    .success();
}

#[test]
fn fg302_unknown_task_lists_the_nearest() {
    let r = Repo::seeded();
    r.write("src/main.rs", "fn main() { login(); }\n");
    r.commit_all("Wire login\n\nRefs: TASK-3")
        .failure()
        .stderr_has(&[
            "FG302(unknown-task-reference)",
            "TASK-3 does not exist in the staged tree",
            "help: nearest tasks: TASK-2 \"Logout\" (To Do), TASK-1 \"Login\" (In Progress)",
        ]);
}

#[test]
fn fg303_task_not_active_and_the_fix_passes() {
    let r = Repo::seeded();
    r.write("src/main.rs", "fn main() { logout(); }\n");
    r.commit_all("Wire logout (task-2)")
        .failure()
        .stderr_has(&[
            "FG303(task-not-active)",
            "TASK-2 is in \"To Do\"; a commit must work on a task in \"In Progress\"",
            "help: start it and stage the change: backlog task edit 2 -s \"In Progress\" && git add \"backlog/tasks/task-2 - Logout.md\"",
        ]);
    // Starting the task in the same commit is the fix: the staged tree is what counts.
    r.write(
        T2,
        &task(
            "TASK-2",
            "Logout",
            "In Progress",
            &[(false, "Button works")],
        ),
    );
    r.commit_all("Wire logout (task-2)").success();
}

#[test]
fn the_commit_that_finishes_a_task_may_reference_it() {
    let r = Repo::seeded();
    // The last piece of work and the move to Done in one commit: TASK-1 was In Progress
    // when the work was done, so the reference is to an active task.
    r.write("src/main.rs", "fn main() { login(); }\n");
    r.write(
        T1,
        &task("TASK-1", "Login", "Done", &[(true, "Form works")]),
    );
    r.commit_all("Finish login\n\nRefs: TASK-1").success();
    // A task that was already Done before this commit is not active.
    r.write("src/main.rs", "fn main() { login(); login(); }\n");
    r.commit_all("More login\n\nRefs: TASK-1")
        .failure()
        .stderr_has(&["FG303(task-not-active)", "TASK-1 is in \"Done\""]);
}

#[test]
fn fg304_draft_reference() {
    let r = Repo::seeded();
    r.write(
        "backlog/drafts/draft-1 - Idea.md",
        &task("DRAFT-1", "Idea", "Draft", &[]),
    );
    r.commit_all("Add an idea").success();
    r.write("src/main.rs", "fn main() { idea(); }\n");
    r.commit_all("Prototype\n\nRefs: DRAFT-1")
        .failure()
        .stderr_has(&[
            "FG304(draft-reference)",
            "DRAFT-1 is a draft, not a task",
            "help: promote it first (backlog draft promote 1) and reference the task ID it gets",
        ]);
}

#[test]
fn references_below_the_scissors_line_do_not_count() {
    let r = Repo::seeded();
    r.write("src/main.rs", "// Refs: TASK-1\nfn main() {}\n");
    r.git(&["add", "-A"]).success();
    let editor = r.root.join("editor.sh");
    std::fs::write(&editor, "#!/bin/sh\n{ printf 'Wire login\\n# Refs: TASK-1 in a comment\\n'; cat \"$1\"; } > \"$1.new\" && mv \"$1.new\" \"$1\"\n").unwrap();
    let editor_cmd = format!("sh {}", editor.display());
    r.git_env(&[("GIT_EDITOR", &editor_cmd)], &["commit", "-v", "-q"])
        .failure()
        .stderr_has(&["FG301(missing-task-reference)"]);
}

#[test]
fn fg401_illegal_transition_names_the_reachable_statuses() {
    let r = Repo::seeded();
    r.write(
        T2,
        &task("TASK-2", "Logout", "Done", &[(true, "Button works")]),
    );
    r.commit_all("Close logout\n\nRefs: TASK-1")
        .failure()
        .stderr_has(&[
            "FG401(illegal-transition)",
            "TASK-2 moved from \"To Do\" to \"Done\", which the workflow does not allow",
            "help: from \"To Do\" you may move to \"In Progress\"",
            "status: Done",
        ]);
}

#[test]
fn fg402_new_task_may_not_start_done() {
    let r = Repo::seeded();
    r.write_task("TASK-3", "Export", "Done", &[(true, "CSV")]);
    r.commit_all("Add export task").failure().stderr_has(&[
        "FG402(illegal-initial-status)",
        "new task TASK-3 starts in \"Done\", where new tasks may not start",
        "help: start it in \"To Do\" or \"In Progress\" and move it on in later commits",
    ]);
}

#[test]
fn fg403_unchecked_criteria_by_number_then_the_legal_move_passes() {
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
    r.commit_all("Finish login\n\nRefs: TASK-1")
        .failure()
        .stderr_has(&[
            "FG403(guard-not-met)",
            "TASK-1 cannot enter \"Done\": acceptance criterion #2 \"Errors shown\" is not checked",
            "help: check each criterion once it is met (`- [x]`): backlog task edit 1 --check-ac 2",
        ]);
    r.write(
        T1,
        &task(
            "TASK-1",
            "Login",
            "Done",
            &[(true, "Form works"), (true, "Errors shown")],
        ),
    );
    r.commit_all("Finish login").success();
    // Backlog.md's `task complete` moves the file to completed/: the same task.
    r.git_mv(T1, "backlog/completed/task-1 - Login.md")
        .success();
    r.git(&["commit", "-q", "-m", "backlog: Complete task TASK-1"])
        .success();
}

#[test]
fn fg404_deleting_an_unfinished_task_but_archiving_and_demoting_pass() {
    let r = Repo::seeded();
    r.git(&["rm", "-q", T1]).success();
    r.git(&["commit", "-q", "-m", "Drop login"])
        .failure()
        .stderr_has(&[
            "FG404(unfinished-task-deleted)",
            "TASK-1 was deleted while in \"In Progress\"; an unfinished task must not disappear",
            "backlog task archive 1",
        ]);
    r.git(&["reset", "-q", "--hard"]).success();
    r.git_mv(T1, "backlog/archive/tasks/task-1 - Login.md")
        .success();
    r.git(&["commit", "-q", "-m", "backlog: Archive task TASK-1"])
        .success();
    // Demotion: a new DRAFT-n file with the same title replaces the task.
    r.git(&["rm", "-q", T2]).success();
    r.write(
        "backlog/drafts/draft-1 - Logout.md",
        &task("DRAFT-1", "Logout", "To Do", &[]),
    );
    r.commit_all("backlog: Demote task TASK-2").success();
}

#[test]
fn fg405_id_changed_in_place() {
    let r = Repo::seeded();
    r.write(
        T2,
        &task("TASK-9", "Logout", "To Do", &[(false, "Button works")]),
    );
    r.commit_all("Renumber").failure().stderr_has(&[
        "FG405(id-changed)",
        "was changed from TASK-2 to TASK-9",
        "put back `id: TASK-2`",
    ]);
}

#[test]
fn fg406_id_reused_after_archive() {
    let r = Repo::seeded();
    r.git_mv(T2, "backlog/archive/tasks/task-2 - Logout.md")
        .success();
    r.git(&["commit", "-q", "-m", "backlog: Archive task TASK-2"])
        .success();
    r.write_task("TASK-2", "Export", "To Do", &[]);
    r.commit_all("Create task TASK-2")
        .failure()
        .stderr_has(&[
            "FG406(id-reused)",
            "new task TASK-2 \"Export\" reuses the ID of \"Logout\" (backlog/archive/tasks/task-2 - Logout.md)",
        ]);
}

#[test]
fn fg407_flowspec_label_edges() {
    let r = Repo::seeded();
    r.write(
        "memory/flowspec_workflow.yml",
        "version: \"1.1\"\nstates: [\"To Do\", \"Specified\", \"Planned\"]\nworkflows: {}\ntransitions:\n  - {name: specify, from: \"To Do\", to: \"Specified\", via: specify}\n  - {name: plan, from: \"Specified\", to: \"Planned\", via: plan}\n",
    );
    let labelled = |state: &str| {
        task("TASK-2", "Logout", "To Do", &[])
            .replace("labels: []", &format!("labels:\n  - workflow:{state}"))
    };
    r.write(T2, &labelled("To Do"));
    r.commit_all("Label logout").success();
    r.write(T2, &labelled("planned"));
    r.commit_all("Plan logout")
        .failure()
        .stderr_has(&[
            "FG407(illegal-workflow-transition)",
            "TASK-2 moved from workflow state \"To Do\" to \"Planned\", which memory/flowspec_workflow.yml does not allow",
            "help: from \"To Do\" you may move to \"Specified\" (edges of memory/flowspec_workflow.yml)",
            // The label that moved is pointed at.
            "backlog/tasks/task-2 - Logout.md:8:5",
        ]);
    r.write(T2, &labelled("Specified"));
    r.commit_all("Specify logout").success();
}

#[test]
fn staged_task_files_get_the_task_file_rules() {
    let r = Repo::seeded();
    r.write(T2, &task("TASK-2", "Logout", "Won't Do", &[]));
    r.commit_all("Drop logout")
        .failure()
        .stderr_has(&["FG105(unknown-status)", "Won't Do"]);
}

#[test]
fn prepare_commit_msg_adds_refs_from_the_branch_name() {
    let r = Repo::seeded();
    r.git(&["checkout", "-q", "-b", "alice/task-1-login"])
        .success();
    r.write("src/main.rs", "fn main() { login(); }\n");
    r.commit_all("Wire login").success();
    assert_eq!(r.head_message(), "Wire login\n\nRefs: TASK-1\n\n");
    r.write("src/main.rs", "fn main() { login2(); }\n");
    r.commit_all("Wire login again\n\nRefs: TASK-1").success();
    assert_eq!(r.head_message(), "Wire login again\n\nRefs: TASK-1\n\n");
    r.write(
        ".flowgate.yml",
        "links:\n  require: none\ncommits:\n  add_refs_trailer: false\n",
    );
    r.commit_all("Tune config").success();
    assert_eq!(r.head_message(), "Tune config\n\n");
}

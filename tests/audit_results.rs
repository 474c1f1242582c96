//! `flowgate audit`'s result memo (`.git/flowgate/audit-results.bin`): the tree rules'
//! findings, the coverage and the suspect links are taken from the last audit when their
//! inputs are the same, and the report is always the one an audit without any cache
//! gives, whatever the new commits changed.

mod audit_support;

use audit_support::{events_repo, Repo};

/// The report of an audit without any of its files in `.git/flowgate`.
fn cold(r: &Repo) -> String {
    r.cold_audit()
}

/// What `-v` says of the result memo: whether the tree part and the suspect links came
/// from it.
fn served(tree: bool, suspect: bool) -> String {
    let part = |reused| match reused {
        true => "from the result memo",
        false => "computed",
    };
    format!(
        "tree rules and coverage: {}; suspect links: {}",
        part(tree),
        part(suspect)
    )
}

/// An audit whose `-v` output says the result memo served it as `tree` and `suspect`
/// say; its report, checked against a cacheless audit's.
fn audit(r: &Repo, tree: bool, suspect: bool) -> String {
    let run = r.flowgate(&["audit", "-v", "--format", "json"]);
    assert!(
        run.stderr.contains(&served(tree, suspect)),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, cold(r));
    run.stdout
}

/// The codes of `report`'s findings on `task`.
fn codes_of(report: &str, task: &str) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_str(report).unwrap();
    audit_support::codes(&doc)
        .into_iter()
        .filter(|(_, t)| t == task)
        .map(|(c, _)| c)
        .collect()
}

#[test]
fn nothing_new_or_a_code_commit_reuses_the_results() {
    let r = events_repo();
    let first = audit(&r, false, false);
    assert!(first.contains("FG207"), "{first}");
    assert_eq!(audit(&r, true, true), first);
    // A commit that touches no task or spec file changes neither part.
    r.write("src/a.rs", "fn a() { c() }\n");
    r.commit("More code\n\nRefs: TASK-1");
    let after = audit(&r, true, true);
    assert_ne!(after, first, "the new commit is in the history");
    // The texts the suspect links quote stay in their memo while the links are reused.
    std::fs::remove_file(r.path().join(".git/flowgate/audit-results.bin")).unwrap();
    let run = r.flowgate(&["audit", "-v", "--format", "json"]);
    assert!(
        run.stderr
            .contains("texts quoted by suspect links: 1 from the quote memo, 0 read"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, after);
}

#[test]
fn findings_that_move_between_files_in_the_new_commit() {
    let r = events_repo();
    audit(&r, false, false);
    // A second file with TASK-1's ID appears: FG104.
    r.write(
        "backlog/tasks/task-1 - Copy.md",
        &audit_support::task(
            "TASK-1",
            "Copy",
            "To Do",
            "specs/001-user-auth/spec.md#fr-001",
            false,
        ),
    );
    r.commit("Copy TASK-1");
    let dup = audit(&r, false, false);
    assert!(dup.contains("\"FG104\""), "{dup}");
    // The copy removed again: the findings go.
    r.git(&["rm", "-q", "backlog/tasks/task-1 - Copy.md"]);
    r.commit("Drop the copy");
    assert!(!audit(&r, false, false).contains("\"FG104\""));
    // A task links a section, whose heading the next commit removes.
    r.task(
        4,
        "Passwords",
        "To Do",
        "specs/001-user-auth/spec.md#password-rules",
        false,
    );
    r.commit("Add TASK-4");
    assert!(!codes_of(&audit(&r, false, false), "TASK-4").contains(&"FG203".to_string()));
    let spec = std::fs::read_to_string(r.path().join("specs/001-user-auth/spec.md")).unwrap();
    r.write(
        "specs/001-user-auth/spec.md",
        &spec.replace("### Password rules\n\n", ""),
    );
    r.commit("Spec: drop the password heading");
    let broken = audit(&r, false, false);
    assert!(
        codes_of(&broken, "TASK-4").contains(&"FG203".to_string()),
        "{broken}"
    );
    // A status change in the new commit: TASK-3 finished (its link is then checked).
    r.task(3, "Reused", "Done", "001-user-auth/FR-003", true);
    r.commit("TASK-3 done\n\nRefs: TASK-3");
    audit(&r, false, false);
    // The memo written one commit behind serves the audit of the next one.
    r.task(3, "Reused", "In Progress", "001-user-auth/FR-003", true);
    r.commit("TASK-3 reopened\n\nRefs: TASK-3");
    audit(&r, false, false);
    audit(&r, true, true);
}

#[test]
fn a_configuration_change_computes_the_results_again() {
    let r = events_repo();
    audit(&r, false, false);
    // Only open tasks in these statuses gain suspect links; the tree part is keyed by
    // the whole configuration too.
    r.write(".flowgate.yml", "audit:\n  suspect_open: [\"To Do\"]\n");
    audit(&r, false, false);
    audit(&r, true, true);
    r.write(
        ".flowgate.yml",
        "audit:\n  suspect_open: [\"To Do\"]\nrules:\n  FG203: off\n",
    );
    audit(&r, false, false);
    std::fs::remove_file(r.path().join(".flowgate.yml")).unwrap();
    audit(&r, false, false);
}

/// Result memo `memo` with its format number replaced by `format`.
fn with_format(memo: &[u8], format: u32) -> Vec<u8> {
    let mut out = b"flowgate audit results\n".to_vec();
    out.extend_from_slice(&format.to_le_bytes());
    out.extend_from_slice(&memo[out.len()..]);
    out
}

#[test]
fn a_corrupt_or_foreign_result_memo_is_ignored() {
    let r = events_repo();
    let clean = audit(&r, false, false);
    let memo = r.path().join(".git/flowgate/audit-results.bin");
    let whole = std::fs::read(&memo).unwrap();
    r.write(".git/flowgate/audit-results.bin", "garbage, not a memo");
    assert_eq!(audit(&r, false, false), clean);
    std::fs::write(&memo, &whole[..whole.len() / 2]).unwrap();
    assert_eq!(audit(&r, false, false), clean);
    // Another format: a later version's, and the one before this (no files' part, the
    // tree's fingerprint taken another way).
    for format in [999, 2] {
        std::fs::write(&memo, with_format(&whole, format)).unwrap();
        assert_eq!(audit(&r, false, false), clean);
    }
    // Rewritten: the next audit takes its results from it.
    assert_eq!(audit(&r, true, true), clean);
}

/// What `-v` says when HEAD's task and spec files were listed and not read.
const NOT_READ: &str = "HEAD's task and spec files: listed, not read";

#[test]
fn a_code_commit_leaves_heads_files_unread() {
    let r = events_repo();
    audit(&r, false, false);
    // The first audit read the files and kept what they give: the next one only lists
    // them, for a commit that touches no task or spec file as for none.
    r.write("src/a.rs", "fn a() { d() }\n");
    r.commit("Code only");
    let run = r.flowgate(&["audit", "-v", "--format", "json"]);
    assert!(run.stderr.contains(NOT_READ), "{}", run.stderr);
    assert!(run.stderr.contains(&served(true, true)), "{}", run.stderr);
    assert_eq!(run.stdout, r.cold_audit());
    // A task file changed: they are read again.
    r.task(3, "Reused", "In Progress", "001-user-auth/FR-003", false);
    r.commit("TASK-3 started\n\nRefs: TASK-3");
    let run = r.flowgate(&["audit", "-v", "--format", "json"]);
    assert!(!run.stderr.contains(NOT_READ), "{}", run.stderr);
    assert_eq!(run.stdout, r.cold_audit());
}

#[test]
fn a_code_commit_that_adds_or_removes_a_listed_modified_file() {
    let r = events_repo();
    // A task in play lists a file that is not in the tree: FG finding on it.
    let with_files = audit_support::task(
        "TASK-5",
        "Export",
        "In Progress",
        "001-user-auth/FR-003",
        false,
    )
    .replace(
        "status: In Progress\n",
        "status: In Progress\nmodified_files:\n  - src/export.rs\n  - ./src/a.rs\n",
    );
    r.write("backlog/tasks/task-5 - Export.md", &with_files);
    r.commit("Add TASK-5");
    let missing = audit(&r, false, false);
    assert!(missing.contains("lists src/export.rs"), "{missing}");
    // Code commits only, which add then remove the listed file: the findings follow the
    // tree (the files' listing gives another fingerprint of it).
    r.write("src/export.rs", "fn export() {}\n");
    r.commit("Export code");
    let run = r.flowgate(&["audit", "-v", "--format", "json"]);
    assert!(run.stderr.contains(&served(false, false)), "{}", run.stderr);
    assert_eq!(run.stdout, r.cold_audit());
    assert!(
        !run.stdout.contains("lists src/export.rs"),
        "{}",
        run.stdout
    );
    r.git(&["rm", "-q", "src/export.rs"]);
    r.commit("Export code gone");
    let run = r.flowgate(&["audit", "-v", "--format", "json"]);
    assert_eq!(run.stdout, r.cold_audit());
    assert!(run.stdout.contains("lists src/export.rs"), "{}", run.stdout);
}

#[test]
fn new_commits_that_leave_heads_tree_as_it_was_but_move_a_task_compute_the_links_again() {
    let r = events_repo();
    audit(&r, false, false);
    // TASK-3 goes to In Progress and back: HEAD's files are the last audit's, its history
    // is not (the links' part of the history is chained on from the cache's).
    for status in ["In Progress", "To Do"] {
        r.task(3, "Reused", status, "001-user-auth/FR-003", false);
        r.commit(&format!("TASK-3 to {status}"));
    }
    audit(&r, true, false);
    audit(&r, true, true);
    // A code commit on top: both parts reused again.
    r.write("src/a.rs", "fn a() { d() }\n");
    r.commit("Code\n\nRefs: TASK-3");
    audit(&r, true, true);
}

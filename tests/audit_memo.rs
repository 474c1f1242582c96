//! `flowgate audit`'s tree memo (`.git/flowgate/tree-memo.bin`): HEAD's task and spec
//! files are parsed once per blob, and the report is the one an audit without any cache
//! gives.

mod audit_support;

use audit_support::{events_repo, Repo};

/// The report of an audit without any of its files in `.git/flowgate`.
fn cold(r: &Repo) -> String {
    r.cold_audit()
}

/// Forgets the results of the last audit (`.git/flowgate/audit-results.bin`), so that the
/// next one looks at its suspect links again, and quotes their texts.
fn forget_results(r: &Repo) {
    let _ = std::fs::remove_file(r.path().join(".git/flowgate/audit-results.bin"));
}

/// An audit whose `-v` output says `memo`, with its report.
fn audit(r: &Repo, memo: &str) -> String {
    let run = r.flowgate(&["audit", "-v", "--format", "json"]);
    assert!(run.stderr.contains(memo), "{}", run.stderr);
    run.stdout
}

#[test]
fn only_the_files_of_new_blobs_are_parsed_again() {
    let r = events_repo();
    // The suspect link of TASK-1 (FG207) quotes its section as it was when the task was
    // finished: read once, then from the memo.
    let first = audit(
        &r,
        "HEAD's task files: 0 from the tree memo, 3 parsed; spec files: 0 from the tree memo, 1 parsed; texts quoted by suspect links: 0 from the quote memo, 1 read",
    );
    assert!(first.contains("FG207"), "{first}");
    assert_eq!(first, cold(&r));
    forget_results(&r);
    assert_eq!(
        audit(
            &r,
            "HEAD's task files: 3 from the tree memo, 0 parsed; spec files: 1 from the tree memo, 0 parsed; texts quoted by suspect links: 1 from the quote memo, 0 read"
        ),
        first
    );
    // One task edited, one added, one removed.
    r.task(
        1,
        "Sign-in",
        "In Progress",
        "specs/001-user-auth/spec.md#fr-001",
        true,
    );
    r.task(4, "Export", "To Do", "001-user-auth/FR-003", false);
    r.git(&["rm", "-q", "backlog/tasks/task-3 - Reused.md"]);
    r.commit("TASK-1 back in progress, TASK-4 added, TASK-3 dropped");
    let after = audit(
        &r,
        "HEAD's task files: 1 from the tree memo, 2 parsed; spec files: 1 from the tree memo, 0 parsed",
    );
    assert_eq!(after, cold(&r));
    // The memo holds HEAD's task files only: the dropped one is gone from it. (The result
    // memo is forgotten first: while it holds what HEAD's files give, an audit with
    // nothing new lists them and does not read them.)
    forget_results(&r);
    audit(&r, "HEAD's task files: 3 from the tree memo, 0 parsed");
    // A spec edited, and a second one added: those two are parsed.
    let spec = std::fs::read_to_string(r.path().join("specs/001-user-auth/spec.md")).unwrap();
    r.write(
        "specs/001-user-auth/spec.md",
        &spec.replace("sign in", "sign in and out"),
    );
    r.write(
        "specs/002-export/spec.md",
        "# Export\n\n## Requirements\n\n- **FR-001**: export tasks\n",
    );
    r.commit("Spec: sign out, export");
    let specs = audit(&r, "spec files: 0 from the tree memo, 2 parsed");
    assert_eq!(specs, cold(&r));
}

#[test]
fn a_corrupt_or_foreign_memo_is_ignored() {
    let r = events_repo();
    let clean = cold(&r);
    let memo = r.path().join(".git/flowgate/tree-memo.bin");
    // Every task file is parsed again, with the report of a run without a memo (the result
    // memo forgotten, which would spare reading them).
    let ignored = || {
        forget_results(&r);
        assert_eq!(
            audit(&r, "HEAD's task files: 0 from the tree memo, 3 parsed"),
            clean
        );
    };
    r.write(".git/flowgate/tree-memo.bin", "garbage, not a memo");
    ignored();
    let whole = std::fs::read(&memo).unwrap();
    std::fs::write(&memo, &whole[..whole.len() / 2]).unwrap();
    ignored();
    // Another format (a later version's).
    let mut foreign = b"flowgate tree memo\n".to_vec();
    foreign.extend_from_slice(&999u32.to_le_bytes());
    foreign.extend_from_slice(&whole[foreign.len()..]);
    std::fs::write(&memo, &foreign).unwrap();
    ignored();
    // The quotes of suspect links: garbage, then cut short, is read again.
    let quotes = r.path().join(".git/flowgate/quotes.bin");
    let kept = std::fs::read(&quotes).unwrap();
    for bad in [b"garbage".as_slice(), &kept[..kept.len() / 2]] {
        std::fs::write(&quotes, bad).unwrap();
        forget_results(&r);
        assert_eq!(
            audit(
                &r,
                "texts quoted by suspect links: 0 from the quote memo, 1 read"
            ),
            clean
        );
    }
}

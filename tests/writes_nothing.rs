//! The read-only commands write nothing. Every one of them runs on a repository
//! with findings, and a full listing of the work tree and `.git/` (paths, kinds, sizes,
//! content hashes) is compared before and after. Only `.git/index` (git itself may refresh
//! its stat cache) and flowgate's own caches in `.git/flowgate/` (the audit's, check's memo) may change.

mod hooks_support;

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

use hooks_support::{task, Repo};

/// Path → (kind, content hash) for everything below `root`, except `.git/index`.
fn listing(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let entry = entry.expect("walk");
        let rel = entry
            .path()
            .strip_prefix(root)
            .expect("below root")
            .to_string_lossy()
            .into_owned();
        // The index (git may refresh its stat cache) and flowgate's own caches are allowed to change.
        if rel == ".git/index" || rel == ".git/flowgate" || rel.starts_with(".git/flowgate/") {
            continue;
        }
        let ft = entry.file_type();
        let value = if ft.is_symlink() {
            format!(
                "link {}",
                std::fs::read_link(entry.path())
                    .expect("readlink")
                    .display()
            )
        } else if ft.is_dir() {
            "dir".to_string()
        } else {
            let bytes = std::fs::read(entry.path()).expect("read");
            let mut h = DefaultHasher::new();
            bytes.hash(&mut h);
            format!("file {} {:016x}", bytes.len(), h.finish())
        };
        out.insert(rel, value);
    }
    out
}

#[test]
fn read_only_commands_write_nothing() {
    let r = Repo::seeded();
    r.write("src/main.rs", "fn main() { login(); }\n");
    r.commit_all("Wire login\n\nRefs: TASK-1").success();
    // Findings everywhere: an unknown status staged, an unreadable file in the tree.
    r.write(
        "backlog/tasks/task-2 - Logout.md",
        &task("TASK-2", "Logout", "Wontdo", &[]),
    );
    r.git(&["add", "-A"]).success();
    r.write("backlog/tasks/task-3 - Broken.md", "no frontmatter\n");
    let msg_dir = assert_fs::TempDir::new().expect("temp dir");
    let msg = msg_dir.path().join("COMMIT_EDITMSG");
    std::fs::write(&msg, "Wire logout\n").expect("write");
    let msg = msg.to_str().expect("utf-8");

    let before = listing(&r.root);
    let msg_before = std::fs::read(msg).expect("read");
    let runs: Vec<Vec<&str>> = vec![
        vec!["check"],
        vec!["check", "--format", "json"],
        vec!["check", "--format", "sarif"],
        vec!["check", "--format", "github"],
        vec!["check", "--staged"],
        vec!["check", "backlog"],
        vec!["explain", "FG105"],
        vec!["trace", "TASK-1"],
        vec!["hook", "commit-msg", msg],
        vec!["hook", "pre-commit"],
        vec!["ci", "--base", "HEAD~1", "--head", "HEAD"],
        vec![
            "ci", "--base", "HEAD~1", "--head", "HEAD", "--format", "json",
        ],
    ];
    for args in &runs {
        let run = r.flowgate(args);
        assert!(
            !run.stderr.contains("panicked"),
            "{args:?} panicked:\n{}",
            run.stderr
        );
        let after = listing(&r.root);
        if after != before {
            let changed: Vec<_> = before
                .keys()
                .chain(after.keys())
                .filter(|k| before.get(*k) != after.get(*k))
                .collect();
            panic!("flowgate {args:?} changed {changed:?}");
        }
    }
    assert_eq!(
        std::fs::read(msg).expect("read"),
        msg_before,
        "commit-msg rewrote the message"
    );
}

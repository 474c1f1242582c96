//! `flowgate check`'s memo of the working tree (`.git/flowgate/check-memo.bin`): a file
//! whose stamp (size, times, inode, mode) is the memo's is not read again, and every
//! report is the one a check without the memo gives, whatever happened to the files in
//! between (edits, touches, links, deletions, edits that keep the size and the time).

mod hooks_support;

use std::time::{Duration, SystemTime};

use hooks_support::{task, Repo};

const MEMO: &str = ".git/flowgate/check-memo.bin";

/// The output and exit of `check` in `format`, and its `-v` line about the memo.
fn check(r: &Repo, format: &str) -> (String, bool, String) {
    let run = r.flowgate(&["-v", "check", "--format", format]);
    let memo = run
        .stderr
        .lines()
        .find(|l| l.starts_with("flowgate: memo"))
        .unwrap_or_default()
        .to_string();
    (run.stdout, run.ok, memo)
}

/// The output and exit of `check` in `format` with no memo there (the memo is put back
/// after).
fn without_memo(r: &Repo, format: &str) -> (String, bool) {
    let memo = r.root.join(MEMO);
    let aside = r.root.join(".git/check-memo.aside");
    let had = memo.exists();
    if had {
        std::fs::rename(&memo, &aside).unwrap();
    }
    let (out, ok, line) = check(r, format);
    assert!(
        line.contains(" 0 task files and 0 spec files taken"),
        "{line}"
    );
    let _ = std::fs::remove_file(&memo);
    if had {
        std::fs::rename(&aside, &memo).unwrap();
    }
    (out, ok)
}

/// Checks the tree with the memo as it is, in JSON and in human form, asserts each report
/// and exit is that of a check without the memo, and returns what `-v` said of the memo
/// in the first run.
fn same_as_without_memo(r: &Repo) -> String {
    let mut said = None;
    for format in ["json", "human"] {
        let (out, ok, line) = check(r, format);
        assert_eq!((out, ok), without_memo(r, format), "{format}");
        said.get_or_insert(line);
    }
    said.unwrap_or_default()
}

/// Waits until every file written so far is old enough to be kept in the memo (the memo
/// leaves out files changed in the second before a check).
fn settle() {
    std::thread::sleep(Duration::from_millis(1100));
}

/// A repository with findings (an unknown status, a missing dependency, unchecked
/// criteria on a Done task), a BOM and CRLF file, a file that is not UTF-8, and a spec.
fn repo() -> Repo {
    let r = Repo::new();
    r.write(
        ".flowgate.yml",
        "links:\n  require: none\nspecs:\n  globs: [\"specs/**/*.md\"]\n",
    );
    r.write_task("TASK-1", "Login", "In Progress", &[(false, "Form works")]);
    r.write_task("TASK-2", "Logout", "Wontdo", &[]);
    r.write_task("TASK-3", "Profile", "Done", &[(false, "Page shows")]);
    r.write(
        "backlog/tasks/task-4 - Crlf.md",
        &format!(
            "\u{feff}{}",
            task("TASK-4", "Crlf", "To Do", &[]).replace('\n', "\r\n")
        ),
    );
    std::fs::write(
        r.root.join("backlog/tasks/task-5 - Latin.md"),
        b"---\nid: TASK-5\ntitle: Caf\xe9\nstatus: To Do\n---\n",
    )
    .unwrap();
    r.write(
        "backlog/tasks/task-6 - Deps.md",
        &task("TASK-6", "Deps", "To Do", &[])
            .replace("dependencies: []", "dependencies: [TASK-99]"),
    );
    r.write(
        "specs/001-auth/spec.md",
        "# Auth\n\n## Requirements\n\n- **FR-001**: sign in\n",
    );
    r.git(&["add", "-A"]).success();
    r.git(&["commit", "-q", "--no-verify", "-m", "Start"])
        .success();
    r
}

#[test]
fn a_second_check_after_edits_reports_what_a_check_without_the_memo_does() {
    let r = repo();
    settle();
    let first = same_as_without_memo(&r);
    assert!(
        first.contains(
            "0 task files and 0 spec files taken from it, 6 and 1 read and parsed; written"
        ),
        "{first}"
    );
    let warm = same_as_without_memo(&r);
    assert!(
        warm.contains("6 task files and 1 spec files taken from it, 0 and 0 read and parsed"),
        "{warm}"
    );
    assert!(!warm.contains("written"), "{warm}");

    // An edit, a new file, a deleted file and a spec edit.
    r.write_task("TASK-1", "Login", "Done", &[(true, "Form works")]);
    r.write_task("TASK-7", "Export", "Nope", &[]);
    std::fs::remove_file(r.root.join("backlog/tasks/task-2 - Logout.md")).unwrap();
    r.write(
        "specs/001-auth/spec.md",
        "# Auth\n\n## Requirements\n\n- **FR-001**: sign in\n- **FR-002**: sign out\n",
    );
    // Changed in this second: read again, and not kept yet.
    let edited = same_as_without_memo(&r);
    assert!(
        edited.contains(
            "4 task files and 0 spec files taken from it, 2 and 1 read and parsed; written"
        ),
        "{edited}"
    );
    let again = same_as_without_memo(&r);
    assert!(
        again.contains("4 task files and 0 spec files taken from it, 2 and 1 read and parsed"),
        "{again}"
    );
    settle();
    same_as_without_memo(&r);
    let kept = same_as_without_memo(&r);
    assert!(
        kept.contains("6 task files and 1 spec files taken from it, 0 and 0 read and parsed"),
        "{kept}"
    );
}

#[test]
fn touches_links_and_edits_that_keep_size_and_time_are_seen() {
    let r = repo();
    settle();
    same_as_without_memo(&r);
    let path = r.root.join("backlog/tasks/task-3 - Profile.md");

    // Touched, not changed.
    let text = std::fs::read(&path).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(SystemTime::now())
        .unwrap();
    let touched = same_as_without_memo(&r);
    assert!(touched.contains(", 1 and 0 read and parsed"), "{touched}");
    settle();
    same_as_without_memo(&r);

    // The same number of bytes, the modification time put back: the change time tells.
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    let same_size = String::from_utf8(text)
        .unwrap()
        .replace("status: Done", "status: Dnoe");
    std::fs::write(&path, &same_size).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let racy = same_as_without_memo(&r);
    assert!(racy.contains(", 1 and 0 read and parsed"), "{racy}");
    let (json, _, _) = check(&r, "json");
    assert!(json.contains("Dnoe"), "{json}");

    // A task file replaced by a symbolic link, a spec too, and a FIFO where a task was.
    settle();
    same_as_without_memo(&r);
    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink("task-1 - Login.md", &path).unwrap();
    let spec = r.root.join("specs/001-auth/spec.md");
    std::fs::rename(&spec, r.root.join("specs/001-auth/real.txt")).unwrap();
    std::os::unix::fs::symlink("real.txt", &spec).unwrap();
    let fifo = r.root.join("backlog/tasks/task-4 - Crlf.md");
    std::fs::remove_file(&fifo).unwrap();
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    let linked = same_as_without_memo(&r);
    let (json, _, _) = check(&r, "json");
    assert!(json.contains("symbolic link"), "{json}");
    if made.is_ok_and(|s| s.success()) {
        assert!(
            linked.contains("4 task files and 0 spec files taken from it, 2 and 1 read"),
            "{linked}"
        );
    }
}

#[test]
fn a_broken_memo_is_ignored_and_rewritten() {
    let r = repo();
    settle();
    same_as_without_memo(&r);
    let memo = r.root.join(MEMO);
    let whole = std::fs::read(&memo).unwrap();
    let cut = whole.len() / 2;
    let broken: [&[u8]; 4] = [
        &whole[..cut],
        b"not a memo at all",
        b"",
        // Another format or version: the key differs.
        &[b"flowgate check memo\n".as_slice(), &[9, 9, 9, 9]].concat(),
    ];
    for bytes in broken {
        std::fs::write(&memo, bytes).unwrap();
        let said = same_as_without_memo(&r);
        assert!(
            said.contains(
                "0 task files and 0 spec files taken from it, 6 and 1 read and parsed; written"
            ),
            "{said}"
        );
        let again = same_as_without_memo(&r);
        assert!(
            again.contains("6 task files and 1 spec files taken from it"),
            "{again}"
        );
    }
    // A record whose bytes were changed is read and parsed again (its path no longer
    // leads it, or it does not decode), never taken as it is.
    let mut flipped = std::fs::read(&memo).unwrap();
    let at = flipped.len() - 40;
    if let Some(b) = flipped.get_mut(at) {
        *b ^= 0xff;
    }
    std::fs::write(&memo, &flipped).unwrap();
    same_as_without_memo(&r);
}

#[test]
fn without_a_writable_git_folder_check_works_without_the_memo() {
    let r = repo();
    settle();
    // `.git/flowgate` is a file: nothing can be written below it.
    std::fs::write(r.root.join(".git/flowgate"), "in the way").unwrap();
    let (out, ok, line) = check(&r, "json");
    assert!(line.contains("not written"), "{line}");
    std::fs::remove_file(r.root.join(".git/flowgate")).unwrap();
    let (cold, cold_ok) = without_memo(&r, "json");
    assert_eq!((out, ok), (cold, cold_ok));

    // Outside a repository: the folder is checked as it is, and nothing is written.
    let plain = assert_fs::TempDir::new().unwrap();
    std::fs::create_dir_all(plain.path().join("backlog/tasks")).unwrap();
    std::fs::write(
        plain.path().join("backlog/config.yml"),
        "project_name: \"Demo\"\nstatuses: [\"To Do\", \"Done\"]\n",
    )
    .unwrap();
    std::fs::write(
        plain.path().join("backlog/tasks/task-1 - A.md"),
        task("TASK-1", "A", "Nope", &[]),
    )
    .unwrap();
    let run = std::process::Command::new(assert_cmd::cargo::cargo_bin("flowgate"))
        .current_dir(plain.path())
        .env("GIT_CEILING_DIRECTORIES", plain.path().parent().unwrap())
        .env("NO_COLOR", "1")
        .args(["-v", "check", "--format", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("Nope"), "{stdout}");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!stderr.contains("flowgate: memo"), "{stderr}");
    let names: Vec<_> = walkdir::WalkDir::new(plain.path())
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains("memo")), "{names:?}");
}

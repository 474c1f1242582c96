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
    same_in_formats(r, &["json", "human"])
}

/// [`same_as_without_memo`] in each of `formats`. (Each run takes time: the tests that
/// need their edits younger than a second use two formats.)
fn same_in_formats(r: &Repo, formats: &[&str]) -> String {
    let mut said = None;
    for &format in formats {
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

/// Every format `check` writes.
const ALL: &[&str] = &["json", "human", "sarif"];

/// A task file with `extra` frontmatter lines in place of its empty dependency list, and
/// `sections` (heading, text) as its body after the description.
fn task_with(
    id: &str,
    title: &str,
    status: &str,
    extra: &str,
    sections: &[(&str, &str)],
) -> String {
    let mut text = task(id, title, status, &[(false, "One")]).replace("dependencies: []\n", extra);
    for (heading, body) in sections {
        text.push_str(&format!("\n## {heading}\n\n{body}\n"));
    }
    text
}

/// The findings that compare files (duplicate IDs, missing dependencies and parents,
/// cycles, subtask lists, links to spec sections) and those on long bodies: a check that
/// takes files from the memo reports each as a check without it, edit after edit, both
/// while the edited files are too new to be kept and once they are kept.
#[test]
fn findings_across_files_are_those_of_a_check_without_the_memo_edit_after_edit() {
    let r = Repo::new();
    r.write(
        ".flowgate.yml",
        "links:\n  require: none\nspecs:\n  globs: [\"specs/**/*.md\"]\n",
    );
    let long = "A long line of the body, repeated. ".repeat(400);
    let path = |n: u32, title: &str| format!("backlog/tasks/task-{n} - {title}.md");
    let write = |n: u32, title: &str, status: &str, extra: &str| {
        r.write(
            &path(n, title),
            &task_with(
                &format!("TASK-{n}"),
                title,
                status,
                extra,
                &[
                    ("Implementation Plan", &long),
                    ("Implementation Notes", "Notes."),
                    ("Final Summary", &long),
                ],
            ),
        );
    };
    write(1, "A", "To Do", "dependencies: [TASK-2]\n");
    write(2, "B", "To Do", "dependencies: [TASK-3]\n");
    write(3, "C", "To Do", "dependencies: [TASK-1]\n");
    write(4, "D", "Done", "dependencies: []\nsubtasks: [TASK-5]\n");
    write(
        5,
        "E",
        "To Do",
        "dependencies: [TASK-4]\nparent_task_id: TASK-4\n",
    );
    write(
        6,
        "F",
        "In Progress",
        "dependencies: []\nspec: specs/001-auth/spec.md#fr-001\n",
    );
    write(7, "G", "To Do", "dependencies: [TASK-6, TASK-9]\n");
    r.write(
        "specs/001-auth/spec.md",
        "# Auth\n\n## Requirements\n\n- **FR-001**: sign in\n- **FR-002**: sign out\n",
    );
    r.git(&["add", "-A"]).success();
    r.git(&["commit", "-q", "--no-verify", "-m", "Start"])
        .success();
    settle();
    same_in_formats(&r, ALL);
    let warm = same_in_formats(&r, ALL);
    assert!(
        warm.contains("7 task files and 1 spec files taken from it, 0 and 0"),
        "{warm}"
    );
    let (json, _, _) = check(&r, "json");
    for code in ["FG107", "FG109"] {
        assert!(json.contains(code), "{code}: {json}");
    }

    type Edit<'a> = Box<dyn Fn() + 'a>;
    let edits: Vec<(&str, Edit<'_>)> = vec![
        // The cycle broken, the missing dependency created.
        (
            "cycle",
            Box::new(|| {
                write(3, "C", "To Do", "dependencies: []\n");
                write(9, "I", "To Do", "dependencies: [TASK-7]\n");
            }),
        ),
        // A second file with TASK-1's ID, in another folder too.
        (
            "duplicate",
            Box::new(|| {
                r.write(
                    "backlog/tasks/task-8 - H.md",
                    &task_with("TASK-1", "H", "To Do", "dependencies: []\n", &[]),
                );
                r.write(
                    "backlog/completed/task-2 - B.md",
                    &task_with("TASK-2", "B", "Done", "dependencies: []\n", &[]),
                );
            }),
        ),
        // The task others depend on and the parent removed: dangling, and no subtask list.
        (
            "removed",
            Box::new(|| {
                std::fs::remove_file(r.root.join(path(4, "D"))).unwrap();
                std::fs::remove_file(r.root.join(path(9, "I"))).unwrap();
            }),
        ),
        // The parent back, with another subtask list; the spec section linked removed.
        (
            "parent and spec",
            Box::new(|| {
                write(4, "D", "Done", "dependencies: []\nsubtasks: [TASK-7]\n");
                r.write(
                    "specs/001-auth/spec.md",
                    "# Auth\n\n## Requirements\n\n- **FR-002**: sign out\n",
                );
            }),
        ),
        // A new cycle through a file the memo holds.
        (
            "new cycle",
            Box::new(|| write(6, "F", "In Progress", "dependencies: [TASK-7]\n")),
        ),
        // Bodies without their sections.
        (
            "bodies",
            Box::new(|| {
                r.write(
                    &path(1, "A"),
                    &task_with("TASK-1", "A", "Done", "dependencies: [TASK-2]\n", &[]),
                );
            }),
        ),
    ];
    for (what, edit) in edits {
        edit();
        let fresh = same_in_formats(&r, ALL);
        assert!(fresh.contains("taken from it"), "{what}: {fresh}");
        settle();
        same_in_formats(&r, ALL);
        let kept = same_in_formats(&r, ALL);
        assert!(kept.contains(", 0 and 0 read and parsed"), "{what}: {kept}");
    }
    let (json, _, _) = check(&r, "json");
    for code in ["FG104", "FG107", "FG109", "FG116"] {
        assert!(json.contains(code), "{code}: {json}");
    }
}

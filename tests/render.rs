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

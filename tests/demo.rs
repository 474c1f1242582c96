//! `flowgate demo`: the sample repo is built and checked, and its two planted mistakes
//! are reported with their help.

use assert_cmd::Command;
use assert_fs::prelude::*;
use assert_fs::TempDir;

fn flowgate() -> Command {
    let mut cmd = Command::cargo_bin("flowgate").unwrap();
    cmd.env("NO_COLOR", "1").arg("--color").arg("never");
    cmd
}

#[test]
fn demo_in_a_kept_dir_shows_the_two_planted_findings() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.child("sample");
    let out = flowgate()
        .arg("demo")
        .arg("--dir")
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    // The broken link: a fragment one letter away from the real heading anchor.
    assert!(out.contains("FG203"), "{out}");
    assert!(
        out.contains("did you mean") && out.contains("export-orders-to-csv"),
        "{out}"
    );
    // The status nobody configured, with the statuses to use instead.
    assert!(out.contains("FG105"), "{out}");
    assert!(out.contains("Won't Do"), "{out}");
    assert!(out.contains(r#"add "Won't Do" to statuses"#), "{out}");
    // Nothing else is wrong with the sample.
    assert!(out.contains("✗ 2 errors, 0 warnings"), "{out}");
    assert!(out.contains("flowgate explain FG203"), "{out}");
    assert!(out.contains("is kept in"), "{out}");

    // The repo is there, committed, and `check` on it reports the same two errors.
    dir.child("backlog/config.yml")
        .assert(predicates::path::exists());
    dir.child(".git").assert(predicates::path::is_dir());
    let repo = git2::Repository::open(dir.path()).unwrap();
    assert!(repo.head().unwrap().peel_to_commit().is_ok());
    let check = flowgate()
        .arg("-C")
        .arg(dir.path())
        .args(["--format", "json", "check"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&check).unwrap();
    let mut codes: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    codes.sort_unstable();
    assert_eq!(codes, ["FG105", "FG203"]);
}

#[test]
fn demo_refuses_a_non_empty_dir() {
    let tmp = TempDir::new().unwrap();
    tmp.child("keep.txt").write_str("mine").unwrap();
    flowgate()
        .arg("demo")
        .arg("--dir")
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not empty"));
    tmp.child("keep.txt").assert("mine");
}

#[test]
fn demo_without_dir_leaves_no_temp_dir_behind() {
    let tmp = TempDir::new().unwrap();
    flowgate()
        .arg("demo")
        // The demo's temp dir goes under TMPDIR: point it at a folder we can inspect.
        .env("TMPDIR", tmp.path())
        .assert()
        .success()
        .stdout(predicates::str::contains("FG203"))
        .stdout(predicates::str::contains("flowgate demo --dir DIR"));
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

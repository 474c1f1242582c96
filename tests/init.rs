//! `flowgate init`: a commented `.flowgate.yml` that fits the detected layout and that
//! flowgate itself accepts.

use assert_cmd::Command;
use assert_fs::prelude::*;
use assert_fs::TempDir;
use flowgate::config::{Config, FILE_NAME};

fn flowgate(dir: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("flowgate").unwrap();
    cmd.arg("-C").arg(dir).args(["--color", "never"]);
    cmd
}

fn repo() -> TempDir {
    let tmp = TempDir::new().unwrap();
    git2::Repository::init(tmp.path()).unwrap();
    tmp
}

fn written(tmp: &TempDir) -> (String, Config) {
    let text = std::fs::read_to_string(tmp.child(FILE_NAME).path()).unwrap();
    let config = Config::parse(FILE_NAME, &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    (text, config)
}

#[test]
fn default_backlog_and_spec_kit_repo_gets_a_file_of_defaults() {
    let tmp = repo();
    tmp.child("backlog/config.yml")
        .write_str("project_name: \"Demo\"\nstatuses: [\"To Do\", \"In Progress\", \"Done\"]\ntask_prefix: \"task\"\n")
        .unwrap();
    tmp.child("specs/001-login/spec.md")
        .write_str("# Feature Specification: Login\n")
        .unwrap();
    flowgate(tmp.path())
        .arg("init")
        .assert()
        .success()
        .stdout(predicates::str::contains(".flowgate.yml"));
    let (text, config) = written(&tmp);
    // Only the spec-kit glob matches, so it is filled in; everything else is the default.
    assert_eq!(config.specs.globs, ["specs/*/spec.md"]);
    assert_eq!(
        Config {
            origin: None,
            specs: Default::default(),
            ..config
        },
        Config::default()
    );
    // Every section is there, with comments.
    for section in [
        "backlog:",
        "specs:",
        "links:",
        "commits:",
        "workflow:",
        "rules:",
        "baseline:",
        "ci:",
    ] {
        assert!(text.contains(section), "no {section} in\n{text}");
    }
    assert!(text.contains("# require: section"), "{text}");
    assert!(
        text.contains("\"In Progress\": [\"To Do\", \"Done\"]"),
        "{text}"
    );
    // The file is accepted by `check` too.
    flowgate(tmp.path())
        .arg("check")
        .assert()
        .code(predicates::ord::lt(2));
}

#[test]
fn custom_statuses_and_flowspec_layout_are_filled_in() {
    let tmp = repo();
    tmp.child("backlog/config.yml")
        .write_str(
            "statuses: [\"Backlog\", \"Specified\", \"In Implementation\", \"Shipped\"]\ntask_prefix: \"feat\"\n",
        )
        .unwrap();
    tmp.child("docs/prd/login.md")
        .write_str("# Login\n")
        .unwrap();
    tmp.child("flowspec_workflow.yml")
        .write_str("version: \"2.0\"\nstates: [Backlog, Shipped]\nworkflows: {}\ntransitions: []\n")
        .unwrap();
    flowgate(tmp.path()).arg("init").assert().success();
    let (text, config) = written(&tmp);
    assert_eq!(config.specs.globs, ["docs/prd/*.md"]);
    assert_eq!(
        config.commits.active_statuses,
        ["Specified", "In Implementation"]
    );
    assert!(text.contains("flowspec_workflow.yml"), "{text}");
    assert!(text.contains("feat"), "{text}");
}

#[test]
fn init_refuses_to_overwrite_without_force() {
    let tmp = repo();
    tmp.child(FILE_NAME)
        .write_str("links:\n  require: file\n")
        .unwrap();
    flowgate(tmp.path())
        .arg("init")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--force"));
    tmp.child(FILE_NAME).assert("links:\n  require: file\n");
    flowgate(tmp.path())
        .args(["init", "--force"])
        .assert()
        .success();
    let (_, config) = written(&tmp);
    assert_eq!(config.links, Default::default());
}

#[test]
fn repo_without_backlog_or_specs_still_gets_a_valid_file() {
    let tmp = repo();
    flowgate(tmp.path()).arg("init").assert().success();
    let (_, config) = written(&tmp);
    assert_eq!(
        Config {
            origin: None,
            ..config
        },
        Config::default()
    );
}

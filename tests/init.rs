//! `flowgate init`: a commented `.flowgate.yml` that fits the detected layout and that
//! flowgate itself accepts.

use assert_cmd::Command;
use assert_fs::prelude::*;
use assert_fs::TempDir;
use flowgate::config::{Config, FILE_NAME};
use predicates::prelude::PredicateBooleanExt;

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
    // flowspec repositories get the Final Summary guard on the last status...
    let guards = config.workflow.guards.expect("workflow.guards is written");
    assert_eq!(
        guards.get("Shipped").map(Vec::as_slice),
        Some(
            [
                "acceptance-criteria-checked".to_string(),
                "definition-of-done-checked".to_string(),
                "has-final-summary".to_string()
            ]
            .as_slice()
        ),
        "{text}"
    );
    // And Definition of Ready on the first active status.
    assert_eq!(
        guards.get("Specified").map(Vec::as_slice),
        Some(["spec-ready".to_string()].as_slice()),
        "{text}"
    );
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

/// Runs git in `dir` as `author`; panics on failure.
fn git_as(dir: &std::path::Path, author: &str, args: &[&str]) {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", author)
        .env("GIT_AUTHOR_EMAIL", "bot@example.com")
        .env("GIT_COMMITTER_NAME", author)
        .env("GIT_COMMITTER_EMAIL", "bot@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn init_learns_spec_folders_bots_and_folders_without_code_from_the_repository() {
    let tmp = repo();
    tmp.child("backlog/config.yml")
        .write_str("project_name: \"Demo\"\nstatuses: [\"To Do\", \"In Progress\", \"Done\"]\ntask_prefix: \"task\"\n")
        .unwrap();
    tmp.child("Docs/superpowers/specs/login.md")
        .write_str("# Login\n\n## Sessions\n")
        .unwrap();
    tmp.child("Docs/superpowers/specs/search.md")
        .write_str("# Search\n")
        .unwrap();
    // Two tasks link into Docs/superpowers/specs/: a reference and a body link.
    tmp.child("backlog/tasks/task-1 - Login.md")
        .write_str("---\nid: TASK-1\ntitle: Login\nstatus: To Do\nreferences:\n  - Docs/superpowers/specs/login.md#sessions\n---\n")
        .unwrap();
    tmp.child("backlog/tasks/task-2 - Search.md")
        .write_str("---\nid: TASK-2\ntitle: Search\nstatus: To Do\n---\n\nSee [the spec](../../Docs/superpowers/specs/search.md) and [login](../../Docs/superpowers/specs/login.md).\n")
        .unwrap();
    tmp.child("media/logo.png")
        .write_binary(b"\x89PNG")
        .unwrap();
    tmp.child("media/demo.gif").write_binary(b"GIF8").unwrap();
    tmp.child("src/main.rs")
        .write_str("fn main() {}\n")
        .unwrap();
    git_as(tmp.path(), "Alice", &["add", "-A"]);
    git_as(tmp.path(), "Alice", &["commit", "-q", "-m", "Start"]);
    for n in 0..2 {
        tmp.child("Cargo.lock")
            .write_str(&format!("# {n}\n"))
            .unwrap();
        git_as(tmp.path(), "dependabot[bot]", &["add", "-A"]);
        git_as(
            tmp.path(),
            "dependabot[bot]",
            &["commit", "-q", "-m", "Bump"],
        );
    }
    flowgate(tmp.path()).arg("init").assert().success().stdout(
        predicates::str::contains(
            "documents linked from tasks outside the spec globs: Docs/superpowers/specs/*.md (3 links from 2 tasks to 2 files) (suggested for specs.globs)",
        )
        .and(predicates::str::contains(
            "bot authors: *[bot] (2 commits: dependabot[bot] 2) (suggested for commits.exempt_authors)",
        ))
        .and(predicates::str::contains(
            "folders without code: media/** (2 files, none of them code (gif, png)) (suggested for commits.non_code_paths)",
        )),
    );
    let (text, config) = written(&tmp);
    // Suggestions are comments: the file as written keeps the defaults.
    assert_eq!(config.commits.exempt_authors, vec!["*[bot]".to_string()]);
    for block in [
        "  # Suggested: task files link to documents outside these globs; to check those links as spec\n  # links, add their folders to `globs`:\n  # globs:\n  #   - \"Docs/superpowers/specs/*.md\"    # 3 links from 2 tasks to 2 files\n",
        "  # Suggested: bots committed here; for their commits to need no task:\n  # exempt_authors:\n  #   - \"*[bot]\"                         # 2 commits: dependabot[bot] 2\n",
        "  # Suggested: these top-level folders hold no code; for commits that only touch them to need no task:\n  # non_code_paths:\n  #   - \"media/**\"                       # 2 files, none of them code (gif, png)\n",
    ] {
        assert!(text.contains(block), "{block}\nnot in\n{text}");
    }
    // Taken up (the blocks and their section headers uncommented), they are valid and
    // mean what they say.
    let mut taken = String::new();
    let (mut pending, mut in_block) = (false, false);
    for l in text.lines() {
        let line = if l.starts_with("  # Suggested") {
            pending = true;
            continue;
        } else if pending && l.starts_with("  # links, add") {
            continue;
        } else if pending {
            pending = false;
            in_block = true;
            l.replacen("# ", "", 1)
        } else if in_block && l.starts_with("  #   - ") {
            l.replacen("# ", "", 1)
        } else if l == "# specs:" || l == "# commits:" {
            in_block = false;
            l.replacen("# ", "", 1)
        } else {
            in_block = false;
            l.to_string()
        };
        taken.push_str(&line);
        taken.push('\n');
    }
    let config = Config::parse(FILE_NAME, &taken).unwrap_or_else(|e| panic!("{e}\n{taken}"));
    assert_eq!(config.specs.globs, ["Docs/superpowers/specs/*.md"]);
    assert_eq!(config.commits.exempt_authors, ["*[bot]"]);
    assert_eq!(config.commits.non_code_paths, ["media/**"]);
}

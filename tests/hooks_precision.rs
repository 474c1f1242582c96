//! No false alarms from the commit hooks: each class of commit that was wrongly rejected
//! (or wrongly let through) has its own small history here, made through real `git commit`
//! (and the real Backlog.md CLI) with flowgate's hooks installed.

mod hooks_support;

use hooks_support::{task, Repo};

const T1: &str = "backlog/tasks/task-1 - Login.md";
const T2: &str = "backlog/tasks/task-2 - Logout.md";

/// `Repo::seeded` and then a code commit with a reference: HEAD changes code.
fn after_a_code_commit() -> Repo {
    let r = Repo::seeded();
    r.write("src/main.rs", "fn main() { login(); }\n");
    r.commit_all("Wire login\n\nRefs: TASK-1").success();
    r
}

// --- A commit that changes only non-code paths needs no task, whatever HEAD changed.

#[test]
fn status_only_commit_after_a_code_commit_needs_no_task() {
    let r = after_a_code_commit();
    r.backlog(&["task", "edit", "2", "-s", "In Progress"])
        .success();
    r.commit_all("Start logout").success();
    assert_eq!(r.head_message().trim(), "Start logout");
}

#[test]
fn config_only_commit_after_a_code_commit_needs_no_task() {
    let r = after_a_code_commit();
    r.backlog(&["config", "set", "defaultEditor", "vi"])
        .success();
    r.git(&["add", "backlog/config.yml"]).success();
    r.git(&["commit", "-q", "-m", "Set the editor"]).success();
}

#[test]
fn docs_only_commit_after_a_code_commit_needs_no_task() {
    let r = after_a_code_commit();
    r.write("docs/login.txt", "How to log in.\n");
    r.write("Docs/superpowers/plan.txt", "Plan.\n");
    r.write("DOCS/old.txt", "Old.\n");
    r.write("guide/README.MD", "# Guide\n");
    r.write("website/docs/img/login.png", "\u{89}PNG");
    r.commit_all("Document login").success();
}

#[test]
fn backlog_auto_commit_after_a_code_commit_needs_no_task() {
    let r = Repo::new();
    r.write_task("TASK-1", "Login", "In Progress", &[]);
    r.write_task("TASK-3", "Signup", "Done", &[(true, "Form works")]);
    r.write("src/main.rs", "fn main() {}\n");
    r.commit_all("Start login\n\nRefs: TASK-1").success();
    r.write("src/main.rs", "fn main() { login(); }\n");
    r.commit_all("Wire login\n\nRefs: TASK-1").success();
    r.backlog(&["config", "set", "autoCommit", "true"])
        .success();
    // Backlog.md commits the edit itself ("Update task TASK-3"): a finished task, only
    // task files staged. Judged as HEAD's code change, this was FG303.
    r.backlog(&["task", "edit", "3", "--title", "Sign up"])
        .success();
    let log = r.git(&["log", "-1", "--format=%s"]).success().stdout;
    assert!(
        log.contains("TASK-3"),
        "Backlog.md did not auto-commit: {log}"
    );
    assert!(r
        .git(&["status", "--short", "backlog/tasks"])
        .success()
        .stdout
        .is_empty());
}

#[test]
fn an_empty_commit_is_no_amend() {
    let r = Repo::seeded();
    r.write("src/main.rs", "fn main() { login(); }\n");
    r.commit_all_earlier("Wire login\n\nRefs: TASK-1").success();
    r.git(&["commit", "-q", "--allow-empty", "-m", "Trigger the build"])
        .success();
}

// --- A real amend is judged as the commit it makes: against HEAD's parent.

#[test]
fn message_only_amend_of_a_code_commit_is_judged() {
    let r = after_a_code_commit();
    r.git(&[
        "commit",
        "-q",
        "--amend",
        "-m",
        "Wire login properly\n\nRefs: TASK-1",
    ])
    .success();
    r.git(&["commit", "-q", "--amend", "-m", "Wire login"])
        .failure()
        .stderr_has(&[
            "FG301",
            "\"Wire login\" changes code but references no task",
        ]);
    // The editor path (prepare-commit-msg is told the message is HEAD's).
    r.git_env(
        &[("GIT_EDITOR", "sed -i -e /Refs:/d")],
        &["commit", "-q", "--amend"],
    )
    .failure()
    .stderr_has(&["FG301"]);
}

#[test]
fn amend_that_adds_a_status_change_to_a_code_commit_is_judged() {
    let r = Repo::seeded();
    r.write("src/main.rs", "fn main() { login(); }\n");
    r.commit_all_earlier("Wire login\n\nRefs: TASK-1").success();
    // Staged: only a task file. The amended commit still changes code (against HEAD's
    // parent), and its new message names no task.
    r.write(T2, &task("TASK-2", "Logout", "In Progress", &[]));
    r.git(&["add", T2]).success();
    r.git(&["commit", "-q", "--amend", "-m", "Wire login"])
        .failure()
        .stderr_has(&["FG301", "commit \"Wire login\""]);
    // Just made (same second): the editor path still knows it is an amend.
    r.write("src/main.rs", "fn main() { login(); logout(); }\n");
    r.commit_all("Wire logout\n\nRefs: TASK-1").success();
    r.write(T2, &task("TASK-2", "Logout", "Done", &[]));
    r.git(&["add", T2]).success();
    r.git_env(
        &[("GIT_EDITOR", "sed -i -e /Refs:/d")],
        &["commit", "-q", "--amend"],
    )
    .failure()
    .stderr_has(&["FG301"]);
    r.git(&["commit", "-q", "--amend", "--no-edit"]).success();
}

// --- References versus mentions.

#[test]
fn ids_in_code_urls_and_quotes_are_mentions_not_references() {
    let r = Repo::seeded();
    r.write("src/main.rs", "fn main() { login(); }\n");
    // The only IDs are mentions: the commit references no task.
    let mentions = "Fix the parser for `TASK-2`\n\nSee https://example.com/backlog/task-2 and:\n\n    TASK-7 in a log line\n\n```\nTASK-8\n```\n\n> TASK-9 was the old plan\n";
    r.commit_all(mentions)
        .failure()
        .stderr_has(&["FG301", "(references no task)"]);
    // With a reference beside them, mentions are no findings at all.
    r.commit_all(&format!("{mentions}\nRefs: TASK-1")).success();
}

#[test]
fn other_ids_next_to_an_active_reference_are_notes() {
    let r = Repo::seeded();
    r.write("src/main.rs", "fn main() { login(); }\n");
    let out = r
        .commit_all("Wire login, unlike TASK-2 and TASK-99\n\nRefs: TASK-1")
        .success();
    out.stderr_has(&[
        "FG303",
        "TASK-2 is in \"To Do\"; it is mentioned, not worked on",
        "FG302",
        "TASK-99 does not exist in the staged tree",
        "this commit works on TASK-1, so TASK-99 is taken as a mention; write it as `TASK-99` (in backticks) to say so",
        "✓ 2 notes in commit \"Wire login, unlike TASK-2 and TASK-99\" (references TASK-2, TASK-99, TASK-1)",
    ]);
    // Without an active reference, an unknown ID is still an error.
    r.write("src/main.rs", "fn main() { login(); logout(); }\n");
    r.commit_all("Wire logout\n\nRefs: TASK-99")
        .failure()
        .stderr_has(&[
            "FG302",
            "✗ 1 error in commit \"Wire logout\" (references TASK-99)",
        ]);
}

#[test]
fn a_note_stays_a_note_when_the_rule_is_configured() {
    let r = Repo::seeded();
    r.write(
        ".flowgate.yml",
        "links:\n  require: none\nrules:\n  FG302: error\n",
    );
    r.write("src/main.rs", "fn main() { login(); }\n");
    r.commit_all("Wire login, not TASK-99\n\nRefs: TASK-1")
        .success()
        .stderr_has(&["FG302"]);
}

// --- What is code: the commit that adopts flowgate passes its own gate.

#[test]
fn the_commit_that_adopts_flowgate_passes_its_own_gate() {
    let r = Repo::bare_init();
    r.write("src/main.rs", "fn main() {}\n");
    r.git(&["add", "-A"]).success();
    r.git(&["commit", "-q", "-m", "Initial code"]).success();
    // Installed first: `install` defers to lefthook and husky once their files exist.
    r.flowgate(&["install"]).success();
    r.write(
        "backlog/config.yml",
        "project_name: \"Demo\"\ndefault_status: \"To Do\"\nstatuses: [\"To Do\", \"In Progress\", \"Done\"]\ntask_prefix: \"task\"\n",
    );
    r.write_task("TASK-1", "Login", "To Do", &[]);
    r.write(".flowgate.yml", "links:\n  require: none\n");
    r.write(
        ".flowgate-baseline.json",
        "{\"version\": 1, \"entries\": []}\n",
    );
    r.write(
        ".pre-commit-config.yaml",
        "repos:\n  - repo: local\n    hooks:\n      - id: flowgate\n        name: flowgate\n        entry: flowgate hook pre-commit\n        language: system\n",
    );
    r.write(
        "lefthook.yml",
        "commit-msg:\n  commands:\n    flowgate:\n      run: flowgate hook commit-msg {1}\n",
    );
    r.write(".husky/commit-msg", "flowgate hook commit-msg \"$1\"\n");
    r.commit_all("Adopt flowgate").success();
}

#[test]
fn code_under_a_docs_folder_is_still_code() {
    let r = Repo::seeded();
    r.write("website/docs/plugin.js", "export default {};\n");
    r.commit_all("Add the docs plugin")
        .failure()
        .stderr_has(&["FG301"]);
}

// --- The summary line names the change being made.

#[test]
fn pre_commit_summary_names_the_tasks_it_touched() {
    let r = Repo::seeded();
    r.write(
        T1,
        &task("TASK-1", "Login", "Done", &[(false, "Form works")]),
    );
    r.commit_all("Finish login")
        .failure()
        .stderr_has(&["FG403", "✗ 1 error in the staged changes to TASK-1"]);
}

// --- A reference pattern is validated as it is compiled.

#[test]
fn a_reference_pattern_check_accepts_is_one_the_hooks_can_use() {
    let r = Repo::seeded();
    // Fits the size limit as written, not once compiled case-insensitively (as it is used).
    r.write(
        ".flowgate.yml",
        "links:\n  require: none\ncommits:\n  reference_pattern: 'TASK-(\\d+)(?:ks){3000}'\n",
    );
    let out = r.flowgate(&["check"]);
    assert!(!out.ok, "check accepted the pattern: {}", out.stdout);
    out.stderr_has(&["invalid regular expression"]);
    // A pattern that check accepts works in the hooks, case-insensitively.
    r.write(
        ".flowgate.yml",
        "links:\n  require: none\ncommits:\n  reference_pattern: '#(\\d+)'\n",
    );
    r.flowgate(&["check"]).success();
    r.write("src/main.rs", "fn main() { login(); }\n");
    r.commit_all("Wire login (#1)").success();
}

// --- Classes found in the precision corpus of real histories.

#[test]
fn bot_authors_need_no_task_by_default() {
    let r = Repo::seeded();
    r.write("pyproject.toml", "version = \"0.0.2\"\n");
    r.git(&["add", "-A"]).success();
    r.git_env(
        &[
            ("GIT_AUTHOR_NAME", "github-actions[bot]"),
            (
                "GIT_AUTHOR_EMAIL",
                "41898282+github-actions[bot]@users.noreply.github.com",
            ),
        ],
        &["commit", "-q", "-m", "chore: bump version to v0.0.2"],
    )
    .success();
    // `[bot]` is literal: a name ending in "b", "o" or "t" is no bot. (A change beyond
    // the version line, since a version-only bump needs no task from anyone.)
    r.write(
        "pyproject.toml",
        "version = \"0.0.3\"\ndependencies = [\"click\"]\n",
    );
    r.git(&["add", "-A"]).success();
    r.git_env(
        &[("GIT_AUTHOR_NAME", "Bob")],
        &["commit", "-q", "-m", "Bump version"],
    )
    .failure()
    .stderr_has(&["FG301"]);
}

#[test]
fn licence_and_root_prose_are_not_code() {
    let r = after_a_code_commit();
    r.write("LICENSE", "MIT License\n");
    r.write("NOTICE", "Notice.\n");
    r.write("AUTHORS", "Alice\n");
    r.write("CHANGELOG", "0.1: first\n");
    r.commit_all("Add the licence").success();
}

#[test]
fn the_commit_that_completes_its_task_works_on_it() {
    let r = Repo::seeded();
    r.write(
        ".flowgate.yml",
        "links:\n  require: none\nworkflow:\n  transitions:\n    To Do: [In Progress, Done]\n    In Progress: [To Do, Done]\n    Done: [In Progress]\n",
    );
    r.commit_all("Allow finishing from To Do").success();
    // TASK-2 goes To Do -> Done in the commit that does its work (a squashed pull request).
    r.write(
        T2,
        &task("TASK-2", "Logout", "Done", &[(true, "Button works")]),
    );
    r.write("src/logout.rs", "pub fn logout() {}\n");
    r.commit_all("TASK-2 - Add logout (#12)").success();
}

#[test]
fn the_root_commit_creates_the_tasks_it_references() {
    let r = Repo::new();
    r.write_task("TASK-0", "Bootstrap", "Done", &[(true, "Backlog exists")]);
    r.write_task("TASK-1", "Login", "To Do", &[]);
    r.write("src/main.rs", "fn main() {}\n");
    r.commit_all("Bootstrap the backlog\n\nRefs: TASK-0, TASK-1")
        .success()
        .stderr_has(&["TASK-1 is created by this commit in \"To Do\""]);
}

#[test]
fn tasks_a_commit_creates_are_notes() {
    let r = Repo::seeded();
    r.write_task("TASK-3", "Signup", "To Do", &[]);
    r.write_task("TASK-4", "Reset", "To Do", &[]);
    r.write("src/main.rs", "fn main() { login(); }\n");
    r.commit_all("Plan signup: task-3, task-4")
        .success()
        .stderr_has(&[
            "FG303",
            "TASK-3 is created by this commit in \"To Do\"; it is mentioned, not worked on",
            "✓ 2 notes",
        ]);
}

#[test]
fn a_lowercase_draft_version_is_prose() {
    let r = Repo::seeded();
    r.write("src/schema.rs", "pub const DRAFT: u8 = 7;\n");
    r.commit_all("Validate against JSON Schema draft-07")
        .failure()
        .stderr_has(&["FG301", "(references no task)"]);
    let out = r
        .commit_all("Validate against JSON Schema draft-07\n\nRefs: TASK-1")
        .success();
    assert!(
        !out.stderr.contains("FG304"),
        "draft-07 read as a draft: {}",
        out.stderr
    );
}

// --- A release's version bump needs no task.

const PACKAGE: &str = "{\n  \"name\": \"demo\",\n  \"version\": \"1.6.9\",\n  \"dependencies\": {\n    \"left-pad\": \"^1.0.0\"\n  }\n}\n";

/// `Repo::seeded` plus a `package.json` at 1.6.9, added with a reference.
fn with_a_package() -> Repo {
    let r = Repo::seeded();
    r.write("package.json", PACKAGE);
    r.commit_all("Add the package\n\nRefs: TASK-1").success();
    r
}

fn bumped(version: &str) -> String {
    PACKAGE.replace("1.6.9", version)
}

#[test]
fn a_version_only_bump_needs_no_task() {
    let r = with_a_package();
    r.write("package.json", &bumped("1.6.10"));
    r.write("README.md", "Board status, version 1.6.10.\n");
    r.commit_all("docs: update README with latest board status and version [skip ci]")
        .success();
    // Python's `__version__` next to `pyproject.toml`, and a lock file.
    r.write(
        "pyproject.toml",
        "[project]\nname = \"demo\"\nversion = \"0.2.1\"\n",
    );
    r.write(
        "demo/__init__.py",
        "\"\"\"Demo.\"\"\"\n__version__ = \"0.2.1\"\n",
    );
    r.write(
        "Cargo.lock",
        "[[package]]\nname = \"demo\"\nversion = \"0.2.1\"\n",
    );
    r.commit_all("Add the Python package\n\nRefs: TASK-1")
        .success();
    r.write(
        "pyproject.toml",
        "[project]\nname = \"demo\"\nversion = \"0.2.2\"\n",
    );
    r.write(
        "demo/__init__.py",
        "\"\"\"Demo.\"\"\"\n__version__ = '0.2.2'\n",
    );
    r.write(
        "Cargo.lock",
        "[[package]]\nname = \"demo\"\nversion = \"0.2.2\"\n",
    );
    r.commit_all("chore: bump version to v0.2.2").success();
    // A reference the bump carries is still checked.
    r.write("package.json", &bumped("1.6.11"));
    r.commit_all("chore: release 1.6.11\n\nRefs: TASK-99")
        .failure()
        .stderr_has(&["FG302", "TASK-99"]);
    r.commit_all("chore: release 1.6.11\n\nRefs: TASK-1")
        .success();
    // The release tool re-indents the manifest as it bumps it (Backlog.md's v1.44.0 sync).
    r.write("package.json", &bumped("1.6.12").replace("  ", "\t"));
    r.commit_all("chore: sync package.json version to v1.6.12 [skip ci]")
        .success();
}

#[test]
fn a_bump_with_another_manifest_change_needs_a_task() {
    let r = with_a_package();
    r.write(
        "package.json",
        &bumped("1.6.10").replace("\"^1.0.0\"", "\"^1.0.0\",\n    \"chalk\": \"^5.0.0\""),
    );
    r.commit_all("chore: release 1.6.10")
        .failure()
        .stderr_has(&["FG301"]);
    // The name is no version, even next to one.
    r.write(
        "package.json",
        &bumped("1.6.10").replace("\"demo\"", "\"demo2\""),
    );
    r.commit_all("chore: release 1.6.10")
        .failure()
        .stderr_has(&["FG301"]);
    // `version` is a version only in a file that bumps one.
    r.write("src/version.rs", "version = \"1\"\n");
    r.commit_all("Add the version\n\nRefs: TASK-1").success();
    r.write("src/version.rs", "version = \"2\"\n");
    r.commit_all("Bump the version")
        .failure()
        .stderr_has(&["FG301"]);
}

#[test]
fn a_bump_with_a_source_change_needs_a_task() {
    let r = with_a_package();
    r.write("package.json", &bumped("1.6.10"));
    r.write("src/main.rs", "fn main() { login(); }\n");
    r.commit_all("chore: release 1.6.10")
        .failure()
        .stderr_has(&["FG301"]);
}

#[test]
fn version_bumps_need_a_task_when_configured() {
    let r = with_a_package();
    r.write(
        ".flowgate.yml",
        "links:\n  require: none\ncommits:\n  version_bumps_need_task: true\n",
    );
    r.commit_all("Configure flowgate").success();
    r.write("package.json", &bumped("1.6.10"));
    r.commit_all("chore: sync package.json version to v1.6.10 [skip ci]")
        .failure()
        .stderr_has(&["FG301"]);
}

// --- Configured path globs are read as the spec folders are: `./src/**` is `src/**`.

#[test]
fn a_code_path_glob_written_with_dot_slash_still_gates_code() {
    let r = Repo::seeded();
    r.write(
        ".flowgate.yml",
        "links:\n  require: none\ncommits:\n  code_paths: [\"./src/**\"]\n",
    );
    r.commit_all("Gate only src").success();
    r.write("src/main.rs", "fn main() { login(); }\n");
    r.commit_all("Wire login").failure().stderr_has(&["FG301"]);
}

#[test]
fn a_non_code_path_glob_written_with_a_leading_slash_exempts_its_folder() {
    let r = after_a_code_commit();
    r.write(
        ".flowgate.yml",
        "links:\n  require: none\ncommits:\n  non_code_paths: [\"/assets/**\"]\n",
    );
    r.commit_all("Assets are not code").success();
    r.write("assets/logo.svg", "<svg/>\n");
    r.commit_all("Add the logo").success();
}

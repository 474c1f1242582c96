//! flowgate under hook managers: the real pre-commit framework (pinned by scripts/test.sh)
//! running the `language: system` hooks of `.pre-commit-hooks.yaml` through real `git
//! commit`s, and `flowgate install` deferring to husky and lefthook instead of writing hooks
//! they would overwrite.

mod hooks_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use hooks_support::{git_cmd, path_env, task, task_path, Repo};

/// The `pre-commit` executable on PATH; the test fails (never skips) without it.
fn pre_commit() -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join("pre-commit"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`pre-commit` is not on PATH; install it with `pip install pre-commit==4.7.0` \
                 (scripts/test.sh does, into its venv)"
            )
        })
}

fn manifest() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml")
}

/// A hook repository as pre-commit clones it: this project's `.pre-commit-hooks.yaml`,
/// committed. Returns its path and commit.
fn hook_repo(home: &Path) -> (PathBuf, String) {
    let dir = home.join("flowgate-hooks");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::copy(manifest(), dir.join(".pre-commit-hooks.yaml")).expect("copy");
    let git = |args: &[&str]| {
        let out = git_cmd(&dir).args(args).output().expect("git runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "hooks"]);
    (dir.clone(), git(&["rev-parse", "HEAD"]))
}

#[test]
fn pre_commit_accepts_the_manifest() {
    let out = Command::new(pre_commit())
        .arg("validate-manifest")
        .arg(manifest())
        .output()
        .expect("pre-commit runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn pre_commit_framework_runs_the_system_hooks_on_real_commits() {
    let r = Repo::bare_init();
    // Outside the repository under test (its temp dir is its working tree).
    let outside = assert_fs::TempDir::new().expect("temp dir");
    let home = outside.path().join("pre-commit-home");
    let (hooks, rev) = hook_repo(outside.path());
    r.write(
        "backlog/config.yml",
        "project_name: \"Demo\"\ndefault_status: \"To Do\"\nstatuses: [\"To Do\", \"In Progress\", \"Done\"]\ntask_prefix: \"task\"\n",
    );
    r.write(".flowgate.yml", "links:\n  require: none\n");
    r.write(
        ".pre-commit-config.yaml",
        &format!(
            "default_install_hook_types: [pre-commit, commit-msg, prepare-commit-msg]\n\
             repos:\n\
             \x20 - repo: {}\n\
             \x20   rev: {rev}\n\
             \x20   hooks:\n\
             \x20     - id: flowgate-system\n\
             \x20     - id: flowgate-commit-msg-system\n\
             \x20     - id: flowgate-prepare-commit-msg-system\n",
            hooks.display()
        ),
    );
    r.write_task("TASK-1", "Login", "In Progress", &[(false, "Form works")]);
    r.write("src/main.rs", "fn main() {}\n");
    r.git(&["add", "-A"]).success();
    r.git(&["commit", "-q", "--no-verify", "-m", "Start\n\nRefs: TASK-1"])
        .success();

    let pc = |args: &[&str]| {
        let mut c = Command::new(pre_commit());
        c.current_dir(&r.root)
            .env("PATH", path_env())
            .env("PRE_COMMIT_HOME", &home)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .args(args);
        let out = c.output().expect("pre-commit runs");
        assert!(
            out.status.success(),
            "pre-commit {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    pc(&["install"]);
    let env = [("PRE_COMMIT_HOME", home.to_str().expect("utf-8 temp path"))];

    // prepare-commit-msg adds the reference from the branch name; commit-msg accepts it.
    r.git(&["checkout", "-q", "-b", "alice/task-1-login"])
        .success();
    r.write("src/main.rs", "fn main() { login(); }\n");
    r.git(&["add", "-A"]).success();
    r.git_env(&env, &["commit", "-q", "-m", "Add the login call"])
        .success();
    assert!(
        r.head_message().contains("Refs: TASK-1"),
        "{}",
        r.head_message()
    );

    // commit-msg rejects a reference to a task that does not exist.
    r.git(&["checkout", "-q", "main"]).success();
    r.write("src/main.rs", "fn main() { logout(); }\n");
    r.git(&["add", "-A"]).success();
    let rejected = r
        .git_env(&env, &["commit", "-q", "-m", "Logout\n\nRefs: TASK-9"])
        .failure();
    let text = format!("{}{}", rejected.stdout, rejected.stderr);
    assert!(
        text.contains("flowgate (commit message references an active task)"),
        "{text}"
    );
    assert!(text.contains("TASK-9"), "{text}");

    // pre-commit rejects a task that enters Done with an unchecked criterion.
    r.git(&["reset", "-q", "--hard"]).success();
    let path = task_path("backlog", "TASK-1", "Login");
    r.write(
        &path,
        &task("TASK-1", "Login", "Done", &[(false, "Form works")]),
    );
    r.git(&["add", "-A"]).success();
    let rejected = r
        .git_env(&env, &["commit", "-q", "-m", "Finish\n\nRefs: TASK-1"])
        .failure();
    let text = format!("{}{}", rejected.stdout, rejected.stderr);
    assert!(
        text.contains("flowgate (staged task files and status transitions)"),
        "{text}"
    );
    assert!(text.contains("TASK-1 cannot enter \"Done\""), "{text}");
}

#[test]
fn install_defers_to_husky() {
    let r = Repo::bare_init();
    r.git(&["config", "core.hooksPath", ".husky/_"]).success();
    std::fs::create_dir_all(r.root.join(".husky/_")).expect("mkdir");
    let refused = r.flowgate(&["install"]).failure();
    assert!(
        refused.stderr.contains(&format!(
            "this repository's hooks are managed by husky (core.hooksPath is {}), which rewrites them on its next install; add flowgate to husky's hook files instead:",
            r.root.join(".husky/_").display()
        )),
        "{}",
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .contains(".husky/commit-msg:          flowgate hook commit-msg \"$1\""),
        "{}",
        refused.stderr
    );
    assert!(!r.root.join(".husky/_/pre-commit").exists());

    // Without core.hooksPath (a fresh clone before `npm install`), `.husky/_` still says so.
    r.git(&["config", "--unset", "core.hooksPath"]).success();
    let refused = r.flowgate(&["install"]).failure();
    assert!(
        refused
            .stderr
            .contains("managed by husky (.husky/_ exists)"),
        "{}",
        refused.stderr
    );

    r.flowgate(&["install", "--force"]).success();
    assert!(r.root.join(".git/hooks/pre-commit").exists());
}

#[test]
fn install_defers_to_lefthook() {
    let r = Repo::bare_init();
    r.write("lefthook.yml", "pre-commit:\n  commands: {}\n");
    let refused = r.flowgate(&["install"]).failure();
    assert!(
        refused.stderr.contains(
            "this repository's hooks are managed by lefthook (lefthook.yml), which rewrites them on its next install; add flowgate to lefthook.yml instead, then run `lefthook install`:"
        ),
        "{}",
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .contains("run: flowgate hook prepare-commit-msg {1} {2} {3}"),
        "{}",
        refused.stderr
    );
    assert!(!r.root.join(".git/hooks/pre-commit").exists());
}

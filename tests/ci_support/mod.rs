//! Shared helpers for the `ci_*` integration tests: real git repositories in temp dirs,
//! GitHub event payloads, and the real binary with a clean `GITHUB_*` environment.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;
use assert_fs::TempDir;

/// Every variable flowgate reads from GitHub Actions; cleared so that a test run inside a
/// real workflow sees only what the test sets.
pub const GITHUB_VARS: &[&str] = &[
    "GITHUB_ACTIONS",
    "GITHUB_EVENT_PATH",
    "GITHUB_EVENT_NAME",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_OUTPUT",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GITHUB_API_URL",
    "GITHUB_REPOSITORY",
    "GITHUB_HEAD_REF",
    "GITHUB_BASE_REF",
];

/// A git repository in a temp dir, with its own identity and no global config.
pub struct Repo {
    /// The temp dir (kept alive with the repo).
    pub tmp: TempDir,
    /// The working tree.
    pub dir: PathBuf,
}

fn git_env(cmd: &mut StdCommand) {
    cmd.env("GIT_AUTHOR_NAME", "Ada Tester")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_NAME", "Ada Tester")
        .env("GIT_COMMITTER_EMAIL", "ada@example.com")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1");
}

/// Runs git in `dir` and returns its trimmed stdout; panics with stderr on failure.
pub fn git_in(dir: &Path, args: &[&str]) -> String {
    let mut cmd = StdCommand::new("git");
    cmd.current_dir(dir).args(args);
    git_env(&mut cmd);
    let out = cmd.output().expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

impl Repo {
    /// `git init` on branch `main`.
    pub fn new() -> Repo {
        let tmp = TempDir::new().expect("temp dir");
        let dir = tmp.path().join("repo");
        std::fs::create_dir_all(&dir).expect("mkdir");
        git_in(&dir, &["init", "-q", "-b", "main"]);
        Repo { tmp, dir }
    }

    /// Runs git in the repo.
    pub fn git(&self, args: &[&str]) -> String {
        git_in(&self.dir, args)
    }

    /// Writes a file (creating folders).
    pub fn write(&self, path: &str, text: &str) {
        let full = self.dir.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(full, text).expect("write");
    }

    /// Stages everything and commits; returns the new commit's id.
    pub fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// A path in the temp dir, outside the repository.
    pub fn outside(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// The flowgate binary, run in the repo, with no GitHub variables set.
    pub fn flowgate(&self) -> Command {
        let mut cmd = Command::cargo_bin("flowgate").expect("binary");
        cmd.current_dir(&self.dir);
        for var in GITHUB_VARS {
            cmd.env_remove(var);
        }
        cmd
    }

    /// The flowgate binary with a GitHub Actions environment: the event payload written
    /// to a file, and empty summary and output files. Returns the command and the paths
    /// of the summary and output files.
    pub fn flowgate_in_actions(
        &self,
        event_name: &str,
        payload: &str,
    ) -> (Command, PathBuf, PathBuf) {
        let event = self.outside("event.json");
        let summary = self.outside("step_summary.md");
        let output = self.outside("github_output");
        std::fs::write(&event, payload).expect("event");
        std::fs::write(&summary, "").expect("summary");
        std::fs::write(&output, "").expect("output");
        let mut cmd = self.flowgate();
        cmd.env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", event_name)
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_REPOSITORY", "acme/widgets");
        (cmd, summary, output)
    }
}

/// A repository with a base commit and two commits on top (`TASK-2`'s), and a `--depth 1`
/// clone of it: the clone holds the head but not the base. Returns the origin, the clone's
/// folder, the base and the head.
pub fn shallow_clone() -> (Repo, PathBuf, String, String) {
    let origin = Repo::new();
    seed_backlog(&origin);
    origin.write("src/lib.rs", "pub fn a() {}\n");
    let base = origin.commit("Initial commit");
    origin.write("src/lib.rs", "pub fn a() {}\npub fn b() {}\n");
    origin.commit("TASK-2: add b");
    origin.write(
        "src/lib.rs",
        "pub fn a() {}\npub fn b() {}\npub fn c() {}\n",
    );
    let head = origin.commit("TASK-2: add c");
    let clone = origin.outside("clone");
    let url = format!("file://{}", origin.dir.display());
    git_in(
        origin.tmp.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            &url,
            &clone.display().to_string(),
        ],
    );
    (origin, clone, base, head)
}

/// A realistic `pull_request` payload (the fields GitHub sends that flowgate reads, and a
/// few around them).
pub fn pull_request_event(number: u64, title: &str, body: &str, base: &str, head: &str) -> String {
    serde_json::json!({
        "action": "synchronize",
        "number": number,
        "before": "0123456789abcdef0123456789abcdef01234567",
        "after": head,
        "pull_request": {
            "url": format!("https://api.github.com/repos/acme/widgets/pulls/{number}"),
            "id": 1_987_654_321u64,
            "number": number,
            "state": "open",
            "draft": false,
            "title": title,
            "body": body,
            "user": { "login": "ada", "type": "User" },
            "head": {
                "label": "ada:task-2-login",
                "ref": "task-2-login",
                "sha": head,
                "repo": { "full_name": "acme/widgets" }
            },
            "base": {
                "label": "acme:main",
                "ref": "main",
                "sha": base,
                "repo": { "full_name": "acme/widgets", "default_branch": "main" }
            },
            "commits": 2
        },
        "repository": {
            "id": 123456,
            "name": "widgets",
            "full_name": "acme/widgets",
            "default_branch": "main",
            "owner": { "login": "acme" }
        },
        "sender": { "login": "ada" }
    })
    .to_string()
}

/// A minimal spec-driven repository: Backlog.md config, one task in progress linked to a
/// spec-kit requirement section.
pub fn seed_backlog(repo: &Repo) {
    repo.write(
        "backlog/config.yml",
        "project_name: \"Widgets\"\ndefault_status: \"To Do\"\nstatuses: [\"To Do\", \"In Progress\", \"Done\"]\ntask_prefix: \"task\"\n",
    );
    repo.write(
        "backlog/tasks/task-2 - Login.md",
        "---\nid: TASK-2\ntitle: Login\nstatus: In Progress\nassignee: []\ncreated_date: '2025-01-02'\nlabels: []\ndependencies: []\nspec: specs/001-login/spec.md#requirements\n---\n\n## Description\n\nLet people log in.\n",
    );
    repo.write(
        "specs/001-login/spec.md",
        "# Feature Specification: Login\n\n## Requirements\n\n- **FR-001**: Users MUST be able to log in.\n",
    );
}

/// A pull request on the seeded backlog ([`seed_backlog`]): `base` files committed as
/// `base_message`, then branch `branch` with one commit `head_message` that writes `head`
/// files. Returns the repository and the base and head commit ids.
pub fn pull_request_repo(
    base: &[(&str, &str)],
    base_message: &str,
    branch: &str,
    head: &[(&str, &str)],
    head_message: &str,
) -> (Repo, String, String) {
    let repo = Repo::new();
    seed_backlog(&repo);
    for (path, text) in base {
        repo.write(path, text);
    }
    let base = repo.commit(base_message);
    repo.git(&["checkout", "-q", "-b", branch]);
    for (path, text) in head {
        repo.write(path, text);
    }
    let head = repo.commit(head_message);
    (repo, base, head)
}

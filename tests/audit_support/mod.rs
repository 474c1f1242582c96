//! Real multi-commit repositories for the audit tests. Every commit gets a fixed date,
//! author and committer, so commit ids (and the golden reports that show them) are the
//! same on every run.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use assert_fs::TempDir;

/// A repository in a temp dir with a clock that advances one day per commit.
pub struct Repo {
    /// The working tree.
    pub dir: TempDir,
    day: std::cell::Cell<u32>,
}

/// A command's outcome.
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// stdout.
    pub stdout: String,
    /// stderr.
    pub stderr: String,
}

fn run(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The spec used by most tests.
pub const SPEC: &str = "# Feature: User auth\n\n## User Scenarios\n\n### User Story 1 - Sign in (Priority: P1)\n\nA user signs in with email.\n\n## Requirements\n\n### Functional Requirements\n\n- **FR-001**: System MUST let users sign in.\n- **FR-002**: System MUST lock accounts after 5 failures.\n- **FR-003**: System MUST log sign-ins.\n\n### Password rules\n\nPasswords have 12 characters.\n";

/// A task file's text.
pub fn task(id: &str, title: &str, status: &str, spec: &str, ac_checked: bool) -> String {
    format!(
        "---\nid: {id}\ntitle: {title}\nstatus: {status}\nspec: {spec}\n---\n\n## Acceptance Criteria\n<!-- AC:BEGIN -->\n- [{}] #1 works\n<!-- AC:END -->\n",
        if ac_checked { "x" } else { " " }
    )
}

impl Repo {
    /// An empty repository on branch `main`.
    pub fn new() -> Repo {
        let repo = Repo {
            dir: TempDir::new().expect("temp dir"),
            day: std::cell::Cell::new(1),
        };
        repo.git(&["init", "-q", "-b", "main", "."]);
        repo
    }

    /// A repository with a backlog config and the user-auth spec (not committed).
    pub fn with_spec() -> Repo {
        let repo = Repo::new();
        repo.write(
            "backlog/config.yml",
            "project_name: demo\nstatuses: [\"To Do\", \"In Progress\", \"Done\"]\ntask_prefix: task\n",
        );
        repo.write("specs/001-user-auth/spec.md", SPEC);
        repo
    }

    /// The root path.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    fn date(&self) -> String {
        format!("2024-01-{:02}T10:00:00Z", self.day.get())
    }

    /// Runs git with a fixed identity and the current date; panics on failure.
    pub fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .current_dir(self.path())
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Alice")
            .env("GIT_AUTHOR_EMAIL", "alice@example.com")
            .env("GIT_COMMITTER_NAME", "Alice")
            .env("GIT_COMMITTER_EMAIL", "alice@example.com")
            .env("GIT_AUTHOR_DATE", self.date())
            .env("GIT_COMMITTER_DATE", self.date())
            .env("GIT_EDITOR", "true")
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .output()
            .expect("git runs");
        let r = run(out);
        assert_eq!(r.code, 0, "git {args:?} failed: {}", r.stderr);
        r.stdout
    }

    /// Writes a file.
    pub fn write(&self, path: &str, text: &str) {
        let full = self.path().join(path);
        if let Some(dir) = full.parent() {
            std::fs::create_dir_all(dir).expect("mkdir");
        }
        std::fs::write(full, text).expect("write");
    }

    /// Writes a task file under `backlog/tasks/`.
    pub fn task(&self, n: u32, title: &str, status: &str, spec: &str, ac: bool) {
        self.write(
            &format!("backlog/tasks/task-{n} - {title}.md"),
            &task(&format!("TASK-{n}"), title, status, spec, ac),
        );
    }

    /// Commits everything with `message`, then advances the clock a day.
    pub fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.day.set(self.day.get() + 1);
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    /// Runs the flowgate under test.
    pub fn flowgate(&self, args: &[&str]) -> Run {
        let out = Command::new(assert_cmd::cargo::cargo_bin("flowgate"))
            .current_dir(self.path())
            .args(args)
            .env("NO_COLOR", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .output()
            .expect("flowgate runs");
        run(out)
    }

    /// The JSON report of an audit that finds none of the files the audit keeps in
    /// `.git/flowgate` (they are put back afterwards).
    pub fn cold_audit(&self) -> String {
        let saved = self.path().join(".git/flowgate-saved");
        let dir = self.path().join(".git/flowgate");
        let had = dir.exists();
        if had {
            std::fs::rename(&dir, &saved).expect("move the audit's files aside");
        }
        let out = self.flowgate(&["audit", "--format", "json"]).stdout;
        std::fs::remove_dir_all(&dir).expect("remove the cold audit's files");
        if had {
            std::fs::rename(&saved, &dir).expect("put the audit's files back");
        }
        out
    }

    /// `flowgate --format json ARGS` parsed.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        let r = self.flowgate(&all);
        serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", r.stdout, r.stderr))
    }
}

/// `(code, task, commit subject)` of every finding, for compact assertions.
pub fn codes(doc: &serde_json::Value) -> Vec<(String, String)> {
    doc["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["code"].as_str().unwrap_or_default().to_string(),
                        f["task"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The commit ids of every finding with rule `code`, in report order.
pub fn commits_with(doc: &serde_json::Value, code: &str) -> Vec<String> {
    doc["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["code"] == code)
        .map(|f| f["commit"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Builds the repository every history test starts from: each kind of event once.
///
/// 1. set up (TASK-1, TASK-2 in To Do)        6. add TASK-3
/// 2. TASK-1 In Progress + code, refs TASK-1  7. delete TASK-3 while To Do       (FG404)
/// 3. code without a reference      (FG301)   8. a new TASK-3                    (FG406)
/// 4. TASK-2 To Do -> Done          (FG401)   9. spec FR section edited after Done (FG207)
/// 5. TASK-1 Done, AC unchecked     (FG403)  10. TASK-2 moved to completed/ (no finding)
pub fn events_repo() -> Repo {
    let r = Repo::with_spec();
    r.task(
        1,
        "Sign-in",
        "To Do",
        "specs/001-user-auth/spec.md#fr-001",
        false,
    );
    r.task(2, "Lockout", "To Do", "001-user-auth/FR-002", false);
    r.commit("Set up backlog and spec");
    r.task(
        1,
        "Sign-in",
        "In Progress",
        "specs/001-user-auth/spec.md#fr-001",
        false,
    );
    r.write("src/a.rs", "fn a() {}\n");
    r.commit("Start sign-in\n\nRefs: TASK-1");
    r.write("src/a.rs", "fn a() { b() }\n");
    r.commit("Some code without a reference");
    r.task(2, "Lockout", "Done", "001-user-auth/FR-002", true);
    r.commit("TASK-2 skip to done");
    r.task(
        1,
        "Sign-in",
        "Done",
        "specs/001-user-auth/spec.md#fr-001",
        false,
    );
    r.commit("TASK-1 done without AC");
    r.task(3, "Audit-log", "To Do", "001-user-auth/FR-003", false);
    r.commit("Add TASK-3");
    r.git(&["rm", "-q", "backlog/tasks/task-3 - Audit-log.md"]);
    r.commit("Drop TASK-3");
    r.task(3, "Reused", "To Do", "001-user-auth/FR-003", false);
    r.commit("New TASK-3");
    r.write(
        "specs/001-user-auth/spec.md",
        &SPEC.replace("let users sign in.", "let users sign in with a passkey."),
    );
    r.commit("Spec: passkeys");
    std::fs::create_dir_all(r.path().join("backlog/completed")).expect("mkdir");
    r.git(&[
        "mv",
        "backlog/tasks/task-2 - Lockout.md",
        "backlog/completed/task-2 - Lockout.md",
    ]);
    r.commit("Complete TASK-2");
    r
}

//! Real git repositories in temp dirs with flowgate's hooks installed, driven through
//! real `git commit`. The flowgate binary under test comes first on PATH so the shims
//! find it; git's global and system config are shut out.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use assert_fs::TempDir;

/// The PATH the git processes see: the directory of the flowgate under test first.
pub fn path_env() -> std::ffi::OsString {
    let bin = assert_cmd::cargo::cargo_bin("flowgate");
    let dir = bin.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut paths = vec![dir];
    if let Some(p) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&p));
    }
    std::env::join_paths(paths).unwrap_or_default()
}

/// A git command with an isolated environment.
pub fn git_cmd(dir: &Path) -> Command {
    tool_cmd("git", dir)
}

/// A command that runs git (git itself, the Backlog.md CLI) with git's isolated
/// environment: the flowgate under test first on PATH, no global config, a fixed author.
pub fn tool_cmd(program: &str, dir: &Path) -> Command {
    let mut c = Command::new(program);
    c.current_dir(dir)
        .env("PATH", path_env())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Alice")
        .env("GIT_AUTHOR_EMAIL", "alice@example.com")
        .env("GIT_COMMITTER_NAME", "Alice")
        .env("GIT_COMMITTER_EMAIL", "alice@example.com")
        .env("GIT_EDITOR", "true")
        .env("NO_COLOR", "1")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE");
    c
}

/// Runs the Backlog.md CLI (`backlog`, npm `backlog.md@1.52.0`) in `dir` and returns its
/// stdout; panics with its output when it fails or is not installed.
pub fn backlog_cli(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("backlog")
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run the Backlog.md CLI `backlog` ({e}); install it with `npm install -g backlog.md@1.52.0`"
            )
        });
    assert!(
        out.status.success(),
        "backlog {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The outcome of a command, with its text.
pub struct Run {
    /// Exit status was success.
    pub ok: bool,
    /// stdout.
    pub stdout: String,
    /// stderr.
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Panics with the output unless the command succeeded.
    pub fn success(self) -> Run {
        assert!(
            self.ok,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Panics with the output unless the command failed.
    pub fn failure(self) -> Run {
        assert!(
            !self.ok,
            "expected failure\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts that stderr contains every snippet, ignoring whitespace: the renderer
    /// wraps long help lines, even inside a path.
    pub fn stderr_has(self, snippets: &[&str]) -> Run {
        let flat = |t: &str| t.replace('│', " ").split_whitespace().collect::<String>();
        let stderr = flat(&self.stderr);
        for s in snippets {
            assert!(
                stderr.contains(&flat(s)),
                "stderr lacks {s:?}:\n{}",
                self.stderr
            );
        }
        self
    }
}

/// A repository under test.
pub struct Repo {
    /// Keeps the directory alive.
    pub tmp: TempDir,
    /// The working tree root.
    pub root: PathBuf,
}

/// A task file as Backlog.md writes it.
pub fn task(id: &str, title: &str, status: &str, ac: &[(bool, &str)]) -> String {
    let mut s = format!(
        "---\nid: {id}\ntitle: {title}\nstatus: {status}\nassignee: []\ncreated_date: '2026-01-05 10:00'\nlabels: []\ndependencies: []\n---\n\n## Description\n\n<!-- SECTION:DESCRIPTION:BEGIN -->\n{title}.\n<!-- SECTION:DESCRIPTION:END -->\n"
    );
    if !ac.is_empty() {
        s.push_str("\n## Acceptance Criteria\n<!-- AC:BEGIN -->\n");
        for (i, (checked, text)) in ac.iter().enumerate() {
            s.push_str(&format!(
                "- [{}] #{} {text}\n",
                if *checked { 'x' } else { ' ' },
                i + 1
            ));
        }
        s.push_str("<!-- AC:END -->\n");
    }
    s
}

/// `backlog/tasks/task-N - Title.md` for id `TASK-N`.
pub fn task_path(root: &str, id: &str, title: &str) -> String {
    format!(
        "{root}/tasks/{} - {}.md",
        id.to_lowercase(),
        title.replace(' ', "-")
    )
}

impl Repo {
    /// An empty repository on branch `main`, no hooks.
    pub fn bare_init() -> Repo {
        let tmp = TempDir::new().expect("temp dir");
        let root = tmp.path().canonicalize().expect("canonical temp dir");
        let r = Repo { tmp, root };
        r.git(&["init", "-q", "-b", "main"]).success();
        r
    }

    /// A repository with a default backlog (`backlog/config.yml`), a `.flowgate.yml`
    /// that needs no spec links, and flowgate's hooks installed. Nothing committed.
    pub fn new() -> Repo {
        Repo::with_backlog("backlog", "task")
    }

    /// Like [`Repo::new`], with the backlog in `root` and a custom task prefix.
    pub fn with_backlog(root: &str, prefix: &str) -> Repo {
        let r = Repo::bare_init();
        r.write(
            &format!("{root}/config.yml"),
            &format!(
                "project_name: \"Demo\"\ndefault_status: \"To Do\"\nstatuses: [\"To Do\", \"In Progress\", \"Done\"]\ntask_prefix: \"{prefix}\"\nauto_commit: false\n"
            ),
        );
        r.write(".flowgate.yml", "links:\n  require: none\n");
        r.flowgate(&["install"]).success();
        r
    }

    /// Runs git in the working tree.
    pub fn git(&self, args: &[&str]) -> Run {
        self.git_in(&self.root, args)
    }

    /// Runs git in `dir`.
    pub fn git_in(&self, dir: &Path, args: &[&str]) -> Run {
        Run::from(git_cmd(dir).args(args).output().expect("git runs"))
    }

    /// Stages a submodule at `path`: a new repository with one commit (`lib.rs`), added
    /// from its local path (which git allows only when told to). Returns the submodule's
    /// repository, which must outlive the test's use of it.
    pub fn add_submodule(&self, path: &str) -> Repo {
        let sub = Repo::bare_init();
        sub.write("lib.rs", "pub fn lib() {}\n");
        sub.git(&["add", "-A"]).success();
        sub.git(&["commit", "-q", "-m", "lib"]).success();
        let url = sub.root.display().to_string();
        self.git(&[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            &url,
            path,
        ])
        .success();
        sub
    }

    /// Runs git with extra environment variables.
    pub fn git_env(&self, env: &[(&str, &str)], args: &[&str]) -> Run {
        let mut c = git_cmd(&self.root);
        for (k, v) in env {
            c.env(k, v);
        }
        Run::from(c.args(args).output().expect("git runs"))
    }

    /// Runs the Backlog.md CLI (`backlog`, which commits through git when its
    /// `autoCommit` is on) in the working tree.
    pub fn backlog(&self, args: &[&str]) -> Run {
        Run::from(
            tool_cmd("backlog", &self.root)
                .args(args)
                .output()
                .expect("the Backlog.md CLI `backlog` runs (npm install -g backlog.md@1.52.0)"),
        )
    }

    /// `git add -A` then `git commit -m MESSAGE`, dated an hour ago (the author date of a
    /// commit made earlier in the day, which an amend keeps).
    pub fn commit_all_earlier(&self, message: &str) -> Run {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let date = format!("@{} +0000", now.saturating_sub(3600));
        self.git(&["add", "-A"]).success();
        self.git_env(
            &[("GIT_AUTHOR_DATE", &date), ("GIT_COMMITTER_DATE", &date)],
            &["commit", "-q", "-m", message],
        )
    }

    /// Runs the flowgate under test in the working tree.
    pub fn flowgate(&self, args: &[&str]) -> Run {
        let out = Command::new(assert_cmd::cargo::cargo_bin("flowgate"))
            .current_dir(&self.root)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("NO_COLOR", "1")
            .args(args)
            .output()
            .expect("flowgate runs");
        Run::from(out)
    }

    /// Writes a file (creating folders).
    pub fn write(&self, path: &str, content: &str) {
        let full = self.root.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(full, content).expect("write");
    }

    /// `git mv`, creating the target folder first (Backlog.md creates it on init).
    pub fn git_mv(&self, from: &str, to: &str) -> Run {
        if let Some(parent) = self.root.join(to).parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        self.git(&["mv", from, to])
    }

    /// Reads a file.
    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root.join(path)).expect("read")
    }

    /// Writes a task file at its Backlog.md path and returns the path.
    pub fn write_task(&self, id: &str, title: &str, status: &str, ac: &[(bool, &str)]) -> String {
        let path = task_path("backlog", id, title);
        self.write(&path, &task(id, title, status, ac));
        path
    }

    /// `git add -A` then `git commit -m MESSAGE` (hooks run).
    pub fn commit_all(&self, message: &str) -> Run {
        self.git(&["add", "-A"]).success();
        self.git(&["commit", "-q", "-m", message])
    }

    /// A first commit with one task in progress and a code file: the usual starting point.
    pub fn seeded() -> Repo {
        let r = Repo::new();
        r.write_task("TASK-1", "Login", "In Progress", &[(false, "Form works")]);
        r.write_task("TASK-2", "Logout", "To Do", &[(false, "Button works")]);
        r.write("src/main.rs", "fn main() {}\n");
        r.commit_all("Start login\n\nRefs: TASK-1").success();
        r
    }

    /// The message of HEAD.
    pub fn head_message(&self) -> String {
        self.git(&["log", "-1", "--format=%B"]).success().stdout
    }
}

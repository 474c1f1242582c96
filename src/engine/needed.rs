//! Which of a commit's changed paths the history pass needs, so that its diff reads only
//! the folders that can hold them.
//!
//! Judging a commit in `audit` uses its changed paths in four ways: the task files
//! (the transition rules and the task moves the history records), the spec files (the
//! section changes it records), whether any path is code (the commit rules exempt a
//! commit that changes none) together with whether every code path is a version file
//! (the version-bump exemption), and, for a squashed pull request, whether any path lies
//! outside the backlog. The first two need every such path; the last two are answered by
//! the first code path that is not a version file and by the first path outside the
//! backlog. So the diff keeps every task and spec file, the code paths up to the first
//! one that is not a version file, and the first path outside the backlog, and skips
//! unread every folder that can hold nothing it still keeps (a code folder once the code
//! question is answered, `docs/` when no spec file can be there, …). `ci` keeps the
//! whole diff: it places a commit's findings on the commit's first changed file.

use crate::backlog::{BacklogLayout, Folder};
use crate::git::changes::Wanted;
use crate::rules::commits::{is_version_file, CodePaths};
use crate::rules::path_globs::GlobHeads;

use super::judge::{change_entry, in_backlog};

/// Where spec files are: the spec globs as written and compiled.
pub struct SpecPlaces {
    heads: GlobHeads,
    matcher: globset::GlobSet,
}

impl SpecPlaces {
    /// The places `globs` (the `specs.globs` setting) name.
    pub fn new(globs: &[String]) -> SpecPlaces {
        SpecPlaces {
            heads: GlobHeads::new(globs, false),
            matcher: crate::spec::compile_globs(globs),
        }
    }
}

/// The changed paths one commit's judging needs (see the module documentation).
pub struct Needed<'a> {
    /// The commit's backlog, if it has one.
    layout: Option<&'a BacklogLayout>,
    /// The folders task files are read from (`<root>/tasks`, …).
    task_dirs: Vec<String>,
    /// Where spec files are, when they are needed.
    specs: Option<&'a SpecPlaces>,
    /// Which paths are code, while a code path is still needed.
    code: Option<&'a CodePaths>,
    /// A version file does not end the search for code (the version-bump exemption
    /// needs every code path when all of them are version files).
    version_bumps: bool,
    /// The first path outside the backlog is still needed.
    outside: bool,
}

impl<'a> Needed<'a> {
    /// The task files of the backlog at `layout`, and nothing else.
    pub fn tasks(layout: &'a BacklogLayout) -> Needed<'a> {
        Needed {
            layout: Some(layout),
            task_dirs: Folder::ALL
                .iter()
                .map(|(_, d)| crate::source::join(&layout.root, d))
                .collect(),
            specs: None,
            code: None,
            version_bumps: false,
            outside: false,
        }
    }

    /// The spec files at `specs`, and nothing else (a commit without a backlog).
    pub fn specs(specs: &'a SpecPlaces) -> Needed<'a> {
        Needed {
            layout: None,
            task_dirs: Vec::new(),
            specs: Some(specs),
            code: None,
            version_bumps: false,
            outside: false,
        }
    }

    /// Also the spec files at `specs`.
    pub fn and_specs(mut self, specs: &'a SpecPlaces) -> Needed<'a> {
        self.specs = Some(specs);
        self
    }

    /// Also the code paths of `code` up to the first one that is not a version file (up
    /// to the first code path at all unless `version_bumps`).
    pub fn and_code(mut self, code: &'a CodePaths, version_bumps: bool) -> Needed<'a> {
        self.code = Some(code);
        self.version_bumps = version_bumps;
        self
    }

    /// Also the first path outside the backlog.
    pub fn and_outside(mut self) -> Needed<'a> {
        self.outside = self.layout.is_some();
        self
    }

    /// True when folder `dir` is the backlog folder or lies in it.
    fn dir_in_backlog(&self, dir: &str) -> bool {
        self.layout.is_some_and(|l| {
            let root = l.root.trim_end_matches('/');
            !root.is_empty()
                && dir
                    .strip_prefix(root)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    }
}

impl Wanted for Needed<'_> {
    fn folder(&self, dir: &str) -> bool {
        let tasks = self.task_dirs.iter().any(|t| {
            t.strip_prefix(dir)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        });
        tasks
            || self.specs.is_some_and(|s| s.heads.may_match_below(dir))
            || self.code.is_some_and(|c| c.may_hold_code(dir))
            || (self.outside && !self.dir_in_backlog(dir))
    }

    fn keep(&mut self, path: &str) -> bool {
        // Cheap tests first: a task file lies in a task folder, a spec file in a folder
        // the spec globs' heads admit (a file at the top is left to the globs).
        let dir = path.rsplit_once('/').map(|(d, _)| d);
        let mut take = self
            .layout
            .filter(|_| dir.is_some_and(|d| self.task_dirs.iter().any(|t| t == d)))
            .is_some_and(|l| change_entry(path, l).is_some())
            || self.specs.is_some_and(|s| {
                dir.is_none_or(|d| s.heads.may_match_below(d)) && s.matcher.is_match(path)
            });
        if self.code.is_some_and(|c| c.is_code(path)) {
            take = true;
            if !(self.version_bumps && is_version_file(path)) {
                self.code = None;
            }
        }
        if self.outside && !self.layout.is_some_and(|l| in_backlog(path, l)) {
            take = true;
            self.outside = false;
        }
        take
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::engine::judge::{judge_commit_from, CommitJudge};
    use crate::git::changes::tests::{git, write};
    use crate::git::changes::{commit_changes, commit_changes_wanted};
    use crate::git::{CommitMeta, Oid, Repo};
    use std::path::Path;

    fn task(id: u32, status: &str) -> String {
        format!("---\nid: TASK-{id}\ntitle: Task {id}\nstatus: {status}\n---\n\n## Description\n\nWork {id}.\n")
    }

    fn commit(dir: &Path, message: &str) {
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "--allow-empty", "-m", message]);
    }

    /// A history with task, spec, doc and code changes in deep folders, version bumps,
    /// squashed pull requests, a merge, folders added and removed, tasks moved.
    fn history(dir: &Path) {
        git(dir, &["init", "-q", "-b", "main"]);
        write(
            dir,
            "backlog/config.yml",
            "project_name: x\ntask_prefix: task\n",
        );
        write(dir, "backlog/tasks/task-1 - One.md", &task(1, "To Do"));
        write(dir, "backlog/tasks/task-2 - Two.md", &task(2, "To Do"));
        write(
            dir,
            "specs/001-x/spec.md",
            "# X\n\n## Requirements\n\n- **FR-001**: a\n",
        );
        write(dir, "src/a/b/c/main.rs", "fn main() {}\n");
        write(dir, "src/z/lib.rs", "pub fn z() {}\n");
        write(dir, "lib/x.py", "x = 1\n");
        write(dir, "docs/guide.md", "guide\n");
        write(
            dir,
            "package.json",
            "{\n  \"name\": \"x\",\n  \"version\": \"1.0.0\"\n}\n",
        );
        write(dir, "README.md", "readme\n");
        commit(dir, "Start\n\nRefs: TASK-1");
        write(dir, "src/a/b/c/main.rs", "fn main() { run() }\n");
        write(dir, "src/z/lib.rs", "pub fn z() -> u8 { 1 }\n");
        write(
            dir,
            "backlog/tasks/task-1 - One.md",
            &task(1, "In Progress"),
        );
        commit(dir, "Code and a task\n\nRefs: TASK-1");
        write(dir, "docs/guide.md", "guide 2\n");
        write(
            dir,
            "backlog/tasks/task-2 - Two.md",
            &task(2, "In Progress"),
        );
        commit(dir, "Docs only");
        write(
            dir,
            "package.json",
            "{\n  \"name\": \"x\",\n  \"version\": \"1.0.1\"\n}\n",
        );
        commit(dir, "Release 1.0.1");
        write(
            dir,
            "package.json",
            "{\n  \"name\": \"x\",\n  \"version\": \"1.0.2\"\n}\n",
        );
        write(dir, "src/z/lib.rs", "pub fn z() -> u8 { 2 }\n");
        write(dir, "lib/x.py", "x = 2\n");
        commit(dir, "Version and code");
        write(
            dir,
            "specs/001-x/spec.md",
            "# X\n\n## Requirements\n\n- **FR-001**: b\n",
        );
        write(dir, "docs/specs/y.md", "# Y\n\n## Part\n\ntext\n");
        write(dir, "src/a/b/d/new.rs", "// new\n");
        commit(dir, "Specs and code\n\nRefs: TASK-2");
        write(dir, "README.md", "readme 2\n");
        write(dir, "backlog/tasks/task-2 - Two.md", &task(2, "Done"));
        commit(dir, "Squashed readme (#12)");
        write(dir, "backlog/tasks/task-3 - Three.md", &task(3, "Done"));
        commit(dir, "Squashed bookkeeping (#13)");
        write(dir, "src/a/b/c/main.rs", "fn main() { run(); stop() }\n");
        commit(dir, "Squashed code (#14)");
        git(dir, &["checkout", "-q", "-b", "side"]);
        write(dir, "src/side/deep/x.rs", "// side\n");
        write(dir, "backlog/tasks/task-1 - One.md", &task(1, "Done"));
        commit(dir, "Side work\n\nRefs: TASK-1");
        git(dir, &["checkout", "-q", "main"]);
        write(dir, "specs/002-y/plan.md", "# Plan\n\n## Steps\n\none\n");
        commit(dir, "Main work\n\nRefs: TASK-2");
        git(
            dir,
            &[
                "merge",
                "-q",
                "--no-ff",
                "-m",
                "Merge branch 'side'",
                "side",
            ],
        );
        std::fs::remove_dir_all(dir.join("src/a")).unwrap();
        write(dir, "src/q/r/s.rs", "// s\n");
        write(dir, "specs/003-z/tasks.md", "# Tasks\n");
        std::fs::create_dir_all(dir.join("backlog/completed")).unwrap();
        std::fs::rename(
            dir.join("backlog/tasks/task-3 - Three.md"),
            dir.join("backlog/completed/task-3 - Three.md"),
        )
        .unwrap();
        write(dir, "backlog/docs/doc-1 - D.md", "doc\n");
        commit(dir, "Move things\n\nRefs: TASK-3");
        std::fs::remove_dir_all(dir.join("src")).unwrap();
        write(dir, "src", "now a file\n");
        write(
            dir,
            "backlog/archive/tasks/task-9 - Nine.md",
            &task(9, "Done"),
        );
        commit(dir, "Folder to file");
    }

    fn configs() -> Vec<Config> {
        let mut out = vec![Config::default()];
        let mut c = Config::default();
        c.commits.code_paths = vec!["src/**".into()];
        out.push(c);
        let mut c = Config::default();
        c.commits.non_code_paths = vec!["lib/**".into(), "src/z/**".into()];
        out.push(c);
        let mut c = Config::default();
        c.commits.version_bumps_need_task = true;
        out.push(c);
        let mut c = Config::default();
        c.specs.globs = vec!["**/spec.md".into(), "docs/specs/*.md".into()];
        out.push(c);
        out
    }

    fn commits(repo: &Repo, dir: &Path) -> Vec<Oid> {
        let out = std::process::Command::new("git")
            .args(["rev-list", "--all"])
            .current_dir(dir)
            .output()
            .unwrap();
        let ids: Vec<Oid> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| Oid::from_str(l).unwrap())
            .collect();
        assert!(ids.len() > 10);
        assert!(ids.iter().all(|id| CommitMeta::read(repo, *id).is_ok()));
        ids
    }

    /// A plan that counts the folders it refuses.
    struct Counted<'a>(Needed<'a>, std::cell::Cell<usize>);

    impl Wanted for Counted<'_> {
        fn folder(&self, dir: &str) -> bool {
            let yes = self.0.folder(dir);
            self.1.set(self.1.get() + usize::from(!yes));
            yes
        }

        fn keep(&mut self, path: &str) -> bool {
            self.0.keep(path)
        }
    }

    /// The diff that skips folders gives the full diff filtered by the same plan, for
    /// each commit against each parent and the empty tree, in every configuration.
    #[test]
    fn the_needed_paths_are_the_full_diff_filtered() {
        let tmp = assert_fs::TempDir::new().unwrap();
        let dir = tmp.path();
        history(dir);
        let repo = Repo::discover(dir).unwrap();
        let layout = crate::backlog::BacklogLayout::with_defaults("backlog");
        let (mut kept, mut refused) = (0, 0);
        for config in configs() {
            let code = crate::engine::judge::code_paths(&config, &layout).unwrap();
            let specs = SpecPlaces::new(&config.specs.globs);
            type Plan<'p> = &'p dyn Fn() -> Needed<'p>;
            let plans: [Plan; 6] = [
                &|| Needed::tasks(&layout),
                &|| Needed::specs(&specs),
                &|| Needed::tasks(&layout).and_specs(&specs),
                &|| {
                    Needed::tasks(&layout)
                        .and_specs(&specs)
                        .and_code(&code, true)
                },
                &|| Needed::tasks(&layout).and_code(&code, false).and_outside(),
                &|| Needed::tasks(&layout).and_outside(),
            ];
            for id in commits(&repo, dir) {
                let parents = CommitMeta::read(&repo, id).unwrap().parents;
                for before in parents.into_iter().map(Some).chain([None]) {
                    let full = commit_changes(&repo, before, id).unwrap();
                    for (n, plan) in plans.iter().enumerate() {
                        let mut slow = plan();
                        let want: Vec<_> = full
                            .iter()
                            .filter(|c| slow.keep(&c.path))
                            .cloned()
                            .collect();
                        let mut counted = Counted(plan(), std::cell::Cell::new(0));
                        let got = commit_changes_wanted(&repo, before, id, &mut counted).unwrap();
                        assert_eq!(got, want, "plan {n}, {id} from {before:?}");
                        kept += got.len();
                        refused += counted.1.get();
                    }
                }
            }
        }
        assert!(
            kept > 100 && refused > 100,
            "{kept} kept, {refused} folders refused"
        );
    }

    /// The history pass judges every commit the same with the needed paths only as with
    /// every changed path: findings, task files, references, and the spec files.
    #[test]
    fn judging_with_the_needed_paths_only_is_the_same() {
        let tmp = assert_fs::TempDir::new().unwrap();
        let dir = tmp.path();
        history(dir);
        let repo = Repo::discover(dir).unwrap();
        let mut findings = 0;
        for config in configs() {
            let judge = || {
                CommitJudge::new(&repo, &config, None, None)
                    .quick()
                    .squashed()
                    .merged_branches()
            };
            let (full, needed) = (judge(), judge().needed_paths_only());
            let specs = crate::spec::compile_globs(&config.specs.globs);
            for id in commits(&repo, dir) {
                let meta = CommitMeta::read(&repo, id).unwrap();
                let a = judge_commit_from(&full, &meta, Some("task-1-x")).unwrap();
                let b = judge_commit_from(&needed, &meta, Some("task-1-x")).unwrap();
                let shown = |j: &crate::engine::judge::Judged| {
                    format!(
                        "{:?} {:?} {:?} {:?} {:?} {:?}",
                        j.findings, j.before, j.after, j.layout, j.references, j.kept
                    )
                };
                assert_eq!(shown(&a), shown(&b), "{id}");
                let spec_files = |j: &crate::engine::judge::Judged| {
                    let files = j.changed.iter().filter(|c| specs.is_match(&c.path));
                    files.cloned().collect::<Vec<_>>()
                };
                assert_eq!(spec_files(&a), spec_files(&b), "{id}");
                assert!(b.changed.iter().all(|c| a.changed.contains(c)), "{id}");
                findings += a.findings.len();
            }
        }
        assert!(findings > 5, "{findings}");
    }
}

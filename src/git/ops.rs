//! What the layers above read of a repository besides its snapshots: revision walks,
//! merge bases, refs, git's own state files and settings, the process-wide libgit2
//! options of a hook or a history pass, and creating a repository (the demo). Nothing
//! outside `git/` names libgit2; it goes through these.

use std::path::Path;

use git2::{Oid, Repository, RepositoryState, Sort};

use super::Repo;
use crate::source::SourceError;

impl From<git2::Error> for SourceError {
    fn from(e: git2::Error) -> Self {
        SourceError(e.message().to_string())
    }
}

impl Repo {
    /// Opens the repository whose git directory is `git_dir` (another handle on the same
    /// repository, for a thread of its own).
    pub fn open(git_dir: &Path) -> Result<Repo, SourceError> {
        Ok(Repo::from_git(Repository::open(git_dir)?))
    }

    /// The git directory (`.git`, or the worktree's own under `.git/worktrees/`).
    pub fn git_dir(&self) -> &Path {
        self.git.path()
    }

    /// The directory shared by every worktree (hooks live there).
    pub fn common_dir(&self) -> &Path {
        self.git.commondir()
    }

    /// True for a shallow clone (it holds only the newest commits).
    pub fn is_shallow(&self) -> bool {
        self.git.is_shallow()
    }

    /// True when no merge, rebase, cherry-pick, revert or bisect is in progress.
    pub fn is_clean_state(&self) -> bool {
        self.git.state() == RepositoryState::Clean
    }

    /// The commits reachable from `include` and from none of `exclude`, oldest first,
    /// parents before children.
    pub fn commits_between(&self, include: &[Oid], exclude: &[Oid]) -> Result<Vec<Oid>, String> {
        let git_err = |e: git2::Error| e.message().to_string();
        let mut walk = self.git.revwalk().map_err(git_err)?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
            .map_err(git_err)?;
        for id in include {
            walk.push(*id).map_err(git_err)?;
        }
        for id in exclude {
            walk.hide(*id).map_err(git_err)?;
        }
        walk.collect::<Result<Vec<_>, _>>().map_err(git_err)
    }

    /// Up to `limit` commits reachable from HEAD, newest first (none on an unborn branch).
    pub fn recent_commits(&self, limit: usize) -> Vec<Oid> {
        let Ok(mut walk) = self.git.revwalk() else {
            return Vec::new();
        };
        if walk.push_head().is_err() {
            return Vec::new();
        }
        walk.take(limit).flatten().collect()
    }

    /// The parents of commit `id`, first parent first.
    pub fn commit_parents(&self, id: Oid) -> Result<Vec<Oid>, SourceError> {
        Ok(self.git.find_commit(id)?.parent_ids().collect())
    }

    /// The first line of commit `id`'s message.
    pub fn commit_subject(&self, id: Oid) -> Result<String, SourceError> {
        let commit = self.git.find_commit(id)?;
        Ok(String::from_utf8_lossy(commit.message_bytes())
            .lines()
            .next()
            .unwrap_or_default()
            .to_string())
    }

    /// The author's name of commit `id`, when it is UTF-8.
    pub fn commit_author_name(&self, id: Oid) -> Option<String> {
        let commit = self.git.find_commit(id).ok()?;
        let author = commit.author();
        author.name().ok().map(str::to_string)
    }

    /// The best common ancestor of `a` and `b`.
    pub fn merge_base(&self, a: Oid, b: Oid) -> Result<Oid, String> {
        self.git
            .merge_base(a, b)
            .map_err(|e| e.message().to_string())
    }

    /// The commit `rev` names (a revision as `git rev-parse` reads it). `Err(None)`: it
    /// names nothing here (not found); `Err(Some(why))`: it cannot be read.
    pub fn find_commit(&self, rev: &str) -> Result<Oid, Option<String>> {
        let found = self
            .git
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .map(|c| c.id());
        match found {
            Ok(id) => Ok(id),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Err(None),
            Err(e) => Err(Some(e.message().to_string())),
        }
    }

    /// The commit the ref `name` (`refs/heads/main`) points at.
    pub fn ref_target(&self, name: &str) -> Option<Oid> {
        self.git.refname_to_id(name).ok()
    }

    /// The other heads of a merge in progress (`MERGE_HEAD`).
    pub fn merge_heads(&self) -> Vec<Oid> {
        std::fs::read_to_string(self.git_dir().join("MERGE_HEAD"))
            .map(|s| {
                s.lines()
                    .filter_map(|l| Oid::from_str(l.trim()).ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The branch a rebase in progress is rebasing (`rebase-merge/head-name`).
    pub fn rebasing_branch(&self) -> Option<String> {
        ["rebase-merge/head-name", "rebase-apply/head-name"]
            .iter()
            .find_map(|p| std::fs::read_to_string(self.git_dir().join(p)).ok())
            .and_then(|s| s.trim().strip_prefix("refs/heads/").map(str::to_string))
    }

    /// git's comment character (`core.commentString`, `core.commentChar`; `auto` and unset
    /// mean `#`).
    pub fn comment_char(&self) -> char {
        let config = self.git.config().ok();
        let value = config.as_ref().and_then(|c| {
            c.get_string("core.commentString")
                .or_else(|_| c.get_string("core.commentChar"))
                .ok()
        });
        match value.as_deref().map(str::trim) {
            Some("auto") | None | Some("") => '#',
            Some(v) => v.chars().next().unwrap_or('#'),
        }
    }

    /// The path a git setting names (`core.hooksPath`), when it is set.
    pub fn config_path(&self, key: &str) -> Option<std::path::PathBuf> {
        self.git.config().ok()?.get_path(key).ok()
    }

    /// The configured identity (`user.name`, `user.email`), as far as it is set.
    pub fn identity(&self) -> (Option<String>, Option<String>) {
        let sig = self.git.signature().ok();
        (
            sig.as_ref().and_then(|s| s.name().ok().map(String::from)),
            sig.as_ref().and_then(|s| s.email().ok().map(String::from)),
        )
    }
}

/// Sets libgit2 up for a hook: only objects git itself just wrote or verified are read,
/// so they are not hashed again, and the backlog's task folder (one tree of thousands of
/// entries, read several times per hook) stays in libgit2's cache, which by default keeps
/// no tree over 4 KiB. Call before any repository is opened and any thread starts.
pub fn tune_for_hook() {
    git2::opts::strict_hash_verification(false);
    // SAFETY: these set process-wide libgit2 options before any repository is opened and
    // before any thread starts; they only change how much libgit2 caches.
    unsafe {
        let _ = git2::opts::set_cache_object_limit(git2::ObjectType::Tree, 16 << 20);
        let _ = git2::opts::set_cache_max_size(64 << 20);
    }
}

/// Sets libgit2 up for reading a long history (once per process: later calls do
/// nothing). Call before the pass starts its threads.
pub fn tune_for_history() {
    static TUNED: std::sync::Once = std::sync::Once::new();
    TUNED.call_once(tune_for_history_once);
}

fn tune_for_history_once() {
    // The audit reads tens of thousands of objects that git already verified when they
    // were written; hashing each again on read costs more than the rest of the work.
    git2::opts::strict_hash_verification(false);
    // Trees are read through flowgate's own memo (`git::tree`) and each commit once or
    // twice: libgit2's object cache would only cost its locking and evictions.
    git2::opts::enable_caching(false);
    // libgit2 maps a pack in windows of 1 GiB and keeps up to 8 GiB mapped: every page of
    // the pack a long history touches stays resident (a 140 MB pack is 140 MB of the
    // audit's peak memory). Smaller windows, of which at most 8 MiB stay mapped, bound
    // that; the pages stay in the page cache, so mapping one again is cheap (the history
    // threads read the commits in the pack's order: a 240 MB pack is mapped a few hundred
    // times in all). (Trees and
    // blobs are read from packs by `git::pack`, without mapping them: libgit2 reads the
    // commits, and whatever that reader leaves to it.)
    // SAFETY: these set process-wide libgit2 options once per process (`TUNED`), from
    // the first call, which the audit makes before it starts its threads; they only
    // change how much of a pack stays mapped.
    unsafe {
        let _ = git2::opts::set_mwindow_size(2 << 20);
        let _ = git2::opts::set_mwindow_mapped_limit(8 << 20);
    }
}

/// `git init && git add -A && git commit -m MESSAGE` in `dir`, as `name <email>`, with
/// libgit2 (no git binary needed).
pub fn init_and_commit_all(
    dir: &Path,
    name: &str,
    email: &str,
    message: &str,
) -> Result<(), String> {
    let run = || -> Result<(), git2::Error> {
        let repo = Repository::init(dir)?;
        let mut index = repo.index()?;
        index.add_all(["*"], git2::IndexAddOption::DEFAULT, None)?;
        index.write()?;
        let tree = repo.find_tree(index.write_tree()?)?;
        let who = git2::Signature::now(name, email)?;
        repo.commit(Some("HEAD"), &who, &who, message, &tree, &[])?;
        Ok(())
    };
    run().map_err(|e| e.to_string())
}

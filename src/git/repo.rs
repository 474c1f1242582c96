//! Opening a repository and taking snapshots of it: the index and commit trees.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use git2::{ObjectType, Oid, Repository};

use super::fs::FsSource;
use crate::source::{Content, DirEntry, EntryKind, Source, SourceError};

/// An open repository.
pub struct Repo {
    /// The libgit2 handle.
    pub git: Repository,
}

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Repo({})", self.git.path().display())
    }
}

fn kind_of_mode(mode: u32) -> EntryKind {
    match mode & 0o170000 {
        0o040000 => EntryKind::Dir,
        0o120000 => EntryKind::Symlink,
        0o160000 => EntryKind::Submodule,
        _ => EntryKind::File,
    }
}

impl Repo {
    /// Opens the repository containing `dir` (searching upwards, as git does).
    pub fn discover(dir: &Path) -> Result<Repo, SourceError> {
        let git = Repository::discover(dir).map_err(|e| {
            // libgit2 reads SHA-1 repositories only; say so rather than "not a repository".
            if e.message().contains("object format") {
                return SourceError(format!(
                    "{} is a git repository in an object format flowgate cannot read ({}); \
                     flowgate's git library (libgit2) supports SHA-1 repositories only",
                    dir.display(),
                    e.message()
                ));
            }
            SourceError(format!(
                "{} is not inside a git repository ({})",
                dir.display(),
                e.message()
            ))
        })?;
        Ok(Repo { git })
    }

    /// The working tree root; `None` for a bare repository.
    pub fn workdir(&self) -> Option<&Path> {
        self.git.workdir()
    }

    /// The working tree as a source.
    pub fn worktree(&self) -> Result<FsSource, SourceError> {
        self.workdir()
            .map(FsSource::new)
            .ok_or_else(|| SourceError("the repository is bare: it has no working tree".into()))
    }

    /// The working tree as a source, for checking it. In a sparse checkout
    /// (`core.sparseCheckout`), the files git left out of the working tree are read from
    /// the index, so that they are not reported missing.
    pub fn worktree_source(&self) -> Result<Box<dyn Source + '_>, SourceError> {
        let disk = self.worktree()?;
        let sparse = self
            .git
            .config()
            .and_then(|c| c.get_bool("core.sparseCheckout"))
            .unwrap_or(false);
        if !sparse {
            return Ok(Box::new(disk));
        }
        let index = self.index()?;
        let mut hidden = BTreeSet::new();
        let mut hidden_dirs = BTreeSet::new();
        for entry in index.index.iter() {
            if entry.flags_extended & SKIP_WORKTREE == 0 {
                continue;
            }
            let Ok(path) = String::from_utf8(entry.path) else {
                continue;
            };
            let mut dir = path.as_str();
            while let Some((parent, _)) = dir.rsplit_once('/') {
                hidden_dirs.insert(parent.to_string());
                dir = parent;
            }
            hidden.insert(path);
        }
        Ok(Box::new(SparseWorktree {
            disk,
            index,
            hidden,
            hidden_dirs,
        }))
    }

    /// The index as a source. Honours `GIT_INDEX_FILE` (git sets it for
    /// `git commit PATHS`, `commit -a` and tools such as Backlog.md's auto-commit).
    pub fn index(&self) -> Result<IndexSource<'_>, SourceError> {
        let index = match std::env::var_os("GIT_INDEX_FILE") {
            Some(path) if !path.is_empty() => {
                let path = PathBuf::from(path);
                let path = if path.is_absolute() {
                    path
                } else {
                    std::env::current_dir()?.join(path)
                };
                git2::Index::open(&path).map_err(|e| {
                    SourceError(format!(
                        "cannot read the index named by GIT_INDEX_FILE ({}): {}",
                        path.display(),
                        e.message()
                    ))
                })?
            }
            _ => self.git.index()?,
        };
        Ok(IndexSource { repo: self, index })
    }

    /// The id of `HEAD`'s commit; `None` on an unborn branch.
    pub fn head_commit(&self) -> Result<Option<Oid>, SourceError> {
        match self.git.head() {
            Ok(head) => Ok(head.peel_to_commit().ok().map(|c| c.id())),
            Err(e)
                if matches!(
                    e.code(),
                    git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The tree of commit `id` as a source.
    pub fn commit_tree(&self, id: Oid) -> Result<TreeSource<'_>, SourceError> {
        let commit = self.git.find_commit(id)?;
        Ok(TreeSource {
            repo: self,
            tree: commit.tree()?,
            label: id.to_string(),
        })
    }

    /// Resolves a revision (`HEAD~2`, a branch, a SHA) to a commit id.
    pub fn resolve(&self, rev: &str) -> Result<Oid, SourceError> {
        let obj = self
            .git
            .revparse_single(rev)
            .map_err(|e| SourceError(format!("cannot resolve `{rev}`: {}", e.message())))?;
        Ok(obj.peel_to_commit()?.id())
    }

    /// The current branch's short name; `None` when HEAD is detached.
    pub fn branch_name(&self) -> Option<String> {
        let head = self.git.find_reference("HEAD").ok()?;
        let target = head.symbolic_target().ok()??;
        target.strip_prefix("refs/heads/").map(str::to_string)
    }

    /// Reads blob `id` (at most `max` bytes; larger blobs are reported, not read).
    pub fn blob(&self, id: Oid, max: u64) -> Result<Content, SourceError> {
        self.read_blob(id, max)
    }

    fn read_blob(&self, id: Oid, max: u64) -> Result<Content, SourceError> {
        let odb = self.git.odb()?;
        let (size, _) = odb.read_header(id)?;
        if size as u64 > max {
            return Ok(Content::TooLarge(size as u64));
        }
        let blob = self.git.find_blob(id)?;
        Ok(Content::Bytes(blob.content().to_vec()))
    }
}

/// The index (staging area) as a source.
pub struct IndexSource<'r> {
    repo: &'r Repo,
    index: git2::Index,
}

impl IndexSource<'_> {
    /// The underlying index.
    pub fn index(&self) -> &git2::Index {
        &self.index
    }

    /// The path of entry `i`.
    fn path_at(&self, i: usize) -> Option<Vec<u8>> {
        self.index.get(i).map(|e| e.path)
    }

    /// The position of the first entry whose path is not below `key` (entries are sorted
    /// by path bytes).
    fn lower_bound(&self, key: &[u8]) -> usize {
        let (mut lo, mut hi) = (0, self.index.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.path_at(mid) {
                Some(p) if p.as_slice() < key => lo = mid + 1,
                _ => hi = mid,
            }
        }
        lo
    }

    /// The entries directly inside `dir` whose names start with `name_prefix`. A
    /// subdirectory is one entry: its files are skipped over by a binary search, so
    /// listing the root of a repository with 10,000 files in one folder stays cheap.
    fn scan(&self, dir: &str, name_prefix: &str) -> Vec<DirEntry> {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{}/", dir.trim_end_matches('/'))
        };
        let start = format!("{prefix}{name_prefix}");
        let mut i = self.lower_bound(start.as_bytes());
        let mut out: Vec<DirEntry> = Vec::new();
        while let Some(entry) = self.index.get(i) {
            i += 1;
            let Ok(path) = std::str::from_utf8(&entry.path) else {
                continue;
            };
            if !path.starts_with(&start) {
                break;
            }
            let rest = &path[prefix.len()..];
            // Only stage 0 (merged) or, during a conflict, the "ours" stage is a file here.
            let stage = (entry.flags >> 12) & 0x3;
            if stage > 2 {
                continue;
            }
            let (name, kind) = match rest.split_once('/') {
                Some((d, _)) => {
                    // Skip the subdirectory's files: `d0` sorts right after `d/…`.
                    i = i.max(self.lower_bound(format!("{prefix}{d}0").as_bytes()));
                    (d, EntryKind::Dir)
                }
                None => (rest, kind_of_mode(entry.mode)),
            };
            if out.last().is_none_or(|last| last.name != name) {
                out.push(DirEntry {
                    name: name.to_string(),
                    kind,
                });
            }
        }
        out
    }
}

impl Source for IndexSource<'_> {
    fn label(&self) -> String {
        "index".to_string()
    }

    fn list_dir(&self, dir: &str) -> Result<Vec<DirEntry>, SourceError> {
        Ok(self.scan(dir, ""))
    }

    fn list_prefix(&self, dir: &str, name_prefix: &str) -> Result<Vec<DirEntry>, SourceError> {
        Ok(self.scan(dir, name_prefix))
    }

    fn read(&self, path: &str, max: u64) -> Result<Content, SourceError> {
        let entry = [0, 2, 1]
            .into_iter()
            .find_map(|stage| self.index.get_path(Path::new(path), stage));
        match entry {
            Some(e) => match kind_of_mode(e.mode) {
                EntryKind::Symlink => Ok(Content::Symlink),
                EntryKind::Submodule | EntryKind::Dir => Ok(Content::NotAFile),
                EntryKind::File => self.repo.read_blob(e.id, max),
            },
            None if self.is_dir(path)? => Ok(Content::NotAFile),
            None => Ok(Content::Missing),
        }
    }
}

/// The index entry flag git sets on files a sparse checkout leaves out of the working tree.
const SKIP_WORKTREE: u16 = 1 << 14;

/// The working tree of a sparse checkout: what is on disk, plus the files git left out
/// (skip-worktree in the index), read from the index.
struct SparseWorktree<'r> {
    disk: FsSource,
    index: IndexSource<'r>,
    hidden: BTreeSet<String>,
    hidden_dirs: BTreeSet<String>,
}

impl Source for SparseWorktree<'_> {
    fn label(&self) -> String {
        self.disk.label()
    }

    fn list_dir(&self, dir: &str) -> Result<Vec<DirEntry>, SourceError> {
        let mut out = self.disk.list_dir(dir)?;
        let dir_is_hidden = dir.is_empty() || self.hidden_dirs.contains(dir);
        if !dir_is_hidden {
            return Ok(out);
        }
        for entry in self.index.list_dir(dir)? {
            let path = crate::source::join(dir, &entry.name);
            let left_out = self.hidden.contains(&path) || self.hidden_dirs.contains(&path);
            if left_out && !out.iter().any(|e| e.name == entry.name) {
                out.push(entry);
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn read(&self, path: &str, max: u64) -> Result<Content, SourceError> {
        match self.disk.read(path, max)? {
            Content::Missing if self.hidden.contains(path) => self.index.read(path, max),
            other => Ok(other),
        }
    }
}

/// A commit's tree as a source.
pub struct TreeSource<'r> {
    repo: &'r Repo,
    tree: git2::Tree<'r>,
    label: String,
}

impl TreeSource<'_> {
    /// The object id of the entry at `path` (a blob or a tree), if there is one.
    pub fn entry_id(&self, path: &str) -> Option<Oid> {
        self.tree.get_path(Path::new(path)).ok().map(|e| e.id())
    }

    fn subtree(&self, dir: &str) -> Result<Option<git2::Tree<'_>>, SourceError> {
        if dir.is_empty() {
            return Ok(Some(self.tree.clone()));
        }
        match self.tree.get_path(Path::new(dir)) {
            Ok(entry) if entry.kind() == Some(ObjectType::Tree) => {
                Ok(Some(self.repo.git.find_tree(entry.id())?))
            }
            Ok(_) => Ok(None),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

impl Source for TreeSource<'_> {
    fn label(&self) -> String {
        self.label.clone()
    }

    fn list_dir(&self, dir: &str) -> Result<Vec<DirEntry>, SourceError> {
        let Some(tree) = self.subtree(dir.trim_end_matches('/'))? else {
            return Ok(Vec::new());
        };
        Ok(tree
            .iter()
            .filter_map(|e| {
                let name = e.name().ok()?.to_string();
                Some(DirEntry {
                    name,
                    kind: kind_of_mode(e.filemode() as u32),
                })
            })
            .collect())
    }

    fn list_prefix(&self, dir: &str, name_prefix: &str) -> Result<Vec<DirEntry>, SourceError> {
        // Tree entries are sorted by name: a binary search finds the first candidate, so a
        // lookup by file name costs O(log n) in a folder of 10,000 tasks.
        let Some(tree) = self.subtree(dir.trim_end_matches('/'))? else {
            return Ok(Vec::new());
        };
        let p = name_prefix.as_bytes();
        let (mut lo, mut hi) = (0, tree.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if tree.get(mid).is_some_and(|e| e.name_bytes() < p) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let mut out = Vec::new();
        while let Some(entry) = tree.get(lo) {
            if !entry.name_bytes().starts_with(p) {
                break;
            }
            if let Ok(name) = entry.name() {
                out.push(DirEntry {
                    name: name.to_string(),
                    kind: kind_of_mode(entry.filemode() as u32),
                });
            }
            lo += 1;
        }
        Ok(out)
    }

    fn read(&self, path: &str, max: u64) -> Result<Content, SourceError> {
        match self.tree.get_path(Path::new(path)) {
            Ok(entry) => match kind_of_mode(entry.filemode() as u32) {
                EntryKind::Symlink => Ok(Content::Symlink),
                EntryKind::Dir | EntryKind::Submodule => Ok(Content::NotAFile),
                EntryKind::File => self.repo.read_blob(entry.id(), max),
            },
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(Content::Missing),
            Err(e) => Err(e.into()),
        }
    }
}

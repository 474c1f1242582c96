//! Opening a repository and taking snapshots of it: the index and commit trees.

use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use git2::{ObjectType, Oid, Repository};

use super::changes::{changed_paths, changed_paths_outside, staged_changes, After, Change, Scope};
use super::fs::FsSource;
use super::index_file::IndexFile;
#[cfg(all(unix, target_pointer_width = "64"))]
use super::pack::{Kind, Packed, Packs};
use super::tree::{RawTree, TreeItem, TreeMemo};
use crate::source::{Content, DirEntry, EntryKind, Source, SourceError};

/// An open repository.
pub struct Repo {
    /// The libgit2 handle: only `git/` reaches for libgit2.
    pub(super) git: Repository,
    /// Trees read recently (see [`RawTree`]).
    trees: TreeMemo,
    /// The tree ids of recently read commits (a pass over history asks for a commit's
    /// tree, and its parent's, several times per commit).
    commit_trees: RefCell<VecDeque<(Oid, Oid)>>,
    /// Folders of recently read trees, by root tree and path (see [`TreeSource::folder`]).
    folders: RefCell<VecDeque<FolderEntry>>,
    /// The repository's packs, opened on first use (see [`super::pack`]).
    #[cfg(all(unix, target_pointer_width = "64"))]
    packs: OnceCell<Option<Box<Packs>>>,
    /// Whether a `shallow` or `info/grafts` file gives commits other parents than their
    /// objects name (libgit2 applies them), found on first use.
    grafted: OnceCell<bool>,
}

/// How many commits' tree ids [`Repo::commit_tree_id`] remembers.
const COMMIT_TREES: usize = 16;

/// One remembered folder lookup: root tree id, folder path, the folder's tree (`None`:
/// no such folder).
type FolderEntry = ([u8; 20], String, Option<Rc<RawTree>>);

/// How many folder lookups a [`Repo`] remembers: the backlog folders of a commit and its
/// parent, with room to spare (each may hold a tree of thousands of entries).
const FOLDERS: usize = 32;

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Repo({})", self.git.path().display())
    }
}

pub(crate) fn kind_of_mode(mode: u32) -> EntryKind {
    match mode & 0o170000 {
        0o040000 => EntryKind::Dir,
        0o120000 => EntryKind::Symlink,
        0o160000 => EntryKind::Submodule,
        _ => EntryKind::File,
    }
}

/// Why `dir` could not be opened as a repository.
fn not_a_repo(dir: &Path, e: &git2::Error) -> SourceError {
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
}

/// Opens the git dir `git_dir` (from `GIT_DIR`) for a command started in `dir`, with the
/// working tree `work_tree` (`GIT_WORK_TREE`, relative to `dir`) when given.
fn open_git_dir(
    dir: &Path,
    git_dir: &Path,
    work_tree: Option<std::ffi::OsString>,
) -> Result<Repository, SourceError> {
    let flags = git2::RepositoryOpenFlags::NO_SEARCH | git2::RepositoryOpenFlags::NO_DOTGIT;
    let git = Repository::open_ext(git_dir, flags, std::iter::empty::<&std::ffi::OsStr>())
        .map_err(|e| {
            SourceError(format!(
                "GIT_DIR names {}, which is not a git repository ({}); unset GIT_DIR or point it at the repository's git dir",
                git_dir.display(),
                e.message()
            ))
        })?;
    let configured = git
        .config()
        .is_ok_and(|c| c.get_path("core.worktree").is_ok());
    let work_tree = match work_tree {
        Some(w) => Some(dir.join(w)),
        // Neither GIT_WORK_TREE nor core.worktree: git takes the current folder.
        None if !git.is_bare() && !configured => Some(dir.to_path_buf()),
        None => None,
    };
    if let Some(w) = work_tree {
        let w = std::path::absolute(&w)?;
        git.set_workdir(&w, false).map_err(|e| {
            SourceError(format!(
                "cannot use {} as the working tree of {}: {}",
                w.display(),
                git_dir.display(),
                e.message()
            ))
        })?;
    }
    Ok(git)
}

/// What [`Repo::find`] found.
#[derive(Debug)]
pub enum Found {
    /// A repository flowgate reads.
    Repo(Repo),
    /// Files flowgate can read only from disk, and why (no repository, or one it cannot
    /// read): for a command that can still work on plain files, to say so.
    Outside(String),
}

impl Repo {
    /// Opens the repository containing `dir` (searching upwards, as git does), or the one
    /// `GIT_DIR` names, as git does when it is set (git sets it for hooks in linked
    /// worktrees and separate git dirs): relative to `dir`, with the working tree at
    /// `GIT_WORK_TREE`, else `core.worktree`, else `dir` itself.
    pub fn discover(dir: &Path) -> Result<Repo, SourceError> {
        let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let git = match env("GIT_DIR") {
            Some(git_dir) => open_git_dir(dir, &dir.join(git_dir), env("GIT_WORK_TREE"))?,
            None => Repository::discover(dir).map_err(|e| not_a_repo(dir, &e))?,
        };
        Ok(Repo::from_git(git))
    }

    /// Like [`Repo::discover`], but [`Found::Outside`] when the folder can only be read as
    /// plain files: plainly outside git (no `GIT_DIR`, and neither `dir` nor a folder above
    /// it has a `.git` entry), or in a repository whose object format libgit2 cannot read.
    /// Anything else that cannot be opened (a `GIT_DIR` that is not a repository, a broken
    /// `.git`) is an error, never "no repository".
    pub fn find(dir: &Path) -> Result<Found, SourceError> {
        let git_dir_set = std::env::var_os("GIT_DIR").is_some_and(|v| !v.is_empty());
        if git_dir_set {
            return Repo::discover(dir).map(Found::Repo);
        }
        match Repository::discover(dir) {
            Ok(git) => Ok(Found::Repo(Repo::from_git(git))),
            Err(e) if e.code() == git2::ErrorCode::NotFound => {
                let absolute = std::path::absolute(dir)?;
                match absolute
                    .ancestors()
                    .find(|a| a.join(".git").symlink_metadata().is_ok())
                {
                    Some(at) => Err(SourceError(format!(
                        "{} has a .git entry that is not a readable git repository ({}); repair it, or remove it to check the folder as plain files",
                        at.display(),
                        e.message()
                    ))),
                    None => Ok(Found::Outside(format!(
                        "{} is not in a git repository",
                        dir.display()
                    ))),
                }
            }
            Err(e) if e.message().contains("object format") => {
                Ok(Found::Outside(not_a_repo(dir, &e).0))
            }
            Err(e) => Err(not_a_repo(dir, &e)),
        }
    }

    /// Wraps an open libgit2 handle.
    pub fn from_git(git: Repository) -> Repo {
        Repo {
            git,
            trees: TreeMemo::default(),
            commit_trees: RefCell::new(VecDeque::new()),
            folders: RefCell::new(VecDeque::new()),
            #[cfg(all(unix, target_pointer_width = "64"))]
            packs: OnceCell::new(),
            grafted: OnceCell::new(),
        }
    }

    /// The raw contents of tree `id`, read from the packs when they have it, else through
    /// libgit2 (loose objects, alternates, anything the pack reader does not read).
    fn tree_data(&self, id: Oid) -> Result<Vec<u8>, SourceError> {
        #[cfg(all(unix, target_pointer_width = "64"))]
        if let Some(object) = self.packs().and_then(|p| p.read(id.as_bytes())) {
            if object.kind != Kind::Tree {
                return Err(SourceError(format!("object {id} is not a tree")));
            }
            return Ok(object.data);
        }
        let odb = self.git.odb()?;
        let object = odb.read(id)?;
        if object.kind() != ObjectType::Tree {
            return Err(SourceError(format!("object {id} is not a tree")));
        }
        Ok(object.data().to_vec())
    }

    /// The raw contents of commit `id` when flowgate's pack reader has it; `None`: read it
    /// through libgit2 (loose, not a commit, not read here, or in a shallow or grafted
    /// repository, where libgit2 gives commits the parents the grafts say).
    pub(super) fn packed_commit(&self, id: Oid) -> Option<Vec<u8>> {
        if self.is_grafted() {
            return None;
        }
        #[cfg(all(unix, target_pointer_width = "64"))]
        if let Some(object) = self.packs().and_then(|p| p.read(id.as_bytes())) {
            return (object.kind == Kind::Commit).then_some(object.data);
        }
        let _ = id;
        None
    }

    /// Whether a `shallow` or `info/grafts` file gives commits other parents than their
    /// objects name (libgit2 applies them).
    pub(super) fn is_grafted(&self) -> bool {
        *self.grafted.get_or_init(|| {
            let (git_dir, common) = (self.git.path(), self.git.commondir());
            [git_dir, common]
                .iter()
                .any(|d| d.join("shallow").exists() || d.join("info/grafts").exists())
        })
    }

    /// The repository's packs, opened on first use; `None` when it has none flowgate
    /// reads itself.
    #[cfg(all(unix, target_pointer_width = "64"))]
    fn packs(&self) -> Option<&Packs> {
        self.packs
            .get_or_init(|| Packs::open(&self.git.commondir().join("objects")).map(Box::new))
            .as_deref()
    }

    /// The first parent of commit `id`: `None` for a root commit or a commit that cannot be
    /// read (the caller then compares against the empty tree).
    pub fn first_parent(&self, id: Oid) -> Option<Oid> {
        self.git.find_commit(id).ok()?.parent_ids().next()
    }

    /// The tree id of commit `id`.
    pub fn commit_tree_id(&self, id: Oid) -> Result<Oid, SourceError> {
        let known = self
            .commit_trees
            .borrow()
            .iter()
            .find(|(c, _)| c.as_bytes() == id.as_bytes())
            .map(|(_, t)| *t);
        match known {
            Some(tree) => Ok(tree),
            None => {
                let tree = self.git.find_commit(id)?.tree_id();
                self.remember_commit_tree(id, tree);
                Ok(tree)
            }
        }
    }

    /// Records that commit `id` has tree `tree` (for a caller that read the commit anyway).
    pub fn remember_commit_tree(&self, id: Oid, tree: Oid) {
        let mut known = self.commit_trees.borrow_mut();
        if known.len() >= COMMIT_TREES {
            known.pop_front();
        }
        known.push_back((id, tree));
    }

    /// Tree `id`, indexed (see [`RawTree`]): an error when it is malformed. Recently read
    /// trees come from a memo.
    pub fn tree(&self, id: Oid) -> Result<Rc<RawTree>, SourceError> {
        let tree = self.tree_unindexed(id)?;
        tree.check()?;
        Ok(tree)
    }

    /// Tree `id`, indexed only if it was before: for a caller that indexes it itself, with
    /// [`RawTree::differing`] or [`RawTree::check`], before reading its entries.
    pub fn tree_unindexed(&self, id: Oid) -> Result<Rc<RawTree>, SourceError> {
        self.trees.get_or_read(id, || self.tree_data(id))
    }

    /// Reads large trees from, and keeps them in, `.git/flowgate/trees/` from now on (see
    /// [`super::tree::TreeRecords`]), through `files`: for the pre-commit hook.
    pub fn use_tree_records(&self, files: Box<dyn super::tree::RecordFiles>) {
        self.trees.use_records(self.git.path(), files);
    }

    /// Keeps the tree the commit being made will have for folder `dir` of `index`, when
    /// this handle uses tree records, the index's cache tree knows that tree, and it is
    /// large and not kept yet: the next commit's hook reads it as HEAD's.
    pub fn keep_index_tree(&self, index: &IndexSource<'_>, dir: &str) {
        let Some(records) = self.trees.records() else {
            return;
        };
        let Some(parsed) = &index.parsed else {
            return;
        };
        // The cache tree says how many entries a folder spans, not its size: build the
        // tree only for a folder that has no record yet.
        let Some(id) = parsed.folder_tree_id(dir.as_bytes()) else {
            return;
        };
        if records.has(id) {
            return;
        }
        if let Some((id, data)) = parsed.folder_tree(dir.as_bytes()) {
            records.keep(id, &data);
        }
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
        for path in index.skip_worktree_paths()? {
            let Ok(path) = String::from_utf8(path) else {
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
    /// The index file is parsed directly when flowgate understands all of it (see
    /// [`IndexFile`], which also reads split and sparse indexes); otherwise libgit2 reads it.
    pub fn index(&self) -> Result<IndexSource<'_>, SourceError> {
        let file = match std::env::var_os("GIT_INDEX_FILE") {
            Some(path) if !path.is_empty() => {
                let path = PathBuf::from(path);
                Some(if path.is_absolute() {
                    path
                } else {
                    std::env::current_dir()?.join(path)
                })
            }
            _ => None,
        };
        let default = self.git.path().join("index");
        let parsed = if self.git.is_bare() && file.is_none() {
            None
        } else {
            IndexFile::load(
                file.as_deref().unwrap_or(&default),
                self.git.path(),
                &|id| self.tree(id).ok(),
            )
        };
        let source = IndexSource {
            repo: self,
            file,
            parsed,
            lib: OnceCell::new(),
        };
        if source.parsed.is_none() {
            source.index()?;
        }
        Ok(source)
    }

    /// The id of `HEAD`'s commit; `None` on an unborn branch. A `HEAD` that names a
    /// commit the repository cannot read (a detached HEAD at a missing object) is an
    /// error, not an unborn branch: everything would pass as new.
    pub fn head_commit(&self) -> Result<Option<Oid>, SourceError> {
        match self.git.head() {
            Ok(head) => match head.peel_to_commit() {
                Ok(commit) => Ok(Some(commit.id())),
                Err(e) => Err(SourceError(format!(
                    "HEAD ({}) names a commit that cannot be read: {}",
                    head.target()
                        .map_or_else(|| "?".to_string(), |t| t.to_string()),
                    e.message()
                ))),
            },
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
        Ok(TreeSource {
            repo: self,
            tree: self.tree(self.commit_tree_id(id)?)?,
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

    /// The default branch of the `origin` remote, as the last fetch recorded it
    /// (`refs/remotes/origin/HEAD`); `None` when it is not recorded.
    pub fn default_branch(&self) -> Option<String> {
        let head = self.git.find_reference("refs/remotes/origin/HEAD").ok()?;
        let target = head.symbolic_target().ok()??;
        target
            .strip_prefix("refs/remotes/origin/")
            .map(str::to_string)
    }

    /// Reads blob `id` (at most `max` bytes; larger blobs are reported, not read).
    pub fn blob(&self, id: Oid, max: u64) -> Result<Content, SourceError> {
        self.read_blob(id, max)
    }

    fn read_blob(&self, id: Oid, max: u64) -> Result<Content, SourceError> {
        #[cfg(all(unix, target_pointer_width = "64"))]
        if let Some(packs) = self.packs() {
            let at_most = usize::try_from(max).unwrap_or(usize::MAX);
            match packs.read_at_most(id.as_bytes(), at_most) {
                Some(Packed::Object(o)) if o.kind == Kind::Blob => {
                    return Ok(Content::Bytes(o.data))
                }
                Some(Packed::TooLarge {
                    kind: Kind::Blob,
                    size,
                }) => return Ok(Content::TooLarge(size as u64)),
                // Not a blob, not packed, or not readable here: libgit2 says what it is.
                _ => {}
            }
        }
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
    /// `GIT_INDEX_FILE`, when set.
    file: Option<PathBuf>,
    /// The index as flowgate parsed it, when it could.
    parsed: Option<IndexFile>,
    /// libgit2's view, loaded when needed.
    lib: OnceCell<git2::Index>,
}

/// Read access to the entries, from whichever parser read them.
enum View<'a> {
    Parsed(&'a IndexFile),
    Lib(&'a git2::Index),
}

impl View<'_> {
    fn len(&self) -> usize {
        match self {
            View::Parsed(i) => i.len(),
            View::Lib(i) => i.len(),
        }
    }

    /// Path, mode and stage of entry `i`.
    fn entry(&self, i: usize) -> Option<(Cow<'_, [u8]>, u32, u8)> {
        match self {
            View::Parsed(x) => x
                .get(i)
                .map(|e| (Cow::Borrowed(x.path(&e)), e.mode, e.stage)),
            View::Lib(x) => x
                .get(i)
                .map(|e| (Cow::Owned(e.path), e.mode, ((e.flags >> 12) & 0x3) as u8)),
        }
    }

    fn lower_bound(&self, key: &[u8]) -> usize {
        if let View::Parsed(x) = self {
            return x.lower_bound(key);
        }
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.entry(mid) {
                Some((p, _, _)) if p.as_ref() < key => lo = mid + 1,
                _ => hi = mid,
            }
        }
        lo
    }

    /// Mode and id of `path` in `stage`.
    fn find(&self, path: &str, stage: u8) -> Option<(u32, Oid)> {
        match self {
            View::Parsed(x) => x.find(path.as_bytes(), stage).map(|e| (e.mode, e.id())),
            View::Lib(x) => x
                .get_path(Path::new(path), i32::from(stage))
                .map(|e| (e.mode, e.id)),
        }
    }
}

impl IndexSource<'_> {
    /// libgit2's view of the index (read on first use when flowgate parsed the file itself).
    /// libgit2 reads neither a split nor a sparse index: for those, it gets an in-memory
    /// copy of what flowgate parsed.
    pub fn index(&self) -> Result<&git2::Index, SourceError> {
        if let Some(index) = self.lib.get() {
            return Ok(index);
        }
        let read = match &self.file {
            Some(path) => git2::Index::open(path).map_err(|e| {
                SourceError(format!(
                    "cannot read the index named by GIT_INDEX_FILE ({}): {}",
                    path.display(),
                    e.message()
                ))
            }),
            None => self.repo.git.index().map_err(SourceError::from),
        };
        let index = match (read, &self.parsed) {
            (Ok(index), _) => index,
            (Err(_), Some(parsed)) => in_memory(parsed)?,
            (Err(e), None) => {
                let path = self
                    .file
                    .clone()
                    .unwrap_or_else(|| self.repo.git.path().join("index"));
                return Err(SourceError(format!(
                    "{}; if `git status` cannot read it either, rebuild it from HEAD with `rm {} && git reset` (staged changes are lost)",
                    e.0,
                    path.display()
                )));
            }
        };
        Ok(self.lib.get_or_init(|| index))
    }

    /// The paths of the entries a sparse checkout leaves out of the working tree.
    fn skip_worktree_paths(&self) -> Result<Vec<Vec<u8>>, SourceError> {
        if let Some(parsed) = &self.parsed {
            return Ok(parsed
                .iter()
                .filter(|e| e.skip_worktree)
                .map(|e| parsed.path(&e).to_vec())
                .collect());
        }
        Ok(self
            .index()?
            .iter()
            .filter(|e| e.flags_extended & SKIP_WORKTREE != 0)
            .map(|e| e.path)
            .collect())
    }

    /// The paths that differ from commit `before` (`None`: the empty tree) to this index,
    /// within `scope`: flowgate's own walk (cache tree, no pathspec machinery) when it
    /// parsed the index and nothing needs libgit2's handling (conflicts, intent-to-add
    /// entries, case-insensitive repositories, glob characters in a folder name); the
    /// libgit2 diff otherwise. Both give the same answer.
    pub fn changes(
        &self,
        before: Option<Oid>,
        scope: Scope<'_>,
    ) -> Result<Vec<Change>, SourceError> {
        let glob = |s: &str| s.contains(['*', '?', '[', '\\']);
        let plain = match scope {
            Scope::Under(root) => !glob(root),
            _ => true,
        };
        if let Some(parsed) = &self.parsed {
            if plain && !parsed.has_special_entries() && !self.ignore_case() {
                return staged_changes(self.repo, before, parsed, scope);
            }
        }
        let index = self.index()?;
        match scope {
            Scope::All => changed_paths(self.repo, before, After::Index(index), &[]),
            Scope::Under(root) => changed_paths(self.repo, before, After::Index(index), &[root]),
            Scope::AllBut(skip) => {
                let tops: Vec<String> = self.list_dir("")?.into_iter().map(|e| e.name).collect();
                changed_paths_outside(self.repo, before, index, &tops, skip)
            }
        }
    }

    fn ignore_case(&self) -> bool {
        self.repo
            .git
            .config()
            .and_then(|c| c.get_bool("core.ignorecase"))
            .unwrap_or(false)
    }

    fn view(&self) -> Result<View<'_>, SourceError> {
        Ok(match &self.parsed {
            Some(p) => View::Parsed(p),
            None => View::Lib(self.index()?),
        })
    }

    /// The entries directly inside `dir` whose names start with `name_prefix`. A
    /// subdirectory is one entry: its files are skipped over by a binary search, so
    /// listing the root of a repository with 10,000 files in one folder stays cheap.
    fn scan(&self, dir: &str, name_prefix: &str) -> Result<Vec<DirEntry>, SourceError> {
        let view = self.view()?;
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{}/", dir.trim_end_matches('/'))
        };
        let start = format!("{prefix}{name_prefix}");
        let mut i = view.lower_bound(start.as_bytes());
        let mut out: Vec<DirEntry> = Vec::new();
        while let Some((path, mode, stage)) = view.entry(i) {
            i += 1;
            let (path, decodable) = match std::str::from_utf8(&path) {
                Ok(p) => (std::borrow::Cow::Borrowed(p), true),
                Err(_) => (
                    std::borrow::Cow::Owned(crate::text::escape_name(&path)),
                    false,
                ),
            };
            if !path.starts_with(&start) {
                if decodable {
                    break;
                }
                continue;
            }
            let rest = &path[prefix.len()..];
            // Only stage 0 (merged) or, during a conflict, the "ours" stage is a file here.
            if stage > 2 {
                continue;
            }
            let (name, kind) = match rest.split_once('/') {
                Some((d, _)) => {
                    // Skip the subdirectory's files: `d0` sorts right after `d/…`.
                    i = i.max(view.lower_bound(format!("{prefix}{d}0").as_bytes()));
                    (d, EntryKind::Dir)
                }
                None if !decodable => (rest, EntryKind::UndecodableName),
                None => (rest, kind_of_mode(mode)),
            };
            if out.last().is_none_or(|last| last.name != name) {
                out.push(DirEntry {
                    name: name.to_string(),
                    kind,
                });
            }
        }
        Ok(out)
    }
}

impl Source for IndexSource<'_> {
    fn label(&self) -> String {
        "index".to_string()
    }

    fn list_dir(&self, dir: &str) -> Result<Vec<DirEntry>, SourceError> {
        self.scan(dir, "")
    }

    fn list_prefix(&self, dir: &str, name_prefix: &str) -> Result<Vec<DirEntry>, SourceError> {
        self.scan(dir, name_prefix)
    }

    /// One pass over the index entries below `dir` (they are contiguous: the index is
    /// sorted by path), instead of one listing per folder.
    fn walk_entries(&self, dir: &str) -> Result<Vec<(String, EntryKind)>, SourceError> {
        let view = self.view()?;
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let mut out: Vec<(String, EntryKind)> = Vec::new();
        for i in view.lower_bound(prefix.as_bytes())..view.len() {
            let Some((path, mode, stage)) = view.entry(i) else {
                break;
            };
            if !path.starts_with(prefix.as_bytes()) {
                break;
            }
            let Ok(path) = std::str::from_utf8(&path) else {
                continue;
            };
            let rest = &path[prefix.len()..];
            let folders = rest.rsplit_once('/').map_or("", |(d, _)| d);
            let kind = kind_of_mode(mode);
            // Only stage 0 (merged) or, during a conflict, the "ours" stage is a file here.
            if stage > 2
                || folders.split('/').any(|f| f == ".git")
                || !matches!(kind, EntryKind::File | EntryKind::Symlink)
                || out.last().is_some_and(|(last, _)| last == path)
            {
                continue;
            }
            out.push((path.to_string(), kind));
        }
        Ok(out)
    }

    fn read(&self, path: &str, max: u64) -> Result<Content, SourceError> {
        let view = self.view()?;
        let entry = [0, 2, 1]
            .into_iter()
            .find_map(|stage| view.find(path, stage));
        match entry {
            Some((mode, id)) => match kind_of_mode(mode) {
                EntryKind::Symlink => Ok(Content::Symlink),
                EntryKind::Submodule | EntryKind::Dir | EntryKind::UndecodableName => {
                    Ok(Content::NotAFile)
                }
                EntryKind::File => self.repo.read_blob(id, max),
            },
            None if self.is_dir(path)? => Ok(Content::NotAFile),
            None => Ok(Content::Missing),
        }
    }
}

/// The index entry flag git sets on files a sparse checkout leaves out of the working tree.
const SKIP_WORKTREE: u16 = 1 << 14;
/// The index entry flag of `git add -N`.
const INTENT_TO_ADD: u16 = 1 << 13;

/// A libgit2 index in memory holding the entries flowgate parsed (for the diff machinery,
/// when libgit2 cannot read the file itself).
fn in_memory(parsed: &IndexFile) -> Result<git2::Index, SourceError> {
    let mut index = git2::Index::new()?;
    let zero = git2::IndexTime::new(0, 0);
    for e in parsed.iter() {
        let path = parsed.path(&e).to_vec();
        let name_len = u16::try_from(path.len()).unwrap_or(0xfff).min(0xfff);
        let mut flags_extended = 0;
        if e.intent_to_add {
            flags_extended |= INTENT_TO_ADD;
        }
        if e.skip_worktree {
            flags_extended |= SKIP_WORKTREE;
        }
        index.add(&git2::IndexEntry {
            ctime: zero,
            mtime: zero,
            dev: 0,
            ino: 0,
            mode: e.mode,
            uid: 0,
            gid: 0,
            file_size: 0,
            id: e.id(),
            flags: (u16::from(e.stage) << 12) | name_len,
            flags_extended,
            path,
        })?;
    }
    Ok(index)
}

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

/// True for a path without empty components (no leading, trailing or doubled `/`), which
/// [`TreeSource::entry`] may split at its last `/`.
fn plain_path(path: &str) -> bool {
    !path.is_empty() && path.split('/').all(|p| !p.is_empty())
}

/// Appends the entries of `tree` whose names start with `name_prefix` to `out`; with
/// `past_digits`, not those whose names go on with an ASCII digit (`task-8` without
/// `task-80 …`, `task-812 …`). Tree entries are sorted by name: a binary search finds the
/// first candidate, so a lookup by file name costs O(log n) in a folder of 10,000 tasks,
/// and the names that go on with a digit sort together, skipped by another.
fn named_from(tree: &RawTree, name_prefix: &str, past_digits: bool, out: &mut Vec<DirEntry>) {
    let p = name_prefix.as_bytes();
    let mut i = tree.lower_bound(p);
    while i < tree.len() {
        let Some(entry) = tree.get(i) else { break };
        if !entry.name.starts_with(p) {
            break;
        }
        if past_digits && entry.name.get(p.len()).is_some_and(u8::is_ascii_digit) {
            // The first name past them: `name_prefix` and the byte after `9`. This entry
            // sorts before it, so the search moves on.
            let mut past = Vec::with_capacity(p.len() + 1);
            past.extend_from_slice(p);
            past.push(b'9' + 1);
            i = tree.lower_bound(&past);
            continue;
        }
        i += 1;
        match std::str::from_utf8(entry.name) {
            Ok(name) => out.push(DirEntry {
                name: name.to_string(),
                kind: kind_of_mode(entry.mode),
            }),
            Err(_) if kind_of_mode(entry.mode) != EntryKind::Dir => out.push(DirEntry {
                name: crate::text::escape_name(entry.name),
                kind: EntryKind::UndecodableName,
            }),
            Err(_) => {}
        }
    }
}

/// A commit's tree as a source.
pub struct TreeSource<'r> {
    repo: &'r Repo,
    tree: Rc<RawTree>,
    label: String,
}

impl TreeSource<'_> {
    /// The entry at `path` (a blob or a tree), if there is one: found in its folder's tree
    /// (see [`TreeSource::folder`]).
    fn entry(&self, path: &str) -> Result<Option<(u32, Oid)>, SourceError> {
        if !plain_path(path) {
            return self.walk(path);
        }
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        Ok(self
            .folder(dir)?
            .and_then(|t| t.find(name.as_bytes()).map(|i| (i.mode, i.id))))
    }

    /// [`TreeSource::entry`] by walking from the root, one folder at a time.
    fn walk(&self, path: &str) -> Result<Option<(u32, Oid)>, SourceError> {
        let mut tree = self.tree.clone();
        let mut parts = path.split('/').filter(|p| !p.is_empty()).peekable();
        while let Some(part) = parts.next() {
            let Some(TreeItem { mode, id, .. }) = tree.find(part.as_bytes()) else {
                return Ok(None);
            };
            if parts.peek().is_none() {
                return Ok(Some((mode, id)));
            }
            if mode & 0o170000 != 0o040000 {
                return Ok(None);
            }
            tree = self.repo.tree(id)?;
        }
        Ok(Some((0o040000, self.tree.id())))
    }

    /// The tree of folder `dir` (a plain path, see [`plain_path`]; empty: the root), `None`
    /// when there is no such folder. Remembered by the repository: a pass over history
    /// looks up files in the same few backlog folders of a commit and of its parent many
    /// times.
    fn folder(&self, dir: &str) -> Result<Option<Rc<RawTree>>, SourceError> {
        if dir.is_empty() {
            return Ok(Some(self.tree.clone()));
        }
        let root = super::tree::key(self.tree.id());
        let known = self
            .repo
            .folders
            .borrow()
            .iter()
            .find(|(r, d, _)| *r == root && d == dir)
            .map(|(_, _, t)| t.clone());
        if let Some(tree) = known {
            return Ok(tree);
        }
        let tree = match self.walk(dir)? {
            Some((mode, id)) if mode & 0o170000 == 0o040000 => Some(self.repo.tree(id)?),
            _ => None,
        };
        let mut folders = self.repo.folders.borrow_mut();
        if folders.len() >= FOLDERS {
            folders.pop_front();
        }
        folders.push_back((root, dir.to_string(), tree.clone()));
        Ok(tree)
    }

    /// The blob id of the regular file at `path`; `None` for anything else (a symbolic
    /// link, a folder, a submodule, nothing).
    pub fn file_blob(&self, path: &str) -> Option<Oid> {
        let (mode, id) = self.entry(path).ok().flatten()?;
        (kind_of_mode(mode) == EntryKind::File).then_some(id)
    }

    /// How many entries folder `dir` holds, and how many of them have names that start
    /// with one of `starts` (no start a prefix of another), counted by binary searches
    /// without listing them; `None` when there is no such folder.
    pub fn count_prefixed(
        &self,
        dir: &str,
        starts: &[&str],
    ) -> Result<Option<(usize, usize)>, SourceError> {
        let Some(tree) = self.subtree(dir.trim_end_matches('/'))? else {
            return Ok(None);
        };
        let mut prefixed = 0;
        for start in starts {
            // The names that start with `start` sort from it up to the first name past
            // every such name: `start` with its last byte below 0xFF increased.
            let mut past = start.as_bytes().to_vec();
            while past.last() == Some(&u8::MAX) {
                past.pop();
            }
            let end = match past.last_mut() {
                Some(last) => {
                    *last += 1;
                    tree.lower_bound(&past)
                }
                None => tree.len(),
            };
            prefixed += end.saturating_sub(tree.lower_bound(start.as_bytes()));
        }
        Ok(Some((tree.len(), prefixed)))
    }

    /// [`Source::list_prefix`] for each of `starts` in one folder, the folder looked up
    /// once: one list per start. A start paired with `true` leaves out the names that go
    /// on with an ASCII digit after it (`task-8` without `task-80 …`), which sort together
    /// and are skipped by a binary search.
    pub fn list_prefixes(
        &self,
        dir: &str,
        starts: &[(String, bool)],
    ) -> Result<Vec<Vec<DirEntry>>, SourceError> {
        let Some(tree) = self.subtree(dir.trim_end_matches('/'))? else {
            return Ok(vec![Vec::new(); starts.len()]);
        };
        Ok(starts
            .iter()
            .map(|(start, past_digits)| {
                let mut out = Vec::new();
                named_from(&tree, start, *past_digits, &mut out);
                out
            })
            .collect())
    }

    /// The repository this tree belongs to.
    pub fn repo(&self) -> &Repo {
        self.repo
    }

    /// The object id of the entry at `path` (a blob or a tree), if there is one.
    pub fn entry_id(&self, path: &str) -> Option<Oid> {
        self.entry(path).ok().flatten().map(|(_, id)| id)
    }

    fn subtree(&self, dir: &str) -> Result<Option<Rc<RawTree>>, SourceError> {
        if dir.is_empty() || plain_path(dir) {
            return self.folder(dir);
        }
        match self.walk(dir)? {
            Some((mode, id)) if mode & 0o170000 == 0o040000 => Ok(Some(self.repo.tree(id)?)),
            _ => Ok(None),
        }
    }
}

impl Source for TreeSource<'_> {
    fn label(&self) -> String {
        self.label.clone()
    }

    fn list_dir(&self, dir: &str) -> Result<Vec<DirEntry>, SourceError> {
        self.list_prefix(dir, "")
    }

    fn list_prefix(&self, dir: &str, name_prefix: &str) -> Result<Vec<DirEntry>, SourceError> {
        let Some(tree) = self.subtree(dir.trim_end_matches('/'))? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        named_from(&tree, name_prefix, false, &mut out);
        Ok(out)
    }

    fn read(&self, path: &str, max: u64) -> Result<Content, SourceError> {
        match self.entry(path)? {
            Some((mode, id)) => match kind_of_mode(mode) {
                EntryKind::Symlink => Ok(Content::Symlink),
                EntryKind::Dir | EntryKind::Submodule | EntryKind::UndecodableName => {
                    Ok(Content::NotAFile)
                }
                EntryKind::File => self.repo.read_blob(id, max),
            },
            None => Ok(Content::Missing),
        }
    }
}

/// Runs `git ARGS` in `dir` (as a fixed author) and checks that it succeeded: for unit
/// tests that build a repository.
#[cfg(test)]
pub(crate) fn git_in(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh repository in a temp folder (named after `name`) with `files` (each holding
    /// its own path) added to the index, nothing committed.
    fn repo_of(name: &str, files: &[&str]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("flowgate-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for f in files {
            let p = dir.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, f).unwrap();
        }
        git_in(&dir, &["init", "-q"]);
        git_in(&dir, &["add", "-A"]);
        dir
    }

    /// A source answering only `list_dir` and `read` from another: the trait's default
    /// methods, to compare a source's overrides with.
    struct Plain<'s>(&'s dyn Source);

    impl Source for Plain<'_> {
        fn label(&self) -> String {
            self.0.label()
        }
        fn list_dir(&self, dir: &str) -> Result<Vec<DirEntry>, SourceError> {
            self.0.list_dir(dir)
        }
        fn read(&self, path: &str, max: u64) -> Result<Content, SourceError> {
            self.0.read(path, max)
        }
    }

    #[test]
    fn the_index_walks_a_folder_in_one_pass_as_folder_listings_do() {
        let files = [
            "README.md",
            "specs/001-a/spec.md",
            "specs/001-a/plan.md",
            "specs/001-a/checklists/req.md",
            "specs/001-a/deep/er/x.md",
            "specs/001-a0.md",
            "specs/001-a-b/spec.md",
            "specs/002-b/spec.md",
            "specs-other/spec.md",
            "spec.md",
        ];
        let dir = repo_of("walk", &files);
        let git = |args: &[&str]| git_in(&dir, args);
        std::os::unix::fs::symlink("../README.md", dir.join("specs/002-b/link.md")).unwrap();
        git(&["add", "specs/002-b/link.md"]);
        let commit = "1234567890123456789012345678901234567890";
        let submodule = format!("160000,{commit},specs/003-sub");
        git(&["update-index", "--add", "--cacheinfo", &submodule]);
        let repo = Repo::discover(&dir).unwrap();
        let index = repo.index().unwrap();
        for d in [
            "",
            "specs",
            "specs/001-a",
            "specs/001-a/deep",
            "spec",
            "none",
        ] {
            let mut fast = index.walk_entries(d).unwrap();
            let mut slow = Plain(&index).walk_entries(d).unwrap();
            fast.sort_by(|a, b| a.0.cmp(&b.0));
            slow.sort_by(|a, b| a.0.cmp(&b.0));
            assert_eq!(fast, slow, "{d:?}");
        }
        let walked = index.walk_entries("specs").unwrap();
        assert_eq!(walked.len(), 8);
        assert!(walked.contains(&("specs/002-b/link.md".into(), EntryKind::Symlink)));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn entries_found_through_remembered_folders_as_a_walk_finds_them() {
        let files = [
            "a.md",
            "a-b",
            "a/x.md",
            "a/b/c.md",
            "a/b/c/d.md",
            "backlog/tasks/task-1 - One.md",
            "backlog/archive/tasks/task-2 - Two.md",
        ];
        let dir = repo_of("folders", &files);
        let git = |args: &[&str]| git_in(&dir, args);
        git(&["commit", "-qm", "x"]);
        let repo = Repo::discover(&dir).unwrap();
        let head = repo.head_commit().unwrap().unwrap();
        let tree = repo.commit_tree(head).unwrap();
        let probes = [
            "",
            "a",
            "a.md",
            "a-b",
            "a/x.md",
            "a/b",
            "a/b/c",
            "a/b/c.md",
            "a/b/c/d.md",
            "a/b/c/d.md/e",
            "a.md/x",
            "a/missing/x",
            "a//b",
            "/a/b",
            "a/b/",
            "backlog/tasks",
            "backlog/tasks/task-1 - One.md",
            "backlog/archive/tasks/task-2 - Two.md",
            "backlog/archive/tasks/none.md",
            "nothing",
        ];
        // Twice: the second round answers from the remembered folders.
        for _ in 0..2 {
            for p in probes {
                assert_eq!(tree.entry(p).unwrap(), tree.walk(p).unwrap(), "{p:?}");
                let listed = |d: &str| -> Vec<String> {
                    tree.list_dir(d)
                        .unwrap()
                        .into_iter()
                        .map(|e| e.name)
                        .collect()
                };
                let walked: Vec<String> = match tree.walk(p.trim_end_matches('/')).unwrap() {
                    Some((mode, id)) if mode & 0o170000 == 0o040000 => {
                        let t = repo.tree(id).unwrap();
                        (0..t.len())
                            .filter_map(|i| t.get(i))
                            .map(|i| String::from_utf8_lossy(i.name).into_owned())
                            .collect()
                    }
                    _ => Vec::new(),
                };
                assert_eq!(listed(p), walked, "{p:?}");
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

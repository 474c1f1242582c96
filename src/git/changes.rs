//! What a commit changes: the paths that differ between two snapshots, with their blob
//! ids on each side, read from git's trees and index without touching the files.
//!
//! Rename detection is deliberately off: task identity is the task ID, so a move to
//! `completed/` is simply one deletion plus one addition that the transition rules pair up.

use git2::{Delta, DiffOptions, Oid};

use super::index_file::{CacheNode, Entry, IndexFile};
use super::tree::{RawTree, TreeItem};
use super::Repo;
use crate::source::SourceError;

/// One changed path. `old` is `None` for an added file, `new` is `None` for a deleted one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Repo-relative path.
    pub path: String,
    /// Blob id before, if the path existed.
    pub old: Option<Oid>,
    /// Blob id after, if the path exists.
    pub new: Option<Oid>,
}

/// The "after" side of a comparison.
pub enum After<'a> {
    /// An index (the staging area being committed).
    Index(&'a git2::Index),
    /// A commit's tree.
    Commit(Oid),
}

/// The paths that differ from commit `before` (`None`: the empty tree, as for a first
/// commit) to `after`, limited to `pathspecs` (directory prefixes; empty = everything).
/// Submodule pointers count as paths; their content is never entered.
pub fn changed_paths(
    repo: &Repo,
    before: Option<Oid>,
    after: After<'_>,
    pathspecs: &[&str],
) -> Result<Vec<Change>, SourceError> {
    diff(repo, before, after, pathspecs, false)
}

/// The paths that differ from commit `before` to the index, outside the top-level folder
/// `skip`: the diff never enters it (on a backlog of 10,000 tasks, reading that folder's
/// tree is most of a diff's cost). Everything else is as [`changed_paths`].
pub fn changed_paths_outside(
    repo: &Repo,
    before: Option<Oid>,
    index: &git2::Index,
    top_level_index: &[String],
    skip: &str,
) -> Result<Vec<Change>, SourceError> {
    let mut tops: Vec<String> = top_level_index.to_vec();
    if let Some(id) = before {
        let tree = repo.git.find_commit(id)?.tree()?;
        tops.extend(
            tree.iter()
                .filter_map(|e| e.name().ok().map(str::to_string)),
        );
    }
    tops.retain(|t| t != skip);
    tops.sort();
    tops.dedup();
    if tops.is_empty() {
        return Ok(Vec::new());
    }
    let specs: Vec<&str> = tops.iter().map(String::as_str).collect();
    diff(repo, before, After::Index(index), &specs, true)
}

fn diff(
    repo: &Repo,
    before: Option<Oid>,
    after: After<'_>,
    pathspecs: &[&str],
    literal: bool,
) -> Result<Vec<Change>, SourceError> {
    let git = &repo.git;
    let old_tree = match before {
        Some(id) => Some(git.find_commit(id)?.tree()?),
        None => None,
    };
    let mut opts = DiffOptions::new();
    opts.ignore_submodules(false)
        .skip_binary_check(true)
        .disable_pathspec_match(literal);
    for spec in pathspecs {
        opts.pathspec(*spec);
    }
    let diff = match after {
        After::Index(index) => {
            git.diff_tree_to_index(old_tree.as_ref(), Some(index), Some(&mut opts))?
        }
        After::Commit(id) => {
            let new_tree = git.find_commit(id)?.tree()?;
            git.diff_tree_to_tree(old_tree.as_ref(), Some(&new_tree), Some(&mut opts))?
        }
    };
    let mut out = Vec::new();
    for delta in diff.deltas() {
        let present = |f: git2::DiffFile<'_>| (!f.id().is_zero()).then(|| f.id());
        let (old, new) = match delta.status() {
            Delta::Added => (None, present(delta.new_file())),
            Delta::Deleted => (present(delta.old_file()), None),
            _ => (present(delta.old_file()), present(delta.new_file())),
        };
        let path = delta
            .new_file()
            .path_bytes()
            .or_else(|| delta.old_file().path_bytes());
        if let Some(path) = path {
            out.push(Change {
                path: path_text(path),
                old,
                new,
            });
        }
    }
    Ok(out)
}

/// Every path that differs from commit `before` (`None`: the empty tree) to commit
/// `after`: the same answer as [`changed_paths`] without pathspecs, computed by walking
/// the two trees side by side and entering only subtrees whose ids differ. Within a pair
/// of trees, the byte-identical runs at both ends are skipped unparsed (see
/// [`RawTree::differing`]), which matters on a folder of thousands of task files that
/// changes in almost every commit.
pub fn commit_changes(
    repo: &Repo,
    before: Option<Oid>,
    after: Oid,
) -> Result<Vec<Change>, SourceError> {
    commit_changes_wanted(repo, before, after, &mut Everything)
}

/// Which of a commit's changed paths a caller takes, for one that needs only some of them
/// (the history pass: the task and spec files, and whether any code changed). The diff
/// asks [`Wanted::folder`] before it reads a folder that differs, and skips the folder
/// when the answer is no (and asks again of the folder it is in after a path was taken,
/// leaving it when the answer turns to no); it asks [`Wanted::keep`] of each changed path,
/// in git's order.
pub trait Wanted {
    /// May folder `dir` (a path without a trailing `/`) hold a path that [`Wanted::keep`]
    /// would take now? It must say yes whenever one of them would be taken.
    fn folder(&self, dir: &str) -> bool;
    /// Is the changed path `path` taken? Asked once per changed path outside skipped
    /// folders, in git's order; the answer may make later paths unwanted (never the
    /// reverse: a folder once refused stays refused).
    fn keep(&mut self, path: &str) -> bool;
}

/// Takes every path.
struct Everything;

impl Wanted for Everything {
    fn folder(&self, _: &str) -> bool {
        true
    }

    fn keep(&mut self, _: &str) -> bool {
        true
    }
}

/// The changed paths from commit `before` (`None`: the empty tree) to commit `after` that
/// `wanted` takes: [`commit_changes`] filtered by [`Wanted::keep`] in order (the same
/// list, tested against it), without reading the folders [`Wanted::folder`] refuses.
pub fn commit_changes_wanted(
    repo: &Repo,
    before: Option<Oid>,
    after: Oid,
    wanted: &mut dyn Wanted,
) -> Result<Vec<Change>, SourceError> {
    let old = match before {
        Some(id) => Some(repo.tree_unindexed(repo.commit_tree_id(id)?)?),
        None => None,
    };
    let new = repo.tree_unindexed(repo.commit_tree_id(after)?)?;
    let mut diff = TreeDiff {
        repo,
        wanted,
        out: Vec::new(),
    };
    diff.trees(old.as_deref(), Some(&new), "")?;
    Ok(diff.out)
}

/// git's order: names byte-wise, a tree's name read as if it ended in `/`.
fn order(a: &TreeItem<'_>, b: &TreeItem<'_>) -> std::cmp::Ordering {
    order_names(a.name, a.is_tree(), b.name, b.is_tree())
}

/// `prefix/name`, the name as text (see [`path_text`]).
fn join_path(prefix: &str, name: &[u8]) -> String {
    let name = path_text(name);
    if prefix.is_empty() {
        name
    } else {
        format!("{prefix}/{name}")
    }
}

/// How deep folders may nest. The walks below recurse once per level, and a crafted tree
/// nested thousands deep (git's own limit, `core.maxTreeDepth`, is 4096) would exhaust the
/// stack of a worker thread; no real project nests folders anywhere near this deep.
pub const MAX_TREE_DEPTH: usize = 512;

/// An error when folder `prefix` lies deeper than [`MAX_TREE_DEPTH`].
fn check_depth(prefix: &[u8]) -> Result<(), SourceError> {
    if prefix.iter().filter(|b| **b == b'/').count() < MAX_TREE_DEPTH {
        return Ok(());
    }
    let shown = String::from_utf8_lossy(prefix.get(..80).unwrap_or(prefix));
    Err(SourceError(format!(
        "the tree nests folders more than {MAX_TREE_DEPTH} deep ({shown}…); flowgate does not walk such trees: remove the nesting"
    )))
}

/// A walk of two trees side by side, collecting the changed paths `wanted` takes.
struct TreeDiff<'a, 'w> {
    repo: &'a Repo,
    wanted: &'w mut dyn Wanted,
    out: Vec<Change>,
}

impl TreeDiff<'_, '_> {
    fn trees(
        &mut self,
        old: Option<&RawTree>,
        new: Option<&RawTree>,
        prefix: &str,
    ) -> Result<(), SourceError> {
        check_depth(prefix.as_bytes())?;
        let (old_range, new_range) = match (old, new) {
            (Some(o), Some(n)) => RawTree::differing(o, n)?,
            (o, n) => (
                0..o.map(RawTree::check).transpose()?.unwrap_or(0),
                0..n.map(RawTree::check).transpose()?.unwrap_or(0),
            ),
        };
        let (mut i, mut j) = (old_range.start, new_range.start);
        let mut taken = self.out.len();
        loop {
            // A path taken (here or below) may have made the rest of this folder unwanted.
            if self.out.len() != taken && !prefix.is_empty() {
                taken = self.out.len();
                if !self.wanted.folder(prefix) {
                    break;
                }
            }
            let x = old.filter(|_| i < old_range.end).and_then(|t| t.get(i));
            let y = new.filter(|_| j < new_range.end).and_then(|t| t.get(j));
            let step = match (&x, &y) {
                (Some(x), Some(y)) => order(x, y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => break,
            };
            match (step, x, y) {
                (std::cmp::Ordering::Less, Some(x), _) => {
                    self.side(&x, true, prefix)?;
                    i += 1;
                }
                (std::cmp::Ordering::Greater, _, Some(y)) => {
                    self.side(&y, false, prefix)?;
                    j += 1;
                }
                (_, Some(x), Some(y)) => {
                    if x.id != y.id || x.mode != y.mode {
                        let path = join_path(prefix, x.name);
                        // Equal in git's order: both are folders, or neither is.
                        if x.is_tree() {
                            if self.wanted.folder(&path) {
                                let ot = self.repo.tree_unindexed(x.id)?;
                                let nt = self.repo.tree_unindexed(y.id)?;
                                self.trees(Some(&ot), Some(&nt), &path)?;
                            }
                        } else if self.wanted.keep(&path) {
                            self.out.push(Change {
                                path,
                                old: Some(x.id),
                                new: Some(y.id),
                            });
                        }
                    }
                    i += 1;
                    j += 1;
                }
                _ => break,
            }
        }
        Ok(())
    }

    /// An entry only on one side: a file added or deleted, or every file of a tree.
    fn side(
        &mut self,
        item: &TreeItem<'_>,
        deleted: bool,
        prefix: &str,
    ) -> Result<(), SourceError> {
        let path = join_path(prefix, item.name);
        if item.is_tree() {
            if !self.wanted.folder(&path) {
                return Ok(());
            }
            let t = self.repo.tree_unindexed(item.id)?;
            return if deleted {
                self.trees(Some(&t), None, &path)
            } else {
                self.trees(None, Some(&t), &path)
            };
        }
        if !self.wanted.keep(&path) {
            return Ok(());
        }
        self.out.push(if deleted {
            Change {
                path,
                old: Some(item.id),
                new: None,
            }
        } else {
            Change {
                path,
                old: None,
                new: Some(item.id),
            }
        });
        Ok(())
    }
}

/// Which part of the repository a staged diff looks at.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Everything.
    All,
    /// One folder (or file) path, and everything under it.
    Under(&'a str),
    /// Everything outside the top-level entry of this name.
    AllBut(&'a str),
}

impl Scope<'_> {
    /// Does the scope take in `path` (a folder when `dir`), or something under it?
    fn takes(&self, path: &[u8], dir: bool) -> bool {
        match self {
            Scope::All => true,
            Scope::Under(root) => {
                let root = root.as_bytes();
                path.strip_prefix(root)
                    .is_some_and(|rest| rest.is_empty() || rest.first() == Some(&b'/'))
                    || (dir
                        && root
                            .strip_prefix(path)
                            .is_some_and(|rest| rest.first() == Some(&b'/')))
            }
            Scope::AllBut(skip) => {
                let top = path.split(|b| *b == b'/').next().unwrap_or_default();
                top != skip.as_bytes()
            }
        }
    }
}

/// The paths that differ from commit `before` (`None`: the empty tree) to a parsed index,
/// within `scope`: the same answer as the libgit2 diff of [`changed_paths`] for an index
/// without conflicts or intent-to-add entries (callers check
/// [`IndexFile::has_special_entries`]). Folders whose cache-tree id (the index's `TREE`
/// extension) equals `before`'s tree id are skipped unread; elsewhere the two sides are
/// walked together, entering only folders that differ.
pub fn staged_changes(
    repo: &Repo,
    before: Option<Oid>,
    index: &IndexFile,
    scope: Scope<'_>,
) -> Result<Vec<Change>, SourceError> {
    let tree = match before {
        Some(id) => Some(repo.tree(repo.commit_tree_id(id)?)?),
        None => None,
    };
    let mut walk = Walk {
        repo,
        index,
        scope,
        out: Vec::new(),
    };
    walk.dir(
        tree.as_deref(),
        0,
        index.len(),
        b"",
        index.tree.as_ref().map(|t| t.root()),
    )?;
    Ok(walk.out)
}

struct Walk<'a> {
    repo: &'a Repo,
    index: &'a IndexFile,
    scope: Scope<'a>,
    out: Vec<Change>,
}

/// git's order of two entries: names byte-wise, a folder's name followed by `/`.
fn order_names(an: &[u8], at: bool, bn: &[u8], bt: bool) -> std::cmp::Ordering {
    let common = an.len().min(bn.len());
    match an.get(..common).cmp(&bn.get(..common)) {
        std::cmp::Ordering::Equal => {
            let next = |n: &[u8], t: bool| n.get(common).copied().or(t.then_some(b'/'));
            next(an, at).cmp(&next(bn, bt))
        }
        other => other,
    }
}

/// True when `raw`, one entry of a tree (`mode SP name NUL id`), is the index entry `e`
/// at `name` (the path below the folder): the same mode, name and id. A name with a `/`
/// (a file of a subfolder) never matches, as no tree entry's name has one.
fn same_file(raw: &[u8], name: &[u8], e: &Entry) -> bool {
    let Some((head, id)) = raw.split_last_chunk::<20>() else {
        return false;
    };
    let Some((mode, rest)) = head.split_first_chunk::<6>() else {
        return false;
    };
    // Files, links and submodules have six-digit modes (`100644`, `120000`, `160000`).
    id == e.id_bytes()
        && rest.len() == name.len() + 2
        && rest.first() == Some(&b' ')
        && rest.last() == Some(&0)
        && rest.get(1..=name.len()) == Some(name)
        && mode.iter().try_fold(0u32, |m, &b| match b {
            b'0'..=b'7' => Some((m << 3) | u32::from(b - b'0')),
            _ => None,
        }) == Some(e.mode)
}

/// A repository path as text. A path that is not UTF-8 is kept, its bad bytes escaped
/// as `\xNN` ([`crate::text::escape_name`]), exactly as the tree listings name it: a task
/// file so named is reported by the rules of its folder, and a code file so named is
/// still a change to code.
fn path_text(path: &[u8]) -> String {
    match std::str::from_utf8(path) {
        Ok(p) => p.replace('\\', "/"),
        Err(_) => crate::text::escape_name(path),
    }
}

impl Walk<'_> {
    /// Compares folder `prefix` (empty, or ending in `/`): `tree` on the old side, index
    /// entries `lo..hi` (all under `prefix`) on the new side.
    fn dir(
        &mut self,
        tree: Option<&RawTree>,
        lo: usize,
        hi: usize,
        prefix: &[u8],
        cache: Option<CacheNode<'_>>,
    ) -> Result<(), SourceError> {
        check_depth(prefix)?;
        if let (Some(t), Some(c)) = (tree, cache.and_then(|c| c.id())) {
            if t.id() == c {
                return Ok(());
            }
        }
        let index = self.index;
        let tree_len = tree.map_or(0, |t| t.len());
        let (mut k, mut i) = (0, lo);
        let mut path = prefix.to_vec();
        while k < tree_len || i < hi {
            // The common case first: a file of this folder whose index entry is the tree's
            // entry byte for byte (mode, name, id) is unchanged, and nothing else is asked
            // of it. In a folder of thousands of task files, that is all but the staged few.
            let next = index.get(i).filter(|_| i < hi);
            if let (Some(t), Some(e)) = (tree.filter(|_| k < tree_len), &next) {
                let name = index.path(e).get(prefix.len()..).unwrap_or_default();
                if same_file(t.entry_bytes(k), name, e) {
                    k += 1;
                    i += 1;
                    continue;
                }
            }
            // The next index child: a file, or a folder spanning entries i..end.
            let child = next.map(|e| {
                let full = index.path(&e);
                let rest = full.get(prefix.len()..).unwrap_or_default();
                match rest.iter().position(|b| *b == b'/') {
                    Some(n) => {
                        let dir = full.get(..prefix.len() + n + 1).unwrap_or_default();
                        let end = index.partition_point(i, hi, |x| index.path(x).starts_with(dir));
                        (rest.get(..n).unwrap_or_default(), true, end.max(i + 1), e)
                    }
                    None => (rest, false, i + 1, e),
                }
            });
            let old = tree.and_then(|t| t.get(k)).filter(|_| k < tree_len);
            let old_key = old.as_ref().map(|o| (o.name, o.is_tree()));
            let step = match (&old_key, &child) {
                (Some((on, ot)), Some((nn, nt, _, _))) => order_names(on, *ot, nn, *nt),
                (Some(_), None) => std::cmp::Ordering::Less,
                _ => std::cmp::Ordering::Greater,
            };
            match step {
                std::cmp::Ordering::Less => {
                    if let (Some(o), Some((name, is_tree))) = (&old, old_key) {
                        path.truncate(prefix.len());
                        path.extend_from_slice(name);
                        if self.scope.takes(&path, is_tree) {
                            self.deleted(&path, o.id, is_tree)?;
                        }
                    }
                    k += 1;
                }
                std::cmp::Ordering::Greater => {
                    if let Some((name, is_dir, end, e)) = child {
                        path.truncate(prefix.len());
                        path.extend_from_slice(name);
                        if self.scope.takes(&path, is_dir) {
                            self.added(i, end, is_dir, e);
                        }
                        i = end;
                    } else {
                        break;
                    }
                }
                std::cmp::Ordering::Equal => {
                    let (Some(o), Some((name, is_dir, end, e))) = (&old, child) else {
                        break;
                    };
                    path.truncate(prefix.len());
                    path.extend_from_slice(name);
                    if self.scope.takes(&path, is_dir) {
                        if is_dir {
                            let sub = cache.and_then(|c| c.child(name));
                            let skip = sub.and_then(|s| s.id()) == Some(o.id);
                            if !skip {
                                let t = self.repo.tree(o.id)?;
                                path.push(b'/');
                                let inner = path.clone();
                                self.dir(Some(&t), i, end, &inner, sub)?;
                            }
                        } else if o.id != e.id() || o.mode != e.mode {
                            self.out.push(Change {
                                path: path_text(&path),
                                old: Some(o.id),
                                new: Some(e.id()),
                            });
                        }
                    }
                    k += 1;
                    i = end;
                }
            }
        }
        Ok(())
    }

    /// Index entries `lo..end` are new: one file, or every file of a folder (`first` is
    /// entry `lo`).
    fn added(&mut self, lo: usize, end: usize, is_dir: bool, first: Entry) {
        let index = self.index;
        let rest = lo + 1..if is_dir { end } else { lo + 1 };
        for e in std::iter::once(first).chain(rest.map_while(|i| index.get(i))) {
            let path = index.path(&e);
            if !self.scope.takes(path, false) {
                continue;
            }
            self.out.push(Change {
                path: path_text(path),
                old: None,
                new: Some(e.id()),
            });
        }
    }

    /// Tree entry `path` is gone: one file, or every file of a folder.
    fn deleted(&mut self, path: &[u8], id: Oid, is_tree: bool) -> Result<(), SourceError> {
        if is_tree {
            let prefix = path_text(path);
            let t = self.repo.tree(id)?;
            let mut diff = TreeDiff {
                repo: self.repo,
                wanted: &mut Everything,
                out: Vec::new(),
            };
            diff.trees(Some(&t), None, &prefix)?;
            for mut c in diff.out {
                if !self.scope.takes(c.path.as_bytes(), false) {
                    continue;
                }
                c.path = c.path.replace('\\', "/");
                self.out.push(c);
            }
            return Ok(());
        }
        self.out.push(Change {
            path: path_text(path),
            old: Some(id),
            new: None,
        });
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::path::Path;
    use std::process::Command;

    /// Runs `git ARGS` in `dir` (see [`crate::git::repo::git_in`]).
    pub(crate) fn git(dir: &Path, args: &[&str]) {
        crate::git::repo::git_in(dir, args);
    }

    /// Writes file `path` of the work tree at `dir`, with its folders.
    pub(crate) fn write(dir: &Path, path: &str, text: &str) {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// libgit2's answer for `scope`, as the hooks computed it before.
    fn libgit2(
        repo: &Repo,
        before: Option<Oid>,
        index: &git2::Index,
        scope: Scope<'_>,
    ) -> Vec<Change> {
        match scope {
            Scope::All => changed_paths(repo, before, After::Index(index), &[]).unwrap(),
            Scope::Under(r) => changed_paths(repo, before, After::Index(index), &[r]).unwrap(),
            Scope::AllBut(skip) => {
                let mut tops: Vec<String> = index
                    .iter()
                    .filter_map(|e| {
                        let p = String::from_utf8(e.path).ok()?;
                        Some(p.split('/').next()?.to_string())
                    })
                    .collect();
                tops.dedup();
                changed_paths_outside(repo, before, index, &tops, skip).unwrap()
            }
        }
    }

    fn compare(dir: &Path, step: &str) {
        let repo = Repo::discover(dir).unwrap();
        let head = repo.head_commit().unwrap();
        let index = repo.git.index().unwrap();
        let source = repo.index().unwrap();
        let parsed = IndexFile::open(&dir.join(".git/index")).expect("parsed");
        let scopes = [
            Scope::All,
            Scope::Under("b"),
            Scope::Under("b/d"),
            Scope::Under("a.txt"),
            Scope::AllBut("b"),
            Scope::AllBut("z"),
        ];
        for before in [head, None] {
            for scope in scopes {
                let want = libgit2(&repo, before, &index, scope);
                let got = source.changes(before, scope).unwrap();
                assert_eq!(got, want, "{step}: {scope:?} from {before:?}");
                if !parsed.has_special_entries() {
                    let direct = staged_changes(&repo, before, &parsed, scope).unwrap();
                    assert_eq!(direct, want, "{step}: {scope:?} from {before:?}");
                }
            }
        }
    }

    #[test]
    fn staged_changes_match_the_libgit2_diff() {
        let tmp = assert_fs::TempDir::new().unwrap();
        let dir = tmp.path();
        git(dir, &["init", "-q", "-b", "main"]);
        for (p, c) in [
            ("a.txt", "a"),
            ("b/c.md", "c"),
            ("b/d/e.md", "e"),
            ("b/d/f.md", "f"),
            ("b-x.txt", "bx"),
            ("b0", "b0"),
            ("z/deep/g.txt", "g"),
        ] {
            write(dir, p, c);
        }
        git(dir, &["add", "."]);
        git(dir, &["commit", "-q", "-m", "one"]);
        compare(dir, "nothing staged");
        write(dir, "b/c.md", "changed");
        git(dir, &["add", "b/c.md"]);
        compare(dir, "modify");
        write(dir, "b/d/new.md", "n");
        write(dir, "new.txt", "n");
        write(dir, "b/a/first.md", "n");
        git(dir, &["add", "."]);
        compare(dir, "add");
        git(dir, &["rm", "-q", "b/d/e.md"]);
        git(dir, &["rm", "-q", "-r", "z"]);
        compare(dir, "delete");
        std::fs::create_dir_all(dir.join("q")).unwrap();
        git(dir, &["mv", "b/d/f.md", "q/f.md"]);
        compare(dir, "rename between folders");
        git(dir, &["update-index", "--chmod=+x", "b-x.txt"]);
        compare(dir, "mode change");
        git(dir, &["rm", "-q", "a.txt"]);
        write(dir, "a.txt/inner.md", "i");
        write(dir, "z", "now a file");
        git(dir, &["add", "."]);
        compare(dir, "file to folder and folder to file");
        git(dir, &["update-index", "--index-version", "4"]);
        compare(dir, "index version 4");
        git(dir, &["commit", "-q", "-m", "two"]);
        compare(dir, "committed");
        std::os::unix::fs::symlink("b0", dir.join("link")).unwrap();
        git(dir, &["add", "link"]);
        compare(dir, "symlink");
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let odd = std::ffi::OsStr::from_bytes(b"caf\xe9");
            std::fs::create_dir_all(dir.join("b").join(odd)).unwrap();
            std::fs::write(dir.join("b").join(odd).join("x.md"), "x").unwrap();
            std::fs::write(dir.join("b/d").join(odd), "x").unwrap();
            git(dir, &["add", "."]);
            compare(dir, "names that are not UTF-8");
            let repo = Repo::discover(dir).unwrap();
            let got = repo.index().unwrap().changes(None, Scope::All).unwrap();
            for want in ["b/caf\\xE9/x.md", "b/d/caf\\xE9"] {
                assert!(got.iter().any(|c| c.path == want), "{want}: {got:?}");
            }
        }
        write(dir, "intent.md", "i");
        git(dir, &["add", "-N", "intent.md"]);
        compare(dir, "intent to add");
        git(dir, &["reset", "-q", "--hard"]);
        // A conflicted index (stages 1-3): the libgit2 diff answers.
        git(dir, &["checkout", "-q", "-b", "other"]);
        write(dir, "b/c.md", "other");
        git(dir, &["commit", "-q", "-am", "other"]);
        git(dir, &["checkout", "-q", "main"]);
        write(dir, "b/c.md", "main");
        git(dir, &["commit", "-q", "-am", "main"]);
        let _ = Command::new("git")
            .args(["merge", "-q", "other"])
            .current_dir(dir)
            .output();
        let parsed = IndexFile::open(&dir.join(".git/index")).unwrap();
        assert!(parsed.find(b"b/c.md", 3).is_some());
        compare(dir, "conflict");
    }

    /// The walk's shortcut (`same_file`) says "unchanged" exactly when the slow
    /// comparison finds the same kind, mode and id under the same name.
    #[test]
    fn same_file_agrees_with_the_entry_by_entry_comparison() {
        let tmp = assert_fs::TempDir::new().unwrap();
        let dir = tmp.path();
        git(dir, &["init", "-q", "-b", "main"]);
        for (p, c) in [("a.md", "a"), ("b.sh", "b"), ("c.md", "c"), ("d/e.md", "e")] {
            write(dir, p, c);
        }
        std::os::unix::fs::symlink("a.md", dir.join("l")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.join("b.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
        git(dir, &["add", "."]);
        git(dir, &["commit", "-q", "-m", "one"]);
        let check = |step: &str, unchanged: &[&str]| {
            let repo = Repo::discover(dir).unwrap();
            let head = repo.head_commit().unwrap().unwrap();
            let tree = repo.tree(repo.commit_tree_id(head).unwrap()).unwrap();
            let index = IndexFile::open(&dir.join(".git/index")).unwrap();
            let mut same = Vec::new();
            for k in 0..tree.len() {
                let item = tree.get(k).unwrap();
                for e in index.iter() {
                    let name = index.path(&e);
                    let slow = name == item.name
                        && !item.is_tree()
                        && item.mode == e.mode
                        && item.id == e.id();
                    assert_eq!(same_file(tree.entry_bytes(k), name, &e), slow, "{step}");
                    if slow {
                        same.push(String::from_utf8(name.to_vec()).unwrap());
                    }
                }
            }
            assert_eq!(same, unchanged, "{step}");
        };
        check("committed", &["a.md", "b.sh", "c.md", "l"]);
        let index = IndexFile::open(&dir.join(".git/index")).unwrap();
        assert_eq!(index.find(b"b.sh", 0).unwrap().mode, 0o100755);
        write(dir, "a.md", "changed");
        git(dir, &["add", "a.md"]);
        git(dir, &["update-index", "--chmod=-x", "b.sh"]);
        check("content and mode staged", &["c.md", "l"]);
    }

    #[test]
    fn commit_changes_match_the_libgit2_diff() {
        let tmp = assert_fs::TempDir::new().unwrap();
        let dir = tmp.path();
        git(dir, &["init", "-q", "-b", "main"]);
        // A big folder (so byte-identical runs at both ends are skipped) and names that
        // git orders around a folder's implicit `/`.
        for n in 0..300 {
            write(dir, &format!("big/task-{n} - T.md"), &format!("t{n}"));
        }
        for (p, c) in [
            ("a-b", "1"),
            ("a.b", "2"),
            ("a/x", "3"),
            ("ab", "4"),
            ("top.md", "t"),
        ] {
            write(dir, p, c);
        }
        git(dir, &["add", "."]);
        git(dir, &["commit", "-q", "-m", "one"]);
        type Step<'s> = (&'s str, &'s dyn Fn(&Path));
        let steps: &[Step] = &[
            ("edit in the middle", &|d| {
                write(d, "big/task-150 - T.md", "x")
            }),
            ("edit first and last", &|d| {
                write(d, "big/task-0 - T.md", "x");
                write(d, "big/task-99 - T.md", "x");
            }),
            ("add at both ends", &|d| {
                write(d, "big/task-000 - A.md", "a");
                write(d, "big/zzz.md", "z");
            }),
            ("delete and rename", &|d| {
                std::fs::remove_file(d.join("big/task-7 - T.md")).unwrap();
                std::fs::rename(d.join("big/task-8 - T.md"), d.join("big/task-8 - U.md")).unwrap();
            }),
            ("folder to file", &|d| {
                std::fs::remove_dir_all(d.join("a")).unwrap();
                write(d, "a", "file now");
                write(d, "a.b", "changed");
            }),
            ("nothing in big", &|d| write(d, "top.md", "u")),
        ];
        for (step, change) in steps {
            change(dir);
            git(dir, &["add", "-A"]);
            git(dir, &["commit", "-q", "-m", step]);
            let repo = Repo::discover(dir).unwrap();
            let head = repo.head_commit().unwrap().unwrap();
            let parent = repo.git.find_commit(head).unwrap().parent_id(0).unwrap();
            for before in [Some(parent), None] {
                let want = changed_paths(&repo, before, After::Commit(head), &[]).unwrap();
                let got = commit_changes(&repo, before, head).unwrap();
                assert_eq!(got, want, "{step} from {before:?}");
            }
            let tree = repo.commit_tree(head).unwrap();
            let lib = repo.git.find_commit(head).unwrap().tree().unwrap();
            for path in [
                "a",
                "a.b",
                "a-b",
                "ab",
                "big",
                "big/task-150 - T.md",
                "a/x",
                "nope",
            ] {
                let want = lib.get_path(Path::new(path)).ok().map(|e| e.id());
                assert_eq!(tree.entry_id(path), want, "{step}: {path}");
            }
        }
    }
}

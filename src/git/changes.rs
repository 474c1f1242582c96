//! What a commit changes: the paths that differ between two snapshots, with their blob
//! ids on each side, read from git's trees and index without touching the files.
//!
//! Rename detection is deliberately off: task identity is the task ID, so a move to
//! `completed/` is simply one deletion plus one addition that the transition rules pair up.

use git2::{Delta, DiffOptions, Oid};

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
            .path()
            .or_else(|| delta.old_file().path())
            .and_then(|p| p.to_str());
        // A path that is not UTF-8 cannot be a task file or match a glob users write.
        if let Some(path) = path {
            out.push(Change {
                path: path.replace('\\', "/"),
                old,
                new,
            });
        }
    }
    Ok(out)
}

/// Every path that differs from commit `before` (`None`: the empty tree) to commit
/// `after`: the same answer as [`changed_paths`] without pathspecs, computed by walking
/// the two trees side by side and entering only subtrees whose ids differ. It allocates
/// only for what changed, which matters on a folder of thousands of task files that
/// changes in almost every commit.
pub fn commit_changes(
    repo: &Repo,
    before: Option<Oid>,
    after: Oid,
) -> Result<Vec<Change>, SourceError> {
    let git = &repo.git;
    let old = match before {
        Some(id) => Some(git.find_commit(id)?.tree()?),
        None => None,
    };
    let new = git.find_commit(after)?.tree()?;
    let mut out = Vec::new();
    diff_trees(repo, old.as_ref(), Some(&new), "", &mut out)?;
    Ok(out)
}

fn is_tree(e: &git2::TreeEntry<'_>) -> bool {
    e.filemode() & 0o170000 == 0o040000
}

/// git's order: names byte-wise, a tree's name read as if it ended in `/`.
fn order(a: &git2::TreeEntry<'_>, b: &git2::TreeEntry<'_>) -> std::cmp::Ordering {
    let (an, bn) = (a.name_bytes(), b.name_bytes());
    let common = an.len().min(bn.len());
    match an.get(..common).cmp(&bn.get(..common)) {
        std::cmp::Ordering::Equal => {
            let next = |n: &[u8], t: bool| n.get(common).copied().or(t.then_some(b'/'));
            next(an, is_tree(a)).cmp(&next(bn, is_tree(b)))
        }
        other => other,
    }
}

fn join_path(prefix: &str, name: &[u8]) -> Option<String> {
    let name = std::str::from_utf8(name).ok()?;
    Some(if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}/{name}")
    })
}

fn entry<'t>(tree: Option<&'t git2::Tree<'_>>, i: usize) -> Option<git2::TreeEntry<'t>> {
    tree?.get(i)
}

fn diff_trees(
    repo: &Repo,
    old: Option<&git2::Tree<'_>>,
    new: Option<&git2::Tree<'_>>,
    prefix: &str,
    out: &mut Vec<Change>,
) -> Result<(), SourceError> {
    let (mut i, mut j) = (0, 0);
    loop {
        let (x, y) = (entry(old, i), entry(new, j));
        let step = match (&x, &y) {
            (Some(x), Some(y)) => order(x, y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => break,
        };
        match (step, x, y) {
            (std::cmp::Ordering::Less, Some(x), _) => {
                side(repo, &x, true, prefix, out)?;
                i += 1;
            }
            (std::cmp::Ordering::Greater, _, Some(y)) => {
                side(repo, &y, false, prefix, out)?;
                j += 1;
            }
            (_, Some(x), Some(y)) => {
                if x.id() != y.id() || x.filemode() != y.filemode() {
                    if let Some(path) = join_path(prefix, x.name_bytes()) {
                        if is_tree(&x) {
                            let ot = repo.git.find_tree(x.id())?;
                            let nt = repo.git.find_tree(y.id())?;
                            diff_trees(repo, Some(&ot), Some(&nt), &path, out)?;
                        } else {
                            out.push(Change {
                                path,
                                old: Some(x.id()),
                                new: Some(y.id()),
                            });
                        }
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
    repo: &Repo,
    item: &git2::TreeEntry<'_>,
    deleted: bool,
    prefix: &str,
    out: &mut Vec<Change>,
) -> Result<(), SourceError> {
    let Some(path) = join_path(prefix, item.name_bytes()) else {
        return Ok(());
    };
    if is_tree(item) {
        let t = repo.git.find_tree(item.id())?;
        return if deleted {
            diff_trees(repo, Some(&t), None, &path, out)
        } else {
            diff_trees(repo, None, Some(&t), &path, out)
        };
    }
    out.push(if deleted {
        Change {
            path,
            old: Some(item.id()),
            new: None,
        }
    } else {
        Change {
            path,
            old: None,
            new: Some(item.id()),
        }
    });
    Ok(())
}

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
    let git = &repo.git;
    let old_tree = match before {
        Some(id) => Some(git.find_commit(id)?.tree()?),
        None => None,
    };
    let mut opts = DiffOptions::new();
    opts.ignore_submodules(false).skip_binary_check(true);
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

/// One tree entry, as the walk needs it.
struct Item {
    name: Vec<u8>,
    id: Oid,
    mode: i32,
}

impl Item {
    fn is_tree(&self) -> bool {
        self.mode & 0o170000 == 0o040000
    }

    /// git's order: a tree sorts as if its name ended in `/`.
    fn key(&self) -> (&[u8], bool) {
        (&self.name, self.is_tree())
    }
}

fn items(tree: Option<&git2::Tree<'_>>) -> Vec<Item> {
    tree.map(|t| {
        t.iter()
            .map(|e| Item {
                name: e.name_bytes().to_vec(),
                id: e.id(),
                mode: e.filemode(),
            })
            .collect()
    })
    .unwrap_or_default()
}

fn order(a: &Item, b: &Item) -> std::cmp::Ordering {
    // Compare as git does: names byte-wise, a tree's name followed by '/'.
    let (an, at) = a.key();
    let (bn, bt) = b.key();
    let common = an.len().min(bn.len());
    match an[..common].cmp(&bn[..common]) {
        std::cmp::Ordering::Equal => {
            let next = |n: &[u8], t: bool| n.get(common).copied().or(t.then_some(b'/'));
            next(an, at).cmp(&next(bn, bt))
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

fn diff_trees(
    repo: &Repo,
    old: Option<&git2::Tree<'_>>,
    new: Option<&git2::Tree<'_>>,
    prefix: &str,
    out: &mut Vec<Change>,
) -> Result<(), SourceError> {
    let a = items(old);
    let b = items(new);
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let step = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => order(x, y),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match step {
            std::cmp::Ordering::Less => {
                side(repo, a.get(i), true, prefix, out)?;
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                side(repo, b.get(j), false, prefix, out)?;
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                let (Some(x), Some(y)) = (a.get(i), b.get(j)) else {
                    break;
                };
                if x.id != y.id || x.mode != y.mode {
                    match (x.is_tree(), y.is_tree()) {
                        (true, true) => {
                            if let Some(path) = join_path(prefix, &x.name) {
                                let ot = repo.git.find_tree(x.id)?;
                                let nt = repo.git.find_tree(y.id)?;
                                diff_trees(repo, Some(&ot), Some(&nt), &path, out)?;
                            }
                        }
                        (false, false) => {
                            if let Some(path) = join_path(prefix, &x.name) {
                                out.push(Change {
                                    path,
                                    old: Some(x.id),
                                    new: Some(y.id),
                                });
                            }
                        }
                        _ => {
                            side(repo, Some(x), true, prefix, out)?;
                            side(repo, Some(y), false, prefix, out)?;
                        }
                    }
                }
                i += 1;
                j += 1;
            }
        }
    }
    Ok(())
}

/// An entry only on one side: a file added or deleted, or every file of a tree.
fn side(
    repo: &Repo,
    item: Option<&Item>,
    deleted: bool,
    prefix: &str,
    out: &mut Vec<Change>,
) -> Result<(), SourceError> {
    let Some(item) = item else { return Ok(()) };
    let Some(path) = join_path(prefix, &item.name) else {
        return Ok(());
    };
    if item.is_tree() {
        let t = repo.git.find_tree(item.id)?;
        return if deleted {
            diff_trees(repo, Some(&t), None, &path, out)
        } else {
            diff_trees(repo, None, Some(&t), &path, out)
        };
    }
    out.push(if deleted {
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

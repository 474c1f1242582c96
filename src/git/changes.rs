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

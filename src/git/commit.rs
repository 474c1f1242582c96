//! One commit's metadata, as git stores it.

use git2::Oid;

use super::Repo;
use crate::source::SourceError;

/// One commit's metadata, as git stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitMeta {
    /// The commit id.
    pub id: Oid,
    /// Its parents, first parent first.
    pub parents: Vec<Oid>,
    /// Author name.
    pub author_name: String,
    /// Author email.
    pub author_email: String,
    /// Author time, seconds since the epoch.
    pub time: i64,
    /// The full message.
    pub message: String,
}

impl CommitMeta {
    /// Reads commit `id`.
    pub fn read(repo: &Repo, id: Oid) -> Result<CommitMeta, SourceError> {
        let commit = repo.git.find_commit(id)?;
        repo.remember_commit_tree(id, commit.tree_id());
        let author = commit.author();
        Ok(CommitMeta {
            id,
            parents: commit.parent_ids().collect(),
            author_name: String::from_utf8_lossy(author.name_bytes()).into_owned(),
            author_email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
            time: author.when().seconds(),
            message: String::from_utf8_lossy(commit.message_bytes()).into_owned(),
        })
    }

    /// The first line of the message.
    pub fn subject(&self) -> &str {
        self.message.lines().next().unwrap_or_default()
    }
}

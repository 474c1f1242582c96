//! Is the commit a hook runs for a `git commit --amend` of HEAD?
//!
//! git does not tell `pre-commit` or `commit-msg`, and the answer decides the commit's
//! parent: HEAD for a new commit, HEAD's parent for an amend. It is read from what git
//! itself says about the commit being made, never from the size of its diff (a commit that
//! stages only task files has no code change against HEAD, and is no amend for that):
//!
//! 1. `prepare-commit-msg` is told where the message comes from; `commit HEAD` means the
//!    message is HEAD's (`--amend` without `-m`, `-c HEAD`, `-C HEAD`). That hook records
//!    it ([`record_message_source`]) and `commit-msg`, which runs next, takes the record
//!    ([`take_record`]). The record names HEAD, so a stale one (an aborted commit) never
//!    applies to another HEAD, and every `prepare-commit-msg` rewrites or removes it.
//! 2. git exports the author of the commit being made to its hooks (`GIT_AUTHOR_NAME`,
//!    `GIT_AUTHOR_EMAIL`, `GIT_AUTHOR_DATE`). An amend keeps HEAD's author and author date;
//!    a new commit is dated now. So HEAD's author with an author date that is not "now"
//!    is an amend (`--amend -m …` included).
//! 3. When HEAD itself was made in the last seconds, a new commit carries the same date:
//!    only a commit that stages nothing against HEAD is then taken for an amend (a new
//!    commit with nothing staged needs `--allow-empty`, an amend does not).
//!
//! Anything else is a new commit on HEAD: the hook judges what is staged against HEAD,
//! and `ci` judges the amended commit against its real parent anyway.

use std::io::Write;
use std::path::PathBuf;

use git2::Oid;

use super::Repo;
use crate::source::SourceError;

/// The record `prepare-commit-msg` leaves for `commit-msg`, in the git directory.
const RECORD: &str = "flowgate-amend";

/// How many seconds a new commit's author date may lag behind the clock when its hook
/// runs; an author date within it is "now".
const NOW_SECONDS: i64 = 3;

fn record_path(repo: &Repo) -> PathBuf {
    repo.git.path().join(RECORD)
}

/// Called by `prepare-commit-msg` with its arguments: records that the message comes from
/// HEAD (`source` `commit`, `sha` naming HEAD), or removes an earlier record.
pub fn record_message_source(
    repo: &Repo,
    source: Option<&str>,
    sha: Option<&str>,
) -> std::io::Result<()> {
    let path = record_path(repo);
    // Removing first (a symlink is removed, not followed) and creating anew means the
    // record is never written through a link someone left in its place.
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let head = repo.head_commit().ok().flatten();
    let from = sha.and_then(|s| repo.resolve(s).ok());
    let Some(head) = head.filter(|h| source == Some("commit") && from == Some(*h)) else {
        return Ok(());
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    writeln!(file, "{head}")
}

/// Called by `commit-msg`: true when `prepare-commit-msg` recorded that this commit's
/// message comes from `head`. The record is removed either way.
pub fn take_record(repo: &Repo, head: Oid) -> bool {
    let path = record_path(repo);
    let Ok(meta) = std::fs::symlink_metadata(&path) else {
        return false;
    };
    // A record is one line; anything else is not ours.
    let recorded = meta.is_file()
        && meta.len() < 100
        && std::fs::read_to_string(&path).is_ok_and(|s| s.trim() == head.to_string());
    let _ = std::fs::remove_file(&path);
    recorded
}

/// True when the commit being made amends `head`. `recorded`: what [`take_record`] said
/// (`false` in `pre-commit`, which runs before the record is made); `nothing_staged`:
/// whether the index has no change against `head`, asked only when the author alone
/// cannot tell.
pub fn amends_head(
    repo: &Repo,
    head: Oid,
    recorded: bool,
    nothing_staged: impl FnOnce() -> Result<bool, SourceError>,
) -> Result<bool, SourceError> {
    if recorded {
        return Ok(true);
    }
    let Some(date) = kept_author_date(repo, head) else {
        return Ok(false);
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    if (now - date).abs() > NOW_SECONDS {
        return Ok(true);
    }
    nothing_staged()
}

/// HEAD's author date (seconds), when git's exported author of the commit being made is
/// HEAD's author with HEAD's author date.
fn kept_author_date(repo: &Repo, head: Oid) -> Option<i64> {
    let env = |k: &str| std::env::var(k).ok();
    let (name, email, date) = (
        env("GIT_AUTHOR_NAME")?,
        env("GIT_AUTHOR_EMAIL")?,
        env("GIT_AUTHOR_DATE")?,
    );
    // git exports the date as `@<seconds> <offset>`.
    let (seconds, offset) = date.strip_prefix('@')?.split_once(' ')?;
    let seconds: i64 = seconds.parse().ok()?;
    let commit = repo.git.find_commit(head).ok()?;
    let author = commit.author();
    let when = author.when();
    let head_offset = format!(
        "{}{:02}{:02}",
        when.sign(),
        when.offset_minutes().abs() / 60,
        when.offset_minutes().abs() % 60
    );
    (author.name_bytes() == name.as_bytes()
        && author.email_bytes() == email.as_bytes()
        && when.seconds() == seconds
        && head_offset == offset)
        .then_some(seconds)
}

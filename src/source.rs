//! The files of one snapshot, behind one small trait.
//!
//! A [`Source`] is a read-only view of a repository's files at one moment: the working
//! tree, the index, or a commit's tree. Paths are repo-relative, `/`-separated, without a
//! leading `./`; the root directory is `""`. Everything above this module reads files only
//! through this trait, so the same rules run on any snapshot and can be tested on
//! [`MemorySource`].

use std::collections::BTreeMap;
use std::fmt;

/// Files larger than this are not parsed; they get a finding instead.
pub const MAX_FILE_SIZE: u64 = 4 * 1024 * 1024;

/// What kind of entry a directory listing holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular (or executable) file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link; never followed.
    Symlink,
    /// A submodule (gitlink); never entered.
    Submodule,
    /// A file whose name is not UTF-8. The entry's name holds it with the bad bytes
    /// escaped ([`crate::text::escape_name`]); the file cannot be read by that name.
    UndecodableName,
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// The entry's name (no directory part).
    pub name: String,
    /// The entry's kind.
    pub kind: EntryKind,
}

/// The result of reading one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// Nothing at that path.
    Missing,
    /// The path is a symbolic link (its target is not followed).
    Symlink,
    /// The path is a directory or a submodule.
    NotAFile,
    /// The file is larger than the limit; its size in bytes.
    TooLarge(u64),
    /// The file's bytes.
    Bytes(Vec<u8>),
}

/// What a file system says of a regular file without reading it (as git's index keeps
/// it): when a file's stamp is what it was when the file was read, and the file was not
/// changed in the moment of that read, its bytes are taken to be the ones read then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stamp {
    /// Size in bytes.
    pub size: u64,
    /// Last modification: seconds and nanoseconds since the epoch.
    pub mtime: (i64, u32),
    /// Last change of the file's data or metadata: seconds and nanoseconds.
    pub ctime: (i64, u32),
    /// Inode number.
    pub ino: u64,
    /// Device number.
    pub dev: u64,
    /// File type and permissions.
    pub mode: u32,
}

/// An error reading from a source: the repository itself could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError(pub String);

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SourceError {}

impl From<std::io::Error> for SourceError {
    fn from(e: std::io::Error) -> Self {
        SourceError(e.to_string())
    }
}

/// A read-only view of a repository's files at one moment.
pub trait Source {
    /// A short label for messages: `working tree`, `index`, or a commit id.
    fn label(&self) -> String;

    /// The entries directly inside `dir` (`""` is the root), sorted by name.
    /// A missing directory is an empty listing, not an error.
    fn list_dir(&self, dir: &str) -> Result<Vec<DirEntry>, SourceError>;

    /// The entries directly inside `dir` whose names start with `name_prefix`, sorted by
    /// name: what a lookup by file name needs. Sources that can seek override this.
    fn list_prefix(&self, dir: &str, name_prefix: &str) -> Result<Vec<DirEntry>, SourceError> {
        let mut entries = self.list_dir(dir)?;
        entries.retain(|e| e.name.starts_with(name_prefix));
        Ok(entries)
    }

    /// Reads `path`, refusing files over `max` bytes.
    fn read(&self, path: &str, max: u64) -> Result<Content, SourceError>;

    /// Reads many paths, in order. Sources that can read concurrently override this.
    fn read_many(&self, paths: Vec<String>, max: u64) -> Vec<Result<Content, SourceError>> {
        paths.iter().map(|p| self.read(p, max)).collect()
    }

    /// The [`Stamp`] of each of `paths` that is a regular file (`None` for anything else:
    /// missing, a symbolic link, a folder), in order; `None` from a source whose files
    /// have no stamps (a commit's tree, the index, files in memory).
    fn stamps(&self, _paths: &[&str]) -> Option<Vec<Option<Stamp>>> {
        None
    }

    /// Every file and symlink below `dir`, recursively, as repo-relative paths with their
    /// kinds, in no particular order: submodules are not entered, `.git` folders are
    /// never listed, and names that are not UTF-8 are left out. Sources that hold every
    /// path in one sorted list (the index) override this with one pass over `dir`'s range.
    fn walk_entries(&self, dir: &str) -> Result<Vec<(String, EntryKind)>, SourceError> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_string()];
        while let Some(d) = stack.pop() {
            for entry in self.list_dir(&d)? {
                let path = join(&d, &entry.name);
                match entry.kind {
                    EntryKind::File | EntryKind::Symlink => out.push((path, entry.kind)),
                    EntryKind::Dir if entry.name != ".git" => stack.push(path),
                    _ => {}
                }
            }
        }
        Ok(out)
    }

    /// Every file (and symlink) below `dir`, recursively, as repo-relative paths, sorted.
    /// Submodules are not entered; `.git` is never listed.
    fn walk(&self, dir: &str) -> Result<Vec<String>, SourceError> {
        let mut out = Vec::new();
        let mut stack = vec![dir.trim_end_matches('/').to_string()];
        while let Some(d) = stack.pop() {
            for entry in self.list_dir(&d)? {
                let path = join(&d, &entry.name);
                match entry.kind {
                    EntryKind::Dir if entry.name != ".git" => stack.push(path),
                    EntryKind::File | EntryKind::Symlink => out.push(path),
                    _ => {}
                }
            }
        }
        out.sort_unstable();
        Ok(out)
    }

    /// True when `path` exists as a directory.
    fn is_dir(&self, path: &str) -> Result<bool, SourceError> {
        let (parent, name) = split_parent(path);
        Ok(self
            .list_dir(parent)?
            .iter()
            .any(|e| e.name == name && e.kind == EntryKind::Dir))
    }

    /// True when `path` exists as a file or symlink.
    fn is_file(&self, path: &str) -> Result<bool, SourceError> {
        let (parent, name) = split_parent(path);
        Ok(self
            .list_dir(parent)?
            .iter()
            .any(|e| e.name == name && matches!(e.kind, EntryKind::File | EntryKind::Symlink)))
    }
}

/// Joins a directory and a name into a repo-relative path.
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        // Not `format!`: this runs for every listed file (10,000s in a large backlog).
        let dir = dir.trim_end_matches('/');
        let mut path = String::with_capacity(dir.len() + 1 + name.len());
        path.push_str(dir);
        path.push('/');
        path.push_str(name);
        path
    }
}

/// Splits `a/b/c` into (`a/b`, `c`); a top-level name has parent `""`.
pub fn split_parent(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    }
}

/// An in-memory source, for tests and for building snapshots from blobs.
#[derive(Debug, Clone, Default)]
pub struct MemorySource {
    files: BTreeMap<String, Vec<u8>>,
    symlinks: BTreeMap<String, String>,
}

impl MemorySource {
    /// An empty source.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file.
    pub fn with(mut self, path: &str, content: impl AsRef<[u8]>) -> Self {
        self.insert(path, content);
        self
    }

    /// Adds (or replaces) a file.
    pub fn insert(&mut self, path: &str, content: impl AsRef<[u8]>) {
        self.files
            .insert(path.to_string(), content.as_ref().to_vec());
    }

    /// Adds a symbolic link.
    pub fn with_symlink(mut self, path: &str, target: &str) -> Self {
        self.symlinks.insert(path.to_string(), target.to_string());
        self
    }
}

impl Source for MemorySource {
    fn label(&self) -> String {
        "memory".to_string()
    }

    fn list_dir(&self, dir: &str) -> Result<Vec<DirEntry>, SourceError> {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{}/", dir.trim_end_matches('/'))
        };
        let mut entries: BTreeMap<String, EntryKind> = BTreeMap::new();
        let all = self
            .files
            .keys()
            .map(|p| (p, EntryKind::File))
            .chain(self.symlinks.keys().map(|p| (p, EntryKind::Symlink)));
        for (path, kind) in all {
            if let Some(rest) = path.strip_prefix(&prefix) {
                match rest.split_once('/') {
                    Some((d, _)) => {
                        entries.insert(d.to_string(), EntryKind::Dir);
                    }
                    None => {
                        entries.insert(rest.to_string(), kind);
                    }
                }
            }
        }
        Ok(entries
            .into_iter()
            .map(|(name, kind)| DirEntry { name, kind })
            .collect())
    }

    fn read(&self, path: &str, max: u64) -> Result<Content, SourceError> {
        if self.symlinks.contains_key(path) {
            return Ok(Content::Symlink);
        }
        match self.files.get(path) {
            Some(bytes) if bytes.len() as u64 > max => Ok(Content::TooLarge(bytes.len() as u64)),
            Some(bytes) => Ok(Content::Bytes(bytes.clone())),
            None if self.is_dir(path)? => Ok(Content::NotAFile),
            None => Ok(Content::Missing),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_source_lists_and_walks() {
        let src = MemorySource::new()
            .with("backlog/tasks/task-1 - A.md", "x")
            .with("backlog/config.yml", "y")
            .with("specs/001-a/spec.md", "z");
        let names: Vec<_> = src
            .list_dir("backlog")
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["config.yml", "tasks"]);
        assert_eq!(src.walk("specs").unwrap(), ["specs/001-a/spec.md"]);
        assert!(src.is_dir("backlog/tasks").unwrap());
        assert_eq!(src.read("nope", 10).unwrap(), Content::Missing);
        assert_eq!(
            src.read("backlog/config.yml", 0).unwrap(),
            Content::TooLarge(1)
        );
    }
}

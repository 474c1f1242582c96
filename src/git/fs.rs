//! A plain directory on disk as a [`Source`] (the working tree).

use std::path::{Path, PathBuf};

use crate::source::{Content, DirEntry, EntryKind, Source, SourceError};

/// Files on disk below a root directory. Symlinks are reported, never followed.
#[derive(Debug, Clone)]
pub struct FsSource {
    root: PathBuf,
}

impl FsSource {
    /// A source rooted at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FsSource { root: root.into() }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, rel: &str) -> PathBuf {
        if rel.is_empty() {
            self.root.clone()
        } else {
            self.root.join(rel)
        }
    }
}

/// The escaped form of a file name that is not UTF-8.
fn undecodable(name: &std::ffi::OsStr) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        crate::text::escape_name(name.as_bytes())
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().into_owned()
    }
}

impl Source for FsSource {
    fn label(&self) -> String {
        "working tree".to_string()
    }

    fn list_dir(&self, dir: &str) -> Result<Vec<DirEntry>, SourceError> {
        let rd = match std::fs::read_dir(self.path(dir)) {
            Ok(rd) => rd,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                return Ok(Vec::new())
            }
            Err(e) => return Err(SourceError(format!("cannot list {dir:?}: {e}"))),
        };
        let mut out = Vec::new();
        for entry in rd {
            let entry = entry?;
            let ft = entry.file_type()?;
            let name = match entry.file_name().into_string() {
                Ok(name) => name,
                Err(raw) => {
                    // Reported (by the backlog when it is a task file), never skipped.
                    if !ft.is_dir() {
                        out.push(DirEntry {
                            name: undecodable(&raw),
                            kind: EntryKind::UndecodableName,
                        });
                    }
                    continue;
                }
            };
            let kind = if ft.is_symlink() {
                EntryKind::Symlink
            } else if ft.is_dir() {
                if name == ".git" || entry.path().join(".git").exists() {
                    EntryKind::Submodule
                } else {
                    EntryKind::Dir
                }
            } else {
                EntryKind::File
            };
            out.push(DirEntry { name, kind });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn read(&self, path: &str, max: u64) -> Result<Content, SourceError> {
        let full = self.path(path);
        let meta = match std::fs::symlink_metadata(&full) {
            Ok(m) => m,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                return Ok(Content::Missing)
            }
            Err(e) => return Err(SourceError(format!("cannot read {path:?}: {e}"))),
        };
        if meta.file_type().is_symlink() {
            return Ok(Content::Symlink);
        }
        if !meta.is_file() {
            return Ok(Content::NotAFile);
        }
        if meta.len() > max {
            return Ok(Content::TooLarge(meta.len()));
        }
        Ok(Content::Bytes(std::fs::read(&full)?))
    }

    fn read_many(&self, paths: Vec<String>, max: u64) -> Vec<Result<Content, SourceError>> {
        // File reads on disk overlap well; 10,000 task files read on all cores.
        crate::parallel::map(paths, 128, |p| self.read(&p, max))
    }
}

//! A plain directory on disk as a [`Source`] (the working tree).

use std::path::{Path, PathBuf};

use crate::source::{Content, DirEntry, EntryKind, Source, SourceError, Stamp};

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

impl FsSource {
    /// Reads `path`: what [`FsSource::read_checked`] says, in fewer system calls. The file
    /// is opened without following a symlink (`O_NOFOLLOW`) by its name in its folder,
    /// which `dir` keeps open for the next file in the same folder, and read to the size
    /// its open handle reports. Whatever that open refuses (nothing there, a symlink, a
    /// socket) is left to [`FsSource::read_checked`].
    #[cfg(unix)]
    fn read_in(&self, path: &str, max: u64, dir: &mut OpenDir) -> Result<Content, SourceError> {
        use rustix::fs::{Mode, OFlags};
        let Some((dir_fd, name)) = dir.open(self, path) else {
            return self.read_checked(path, max);
        };
        // Not blocking on a FIFO, not taking a terminal: such a file is not read anyway.
        let flags =
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
        let Ok(fd) = rustix::fs::openat(dir_fd, name, flags, Mode::empty()) else {
            return self.read_checked(path, max);
        };
        let mut file = std::fs::File::from(fd);
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Ok(Content::NotAFile);
        }
        if meta.len() > max {
            return Ok(Content::TooLarge(meta.len()));
        }
        Ok(Content::Bytes(read_sized(&mut file, meta.len())?))
    }

    #[cfg(not(unix))]
    fn read_in(&self, path: &str, max: u64, _dir: &mut OpenDir) -> Result<Content, SourceError> {
        self.read_checked(path, max)
    }

    /// Reads `path` after looking at what it is without following a symlink.
    fn read_checked(&self, path: &str, max: u64) -> Result<Content, SourceError> {
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
}

/// The folder a thread opened its previous file in, kept open for the next file.
#[derive(Default)]
struct OpenDir {
    /// The folder's repo-relative path; `None` before the first file.
    path: Option<String>,
    /// The open folder; `None` when it could not be opened.
    #[cfg(unix)]
    fd: Option<rustix::fd::OwnedFd>,
}

#[cfg(unix)]
impl OpenDir {
    /// The open folder of `path` (opening it unless it is the one open already) and
    /// `path`'s name in it; `None` for a name that is not a file's (`.`, `..`, empty) or a
    /// folder that cannot be opened.
    fn open<'p>(
        &mut self,
        source: &FsSource,
        path: &'p str,
    ) -> Option<(&rustix::fd::OwnedFd, &'p str)> {
        use rustix::fs::{Mode, OFlags};
        let (parent, name) = crate::source::split_parent(path);
        if name.is_empty() || name == "." || name == ".." {
            return None;
        }
        if self.path.as_deref() != Some(parent) {
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
            self.fd = rustix::fs::open(source.path(parent), flags, Mode::empty()).ok();
            self.path = Some(parent.to_string());
        }
        Some((self.fd.as_ref()?, name))
    }
}

/// The stamp of the regular file `name` in the open folder `dir`, its symbolic link not
/// followed; `None` for anything else (missing, a link, a folder, a FIFO).
#[cfg(unix)]
#[allow(clippy::unnecessary_cast)] // The field types differ between platforms.
fn stamp_in(dir: &rustix::fd::OwnedFd, name: &str) -> Option<Stamp> {
    use rustix::fs::{AtFlags, FileType};
    let st = rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW).ok()?;
    if FileType::from_raw_mode(st.st_mode as _) != FileType::RegularFile {
        return None;
    }
    Some(Stamp {
        size: st.st_size as u64,
        mtime: (st.st_mtime as i64, st.st_mtime_nsec as u32),
        ctime: (st.st_ctime as i64, st.st_ctime_nsec as u32),
        ino: st.st_ino as u64,
        dev: st.st_dev as u64,
        mode: st.st_mode as u32,
    })
}

/// Reads a regular file whose open handle reported `size` bytes: one `read` of one byte
/// more than that tells the end, where a read to the end would need a second one that
/// returns nothing. A file that changed size meanwhile is read to its end.
#[cfg(unix)]
fn read_sized(file: &mut std::fs::File, size: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let size = usize::try_from(size).unwrap_or(usize::MAX - 1);
    let mut buf = vec![0u8; size + 1];
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        let n = match file.read(buf.get_mut(filled..).unwrap_or_default()) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        filled += n;
        // A regular file reads short only at its end: done when that end is where the
        // handle said it was.
        if n == 0 || (filled == size && filled < buf.len()) {
            break;
        }
    }
    buf.truncate(filled);
    Ok(buf)
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
        // The names of one folder are unique: an unstable sort gives the one order.
        out.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn read(&self, path: &str, max: u64) -> Result<Content, SourceError> {
        self.read_in(path, max, &mut OpenDir::default())
    }

    #[cfg(unix)]
    fn stamps(&self, paths: &[&str]) -> Option<Vec<Option<Stamp>>> {
        // One `statat` per file in its open folder, on all cores (as the reads go).
        Some(crate::parallel::map_with(
            paths.to_vec(),
            256,
            OpenDir::default,
            |dir, p| {
                let (fd, name) = dir.open(self, p)?;
                stamp_in(fd, name)
            },
        ))
    }

    fn read_many(&self, paths: Vec<String>, max: u64) -> Vec<Result<Content, SourceError>> {
        // File reads on disk overlap well; 10,000 task files read on all cores, each
        // thread keeping the folder of its previous file open.
        crate::parallel::map_with(paths, 128, OpenDir::default, |dir, p| {
            self.read_in(&p, max, dir)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reads by name in an open folder give what the checked read gives, for every
    /// kind of entry: files (empty, small, at and over the limit), symlinks (to a file, to
    /// a folder, dangling), a folder, a FIFO (not blocked on), and missing paths.
    #[cfg(unix)]
    #[test]
    fn reading_in_an_open_folder_agrees_with_the_checked_read() {
        let tmp = assert_fs::TempDir::new().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("a/empty.md"), "").unwrap();
        std::fs::write(root.join("a/small.md"), "---\nid: TASK-1\n---\n").unwrap();
        std::fs::write(root.join("a/b/limit.md"), "x".repeat(100)).unwrap();
        std::fs::write(root.join("a/b/over.md"), "x".repeat(101)).unwrap();
        std::fs::write(root.join("top.md"), "top\r\n").unwrap();
        std::os::unix::fs::symlink(root.join("a/small.md"), root.join("a/link.md")).unwrap();
        std::os::unix::fs::symlink(root.join("a/b"), root.join("a/dirlink")).unwrap();
        std::os::unix::fs::symlink("nowhere", root.join("a/dangling.md")).unwrap();
        let fifo = std::process::Command::new("mkfifo")
            .arg(root.join("a/fifo.md"))
            .status();
        let paths = [
            "a/empty.md",
            "a/small.md",
            "a/b/limit.md",
            "a/b/over.md",
            "top.md",
            "a/link.md",
            "a/dirlink",
            "a/dirlink/limit.md",
            "a/dangling.md",
            "a/fifo.md",
            "a/b",
            "a",
            "",
            "a/missing.md",
            "missing/x.md",
            "a/small.md/x",
        ];
        let source = FsSource::new(root);
        let checked: Vec<_> = paths.iter().map(|p| source.read_checked(p, 100)).collect();
        let mut dir = OpenDir::default();
        let fast: Vec<_> = paths
            .iter()
            .map(|p| source.read_in(p, 100, &mut dir))
            .collect();
        assert_eq!(fast, checked);
        let many = source.read_many(paths.iter().map(|p| p.to_string()).collect(), 100);
        assert_eq!(many, checked);
        assert_eq!(checked[5], Ok(Content::Symlink));
        assert_eq!(checked[3], Ok(Content::TooLarge(101)));
        if fifo.is_ok_and(|s| s.success()) {
            assert_eq!(checked[9], Ok(Content::NotAFile));
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_sized_read_reads_a_file_that_grew_or_shrank_to_its_end() {
        use std::io::{Seek, Write};
        let tmp = assert_fs::TempDir::new().unwrap();
        let path = tmp.path().join("f");
        let mut file = std::fs::File::options()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        file.write_all(&[7u8; 5000]).unwrap();
        for size in [0, 1, 4999, 5000, 5001, 20_000] {
            file.rewind().unwrap();
            assert_eq!(
                read_sized(&mut file, size).unwrap(),
                vec![7u8; 5000],
                "{size}"
            );
        }
    }
}

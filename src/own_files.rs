//! The files flowgate reads and writes for itself, as opposed to the repository's files
//! it checks (those go through [`crate::source::Source`]).
//!
//! It reads the baseline, a `--config` file, the audit cache and the GitHub event
//! payload; it writes the baseline, `init`'s `.flowgate.yml`, the audit cache and
//! reports. A repository can plant anything at those paths, so:
//!
//! - reads are capped in size and take regular files only: a symbolic link is not
//!   followed (`.flowgate-baseline.json -> /dev/zero` would never end), and a FIFO or a
//!   device is refused before it is opened (opening a FIFO blocks);
//! - writes into the repository ([`write_in`]) take a path relative to a root, refuse
//!   one that leaves it (`..`, an absolute path), and never go through a symbolic link,
//!   neither the file's own nor a folder's on the way (a symlinked `.git/flowgate/`);
//! - every write goes to a new temporary file beside the target, then renames it over
//!   the target: a link planted at the target is replaced, not written through.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

/// Why one of flowgate's own files cannot be read or written.
#[derive(Debug)]
pub enum OwnFileError {
    /// The path leaves the root it must stay in.
    Outside(PathBuf),
    /// The path, or a folder on the way to it, is a symbolic link.
    Symlink(PathBuf),
    /// The path is a folder, a FIFO, a device or a socket.
    NotAFile(PathBuf),
    /// The file is larger than the limit.
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        max: u64,
    },
    /// The operating system refused.
    Io(PathBuf, std::io::Error),
}

impl fmt::Display for OwnFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OwnFileError::Outside(p) => write!(
                f,
                "{} is outside the repository; flowgate writes its files only inside it (use a relative path without `..`)",
                p.display()
            ),
            OwnFileError::Symlink(p) => write!(
                f,
                "{} is a symbolic link, which flowgate does not follow for its own files (replace it with a regular file or folder)",
                p.display()
            ),
            OwnFileError::NotAFile(p) => {
                write!(f, "{} is not a regular file", p.display())
            }
            OwnFileError::TooLarge { path, size, max } => write!(
                f,
                "{} is {size} bytes, over the {max}-byte limit",
                path.display()
            ),
            OwnFileError::Io(p, e) => write!(f, "{}: {e}", p.display()),
        }
    }
}

impl std::error::Error for OwnFileError {}

/// Size limit of the baseline file.
pub const MAX_BASELINE: u64 = 64 * 1024 * 1024;
/// Size limit of the audit cache.
pub const MAX_CACHE: u64 = 512 * 1024 * 1024;
/// Size limit of a GitHub event payload (GitHub caps webhook payloads at 25 MB).
pub const MAX_EVENT: u64 = 32 * 1024 * 1024;

/// Reads the regular file `path`, at most `max` bytes; `Ok(None)` when nothing is there.
/// Only the last component is checked for a link: use it for paths the user named (on the
/// command line, in the environment).
pub fn read(path: &Path, max: u64) -> Result<Option<Vec<u8>>, OwnFileError> {
    let Some((file, len)) = open(path, max)? else {
        return Ok(None);
    };
    let io = |e| OwnFileError::Io(path.to_path_buf(), e);
    // The file could have been swapped since the check: read no more than the limit.
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(max + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > max {
        return Err(OwnFileError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            max,
        });
    }
    Ok(Some(bytes))
}

/// The regular file `path`, opened, and its size (at most `max` bytes); `Ok(None)` when
/// nothing is there (see [`read`]).
fn open(path: &Path, max: u64) -> Result<Option<(std::fs::File, u64)>, OwnFileError> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(OwnFileError::Io(path.to_path_buf(), e)),
    };
    if meta.file_type().is_symlink() {
        return Err(OwnFileError::Symlink(path.to_path_buf()));
    }
    if !meta.is_file() {
        return Err(OwnFileError::NotAFile(path.to_path_buf()));
    }
    if meta.len() > max {
        return Err(OwnFileError::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
            max,
        });
    }
    let io = |e| OwnFileError::Io(path.to_path_buf(), e);
    let file = std::fs::File::open(path).map_err(io)?;
    Ok(Some((file, meta.len())))
}

/// The bytes of one of flowgate's own files, mapped (only the pages read are brought in)
/// or read.
pub enum Bytes {
    /// A read-only private mapping of the file.
    #[cfg(all(unix, target_pointer_width = "64"))]
    Mapped(crate::git::map::Map),
    /// The file as read.
    Read(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            #[cfg(all(unix, target_pointer_width = "64"))]
            Bytes::Mapped(map) => map.as_slice(),
            Bytes::Read(bytes) => bytes,
        }
    }
}

/// `rel` below `root`, checked as [`read_in`] checks it, mapped where the system allows,
/// else read; `Ok(None)` when nothing is there. flowgate never writes its own files in
/// place (it renames a new file over the old one: [`write_in`]), so a mapping keeps the
/// bytes it was made with.
pub fn map_in(root: &Path, rel: &str, max: u64) -> Result<Option<Bytes>, OwnFileError> {
    #[cfg(all(unix, target_pointer_width = "64"))]
    {
        let Some((file, len)) = open_in(root, rel, max)? else {
            return Ok(None);
        };
        if let Some(map) = crate::git::map::Map::new(&file, len) {
            return Ok(Some(Bytes::Mapped(map)));
        }
    }
    Ok(read_in(root, rel, max)?.map(Bytes::Read))
}

/// Reads `rel` (a `/`-separated path) below `root` like [`read`], refusing a path that
/// leaves `root` or passes through a symbolic link on the way.
pub fn read_in(root: &Path, rel: &str, max: u64) -> Result<Option<Vec<u8>>, OwnFileError> {
    let path = inside(root, rel)?;
    if !folders_exist(root, &path)? {
        return Ok(None);
    }
    read(&path, max)
}

/// Opens `rel` below `root` as [`read_in`] would read it (a regular file of at most `max`
/// bytes, reached through no symbolic link), for a caller that maps it; with its size.
/// `Ok(None)` when nothing is there.
pub fn open_in(
    root: &Path,
    rel: &str,
    max: u64,
) -> Result<Option<(std::fs::File, u64)>, OwnFileError> {
    let path = inside(root, rel)?;
    if !folders_exist(root, &path)? {
        return Ok(None);
    }
    let io = |e| OwnFileError::Io(path.clone(), e);
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Not through a link, not blocking on a FIFO.
        options.custom_flags(
            (rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits() as i32,
        );
    }
    let file = match options.open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(_) if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) => {
            return Err(OwnFileError::Symlink(path))
        }
        Err(e) => return Err(io(e)),
    };
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(OwnFileError::NotAFile(path));
    }
    if meta.len() > max {
        return Err(OwnFileError::TooLarge {
            path,
            size: meta.len(),
            max,
        });
    }
    Ok(Some((file, meta.len())))
}

/// Writes `bytes` to `rel` below `root`, creating missing folders, never outside `root`
/// and never through a symbolic link (see the module documentation).
pub fn write_in(root: &Path, rel: &str, bytes: &[u8]) -> Result<PathBuf, OwnFileError> {
    write_parts_in(root, rel, &[bytes])
}

/// [`write_in`] of the bytes of `parts` one after the other (without joining them first).
pub fn write_parts_in(root: &Path, rel: &str, parts: &[&[u8]]) -> Result<PathBuf, OwnFileError> {
    write_in_with(root, rel, |out| {
        parts.iter().try_for_each(|b| out.write_all(b))
    })
}

/// [`write_in`] without waiting for the bytes to reach the disk: for a file whose reader
/// checks it whole (a crash can leave it cut short or empty, never wrong unnoticed).
pub fn write_in_unsynced(root: &Path, rel: &str, bytes: &[u8]) -> Result<PathBuf, OwnFileError> {
    write_in_with_sync(root, rel, |out| out.write_all(bytes), false)
}

/// [`write_in`], the contents written by `contents` (through a buffer) instead of held
/// whole: for a file of tens of megabytes put together from parts held elsewhere.
pub fn write_in_with(
    root: &Path,
    rel: &str,
    contents: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<PathBuf, OwnFileError> {
    write_in_with_sync(root, rel, contents, true)
}

/// [`write_in_with`], waiting for the bytes to reach the disk when `sync`.
fn write_in_with_sync(
    root: &Path,
    rel: &str,
    contents: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    sync: bool,
) -> Result<PathBuf, OwnFileError> {
    let path = inside(root, rel)?;
    if !folders_exist(root, &path)? {
        let mut dir = root.to_path_buf();
        for c in path
            .strip_prefix(root)
            .unwrap_or(&path)
            .parent()
            .into_iter()
            .flat_map(Path::components)
        {
            dir.push(c);
            match std::fs::create_dir(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(OwnFileError::Io(dir, e)),
            }
        }
        // Created concurrently as a link? Check again.
        folders_exist(root, &path)?;
    }
    write_with(&path, contents, sync)?;
    Ok(path)
}

/// Writes `bytes` to `path` (a path the user named) through a temporary file renamed over
/// it: a symbolic link at `path` is refused, a folder or a FIFO too.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), OwnFileError> {
    write_with(path, |out| out.write_all(bytes), true)
}

/// [`write()`], the contents written by `contents` (through a buffer), without waiting for
/// them to reach the disk: for a report, which the next run writes again. The old file
/// is still replaced whole (a crash can leave the new one cut short, never a mix of old
/// and new).
pub fn write_report(
    path: &Path,
    contents: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), OwnFileError> {
    write_with(path, contents, false)
}

/// [`write`], the contents written by `contents` through a buffer; the file synced to
/// disk before it replaces the old one when `sync`.
fn write_with(
    path: &Path,
    contents: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    sync: bool,
) -> Result<(), OwnFileError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            return Err(OwnFileError::Symlink(path.to_path_buf()))
        }
        Ok(m) if !m.is_file() => return Err(OwnFileError::NotAFile(path.to_path_buf())),
        _ => {}
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let Some(name) = name else {
        return Err(OwnFileError::NotAFile(path.to_path_buf()));
    };
    let tmp = path.with_file_name(format!(".{name}.tmp{}", std::process::id()));
    let io = |p: &Path, e| OwnFileError::Io(p.to_path_buf(), e);
    // `create_new` fails on anything already there, a dangling link included.
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| io(&tmp, e))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
    let written = contents(&mut out)
        .and_then(|()| {
            out.into_inner()
                .map_err(std::io::IntoInnerError::into_error)
        })
        .and_then(|file| if sync { file.sync_all() } else { Ok(()) });
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(path, e));
    }
    Ok(())
}

/// `root` joined with `rel`, refused when `rel` is absolute or climbs with `..`.
fn inside(root: &Path, rel: &str) -> Result<PathBuf, OwnFileError> {
    let given = Path::new(rel);
    let mut path = root.to_path_buf();
    for c in given.components() {
        match c {
            Component::Normal(part) => path.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(OwnFileError::Outside(given.to_path_buf()))
            }
        }
    }
    if path == root {
        return Err(OwnFileError::NotAFile(given.to_path_buf()));
    }
    Ok(path)
}

/// Whether every folder between `root` and `path` exists, none of them being a link.
fn folders_exist(root: &Path, path: &Path) -> Result<bool, OwnFileError> {
    let Some(parent) = path.parent() else {
        return Ok(true);
    };
    let mut dir = root.to_path_buf();
    for c in parent.strip_prefix(root).unwrap_or(parent).components() {
        dir.push(c);
        match std::fs::symlink_metadata(&dir) {
            Ok(m) if m.file_type().is_symlink() => return Err(OwnFileError::Symlink(dir)),
            Ok(m) if !m.is_dir() => return Err(OwnFileError::NotAFile(dir)),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(OwnFileError::Io(dir, e)),
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mapped own file holds what the checked read of it gives, and nothing where that
    /// read refuses (a link, a link on the way, a FIFO, a folder, over the limit) or finds
    /// nothing.
    #[cfg(unix)]
    #[test]
    fn a_file_mapped_holds_what_reading_it_gives() {
        let tmp = assert_fs::TempDir::new().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("flowgate/dir")).unwrap();
        std::fs::create_dir_all(root.join("elsewhere")).unwrap();
        std::fs::write(root.join("flowgate/memo.bin"), b"memo\0bytes").unwrap();
        std::fs::write(root.join("flowgate/empty.bin"), b"").unwrap();
        std::fs::write(root.join("flowgate/big.bin"), [1u8; 200]).unwrap();
        std::fs::write(root.join("elsewhere/memo.bin"), b"planted").unwrap();
        std::os::unix::fs::symlink(
            root.join("flowgate/memo.bin"),
            root.join("flowgate/link.bin"),
        )
        .unwrap();
        std::os::unix::fs::symlink(root.join("elsewhere"), root.join("linked")).unwrap();
        // Where `mkfifo` fails the path is missing, which both sides read as nothing.
        let _ = std::process::Command::new("mkfifo")
            .arg(root.join("flowgate/fifo.bin"))
            .status();
        for rel in [
            "flowgate/memo.bin",
            "flowgate/empty.bin",
            "flowgate/big.bin",
            "flowgate/link.bin",
            "linked/memo.bin",
            "flowgate/fifo.bin",
            "flowgate/dir",
            "flowgate/missing.bin",
            "missing/memo.bin",
            "../memo.bin",
        ] {
            let read = read_in(root, rel, 100).ok().flatten().unwrap_or_default();
            assert_eq!(
                map_in(root, rel, 100)
                    .ok()
                    .flatten()
                    .as_deref()
                    .unwrap_or_default(),
                read,
                "{rel}"
            );
        }
        assert_eq!(
            map_in(root, "flowgate/memo.bin", 100)
                .ok()
                .flatten()
                .as_deref()
                .unwrap_or_default(),
            b"memo\0bytes"
        );
    }

    fn temp() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "flowgate-own-files-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn reads_are_capped_and_take_regular_files_only() {
        let root = temp();
        std::fs::write(root.join("a.json"), "12345").unwrap();
        assert_eq!(
            read_in(&root, "a.json", 5).unwrap(),
            Some(b"12345".to_vec())
        );
        assert!(matches!(
            read_in(&root, "a.json", 4),
            Err(OwnFileError::TooLarge { size: 5, .. })
        ));
        assert_eq!(read_in(&root, "none/b.json", 5).unwrap(), None);
        assert!(matches!(
            read_in(&root, "", 5),
            Err(OwnFileError::NotAFile(_))
        ));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/dev/zero", root.join("zero")).unwrap();
            assert!(matches!(
                read_in(&root, "zero", 5),
                Err(OwnFileError::Symlink(_))
            ));
            assert!(matches!(
                read(Path::new("/dev/zero"), 5),
                Err(OwnFileError::NotAFile(_))
            ));
            std::os::unix::fs::symlink(&root, root.join("linked")).unwrap();
            assert!(matches!(
                read_in(&root, "linked/a.json", 5),
                Err(OwnFileError::Symlink(_))
            ));
        }
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn writes_stay_inside_and_replace_no_link_target() {
        let root = temp();
        let path = write_in(&root, "x/y/out.json", b"one").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        write_in(&root, "x/y/out.json", b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        for outside in ["../out.json", "/tmp/out.json", "x/../../out.json"] {
            assert!(
                matches!(
                    write_in(&root, outside, b"!"),
                    Err(OwnFileError::Outside(_))
                ),
                "{outside}"
            );
        }
        #[cfg(unix)]
        {
            let target = root.join("target.txt");
            std::os::unix::fs::symlink(&target, root.join("dangling")).unwrap();
            assert!(matches!(
                write_in(&root, "dangling", b"!"),
                Err(OwnFileError::Symlink(_))
            ));
            assert!(!target.exists());
            std::os::unix::fs::symlink(root.join("x"), root.join("via")).unwrap();
            assert!(matches!(
                write_in(&root, "via/y/out.json", b"!"),
                Err(OwnFileError::Symlink(_))
            ));
        }
        let names: Vec<_> = std::fs::read_dir(root.join("x/y"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}

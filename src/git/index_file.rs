//! A read-only parser of git's index file (`DIRC`, versions 2, 3 and 4), for the hooks:
//! one read of the file, one buffer for all paths, no checksum of the whole file, and the
//! cache-tree (`TREE`) extension, which says which folders are unchanged since the last
//! tree was written. Anything it does not fully understand (split index, sparse index,
//! an unknown mandatory extension, a hash that is not SHA-1) makes [`IndexFile::parse`]
//! answer `None`, and callers fall back to libgit2.

use git2::Oid;

/// Length of a SHA-1 object id.
const OID_LEN: usize = 20;
/// Stage bits of an entry's flags.
const STAGE_MASK: u16 = 0x3000;
/// "An extended flags word follows" (index version 3 and later).
const EXTENDED: u16 = 0x4000;
/// Extended flag: `git add -N`.
const INTENT_TO_ADD: u16 = 0x2000;

/// One index entry.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    path_start: u32,
    path_len: u32,
    /// File mode as git stores it (`0o100644`, `0o100755`, `0o120000`, `0o160000`).
    pub mode: u32,
    /// Blob (or submodule commit) id.
    pub id: Oid,
    /// Merge stage: 0 merged, 1 base, 2 ours, 3 theirs.
    pub stage: u8,
    /// Added with `git add -N` (intent to add).
    pub intent_to_add: bool,
}

/// One node of the cache tree: a folder whose tree id git knows, when it is still valid.
#[derive(Debug, Clone)]
pub struct CacheTree {
    /// The folder's name (empty for the root).
    pub name: Vec<u8>,
    /// The tree id; `None` when the folder changed since the tree was written.
    pub id: Option<Oid>,
    /// Subfolders, in the order git wrote them.
    pub children: Vec<CacheTree>,
}

impl CacheTree {
    /// The child folder `name`.
    pub fn child(&self, name: &[u8]) -> Option<&CacheTree> {
        self.children.iter().find(|c| c.name == name)
    }
}

/// A parsed index.
#[derive(Debug, Default)]
pub struct IndexFile {
    paths: Vec<u8>,
    entries: Vec<Entry>,
    /// The cache tree, when the index has one.
    pub tree: Option<CacheTree>,
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let out = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }

    fn u16(&mut self) -> Option<u16> {
        let b = self.take(2)?;
        Some(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
    }

    fn u32(&mut self) -> Option<u32> {
        let b = self.take(4)?;
        Some(u32::from_be_bytes(b.try_into().ok()?))
    }

    /// Bytes up to the next NUL; the NUL is consumed.
    fn until_nul(&mut self) -> Option<&'a [u8]> {
        let rest = self.data.get(self.pos..)?;
        let n = rest.iter().position(|b| *b == 0)?;
        let out = rest.get(..n)?;
        self.pos += n + 1;
        Some(out)
    }

    /// git's offset varint (`decode_varint`), used by index version 4.
    fn varint(&mut self) -> Option<usize> {
        let mut c = *self.take(1)?.first()?;
        let mut val = usize::from(c & 0x7f);
        while c & 0x80 != 0 {
            val = val.checked_add(1)?;
            c = *self.take(1)?.first()?;
            val = val.checked_mul(128)?.checked_add(usize::from(c & 0x7f))?;
        }
        Some(val)
    }
}

impl IndexFile {
    /// Reads and parses the index at `path`; `None` when it is missing or not supported.
    pub fn open(path: &std::path::Path) -> Option<IndexFile> {
        let data = std::fs::read(path).ok()?;
        IndexFile::parse(&data)
    }

    /// Parses an index file's bytes; `None` when they are not a supported index.
    pub fn parse(data: &[u8]) -> Option<IndexFile> {
        let body_end = data.len().checked_sub(OID_LEN)?;
        let body = data.get(..body_end)?;
        let mut r = Reader { data: body, pos: 0 };
        if r.take(4)? != b"DIRC" {
            return None;
        }
        let version = r.u32()?;
        if !(2..=4).contains(&version) {
            return None;
        }
        let count = r.u32()? as usize;
        let mut out = IndexFile {
            paths: Vec::with_capacity(count.min(1 << 20) * 48),
            entries: Vec::with_capacity(count.min(1 << 20)),
            tree: None,
        };
        let mut prev: (usize, usize) = (0, 0);
        for _ in 0..count {
            let start = r.pos;
            r.take(24)?; // ctime, mtime, dev, ino
            let mode = r.u32()?;
            r.take(12)?; // uid, gid, size
            let id = Oid::from_bytes(r.take(OID_LEN)?).ok()?;
            let flags = r.u16()?;
            let mut intent_to_add = false;
            if flags & EXTENDED != 0 {
                if version < 3 {
                    return None;
                }
                intent_to_add = r.u16()? & INTENT_TO_ADD != 0;
            }
            if mode & 0o170000 == 0o040000 {
                return None; // a sparse-index directory entry
            }
            let path_start = out.paths.len();
            if version == 4 {
                let strip = r.varint()?;
                let keep = prev.1.checked_sub(strip)?;
                out.paths.extend_from_within(prev.0..prev.0 + keep);
                out.paths.extend_from_slice(r.until_nul()?);
            } else {
                out.paths.extend_from_slice(r.until_nul()?);
                // Entries are padded with NULs to a multiple of eight bytes.
                let len = r.pos - start;
                let padded = (len + 7) & !7;
                r.take(padded - len)?;
            }
            let path_len = out.paths.len() - path_start;
            prev = (path_start, path_len);
            out.entries.push(Entry {
                path_start: u32::try_from(path_start).ok()?,
                path_len: u32::try_from(path_len).ok()?,
                mode,
                id,
                stage: ((flags & STAGE_MASK) >> 12) as u8,
                intent_to_add,
            });
        }
        // Extensions, up to the trailing checksum.
        while r.pos < body.len() {
            let sig = r.take(4)?;
            let size = r.u32()? as usize;
            let ext = r.take(size)?;
            match sig {
                b"TREE" => out.tree = parse_tree(ext),
                // Optional extensions (first letter upper-case) may be ignored; any other
                // one (split index `link`, sparse index `sdir`, …) changes the meaning.
                [first, ..] if first.is_ascii_uppercase() => {}
                _ => return None,
            }
        }
        (r.pos == body.len()).then_some(out)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the index has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// All entries, sorted by path bytes, then stage.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Entry `i`.
    pub fn get(&self, i: usize) -> Option<&Entry> {
        self.entries.get(i)
    }

    /// The path of `entry`.
    pub fn path(&self, entry: &Entry) -> &[u8] {
        let start = entry.path_start as usize;
        self.paths
            .get(start..start + entry.path_len as usize)
            .unwrap_or_default()
    }

    /// The path of entry `i` (empty past the end).
    pub fn path_at(&self, i: usize) -> &[u8] {
        self.get(i).map(|e| self.path(e)).unwrap_or_default()
    }

    /// The position of the first entry whose path is not below `key` (entries are sorted
    /// by path bytes, then stage).
    pub fn lower_bound(&self, key: &[u8]) -> usize {
        self.entries.partition_point(|e| self.path(e) < key)
    }

    /// The entry at `path` in `stage`.
    pub fn find(&self, path: &[u8], stage: u8) -> Option<&Entry> {
        let mut i = self.lower_bound(path);
        while let Some(e) = self.entries.get(i) {
            if self.path(e) != path {
                return None;
            }
            if e.stage == stage {
                return Some(e);
            }
            i += 1;
        }
        None
    }

    /// True when some entry is conflicted (stage > 0) or added with intent to add.
    pub fn has_special_entries(&self) -> bool {
        self.entries.iter().any(|e| e.stage != 0 || e.intent_to_add)
    }
}

/// Parses the `TREE` extension: preorder nodes of `name NUL entries SP subtrees LF [oid]`.
fn parse_tree(data: &[u8]) -> Option<CacheTree> {
    let mut r = Reader { data, pos: 0 };
    let root = parse_node(&mut r, 0)?;
    (r.pos == data.len()).then_some(root)
}

fn parse_node(r: &mut Reader<'_>, depth: usize) -> Option<CacheTree> {
    if depth > 4096 {
        return None;
    }
    let name = r.until_nul()?.to_vec();
    let rest = r.data.get(r.pos..)?;
    let nl = rest.iter().position(|b| *b == b'\n')?;
    let line = std::str::from_utf8(rest.get(..nl)?).ok()?;
    r.pos += nl + 1;
    let (entries, subtrees) = line.split_once(' ')?;
    let entries: i64 = entries.parse().ok()?;
    let subtrees: usize = subtrees.parse().ok()?;
    let id = if entries >= 0 {
        Some(Oid::from_bytes(r.take(OID_LEN)?).ok()?)
    } else {
        None
    };
    let mut children = Vec::with_capacity(subtrees.min(1024));
    for _ in 0..subtrees {
        children.push(parse_node(r, depth + 1)?);
    }
    Some(CacheTree { name, id, children })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) {
        let status = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(dir)
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    fn repo() -> assert_fs::TempDir {
        let dir = assert_fs::TempDir::new().unwrap();
        git(dir.path(), &["init", "-q", "-b", "main"]);
        for (p, c) in [
            ("a.txt", "a"),
            ("b/c.md", "c"),
            ("b/d/e.md", "e"),
            ("b-x.txt", "bx"),
            ("z/long/path/name/that/is/deep.txt", "deep"),
        ] {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, c).unwrap();
        }
        git(dir.path(), &["add", "."]);
        git(dir.path(), &["commit", "-q", "-m", "one"]);
        dir
    }

    /// Compares the parser's entries with libgit2's view of the same file.
    fn same_as_libgit2(dir: &Path) -> IndexFile {
        let file = dir.join(".git/index");
        let ours = IndexFile::open(&file).expect("parsed");
        let theirs = git2::Index::open(&file).unwrap();
        assert_eq!(ours.len(), theirs.len());
        for (i, e) in theirs.iter().enumerate() {
            let o = ours.get(i).unwrap();
            assert_eq!(ours.path(o), e.path.as_slice());
            assert_eq!(o.mode, e.mode);
            assert_eq!(o.id, e.id);
            assert_eq!(u16::from(o.stage), (e.flags >> 12) & 3);
        }
        ours
    }

    #[test]
    fn version_2_with_cache_tree() {
        let dir = repo();
        let index = same_as_libgit2(dir.path());
        let tree = index.tree.as_ref().expect("cache tree");
        let handle = git2::Repository::open(dir.path()).unwrap();
        let head = handle.head().unwrap().peel_to_tree().unwrap();
        assert_eq!(tree.id, Some(head.id()));
        let b = tree.child(b"b").unwrap();
        assert_eq!(b.id, Some(head.get_name("b").unwrap().id()));
        // Staging a change invalidates the folders above it.
        std::fs::write(dir.path().join("b/d/e.md"), "changed").unwrap();
        git(dir.path(), &["add", "b/d/e.md"]);
        let index = same_as_libgit2(dir.path());
        let tree = index.tree.as_ref().unwrap();
        assert_eq!(tree.id, None);
        assert_eq!(tree.child(b"b").unwrap().id, None);
        assert!(tree.child(b"z").unwrap().id.is_some());
        assert!(index.find(b"b/c.md", 0).is_some());
        assert!(index.find(b"b/c", 0).is_none());
    }

    #[test]
    fn version_4_prefix_compressed() {
        let dir = repo();
        git(dir.path(), &["update-index", "--index-version", "4"]);
        let data = std::fs::read(dir.path().join(".git/index")).unwrap();
        assert_eq!(data.get(4..8), Some(&[0u8, 0, 0, 4][..]));
        same_as_libgit2(dir.path());
    }

    #[test]
    fn version_3_intent_to_add() {
        let dir = repo();
        std::fs::write(dir.path().join("new.md"), "n").unwrap();
        git(dir.path(), &["add", "-N", "new.md"]);
        let data = std::fs::read(dir.path().join(".git/index")).unwrap();
        assert_eq!(data.get(4..8), Some(&[0u8, 0, 0, 3][..]));
        let index = same_as_libgit2(dir.path());
        assert!(index.find(b"new.md", 0).unwrap().intent_to_add);
        assert!(index.has_special_entries());
    }

    #[test]
    fn conflicted_index() {
        let dir = repo();
        git(dir.path(), &["checkout", "-q", "-b", "other"]);
        std::fs::write(dir.path().join("a.txt"), "other").unwrap();
        git(dir.path(), &["commit", "-q", "-am", "other"]);
        git(dir.path(), &["checkout", "-q", "main"]);
        std::fs::write(dir.path().join("a.txt"), "main").unwrap();
        git(dir.path(), &["commit", "-q", "-am", "main"]);
        let _ = Command::new("git")
            .args(["merge", "-q", "other"])
            .current_dir(dir.path())
            .output();
        let index = same_as_libgit2(dir.path());
        assert!(index.find(b"a.txt", 2).is_some());
        assert!(index.find(b"a.txt", 3).is_some());
        assert!(index.has_special_entries());
    }

    #[test]
    fn unsupported_and_corrupt() {
        assert!(IndexFile::parse(b"").is_none());
        assert!(IndexFile::parse(&[0u8; 40]).is_none());
        let dir = repo();
        let mut data = std::fs::read(dir.path().join(".git/index")).unwrap();
        assert!(IndexFile::parse(&data).is_some());
        // A mandatory (lower-case) extension it does not know.
        let at = data.len() - 20;
        data.splice(at..at, b"link\0\0\0\0".iter().copied());
        assert!(IndexFile::parse(&data).is_none());
        // Truncated anywhere: never a panic.
        let data = std::fs::read(dir.path().join(".git/index")).unwrap();
        for n in 0..data.len() {
            let _ = IndexFile::parse(&data[..n]);
        }
    }
}

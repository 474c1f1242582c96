//! A read-only parser of git's index file (`DIRC`, versions 2, 3 and 4), for the hooks:
//! the file mapped into memory (read, when small), its names used where they lie (versions
//! 2 and 3), no checksum of the whole file, and the
//! cache-tree (`TREE`) extension, which says which folders are unchanged since the last
//! tree was written.
//!
//! [`IndexFile::load`] also reads the two layouts libgit2 cannot: a split index
//! (`core.splitIndex`: the `link` extension names a shared index file, and two EWAH bitmaps
//! say which of its entries are replaced or deleted) and a sparse index
//! (`sparse-checkout --sparse-index`: one entry per folder left out of the checkout, which
//! is expanded here to that folder's files by reading its tree, as git itself does for a
//! command that needs every path). Anything it does not fully understand (an unknown
//! mandatory extension, a hash that is not SHA-1, a corrupt bitmap, a missing shared
//! index) makes it answer `None`, and callers fall back to libgit2.

use std::path::Path;
use std::rc::Rc;

use git2::Oid;

use super::tree::RawTree;

/// Length of a SHA-1 object id.
const OID_LEN: usize = 20;
/// Length of an entry's fixed part: stat data, mode, id and flags.
const ENTRY_HEAD: usize = 62;
/// Stage bits of an entry's flags.
const STAGE_MASK: u16 = 0x3000;
/// Length bits of an entry's flags (0xFFF: the name is that long or longer).
const NAME_MASK: u16 = 0x0FFF;
/// "An extended flags word follows" (index version 3 and later).
const EXTENDED: u16 = 0x4000;
/// Extended flag: `git add -N`.
const INTENT_TO_ADD: u16 = 0x2000;
/// Extended flag: left out of the working tree by a sparse checkout.
const SKIP_WORKTREE: u16 = 0x4000;
/// Mode bits of a folder (a sparse index's directory entry).
const DIR_MODE: u32 = 0o040000;
/// How deep folders may nest when a sparse directory entry is expanded.
const MAX_DEPTH: usize = 4096;

/// One index entry.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    path_start: u32,
    path_len: u32,
    /// File mode as git stores it (`0o100644`, `0o100755`, `0o120000`, `0o160000`).
    pub mode: u32,
    /// Blob (or submodule commit) id, raw (see [`Entry::id`]).
    oid: [u8; OID_LEN],
    /// Merge stage: 0 merged, 1 base, 2 ours, 3 theirs.
    pub stage: u8,
    /// Added with `git add -N` (intent to add).
    pub intent_to_add: bool,
    /// Left out of the working tree by a sparse checkout (`skip-worktree`).
    pub skip_worktree: bool,
}

impl Entry {
    /// Blob (or submodule commit) id.
    pub fn id(&self) -> Oid {
        // Twenty bytes always make an id; the conversion is kept out of the parse loop.
        Oid::from_bytes(&self.oid).unwrap_or(Oid::ZERO_SHA1)
    }

    /// The id's raw bytes, as a tree stores them.
    pub fn id_bytes(&self) -> &[u8; OID_LEN] {
        &self.oid
    }

    /// Conflicted (stage > 0) or added with intent to add.
    fn is_special(&self) -> bool {
        self.stage != 0 || self.intent_to_add
    }

    /// A folder (a sparse index's directory entry).
    fn is_folder(&self) -> bool {
        self.mode & 0o170000 == DIR_MODE
    }
}

/// Where the parts of the entry that starts at `at` lie: its flags, its extended flags
/// (version 3 and later), and where its name starts.
struct Place {
    flags: u16,
    extended: u16,
    name_start: usize,
}

impl Place {
    /// The entry that starts at `at` in an index file of `version`; `None` when it is cut
    /// short, or has extended flags in version 2.
    fn of(data: &[u8], at: usize, version: u32) -> Option<Place> {
        let head_end = at.checked_add(ENTRY_HEAD)?;
        let flags: [u8; 2] = data.get(head_end - 2..head_end)?.try_into().ok()?;
        let flags = u16::from_be_bytes(flags);
        if flags & EXTENDED == 0 {
            return Some(Place {
                flags,
                extended: 0,
                name_start: head_end,
            });
        }
        if version < 3 {
            return None;
        }
        let word: [u8; 2] = data.get(head_end..head_end + 2)?.try_into().ok()?;
        Some(Place {
            flags,
            extended: u16::from_be_bytes(word),
            name_start: head_end + 2,
        })
    }

    /// Versions 2 and 3, whose names are stored whole: the name's length, and where the
    /// next entry starts; `None` when the name does not end in a NUL within `data`.
    fn name_and_end(&self, data: &[u8], at: usize) -> Option<(usize, usize)> {
        // The flags carry the name's length below 0xFFF (as git reads it, the NUL is only
        // searched for a longer name).
        let name_len = usize::from(self.flags & NAME_MASK);
        let name_len = if name_len < usize::from(NAME_MASK) {
            (data.get(self.name_start + name_len) == Some(&0)).then_some(name_len)?
        } else {
            memchr::memchr(0, data.get(self.name_start..)?)?
        };
        // Entries are padded with NULs to a multiple of eight bytes (at least one NUL).
        let len = self.name_start + name_len + 1 - at;
        let end = at + ((len + 7) & !7);
        (end <= data.len()).then_some((name_len, end))
    }

    /// The entry that starts at `at`, its name `path_len` bytes at `path_start` (of the
    /// file's bytes, or of the decoded names of version 4).
    fn entry(&self, data: &[u8], at: usize, path_start: usize, path_len: usize) -> Option<Entry> {
        // ctime, mtime, dev, ino, mode, uid, gid, size, id, flags: fixed offsets.
        let head: &[u8; ENTRY_HEAD] = data.get(at..at.checked_add(ENTRY_HEAD)?)?.try_into().ok()?;
        let mut oid = [0; OID_LEN];
        oid.copy_from_slice(&head[40..40 + OID_LEN]);
        Some(Entry {
            path_start: u32::try_from(path_start).ok()?,
            path_len: u32::try_from(path_len).ok()?,
            mode: mode_of(head),
            oid,
            stage: ((self.flags & STAGE_MASK) >> 12) as u8,
            intent_to_add: self.extended & INTENT_TO_ADD != 0,
            skip_worktree: self.extended & SKIP_WORKTREE != 0,
        })
    }
}

/// The mode of an entry's fixed part.
fn mode_of(head: &[u8; ENTRY_HEAD]) -> u32 {
    u32::from_be_bytes([head[24], head[25], head[26], head[27]])
}

/// What [`entry_starts`] gathers of the entries' flags: or-ed together.
#[derive(Default)]
struct AnyFlags {
    /// The stage bits.
    stage: u16,
    /// The extended flags.
    extended: u16,
    /// Some entry is a folder.
    folder: bool,
}

impl AnyFlags {
    /// Some entry is conflicted (stage > 0) or added with intent to add.
    fn is_special(&self) -> bool {
        self.stage != 0 || self.extended & INTENT_TO_ADD != 0
    }
}

/// Where each of the `count` entries of an index file of version 2 or 3 starts (the first
/// at `at`), where the last ends, and their flags or-ed: one pass over their lengths (as
/// [`Place::of`] and [`Place::name_and_end`] read one entry), nothing decoded or copied,
/// the fixed part of each entry bounds-checked once. `None` when an entry is cut short,
/// has extended flags in version 2, or its name does not end in a NUL.
fn entry_starts(
    body: &[u8],
    mut at: usize,
    count: usize,
    version: u32,
) -> Option<(Vec<u32>, usize, AnyFlags)> {
    let mut starts = Vec::with_capacity(count.min(1 << 20));
    let mut any = AnyFlags::default();
    for _ in 0..count {
        let head: &[u8; ENTRY_HEAD] = body.get(at..at.checked_add(ENTRY_HEAD)?)?.try_into().ok()?;
        let [.., hi, lo] = *head;
        let flags = u16::from_be_bytes([hi, lo]);
        let mut name_start = at + ENTRY_HEAD;
        if flags & EXTENDED != 0 {
            if version < 3 {
                return None;
            }
            let word: [u8; 2] = body.get(name_start..name_start + 2)?.try_into().ok()?;
            any.extended |= u16::from_be_bytes(word);
            name_start += 2;
        }
        any.stage |= flags & STAGE_MASK;
        any.folder |= mode_of(head) & 0o170000 == DIR_MODE;
        let name_len = usize::from(flags & NAME_MASK);
        let name_len = if name_len < usize::from(NAME_MASK) {
            (body.get(name_start + name_len) == Some(&0)).then_some(name_len)?
        } else {
            memchr::memchr(0, body.get(name_start..)?)?
        };
        starts.push(u32::try_from(at).ok()?);
        // Entries are padded with NULs to a multiple of eight bytes (at least one NUL).
        at += (name_start + name_len + 1 - at + 7) & !7;
    }
    (at <= body.len()).then_some((starts, at, any))
}

/// The entry that starts at `at` in an index file of version 2 or 3, read where it lies.
fn entry_in_place(data: &[u8], at: usize) -> Option<Entry> {
    // Version 3 reads a version 2 entry alike (parsing refused extended flags in version 2).
    let place = Place::of(data, at, 3)?;
    let (name_len, _) = place.name_and_end(data, at)?;
    place.entry(data, at, place.name_start, name_len)
}

/// The cache tree (the index's `TREE` extension): the folders whose tree ids git knows,
/// each with its subfolders. Read in one pass into a flat table of nodes in git's
/// (preorder) order, their names left in a copy of the extension's bytes: an index of
/// thousands of folders is opened without an allocation per folder, and a hook asks for
/// a few of them.
#[derive(Debug, Clone)]
pub struct CacheTree {
    /// The extension's bytes, which the nodes' names point into.
    data: Vec<u8>,
    /// Every node, in preorder; the root first.
    nodes: Vec<CacheEntry>,
}

/// One node of [`CacheTree`]'s table.
#[derive(Debug, Clone, Copy)]
struct CacheEntry {
    /// Where the folder's name is in the extension's bytes.
    name: (u32, u32),
    /// The tree id, raw; `None` when the folder changed since the tree was written.
    id: Option<[u8; OID_LEN]>,
    /// The position of the first node after this one's subfolders (all of them, at every
    /// depth): its next sibling, if it has one.
    end: u32,
}

/// One folder of the cache tree.
#[derive(Debug, Clone, Copy)]
pub struct CacheNode<'a> {
    tree: &'a CacheTree,
    at: usize,
}

impl CacheTree {
    /// The root folder.
    pub fn root(&self) -> CacheNode<'_> {
        CacheNode { tree: self, at: 0 }
    }
}

impl<'a> CacheNode<'a> {
    fn entry(&self) -> Option<&'a CacheEntry> {
        self.tree.nodes.get(self.at)
    }

    /// The folder's name (empty for the root).
    pub fn name(&self) -> &'a [u8] {
        self.entry()
            .and_then(|e| self.tree.data.get(e.name.0 as usize..e.name.1 as usize))
            .unwrap_or_default()
    }

    /// The tree id; `None` when the folder changed since the tree was written.
    pub fn id(&self) -> Option<Oid> {
        Oid::from_bytes(&self.entry()?.id?).ok()
    }

    /// The child folder `name`.
    pub fn child(&self, name: &[u8]) -> Option<CacheNode<'a>> {
        let end = self.entry()?.end as usize;
        let mut at = self.at + 1;
        while at < end {
            let node = CacheNode {
                tree: self.tree,
                at,
            };
            if node.name() == name {
                return Some(node);
            }
            at = node.entry()?.end as usize;
        }
        None
    }
}

/// A parsed index.
#[derive(Debug)]
pub struct IndexFile {
    /// The names: the index file's own bytes (versions 2 and 3), or a buffer of their own.
    paths: Bytes,
    entries: Entries,
    /// Some entry is conflicted (stage > 0) or added with intent to add.
    special: bool,
    /// Some entry is a folder (a sparse index's directory entry).
    folders: bool,
    /// The cache tree, when the index has one.
    pub tree: Option<CacheTree>,
}

/// The entries of an index.
#[derive(Debug)]
enum Entries {
    /// Decoded (index version 4, whose names are stored as cuts of the previous one; a
    /// split index merged with its shared index; a sparse index expanded).
    Decoded(Vec<Entry>),
    /// Where each entry starts in the file (versions 2 and 3): an entry is decoded when it
    /// is read, so that opening an index of 50,000 entries costs one pass over their
    /// lengths, and a hook that reads a few of them decodes only those.
    InPlace(Vec<u32>),
}

/// Bytes read from a file: mapped into memory when the file is large (no copy, and only
/// the pages read are brought in), else read into a buffer.
enum Bytes {
    Owned(Vec<u8>),
    #[cfg(all(unix, target_pointer_width = "64"))]
    Mapped(super::map::Map),
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} bytes", self.as_slice().len())
    }
}

/// Files below this size are read, not mapped: mapping costs more than it saves.
#[cfg(all(unix, target_pointer_width = "64"))]
const MAP_MIN: u64 = 256 << 10;

impl Bytes {
    /// The file at `path`; `None` when it cannot be read.
    fn read(path: &Path) -> Option<Bytes> {
        let mut file = std::fs::File::open(path).ok()?;
        #[cfg(all(unix, target_pointer_width = "64"))]
        {
            let len = file.metadata().ok()?.len();
            if len >= MAP_MIN {
                if let Some(map) = super::map::Map::new(&file, len) {
                    return Some(Bytes::Mapped(map));
                }
            }
        }
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut data).ok()?;
        Some(Bytes::Owned(data))
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Owned(v) => v,
            #[cfg(all(unix, target_pointer_width = "64"))]
            Bytes::Mapped(m) => m.as_slice(),
        }
    }
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

    fn u32(&mut self) -> Option<u32> {
        let b = self.take(4)?;
        Some(u32::from_be_bytes(b.try_into().ok()?))
    }

    /// Bytes up to the next NUL; the NUL is consumed.
    fn until_nul(&mut self) -> Option<&'a [u8]> {
        let rest = self.data.get(self.pos..)?;
        let n = memchr::memchr(0, rest)?;
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
        let (index, link) = IndexFile::parse_file(Bytes::read(path)?)?;
        (link.is_none() && !index.has_folders()).then_some(index)
    }

    /// Parses an index file's bytes; `None` when they are not a supported index (a split
    /// or sparse index included: those need [`IndexFile::load`]).
    pub fn parse(data: &[u8]) -> Option<IndexFile> {
        let (index, link) = IndexFile::parse_file(Bytes::Owned(data.to_vec()))?;
        (link.is_none() && !index.has_folders()).then_some(index)
    }

    /// Reads the index at `path` as git sees it: a split index merged with its shared
    /// index (`sharedindex.<id>` in `git_dir`, else beside `path`), and the folders of a
    /// sparse index expanded to their files, each folder's tree read with `tree`.
    /// `None` when the file is missing or not supported.
    pub fn load(
        path: &Path,
        git_dir: &Path,
        tree: &dyn Fn(Oid) -> Option<Rc<RawTree>>,
    ) -> Option<IndexFile> {
        let (mut index, link) = IndexFile::parse_file(Bytes::read(path)?)?;
        if let Some(link) = link {
            index = link.merge(index, path, git_dir)?;
        }
        if index.has_folders() {
            index = index.expand(tree)?;
        }
        Some(index)
    }

    /// True when some entry is a folder (a sparse index's directory entry).
    fn has_folders(&self) -> bool {
        self.folders
    }

    /// An empty index with the cache tree `tree`, for entries about to be pushed.
    fn with_tree(tree: Option<CacheTree>, entries: usize, path_bytes: usize) -> IndexFile {
        IndexFile {
            paths: Bytes::Owned(Vec::with_capacity(path_bytes)),
            entries: Entries::Decoded(Vec::with_capacity(entries)),
            special: false,
            folders: false,
            tree,
        }
    }

    /// Appends `entry` at `path` (callers push in index order).
    fn push(&mut self, path: &[u8], entry: Entry) -> Option<()> {
        let (Bytes::Owned(paths), Entries::Decoded(entries)) = (&mut self.paths, &mut self.entries)
        else {
            return None;
        };
        self.special |= entry.is_special();
        self.folders |= entry.is_folder();
        let path_start = paths.len();
        paths.extend_from_slice(path);
        entries.push(Entry {
            path_start: u32::try_from(path_start).ok()?,
            path_len: u32::try_from(path.len()).ok()?,
            ..entry
        });
        Some(())
    }

    /// Replaces every folder entry by the files of its tree (all skip-worktree, stage 0).
    fn expand(self, tree: &dyn Fn(Oid) -> Option<Rc<RawTree>>) -> Option<IndexFile> {
        let mut out =
            IndexFile::with_tree(self.tree.clone(), self.len(), self.paths.as_slice().len());
        let mut prefix = Vec::new();
        for e in self.iter() {
            let path = self.path(&e);
            if !e.is_folder() {
                out.push(path, e)?;
                continue;
            }
            prefix.clear();
            prefix.extend_from_slice(path);
            if !prefix.ends_with(b"/") {
                prefix.push(b'/');
            }
            expand_tree(&mut out, e.id(), &mut prefix, tree, 0)?;
        }
        Some(out)
    }

    /// The entries and cache tree of one index file, and its `link` extension (split
    /// index) when it has one. In versions 2 and 3 the names are not copied: the file's
    /// bytes become the index's path buffer and each entry points into it.
    fn parse_file(data: Bytes) -> Option<(IndexFile, Option<Link>)> {
        let bytes = data.as_slice();
        let body_end = bytes.len().checked_sub(OID_LEN)?;
        let body = bytes.get(..body_end)?;
        let mut r = Reader { data: body, pos: 0 };
        if r.take(4)? != b"DIRC" {
            return None;
        }
        let version = r.u32()?;
        if !(2..=4).contains(&version) {
            return None;
        }
        let count = r.u32()? as usize;
        let (mut special, mut folders) = (false, false);
        // Version 4 only: the names, decoded (each is stored as a cut of the previous one).
        let mut names: Option<Vec<u8>> = None;
        let entries = if version == 4 {
            let names = names.insert(Vec::new());
            let mut entries = Vec::with_capacity(count.min(1 << 20));
            let mut prev: (usize, usize) = (0, 0);
            for _ in 0..count {
                let at = r.pos;
                let place = Place::of(body, at, version)?;
                r.pos = place.name_start;
                let strip = r.varint()?;
                let keep = prev.1.checked_sub(strip)?;
                let path_start = names.len();
                names.extend_from_within(prev.0..prev.0 + keep);
                names.extend_from_slice(r.until_nul()?);
                prev = (path_start, names.len() - path_start);
                let entry = place.entry(body, at, prev.0, prev.1)?;
                special |= entry.is_special();
                folders |= entry.is_folder();
                entries.push(entry);
            }
            Entries::Decoded(entries)
        } else {
            let (starts, end, flags) = entry_starts(body, r.pos, count, version)?;
            special = flags.is_special();
            folders = flags.folder;
            r.pos = end;
            Entries::InPlace(starts)
        };
        let mut tree = None;
        let mut link = None;
        // Extensions, up to the trailing checksum.
        while r.pos < body.len() {
            let sig = r.take(4)?;
            let size = r.u32()? as usize;
            let ext = r.take(size)?;
            match sig {
                b"TREE" => tree = parse_tree(ext),
                b"link" => link = Some(Link::parse(ext)?),
                // A sparse index: its folder entries are all this changes.
                b"sdir" => {}
                // Optional extensions (first letter upper-case) may be ignored; any other
                // one (split index `link`, sparse index `sdir`, …) changes the meaning.
                [first, ..] if first.is_ascii_uppercase() => {}
                _ => return None,
            }
        }
        if r.pos != body.len() {
            return None;
        }
        Some((
            IndexFile {
                paths: names.map_or(data, Bytes::Owned),
                entries,
                special,
                folders,
                tree,
            },
            link,
        ))
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        match &self.entries {
            Entries::Decoded(v) => v.len(),
            Entries::InPlace(v) => v.len(),
        }
    }

    /// True when the index has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// All entries, sorted by path bytes, then stage.
    pub fn iter(&self) -> impl Iterator<Item = Entry> + '_ {
        (0..self.len()).map_while(|i| self.get(i))
    }

    /// Entry `i`.
    pub fn get(&self, i: usize) -> Option<Entry> {
        match &self.entries {
            Entries::Decoded(v) => v.get(i).copied(),
            Entries::InPlace(v) => entry_in_place(self.paths.as_slice(), *v.get(i)? as usize),
        }
    }

    /// The position of the first entry of `lo..hi` for which `below` is false, when it is
    /// true of every entry before that one and false of every entry after (a binary
    /// search).
    pub fn partition_point(&self, lo: usize, hi: usize, below: impl Fn(&Entry) -> bool) -> usize {
        let (mut lo, mut hi) = (lo, hi.min(self.len()));
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.get(mid) {
                Some(e) if below(&e) => lo = mid + 1,
                _ => hi = mid,
            }
        }
        lo
    }

    /// The path of `entry`.
    pub fn path(&self, entry: &Entry) -> &[u8] {
        let start = entry.path_start as usize;
        self.paths
            .as_slice()
            .get(start..start + entry.path_len as usize)
            .unwrap_or_default()
    }

    /// The position of the first entry whose path is not below `key` (entries are sorted
    /// by path bytes, then stage).
    pub fn lower_bound(&self, key: &[u8]) -> usize {
        self.partition_point(0, self.len(), |e| self.path(e) < key)
    }

    /// The entry at `path` in `stage`.
    pub fn find(&self, path: &[u8], stage: u8) -> Option<Entry> {
        let mut i = self.lower_bound(path);
        while let Some(e) = self.get(i) {
            if self.path(&e) != path {
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
        self.special
    }

    /// The cache tree's node of folder `dir` (a `/`-separated path without a trailing `/`).
    fn cache_node(&self, dir: &[u8]) -> Option<CacheNode<'_>> {
        let mut node = self.tree.as_ref()?.root();
        for part in dir.split(|b| *b == b'/') {
            node = node.child(part)?;
        }
        Some(node)
    }

    /// The id of folder `dir`'s tree, when the cache tree knows it (see
    /// [`IndexFile::folder_tree`]).
    pub fn folder_tree_id(&self, dir: &[u8]) -> Option<Oid> {
        self.cache_node(dir)?.id()
    }

    /// The tree object git will write for folder `dir` (a `/`-separated path without a
    /// trailing `/`), as its id and raw contents, when the cache tree knows that id (it is
    /// valid for the folder, as `git commit` leaves it before running the hooks): the
    /// folder's files one entry each, its subfolders one entry each with the cache tree's
    /// id. `None` when the cache tree does not know the folder's tree, or an entry below it
    /// is conflicted, added with intent to add, or a sparse index's folder.
    pub fn folder_tree(&self, dir: &[u8]) -> Option<(Oid, Vec<u8>)> {
        let node = self.cache_node(dir)?;
        let id = node.id()?;
        let mut prefix = dir.to_vec();
        prefix.push(b'/');
        let lo = self.lower_bound(&prefix);
        let hi = self.partition_point(lo, self.len(), |e| self.path(e).starts_with(&prefix));
        let mut data = Vec::with_capacity((hi - lo) * 80);
        let mut i = lo;
        while i < hi {
            let e = self.get(i)?;
            if e.is_special() || e.is_folder() {
                return None;
            }
            let name = self.path(&e).get(prefix.len()..)?;
            match name.iter().position(|b| *b == b'/') {
                // A file of a subfolder: the subfolder is one entry, its files are skipped.
                Some(n) => {
                    let sub = name.get(..n)?;
                    let sub_id = node.child(sub)?.id()?;
                    data.extend_from_slice(b"40000 ");
                    data.extend_from_slice(sub);
                    data.push(0);
                    data.extend_from_slice(sub_id.as_bytes());
                    let mut below = self.path(&e).get(..prefix.len() + n)?.to_vec();
                    below.push(b'/');
                    i = self.partition_point(i, hi, |x| self.path(x).starts_with(&below));
                }
                None => {
                    match e.mode {
                        0o100644 => data.extend_from_slice(b"100644 "),
                        mode => data.extend_from_slice(format!("{mode:o} ").as_bytes()),
                    }
                    data.extend_from_slice(name);
                    data.push(0);
                    data.extend_from_slice(&e.oid);
                    i += 1;
                }
            }
        }
        Some((id, data))
    }
}

/// Pushes the files of tree `id` (folder `prefix`, ending in `/`) onto `out`, in index order
/// (a tree lists a folder as if its name ended in `/`, which is how the index sorts paths).
fn expand_tree(
    out: &mut IndexFile,
    id: Oid,
    prefix: &mut Vec<u8>,
    tree: &dyn Fn(Oid) -> Option<Rc<RawTree>>,
    depth: usize,
) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    let t = tree(id)?;
    for i in 0..t.len() {
        let item = t.get(i)?;
        let len = prefix.len();
        prefix.extend_from_slice(item.name);
        if item.is_tree() {
            prefix.push(b'/');
            expand_tree(out, item.id, prefix, tree, depth + 1)?;
        } else {
            let entry = Entry {
                path_start: 0,
                path_len: 0,
                mode: item.mode,
                oid: item.id.as_bytes().try_into().ok()?,
                stage: 0,
                intent_to_add: false,
                skip_worktree: true,
            };
            out.push(prefix, entry)?;
        }
        prefix.truncate(len);
    }
    Some(())
}

/// The `link` extension of a split index: the shared index it builds on, and which of the
/// shared index's entries this file replaces or deletes.
#[derive(Debug)]
struct Link {
    base: [u8; OID_LEN],
    /// The delete and replace bitmaps (EWAH), raw; absent when the extension has none.
    bitmaps: Option<(Vec<u8>, Vec<u8>)>,
}

impl Link {
    fn parse(data: &[u8]) -> Option<Link> {
        let base: [u8; OID_LEN] = data.get(..OID_LEN)?.try_into().ok()?;
        let rest = data.get(OID_LEN..)?;
        if rest.is_empty() {
            return Some(Link {
                base,
                bitmaps: None,
            });
        }
        let delete_len = ewah_len(rest)?;
        let (delete, replace) = rest.split_at_checked(delete_len)?;
        (ewah_len(replace)? == replace.len()).then(|| Link {
            base,
            bitmaps: Some((delete.to_vec(), replace.to_vec())),
        })
    }

    /// Merges `split` (this file's own entries) into the shared index, as git does: the
    /// first entries of `split` (nameless) replace the shared entries the replace bitmap
    /// names, the delete bitmap's entries go, and the rest of `split` is added in order.
    fn merge(self, split: IndexFile, path: &Path, git_dir: &Path) -> Option<IndexFile> {
        if self.base == [0; OID_LEN] {
            return Some(split); // No shared index: the file stands alone.
        }
        let hex: String = self.base.iter().map(|b| format!("{b:02x}")).collect();
        let name = format!("sharedindex.{hex}");
        let shared = [
            Some(git_dir.join(&name)),
            path.parent().map(|p| p.join(&name)),
        ]
        .into_iter()
        .flatten()
        .find(|p| p.is_file())?;
        let (base, base_link) = IndexFile::parse_file(Bytes::read(&shared)?)?;
        if base_link.is_some() {
            return None;
        }
        let (replace, delete) = match &self.bitmaps {
            Some((delete, replace)) => (
                ewah_bits(replace, base.len())?,
                ewah_bits(delete, base.len())?,
            ),
            None => (Vec::new(), Vec::new()),
        };
        // Per shared entry: its path and the entry now in its place (`None`: deleted).
        let mut slots: Vec<Option<(&[u8], Entry)>> =
            base.iter().map(|e| Some((base.path(&e), e))).collect();
        let mut own = split.iter();
        for pos in replace {
            let with = own.next()?;
            if with.path_len != 0 {
                return None; // A replacing entry takes the name of the one it replaces.
            }
            let slot = slots.get_mut(pos)?;
            let (name, _) = (*slot)?;
            *slot = Some((name, with));
        }
        for pos in delete {
            *slots.get_mut(pos)? = None;
        }
        let mut added: Vec<(&[u8], Entry)> = own.map(|e| (split.path(&e), e)).collect();
        if added.iter().any(|(p, _)| p.is_empty()) {
            return None;
        }
        added.sort_by(|a, b| (a.0, a.1.stage).cmp(&(b.0, b.1.stage)));
        let kept = slots.into_iter().flatten();
        let mut out = IndexFile::with_tree(split.tree.clone(), base.len() + added.len(), 0);
        let mut added = added.into_iter().peekable();
        for (p, e) in kept {
            while let Some((ap, ae)) = added.next_if(|(ap, ae)| (*ap, ae.stage) <= (p, e.stage)) {
                out.push(ap, ae)?;
            }
            // An added entry of the same path replaces the shared one (a merged one, every
            // stage of it).
            let last = out
                .len()
                .checked_sub(1)
                .and_then(|i| out.get(i))
                .map(|l| (out.path(&l).to_vec(), l.stage));
            if last.is_some_and(|(lp, ls)| lp == p && (ls == e.stage || ls == 0)) {
                continue;
            }
            out.push(p, e)?;
        }
        for (ap, ae) in added {
            out.push(ap, ae)?;
        }
        Some(out)
    }
}

/// The length of the EWAH bitmap at the start of `data` (bit count, word count, words,
/// position of the last run-length word).
fn ewah_len(data: &[u8]) -> Option<usize> {
    let words = u32::from_be_bytes(data.get(4..8)?.try_into().ok()?) as usize;
    let len = words.checked_mul(8)?.checked_add(12)?;
    (len <= data.len()).then_some(len)
}

/// The positions of the set bits of an EWAH bitmap, in increasing order; `None` when one
/// is at or past `limit` (a bitmap over the entries of an index that has fewer).
fn ewah_bits(data: &[u8], limit: usize) -> Option<Vec<usize>> {
    let len = ewah_len(data)?;
    let words: Vec<u64> = data
        .get(8..len - 4)?
        .chunks_exact(8)
        .map(|w| w.try_into().map(u64::from_be_bytes))
        .collect::<Result<_, _>>()
        .ok()?;
    let mut out = Vec::new();
    let mut pos: usize = 0;
    let mut at = 0;
    while let Some(&marker) = words.get(at) {
        at += 1;
        // A marker word: bit 0 the value of a run, 32 bits its length in words, 31 bits
        // the number of literal words that follow.
        let run = usize::try_from((marker >> 1) & 0xffff_ffff)
            .ok()?
            .checked_mul(64)?;
        let literals = usize::try_from(marker >> 33).ok()?;
        let run_end = pos.checked_add(run)?;
        if marker & 1 == 1 {
            if run_end > limit {
                return None;
            }
            out.extend(pos..run_end);
        }
        pos = run_end;
        for _ in 0..literals {
            let word = *words.get(at)?;
            at += 1;
            for bit in 0..64 {
                if word >> bit & 1 == 1 {
                    let p = pos + bit;
                    if p >= limit {
                        return None;
                    }
                    out.push(p);
                }
            }
            pos = pos.checked_add(64)?;
        }
    }
    Some(out)
}

/// Parses the `TREE` extension: preorder nodes of `name NUL entries SP subtrees LF [oid]`.
fn parse_tree(data: &[u8]) -> Option<CacheTree> {
    let mut r = Reader { data, pos: 0 };
    let mut nodes = Vec::new();
    // The nodes whose subfolders are still being read, each with how many are left.
    let mut open: Vec<(usize, usize)> = Vec::new();
    loop {
        if open.len() > MAX_DEPTH {
            return None;
        }
        let name_start = r.pos;
        let name_len = r.until_nul()?.len();
        let rest = r.data.get(r.pos..)?;
        let line = rest.get(..memchr::memchr(b'\n', rest)?)?;
        let space = memchr::memchr(b' ', line)?;
        let entries: i64 = parse_number(line.get(..space)?)?;
        let subtrees: usize = parse_number(line.get(space + 1..)?)?;
        r.pos += line.len() + 1;
        let id = match entries >= 0 {
            true => Some(r.take(OID_LEN)?.try_into().ok()?),
            false => None,
        };
        nodes.push(CacheEntry {
            name: (
                u32::try_from(name_start).ok()?,
                u32::try_from(name_start + name_len).ok()?,
            ),
            id,
            end: 0,
        });
        open.push((nodes.len() - 1, subtrees));
        // Close every node whose subfolders are all read: it ends here.
        while let Some(&(at, 0)) = open.last() {
            open.pop();
            let end = u32::try_from(nodes.len()).ok()?;
            nodes.get_mut(at)?.end = end;
            match open.last_mut() {
                Some((_, left)) => *left -= 1,
                None => {
                    return (r.pos == data.len()).then(|| CacheTree {
                        data: data.to_vec(),
                        nodes,
                    })
                }
            }
        }
    }
}

/// A number of the `TREE` extension, as `str::parse` reads it (the entry count is `-1`
/// for an invalidated folder).
fn parse_number<T: std::str::FromStr>(text: &[u8]) -> Option<T> {
    std::str::from_utf8(text).ok()?.parse().ok()
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
            assert_eq!(ours.path(&o), e.path.as_slice());
            assert_eq!(o.mode, e.mode);
            assert_eq!(o.id(), e.id);
            assert_eq!(u16::from(o.stage), (e.flags >> 12) & 3);
        }
        ours
    }

    /// The raw contents of tree `spec` as git has it.
    fn cat_tree(dir: &Path, spec: &str) -> Vec<u8> {
        let out = Command::new("git")
            .args(["cat-file", "tree", spec])
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "git cat-file tree {spec}");
        out.stdout
    }

    #[test]
    fn a_folders_tree_built_from_the_index_is_the_one_git_writes() {
        let dir = repo();
        let root = dir.path();
        // Files around a subfolder in git's order (`b/d-x`, `b/d/`, `b/d0`), a script, a
        // link, a second level of folders.
        for (p, c) in [
            ("b/d-x.md", "dx"),
            ("b/d0.md", "d0"),
            ("b/run.sh", "#!/bin/sh\n"),
            ("b/d/f/g.md", "g"),
        ] {
            let path = root.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, c).unwrap();
        }
        std::os::unix::fs::symlink("c.md", root.join("b/link")).unwrap();
        git(root, &["add", "."]);
        git(root, &["update-index", "--chmod=+x", "b/run.sh"]);
        let load = || IndexFile::open(&root.join(".git/index")).unwrap();
        // Staged but not written: the cache tree does not know the folder's tree.
        assert!(load().folder_tree(b"b").is_none());
        assert!(load().folder_tree_id(b"b").is_none());
        // `git write-tree` (as `git commit` does before its hooks) fills it in.
        git(root, &["write-tree"]);
        let index = load();
        for folder in ["b", "b/d", "b/d/f", "z/long"] {
            let (id, data) = index.folder_tree(folder.as_bytes()).expect(folder);
            let tree = String::from_utf8(
                Command::new("git")
                    .args(["write-tree", &format!("--prefix={folder}/")])
                    .current_dir(root)
                    .output()
                    .unwrap()
                    .stdout,
            )
            .unwrap();
            assert_eq!(id.to_string(), tree.trim(), "{folder}");
            assert_eq!(index.folder_tree_id(folder.as_bytes()), Some(id));
            assert_eq!(data, cat_tree(root, &id.to_string()), "{folder}");
            assert_eq!(crate::git::tree::tree_id(&data), *id.as_bytes());
        }
        assert!(index.folder_tree(b"nothing").is_none());
        assert!(index.folder_tree(b"a.txt").is_none());
    }

    #[test]
    fn version_2_with_cache_tree() {
        let dir = repo();
        let index = same_as_libgit2(dir.path());
        let tree = index.tree.as_ref().expect("cache tree");
        let handle = git2::Repository::open(dir.path()).unwrap();
        let head = handle.head().unwrap().peel_to_tree().unwrap();
        let tree = tree.root();
        assert_eq!(tree.id(), Some(head.id()));
        let b = tree.child(b"b").unwrap();
        assert_eq!(b.name(), b"b");
        assert_eq!(b.id(), Some(head.get_name("b").unwrap().id()));
        // Staging a change invalidates the folders above it.
        std::fs::write(dir.path().join("b/d/e.md"), "changed").unwrap();
        git(dir.path(), &["add", "b/d/e.md"]);
        let index = same_as_libgit2(dir.path());
        let tree = index.tree.as_ref().unwrap().root();
        assert_eq!(tree.id(), None);
        assert_eq!(tree.child(b"b").unwrap().id(), None);
        assert!(tree.child(b"z").unwrap().id().is_some());
        assert!(index.find(b"b/c.md", 0).is_some());
        assert!(index.find(b"b/c", 0).is_none());
    }

    /// Every folder's id in the cache tree is the one git wrote for it, at every depth;
    /// an extension cut short anywhere is refused.
    #[test]
    fn cache_tree_of_nested_folders() {
        let dir = repo();
        let root = dir.path();
        for path in [
            "p/q/r/s.md",
            "p/q/t.md",
            "p/u/v.md",
            "w/x.md",
            "p/q/r/y/z.md",
        ] {
            let file = root.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, path).unwrap();
        }
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "-m", "nested"]);
        let index = same_as_libgit2(root);
        let folders = Command::new("git")
            .current_dir(root)
            .args(["ls-tree", "-r", "-d", "--name-only", "HEAD"])
            .output()
            .unwrap();
        let folders = String::from_utf8(folders.stdout).unwrap();
        assert!(folders.lines().count() >= 7, "{folders}");
        let handle = git2::Repository::open(root).unwrap();
        let head = handle.head().unwrap().peel_to_tree().unwrap();
        for folder in folders.lines() {
            let want = head.get_path(Path::new(folder)).unwrap().id();
            assert_eq!(
                index.folder_tree_id(folder.as_bytes()),
                Some(want),
                "{folder}"
            );
        }
        assert_eq!(index.tree.as_ref().unwrap().root().id(), Some(head.id()));
        assert_eq!(index.folder_tree_id(b"p/q/nothing"), None);
        assert_eq!(index.folder_tree_id(b"p/q/t.md"), None);
        // The extension's bytes, cut anywhere short of their end.
        let raw = std::fs::read(root.join(".git/index")).unwrap();
        let at = raw.windows(4).position(|w| w == b"TREE").unwrap();
        let len = u32::from_be_bytes(raw[at + 4..at + 8].try_into().unwrap()) as usize;
        let ext = &raw[at + 8..at + 8 + len];
        assert!(parse_tree(ext).is_some());
        for cut in 0..ext.len() {
            assert!(parse_tree(&ext[..cut]).is_none(), "cut at {cut}");
        }
    }

    /// A name of 0xFFF bytes or more has no length in its flags: it ends at its NUL.
    #[test]
    fn names_longer_than_the_length_bits() {
        let dir = repo();
        let blob = "2e65efe2a145dda7ee51d1741299f848e5bf752e"; // the blob of "a"
        for len in [4094, 4095, 4096, 5000] {
            let name = format!("long/{}", "n".repeat(len - 5));
            let cacheinfo = format!("100644,{blob},{name}");
            git(
                dir.path(),
                &["update-index", "--add", "--cacheinfo", &cacheinfo],
            );
        }
        let index = same_as_libgit2(dir.path());
        assert_eq!(index.len(), 9);
    }

    /// An index of 5,000 entries (over `MAP_MIN`): read through a mapping of the file, in
    /// every version, and as the shared index of a split index.
    #[test]
    fn large_index_mapped() {
        let dir = repo();
        let blob = "2e65efe2a145dda7ee51d1741299f848e5bf752e"; // the blob of "a"
        let info: String = (0..5000)
            .map(|n| {
                format!("100644 {blob}\tbacklog/tasks/task-{n} - A task with a long title.md\n")
            })
            .collect();
        let mut child = Command::new("git")
            .args(["update-index", "--index-info"])
            .current_dir(dir.path())
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), info.as_bytes()).unwrap();
        assert!(child.wait().unwrap().success());
        for version in ["2", "3", "4"] {
            git(dir.path(), &["update-index", "--index-version", version]);
            let file = dir.path().join(".git/index");
            assert!(std::fs::metadata(&file).unwrap().len() >= MAP_MIN);
            assert!(matches!(Bytes::read(&file), Some(Bytes::Mapped(_))));
            let index = same_as_libgit2(dir.path());
            assert_eq!(index.len(), 5005);
            assert_eq!(listing(&index), git_listing(dir.path()));
        }
        git(dir.path(), &["update-index", "--index-version", "2"]);
        git(dir.path(), &["update-index", "--split-index"]);
        std::fs::write(dir.path().join("a.txt"), "changed").unwrap();
        git(dir.path(), &["add", "a.txt"]);
        let index = load(dir.path()).expect("split index read");
        assert_eq!(listing(&index), git_listing(dir.path()));
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
    /// `path mode id stage` lines, as `git ls-files -s` prints them.
    fn listing(index: &IndexFile) -> String {
        index
            .iter()
            .map(|e| {
                let path = String::from_utf8_lossy(index.path(&e));
                format!("{:o} {} {}\t{path}\n", e.mode, e.id(), e.stage)
            })
            .collect()
    }

    /// The index as git sees it, every folder expanded.
    fn git_listing(dir: &Path) -> String {
        let out = Command::new("git")
            .args(["ls-files", "-s"])
            .current_dir(dir)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    }

    fn load(dir: &Path) -> Option<IndexFile> {
        let repo = crate::git::Repo::discover(dir).unwrap();
        IndexFile::load(&dir.join(".git/index"), &dir.join(".git"), &|id| {
            repo.tree(id).ok()
        })
    }

    #[test]
    fn split_index_with_replaced_deleted_and_added_entries() {
        let dir = repo();
        git(dir.path(), &["update-index", "--split-index"]);
        std::fs::write(dir.path().join("a.txt"), "changed").unwrap();
        std::fs::write(dir.path().join("b/new.md"), "new").unwrap();
        std::fs::write(dir.path().join("0first.txt"), "first").unwrap();
        git(dir.path(), &["add", "."]);
        git(dir.path(), &["rm", "-q", "b/d/e.md"]);
        let data = std::fs::read(dir.path().join(".git/index")).unwrap();
        assert!(data.windows(4).any(|w| w == b"link"), "a split index");
        assert!(IndexFile::parse(&data).is_none(), "parse alone cannot");
        let index = load(dir.path()).expect("split index read");
        assert_eq!(listing(&index), git_listing(dir.path()));
        // Without its shared index, it is not read.
        for f in std::fs::read_dir(dir.path().join(".git")).unwrap() {
            let f = f.unwrap();
            if f.file_name().to_string_lossy().starts_with("sharedindex.") {
                std::fs::remove_file(f.path()).unwrap();
            }
        }
        assert!(load(dir.path()).is_none());
    }

    #[test]
    fn sparse_index_folders_expanded() {
        let dir = repo();
        git(
            dir.path(),
            &["sparse-checkout", "set", "--sparse-index", "b"],
        );
        let data = std::fs::read(dir.path().join(".git/index")).unwrap();
        assert!(data.windows(4).any(|w| w == b"sdir"), "a sparse index");
        assert!(IndexFile::parse(&data).is_none(), "parse alone cannot");
        let index = load(dir.path()).expect("sparse index read");
        assert_eq!(listing(&index), git_listing(dir.path()));
        assert!(
            index
                .find(b"z/long/path/name/that/is/deep.txt", 0)
                .unwrap()
                .skip_worktree
        );
        assert!(!index.find(b"b/c.md", 0).unwrap().skip_worktree);
    }

    #[test]
    fn corrupt_bitmaps() {
        // A bitmap naming an entry past the end, a truncated one, a run past the end.
        let mut words = Vec::new();
        words.extend_from_slice(&64u32.to_be_bytes());
        words.extend_from_slice(&2u32.to_be_bytes());
        words.extend_from_slice(&(1u64 << 33).to_be_bytes()); // one literal word follows
        words.extend_from_slice(&0b101u64.to_be_bytes());
        words.extend_from_slice(&0u32.to_be_bytes());
        assert_eq!(ewah_bits(&words, 3), Some(vec![0, 2]));
        assert_eq!(ewah_bits(&words, 2), None);
        for n in 0..words.len() {
            assert_eq!(ewah_bits(&words[..n], 3), None);
        }
        let mut run = Vec::new();
        run.extend_from_slice(&64u32.to_be_bytes());
        run.extend_from_slice(&1u32.to_be_bytes());
        run.extend_from_slice(&(u64::from(u32::MAX) << 1 | 1).to_be_bytes());
        run.extend_from_slice(&0u32.to_be_bytes());
        assert_eq!(ewah_bits(&run, 1000), None);
    }
}

//! Tree objects read once and kept: raw bytes plus where each entry starts.
//!
//! A backlog folder is one tree of 10,000 entries that nearly every commit of a long
//! history has in common with its parent. libgit2 parses such a tree into a fresh array of
//! entries on every lookup its object cache misses (and the cache evicts at random once it
//! is full). Here a tree is indexed once into entry offsets, kept in a small per-repository
//! memo, and compared with its parent's version by raw bytes: the long runs of identical
//! entries at both ends cost one `memcmp`, and only the entries in between are walked.
//!
//! The index is built on first use. A tree compared with an indexed version of itself
//! (the same folder one commit earlier) takes the entries of the byte-identical ends from
//! that index and parses only the entries in between; either way, every entry of an
//! indexed tree has been checked, and a malformed tree is an error when it is indexed.

use std::cell::{OnceCell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use git2::Oid;

use crate::source::SourceError;

/// One tree object: its raw bytes (read from git's objects, or a record's file mapped:
/// see [`TreeRecords`]), indexed on first use.
pub struct RawTree {
    id: Oid,
    data: TreeBytes,
    /// Per entry: the offset of its mode and of the NUL that ends its name; `Err` for a
    /// malformed tree.
    offsets: OnceCell<Result<Vec<(u32, u32)>, Malformed>>,
}

/// Bytes a tree's contents can be held in other than a buffer of its own (a record's file
/// mapped).
pub type KeptBytes = Box<dyn std::ops::Deref<Target = [u8]>>;

/// The raw bytes of a tree: read from git's objects, or a record's file (see
/// [`TreeRecords`]).
enum TreeBytes {
    Owned(Vec<u8>),
    Kept(KeptBytes),
}

impl Drop for TreeBytes {
    fn drop(&mut self) {
        if let TreeBytes::Owned(v) = self {
            recycle(std::mem::take(v));
        }
    }
}

/// Buffers of at least this many bytes are kept for reuse when let go (see [`buffer`]).
const REUSED: usize = 64 << 10;

/// How many let-go buffers a thread keeps.
const REUSED_KEPT: usize = 3;

/// Buffers larger than this are freed when let go: a few huge blobs read once must not
/// take the places of the task folders' buffers, nor stay held by the thread.
const REUSED_MAX: usize = 16 << 20;

thread_local! {
    /// Large buffers let go on this thread, kept for the next large object (see
    /// [`buffer`]).
    static SPARE: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

/// An empty buffer with room for `len` bytes: for a large object, one a tree or pack entry
/// of this thread let go, when one fits.
///
/// A task folder of 10,000 entries is a tree of about 600 KB, read again at nearly every
/// commit that changes a task. Allocated afresh, each version's buffer came from pages
/// the allocator had given back to the kernel (or mapped for it alone), and every page
/// was faulted in and cleared again before the object was copied into it.
pub fn buffer(len: usize) -> Vec<u8> {
    if len >= REUSED {
        let kept = SPARE.with(|spare| {
            let mut spare = spare.borrow_mut();
            // The smallest that fits, and not more than twice too large.
            let fits = spare
                .iter()
                .enumerate()
                .filter(|(_, b)| b.capacity() >= len && b.capacity() / 2 <= len)
                .min_by_key(|(_, b)| b.capacity())
                .map(|(i, _)| i)?;
            Some(spare.swap_remove(fits))
        });
        if let Some(mut b) = kept {
            b.clear();
            return b;
        }
        // Room for a folder that grows by a few entries from one version to the next:
        // the buffer let go is an older, often shorter, version's.
        return Vec::with_capacity(len + len / 16);
    }
    Vec::with_capacity(len)
}

/// Lets go of `buf`: kept for [`buffer`] when it is large but not huge (in place of the
/// smallest kept one, when this thread keeps as many as it may), else freed.
pub fn recycle(buf: Vec<u8>) {
    if !(REUSED..=REUSED_MAX).contains(&buf.capacity()) {
        return;
    }
    // A thread being torn down frees the buffer.
    let _ = SPARE.try_with(|spare| {
        let Ok(mut spare) = spare.try_borrow_mut() else {
            return;
        };
        if spare.len() < REUSED_KEPT {
            spare.push(buf);
        } else if let Some(smallest) = spare.iter_mut().min_by_key(|b| b.capacity()) {
            if smallest.capacity() < buf.capacity() {
                *smallest = buf;
            }
        }
    });
}

impl std::ops::Deref for TreeBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            TreeBytes::Owned(v) => v,
            TreeBytes::Kept(k) => k,
        }
    }
}

impl std::fmt::Debug for RawTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RawTree({}, {} bytes)", self.id, self.data.len())
    }
}

/// The mark of a tree that does not parse.
#[derive(Debug, Clone, Copy)]
struct Malformed;

/// Where one entry of tree bytes starts and where its name ends, from offset `at`
/// (`Err` when no well-formed entry starts there); the next entry starts after the id.
fn parse_entry(data: &[u8], at: usize) -> Result<(u32, u32), Malformed> {
    let rest = data.get(at..).ok_or(Malformed)?;
    let space = memchr::memchr(b' ', rest).ok_or(Malformed)?;
    let nul = memchr::memchr(0, rest).ok_or(Malformed)?;
    let octal = rest
        .get(..space)
        .is_some_and(|m| m.len() <= 7 && m.iter().all(|b| (b'0'..=b'7').contains(b)));
    if space == 0 || !octal || nul <= space + 1 || rest.len() < nul + 1 + ID_LEN {
        return Err(Malformed);
    }
    let start = u32::try_from(at).map_err(|_| Malformed)?;
    let end = u32::try_from(at + nul).map_err(|_| Malformed)?;
    Ok((start, end))
}

/// The offset just past an entry.
fn entry_end(&(_, nul): &(u32, u32)) -> usize {
    nul as usize + 1 + ID_LEN
}

/// Appends the entries of `data` from offset `at` up to offset `to` to `entries`: false
/// when one is malformed or the last does not end exactly at `to`.
fn parse_into(data: &[u8], mut at: usize, to: usize, entries: &mut Vec<(u32, u32)>) -> bool {
    while at < to {
        let Ok(entry) = parse_entry(data, at) else {
            return false;
        };
        entries.push(entry);
        at = entry_end(&entry);
    }
    at == to
}

/// One entry of a [`RawTree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeItem<'t> {
    /// The file mode (`0o100644`, `0o040000`, ...).
    pub mode: u32,
    /// The name, as stored (not necessarily UTF-8).
    pub name: &'t [u8],
    /// The object id.
    pub id: Oid,
}

impl TreeItem<'_> {
    /// True for a subtree.
    pub fn is_tree(&self) -> bool {
        self.mode & 0o170000 == 0o040000
    }
}

/// The length of an object id in a SHA-1 tree.
const ID_LEN: usize = 20;

impl RawTree {
    /// Tree `id` with raw contents `data`, not yet indexed.
    pub fn new(id: Oid, data: Vec<u8>) -> RawTree {
        RawTree::of_bytes(id, TreeBytes::Owned(data))
    }

    fn of_bytes(id: Oid, data: TreeBytes) -> RawTree {
        RawTree {
            id,
            data,
            offsets: OnceCell::new(),
        }
    }

    /// Tree `id` with raw contents `data`, indexed: an error when it is malformed.
    pub fn parse(id: Oid, data: Vec<u8>) -> Result<RawTree, SourceError> {
        let tree = RawTree::new(id, data);
        tree.check()?;
        Ok(tree)
    }

    /// The error for this tree when malformed.
    fn malformed(&self) -> SourceError {
        SourceError(format!("tree {} is malformed", self.id))
    }

    /// The index, built on first use by parsing every entry.
    fn index(&self) -> Result<&[(u32, u32)], SourceError> {
        self.offsets
            .get_or_init(|| {
                let mut entries = Vec::new();
                parse_into(&self.data, 0, self.data.len(), &mut entries)
                    .then_some(entries)
                    .ok_or(Malformed)
            })
            .as_deref()
            .map_err(|_| self.malformed())
    }

    /// The index when the tree is well-formed, else no entries (the error is reported by
    /// [`RawTree::check`], which every reader calls before looking inside).
    fn entries(&self) -> &[(u32, u32)] {
        self.index().unwrap_or_default()
    }

    /// Indexes the tree if it is not yet: the number of entries, or an error for a
    /// malformed tree.
    pub fn check(&self) -> Result<usize, SourceError> {
        self.index().map(<[_]>::len)
    }

    /// The tree's id.
    pub fn id(&self) -> Oid {
        self.id
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// True for the empty tree.
    pub fn is_empty(&self) -> bool {
        self.entries().is_empty()
    }

    /// Entry `i`, in git's order.
    pub fn get(&self, i: usize) -> Option<TreeItem<'_>> {
        let &(start, nul) = self.entries().get(i)?;
        let (start, nul) = (start as usize, nul as usize);
        let head = self.data.get(start..nul)?;
        let space = memchr::memchr(b' ', head)?;
        let mode = head.get(..space)?.iter().try_fold(0u32, |m, &b| match b {
            b'0'..=b'7' => Some((m << 3) | u32::from(b - b'0')),
            _ => None,
        })?;
        let id = Oid::from_bytes(self.data.get(nul + 1..nul + 1 + ID_LEN)?).ok()?;
        Some(TreeItem {
            mode,
            name: head.get(space + 1..)?,
            id,
        })
    }

    /// The raw bytes of entry `i` (mode, name and id): equal bytes, equal entries.
    pub(crate) fn entry_bytes(&self, i: usize) -> &[u8] {
        self.entries()
            .get(i)
            .and_then(|&(start, nul)| self.data.get(start as usize..nul as usize + 1 + ID_LEN))
            .unwrap_or_default()
    }

    /// The index of the first entry that sorts at or after a file named `name`. Entries
    /// sort by name, a subtree's name read as if it ended in `/` (git's order), so the
    /// entries whose names start with `name` follow from here, together.
    pub fn lower_bound(&self, name: &[u8]) -> usize {
        self.entries().partition_point(|&(start, nul)| {
            let head = self
                .data
                .get(start as usize..nul as usize)
                .unwrap_or_default();
            let Some(space) = memchr::memchr(b' ', head) else {
                return false;
            };
            // Tree modes are `40000`; every other mode starts with `1`.
            let slash = (head.first() == Some(&b'4')).then_some(&b'/');
            head[space + 1..].iter().chain(slash).lt(name.iter())
        })
    }

    /// The entry named `name`.
    pub fn find(&self, name: &[u8]) -> Option<TreeItem<'_>> {
        // A folder `a` sorts as `a/`, after a file `a.b`: look through the few names that
        // share the prefix.
        let mut i = self.lower_bound(name);
        while let Some(item) = self.get(i) {
            if item.name == name {
                return Some(item);
            }
            if !item.name.starts_with(name) {
                break;
            }
            i += 1;
        }
        None
    }

    /// The entries of `old` and `new` that differ, as index ranges into each: everything
    /// before and after is byte-identical on both sides. The ranges are empty for equal
    /// trees. Indexes both trees, `new` mostly from `old`'s index (the entries of the
    /// common ends are taken over, only those in between are parsed): an error when either
    /// is malformed.
    pub fn differing(
        old: &RawTree,
        new: &RawTree,
    ) -> Result<(std::ops::Range<usize>, std::ops::Range<usize>), SourceError> {
        let same = crate::text::common_prefix(&old.data, &new.data);
        let suffix = crate::text::common_suffix(&old.data, &new.data);
        let old_entries = old.index()?;
        if new.offsets.get().is_none() {
            if let Some(entries) = new.index_from(old, old_entries, same, suffix) {
                // Cannot be set already: the cell was empty just above.
                let _ = new.offsets.set(Ok(entries));
            }
        }
        let new_entries = new.index()?;
        Ok(Self::ranges(
            old,
            old_entries,
            new,
            new_entries,
            same,
            suffix,
        ))
    }

    /// The index of this tree built from `old`'s (well-formed) index, given the lengths
    /// of their common byte prefix and suffix: the entries that end inside the prefix are
    /// `old`'s, the entries that start inside the suffix are `old`'s moved by the
    /// difference in length, and only the bytes in between are parsed. `None` when the
    /// entries in between do not end exactly where the suffix's first entry starts (then
    /// the tree is indexed from the start).
    fn index_from(
        &self,
        old: &RawTree,
        old_entries: &[(u32, u32)],
        same: usize,
        suffix: usize,
    ) -> Option<Vec<(u32, u32)>> {
        let (old_len, new_len) = (old.data.len(), self.data.len());
        let head = old_entries.partition_point(|e| entry_end(e) <= same);
        let from = head
            .checked_sub(1)
            .map_or(Some(0), |h| old_entries.get(h).map(entry_end))?;
        let cut = old_len - suffix.min(old_len);
        let tail = old_entries
            .partition_point(|&(start, _)| (start as usize) < cut)
            .max(head);
        let old_to = old_entries.get(tail).map_or(old_len, |e| e.0 as usize);
        let to = (new_len + old_to).checked_sub(old_len)?;
        if to < from {
            return None;
        }
        let mut entries = Vec::with_capacity(old_entries.len() + 1);
        entries.extend_from_slice(old_entries.get(..head)?);
        if !parse_into(&self.data, from, to, &mut entries) {
            return None;
        }
        let moved = |at: u32| u32::try_from((at as usize + to).checked_sub(old_to)?).ok();
        for &(start, nul) in old_entries.get(tail..)? {
            entries.push((moved(start)?, moved(nul)?));
        }
        Some(entries)
    }

    /// [`RawTree::differing`] on indexed trees.
    fn ranges(
        old: &RawTree,
        old_entries: &[(u32, u32)],
        new: &RawTree,
        new_entries: &[(u32, u32)],
        same: usize,
        suffix: usize,
    ) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        let (a, b) = (old_entries.len(), new_entries.len());
        // Entries that end inside the common byte prefix are identical: parsing from the
        // start sees the same bytes on both sides.
        let head = old_entries.partition_point(|e| entry_end(e) <= same).min(b);
        // From the end: the entries that start inside the common byte suffix, if the first
        // of them starts at the same distance from the end on both sides (then the rest
        // parse alike too); else entry by entry.
        let from = |t: &RawTree, entries: &[(u32, u32)]| {
            let cut = t.data.len() - suffix.min(t.data.len());
            entries.partition_point(|&(start, _)| (start as usize) < cut)
        };
        let (ia, ib) = (
            from(old, old_entries).max(head),
            from(new, new_entries).max(head),
        );
        let aligned = a - ia == b - ib
            && match (old_entries.get(ia), new_entries.get(ib)) {
                (Some(x), Some(y)) => {
                    old.data.len() - x.0 as usize == new.data.len() - y.0 as usize
                }
                _ => true,
            };
        let mut tail = if aligned { a - ia } else { 0 };
        if !aligned {
            while tail < a.min(b) - head
                && old.entry_bytes(a - 1 - tail) == new.entry_bytes(b - 1 - tail)
            {
                tail += 1;
            }
        }
        (head..a - tail, head..b - tail)
    }
}

/// Recently read trees by id, shared by every lookup on one repository handle. Bounded by
/// total size; the oldest go first.
#[derive(Debug, Default)]
pub struct TreeMemo {
    inner: RefCell<MemoInner>,
    /// Large trees kept uncompressed between runs, when this handle uses them (see
    /// [`TreeRecords`]).
    records: OnceCell<Box<TreeRecords>>,
}

#[derive(Debug, Default)]
struct MemoInner {
    by_id: HashMap<[u8; ID_LEN], Rc<RawTree>, rustc_hash::FxBuildHasher>,
    order: VecDeque<[u8; ID_LEN]>,
    bytes: usize,
}

/// What the memo may hold, in bytes of raw tree data.
const MEMO_BYTES: usize = 4 << 20;

/// An id as a plain hash-map key (comparing [`Oid`]s calls into libgit2).
pub fn key(id: Oid) -> [u8; ID_LEN] {
    let mut k = [0; ID_LEN];
    let bytes = id.as_bytes();
    let n = bytes.len().min(ID_LEN);
    k[..n].copy_from_slice(&bytes[..n]);
    k
}

impl TreeMemo {
    /// The tree `id`, from the memo or read with `read`; indexed only if it was before
    /// (see [`RawTree::check`]).
    pub fn get_or_read(
        &self,
        id: Oid,
        read: impl FnOnce() -> Result<Vec<u8>, SourceError>,
    ) -> Result<Rc<RawTree>, SourceError> {
        let k = key(id);
        if let Some(t) = self.inner.borrow().by_id.get(&k) {
            return Ok(t.clone());
        }
        let data = match self.records.get() {
            Some(records) => match records.read(id) {
                Some(data) => TreeBytes::Kept(data),
                None => {
                    let data = read()?;
                    records.keep(id, &data);
                    TreeBytes::Owned(data)
                }
            },
            None => TreeBytes::Owned(read()?),
        };
        let tree = Rc::new(RawTree::of_bytes(id, data));
        let mut memo = self.inner.borrow_mut();
        memo.bytes += tree.data.len();
        memo.by_id.insert(k, tree.clone());
        memo.order.push_back(k);
        while memo.bytes > MEMO_BYTES && memo.order.len() > 1 {
            let Some(old) = memo.order.pop_front() else {
                break;
            };
            if let Some(t) = memo.by_id.remove(&old) {
                memo.bytes -= t.data.len();
            }
        }
        Ok(tree)
    }
}

impl TreeMemo {
    /// Reads large trees from, and keeps them in, the records below `git_dir` (see
    /// [`TreeRecords`]) from now on.
    pub fn use_records(&self, git_dir: &Path, files: Box<dyn RecordFiles>) {
        let _ = self.records.set(Box::new(TreeRecords::new(git_dir, files)));
    }

    /// The records this memo uses, if any.
    pub fn records(&self) -> Option<&TreeRecords> {
        self.records.get().map(|r| &**r)
    }
}

/// Large trees kept uncompressed in `.git/flowgate/trees/`, one file per tree named by its
/// id, for the pre-commit hook.
///
/// The hook compares the index with HEAD's task folder, one tree of every task file's name
/// (3.4 MB at 50,000 tasks), which git keeps at the end of a chain of deltas: inflating it
/// took most of the hook's time. A record is that tree's bytes as they are, written when
/// the tree was read from git's objects, or, by the hook of the commit that makes it, from
/// the index; the next commit's hook reads it instead of the pack.
///
/// A record is used only when its bytes hash to its name (git's own id of a tree: SHA-1
/// over `tree <length>` NUL and the bytes): a record that was cut short, edited or planted
/// is not the tree it names and is ignored (the tree is read from git's objects, and the
/// record written again). Nothing else about it is trusted. Only the newest few records
/// are kept.
pub struct TreeRecords {
    git_dir: PathBuf,
    /// How the records are read and written.
    files: Box<dyn RecordFiles>,
    /// The ids of the records present when first asked (one listing of the folder
    /// instead of one failed open per tree read).
    present: OnceCell<Vec<[u8; ID_LEN]>>,
}

impl std::fmt::Debug for TreeRecords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TreeRecords({})", self.git_dir.display())
    }
}

/// How tree records are read and written: they are flowgate's own files, whose reading and
/// writing (no link followed, no FIFO opened, a new file renamed over the old one) the
/// caller provides.
pub trait RecordFiles {
    /// The bytes of file `rel` below the git dir, when it is a regular file of at most
    /// `max` bytes.
    fn read(&self, rel: &str, max: u64) -> Option<KeptBytes>;
    /// Writes file `rel` below the git dir (without waiting for the disk); false when it
    /// cannot.
    fn write(&self, rel: &str, data: &[u8]) -> bool;
}

/// The folder of the records, relative to the git dir.
const RECORDS_DIR: &str = "flowgate/trees";

/// Trees smaller than this are not kept: inflating them costs less than a file.
pub const RECORD_MIN: usize = 256 << 10;

/// The largest record read (a tree of some 800,000 entries).
const RECORD_MAX: u64 = 64 << 20;

/// How many records are kept: HEAD's task folder, the next commit's, and a few more (an
/// amend, a commit on another branch).
const RECORDS_KEPT: usize = 4;

/// The id git gives a tree with raw contents `data`.
pub fn tree_id(data: &[u8]) -> [u8; ID_LEN] {
    use sha1::Digest;
    let mut hash = sha1::Sha1::new();
    hash.update(format!("tree {}\0", data.len()).as_bytes());
    hash.update(data);
    hash.finalize().into()
}

impl TreeRecords {
    fn new(git_dir: &Path, files: Box<dyn RecordFiles>) -> TreeRecords {
        TreeRecords {
            git_dir: git_dir.to_path_buf(),
            files,
            present: OnceCell::new(),
        }
    }

    fn rel(id: Oid) -> String {
        format!("{RECORDS_DIR}/{id}")
    }

    /// The ids named by the files of the records folder, newest first.
    fn listing(&self) -> Vec<([u8; ID_LEN], std::time::SystemTime)> {
        let Ok(dir) = std::fs::read_dir(self.git_dir.join(RECORDS_DIR)) else {
            return Vec::new();
        };
        let mut out: Vec<([u8; ID_LEN], std::time::SystemTime)> = dir
            .flatten()
            .filter_map(|e| {
                let name = e.file_name();
                let id = Oid::from_str(name.to_str()?).ok()?;
                let modified = e.metadata().ok()?.modified().ok()?;
                (name.len() == 2 * ID_LEN).then(|| (key(id), modified))
            })
            .collect();
        out.sort_by_key(|e| std::cmp::Reverse(e.1));
        out
    }

    /// True when a record of tree `id` is present (it is not read or checked).
    pub fn has(&self, id: Oid) -> bool {
        self.present
            .get_or_init(|| self.listing().into_iter().map(|(k, _)| k).collect())
            .contains(&key(id))
    }

    /// The bytes of tree `id` from its record (mapped), when there is one and it is that
    /// tree.
    fn read(&self, id: Oid) -> Option<KeptBytes> {
        if !self.has(id) {
            return None;
        }
        let data = self.files.read(&Self::rel(id), RECORD_MAX)?;
        (tree_id(&data) == key(id)).then_some(data)
    }

    /// Keeps tree `id` with raw contents `data` when it is large (best effort: a record
    /// that cannot be written is only a slower read next time), and removes all but the
    /// newest records. `data` must be the tree's contents; a record that is not is never
    /// used (see [`TreeRecords`]).
    pub fn keep(&self, id: Oid, data: &[u8]) {
        if data.len() < RECORD_MIN {
            return;
        }
        // Not synced: a record cut short by a crash does not hash to its name.
        if !self.files.write(&Self::rel(id), data) {
            return;
        }
        for (old, _) in self.listing().into_iter().skip(RECORDS_KEPT) {
            if let Ok(old) = Oid::from_bytes(&old) {
                let _ = std::fs::remove_file(self.git_dir.join(Self::rel(old)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(entries: &[(&str, &str, u8)]) -> Vec<u8> {
        let mut data = Vec::new();
        for (mode, name, id) in entries {
            data.extend_from_slice(mode.as_bytes());
            data.push(b' ');
            data.extend_from_slice(name.as_bytes());
            data.push(0);
            data.extend_from_slice(&[*id; ID_LEN]);
        }
        data
    }

    fn raw(entries: &[(&str, &str, u8)]) -> RawTree {
        RawTree::parse(Oid::ZERO_SHA1, bytes(entries)).unwrap()
    }

    /// Files of a folder: names and ids.
    type Files = Vec<(String, u8)>;

    /// A change to a tree's bytes.
    type Corrupt = dyn Fn(&mut Vec<u8>);

    /// A folder of `n` task files named by number; ids (the byte repeated) from `id`.
    fn folder(n: usize, id: impl Fn(usize) -> u8) -> Files {
        (0..n)
            .map(|i| (format!("task-{i:03} - t.md"), id(i)))
            .collect()
    }

    fn tree_of(files: &[(String, u8)]) -> Vec<u8> {
        let entries: Vec<_> = files
            .iter()
            .map(|(name, id)| ("100644", name.as_str(), *id))
            .collect();
        bytes(&entries)
    }

    /// Pairs of versions of one folder: an edit in the middle, at either end, files added
    /// and removed, names that grow, ids whose bytes look like separators, no change.
    fn versions() -> Vec<(Vec<u8>, Vec<u8>)> {
        let base = folder(50, |i| i as u8);
        let mut pairs = Vec::new();
        let mut edit = |f: &dyn Fn(&mut Files)| {
            let mut new = base.clone();
            f(&mut new);
            pairs.push((tree_of(&base), tree_of(&new)));
            pairs.push((tree_of(&new), tree_of(&base)));
        };
        edit(&|_| {});
        edit(&|t| t[25].1 = 200);
        edit(&|t| t[0].1 = 200);
        edit(&|t| t[49].1 = 200);
        edit(&|t| {
            t[3].1 = 0;
            t[40].1 = b' ';
        });
        edit(&|t| t[10].0.push_str("-longer"));
        edit(&|t| {
            t.remove(20);
        });
        edit(&|t| t.insert(20, ("task-019x.md".into(), 7)));
        edit(&|t| t.truncate(0));
        edit(&|t| t.truncate(1));
        edit(&|t| t.push(("zz".into(), 19)));
        // Repeated content: the common prefix and suffix overlap.
        let same = folder(6, |_| 5);
        let mut renamed = same.clone();
        renamed.iter_mut().for_each(|f| f.0 = "a".into());
        pairs.push((tree_of(&renamed), tree_of(&renamed[..4])));
        pairs.push((tree_of(&renamed[..4]), tree_of(&renamed)));
        pairs.push((tree_of(&same), tree_of(&same[1..])));
        pairs
    }

    #[test]
    fn an_index_taken_from_the_parent_equals_a_full_parse() {
        for (k, (old, new)) in versions().into_iter().enumerate() {
            let full_old = RawTree::parse(Oid::ZERO_SHA1, old.clone()).unwrap();
            let full_new = RawTree::parse(Oid::ZERO_SHA1, new.clone()).unwrap();
            let (same, suffix) = (
                crate::text::common_prefix(&old, &new),
                crate::text::common_suffix(&old, &new),
            );
            let slow = RawTree::ranges(
                &full_old,
                full_old.entries(),
                &full_new,
                full_new.entries(),
                same,
                suffix,
            );
            let lazy_old = RawTree::parse(Oid::ZERO_SHA1, old).unwrap();
            let lazy_new = RawTree::new(Oid::ZERO_SHA1, new);
            if let Some(derived) = lazy_new.index_from(&lazy_old, lazy_old.entries(), same, suffix)
            {
                assert_eq!(derived, full_new.entries(), "pair {k}");
            }
            let fast = RawTree::differing(&lazy_old, &lazy_new).unwrap();
            assert_eq!(fast, slow, "pair {k}");
            assert_eq!(lazy_new.entries(), full_new.entries(), "pair {k}");
        }
    }

    #[test]
    fn a_malformed_tree_compared_with_its_parent_is_an_error() {
        let old = tree_of(&folder(20, |i| i as u8));
        let cases: [&Corrupt; 4] = [
            // A mode that is not octal, in the middle.
            &|t| t[43 * 7] = b'9',
            // A name without its NUL: the id is cut short at the end.
            &|t| t.truncate(t.len() - 3),
            // Bytes that make no entry, in front.
            &|t| {
                t.splice(0..0, *b"x y\0");
            },
            // A stray byte between two entries.
            &|t| t.insert(43 * 10, b'x'),
        ];
        for (k, corrupt) in cases.iter().enumerate() {
            let mut bad = old.clone();
            corrupt(&mut bad);
            assert!(
                RawTree::parse(Oid::ZERO_SHA1, bad.clone()).is_err(),
                "case {k}"
            );
            let parent = RawTree::parse(Oid::ZERO_SHA1, old.clone()).unwrap();
            let new = RawTree::new(Oid::ZERO_SHA1, bad.clone());
            assert!(RawTree::differing(&parent, &new).is_err(), "case {k}");
            assert!(new.check().is_err(), "case {k}");
            assert!(new.get(0).is_none(), "case {k}");
            // And the other way round: a malformed parent.
            let parent = RawTree::new(Oid::ZERO_SHA1, bad);
            let new = RawTree::new(Oid::ZERO_SHA1, old.clone());
            assert!(RawTree::differing(&parent, &new).is_err(), "case {k}");
        }
    }

    #[test]
    fn a_buffer_let_go_is_handed_out_again_empty_only_where_it_fits() {
        // A thread of its own: its kept buffers are this test's alone.
        std::thread::spawn(|| {
            let small = buffer(100);
            assert!(small.is_empty() && small.capacity() >= 100);
            let mut big = buffer(REUSED);
            assert!(big.capacity() > REUSED, "room to grow");
            big.resize(big.capacity(), 7);
            let ptr = big.as_ptr();
            recycle(big);
            // Too large to fit twice over, or too small: a new buffer.
            let (under, over) = (buffer(REUSED / 4 * 3), buffer(REUSED * 2));
            assert!(under.as_ptr() != ptr && over.as_ptr() != ptr);
            let again = buffer(REUSED + 10);
            assert_eq!(again.as_ptr(), ptr);
            assert!(again.is_empty() && again.capacity() >= REUSED + 10);
            // A huge buffer is freed, not kept.
            recycle(Vec::with_capacity(REUSED_MAX + 1));
            assert_eq!(SPARE.with(|spare| spare.borrow().len()), 0);
            // A tree's bytes go back when the tree is dropped; the tree read next in
            // them holds its own bytes only.
            let data = tree_of(&folder(2000, |i| i as u8));
            let mut reused = buffer(data.len());
            reused.extend_from_slice(&data);
            let at = reused.as_ptr();
            drop(RawTree::parse(Oid::ZERO_SHA1, reused).unwrap());
            let other = tree_of(&folder(1990, |i| (i * 3) as u8));
            let mut next = buffer(other.len());
            assert_eq!(next.as_ptr(), at);
            next.extend_from_slice(&other);
            let tree = RawTree::parse(Oid::ZERO_SHA1, next).unwrap();
            assert_eq!(tree.len(), 1990);
            assert_eq!(&*tree.data, &other[..]);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn parses_entries_in_order() {
        let t = raw(&[
            ("100644", "a.md", 1),
            ("40000", "dir", 2),
            ("120000", "link", 3),
        ]);
        assert_eq!(t.len(), 3);
        let d = t.get(1).unwrap();
        assert_eq!((d.mode, d.name, d.is_tree()), (0o040000, &b"dir"[..], true));
        assert_eq!(t.get(2).unwrap().mode, 0o120000);
        assert!(t.get(3).is_none());
    }

    /// git order: `a-b` < `a.b` < `a/` (the folder `a`) < `ab`.
    fn around_a_folder() -> RawTree {
        raw(&[
            ("100644", "a-b", 1),
            ("100644", "a.b", 2),
            ("40000", "a", 3),
            ("100644", "ab", 4),
        ])
    }

    #[test]
    fn finds_a_folder_sorted_after_a_longer_file_name() {
        let t = around_a_folder();
        assert_eq!(t.find(b"a").map(|i| i.id), Oid::from_bytes(&[3; 20]).ok());
        assert_eq!(t.find(b"ab").map(|i| i.id), Oid::from_bytes(&[4; 20]).ok());
        assert_eq!(t.find(b"a.b").map(|i| i.id), Oid::from_bytes(&[2; 20]).ok());
        assert!(t.find(b"b").is_none());
    }

    #[test]
    fn prefix_search_respects_git_order() {
        let t = around_a_folder();
        assert_eq!(t.lower_bound(b"a.b"), 1);
        assert_eq!(t.lower_bound(b"ab"), 3);
    }

    #[test]
    fn differing_ranges_skip_common_ends() {
        let old = raw(&[("100644", "a", 1), ("100644", "b", 2), ("100644", "c", 3)]);
        let new = raw(&[("100644", "a", 1), ("100644", "b", 9), ("100644", "c", 3)]);
        assert_eq!(RawTree::differing(&old, &new).unwrap(), (1..2, 1..2));
        assert_eq!(RawTree::differing(&old, &old).unwrap(), (3..3, 3..3));
        let longer = raw(&[
            ("100644", "a", 1),
            ("100644", "b", 2),
            ("100644", "c", 3),
            ("100644", "d", 4),
        ]);
        assert_eq!(RawTree::differing(&old, &longer).unwrap(), (3..3, 3..4));
    }

    #[test]
    fn malformed_trees_are_errors() {
        for data in [
            &b"100644 a"[..],
            b"100644 a\0short",
            b" a\0aaaaaaaaaaaaaaaaaaaa",
            b"10x644 a\0aaaaaaaaaaaaaaaaaaaa",
        ] {
            assert!(RawTree::parse(Oid::ZERO_SHA1, data.to_vec()).is_err());
        }
    }
}

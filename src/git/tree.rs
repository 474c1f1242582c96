//! Tree objects read once and kept: raw bytes plus where each entry starts.
//!
//! A backlog folder is one tree of 10,000 entries that nearly every commit of a long
//! history has in common with its parent. libgit2 parses such a tree into a fresh array of
//! entries on every lookup its object cache misses (and the cache evicts at random once it
//! is full). Here a tree is parsed once into entry offsets, kept in a small per-repository
//! memo, and compared with its parent's version by raw bytes: the long runs of identical
//! entries at both ends cost one `memcmp`, and only the entries in between are walked.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use git2::Oid;

use crate::source::SourceError;

/// One parsed tree object.
#[derive(Debug)]
pub struct RawTree {
    id: Oid,
    data: Vec<u8>,
    /// Per entry: the offset of its mode and of the NUL that ends its name.
    entries: Vec<(u32, u32)>,
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
    /// Parses the raw contents of tree `id`.
    pub fn parse(id: Oid, data: Vec<u8>) -> Result<RawTree, SourceError> {
        let bad = || SourceError(format!("tree {id} is malformed"));
        let mut entries = Vec::new();
        let mut at = 0;
        while at < data.len() {
            let rest = data.get(at..).ok_or_else(bad)?;
            let space = memchr::memchr(b' ', rest).ok_or_else(bad)?;
            let nul = memchr::memchr(0, rest).ok_or_else(bad)?;
            let octal = rest
                .get(..space)
                .is_some_and(|m| m.len() <= 7 && m.iter().all(|b| (b'0'..=b'7').contains(b)));
            if space == 0 || !octal || nul <= space + 1 || rest.len() < nul + 1 + ID_LEN {
                return Err(bad());
            }
            let start = u32::try_from(at).map_err(|_| bad())?;
            let end = u32::try_from(at + nul).map_err(|_| bad())?;
            entries.push((start, end));
            at += nul + 1 + ID_LEN;
        }
        Ok(RawTree { id, data, entries })
    }

    /// The tree's id.
    pub fn id(&self) -> Oid {
        self.id
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True for the empty tree.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entry `i`, in git's order.
    pub fn get(&self, i: usize) -> Option<TreeItem<'_>> {
        let &(start, nul) = self.entries.get(i)?;
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
        self.entries
            .get(i)
            .and_then(|&(start, nul)| self.data.get(start as usize..nul as usize + 1 + ID_LEN))
            .unwrap_or_default()
    }

    /// The index of the first entry that sorts at or after a file named `name`. Entries
    /// sort by name, a subtree's name read as if it ended in `/` (git's order), so the
    /// entries whose names start with `name` follow from here, together.
    pub fn lower_bound(&self, name: &[u8]) -> usize {
        self.entries.partition_point(|&(start, nul)| {
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
    /// trees.
    pub fn differing(
        old: &RawTree,
        new: &RawTree,
    ) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        let (a, b) = (old.len(), new.len());
        // Entries that end inside the common byte prefix are identical: parsing from the
        // start sees the same bytes on both sides.
        let same = common_prefix(&old.data, &new.data);
        let head = old
            .entries
            .partition_point(|&(_, nul)| nul as usize + 1 + ID_LEN <= same)
            .min(b);
        // From the end: the entries that start inside the common byte suffix, if the first
        // of them starts at the same distance from the end on both sides (then the rest
        // parse alike too); else entry by entry.
        let suffix = common_suffix(&old.data, &new.data);
        let from = |t: &RawTree| {
            let cut = t.data.len() - suffix.min(t.data.len());
            t.entries
                .partition_point(|&(start, _)| (start as usize) < cut)
        };
        let (ia, ib) = (from(old).max(head), from(new).max(head));
        let aligned = a - ia == b - ib
            && match (old.entries.get(ia), new.entries.get(ib)) {
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

/// The length of the longest common prefix of `a` and `b`, found block by block.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 512;
    let n = a.len().min(b.len());
    let mut at = 0;
    while at + BLOCK <= n && a[at..at + BLOCK] == b[at..at + BLOCK] {
        at += BLOCK;
    }
    at + a[at..n]
        .iter()
        .zip(&b[at..n])
        .take_while(|(x, y)| x == y)
        .count()
}

/// The length of the longest common suffix of `a` and `b`, found block by block.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 512;
    let n = a.len().min(b.len());
    let (la, lb) = (a.len(), b.len());
    let mut k = 0;
    while k + BLOCK <= n && a[la - k - BLOCK..la - k] == b[lb - k - BLOCK..lb - k] {
        k += BLOCK;
    }
    k + a[..la - k]
        .iter()
        .rev()
        .zip(b[..lb - k].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

/// Recently read trees by id, shared by every lookup on one repository handle. Bounded by
/// total size; the oldest go first.
#[derive(Debug, Default)]
pub struct TreeMemo {
    inner: RefCell<MemoInner>,
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
    /// The tree `id`, from the memo or read with `read`.
    pub fn get_or_read(
        &self,
        id: Oid,
        read: impl FnOnce() -> Result<Vec<u8>, SourceError>,
    ) -> Result<Rc<RawTree>, SourceError> {
        let k = key(id);
        if let Some(t) = self.inner.borrow().by_id.get(&k) {
            return Ok(t.clone());
        }
        let tree = Rc::new(RawTree::parse(id, read()?)?);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(entries: &[(&str, &str, u8)]) -> RawTree {
        let mut data = Vec::new();
        for (mode, name, id) in entries {
            data.extend_from_slice(mode.as_bytes());
            data.push(b' ');
            data.extend_from_slice(name.as_bytes());
            data.push(0);
            data.extend_from_slice(&[*id; ID_LEN]);
        }
        RawTree::parse(Oid::ZERO_SHA1, data).unwrap()
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
        assert_eq!(RawTree::differing(&old, &new), (1..2, 1..2));
        assert_eq!(RawTree::differing(&old, &old), (3..3, 3..3));
        let longer = raw(&[
            ("100644", "a", 1),
            ("100644", "b", 2),
            ("100644", "c", 3),
            ("100644", "d", 4),
        ]);
        assert_eq!(RawTree::differing(&old, &longer), (3..3, 3..4));
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

//! Objects read straight from git's pack files, for the trees of a long history.
//!
//! A backlog folder of 10,000 tasks is one tree of about 600 KB that changes every few
//! commits, and git stores its versions as chains of up to 50 deltas, each a few entries
//! long. libgit2 rebuilds such a tree by applying the chain one link at a time, copying
//! the whole tree at every link, and caches no object over 1 MB. Here a chain is composed
//! instead: an object is kept as a list of pieces (ranges of the chain's whole base or of
//! the deltas' inserted bytes), a delta turns its base's pieces into its own at the cost of
//! its few instructions, and the bytes are copied together once, when the object is read.
//! The composed versions are kept in a small cache, so the next version of a tree, one
//! link further along the chain it shares, costs one link and one copy.
//!
//! Only what a reader can be sure of is read here: SHA-1 packs with a version 2 index
//! whose checksum matches its pack. Anything else — a loose object, an object of another
//! object directory (alternates), a pack or object that does not parse — is not found
//! here, and the caller asks libgit2, which reads it or reports the same error as before.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use super::map::Map;

/// The length of an object id (SHA-1).
const ID_LEN: usize = 20;

/// The kinds of object a pack holds, by their type number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A commit (type 1).
    Commit,
    /// A tree (type 2).
    Tree,
    /// A blob (type 3).
    Blob,
    /// An annotated tag (type 4).
    Tag,
}

/// An object read from a pack: its kind and contents.
#[derive(Debug)]
pub struct Object {
    /// What the object is.
    pub kind: Kind,
    /// Its contents, as `git cat-file` prints them.
    pub data: Vec<u8>,
}

/// What [`Packs::read_at_most`] read.
#[derive(Debug)]
pub enum Packed {
    /// The object.
    Object(Object),
    /// An object larger than asked for.
    TooLarge {
        /// What the object is.
        kind: Kind,
        /// Its size in bytes.
        size: usize,
    },
}

/// The packs of one object directory, with caches of recently inflated entries and
/// composed objects. One per repository handle (not shared between threads).
pub struct Packs {
    packs: Arc<Vec<Pack>>,
    entries: RefCell<Lru<Rc<Entry>>>,
    composed: RefCell<Lru<Rc<Composed>>>,
    inflater: RefCell<Option<zlib::Inflater>>,
}

impl std::fmt::Debug for Packs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Packs({})", self.packs.len())
    }
}

/// One pack: its index and the pack file, read piece by piece (a long history reads much
/// of a pack of hundreds of megabytes once; mapped, every page read would count in the
/// process's memory).
///
/// The index is mapped. In a large index (a table of object names of over [`MAP_NAMES`]
/// bytes, 20 bytes an object: 70 MB of a 100 MB index at 3.6 million objects) the names
/// are read with `pread` instead: libgit2, which reads the commits, maps the same index,
/// and a long history's lookups land on every page of it, so a second mapping of the
/// names held as much memory again. A bucket of names (those sharing a first byte)
/// searched often then gets a sample in memory (the first 8 bytes of every [`SAMPLE`]th
/// name), and a lookup reads one short run of names.
struct Pack {
    idx: Map,
    idx_file: File,
    file: File,
    /// The pack's length, without its trailing checksum.
    end: u64,
    count: usize,
    /// Per first byte of an id: how often its bucket was searched, and its sample; empty
    /// when the names are read from the mapping.
    buckets: Box<[Bucket]>,
}

/// The largest table of names read from the mapped index (see [`Pack`]).
const MAP_NAMES: usize = 32 << 20;

/// One bucket of a pack index's names (see [`Pack`]).
#[derive(Default)]
struct Bucket {
    searches: AtomicU32,
    sample: OnceLock<Box<[u64]>>,
}

/// Every this many names of a bucket, one is in its sample.
const SAMPLE: usize = 32;

/// A bucket is sampled once it has been searched this many times (a hook's few lookups
/// read a few names each instead of the whole bucket).
const SAMPLE_AFTER: u32 = 8;

/// Where the table of names starts in a version 2 index.
const NAMES: usize = 8 + 256 * 4;

/// The largest pack entry read here (larger ones are left to libgit2).
const MAX_OBJECT: usize = 64 << 20;

/// A pack entry, inflated: a whole object, or a delta and where its base is.
struct Entry {
    base: Base,
    data: Vec<u8>,
}

impl Drop for Entry {
    fn drop(&mut self) {
        super::tree::recycle(std::mem::take(&mut self.data));
    }
}

/// What a pack entry is.
#[derive(Clone, Copy)]
enum Base {
    /// A whole object of this kind.
    Whole(Kind),
    /// A delta against the entry at this offset of the same pack.
    Offset(u64),
    /// A delta against the object with this id.
    Id([u8; ID_LEN]),
}

/// Reads a 4-byte big-endian number at `at`.
fn be32(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

impl Pack {
    /// The pack whose index is `idx_path` (`pack-X.idx`, next to `pack-X.pack`): `None`
    /// unless both are there, the index is version 2 and the pack is the one it indexes.
    ///
    /// Its names are read with `pread` when there are more than `map_names` bytes of them.
    fn open(idx_path: &Path, map_names: usize) -> Option<Pack> {
        let idx_file = File::open(idx_path).ok()?;
        let idx = Map::new(&idx_file, idx_file.metadata().ok()?.len())?;
        let data = idx.as_slice();
        if data.get(..8)? != b"\xfftOc\0\0\0\x02" {
            return None;
        }
        let count = usize::try_from(be32(data, 8 + 255 * 4)?).ok()?;
        let fixed = 8 + 256 * 4 + count.checked_mul(ID_LEN + 8)?;
        if data.len() < fixed + 2 * ID_LEN {
            return None;
        }
        let file = File::open(idx_path.with_extension("pack")).ok()?;
        let len = file.metadata().ok()?.len();
        let end = len.checked_sub(ID_LEN as u64)?;
        let mut head = [0; 12];
        read_exact_at(&file, &mut head, 0)?;
        let mut sum = [0; ID_LEN];
        read_exact_at(&file, &mut sum, end)?;
        let version = be32(&head, 4)?;
        let idx_sum = data.get(data.len() - 2 * ID_LEN..data.len() - ID_LEN)?;
        let ok = &head[..4] == b"PACK"
            && (version == 2 || version == 3)
            && usize::try_from(be32(&head, 8)?).ok()? == count
            && idx_sum == sum;
        ok.then(|| Pack {
            idx,
            idx_file,
            file,
            end,
            count,
            buckets: if count * ID_LEN > map_names {
                (0..256).map(|_| Bucket::default()).collect()
            } else {
                Box::default()
            },
        })
    }

    /// Where object `id` starts in the pack, if the pack has it.
    fn find(&self, id: &[u8]) -> Option<u64> {
        let id: &[u8; ID_LEN] = id.try_into().ok()?;
        let data = self.idx.as_slice();
        let first = usize::from(id[0]);
        let lo = match first {
            0 => 0,
            f => be32(data, 8 + (f - 1) * 4)?,
        };
        let (lo, hi) = (
            usize::try_from(lo).ok()?,
            usize::try_from(be32(data, 8 + first * 4)?).ok()?,
        );
        if hi > self.count || lo > hi {
            return None;
        }
        let Some(bucket) = self.buckets.get(first) else {
            let i = position(data.get(NAMES + lo * ID_LEN..NAMES + hi * ID_LEN)?, id)?;
            return self.offset(lo + i);
        };
        let i = match bucket.sample.get() {
            Some(sample) => {
                // The names from the last sampled one below `id` to the first above it.
                let key = prefix(id);
                let below = sample.partition_point(|p| *p < key);
                let above = sample.partition_point(|p| *p <= key);
                let start = lo + below.saturating_sub(1) * SAMPLE;
                self.search(id, start, hi.min(lo + above * SAMPLE))?
            }
            None if bucket.searches.fetch_add(1, Ordering::Relaxed) >= SAMPLE_AFTER => {
                let names = self.names(lo, hi)?;
                let sample = names.chunks(ID_LEN).step_by(SAMPLE).map(prefix).collect();
                let _ = bucket.sample.set(sample);
                lo + position(&names, id)?
            }
            None => {
                // A few names read one by one, then the last run of them at once.
                let (mut lo, mut hi) = (lo, hi);
                while hi - lo > SAMPLE {
                    let mid = lo + (hi - lo) / 2;
                    match self.names(mid, mid + 1)?.as_slice().cmp(id.as_slice()) {
                        std::cmp::Ordering::Less => lo = mid + 1,
                        std::cmp::Ordering::Greater => hi = mid,
                        std::cmp::Ordering::Equal => return self.offset(mid),
                    }
                }
                self.search(id, lo, hi)?
            }
        };
        self.offset(i)
    }

    /// Where `id` is among the names `start..end` of the index, read at once.
    fn search(&self, id: &[u8; ID_LEN], start: usize, end: usize) -> Option<usize> {
        if start >= end {
            return None;
        }
        Some(start + position(&self.names(start, end)?, id)?)
    }

    /// The names `start..end` of the index, read from its file.
    fn names(&self, start: usize, end: usize) -> Option<Vec<u8>> {
        let mut buf = vec![0; end.checked_sub(start)? * ID_LEN];
        read_exact_at(&self.idx_file, &mut buf, (NAMES + start * ID_LEN) as u64)?;
        Some(buf)
    }

    /// The pack offset of the `i`th object of the index.
    fn offset(&self, i: usize) -> Option<u64> {
        let data = self.idx.as_slice();
        let table = 8 + 256 * 4 + self.count * (ID_LEN + 4);
        let small = be32(data, table + i * 4)?;
        if small & 0x8000_0000 == 0 {
            return Some(u64::from(small));
        }
        let large = table + self.count * 4 + usize::try_from(small & 0x7fff_ffff).ok()? * 8;
        let b = data.get(large..large + 8)?;
        Some(u64::from_be_bytes(b.try_into().ok()?))
    }

    /// The ids of every object in the pack, in id order (for tests).
    #[cfg(test)]
    fn ids(&self) -> Vec<[u8; ID_LEN]> {
        let data = self.idx.as_slice();
        (0..self.count)
            .filter_map(|i| {
                let at = 8 + 256 * 4 + i * ID_LEN;
                data.get(at..at + ID_LEN)?.try_into().ok()
            })
            .collect()
    }
}

/// The first 8 bytes of an object name, as a number that sorts as the name does.
fn prefix(name: &[u8]) -> u64 {
    let mut b = [0; 8];
    let n = name.len().min(8);
    b[..n].copy_from_slice(&name[..n]);
    u64::from_be_bytes(b)
}

/// Where `id` is in `names`, a sorted run of names.
fn position(names: &[u8], id: &[u8; ID_LEN]) -> Option<usize> {
    let (mut lo, mut hi) = (0, names.len() / ID_LEN);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match names
            .get(mid * ID_LEN..(mid + 1) * ID_LEN)?
            .cmp(id.as_slice())
        {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return Some(mid),
        }
    }
    None
}

/// Fills `buf` from `file` at `offset`: `None` when the file is shorter.
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> Option<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset).ok()
}

/// Values by pack and offset, the least recently used dropped first once they weigh
/// more than the budget.
struct Lru<V> {
    map: HashMap<(usize, u64), (V, u64, usize), rustc_hash::FxBuildHasher>,
    bytes: usize,
    clock: u64,
    budget: usize,
}

impl<V: Clone> Lru<V> {
    fn new(budget: usize) -> Lru<V> {
        Lru {
            map: HashMap::default(),
            bytes: 0,
            clock: 0,
            budget,
        }
    }

    fn get(&mut self, key: (usize, u64)) -> Option<V> {
        self.clock += 1;
        let clock = self.clock;
        self.map.get_mut(&key).map(|(v, used, _)| {
            *used = clock;
            v.clone()
        })
    }

    /// Keeps `value`, which weighs `weight` bytes (nothing heavier than three quarters
    /// of the budget).
    fn put(&mut self, key: (usize, u64), value: V, weight: usize) {
        if weight > self.budget / 4 * 3 {
            return;
        }
        self.clock += 1;
        self.bytes += weight;
        if let Some((_, _, old)) = self.map.insert(key, (value, self.clock, weight)) {
            self.bytes -= old;
        }
        if self.bytes > self.budget {
            // Drop the least recently used, the newest excepted, until a quarter is free.
            let mut by_age: Vec<_> = self.map.iter().map(|(k, (_, t, _))| (*t, *k)).collect();
            by_age.sort_unstable();
            by_age.pop();
            for (_, k) in by_age {
                if self.bytes <= self.budget / 4 * 3 {
                    break;
                }
                if let Some((_, _, w)) = self.map.remove(&k) {
                    self.bytes -= w;
                }
            }
        }
    }
}

/// What the cache of inflated entries may hold: the whole base of a task folder's delta
/// chain (3.4 MB at 50,000 tasks) and its deltas, with room for the other folders'.
const ENTRY_BYTES: usize = 6 << 20;

/// What the cache of composed objects may hold (their pieces and the names of their
/// sources, and the objects copied together on the way).
const COMPOSED_BYTES: usize = 2 << 20;

/// The deepest delta chain followed (git writes at most 4,095 links; a chain of ids that
/// loops is corrupt).
const MAX_CHAIN: usize = 10_000;

/// Objects of at most this many bytes are composed whole, their bytes held (see
/// [`Composed::apply`]).
const SMALL: usize = 4096;

/// Bytes a cached value is charged on top of its data: its slot in the cache's table,
/// its reference-counted box and the allocator's headers (charged less, a cache of
/// thousands of small deltas took twice its budget).
const OVERHEAD: usize = 160;

impl Packs {
    /// The packs of the object directory `objects` (`objects/pack/*.idx`); `None` when
    /// it has none flowgate reads.
    ///
    /// The packs themselves (their mapped indexes and open files) are shared with the
    /// other handles of the same object directory that are open at the time (the threads
    /// of a history pass): each would otherwise map the same index again. A pack written
    /// since is not seen by a handle that shares; its objects are read through libgit2.
    pub fn open(objects: &Path) -> Option<Packs> {
        Packs::open_with(objects, MAP_NAMES)
    }

    /// [`Packs::open`], the names of an index read with `pread` when there are more than
    /// `map_names` bytes of them (see [`Pack`]).
    fn open_with(objects: &Path, map_names: usize) -> Option<Packs> {
        type Shared = (std::path::PathBuf, usize, Weak<Vec<Pack>>);
        static OPEN: Mutex<Vec<Shared>> = Mutex::new(Vec::new());
        let mut open = OPEN.lock().ok()?;
        open.retain(|(_, _, w)| w.strong_count() > 0);
        let shared = open
            .iter()
            .find(|(dir, limit, _)| dir == objects && *limit == map_names)
            .and_then(|(_, _, w)| w.upgrade());
        let packs = match shared {
            Some(packs) => packs,
            None => {
                let mut names: Vec<_> = std::fs::read_dir(objects.join("pack"))
                    .ok()?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "idx"))
                    .collect();
                names.sort();
                let packs = Arc::new(
                    names
                        .iter()
                        .filter_map(|p| Pack::open(p, map_names))
                        .collect(),
                );
                open.push((objects.to_path_buf(), map_names, Arc::downgrade(&packs)));
                packs
            }
        };
        (!packs.is_empty()).then(|| Packs {
            packs,
            entries: RefCell::new(Lru::new(ENTRY_BYTES)),
            composed: RefCell::new(Lru::new(COMPOSED_BYTES)),
            inflater: RefCell::new(None),
        })
    }

    /// Where object `id` is: pack and offset.
    fn find(&self, id: &[u8]) -> Option<(usize, u64)> {
        self.packs
            .iter()
            .enumerate()
            .find_map(|(p, pack)| pack.find(id).map(|at| (p, at)))
    }

    /// Object `id`, if a pack here has it and it reads; `None` otherwise (the caller
    /// asks libgit2, which reads it or says what is wrong).
    pub fn read(&self, id: &[u8]) -> Option<Object> {
        match self.read_at_most(id, usize::MAX)? {
            Packed::Object(object) => Some(object),
            Packed::TooLarge { .. } => None,
        }
    }

    /// Object `id`, as [`Packs::read`], unless it is larger than `max` bytes: then only
    /// its kind and size.
    pub fn read_at_most(&self, id: &[u8], max: usize) -> Option<Packed> {
        let (p, at) = self.find(id)?;
        let object = match self.composed(p, at)? {
            Found::Composed(object) => object,
            Found::Once(kind, data) if data.len() > max => {
                return Some(Packed::TooLarge {
                    kind,
                    size: data.len(),
                })
            }
            Found::Once(kind, data) => return Some(Packed::Object(Object { kind, data })),
        };
        if object.len > max {
            return Some(Packed::TooLarge {
                kind: object.kind,
                size: object.len,
            });
        }
        Some(Packed::Object(Object {
            kind: object.kind,
            data: object.assemble(self, None)?,
        }))
    }

    /// The object at `at` of pack `p`, composed: its delta chain followed down to a whole
    /// object or a composed version in the cache, then composed back up, each version
    /// on the way kept in the cache. A whole commit not in the caches is handed over as
    /// it was inflated: a history reads each commit once, and seldom as a delta's base.
    fn composed(&self, mut p: usize, mut at: u64) -> Option<Found> {
        let mut chain = Vec::new();
        let mut object = loop {
            if let Some(c) = self.composed.borrow_mut().get((p, at)) {
                break c;
            }
            let (entry, kept) = self.entry_unkept(p, at)?;
            let base = entry.base;
            match base {
                Base::Whole(Kind::Commit) if chain.is_empty() && !kept => {
                    let data = Rc::try_unwrap(entry)
                        .map_or_else(|e| e.data.clone(), |mut e| std::mem::take(&mut e.data));
                    return Some(Found::Once(Kind::Commit, data));
                }
                Base::Whole(kind) => {
                    let len = entry.data.len();
                    if !kept && len > SMALL {
                        self.keep((p, at), &entry);
                    }
                    // A small object is kept whole, its bytes held: composing it from
                    // its entry again costs more than its bytes.
                    let source = if len <= SMALL {
                        Source::Flat(Rc::new(entry.data.clone()))
                    } else {
                        Source::Packed(p, at)
                    };
                    let mut object = Composed::whole(kind, source, len);
                    object.flat = if len <= SMALL { len } else { 0 };
                    break Rc::new(object);
                }
                Base::Offset(o) => {
                    chain.push(((p, at), entry, kept));
                    at = o;
                }
                Base::Id(id) => {
                    chain.push(((p, at), entry, kept));
                    (p, at) = self.find(&id)?;
                }
            }
            if chain.len() > MAX_CHAIN {
                return None;
            }
        };
        for (key, delta, kept) in chain.into_iter().rev() {
            object = Rc::new(object.apply(self, key, &delta)?);
            // The delta of a small object is not kept: the object is, whole.
            if !kept && object.len > SMALL {
                self.keep(key, &delta);
            }
            let weight = object.weight();
            self.composed.borrow_mut().put(key, object.clone(), weight);
        }
        Some(Found::Composed(object))
    }

    /// The entry at `at` in pack `p`, inflated (from the cache when it is there).
    fn entry(&self, p: usize, at: u64) -> Option<Rc<Entry>> {
        let (entry, kept) = self.entry_unkept(p, at)?;
        if !kept {
            self.keep((p, at), &entry);
        }
        Some(entry)
    }

    /// The entry at `at` in pack `p`, from the cache (and `true`) or inflated (and
    /// `false`, not kept in the cache: see [`Packs::keep`]).
    fn entry_unkept(&self, p: usize, at: u64) -> Option<(Rc<Entry>, bool)> {
        if let Some(e) = self.entries.borrow_mut().get((p, at)) {
            return Some((e, true));
        }
        let entry = Rc::new(self.inflate_entry(self.packs.get(p)?, at)?);
        Some((entry, false))
    }

    /// Keeps the entry at `key` in the cache of inflated entries.
    fn keep(&self, key: (usize, u64), entry: &Rc<Entry>) {
        let weight = entry.data.len() + OVERHEAD;
        self.entries.borrow_mut().put(key, entry.clone(), weight);
    }

    /// Reads and inflates the entry at `at` of `pack`.
    fn inflate_entry(&self, pack: &Pack, at: u64) -> Option<Entry> {
        if at >= pack.end {
            return None;
        }
        let mut slot = self.inflater.borrow_mut();
        if slot.is_none() {
            *slot = zlib::Inflater::new();
        }
        let inflater = slot.as_mut()?;
        // The header (at most 10 bytes of type and size, 10 of base offset or 20 of base
        // id) and, usually, all of the compressed data of a delta, in one read.
        let (base, size, pos) = entry_header(inflater.read_head(pack, at)?, at)?;
        let data = inflater.inflate_at(pack, at, pos, size)?;
        Some(Entry { base, data })
    }

    /// The ids of every object in these packs (for tests).
    #[cfg(test)]
    fn ids(&self) -> Vec<[u8; ID_LEN]> {
        self.packs.iter().flat_map(Pack::ids).collect()
    }
}

/// The header of the pack entry at `at` whose bytes `buf` starts with: what its data
/// is (a whole object, or a delta and where its base is), how long it is inflated, and
/// where its compressed data starts in `buf`.
fn entry_header(buf: &[u8], at: u64) -> Option<(Base, usize, usize)> {
    let mut pos = 0;
    let byte = |pos: &mut usize| {
        let b = buf.get(*pos).copied();
        *pos += 1;
        b
    };
    let mut c = byte(&mut pos)?;
    let kind = (c >> 4) & 7;
    let mut size = u64::from(c & 15);
    let mut shift = 4;
    while c & 0x80 != 0 {
        c = byte(&mut pos)?;
        if shift > 57 {
            return None;
        }
        size |= u64::from(c & 0x7f) << shift;
        shift += 7;
    }
    let base = match kind {
        1 => Base::Whole(Kind::Commit),
        2 => Base::Whole(Kind::Tree),
        3 => Base::Whole(Kind::Blob),
        4 => Base::Whole(Kind::Tag),
        6 => {
            let mut c = byte(&mut pos)?;
            let mut back = u64::from(c & 0x7f);
            while c & 0x80 != 0 {
                c = byte(&mut pos)?;
                back = back.checked_add(1)?.checked_mul(128)? | u64::from(c & 0x7f);
            }
            Base::Offset(at.checked_sub(back).filter(|_| back > 0)?)
        }
        7 => {
            let id = buf.get(pos..pos + ID_LEN)?.try_into().ok()?;
            pos += ID_LEN;
            Base::Id(id)
        }
        _ => return None,
    };
    let size = usize::try_from(size).ok().filter(|s| *s <= MAX_OBJECT)?;
    Some((base, size, pos))
}

/// Inflating pack entries: libdeflate for a whole entry, zlib's inflate (through the
/// bindings libgit2 uses) for what libdeflate does not read.
mod zlib {
    use super::Pack;
    use libdeflate_sys as ld;
    use libz_sys as z;
    use std::os::raw::c_int;

    /// zlib decodes with its fast loop only while the output has room for the longest
    /// match (258 bytes) past the symbol it decodes (libdeflate wants a few dozen bytes
    /// more, about 300); they decode the rest of an object with a slow, general loop. Most pack entries the audit reads
    /// are tree and commit deltas under 258 bytes, so small objects are inflated into a
    /// buffer with that much room to spare, then copied out.
    const ROOM: usize = 258;

    /// The objects inflated through the spare buffer; larger ones are inflated in place
    /// (their last 258 bytes are a small part of them).
    const SMALL: usize = 16 << 10;

    /// What is read of an entry first: its header and, for most entries (95 % of a
    /// generated history's are under 256 bytes in the pack), all of its compressed data.
    /// An entry that may be longer is read on to its bound (see [`Inflater::inflate_at`]).
    const HEAD: usize = 512;

    /// An inflate stream, a libdeflate decompressor and buffers of compressed and
    /// inflated data, reused from one entry to the next.
    pub struct Inflater {
        // Boxed: zlib keeps a pointer back to the stream.
        stream: Box<z::z_stream>,
        /// libdeflate's decompressors: the first for streams whose first block is coded
        /// with the fixed Huffman codes, the second for the others (see
        /// [`Inflater::decompressor`]); null when libdeflate could not allocate one, or in
        /// tests of zlib's path: every entry is then inflated by zlib.
        whole: [*mut ld::libdeflate_decompressor; 2],
        /// What was last read of a pack: its first `filled` bytes. Longer buffers are
        /// kept for the next entry (not zeroed again, not given back and faulted in).
        buffer: Vec<u8>,
        filled: usize,
        /// Where small objects are inflated, with room to spare.
        spare: Vec<u8>,
        /// The room given past an object's end (`ROOM`; 0 in tests, the slow path).
        room: usize,
    }

    extern "C" fn alloc(_: z::voidpf, items: z::uInt, size: z::uInt) -> z::voidpf {
        // SAFETY: calloc with sizes zlib asks for; zlib checks for null.
        unsafe { libc::calloc(items as usize, size as usize) }
    }

    extern "C" fn free(_: z::voidpf, address: z::voidpf) {
        // SAFETY: `address` came from `alloc` above (calloc), freed once by zlib.
        unsafe { libc::free(address) }
    }

    impl Inflater {
        /// A stream ready to inflate zlib data; `None` when zlib refuses.
        pub fn new() -> Option<Inflater> {
            let mut stream = Box::new(z::z_stream {
                next_in: std::ptr::null_mut(),
                avail_in: 0,
                total_in: 0,
                next_out: std::ptr::null_mut(),
                avail_out: 0,
                total_out: 0,
                msg: std::ptr::null_mut(),
                state: std::ptr::null_mut(),
                zalloc: alloc,
                zfree: free,
                opaque: std::ptr::null_mut(),
                data_type: 0,
                adler: 0,
                reserved: 0,
            });
            let size = c_int::try_from(std::mem::size_of::<z::z_stream>()).ok()?;
            // SAFETY: `stream` is a zeroed stream with allocation functions, boxed so that
            // it does not move while zlib holds its state; the version and size are the
            // ones the bindings were written for.
            let ok = unsafe { z::inflateInit_(&mut *stream, z::zlibVersion(), size) };
            if ok != z::Z_OK {
                return None;
            }
            Some(Inflater {
                stream,
                // SAFETY: allocates two decompressors (null when out of memory), freed in
                // `drop`.
                whole: unsafe {
                    [
                        ld::libdeflate_alloc_decompressor(),
                        ld::libdeflate_alloc_decompressor(),
                    ]
                },
                buffer: Vec::new(),
                filled: 0,
                spare: Vec::new(),
                room: ROOM,
            })
        }

        /// The same stream, inflating objects without room to spare (zlib's slow path).
        #[cfg(test)]
        pub fn without_room(mut self) -> Inflater {
            self.room = 0;
            self
        }

        /// The same stream, inflating every object with zlib (the path libdeflate's
        /// stands for).
        #[cfg(test)]
        pub fn zlib_only(mut self) -> Inflater {
            for d in &mut self.whole {
                // SAFETY: the decompressor came from `new` and is freed once, here.
                unsafe { ld::libdeflate_free_decompressor(*d) };
                *d = std::ptr::null_mut();
            }
            self
        }

        /// The same stream, each zlib stream inflated by the other decompressor than
        /// [`Inflater::decompressor`] picks (for tests: the choice changes no output).
        #[cfg(test)]
        pub fn swapped(mut self) -> Inflater {
            self.whole.swap(0, 1);
            self
        }

        /// Reads the first bytes of the entry at `at` of `pack` (as many of [`HEAD`] as
        /// the pack has), for its header.
        pub fn read_head(&mut self, pack: &Pack, at: u64) -> Option<&[u8]> {
            self.filled = 0;
            self.read_to(pack, at, (pack.end - at).min(HEAD as u64) as usize)?;
            self.buffer.get(..self.filled)
        }

        /// Reads the entry at `at` of `pack` on from where the buffer ends to `len` bytes.
        fn read_to(&mut self, pack: &Pack, at: u64, len: usize) -> Option<()> {
            if self.buffer.len() < len {
                self.buffer.resize(len, 0);
            }
            let from = self.filled;
            super::read_exact_at(
                &pack.file,
                self.buffer.get_mut(from..len)?,
                at + from as u64,
            )?;
            self.filled = len;
            Some(())
        }

        /// Inflates the zlib stream of the entry at `at` of `pack` into exactly `size`
        /// bytes; the buffer holds what has been read from `at` on (see
        /// [`Inflater::read_head`]), the stream starting at `start` in it. `None` when the
        /// stream does not inflate to that size.
        ///
        /// libdeflate inflates a stream that is all in memory: the entry is read on to
        /// the longest a compressed `size` bytes can be (zlib's bound, and some), and
        /// inflated at once; its Adler-32 and length are checked. A stream libdeflate
        /// refuses (corrupt, or longer than that bound) goes through zlib, which reads
        /// on as far as the stream goes and says the same or reads it.
        pub fn inflate_at(
            &mut self,
            pack: &Pack,
            at: u64,
            start: usize,
            size: usize,
        ) -> Option<Vec<u8>> {
            if self.whole.iter().all(|d| !d.is_null()) {
                let bound = start.checked_add(size)?.checked_add(size / 1024 + 64)?;
                let len = (pack.end - at).min(bound as u64) as usize;
                if self.filled < len {
                    self.read_to(pack, at, len)?;
                }
                if let Some(out) = self.with_output(size, |i, out| i.inflate_whole(start, out)) {
                    return Some(out);
                }
            }
            self.with_output(size, |i, out| i.inflate_into(pack, at, start, out, size))
        }

        /// Runs `inflate` with an empty output of at least `size` bytes of capacity, then
        /// returns the output when `inflate` filled exactly `size` bytes of it.
        fn with_output(
            &mut self,
            size: usize,
            inflate: impl FnOnce(&mut Inflater, &mut Vec<u8>) -> Option<()>,
        ) -> Option<Vec<u8>> {
            if size >= SMALL {
                let mut out = crate::git::tree::buffer(size);
                inflate(self, &mut out)?;
                return (out.len() == size).then_some(out);
            }
            let mut spare = std::mem::take(&mut self.spare);
            spare.clear();
            spare.reserve(size + self.room);
            let out = inflate(self, &mut spare).filter(|()| spare.len() == size);
            let out = out.map(|()| spare.to_vec());
            self.spare = spare;
            out
        }

        /// The decompressor for zlib stream `input`: libdeflate builds the decoding
        /// tables of the fixed Huffman codes once and keeps them until a block with codes
        /// of its own replaces them. Most of a pack's small deltas are one fixed-code
        /// block, its commits and larger objects blocks with their own codes: one
        /// decompressor for both rebuilt the fixed tables for nearly every delta. Which
        /// one inflates a stream changes nothing but the time it takes.
        fn decompressor(&self, input: &[u8]) -> *mut ld::libdeflate_decompressor {
            // After the 2-byte zlib header, the first block's header: bit 0 says whether
            // it is the last, bits 1-2 how it is coded (1: the fixed codes).
            let fixed = input.get(2).is_some_and(|b| (b >> 1) & 3 == 1);
            self.whole[usize::from(!fixed)]
        }

        /// Inflates the stream starting at `start` in the buffer into `out` (empty, up
        /// to its capacity) with libdeflate; `None` when libdeflate refuses it.
        fn inflate_whole(&mut self, start: usize, out: &mut Vec<u8>) -> Option<()> {
            let input = self.buffer.get(start..self.filled)?;
            let decompressor = self.decompressor(input);
            let spare = out.spare_capacity_mut();
            let mut written = 0;
            // SAFETY: the input and output point at `input.len()` bytes of the buffer and
            // `spare.len()` bytes of the output's spare capacity, both alive and not
            // otherwise borrowed during the call; libdeflate only reads the input, writes
            // no more than that many bytes of output and says how many it wrote.
            let ret = unsafe {
                ld::libdeflate_zlib_decompress_ex(
                    decompressor,
                    input.as_ptr().cast(),
                    input.len(),
                    spare.as_mut_ptr().cast(),
                    spare.len(),
                    std::ptr::null_mut(),
                    &mut written,
                )
            };
            if ret != ld::libdeflate_result_LIBDEFLATE_SUCCESS || written > spare.len() {
                return None;
            }
            // SAFETY: libdeflate wrote `written` bytes from the start of the spare capacity.
            unsafe { out.set_len(written) };
            Some(())
        }

        /// Inflates the stream with zlib into `out`, which is empty, up to its capacity
        /// (at least `size`), reading on from the pack as far as the stream goes; `None`
        /// when the stream does not inflate to `size` bytes.
        fn inflate_into(
            &mut self,
            pack: &Pack,
            at: u64,
            start: usize,
            out: &mut Vec<u8>,
            size: usize,
        ) -> Option<()> {
            // SAFETY: the stream was initialised in `new`.
            if unsafe { z::inflateReset(&mut *self.stream) } != z::Z_OK {
                return None;
            }
            let mut from = start;
            // Where the pack goes on after the buffer.
            let mut next = at + self.filled as u64;
            loop {
                let input = self.buffer.get(from..self.filled)?;
                let spare = out.spare_capacity_mut();
                let room = spare.len();
                let (avail_in, avail_out) = (
                    z::uInt::try_from(input.len()).ok()?,
                    z::uInt::try_from(room).ok()?,
                );
                let s = &mut *self.stream;
                s.next_in = input.as_ptr().cast_mut();
                s.avail_in = avail_in;
                s.next_out = spare.as_mut_ptr().cast::<u8>();
                s.avail_out = avail_out;
                // SAFETY: `next_in`/`next_out` point at `avail_in`/`avail_out` bytes of
                // the buffer and of the output's spare capacity, both alive and not
                // otherwise borrowed during the call; zlib only reads the input.
                let ret = unsafe { z::inflate(s, z::Z_NO_FLUSH) };
                let used = (avail_in - s.avail_in) as usize;
                let written = (avail_out - s.avail_out) as usize;
                s.next_in = std::ptr::null_mut();
                s.next_out = std::ptr::null_mut();
                // SAFETY: zlib wrote `written` bytes from the start of the spare capacity.
                unsafe { out.set_len(out.len() + written) };
                match ret {
                    z::Z_STREAM_END => break,
                    z::Z_OK | z::Z_BUF_ERROR => {}
                    _ => return None,
                }
                if from + used < self.filled || next >= pack.end {
                    // The object is longer than its header said, or its stream is cut
                    // short.
                    return None;
                }
                // Read on: what the object still needs, at least 64 KiB.
                let want = ((size.saturating_sub(out.len()) + 64).max(64 << 10) as u64)
                    .min(pack.end - next);
                self.filled = 0;
                self.read_to(pack, next, want as usize)?;
                next += want;
                from = 0;
            }
            (out.len() == size).then_some(())
        }
    }

    impl Drop for Inflater {
        fn drop(&mut self) {
            // SAFETY: the stream was initialised in `new` and is ended once, here; the
            // decompressors (null or allocated in `new`) are freed once, here.
            unsafe {
                z::inflateEnd(&mut *self.stream);
                for d in self.whole {
                    if !d.is_null() {
                        ld::libdeflate_free_decompressor(d);
                    }
                }
            }
        }
    }
}

/// What [`Packs::composed`] found.
enum Found {
    /// The object, composed (and kept in the cache).
    Composed(Rc<Composed>),
    /// A whole object read once: its kind and bytes, not kept.
    Once(Kind, Vec<u8>),
}

/// A piece of a composed object: `len` bytes from `start` of one of its sources.
#[derive(Debug, Clone, Copy)]
struct Piece {
    src: u32,
    start: usize,
    len: usize,
    /// Where the piece starts in the object.
    at: usize,
}

/// An object as pieces of the entries of its delta chain (see the module's doc).
struct Composed {
    kind: Kind,
    sources: Vec<Source>,
    pieces: Vec<Piece>,
    len: usize,
    /// Bytes copied together on the way (see [`Composed::apply`]), owned by this version.
    flat: usize,
}

/// What the pieces of a [`Composed`] object are taken from.
#[derive(Clone)]
enum Source {
    /// The entry at this pack and offset: named, not held, so that the cache of composed
    /// objects holds no whole base of thousands of entries (it is inflated again if the
    /// entry cache has dropped it).
    Packed(usize, u64),
    /// An object copied together on the way.
    Flat(Rc<Vec<u8>>),
}

/// The bytes a [`Source`] stands for, while an object is copied together.
enum Bytes {
    Entry(Rc<Entry>),
    Flat(Rc<Vec<u8>>),
}

impl Bytes {
    fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Entry(e) => &e.data,
            Bytes::Flat(d) => d,
        }
    }
}

/// Reads a delta's size header: a little-endian base-128 number.
fn delta_size(delta: &[u8], pos: &mut usize) -> Option<usize> {
    let mut size = 0usize;
    let mut shift = 0;
    loop {
        let c = *delta.get(*pos)?;
        *pos += 1;
        if shift > 57 {
            return None;
        }
        size |= usize::from(c & 0x7f) << shift;
        shift += 7;
        if c & 0x80 == 0 {
            return Some(size);
        }
    }
}

/// One instruction of a delta.
enum Op {
    /// Copy `len` bytes from `offset` of the base.
    Copy { offset: usize, len: usize },
    /// Insert the delta's bytes `start..start + len`.
    Insert { start: usize, len: usize },
}

/// The instruction of `delta` at `pos`, moving past it; `None` at the end, `Some(None)`
/// for a malformed one.
fn delta_op(delta: &[u8], pos: &mut usize) -> Option<Option<Op>> {
    let op = *delta.get(*pos)?;
    *pos += 1;
    Some(if op & 0x80 != 0 {
        let mut field = |bits: u8, count: usize| -> Option<usize> {
            let mut v = 0usize;
            for i in 0..count {
                if bits & (1 << i) != 0 {
                    v |= usize::from(*delta.get(*pos)?) << (8 * i);
                    *pos += 1;
                }
            }
            Some(v)
        };
        field(op, 4).and_then(|offset| {
            let len = field(op >> 4, 3)?;
            Some(Op::Copy {
                offset,
                len: if len == 0 { 0x10000 } else { len },
            })
        })
    } else if op != 0 {
        let start = *pos;
        *pos += usize::from(op);
        (*pos <= delta.len()).then_some(Op::Insert {
            start,
            len: usize::from(op),
        })
    } else {
        None
    })
}

impl Composed {
    /// A whole object of `len` bytes, from `source`: one piece.
    fn whole(kind: Kind, source: Source, len: usize) -> Composed {
        Composed {
            kind,
            sources: vec![source],
            pieces: vec![Piece {
                src: 0,
                start: 0,
                len,
                at: 0,
            }],
            len,
            flat: 0,
        }
    }

    /// What keeping this version costs (its pieces and what it copied together).
    fn weight(&self) -> usize {
        self.pieces.len() * std::mem::size_of::<Piece>()
            + self.sources.len() * std::mem::size_of::<Source>()
            + self.flat
            + OVERHEAD
    }

    /// The bytes of the object, its entries read from `packs`.
    /// `own`, when given, is an entry at hand (the delta just applied), not looked up.
    fn assemble(&self, packs: &Packs, own: Option<((usize, u64), &Rc<Entry>)>) -> Option<Vec<u8>> {
        let entries = self
            .sources
            .iter()
            .map(|s| match s {
                Source::Packed(p, at) => match own {
                    Some((key, e)) if key == (*p, *at) => Some(Bytes::Entry(e.clone())),
                    _ => packs.entry(*p, *at).map(Bytes::Entry),
                },
                Source::Flat(data) => Some(Bytes::Flat(data.clone())),
            })
            .collect::<Option<Vec<_>>>()?;
        let mut out = super::tree::buffer(self.len);
        for p in &self.pieces {
            let src = entries.get(p.src as usize)?.as_slice();
            out.extend_from_slice(src.get(p.start..p.start + p.len)?);
        }
        Some(out)
    }

    /// The object `delta` (the entry at `key`) makes of this one; `None` when the delta
    /// does not fit it.
    fn apply(&self, packs: &Packs, key: (usize, u64), delta: &Rc<Entry>) -> Option<Composed> {
        let d = delta.data.as_slice();
        let mut pos = 0;
        if delta_size(d, &mut pos)? != self.len {
            return None;
        }
        // A delta's copies may claim more than any object holds: refused, as an entry's
        // header that does (nothing that large is allocated).
        let size = delta_size(d, &mut pos).filter(|s| *s <= MAX_OBJECT)?;
        let own = u32::try_from(self.sources.len()).ok()?;
        let mut pieces: Vec<Piece> = Vec::with_capacity(self.pieces.len() + 8);
        let mut at = 0;
        let mut push = |pieces: &mut Vec<Piece>, src: u32, start: usize, len: usize| {
            match pieces.last_mut() {
                Some(last) if last.src == src && last.start + last.len == start => last.len += len,
                _ => pieces.push(Piece {
                    src,
                    start,
                    len,
                    at,
                }),
            }
            at += len;
        };
        while let Some(op) = delta_op(d, &mut pos) {
            match op? {
                Op::Copy { offset, len } => {
                    let end = offset.checked_add(len).filter(|e| *e <= self.len)?;
                    let mut i = self.pieces.partition_point(|p| p.at + p.len <= offset);
                    let mut from = offset;
                    while from < end {
                        let p = self.pieces.get(i)?;
                        let skip = from - p.at;
                        let take = (p.len - skip).min(end - from);
                        push(&mut pieces, p.src, p.start + skip, take);
                        from += take;
                        i += 1;
                    }
                }
                Op::Insert { start, len } => push(&mut pieces, own, start, len),
            }
        }
        if at != size {
            return None;
        }
        let mut sources = self.sources.clone();
        sources.push(Source::Packed(key.0, key.1));
        let kind = self.kind;
        let mut object = Composed {
            kind,
            sources,
            pieces,
            len: size,
            flat: 0,
        };
        if size <= SMALL || (object.pieces.len() > 256 && object.pieces.len() * 32 > size) {
            // A small object, or pieces smaller than a few dozen bytes on average, cost
            // more as pieces than as bytes: copy the object together and go on from there.
            let data = object.assemble(packs, Some((key, delta)))?;
            object = Composed::whole(kind, Source::Flat(Rc::new(data)), size);
            object.flat = size;
        } else {
            object.drop_unused_sources();
        }
        Some(object)
    }

    /// Lets go of the sources no piece comes from any more (the whole base of a chain
    /// once every byte of it has been replaced), numbering the others anew.
    fn drop_unused_sources(&mut self) {
        let mut used = vec![false; self.sources.len()];
        for p in &self.pieces {
            if let Some(u) = used.get_mut(p.src as usize) {
                *u = true;
            }
        }
        if used.iter().all(|u| *u) {
            return;
        }
        let mut renumbered = vec![0u32; self.sources.len()];
        let mut kept = 0u32;
        for (i, u) in used.iter().enumerate() {
            if *u {
                renumbered[i] = kept;
                kept += 1;
            }
        }
        let mut i = 0;
        self.sources.retain(|_| {
            i += 1;
            used[i - 1]
        });
        for p in &mut self.pieces {
            p.src = renumbered[p.src as usize];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::repo::git_in;
    use std::path::PathBuf;

    /// A repository in a temp folder named after `name`, with a history written by
    /// `git fast-import`: a task folder that grows by a file in every commit while one
    /// earlier file changes, a second folder edited now and then, and a large file
    /// rewritten a little each time (long delta chains of trees and blobs).
    fn history(name: &str, commits: usize) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("flowgate-pack-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        git_in(&dir, &["init", "-q"]);
        let mut stream = String::new();
        let mut big: Vec<String> = (0..400)
            .map(|i| format!("line {i} of the big file"))
            .collect();
        for c in 0..commits {
            big[(c * 37) % 400] = format!("line changed in commit {c}");
            stream.push_str(&format!(
                "commit refs/heads/main\ncommitter T <t@example.com> {} +0000\ndata <<END\ncommit {c}\nEND\n",
                1_700_000_000 + c
            ));
            let mut file = |path: String, body: String| {
                stream.push_str(&format!(
                    "M 100644 inline {path}\ndata {}\n{body}\n",
                    body.len()
                ));
            };
            file(
                format!("backlog/tasks/task-{c} - Task {c}.md"),
                format!("id: task-{c}\n"),
            );
            if c == 1 {
                file("empty.md".into(), String::new());
            }
            if c > 3 {
                let k = (c * 7) % c;
                file(
                    format!("backlog/tasks/task-{k} - Task {k}.md"),
                    format!("id: task-{k}\nedit {c}\n"),
                );
            }
            if c % 5 == 0 {
                file(format!("src/mod{}/lib.rs", c % 3), format!("// {c}\n"));
            }
            file("big.txt".into(), big.join("\n"));
        }
        fast_import(&dir, &stream);
        git_in(&dir, &["reset", "-q", "--hard", "main"]);
        dir
    }

    /// Feeds `stream` to `git fast-import` in `dir`.
    fn fast_import(dir: &Path, stream: &str) {
        let mut child = std::process::Command::new("git")
            .args(["fast-import", "--quiet"])
            .current_dir(dir)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), stream.as_bytes()).unwrap();
        assert!(child.wait().unwrap().success());
    }

    fn objects(dir: &Path) -> PathBuf {
        dir.join(".git/objects")
    }

    /// Every object of the packs, read here and by libgit2, twice (in id order, then
    /// backwards, so that chains are met both with and without their links cached):
    /// the same kind and bytes. Returns how many entries of each kind the packs hold
    /// (whole objects, deltas against an offset, deltas against an id).
    fn same_as_libgit2(dir: &Path) -> [usize; 3] {
        let packs = Packs::open(&objects(dir)).expect("packs");
        let git = git2::Repository::open(dir).unwrap();
        let odb = git.odb().unwrap();
        let ids = packs.ids();
        assert!(!ids.is_empty());
        for id in ids.iter().chain(ids.iter().rev()) {
            let object = packs.read(id).unwrap_or_else(|| panic!("read {id:02x?}"));
            let lib = odb.read(git2::Oid::from_bytes(id).unwrap()).unwrap();
            let kind = match lib.kind() {
                git2::ObjectType::Commit => Kind::Commit,
                git2::ObjectType::Tree => Kind::Tree,
                git2::ObjectType::Blob => Kind::Blob,
                _ => Kind::Tag,
            };
            assert_eq!(object.kind, kind);
            assert_eq!(object.data, lib.data(), "{id:02x?}");
        }
        let mut kinds = [0; 3];
        for (p, pack) in packs.packs.iter().enumerate() {
            for id in pack.ids() {
                let entry = packs.entry(p, pack.find(&id).unwrap()).unwrap();
                kinds[match entry.base {
                    Base::Whole(_) => 0,
                    Base::Offset(_) => 1,
                    Base::Id(_) => 2,
                }] += 1;
            }
        }
        kinds
    }

    #[test]
    fn a_large_index_whose_names_are_read_with_pread_finds_what_the_mapped_one_finds() {
        // One commit of 20,000 files: about 80 names in each bucket of the index, so that
        // a sampled bucket's search reads a run of names between two sampled ones.
        let dir = std::env::temp_dir().join(format!("flowgate-pack-names-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        git_in(&dir, &["init", "-q"]);
        let mut stream = String::from(
            "commit refs/heads/main\ncommitter T <t@example.com> 1700000000 +0000\ndata 1\nc\n",
        );
        for i in 0..20_000 {
            let body = format!("file {i}\n");
            stream.push_str(&format!(
                "M 100644 inline d{}/f{i}\ndata {}\n{body}\n",
                i % 50,
                body.len()
            ));
        }
        fast_import(&dir, &stream);
        let mapped = Packs::open_with(&objects(&dir), usize::MAX).unwrap();
        let read = Packs::open_with(&objects(&dir), 0).unwrap();
        assert!(mapped.packs[0].buckets.is_empty());
        assert_eq!(read.packs[0].buckets.len(), 256);
        let ids = mapped.ids();
        assert!(ids.len() > 20_000);
        // Ids that are not there: each id with its last byte changed, and the extremes.
        let mut probes: Vec<[u8; ID_LEN]> = ids.clone();
        probes.extend(ids.iter().map(|id| {
            let mut other = *id;
            other[ID_LEN - 1] ^= 0x5a;
            other
        }));
        probes.extend([[0; ID_LEN], [0xff; ID_LEN]]);
        // The first searches of a bucket read its names one by one, the later ones
        // through its sample.
        for _ in 0..3 {
            for id in &probes {
                assert_eq!(read.find(id), mapped.find(id), "{id:02x?}");
            }
        }
        assert!(read.packs[0]
            .buckets
            .iter()
            .all(|b| b.sample.get().is_some()));
        for id in ids.iter().step_by(97) {
            assert_eq!(read.read(id).unwrap().data, mapped.read(id).unwrap().data);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn reads_every_object_of_an_aggressively_packed_repository_as_libgit2_does() {
        let dir = history("aggressive", 120);
        git_in(&dir, &["gc", "-q", "--aggressive"]);
        let [_, offset, _] = same_as_libgit2(&dir);
        assert!(offset > 100, "{offset} deltas");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn reads_every_object_of_a_repacked_repository_with_several_packs_and_loose_objects() {
        let dir = history("several", 60);
        git_in(&dir, &["repack", "-adfq"]);
        // Two more packs of newer commits, then loose objects on top.
        let git = |args: &[&str]| git_in(&dir, args);
        for round in 0..3 {
            for i in 0..4 {
                std::fs::write(dir.join("big.txt"), format!("round {round} edit {i}\n")).unwrap();
                std::fs::write(
                    dir.join(format!("backlog/tasks/task-{i} - Task {i}.md")),
                    format!("round {round}\n"),
                )
                .unwrap();
                git(&["add", "-A"]);
                git(&["commit", "-qm", "more"]);
            }
            if round < 2 {
                git(&["repack", "-dq"]);
            }
        }
        let packs = Packs::open(&objects(&dir)).unwrap();
        assert_eq!(packs.packs.len(), 3);
        same_as_libgit2(&dir);
        // A loose object is not read here; the repository reads it through libgit2.
        let repo = crate::git::Repo::discover(&dir).unwrap();
        let head = repo.head_commit().unwrap().unwrap();
        let tree = repo.commit_tree_id(head).unwrap();
        assert!(packs.read(tree.as_bytes()).is_none());
        assert!(repo.tree(tree).unwrap().find(b"big.txt").is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn reads_a_pack_of_deltas_against_object_ids() {
        let dir = history("ref-delta", 80);
        git_in(&dir, &["repack", "-adfq"]);
        // pack-objects writes deltas against ids unless told to write offsets.
        let list = std::process::Command::new("git")
            .args(["rev-list", "--objects", "--all"])
            .current_dir(&dir)
            .output()
            .unwrap();
        let mut child = std::process::Command::new("git")
            .args([
                "pack-objects",
                "-q",
                "--no-reuse-delta",
                "--window=50",
                "--depth=50",
                "tmp",
            ])
            .current_dir(&dir)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), &list.stdout).unwrap();
        assert!(child.wait().unwrap().success());
        let pack_dir = objects(&dir).join("pack");
        for e in std::fs::read_dir(&pack_dir).unwrap() {
            std::fs::remove_file(e.unwrap().path()).unwrap();
        }
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            if let Some(rest) = name.strip_prefix("tmp-") {
                std::fs::rename(&path, pack_dir.join(format!("pack-{rest}"))).unwrap();
            }
        }
        let [_, offset, id] = same_as_libgit2(&dir);
        assert_eq!(offset, 0);
        assert!(id > 100, "{id} deltas against ids");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Inflates the entry at `at` of `pack` as if its header said it was `size + grow`
    /// bytes long.
    fn inflate_resized(
        inflater: &mut zlib::Inflater,
        pack: &Pack,
        at: u64,
        grow: isize,
    ) -> Option<Vec<u8>> {
        let (_, size, pos) = entry_header(inflater.read_head(pack, at)?, at)?;
        inflater.inflate_at(pack, at, pos, size.checked_add_signed(grow)?)
    }

    #[test]
    fn inflating_with_room_to_spare_reads_what_the_exact_size_reads_and_refuses_other_sizes() {
        let dir = history("room", 60);
        // Objects over 16 KiB (inflated in place, not through the spare buffer): text,
        // and bytes that hardly compress.
        let text: String = (0..3000).map(|i| format!("line {i}\n")).collect();
        let noise: Vec<u8> = (0..40_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        std::fs::write(dir.join("text.txt"), text).unwrap();
        std::fs::write(dir.join("noise.bin"), noise).unwrap();
        git_in(&dir, &["add", "-A"]);
        git_in(&dir, &["commit", "-qm", "large"]);
        git_in(&dir, &["repack", "-adfq"]);
        let packs = Packs::open(&objects(&dir)).unwrap();
        // libdeflate (the fast path), and with each stream given to the other of its two
        // decompressors; zlib with room to spare; zlib without (the slow path both stand
        // for).
        let mut fast = zlib::Inflater::new().unwrap();
        let mut swapped = zlib::Inflater::new().unwrap().swapped();
        let mut room = zlib::Inflater::new().unwrap().zlib_only();
        let mut slow = zlib::Inflater::new().unwrap().zlib_only().without_room();
        let (mut small, mut large) = (0, 0);
        for (p, pack) in packs.packs.iter().enumerate() {
            for id in pack.ids() {
                let at = packs.find(&id).unwrap().1;
                assert_eq!(packs.find(&id).unwrap().0, p);
                let data = inflate_resized(&mut slow, pack, at, 0).unwrap();
                assert_eq!(inflate_resized(&mut room, pack, at, 0).unwrap(), data);
                assert_eq!(inflate_resized(&mut fast, pack, at, 0).unwrap(), data);
                assert_eq!(inflate_resized(&mut swapped, pack, at, 0).unwrap(), data);
                // A stream one byte longer or shorter than its header says is refused,
                // by every path.
                for grow in [-1, 1] {
                    assert_eq!(inflate_resized(&mut fast, pack, at, grow), None);
                    assert_eq!(inflate_resized(&mut room, pack, at, grow), None);
                    assert_eq!(inflate_resized(&mut slow, pack, at, grow), None);
                }
                small += usize::from(data.len() < 258);
                large += usize::from(data.len() >= 16 << 10);
            }
        }
        assert!(small > 100, "{small} entries under 258 bytes");
        assert!(large >= 2, "{large} entries of 16 KiB or more");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_stream_cut_short_by_the_end_of_the_pack_is_refused_by_every_path() {
        let dir = history("cut", 30);
        git_in(&dir, &["repack", "-adfq"]);
        let idx = std::fs::read_dir(objects(&dir).join("pack"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "idx"))
            .unwrap();
        let pack = &mut Pack::open(&idx, usize::MAX).unwrap();
        let mut fast = zlib::Inflater::new().unwrap();
        let mut slow = zlib::Inflater::new().unwrap().zlib_only();
        let mut ats: Vec<u64> = pack.ids().iter().map(|id| pack.find(id).unwrap()).collect();
        ats.sort_unstable();
        let end = pack.end;
        let mut cut = 0;
        for pair in ats.windows(2).step_by(3) {
            let (at, next) = (pair[0], pair[1]);
            // The pack ending anywhere in the entry's stream (past its header).
            for stop in [next - 1, next - 4, at + 25, (at + next) / 2] {
                pack.end = end;
                let Some(header) = fast.read_head(pack, at).and_then(|b| entry_header(b, at))
                else {
                    continue;
                };
                if stop <= at + header.2 as u64 || stop >= next {
                    continue;
                }
                pack.end = stop;
                assert_eq!(
                    inflate_resized(&mut fast, pack, at, 0),
                    None,
                    "{at}..{stop}"
                );
                assert_eq!(
                    inflate_resized(&mut slow, pack, at, 0),
                    None,
                    "{at}..{stop}"
                );
                cut += 1;
            }
        }
        assert!(cut > 50, "{cut} streams cut");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Adler-32 of `data`, as zlib's streams end with it.
    fn adler32(data: &[u8]) -> u32 {
        let (mut a, mut b) = (1u32, 0u32);
        for &x in data {
            a = (a + u32::from(x)) % 65521;
            b = (b + a) % 65521;
        }
        (b << 16) | a
    }

    #[test]
    fn a_stream_longer_than_the_bound_libdeflate_reads_is_read_by_zlib() {
        // A blob entry of 100 bytes whose stream starts with `empty` empty stored blocks
        // (5 bytes each, as a compressor that flushes often may write), then the bytes
        // in one stored block and their Adler-32 (`sum`, or a wrong one).
        let dir = std::env::temp_dir().join(format!("flowgate-pack-long-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let body: Vec<u8> = (0..100u8).collect();
        let entry = |empty: usize, sum: u32| {
            let mut bytes = b"PACK\0\0\0\x02\0\0\0\x01".to_vec();
            bytes.extend_from_slice(&[0x80 | (3 << 4) | (100 & 15), 100 >> 4, 0x78, 0x01]);
            for _ in 0..empty {
                bytes.extend_from_slice(&[0x00, 0x00, 0x00, 0xff, 0xff]);
            }
            bytes.extend_from_slice(&[0x01, 100, 0, !100, 0xff]);
            bytes.extend_from_slice(&body);
            bytes.extend_from_slice(&sum.to_be_bytes());
            bytes.extend_from_slice(&[0; ID_LEN]);
            let path = dir.join(format!("pack-{empty}-{sum}"));
            std::fs::write(&path, &bytes).unwrap();
            let file = File::open(&path).unwrap();
            Pack {
                idx: Map::new(&file, bytes.len() as u64).unwrap(),
                idx_file: File::open(&path).unwrap(),
                file,
                end: (bytes.len() - ID_LEN) as u64,
                count: 1,
                buckets: Box::default(),
            }
        };
        let mut fast = zlib::Inflater::new().unwrap();
        let mut slow = zlib::Inflater::new().unwrap().zlib_only();
        for empty in [0, 1, 40, 1000] {
            let pack = entry(empty, adler32(&body));
            assert_eq!(inflate_resized(&mut fast, &pack, 12, 0), Some(body.clone()));
            assert_eq!(inflate_resized(&mut slow, &pack, 12, 0), Some(body.clone()));
            let pack = entry(empty, adler32(&body) ^ 1);
            assert_eq!(inflate_resized(&mut fast, &pack, 12, 0), None);
            assert_eq!(inflate_resized(&mut slow, &pack, 12, 0), None);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_corrupt_entry_is_not_read_here_and_libgit2_reports_it_as_before() {
        let dir = history("corrupt", 40);
        git_in(&dir, &["repack", "-adfq"]);
        let repo = crate::git::Repo::discover(&dir).unwrap();
        let head = repo.head_commit().unwrap().unwrap();
        let tree = repo.commit_tree_id(head).unwrap();
        let tasks = repo.tree(tree).unwrap().find(b"backlog").unwrap().id;
        let tasks = repo.tree(tasks).unwrap().find(b"tasks").unwrap().id;
        let packs = Packs::open(&objects(&dir)).unwrap();
        let at = packs.find(tasks.as_bytes()).unwrap();
        drop(packs);
        // Scramble the middle of the entry's compressed data.
        let pack = std::fs::read_dir(objects(&dir).join("pack"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "pack"))
            .unwrap();
        let mut perms = std::fs::metadata(&pack).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(&pack, perms).unwrap();
        let mut bytes = std::fs::read(&pack).unwrap();
        for b in &mut bytes[at.1 as usize + 12..at.1 as usize + 40] {
            *b ^= 0x5a;
        }
        std::fs::write(&pack, bytes).unwrap();
        let packs = Packs::open(&objects(&dir)).unwrap();
        assert!(packs.read(tasks.as_bytes()).is_none());
        let fresh = crate::git::Repo::discover(&dir).unwrap();
        let ours = fresh.tree(tasks).unwrap_err().0;
        let lib = git2::Repository::open(&dir)
            .unwrap()
            .odb()
            .unwrap()
            .read(tasks)
            .map(|_| ())
            .unwrap_err();
        assert_eq!(ours, lib.message());
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// `deltas` composed in turn onto `whole` (see [`Composed::apply`]), as entries of
    /// a pack whose cache holds them (offsets 0, 1, ...: nothing is read from a file).
    fn compose(whole: &[u8], deltas: &[&[u8]]) -> Option<Vec<u8>> {
        let packs = Packs {
            packs: Arc::new(Vec::new()),
            entries: RefCell::new(Lru::new(usize::MAX)),
            composed: RefCell::new(Lru::new(0)),
            inflater: RefCell::new(None),
        };
        let entry = |at: u64, base, data: &[u8]| {
            let e = Rc::new(Entry {
                base,
                data: data.to_vec(),
            });
            packs.entries.borrow_mut().put((0, at), e.clone(), 0);
            e
        };
        entry(0, Base::Whole(Kind::Blob), whole);
        let mut object = Composed::whole(Kind::Blob, Source::Packed(0, 0), whole.len());
        for (k, d) in deltas.iter().enumerate() {
            let at = k as u64 + 1;
            let delta = entry(at, Base::Offset(at - 1), d);
            object = object.apply(&packs, (0, at), &delta)?;
        }
        object.assemble(&packs, None)
    }

    /// Applies `delta` to `base` one instruction at a time, as git describes the format.
    fn apply(base: &[u8], delta: &[u8]) -> Vec<u8> {
        let mut pos = 0;
        assert_eq!(delta_size(delta, &mut pos), Some(base.len()));
        let size = delta_size(delta, &mut pos).unwrap();
        let mut out = Vec::new();
        while let Some(op) = delta_op(delta, &mut pos) {
            match op.unwrap() {
                Op::Copy { offset, len } => out.extend_from_slice(&base[offset..offset + len]),
                Op::Insert { start, len } => out.extend_from_slice(&delta[start..start + len]),
            }
        }
        assert_eq!(out.len(), size);
        out
    }

    fn varint(mut n: usize, out: &mut Vec<u8>) {
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    /// A delta from a base of `from` bytes: `ops` are copies `(offset, len)` (len ≤ 255)
    /// or inserts `(usize::MAX, byte)` of one byte.
    fn delta(from: usize, ops: &[(usize, usize)]) -> Vec<u8> {
        let size: usize = ops
            .iter()
            .map(|&(o, l)| if o == usize::MAX { 1 } else { l })
            .sum();
        let mut d = Vec::new();
        varint(from, &mut d);
        varint(size, &mut d);
        for &(offset, len) in ops {
            if offset == usize::MAX {
                d.extend_from_slice(&[1, len as u8]);
            } else {
                d.extend_from_slice(&[0x80 | 0x0f | 0x10]);
                d.extend_from_slice(&(offset as u32).to_le_bytes());
                d.push(len as u8);
            }
        }
        d
    }

    #[test]
    fn a_composed_chain_equals_the_chain_applied_link_by_link() {
        let whole: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut deltas = Vec::new();
        let mut size = whole.len();
        // Links that keep long runs, links of tiny pieces (which make the composition
        // copy the object together on the way), inserts at both ends.
        for round in 0..12usize {
            let ops: Vec<(usize, usize)> = if round % 3 == 1 {
                (0..size * 2 / 3)
                    .map(|i| (i * 3 % size, 1 + i % 2))
                    .collect()
            } else {
                let mut ops = vec![(usize::MAX, round)];
                let mut at = 0;
                while at + 200 <= size {
                    ops.push((at, 200));
                    ops.push((usize::MAX, 0xee));
                    at += 250;
                }
                ops.push((size.saturating_sub(10), size.min(10)));
                ops
            };
            let d = delta(size, &ops);
            size = ops
                .iter()
                .map(|&(o, l)| if o == usize::MAX { 1 } else { l })
                .sum();
            deltas.push(d);
        }
        let mut expected = whole.clone();
        for (k, d) in deltas.iter().enumerate() {
            expected = apply(&expected, d);
            let links: Vec<&[u8]> = deltas[..=k].iter().map(Vec::as_slice).collect();
            assert_eq!(
                compose(&whole, &links).as_deref(),
                Some(&expected[..]),
                "link {k}"
            );
        }
        // A delta that does not fit its base, or copies past its end, composes to nothing.
        assert!(compose(&whole[1..], &[&deltas[0]]).is_none());
        assert!(compose(&whole, &[&delta(whole.len(), &[(whole.len() - 1, 2)])]).is_none());
    }
}

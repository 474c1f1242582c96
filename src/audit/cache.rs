//! The audit's incremental cache: one record per judged commit, keyed by commit id, in
//! `.git/flowgate/audit-cache.bin` (a compact binary file: [`super::cache_codec`]). A
//! commit's record depends only on the commit (and its parents, which its id fixes) and on
//! the configuration, so a record is reused whenever the cache was written by this version
//! with the same configuration. Anything else (an older format, another configuration, a
//! file that does not parse) is ignored and rewritten: the cache can only save work, never
//! change a result. The records of commits added on top of the cached walk go to a small
//! second file, the tail, until it outgrows an eighth of the first (see [`Cache::save`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::git::Oid;

use super::cache_codec::{self, Encoded, Header};
use super::history::CommitRecord;
use crate::config::Config;
use crate::git::Repo;

/// Where the cache lives, relative to the repository's `.git`.
const CACHE_FILE: &str = "flowgate/audit-cache.bin";

/// Where the records added since the cache file was last written whole go (so that one
/// new commit does not rewrite tens of megabytes), relative to the repository's `.git`:
/// [`TAIL_MAGIC`], the [`identity`] of the cache file it extends, then a cache file of
/// its own (the header of the whole walk, and the records after the cache file's).
const TAIL_FILE: &str = "flowgate/audit-cache-tail.bin";

/// The first bytes of a tail file.
const TAIL_MAGIC: &[u8] = b"flowgate audit cache tail\n";

/// The tail is written into the cache file (and removed) once its records take more
/// than an eighth of the cache file's bytes, or [`TAIL_MIN`], whichever is larger.
const TAIL_SHARE: usize = 8;

/// See [`TAIL_SHARE`].
const TAIL_MIN: usize = 256 * 1024;

/// What a tail file names the cache file it extends by: a hash of the file's length,
/// header (with the head it was walked from and its count) and last bytes. The cache
/// file is only ever replaced whole, and a new one has another header or other bytes.
fn identity(cache: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write_usize(cache.len());
    let header = cache_codec::records_start(cache).unwrap_or(0);
    h.write(cache.get(..header).unwrap_or_default());
    h.write(
        cache
            .get(cache.len().saturating_sub(256)..)
            .unwrap_or_default(),
    );
    h.finish()
}

/// The tail file in `git_dir` when it extends cache file `cache` (see [`TAIL_FILE`]): its
/// cache encoding (mapped for the rest of the process, as the cache file is).
fn open_tail(git_dir: &Path, cache: &[u8]) -> Option<&'static [u8]> {
    let bytes =
        crate::own_files::map_in(git_dir, TAIL_FILE, crate::own_files::MAX_CACHE).ok()??;
    let mut r = crate::parsed_codec::Reader {
        data: bytes.strip_prefix(TAIL_MAGIC)?,
        at: 0,
    };
    if cache.is_empty() || r.u64()? != identity(cache) {
        return None;
    }
    let at = TAIL_MAGIC.len() + r.at;
    // Kept for the rest of the process: the records borrow from it.
    let bytes: &'static crate::own_files::Bytes = Box::leak(Box::new(bytes));
    bytes.get(at..)
}

/// The cache in `git_dir` as one cache file: the cache file with the records of its tail
/// (`audit-cache-tail.bin`) after its own, under the tail's header; `None` without a cache
/// file. What a cold audit writes, when it is up to date.
pub fn as_one_file(git_dir: &Path) -> Option<Vec<u8>> {
    let cache =
        crate::own_files::read_in(git_dir, CACHE_FILE, crate::own_files::MAX_CACHE).ok()??;
    let Some(tail) = open_tail(git_dir, &cache) else {
        return Some(cache);
    };
    let header = cache_codec::read_header(tail)?;
    let count = cache_codec::count(&cache)? + cache_codec::count(tail)?;
    let (before, _) = cache_codec::extend_parts(&header, Encoded { count, bytes: &[] }, &[]);
    Some(
        [
            before.as_slice(),
            cache.get(cache_codec::records_start(&cache)?..)?,
            tail.get(cache_codec::records_start(tail)?..)?,
        ]
        .concat(),
    )
}

/// Bumped whenever the record format or what a record means changes (6: the binary file;
/// 7: a merge's record carries the branch rules' findings on the branch it merged; 8: the
/// suspect links' chained fingerprint of the records).
pub const FORMAT: u32 = 8;

/// Records loaded from the cache, in the order of the cached walk.
#[derive(Debug, Default)]
pub struct Cache {
    path: PathBuf,
    key: String,
    /// The records not taken yet.
    records: Vec<Option<CommitRecord>>,
    /// Where each record is, by commit id: made only when a record is asked for at
    /// another position than the cached walk's (see [`Cache::take`]).
    by_id: Option<HashMap<String, usize>>,
    /// The cached walk: its head, its `since`, and its commits in order.
    walk: Option<(Oid, Option<Oid>, Vec<Oid>)>,
    /// The branch each commit of the cached walk reached the mainline through, as its
    /// record says (see [`Cache::branches`]).
    branches: HashMap<Oid, String>,
    /// The file as read (mapped for the rest of the process: the records' strings borrow
    /// from it), and where its records start: the records a new walk keeps are written
    /// back as these bytes (see [`Cache::save`]).
    file: &'static [u8],
    records_at: usize,
    /// How many records the file holds.
    file_count: usize,
    /// The tail file's cache encoding when it extends the file (see [`TAIL_FILE`]; its
    /// records follow the file's), and where its records start; empty without one.
    tail: &'static [u8],
    tail_records_at: usize,
    /// The suspect links' chained fingerprint of the cached walk's records, as the file
    /// says.
    suspect_chain: u128,
}

/// What a configuration contributes to the cache key: everything that can change a
/// per-commit record.
fn key(config: &Config) -> String {
    let mut c = config.clone();
    c.origin = None;
    let text = format!("{}|{:?}", env!("CARGO_PKG_VERSION"), c);
    format!("{:016x}", crate::spec::markdown::content_hash(&text))
}

impl Cache {
    /// Opens the cache in `git_dir` (the repository's `.git`) for `config`. A cache that
    /// cannot be read (a link, a FIFO, over the size limit: see [`crate::own_files`]) is
    /// an empty one. A cache of this format and configuration stays mapped until the
    /// process ends (the records borrow their strings from it).
    pub fn open(git_dir: &Path, config: &Config) -> Cache {
        let path = git_dir.join(CACHE_FILE);
        let key = key(config);
        let accept = |h: &Header| h.format == FORMAT && h.key == key;
        let bytes: &'static [u8] =
            match crate::own_files::map_in(git_dir, CACHE_FILE, crate::own_files::MAX_CACHE) {
                Ok(Some(bytes)) if cache_codec::read_header(&bytes).is_some_and(|h| accept(&h)) => {
                    // Kept for the rest of the process: the records borrow from it.
                    let bytes: &'static crate::own_files::Bytes = Box::leak(Box::new(bytes));
                    bytes
                }
                _ => &[],
            };
        let Some(((mut file, mut records), records_at)) =
            cache_codec::decode(bytes, accept).zip(cache_codec::records_start(bytes))
        else {
            return Cache {
                path,
                key,
                ..Cache::default()
            };
        };
        let file_count = records.len();
        // The records added since the file was written, under the header of the whole
        // walk; a tail of another walk (another `since`) is not one.
        let tail = open_tail(git_dir, bytes).and_then(|tail| {
            let (header, more) = cache_codec::decode(tail, |h| accept(h) && h.since == file.since)?;
            Some((tail, header, more, cache_codec::records_start(tail)?))
        });
        let (tail, tail_records_at) = match tail {
            Some((tail, header, more, at)) => {
                file = header;
                records.extend(more);
                (tail, at)
            }
            None => (&[][..], 0),
        };
        let order: Option<Vec<Oid>> = records
            .iter()
            .map(|r| crate::git::oid::from_hex(r.id.as_bytes()))
            .collect();
        let head = Oid::from_str(&file.head).ok();
        let since = match &file.since {
            Some(s) => Oid::from_str(s).ok().map(Some),
            None => Some(None),
        };
        let branches = match &order {
            Some(order) => order
                .iter()
                .zip(&records)
                .filter_map(|(id, r)| Some((*id, r.branch.as_deref()?.to_string())))
                .collect(),
            None => HashMap::new(),
        };
        let walk = match (head, since, order) {
            (Some(h), Some(s), Some(o)) => Some((h, s, o)),
            _ => None,
        };
        Cache {
            path,
            key,
            records: records.into_iter().map(Some).collect(),
            by_id: None,
            walk,
            branches,
            file: bytes,
            records_at,
            file_count,
            tail,
            tail_records_at,
            suspect_chain: file.suspect_chain,
        }
    }

    /// The suspect links' chained fingerprint of the cached walk's records (see
    /// [`super::results::suspect_history_chain`]; that of no records without a cache).
    pub fn suspect_chain(&self) -> u128 {
        self.suspect_chain
    }

    /// How many commits at the start of what [`Cache::walk`] returns are the cached walk's
    /// (0 without a cached walk).
    pub fn walked(&self) -> usize {
        self.walk.as_ref().map_or(0, |(_, _, order)| order.len())
    }

    /// The branches the merges of the cached walk assigned (what
    /// [`history::merged_branches`] found for it, as the records kept it): the merges
    /// after it need to be read, not these.
    ///
    /// [`history::merged_branches`]: super::history::merged_branches
    pub fn branches(&self) -> HashMap<Oid, String> {
        self.branches.clone()
    }

    /// The commits from `head` back to `since`, oldest first, as [`history::commits`]
    /// lists them, taken from the cached walk when it can be: the same walk, or one that
    /// new commits on top of the cached head extend. Then only those new commits are
    /// walked, not the whole history again. `None`: walk it all.
    ///
    /// [`history::commits`]: super::history::commits
    pub fn walk(&self, repo: &Repo, head: Oid, since: Option<Oid>) -> Option<Vec<Oid>> {
        let (old_head, old_since, order) = self.walk.as_ref()?;
        if *old_since != since {
            return None;
        }
        if *old_head == head {
            return Some(order.clone());
        }
        let new = super::history::commits(repo, head, since.into_iter().chain([*old_head])).ok()?;
        // The cached head must be an ancestor of `head` (not a rewritten or reset branch):
        // then one of the new commits has it as a parent.
        let extends = new.iter().any(|id| {
            repo.commit_parents(*id)
                .is_ok_and(|parents| parents.contains(old_head))
        });
        if !extends {
            return None;
        }
        let mut all = order.clone();
        all.extend(new);
        Some(all)
    }

    /// The number of records not taken yet.
    pub fn len(&self) -> usize {
        self.records.iter().flatten().count()
    }

    /// True when every record was taken (or none was loaded).
    pub fn is_empty(&self) -> bool {
        self.records.iter().all(Option::is_none)
    }

    /// Takes the records of `ids`, what [`Cache::walk`] returned, out of the cache, each
    /// at its position ([`Cache::take`] of each).
    pub fn take_all(&mut self, ids: &[Oid]) -> Vec<Option<CommitRecord>> {
        let in_place = self.walk.as_ref().is_some_and(|(_, _, order)| {
            order.len() == self.records.len() && ids.get(..order.len()) == Some(order)
        });
        if !in_place {
            return ids
                .iter()
                .enumerate()
                .map(|(i, id)| self.take(i, *id))
                .collect();
        }
        // A walk that extends the cached one: its records are at their positions already.
        let mut records = std::mem::take(&mut self.records);
        records.resize_with(ids.len(), || None);
        records
    }

    /// Takes the record of commit `id`, the `position`-th commit of what [`Cache::walk`]
    /// returned, out of the cache. A walk that extends the cached one keeps its commits at
    /// their positions, so the record is found there; otherwise (another walk) it is
    /// looked up by id.
    pub fn take(&mut self, position: usize, id: Oid) -> Option<CommitRecord> {
        let in_place = self
            .walk
            .as_ref()
            .is_some_and(|(_, _, order)| order.get(position) == Some(&id));
        let at = if in_place {
            position
        } else {
            let records = &self.records;
            *self
                .by_id
                .get_or_insert_with(|| {
                    records
                        .iter()
                        .enumerate()
                        .filter_map(|(i, r)| Some((r.as_ref()?.id.to_string(), i)))
                        .collect()
                })
                .get(&id.to_string())?
        };
        self.records.get_mut(at)?.take()
    }

    /// Writes `records`, the walk from `head` back to `since`, as the new cache
    /// (atomically, never through a link: [`crate::own_files::write_in`]). When the first
    /// `kept` records are all the cached walk's, unchanged and in its order (a walk that
    /// extends the cached one and kept every record of it), they are not encoded again:
    /// the others are added to the tail file (`audit-cache-tail.bin`) while it stays small, else
    /// written after the bytes the kept records were read from into a new cache file.
    /// `suspect_chain` is the suspect links' chained fingerprint of all `records`. Failing
    /// to write is not an error of the audit; the reason is returned for `-v`.
    pub fn save(
        &self,
        head: Oid,
        since: Option<Oid>,
        records: &[CommitRecord],
        kept: usize,
        suspect_chain: u128,
    ) -> Result<(), String> {
        let git_dir = self
            .path
            .parent()
            .and_then(Path::parent)
            .ok_or("no cache directory")?;
        let header = Header {
            format: FORMAT,
            key: self.key.clone(),
            head: head.to_string(),
            since: since.map(|s| s.to_string()),
            suspect_chain,
        };
        let file = self.file.get(self.records_at..).unwrap_or_default();
        let tail = self.tail.get(self.tail_records_at..).unwrap_or_default();
        let extends = kept > 0 && kept == self.walked() && !file.is_empty();
        if !extends {
            let (before, after) = cache_codec::extend_parts(&header, Encoded::default(), records);
            return replace(git_dir, &[&before, &after]);
        }
        let done = Encoded {
            count: kept - self.file_count,
            bytes: tail,
        };
        let added = records.get(kept..).unwrap_or_default();
        let (tail_head, new) = cache_codec::extend_parts(&header, done, added);
        if tail.len() + new.len() <= (file.len() / TAIL_SHARE).max(TAIL_MIN) {
            let prefix = [TAIL_MAGIC, &identity(self.file).to_le_bytes()].concat();
            return crate::own_files::write_parts_in(
                git_dir,
                TAIL_FILE,
                &[&prefix, &tail_head, tail, &new],
            )
            .map(|_| ())
            .map_err(|e| e.to_string());
        }
        let all = Encoded {
            count: kept + added.len(),
            bytes: &[],
        };
        let (before, _) = cache_codec::extend_parts(&header, all, &[]);
        replace(git_dir, &[&before, file, tail, &new])
    }

    /// Where the cache lives.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Writes a new cache file of the bytes of `parts` and removes the tail file (which
/// names the old cache file: a tail left by a failed removal is not read).
fn replace(git_dir: &Path, parts: &[&[u8]]) -> Result<(), String> {
    crate::own_files::write_parts_in(git_dir, CACHE_FILE, parts).map_err(|e| e.to_string())?;
    match std::fs::remove_file(git_dir.join(TAIL_FILE)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.to_string()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(i: usize, subject: usize) -> CommitRecord {
        CommitRecord {
            id: format!("{i:040x}").into(),
            author: "A <a@example.com>".into(),
            time: i as i64,
            subject: "s".repeat(subject).into(),
            findings: Vec::new(),
            references: vec![format!("TASK-{i}").into()],
            moves: Vec::new(),
            sections: Vec::new(),
            links: Vec::new(),
            branch: None,
        }
    }

    /// A cache extended commit by commit (the new records in the tail file, then written
    /// into the cache file once the tail grows) holds what a cache written whole holds,
    /// and reads back as those records.
    #[test]
    fn a_tail_and_the_file_it_is_written_into_hold_the_records_written_whole() {
        let dir = assert_fs::TempDir::new().unwrap();
        let git_dir = dir.path();
        let config = Config::default();
        let head = |n: usize| Oid::from_str(&format!("{:040x}", n + 1000)).unwrap();
        // Short records, then long ones: 30 of them outgrow the tail.
        let all: Vec<CommitRecord> = (0..40)
            .map(|i| record(i, if i < 8 { 10 } else { 20_000 }))
            .collect();
        Cache::open(git_dir, &config)
            .save(head(4), None, &all[..4], 0, 4)
            .unwrap();
        let tail = git_dir.join(TAIL_FILE);
        let mut n = 4;
        for (added, with_tail) in [(1, true), (3, true), (30, false), (2, true)] {
            let mut cache = Cache::open(git_dir, &config);
            assert_eq!(cache.walked(), n);
            assert_eq!(cache.suspect_chain(), n as u128);
            let ids: Vec<Oid> = all[..n]
                .iter()
                .map(|r| Oid::from_str(&r.id).unwrap())
                .collect();
            let records: Vec<CommitRecord> = cache.take_all(&ids).into_iter().flatten().collect();
            assert_eq!(records, all[..n]);
            let cache = Cache::open(git_dir, &config);
            let m = n + added;
            cache.save(head(m), None, &all[..m], n, m as u128).unwrap();
            assert_eq!(tail.exists(), with_tail, "{n} + {added}");
            let whole = cache_codec::encode(
                &Header {
                    format: FORMAT,
                    key: key(&config),
                    head: head(m).to_string(),
                    since: None,
                    suspect_chain: m as u128,
                },
                &all[..m],
            );
            assert!(as_one_file(git_dir).unwrap() == whole, "{n} + {added}");
            n = m;
        }
        // A tail that names another cache file is not read.
        let mut cache = std::fs::read(git_dir.join(CACHE_FILE)).unwrap();
        cache.push(0);
        std::fs::write(git_dir.join(CACHE_FILE), &cache).unwrap();
        assert_eq!(Cache::open(git_dir, &config).walked(), 0);
        cache.pop();
        std::fs::write(git_dir.join(CACHE_FILE), &cache).unwrap();
        assert_eq!(Cache::open(git_dir, &config).walked(), n);
        // The same length and header, another last record: its own records only.
        let mut other = cache.clone();
        let at = other.windows(5).rposition(|w| w == b"TASK-").unwrap();
        other[at] = b'U';
        std::fs::write(git_dir.join(CACHE_FILE), &other).unwrap();
        let own = cache_codec::count(&other).unwrap();
        assert!(own < n);
        assert_eq!(Cache::open(git_dir, &config).walked(), own);
    }
}

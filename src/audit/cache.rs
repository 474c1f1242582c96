//! The audit's incremental cache: one record per judged commit, keyed by commit id, in
//! `.git/flowgate/audit-cache.bin` (a compact binary file: [`super::cache_codec`]). A
//! commit's record depends only on the commit (and its parents, which its id fixes) and on
//! the configuration, so a record is reused whenever the cache was written by this version
//! with the same configuration. Anything else (an older format, another configuration, a
//! file that does not parse) is ignored and rewritten: the cache can only save work, never
//! change a result.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::git::Oid;

use super::cache_codec::{self, Encoded, Header};
use super::history::CommitRecord;
use crate::config::Config;
use crate::git::Repo;

/// Where the cache lives, relative to the repository's `.git`.
const CACHE_FILE: &str = "flowgate/audit-cache.bin";

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
        let Some(((file, records), records_at)) =
            cache_codec::decode(bytes, accept).zip(cache_codec::records_start(bytes))
        else {
            return Cache {
                path,
                key,
                ..Cache::default()
            };
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
    /// extends the cached one and kept every record of it), they are written back as the
    /// bytes they were read from, and only the others are encoded. `suspect_chain` is the
    /// suspect links' chained fingerprint of all `records`. Failing to write is not an
    /// error of the audit; the reason is returned for `-v`.
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
        let done = match self.file.get(self.records_at..) {
            Some(bytes) if kept > 0 && kept == self.walked() => Encoded { count: kept, bytes },
            _ => Encoded::default(),
        };
        let (before, after) = cache_codec::extend_parts(
            &Header {
                format: FORMAT,
                key: self.key.clone(),
                head: head.to_string(),
                since: since.map(|s| s.to_string()),
                suspect_chain,
            },
            done,
            records.get(done.count..).unwrap_or_default(),
        );
        crate::own_files::write_parts_in(git_dir, CACHE_FILE, &[&before, done.bytes, &after])
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Where the cache lives.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

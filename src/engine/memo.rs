//! `check`'s memo of the working tree: its task and spec files as parsed, by path and
//! [`Stamp`] (size, modification and change times, inode, device, mode, as git's index
//! keeps them), in `.git/flowgate/check-memo.bin`. A later `check` takes the stamp of each
//! file (no read) and decodes the parse of every file whose stamp is the memo's, reading
//! and parsing only the others.
//!
//! The memo can only save work, never change a result:
//! - each record is stored with a hash of its bytes, and one that does not hash to it is
//!   read and parsed again;
//! - it is keyed by this version, its format, the backlog's layout and the requirement-ID
//!   patterns (everything besides a file's bytes and path that its parse depends on), and
//!   a file that does not decode under that key (another version, truncated, foreign) is
//!   ignored and rewritten;
//! - only regular files are taken from it: a symbolic link, a FIFO or a folder has no
//!   stamp and is read as before, so it is reported as before;
//! - a file is kept only when its modification and change times are a second or more
//!   before the run began: a file written in the moment it was read could be written
//!   again within the same tick of the file system's clock, at the same size, and keep its
//!   stamp (git's "racily clean" entries). Such a file is read and parsed on every run
//!   until it is that old.
//!
//! Of a task's body sections (description, plan, implementation notes, final summary)
//! the rules ask only whether each is there: `check` keeps each as [`SECTION_KEPT`], in
//! the memo and in the snapshot it builds from files read and parsed alike (see
//! [`slim`]), so that a long body is neither stored nor decoded, and a warm run judges
//! the very snapshot a cold one does.
//!
//! Without a working tree on disk (the index, a sparse checkout's files left in the index)
//! there are no stamps and no memo. When `.git` cannot be written the memo is not, and
//! `check` works as without it.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use super::Error;
use crate::backlog::{self, Backlog, BacklogLayout, TaskEntry, TaskFile};
use crate::config::Config;
use crate::parsed_codec::{
    encode_spec_file, encode_task_file, ids_round_trip, listed_task_file, read_memo, spec_file,
    write_memo, Reader, Writer,
};
use crate::snapshot::Snapshot;
use crate::source::{Source, SourceError, Stamp};
use crate::spec::{IdPatterns, SpecFile};

/// Where the memo lives, relative to the repository's `.git` (a worktree's own).
pub const MEMO_FILE: &str = "flowgate/check-memo.bin";

/// The first bytes of a memo file.
const MAGIC: &[u8] = b"flowgate check memo\n";

/// Bumped whenever the encoding or what a task or spec file's parse holds changes.
pub const FORMAT: u32 = 2;

/// What `check` keeps of the text of a task's body section: the parser keeps a section
/// only when its text is not blank, and the rules ask only whether it is there.
pub const SECTION_KEPT: &str = "…";

/// `file` with the text of each body section it has replaced by [`SECTION_KEPT`]: what
/// the rules read of it, no more (a rule that reads such a text must keep it here, and
/// bump [`FORMAT`]).
pub fn slim(mut file: TaskFile) -> TaskFile {
    if let Some(task) = &mut file.task {
        for text in [
            &mut task.description,
            &mut task.plan,
            &mut task.implementation_notes,
            &mut task.final_summary,
        ]
        .into_iter()
        .flatten()
        {
            if text != SECTION_KEPT {
                *text = SECTION_KEPT.to_string();
            }
        }
    }
    file
}

/// A record of a task file.
const TASK: u8 = 0;
/// A record of a spec file.
const SPEC: u8 = 1;

/// Below this many files per thread, decoding and encoding stay on one thread.
const PARALLEL_MIN: usize = 256;

/// How long before a run a file must have last changed to be kept in the memo.
const SETTLED: std::time::Duration = std::time::Duration::from_secs(1);

/// How the memo served one `check` (for `-v`).
#[derive(Debug, Clone, Default)]
pub struct MemoStats {
    /// Task files taken from the memo.
    pub reused: usize,
    /// Task files read and parsed.
    pub parsed: usize,
    /// Spec files taken from the memo.
    pub specs_reused: usize,
    /// Spec files read and parsed.
    pub specs_parsed: usize,
    /// The memo was rewritten.
    pub written: bool,
    /// Why the memo could not be written, if it could not.
    pub error: Option<String>,
}

/// Where each record of a memo file is, by kind and path, with the stamp it was parsed at
/// and the hash of its bytes.
type Index<'a> = HashMap<(u8, &'a str), (Stamp, u64, Range<usize>), rustc_hash::FxBuildHasher>;

/// A memo file as read.
struct Memo<'a> {
    entries: Index<'a>,
    data: &'a [u8],
}

impl<'a> Memo<'a> {
    /// The entries of memo file `data` written with `key`; empty for anything else.
    fn decode(data: &'a [u8], key: &str) -> Memo<'a> {
        let entries = read_memo(
            data,
            MAGIC,
            FORMAT,
            key,
            |r| Some((read_stamp(r)?, r.u64()?)),
            |m| ((m.kind, m.path), (m.header.0, m.header.1, m.range)),
        );
        Memo { entries, data }
    }

    /// The record of `path` when the memo holds it at `stamp`, with the hash it was
    /// written with.
    fn get(&self, kind: u8, path: &str, stamp: Stamp) -> Option<(&'a [u8], u64)> {
        let (stored, hash, range) = self.entries.get(&(kind, path))?;
        (*stored == stamp).then(|| Some((self.data.get(range.clone())?, *hash)))?
    }
}

/// The hash a record is stored with: a record whose bytes changed is not decoded.
fn hash(raw: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(raw);
    h.finish()
}

/// Decodes one whole record (stored with `stored`, its hash) with `decode`; `None`
/// unless its bytes hash to `stored` and `decode` reads them to their end.
fn decode_record<T>(
    (raw, stored): (&[u8], u64),
    decode: impl FnOnce(&mut Reader<'_>) -> Option<T>,
) -> Option<T> {
    if hash(raw) != stored {
        return None;
    }
    let mut r = Reader { data: raw, at: 0 };
    let file = decode(&mut r)?;
    (r.at == raw.len()).then_some(file)
}

/// The records a memo is written with: kind, stamp, hash and encoding, the memo's own
/// records borrowed.
type Records<'a> = Vec<(u8, Stamp, u64, Cow<'a, [u8]>)>;

/// The whole snapshot of the working tree `source` (as [`super::snapshot`] builds it),
/// with the task and spec files whose stamps the memo in `git_dir` holds taken from it
/// and only the others read and parsed; the memo is rewritten when that changed what it
/// holds. A source without stamps gets the plain snapshot.
pub fn snapshot(
    git_dir: &Path,
    source: &dyn Source,
    config: &Config,
) -> Result<(Snapshot, MemoStats), Error> {
    let mut stats = MemoStats::default();
    if source.stamps(&[]).is_none() {
        return Ok((super::snapshot(source, config, None)?, stats));
    }
    // Taken before any file's stamp: what changed after it is not kept.
    let settled = settled_before(std::time::SystemTime::now());
    // Mapped: only its pages are read, and no copy is made.
    let bytes = crate::own_files::map_in(git_dir, MEMO_FILE, crate::own_files::MAX_CACHE)
        .ok()
        .flatten();
    let layout = backlog::discover(source, config.backlog.dir.as_deref())?;
    let key = crate::parsed_codec::memo_key(FORMAT, layout.as_ref(), &config.specs.id_patterns);
    // The memo's records are indexed on a thread of their own while the task folders are
    // listed.
    let (memo, entries) = std::thread::scope(|scope| {
        let index = scope.spawn(|| Memo::decode(bytes.as_deref().unwrap_or_default(), &key));
        let entries = layout
            .as_ref()
            .map(|layout| backlog::list_task_files(source, layout))
            .transpose();
        let memo = index
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (memo, entries)
    });
    let entries = entries?.unwrap_or_default();
    let mut records: Records<'_> = Vec::new();
    let backlog = match layout {
        Some(layout) => Some(load_backlog(
            source,
            layout,
            entries,
            &memo,
            settled,
            &mut stats,
            &mut records,
        )?),
        None => None,
    };
    let specs = crate::spec::load_through(
        source,
        &config.specs.globs,
        &config.specs.id_patterns,
        |paths, patterns| {
            read_specs(
                source,
                paths,
                patterns,
                &memo,
                settled,
                &mut stats,
                &mut records,
            )
        },
    )?;
    let reused = records
        .iter()
        .filter(|(_, _, _, raw)| matches!(raw, Cow::Borrowed(_)))
        .count();
    if reused != records.len() || reused != memo.entries.len() {
        let data = encode_memo(&key, &records);
        match crate::own_files::write_in(git_dir, MEMO_FILE, &data) {
            Ok(_) => stats.written = true,
            Err(e) => stats.error = Some(e.to_string()),
        }
    }
    drop(records);
    drop(memo);
    drop(bytes);
    let snapshot = super::snapshot_with(source, config, backlog, Some(specs))?;
    Ok((snapshot, stats))
}

/// The time a file must have last changed before to be kept: [`SETTLED`] before `now`,
/// as seconds and nanoseconds since the epoch (before the epoch: nothing is kept).
fn settled_before(now: std::time::SystemTime) -> (i64, u32) {
    now.checked_sub(SETTLED)
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or((i64::MIN, 0), |d| {
            (
                i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                d.subsec_nanos(),
            )
        })
}

/// True when a file with `stamp` may be kept: it last changed before `settled`.
fn is_settled(stamp: &Stamp, settled: (i64, u32)) -> bool {
    stamp.mtime < settled && stamp.ctime < settled
}

/// Reads the backlog at `layout` of `source` (as [`backlog::load_at`] reads it) from its
/// listed `entries`, taking the task files `memo` holds at their stamps from it;
/// `records` gets each file's record.
fn load_backlog<'m>(
    source: &dyn Source,
    layout: BacklogLayout,
    entries: Vec<TaskEntry>,
    memo: &Memo<'m>,
    settled: (i64, u32),
    stats: &mut MemoStats,
    records: &mut Records<'m>,
) -> Result<Backlog, SourceError> {
    let files = if entries.iter().any(|e| e.undecodable_name) {
        // Such a name is reported, never read; and it is sorted in with the others as
        // reading them all sorts it. Rare enough to read every file then.
        stats.parsed = entries.len();
        backlog::read_task_files(source, &layout, entries)?
            .into_iter()
            .map(slim)
            .collect()
    } else {
        memo_task_files(source, &layout, entries, memo, settled, stats, records)?
    };
    let milestones = backlog::milestone::load(source, &layout)?;
    Ok(Backlog {
        layout,
        files,
        unread: Vec::new(),
        milestones,
    })
}

/// One file to read: what names it, its stamp, and when the memo holds it at that stamp,
/// its record and the record's hash.
struct Slot<'m, I> {
    item: I,
    stamp: Option<Stamp>,
    record: Option<(&'m [u8], u64)>,
}

/// Each of `items` (the file at `path_of(item)`) with its stamp and the record `memo`
/// holds of it at that stamp under `kind`; and beside them, at the same positions, the
/// parse of each record that `decode` decodes as the item's (on every core, in place).
fn from_memo<'m, I: Sync, T: Send>(
    source: &dyn Source,
    memo: &Memo<'m>,
    kind: u8,
    items: Vec<I>,
    path_of: impl Fn(&I) -> &str + Sync,
    decode: impl Fn(&mut Reader<'_>, &I) -> Option<T> + Sync,
) -> (Vec<Slot<'m, I>>, Vec<Option<T>>) {
    let stamps = {
        let paths: Vec<&str> = items.iter().map(&path_of).collect();
        source
            .stamps(&paths)
            .unwrap_or_else(|| vec![None; paths.len()])
    };
    let slots: Vec<Slot<'m, I>> = items
        .into_iter()
        .zip(stamps)
        .map(|(item, stamp)| {
            let record = stamp.and_then(|s| memo.get(kind, path_of(&item), s));
            Slot {
                item,
                stamp,
                record,
            }
        })
        .collect();
    let mut files: Vec<Option<T>> = std::iter::repeat_with(|| None).take(slots.len()).collect();
    crate::parallel::fill(&slots, &mut files, PARALLEL_MIN, |slot| {
        decode_record(slot.record?, |r| decode(r, &slot.item))
    });
    (slots, files)
}

/// The task files of `entries` (listed in path order, no name undecodable) as
/// [`backlog::read_task_files`] gives them, those the memo holds at their stamps decoded
/// and the others read and parsed.
fn memo_task_files<'m>(
    source: &dyn Source,
    layout: &BacklogLayout,
    entries: Vec<TaskEntry>,
    memo: &Memo<'m>,
    settled: (i64, u32),
    stats: &mut MemoStats,
    records: &mut Records<'m>,
) -> Result<Vec<TaskFile>, SourceError> {
    let (mut slots, mut files) =
        from_memo(source, memo, TASK, entries, |e| &e.path, listed_task_file);
    let missing: Vec<TaskEntry> = slots
        .iter()
        .zip(&files)
        .filter(|(_, file)| file.is_none())
        .map(|(s, _)| s.item.clone())
        .collect();
    stats.parsed = missing.len();
    stats.reused = slots.len() - missing.len();
    // In the order of `missing`, without the files that vanished since the listing.
    let mut parsed = backlog::read_task_files(source, layout, missing)?.into_iter();
    let mut next = parsed.next();
    let mut fresh = Vec::new();
    for (i, (slot, file)) in slots.iter_mut().zip(files.iter_mut()).enumerate() {
        if let (Some(decoded), Some(stamp), Some((raw, h))) =
            (file.as_mut(), slot.stamp, slot.record)
        {
            // Decoded without its path: the entry's is moved in.
            decoded.path = std::mem::take(&mut slot.item.path);
            records.push((TASK, stamp, h, Cow::Borrowed(raw)));
            continue;
        }
        // A file that vanished since the listing stays `None`, and is left out below.
        let Some(read) = next.take_if(|f| f.path == slot.item.path) else {
            continue;
        };
        let read = slim(read);
        next = parsed.next();
        if let Some(stamp) = slot.stamp.filter(|s| is_settled(s, settled)) {
            if ids_round_trip(&read) {
                fresh.push((i, stamp));
            }
        }
        *file = Some(read);
    }
    let encoded = crate::parallel::map(fresh, PARALLEL_MIN, |(i, stamp)| {
        let mut w = Writer(Vec::new());
        if let Some(Some(file)) = files.get(i) {
            encode_task_file(&mut w, file);
        }
        (TASK, stamp, hash(&w.0), Cow::Owned(w.0))
    });
    records.extend(encoded);
    // In place: an `Option<TaskFile>` is the size of a `TaskFile`.
    Ok(files.into_iter().flatten().collect())
}

/// Reads and parses the spec files at `paths` as the spec loader does, taking those the
/// memo holds at their stamps from it.
fn read_specs<'m>(
    source: &dyn Source,
    paths: Vec<String>,
    patterns: &IdPatterns,
    memo: &Memo<'m>,
    settled: (i64, u32),
    stats: &mut MemoStats,
    records: &mut Records<'m>,
) -> Result<Vec<SpecFile>, SourceError> {
    let (slots, decoded) = from_memo(
        source,
        memo,
        SPEC,
        paths,
        |p| p.as_str(),
        |r, path| spec_file(r).filter(|f| f.path == *path),
    );
    let mut files = Vec::with_capacity(slots.len());
    let mut missing = Vec::new();
    let mut stamps = HashMap::new();
    for (slot, file) in slots.into_iter().zip(decoded) {
        match (file, slot.stamp, slot.record) {
            (Some(file), Some(stamp), Some((raw, h))) => {
                records.push((SPEC, stamp, h, Cow::Borrowed(raw)));
                files.push(file);
            }
            _ => {
                if let Some(stamp) = slot.stamp.filter(|s| is_settled(s, settled)) {
                    stamps.insert(slot.item.clone(), stamp);
                }
                missing.push(slot.item);
            }
        }
    }
    stats.specs_reused = files.len();
    stats.specs_parsed = missing.len();
    let start = files.len();
    files.extend(crate::spec::read_and_parse(source, missing, patterns)?);
    for file in files.get(start..).unwrap_or_default() {
        if let Some(&stamp) = stamps.get(&file.path) {
            let mut w = Writer(Vec::new());
            encode_spec_file(&mut w, file);
            records.push((SPEC, stamp, hash(&w.0), Cow::Owned(w.0)));
        }
    }
    Ok(files)
}

fn stamp(w: &mut Writer, s: &Stamp) {
    w.u64(s.size);
    w.u64(s.mtime.0 as u64);
    w.u32(s.mtime.1);
    w.u64(s.ctime.0 as u64);
    w.u32(s.ctime.1);
    w.u64(s.ino);
    w.u64(s.dev);
    w.u32(s.mode);
}

fn read_stamp(r: &mut Reader<'_>) -> Option<Stamp> {
    Some(Stamp {
        size: r.u64()?,
        mtime: (r.u64()? as i64, r.u32()?),
        ctime: (r.u64()? as i64, r.u32()?),
        ino: r.u64()?,
        dev: r.u64()?,
        mode: r.u32()?,
    })
}

/// A memo file holding `records`.
fn encode_memo(key: &str, records: &Records<'_>) -> Vec<u8> {
    write_memo(
        MAGIC,
        FORMAT,
        key,
        records,
        |(kind, _, _, raw)| (*kind, raw),
        |w, (_, s, h, _)| {
            stamp(w, s);
            w.u64(*h);
        },
    )
}

//! The audit's tree memo: HEAD's task and spec files as parsed, by blob, in
//! `.git/flowgate/tree-memo.bin`. A file's parse depends only on its bytes (which its
//! blob id fixes), its path, the backlog's layout and the requirement-ID patterns, so an
//! audit after a few new commits reads and parses only the files whose blobs it has not
//! parsed before, not all of HEAD's. The memo holds the files of the last audited HEAD
//! only (a blob no longer at HEAD is dropped when it is rewritten), and is keyed by this
//! version, its format, the layout and the patterns: anything else (another version, a
//! file that does not decode) is ignored and rewritten, so the memo can only save work,
//! never change a result. The texts that suspect links quote from earlier commits are kept
//! the same way, in `.git/flowgate/quotes.bin` ([`Quotes`]).

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use super::results::{FileInput, FilesPart, TreeShape};
use crate::backlog::{self, Backlog, BacklogLayout, TaskEntry, TaskFile};
use crate::config::Config;
use crate::git::{Oid, TreeSource};
use crate::parsed_codec::{
    encode_spec_file, encode_task_file, ids_round_trip, read_memo, spec_file, task_file,
    write_memo_to, Reader, Writer,
};
use crate::snapshot::Snapshot;
use crate::source::SourceError;
use crate::spec::SpecFile;

/// Where the memo lives, relative to the repository's `.git`.
const MEMO_FILE: &str = "flowgate/tree-memo.bin";
/// Where the quotes of suspect links live (a file of their own, in the memo's format:
/// they are written after the audit, the files' memo before it).
const QUOTES_FILE: &str = "flowgate/quotes.bin";

/// The first bytes of a memo file.
const MAGIC: &[u8] = b"flowgate tree memo\n";

/// Bumped whenever the encoding or what a task or spec file's parse holds changes.
pub const FORMAT: u32 = 2;

/// A record of a task file.
const TASK: u8 = 0;
/// A record of a spec file.
const SPEC: u8 = 1;
/// A record of a text a suspect link quotes from an earlier commit.
const QUOTE: u8 = 2;

/// The memo's key: this version, its format, the layout and the patterns.
fn key(layout: Option<&BacklogLayout>, id_patterns: &[String]) -> String {
    crate::parsed_codec::memo_key(FORMAT, layout, id_patterns)
}

/// How the memo served one read of a backlog (for `-v`).
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
    /// Texts quoted by suspect links taken from the memo.
    pub quotes_reused: usize,
    /// Texts quoted by suspect links read from the repository.
    pub quotes_read: usize,
    /// Why the tree memo or the quote memo could not be written (a sentence naming the file).
    pub error: Option<String>,
    /// HEAD's task and spec files were listed, not read: the result memo held everything
    /// the audit takes from them.
    pub not_read: bool,
}

/// Where each record of a memo file is, by kind, blob and path.
type Index<'a> = HashMap<(u8, Oid, &'a str), Range<usize>, rustc_hash::FxBuildHasher>;

/// A memo file as read: the encoded files by kind, blob and path.
struct Memo<'a> {
    entries: Index<'a>,
    data: &'a [u8],
}

impl<'a> Memo<'a> {
    /// The entries of memo file `data` written with `key`; empty for anything else (a
    /// foreign, truncated or older file).
    fn decode(data: &'a [u8], key: &str) -> Memo<'a> {
        let entries = read_memo(
            data,
            MAGIC,
            FORMAT,
            key,
            |r| Oid::from_bytes(r.bytes(20)?).ok(),
            |m| ((m.kind, m.header, m.path), m.range),
        );
        Memo { entries, data }
    }

    /// The task file at `path` with blob `oid`, when the memo holds it and it decodes,
    /// with its record.
    fn task(&self, oid: Oid, path: &str) -> Option<(TaskFile, &'a [u8])> {
        let (file, raw) = self.get(TASK, oid, path, task_file)?;
        (file.path == path).then_some((file, raw))
    }

    /// The spec file at `path` with blob `oid`, like [`Memo::task`].
    fn spec(&self, oid: Oid, path: &str) -> Option<(SpecFile, &'a [u8])> {
        let (file, raw) = self.get(SPEC, oid, path, spec_file)?;
        (file.path == path).then_some((file, raw))
    }

    fn get<T>(
        &self,
        kind: u8,
        oid: Oid,
        path: &str,
        decode: impl FnOnce(&mut Reader<'a>) -> Option<T>,
    ) -> Option<(T, &'a [u8])> {
        let range = self.entries.get(&(kind, oid, path))?.clone();
        let bytes = self.data.get(range)?;
        let mut r = Reader { data: bytes, at: 0 };
        let file = decode(&mut r)?;
        (r.at == bytes.len()).then_some((file, bytes))
    }
}

/// Task files as [`list_with_blobs`] lists them: each entry with its blob.
type Listing = Vec<(TaskEntry, Option<Oid>)>;

/// The records a memo is rewritten with: kind, blob and encoding.
type Records<'a> = Vec<(u8, Oid, std::borrow::Cow<'a, [u8]>)>;

/// What each task and spec file read contributes to the tree's fingerprint: kind, path
/// and input (see [`super::results::tree_fingerprint`]).
type Inputs = Vec<(u8, String, FileInput)>;

/// The texts suspect links quote from earlier commits (a spec section or requirement as
/// it was when a task was finished or linked), by commit and what is quoted: a commit's
/// files never change, so a text read once stays right. The memo keeps the quotes of
/// the last audit only.
#[derive(Debug, Default)]
pub struct Quotes {
    /// The memo's quotes not asked for yet.
    known: HashMap<(Oid, String), Option<String>>,
    /// The quotes asked for in this run.
    used: HashMap<(Oid, String), Option<String>>,
    /// How many were read from the repository in this run.
    read: usize,
    /// No suspect link was looked at in this run (they came from the result memo): the
    /// quotes file stays as it is.
    untouched: bool,
}

impl Quotes {
    /// Says that this run looks at no suspect link (they came from the result memo), so
    /// the quotes the file holds are kept for a later run that does.
    pub fn not_needed(&mut self) {
        self.untouched = true;
    }

    /// The quote `what` of `commit`: the memo's, else what `read` reads.
    pub fn get_or(
        &mut self,
        commit: Oid,
        what: String,
        read: impl FnOnce() -> Option<String>,
    ) -> Option<String> {
        let key = (commit, what);
        if let Some(text) = self.used.get(&key) {
            return text.clone();
        }
        let text = match self.known.remove(&key) {
            Some(text) => text,
            None => {
                self.read += 1;
                read()
            }
        };
        self.used.insert(key, text.clone());
        text
    }
}

/// The quotes the memo held, to be written back by [`Pending::save`] once the suspect
/// links have taken theirs.
#[derive(Debug)]
pub struct Pending {
    key: String,
    /// The quotes of suspect links.
    pub quotes: Quotes,
    /// The fingerprint of HEAD's tree as read (see [`super::results::tree_fingerprint`]).
    pub tree_key: u128,
    /// The fingerprint of HEAD's task and spec files (see
    /// [`super::results::files_fingerprint`]) when each entered it by its blob: what
    /// the result memo keeps their [`FilesPart`] by.
    pub files_key: Option<u128>,
    stats: MemoStats,
}

impl Pending {
    /// Rewrites the quotes file in `git_dir` when the quotes changed; how the memo served
    /// the audit.
    pub fn save(self, git_dir: &Path) -> MemoStats {
        let Pending {
            key,
            quotes,
            mut stats,
            ..
        } = self;
        stats.quotes_reused = quotes.used.len() - quotes.read;
        stats.quotes_read = quotes.read;
        if quotes.untouched || (quotes.read == 0 && quotes.known.is_empty()) {
            return stats;
        }
        let mut used: Vec<_> = quotes.used.into_iter().collect();
        used.sort();
        let records: Records<'_> = used
            .into_iter()
            .map(|((commit, what), text)| {
                let mut w = Writer(Vec::new());
                w.str(&what);
                w.opt(text.as_deref(), Writer::str);
                (QUOTE, commit, std::borrow::Cow::Owned(w.0))
            })
            .collect();
        if let Err(e) = write_memo_in(git_dir, QUOTES_FILE, &key, &records) {
            stats.error = Some(format!(
                "the quote memo (.git/{QUOTES_FILE}) could not be written: {e}"
            ));
        }
        stats
    }
}

/// The quotes of the quotes file in `git_dir` written with `key` (none for a file that
/// does not decode).
fn read_quotes(git_dir: &Path, key: &str) -> HashMap<(Oid, String), Option<String>> {
    let bytes = crate::own_files::read_in(git_dir, QUOTES_FILE, crate::own_files::MAX_CACHE)
        .ok()
        .flatten()
        .unwrap_or_default();
    let memo = Memo::decode(&bytes, key);
    memo.entries
        .iter()
        .filter(|((kind, _, _), _)| *kind == QUOTE)
        .filter_map(|((_, commit, what), range)| {
            let mut r = Reader {
                data: bytes.get(range.clone())?,
                at: 0,
            };
            r.str()?;
            let text = r.opt(Reader::str)?;
            (r.at == r.data.len()).then(|| ((*commit, what.to_string()), text))
        })
        .collect()
}

/// HEAD's snapshot (as [`crate::engine::snapshot`] builds it from `source`), with the task
/// and spec files the memo in `git_dir` holds taken from it and only the others read and
/// parsed (the memo is rewritten with HEAD's files when that changed anything); and the
/// quotes of suspect links, to be saved once the audit is done.
pub fn snapshot(
    git_dir: &Path,
    source: &TreeSource<'_>,
    config: &Config,
    listed: Option<Listing>,
) -> Result<(Snapshot, Pending), crate::engine::Error> {
    let layout = backlog::discover(source, config.backlog.dir.as_deref())?;
    let key = key(layout.as_ref(), &config.specs.id_patterns);
    let bytes = crate::own_files::read_in(git_dir, MEMO_FILE, crate::own_files::MAX_CACHE)
        .ok()
        .flatten()
        .unwrap_or_default();
    let memo = Memo::decode(&bytes, &key);
    let mut stats = MemoStats::default();
    let mut records: Records<'_> = Vec::new();
    let mut inputs: Inputs = Vec::new();
    let backlog = match layout {
        Some(layout) => Some(load_backlog(
            source,
            (layout, listed),
            &memo,
            &mut stats,
            (&mut records, &mut inputs),
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
                &mut stats,
                (&mut records, &mut inputs),
            )
        },
    )?;
    let reused = records
        .iter()
        .filter(|(_, _, raw)| matches!(raw, std::borrow::Cow::Borrowed(_)))
        .count();
    // Rewritten when something was parsed or something it held is no longer at HEAD.
    if reused != records.len() || reused != memo.entries.len() {
        if let Err(e) = write_memo_in(git_dir, MEMO_FILE, &key, &records) {
            stats.error = Some(format!(
                "the tree memo (.git/{MEMO_FILE}) could not be written: {e}"
            ));
        }
    }
    drop(records);
    drop(memo);
    drop(bytes);
    let snapshot = crate::engine::snapshot_with(source, config, backlog, Some(specs))?;
    let every_blob = inputs
        .iter()
        .all(|(_, _, input)| matches!(input, FileInput::Blob(_)));
    let files = super::results::files_fingerprint(&key, &snapshot.workflow, inputs);
    let files_key = every_blob.then_some(files);
    let pending = Pending {
        quotes: Quotes {
            known: read_quotes(git_dir, &key),
            ..Quotes::default()
        },
        key,
        tree_key: super::results::tree_fingerprint(files, TreeShape::of(&snapshot), config),
        files_key,
        stats,
    };
    Ok((snapshot, pending))
}

/// HEAD's task and spec files as listed, with their blobs, and everything else of HEAD's
/// snapshot that the tree's fingerprint covers: with the result memo's [`FilesPart`] of
/// these files, the tree's fingerprint without reading the tree memo or any file.
#[derive(Debug)]
pub struct Listed {
    layout: Option<BacklogLayout>,
    /// The task files, as [`list_with_blobs`] lists them.
    tasks: Listing,
    milestones: Vec<backlog::Milestone>,
    /// The spec index without its files (its globs and symlinks).
    specs: crate::spec::SpecIndex,
    workflow: crate::workflow::Workflow,
    flowspec: Option<crate::flowspec::Flowspec>,
    /// The files' fingerprint (see [`super::results::files_fingerprint`]).
    pub files_key: u128,
}

impl Listed {
    /// The listing of HEAD's tree `source`; `None` when a file would enter the tree's
    /// fingerprint by its parse (it has no blob, or a name that is not UTF-8) or anything
    /// cannot be read (reading the whole snapshot then reports it).
    pub fn of(source: &TreeSource<'_>, config: &Config) -> Option<Listed> {
        let layout = backlog::discover(source, config.backlog.dir.as_deref()).ok()?;
        let key = key(layout.as_ref(), &config.specs.id_patterns);
        let (tasks, milestones) = match &layout {
            Some(layout) => (
                list_with_blobs(source, layout).ok()?,
                backlog::milestone::load(source, layout).ok()?,
            ),
            None => (Vec::new(), Vec::new()),
        };
        // The task files' paths are borrowed from their listing, kept for reading them.
        let mut inputs: Vec<(u8, std::borrow::Cow<'_, str>, FileInput)> = Vec::new();
        for (e, blob) in &tasks {
            inputs.push((TASK, e.path.as_str().into(), FileInput::Blob((*blob)?)));
        }
        let mut every_blob = true;
        let specs = crate::spec::load_through(
            source,
            &config.specs.globs,
            &config.specs.id_patterns,
            |paths, _| {
                for path in paths {
                    match source.file_blob(&path) {
                        Some(oid) => inputs.push((SPEC, path.into(), FileInput::Blob(oid))),
                        None => every_blob = false,
                    }
                }
                Ok(Vec::new())
            },
        )
        .ok()?;
        if !every_blob {
            return None;
        }
        let backlog_config = layout
            .as_ref()
            .map(|l| l.config.clone())
            .unwrap_or_default();
        let workflow = crate::workflow::Workflow::new(&backlog_config, &config.workflow).ok()?;
        let flowspec = crate::snapshot::load_flowspec(source, layout.as_ref()).ok()?;
        let files_key = super::results::files_fingerprint(&key, &workflow, inputs);
        Some(Listed {
            layout,
            tasks,
            milestones,
            specs,
            workflow,
            flowspec,
            files_key,
        })
    }

    /// The tree's fingerprint, as [`snapshot`] takes it, with `files` the files' part of
    /// these files; `None` when a path cannot be looked up.
    pub fn tree_key(
        &self,
        source: &TreeSource<'_>,
        config: &Config,
        files: &FilesPart,
    ) -> Option<u128> {
        let present =
            crate::snapshot::present_of(source, files.modified_files.iter().cloned()).ok()?;
        let shape = TreeShape {
            backlog: self
                .layout
                .as_ref()
                .map(|l| (l, &[][..], self.milestones.as_slice(), files.task_files)),
            spec_globs: &self.specs.globs,
            spec_symlinks: self.specs.symlinks(),
            spec_files: files.spec_files,
            workflow: &self.workflow,
            flowspec: &self.flowspec,
            present_modified_files: &present,
        };
        Some(super::results::tree_fingerprint(
            self.files_key,
            shape,
            config,
        ))
    }
}

/// HEAD's tree as the audit reads it, with the result memo: when the memo holds what the
/// listed task and spec files give ([`FilesPart`]), the tree's fingerprint is taken from
/// their listing and the files are read (through the tree memo) only if a part of the
/// audit must be computed; otherwise the whole snapshot is read at once.
pub struct Head<'s, 'r> {
    git_dir: &'s Path,
    source: &'s TreeSource<'r>,
    config: &'s Config,
    /// The result memo as read.
    pub results: super::results::Results,
    /// The fingerprint of HEAD's tree (see [`super::results::tree_fingerprint`]).
    pub tree_key: u128,
    /// What HEAD's files give besides their paths and blobs.
    files: FilesPart,
    /// The whole snapshot and the quotes, once read.
    read: Option<(Snapshot, Pending)>,
    /// The listed task files, until the whole snapshot is read.
    listed: Option<Listing>,
}

impl<'s, 'r> Head<'s, 'r> {
    /// HEAD's tree `source` of the repository whose `.git` is `git_dir`, with the result
    /// memo there: listed, or read whole when the memo does not hold its files' part.
    pub fn open(
        git_dir: &'s Path,
        source: &'s TreeSource<'r>,
        config: &'s Config,
    ) -> Result<Head<'s, 'r>, crate::engine::Error> {
        let results = super::results::Results::open(git_dir);
        let listed = match results.has_files_part() {
            true => Listed::of(source, config),
            false => None,
        };
        let known = listed.as_ref().and_then(|listed| {
            let part = results.files_part(listed.files_key)?;
            Some((listed.tree_key(source, config, part)?, part.clone()))
        });
        let mut head = Head {
            git_dir,
            source,
            config,
            results,
            tree_key: 0,
            files: FilesPart::default(),
            read: None,
            // Not listed again when the whole snapshot is read.
            listed: listed.map(|l| l.tasks),
        };
        match known {
            Some((tree_key, files)) => {
                head.tree_key = tree_key;
                head.files = files;
            }
            None => head.read_whole()?,
        }
        Ok(head)
    }

    /// Reads the whole snapshot through the tree memo, and keeps its files' part in the
    /// result memo.
    fn read_whole(&mut self) -> Result<(), crate::engine::Error> {
        let listed = self.listed.take();
        let (snapshot, pending) = snapshot(self.git_dir, self.source, self.config, listed)?;
        let files = FilesPart::of(&snapshot);
        if let Some(key) = pending.files_key {
            self.results.keep_files_part(key, files.clone());
        }
        self.tree_key = pending.tree_key;
        self.files = files;
        self.read = Some((snapshot, pending));
        // Reading it freed what it parsed on the way and the tree memo's records (a
        // hundred megabytes with long task files).
        super::give_back_freed_memory();
        Ok(())
    }

    /// HEAD's whole snapshot and the quotes of suspect links, read now if they were not.
    pub fn snapshot(&mut self) -> Result<(&Snapshot, &mut Pending), crate::engine::Error> {
        if self.read.is_none() {
            self.read_whole()?;
        }
        match &mut self.read {
            Some((snapshot, pending)) => Ok((snapshot, pending)),
            None => Err(crate::engine::Error::Repository(
                "HEAD's tree could not be read".into(),
            )),
        }
    }

    /// HEAD's tree.
    pub fn source(&self) -> &'s TreeSource<'r> {
        self.source
    }

    /// Says that this run looks at no suspect link (see [`Quotes::not_needed`]).
    pub fn quotes_not_needed(&mut self) {
        if let Some((_, pending)) = &mut self.read {
            pending.quotes.not_needed();
        }
    }

    /// How many tasks (not drafts) and spec files HEAD has.
    pub fn counts(&self) -> (usize, usize) {
        (self.files.tasks, self.files.spec_files)
    }

    /// Rewrites the quotes file when the quotes changed; how the memo served the audit.
    pub fn save(mut self) -> MemoStats {
        // As for the snapshot below: the listing of 10,000 task files is not freed one by
        // one at the end of a command.
        std::mem::forget(self.listed.take());
        match self.read {
            Some((snapshot, pending)) => {
                // A command ends soon after: freeing 10,000 parsed task files one by one
                // is pure waiting.
                std::mem::forget(snapshot);
                pending.save(self.git_dir)
            }
            None => MemoStats {
                not_read: true,
                ..MemoStats::default()
            },
        }
    }
}

/// Reads and parses the spec files at `paths` as the spec loader does, taking those
/// the memo holds from it.
fn read_specs<'m>(
    source: &TreeSource<'_>,
    paths: Vec<String>,
    patterns: &crate::spec::markdown::IdPatterns,
    memo: &Memo<'m>,
    stats: &mut MemoStats,
    (records, inputs): (&mut Records<'m>, &mut Inputs),
) -> Result<Vec<SpecFile>, SourceError> {
    let mut files = Vec::with_capacity(paths.len());
    let mut missing = Vec::new();
    let mut blobs = HashMap::new();
    for path in paths {
        let blob = source.file_blob(&path);
        match blob.and_then(|oid| Some((oid, memo.spec(oid, &path)?))) {
            Some((oid, (file, raw))) => {
                records.push((SPEC, oid, std::borrow::Cow::Borrowed(raw)));
                inputs.push((SPEC, file.path.clone(), FileInput::Blob(oid)));
                files.push(file);
            }
            None => {
                if let Some(oid) = blob {
                    blobs.insert(path.clone(), oid);
                }
                missing.push(path);
            }
        }
    }
    stats.specs_reused = files.len();
    stats.specs_parsed = missing.len();
    for file in crate::spec::read_and_parse(source, missing, patterns)? {
        let blob = blobs.get(&file.path).copied();
        if let Some(oid) = blob {
            let mut w = Writer(Vec::new());
            encode_spec_file(&mut w, &file);
            w.0.shrink_to_fit();
            records.push((SPEC, oid, std::borrow::Cow::Owned(w.0)));
        }
        inputs.push((SPEC, file.path.clone(), FileInput::of(blob, &file)));
        files.push(file);
    }
    Ok(files)
}

/// The blob ids of files of HEAD's tree, as [`TreeSource::file_blob`] gives them, looked
/// up in their folder's tree from just after the file looked up before: the listed files
/// of a folder come in the tree's order, so each is found in one step instead of a binary
/// search of its folder (10,000 entries in a large backlog). Anything else (another order,
/// a path that is not plain, a folder that is not a tree) goes to `file_blob`.
struct Blobs<'s, 'r> {
    source: &'s TreeSource<'r>,
    /// The folder of the last lookup and its tree.
    folder: Option<(String, Option<std::rc::Rc<crate::git::tree::RawTree>>)>,
    /// Where in that tree the next lookup looks first.
    next: usize,
}

impl<'s, 'r> Blobs<'s, 'r> {
    fn new(source: &'s TreeSource<'r>) -> Self {
        Blobs {
            source,
            folder: None,
            next: 0,
        }
    }

    /// The blob id of the regular file at `path`.
    fn get(&mut self, path: &str) -> Option<Oid> {
        match self.entry(path) {
            Some((mode, id)) => (crate::git::repo::kind_of_mode(mode)
                == crate::source::EntryKind::File)
                .then_some(id),
            None => self.source.file_blob(path),
        }
    }

    /// The mode and id of the entry at `path` when it is found in its folder's tree.
    fn entry(&mut self, path: &str) -> Option<(u32, Oid)> {
        let (dir, name) = path.rsplit_once('/')?;
        if name.is_empty() || dir.split('/').any(str::is_empty) {
            return None;
        }
        if self.folder.as_ref().map(|(d, _)| d.as_str()) != Some(dir) {
            let source = self.source;
            let tree = source
                .entry_id(dir)
                .and_then(|id| source.repo().tree(id).ok());
            self.folder = Some((dir.to_string(), tree));
            self.next = 0;
        }
        let tree = self.folder.as_ref()?.1.as_ref()?;
        let name = name.as_bytes();
        let at = match tree.get(self.next) {
            Some(item) if item.name == name => self.next,
            _ => {
                let item = tree.find(name)?;
                // Names are unique in a tree: the one found is at its sorted place.
                let mut at = tree.lower_bound(name);
                while tree.get(at).is_some_and(|i| i.name != item.name) {
                    at += 1;
                }
                at
            }
        };
        let item = tree.get(at)?;
        self.next = at + 1;
        Some((item.mode, item.id))
    }
}

/// The task files of the backlog at `layout` of HEAD's tree `source` (as
/// [`backlog::list_task_files`] lists them), each with its blob when it is a regular
/// file with a UTF-8 name.
fn list_with_blobs(
    source: &TreeSource<'_>,
    layout: &BacklogLayout,
) -> Result<Listing, SourceError> {
    let mut blobs = Blobs::new(source);
    Ok(backlog::list_task_files(source, layout)?
        .into_iter()
        .map(|e| {
            let blob = match e.undecodable_name {
                true => None,
                false => blobs.get(&e.path),
            };
            (e, blob)
        })
        .collect())
}

/// Reads the backlog at `layout` of HEAD's tree `source` (as [`backlog::load_at`] reads
/// it), taking the task files `memo` holds from it; `records` gets each file's record.
/// The task files are `listed` when given (as [`list_with_blobs`] lists them), else
/// listed here.
fn load_backlog<'m>(
    source: &TreeSource<'_>,
    (layout, listed): (BacklogLayout, Option<Listing>),
    memo: &Memo<'m>,
    stats: &mut MemoStats,
    (records, inputs): (&mut Records<'m>, &mut Inputs),
) -> Result<Backlog, SourceError> {
    let entries = match listed {
        Some(listed) => listed,
        None => list_with_blobs(source, &layout)?,
    };
    // Each listed file: its path, its blob (a regular file's), and its parse when the memo
    // has it.
    let mut slots = Vec::with_capacity(entries.len());
    let mut missing = Vec::new();
    // Reading them all sorts the files by path when a name is not UTF-8.
    let sort = entries.iter().any(|(e, _)| e.undecodable_name);
    for (e, blob) in entries {
        let hit = blob.and_then(|oid| memo.task(oid, &e.path));
        let path = e.path.clone();
        if hit.is_none() {
            missing.push(e);
        }
        slots.push((path, blob, hit));
    }
    stats.reused = slots.len() - missing.len();
    stats.parsed = missing.len();
    let mut parsed: HashMap<String, TaskFile> = backlog::read_task_files(source, &layout, missing)?
        .into_iter()
        .map(|f| (f.path.clone(), f))
        .collect();
    let mut files = Vec::with_capacity(slots.len());
    for (path, blob, hit) in slots {
        match hit {
            Some((file, raw)) => {
                if let Some(oid) = blob {
                    records.push((TASK, oid, std::borrow::Cow::Borrowed(raw)));
                }
                inputs.push((TASK, file.path.clone(), FileInput::of(blob, &file)));
                files.push(file);
            }
            // A file that vanished since the listing is left out, as reading them all
            // leaves it out.
            None => {
                if let Some(file) = parsed.remove(&path) {
                    if let Some(oid) = blob.filter(|_| ids_round_trip(&file)) {
                        let mut w = Writer(Vec::new());
                        encode_task_file(&mut w, &file);
                        // Held until the memo is written: its exact size (a long task
                        // file's encoding grows to twice its length on the way).
                        w.0.shrink_to_fit();
                        records.push((TASK, oid, std::borrow::Cow::Owned(w.0)));
                    }
                    inputs.push((TASK, file.path.clone(), FileInput::of(blob, &file)));
                    files.push(file);
                }
            }
        }
    }
    if sort {
        files.sort_by(|a, b| a.path.cmp(&b.path));
    }
    let milestones = backlog::milestone::load(source, &layout)?;
    Ok(Backlog {
        layout,
        files,
        unread: Vec::new(),
        milestones,
    })
}

/// A memo file holding `records`.
#[cfg(test)]
fn encode_memo(key: &str, records: &Records<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a vector does not fail.
    let _ = write_records(&mut out, key, records);
    out
}

/// Writes the memo file holding `records` to `rel` in `git_dir`, record by record (a
/// backlog of long task files makes a memo of tens of megabytes, already held once as
/// its records).
fn write_memo_in(
    git_dir: &Path,
    rel: &str,
    key: &str,
    records: &Records<'_>,
) -> Result<std::path::PathBuf, crate::own_files::OwnFileError> {
    crate::own_files::write_in_with(git_dir, rel, |out| write_records(out, key, records))
}

/// The memo file holding `records`, written to `out`.
fn write_records(
    out: &mut dyn std::io::Write,
    key: &str,
    records: &Records<'_>,
) -> std::io::Result<()> {
    write_memo_to(
        out,
        MAGIC,
        FORMAT,
        key,
        records,
        |(kind, _, raw)| (*kind, raw),
        |w, (_, oid, _)| w.0.extend_from_slice(oid.as_bytes()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backlog::{Folder, TaskEntry};
    use crate::tracker::TaskId;

    #[test]
    #[cfg(unix)]
    fn blobs_are_the_ids_file_blob_gives_in_any_order() {
        let dir = std::env::temp_dir().join(format!("flowgate-memo-blobs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let files = [
            "backlog/tasks/task-1 - A.md",
            "backlog/tasks/task-10 - B.md",
            "backlog/tasks/task-2.md",
            "backlog/tasks/task-2/inner.md",
            "backlog/tasks/a.b",
            "backlog/tasks/a/c.md",
            "backlog/drafts/draft-1 - D.md",
            "README.md",
        ];
        for f in files {
            let p = dir.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, f).unwrap();
        }
        std::os::unix::fs::symlink("task-2.md", dir.join("backlog/tasks/link.md")).unwrap();
        let git = |args: &[&str]| crate::git::repo::git_in(&dir, args);
        git(&["init", "-q"]);
        git(&["add", "-A"]);
        git(&["commit", "-q", "-m", "files"]);
        let repo = crate::git::Repo::discover(&dir).unwrap();
        let head = repo.head_commit().unwrap().unwrap();
        let tree = repo.commit_tree(head).unwrap();
        let mut paths: Vec<&str> = files.to_vec();
        paths.extend([
            "backlog/tasks/link.md",
            "backlog/tasks/a",
            "backlog/tasks/task-2",
            "backlog/tasks/missing.md",
            "backlog/missing/x.md",
            "README.md/x",
            "backlog//tasks/a.b",
            "backlog/tasks/",
            "/README.md",
        ]);
        let sorted = {
            let mut p = paths.clone();
            p.sort();
            p
        };
        let reversed: Vec<&str> = sorted.iter().rev().copied().collect();
        for order in [paths, sorted, reversed] {
            let mut blobs = Blobs::new(&tree);
            for path in order {
                assert_eq!(blobs.get(path), tree.file_blob(path), "{path}");
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The tree's fingerprint taken from the listing and the files' part equals the one
    /// of the whole snapshot, for a tree with tasks in play listing present and missing
    /// files, a draft, a finished task and specs; and both move when a listed file
    /// appears.
    #[test]
    fn the_listing_fingerprints_the_tree_as_the_whole_snapshot_does() {
        let dir = std::env::temp_dir().join(format!("flowgate-memo-listed-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let task = |id: &str, status: &str, extra: &str| {
            format!("---\nid: {id}\ntitle: T\nstatus: {status}\n{extra}---\n\nBody.\n")
        };
        let files = [
            (
                "backlog/config.yml",
                "project_name: d\nstatuses: [\"To Do\", \"In Progress\", \"Done\"]\n".to_string(),
            ),
            (
                "backlog/tasks/task-1 - A.md",
                task(
                    "TASK-1",
                    "In Progress",
                    "modified_files:\n  - src/a.rs\n  - ./src/b.rs\n  - docs\n",
                ),
            ),
            (
                "backlog/tasks/task-2 - B.md",
                task("TASK-2", "Done", "modified_files:\n  - src/gone.rs\n"),
            ),
            (
                "backlog/drafts/draft-1 - C.md",
                task("DRAFT-1", "To Do", "modified_files:\n  - src/c.rs\n"),
            ),
            (
                "specs/001-a/spec.md",
                "# A\n\n## Requirements\n\n- **FR-001**: a\n".to_string(),
            ),
            ("src/a.rs", "a".to_string()),
            ("docs/x.md", "x".to_string()),
        ];
        for (f, text) in &files {
            let p = dir.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let git = |args: &[&str]| crate::git::repo::git_in(&dir, args);
        git(&["init", "-q"]);
        git(&["add", "-A"]);
        git(&["commit", "-q", "-m", "files"]);
        let repo = crate::git::Repo::discover(&dir).unwrap();
        let config = Config::default();
        let keys = || {
            let head = repo.head_commit().unwrap().unwrap();
            let tree = repo.commit_tree(head).unwrap();
            let (whole, pending) = snapshot(repo.git_dir(), &tree, &config, None).unwrap();
            let part = FilesPart::of(&whole);
            let listed = Listed::of(&tree, &config).expect("every file has a blob");
            assert_eq!(Some(listed.files_key), pending.files_key);
            let from_listing = listed.tree_key(&tree, &config, &part);
            assert_eq!(from_listing, Some(pending.tree_key));
            // The whole snapshot read with the listing's task files is the same.
            let (again, with_listed) =
                snapshot(repo.git_dir(), &tree, &config, Some(listed.tasks.clone())).unwrap();
            assert_eq!(with_listed.tree_key, pending.tree_key);
            assert_eq!(format!("{again:?}"), format!("{whole:?}"));
            (part, pending.tree_key)
        };
        let (part, before) = keys();
        assert_eq!(part.modified_files, ["src/a.rs", "src/b.rs", "docs"]);
        assert_eq!((part.task_files, part.tasks, part.spec_files), (3, 2, 1));
        std::fs::write(dir.join("src/b.rs"), "b").unwrap();
        git(&["add", "-A"]);
        git(&["commit", "-q", "-m", "b"]);
        let (again, after) = keys();
        assert_eq!(again, part);
        assert_ne!(after, before);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_memo_that_does_not_decode_holds_nothing() {
        let mut w = Writer(Vec::new());
        encode_task_file(
            &mut w,
            &backlog::parse_task_file(
                TaskEntry {
                    path: "backlog/tasks/task-1 - A.md".into(),
                    folder: Folder::Tasks,
                    name_id: TaskId::parse("task-1"),
                    undecodable_name: false,
                },
                b"---\nid: TASK-1\ntitle: A\nstatus: To Do\n---\n",
                &BacklogLayout::with_defaults("backlog"),
            ),
        );
        let oid = Oid::from_bytes(&[7; 20]).expect("an id");
        let data = encode_memo(
            "k",
            &vec![(TASK, oid, std::borrow::Cow::Owned(w.0.clone()))],
        );
        let whole = Memo::decode(&data, "k");
        assert!(whole.task(oid, "backlog/tasks/task-1 - A.md").is_some());
        assert!(whole.spec(oid, "backlog/tasks/task-1 - A.md").is_none());
        assert!(Memo::decode(&data, "other").entries.is_empty());
        for cut in 0..data.len() {
            let memo = Memo::decode(&data[..cut], "k");
            assert!(memo.entries.is_empty(), "cut at {cut}");
        }
        let mut longer = data.clone();
        longer.push(0);
        assert!(Memo::decode(&longer, "k").entries.is_empty());
        // Written record by record to a file: the same bytes.
        let dir = std::env::temp_dir().join(format!("flowgate-memo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a folder");
        let records = vec![(TASK, oid, std::borrow::Cow::Owned(w.0))];
        write_memo_in(&dir, "flowgate/memo.bin", "k", &records).expect("written");
        let written = std::fs::read(dir.join("flowgate/memo.bin")).expect("read");
        assert_eq!(written, data);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

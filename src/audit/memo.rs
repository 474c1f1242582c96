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

use super::cache_codec::{severity, severity_byte, Reader, Writer};
use super::results::FileInput;
use crate::backlog::{self, Backlog, BacklogLayout, CheckItem, Folder, Spanned, Task, TaskFile};
use crate::config::Config;
use crate::finding::{Finding, Position};
use crate::git::{Oid, TreeSource};
use crate::snapshot::Snapshot;
use crate::source::SourceError;
use crate::spec::{ChecklistTask, RequirementItem, Section, SpecFile, SpecKind};
use crate::tracker::TaskId;

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

/// What the backlog's layout, the requirement-ID patterns and this version contribute
/// to the memo's key: everything besides a file's bytes and path that its parse depends
/// on.
fn key(layout: Option<&BacklogLayout>, id_patterns: &[String]) -> String {
    let text = format!(
        "{}|{FORMAT}|{layout:?}|{id_patterns:?}",
        env!("CARGO_PKG_VERSION")
    );
    format!("{:016x}", crate::spec::markdown::content_hash(&text))
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
    /// Why the memo could not be written, if it could not.
    pub error: Option<String>,
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
        let entries = Self::index(data, key).unwrap_or_default();
        Memo { entries, data }
    }

    fn index(data: &'a [u8], key: &str) -> Option<Index<'a>> {
        let rest = data.strip_prefix(MAGIC)?;
        let mut r = Reader { data: rest, at: 0 };
        if r.u32()? != FORMAT || r.str()? != key {
            return None;
        }
        let n = r.count()?;
        let mut out = HashMap::with_capacity_and_hasher(n, rustc_hash::FxBuildHasher);
        for _ in 0..n {
            let kind = r.u8()?;
            let oid = Oid::from_bytes(r.bytes(20)?).ok()?;
            let len = usize::try_from(r.u32()?).ok()?;
            let start = MAGIC.len() + r.at;
            let body = r.bytes(len)?;
            // The path leads each record.
            let mut path = Reader { data: body, at: 0 };
            let plen = usize::try_from(path.u32()?).ok()?;
            let path = std::str::from_utf8(path.bytes(plen)?).ok()?;
            out.insert((kind, oid, path), start..start + len);
        }
        (r.at == r.data.len()).then_some(out)
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
        let data = encode_memo(&key, &records);
        if let Err(e) = crate::own_files::write_in(git_dir, QUOTES_FILE, &data) {
            stats.error = Some(e.to_string());
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
            layout,
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
        let data = encode_memo(&key, &records);
        if let Err(e) = crate::own_files::write_in(git_dir, MEMO_FILE, &data) {
            stats.error = Some(e.to_string());
        }
    }
    drop(records);
    drop(memo);
    drop(bytes);
    let snapshot = crate::engine::snapshot_with(source, config, backlog, Some(specs))?;
    let pending = Pending {
        quotes: Quotes {
            known: read_quotes(git_dir, &key),
            ..Quotes::default()
        },
        key,
        tree_key: super::results::tree_fingerprint(inputs, &snapshot, config),
        stats,
    };
    Ok((snapshot, pending))
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
            records.push((SPEC, oid, std::borrow::Cow::Owned(w.0)));
        }
        inputs.push((SPEC, file.path.clone(), FileInput::of(blob, &file)));
        files.push(file);
    }
    Ok(files)
}

/// Reads the backlog at `layout` of HEAD's tree `source` (as [`backlog::load_at`] reads
/// it), taking the task files `memo` holds from it; `records` gets each file's record.
fn load_backlog<'m>(
    source: &TreeSource<'_>,
    layout: BacklogLayout,
    memo: &Memo<'m>,
    stats: &mut MemoStats,
    (records, inputs): (&mut Records<'m>, &mut Inputs),
) -> Result<Backlog, SourceError> {
    let entries = backlog::list_task_files(source, &layout)?;
    // Each listed file: its path, its blob (a regular file's), and its parse when the memo
    // has it.
    let mut slots = Vec::with_capacity(entries.len());
    let mut missing = Vec::new();
    // Reading them all sorts the files by path when a name is not UTF-8.
    let sort = entries.iter().any(|e| e.undecodable_name);
    for e in entries {
        let blob = if e.undecodable_name {
            None
        } else {
            source.file_blob(&e.path)
        };
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

/// True when the task IDs of `file` read back from their canonical form as themselves
/// (what the memo stores of an ID).
fn ids_round_trip(file: &TaskFile) -> bool {
    let same = |id: &TaskId| TaskId::parse(&id.canonical()).as_ref() == Some(id);
    file.name_id.as_ref().is_none_or(same)
        && file
            .task
            .as_ref()
            .and_then(|t| t.id.as_ref())
            .is_none_or(same)
}

/// A memo file holding `records`.
fn encode_memo(key: &str, records: &Records<'_>) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    w.0.extend_from_slice(MAGIC);
    w.u32(FORMAT);
    w.str(key);
    w.len(records.len());
    for (kind, oid, raw) in records {
        w.0.push(*kind);
        w.0.extend_from_slice(oid.as_bytes());
        w.len(raw.len());
        w.0.extend_from_slice(raw);
    }
    w.0
}

fn position(w: &mut Writer, p: &Position) {
    w.u32(p.line);
    w.u32(p.column);
    w.u32(p.len);
}

fn read_position(r: &mut Reader<'_>) -> Option<Position> {
    Some(Position {
        line: r.u32()?,
        column: r.u32()?,
        len: r.u32()?,
    })
}

fn spanned(w: &mut Writer, s: &Spanned<String>) {
    w.str(&s.value);
    position(w, &s.pos);
}

fn read_spanned(r: &mut Reader<'_>) -> Option<Spanned<String>> {
    Some(Spanned {
        value: r.str()?,
        pos: read_position(r)?,
    })
}

fn spanned_list(w: &mut Writer, list: &[Spanned<String>]) {
    w.len(list.len());
    for s in list {
        spanned(w, s);
    }
}

fn strings(w: &mut Writer, list: &[String]) {
    w.len(list.len());
    for s in list {
        w.str(s);
    }
}

fn task_id(w: &mut Writer, id: &TaskId) {
    w.str(&id.canonical());
}

/// A task ID back from its canonical form (only files whose IDs do read back so are
/// stored: [`ids_round_trip`]).
fn read_task_id(r: &mut Reader<'_>) -> Option<TaskId> {
    let n = usize::try_from(r.u32()?).ok()?;
    TaskId::parse(std::str::from_utf8(r.bytes(n)?).ok()?)
}

fn check_items(w: &mut Writer, items: &[CheckItem]) {
    w.len(items.len());
    for CheckItem {
        number,
        checked,
        text,
        pos,
    } in items
    {
        w.opt(*number, Writer::u32);
        w.0.push(u8::from(*checked));
        w.str(text);
        position(w, pos);
    }
}

fn read_check_items(r: &mut Reader<'_>) -> Option<Vec<CheckItem>> {
    r.vec(|r| {
        Some(CheckItem {
            number: r.opt(Reader::u32)?,
            checked: read_bool(r)?,
            text: r.str()?,
            pos: read_position(r)?,
        })
    })
}

/// Encodes a finding (also the result memo's findings: [`super::results`]).
pub(super) fn finding(w: &mut Writer, f: &Finding) {
    let Finding {
        code,
        rule: _,
        severity,
        message,
        help,
        file,
        line,
        column,
        commit,
        task,
        span_len,
        rigor_id,
    } = f;
    w.str(code);
    w.0.push(severity_byte(*severity));
    w.str(message);
    w.opt(help.as_deref(), Writer::str);
    w.opt(file.as_deref(), Writer::str);
    w.opt(*line, Writer::u32);
    w.opt(*column, Writer::u32);
    w.opt(commit.as_deref(), Writer::str);
    w.opt(task.as_deref(), Writer::str);
    w.u32(*span_len);
    w.opt(*rigor_id, Writer::str);
}

/// A finding back; `None` for a code this version does not know, or one whose rule
/// would not give it the stored name and catalogue ID.
/// A finding back; `None` for a code this version does not know, or a catalogue ID
/// that is not the code's.
pub(super) fn read_finding(r: &mut Reader<'_>) -> Option<Finding> {
    let code = r.str()?;
    let rule = crate::codes::lookup(&code).filter(|rule| rule.code == code)?;
    let severity = severity(r.u8()?)?;
    let mut f = Finding::new(rule, r.str()?);
    f.severity = severity;
    f.help = r.opt(Reader::str)?;
    f.file = r.opt(Reader::str)?;
    f.line = r.opt(Reader::u32)?;
    f.column = r.opt(Reader::u32)?;
    f.commit = r.opt(Reader::str)?;
    f.task = r.opt(Reader::str)?;
    f.span_len = r.u32()?;
    let rigor = r.opt(Reader::str)?;
    (rigor.as_deref() == f.rigor_id).then_some(f)
}

/// The task folders, each stored as its position here.
const FOLDERS: [Folder; 4] = [
    Folder::Tasks,
    Folder::Completed,
    Folder::Archive,
    Folder::Drafts,
];

/// The spec kinds, each stored as its position here.
const SPEC_KINDS: [SpecKind; 4] = [
    SpecKind::Spec,
    SpecKind::Plan,
    SpecKind::Tasks,
    SpecKind::Document,
];

/// The byte that stands for `value`: its position in `all`.
fn byte_of<T: PartialEq>(all: &[T], value: &T) -> u8 {
    all.iter()
        .position(|v| v == value)
        .and_then(|i| u8::try_from(i).ok())
        .unwrap_or(u8::MAX)
}

/// The value byte `b` stands for in `all`.
fn of_byte<T: Copy>(all: &[T], b: u8) -> Option<T> {
    all.get(usize::from(b)).copied()
}

fn task(w: &mut Writer, t: &Task) {
    // Every field named: a field added to the task model does not compile until it is
    // stored here (and FORMAT bumped).
    let Task {
        raw_id,
        id,
        title,
        status,
        assignee,
        labels,
        workflow_label,
        dependencies,
        parent,
        subtasks,
        milestone,
        task_type,
        priority,
        references,
        modified_files,
        documentation,
        spec,
        acceptance,
        definition_of_done,
        description,
        plan,
        implementation_notes,
        final_summary,
        body_links,
        spec_reviewed,
    } = t;
    w.opt(raw_id.as_ref(), spanned);
    w.opt(id.as_ref(), task_id);
    w.opt(title.as_ref(), spanned);
    w.opt(status.as_ref(), spanned);
    strings(w, assignee);
    strings(w, labels);
    w.opt(workflow_label.as_ref(), spanned);
    spanned_list(w, dependencies);
    w.opt(parent.as_ref(), spanned);
    spanned_list(w, subtasks);
    w.opt(milestone.as_ref(), spanned);
    w.opt(task_type.as_ref(), spanned);
    w.opt(priority.as_ref(), spanned);
    spanned_list(w, references);
    spanned_list(w, modified_files);
    spanned_list(w, documentation);
    spanned_list(w, spec);
    check_items(w, acceptance);
    check_items(w, definition_of_done);
    w.opt(description.as_deref(), Writer::str);
    w.opt(plan.as_deref(), Writer::str);
    w.opt(implementation_notes.as_deref(), Writer::str);
    w.opt(final_summary.as_deref(), Writer::str);
    spanned_list(w, body_links);
    w.len(spec_reviewed.len());
    for (k, v) in spec_reviewed {
        w.str(k);
        w.str(v);
    }
}

fn read_task(r: &mut Reader<'_>) -> Option<Task> {
    Some(Task {
        raw_id: r.opt(read_spanned)?,
        id: r.opt(read_task_id)?,
        title: r.opt(read_spanned)?,
        status: r.opt(read_spanned)?,
        assignee: r.vec(Reader::str)?,
        labels: r.vec(Reader::str)?,
        workflow_label: r.opt(read_spanned)?,
        dependencies: r.vec(read_spanned)?,
        parent: r.opt(read_spanned)?,
        subtasks: r.vec(read_spanned)?,
        milestone: r.opt(read_spanned)?,
        task_type: r.opt(read_spanned)?,
        priority: r.opt(read_spanned)?,
        references: r.vec(read_spanned)?,
        modified_files: r.vec(read_spanned)?,
        documentation: r.vec(read_spanned)?,
        spec: r.vec(read_spanned)?,
        acceptance: read_check_items(r)?,
        definition_of_done: read_check_items(r)?,
        description: r.opt(Reader::str)?,
        plan: r.opt(Reader::str)?,
        implementation_notes: r.opt(Reader::str)?,
        final_summary: r.opt(Reader::str)?,
        body_links: r.vec(read_spanned)?,
        spec_reviewed: r.vec(|r| Some((r.str()?, r.str()?)))?.into_iter().collect(),
    })
}

/// Encodes a task file of the backlog (read by Backlog.md's reader), its path first.
fn encode_task_file(w: &mut Writer, f: &TaskFile) {
    let TaskFile {
        tracker: _,
        path,
        folder,
        name_id,
        task: parsed,
        issues,
    } = f;
    w.str(path);
    w.0.push(byte_of(&FOLDERS, folder));
    w.opt(name_id.as_ref(), task_id);
    w.opt(parsed.as_ref(), task);
    w.len(issues.len());
    for i in issues {
        finding(w, i);
    }
}

fn task_file(r: &mut Reader<'_>) -> Option<TaskFile> {
    Some(TaskFile {
        tracker: &backlog::BACKLOG_MD,
        path: r.str()?,
        folder: of_byte(&FOLDERS, r.u8()?)?,
        name_id: r.opt(read_task_id)?,
        task: r.opt(read_task)?,
        issues: r.vec(read_finding)?,
    })
}

fn range(w: &mut Writer, r: &Range<usize>) {
    w.u64(r.start as u64);
    w.u64(r.end as u64);
}

fn read_range(r: &mut Reader<'_>) -> Option<Range<usize>> {
    Some(usize::try_from(r.u64()?).ok()?..usize::try_from(r.u64()?).ok()?)
}

/// Encodes a spec file as the spec loader read it, its path first.
fn encode_spec_file(w: &mut Writer, f: &SpecFile) {
    let SpecFile {
        path,
        feature,
        kind,
        sections,
        checklist,
        issues,
    } = f;
    w.str(path);
    w.opt(feature.as_deref(), Writer::str);
    w.0.push(byte_of(&SPEC_KINDS, kind));
    w.len(sections.len());
    for Section {
        heading,
        level,
        slug,
        line,
        ids,
        range: r,
        content_hash,
        items,
    } in sections
    {
        w.str(heading);
        w.0.push(*level);
        w.str(slug);
        w.u32(*line);
        strings(w, ids);
        range(w, r);
        w.u64(*content_hash);
        w.len(items.len());
        for RequirementItem {
            id,
            range: r,
            content_hash,
        } in items
        {
            w.str(id);
            range(w, r);
            w.u64(*content_hash);
        }
    }
    w.len(checklist.len());
    for ChecklistTask {
        id,
        parallel,
        story,
        done,
        text,
        line,
    } in checklist
    {
        w.str(id);
        w.0.push(u8::from(*parallel));
        w.opt(story.as_deref(), Writer::str);
        w.0.push(u8::from(*done));
        w.str(text);
        w.u32(*line);
    }
    w.len(issues.len());
    for i in issues {
        finding(w, i);
    }
}

/// A byte 0 or 1 back as a bool.
pub(super) fn read_bool(r: &mut Reader<'_>) -> Option<bool> {
    match r.u8()? {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    }
}

fn spec_file(r: &mut Reader<'_>) -> Option<SpecFile> {
    Some(SpecFile {
        path: r.str()?,
        feature: r.opt(Reader::str)?,
        kind: of_byte(&SPEC_KINDS, r.u8()?)?,
        sections: r.vec(|r| {
            Some(Section {
                heading: r.str()?,
                level: r.u8()?,
                slug: r.str()?,
                line: r.u32()?,
                ids: r.vec(Reader::str)?,
                range: read_range(r)?,
                content_hash: r.u64()?,
                items: r.vec(|r| {
                    Some(RequirementItem {
                        id: r.str()?,
                        range: read_range(r)?,
                        content_hash: r.u64()?,
                    })
                })?,
            })
        })?,
        checklist: r.vec(|r| {
            Some(ChecklistTask {
                id: r.str()?,
                parallel: read_bool(r)?,
                story: r.opt(Reader::str)?,
                done: read_bool(r)?,
                text: r.str()?,
                line: r.u32()?,
            })
        })?,
        issues: r.vec(read_finding)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backlog::TaskEntry;

    fn round_trip(path: &str, text: &str) {
        let layout = BacklogLayout::with_defaults("backlog");
        let entry = TaskEntry {
            path: path.into(),
            folder: Folder::Tasks,
            name_id: TaskId::parse("task-7"),
            undecodable_name: false,
        };
        let parsed = backlog::parse_task_file(entry, text.as_bytes(), &layout);
        decodes_back(&parsed, encode_task_file, task_file);
    }

    /// `value` encoded and decoded again is itself (as `Debug` shows it).
    fn decodes_back<T: std::fmt::Debug>(
        value: &T,
        encode: fn(&mut Writer, &T),
        decode: fn(&mut Reader<'_>) -> Option<T>,
    ) {
        let mut w = Writer(Vec::new());
        encode(&mut w, value);
        let mut r = Reader { data: &w.0, at: 0 };
        let back = decode(&mut r).expect("decodes");
        assert_eq!(r.at, w.0.len());
        assert_eq!(format!("{back:?}"), format!("{value:?}"));
    }

    #[test]
    fn task_files_round_trip() {
        round_trip(
            "backlog/tasks/task-7 - X.md",
            "---\nid: TASK-7\ntitle: X\nstatus: In Progress\nassignee: [a, b]\nlabels: l\ndependencies: [TASK-1.2.3]\nparent_task_id: TASK-3\nreferences: [r]\nmodified_files: [src/a.rs]\nspec: specs/001/spec.md#fr-001\nspec_reviewed: { \"specs/001/spec.md#fr-001\": \"abc\" }\npriority: high\n---\n\n## Description\n\nText [l](specs/x.md)\n\n## Acceptance Criteria\n<!-- AC:BEGIN -->\n- [x] #1 done\n- [ ] #2 open\n<!-- AC:END -->\n\n## Implementation Notes\n\nn\n",
        );
        // Findings of a file that does not parse.
        round_trip("backlog/tasks/task-7 - X.md", "---\nid: [\n---\n");
        round_trip("backlog/tasks/task-7 - X.md", "no frontmatter");
    }

    #[test]
    fn spec_files_round_trip() {
        let text = "# Feature\n\n## Requirements\n\n- **FR-001**: x\n  more\n- **FR-002**: y\n\n## US1 Story {#us1}\n\n- [x] T001 [P] [US1] done\n- [ ] T002 open\n";
        for path in [
            "specs/001-a/spec.md",
            "specs/001-a/tasks.md",
            "docs/prd/x.md",
        ] {
            let parsed = crate::spec::parse_spec_file(path, text.as_bytes());
            decodes_back(&parsed, encode_spec_file, spec_file);
        }
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
        let data = encode_memo("k", &vec![(TASK, oid, std::borrow::Cow::Owned(w.0))]);
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
    }
}

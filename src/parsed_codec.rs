//! The binary encoding of parsed task and spec files (and of findings), for flowgate's
//! own files in `.git/flowgate`: the audit's tree memo and `check`'s memo of the working
//! tree keep files as parsed in it, so that a later run decodes them instead of reading
//! and parsing them again. Every decoding step checks the bytes left: a truncated or
//! foreign record decodes to `None`, never to a panic.

use std::ops::Range;

use crate::backlog::{self, BacklogLayout, CheckItem, Folder, Spanned, Task, TaskEntry, TaskFile};
use crate::finding::{Finding, Position, Severity};
use crate::spec::{ChecklistTask, RequirementItem, Section, SpecFile, SpecKind};
use crate::tracker::TaskId;

/// The key of a memo of parsed files written in `format`: what this version, the
/// backlog's layout and the requirement-ID patterns contribute to a parse, which besides
/// those depends only on a file's bytes and path. A memo written under another key is
/// not read.
pub(crate) fn memo_key(
    format: u32,
    layout: Option<&BacklogLayout>,
    id_patterns: &[String],
) -> String {
    let text = format!(
        "{}|{format}|{layout:?}|{id_patterns:?}",
        env!("CARGO_PKG_VERSION")
    );
    format!("{:016x}", crate::spec::markdown::content_hash(&text))
}

/// One record of a memo file: its kind, what its header holds besides, the path (or text)
/// that leads its bytes, and where those bytes are in the file.
pub(crate) struct MemoRecord<'a, H> {
    pub(crate) kind: u8,
    pub(crate) header: H,
    pub(crate) path: &'a str,
    pub(crate) range: Range<usize>,
}

/// The records of memo file `data`, each made an entry of the index by `entry`: the file
/// holds `magic`, `format`, `key`, a count, then per record its kind, the header
/// `read_header` reads, a length and that many bytes, led by a path. Empty for a file
/// written with another magic, format or key, or one that does not decode to its end
/// (truncated, foreign).
pub(crate) fn read_memo<'a, H, K, V, C: Default + FromIterator<(K, V)>>(
    data: &'a [u8],
    magic: &[u8],
    format: u32,
    key: &str,
    read_header: impl Fn(&mut Reader<'a>) -> Option<H>,
    entry: impl Fn(MemoRecord<'a, H>) -> (K, V),
) -> C {
    memo_records(data, magic, format, key, read_header)
        .map(|records| records.into_iter().map(entry).collect())
        .unwrap_or_default()
}

/// The records of memo file `data` (see [`read_memo`]).
fn memo_records<'a, H>(
    data: &'a [u8],
    magic: &[u8],
    format: u32,
    key: &str,
    read_header: impl Fn(&mut Reader<'a>) -> Option<H>,
) -> Option<Vec<MemoRecord<'a, H>>> {
    let rest = data.strip_prefix(magic)?;
    let mut r = Reader { data: rest, at: 0 };
    if r.u32()? != format || r.str()? != key {
        return None;
    }
    let n = r.count()?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let kind = r.u8()?;
        let header = read_header(&mut r)?;
        let len = usize::try_from(r.u32()?).ok()?;
        let start = magic.len() + r.at;
        let body = r.bytes(len)?;
        let mut lead = Reader { data: body, at: 0 };
        let plen = usize::try_from(lead.u32()?).ok()?;
        let path = std::str::from_utf8(lead.bytes(plen)?).ok()?;
        out.push(MemoRecord {
            kind,
            header,
            path,
            range: start..start + len,
        });
    }
    (r.at == r.data.len()).then_some(out)
}

/// A memo file as [`read_memo`] reads it: each of `records` gives its kind and bytes
/// (`parts`), and `write_header` writes its header.
pub(crate) fn write_memo<R>(
    magic: &[u8],
    format: u32,
    key: &str,
    records: &[R],
    parts: impl Fn(&R) -> (u8, &[u8]),
    write_header: impl Fn(&mut Writer, &R),
) -> Vec<u8> {
    let size: usize = records.iter().map(|r| parts(r).1.len() + 80).sum();
    let mut out = Vec::with_capacity(magic.len() + key.len() + 16 + size);
    // Writing to a vector does not fail.
    let _ = write_memo_to(&mut out, magic, format, key, records, parts, write_header);
    out
}

/// [`write_memo`], written to `out` record by record instead of put together in memory.
pub(crate) fn write_memo_to<R>(
    out: &mut dyn std::io::Write,
    magic: &[u8],
    format: u32,
    key: &str,
    records: &[R],
    parts: impl Fn(&R) -> (u8, &[u8]),
    write_header: impl Fn(&mut Writer, &R),
) -> std::io::Result<()> {
    let mut w = Writer(Vec::with_capacity(magic.len() + key.len() + 16));
    w.0.extend_from_slice(magic);
    w.u32(format);
    w.str(key);
    w.len(records.len());
    for record in records {
        let (kind, raw) = parts(record);
        w.0.push(kind);
        write_header(&mut w, record);
        w.len(raw.len());
        out.write_all(&w.0)?;
        out.write_all(raw)?;
        w.0.clear();
    }
    out.write_all(&w.0)
}

/// Appends values to a byte buffer.
pub(crate) struct Writer(pub(crate) Vec<u8>);

impl Writer {
    pub(crate) fn u32(&mut self, n: u32) {
        self.0.extend_from_slice(&n.to_le_bytes());
    }
    pub(crate) fn u64(&mut self, n: u64) {
        self.0.extend_from_slice(&n.to_le_bytes());
    }
    /// High half first.
    pub(crate) fn u128(&mut self, n: u128) {
        self.u64((n >> 64) as u64);
        self.u64(n as u64);
    }
    pub(crate) fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }
    pub(crate) fn str(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
    /// A presence byte, then the value when present.
    pub(crate) fn opt<T>(&mut self, value: Option<T>, write: impl FnOnce(&mut Self, T)) {
        self.0.push(u8::from(value.is_some()));
        if let Some(v) = value {
            write(self, v);
        }
    }
}

/// Reads values back; `None` once the bytes run out or do not fit.
pub(crate) struct Reader<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) at: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let out = self.data.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(out)
    }
    pub(crate) fn u8(&mut self) -> Option<u8> {
        self.bytes(1)?.first().copied()
    }
    pub(crate) fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.bytes(4)?.try_into().ok()?))
    }
    pub(crate) fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.bytes(8)?.try_into().ok()?))
    }
    pub(crate) fn u128(&mut self) -> Option<u128> {
        Some((u128::from(self.u64()?) << 64) | u128::from(self.u64()?))
    }
    /// A count of items that each take at least one byte (so a corrupt count cannot
    /// reserve more than the file could hold).
    pub(crate) fn count(&mut self) -> Option<usize> {
        let n = usize::try_from(self.u32()?).ok()?;
        (n <= self.data.len() - self.at).then_some(n)
    }
    pub(crate) fn str(&mut self) -> Option<String> {
        self.str_ref().map(str::to_string)
    }
    /// [`Reader::str`], borrowed from the bytes.
    pub(crate) fn str_ref(&mut self) -> Option<&'a str> {
        let n = usize::try_from(self.u32()?).ok()?;
        let bytes = self.bytes(n)?;
        // Nearly every string stored is ASCII (IDs, paths, statuses, labels), which a word
        // at a time tells apart for less than UTF-8 validation costs on short strings.
        if bytes.is_ascii() {
            // SAFETY: ASCII bytes are valid UTF-8.
            return Some(unsafe { std::str::from_utf8_unchecked(bytes) });
        }
        std::str::from_utf8(bytes).ok()
    }
    pub(crate) fn opt<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Option<T>,
    ) -> Option<Option<T>> {
        match self.u8()? {
            0 => Some(None),
            1 => read(self).map(Some),
            _ => None,
        }
    }
    pub(crate) fn vec<T>(
        &mut self,
        mut read: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<Vec<T>> {
        let n = self.count()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(read(self)?);
        }
        Some(out)
    }
}

/// The byte that stands for severity `s`.
pub(crate) fn severity_byte(s: Severity) -> u8 {
    match s {
        Severity::Off => 0,
        Severity::Note => 1,
        Severity::Warning => 2,
        Severity::Error => 3,
    }
}

/// The severity byte `b` stands for.
pub(crate) fn severity(b: u8) -> Option<Severity> {
    Some(match b {
        0 => Severity::Off,
        1 => Severity::Note,
        2 => Severity::Warning,
        3 => Severity::Error,
        _ => return None,
    })
}

/// True when the task IDs of `file` read back from their canonical form as themselves
/// (what the memo stores of an ID).
pub(crate) fn ids_round_trip(file: &TaskFile) -> bool {
    let same = |id: &TaskId| TaskId::parse(&id.canonical()).as_ref() == Some(id);
    file.name_id.as_ref().is_none_or(same)
        && file
            .task
            .as_ref()
            .and_then(|t| t.id.as_ref())
            .is_none_or(same)
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
    TaskId::parse(r.str_ref()?)
}

/// [`read_task_id`], given an ID already known by its canonical form: `known.1` when the
/// stored form is `known.0`, without parsing it again.
fn read_known_task_id(r: &mut Reader<'_>, known: Option<(&str, &TaskId)>) -> Option<TaskId> {
    let text = r.str_ref()?;
    match known {
        Some((canonical, id)) if canonical == text => Some(id.clone()),
        _ => TaskId::parse(text),
    }
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

/// Encodes a finding (the audit's tree memo and result memo).
pub(crate) fn finding(w: &mut Writer, f: &Finding) {
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
pub(crate) fn read_finding(r: &mut Reader<'_>) -> Option<Finding> {
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

/// A task back; its ID is `known.1` when stored as `known.0` (see [`read_known_task_id`]).
fn read_task(r: &mut Reader<'_>, known: Option<(&str, &TaskId)>) -> Option<Task> {
    Some(Task {
        raw_id: r.opt(read_spanned)?,
        id: r.opt(|r| read_known_task_id(r, known))?,
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
pub(crate) fn encode_task_file(w: &mut Writer, f: &TaskFile) {
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

pub(crate) fn task_file(r: &mut Reader<'_>) -> Option<TaskFile> {
    Some(TaskFile {
        tracker: &backlog::BACKLOG_MD,
        path: r.str()?,
        folder: of_byte(&FOLDERS, r.u8()?)?,
        name_id: r.opt(read_task_id)?,
        task: r.opt(|r| read_task(r, None))?,
        issues: r.vec(read_finding)?,
    })
}

/// [`task_file`] for a record stored of the file `entry` lists; `None` for a record of
/// another file. What the parser takes from the entry (path, folder, the ID in the file
/// name) is taken from it instead of decoded, but for the path, which is left empty for
/// the caller to move in from the entry; a frontmatter `id` stored as the file name's is
/// the entry's ID.
pub(crate) fn listed_task_file(r: &mut Reader<'_>, entry: &TaskEntry) -> Option<TaskFile> {
    if r.str_ref()? != entry.path || of_byte(&FOLDERS, r.u8()?)? != entry.folder {
        return None;
    }
    // The file name's ID, stored only when the listing parsed one from the same name.
    let name_id = r.opt(Reader::str_ref)?;
    let known = match (name_id, &entry.name_id) {
        (Some(text), Some(id)) => Some((text, id)),
        (None, None) => None,
        _ => return None,
    };
    Some(TaskFile {
        tracker: &backlog::BACKLOG_MD,
        path: String::new(),
        folder: entry.folder,
        name_id: entry.name_id.clone(),
        task: r.opt(|r| read_task(r, known))?,
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
pub(crate) fn encode_spec_file(w: &mut Writer, f: &SpecFile) {
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
pub(crate) fn read_bool(r: &mut Reader<'_>) -> Option<bool> {
    match r.u8()? {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    }
}

pub(crate) fn spec_file(r: &mut Reader<'_>) -> Option<SpecFile> {
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
    use crate::backlog::{BacklogLayout, TaskEntry};

    fn round_trip(path: &str, text: &str) {
        let layout = BacklogLayout::with_defaults("backlog");
        let entry = TaskEntry {
            path: path.into(),
            folder: Folder::Tasks,
            name_id: TaskId::parse("task-7"),
            undecodable_name: false,
        };
        let parsed = backlog::parse_task_file(entry.clone(), text.as_bytes(), &layout);
        decodes_back(&parsed, encode_task_file, task_file);
        // Decoded as the record of the file its entry lists: the same file, path aside.
        let mut w = Writer(Vec::new());
        encode_task_file(&mut w, &parsed);
        let mut r = Reader { data: &w.0, at: 0 };
        let mut listed = listed_task_file(&mut r, &entry).expect("decodes");
        assert_eq!(r.at, w.0.len());
        assert_eq!(listed.path, "");
        listed.path = entry.path.clone();
        assert_eq!(format!("{listed:?}"), format!("{parsed:?}"));
        // Not as the record of another file.
        for other in [
            TaskEntry {
                path: format!("{path}x"),
                ..entry.clone()
            },
            TaskEntry {
                folder: Folder::Drafts,
                ..entry.clone()
            },
            TaskEntry {
                name_id: None,
                ..entry.clone()
            },
        ] {
            let mut r = Reader { data: &w.0, at: 0 };
            assert!(listed_task_file(&mut r, &other).is_none());
        }
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
        // A frontmatter `id` other than the file name's, and one written otherwise.
        round_trip(
            "backlog/tasks/task-7 - X.md",
            "---\nid: TASK-8.1\ntitle: X\n---\n",
        );
        round_trip(
            "backlog/tasks/task-7 - X.md",
            "---\nid: task-007\ntitle: X\n---\n",
        );
        round_trip(
            "backlog/tasks/task-7 - X.md",
            "---\nid: TASK-7\ntitle: X ✓ é\n---\n",
        );
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
}

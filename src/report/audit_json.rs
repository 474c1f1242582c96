//! The audit as JSON: the stable findings schema (`version`, `findings`, `summary`) plus
//! `coverage` and `history` (status changes per task).

use std::ops::Range;

use serde::Serialize;

use super::json::SCHEMA_VERSION;
use crate::audit::coverage::Coverage;
use crate::audit::history::History;
use crate::audit::{Audit, HistoryChain};
use crate::finding::{Finding, Summary};
use crate::parsed_codec::{Reader, Writer};

/// Renders the audit as one JSON document: the bytes `serde_json::to_string_pretty`
/// gives for the document (the summary is serialized by serde; the findings, the
/// coverage and the history, most of a long history's report, are written directly by
/// a small pretty writer, which the tests check against serde's output).
pub fn render(audit: &Audit, findings: &[Finding], summary: Summary) -> String {
    let mut out = Vec::new();
    // Writing to memory does not fail.
    let _ = write_document(audit, findings, summary, &mut out);
    // Every part is UTF-8 (the kept history's text was checked when it was read).
    String::from_utf8(out).unwrap_or_default()
}

/// The text after the history's value.
const DOCUMENT_END: &str = "\n}\n";

/// How much of the document's text before the history is held before it is written
/// out (the findings and coverage of a long history are megabytes).
const CHUNK: usize = 256 * 1024;

/// Writes [`render`]'s document to `out`: the text before the history's value in
/// chunks of about 256 KiB as it is made (not held whole), then the history's
/// text, which the last audit's kept file gives as it is when it can (not copied).
pub fn write_document(
    audit: &Audit,
    findings: &[Finding],
    summary: Summary,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    // The history, most of the text of a long history's report, is written on a second
    // thread meanwhile.
    std::thread::scope(|scope| {
        let history = scope.spawn(|| history_text(audit).0);
        let head = write_head(audit, findings, summary, out);
        let history = history
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        head?;
        out.write_all(history.as_bytes())?;
        out.write_all(DOCUMENT_END.as_bytes())
    })
}

/// The history's text: written by this audit, or the kept file's text as it is.
enum HistoryText {
    /// Written by this audit.
    Written(String),
    /// The text, at this range of the kept file's bytes.
    Kept(crate::own_files::Bytes, Range<usize>),
}

impl HistoryText {
    fn as_bytes(&self) -> &[u8] {
        match self {
            HistoryText::Written(text) => text.as_bytes(),
            HistoryText::Kept(file, range) => file.get(range.clone()).unwrap_or_default(),
        }
    }
}

/// Where the JSON report keeps its history's text, relative to the repository's `.git`.
const HISTORY_FILE: &str = "flowgate/audit-history.bin";

/// The first bytes of that file.
const HISTORY_MAGIC: &[u8] = b"flowgate audit history text\n";

/// Bumped whenever the file's encoding or the history's text changes.
const HISTORY_FORMAT: u32 = 1;

/// How the history's text was written (for the tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Written {
    /// As the last audit kept it.
    Kept,
    /// From the last audit's text, with this many tasks written again.
    Partly(usize),
    /// Whole.
    Whole,
}

/// The history's text as an audit wrote it: the suspect links' chained fingerprint of
/// the records it was written from (which fixes every task's status history: see
/// [`HistoryChain`]), each task's part of the text (`"TASK-1": [ … ]`, without the
/// separator before it), in the order written, and the text.
#[derive(Debug)]
struct KeptHistory<'a> {
    chain: u128,
    tasks: Vec<(&'a str, Range<usize>)>,
    text: &'a str,
    /// Where `text` starts in the file.
    text_at: usize,
}

/// The history's text of `audit` (at depth 1 of the document), and how it was written:
/// from the text the last audit kept in [`HISTORY_FILE`] when the records it was written
/// from are this audit's (the file's bytes, not copied), or the first of them (then the
/// tasks the other records moved are written again); else whole. Kept for the next audit
/// when it changed.
fn history_text(audit: &Audit) -> (HistoryText, Written) {
    let dir = audit.memo_dir.as_deref();
    let file = dir.and_then(|dir| {
        crate::own_files::map_in(dir, HISTORY_FILE, crate::own_files::MAX_CACHE)
            .ok()
            .flatten()
    });
    let kept = file.as_deref().and_then(decode_history);
    let same = kept
        .as_ref()
        .filter(|k| k.chain == audit.chain.all)
        .map(|k| k.text_at..k.text_at + k.text.len());
    if let Some(range) = same {
        if let Some(file) = file {
            return (HistoryText::Kept(file, range), Written::Kept);
        }
    }
    let mut p = Pretty::new(match &kept {
        Some(k) => k.text.len() + 4096,
        None => history_size(&audit.history),
    });
    let (tasks, written) = p.history_from(1, &audit.history, audit.chain, kept.as_ref());
    if let Some(dir) = dir {
        // Failing to keep it only costs the next audit the writing.
        let _ = crate::own_files::write_parts_in(
            dir,
            HISTORY_FILE,
            &[
                &encode_history(audit.chain.all, &tasks, &p.0),
                p.0.as_bytes(),
            ],
        );
    }
    (HistoryText::Written(p.0), written)
}

/// The file [`decode_history`] reads, without the text (written after it): `chain` and
/// `tasks`, for a text of `text`'s length.
fn encode_history(chain: u128, tasks: &[(&str, Range<usize>)], text: &str) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(64 + tasks.len() * 32));
    w.0.extend_from_slice(HISTORY_MAGIC);
    w.u32(HISTORY_FORMAT);
    w.str(env!("CARGO_PKG_VERSION"));
    w.u128(chain);
    w.len(tasks.len());
    for (task, range) in tasks {
        w.str(task);
        w.u64(range.start as u64);
        w.u64(range.end as u64);
    }
    w.u64(text.len() as u64);
    w.0
}

/// The history's text kept in `data`; `None` for another format or version, a
/// truncated or foreign file, or parts that are not in order inside the text.
fn decode_history(data: &[u8]) -> Option<KeptHistory<'_>> {
    let mut r = Reader {
        data: data.strip_prefix(HISTORY_MAGIC)?,
        at: 0,
    };
    if r.u32()? != HISTORY_FORMAT || r.str_ref()? != env!("CARGO_PKG_VERSION") {
        return None;
    }
    let chain = r.u128()?;
    let tasks = r.vec(|r| {
        let task = r.str_ref()?;
        let start = usize::try_from(r.u64()?).ok()?;
        let end = usize::try_from(r.u64()?).ok()?;
        Some((task, start..end))
    })?;
    let len = usize::try_from(r.u64()?).ok()?;
    let text = std::str::from_utf8(r.bytes(len)?).ok()?;
    let mut last = 0;
    for (_, range) in &tasks {
        if range.start < last || text.get(range.clone()).is_none() {
            return None;
        }
        last = range.end;
    }
    let text_at = HISTORY_MAGIC.len() + r.at - len;
    (r.at == r.data.len()).then_some(KeptHistory {
        chain,
        tasks,
        text,
        text_at,
    })
}

/// Roughly the length of the history's text: what its output buffer starts with.
fn history_size(history: &History) -> usize {
    history
        .records
        .iter()
        .map(|r| r.moves.len() * 300)
        .sum::<usize>()
        + 64
}

/// Writes the document up to the history's value: version, findings, summary, coverage
/// and the history's key.
fn write_head(
    audit: &Audit,
    findings: &[Finding],
    summary: Summary,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut p = Pretty(
        String::with_capacity(2 * CHUNK),
        Some(Spill { out, error: None }),
    );
    p.0.push('{');
    p.key(1, true, "version");
    p.number(SCHEMA_VERSION);
    p.key(1, false, "findings");
    p.findings(1, findings);
    p.key(1, false, "summary");
    p.nested(1, &summary);
    p.key(1, false, "coverage");
    p.coverage(1, &audit.coverage);
    p.key(1, false, "history");
    p.finish()
}

/// Where the first byte JSON escapes (a quote, a backslash or a control character) is in
/// `bytes`, from `from` on (eight bytes at a time); `None` when there is none.
fn next_escape(bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of each zero byte of `w`: the classic test. Bits above the lowest zero
    // byte may be set wrongly (by the borrow), the lowest set bit never is, so the lowest
    // set bit of several such masks ORed together is the first byte any of them finds.
    let zeros = |w: u64| w.wrapping_sub(ONES) & !w & HIGH;
    let rest = bytes.get(from..)?;
    let mut chunks = rest.chunks_exact(8);
    let mut at = from;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        // A byte below 0x20: its byte of `w & !0x1f` is zero (bytes are unsigned).
        let found = zeros(w & !(ONES * 0x1f))
            | zeros(w ^ (ONES * u64::from(b'"')))
            | zeros(w ^ (ONES * u64::from(b'\\')));
        if found != 0 {
            return Some(at + found.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
        .map(|i| at + i)
}

/// A JSON writer that lays values out as serde_json's pretty printer does (two spaces a
/// level, `"key": value`, `[]` and `{}` when empty).
struct Pretty<'w>(String, Option<Spill<'w>>);

/// Where a [`Pretty`] writer's text goes once it holds [`CHUNK`] bytes (at the end of an
/// array's item), and the first error writing it.
struct Spill<'w> {
    out: &'w mut dyn std::io::Write,
    error: Option<std::io::Error>,
}

impl Pretty<'_> {
    /// A writer that keeps its whole text.
    fn new(capacity: usize) -> Self {
        Pretty(String::with_capacity(capacity), None)
    }

    /// Writes the text held out when it is [`CHUNK`] bytes or more (and the writer has
    /// somewhere to write it).
    fn spill(&mut self) {
        if self.0.len() < CHUNK {
            return;
        }
        if let Some(spill) = &mut self.1 {
            if spill.error.is_none() {
                spill.error = spill.out.write_all(self.0.as_bytes()).err();
            }
            self.0.clear();
        }
    }

    /// Writes the rest of the text out; the first error writing it.
    fn finish(mut self) -> std::io::Result<()> {
        match self.1.take() {
            Some(Spill { error: Some(e), .. }) => Err(e),
            Some(Spill { out, error: None }) => out.write_all(self.0.as_bytes()),
            None => Ok(()),
        }
    }

    /// Starts an item of an object or array at `depth`.
    fn item(&mut self, depth: usize, first: bool) {
        self.0.push_str(if first { "\n" } else { ",\n" });
        self.indent(depth);
    }

    /// The indentation of `depth`.
    fn indent(&mut self, depth: usize) {
        const SPACES: &str = "                ";
        match SPACES.get(..2 * depth) {
            Some(spaces) => self.0.push_str(spaces),
            None => (0..depth).for_each(|_| self.0.push_str("  ")),
        }
    }

    /// Starts field `key` of an object at `depth`.
    fn key(&mut self, depth: usize, first: bool, key: &str) {
        self.item(depth, first);
        self.string(key);
        self.0.push_str(": ");
    }

    /// Ends an object or array at `depth` (its items one level deeper).
    fn close(&mut self, depth: usize, bracket: char, empty: bool) {
        if !empty {
            self.0.push('\n');
            self.indent(depth);
        }
        self.0.push(bracket);
    }

    /// A value serde serializes, laid out for `depth`.
    fn nested(&mut self, depth: usize, value: &impl Serialize) {
        let text = serde_json::to_string_pretty(value).unwrap_or_default();
        let indent = "  ".repeat(depth);
        // A JSON text has no line break inside a string: every one starts a line.
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                self.0.push('\n');
                self.0.push_str(&indent);
            }
            self.0.push_str(line);
        }
    }

    fn number(&mut self, n: impl std::fmt::Display) {
        use std::fmt::Write;
        let _ = write!(self.0, "{n}");
    }

    /// A string, escaped as serde_json escapes it (quote, backslash and control
    /// characters; nothing else).
    fn string(&mut self, s: &str) {
        let bytes = s.as_bytes();
        self.0.reserve(s.len() + 2);
        self.0.push('"');
        let mut start = 0;
        while let Some(i) = next_escape(bytes, start) {
            // An ASCII byte: `i` is on a character boundary.
            self.0.push_str(s.get(start..i).unwrap_or_default());
            let b = bytes.get(i).copied().unwrap_or_default();
            let short = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\t' => "\\t",
                b'\r' => "\\r",
                0x08 => "\\b",
                0x0c => "\\f",
                _ => "",
            };
            if short.is_empty() {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                self.0.push_str("\\u00");
                self.0.push(char::from(HEX[usize::from(b >> 4)]));
                self.0.push(char::from(HEX[usize::from(b & 0xf)]));
            } else {
                self.0.push_str(short);
            }
            start = i + 1;
        }
        self.0.push_str(s.get(start..).unwrap_or_default());
        self.0.push('"');
    }

    /// A commit's date, `YYYY-MM-DD`, as a string (what [`crate::audit::history::date`]
    /// gives, without formatting machinery: a long history has one per status change).
    fn date(&mut self, time: i64) {
        let (y, m, d) = crate::audit::history::civil(time);
        if !(0..=9999).contains(&y) {
            self.string(&crate::audit::history::date(time));
            return;
        }
        let digit = |n: i64| char::from(b'0' + (n % 10) as u8);
        self.0.push('"');
        for n in [y / 1000, y / 100, y / 10, y] {
            self.0.push(digit(n));
        }
        self.0.push('-');
        self.0.push(digit(m / 10));
        self.0.push(digit(m));
        self.0.push('-');
        self.0.push(digit(d / 10));
        self.0.push(digit(d));
        self.0.push('"');
    }

    fn opt_string(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.string(s),
            None => self.0.push_str("null"),
        }
    }

    /// Fields of strings, the first ones of an object at `depth`.
    fn string_fields(&mut self, depth: usize, fields: &[(&str, Option<&str>)]) {
        for (i, (key, value)) in fields.iter().enumerate() {
            self.key(depth, i == 0, key);
            self.opt_string(*value);
        }
    }

    /// Fields of strings after others of an object at `depth`.
    fn string_fields_after(&mut self, depth: usize, fields: &[(&str, Option<&str>)]) {
        for (key, value) in fields {
            self.key(depth, false, key);
            self.opt_string(*value);
        }
    }

    /// An array of `items` at `depth`, each written by `write` (at `depth + 1`).
    fn array<T>(&mut self, depth: usize, items: &[T], mut write: impl FnMut(&mut Self, &T)) {
        self.0.push('[');
        for (i, item) in items.iter().enumerate() {
            self.item(depth + 1, i == 0);
            write(self, item);
            self.spill();
        }
        self.close(depth, ']', items.is_empty());
    }

    /// The `findings` array: each finding's fields as [`Finding`] serializes them.
    fn findings(&mut self, depth: usize, findings: &[Finding]) {
        self.array(depth, findings, |p, f| {
            let d = depth + 2;
            p.0.push('{');
            p.string_fields(d, &[("code", Some(f.code)), ("rule", Some(f.rule))]);
            p.key(d, false, "severity");
            p.string(f.severity.as_str());
            p.string_fields_after(
                d,
                &[
                    ("message", Some(f.message.as_str())),
                    ("help", f.help.as_deref()),
                    ("file", f.file.as_deref()),
                ],
            );
            for (key, n) in [("line", f.line), ("column", f.column)] {
                p.key(d, false, key);
                match n {
                    Some(n) => p.number(n),
                    None => p.0.push_str("null"),
                }
            }
            p.string_fields_after(
                d,
                &[("commit", f.commit.as_deref()), ("task", f.task.as_deref())],
            );
            if let Some(id) = f.rigor_id {
                p.string_fields_after(d, &[("rigor_id", Some(id))]);
            }
            p.close(d - 1, '}', false);
        });
    }

    /// The `coverage` object: counts, then the fields of [`Coverage`].
    fn coverage(&mut self, depth: usize, c: &Coverage) {
        let d = depth + 1;
        self.0.push('{');
        self.key(d, true, "covered");
        self.number(c.covered());
        self.key(d, false, "total");
        self.number(c.total());
        self.key(d, false, "percent");
        self.0
            .push_str(&serde_json::to_string(&c.percent()).unwrap_or_default());
        self.key(d, false, "features");
        self.array(d, &c.features, |p, f| {
            let d = d + 2;
            p.0.push('{');
            p.key(d, true, "feature");
            p.string(&f.feature);
            p.key(d, false, "requirements");
            p.array(d, &f.requirements, |p, r| {
                let d = d + 2;
                p.0.push('{');
                p.string_fields(
                    d,
                    &[
                        ("id", Some(r.id.as_str())),
                        ("qualified", Some(r.qualified.as_str())),
                        ("file", Some(r.file.as_str())),
                    ],
                );
                p.key(d, false, "line");
                p.number(r.line);
                p.key(d, false, "heading");
                p.string(&r.heading);
                p.key(d, false, "tasks");
                p.array(d, &r.tasks, |p, t| {
                    let d = d + 2;
                    p.0.push('{');
                    p.string_fields(
                        d,
                        &[
                            ("id", Some(t.id.as_str())),
                            ("title", Some(t.title.as_str())),
                            ("status", Some(t.status.as_str())),
                        ],
                    );
                    p.key(d, false, "done");
                    p.0.push_str(if t.done { "true" } else { "false" });
                    p.close(d - 1, '}', false);
                });
                p.close(d - 1, '}', false);
            });
            p.close(d - 1, '}', false);
        });
        self.key(d, false, "unlinked_tasks");
        self.array(d, &c.unlinked_tasks, |p, t| {
            let d = d + 2;
            p.0.push('{');
            p.string_fields(
                d,
                &[
                    ("id", Some(t.id.as_str())),
                    ("title", Some(t.title.as_str())),
                    ("status", Some(t.status.as_str())),
                    ("path", Some(t.path.as_str())),
                ],
            );
            p.close(d - 1, '}', false);
        });
        self.close(depth, '}', false);
    }

    /// One task's part of the `history` object at `depth` (its key's):
    /// `"TASK-1": [ … ]`, its moves in order.
    fn task_history(&mut self, depth: usize, task: &str, history: &History) {
        let d = depth;
        self.string(task);
        self.0.push_str(": ");
        self.array(d, &history.timeline(task), |p, e| {
            let d = d + 2;
            p.0.push('{');
            p.key(d, true, "commit");
            p.string(&e.commit.id);
            p.key(d, false, "date");
            p.date(e.commit.time);
            p.string_fields_after(
                d,
                &[
                    ("author", Some(&*e.commit.author)),
                    ("from", e.change.from.as_deref()),
                    ("to", e.change.to.as_deref()),
                    ("path", e.change.path.as_deref()),
                ],
            );
            p.close(d - 1, '}', false);
        });
    }

    /// The `history` object (from the start of this writer's text): each task's moves,
    /// tasks in ID order (as strings), taken from `kept` where its records are the first
    /// `chain.kept` of `chain` (its parts of the tasks the other records did not move; a
    /// kept text of all of them is taken as it is by `history_text`). Each task's part of
    /// the text, and how the text was written.
    fn history_from<'a>(
        &mut self,
        depth: usize,
        history: &'a History,
        chain: HistoryChain,
        kept: Option<&KeptHistory<'a>>,
    ) -> (Vec<(&'a str, Range<usize>)>, Written) {
        let d = depth + 1;
        match kept {
            Some(k) if chain.kept > 0 && k.chain == chain.kept_chain => {
                let mut new: Vec<&str> = history
                    .records
                    .get(chain.kept..)
                    .unwrap_or_default()
                    .iter()
                    .flat_map(|r| r.moves.iter().map(|m| &*m.task))
                    .collect();
                new.sort_unstable();
                new.dedup();
                let mut parts = Vec::with_capacity(k.tasks.len() + new.len());
                let (mut old, mut fresh) = (0, 0);
                self.0.push('{');
                loop {
                    let (o, f) = (k.tasks.get(old), new.get(fresh).copied());
                    if o.is_none() && f.is_none() {
                        break;
                    }
                    self.item(d, parts.is_empty());
                    let start = self.0.len();
                    let task = match (o, f) {
                        (Some((task, range)), f) if f.is_none_or(|f| *task < f) => {
                            self.0
                                .push_str(k.text.get(range.clone()).unwrap_or_default());
                            old += 1;
                            *task
                        }
                        (o, f) => {
                            let f = f.unwrap_or_default();
                            // A task the new records moved: its moves are all written
                            // again, its old part left out.
                            if o.is_some_and(|(task, _)| *task == f) {
                                old += 1;
                            }
                            self.task_history(d, f, history);
                            fresh += 1;
                            f
                        }
                    };
                    parts.push((task, start..self.0.len()));
                }
                self.close(depth, '}', parts.is_empty());
                return (parts, Written::Partly(new.len()));
            }
            _ => {}
        }
        let mut tasks = history.task_ids();
        tasks.sort_unstable();
        let mut parts = Vec::with_capacity(tasks.len());
        self.0.push('{');
        for (i, task) in tasks.iter().enumerate() {
            self.item(d, i == 0);
            let start = self.0.len();
            self.task_history(d, task, history);
            parts.push((*task, start..self.0.len()));
        }
        self.close(depth, '}', tasks.is_empty());
        (parts, Written::Whole)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::coverage::{FeatureCoverage, LinkedTask, Requirement, UnlinkedTask};
    use crate::audit::history::{CommitRecord, TaskMove};

    #[derive(Serialize)]
    struct Move<'a> {
        commit: &'a str,
        date: String,
        author: &'a str,
        from: Option<&'a str>,
        to: Option<&'a str>,
        path: Option<&'a str>,
    }

    #[derive(Serialize)]
    struct CoverageOut<'a> {
        covered: usize,
        total: usize,
        percent: f64,
        #[serde(flatten)]
        detail: &'a Coverage,
    }

    #[derive(Serialize)]
    struct Document<'a> {
        version: u32,
        findings: &'a [Finding],
        summary: Summary,
        coverage: CoverageOut<'a>,
        history: std::collections::BTreeMap<&'a str, Vec<Move<'a>>>,
    }

    /// The document as serde serializes it: what [`render`] must give byte for byte.
    fn with_serde(audit: &Audit, findings: &[Finding], summary: Summary) -> String {
        let history = audit
            .history
            .tasks()
            .into_iter()
            .map(|t| {
                let moves = audit
                    .history
                    .timeline(t)
                    .into_iter()
                    .map(|e| Move {
                        commit: &e.commit.id,
                        date: e.commit.date(),
                        author: &e.commit.author,
                        from: e.change.from.as_deref(),
                        to: e.change.to.as_deref(),
                        path: e.change.path.as_deref(),
                    })
                    .collect();
                (t, moves)
            })
            .collect();
        let doc = Document {
            version: SCHEMA_VERSION,
            findings,
            summary,
            coverage: CoverageOut {
                covered: audit.coverage.covered(),
                total: audit.coverage.total(),
                percent: audit.coverage.percent(),
                detail: &audit.coverage,
            },
            history,
        };
        let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
        out.push('\n');
        out
    }

    /// Every character class serde treats apart: quotes, backslashes, each control
    /// character, DEL, non-ASCII, and a slash.
    fn tricky() -> String {
        let mut s: String = (0u8..0x20).map(char::from).collect();
        s.push_str("\"\\/\u{7f}é✓𝄞 plain");
        s
    }

    fn audit(records: Vec<CommitRecord>, coverage: Coverage) -> Audit {
        Audit {
            head: crate::git::Oid::from_str("0123456789012345678901234567890123456789").unwrap(),
            since: None,
            history: History::new(records),
            coverage,
            findings: Vec::new(),
            tasks: 2,
            specs: 1,
            stats: Default::default(),
            chain: Default::default(),
            memo_dir: None,
        }
    }

    fn record(id: &str, moves: Vec<TaskMove>) -> CommitRecord {
        CommitRecord {
            id: id.to_string().into(),
            author: format!("A {} <a@example.com>", tricky()).into(),
            time: 1_700_000_000,
            subject: "s".into(),
            findings: Vec::new(),
            references: Vec::new(),
            moves,
            sections: Vec::new(),
            links: Vec::new(),
            branch: None,
        }
    }

    fn moved(task: &str, from: Option<&str>, to: Option<&str>) -> TaskMove {
        TaskMove {
            task: task.to_string().into(),
            path: to.map(|_| format!("backlog/tasks/{}.md", tricky()).into()),
            from: from.map(|s| s.to_string().into()),
            to: to.map(|s| s.to_string().into()),
            renamed_from: None,
            renamed_to: None,
        }
    }

    /// A writer that keeps the size of every write.
    #[derive(Default)]
    struct Writes(Vec<u8>, Vec<usize>);

    impl std::io::Write for Writes {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.extend_from_slice(buf);
            self.1.push(buf.len());
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Findings and coverage of several chunks: written out chunk by chunk as they are
    /// made, the document is serde's, byte for byte.
    #[test]
    fn the_document_written_in_chunks_is_serdes() {
        let t = tricky();
        let linked = |i: usize| LinkedTask {
            id: format!("TASK-{i}"),
            title: format!("{t} {i}"),
            status: "Done".into(),
            done: i % 2 == 0,
        };
        let requirement = |i: usize| Requirement {
            id: format!("FR-{i:03}"),
            qualified: format!("f/FR-{i:03}"),
            file: "specs/f/spec.md".into(),
            line: i as u32,
            heading: t.clone(),
            tasks: (0..i % 4).map(linked).collect(),
        };
        let coverage = Coverage {
            features: (0..40)
                .map(|f| FeatureCoverage {
                    feature: format!("{f:03}-{t}"),
                    requirements: (0..30).map(requirement).collect(),
                })
                .collect(),
            unlinked_tasks: (0..500)
                .map(|i| UnlinkedTask {
                    id: format!("TASK-{i}"),
                    title: t.clone(),
                    status: "To Do".into(),
                    path: format!("backlog/tasks/task-{i}.md"),
                })
                .collect(),
        };
        let findings: Vec<Finding> = (0..3000)
            .map(|i| {
                Finding::new(&crate::rules::DUPLICATE_TASK_ID, format!("{i} {t}"))
                    .at(
                        format!("backlog/tasks/task-{i}.md"),
                        crate::finding::Position::new(i, 1, 2),
                    )
                    .help(t.clone())
            })
            .collect();
        let summary = Summary {
            errors: 3000,
            ..Summary::default()
        };
        let records = vec![record("aaaa", vec![moved("TASK-10", None, Some("To Do"))])];
        let full = audit(records, coverage);
        let mut out = Writes::default();
        write_document(&full, &findings, summary, &mut out).unwrap();
        let want = with_serde(&full, &findings, summary);
        assert!(want.len() > 4 * CHUNK, "{}", want.len());
        assert!(out.1.len() > 4, "{:?}", out.1);
        assert!(out.1.iter().all(|n| *n < 2 * CHUNK), "{:?}", out.1);
        assert!(String::from_utf8(out.0).unwrap() == want);
        assert!(render(&full, &findings, summary) == want);
    }

    #[test]
    fn the_direct_writer_gives_serdes_bytes() {
        let t = tricky();
        let coverage = Coverage {
            features: vec![
                FeatureCoverage {
                    feature: t.clone(),
                    requirements: vec![
                        Requirement {
                            id: "FR-001".into(),
                            qualified: format!("{t}/FR-001"),
                            file: "specs/a/spec.md".into(),
                            line: 12,
                            heading: t.clone(),
                            tasks: vec![
                                LinkedTask {
                                    id: "TASK-10".into(),
                                    title: t.clone(),
                                    status: "Done".into(),
                                    done: true,
                                },
                                LinkedTask {
                                    id: "TASK-2".into(),
                                    title: String::new(),
                                    status: "To Do".into(),
                                    done: false,
                                },
                            ],
                        },
                        Requirement {
                            id: "FR-002".into(),
                            qualified: "a/FR-002".into(),
                            file: "specs/a/spec.md".into(),
                            line: 13,
                            heading: "H".into(),
                            tasks: Vec::new(),
                        },
                    ],
                },
                FeatureCoverage {
                    feature: "empty".into(),
                    requirements: Vec::new(),
                },
            ],
            unlinked_tasks: vec![UnlinkedTask {
                id: "TASK-3".into(),
                title: t.clone(),
                status: "To Do".into(),
                path: "backlog/tasks/task-3.md".into(),
            }],
        };
        let records = vec![
            record(
                "aaaa",
                vec![
                    moved("TASK-10", None, Some("To Do")),
                    moved("TASK-2", None, Some(&t)),
                ],
            ),
            record("bbbb", Vec::new()),
            record(
                "cccc",
                vec![
                    moved("TASK-10", Some("To Do"), None),
                    moved("TASK-9", Some("x"), Some("y")),
                ],
            ),
        ];
        let finding = Finding::new(&crate::rules::DUPLICATE_TASK_ID, t.clone())
            .at("backlog/tasks/x.md", crate::finding::Position::new(3, 1, 2))
            .help(t.clone());
        let summary = Summary {
            errors: 1,
            ..Summary::default()
        };
        let full = audit(records, coverage);
        assert_eq!(
            render(&full, std::slice::from_ref(&finding), summary),
            with_serde(&full, std::slice::from_ref(&finding), summary)
        );
        // Findings of every shape: each optional field present and missing, each
        // severity, a rigor ID, tricky text in every string.
        let mut many = Vec::new();
        for (i, severity) in [
            crate::finding::Severity::Error,
            crate::finding::Severity::Warning,
            crate::finding::Severity::Note,
            crate::finding::Severity::Off,
        ]
        .into_iter()
        .enumerate()
        {
            let mut bare = Finding::new(&crate::rules::ID_REUSED, format!("{i} {t}"));
            bare.severity = severity;
            many.push(bare.clone());
            let mut full = bare
                .at(
                    format!("{t}/{i}.md"),
                    crate::finding::Position::new(i as u32, 7, 1),
                )
                .help(t.clone())
                .commit(format!("c{i}"))
                .task(t.clone());
            many.push(full.clone());
            full.rigor_id = Some("EXEC-006");
            full.column = None;
            many.push(full);
        }
        assert_eq!(
            render(&full, &many, summary),
            with_serde(&full, &many, summary)
        );
        // With a history kept for the next audit: written, then taken as kept (its
        // part of the document is the kept file's bytes).
        let dir = assert_fs::TempDir::new().unwrap();
        let kept = Audit {
            memo_dir: Some(dir.path().to_path_buf()),
            ..full
        };
        for _ in 0..2 {
            assert_eq!(
                render(&kept, &many, summary),
                with_serde(&kept, &many, summary)
            );
            assert_eq!(history_text(&kept).1, Written::Kept);
        }
        // Nothing at all: empty arrays and objects, and 100% of no requirement.
        let empty = audit(Vec::new(), Coverage::default());
        assert_eq!(
            render(&empty, &[], Summary::default()),
            with_serde(&empty, &[], Summary::default())
        );
    }
}

#[cfg(test)]
mod kept_history_tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;
    use crate::audit::history::{CommitRecord, TaskMove};
    use crate::audit::results::suspect_history_chain;

    fn record(n: usize, moves: &[(&str, Option<&str>, Option<&str>)]) -> CommitRecord {
        CommitRecord {
            id: format!("{n:040x}").into(),
            author: format!("A{n} \"q\" <a@example.com>").into(),
            time: 1_700_000_000 + n as i64 * 90_000,
            subject: "s".into(),
            findings: Vec::new(),
            references: Vec::new(),
            moves: moves
                .iter()
                .map(|(task, from, to)| TaskMove {
                    task: task.to_string().into(),
                    path: to.map(|_| format!("backlog/tasks/{task} - é.md").into()),
                    from: from.map(|s| s.to_string().into()),
                    to: to.map(|s| s.to_string().into()),
                    renamed_from: None,
                    renamed_to: None,
                })
                .collect(),
            sections: Vec::new(),
            links: Vec::new(),
            branch: None,
        }
    }

    /// A history whose later commits move old tasks, create tasks that sort before,
    /// between and after the others, delete one, and move nothing.
    fn records() -> Vec<CommitRecord> {
        vec![
            record(
                1,
                &[
                    ("TASK-2", None, Some("To Do")),
                    ("TASK-5", None, Some("To Do")),
                ],
            ),
            record(2, &[("TASK-2", Some("To Do"), Some("Done"))]),
            record(3, &[]),
            record(4, &[("TASK-10", None, Some("To Do"))]),
            record(
                5,
                &[
                    ("TASK-5", Some("To Do"), Some("In Progress")),
                    ("TASK-3", None, Some("To Do")),
                ],
            ),
            record(
                6,
                &[
                    ("A-1", None, Some("To Do")),
                    ("TASK-9", None, Some("To Do")),
                ],
            ),
            record(7, &[]),
            record(
                8,
                &[
                    ("TASK-10", Some("To Do"), None),
                    ("TASK-2", Some("Done"), Some("To Do")),
                ],
            ),
        ]
    }

    /// The audit of `records` whose first `kept` came from the cache, keeping its texts
    /// in `dir`.
    fn audit(records: &[CommitRecord], kept: usize, dir: Option<&Path>) -> Audit {
        Audit {
            head: crate::git::Oid::from_str("0123456789012345678901234567890123456789").unwrap(),
            since: None,
            history: History::new(records.to_vec()),
            coverage: Coverage::default(),
            findings: Vec::new(),
            tasks: 0,
            specs: 0,
            stats: Default::default(),
            chain: HistoryChain {
                all: suspect_history_chain(0, records),
                kept,
                kept_chain: suspect_history_chain(0, &records[..kept]),
            },
            memo_dir: dir.map(Path::to_path_buf),
        }
    }

    /// [`history_text`]'s text as a string, and how it was written.
    fn history_string(audit: &Audit) -> (String, Written) {
        let (text, written) = history_text(audit);
        let text = std::str::from_utf8(text.as_bytes()).unwrap().to_string();
        (text, written)
    }

    /// The text written whole, with nothing kept.
    fn whole(records: &[CommitRecord]) -> String {
        let (text, written) = history_string(&audit(records, 0, None));
        assert_eq!(written, Written::Whole);
        text
    }

    #[test]
    fn the_text_from_the_kept_one_is_the_text_written_whole() {
        let all = records();
        for before in 0..=all.len() {
            for after in before..=all.len() {
                let dir = assert_fs::TempDir::new().unwrap();
                let (first, written) = history_string(&audit(&all[..before], 0, Some(&dir)));
                assert_eq!(written, Written::Whole);
                assert_eq!(first, whole(&all[..before]));
                // The records after `before` are new: only the tasks they moved are
                // written again (or nothing, when they moved none).
                let later = audit(&all[..after], before, Some(&dir));
                let (text, written) = history_string(&later);
                assert_eq!(text, whole(&all[..after]), "{before}..{after}");
                let moved: BTreeSet<&str> = all[before..after]
                    .iter()
                    .flat_map(|r| r.moves.iter().map(|m| &*m.task))
                    .collect();
                let want = match (moved.len(), before) {
                    (0, _) => Written::Kept,
                    (_, 0) => Written::Whole,
                    (n, _) => Written::Partly(n),
                };
                assert_eq!(written, want, "{before}..{after}");
                // Kept again for the next audit: the same records take it as it is.
                let (again, written) = history_string(&later);
                assert_eq!((again, written), (text, Written::Kept));
            }
        }
    }

    #[test]
    fn a_text_of_other_records_or_a_damaged_file_is_not_taken() {
        let all = records();
        let dir = assert_fs::TempDir::new().unwrap();
        // Kept from other records (a rewritten history): written whole.
        history_string(&audit(&all[1..4], 0, Some(&dir)));
        let (text, written) = history_string(&audit(&all, 3, Some(&dir)));
        assert_eq!((text, written), (whole(&all), Written::Whole));
        let path = dir.join(HISTORY_FILE);
        let file = std::fs::read(&path).unwrap();
        assert!(decode_history(&file).is_some());
        for cut in 0..file.len() {
            assert!(decode_history(&file[..cut]).is_none(), "cut at {cut}");
        }
        let mut longer = file.clone();
        longer.push(b'}');
        assert!(decode_history(&longer).is_none());
        // A part that points outside the text, or before the one it follows.
        let kept = decode_history(&file).unwrap();
        let mut tasks = kept.tasks.clone();
        tasks.swap(0, 1);
        let swapped = [
            encode_history(kept.chain, &tasks, kept.text),
            kept.text.as_bytes().to_vec(),
        ]
        .concat();
        assert!(decode_history(&swapped).is_none());
        let mut tasks = kept.tasks.clone();
        tasks.last_mut().unwrap().1.end = kept.text.len() + 1;
        let outside = [
            encode_history(kept.chain, &tasks, kept.text),
            kept.text.as_bytes().to_vec(),
        ]
        .concat();
        assert!(decode_history(&outside).is_none());
        // A damaged file is written whole, and replaced.
        std::fs::write(&path, &file[..file.len() / 2]).unwrap();
        let (text, written) = history_string(&audit(&all, 0, Some(&dir)));
        assert_eq!((text, written), (whole(&all), Written::Whole));
        assert_eq!(std::fs::read(&path).unwrap(), file);
    }
}

#[cfg(test)]
mod fast_path_tests {
    use super::*;

    #[test]
    fn next_escape_finds_the_first_escaped_byte_anywhere() {
        let slow = |b: &[u8], from: usize| {
            (from..b.len()).find(|&i| b[i] < 0x20 || b[i] == b'"' || b[i] == b'\\')
        };
        for len in 0..20 {
            for at in 0..len {
                for c in 0..=255u8 {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = c;
                    // A second escaped byte after it, and bytes the borrow of a zero
                    // byte could take for one (0x01, 0x21, 0x23, 0x5d) before it.
                    let mut two = bytes.clone();
                    if at + 1 < len {
                        two[len - 1] = b'"';
                    }
                    for (i, b) in two.iter_mut().enumerate().take(at) {
                        *b = [0x21, 0x23, 0x5d, 0x80][i % 4];
                    }
                    for from in 0..=len {
                        assert_eq!(next_escape(&bytes, from), slow(&bytes, from), "{bytes:?}");
                        assert_eq!(next_escape(&two, from), slow(&two, from), "{two:?}");
                    }
                }
            }
        }
        assert_eq!(next_escape(b"ab", 3), None);
    }

    #[test]
    fn a_string_is_written_as_serde_writes_it() {
        // Every control byte, the quote, the backslash, DEL, a slash and characters of
        // two, three and four bytes, alone and in runs of each length around each other.
        let mut pieces: Vec<String> = (0u8..0x20).map(|b| char::from(b).to_string()).collect();
        for piece in ["\"", "\\", "\u{7f}", "/", "é", "✓", "𝄞", "a", "plain text"] {
            pieces.push(piece.to_string());
        }
        let check = |s: &str| {
            let mut p = Pretty::new(0);
            p.string(s);
            assert_eq!(p.0, serde_json::to_string(s).unwrap_or_default(), "{s:?}");
        };
        check("");
        for piece in &pieces {
            for before in 0..18 {
                for after in [0, 1, 7, 8, 9] {
                    check(&format!(
                        "{}{piece}{}",
                        "x".repeat(before),
                        "y".repeat(after)
                    ));
                    check(&format!(
                        "{}{piece}{piece}{}",
                        "é".repeat(before),
                        "y".repeat(after)
                    ));
                }
            }
        }
        for a in &pieces {
            for b in &pieces {
                check(&format!("{a}{b}"));
                check(&format!("0123456{a}{b}89"));
            }
        }
        check(&pieces.concat());
    }

    #[test]
    fn dates_are_written_as_history_date_writes_them() {
        for time in [
            i64::MIN / 2,
            -62_167_219_201,
            -62_167_219_200,
            -1,
            0,
            951_782_400,
            1_700_000_000,
            253_402_300_799,
            253_402_300_800,
            i64::MAX / 2,
        ]
        .into_iter()
        .chain((0..2000).map(|d| 946_684_800 + d * 86_399))
        {
            let mut p = Pretty::new(0);
            p.date(time);
            assert_eq!(
                p.0,
                format!("\"{}\"", crate::audit::history::date(time)),
                "{time}"
            );
        }
    }
}

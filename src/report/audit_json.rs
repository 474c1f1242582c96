//! The audit as JSON: the stable findings schema (`version`, `findings`, `summary`) plus
//! `coverage` and `history` (status changes per task).

use serde::Serialize;

use super::json::SCHEMA_VERSION;
use crate::audit::coverage::Coverage;
use crate::audit::history::History;
use crate::audit::Audit;
use crate::finding::{Finding, Summary};

/// Renders the audit as one JSON document: the bytes `serde_json::to_string_pretty`
/// gives for the document (the findings and summary are serialized by serde; the
/// coverage and history, most of a long history's report, are written directly by
/// a small pretty writer, which the tests check against serde's output).
pub fn render(audit: &Audit, findings: &[Finding], summary: Summary) -> String {
    // The history, most of the text of a long history's report, is written on a second
    // thread meanwhile.
    let history = std::thread::scope(|scope| {
        let history = scope.spawn(|| {
            let mut p = Pretty(String::with_capacity(history_size(&audit.history)));
            p.history(1, &audit.history);
            p.0
        });
        let head = head(audit, findings, summary);
        let history = history
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (head, history)
    });
    let (mut out, history) = history;
    out.reserve(history.len() + 4);
    out.push_str(&history);
    let mut p = Pretty(out);
    p.close(0, '}', false);
    p.0.push('\n');
    p.0
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

/// The document up to the history's value: version, findings, summary, coverage and the
/// history's key.
fn head(audit: &Audit, findings: &[Finding], summary: Summary) -> String {
    let mut p = Pretty(String::with_capacity(1 << 20));
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
    p.0
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
struct Pretty(String);

impl Pretty {
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

    /// The `history` object: each task's moves, tasks in ID order (as strings).
    fn history(&mut self, depth: usize, history: &History) {
        let d = depth + 1;
        let mut tasks = history.task_ids();
        tasks.sort_unstable();
        self.0.push('{');
        for (i, task) in tasks.iter().enumerate() {
            self.key(d, i == 0, task);
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
        self.close(depth, '}', tasks.is_empty());
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
        // Nothing at all: empty arrays and objects, and 100% of no requirement.
        let empty = audit(Vec::new(), Coverage::default());
        assert_eq!(
            render(&empty, &[], Summary::default()),
            with_serde(&empty, &[], Summary::default())
        );
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
            let mut p = Pretty(String::new());
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
            let mut p = Pretty(String::new());
            p.date(time);
            assert_eq!(
                p.0,
                format!("\"{}\"", crate::audit::history::date(time)),
                "{time}"
            );
        }
    }
}

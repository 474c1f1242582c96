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
    let mut p = Pretty(String::with_capacity(1 << 20));
    p.0.push('{');
    p.key(1, true, "version");
    p.number(SCHEMA_VERSION);
    p.key(1, false, "findings");
    p.nested(1, &findings);
    p.key(1, false, "summary");
    p.nested(1, &summary);
    p.key(1, false, "coverage");
    p.coverage(1, &audit.coverage);
    p.key(1, false, "history");
    p.history(1, &audit.history);
    p.close(0, '}', false);
    p.0.push('\n');
    p.0
}

/// A JSON writer that lays values out as serde_json's pretty printer does (two spaces a
/// level, `"key": value`, `[]` and `{}` when empty).
struct Pretty(String);

impl Pretty {
    /// Starts an item of an object or array at `depth`.
    fn item(&mut self, depth: usize, first: bool) {
        self.0.push_str(if first { "\n" } else { ",\n" });
        for _ in 0..depth {
            self.0.push_str("  ");
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
            for _ in 0..depth {
                self.0.push_str("  ");
            }
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
        self.0.push('"');
        let mut start = 0;
        for (i, b) in s.bytes().enumerate() {
            let short = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\t' => "\\t",
                b'\r' => "\\r",
                0x08 => "\\b",
                0x0c => "\\f",
                0..=0x1f => "",
                _ => continue,
            };
            self.0.push_str(&s[start..i]);
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
        self.0.push_str(&s[start..]);
        self.0.push('"');
    }

    fn opt_string(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.string(s),
            None => self.0.push_str("null"),
        }
    }

    /// Fields of strings, at `depth`.
    fn string_fields(&mut self, depth: usize, fields: &[(&str, Option<&str>)]) {
        for (i, (key, value)) in fields.iter().enumerate() {
            self.key(depth, i == 0, key);
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
        let mut tasks = history.tasks();
        tasks.sort_unstable();
        self.0.push('{');
        for (i, task) in tasks.iter().enumerate() {
            self.key(d, i == 0, task);
            self.array(d, &history.timeline(task), |p, e| {
                let d = d + 2;
                p.0.push('{');
                p.string_fields(
                    d,
                    &[
                        ("commit", Some(e.commit.id.as_str())),
                        ("date", Some(e.commit.date().as_str())),
                        ("author", Some(e.commit.author.as_str())),
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
            id: id.into(),
            author: format!("A {} <a@example.com>", tricky()),
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
            task: task.into(),
            path: to.map(|_| format!("backlog/tasks/{}.md", tricky())),
            from: from.map(str::to_string),
            to: to.map(str::to_string),
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
        // Nothing at all: empty arrays and objects, and 100% of no requirement.
        let empty = audit(Vec::new(), Coverage::default());
        assert_eq!(
            render(&empty, &[], Summary::default()),
            with_serde(&empty, &[], Summary::default())
        );
    }
}

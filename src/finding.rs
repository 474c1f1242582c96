//! Findings: what a rule reports. Findings are plain data; reporters render them.

use schemars::JsonSchema;
use serde::Serialize;

use crate::codes::Rule;
pub use crate::codes::Severity;

/// A place in a file: 1-based line and column (in characters), and the length of the
/// offending span in characters (0 when only the position is known).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// Length of the offending span in characters on that line.
    #[serde(skip)]
    pub len: u32,
}

impl Position {
    /// A position with a span length.
    pub fn new(line: u32, column: u32, len: u32) -> Self {
        Position { line, column, len }
    }

    /// A whole line (the span is clipped to the line's end when rendered).
    pub fn whole_line(line: u32) -> Self {
        Position::line(line, u32::MAX)
    }

    /// The start of a line, spanning `len` characters.
    pub fn line(line: u32, len: u32) -> Self {
        Position {
            line,
            column: 1,
            len,
        }
    }
}

/// One problem found by a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Finding {
    /// Stable rule code, e.g. `FG104`.
    pub code: &'static str,
    /// Stable rule name, e.g. `duplicate-task-id`.
    pub rule: &'static str,
    /// Effective severity after configuration.
    pub severity: Severity,
    /// What is wrong, in the user's terms.
    pub message: String,
    /// Exactly how to fix it.
    pub help: Option<String>,
    /// Repo-relative file path, `/`-separated.
    pub file: Option<String>,
    /// 1-based line in `file` (or in the commit message when `commit` is set and `file` is not).
    pub line: Option<u32>,
    /// 1-based column.
    pub column: Option<u32>,
    /// Commit id the finding belongs to (hooks use `"staged"` for the commit being made).
    pub commit: Option<String>,
    /// Task the finding is about, in canonical form.
    pub task: Option<String>,
    /// Span length in characters, for rendering only.
    #[serde(skip)]
    pub span_len: u32,
    /// The flowspec rigor-catalogue ID the rule enforces (`EXEC-006`), when it enforces one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rigor_id: Option<&'static str>,
}

impl Finding {
    /// A new finding of `rule` with the rule's default severity.
    pub fn new(rule: &'static Rule, message: impl Into<String>) -> Self {
        Finding {
            code: rule.code,
            rule: rule.name,
            severity: rule.default_severity,
            message: message.into(),
            help: None,
            file: None,
            line: None,
            column: None,
            commit: None,
            task: None,
            span_len: 0,
            rigor_id: crate::codes::catalogue_id(rule.code),
        }
    }

    /// Sets the help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the file (without a position).
    pub fn file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// Sets the file and the position in it.
    pub fn at(mut self, file: impl Into<String>, pos: Position) -> Self {
        self.file = Some(file.into());
        if pos.line > 0 {
            self.line = Some(pos.line);
            self.column = Some(pos.column.max(1));
            self.span_len = pos.len;
        }
        self
    }

    /// Sets the commit.
    pub fn commit(mut self, commit: impl Into<String>) -> Self {
        self.commit = Some(commit.into());
        self
    }

    /// Sets the task.
    pub fn task(mut self, task: impl Into<String>) -> Self {
        self.task = Some(task.into());
        self
    }

    /// Sets a line in the commit message (used with [`Finding::commit`]).
    pub fn message_line(mut self, line: u32, len: u32) -> Self {
        self.line = Some(line);
        self.column = Some(1);
        self.span_len = len;
        self
    }

    /// Stable sort key: file, line, column, code.
    pub fn sort_key(&self) -> (Option<&str>, Option<u32>, Option<u32>, &'static str) {
        (self.file.as_deref(), self.line, self.column, self.code)
    }
}

/// Counts of findings by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Summary {
    /// Error-level findings.
    pub errors: usize,
    /// Warning-level findings.
    pub warnings: usize,
    /// Number of tasks read.
    pub tasks: usize,
    /// Number of spec files read.
    pub specs: usize,
    /// Number of commits checked (hooks count the commit being made as one).
    pub commits: usize,
}

impl Summary {
    /// Counts the severities of `findings`; the other counters stay as they are.
    pub fn count(mut self, findings: &[Finding]) -> Self {
        self.errors = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        self.warnings = findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count();
        self
    }
}

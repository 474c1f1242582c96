//! Task IDs: `TASK-12`, `TASK-12.1`, `task-579.05`.
//!
//! An ID is parsed once and compares by value: the prefix case-insensitively, each numeric
//! part without leading zeros, so `TASK-1` = `task-001` and `TASK-579.05` = `task-579.5`.

use std::fmt;
use std::hash::{Hash, Hasher};

/// A parsed task (or draft) ID.
#[derive(Debug, Clone)]
pub struct TaskId {
    /// The text as written.
    raw: String,
    /// Lowercased prefix, e.g. `task`.
    prefix: String,
    /// Numeric parts, e.g. `[12, 1]` for `TASK-12.1`.
    parts: Vec<u64>,
}

impl TaskId {
    /// Parses `PREFIX-N(.N)*`; the prefix is letters, digits, `_` and inner `-`,
    /// and must start with a letter.
    pub fn parse(text: &str) -> Option<TaskId> {
        let text = text.trim();
        let dash = text.rfind('-')?;
        let (prefix, rest) = (&text[..dash], &text[dash + 1..]);
        let prefix_ok = prefix
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !prefix_ok || rest.is_empty() {
            return None;
        }
        let mut parts = Vec::with_capacity(rest.bytes().filter(|&b| b == b'.').count() + 1);
        for part in rest.split('.') {
            if part.is_empty() || part.len() > 18 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            parts.push(part.parse().ok()?);
        }
        Some(TaskId {
            raw: text.to_string(),
            prefix: prefix.to_ascii_lowercase(),
            parts,
        })
    }

    /// Parses an ID that must carry `prefix` (case-insensitive). A bare number (`12`, `12.1`)
    /// is accepted too, as Backlog.md's CLI accepts it, and gets the prefix.
    pub fn parse_with_prefix(text: &str, prefix: &str) -> Option<TaskId> {
        let text = text.trim();
        if text.starts_with(|c: char| c.is_ascii_digit()) {
            return TaskId::parse(&format!("{}-{}", prefix.to_ascii_uppercase(), text));
        }
        TaskId::parse(text).filter(|id| id.prefix.eq_ignore_ascii_case(prefix))
    }

    /// The text as written.
    pub fn as_written(&self) -> &str {
        &self.raw
    }

    /// The lowercased prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The numeric parts.
    pub fn parts(&self) -> &[u64] {
        &self.parts
    }

    /// The parent ID of a subtask (`TASK-12.1` → `TASK-12`), if any.
    pub fn parent(&self) -> Option<TaskId> {
        (self.parts.len() > 1).then(|| {
            let parts = self.parts[..self.parts.len() - 1].to_vec();
            let mut id = TaskId {
                raw: String::new(),
                prefix: self.prefix.clone(),
                parts,
            };
            id.raw = id.canonical();
            id
        })
    }

    /// Canonical form: uppercase prefix, numbers without leading zeros (`TASK-12.1`).
    pub fn canonical(&self) -> String {
        let nums: Vec<String> = self.parts.iter().map(u64::to_string).collect();
        format!("{}-{}", self.prefix.to_ascii_uppercase(), nums.join("."))
    }

    /// The lowercase stem Backlog.md uses at the start of file names (`task-12.1`),
    /// without zero padding.
    pub fn file_stem(&self) -> String {
        self.canonical().to_ascii_lowercase()
    }
}

impl PartialEq for TaskId {
    fn eq(&self, other: &Self) -> bool {
        self.prefix == other.prefix && self.parts == other.parts
    }
}

impl Eq for TaskId {}

impl Hash for TaskId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.prefix.hash(state);
        self.parts.hash(state);
    }
}

impl PartialOrd for TaskId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TaskId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (&self.prefix, &self.parts).cmp(&(&other.prefix, &other.parts))
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> TaskId {
        TaskId::parse(s).unwrap()
    }

    #[test]
    fn equality_ignores_case_and_zero_padding() {
        assert_eq!(id("TASK-1"), id("task-001"));
        assert_eq!(id("TASK-579.05"), id("task-579.5"));
        assert_ne!(id("TASK-12"), id("TASK-12.1"));
        assert_ne!(id("TASK-1"), id("DRAFT-1"));
    }

    #[test]
    fn canonical_and_parent() {
        assert_eq!(id("task-012.01").canonical(), "TASK-12.1");
        assert_eq!(id("TASK-12.1").parent(), Some(id("TASK-12")));
        assert_eq!(id("TASK-12").parent(), None);
        assert_eq!(id("my-proj-7").prefix(), "my-proj");
    }

    #[test]
    fn rejects_non_ids() {
        for bad in [
            "",
            "TASK",
            "TASK-",
            "TASK-a",
            "-1",
            "1-2",
            "TASK-1..2",
            "TASK-1.",
            "TA SK-1",
        ] {
            assert!(TaskId::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn bare_numbers_take_the_prefix() {
        assert_eq!(TaskId::parse_with_prefix("7", "task"), Some(id("TASK-7")));
        assert_eq!(TaskId::parse_with_prefix("JIRA-7", "task"), None);
    }
}

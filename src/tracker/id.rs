//! Task IDs: `TASK-12`, `TASK-12.1`, `task-579.05`.
//!
//! An ID is parsed once and compares by value: the prefix case-insensitively, each numeric
//! part without leading zeros, so `TASK-1` = `task-001` and `TASK-579.05` = `task-579.5`.

use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};

/// A parsed task (or draft) ID.
///
/// Built for being made by the ten thousand (a hook lists every task file name): no
/// allocation per ID in the common case; the usual prefixes and up to two numeric parts
/// are stored inline.
#[derive(Debug, Clone)]
pub struct TaskId {
    /// Lowercased prefix, e.g. `task`.
    prefix: Cow<'static, str>,
    /// Numeric parts, e.g. `[12, 1]` for `TASK-12.1`.
    parts: Parts,
}

/// The numeric parts of an ID; `TASK-12` and `TASK-12.1` need no allocation.
#[derive(Debug, Clone)]
enum Parts {
    Inline { len: u8, nums: [u64; 2] },
    Heap(Box<[u64]>),
}

impl Parts {
    fn from_slice(nums: &[u64]) -> Parts {
        match *nums {
            [a] => Parts::Inline {
                len: 1,
                nums: [a, 0],
            },
            [a, b] => Parts::Inline {
                len: 2,
                nums: [a, b],
            },
            _ => Parts::Heap(nums.into()),
        }
    }

    fn as_slice(&self) -> &[u64] {
        match self {
            Parts::Inline { len, nums } => &nums[..usize::from(*len)],
            Parts::Heap(nums) => nums,
        }
    }
}

/// The prefixes nearly every ID carries, shared instead of allocated.
fn lowercase_prefix(prefix: &str) -> Cow<'static, str> {
    for common in ["task", "draft"] {
        if prefix.eq_ignore_ascii_case(common) {
            return Cow::Borrowed(common);
        }
    }
    Cow::Owned(prefix.to_ascii_lowercase())
}

impl TaskId {
    /// Parses `PREFIX-N(.N)*`; the prefix is letters, digits, `_` and inner `-`,
    /// and must start with a letter.
    pub fn parse(text: &str) -> Option<TaskId> {
        let text = text.trim();
        let dash = text.rfind('-')?;
        let (prefix, rest) = (&text[..dash], &text[dash + 1..]);
        let prefix_ok = prefix
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic())
            && prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !prefix_ok || rest.is_empty() {
            return None;
        }
        let mut nums = [0u64; 2];
        let mut heap = Vec::new();
        let mut count = 0;
        for part in rest.split('.') {
            if part.is_empty() || part.len() > 18 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            // At most 18 ASCII digits: always fits.
            let n = part.bytes().fold(0u64, |n, b| n * 10 + u64::from(b - b'0'));
            match nums.get_mut(count) {
                Some(slot) if heap.is_empty() => *slot = n,
                _ => {
                    if heap.is_empty() {
                        heap.extend_from_slice(&nums);
                    }
                    heap.push(n);
                }
            }
            count += 1;
        }
        let parts = if heap.is_empty() {
            Parts::from_slice(&nums[..count])
        } else {
            Parts::Heap(heap.into())
        };
        Some(TaskId {
            prefix: lowercase_prefix(prefix),
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

    /// The lowercased prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The numeric parts.
    pub fn parts(&self) -> &[u64] {
        self.parts.as_slice()
    }

    /// The parent ID of a subtask (`TASK-12.1` → `TASK-12`), if any.
    pub fn parent(&self) -> Option<TaskId> {
        let parts = self.parts();
        (parts.len() > 1).then(|| TaskId {
            prefix: self.prefix.clone(),
            parts: Parts::from_slice(&parts[..parts.len() - 1]),
        })
    }

    /// Canonical form: uppercase prefix, numbers without leading zeros (`TASK-12.1`).
    pub fn canonical(&self) -> String {
        // Written into one buffer: the audit asks for every task's canonical ID several
        // times, and a string per part joined by `format!` cost four allocations.
        let mut out = String::with_capacity(self.prefix.len() + 1 + 8 * self.parts().len());
        out.extend(self.prefix.chars().map(|c| c.to_ascii_uppercase()));
        for (i, n) in self.parts().iter().enumerate() {
            out.push(if i == 0 { '-' } else { '.' });
            push_number(&mut out, *n);
        }
        out
    }
}

/// Appends `n` in decimal.
fn push_number(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        // `n % 10` is below 10: the cast keeps it.
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

impl PartialEq for TaskId {
    fn eq(&self, other: &Self) -> bool {
        self.prefix == other.prefix && self.parts() == other.parts()
    }
}

impl Eq for TaskId {}

impl Hash for TaskId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.prefix.hash(state);
        self.parts().hash(state);
    }
}

impl PartialOrd for TaskId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TaskId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (&self.prefix, self.parts()).cmp(&(&other.prefix, other.parts()))
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
    fn canonical_is_the_uppercase_prefix_and_the_numbers() {
        for text in [
            "task-0",
            "Back-7.10.0",
            "my-proj-999999999999999999",
            "x-1.2.3.4.5",
        ] {
            let parsed = id(text);
            let nums: Vec<String> = parsed.parts().iter().map(u64::to_string).collect();
            let slow = format!(
                "{}-{}",
                parsed.prefix().to_ascii_uppercase(),
                nums.join(".")
            );
            assert_eq!(parsed.canonical(), slow);
        }
        let mut s = String::new();
        push_number(&mut s, u64::MAX);
        assert_eq!(s, u64::MAX.to_string());
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
    fn deep_subtask_ids_keep_every_part() {
        let deep = id("TASK-1.2.3.4");
        assert_eq!(deep.parts(), &[1, 2, 3, 4]);
        assert_eq!(deep.canonical(), "TASK-1.2.3.4");
        assert_eq!(deep.parent(), Some(id("task-01.02.03")));
        assert_eq!(id("Feat-9").prefix(), "feat");
    }

    #[test]
    fn bare_numbers_take_the_prefix() {
        assert_eq!(TaskId::parse_with_prefix("7", "task"), Some(id("TASK-7")));
        assert_eq!(TaskId::parse_with_prefix("JIRA-7", "task"), None);
    }
}

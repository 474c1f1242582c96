//! Commit and pull-request message text: comment lines, the scissors line, trailers, and
//! the one grammar that tells a task *reference* from a *mention*.
//!
//! # References and mentions
//!
//! A reference is a match of the reference pattern (by default the task prefix as a whole
//! word, case-insensitively, or `DRAFT` in capitals, then `-` and the number: `TASK-12`,
//! `task-12.1`, `DRAFT-3`, but not "JSON Schema draft-07") anywhere in the message:
//! subject, body or trailers (`Refs: TASK-12`).
//! An ID written in one of these places is only a mention, never a reference:
//!
//! - an inline code span: `` `TASK-12` ``;
//! - a fenced code block (a line of three or more `` ` `` or `~` up to the closing fence);
//! - an indented code block: lines indented by four spaces or a tab after a blank line;
//! - a URL: `https://example.com/task-12` (any `scheme://…` up to the next space);
//! - a quote: a line starting with `>`.
//!
//! [`ReferenceFinder`] is the only place that applies this grammar: the hooks, `ci` (pull
//! request title and body) and the history pass (`audit`, `trace`) all call it.
//!
//! ```
//! use flowgate::message::{Message, ReferenceFinder};
//!
//! let finder = ReferenceFinder::new(None, "task").unwrap();
//! let ids: Vec<String> = finder
//!     .find_in_text("Fix `TASK-9` parsing\n\nRefs: TASK-12\n")
//!     .iter()
//!     .map(|r| r.id.canonical())
//!     .collect();
//! assert_eq!(ids, ["TASK-12"]);
//! ```

use std::ops::Range;
use std::sync::OnceLock;

use regex::{Regex, RegexBuilder};

use crate::backlog::TaskId;

/// The line git's `commit -v` puts above the diff; it and everything below are dropped.
pub const SCISSORS: &str = "------------------------ >8 ------------------------";

/// The compiled-program size limit of a reference pattern.
const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// A commit message with its comment lines and scissors section set aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message<'a> {
    /// The text up to (not including) the scissors line, comments included: what line
    /// numbers refer to.
    pub text: &'a str,
    /// The lines that are part of the message, with their 1-based line numbers.
    pub lines: Vec<(u32, &'a str)>,
}

impl<'a> Message<'a> {
    /// Reads a message file's text. `comment` is git's comment character (`#` unless
    /// `core.commentChar` says otherwise); `'\0'` for a stored message, which has no
    /// comment lines left.
    pub fn parse(text: &'a str, comment: char) -> Message<'a> {
        let mut lines = Vec::new();
        let mut end = text.len();
        let mut offset = 0;
        for (i, raw) in text.split_inclusive('\n').enumerate() {
            let line = raw.trim_end_matches(['\n', '\r']);
            if let Some(rest) = line.strip_prefix(comment) {
                if rest.trim_start() == SCISSORS {
                    end = offset;
                    break;
                }
            } else {
                lines.push((i as u32 + 1, line));
            }
            offset += raw.len();
        }
        Message {
            text: &text[..end],
            lines,
        }
    }

    /// The subject: the first non-blank line, with its number.
    pub fn subject(&self) -> Option<(u32, &'a str)> {
        self.lines
            .iter()
            .find(|(_, l)| !l.trim().is_empty())
            .copied()
    }

    /// True when the message has no content (only blank and comment lines).
    pub fn is_empty(&self) -> bool {
        self.subject().is_none()
    }
}

fn is_trailer(line: &str) -> bool {
    line.split_once(": ").is_some_and(|(token, _)| {
        !token.is_empty() && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

/// Adds `trailer` (`Refs: TASK-12`) to a message file's text: after the last line of the
/// message, joining a trailer block when the message ends with one, and before git's
/// comment lines and scissors section. An empty message gets the trailer below an empty
/// first line, where the subject goes.
pub fn add_trailer(text: &str, comment: char, trailer: &str) -> String {
    let message = Message::parse(text, comment);
    let Some(&(last, _)) = message
        .lines
        .iter()
        .rev()
        .find(|(_, l)| !l.trim().is_empty())
    else {
        return format!("\n\n{trailer}\n{text}");
    };
    let mut head = String::new();
    let mut tail = String::new();
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        if i < last as usize {
            head.push_str(raw);
        } else {
            tail.push_str(raw);
        }
    }
    if !head.ends_with('\n') {
        head.push('\n');
    }
    let content: Vec<&str> = message
        .lines
        .iter()
        .filter(|(n, _)| *n <= last)
        .map(|(_, l)| *l)
        .collect();
    let paragraph_start = content.iter().rposition(|l| l.trim().is_empty());
    let joins_trailers = paragraph_start.is_some_and(|start| {
        content
            .get(start + 1..)
            .is_some_and(|p| p.iter().all(|l| is_trailer(l)))
    });
    if !joins_trailers {
        head.push('\n');
    }
    head.push_str(trailer);
    head.push('\n');
    head + &tail
}

/// A task reference found in a message or branch name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The ID referred to.
    pub id: TaskId,
    /// 1-based message line (0 when it comes from the branch name).
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// Length in characters.
    pub len: u32,
}

/// Compiles a configured reference pattern exactly as every command does
/// (case-insensitive, with the same size limit), so that validating a configuration and
/// using it can never disagree.
pub fn compile_pattern(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(PATTERN_SIZE_LIMIT)
        .build()
}

/// Finds the task references of a message: the reference pattern, minus mentions (see
/// the module documentation). Build it once per backlog configuration and reuse it.
#[derive(Debug, Clone)]
pub struct ReferenceFinder {
    pattern: Pattern,
    prefix: String,
}

/// The reference pattern of a [`ReferenceFinder`].
#[derive(Debug, Clone)]
enum Pattern {
    /// A configured pattern, compiled.
    Configured(Regex),
    /// The default pattern: scanned for without a regex on an ASCII line (see
    /// [`default_matches`]), compiled on first use for any other line.
    Default(String, OnceLock<Option<Regex>>),
}

impl Pattern {
    /// The spans of the IDs the pattern finds on `text`: each match's first capture
    /// group, else the whole match.
    fn spans(&self, text: &str, prefix: &str) -> Vec<Range<usize>> {
        let regex = match self {
            Pattern::Default(_, _) if text.is_ascii() && prefix.is_ascii() => {
                return default_matches(text, prefix);
            }
            Pattern::Default(pattern, compiled) => {
                match compiled.get_or_init(|| compile_pattern(pattern).ok()) {
                    Some(regex) => regex,
                    None => return Vec::new(),
                }
            }
            Pattern::Configured(regex) => regex,
        };
        regex
            .captures_iter(text)
            .filter_map(|caps| caps.get(1).or_else(|| caps.get(0)))
            .map(|m| m.range())
            .collect()
    }
}

/// The matches of the default pattern (`PREFIX-N` in any case, or `DRAFT-N` in upper
/// case, with `.N` subtask parts, between ASCII word boundaries) on an ASCII `text` with
/// an ASCII `prefix`, leftmost first and not overlapping, as the regex finds them.
fn default_matches(text: &str, prefix: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let word = |i: usize| {
        bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    };
    let boundary = |i: usize| (i > 0 && word(i - 1)) != word(i);
    let digits = |from: usize| {
        bytes
            .get(from..)
            .map_or(0, |r| r.iter().take_while(|b| b.is_ascii_digit()).count())
    };
    // The end of the longest `-N(.N)*` at `dash` followed by a word boundary.
    let number_end = |dash: usize| {
        if bytes.get(dash) != Some(&b'-') || digits(dash + 1) == 0 {
            return None;
        }
        let mut end = dash + 1 + digits(dash + 1);
        let mut best = boundary(end).then_some(end);
        while bytes.get(end) == Some(&b'.') && digits(end + 1) > 0 {
            end += 1 + digits(end + 1);
            if boundary(end) {
                best = Some(end);
            }
        }
        best
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i <= bytes.len() {
        let end = boundary(i)
            .then(|| {
                let rest = bytes.get(i..)?;
                let by_prefix = rest
                    .get(..prefix.len())
                    .filter(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
                    .and_then(|_| number_end(i + prefix.len()));
                by_prefix.or_else(|| {
                    rest.starts_with(b"DRAFT")
                        .then(|| number_end(i + 5))
                        .flatten()
                })
            })
            .flatten();
        match end {
            Some(end) => {
                out.push(i..end);
                i = end;
            }
            None => i += 1,
        }
    }
    out
}

impl ReferenceFinder {
    /// The finder for `commits.reference_pattern` (`configured`) or, when none is
    /// configured, the default pattern for the backlog's task prefix. A configured
    /// pattern's first capture group, when it has one, is the ID (`#(\d+)` reads `#42` as
    /// `TASK-42`).
    pub fn new(configured: Option<&str>, prefix: &str) -> Result<Self, Box<regex::Error>> {
        let pattern = match configured {
            Some(p) => p.to_string(),
            // ASCII `\b` and digits: Unicode ones cost milliseconds to compile on every commit.
            // `DRAFT` only as Backlog.md writes it: "JSON Schema draft-07" is prose.
            None => format!(
                r"(?-u:\b)(?:{}|(?-i:DRAFT))-[0-9]+(?:\.[0-9]+)*(?-u:\b)",
                regex::escape(prefix)
            ),
        };
        let pattern = match configured {
            Some(_) => Pattern::Configured(compile_pattern(&pattern).map_err(Box::new)?),
            None => Pattern::Default(pattern, OnceLock::new()),
        };
        Ok(ReferenceFinder {
            pattern,
            prefix: prefix.to_string(),
        })
    }

    /// The backlog's task prefix this finder reads bare numbers with.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Every reference of a stored message or a pull request's text (no comment lines),
    /// first occurrence of each ID, in order.
    pub fn find_in_text(&self, text: &str) -> Vec<Reference> {
        self.find(&Message::parse(text, '\0'))
    }

    /// Every reference of `message`, first occurrence of each ID, in order.
    pub fn find(&self, message: &Message<'_>) -> Vec<Reference> {
        let mut out: Vec<Reference> = Vec::new();
        let blocks = block_lines(&message.lines);
        for (&(line, text), in_block) in message.lines.iter().zip(blocks) {
            if in_block {
                continue;
            }
            let mentions = inline_mentions(text);
            for span in self.pattern.spans(text, &self.prefix) {
                let Some(m) = text.get(span.clone()) else {
                    continue;
                };
                if mentions
                    .iter()
                    .any(|r| r.start < span.end && span.start < r.end)
                {
                    continue;
                }
                let Some(id) = self.parse(m) else {
                    continue;
                };
                if out.iter().any(|r| r.id == id) {
                    continue;
                }
                out.push(Reference {
                    id,
                    line,
                    column: text[..span.start].chars().count() as u32 + 1,
                    len: m.chars().count() as u32,
                });
            }
        }
        out
    }

    fn parse(&self, text: &str) -> Option<TaskId> {
        TaskId::parse_with_prefix(text, &self.prefix)
            .or_else(|| TaskId::parse(text).filter(|id| id.prefix().eq_ignore_ascii_case("draft")))
    }
}

/// For each line, whether it is inside a code block or a quote (so nothing on it is a
/// reference). A fence that is never closed is literal text: a stray ```` ``` ```` does not
/// hide the rest of the message (nor a `Refs:` trailer added below it).
fn block_lines(lines: &[(u32, &str)]) -> Vec<bool> {
    let mut out = Vec::with_capacity(lines.len());
    // The open fence: its character and length.
    let mut fence: Option<(char, usize)> = None;
    // Inside an indented code block; the previous line was blank.
    let (mut indented, mut after_blank) = (false, false);
    // Where the next line closing each kind of fence is, scanned once from the end.
    let closers = fence_closers(lines);
    for (i, (_, line)) in lines.iter().enumerate() {
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        if let Some((c, n)) = fence {
            if indent < 4 && fence_of(trimmed).is_some_and(|(fc, fl)| fc == c && fl >= n) {
                fence = None;
                after_blank = false;
            }
            out.push(true);
            continue;
        }
        if line.trim().is_empty() {
            after_blank = true;
            out.push(true);
            continue;
        }
        let code_indent = indent >= 4 || line.starts_with('\t');
        if code_indent && (indented || after_blank) {
            indented = true;
            out.push(true);
            continue;
        }
        indented = false;
        after_blank = false;
        if indent < 4 {
            if let Some((c, n)) = fence_of(trimmed) {
                let closed = closers
                    .get(i)
                    .is_some_and(|&(ticks, tildes)| n <= if c == '`' { ticks } else { tildes });
                if closed {
                    fence = Some((c, n));
                    out.push(true);
                    continue;
                }
            }
            if trimmed.starts_with('>') {
                out.push(true);
                continue;
            }
        }
        out.push(false);
    }
    out
}

/// For each line, the longest fence of each kind (`` ` ``, `~`) that could close a fence
/// on a later line: one pass from the end, so that a message of fences stays linear.
fn fence_closers(lines: &[(u32, &str)]) -> Vec<(usize, usize)> {
    let mut out = vec![(0, 0); lines.len()];
    let mut longest = (0, 0);
    for (i, (_, line)) in lines.iter().enumerate().rev() {
        if let Some(slot) = out.get_mut(i) {
            *slot = longest;
        }
        let trimmed = line.trim_start_matches(' ');
        if line.len() - trimmed.len() >= 4 {
            continue;
        }
        let Some((c, n)) = fence_of(trimmed) else {
            continue;
        };
        // A closing fence carries nothing after its run (fence characters are one byte).
        if !trimmed.get(n..).is_some_and(|rest| rest.trim().is_empty()) {
            continue;
        }
        if c == '`' {
            longest.0 = longest.0.max(n);
        } else {
            longest.1 = longest.1.max(n);
        }
    }
    out
}

/// The fence a line opens or closes (```` ``` ```` or `~~~`, three or more).
fn fence_of(trimmed: &str) -> Option<(char, usize)> {
    let c = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let n = trimmed.chars().take_while(|x| *x == c).count();
    (n >= 3).then_some((c, n))
}

/// Byte ranges of `line` that are inline code spans or URLs.
fn inline_mentions(line: &str) -> Vec<Range<usize>> {
    let mut out = code_spans(line);
    out.extend(urls(line));
    out
}

/// Inline code spans: a run of backticks up to the next run of the same length. Linear:
/// each run length keeps a cursor into the list of its runs.
fn code_spans(line: &str) -> Vec<Range<usize>> {
    let bytes = line.as_bytes();
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes.get(i) == Some(&b'`') {
            let n = bytes.iter().skip(i).take_while(|b| **b == b'`').count();
            runs.push((i, n));
            i += n;
        } else {
            i += 1;
        }
    }
    let mut by_len: std::collections::HashMap<usize, (Vec<usize>, usize)> =
        std::collections::HashMap::new();
    for (k, &(_, n)) in runs.iter().enumerate() {
        by_len.entry(n).or_default().0.push(k);
    }
    let mut out = Vec::new();
    let mut pos = 0;
    for (k, &(start, n)) in runs.iter().enumerate() {
        if start < pos {
            continue;
        }
        let Some((same, cursor)) = by_len.get_mut(&n) else {
            continue;
        };
        while same.get(*cursor).is_some_and(|&j| j <= k) {
            *cursor += 1;
        }
        // An unclosed run is literal text.
        if let Some(&(close, m)) = same.get(*cursor).and_then(|&j| runs.get(j)) {
            out.push(start..close + m);
            pos = close + m;
        }
    }
    out
}

/// URLs: `scheme://` and everything up to the next whitespace.
fn urls(line: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = line.get(from..).and_then(|rest| rest.find("://")) {
        let sep = from + found;
        let start = from
            + line[from..sep]
                .char_indices()
                .rev()
                .take_while(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
                .last()
                .map_or(sep - from, |(i, _)| i);
        let end = line[sep..]
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>'))
            .map_or(line.len(), |n| sep + n);
        if start < sep {
            out.push(start..end);
        }
        from = end.max(sep + 3);
    }
    out
}

/// The branch a merge commit's subject names: `Merge pull request #12 from
/// alice/task-216-login`, `Merge branch 'task-12-x' [into main]`, `Merge remote-tracking
/// branch 'origin/task-12'`.
pub fn merge_subject_branch(subject: &str) -> Option<&str> {
    if let Some(rest) = subject.strip_prefix("Merge pull request #") {
        let (_, from) = rest.split_once(" from ")?;
        return from.split_whitespace().next();
    }
    let rest = subject
        .strip_prefix("Merge branch '")
        .or_else(|| subject.strip_prefix("Merge remote-tracking branch '"))?;
    let (name, _) = rest.split_once('\'')?;
    (!name.is_empty()).then_some(name)
}

/// The branch a merge commit's subject says it merged, as it was named where the work was
/// done: without the head repository's owner of a pull request (`Merge pull request #12
/// from alice/task-216-login` → `task-216-login`) or the remote of a remote-tracking
/// branch (`origin/task-3` → `task-3`).
pub fn merged_branch_name(subject: &str) -> Option<&str> {
    let named = merge_subject_branch(subject)?;
    if subject.starts_with("Merge branch '") {
        return Some(named);
    }
    named
        .split_once('/')
        .map(|(_, b)| b)
        .filter(|b| !b.is_empty())
}

/// The task ID a branch name carries (`user/task-605/slug`, `task-12-login`), if any.
pub fn branch_reference(branch: &str, prefix: &str) -> Option<TaskId> {
    if branch.is_ascii() && prefix.is_ascii() {
        return TaskId::parse_with_prefix(ascii_branch_number(branch, prefix)?, prefix);
    }
    thread_local! {
        // Compiled once per prefix: the history pass asks for every merged commit.
        static PATTERNS: std::cell::RefCell<std::collections::HashMap<String, Option<Regex>>> =
            std::cell::RefCell::default();
    }
    let number = PATTERNS.with(|patterns| {
        let mut patterns = patterns.borrow_mut();
        let pattern = patterns
            .entry(prefix.to_string())
            .or_insert_with(|| branch_pattern(prefix));
        let caps = pattern.as_ref()?.captures(branch)?;
        Some(caps.get(1)?.as_str().to_string())
    })?;
    TaskId::parse_with_prefix(&number, prefix)
}

/// The pattern of [`branch_reference`]: its group 1 is the task number.
fn branch_pattern(prefix: &str) -> Option<Regex> {
    RegexBuilder::new(&format!(
        r"(?:^|[^a-z0-9]){}-([0-9]+(?:\.[0-9]+)*)",
        regex::escape(prefix)
    ))
    .case_insensitive(true)
    .build()
    .ok()
}

/// What [`branch_reference`]'s pattern captures on an ASCII branch and prefix, without
/// compiling it (a hook asks once): the number after the first `PREFIX-` (any case) that
/// starts the branch or follows a character other than an ASCII letter or digit, with its
/// `.N` subtask parts.
fn ascii_branch_number<'b>(branch: &'b str, prefix: &str) -> Option<&'b str> {
    let bytes = branch.as_bytes();
    (0..bytes.len()).find_map(|i| {
        if i > 0 && bytes.get(i - 1).is_some_and(u8::is_ascii_alphanumeric) {
            return None;
        }
        let rest = bytes.get(i..)?;
        let head = rest.get(..prefix.len())?;
        if !head.eq_ignore_ascii_case(prefix.as_bytes()) || rest.get(prefix.len()) != Some(&b'-') {
            return None;
        }
        let start = i + prefix.len() + 1;
        let digits = |from: usize| {
            bytes
                .get(from..)
                .map_or(0, |r| r.iter().take_while(|b| b.is_ascii_digit()).count())
        };
        let mut end = start + digits(start);
        if end == start {
            return None;
        }
        while bytes.get(end) == Some(&b'.') && digits(end + 1) > 0 {
            end += 1 + digits(end + 1);
        }
        branch.get(start..end)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan for the default reference pattern finds what the pattern finds.
    #[test]
    fn default_references_without_the_regex() {
        let lines = [
            "Refs: TASK-12",
            "task-1 and TASK-2.3, task-4.5.6.",
            "TASK-12a TASK-1.2a TASK-1.2.x TASK-1..2 TASK-1. TASK-",
            "xTASK-3 _TASK-4 -TASK-5 (TASK-6) TASK-7_ TASK-8-9",
            "DRAFT-3 draft-4 Draft-5 DRAFT-6.1 xDRAFT-7",
            "TASK-TASK-9 TASKTASK-10 TASK--11 TASK-0012",
            "BACK-LOG-3 back-log-4 x.y-5 xay-6",
            "-3 -4.5 a-6 a -7",
            "",
            "TASK-99999999999999999999999999",
        ];
        for prefix in ["task", "TASK", "back-log", "x.y", "DRAFT", "draft", "a", ""] {
            let finder = ReferenceFinder::new(None, prefix).unwrap();
            let Pattern::Default(pattern, _) = &finder.pattern else {
                panic!("the default pattern");
            };
            let regex = compile_pattern(pattern).unwrap();
            for line in lines {
                let expected: Vec<Range<usize>> =
                    regex.find_iter(line).map(|m| m.range()).collect();
                assert_eq!(
                    default_matches(line, prefix),
                    expected,
                    "{line:?} with prefix {prefix:?}"
                );
            }
        }
    }

    /// The ASCII fast path of `branch_reference` finds what its pattern finds.
    #[test]
    fn branch_number_without_the_regex() {
        let prefixes = ["task", "TASK", "back-log", "x.y", ""];
        let branches = [
            "task-12-login",
            "user/task-605/slug",
            "mytask-3",
            "my_task-3",
            "TASK-1.2.3-x",
            "task-1.",
            "task-1..2",
            "task-1.2a.3",
            "task-",
            "task-x task-9",
            "feature/TaSk-07",
            "-5",
            "a-5",
            "back-log-4",
            "xay-1 x.y-2",
            "",
            "task-99999999999999999999999",
        ];
        for prefix in prefixes {
            let pattern = branch_pattern(prefix).unwrap();
            for branch in branches {
                let expected = pattern
                    .captures(branch)
                    .and_then(|c| c.get(1))
                    .map(|m| m.as_str());
                assert_eq!(
                    ascii_branch_number(branch, prefix),
                    expected,
                    "{branch:?} with prefix {prefix:?}"
                );
            }
        }
    }

    fn ids(text: &str) -> Vec<String> {
        let finder = ReferenceFinder::new(None, "task").unwrap();
        finder
            .find(&Message::parse(text, '#'))
            .iter()
            .map(|r| r.id.canonical())
            .collect()
    }

    #[test]
    fn comments_and_scissors_are_not_the_message() {
        let text = "Fix login\n# Please enter the message\n\nRefs: TASK-3\n# ------------------------ >8 ------------------------\n+TASK-9 in the diff\n";
        let m = Message::parse(text, '#');
        assert_eq!(m.lines, [(1, "Fix login"), (3, ""), (4, "Refs: TASK-3")]);
        assert!(!m.text.contains("TASK-9"));
        let m = Message::parse(";comment TASK-1\nsubject\n", ';');
        assert_eq!(m.subject(), Some((2, "subject")));
        assert!(Message::parse("# only\n\n", '#').is_empty());
    }

    #[test]
    fn trailer_goes_after_the_message_and_before_comments() {
        assert_eq!(
            add_trailer("Fix login\n", '#', "Refs: TASK-1"),
            "Fix login\n\nRefs: TASK-1\n"
        );
        assert_eq!(
            add_trailer("Fix login", '#', "Refs: TASK-1"),
            "Fix login\n\nRefs: TASK-1\n"
        );
        assert_eq!(
            add_trailer(
                "Fix\n\nbody\n\nSigned-off-by: A <a@x>\n# comment\n",
                '#',
                "Refs: TASK-1"
            ),
            "Fix\n\nbody\n\nSigned-off-by: A <a@x>\nRefs: TASK-1\n# comment\n"
        );
        assert_eq!(
            add_trailer("\n# Please enter\n# ------------------------ >8 ------------------------\ndiff\n", '#', "Refs: TASK-1"),
            "\n\nRefs: TASK-1\n\n# Please enter\n# ------------------------ >8 ------------------------\ndiff\n"
        );
        assert_eq!(
            add_trailer("Subject: with colon\n", '#', "Refs: TASK-1"),
            "Subject: with colon\n\nRefs: TASK-1\n"
        );
    }

    #[test]
    fn references_are_whole_words_case_insensitive() {
        let finder = ReferenceFinder::new(None, "task").unwrap();
        let m = Message::parse(
            "Fix task-3 and TASK-012.1\n\nsee mytask-9, TASK-3, DRAFT-2, JSON Schema draft-07\n",
            '#',
        );
        let refs = finder.find(&m);
        let ids: Vec<String> = refs.iter().map(|r| r.id.canonical()).collect();
        assert_eq!(ids, ["TASK-3", "TASK-12.1", "DRAFT-2"]);
        assert_eq!((refs[1].line, refs[1].column, refs[1].len), (1, 16, 10));
        let custom = ReferenceFinder::new(Some(r"#(\d+)"), "task").unwrap();
        assert_eq!(
            custom.find_in_text("Fix login (#42)\n")[0].id.canonical(),
            "TASK-42"
        );
    }

    #[test]
    fn code_urls_and_quotes_are_mentions() {
        assert_eq!(ids("Fix `TASK-9` parsing, refs TASK-1\n"), ["TASK-1"]);
        assert_eq!(ids("Fix ``a `TASK-9` b`` TASK-1\n"), ["TASK-1"]);
        // An unclosed backtick is literal text.
        assert_eq!(ids("Fix `TASK-9 parsing\n"), ["TASK-9"]);
        assert_eq!(
            ids("Fix\n\nsee https://x.org/backlog/tasks/task-9.md and <http://x/TASK-8>\nRefs: TASK-1\n"),
            ["TASK-1"]
        );
        assert_eq!(
            ids("Fix\n\n```\nTASK-9\n```\n~~~~\nTASK-8\n```\n~~~~\nRefs: TASK-1\n"),
            ["TASK-1"]
        );
        // A fence that is never closed is literal text.
        assert_eq!(ids("Fix\n\n```rust\nRefs: TASK-1\n"), ["TASK-1"]);
        assert_eq!(
            ids("Fix\n\n    TASK-9 in a log\n\tTASK-8\n\nRefs: TASK-1\n"),
            ["TASK-1"]
        );
        // Indented lines that continue a paragraph are not a code block.
        assert_eq!(ids("Fix\n\n- item\n    TASK-3 too\n"), ["TASK-3"]);
        assert_eq!(
            ids("Fix\n\n> TASK-9 was wrong\n  > TASK-8\nRefs: TASK-1\n"),
            ["TASK-1"]
        );
    }

    #[test]
    fn a_pattern_is_compiled_case_insensitively() {
        let finder = ReferenceFinder::new(Some(r"\bT-(\d+)"), "task").unwrap();
        assert_eq!(finder.find_in_text("t-4\n")[0].id.canonical(), "TASK-4");
        assert!(compile_pattern("(").is_err());
    }

    #[test]
    fn merge_subjects_name_their_branch() {
        let cases = [
            (
                "Merge pull request #12 from alice/task-216-login",
                Some("alice/task-216-login"),
            ),
            ("Merge branch 'task-12-x'", Some("task-12-x")),
            ("Merge branch 'task-12-x' into main", Some("task-12-x")),
            (
                "Merge remote-tracking branch 'origin/task-3'",
                Some("origin/task-3"),
            ),
            ("Merge dev into main", None),
            ("Merge branch ''", None),
        ];
        for (subject, branch) in cases {
            assert_eq!(merge_subject_branch(subject), branch, "{subject}");
        }
    }

    #[test]
    fn merged_branches_lose_owner_and_remote() {
        let cases = [
            (
                "Merge pull request #12 from alice/host/task-216/login",
                Some("host/task-216/login"),
            ),
            ("Merge branch 'feature/x' into main", Some("feature/x")),
            ("Merge remote-tracking branch 'origin/main'", Some("main")),
            ("Merge pull request #3 from alice", None),
            ("Merge dev into main", None),
        ];
        for (subject, branch) in cases {
            assert_eq!(merged_branch_name(subject), branch, "{subject}");
        }
    }

    #[test]
    fn branch_names_carry_ids() {
        assert_eq!(
            branch_reference("user/task-605/slug", "task").map(|i| i.canonical()),
            Some("TASK-605".into())
        );
        assert_eq!(
            branch_reference("TASK-12-login", "task").map(|i| i.canonical()),
            Some("TASK-12".into())
        );
        assert_eq!(branch_reference("main", "task"), None);
        assert_eq!(branch_reference("multitask-3", "task"), None);
    }
}

//! Task body sections: Description, Acceptance Criteria, Definition of Done,
//! Implementation Plan / Notes, Final Summary, markdown links.
//!
//! Backlog.md writes sections between HTML-comment markers (`<!-- AC:BEGIN -->`,
//! `<!-- DOD:BEGIN -->`, `<!-- SECTION:NOTES:BEGIN -->`, ...). Older files have only the
//! `## Heading`; a section without markers is read from its heading. Markers inside code
//! fences are text, not markers.

use std::collections::{HashMap, HashSet};

use super::{CheckItem, Spanned};
use crate::finding::Position;

use super::frontmatter::lines;

/// What the body of a task file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Body {
    /// Acceptance criteria.
    pub acceptance: Vec<CheckItem>,
    /// Definition of Done items.
    pub definition_of_done: Vec<CheckItem>,
    /// Description text, when present and non-empty.
    pub description: Option<String>,
    /// Implementation Plan text, when present and non-empty.
    pub plan: Option<String>,
    /// Implementation Notes text, when present and non-empty.
    pub implementation_notes: Option<String>,
    /// Final Summary text, when present and non-empty.
    pub final_summary: Option<String>,
    /// Markdown link targets, outside code.
    pub links: Vec<Spanned<String>>,
    /// Unbalanced markers: where, what, and how to fix it.
    pub marker_issues: Vec<MarkerIssue>,
}

/// A `BEGIN` without `END`, an `END` without `BEGIN`, or a nested `BEGIN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkerIssue {
    /// The marker's line.
    pub pos: Position,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
    /// True when the marker changes nothing Backlog.md shows: a text section's `END`
    /// repeated after its block was closed, outside any block and outside text Backlog.md
    /// displays. Every other unbalanced marker changes what it shows: a stray `AC:END` or
    /// `DOD:END` anywhere hides the whole list, an unclosed or crossed block hides its
    /// content, and a stray marker inside shown text is shown as text.
    pub harmless: bool,
}

/// The named text sections, with their marker name and legacy heading.
const SECTIONS: [(&str, &str); 4] = [
    ("DESCRIPTION", "description"),
    ("PLAN", "implementation plan"),
    ("NOTES", "implementation notes"),
    ("FINAL_SUMMARY", "final summary"),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Block {
    Ac,
    Dod,
    Section(usize),
    Other,
}

struct Open<'a> {
    name: &'a str,
    block: Block,
    /// The marker's own position, kept for the "no matching END" issue.
    pos: Position,
    content_start: usize,
}

/// Parses a task body whose first line is file line `first_line`.
pub fn parse(body: &str, first_line: u32) -> Body {
    let mut out = Body::default();
    let mut open: Vec<Open<'_>> = Vec::new();
    // The names in `open` and the line each was opened on: a BEGIN looks its name up here,
    // not by scanning `open` (thousands of unclosed markers stay linear).
    let mut open_names: HashMap<&str, u32> = HashMap::new();
    let mut fence: Option<(char, usize)> = None;
    let mut marked_ac = false;
    let mut marked_dod = false;
    let mut marked_sections = [false; 4];
    let mut legacy_ac = Vec::new();
    let mut legacy_dod = Vec::new();
    let mut legacy_sections: [Option<(usize, usize)>; 4] = [None; 4];
    // The legacy heading we are under: a checklist kind or a text section (start offset).
    let mut heading: Option<(Block, usize)> = None;
    // Blocks closed so far, and the stray END markers that may be harmless: the issue's
    // index and the legacy text section they stand under (shown unless it has markers).
    let mut closed: HashSet<&str> = HashSet::new();
    // Names opened twice: Backlog.md pairs their BEGINs and ENDs its own way, so a later
    // END of the name is no harmless repeat.
    let mut reopened: HashSet<&str> = HashSet::new();
    let mut maybe_harmless: Vec<(usize, Option<usize>)> = Vec::new();

    for (n, start, line) in lines(body) {
        let file_line = first_line + n - 1;
        let trimmed = line.trim();
        if let Some(f) = fence_of(trimmed) {
            match fence {
                None => fence = Some(f),
                Some((c, len)) if f.0 == c && f.1 >= len && trimmed.len() == f.1 => fence = None,
                Some(_) => {}
            }
            continue;
        }
        if fence.is_some() {
            continue;
        }
        if let Some((name, begin)) = marker(trimmed) {
            let block = block_of(name);
            match block {
                Block::Ac => marked_ac = true,
                Block::Dod => marked_dod = true,
                Block::Section(i) => marked_sections[i] = true,
                Block::Other => {}
            }
            let pos = Position::new(
                file_line,
                col(line, line.len() - line.trim_start().len()),
                trimmed.chars().count() as u32,
            );
            if begin {
                if let Some(since) = open_names.get(name) {
                    reopened.insert(name);
                    out.marker_issues.push(MarkerIssue {
                        pos,
                        message: format!(
                            "`<!-- {name}:BEGIN -->` opens a block that is already open (since line {since})"
                        ),
                        help: format!(
                            "add `<!-- {name}:END -->` before this line, or delete this BEGIN marker"
                        ),
                        harmless: false,
                    });
                } else {
                    let content_start = start + line.len() + 1;
                    open_names.insert(name, file_line);
                    open.push(Open {
                        name,
                        block,
                        pos,
                        content_start: content_start.min(body.len()),
                    });
                }
            } else if let Some(i) = open_names
                .contains_key(name)
                .then(|| open.iter().rposition(|o| o.name == name))
                .flatten()
            {
                for inner in open.drain(i + 1..) {
                    open_names.remove(inner.name);
                    out.marker_issues.push(unclosed(&inner));
                }
                if let Some(o) = open.pop() {
                    open_names.remove(o.name);
                    if let Block::Section(s) = o.block {
                        let text = body.get(o.content_start..start).unwrap_or("");
                        set_text(&mut out, s, text);
                    }
                    closed.insert(o.name);
                }
            } else if closed.contains(name)
                && !reopened.contains(name)
                && open.is_empty()
                && !matches!(block, Block::Ac | Block::Dod)
            {
                let under = match heading {
                    Some((Block::Section(s), _)) => Some(s),
                    _ => None,
                };
                maybe_harmless.push((out.marker_issues.len(), under));
                out.marker_issues.push(MarkerIssue {
                    pos,
                    message: format!(
                        "`<!-- {name}:END -->` repeats the END of a block that is already closed"
                    ),
                    help: "delete this END marker".to_string(),
                    harmless: true,
                });
            } else {
                let hides = match block {
                    Block::Ac => "; Backlog.md shows no acceptance criteria while it is there",
                    Block::Dod => {
                        "; Backlog.md shows no Definition of Done items while it is there"
                    }
                    _ => "",
                };
                out.marker_issues.push(MarkerIssue {
                    pos,
                    message: format!("`<!-- {name}:END -->` has no matching BEGIN marker{hides}"),
                    help: format!(
                        "add `<!-- {name}:BEGIN -->` where the block starts, or delete this END marker"
                    ),
                    harmless: false,
                });
            }
            continue;
        }

        let innermost = open.last().map(|o| o.block);
        match innermost {
            Some(Block::Ac) | Some(Block::Dod) => {
                if let Some(item) = checkbox(line, file_line) {
                    if innermost == Some(Block::Ac) {
                        out.acceptance.push(item);
                    } else {
                        out.definition_of_done.push(item);
                    }
                }
            }
            Some(_) => {}
            None => {
                if let Some((level, title)) = heading_of(trimmed) {
                    if let Some((Block::Section(s), from)) = heading {
                        legacy_sections[s].get_or_insert((from, start));
                    }
                    heading = (level <= 3)
                        .then(|| legacy_block(title))
                        .flatten()
                        .map(|b| (b, (start + line.len() + 1).min(body.len())));
                } else if let Some((kind, _)) = heading {
                    if kind == Block::Ac || kind == Block::Dod {
                        if let Some(item) = checkbox(line, file_line) {
                            if kind == Block::Ac {
                                legacy_ac.push(item);
                            } else {
                                legacy_dod.push(item);
                            }
                        }
                    }
                }
            }
        }
        let bytes = line.as_bytes();
        if memchr::memchr_iter(b']', bytes).any(|i| bytes.get(i + 1) == Some(&b'(')) {
            links(line, file_line, &mut out.links);
        }
    }
    if let Some((Block::Section(s), from)) = heading {
        legacy_sections[s].get_or_insert((from, body.len()));
    }
    for o in &open {
        out.marker_issues.push(unclosed(o));
    }
    // A stray END under a section heading without markers is part of the text Backlog.md
    // shows for that section.
    for (i, under) in maybe_harmless {
        if let (Some(s), Some(issue)) = (under, out.marker_issues.get_mut(i)) {
            if !marked_sections.get(s).copied().unwrap_or(true) {
                issue.harmless = false;
                issue
                    .message
                    .push_str("; Backlog.md shows it as text of the section above");
            }
        }
    }
    if !marked_ac {
        out.acceptance = legacy_ac;
    }
    if !marked_dod {
        out.definition_of_done = legacy_dod;
    }
    for (s, range) in legacy_sections.iter().enumerate() {
        if let (false, Some((a, b))) = (marked_sections[s], range) {
            set_text(&mut out, s, body.get(*a..*b).unwrap_or(""));
        }
    }
    out
}

fn unclosed(o: &Open<'_>) -> MarkerIssue {
    MarkerIssue {
        pos: o.pos,
        message: format!("`<!-- {}:BEGIN -->` has no matching END marker", o.name),
        help: format!(
            "add `<!-- {}:END -->` on its own line where the block ends",
            o.name
        ),
        harmless: false,
    }
}

fn set_text(out: &mut Body, section: usize, text: &str) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    let slot = match section {
        0 => &mut out.description,
        1 => &mut out.plan,
        2 => &mut out.implementation_notes,
        _ => &mut out.final_summary,
    };
    if slot.is_none() {
        *slot = Some(text.to_string());
    }
}

/// 1-based character column of byte `byte` in `line`.
fn col(line: &str, byte: usize) -> u32 {
    line.get(..byte).map_or(0, |s| s.chars().count()) as u32 + 1
}

/// A code fence opener/closer: the fence char and run length.
fn fence_of(trimmed: &str) -> Option<(char, usize)> {
    let c = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = trimmed.chars().take_while(|x| *x == c).count();
    (len >= 3).then_some((c, len))
}

/// `<!-- NAME:BEGIN -->` → (`NAME`, true); `<!-- NAME:END -->` → (`NAME`, false).
fn marker(trimmed: &str) -> Option<(&str, bool)> {
    let inner = trimmed.strip_prefix("<!--")?.strip_suffix("-->")?.trim();
    if let Some(name) = inner.strip_suffix(":BEGIN") {
        return valid_marker_name(name).then_some((name, true));
    }
    let name = inner.strip_suffix(":END")?;
    valid_marker_name(name).then_some((name, false))
}

fn valid_marker_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b':')
}

fn block_of(name: &str) -> Block {
    match name {
        "AC" => Block::Ac,
        "DOD" => Block::Dod,
        _ => name
            .strip_prefix("SECTION:")
            .and_then(|s| SECTIONS.iter().position(|(m, _)| *m == s))
            .map_or(Block::Other, Block::Section),
    }
}

/// A `#`-heading: its level and text.
fn heading_of(trimmed: &str) -> Option<(usize, &str)> {
    let level = trimmed.bytes().take_while(|b| *b == b'#').count();
    if level == 0 || level > 6 {
        return None;
    }
    let rest = &trimmed[level..];
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    Some((level, rest.trim().trim_end_matches('#').trim()))
}

fn legacy_block(title: &str) -> Option<Block> {
    let t = title.to_ascii_lowercase();
    match t.as_str() {
        "acceptance criteria" => Some(Block::Ac),
        "definition of done" => Some(Block::Dod),
        _ => SECTIONS
            .iter()
            .position(|(_, h)| *h == t)
            .map(Block::Section)
            .or_else(|| (t == "notes").then_some(Block::Section(2))),
    }
}

/// `- [ ] #1 text` / `- [x] text`; only lowercase `x` is checked.
fn checkbox(line: &str, file_line: u32) -> Option<CheckItem> {
    let rest = line.trim_start();
    let indent = line.len() - rest.len();
    let rest = rest.strip_prefix(['-', '*', '+'])?.strip_prefix(' ')?;
    let rest = rest.trim_start().strip_prefix('[')?;
    let mut chars = rest.chars();
    let mark = chars.next()?;
    if !matches!(mark, ' ' | 'x' | 'X') {
        return None;
    }
    let rest = chars.as_str().strip_prefix(']')?;
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let mut text = rest.trim();
    let mut number = None;
    if let Some(after) = text.strip_prefix('#') {
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            number = after[..digits].parse().ok();
            text = after[digits..].trim_start();
        }
    }
    Some(CheckItem {
        number,
        checked: mark == 'x',
        text: text.to_string(),
        pos: Position::new(
            file_line,
            col(line, indent),
            line.trim().chars().count() as u32,
        ),
    })
}

/// Collects `[text](target)` link targets of one line, skipping inline code and images.
///
/// Linear in the line's length: the next `]` and the `)` that closes a destination are
/// looked up in tables built once per line, never by scanning the rest of the line again
/// for each `[` (a line of `[a](` repeated would otherwise be quadratic).
fn links(line: &str, file_line: u32, out: &mut Vec<Spanned<String>>) {
    let bytes = line.as_bytes();
    let mut closers: Option<Closers> = None;
    let mut next_bracket: Option<Option<usize>> = None;
    let mut i = 0;
    let mut in_code: Option<usize> = None;
    while i < bytes.len() {
        match bytes[i] {
            b'`' => {
                let run = bytes[i..].iter().take_while(|b| **b == b'`').count();
                in_code = match in_code {
                    None => Some(run),
                    Some(r) if r == run => None,
                    other => other,
                };
                i += run;
                continue;
            }
            b'[' if in_code.is_none() => {
                let image = i > 0 && bytes[i - 1] == b'!';
                // The first `]` after `i`: reused until `i` passes it.
                let close = match next_bracket {
                    Some(Some(c)) if c > i => Some(c),
                    Some(None) => None,
                    _ => {
                        let found = line[i + 1..].find(']').map(|c| i + 1 + c);
                        next_bracket = Some(found);
                        found
                    }
                };
                if let Some(close) = close {
                    if bytes.get(close + 1) == Some(&b'(') {
                        let tstart = close + 2;
                        let end = closers
                            .get_or_insert_with(|| Closers::new(bytes))
                            .closing(tstart);
                        if let Some(end) = end {
                            if !image {
                                push_target(line, tstart, end, file_line, out);
                            }
                            i = end + 1;
                            continue;
                        }
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
}

/// Where a link destination starting at a given byte ends: the first `)` after it at
/// parenthesis depth 0. With `depth(k)` = `(` minus `)` before byte `k`, that is the first
/// `)` at or after the start whose depth equals the depth at the start.
struct Closers {
    /// Depth before each byte (one more entry, for the end of the line).
    depth: Vec<i64>,
    /// Positions of `)`, grouped by the depth before them, ascending.
    by_depth: HashMap<i64, Vec<usize>>,
}

impl Closers {
    fn new(bytes: &[u8]) -> Closers {
        let mut depth = Vec::with_capacity(bytes.len() + 1);
        let mut by_depth: HashMap<i64, Vec<usize>> = HashMap::new();
        let mut d = 0i64;
        for (k, b) in bytes.iter().enumerate() {
            depth.push(d);
            match b {
                b'(' => d += 1,
                b')' => {
                    by_depth.entry(d).or_default().push(k);
                    d -= 1;
                }
                _ => {}
            }
        }
        depth.push(d);
        Closers { depth, by_depth }
    }

    fn closing(&self, start: usize) -> Option<usize> {
        let d = self.depth.get(start)?;
        let positions = self.by_depth.get(d)?;
        let at = positions.partition_point(|p| *p < start);
        positions.get(at).copied()
    }
}

fn push_target(
    line: &str,
    start: usize,
    end: usize,
    file_line: u32,
    out: &mut Vec<Spanned<String>>,
) {
    let raw = &line[start..end];
    let lead = raw.len() - raw.trim_start().len();
    let raw = raw.trim();
    let (target, offset) = match raw.strip_prefix('<') {
        Some(inner) => (inner.split('>').next().unwrap_or(""), 1),
        None => (raw.split([' ', '\t']).next().unwrap_or(""), 0),
    };
    if target.is_empty() {
        return;
    }
    let at = start + lead + offset;
    out.push(Spanned::new(
        target.to_string(),
        Position::new(file_line, col(line, at), target.chars().count() as u32),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn states(items: &[CheckItem]) -> Vec<(Option<u32>, bool, &str)> {
        items
            .iter()
            .map(|i| (i.number, i.checked, i.text.as_str()))
            .collect()
    }

    #[test]
    fn marked_blocks_and_sections() {
        let body = "\n## Description\n\n<!-- SECTION:DESCRIPTION:BEGIN -->\nGate commits\n<!-- SECTION:DESCRIPTION:END -->\n\n## Acceptance Criteria\n<!-- AC:BEGIN -->\n- [x] #1 Hook installs\n- [ ] #2 Blocks bad commits\n- [X] #3 Upper X\n<!-- AC:END -->\n\n## Definition of Done\n<!-- DOD:BEGIN -->\n- [x] #1 Reviewed\n<!-- DOD:END -->\n\n## Implementation Notes\n\n<!-- SECTION:NOTES:BEGIN -->\nStarted\n<!-- SECTION:NOTES:END -->\n\n## Final Summary\n\n<!-- SECTION:FINAL_SUMMARY:BEGIN -->\n<!-- SECTION:FINAL_SUMMARY:END -->\n";
        let b = parse(body, 10);
        assert_eq!(
            states(&b.acceptance),
            [
                (Some(1), true, "Hook installs"),
                (Some(2), false, "Blocks bad commits"),
                (Some(3), false, "Upper X")
            ]
        );
        assert_eq!(b.acceptance[0].pos, Position::new(19, 1, 22));
        assert_eq!(states(&b.definition_of_done), [(Some(1), true, "Reviewed")]);
        assert_eq!(b.description.as_deref(), Some("Gate commits"));
        assert_eq!(b.implementation_notes.as_deref(), Some("Started"));
        assert_eq!(b.final_summary, None);
        assert!(b.marker_issues.is_empty());
    }

    #[test]
    fn crlf_body() {
        let b = parse(
            "<!-- AC:BEGIN -->\r\n- [x] #1 one\r\n<!-- AC:END -->\r\n",
            5,
        );
        assert_eq!(states(&b.acceptance), [(Some(1), true, "one")]);
        assert!(b.marker_issues.is_empty());
    }

    #[test]
    fn legacy_headings_without_markers() {
        let body = "## Acceptance Criteria\n\n- [ ] first\n- [x] second\n\n## Implementation Notes\n\nDid it.\n\n## Final Summary\nAll done\n";
        let b = parse(body, 1);
        assert_eq!(
            states(&b.acceptance),
            [(None, false, "first"), (None, true, "second")]
        );
        assert_eq!(b.implementation_notes.as_deref(), Some("Did it."));
        assert_eq!(b.final_summary.as_deref(), Some("All done"));
    }

    #[test]
    fn unbalanced_markers_are_located() {
        let b = parse("<!-- AC:BEGIN -->\n- [ ] a\n\n<!-- DOD:END -->\n", 7);
        let issues: Vec<_> = b
            .marker_issues
            .iter()
            .map(|i| (i.pos.line, i.message.as_str()))
            .collect();
        assert_eq!(
            issues,
            [
                (10, "`<!-- DOD:END -->` has no matching BEGIN marker; Backlog.md shows no Definition of Done items while it is there"),
                (7, "`<!-- AC:BEGIN -->` has no matching END marker"),
            ]
        );
        let nested = parse("<!-- AC:BEGIN -->\n<!-- AC:BEGIN -->\n<!-- AC:END -->\n", 1);
        assert_eq!(nested.marker_issues.len(), 1);
        assert_eq!(nested.marker_issues[0].pos.line, 2);
    }

    #[test]
    fn a_repeated_section_end_is_harmless_unless_backlog_md_would_show_or_miss_something() {
        let verdicts = |body: &str| -> Vec<(u32, bool, String)> {
            parse(body, 1)
                .marker_issues
                .into_iter()
                .map(|i| (i.pos.line, i.harmless, i.message))
                .collect()
        };
        assert_eq!(
            verdicts("<!-- SECTION:NOTES:BEGIN -->\nN.\n<!-- SECTION:NOTES:END -->\n<!-- SECTION:NOTES:END -->\n"),
            [(4, true, "`<!-- SECTION:NOTES:END -->` repeats the END of a block that is already closed".to_string())]
        );
        assert_eq!(
            verdicts("<!-- AC:BEGIN -->\n- [ ] #1 a\n<!-- AC:END -->\n<!-- AC:END -->\n"),
            [(4, false, "`<!-- AC:END -->` has no matching BEGIN marker; Backlog.md shows no acceptance criteria while it is there".to_string())]
        );
        assert_eq!(
            verdicts("<!-- SECTION:NOTES:BEGIN -->\nN.\n<!-- SECTION:NOTES:END -->\n## Final Summary\nS.\n<!-- SECTION:NOTES:END -->\n"),
            [(6, false, "`<!-- SECTION:NOTES:END -->` repeats the END of a block that is already closed; Backlog.md shows it as text of the section above".to_string())]
        );
        // After a BEGIN opened twice, Backlog.md pairs the second END with the first BEGIN.
        let nested = verdicts("<!-- SECTION:NOTES:BEGIN -->\n<!-- SECTION:NOTES:BEGIN -->\n<!-- SECTION:NOTES:END -->\n<!-- SECTION:NOTES:END -->\n");
        assert_eq!(nested.len(), 2);
        assert!(
            nested.iter().all(|(_, harmless, _)| !harmless),
            "{nested:?}"
        );
        // Inside another open block: part of that block's text.
        assert!(!verdicts("<!-- SECTION:NOTES:BEGIN -->\nN.\n<!-- SECTION:NOTES:END -->\n<!-- SECTION:FINAL_SUMMARY:BEGIN -->\n<!-- SECTION:NOTES:END -->\n<!-- SECTION:FINAL_SUMMARY:END -->\n")[0].1);
    }

    #[test]
    fn markers_in_code_fences_are_text() {
        let b = parse("```\n<!-- AC:BEGIN -->\n[a](x.md)\n```\nsee `[b](y.md)` and [c](specs/a.md#fr-1 \"t\") ![i](img.png)\n", 1);
        assert!(b.marker_issues.is_empty());
        let links: Vec<_> = b.links.iter().map(|l| (l.value.as_str(), l.pos)).collect();
        assert_eq!(links, [("specs/a.md#fr-1", Position::new(5, 25, 15))]);
    }

    #[test]
    fn link_destinations_with_parentheses() {
        let b = parse("[a](x_(1).md) [b]((c) [d](y.md) [e](z.md)\n", 1);
        let links: Vec<_> = b.links.iter().map(|l| l.value.as_str()).collect();
        // `[b](` never closes at depth 0; the scan goes on with `[d]` and `[e]`.
        assert_eq!(links, ["x_(1).md", "y.md", "z.md"]);
    }

    #[test]
    fn unclosed_link_openers_and_markers_in_bulk() {
        let b = parse(&"[a](".repeat(20_000), 1);
        assert!(b.links.is_empty());
        let mut body = String::new();
        for i in 0..5_000 {
            body.push_str(&format!("<!-- N{i}:BEGIN -->\n"));
        }
        let b = parse(&body, 3);
        assert_eq!(b.marker_issues.len(), 5_000);
        assert_eq!(b.marker_issues[4_999].pos, Position::new(5_002, 1, 20));
    }

    #[test]
    fn ten_thousand_criteria() {
        let mut body = String::from("<!-- AC:BEGIN -->\n");
        for i in 1..=10_000 {
            body.push_str(&format!(
                "- [{}] #{i} criterion {i}\n",
                if i % 2 == 0 { 'x' } else { ' ' }
            ));
        }
        body.push_str("<!-- AC:END -->\n");
        let b = parse(&body, 1);
        assert_eq!(b.acceptance.len(), 10_000);
        assert_eq!(b.acceptance.iter().filter(|c| c.checked).count(), 5_000);
        assert_eq!(b.acceptance[9_999].number, Some(10_000));
    }
}

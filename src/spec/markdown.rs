//! Markdown headings, GitHub anchor slugs and requirement IDs.
//!
//! One pass finds the headings (ATX and setext, never a `#` line inside a code fence) and
//! the blocks whose lines must not be read as definitions (code, HTML comments, YAML
//! frontmatter): a line scan for documents made only of ATX headings, code fences, lists
//! and paragraphs (most specs), pulldown-cmark for anything else. Then a line scan over
//! the lines outside those blocks finds the requirement IDs a section defines and the
//! spec-kit checklist tasks.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::OnceLock;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use regex::Regex;

use super::{ChecklistTask, RequirementItem, Section};

/// The built-in requirement ID forms: `FR-001`, `SC-001`, `NFR-1`, `SPEC-001`.
const BUILTIN_IDS: &str = r"(?:FR|SC|NFR|SPEC)-[0-9]+";

/// Compiled requirement-ID patterns: the built-in forms plus the configured
/// `specs.id_patterns`. Build once per load and share between threads.
#[derive(Debug, Clone)]
pub struct IdPatterns {
    /// `**ID**` at the start of a line or list item.
    bold: Regex,
    /// `ID:` at the start of a list item.
    plain: Regex,
    /// `ID` at the start of a heading's text.
    heading: Regex,
    /// `User Story N` at the start of a heading's text.
    story: Regex,
    /// A spec-kit checklist line.
    checklist: Regex,
    /// A `[P]` / `[US1]` tag at the start of a checklist text.
    tag: Regex,
    /// Only the built-in forms (no configured pattern): [`IdPatterns::line_id`] reads a
    /// line by hand instead of through `bold` and `plain`.
    builtin_only: bool,
}

impl IdPatterns {
    /// Compiles the built-in forms plus `extra` (regular expressions for whole IDs, e.g.
    /// `REQ-\d+`). A pattern that does not compile is left out (the config loader has
    /// already reported it).
    pub fn new(extra: &[String]) -> IdPatterns {
        let valid: Vec<&String> = extra
            .iter()
            .filter(|p| {
                regex::RegexBuilder::new(p)
                    .size_limit(1 << 20)
                    .build()
                    .is_ok()
            })
            .collect();
        if valid.is_empty() {
            return Self::builtin().clone();
        }
        let mut alt = BUILTIN_IDS.to_string();
        for p in &valid {
            alt.push_str("|(?:");
            alt.push_str(p);
            alt.push(')');
        }
        Self::compile(&alt).unwrap_or_else(|_| Self::builtin().clone())
    }

    /// Whether `extra` compiles together with the built-in forms, as [`IdPatterns::new`]
    /// combines them: patterns that each compile can still fail as one (a capture group
    /// named `id` twice, or the whole over the size limit), and would then be dropped.
    pub fn check(extra: &[String]) -> Result<(), regex::Error> {
        let mut alt = BUILTIN_IDS.to_string();
        for p in extra {
            alt.push_str("|(?:");
            alt.push_str(p);
            alt.push(')');
        }
        Self::compile(&alt).map(|_| ())
    }

    /// The built-in forms only.
    pub fn builtin() -> &'static IdPatterns {
        static BUILTIN: OnceLock<IdPatterns> = OnceLock::new();
        BUILTIN.get_or_init(|| match Self::compile(BUILTIN_IDS) {
            Ok(p) => IdPatterns {
                builtin_only: true,
                ..p
            },
            // The built-in patterns are constant; they always compile.
            Err(_) => unreachable!("built-in ID patterns compile"),
        })
    }

    fn compile(alt: &str) -> Result<IdPatterns, regex::Error> {
        // ASCII classes (`[0-9]`, `(?-u:\b)`) on purpose: Unicode `\d` and `\b` make each
        // of these regexes cost milliseconds to compile, paid on every hook run, and an ID
        // or a list number is never written in other scripts' digits.
        let item = r"^[ \t]*(?:(?:[-*+]|[0-9]{1,9}[.)])[ \t]+)?(?:\[[ xX]\][ \t]+)?";
        let re = |s: String| regex::RegexBuilder::new(&s).size_limit(1 << 22).build();
        Ok(IdPatterns {
            bold: re(format!(r"{item}\*\*(?P<id>{alt}):?\*\*"))?,
            plain: re(format!(
                r"^[ \t]*(?:[-*+]|[0-9]{{1,9}}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?(?P<id>{alt})[ \t]*:"
            ))?,
            heading: re(format!(r"^(?P<id>{alt})(?:$|[\s:.)\-–—])"))?,
            story: re(r"(?i)^user[ \t]+story[ \t]+([0-9]{1,9})(?-u:\b)".to_string())?,
            checklist: re(
                r"^[ \t]*[-*+][ \t]+\[([ xX])\][ \t]+(T[0-9]{1,9})(?-u:\b)[ \t]*(.*)$".into(),
            )?,
            tag: re(r"^\[(P|US[0-9]{1,9})\][ \t]*".into())?,
            builtin_only: false,
        })
    }

    /// The ID a heading's text defines, if any (`FR-1: Title`, `User Story 2 - Title`).
    pub fn heading_id(&self, heading: &str) -> Option<String> {
        if let Some(c) = self.heading.captures(heading) {
            return c.name("id").map(|m| m.as_str().to_string());
        }
        self.story
            .captures(heading)
            .and_then(|c| c.get(1))
            .map(|n| format!("US{}", n.as_str()))
    }

    /// The ID a (non-heading) line defines, if any (`- **FR-001**: ...`, `- FR-002: ...`).
    pub fn line_id(&self, line: &str) -> Option<String> {
        if self.builtin_only {
            return builtin_line_id(line).map(str::to_string);
        }
        // Cheap prefilter: a definition has bold markers or a colon.
        if !line.contains("**") && !line.contains(':') {
            return None;
        }
        // Both forms start, after the indentation, with a list marker (`-`, `*`, `+`, a
        // number), a checkbox or the bold markers: prose lines never reach the regexes.
        let first = line.trim_start_matches([' ', '\t']).bytes().next();
        if !first.is_some_and(|b| matches!(b, b'-' | b'*' | b'+' | b'[') || b.is_ascii_digit()) {
            return None;
        }
        // Most list items define nothing: a match test (no capture groups, no allocation)
        // turns them away before the captures are searched for.
        let id = |re: &Regex| {
            re.is_match(line)
                .then(|| re.captures(line))
                .flatten()
                .and_then(|c| c.name("id").map(|m| m.as_str().to_string()))
        };
        id(&self.bold).or_else(|| id(&self.plain))
    }

    /// Parses a spec-kit checklist line (`- [ ] T012 [P] [US1] text`) at 1-based `line`.
    pub fn checklist(&self, text: &str, line: u32) -> Option<ChecklistTask> {
        if !text.contains("] T") {
            return None;
        }
        let c = self.checklist.captures(text)?;
        let done = c.get(1).is_some_and(|m| m.as_str() != " ");
        let id = c.get(2)?.as_str().to_string();
        let mut rest = c.get(3).map_or("", |m| m.as_str());
        let (mut parallel, mut story) = (false, None);
        while let Some(t) = self.tag.captures(rest) {
            let tag = t.get(1).map_or("", |m| m.as_str());
            if tag == "P" {
                parallel = true;
            } else {
                story = Some(tag.to_string());
            }
            rest = &rest[t.get(0).map_or(0, |m| m.end())..];
        }
        Some(ChecklistTask {
            id,
            parallel,
            story,
            done,
            text: rest.trim_end().to_string(),
            line,
        })
    }
}

/// [`IdPatterns::line_id`] for the built-in ID forms alone, read by hand as the `bold`
/// and `plain` regexes read a line (each spec line passes through here, and the two
/// regex searches cost about a thousand instructions a line). A built-in ID starts with
/// a letter, so none of the regexes' optional parts (indentation, list marker, checkbox)
/// can be given back to it: the first reading of each is the only one.
fn builtin_line_id(line: &str) -> Option<&str> {
    let b = line.as_bytes();
    let blanks = |from: usize| {
        from + b
            .get(from..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&c| c == b' ' || c == b'\t')
            .count()
    };
    let start = blanks(0);
    // A list marker (`-`, `*`, `+`, `1.`, `12)`) and at least one blank.
    let digits = leading_digits(b.get(start..).unwrap_or_default());
    let marker = match b.get(start) {
        Some(b'-' | b'*' | b'+') => Some(start + 1),
        _ if (1..=9).contains(&digits) && matches!(b.get(start + digits), Some(b'.' | b')')) => {
            Some(start + digits + 1)
        }
        _ => None,
    }
    .filter(|&end| blanks(end) > end)
    .map(blanks);
    let after_marker = marker.unwrap_or(start);
    // A checkbox (`[ ]`, `[x]`, `[X]`) and at least one blank.
    let checkbox = matches!(
        b.get(after_marker..after_marker + 3),
        Some([b'[', b' ' | b'x' | b'X', b']'])
    ) && blanks(after_marker + 3) > after_marker + 3;
    let text = if checkbox {
        blanks(after_marker + 3)
    } else {
        after_marker
    };
    let rest = b.get(text..).unwrap_or_default();
    // `**ID**` or `**ID:**`.
    if let Some(len) = rest.strip_prefix(b"**").and_then(builtin_id_len) {
        let tail = rest.get(2 + len..).unwrap_or_default();
        let tail = tail.strip_prefix(b":").unwrap_or(tail);
        if tail.starts_with(b"**") {
            return line.get(text + 2..text + 2 + len);
        }
    }
    // `ID:` after a list marker.
    if marker.is_some() {
        if let Some(len) = builtin_id_len(rest) {
            if b.get(blanks(text + len)) == Some(&b':') {
                return line.get(text..text + len);
            }
        }
    }
    None
}

/// The length of the built-in requirement ID (`FR-1`, `SC-02`, `NFR-3`, `SPEC-004`) that
/// `text` starts with, its digits read as far as they go.
fn builtin_id_len(text: &[u8]) -> Option<usize> {
    let head = [b"FR-".as_slice(), b"SC-", b"NFR-", b"SPEC-"]
        .into_iter()
        .find(|h| text.starts_with(h))?
        .len();
    let digits = leading_digits(text.get(head..).unwrap_or_default());
    (digits > 0).then_some(head + digits)
}

/// How many ASCII digits `text` starts with.
fn leading_digits(text: &[u8]) -> usize {
    text.iter().take_while(|c| c.is_ascii_digit()).count()
}

/// What one markdown pass yields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Sections in document order.
    pub sections: Vec<Section>,
    /// Checklist tasks (only when asked for).
    pub checklist: Vec<ChecklistTask>,
}

/// A heading found by the markdown parser.
#[derive(Debug, Clone)]
struct Heading {
    level: u8,
    text: String,
    range: Range<usize>,
}

/// Splits `text` into sections, finds the IDs each defines and, when `checklist` is set,
/// the spec-kit checklist tasks.
pub fn parse(text: &str, patterns: &IdPatterns, checklist: bool) -> Parsed {
    parse_blocks(
        text,
        scan_blocks(text),
        patterns,
        checklist,
        &mut SectionHasher::plain(),
    )
}

/// [`parse`] of one version of a document, given what parsing the version before it left
/// (`before`: its text and its [`HashMarks`]), returning with the result what parsing the
/// next version needs. The result is [`parse`]'s, with less read: when the line scanner
/// read the version before (and no checklist is asked for), only the lines from a point
/// before the first difference (a heading, or a line start outside any fence that no
/// requirement item runs over) to the first old heading after the last difference are
/// read again, the other sections and items taken over (moved); the sections' hashes are
/// taken from the version before where the bytes they cover are the same, and otherwise
/// taken up from the hasher's state at a line start before the first difference (a long
/// section edited near its end is not hashed again from its heading).
pub fn parse_after(
    text: &str,
    patterns: &IdPatterns,
    checklist: bool,
    before: Option<(&[u8], &HashMarks)>,
) -> (Parsed, HashMarks) {
    let mut hasher = SectionHasher::marking(text.as_bytes(), before);
    let old = before.zip(hasher.before).filter(|_| !checklist).and_then(
        |((old, marks), (_, prefix, suffix))| {
            let scanned = marks.scanned.as_ref()?;
            Some((old.len(), scanned, prefix, suffix))
        },
    );
    if let Some((old_len, old, prefix, suffix)) = old {
        if let Some(r) = rescan(text, old_len, old, prefix, suffix) {
            let (parsed, scanned) = parse_rescanned(text, old, r, patterns, &mut hasher);
            let marks = HashMarks {
                sections: hasher.out,
                scanned: Some(scanned),
            };
            return (parsed, marks);
        }
    }
    let (headings, skipped, by_lines) = scan_blocks_by(text, true);
    let kept = by_lines.map(|resume| (headings.clone(), skipped.clone(), resume));
    let parsed = parse_blocks(text, (headings, skipped), patterns, checklist, &mut hasher);
    let scanned = kept.map(|(headings, skipped, resume)| Scanned {
        headings,
        skipped,
        resume,
        frontmatter: frontmatter(text),
        sections: parsed.sections.clone(),
    });
    let marks = HashMarks {
        sections: hasher.out,
        scanned,
    };
    (parsed, marks)
}

/// [`parse`] with every document's blocks read by pulldown-cmark (no line scanner): the
/// reference the line scanner is tested against, by the tests and the `spec_markdown`
/// fuzz target.
pub fn parse_by_pulldown(text: &str, patterns: &IdPatterns, checklist: bool) -> Parsed {
    parse_blocks(
        text,
        strip_by(scan_blocks_by(text, false)),
        patterns,
        checklist,
        &mut SectionHasher::plain(),
    )
}

/// [`parse`] from the document's headings and skipped blocks.
fn parse_blocks(
    text: &str,
    (headings, skipped): (Vec<Heading>, Vec<Range<usize>>),
    patterns: &IdPatterns,
    checklist: bool,
    hasher: &mut SectionHasher,
) -> Parsed {
    let line_starts = line_starts(text, 0..text.len());
    let line_of = |offset: usize| match line_starts.binary_search(&offset) {
        Ok(i) => i as u32 + 1,
        Err(i) => i as u32,
    };

    let mut slugger = Slugger::default();
    let mut sections: Vec<Section> = headings
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let range = h.range.start..section_end(text, &headings, i);
            Section {
                slug: slugger.slug(&h.text),
                ids: patterns.heading_id(&h.text).into_iter().collect(),
                heading: h.text.clone(),
                level: h.level,
                line: line_of(h.range.start),
                content_hash: hasher.section(text, range.clone()),
                range,
                items: Vec::new(),
            }
        })
        .collect();
    let lines = Lines {
        text,
        starts: &line_starts,
        headings: &headings,
        skipped: &skipped,
    };
    let checklist = find_items(&lines, &mut sections, patterns, checklist);
    Parsed {
        sections,
        checklist,
    }
}

/// The starts of the lines of `text` in `range` (its start a line start): `range.start`,
/// and the offset after each line feed in it.
fn line_starts(text: &str, range: Range<usize>) -> Vec<usize> {
    let from = range.start;
    std::iter::once(from)
        .chain(
            memchr::memchr_iter(b'\n', text.as_bytes().get(range).unwrap_or_default())
                .map(|i| from + i + 1),
        )
        .collect()
}

/// Where the section of heading `i` ends: at the next heading of the same or a higher
/// level, else at the end of `text`.
fn section_end(text: &str, headings: &[Heading], i: usize) -> usize {
    let level = headings.get(i).map_or(0, |h| h.level);
    headings
        .iter()
        .skip(i + 1)
        .find(|n| n.level <= level)
        .map_or(text.len(), |n| n.range.start)
}

/// Lines of a document to read requirement items (and checklist tasks) on.
struct Lines<'a> {
    text: &'a str,
    /// The starts of the lines to read, in order (each line ends where the next starts).
    starts: &'a [usize],
    /// Every heading of the document, in order.
    headings: &'a [Heading],
    /// Every skipped block of the document (frontmatter, code, HTML), in order.
    skipped: &'a [Range<usize>],
}

/// Reads `lines`: each requirement a line defines is added to the items and IDs of the
/// section of the heading before it (`sections`, one per heading), once; returns the
/// checklist tasks when `checklist` is set (lines numbered by their place in
/// `lines.starts`, which then starts at the top of the document).
fn find_items(
    lines: &Lines,
    sections: &mut [Section],
    patterns: &IdPatterns,
    checklist: bool,
) -> Vec<ChecklistTask> {
    let (text, line_starts) = (lines.text, lines.starts);
    let mut tasks = Vec::new();
    let mut skip = lines.skipped.iter().peekable();
    let mut heading = lines.headings.iter().enumerate().peekable();
    let mut current: Option<usize> = None;
    for (n, &start) in line_starts.iter().enumerate() {
        let end = line_starts.get(n + 1).map_or(text.len(), |e| e - 1);
        let line = text.get(start..end).unwrap_or_default();
        let line = line.strip_suffix('\r').unwrap_or(line);
        // Advance to the innermost section this line belongs to.
        while let Some((i, _)) = heading.next_if(|(_, h)| h.range.start <= start) {
            current = Some(i);
        }
        let on_heading = current
            .and_then(|i| lines.headings.get(i))
            .is_some_and(|h| start < h.range.end);
        while skip.peek().is_some_and(|r| r.end <= start) {
            skip.next();
        }
        if on_heading || skip.peek().is_some_and(|r| r.start <= start) {
            continue;
        }
        if let Some(id) = patterns.line_id(line) {
            if let Some(s) = current.and_then(|i| sections.get_mut(i)) {
                if !s.ids.iter().any(|x| x.eq_ignore_ascii_case(&id)) {
                    let range = start..item_end(text, line_starts, n, s.range.end);
                    s.items.push(RequirementItem {
                        id: id.clone(),
                        content_hash: content_hash(text.get(range.clone()).unwrap_or_default()),
                        range,
                    });
                    s.ids.push(id);
                }
            }
        }
        if checklist {
            if let Some(t) = patterns.checklist(line, n as u32 + 1) {
                tasks.push(t);
            }
        }
    }
    tasks
}

/// Where the list item that starts on line `n` ends: after its indented continuation
/// lines, at a blank line, the next unindented line, or `limit` (the section's end).
fn item_end(text: &str, line_starts: &[usize], n: usize, limit: usize) -> usize {
    let mut end = line_starts.get(n + 1).map_or(text.len(), |e| *e);
    for &start in line_starts.iter().skip(n + 1) {
        if start >= limit {
            break;
        }
        let line = text.get(start..).unwrap_or_default();
        let line = line.split('\n').next().unwrap_or_default();
        if line.trim().is_empty() || !line.starts_with([' ', '\t']) {
            break;
        }
        end = (start + line.len() + 1).min(text.len());
    }
    end.min(limit.max(line_starts.get(n).copied().unwrap_or(0)))
}

/// Finds headings (with their plain text) and the byte ranges of blocks whose lines are
/// not prose: code blocks, HTML blocks (comments) and YAML frontmatter. A document made
/// only of what [`scan_lines`] reads exactly is scanned line by line; anything else goes
/// through pulldown-cmark.
fn scan_blocks(text: &str) -> (Vec<Heading>, Vec<Range<usize>>) {
    strip_by(scan_blocks_by(text, true))
}

/// [`scan_blocks_by`]'s headings and skipped blocks.
fn strip_by((headings, skipped, _): ScannedBlocks) -> (Vec<Heading>, Vec<Range<usize>>) {
    (headings, skipped)
}

/// What [`scan_blocks_by`] finds: headings, skipped blocks, and the line scanner's
/// [`Resume`] points when it read the document.
type ScannedBlocks = (Vec<Heading>, Vec<Range<usize>>, Option<Vec<Resume>>);

/// [`scan_blocks`], by the line scanner when `lines` is set and it reads the document,
/// else by pulldown-cmark; with the line scanner's resume points when it read it.
fn scan_blocks_by(text: &str, lines: bool) -> ScannedBlocks {
    let mut skipped: Vec<Range<usize>> = Vec::new();
    // Frontmatter is blanked out (same length, so offsets stay true) rather than left to
    // the markdown parser, which would read `key: value` + `---` as a setext heading.
    let masked;
    let body = match frontmatter(text) {
        Some(fm) => {
            masked = blank(text, fm.clone());
            skipped.push(fm);
            masked.as_str()
        }
        None => text,
    };
    let (headings, by_lines) = match lines.then(|| scan_lines(body)).flatten() {
        Some((headings, fences, resume)) => {
            skipped.extend(fences);
            (headings, Some(resume))
        }
        None => (
            collect_blocks(
                Parser::new_ext(body, markdown_options()).into_offset_iter(),
                &mut skipped,
            ),
            None,
        ),
    };
    skipped.sort_by_key(|r| r.start);
    (headings, skipped, by_lines)
}

/// The markdown extensions spec files are read with.
fn markdown_options() -> Options {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_TASKLISTS);
    opts
}

/// The headings (with their plain text) of pulldown-cmark's `events`; the ranges of
/// their code and HTML blocks go to `skipped`.
fn collect_blocks<'a>(
    events: impl Iterator<Item = (Event<'a>, Range<usize>)>,
    skipped: &mut Vec<Range<usize>>,
) -> Vec<Heading> {
    let mut headings = Vec::new();
    let mut open: Option<Heading> = None;
    let mut image_depth = 0usize;
    for (event, range) in events {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                open = Some(Heading {
                    level: level as u8,
                    text: String::new(),
                    range,
                });
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(mut h) = open.take() {
                    h.text = collapse_spaces(&h.text);
                    headings.push(h);
                }
            }
            Event::Start(Tag::Image { .. }) => image_depth += 1,
            Event::End(TagEnd::Image) => image_depth = image_depth.saturating_sub(1),
            Event::Text(t) | Event::Code(t) if image_depth == 0 => {
                if let Some(h) = open.as_mut() {
                    h.text.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(h) = open.as_mut() {
                    h.text.push(' ');
                }
            }
            Event::Start(Tag::CodeBlock(_) | Tag::HtmlBlock) => {
                skipped.push(range);
            }
            _ => {}
        }
    }
    headings
}

/// The headings and fenced code blocks of `body`, read line by line, when it holds only
/// what this scan reads as pulldown-cmark does: ATX headings and code fences at the start
/// of a line, list items and paragraphs. `None` for anything that could change the block
/// structure otherwise (the caller then runs pulldown-cmark): tables, link reference
/// definitions, lone CRs, a byte order mark, HTML blocks, block quotes, setext underlines
/// and thematic breaks, indentation of four spaces or a tab (indented code), headings and
/// fences after indentation or a list marker. Each heading line's text is read by
/// pulldown-cmark on that line alone (without reference definitions, inline markup reads
/// the same there). With them, the [`Resume`] points met.
fn scan_lines(body: &str) -> Option<LinesRead> {
    let (hash_lines, fences, _, mut resume) = scan_lines_from(body, 0, |_| false)?;
    for r in &mut resume {
        r.1 += 1;
    }
    Some((headings_of(body, &hash_lines)?, fences, resume))
}

/// What [`scan_lines`] finds: headings, fences and resume points.
type LinesRead = (Vec<Heading>, Vec<Range<usize>>, Vec<Resume>);

/// What [`scan_lines_from`] finds: the lines that start with `#`, the fences, where the
/// scan stopped, and [`Resume`] points (their lines counted from the first line read, 0).
type LineScan = (Vec<Range<usize>>, Vec<Range<usize>>, usize, Vec<Resume>);

/// A line start outside any fence, where the line scanner can start reading again, and
/// its 1-based line (kept about every [`MARK_EVERY`] bytes).
type Resume = (usize, u32);

/// [`scan_lines`] from line start `from` up to the first line start outside any fence
/// that `stop` accepts (or the end): the lines that start with `#` there, the fences,
/// and where the scan stopped. `None` as for [`scan_lines`], for what it read.
fn scan_lines_from(body: &str, from: usize, stop: impl Fn(usize) -> bool) -> Option<LineScan> {
    // The lines that start with `#` (headings, unless `#` is not followed by a blank).
    let mut hash_lines = Vec::new();
    let mut fences = Vec::new();
    // The open fence: its character, its length and where it starts.
    let mut fence: Option<(u8, usize, usize)> = None;
    let mut pos = from;
    let mut stopped = body.len();
    let mut resume: Vec<Resume> = Vec::new();
    for (n, line) in body.get(from..)?.split_inclusive('\n').enumerate() {
        let start = pos;
        if fence.is_none() {
            if stop(start) {
                stopped = start;
                break;
            }
            if resume.last().map_or(from, |r| r.0) + MARK_EVERY <= start {
                resume.push((start, n as u32));
            }
        }
        pos += line.len();
        let content = line.strip_suffix('\n').unwrap_or(line);
        let content = content.strip_suffix('\r').unwrap_or(content).as_bytes();
        if let Some((ch, len, open)) = fence {
            if closes_fence(content, ch, len) {
                fences.push(open..pos);
                fence = None;
            }
            continue;
        }
        if content.iter().all(|&b| b == b' ' || b == b'\t') {
            continue;
        }
        // Setext underlines, thematic breaks, empty list items.
        if content.iter().all(|b| b" \t-=*_".contains(b)) {
            return None;
        }
        // Indentation and list markers: where indented code or a nested block could start.
        let lead = content
            .iter()
            .take_while(|b| b" \t-*+>0123456789.)".contains(b))
            .count();
        let (lead, rest) = content.split_at(lead);
        if lead.contains(&b'\t') || lead.contains(&b'>') || lead.windows(4).any(|w| w == b"    ") {
            return None;
        }
        match rest.first() {
            Some(b'<') => return None,
            Some(b'#') if !lead.is_empty() => return None,
            Some(b'#') => hash_lines.push(start..pos),
            Some(&ch @ (b'`' | b'~')) => {
                let len = rest.iter().take_while(|&&b| b == ch).count();
                if len >= 3 {
                    let info = rest.get(len..).unwrap_or_default();
                    if !lead.is_empty() || (ch == b'`' && info.contains(&b'`')) {
                        return None;
                    }
                    fence = Some((ch, len, start));
                }
            }
            _ => {}
        }
    }
    if let Some((_, _, open)) = fence {
        fences.push(open..body.len());
    }
    let bytes = body.as_bytes().get(from..stopped)?;
    let bare_cr = memchr::memchr_iter(b'\r', bytes).any(|at| bytes.get(at + 1) != Some(&b'\n'));
    if bare_cr
        || memchr::memchr(b'|', bytes).is_some()
        || memchr::memmem::find(bytes, b"]:").is_some()
        || (from == 0 && body.starts_with('\u{feff}'))
    {
        return None;
    }
    Some((hash_lines, fences, stopped, resume))
}

/// Whether `line` (without its line ending) closes a fence of `len` characters `ch`: up to
/// three spaces, at least `len` of `ch`, then only blanks.
fn closes_fence(line: &[u8], ch: u8, len: usize) -> bool {
    let indent = line.iter().take(4).take_while(|&&b| b == b' ').count();
    if indent > 3 {
        return false;
    }
    let rest = line.get(indent..).unwrap_or_default();
    let run = rest.iter().take_while(|&&b| b == ch).count();
    run >= len
        && rest
            .get(run..)
            .unwrap_or_default()
            .iter()
            .all(|&b| b == b' ' || b == b'\t')
}

/// The headings among `lines` (byte ranges of `body`, each a whole line that starts with
/// `#` outside any block), read by pulldown-cmark in one document of those lines alone,
/// each followed by a blank line: an ATX heading is one line, and its inline markup reads
/// the same without the rest of the document when it has no link reference definitions.
/// `None` when that document reads as anything but headings that start where the lines do.
fn headings_of(body: &str, lines: &[Range<usize>]) -> Option<Vec<Heading>> {
    if lines.is_empty() {
        return Some(Vec::new());
    }
    let mut joined = String::new();
    // Where each line starts in `joined`, and its range in `body`.
    let mut starts = Vec::with_capacity(lines.len());
    for range in lines {
        let line = body.get(range.clone())?;
        let line = line.strip_suffix('\n').unwrap_or(line);
        starts.push((joined.len(), range.clone()));
        joined.push_str(line.strip_suffix('\r').unwrap_or(line));
        joined.push_str("\n\n");
    }
    let mut skipped = Vec::new();
    let parser = Parser::new_ext(&joined, markdown_options()).into_offset_iter();
    let mut headings = collect_blocks(parser, &mut skipped);
    if !skipped.is_empty() {
        return None;
    }
    for h in &mut headings {
        let at = starts.binary_search_by_key(&h.range.start, |s| s.0).ok()?;
        h.range = starts.get(at)?.1.clone();
    }
    Some(headings)
}

/// The byte range of a YAML frontmatter block: a first line `---`, then lines up to a
/// closing `---` or `...` line (blank lines allowed, as spec-kit's templates have them).
fn frontmatter(text: &str) -> Option<Range<usize>> {
    let first = text.lines().next()?;
    if first.trim_end() != "---" {
        return None;
    }
    let mut offset = first.len() + 1;
    for line in text.get(offset..)?.split_inclusive('\n') {
        offset += line.len();
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            return Some(0..offset.min(text.len()));
        }
        if !trimmed.is_empty()
            && !trimmed.starts_with([' ', '\t', '#', '-'])
            && !trimmed.contains(':')
        {
            return None;
        }
    }
    None
}

/// `text` with the bytes of `range` replaced by spaces (newlines kept).
fn blank(text: &str, range: Range<usize>) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if range.contains(&i) && c != '\n' && c != '\r' {
            out.extend(std::iter::repeat_n(' ', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
}

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// GitHub's anchor slug of one heading text (without duplicate numbering): lowercase,
/// punctuation and symbols removed except `-` and `_`, each space turned into `-`.
pub fn slug(heading: &str) -> String {
    if heading.is_ascii() {
        // The same mapping, byte by byte (nearly every heading is ASCII).
        let mut out = String::with_capacity(heading.len());
        for b in heading.bytes() {
            match b {
                b' ' => out.push('-'),
                b'-' | b'_' => out.push(char::from(b)),
                b if b.is_ascii_alphanumeric() => out.push(char::from(b.to_ascii_lowercase())),
                _ => {}
            }
        }
        return out;
    }
    slug_by_chars(heading)
}

/// [`slug`], one Unicode character at a time.
fn slug_by_chars(heading: &str) -> String {
    heading
        .chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

/// Numbers duplicate slugs as GitHub does: the second `intro` is `intro-1`, then
/// `intro-2`, skipping any slug already taken.
#[derive(Debug, Default)]
pub struct Slugger {
    seen: HashSet<String>,
}

impl Slugger {
    /// The unique slug for the next heading with this text.
    pub fn slug(&mut self, heading: &str) -> String {
        let base = slug(heading);
        let mut candidate = base.clone();
        let mut n = 0u32;
        while self.seen.contains(&candidate) {
            n += 1;
            candidate = format!("{base}-{n}");
        }
        self.seen.insert(candidate.clone());
        candidate
    }
}

/// A stable 64-bit FNV-1a hash of a section's text, with CRLF read as LF and trailing
/// whitespace ignored, so the same text hashes the same on every platform and run.
pub fn content_hash(text: &str) -> u64 {
    fnv_lf(FNV_START, text.trim_end().as_bytes())
}

/// What parsing one version of a document left for the next version: each section's
/// range and hash, with the hasher's state at line starts about every 2 KiB into it, and
/// what the line scanner read.
#[derive(Debug, Clone, Default)]
pub struct HashMarks {
    sections: Vec<MarkedSection>,
    /// What the line scanner read, when it read the document.
    scanned: Option<Scanned>,
}

/// What [`parse_after`] keeps of a document the line scanner read, for reading the next
/// version again only between the headings around the change.
#[derive(Debug, Clone)]
struct Scanned {
    headings: Vec<Heading>,
    /// Frontmatter and fences, in order.
    skipped: Vec<Range<usize>>,
    /// Where the scanner can start reading again, in order.
    resume: Vec<Resume>,
    frontmatter: Option<Range<usize>>,
    sections: Vec<Section>,
}

/// Where [`rescan`] read a new version again: the headings before old heading `first`
/// are the old ones, the headings from old heading `last` on are the old ones moved
/// (`moved` new headings between them were read in `lines`).
struct Rescan {
    headings: Vec<Heading>,
    skipped: Vec<Range<usize>>,
    resume: Vec<Resume>,
    lines: Range<usize>,
    /// The line `lines` starts on.
    line: u32,
    first: usize,
    last: usize,
    moved: usize,
}

/// The headings and skipped blocks of `text`, a new version of the document `old` (of
/// `old_len` bytes, sharing `prefix` bytes at its start and `suffix` at its end with
/// it) read by the line scanner, when the line scanner reads the lines from the old
/// heading at or before the first difference to the first old heading after the last
/// difference (as it reads them in the whole of `text`: the scanner's only state from
/// line to line is the open fence, and none is open at a heading). `None` when the
/// change reaches into the frontmatter or before the first heading, or the scanner
/// hands those lines over to pulldown-cmark.
fn rescan(
    text: &str,
    old_len: usize,
    old: &Scanned,
    prefix: usize,
    suffix: usize,
) -> Option<Rescan> {
    if frontmatter(text) != old.frontmatter {
        return None;
    }
    let new_len = text.len();
    let block = old
        .headings
        .partition_point(|h| h.range.start <= prefix)
        .checked_sub(1)?;
    let head = old.headings.get(block)?.range.start;
    let section = old.sections.get(block)?;
    // The last resume point in the block at or before the first difference that no item
    // of the block runs over (an item ending there could go on on a changed line), else
    // the block's heading.
    let before = old.resume.partition_point(|r| r.0 <= prefix);
    let inner = old
        .resume
        .get(..before)?
        .iter()
        .rev()
        .take_while(|r| r.0 > head)
        .find(|r| {
            !section
                .items
                .iter()
                .any(|i| i.range.start < r.0 && i.range.end >= r.0)
        });
    let (from, line, first) = match inner {
        Some(&(at, line)) => (at, line, block + 1),
        None => (head, section.line, block),
    };
    let tail = new_len - suffix;
    let to_old = |at: usize| at + old_len - new_len;
    let stop = |at: usize| {
        at >= tail
            && old
                .headings
                .binary_search_by_key(&to_old(at), |h| h.range.start)
                .is_ok()
    };
    let (hash_lines, fences, to, resume) = scan_lines_from(text, from, stop)?;
    let found = headings_of(text, &hash_lines)?;
    // A heading read from stays one: else the section before it takes in the lines read,
    // and an item of it could go on into them.
    if from == head && found.first().map(|h| h.range.start) != Some(from) {
        return None;
    }
    let last = old.headings.partition_point(|h| h.range.start < to_old(to));
    // The lines after the ones read moved by as many lines as the read ones grew.
    let lines_read = memchr::memchr_iter(b'\n', text.as_bytes().get(from..to)?).count() as u32;
    let line_after = old.sections.get(last).map_or(0, |s| s.line);
    let line_moved = |l: u32| l + line + lines_read - line_after;
    let moved = |r: &Range<usize>| (r.start + new_len - old_len)..(r.end + new_len - old_len);
    let mut headings = old.headings.get(..first)?.to_vec();
    let moved_count = found.len();
    headings.extend(found);
    headings.extend(old.headings.get(last..)?.iter().map(|h| Heading {
        range: moved(&h.range),
        ..h.clone()
    }));
    let mut skipped: Vec<Range<usize>> = old
        .skipped
        .iter()
        .filter(|r| r.start < from)
        .cloned()
        .collect();
    skipped.extend(fences);
    skipped.extend(
        old.skipped
            .iter()
            .filter(|r| r.start >= to_old(to))
            .map(moved),
    );
    let mut points: Vec<Resume> = old.resume.iter().filter(|r| r.0 < from).copied().collect();
    points.extend(resume.into_iter().map(|(at, n)| (at, line + n)));
    points.extend(
        old.resume
            .iter()
            .filter(|r| r.0 >= to_old(to))
            .map(|&(at, l)| (at + new_len - old_len, line_moved(l))),
    );
    Some(Rescan {
        headings,
        skipped,
        resume: points,
        lines: from..to,
        line,
        first,
        last,
        moved: moved_count,
    })
}

/// [`parse_blocks`] after [`rescan`]: the sections of the old headings keep their
/// requirement items (moved with them), the lines read again are read for items, and
/// every section is hashed by `hasher`. Returns the parse and what to keep of it.
fn parse_rescanned(
    text: &str,
    old: &Scanned,
    r: Rescan,
    patterns: &IdPatterns,
    hasher: &mut SectionHasher,
) -> (Parsed, Scanned) {
    let (old_len, new_len) = hasher.lens;
    let moved = |at: usize| at + new_len - old_len;
    let starts = line_starts(text, r.lines.clone());
    let line_from = r.line;
    let line_to = line_from + starts.len() as u32 - 1;
    let line_after = old.sections.get(r.last).map_or(line_to, |s| s.line);
    let mut slugger = Slugger::default();
    let mut sections: Vec<Section> = r
        .headings
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let range = h.range.start..section_end(text, &r.headings, i);
            let (line, ids, items) = if i < r.first {
                // The items before the lines read (the heading's IDs come first).
                let s = old.sections.get(i);
                let items: Vec<RequirementItem> = s.map_or(Vec::new(), |s| {
                    s.items
                        .iter()
                        .take_while(|item| item.range.start < r.lines.start)
                        .cloned()
                        .collect()
                });
                let ids = s.map(|s| {
                    let own = s.ids.len() - s.items.len();
                    let mut ids = s.ids.get(..own).unwrap_or_default().to_vec();
                    ids.extend(items.iter().map(|item| item.id.clone()));
                    ids
                });
                (s.map_or(0, |s| s.line), ids, Some(items))
            } else if i < r.first + r.moved {
                let before = starts.partition_point(|&at| at <= h.range.start);
                (line_from + before as u32 - 1, None, None)
            } else {
                let s = old.sections.get(i - r.first - r.moved + r.last);
                let items = s.map(|s| {
                    s.items
                        .iter()
                        .map(|item| RequirementItem {
                            range: moved(item.range.start)..moved(item.range.end),
                            ..item.clone()
                        })
                        .collect()
                });
                let line = s.map_or(0, |s| s.line - line_after + line_to);
                (line, s.map(|s| s.ids.clone()), items)
            };
            Section {
                slug: slugger.slug(&h.text),
                ids: ids.unwrap_or_else(|| patterns.heading_id(&h.text).into_iter().collect()),
                heading: h.text.clone(),
                level: h.level,
                line,
                content_hash: hasher.section(text, range.clone()),
                range,
                items: items.unwrap_or_default(),
            }
        })
        .collect();
    let lines = Lines {
        text,
        starts: &starts,
        headings: &r.headings,
        skipped: &r.skipped,
    };
    find_items(&lines, &mut sections, patterns, false);
    let scanned = Scanned {
        headings: r.headings,
        skipped: r.skipped,
        resume: r.resume,
        frontmatter: old.frontmatter.clone(),
        sections: sections.clone(),
    };
    let parsed = Parsed {
        sections,
        checklist: Vec::new(),
    };
    (parsed, scanned)
}

/// One section as [`HashMarks`] keeps it.
#[derive(Debug, Clone)]
struct MarkedSection {
    range: Range<usize>,
    hash: u64,
    /// (offset in the document, state of the hash of the bytes from the section's start up
    /// to it), at line starts, in order.
    marks: Vec<(usize, u64)>,
}

/// How far apart [`HashMarks`] keeps the hasher's states in a section, at least.
const MARK_EVERY: usize = 2048;

/// FNV-1a's state before any byte.
const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// How [`parse_blocks`] hashes sections: each from its text alone ([`content_hash`]), or
/// (with marks) reusing what hashing the version before left where the bytes are the same.
struct SectionHasher<'a> {
    /// The version before's marks, and how many bytes the two versions share at their
    /// start and at their end (never overlapping in either).
    before: Option<(&'a HashMarks, usize, usize)>,
    /// The lengths of the version before and of this one.
    lens: (usize, usize),
    /// The marks of this version, when they are kept.
    out: Vec<MarkedSection>,
    /// Whether marks are kept (else each section is hashed from scratch).
    marking: bool,
}

impl<'a> SectionHasher<'a> {
    /// Each section hashed from its text alone, nothing kept.
    fn plain() -> SectionHasher<'static> {
        SectionHasher {
            before: None,
            lens: (0, 0),
            out: Vec::new(),
            marking: false,
        }
    }

    /// Hashing that keeps marks for the next version of `text`, and uses those of the
    /// version before (`before`: its text and marks).
    fn marking(text: &[u8], before: Option<(&[u8], &'a HashMarks)>) -> SectionHasher<'a> {
        let (before, old_len) = match before {
            Some((old, marks)) => {
                let prefix = crate::text::common_prefix(old, text);
                let suffix = crate::text::common_suffix(
                    old.get(prefix..).unwrap_or_default(),
                    text.get(prefix..).unwrap_or_default(),
                );
                (Some((marks, prefix, suffix)), old.len())
            }
            None => (None, 0),
        };
        SectionHasher {
            before,
            lens: (old_len, text.len()),
            out: Vec::new(),
            marking: true,
        }
    }

    /// The hash of section `range` of `text` ([`content_hash`] of its text).
    fn section(&mut self, text: &str, range: Range<usize>) -> u64 {
        let bytes = text.get(range.clone()).unwrap_or_default();
        if !self.marking {
            return content_hash(bytes);
        }
        let trimmed = bytes.trim_end().len();
        let (hash, marks) = self.reuse(text.as_bytes(), &range, range.start + trimmed);
        self.out.push(MarkedSection { range, hash, marks });
        hash
    }

    /// The hash and marks of section `range` (its text ending at `end` once trailing
    /// whitespace is left out): the version before's when it covered the same bytes, else
    /// hashed on from its last mark before the first difference, else from the start.
    fn reuse(&self, text: &[u8], range: &Range<usize>, end: usize) -> (u64, Vec<(usize, u64)>) {
        let mut marks = Vec::new();
        let Some((before, prefix, suffix)) = self.before else {
            let hash = hash_marked(FNV_START, text, range.start, end, &mut marks);
            return (hash, marks);
        };
        let (old_len, new_len) = self.lens;
        let find = |start: usize| {
            before
                .sections
                .binary_search_by_key(&start, |s| s.range.start)
                .ok()
                .and_then(|i| before.sections.get(i))
        };
        // The same bytes as before, at the same place (all before the first difference)
        // or moved by the length of the change (all after the last).
        if range.end <= prefix {
            if let Some(old) = find(range.start).filter(|o| o.range == *range) {
                return (old.hash, old.marks.clone());
            }
        }
        if range.start >= new_len - suffix {
            let moved = |at: usize| at + old_len - new_len;
            let back = |at: usize| at + new_len - old_len;
            if let Some(old) = find(moved(range.start)).filter(|o| o.range.end == moved(range.end))
            {
                let marks = old.marks.iter().map(|&(at, h)| (back(at), h)).collect();
                return (old.hash, marks);
            }
        }
        // Hashed on from the last mark at a line start the change comes after.
        let (mut from, mut state) = (range.start, FNV_START);
        if range.start < prefix {
            if let Some(old) = find(range.start) {
                let limit = prefix.min(end);
                for &(at, h) in old.marks.iter().take_while(|(at, _)| *at <= limit) {
                    marks.push((at, h));
                    (from, state) = (at, h);
                }
            }
        }
        let hash = hash_marked(state, text, from, end, &mut marks);
        (hash, marks)
    }
}

/// [`content_hash`]'s FNV-1a, taken on from `state` over `text[from..end]` (each CR of a
/// CRLF left out; `from` a line start or where the hash began, `end` not inside a CRLF),
/// with the state pushed to `marks` at the first line start [`MARK_EVERY`] bytes after
/// the last mark (or `from`).
fn hash_marked(
    mut state: u64,
    text: &[u8],
    mut from: usize,
    end: usize,
    marks: &mut Vec<(usize, u64)>,
) -> u64 {
    loop {
        let last = marks.last().map_or(from, |m| m.0).max(from);
        let next = (last + MARK_EVERY)
            .checked_sub(1)
            .and_then(|at| text.get(at..end))
            .and_then(|rest| memchr::memchr(b'\n', rest))
            .map(|i| last + MARK_EVERY + i)
            .filter(|&at| at < end);
        let Some(at) = next else {
            return fnv_lf(state, text.get(from..end).unwrap_or_default());
        };
        state = fnv_lf(state, text.get(from..at).unwrap_or_default());
        marks.push((at, state));
        from = at;
    }
}

/// FNV-1a from `state` over `bytes`, each CR followed by LF left out.
fn fnv_lf(state: u64, bytes: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut hasher = fnv::FnvHasher::with_key(state);
    // Runs between the CRs of CRLFs, each hashed whole (FNV-1a is byte by byte anyway);
    // the CRs are found with memchr (a substring search for "\r\n" cost as much as the
    // hashing in a long spec without any).
    let mut start = 0;
    for at in memchr::memchr_iter(b'\r', bytes) {
        if bytes.get(at + 1) == Some(&b'\n') {
            hasher.write(bytes.get(start..at).unwrap_or_default());
            start = at + 1;
        }
    }
    hasher.write(bytes.get(start..).unwrap_or_default());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::Rng;

    fn sections(text: &str) -> Vec<Section> {
        parse(text, IdPatterns::builtin(), false).sections
    }

    #[test]
    fn slugs_match_github() {
        let cases = [
            (
                "User Story 1 - Sign in (Priority: P1)",
                "user-story-1---sign-in-priority-p1",
            ),
            ("C++", "c"),
            ("Edge Cases", "edge-cases"),
            ("🎯 MVP scope", "-mvp-scope"),
            ("Phase 3: User Story 1 🎯 MVP", "phase-3-user-story-1--mvp"),
            ("Über  Größe", "über--größe"),
            ("snake_case and kebab-case", "snake_case-and-kebab-case"),
            ("FR-001: Login", "fr-001-login"),
            (
                "Key Entities *(include if data)*",
                "key-entities-include-if-data",
            ),
            ("日本語の見出し", "日本語の見出し"),
        ];
        for (heading, want) in cases {
            assert_eq!(slug(heading), want, "{heading}");
        }
    }

    #[test]
    fn duplicate_slugs_are_numbered_in_order() {
        let mut s = Slugger::default();
        let got: Vec<_> = ["Intro", "Intro", "Intro-1", "Intro"]
            .iter()
            .map(|h| s.slug(h))
            .collect();
        assert_eq!(got, ["intro", "intro-1", "intro-1-1", "intro-2"]);
    }

    #[test]
    fn heading_text_drops_inline_markup() {
        let text = "# The `flowgate` *gate* [docs](http://x) **now**\n\n## Key Entities *(include if data)*\n";
        let s = sections(text);
        assert_eq!(s[0].heading, "The flowgate gate docs now");
        assert_eq!(s[0].slug, "the-flowgate-gate-docs-now");
        assert_eq!(s[1].slug, "key-entities-include-if-data");
    }

    #[test]
    fn fenced_hash_lines_are_not_headings_and_setext_ones_are() {
        let text = "Title\n=====\n\n```sh\n# not a heading\n```\n\nSub\n---\ntext\n\n## Real\n";
        let s = sections(text);
        let got: Vec<_> = s
            .iter()
            .map(|s| (s.level, s.slug.as_str(), s.line))
            .collect();
        assert_eq!(got, [(1, "title", 1), (2, "sub", 8), (2, "real", 12)]);
        // Title spans the whole file, Sub ends where Real starts.
        assert_eq!(s[0].range, 0..text.len());
        assert_eq!(&text[s[1].range.clone()], "Sub\n---\ntext\n\n");
    }

    #[test]
    fn ids_are_defined_by_bold_list_and_heading_forms_only() {
        let text = "\
## Requirements

### Functional Requirements

- **FR-001**: System MUST do a.
- FR-002: System MUST do b, see FR-009.
**NFR-1** is fast
* [ ] **SC-001**: measurable

Prose mentioning FR-003 and **FR-004** inside.

<!--
- **FR-005**: only an example in a comment
-->

```
- **FR-006**: in code
```

### FR-7: Heading requirement

## SPEC-001: Whole spec

### User Story 2 - Checkout (Priority: P2)
";
        let s = sections(text);
        let ids: Vec<(&str, Vec<&str>)> = s
            .iter()
            .map(|s| (s.slug.as_str(), s.ids.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            ids,
            [
                ("requirements", vec![]),
                (
                    "functional-requirements",
                    vec!["FR-001", "FR-002", "NFR-1", "SC-001"]
                ),
                ("fr-7-heading-requirement", vec!["FR-7"]),
                ("spec-001-whole-spec", vec!["SPEC-001"]),
                ("user-story-2---checkout-priority-p2", vec!["US2"]),
            ]
        );
    }

    #[test]
    fn configured_patterns_add_id_forms() {
        let p = IdPatterns::new(&[r"REQ-[A-Z]+-\d+".into(), "(".into()]);
        let s = parse("## R\n\n- **REQ-AUTH-1**: x\n- FR-1: y\n", &p, false).sections;
        assert_eq!(s[0].ids, ["REQ-AUTH-1", "FR-1"]);
    }

    #[test]
    fn checklist_lines_are_read() {
        let text = "---\n\ndescription: x\n---\n# Tasks\n\n- [ ] T001 Create project\n- [x] T012 [P] [US1] Model in src/m.py\n- [X] T013 [US2] Service\n- [ ] TXXX placeholder\n  - [ ] T020 [P] nested\n";
        let parsed = parse(text, IdPatterns::builtin(), true);
        assert_eq!(parsed.sections.len(), 1, "frontmatter is not a heading");
        let got: Vec<_> = parsed
            .checklist
            .iter()
            .map(|t| {
                (
                    t.id.as_str(),
                    t.parallel,
                    t.story.as_deref(),
                    t.done,
                    t.text.as_str(),
                    t.line,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("T001", false, None, false, "Create project", 7),
                ("T012", true, Some("US1"), true, "Model in src/m.py", 8),
                ("T013", false, Some("US2"), true, "Service", 9),
                ("T020", true, None, false, "nested", 11),
            ]
        );
    }

    #[test]
    fn content_hash_ignores_line_endings() {
        let lf = sections("## A\n\nbody\n\n## B\n");
        let crlf = sections("## A\r\n\r\nbody\r\n\r\n## B\r\n");
        assert_eq!(lf[0].content_hash, crlf[0].content_hash);
        assert_ne!(lf[0].content_hash, lf[1].content_hash);
        assert_eq!(content_hash("abc"), 0xe71f_a219_0541_574b);
        // Persisted in `spec_reviewed:`: these values must never change.
        assert_eq!(
            content_hash("line one\r\nline two\r\n\r\nend \r\r\n  "),
            0xd0db_6e81_3abd_a55c
        );
        assert_eq!(content_hash("a\rb\r\n"), 0xe5ad_b319_0407_76a3);
    }

    /// [`IdPatterns::line_id`] by the capture searches alone (no check of the first
    /// character, no match test first).
    fn line_id_by_regex(p: &IdPatterns, line: &str) -> Option<String> {
        if !line.contains("**") && !line.contains(':') {
            return None;
        }
        p.bold
            .captures(line)
            .or_else(|| p.plain.captures(line))
            .and_then(|c| c.name("id"))
            .map(|m| m.as_str().to_string())
    }

    #[test]
    fn line_ids_found_after_the_first_character_check_as_by_the_regexes() {
        let patterns = IdPatterns::new(&[r"REQ-[0-9]+".to_string(), r"[a-z]+:[0-9]+".to_string()]);
        let heads = ["", " ", "\t", "  \t", "x", "A "];
        let markers = [
            "", "- ", "* ", "+ ", "1. ", "12) ", "-", "1 ", "[ ] ", "- [x] ", "* [X]\t",
        ];
        let bodies = [
            "**FR-001**: Login.",
            "**FR-001:** Login.",
            "FR-002: Lock.",
            "REQ-7: Custom.",
            "req:12 and more",
            "**Given** a, **When** b",
            "Revision 1: kept.",
            "**NFR-3**",
            "SC-004 : spaced",
            "plain prose",
        ];
        for h in heads {
            for m in markers {
                for b in bodies {
                    let line = format!("{h}{m}{b}");
                    assert_eq!(
                        patterns.line_id(&line),
                        line_id_by_regex(&patterns, &line),
                        "{line:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn builtin_line_ids_read_by_hand_as_by_the_regexes() {
        let patterns = IdPatterns::builtin();
        assert!(patterns.builtin_only);
        assert!(IdPatterns::new(&[]).builtin_only);
        assert!(!IdPatterns::new(&[r"REQ-[0-9]+".to_string()]).builtin_only);
        let heads = ["", " ", "\t", "  \t", "x", "ü "];
        let markers = [
            "",
            "- ",
            "* ",
            "+ ",
            "1. ",
            "12) ",
            "123456789. ",
            "1234567890. ",
            "-",
            "*",
            "1 ",
            "1.",
            "a. ",
            "-\t\t",
            "- - ",
        ];
        let boxes = ["", "[ ] ", "[x]\t", "[X] ", "[y] ", "[ ]", "[x]  [ ] "];
        let mut found = 0;
        let bodies = [
            "**FR-001**: Login.",
            "**FR-001:** Login.",
            "**FR-001::** Login.",
            "**FR-001 **",
            "**FR-**",
            "**fr-1**",
            "***FR-1**",
            "**SC-12**",
            "**NFR-3**",
            "**SPEC-004:**",
            "**SPEC004**",
            "FR-002: Lock.",
            "FR-002 \t: Lock.",
            "FR-002 - Lock: x",
            "FR-: x",
            "NFR-10:",
            "SPEC-1:x",
            "SC-004 : spaced",
            "REQ-7: Custom.",
            "**Given** a, **When** b",
            "Revision 1: kept.",
            "plain prose",
            "",
        ];
        for h in heads {
            for m in markers {
                for x in boxes {
                    for b in bodies {
                        let line = format!("{h}{m}{x}{b}");
                        let id = patterns.line_id(&line);
                        assert_eq!(id, line_id_by_regex(patterns, &line), "{line:?}");
                        found += usize::from(id.is_some());
                    }
                }
            }
        }
        assert!(found > 500, "{found}");
    }

    #[test]
    fn ascii_slugs_as_by_the_unicode_mapping() {
        let every_ascii: String = (0u8..128).map(char::from).collect();
        for h in [
            every_ascii.as_str(),
            "User Story 1 - Sign in (Priority: P1)",
            "Key Entities *(include if data)*",
            "snake_case and kebab-case",
        ] {
            assert_eq!(slug(h), slug_by_chars(h), "{h:?}");
        }
    }

    /// The hash as first written: a substring search for each CRLF.
    fn content_hash_by_search(text: &str) -> u64 {
        use std::hash::Hasher;
        let mut hasher = fnv::FnvHasher::default();
        let mut rest = text.trim_end();
        while let Some(at) = rest.find("\r\n") {
            hasher.write(&rest.as_bytes()[..at]);
            rest = &rest[at + 1..];
        }
        hasher.write(rest.as_bytes());
        hasher.finish()
    }

    #[test]
    fn content_hash_with_memchr_is_the_hash_by_substring_search() {
        let pieces = ["a", "\r", "\n", "\r\n", " ", "\t", "é", "\r\r\n", "\n\r"];
        // Every string of up to four pieces.
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = texts
                .iter()
                .flat_map(|t| pieces.iter().map(move |p| format!("{t}{p}")))
                .collect();
            texts.extend(longer);
        }
        texts.push("## A\r\n\r\nbody\r\nmore\rtext\r\n\r\n".repeat(50));
        for t in &texts {
            assert_eq!(content_hash(t), content_hash_by_search(t), "{t:?}");
        }
    }

    /// The lines the generated documents are made of: what the line scanner reads, and
    /// everything that makes it hand the document to pulldown-cmark.
    const PIECES: &[&str] = &[
        "# Title",
        "## User Scenarios & Testing *(mandatory)*",
        "### FR-001: Login",
        "### User Story 2 - Checkout (Priority: P2)",
        "## `code` [link](x) ![img *a*](y) **bold**",
        "# Title #",
        "#",
        "#hashtag",
        "####### seven",
        "\\# escaped",
        "# &amp; entity &copy;",
        "#\tTab heading",
        "# Heading with ```",
        "  ## indented",
        "- **FR-001**: Sign in.",
        "- FR-002: Lock out.",
        "  continued",
        "1. **Given** a, **When** b",
        "10. ten",
        "2) paren",
        "  - nested",
        "   three",
        "    four spaces",
        "\tcode",
        "-     five after marker",
        "- # heading in a list",
        "- ```",
        "- [ ] T001 [P] Create project",
        "- [x] T012 [US1] Model",
        "prose FR-003 and **FR-004**",
        "~~strike~~",
        "```",
        "```sh",
        "``` a`b",
        "````",
        "   ```",
        "    ```",
        "~~~",
        "~~~ info ``` x",
        "<!-- comment -->",
        "<div>",
        "text <!--",
        "-->",
        "> quote",
        "---",
        "===",
        "-",
        "* * *",
        "___",
        "| a | b |",
        "[ref]: /url",
        "See [ref] and [x][ref]",
        "",
        "   ",
        "Setext title",
    ];

    /// A document of up to 14 lines from [`PIECES`], with LF, CRLF and now and then a
    /// lone CR, a missing final newline, a frontmatter block or a byte order mark.
    fn generated(rng: &mut Rng) -> String {
        let mut text = String::new();
        match rng.below(20) {
            0 => text.push_str("---\nkey: value\n---\n"),
            1 => text.push('\u{feff}'),
            _ => {}
        }
        let crlf = rng.below(4) == 0;
        for _ in 0..rng.below(15) {
            text.push_str(PIECES[rng.below(PIECES.len())]);
            text.push_str(match rng.below(40) {
                0 => "\r",
                _ if crlf => "\r\n",
                _ => "\n",
            });
        }
        if rng.below(5) == 0 {
            text.pop();
        }
        text
    }

    #[test]
    fn line_scanner_reads_generated_documents_as_pulldown_cmark() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let patterns = IdPatterns::builtin();
        let mut scanned = 0;
        for _ in 0..40_000 {
            let text = generated(&mut rng);
            assert_eq!(
                parse(&text, patterns, true),
                parse_by_pulldown(&text, patterns, true),
                "{text:?}"
            );
            scanned += usize::from(scan_lines(&text).is_some());
        }
        // Most documents hold something the scanner hands over; enough do not.
        assert!(scanned > 4_000, "{scanned}");
    }

    #[test]
    fn line_scanner_reads_spec_kit_documents_and_hands_over_the_rest() {
        let spec = "# Feature Specification: Login\n\n**Feature Branch**: `001-login`\n\n## User Scenarios & Testing *(mandatory)*\n\n### User Story 1 - Sign in (Priority: P1)\n\nA user signs in.\n\n1. **Given** a user, **When** b, **Then** c.\n\n```text\n# not a heading\n```\n\n## Requirements\n\n- **FR-001**: System MUST sign in.\n  With email.\n- FR-002: Lock out.\n\n## Requirements\n";
        assert!(scan_lines(spec).is_some());
        let parsed = parse(spec, IdPatterns::builtin(), false);
        assert_eq!(
            parsed,
            parse_by_pulldown(spec, IdPatterns::builtin(), false)
        );
        let slugs: Vec<_> = parsed.sections.iter().map(|s| s.slug.as_str()).collect();
        assert_eq!(
            slugs,
            [
                "feature-specification-login",
                "user-scenarios--testing-mandatory",
                "user-story-1---sign-in-priority-p1",
                "requirements",
                "requirements-1"
            ]
        );
        for handed_over in [
            "Title\n=====\n",
            "# A\n\n    code\n",
            "# A\n<!--\n# B\n-->\n",
            "> # quoted\n",
            "- # in a list\n",
            "| a |\n|---|\n",
            "[x]: /url\n# [x]\n",
            "# A\r# B\n",
            "\u{feff}# A\n",
            "   ```\n# B\n```\n",
            "``` a`b\n# B\n",
        ] {
            assert!(scan_lines(handed_over).is_none(), "{handed_over:?}");
        }
    }

    #[test]
    fn each_listed_requirement_is_an_item_with_its_own_hash() {
        let text = "## Requirements\n\n- **FR-001**: Sign in.\n  With email.\n- **FR-002**: Lock out.\n\nClosing prose.\n## Next\n";
        let items = |t: &str| {
            let s = sections(t);
            s[0].items
                .iter()
                .map(|i| (i.id.clone(), t[i.range.clone()].to_string(), i.content_hash))
                .collect::<Vec<_>>()
        };
        let before = items(text);
        assert_eq!(
            before
                .iter()
                .map(|(id, t, _)| (id.as_str(), t.as_str()))
                .collect::<Vec<_>>(),
            [
                ("FR-001", "- **FR-001**: Sign in.\n  With email.\n"),
                ("FR-002", "- **FR-002**: Lock out.\n"),
            ]
        );
        let after = items(&text.replace("Lock out.", "Lock out after 3."));
        assert_eq!(before[0].2, after[0].2);
        assert_ne!(before[1].2, after[1].2);
        // A requirement defined by a heading is the heading's section, not an item.
        assert!(sections("### FR-009: Audit\n\nText.\n")[0].items.is_empty());
    }

    /// Checks that every mark of `marks` is the hash of its section's text up to it, and
    /// that the sections are the parse's.
    fn assert_marks_true(text: &str, parsed: &Parsed, marks: &HashMarks) {
        let ranges: Vec<_> = marks.sections.iter().map(|m| m.range.clone()).collect();
        let want: Vec<_> = parsed.sections.iter().map(|s| s.range.clone()).collect();
        assert_eq!(ranges, want, "{text:?}");
        for m in &marks.sections {
            for &(at, state) in &m.marks {
                assert_eq!(text.as_bytes().get(at.wrapping_sub(1)), Some(&b'\n'));
                let bytes = text.as_bytes().get(m.range.start..at).unwrap_or_default();
                assert_eq!(fnv_lf(FNV_START, bytes), state, "mark at {at} of {text:?}");
            }
        }
    }

    /// Parses each of `versions` after the one before it, and checks each against a
    /// parse from scratch (and each version's marks against its text); returns how many
    /// marks were made, how many versions were read again only around the change, and how
    /// many of those from inside a section (not from its heading).
    fn assert_parsed_after_as_from_scratch(versions: &[String]) -> (usize, usize, usize) {
        let patterns = IdPatterns::builtin();
        let mut before: Option<(&str, HashMarks)> = None;
        let (mut marked, mut rescanned, mut inside) = (0, 0, 0);
        for text in versions {
            if let Some((old, marks)) = &before {
                let hasher = SectionHasher::marking(text.as_bytes(), Some((old.as_bytes(), marks)));
                if let (Some((_, prefix, suffix)), Some(scanned)) = (hasher.before, &marks.scanned)
                {
                    if let Some(r) = rescan(text, old.len(), scanned, prefix, suffix) {
                        rescanned += 1;
                        let heading = |h: &Heading| h.range.start == r.lines.start;
                        inside += usize::from(!scanned.headings.iter().any(heading));
                    }
                }
            }
            let (parsed, marks) = parse_after(
                text,
                patterns,
                false,
                before.as_ref().map(|(t, m)| (t.as_bytes(), m)),
            );
            assert_eq!(parsed, parse(text, patterns, false), "{text:?}");
            assert_marks_true(text, &parsed, &marks);
            marked += marks.sections.iter().map(|m| m.marks.len()).sum::<usize>();
            before = Some((text, marks));
        }
        (marked, rescanned, inside)
    }

    /// A line of a generated spec: one of [`PIECES`] or a long paragraph.
    fn spec_line(rng: &mut Rng) -> String {
        match rng.below(40) {
            0..=9 => (0..rng.below(120))
                .map(|i| ["word ", "Revision é ", "FR-1 ", "**b** ", "\t"][i % 5])
                .collect(),
            10..=19 => format!(
                "- **FR-{:03}**: System MUST do {}.",
                rng.below(40),
                rng.below(9)
            ),
            20..=24 => format!("{} Section {}", "#".repeat(1 + rng.below(3)), rng.below(12)),
            25..=27 => "  continued".to_string(),
            28 | 29 => "```".to_string(),
            30..=38 => String::new(),
            // Now and then anything, mostly what makes the scanner hand over.
            _ => PIECES[rng.below(PIECES.len())].to_string(),
        }
    }

    /// One random edit of `lines`: lines replaced, inserted or removed, text put into or
    /// cut out of the middle of a line, at the start or the end of the document.
    fn edit(rng: &mut Rng, lines: &mut Vec<String>) {
        let n = lines.len();
        let at = rng.below(n + 1);
        match rng.below(9) {
            0 => lines.insert(at, spec_line(rng)),
            1 if at < n => {
                lines.drain(at..(at + 1 + rng.below(4)).min(n));
            }
            2 if at < n => lines[at] = spec_line(rng),
            3 if at < n => {
                let line = &mut lines[at];
                let cut = (0..=line.len()).filter(|&i| line.is_char_boundary(i));
                let cuts: Vec<usize> = cut.collect();
                let i = cuts[rng.below(cuts.len())];
                let insert = [" Revision 7: kept.", "#", "```", " ", "**", "\r", "é"];
                line.insert_str(i, insert[rng.below(insert.len())]);
            }
            4 if at < n => {
                let line = &mut lines[at];
                let cuts: Vec<usize> = (0..=line.len())
                    .filter(|&i| line.is_char_boundary(i))
                    .collect();
                let (a, b) = (cuts[rng.below(cuts.len())], cuts[rng.below(cuts.len())]);
                line.replace_range(a.min(b)..a.max(b), "");
            }
            5 => lines.push(spec_line(rng)),
            6 => lines.insert(0, spec_line(rng)),
            7 if n > 0 => {
                lines.pop();
            }
            _ => {
                let s = format!("- Clarification {n}: the limit is {at}.");
                lines.push(s);
            }
        }
    }

    #[test]
    fn sections_hashed_after_the_version_before_as_from_scratch() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let (mut marked, mut rescanned, mut inside) = (0, 0, 0);
        for round in 0..40 {
            let ending = ["\n", "\r\n"][round % 2];
            let mut lines: Vec<String> = (0..rng.below(200)).map(|_| spec_line(&mut rng)).collect();
            let mut versions = Vec::new();
            for _ in 0..30 {
                edit(&mut rng, &mut lines);
                let mut text = lines.join(ending);
                if rng.below(3) > 0 {
                    text.push_str(ending);
                }
                versions.push(text);
            }
            let (m, r, i) = assert_parsed_after_as_from_scratch(&versions);
            (marked, rescanned, inside) = (marked + m, rescanned + r, inside + i);
        }
        assert!(marked > 1000, "{marked}");
        assert!(rescanned > 200 && inside > 10, "{rescanned} {inside}");
    }

    #[test]
    fn a_churned_spec_hashed_version_after_version_as_from_scratch() {
        // The bench generator's spec-churn shape: clarifications appended, requirements
        // and stories reworded, in one long document.
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let (mut clarifications, mut fr, mut story) = (0, [0usize; 15], [0usize; 3]);
        let mut versions = Vec::new();
        for _ in 0..400 {
            match rng.below(5) {
                0 | 1 => clarifications += 1,
                2 | 3 => fr[rng.below(15)] += 1,
                _ => story[rng.below(3)] += 1,
            }
            let mut t = String::from("# Feature Specification: Checkout\n\n**Feature Branch**: `001-checkout`\n\n## User Scenarios & Testing *(mandatory)*\n\n");
            for (n, revs) in story.iter().enumerate() {
                t += &format!(
                    "### User Story {} - Pay (Priority: P{})\n\nA user pays.",
                    n + 1,
                    n + 1
                );
                for r in 0..*revs {
                    t += &format!(" Revision {}: the cart is kept.", r + 1);
                }
                t += "\n\n1. **Given** a cart, **When** saved, **Then** listed.\n\n";
            }
            t += "## Requirements *(mandatory)*\n\n### Functional Requirements\n\n";
            for (i, revs) in fr.iter().enumerate() {
                t += &format!(
                    "- **FR-{:03}**: System MUST pay (revision {revs}).\n",
                    i + 1
                );
            }
            t += "\n## Assumptions\n\n- The service is available.\n";
            for e in 0..clarifications {
                t += &format!("- Clarification {}: the limit is {}.\n", e + 1, e + 10);
            }
            versions.push(t);
        }
        let (marked, rescanned, inside) = assert_parsed_after_as_from_scratch(&versions);
        assert!(marked > 1_000, "{marked}");
        assert_eq!(rescanned, versions.len() - 1);
        assert!(inside > 50, "{inside}");
    }

    #[test]
    fn sections_hashed_after_edits_at_the_edges_and_of_headings() {
        let body = "Some text that goes on.\n".repeat(200);
        let doc = |head: &str, tail: &str| {
            format!("{head}# Title\n\n{body}## Intro\n\n{body}```\n## not a heading\n```\n## Intro\n\n{body}{tail}")
        };
        let versions = [
            doc("", ""),
            doc("x", ""),
            doc("", "end"),
            doc("", "end\n\n\n"),
            doc("", ""),
            doc("", "").replacen("## Intro", "## Intro renamed", 1),
            doc("", "").replacen("## Intro", "### Intro", 1),
            doc("", "").replacen("## Intro", "Intro", 1),
            doc("", "").replacen("```\n## not", "## not", 1),
            doc("", "").replacen("```\n## not", "```\n```\n## not", 1),
            doc("", "").replace('\n', "\r\n"),
            doc("", "").replace('\n', "\r\n").replacen("\r\n", "\n", 3),
            doc("---\nkey: value\n---\n", ""),
            doc("", "").replacen("Some text", "Title\n=====\n", 1),
            doc("", ""),
            String::new(),
            doc("", ""),
        ];
        let (marked, rescanned, _) = assert_parsed_after_as_from_scratch(&versions);
        assert!(marked > 20 && rescanned > 3, "{marked} {rescanned}");
    }
}

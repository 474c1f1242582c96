//! Splitting a task file into frontmatter and body, and reading the frontmatter YAML.
//!
//! Backlog.md reads frontmatter with gray-matter: the file must start with a `---` line
//! (after an optional BOM) and the YAML ends at the next `---` line. CRLF line ends are
//! fine. Before parsing, Backlog.md quotes unquoted `assignee:` / `reporter:` scalars so
//! that `assignee: @alice` (a YAML syntax error as written) reads as `"@alice"`; flowgate
//! does the same, and also quotes `@user` items of a flow list on those lines.

use std::borrow::Cow;

use serde_norway::{Mapping, Value};

use crate::finding::Position;

/// A task file cut into its frontmatter and body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split<'a> {
    /// The YAML text between the two `---` lines.
    pub yaml: &'a str,
    /// 1-based file line of the first YAML line.
    pub yaml_line: u32,
    /// 1-based file line of the closing `---`.
    pub close_line: u32,
    /// Everything after the closing `---` line.
    pub body: &'a str,
    /// 1-based file line where the body starts.
    pub body_line: u32,
}

/// Why a file has no usable frontmatter block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitError {
    /// The file does not start with a `---` line.
    Missing,
    /// `---` comes only after blank lines (Backlog.md then sees no frontmatter); the line.
    LeadingBlankLines(u32),
    /// The opening `---` has no closing `---`.
    Unterminated,
}

/// Iterates lines with their 1-based number and byte offset; the `\n` is dropped and a
/// trailing `\r` kept out of the line text.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = (u32, usize, &str)> {
    let mut offset = 0;
    let mut number = 0u32;
    std::iter::from_fn(move || {
        if offset >= text.len() {
            return None;
        }
        let rest = text.get(offset..)?;
        let (line, consumed) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(i) => (&rest[..i], i + 1),
            None => (rest, rest.len()),
        };
        let start = offset;
        offset += consumed;
        number += 1;
        Some((number, start, line.strip_suffix('\r').unwrap_or(line)))
    })
}

fn is_delimiter(line: &str) -> bool {
    line.trim_end() == "---"
}

/// Cuts `text` (already decoded, BOM dropped) into frontmatter and body.
pub fn split(text: &str) -> Result<Split<'_>, SplitError> {
    let mut it = lines(text);
    let Some((_, _, first)) = it.next() else {
        return Err(SplitError::Missing);
    };
    if !is_delimiter(first) {
        if first.trim().is_empty() {
            for (n, _, line) in lines(text) {
                if is_delimiter(line) {
                    return Err(SplitError::LeadingBlankLines(n));
                }
                if !line.trim().is_empty() {
                    break;
                }
            }
        }
        return Err(SplitError::Missing);
    }
    let yaml_start = text.find('\n').map_or(text.len(), |i| i + 1);
    for (n, start, line) in it {
        if is_delimiter(line) {
            let body_start = text[start..]
                .find('\n')
                .map_or(text.len(), |i| start + i + 1);
            return Ok(Split {
                yaml: &text[yaml_start..start],
                yaml_line: 2,
                close_line: n,
                body: &text[body_start..],
                body_line: n + 1,
            });
        }
    }
    Err(SplitError::Unterminated)
}

/// Where one top-level key of the frontmatter stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLoc<'a> {
    /// The key's position (line, column 1, the key's length).
    pub key: Position,
    /// The value on the key's line; when empty, the spot right after the colon.
    pub value: Position,
    /// Block list items (`  - x`) on the following lines, the item text's position.
    pub items: Vec<Position>,
    /// The value text on the key's line (trimmed).
    pub inline: &'a str,
}

impl KeyLoc<'_> {
    /// Where item `index` of this key's value stands: a block list item, else the place
    /// of `text` on the key's line (a flow list), else the inline value.
    pub fn item(&self, index: usize, text: &str) -> Position {
        if let Some(p) = self.items.get(index) {
            return *p;
        }
        if let Some(byte) = self.inline.find(text).filter(|_| !text.is_empty()) {
            let col = self.value.column + self.inline[..byte].chars().count() as u32;
            return Position::new(self.value.line, col, text.chars().count() as u32);
        }
        self.value
    }
}

/// Positions of the top-level keys of a frontmatter block, found by scanning its lines
/// (serde's YAML values carry no positions).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyIndex<'a> {
    keys: Vec<(&'a str, KeyLoc<'a>)>,
}

impl<'a> KeyIndex<'a> {
    /// Scans `yaml`, whose first line is file line `first_line`.
    pub fn scan(yaml: &'a str, first_line: u32) -> KeyIndex<'a> {
        let mut keys: Vec<(&str, KeyLoc)> = Vec::new();
        for (n, _, line) in lines(yaml) {
            let file_line = first_line + n - 1;
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            if let Some(item) = trimmed.strip_prefix('-') {
                if item.is_empty() || item.starts_with([' ', '\t']) {
                    if let Some((_, loc)) = keys.last_mut() {
                        let text = item.trim();
                        let indent = line.len() - item.trim_start().len();
                        let col = line[..indent].chars().count() as u32 + 1;
                        loc.items
                            .push(Position::new(file_line, col, text.chars().count() as u32));
                    }
                    continue;
                }
            }
            if line.starts_with([' ', '\t']) {
                continue;
            }
            let Some(colon) = line.find(':') else {
                continue;
            };
            let key = line[..colon].trim().trim_matches(['"', '\'']);
            let after = &line[colon + 1..];
            let value = after.trim();
            let lead = after.len() - after.trim_start().len();
            let value_col = line[..colon + 1 + lead].chars().count() as u32 + 1;
            keys.push((
                key,
                KeyLoc {
                    key: Position::new(file_line, 1, key.chars().count() as u32),
                    value: Position::new(file_line, value_col, value.chars().count() as u32),
                    items: Vec::new(),
                    inline: value,
                },
            ));
        }
        KeyIndex { keys }
    }

    /// The location of top-level `key` (the first, when repeated).
    pub fn get(&self, key: &str) -> Option<&KeyLoc<'a>> {
        self.keys.iter().find(|(k, _)| *k == key).map(|(_, l)| l)
    }
}

/// A YAML syntax error, located in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// What the YAML parser said, without its own location suffix.
    pub message: String,
    /// Where, in file lines and columns.
    pub pos: Position,
    /// How to fix it, when more can be said than "fix the YAML on this line".
    pub help: Option<&'static str>,
}

/// How deep `[` / `{` may nest in a frontmatter block. Task fields are scalars or lists
/// of scalars; the YAML parser's time grows with the square of the nesting depth, so a
/// deeper block is refused before it reaches the parser.
pub const MAX_NESTING: usize = 64;

/// The first place where `[` / `{` nest deeper than [`MAX_NESTING`], counted over the
/// whole block (quotes are not skipped: a refusal then errs on the safe side).
fn too_deep(yaml: &str, first_line: u32) -> Option<YamlError> {
    let mut depth = 0usize;
    for (n, _, line) in lines(yaml) {
        for (column, c) in line.chars().enumerate() {
            match c {
                '[' | '{' => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Some(YamlError {
                            message: format!(
                                "`[` and `{{` nest more than {MAX_NESTING} levels deep here"
                            ),
                            pos: Position::new(first_line + n - 1, column as u32 + 1, 1),
                            help: Some(
                                "task fields are plain values or lists of plain values: remove the extra `[` / `{`, or quote the text that holds them",
                            ),
                        });
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    None
}

/// Quotes unquoted `assignee:` / `reporter:` values, as Backlog.md does before parsing,
/// and `@user` items in a flow list on those lines.
pub fn preprocess(yaml: &str) -> Cow<'_, str> {
    if !yaml.contains('@') {
        return Cow::Borrowed(yaml);
    }
    let mut out = String::with_capacity(yaml.len() + 16);
    let mut changed = false;
    for piece in yaml.split_inclusive('\n') {
        let (line, end) = match piece.strip_suffix('\n') {
            Some(l) => match l.strip_suffix('\r') {
                Some(l) => (l, "\r\n"),
                None => (l, "\n"),
            },
            None => (piece, ""),
        };
        match quote_people(line) {
            Some(fixed) => {
                out.push_str(&fixed);
                changed = true;
            }
            None => out.push_str(line),
        }
        out.push_str(end);
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(yaml)
    }
}

fn quote_people(line: &str) -> Option<String> {
    let trimmed = line.trim_start();
    let key_len = ["assignee:", "reporter:"]
        .iter()
        .find(|k| trimmed.starts_with(**k))?
        .len();
    let indent = line.len() - trimmed.len();
    let prefix_end = indent + key_len;
    let rest = &line[prefix_end..];
    let value = rest.trim();
    if value.is_empty() || value.starts_with(['\'', '"', '-']) {
        return None;
    }
    let lead = &rest[..rest.len() - rest.trim_start().len()];
    let head = &line[..prefix_end];
    if let Some(inner) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        if !inner.contains('@') {
            return None;
        }
        let items: Vec<String> = inner
            .split(',')
            .map(|item| {
                let item = item.trim();
                if item.starts_with('@') {
                    format!("\"{}\"", item.replace('"', "\\\""))
                } else {
                    item.to_string()
                }
            })
            .collect();
        return Some(format!("{head}{lead}[{}]", items.join(", ")));
    }
    if value.starts_with('[') {
        return None;
    }
    Some(format!(
        "{head}{lead}\"{}\"",
        value.replace('\\', "\\\\").replace('"', "\\\"")
    ))
}

/// Parses frontmatter YAML (first line = file line `first_line`) into a mapping.
/// An empty block is an empty mapping.
pub fn parse_yaml(yaml: &str, first_line: u32) -> Result<Mapping, YamlError> {
    if let Some(map) = fast_parse(yaml) {
        return Ok(map);
    }
    if let Some(e) = too_deep(yaml, first_line) {
        return Err(e);
    }
    let yaml = preprocess(yaml);
    match serde_norway::from_str::<Value>(&yaml) {
        Ok(Value::Mapping(m)) => Ok(m),
        Ok(Value::Null) => Ok(Mapping::new()),
        Ok(_) => Err(YamlError {
            message: "the frontmatter is not a list of `key: value` lines".into(),
            pos: Position::line(first_line, 0),
            help: None,
        }),
        Err(e) => {
            let message = super::config::strip_location(&e.to_string());
            let pos = match e.location() {
                Some(loc) => Position::new(
                    first_line + (loc.line().max(1) as u32) - 1,
                    loc.column().max(1) as u32,
                    0,
                ),
                None => Position::line(first_line, 0),
            };
            Err(YamlError {
                message,
                pos,
                help: None,
            })
        }
    }
}

/// Parses the plain subset of YAML that Backlog.md writes (`key: scalar`,
/// `key: [a, b]`, `key:` followed by `  - item` lines, simple quoting) without the full
/// YAML parser, which costs an order of magnitude more per file. Returns `None` at the
/// first thing outside that subset; the caller then uses the full parser, so results
/// never differ.
pub fn fast_parse(yaml: &str) -> Option<Mapping> {
    // YAML refuses control characters (the full parser reports them), and only spaces and
    // tabs are blanks to it, where Rust's `trim` also strips Unicode spaces.
    let ascii = yaml.is_ascii();
    let printable = if ascii {
        // The common case, a byte at a time: the ASCII characters of the test below.
        yaml.bytes()
            .all(|b| matches!(b, b'\t' | b'\n' | b'\r' | b' '..=b'~'))
    } else {
        yaml.chars()
            .all(|c| yaml_printable(c) && (c.is_ascii() || !c.is_whitespace()))
    };
    if !printable {
        return None;
    }
    let has_at = yaml.contains('@');
    let mut map = Mapping::new();
    let mut list: Option<(String, Vec<Value>)> = None;
    let mut item_indent: Option<usize> = None;
    for (_, _, line) in lines(yaml) {
        // Tabs, and line breaks other than LF / CRLF (a lone CR, NEL, LS, PS: YAML breaks
        // lines there too), are left to the full parser.
        let odd_blank = line.bytes().any(|b| b == b'\t' || b == b'\r')
            || (!ascii && line.contains(['\u{85}', '\u{2028}', '\u{2029}']));
        if odd_blank {
            return None;
        }
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(item) = trimmed
            .strip_prefix("- ")
            .or((trimmed == "-").then_some(""))
        {
            // Backlog.md quotes `@user` only on the key's own line, not in block items.
            let (_, items) = list.as_mut()?;
            // Items of one list share one indentation; a line indented otherwise is
            // something else to YAML (e.g. a continuation of the previous item).
            let indent = line.len() - trimmed.len();
            if *item_indent.get_or_insert(indent) != indent {
                return None;
            }
            items.push(fast_scalar(item.trim(), "")?);
            continue;
        }
        if line.starts_with(' ') {
            return None;
        }
        if let Some((key, items)) = list.take() {
            let value = if items.is_empty() {
                Value::Null
            } else {
                Value::Sequence(items)
            };
            insert(&mut map, key, value)?;
        }
        item_indent = None;
        let colon = line.find(':')?;
        let key = &line[..colon];
        // YAML reads a plain key only within 1024 characters of its start (longer ones
        // are errors to the full parser).
        if key.is_empty()
            || key.len() > 1000
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return None;
        }
        // A key YAML reads as a number, boolean or null (`12:`, `true:`) is not a string.
        if !matches!(scalar(key, ""), Some(Scalar::Str(s)) if s == key) {
            return None;
        }
        let rest = &line[colon + 1..];
        if !(rest.is_empty() || rest.starts_with(' ')) {
            return None;
        }
        let value = rest.trim();
        if value.is_empty() {
            list = Some((key.to_string(), Vec::new()));
            continue;
        }
        let parsed = match value.strip_prefix('[') {
            Some(inner) => {
                let inner = inner.strip_suffix(']')?;
                let mut items = Vec::new();
                if !inner.trim().is_empty() {
                    for item in inner.split(',') {
                        items.push(fast_scalar(item.trim(), key)?);
                    }
                }
                Value::Sequence(items)
            }
            None => {
                let parsed = scalar(value, key)?;
                // Backlog.md quotes a plain `assignee:` / `reporter:` value in a block
                // that holds an `@` anywhere ([`preprocess`]): then `reporter: 1` is the
                // string "1". Leave what the quoting would change to the full parser.
                let people = key == "assignee" || key == "reporter";
                if people && has_at && !matches!(parsed, Scalar::Str(s) if s == value) {
                    return None;
                }
                parsed.into_value()
            }
        };
        insert(&mut map, key.to_string(), parsed)?;
    }
    if let Some((key, items)) = list.take() {
        let value = if items.is_empty() {
            Value::Null
        } else {
            Value::Sequence(items)
        };
        insert(&mut map, key, value)?;
    }
    Some(map)
}

/// The characters a YAML stream may hold (YAML 1.1 `c-printable`, as libyaml checks it).
fn yaml_printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
        || c >= '\u{10000}'
}

/// Adds `key`; `None` when it was there already (YAML refuses a repeated key).
fn insert(map: &mut Mapping, key: String, value: Value) -> Option<()> {
    map.insert(Value::String(key), value)
        .is_none()
        .then_some(())
}

/// One scalar of the fast subset, as YAML reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scalar<'a> {
    /// A string (a quoted one without its quotes).
    Str(&'a str),
    /// An unsigned integer.
    Int(u64),
}

impl Scalar<'_> {
    fn into_value(self) -> Value {
        match self {
            Scalar::Str(s) => Value::String(s.to_string()),
            Scalar::Int(n) => Value::Number(n.into()),
        }
    }
}

/// One scalar of the fast subset: a quoted string without escapes, a plain string, or
/// an unsigned integer. Anything YAML could read differently is `None`.
fn fast_scalar(text: &str, key: &str) -> Option<Value> {
    scalar(text, key).map(Scalar::into_value)
}

/// [`fast_scalar`] without making the value.
fn scalar<'a>(text: &'a str, key: &str) -> Option<Scalar<'a>> {
    if text.is_empty() {
        return None;
    }
    for q in ['\'', '"'] {
        if let Some(inner) = text.strip_prefix(q) {
            let inner = inner.strip_suffix(q)?;
            if inner.contains(q) || inner.contains('\\') {
                return None;
            }
            return Some(Scalar::Str(inner));
        }
    }
    let first = text.chars().next()?;
    let people = key == "assignee" || key == "reporter";
    if "[]{},&*!|>%`'\"?:-#".contains(first) || (first == '@' && !people) {
        return None;
    }
    // `: ` or ` #` inside, `:` at the end, or a bracket anywhere: one pass over the bytes.
    let bytes = text.as_bytes();
    let special = bytes.iter().enumerate().any(|(i, b)| match b {
        b'[' | b']' | b'{' | b'}' => true,
        b':' => matches!(bytes.get(i + 1), Some(b' ') | None),
        b' ' => bytes.get(i + 1) == Some(&b'#'),
        _ => false,
    });
    if special {
        return None;
    }
    if first.is_ascii_digit() || first == '+' || first == '.' {
        if text.len() <= 18 && text.bytes().all(|b| b.is_ascii_digit()) && !text.starts_with('0') {
            return text.parse::<u64>().ok().map(Scalar::Int);
        }
        // `300-batch-mailer/FR-001` (a spec link) is a string to YAML: it holds a
        // character no number is written with (hex, octal, binary, float, sexagesimal).
        let numeric = |b: u8| b.is_ascii_hexdigit() || b"xXoO._+-:".contains(&b);
        if first.is_ascii_digit() && !text.bytes().all(numeric) {
            return Some(Scalar::Str(text));
        }
        return None;
    }
    let reserved = [
        "true", "false", "null", "~", "yes", "no", "on", "off", ".inf", ".nan",
    ];
    if reserved.iter().any(|r| r.eq_ignore_ascii_case(text)) {
        return None;
    }
    Some(Scalar::Str(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lf_and_crlf() {
        let s = split("---\nid: TASK-1\n---\nbody\n").unwrap();
        assert_eq!((s.yaml, s.body, s.body_line), ("id: TASK-1\n", "body\n", 4));
        let s = split("---\r\nid: TASK-1\r\n---\r\n\r\nbody\r\n").unwrap();
        assert_eq!(s.yaml, "id: TASK-1\r\n");
        assert_eq!(s.body, "\r\nbody\r\n");
        assert_eq!(s.close_line, 3);
    }

    #[test]
    fn split_errors() {
        assert_eq!(split(""), Err(SplitError::Missing));
        assert_eq!(split("# Title\n---\n"), Err(SplitError::Missing));
        assert_eq!(
            split("\n\n---\nid: x\n---\n"),
            Err(SplitError::LeadingBlankLines(3))
        );
        assert_eq!(split("---\nid: x\n"), Err(SplitError::Unterminated));
        assert_eq!(split("---").map(|s| s.yaml), Err(SplitError::Unterminated));
        let s = split("---\n---").unwrap();
        assert_eq!((s.yaml, s.body), ("", ""));
    }

    #[test]
    fn key_index_finds_values_and_items() {
        let yaml =
            "id: TASK-1\nstatus:  In Progress\nlabels:\n  - a\n  - 'b'\ndeps: [TASK-2, TASK-3]\n";
        let idx = KeyIndex::scan(yaml, 2);
        assert_eq!(idx.get("status").unwrap().value, Position::new(3, 10, 11));
        let labels = idx.get("labels").unwrap();
        assert_eq!(
            labels.items,
            [Position::new(5, 5, 1), Position::new(6, 5, 3)]
        );
        let deps = idx.get("deps").unwrap();
        assert_eq!(deps.item(1, "TASK-3"), Position::new(7, 16, 6));
        assert!(idx.get("nope").is_none());
    }

    #[test]
    fn unquoted_people_are_quoted_like_backlog_md() {
        assert_eq!(preprocess("assignee: @alice\n"), "assignee: \"@alice\"\n");
        assert_eq!(
            preprocess("reporter: @bob\r\nassignee: [@a, '@b']\r\n"),
            "reporter: \"@bob\"\r\nassignee: [\"@a\", '@b']\r\n"
        );
        assert_eq!(preprocess("assignee: '@a'\n"), "assignee: '@a'\n");
        assert_eq!(preprocess("title: @x\n"), "title: @x\n");
        let m = parse_yaml("assignee: @alice\n", 2).unwrap();
        assert_eq!(m.get("assignee").and_then(Value::as_str), Some("@alice"));
    }

    #[test]
    fn the_fast_path_agrees_with_the_yaml_parser() {
        let cases = [
            "id: TASK-1\ntitle: Set up gate\nstatus: To Do\nassignee:\n  - '@alice'\ncreated_date: '2026-11-26 05:17'\nlabels:\n  - infra\n  - gate\ndependencies: []\npriority: high\nordinal: 1000\n",
            "id: TASK-2\r\ntitle: \"Quoted\"\r\nstatus: In Progress\r\nlabels: [a, 'b', \"c\"]\r\nassignee: []\r\n",
            "assignee: @alice\nlabels: foo\nparent_task_id: TASK-9\nempty:\n# comment\n\nspec: specs/001-a/spec.md#fr-001\n",
            "labels:\n- a\n- b\ntitle: x\n",
            // Links that start with a feature number are strings.
            "spec: 300-batch-mailer/FR-001\nreferences:\n  - 001-auth/spec.md#fr-1\n  - 2 factor\n",
        ];
        for case in cases {
            let fast = fast_parse(case).unwrap_or_else(|| panic!("fast path refused {case:?}"));
            let full: Value = serde_norway::from_str(&preprocess(case)).unwrap();
            assert_eq!(Value::Mapping(fast), full, "{case:?}");
        }
        for refused in [
            "created_date: 2024-01-02\n",
            "title: a: b\n",
            "flag: true\n",
            "title: x # c\n",
            "a:\n  b: c\n",
            "d: |\n  text\n",
            "id: x\nid: y\n",
            "n: 007\n",
            "t: 'it''s'\n",
            "title: @x\n",
            // Found by fuzzing: YAML refuses control characters, so the fast path must too.
            "title: a\u{1}b\n",
            "title: a\u{7f}\n",
            "dependencies:\n  - a\n   -  b\n",
            "id: a\rb: c\n",
            "12: x\n",
            "null: x\n",
            "\u{2005}\n",
            "a:\n- \u{a0}b\n",
            "title: a\u{2028}b\n",
            // Numbers in every notation stay with the full parser.
            "n: 0x1F\n",
            "n: 0o17\n",
            "n: 1.5e-3\n",
            "n: 12:30\n",
            "n: 1_000\n",
            "n: 2024-01-02\n",
            // Found by fuzzing: with an `@` in the block, people values are quoted first.
            "assignee: @ana\nreporter: 1",
            "reporter: true\nassignee: '@x'\n",
            // Found by fuzzing: an implicit key longer than 1024 characters is an error.
            &format!("{}: x\n", "k".repeat(1100)),
        ] {
            assert!(fast_parse(refused).is_none(), "{refused:?}");
        }
    }

    #[test]
    fn the_fast_path_agrees_on_every_tricky_scalar() {
        // Every text the fast path accepts reads the same with the full parser; the texts
        // touch each check of the scalar test (colons, ` #`, brackets, reserved words in
        // any case, numbers, quotes, non-ASCII text and blanks).
        let texts = [
            "a:b",
            "a: b",
            "a:",
            "a :",
            "a#b",
            "a #b",
            "a# b",
            "x]",
            "[x",
            "{x",
            "x}",
            "TRUE",
            "True",
            "Null",
            "NULL",
            "~",
            ".NaN",
            ".INF",
            "Yes",
            "oFF",
            "nope",
            "12",
            "012",
            "1.5",
            "12abc",
            "1-2",
            "+1",
            ".5",
            "'q'",
            "\"q\"",
            "'it''s'",
            "\"a\\b\"",
            "é",
            "aé: b",
            "a\u{a0}b",
            "a\u{2028}",
            "a\tb",
            "@x",
            "x@y",
            "-x",
            "a - b",
        ];
        for text in texts {
            for key in ["title", "assignee"] {
                for block in [format!("{key}: {text}\n"), format!("{key}: [{text}, b]\n")] {
                    let Some(fast) = fast_parse(&block) else {
                        continue;
                    };
                    let full: Value = serde_norway::from_str(&preprocess(&block)).unwrap();
                    assert_eq!(Value::Mapping(fast), full, "{block:?}");
                }
            }
            let block = format!("labels:\n  - {text}\n");
            if let Some(fast) = fast_parse(&block) {
                let full: Value = serde_norway::from_str(&block).unwrap();
                assert_eq!(Value::Mapping(fast), full, "{block:?}");
            }
        }
        assert!(fast_parse("title: a: b\n").is_none());
        assert!(fast_parse("title: a:\n").is_none());
        assert!(fast_parse("title: TrUe\n").is_none());
        assert!(fast_parse("title: a:b #c\n").is_none());
    }

    #[test]
    fn yaml_errors_map_to_file_lines() {
        let err = parse_yaml("id: TASK-1\ntitle: [unclosed\nstatus: x\n", 2).unwrap_err();
        assert!(err.pos.line >= 3, "{err:?}");
        assert!(!err.message.contains(" at line "));
        assert!(parse_yaml("- a\n- b\n", 2).is_err());
        assert_eq!(parse_yaml("", 2).unwrap().len(), 0);
    }

    #[test]
    fn deep_nesting_is_refused_before_the_parser() {
        let ok = format!(
            "x: {}{}\n",
            "[".repeat(MAX_NESTING),
            "]".repeat(MAX_NESTING)
        );
        assert!(parse_yaml(&ok, 2).is_ok());
        let deep = format!("id: a\nx: {}\n", "[{".repeat(40_000));
        let err = parse_yaml(&deep, 2).unwrap_err();
        assert_eq!(err.pos, Position::new(3, 4 + MAX_NESTING as u32, 1));
        assert!(err.message.contains("more than 64 levels"), "{err:?}");
        assert!(err.help.is_some());
    }
}

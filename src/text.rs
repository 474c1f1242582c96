//! Text decoding and positions, shared by every parser.
//!
//! Files arrive as bytes. [`decode`] turns them into text the way the producing tools
//! read them (a UTF-8 BOM is dropped; CRLF is kept so byte offsets stay true) or says
//! precisely why it cannot. [`LineIndex`] maps byte offsets to 1-based line/column.

use std::borrow::Cow;
use std::fmt;

use crate::finding::Position;

/// Why a file's bytes are not text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The file has a NUL byte: it is binary.
    Binary,
    /// The bytes are not UTF-8; the first bad byte is at this line and column.
    NotUtf8 {
        /// 1-based line of the first invalid byte.
        line: u32,
        /// 1-based column (in characters) of the first invalid byte.
        column: u32,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Binary => f.write_str("the file is binary (it contains NUL bytes)"),
            DecodeError::NotUtf8 { line, column } => {
                write!(
                    f,
                    "the file is not valid UTF-8 (first bad byte at line {line}, column {column})"
                )
            }
        }
    }
}

/// Decodes a text file: drops a UTF-8 BOM, rejects NUL bytes and invalid UTF-8.
pub fn decode(bytes: &[u8]) -> Result<&str, DecodeError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) {
        return Err(DecodeError::Binary);
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = &bytes[..e.valid_up_to()];
        // The valid prefix is UTF-8 by construction.
        let text = std::str::from_utf8(valid).unwrap_or_default();
        let line = text.matches('\n').count() as u32 + 1;
        let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
        DecodeError::NotUtf8 { line, column }
    })
}

/// Maps byte offsets in one text to 1-based lines and columns.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// The 1-based line containing byte `offset`.
    pub fn line_of(&self, offset: usize) -> u32 {
        match self.starts.binary_search(&offset) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        }
    }

    /// The position of byte range `start..end` in `text` (end clipped to the line).
    pub fn position(&self, text: &str, start: usize, end: usize) -> Position {
        let line = self.line_of(start);
        let line_start = self.starts[(line - 1) as usize];
        let line_end = text[line_start..]
            .find(['\n', '\r'])
            .map_or(text.len(), |i| line_start + i);
        let start = start.min(line_end);
        let end = end.clamp(start, line_end);
        let column = text.get(line_start..start).map_or(0, |s| s.chars().count()) as u32 + 1;
        let len = text.get(start..end).map_or(0, |s| s.chars().count()) as u32;
        Position::new(line, column, len)
    }

    /// Byte offset of the start of 1-based `line`.
    pub fn line_start(&self, line: u32) -> Option<usize> {
        self.starts.get((line as usize).checked_sub(1)?).copied()
    }
}

/// Text from a repository made safe to print on a terminal: every control character
/// (C0, DEL, C1) is replaced by one visible character, so a file name cannot start a new
/// line and an escape sequence cannot reach the terminal. C0 characters become their
/// Unicode control pictures (`\n` → `␊`, ESC → `␛`), DEL becomes `␡` and C1 characters
/// `�`. With `keep_lines`, `\n` and `\t` (and the `\r` of a CRLF) stay, for text shown
/// as lines. The replacement is one character for one, so columns counted in characters
/// stay true.
pub fn printable(text: &str, keep_lines: bool) -> Cow<'_, str> {
    let mut chars = text.char_indices().peekable();
    let bad = |c: char, next: Option<char>| {
        c.is_control()
            && !(keep_lines && (c == '\n' || c == '\t' || (c == '\r' && next == Some('\n'))))
    };
    let mut first_bad = None;
    while let Some((i, c)) = chars.next() {
        if bad(c, chars.peek().map(|(_, n)| *n)) {
            first_bad = Some(i);
            break;
        }
    }
    let Some(first_bad) = first_bad else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(&text[..first_bad]);
    let mut chars = text[first_bad..].chars().peekable();
    while let Some(c) = chars.next() {
        if !bad(c, chars.peek().copied()) {
            out.push(c);
            continue;
        }
        out.push(match c {
            '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
            '\u{7f}' => '\u{2421}',
            _ => '\u{fffd}',
        });
    }
    Cow::Owned(out)
}

/// A file name's bytes as text: UTF-8 as it is, every other byte as `\xNN`.
pub fn escape_name(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// The candidate closest to `key` (Jaro-Winkler ≥ 0.8), for "did you mean".
pub fn nearest<'a>(key: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::jaro_winkler(&key.to_lowercase(), &c.to_lowercase()),
                c,
            )
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Items as a sentence lists them: `a`, `a and b`, `a, b and c` (`conjunction` is `and`
/// or `or`); empty for no items. Callers quote the items as their message needs.
pub fn phrase_list<S: AsRef<str>>(items: &[S], conjunction: &str) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.as_ref().to_string(),
        Some((last, rest)) => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} {conjunction} {}", rest.join(", "), last.as_ref())
        }
    }
}

/// The length of the longest common prefix of `a` and `b`, compared block by block.
pub fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 512;
    let n = a.len().min(b.len());
    let mut at = 0;
    while at + BLOCK <= n && a[at..at + BLOCK] == b[at..at + BLOCK] {
        at += BLOCK;
    }
    at + a[at..n]
        .iter()
        .zip(&b[at..n])
        .take_while(|(x, y)| x == y)
        .count()
}

/// The length of the longest common suffix of `a` and `b`, compared block by block.
pub fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 512;
    let n = a.len().min(b.len());
    let (la, lb) = (a.len(), b.len());
    let mut k = 0;
    while k + BLOCK <= n && a[la - k - BLOCK..la - k] == b[lb - k - BLOCK..lb - k] {
        k += BLOCK;
    }
    k + a[..la - k]
        .iter()
        .rev()
        .zip(b[..lb - k].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

#[cfg(test)]
mod tests {
    #[test]
    fn lists_read_as_a_sentence() {
        let none: [&str; 0] = [];
        assert_eq!(phrase_list(&none, "and"), "");
        assert_eq!(phrase_list(&["a"], "and"), "a");
        assert_eq!(phrase_list(&["a", "b"], "or"), "a or b");
        assert_eq!(
            phrase_list(&["a".to_string(), "b".into(), "c".into()], "and"),
            "a, b and c"
        );
    }

    use super::*;

    #[test]
    fn common_ends_are_found_across_block_boundaries() {
        let a: Vec<u8> = (0..2000u32).map(|i| (i % 251) as u8).collect();
        for at in [0, 1, 127, 511, 512, 513, 1023, 1999] {
            let mut b = a.clone();
            b[at] ^= 1;
            assert_eq!(common_prefix(&a, &b), at);
            assert_eq!(common_suffix(&a, &b), a.len() - at - 1);
        }
        assert_eq!(common_prefix(&a, &a[..700]), 700);
        assert_eq!(common_suffix(&a, &a[1300..]), 700);
        assert_eq!((common_prefix(&a, &a), common_suffix(b"", &a)), (2000, 0));
    }

    #[test]
    fn bom_is_dropped_and_binary_rejected() {
        assert_eq!(decode(b"\xEF\xBB\xBFabc"), Ok("abc"));
        assert_eq!(decode(b"a\0b"), Err(DecodeError::Binary));
        assert_eq!(
            decode(b"ok\nab\xFFc"),
            Err(DecodeError::NotUtf8 { line: 2, column: 3 })
        );
    }

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(printable("task-1 - a.md", false), "task-1 - a.md");
        assert_eq!(
            printable("a\nb\x1b[31mc\u{9b}d\x7f", false),
            "a␊b␛[31mc\u{fffd}d␡"
        );
        assert_eq!(printable("l1\r\nl2\tx\x1b\rz", true), "l1\r\nl2\tx␛␍z");
        assert_eq!(
            printable("é\u{1}", false).chars().count(),
            "é\u{1}".chars().count()
        );
    }

    #[test]
    fn names_escape_their_bad_bytes() {
        assert_eq!(escape_name(b"task-1 - Caf\xe9.md"), "task-1 - Caf\\xE9.md");
        assert_eq!(escape_name("é.md".as_bytes()), "é.md");
    }

    #[test]
    fn positions_count_characters() {
        let text = "---\r\nstatus: Wön't\r\n";
        let idx = LineIndex::new(text);
        let start = text.find("Wön't").unwrap();
        let pos = idx.position(text, start, start + "Wön't".len());
        assert_eq!(pos, Position::new(2, 9, 5));
    }
}

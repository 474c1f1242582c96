//! Text decoding and positions, shared by every parser.
//!
//! Files arrive as bytes. [`decode`] turns them into text the way the producing tools
//! read them (a UTF-8 BOM is dropped; CRLF is kept so byte offsets stay true) or says
//! precisely why it cannot. [`LineIndex`] maps byte offsets to 1-based line/column.

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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn positions_count_characters() {
        let text = "---\r\nstatus: Wön't\r\n";
        let idx = LineIndex::new(text);
        let start = text.find("Wön't").unwrap();
        let pos = idx.position(text, start, start + "Wön't".len());
        assert_eq!(pos, Position::new(2, 9, 5));
    }
}

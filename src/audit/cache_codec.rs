//! The audit cache's file format: a compact binary encoding of the commit records (a
//! warm audit of a long history spends its time loading them, and JSON of 50,000 records
//! is 16 MB to parse). Every decoding step checks the bytes left: a truncated or foreign
//! file decodes to `None`, never to a panic.

use super::history::{CommitRecord, LinkAdded, SectionChange, StoredFinding, TaskMove, Text};
use crate::parsed_codec::{severity, severity_byte, Reader, Writer};

/// The first bytes of a cache file.
pub const MAGIC: &[u8] = b"flowgate audit cache\n";

/// What the cache file holds besides its records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The format number ([`super::cache::FORMAT`]).
    pub format: u32,
    /// The configuration key.
    pub key: String,
    /// The commit the records were walked from.
    pub head: String,
    /// Where the walk stopped.
    pub since: Option<String>,
    /// The suspect links' chained fingerprint of the records (see
    /// [`super::results::suspect_history_chain`]): an audit that keeps every record and
    /// adds some chains on from it instead of hashing the whole history again.
    pub suspect_chain: u128,
}

/// Encodes `header` and `records`.
pub fn encode(header: &Header, records: &[CommitRecord]) -> Vec<u8> {
    extend(header, Encoded::default(), records)
}

/// Records already encoded: how many, and their bytes, a run of a cache file's records as
/// [`records_start`] finds them (written as they are, not decoded and encoded again).
#[derive(Debug, Clone, Copy, Default)]
pub struct Encoded<'a> {
    /// How many records `bytes` holds.
    pub count: usize,
    /// Their encoding.
    pub bytes: &'a [u8],
}

/// Encodes `header`, the records `done` holds encoded, then `records`: what [`encode`]
/// gives for `done`'s records followed by `records`.
pub fn extend(header: &Header, done: Encoded<'_>, records: &[CommitRecord]) -> Vec<u8> {
    let (head, tail) = extend_parts(header, done, records);
    [head.as_slice(), done.bytes, tail.as_slice()].concat()
}

/// [`extend`] in three parts, to be written one after the other: the bytes before
/// `done`'s, `done.bytes` (not copied), and the bytes after them.
pub fn extend_parts(
    header: &Header,
    done: Encoded<'_>,
    records: &[CommitRecord],
) -> (Vec<u8>, Vec<u8>) {
    let mut w = Writer(Vec::with_capacity(128));
    w.0.extend_from_slice(MAGIC);
    w.u32(header.format);
    w.str(&header.key);
    w.str(&header.head);
    w.opt(header.since.as_deref(), Writer::str);
    w.u128(header.suspect_chain);
    w.len(done.count + records.len());
    let mut tail = Writer(Vec::with_capacity(records.len() * 160));
    for r in records {
        encode_record(&mut tail, r);
    }
    (w.0, tail.0)
}

fn encode_record(w: &mut Writer, r: &CommitRecord) {
    w.str(&r.id);
    w.str(&r.author);
    w.u64(r.time as u64);
    w.str(&r.subject);
    w.len(r.findings.len());
    for f in &r.findings {
        w.str(&f.code);
        w.0.push(severity_byte(f.severity));
        w.str(&f.message);
        w.opt(f.help.as_deref(), Writer::str);
        w.opt(f.file.as_deref(), Writer::str);
        w.opt(f.line, Writer::u32);
        w.opt(f.column, Writer::u32);
        w.opt(f.commit.as_deref(), Writer::str);
        w.opt(f.task.as_deref(), Writer::str);
    }
    w.len(r.references.len());
    for t in &r.references {
        w.str(t);
    }
    w.len(r.moves.len());
    for m in &r.moves {
        w.str(&m.task);
        w.opt(m.path.as_deref(), Writer::str);
        w.opt(m.from.as_deref(), Writer::str);
        w.opt(m.to.as_deref(), Writer::str);
        w.opt(m.renamed_from.as_deref(), Writer::str);
        w.opt(m.renamed_to.as_deref(), Writer::str);
    }
    w.len(r.sections.len());
    for s in &r.sections {
        w.str(&s.file);
        w.str(&s.slug);
        w.opt(s.old, Writer::u64);
        w.opt(s.new, Writer::u64);
    }
    w.len(r.links.len());
    for l in &r.links {
        w.str(&l.task);
        w.str(&l.link);
    }
    w.opt(r.branch.as_deref(), Writer::str);
}

/// Where the records of cache file `data` start (after its header and their count);
/// `None` for a file that is not one.
pub fn records_start(data: &[u8]) -> Option<usize> {
    let (_, mut r) = header(data)?;
    r.u32()?;
    Some(MAGIC.len() + r.at)
}

/// The header of a cache file, and a reader positioned at its records; `None` for a file
/// that is not one.
fn header(data: &[u8]) -> Option<(Header, Reader<'_>)> {
    let rest = data.strip_prefix(MAGIC)?;
    let mut r = Reader { data: rest, at: 0 };
    let header = Header {
        format: r.u32()?,
        key: r.str()?,
        head: r.str()?,
        since: r.opt(Reader::str)?,
        suspect_chain: r.u128()?,
    };
    Some((header, r))
}

/// How many records cache file `data` holds, as its header says; `None` for a file that
/// is not one.
pub fn count(data: &[u8]) -> Option<usize> {
    let (_, mut r) = header(data)?;
    usize::try_from(r.u32()?).ok()
}

/// The header of cache file `data`; `None` for a file that is not one.
pub fn read_header(data: &[u8]) -> Option<Header> {
    Some(header(data)?.0)
}

/// Decodes a cache file whose header `accept` approves; `None` for anything else (another
/// format or key, a truncated or foreign file). The records' strings borrow from `data`.
pub fn decode(
    data: &'static [u8],
    accept: impl FnOnce(&Header) -> bool,
) -> Option<(Header, Vec<CommitRecord>)> {
    let (header, mut r) = header(data)?;
    if !accept(&header) {
        return None;
    }
    let records = r.vec(record)?;
    (r.at == r.data.len()).then_some((header, records))
}

/// A string, borrowed from the file's bytes.
fn text(r: &mut Reader<'static>) -> Option<Text> {
    let n = usize::try_from(r.u32()?).ok()?;
    let bytes = r.bytes(n)?;
    // Most texts are ASCII (ids, task IDs, paths, most names and subjects), which a word
    // at a time tells apart for less than UTF-8 validation costs on short strings.
    if bytes.is_ascii() {
        // SAFETY: ASCII bytes are valid UTF-8.
        return Some(Text::Borrowed(unsafe {
            std::str::from_utf8_unchecked(bytes)
        }));
    }
    std::str::from_utf8(bytes).ok().map(Text::Borrowed)
}

fn record(r: &mut Reader<'static>) -> Option<CommitRecord> {
    Some(CommitRecord {
        id: text(r)?,
        author: text(r)?,
        time: r.u64()? as i64,
        subject: text(r)?,
        findings: r.vec(|r| {
            Some(StoredFinding {
                code: r.str()?,
                severity: severity(r.u8()?)?,
                message: r.str()?,
                help: r.opt(Reader::str)?,
                file: r.opt(Reader::str)?,
                line: r.opt(Reader::u32)?,
                column: r.opt(Reader::u32)?,
                commit: r.opt(Reader::str)?,
                task: r.opt(Reader::str)?,
            })
        })?,
        references: r.vec(text)?,
        moves: r.vec(|r| {
            Some(TaskMove {
                task: text(r)?,
                path: r.opt(text)?,
                from: r.opt(text)?,
                to: r.opt(text)?,
                renamed_from: r.opt(text)?,
                renamed_to: r.opt(text)?,
            })
        })?,
        sections: r.vec(|r| {
            Some(SectionChange {
                file: text(r)?,
                slug: text(r)?,
                old: r.opt(Reader::u64)?,
                new: r.opt(Reader::u64)?,
            })
        })?,
        links: r.vec(|r| {
            Some(LinkAdded {
                task: text(r)?,
                link: text(r)?,
            })
        })?,
        branch: r.opt(text)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    fn sample() -> (Header, Vec<CommitRecord>) {
        let header = Header {
            format: 6,
            key: "k".into(),
            head: "h".into(),
            since: None,
            suspect_chain: u128::MAX - 1,
        };
        let record = CommitRecord {
            id: "abc".into(),
            author: "A <a@example.com>".into(),
            time: -5,
            subject: "Start TASK-1 ✓".into(),
            findings: vec![StoredFinding {
                code: "FG301".into(),
                severity: Severity::Warning,
                message: "m".into(),
                help: Some("h".into()),
                file: None,
                line: Some(3),
                column: None,
                commit: Some("abc".into()),
                task: None,
            }],
            references: vec!["TASK-1".into()],
            moves: vec![TaskMove {
                task: "TASK-1".into(),
                path: Some("backlog/tasks/task-1 - X.md".into()),
                from: None,
                to: Some("To Do".into()),
                renamed_from: None,
                renamed_to: Some("BACK-1".into()),
            }],
            sections: vec![SectionChange {
                file: "specs/a/spec.md".into(),
                slug: "fr-001".into(),
                old: None,
                new: Some(u64::MAX),
            }],
            links: vec![LinkAdded {
                task: "TASK-1".into(),
                link: "a/FR-001".into(),
            }],
            branch: Some("task-1-x".into()),
        };
        (header, vec![record.clone(), record])
    }

    /// `bytes` for the rest of the test process, as the cache keeps its file.
    fn leak(bytes: Vec<u8>) -> &'static [u8] {
        Box::leak(bytes.into_boxed_slice())
    }

    #[test]
    fn records_round_trip() {
        let (header, records) = sample();
        let bytes = leak(encode(&header, &records));
        assert_eq!(decode(bytes, |_| true), Some((header, records)));
    }

    #[test]
    fn records_kept_as_read_extend_to_the_encoding_of_them_all() {
        let (header, records) = sample();
        let mut second = records[1].clone();
        second.id = "def".into();
        second.branch = None;
        let first = encode(&header, &records[..1]);
        let start = records_start(&first).unwrap();
        let later = Header {
            head: "h2".into(),
            since: Some("s".into()),
            ..header
        };
        let done = Encoded {
            count: 1,
            bytes: &first[start..],
        };
        let all = [records[0].clone(), second.clone()];
        assert_eq!(extend(&later, done, &[second]), encode(&later, &all));
    }

    #[test]
    fn texts_decode_as_utf8_validation_decides() {
        let cases: [&[u8]; 8] = [
            b"",
            b"abc",
            b"0123456789abcdef0123456789abcdef01234567",
            "Start TASK-1 \u{2713} and a longer subject after it".as_bytes(),
            b"\xff",
            b"a longer text whose last byte is not UTF-8 \xc3",
            b"\xc3\xa9t\xc3\xa9",
            b"\x7f\x00\x80",
        ];
        for bytes in cases {
            let mut w = Writer(Vec::new());
            w.u32(u32::try_from(bytes.len()).unwrap());
            w.0.extend_from_slice(bytes);
            let data = leak(w.0);
            let mut r = Reader { data, at: 0 };
            let got = text(&mut r).map(|t| t.to_string());
            let want = std::str::from_utf8(bytes).ok().map(str::to_string);
            assert_eq!(got, want, "{bytes:?}");
        }
    }

    #[test]
    fn a_truncated_or_foreign_file_decodes_to_nothing() {
        let (header, records) = sample();
        let bytes = leak(encode(&header, &records));
        for cut in 0..bytes.len() {
            assert_eq!(decode(&bytes[..cut], |_| true), None, "cut at {cut}");
        }
        assert_eq!(decode(b"{\"format\": 5}", |_| true), None);
        assert_eq!(decode(bytes, |h| h.format == 5), None);
        let mut longer = bytes.to_vec();
        longer.push(0);
        assert_eq!(decode(leak(longer), |_| true), None);
    }
}

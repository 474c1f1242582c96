//! Definition of Ready: what is still open in the spec sections a task links to.
//!
//! A section is open while it holds a marker of unfinished writing: spec-kit's
//! `[NEEDS CLARIFICATION: …]` (and `NEEDS CLARIFICATION` in a plan's technical context),
//! `TBD`, `TODO`, `???`, or a placeholder of spec-kit's spec and plan templates that was
//! never replaced (`[FEATURE NAME]`, `[DATE]`, `$ARGUMENTS`, `[Describe …]`, …). Markdown
//! code (fenced or indented blocks, inline code) is quoted text, never a marker. A
//! spec-kit feature is open while one of its `checklists/*.md` has an unchecked item.

use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::OnceLock;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use regex::Regex;

use super::{link, Resolution, SpecIndex, SpecRef};
use crate::backlog::TaskFile;
use crate::finding::Position;
use crate::source::{join, split_parent, Content, EntryKind, Source, SourceError, MAX_FILE_SIZE};
use crate::text::LineIndex;

/// Why an open item is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OpenKind {
    /// A marker of an open question or unfinished text (`[NEEDS CLARIFICATION`, `TBD`,
    /// `TODO`, `???`).
    Marker,
    /// A placeholder of spec-kit's templates.
    Placeholder,
    /// An unchecked item of a feature checklist.
    Unchecked,
}

/// One open item, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenItem {
    /// What kind of item it is.
    pub kind: OpenKind,
    /// The file it is in (repo-relative).
    pub path: String,
    /// Where.
    pub pos: Position,
    /// The marker as written, or the checklist item's text.
    pub text: String,
    /// The link of the task that led here (`specs/001-x/spec.md#requirements`), or the
    /// checklist's path.
    pub via: String,
}

/// The open items of the spec sections `file` links to and of their features'
/// checklists, in link order; `globs` and `id_patterns` say where the specs are
/// (`specs.globs`, `specs.id_patterns`).
pub fn open_items(
    source: &dyn Source,
    file: &TaskFile,
    globs: &[String],
    id_patterns: &[String],
) -> Result<Vec<OpenItem>, SourceError> {
    let index = super::load_focused(source, globs, id_patterns, |idx| {
        link::files_needed(file, idx)
    })?;
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut features = Vec::new();
    for l in link::task_links(file, &index) {
        let Some((path, range)) = target(&index, &l.reference) else {
            continue;
        };
        if !seen.insert((path.clone(), range.as_ref().map(|r| (r.start, r.end)))) {
            continue;
        }
        let Some(text) = read_text(source, &path)? else {
            continue;
        };
        let range = range.unwrap_or(0..text.len());
        out.extend(markers(&path, &text, range, &l.raw));
        if let Some(f) = index
            .file(&path)
            .and_then(|i| index.files.get(i))
            .filter(|f| f.feature.is_some())
        {
            let dir = split_parent(&f.path).0.to_string();
            if !features.contains(&dir) {
                features.push(dir);
            }
        }
    }
    for dir in features {
        let checklists = join(&dir, "checklists");
        let mut names: Vec<String> = source
            .list_dir(&checklists)?
            .into_iter()
            .filter(|e| e.kind == EntryKind::File && e.name.ends_with(".md"))
            .map(|e| e.name)
            .collect();
        names.sort();
        for name in names {
            let path = join(&checklists, &name);
            if let Some(text) = read_text(source, &path)? {
                out.extend(unchecked(&path, &text));
            }
        }
    }
    Ok(out)
}

/// The file and byte range a reference names (`None` for the range: the whole file);
/// nothing for a reference that does not resolve (FG2xx report those).
fn target(index: &SpecIndex, reference: &SpecRef) -> Option<(String, Option<Range<usize>>)> {
    let fragment = match reference {
        SpecRef::Path { fragment, .. } => fragment.as_deref(),
        SpecRef::Feature { fragment, .. } => Some(fragment.as_str()),
        SpecRef::BareId(id) => Some(id.as_str()),
        SpecRef::Escapes(_) => None,
    };
    match index.resolve(reference) {
        Resolution::Section { file, section } => {
            let f = index.files.get(file)?;
            let s = f.sections.get(section)?;
            // A link to one requirement reads its list item, not its neighbours'.
            let range = fragment
                .and_then(|id| s.item(id))
                .map_or_else(|| s.range.clone(), |i| i.range.clone());
            Some((f.path.clone(), Some(range)))
        }
        Resolution::File { file } => Some((index.files.get(file)?.path.clone(), None)),
        _ => None,
    }
}

fn read_text(source: &dyn Source, path: &str) -> Result<Option<String>, SourceError> {
    Ok(match source.read(path, MAX_FILE_SIZE)? {
        Content::Bytes(b) => crate::text::decode(&b).ok().map(|t| t.to_string()),
        _ => None,
    })
}

/// The byte ranges of markdown code in `text`: fenced and indented blocks, inline code.
fn code_ranges(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut block: Option<usize> = None;
    for (event, range) in Parser::new_ext(text, Options::empty()).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(_)) => block = Some(range.start),
            Event::End(TagEnd::CodeBlock) => {
                out.push(block.take().unwrap_or(range.start)..range.end);
            }
            Event::Code(_) => out.push(range),
            _ => {}
        }
    }
    out
}

fn marker_patterns() -> Option<&'static (Regex, Regex)> {
    static PATTERNS: OnceLock<Option<(Regex, Regex)>> = OnceLock::new();
    PATTERNS
        .get_or_init(|| {
            let markers = Regex::new(r"\[?NEEDS CLARIFICATION|\bTBD\b|\bTODO\b|\?\?\?").ok()?;
            // spec-kit's spec and plan templates: the bracketed names and the prose
            // placeholders ("[Describe …]"), and the command argument never substituted.
            let placeholders = Regex::new(concat!(
                r"\$ARGUMENTS|\[(?:FEATURE NAME|FEATURE|DATE|###-feature-name|###-feature|",
                r"CHECKLIST TYPE|REMOVE IF UNUSED|Brief Title|Entity \d+|initial state|action|",
                r"expected outcome|boundary condition|error scenario|specific value|link|",
                r"current need|specific problem)\]|",
                r"\[(?:Describe|Explain|Add more|Assumption about|Dependency on|Measurable metric|",
                r"User satisfaction metric|Business metric|What it represents|specific capability|",
                r"key interaction|data requirement|behavior, e\.g\.|Extract from feature spec|",
                r"Gates determined|e\.g\.,|domain-specific, e\.g\.|if applicable, e\.g\.)[^\]\n]*\]"
            ))
            .ok()?;
            Some((markers, placeholders))
        })
        .as_ref()
}

/// The markers and placeholders in `range` of `text`, outside markdown code.
fn markers(path: &str, text: &str, range: Range<usize>, via: &str) -> Vec<OpenItem> {
    let Some((markers, placeholders)) = marker_patterns() else {
        return Vec::new();
    };
    let Some(part) = text.get(range.clone()) else {
        return Vec::new();
    };
    let code = code_ranges(text);
    let in_code = |at: usize| code.iter().any(|c| c.contains(&at));
    let index = LineIndex::new(text);
    let mut found: Vec<(usize, usize, OpenKind)> = Vec::new();
    for (re, kind) in [
        (markers, OpenKind::Marker),
        (placeholders, OpenKind::Placeholder),
    ] {
        for m in re.find_iter(part) {
            let (start, end) = (range.start + m.start(), range.start + m.end());
            // `[action](url)` is a link whose text happens to be a placeholder's word.
            let link = kind == OpenKind::Placeholder
                && text
                    .get(end..)
                    .is_some_and(|r| r.starts_with('(') || r.starts_with('['));
            if in_code(start) || link || found.iter().any(|(s, e, _)| *s < end && start < *e) {
                continue;
            }
            found.push((start, end, kind));
        }
    }
    found.sort_unstable_by_key(|(s, _, _)| *s);
    found
        .into_iter()
        .map(|(start, end, kind)| OpenItem {
            kind,
            path: path.to_string(),
            pos: index.position(text, start, end),
            text: text.get(start..end).unwrap_or_default().to_string(),
            via: via.to_string(),
        })
        .collect()
}

/// The unchecked task-list items of a checklist, outside markdown code.
fn unchecked(path: &str, text: &str) -> Vec<OpenItem> {
    let index = LineIndex::new(text);
    Parser::new_ext(text, Options::ENABLE_TASKLISTS)
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::TaskListMarker(false) => Some(range),
            _ => None,
        })
        .map(|range| {
            let line_end = text
                .get(range.end..)
                .and_then(|r| r.find('\n'))
                .map_or(text.len(), |i| range.end + i);
            let item = text.get(range.end..line_end).unwrap_or_default().trim();
            OpenItem {
                kind: OpenKind::Unchecked,
                path: path.to_string(),
                pos: index.position(text, range.start, range.end),
                text: item.to_string(),
                via: path.to_string(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(items: &[OpenItem]) -> Vec<(&str, u32)> {
        items
            .iter()
            .map(|i| (i.text.as_str(), i.pos.line))
            .collect()
    }

    #[test]
    fn markers_outside_code_are_found_with_their_lines() {
        let text = "# Spec\n\n- **FR-001**: Users MUST log in via [NEEDS CLARIFICATION: which IdP?]\n- Retention TBD, TODO later ???\n\n```\nTODO in a fence\n```\n\nQuoted `TBD` is not a marker.\n\n    TODO indented code\n";
        let got = markers("s.md", text, 0..text.len(), "s.md");
        assert_eq!(
            texts(&got),
            [
                ("[NEEDS CLARIFICATION", 3),
                ("TBD", 4),
                ("TODO", 4),
                ("???", 4)
            ]
        );
        assert_eq!(got[0].kind, OpenKind::Marker);
        // Words that merely contain the letters are not markers.
        let calm = "Todo lists, TBDs and TODOs are words; a mastodon too.\n";
        assert!(markers("s.md", calm, 0..calm.len(), "s.md").is_empty());
    }

    #[test]
    fn template_placeholders_are_found_but_links_are_not() {
        let text = "# Feature Specification: [FEATURE NAME]\n\n**Created**: [DATE]\n\nInput: \"$ARGUMENTS\"\n\n1. **Given** [initial state], **When** [action](#act)\n- [Assumption about target users, e.g., \"x\"]\n";
        let got = markers("s.md", text, 0..text.len(), "s.md");
        assert_eq!(
            texts(&got),
            [
                ("[FEATURE NAME]", 1),
                ("[DATE]", 3),
                ("$ARGUMENTS", 5),
                ("[initial state]", 7),
                ("[Assumption about target users, e.g., \"x\"]", 8)
            ]
        );
        assert!(got.iter().all(|i| i.kind == OpenKind::Placeholder));
    }

    #[test]
    fn only_the_given_range_is_read() {
        let text = "# A\n\nTBD\n\n# B\n\nDone.\n";
        let b = text.find("# B").unwrap();
        assert!(markers("s.md", text, b..text.len(), "s.md").is_empty());
        assert_eq!(markers("s.md", text, 0..b, "s.md").len(), 1);
    }

    #[test]
    fn unchecked_checklist_items() {
        let text = "# Checklist\n\n- [x] CHK001 Done\n- [ ] CHK002 No ambiguity left\n\n```\n- [ ] not an item\n```\n* [ ] CHK003 Scope is bounded\n";
        let got = unchecked("c.md", text);
        assert_eq!(
            texts(&got),
            [
                ("CHK002 No ambiguity left", 4),
                ("CHK003 Scope is bounded", 9)
            ]
        );
    }
}

//! Specs: spec-kit feature folders and flowspec PRDs, split into sections with anchors
//! and requirement IDs, plus the links from tasks into them.

pub mod link;
mod load;

pub(crate) use load::compile_globs;
pub mod markdown;
pub mod ready;

use std::collections::{BTreeMap, HashMap};

pub use link::{task_links, LinkOrigin, Resolution, SpecLink, SpecRef};
pub use load::{load, load_focused, load_through, load_with, read_and_parse, Needed};
pub use markdown::IdPatterns;

use crate::codes;
use crate::finding::Finding;
use crate::text;

/// Which kind of spec document a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecKind {
    /// spec-kit `specs/<feature>/spec.md`.
    Spec,
    /// spec-kit `plan.md`.
    Plan,
    /// spec-kit `tasks.md` (checklist tasks).
    Tasks,
    /// Any other matched markdown file (flowspec PRDs, `docs/specs/*.md`).
    Document,
}

/// One section of a spec: a heading and everything up to the next heading of the same or
/// a higher level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Heading text (inline markup removed).
    pub heading: String,
    /// Heading level, 1 to 6.
    pub level: u8,
    /// GitHub-style anchor slug, with `-1`, `-2` suffixes for duplicates.
    pub slug: String,
    /// 1-based line of the heading.
    pub line: u32,
    /// Requirement IDs this section defines (`FR-001`, `SC-001`, `US2`, `SPEC-001`, ...).
    pub ids: Vec<String>,
    /// Byte range of the section in the file (heading included).
    pub range: std::ops::Range<usize>,
    /// Hash of the section's text, to tell when it changed.
    pub content_hash: u64,
    /// The requirements this section defines on a line of their own (`- **FR-001**: ...`),
    /// each with the range and hash of its list item: a section that lists fifteen
    /// requirements changes whenever one does, the item only when its own text does.
    pub items: Vec<RequirementItem>,
}

/// One requirement defined by a list item (the defining line and its indented
/// continuation lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirementItem {
    /// The ID as written.
    pub id: String,
    /// Byte range of the item in the file.
    pub range: std::ops::Range<usize>,
    /// Hash of the item's text.
    pub content_hash: u64,
}

impl Section {
    /// The list item that defines `id` (case-insensitive), if this section defines it on a
    /// line rather than in its heading.
    pub fn item(&self, id: &str) -> Option<&RequirementItem> {
        self.items.iter().find(|i| i.id.eq_ignore_ascii_case(id))
    }
}

/// A spec-kit `tasks.md` checklist line: `- [ ] T012 [P] [US1] text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecklistTask {
    /// `T012`.
    pub id: String,
    /// `[P]`: may run in parallel.
    pub parallel: bool,
    /// The user story it belongs to (`US1`), if tagged.
    pub story: Option<String>,
    /// Checked (`[x]` or `[X]`).
    pub done: bool,
    /// The rest of the line.
    pub text: String,
    /// 1-based line.
    pub line: u32,
}

/// One parsed spec file.
#[derive(Debug, Clone)]
pub struct SpecFile {
    /// Repo-relative path.
    pub path: String,
    /// The spec-kit feature folder name (`001-user-auth`), when the file is in one.
    pub feature: Option<String>,
    /// What kind of document it is.
    pub kind: SpecKind,
    /// Sections in document order.
    pub sections: Vec<Section>,
    /// Checklist tasks (spec-kit `tasks.md`).
    pub checklist: Vec<ChecklistTask>,
    /// Problems reading the file (unreadable, too large, a symlink), located.
    pub issues: Vec<Finding>,
}

impl SpecFile {
    /// An empty file record (no sections), e.g. for a file that could not be read.
    pub fn empty(path: &str) -> SpecFile {
        let (feature, kind) = classify(path);
        SpecFile {
            path: path.to_string(),
            feature,
            kind,
            sections: Vec::new(),
            checklist: Vec::new(),
            issues: Vec::new(),
        }
    }

    /// The scope in which this file's IDs are unique: its feature folder, else its path.
    pub fn scope(&self) -> &str {
        self.feature.as_deref().unwrap_or(&self.path)
    }

    /// The section whose slug or defined ID equals `fragment` (case-insensitive).
    pub fn find_fragment(&self, fragment: &str) -> Option<usize> {
        // Slugs are lowercase: an ASCII fragment (nearly all: requirement IDs, slugs) is
        // compared ignoring ASCII case, without a lowercased copy per lookup.
        let found = if fragment.is_ascii() {
            self.sections
                .iter()
                .position(|s| s.slug.eq_ignore_ascii_case(fragment))
        } else {
            let lower = fragment.to_lowercase();
            self.sections.iter().position(|s| s.slug == lower)
        };
        found.or_else(|| self.find_id(fragment))
    }

    /// The section that defines requirement `id` (case-insensitive).
    pub fn find_id(&self, id: &str) -> Option<usize> {
        self.sections
            .iter()
            .position(|s| s.ids.iter().any(|i| i.eq_ignore_ascii_case(id)))
    }
}

/// Every spec file of a snapshot, with lookups by path, feature and ID.
#[derive(Debug, Clone, Default)]
pub struct SpecIndex {
    /// Spec files in path order.
    pub files: Vec<SpecFile>,
    /// The globs that were tried (for the "no specs found" finding).
    pub globs: Vec<String>,
    /// The compiled globs: which paths are spec files.
    matcher: globset::GlobSet,
    /// Symbolic links met while looking for specs (never followed).
    symlinks: Vec<String>,
    /// Path -> file index.
    by_path: HashMap<String, usize>,
    /// Feature folder -> its files, `spec.md` first.
    features: BTreeMap<String, Vec<usize>>,
    /// Uppercased ID -> (file, section) of every definition.
    ids: HashMap<String, Vec<(usize, usize)>>,
}

impl SpecIndex {
    /// Builds the index over `files` (sorted by path here).
    pub fn new(mut files: Vec<SpecFile>, globs: Vec<String>) -> SpecIndex {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let matcher = load::compile_globs(&globs);
        let mut index = SpecIndex {
            files,
            globs,
            matcher,
            ..SpecIndex::default()
        };
        for (i, f) in index.files.iter().enumerate() {
            index.by_path.insert(f.path.clone(), i);
            if let Some(feature) = &f.feature {
                index.features.entry(feature.clone()).or_default().push(i);
            }
            for (j, s) in f.sections.iter().enumerate() {
                for id in &s.ids {
                    index
                        .ids
                        .entry(id.to_ascii_uppercase())
                        .or_default()
                        .push((i, j));
                }
            }
        }
        let files = &index.files;
        for list in index.features.values_mut() {
            list.sort_by_key(|&i| files.get(i).map(|f| (kind_rank(f.kind), f.path.clone())));
        }
        index
    }

    /// Records the symbolic links met while walking (paths through them escape).
    pub fn with_symlinks(mut self, mut symlinks: Vec<String>) -> SpecIndex {
        symlinks.sort();
        symlinks.dedup();
        self.symlinks = symlinks;
        self
    }

    /// The symbolic links met while walking, sorted.
    pub fn symlinks(&self) -> &[String] {
        &self.symlinks
    }

    /// True when `path` matches the spec globs.
    pub fn is_spec_path(&self, path: &str) -> bool {
        self.matcher.is_match(path)
    }

    /// The symlink `path` is or goes through, if any.
    pub fn symlink_on(&self, path: &str) -> Option<&str> {
        self.symlinks
            .iter()
            .find(|l| path == l.as_str() || path.starts_with(&format!("{l}/")))
            .map(String::as_str)
    }

    /// The file at `path`.
    pub fn file(&self, path: &str) -> Option<usize> {
        self.by_path.get(path).copied()
    }

    /// The files of a feature folder, `spec.md` first.
    pub fn feature(&self, name: &str) -> Option<&[usize]> {
        self.features.get(name).map(Vec::as_slice)
    }

    /// Every feature folder name, sorted.
    pub fn feature_names(&self) -> impl Iterator<Item = &str> {
        self.features.keys().map(String::as_str)
    }

    /// Every definition of requirement `id` (case-insensitive), as (file, section).
    pub fn definitions(&self, id: &str) -> &[(usize, usize)] {
        self.ids
            .get(&id.to_ascii_uppercase())
            .map_or(&[], Vec::as_slice)
    }

    /// Every defined ID, uppercased.
    pub fn all_ids(&self) -> impl Iterator<Item = &str> {
        self.ids.keys().map(String::as_str)
    }
}

fn kind_rank(kind: SpecKind) -> u8 {
    match kind {
        SpecKind::Spec => 0,
        SpecKind::Plan => 1,
        SpecKind::Tasks => 2,
        SpecKind::Document => 3,
    }
}

/// True for a spec-kit feature folder name: `NNN-slug` or `YYYYMMDD-HHMMSS-slug`.
pub fn is_feature_name(name: &str) -> bool {
    let digits = |s: &str, n: Option<usize>| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && n.is_none_or(|n| s.len() == n)
    };
    let mut parts = name.splitn(3, '-');
    let (Some(a), Some(b)) = (parts.next(), parts.next()) else {
        return false;
    };
    let c = parts.next();
    if digits(a, Some(8)) && digits(b, Some(6)) {
        return c.is_some_and(|c| !c.is_empty());
    }
    a.len() >= 3 && digits(a, None) && !b.is_empty()
}

/// The feature folder and the kind of the file at `path`.
fn classify(path: &str) -> (Option<String>, SpecKind) {
    let mut parts = path.rsplit('/');
    let name = parts.next().unwrap_or_default();
    let feature = parts
        .next()
        .filter(|d| is_feature_name(d))
        .map(str::to_string);
    let kind = match (&feature, name) {
        (Some(_), "spec.md") => SpecKind::Spec,
        (Some(_), "plan.md") => SpecKind::Plan,
        (Some(_), "tasks.md") => SpecKind::Tasks,
        _ => SpecKind::Document,
    };
    (feature, kind)
}

/// Parses one spec file's bytes with the built-in ID patterns.
pub fn parse_spec_file(path: &str, bytes: &[u8]) -> SpecFile {
    parse_spec_file_with(path, bytes, IdPatterns::builtin())
}

/// Parses one spec file's bytes. Never fails: a file that is not text gets an issue.
pub fn parse_spec_file_with(path: &str, bytes: &[u8], patterns: &IdPatterns) -> SpecFile {
    parse_spec_file_by(path, bytes, |text, checklist| {
        markdown::parse(text, patterns, checklist)
    })
}

/// [`parse_spec_file_with`] of one version of a spec file, given the version before it
/// (its bytes and what parsing them returned here), with what parsing the next version
/// needs (`None` when the file is not text). The result is the same as
/// [`parse_spec_file_with`]'s; the sections' hashes are taken from the version before
/// where the bytes they cover did not change.
pub fn parse_spec_file_after(
    path: &str,
    bytes: &[u8],
    patterns: &IdPatterns,
    before: Option<(&[u8], &markdown::HashMarks)>,
) -> (SpecFile, Option<markdown::HashMarks>) {
    // Marks are made only for text: the version before decoded, to its bytes after a BOM.
    let before =
        before.map(|(old, marks)| (old.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(old), marks));
    let mut marks = None;
    let file = parse_spec_file_by(path, bytes, |text, checklist| {
        let (parsed, m) = markdown::parse_after(text, patterns, checklist, before);
        marks = Some(m);
        parsed
    });
    (file, marks)
}

/// A spec file parsed from its bytes by `parse` (given the text and whether to read
/// checklist tasks); a file that is not text gets an issue.
fn parse_spec_file_by(
    path: &str,
    bytes: &[u8],
    parse: impl FnOnce(&str, bool) -> markdown::Parsed,
) -> SpecFile {
    let mut file = SpecFile::empty(path);
    match text::decode(bytes) {
        Ok(text) => {
            let parsed = parse(text, file.kind == SpecKind::Tasks);
            file.sections = parsed.sections;
            file.checklist = parsed.checklist;
        }
        Err(e) => {
            let pos = match e {
                text::DecodeError::NotUtf8 { line, column } => {
                    crate::finding::Position::new(line, column, 1)
                }
                text::DecodeError::Binary => crate::finding::Position::line(1, 0),
            };
            file.issues.push(
                Finding::new(
                    &codes::UNREADABLE_SPEC_FILE,
                    format!("spec file `{path}` cannot be read: {e}"),
                )
                .at(path, pos)
                .help("save the spec as UTF-8 text, or narrow `specs.globs` in .flowgate.yml so it is not matched"),
            );
        }
    }
    file
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fragment finds the section a lowercased copy of it finds, ASCII or not.
    #[test]
    fn fragments_find_what_their_lowercase_finds() {
        let text = "# Feature Été\n\n## Requirements\n\n- **FR-001**: x\n\n## Straße KÖLN\n\nb\n\n## Ünïcode Ωmega {#Custom-ID}\n\nc\n\n## US1 Story\n\n- **SC-002**: y\n";
        let file = parse_spec_file("specs/001-a/spec.md", text.as_bytes());
        assert!(file.sections.len() >= 5, "{:?}", file.sections);
        let mut fragments: Vec<String> = file.sections.iter().map(|s| s.slug.clone()).collect();
        fragments.extend(file.sections.iter().map(|s| s.slug.to_uppercase()));
        fragments.extend(
            [
                "fr-001",
                "FR-001",
                "Fr-001",
                "sc-002",
                "requirements",
                "REQUIREMENTS",
                "us1-story",
                "US1-Story",
                "straße-köln",
                "STRASSE-KÖLN",
                "Straße-Köln",
                "ünïcode-ωmega",
                "ÜNÏCODE-ΩMEGA",
                "custom-id",
                "Custom-ID",
                "",
                "x",
                "É",
                "feature-été",
                "FEATURE-ÉTÉ",
                "feature-ete",
            ]
            .map(String::from),
        );
        for fragment in &fragments {
            let lower = fragment.to_lowercase();
            let want = file
                .sections
                .iter()
                .position(|s| s.slug == lower)
                .or_else(|| file.find_id(fragment));
            assert_eq!(file.find_fragment(fragment), want, "{fragment:?}");
        }
        assert!(file.find_fragment("REQUIREMENTS").is_some());
        assert!(file.find_fragment("FR-001").is_some());
    }

    #[test]
    fn feature_names_and_kinds() {
        assert!(is_feature_name("001-user-auth"));
        assert!(is_feature_name("20250101-120000-login"));
        assert!(!is_feature_name("01-x"));
        assert!(!is_feature_name("auth"));
        assert!(!is_feature_name("001-"));
        assert_eq!(
            classify("specs/001-a/tasks.md"),
            (Some("001-a".into()), SpecKind::Tasks)
        );
        assert_eq!(classify("docs/prd/x.md"), (None, SpecKind::Document));
    }

    #[test]
    fn binary_spec_is_an_issue() {
        let f = parse_spec_file("specs/001-a/spec.md", b"# A\0");
        assert!(f.sections.is_empty());
        assert_eq!(f.issues[0].code, "FG209");
        assert_eq!(
            f.issues[0].message,
            "spec file `specs/001-a/spec.md` cannot be read: the file is binary (it contains NUL bytes)"
        );
    }

    #[test]
    fn spec_files_parsed_after_the_version_before_as_from_scratch() {
        let body = "# Spec\n\n## Requirements\n\n- **FR-001**: Sign in.\n".to_string()
            + &"- Clarification: the limit is 9.\n".repeat(200);
        let versions: Vec<Vec<u8>> = [
            body.clone(),
            format!("\u{feff}{body}"),
            format!("\u{feff}{body}- **FR-002**: Lock.\n"),
            format!("{body}- **FR-002**: Lock.\n"),
            body.replace('\n', "\r\n"),
            format!("{body}\0"),
            body.clone(),
        ]
        .into_iter()
        .map(String::into_bytes)
        .collect();
        let patterns = IdPatterns::builtin();
        let mut before: Option<(&[u8], markdown::HashMarks)> = None;
        for bytes in &versions {
            let path = "specs/001-a/spec.md";
            let (file, marks) =
                parse_spec_file_after(path, bytes, patterns, before.as_ref().map(|(b, m)| (*b, m)));
            let want = parse_spec_file_with(path, bytes, patterns);
            assert_eq!(file.sections, want.sections);
            assert_eq!(file.issues.len(), want.issues.len());
            before = marks.map(|m| (bytes.as_slice(), m));
        }
    }
}

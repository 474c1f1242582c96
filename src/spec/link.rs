//! Links from tasks to spec sections: parsing references and resolving them.
//!
//! A task links to specs through its frontmatter `spec` / `specs` (the canonical way),
//! through `documentation` / `references` entries that point into a spec file, and
//! through body markdown links whose target is a spec file. Reference grammar:
//! `PATH#FRAGMENT`, `FEATURE/ID`, `FEATURE#FRAGMENT`, or a bare `ID`.

use std::borrow::Cow;

use super::{is_feature_name, SpecIndex};
use crate::backlog::{Spanned, Task, TaskFile};
use crate::finding::Position;
use crate::paths::normalise;
use crate::text::nearest;

/// Where a link was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkOrigin {
    /// flowgate's frontmatter `spec` / `specs`.
    Frontmatter,
    /// Backlog.md's `documentation` list.
    Documentation,
    /// Backlog.md's `references` list.
    References,
    /// A markdown link in the task body.
    Body,
}

/// A parsed reference to a spec section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecRef {
    /// `PATH` or `PATH#FRAGMENT`, path normalised to repo-relative.
    Path {
        /// Repo-relative path.
        path: String,
        /// Heading slug or ID, if any.
        fragment: Option<String>,
    },
    /// `FEATURE/ID` or `FEATURE#FRAGMENT` (a spec-kit feature folder name).
    Feature {
        /// Feature folder name, e.g. `001-user-auth`.
        feature: String,
        /// Heading slug or ID.
        fragment: String,
    },
    /// A bare requirement ID, unique across all specs.
    BareId(String),
    /// A path that leaves the repository (never read).
    Escapes(String),
}

/// What a reference resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// A section: indices into `SpecIndex::files` and that file's `sections`.
    Section {
        /// File index.
        file: usize,
        /// Section index.
        section: usize,
    },
    /// A whole file.
    File {
        /// File index.
        file: usize,
    },
    /// The file or feature does not exist; the nearest existing one, if any.
    TargetMissing {
        /// Nearest existing path or feature.
        suggestion: Option<String>,
    },
    /// The file exists, the fragment does not; the nearest slug or ID, if any.
    FragmentNotFound {
        /// File index.
        file: usize,
        /// Nearest slug or ID.
        suggestion: Option<String>,
    },
    /// A bare ID defined in several features; their qualified forms.
    Ambiguous(Vec<String>),
    /// The path leaves the repository.
    Escapes,
}

/// One link from a task to a spec, as written and as parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecLink {
    /// Where it was written.
    pub origin: LinkOrigin,
    /// The text as written.
    pub raw: String,
    /// Its position in the task file.
    pub pos: Position,
    /// The parsed reference.
    pub reference: SpecRef,
}

/// Every entry of a task that may be a link, by where it was written, in the order:
/// frontmatter `spec`, documentation, references, body.
pub fn link_entries(task: &Task) -> [(&[Spanned<String>], LinkOrigin); 4] {
    [
        (&task.spec, LinkOrigin::Frontmatter),
        (&task.documentation, LinkOrigin::Documentation),
        (&task.references, LinkOrigin::References),
        (&task.body_links, LinkOrigin::Body),
    ]
}

/// Every spec link of a task file, in the order: frontmatter, documentation, references,
/// body. Entries that are not spec links (URLs, links to other files, in-page anchors)
/// are left out.
pub fn task_links(file: &TaskFile, index: &SpecIndex) -> Vec<SpecLink> {
    let Some(task) = &file.task else {
        return Vec::new();
    };
    let task_dir = crate::source::split_parent(&file.path).0;
    let mut links = Vec::new();
    for (entries, origin) in link_entries(task) {
        for entry in entries {
            if let Some(reference) = parse_reference(&entry.value, origin, task_dir, index) {
                links.push(SpecLink {
                    origin,
                    raw: entry.value.trim().to_string(),
                    pos: entry.pos,
                    reference,
                });
            }
        }
    }
    links
}

/// Parses one reference. `task_dir` is the folder of the task file (body links are
/// relative to it; the other origins are relative to the repository root). `None` when
/// the text is not a spec link: a URL, an in-page `#anchor`, or (outside the frontmatter
/// `spec` key) a path to a file that is not a spec.
pub fn parse_reference(
    raw: &str,
    origin: LinkOrigin,
    task_dir: &str,
    index: &SpecIndex,
) -> Option<SpecRef> {
    let (path_part, path_text, fragment) = split_reference(raw)?;
    let canonical = origin == LinkOrigin::Frontmatter;

    // `FEATURE/ID` and `FEATURE#FRAGMENT` (not in body links, which are paths).
    if origin != LinkOrigin::Body && !has_extension(&path_text) {
        let feature_known =
            |f: &str| index.feature(f).is_some() || (canonical && is_feature_name(f));
        match (path_text.split_once('/'), &fragment) {
            (Some((feature, id)), None)
                if !id.is_empty() && !id.contains('/') && feature_known(feature) =>
            {
                return Some(SpecRef::Feature {
                    feature: feature.to_string(),
                    fragment: id.to_string(),
                });
            }
            (None, Some(frag)) if feature_known(&path_text) => {
                return Some(SpecRef::Feature {
                    feature: path_text.into_owned(),
                    fragment: frag.clone(),
                });
            }
            (None, None) if is_bare_id(&path_text) => {
                let known = !index.definitions(&path_text).is_empty();
                return (canonical || known).then(|| SpecRef::BareId(path_text.into_owned()));
            }
            _ => {}
        }
    }

    let base = if origin == LinkOrigin::Body {
        task_dir
    } else {
        ""
    };
    match normalise(base, &path_text) {
        Some(path) => {
            if index.symlink_on(&path).is_some() {
                return Some(SpecRef::Escapes(path_part.to_string()));
            }
            let is_spec = index.file(&path).is_some() || index.is_spec_path(&path);
            (canonical || is_spec).then_some(SpecRef::Path { path, fragment })
        }
        None => {
            // Outside the repository: a spec link when it is the canonical key or it
            // looks like one (a tail of it matches the spec globs).
            let tail_is_spec = {
                let parts: Vec<&str> = path_text.split('/').collect();
                (0..parts.len()).any(|i| index.is_spec_path(&parts[i..].join("/")))
            };
            (canonical || tail_is_spec).then(|| SpecRef::Escapes(path_part.to_string()))
        }
    }
}

/// The repository path a task's link entry points to (its fragment dropped): frontmatter
/// entries from the repository root, body links from the task's folder. `None` for a URL,
/// an in-page anchor, or a path outside the repository.
pub fn link_target(raw: &str, origin: LinkOrigin, task_dir: &str) -> Option<String> {
    let (_, path_text, _) = split_reference(raw)?;
    let base = if origin == LinkOrigin::Body {
        task_dir
    } else {
        ""
    };
    normalise(base, &path_text)
}

/// The path as written, the path decoded, and the fragment of a reference; `None` for
/// what is never a spec link (nothing, a URL, an in-page `#anchor`). The decoded path
/// borrows from `raw` when there is nothing to decode (no `%`, no `\\`), the common case.
fn split_reference(raw: &str) -> Option<(&str, Cow<'_, str>, Option<String>)> {
    let text = raw.trim();
    let text = text
        .strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(text);
    if text.is_empty() || is_url(text) {
        return None;
    }
    let (path_part, fragment) = match text.split_once('#') {
        Some((p, f)) => (
            p,
            Some(percent_decode(f).into_owned()).filter(|f| !f.is_empty()),
        ),
        None => (text, None),
    };
    if path_part.is_empty() {
        // `#anchor`: a link inside the task file itself.
        return None;
    }
    let decoded = percent_decode(path_part);
    let path_text = if decoded.contains('\\') {
        Cow::Owned(decoded.replace('\\', "/"))
    } else {
        decoded
    };
    Some((path_part, path_text, fragment))
}

/// The spec files the links of `file` resolve against, asked of an index whose files
/// are listed but not read (see [`super::load_focused`]): the file a path names, every
/// file of a feature a `FEATURE/ID` names; everything when a link may be a bare
/// requirement ID, which is looked up across all specs.
pub fn files_needed(file: &TaskFile, index: &SpecIndex) -> super::Needed {
    let mut paths = std::collections::BTreeSet::new();
    let Some(task) = &file.task else {
        return super::Needed::Files(paths);
    };
    let task_dir = crate::source::split_parent(&file.path).0;
    for (entries, origin) in link_entries(task) {
        for entry in entries {
            let Some((_, path_text, fragment)) = split_reference(&entry.value) else {
                continue;
            };
            let maybe_bare = origin != LinkOrigin::Body
                && fragment.is_none()
                && !path_text.contains('/')
                && !has_extension(&path_text)
                && is_bare_id(&path_text);
            if maybe_bare {
                return super::Needed::Everything;
            }
            match parse_reference(&entry.value, origin, task_dir, index) {
                Some(SpecRef::Path { path, .. }) => {
                    paths.insert(path);
                }
                Some(SpecRef::Feature { feature, .. }) => {
                    let files = index.feature(&feature).unwrap_or_default();
                    paths.extend(
                        files
                            .iter()
                            .filter_map(|&i| index.files.get(i))
                            .map(|f| f.path.clone()),
                    );
                }
                Some(SpecRef::BareId(_)) => return super::Needed::Everything,
                Some(SpecRef::Escapes(_)) | None => {}
            }
        }
    }
    super::Needed::Files(paths)
}

/// `scheme://...` and `mailto:` are URLs, never spec links or missing files.
fn is_url(text: &str) -> bool {
    text.contains("://")
        || text
            .get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("mailto:"))
}

fn has_extension(path: &str) -> bool {
    crate::source::split_parent(path).1.contains('.')
}

/// A bare requirement ID: letters, digits and inner dashes, e.g. `FR-001`, `US2`.
fn is_bare_id(text: &str) -> bool {
    text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && text.chars().any(|c| c.is_ascii_digit())
}

/// Decodes `%XX` escapes (as in markdown link targets); invalid escapes stay as written.
fn percent_decode(text: &str) -> Cow<'_, str> {
    if !text.contains('%') {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    Cow::Owned(String::from_utf8(out).unwrap_or_else(|_| text.to_string()))
}

impl SpecIndex {
    /// Resolves a reference against the index.
    pub fn resolve(&self, reference: &SpecRef) -> Resolution {
        match reference {
            SpecRef::Escapes(_) => Resolution::Escapes,
            SpecRef::Path { path, fragment } => {
                let Some(file) = self.file(path) else {
                    let paths = self.files.iter().map(|f| f.path.as_str());
                    return Resolution::TargetMissing {
                        suggestion: nearest_path(path, paths),
                    };
                };
                match fragment {
                    None => Resolution::File { file },
                    Some(frag) => self.resolve_in(&[file], frag),
                }
            }
            SpecRef::Feature { feature, fragment } => match self.feature(feature) {
                Some(files) => self.resolve_in(files, fragment),
                None => Resolution::TargetMissing {
                    suggestion: nearest(feature, self.feature_names()).map(str::to_string),
                },
            },
            SpecRef::BareId(id) => {
                let defs = self.definitions(id);
                let mut scopes: Vec<String> = defs
                    .iter()
                    .filter_map(|&(f, s)| {
                        let file = self.files.get(f)?;
                        let written = file
                            .sections
                            .get(s)?
                            .ids
                            .iter()
                            .find(|i| i.eq_ignore_ascii_case(id))?;
                        Some(self.qualified(f, written))
                    })
                    .collect();
                scopes.sort();
                scopes.dedup();
                match (defs.first(), scopes.len()) {
                    (Some(&(file, section)), 1) => Resolution::Section { file, section },
                    (Some(_), _) => Resolution::Ambiguous(scopes),
                    (None, _) => Resolution::TargetMissing {
                        suggestion: nearest(id, self.all_ids()).map(str::to_string),
                    },
                }
            }
        }
    }

    /// The repo-wide form of an ID defined in file `file`: `001-user-auth/FR-003`, or
    /// `docs/prd/x.md#FR-3` outside feature folders.
    pub fn qualified(&self, file: usize, id: &str) -> String {
        match self.files.get(file) {
            Some(f) => match &f.feature {
                Some(feature) => format!("{feature}/{id}"),
                None => format!("{}#{id}", f.path),
            },
            None => id.to_string(),
        }
    }

    /// Looks `fragment` up in `files` (in order); the nearest slug or ID when absent.
    fn resolve_in(&self, files: &[usize], fragment: &str) -> Resolution {
        for &file in files {
            if let Some(section) = self.files.get(file).and_then(|f| f.find_fragment(fragment)) {
                return Resolution::Section { file, section };
            }
        }
        let mut best: Option<(f64, usize, String)> = None;
        for &file in files {
            let Some(f) = self.files.get(file) else {
                continue;
            };
            let candidates = f
                .sections
                .iter()
                .flat_map(|s| s.ids.iter().chain(Some(&s.slug)));
            for c in candidates {
                let score = strsim::jaro_winkler(&fragment.to_lowercase(), &c.to_lowercase());
                if score >= 0.8 && best.as_ref().is_none_or(|b| score > b.0) {
                    best = Some((score, file, c.clone()));
                }
            }
        }
        match best {
            Some((_, file, suggestion)) => Resolution::FragmentNotFound {
                file,
                suggestion: Some(suggestion),
            },
            None => Resolution::FragmentNotFound {
                file: files.first().copied().unwrap_or_default(),
                suggestion: None,
            },
        }
    }
}

/// The existing path nearest to `path`: same file name in the nearest folder first.
fn nearest_path<'a>(path: &str, paths: impl Iterator<Item = &'a str> + Clone) -> Option<String> {
    let score = |p: &str| strsim::normalized_levenshtein(path, p);
    paths
        .map(|p| (score(p), p))
        .filter(|(s, _)| *s >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, p)| p.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference split as it was before the decoded path could borrow: always a new
    /// string, decoded and with backslashes turned into slashes.
    fn owned_path_text(raw: &str) -> Option<String> {
        let text = raw.trim();
        let text = text
            .strip_prefix('<')
            .and_then(|t| t.strip_suffix('>'))
            .unwrap_or(text);
        if text.is_empty() || is_url(text) {
            return None;
        }
        let path_part = text.split_once('#').map_or(text, |(p, _)| p);
        if path_part.is_empty() {
            return None;
        }
        Some(percent_decode(path_part).into_owned().replace('\\', "/"))
    }

    #[test]
    fn split_reference_borrows_only_what_needs_no_decoding() {
        let cases = [
            "specs/001-login/spec.md",
            " specs/001-login/spec.md#fr-001 ",
            "<specs/001 login/spec.md>",
            "specs%2F001-login/spec.md",
            "specs\\001-login\\spec.md",
            "specs%5C001/spec.md#FR%2D1",
            "001-login/FR-001",
            "FR-001",
            "%ff%fe/spec.md",
            "%4",
            "#anchor",
            "https://example.com/spec.md",
            "",
        ];
        for raw in cases {
            let split = split_reference(raw);
            assert_eq!(
                split.as_ref().map(|(_, p, _)| p.to_string()),
                owned_path_text(raw),
                "{raw:?}"
            );
            if let Some((part, path_text, _)) = split {
                let plain = !part.contains('%') && !part.contains('\\');
                assert_eq!(matches!(path_text, Cow::Borrowed(_)), plain, "{raw:?}");
            }
        }
    }
}

//! Finding and reading spec files: only the folders the globs can match are listed,
//! symlinks are never followed, and files are parsed in parallel.

use std::collections::BTreeSet;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::{markdown::IdPatterns, parse_spec_file_with, SpecFile, SpecIndex};
use crate::codes;
use crate::finding::Finding;
use crate::source::{join, Content, EntryKind, Source, SourceError, MAX_FILE_SIZE};

/// Below this many files, parsing on one thread is cheaper than spawning.
const PARALLEL_THRESHOLD: usize = 24;

/// Finds and parses every file matching `globs`, with the built-in ID patterns.
pub fn load(source: &dyn Source, globs: &[String]) -> Result<SpecIndex, SourceError> {
    load_with(source, globs, &[])
}

/// Finds and parses every file matching `globs`; `id_patterns` are the configured extra
/// requirement-ID patterns (`specs.id_patterns`).
pub fn load_with(
    source: &dyn Source,
    globs: &[String],
    id_patterns: &[String],
) -> Result<SpecIndex, SourceError> {
    load_through(source, globs, id_patterns, |paths, patterns| {
        read_and_parse(source, paths, patterns)
    })
}

/// [`load_with`], with the files found read and parsed by `read` (given their paths,
/// sorted, and the ID patterns; it returns what [`read_and_parse`] would, in any order):
/// the audit takes most of HEAD's spec files from its memo.
pub fn load_through(
    source: &dyn Source,
    globs: &[String],
    id_patterns: &[String],
    read: impl FnOnce(Vec<String>, &IdPatterns) -> Result<Vec<SpecFile>, SourceError>,
) -> Result<SpecIndex, SourceError> {
    let (paths, symlinks) = find(source, globs)?;
    let files = read(paths, &patterns(id_patterns))?;
    Ok(SpecIndex::new(files, globs.to_vec()).with_symlinks(symlinks))
}

/// The paths of every file matching `globs`, sorted, and the symlinks met on the way.
fn find(source: &dyn Source, globs: &[String]) -> Result<(Vec<String>, Vec<String>), SourceError> {
    let matcher = compile_globs(globs);
    let mut found = BTreeSet::new();
    let mut symlinks = Vec::new();
    for (dir, recursive) in roots(globs) {
        list(source, &dir, recursive, &mut found, &mut symlinks)?;
    }
    let paths = found.into_iter().filter(|p| matcher.is_match(p)).collect();
    Ok((paths, symlinks))
}

fn patterns(id_patterns: &[String]) -> IdPatterns {
    if id_patterns.is_empty() {
        IdPatterns::builtin().clone()
    } else {
        IdPatterns::new(id_patterns)
    }
}

/// Which spec files a check needs parsed (see [`load_focused`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Needed {
    /// All of them (a bare requirement ID is looked up across every spec).
    Everything,
    /// These files (repo-relative paths); the others stay unread.
    Files(BTreeSet<String>),
}

/// Finds every file matching `globs`, and parses the ones `needed` names when shown the
/// index of all of them unread (paths, feature folders, no sections): what a hook does to
/// check a few tasks' links without parsing every spec. Unread files stay in the index
/// as [`SpecFile::empty`] records, so paths and feature folders resolve as in a whole
/// load; IDs and sections are those of the files read. The files up to the first one
/// that defines a requirement ID are always read (the "missing link" help quotes it).
pub fn load_focused(
    source: &dyn Source,
    globs: &[String],
    id_patterns: &[String],
    needed: impl FnOnce(&SpecIndex) -> Needed,
) -> Result<SpecIndex, SourceError> {
    let (paths, symlinks) = find(source, globs)?;
    let patterns = patterns(id_patterns);
    let unread = SpecIndex::new(
        paths.iter().map(|p| SpecFile::empty(p)).collect(),
        globs.to_vec(),
    )
    .with_symlinks(symlinks.clone());
    let wanted = match needed(&unread) {
        Needed::Everything => {
            let files = read_and_parse(source, paths.clone(), &patterns)?;
            return Ok(SpecIndex::new(files, globs.to_vec()).with_symlinks(symlinks));
        }
        Needed::Files(wanted) => wanted,
    };
    let mut files = Vec::with_capacity(paths.len());
    let mut rest = paths.into_iter();
    // The leading files, up to the first that defines an ID.
    for path in rest.by_ref() {
        let parsed = read_and_parse(source, vec![path.clone()], &patterns)?;
        let has_id = parsed
            .iter()
            .any(|f| f.sections.iter().any(|s| !s.ids.is_empty()));
        files.extend(parsed);
        if has_id {
            break;
        }
    }
    let (read, skipped): (Vec<String>, Vec<String>) = rest.partition(|p| wanted.contains(p));
    files.extend(read_and_parse(source, read, &patterns)?);
    files.extend(skipped.iter().map(|p| SpecFile::empty(p)));
    Ok(SpecIndex::new(files, globs.to_vec()).with_symlinks(symlinks))
}

/// Reads and parses `paths` (on several threads when there are many). A file that is
/// missing now is left out; one that cannot be read is a record with an issue.
pub fn read_and_parse(
    source: &dyn Source,
    paths: Vec<String>,
    patterns: &IdPatterns,
) -> Result<Vec<SpecFile>, SourceError> {
    let mut files = Vec::new();
    let mut inputs = Vec::new();
    let contents = source.read_many(paths.clone(), MAX_FILE_SIZE);
    for (path, content) in paths.into_iter().zip(contents) {
        match content? {
            Content::Bytes(bytes) => inputs.push((path, bytes)),
            Content::Symlink => files.push(unreadable(
                &path,
                format!("spec file `{path}` is a symbolic link; flowgate does not follow symbolic links"),
                "commit the spec file itself instead of a link to it",
            )),
            Content::TooLarge(size) => files.push(unreadable(
                &path,
                format!("spec file `{path}` is {size} bytes, over the {MAX_FILE_SIZE}-byte limit; it was not read"),
                "split the spec into smaller files (one per feature), or narrow `specs.globs` in .flowgate.yml",
            )),
            Content::Missing | Content::NotAFile => {}
        }
    }
    files.extend(parse_all(inputs, patterns));
    Ok(files)
}

/// A file record for a spec that could not be read.
fn unreadable(path: &str, message: String, help: &str) -> SpecFile {
    let mut file = SpecFile::empty(path);
    file.issues.push(
        Finding::new(&codes::UNREADABLE_SPEC_FILE, message)
            .file(path)
            .help(help),
    );
    file
}

/// Parses files, on several threads when there are enough of them.
fn parse_all(inputs: Vec<(String, Vec<u8>)>, patterns: &IdPatterns) -> Vec<SpecFile> {
    crate::parallel::map(inputs, PARALLEL_THRESHOLD, |(p, b)| {
        parse_spec_file_with(&p, &b, patterns)
    })
}

/// Compiles the globs; `*` does not cross `/`, `**` does. Invalid globs are skipped
/// (the config loader reports them).
pub(crate) fn compile_globs(globs: &[String]) -> GlobSet {
    let mut builder = GlobSetBuilder::new();
    for g in globs {
        if let Ok(glob) = GlobBuilder::new(crate::paths::normalise_glob(g))
            .literal_separator(true)
            .build()
        {
            builder.add(glob);
        }
    }
    builder.build().unwrap_or_default()
}

/// The folders to list for `globs`: each glob's literal leading directories, and whether
/// anything below them must be listed recursively. Nested roots are merged.
fn roots(globs: &[String]) -> Vec<(String, bool)> {
    let mut roots: Vec<(String, bool)> = Vec::new();
    for g in globs {
        let parts: Vec<&str> = crate::paths::normalise_glob(g).split('/').collect();
        let first_meta = parts
            .iter()
            .position(|p| p.contains(['*', '?', '[', '{', '\\']));
        let (dir, recursive) = match first_meta {
            // A literal path: list its parent only.
            None => (parts[..parts.len().saturating_sub(1)].join("/"), false),
            Some(i) => (
                parts[..i].join("/"),
                i + 1 < parts.len() || parts[i].contains("**"),
            ),
        };
        roots.push((dir, recursive));
    }
    roots.sort();
    roots.dedup();
    let all = roots.clone();
    roots.retain(|(dir, rec)| {
        !all.iter().any(|(other, orec)| {
            let covers = other.is_empty() || dir.starts_with(&format!("{other}/"));
            // Same folder listed both ways: keep the recursive one.
            let same = other == dir && *orec && !rec;
            same || (*orec && other != dir && covers)
        })
    });
    roots
}

/// Lists `dir` (recursively when asked) into `files`, recording symlinks.
fn list(
    source: &dyn Source,
    dir: &str,
    recursive: bool,
    files: &mut BTreeSet<String>,
    symlinks: &mut Vec<String>,
) -> Result<(), SourceError> {
    let entries = if recursive {
        source.walk_entries(dir)?
    } else {
        source
            .list_dir(dir)?
            .into_iter()
            .map(|e| (join(dir, &e.name), e.kind))
            .collect()
    };
    for (path, kind) in entries {
        match kind {
            EntryKind::File => {
                files.insert(path);
            }
            EntryKind::Symlink => {
                files.insert(path.clone());
                symlinks.push(path);
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemorySource;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn roots_are_the_literal_prefixes() {
        let globs = strings(&[
            "specs/*/spec.md",
            "specs/*/plan.md",
            "docs/prd/*.md",
            "docs/specs/*.md",
            "SPEC.md",
        ]);
        assert_eq!(
            roots(&globs),
            [
                (String::new(), false),
                ("docs/prd".into(), false),
                ("docs/specs".into(), false),
                ("specs".into(), true),
            ]
        );
        assert_eq!(
            roots(&strings(&["docs/**/*.md", "docs/prd/*.md"])),
            [("docs".into(), true)]
        );
    }

    #[test]
    fn load_reads_only_matching_files_and_refuses_symlinks() {
        let src = MemorySource::new()
            .with("specs/001-a/spec.md", "# A\n\n- **FR-001**: x\n")
            .with("specs/001-a/notes.txt", "not a spec")
            .with("specs/001-a/deep/spec.md", "# nested, not matched\n")
            .with("docs/prd/login.md", "# Login PRD\n")
            .with("src/main.rs", "fn main() {}")
            .with_symlink("specs/002-b/spec.md", "/etc/passwd")
            .with_symlink("specs/003-c", "../elsewhere");
        let index = load(&src, &strings(crate::config::DEFAULT_SPEC_GLOBS)).unwrap();
        let paths: Vec<_> = index.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "docs/prd/login.md",
                "specs/001-a/spec.md",
                "specs/002-b/spec.md"
            ]
        );
        assert_eq!(index.files[1].sections[0].ids, ["FR-001"]);
        let issue = &index.files[2].issues[0];
        assert_eq!(issue.code, "FG209");
        assert_eq!(
            issue.message,
            "spec file `specs/002-b/spec.md` is a symbolic link; flowgate does not follow symbolic links"
        );
        assert_eq!(index.symlink_on("specs/003-c/spec.md"), Some("specs/003-c"));
        assert!(index.is_spec_path("specs/009-x/plan.md"));
        assert!(!index.is_spec_path("specs/009-x/deep/plan.md"));
    }

    #[test]
    fn too_large_specs_are_issues() {
        let big = "x".repeat(MAX_FILE_SIZE as usize + 1);
        let src = MemorySource::new().with("docs/prd/big.md", big);
        let index = load(&src, &strings(&["docs/prd/*.md"])).unwrap();
        assert_eq!(index.files[0].issues[0].code, "FG209");
        assert!(index.files[0].issues[0].message.contains("over the"));
    }

    #[test]
    fn many_files_parse_in_parallel_in_path_order() {
        let mut src = MemorySource::new();
        for n in 0..60 {
            src.insert(
                &format!("specs/{n:03}-f/spec.md"),
                format!("# F{n}\n\n- **FR-{n:03}**: x\n"),
            );
        }
        let index = load_with(&src, &strings(&["specs/*/spec.md"]), &[]).unwrap();
        assert_eq!(index.files.len(), 60);
        assert_eq!(index.files[59].feature.as_deref(), Some("059-f"));
        assert_eq!(index.definitions("fr-059"), &[(59, 0)]);
    }
}

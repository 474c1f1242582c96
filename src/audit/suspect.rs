//! Suspect links (FG207): a finished task links to a spec section whose text changed after
//! the commit in which the task reached its last status; with `audit.suspect_open`, an open
//! task in one of those statuses links to a section that changed after the commit that
//! added the link.
//!
//! A person re-confirms a link by recording the section's current content hash in the
//! task's frontmatter (`spec_reviewed: { "LINK": "HASH" }`): it lives in the repository, is
//! reviewed in the pull request like any change, and survives history rewrites because it
//! names content, not commits.

use std::collections::HashMap;

use super::history::{item_key, History};
use super::memo::Quotes;
use crate::backlog::{Folder, TaskFile};
use crate::finding::Finding;
use crate::git::Repo;
use crate::rules;
use crate::snapshot::Snapshot;
use crate::source::{Content, Source, MAX_FILE_SIZE};
use crate::spec::link::{task_links, Resolution, SpecRef};
use crate::spec::markdown::IdPatterns;

/// The hash as `spec_reviewed` stores it.
pub fn hash_text(hash: u64) -> String {
    format!("{hash:016x}")
}

/// What a link points at: a whole section, or the list item that defines a requirement.
enum Target<'a> {
    Section(&'a str),
    Item(&'a str),
}

/// The spec files the diffs of suspect links quote, read once each: HEAD's by path, and
/// those of earlier commits by blob (the commits at which tasks were finished mostly share
/// a version of the spec they link to); the texts quoted from earlier commits are kept in
/// the tree memo for the next audit.
struct Texts<'a> {
    repo: &'a Repo,
    source: &'a dyn Source,
    patterns: &'a IdPatterns,
    head: HashMap<String, Option<String>>,
    old: HashMap<crate::git::Oid, Option<(crate::spec::SpecFile, String)>>,
    quotes: &'a mut Quotes,
}

impl<'a> Texts<'a> {
    fn new(
        repo: &'a Repo,
        source: &'a dyn Source,
        patterns: &'a IdPatterns,
        quotes: &'a mut Quotes,
    ) -> Self {
        Texts {
            repo,
            source,
            patterns,
            head: HashMap::new(),
            old: HashMap::new(),
            quotes,
        }
    }

    /// The text of `range` in spec file `path` at HEAD.
    fn at_head(&mut self, path: &str, range: std::ops::Range<usize>) -> Option<String> {
        let source = self.source;
        let text = self.head.entry(path.to_string()).or_insert_with(|| {
            match source.read(path, MAX_FILE_SIZE) {
                Ok(Content::Bytes(b)) => Some(String::from_utf8_lossy(&b).into_owned()),
                _ => None,
            }
        });
        text.as_deref()?.get(range).map(str::to_string)
    }

    /// The text of `target` in spec file `path` in commit `commit` (the memo's when an
    /// earlier audit quoted it).
    fn at(&mut self, commit: &str, path: &str, target: &Target<'_>) -> Option<String> {
        let id = crate::git::Oid::from_str(commit).ok()?;
        let what = match target {
            Target::Section(slug) => format!("{path}\0section {slug}"),
            Target::Item(item) => format!("{path}\0item {item}"),
        };
        let (repo, patterns, old) = (self.repo, self.patterns, &mut self.old);
        self.quotes
            .get_or(id, what, || read_at(repo, patterns, old, id, path, target))
    }
}

/// The text of `target` in spec file `path` in commit `id`; the spec files of earlier
/// commits are parsed once per blob (`old`).
fn read_at(
    repo: &Repo,
    patterns: &IdPatterns,
    old: &mut HashMap<crate::git::Oid, Option<(crate::spec::SpecFile, String)>>,
    id: crate::git::Oid,
    path: &str,
    target: &Target<'_>,
) -> Option<String> {
    let tree = repo.commit_tree(id).ok()?;
    let blob = tree.file_blob(path);
    let parse = || {
        let Ok(Content::Bytes(bytes)) = tree.read(path, MAX_FILE_SIZE) else {
            return None;
        };
        let file = crate::spec::parse_spec_file_with(path, &bytes, patterns);
        Some((file, String::from_utf8_lossy(&bytes).into_owned()))
    };
    let parsed = match blob {
        Some(blob) => old.entry(blob).or_insert_with(parse).as_ref()?,
        // Not a regular file there: read as before, nothing to share.
        None => return parse().and_then(|(file, text)| range_text(&file, &text, target)),
    };
    range_text(&parsed.0, &parsed.1, target)
}

/// The text of `target` in `file`, whose text is `text`.
fn range_text(file: &crate::spec::SpecFile, text: &str, target: &Target<'_>) -> Option<String> {
    let range = match target {
        Target::Section(slug) => file
            .sections
            .iter()
            .find(|s| s.slug == *slug)?
            .range
            .clone(),
        Target::Item(id) => file.sections.iter().find_map(|s| s.item(id))?.range.clone(),
    };
    text.get(range).map(str::to_string)
}

/// The fragment a reference names (`FR-002` in `001-auth/FR-002`), if any.
fn fragment(reference: &SpecRef) -> Option<&str> {
    match reference {
        SpecRef::Path { fragment, .. } => fragment.as_deref(),
        SpecRef::Feature { fragment, .. } => Some(fragment),
        SpecRef::BareId(id) => Some(id),
        SpecRef::Escapes(_) => None,
    }
}

/// A small line diff (`-`/`+` lines, common lines left out), at most `max` lines.
pub fn small_diff(old: &str, new: &str, max: usize) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Longest common subsequence; sections are short.
    let n = a.len();
    let m = b.len();
    if n.saturating_mul(m) > 250_000 {
        return "(section too long to diff)".to_string();
    }
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push(format!("- {}", a[i]));
            i += 1;
        } else {
            out.push(format!("+ {}", b[j]));
            j += 1;
        }
    }
    if out.len() > max {
        let more = out.len() - max;
        out.truncate(max);
        out.push(format!("… {more} more changed lines"));
    }
    out.join("\n")
}

/// Is `file` in one of `statuses` (open tasks the configuration asks about)?
fn open_and_asked(file: &TaskFile, snapshot: &Snapshot, statuses: &[String]) -> bool {
    file.folder == Folder::Tasks
        && file
            .status()
            .is_some_and(|s| snapshot.workflow.is_one_of(s, statuses))
}

/// FG207 findings for the tree at HEAD (`snapshot`, read from `source`): finished tasks
/// against the commit in which they reached their status, and open tasks in one of
/// `open` (`audit.suspect_open`) against the commit that added each link.
pub fn check(
    snapshot: &Snapshot,
    source: &dyn Source,
    history: &History,
    repo: &Repo,
    patterns: &IdPatterns,
    open: &[String],
    quotes: &mut Quotes,
) -> Vec<Finding> {
    let index = &snapshot.specs;
    let mut out = Vec::new();
    let Some(backlog) = &snapshot.backlog else {
        return out;
    };
    let mut texts = Texts::new(repo, source, patterns, quotes);
    for file in backlog.tasks() {
        let done = super::coverage::is_done(file, snapshot);
        if !done && !open_and_asked(file, snapshot, open) {
            continue;
        }
        let Some(task) = &file.task else { continue };
        let Some(id) = file.id() else { continue };
        let reached = history.reached_status(&id.canonical());
        for link in task_links(file, index) {
            let since = if done {
                reached
            } else {
                history.link_added(&id.canonical(), &link.raw)
            };
            let Some(since) = since else { continue };
            let Resolution::Section { file: fi, section } = index.resolve(&link.reference) else {
                continue;
            };
            let Some(spec) = index.files.get(fi) else {
                continue;
            };
            let Some(sec) = spec.sections.get(section) else {
                continue;
            };
            // A link to a requirement listed in a section follows that requirement's own
            // list item: an edit to FR-001 says nothing about a task that links FR-002.
            let item = fragment(&link.reference).and_then(|f| sec.item(f));
            let (key, hash, range, target) = match item {
                Some(i) => (
                    item_key(&i.id),
                    i.content_hash,
                    i.range.clone(),
                    Target::Item(&i.id),
                ),
                None => (
                    sec.slug.clone(),
                    sec.content_hash,
                    sec.range.clone(),
                    Target::Section(&sec.slug),
                ),
            };
            let changes = history.section_history(&spec.path, &key);
            let Some(&(last_i, _)) = changes.iter().rev().find(|(i, _)| *i > since) else {
                continue;
            };
            // The section's hash at `since`: after the last change up to then, else before
            // the first change after.
            let then = changes
                .iter()
                .rev()
                .find(|(i, _)| *i <= since)
                .map(|(_, c)| c.new)
                .or_else(|| changes.iter().find(|(i, _)| *i > since).map(|(_, c)| c.old))
                .flatten();
            if then == Some(hash) {
                continue;
            }
            let now = hash_text(hash);
            let canonical = format!("{}#{}", spec.path, sec.slug);
            let (what, shown) = match item {
                Some(i) => ("requirement", format!("{canonical} ({})", i.id)),
                None => ("section", canonical.clone()),
            };
            let reviewed = [link.raw.as_str(), canonical.as_str()].iter().any(|k| {
                task.spec_reviewed
                    .get(*k)
                    .is_some_and(|h| h.eq_ignore_ascii_case(&now))
            });
            if reviewed {
                continue;
            }
            let (Some(anchor), Some(changer)) =
                (history.records.get(since), history.records.get(last_i))
            else {
                continue;
            };
            let status = file.status().unwrap_or("done");
            let old = texts.at(&anchor.id, &spec.path, &target);
            let new = texts.at_head(&spec.path, range);
            let diff = match (old, new) {
                (Some(o), Some(n)) => small_diff(&o, &n, 12),
                (None, Some(_)) => "(the section did not exist then)".to_string(),
                _ => String::new(),
            };
            let changed = format!(
                "changed afterwards in commit {} ({}, {}: {})",
                changer.short(),
                changer.date(),
                changer.author,
                changer.subject,
            );
            let (message, help) = if done {
                (
                    format!(
                        "{} is \"{status}\" since commit {} ({}), but the {what} it links to, {shown}, {changed}",
                        id.canonical(),
                        anchor.short(),
                        anchor.date(),
                    ),
                    format!(
                        "check that the task still meets the changed section; if it does, add to its frontmatter:\n  spec_reviewed: {{ \"{}\": \"{now}\" }}\n(or reopen the task). The change since the task was finished:\n{diff}",
                        link.raw
                    ),
                )
            } else {
                (
                    format!(
                        "{} (\"{status}\") links to {shown} since commit {} ({}), but that {what} {changed}",
                        id.canonical(),
                        anchor.short(),
                        anchor.date(),
                    ),
                    format!(
                        "check that the work on the task still matches the changed section; if it does, add to its frontmatter:\n  spec_reviewed: {{ \"{}\": \"{now}\" }}\nThe change since the link was made:\n{diff}",
                        link.raw
                    ),
                )
            };
            out.push(
                Finding::new(&rules::SUSPECT_LINK, message)
                    .at(&file.path, link.pos)
                    .task(id.canonical())
                    .help(help),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_shows_changed_lines_only() {
        let d = small_diff("## FR-1\nkeep\nold line\n", "## FR-1\nkeep\nnew line\n", 10);
        assert_eq!(d, "- old line\n+ new line");
    }

    #[test]
    fn diff_is_capped() {
        let new: String = (0..20).map(|i| format!("l{i}\n")).collect();
        let d = small_diff("", &new, 3);
        assert!(d.ends_with("… 17 more changed lines"), "{d}");
    }
}

//! Suspect links (FG207): a finished task links to a spec section whose text changed after
//! the commit in which the task reached its last status; with `audit.suspect_open`, an open
//! task in one of those statuses links to a section that changed after the commit that
//! added the link.
//!
//! A person re-confirms a link by recording the section's current content hash in the
//! task's frontmatter (`spec_reviewed: { "LINK": "HASH" }`): it lives in the repository, is
//! reviewed in the pull request like any change, and survives history rewrites because it
//! names content, not commits.

use super::history::History;
use crate::backlog::{Folder, TaskFile};
use crate::finding::Finding;
use crate::git::Repo;
use crate::rules;
use crate::snapshot::Snapshot;
use crate::source::{Content, Source, MAX_FILE_SIZE};
use crate::spec::link::{task_links, Resolution};
use crate::spec::markdown::IdPatterns;

/// The hash as `spec_reviewed` stores it.
pub fn hash_text(hash: u64) -> String {
    format!("{hash:016x}")
}

fn finished(file: &TaskFile, snapshot: &Snapshot) -> bool {
    file.folder == Folder::Completed
        || file.status().is_some_and(|s| {
            let i = snapshot.workflow.resolve(s).index();
            i.is_some() && i == snapshot.workflow.last()
        })
}

/// The text of section `slug` of spec file `path` in commit `commit`.
fn section_text(
    repo: &Repo,
    commit: &str,
    path: &str,
    slug: &str,
    patterns: &IdPatterns,
) -> Option<String> {
    let id = git2::Oid::from_str(commit).ok()?;
    let tree = repo.commit_tree(id).ok()?;
    let Ok(Content::Bytes(bytes)) = tree.read(path, MAX_FILE_SIZE) else {
        return None;
    };
    let file = crate::spec::parse_spec_file_with(path, &bytes, patterns);
    let s = file.sections.iter().find(|s| s.slug == slug)?;
    let text = String::from_utf8_lossy(&bytes);
    text.get(s.range.clone()).map(str::to_string)
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
    let wf = &snapshot.workflow;
    file.folder == Folder::Tasks
        && file.status().is_some_and(|s| {
            statuses
                .iter()
                .any(|o| match (wf.resolve(o).index(), wf.resolve(s).index()) {
                    (Some(a), Some(b)) => a == b,
                    _ => o.trim().eq_ignore_ascii_case(s.trim()),
                })
        })
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
) -> Vec<Finding> {
    let index = &snapshot.specs;
    let mut out = Vec::new();
    let Some(backlog) = &snapshot.backlog else {
        return out;
    };
    for file in backlog.tasks() {
        let done = finished(file, snapshot);
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
            let changes = history.section_history(&spec.path, &sec.slug);
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
            if then == Some(sec.content_hash) {
                continue;
            }
            let now = hash_text(sec.content_hash);
            let canonical = format!("{}#{}", spec.path, sec.slug);
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
            let old = section_text(repo, &anchor.id, &spec.path, &sec.slug, patterns);
            let new = match source.read(&spec.path, MAX_FILE_SIZE) {
                Ok(Content::Bytes(b)) => String::from_utf8_lossy(&b)
                    .get(sec.range.clone())
                    .map(str::to_string),
                _ => None,
            };
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
                        "{} is \"{status}\" since commit {} ({}), but the section it links to, {canonical}, {changed}",
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
                        "{} (\"{status}\") links to {canonical} since commit {} ({}), but that section {changed}",
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

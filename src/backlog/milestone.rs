//! Milestone files: `milestones/m-N - slug.md` and `archive/milestones/` below the backlog
//! root, each with an `id` (`m-0`) and a `title` in its frontmatter. A task's `milestone`
//! names one by its ID (what the CLI writes), by the ID's number, or by its title, each
//! compared ignoring case, as Backlog.md resolves it.

use serde_norway::Value;

use super::config::{scalar_string, untag};
use super::{frontmatter, BacklogLayout};
use crate::source::{join, Content, EntryKind, Source, SourceError, MAX_FILE_SIZE};

/// One milestone file, as far as flowgate reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    /// Repo-relative path.
    pub path: String,
    /// Frontmatter `id` (`m-0`), empty when the file has none.
    pub id: String,
    /// Frontmatter `title`, empty when the file has none.
    pub title: String,
    /// In `archive/milestones/`.
    pub archived: bool,
}

/// The folders milestone files live in, below the backlog root, and whether they are
/// the archive.
const FOLDERS: [(&str, bool); 2] = [("milestones", false), ("archive/milestones", true)];

/// Reads every `m-*.md` file of the two milestone folders. A file that cannot be read or
/// has no frontmatter is left out, as Backlog.md leaves it out.
pub fn load(source: &dyn Source, layout: &BacklogLayout) -> Result<Vec<Milestone>, SourceError> {
    let mut paths = Vec::new();
    for (folder, archived) in FOLDERS {
        let dir = join(&layout.root, folder);
        for entry in source.list_prefix(&dir, "m-")? {
            if entry.kind == EntryKind::File && entry.name.ends_with(".md") {
                paths.push((join(&dir, &entry.name), archived));
            }
        }
    }
    let contents = source.read_many(
        paths.iter().map(|(p, _)| p.clone()).collect(),
        MAX_FILE_SIZE,
    );
    let mut out = Vec::new();
    for ((path, archived), content) in paths.into_iter().zip(contents) {
        let Ok(Content::Bytes(bytes)) = content else {
            continue;
        };
        let Ok(text) = crate::text::decode(&bytes) else {
            continue;
        };
        let Ok(split) = frontmatter::split(text) else {
            continue;
        };
        let Ok(map) = frontmatter::parse_yaml(split.yaml, split.yaml_line) else {
            continue;
        };
        let field = |key: &str| {
            map.get(key)
                .map(untag)
                .filter(|v| !matches!(v, Value::Null))
                .and_then(scalar_string)
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        out.push(Milestone {
            path,
            id: field("id"),
            title: field("title"),
            archived,
        });
    }
    Ok(out)
}

/// `m-7` for `7`, `m-07` and `M-7`; `None` for anything that is not a milestone ID.
fn id_number(value: &str) -> Option<u64> {
    let v = value.trim();
    let digits = v
        .get(..2)
        .filter(|p| p.eq_ignore_ascii_case("m-"))
        .and_then(|_| v.get(2..))
        .unwrap_or(v);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

impl Milestone {
    /// True when a task's `milestone` value names this milestone: its ID (or the ID's
    /// number) or its title, ignoring case.
    pub fn is_named_by(&self, value: &str) -> bool {
        let value = value.trim();
        if value.is_empty() {
            return false;
        }
        if !self.id.is_empty() && self.id.eq_ignore_ascii_case(value) {
            return true;
        }
        if let (Some(a), Some(b)) = (id_number(&self.id), id_number(value)) {
            if a == b {
                return true;
            }
        }
        !self.title.is_empty() && self.title.to_lowercase() == value.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemorySource;

    #[test]
    fn reads_both_folders_and_resolves_ids_numbers_and_titles() {
        let source = MemorySource::new()
            .with("backlog/config.yml", "task_prefix: task\n")
            .with(
                "backlog/milestones/m-0 - release-1.md",
                "---\nid: m-0\ntitle: \"Release 1\"\n---\n\n## Description\n",
            )
            .with(
                "backlog/archive/milestones/m-1 - beta.md",
                "---\nid: m-1\ntitle: Beta\n---\n",
            )
            .with("backlog/milestones/readme.md", "not a milestone\n")
            .with("backlog/milestones/m-2 - broken.md", "no frontmatter\n");
        let layout = crate::backlog::discover(&source, None).unwrap().unwrap();
        let all = load(&source, &layout).unwrap();
        assert_eq!(all.len(), 2, "{all:?}");
        let release = &all[0];
        assert_eq!((release.id.as_str(), release.archived), ("m-0", false));
        for name in ["m-0", "M-0", "0", "m-00", "release 1", " Release 1 "] {
            assert!(release.is_named_by(name), "{name}");
        }
        for name in ["m-1", "Release", "", "1"] {
            assert!(!release.is_named_by(name), "{name}");
        }
        assert!(all[1].archived && all[1].is_named_by("beta"));
    }
}

//! Classifying one path as a task or draft file without listing its folder: what a hook
//! needs when it knows only the paths a commit changes.

use super::{BacklogLayout, Folder, TaskEntry, TaskId};

/// The ID a task file's name carries: the part before ` - `, or the whole stem.
pub fn name_id(file_name: &str) -> Option<TaskId> {
    let stem = file_name.strip_suffix(".md")?;
    // A plain byte scan: `str::split_once` sets up a substring searcher per call, which
    // shows when a hook lists 10,000 file names.
    let head = stem
        .as_bytes()
        .windows(3)
        .position(|w| w == b" - ")
        .map_or(stem, |at| &stem[..at]);
    TaskId::parse(head)
}

/// The task entry for repo-relative `path` when it is a task or draft file of `layout`:
/// `<prefix>-*.md` directly in `tasks/`, `completed/` or `archive/tasks/`, or `draft-*.md`
/// directly in `drafts/`. File names are matched case-sensitively on the lowercase prefix,
/// as Backlog.md globs them.
pub fn entry_for(path: &str, layout: &BacklogLayout) -> Option<TaskEntry> {
    let rest = if layout.root.is_empty() {
        path
    } else {
        path.strip_prefix(layout.root.trim_end_matches('/'))?
            .strip_prefix('/')?
    };
    let (dir, name) = rest.rsplit_once('/')?;
    let (folder, _) = Folder::ALL.iter().find(|(_, d)| *d == dir)?;
    let prefix = match folder {
        Folder::Drafts => "draft".to_string(),
        _ => layout.config.task_prefix.to_ascii_lowercase(),
    };
    let after = name.strip_prefix(&prefix)?.strip_prefix('-')?;
    if !name.ends_with(".md") || after.is_empty() {
        return None;
    }
    Some(TaskEntry {
        path: path.to_string(),
        folder: *folder,
        name_id: name_id(name),
        undecodable_name: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backlog::BacklogConfig;

    fn layout(root: &str, prefix: &str) -> BacklogLayout {
        BacklogLayout {
            root: root.into(),
            config_file: None,
            config: BacklogConfig {
                task_prefix: prefix.into(),
                ..BacklogConfig::default()
            },
            config_problem: None,
        }
    }

    #[test]
    fn classifies_task_and_draft_paths() {
        let l = layout("backlog", "task");
        let e = entry_for("backlog/completed/task-12 - Login.md", &l).unwrap();
        assert_eq!(e.folder, Folder::Completed);
        assert_eq!(e.name_id, TaskId::parse("TASK-12"));
        let e = entry_for("backlog/archive/tasks/task-3.1 - X.md", &l).unwrap();
        assert_eq!(e.folder, Folder::Archive);
        let e = entry_for("backlog/drafts/draft-2 - Idea.md", &l).unwrap();
        assert_eq!(e.folder, Folder::Drafts);
        for not_task in [
            "backlog/tasks/readme.md",
            "backlog/tasks/TASK-7 - Upper.md",
            "backlog/tasks/sub/task-1 - A.md",
            "backlog/docs/task-1 - A.md",
            "backlog/tasks/task-1 - A.txt",
            "src/tasks/task-1 - A.md",
        ] {
            assert!(entry_for(not_task, &l).is_none(), "{not_task}");
        }
    }

    #[test]
    fn custom_root_and_prefix() {
        let l = layout(".backlog", "feat");
        let e = entry_for(".backlog/tasks/feat-001 - Padded.md", &l).unwrap();
        assert_eq!(e.name_id, TaskId::parse("FEAT-1"));
        assert!(entry_for(".backlog/tasks/task-1 - A.md", &l).is_none());
        assert_eq!(name_id("task-9 - x.md"), TaskId::parse("task-9"));
        assert_eq!(name_id("task-9.md"), TaskId::parse("task-9"));
        assert_eq!(name_id("task-x - y.md"), None);
    }
}

//! Task memory: `<backlog>/memory/task-N.md` while a task is worked on,
//! `<backlog>/memory/archive/task-N.md` once it is done, and the `@import` of the active
//! task's memory in `<backlog>/CLAUDE.md`.

use crate::backlog::TaskId;
use crate::source::{join, Content, EntryKind, Source, SourceError, MAX_FILE_SIZE};

/// A memory file over this many bytes is a warning (flowspec's own soft limit).
pub const WARN_BYTES: u64 = 25 * 1024;
/// A memory file over this many bytes is an error (flowspec's own hard limit).
pub const FAIL_BYTES: u64 = 100 * 1024;

/// One memory file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryFile {
    /// Repo-relative path.
    pub path: String,
    /// In `archive/` (the task is done).
    pub archived: bool,
    /// The task its name names (`task-42.md` → TASK-42), when it parses.
    pub id: Option<TaskId>,
    /// Size in bytes.
    pub size: u64,
    /// The text, when it is UTF-8 and not over the read limit.
    pub text: Option<String>,
}

/// One `@import` (or `@path`) line of `CLAUDE.md`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// 1-based line.
    pub line: u32,
    /// The target as written.
    pub target: String,
    /// The repo-relative path it resolves to (`None`: it leaves the repository).
    pub resolved: Option<String>,
    /// True when the target exists: relative to `CLAUDE.md`'s folder (how Claude Code
    /// reads it), or by its file name in the memory folder (what flowspec's writer means
    /// by `../memory/task-N.md`).
    pub exists: bool,
}

/// The memory folder and the backlog's `CLAUDE.md`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Memory {
    /// `<backlog>/memory`.
    pub dir: String,
    /// The memory files, active then archived, in path order.
    pub files: Vec<MemoryFile>,
    /// `<backlog>/CLAUDE.md`, when present.
    pub claude_path: Option<String>,
    /// Its imports of files in the memory folder.
    pub imports: Vec<Import>,
    /// Every file path below the memory folder (to resolve imports).
    pub present: Vec<String>,
}

/// Reads the memory folder of the backlog at `backlog_root`.
pub fn load(source: &dyn Source, backlog_root: &str) -> Result<Memory, SourceError> {
    read(source, backlog_root, true)
}

/// Lists the memory files of the backlog at `backlog_root` without reading them (no
/// size, no text, no `CLAUDE.md`): where they are is all a transition needs.
pub fn list(source: &dyn Source, backlog_root: &str) -> Result<Memory, SourceError> {
    read(source, backlog_root, false)
}

fn read(source: &dyn Source, backlog_root: &str, contents: bool) -> Result<Memory, SourceError> {
    let root = backlog_root.trim_end_matches('/');
    let dir = join(root, "memory");
    let mut memory = Memory {
        dir: dir.clone(),
        ..Memory::default()
    };
    for (folder, archived) in [(dir.clone(), false), (join(&dir, "archive"), true)] {
        for entry in source.list_dir(&folder)? {
            let path = join(&folder, &entry.name);
            if entry.kind != EntryKind::File {
                continue;
            }
            memory.present.push(path.clone());
            let Some(stem) = entry.name.strip_suffix(".md") else {
                continue;
            };
            // `task-N.truncated.md` is flowspec's shortened copy for injection.
            if stem.ends_with(".truncated") || stem.eq_ignore_ascii_case("readme") {
                continue;
            }
            if !contents {
                memory.files.push(MemoryFile {
                    path,
                    archived,
                    id: TaskId::parse(stem),
                    size: 0,
                    text: None,
                });
                continue;
            }
            let (size, text) = match source.read(&path, MAX_FILE_SIZE)? {
                Content::Bytes(b) => (
                    b.len() as u64,
                    crate::text::decode(&b).ok().map(str::to_string),
                ),
                Content::TooLarge(n) => (n, None),
                _ => continue,
            };
            memory.files.push(MemoryFile {
                path,
                archived,
                id: TaskId::parse(stem),
                size,
                text,
            });
        }
    }
    if !contents {
        return Ok(memory);
    }
    let claude = join(root, "CLAUDE.md");
    if let Content::Bytes(b) = source.read(&claude, MAX_FILE_SIZE)? {
        if let Ok(text) = crate::text::decode(&b) {
            memory.imports = imports(root, text);
        }
        for import in &mut memory.imports {
            let by_name = import
                .target
                .rsplit('/')
                .next()
                .map(|name| join(&dir, name));
            import.exists = match (&import.resolved, &by_name) {
                (Some(p), _) if source.is_file(p)? => true,
                (_, Some(p)) => source.is_file(p)?,
                _ => false,
            };
        }
        memory.claude_path = Some(claude);
    }
    Ok(memory)
}

/// The `@import PATH` and `@PATH` lines of a `CLAUDE.md` in `root` that name a file of
/// the memory folder, outside fenced code blocks.
fn imports(root: &str, text: &str) -> Vec<Import> {
    let mut out = Vec::new();
    let mut fenced = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with("```") || t.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let Some(rest) = t.strip_prefix('@') else {
            continue;
        };
        let target = rest
            .strip_prefix("import ")
            .unwrap_or(rest)
            .trim()
            .to_string();
        if !target.contains("memory/") || !target.ends_with(".md") {
            continue;
        }
        out.push(Import {
            line: i as u32 + 1,
            resolved: resolve(root, &target),
            target,
            exists: false,
        });
    }
    out
}

/// `target` relative to the folder `root`, as a repo-relative path (`None`: it leaves
/// the repository).
fn resolve(root: &str, target: &str) -> Option<String> {
    crate::paths::normalise(root, target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemorySource;

    #[test]
    fn reads_active_archived_and_imports() {
        let src = MemorySource::new()
            .with("backlog/memory/task-3.md", "# Memory\n")
            .with("backlog/memory/task-3.truncated.md", "x")
            .with("backlog/memory/archive/task-1.md", "# Done\n")
            .with(
                "backlog/CLAUDE.md",
                "# Tasks\n\n```\n@import ../memory/task-9.md\n```\n@import ../memory/task-3.md\n@../memory/task-4.md\n@docs/other.md\n",
            );
        let m = load(&src, "backlog").unwrap();
        let files: Vec<_> = m
            .files
            .iter()
            .map(|f| (f.path.as_str(), f.archived))
            .collect();
        assert_eq!(
            files,
            [
                ("backlog/memory/task-3.md", false),
                ("backlog/memory/archive/task-1.md", true)
            ]
        );
        let imports: Vec<_> = m
            .imports
            .iter()
            .map(|i| (i.line, i.resolved.as_deref(), i.exists))
            .collect();
        assert_eq!(
            imports,
            [
                (6, Some("memory/task-3.md"), true),
                (7, Some("memory/task-4.md"), false)
            ]
        );
    }

    #[test]
    fn imports_resolve_against_the_backlog_folder() {
        assert_eq!(
            resolve("backlog", "../backlog/memory/task-1.md").as_deref(),
            Some("backlog/memory/task-1.md")
        );
        assert_eq!(
            resolve("backlog", "memory/task-1.md").as_deref(),
            Some("backlog/memory/task-1.md")
        );
        assert_eq!(resolve("", "../x.md"), None);
    }
}

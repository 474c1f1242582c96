//! Finding single tasks in a snapshot without parsing the whole backlog.
//!
//! Hooks must stay imperceptible on a backlog of 10,000 tasks, so a task is found by the
//! ID in its file name (a folder listing, no reads) and only that file is parsed. When no
//! file name carries the ID (a file whose name disagrees with its `id`), the whole backlog
//! is parsed once, as a fallback.

use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use crate::git::Oid;

use crate::backlog::{self, Backlog, BacklogLayout, Folder, Task, TaskEntry, TaskFile, TaskId};
use crate::git::TreeSource;
use crate::rules::commits::TaskIndex;
use crate::rules::transitions::TaskLookup;
use crate::source::{Content, EntryKind, Source, SourceError, MAX_FILE_SIZE};
use crate::workflow::Workflow;

/// Task files parsed earlier in a pass over history, by blob and path: a blob a commit
/// changed is the "before" side of the next change to that task, and the task a commit
/// references was, most of the time, just written. One memo serves one backlog layout;
/// the threads of a pass share it (see [`SharedParses`]), since the commit that wrote a
/// blob and the one that changes it next are often judged on different threads.
#[derive(Debug, Default)]
pub struct ParseMemo {
    parsed: Arc<Mutex<ParsedFiles>>,
}

/// Parsed task files by blob and path.
type ParsedFiles = HashMap<([u8; 20], String), TaskFile, rustc_hash::FxBuildHasher>;

/// How many parsed files a [`ParseMemo`] keeps before it starts over.
const MEMO_FILES: usize = 2048;

impl ParseMemo {
    /// The file at `entry` with content blob `blob`, parsed once.
    pub fn parse(
        &self,
        repo: &crate::git::Repo,
        blob: Oid,
        entry: &TaskEntry,
        layout: &BacklogLayout,
    ) -> Result<Option<TaskFile>, SourceError> {
        let key = (crate::git::tree::key(blob), entry.path.clone());
        if let Some(file) = self.parsed.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(Some(file));
        }
        let Some(file) = parse_blob(repo, blob, entry.clone(), layout)? else {
            return Ok(None);
        };
        if let Ok(mut parsed) = self.parsed.lock() {
            if parsed.len() >= MEMO_FILES {
                parsed.clear();
            }
            parsed.insert(key, file.clone());
        }
        Ok(Some(file))
    }
}

/// The [`ParseMemo`]s of the threads of one pass over history, one per backlog layout:
/// a task file parsed by one thread is not parsed again by another.
#[derive(Debug, Default)]
pub struct SharedParses {
    layouts: Mutex<Vec<(BacklogLayout, ParseMemo)>>,
}

impl SharedParses {
    /// The memo of the files parsed under `layout` (a parse depends on the backlog's
    /// folder, prefix and statuses); a fresh one when the layouts cannot be read.
    pub fn memo(&self, layout: &BacklogLayout) -> ParseMemo {
        let Ok(mut layouts) = self.layouts.lock() else {
            return ParseMemo::default();
        };
        if let Some((_, memo)) = layouts.iter().find(|(l, _)| l == layout) {
            return ParseMemo {
                parsed: memo.parsed.clone(),
            };
        }
        let memo = ParseMemo::default();
        let shared = ParseMemo {
            parsed: memo.parsed.clone(),
        };
        layouts.push((layout.clone(), memo));
        shared
    }
}

/// The task file at `entry` with content blob `blob`, parsed; `None` when the blob is
/// not text flowgate reads (too large). A blob the repository cannot produce (a missing
/// object) is an error: judging the file as absent would pass what was never checked.
pub fn parse_blob(
    repo: &crate::git::Repo,
    blob: Oid,
    entry: TaskEntry,
    layout: &BacklogLayout,
) -> Result<Option<TaskFile>, SourceError> {
    match repo.blob(blob, MAX_FILE_SIZE) {
        Ok(Content::Bytes(bytes)) => Ok(Some(backlog::parse_task_file(entry, &bytes, layout))),
        Ok(_) => Ok(None),
        Err(e) => Err(SourceError(format!(
            "cannot read {} (blob {blob}) from the repository: {e}",
            entry.path
        ))),
    }
}

/// Task lookups in one source, by file name first.
pub struct TaskFinder<'a> {
    source: &'a dyn Source,
    /// The same source when it is a commit's tree, with the memo its files are parsed
    /// through (see [`TaskFinder::with_memo`]).
    tree: Option<(&'a TreeSource<'a>, &'a ParseMemo)>,
    layout: &'a BacklogLayout,
    entries: OnceCell<Vec<TaskEntry>>,
    full: OnceCell<Option<Backlog>>,
    /// Paths to ignore (for "untouched" lookups: the files a change touches).
    exclude: BTreeSet<String>,
    workflow: Option<&'a Workflow>,
    /// Only name lookups: no whole-backlog parse, no suggestions (for long histories).
    name_only: bool,
    /// A name-only finder still reads every file for an ID nothing else resolves (see
    /// [`TaskFinder::resolving_by_frontmatter`]).
    frontmatter_fallback: bool,
    /// The first listing or read that failed. Lookups answer through traits that cannot
    /// fail, so the error is kept here and [`TaskFinder::failure`] hands it to the caller:
    /// a file that should exist but cannot be read is an error, never "no such task".
    failed: RefCell<Option<SourceError>>,
}

impl<'a> TaskFinder<'a> {
    /// A finder over `source`.
    pub fn new(source: &'a dyn Source, layout: &'a BacklogLayout) -> Self {
        TaskFinder {
            source,
            tree: None,
            layout,
            entries: OnceCell::new(),
            full: OnceCell::new(),
            exclude: BTreeSet::new(),
            workflow: None,
            name_only: false,
            frontmatter_fallback: false,
            failed: RefCell::new(None),
        }
    }

    /// The first listing or read error met by a lookup so far, if any. Callers check it
    /// once they are done with the finder: an answer given while a read failed (a task
    /// "not found" because its blob is missing) must not stand.
    pub fn failure(&self) -> Result<(), SourceError> {
        match self.failed.borrow().as_ref() {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// Keeps the first error; answers `None` in its place.
    fn record<T>(&self, result: Result<T, SourceError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.failed.borrow_mut().get_or_insert(e);
                None
            }
        }
    }

    /// The source this finder reads.
    pub fn source(&self) -> &'a dyn Source {
        self.source
    }

    /// A finder over a commit's tree (its `list_prefix` finds files by name with a binary
    /// search in each task folder instead of listing it).
    pub fn for_tree(tree: &'a TreeSource<'a>, layout: &'a BacklogLayout) -> Self {
        TaskFinder::new(tree, layout)
    }

    /// Parses the files of `tree` (this finder's source) through `memo`.
    pub fn with_memo(mut self, tree: &'a TreeSource<'a>, memo: &'a ParseMemo) -> Self {
        self.tree = Some((tree, memo));
        self
    }

    /// Finds tasks by file name only: never parses the whole backlog (for a file whose
    /// name disagrees with its `id`) and offers no suggestions (nearest IDs, active
    /// tasks). What a pass over a long history can afford per commit.
    pub fn by_name_only(mut self) -> Self {
        self.name_only = true;
        self
    }

    /// In a name-only finder, resolves an ID that no file name carries by reading every
    /// task file (through the memo) for its frontmatter `id`: for the references of a
    /// commit's message, where an unresolved ID is a finding.
    pub fn resolving_by_frontmatter(mut self) -> Self {
        self.frontmatter_fallback = true;
        self
    }

    /// Ignores these paths in every lookup.
    pub fn excluding(mut self, paths: impl IntoIterator<Item = String>) -> Self {
        self.exclude.extend(paths);
        self
    }

    /// Uses `workflow` to compare statuses (spelling-tolerant) in [`TaskIndex::in_statuses`].
    pub fn with_workflow(mut self, workflow: &'a Workflow) -> Self {
        self.workflow = Some(workflow);
        self
    }

    fn entries(&self) -> &[TaskEntry] {
        self.entries.get_or_init(|| {
            self.record(backlog::list_task_files(self.source, self.layout))
                .unwrap_or_default()
                .into_iter()
                .filter(|e| !self.exclude.contains(&e.path))
                .collect()
        })
    }

    fn full(&self) -> Option<&Backlog> {
        self.full
            .get_or_init(|| {
                self.record(backlog::load(self.source, Some(&self.layout.root)))
                    .flatten()
            })
            .as_ref()
    }

    /// Parses one listed file; `None` when it cannot be read as text at all.
    pub fn read(&self, entry: &TaskEntry) -> Option<TaskFile> {
        if let Some((tree, memo)) = self.tree {
            if let Some(blob) = tree.file_blob(&entry.path) {
                return self
                    .record(memo.parse(tree.repo(), blob, entry, self.layout))
                    .flatten();
            }
        }
        let read = self.source.read(&entry.path, MAX_FILE_SIZE).map_err(|e| {
            SourceError(format!(
                "cannot read {} from the {}: {}",
                entry.path,
                self.source.label(),
                e.0
            ))
        });
        match self.record(read)? {
            Content::Bytes(bytes) => {
                Some(backlog::parse_task_file(entry.clone(), &bytes, self.layout))
            }
            _ => None,
        }
    }

    /// The listed files whose names carry `id`, found by a prefix search of their folders
    /// (lowercase or uppercase prefix; the number as written or zero-padded) instead of a
    /// listing of every task.
    ///
    /// Also says whether a file carrying `id` was seen among the excluded paths.
    /// And whether an entry with an undecodable name was passed over (a listing of
    /// every file gives it, with the ID its escaped name carries).
    fn named_by_prefix(&self, id: &TaskId) -> (Vec<TaskEntry>, bool, bool) {
        let Some(first) = id.parts().first() else {
            return (Vec::new(), false, false);
        };
        let mut out: Vec<TaskEntry> = Vec::new();
        let mut excluded = false;
        let mut undecodable = false;
        let number = first.to_string();
        // The starts of one prefix, made once for the folders that share it.
        let mut made: Option<(&str, Vec<(String, bool)>)> = None;
        for (folder, dir) in Folder::ALL {
            let prefix = match folder {
                Folder::Drafts => "draft",
                _ => self.layout.config.task_prefix.as_str(),
            };
            if !prefix.eq_ignore_ascii_case(id.prefix()) {
                continue;
            }
            let path = crate::source::join(&self.layout.root, dir);
            let mut found: Vec<TaskEntry> = Vec::new();
            if made.as_ref().is_none_or(|(p, _)| *p != prefix) {
                made = Some((prefix, name_starts(prefix, &number)));
            }
            let Some((_, starts)) = made.as_ref() else {
                continue;
            };
            let lists = self.list_prefixes(&path, starts);
            for ((start, _), listed) in starts.iter().zip(lists) {
                for e in listed {
                    undecodable |= e.kind == EntryKind::UndecodableName;
                    let named = backlog::entry::name_id(&e.name);
                    // A name without the ` - ` separator (`task-196-add-x.md`) says no ID;
                    // Backlog.md loads it by its frontmatter `id`, which `by_id` reads.
                    let unnamed = named.is_none() && unseparated(&e.name, start);
                    if !matches!(e.kind, EntryKind::File | EntryKind::Symlink)
                        || (named.as_ref() != Some(id) && !unnamed)
                    {
                        continue;
                    }
                    let file = crate::source::join(&path, &e.name);
                    if self.exclude.contains(&file) {
                        excluded = true;
                    } else if found.iter().all(|f| f.path != file) {
                        found.push(TaskEntry {
                            path: file,
                            folder,
                            name_id: named,
                            undecodable_name: false,
                        });
                    }
                }
            }
            found.sort_by(|a, b| a.path.cmp(&b.path));
            out.extend(found);
        }
        (out, excluded, undecodable)
    }

    /// True when every entry of each task folder where a file carrying `id` could be has
    /// a name spelled with the lowercase or the uppercase prefix (`task-…`, `TASK-…`):
    /// then the prefix search has seen every file that may carry `id`, and a listing of
    /// every file would find none it did not (a task a commit creates is looked for in
    /// its parent, where no file carries it: a listing of 1,000 tasks cost about 100,000
    /// instructions, these binary searches a tenth). Only in a commit's tree.
    fn only_prefix_spelled(&self, id: &TaskId) -> bool {
        let Some((tree, _)) = self.tree else {
            return false;
        };
        for (folder, dir) in Folder::ALL {
            let prefix = match folder {
                Folder::Drafts => "draft",
                _ => self.layout.config.task_prefix.as_str(),
            };
            if !prefix.eq_ignore_ascii_case(id.prefix()) {
                // A file of this folder (`<prefix>-…`) may still carry an ID whose prefix
                // goes on with a dash (`task-foo-7`): the prefix search did not look.
                let longer = id
                    .prefix()
                    .get(..prefix.len() + 1)
                    .is_some_and(|head| head.eq_ignore_ascii_case(&format!("{prefix}-")));
                if longer {
                    return false;
                }
                continue;
            }
            let mut starts = vec![
                format!("{}-", prefix.to_ascii_lowercase()),
                format!("{}-", prefix.to_ascii_uppercase()),
            ];
            starts.dedup();
            let starts: Vec<&str> = starts.iter().map(String::as_str).collect();
            let path = crate::source::join(&self.layout.root, dir);
            match self.record(tree.count_prefixed(&path, &starts)) {
                Some(None) => {}
                Some(Some((all, spelled))) if all == spelled => {}
                _ => return false,
            }
        }
        true
    }

    /// [`Source::list_prefix`] of folder `path` for each of `starts` (a failed listing
    /// recorded, and empty), without the names that go on with an ASCII digit after a
    /// start paired with `true`; a commit's tree looks the folder up once for all of them,
    /// and skips those names with a binary search.
    fn list_prefixes(
        &self,
        path: &str,
        starts: &[(String, bool)],
    ) -> Vec<Vec<crate::source::DirEntry>> {
        if let Some((tree, _)) = self.tree {
            return self
                .record(tree.list_prefixes(path, starts))
                .unwrap_or_else(|| vec![Vec::new(); starts.len()]);
        }
        starts
            .iter()
            .map(|(start, past_digits)| {
                let mut listed = self
                    .record(self.source.list_prefix(path, start))
                    .unwrap_or_default();
                if *past_digits {
                    listed.retain(|e| {
                        !e.name
                            .as_bytes()
                            .get(start.len())
                            .is_some_and(u8::is_ascii_digit)
                    });
                }
                listed
            })
            .collect()
    }

    /// The file carrying `id`: by file name, else (once) by parsing the whole backlog.
    /// Several files may carry one ID; `tasks/` wins over `completed/` over the archive.
    pub fn by_id(&self, id: &TaskId) -> Option<TaskFile> {
        let (mut named, excluded, undecodable) = self.named_by_prefix(id);
        // Listing every file finds names the prefix search cannot (`Task-7`, mixed case).
        // A pass over history skips that when the ID's own file was just set aside (the
        // usual case: the task a commit changes): it costs a listing of the whole folder.
        // So does any lookup in a tree whose task folders hold no such name.
        if named.is_empty()
            && !(self.name_only && excluded)
            && (undecodable || self.entries.get().is_some() || !self.only_prefix_spelled(id))
        {
            named = self
                .entries()
                .iter()
                .filter(|e| e.name_id.as_ref() == Some(id))
                .cloned()
                .collect();
            named.sort_by_key(|e| e.folder);
        }
        let mut name_only = None;
        for entry in named {
            let Some(file) = self.read(&entry) else {
                continue;
            };
            match file.task.as_ref().and_then(|t| t.id.as_ref()) {
                Some(fid) if fid == id => return Some(file),
                Some(_) => {}
                None if file.name_id.as_ref() != Some(id) => {}
                None => {
                    name_only.get_or_insert(file);
                }
            }
        }
        if name_only.is_some() || self.name_only {
            return name_only;
        }
        let full = self.full()?;
        let mut found: Vec<&TaskFile> = full
            .files
            .iter()
            .filter(|f| !self.exclude.contains(&f.path) && f.id() == Some(id))
            .collect();
        found.sort_by_key(|f| f.folder);
        found.first().map(|f| (*f).clone())
    }
}

/// Where the names of the files carrying an ID with first number `number` start in a
/// folder of `prefix`: `<prefix>-<number>` and the zero-padded `<prefix>-0`, with the prefix
/// in lower and in upper case. A start paired with `true` leaves out the names that go on
/// with a digit after it (`task-80 …` for TASK-8 carries another number); the zero-padded
/// forms (`task-008 …`) are all listed.
fn name_starts(prefix: &str, number: &str) -> Vec<(String, bool)> {
    let mut starts: Vec<(String, bool)> = Vec::with_capacity(4);
    let lower = prefix.to_ascii_lowercase();
    let upper = prefix.to_ascii_uppercase();
    let cases = [lower.as_str(), upper.as_str()];
    let spellings = if lower == upper { 1 } else { 2 };
    for case in cases.iter().take(spellings) {
        for (digits, past_digits) in [(number, true), ("0", false)] {
            let mut start = String::with_capacity(case.len() + 1 + digits.len());
            start.push_str(case);
            start.push('-');
            start.push_str(digits);
            starts.push((start, past_digits));
        }
    }
    starts
}

/// True when file name `name` starts with `start` (`task-196`) and goes on with a
/// separator other than ` - ` (`task-196-add-x.md`, `task-196_x.md`): a name that does not
/// say its ID by itself.
fn unseparated(name: &str, start: &str) -> bool {
    name.get(..start.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(start))
        && name
            .get(start.len()..)
            .and_then(|rest| rest.chars().next())
            .is_some_and(|c| c == '-' || c == '_')
}

fn distance(a: &TaskId, b: &TaskId) -> (u64, u64) {
    let head = |id: &TaskId| id.parts().first().copied().unwrap_or(0);
    let tail = |id: &TaskId| id.parts().get(1).copied().unwrap_or(0);
    (head(a).abs_diff(head(b)), tail(a).abs_diff(tail(b)))
}

impl TaskFinder<'_> {
    /// The file whose name carries `id` when none carries it as its `id` (the name and the
    /// frontmatter disagree, which FG103 reports; a message that uses the name's number
    /// means that file).
    fn by_name(&self, id: &TaskId) -> Option<TaskFile> {
        let (named, _, _) = self.named_by_prefix(id);
        named
            .iter()
            .filter(|e| e.name_id.as_ref() == Some(id))
            .find_map(|e| self.read(e))
    }

    /// The file whose frontmatter says `id` although its name does not, found by reading
    /// every listed file (through the memo in a pass over history): the last resort of a
    /// name-only finder, taken only for an ID nothing else resolves.
    fn by_frontmatter(&self, id: &TaskId) -> Option<TaskFile> {
        let mut entries: Vec<&TaskEntry> = self
            .entries()
            .iter()
            .filter(|e| e.name_id.as_ref() != Some(id))
            .collect();
        entries.sort_by_key(|e| e.folder);
        entries
            .into_iter()
            .filter_map(|e| self.read(e))
            .find(|f| f.task.as_ref().and_then(|t| t.id.as_ref()) == Some(id))
    }
}

impl TaskIndex for TaskFinder<'_> {
    fn find(&self, id: &TaskId) -> Option<TaskFile> {
        self.by_id(id).or_else(|| self.by_name(id)).or_else(|| {
            (self.name_only && self.frontmatter_fallback)
                .then(|| self.by_frontmatter(id))
                .flatten()
        })
    }

    fn nearest(&self, id: &TaskId, n: usize) -> Vec<TaskFile> {
        if self.name_only {
            return Vec::new();
        }
        let mut near: Vec<&TaskEntry> = self
            .entries()
            .iter()
            .filter(|e| e.folder != Folder::Drafts || id.prefix() == "draft")
            .filter(|e| {
                e.name_id
                    .as_ref()
                    .is_some_and(|i| i.prefix() == id.prefix())
            })
            .collect();
        near.sort_by_key(|e| {
            (
                e.name_id.as_ref().map(|i| distance(i, id)),
                e.folder,
                e.path.clone(),
            )
        });
        near.dedup_by(|a, b| a.name_id == b.name_id);
        near.into_iter()
            .take(n)
            .filter_map(|e| self.read(e))
            .collect()
    }

    fn in_statuses(&self, statuses: &[String], n: usize) -> Vec<TaskFile> {
        if self.name_only {
            return Vec::new();
        }
        let Some(full) = self.full() else {
            return Vec::new();
        };
        let matches = |status: &str| match self.workflow {
            Some(wf) => wf.is_one_of(status, statuses),
            None => statuses
                .iter()
                .any(|s| s.trim().eq_ignore_ascii_case(status.trim())),
        };
        full.tasks()
            .filter(|f| f.folder == Folder::Tasks && f.status().is_some_and(matches))
            .take(n)
            .cloned()
            .collect()
    }
}

/// The two trees of a change, for the transition rules.
pub struct ChangeLookup<'a> {
    /// The "before" tree, minus the files the change touches.
    pub before: Option<TaskFinder<'a>>,
    /// The "after" tree.
    pub after: TaskFinder<'a>,
    /// Globs of spec files, to count `documentation` / `references` entries as spec links.
    pub spec_globs: &'a globset::GlobSet,
    /// Where the specs are, for the guards that read them.
    pub spec_places: crate::rules::transitions::SpecPlaces<'a>,
}

impl ChangeLookup<'_> {
    /// The first read error either finder met (see [`TaskFinder::failure`]).
    pub fn failure(&self) -> Result<(), SourceError> {
        self.before.as_ref().map_or(Ok(()), TaskFinder::failure)?;
        self.after.failure()
    }
}

impl TaskLookup for ChangeLookup<'_> {
    fn after(&self, id: &TaskId) -> Option<TaskFile> {
        self.after.by_id(id)
    }

    fn before_untouched(&self, id: &TaskId) -> Option<TaskFile> {
        self.before.as_ref()?.by_id(id)
    }

    fn has_spec_link(&self, task: &Task) -> bool {
        !task.spec.is_empty()
            || task
                .documentation
                .iter()
                .chain(&task.references)
                .chain(&task.body_links)
                .any(|link| {
                    let path = link.value.split('#').next().unwrap_or_default();
                    let path = path.trim_start_matches("./");
                    !path.contains("://") && self.spec_globs.is_match(path)
                })
    }

    fn specs(&self) -> Option<(&dyn Source, crate::rules::transitions::SpecPlaces<'_>)> {
        Some((self.after.source(), self.spec_places))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A repository in a fresh `dir` with one commit of `files` (path, content).
    fn committed(dir: &std::path::Path, files: &[(&str, &str)]) -> crate::git::Repo {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).unwrap();
        for (path, content) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, content).unwrap();
        }
        let git = |args: &[&str]| crate::git::repo::git_in(dir, args);
        git(&["init", "-q", "-b", "main"]);
        git(&["add", "-A"]);
        git(&["commit", "-q", "-m", "tasks"]);
        crate::git::Repo::discover(dir).unwrap()
    }

    #[test]
    fn shared_parses_serve_one_memo_per_layout_and_parse_as_a_fresh_memo() {
        let dir = std::env::temp_dir().join(format!("flowgate-shared-{}", std::process::id()));
        let path = "backlog/tasks/task-1 - One.md";
        let repo = committed(&dir, &[(path, "---\nid: task-1\ntitle: One\n---\n")]);
        let head = repo.head_commit().unwrap().unwrap();
        let tree = repo.commit_tree(head).unwrap();
        let layout = backlog::discover(&tree, None).unwrap().unwrap();
        let mut other = layout.clone();
        other.config.statuses = vec!["Queued".to_string(), "Done".to_string()];
        let blob = tree.file_blob(path).unwrap();
        let entry = backlog::entry::entry_for(path, &layout).unwrap();

        let shared = SharedParses::default();
        let (first, second, third) = (
            shared.memo(&layout),
            shared.memo(&layout),
            shared.memo(&other),
        );
        assert!(Arc::ptr_eq(&first.parsed, &second.parsed));
        assert!(!Arc::ptr_eq(&first.parsed, &third.parsed));
        // TaskFile has no equality; its Debug form shows every field.
        let parse = |memo: &ParseMemo, layout: &BacklogLayout| {
            format!("{:?}", memo.parse(&repo, blob, &entry, layout).unwrap())
        };
        let parsed = parse(&first, &layout);
        assert_eq!(parsed, parse(&ParseMemo::default(), &layout));
        assert_eq!(second.parsed.lock().unwrap().len(), 1);
        assert_eq!(parse(&second, &layout), parsed);
        let under_other = parse(&third, &other);
        assert_eq!(under_other, parse(&ParseMemo::default(), &other));
        assert_ne!(under_other, parsed);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn lookups_that_skip_the_listing_find_what_the_listing_finds() {
        use std::os::unix::ffi::OsStrExt;
        let dir = std::env::temp_dir().join(format!("flowgate-spelled-{}", std::process::id()));
        let task = |id: &str| format!("---\nid: {id}\ntitle: x\nstatus: To Do\n---\n");
        let spelled = [
            ("backlog/tasks/task-1 - One.md", task("task-1")),
            ("backlog/tasks/TASK-2 - Upper.md", task("TASK-2")),
            ("backlog/tasks/task-003 - Padded.md", task("task-3")),
            ("backlog/completed/task-4 - Done.md", task("task-4")),
            ("backlog/drafts/draft-1 - Idea.md", task("draft-1")),
        ];
        let files: Vec<(&str, &str)> = spelled.iter().map(|(p, c)| (*p, c.as_str())).collect();
        let repo = committed(&dir, &files);
        let git = |args: &[&str]| crate::git::repo::git_in(&dir, args);
        // Names only a listing of every file finds, one in each commit (the one before
        // removed).
        let odd: [(&[u8], &str); 5] = [
            (b"backlog/tasks/Task-12 - Mixed.md", "task-12"),
            (b"backlog/archive/tasks/tAsK-013.md", "task-13"),
            (b"backlog/tasks/task-foo-7 - Dashed prefix.md", "task-foo-7"),
            (b"backlog/tasks/task-20 - \xff.md", "task-20"),
            (b"backlog/tasks/readme.md", "task-21"),
        ];
        for (name, id) in odd {
            let path = dir.join(std::ffi::OsStr::from_bytes(name));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, task(id)).unwrap();
            git(&["add", "-A"]);
            git(&["commit", "-q", "-m", "odd"]);
            std::fs::remove_file(&path).unwrap();
        }
        let mut commit = repo.head_commit().unwrap();
        let mut trees = Vec::new();
        while let Some(id) = commit {
            trees.push(repo.commit_tree(id).unwrap());
            commit = crate::git::CommitMeta::read(&repo, id)
                .unwrap()
                .parents
                .first()
                .copied();
        }
        assert_eq!(trees.len(), 6);
        let memo = ParseMemo::default();
        let mut skipped = 0;
        for tree in &trees {
            let layout = backlog::discover(tree, None).unwrap().unwrap();
            for text in [
                "TASK-1",
                "TASK-2",
                "TASK-3",
                "TASK-4",
                "TASK-5",
                "TASK-12",
                "TASK-13",
                "TASK-20",
                "TASK-21",
                "TASK-FOO-7",
                "DRAFT-1",
                "DRAFT-2",
                "OTHER-1",
            ] {
                let id = TaskId::parse(text).unwrap();
                for quick in [false, true] {
                    let finder = |tree| {
                        let f = TaskFinder::for_tree(tree, &layout).with_memo(tree, &memo);
                        if quick {
                            f.by_name_only()
                        } else {
                            f
                        }
                    };
                    let listing = TaskFinder::new(tree, &layout);
                    let listing = if quick {
                        listing.by_name_only()
                    } else {
                        listing
                    };
                    let fast = finder(tree);
                    skipped += usize::from(fast.only_prefix_spelled(&id));
                    assert_eq!(
                        format!("{:?}", fast.by_id(&id)),
                        format!("{:?}", listing.by_id(&id)),
                        "{text} in {}",
                        tree.label()
                    );
                    assert_eq!(
                        fast.failure().is_ok(),
                        listing.failure().is_ok(),
                        "{text} in {}",
                        tree.label()
                    );
                }
            }
        }
        assert!(skipped > 10, "{skipped}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_trees_folders_searched_at_once_as_name_by_name() {
        let dir = std::env::temp_dir().join(format!("flowgate-finder-{}", std::process::id()));
        let names = [
            "backlog/tasks/task-1 - One.md",
            "backlog/tasks/task-10 - Ten.md",
            "backlog/tasks/task-100 - Hundred.md",
            "backlog/tasks/task-10.md",
            "backlog/tasks/task-1-7 - Dashed.md",
            "backlog/tasks/task-12_x.md",
            "backlog/tasks/task-001 - Padded.md",
            "backlog/tasks/TASK-2 - Upper.md",
            "backlog/tasks/task-3-unseparated.md",
            "backlog/tasks/task-3_under.md",
            "backlog/tasks/task-4.1 - Sub.md",
            "backlog/tasks/task-0 - Zero.md",
            "backlog/tasks/task-05 - Five.md",
            "backlog/completed/task-1 - Done copy.md",
            "backlog/completed/task-7 - Done.md",
            "backlog/archive/tasks/task-10 - Archived.md",
            "backlog/drafts/draft-1 - Draft.md",
            "backlog/drafts/task-8 - Demoted.md",
        ];
        let mut files: Vec<(&str, &str)> = names
            .iter()
            .map(|name| (*name, "---\ntitle: x\nstatus: To Do\n---\n"))
            .collect();
        files.push(("backlog/tasks/task-9 - Folder.md/x", "x"));
        files.push(("backlog/tasks/task-19 - Folder.md/x", "x"));
        let repo = committed(&dir, &files);
        let head = repo.head_commit().unwrap().unwrap();
        let tree = repo.commit_tree(head).unwrap();
        let layout = backlog::discover(&tree, None).unwrap().unwrap();
        let memo = ParseMemo::default();
        for text in [
            "TASK-0", "TASK-1", "TASK-2", "TASK-3", "TASK-4.1", "TASK-5", "TASK-7", "TASK-8",
            "TASK-9", "TASK-10", "TASK-100", "DRAFT-1", "TASK-11", "TASK-12", "TASK-19",
        ] {
            let id = TaskId::parse(text).unwrap();
            for excluded in [
                Vec::new(),
                vec!["backlog/tasks/task-1 - One.md".to_string()],
            ] {
                let at_once = TaskFinder::for_tree(&tree, &layout)
                    .with_memo(&tree, &memo)
                    .excluding(excluded.clone());
                let one_by_one = TaskFinder::new(&tree, &layout).excluding(excluded);
                assert_eq!(
                    at_once.named_by_prefix(&id),
                    one_by_one.named_by_prefix(&id),
                    "{text}"
                );
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

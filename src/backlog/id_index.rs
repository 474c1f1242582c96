//! Every task identity of a backlog with the file that owns it, and the focus planning
//! built on it: which more files a focused backlog must read so that the checks of the
//! staged files see what they would see on the whole backlog.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use super::{Backlog, Folder, TaskEntry, TaskFile, TaskId};

/// The files a focused backlog (see [`Backlog::unread`]) must read as well, so that the
/// findings on the `staged` files are the ones a whole-backlog check gives them: files
/// whose names carry a staged file's ID (duplicates), every file reachable from a staged
/// file through dependencies (cycles), and the files a dangling reference's help names
/// (every candidate within two edits, for their titles); everything when a staged file may
/// be proposed a free ID (FG103, FG104). Empty when nothing more is needed. Files whose
/// frontmatter `id` disagrees with their file name are known by the name until read.
pub fn focus(backlog: &Backlog, staged: &BTreeSet<&str>) -> BTreeSet<String> {
    let mut want = BTreeSet::new();
    let want_owner = |owner: Option<&Owner<'_>>, want: &mut BTreeSet<String>| {
        if let Some(Owner::Unread(e)) = owner {
            want.insert(e.path.clone());
        }
    };
    let staged_files: Vec<&TaskFile> = backlog
        .files
        .iter()
        .filter(|f| staged.contains(f.path.as_str()))
        .collect();
    let staged_ids: HashSet<&TaskId, FastHash> =
        staged_files.iter().filter_map(|f| f.id()).collect();
    // A staged duplicate, or a staged file whose name disagrees with its `id`, may be
    // proposed a free ID, and the ID proposed depends on every ID of the backlog and on
    // every other file proposed one: such a commit reads the whole backlog.
    let shared = |id: &TaskId| {
        backlog.files.iter().filter(|f| f.id() == Some(id)).count() > 1
            || backlog
                .unread
                .iter()
                .any(|e| e.name_id.as_ref() == Some(id))
    };
    if staged_files.iter().any(|f| {
        f.id()
            .is_some_and(|id| f.name_id.as_ref() != Some(id) || shared(id))
    }) {
        return backlog.unread.iter().map(|e| e.path.clone()).collect();
    }
    for entry in &backlog.unread {
        if entry
            .name_id
            .as_ref()
            .is_some_and(|i| staged_ids.contains(i))
        {
            want.insert(entry.path.clone());
        }
    }
    // The index (every task of the backlog) is only consulted for the staged files'
    // dependencies and parents; most commits stage tasks with neither.
    let refers = staged_files.iter().any(|f| {
        f.task.as_ref().is_some_and(|t| {
            !t.dependencies.is_empty() || t.parent.is_some() || !t.subtasks.is_empty()
        })
    });
    if !refers {
        return want;
    }
    let index = Index::new(backlog);
    for file in &staged_files {
        let Some(task) = &file.task else { continue };
        for reference in task.dependencies.iter().chain(&task.parent) {
            if !exists(&index, &reference.value) {
                for (_, _, owner) in index.candidates(&reference.value) {
                    want_owner(Some(&owner), &mut want);
                }
            }
        }
        // FG116 compares a parent's `subtasks` with its subtasks' `parent_task_id`.
        for reference in task.parent.iter().chain(&task.subtasks) {
            if let Some(id) = index.parse(&reference.value) {
                want_owner(index.by_id.get(&id), &mut want);
            }
        }
    }
    let mut seen: HashSet<&str> = staged_files.iter().map(|f| f.path.as_str()).collect();
    let mut queue: VecDeque<&TaskFile> = staged_files.into_iter().collect();
    while let Some(file) = queue.pop_front() {
        let Some(task) = &file.task else { continue };
        for dep in &task.dependencies {
            let Some(id) = index.parse(&dep.value) else {
                continue;
            };
            match index.by_id.get(&id) {
                Some(Owner::Read(next)) => {
                    if seen.insert(next.path.as_str()) {
                        queue.push_back(next);
                    }
                }
                owner => want_owner(owner, &mut want),
            }
        }
    }
    want
}

/// The file that owns a task identity: one that was read, or (in a focused backlog) one
/// known only by the ID in its file name.
#[derive(Clone, Copy)]
pub(crate) enum Owner<'a> {
    Read(&'a TaskFile),
    Unread(&'a TaskEntry),
}

impl<'a> Owner<'a> {
    pub(crate) fn folder(self) -> Folder {
        match self {
            Owner::Read(f) => f.folder,
            Owner::Unread(e) => e.folder,
        }
    }

    pub(crate) fn file(self) -> Option<&'a TaskFile> {
        match self {
            Owner::Read(f) => Some(f),
            Owner::Unread(_) => None,
        }
    }
}

/// Every task identity, with the file that owns it (first in duplicate order).
pub(crate) struct Index<'a> {
    pub(crate) by_id: HashMap<&'a TaskId, Owner<'a>, FastHash>,
    prefix: &'a str,
}

/// The hasher of [`Index::by_id`]: it holds every task of the backlog (10,000s), and the
/// default SipHash was a visible share of a pre-commit hook. Nothing depends on the
/// iteration order (readers sort), so FxHash (`rustc-hash`) will do.
pub(crate) type FastHash = rustc_hash::FxBuildHasher;

impl<'a> Index<'a> {
    pub(crate) fn new(backlog: &'a Backlog) -> Self {
        let mut by_id: HashMap<&TaskId, Owner<'a>, FastHash> = HashMap::with_capacity_and_hasher(
            backlog.files.len() + backlog.unread.len(),
            FastHash::default(),
        );
        let read = backlog
            .files
            .iter()
            .filter_map(|f| Some((f.id()?, Owner::Read(f))));
        let unread = backlog
            .unread
            .iter()
            .filter_map(|e| Some((e.name_id.as_ref()?, Owner::Unread(e))));
        for (id, owner) in read.chain(unread) {
            by_id
                .entry(id)
                .and_modify(|cur| {
                    if folder_rank(owner.folder()) < folder_rank(cur.folder()) {
                        *cur = owner;
                    }
                })
                .or_insert(owner);
        }
        Index {
            by_id,
            prefix: &backlog.layout.config.task_prefix,
        }
    }

    /// Parses a reference as written in a task (`TASK-1`, `task-1`, `1`).
    pub(crate) fn parse(&self, text: &str) -> Option<TaskId> {
        TaskId::parse_with_prefix(text, self.prefix).or_else(|| TaskId::parse(text))
    }

    /// Every existing ID within two edits of `wanted` (the same number under another
    /// prefix counts as no edit: a prefix migration), with its edit distance and owner.
    pub(crate) fn candidates(&self, wanted: &str) -> Vec<(usize, String, Owner<'a>)> {
        let wanted_id = self.parse(wanted);
        let wanted_text = wanted_id
            .as_ref()
            .map_or_else(|| wanted.to_ascii_uppercase(), TaskId::canonical);
        let wanted_parts = wanted_id.as_ref().map(TaskId::parts);
        self.by_id
            .iter()
            .filter_map(|(id, owner)| {
                let text = id.canonical();
                let distance = if wanted_parts == Some(id.parts()) {
                    0
                } else {
                    strsim::damerau_levenshtein(&wanted_text, &text)
                };
                (distance <= 2).then_some((distance, text, *owner))
            })
            .collect()
    }

    /// Up to three existing IDs most like `wanted`, with their titles, for help texts: the
    /// fewest edits first, then the title most like that of `from`, the task that wrote the
    /// reference (a subtask's title shares words with its parent's); never the nearest
    /// number, never `from` itself.
    pub(crate) fn nearest(&self, wanted: &str, from: &TaskFile) -> Vec<String> {
        let context = from.title().unwrap_or_default().to_lowercase();
        let mut scored: Vec<(usize, std::cmp::Reverse<u32>, String, Option<&str>)> = self
            .candidates(wanted)
            .into_iter()
            .filter(|(_, _, owner)| !owner.file().is_some_and(|f| std::ptr::eq(f, from)))
            .map(|(distance, text, owner)| {
                let title = owner.file().and_then(TaskFile::title);
                let likeness =
                    title.map_or(0.0, |t| strsim::sorensen_dice(&context, &t.to_lowercase()));
                // Ranked in thousandths: f64 has no total order.
                let likeness = (likeness * 1000.0) as u32;
                (distance, std::cmp::Reverse(likeness), text, title)
            })
            .collect();
        scored.sort();
        scored
            .into_iter()
            .take(3)
            .map(|(_, _, text, title)| match title {
                Some(title) => format!("{text} (\"{title}\")"),
                None => text,
            })
            .collect()
    }
}

/// The order in which a task's folders own its ID: tasks, completed, drafts, archive.
pub(crate) fn folder_rank(folder: Folder) -> u8 {
    match folder {
        Folder::Tasks => 0,
        Folder::Completed => 1,
        Folder::Drafts => 2,
        Folder::Archive => 3,
    }
}

/// True when `reference` names a task of the index.
pub(crate) fn exists(index: &Index<'_>, reference: &str) -> bool {
    index
        .parse(reference)
        .is_some_and(|id| index.by_id.contains_key(&id))
}

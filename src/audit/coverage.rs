//! Requirement coverage: for every spec feature, every requirement and user story, the
//! tasks that link to it and their statuses.
//!
//! A link covers a requirement when it names the requirement's ID (`001-user-auth/FR-003`,
//! `spec.md#FR-003`), or names by slug a section that defines it, directly or in a nested
//! section (`spec.md#functional-requirements` covers every FR listed there). A link to a
//! whole file covers nothing.

use serde::Serialize;

use crate::backlog::{Folder, TaskFile};
use crate::finding::{Finding, Position};
use crate::rules;
use crate::snapshot::Snapshot;
use crate::source::{Content, Source, MAX_FILE_SIZE};
use crate::spec::link::{task_links, Resolution, SpecRef};
use crate::spec::{SpecFile, SpecIndex, SpecKind};

/// A task linked to a requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkedTask {
    /// Canonical ID.
    pub id: String,
    /// Title.
    pub title: String,
    /// Status as written.
    pub status: String,
    /// In the last status, or in `completed/`.
    pub done: bool,
}

/// One requirement or user story.
#[derive(Debug, Clone, Serialize)]
pub struct Requirement {
    /// The ID as written (`FR-003`, `US1`).
    pub id: String,
    /// Repo-wide form (`001-user-auth/FR-003`).
    pub qualified: String,
    /// Spec file.
    pub file: String,
    /// Line that defines it.
    pub line: u32,
    /// Heading of the section defining it.
    pub heading: String,
    /// Linked tasks, in ID order.
    pub tasks: Vec<LinkedTask>,
}

impl Requirement {
    /// Every linked task is done (and there is at least one).
    pub fn all_done(&self) -> bool {
        !self.tasks.is_empty() && self.tasks.iter().all(|t| t.done)
    }
}

/// One feature folder (or a spec file outside feature folders).
#[derive(Debug, Clone, Serialize)]
pub struct FeatureCoverage {
    /// Feature name or file path.
    pub feature: String,
    /// Its requirements, in document order.
    pub requirements: Vec<Requirement>,
}

impl FeatureCoverage {
    /// Requirements with at least one task.
    pub fn covered(&self) -> usize {
        self.requirements
            .iter()
            .filter(|r| !r.tasks.is_empty())
            .count()
    }

    /// Coverage in percent (100 when there are no requirements).
    pub fn percent(&self) -> f64 {
        percent(self.covered(), self.requirements.len())
    }
}

/// A task that covers no requirement.
#[derive(Debug, Clone, Serialize)]
pub struct UnlinkedTask {
    /// Canonical ID.
    pub id: String,
    /// Title.
    pub title: String,
    /// Status.
    pub status: String,
    /// File.
    pub path: String,
}

/// Coverage of the whole tree.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Coverage {
    /// Per feature, in name order.
    pub features: Vec<FeatureCoverage>,
    /// Tasks that cover no requirement.
    pub unlinked_tasks: Vec<UnlinkedTask>,
}

impl Coverage {
    /// Requirements in all features.
    pub fn total(&self) -> usize {
        self.features.iter().map(|f| f.requirements.len()).sum()
    }

    /// Covered requirements in all features.
    pub fn covered(&self) -> usize {
        self.features.iter().map(FeatureCoverage::covered).sum()
    }

    /// Overall coverage in percent.
    pub fn percent(&self) -> f64 {
        percent(self.covered(), self.total())
    }

    /// "3 of 4 requirements have a task (75%)"; without a percentage when no spec defines
    /// a requirement.
    pub fn headline(&self) -> String {
        match self.total() {
            0 => "no spec file defines a requirement, so there is no coverage to measure".into(),
            total => format!(
                "{} of {total} requirements have a task ({:.0}%)",
                self.covered(),
                self.percent()
            ),
        }
    }

    /// Requirements whose tasks are all done.
    pub fn all_done(&self) -> impl Iterator<Item = &Requirement> {
        self.features
            .iter()
            .flat_map(|f| &f.requirements)
            .filter(|r| r.all_done())
    }

    /// FG501 for every requirement no task links to.
    pub fn findings(&self) -> Vec<Finding> {
        self.features
            .iter()
            .flat_map(|f| &f.requirements)
            .filter(|r| r.tasks.is_empty())
            .map(|r| {
                Finding::new(
                    &rules::UNCOVERED_REQUIREMENT,
                    format!("{} (\"{}\") has no task linked to it", r.qualified, r.heading),
                )
                .at(&r.file, Position::whole_line(r.line))
                .help(format!(
                    "link the task that implements it: add `spec: {}` to the task's frontmatter (or create one: `backlog task create \"…\"`)",
                    r.qualified
                ))
            })
            .collect()
    }
}

fn percent(n: usize, total: usize) -> f64 {
    if total == 0 {
        100.0
    } else {
        (n as f64) * 100.0 / (total as f64)
    }
}

/// The requirement IDs (file index, ID) a link covers.
pub fn covered_ids(index: &SpecIndex, reference: &SpecRef) -> Vec<(usize, String)> {
    let fragment = match reference {
        SpecRef::Path { fragment, .. } => fragment.clone(),
        SpecRef::Feature { fragment, .. } => Some(fragment.clone()),
        SpecRef::BareId(id) => Some(id.clone()),
        SpecRef::Escapes(_) => None,
    };
    let Resolution::Section { file, section } = index.resolve(reference) else {
        return Vec::new();
    };
    let Some(spec) = index.files.get(file) else {
        return Vec::new();
    };
    let Some(target) = spec.sections.get(section) else {
        return Vec::new();
    };
    if let Some(id) = fragment
        .as_deref()
        .and_then(|f| target.ids.iter().find(|i| i.eq_ignore_ascii_case(f)))
    {
        return vec![(file, id.clone())];
    }
    spec.sections
        .iter()
        .filter(|s| s.range.start >= target.range.start && s.range.end <= target.range.end)
        .flat_map(|s| s.ids.iter().map(move |id| (file, id.clone())))
        .collect()
}

/// Whether a spec file is where requirements are defined: a feature's `spec.md`, or a
/// document outside the folder of any `spec.md` (a PRD). A feature's plan, task list,
/// checklists and notes only mention the requirements its `spec.md` defines.
pub(crate) fn defines_requirements(spec: &SpecFile, index: &SpecIndex) -> bool {
    match spec.kind {
        SpecKind::Spec => true,
        SpecKind::Tasks => false,
        SpecKind::Plan | SpecKind::Document => !index.files.iter().any(|f| {
            f.kind == SpecKind::Spec
                && f.path
                    .rsplit_once('/')
                    .is_some_and(|(dir, _)| spec.path.starts_with(&format!("{dir}/")))
        }),
    }
}

/// True when `id` is defined in section `s` only by a checklist line (`- [ ] FR-001: ...`):
/// a checklist ticks requirements off, it does not define them.
fn is_checklist_item(text: &str, s: &crate::spec::Section, id: &str) -> bool {
    s.item(id).is_some_and(|item| {
        let line = text
            .get(item.range.clone())
            .unwrap_or_default()
            .trim_start();
        let rest = line
            .strip_prefix(['-', '*', '+'])
            .map(str::trim_start)
            .unwrap_or_default();
        ["[ ]", "[x]", "[X]"].iter().any(|b| rest.starts_with(b))
    })
}

/// A finished task: in `completed/`, or in the last configured status.
pub(super) fn is_done(file: &TaskFile, snapshot: &Snapshot) -> bool {
    file.folder == Folder::Completed || file.status().is_some_and(|s| snapshot.workflow.is_last(s))
}

/// The first line of `text` inside `range` that mentions `id`, else `default`.
fn id_line(text: &str, range: std::ops::Range<usize>, id: &str, default: u32) -> u32 {
    let Some(section) = text.get(range.clone()) else {
        return default;
    };
    let first = text
        .get(..range.start)
        .map_or(0, |t| t.matches('\n').count()) as u32
        + 1;
    let upper = id.to_uppercase();
    section
        .lines()
        .enumerate()
        .skip(1)
        .find(|(_, l)| l.to_uppercase().contains(&upper))
        .map_or(default, |(n, _)| first + n as u32)
}

/// Computes coverage for the tree of `snapshot`, reading spec texts from `source` for the
/// lines of requirement IDs.
pub fn compute(snapshot: &Snapshot, source: &dyn Source) -> Coverage {
    let index = &snapshot.specs;
    let mut links: std::collections::HashMap<(usize, String), Vec<LinkedTask>> =
        std::collections::HashMap::new();
    let mut unlinked = Vec::new();
    let mut tasks: Vec<&TaskFile> = snapshot
        .backlog
        .iter()
        .flat_map(|b| b.tasks())
        .filter(|f| f.folder != Folder::Drafts && f.folder != Folder::Archive)
        .collect();
    tasks.sort_by_cached_key(|f| {
        super::history::natural(&f.id().map(|i| i.canonical()).unwrap_or_default())
    });
    for file in tasks {
        let Some(id) = file.id() else { continue };
        let linked = LinkedTask {
            id: id.canonical(),
            title: file.title().unwrap_or_default().to_string(),
            status: file.status().unwrap_or_default().to_string(),
            done: is_done(file, snapshot),
        };
        let mut any = false;
        for link in task_links(file, index) {
            for (f, rid) in covered_ids(index, &link.reference) {
                let list = links.entry((f, rid.to_uppercase())).or_default();
                if !list.iter().any(|t| t.id == linked.id) {
                    list.push(linked.clone());
                }
                any = true;
            }
        }
        if !any {
            unlinked.push(UnlinkedTask {
                id: linked.id,
                title: linked.title,
                status: linked.status,
                path: file.path.clone(),
            });
        }
    }
    let mut features: Vec<FeatureCoverage> = Vec::new();
    for (fi, spec) in index.files.iter().enumerate() {
        if !defines_requirements(spec, index) {
            continue;
        }
        let text = match source.read(&spec.path, MAX_FILE_SIZE) {
            Ok(Content::Bytes(b)) => String::from_utf8_lossy(&b).into_owned(),
            _ => String::new(),
        };
        let mut reqs = Vec::new();
        for s in &spec.sections {
            for id in s.ids.iter().filter(|id| !is_checklist_item(&text, s, id)) {
                // An ID defined twice in one file is one requirement.
                if reqs
                    .iter()
                    .any(|r: &Requirement| r.id.eq_ignore_ascii_case(id))
                {
                    continue;
                }
                reqs.push(Requirement {
                    id: id.clone(),
                    qualified: index.qualified(fi, id),
                    file: spec.path.clone(),
                    line: id_line(&text, s.range.clone(), id, s.line),
                    heading: s.heading.clone(),
                    tasks: links.remove(&(fi, id.to_uppercase())).unwrap_or_default(),
                });
            }
        }
        if reqs.is_empty() {
            continue;
        }
        let name = spec.scope().to_string();
        match features.iter_mut().find(|f| f.feature == name) {
            Some(f) => f.requirements.extend(reqs),
            None => features.push(FeatureCoverage {
                feature: name,
                requirements: reqs,
            }),
        }
    }
    features.sort_by(|a, b| a.feature.cmp(&b.feature));
    Coverage {
        features,
        unlinked_tasks: unlinked,
    }
}

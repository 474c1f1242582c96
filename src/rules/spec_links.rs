//! Spec-link rules: every task maps to real spec sections.
//!
//! Which tasks are judged: tasks in `tasks/` and `completed/` (a finished task must still
//! point at the spec it implemented) and drafts (their links, not their lack of one).
//! Archived tasks are history: their specs may be gone on purpose, so they are skipped.

use crate::config::{Config, LinkRequirement};
use crate::finding::{Finding, Position};
use crate::rules;
use crate::snapshot::Snapshot;
use crate::spec::{task_links, Resolution, SpecIndex, SpecLink, SpecRef};
use crate::tracker::{Edit, Folder, Task, TaskFile};

/// How many headings and IDs a "fragment not found" help lists at most.
const SHORT_LIST: usize = 8;

/// Every spec-link finding of a snapshot.
pub fn check(snapshot: &Snapshot, config: &Config) -> Vec<Finding> {
    let specs = &snapshot.specs;
    let mut out: Vec<Finding> = specs
        .files
        .iter()
        .flat_map(|f| f.issues.iter().cloned())
        .collect();
    let Some(backlog) = &snapshot.backlog else {
        return out;
    };
    let no_specs = specs.files.is_empty();
    let mut unlinked = 0usize;
    for file in &backlog.files {
        if file.folder == Folder::Archive {
            continue;
        }
        let Some(task) = &file.task else { continue };
        let links = task_links(file, specs);
        for link in &links {
            out.extend(check_link(file, link, specs, config));
        }
        if links.is_empty() && needs_link(file, task, config) {
            if no_specs {
                unlinked += 1;
            } else {
                out.push(missing_link(file, task, specs));
            }
        }
    }
    if no_specs && unlinked > 0 {
        out.push(no_specs_found(specs, unlinked));
    }
    out
}

/// True when this task must link to a spec: not a draft, no exempt label, and links are
/// required at all.
fn needs_link(file: &TaskFile, task: &Task, config: &Config) -> bool {
    let is_draft = file.folder == Folder::Drafts
        || task
            .status
            .as_ref()
            .is_some_and(|s| s.value.trim().eq_ignore_ascii_case("draft"));
    let exempt = task.labels.iter().any(|l| {
        config
            .links
            .exempt_labels
            .iter()
            .any(|e| e.trim().eq_ignore_ascii_case(l.trim()))
    });
    config.links.require != LinkRequirement::None && !is_draft && !exempt
}

/// The findings for one link.
fn check_link(
    file: &TaskFile,
    link: &SpecLink,
    specs: &SpecIndex,
    config: &Config,
) -> Option<Finding> {
    let raw = &link.raw;
    let finding = match (specs.resolve(&link.reference), &link.reference) {
        (Resolution::Section { .. }, _) => return None,
        (Resolution::File { file: f }, _) => {
            if config.links.require != LinkRequirement::Section {
                return None;
            }
            let path = specs.files.get(f).map_or(raw.as_str(), |f| f.path.as_str());
            let example = specs
                .files
                .get(f)
                .and_then(|f| {
                    let s = f
                        .sections
                        .iter()
                        .find(|s| !s.ids.is_empty())
                        .or(f.sections.get(1))?;
                    Some(s.ids.first().unwrap_or(&s.slug).clone())
                })
                .map(|frag| format!(" such as `{path}#{frag}`"))
                .unwrap_or_default();
            Finding::new(
                &rules::COARSE_LINK,
                format!("spec link `{raw}` names the whole file, not a section"),
            )
            .help(format!(
                "add the heading slug or requirement ID the task implements{example}; or set `links.require: file` in .flowgate.yml"
            ))
        }
        (Resolution::Escapes, _) => {
            let why = if raw.starts_with('/') || raw.get(1..2) == Some(":") {
                "is an absolute path"
            } else if raw.split(['/', '\\']).any(|p| p == "..") {
                "climbs above the repository root"
            } else {
                "goes through a symbolic link"
            };
            Finding::new(
                &rules::LINK_ESCAPES_REPO,
                format!("spec link `{raw}` {why}; flowgate never reads files outside the repository"),
            )
            .help(match link.origin {
                crate::spec::LinkOrigin::Body => "link the spec inside this repository with a path relative to the task file, e.g. `../../specs/001-feature/spec.md#fr-001`".to_string(),
                _ => "link the spec inside this repository with a path from the repository root, e.g. `specs/001-feature/spec.md#fr-001`".to_string(),
            })
        }
        (Resolution::TargetMissing { suggestion }, SpecRef::BareId(id)) => Finding::new(
            &rules::FRAGMENT_NOT_FOUND,
            format!("spec link `{raw}`: no spec defines requirement `{id}`"),
        )
        .help(match suggestion {
            Some(s) => format!("did you mean `{s}`?"),
            None => "write a requirement ID that a spec defines (`**FR-001**`, `### User Story 1 - ...` = `US1`), or a path such as `specs/001-feature/spec.md#section`".into(),
        }),
        (Resolution::TargetMissing { suggestion }, SpecRef::Feature { feature, fragment }) => {
            Finding::new(
                &rules::LINK_TARGET_MISSING,
                format!("spec link `{raw}` names feature `{feature}`, which has no spec files"),
            )
            .help(match suggestion {
                Some(s) => format!("did you mean `{s}/{fragment}`?"),
                None => feature_list(specs),
            })
        }
        (Resolution::TargetMissing { suggestion }, SpecRef::Path { path, fragment }) => {
            let message = if specs.is_spec_path(path) {
                format!("spec link `{raw}` points to `{path}`, which does not exist")
            } else {
                format!("spec link `{raw}` points to `{path}`, which is not a spec file")
            };
            let frag = fragment.as_ref().map(|f| format!("#{f}")).unwrap_or_default();
            Finding::new(&rules::LINK_TARGET_MISSING, message).help(match suggestion {
                Some(s) => format!("did you mean `{s}{frag}`?"),
                None => format!(
                    "spec files are the files matching {}; link one of them",
                    quoted(&specs.globs)
                ),
            })
        }
        (Resolution::TargetMissing { .. }, SpecRef::Escapes(_)) => return None,
        (Resolution::FragmentNotFound { file: f, suggestion }, reference) => {
            let spec = specs.files.get(f)?;
            let (fragment, shown) = match reference {
                SpecRef::Path { fragment, .. } => {
                    (fragment.clone().unwrap_or_default(), spec.path.clone())
                }
                SpecRef::Feature { feature, fragment } => (fragment.clone(), feature.clone()),
                _ => (String::new(), spec.path.clone()),
            };
            let is_id = |x: &str| spec.sections.iter().any(|sec| sec.ids.iter().any(|i| i == x));
            let mut help = match (suggestion, reference) {
                (Some(x), SpecRef::Feature { .. }) if is_id(x.as_str()) => format!("did you mean `{shown}/{x}`?"),
                (Some(x), _) => format!("did you mean `{shown}#{x}`?"),
                (None, _) => String::new(),
            };
            // With a "did you mean", the list of everything else is noise.
            let available = if help.is_empty() { available(spec) } else { String::new() };
            if !available.is_empty() {
                if !help.is_empty() {
                    help.push(' ');
                }
                help.push_str(&format!("`{}` has {available}", spec.path));
            } else if help.is_empty() {
                help = format!("`{}` has no headings; add one, or link the whole file", spec.path);
            }
            Finding::new(
                &rules::FRAGMENT_NOT_FOUND,
                format!(
                    "spec link `{raw}`: `{fragment}` is no heading or requirement ID in `{shown}`"
                ),
            )
            .help(help)
        }
        (Resolution::Ambiguous(forms), reference) => {
            let id = match reference {
                SpecRef::BareId(id) => id.as_str(),
                _ => raw.as_str(),
            };
            Finding::new(
                &rules::AMBIGUOUS_ID,
                format!(
                    "spec link `{raw}`: requirement `{id}` is defined in {} specs",
                    forms.len()
                ),
            )
            .help(format!("qualify it with its feature: {}", or_list(&forms)))
        }
    };
    Some(locate(finding, file, link.pos))
}

/// "the IDs `FR-001`, `FR-002` and the headings `#a`, `#b`" when short; empty otherwise.
fn available(spec: &crate::spec::SpecFile) -> String {
    let ids: Vec<&String> = spec.sections.iter().flat_map(|s| s.ids.iter()).collect();
    let slugs: Vec<&String> = spec.sections.iter().map(|s| &s.slug).collect();
    let list = |v: &[&String], prefix: &str| {
        v.iter()
            .map(|x| format!("`{prefix}{x}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (ids.len(), slugs.len()) {
        (0, 0) => String::new(),
        (i, s) if i > 0 && i <= SHORT_LIST && s <= SHORT_LIST => format!(
            "the IDs {} and the headings {}",
            list(&ids, ""),
            list(&slugs, "#")
        ),
        (i, _) if i > 0 && i <= SHORT_LIST => format!("the IDs {}", list(&ids, "")),
        (0, s) if s <= SHORT_LIST => format!("the headings {}", list(&slugs, "#")),
        _ => String::new(),
    }
}

/// Words too common in task titles and spec headings to relate one to the other.
const COMMON_WORDS: &[&str] = &[
    "add",
    "all",
    "and",
    "create",
    "fix",
    "for",
    "from",
    "implement",
    "into",
    "make",
    "new",
    "not",
    "spec",
    "specs",
    "support",
    "task",
    "the",
    "update",
    "use",
    "with",
];

/// The significant words of a title or heading: lowercase runs of letters and digits,
/// three characters or more, not only digits, common words left out.
fn words(text: &str) -> std::collections::BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| {
            w.chars().count() >= 3
                && !w.chars().all(|c| c.is_ascii_digit())
                && !COMMON_WORDS.contains(&w.as_str())
        })
        .collect()
}

/// The spec section most plausibly related to a task: the one that defines a requirement
/// ID the title names (`SPEC-011: Slim CLAUDE.md`), else the one whose heading shares the
/// most significant words with the title, two at least. `None` when none does: then
/// proposing one would be a guess.
fn related_section(title: &str, specs: &SpecIndex) -> Option<String> {
    let named = title
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| w.contains('-'))
        .find_map(|w| {
            specs.files.iter().find_map(|f| {
                let id = f
                    .sections
                    .get(f.find_id(w)?)?
                    .ids
                    .iter()
                    .find(|i| i.eq_ignore_ascii_case(w))?;
                Some(format!("{}#{id}", f.path))
            })
        });
    if named.is_some() {
        return named;
    }
    let wanted = words(title);
    let mut best: Option<(usize, String)> = None;
    for file in &specs.files {
        for section in &file.sections {
            let shared = words(&section.heading).intersection(&wanted).count();
            if shared < 2 || best.as_ref().is_some_and(|(n, _)| *n >= shared) {
                continue;
            }
            let fragment = section.ids.first().unwrap_or(&section.slug);
            best = Some((shared, format!("{}#{fragment}", file.path)));
        }
    }
    best.map(|(_, link)| link)
}

/// FG201 for one task. The help puts the form the Backlog.md CLI keeps first (it drops
/// frontmatter keys it does not know, such as `spec:`), and proposes a section only when
/// one is plausibly related to the task; otherwise it names the choices.
fn missing_link(file: &TaskFile, task: &Task, specs: &SpecIndex) -> Finding {
    let name = file
        .id()
        .map(|i| i.canonical())
        .unwrap_or_else(|| file.path.clone());
    let add_ref = |link: &str| file.tracker.edit(file.id(), &[Edit::AddReference(link)]);
    let pos = task
        .title
        .as_ref()
        .or(task.raw_id.as_ref())
        .map_or(Position::line(1, 3), |s| s.pos);
    let title = task.title.as_ref().map_or("", |t| t.value.as_str());
    let help = match related_section(title, specs) {
        Some(link) => format!(
            "if it implements `{link}`, add it to the task's references: \
             {} (or `spec: {link}` in its frontmatter, \
             which the {} CLI drops when it edits the task); otherwise link the section it \
             implements the same way, or, if it implements no spec, give it a label listed in \
             `links.exempt_labels` in .flowgate.yml",
            add_ref(&link),
            file.tracker.name()
        ),
        None => format!(
            "if it implements a spec section, add the section to the task's references: \
             {} \
             (or a `spec:` key in its frontmatter, which the {} CLI drops when it edits \
             the task); if tasks like it implement no spec, give them a label listed in \
             `links.exempt_labels`, or set `links.require: none`, in .flowgate.yml",
            add_ref("<spec file>#<heading slug or requirement ID>"),
            file.tracker.name()
        ),
    };
    let finding = Finding::new(
        &rules::MISSING_SPEC_LINK,
        format!("task {name} links to no spec section"),
    )
    .help(help);
    locate(finding, file, pos)
}

/// FG208: tasks exist, specs do not.
fn no_specs_found(specs: &SpecIndex, unlinked: usize) -> Finding {
    let tasks = if unlinked == 1 { "task" } else { "tasks" };
    Finding::new(
        &rules::NO_SPECS,
        format!(
            "no spec files found (tried {}), so {unlinked} {tasks} cannot link to a spec",
            quoted(&specs.globs)
        ),
    )
    .help("write specs there (e.g. `specify init` for spec-kit), set `specs.globs` in .flowgate.yml to where your specs live, or set `links.require: none`")
}

fn locate(finding: Finding, file: &TaskFile, pos: Position) -> Finding {
    let finding = finding.at(file.path.clone(), pos);
    match file.id() {
        Some(id) => finding.task(id.canonical()),
        None => finding,
    }
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|g| format!("`{g}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `` `a` ``, `` `a` or `b` ``, `` `a`, `b` or `c` ``.
fn or_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    crate::text::phrase_list(&quoted, "or")
}

fn feature_list(specs: &SpecIndex) -> String {
    let names: Vec<String> = specs
        .feature_names()
        .take(SHORT_LIST)
        .map(String::from)
        .collect();
    if names.is_empty() {
        "no spec-kit feature folders exist; link a spec file by path".into()
    } else {
        format!("existing features: {}", quoted(&names))
    }
}

/// Files on which this family's rules fire, for the focus-contract test of `snapshot.rs`
/// (every tree rule must fire on a task file of some fixture, and give a focused snapshot
/// what it gives the whole): `(path, content)`, added to a small backlog there. A new rule
/// of this family that fires in no fixture gets its case here, next to its check.
#[cfg(test)]
pub(crate) const FOCUS_CASES: &[(&str, &str)] = &[];

#[cfg(test)]
mod tests;

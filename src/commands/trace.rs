//! `flowgate trace ID`: a task, a spec section or a requirement, and everything linked to
//! it in both directions, with the status history from the audit's history pass.

use schemars::JsonSchema;
use serde::Serialize;

use super::audit::{audit_head, write_output};
use super::{CommandError, Context, Outcome};
use crate::audit::coverage::{covered_ids, defines_requirements};
use crate::audit::history::History;
use crate::audit::suspect::hash_text;
use crate::backlog::{Folder, TaskFile, TaskId};
use crate::cli::{Format, TraceArgs};
use crate::snapshot::Snapshot;
use crate::spec::link::{parse_reference, task_links, LinkOrigin, Resolution, SpecRef};
use crate::spec::SpecIndex;

/// The formats `flowgate trace` writes.
pub const FORMATS: &[Format] = &[Format::Human, Format::Json];

/// A spec section in a trace.
#[derive(Debug, Serialize, JsonSchema)]
struct SectionOut {
    file: String,
    anchor: String,
    heading: String,
    line: u32,
    ids: Vec<String>,
    content_hash: String,
    /// Commits that changed the section's text, oldest first.
    changes: Vec<CommitOut>,
}

/// A commit in a trace.
#[derive(Debug, Serialize, JsonSchema)]
struct CommitOut {
    commit: String,
    date: String,
    author: String,
    subject: String,
}

/// One status-history entry.
#[derive(Debug, Serialize, JsonSchema)]
struct MoveOut {
    commit: String,
    date: String,
    author: String,
    from: Option<String>,
    to: Option<String>,
    path: Option<String>,
    /// The ID the task had before this commit gave it another.
    #[serde(skip_serializing_if = "Option::is_none")]
    renamed_from: Option<String>,
    /// The ID this commit gave the task instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    renamed_to: Option<String>,
}

/// A task in a trace.
#[derive(Debug, Serialize, JsonSchema)]
struct TaskOut {
    id: String,
    title: String,
    status: String,
    file: String,
    /// Spec links as written, with what they resolve to.
    links: Vec<LinkOut>,
    /// Commits whose message references the task.
    commits: Vec<CommitOut>,
    /// Status history, oldest first.
    history: Vec<MoveOut>,
}

#[derive(Debug, Serialize, JsonSchema)]
struct LinkOut {
    link: String,
    section: Option<SectionOut>,
}

/// The document of `flowgate trace --format json`.
#[derive(Debug, Serialize, JsonSchema)]
struct TraceOut {
    /// The schema version, as in every JSON document flowgate writes.
    version: u32,
    /// The ID or link traced, as given.
    query: String,
    /// `task`, `section` or `requirement`.
    #[schemars(regex(pattern = "^(task|section|requirement)$"))]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    task: Option<TaskOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    section: Option<SectionOut>,
    /// Tasks linked to the section (for section and requirement traces).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tasks: Vec<TaskOut>,
}

/// The JSON Schema of the trace document, its definitions added to `generator`.
pub(super) fn schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    generator.subschema_for::<TraceOut>()
}

fn commit_out(r: &crate::audit::history::CommitRecord) -> CommitOut {
    CommitOut {
        commit: r.id.to_string(),
        date: r.date(),
        author: r.author.to_string(),
        subject: r.subject.to_string(),
    }
}

fn section_out(
    index: &SpecIndex,
    history: &History,
    file: usize,
    section: usize,
) -> Option<SectionOut> {
    let f = index.files.get(file)?;
    let s = f.sections.get(section)?;
    Some(SectionOut {
        file: f.path.clone(),
        anchor: s.slug.clone(),
        heading: s.heading.clone(),
        line: s.line,
        ids: s.ids.clone(),
        content_hash: hash_text(s.content_hash),
        changes: history
            .section_history(&f.path, &s.slug)
            .into_iter()
            .filter_map(|(i, _)| history.records.get(i).map(commit_out))
            .collect(),
    })
}

fn task_out(file: &TaskFile, index: &SpecIndex, history: &History) -> TaskOut {
    let id = file.id().map(TaskId::canonical).unwrap_or_default();
    let timeline = history.timeline_following(&id);
    TaskOut {
        id: id.clone(),
        title: file.title().unwrap_or_default().to_string(),
        status: file.status().unwrap_or_default().to_string(),
        file: file.path.clone(),
        links: task_links(file, index)
            .into_iter()
            .map(|l| LinkOut {
                section: match index.resolve(&l.reference) {
                    Resolution::Section { file, section } => {
                        section_out(index, history, file, section)
                    }
                    _ => None,
                },
                link: l.raw,
            })
            .collect(),
        commits: {
            // Commits that named the task by any ID it had, oldest first.
            let mut ids = vec![id.clone()];
            ids.extend(
                timeline
                    .iter()
                    .filter_map(|e| e.change.renamed_from.as_deref().map(str::to_string)),
            );
            let mut commits: Vec<_> = ids.iter().flat_map(|i| history.referencing(i)).collect();
            commits.sort_by_key(|c| history.position(&c.id));
            commits.dedup_by(|a, b| a.id == b.id);
            commits.into_iter().map(commit_out).collect()
        },
        history: timeline
            .iter()
            .map(|e| MoveOut {
                commit: e.commit.id.to_string(),
                date: e.commit.date(),
                author: e.commit.author.to_string(),
                from: e.change.from.as_deref().map(str::to_string),
                to: e.change.to.as_deref().map(str::to_string),
                path: e.change.path.as_deref().map(str::to_string),
                renamed_from: e.change.renamed_from.as_deref().map(str::to_string),
                renamed_to: e.change.renamed_to.as_deref().map(str::to_string),
            })
            .collect(),
    }
}

/// Which files could be meant: the task's own files, `tasks/` first.
fn task_files<'a>(snapshot: &'a Snapshot, id: &TaskId) -> Vec<&'a TaskFile> {
    let mut files: Vec<&TaskFile> = snapshot.backlog.iter().flat_map(|b| b.find(id)).collect();
    files.sort_by_key(|f| f.folder);
    files
}

/// `spec.md#user-story-1` for the heading `User Story 1 - Sign in`: when a fragment is no
/// slug or ID of the file, but the start of exactly one slug, that slug is meant.
fn widen_fragment(reference: SpecRef, index: &SpecIndex) -> SpecRef {
    let SpecRef::Path {
        path,
        fragment: Some(fragment),
    } = &reference
    else {
        return reference;
    };
    let Some(file) = index.file(path).and_then(|f| index.files.get(f)) else {
        return reference;
    };
    if file.find_fragment(fragment).is_some() {
        return reference;
    }
    let start = format!("{}-", fragment.to_lowercase());
    let mut matches = file.sections.iter().filter(|s| s.slug.starts_with(&start));
    match (matches.next(), matches.next()) {
        (Some(s), None) => SpecRef::Path {
            path: path.clone(),
            fragment: Some(s.slug.clone()),
        },
        _ => reference,
    }
}

/// Runs `flowgate trace`.
pub fn run(ctx: &Context, args: &TraceArgs) -> Result<Outcome, CommandError> {
    let (repo, config, audit) = audit_head(ctx, None)?;
    let tree = repo.commit_tree(audit.head)?;
    let snapshot = crate::engine::snapshot(&tree, &config, None)?;
    let index = &snapshot.specs;
    let history = &audit.history;
    let query = args.id.trim();
    let prefix = snapshot
        .backlog
        .as_ref()
        .map_or("task".to_string(), |b| b.layout.config.task_prefix.clone());
    // `TASK-12`, `task-12`, or a bare `12` as Backlog.md's CLI accepts it.
    let task_id = TaskId::parse_with_prefix(query, &prefix)
        .or_else(|| TaskId::parse(query).filter(|id| id.prefix().eq_ignore_ascii_case("draft")));
    let out = if let Some(id) = task_id {
        let files = task_files(&snapshot, &id);
        // Backlog.md reuses the IDs of archived tasks: an archived copy is not a rival.
        let live: Vec<&&TaskFile> = files
            .iter()
            .filter(|f| f.folder != Folder::Archive)
            .collect();
        if live.len() > 1 {
            let candidates: Vec<String> = live.iter().map(|f| format!("  {}", f.path)).collect();
            return Err(CommandError::Usage(format!(
                "{} is ambiguous: {} task files carry it:\n{}\ngive each its own ID (flowgate check reports them as FG104), then trace it again",
                id.canonical(),
                live.len(),
                candidates.join("\n")
            )));
        }
        let task = match files.first() {
            Some(f) => task_out(f, index, history),
            None if !history.timeline_following(&id.canonical()).is_empty() => {
                // Deleted since: its history is all there is.
                let canonical = id.canonical();
                let mut t = task_out(
                    &TaskFile {
                        tracker: &crate::backlog::BACKLOG_MD,
                        path: String::new(),
                        folder: Folder::Tasks,
                        name_id: Some(id.clone()),
                        task: None,
                        issues: Vec::new(),
                    },
                    index,
                    history,
                );
                t.id = canonical;
                t.status = "(deleted)".into();
                t
            }
            None => {
                return Err(CommandError::Usage(format!(
                    "no task {} at HEAD or in its history",
                    id.canonical()
                )))
            }
        };
        TraceOut {
            version: crate::report::json::SCHEMA_VERSION,
            query: query.to_string(),
            kind: "task",
            task: Some(task),
            section: None,
            tasks: Vec::new(),
        }
    } else {
        let mut reference = parse_reference(query, LinkOrigin::Frontmatter, "", index)
            .map(|r| widen_fragment(r, index));
        let mut resolution = reference.as_ref().map(|r| index.resolve(r));
        if let Some(Resolution::Ambiguous(forms)) = &resolution {
            // Of several specs naming the ID, the ones that define it (a feature's spec.md,
            // a PRD) are the candidates; a plan or a checklist only mentions it.
            let mut defining: Vec<(SpecRef, &String)> = forms
                .iter()
                .filter_map(|f| {
                    let r = parse_reference(f, LinkOrigin::Frontmatter, "", index)?;
                    let Resolution::Section { file, .. } = index.resolve(&r) else {
                        return None;
                    };
                    defines_requirements(index.files.get(file)?, index).then_some((r, f))
                })
                .collect();
            if defining.len() == 1 {
                if let Some((only, _)) = defining.pop() {
                    resolution = Some(index.resolve(&only));
                    reference = Some(only);
                }
            } else {
                let candidates: Vec<&String> = if defining.is_empty() {
                    forms.iter().collect()
                } else {
                    defining.iter().map(|(_, f)| *f).collect()
                };
                return Err(CommandError::Usage(format!(
                    "`{query}` is ambiguous: it is defined in {} specs; trace one of them:\n{}",
                    candidates.len(),
                    candidates
                        .iter()
                        .map(|f| format!("  flowgate trace {f}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                )));
            }
        }
        let (Some(reference), Some(Resolution::Section { file, section })) =
            (reference.as_ref(), resolution)
        else {
            return Err(CommandError::Usage(format!(
                "`{query}` is neither a task ID nor a spec section or requirement (try TASK-12, 001-user-auth/FR-003 or specs/001-user-auth/spec.md#user-story-1)"
            )));
        };
        let fragment = match reference {
            SpecRef::Path { fragment, .. } => fragment.clone(),
            SpecRef::Feature { fragment, .. } => Some(fragment.clone()),
            SpecRef::BareId(id) => Some(id.clone()),
            SpecRef::Escapes(_) => None,
        };
        let target = index.files.get(file).and_then(|f| f.sections.get(section));
        let is_id = fragment
            .as_deref()
            .zip(target)
            .is_some_and(|(fr, s)| s.ids.iter().any(|i| i.eq_ignore_ascii_case(fr)));
        let tasks: Vec<TaskOut> = snapshot
            .backlog
            .iter()
            .flat_map(|b| b.tasks())
            .filter(|t| {
                task_links(t, index).iter().any(|l| {
                    if is_id {
                        let wanted = fragment.as_deref().unwrap_or_default();
                        return covered_ids(index, &l.reference)
                            .iter()
                            .any(|(f, i)| *f == file && i.eq_ignore_ascii_case(wanted));
                    }
                    let Resolution::Section {
                        file: f,
                        section: s,
                    } = index.resolve(&l.reference)
                    else {
                        return false;
                    };
                    let a = index.files.get(f).and_then(|x| x.sections.get(s));
                    match (f == file, a, target) {
                        // The same section, one inside it, or one containing it.
                        (true, Some(a), Some(b)) => {
                            (a.range.start >= b.range.start && a.range.end <= b.range.end)
                                || (b.range.start >= a.range.start && b.range.end <= a.range.end)
                        }
                        _ => false,
                    }
                })
            })
            .map(|t| task_out(t, index, history))
            .collect();
        TraceOut {
            version: crate::report::json::SCHEMA_VERSION,
            query: query.to_string(),
            kind: if is_id { "requirement" } else { "section" },
            task: None,
            section: section_out(index, history, file, section),
            tasks,
        }
    };
    let text = match ctx.global.format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&out).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Human => human(&out),
        other => return Err(super::unsupported(other, FORMATS)),
    };
    write_output(ctx, None, &text)?;
    Ok(Outcome::Clean)
}

fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

fn human_section(s: &SectionOut, indent: &str, out: &mut String) {
    out.push_str(&format!(
        "{indent}{}#{} \"{}\" (line {}{}), hash {}\n",
        s.file,
        s.anchor,
        s.heading,
        s.line,
        if s.ids.is_empty() {
            String::new()
        } else {
            format!(", defines {}", s.ids.join(", "))
        },
        s.content_hash
    ));
    for c in &s.changes {
        out.push_str(&format!(
            "{indent}  changed in {} {} {}: {}\n",
            short(&c.commit),
            c.date,
            c.author,
            c.subject
        ));
    }
}

fn human_task(t: &TaskOut, indent: &str, out: &mut String) {
    out.push_str(&format!(
        "{indent}{} \"{}\" [{}] {}\n",
        t.id, t.title, t.status, t.file
    ));
    if !t.links.is_empty() {
        out.push_str(&format!("{indent}  links:\n"));
        for l in &t.links {
            match &l.section {
                Some(s) => human_section(s, &format!("{indent}    "), out),
                None => out.push_str(&format!("{indent}    {} (does not resolve)\n", l.link)),
            }
        }
    }
    if !t.history.is_empty() {
        out.push_str(&format!("{indent}  status history:\n"));
        for m in &t.history {
            let what = match (&m.from, &m.to) {
                (None, Some(to)) => format!("created as \"{to}\""),
                (Some(from), None) => format!("deleted (was \"{from}\")"),
                (Some(from), Some(to)) if from == to => format!("moved, still \"{to}\""),
                (Some(from), Some(to)) => format!("\"{from}\" -> \"{to}\""),
                (None, None) => "changed".to_string(),
            };
            let what = crate::report::audit_model::with_rename(
                what,
                m.renamed_from.as_deref(),
                m.renamed_to.as_deref(),
            );
            let place = m
                .path
                .as_deref()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default();
            out.push_str(&format!(
                "{indent}    {} {} {}: {what}{place}\n",
                m.date,
                short(&m.commit),
                m.author
            ));
        }
    }
    if !t.commits.is_empty() {
        out.push_str(&format!("{indent}  commits referencing it:\n"));
        for c in &t.commits {
            out.push_str(&format!(
                "{indent}    {} {} {}: {}\n",
                c.date,
                short(&c.commit),
                c.author,
                c.subject
            ));
        }
    }
}

fn human(t: &TraceOut) -> String {
    let mut out = String::new();
    if let Some(task) = &t.task {
        out.push_str("task ");
        human_task(task, "", &mut out);
    }
    if let Some(s) = &t.section {
        if t.kind == "requirement" {
            out.push_str(&format!("requirement {} in ", t.query));
        } else {
            out.push_str("section ");
        }
        human_section(s, "", &mut out);
        if t.tasks.is_empty() {
            out.push_str("  no task links to it\n");
        } else {
            out.push_str("  tasks:\n");
            for task in &t.tasks {
                human_task(task, "    ", &mut out);
            }
        }
    }
    out
}
